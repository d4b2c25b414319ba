//! The engine: runs trials in parallel and aggregates them deterministically.
//!
//! Trials are cut into fixed-size chunks of [`CHUNK_TRIALS`] trials, independent of the thread
//! count. Each chunk is simulated by one worker (reusing its [`Workspace`]) into a chunk
//! [`Aggregates`] plus the chunk's per-trial rows; chunks are processed in waves of a few per
//! thread and merged **in chunk order**, and their rows streamed to the trial sink in trial
//! order. So outputs are byte-identical whatever the number of threads, and memory is bounded by
//! one wave, not by the number of trials.

use crate::error::{Error, InputError, Origin, Result};
use crate::model::metrics::{outcome_specs, Kind, OutcomeSpec, N_TS, TS};
use crate::model::trial::{run_trial, Workspace};
use crate::scenario::params::Scope;
use crate::scenario::Scenario;
use crate::stats::Stat;
use rayon::prelude::*;

/// Trials per chunk: the unit of parallel work and of deterministic merging.
pub const CHUNK_TRIALS: u64 = 512;

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub trials: u64,
    pub seed: u64,
    /// Worker threads; 0 = all cores.
    pub threads: usize,
}

/// Aggregated statistics of a run: one [`Stat`] per time-series metric and quarter, and one per
/// per-trial outcome. Year-valued metrics are stored relative to `year_origin`.
#[derive(Debug, Clone)]
pub struct Aggregates {
    pub quarters: usize,
    /// `N_TS × quarters`, metric-major.
    pub ts: Vec<Stat>,
    pub out: Vec<Stat>,
    pub year_origin: f64,
    pub trials: u64,
    /// Which outcomes are years (stored relative to `year_origin`).
    out_is_year: Vec<bool>,
}

impl Aggregates {
    pub fn new(quarters: usize, year_origin: f64, outcomes: &[OutcomeSpec]) -> Self {
        Aggregates {
            quarters,
            ts: vec![Stat::default(); N_TS * quarters],
            out: vec![Stat::default(); outcomes.len()],
            year_origin,
            trials: 0,
            out_is_year: outcomes.iter().map(|o| o.kind == Kind::Year).collect(),
        }
    }

    /// Aggregates sized for scenario `s`.
    pub fn for_scenario(s: &Scenario) -> Self {
        Aggregates::new(s.quarters(), s.start.decimal_year(), &outcome_specs(s))
    }

    /// Adds one finished trial. NaN values ("did not happen" / undefined) are skipped.
    pub fn add_trial(&mut self, ws: &Workspace) {
        self.trials += 1;
        for (m, spec) in TS.iter().enumerate() {
            let origin = if spec.kind == Kind::Year {
                self.year_origin
            } else {
                0.0
            };
            let row = m * self.quarters;
            for q in 0..self.quarters {
                let x = ws.ts[row + q];
                if x.is_finite() {
                    self.ts[row + q].add(x - origin);
                }
            }
        }
        for (o, is_year) in self.out_is_year.iter().enumerate() {
            let x = ws.out[o];
            if x.is_finite() {
                let origin = if *is_year { self.year_origin } else { 0.0 };
                self.out[o].add(x - origin);
            }
        }
    }

    /// Merges another aggregate (call in a fixed order for reproducible floating-point results).
    pub fn merge(&mut self, other: &Aggregates) {
        self.trials += other.trials;
        for (a, b) in self.ts.iter_mut().zip(&other.ts) {
            a.merge(b);
        }
        for (a, b) in self.out.iter_mut().zip(&other.out) {
            a.merge(b);
        }
    }
}

/// An input error when a result of trial `t` is ±∞ (inputs so extreme that the arithmetic
/// overflows); names the first such metric (and quarter). NaN means "did not happen" and is fine.
fn overflow_error(s: &Scenario, ws: &Workspace, t: u64, seed: u64) -> Option<InputError> {
    let nq = s.quarters().max(1);
    let (metric, value) = match ws.ts.iter().position(|x| x.is_infinite()) {
        Some(i) => (
            format!(
                "{}@{}",
                TS.get(i / nq).map_or("?", |m| m.name),
                s.quarter(i % nq)
            ),
            ws.ts[i],
        ),
        None => {
            let o = ws.out.iter().position(|x| x.is_infinite())?;
            let name = outcome_specs(s)
                .get(o)
                .map_or_else(|| format!("outcome #{o}"), |m| m.name.clone());
            (name, ws.out[o])
        }
    };
    Some(
        InputError::new(
            Origin::File {
                path: s.path.clone(),
                line: 1,
                column: 1,
            },
            "",
            "inputs with which every result is a finite number",
            format!("`{metric}` = {value} in trial {t} (seed {seed})"),
        )
        .with_hint(
            "an input is so large or so small that the model's arithmetic overflows; \
             check the magnitudes of the scenario's numbers and --set values",
        ),
    )
}

