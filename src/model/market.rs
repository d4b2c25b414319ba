//! The chip market within a trial (phase 5): operating fabs (program and incumbents) → chip
//! supply (logic dies, packaging, HBM; the scarcest sets the accelerators) → demand (a
//! mean-reverting growth path) → shortage, prices and utilization → the program's operating
//! revenue, opex and maintenance. The formulas are in [`crate::model::supply`] and
//! [`crate::model::formulas`].

use crate::model::formulas::{compound, compound_converging, defect_density, hhi, ramp_fraction};
use crate::model::metrics::Ts;
use crate::model::supply::{
    accelerators, accelerators_per_packaging_wafer, compute_per_accelerator_growth,
    gross_dies_per_wafer, h100e_per_accelerator, input_per_accelerator, murphy_yield, price_index,
    Component,
};
use crate::model::trial::{Fab, Workspace};
use crate::scenario::types::{FabKind, Knob, OverbuildCut, Scenario};

/// Per-trial market constants (sampled inputs of the supply chain, demand and operations).
#[derive(Debug, Clone, Copy)]
pub struct MarketParams {
    /// Share of capacity run (wafer starts per month × 3 = wafers per quarter at 100 %).
    pub utilization: f64,
    /// Operator's fee as a share of revenue, for fabs run by an incumbent.
    pub fee: f64,
    /// Maintenance capex per quarter as a share of a fab's capex.
    pub maintenance_share_q: f64,
    /// Operator index of the program itself (after the incumbents).
    pub new_entrant: usize,
    /// Index of the incumbent named "tsmc", if any.
    pub tsmc: Option<usize>,
    /// Good AI dies per incumbent wafer.
    pub inc_good_dies: f64,
    /// Most of incumbents' leading-edge wafers that can go to AI dies.
    pub inc_ai_max: f64,
    /// Share of program logic wafers that are AI dies.
    pub program_ai_share: f64,
    /// Accelerators per packaging wafer, logic dies and HBM stacks per accelerator at the window
    /// start (`h(q) = h(0)`); each quarter's values are in [`Supply`].
    pub per_pack_wafer_start: f64,
    pub dies_per_acc_start: f64,
    pub stacks_per_acc_start: f64,
    /// Elasticities of packaging, HBM stacks and logic dies per accelerator with respect to
    /// compute per accelerator (0: constant).
    pub pack_elasticity: f64,
    pub stacks_elasticity: f64,
    pub dies_elasticity: f64,
    pub stacks_per_hbm_wafer: f64,
    /// Shares of packaging and HBM capacity serving AI accelerators.
    pub pack_ai: f64,
    pub hbm_ai: f64,
    /// Incumbents' packaging capacity (wafers per month) and its growth per year: initial and
    /// long-run.
    pub pack0: f64,
    pub pack_g0: f64,
    pub pack_g: f64,
    /// Incumbents' HBM capacity (wafer starts per month) and its growth per year: initial and
    /// long-run.
    pub hbm0: f64,
    pub hbm_g0: f64,
    pub hbm_g: f64,
    /// Years over which packaging and HBM growth converge to the long-run rates (0: none).
    pub growth_tau: f64,
    pub h100e_start: f64,
    pub doubling: f64,
    pub nvidia_inc: f64,
    pub nvidia_prog: f64,
    /// Demand ÷ supply in the first quarter.
    pub initial_shortage: f64,
    pub growth_long: f64,
    pub growth_kappa: f64,
    pub growth_sigma: f64,
    pub price_elasticity: f64,
    pub wafer_elasticity: f64,
    pub overbuild_cut: OverbuildCut,
    /// Logic wafer price before the market's multiplier (US$).
    pub logic_price: f64,
    /// Quarters up to the end of 2030 (0 if 2030 ends before the window).
    pub by2030_end: usize,
}

