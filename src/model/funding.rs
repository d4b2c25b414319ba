//! The program's money within a trial: pledges turned into a pay-in schedule, the money that
//! arrives each quarter (phase 1), the cash waterfall and the quarter's books (phase 6), and the
//! finance outcomes at the end of the trial. The accounts themselves and the waterfall's rules
//! are in [`crate::model::ledger`]; debt instruments and return measures in [`crate::finance`].

use crate::finance::rate::vasicek_step;
use crate::finance::returns::{irr_annual, npv, payback_index, quarterly_rate};
use crate::model::ledger::{Flows, QuarterResult, Terms};
use crate::model::market::Operations;
use crate::model::metrics::{Out, Ts};
use crate::model::trial::{Workspace, MAX_TRANCHES};
use crate::scenario::params::stable_slot;
use crate::scenario::types::{Commitment, DrawMode, Instrument, Knob, Scenario, PARTNER_CLASSES};

/// Number of partner classes (sovereign, investor, chipmaker, energy, anchor customer,
/// government).
const NC: usize = PARTNER_CLASSES.len();

/// Per-trial funding constants.
#[derive(Debug, Clone, Copy)]
pub struct FundingParams {
    /// How every dollar paid in is split: logic, packaging and HBM construction accounts, power,
    /// EUV expansion (the scenario's allocation shares).
    pub shares: [f64; 5],
    /// Waterfall terms (reserve, lock-up, covenant) with this trial's sampled values.
    pub terms: Terms,
    /// Number of debt tranches.
    pub n_tranches: usize,
}

impl FundingParams {
    /// Reads the allocation shares and waterfall terms. Reads `ws.inputs`.
    pub(super) fn new(s: &Scenario, ws: &Workspace) -> Self {
        let alloc = s.program.allocation;
        let f = &s.finance;
        FundingParams {
            shares: [
                alloc.fabs_share[0],
                alloc.fabs_share[1],
                alloc.fabs_share[2],
                alloc.power_share,
                alloc.tool_expansion_share,
            ],
            terms: Terms {
                reserve_quarters: f.reserve_quarters,
                lockup_dscr: ws.v(f.distribution_lockup_dscr),
                covenant_dscr: ws.v(f.dscr_covenant),
                breach_quarters: f.covenant_breach_quarters,
            },
            n_tranches: f.tranches.len(),
        }
    }
}

/// What the program's funding carries from quarter to quarter, and the running totals the
/// outcomes are made from.
#[derive(Debug, Clone, Copy)]
pub struct FundingState {
    /// Total committed by all sources (before the honoured share).
    pub committed: f64,
    /// Debt made available by each partner class: drawn debt is attributed in these proportions.
    pub debt_by_class: [f64; NC],
    /// Raised by instrument (equity incl. cash calls, debt drawn, grants), indexed by
    /// [`Instrument`].
    pub raised_by_instrument: [f64; 3],
    /// Equity (incl. cash calls) and grants raised per partner class.
    pub raised_by_class: [f64; NC],
    /// Equity paid in per partner class (incl. cash calls): the weights of distributions.
    pub equity_paid_by_class: [f64; NC],
    /// Distributions received per partner class (accumulated; not reported as an outcome).
    pub dist_by_class: [f64; NC],
    /// Equity, grants and debt drawn so far (the `program_raised_cum_usd_bn` series).
    pub raised_cum: f64,
    /// Largest debt outstanding at a quarter's end.
    pub peak_debt: f64,
    /// Lowest DSCR of a quarter with debt service before any default (∞ if none).
    pub min_dscr: f64,
    /// CFADS of the latest quarter (the last one once the loop is over).
    pub last_cfads: f64,
}

impl FundingState {
    /// Nothing raised, no debt, no DSCR yet.
    pub(super) fn new() -> Self {
        FundingState {
            committed: 0.0,
            debt_by_class: [0.0; NC],
            raised_by_instrument: [0.0; 3],
            raised_by_class: [0.0; NC],
            equity_paid_by_class: [0.0; NC],
            dist_by_class: [0.0; NC],
            raised_cum: 0.0,
            peak_debt: 0.0,
            min_dscr: f64::INFINITY,
            last_cfads: 0.0,
        }
    }
}

