//! Drives the real `chipsim` binary: outputs, reproducibility, a hand-computed timeline, and a
//! catalogue of bad inputs (each: exit code 2, a message naming file/line/key, nothing written).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn chipsim() -> Command {
    Command::cargo_bin("chipsim").expect("binary builds")
}

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// Reads timeseries.csv into metric → column values (one per quarter, in order).
fn timeseries(dir: &Path, column: &str) -> HashMap<String, Vec<String>> {
    let mut r = csv::Reader::from_path(dir.join("timeseries.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let col = headers.iter().position(|h| h == column).unwrap();
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        out.entry(rec[0].to_string())
            .or_default()
            .push(rec[col].to_string());
    }
    out
}

fn summary(dir: &Path) -> HashMap<String, csv::StringRecord> {
    let mut r = csv::Reader::from_path(dir.join("summary.csv")).unwrap();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (x[0].to_string(), x)
        })
        .collect()
}

#[test]
fn run_writes_every_output_file() {
    let out = tempfile::tempdir().unwrap();
    chipsim()
        .args(["run", "--trials", "200", "--quiet", "--out"])
        .arg(out.path())
        .arg(repo("scenarios/hundreds-of-billions.toml"))
        .assert()
        .success();
    let dir = out.path().join("hundreds-of-billions");
    for f in [
        "timeseries.csv",
        "summary.csv",
        "trials.csv",
        "scenario.resolved.toml",
        "run.json",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(json["trials"], 200);
    assert_eq!(json["scenario"], "hundreds-of-billions");
    let mut trials = csv::Reader::from_path(dir.join("trials.csv")).unwrap();
    let headers = trials.headers().unwrap().clone();
    assert_eq!(&headers[0], "trial");
    assert!(
        headers.iter().any(|h| h == "program.size_usd_bn"),
        "sampled inputs are columns"
    );
    assert_eq!(trials.records().count(), 200);
    // The resolved scenario is itself a valid, standalone scenario.
    chipsim()
        .arg("validate")
        .arg(dir.join("scenario.resolved.toml"))
        .assert()
        .success();
    // No staging folders are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn outputs_are_byte_identical_whatever_the_thread_count() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for (dir, threads) in [(&a, "1"), (&b, "2")] {
        chipsim()
            // 300 trials = 3 chunks, the last one partial.
            .args([
                "run",
                "--trials",
                "300",
                "--seed",
                "7",
                "--quiet",
                "--threads",
                threads,
                "--out",
            ])
            .arg(dir.path())
            .arg(repo("scenarios/altman-7t.toml"))
            .assert()
            .success();
    }
    for f in [
        "timeseries.csv",
        "summary.csv",
        "trials.csv",
        "scenario.resolved.toml",
    ] {
        let x = std::fs::read(a.path().join("altman-7t").join(f)).unwrap();
        let y = std::fs::read(b.path().join("altman-7t").join(f)).unwrap();
        assert!(x == y, "{f} differs between 1 and 2 threads");
    }
}

#[test]
fn a_different_seed_gives_different_results() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for (dir, seed) in [(&a, "1"), (&b, "2")] {
        chipsim()
            .args(["run", "--trials", "50", "--quiet", "--seed", seed, "--out"])
            .arg(dir.path())
            .arg(repo("scenarios/altman-5t.toml"))
            .assert()
            .success();
    }
    let x = std::fs::read(a.path().join("altman-5t/trials.csv")).unwrap();
    let y = std::fs::read(b.path().join("altman-5t/trials.csv")).unwrap();
    assert_ne!(x, y);
}

