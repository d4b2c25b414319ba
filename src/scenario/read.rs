//! Turns a merged scenario [`Table`] into a typed, validated [`Scenario`]. Every check that can
//! be made before a trial runs is made here, and all problems found are reported together.

use std::path::Path;

use crate::error::{InputError, Origin};
use crate::scenario::node::{suggest, Node, Table};
use crate::scenario::params::{Bounds, ParamId, Params, Scope};
use crate::scenario::reader::{quoted_list, Errors, TableReader};
use crate::scenario::types::*;
use crate::time::Quarter;

/// Tolerance for "shares must sum to 1".
pub const SHARE_SUM_TOLERANCE: f64 = 1e-6;

/// A placeholder id used only while collecting errors (never reaches the model).
const BAD: ParamId = ParamId(usize::MAX);

/// Initial growth of packaging and HBM capacity, share a year: above −1 (its log is the initial
/// continuous rate) and at most 10, like demand's initial growth.
const INITIAL_GROWTH: Bounds = Bounds::AboveUpTo(-1.0, 10.0);

/// Elasticity of an input per accelerator (packaging, HBM stacks, logic dies) with respect to
/// compute per accelerator: 0 (constant) to 2 (the input grows twice as fast as compute).
const INPUT_ELASTICITY: Bounds = Bounds::Range(0.0, 2.0);

struct Ctx {
    params: Params,
    errors: Errors,
}

impl Ctx {
    fn p(
        &mut self,
        r: &TableReader<'_>,
        key: &'static str,
        bounds: Bounds,
        default: Option<f64>,
    ) -> ParamId {
        let res = self.params.read(r, key, bounds, Scope::Trial, default);
        self.errors.take(res).unwrap_or(BAD)
    }

    /// An optional key with no default value of its own: `None` when it is absent (the caller
    /// falls back to another parameter).
    fn p_opt(&mut self, r: &TableReader<'_>, key: &'static str, bounds: Bounds) -> Option<ParamId> {
        r.has(key).then(|| self.p(r, key, bounds, None))
    }

    fn per_fab(
        &mut self,
        r: &TableReader<'_>,
        key: &'static str,
        bounds: Bounds,
        default: Option<f64>,
    ) -> ParamId {
        let res = self.params.read(r, key, bounds, Scope::PerFab, default);
        self.errors.take(res).unwrap_or(BAD)
    }

    fn quarter(&mut self, r: &TableReader<'_>, key: &'static str, default: Quarter) -> Quarter {
        match r.node(key) {
            None => default,
            Some(n) => match n.as_str().and_then(Quarter::parse) {
                Some(q) => q,
                None => {
                    self.errors
                        .push(r.invalid(n, key, "a quarter written like \"2031Q2\""));
                    default
                }
            },
        }
    }

    fn fixed_share(&mut self, r: &TableReader<'_>, key: &'static str, default: Option<f64>) -> f64 {
        match r.f64_opt(key) {
            Ok(Some(x)) if (0.0..=1.0).contains(&x) => x,
            Ok(Some(_)) => {
                if let Some(n) = r.node(key) {
                    self.errors
                        .push(r.invalid(n, key, "a share between 0 and 1 (a fixed number)"));
                }
                0.0
            }
            Ok(None) => match default {
                Some(d) => d,
                None => {
                    self.errors.push(r.missing(key, "a share between 0 and 1"));
                    0.0
                }
            },
            Err(e) => {
                self.errors.push(e);
                0.0
            }
        }
    }

    fn check_sum(&mut self, origin: &Origin, key: String, what: &str, parts: &[(String, f64)]) {
        let sum: f64 = parts.iter().map(|(_, v)| v).sum();
        if (sum - 1.0).abs() > SHARE_SUM_TOLERANCE {
            let listing = parts
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            self.errors.push(InputError::new(
                origin.clone(),
                key,
                format!("{what} that sum to 1"),
                format!("a sum of {sum} ({listing})"),
            ));
        }
    }
}

