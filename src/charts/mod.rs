//! Charts of a run folder: fan charts over time, distributions of per-trial outcomes, binding
//! constraints and sources and uses of funds, as PNG and SVG under `<run>/charts/`.
//!
//! What is drawn is driven by one table, [`CHART_SPECS`]: a spec names its metrics, and a spec
//! whose metrics are all absent from the run is skipped silently, so metrics added later by other
//! parts of the model get their charts by appearing in the output (and a line in the table).
//! Units, axis titles and number formats come from the metric names ([`units`]).
//!
//! Text is drawn with DejaVu Sans embedded in the binary; no system font is needed.

pub mod data;
pub mod demo;
pub(crate) mod draw;
mod font;
mod glyphs;
pub mod hist;
pub mod palette;
pub mod units;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
pub use data::{Quarter, RunData, RunMeta, SummaryRow};
pub use draw::Size;
use draw::{BarRow, BarsFigure, FanFigure, FanLine, Figure, HistFigure, StackFigure};
pub use hist::{BinEdges, ColumnHistogram, TrialHistograms};
use plotters::style::RGBColor;
use units::{format_unit_value, group_thousands, metric_label, unit_of, Unit};

/// What a chart shows.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum ChartKind {
    /// Fan chart of time series sharing one y axis (all metrics must have the same unit): the
    /// median line with P25–P75 and P5–P95 bands of each metric present.
    Fan(&'static [&'static str]),
    /// Histogram of one per-trial outcome (a `trials.csv` column), with the median and the 90%
    /// interval marked and the share of trials in which it did not happen in the subtitle.
    Distribution(&'static str),
    /// Per-quarter probabilities: the `mean` of 0/1-per-trial series (e.g. the share of trials
    /// in which the program has defaulted by then), one line each, on 0–100%.
    Probability(&'static [&'static str]),
    /// Per-quarter shares stacked to 100% (the `mean` column of each time series), bottom first.
    Stacked(&'static [&'static str]),
    /// Sources and uses of funds: mean per trial (from `summary.csv`) of each contribution, by
    /// partner class and by instrument, against where the money went.
    SourcesUses {
        partners: &'static [&'static str],
        instruments: &'static [&'static str],
        uses: &'static [&'static str],
    },
}

/// One chart: file name (without extension), title and what it shows.
#[derive(Debug, Clone, Copy)]
pub struct ChartSpec {
    /// File stem under `charts/`, e.g. `fan_capacity` → `fan_capacity.png` and `.svg`.
    pub name: &'static str,
    pub title: &'static str,
    /// Extra words for the subtitle (what the chart measures); may be empty.
    pub note: &'static str,
    pub kind: ChartKind,
    /// Fan charts only: a logarithmic y axis, for quantities that grow by orders of magnitude
    /// over the run (ticks at powers of ten; zero and negative values clipped to the bottom; a
    /// linear axis when no value is positive). Other kinds ignore it.
    pub log_y: bool,
}

const fn fan(
    name: &'static str,
    title: &'static str,
    metrics: &'static [&'static str],
) -> ChartSpec {
    ChartSpec {
        name,
        title,
        note: "",
        kind: ChartKind::Fan(metrics),
        log_y: false,
    }
}

const fn dist(name: &'static str, title: &'static str, metric: &'static str) -> ChartSpec {
    ChartSpec {
        name,
        title,
        note: "",
        kind: ChartKind::Distribution(metric),
        log_y: false,
    }
}

