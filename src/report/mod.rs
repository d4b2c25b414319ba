//! Self-contained HTML reports: one page per run (`<run>/report.html`) and per comparison
//! (`<out>/report.html`).
//!
//! A report is a single file: charts are inline SVG, the stylesheet is inline, and there are no
//! scripts, web fonts, images or anything else fetched from the network. Text that comes from
//! users (descriptions, scenario files) is escaped, and the `://` of any web address in it is
//! written as `&#58;//`, which a browser shows unchanged but which is no link and no fetch.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::charts::units::{
    format_unit_value, format_value, group_thousands, metric_label, unit_of, Unit,
};
use crate::charts::{self, ChartKind, RunData, Size, CHART_SPECS};
use crate::compare::CompareOutcome;
use crate::error::{Error, Result};

const CSS: &str = r#"
:root { --ink:#1a1a1a; --muted:#555; --line:#ddd; --soft:#f5f6f7; --accent:#0072B2; --warn:#8a4b00; }
* { box-sizing: border-box; }
body { margin:0; font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color:var(--ink);
  background:#fff; line-height:1.45; font-size:15px; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 28px 60px; }
h1 { font-size: 28px; margin: 0 0 6px; }
h2 { font-size: 21px; margin: 38px 0 10px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 24px 0 8px; }
p.lead { font-size: 17px; color: var(--muted); margin: 4px 0 14px; max-width: 900px; }
.meta { display:flex; flex-wrap:wrap; gap: 6px 22px; margin: 10px 0 4px; padding:0; list-style:none;
  color: var(--muted); font-size: 14px; }
.meta b { color: var(--ink); font-weight: 600; }
nav { background: var(--soft); border-radius: 6px; padding: 10px 16px; margin: 18px 0; font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; margin-right: 16px; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 8px 0 6px; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.section td { background: #eef3f8; font-weight: 600; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
code, .key { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
.key { color: #333; }
.sub { color: var(--muted); font-size: 12px; display:block; }
details { margin: 10px 0; }
summary { cursor: pointer; color: var(--accent); }
pre { background: var(--soft); padding: 12px 14px; border-radius: 6px; overflow-x: auto; font-size: 12.5px; }
figure { margin: 22px 0 30px; padding: 0; }
figure svg { display:block; width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 6px; }
figcaption a { color: var(--accent); }
.warn { background: #fff5e6; border-left: 4px solid #E69F00; padding: 10px 14px; margin: 12px 0; color: var(--warn); }
.warn ul { margin: 4px 0 0 18px; padding: 0; }
.note { background: #eef6fb; border-left: 4px solid var(--accent); padding: 10px 14px; margin: 12px 0; }
.swatch { display:inline-block; width: 14px; height: 14px; border-radius: 3px; vertical-align: -2px; margin-right: 6px; }
footer { margin-top: 48px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 10px; }
@media print { figure { break-inside: avoid; } nav { display:none; } }
"#;

/// Escapes text for HTML; `://` becomes `&#58;//` so that no web address appears verbatim.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out.replace("://", "&#58;//")
}

/// Makes a plotters SVG document fit for inlining in HTML: drops the XML namespace attribute
/// (implied in HTML, and a web address) and labels it for screen readers.
fn inline_svg(svg: &str, title: &str) -> String {
    let svg = svg
        .replace(" xmlns=\"http://www.w3.org/2000/svg\"", "")
        .replacen(
            "<svg ",
            &format!("<svg role=\"img\" aria-label=\"{}\" ", esc(title)),
            1,
        );
    // Defensive: plotters writes no scripts or links, but never let one through.
    if svg.contains("<script") || svg.contains("://") {
        svg.replace("<script", "&lt;script")
            .replace("://", "&#58;//")
    } else {
        svg
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n",
        esc(title)
    )
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// One parameter row: section (e.g. `sources.uae`), key within it, displayed value.
struct Param {
    section: String,
    key: String,
    value: String,
}

const DIST_KEYS: &[&str] = &["dist", "distribution", "type", "kind"];
/// The scenario notation's distribution kinds (`{ pert = [min, mode, max] }`, see `dist`) and
/// their optional modifiers.
const DIST_KINDS: &[&str] = &crate::dist::KINDS;
const DIST_MODIFIERS: &[&str] = &["lambda", "min", "max", "weights"];
const DIST_PARAMS: &[&str] = &[
    "low",
    "high",
    "min",
    "mode",
    "max",
    "mean",
    "sd",
    "p5",
    "p95",
    "alpha",
    "beta",
    "p",
    "values",
    "weights",
    "samples",
    "a",
    "b",
    "lo",
    "hi",
    "median",
    "to",
    "from",
    "trunc_low",
    "trunc_high",
];

fn looks_like_distribution(t: &toml::Table) -> bool {
    let kinds = t
        .keys()
        .filter(|k| DIST_KINDS.contains(&k.as_str()))
        .count();
    if kinds == 1
        && t.keys()
            .all(|k| DIST_KINDS.contains(&k.as_str()) || DIST_MODIFIERS.contains(&k.as_str()))
    {
        return true;
    }
    !t.is_empty()
        && t.values().all(|v| !v.is_table())
        && (t.keys().any(|k| DIST_KEYS.contains(&k.as_str()))
            || t.keys().all(|k| DIST_PARAMS.contains(&k.as_str())))
}

/// A TOML value as a reader wants to see it: strings without quotes, distributions as
/// `uniform(low = 1, high = 2)`.
fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(a) => format!("[{}]", a.iter().map(show).collect::<Vec<_>>().join(", ")),
        toml::Value::Table(t)
            if looks_like_distribution(t) && t.keys().any(|k| DIST_KINDS.contains(&k.as_str())) =>
        {
            // `{ pert = [0.3, 0.8, 1.0], lambda = 4 }` → `pert(0.3, 0.8, 1.0, lambda = 4)`.
            let mut args = Vec::new();
            for (k, v) in t {
                if DIST_KINDS.contains(&k.as_str()) {
                    match v {
                        toml::Value::Array(a) => args.extend(a.iter().map(show)),
                        other => args.push(show(other)),
                    }
                }
            }
            for (k, v) in t {
                if !DIST_KINDS.contains(&k.as_str()) {
                    args.push(format!("{k} = {}", show(v)));
                }
            }
            let kind = t
                .keys()
                .find(|k| DIST_KINDS.contains(&k.as_str()))
                .map(String::as_str)
                .unwrap_or("");
            format!("{kind}({})", args.join(", "))
        }
        toml::Value::Table(t) => {
            let name = DIST_KEYS
                .iter()
                .find_map(|k| t.get(*k).and_then(|v| v.as_str()));
            let args = t
                .iter()
                .filter(|(k, _)| !DIST_KEYS.contains(&k.as_str()))
                .map(|(k, v)| format!("{k} = {}", show(v)))
                .collect::<Vec<_>>()
                .join(", ");
            match name {
                Some(n) => format!("{n}({args})"),
                None => format!("{{ {args} }}"),
            }
        }
        other => other.to_string(),
    }
}

fn flatten(section: &str, prefix: &str, t: &toml::Table, out: &mut Vec<Param>) {
    for (k, v) in t {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(sub) if !looks_like_distribution(sub) => {
                flatten(section, &key, sub, out)
            }
            _ => out.push(Param {
                section: section.to_string(),
                key,
                value: show(v),
            }),
        }
    }
}

/// The key parameters: leaves of `[program]`, `[sources.*]` and `[regions.*]`.
fn key_parameters(doc: &toml::Table) -> Vec<Param> {
    let mut out = Vec::new();
    if let Some(toml::Value::Table(p)) = doc.get("program") {
        flatten("program", "", p, &mut out);
    }
    for group in ["sources", "regions"] {
        match doc.get(group) {
            Some(toml::Value::Table(t)) => {
                for (name, v) in t {
                    match v {
                        toml::Value::Table(sub) => {
                            flatten(&format!("{group}.{name}"), "", sub, &mut out)
                        }
                        other => out.push(Param {
                            section: group.to_string(),
                            key: name.clone(),
                            value: show(other),
                        }),
                    }
                }
            }
            Some(toml::Value::Array(items)) => {
                for (i, v) in items.iter().enumerate() {
                    if let toml::Value::Table(sub) = v {
                        let name = sub
                            .get("name")
                            .and_then(|n| n.as_str())
                            .map(|s| s.to_string())
                            .unwrap_or_else(|| i.to_string());
                        flatten(&format!("{group}.{name}"), "", sub, &mut out);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Every leaf of the document, dotted (for "what differs" in comparisons).
fn all_leaves(doc: &toml::Table) -> Vec<(String, String)> {
    let mut out = Vec::new();
    flatten("", "", doc, &mut out);
    out.into_iter().map(|p| (p.key, p.value)).collect()
}

fn params_table(params: &[Param]) -> String {
    let mut s = String::from("<table>\n<tr><th>Parameter</th><th>Value</th></tr>\n");
    let mut section = "";
    for p in params {
        if p.section != section {
            section = &p.section;
            let _ = writeln!(
                s,
                "<tr class=\"section\"><td colspan=\"2\">[{}]</td></tr>",
                esc(section)
            );
        }
        let _ = writeln!(
            s,
            "<tr><td class=\"key\">{}</td><td><code>{}</code></td></tr>",
            esc(&p.key),
            esc(&p.value)
        );
    }
    s.push_str("</table>\n");
    s
}

fn opt_value(metric: &str, v: Option<f64>) -> String {
    v.map(|v| esc(&format_value(metric, v)))
        .unwrap_or_else(|| "–".into())
}

fn summary_table(run: &RunData) -> String {
    let trials = run.trials();
    let mut s = String::from(
        "<table>\n<tr><th>Outcome</th><th class=\"num\">Happened in</th><th class=\"num\">Mean</th>\
         <th class=\"num\">P5</th><th class=\"num\">Median</th><th class=\"num\">P95</th></tr>\n",
    );
    for r in &run.summary {
        let happened = if trials > 0 {
            format!("{:.1}%", r.count as f64 / trials as f64 * 100.0)
        } else {
            group_thousands(r.count as f64, 0)
        };
        let _ = writeln!(
            s,
            "<tr><td>{}<span class=\"sub key\">{}</span></td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td></tr>",
            esc(&metric_label(&r.metric)),
            esc(&r.metric),
            happened,
            opt_value(&r.metric, r.mean),
            opt_value(&r.metric, r.p5),
            opt_value(&r.metric, r.p50),
            opt_value(&r.metric, r.p95),
        );
    }
    s.push_str("</table>\n");
    s
}

fn section_of(kind: &ChartKind) -> &'static str {
    match kind {
        ChartKind::Fan(_) => "Over time",
        ChartKind::Probability(_) => "Over time",
        ChartKind::Stacked(_) => "Binding constraints",
        ChartKind::SourcesUses { .. } => "Sources and uses of funds",
        ChartKind::Distribution(_) => "Distributions of per-trial outcomes",
    }
}

fn meta_list(items: &[(&str, String)]) -> String {
    let mut s = String::from("<ul class=\"meta\">");
    for (k, v) in items {
        if !v.is_empty() {
            let _ = write!(s, "<li>{} <b>{}</b></li>", esc(k), esc(v));
        }
    }
    s.push_str("</ul>\n");
    s
}

fn run_meta_items(run: &RunData) -> Vec<(&'static str, String)> {
    let m = &run.meta;
    vec![
        ("trials", group_thousands(run.trials() as f64, 0)),
        ("seed", m.seed.map(|s| s.to_string()).unwrap_or_default()),
        (
            "period",
            if m.start_quarter.is_empty() {
                String::new()
            } else {
                format!("{} – {}", m.start_quarter, m.end_quarter)
            },
        ),
        ("chipsim", m.chipsim_version.clone()),
        (
            "output format",
            m.output_format_version
                .map(|v| v.to_string())
                .unwrap_or_default(),
        ),
        ("run started", m.started_at.clone()),
        (
            "run time",
            m.elapsed_seconds
                .map(|e| format!("{e:.1} s"))
                .unwrap_or_default(),
        ),
    ]
}

/// The HTML of a run's report (see [`write_run_report`]).
pub fn run_report_html(run_dir: &Path) -> Result<String> {
    let run = RunData::load(run_dir)?;
    let trials = charts::load_trial_outcomes(&run, CHART_SPECS)?;
    let svgs = charts::render_run_svgs(&run, &trials, Size::default())?;
    let scenario = run.scenario();
    let mut b = String::new();
    let _ = writeln!(b, "<header>\n<h1>{}</h1>", esc(&scenario));
    if !run.meta.description.is_empty() {
        let _ = writeln!(b, "<p class=\"lead\">{}</p>", esc(&run.meta.description));
    }
    b.push_str(&meta_list(&run_meta_items(&run)));
    b.push_str("</header>\n");

    // Table of contents.
    b.push_str("<nav><a href=\"#parameters\">Key parameters</a><a href=\"#summary\">Summary</a>");
    let mut seen = Vec::new();
    for c in &svgs {
        if let Some(spec) = CHART_SPECS.iter().find(|s| s.name == c.name) {
            let sec = section_of(&spec.kind);
            if !seen.contains(&sec) {
                seen.push(sec);
                let _ = write!(b, "<a href=\"#{}\">{}</a>", anchor(sec), esc(sec));
            }
        }
    }
    b.push_str("</nav>\n");

    // Parameters.
    b.push_str("<section id=\"parameters\">\n<h2>Key parameters</h2>\n");
    match run.resolved_toml() {
        Some(text) => {
            match text.parse::<toml::Table>() {
                Ok(doc) => {
                    let params = key_parameters(&doc);
                    if params.is_empty() {
                        b.push_str("<p>The scenario has no <code>[program]</code>, <code>[sources]</code> or <code>[regions]</code> tables.</p>\n");
                    } else {
                        b.push_str("<p>Leaves of the <code>[program]</code>, <code>[sources.*]</code> and <code>[regions.*]</code> tables of the resolved scenario (after inheritance). Uncertain inputs are shown as their distributions.</p>\n");
                        b.push_str(&params_table(&params));
                    }
                }
                Err(e) => {
                    let _ = writeln!(
                        b,
                        "<p class=\"warn\">scenario.resolved.toml could not be read: {}</p>",
                        esc(&e.to_string())
                    );
                }
            }
            let _ = writeln!(
                b,
                "<details><summary>The whole resolved scenario (scenario.resolved.toml)</summary>\n<pre>{}</pre>\n</details>",
                esc(&text)
            );
        }
        None => b.push_str("<p>This run folder has no <code>scenario.resolved.toml</code>.</p>\n"),
    }
    b.push_str("</section>\n");

    // Summary.
    b.push_str("<section id=\"summary\">\n<h2>Summary of outcomes</h2>\n");
    if run.summary.is_empty() {
        b.push_str("<p>This run folder has no <code>summary.csv</code>.</p>\n");
    } else {
        let _ = writeln!(
            b,
            "<p>One row per per-trial outcome (<code>summary.csv</code>). Statistics are over the trials in which the outcome happened; “happened in” is the share of the {} trials.</p>",
            group_thousands(run.trials() as f64, 0)
        );
        b.push_str(&summary_table(&run));
    }
    b.push_str("</section>\n");

    // Charts, grouped by kind.
    let mut current = "";
    for c in &svgs {
        let Some(spec) = CHART_SPECS.iter().find(|s| s.name == c.name) else {
            continue;
        };
        let sec = section_of(&spec.kind);
        if sec != current {
            if !current.is_empty() {
                b.push_str("</section>\n");
            }
            current = sec;
            let _ = writeln!(b, "<section id=\"{}\">\n<h2>{}</h2>", anchor(sec), esc(sec));
        }
        b.push_str(&figure(&run.dir, &c.name, &c.title, &c.svg));
    }
    if !current.is_empty() {
        b.push_str("</section>\n");
    }
    let _ = writeln!(
        b,
        "<footer>Generated by chipsim {} from <code>{}</code>. Charts are also in <code>charts/</code> as PNG and SVG.</footer>",
        esc(if run.meta.chipsim_version.is_empty() { env!("CARGO_PKG_VERSION") } else { &run.meta.chipsim_version }),
        esc(&run.dir.display().to_string())
    );
    Ok(page(&format!("chipsim — {scenario}"), &b))
}

fn anchor(section: &str) -> String {
    section
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn figure(dir: &Path, name: &str, title: &str, svg: &str) -> String {
    let mut links = Vec::new();
    for ext in ["png", "svg"] {
        if dir.join("charts").join(format!("{name}.{ext}")).exists() {
            links.push(format!(
                "<a href=\"charts/{}.{ext}\">{}</a>",
                esc(name),
                ext.to_uppercase()
            ));
        }
    }
    let caption = if links.is_empty() {
        String::new()
    } else {
        format!("\n<figcaption>Download: {}</figcaption>", links.join(" · "))
    };
    format!(
        "<figure id=\"chart-{}\">\n{}{caption}\n</figure>\n",
        esc(name),
        inline_svg(svg, title),
    )
}

/// Writes `<run_dir>/report.html`: the scenario's description and key parameters (leaves of
/// `[program]`, `[sources.*]`, `[regions.*]`, plus the whole resolved TOML folded away), the
/// summary table and every chart as inline SVG. Charts are drawn afresh from the run's files;
/// links to `charts/*.png|svg` are added when those files exist (see [`charts::render_run`]).
pub fn write_run_report(run_dir: &Path) -> Result<PathBuf> {
    let html = run_report_html(run_dir)?;
    let path = run_dir.join("report.html");
    write_file(&path, &html)?;
    Ok(path)
}

/// A difference of two values of `unit`: years in years, shares in percentage points.
fn signed(unit: Unit, v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let sign = if v > 0.0 { "+" } else { "-" };
    let a = v.abs();
    let s = match unit {
        Unit::Year => {
            let t = format!("{a:.2}");
            format!("{} yr", t.trim_end_matches('0').trim_end_matches('.'))
        }
        Unit::Share | Unit::Rate => format!("{:.1} pp", a * 100.0),
        _ => format_unit_value(unit, a),
    };
    format!("{sign}{s}")
}

/// The two table cells of a paired difference: its median, and its 90% interval (P5 to P95);
/// the number of paired trials is in the cells' tooltip. "–" when there is none.
fn paired_cells(unit: Unit, p: Option<&crate::compare::PairedDiff>) -> (String, String) {
    let dash = || "<td class=\"num\">–</td>".to_string();
    let Some(p) = p else {
        return (dash(), dash());
    };
    let title = format!(
        " title=\"over {} paired trials\"",
        group_thousands(p.count as f64, 0)
    );
    let median = match p.p50 {
        Some(v) => format!("<td class=\"num\"{title}>{}</td>", esc(&signed(unit, v))),
        None => dash(),
    };
    let interval = match (p.p5, p.p95) {
        (Some(lo), Some(hi)) => format!(
            "<td class=\"num\"{title}>{} to {}</td>",
            esc(&signed(unit, lo)),
            esc(&signed(unit, hi))
        ),
        _ => dash(),
    };
    (median, interval)
}

/// The HTML of a comparison report (see [`write_compare_report`]).
pub fn compare_report_html(out_dir: &Path, outcome: &CompareOutcome) -> Result<String> {
    let mut b = String::from("<header>\n<h1>Scenario comparison</h1>\n");
    let _ = writeln!(
        b,
        "<p class=\"lead\">{} scenarios: {}.</p>",
        outcome.runs.len(),
        outcome
            .runs
            .iter()
            .map(|r| esc(&r.label))
            .collect::<Vec<_>>()
            .join(", ")
    );
    b.push_str("</header>\n");
    b.push_str("<nav><a href=\"#scenarios\">Scenarios</a><a href=\"#differences\">What differs</a><a href=\"#table\">Comparison table</a><a href=\"#charts\">Charts</a></nav>\n");

    if outcome.common_random_numbers {
        let seed = outcome.runs.first().and_then(|r| r.meta.seed).unwrap_or(0);
        let _ = writeln!(
            b,
            "<div class=\"note\"><b>Common random numbers.</b> Every run used seed {seed}: trial <i>i</i> of each scenario drew the same random stream, so the differences between scenarios come from their parameters, not from sampling noise.</div>"
        );
    }
    if !outcome.warnings.is_empty() {
        b.push_str("<div class=\"warn\"><b>Read with care:</b><ul>");
        for w in &outcome.warnings {
            let _ = write!(b, "<li>{}</li>", esc(w));
        }
        b.push_str("</ul></div>\n");
    }

    // Scenarios.
    b.push_str("<section id=\"scenarios\">\n<h2>Scenarios</h2>\n<table>\n<tr><th>Scenario</th><th>Description</th><th class=\"num\">Trials</th><th class=\"num\">Seed</th><th>Period</th><th>Run folder</th></tr>\n");
    let mut docs = Vec::new();
    for r in &outcome.runs {
        let _ = writeln!(
            b,
            "<tr><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&r.color),
            esc(&r.label),
            esc(&r.meta.description),
            r.meta.trials.map(|t| group_thousands(t as f64, 0)).unwrap_or_default(),
            r.meta.seed.map(|s| s.to_string()).unwrap_or_default(),
            esc(&format!("{} – {}", r.meta.start_quarter, r.meta.end_quarter)),
            esc(&r.dir.display().to_string()),
        );
        let doc = std::fs::read_to_string(r.dir.join("scenario.resolved.toml"))
            .ok()
            .and_then(|t| t.parse::<toml::Table>().ok());
        docs.push(doc);
    }
    b.push_str("</table>\n</section>\n");

    // What differs.
    b.push_str("<section id=\"differences\">\n<h2>What differs</h2>\n");
    let leaves: Vec<Option<Vec<(String, String)>>> =
        docs.iter().map(|d| d.as_ref().map(all_leaves)).collect();
    if leaves.iter().any(|l| l.is_none()) {
        b.push_str("<p>Some runs have no readable <code>scenario.resolved.toml</code>; their parameters are not compared.</p>\n");
    }
    let mut keys: Vec<String> = Vec::new();
    let mut key_set = BTreeSet::new();
    for (k, _) in leaves.iter().flatten().flatten() {
        if key_set.insert(k.clone()) {
            keys.push(k.clone());
        }
    }
    let differing: Vec<&String> = keys
        .iter()
        .filter(|k| !matches!(k.as_str(), "name" | "description"))
        .filter(|k| {
            let vals: Vec<Option<&String>> = leaves
                .iter()
                .flatten()
                .map(|l| l.iter().find(|(kk, _)| kk == *k).map(|(_, v)| v))
                .collect();
            vals.iter().any(|v| *v != vals[0])
        })
        .collect();
    if differing.is_empty() {
        b.push_str("<p>The resolved scenarios have the same parameters (apart from name and description).</p>\n");
    } else {
        b.push_str("<p>Parameters of the resolved scenarios whose values differ between runs.</p>\n<table>\n<tr><th>Parameter</th>");
        for r in &outcome.runs {
            let _ = write!(
                b,
                "<th><span class=\"swatch\" style=\"background:{}\"></span>{}</th>",
                esc(&r.color),
                esc(&r.label)
            );
        }
        b.push_str("</tr>\n");
        for k in differing {
            let _ = write!(b, "<tr><td class=\"key\">{}</td>", esc(k));
            for l in &leaves {
                let v = l
                    .as_ref()
                    .and_then(|l| l.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.clone()))
                    .unwrap_or_else(|| "–".into());
                let _ = write!(b, "<td><code>{}</code></td>", esc(&v));
            }
            b.push_str("</tr>\n");
        }
        b.push_str("</table>\n");
    }
    b.push_str("</section>\n");

    // Table.
    b.push_str("<section id=\"table\">\n<h2>Comparison table</h2>\n");
    let quarter_note = outcome
        .compared_quarter
        .map(|q| format!(" Time series are compared at {q}, the last quarter all runs share (their rows are named <code>metric@{q}</code>)."))
        .unwrap_or_default();
    let _ = writeln!(
        b,
        "<p>Medians and 90% intervals; “Δ median” is the difference to the first scenario ({}). Per-trial outcomes are over the trials in which they happened.{quarter_note} The same numbers are in <code>comparison.csv</code>.</p>",
        esc(outcome.runs.first().map(|r| r.label.as_str()).unwrap_or(""))
    );
    let _ = writeln!(
        b,
        "<p>“Paired Δ” is computed trial by trial under common random numbers: the median and 90% interval (P5 to P95) over trials of this scenario's value minus {}'s value in the same trial, over the trials in which both have a value; it is shown only when the runs share seed and trial count.</p>",
        esc(outcome.runs.first().map(|r| r.label.as_str()).unwrap_or("the first scenario"))
    );
    b.push_str("<table>\n<tr><th>Metric</th><th>Scenario</th><th class=\"num\">P5</th><th class=\"num\">Median</th><th class=\"num\">P95</th><th class=\"num\">Δ median</th><th class=\"num\">Paired Δ median</th><th class=\"num\">Paired Δ 90% interval</th></tr>\n");
    let mut last_metric = "";
    for r in &outcome.rows {
        let base = r.metric.split('@').next().unwrap_or(&r.metric);
        let unit = unit_of(base);
        let color = outcome
            .runs
            .iter()
            .find(|x| x.label == r.scenario)
            .map(|x| x.color.clone())
            .unwrap_or_default();
        let metric_cell = if r.metric != last_metric {
            format!(
                "{}<span class=\"sub key\">{}</span>",
                esc(&metric_label(base)),
                esc(&r.metric)
            )
        } else {
            String::new()
        };
        last_metric = &r.metric;
        let f = |v: Option<f64>| {
            v.map(|v| esc(&format_unit_value(unit, v)))
                .unwrap_or_else(|| "–".into())
        };
        let (paired_median, paired_interval) = paired_cells(unit, r.paired.as_ref());
        let _ = writeln!(
            b,
            "<tr><td>{metric_cell}</td><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{paired_median}{paired_interval}</tr>",
            esc(&color),
            esc(&r.scenario),
            f(r.p5),
            f(r.p50),
            f(r.p95),
            r.p50_diff_vs_first.map(|d| esc(&signed(unit, d))).unwrap_or_else(|| "–".into()),
        );
    }
    b.push_str("</table>\n</section>\n");

    // Charts.
    b.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
    for c in &outcome.charts {
        let svg = std::fs::read_to_string(&c.svg)
            .map_err(|e| Error::io(format!("reading {}", c.svg.display()), e))?;
        b.push_str(&figure(out_dir, &c.metric_stem(), &c.title, &svg));
    }
    b.push_str("</section>\n");
    let _ = writeln!(
        b,
        "<footer>Generated by chipsim {}. Charts are also in <code>charts/</code> as PNG and SVG.</footer>",
        env!("CARGO_PKG_VERSION")
    );
    Ok(page("chipsim — scenario comparison", &b))
}

/// Writes `<out_dir>/report.html` for a comparison made by [`crate::compare::compare_runs`]:
/// the scenarios (with their colours), a note on common random numbers, any warnings, the
/// parameters that differ between the resolved scenarios, the comparison table and every
/// comparison chart as inline SVG.
pub fn write_compare_report(out_dir: &Path, outcome: &CompareOutcome) -> Result<PathBuf> {
    let html = compare_report_html(out_dir, outcome)?;
    let path = out_dir.join("report.html");
    write_file(&path, &html)?;
    Ok(path)
}

trait Stem {
    fn metric_stem(&self) -> String;
}

impl Stem for crate::compare::ComparedChart {
    fn metric_stem(&self) -> String {
        self.svg
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_defangs_addresses() {
        assert_eq!(
            esc("<a href=\"https://x\">"),
            "&lt;a href=&quot;https&#58;//x&quot;&gt;"
        );
    }

    #[test]
    fn distributions_are_shown_inline() {
        let doc: toml::Table = r#"
[program]
size_usd_bn = { dist = "uniform", low = 5000, high = 7000 }
honoured_share = { pert = [0.3, 0.8, 1.0], lambda = 4 }
debt_share = 0.6
[program.allocation]
logic_share = 0.75
[sources.uae]
instrument = "equity"
[regions.us]
construction_months = { min = 30, mode = 38, max = 54 }
"#
        .parse()
        .unwrap();
        let p = key_parameters(&doc);
        let rows: Vec<(String, String, String)> =
            p.into_iter().map(|p| (p.section, p.key, p.value)).collect();
        assert_eq!(
            rows,
            vec![
                (
                    "program".into(),
                    "size_usd_bn".into(),
                    "uniform(low = 5000, high = 7000)".into()
                ),
                (
                    "program".into(),
                    "honoured_share".into(),
                    "pert(0.3, 0.8, 1.0, lambda = 4)".into()
                ),
                ("program".into(), "debt_share".into(), "0.6".into()),
                (
                    "program".into(),
                    "allocation.logic_share".into(),
                    "0.75".into()
                ),
                ("sources.uae".into(), "instrument".into(), "equity".into()),
                (
                    "regions.us".into(),
                    "construction_months".into(),
                    "{ min = 30, mode = 38, max = 54 }".into()
                ),
            ]
        );
    }

    #[test]
    fn differences() {
        assert_eq!(signed(Unit::Year, 0.75), "+0.75 yr");
        assert_eq!(signed(Unit::Year, -1.0), "-1 yr");
        assert_eq!(signed(Unit::Share, 0.012), "+1.2 pp");
        assert_eq!(signed(Unit::UsdBn, -1500.0), "-$1.50tn");
        assert_eq!(signed(Unit::Count, 0.0), "0");
    }

    #[test]
    fn paired_difference_cells() {
        let p = crate::compare::PairedDiff {
            p5: Some(-1.5),
            p50: Some(-0.5),
            p95: Some(0.0),
            count: 1200,
        };
        let (m, i) = paired_cells(Unit::Year, Some(&p));
        assert_eq!(
            m,
            "<td class=\"num\" title=\"over 1,200 paired trials\">-0.5 yr</td>"
        );
        assert_eq!(
            i,
            "<td class=\"num\" title=\"over 1,200 paired trials\">-1.5 yr to 0</td>"
        );
        let (m, i) = paired_cells(Unit::Year, None);
        assert_eq!(
            (m.as_str(), i.as_str()),
            ("<td class=\"num\">–</td>", "<td class=\"num\">–</td>")
        );
    }

    #[test]
    fn svg_inlining_drops_namespace() {
        let s = inline_svg(
            "<svg width=\"10\" xmlns=\"http://www.w3.org/2000/svg\">\n</svg>",
            "T",
        );
        assert!(!s.contains("http"));
        assert!(s.starts_with("<svg role=\"img\" aria-label=\"T\" width=\"10\">"));
    }
}
