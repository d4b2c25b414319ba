//! The program's build-out within a trial: EUV tool supply and the program's allocation, power
//! ordered with the program's money, regional start slots, the start of fabs under the money,
//! workforce, power and EUV constraints (phases 2–3), and construction spending (phase 4).

use crate::model::formulas::{
    euv_shipments_per_year, months_to_quarters, months_to_quarters_or_zero,
};
use crate::model::funding::MoneyIn;
use crate::model::metrics::Ts;
use crate::model::trial::{Binding, Fab, Workspace};
use crate::scenario::params::stable_slot;
use crate::scenario::types::{DrawMode, FabKind, Knob, Scenario};

/// Most fabs of one kind the program may start in one quarter (a guard against a scenario
/// whose fabs cost nothing and need nothing).
const MAX_STARTS_PER_KIND_AND_QUARTER: u32 = 10_000;

/// Per-trial build-out constants.
#[derive(Debug, Clone, Copy)]
pub struct BuildParams {
    /// Whether the scenario has a program at all.
    pub enabled: bool,
    /// Quarter index from which the program starts fabs and is allocated EUV tools (0 if its
    /// first start is before the window, `nq` if after).
    pub first_start: usize,
    /// US$ bn per MW of program-funded power.
    pub power_cost: f64,
    /// Quarters from ordering power to having it online.
    pub power_lag: usize,
    /// Quarters of scheduled pay-ins counted as available when deciding a start.
    pub lookahead: usize,
    /// Random-number slot of the operator choice.
    pub operator_slot: u64,
    /// Most builder slots any fab kind needs for a start: a region's slots may accumulate at
    /// least this far.
    pub max_slot_need: f64,
    /// Share of capex paid by as-needed debt draws (pro rata with equity and grants).
    pub debt_fraction: f64,
}

impl BuildParams {
    /// Reads `ws.inputs` and the pay-in schedule (`ws.inflow_equity`, `ws.inflow_grant`,
    /// `ws.inflow_debt`, for the debt fraction), so call it after
    /// [`crate::model::funding::schedule_pay_ins`].
    pub(super) fn new(s: &Scenario, ws: &Workspace) -> Self {
        let nq = ws.nq;
        let program = &s.program;
        // The program orders tools from its first start quarter on.
        let first_start = s
            .quarter_index(program.first_start)
            .map_or(if program.first_start < s.start { 0 } else { nq }, |i| i);
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
        let debt_fraction = if total_funds > 0.0 {
            total_debt * an_share / total_funds
        } else {
            0.0
        };
        BuildParams {
            enabled: program.enabled,
            first_start,
            power_cost: ws.v(s.power.cost_usd_bn_per_mw),
            power_lag: months_to_quarters_or_zero(ws.v(s.power.build_months)) as usize,
            lookahead: program.funding_lookahead_quarters as usize,
            operator_slot: stable_slot("program.operators"),
            max_slot_need: s
                .fabs
                .iter()
                .map(|f| ws.v(f.builder_slots_per_start))
                .fold(1.0, f64::max),
            debt_fraction,
        }
    }
}

/// What the build-out carries from quarter to quarter, and its running totals.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildState {
    /// Per kind: budgets promised to fabs started and not yet spent (reduces the money available
    /// for new starts).
    pub planned_remaining: [f64; 3],
    /// EUV tools promised to fabs started so far.
    pub tools_reserved: f64,
    /// Per kind: serial number of the last fab started (keys its per-fab random draws).
    pub serial: [u64; 3],
    /// Per kind: capex spent so far.
    pub capex_by_kind: [f64; 3],
    /// Capex spent so far, all kinds (accumulated quarter by quarter).
    pub capex_cum: f64,
    /// Money spent on power so far.
    pub power_spend: f64,
    /// Money spent on EUV expansion so far.
    pub tool_spend: f64,
    /// Quarters in which the program could start fabs.
    pub active_quarters: u32,
    /// Active quarters by binding constraint, indexed by [`Binding`].
    pub binding_counts: [u32; 4],
    /// Quarters a site stood still for lack of cash, summed over sites.
    pub stall_total: u32,
}

/// Fills the EUV paths for the whole window: world shipments (approaching a ceiling, scaled by
/// `EuvSupply` events, plus program-funded expansion once its lag has passed) and the program's
/// allocation from its first start on (its reserved share, or what incumbents' growth and other
/// demand leave, whichever is larger, plus the expansion).
///
/// Reads `ws.inputs`, `ws.knobs`, `ws.inflow[4]` (expansion money), `ws.incumbent_cap`. Writes
/// `ws.tool_spend_cum`, `ws.euv_shipments`, `ws.euv_program`, `ws.euv_program_cum`.
pub(super) fn euv_supply_path(s: &Scenario, ws: &mut Workspace, bp: &BuildParams) {
    let nq = ws.nq;
    let ni = s.incumbents.len();
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
        let program_share = if bp.enabled && q >= bp.first_start {
            (reserved * base).max(base - demand).max(0.0) + extra
        } else {
            0.0
        };
        ws.euv_shipments[q] = base + extra;
        ws.euv_program[q] = program_share;
        ws.euv_program_cum[q + 1] = ws.euv_program_cum[q] + program_share;
    }
}

