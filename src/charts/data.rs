//! Reading a run folder (`<out>/<scenario>/`): `run.json`, `timeseries.csv`, `summary.csv`,
//! selected columns of `trials.csv` (streamed) and `scenario.resolved.toml`.
//!
//! Columns are found by header name, so added columns never break the readers; empty cells
//! (and non-finite numbers) are "no value".

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, InputError, Origin, Result};

/// A calendar quarter such as `2031Q2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub q: u8,
}

impl Quarter {
    /// Parses `2031Q2` (case-insensitive `q`).
    pub fn parse(s: &str) -> Option<Quarter> {
        let s = s.trim();
        let i = s.find(['Q', 'q'])?;
        let year = s[..i].parse().ok()?;
        let q: u8 = s[i + 1..].parse().ok()?;
        (1..=4).contains(&q).then_some(Quarter { year, q })
    }

    /// The fractional year of the quarter's start: 2031Q2 → 2031.25.
    pub fn x(self) -> f64 {
        self.year as f64 + (self.q as f64 - 1.0) / 4.0
    }

    /// Quarters since year 0, for counting and comparing.
    pub fn index(self) -> i64 {
        self.year as i64 * 4 + self.q as i64 - 1
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

/// The contents of `run.json`. Unknown fields are ignored; missing ones take defaults, except
/// where a caller needs them (compare needs `output_format_version`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RunMeta {
    pub chipsim_version: String,
    pub output_format_version: Option<u32>,
    pub scenario: String,
    pub description: String,
    pub seed: Option<u64>,
    pub trials: Option<u64>,
    pub threads: Option<u64>,
    pub start_quarter: String,
    pub end_quarter: String,
    pub started_at: String,
    pub elapsed_seconds: Option<f64>,
}

/// Statistics of one metric in one quarter (a `timeseries.csv` row).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Point {
    pub quarter: Option<Quarter>,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub p5: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p95: Option<f64>,
}

/// One metric over time, in quarter order.
#[derive(Debug, Clone, Default)]
pub struct Series {
    pub metric: String,
    pub points: Vec<Point>,
}

impl Series {
    /// The point of a given quarter.
    pub fn at(&self, q: Quarter) -> Option<&Point> {
        self.points.iter().find(|p| p.quarter == Some(q))
    }

    /// True when the series has no value at all.
    pub fn is_empty(&self) -> bool {
        self.points
            .iter()
            .all(|p| p.p50.is_none() && p.mean.is_none())
    }
}

/// A summary row: the statistics of one per-trial outcome over the trials in which it happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SummaryRow {
    pub metric: String,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub p5: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p95: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Trials in which the outcome happened.
    pub count: u64,
}

/// Everything charts, reports and comparisons read from a run folder except `trials.csv`
/// (which can be huge and is streamed on demand by [`stream_trial_columns`], e.g. into
/// histograms by [`TrialHistograms::read`](super::hist::TrialHistograms::read)).
#[derive(Debug, Clone)]
pub struct RunData {
    pub dir: PathBuf,
    pub meta: RunMeta,
    /// Time series in the order of first appearance in `timeseries.csv`.
    pub series: Vec<Series>,
    /// Summary rows in file order.
    pub summary: Vec<SummaryRow>,
}

impl RunData {
    /// Reads `run.json`, `timeseries.csv` and `summary.csv` of a run folder. `run.json` is
    /// required; a missing CSV file reads as no metrics (its charts are skipped).
    pub fn load(dir: &Path) -> Result<RunData> {
        let meta = read_meta(dir)?;
        let ts = dir.join("timeseries.csv");
        let series = if ts.exists() {
            read_timeseries(&ts)?
        } else {
            Vec::new()
        };
        let sm = dir.join("summary.csv");
        let summary = if sm.exists() {
            read_summary(&sm)?
        } else {
            Vec::new()
        };
        Ok(RunData {
            dir: dir.to_path_buf(),
            meta,
            series,
            summary,
        })
    }

    /// The time series of a metric, if it has any value.
    pub fn series(&self, metric: &str) -> Option<&Series> {
        self.series
            .iter()
            .find(|s| s.metric == metric && !s.is_empty())
    }

    /// The summary row of a metric.
    pub fn summary(&self, metric: &str) -> Option<&SummaryRow> {
        self.summary.iter().find(|s| s.metric == metric)
    }

