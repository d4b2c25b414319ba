//! The metric catalogue: every per-quarter time series and every per-trial outcome, with its
//! unit and meaning. Names are a public contract (CSV columns and rows): change them only on
//! purpose, and keep docs/outputs.md in step (a test checks that it lists every name here).

/// How an aggregate's quantiles are presented.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A continuous quantity.
    Real,
    /// A count: quantiles are rounded to whole numbers.
    Count,
    /// A calendar date as a decimal year (2027.25 = start of 2027Q2): stored relative to the
    /// window start so the sketch's relative error applies to years elapsed, and quantiles are
    /// rounded to whole quarters.
    Year,
}

#[derive(Debug, Clone, Copy)]
pub struct MetricSpec {
    pub name: &'static str,
    pub unit: &'static str,
    pub kind: Kind,
    pub description: &'static str,
}

const fn m(
    name: &'static str,
    unit: &'static str,
    kind: Kind,
    description: &'static str,
) -> MetricSpec {
    MetricSpec {
        name,
        unit,
        kind,
        description,
    }
}

/// Per-quarter time series (rows of timeseries.csv). Flows are per quarter unless the name says
/// `_per_year`; stocks are at the end of the quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Ts {
    ProgramCapacityWspm,
    IncumbentCapacityWspm,
    ProgramPackagingCapacityWpm,
    ProgramHbmCapacityWspm,
    ProgramFabsOperating,
    ProgramFabsUnderConstruction,
    ProgramFabsStarted,
    ProgramCapexUsdBn,
    ProgramCapexCumUsdBn,
    ProgramRaisedCumUsdBn,
    ProgramCashUsdBn,
    ProgramEuvTools,
    EuvShipmentsPerYear,
    ProgramEuvAllocationPerYear,
    ProgramPowerMw,
    ProgramStaff,
    ProgramD0PerCm2,
    TsmcShareLeadingEdge,
    TaiwanShareLeadingEdge,
    HhiLeadingEdge,
    BindingMoneyShare,
    BindingEuvShare,
    BindingPowerShare,
    BindingWorkforceShare,
    BindingNoneShare,
    ProgramDebtOutstandingUsdBn,
    ProgramDebtDrawnUsdBn,
    ProgramReserveUsdBn,
    ProgramRevenueUsdBn,
    ProgramOpexUsdBn,
    ProgramMaintenanceCapexUsdBn,
    ProgramCfadsUsdBn,
    ProgramInterestUsdBn,
    ProgramInterestCapitalisedUsdBn,
    ProgramPrincipalUsdBn,
    ProgramDistributionsUsdBn,
    ProgramDscr,
    ProgramDefaultShare,
    BaseRate,
    AcceleratorsSuppliedUnits,
    AcceleratorsSuppliedH100e,
    AcceleratorsDemandedH100e,
    ShortageRatio,
    AcceleratorPriceIndex,
    WaferPriceUsd,
    ProgramUtilization,
    NvidiaShareAccelerators,
    PackagingCapacityWpm,
    HbmStacksSupplied,
    ProgramAcceleratorsH100e,
    IncumbentAiWaferShare,
    BindingDiesShare,
    BindingPackagingShare,
    BindingHbmShare,
}