/// The fixed scenario tests/data/handcalc.toml, worked by hand:
/// $100bn paid in over 2024 ($25bn a quarter); fabs of 10k wspm at $2bn per kwspm = $20bn,
/// built in 2 quarters ($10bn a quarter), ramping over 2 quarters; one start slot a quarter.
/// q0: cash 25, funds 25 ≥ 20 → start A; A pays 10 (cash 15). Workforce binds.
/// q1: cash 40, funds 40 − 10 promised = 30 → start B; A pays 10 and completes; B pays 10 (cash 20).
/// q2: cash 45, funds 35 → C; B completes; cash 25. A produces at half capacity: 5k.
/// q3: cash 50, funds 40 → D; C completes; cash 30. A 10k + B 5k = 15k.
/// q4: cash 30, funds 30 − 10 = 20 → E; D completes; cash 10. 10 + 10 + 5 = 25k.
/// q5: cash 10, funds 0 → money binds; E completes; cash 0. 35k.  q6: 45k.  q7 on: 50k.
#[test]
fn fixed_scenario_matches_the_hand_computed_timeline() {
    let out = tempfile::tempdir().unwrap();
    chipsim()
        .args(["run", "--trials", "3", "--quiet", "--out"])
        .arg(out.path())
        .arg(repo("tests/data/handcalc.toml"))
        .assert()
        .success();
    let dir = out.path().join("handcalc");
    let ts = timeseries(&dir, "mean");
    let cap: Vec<f64> = ts["program_capacity_wspm"]
        .iter()
        .map(|x| x.parse().unwrap())
        .collect();
    let mut expected = vec![0.0, 0.0, 5000.0, 15000.0, 25000.0, 35000.0, 45000.0];
    expected.resize(16, 50000.0);
    assert_eq!(cap, expected);
    let started: Vec<&str> = ts["program_fabs_started"]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(&started[..7], ["1", "1", "1", "1", "1", "0", "0"]);
    let building: Vec<&str> = ts["program_fabs_under_construction"]
        .iter()
        .map(String::as_str)
        .collect();
    // A fab counts as under construction until the quarter before its first output.
    assert_eq!(&building[..7], ["1", "2", "2", "2", "2", "1", "0"]);
    let capex: Vec<&str> = ts["program_capex_cum_usd_bn"]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(&capex[..7], ["10", "30", "50", "70", "90", "100", "100"]);
    let work: Vec<&str> = ts["binding_workforce_share"]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(&work[..7], ["1", "1", "1", "1", "1", "0", "0"]);
    let money: Vec<&str> = ts["binding_money_share"]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(&money[..7], ["0", "0", "0", "0", "0", "1", "1"]);
    // Taiwan: incumbents' 100k wspm all in Taiwan, program in the US: 100/150 at the end.
    let tw: f64 = ts["taiwan_share_leading_edge"][15].parse().unwrap();
    assert!((tw - 100.0 / 150.0).abs() < 1e-12);
    let s = summary(&dir);
    let p50 = |m: &str| s[m][5].to_string();
    assert_eq!(p50("fabs_started"), "5");
    assert_eq!(p50("fabs_completed"), "5");
    assert_eq!(p50("first_output_year"), "2024.5");
    assert_eq!(p50("total_capex_usd_bn"), "100");
    assert_eq!(p50("unspent_usd_bn"), "0");
    assert_eq!(p50("binding_workforce_share"), (5.0f64 / 16.0).to_string());
    assert_eq!(p50("binding_money_share"), (11.0f64 / 16.0).to_string());
    assert_eq!(
        p50("tsmc_share_2030"),
        "",
        "window ends in 2027: outcome does not happen"
    );
    assert_eq!(
        &s["tsmc_share_2030"][10], "0",
        "count of trials where it happened"
    );
}

#[test]
fn extends_and_set_override_keys() {
    let out = tempfile::tempdir().unwrap();
    chipsim()
        .args([
            "run",
            "--trials",
            "2",
            "--quiet",
            "--set",
            "program.size_usd_bn=60",
            "--set",
            "name=\"smaller\"",
            "--out",
        ])
        .arg(out.path())
        .arg(repo("tests/data/handcalc.toml"))
        .assert()
        .success();
    let s = summary(&out.path().join("smaller"));
    // $60bn buys three $20bn fabs.
    assert_eq!(&s["fabs_started"][5], "3");
    let resolved =
        std::fs::read_to_string(out.path().join("smaller/scenario.resolved.toml")).unwrap();
    assert!(resolved.contains("size_usd_bn = 60"));
}

