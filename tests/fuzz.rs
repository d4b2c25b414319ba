//! A fuzz target over scenario text, file names and `--set` values, driving the real binary the
//! way a hostile or careless user would. Each case mutates a shipped scenario (numbers replaced
//! by extremes, lines deleted or repeated, values replaced by odd distributions or types, odd
//! file names, `--set` of a real key with an odd value), then checks:
//!
//! - no panic, no abort or signal, no hang; exit code 0 or 2 (1 would be an environment failure);
//! - `validate` and `run` agree (what validate accepts runs; what it rejects, run rejects);
//! - exit 2 writes nothing: the `--out` folder is not even created;
//! - nothing outside `--out` is touched (the input folder is byte-identical afterwards);
//! - a successful run's `scenario.resolved.toml` reruns to byte-identical CSVs.
//!
//! CI runs a short pass (`PROPTEST_CASES`, default 16). A long run:
//! `PROPTEST_CASES=5000 cargo test --release --test fuzz -- --nocapture`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;

const SCENARIOS: [&str; 6] = [
    "baseline",
    "altman-7t",
    "hundreds-of-billions",
    "debt-heavy",
    "taiwan-crisis",
    "energy-constrained",
];

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// Numbers that break arithmetic: zero, negatives, the tiny and the huge, off-by-a-hair shares.
const NUMBERS: [&str; 16] = [
    "0",
    "-1",
    "1",
    "1e-300",
    "1e300",
    "1e15",
    "9223372036854775807",
    "0.9999999",
    "1.0000001",
    "-0.0",
    "0.5",
    "1e-9",
    "1000000",
    "3",
    "2.5",
    "nan",
];

/// Replacement values: distributions with odd parameters, wrong types, empty containers.
const VALUES: [&str; 20] = [
    "{ beta = [0.001, 100] }",
    "{ beta = [100, 0.001] }",
    "{ beta = [0.001, 100], min = 0.0, max = 1.0 }",
    "\"1e-12 to 1e12\"",
    "\"0.5 to 0.50000001\"",
    "{ normal = [0, 1e10] }",
    "{ normal = [1, 1], min = 0.999, max = 1.0 }",
    "{ lognormal = [1, 100] }",
    "{ triangular = [0, 0, 0] }",
    "{ pert = [1, 1, 1e9] }",
    "{ uniform = [-1e15, 1e15] }",
    "{ choice = [] }",
    "{ samples = [] }",
    "{ samples = [1e-300, 1e300] }",
    "{ bernoulli = 1.5 }",
    "true",
    "\"\"",
    "[]",
    "{}",
    "\"2099Q4\"",
];

/// File names for the mutated scenario (the data-loss defect came through one).
const FILE_NAMES: [&str; 8] = [
    "scenario.toml",
    "..toml",
    "...toml",
    ".hidden.toml",
    "new\nline.toml",
    "spaces in name.toml",
    "ünïcode.toml",
    "a-name-that-is-quite-long-and-keeps-going-for-a-while-beyond-sixty-characters-and-more-and-more-x.toml",
];

#[derive(Debug, Clone)]
enum Mutation {
    Number {
        nth: usize,
        value: usize,
    },
    DeleteLine(usize),
    RepeatLine(usize),
    Value {
        line: usize,
        value: usize,
    },
    Set {
        key: usize,
        value: usize,
        number: bool,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), 0..NUMBERS.len()).prop_map(|(nth, value)| Mutation::Number { nth, value }),
        1 => any::<usize>().prop_map(Mutation::DeleteLine),
        1 => any::<usize>().prop_map(Mutation::RepeatLine),
        2 => (any::<usize>(), 0..VALUES.len()).prop_map(|(line, value)| Mutation::Value { line, value }),
        2 => (any::<usize>(), 0..VALUES.len().max(NUMBERS.len()), any::<bool>())
            .prop_map(|(key, value, number)| Mutation::Set { key, value, number }),
    ]
}

/// Positions of number literals in `text` (after `=`, `[` , `,` or a space), as byte ranges.
fn number_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    let mut in_comment = false;
    let mut in_string = false;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            in_comment = false;
        } else if !in_comment && c == b'"' {
            in_string = !in_string;
        } else if !in_string && c == b'#' {
            in_comment = true;
        }
        let starts = !in_comment
            && !in_string
            && (c.is_ascii_digit() || c == b'-')
            && i > 0
            && matches!(b[i - 1], b' ' | b'=' | b'[' | b',');
        if starts {
            let j = (i + 1..b.len())
                .find(|&j| {
                    !(b[j].is_ascii_alphanumeric() || matches!(b[j], b'.' | b'-' | b'+' | b'_'))
                })
                .unwrap_or(b.len());
            spans.push((i, j));
            i = j;
            continue;
        }
        i += 1;
    }
    spans
}