/// Reads and validates a whole scenario. `path` is the top file; `default_name` its stem.
pub fn read_scenario(
    root: Table,
    path: &Path,
    default_name: &str,
) -> Result<Scenario, Vec<InputError>> {
    let origin = Origin::File {
        path: path.to_path_buf(),
        line: 1,
        column: 1,
    };
    let mut cx = Ctx {
        params: Params::default(),
        errors: Errors::default(),
    };
    let r = TableReader::new(&root, "", origin.clone());
    r.allow("extends");
    let name = match r.str_opt("name") {
        Ok(Some(n)) => {
            if let (Err(found), Some(node)) = (crate::rundir::check_name(n), r.node("name")) {
                cx.errors.push(InputError::new(
                    node.origin.clone(),
                    "name",
                    crate::rundir::name_rule(),
                    found,
                ));
            }
            n.to_string()
        }
        Ok(None) => {
            // The name comes from the file name: it must pass the same check.
            if let Err(found) = crate::rundir::check_name(default_name) {
                cx.errors.push(
                    InputError::new(
                        origin.clone(),
                        "name",
                        crate::rundir::name_rule(),
                        format!("no `name` key, and the file name gives {found}"),
                    )
                    .with_hint("add a line such as name = \"my-scenario\" to the file"),
                );
            }
            default_name.to_string()
        }
        Err(e) => {
            cx.errors.push(e);
            default_name.to_string()
        }
    };
    let description = cx
        .errors
        .take(r.str_opt("description"))
        .flatten()
        .unwrap_or("")
        .to_string();

    // [time]
    let (start, end) = match cx.errors.take(r.table_opt("time")).flatten() {
        Some(t) => {
            let before = cx.errors.0.len();
            let s = cx.quarter(&t, "start_quarter", Quarter::new(2024, 1));
            // A bad start is reported once, not again as "end before the default start".
            let start_ok = cx.errors.0.len() == before;
            let e = cx.quarter(&t, "end_quarter", Quarter::new(2040, 4));
            if e < s {
                if let (true, Some(n)) = (start_ok, t.node("end_quarter")) {
                    cx.errors.push(t.invalid(
                        n,
                        "end_quarter",
                        &format!("a quarter not before start_quarter {s}"),
                    ));
                }
            } else if e.0 - s.0 >= 400 {
                if let Some(n) = t.node("end_quarter") {
                    cx.errors
                        .push(t.invalid(n, "end_quarter", "a window of at most 100 years"));
                }
            }
            t.finish(&mut cx.errors);
            (s, e.max(s))
        }
        None => (Quarter::new(2024, 1), Quarter::new(2040, 4)),
    };

    // [run]
    let mut run = RunDefaults::default();
    if let Some(t) = cx.errors.take(r.table_opt("run")).flatten() {
        // The same range as the command line's --trials.
        run.trials = read_count(&mut cx, &t, "trials", 1, MAX_TRIALS);
        run.seed = read_count(&mut cx, &t, "seed", 0, i64::MAX);
        t.finish(&mut cx.errors);
    }

    // [incumbents.*]
    let mut incumbents = Vec::new();
    for (iname, t) in cx
        .errors
        .take(r.named_tables("incumbents"))
        .unwrap_or_default()
    {
        incumbents.push(Incumbent {
            name: iname.to_string(),
            leading_edge_capacity_wspm: cx.p(
                &t,
                "leading_edge_capacity_wspm",
                Bounds::NonNegative,
                None,
            ),
            growth_per_year_share: cx.p(
                &t,
                "growth_per_year_share",
                Bounds::Range(-0.5, 1.0),
                None,
            ),
            taiwan_share: cx.p(&t, "taiwan_share", Bounds::Share, None),
        });
        t.finish(&mut cx.errors);
    }
    if incumbents.is_empty() {
        cx.errors
            .push(r.missing("incumbents", "at least one [incumbents.<name>] table"));
    }

    // [regions.*]
    let mut regions = Vec::new();
    let mut region_tables = Vec::new();
    for (rname, t) in cx
        .errors
        .take(r.named_tables("regions"))
        .unwrap_or_default()
    {
        let in_taiwan = cx
            .errors
            .take(t.bool_or("in_taiwan", false))
            .unwrap_or(false);
        let plan_share = cx.fixed_share(&t, "plan_share", None);
        regions.push(Region {
            name: rname.to_string(),
            in_taiwan,
            plan_share,
            capex_multiplier: cx.p(&t, "capex_multiplier", Bounds::Positive, Some(1.0)),
            opex_multiplier: cx.p(&t, "opex_multiplier", Bounds::Positive, Some(1.0)),
            construction_months: cx.per_fab(&t, "construction_months", Bounds::Positive, None),
            fab_starts_per_year: cx.p(&t, "fab_starts_per_year", Bounds::NonNegative, None),
            power_available_mw: cx.p(&t, "power_available_mw", Bounds::NonNegative, None),
            power_growth_mw_per_year: cx.p(
                &t,
                "power_growth_mw_per_year",
                Bounds::NonNegative,
                Some(0.0),
            ),
        });
        region_tables.push(t);
    }
    for t in region_tables {
        t.finish(&mut cx.errors);
    }

    // [fabs.logic|packaging|hbm]
    let mut fabs_opt: [Option<FabTemplate>; 3] = [None, None, None];
    let fabs_node = r.node("fabs");
    match fabs_node.map(|n| (n, n.as_table())) {
        Some((_, Some(ft))) => {
            let fr = TableReader::new(
                ft,
                "fabs",
                fabs_node.map_or(origin.clone(), |n| n.origin.clone()),
            );
            for kind in FabKind::ALL {
                let key = kind.key();
                let t = match fr.table_opt(match kind {
                    FabKind::Logic => "logic",
                    FabKind::Packaging => "packaging",
                    FabKind::Hbm => "hbm",
                }) {
                    Ok(Some(t)) => t,
                    Ok(None) => {
                        cx.errors.push(fr.missing(
                            key,
                            "a [fabs.<kind>] table for each of logic, packaging, hbm",
                        ));
                        continue;
                    }
                    Err(e) => {
                        cx.errors.push(e);
                        continue;
                    }
                };
                fabs_opt[kind as usize] = Some(read_fab(&mut cx, &t, kind));
                t.finish(&mut cx.errors);
            }
            fr.finish(&mut cx.errors);
        }
        Some((n, None)) => cx.errors.push(r.invalid(n, "fabs", "a table")),
        None => cx.errors.push(r.missing(
            "fabs",
            "[fabs.logic], [fabs.packaging] and [fabs.hbm] tables",
        )),
    }

    // [euv]
    let euv = match cx.errors.take(r.table_opt("euv")).flatten() {
        Some(t) => {
            let e = Euv {
                shipments_start_per_year: cx.p(
                    &t,
                    "shipments_start_per_year",
                    Bounds::NonNegative,
                    None,
                ),
                ceiling_per_year: cx.p(&t, "ceiling_per_year", Bounds::NonNegative, None),
                convergence_per_year_share: cx.p(
                    &t,
                    "convergence_per_year_share",
                    Bounds::Share,
                    None,
                ),
                other_demand_per_year: cx.p(
                    &t,
                    "other_demand_per_year",
                    Bounds::NonNegative,
                    Some(0.0),
                ),
                incumbent_tools_per_kwspm: cx.p(
                    &t,
                    "incumbent_tools_per_kwspm",
                    Bounds::NonNegative,
                    None,
                ),
                program_reserved_share: cx.p(
                    &t,
                    "program_reserved_share",
                    Bounds::Share,
                    Some(0.0),
                ),
                expansion_cost_usd_bn_per_tool_per_year: cx.p(
                    &t,
                    "expansion_cost_usd_bn_per_tool_per_year",
                    Bounds::Positive,
                    None,
                ),
                expansion_lag_months: cx.p(&t, "expansion_lag_months", Bounds::NonNegative, None),
                expansion_max_per_year: cx.p(
                    &t,
                    "expansion_max_per_year",
                    Bounds::NonNegative,
                    None,
                ),
            };
            t.finish(&mut cx.errors);
            Some(e)
        }
        None => {
            cx.errors.push(r.missing("euv", "an [euv] table"));
            None
        }
    };

    // [power]
    let power = match cx.errors.take(r.table_opt("power")).flatten() {
        Some(t) => {
            let p = PowerBuild {
                cost_usd_bn_per_mw: cx.p(&t, "cost_usd_bn_per_mw", Bounds::Positive, None),
                build_months: cx.p(&t, "build_months", Bounds::NonNegative, None),
            };
            t.finish(&mut cx.errors);
            Some(p)
        }
        None => {
            cx.errors.push(r.missing("power", "a [power] table"));
            None
        }
    };

    // [finance], [market]
    let finance = match cx.errors.take(r.table_opt("finance")).flatten() {
        Some(t) => Some(read_finance(&mut cx, t)),
        None => {
            cx.errors.push(r.missing("finance", "a [finance] table"));
            None
        }
    };
    let market = match cx.errors.take(r.table_opt("market")).flatten() {
        Some(t) => {
            let m = Market {
                utilization_share: cx.p(&t, "utilization_share", Bounds::Share, None),
            };
            t.finish(&mut cx.errors);
            Some(m)
        }
        None => {
            cx.errors.push(r.missing("market", "a [market] table"));
            None
        }
    };

    // [supply], [demand]
    let supply = match cx.errors.take(r.table_opt("supply")).flatten() {
        Some(t) => {
            let x = Supply {
                die_area_mm2: cx.p(&t, "die_area_mm2", Bounds::Range(1.0, 3000.0), None),
                logic_dies_per_accelerator: cx.p(
                    &t,
                    "logic_dies_per_accelerator",
                    Bounds::Positive,
                    None,
                ),
                incumbent_d0_per_cm2: cx.p(&t, "incumbent_d0_per_cm2", Bounds::NonNegative, None),
                incumbent_ai_wafer_share_max: cx.p(
                    &t,
                    "incumbent_ai_wafer_share_max",
                    Bounds::Share,
                    None,
                ),
                program_ai_wafer_share: cx.p(&t, "program_ai_wafer_share", Bounds::Share, None),
                accelerators_per_packaging_wafer: cx.p(
                    &t,
                    "accelerators_per_packaging_wafer",
                    Bounds::Positive,
                    None,
                ),
                hbm_stacks_per_accelerator: cx.p(
                    &t,
                    "hbm_stacks_per_accelerator",
                    Bounds::Positive,
                    None,
                ),
                hbm_stacks_per_wafer: cx.p(&t, "hbm_stacks_per_wafer", Bounds::Positive, None),
                packaging_ai_share: cx.p(&t, "packaging_ai_share", Bounds::Share, None),
                hbm_ai_share: cx.p(&t, "hbm_ai_share", Bounds::Share, None),
                incumbent_packaging_wpm: cx.p(
                    &t,
                    "incumbent_packaging_wpm",
                    Bounds::NonNegative,
                    None,
                ),
                packaging_growth_per_year_share: cx.p(
                    &t,
                    "packaging_growth_per_year_share",
                    Bounds::Range(-0.5, 5.0),
                    None,
                ),
                packaging_growth_initial_per_year_share: cx.p_opt(
                    &t,
                    "packaging_growth_initial_per_year_share",
                    INITIAL_GROWTH,
                ),
                incumbent_hbm_wspm: cx.p(&t, "incumbent_hbm_wspm", Bounds::NonNegative, None),
                hbm_growth_per_year_share: cx.p(
                    &t,
                    "hbm_growth_per_year_share",
                    Bounds::Range(-0.5, 5.0),
                    None,
                ),
                hbm_growth_initial_per_year_share: cx.p_opt(
                    &t,
                    "hbm_growth_initial_per_year_share",
                    INITIAL_GROWTH,
                ),
                growth_convergence_years: cx.p(
                    &t,
                    "growth_convergence_years",
                    Bounds::NonNegative,
                    Some(0.0),
                ),
                h100e_per_accelerator_start: cx.p(
                    &t,
                    "h100e_per_accelerator_start",
                    Bounds::Positive,
                    None,
                ),
                compute_doubling_years: cx.p(&t, "compute_doubling_years", Bounds::Positive, None),
                packaging_per_accelerator_compute_elasticity: cx.p(
                    &t,
                    "packaging_per_accelerator_compute_elasticity",
                    INPUT_ELASTICITY,
                    Some(0.0),
                ),
                hbm_stacks_per_accelerator_compute_elasticity: cx.p(
                    &t,
                    "hbm_stacks_per_accelerator_compute_elasticity",
                    INPUT_ELASTICITY,
                    Some(0.0),
                ),
                logic_dies_per_accelerator_compute_elasticity: cx.p(
                    &t,
                    "logic_dies_per_accelerator_compute_elasticity",
                    INPUT_ELASTICITY,
                    Some(0.0),
                ),
                nvidia_share_incumbent: cx.p(&t, "nvidia_share_incumbent", Bounds::Share, None),
                nvidia_share_program: cx.p(&t, "nvidia_share_program", Bounds::Share, None),
            };
            t.finish(&mut cx.errors);
            Some(x)
        }
        None => {
            cx.errors.push(r.missing("supply", "a [supply] table"));
            None
        }
    };
    let demand = match cx.errors.take(r.table_opt("demand")).flatten() {
        Some(t) => {
            let cut = match cx.errors.take(t.choice_or(
                "overbuild_cut",
                &["program_first", "pro_rata"],
                "program_first",
            )) {
                Some("pro_rata") => OverbuildCut::ProRata,
                _ => OverbuildCut::ProgramFirst,
            };
            let x = Demand {
                initial_shortage_ratio: cx.p(&t, "initial_shortage_ratio", Bounds::Positive, None),
                growth_initial_per_year_share: cx.p(
                    &t,
                    "growth_initial_per_year_share",
                    Bounds::Range(-0.9, 10.0),
                    None,
                ),
                growth_long_run_per_year_share: cx.p(
                    &t,
                    "growth_long_run_per_year_share",
                    Bounds::Range(-0.9, 10.0),
                    None,
                ),
                growth_reversion_per_year: cx.p(
                    &t,
                    "growth_reversion_per_year",
                    Bounds::Range(0.0, 4.0),
                    Some(0.5),
                ),
                growth_volatility_per_year: cx.p(
                    &t,
                    "growth_volatility_per_year",
                    Bounds::Range(0.0, 5.0),
                    Some(0.0),
                ),
                price_elasticity: cx.p(&t, "price_elasticity", Bounds::Range(0.0, 10.0), None),
                wafer_price_elasticity: cx.p(
                    &t,
                    "wafer_price_elasticity",
                    Bounds::Range(0.0, 10.0),
                    None,
                ),
                overbuild_cut: cut,
            };
            t.finish(&mut cx.errors);
            Some(x)
        }
        None => {
            cx.errors.push(r.missing("demand", "a [demand] table"));
            None
        }
    };

    // [program]
    let operator_names: Vec<String> = incumbents
        .iter()
        .map(|i| i.name.clone())
        .chain(std::iter::once("new_entrant".to_string()))
        .collect();
    let program = match cx.errors.take(r.table_opt("program")).flatten() {
        Some(t) => Some(read_program(&mut cx, t, start, &operator_names)),
        None => {
            cx.errors.push(r.missing(
                "program",
                "a [program] table (set enabled = false for no program)",
            ));
            None
        }
    };

    // [sources.*]
    let mut sources = Vec::new();
    let mut share_parts = Vec::new();
    let mut all_shares_fixed = true;
    for (sname, t) in cx
        .errors
        .take(r.named_tables("sources"))
        .unwrap_or_default()
    {
        let class = match t.node("class") {
            None => {
                cx.errors.push(t.missing(
                    "class",
                    &format!("one of {}", quoted_list(&PARTNER_CLASSES)),
                ));
                0
            }
            Some(n) => match n
                .as_str()
                .and_then(|s| PARTNER_CLASSES.iter().position(|c| *c == s))
            {
                Some(i) => i,
                None => {
                    let mut e = t.invalid(
                        n,
                        "class",
                        &format!("one of {}", quoted_list(&PARTNER_CLASSES)),
                    );
                    if let Some(s) = n.as_str().and_then(|s| suggest(s, PARTNER_CLASSES)) {
                        e = e.with_hint(format!("did you mean \"{s}\"?"));
                    }
                    cx.errors.push(e);
                    0
                }
            },
        };
        let instrument =
            match cx
                .errors
                .take(t.choice_or("instrument", &Instrument::KEYS, "equity"))
            {
                Some("debt") => Instrument::Debt,
                Some("grant") => Instrument::Grant,
                _ => Instrument::Equity,
            };
        let commitment = match (t.has("share"), t.has("amount_usd_bn")) {
            (true, false) => {
                let id = cx.p(&t, "share", Bounds::Share, None);
                if id != BAD {
                    match cx.params.get(id).dist {
                        crate::dist::Dist::Fixed(v) => share_parts.push((sname.to_string(), v)),
                        _ => all_shares_fixed = false,
                    }
                }
                Commitment::ShareOfProgram(id)
            }
            (false, true) => {
                Commitment::AmountUsdBn(cx.p(&t, "amount_usd_bn", Bounds::NonNegative, None))
            }
            (true, true) => {
                let n = t.node("amount_usd_bn");
                if let Some(n) = n {
                    cx.errors.push(t.invalid(
                        n,
                        "amount_usd_bn",
                        "either `share` or `amount_usd_bn`, not both",
                    ));
                }
                Commitment::AmountUsdBn(BAD)
            }
            (false, false) => {
                cx.errors.push(t.missing(
                    "share",
                    "`share` (of program.size_usd_bn) or `amount_usd_bn`",
                ));
                Commitment::AmountUsdBn(BAD)
            }
        };
        let honoured_share = cx.p(&t, "honoured_share", Bounds::Share, Some(1.0));
        let pay_in_start = cx.quarter(&t, "pay_in_start_quarter", start);
        if pay_in_start < start {
            if let Some(n) = t.node("pay_in_start_quarter") {
                cx.errors.push(t.invalid(
                    n,
                    "pay_in_start_quarter",
                    &format!("a quarter within the window (from {start})"),
                ));
            }
        }
        let years = cx.errors.take(t.f64_or("pay_in_years", 1.0)).unwrap_or(1.0);
        if !(0.25..=100.0).contains(&years) {
            if let Some(n) = t.node("pay_in_years") {
                cx.errors.push(t.invalid(
                    n,
                    "pay_in_years",
                    "a number of years between 0.25 and 100",
                ));
            }
        }
        sources.push(Source {
            name: sname.to_string(),
            class,
            instrument,
            commitment,
            honoured_share,
            pay_in_start,
            pay_in_quarters: ((years * 4.0).round() as u32).max(1),
        });
        t.finish(&mut cx.errors);
    }
    let program_enabled = program.as_ref().is_some_and(|p| p.enabled);

    // [events.*] (after sources: effects may name one)
    let source_names: Vec<&str> = sources.iter().map(|x| x.name.as_str()).collect();
    let mut events = Vec::new();
    for (ename, t) in cx.errors.take(r.named_tables("events")).unwrap_or_default() {
        let ws_q = cx.quarter(&t, "window_start_quarter", start);
        let we_q = cx.quarter(&t, "window_end_quarter", end);
        if we_q < ws_q {
            if let Some(n) = t.node("window_end_quarter") {
                cx.errors.push(t.invalid(
                    n,
                    "window_end_quarter",
                    &format!("a quarter not before window_start_quarter {ws_q}"),
                ));
            }
        }
        let probability_per_year = cx.p(&t, "probability_per_year", Bounds::Share, None);
        let duration_quarters = cx.p(&t, "duration_quarters", Bounds::Range(0.0, 1000.0), None);
        let effects = read_effects(&mut cx, &t, &source_names);
        t.finish(&mut cx.errors);
        events.push(Event {
            name: ename.to_string(),
            probability_per_year,
            window_start: ws_q,
            window_end: we_q,
            duration_quarters,
            effects,
            timing_slot: crate::scenario::params::stable_slot(&format!("events.{ename}.timing")),
        });
    }
    let has_debt = sources.iter().any(|src| src.instrument == Instrument::Debt);
    if program_enabled && has_debt && finance.as_ref().is_some_and(|f| f.tranches.is_empty()) {
        let o = r
            .node("finance")
            .map_or(origin.clone(), |n| n.origin.clone());
        cx.errors.push(InputError::new(
            o,
            "finance.tranches",
            "at least one [finance.tranches.<name>] table, since a source has instrument = \"debt\"",
            "none",
        ));
    }
    if program_enabled && sources.is_empty() {
        cx.errors.push(r.missing(
            "sources",
            "at least one [sources.<name>] table when program.enabled = true",
        ));
    }
    if program_enabled
        && all_shares_fixed
        && !share_parts.is_empty()
        && share_parts.len() == sources.len()
    {
        let o = r
            .node("sources")
            .map_or(origin.clone(), |n| n.origin.clone());
        cx.check_sum(&o, "sources.*.share".into(), "source shares", &share_parts);
    }
    if program_enabled && !regions.is_empty() {
        let parts: Vec<(String, f64)> = regions
            .iter()
            .map(|g| (g.name.clone(), g.plan_share))
            .collect();
        let o = r
            .node("regions")
            .map_or(origin.clone(), |n| n.origin.clone());
        cx.check_sum(
            &o,
            "regions.*.plan_share".into(),
            "region plan shares",
            &parts,
        );
    }
    if program_enabled && regions.is_empty() {
        cx.errors
            .push(r.missing("regions", "at least one [regions.<name>] table"));
    }
    if regions.len() > MAX_REGIONS {
        if let Some(n) = r.node("regions") {
            cx.errors.push(InputError::new(
                n.origin.clone(),
                "regions".to_string(),
                format!("at most {MAX_REGIONS} [regions.<name>] tables"),
                format!("{} of them", regions.len()),
            ));
        }
    }

    r.finish(&mut cx.errors);
    if !cx.errors.is_empty() {
        return Err(cx.errors.0);
    }
    // All Options are Some when there were no errors.
    let (
        Some(program),
        Some(euv),
        Some(power),
        Some(finance),
        Some(market),
        Some(supply),
        Some(demand),
        [Some(l), Some(p), Some(h)],
    ) = (
        program, euv, power, finance, market, supply, demand, fabs_opt,
    )
    else {
        return Err(vec![InputError::new(
            origin,
            "",
            "a complete scenario",
            "missing tables",
        )]);
    };
    Ok(Scenario {
        name,
        description,
        path: path.to_path_buf(),
        resolved: root.clone(),
        start,
        end,
        run,
        params: cx.params,
        program,
        sources,
        fabs: [l, p, h],
        regions,
        incumbents,
        euv,
        power,
        finance,
        market,
        supply,
        demand,
        events,
    })
}

