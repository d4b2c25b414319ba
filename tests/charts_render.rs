//! Charts of a run folder, through the library API, on synthetic run folders in the exact output
//! format (68 quarters, 2024Q1–2040Q4).

use std::fs;
use std::path::{Path, PathBuf};

use chipsim::charts::{self, demo, ChartKind, CHART_SPECS};

fn demo_run(dir: &Path, future: bool) -> PathBuf {
    demo::write_demo_run(
        dir,
        &demo::DemoRun {
            scenario: "test-7t".into(),
            trials: 300,
            future_metrics: future,
            ..demo::DemoRun::default()
        },
    )
    .expect("demo run")
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_dims(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 33, "PNG too short");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

/// A small well-formedness check: tags nest and close, attributes are quoted, text has no raw
/// `<`, entities are known. Returns the text content.
fn check_xml(doc: &str) -> String {
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut rest = doc.trim();
    assert!(rest.starts_with("<svg"), "SVG starts with <svg");
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            let end = after.find('>').expect("unclosed tag");
            let tag = &after[..end];
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes in <{tag}>"
            );
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().expect("closing tag without opening");
                assert_eq!(open, name.trim(), "mismatched closing tag");
            } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
                let name = tag.split_whitespace().next().unwrap_or("").to_string();
                assert!(!name.is_empty());
                stack.push(name);
            }
            rest = &after[end + 1..];
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let t = &rest[..end];
            for (i, _) in t.match_indices('&') {
                let ent = &t[i..t[i..].find(';').map(|j| i + j + 1).expect("entity")];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].contains(&ent)
                        || ent.starts_with("&#"),
                    "unknown entity {ent}"
                );
            }
            text.push_str(t);
            text.push('\n');
            rest = &rest[end..];
        }
    }
    assert!(stack.is_empty(), "unclosed tags: {stack:?}");
    text
}

#[test]
fn demo_run_has_the_output_contract_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path(), false);
    let first_line = |f: &str| {
        fs::read_to_string(run.join(f))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        first_line("timeseries.csv"),
        "metric,quarter,mean,std,p5,p25,p50,p75,p95"
    );
    assert_eq!(
        first_line("summary.csv"),
        "metric,mean,std,p5,p25,p50,p75,p95,min,max,count"
    );
    assert!(first_line("trials.csv").starts_with("trial,"));
    assert!(first_line("trials.csv").contains(",program.size_usd_bn"));
    let ts = fs::read_to_string(run.join("timeseries.csv")).unwrap();
    let capacity_rows: Vec<&str> = ts
        .lines()
        .filter(|l| l.starts_with("program_capacity_wspm,"))
        .collect();
    assert_eq!(capacity_rows.len(), 68);
    assert!(capacity_rows[0].starts_with("program_capacity_wspm,2024Q1,"));
    assert!(capacity_rows[67].starts_with("program_capacity_wspm,2040Q4,"));
    let meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(run.join("run.json")).unwrap()).unwrap();
    assert_eq!(meta["output_format_version"], 1);
    assert_eq!(meta["scenario"], "test-7t");
}

#[test]
fn every_chart_is_written_and_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path(), true);
    let files = charts::render_run(&run).expect("render");
    // With every metric present, every spec draws a PNG and an SVG.
    assert_eq!(files.len(), CHART_SPECS.len() * 2, "{files:?}");
    for spec in CHART_SPECS {
        let png = run.join("charts").join(format!("{}.png", spec.name));
        let svg = run.join("charts").join(format!("{}.svg", spec.name));
        assert!(
            files.contains(&png) && files.contains(&svg),
            "{}",
            spec.name
        );

        let bytes = fs::read(&png).unwrap();
        assert_eq!(png_dims(&bytes), (1200, 700), "{}", spec.name);
        assert!(
            bytes.len() > 10_000 && bytes.len() < 1_000_000,
            "{}: {} bytes",
            spec.name,
            bytes.len()
        );

        let doc = fs::read_to_string(&svg).unwrap();
        let text = check_xml(&doc);
        assert!(text.contains(spec.title), "{}: title in SVG", spec.name);
        assert!(
            text.contains("test-7t"),
            "{}: scenario in subtitle",
            spec.name
        );
        match spec.kind {
            ChartKind::Fan(m) => {
                assert!(text.contains("Year"), "{}", spec.name);
                let axis = charts::units::axis_label(m[0]);
                assert!(text.contains(&axis), "{}: axis `{axis}`", spec.name);
                assert!(text.contains("P5–P95"), "{}", spec.name);
            }
            ChartKind::Distribution(m) => {
                assert!(text.contains("Share of all trials"), "{}", spec.name);
                assert!(
                    text.contains(&charts::units::metric_label(m)),
                    "{}: x axis",
                    spec.name
                );
                assert!(text.contains("Median"), "{}", spec.name);
                assert!(text.contains("90% interval"), "{}", spec.name);
                assert!(
                    text.contains("did not happen in") || text.contains("happened in every trial"),
                    "{}",
                    spec.name
                );
            }
            ChartKind::Stacked(_) => {
                assert!(text.contains("Share of trials"), "{}", spec.name);
                assert!(text.contains("Year"), "{}", spec.name);
            }
            ChartKind::Probability(_) => {
                assert!(text.contains("Share of trials"), "{}", spec.name);
                assert!(text.contains("Year"), "{}", spec.name);
            }
            ChartKind::SourcesUses { .. } => {
                for w in [
                    "Raised, by partner",
                    "Raised, by instrument",
                    "Uses of funds",
                ] {
                    assert!(text.contains(w), "{w}");
                }
                assert!(text.contains("US dollars"));
                assert!(text.contains("Sovereign"));
                assert!(text.contains("Unspent"));
            }
            _ => {}
        }
    }
}

