//! Scenario comparison through the library API, on synthetic run folders, and paired
//! differences through the real `chipsim` binary.

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
            "p50_diff_vs_first",
            "paired_diff_p5",
            "paired_diff_p50",
            "paired_diff_p95",
            "paired_diff_count"
        ]
    );
    // Same seed and trial count: every per-trial outcome of the second run is paired with the
    // first; the first run's and time series' paired cells are empty.
    assert_eq!(outcome.paired_with_first, [false, true]);
    for row in &rows {
        let paired = [
            "paired_diff_p5",
            "paired_diff_p50",
            "paired_diff_p95",
            "paired_diff_count",
        ];
        let empty = paired.iter().all(|c| row[*c].is_empty());
        if row["scenario"] == "big" || row["metric"].contains('@') {
            assert!(empty, "{row:?}");
        } else {
            assert!(!row["paired_diff_count"].is_empty(), "{row:?}");
        }
    }
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
        // Same seed, same parameters: every paired difference is exactly 0.
        if let Some(p) = r.paired {
            assert_eq!(r.scenario, "two");
            assert_eq!(
                (p.p5, p.p50, p.p95),
                (Some(0.0), Some(0.0), Some(0.0)),
                "{}",
                r.metric
            );
            assert!(p.count > 0, "{}", r.metric);
        }
    }
    assert!(outcome.rows.iter().any(|r| r.paired.is_some()));
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
    assert!(w.contains("paired differences"), "{w}");
    assert!(!outcome.common_random_numbers);
    assert_eq!(outcome.paired_with_first, [false, false]);
    assert!(outcome.rows.iter().all(|r| r.paired.is_none()));
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

// ---------------------------------------------------------------------------------------------
// Paired differences through the real binary.

fn chipsim() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("chipsim").expect("binary builds")
}

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// A scenario file named `name` that only extends `scenarios/altman-7t.toml`, plus `extra`.
fn variant(dir: &Path, name: &str, extra: &str) -> PathBuf {
    let base = repo("scenarios/altman-7t.toml");
    let text = format!(
        "extends = {:?}\nname = {name:?}\n{extra}",
        base.display().to_string()
    );
    let path = dir.join(format!("{name}.toml"));
    fs::write(&path, text).unwrap();
    path
}

/// `chipsim run altman-7t` with a seed, few trials and no charts, into `out`.
fn run_cli(out: &Path, trials: u64, seed: u64, sets: &[&str]) -> PathBuf {
    let mut cmd = chipsim();
    cmd.args(["run", "--quiet", "--no-charts", "--trials"])
        .arg(trials.to_string())
        .arg("--seed")
        .arg(seed.to_string())
        .arg("--out")
        .arg(out);
    for s in sets {
        cmd.args(["--set", s]);
    }
    cmd.arg(repo("scenarios/altman-7t.toml")).assert().success();
    out.join("altman-7t")
}

const PAIRED: [&str; 4] = [
    "paired_diff_p5",
    "paired_diff_p50",
    "paired_diff_p95",
    "paired_diff_count",
];

/// Exact lower nearest-rank quantile (the method of summary.csv): r = max(1, ⌈q·n⌉).
fn lower_nearest_rank(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let r = ((q * n as f64 * (1.0 - 1e-12)).ceil() as usize).clamp(1, n);
    sorted[r - 1]
}

/// Paired differences `b − a` of one column of two trials.csv, over trials where both have a
/// value, sorted.
fn exact_paired(a: &Path, b: &Path, metric: &str) -> Vec<f64> {
    let (_, ta) = read_csv(&a.join("trials.csv"));
    let (_, tb) = read_csv(&b.join("trials.csv"));
    assert_eq!(ta.len(), tb.len());
    let mut d: Vec<f64> = ta
        .iter()
        .zip(&tb)
        .filter_map(|(x, y)| {
            assert_eq!(x["trial"], y["trial"]);
            Some(num(&y[metric])? - num(&x[metric])?)
        })
        .collect();
    d.sort_by(f64::total_cmp);
    d
}