/// Writes `text` as a scenario in a temp dir (beside a copy of handcalc.toml to extend) and
/// returns the dir and path.
fn scenario_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(repo("tests/data/handcalc.toml"), d.path().join("base.toml")).unwrap();
    let p = d.path().join("bad.toml");
    std::fs::write(&p, text).unwrap();
    (d, p)
}

/// Runs `chipsim run` on bad input; asserts exit code 2, that stderr contains every `needle`,
/// and that nothing was written to the output folder.
fn assert_bad(path: &Path, sets: &[&str], needles: &[&str]) {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("results");
    let mut cmd = chipsim();
    cmd.args(["run", "--quiet", "--trials", "5", "--out"])
        .arg(&target);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let assert = cmd.arg(path).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    for n in needles {
        assert!(stderr.contains(n), "stderr lacks {n:?}:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!target.exists(), "output written despite bad input");
}

#[test]
fn bad_input_catalogue() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        // TOML syntax error: file and line.
        ("extends = \"base.toml\"\n[program\nsize_usd_bn = 5\n", &[], &["bad.toml:2", "valid TOML"]),
        // Wrong type.
        ("extends = \"base.toml\"\n[fabs.logic]\ncapacity_wspm = \"lots\"\n", &[], &["bad.toml:3:17", "fabs.logic.capacity_wspm", "a number, a 90% interval"]),
        // Must be positive.
        ("extends = \"base.toml\"\n[fabs.logic]\ncapacity_wspm = -5\n", &[], &["bad.toml:3", "fabs.logic.capacity_wspm", "greater than 0", "-5"]),
        // Share outside [0, 1].
        ("extends = \"base.toml\"\n[regions.us]\nplan_share = 1.5\n", &[], &["bad.toml:3", "regions.us.plan_share", "between 0 and 1"]),
        // Shares that must sum to 1.
        ("extends = \"base.toml\"\n[program.allocation]\nlogic_share = 0.5\nhbm_share = 0.2\n", &[], &["program.allocation", "sum to 1", "0.7"]),
        // Triangular out of order.
        ("extends = \"base.toml\"\n[fabs.logic]\ncapex_usd_bn_per_kwspm = { triangular = [5, 1, 3] }\n", &[], &["bad.toml:3", "fabs.logic.capex_usd_bn_per_kwspm"]),
        // Unknown operator name, with a suggestion.
        ("extends = \"base.toml\"\n[program.operators]\ntsmc = 0.0\ntsmcc = 1.0\n", &[], &["bad.toml:4", "program.operators.tsmcc", "did you mean `tsmc`"]),
        // Unknown key, with a suggestion.
        ("extends = \"base.toml\"\n[fabs.logic]\ncapex_usd_bn_per_kwsmp = 1\n", &[], &["bad.toml:3", "fabs.logic.capex_usd_bn_per_kwsmp", "unknown key", "did you mean `fabs.logic.capex_usd_bn_per_kwspm`"]),
        // A 90% interval with a bound ≤ 0.
        ("extends = \"base.toml\"\n[regions.us]\nconstruction_months = \"0 to 30\"\n", &[], &["bad.toml:3", "regions.us.construction_months"]),
        // Missing parent file.
        ("extends = \"nowhere.toml\"\n", &[], &["bad.toml:1", "extends", "nowhere.toml"]),
        // Unknown --set path.
        ("extends = \"base.toml\"\n", &["program.size_usd_bnn=5"], &["--set program.size_usd_bnn=5", "program.size_usd_bnn", "did you mean `program.size_usd_bn`"]),
        // --set value of the wrong type.
        ("extends = \"base.toml\"\n", &["program.size_usd_bn=[1, 2]"], &["--set program.size_usd_bn=[1, 2]", "program.size_usd_bn"]),
        // Bad quarter.
        ("extends = \"base.toml\"\n[time]\nend_quarter = \"2040Q5\"\n", &[], &["bad.toml:3", "time.end_quarter", "2031Q2"]),
        // An event effect naming a source on a knob that has none.
        ("extends = \"base.toml\"\n[events.rate_shock]\neffects = [{ knob = \"base_rate\", add = 1.0, source = \"x\" }]\n", &[], &["bad.toml:3", "events.rate_shock.effects[0].source", "honoured_share"]),
        // An unknown knob, with a suggestion.
        ("extends = \"base.toml\"\n[events.rate_shock]\neffects = [{ knob = \"base_rates\", add = 1.0 }]\n", &[], &["bad.toml:3", "events.rate_shock.effects[0].knob", "did you mean \"base_rate\""]),
        // A number far beyond any real quantity (its products overflow to ±∞).
        ("extends = \"base.toml\"\n", &["program.size_usd_bn=1e308"], &["--set program.size_usd_bn=1e308", "program.size_usd_bn", "magnitude at most 1e15"]),
        ("extends = \"base.toml\"\n", &["program.size_usd_bn={ uniform = [0, 1e300] }"], &["program.size_usd_bn", "magnitude at most 1e15"]),
        // A tiny share that passes validation but makes a result overflow: an input error naming
        // the metric, not a silently empty cell.
        ("extends = \"base.toml\"\n", &["market.utilization_share=1e-308"], &["bad.toml:1", "finite number", "cost_per_h100e_usd", "overflows"]),
        // [run] trials has the command line's limit.
        ("extends = \"base.toml\"\n[run]\ntrials = 9223372036854775807\n", &[], &["bad.toml:3", "run.trials", "from 1 to 1000000000"]),
        // A bad start quarter (reported once) with an end before the default start.
        ("extends = \"base.toml\"\n[time]\nstart_quarter = \"-5Q1\"\nend_quarter = \"2000Q4\"\n", &[], &["bad.toml:3", "time.start_quarter", "1 problem"]),
    ];
    for (text, sets, needles) in cases {
        let (_d, p) = scenario_file(text);
        assert_bad(&p, sets, needles);
    }
}

