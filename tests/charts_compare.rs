//! Scenario comparison through the library API, on synthetic run folders.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use chipsim::charts::demo::{write_demo_run, DemoRun};
use chipsim::charts::Quarter;
use chipsim::compare::compare_runs;

fn run(dir: &Path, name: &str, size: f64, f: impl FnOnce(&mut DemoRun)) -> PathBuf {
    let mut o = DemoRun {
        scenario: name.into(),
        trials: 200,
        program_usd_bn: size,
        ..DemoRun::default()
    };
    f(&mut o);
    write_demo_run(dir, &o).unwrap()
}

type Csv = Vec<HashMap<String, String>>;

fn read_csv(path: &Path) -> (Vec<String>, Csv) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect();
    (headers, rows)
}

fn num(s: &str) -> Option<f64> {
    (!s.is_empty()).then(|| s.parse().unwrap())
}

#[test]
fn comparison_csv_matches_the_summary_files() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run(tmp.path(), "big", 7000.0, |_| {});
    let b = run(tmp.path(), "small", 500.0, |_| {});
    let out = tmp.path().join("cmp");
    fs::create_dir_all(&out).unwrap();
    let outcome = compare_runs(&[a.clone(), b.clone()], None, &out).unwrap();
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    assert!(outcome.common_random_numbers);
    assert_eq!(outcome.runs[0].label, "big");
    assert_eq!(outcome.runs[1].label, "small");

    let (headers, rows) = read_csv(&out.join("comparison.csv"));
    assert_eq!(
        headers,
        [
            "metric",
            "scenario",
            "p5",
            "p50",
            "p95",
            "p50_diff_vs_first"
        ]
    );
    let (_, sa) = read_csv(&a.join("summary.csv"));
    let (_, sb) = read_csv(&b.join("summary.csv"));
    let find = |s: &Csv, m: &str| s.iter().find(|r| r["metric"] == m).cloned();
    let mut checked = 0;
    for row in &rows {
        let m = &row["metric"];
        if m.contains('@') {
            continue;
        }
        let src = if row["scenario"] == "big" { &sa } else { &sb };
        let s = find(src, m).unwrap_or_else(|| panic!("{m} not in summary"));
        for q in ["p5", "p50", "p95"] {
            assert_eq!(num(&row[q]), num(&s[q]), "{m} {q}");
        }
        let first = find(&sa, m).unwrap();
        let want = match (num(&s["p50"]), num(&first["p50"])) {
            (Some(x), Some(y)) => Some(x - y),
            _ => None,
        };
        assert_eq!(num(&row["p50_diff_vs_first"]), want, "{m}");
        if row["scenario"] == "big" {
            assert_eq!(num(&row["p50_diff_vs_first"]), Some(0.0));
        }
        checked += 1;
    }
    assert!(checked >= 10, "{checked} summary rows");
    // Time series are compared at the last shared quarter.
    assert_eq!(outcome.compared_quarter, Some(Quarter { year: 2040, q: 4 }));
    assert!(rows
        .iter()
        .any(|r| r["metric"] == "program_capacity_wspm@2040Q4" && r["scenario"] == "small"));
    // One chart per metric, PNG and SVG.
    assert_eq!(outcome.charts.len(), outcome.metrics.len());
    for c in &outcome.charts {
        assert!(c.png.exists() && c.svg.exists(), "{}", c.metric);
        let svg = fs::read_to_string(&c.svg).unwrap();
        assert!(svg.contains("big") && svg.contains("small"), "legend");
    }
}

#[test]
fn identical_runs_differ_by_exactly_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run(tmp.path(), "one", 7000.0, |_| {});
    let b = run(tmp.path(), "two", 7000.0, |_| {});
    let out = tmp.path().join("cmp");
    let outcome = compare_runs(&[a, b], None, &out).unwrap();
    assert!(!outcome.rows.is_empty());
    for r in &outcome.rows {
        if let Some(d) = r.p50_diff_vs_first {
            assert_eq!(d, 0.0, "{} {}", r.metric, r.scenario);
        }
    }
}

#[test]
fn named_metrics_and_unknown_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run(tmp.path(), "a", 7000.0, |_| {});
    let b = run(tmp.path(), "b", 5000.0, |_| {});
    let out = tmp.path().join("cmp");
    let metrics = vec!["fabs_completed".to_string(), "hhi_leading_edge".to_string()];
    let outcome = compare_runs(&[a.clone(), b.clone()], Some(&metrics), &out).unwrap();
    assert_eq!(outcome.metrics, metrics);
    assert_eq!(outcome.rows.len(), 4);
    assert!(out.join("charts/fabs_completed.png").exists());
    assert!(out.join("charts/hhi_leading_edge.svg").exists());

    let bad = vec!["fabs_complete".to_string()];
    let err = compare_runs(&[a, b], Some(&bad), &out).unwrap_err();
    assert!(err.is_input(), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("fabs_complete"), "{msg}");
    assert!(msg.contains("did you mean"), "{msg}");
}

#[test]
fn different_output_format_versions_are_an_input_error() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run(tmp.path(), "v1", 7000.0, |_| {});
    let b = run(tmp.path(), "v2", 7000.0, |o| o.output_format_version = 2);
    let err = compare_runs(&[a, b], None, &tmp.path().join("cmp")).unwrap_err();
    assert!(err.is_input(), "{err}");
    assert!(err.to_string().contains("output_format_version"), "{err}");
}

#[test]
fn different_horizons_trials_and_seeds_warn() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run(tmp.path(), "long", 7000.0, |_| {});
    let b = run(tmp.path(), "short", 7000.0, |o| {
        o.end = Quarter { year: 2035, q: 4 };
        o.trials = 100;
        o.seed = 7;
    });
    let out = tmp.path().join("cmp");
    let outcome = compare_runs(&[a, b], None, &out).unwrap();
    let w = outcome.warnings.join("\n");
    assert!(w.contains("different periods"), "{w}");
    assert!(w.contains("2024Q1–2035Q4"), "{w}");
    assert!(w.contains("different trial counts"), "{w}");
    assert!(w.contains("different seeds"), "{w}");
    assert!(!outcome.common_random_numbers);
    assert_eq!(outcome.compared_quarter, Some(Quarter { year: 2035, q: 4 }));
    assert!(outcome
        .rows
        .iter()
        .any(|r| r.metric == "program_capacity_wspm@2035Q4"));
}

#[test]
fn same_scenario_name_twice_gets_distinct_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run(&tmp.path().join("x"), "same", 7000.0, |_| {});
    let b = run(&tmp.path().join("y"), "same", 5000.0, |_| {});
    let outcome = compare_runs(&[a, b], None, &tmp.path().join("cmp")).unwrap();
    assert_ne!(outcome.runs[0].label, outcome.runs[1].label);
    assert_ne!(outcome.runs[0].color, outcome.runs[1].color);
}

#[test]
fn no_runs_is_an_input_error() {
    let tmp = tempfile::tempdir().unwrap();
    let err = compare_runs(&[], None, tmp.path()).unwrap_err();
    assert!(err.is_input());
}
