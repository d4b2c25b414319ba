//! One trial: sample the inputs, then step through the quarters. All per-trial state lives in a
//! [`Workspace`] that a worker thread reuses from trial to trial, so the quarterly loop
//! allocates nothing once the workspace has grown to the scenario's size.
//!
//! [`simulate`] only orchestrates; the model itself is in one module per domain:
//!
//! - before the first quarter, the paths that do not depend on what the program does: the
//!   scheduled pay-ins (`funding::schedule_pay_ins`), the base rate
//!   (`funding::base_rate_path`), incumbents' capacity and the yield curve
//!   (`market::incumbent_capacity_path`, `market::yield_curves`) and EUV supply
//!   (`buildout::euv_supply_path`);
//! - each quarter, in this order (see docs/model.md):
//!   1. money in (each source's pay-in, split by the allocation shares;
//!      `funding::receive_money`); power and EUV-expansion money is spent as it arrives
//!      (`buildout::order_power_and_tools`);
//!   2. regional start slots accrue (`buildout::accrue_start_slots`);
//!   3. the program starts fabs while money, start slots, EUV tools and power allow, and records
//!      the constraint that stopped it, the binding constraint (`buildout::start_fabs`);
//!   4. sites under construction are paid for, or stand still if their bucket lacks the cash
//!      (`buildout::spend_on_construction`);
//!   5. operating fabs ramp; chip supply meets demand, which sets shortage, prices and
//!      utilization, and so the program's revenue and opex (`market::operate_and_sell`);
//!   6. the cash waterfall (`funding::cash_waterfall`, `funding::close_quarter`);
//! - after the last quarter, the per-trial outcomes (`outcomes::record_outcomes`).
//!
//! The state a phase carries from quarter to quarter is in plain-data structs owned by
//! [`simulate`] ([`BuildState`], [`MarketState`], [`FundingState`]); per-trial constants are in
//! [`BuildParams`], [`MarketParams`] and [`FundingParams`]; buffers sized by the scenario are in
//! the [`Workspace`].

use crate::model::buildout::{self, BuildParams, BuildState};
use crate::model::events::Knobs;
use crate::model::funding::{self, FundingParams, FundingState};
use crate::model::ledger::Ledger;
use crate::model::market::{self, MarketParams, MarketState};
use crate::model::metrics::{Out, Ts, N_OUT, N_TS};
use crate::model::outcomes;
use crate::model::rng::TrialRng;
use crate::scenario::params::{stable_slot, ParamId, Scope};
use crate::scenario::types::{FabKind, Scenario, PARTNER_CLASSES};

/// Why the program stopped starting fabs in a quarter, in the order the checks are made for
/// each candidate region. The constraint reported is the one met by the candidate that got
/// furthest through the checks: "money" means some region had a start slot, power and tools
/// but the money was not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Binding {
    Workforce = 0,
    Power = 1,
    Euv = 2,
    Money = 3,
}

/// A program fab (logic), packaging plant or HBM fab.
#[derive(Debug, Clone, Copy)]
pub struct Fab {
    pub kind: FabKind,
    pub region: usize,
    pub operator: usize,
    pub start_q: u32,
    pub construction_quarters: u32,
    pub progress_quarters: u32,
    /// First quarter with output (index in the window), `u32::MAX` while under construction.
    pub first_output_q: u32,
    pub capacity_wspm: f64,
    pub budget_usd_bn: f64,
    pub actual_capex_usd_bn: f64,
    pub spent_usd_bn: f64,
    pub power_mw: f64,
    pub euv_tools: f64,
    pub staff: f64,
    pub ramp_quarters: u32,
    pub lifetime_quarters: u32,
    pub stalled_quarters: u32,
}

impl Fab {
    /// Whether the fab produces in quarter `q` (finished and not yet retired).
    pub(super) fn operating(&self, q: u32) -> bool {
        self.first_output_q <= q && q < self.first_output_q.saturating_add(self.lifetime_quarters)
    }

