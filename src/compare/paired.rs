//! Paired differences between runs made with common random numbers (CRN).
//!
//! When two runs share their seed and trial count, trial `i` of each drew the same random
//! numbers, so `value in this scenario − value in the first scenario` in trial `i` is the effect
//! of the parameters on that one sampled world. Its distribution over trials (the *paired
//! difference*) is usually much narrower than the difference of two marginal distributions, and
//! its median need not equal the difference of medians.
//!
//! # How it is computed
//!
//! The `trials.csv` files of the first run and of each paired run are streamed **in lockstep**,
//! one record of each at a time, reading only the `trial` column and the compared metrics (found
//! by header name). A trial counts for a metric when both cells have a value (an empty cell means
//! "did not happen"); its difference goes into a [`Sketch`] per (run, metric). Memory therefore
//! depends on the number of runs and metrics, not on the number of trials.
//!
//! [`Sketch`] stores negative values in a mirrored store and values with `|x| < 1e-12` (exact
//! zeros, which are common: a metric the parameters do not affect) in a zero bucket, so signed
//! differences need no special handling. Quantiles follow `summary.csv`: the lower nearest-rank
//! quantile (`r = max(1, ⌈q·n⌉)`) within α = 0.5% relative of the exact one; differences of
//! **count** metrics are rounded to whole numbers and differences of **year** metrics snapped to
//! whole quarters (the sketch already holds elapsed time, so no origin shift is needed).

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use crate::charts::RunMeta;
use crate::model::metrics::{Kind, OUT};
use crate::stats::Sketch;

/// The distribution over trials of a paired difference, as written to `comparison.csv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedDiff {
    pub p5: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    /// Trials in which both runs have a value (the number of differences).
    pub count: u64,
}

/// Accumulates the paired differences of one metric between two runs: memory bounded by the
/// range of the differences (see [`Sketch`]), not by their number.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairedAccumulator {
    sketch: Sketch,
}

impl PairedAccumulator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds trial `i`: `this` is the value in the compared run, `first` the value in the first
    /// run. The trial counts only when both are present (and finite).
    #[inline]
    pub fn add(&mut self, this: Option<f64>, first: Option<f64>) {
        if let (Some(a), Some(b)) = (this, first) {
            let d = a - b;
            if d.is_finite() {
                self.sketch.add(d);
            }
        }
    }

    /// Merges another accumulator (exact and order-independent, like [`Sketch::merge`]).
    pub fn merge(&mut self, other: &PairedAccumulator) {
        self.sketch.merge(&other.sketch);
    }

    /// Number of paired trials added.
    pub fn count(&self) -> u64 {
        self.sketch.count()
    }

    /// Lower nearest-rank quantile of the differences (within [`crate::stats::ALPHA`] relative),
    /// without presentation rounding; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.sketch.quantile(q)
    }

    /// P5, P50 and P95 presented like `summary.csv` for a metric of `kind`: counts rounded to
    /// whole numbers, years snapped to whole quarters, `-0` written as `0`.
    pub fn summary(&self, kind: Kind) -> PairedDiff {
        let present = |q: f64| {
            self.quantile(q).map(|v| {
                let v = match kind {
                    Kind::Real => v,
                    Kind::Count => v.round(),
                    Kind::Year => (v * 4.0).round() / 4.0,
                };
                v + 0.0
            })
        };
        PairedDiff {
            p5: present(0.05),
            p50: present(0.5),
            p95: present(0.95),
            count: self.count(),
        }
    }
}

/// How quantiles of an outcome are presented (its [`Kind`] in the metric catalogue; event years
/// are years; names outside the catalogue are real-valued).
pub fn outcome_kind(metric: &str) -> Kind {
    if let Some(m) = OUT.iter().find(|m| m.name == metric) {
        return m.kind;
    }
    if metric.starts_with("event_") && metric.ends_with("_year") {
        return Kind::Year;
    }
    Kind::Real
}

