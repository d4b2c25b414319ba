//! The `chipsim` command line: a thin layer over the library. It parses arguments, shows
//! progress, and turns library errors into messages and exit codes (2 = bad input, 1 = other).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use chipsim::model::metrics::{OUT, TS};
use chipsim::study::{self, StudyOptions};
use chipsim::Error;

#[derive(Parser)]
#[command(
    name = "chipsim",
    version,
    about = "Monte Carlo simulator of the semiconductor supply chain under multi-trillion-dollar fab funding scenarios",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct ScenarioArgs {
    /// Override a scenario key, value in TOML syntax: --set program.size_usd_bn=5000
    /// --set 'regions.us.construction_months="30 to 48"'. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
}

#[derive(clap::Args, Clone)]
struct RunArgs {
    /// Number of trials (default: the scenario's [run] trials, else 10000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    trials: Option<u64>,
    /// Random seed, 0 to 2^63−1 (default: the scenario's [run] seed, else 20240208).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// Output folder; each scenario writes to <OUT>/<scenario name>/.
    #[arg(long, default_value = "output")]
    out: PathBuf,
    /// Do not show a progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Also write trace.csv: every per-quarter metric of trials 0..N−1, unaggregated.
    #[arg(long, value_name = "N", default_value_t = 0)]
    trace: u64,
    /// Skip charts/ and report.html (CSV and JSON only).
    #[arg(long)]
    no_charts: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenario files and write CSV results to <OUT>/<scenario>/.
    Run {
        /// Scenario files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        scenario: ScenarioArgs,
    },
    /// Check scenario files (and --set overrides) without running them.
    Validate {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        #[command(flatten)]
        scenario: ScenarioArgs,
    },
    /// Compare runs side by side: charts per metric, comparison.csv and report.html. Given
    /// scenario files (.toml), runs them first with one seed, so trial i of every scenario uses
    /// the same random numbers (common random numbers).
    Compare {
        /// Run folders (e.g. output/altman-7t) or scenario files (.toml); not mixed.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Comma-separated metrics (default: a headline set present in every run).
        #[arg(long, value_delimiter = ',')]
        metrics: Vec<String>,
        /// Where to write the comparison (default: output/compare).
        #[arg(long, default_value = "output/compare")]
        out: PathBuf,
        /// With scenario files: trials per scenario (default: the scenarios' [run] trials, else 10000).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
        trials: Option<u64>,
        /// With scenario files: the seed shared by every scenario (0 to 2^63−1).
        #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
        seed: Option<u64>,
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
        threads: Option<u16>,
        #[arg(long, short)]
        quiet: bool,
        #[command(flatten)]
        scenario: ScenarioArgs,
    },
    /// List every output metric with its unit and meaning.
    Metrics,
    /// Print a Markdown table of headline outcomes (median and 90% interval) across run folders.
    Table {
        /// Run folders, e.g. output/altman-7t.
        #[arg(required = true)]
        runs: Vec<PathBuf>,
        /// Comma-separated summary metrics (default: a headline set).
        #[arg(long, value_delimiter = ',')]
        metrics: Vec<String>,
    },
}

/// Writes to standard output; a closed pipe (`chipsim metrics | head`) is not an error.
fn print_out(text: &str) -> Result<(), Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("writing to standard output".to_string(), e)),
        Ok(()) => Ok(()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = chipsim::cancel::install_handler() {
        eprintln!("warning: {e}");
    }
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::from(match e {
                Error::Interrupted => chipsim::cancel::EXIT_INTERRUPTED,
                e if e.is_input() => 2,
                _ => 1,
            })
        }
    }
}

fn report(e: &Error) {
    match e {
        Error::Inputs(list) => {
            let n = list.len();
            eprintln!(
                "error: {n} problem{} in the input:",
                if n == 1 { "" } else { "s" }
            );
            for p in list {
                eprintln!("  {p}");
            }
        }
        Error::Input(p) => eprintln!("error: {p}"),
        other => eprintln!("error: {other}"),
    }
}

