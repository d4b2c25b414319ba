//! A study: validate every scenario first, then run each into `<out>/<name>/`, writing into a
//! staging folder that replaces the final one only when everything succeeded (so a failed or
//! interrupted run never leaves half-written results).

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cancel;
use crate::engine::{self, varying_inputs, Aggregates, RunOptions};
use crate::error::{Error, InputError, Origin, Result};
use crate::output::{self, RunInfo, TrialsWriter, OUTPUT_FORMAT_VERSION};
use crate::rundir::{self, Staging};
use crate::scenario::{load_scenario, resolved_toml, Scenario};

/// Default number of trials when neither the command line nor the scenario says.
pub const DEFAULT_TRIALS: u64 = 10_000;
/// Default seed when neither the command line nor the scenario says.
pub const DEFAULT_SEED: u64 = 20_240_208;

/// Loads and validates all scenario files; reports every problem of every file together.
pub fn load_all(paths: &[PathBuf], sets: &[String]) -> Result<Vec<Scenario>> {
    let mut scenarios = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        match load_scenario(p, sets) {
            Ok(s) => scenarios.push(s),
            Err(Error::Inputs(v)) => problems.extend(v),
            Err(Error::Input(e)) => problems.push(*e),
            Err(e) => return Err(e),
        }
    }
    for (i, s) in scenarios.iter().enumerate() {
        if let Some(prev) = scenarios[..i].iter().find(|o| o.name == s.name) {
            problems.push(InputError::new(
                Origin::File {
                    path: s.path.clone(),
                    line: 1,
                    column: 1,
                },
                "name",
                "scenario names that differ (each names an output folder)",
                format!("`{}` also used by {}", s.name, prev.path.display()),
            ));
        }
    }
    if problems.is_empty() {
        Ok(scenarios)
    } else {
        Err(Error::Inputs(problems))
    }
}

#[derive(Debug, Clone)]
pub struct StudyOptions {
    /// None: the scenario's `[run] trials`, else [`DEFAULT_TRIALS`].
    pub trials: Option<u64>,
    pub seed: Option<u64>,
    pub threads: usize,
    pub out_dir: PathBuf,
    pub charts: bool,
    /// Write `trace.csv` with every per-quarter metric of trials 0..trace (0 = none).
    pub trace: u64,
}

/// What a finished run produced.
#[derive(Debug)]
pub struct RunResult {
    pub dir: PathBuf,
    pub info: RunInfo,
    pub aggregates: Aggregates,
}

/// Trials [`validate`](smoke_test) runs: enough to meet inputs that only fail when the model
/// runs (an overflow, an undefined result), few enough to be instant.
pub const SMOKE_TRIALS: u64 = 16;

/// Runs the first [`SMOKE_TRIALS`] trials of `s` at its seed without writing anything, so that
/// `validate` reports what the model itself rejects (non-finite results) like a run would.
pub fn smoke_test(s: &Scenario) -> Result<()> {
    let opts = RunOptions {
        trials: SMOKE_TRIALS,
        seed: s.run.seed.unwrap_or(DEFAULT_SEED),
        threads: 1,
    };
    engine::run(s, &opts, &|_, _, _, _| {}, &mut |_| Ok(()), &mut |_| {})?;
    Ok(())
}

