//! Side-by-side comparison of runs: one chart per metric with every scenario's median and band
//! (the same colour for the same scenario everywhere), and `comparison.csv`.
//!
//! `comparison.csv` has the columns `metric,scenario,p5,p50,p95,p50_diff_vs_first` (then the
//! paired-difference columns below): one row per metric and scenario, with the difference of the
//! scenario's median against the first scenario's median. Per-trial outcomes (`summary.csv`
//! metrics) are copied from each run's `summary.csv`. A time series metric is compared at the
//! **last quarter all runs share**, and its row names that quarter:
//! `program_capacity_wspm@2040Q4`. A metric in both files (e.g. `binding_money_share`) is
//! compared as the per-trial outcome.
//!
//! Runs with different horizons are compared over the quarters they share, and runs with
//! different trial counts or seeds are compared as they are; each case adds a warning. Runs
//! written by different output format versions are an input error.
//!
//! **Paired differences.** Four more columns, `paired_diff_p5,paired_diff_p50,paired_diff_p95,
//! paired_diff_count`, describe for each per-trial outcome and each scenario after the first the
//! distribution over trials of `value in this scenario − value in the first scenario` in the same
//! trial (see [`paired`]). They are filled only when the two runs share seed and trial count
//! (common random numbers, so trial `i` of each is the same sampled world); otherwise they are
//! empty and one warning says why. They are empty for the first scenario and for time series.

pub mod paired;

use std::path::{Path, PathBuf};

use crate::charts::data::{Quarter, RunData};
use crate::charts::draw::{FanFigure, Figure, IntervalFigure, IntervalRow};
use crate::charts::units::{axis_label, group_thousands, metric_label, unit_of};
use crate::charts::{palette, write_figure, RenderOptions};
use crate::error::{Error, InputError, Origin, Result};
pub use paired::PairedDiff;
use paired::{can_pair, outcome_kind, paired_differences, seed_and_trials, PairedAccumulator};

/// Metrics compared when none are named: those of this list that every run has.
pub const DEFAULT_METRICS: &[&str] = &[
    "total_raised_usd_bn",
    "total_capex_usd_bn",
    "unspent_usd_bn",
    "fabs_completed",
    "fabs_completed_by_2030",
    "first_output_year",
    "tsmc_share_2035",
    "hhi_2035",
    "default_year",
    "shortage_end_year",
    "equity_irr",
    "program_npv_usd_bn",
    "program_capacity_wspm",
    "program_capex_cum_usd_bn",
    "accelerators_supplied_h100e",
    "shortage_ratio",
    "program_debt_outstanding_usd_bn",
    "tsmc_share_leading_edge",
    "taiwan_share_leading_edge",
];

/// One compared run.
#[derive(Debug, Clone)]
pub struct ComparedRun {
    /// Unique display name (the scenario name, disambiguated if two runs share it).
    pub label: String,
    pub dir: PathBuf,
    pub meta: crate::charts::RunMeta,
    /// The scenario's colour in every chart, as CSS hex (`#0072B2`).
    pub color: String,
}

/// One row of `comparison.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    /// The metric, with `@<quarter>` for time series.
    pub metric: String,
    pub scenario: String,
    pub p5: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    /// This scenario's p50 minus the first scenario's p50.
    pub p50_diff_vs_first: Option<f64>,
    /// Distribution over trials of (this scenario's value − the first scenario's value in the
    /// same trial), over the trials in which both have a value. `None` (empty cells) for the
    /// first scenario, for time series and when the runs' trials are not paired (different seed
    /// or trial count, or a `trials.csv` that cannot be read in step).
    pub paired: Option<PairedDiff>,
}

impl ComparisonRow {
    /// A row from a run's `[p5, p50, p95]`; the difference of medians is taken against the
    /// first scenario's median `first_p50` (empty when either is missing).
    fn new(
        metric: String,
        scenario: String,
        [p5, p50, p95]: [Option<f64>; 3],
        first_p50: Option<f64>,
        paired: Option<PairedDiff>,
    ) -> Self {
        ComparisonRow {
            metric,
            scenario,
            p5,
            p50,
            p95,
            p50_diff_vs_first: p50.zip(first_p50).map(|(a, b)| a - b),
            paired,
        }
    }
}