    /// Whether the fab is still being built.
    pub(super) fn under_construction(&self) -> bool {
        self.first_output_q == u32::MAX
    }
}

/// Per-worker reusable state and the trial's results.
///
/// The private buffers are sized by the scenario when the workspace is made and are reused (and
/// reset by [`simulate`]) from trial to trial; the comment on each group says which module fills
/// it.
pub struct Workspace {
    pub(super) nq: usize,
    /// Sampled trial-level inputs, indexed by ParamId (per-fab parameters hold NaN).
    pub inputs: Vec<f64>,
    /// Program fabs in start order (pushed by `buildout::start_fabs`).
    pub fabs: Vec<Fab>,

    // ---- Funding ([`funding`]).
    /// Money in per quarter by bucket: logic, packaging, hbm, power, tool expansion.
    pub(super) inflow: [Vec<f64>; 5],
    /// Prefix sums of `inflow[0..3]` (index q+1 = sum over quarters ≤ q).
    pub(super) inflow_cum: [Vec<f64>; 3],
    /// Equity, grants and debt made available per quarter (program totals).
    pub(super) inflow_equity: Vec<f64>,
    pub(super) inflow_grant: Vec<f64>,
    pub(super) inflow_debt: Vec<f64>,
    /// Equity paid in per partner class and quarter, `[class * nq + q]`.
    pub(super) class_equity_in: Vec<f64>,
    /// Grants paid in per partner class and quarter, `[class * nq + q]`.
    pub(super) class_grant_in: Vec<f64>,
    /// Equity partners' cash flows per class and quarter (−paid in, +distributions, +terminal).
    pub(super) class_flows: Vec<f64>,
    /// Program flows per quarter for the unlevered NPV: CFADS − capex − power and tool spend.
    pub(super) program_flows: Vec<f64>,
    /// Base rate per quarter (annual, as a fraction).
    pub(super) base_rate: Vec<f64>,

    // ---- Build-out ([`buildout`]).
    /// EUV tools shipped per quarter (world, including program-funded expansion).
    pub(super) euv_shipments: Vec<f64>,
    /// EUV tools allocated to the program per quarter, and their prefix sums.
    pub(super) euv_program: Vec<f64>,
    pub(super) euv_program_cum: Vec<f64>,
    /// Prefix sums of `inflow[4]` (EUV expansion money).
    pub(super) tool_spend_cum: Vec<f64>,
    /// Per region: MW of program-funded power ordered, cumulative by order quarter.
    pub(super) power_ordered_cum: Vec<f64>,
    /// Per region: start slots (builders) available now.
    pub(super) slots: Vec<f64>,
    /// Per region: MW promised to fabs already started.
    pub(super) power_committed: Vec<f64>,
    /// Per region: fabs started so far by kind.
    pub(super) started_kind_region: Vec<[u32; 3]>,
    /// Per region and kind: the construction quarters drawn for the next fab (serial, quarters),
    /// so that a candidate rejected this quarter is not redrawn next quarter.
    pub(super) candidate_months: Vec<[(u64, f64); 3]>,

    // ---- Market ([`market`]).
    /// Incumbents' leading-edge capacity, `[incumbent * (nq + 1) + q + 1]` (index 0 is the
    /// quarter before the window).
    pub(super) incumbent_cap: Vec<f64>,
    /// Leading-edge capacity this quarter by operator (incumbents, then the new entrant).
    pub(super) operator_cap: Vec<f64>,
    /// Defect density of a logic fab by operating age in quarters (same for all fabs in a trial).
    pub(super) d0_by_age: Vec<f64>,
    /// Good AI dies per program wafer by fab age in quarters (Murphy yield on the D₀ curve).
    pub(super) good_dies_by_age: Vec<f64>,
    /// Standard normal shocks of the demand growth path.
    pub(super) demand_eps: Vec<f64>,