/// Every chart a run can have, in the order the report shows them. Specs whose metrics are
/// absent are skipped.
pub const CHART_SPECS: &[ChartSpec] = &[
    fan(
        "fan_capacity",
        "Leading-edge capacity: program vs incumbents",
        &["program_capacity_wspm", "incumbent_capacity_wspm"],
    ),
    fan(
        "fan_fabs",
        "Program fabs under construction and operating",
        &["program_fabs_under_construction", "program_fabs_operating"],
    ),
    fan(
        "fan_money",
        "Money raised vs capex spent (cumulative)",
        &["program_raised_cum_usd_bn", "program_capex_cum_usd_bn"],
    ),
    fan(
        "fan_euv_tools",
        "EUV tools in program fabs",
        &["program_euv_tools"],
    ),
    fan(
        "fan_euv_shipments",
        "Global EUV tool shipments per year",
        &["euv_shipments_per_year"],
    ),
    fan(
        "fan_packaging",
        "Program advanced-packaging capacity",
        &["program_packaging_capacity_wpm"],
    ),
    fan(
        "fan_hbm",
        "Program HBM memory capacity",
        &["program_hbm_capacity_wspm"],
    ),
    fan("fan_power", "Program power demand", &["program_power_mw"]),
    // Grows from about 1M to billions of H100e per quarter: on a linear axis everything before
    // the mid-2030s would sit on zero.
    fan(
        "fan_accelerators",
        "AI accelerators: supplied vs demanded",
        &["accelerators_supplied_h100e", "accelerators_demanded_h100e"],
    )
    .log_scale(),
    fan(
        "fan_shortage",
        "Accelerator shortage ratio (demand ÷ supply)",
        &["shortage_ratio"],
    ),
    fan(
        "fan_debt_cash",
        "Program debt outstanding and cash",
        &["program_debt_outstanding_usd_bn", "program_cash_usd_bn"],
    ),
    fan(
        "fan_dscr",
        "Debt service coverage ratio (DSCR)",
        &["program_dscr"],
    ),
    fan(
        "fan_market_share",
        "TSMC and Taiwan shares of leading-edge capacity",
        &["tsmc_share_leading_edge", "taiwan_share_leading_edge"],
    ),
    fan(
        "fan_hhi",
        "Concentration of leading-edge capacity (HHI)",
        &["hhi_leading_edge"],
    ),
    fan(
        "fan_nvidia_share",
        "NVIDIA share of AI accelerators",
        &["nvidia_share_accelerators"],
    ),
    fan(
        "fan_revenue",
        "Program revenue and cash flow available for debt service",
        &["program_revenue_usd_bn", "program_cfads_usd_bn"],
    ),
    fan(
        "fan_utilization",
        "Utilization of program fabs",
        &["program_utilization"],
    ),
    fan(
        "fan_wafer_price",
        "Leading-edge wafer price",
        &["wafer_price_usd"],
    ),
    ChartSpec {
        name: "prob_default",
        title: "Probability that the program has defaulted",
        note: "share of trials in which the program has defaulted by each quarter",
        kind: ChartKind::Probability(&["program_default_share"]),
        log_y: false,
    },
    ChartSpec {
        name: "binding_constraints",
        title: "What stops program fab starts: binding constraints",
        note: "per quarter, share of trials in which each constraint stopped further fab starts",
        kind: ChartKind::Stacked(&[
            "binding_money_share",
            "binding_euv_share",
            "binding_power_share",
            "binding_workforce_share",
            "binding_none_share",
        ]),
        log_y: false,
    },
    ChartSpec {
        name: "binding_supply",
        title: "What limits accelerator output: dies, packaging or HBM",
        note: "per quarter, share of trials in which each input limited accelerator output",
        kind: ChartKind::Stacked(&[
            "binding_dies_share",
            "binding_packaging_share",
            "binding_hbm_share",
        ]),
        log_y: false,
    },
    ChartSpec {
        name: "sources_uses",
        title: "Sources and uses of funds",
        note: "mean per trial; a source or use that did not occur in a trial counts as zero",
        kind: ChartKind::SourcesUses {
            partners: &[
                "raised_sovereign_usd_bn",
                "raised_investor_usd_bn",
                "raised_chipmaker_usd_bn",
                "raised_energy_usd_bn",
                "raised_anchor_customer_usd_bn",
                "raised_government_usd_bn",
            ],
            instruments: &[
                "raised_equity_usd_bn",
                "raised_debt_usd_bn",
                "raised_grant_usd_bn",
            ],
            uses: &[
                "capex_logic_usd_bn",
                "capex_packaging_usd_bn",
                "capex_hbm_usd_bn",
                "power_spend_usd_bn",
                "tool_expansion_spend_usd_bn",
                "unspent_usd_bn",
            ],
        },
        log_y: false,
    },
    dist(
        "dist_first_output_year",
        "When do program fabs first produce wafers?",
        "first_output_year",
    ),
    dist(
        "dist_fabs_completed",
        "Program fabs completed by the end of the run",
        "fabs_completed",
    ),
    dist(
        "dist_fabs_completed_by_2030",
        "Program fabs completed by 2030",
        "fabs_completed_by_2030",
    ),
    dist(
        "dist_total_capex",
        "Total capex spent by the program",
        "total_capex_usd_bn",
    ),
    dist(
        "dist_unspent",
        "Money that could not be spent",
        "unspent_usd_bn",
    ),
    dist(
        "dist_tsmc_share_2035",
        "TSMC share of leading-edge capacity in 2035",
        "tsmc_share_2035",
    ),
    dist(
        "dist_hhi_2035",
        "Concentration of leading-edge capacity in 2035 (HHI)",
        "hhi_2035",
    ),
    dist(
        "dist_default_year",
        "When does the program default?",
        "default_year",
    ),
    dist(
        "dist_shortage_end_year",
        "When does the accelerator shortage first end?",
        "shortage_end_year",
    ),
    dist(
        "dist_shortage_over_year",
        "From when is the accelerator shortage over for good?",
        "shortage_over_year",
    ),
    dist(
        "dist_program_capacity_2035",
        "Program capacity at the end of 2035",
        "program_capacity_2035_wspm",
    ),
    dist(
        "dist_stranded_capex",
        "Capex stranded by a default",
        "stranded_capex_usd_bn",
    ),
    dist("dist_equity_irr", "Equity IRR", "equity_irr"),
    dist("dist_npv", "Program NPV", "program_npv_usd_bn"),
];