#[test]
fn missing_metrics_and_files_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path(), false);
    // Drop the capacity series and add an unknown metric.
    let ts = fs::read_to_string(run.join("timeseries.csv")).unwrap();
    let mut kept: String = ts
        .lines()
        .filter(|l| !l.starts_with("program_capacity_wspm,") && !l.starts_with("incumbent_"))
        .map(|l| format!("{l}\n"))
        .collect();
    kept.push_str("some_future_metric_usd_bn,2024Q1,1,0,1,1,1,1,1\n");
    fs::write(run.join("timeseries.csv"), kept).unwrap();
    fs::remove_file(run.join("trials.csv")).unwrap();

    let files = charts::render_run(&run).expect("render");
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("fan_capacity")));
    assert!(
        !names.iter().any(|n| n.starts_with("dist_")),
        "no trials.csv"
    );
    // Future metrics are absent from this run: their charts are skipped too.
    assert!(!names.iter().any(|n| n.starts_with("fan_accelerators")));
    assert!(!names.iter().any(|n| n.starts_with("fan_dscr")));
    assert!(!names.iter().any(|n| n.starts_with("binding_supply")));
    for present in [
        "fan_fabs.png",
        "fan_money.svg",
        "binding_constraints.png",
        "sources_uses.svg",
    ] {
        assert!(names.iter().any(|n| n == present), "{present} in {names:?}");
    }
}

#[test]
fn outcomes_that_never_happen_still_get_a_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path(), false);
    // Blank every first_output_year cell.
    let trials = fs::read_to_string(run.join("trials.csv")).unwrap();
    let mut lines = trials.lines();
    let header = lines.next().unwrap();
    let col = header
        .split(',')
        .position(|c| c == "first_output_year")
        .unwrap();
    let mut out = format!("{header}\n");
    for l in lines {
        let mut cells: Vec<&str> = l.split(',').collect();
        cells[col] = "";
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    fs::write(run.join("trials.csv"), out).unwrap();
    charts::render_run(&run).expect("render");
    let svg = fs::read_to_string(run.join("charts/dist_first_output_year.svg")).unwrap();
    assert!(svg.contains("did not happen in 100.0% of trials"));
    assert!(svg.contains("Did not happen in any of the 300 trials"));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    // Not a run folder.
    let err = charts::render_run(tmp.path()).unwrap_err();
    assert!(err.to_string().contains("run.json"), "{err}");
    // A malformed number.
    let run = demo_run(tmp.path(), false);
    let ts = fs::read_to_string(run.join("timeseries.csv")).unwrap();
    fs::write(
        run.join("timeseries.csv"),
        ts.replacen(
            "program_fabs_operating,2024Q1,0,",
            "program_fabs_operating,2024Q1,zero,",
            1,
        ),
    )
    .unwrap();
    let err = charts::render_run(&run).unwrap_err();
    assert!(err.is_input(), "{err}");
    assert!(err.to_string().contains("zero"), "{err}");
    // A malformed quarter.
    fs::write(
        run.join("timeseries.csv"),
        "metric,quarter,mean,std,p5,p25,p50,p75,p95\nprogram_fabs_operating,2024-01,1,1,1,1,1,1,1\n",
    )
    .unwrap();
    let err = charts::render_run(&run).unwrap_err();
    assert!(err.to_string().contains("2024-01"), "{err}");
}