#[test]
fn identical_scenario_files_have_paired_differences_of_exactly_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let a = variant(tmp.path(), "twin-a", "");
    let b = variant(tmp.path(), "twin-b", "");
    let out = tmp.path().join("cmp");
    let trials = 200;
    let assert = chipsim()
        .args(["compare", "--quiet", "--trials", "200", "--seed", "3"])
        .args([
            "--metrics",
            "total_raised_usd_bn,fabs_completed,first_output_year,default_year,program_capacity_wspm",
        ])
        .arg("--out")
        .arg(&out)
        .arg(&a)
        .arg(&b)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(!stderr.contains("paired"), "{stderr}");

    let (headers, rows) = read_csv(&out.join("comparison.csv"));
    assert_eq!(&headers[6..], PAIRED);
    let summary_b = read_csv(&out.join("runs/twin-b/summary.csv")).1;
    let mut checked = 0;
    for row in &rows {
        let m = &row["metric"];
        if row["scenario"] == "twin-a" || m.contains('@') {
            assert!(PAIRED.iter().all(|c| row[*c].is_empty()), "{row:?}");
            continue;
        }
        for c in ["paired_diff_p5", "paired_diff_p50", "paired_diff_p95"] {
            assert_eq!(row[c], "0", "{m} {c}");
        }
        // Count = trials in which both have a value = the outcome's count (same trials).
        let count = &summary_b.iter().find(|s| &s["metric"] == m).unwrap()["count"];
        assert_eq!(&row["paired_diff_count"], count, "{m}");
        checked += 1;
    }
    assert_eq!(checked, 4);
    // An always-present outcome counts every trial.
    let raised = rows
        .iter()
        .find(|r| r["metric"] == "total_raised_usd_bn" && r["scenario"] == "twin-b")
        .unwrap();
    assert_eq!(raised["paired_diff_count"], trials.to_string());

    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("Paired Δ median"),
        "report shows paired differences"
    );
    assert!(html.contains("Paired Δ 90% interval"));
}

#[test]
fn paired_differences_of_a_set_change_match_the_trials() {
    let tmp = tempfile::tempdir().unwrap();
    let trials = 300;
    let base = run_cli(&tmp.path().join("base"), trials, 5, &[]);
    // Half the program's money: less raised, less spent, fewer fabs, trial by trial.
    let half = run_cli(
        &tmp.path().join("half"),
        trials,
        5,
        &["program.size_usd_bn=3500"],
    );
    let out = tmp.path().join("cmp");
    let metrics = [
        "total_raised_usd_bn",
        "total_capex_usd_bn",
        "fabs_completed",
    ];
    let assert = chipsim()
        .args(["compare", "--quiet", "--metrics", &metrics.join(",")])
        .arg("--out")
        .arg(&out)
        .arg(&base)
        .arg(&half)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(!stderr.contains("paired"), "{stderr}");

    let (_, rows) = read_csv(&out.join("comparison.csv"));
    assert_eq!(rows.len(), 2 * metrics.len());
    for m in metrics {
        let mine: Vec<&HashMap<String, String>> =
            rows.iter().filter(|r| r["metric"] == m).collect();
        assert_eq!(mine.len(), 2);
        assert!(PAIRED.iter().all(|c| mine[0][*c].is_empty()), "first: {m}");
        let row = mine[1];
        let exact = exact_paired(&base, &half, m);
        assert_eq!(row["paired_diff_count"], exact.len().to_string(), "{m}");
        assert_eq!(exact.len() as u64, trials, "{m} is always present");
        let p50 = num(&row["paired_diff_p50"]).unwrap();
        assert!(p50 < 0.0, "{m}: halving the program lowers it ({p50})");
        for (c, q) in [
            ("paired_diff_p5", 0.05),
            ("paired_diff_p50", 0.5),
            ("paired_diff_p95", 0.95),
        ] {
            let got = num(&row[c]).unwrap();
            let want = lower_nearest_rank(&exact, q);
            if m == "fabs_completed" {
                // Counts are rounded like summary.csv: exact below 100.
                assert_eq!(got, want, "{m} {c}");
            } else {
                // The sketch's stated error: 0.5% of the exact value.
                assert!(
                    (got - want).abs() <= 0.005 * want.abs() + 1e-9,
                    "{m} {c}: {got} vs exact {want}"
                );
            }
        }
        // The paired interval holds the paired median.
        let lo = num(&row["paired_diff_p5"]).unwrap();
        let hi = num(&row["paired_diff_p95"]).unwrap();
        assert!(lo <= p50 && p50 <= hi, "{m}");
    }
}

#[test]
fn runs_with_different_seeds_are_not_paired() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run_cli(&tmp.path().join("s1"), 100, 1, &[]);
    let b = run_cli(&tmp.path().join("s2"), 100, 2, &[]);
    let out = tmp.path().join("cmp");
    let assert = chipsim()
        .args([
            "compare",
            "--quiet",
            "--metrics",
            "total_raised_usd_bn,fabs_completed",
        ])
        .arg("--out")
        .arg(&out)
        .arg(&a)
        .arg(&b)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(
        stderr.matches("paired differences").count(),
        1,
        "one warning: {stderr}"
    );
    assert!(
        stderr.contains("do not share the seed and trial count"),
        "{stderr}"
    );
    assert!(stderr.contains("not paired"), "{stderr}");
    let (headers, rows) = read_csv(&out.join("comparison.csv"));
    assert_eq!(&headers[6..], PAIRED);
    assert_eq!(rows.len(), 4);
    for row in &rows {
        assert!(PAIRED.iter().all(|c| row[*c].is_empty()), "{row:?}");
        // The difference of medians is still there.
        assert!(!row["p50_diff_vs_first"].is_empty(), "{row:?}");
    }
}