/// Money that arrived in a quarter (all zero after a default).
#[derive(Debug, Clone, Copy)]
pub struct MoneyIn {
    pub equity: f64,
    pub grants: f64,
    pub debt: f64,
}

impl MoneyIn {
    /// Equity + grants + debt.
    pub fn total(&self) -> f64 {
        self.equity + self.grants + self.debt
    }
}

/// The program's position at the start of a quarter, before any money moves.
#[derive(Debug, Clone, Copy)]
pub struct Opening {
    /// Balance of all accounts (for the accounting identity at the quarter's end).
    pub accounts: f64,
    /// Whether the program defaulted in an earlier quarter: then no money arrives, no fab is
    /// started and construction stops.
    pub defaulted: bool,
}

/// Sets each debt tranche's spread, grace and tenor for this trial and clears its balances.
/// Reads `ws.inputs`; writes `ws.ledger.tranches`.
pub(super) fn set_tranche_terms(s: &Scenario, ws: &mut Workspace) {
    for (t, spec) in s.finance.tranches.iter().enumerate() {
        let spread = ws.v(spec.spread_bp) / 10_000.0;
        let tenor = (ws.v(spec.tenor_years) * 4.0).round().max(1.0) as u32;
        let grace = (ws.v(spec.grace_years) * 4.0).round().max(0.0) as u32;
        ws.ledger.tranches[t].reset(spread, grace, tenor, spec.amortisation);
    }
}

/// Fills the base-rate path `ws.base_rate` (annual, as a fraction): a Vasicek path from the
/// initial rate; events on the `base_rate` knob (e.g. a rate shock) act on it in percent.
/// Reads `ws.inputs`, `ws.knobs`; draws the path's shocks into `ws.scratch`.
pub(super) fn base_rate_path(s: &Scenario, ws: &mut Workspace) {
    let f = &s.finance;
    let r0 = ws.v(f.base_rate_initial_pct) / 100.0;
    let theta = ws.v(f.base_rate_long_run_pct) / 100.0;
    let kappa = ws.v(f.base_rate_reversion_per_year);
    let sigma = ws.v(f.base_rate_volatility_pct) / 100.0;
    ws.rng
        .standard_normals(stable_slot("finance.base_rate.path"), &mut ws.scratch);
    let mut r = r0;
    for q in 0..ws.nq {
        if q > 0 {
            r = vasicek_step(r, theta, kappa, sigma, ws.scratch[q]);
        }
        ws.base_rate[q] = ws.knobs.apply(Knob::BaseRate, q, r * 100.0) / 100.0;
    }
}

/// The pay-in schedule: each source pays committed × honoured evenly over its pay-in quarters
/// (less while an event on its `HonouredShare` knob lasts), split into the allocation buckets.
/// Nothing is scheduled when the program is disabled.
///
/// Reads `ws.inputs`, `ws.knobs`. Writes `ws.inflow`, `ws.inflow_cum`, `ws.inflow_equity`,
/// `ws.inflow_grant`, `ws.inflow_debt`, `ws.class_equity_in`, `ws.class_grant_in` (added to:
/// the workspace reset clears them), and `fs.committed`, `fs.debt_by_class`.
pub(super) fn schedule_pay_ins(
    s: &Scenario,
    ws: &mut Workspace,
    fp: &FundingParams,
    fs: &mut FundingState,
) {
    let nq = ws.nq;
    let program = &s.program;
    let size = ws.v(program.size_usd_bn);
    if program.enabled {
        for (si, src) in s.sources.iter().enumerate() {
            let amount = match src.commitment {
                Commitment::ShareOfProgram(p) => ws.v(p) * size,
                Commitment::AmountUsdBn(p) => ws.v(p),
            };
            fs.committed += amount;
            let paid = amount * ws.v(src.honoured_share);
            let per_q = paid / f64::from(src.pay_in_quarters);
            for k in 0..src.pay_in_quarters {
                let Some(q) = s.quarter_index(src.pay_in_start.plus(k)) else {
                    continue;
                };
                // A partner blocked or backing out (an event) pays less while it lasts.
                let per_q = per_q * ws.knobs.factor(Knob::HonouredShare(si), q).max(0.0);
                for (b, share) in fp.shares.iter().enumerate() {
                    ws.inflow[b][q] += per_q * share;
                }
                match src.instrument {
                    Instrument::Equity => {
                        ws.inflow_equity[q] += per_q;
                        ws.class_equity_in[src.class * nq + q] += per_q;
                    }
                    Instrument::Grant => {
                        ws.inflow_grant[q] += per_q;
                        ws.class_grant_in[src.class * nq + q] += per_q;
                    }
                    Instrument::Debt => {
                        ws.inflow_debt[q] += per_q;
                        fs.debt_by_class[src.class] += per_q;
                    }
                }
            }
        }
    }
    for b in 0..3 {
        let mut acc = 0.0;
        ws.inflow_cum[b][0] = 0.0;
        for q in 0..nq {
            acc += ws.inflow[b][q];
            ws.inflow_cum[b][q + 1] = acc;
        }
    }
}

