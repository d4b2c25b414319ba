//! One trial: sample the inputs, then step through the quarters. All per-trial state lives in a
//! [`Workspace`] that a worker thread reuses from trial to trial, so the quarterly loop
//! allocates nothing once the workspace has grown to the scenario's size.
//!
//! Order of events in a quarter (see docs/model.md):
//! 1. money in (each source's pay-in, split by the allocation shares); power and EUV-expansion
//!    money is spent as it arrives;
//! 2. regional start slots accrue;
//! 3. the program starts fabs while money, start slots, EUV tools and power allow, and records
//!    the constraint that stopped it (the binding constraint);
//! 4. sites under construction are paid for (or stand still if their bucket lacks the cash);
//! 5. operating fabs ramp; capacity, shares and the other metrics are recorded.

use crate::finance::rate::vasicek_step;
use crate::finance::returns::{irr_annual, npv, payback_index, quarterly_rate};
use crate::model::events::Knobs;
use crate::model::formulas::*;
use crate::model::ledger::{Flows, Ledger, Terms};
use crate::model::metrics::{Out, Ts, N_OUT, N_TS};
use crate::model::rng::TrialRng;
use crate::model::supply::{
    accelerators, gross_dies_per_wafer, h100e_per_accelerator, murphy_yield, price_index, Component,
};
use crate::scenario::params::{stable_slot, ParamId, Scope};
use crate::scenario::types::{
    Commitment, DrawMode, FabKind, Instrument, Scenario, PARTNER_CLASSES,
};
use crate::scenario::types::{Knob, OverbuildCut};

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
    fn operating(&self, q: u32) -> bool {
        self.first_output_q <= q && q < self.first_output_q.saturating_add(self.lifetime_quarters)
    }

    fn under_construction(&self) -> bool {
        self.first_output_q == u32::MAX
    }
}