/// A comparison chart that was written.
#[derive(Debug, Clone)]
pub struct ComparedChart {
    pub metric: String,
    pub title: String,
    pub png: PathBuf,
    pub svg: PathBuf,
}

/// What [`compare_runs`] did.
#[derive(Debug, Clone)]
pub struct CompareOutcome {
    pub runs: Vec<ComparedRun>,
    /// Metrics compared, in order.
    pub metrics: Vec<String>,
    pub rows: Vec<ComparisonRow>,
    pub charts: Vec<ComparedChart>,
    /// Things the reader must know (different horizons, trial counts, seeds, missing metrics).
    pub warnings: Vec<String>,
    /// Every file written (CSV and charts).
    pub files: Vec<PathBuf>,
    /// Path of `comparison.csv`.
    pub csv: PathBuf,
    /// True when every run used the same seed: trial i of each run drew the same random
    /// stream (common random numbers), so differences come from the parameters.
    pub common_random_numbers: bool,
    /// For each run (in order): whether its trials were paired with the first run's for the
    /// paired differences (same seed and trial count, `trials.csv` read in step). Always false
    /// for the first run.
    pub paired_with_first: Vec<bool>,
    /// The quarter at which time series are compared in the CSV (last shared quarter).
    pub compared_quarter: Option<Quarter>,
}

enum Kind {
    Summary,
    Series,
}

fn cli_error(key: &str, expected: impl Into<String>, found: impl Into<String>) -> Error {
    InputError::new(
        Origin::Argument {
            name: "--metrics".into(),
        },
        key,
        expected,
        found,
    )
    .into()
}

fn unique_labels(runs: &[RunData]) -> Vec<String> {
    let base: Vec<String> = runs.iter().map(|r| r.scenario()).collect();
    let mut out = Vec::with_capacity(base.len());
    for (i, b) in base.iter().enumerate() {
        let dup = base.iter().filter(|x| *x == b).count() > 1;
        if !dup {
            out.push(b.clone());
            continue;
        }
        let parent = runs[i]
            .dir
            .parent()
            .and_then(|p| p.file_name())
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut label = if parent.is_empty() {
            format!("{b} #{}", i + 1)
        } else {
            format!("{b} ({parent})")
        };
        if out.contains(&label) || base.contains(&label) {
            label = format!("{b} #{}", i + 1);
        }
        out.push(label);
    }
    out
}

/// The line of `run.json` holding `key`, for error positions.
fn json_line(dir: &Path, key: &str) -> usize {
    std::fs::read_to_string(dir.join("run.json"))
        .ok()
        .and_then(|t| t.lines().position(|l| l.contains(key)))
        .map(|i| i + 1)
        .unwrap_or(1)
}

/// Checks `--metrics` against the metrics that runs of `scenarios` will have (time series,
/// outcomes and the scenarios' event years) before any run is made, so that a typo does not
/// leave runs behind with no comparison.
pub fn check_metric_names(
    metrics: &[String],
    scenarios: &[crate::scenario::Scenario],
) -> Result<()> {
    let mut known: Vec<String> = crate::model::metrics::TS
        .iter()
        .map(|m| m.name.to_string())
        .collect();
    for s in scenarios {
        known.extend(
            crate::model::metrics::outcome_specs(s)
                .into_iter()
                .map(|o| o.name),
        );
    }
    for m in metrics {
        let m = m.trim();
        if !known.iter().any(|k| k == m) {
            let e = cli_error(
                "metrics",
                "a metric of summary.csv or timeseries.csv (see `chipsim metrics`)",
                format!("`{m}`"),
            );
            return Err(
                match crate::scenario::node::suggest(m, known.iter().map(String::as_str)) {
                    Some(s) => e.with_input_hint(format!("did you mean `{s}`?")),
                    None => e,
                },
            );
        }
    }
    Ok(())
}