/// Runs one validated scenario into `<out>/<name>/` (see [`crate::rundir`]: written into a
/// staging folder that replaces an earlier run folder only when complete, and never replaces a
/// folder that is not a run folder). `progress(done, total)` is called as trials finish.
pub fn run_one(
    s: &Scenario,
    opts: &StudyOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RunResult> {
    let trials = opts.trials.or(s.run.trials).unwrap_or(DEFAULT_TRIALS);
    let seed = opts.seed.or(s.run.seed).unwrap_or(DEFAULT_SEED);
    let staging = Staging::create(&opts.out_dir, &s.name)?;
    let (info, aggregates) = run_into(s, trials, seed, opts, staging.dir(), progress)?;
    let dir = staging.commit()?;
    Ok(RunResult {
        dir,
        info,
        aggregates,
    })
}

/// The scenario `name`'s run folder in `out_dir` may be written: it is absent or a run folder
/// (replaced), never a file or a folder of the user's. Bad input otherwise (exit code 2).
pub fn check_run_dir(out_dir: &Path, name: &str) -> Result<()> {
    rundir::check_replaceable(out_dir, name)
}

/// Creates the output folder `dir` given by the command-line option `option`; returns the
/// folders it created, deepest first (for [`remove_empty`] when nothing gets written). A path
/// that is (or runs through) an existing file is bad input (exit code 2), not an I/O failure.
pub fn create_out_dir(dir: &Path, option: &str) -> Result<Vec<PathBuf>> {
    if let Some(file) = dir.ancestors().find(|a| a.exists() && !a.is_dir()) {
        return Err(InputError::new(
            Origin::Argument {
                name: option.to_string(),
            },
            "",
            "a folder, or a path where one can be created",
            format!("`{}`, where `{}` is a file", dir.display(), file.display()),
        )
        .into());
    }
    let created: Vec<PathBuf> = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty() && !a.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    Ok(created)
}

/// Removes the folders `created` (deepest first) that are still empty, so that a failed run
/// leaves no trace; folders holding anything (e.g. a scenario that finished) are kept.
pub fn remove_empty(created: &[PathBuf]) {
    for d in created {
        if std::fs::remove_dir(d).is_err() {
            break;
        }
    }
}

fn run_into(
    s: &Scenario,
    trials: u64,
    seed: u64,
    opts: &StudyOptions,
    dir: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(RunInfo, Aggregates)> {
    let started_at = output::utc_now_rfc3339();
    let clock = Instant::now();
    let columns: Vec<String> = varying_inputs(s)
        .into_iter()
        .map(|i| s.params.specs[i].key.clone())
        .collect();
    let mut trials_w = TrialsWriter::create(&dir.join("trials.csv"), s, &columns)?;
    let run_opts = RunOptions {
        trials,
        seed,
        threads: opts.threads,
    };
    let agg = engine::run(
        s,
        &run_opts,
        &output::encode_trial_row,
        &mut |rows| trials_w.write_rows(rows),
        &mut |done| progress(done, trials),
    )?;
    trials_w.finish()?;
    output::write_timeseries(&dir.join("timeseries.csv"), s, &agg)?;
    if opts.trace > 0 {
        output::write_trace(&dir.join("trace.csv"), s, seed, opts.trace.min(trials))?;
    }
    output::write_summary(&dir.join("summary.csv"), s, &agg)?;
    // Record the trials and seed actually used, so the resolved file reruns this exact study.
    let mut resolved = s.clone();
    for (key, value) in [("trials", trials), ("seed", seed)] {
        let set = format!("run.{key}={value}");
        crate::scenario::load::apply_set(&mut resolved.resolved, &set)?;
    }
    std::fs::write(dir.join("scenario.resolved.toml"), resolved_toml(&resolved))
        .map_err(|e| Error::io("writing scenario.resolved.toml", e))?;
    let threads = if opts.threads == 0 {
        rayon::current_num_threads()
    } else {
        opts.threads
    };
    let info = RunInfo {
        chipsim_version: env!("CARGO_PKG_VERSION").to_string(),
        output_format_version: OUTPUT_FORMAT_VERSION,
        scenario: s.name.clone(),
        description: s.description.clone(),
        scenario_file: s.path.display().to_string(),
        seed,
        trials,
        threads,
        start_quarter: s.start.to_string(),
        end_quarter: s.end.to_string(),
        started_at,
        elapsed_seconds: clock.elapsed().as_secs_f64(),
    };
    output::write_json(&dir.join("run.json"), &info)?;
    cancel::check()?;
    if opts.charts {
        // Charts and the report read the files just written, like any later user would.
        crate::charts::render_run(dir)?;
        crate::report::write_run_report(dir)?;
    }
    Ok((info, agg))
}