/// Opens the quarter's books: notes the accounts' balance and whether the program has
/// defaulted, and clears the quarter's flows. Reads and writes `ws.ledger`.
pub(super) fn open_quarter(ws: &mut Workspace) -> Opening {
    let accounts = ws.ledger.accounts();
    ws.ledger.flows = Flows::default();
    Opening {
        accounts,
        defaulted: ws.ledger.defaulted.is_some(),
    }
}

/// Phase 1, money in: the quarter's scheduled equity, grants and debt arrive (nothing after a
/// default: pledges lapse, lenders cancel). Equity and grants land in the construction accounts
/// by allocation share; debt for them is drawn at once (upfront tranches) or made available to
/// draw as construction needs it (as-needed tranches). Power and EUV-expansion money, debt
/// included, is spent as it arrives.
///
/// Reads the schedule in `ws` (see [`schedule_pay_ins`]). Writes `ws.ledger` (construction
/// accounts, undrawn debt, tranche draws, flows), `ws.class_flows`, and in `fs` the equity paid
/// and money raised by class and instrument. Returns what arrived.
pub(super) fn receive_money(
    s: &Scenario,
    ws: &mut Workspace,
    q: usize,
    fp: &FundingParams,
    defaulted: bool,
    fs: &mut FundingState,
) -> MoneyIn {
    let nq = ws.nq;
    let nt = fp.n_tranches;
    let (eq_q, grant_q, debt_q) = if defaulted {
        (0.0, 0.0, 0.0)
    } else {
        (ws.inflow_equity[q], ws.inflow_grant[q], ws.inflow_debt[q])
    };
    ws.ledger.flows.equity_in = eq_q;
    ws.ledger.flows.grants_in = grant_q;
    for c in 0..NC {
        let x = if defaulted {
            0.0
        } else {
            ws.class_equity_in[c * nq + q]
        };
        fs.equity_paid_by_class[c] += x;
        fs.raised_by_class[c] += x;
        if !defaulted {
            fs.raised_by_class[c] += ws.class_grant_in[c * nq + q];
        }
        ws.class_flows[c * nq + q] -= x;
    }
    fs.raised_by_instrument[Instrument::Equity as usize] += eq_q;
    fs.raised_by_instrument[Instrument::Grant as usize] += grant_q;
    for (b, share) in fp.shares.iter().enumerate() {
        let own = (eq_q + grant_q) * share;
        let lent = debt_q * share;
        if b < 3 {
            ws.ledger.cash[b] += own;
            for (t, spec) in s.finance.tranches.iter().enumerate() {
                let x = lent * spec.share;
                if spec.draw == DrawMode::Upfront {
                    ws.ledger.cash[b] += x;
                    ws.ledger.tranches[t].draw(q, x);
                    ws.ledger.flows.debt_drawn += x;
                } else {
                    ws.ledger.undrawn[b * nt + t] += x;
                }
            }
        } else {
            // Power and EUV-expansion money is spent as it arrives; its debt is drawn at once.
            for (t, spec) in s.finance.tranches.iter().enumerate() {
                ws.ledger.tranches[t].draw(q, lent * spec.share);
            }
            ws.ledger.flows.debt_drawn += lent;
            ws.ledger.flows.power_and_tools += own + lent;
        }
    }
    MoneyIn {
        equity: eq_q,
        grants: grant_q,
        debt: debt_q,
    }
}