impl MarketParams {
    /// Reads `ws.inputs`.
    pub(super) fn new(s: &Scenario, ws: &Workspace) -> Self {
        let f = &s.finance;
        let sp = &s.supply;
        let dm = &s.demand;
        let area = ws.v(sp.die_area_mm2);
        MarketParams {
            utilization: ws.v(s.market.utilization_share),
            fee: ws.v(f.operator_fee_share),
            maintenance_share_q: ws.v(f.maintenance_capex_pct_per_year) / 100.0 / 4.0,
            new_entrant: s.incumbents.len(),
            tsmc: s.incumbents.iter().position(|i| i.name == "tsmc"),
            inc_good_dies: gross_dies_per_wafer(300.0, area)
                * murphy_yield(area / 100.0, ws.v(sp.incumbent_d0_per_cm2)),
            inc_ai_max: ws.v(sp.incumbent_ai_wafer_share_max),
            program_ai_share: ws.v(sp.program_ai_wafer_share),
            per_pack_wafer_start: ws.v(sp.accelerators_per_packaging_wafer),
            dies_per_acc_start: ws.v(sp.logic_dies_per_accelerator),
            stacks_per_acc_start: ws.v(sp.hbm_stacks_per_accelerator),
            pack_elasticity: ws.v(sp.packaging_per_accelerator_compute_elasticity),
            stacks_elasticity: ws.v(sp.hbm_stacks_per_accelerator_compute_elasticity),
            dies_elasticity: ws.v(sp.logic_dies_per_accelerator_compute_elasticity),
            stacks_per_hbm_wafer: ws.v(sp.hbm_stacks_per_wafer),
            pack_ai: ws.v(sp.packaging_ai_share),
            hbm_ai: ws.v(sp.hbm_ai_share),
            pack0: ws.v(sp.incumbent_packaging_wpm),
            pack_g0: ws.v(sp
                .packaging_growth_initial_per_year_share
                .unwrap_or(sp.packaging_growth_per_year_share)),
            pack_g: ws.v(sp.packaging_growth_per_year_share),
            hbm0: ws.v(sp.incumbent_hbm_wspm),
            hbm_g0: ws.v(sp
                .hbm_growth_initial_per_year_share
                .unwrap_or(sp.hbm_growth_per_year_share)),
            hbm_g: ws.v(sp.hbm_growth_per_year_share),
            growth_tau: ws.v(sp.growth_convergence_years),
            h100e_start: ws.v(sp.h100e_per_accelerator_start),
            doubling: ws.v(sp.compute_doubling_years),
            nvidia_inc: ws.v(sp.nvidia_share_incumbent),
            nvidia_prog: ws.v(sp.nvidia_share_program),
            initial_shortage: ws.v(dm.initial_shortage_ratio),
            growth_long: ws.v(dm.growth_long_run_per_year_share),
            growth_kappa: ws.v(dm.growth_reversion_per_year),
            growth_sigma: ws.v(dm.growth_volatility_per_year),
            price_elasticity: ws.v(dm.price_elasticity),
            wafer_elasticity: ws.v(dm.wafer_price_elasticity),
            overbuild_cut: dm.overbuild_cut,
            logic_price: ws.v(s.fabs[0].price_usd_per_wafer),
            by2030_end: s.year_end_index(2030).map_or(0, |i| i + 1),
        }
    }
}

/// What the market carries from quarter to quarter, and its running totals.
#[derive(Debug, Clone, Copy)]
pub struct MarketState {
    /// Demand growth per year (mean-reverting, before events).
    pub growth: f64,
    /// Demand in H100-equivalents per quarter before level events.
    pub demand_trend: f64,
    /// Program accelerators (H100e) so far.
    pub program_h100e_cum: f64,
    /// Accelerators supplied (H100e) up to the end of 2030.
    pub acc_2030: f64,
    /// Largest shortage ratio so far (∞ if a quarter had no supply).
    pub peak_shortage: f64,
    /// Consecutive quarters without a shortage, up to now.
    pub surplus_run: u32,
    /// First quarter of the first run of four quarters without a shortage.
    pub shortage_end: Option<usize>,
    /// Last quarter with a shortage (S > 1).
    pub last_shortage: Option<usize>,
    /// First quarter in which a program logic fab produced.
    pub first_output: Option<u32>,
}

impl MarketState {
    /// Demand growth at its initial value, nothing sold yet. Reads `ws.inputs`.
    pub(super) fn new(s: &Scenario, ws: &Workspace) -> Self {
        MarketState {
            growth: ws.v(s.demand.growth_initial_per_year_share),
            demand_trend: 0.0,
            program_h100e_cum: 0.0,
            acc_2030: 0.0,
            peak_shortage: 0.0,
            surplus_run: 0,
            shortage_end: None,
            last_shortage: None,
            first_output: None,
        }
    }
}

