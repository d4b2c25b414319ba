//! Chip supply, the market and the risk register, through the library with common random
//! numbers (trial i of each variant draws the same random numbers for every key they share).

use std::path::Path;

use chipsim::model::metrics::{Out, Ts};
use chipsim::model::trial::{run_trial, Workspace};
use chipsim::scenario::{load_scenario, Scenario};
use chipsim::time::Quarter;
use proptest::prelude::*;

fn scenario(name: &str, sets: &[String]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
    load_scenario(&path, sets).expect("valid scenario")
}

fn qi(s: &Scenario, q: &str) -> usize {
    s.quarter_index(Quarter::parse(q).unwrap()).unwrap()
}

/// An event that certainly happens in 2028Q1 for 4 quarters removes Taiwan's capacity for
/// exactly those quarters.
#[test]
fn a_certain_taiwan_event_removes_taiwan_capacity_for_its_duration() {
    let sets: Vec<String> = [
        "events.taiwan_blockade.probability_per_year=1",
        "events.taiwan_blockade.window_start_quarter=\"2028Q1\"",
        "events.taiwan_blockade.window_end_quarter=\"2028Q1\"",
        "events.taiwan_blockade.duration_quarters=4",
    ]
    .map(String::from)
    .to_vec();
    let s = scenario("altman-7t", &sets);
    let mut ws = Workspace::new(&s, 5);
    let (start, end) = (qi(&s, "2028Q1"), qi(&s, "2028Q4"));
    for t in 0..50 {
        run_trial(&s, &mut ws, t);
        let e = s
            .events
            .iter()
            .position(|e| e.name == "taiwan_blockade")
            .unwrap();
        assert_eq!(ws.knobs.started[e], Some(start));
        for q in start..=end {
            assert_eq!(
                ws.ts_value(Ts::TaiwanShareLeadingEdge, q),
                0.0,
                "quarter {q}"
            );
        }
        assert!(ws.ts_value(Ts::TaiwanShareLeadingEdge, start - 1) > 0.3);
        assert!(ws.ts_value(Ts::TaiwanShareLeadingEdge, end + 1) > 0.3);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    /// Events never fire outside their window, whatever the window and probability.
    #[test]
    fn events_never_fire_outside_their_window(
        a in 0u32..68,
        len in 0u32..20,
        p in 0.0f64..1.0,
        seed in 0u64..10_000,
    ) {
        let start = Quarter::new(2024, 1).plus(a);
        let end = start.plus(len);
        let sets = vec![
            format!("events.demand_bust.probability_per_year={p}"),
            format!("events.demand_bust.window_start_quarter=\"{start}\""),
            format!("events.demand_bust.window_end_quarter=\"{end}\""),
        ];
        let s = scenario("baseline", &sets);
        let e = s.events.iter().position(|e| e.name == "demand_bust").unwrap();
        let mut ws = Workspace::new(&s, seed);
        for t in 0..20 {
            run_trial(&s, &mut ws, t);
            if let Some(q) = ws.knobs.started[e] {
                let q = s.quarter(q);
                prop_assert!(q >= start && q <= end, "{q} outside {start}..{end}");
            }
        }
    }
}

/// A demand bust lowers program fabs' utilization and does not lower the default probability
/// (paired comparison with common random numbers; McNemar-style tolerance 3·√discordant/N).
#[test]
fn a_demand_bust_lowers_utilization_and_raises_defaults() {
    let base: Vec<String> = vec![
        "events.demand_bust.window_start_quarter=\"2030Q1\"".into(),
        "events.demand_bust.window_end_quarter=\"2030Q1\"".into(),
        "events.demand_bust.duration_quarters=8".into(),
        "demand.overbuild_cut=\"pro_rata\"".into(),
    ];
    let mut none = base.clone();
    none.push("events.demand_bust.probability_per_year=0".into());
    let mut bust = base;
    bust.push("events.demand_bust.probability_per_year=1".into());
    let (a, b) = (
        scenario("hundreds-of-billions", &none),
        scenario("hundreds-of-billions", &bust),
    );
    let (mut wa, mut wb) = (Workspace::new(&a, 11), Workspace::new(&b, 11));
    let n = 300;
    let (q0, q1) = (qi(&a, "2030Q1"), qi(&a, "2031Q4"));
    let (mut ua, mut ub, mut da, mut db, mut discordant, mut paired) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for t in 0..n {
        run_trial(&a, &mut wa, t);
        run_trial(&b, &mut wb, t);
        for q in q0..=q1 {
            let (x, y) = (
                wa.ts_value(Ts::ProgramUtilization, q),
                wb.ts_value(Ts::ProgramUtilization, q),
            );
            if x.is_finite() && y.is_finite() {
                ua += x;
                ub += y;
                paired += 1.0;
            }
        }
        let (x, y) = (
            wa.out[Out::Defaulted as usize],
            wb.out[Out::Defaulted as usize],
        );
        da += x;
        db += y;
        if x != y {
            discordant += 1.0;
        }
    }
    assert!(paired > 0.0);
    assert!(
        ub / paired < ua / paired,
        "utilization {} → {}",
        ua / paired,
        ub / paired
    );
    let tol = 3.0 * f64::sqrt(discordant);
    assert!(db + tol >= da, "defaults {da} → {db} of {n}");
    assert!(
        db > da,
        "a two-year demand bust should cause some extra defaults: {da} → {db}"
    );
}

/// Demand starts from what the world could make before any event: a supply event active in the
/// first quarter lowers supply, not the starting level of demand (same random numbers).
#[test]
fn a_first_quarter_supply_event_does_not_lower_the_starting_demand() {
    let event = |p: &str| -> Vec<String> {
        [
            format!("events.taiwan_blockade.probability_per_year={p}"),
            "events.taiwan_blockade.window_start_quarter=\"2024Q1\"".to_string(),
            "events.taiwan_blockade.window_end_quarter=\"2024Q1\"".to_string(),
            "events.taiwan_blockade.duration_quarters=4".to_string(),
            "events.taiwan_blockade.effects=[{ knob = \"taiwan_capacity\", multiply = 0.5 }, \
             { knob = \"packaging_supply\", multiply = 0.5 }, { knob = \"hbm_supply\", multiply = 0.5 }]"
                .to_string(),
        ]
        .to_vec()
    };
    let with = scenario("baseline", &event("1"));
    let without = scenario("baseline", &event("0"));
    let (mut a, mut b) = (Workspace::new(&with, 11), Workspace::new(&without, 11));
    for t in 0..30 {
        run_trial(&with, &mut a, t);
        run_trial(&without, &mut b, t);
        let e = with
            .events
            .iter()
            .position(|e| e.name == "taiwan_blockade")
            .unwrap();
        assert_eq!(a.knobs.started[e], Some(0));
        assert_eq!(
            a.ts_value(Ts::AcceleratorsDemandedH100e, 0),
            b.ts_value(Ts::AcceleratorsDemandedH100e, 0),
            "trial {t}"
        );
        // Supply is cut (by half: all three components are halved or more).
        assert!(
            a.ts_value(Ts::AcceleratorsSuppliedH100e, 0)
                < 0.75 * b.ts_value(Ts::AcceleratorsSuppliedH100e, 0)
        );
    }
}

/// `shortage_over_year` is the quarter after the last shortage, when at least four quarters
/// without one follow to the end of the window; `shortage_end_year` is never later.
#[test]
fn shortage_over_year_marks_the_final_run_without_shortage() {
    let s = scenario("altman-7t", &[]);
    let nq = s.quarters();
    let mut ws = Workspace::new(&s, 3);
    for t in 0..200 {
        run_trial(&s, &mut ws, t);
        let ratio = |q: usize| ws.ts_value(Ts::ShortageRatio, q);
        let last_shortage = (0..nq).rev().find(|&q| ratio(q) > 1.0);
        let expected = match last_shortage {
            Some(q) if q + 1 + 4 <= nq => Some(q + 1),
            Some(_) => None,
            None => Some(0),
        };
        let got = ws.out[Out::ShortageOverYear as usize];
        match expected {
            Some(q) => {
                assert_eq!(got, s.quarter(q).decimal_year(), "trial {t}");
                let end = ws.out[Out::ShortageEndYear as usize];
                assert!(end <= got, "trial {t}: end {end} after over {got}");
            }
            None => {
                assert!(got.is_nan(), "trial {t}: {got}");
            }
        }
    }
}