/// Compares runs: writes `<out_dir>/comparison.csv` and `<out_dir>/charts/<metric>.png|.svg`
/// (one chart per metric: every scenario's median with its P5–P95 band over time, or its
/// median, P25–P75 and P5–P95 for per-trial outcomes).
///
/// `metrics`: the metrics to compare (each must exist in at least one run), or `None` for the
/// headline set [`DEFAULT_METRICS`] restricted to what every run has.
///
/// Errors: no runs, a run folder that cannot be read, runs written by different output format
/// versions, or an unknown metric (input errors).
pub fn compare_runs(
    run_dirs: &[PathBuf],
    metrics: Option<&[String]>,
    out_dir: &Path,
) -> Result<CompareOutcome> {
    compare_runs_with(run_dirs, metrics, out_dir, &RenderOptions::default())
}

/// [`compare_runs`] with a picture size for the charts. Both PNG and SVG are always written
/// (the comparison report inlines the SVG files).
pub fn compare_runs_with(
    run_dirs: &[PathBuf],
    metrics: Option<&[String]>,
    out_dir: &Path,
    render: &RenderOptions,
) -> Result<CompareOutcome> {
    if run_dirs.is_empty() {
        return Err(InputError::new(
            Origin::Argument {
                name: "compare".into(),
            },
            "",
            "at least one run folder",
            "none",
        )
        .into());
    }
    let runs: Vec<RunData> = run_dirs
        .iter()
        .map(|d| RunData::load(d))
        .collect::<Result<_>>()?;
    let mut warnings = Vec::new();

    // Output format versions must agree.
    let first_version = runs[0].meta.output_format_version;
    for r in &runs {
        let v = r.meta.output_format_version;
        if v.is_none() || v != first_version {
            let path = r.dir.join("run.json");
            return Err(InputError::new(
                Origin::File {
                    line: json_line(&r.dir, "output_format_version"),
                    path,
                    column: 1,
                },
                "output_format_version",
                match first_version {
                    Some(f) => format!(
                        "the output format version of the first run ({f}, {}): runs written by \
                         different chipsim output versions cannot be compared",
                        runs[0].dir.display()
                    ),
                    None => "an output_format_version in run.json".to_string(),
                },
                v.map(|v| v.to_string()).unwrap_or_else(|| "none".into()),
            )
            .with_hint("re-run both scenarios with the same chipsim version")
            .into());
        }
    }

    if runs.len() == 1 {
        warnings.push("only one run given: nothing to compare it with".to_string());
    }
    let labels = unique_labels(&runs);
    let compared: Vec<ComparedRun> = runs
        .iter()
        .zip(&labels)
        .enumerate()
        .map(|(i, (r, l))| ComparedRun {
            label: l.clone(),
            dir: r.dir.clone(),
            meta: r.meta.clone(),
            color: palette::hex(palette::series(i)),
        })
        .collect();

    // Trials and seeds.
    let trials: Vec<u64> = runs.iter().map(|r| r.trials()).collect();
    if trials.iter().any(|t| *t != trials[0]) {
        let list = labels
            .iter()
            .zip(&trials)
            .map(|(l, t)| format!("{l}: {}", group_thousands(*t as f64, 0)))
            .collect::<Vec<_>>()
            .join(", ");
        warnings.push(format!(
            "runs have different trial counts ({list}); their percentiles are estimated with \
             different precision"
        ));
    }
    let seeds: Vec<Option<u64>> = runs.iter().map(|r| r.meta.seed).collect();
    let crn = seeds[0].is_some() && seeds.iter().all(|s| *s == seeds[0]);
    if !crn && runs.len() > 1 {
        let list = labels
            .iter()
            .zip(&seeds)
            .map(|(l, s)| format!("{l}: {}", s.map(|s| s.to_string()).unwrap_or("?".into())))
            .collect::<Vec<_>>()
            .join(", ");
        warnings.push(format!(
            "runs used different seeds ({list}): differences include Monte Carlo noise, not only \
             the effect of the parameters"
        ));
    }

    // Horizons: compare time series over the quarters all runs share.
    let quarter_sets: Vec<Vec<Quarter>> = runs.iter().map(|r| r.quarters()).collect();
    let mut shared: Vec<Quarter> = quarter_sets.first().cloned().unwrap_or_default();
    for qs in &quarter_sets[1..] {
        shared.retain(|q| qs.contains(q));
    }
    let horizons: Vec<String> = quarter_sets
        .iter()
        .map(|qs| match (qs.first(), qs.last()) {
            (Some(a), Some(b)) => format!("{a}–{b}"),
            _ => "no time series".into(),
        })
        .collect();
    if horizons.iter().any(|h| *h != horizons[0]) {
        let list = labels
            .iter()
            .zip(&horizons)
            .map(|(l, h)| format!("{l}: {h}"))
            .collect::<Vec<_>>()
            .join(", ");
        let common = match (shared.first(), shared.last()) {
            (Some(a), Some(b)) => format!("compared over the shared quarters {a}–{b}"),
            _ => "no quarter is shared, so time series are not compared".into(),
        };
        warnings.push(format!(
            "runs cover different periods ({list}); time series are {common}"
        ));
    }
    let last_shared = shared.last().copied();

    // Which metrics.
    let in_summary = |m: &str, r: &RunData| r.summary(m).is_some();
    let in_series = |m: &str, r: &RunData| r.series(m).is_some();
    let kind_of = |m: &str| -> Option<Kind> {
        if runs.iter().any(|r| in_summary(m, r)) {
            Some(Kind::Summary)
        } else if runs.iter().any(|r| in_series(m, r)) {
            Some(Kind::Series)
        } else {
            None
        }
    };
    let has = |m: &str, r: &RunData, k: &Kind| match k {
        Kind::Summary => in_summary(m, r),
        Kind::Series => in_series(m, r),
    };
    let mut chosen: Vec<(String, Kind)> = Vec::new();
    match metrics {
        Some(list) => {
            if list.is_empty() {
                return Err(cli_error(
                    "metrics",
                    "at least one metric name",
                    "an empty list",
                ));
            }
            for m in list {
                let m = m.trim();
                match kind_of(m) {
                    Some(k) => {
                        let missing: Vec<&str> = runs
                            .iter()
                            .zip(&labels)
                            .filter(|(r, _)| !has(m, r, &k))
                            .map(|(_, l)| l.as_str())
                            .collect();
                        if !missing.is_empty() {
                            warnings.push(format!(
                                "metric `{m}` is missing from {}: compared on the other runs",
                                missing.join(", ")
                            ));
                        }
                        if !chosen.iter().any(|(c, _)| c == m) {
                            chosen.push((m.to_string(), k));
                        }
                    }
                    None => {
                        let mut available: Vec<String> = runs
                            .iter()
                            .flat_map(|r| {
                                r.summary
                                    .iter()
                                    .map(|s| s.metric.clone())
                                    .chain(r.series.iter().map(|s| s.metric.clone()))
                            })
                            .collect();
                        available.sort();
                        available.dedup();
                        let close: Vec<&String> = available
                            .iter()
                            .filter(|a| a.contains(m) || m.contains(a.as_str()))
                            .take(5)
                            .collect();
                        let hint = if close.is_empty() {
                            format!("metrics in these runs: {}", available.join(", "))
                        } else {
                            format!(
                                "did you mean {}?",
                                close
                                    .iter()
                                    .map(|c| format!("`{c}`"))
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            )
                        };
                        return Err(cli_error(
                            "metrics",
                            "a metric of summary.csv or timeseries.csv",
                            format!("`{m}`, which no run has"),
                        )
                        .with_input_hint(hint));
                    }
                }
            }
        }
        None => {
            for m in DEFAULT_METRICS {
                let Some(k) = kind_of(m) else { continue };
                let missing: Vec<&str> = runs
                    .iter()
                    .zip(&labels)
                    .filter(|(r, _)| !has(m, r, &k))
                    .map(|(_, l)| l.as_str())
                    .collect();
                if missing.is_empty() {
                    chosen.push((m.to_string(), k));
                } else {
                    warnings.push(format!(
                        "metric `{m}` is not compared: missing from {}",
                        missing.join(", ")
                    ));
                }
            }
            if chosen.is_empty() {
                warnings.push(
                    "none of the headline metrics is in every run: name metrics with --metrics"
                        .to_string(),
                );
            }
        }
    }

    if shared.is_empty() {
        chosen.retain(|(_, k)| matches!(k, Kind::Summary));
    }

    // Paired differences of per-trial outcomes: trial i of each run against trial i of the first,
    // when they share seed and trial count (common random numbers).
    let outcome_metrics: Vec<String> = chosen
        .iter()
        .filter(|(_, k)| matches!(k, Kind::Summary))
        .map(|(m, _)| m.clone())
        .collect();
    let mut paired_with_first = vec![false; runs.len()];
    let mut paired_accs: Vec<Option<Vec<Option<PairedAccumulator>>>> = vec![None; runs.len()];
    let mut unpaired = Vec::new();
    for (i, r) in runs.iter().enumerate().skip(1) {
        if can_pair(&runs[0].meta, &r.meta) {
            paired_with_first[i] = true;
        } else {
            unpaired.push(format!("{} ({})", labels[i], seed_and_trials(&r.meta)));
        }
    }
    if !unpaired.is_empty() {
        warnings.push(format!(
            "paired differences (paired_diff_* columns) are left empty for {}: these runs do not \
             share the seed and trial count of the first run, {} ({}), so trial i is not the same \
             sampled world in both and their trials are not paired",
            unpaired.join(", "),
            labels[0],
            seed_and_trials(&runs[0].meta)
        ));
    }
    let candidates: Vec<usize> = (1..runs.len()).filter(|&i| paired_with_first[i]).collect();
    if !candidates.is_empty() && !outcome_metrics.is_empty() {
        let dirs: Vec<&Path> = candidates.iter().map(|&i| runs[i].dir.as_path()).collect();
        let results = paired_differences(&runs[0].dir, &dirs, &outcome_metrics);
        let mut failed = Vec::new();
        for (&i, res) in candidates.iter().zip(results) {
            match res {
                Ok(accs) => paired_accs[i] = Some(accs),
                Err(why) => {
                    paired_with_first[i] = false;
                    failed.push(format!("{}: {why}", labels[i]));
                }
            }
        }
        if !failed.is_empty() {
            warnings.push(format!(
                "paired differences (paired_diff_* columns) are left empty for runs whose \
                 trials.csv cannot be read in step with that of {} ({})",
                labels[0],
                failed.join("; ")
            ));
        }
    }
    let paired_of = |i: usize, m: &str| -> Option<PairedDiff> {
        let k = outcome_metrics.iter().position(|x| x == m)?;
        paired_accs[i].as_ref()?[k]
            .as_ref()
            .map(|a| a.summary(outcome_kind(m)))
    };

    // Rows and charts.
    let chart_dir = out_dir.join("charts");
    std::fs::create_dir_all(&chart_dir)
        .map_err(|e| Error::io(format!("creating {}", chart_dir.display()), e))?;
    let opts = RenderOptions {
        size: render.size,
        png: true,
        svg: true,
    };
    let mut rows = Vec::new();
    let mut charts = Vec::new();
    let mut files = Vec::new();
    let crn_note = if crn && runs.len() > 1 {
        "common random numbers (same seed)"
    } else {
        ""
    };
    for (m, kind) in &chosen {
        let trials_note = if trials.iter().all(|t| *t == trials[0]) {
            format!(
                "{} trials per scenario",
                group_thousands(trials[0] as f64, 0)
            )
        } else {
            "different trial counts".to_string()
        };
        let fig = match kind {
            Kind::Summary => {
                let first = runs[0].summary(m).and_then(|r| r.p50);
                for (i, (r, l)) in runs.iter().zip(&labels).enumerate() {
                    if let Some(s) = r.summary(m) {
                        rows.push(ComparisonRow::new(
                            m.clone(),
                            l.clone(),
                            [s.p5, s.p50, s.p95],
                            first,
                            paired_of(i, m),
                        ));
                    }
                }
                let interval_rows = runs
                    .iter()
                    .zip(&labels)
                    .enumerate()
                    .filter_map(|(i, (r, l))| {
                        let s = r.summary(m)?;
                        let n = r.trials();
                        let label = if n > 0 && s.count < n {
                            format!(
                                "{l} (in {:.0}% of trials)",
                                s.count as f64 / n as f64 * 100.0
                            )
                        } else {
                            l.clone()
                        };
                        Some(IntervalRow {
                            label,
                            color: palette::series(i),
                            p5: s.p5,
                            p25: s.p25,
                            p50: s.p50,
                            p75: s.p75,
                            p95: s.p95,
                        })
                    })
                    .collect();
                Figure::Interval(IntervalFigure {
                    title: metric_label(m),
                    subtitle: join_notes(&[
                        trials_note.as_str(),
                        crn_note,
                        "over the trials in which it happened",
                    ]),
                    unit: unit_of(m),
                    x_desc: axis_label(m),
                    rows: interval_rows,
                })
            }
            Kind::Series => {
                if let Some(q) = last_shared {
                    let first = runs[0].series(m).and_then(|s| s.at(q)).and_then(|p| p.p50);
                    for (r, l) in runs.iter().zip(&labels) {
                        if let Some(p) = r.series(m).and_then(|s| s.at(q)) {
                            rows.push(ComparisonRow::new(
                                format!("{m}@{q}"),
                                l.clone(),
                                [p.p5, p.p50, p.p95],
                                first,
                                None,
                            ));
                        }
                    }
                }
                let lines = runs
                    .iter()
                    .zip(&labels)
                    .enumerate()
                    .filter_map(|(i, (r, l))| {
                        let s = r.series(m)?;
                        let mut s = s.clone();
                        s.points
                            .retain(|p| p.quarter.is_some_and(|q| shared.contains(&q)));
                        Some(crate::charts::fan_line_for(
                            &s,
                            l.clone(),
                            palette::series(i),
                        ))
                    })
                    .collect();
                Figure::Fan(FanFigure {
                    title: metric_label(m),
                    subtitle: join_notes(&[
                        trials_note.as_str(),
                        crn_note,
                        "median and P5–P95 band of each scenario",
                    ]),
                    unit: unit_of(m),
                    y_desc: axis_label(m),
                    lines,
                    inner_band: false,
                })
            }
        };
        let stem = safe_stem(m);
        let written = write_figure(&fig, &chart_dir, &stem, &opts)?;
        charts.push(ComparedChart {
            metric: m.clone(),
            title: fig.title().to_string(),
            png: chart_dir.join(format!("{stem}.png")),
            svg: chart_dir.join(format!("{stem}.svg")),
        });
        files.extend(written);
    }

    let csv_path = out_dir.join("comparison.csv");
    write_csv(&csv_path, &rows)?;
    files.insert(0, csv_path.clone());
    Ok(CompareOutcome {
        runs: compared,
        metrics: chosen.into_iter().map(|(m, _)| m).collect(),
        rows,
        charts,
        warnings,
        files,
        csv: csv_path,
        common_random_numbers: crn && runs.len() > 1,
        paired_with_first,
        compared_quarter: last_shared,
    })
}