/// Huge (but accepted) costs make money in and out huge and cancel (lenders fund the losses):
/// the accounting-identity check must scale with the gross flows, not report a bug.
#[test]
fn huge_opex_is_not_an_accounting_bug() {
    let out = tempfile::tempdir().unwrap();
    chipsim()
        .args([
            "run",
            "--quiet",
            "--no-charts",
            "--trials",
            "5",
            "--seed",
            "1",
        ])
        .args(["--set", "regions.us.opex_multiplier=1e15", "--out"])
        .arg(out.path())
        .arg(repo("scenarios/altman-7t.toml"))
        .assert()
        .success();
}

/// An output path that is a file is bad input: exit code 2, the file untouched, nothing written
/// (not even a staging folder).
#[test]
fn output_paths_that_are_files_are_bad_input() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("notes.txt");
    std::fs::write(&file, "keep me").unwrap();
    // Runs the hand-computed scenario into `out`, expecting bad input; returns stderr.
    let run_expecting_2 = |out: &Path| {
        let a = chipsim()
            .args(["run", "--quiet", "--trials", "2", "--out"])
            .arg(out)
            .arg(repo("tests/data/handcalc.toml"))
            .assert()
            .code(2);
        String::from_utf8_lossy(&a.get_output().stderr).to_string()
    };
    for out in [file.clone(), file.join("sub")] {
        let stderr = run_expecting_2(&out);
        assert!(
            stderr.contains("--out") && stderr.contains("is a file"),
            "{stderr}"
        );
    }
    // <out>/<scenario name> is a file: refused before anything runs.
    let out = d.path().join("results");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("handcalc"), "keep me too").unwrap();
    let stderr = run_expecting_2(&out);
    assert!(
        stderr.contains("handcalc") && stderr.contains("is a file"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    assert_eq!(
        std::fs::read_to_string(out.join("handcalc")).unwrap(),
        "keep me too"
    );
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "left behind: {names:?}");
}