    /// Number of trials: `run.json`'s `trials`, else the largest summary count.
    pub fn trials(&self) -> u64 {
        self.meta
            .trials
            .unwrap_or_else(|| self.summary.iter().map(|r| r.count).max().unwrap_or(0))
    }

    /// The scenario's name: `run.json`'s `scenario`, else the folder name.
    pub fn scenario(&self) -> String {
        if !self.meta.scenario.is_empty() {
            self.meta.scenario.clone()
        } else {
            self.dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "run".into())
        }
    }

    /// All quarters that appear in the time series, sorted.
    pub fn quarters(&self) -> Vec<Quarter> {
        let mut qs: Vec<Quarter> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().filter_map(|p| p.quarter))
            .collect();
        qs.sort();
        qs.dedup();
        qs
    }

    /// The text of `scenario.resolved.toml`, if present.
    pub fn resolved_toml(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.join("scenario.resolved.toml")).ok()
    }
}

fn read_meta(dir: &Path) -> Result<RunMeta> {
    let path = dir.join("run.json");
    // A folder named on the command line that is not a run folder is bad input (exit code 2).
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::from(InputError::new(
            Origin::Argument {
                name: dir.display().to_string(),
            },
            "",
            "a chipsim run folder (with run.json)",
            format!("`{}` ({e})", path.display()),
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        InputError::new(
            Origin::File {
                path: path.clone(),
                line: e.line(),
                column: e.column(),
            },
            "",
            "run metadata in JSON",
            e.to_string(),
        )
        .into()
    })
}

fn csv_reader(path: &Path) -> Result<csv::Reader<BufReader<File>>> {
    let f = File::open(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 16, f)))
}

fn header_index(headers: &csv::StringRecord) -> HashMap<String, usize> {
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_string(), i))
        .collect()
}

fn csv_err(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
    InputError::new(
        Origin::File {
            path: path.to_path_buf(),
            line,
            column: 1,
        },
        "",
        "a CSV file in chipsim's output format",
        e.to_string(),
    )
    .into()
}

fn require(path: &Path, idx: &HashMap<String, usize>, col: &str) -> Result<usize> {
    idx.get(col).copied().ok_or_else(|| {
        InputError::new(
            Origin::File {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
            },
            col,
            format!("a `{col}` column in the header"),
            "no such column",
        )
        .into()
    })
}

/// Parses a numeric cell: empty or non-finite is `None`; text that is not a number is an error.
fn parse_cell(path: &Path, line: u64, col: &str, cell: &str) -> Result<Option<f64>> {
    let t = cell.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        Ok(_) => Ok(None),
        Err(_) => Err(InputError::new(
            Origin::File {
                path: path.to_path_buf(),
                line: line as usize,
                column: 1,
            },
            col,
            "a number or an empty cell",
            format!("`{t}`"),
        )
        .into()),
    }
}

/// Reads `timeseries.csv` (`metric,quarter,mean,std,p5,p25,p50,p75,p95`).
pub fn read_timeseries(path: &Path) -> Result<Vec<Series>> {
    let mut rdr = csv_reader(path)?;
    let headers = rdr.headers().map_err(|e| csv_err(path, e))?.clone();
    let idx = header_index(&headers);
    let metric_i = require(path, &idx, "metric")?;
    let quarter_i = require(path, &idx, "quarter")?;
    let cols = ["mean", "std", "p5", "p25", "p50", "p75", "p95"];
    let col_i: Vec<Option<usize>> = cols.iter().map(|c| idx.get(*c).copied()).collect();
    let mut order: Vec<String> = Vec::new();
    let mut map: HashMap<String, Vec<Point>> = HashMap::new();
    let mut rec = csv::StringRecord::new();
    while rdr.read_record(&mut rec).map_err(|e| csv_err(path, e))? {
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let metric = rec.get(metric_i).unwrap_or("").trim();
        if metric.is_empty() {
            continue;
        }
        let qtext = rec.get(quarter_i).unwrap_or("");
        let quarter = Quarter::parse(qtext).ok_or_else(|| -> Error {
            InputError::new(
                Origin::File {
                    path: path.to_path_buf(),
                    line: line as usize,
                    column: 1,
                },
                "quarter",
                "a quarter like 2031Q2",
                format!("`{qtext}`"),
            )
            .into()
        })?;
        let v: [Option<f64>; 7] = parse_cells(path, line, &rec, &cols, &col_i)?;
        let point = Point {
            quarter: Some(quarter),
            mean: v[0],
            std: v[1],
            p5: v[2],
            p25: v[3],
            p50: v[4],
            p75: v[5],
            p95: v[6],
        };
        match map.get_mut(metric) {
            Some(points) => points.push(point),
            None => {
                order.push(metric.to_string());
                map.insert(metric.to_string(), vec![point]);
            }
        }
    }
    Ok(order
        .into_iter()
        .map(|metric| {
            let mut points = map.remove(&metric).unwrap_or_default();
            points.sort_by_key(|p| p.quarter);
            Series { metric, points }
        })
        .collect())
}

