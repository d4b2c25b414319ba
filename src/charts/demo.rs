//! A synthetic run folder in the exact output format (`run.json`, `timeseries.csv`,
//! `summary.csv`, `trials.csv`, `scenario.resolved.toml`), for the chart gallery, the docs and
//! tests of charts, reports and comparisons. The numbers come from a toy build-out model with
//! plausible magnitudes; they are **not** results of chipsim's model.
//!
//! Trial `i` draws from a random stream that depends only on the seed and `i`, so two demo runs
//! with the same seed use common random numbers, like the real engine.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::data::Quarter;
use super::quantile;
use crate::error::{Error, Result};

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoRun {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub trials: usize,
    pub start: Quarter,
    pub end: Quarter,
    /// Program size in $bn (upper end of its range); 0 means no program.
    pub program_usd_bn: f64,
    /// Also write metrics that later issues add (accelerators, shortage, debt, DSCR, ...).
    pub future_metrics: bool,
    pub output_format_version: u32,
}

impl Default for DemoRun {
    fn default() -> Self {
        DemoRun {
            scenario: "demo-7t".into(),
            description: "Synthetic demo: a $7tn program (toy model, not chipsim results)".into(),
            seed: 42,
            trials: 2000,
            start: Quarter { year: 2024, q: 1 },
            end: Quarter { year: 2040, q: 4 },
            program_usd_bn: 7000.0,
            future_metrics: false,
            output_format_version: 1,
        }
    }
}

/// SplitMix64: small, fast, good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unif(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }
    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let u1 = self.unif(1e-12, 1.0);
        let u2 = self.unif(0.0, 1.0);
        mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

const TS_METRICS: &[&str] = &[
    "program_capacity_wspm",
    "incumbent_capacity_wspm",
    "program_packaging_capacity_wpm",
    "program_hbm_capacity_wspm",
    "program_fabs_operating",
    "program_fabs_under_construction",
    "program_capex_cum_usd_bn",
    "program_raised_cum_usd_bn",
    "program_euv_tools",
    "euv_shipments_per_year",
    "program_power_mw",
    "tsmc_share_leading_edge",
    "taiwan_share_leading_edge",
    "hhi_leading_edge",
    "binding_money_share",
    "binding_euv_share",
    "binding_power_share",
    "binding_workforce_share",
    "binding_none_share",
];

const TS_FUTURE: &[&str] = &[
    "accelerators_supplied_h100e",
    "accelerators_demanded_h100e",
    "shortage_ratio",
    "program_debt_outstanding_usd_bn",
    "program_cash_usd_bn",
    "program_dscr",
    "nvidia_share_accelerators",
    "binding_dies_share",
    "binding_packaging_share",
    "binding_hbm_share",
    "program_default_share",
    "program_utilization",
    "program_revenue_usd_bn",
    "program_cfads_usd_bn",
    "wafer_price_usd",
];

const OUTCOMES: &[&str] = &[
    "total_committed_usd_bn",
    "total_raised_usd_bn",
    "total_capex_usd_bn",
    "unspent_usd_bn",
    "fabs_started",
    "fabs_completed",
    "fabs_completed_by_2030",
    "first_output_year",
    "tsmc_share_2030",
    "tsmc_share_2035",
    "hhi_2035",
    "binding_money_share",
    "binding_euv_share",
    "binding_power_share",
    "binding_workforce_share",
    "raised_equity_usd_bn",
    "raised_debt_usd_bn",
    "raised_grant_usd_bn",
    "raised_sovereign_usd_bn",
    "raised_investor_usd_bn",
    "raised_chipmaker_usd_bn",
    "raised_energy_usd_bn",
    "raised_anchor_customer_usd_bn",
    "raised_government_usd_bn",
    "capex_logic_usd_bn",
    "capex_packaging_usd_bn",
    "capex_hbm_usd_bn",
    "power_spend_usd_bn",
    "tool_expansion_spend_usd_bn",
];

const OUTCOMES_FUTURE: &[&str] = &[
    "program_capacity_2035_wspm",
    "stranded_capex_usd_bn",
    "default_year",
    "shortage_end_year",
    "shortage_over_year",
    "equity_irr",
    "program_npv_usd_bn",
];

const INPUTS: &[&str] = &[
    "program.size_usd_bn",
    "program.honoured_share",
    "program.fab_capex_usd_bn",
    "program.construction_quarters",
    "program.tsmc_operated_share",
    "euv.program_allocation_share",
    "incumbents.growth_per_year",
];