/// Phase 1 (the build-out's part): the quarter's power and EUV-expansion money is spent as it
/// arrives; power money orders MW in each region by its siting-plan share.
///
/// Reads `money`. Writes `ws.power_ordered_cum[.., q + 1]`, `build.power_spend`,
/// `build.tool_spend`.
pub(super) fn order_power_and_tools(
    s: &Scenario,
    ws: &mut Workspace,
    q: usize,
    bp: &BuildParams,
    money: &MoneyIn,
    build: &mut BuildState,
) {
    let nq = ws.nq;
    let alloc = &s.program.allocation;
    let power_money = money.total() * alloc.power_share;
    build.power_spend += power_money;
    build.tool_spend += money.total() * alloc.tool_expansion_share;
    for (r, region) in s.regions.iter().enumerate() {
        let row = r * (nq + 1);
        let mw = if bp.power_cost > 0.0 {
            power_money * region.plan_share / bp.power_cost
        } else {
            0.0
        };
        ws.power_ordered_cum[row + q + 1] = ws.power_ordered_cum[row + q] + mw;
    }
}

/// Phase 2: each region's start slots (builders) accrue a quarter of its starts per year, up to
/// a year's worth (or what the largest start needs, if more).
///
/// Reads `ws.inputs`. Writes `ws.slots`.
pub(super) fn accrue_start_slots(s: &Scenario, ws: &mut Workspace, bp: &BuildParams) {
    for (r, region) in s.regions.iter().enumerate() {
        let per_year = ws.v(region.fab_starts_per_year);
        ws.slots[r] = (ws.slots[r] + per_year / 4.0).min(per_year.max(bp.max_slot_need));
    }
}

/// Phase 3: while the program is active (enabled, past its first start, not defaulted), starts
/// fabs kind by kind (logic, packaging, HBM) until a start fails, and records the constraint
/// that stopped the logic fabs: the quarter's binding constraint.
///
/// Reads and writes what [`try_start`] does. Writes `build.active_quarters`,
/// `build.binding_counts`, and in `ws.ts` the binding-constraint share and the logic fabs
/// started.
pub(super) fn start_fabs(
    s: &Scenario,
    ws: &mut Workspace,
    q: usize,
    bp: &BuildParams,
    defaulted: bool,
    build: &mut BuildState,
) {
    let active = bp.enabled && q >= bp.first_start && !s.regions.is_empty() && !defaulted;
    let mut started_logic = 0u32;
    let binding_ts = if active {
        let mut binding = None;
        for kind in FabKind::ALL {
            let (started, stop) = start_fabs_of_kind(s, ws, kind, q, bp, build);
            if kind == FabKind::Logic {
                started_logic = started;
                binding = stop;
            }
        }
        build.active_quarters += 1;
        let b = binding.unwrap_or(Binding::Money);
        build.binding_counts[b as usize] += 1;
        match b {
            Binding::Money => Ts::BindingMoneyShare,
            Binding::Euv => Ts::BindingEuvShare,
            Binding::Power => Ts::BindingPowerShare,
            Binding::Workforce => Ts::BindingWorkforceShare,
        }
    } else {
        Ts::BindingNoneShare
    };
    ws.set_ts(binding_ts, q, 1.0);
    ws.set_ts(Ts::ProgramFabsStarted, q, f64::from(started_logic));
}

/// Starts fabs of `kind` in quarter `q` one at a time until a start fails. Returns the number
/// started and the constraint that stopped them (`None` if the guard on starts per quarter
/// stopped them first). A kind with no allocation and no cash is stopped by money at once.
///
/// Reads `ws.ledger.cash`; otherwise reads and writes what [`try_start`] does.
fn start_fabs_of_kind(
    s: &Scenario,
    ws: &mut Workspace,
    kind: FabKind,
    q: usize,
    bp: &BuildParams,
    build: &mut BuildState,
) -> (u32, Option<Binding>) {
    let k = kind as usize;
    if s.program.allocation.fabs_share[k] <= 0.0 && ws.ledger.cash[k] <= 0.0 {
        return (0, Some(Binding::Money));
    }
    let mut started = 0;
    for _ in 0..MAX_STARTS_PER_KIND_AND_QUARTER {
        match try_start(s, ws, kind, q, bp, build) {
            Ok(()) => started += 1,
            Err(b) => return (started, Some(b)),
        }
    }
    (started, None)
}