impl ChartSpec {
    /// The same chart with a logarithmic y axis (see [`ChartSpec::log_y`]).
    pub const fn log_scale(self) -> ChartSpec {
        ChartSpec {
            log_y: true,
            ..self
        }
    }

    /// Every metric the spec can draw.
    pub fn metrics(&self) -> Vec<&'static str> {
        match self.kind {
            ChartKind::Fan(m) | ChartKind::Stacked(m) | ChartKind::Probability(m) => m.to_vec(),
            ChartKind::Distribution(m) => vec![m],
            ChartKind::SourcesUses {
                partners,
                instruments,
                uses,
            } => partners
                .iter()
                .chain(instruments)
                .chain(uses)
                .copied()
                .collect(),
        }
    }
}

/// How to render: picture size and which formats.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    pub size: Size,
    pub png: bool,
    pub svg: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            size: Size::default(),
            png: true,
            svg: true,
        }
    }
}

/// A chart drawn in memory as SVG (for reports).
#[derive(Debug, Clone)]
pub struct SvgChart {
    /// The spec's file stem, e.g. `fan_capacity`.
    pub name: String,
    pub title: String,
    /// A complete SVG document.
    pub svg: String,
}

/// Draws every chart of [`CHART_SPECS`] that the run folder has data for, as
/// `<run_dir>/charts/<name>.png` and `<name>.svg`, and returns the paths written.
///
/// Reads `run.json`, `timeseries.csv`, `summary.csv` and (streamed, only the needed columns)
/// `trials.csv`.
pub fn render_run(run_dir: &Path) -> Result<Vec<PathBuf>> {
    render_run_with(run_dir, &RenderOptions::default())
}

/// [`render_run`] with a picture size and choice of formats.
pub fn render_run_with(run_dir: &Path, opts: &RenderOptions) -> Result<Vec<PathBuf>> {
    let run = RunData::load(run_dir)?;
    let trials = load_trial_outcomes(&run, CHART_SPECS)?;
    let out = run_dir.join("charts");
    std::fs::create_dir_all(&out)
        .map_err(|e| Error::io(format!("creating {}", out.display()), e))?;
    let mut written = Vec::new();
    for spec in CHART_SPECS {
        written.extend(render_chart(&run, &trials, spec, &out, opts)?);
    }
    Ok(written)
}

/// Draws one chart of a loaded run into `out_dir` (PNG and/or SVG per `opts`); returns the files
/// written, none when the run has no data for the spec.
pub fn render_chart(
    run: &RunData,
    trials: &TrialHistograms,
    spec: &ChartSpec,
    out_dir: &Path,
    opts: &RenderOptions,
) -> Result<Vec<PathBuf>> {
    match figure_for(run, trials, spec) {
        Some(fig) => write_figure(&fig, out_dir, spec.name, opts),
        None => Ok(Vec::new()),
    }
}

/// Draws every chart the run has data for as in-memory SVG documents, in table order.
pub fn render_run_svgs(
    run: &RunData,
    trials: &TrialHistograms,
    size: Size,
) -> Result<Vec<SvgChart>> {
    let mut out = Vec::new();
    for spec in CHART_SPECS {
        if let Some(fig) = figure_for(run, trials, spec) {
            out.push(SvgChart {
                name: spec.name.to_string(),
                title: fig.title().to_string(),
                svg: draw::to_svg(&fig, size)?,
            });
        }
    }
    Ok(out)
}