struct Trial {
    /// ts[metric][quarter]
    ts: Vec<Vec<Option<f64>>>,
    outcomes: Vec<Option<f64>>,
    inputs: Vec<f64>,
}

fn simulate(o: &DemoRun, t: usize, ts_names: &[&str], out_names: &[&str]) -> Trial {
    let mut r = Rng::new(o.seed, t as u64);
    let n = (o.end.index() - o.start.index() + 1).max(1) as usize;
    let x0 = o.start.x();
    let has_program = o.program_usd_bn > 0.0;
    let size = o.program_usd_bn * r.unif(0.8, 1.0);
    let honoured = r.unif(0.45, 0.9);
    let fab_cost = r.unif(18.0, 32.0);
    let constr_q = r.unif(7.0, 12.0).round();
    let tsmc_prog = r.unif(0.5, 0.8);
    let euv_alloc = r.unif(0.45, 0.85);
    let inc_growth = r.unif(0.03, 0.08);
    let workforce_base = r.unif(0.8, 2.5);
    let power_growth = r.unif(200.0, 900.0);
    let debt_share = r.unif(0.5, 0.7);
    let grant_share = r.unif(0.02, 0.06);
    let demand_growth = r.unif(0.15, 0.4);
    let raise_mid = r.unif(2027.0, 2031.0);
    let covenant = r.unif(0.3, 1.0);
    // The toy model has no cash waterfall: a default happens in some trials, at a random time.
    let default_at =
        (r.unif(0.0, 1.0) < 0.25 * covenant).then(|| (r.unif(2029.0, 2040.0) * 4.0).round() / 4.0);
    let planned_fabs = if has_program {
        (size * 0.72 / fab_cost).floor()
    } else {
        0.0
    };
    let fab_wspm = 50_000.0;
    let tools_per_fab = 20.0;
    let mw_per_fab = 150.0;

    let mut ts: Vec<Vec<Option<f64>>> = vec![vec![None; n]; ts_names.len()];
    let mut set = |name: &str, i: usize, v: Option<f64>| {
        if let Some(k) = ts_names.iter().position(|m| *m == name) {
            ts[k][i] = v;
        }
    };
    // Fabs: (start quarter index, completion quarter index).
    let mut fabs: Vec<(usize, usize)> = Vec::new();
    let mut euv_pool = 0.0;
    let mut committed_capex = 0.0;
    let mut bind_counts = [0usize; 5];
    let mut first_output: Option<f64> = None;
    let mut tsmc_2030 = None;
    let mut tsmc_2035 = None;
    let mut capacity_2035 = None;
    let mut hhi_2035 = None;
    let mut completed_by_2030 = 0.0;
    let mut debt_repaid = 0.0;
    let mut low_dscr_run = 0;
    let mut default_year: Option<f64> = None;
    let mut shortage_end: Option<f64> = None;
    let mut raised_total = 0.0;
    let mut capex_cum = 0.0;
    for i in 0..n {
        let x = x0 + i as f64 / 4.0;
        let years = x - 2024.0;
        let s = 1.0 / (1.0 + (-(x - raise_mid) / 1.2).exp());
        let s0 = 1.0 / (1.0 + (-(x0 - raise_mid) / 1.2).exp());
        let raised_cum = if has_program {
            size * honoured * ((s - s0) / (1.0 - s0)).max(0.0)
        } else {
            0.0
        };
        raised_total = raised_cum;
        let shipments = (53.0 + 6.0 * years).min(90.0 + 15.0 * (years - 6.0).clamp(0.0, 4.0))
            * r.unif(0.92, 1.08);
        // The program pays for tool-supply expansion and power in proportion to its size.
        let boost = (size / 5000.0).sqrt();
        let expansion = if x >= 2027.0 {
            12.0 * boost * (x - 2027.0).min(4.0)
        } else {
            0.0
        };
        euv_pool += (shipments * euv_alloc + expansion) / 4.0;
        let power_cap = 400.0 + power_growth * boost * years;
        let power_used = fabs.len() as f64 * mw_per_fab;
        // Fab starts and the binding constraint.
        let slots = [
            ((raised_cum - committed_capex) / fab_cost).floor().max(0.0),
            (euv_pool / tools_per_fab).floor().max(0.0),
            ((power_cap - power_used) / mw_per_fab).floor().max(0.0),
            (workforce_base + 0.04 * i as f64).floor(),
        ];
        let remaining = planned_fabs - fabs.len() as f64;
        let (mut bind, mut starts) = (0usize, f64::INFINITY);
        for (k, v) in slots.iter().enumerate() {
            if *v < starts {
                starts = *v;
                bind = k;
            }
        }
        if has_program {
            if remaining <= starts {
                starts = remaining.max(0.0);
                bind = 4;
            }
            for _ in 0..starts as usize {
                let c = (i as f64 + constr_q + r.normal(0.0, 1.5).round()).max(i as f64 + 5.0);
                fabs.push((i, c as usize));
                committed_capex += fab_cost;
                euv_pool -= tools_per_fab;
            }
            bind_counts[bind] += 1;
        }
        let binding: [f64; 5] =
            std::array::from_fn(|k| if has_program && k == bind { 1.0 } else { 0.0 });
        let mut capacity = 0.0;
        let mut operating = 0.0;
        let mut building = 0.0;
        let mut spent = 0.0;
        for (st, done) in &fabs {
            if i >= *done {
                operating += 1.0;
                let age = (i - done) as f64;
                capacity += fab_wspm * ((age + 1.0) / 4.0).min(1.0);
                spent += fab_cost;
                if first_output.is_none() {
                    first_output = Some(x);
                }
            } else {
                building += 1.0;
                spent += fab_cost * ((i - st + 1) as f64 / (done - st) as f64).min(1.0);
            }
        }
        capex_cum = spent;
        if (x - 2030.75).abs() < 1e-9 {
            completed_by_2030 = operating;
        }
        let incumbent = 1_400_000.0 * (1.0 + inc_growth).powf(years);
        let total = incumbent + capacity;
        let tsmc_inc = (0.62 + 0.004 * years).min(0.75);
        let tsmc = (incumbent * tsmc_inc + capacity * tsmc_prog) / total;
        let samsung = (incumbent * 0.2 + capacity * (1.0 - tsmc_prog) * 0.4) / total;
        let intel = (incumbent * 0.1 + capacity * (1.0 - tsmc_prog) * 0.3) / total;
        let other = (1.0 - tsmc - samsung - intel).max(0.0);
        let hhi = (tsmc * tsmc + samsung * samsung + intel * intel + other * other) * 10_000.0;
        let taiwan = (incumbent * (0.68 - 0.01 * years).max(0.4) + capacity * 0.2) / total;
        if (x - 2030.75).abs() < 1e-9 {
            tsmc_2030 = Some(tsmc);
        }
        if (x - 2035.75).abs() < 1e-9 {
            capacity_2035 = Some(capacity);
            tsmc_2035 = Some(tsmc);
            hhi_2035 = Some(hhi);
        }
        set("program_capacity_wspm", i, Some(capacity));
        set("incumbent_capacity_wspm", i, Some(incumbent));
        set("program_packaging_capacity_wpm", i, Some(capacity * 0.12));
        set("program_hbm_capacity_wspm", i, Some(capacity * 0.2));
        set("program_fabs_operating", i, Some(operating));
        set("program_fabs_under_construction", i, Some(building));
        set("program_capex_cum_usd_bn", i, Some(spent));
        set("program_raised_cum_usd_bn", i, Some(raised_cum));
        set("program_euv_tools", i, Some(operating * tools_per_fab));
        set("euv_shipments_per_year", i, Some(shipments.round()));
        set("program_power_mw", i, Some(operating * mw_per_fab));
        set("tsmc_share_leading_edge", i, Some(tsmc));
        set("taiwan_share_leading_edge", i, Some(taiwan));
        set("hhi_leading_edge", i, Some(hhi));
        for (k, name) in [
            "binding_money_share",
            "binding_euv_share",
            "binding_power_share",
            "binding_workforce_share",
            "binding_none_share",
        ]
        .iter()
        .enumerate()
        {
            set(name, i, has_program.then_some(binding[k]));
        }
        if o.future_metrics {
            let compute = 2f64.powf(years / 2.5);
            let demand = 1.2e6 * (demand_growth * years).exp();
            let supply = 0.9e6 * (0.32 * years).exp() + capacity * 3.0 * compute;
            let ratio = demand / supply;
            if ratio < 1.0 && shortage_end.is_none() {
                shortage_end = Some(x);
            }
            let debt_drawn = raised_cum * debt_share;
            if x > 2031.0 {
                debt_repaid += debt_drawn * 0.015;
            }
            let debt = (debt_drawn - debt_repaid).max(0.0);
            let revenue = capacity * 3.0 * 18_000.0 / 1e9 * 3.0 / ratio.max(0.5).sqrt();
            let service = debt * (0.06 + 0.015 * 4.0) / 4.0;
            let dscr = if service > 1.0 && x >= 2028.0 {
                Some(revenue / service)
            } else {
                None
            };
            if let Some(d) = dscr {
                low_dscr_run = if d < covenant { low_dscr_run + 1 } else { 0 };
                if default_year.is_none() && default_at.is_some_and(|t| x >= t) {
                    default_year = Some(x);
                }
            }
            let cash = (raised_cum - spent - debt_repaid * 0.2).max(0.0) * 0.3;
            set("accelerators_supplied_h100e", i, Some(supply));
            set("accelerators_demanded_h100e", i, Some(demand));
            set("shortage_ratio", i, Some(ratio));
            set(
                "program_debt_outstanding_usd_bn",
                i,
                has_program.then_some(debt),
            );
            set("program_cash_usd_bn", i, has_program.then_some(cash));
            set("program_dscr", i, dscr);
            set(
                "nvidia_share_accelerators",
                i,
                Some((0.88 - 0.015 * years - capacity / 2e7).max(0.3)),
            );
            let cowos = 15_000.0 * (1.0 + 0.4f64).powf(years.min(6.0));
            let pk = (capacity * 0.12 + cowos) * 20.0;
            let hb = (capacity * 0.2 + 93_000.0 * (1.25f64).powf(years)) * 9.0;
            let di = (capacity + 60_000.0 * (1.3f64).powf(years)) * 30.0;
            let m = pk.min(hb).min(di);
            set(
                "binding_dies_share",
                i,
                Some(if m == di { 1.0 } else { 0.0 }),
            );
            set(
                "binding_packaging_share",
                i,
                Some(if m == pk { 1.0 } else { 0.0 }),
            );
            set(
                "binding_hbm_share",
                i,
                Some(if m == hb { 1.0 } else { 0.0 }),
            );
            let defaulted = default_year.is_some_and(|d| x >= d);
            set(
                "program_default_share",
                i,
                has_program.then_some(if defaulted { 1.0 } else { 0.0 }),
            );
            let utilization = if ratio >= 1.0 { 0.97 } else { 0.97 * ratio };
            set(
                "program_utilization",
                i,
                (capacity > 0.0).then_some(utilization),
            );
            set("program_revenue_usd_bn", i, has_program.then_some(revenue));
            set(
                "program_cfads_usd_bn",
                i,
                has_program.then_some(revenue * 0.45),
            );
            set(
                "wafer_price_usd",
                i,
                Some(18_000.0 * ratio.clamp(0.5, 2.0).powf(0.3)),
            );
        }
    }
    let quarters_program = n as f64;
    let started = fabs.len() as f64;
    let completed = fabs.iter().filter(|(_, d)| *d < n).count() as f64;
    let power_spend = raised_total * 0.04;
    let tool_spend = raised_total * 0.02;
    let unspent = (raised_total - capex_cum - power_spend - tool_spend).max(0.0);
    let mut w = [
        0.35 * r.unif(0.8, 1.2),
        0.2 * r.unif(0.8, 1.2),
        0.2 * r.unif(0.8, 1.2),
        0.1 * r.unif(0.8, 1.2),
        0.1 * r.unif(0.8, 1.2),
        0.05 * r.unif(0.8, 1.2),
    ];
    let ws: f64 = w.iter().sum();
    w.iter_mut().for_each(|v| *v /= ws);
    let p = |v: f64| has_program.then_some(v);
    let mut outcomes: Vec<Option<f64>> = Vec::new();
    for name in out_names {
        let v = match *name {
            "total_committed_usd_bn" => p(size),
            "total_raised_usd_bn" => p(raised_total),
            "total_capex_usd_bn" => p(capex_cum),
            "unspent_usd_bn" => p(unspent),
            "fabs_started" => p(started),
            "fabs_completed" => p(completed),
            "fabs_completed_by_2030" => p(completed_by_2030),
            "first_output_year" => first_output,
            "tsmc_share_2030" => tsmc_2030,
            "tsmc_share_2035" => tsmc_2035,
            "hhi_2035" => hhi_2035,
            "binding_money_share" => p(bind_counts[0] as f64 / quarters_program),
            "binding_euv_share" => p(bind_counts[1] as f64 / quarters_program),
            "binding_power_share" => p(bind_counts[2] as f64 / quarters_program),
            "binding_workforce_share" => p(bind_counts[3] as f64 / quarters_program),
            "raised_equity_usd_bn" => p(raised_total * (1.0 - debt_share - grant_share)),
            "raised_debt_usd_bn" => p(raised_total * debt_share),
            "raised_grant_usd_bn" => p(raised_total * grant_share),
            "raised_sovereign_usd_bn" => p(raised_total * w[0]),
            "raised_investor_usd_bn" => p(raised_total * w[1]),
            "raised_chipmaker_usd_bn" => p(raised_total * w[2]),
            "raised_energy_usd_bn" => p(raised_total * w[3]),
            "raised_anchor_customer_usd_bn" => p(raised_total * w[4]),
            // Governments join only in some trials (shows "did not happen" handling).
            "raised_government_usd_bn" => {
                (has_program && r.unif(0.0, 1.0) < 0.6).then_some(raised_total * w[5])
            }
            "capex_logic_usd_bn" => p(capex_cum * 0.78),
            "capex_packaging_usd_bn" => p(capex_cum * 0.08),
            "capex_hbm_usd_bn" => p(capex_cum * 0.14),
            "power_spend_usd_bn" => p(power_spend),
            "tool_expansion_spend_usd_bn" => p(tool_spend),
            "default_year" => default_year,
            "program_capacity_2035_wspm" => capacity_2035,
            "stranded_capex_usd_bn" => default_year.map(|_| capex_cum * r.unif(0.05, 0.3)),
            "shortage_end_year" => shortage_end,
            // The toy's shortage is over for good three quarters after it first ends.
            "shortage_over_year" => shortage_end.map(|x| x + 0.75),
            "equity_irr" => (has_program && default_year.is_none()).then(|| r.normal(0.05, 0.04)),
            "program_npv_usd_bn" => p(r.normal(-0.05, 0.12) * size),
            _ => None,
        };
        outcomes.push(v);
    }
    Trial {
        ts,
        outcomes,
        inputs: vec![
            size, honoured, fab_cost, constr_q, tsmc_prog, euv_alloc, inc_growth,
        ],
    }
}

