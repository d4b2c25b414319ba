//! Chart gallery and timing.
//!
//! ```text
//! cargo run --example chart_gallery                  # synthetic runs, charts, reports, comparison
//!                                                    # under target/chart_gallery/
//! cargo run --example chart_gallery -- OUT_DIR       # the same under OUT_DIR/
//! cargo run --example chart_gallery -- --docs        # also refreshes docs/img/*.png
//! cargo run --release --example chart_gallery -- --render RUN_DIR
//!                                                    # charts + report of an existing run folder,
//!                                                    # with the time each chart takes
//! cargo run --example chart_gallery -- --compare OUT_DIR RUN_DIR RUN_DIR...
//!                                                    # compare existing run folders
//! ```
//! The synthetic data come from a toy model in `chipsim::charts::demo`, not from chipsim's model.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chipsim::charts::{self, demo, RenderOptions, Size, CHART_SPECS};

/// Renders every chart of a run folder one by one, printing the time of each.
fn render_timed(run: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let data = charts::RunData::load(run)?;
    println!(
        "read run.json, timeseries.csv, summary.csv: {:.1?}",
        t.elapsed()
    );
    let t = Instant::now();
    let trials = charts::load_trial_outcomes(&data, CHART_SPECS)?;
    println!(
        "histograms of {} outcome columns of trials.csv ({} rows): {:.1?}",
        trials.columns.len(),
        trials.rows,
        t.elapsed()
    );
    let chart_dir = run.join("charts");
    std::fs::create_dir_all(&chart_dir)?;
    let png = RenderOptions {
        svg: false,
        ..RenderOptions::default()
    };
    let svg = RenderOptions {
        png: false,
        ..RenderOptions::default()
    };
    println!("{:<30} {:>9} {:>9}", "chart", "PNG ms", "SVG ms");
    let total = Instant::now();
    for spec in CHART_SPECS {
        let t = Instant::now();
        let a = charts::render_chart(&data, &trials, spec, &chart_dir, &png)?;
        let png_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        charts::render_chart(&data, &trials, spec, &chart_dir, &svg)?;
        let svg_ms = t.elapsed().as_secs_f64() * 1e3;
        if !a.is_empty() {
            println!("{:<30} {png_ms:>9.1} {svg_ms:>9.1}", spec.name);
        }
    }
    println!("all charts: {:.2?}", total.elapsed());
    let t = Instant::now();
    let report = chipsim::report::write_run_report(run)?;
    println!("{}: {:.2?}", report.display(), t.elapsed());
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--render") {
        let dir = args.get(i + 1).ok_or("--render needs a run folder")?;
        return render_timed(Path::new(dir));
    }
    if let Some(i) = args.iter().position(|a| a == "--compare") {
        let out = PathBuf::from(
            args.get(i + 1)
                .ok_or("--compare needs OUT_DIR RUN_DIR...")?,
        );
        let runs: Vec<PathBuf> = args[i + 2..].iter().map(PathBuf::from).collect();
        std::fs::create_dir_all(&out)?;
        let t = Instant::now();
        let outcome = chipsim::compare::compare_runs(&runs, None, &out)?;
        let report = chipsim::report::write_compare_report(&out, &outcome)?;
        println!(
            "compared {} metrics in {:.2?}: {}",
            outcome.metrics.len(),
            t.elapsed(),
            report.display()
        );
        for w in &outcome.warnings {
            println!("warning: {w}");
        }
        return Ok(());
    }
    let docs = args.iter().any(|a| a == "--docs");
    let out = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/chart_gallery"));
    std::fs::create_dir_all(&out)?;

    let scenario = |name: &str, size: f64| demo::DemoRun {
        scenario: name.into(),
        description: format!(
            "Synthetic demo: a {} program (toy model, not chipsim results)",
            chipsim::charts::units::format_value("x_usd_bn", size)
        ),
        program_usd_bn: size,
        future_metrics: true,
        ..demo::DemoRun::default()
    };
    let seven = demo::write_demo_run(&out, &scenario("demo-7t", 7000.0))?;
    let five = demo::write_demo_run(&out, &scenario("demo-5t", 5000.0))?;
    let small = demo::write_demo_run(&out, &scenario("demo-500bn", 500.0))?;
    println!("wrote synthetic runs under {}", out.display());

    render_timed(&seven)?;

    // Same seed in every run: common random numbers.
    let cmp_dir = out.join("compare");
    std::fs::create_dir_all(&cmp_dir)?;
    let t = Instant::now();
    let outcome = chipsim::compare::compare_runs(&[seven.clone(), five, small], None, &cmp_dir)?;
    let report = chipsim::report::write_compare_report(&cmp_dir, &outcome)?;
    println!(
        "compared {} metrics in {:.2?}: {}",
        outcome.metrics.len(),
        t.elapsed(),
        report.display()
    );
    for w in &outcome.warnings {
        println!("warning: {w}");
    }

    if docs {
        // Small pictures for docs/charts.md (one per chart type).
        let img = PathBuf::from("docs/img");
        std::fs::create_dir_all(&img)?;
        let small = RenderOptions {
            size: Size {
                width: 900,
                height: 525,
            },
            png: true,
            svg: false,
        };
        let data = charts::RunData::load(&seven)?;
        let trials = charts::load_trial_outcomes(&data, CHART_SPECS)?;
        for name in [
            "fan_capacity",
            "dist_first_output_year",
            "binding_constraints",
            "sources_uses",
        ] {
            if let Some(spec) = CHART_SPECS.iter().find(|s| s.name == name) {
                charts::render_chart(&data, &trials, spec, &img, &small)?;
            }
        }
        // Comparison pictures: a time series and a per-trial outcome.
        let metrics = vec![
            "program_capacity_wspm".to_string(),
            "first_output_year".to_string(),
        ];
        let cmp_small = out.join("compare_small");
        std::fs::create_dir_all(&cmp_small)?;
        let dirs: Vec<PathBuf> = outcome.runs.iter().map(|r| r.dir.clone()).collect();
        let o = chipsim::compare::compare_runs_with(&dirs, Some(&metrics), &cmp_small, &small)?;
        for c in &o.charts {
            std::fs::copy(&c.png, img.join(format!("compare_{}.png", c.metric)))?;
        }
        println!("refreshed docs/img/");
    }
    Ok(())
}
