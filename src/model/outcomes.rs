//! Per-trial outcomes (rows of summary.csv, columns of trials.csv), computed once the last
//! quarter is done from the running totals of the build-out, the market and the funding, the
//! fabs and the recorded time series.

use crate::model::buildout::BuildState;
use crate::model::funding::{self, FundingState};
use crate::model::market::MarketState;
use crate::model::metrics::{Out, Ts, N_OUT};
use crate::model::trial::{Binding, Workspace};
use crate::scenario::types::{FabKind, Instrument, Scenario};

/// Records every per-trial outcome into `ws.out`: money committed, raised and spent; the
/// market's outcomes (shortage end, cost per H100e, accelerators); event start dates; the
/// finance outcomes ([`funding::finance_outcomes`]); fabs started and completed; capacity and
/// market structure at 2030 and 2035; binding-constraint shares; money raised by instrument and
/// partner class; capex by kind and power and tool spending.
///
/// Reads `build`, `market`, `fund`, `ws.fabs`, `ws.ledger`, `ws.knobs.started`, `ws.ts`. Writes
/// `ws.out`, and what [`funding::finance_outcomes`] writes.
pub(super) fn record_outcomes(
    s: &Scenario,
    ws: &mut Workspace,
    build: &BuildState,
    market: &MarketState,
    fund: &FundingState,
) {
    let nq = ws.nq;
    let capex_by_kind = &build.capex_by_kind;
    let raised_by_instrument = &fund.raised_by_instrument;
    let capex_total: f64 = capex_by_kind.iter().sum();
    let raised_total: f64 = raised_by_instrument.iter().sum();
    ws.set_out(Out::TotalCommittedUsdBn, fund.committed);
    ws.set_out(Out::TotalRaisedUsdBn, raised_total);
    ws.set_out(Out::TotalCapexUsdBn, capex_total);
    ws.set_out(Out::UnspentUsdBn, ws.ledger.accounts());
    if let Some(q) = market.shortage_end {
        ws.set_out(Out::ShortageEndYear, s.quarter(q).decimal_year());
    }
    // The shortage is over for good when the window's last four quarters or more have none.
    let over_from = market.last_shortage.map_or(0, |q| q + 1);
    if ws.nq >= over_from + 4 {
        ws.set_out(Out::ShortageOverYear, s.quarter(over_from).decimal_year());
    }
    if market.program_h100e_cum > 0.0 {
        ws.set_out(
            Out::CostPerH100eUsd,
            capex_by_kind.iter().sum::<f64>() * 1e9 / market.program_h100e_cum,
        );
    }
    if let Some(i) = s.year_end_index(2030) {
        ws.set_out(
            Out::NvidiaShare2030,
            ws.ts_value(Ts::NvidiaShareAccelerators, i),
        );
        ws.set_out(Out::AcceleratorsCum20242030H100e, market.acc_2030);
    }
    ws.set_out(
        Out::PeakShortageRatio,
        if market.peak_shortage.is_finite() {
            market.peak_shortage
        } else {
            f64::NAN
        },
    );
    ws.set_out(Out::ProgramAcceleratorsCumH100e, market.program_h100e_cum);
    for e in 0..s.events.len() {
        if let Some(q) = ws.knobs.started[e] {
            ws.out[N_OUT + e] = s.quarter(q).decimal_year();
        }
    }
    funding::finance_outcomes(s, ws, fund);
    let count = |kind: FabKind| ws.fabs.iter().filter(|f| f.kind == kind).count() as f64;
    let logic_started = count(FabKind::Logic);
    let packaging_started = count(FabKind::Packaging);
    let hbm_started = count(FabKind::Hbm);
    let end_q = nq as u32;
    let completed = ws
        .fabs
        .iter()
        .filter(|f| f.kind == FabKind::Logic && f.first_output_q < end_q)
        .count() as f64;
    let by2030 = s.year_end_index(2030).map_or(f64::NAN, |i| {
        ws.fabs
            .iter()
            .filter(|f| f.kind == FabKind::Logic && f.first_output_q <= i as u32)
            .count() as f64
    });
    ws.set_out(Out::FabsStarted, logic_started);
    ws.set_out(Out::FabsCompleted, completed);
    ws.set_out(Out::FabsCompletedBy2030, by2030);
    if let Some(q) = market.first_output {
        ws.set_out(Out::FirstOutputYear, s.quarter(q as usize).decimal_year());
    }
    ws.set_out(Out::PackagingPlantsStarted, packaging_started);
    ws.set_out(Out::HbmFabsStarted, hbm_started);
    let at_year = |ws: &Workspace, m: Ts, year: u32| {
        s.year_end_index(year)
            .map_or(f64::NAN, |i| ws.ts_value(m, i))
    };
    let (c30, c35) = (
        at_year(ws, Ts::ProgramCapacityWspm, 2030),
        at_year(ws, Ts::ProgramCapacityWspm, 2035),
    );
    let (t30, t35) = (
        at_year(ws, Ts::TsmcShareLeadingEdge, 2030),
        at_year(ws, Ts::TsmcShareLeadingEdge, 2035),
    );
    let (h35, tw35) = (
        at_year(ws, Ts::HhiLeadingEdge, 2035),
        at_year(ws, Ts::TaiwanShareLeadingEdge, 2035),
    );
    ws.set_out(Out::ProgramCapacity2030Wspm, c30);
    ws.set_out(Out::ProgramCapacity2035Wspm, c35);
    ws.set_out(Out::TsmcShare2030, t30);
    ws.set_out(Out::TsmcShare2035, t35);
    ws.set_out(Out::Hhi2035, h35);
    ws.set_out(Out::TaiwanShare2035, tw35);
    if build.active_quarters > 0 {
        let a = f64::from(build.active_quarters);
        let share = |b: Binding| f64::from(build.binding_counts[b as usize]) / a;
        ws.set_out(Out::BindingMoneyShare, share(Binding::Money));
        ws.set_out(Out::BindingEuvShare, share(Binding::Euv));
        ws.set_out(Out::BindingPowerShare, share(Binding::Power));
        ws.set_out(Out::BindingWorkforceShare, share(Binding::Workforce));
    }
    ws.set_out(Out::ConstructionStallQuarters, f64::from(build.stall_total));
    ws.set_out(Out::RaisedEquityUsdBn, raised_by_instrument[0]);
    ws.set_out(Out::RaisedDebtUsdBn, raised_by_instrument[1]);
    ws.set_out(Out::RaisedGrantUsdBn, raised_by_instrument[2]);
    let classes = [
        Out::RaisedSovereignUsdBn,
        Out::RaisedInvestorUsdBn,
        Out::RaisedChipmakerUsdBn,
        Out::RaisedEnergyUsdBn,
        Out::RaisedAnchorCustomerUsdBn,
        Out::RaisedGovernmentUsdBn,
    ];
    let debt_offered: f64 = fund.debt_by_class.iter().sum();
    for (c, o) in classes.into_iter().enumerate() {
        let debt = if debt_offered > 0.0 {
            raised_by_instrument[Instrument::Debt as usize] * fund.debt_by_class[c] / debt_offered
        } else {
            0.0
        };
        ws.set_out(o, fund.raised_by_class[c] + debt);
    }
    ws.set_out(Out::CapexLogicUsdBn, capex_by_kind[0]);
    ws.set_out(Out::CapexPackagingUsdBn, capex_by_kind[1]);
    ws.set_out(Out::CapexHbmUsdBn, capex_by_kind[2]);
    ws.set_out(Out::PowerSpendUsdBn, build.power_spend);
    ws.set_out(Out::ToolExpansionSpendUsdBn, build.tool_spend);
}