/// Histograms of the `trials.csv` outcome columns that the distribution specs among `specs`
/// need, in memory that does not grow with the number of trials: bins from the run's
/// `summary.csv` ranges, counted in one streamed pass (a second one only for columns whose
/// summary range is missing or disagrees with the file), markers from its quantiles (see
/// [`hist`]). A run without `trials.csv` yields no columns (distributions are skipped).
pub fn load_trial_outcomes(run: &RunData, specs: &[ChartSpec]) -> Result<TrialHistograms> {
    let path = run.dir.join("trials.csv");
    let mut cols: Vec<&str> = Vec::new();
    for s in specs {
        if let ChartKind::Distribution(m) = s.kind {
            if !cols.contains(&m) {
                cols.push(m);
            }
        }
    }
    if !path.exists() || cols.is_empty() {
        return Ok(TrialHistograms::default());
    }
    TrialHistograms::read(&path, &cols, &run.summary)
}

pub(crate) fn write_figure(
    fig: &Figure,
    out_dir: &Path,
    name: &str,
    opts: &RenderOptions,
) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    if opts.png {
        let p = out_dir.join(format!("{name}.png"));
        draw::write_png(fig, &p, opts.size)?;
        written.push(p);
    }
    if opts.svg {
        let p = out_dir.join(format!("{name}.svg"));
        let svg = draw::to_svg(fig, opts.size)?;
        std::fs::write(&p, svg).map_err(|e| Error::io(format!("writing {}", p.display()), e))?;
        written.push(p);
    }
    Ok(written)
}

/// "altman-7t · 10,000 trials"
fn run_caption(run: &RunData) -> String {
    format!(
        "{} · {} trials",
        run.scenario(),
        group_thousands(run.trials() as f64, 0)
    )
}

