//! HTML reports of a run and of a comparison: self-contained, no network references.

use std::fs;
use std::path::Path;

use chipsim::charts::demo::{write_demo_run, DemoRun};
use chipsim::{charts, compare, report};

fn assert_self_contained(html: &str) {
    for bad in [
        "http://", "https://", "<script", "<link", "@import", "url(", "<img", "<iframe",
    ] {
        assert!(!html.contains(bad), "report contains `{bad}`");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
}

fn demo(dir: &Path, name: &str, size: f64, description: &str) -> std::path::PathBuf {
    write_demo_run(
        dir,
        &DemoRun {
            scenario: name.into(),
            description: description.into(),
            trials: 200,
            program_usd_bn: size,
            ..DemoRun::default()
        },
    )
    .unwrap()
}

#[test]
fn run_report_is_self_contained_and_complete() {
    let tmp = tempfile::tempdir().unwrap();
    // A web address and markup in user text must not become a link, a fetch or markup.
    let run = demo(
        tmp.path(),
        "altman-7t",
        7000.0,
        "The $7tn plan <b>as reported</b>, see https://example.com/article",
    );
    charts::render_run(&run).unwrap();
    let path = report::write_run_report(&run).unwrap();
    assert_eq!(path, run.join("report.html"));
    let html = fs::read_to_string(&path).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("&lt;b&gt;as reported&lt;/b&gt;"));
    assert!(html.contains("example.com/article"));
    // Parameters: leaves of [program], [sources.*], [regions.*], and the whole TOML.
    for key in [
        "size_usd_bn",
        "uniform(5600, 7000)",
        "[sources.uae_sovereign]",
        "[regions.us]",
        "construction_months",
    ] {
        assert!(html.contains(key), "parameter `{key}`");
    }
    assert!(
        !html.contains("[events.taiwan_blockade]</td>"),
        "events are not key parameters"
    );
    assert!(html.contains("<details>") && html.contains("probability_per_year"));
    // Summary table and charts.
    for m in ["first_output_year", "total_raised_usd_bn", "Happened in"] {
        assert!(html.contains(m), "summary `{m}`");
    }
    let n_svg = html.matches("<svg ").count();
    assert_eq!(
        n_svg, 19,
        "inline charts: every chart this run has data for"
    );
    assert!(html.contains("Leading-edge capacity: program vs incumbents"));
    assert!(html.contains("href=\"charts/fan_capacity.png\""));
}

#[test]
fn run_report_without_chart_files_or_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo(tmp.path(), "bare", 500.0, "");
    fs::remove_file(run.join("scenario.resolved.toml")).unwrap();
    let html = fs::read_to_string(report::write_run_report(&run).unwrap()).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("no <code>scenario.resolved.toml</code>"));
    assert!(html.contains("<svg "), "charts are drawn in memory");
    assert!(
        !html.contains("href=\"charts/"),
        "no links to files that do not exist"
    );
}

#[test]
fn compare_report_is_self_contained() {
    let tmp = tempfile::tempdir().unwrap();
    let a = demo(tmp.path(), "seven", 7000.0, "big");
    let b = demo(tmp.path(), "five", 5000.0, "smaller");
    let out = tmp.path().join("cmp");
    let outcome = compare::compare_runs(&[a, b], None, &out).unwrap();
    let path = report::write_compare_report(&out, &outcome).unwrap();
    let html = fs::read_to_string(path).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("Common random numbers"));
    assert!(html.contains("What differs"));
    assert!(
        html.contains("program.size_usd_bn"),
        "differing parameter listed"
    );
    assert!(html.contains("seven") && html.contains("five"));
    assert_eq!(html.matches("<svg ").count(), outcome.charts.len());
}
