//! Writing a run's files: `timeseries.csv`, `summary.csv`, `trials.csv` (streamed),
//! `scenario.resolved.toml` and `run.json`. Column and metric names are a public contract; see
//! docs/outputs.md.

pub mod table;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::engine::Aggregates;
use crate::error::{Error, Result};
use crate::model::metrics::{outcome_specs, Kind, TS};
use crate::scenario::Scenario;
use crate::stats::Stat;

/// Version of the output format; bumped when a file's layout or a name changes meaning.
pub const OUTPUT_FORMAT_VERSION: u32 = 1;

/// The quantiles written, in column order.
pub const QUANTILES: [(f64, &str); 5] = [
    (0.05, "p5"),
    (0.25, "p25"),
    (0.5, "p50"),
    (0.75, "p75"),
    (0.95, "p95"),
];

fn csv_err(context: &Path) -> impl Fn(csv::Error) -> Error + '_ {
    move |source| Error::Csv {
        context: context.display().to_string(),
        source,
    }
}

/// Formats a number for CSV: shortest round-trip representation; empty for None/non-finite.
pub fn fmt_num(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => {
            // Normalise -0 to 0 so that outputs do not depend on the sign of a zero.
            let v = if v == 0.0 { 0.0 } else { v };
            format!("{v}")
        }
        _ => String::new(),
    }
}

/// Mean, std and the quantiles of `stat` for presentation: year metrics are shifted back by
/// `origin`; counts are rounded to whole numbers and years to whole quarters.
fn present(stat: &Stat, kind: Kind, origin: f64) -> (Option<f64>, Option<f64>, Vec<Option<f64>>) {
    let shift = if kind == Kind::Year { origin } else { 0.0 };
    let snap = |x: f64| match kind {
        Kind::Real => x,
        Kind::Count => x.round(),
        Kind::Year => ((x + shift) * 4.0).round() / 4.0 - shift,
    };
    let mean = stat.moments.mean().map(|m| m + shift);
    let std = stat.moments.std();
    let qs = QUANTILES
        .iter()
        .map(|(q, _)| stat.quantile(*q).map(|v| snap(v) + shift))
        .collect();
    (mean, std, qs)
}