/// The most regions a scenario may have (the start rule keeps the regions tried in a 64-bit
/// mask).
pub const MAX_REGIONS: usize = 64;

/// Reads `effects = [{ knob = "...", multiply|add|set = x, source = "..." }, ...]`.
fn read_effects(cx: &mut Ctx, t: &TableReader<'_>, sources: &[&str]) -> Vec<Effect> {
    let mut out = Vec::new();
    let Some(node) = t.node("effects") else {
        cx.errors.push(t.missing(
            "effects",
            "an array of effects such as [{ knob = \"taiwan_capacity\", multiply = 0.0 }]",
        ));
        return out;
    };
    let crate::scenario::node::NodeValue::Array(items) = &node.value else {
        cx.errors
            .push(t.invalid(node, "effects", "an array of inline tables"));
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let key = format!("{}.effects[{i}]", t.path());
        let Some(tab) = item.as_table() else {
            cx.errors.push(InputError::new(
                item.origin.clone(),
                key,
                "an inline table { knob = ..., multiply = ... }",
                format!("{} `{}`", item.type_name(), item.display_value()),
            ));
            continue;
        };
        let er = TableReader::new(tab, key.clone(), item.origin.clone());
        let knob_name = match er.node("knob").and_then(|n| n.as_str().map(|s| (n, s))) {
            Some((n, s)) if Knob::NAMES.contains(&s) => Some((n, s)),
            Some((n, s)) => {
                let mut e = er.invalid(n, "knob", &format!("one of {}", quoted_list(&Knob::NAMES)));
                if let Some(sug) = suggest(s, Knob::NAMES) {
                    e = e.with_hint(format!("did you mean \"{sug}\"?"));
                }
                cx.errors.push(e);
                None
            }
            None => {
                cx.errors
                    .push(er.missing("knob", &format!("one of {}", quoted_list(&Knob::NAMES))));
                None
            }
        };
        let knob = match knob_name {
            Some((_, "honoured_share")) => match er.node("source") {
                Some(n) => match n
                    .as_str()
                    .and_then(|s| sources.iter().position(|x| *x == s))
                {
                    Some(si) => Some(Knob::HonouredShare(si)),
                    None => {
                        let mut e = er.invalid(
                            n,
                            "source",
                            &format!("a source named in [sources] ({})", sources.join(", ")),
                        );
                        if let Some(sug) =
                            n.as_str().and_then(|s| suggest(s, sources.iter().copied()))
                        {
                            e = e.with_hint(format!("did you mean \"{sug}\"?"));
                        }
                        cx.errors.push(e);
                        None
                    }
                },
                None => {
                    cx.errors.push(er.missing(
                        "source",
                        "the name of the funding source whose honoured share changes",
                    ));
                    None
                }
            },
            Some((_, name)) => Some(match name {
                "taiwan_capacity" => Knob::TaiwanCapacity,
                "demand_growth" => Knob::DemandGrowth,
                "demand_level" => Knob::DemandLevel,
                "base_rate" => Knob::BaseRate,
                "construction_time" => Knob::ConstructionTime,
                "euv_supply" => Knob::EuvSupply,
                "hbm_supply" => Knob::HbmSupply,
                "packaging_supply" => Knob::PackagingSupply,
                "power" => Knob::Power,
                _ => Knob::WaferPrice,
            }),
            None => None,
        };
        let ops: Vec<(&str, Option<f64>)> = ["multiply", "add", "set"]
            .iter()
            .map(|k| {
                (
                    *k,
                    cx.errors
                        .take(er.f64_opt(match *k {
                            "multiply" => "multiply",
                            "add" => "add",
                            _ => "set",
                        }))
                        .flatten(),
                )
            })
            .filter(|(_, v)| v.is_some())
            .collect();
        let op = match ops.as_slice() {
            [("multiply", Some(x))] if *x >= 0.0 => Some(EffectOp::Multiply(*x)),
            [("add", Some(x))] => Some(EffectOp::Add(*x)),
            [("set", Some(x))] => Some(EffectOp::Set(*x)),
            [("multiply", Some(_))] => {
                cx.errors.push(InputError::new(
                    item.origin.clone(),
                    format!("{key}.multiply"),
                    "a factor of 0 or more",
                    "a negative factor",
                ));
                None
            }
            _ => {
                cx.errors.push(InputError::new(
                    item.origin.clone(),
                    key.clone(),
                    "exactly one of `multiply`, `add` or `set`",
                    format!("{} of them", ops.len()),
                ));
                None
            }
        };
        // `source` belongs to `honoured_share` only.
        if let (Some((_, name)), Some(n)) = (knob_name, er.node("source")) {
            if name != "honoured_share" {
                cx.errors.push(
                    er.invalid(
                        n,
                        "source",
                        "no `source` (it applies to knob = \"honoured_share\" only)",
                    )
                    .with_hint(format!(
                        "the knob `{name}` acts on the whole model; remove `source`"
                    )),
                );
            }
        }
        er.allow("source");
        er.finish(&mut cx.errors);
        if let (Some(knob), Some(op)) = (knob, op) {
            out.push(Effect { knob, op });
        }
    }
    out
}