/// Indices of the sampled trial-level inputs written to trials.csv (the ones that vary).
pub fn varying_inputs(s: &Scenario) -> Vec<usize> {
    s.params
        .specs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.scope == Scope::Trial && !p.dist.is_fixed())
        .map(|(i, _)| i)
        .collect()
}

/// Encodes one trial's row (index, outcomes, varying inputs) by appending bytes to the buffer.
/// Called on worker threads, so that formatting is parallel.
pub type RowEncoder<'a> = dyn Fn(u64, &[f64], &[f64], &mut Vec<u8>) + Sync + 'a;

/// Receives the encoded rows of one chunk of consecutive trials, in trial order.
pub type RowSink<'a> = dyn FnMut(&[u8]) -> Result<()> + 'a;

struct ChunkResult {
    /// The first accounting-identity violation in the chunk: a bug, reported with what is
    /// needed to reproduce it.
    violation: Option<String>,
    /// The first result that overflowed to ±∞ in the chunk (extreme inputs): an input error,
    /// since the aggregates would otherwise skip it silently like a "did not happen".
    overflow: Option<InputError>,
    agg: Aggregates,
    /// The chunk's encoded trial rows.
    rows: Vec<u8>,
}

/// Runs `opts.trials` trials of `s`. Each trial's row is encoded by `encode` (on the workers)
/// and the bytes handed to `sink` chunk by chunk in trial order; `progress` is told how many
/// trials are done after each wave.
pub fn run(
    s: &Scenario,
    opts: &RunOptions,
    encode: &RowEncoder<'_>,
    sink: &mut RowSink<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<Aggregates> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;
    let threads = pool.current_num_threads().max(1) as u64;
    let inputs = varying_inputs(s);
    let mut total = Aggregates::for_scenario(s);
    let n_chunks = opts.trials.div_ceil(CHUNK_TRIALS);
    let wave = threads * 4;
    let mut next_chunk = 0u64;
    while next_chunk < n_chunks {
        crate::cancel::check()?;
        let end = (next_chunk + wave).min(n_chunks);
        let results: Vec<ChunkResult> = pool.install(|| {
            (next_chunk..end)
                .into_par_iter()
                .map_init(
                    || Workspace::new(s, opts.seed),
                    |ws, c| {
                        let first = c * CHUNK_TRIALS;
                        let last = (first + CHUNK_TRIALS).min(opts.trials);
                        let mut agg = Aggregates::for_scenario(s);
                        let mut rows = Vec::new();
                        let mut values = Vec::with_capacity(inputs.len());
                        let mut violation = None;
                        let mut overflow = None;
                        for t in first..last {
                            run_trial(s, ws, t);
                            if overflow.is_none() {
                                overflow = overflow_error(s, ws, t, opts.seed);
                            }
                            if let (Some((q, gap)), None) = (ws.identity_violation, &violation) {
                                violation = Some(format!(
                                    "accounting identity fails in trial {t} (seed {}, scenario `{}`) at {}: money in − money out − change in accounts = {gap:e} US$ bn",
                                    opts.seed,
                                    s.name,
                                    s.quarter(q)
                                ));
                            }
                            agg.add_trial(ws);
                            values.clear();
                            values.extend(inputs.iter().map(|&i| ws.inputs[i]));
                            encode(t, &ws.out, &values, &mut rows);
                        }
                        ChunkResult {
                            violation,
                            overflow,
                            agg,
                            rows,
                        }
                    },
                )
                .collect()
        });
        for r in &results {
            if let Some(v) = &r.violation {
                return Err(Error::Invariant(v.clone()));
            }
            if let Some(e) = &r.overflow {
                return Err(e.clone().into());
            }
            total.merge(&r.agg);
            sink(&r.rows)?;
        }
        next_chunk = end;
        progress(total.trials);
    }
    Ok(total)
}