pub fn write_timeseries(path: &Path, s: &Scenario, agg: &Aggregates) -> Result<()> {
    let file =
        File::create(path).map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
    let mut w = csv::Writer::from_writer(BufWriter::new(file));
    let err = csv_err(path);
    let mut header = vec!["metric", "quarter", "mean", "std"];
    header.extend(QUANTILES.iter().map(|(_, n)| *n));
    w.write_record(&header).map_err(&err)?;
    for (m, spec) in TS.iter().enumerate() {
        for q in 0..agg.quarters {
            let stat = &agg.ts[m * agg.quarters + q];
            let (mean, std, qs) = present(stat, spec.kind, agg.year_origin);
            let mut rec = vec![
                spec.name.to_string(),
                s.quarter(q).to_string(),
                fmt_num(mean),
                fmt_num(std),
            ];
            rec.extend(qs.into_iter().map(fmt_num));
            w.write_record(&rec).map_err(&err)?;
        }
    }
    w.flush()
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

pub fn write_summary(path: &Path, s: &Scenario, agg: &Aggregates) -> Result<()> {
    let file =
        File::create(path).map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
    let mut w = csv::Writer::from_writer(BufWriter::new(file));
    let err = csv_err(path);
    let mut header = vec!["metric", "mean", "std"];
    header.extend(QUANTILES.iter().map(|(_, n)| *n));
    header.extend(["min", "max", "count"]);
    w.write_record(&header).map_err(&err)?;
    for (o, spec) in outcome_specs(s).iter().enumerate() {
        let stat = &agg.out[o];
        let (mean, std, qs) = present(stat, spec.kind, agg.year_origin);
        let shift = if spec.kind == Kind::Year {
            agg.year_origin
        } else {
            0.0
        };
        let mut rec = vec![spec.name.to_string(), fmt_num(mean), fmt_num(std)];
        rec.extend(qs.into_iter().map(fmt_num));
        rec.push(fmt_num(stat.moments.min().map(|x| x + shift)));
        rec.push(fmt_num(stat.moments.max().map(|x| x + shift)));
        rec.push(stat.moments.count().to_string());
        w.write_record(&rec).map_err(&err)?;
    }
    w.flush()
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// Streams `trials.csv`: the header here, rows as bytes encoded by [`encode_trial_row`] on the
/// worker threads.
pub struct TrialsWriter {
    w: BufWriter<File>,
    path: std::path::PathBuf,
}

/// Appends one trials.csv row: trial index, outcomes, varying inputs (empty cell for NaN).
pub fn encode_trial_row(trial: u64, outcomes: &[f64], inputs: &[f64], buf: &mut Vec<u8>) {
    use std::io::Write as _;
    // Writing to a Vec cannot fail.
    let _ = write!(buf, "{trial}");
    for x in outcomes.iter().chain(inputs) {
        buf.push(b',');
        if x.is_finite() {
            let v = if *x == 0.0 { 0.0 } else { *x };
            let _ = write!(buf, "{v}");
        }
    }
    buf.push(b'\n');
}

impl TrialsWriter {
    pub fn create(path: &Path, s: &Scenario, input_columns: &[String]) -> Result<Self> {
        let file =
            File::create(path).map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
        let mut header = csv::Writer::from_writer(Vec::new());
        let mut names = vec!["trial".to_string()];
        names.extend(outcome_specs(s).into_iter().map(|m| m.name));
        names.extend(input_columns.iter().cloned());
        header.write_record(&names).map_err(csv_err(path))?;
        let bytes = header
            .into_inner()
            .map_err(|e| Error::Other(format!("encoding the trials.csv header: {e}")))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        w.write_all(&bytes)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        Ok(TrialsWriter {
            w,
            path: path.to_path_buf(),
        })
    }

    /// Writes rows encoded by [`encode_trial_row`].
    pub fn write_rows(&mut self, rows: &[u8]) -> Result<()> {
        self.w
            .write_all(rows)
            .map_err(|e| Error::io(format!("writing {}", self.path.display()), e))
    }

    pub fn finish(mut self) -> Result<()> {
        self.w
            .flush()
            .map_err(|e| Error::io(format!("writing {}", self.path.display()), e))
    }
}

/// Writes `trace.csv`: for trials `0..n`, one row per trial × quarter with every time-series
/// metric unaggregated (`trial,quarter,<metric>...`), for checking the model by hand. The
/// trials are the same as in the run (same seed, same random streams).
pub fn write_trace(path: &Path, s: &Scenario, seed: u64, n: u64) -> Result<()> {
    use crate::model::trial::{run_trial, Workspace};
    let file =
        File::create(path).map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
    let mut w = csv::Writer::from_writer(BufWriter::new(file));
    let err = csv_err(path);
    let mut header = vec!["trial".to_string(), "quarter".to_string()];
    header.extend(TS.iter().map(|m| m.name.to_string()));
    w.write_record(&header).map_err(&err)?;
    let mut ws = Workspace::new(s, seed);
    let nq = s.quarters();
    let mut rec = Vec::with_capacity(header.len());
    for t in 0..n {
        run_trial(s, &mut ws, t);
        for q in 0..nq {
            rec.clear();
            rec.push(t.to_string());
            rec.push(s.quarter(q).to_string());
            rec.extend((0..TS.len()).map(|m| fmt_num(Some(ws.ts[m * nq + q]))));
            w.write_record(&rec).map_err(&err)?;
        }
    }
    w.flush()
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// What run.json records.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct RunInfo {
    pub chipsim_version: String,
    pub output_format_version: u32,
    pub scenario: String,
    pub description: String,
    pub scenario_file: String,
    pub seed: u64,
    pub trials: u64,
    pub threads: usize,
    pub start_quarter: String,
    pub end_quarter: String,
    pub started_at: String,
    pub elapsed_seconds: f64,
}

pub fn write_json(path: &Path, info: &RunInfo) -> Result<()> {
    let text = serde_json::to_string_pretty(info).map_err(|e| Error::Other(e.to_string()))?;
    let mut f =
        File::create(path).map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
    writeln!(f, "{text}").map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// UTC time as RFC 3339 (`2026-11-29T01:02:03Z`), from the system clock.
pub fn utc_now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_shortest_and_empty_for_missing() {
        assert_eq!(fmt_num(Some(0.1)), "0.1");
        assert_eq!(fmt_num(Some(-0.0)), "0");
        assert_eq!(fmt_num(Some(2027.0)), "2027");
        assert_eq!(fmt_num(None), "");
        assert_eq!(fmt_num(Some(f64::NAN)), "");
    }

    #[test]
    fn trial_rows_match_fmt_num() {
        let mut buf = Vec::new();
        encode_trial_row(3, &[1.5, f64::NAN, -0.0], &[2027.25], &mut buf);
        assert_eq!(String::from_utf8(buf).unwrap(), "3,1.5,,0,2027.25\n");
    }

    #[test]
    fn timestamp_shape() {
        let t = utc_now_rfc3339();
        assert_eq!(t.len(), 20);
        assert!(t.ends_with('Z'));
    }
}