fn join_sub(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Builds the figure of a spec, or `None` when the run has none of its metrics.
pub(crate) fn figure_for(
    run: &RunData,
    trials: &TrialHistograms,
    spec: &ChartSpec,
) -> Option<Figure> {
    match spec.kind {
        ChartKind::Fan(metrics) => {
            let lines: Vec<FanLine> = metrics
                .iter()
                .filter_map(|m| run.series(m))
                .enumerate()
                .map(|(i, s)| fan_line(s, metric_label(&s.metric), palette::series(i)))
                .collect();
            let first = metrics.iter().find(|m| run.series(m).is_some())?;
            let fig = FanFigure {
                title: spec.title.to_string(),
                subtitle: join_sub(&[
                    &run_caption(run),
                    "median with P25–P75 and P5–P95 bands across trials",
                    spec.note,
                ]),
                unit: unit_of(first),
                y_desc: units::axis_label(first),
                lines,
                inner_band: true,
            };
            Some(if spec.log_y {
                Figure::LogFan(fig)
            } else {
                Figure::Fan(fig)
            })
        }
        ChartKind::Probability(metrics) => {
            let lines: Vec<FanLine> = metrics
                .iter()
                .filter_map(|m| run.series(m))
                .enumerate()
                .map(|(i, s)| {
                    let n = s.points.len();
                    FanLine {
                        label: metric_label(&s.metric),
                        color: palette::series(i),
                        xs: s
                            .points
                            .iter()
                            .map(|p| p.quarter.map(|q| q.x()).unwrap_or(f64::NAN))
                            .collect(),
                        p5: vec![None; n],
                        p25: vec![None; n],
                        p50: s.points.iter().map(|p| p.mean).collect(),
                        p75: vec![None; n],
                        p95: vec![None; n],
                    }
                })
                .collect();
            if lines.is_empty() {
                return None;
            }
            Some(Figure::Fan(FanFigure {
                title: spec.title.to_string(),
                subtitle: join_sub(&[&run_caption(run), spec.note]),
                unit: Unit::Share,
                y_desc: "Share of trials".into(),
                lines,
                inner_band: false,
            }))
        }
        ChartKind::Distribution(metric) => {
            let h = trials.get(metric)?;
            Some(Figure::Hist(hist_figure(
                spec,
                metric,
                h,
                trials.rows,
                &run.scenario(),
            )))
        }
        ChartKind::Stacked(metrics) => {
            let present: Vec<&data::Series> =
                metrics.iter().filter_map(|m| run.series(m)).collect();
            if present.is_empty() {
                return None;
            }
            let mut quarters: Vec<Quarter> = present
                .iter()
                .flat_map(|s| s.points.iter().filter_map(|p| p.quarter))
                .collect();
            quarters.sort();
            quarters.dedup();
            let layers = present
                .iter()
                .map(|s| {
                    let what = s
                        .metric
                        .strip_prefix("binding_")
                        .and_then(|m| m.strip_suffix("_share"))
                        .unwrap_or(&s.metric);
                    let values = quarters
                        .iter()
                        .map(|q| s.at(*q).and_then(|p| p.mean).unwrap_or(0.0))
                        .collect();
                    (
                        units::constraint_label(what),
                        constraint_color(what),
                        values,
                    )
                })
                .collect();
            Some(Figure::Stack(StackFigure {
                title: spec.title.to_string(),
                subtitle: join_sub(&[&run_caption(run), spec.note]),
                xs: quarters.iter().map(|q| q.x()).collect(),
                layers,
            }))
        }
        ChartKind::SourcesUses {
            partners,
            instruments,
            uses,
        } => {
            let trials_n = run.trials().max(1) as f64;
            let row = |label: &str, metrics: &[&str], colors: &[RGBColor]| -> Option<BarRow> {
                let items: Vec<(String, f64, RGBColor)> = metrics
                    .iter()
                    .enumerate()
                    .filter_map(|(i, m)| {
                        let r = run.summary(m)?;
                        let v = r.mean.unwrap_or(0.0) * r.count as f64 / trials_n;
                        Some((bar_label(m), v, colors[i % colors.len()]))
                    })
                    .collect();
                (!items.is_empty()).then(|| BarRow {
                    label: label.to_string(),
                    items,
                })
            };
            let uses_colors = [
                palette::BLUE,
                palette::SKY_BLUE,
                palette::REDDISH_PURPLE,
                palette::ORANGE,
                palette::BLUISH_GREEN,
                palette::GREY,
            ];
            let rows: Vec<BarRow> = [
                row("Raised, by partner", partners, &palette::SERIES[..6]),
                row(
                    "Raised, by instrument",
                    instruments,
                    &[palette::BLUE, palette::VERMILLION, palette::BLUISH_GREEN],
                ),
                row("Uses of funds", uses, &uses_colors),
            ]
            .into_iter()
            .flatten()
            .collect();
            if rows.is_empty() {
                return None;
            }
            let committed = run
                .summary("total_committed_usd_bn")
                .and_then(|r| r.mean.map(|m| m * r.count as f64 / trials_n))
                .map(|v| format!("committed {}", format_unit_value(Unit::UsdBn, v)))
                .unwrap_or_default();
            Some(Figure::Bars(BarsFigure {
                title: spec.title.to_string(),
                subtitle: join_sub(&[&run_caption(run), spec.note, &committed]),
                unit: Unit::UsdBn,
                x_desc: "US dollars (mean per trial)".into(),
                rows,
            }))
        }
    }
}

/// The colour of a constraint, the same in every chart.
pub fn constraint_color(what: &str) -> RGBColor {
    match what {
        "money" => palette::BLUE,
        "euv" => palette::VERMILLION,
        "power" => palette::ORANGE,
        "workforce" => palette::BLUISH_GREEN,
        "dies" => palette::REDDISH_PURPLE,
        "packaging" => palette::SKY_BLUE,
        "hbm" => palette::YELLOW,
        "none" => RGBColor(0xDD, 0xDD, 0xDD),
        _ => palette::BLACK,
    }
}

fn bar_label(metric: &str) -> String {
    if let Some(w) = metric
        .strip_prefix("raised_")
        .and_then(|m| m.strip_suffix("_usd_bn"))
    {
        return units::words(w);
    }
    if metric == "unspent_usd_bn" {
        return "Unspent".into();
    }
    metric_label(metric)
}

fn fan_line(s: &data::Series, label: String, color: RGBColor) -> FanLine {
    let median_missing = s.points.iter().all(|p| p.p50.is_none());
    FanLine {
        label,
        color,
        xs: s
            .points
            .iter()
            .map(|p| p.quarter.map(|q| q.x()).unwrap_or(f64::NAN))
            .collect(),
        p5: s.points.iter().map(|p| p.p5).collect(),
        p25: s.points.iter().map(|p| p.p25).collect(),
        // A series with no medians (e.g. a count stored as means only) draws its mean.
        p50: s
            .points
            .iter()
            .map(|p| if median_missing { p.mean } else { p.p50 })
            .collect(),
        p75: s.points.iter().map(|p| p.p75).collect(),
        p95: s.points.iter().map(|p| p.p95).collect(),
    }
}

pub(crate) fn fan_line_for(s: &data::Series, label: String, color: RGBColor) -> FanLine {
    fan_line(s, label, color)
}

/// Linear-interpolation quantile (type 7) of sorted values.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo as f64)
}