trait WithHint {
    fn with_input_hint(self, hint: String) -> Error;
}

impl WithHint for Error {
    fn with_input_hint(self, hint: String) -> Error {
        match self {
            Error::Input(e) => Error::Input(Box::new(e.with_hint(hint))),
            other => other,
        }
    }
}

/// A file stem from a metric name (metric names are `[a-z0-9_]`, but be safe).
/// Joins the non-empty parts of a subtitle with " · ".
fn join_notes(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" · ")
}

fn safe_stem(metric: &str) -> String {
    metric
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn num(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_default()
}

fn write_csv(path: &Path, rows: &[ComparisonRow]) -> Result<()> {
    let csv_err = |e: csv::Error| Error::Csv {
        context: path.display().to_string(),
        source: e,
    };
    let mut w = csv::Writer::from_path(path).map_err(csv_err)?;
    w.write_record([
        "metric",
        "scenario",
        "p5",
        "p50",
        "p95",
        "p50_diff_vs_first",
        "paired_diff_p5",
        "paired_diff_p50",
        "paired_diff_p95",
        "paired_diff_count",
    ])
    .map_err(csv_err)?;
    for r in rows {
        let p = r.paired.as_ref();
        w.write_record([
            r.metric.clone(),
            r.scenario.clone(),
            num(r.p5),
            num(r.p50),
            num(r.p95),
            num(r.p50_diff_vs_first),
            num(p.and_then(|p| p.p5)),
            num(p.and_then(|p| p.p50)),
            num(p.and_then(|p| p.p95)),
            p.map(|p| p.count.to_string()).unwrap_or_default(),
        ])
        .map_err(csv_err)?;
    }
    w.flush()
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}