/// Parses the cells of `rec` named by `cols` (at the positions `col_i`, absent columns give
/// `None`) as numbers; an empty cell is `None`.
fn parse_cells<const N: usize>(
    path: &Path,
    line: u64,
    rec: &csv::StringRecord,
    cols: &[&str; N],
    col_i: &[Option<usize>],
) -> Result<[Option<f64>; N]> {
    let mut v = [None; N];
    for (k, ci) in col_i.iter().enumerate().take(N) {
        if let Some(ci) = ci {
            v[k] = parse_cell(path, line, cols[k], rec.get(*ci).unwrap_or(""))?;
        }
    }
    Ok(v)
}

/// Reads `summary.csv` (`metric,mean,std,p5,p25,p50,p75,p95,min,max,count`).
pub fn read_summary(path: &Path) -> Result<Vec<SummaryRow>> {
    let mut rdr = csv_reader(path)?;
    let headers = rdr.headers().map_err(|e| csv_err(path, e))?.clone();
    let idx = header_index(&headers);
    let metric_i = require(path, &idx, "metric")?;
    let cols = [
        "mean", "std", "p5", "p25", "p50", "p75", "p95", "min", "max", "count",
    ];
    let col_i: Vec<Option<usize>> = cols.iter().map(|c| idx.get(*c).copied()).collect();
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    while rdr.read_record(&mut rec).map_err(|e| csv_err(path, e))? {
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let metric = rec.get(metric_i).unwrap_or("").trim();
        if metric.is_empty() {
            continue;
        }
        let v: [Option<f64>; 10] = parse_cells(path, line, &rec, &cols, &col_i)?;
        rows.push(SummaryRow {
            metric: metric.to_string(),
            mean: v[0],
            std: v[1],
            p5: v[2],
            p25: v[3],
            p50: v[4],
            p75: v[5],
            p95: v[6],
            min: v[7],
            max: v[8],
            count: v[9].map(|c| c.max(0.0).round() as u64).unwrap_or(0),
        });
    }
    Ok(rows)
}

/// Streams `trials.csv`, calling `visit(k, value)` for each non-empty cell of `columns[k]`, row
/// by row; keeps nothing. Returns the number of data rows and, for each of `columns`, whether
/// the header has it (absent columns are not visited). A cell that is not a number is an error.
pub fn stream_trial_columns(
    path: &Path,
    columns: &[&str],
    mut visit: impl FnMut(usize, f64),
) -> Result<(u64, Vec<bool>)> {
    let mut rdr = csv_reader(path)?;
    let headers = rdr.byte_headers().map_err(|e| csv_err(path, e))?.clone();
    let mut present = vec![false; columns.len()];
    // (cell index, column index), for the first header cell of each wanted column.
    let mut wanted: Vec<(usize, usize)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = String::from_utf8_lossy(h);
        if let Some(k) = columns.iter().position(|c| *c == h.trim()) {
            if !present[k] {
                present[k] = true;
                wanted.push((i, k));
            }
        }
    }
    let mut rows = 0u64;
    let mut rec = csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_err(path, e))?
    {
        rows += 1;
        for &(i, k) in &wanted {
            let cell = rec.get(i).unwrap_or(b"");
            if cell.is_empty() {
                continue;
            }
            let text = std::str::from_utf8(cell).unwrap_or("?");
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            if let Some(v) = parse_cell(path, line, columns[k], text)? {
                visit(k, v);
            }
        }
    }
    Ok((rows, present))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters() {
        let q = Quarter::parse("2031Q2").unwrap();
        assert_eq!(q, Quarter { year: 2031, q: 2 });
        assert_eq!(q.x(), 2031.25);
        assert_eq!(q.to_string(), "2031Q2");
        assert!(Quarter::parse("2031Q5").is_none());
        assert!(Quarter::parse("2031").is_none());
        assert!(Quarter::parse("").is_none());
    }
}
