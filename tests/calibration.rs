//! The first quarters of `baseline` must look like the world of end-2023/early-2024
//! (docs/calibration.md lists each target, its source and the model's value).
//!
//! Tolerances are calibration ranges — the spread of the public figures — not sampling error:
//! with 2,000 trials the standard error of each mean below is under 1% of the tolerance.

use std::path::Path;

use chipsim::model::metrics::Ts;
use chipsim::model::trial::{run_trial, Workspace};
use chipsim::scenario::load_scenario;

struct Means {
    n: f64,
    sums: Vec<f64>,
}

#[test]
fn baseline_first_year_matches_2023_24() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let s = load_scenario(&path, &[]).expect("baseline is valid");
    let mut ws = Workspace::new(&s, 2024);
    let metrics = [
        Ts::AcceleratorsSuppliedUnits,
        Ts::ShortageRatio,
        Ts::PackagingCapacityWpm,
        Ts::TaiwanShareLeadingEdge,
        Ts::TsmcShareLeadingEdge,
        Ts::NvidiaShareAccelerators,
        Ts::EuvShipmentsPerYear,
        Ts::IncumbentAiWaferShare,
    ];
    let mut m = Means {
        n: 0.0,
        sums: vec![0.0; metrics.len()],
    };
    let mut in_shortage = 0.0;
    let mut accelerators_2024 = 0.0;
    let trials = 2000;
    for t in 0..trials {
        run_trial(&s, &mut ws, t);
        m.n += 1.0;
        for (i, x) in metrics.iter().enumerate() {
            m.sums[i] += ws.ts_value(*x, 0);
        }
        if ws.ts_value(Ts::ShortageRatio, 0) > 1.0 {
            in_shortage += 1.0;
        }
        accelerators_2024 += (0..4)
            .map(|q| ws.ts_value(Ts::AcceleratorsSuppliedUnits, q))
            .sum::<f64>();
    }
    let mean = |i: usize| m.sums[i] / m.n;
    let check = |name: &str, value: f64, lo: f64, hi: f64| {
        assert!(
            (lo..=hi).contains(&value),
            "{name}: model {value} outside the calibration range [{lo}, {hi}]"
        );
    };
    // ~3.85M data-centre accelerators in 2023 (TechInsights), growing: 2024Q1 annualised and
    // the whole of 2024 within ±25%.
    check(
        "accelerators 2024Q1 × 4",
        4.0 * mean(0),
        3.85e6 * 0.75,
        3.85e6 * 1.25,
    );
    check(
        "accelerators in 2024",
        accelerators_2024 / m.n,
        3.85e6 * 0.75,
        3.85e6 * 1.5,
    );
    // A shortage: CoWoS served ~80% of demand (demand/supply ≈ 1.25), in (almost) every trial.
    check("shortage ratio 2024Q1", mean(1), 1.05, 1.6);
    assert!(
        in_shortage / m.n > 0.95,
        "shortage in {} of trials",
        in_shortage / m.n
    );
    // CoWoS 11–15k wafers/month at end-2023 (Nikkei; Taiwan News).
    check("CoWoS capacity, wpm", mean(2), 11_000.0, 15_000.0);
    // ~92% of <10 nm logic capacity in Taiwan (BCG/SIA, 2019); Samsung's 5/4/3 nm ramp since
    // lowers it somewhat by 2024: 0.80–0.95.
    check("Taiwan share of leading edge", mean(3), 0.80, 0.95);
    // TSMC dominates leading-edge capacity (most of the Taiwan share is TSMC's).
    check("TSMC share of leading edge", mean(4), 0.8, 0.95);
    // NVIDIA 98% of data-centre GPUs (TechInsights); lower counting custom ASICs.
    check("NVIDIA share of accelerators", mean(5), 0.8, 0.98);
    // ~53 EUV tools shipped in 2023 (ASML).
    check("EUV shipments per year", mean(6), 50.0, 56.0);
    // AI used ~12% of 3–5 nm wafers in 2025 (Epoch AI); less at the start of 2024.
    check("incumbents' AI wafer share", mean(7), 0.03, 0.15);
}
