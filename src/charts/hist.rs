//! Histograms of per-trial outcomes (`trials.csv` columns) in memory that does not grow with the
//! number of trials.
//!
//! A histogram's bins depend only on the column's unit and its smallest and largest value
//! ([`BinEdges::new`]), which `summary.csv` already has (`min`, `max`). One streamed pass over
//! `trials.csv` then counts the values of each column per bin: a column holds at most
//! [`MAX_BINS`] counters, whatever the number of trials. Should `trials.csv` disagree with
//! `summary.csv` (a column without a summary row, or a range that gives other bins than the
//! values' own), the columns concerned are counted again in a second pass over bins from the
//! values' own minimum and maximum, so the bars are always those of the whole sample.
//!
//! The median and 90% interval markers are `summary.csv`'s `p50`, `p5` and `p95` (the numbers
//! the rest of the report shows). A column without them gets estimates read off its histogram
//! ([`ColumnHistogram::estimate_quantile`]).

use std::collections::HashMap;
use std::path::Path;

use super::data::{self, SummaryRow};
use super::units::{self, unit_of, Unit};
use crate::error::Result;

/// About this many bins span a column's range (fewer for counts and years with a narrow range).
pub const TARGET_BINS: f64 = 40.0;
/// At most this many bins; values beyond the last are counted in it.
pub const MAX_BINS: usize = 400;

/// The bins of a histogram: `n` bins of equal `width`, the first starting at `start`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinEdges {
    pub start: f64,
    pub width: f64,
    pub n: usize,
}

impl BinEdges {
    /// The bins for values of `unit` from `min` to `max`: whole numbers for counts (centred on
    /// the numbers), whole quarters for years (centred on the quarter values, so 2031.25 =
    /// 2031 Q2 sits in the middle of its bar), and 1, 2, 2.5 or 5 × 10ⁿ wide otherwise; about
    /// [`TARGET_BINS`] of them, at most [`MAX_BINS`].
    pub fn new(unit: Unit, min: f64, max: f64) -> BinEdges {
        let (width, start) = match unit {
            Unit::Count => {
                let w = ((max - min + 1.0) / TARGET_BINS).ceil().max(1.0);
                (w, min.floor() - 0.5)
            }
            Unit::Year => {
                let w = 0.25 * ((max - min) / 0.25 / TARGET_BINS).ceil().max(1.0);
                (w, (min / 0.25 + 1e-9).floor() * 0.25 - 0.125)
            }
            _ => {
                let range = max - min;
                let w = if range > 0.0 {
                    units::nice_ticks(Unit::Plain, 0.0, range, TARGET_BINS as usize).1
                } else if min != 0.0 {
                    min.abs() * 0.02
                } else {
                    1.0
                };
                let start = if range > 0.0 {
                    (min / w).floor() * w
                } else {
                    min - w / 2.0
                };
                (w, start)
            }
        };
        let n = (((max - start) / width + 1e-9).floor() as usize + 1).min(MAX_BINS);
        BinEdges { start, width, n }
    }

    /// The bin of a value; values left of the first bin go to the first, values right of the
    /// last to the last.
    pub fn index(&self, v: f64) -> usize {
        let i = (((v - self.start) / self.width) + 1e-9).floor().max(0.0) as usize;
        i.min(self.n - 1)
    }

    /// Left and right edge of bin `i`.
    pub fn bin(&self, i: usize) -> (f64, f64) {
        let a = self.start + i as f64 * self.width;
        (a, a + self.width)
    }
}

/// One column's histogram, filled value by value.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnHistogram {
    pub unit: Unit,
    /// The bins; `None` when the range is not known (yet).
    pub edges: Option<BinEdges>,
    /// Values per bin (as many as `edges.n`).
    pub counts: Vec<u64>,
    /// Values added (the trials in which the outcome happened).
    pub count: u64,
    /// Smallest and largest value added (`None` before the first).
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Markers: 5th percentile, median and 95th percentile (`NaN` when there is no value).
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

impl ColumnHistogram {
    /// An empty histogram of values of `unit` binned by `edges` (when known).
    pub fn new(unit: Unit, edges: Option<BinEdges>) -> ColumnHistogram {
        ColumnHistogram {
            unit,
            edges,
            counts: vec![0; edges.map(|e| e.n).unwrap_or(0)],
            count: 0,
            min: None,
            max: None,
            p5: f64::NAN,
            p50: f64::NAN,
            p95: f64::NAN,
        }
    }