fn dispatch(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run {
            scenarios,
            run,
            scenario,
        } => {
            let loaded = study::load_all(&scenarios, &scenario.sets)?;
            let opts = StudyOptions {
                trials: run.trials,
                seed: run.seed,
                threads: run.threads.map_or(0, usize::from),
                out_dir: run.out.clone(),
                charts: !run.no_charts,
                trace: run.trace,
            };
            for s in &loaded {
                study::check_run_dir(&opts.out_dir, &s.name)?;
            }
            let created = study::create_out_dir(&opts.out_dir, "--out")?;
            for s in &loaded {
                let bar = progress_bar(run.quiet, &s.name);
                let result = study::run_one(s, &opts, &mut |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                });
                bar.finish_and_clear();
                let r = result.inspect_err(|_| study::remove_empty(&created))?;
                if !run.quiet {
                    eprintln!(
                        "{}: {} trials in {:.1} s → {}",
                        s.name,
                        r.info.trials,
                        r.info.elapsed_seconds,
                        r.dir.display()
                    );
                }
            }
            Ok(())
        }
        Command::Validate {
            scenarios,
            scenario,
        } => {
            let loaded = study::load_all(&scenarios, &scenario.sets)?;
            for s in &loaded {
                study::smoke_test(s)?;
            }
            for s in loaded {
                let uncertain = s.params.specs.iter().filter(|p| !p.dist.is_fixed()).count();
                print_out(&format!(
                    "{}: ok — scenario `{}`, {}–{}, {} sources, {} regions, {} uncertain inputs\n",
                    s.path.display(),
                    s.name,
                    s.start,
                    s.end,
                    s.sources.len(),
                    s.regions.len(),
                    uncertain
                ))?;
            }
            Ok(())
        }
        Command::Compare {
            inputs,
            metrics,
            out,
            trials,
            seed,
            threads,
            quiet,
            scenario,
        } => {
            let is_file = |p: &PathBuf| p.extension().is_some_and(|e| e == "toml");
            let files = inputs.iter().filter(|p| is_file(p)).count();
            let dirs: Vec<PathBuf> = if files == 0 {
                if !scenario.sets.is_empty() {
                    return Err(chipsim::InputError::new(
                        chipsim::Origin::Argument {
                            name: "--set".into(),
                        },
                        "",
                        "--set only with scenario files (run folders are already results)",
                        "run folders",
                    )
                    .into());
                }
                inputs.clone()
            } else if files == inputs.len() {
                let loaded = study::load_all(&inputs, &scenario.sets)?;
                // One seed for all: common random numbers across the scenarios.
                let seed = seed
                    .or_else(|| loaded.first().and_then(|s| s.run.seed))
                    .unwrap_or(study::DEFAULT_SEED);
                let opts = StudyOptions {
                    trials,
                    seed: Some(seed),
                    threads: threads.map_or(0, usize::from),
                    out_dir: out.join("runs"),
                    charts: false,
                    trace: 0,
                };
                if !metrics.is_empty() {
                    chipsim::compare::check_metric_names(&metrics, &loaded)?;
                }
                for s in &loaded {
                    study::check_run_dir(&opts.out_dir, &s.name)?;
                }
                let created = study::create_out_dir(&opts.out_dir, "--out")?;
                let mut dirs = Vec::new();
                for s in &loaded {
                    let bar = progress_bar(quiet, &s.name);
                    let r = study::run_one(s, &opts, &mut |done, total| {
                        bar.set_length(total);
                        bar.set_position(done);
                    });
                    bar.finish_and_clear();
                    dirs.push(r.inspect_err(|_| study::remove_empty(&created))?.dir);
                }
                dirs
            } else {
                return Err(chipsim::InputError::new(
                    chipsim::Origin::Argument {
                        name: "compare".into(),
                    },
                    "",
                    "either run folders or scenario files (.toml), not both",
                    format!(
                        "{files} scenario files and {} folders",
                        inputs.len() - files
                    ),
                )
                .into());
            };
            let metrics = (!metrics.is_empty()).then_some(metrics);
            let outcome = chipsim::compare::compare_runs(&dirs, metrics.as_deref(), &out)?;
            let report = chipsim::report::write_compare_report(&out, &outcome)?;
            for w in &outcome.warnings {
                eprintln!("warning: {w}");
            }
            if !quiet {
                eprintln!("comparison of {} runs → {}", dirs.len(), report.display());
            }
            Ok(())
        }
        Command::Table { runs, metrics } => {
            let metrics = if metrics.is_empty() {
                chipsim::output::table::HEADLINE
                    .iter()
                    .map(|m| m.to_string())
                    .collect()
            } else {
                metrics
            };
            print_out(&chipsim::output::table::markdown_table(&runs, &metrics)?)?;
            Ok(())
        }
        Command::Metrics => {
            let mut text =
                String::from("# timeseries.csv metrics (one row per metric × quarter)\n");
            for m in TS {
                text.push_str(&format!(
                    "{:<34} {:<24} {}\n",
                    m.name, m.unit, m.description
                ));
            }
            text.push_str("\n# summary.csv metrics and trials.csv columns (one value per trial)\n");
            for m in OUT {
                text.push_str(&format!(
                    "{:<34} {:<24} {}\n",
                    m.name, m.unit, m.description
                ));
            }
            print_out(&text)
        }
    }
}

fn progress_bar(quiet: bool, name: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} trials ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar.set_prefix(name.to_string());
    bar
}