/// Histogram bins `(left, right, share of all trials)` of in-memory `values` (any order) of
/// `unit`: whole numbers for counts, whole quarters for years, 1/2/2.5/5 × 10ⁿ widths otherwise
/// ([`BinEdges::new`] over the values' range). Charts count `trials.csv` streamed instead
/// ([`TrialHistograms`]), with the same bins.
pub fn histogram_bins(unit: Unit, values: &[f64], all_trials: u64) -> Vec<(f64, f64, f64)> {
    ColumnHistogram::of_values(unit, values).bins(all_trials)
}

fn pct_text(x: f64) -> String {
    if x > 0.0 && x < 0.001 {
        "<0.1%".into()
    } else {
        format!("{:.1}%", x * 100.0)
    }
}

fn hist_figure(
    spec: &ChartSpec,
    metric: &str,
    h: &ColumnHistogram,
    rows: u64,
    scenario: &str,
) -> HistFigure {
    let unit = h.unit;
    let rows = rows.max(h.count);
    let missing = (rows - h.count) as f64 / rows.max(1) as f64;
    let happened = if missing == 0.0 {
        "happened in every trial".to_string()
    } else {
        format!("did not happen in {} of trials", pct_text(missing))
    };
    let caption = format!("{scenario} · {} trials", group_thousands(rows as f64, 0));
    let message = (h.count == 0).then(|| {
        format!(
            "Did not happen in any of the {} trials",
            group_thousands(rows as f64, 0)
        )
    });
    HistFigure {
        title: spec.title.to_string(),
        subtitle: join_sub(&[&caption, &happened, spec.note]),
        unit,
        x_desc: if unit == Unit::Year {
            metric_label(metric)
        } else {
            format!("{} — {}", metric_label(metric), units::axis_label(metric))
        },
        bins: h.bins(rows),
        p5: h.p5,
        p50: h.p50,
        p95: h.p95,
        message,
    }
}

/// Names of metrics any spec can draw (for docs and tests).
pub fn known_metrics() -> HashSet<&'static str> {
    CHART_SPECS.iter().flat_map(|s| s.metrics()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fan_specs_share_a_unit() {
        for s in CHART_SPECS {
            if let ChartKind::Fan(m) = s.kind {
                let u = unit_of(m[0]);
                assert!(m.iter().all(|x| unit_of(x) == u), "{}", s.name);
            }
        }
    }

    #[test]
    fn names_unique() {
        let mut seen = HashSet::new();
        for s in CHART_SPECS {
            assert!(seen.insert(s.name), "duplicate {}", s.name);
        }
    }

    #[test]
    fn quantiles() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 5.0);
        assert_eq!(quantile(&v, 0.25), 2.0);
    }

    #[test]
    fn bins() {
        let v: Vec<f64> = vec![3.0, 3.0, 4.0, 7.0];
        let b = histogram_bins(Unit::Count, &v, 8);
        assert_eq!(b.len(), 5);
        assert_eq!(b[0], (2.5, 3.5, 0.25));
        assert_eq!(b[4], (6.5, 7.5, 0.125));
        let y = vec![2027.0, 2027.25, 2027.25, 2029.75];
        let b = histogram_bins(Unit::Year, &y, 4);
        assert_eq!(b[0], (2026.875, 2027.125, 0.25));
        assert_eq!(b[1], (2027.125, 2027.375, 0.5));
        let total: f64 = b.iter().map(|x| x.2).sum();
        assert!((total - 1.0).abs() < 1e-12);
        let one = histogram_bins(Unit::UsdBn, &[5.0], 1);
        assert_eq!(one.len(), 1);
        assert!(histogram_bins(Unit::UsdBn, &[], 1).is_empty());
    }
}