    /// The histogram of `values` (any order), with bins from their own range and markers
    /// estimated from the bins (see [`estimate_quantile`](Self::estimate_quantile)).
    pub fn of_values(unit: Unit, values: &[f64]) -> ColumnHistogram {
        let min = values.iter().copied().reduce(f64::min);
        let max = values.iter().copied().reduce(f64::max);
        let edges = min.zip(max).map(|(a, b)| BinEdges::new(unit, a, b));
        let mut h = ColumnHistogram::new(unit, edges);
        values.iter().for_each(|v| h.add(*v));
        h.estimate_markers();
        h
    }

    /// Adds one value: counted in its bin (when the bins are known) and in count, min and max.
    #[inline]
    pub fn add(&mut self, v: f64) {
        self.count += 1;
        self.min = Some(self.min.map_or(v, |m| m.min(v)));
        self.max = Some(self.max.map_or(v, |m| m.max(v)));
        if let Some(e) = &self.edges {
            self.counts[e.index(v)] += 1;
        }
    }

    /// The bins the values' own range gives, `None` without values.
    pub fn own_edges(&self) -> Option<BinEdges> {
        Some(BinEdges::new(self.unit, self.min?, self.max?))
    }

    /// True when the counts are those of bins from the values' own range (or there is no value).
    pub fn is_binned_by_own_range(&self) -> bool {
        self.count == 0 || self.edges == self.own_edges()
    }

    /// Empties the histogram and sets its bins from the range seen so far (for a second pass).
    fn rebin_by_own_range(&mut self) {
        let markers = (self.p5, self.p50, self.p95);
        *self = ColumnHistogram::new(self.unit, self.own_edges());
        (self.p5, self.p50, self.p95) = markers;
    }

    /// `(left, right, share of all trials)` per bin, the share over `all_trials` (at least the
    /// values counted). Empty when there is no value.
    pub fn bins(&self, all_trials: u64) -> Vec<(f64, f64, f64)> {
        let Some(e) = self.edges.filter(|_| self.count > 0) else {
            return Vec::new();
        };
        let total = all_trials.max(self.count).max(1) as f64;
        self.counts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (a, b) = e.bin(i);
                (a, b, *c as f64 / total)
            })
            .collect()
    }

    /// An estimate of the `p` quantile read off the histogram (for columns without
    /// `summary.csv` quantiles): linear within the bin holding the rank `p · (count − 1)`,
    /// clamped to the values' range, rounded to whole numbers for counts and to whole quarters
    /// for years. Exact up to the bin width. `NaN` without values.
    pub fn estimate_quantile(&self, p: f64) -> f64 {
        let (Some(e), Some(min), Some(max)) = (self.edges, self.min, self.max) else {
            return f64::NAN;
        };
        if self.count == 0 {
            return f64::NAN;
        }
        // The values of a bin are taken as spread evenly over it: the j-th of c at
        // (j + ½)/c of its width.
        let rank = (self.count - 1) as f64 * p.clamp(0.0, 1.0);
        let mut below = 0u64;
        let mut x = max;
        for (i, &c) in self.counts.iter().enumerate() {
            if c > 0 && (below + c) as f64 > rank {
                let (a, b) = e.bin(i);
                let j = (rank - below as f64).min(c as f64 - 1.0);
                x = a + (b - a) * (j + 0.5) / c as f64;
                break;
            }
            below += c;
        }
        let x = match self.unit {
            Unit::Count => x.round(),
            Unit::Year => (x * 4.0).round() / 4.0,
            _ => x,
        };
        x.clamp(min, max)
    }

    fn estimate_markers(&mut self) {
        self.p5 = self.estimate_quantile(0.05);
        self.p50 = self.estimate_quantile(0.5);
        self.p95 = self.estimate_quantile(0.95);
    }
}

/// Histograms of selected `trials.csv` columns.
#[derive(Debug, Clone, Default)]
pub struct TrialHistograms {
    /// Data rows (trials) in the file.
    pub rows: u64,
    /// For each requested column present in the file, its histogram.
    pub columns: HashMap<String, ColumnHistogram>,
}

impl TrialHistograms {
    /// The histogram of a column, if the file has it.
    pub fn get(&self, column: &str) -> Option<&ColumnHistogram> {
        self.columns.get(column)
    }