/// The program's operations in a quarter, for the cash waterfall (US$ bn).
#[derive(Debug, Clone, Copy)]
pub struct Operations {
    /// Revenue at the market's prices, less operators' fees.
    pub revenue: f64,
    /// Variable opex on wafers processed and fixed opex, by region.
    pub opex: f64,
    /// Maintenance capex.
    pub maintenance: f64,
}

/// Leading-edge capacity in operation this quarter and what the program's fleet looks like.
#[derive(Debug, Clone, Copy, Default)]
struct Fleet {
    /// Program capacity by kind (logic and HBM in wafer starts per month, packaging in wafers
    /// per month), after ramp and Taiwan events.
    cap: [f64; 3],
    /// Program logic fabs operating, and started but not yet producing.
    operating: u32,
    building: u32,
    /// EUV tools, MW and staff of operating program fabs (tools: logic only).
    tools: f64,
    power: f64,
    staff: f64,
    /// Σ D₀ × capacity over program logic fabs.
    d0_weighted: f64,
    /// Leading-edge capacity in Taiwan (program and incumbents).
    taiwan_cap: f64,
    /// Good AI dies from program logic wafers this quarter.
    program_dies: f64,
    /// Incumbents' leading-edge capacity.
    inc_total: f64,
    /// Incumbents' leading-edge capacity without the Taiwan event factor.
    inc_total_before_events: f64,
}

/// The three components' supply this quarter and the accelerators they allow.
#[derive(Debug, Clone, Copy)]
struct Supply {
    /// Most AI dies incumbents could make.
    inc_dies_max: f64,
    /// Packaging capacity (wafers per month), incumbents' and the program's.
    inc_pack: f64,
    prog_pack: f64,
    /// HBM capacity (wafer starts per month), incumbents' and the program's.
    inc_hbm: f64,
    prog_hbm: f64,
    /// HBM stacks for AI this quarter.
    hbm_stacks: f64,
    /// Accelerators the scarcest component allows, and which component that is.
    accelerators: f64,
    binding: Component,
    /// H100-equivalents per accelerator this quarter.
    h100e_per_acc: f64,
    /// Accelerators per packaging wafer, logic dies and HBM stacks per accelerator this quarter
    /// (the first falls, the others rise, with compute per accelerator at their elasticities).
    per_pack_wafer: f64,
    dies_per_acc: f64,
    stacks_per_acc: f64,
    /// Accelerators that could be made with no event acting on Taiwan, packaging or HBM
    /// capacity (the reference for the initial demand level).
    accelerators_before_events: f64,
    /// Event factors on packaging and HBM capacity this quarter (≥ 0).
    pack_factor: f64,
    hbm_factor: f64,
}

/// How the market cleared this quarter.
#[derive(Debug, Clone, Copy)]
struct Clearing {
    demand_h100e: f64,
    /// Demand ÷ supply in accelerators (∞ without supply).
    shortage: f64,
    /// Accelerators sold.
    sold: f64,
    /// Share of the program's AI dies sold.
    prog_ai_sold: f64,
    /// Utilization of program logic, packaging and HBM capacity.
    program_util: f64,
    pack_util: f64,
    hbm_util: f64,
    price_idx: f64,
    /// Multiplier on wafer prices from the shortage, and from events.
    wafer_mult: f64,
    wafer_price_factor: f64,
    /// Share of incumbents' wafers sold as AI dies.
    inc_ai_share: f64,
    /// NVIDIA's share of the accelerators (NaN when none are sold).
    nvidia: f64,
    /// Program accelerators sold (H100e).
    program_h100e: f64,
}