    /// Scratch space of `nq` values (base-rate shocks, then equity flows for returns).
    pub(super) scratch: Vec<f64>,
    pub ledger: Ledger,
    pub knobs: Knobs,
    /// Set when the accounting identity fails: (quarter, money in − out − Δ accounts).
    pub identity_violation: Option<(usize, f64)>,
    /// Time series, `N_TS × nq`, metric-major.
    pub ts: Vec<f64>,
    /// Per-trial outcomes; NaN = did not happen.
    pub out: Vec<f64>,
    pub rng: TrialRng,
}

impl Workspace {
    pub fn new(s: &Scenario, seed: u64) -> Self {
        let nq = s.quarters();
        let nr = s.regions.len();
        let ni = s.incumbents.len();
        Workspace {
            nq,
            inputs: vec![f64::NAN; s.params.len()],
            fabs: Vec::new(),
            inflow: std::array::from_fn(|_| vec![0.0; nq]),
            inflow_cum: std::array::from_fn(|_| vec![0.0; nq + 1]),
            inflow_equity: vec![0.0; nq],
            inflow_grant: vec![0.0; nq],
            inflow_debt: vec![0.0; nq],
            class_equity_in: vec![0.0; PARTNER_CLASSES.len() * nq],
            class_grant_in: vec![0.0; PARTNER_CLASSES.len() * nq],
            class_flows: vec![0.0; PARTNER_CLASSES.len() * nq],
            program_flows: vec![0.0; nq],
            base_rate: vec![0.0; nq],
            euv_shipments: vec![0.0; nq],
            euv_program: vec![0.0; nq],
            euv_program_cum: vec![0.0; nq + 1],
            tool_spend_cum: vec![0.0; nq + 1],
            power_ordered_cum: vec![0.0; nr * (nq + 1)],
            slots: vec![0.0; nr],
            power_committed: vec![0.0; nr],
            started_kind_region: vec![[0; 3]; nr],
            candidate_months: vec![[(0, 0.0); 3]; nr],
            incumbent_cap: vec![0.0; ni * (nq + 1)],
            operator_cap: vec![0.0; ni + 1],
            d0_by_age: vec![0.0; nq + 1],
            good_dies_by_age: vec![0.0; nq + 1],
            demand_eps: vec![0.0; nq],
            scratch: vec![0.0; nq],
            ledger: Ledger::new(s.finance.tranches.len(), nq),
            knobs: Knobs::new(s),
            identity_violation: None,
            ts: vec![0.0; N_TS * nq],
            out: vec![f64::NAN; N_OUT + s.events.len()],
            rng: TrialRng::new(seed),
        }
    }

    /// The sampled value of trial-level input `id`.
    pub(super) fn v(&self, id: ParamId) -> f64 {
        self.inputs[id.0]
    }

    pub(super) fn set_ts(&mut self, m: Ts, q: usize, x: f64) {
        self.ts[m as usize * self.nq + q] = x;
    }

    pub fn ts_value(&self, m: Ts, q: usize) -> f64 {
        self.ts[m as usize * self.nq + q]
    }

    pub(super) fn set_out(&mut self, o: Out, x: f64) {
        self.out[o as usize] = x;
    }

    /// Clears what the previous trial left: fabs, results, accumulating buffers, the identity
    /// flag and the ledger's balances. Buffers that are overwritten in full before they are read
    /// (paths, prefix sums, per-quarter scratch) are left as they are.
    fn reset_for_trial(&mut self) {
        self.fabs.clear();
        self.out.iter_mut().for_each(|x| *x = f64::NAN);
        self.ts.iter_mut().for_each(|x| *x = 0.0);
        for b in self.inflow.iter_mut() {
            b.iter_mut().for_each(|x| *x = 0.0);
        }
        self.slots.iter_mut().for_each(|x| *x = 0.0);
        self.power_committed.iter_mut().for_each(|x| *x = 0.0);
        self.started_kind_region
            .iter_mut()
            .for_each(|x| *x = [0; 3]);
        self.power_ordered_cum.iter_mut().for_each(|x| *x = 0.0);
        self.candidate_months
            .iter_mut()
            .for_each(|x| *x = [(0, 0.0); 3]);
        for v in [
            &mut self.inflow_equity,
            &mut self.inflow_grant,
            &mut self.inflow_debt,
            &mut self.class_equity_in,
            &mut self.class_grant_in,
            &mut self.class_flows,
            &mut self.program_flows,
        ] {
            v.iter_mut().for_each(|x| *x = 0.0);
        }
        self.identity_violation = None;
        self.ledger.reset();
    }
}