/// The leaf key paths of a scenario (from the resolved file of a real run of it).
fn leaf_keys(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in table {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) if !t.keys().any(|k| DIST_KEYS.contains(&k.as_str())) => {
                leaf_keys(t, &path, out)
            }
            _ => out.push(path),
        }
    }
}

const DIST_KEYS: [&str; 10] = [
    "beta",
    "normal",
    "lognormal",
    "triangular",
    "pert",
    "uniform",
    "choice",
    "samples",
    "bernoulli",
    "fixed",
];

struct Case {
    text: String,
    file_name: &'static str,
    sets: Vec<String>,
}

fn apply(base: &str, keys: &[String], muts: &[Mutation], file_name: usize) -> Case {
    let mut text = base.to_string();
    let mut sets = Vec::new();
    for m in muts {
        match *m {
            Mutation::Number { nth, value } => {
                let spans = number_spans(&text);
                if !spans.is_empty() {
                    let (a, b) = spans[nth % spans.len()];
                    text.replace_range(a..b, NUMBERS[value]);
                }
            }
            Mutation::DeleteLine(n) | Mutation::RepeatLine(n) => {
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                if !lines.is_empty() {
                    let i = n % lines.len();
                    if matches!(m, Mutation::DeleteLine(_)) {
                        lines.remove(i);
                    } else {
                        let l = lines[i].clone();
                        lines.insert(i, l);
                    }
                }
                text = lines.join("\n") + "\n";
            }
            Mutation::Value { line, value } => {
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                let with_value: Vec<usize> = (0..lines.len())
                    .filter(|&i| {
                        !lines[i].trim_start().starts_with('#') && lines[i].contains(" = ")
                    })
                    .collect();
                if !with_value.is_empty() {
                    let i = with_value[line % with_value.len()];
                    let key = lines[i].split(" = ").next().unwrap_or("").to_string();
                    lines[i] = format!("{key} = {}", VALUES[value]);
                }
                text = lines.join("\n") + "\n";
            }
            Mutation::Set { key, value, number } => {
                if !keys.is_empty() {
                    let k = &keys[key % keys.len()];
                    let v = if number {
                        NUMBERS[value % NUMBERS.len()]
                    } else {
                        VALUES[value % VALUES.len()]
                    };
                    sets.push(format!("{k}={v}"));
                }
            }
        }
    }
    Case {
        text,
        file_name: FILE_NAMES[file_name % FILE_NAMES.len()],
        sets,
    }
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Runs the binary with a time limit; None when it had to be killed (a hang).
fn run_limited(args: &[std::ffi::OsString], limit: Duration) -> Option<Output> {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("chipsim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn os(args: &[&str]) -> Vec<std::ffi::OsString> {
    args.iter().map(|a| a.into()).collect()
}

static RAN: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn check_case(case: &Case) -> Result<(), TestCaseError> {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    for entry in std::fs::read_dir(repo("scenarios")).unwrap().flatten() {
        std::fs::copy(entry.path(), input.join(entry.file_name())).unwrap();
    }
    let file = input.join(case.file_name);
    std::fs::write(&file, &case.text).unwrap();
    let before = snapshot(&input);
    let out = tmp.path().join("out");
    let mut set_args = Vec::new();
    for s in &case.sets {
        set_args.push("--set".into());
        set_args.push(s.into());
    }
    let limit = Duration::from_secs(120);
    let mut validate = os(&["validate"]);
    validate.push(file.clone().into());
    validate.extend(set_args.iter().cloned());
    let v = run_limited(&validate, limit).ok_or_else(|| TestCaseError::fail("validate hangs"))?;
    let mut run = os(&[
        "run",
        "--quiet",
        "--no-charts",
        "--trials",
        "24",
        "--seed",
        "5",
        "--out",
    ]);
    run.push(out.clone().into());
    run.push(file.clone().into());
    run.extend(set_args.iter().cloned());
    let r = run_limited(&run, limit).ok_or_else(|| TestCaseError::fail("run hangs"))?;
    let text = |o: &Output| String::from_utf8_lossy(&o.stderr).to_string();
    for (what, o) in [("validate", &v), ("run", &r)] {
        let code = o.status.code();
        prop_assert!(
            matches!(code, Some(0) | Some(2)),
            "{what} exited with {:?}: {}",
            o.status,
            text(o)
        );
        prop_assert!(
            !text(o).contains("panicked"),
            "{what} panicked: {}",
            text(o)
        );
        prop_assert!(
            !text(o).contains("internal invariant"),
            "{what}: {}",
            text(o)
        );
    }
    prop_assert_eq!(
        v.status.code(),
        r.status.code(),
        "validate and run disagree: validate: {} run: {}",
        text(&v),
        text(&r)
    );
    prop_assert!(snapshot(&input) == before, "the input folder was touched");
    if r.status.code() == Some(2) {
        prop_assert!(!out.exists(), "exit 2 but {} was written", out.display());
        return Ok(());
    }
    RAN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // The resolved file reproduces the run.
    let runs: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    prop_assert_eq!(runs.len(), 1, "one run folder expected: {:?}", runs);
    let resolved = runs[0].join("scenario.resolved.toml");
    let out2 = tmp.path().join("out2");
    let mut again = os(&["run", "--quiet", "--no-charts", "--out"]);
    again.push(out2.clone().into());
    again.push(resolved.into());
    let a = run_limited(&again, limit).ok_or_else(|| TestCaseError::fail("rerun hangs"))?;
    prop_assert_eq!(
        a.status.code(),
        Some(0),
        "resolved file fails: {}",
        text(&a)
    );
    let name = runs[0].file_name().unwrap();
    for f in ["summary.csv", "timeseries.csv", "trials.csv"] {
        let x = std::fs::read(runs[0].join(f)).unwrap();
        let y = std::fs::read(out2.join(name).join(f)).unwrap();
        prop_assert!(x == y, "{} differs when rerun from the resolved file", f);
    }
    Ok(())
}

fn keys_of(scenario: &str) -> Vec<String> {
    // Keys of the scenario after `extends`: validate a copy with a fixed name and read back the
    // resolved file of a tiny run.
    let tmp = tempfile::tempdir().unwrap();
    let status = Command::new(assert_cmd::cargo::cargo_bin("chipsim"))
        .args(["run", "--quiet", "--no-charts", "--trials", "1", "--out"])
        .arg(tmp.path())
        .arg(repo(&format!("scenarios/{scenario}.toml")))
        .status()
        .unwrap();
    assert!(status.success());
    let text =
        std::fs::read_to_string(tmp.path().join(scenario).join("scenario.resolved.toml")).unwrap();
    let table: toml::Table = text.parse().unwrap();
    let mut keys = Vec::new();
    leaf_keys(&table, "", &mut keys);
    keys.retain(|k| !k.starts_with("run."));
    keys
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16)
}

#[test]
fn fuzz_scenarios_and_sets() {
    let keys: Vec<Vec<String>> = SCENARIOS.iter().map(|s| keys_of(s)).collect();
    let bases: Vec<String> = SCENARIOS
        .iter()
        .map(|s| std::fs::read_to_string(repo(&format!("scenarios/{s}.toml"))).unwrap())
        .collect();
    let config = ProptestConfig {
        cases: cases(),
        max_shrink_iters: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let t0 = Instant::now();
    let n = std::sync::atomic::AtomicU32::new(0);
    proptest!(config, |(which in 0..SCENARIOS.len(),
                        muts in prop::collection::vec(mutation(), 1..4),
                        file_name in prop::sample::select(vec![0usize, 0, 0, 1, 2, 3, 4, 5, 6, 7]))| {
        n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let case = apply(&bases[which], &keys[which], &muts, file_name);
        check_case(&case)?;
    });
    let n = n.into_inner();
    let ran = RAN.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "fuzz: {n} cases in {:.1} s, {ran} of them ran (the rest were rejected as bad input)",
        t0.elapsed().as_secs_f64()
    );
}

#[test]
fn number_spans_find_values_not_comments_or_strings() {
    let t = "a = 1 # 2\nb = [3, -4.5e2]\nc = \"5 to 6\"\n";
    let found: Vec<&str> = number_spans(t).iter().map(|&(a, b)| &t[a..b]).collect();
    assert_eq!(found, ["1", "3", "-4.5e2"]);
}