#[test]
fn small_pictures_scale() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path(), false);
    let opts = charts::RenderOptions {
        size: charts::Size {
            width: 600,
            height: 350,
        },
        png: true,
        svg: false,
    };
    let files = charts::render_run_with(&run, &opts).unwrap();
    assert!(!files.is_empty());
    for f in files {
        assert_eq!(f.extension().unwrap(), "png");
        assert_eq!(png_dims(&fs::read(&f).unwrap()), (600, 350));
    }
}

/// Rewrites the rows of `metric` in `timeseries.csv`: `f(row index, quantile cells)` gets the
/// cells after `metric,quarter` (mean, std, p5, p25, p50, p75, p95) to change in place.
fn edit_series(run: &Path, metric: &str, f: impl Fn(usize, &mut [String])) {
    let path = run.join("timeseries.csv");
    let ts = fs::read_to_string(&path).unwrap();
    let mut out = String::new();
    let mut i = 0;
    for line in ts.lines() {
        if line.starts_with(&format!("{metric},")) {
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            f(i, &mut cells[2..]);
            i += 1;
            out.push_str(&cells.join(","));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    assert!(i > 0, "no rows of {metric}");
    fs::write(&path, out).unwrap();
}

/// Labels of powers of ten as a log axis of H100-equivalents shows them.
const POWERS_OF_TEN: &[&str] = &[
    "1", "10", "100", "1k", "10k", "100k", "1M", "10M", "100M", "1bn", "10bn", "100bn",
];

/// The fan chart of accelerators, as (PNG bytes, SVG text).
fn render_accelerators(run: &Path) -> (Vec<u8>, String) {
    let files = charts::render_run(run).expect("render");
    let png = run.join("charts/fan_accelerators.png");
    let svg = run.join("charts/fan_accelerators.svg");
    assert!(files.contains(&png) && files.contains(&svg));
    let bytes = fs::read(&png).unwrap();
    assert_eq!(png_dims(&bytes), (1200, 700));
    assert!(bytes.len() > 10_000, "{} bytes", bytes.len());
    let doc = fs::read_to_string(&svg).unwrap();
    assert!(
        !doc.contains("NaN") && !doc.contains("inf\""),
        "no NaN or inf coordinates"
    );
    let text = check_xml(&doc);
    assert!(text.contains("AI accelerators: supplied vs demanded"));
    assert!(text.contains("Accelerators (H100-equivalents)"));
    (bytes, text)
}

#[test]
fn accelerators_are_drawn_on_a_log_scale() {
    let spec = CHART_SPECS
        .iter()
        .find(|s| s.name == "fan_accelerators")
        .unwrap();
    assert!(spec.log_y);
    assert!(
        CHART_SPECS
            .iter()
            .filter(|s| s.log_y)
            .all(|s| matches!(s.kind, ChartKind::Fan(_))),
        "log scale is for fan charts"
    );

    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path(), true);
    // Bands of trials with nothing yet (zero), a negative value, a median of zero and a gap.
    edit_series(&run, "accelerators_supplied_h100e", |i, c| {
        if i < 12 {
            c[2] = "0".into();
            c[3] = "0".into();
        }
        if i == 3 {
            c[2] = "-5".into();
        }
        if i < 2 {
            c[4] = "0".into();
        }
        if i == 20 {
            for v in c.iter_mut() {
                v.clear();
            }
        }
    });
    let (_, text) = render_accelerators(&run);
    assert!(text.contains("(log scale)"), "log axis");
    let ticks: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| POWERS_OF_TEN.contains(l))
        .collect();
    assert!(ticks.len() >= 3, "power-of-ten ticks: {ticks:?}");
    assert!(ticks.contains(&"1M") && ticks.contains(&"1bn"), "{ticks:?}");

    // Smaller pictures scale too.
    let opts = charts::RenderOptions {
        size: charts::Size {
            width: 600,
            height: 350,
        },
        png: true,
        svg: true,
    };
    let data = charts::RunData::load(&run).unwrap();
    let trials = charts::load_trial_outcomes(&data, &[]).unwrap();
    let out = tmp.path().join("small");
    fs::create_dir_all(&out).unwrap();
    let files = charts::render_chart(&data, &trials, spec, &out, &opts).unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(png_dims(&fs::read(&files[0]).unwrap()), (600, 350));
}

