//! Trials per second on the shipped `altman-7t` scenario.
//!
//! `cargo bench --bench trials` reports the time of one trial (simulation + aggregation, single
//! thread; and simulation alone) and of a 1,024-trial engine run on all cores; trials/s = 1 / time per trial.

use std::path::Path;

use chipsim::engine::{self, Aggregates, RunOptions};
use chipsim::model::trial::{run_trial, Workspace};
use chipsim::scenario::load_scenario;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/altman-7t.toml");
    let s = load_scenario(&path, &[]).expect("shipped scenario is valid");
    let mut g = c.benchmark_group("altman-7t");
    g.throughput(Throughput::Elements(1));
    g.bench_function("one_trial_single_thread", |b| {
        let mut ws = Workspace::new(&s, 42);
        let mut agg = Aggregates::for_scenario(&s);
        let mut t = 0u64;
        b.iter(|| {
            run_trial(&s, &mut ws, t);
            agg.add_trial(&ws);
            t += 1;
        });
    });
    g.bench_function("one_trial_simulation_only", |b| {
        let mut ws = Workspace::new(&s, 42);
        let mut t = 0u64;
        b.iter(|| {
            run_trial(&s, &mut ws, t);
            t += 1;
        });
    });
    g.throughput(Throughput::Elements(1024));
    g.sample_size(10);
    g.bench_function("engine_1024_trials_all_cores", |b| {
        b.iter(|| {
            let opts = RunOptions {
                trials: 1024,
                seed: 42,
                threads: 0,
            };
            engine::run(&s, &opts, &|_, _, _, _| {}, &mut |_| Ok(()), &mut |_| {}).expect("runs")
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
