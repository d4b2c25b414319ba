//! Regression tests for the defects a hostile or careless user found (issue: hardening): a run
//! never deletes what it does not own, every accepted input runs, limits give clear errors,
//! interrupted and killed runs leave either the earlier or the new complete run in place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;

fn chipsim() -> Command {
    Command::cargo_bin("chipsim").expect("binary builds")
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("chipsim")
}

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// Every file under `dir` with its bytes (a snapshot to prove nothing was touched).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.insert(p.clone(), Vec::new());
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

/// `...toml` and `..toml` without a `name` key would be named `..` and `.`: refused at load, and
/// nothing anywhere is touched (it used to empty the parent of `--out`).
#[test]
fn file_names_that_give_dot_names_are_refused_and_touch_nothing() {
    let d = tempfile::tempdir().unwrap();
    let work = d.path().join("work");
    std::fs::create_dir_all(work.join("output").join("keep")).unwrap();
    std::fs::write(work.join("precious.txt"), "keep me").unwrap();
    std::fs::write(work.join("output").join("keep").join("a.txt"), "and me").unwrap();
    std::fs::copy(repo("tests/data/handcalc.toml"), work.join("h.toml")).unwrap();
    for file in ["...toml", "..toml", ".hidden.toml"] {
        std::fs::write(work.join(file), "extends = \"h.toml\"\n").unwrap();
        let before = snapshot(d.path());
        for args in [
            vec!["validate", file],
            vec!["run", file, "--trials", "2", "--quiet", "--no-charts"],
        ] {
            let a = chipsim().current_dir(&work).args(args).assert().code(2);
            let err = stderr_of(&a);
            assert!(
                err.contains("key `name`") && err.contains("file name"),
                "{err}"
            );
        }
        assert_eq!(snapshot(d.path()), before, "{file}: something was touched");
        std::fs::remove_file(work.join(file)).unwrap();
    }
}

/// A `name` with a newline is refused; a file name with one (given a valid `name`) still writes
/// a resolved scenario that is valid TOML and reproduces the run.
#[test]
fn odd_file_names_keep_the_resolved_file_valid() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("odd\nname.toml");
    let text = std::fs::read_to_string(repo("tests/data/handcalc.toml")).unwrap();
    std::fs::write(&file, &text).unwrap();
    let out = d.path().join("out");
    chipsim()
        .args(["run", "--trials", "3", "--quiet", "--no-charts", "--out"])
        .arg(&out)
        .arg(&file)
        .assert()
        .success();
    let resolved = out.join("handcalc").join("scenario.resolved.toml");
    chipsim().arg("validate").arg(&resolved).assert().success();
    std::fs::write(
        &file,
        text.replace("name = \"handcalc\"", "name = \"a\\nb\""),
    )
    .unwrap();
    let a = chipsim().arg("validate").arg(&file).assert().code(2);
    assert!(stderr_of(&a).contains("key `name`"));
}

/// A folder at `<out>/<name>` that chipsim did not write is never replaced; one it wrote is,
/// and files the user saved in it are kept.
#[test]
fn only_run_folders_are_replaced_and_user_files_survive() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    std::fs::create_dir_all(out.join("handcalc")).unwrap();
    std::fs::write(out.join("handcalc").join("thesis.tex"), "years of work").unwrap();
    let run = || {
        chipsim()
            .args(["run", "--trials", "3", "--quiet", "--no-charts", "--out"])
            .arg(&out)
            .arg(repo("tests/data/handcalc.toml"))
            .assert()
    };
    let err = stderr_of(&run().code(2));
    assert!(err.contains("not a chipsim run folder"), "{err}");
    assert!(out.join("handcalc").join("thesis.tex").exists());
    std::fs::remove_dir_all(out.join("handcalc")).unwrap();
    run().success();
    std::fs::write(out.join("handcalc").join("notes.md"), "my reading").unwrap();
    run().success();
    assert_eq!(
        std::fs::read_to_string(out.join("handcalc").join("notes.md")).unwrap(),
        "my reading"
    );
    let names: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().collect();
    assert_eq!(names.len(), 1, "leftovers in --out: {names:?}");
}