#[test]
fn a_log_scale_chart_of_zeros_falls_back_to_linear() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path(), true);
    for m in ["accelerators_supplied_h100e", "accelerators_demanded_h100e"] {
        edit_series(&run, m, |_, c| {
            for v in c.iter_mut() {
                *v = "0".into();
            }
        });
    }
    let (_, text) = render_accelerators(&run);
    assert!(
        !text.contains("(log scale)"),
        "nothing positive: linear axis"
    );
    assert!(text.lines().any(|l| l.trim() == "0"), "a zero tick");

    // Only one quarter positive, and only in its P95: a log axis around it.
    edit_series(&run, "accelerators_demanded_h100e", |i, c| {
        if i == 40 {
            c[6] = "2500000".into();
        }
    });
    let (_, text) = render_accelerators(&run);
    assert!(text.contains("(log scale)"));
    assert!(text.lines().any(|l| l.trim() == "1M"), "{text}");
}

/// Every non-empty value of a `trials.csv` column, read the plain way.
fn trial_column(run: &Path, metric: &str) -> (u64, Vec<f64>) {
    let text = fs::read_to_string(run.join("trials.csv")).unwrap();
    let mut lines = text.lines();
    let col = lines
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == metric)
        .unwrap();
    let mut rows = 0;
    let mut values = Vec::new();
    for l in lines {
        rows += 1;
        let cell = l.split(',').nth(col).unwrap_or("");
        if !cell.is_empty() {
            values.push(cell.parse::<f64>().unwrap());
        }
    }
    (rows, values)
}

#[test]
fn distributions_are_streamed_with_the_bins_of_the_whole_sample() {
    let tmp = tempfile::tempdir().unwrap();
    let run = demo_run(tmp.path(), true);
    let data = charts::RunData::load(&run).unwrap();
    let trials = charts::load_trial_outcomes(&data, CHART_SPECS).unwrap();
    let dists: Vec<&str> = CHART_SPECS
        .iter()
        .filter_map(|s| match s.kind {
            ChartKind::Distribution(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(trials.columns.len(), dists.len());
    for m in &dists {
        let (rows, mut values) = trial_column(&run, m);
        values.sort_by(f64::total_cmp);
        let unit = charts::units::unit_of(m);
        let h = trials.get(m).unwrap();
        assert_eq!(trials.rows, rows);
        assert_eq!(h.count, values.len() as u64, "{m}");
        assert_eq!(
            h.bins(rows),
            charts::histogram_bins(unit, &values, rows),
            "{m}"
        );
        // Markers are summary.csv's.
        let s = data.summary(m).unwrap();
        if !values.is_empty() {
            assert_eq!(
                (Some(h.p5), Some(h.p50), Some(h.p95)),
                (s.p5, s.p50, s.p95),
                "{m}"
            );
        }
    }

    // The chart's legend gives the summary's median and 90% interval.
    charts::render_run(&run).unwrap();
    let s = data.summary("total_capex_usd_bn").unwrap();
    let svg = fs::read_to_string(run.join("charts/dist_total_capex.svg")).unwrap();
    let text = check_xml(&svg);
    let fmt =
        |v: Option<f64>| charts::units::format_unit_value(charts::units::Unit::UsdBn, v.unwrap());
    assert!(text.contains(&format!("Median {}", fmt(s.p50))), "{text}");
    assert!(
        text.contains(&format!("90% interval {} to {}", fmt(s.p5), fmt(s.p95))),
        "{text}"
    );

    // Without summary.csv the same bins come from a pass over trials.csv, markers from them.
    fs::remove_file(run.join("summary.csv")).unwrap();
    let data = charts::RunData::load(&run).unwrap();
    let again = charts::load_trial_outcomes(&data, CHART_SPECS).unwrap();
    for m in &dists {
        let (a, b) = (trials.get(m).unwrap(), again.get(m).unwrap());
        assert_eq!(a.bins(trials.rows), b.bins(again.rows), "{m}");
        if a.count > 0 {
            let w = b.edges.unwrap().width;
            assert!(
                (a.p50 - b.p50).abs() <= 2.0 * w,
                "{m}: {} vs {}",
                a.p50,
                b.p50
            );
        }
    }
    let files = charts::render_run(&run).unwrap();
    assert!(files
        .iter()
        .any(|f| f.ends_with("charts/dist_total_capex.png")));
}
