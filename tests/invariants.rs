//! Property tests over randomly perturbed valid scenarios: per trial, capacity is never negative,
//! cumulative capex never decreases, money spent never exceeds money raised, cash is never
//! negative, and binding-constraint shares are a partition.

use std::path::Path;

use chipsim::model::metrics::{Out, Ts};
use chipsim::model::trial::{run_trial, Workspace};
use chipsim::scenario::load_scenario;
use proptest::prelude::*;

fn check_trial(s: &chipsim::scenario::Scenario, ws: &Workspace) -> Result<(), TestCaseError> {
    let nq = s.quarters();
    let mut prev_capex = 0.0;
    for q in 0..nq {
        for m in [
            Ts::ProgramCapacityWspm,
            Ts::IncumbentCapacityWspm,
            Ts::ProgramPackagingCapacityWpm,
            Ts::ProgramHbmCapacityWspm,
            Ts::ProgramPowerMw,
        ] {
            prop_assert!(ws.ts_value(m, q) >= 0.0, "{m:?} negative at {q}");
        }
        let capex = ws.ts_value(Ts::ProgramCapexCumUsdBn, q);
        let raised = ws.ts_value(Ts::ProgramRaisedCumUsdBn, q);
        let cash = ws.ts_value(Ts::ProgramCashUsdBn, q);
        prop_assert!(capex >= prev_capex, "capex decreased at {q}");
        prop_assert!(
            capex <= raised + 1e-6,
            "spent {capex} > raised {raised} at {q}"
        );
        prop_assert!(cash >= -1e-9, "cash negative at {q}");
        prev_capex = capex;
        let binding: f64 = [
            Ts::BindingMoneyShare,
            Ts::BindingEuvShare,
            Ts::BindingPowerShare,
            Ts::BindingWorkforceShare,
            Ts::BindingNoneShare,
        ]
        .iter()
        .map(|m| ws.ts_value(*m, q))
        .sum();
        prop_assert_eq!(binding, 1.0);
        for m in [Ts::TsmcShareLeadingEdge, Ts::TaiwanShareLeadingEdge] {
            let x = ws.ts_value(m, q);
            prop_assert!((0.0..=1.0 + 1e-12).contains(&x), "{m:?} = {x}");
        }
    }
    // Money is conserved: raised = fab capex + power + tool expansion + cash left.
    let o = |x: Out| ws.out[x as usize];
    let uses = o(Out::TotalCapexUsdBn)
        + o(Out::PowerSpendUsdBn)
        + o(Out::ToolExpansionSpendUsdBn)
        + o(Out::UnspentUsdBn);
    prop_assert!(
        (o(Out::TotalRaisedUsdBn) - uses).abs() <= 1e-6 * o(Out::TotalRaisedUsdBn).max(1.0)
    );
    prop_assert!(o(Out::FabsCompleted) <= o(Out::FabsStarted));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn invariants_hold_in_every_trial(
        size in 50.0f64..9000.0,
        lookahead in 0u32..16,
        logic in 0.3f64..0.9,
        reserved in 0.0f64..1.0,
        starts in 0.0f64..6.0,
        seed in 0u64..1000,
        scenario in prop::sample::select(vec!["altman-7t", "hundreds-of-billions", "baseline"]),
    ) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{scenario}.toml"));
        let rest = (1.0 - logic) / 4.0;
        let sets = vec![
            format!("program.size_usd_bn={size}"),
            format!("program.funding_lookahead_quarters={lookahead}"),
            format!("program.allocation={{ logic_share = {logic}, packaging_share = {rest}, hbm_share = {rest}, power_share = {rest}, tool_expansion_share = {} }}", 1.0 - logic - 3.0 * rest),
            format!("euv.program_reserved_share={reserved}"),
            format!("regions.us.fab_starts_per_year={starts}"),
        ];
        let s = load_scenario(&path, &sets).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut ws = Workspace::new(&s, seed);
        for t in 0..4 {
            run_trial(&s, &mut ws, t);
            check_trial(&s, &ws)?;
        }
    }
}