/// Whether the trials of run `other` can be paired with those of `first`: both `run.json` files
/// give the same seed and the same number of trials.
pub fn can_pair(first: &RunMeta, other: &RunMeta) -> bool {
    first.seed.is_some()
        && first.trials.is_some()
        && first.seed == other.seed
        && first.trials == other.trials
}

/// `seed 1, 200 trials` (`?` for what `run.json` does not give), for warnings.
pub fn seed_and_trials(m: &RunMeta) -> String {
    format!(
        "seed {}, {} trials",
        m.seed.map(|s| s.to_string()).unwrap_or_else(|| "?".into()),
        m.trials
            .map(|t| t.to_string())
            .unwrap_or_else(|| "?".into())
    )
}

/// One `trials.csv` being streamed.
struct Stream {
    path: PathBuf,
    reader: csv::Reader<BufReader<File>>,
    record: csv::ByteRecord,
    /// Column of `trial`, if any.
    trial: Option<usize>,
    /// Column of each compared metric, if present.
    columns: Vec<Option<usize>>,
}

impl Stream {
    fn open(dir: &Path, metrics: &[String]) -> std::result::Result<Stream, String> {
        let path = dir.join("trials.csv");
        let file = File::open(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(BufReader::with_capacity(1 << 16, file));
        let headers = reader
            .byte_headers()
            .map_err(|e| format!("cannot read the header of {}: {e}", path.display()))?
            .clone();
        let index: HashMap<&[u8], usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim_ascii(), i))
            .collect();
        let trial = index.get(b"trial".as_slice()).copied();
        let columns = metrics
            .iter()
            .map(|m| index.get(m.as_bytes()).copied())
            .collect();
        Ok(Stream {
            path,
            reader,
            record: csv::ByteRecord::new(),
            trial,
            columns,
        })
    }

    /// Reads the next record; `false` at the end of the file.
    fn next(&mut self) -> std::result::Result<bool, String> {
        self.reader
            .read_byte_record(&mut self.record)
            .map_err(|e| format!("cannot read {}: {e}", self.path.display()))
    }

    fn line(&self) -> u64 {
        self.record.position().map(|p| p.line()).unwrap_or(0)
    }

    fn cell(&self, col: usize) -> &[u8] {
        self.record.get(col).unwrap_or(b"").trim_ascii()
    }

    /// The value of metric `k` in the current record: `None` for an empty cell, a missing
    /// column or a non-finite number.
    fn value(&self, k: usize, name: &str) -> std::result::Result<Option<f64>, String> {
        let Some(col) = self.columns[k] else {
            return Ok(None);
        };
        let cell = self.cell(col);
        if cell.is_empty() {
            return Ok(None);
        }
        let text = std::str::from_utf8(cell).unwrap_or("?");
        match text.parse::<f64>() {
            Ok(v) => Ok(v.is_finite().then_some(v)),
            Err(_) => Err(format!(
                "{} line {}, column `{name}`: `{text}` is not a number",
                self.path.display(),
                self.line()
            )),
        }
    }
}

/// The paired differences of one run against the first: for each metric, its accumulator
/// (`None` when the metric is not a column of both `trials.csv` files), or why the trials could
/// not be paired.
pub type Pairing = std::result::Result<Vec<Option<PairedAccumulator>>, String>;