/// Samples every trial-level input of trial `trial` into `ws.inputs`.
pub fn sample_inputs(s: &Scenario, ws: &mut Workspace, trial: u64) {
    ws.rng.start_trial(trial);
    for (i, spec) in s.params.specs.iter().enumerate() {
        ws.inputs[i] = match spec.scope {
            Scope::Trial => ws.rng.draw(spec, 0),
            Scope::PerFab => f64::NAN,
        };
    }
}

/// Runs trial `trial`: samples its inputs and fills `ws.ts` and `ws.out`.
pub fn run_trial(s: &Scenario, ws: &mut Workspace, trial: u64) {
    sample_inputs(s, ws, trial);
    simulate(s, ws);
}

/// The quarterly simulation for inputs already in `ws.inputs`: sets up the trial's paths, runs
/// the six phases of every quarter in order, then records the per-trial outcomes. Fills
/// `ws.ts`, `ws.out`, `ws.fabs` and `ws.identity_violation`.
pub fn simulate(s: &Scenario, ws: &mut Workspace) {
    ws.reset_for_trial();

    // ---- The trial's events, random paths (demand shocks, base rate), loan terms, yield curve.
    {
        let Workspace {
            knobs, inputs, rng, ..
        } = ws;
        knobs.sample(s, inputs, rng);
    }
    ws.rng
        .standard_normals(stable_slot("demand.growth.path"), &mut ws.demand_eps);
    funding::set_tranche_terms(s, ws);
    funding::base_rate_path(s, ws);
    market::yield_curves(s, ws);

    // ---- Deterministic paths for the whole window, and the trial's constants.
    let fp = FundingParams::new(s, ws);
    let mut fund = FundingState::new();
    funding::schedule_pay_ins(s, ws, &fp, &mut fund);
    market::incumbent_capacity_path(s, ws);
    let bp = BuildParams::new(s, ws);
    buildout::euv_supply_path(s, ws, &bp);
    let mp = MarketParams::new(s, ws);
    let mut build = BuildState::default();
    let mut mkt = MarketState::new(s, ws);

    for q in 0..ws.nq {
        let open = funding::open_quarter(ws);
        // 1. Money in (nothing more arrives after a default: pledges lapse, lenders cancel).
        let money = funding::receive_money(s, ws, q, &fp, open.defaulted, &mut fund);
        buildout::order_power_and_tools(s, ws, q, &bp, &money, &mut build);
        // 2. Start slots accrue.
        buildout::accrue_start_slots(s, ws, &bp);
        // 3. Starts.
        buildout::start_fabs(s, ws, q, &bp, open.defaulted, &mut build);
        // 4. Construction spending, in start order.
        buildout::spend_on_construction(ws, q, &bp, open.defaulted, &mut build);
        // 5. Operating fabs, chip supply and the market.
        let ops = market::operate_and_sell(s, ws, q, &mp, &mut mkt);
        // 6. The cash waterfall.
        let wf = funding::cash_waterfall(ws, q, &fp, &ops, &mut fund);
        funding::close_quarter(ws, q, &open, &money, &ops, &wf, &mut fund);
    }

    // ---- Per-trial outcomes.
    outcomes::record_outcomes(s, ws, &build, &mkt, &fund);
}

/// Most debt tranches a scenario may have (rates are kept in a fixed-size array).
pub const MAX_TRANCHES: usize = 16;