fn read_finance(cx: &mut Ctx, t: TableReader<'_>) -> Finance {
    let breach = match t.node("covenant_breach_quarters") {
        None => 4,
        Some(n) => match n.value {
            crate::scenario::node::NodeValue::Integer(i) if (1..=400).contains(&i) => i as u32,
            _ => {
                cx.errors.push(t.invalid(
                    n,
                    "covenant_breach_quarters",
                    "an integer from 1 to 400",
                ));
                4
            }
        },
    };
    let reserve_quarters = match cx.errors.take(t.f64_or("reserve_quarters", 2.0)) {
        Some(x) if (0.0..=40.0).contains(&x) => x,
        Some(_) => {
            if let Some(n) = t.node("reserve_quarters") {
                cx.errors.push(t.invalid(
                    n,
                    "reserve_quarters",
                    "a number of quarters from 0 to 40",
                ));
            }
            2.0
        }
        None => 2.0,
    };
    let terminal_value = cx
        .errors
        .take(t.bool_or("terminal_value", true))
        .unwrap_or(true);
    let mut f = Finance {
        discount_rate_pct: cx.p(&t, "discount_rate_pct", Bounds::Range(-50.0, 100.0), None),
        dscr_covenant: cx.p(&t, "dscr_covenant", Bounds::NonNegative, Some(1.1)),
        covenant_breach_quarters: breach,
        reserve_quarters,
        distribution_lockup_dscr: cx.p(
            &t,
            "distribution_lockup_dscr",
            Bounds::NonNegative,
            Some(1.2),
        ),
        operator_fee_share: cx.p(&t, "operator_fee_share", Bounds::Share, None),
        maintenance_capex_pct_per_year: cx.p(
            &t,
            "maintenance_capex_pct_per_year",
            Bounds::Range(0.0, 100.0),
            Some(0.0),
        ),
        terminal_value,
        base_rate_initial_pct: BAD,
        base_rate_long_run_pct: BAD,
        base_rate_reversion_per_year: BAD,
        base_rate_volatility_pct: BAD,
        tranches: Vec::new(),
    };
    match cx.errors.take(t.table_opt("base_rate")).flatten() {
        Some(b) => {
            f.base_rate_initial_pct = cx.p(&b, "initial_pct", Bounds::Range(-10.0, 100.0), None);
            f.base_rate_long_run_pct = cx.p(&b, "long_run_pct", Bounds::Any, None);
            f.base_rate_reversion_per_year =
                cx.p(&b, "reversion_per_year", Bounds::Range(0.0, 4.0), Some(0.0));
            f.base_rate_volatility_pct =
                cx.p(&b, "volatility_pct", Bounds::Range(0.0, 50.0), Some(0.0));
            b.finish(&mut cx.errors);
        }
        None => cx
            .errors
            .push(t.missing("base_rate", "a [finance.base_rate] table")),
    }
    let mut parts = Vec::new();
    for (name, tr) in cx
        .errors
        .take(t.named_tables("tranches"))
        .unwrap_or_default()
    {
        let share = cx.fixed_share(&tr, "share", None);
        parts.push((name.to_string(), share));
        let amortisation = match cx.errors.take(tr.choice_or(
            "amortisation",
            &["annuity", "linear", "bullet"],
            "annuity",
        )) {
            Some("linear") => crate::finance::debt::Amortisation::Linear,
            Some("bullet") => crate::finance::debt::Amortisation::Bullet,
            _ => crate::finance::debt::Amortisation::Annuity,
        };
        let draw =
            match cx
                .errors
                .take(tr.choice_or("draw", &["as_needed", "upfront"], "as_needed"))
            {
                Some("upfront") => DrawMode::Upfront,
                _ => DrawMode::AsNeeded,
            };
        let spec = TrancheSpec {
            name: name.to_string(),
            share,
            spread_bp: cx.p(&tr, "spread_bp", Bounds::Range(-1000.0, 5000.0), None),
            tenor_years: cx.p(&tr, "tenor_years", Bounds::Range(0.25, 100.0), None),
            grace_years: cx.p(&tr, "grace_years", Bounds::Range(0.0, 100.0), Some(0.0)),
            amortisation,
            draw,
        };
        tr.finish(&mut cx.errors);
        f.tranches.push(spec);
    }
    if f.tranches.len() > crate::model::trial::MAX_TRANCHES {
        let o = t
            .node("tranches")
            .map_or(t.origin().clone(), |n| n.origin.clone());
        cx.errors.push(InputError::new(
            o,
            "finance.tranches",
            format!("at most {} tranches", crate::model::trial::MAX_TRANCHES),
            format!("{}", f.tranches.len()),
        ));
    }
    if !parts.is_empty() {
        let o = t
            .node("tranches")
            .map_or(t.origin().clone(), |n| n.origin.clone());
        cx.check_sum(
            &o,
            "finance.tranches.*.share".into(),
            "tranche shares",
            &parts,
        );
    }
    t.finish(&mut cx.errors);
    f
}