/// Tries to start one fab of `kind` in quarter `q`. Candidate regions are tried in order of
/// their shortfall against the siting plan (`plan_share · (n + 1) − started_here`, largest
/// first); for each the checks run in the order workforce → power → EUV → money. Returns the
/// binding constraint when no region passes.
///
/// Reads `ws.inputs`, `ws.knobs`, `ws.ledger` (cash and undrawn debt), `ws.inflow_cum`,
/// `ws.power_ordered_cum`, `ws.euv_program(_cum)`, `build.planned_remaining`,
/// `build.tools_reserved`. Draws the candidate's construction time (cached in
/// `ws.candidate_months`) and, on a start, its capex overrun and operator. On a start writes
/// `ws.fabs` (pushes the fab), `ws.slots`, `ws.power_committed`, `ws.started_kind_region`,
/// `build.serial`, `build.tools_reserved`, `build.planned_remaining`.
fn try_start(
    s: &Scenario,
    ws: &mut Workspace,
    kind: FabKind,
    q: usize,
    bp: &BuildParams,
    build: &mut BuildState,
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
    let serial = build.serial[k] + 1;
    // Per-fab draws are keyed by kind and serial number, so they do not depend on the others.
    let sub = serial | ((k as u64) << 40);

    // Funds: bucket cash + scheduled pay-ins in the look-ahead window − budgets already promised.
    let ahead_end = (q + 1 + bp.lookahead).min(nq);
    let ahead = ws.inflow_cum[k][ahead_end] - ws.inflow_cum[k][q + 1];
    let available =
        ws.ledger.cash[k] + ws.ledger.undrawn_for(k) + ahead - build.planned_remaining[k];

    let mut best: Option<Binding> = None;
    let mut chosen = None;
    // Regions by descending shortfall; ties by file order. nr is small: selection by scanning.
    let nr = s.regions.len();
    let mut tried = 0u64; // bitmask of regions tried (validation allows at most 64)
    for _ in 0..nr {
        let mut pick = None;
        let mut best_gap = f64::NEG_INFINITY;
        for (r, region) in s.regions.iter().enumerate() {
            if region.plan_share <= 0.0 || tried & (1 << r) != 0 {
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
        let ordered = match done.checked_sub(bp.power_lag) {
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
            if cum - build.tools_reserved + 1e-9 < tools_need {
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
    build.serial[k] = serial;
    let overrun = ws.rng.draw(s.params.get(t.capex_overrun_multiplier), sub);
    let operator = pick_operator(s, ws, bp.operator_slot, sub, kind);
    ws.slots[r] -= slots_needed;
    ws.power_committed[r] += power_need;
    build.tools_reserved += tools_need;
    ws.started_kind_region[r][k] += 1;
    build.planned_remaining[k] += budget;
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
///
/// Draws one uniform from slot `slot`, entity `serial` (logic fabs with an operator mix only).
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

/// Phase 4: pays this quarter's share of each site under construction, in start order.
/// As-needed debt pays `debt_fraction` of the spend (as far as available) and the kind's
/// construction account the rest; a site whose account lacks the cash stands still for the
/// quarter. A site paid for its last quarter produces from the next quarter. Nothing is spent
/// after a default.
///
/// Reads `bp.debt_fraction`. Writes `ws.fabs` (progress, spending, first output, stalls),
/// `ws.ledger` (construction accounts, as-needed draws, capex flow), `build.planned_remaining`,
/// `build.capex_by_kind`, `build.capex_cum`, `build.stall_total`, and the capex series in
/// `ws.ts`.
pub(super) fn spend_on_construction(
    ws: &mut Workspace,
    q: usize,
    bp: &BuildParams,
    defaulted: bool,
    build: &mut BuildState,
) {
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
        let from_debt = (spend * bp.debt_fraction).min(ws.ledger.undrawn_for(k));
        if ws.ledger.cash[k] + 1e-12 >= spend - from_debt {
            let drawn = ws.ledger.draw_for(k, from_debt, q);
            ws.ledger.cash[k] = (ws.ledger.cash[k] - (spend - drawn)).max(0.0);
            ws.ledger.flows.capex += spend;
            let budget_left = (f.budget_usd_bn - f.spent_usd_bn).max(0.0);
            build.planned_remaining[k] -= spend.min(budget_left);
            f.spent_usd_bn += spend;
            build.capex_by_kind[k] += spend;
            capex_q += spend;
            f.progress_quarters += 1;
            if f.progress_quarters >= f.construction_quarters {
                f.first_output_q = q as u32 + 1;
                build.planned_remaining[k] -= (f.budget_usd_bn - f.spent_usd_bn).max(0.0);
                if build.planned_remaining[k] < 0.0 {
                    build.planned_remaining[k] = 0.0;
                }
            }
        } else {
            f.stalled_quarters += 1;
            build.stall_total += 1;
        }
    }
    build.capex_cum += capex_q;
    ws.set_ts(Ts::ProgramCapexUsdBn, q, capex_q);
    ws.set_ts(Ts::ProgramCapexCumUsdBn, q, build.capex_cum);
}
