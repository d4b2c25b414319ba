//! The typed, validated scenario that the model runs. Uncertain numbers are [`ParamId`]s into
//! [`Scenario::params`]; names (regions, operators) are resolved to indices at load time.

use std::path::PathBuf;

use crate::scenario::node::Table;
use crate::scenario::params::{ParamId, Params};
use crate::time::Quarter;

#[derive(Debug, Clone)]
pub struct Scenario {
    /// Scenario name: the `name` key, or the file stem. Output folder name.
    pub name: String,
    pub description: String,
    /// The file the scenario was loaded from.
    pub path: PathBuf,
    /// The merged document after `extends` and `--set`, written as `scenario.resolved.toml`.
    pub resolved: Table,
    pub start: Quarter,
    pub end: Quarter,
    pub run: RunDefaults,
    pub params: Params,
    pub program: Program,
    pub sources: Vec<Source>,
    /// Indexed by [`FabKind`] as usize: logic, packaging, hbm.
    pub fabs: [FabTemplate; 3],
    pub regions: Vec<Region>,
    pub incumbents: Vec<Incumbent>,
    pub euv: Euv,
    pub power: PowerBuild,
    pub finance: Finance,
    pub market: Market,
    pub supply: Supply,
    pub demand: Demand,
    pub events: Vec<Event>,
}

impl Scenario {
    /// Number of quarters simulated, both ends included.
    pub fn quarters(&self) -> usize {
        (self.end.0 - self.start.0 + 1) as usize
    }

    pub fn quarter(&self, index: usize) -> Quarter {
        self.start.plus(index as u32)
    }

    /// Index of a quarter in the window (None outside it).
    pub fn quarter_index(&self, q: Quarter) -> Option<usize> {
        (q >= self.start && q <= self.end).then(|| (q.0 - self.start.0) as usize)
    }

    /// Index of the last quarter of `year`; None when the window does not contain it (an
    /// outcome measured at that year's end then "did not happen" and its cell is empty).
    pub fn year_end_index(&self, year: u32) -> Option<usize> {
        self.quarter_index(Quarter::new(year, 4))
    }
}

#[derive(Debug, Clone, Default)]
pub struct RunDefaults {
    pub trials: Option<u64>,
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FabKind {
    Logic = 0,
    Packaging = 1,
    Hbm = 2,
}

impl FabKind {
    pub const ALL: [FabKind; 3] = [FabKind::Logic, FabKind::Packaging, FabKind::Hbm];