/// Per-worker reusable state and the trial's results.
pub struct Workspace {
    nq: usize,
    /// Sampled trial-level inputs, indexed by ParamId (per-fab parameters hold NaN).
    pub inputs: Vec<f64>,
    pub fabs: Vec<Fab>,
    /// Money in per quarter by bucket: logic, packaging, hbm, power, tool expansion.
    inflow: [Vec<f64>; 5],
    /// Prefix sums of `inflow[0..3]` (index q+1 = sum over quarters ≤ q).
    inflow_cum: [Vec<f64>; 3],
    euv_shipments: Vec<f64>,
    euv_program: Vec<f64>,
    euv_program_cum: Vec<f64>,
    incumbent_cap: Vec<f64>,
    tool_spend_cum: Vec<f64>,
    /// Per region: MW of program-funded power ordered, cumulative by order quarter.
    power_ordered_cum: Vec<f64>,
    slots: Vec<f64>,
    power_committed: Vec<f64>,
    started_kind_region: Vec<[u32; 3]>,
    operator_cap: Vec<f64>,
    /// Defect density of a logic fab by operating age in quarters (same for all fabs in a trial).
    d0_by_age: Vec<f64>,
    /// Per region and kind: the construction quarters drawn for the next fab (serial, quarters),
    /// so that a candidate rejected this quarter is not redrawn next quarter.
    candidate_months: Vec<[(u64, f64); 3]>,
    /// Equity, grants and debt made available per quarter (program totals).
    inflow_equity: Vec<f64>,
    inflow_grant: Vec<f64>,
    inflow_debt: Vec<f64>,
    /// Equity paid in per partner class and quarter, `[class * nq + q]`.
    class_equity_in: Vec<f64>,
    /// Grants paid in per partner class and quarter, `[class * nq + q]`.
    class_grant_in: Vec<f64>,
    /// Equity partners' cash flows per class and quarter (−paid in, +distributions, +terminal).
    class_flows: Vec<f64>,
    /// Program flows per quarter for the unlevered NPV: CFADS − capex − power and tool spend.
    program_flows: Vec<f64>,
    base_rate: Vec<f64>,
    scratch: Vec<f64>,
    pub ledger: Ledger,
    pub knobs: Knobs,
    /// Good AI dies per program wafer by fab age in quarters (Murphy yield on the D₀ curve).
    good_dies_by_age: Vec<f64>,
    demand_eps: Vec<f64>,
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
            euv_shipments: vec![0.0; nq],
            euv_program: vec![0.0; nq],
            euv_program_cum: vec![0.0; nq + 1],
            incumbent_cap: vec![0.0; ni * (nq + 1)],
            tool_spend_cum: vec![0.0; nq + 1],
            power_ordered_cum: vec![0.0; nr * (nq + 1)],
            slots: vec![0.0; nr],
            power_committed: vec![0.0; nr],
            started_kind_region: vec![[0; 3]; nr],
            operator_cap: vec![0.0; ni + 1],
            d0_by_age: vec![0.0; nq + 1],
            candidate_months: vec![[(0, 0.0); 3]; nr],
            inflow_equity: vec![0.0; nq],
            inflow_grant: vec![0.0; nq],
            inflow_debt: vec![0.0; nq],
            class_equity_in: vec![0.0; PARTNER_CLASSES.len() * nq],
            class_grant_in: vec![0.0; PARTNER_CLASSES.len() * nq],
            class_flows: vec![0.0; PARTNER_CLASSES.len() * nq],
            program_flows: vec![0.0; nq],
            base_rate: vec![0.0; nq],
            scratch: vec![0.0; nq],
            ledger: Ledger::new(s.finance.tranches.len(), nq),
            knobs: Knobs::new(s),
            good_dies_by_age: vec![0.0; nq + 1],
            demand_eps: vec![0.0; nq],
            identity_violation: None,
            ts: vec![0.0; N_TS * nq],
            out: vec![f64::NAN; N_OUT + s.events.len()],
            rng: TrialRng::new(seed),
        }
    }

    fn v(&self, id: ParamId) -> f64 {
        self.inputs[id.0]
    }

    fn set_ts(&mut self, m: Ts, q: usize, x: f64) {
        self.ts[m as usize * self.nq + q] = x;
    }

    pub fn ts_value(&self, m: Ts, q: usize) -> f64 {
        self.ts[m as usize * self.nq + q]
    }

    fn set_out(&mut self, o: Out, x: f64) {
        self.out[o as usize] = x;
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

/// The quarterly simulation for inputs already in `ws.inputs`.
pub fn simulate(s: &Scenario, ws: &mut Workspace) {
    let nq = ws.nq;
    let nr = s.regions.len();
    let ni = s.incumbents.len();
    ws.fabs.clear();
    ws.out.iter_mut().for_each(|x| *x = f64::NAN);
    {
        let Workspace {
            knobs, inputs, rng, ..
        } = ws;
        knobs.sample(s, inputs, rng);
    }
    ws.rng
        .standard_normals(stable_slot("demand.growth.path"), &mut ws.demand_eps);
    ws.ts.iter_mut().for_each(|x| *x = 0.0);
    for b in ws.inflow.iter_mut() {
        b.iter_mut().for_each(|x| *x = 0.0);
    }
    ws.slots.iter_mut().for_each(|x| *x = 0.0);
    ws.power_committed.iter_mut().for_each(|x| *x = 0.0);
    ws.started_kind_region.iter_mut().for_each(|x| *x = [0; 3]);
    ws.power_ordered_cum.iter_mut().for_each(|x| *x = 0.0);
    ws.candidate_months
        .iter_mut()
        .for_each(|x| *x = [(0, 0.0); 3]);
    for v in [
        &mut ws.inflow_equity,
        &mut ws.inflow_grant,
        &mut ws.inflow_debt,
        &mut ws.class_equity_in,
        &mut ws.class_grant_in,
        &mut ws.class_flows,
        &mut ws.program_flows,
    ] {
        v.iter_mut().for_each(|x| *x = 0.0);
    }
    ws.identity_violation = None;
    ws.ledger.reset();
    for (t, spec) in s.finance.tranches.iter().enumerate() {
        let spread = ws.v(spec.spread_bp) / 10_000.0;
        let tenor = (ws.v(spec.tenor_years) * 4.0).round().max(1.0) as u32;
        let grace = (ws.v(spec.grace_years) * 4.0).round().max(0.0) as u32;
        ws.ledger.tranches[t].reset(spread, grace, tenor, spec.amortisation);
    }
    base_rate_path(s, ws);
    {
        let t = &s.fabs[FabKind::Logic as usize];
        let (di, dm, tau) = (
            ws.v(t.d0_initial_per_cm2),
            ws.v(t.d0_mature_per_cm2),
            ws.v(t.d0_learning_months),
        );
        let area = ws.v(s.supply.die_area_mm2);
        let gross = gross_dies_per_wafer(300.0, area);
        for (age, d) in ws.d0_by_age.iter_mut().enumerate() {
            *d = defect_density(di, dm, 3.0 * age as f64, tau);
            ws.good_dies_by_age[age] = gross * murphy_yield(area / 100.0, *d);
        }
    }

    let program = &s.program;
    let enabled = program.enabled;

    // ---- Money in: each source pays committed × honoured evenly over its pay-in quarters.
    let size = ws.v(program.size_usd_bn);
    let mut committed = 0.0;
    let mut raised_by_instrument = [0.0; 3];
    let mut raised_by_class = [0.0; PARTNER_CLASSES.len()];
    // Debt made available by each partner class: drawn debt is attributed in these proportions.
    let mut debt_by_class = [0.0; PARTNER_CLASSES.len()];
    let alloc = program.allocation;
    let shares = [
        alloc.fabs_share[0],
        alloc.fabs_share[1],
        alloc.fabs_share[2],
        alloc.power_share,
        alloc.tool_expansion_share,
    ];
    if enabled {
        for (si, src) in s.sources.iter().enumerate() {
            let amount = match src.commitment {
                Commitment::ShareOfProgram(p) => ws.v(p) * size,
                Commitment::AmountUsdBn(p) => ws.v(p),
            };
            committed += amount;
            let paid = amount * ws.v(src.honoured_share);
            let per_q = paid / f64::from(src.pay_in_quarters);
            for k in 0..src.pay_in_quarters {
                let Some(q) = s.quarter_index(src.pay_in_start.plus(k)) else {
                    continue;
                };
                // A partner blocked or backing out (an event) pays less while it lasts.
                let per_q = per_q * ws.knobs.factor(Knob::HonouredShare(si), q).max(0.0);
                for (b, share) in shares.iter().enumerate() {
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
                        debt_by_class[src.class] += per_q;
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

    // ---- Incumbent capacity path (deterministic within a trial) and EUV supply.
    for (i, inc) in s.incumbents.iter().enumerate() {
        let k0 = ws.v(inc.leading_edge_capacity_wspm);
        let g = ws.v(inc.growth_per_year_share);
        for q in 0..=nq {
            // index 0 is the quarter before the window (for first-quarter growth)
            ws.incumbent_cap[i * (nq + 1) + q] = compound(k0, g, (q as f64 - 1.0) / 4.0);
        }
    }
    let e = &s.euv;
    let s0 = ws.v(e.shipments_start_per_year);
    let ceiling = ws.v(e.ceiling_per_year);
    let conv = ws.v(e.convergence_per_year_share);
    let other = ws.v(e.other_demand_per_year);
    let inc_tools = ws.v(e.incumbent_tools_per_kwspm);
    let reserved = ws.v(e.program_reserved_share);
    let cost_per_tool_year = ws.v(e.expansion_cost_usd_bn_per_tool_per_year);
    let expansion_lag = months_to_quarters_or_zero(ws.v(e.expansion_lag_months)) as usize;
    let expansion_max = ws.v(e.expansion_max_per_year);
    let mut acc = 0.0;
    ws.tool_spend_cum[0] = 0.0;
    for q in 0..nq {
        acc += ws.inflow[4][q];
        ws.tool_spend_cum[q + 1] = acc;
    }
    // The program orders tools from its first start quarter on.
    let first_start = s
        .quarter_index(program.first_start)
        .map_or(if program.first_start < s.start { 0 } else { nq }, |i| i);
    ws.euv_program_cum[0] = 0.0;
    for q in 0..nq {
        let base = euv_shipments_per_year(s0, ceiling, conv, q as f64 / 4.0).max(0.0) / 4.0
            * ws.knobs.factor(Knob::EuvSupply, q).max(0.0);
        let mut demand = other / 4.0;
        for i in 0..ni {
            let row = i * (nq + 1);
            let growth = ws.incumbent_cap[row + q + 1] - ws.incumbent_cap[row + q];
            demand += growth.max(0.0) * inc_tools / 1000.0;
        }
        // Expansion paid for at least `lag` quarters ago adds tools for the program.
        let funded = if q >= expansion_lag {
            ws.tool_spend_cum[q + 1 - expansion_lag]
        } else {
            0.0
        };
        let extra = (funded / cost_per_tool_year).min(expansion_max) / 4.0;
        let program_share = if enabled && q >= first_start {
            (reserved * base).max(base - demand).max(0.0) + extra
        } else {
            0.0
        };
        ws.euv_shipments[q] = base + extra;
        ws.euv_program[q] = program_share;
        ws.euv_program_cum[q + 1] = ws.euv_program_cum[q] + program_share;
    }

    // ---- Program parameters used in the loop.
    let power_cost = ws.v(s.power.cost_usd_bn_per_mw);
    let power_lag = months_to_quarters_or_zero(ws.v(s.power.build_months)) as usize;
    let lookahead = program.funding_lookahead_quarters as usize;
    let taiwan_region: Vec<bool> = s.regions.iter().map(|r| r.in_taiwan).collect();
    let tsmc = s.incumbents.iter().position(|i| i.name == "tsmc");
    let operator_slot = stable_slot("program.operators");

    let f = &s.finance;
    let terms = Terms {
        reserve_quarters: f.reserve_quarters,
        lockup_dscr: ws.v(f.distribution_lockup_dscr),
        covenant_dscr: ws.v(f.dscr_covenant),
        breach_quarters: f.covenant_breach_quarters,
    };
    let fee = ws.v(f.operator_fee_share);
    let maintenance_share_q = ws.v(f.maintenance_capex_pct_per_year) / 100.0 / 4.0;
    let utilization = ws.v(s.market.utilization_share);
    let new_entrant = s.incumbents.len();
    let nt = s.finance.tranches.len();
    let an_share: f64 = s
        .finance
        .tranches
        .iter()
        .filter(|t| t.draw == DrawMode::AsNeeded)
        .map(|t| t.share)
        .sum();
    let total_debt: f64 = ws.inflow_debt.iter().sum();
    let total_funds: f64 =
        total_debt + ws.inflow_equity.iter().sum::<f64>() + ws.inflow_grant.iter().sum::<f64>();
    // Share of capex paid by as-needed debt draws (pro rata with equity).
    let debt_fraction = if total_funds > 0.0 {
        total_debt * an_share / total_funds
    } else {
        0.0
    };
    let sp = &s.supply;
    let area = ws.v(sp.die_area_mm2);
    let inc_good_dies = gross_dies_per_wafer(300.0, area)
        * murphy_yield(area / 100.0, ws.v(sp.incumbent_d0_per_cm2));
    let inc_ai_max = ws.v(sp.incumbent_ai_wafer_share_max);
    let program_ai_share = ws.v(sp.program_ai_wafer_share);
    let per_pack_wafer = ws.v(sp.accelerators_per_packaging_wafer);
    let dies_per_acc = ws.v(sp.logic_dies_per_accelerator);
    let stacks_per_acc = ws.v(sp.hbm_stacks_per_accelerator);
    let stacks_per_hbm_wafer = ws.v(sp.hbm_stacks_per_wafer);
    let (pack_ai, hbm_ai) = (ws.v(sp.packaging_ai_share), ws.v(sp.hbm_ai_share));
    let (pack0, pack_g) = (
        ws.v(sp.incumbent_packaging_wpm),
        ws.v(sp.packaging_growth_per_year_share),
    );
    let (hbm0, hbm_g) = (
        ws.v(sp.incumbent_hbm_wspm),
        ws.v(sp.hbm_growth_per_year_share),
    );
    let (h100e_start, doubling) = (
        ws.v(sp.h100e_per_accelerator_start),
        ws.v(sp.compute_doubling_years),
    );
    let (nvidia_inc, nvidia_prog) = (
        ws.v(sp.nvidia_share_incumbent),
        ws.v(sp.nvidia_share_program),
    );
    let dm = &s.demand;
    let initial_shortage = ws.v(dm.initial_shortage_ratio);
    let mut growth = ws.v(dm.growth_initial_per_year_share);
    let growth_long = ws.v(dm.growth_long_run_per_year_share);
    let growth_kappa = ws.v(dm.growth_reversion_per_year);
    let growth_sigma = ws.v(dm.growth_volatility_per_year);
    let price_elasticity = ws.v(dm.price_elasticity);
    let wafer_elasticity = ws.v(dm.wafer_price_elasticity);
    let overbuild_cut = dm.overbuild_cut;
    let logic_price = ws.v(s.fabs[0].price_usd_per_wafer);
    let mut demand_trend = 0.0f64;
    let mut program_h100e_cum = 0.0;
    let by2030_end = s.year_end_index(2030).map_or(0, |i| i + 1);
    let mut acc_2030 = 0.0;
    let mut peak_shortage = 0.0f64;
    let mut surplus_run = 0u32;
    let mut shortage_end: Option<usize> = None;
    let mut equity_paid_by_class = [0.0f64; PARTNER_CLASSES.len()];
    let mut dist_by_class = [0.0f64; PARTNER_CLASSES.len()];
    let mut peak_debt = 0.0f64;
    let mut min_dscr = f64::INFINITY;
    let mut last_cfads = 0.0;
    let mut planned_remaining = [0.0f64; 3];
    let mut capex_by_kind = [0.0f64; 3];
    let mut power_spend = 0.0;
    let mut tool_spend = 0.0;
    let mut raised_cum = 0.0;
    let mut capex_cum = 0.0;
    let mut tools_reserved = 0.0;
    let mut serial = [0u64; 3];
    let mut binding_counts = [0u32; 4];
    let mut active_quarters = 0u32;
    let mut first_output: Option<u32> = None;
    let mut stall_total = 0u32;
    let max_slot_need = s
        .fabs
        .iter()
        .map(|f| ws.v(f.builder_slots_per_start))
        .fold(1.0, f64::max);

    for q in 0..nq {
        let accounts_start = ws.ledger.accounts();
        ws.ledger.flows = Flows::default();
        let defaulted = ws.ledger.defaulted.is_some();

        // 1. Money in (nothing more arrives after a default: pledges lapse, lenders cancel).
        let (eq_q, grant_q, debt_q) = if defaulted {
            (0.0, 0.0, 0.0)
        } else {
            (ws.inflow_equity[q], ws.inflow_grant[q], ws.inflow_debt[q])
        };
        ws.ledger.flows.equity_in = eq_q;
        ws.ledger.flows.grants_in = grant_q;
        for c in 0..PARTNER_CLASSES.len() {
            let x = if defaulted {
                0.0
            } else {
                ws.class_equity_in[c * nq + q]
            };
            equity_paid_by_class[c] += x;
            raised_by_class[c] += x;
            if !defaulted {
                raised_by_class[c] += ws.class_grant_in[c * nq + q];
            }
            ws.class_flows[c * nq + q] -= x;
        }
        raised_by_instrument[Instrument::Equity as usize] += eq_q;
        raised_by_instrument[Instrument::Grant as usize] += grant_q;
        for (b, share) in shares.iter().enumerate() {
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
        let power_money = (eq_q + grant_q + debt_q) * shares[3];
        power_spend += power_money;
        tool_spend += (eq_q + grant_q + debt_q) * shares[4];
        for (r, region) in s.regions.iter().enumerate() {
            let row = r * (nq + 1);
            let mw = if power_cost > 0.0 {
                power_money * region.plan_share / power_cost
            } else {
                0.0
            };
            ws.power_ordered_cum[row + q + 1] = ws.power_ordered_cum[row + q] + mw;
        }

        // 2. Start slots accrue.
        for (r, region) in s.regions.iter().enumerate() {
            let per_year = ws.v(region.fab_starts_per_year);
            ws.slots[r] = (ws.slots[r] + per_year / 4.0).min(per_year.max(max_slot_need));
        }

        // 3. Starts.
        let active = enabled && q >= first_start && nr > 0 && !defaulted;
        let mut binding = None;
        let mut started_logic = 0u32;
        if active {
            for kind in FabKind::ALL {
                let k = kind as usize;
                if program.allocation.fabs_share[k] <= 0.0 && ws.ledger.cash[k] <= 0.0 {
                    if kind == FabKind::Logic {
                        binding = Some(Binding::Money);
                    }
                    continue;
                }
                let mut guard = 0;
                loop {
                    guard += 1;
                    let outcome = try_start(
                        s,
                        ws,
                        kind,
                        q,
                        &mut StartCtx {
                            planned_remaining: &mut planned_remaining,
                            lookahead,
                            tools_reserved: &mut tools_reserved,
                            serial: &mut serial,
                            power_lag,
                            operator_slot,
                        },
                    );
                    match outcome {
                        Ok(()) => {
                            if kind == FabKind::Logic {
                                started_logic += 1;
                            }
                        }
                        Err(b) => {
                            if kind == FabKind::Logic {
                                binding = Some(b);
                            }
                            break;
                        }
                    }
                    if guard >= 10_000 {
                        break;
                    }
                }
            }
        }
        if active {
            active_quarters += 1;
            let b = binding.unwrap_or(Binding::Money);
            binding_counts[b as usize] += 1;
            let m = match b {
                Binding::Money => Ts::BindingMoneyShare,
                Binding::Euv => Ts::BindingEuvShare,
                Binding::Power => Ts::BindingPowerShare,
                Binding::Workforce => Ts::BindingWorkforceShare,
            };
            ws.set_ts(m, q, 1.0);
        } else {
            ws.set_ts(Ts::BindingNoneShare, q, 1.0);
        }

        // 4. Construction spending, in start order; a site whose bucket lacks the cash stalls.
        let mut capex_q = 0.0;
        for f in ws
            .fabs
            .iter_mut()
            .filter(|f| f.under_construction() && !defaulted)
        {
            let k = f.kind as usize;
            let spend = f.actual_capex_usd_bn / f64::from(f.construction_quarters);
            // Pro rata: as-needed debt pays `debt_fraction` of the spend (as far as available),
            // the construction account the rest.
            let from_debt = (spend * debt_fraction).min(ws.ledger.undrawn_for(k));
            if ws.ledger.cash[k] + 1e-12 >= spend - from_debt {
                let drawn = ws.ledger.draw_for(k, from_debt, q);
                ws.ledger.cash[k] = (ws.ledger.cash[k] - (spend - drawn)).max(0.0);
                ws.ledger.flows.capex += spend;
                let budget_left = (f.budget_usd_bn - f.spent_usd_bn).max(0.0);
                planned_remaining[k] -= spend.min(budget_left);
                f.spent_usd_bn += spend;
                capex_by_kind[k] += spend;
                capex_q += spend;
                f.progress_quarters += 1;
                if f.progress_quarters >= f.construction_quarters {
                    f.first_output_q = q as u32 + 1;
                    planned_remaining[k] -= (f.budget_usd_bn - f.spent_usd_bn).max(0.0);
                    if planned_remaining[k] < 0.0 {
                        planned_remaining[k] = 0.0;
                    }
                }
            } else {
                f.stalled_quarters += 1;
                stall_total += 1;
            }
        }
        capex_cum += capex_q;

        // 5. Operating fabs, chip supply and the market.
        let qu = q as u32;
        let yrs = q as f64 / 4.0;
        let taiwan_factor = ws.knobs.factor(Knob::TaiwanCapacity, q);
        let mut cap = [0.0f64; 3];
        let (mut operating, mut building, mut tools, mut power, mut staff) =
            (0u32, 0u32, 0.0, 0.0, 0.0);
        let (mut d0_weighted, mut taiwan_cap) = (0.0, 0.0);
        let mut program_dies = 0.0;
        ws.operator_cap.iter_mut().for_each(|x| *x = 0.0);
        for f in ws.fabs.iter() {
            if f.kind == FabKind::Logic && f.first_output_q > qu {
                // Started and not yet producing (a fab finishing this quarter produces next).
                building += 1;
            }
            if !f.operating(qu) {
                continue;
            }
            let age = qu - f.first_output_q;
            let in_taiwan = taiwan_region[f.region];
            let c = f.capacity_wspm
                * ramp_fraction(age, f.ramp_quarters)
                * if in_taiwan { taiwan_factor } else { 1.0 };
            cap[f.kind as usize] += c;
            power += f.power_mw;
            staff += f.staff;
            if f.kind == FabKind::Logic {
                operating += 1;
                tools += f.euv_tools;
                ws.operator_cap[f.operator] += c;
                if in_taiwan {
                    taiwan_cap += c;
                }
                let a = (age as usize).min(nq);
                d0_weighted += ws.d0_by_age[a] * c;
                program_dies += c * 3.0 * utilization * program_ai_share * ws.good_dies_by_age[a];
            }
        }
        if operating > 0 && first_output.is_none() {
            first_output = Some(qu);
        }
        let mut inc_total = 0.0;
        for (i, inc) in s.incumbents.iter().enumerate() {
            let c_all = ws.incumbent_cap[i * (nq + 1) + q + 1];
            let tw = ws.v(inc.taiwan_share);
            let c = c_all * (1.0 - tw) + c_all * tw * taiwan_factor;
            inc_total += c;
            ws.operator_cap[i] += c;
            taiwan_cap += c_all * tw * taiwan_factor;
        }
        // Supply of the three components this quarter.
        let inc_dies_max = inc_total * 3.0 * utilization * inc_ai_max * inc_good_dies;
        let pack_factor = ws.knobs.factor(Knob::PackagingSupply, q);
        let hbm_factor = ws.knobs.factor(Knob::HbmSupply, q);
        let inc_pack = compound(pack0, pack_g, yrs) * pack_factor;
        let prog_pack = cap[1] * pack_factor;
        let inc_hbm = compound(hbm0, hbm_g, yrs) * hbm_factor;
        let prog_hbm = cap[2] * hbm_factor;
        let pack_wafers = (inc_pack + prog_pack) * 3.0 * pack_ai;
        let hbm_stacks = (inc_hbm + prog_hbm) * 3.0 * stacks_per_hbm_wafer * hbm_ai;
        let (a_pot, binding_c) = accelerators(
            (inc_dies_max + program_dies) / dies_per_acc,
            pack_wafers,
            per_pack_wafer,
            hbm_stacks,
            stacks_per_acc,
        );
        let h = h100e_per_accelerator(h100e_start, doubling, yrs);
        // Demand: mean-reverting growth (events add to it), level events multiply it.
        if q == 0 {
            demand_trend = a_pot * h * initial_shortage;
        } else {
            growth = growth
                + growth_kappa * (growth_long - growth) * 0.25
                + growth_sigma * 0.5 * ws.demand_eps[q];
            let g = ws.knobs.apply(Knob::DemandGrowth, q, growth).max(-0.95);
            demand_trend *= (1.0 + g).powf(0.25);
        }
        let demand_h100e = ws.knobs.apply(Knob::DemandLevel, q, demand_trend).max(0.0);
        let demand_units = demand_h100e / h;
        let shortage = if a_pot > 0.0 {
            demand_units / a_pot
        } else {
            f64::INFINITY
        };
        let sold = demand_units.min(a_pot);
        // Dies needed = accelerators sold. Who supplies them: incumbents first, so that program
        // fabs lose sales first (default), or pro rata to AI-wafer capacity. A die not needed is
        // a wafer not sold.
        let needed = sold * dies_per_acc;
        let (inc_sold, prog_sold) = match overbuild_cut {
            OverbuildCut::ProgramFirst => {
                let inc = inc_dies_max.min(needed);
                (inc, program_dies.min(needed - inc))
            }
            OverbuildCut::ProRata => {
                let total = inc_dies_max + program_dies;
                if total > 0.0 {
                    let f = (needed / total).min(1.0);
                    (inc_dies_max * f, program_dies * f)
                } else {
                    (0.0, 0.0)
                }
            }
        };
        let prog_ai_sold = if program_dies > 0.0 {
            (prog_sold / program_dies).min(1.0)
        } else {
            1.0
        };
        let program_util =
            utilization * (program_ai_share * prog_ai_sold + (1.0 - program_ai_share));
        let sold_share = |inc: f64, prog: f64, used: f64| -> f64 {
            if prog <= 0.0 {
                return 1.0;
            }
            match overbuild_cut {
                OverbuildCut::ProgramFirst => ((used - inc) / prog).clamp(0.0, 1.0),
                OverbuildCut::ProRata => (used / (inc + prog)).clamp(0.0, 1.0),
            }
        };
        let pack_used = sold / per_pack_wafer / 3.0 / pack_ai.max(1e-12);
        let hbm_used = sold * stacks_per_acc / (3.0 * stacks_per_hbm_wafer * hbm_ai).max(1e-12);
        let pack_util = utilization * sold_share(inc_pack, prog_pack, pack_used);
        let hbm_util = utilization * sold_share(inc_hbm, prog_hbm, hbm_used);
        let price_idx = price_index(shortage, price_elasticity);
        let wafer_mult = price_index(shortage, wafer_elasticity).clamp(0.5, 2.0);
        let wafer_price_factor = ws.knobs.factor(Knob::WaferPrice, q);
        let inc_ai_share = if inc_total > 0.0 && inc_good_dies > 0.0 {
            (inc_sold / (inc_total * 3.0 * utilization * inc_good_dies).max(1e-300)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let nvidia = if needed > 0.0 {
            (inc_sold * nvidia_inc + prog_sold * nvidia_prog) / needed
        } else {
            f64::NAN
        };
        // Operations: revenue at the market's prices, less the operator's fee; variable opex on
        // wafers processed and fixed opex (× the region's multiplier); maintenance capex.
        let (mut revenue, mut opex, mut maintenance) = (0.0, 0.0, 0.0);
        for f in ws.fabs.iter().filter(|f| f.operating(qu)) {
            let age = qu - f.first_output_q;
            let c = f.capacity_wspm
                * ramp_fraction(age, f.ramp_quarters)
                * if taiwan_region[f.region] {
                    taiwan_factor
                } else {
                    1.0
                };
            let t = &s.fabs[f.kind as usize];
            let price = ws.inputs[t.price_usd_per_wafer.0] * wafer_price_factor;
            let (wafers, value) = match f.kind {
                FabKind::Logic => {
                    let ai = c * 3.0 * utilization * program_ai_share * prog_ai_sold;
                    let other = c * 3.0 * utilization * (1.0 - program_ai_share);
                    (ai + other, ai * price * wafer_mult + other * price)
                }
                FabKind::Packaging => {
                    let w = c * 3.0 * pack_util;
                    (w, w * price * wafer_mult)
                }
                FabKind::Hbm => {
                    let w = c * 3.0 * hbm_util;
                    (w, w * price * wafer_mult)
                }
            };
            let own_share = if f.operator == new_entrant {
                1.0
            } else {
                1.0 - fee
            };
            let opex_mult = ws.inputs[s.regions[f.region].opex_multiplier.0];
            revenue += value * own_share / 1e9;
            opex += opex_mult
                * (wafers * ws.inputs[t.opex_usd_per_wafer.0] / 1e9
                    + ws.inputs[t.fixed_opex_usd_bn_per_year.0] / 4.0);
            maintenance += f.actual_capex_usd_bn * maintenance_share_q;
        }
        let prog_h100e = prog_sold / dies_per_acc * h;
        program_h100e_cum += prog_h100e;
        if q < by2030_end {
            acc_2030 += sold * h;
        }
        peak_shortage = peak_shortage.max(shortage);
        if shortage <= 1.0 {
            surplus_run += 1;
            if surplus_run == 4 && shortage_end.is_none() {
                shortage_end = Some(q + 1 - 4);
            }
        } else {
            surplus_run = 0;
        }
        ws.set_ts(Ts::AcceleratorsSuppliedUnits, q, sold);
        ws.set_ts(Ts::AcceleratorsSuppliedH100e, q, sold * h);
        ws.set_ts(Ts::AcceleratorsDemandedH100e, q, demand_h100e);
        ws.set_ts(
            Ts::ShortageRatio,
            q,
            if shortage.is_finite() {
                shortage
            } else {
                f64::NAN
            },
        );
        ws.set_ts(Ts::AcceleratorPriceIndex, q, price_idx);
        ws.set_ts(
            Ts::WaferPriceUsd,
            q,
            logic_price * wafer_mult * wafer_price_factor,
        );
        ws.set_ts(
            Ts::ProgramUtilization,
            q,
            if cap[0] > 0.0 { program_util } else { f64::NAN },
        );
        ws.set_ts(Ts::NvidiaShareAccelerators, q, nvidia);
        ws.set_ts(Ts::PackagingCapacityWpm, q, inc_pack + prog_pack);
        ws.set_ts(Ts::HbmStacksSupplied, q, hbm_stacks);
        ws.set_ts(Ts::ProgramAcceleratorsH100e, q, prog_h100e);
        ws.set_ts(Ts::IncumbentAiWaferShare, q, inc_ai_share);
        let bm = match binding_c {
            Component::Dies => Ts::BindingDiesShare,
            Component::Packaging => Ts::BindingPackagingShare,
            Component::Hbm => Ts::BindingHbmShare,
        };
        ws.set_ts(bm, q, 1.0);

        // 6. The cash waterfall.
        let cfads = revenue - opex - maintenance;
        last_cfads = cfads;
        ws.ledger.flows.revenue = revenue;
        ws.ledger.flows.opex = opex;
        ws.ledger.flows.maintenance = maintenance;
        let mut rates = [0.0f64; MAX_TRANCHES];
        for (t, spec) in s.finance.tranches.iter().enumerate().take(MAX_TRANCHES) {
            rates[t] = (ws.base_rate[q] + ws.ledger.tranches[t].spread).max(0.0) / 4.0;
            let _ = spec;
        }
        let mut weights = [0.0f64; PARTNER_CLASSES.len()];
        let paid_total: f64 = equity_paid_by_class.iter().sum();
        if paid_total > 0.0 {
            for c in 0..PARTNER_CLASSES.len() {
                weights[c] = equity_paid_by_class[c] / paid_total;
            }
        }
        let mut dist_q = [0.0f64; PARTNER_CLASSES.len()];
        let classes_with_equity = weights.iter().filter(|w| **w > 0.0).count();
        let was_defaulted = ws.ledger.defaulted.is_some();
        let wf = ws.ledger.waterfall(
            q,
            cfads,
            &rates[..nt.min(MAX_TRANCHES)],
            &terms,
            &weights,
            &mut dist_q,
        );
        for c in 0..PARTNER_CLASSES.len() {
            dist_by_class[c] += dist_q[c];
            ws.class_flows[c * nq + q] += dist_q[c];
            if wf.cash_call > 0.0 && c == 0 {
                raised_by_instrument[Instrument::Equity as usize] += wf.cash_call;
            }
            if wf.cash_call > 0.0 {
                // Partners share a cash call pro rata to their equity (equally if none yet).
                let w = if classes_with_equity > 0 {
                    weights[c]
                } else {
                    1.0 / PARTNER_CLASSES.len() as f64
                };
                ws.class_flows[c * nq + q] -= wf.cash_call * w;
                equity_paid_by_class[c] += wf.cash_call * w;
                raised_by_class[c] += wf.cash_call * w;
            }
        }
        if !was_defaulted {
            if let Some(d) = wf.dscr {
                min_dscr = min_dscr.min(d);
            }
        }
        ws.program_flows[q] = cfads - ws.ledger.flows.capex - ws.ledger.flows.power_and_tools;
        raised_by_instrument[Instrument::Debt as usize] += ws.ledger.flows.debt_drawn;
        raised_cum += eq_q + grant_q + ws.ledger.flows.debt_drawn;
        let debt_now = ws.ledger.debt_outstanding();
        peak_debt = peak_debt.max(debt_now);
        // The accounting identity: money in = money out + change in the accounts.
        let fl = ws.ledger.flows;
        let delta = ws.ledger.accounts() - accounts_start;
        let gap = fl.money_in() - fl.money_out() - delta;
        let scale = 1.0 + fl.money_in().abs() + fl.money_out().abs() + accounts_start.abs();
        if gap.abs() > 1e-9 * scale && ws.identity_violation.is_none() {
            ws.identity_violation = Some((q, gap));
        }
        let total = inc_total + cap[0];
        let tsmc_share = match (tsmc, total > 0.0) {
            (Some(t), true) => ws.operator_cap[t] / total,
            _ => 0.0,
        };
        let cash_total = ws.ledger.accounts();
        ws.set_ts(Ts::ProgramDebtOutstandingUsdBn, q, debt_now);
        ws.set_ts(Ts::ProgramDebtDrawnUsdBn, q, fl.debt_drawn);
        ws.set_ts(Ts::ProgramReserveUsdBn, q, ws.ledger.reserve);
        ws.set_ts(Ts::ProgramRevenueUsdBn, q, revenue);
        ws.set_ts(Ts::ProgramOpexUsdBn, q, opex);
        ws.set_ts(Ts::ProgramMaintenanceCapexUsdBn, q, maintenance);
        ws.set_ts(Ts::ProgramCfadsUsdBn, q, cfads);
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
            if was_defaulted {
                f64::NAN
            } else {
                wf.dscr.unwrap_or(f64::NAN)
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
        ws.set_ts(Ts::ProgramCapacityWspm, q, cap[0]);
        ws.set_ts(Ts::IncumbentCapacityWspm, q, inc_total);
        ws.set_ts(Ts::ProgramPackagingCapacityWpm, q, cap[1]);
        ws.set_ts(Ts::ProgramHbmCapacityWspm, q, cap[2]);
        ws.set_ts(Ts::ProgramFabsOperating, q, f64::from(operating));
        ws.set_ts(Ts::ProgramFabsUnderConstruction, q, f64::from(building));
        ws.set_ts(Ts::ProgramFabsStarted, q, f64::from(started_logic));
        ws.set_ts(Ts::ProgramCapexUsdBn, q, capex_q);
        ws.set_ts(Ts::ProgramCapexCumUsdBn, q, capex_cum);
        ws.set_ts(Ts::ProgramRaisedCumUsdBn, q, raised_cum);
        ws.set_ts(Ts::ProgramCashUsdBn, q, cash_total);
        ws.set_ts(Ts::ProgramEuvTools, q, tools);
        ws.set_ts(Ts::EuvShipmentsPerYear, q, 4.0 * ws.euv_shipments[q]);
        ws.set_ts(Ts::ProgramEuvAllocationPerYear, q, 4.0 * ws.euv_program[q]);
        ws.set_ts(Ts::ProgramPowerMw, q, power);
        ws.set_ts(Ts::ProgramStaff, q, staff);
        ws.set_ts(
            Ts::ProgramD0PerCm2,
            q,
            if cap[0] > 0.0 {
                d0_weighted / cap[0]
            } else {
                f64::NAN
            },
        );
        ws.set_ts(Ts::TsmcShareLeadingEdge, q, tsmc_share);
        ws.set_ts(
            Ts::TaiwanShareLeadingEdge,
            q,
            if total > 0.0 { taiwan_cap / total } else { 0.0 },
        );
        ws.set_ts(Ts::HhiLeadingEdge, q, hhi(&ws.operator_cap));
    }

    // ---- Per-trial outcomes.
    let capex_total: f64 = capex_by_kind.iter().sum();
    let raised_total: f64 = raised_by_instrument.iter().sum();
    ws.set_out(Out::TotalCommittedUsdBn, committed);
    ws.set_out(Out::TotalRaisedUsdBn, raised_total);
    ws.set_out(Out::TotalCapexUsdBn, capex_total);
    ws.set_out(Out::UnspentUsdBn, ws.ledger.accounts());
    if let Some(q) = shortage_end {
        ws.set_out(Out::ShortageEndYear, s.quarter(q).decimal_year());
    }
    if program_h100e_cum > 0.0 {
        ws.set_out(
            Out::CostPerH100eUsd,
            capex_by_kind.iter().sum::<f64>() * 1e9 / program_h100e_cum,
        );
    }
    if let Some(i) = s.year_end_index(2030) {
        ws.set_out(
            Out::NvidiaShare2030,
            ws.ts_value(Ts::NvidiaShareAccelerators, i),
        );
        ws.set_out(Out::AcceleratorsCum20242030H100e, acc_2030);
    }
    ws.set_out(
        Out::PeakShortageRatio,
        if peak_shortage.is_finite() {
            peak_shortage
        } else {
            f64::NAN
        },
    );
    ws.set_out(Out::ProgramAcceleratorsCumH100e, program_h100e_cum);
    for e in 0..s.events.len() {
        if let Some(q) = ws.knobs.started[e] {
            ws.out[N_OUT + e] = s.quarter(q).decimal_year();
        }
    }
    finance_outcomes(
        s,
        ws,
        &FinanceSummary {
            last_cfads,
            peak_debt,
            min_dscr,
            equity_paid_by_class,
        },
    );
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
    if let Some(q) = first_output {
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
    if active_quarters > 0 {
        let a = f64::from(active_quarters);
        ws.set_out(
            Out::BindingMoneyShare,
            f64::from(binding_counts[Binding::Money as usize]) / a,
        );
        ws.set_out(
            Out::BindingEuvShare,
            f64::from(binding_counts[Binding::Euv as usize]) / a,
        );
        ws.set_out(
            Out::BindingPowerShare,
            f64::from(binding_counts[Binding::Power as usize]) / a,
        );
        ws.set_out(
            Out::BindingWorkforceShare,
            f64::from(binding_counts[Binding::Workforce as usize]) / a,
        );
    }
    ws.set_out(Out::ConstructionStallQuarters, f64::from(stall_total));
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
    let debt_offered: f64 = debt_by_class.iter().sum();
    for (c, o) in classes.into_iter().enumerate() {
        let debt = if debt_offered > 0.0 {
            raised_by_instrument[Instrument::Debt as usize] * debt_by_class[c] / debt_offered
        } else {
            0.0
        };
        ws.set_out(o, raised_by_class[c] + debt);
    }
    ws.set_out(Out::CapexLogicUsdBn, capex_by_kind[0]);
    ws.set_out(Out::CapexPackagingUsdBn, capex_by_kind[1]);
    ws.set_out(Out::CapexHbmUsdBn, capex_by_kind[2]);
    ws.set_out(Out::PowerSpendUsdBn, power_spend);
    ws.set_out(Out::ToolExpansionSpendUsdBn, tool_spend);
}

/// Most debt tranches a scenario may have (rates are kept in a fixed-size array).
pub const MAX_TRANCHES: usize = 16;

/// Fills the base-rate path `ws.base_rate` (annual, as a fraction): a Vasicek path from the
/// initial rate; events on the `base_rate` knob (e.g. a rate shock) act on it in percent.
fn base_rate_path(s: &Scenario, ws: &mut Workspace) {
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

struct FinanceSummary {
    last_cfads: f64,
    peak_debt: f64,
    min_dscr: f64,
    equity_paid_by_class: [f64; PARTNER_CLASSES.len()],
}

/// Terminal values, returns, default and recovery outcomes at the end of a trial.
///
/// Terminal value of operations at the window's end (when `finance.terminal_value`): the last
/// quarter's CFADS (if positive) as an annuity over the operating fabs' mean remaining life at
/// the discount rate, `TV = CFADS · (1 − (1 + r_q)^−L)/r_q`. Without a default, equity receives
/// the accounts plus `TV` minus debt outstanding (floored at 0); after one, lenders take `TV` up
/// to their remaining claim and equity any excess.
fn finance_outcomes(s: &Scenario, ws: &mut Workspace, fs: &FinanceSummary) {
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
        for c in 0..PARTNER_CLASSES.len() {
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
        ws.scratch[q] = (0..PARTNER_CLASSES.len())
            .map(|c| ws.class_flows[c * nq + q])
            .sum();
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
    for c in 0..PARTNER_CLASSES.len() {
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

struct StartCtx<'a> {
    planned_remaining: &'a mut [f64; 3],
    lookahead: usize,
    tools_reserved: &'a mut f64,
    serial: &'a mut [u64; 3],
    power_lag: usize,
    operator_slot: u64,
}

/// Tries to start one fab of `kind` in quarter `q`. Candidate regions are tried in order of
/// their shortfall against the siting plan (`plan_share · (n + 1) − started_here`, largest
/// first); for each the checks run in the order workforce → power → EUV → money. Returns the
/// binding constraint when no region passes.
fn try_start(
    s: &Scenario,
    ws: &mut Workspace,
    kind: FabKind,
    q: usize,
    cx: &mut StartCtx<'_>,
) -> Result<(), Binding> {
    let k = kind as usize;
    let nq = ws.nq;
    let t = &s.fabs[k];
    let capacity = ws.v(t.capacity_wspm);
    let capex_per_k = ws.v(t.capex_usd_bn_per_kwspm);
    let slots_needed = ws.v(t.builder_slots_per_start);
    let power_need = ws.v(t.power_mw);
    let tools_need = capacity / 1000.0 * ws.v(t.euv_tools_per_kwspm);
    let n_started: u32 = ws.started_kind_region.iter().map(|r| r[k]).sum();
    let serial = cx.serial[k] + 1;
    // Per-fab draws are keyed by kind and serial number, so they do not depend on the others.
    let sub = serial | ((k as u64) << 40);

    // Funds: bucket cash + scheduled pay-ins in the look-ahead window − budgets already promised.
    let ahead_end = (q + 1 + cx.lookahead).min(nq);
    let ahead = ws.inflow_cum[k][ahead_end] - ws.inflow_cum[k][q + 1];
    let available = ws.ledger.cash[k] + ws.ledger.undrawn_for(k) + ahead - cx.planned_remaining[k];

    let mut best: Option<Binding> = None;
    let mut chosen = None;
    // Regions by descending shortfall; ties by file order. nr is small: selection by scanning.
    let nr = s.regions.len();
    let mut tried = 0u64; // bitmask for up to 64 regions; more are tried in file order
    for _ in 0..nr {
        let mut pick = None;
        let mut best_gap = f64::NEG_INFINITY;
        for (r, region) in s.regions.iter().enumerate() {
            if region.plan_share <= 0.0 || (r < 64 && tried & (1 << r) != 0) {
                continue;
            }
            let gap = region.plan_share * f64::from(n_started + 1)
                - f64::from(ws.started_kind_region[r][k]);
            if gap > best_gap {
                best_gap = gap;
                pick = Some(r);
            }
        }
        let Some(r) = pick else { break };
        if r < 64 {
            tried |= 1 << r;
        }
        let region = &s.regions[r];
        // Workforce / builders.
        if ws.slots[r] + 1e-9 < slots_needed {
            best = best.max(Some(Binding::Workforce));
            continue;
        }
        // Power at completion.
        let cached = ws.candidate_months[r][k];
        let months = if cached.0 == serial {
            cached.1
        } else {
            let m = ws.rng.draw(s.params.get(region.construction_months), sub);
            ws.candidate_months[r][k] = (serial, m);
            m
        };
        // A construction-delay event lengthens projects started while it lasts.
        let cq = months_to_quarters(months * ws.knobs.factor(Knob::ConstructionTime, q).max(0.0))
            as usize;
        let done = q + cq;
        let row = r * (nq + 1);
        let years = done as f64 / 4.0;
        // Power ordered in quarter u is online from u + lag; only orders placed so far count.
        let ordered = match done.checked_sub(cx.power_lag) {
            Some(u) => ws.power_ordered_cum[row + u.min(q) + 1],
            None => 0.0,
        };
        let power_at = ws.v(region.power_available_mw) * ws.knobs.factor(Knob::Power, q).max(0.0)
            + ws.v(region.power_growth_mw_per_year) * years
            + ordered;
        if power_at - ws.power_committed[r] + 1e-9 < power_need {
            best = best.max(Some(Binding::Power));
            continue;
        }
        // EUV tools by the tool-in date (a third of the construction period before completion).
        if tools_need > 0.0 {
            let tool_in = done - cq / 3;
            let cum = if tool_in < nq {
                ws.euv_program_cum[tool_in + 1]
            } else {
                ws.euv_program_cum[nq] + ws.euv_program[nq - 1] * (tool_in + 1 - nq) as f64
            };
            if cum - *cx.tools_reserved + 1e-9 < tools_need {
                best = best.max(Some(Binding::Euv));
                continue;
            }
        }
        // Money.
        let budget = capacity / 1000.0 * capex_per_k * ws.v(region.capex_multiplier);
        if available + 1e-9 < budget {
            best = best.max(Some(Binding::Money));
            continue;
        }
        chosen = Some((r, cq, budget));
        break;
    }
    let Some((r, cq, budget)) = chosen else {
        return Err(best.unwrap_or(Binding::Money));
    };

    // Start it.
    cx.serial[k] = serial;
    let overrun = ws.rng.draw(s.params.get(t.capex_overrun_multiplier), sub);
    let operator = pick_operator(s, ws, cx.operator_slot, sub, kind);
    ws.slots[r] -= slots_needed;
    ws.power_committed[r] += power_need;
    *cx.tools_reserved += tools_need;
    ws.started_kind_region[r][k] += 1;
    cx.planned_remaining[k] += budget;
    ws.fabs.push(Fab {
        kind,
        region: r,
        operator,
        start_q: q as u32,
        construction_quarters: cq as u32,
        progress_quarters: 0,
        first_output_q: u32::MAX,
        capacity_wspm: capacity,
        budget_usd_bn: budget,
        actual_capex_usd_bn: budget * overrun,
        spent_usd_bn: 0.0,
        power_mw: power_need,
        euv_tools: tools_need,
        staff: ws.v(t.staff),
        ramp_quarters: months_to_quarters_or_zero(ws.v(t.ramp_months)),
        lifetime_quarters: (ws.v(t.lifetime_years) * 4.0).round().max(1.0) as u32,
        stalled_quarters: 0,
    });
    Ok(())
}

/// Draws the operator of a program logic fab from the scenario's operator mix (other kinds are
/// run by the program itself and attributed to the `new_entrant` operator index).
fn pick_operator(s: &Scenario, ws: &mut Workspace, slot: u64, serial: u64, kind: FabKind) -> usize {
    let new_entrant = s.incumbents.len();
    if kind != FabKind::Logic || s.program.operators.is_empty() {
        return new_entrant;
    }
    let u = ws.rng.uniform(slot, serial);
    let mut acc = 0.0;
    for &(op, share) in &s.program.operators {
        acc += share;
        if u < acc {
            return op;
        }
    }
    s.program
        .operators
        .last()
        .map_or(new_entrant, |&(op, _)| op)
}