pub const TS: [MetricSpec; 54] = [
    m("program_capacity_wspm", "wafer starts per month", Kind::Real, "Effective leading-edge logic capacity of program fabs (ramping fabs count pro rata)."),
    m("incumbent_capacity_wspm", "wafer starts per month", Kind::Real, "Leading-edge logic capacity of incumbents (TSMC, Samsung, Intel, others) outside the program."),
    m("program_packaging_capacity_wpm", "wafers per month", Kind::Real, "Advanced-packaging (CoWoS-class) capacity of program plants."),
    m("program_hbm_capacity_wspm", "wafer starts per month", Kind::Real, "HBM DRAM wafer capacity of program fabs."),
    m("program_fabs_operating", "fabs", Kind::Count, "Program logic fabs producing (ramping or at nominal capacity)."),
    m("program_fabs_under_construction", "fabs", Kind::Count, "Program logic fabs started and not yet producing (including stalled ones)."),
    m("program_fabs_started", "fabs", Kind::Count, "Program logic fabs started in the quarter (a flow)."),
    m("program_capex_usd_bn", "US$ bn per quarter", Kind::Real, "Construction spending on program fabs, plants and HBM fabs in the quarter."),
    m("program_capex_cum_usd_bn", "US$ bn", Kind::Real, "Cumulative construction spending on program fabs, plants and HBM fabs."),
    m("program_raised_cum_usd_bn", "US$ bn", Kind::Real, "Cumulative money paid in by all sources (equity, debt, grants)."),
    m("program_cash_usd_bn", "US$ bn", Kind::Real, "Cash in all program accounts (construction funds, retained cash, debt-service reserve), end of quarter."),
    m("program_euv_tools", "tools", Kind::Real, "EUV tools installed in operating program fabs."),
    m("euv_shipments_per_year", "tools per year", Kind::Real, "Global EUV tool shipments, annualised rate in the quarter (including program-funded expansion)."),
    m("program_euv_allocation_per_year", "tools per year", Kind::Real, "EUV tools the program can obtain, annualised rate in the quarter."),
    m("program_power_mw", "MW", Kind::Real, "Power drawn by operating program fabs, plants and HBM fabs."),
    m("program_staff", "jobs", Kind::Real, "Staff of operating program fabs, plants and HBM fabs."),
    m("program_d0_per_cm2", "defects per cm²", Kind::Real, "Capacity-weighted defect density of operating program logic fabs (over trials with at least one)."),
    m("tsmc_share_leading_edge", "share (0–1)", Kind::Real, "TSMC's share of leading-edge logic capacity, counting program fabs it operates."),
    m("taiwan_share_leading_edge", "share (0–1)", Kind::Real, "Share of leading-edge logic capacity located in Taiwan."),
    m("hhi_leading_edge", "HHI (0–10,000)", Kind::Real, "Herfindahl–Hirschman index of leading-edge logic capacity by operator (new entrants counted as one firm)."),
    m("binding_money_share", "share of trials", Kind::Count, "Share of trials in which money stopped further program logic-fab starts that quarter."),
    m("binding_euv_share", "share of trials", Kind::Count, "Share of trials in which EUV tool supply stopped further starts that quarter."),
    m("binding_power_share", "share of trials", Kind::Count, "Share of trials in which power stopped further starts that quarter."),
    m("binding_workforce_share", "share of trials", Kind::Count, "Share of trials in which regional construction capacity (workforce, builders) stopped further starts."),
    m("binding_none_share", "share of trials", Kind::Count, "Share of trials in which the program was not starting fabs (disabled, before its first start quarter, or after a default)."),
    m("program_debt_outstanding_usd_bn", "US$ bn", Kind::Real, "Debt outstanding at the end of the quarter (after a default: less what lenders recovered)."),
    m("program_debt_drawn_usd_bn", "US$ bn per quarter", Kind::Real, "Debt drawn in the quarter (capex draws, upfront draws, draws to pay debt service)."),
    m("program_reserve_usd_bn", "US$ bn", Kind::Real, "Debt-service reserve account balance."),
    m("program_revenue_usd_bn", "US$ bn per quarter", Kind::Real, "Revenue of program fabs, plants and HBM fabs, net of operators' fees."),
    m("program_opex_usd_bn", "US$ bn per quarter", Kind::Real, "Operating costs (variable per wafer plus fixed; idle fabs still pay the fixed part)."),
    m("program_maintenance_capex_usd_bn", "US$ bn per quarter", Kind::Real, "Maintenance capex of operating program fabs."),
    m("program_cfads_usd_bn", "US$ bn per quarter", Kind::Real, "Cash flow available for debt service: revenue − opex − maintenance capex."),
    m("program_interest_usd_bn", "US$ bn per quarter", Kind::Real, "Interest paid in cash."),
    m("program_interest_capitalised_usd_bn", "US$ bn per quarter", Kind::Real, "Interest added to debt during grace periods."),
    m("program_principal_usd_bn", "US$ bn per quarter", Kind::Real, "Scheduled principal repaid."),
    m("program_distributions_usd_bn", "US$ bn per quarter", Kind::Real, "Cash distributed to equity partners."),
    m("program_dscr", "ratio", Kind::Real, "Debt service coverage ratio, CFADS ÷ scheduled debt service (over trials with debt service due that quarter)."),
    m("program_default_share", "share of trials", Kind::Count, "Share of trials in which the program has defaulted by that quarter."),
    m("base_rate", "per year (0.05 = 5%)", Kind::Real, "Base interest rate (the benchmark debt spreads are added to), including any rate-shock event."),
    m("accelerators_supplied_units", "accelerators per quarter", Kind::Real, "AI accelerators made and sold in the quarter (all makers)."),
    m("accelerators_supplied_h100e", "H100-equivalents per quarter", Kind::Real, "Accelerators sold, in H100-equivalents of compute."),
    m("accelerators_demanded_h100e", "H100-equivalents per quarter", Kind::Real, "Demand for accelerators in H100-equivalents."),
    m("shortage_ratio", "ratio", Kind::Real, "Demand ÷ the supply that could be made (min of dies, packaging, HBM); above 1 a shortage, below 1 overbuilding."),
    m("accelerator_price_index", "index (1 = balanced market)", Kind::Real, "Accelerator price index: shortage_ratio ^ price elasticity, bounded to [0.2, 5]."),
    m("wafer_price_usd", "US$ per wafer", Kind::Real, "Price of a leading-edge logic wafer for AI chips (the logic template's price × the market's response × events)."),
    m("program_utilization", "share (0–1)", Kind::Real, "Utilization of program logic fabs (falls when supply overshoots demand; program fabs first unless pro rata)."),
    m("nvidia_share_accelerators", "share (0–1)", Kind::Real, "NVIDIA's share of accelerators sold: incumbents' designer mix and the program's custom-chip mix."),
    m("packaging_capacity_wpm", "wafers per month", Kind::Real, "Advanced-packaging (CoWoS-class) capacity, incumbents and program, after events."),
    m("hbm_stacks_supplied", "stacks per quarter", Kind::Real, "HBM stacks available to AI accelerators in the quarter."),
    m("program_accelerators_h100e", "H100-equivalents per quarter", Kind::Real, "Accelerators made from program fabs' dies, in H100-equivalents."),
    m("incumbent_ai_wafer_share", "share (0–1)", Kind::Real, "Share of incumbents' leading-edge wafers used for AI accelerators."),
    m("binding_dies_share", "share of trials", Kind::Count, "Share of trials in which good logic dies limit accelerator output that quarter."),
    m("binding_packaging_share", "share of trials", Kind::Count, "Share of trials in which advanced packaging limits accelerator output."),
    m("binding_hbm_share", "share of trials", Kind::Count, "Share of trials in which HBM stacks limit accelerator output."),
];