    pub fn key(self) -> &'static str {
        match self {
            FabKind::Logic => "logic",
            FabKind::Packaging => "packaging",
            FabKind::Hbm => "hbm",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Program {
    pub enabled: bool,
    pub size_usd_bn: ParamId,
    /// Earliest quarter in which the program may start a fab.
    pub first_start: Quarter,
    /// How many quarters of scheduled pay-ins count as money available to carry a new fab.
    pub funding_lookahead_quarters: u32,
    /// Shares of money in, by use: logic, packaging, hbm, power, tool expansion.
    pub allocation: Allocation,
    /// Operator mix for program fabs: (operator index, share). Operator index: incumbents by
    /// position, then `new_entrant` = incumbents.len().
    pub operators: Vec<(usize, f64)>,
}

#[derive(Debug, Clone, Copy)]
pub struct Allocation {
    pub fabs_share: [f64; 3],
    pub power_share: f64,
    pub tool_expansion_share: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instrument {
    Equity,
    Debt,
    Grant,
}

impl Instrument {
    pub const ALL: [Instrument; 3] = [Instrument::Equity, Instrument::Debt, Instrument::Grant];
    pub const KEYS: [&'static str; 3] = ["equity", "debt", "grant"];

    pub fn key(self) -> &'static str {
        Self::KEYS[self as usize]
    }
}

/// Partner classes, used to report money in (and later returns) per class.
pub const PARTNER_CLASSES: [&str; 6] = [
    "sovereign",
    "investor",
    "chipmaker",
    "energy",
    "anchor_customer",
    "government",
];

#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    /// Index into [`PARTNER_CLASSES`].
    pub class: usize,
    pub instrument: Instrument,
    /// Commitment: either a share of the program size or an absolute amount.
    pub commitment: Commitment,
    /// Fraction of the commitment actually paid in.
    pub honoured_share: ParamId,
    pub pay_in_start: Quarter,
    /// Number of quarters over which the honoured amount is paid in, evenly.
    pub pay_in_quarters: u32,
}

#[derive(Debug, Clone, Copy)]
pub enum Commitment {
    ShareOfProgram(ParamId),
    AmountUsdBn(ParamId),
}

#[derive(Debug, Clone)]
pub struct FabTemplate {
    pub kind: FabKind,
    /// Nominal capacity, wafer starts per month (packaging: interposer wafers per month).
    pub capacity_wspm: ParamId,
    pub capex_usd_bn_per_kwspm: ParamId,
    /// Per fab: actual capex ÷ budgeted capex.
    pub capex_overrun_multiplier: ParamId,
    pub euv_tools_per_kwspm: ParamId,
    pub power_mw: ParamId,
    pub staff: ParamId,
    pub ramp_months: ParamId,
    pub lifetime_years: ParamId,
    pub d0_initial_per_cm2: ParamId,
    pub d0_mature_per_cm2: ParamId,
    pub d0_learning_months: ParamId,
    /// Regional start slots one start uses.
    pub builder_slots_per_start: ParamId,
    /// Revenue per wafer sold, before the operator's fee.
    pub price_usd_per_wafer: ParamId,
    /// Variable operating cost per wafer (× the region's opex multiplier).
    pub opex_usd_per_wafer: ParamId,
    /// Fixed operating cost of an operating fab, paid even when idle (× the region's multiplier).
    pub fixed_opex_usd_bn_per_year: ParamId,
}

#[derive(Debug, Clone)]
pub struct Region {
    pub name: String,
    pub in_taiwan: bool,
    /// Share of program fab starts planned here.
    pub plan_share: f64,
    pub capex_multiplier: ParamId,
    pub opex_multiplier: ParamId,
    /// Per fab: construction start → first output.
    pub construction_months: ParamId,
    pub fab_starts_per_year: ParamId,
    pub power_available_mw: ParamId,
    pub power_growth_mw_per_year: ParamId,
}

#[derive(Debug, Clone)]
pub struct Incumbent {
    pub name: String,
    pub leading_edge_capacity_wspm: ParamId,
    pub growth_per_year_share: ParamId,
    pub taiwan_share: ParamId,
}

#[derive(Debug, Clone)]
pub struct Euv {
    pub shipments_start_per_year: ParamId,
    pub ceiling_per_year: ParamId,
    /// Share of the gap to the ceiling closed each year.
    pub convergence_per_year_share: ParamId,
    /// Tools per year consumed outside leading-edge logic (DRAM/HBM makers, R&D).
    pub other_demand_per_year: ParamId,
    pub incumbent_tools_per_kwspm: ParamId,
    /// Share of each year's shipments reserved for the program (at least; it also gets leftovers).
    pub program_reserved_share: ParamId,
    pub expansion_cost_usd_bn_per_tool_per_year: ParamId,
    pub expansion_lag_months: ParamId,
    /// Most extra tools a year that funded expansion can add, whatever the money (optics and
    /// supplier limits).
    pub expansion_max_per_year: ParamId,
}

#[derive(Debug, Clone)]
pub struct PowerBuild {
    pub cost_usd_bn_per_mw: ParamId,
    pub build_months: ParamId,
}

/// How a tranche is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrawMode {
    /// Pro rata with equity as capex is paid.
    AsNeeded,
    /// As soon as the lenders' money is available.
    Upfront,
}

#[derive(Debug, Clone)]
pub struct TrancheSpec {
    pub name: String,
    /// Share of the program's debt.
    pub share: f64,
    pub spread_bp: ParamId,
    pub tenor_years: ParamId,
    pub grace_years: ParamId,
    pub amortisation: crate::finance::debt::Amortisation,
    pub draw: DrawMode,
}

#[derive(Debug, Clone)]
pub struct Finance {
    /// Effective annual discount rate for NPVs, percent.
    pub discount_rate_pct: ParamId,
    /// Default when DSCR stays below this for `covenant_breach_quarters` quarters.
    pub dscr_covenant: ParamId,
    pub covenant_breach_quarters: u32,
    /// Debt-service reserve target, in quarters of scheduled debt service.
    pub reserve_quarters: f64,
    /// Distributions to equity only when DSCR is at least this.
    pub distribution_lockup_dscr: ParamId,
    /// Share of revenue kept by an incumbent operator of a program fab.
    pub operator_fee_share: ParamId,
    /// Maintenance capex per year, percent of a fab's construction cost.
    pub maintenance_capex_pct_per_year: ParamId,
    /// Value the operating fabs and cash at the window's end (see docs/model.md).
    pub terminal_value: bool,
    pub base_rate_initial_pct: ParamId,
    pub base_rate_long_run_pct: ParamId,
    pub base_rate_reversion_per_year: ParamId,
    pub base_rate_volatility_pct: ParamId,
    pub tranches: Vec<TrancheSpec>,
}

/// Market conditions for fabs.
#[derive(Debug, Clone)]
pub struct Market {
    /// Utilization of (ramped) capacity when demand takes all output; overbuilding lowers it.
    pub utilization_share: ParamId,
}

/// From wafers to accelerators, and who designs them (MODEL §5, §8).
#[derive(Debug, Clone)]
pub struct Supply {
    pub die_area_mm2: ParamId,
    /// Leading-edge logic dies per accelerator: compute dies plus the CPU and networking
    /// silicon that goes with it.
    pub logic_dies_per_accelerator: ParamId,
    pub incumbent_d0_per_cm2: ParamId,
    /// Most of incumbents' leading-edge wafers that may go to AI accelerators.
    pub incumbent_ai_wafer_share_max: ParamId,
    pub program_ai_wafer_share: ParamId,
    pub accelerators_per_packaging_wafer: ParamId,
    pub hbm_stacks_per_accelerator: ParamId,
    pub hbm_stacks_per_wafer: ParamId,
    pub packaging_ai_share: ParamId,
    pub hbm_ai_share: ParamId,
    pub incumbent_packaging_wpm: ParamId,
    /// Long-run compound growth of incumbents' packaging capacity.
    pub packaging_growth_per_year_share: ParamId,
    /// Its growth at the window start; `None` (the key is absent): the long-run rate.
    pub packaging_growth_initial_per_year_share: Option<ParamId>,
    pub incumbent_hbm_wspm: ParamId,
    /// Long-run compound growth of incumbents' HBM capacity.
    pub hbm_growth_per_year_share: ParamId,
    /// Its growth at the window start; `None` (the key is absent): the long-run rate.
    pub hbm_growth_initial_per_year_share: Option<ParamId>,
    /// Years over which packaging and HBM growth converge from their initial to their long-run
    /// rates (τ); 0 means no near-term phase.
    pub growth_convergence_years: ParamId,
    pub h100e_per_accelerator_start: ParamId,
    pub compute_doubling_years: ParamId,
    /// Elasticities of the inputs an accelerator needs with respect to its compute (H100e per
    /// accelerator relative to the window start, docs/model.md §12.4): packaging per accelerator
    /// (accelerators per packaging wafer fall as `(h/h₀)^(−ε)`), HBM stacks per accelerator and
    /// logic dies per accelerator (both rise as `(h/h₀)^ε`). 0 (the keys are absent): constant.
    pub packaging_per_accelerator_compute_elasticity: ParamId,
    pub hbm_stacks_per_accelerator_compute_elasticity: ParamId,
    pub logic_dies_per_accelerator_compute_elasticity: ParamId,
    pub nvidia_share_incumbent: ParamId,
    pub nvidia_share_program: ParamId,
}

/// Who loses sales first when supply overshoots demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverbuildCut {
    ProgramFirst,
    ProRata,
}

/// Demand for accelerators and the market's response (MODEL §6).
#[derive(Debug, Clone)]
pub struct Demand {
    pub initial_shortage_ratio: ParamId,
    pub growth_initial_per_year_share: ParamId,
    pub growth_long_run_per_year_share: ParamId,
    pub growth_reversion_per_year: ParamId,
    pub growth_volatility_per_year: ParamId,
    pub price_elasticity: ParamId,
    pub wafer_price_elasticity: ParamId,
    pub overbuild_cut: OverbuildCut,
}

/// A model knob that events can move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Knob {
    TaiwanCapacity,
    DemandGrowth,
    DemandLevel,
    BaseRate,
    ConstructionTime,
    EuvSupply,
    HbmSupply,
    PackagingSupply,
    Power,
    WaferPrice,
    /// The honoured share of funding source `.0` (index into `Scenario::sources`).
    HonouredShare(usize),
}