/// Streams the `trials.csv` of `first` and of every run in `others` in lockstep and accumulates,
/// for each other run and each of `metrics`, the differences `other − first` trial by trial.
///
/// The caller checks beforehand that the runs share seed and trial count ([`can_pair`]). A run whose `trials.csv` is missing or unreadable, has a different
/// number of rows, or whose `trial` column disagrees with the first run's, gets `Err(reason)`;
/// the others are unaffected.
pub fn paired_differences(first: &Path, others: &[&Path], metrics: &[String]) -> Vec<Pairing> {
    let mut base = match Stream::open(first, metrics) {
        Ok(s) => s,
        Err(e) => return others.iter().map(|_| Err(e.clone())).collect(),
    };
    struct Other {
        stream: Stream,
        acc: Vec<PairedAccumulator>,
    }
    let mut state: Vec<std::result::Result<Other, String>> = others
        .iter()
        .map(|d| {
            Stream::open(d, metrics).map(|stream| Other {
                stream,
                acc: vec![PairedAccumulator::new(); metrics.len()],
            })
        })
        .collect();
    let mut first_values: Vec<Option<f64>> = vec![None; metrics.len()];
    let mut rows = 0u64;
    loop {
        if state.iter().all(|s| s.is_err()) {
            break;
        }
        let more = match base.next() {
            Ok(more) => more,
            Err(e) => {
                for s in state.iter_mut().filter(|s| s.is_ok()) {
                    *s = Err(e.clone());
                }
                break;
            }
        };
        if more {
            rows += 1;
            for (k, m) in metrics.iter().enumerate() {
                match base.value(k, m) {
                    Ok(v) => first_values[k] = v,
                    Err(e) => {
                        for s in state.iter_mut().filter(|s| s.is_ok()) {
                            *s = Err(e.clone());
                        }
                        break;
                    }
                }
            }
        }
        for s in state.iter_mut() {
            let Ok(o) = s else { continue };
            let result = (|| -> std::result::Result<(), String> {
                let other_more = o.stream.next()?;
                match (more, other_more) {
                    (false, false) => return Ok(()),
                    (true, false) | (false, true) => {
                        return Err(format!(
                            "{} and {} have different numbers of trials",
                            base.path.display(),
                            o.stream.path.display()
                        ))
                    }
                    (true, true) => {}
                }
                if let (Some(a), Some(b)) = (base.trial, o.stream.trial) {
                    if base.cell(a) != o.stream.cell(b) {
                        return Err(format!(
                            "row {rows} of {} is trial `{}` but of {} trial `{}`",
                            o.stream.path.display(),
                            String::from_utf8_lossy(o.stream.cell(b)),
                            base.path.display(),
                            String::from_utf8_lossy(base.cell(a))
                        ));
                    }
                }
                for (k, m) in metrics.iter().enumerate() {
                    if base.columns[k].is_none() {
                        continue;
                    }
                    let v = o.stream.value(k, m)?;
                    o.acc[k].add(v, first_values[k]);
                }
                Ok(())
            })();
            if let Err(e) = result {
                *s = Err(e);
            }
        }
        if !more {
            break;
        }
    }
    state
        .into_iter()
        .map(|s| {
            s.map(|o| {
                o.acc
                    .into_iter()
                    .enumerate()
                    .map(|(k, a)| {
                        (base.columns[k].is_some() && o.stream.columns[k].is_some()).then_some(a)
                    })
                    .collect()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{sketch::ZERO_THRESHOLD, ALPHA};

    /// Exact lower nearest-rank quantile of a sample (the definition summary.csv uses).
    fn exact(xs: &[f64], q: f64) -> f64 {
        let mut v = xs.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        let r = ((q * n * (1.0 - 1e-12)).ceil() as usize).clamp(1, v.len());
        v[r - 1]
    }

    fn within(got: f64, want: f64) -> bool {
        (got - want).abs() <= ALPHA * want.abs() * (1.0 + 1e-9) + ZERO_THRESHOLD
    }

    #[test]
    fn signed_differences_with_zeros_match_exact_quantiles() {
        // Differences that are negative, zero (often: unaffected trials) and positive, with
        // missing values on either side.
        let first: Vec<Option<f64>> = (0..1000)
            .map(|i| (i % 13 != 0).then_some(100.0 + (i as f64 * 7.3) % 50.0))
            .collect();
        let this: Vec<Option<f64>> = (0..1000)
            .map(|i| {
                (i % 17 != 0).then(|| {
                    let f = 100.0 + (i as f64 * 7.3) % 50.0;
                    match i % 4 {
                        0 => f,                                  // exactly 0
                        1 => f - 1.0 - (i as f64 * 0.37) % 30.0, // negative
                        2 => f + 0.5 + (i as f64 * 0.11) % 9.0,  // positive
                        _ => f - 1e-3 * (i % 7) as f64,          // small, ≤ 0
                    }
                })
            })
            .collect();
        let mut acc = PairedAccumulator::new();
        let mut diffs = Vec::new();
        for (a, b) in this.iter().zip(&first) {
            acc.add(*a, *b);
            if let (Some(a), Some(b)) = (a, b) {
                diffs.push(a - b);
            }
        }
        assert_eq!(acc.count(), diffs.len() as u64);
        assert!(diffs.iter().any(|d| *d < 0.0));
        assert!(diffs.contains(&0.0));
        assert!(diffs.iter().any(|d| *d > 0.0));
        for k in 0..=100 {
            let q = k as f64 / 100.0;
            let (got, want) = (acc.quantile(q).unwrap(), exact(&diffs, q));
            assert!(within(got, want), "q={q}: got {got}, exact {want}");
        }
        let s = acc.summary(Kind::Real);
        assert_eq!(s.count, diffs.len() as u64);
        assert!(within(s.p5.unwrap(), exact(&diffs, 0.05)));
        assert!(within(s.p50.unwrap(), exact(&diffs, 0.5)));
        assert!(within(s.p95.unwrap(), exact(&diffs, 0.95)));
    }

    #[test]
    fn all_negative_and_all_zero() {
        let mut neg = PairedAccumulator::new();
        let mut zero = PairedAccumulator::new();
        let diffs: Vec<f64> = (1..=200).map(|i| -(i as f64) * 1.5).collect();
        for d in &diffs {
            neg.add(Some(1000.0 + d), Some(1000.0));
            zero.add(Some(*d), Some(*d));
        }
        let s = neg.summary(Kind::Real);
        for (got, q) in [(s.p5, 0.05), (s.p50, 0.5), (s.p95, 0.95)] {
            let want = exact(&diffs, q);
            assert!(within(got.unwrap(), want), "q={q}: {got:?} vs {want}");
            assert!(got.unwrap() < 0.0);
        }
        let z = zero.summary(Kind::Real);
        assert_eq!(
            (z.p5, z.p50, z.p95, z.count),
            (Some(0.0), Some(0.0), Some(0.0), 200)
        );
        assert!(z.p50.unwrap().is_sign_positive());
    }

    #[test]
    fn counts_round_and_years_snap() {
        let mut c = PairedAccumulator::new();
        let mut y = PairedAccumulator::new();
        let counts: Vec<f64> = (0..300).map(|i| -((i % 41) as f64)).collect();
        let years: Vec<f64> = (0..300).map(|i| ((i % 37) as f64 - 12.0) * 0.25).collect();
        for (a, b) in counts.iter().zip(&years) {
            c.add(Some(10.0 + a), Some(10.0));
            y.add(Some(2030.0 + b), Some(2030.0));
        }
        let sc = c.summary(Kind::Count);
        let sy = y.summary(Kind::Year);
        for (got, q) in [(sc.p5, 0.05), (sc.p50, 0.5), (sc.p95, 0.95)] {
            assert_eq!(got, Some(exact(&counts, q) + 0.0), "counts q={q}");
        }
        for (got, q) in [(sy.p5, 0.05), (sy.p50, 0.5), (sy.p95, 0.95)] {
            assert_eq!(got, Some(exact(&years, q) + 0.0), "years q={q}");
        }
    }

    #[test]
    fn missing_values_do_not_count() {
        let mut a = PairedAccumulator::new();
        a.add(None, Some(1.0));
        a.add(Some(1.0), None);
        a.add(None, None);
        assert_eq!(a.count(), 0);
        assert_eq!(
            a.summary(Kind::Real),
            PairedDiff {
                p5: None,
                p50: None,
                p95: None,
                count: 0
            }
        );
        a.add(Some(3.0), Some(1.0));
        assert_eq!(a.summary(Kind::Real).p50, Some(2.0));
    }

    #[test]
    fn merge_equals_one_pass() {
        let mut whole = PairedAccumulator::new();
        let mut a = PairedAccumulator::new();
        let mut b = PairedAccumulator::new();
        for i in 0..500 {
            let (x, y) = (Some((i * 37 % 101) as f64), Some((i * 13 % 97) as f64));
            whole.add(x, y);
            let part = if i % 3 == 0 { &mut a } else { &mut b };
            part.add(x, y);
        }
        b.merge(&a);
        assert_eq!(b, whole);
    }

    #[test]
    fn kinds_and_pairing_rules() {
        assert_eq!(outcome_kind("fabs_completed"), Kind::Count);
        assert_eq!(outcome_kind("first_output_year"), Kind::Year);
        assert_eq!(outcome_kind("event_taiwan_blockade_year"), Kind::Year);
        assert_eq!(outcome_kind("total_capex_usd_bn"), Kind::Real);
        assert_eq!(outcome_kind("not_a_metric"), Kind::Real);

        let meta = |seed, trials| RunMeta {
            seed,
            trials,
            ..RunMeta::default()
        };
        assert!(can_pair(
            &meta(Some(1), Some(200)),
            &meta(Some(1), Some(200))
        ));
        assert!(!can_pair(
            &meta(Some(1), Some(200)),
            &meta(Some(2), Some(200))
        ));
        assert!(!can_pair(
            &meta(Some(1), Some(200)),
            &meta(Some(1), Some(100))
        ));
        assert!(!can_pair(&meta(None, Some(200)), &meta(None, Some(200))));
        assert!(!can_pair(&meta(Some(1), None), &meta(Some(1), None)));
        assert_eq!(
            seed_and_trials(&meta(Some(2), Some(200))),
            "seed 2, 200 trials"
        );
        assert_eq!(seed_and_trials(&meta(None, None)), "seed ?, ? trials");
    }

    fn write(dir: &Path, text: &str) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("trials.csv"), text).unwrap();
        dir.to_path_buf()
    }

    #[test]
    fn streams_in_lockstep_by_header_name() {
        let tmp = tempfile::tempdir().unwrap();
        // Columns in a different order, an extra column, empty cells.
        let a = write(
            &tmp.path().join("a"),
            "trial,x,y,in.put\n0,1,10,5\n1,2,,5\n2,3,30,5\n3,,40,5\n",
        );
        let b = write(
            &tmp.path().join("b"),
            "trial,y,x\n0,7,1\n1,8,4\n2,,0\n3,40,9\n",
        );
        let metrics = vec!["x".to_string(), "y".to_string(), "z".to_string()];
        let r = paired_differences(&a, &[&b], &metrics);
        let accs = r[0].as_ref().unwrap();
        let x = accs[0].as_ref().unwrap();
        // x: 0, +2, −3 (trial 3 missing in a).
        assert_eq!(x.count(), 3);
        assert_eq!(x.quantile(0.0), Some(-3.0));
        assert_eq!(x.quantile(1.0), Some(2.0));
        assert_eq!(x.quantile(0.5), Some(0.0));
        // y: −3 (trial 0), 0 (trial 3); trials 1 and 2 missing on one side.
        let y = accs[1].as_ref().unwrap();
        assert_eq!(y.count(), 2);
        assert_eq!(y.quantile(0.0), Some(-3.0));
        // z: in neither file.
        assert!(accs[2].is_none());

        // Different row counts or trial indices: not paired.
        let c = write(&tmp.path().join("c"), "trial,x\n0,1\n1,2\n2,3\n");
        let d = write(&tmp.path().join("d"), "trial,x\n0,1\n2,2\n1,3\n3,0\n");
        let e = tmp.path().join("e"); // no trials.csv
        let r = paired_differences(&a, &[&c, &d, &e, &b], &metrics);
        assert!(r[0]
            .as_ref()
            .unwrap_err()
            .contains("different numbers of trials"));
        assert!(r[1].as_ref().unwrap_err().contains("trial `2`"));
        assert!(r[2].as_ref().unwrap_err().contains("cannot read"));
        assert_eq!(r[3].as_ref().unwrap()[0].as_ref().unwrap().count(), 3);

        // A cell that is not a number.
        let f = write(&tmp.path().join("f"), "trial,x\n0,1\n1,abc\n2,3\n3,4\n");
        let r = paired_differences(&a, &[&f], &metrics);
        assert!(r[0].as_ref().unwrap_err().contains("`abc` is not a number"));
    }
}