/// Per-trial outcomes (rows of summary.csv, columns of trials.csv).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Out {
    TotalCommittedUsdBn,
    TotalRaisedUsdBn,
    TotalCapexUsdBn,
    UnspentUsdBn,
    FabsStarted,
    FabsCompleted,
    FabsCompletedBy2030,
    FirstOutputYear,
    PackagingPlantsStarted,
    HbmFabsStarted,
    ProgramCapacity2030Wspm,
    ProgramCapacity2035Wspm,
    TsmcShare2030,
    TsmcShare2035,
    Hhi2035,
    TaiwanShare2035,
    BindingMoneyShare,
    BindingEuvShare,
    BindingPowerShare,
    BindingWorkforceShare,
    ConstructionStallQuarters,
    RaisedEquityUsdBn,
    RaisedDebtUsdBn,
    RaisedGrantUsdBn,
    RaisedSovereignUsdBn,
    RaisedInvestorUsdBn,
    RaisedChipmakerUsdBn,
    RaisedEnergyUsdBn,
    RaisedAnchorCustomerUsdBn,
    RaisedGovernmentUsdBn,
    CapexLogicUsdBn,
    CapexPackagingUsdBn,
    CapexHbmUsdBn,
    PowerSpendUsdBn,
    ToolExpansionSpendUsdBn,
    UndrawnDebtUsdBn,
    Defaulted,
    DefaultYear,
    PeakDebtUsdBn,
    StrandedCapexUsdBn,
    MinDscr,
    EquityIrr,
    EquityNpvUsdBn,
    ProgramNpvUsdBn,
    PaybackYear,
    LenderRecoveryShare,
    EquityIrrSovereign,
    EquityIrrInvestor,
    EquityIrrChipmaker,
    EquityIrrEnergy,
    EquityIrrAnchorCustomer,
    EquityIrrGovernment,
    EquityNpvSovereignUsdBn,
    EquityNpvInvestorUsdBn,
    EquityNpvChipmakerUsdBn,
    EquityNpvEnergyUsdBn,
    EquityNpvAnchorCustomerUsdBn,
    EquityNpvGovernmentUsdBn,
    ShortageEndYear,
    ShortageOverYear,
    CostPerH100eUsd,
    NvidiaShare2030,
    AcceleratorsCum20242030H100e,
    PeakShortageRatio,
    ProgramAcceleratorsCumH100e,
}