impl Knob {
    pub const NAMES: [&'static str; 11] = [
        "taiwan_capacity",
        "demand_growth",
        "demand_level",
        "base_rate",
        "construction_time",
        "euv_supply",
        "hbm_supply",
        "packaging_supply",
        "power",
        "wafer_price",
        "honoured_share",
    ];

    /// Index into per-trial knob arrays: the fixed knobs, then one per source.
    pub fn index(self) -> usize {
        match self {
            Knob::TaiwanCapacity => 0,
            Knob::DemandGrowth => 1,
            Knob::DemandLevel => 2,
            Knob::BaseRate => 3,
            Knob::ConstructionTime => 4,
            Knob::EuvSupply => 5,
            Knob::HbmSupply => 6,
            Knob::PackagingSupply => 7,
            Knob::Power => 8,
            Knob::WaferPrice => 9,
            Knob::HonouredShare(s) => 10 + s,
        }
    }

    pub const FIXED: usize = 10;
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EffectOp {
    Multiply(f64),
    Add(f64),
    Set(f64),
}

#[derive(Debug, Clone)]
pub struct Effect {
    pub knob: Knob,
    pub op: EffectOp,
}

/// An entry of the risk register (MODEL §9): it may happen once per trial, in a quarter of its
/// window with probability `1 − (1 − p)^(1/4)` each quarter, and lasts `duration_quarters`.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub probability_per_year: ParamId,
    pub window_start: Quarter,
    pub window_end: Quarter,
    pub duration_quarters: ParamId,
    pub effects: Vec<Effect>,
    /// Random-number slot of the event's timing draws (a stable hash of its name).
    pub timing_slot: u64,
}