/// The outcome of a quarter's waterfall step.
#[derive(Debug, Clone, Copy)]
pub struct Waterfall {
    /// Cash flow available for debt service: revenue − opex − maintenance.
    pub cfads: f64,
    pub result: QuarterResult,
    /// Whether the program had defaulted before this quarter's waterfall.
    pub was_defaulted: bool,
}

/// Phase 6, the cash waterfall: CFADS from the quarter's operations goes through debt service,
/// reserve and lock-up to distributions (see [`crate::model::ledger`]); distributions and any
/// cash call are shared among partner classes pro rata to the equity they have paid in.
///
/// Reads `ws.base_rate`, `ops`. Writes `ws.ledger`, `ws.class_flows`, `ws.program_flows[q]`, and
/// in `fs` the last CFADS, minimum DSCR, distributions, equity paid and money raised (cash
/// calls).
pub(super) fn cash_waterfall(
    ws: &mut Workspace,
    q: usize,
    fp: &FundingParams,
    ops: &Operations,
    fs: &mut FundingState,
) -> Waterfall {
    let nq = ws.nq;
    let nt = fp.n_tranches;
    let cfads = ops.revenue - ops.opex - ops.maintenance;
    fs.last_cfads = cfads;
    ws.ledger.flows.revenue = ops.revenue;
    ws.ledger.flows.opex = ops.opex;
    ws.ledger.flows.maintenance = ops.maintenance;
    let mut rates = [0.0f64; MAX_TRANCHES];
    for (t, rate) in rates.iter_mut().enumerate().take(nt) {
        *rate = (ws.base_rate[q] + ws.ledger.tranches[t].spread).max(0.0) / 4.0;
    }
    let mut weights = [0.0f64; NC];
    let paid_total: f64 = fs.equity_paid_by_class.iter().sum();
    if paid_total > 0.0 {
        for (w, paid) in weights.iter_mut().zip(&fs.equity_paid_by_class) {
            *w = paid / paid_total;
        }
    }
    let mut dist_q = [0.0f64; NC];
    let classes_with_equity = weights.iter().filter(|w| **w > 0.0).count();
    let was_defaulted = ws.ledger.defaulted.is_some();
    let wf = ws.ledger.waterfall(
        q,
        cfads,
        &rates[..nt.min(MAX_TRANCHES)],
        &fp.terms,
        &weights,
        &mut dist_q,
    );
    for c in 0..NC {
        fs.dist_by_class[c] += dist_q[c];
        ws.class_flows[c * nq + q] += dist_q[c];
        if wf.cash_call > 0.0 && c == 0 {
            fs.raised_by_instrument[Instrument::Equity as usize] += wf.cash_call;
        }
        if wf.cash_call > 0.0 {
            // Partners share a cash call pro rata to their equity (equally if none yet).
            let w = if classes_with_equity > 0 {
                weights[c]
            } else {
                1.0 / NC as f64
            };
            ws.class_flows[c * nq + q] -= wf.cash_call * w;
            fs.equity_paid_by_class[c] += wf.cash_call * w;
            fs.raised_by_class[c] += wf.cash_call * w;
        }
    }
    if !was_defaulted {
        if let Some(d) = wf.dscr {
            fs.min_dscr = fs.min_dscr.min(d);
        }
    }
    ws.program_flows[q] = cfads - ws.ledger.flows.capex - ws.ledger.flows.power_and_tools;
    Waterfall {
        cfads,
        result: wf,
        was_defaulted,
    }
}