pub const OUT: [MetricSpec; 65] = [
    m("total_committed_usd_bn", "US$ bn", Kind::Real, "Money pledged by all sources (before the honoured fraction)."),
    m("total_raised_usd_bn", "US$ bn", Kind::Real, "Money actually paid in within the window: equity and grants paid, debt drawn."),
    m("total_capex_usd_bn", "US$ bn", Kind::Real, "Construction spending on program logic fabs, packaging plants and HBM fabs."),
    m("unspent_usd_bn", "US$ bn", Kind::Real, "Cash left in the program's accounts (including the reserve) at the end of the window."),
    m("fabs_started", "fabs", Kind::Count, "Program logic fabs started."),
    m("fabs_completed", "fabs", Kind::Count, "Program logic fabs that reached first output within the window."),
    m("fabs_completed_by_2030", "fabs", Kind::Count, "Program logic fabs with first output by 2030Q4; empty if the window ends earlier."),
    m("first_output_year", "year", Kind::Year, "Decimal year of the first quarter with output from a program logic fab; empty if none."),
    m("packaging_plants_started", "plants", Kind::Count, "Program advanced-packaging plants started."),
    m("hbm_fabs_started", "fabs", Kind::Count, "Program HBM fabs started."),
    m("program_capacity_2030_wspm", "wafer starts per month", Kind::Real, "Program logic capacity at the end of 2030; empty if the window ends earlier."),
    m("program_capacity_2035_wspm", "wafer starts per month", Kind::Real, "Program logic capacity at the end of 2035; empty if the window ends earlier."),
    m("tsmc_share_2030", "share (0–1)", Kind::Real, "TSMC's share of leading-edge capacity at the end of 2030; empty if the window ends earlier."),
    m("tsmc_share_2035", "share (0–1)", Kind::Real, "TSMC's share of leading-edge capacity at the end of 2035; empty if the window ends earlier."),
    m("hhi_2035", "HHI (0–10,000)", Kind::Real, "HHI of leading-edge capacity at the end of 2035; empty if the window ends earlier."),
    m("taiwan_share_2035", "share (0–1)", Kind::Real, "Taiwan's share of leading-edge capacity at the end of 2035; empty if the window ends earlier."),
    m("binding_money_share", "share of quarters", Kind::Real, "Share of the program's active quarters in which money stopped further logic-fab starts; empty without a program."),
    m("binding_euv_share", "share of quarters", Kind::Real, "Share of active quarters in which EUV tools stopped further starts."),
    m("binding_power_share", "share of quarters", Kind::Real, "Share of active quarters in which power stopped further starts."),
    m("binding_workforce_share", "share of quarters", Kind::Real, "Share of active quarters in which regional construction capacity stopped further starts."),
    m("construction_stall_quarters", "fab-quarters", Kind::Count, "Quarters in which a program construction site could not be paid and stood still, summed over sites."),
    m("raised_equity_usd_bn", "US$ bn", Kind::Real, "Money paid in as equity."),
    m("raised_debt_usd_bn", "US$ bn", Kind::Real, "Debt drawn (principal; capitalised interest not included)."),
    m("raised_grant_usd_bn", "US$ bn", Kind::Real, "Money paid in as grants."),
    m("raised_sovereign_usd_bn", "US$ bn", Kind::Real, "Money paid in by sovereign funds (equity, grants, and their share of debt drawn)."),
    m("raised_investor_usd_bn", "US$ bn", Kind::Real, "Money paid in by financial investors."),
    m("raised_chipmaker_usd_bn", "US$ bn", Kind::Real, "Money paid in by chipmakers."),
    m("raised_energy_usd_bn", "US$ bn", Kind::Real, "Money paid in by energy suppliers."),
    m("raised_anchor_customer_usd_bn", "US$ bn", Kind::Real, "Money paid in by anchor customers (OpenAI and other buyers)."),
    m("raised_government_usd_bn", "US$ bn", Kind::Real, "Money paid in by governments."),
    m("capex_logic_usd_bn", "US$ bn", Kind::Real, "Construction spending on program logic fabs."),
    m("capex_packaging_usd_bn", "US$ bn", Kind::Real, "Construction spending on program packaging plants."),
    m("capex_hbm_usd_bn", "US$ bn", Kind::Real, "Construction spending on program HBM fabs."),
    m("power_spend_usd_bn", "US$ bn", Kind::Real, "Money spent on new power generation for program sites."),
    m("tool_expansion_spend_usd_bn", "US$ bn", Kind::Real, "Money paid to lithography makers to expand EUV output."),
    m("undrawn_debt_usd_bn", "US$ bn", Kind::Real, "Debt made available by lenders but never drawn (cancelled at a default)."),
    m("defaulted", "0/1", Kind::Count, "1 if the program defaulted within the window (missed payment or DSCR covenant), else 0; the mean is the default probability."),
    m("default_year", "year", Kind::Year, "Decimal year of the default quarter; empty if no default."),
    m("peak_debt_usd_bn", "US$ bn", Kind::Real, "Largest debt outstanding at any quarter end."),
    m("stranded_capex_usd_bn", "US$ bn", Kind::Real, "Construction money spent on sites that were unfinished at a default (0 without a default)."),
    m("min_dscr", "ratio", Kind::Real, "Lowest quarterly DSCR before any default; empty if no debt service was ever due."),
    m("equity_irr", "per year (0.1 = 10%)", Kind::Real, "IRR of all equity partners' cash flows (annualised, terminal value included); empty when the flows do not change sign."),
    m("equity_npv_usd_bn", "US$ bn", Kind::Real, "NPV of all equity partners' cash flows at the discount rate, at the window start."),
    m("program_npv_usd_bn", "US$ bn", Kind::Real, "Unlevered NPV of the program: CFADS − capex − power and tool spend, plus the terminal value of operating fabs."),
    m("payback_year", "year", Kind::Year, "Decimal year by which equity partners' cumulative cash flows turn non-negative; empty if never."),
    m("lender_recovery_share", "share (0–1)", Kind::Real, "After a default: what lenders recover (accounts swept, later CFADS, terminal value) ÷ debt at default; empty without a default."),
    m("equity_irr_sovereign", "per year", Kind::Real, "Equity IRR of sovereign funds."),
    m("equity_irr_investor", "per year", Kind::Real, "Equity IRR of financial investors."),
    m("equity_irr_chipmaker", "per year", Kind::Real, "Equity IRR of chipmakers."),
    m("equity_irr_energy", "per year", Kind::Real, "Equity IRR of energy suppliers."),
    m("equity_irr_anchor_customer", "per year", Kind::Real, "Equity IRR of anchor customers."),
    m("equity_irr_government", "per year", Kind::Real, "Equity IRR of governments (empty when they give grants only)."),
    m("equity_npv_sovereign_usd_bn", "US$ bn", Kind::Real, "Equity NPV of sovereign funds."),
    m("equity_npv_investor_usd_bn", "US$ bn", Kind::Real, "Equity NPV of financial investors."),
    m("equity_npv_chipmaker_usd_bn", "US$ bn", Kind::Real, "Equity NPV of chipmakers."),
    m("equity_npv_energy_usd_bn", "US$ bn", Kind::Real, "Equity NPV of energy suppliers."),
    m("equity_npv_anchor_customer_usd_bn", "US$ bn", Kind::Real, "Equity NPV of anchor customers."),
    m("equity_npv_government_usd_bn", "US$ bn", Kind::Real, "Equity NPV of governments (empty when they give grants only)."),
    m("shortage_end_year", "year", Kind::Year, "Decimal year of the first quarter from which supply ≥ demand for four quarters running; empty if the shortage never ends."),
    m("shortage_over_year", "year", Kind::Year, "Decimal year from which there is no shortage for the rest of the window (at least four quarters); empty if the window ends in a shortage or less than four quarters after one. Unlike shortage_end_year, a surplus that is followed by a new shortage does not count."),
    m("cost_per_h100e_usd", "US$ per H100-equivalent", Kind::Real, "Program construction capex ÷ H100-equivalents made from program dies within the window; empty if none."),
    m("nvidia_share_2030", "share (0–1)", Kind::Real, "NVIDIA's share of accelerators sold in 2030Q4."),
    m("accelerators_cum_2024_2030_h100e", "H100-equivalents", Kind::Real, "Accelerators sold from the window's start to the end of 2030, in H100-equivalents."),
    m("peak_shortage_ratio", "ratio", Kind::Real, "Highest quarterly shortage ratio."),
    m("program_accelerators_cum_h100e", "H100-equivalents", Kind::Real, "Accelerators made from program dies over the window, in H100-equivalents."),
];