/// The most trials a run may have (the command line's `--trials` has the same limit).
pub const MAX_TRIALS: i64 = 1_000_000_000;

fn read_count(
    cx: &mut Ctx,
    t: &TableReader<'_>,
    key: &'static str,
    min: i64,
    max: i64,
) -> Option<u64> {
    match t.node(key) {
        None => None,
        Some(Node {
            value: crate::scenario::node::NodeValue::Integer(i),
            ..
        }) if (min..=max).contains(i) => Some(*i as u64),
        Some(n) => {
            let expected = if max == i64::MAX {
                format!("an integer of at least {min}")
            } else {
                format!("an integer from {min} to {max}")
            };
            cx.errors.push(t.invalid(n, key, &expected));
            None
        }
    }
}

fn read_fab(cx: &mut Ctx, t: &TableReader<'_>, kind: FabKind) -> FabTemplate {
    let euv_default = match kind {
        FabKind::Logic => None,
        _ => Some(0.0),
    };
    FabTemplate {
        kind,
        capacity_wspm: cx.p(t, "capacity_wspm", Bounds::Positive, None),
        capex_usd_bn_per_kwspm: cx.p(t, "capex_usd_bn_per_kwspm", Bounds::Positive, None),
        capex_overrun_multiplier: cx.per_fab(
            t,
            "capex_overrun_multiplier",
            Bounds::Positive,
            Some(1.0),
        ),
        euv_tools_per_kwspm: cx.p(t, "euv_tools_per_kwspm", Bounds::NonNegative, euv_default),
        power_mw: cx.p(t, "power_mw", Bounds::NonNegative, None),
        staff: cx.p(t, "staff", Bounds::NonNegative, Some(0.0)),
        ramp_months: cx.p(t, "ramp_months", Bounds::NonNegative, None),
        lifetime_years: cx.p(t, "lifetime_years", Bounds::Positive, Some(20.0)),
        d0_initial_per_cm2: cx.p(t, "d0_initial_per_cm2", Bounds::NonNegative, Some(0.0)),
        d0_mature_per_cm2: cx.p(t, "d0_mature_per_cm2", Bounds::NonNegative, Some(0.0)),
        d0_learning_months: cx.p(t, "d0_learning_months", Bounds::Positive, Some(12.0)),
        builder_slots_per_start: cx.p(t, "builder_slots_per_start", Bounds::NonNegative, Some(1.0)),
        price_usd_per_wafer: cx.p(t, "price_usd_per_wafer", Bounds::NonNegative, None),
        opex_usd_per_wafer: cx.p(t, "opex_usd_per_wafer", Bounds::NonNegative, None),
        fixed_opex_usd_bn_per_year: cx.p(
            t,
            "fixed_opex_usd_bn_per_year",
            Bounds::NonNegative,
            Some(0.0),
        ),
    }
}