/// Shares that validation accepts (within 1e-6 of summing to 1) run: the money split is
/// rescaled, so the accounting identity holds.
#[test]
fn shares_within_the_tolerance_run() {
    let d = tempfile::tempdir().unwrap();
    for set in [
        "program.allocation.logic_share=0.7999999",
        "finance.tranches.senior.share=0.7999999",
    ] {
        chipsim()
            .args(["validate", "--set", set])
            .arg(repo("scenarios/altman-7t.toml"))
            .assert()
            .success();
        chipsim()
            .args([
                "run",
                "--trials",
                "600",
                "--quiet",
                "--no-charts",
                "--set",
                set,
                "--out",
            ])
            .arg(d.path())
            .arg(repo("scenarios/altman-7t.toml"))
            .assert()
            .success();
    }
}

/// Limits: a huge `--set` path, a long `extends` chain and a long name are clear input errors
/// (they overflowed the stack or failed with "File name too long").
#[test]
fn limits_are_input_errors() {
    let d = tempfile::tempdir().unwrap();
    let path = vec!["a"; 20_000].join(".");
    let a = chipsim()
        .args(["validate", "--set", &format!("{path}=1")])
        .arg(repo("tests/data/handcalc.toml"))
        .assert()
        .code(2);
    let err = stderr_of(&a);
    assert!(err.contains("segments") && err.len() < 2000, "{err}");

    std::fs::copy(repo("tests/data/handcalc.toml"), d.path().join("f0.toml")).unwrap();
    for i in 1..=200 {
        std::fs::write(
            d.path().join(format!("f{i}.toml")),
            format!("extends = \"f{}.toml\"\n", i - 1),
        )
        .unwrap();
    }
    let a = chipsim()
        .arg("validate")
        .arg(d.path().join("f200.toml"))
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("a chain of at most"));

    let long = "n".repeat(239);
    let a = chipsim()
        .args(["validate", "--set", &format!("name=\"{long}\"")])
        .arg(repo("tests/data/handcalc.toml"))
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("key `name`"));
}

/// Seeds above 2^63 − 1 cannot be stored in TOML: refused. The largest seed is written as an
/// integer, and the resolved file reruns the study byte for byte.
#[test]
fn seeds_round_trip_through_the_resolved_file() {
    let d = tempfile::tempdir().unwrap();
    chipsim()
        .args(["run", "--seed", "9223372036854775808", "--trials", "2"])
        .arg(repo("tests/data/handcalc.toml"))
        .assert()
        .code(2);
    let out1 = d.path().join("one");
    chipsim()
        .args([
            "run",
            "--seed",
            "9223372036854775807",
            "--trials",
            "40",
            "--quiet",
            "--no-charts",
        ])
        .arg("--out")
        .arg(&out1)
        .arg(repo("scenarios/hundreds-of-billions.toml"))
        .assert()
        .success();
    let resolved = out1
        .join("hundreds-of-billions")
        .join("scenario.resolved.toml");
    let text = std::fs::read_to_string(&resolved).unwrap();
    assert!(text.contains("seed = 9223372036854775807"), "{text}");
    let out2 = d.path().join("two");
    chipsim()
        .args(["run", "--quiet", "--no-charts", "--out"])
        .arg(&out2)
        .arg(&resolved)
        .assert()
        .success();
    for f in ["summary.csv", "timeseries.csv", "trials.csv"] {
        assert_eq!(
            std::fs::read(out1.join("hundreds-of-billions").join(f)).unwrap(),
            std::fs::read(out2.join("hundreds-of-billions").join(f)).unwrap(),
            "{f} differs"
        );
    }
}