pub const N_TS: usize = TS.len();

/// A per-trial outcome column: the fixed catalogue plus one `event_<name>_year` per event of
/// the scenario (so the list depends on the scenario).
#[derive(Debug, Clone)]
pub struct OutcomeSpec {
    pub name: String,
    pub unit: String,
    pub kind: Kind,
    pub description: String,
}

/// Every outcome of scenario `s`, in column order: [`OUT`], then the events' years.
pub fn outcome_specs(s: &crate::scenario::Scenario) -> Vec<OutcomeSpec> {
    OUT.iter()
        .map(|m| OutcomeSpec {
            name: m.name.to_string(),
            unit: m.unit.to_string(),
            kind: m.kind,
            description: m.description.to_string(),
        })
        .chain(s.events.iter().map(|e| OutcomeSpec {
            name: format!("event_{}_year", e.name),
            unit: "year".to_string(),
            kind: Kind::Year,
            description: format!(
                "Decimal year in which event `{}` started; empty if it did not happen.",
                e.name
            ),
        }))
        .collect()
}
pub const N_OUT: usize = OUT.len();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_order_matches_catalogue() {
        assert_eq!(TS[Ts::BindingNoneShare as usize].name, "binding_none_share");
        assert_eq!(TS[Ts::HhiLeadingEdge as usize].name, "hhi_leading_edge");
        assert_eq!(
            OUT[Out::ToolExpansionSpendUsdBn as usize].name,
            "tool_expansion_spend_usd_bn"
        );
        assert_eq!(OUT[Out::FirstOutputYear as usize].name, "first_output_year");
        assert_eq!(
            OUT[Out::ConstructionStallQuarters as usize].name,
            "construction_stall_quarters"
        );
        let mut names: Vec<_> = OUT.iter().map(|s| s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), N_OUT, "duplicate outcome names");
    }
}
