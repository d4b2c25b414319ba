//! Chart rendering time on a real run of the shipped `altman-7t` scenario (68 quarters).
//!
//! `cargo bench --bench charts` reports, per chart type, the time to draw one chart as PNG and
//! as SVG (1200 × 700), and the time to draw every chart of the run (PNG and SVG). The run folder
//! is made once in a temporary directory (2,000 trials, no charts), outside the measurement.

use std::path::Path;

use chipsim::charts::data::RunData;
use chipsim::charts::{
    load_trial_outcomes, render_chart, render_run, ChartSpec, RenderOptions, CHART_SPECS,
};
use chipsim::scenario::load_scenario;
use chipsim::study::{run_one, StudyOptions};
use criterion::{criterion_group, criterion_main, Criterion};

fn spec(name: &str) -> &'static ChartSpec {
    CHART_SPECS
        .iter()
        .find(|s| s.name == name)
        .expect("chart spec exists")
}

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/altman-7t.toml");
    let s = load_scenario(&path, &[]).expect("shipped scenario is valid");
    let tmp = tempfile::tempdir().expect("temporary directory");
    let opts = StudyOptions {
        trials: Some(2000),
        seed: Some(42),
        threads: 0,
        out_dir: tmp.path().to_path_buf(),
        charts: false,
        trace: 0,
    };
    let run_dir = run_one(&s, &opts, &mut |_, _| {}).expect("run").dir;
    let run = RunData::load(&run_dir).expect("run folder");
    let trials = load_trial_outcomes(&run, CHART_SPECS).expect("trials.csv");
    let out = tmp.path().join("bench-charts");
    std::fs::create_dir_all(&out).expect("chart folder");

    let mut g = c.benchmark_group("chart");
    g.sample_size(20);
    for name in [
        "fan_capacity",
        "fan_accelerators",
        "dist_first_output_year",
        "binding_constraints",
        "sources_uses",
    ] {
        for (fmt, png) in [("png", true), ("svg", false)] {
            let o = RenderOptions {
                png,
                svg: !png,
                ..RenderOptions::default()
            };
            g.bench_function(format!("{name}_{fmt}"), |b| {
                b.iter(|| render_chart(&run, &trials, spec(name), &out, &o).expect("renders"))
            });
        }
    }
    g.finish();

    let mut g = c.benchmark_group("run");
    g.sample_size(10);
    g.bench_function("every_chart_png_and_svg", |b| {
        b.iter(|| render_run(&run_dir).expect("renders"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
