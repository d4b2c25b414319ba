//! Property tests over randomly perturbed valid scenarios: per trial, the accounting identity
//! holds every quarter, capacity is never negative, cumulative capex never decreases and never
//! exceeds money raised, cash and debt are never negative, binding-constraint shares are a
//! partition, and a program without debt never defaults.

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
    // The model checks money in = money out + change in accounts every quarter.
    prop_assert!(
        ws.identity_violation.is_none(),
        "identity: {:?}",
        ws.identity_violation
    );
    for q in 0..nq {
        prop_assert!(
            ws.ts_value(Ts::ProgramDebtOutstandingUsdBn, q) >= -1e-9,
            "debt < 0 at {q}"
        );
        prop_assert!(ws.ts_value(Ts::ProgramReserveUsdBn, q) >= -1e-9);
    }
    let o = |x: Out| ws.out[x as usize];
    prop_assert!(o(Out::FabsCompleted) <= o(Out::FabsStarted));
    prop_assert!(o(Out::Defaulted) == 0.0 || o(Out::Defaulted) == 1.0);
    // Money raised adds up the same way by instrument and by partner class.
    let by_class: f64 = [
        Out::RaisedSovereignUsdBn,
        Out::RaisedInvestorUsdBn,
        Out::RaisedChipmakerUsdBn,
        Out::RaisedEnergyUsdBn,
        Out::RaisedAnchorCustomerUsdBn,
        Out::RaisedGovernmentUsdBn,
    ]
    .iter()
    .map(|x| o(*x))
    .sum();
    let total = o(Out::TotalRaisedUsdBn);
    prop_assert!(
        (by_class - total).abs() <= 1e-6 * total.max(1.0),
        "{by_class} vs {total}"
    );
    let by_instrument =
        o(Out::RaisedEquityUsdBn) + o(Out::RaisedDebtUsdBn) + o(Out::RaisedGrantUsdBn);
    prop_assert!((by_instrument - total).abs() <= 1e-6 * total.max(1.0));
    // The cumulative series ends at the total (cash calls included).
    let last = ws.ts_value(Ts::ProgramRaisedCumUsdBn, s.quarters() - 1);
    prop_assert!(
        (last - total).abs() <= 1e-6 * total.max(1.0),
        "program_raised_cum_usd_bn ends at {last}, total_raised_usd_bn = {total}"
    );
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
        scenario in prop::sample::select(vec!["altman-7t", "hundreds-of-billions", "baseline", "debt-heavy"]),
        spread in 0.0f64..1500.0,
        grace in 0.0f64..6.0,
        tenor in 6.0f64..25.0,
        amortisation in prop::sample::select(vec!["annuity", "linear", "bullet"]),
        draw in prop::sample::select(vec!["as_needed", "upfront"]),
        utilization in 0.0f64..1.0,
    ) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{scenario}.toml"));
        let rest = (1.0 - logic) / 4.0;
        let sets = vec![
            format!("program.size_usd_bn={size}"),
            format!("program.funding_lookahead_quarters={lookahead}"),
            format!("program.allocation={{ logic_share = {logic}, packaging_share = {rest}, hbm_share = {rest}, power_share = {rest}, tool_expansion_share = {} }}", 1.0 - logic - 3.0 * rest),
            format!("euv.program_reserved_share={reserved}"),
            format!("regions.us.fab_starts_per_year={starts}"),
            format!("market.utilization_share={utilization}"),
        ];
        let mut sets = sets;
        if scenario != "baseline" {
            sets.extend([
                format!("finance.tranches.senior.spread_bp={spread}"),
                format!("finance.tranches.senior.grace_years={grace}"),
                format!("finance.tranches.senior.tenor_years={tenor}"),
                format!("finance.tranches.senior.amortisation=\"{amortisation}\""),
                format!("finance.tranches.mezzanine.draw=\"{draw}\""),
            ]);
        }
        let s = load_scenario(&path, &sets).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut ws = Workspace::new(&s, seed);
        for t in 0..4 {
            run_trial(&s, &mut ws, t);
            check_trial(&s, &ws)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    /// Without debt there is no debt service to miss: such a program never defaults, whatever
    /// its revenue (shortfalls are covered by the partners).
    #[test]
    fn a_program_without_debt_never_defaults(
        seed in 0u64..1000,
        utilization in 0.0f64..1.0,
        size in 100.0f64..8000.0,
    ) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/altman-7t.toml");
        let sets = vec![
            "sources.project_debt.honoured_share=0".to_string(),
            format!("market.utilization_share={utilization}"),
            format!("program.size_usd_bn={size}"),
        ];
        let s = load_scenario(&path, &sets).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut ws = Workspace::new(&s, seed);
        for t in 0..4 {
            run_trial(&s, &mut ws, t);
            check_trial(&s, &ws)?;
            prop_assert_eq!(ws.out[Out::Defaulted as usize], 0.0);
            prop_assert_eq!(ws.out[Out::PeakDebtUsdBn as usize], 0.0);
        }
    }
}