/// Whether `dir` holds a complete run: its marker lists entries that all exist. Returns the
/// summary.csv bytes.
fn complete_run(dir: &Path) -> Option<Vec<u8>> {
    let marker = std::fs::read_to_string(dir.join(".chipsim-run")).ok()?;
    for entry in marker.lines().skip(1).filter(|l| !l.is_empty()) {
        assert!(dir.join(entry).exists(), "{entry} listed but missing");
    }
    std::fs::read(dir.join("summary.csv")).ok()
}

/// kill -9 at many points of a run that replaces an earlier one (including the replace step):
/// afterwards the earlier or the new complete run is always at `<out>/<name>/`, and the next
/// run removes what the killed one left.
#[test]
fn kill_9_anywhere_leaves_a_complete_run() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let args = |seed: &str| -> Vec<String> {
        ["run", "--quiet", "--trials", "300", "--seed", seed, "--out"]
            .iter()
            .map(|s| s.to_string())
            .chain([
                out.display().to_string(),
                repo("scenarios/hundreds-of-billions.toml")
                    .display()
                    .to_string(),
            ])
            .collect()
    };
    let dir = out.join("hundreds-of-billions");
    // The new run's summary, made in another folder.
    let other = d.path().join("other");
    let mut b_args = args("2");
    let pos = b_args
        .iter()
        .position(|a| *a == out.display().to_string())
        .unwrap();
    b_args[pos] = other.display().to_string();
    assert!(StdCommand::new(bin())
        .args(&b_args)
        .status()
        .unwrap()
        .success());
    let new_summary =
        std::fs::read(other.join("hundreds-of-billions").join("summary.csv")).unwrap();
    // The earlier run, and how long a replacing run takes.
    assert!(StdCommand::new(bin())
        .args(args("1"))
        .status()
        .unwrap()
        .success());
    let old_summary = complete_run(&dir).expect("first run complete");
    let t0 = Instant::now();
    assert!(StdCommand::new(bin())
        .args(args("1"))
        .status()
        .unwrap()
        .success());
    let full = t0.elapsed();
    // Kill points spread over the whole run and a little beyond (a fixed pseudo-random
    // sequence, so that the test is reproducible).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..14 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let frac = if i < 4 {
            0.85 + 0.05 * i as f64
        } else {
            (x % 1000) as f64 / 900.0
        };
        let mut child = StdCommand::new(bin())
            .args(args(if i % 2 == 0 { "2" } else { "1" }))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full.mul_f64(frac));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let s = complete_run(&dir).unwrap_or_else(|| panic!("attempt {i}: no complete run"));
        assert!(
            s == old_summary || s == new_summary,
            "attempt {i}: unknown summary"
        );
    }
    // The next run repairs and removes leftovers.
    assert!(StdCommand::new(bin())
        .args(args("1"))
        .status()
        .unwrap()
        .success());
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "leftovers: {names:?}");
}

/// SIGINT and SIGTERM stop a run, remove its staging folder and keep the earlier run.
#[test]
fn signals_clean_up_the_staging_folder() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let run = |trials: &str| {
        StdCommand::new(bin())
            .args(["run", "--quiet", "--no-charts", "--trials", trials, "--out"])
            .arg(&out)
            .arg(repo("scenarios/altman-7t.toml"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    assert!(run("20").wait().unwrap().success());
    let before = std::fs::read(out.join("altman-7t").join("summary.csv")).unwrap();
    for signal in ["INT", "TERM"] {
        let child = run("1000000");
        // Wait until the staging folder exists, then signal.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !std::fs::read_dir(&out)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains(".partial-"))
        {
            assert!(Instant::now() < deadline, "no staging folder appeared");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(300));
        let ok = StdCommand::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(130), "SIG{signal}");
        let names: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "SIG{signal} left {names:?}");
        assert_eq!(
            std::fs::read(out.join("altman-7t").join("summary.csv")).unwrap(),
            before
        );
    }
}