/// Closes the quarter's books: counts the debt drawn as raised, updates peak debt, checks the
/// accounting identity (money in = money out + change in the accounts) and records the
/// quarter's finance series.
///
/// Reads `ws.ledger`, `ws.base_rate`, `open`, `money`, `ops`, `wf`. Writes
/// `fs.raised_by_instrument`, `fs.raised_cum`, `fs.peak_debt`, `ws.identity_violation` (first
/// violation only) and the program's finance series in `ws.ts`.
pub(super) fn close_quarter(
    ws: &mut Workspace,
    q: usize,
    open: &Opening,
    money: &MoneyIn,
    ops: &Operations,
    wf: &Waterfall,
    fs: &mut FundingState,
) {
    fs.raised_by_instrument[Instrument::Debt as usize] += ws.ledger.flows.debt_drawn;
    fs.raised_cum += money.equity + money.grants + ws.ledger.flows.debt_drawn + wf.result.cash_call;
    let debt_now = ws.ledger.debt_outstanding();
    fs.peak_debt = fs.peak_debt.max(debt_now);
    let fl = ws.ledger.flows;
    let delta = ws.ledger.accounts() - open.accounts;
    let gap = fl.money_in() - fl.money_out() - delta;
    let scale = 1.0 + fl.gross() + open.accounts.abs();
    if gap.abs() > 1e-9 * scale && ws.identity_violation.is_none() {
        ws.identity_violation = Some((q, gap));
    }
    let cash_total = ws.ledger.accounts();
    ws.set_ts(Ts::ProgramDebtOutstandingUsdBn, q, debt_now);
    ws.set_ts(Ts::ProgramDebtDrawnUsdBn, q, fl.debt_drawn);
    ws.set_ts(Ts::ProgramReserveUsdBn, q, ws.ledger.reserve);
    ws.set_ts(Ts::ProgramRevenueUsdBn, q, ops.revenue);
    ws.set_ts(Ts::ProgramOpexUsdBn, q, ops.opex);
    ws.set_ts(Ts::ProgramMaintenanceCapexUsdBn, q, ops.maintenance);
    ws.set_ts(Ts::ProgramCfadsUsdBn, q, wf.cfads);
    ws.set_ts(Ts::ProgramInterestUsdBn, q, fl.interest_paid);
    ws.set_ts(
        Ts::ProgramInterestCapitalisedUsdBn,
        q,
        fl.interest_capitalised,
    );
    ws.set_ts(Ts::ProgramPrincipalUsdBn, q, fl.principal_paid);
    ws.set_ts(Ts::ProgramDistributionsUsdBn, q, fl.distributions);
    ws.set_ts(
        Ts::ProgramDscr,
        q,
        if wf.was_defaulted {
            f64::NAN
        } else {
            wf.result.dscr.unwrap_or(f64::NAN)
        },
    );
    ws.set_ts(
        Ts::ProgramDefaultShare,
        q,
        if ws.ledger.defaulted.is_some() {
            1.0
        } else {
            0.0
        },
    );
    ws.set_ts(Ts::BaseRate, q, ws.base_rate[q]);
    ws.set_ts(Ts::ProgramRaisedCumUsdBn, q, fs.raised_cum);
    ws.set_ts(Ts::ProgramCashUsdBn, q, cash_total);
}