/// Fills the logic fab yield curve by operating age: defect density `ws.d0_by_age` on the
/// learning curve and good AI dies per wafer `ws.good_dies_by_age` (Murphy yield).
/// Reads `ws.inputs`.
pub(super) fn yield_curves(s: &Scenario, ws: &mut Workspace) {
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

/// Fills incumbents' leading-edge capacity path `ws.incumbent_cap` (compound growth; index 0 is
/// the quarter before the window, for first-quarter growth). Reads `ws.inputs`.
pub(super) fn incumbent_capacity_path(s: &Scenario, ws: &mut Workspace) {
    let nq = ws.nq;
    for (i, inc) in s.incumbents.iter().enumerate() {
        let k0 = ws.v(inc.leading_edge_capacity_wspm);
        let g = ws.v(inc.growth_per_year_share);
        for q in 0..=nq {
            // index 0 is the quarter before the window (for first-quarter growth)
            ws.incumbent_cap[i * (nq + 1) + q] = compound(k0, g, (q as f64 - 1.0) / 4.0);
        }
    }
}

/// Phase 5: operating fabs, chip supply and the market. Tallies the capacity in operation,
/// works out the supply of accelerators and the demand, clears the market, and values the
/// program's operations at the resulting prices and utilization.
///
/// Reads `ws.fabs`, `ws.knobs`, `ws.inputs`, the trial's paths in `ws`. Writes
/// `ws.operator_cap`, `ms`, and the market and fleet series in `ws.ts`. Returns the program's
/// operations for the waterfall.
pub(super) fn operate_and_sell(
    s: &Scenario,
    ws: &mut Workspace,
    q: usize,
    mp: &MarketParams,
    ms: &mut MarketState,
) -> Operations {
    let taiwan_factor = ws.knobs.factor(Knob::TaiwanCapacity, q).max(0.0);
    let mut fleet = tally_program_fabs(s, ws, q, mp, taiwan_factor);
    if fleet.operating > 0 && ms.first_output.is_none() {
        ms.first_output = Some(q as u32);
    }
    add_incumbents(s, ws, q, taiwan_factor, &mut fleet);
    let supply = component_supply(ws, q, mp, &fleet);
    let demand_h100e = step_demand(ws, q, mp, ms, &supply);
    let clearing = clear_market(ws, q, mp, &fleet, &supply, demand_h100e);
    let ops = program_operations(s, ws, q, mp, taiwan_factor, &supply, &clearing);
    track_market(ms, q, mp, &supply, &clearing);
    record_market(ws, q, mp, &fleet, &supply, &clearing);
    record_fleet(ws, q, mp, &fleet);
    ops
}

/// A fab's output capacity at operating age `age`: nominal × ramp, × the Taiwan factor if it
/// is in Taiwan.
fn effective_capacity(f: &Fab, age: u32, in_taiwan: bool, taiwan_factor: f64) -> f64 {
    f.capacity_wspm
        * ramp_fraction(age, f.ramp_quarters)
        * if in_taiwan { taiwan_factor } else { 1.0 }
}

/// Tallies the program's fabs in quarter `q`: capacity by kind, logic fabs operating and being
/// built, tools, power, staff, D₀, Taiwan capacity and good AI dies.
///
/// Reads `ws.fabs`, `ws.d0_by_age`, `ws.good_dies_by_age`. Writes `ws.operator_cap` (cleared,
/// then the program logic fabs' capacity by operator).
fn tally_program_fabs(
    s: &Scenario,
    ws: &mut Workspace,
    q: usize,
    mp: &MarketParams,
    taiwan_factor: f64,
) -> Fleet {
    let nq = ws.nq;
    let qu = q as u32;
    let mut fl = Fleet::default();
    ws.operator_cap.iter_mut().for_each(|x| *x = 0.0);
    for f in ws.fabs.iter() {
        if f.kind == FabKind::Logic && f.first_output_q > qu {
            // Started and not yet producing (a fab finishing this quarter produces next).
            fl.building += 1;
        }
        if !f.operating(qu) {
            continue;
        }
        let age = qu - f.first_output_q;
        let in_taiwan = s.regions[f.region].in_taiwan;
        let c = effective_capacity(f, age, in_taiwan, taiwan_factor);
        fl.cap[f.kind as usize] += c;
        fl.power += f.power_mw;
        fl.staff += f.staff;
        if f.kind == FabKind::Logic {
            fl.operating += 1;
            fl.tools += f.euv_tools;
            ws.operator_cap[f.operator] += c;
            if in_taiwan {
                fl.taiwan_cap += c;
            }
            let a = (age as usize).min(nq);
            fl.d0_weighted += ws.d0_by_age[a] * c;
            fl.program_dies +=
                c * 3.0 * mp.utilization * mp.program_ai_share * ws.good_dies_by_age[a];
        }
    }
    fl
}

/// Adds incumbents' leading-edge capacity in quarter `q` (their Taiwan share scaled by the
/// Taiwan factor) to the fleet's totals.
///
/// Reads `ws.incumbent_cap`, `ws.inputs`. Writes `ws.operator_cap`, `fleet.inc_total`,
/// `fleet.taiwan_cap`.
fn add_incumbents(
    s: &Scenario,
    ws: &mut Workspace,
    q: usize,
    taiwan_factor: f64,
    fleet: &mut Fleet,
) {
    let nq = ws.nq;
    for (i, inc) in s.incumbents.iter().enumerate() {
        let c_all = ws.incumbent_cap[i * (nq + 1) + q + 1];
        let tw = ws.v(inc.taiwan_share);
        let c = c_all * (1.0 - tw) + c_all * tw * taiwan_factor;
        fleet.inc_total += c;
        fleet.inc_total_before_events += c_all;
        ws.operator_cap[i] += c;
        fleet.taiwan_cap += c_all * tw * taiwan_factor;
    }
}

/// Supply of the three components this quarter (AI dies, packaging, HBM, each scaled by its
/// events) and the accelerators the scarcest allows, with this quarter's inputs per accelerator
/// (docs/model.md §12.4).
///
/// Reads `ws.knobs`, `fleet`. Writes nothing.
fn component_supply(ws: &Workspace, q: usize, mp: &MarketParams, fleet: &Fleet) -> Supply {
    let yrs = q as f64 / 4.0;
    // Inputs per accelerator this quarter: they rise with compute per accelerator h(q)/h(0).
    let growth = compute_per_accelerator_growth(mp.doubling, yrs);
    let per_pack_wafer =
        accelerators_per_packaging_wafer(mp.per_pack_wafer_start, growth, mp.pack_elasticity);
    let dies_per_acc = input_per_accelerator(mp.dies_per_acc_start, growth, mp.dies_elasticity);
    let stacks_per_acc =
        input_per_accelerator(mp.stacks_per_acc_start, growth, mp.stacks_elasticity);
    let inc_dies_max = fleet.inc_total * 3.0 * mp.utilization * mp.inc_ai_max * mp.inc_good_dies;
    let pack_factor = ws.knobs.factor(Knob::PackagingSupply, q).max(0.0);
    let hbm_factor = ws.knobs.factor(Knob::HbmSupply, q).max(0.0);
    // Incumbents' capacity before events: near-term growth converging to the long-run rate.
    let inc_pack_base = compound_converging(mp.pack0, mp.pack_g0, mp.pack_g, mp.growth_tau, yrs);
    let inc_hbm_base = compound_converging(mp.hbm0, mp.hbm_g0, mp.hbm_g, mp.growth_tau, yrs);
    let inc_pack = inc_pack_base * pack_factor;
    let prog_pack = fleet.cap[1] * pack_factor;
    let inc_hbm = inc_hbm_base * hbm_factor;
    let prog_hbm = fleet.cap[2] * hbm_factor;
    let pack_wafers = (inc_pack + prog_pack) * 3.0 * mp.pack_ai;
    let hbm_stacks = (inc_hbm + prog_hbm) * 3.0 * mp.stacks_per_hbm_wafer * mp.hbm_ai;
    let (a_pot, binding) = accelerators(
        (inc_dies_max + fleet.program_dies) / dies_per_acc,
        pack_wafers,
        per_pack_wafer,
        hbm_stacks,
        stacks_per_acc,
    );
    // The same without events (program dies as they are: at the start, when this is used,
    // program fabs are rarely operating).
    let (a_before, _) = accelerators(
        (fleet.inc_total_before_events * 3.0 * mp.utilization * mp.inc_ai_max * mp.inc_good_dies
            + fleet.program_dies)
            / dies_per_acc,
        (inc_pack_base + fleet.cap[1]) * 3.0 * mp.pack_ai,
        per_pack_wafer,
        (inc_hbm_base + fleet.cap[2]) * 3.0 * mp.stacks_per_hbm_wafer * mp.hbm_ai,
        stacks_per_acc,
    );
    Supply {
        inc_dies_max,
        inc_pack,
        prog_pack,
        inc_hbm,
        prog_hbm,
        hbm_stacks,
        accelerators: a_pot,
        binding,
        h100e_per_acc: h100e_per_accelerator(mp.h100e_start, mp.doubling, yrs),
        per_pack_wafer,
        dies_per_acc,
        stacks_per_acc,
        accelerators_before_events: a_before,
        pack_factor,
        hbm_factor,
    }
}

/// Demand this quarter in H100e: in the first quarter, supply (before events: an event that
/// starts in the first quarter does not lower the starting level) × the initial shortage; after
/// that the trend grows at a mean-reverting rate (events add to it), and level events multiply
/// the trend.
///
/// Reads `ws.demand_eps[q]`, `ws.knobs`. Writes `ms.growth`, `ms.demand_trend`.
fn step_demand(
    ws: &Workspace,
    q: usize,
    mp: &MarketParams,
    ms: &mut MarketState,
    supply: &Supply,
) -> f64 {
    if q == 0 {
        ms.demand_trend =
            supply.accelerators_before_events * supply.h100e_per_acc * mp.initial_shortage;
    } else {
        ms.growth = ms.growth
            + mp.growth_kappa * (mp.growth_long - ms.growth) * 0.25
            + mp.growth_sigma * 0.5 * ws.demand_eps[q];
        let g = ws.knobs.apply(Knob::DemandGrowth, q, ms.growth).max(-0.95);
        ms.demand_trend *= (1.0 + g).powf(0.25);
    }
    ws.knobs
        .apply(Knob::DemandLevel, q, ms.demand_trend)
        .max(0.0)
}

/// The share of a component's program capacity that is sold when `used` of the total
/// (`inc + prog`) is needed: incumbents first under [`OverbuildCut::ProgramFirst`], pro rata
/// otherwise. 1 when the program has none.
fn sold_share(cut: OverbuildCut, inc: f64, prog: f64, used: f64) -> f64 {
    if prog <= 0.0 {
        return 1.0;
    }
    match cut {
        OverbuildCut::ProgramFirst => ((used - inc) / prog).clamp(0.0, 1.0),
        OverbuildCut::ProRata => (used / (inc + prog)).clamp(0.0, 1.0),
    }
}

/// Clears the market: accelerators sold are the lesser of demand and supply; the dies they need
/// come from incumbents first, so that program fabs lose sales first (default), or pro rata to
/// AI-wafer capacity; a die not needed is a wafer not sold. Sets the shortage ratio, the price
/// indices, utilization of program capacity, incumbents' AI share and NVIDIA's share.
///
/// Reads `ws.knobs`, `fleet`, `supply`. Writes nothing.
fn clear_market(
    ws: &Workspace,
    q: usize,
    mp: &MarketParams,
    fleet: &Fleet,
    supply: &Supply,
    demand_h100e: f64,
) -> Clearing {
    let a_pot = supply.accelerators;
    let h = supply.h100e_per_acc;
    let utilization = mp.utilization;
    let program_dies = fleet.program_dies;
    let inc_dies_max = supply.inc_dies_max;
    let demand_units = demand_h100e / h;
    let shortage = if a_pot > 0.0 {
        demand_units / a_pot
    } else {
        f64::INFINITY
    };
    let sold = demand_units.min(a_pot);
    let needed = sold * supply.dies_per_acc;
    let (inc_sold, prog_sold) = match mp.overbuild_cut {
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
        utilization * (mp.program_ai_share * prog_ai_sold + (1.0 - mp.program_ai_share));
    let pack_used = sold / supply.per_pack_wafer / 3.0 / mp.pack_ai.max(1e-12);
    let hbm_used =
        sold * supply.stacks_per_acc / (3.0 * mp.stacks_per_hbm_wafer * mp.hbm_ai).max(1e-12);
    let cut = mp.overbuild_cut;
    // Packaging and HBM capacities are output capacities (supply counts them in full), so a
    // plant sells the share of its capacity that the market takes.
    let pack_util = sold_share(cut, supply.inc_pack, supply.prog_pack, pack_used);
    let hbm_util = sold_share(cut, supply.inc_hbm, supply.prog_hbm, hbm_used);
    let inc_total = fleet.inc_total;
    let inc_ai_share = if inc_total > 0.0 && mp.inc_good_dies > 0.0 {
        (inc_sold / (inc_total * 3.0 * utilization * mp.inc_good_dies).max(1e-300)).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let nvidia = if needed > 0.0 {
        (inc_sold * mp.nvidia_inc + prog_sold * mp.nvidia_prog) / needed
    } else {
        f64::NAN
    };
    Clearing {
        demand_h100e,
        shortage,
        sold,
        prog_ai_sold,
        program_util,
        pack_util,
        hbm_util,
        price_idx: price_index(shortage, mp.price_elasticity),
        wafer_mult: price_index(shortage, mp.wafer_elasticity).clamp(0.5, 2.0),
        wafer_price_factor: ws.knobs.factor(Knob::WaferPrice, q).max(0.0),
        inc_ai_share,
        nvidia,
        program_h100e: prog_sold / supply.dies_per_acc * h,
    }
}

/// The program's operations in quarter `q`: revenue at the market's prices (AI wafers and
/// packaging/HBM at the shortage multiplier), less the operator's fee for fabs an incumbent
/// runs; variable opex on wafers processed and fixed opex (× the region's multiplier);
/// maintenance capex.
///
/// Reads `ws.fabs`, `ws.inputs`, `supply` (event factors), `clearing`. Writes nothing.
fn program_operations(
    s: &Scenario,
    ws: &Workspace,
    q: usize,
    mp: &MarketParams,
    taiwan_factor: f64,
    supply: &Supply,
    clearing: &Clearing,
) -> Operations {
    let qu = q as u32;
    let utilization = mp.utilization;
    let wafer_mult = clearing.wafer_mult;
    let (mut revenue, mut opex, mut maintenance) = (0.0, 0.0, 0.0);
    for f in ws.fabs.iter().filter(|f| f.operating(qu)) {
        let age = qu - f.first_output_q;
        let c = effective_capacity(f, age, s.regions[f.region].in_taiwan, taiwan_factor);
        let t = &s.fabs[f.kind as usize];
        let price = ws.v(t.price_usd_per_wafer) * clearing.wafer_price_factor;
        let (wafers, value) = match f.kind {
            FabKind::Logic => {
                let ai = c * 3.0 * utilization * mp.program_ai_share * clearing.prog_ai_sold;
                let other = c * 3.0 * utilization * (1.0 - mp.program_ai_share);
                (ai + other, ai * price * wafer_mult + other * price)
            }
            FabKind::Packaging => {
                let w = c * supply.pack_factor * 3.0 * clearing.pack_util;
                (w, w * price * wafer_mult)
            }
            FabKind::Hbm => {
                let w = c * supply.hbm_factor * 3.0 * clearing.hbm_util;
                (w, w * price * wafer_mult)
            }
        };
        let own_share = if f.operator == mp.new_entrant {
            1.0
        } else {
            1.0 - mp.fee
        };
        let opex_mult = ws.v(s.regions[f.region].opex_multiplier);
        revenue += value * own_share / 1e9;
        opex += opex_mult
            * (wafers * ws.v(t.opex_usd_per_wafer) / 1e9
                + ws.v(t.fixed_opex_usd_bn_per_year) / 4.0);
        maintenance += f.actual_capex_usd_bn * mp.maintenance_share_q;
    }
    Operations {
        revenue,
        opex,
        maintenance,
    }
}

/// Updates the market's running totals: program accelerators, accelerators to 2030, peak
/// shortage, and the end of the shortage (the first of four quarters in a row without one).
///
/// Reads `supply`, `clearing`. Writes `ms`.
fn track_market(
    ms: &mut MarketState,
    q: usize,
    mp: &MarketParams,
    supply: &Supply,
    clearing: &Clearing,
) {
    let shortage = clearing.shortage;
    ms.program_h100e_cum += clearing.program_h100e;
    if q < mp.by2030_end {
        ms.acc_2030 += clearing.sold * supply.h100e_per_acc;
    }
    ms.peak_shortage = ms.peak_shortage.max(shortage);
    if shortage <= 1.0 {
        ms.surplus_run += 1;
        if ms.surplus_run == 4 && ms.shortage_end.is_none() {
            ms.shortage_end = Some(q + 1 - 4);
        }
    } else {
        ms.surplus_run = 0;
        ms.last_shortage = Some(q);
    }
}

/// Records the market's series for quarter `q`: accelerators supplied and demanded, shortage,
/// prices, utilization, shares and the binding component. Writes `ws.ts`.
fn record_market(
    ws: &mut Workspace,
    q: usize,
    mp: &MarketParams,
    fleet: &Fleet,
    supply: &Supply,
    cl: &Clearing,
) {
    let h = supply.h100e_per_acc;
    ws.set_ts(Ts::AcceleratorsSuppliedUnits, q, cl.sold);
    ws.set_ts(Ts::AcceleratorsSuppliedH100e, q, cl.sold * h);
    ws.set_ts(Ts::AcceleratorsDemandedH100e, q, cl.demand_h100e);
    ws.set_ts(
        Ts::ShortageRatio,
        q,
        if cl.shortage.is_finite() {
            cl.shortage
        } else {
            f64::NAN
        },
    );
    ws.set_ts(Ts::AcceleratorPriceIndex, q, cl.price_idx);
    ws.set_ts(
        Ts::WaferPriceUsd,
        q,
        mp.logic_price * cl.wafer_mult * cl.wafer_price_factor,
    );
    ws.set_ts(
        Ts::ProgramUtilization,
        q,
        if fleet.cap[0] > 0.0 {
            cl.program_util
        } else {
            f64::NAN
        },
    );
    ws.set_ts(Ts::NvidiaShareAccelerators, q, cl.nvidia);
    ws.set_ts(
        Ts::PackagingCapacityWpm,
        q,
        supply.inc_pack + supply.prog_pack,
    );
    ws.set_ts(Ts::HbmStacksSupplied, q, supply.hbm_stacks);
    ws.set_ts(Ts::ProgramAcceleratorsH100e, q, cl.program_h100e);
    ws.set_ts(Ts::IncumbentAiWaferShare, q, cl.inc_ai_share);
    let bm = match supply.binding {
        Component::Dies => Ts::BindingDiesShare,
        Component::Packaging => Ts::BindingPackagingShare,
        Component::Hbm => Ts::BindingHbmShare,
    };
    ws.set_ts(bm, q, 1.0);
}

/// Records the fleet's series for quarter `q`: capacity, fabs, EUV tools (shipments and the
/// program's allocation too), power, staff, D₀, and market structure (TSMC's and Taiwan's
/// shares, HHI). Reads `ws.operator_cap`, `ws.euv_shipments`, `ws.euv_program`. Writes
/// `ws.ts`.
fn record_fleet(ws: &mut Workspace, q: usize, mp: &MarketParams, fl: &Fleet) {
    let total = fl.inc_total + fl.cap[0];
    let tsmc_share = match (mp.tsmc, total > 0.0) {
        (Some(t), true) => ws.operator_cap[t] / total,
        _ => 0.0,
    };
    ws.set_ts(Ts::ProgramCapacityWspm, q, fl.cap[0]);
    ws.set_ts(Ts::IncumbentCapacityWspm, q, fl.inc_total);
    ws.set_ts(Ts::ProgramPackagingCapacityWpm, q, fl.cap[1]);
    ws.set_ts(Ts::ProgramHbmCapacityWspm, q, fl.cap[2]);
    ws.set_ts(Ts::ProgramFabsOperating, q, f64::from(fl.operating));
    ws.set_ts(Ts::ProgramFabsUnderConstruction, q, f64::from(fl.building));
    ws.set_ts(Ts::ProgramEuvTools, q, fl.tools);
    ws.set_ts(Ts::EuvShipmentsPerYear, q, 4.0 * ws.euv_shipments[q]);
    ws.set_ts(Ts::ProgramEuvAllocationPerYear, q, 4.0 * ws.euv_program[q]);
    ws.set_ts(Ts::ProgramPowerMw, q, fl.power);
    ws.set_ts(Ts::ProgramStaff, q, fl.staff);
    ws.set_ts(
        Ts::ProgramD0PerCm2,
        q,
        if fl.cap[0] > 0.0 {
            fl.d0_weighted / fl.cap[0]
        } else {
            f64::NAN
        },
    );
    ws.set_ts(Ts::TsmcShareLeadingEdge, q, tsmc_share);
    ws.set_ts(
        Ts::TaiwanShareLeadingEdge,
        q,
        if total > 0.0 {
            fl.taiwan_cap / total
        } else {
            0.0
        },
    );
    ws.set_ts(Ts::HhiLeadingEdge, q, hhi(&ws.operator_cap));
}