struct Stats {
    mean: f64,
    std: f64,
    q: [f64; 5],
    min: f64,
    max: f64,
    count: usize,
}

fn stats(values: &mut [f64]) -> Option<Stats> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = if values.len() > 1 {
        values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    Some(Stats {
        mean,
        std: var.sqrt(),
        q: [0.05, 0.25, 0.5, 0.75, 0.95].map(|p| quantile(values, p)),
        min: values[0],
        max: values[values.len() - 1],
        count: values.len(),
    })
}

fn num(v: f64) -> String {
    // Shortest representation that round-trips.
    format!("{v}")
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// Writes a synthetic run folder `<out>/<scenario>/` and returns its path.
pub fn write_demo_run(out: &Path, o: &DemoRun) -> Result<PathBuf> {
    let dir = out.join(&o.scenario);
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let mut ts_names: Vec<&str> = TS_METRICS.to_vec();
    let mut out_names: Vec<&str> = OUTCOMES.to_vec();
    if o.future_metrics {
        ts_names.extend(TS_FUTURE);
        out_names.extend(OUTCOMES_FUTURE);
    }
    // unspent_usd_bn is both a source-and-use entry and an outcome: listed once.
    out_names.push("unspent_usd_bn");
    out_names.dedup();
    let mut seen = std::collections::HashSet::new();
    out_names.retain(|m| seen.insert(*m));

    let trials: Vec<Trial> = (0..o.trials)
        .map(|t| simulate(o, t, &ts_names, &out_names))
        .collect();
    let n = (o.end.index() - o.start.index() + 1).max(1) as usize;

    // timeseries.csv
    let mut s = String::from("metric,quarter,mean,std,p5,p25,p50,p75,p95\n");
    let mut buf = Vec::with_capacity(o.trials);
    for (k, m) in ts_names.iter().enumerate() {
        for i in 0..n {
            let qi = o.start.index() + i as i64;
            let q = Quarter {
                year: qi.div_euclid(4) as i32,
                q: (qi.rem_euclid(4) + 1) as u8,
            };
            buf.clear();
            buf.extend(trials.iter().filter_map(|t| t.ts[k][i]));
            match stats(&mut buf) {
                Some(st) => {
                    let _ = writeln!(
                        s,
                        "{m},{q},{},{},{},{},{},{},{}",
                        num(st.mean),
                        num(st.std),
                        num(st.q[0]),
                        num(st.q[1]),
                        num(st.q[2]),
                        num(st.q[3]),
                        num(st.q[4])
                    );
                }
                None => {
                    let _ = writeln!(s, "{m},{q},,,,,,,");
                }
            }
        }
    }
    write(&dir.join("timeseries.csv"), &s)?;

    // summary.csv
    let mut s = String::from("metric,mean,std,p5,p25,p50,p75,p95,min,max,count\n");
    for (k, m) in out_names.iter().enumerate() {
        buf.clear();
        buf.extend(trials.iter().filter_map(|t| t.outcomes[k]));
        match stats(&mut buf) {
            Some(st) => {
                let _ = writeln!(
                    s,
                    "{m},{},{},{},{},{},{},{},{},{},{}",
                    num(st.mean),
                    num(st.std),
                    num(st.q[0]),
                    num(st.q[1]),
                    num(st.q[2]),
                    num(st.q[3]),
                    num(st.q[4]),
                    num(st.min),
                    num(st.max),
                    st.count
                );
            }
            None => {
                let _ = writeln!(s, "{m},,,,,,,,,,0");
            }
        }
    }
    write(&dir.join("summary.csv"), &s)?;

    // trials.csv
    let mut s = String::from("trial");
    for m in out_names.iter().chain(INPUTS) {
        s.push(',');
        s.push_str(m);
    }
    s.push('\n');
    for (t, tr) in trials.iter().enumerate() {
        let _ = write!(s, "{t}");
        for v in &tr.outcomes {
            s.push(',');
            s.push_str(&opt(*v));
        }
        for v in &tr.inputs {
            s.push(',');
            s.push_str(&num(*v));
        }
        s.push('\n');
    }
    write(&dir.join("trials.csv"), &s)?;

    let hi = o.program_usd_bn;
    let toml = format!(
        r#"# Resolved scenario (synthetic demo; inheritance already applied)
name = "{name}"
description = "{desc}"
start_quarter = "{start}"
end_quarter = "{end}"

[program]
size_usd_bn = {{ uniform = [{lo}, {hi}] }}
honoured_share = {{ uniform = [0.45, 0.9] }}
debt_share = {{ uniform = [0.5, 0.7] }}
fab_capex_usd_bn = {{ uniform = [18.0, 32.0] }}
construction_quarters = {{ uniform = [7, 12] }}

[program.allocation]
logic_share = 0.75
packaging_share = 0.08
hbm_share = 0.12
power_share = 0.03
tool_expansion_share = 0.02

[program.operators]
tsmc = {{ uniform = [0.5, 0.8] }}
samsung = 0.12
intel = 0.08

[sources.uae_sovereign]
class = "sovereign"
instrument = "equity"
share = 0.35
honoured_share = {{ pert = [0.5, 0.8, 0.95] }}
paid_in = ["2024Q3", "2030Q4"]

[sources.lenders]
class = "investor"
instrument = "debt"
share = 0.45
spread_bps = 350

[sources.chipmakers]
class = "chipmaker"
instrument = "equity"
share = 0.2

[regions.taiwan]
plan_share = 0.2
capex_multiplier = 1.0
construction_months = {{ triangular = [19, 24, 36] }}

[regions.us]
plan_share = 0.45
capex_multiplier = {{ triangular = [1.3, 1.5, 2.0] }}
construction_months = "30 to 48"

[regions.middle_east]
plan_share = 0.35
capex_multiplier = 1.2
power_mw_available = 4000

[events.taiwan_blockade]
probability_per_year = 0.02
duration_quarters = {{ uniform = [2, 8] }}
"#,
        name = o.scenario,
        desc = o.description.replace('"', "'"),
        start = o.start,
        end = o.end,
        lo = hi * 0.8,
    );
    write(&dir.join("scenario.resolved.toml"), &toml)?;

    let meta = serde_json::json!({
        "chipsim_version": "0.1.0",
        "output_format_version": o.output_format_version,
        "scenario": o.scenario,
        "description": o.description,
        "seed": o.seed,
        "trials": o.trials,
        "threads": 2,
        "start_quarter": o.start.to_string(),
        "end_quarter": o.end.to_string(),
        "started_at": "2025-01-01T00:00:00Z",
        "elapsed_seconds": 1.2,
    });
    let text = serde_json::to_string_pretty(&meta)
        .map_err(|e| Error::Other(format!("writing run.json: {e}")))?;
    write(&dir.join("run.json"), &text)?;
    Ok(dir)
}