    /// Streams `trials.csv` at `path` into histograms of `columns` (those absent from its header
    /// are left out), with bins and markers from the matching rows of `summary` (a run's
    /// `summary.csv`): one pass when the summary's `min` and `max` give the bins of the values'
    /// own range, a second one over the columns for which they do not (see the module docs).
    pub fn read(path: &Path, columns: &[&str], summary: &[SummaryRow]) -> Result<TrialHistograms> {
        let mut hs: Vec<ColumnHistogram> = columns
            .iter()
            .map(|c| {
                let unit = unit_of(c);
                let row = summary.iter().find(|r| r.metric == *c);
                let edges = row
                    .and_then(|r| r.min.zip(r.max))
                    .filter(|(a, b)| a <= b)
                    .map(|(a, b)| BinEdges::new(unit, a, b));
                let mut h = ColumnHistogram::new(unit, edges);
                if let Some((p5, p50, p95)) = row.and_then(|r| Some((r.p5?, r.p50?, r.p95?))) {
                    (h.p5, h.p50, h.p95) = (p5, p50, p95);
                }
                h
            })
            .collect();
        let (rows, present) = data::stream_trial_columns(path, columns, |k, v| hs[k].add(v))?;

        let again: Vec<usize> = (0..columns.len())
            .filter(|&k| present[k] && !hs[k].is_binned_by_own_range())
            .collect();
        if !again.is_empty() {
            for &k in &again {
                hs[k].rebin_by_own_range();
            }
            let names: Vec<&str> = again.iter().map(|&k| columns[k]).collect();
            data::stream_trial_columns(path, &names, |j, v| hs[again[j]].add(v))?;
        }
        for h in &mut hs {
            if h.p50.is_nan() || h.p5.is_nan() || h.p95.is_nan() {
                h.estimate_markers();
            }
        }
        Ok(TrialHistograms {
            rows,
            columns: columns
                .iter()
                .zip(hs)
                .zip(present)
                .filter(|(_, p)| *p)
                .map(|((c, h), _)| (c.to_string(), h))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    /// The bins of the old in-memory definition: sort, bins from the first and last value, count.
    fn from_sorted(unit: Unit, values: &[f64], rows: u64) -> Vec<(f64, f64, f64)> {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
            return Vec::new();
        };
        let e = BinEdges::new(unit, min, max);
        let mut counts = vec![0u64; e.n];
        for v in &sorted {
            counts[e.index(*v)] += 1;
        }
        let total = rows.max(sorted.len() as u64).max(1) as f64;
        (0..e.n)
            .map(|i| (e.bin(i).0, e.bin(i).1, counts[i] as f64 / total))
            .collect()
    }

    /// A small deterministic generator (no dependency on the model's random numbers).
    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Writes `trials.csv` with the given columns (`None` = empty cell) and returns its path.
    fn write_trials(dir: &Path, cols: &[(&str, Vec<Option<f64>>)]) -> std::path::PathBuf {
        let mut s = String::from("trial");
        for (n, _) in cols {
            let _ = write!(s, ",{n}");
        }
        s.push('\n');
        for i in 0..cols[0].1.len() {
            let _ = write!(s, "{i}");
            for (_, v) in cols {
                s.push(',');
                if let Some(x) = v[i] {
                    let _ = write!(s, "{x}");
                }
            }
            s.push('\n');
        }
        let p = dir.join("trials.csv");
        std::fs::write(&p, s).unwrap();
        p
    }

    fn summary_of(metric: &str, values: &[Option<f64>]) -> SummaryRow {
        let v: Vec<f64> = values.iter().flatten().copied().collect();
        SummaryRow {
            metric: metric.into(),
            min: v.iter().copied().reduce(f64::min),
            max: v.iter().copied().reduce(f64::max),
            // Recognisable markers, as in summary.csv only when the outcome happened.
            p5: (!v.is_empty()).then_some(-1.0),
            p50: (!v.is_empty()).then_some(0.0),
            p95: (!v.is_empty()).then_some(1.0),
            count: v.len() as u64,
            ..SummaryRow::default()
        }
    }

    #[test]
    fn bin_edges_follow_the_unit() {
        let e = BinEdges::new(Unit::Count, 3.0, 7.0);
        assert_eq!((e.start, e.width, e.n), (2.5, 1.0, 5));
        let e = BinEdges::new(Unit::Count, 0.0, 199.0);
        assert_eq!((e.start, e.width, e.n), (-0.5, 5.0, 40));
        let e = BinEdges::new(Unit::Year, 2027.0, 2029.75);
        assert_eq!((e.start, e.width, e.n), (2026.875, 0.25, 12));
        let e = BinEdges::new(Unit::UsdBn, -37.0, 512.0);
        assert_eq!((e.start, e.width), (-40.0, 20.0));
        assert_eq!(e.index(-37.0), 0);
        assert_eq!(e.index(512.0), e.n - 1);
        assert_eq!(e.index(-1e9), 0);
        assert_eq!(e.index(1e9), e.n - 1);
        let one = BinEdges::new(Unit::UsdBn, 5.0, 5.0);
        assert_eq!(one.n, 1);
        assert!(BinEdges::new(Unit::UsdBn, 0.0, 1e12).n <= MAX_BINS);
    }

    #[test]
    fn streamed_histograms_equal_those_of_the_sorted_sample() {
        let tmp = tempfile::tempdir().unwrap();
        let mut seed = 7u64;
        let n = 2500;
        let mut col = |f: &mut dyn FnMut(f64, usize) -> Option<f64>| -> Vec<Option<f64>> {
            (0..n).map(|i| f(lcg(&mut seed), i)).collect()
        };
        let cols: Vec<(&str, Vec<Option<f64>>)> = vec![
            // A count, with trials in which nothing happened.
            (
                "fabs_completed",
                col(&mut |u, i| (i % 9 != 0).then(|| (u * u * 97.0).floor())),
            ),
            // Years in whole quarters, some trials without.
            (
                "first_output_year",
                col(&mut |u, i| (i % 4 != 1).then(|| 2026.0 + (u * 38.0).floor() / 4.0)),
            ),
            // Real values of both signs.
            (
                "program_npv_usd_bn",
                col(&mut |u, _| Some((u - 0.6) * 3712.5 + u * u * 911.0)),
            ),
            // A share, always there.
            ("tsmc_share_2035", col(&mut |u, _| Some(0.3 + 0.4 * u))),
            // Never happened.
            ("default_year", col(&mut |_, _| None)),
        ];
        let path = write_trials(tmp.path(), &cols);
        let names: Vec<&str> = cols.iter().map(|(c, _)| *c).collect();
        let with_summary: Vec<SummaryRow> = cols.iter().map(|(c, v)| summary_of(c, v)).collect();

        for summary in [&with_summary[..], &[][..]] {
            let th = TrialHistograms::read(&path, &names, summary).unwrap();
            assert_eq!(th.rows, n as u64);
            for (c, v) in &cols {
                let h = th.get(c).unwrap();
                let values: Vec<f64> = v.iter().flatten().copied().collect();
                assert_eq!(h.count, values.len() as u64, "{c}");
                assert_eq!(
                    h.bins(th.rows),
                    from_sorted(h.unit, &values, th.rows),
                    "{c}"
                );
                assert!(h.counts.len() <= MAX_BINS);
                if values.is_empty() {
                    assert!(h.bins(th.rows).is_empty());
                    assert!(h.p50.is_nan());
                } else if summary.is_empty() {
                    // Estimated markers: within a bin of the exact quantile.
                    let mut s = values.clone();
                    s.sort_by(f64::total_cmp);
                    let w = h.edges.unwrap().width;
                    for (p, got) in [(0.05, h.p5), (0.5, h.p50), (0.95, h.p95)] {
                        let want = super::super::quantile(&s, p);
                        assert!((got - want).abs() <= 2.0 * w, "{c} p{p}: {got} vs {want}");
                    }
                } else {
                    // Markers are the summary's.
                    assert_eq!((h.p5, h.p50, h.p95), (-1.0, 0.0, 1.0), "{c}");
                }
            }
        }
    }

    #[test]
    fn a_summary_that_disagrees_with_the_trials_is_corrected() {
        let tmp = tempfile::tempdir().unwrap();
        let v: Vec<Option<f64>> = (0..300).map(|i| Some(i as f64 * 1.7 - 40.0)).collect();
        let path = write_trials(tmp.path(), &[("total_capex_usd_bn", v.clone())]);
        let mut stale = summary_of("total_capex_usd_bn", &v);
        stale.min = Some(0.0);
        stale.max = Some(50.0);
        let th = TrialHistograms::read(&path, &["total_capex_usd_bn", "absent"], &[stale]).unwrap();
        let h = th.get("total_capex_usd_bn").unwrap();
        let values: Vec<f64> = v.iter().flatten().copied().collect();
        assert_eq!(h.bins(300), from_sorted(h.unit, &values, 300));
        assert_eq!(h.count, 300);
        assert_eq!(h.p50, 0.0, "markers still from the summary");
        assert!(th.get("absent").is_none());
    }
}