/// `compare` and `table` inputs: a folder that is not a run and an unknown metric are bad input
/// (exit code 2); with scenario files, a metric typo is caught before any run is written.
#[test]
fn compare_and_table_reject_bad_folders_and_metrics() {
    let d = tempfile::tempdir().unwrap();
    let cmp = d.path().join("cmp");
    let a = chipsim()
        .args([
            "compare",
            "--quiet",
            "--trials",
            "2",
            "--metrics",
            "defaulted,nope",
        ])
        .arg("--out")
        .arg(&cmp)
        .arg(repo("tests/data/handcalc.toml"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        stderr.contains("--metrics") && stderr.contains("`nope`"),
        "{stderr}"
    );
    assert!(!cmp.exists(), "runs written despite a bad metric");

    let runs = d.path().join("runs");
    chipsim()
        .args(["run", "--quiet", "--no-charts", "--trials", "2", "--out"])
        .arg(&runs)
        .arg(repo("tests/data/handcalc.toml"))
        .assert()
        .success();
    let run = runs.join("handcalc");
    let a = chipsim()
        .args(["compare", "--quiet", "--out"])
        .arg(&cmp)
        .arg(&run)
        .arg(d.path().join("nowhere"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        stderr.contains("nowhere") && stderr.contains("run folder"),
        "{stderr}"
    );
    assert!(!cmp.exists());

    let a = chipsim()
        .args(["table", "--metrics", "defaulted,nope"])
        .arg(&run)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(stderr.contains("`nope`, which no run has"), "{stderr}");
    assert!(a.get_output().stdout.is_empty());
}

#[test]
fn extends_cycles_are_reported() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.toml"), "extends = \"b.toml\"\n").unwrap();
    std::fs::write(d.path().join("b.toml"), "extends = \"a.toml\"\n").unwrap();
    assert_bad(
        &d.path().join("a.toml"),
        &[],
        &["b.toml:1", "extends", "cycle"],
    );
}

#[test]
fn missing_scenario_file_is_bad_input() {
    assert_bad(
        Path::new("/nonexistent/scenario.toml"),
        &[],
        &["/nonexistent/scenario.toml"],
    );
}

#[test]
fn validate_reports_ok_and_errors() {
    chipsim()
        .arg("validate")
        .arg(repo("scenarios/altman-7t.toml"))
        .assert()
        .success()
        .stdout(predicates::str::contains("ok"));
    let (_d, p) = scenario_file("extends = \"base.toml\"\n[regions.us]\nplan_share = -1\n");
    chipsim().arg("validate").arg(&p).assert().code(2);
}

#[test]
fn every_metric_is_documented() {
    let doc = std::fs::read_to_string(repo("docs/outputs.md")).unwrap();
    let out = chipsim().arg("metrics").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let name = line.split_whitespace().next().unwrap();
        assert!(
            doc.contains(&format!("`{name}`")),
            "docs/outputs.md lacks `{name}`"
        );
    }
}

/// A staging folder left by a run that was killed (its process is gone) is removed by the next
/// run into the same folder; one of a live process is left alone.
#[test]
#[cfg(target_os = "linux")]
fn stale_staging_folders_of_killed_runs_are_removed() {
    let d = tempfile::tempdir().unwrap();
    // PIDs above the kernel's pid_max (at most 2^22) never exist.
    let stale = d.path().join(".handcalc.partial-4194399");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("timeseries.csv"), "half").unwrap();
    // This test's own process is alive.
    let live = d
        .path()
        .join(format!(".handcalc.partial-{}", std::process::id()));
    std::fs::create_dir_all(&live).unwrap();
    chipsim()
        .args(["run", "--quiet", "--no-charts", "--trials", "2", "--out"])
        .arg(d.path())
        .arg(repo("tests/data/handcalc.toml"))
        .assert()
        .success();
    assert!(!stale.exists(), "the stale staging folder is removed");
    assert!(live.exists(), "a live process's staging folder is kept");
    assert!(d.path().join("handcalc/summary.csv").exists());
}