fn read_program(
    cx: &mut Ctx,
    t: TableReader<'_>,
    start: Quarter,
    operator_names: &[String],
) -> Program {
    let enabled = cx.errors.take(t.bool_or("enabled", true)).unwrap_or(true);
    let size_usd_bn = cx.p(
        &t,
        "size_usd_bn",
        Bounds::NonNegative,
        if enabled { None } else { Some(0.0) },
    );
    let first_start = cx.quarter(&t, "first_start_quarter", start);
    let lookahead = match t.node("funding_lookahead_quarters") {
        None => 8,
        Some(n) => match n.value {
            crate::scenario::node::NodeValue::Integer(i) if (0..=200).contains(&i) => i as u32,
            _ => {
                cx.errors.push(t.invalid(
                    n,
                    "funding_lookahead_quarters",
                    "an integer from 0 to 200",
                ));
                8
            }
        },
    };
    let mut allocation = Allocation {
        fabs_share: [1.0, 0.0, 0.0],
        power_share: 0.0,
        tool_expansion_share: 0.0,
    };
    match cx.errors.take(t.table_opt("allocation")).flatten() {
        Some(a) => {
            allocation.fabs_share = [
                cx.fixed_share(&a, "logic_share", Some(0.0)),
                cx.fixed_share(&a, "packaging_share", Some(0.0)),
                cx.fixed_share(&a, "hbm_share", Some(0.0)),
            ];
            allocation.power_share = cx.fixed_share(&a, "power_share", Some(0.0));
            allocation.tool_expansion_share = cx.fixed_share(&a, "tool_expansion_share", Some(0.0));
            let parts = vec![
                ("logic_share".to_string(), allocation.fabs_share[0]),
                ("packaging_share".to_string(), allocation.fabs_share[1]),
                ("hbm_share".to_string(), allocation.fabs_share[2]),
                ("power_share".to_string(), allocation.power_share),
                (
                    "tool_expansion_share".to_string(),
                    allocation.tool_expansion_share,
                ),
            ];
            if enabled {
                cx.check_sum(
                    a.origin(),
                    a.path().to_string(),
                    "allocation shares",
                    &parts,
                );
            }
            a.finish(&mut cx.errors);
        }
        None if enabled => cx
            .errors
            .push(t.missing("allocation", "a [program.allocation] table")),
        None => {}
    }
    let mut operators = Vec::new();
    match cx.errors.take(t.table_opt("operators")).flatten() {
        Some(o) => {
            let table: &Table = match t.node("operators").and_then(|n| n.as_table()) {
                Some(tb) => tb,
                None => {
                    return Program {
                        enabled,
                        size_usd_bn,
                        first_start,
                        funding_lookahead_quarters: lookahead,
                        allocation,
                        operators,
                    }
                }
            };
            let mut parts = Vec::new();
            for (name, node) in &table.entries {
                let key = format!("{}.{}", o.path(), name);
                let share = match node.as_f64() {
                    Some(x) if (0.0..=1.0).contains(&x) => x,
                    _ => {
                        cx.errors.push(InputError::new(
                            node.origin.clone(),
                            key.clone(),
                            "a share between 0 and 1",
                            format!("{} `{}`", node.type_name(), node.display_value()),
                        ));
                        0.0
                    }
                };
                match operator_names.iter().position(|n| n == name) {
                    Some(i) => operators.push((i, share)),
                    None => {
                        let mut e = InputError::new(
                            node.origin.clone(),
                            key,
                            format!(
                                "an operator named in [incumbents] or \"new_entrant\" ({})",
                                operator_names.join(", ")
                            ),
                            format!("unknown operator `{name}`"),
                        );
                        if let Some(s) = suggest(name, operator_names.iter().map(|s| s.as_str())) {
                            e = e.with_hint(format!("did you mean `{s}`?"));
                        }
                        cx.errors.push(e);
                    }
                }
                parts.push((name.clone(), share));
            }
            if enabled {
                cx.check_sum(o.origin(), o.path().to_string(), "operator shares", &parts);
            }
        }
        None if enabled => cx.errors.push(t.missing(
            "operators",
            "a [program.operators] table of operator shares",
        )),
        None => {}
    }
    t.finish(&mut cx.errors);
    Program {
        enabled,
        size_usd_bn,
        first_start,
        funding_lookahead_quarters: lookahead,
        allocation,
        operators,
    }
}