/// Terminal values, returns, default and recovery outcomes at the end of a trial.
///
/// Terminal value of operations at the window's end (when `finance.terminal_value`): the last
/// quarter's CFADS (if positive) as an annuity over the operating fabs' mean remaining life at
/// the discount rate, `TV = CFADS · (1 − (1 + r_q)^−L)/r_q`. Without a default, equity receives
/// the accounts plus `TV` minus debt outstanding (floored at 0); after one, lenders take `TV` up
/// to their remaining claim and equity any excess.
///
/// Reads `ws.fabs`, `ws.ledger`, `ws.inputs`, `fs`. Writes the terminal flows into
/// `ws.class_flows` and `ws.program_flows`, lenders' recovery into `ws.ledger.recovered`, the
/// finance outcomes into `ws.out`; uses `ws.scratch`.
pub(super) fn finance_outcomes(s: &Scenario, ws: &mut Workspace, fs: &FundingState) {
    let nq = ws.nq;
    let f = &s.finance;
    let r_q = quarterly_rate(ws.v(f.discount_rate_pct) / 100.0);
    let end = nq as u32;
    let (mut life_sum, mut n_op) = (0.0, 0u32);
    for fab in ws.fabs.iter().filter(|x| x.operating(end - 1)) {
        life_sum += f64::from(fab.first_output_q + fab.lifetime_quarters - end);
        n_op += 1;
    }
    let mut tv_ops = if f.terminal_value && n_op > 0 && fs.last_cfads > 0.0 {
        let l = life_sum / f64::from(n_op);
        let annuity = if r_q.abs() < 1e-12 {
            l
        } else {
            (1.0 - (1.0 + r_q).powf(-l)) / r_q
        };
        fs.last_cfads * annuity
    } else {
        0.0
    };
    if f.terminal_value && ws.ledger.defaulted.is_none() {
        // Construction in progress is valued at cost (book value).
        tv_ops += ws
            .fabs
            .iter()
            .filter(|x| x.under_construction())
            .map(|x| x.spent_usd_bn)
            .sum::<f64>();
    }
    let debt_left = ws.ledger.debt_outstanding();
    let equity_tv = match ws.ledger.defaulted {
        None => (ws.ledger.accounts() + tv_ops - debt_left).max(0.0),
        Some(_) => {
            let lenders = tv_ops.min(debt_left);
            ws.ledger.recovered += lenders;
            tv_ops - lenders
        }
    };
    let paid: f64 = fs.equity_paid_by_class.iter().sum();
    if nq > 0 && paid > 0.0 {
        for c in 0..NC {
            ws.class_flows[c * nq + nq - 1] += equity_tv * fs.equity_paid_by_class[c] / paid;
        }
    }
    if nq > 0 {
        ws.program_flows[nq - 1] += tv_ops;
    }
    ws.set_out(Out::ProgramNpvUsdBn, npv(r_q, &ws.program_flows));
    ws.set_out(Out::PeakDebtUsdBn, fs.peak_debt);
    ws.set_out(Out::UndrawnDebtUsdBn, ws.ledger.undrawn_total());
    if fs.min_dscr.is_finite() {
        ws.set_out(Out::MinDscr, fs.min_dscr);
    }
    match ws.ledger.defaulted {
        Some((q, _)) => {
            ws.set_out(Out::Defaulted, 1.0);
            ws.set_out(Out::DefaultYear, s.quarter(q).decimal_year());
            let stranded: f64 = ws
                .fabs
                .iter()
                .filter(|x| x.under_construction())
                .map(|x| x.spent_usd_bn)
                .sum();
            ws.set_out(Out::StrandedCapexUsdBn, stranded);
            if ws.ledger.debt_at_default > 0.0 {
                let share = (ws.ledger.recovered / ws.ledger.debt_at_default).clamp(0.0, 1.0);
                ws.set_out(Out::LenderRecoveryShare, share);
            }
        }
        None => {
            ws.set_out(Out::Defaulted, 0.0);
            ws.set_out(Out::StrandedCapexUsdBn, 0.0);
        }
    }
    // Equity returns: all classes together, then each class that put equity in.
    for q in 0..nq {
        ws.scratch[q] = (0..NC).map(|c| ws.class_flows[c * nq + q]).sum();
    }
    if paid > 0.0 {
        ws.set_out(Out::EquityIrr, irr_annual(&ws.scratch).unwrap_or(f64::NAN));
        ws.set_out(Out::EquityNpvUsdBn, npv(r_q, &ws.scratch));
        if let Some(i) = payback_index(&ws.scratch) {
            ws.set_out(Out::PaybackYear, s.quarter(i).decimal_year());
        }
    }
    let irr_outs = [
        Out::EquityIrrSovereign,
        Out::EquityIrrInvestor,
        Out::EquityIrrChipmaker,
        Out::EquityIrrEnergy,
        Out::EquityIrrAnchorCustomer,
        Out::EquityIrrGovernment,
    ];
    let npv_outs = [
        Out::EquityNpvSovereignUsdBn,
        Out::EquityNpvInvestorUsdBn,
        Out::EquityNpvChipmakerUsdBn,
        Out::EquityNpvEnergyUsdBn,
        Out::EquityNpvAnchorCustomerUsdBn,
        Out::EquityNpvGovernmentUsdBn,
    ];
    for c in 0..NC {
        if fs.equity_paid_by_class[c] <= 0.0 {
            continue;
        }
        let flows = &ws.class_flows[c * nq..(c + 1) * nq];
        let irr = irr_annual(flows).unwrap_or(f64::NAN);
        let v = npv(r_q, flows);
        ws.set_out(irr_outs[c], irr);
        ws.set_out(npv_outs[c], v);
    }
}
