//! Units, labels and number formats, all derived from metric names.
//!
//! The output contract puts the unit into every metric name (`_usd_bn`, `_wspm`, `_share`,
//! `_year`, `hhi_`, ...). Charts, tables and reports read it from there, so a metric added later
//! by another part of the model is formatted correctly without touching this code.

/// The unit of a metric, derived from its name by [`unit_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Billions of US dollars (`_usd_bn`); shown as `$…bn`, or `$…tn` from 1,000 on.
    UsdBn,
    /// Wafer starts per month (`_wspm`); shown as `…k wspm`.
    Wspm,
    /// Wafers per month (`_wpm`, e.g. packaging); shown as `…k wpm`.
    Wpm,
    /// A share between 0 and 1 (a `share` word in the name); shown as a percentage.
    Share,
    /// A rate given as a fraction that may leave 0–1 (`irr`); shown as a percentage.
    Rate,
    /// A calendar year, fractional (`_year`): 2027.25 is the start of 2027 Q2.
    Year,
    /// US dollars (`_usd`, e.g. a wafer price); shown as `$18,000` or `$18k`.
    Usd,
    /// Megawatts (`_mw`); shown in GW from 1,000 MW on.
    Mw,
    /// Herfindahl–Hirschman index, 0–10,000 (`hhi`).
    Hhi,
    /// Defects per square centimetre (`_per_cm2`).
    PerCm2,
    /// Accelerators in H100-equivalents (`_h100e`).
    H100e,
    /// A dimensionless ratio (`_ratio`, `dscr`); shown as `…×`.
    Ratio,
    /// A count of things (`fabs_*`, `*_started`, `*_tools`, `*_per_year`, ...).
    Count,
    /// Anything else: plain numbers with k/M/bn abbreviations.
    Plain,
}

/// The unit of a metric from its name (see the module documentation for the rules).
pub fn unit_of(metric: &str) -> Unit {
    let tokens: Vec<&str> = metric.split('_').collect();
    let has = |t: &str| tokens.contains(&t);
    if metric.ends_with("_usd_bn") {
        Unit::UsdBn
    } else if metric.ends_with("_wspm") {
        Unit::Wspm
    } else if metric.ends_with("_wpm") {
        Unit::Wpm
    } else if metric.ends_with("_per_cm2") {
        Unit::PerCm2
    } else if metric.ends_with("_h100e") {
        Unit::H100e
    } else if metric.ends_with("_usd") {
        Unit::Usd
    } else if metric.ends_with("_per_year")
        || metric.ends_with("_started")
        || metric.ends_with("_tools")
        || metric.ends_with("_count")
        || metric.ends_with("_staff")
        || metric.starts_with("fabs_")
        || metric.starts_with("program_fabs_")
    {
        Unit::Count
    } else if has("share") || has("utilization") {
        Unit::Share
    } else if has("irr") {
        Unit::Rate
    } else if metric.ends_with("_year") {
        Unit::Year
    } else if metric.ends_with("_mw") {
        Unit::Mw
    } else if has("hhi") {
        Unit::Hhi
    } else if metric.ends_with("_ratio") || metric.ends_with("_index") || has("dscr") {
        Unit::Ratio
    } else {
        Unit::Plain
    }
}

/// The axis title for a metric's values, e.g. "US dollars" or "Wafer starts per month (wspm)".
/// Tick labels carry the scale ($bn/$tn, k, %, GW), so the title names the quantity.
pub fn axis_label(metric: &str) -> String {
    match unit_of(metric) {
        Unit::UsdBn => "US dollars".into(),
        Unit::Wspm => "Wafer starts per month (wspm)".into(),
        Unit::Wpm => "Wafers per month (wpm)".into(),
        Unit::Share => "Share (%)".into(),
        Unit::Rate => "Rate (%)".into(),
        Unit::Year => "Year".into(),
        Unit::Usd => "US dollars".into(),
        Unit::Mw => "Power".into(),
        Unit::Hhi => "HHI (0–10,000)".into(),
        Unit::PerCm2 => "Defects per cm²".into(),
        Unit::H100e => "Accelerators (H100-equivalents)".into(),
        Unit::Ratio => "Ratio".into(),
        Unit::Count => {
            if metric.contains("fabs") {
                "Number of fabs".into()
            } else if metric.contains("euv") {
                "EUV tools".into()
            } else {
                "Count".into()
            }
        }
        Unit::Plain => "Value".into(),
    }
}

/// A human-readable name for a metric, e.g. "Cumulative capex" for `program_capex_cum_usd_bn`.
/// Known metrics have hand-written names; others are spelled out from their words.
pub fn metric_label(metric: &str) -> String {
    const KNOWN: &[(&str, &str)] = &[
        ("program_capacity_wspm", "Program capacity"),
        ("incumbent_capacity_wspm", "Incumbent capacity"),
        (
            "program_packaging_capacity_wpm",
            "Program packaging capacity",
        ),
        ("program_hbm_capacity_wspm", "Program HBM capacity"),
        ("program_fabs_operating", "Program fabs operating"),
        (
            "program_fabs_under_construction",
            "Program fabs under construction",
        ),
        ("program_capex_cum_usd_bn", "Cumulative capex"),
        ("program_raised_cum_usd_bn", "Cumulative money raised"),
        ("program_euv_tools", "EUV tools in program fabs"),
        ("euv_shipments_per_year", "Global EUV shipments per year"),
        ("program_power_mw", "Program power demand"),
        (
            "tsmc_share_leading_edge",
            "TSMC share of leading-edge capacity",
        ),
        (
            "taiwan_share_leading_edge",
            "Taiwan share of leading-edge capacity",
        ),
        ("hhi_leading_edge", "HHI of leading-edge capacity"),
        ("accelerators_supplied_h100e", "Accelerators supplied"),
        ("accelerators_demanded_h100e", "Accelerators demanded"),
        ("shortage_ratio", "Shortage ratio (demand ÷ supply)"),
        ("program_debt_outstanding_usd_bn", "Debt outstanding"),
        ("program_cash_usd_bn", "Program cash"),
        ("program_dscr", "Debt service coverage ratio (DSCR)"),
        ("nvidia_share_accelerators", "NVIDIA share of accelerators"),
        ("total_committed_usd_bn", "Total committed"),
        ("total_raised_usd_bn", "Total raised"),
        ("total_capex_usd_bn", "Total capex"),
        ("unspent_usd_bn", "Unspent money"),
        ("fabs_started", "Fabs started"),
        ("fabs_completed", "Fabs completed"),
        ("fabs_completed_by_2030", "Fabs completed by 2030"),
        ("first_output_year", "First output year"),
        ("tsmc_share_2030", "TSMC share in 2030"),
        ("tsmc_share_2035", "TSMC share in 2035"),
        ("hhi_2035", "HHI in 2035"),
        ("default_year", "Default year"),
        ("shortage_end_year", "Shortage end year"),
        ("equity_irr", "Equity IRR"),
        ("program_npv_usd_bn", "Program NPV"),
        ("program_default_share", "Program has defaulted"),
        ("program_utilization", "Utilization of program fabs"),
        ("wafer_price_usd", "Leading-edge wafer price"),
        ("program_revenue_usd_bn", "Revenue per quarter"),
        (
            "program_cfads_usd_bn",
            "Cash flow available for debt service per quarter",
        ),
        (
            "program_capacity_2035_wspm",
            "Program capacity at the end of 2035",
        ),
        ("stranded_capex_usd_bn", "Stranded capex"),
        ("capex_logic_usd_bn", "Logic fabs"),
        ("capex_packaging_usd_bn", "Packaging plants"),
        ("capex_hbm_usd_bn", "HBM fabs"),
        ("power_spend_usd_bn", "Power generation"),
        ("tool_expansion_spend_usd_bn", "Tool-supply expansion"),
    ];
    if let Some((_, label)) = KNOWN.iter().find(|(m, _)| *m == metric) {
        return (*label).to_string();
    }
    if let Some(what) = metric
        .strip_prefix("binding_")
        .and_then(|m| m.strip_suffix("_share"))
    {
        return format!("Binding: {}", constraint_label(what));
    }
    if let Some(what) = metric
        .strip_prefix("raised_")
        .and_then(|m| m.strip_suffix("_usd_bn"))
    {
        return format!("Raised: {}", words(what));
    }
    let mut s = words(metric);
    for suffix in [" USD bn", " wspm", " wpm", " MW", " per cm2", " H100e"] {
        if let Some(stripped) = s.strip_suffix(suffix) {
            s = stripped.to_string();
        }
    }
    s
}

/// The short name of a binding constraint, e.g. "EUV tools" for `euv`.
pub fn constraint_label(what: &str) -> String {
    match what {
        "money" => "Money".into(),
        "euv" => "EUV tools".into(),
        "power" => "Power".into(),
        "workforce" => "Workforce".into(),
        "none" => "None (not constrained)".into(),
        "dies" => "Good dies".into(),
        "packaging" => "Packaging".into(),
        "hbm" => "HBM".into(),
        other => words(other),
    }
}

/// Spells out `snake_case` words with known acronyms, first letter capitalised.
pub fn words(snake: &str) -> String {
    let mut out = Vec::new();
    for t in snake.split('_').filter(|t| !t.is_empty()) {
        let w = match t {
            "tsmc" | "euv" | "hbm" | "hhi" | "usd" | "npv" | "irr" | "dscr" | "nvidia" | "mw"
            | "uae" | "us" | "eu" => t.to_uppercase(),
            "h100e" => "H100e".into(),
            "bn" => "bn".into(),
            "cum" => "cumulative".into(),
            "cm2" => "cm2".into(),
            _ => t.to_string(),
        };
        out.push(w);
    }
    let s = out.join(" ");
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Formats `v` with `decimals` decimals and thousands separators, e.g. `12,345.6`.
pub fn group_thousands(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match s.find('.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s.as_str(), ""),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let negative = v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0');
    format!("{}{}{}", if negative { "-" } else { "" }, grouped, frac)
}

/// Decimals that show three significant digits of `v` (at most `max`).
fn sig_decimals(v: f64, max: usize) -> usize {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() {
        return 0;
    }
    let digits = a.log10().floor() as i32 + 1; // digits before the point
    (3 - digits).clamp(0, max as i32) as usize
}

/// A calendar year with a quarter, e.g. 2027.25 → "2027 Q2" (2027.0 → "2027 Q1").
pub fn format_year_quarter(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let quarters = (v * 4.0 + 1e-6).floor() as i64;
    let year = quarters.div_euclid(4);
    let q = quarters.rem_euclid(4) + 1;
    format!("{year} Q{q}")
}

/// Formats one value of `metric` for a table or an annotation, with its unit and about three
/// significant digits: "$1.23tn", "$512bn", "45.3%", "2029 Q3", "512k wspm", "1.2 GW", "2,450".
pub fn format_value(metric: &str, v: f64) -> String {
    format_unit_value(unit_of(metric), v)
}

/// [`format_value`] for a known [`Unit`].
pub fn format_unit_value(unit: Unit, v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let a = v.abs();
    match unit {
        Unit::UsdBn => {
            if a >= 1000.0 {
                format!("{sign}${:.*}tn", sig_decimals(a / 1000.0, 2), a / 1000.0)
            } else {
                format!("{sign}${:.*}bn", sig_decimals(a, 1), a)
            }
        }
        Unit::Wspm | Unit::Wpm => {
            let u = if unit == Unit::Wspm { "wspm" } else { "wpm" };
            format!("{} {u}", abbreviate(v))
        }
        Unit::Share | Unit::Rate => format!("{:.1}%", v * 100.0),
        Unit::Year => format_year_quarter(v),
        Unit::Usd => {
            if a >= 1e6 {
                format!("{sign}${}", abbreviate(a))
            } else {
                format!(
                    "{sign}${}",
                    group_thousands(a, if a < 100.0 { 2 } else { 0 })
                )
            }
        }
        Unit::Mw => {
            if a >= 1000.0 {
                format!("{sign}{:.*} GW", sig_decimals(a / 1000.0, 2), a / 1000.0)
            } else {
                format!("{} MW", group_thousands(v, sig_decimals(a, 1)))
            }
        }
        Unit::Hhi => group_thousands(v, 0),
        Unit::PerCm2 => format!("{:.3}/cm²", v),
        Unit::H100e => format!("{} H100e", abbreviate(v)),
        Unit::Ratio => format!("{:.2}×", v),
        Unit::Count => {
            if (v - v.round()).abs() < 1e-9 {
                group_thousands(v, 0)
            } else {
                group_thousands(v, 1)
            }
        }
        Unit::Plain => abbreviate(v),
    }
}

/// 1234 → "1.23k", 2_500_000 → "2.5M", 12 → "12".
pub fn abbreviate(v: f64) -> String {
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    let (x, suffix) = if a >= 1e9 {
        (a / 1e9, "bn")
    } else if a >= 1e6 {
        (a / 1e6, "M")
    } else if a >= 1e3 {
        (a / 1e3, "k")
    } else {
        (a, "")
    };
    let mut s = format!("{:.*}", sig_decimals(x, 2), x);
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("{sign}{s}{suffix}")
}

/// "Nice" tick positions covering `[lo, hi]`: steps of 1, 2, 2.5 or 5 × 10ⁿ, about `target`
/// of them. Counts and years get steps of at least 1 (a quarter for year ranges under 2 years).
/// Returns the ticks and the step.
pub fn nice_ticks(unit: Unit, lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, lo + 0.5)
    };
    let raw = (hi - lo) / target.max(2) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let mut step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * 0.999)
        .unwrap_or(10.0 * mag);
    match unit {
        Unit::Count => step = step.max(1.0).round().max(1.0),
        Unit::Year => {
            step = if step <= 0.25 {
                0.25
            } else if step <= 0.5 {
                0.5
            } else {
                step.max(1.0).round()
            }
        }
        _ => {}
    }
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let ticks = (first..=last).map(|i| i as f64 * step).collect();
    (ticks, step)
}

/// `m × 10^k` computed so that powers of ten are exact (`10^-3` is `0.001`, not `0.0010…02`).
fn times_power_of_ten(m: f64, k: i32) -> f64 {
    if k >= 0 {
        m * 10f64.powi(k)
    } else {
        m / 10f64.powi(-k)
    }
}

/// The exponent of the largest power of ten at or below `v` (`v` > 0): 723,952 → 5.
fn decade(v: f64) -> i32 {
    let mut k = (v.log10().floor() as i32).clamp(-400, 400);
    // `log10` may land a hair off for values next to a power of ten.
    if times_power_of_ten(1.0, k + 1) <= v {
        k += 1;
    } else if times_power_of_ten(1.0, k) > v {
        k -= 1;
    }
    k
}

/// The largest power of ten at or below `v` (`v` > 0), e.g. 723,952 → 100,000.
pub fn power_of_ten_below(v: f64) -> f64 {
    times_power_of_ten(1.0, decade(v))
}

/// The smallest power of ten at or above `v` (`v` > 0), e.g. 40.5bn → 100bn.
pub fn power_of_ten_above(v: f64) -> f64 {
    let k = decade(v);
    if times_power_of_ten(1.0, k) >= v {
        times_power_of_ten(1.0, k)
    } else {
        times_power_of_ten(1.0, k + 1)
    }
}

/// The smallest of 1, 2 or 5 × 10ⁿ at or above `v` (`v` > 0), e.g. 40.5bn → 50bn.
pub fn nice_ceil(v: f64) -> f64 {
    let k = decade(v);
    [(1.0, k), (2.0, k), (5.0, k), (1.0, k + 1)]
        .iter()
        .map(|(m, k)| times_power_of_ten(*m, *k))
        .find(|t| *t >= v)
        .unwrap_or(times_power_of_ten(1.0, k + 1))
}

/// Tick positions of a logarithmic axis over `[lo, hi]` (both > 0): the powers of ten, with 2×
/// and 5× between them when the axis spans under 2.5 decades, and every second (third, ...)
/// power when it spans more than 9, so that there are at most about ten ticks. Empty for a range
/// that is not positive.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return Vec::new();
    }
    let decades = (hi / lo).log10();
    let mantissas: &[f64] = if decades < 2.5 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let every = if decades > 9.0 {
        (decades / 8.0).ceil() as i32
    } else {
        1
    };
    let (k0, k1) = (decade(lo), decade(hi));
    let mut ticks = Vec::new();
    for k in k0..=k1 {
        if k.rem_euclid(every) != 0 {
            continue;
        }
        for m in mantissas {
            let t = times_power_of_ten(*m, k);
            if t >= lo * (1.0 - 1e-9) && t <= hi * (1.0 + 1e-9) {
                ticks.push(t);
            }
        }
    }
    ticks
}

/// The label of one tick of a logarithmic axis of `unit`, in the same format as a linear axis
/// but with each tick on its own scale: 100k, 1M, 10M, 1bn; $500bn, $1tn; 0.1%, 1%, 10%.
pub fn format_log_tick(unit: Unit, v: f64) -> String {
    TickFormat::new(unit, v.abs(), v.abs()).format(v)
}

/// Formats tick labels on one axis of `unit`, using one scale for the whole axis (e.g. all
/// `$…tn` once the axis reaches $1,000bn) and as many decimals as the tick step needs.
#[derive(Debug, Clone, Copy)]
pub struct TickFormat {
    unit: Unit,
    /// Display value = raw / divisor.
    divisor: f64,
    decimals: usize,
    prefix: &'static str,
    suffix: &'static str,
}

impl TickFormat {
    /// A format for ticks `step` apart on an axis whose largest absolute value is `max_abs`.
    pub fn new(unit: Unit, max_abs: f64, step: f64) -> Self {
        let (divisor, prefix, suffix) = match unit {
            Unit::UsdBn if max_abs >= 1000.0 => (1000.0, "$", "tn"),
            Unit::UsdBn => (1.0, "$", "bn"),
            Unit::Usd if max_abs >= 1e6 => (1e6, "$", "M"),
            Unit::Usd if max_abs >= 1e4 => (1e3, "$", "k"),
            Unit::Usd => (1.0, "$", ""),
            Unit::Wspm | Unit::Wpm | Unit::H100e | Unit::Plain if max_abs >= 1e9 => (1e9, "", "bn"),
            Unit::Wspm | Unit::Wpm | Unit::H100e | Unit::Plain if max_abs >= 1e6 => (1e6, "", "M"),
            Unit::Wspm | Unit::Wpm | Unit::H100e | Unit::Plain if max_abs >= 1e3 => (1e3, "", "k"),
            Unit::Share | Unit::Rate => (0.01, "", "%"),
            Unit::Mw if max_abs >= 1000.0 => (1000.0, "", " GW"),
            Unit::Mw => (1.0, "", " MW"),
            Unit::Ratio => (1.0, "", "×"),
            _ => (1.0, "", ""),
        };
        let display_step = (step / divisor).abs();
        let decimals = if unit == Unit::Year || display_step <= 0.0 || !display_step.is_finite() {
            0
        } else {
            let mut d = 0;
            while d < 4
                && ((display_step * 10f64.powi(d as i32)).round()
                    - display_step * 10f64.powi(d as i32))
                .abs()
                    > 1e-6
            {
                d += 1;
            }
            d
        };
        TickFormat {
            unit,
            divisor,
            decimals,
            prefix,
            suffix,
        }
    }

    /// The label of one tick.
    pub fn format(&self, v: f64) -> String {
        if self.unit == Unit::Year {
            let frac = v - v.floor();
            return if frac.abs() < 1e-6 || (1.0 - frac).abs() < 1e-6 {
                format!("{}", v.round() as i64)
            } else {
                format_year_quarter(v)
            };
        }
        let x = v / self.divisor;
        if x.abs() < 1e-12 {
            return match self.unit {
                Unit::UsdBn | Unit::Usd => "$0".into(),
                Unit::Share | Unit::Rate => "0%".into(),
                _ => "0".into(),
            };
        }
        let body = if matches!(self.unit, Unit::Hhi | Unit::Count | Unit::Mw | Unit::Usd) {
            group_thousands(x.abs(), self.decimals)
        } else {
            format!("{:.*}", self.decimals, x.abs())
        };
        let neg = x < 0.0 && body.chars().any(|c| c.is_ascii_digit() && c != '0');
        format!(
            "{}{}{}{}",
            if neg { "-" } else { "" },
            self.prefix,
            body,
            self.suffix
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_from_names() {
        assert_eq!(unit_of("program_capex_cum_usd_bn"), Unit::UsdBn);
        assert_eq!(unit_of("program_capacity_wspm"), Unit::Wspm);
        assert_eq!(unit_of("program_packaging_capacity_wpm"), Unit::Wpm);
        assert_eq!(unit_of("tsmc_share_leading_edge"), Unit::Share);
        assert_eq!(unit_of("tsmc_share_2035"), Unit::Share);
        assert_eq!(unit_of("binding_money_share"), Unit::Share);
        assert_eq!(unit_of("first_output_year"), Unit::Year);
        assert_eq!(unit_of("euv_shipments_per_year"), Unit::Count);
        assert_eq!(unit_of("program_power_mw"), Unit::Mw);
        assert_eq!(unit_of("hhi_leading_edge"), Unit::Hhi);
        assert_eq!(unit_of("hhi_2035"), Unit::Hhi);
        assert_eq!(unit_of("d0_per_cm2"), Unit::PerCm2);
        assert_eq!(unit_of("fabs_completed_by_2030"), Unit::Count);
        assert_eq!(unit_of("program_fabs_operating"), Unit::Count);
        assert_eq!(unit_of("program_euv_tools"), Unit::Count);
        assert_eq!(unit_of("fabs_started"), Unit::Count);
        assert_eq!(unit_of("accelerators_supplied_h100e"), Unit::H100e);
        assert_eq!(unit_of("shortage_ratio"), Unit::Ratio);
        assert_eq!(unit_of("program_dscr"), Unit::Ratio);
        assert_eq!(unit_of("equity_irr"), Unit::Rate);
        assert_eq!(unit_of("program_npv_usd_bn"), Unit::UsdBn);
        assert_eq!(unit_of("something_else"), Unit::Plain);
        assert_eq!(unit_of("wafer_price_usd"), Unit::Usd);
        assert_eq!(unit_of("program_utilization"), Unit::Share);
        assert_eq!(unit_of("program_default_share"), Unit::Share);
        assert_eq!(unit_of("accelerator_price_index"), Unit::Ratio);
        assert_eq!(unit_of("program_staff"), Unit::Count);
        assert_eq!(format_value("wafer_price_usd", 18250.0), "$18,250");
        assert_eq!(
            TickFormat::new(Unit::Usd, 30_000.0, 5_000.0).format(15_000.0),
            "$15k"
        );
    }

    #[test]
    fn values() {
        assert_eq!(format_value("total_raised_usd_bn", 6543.0), "$6.54tn");
        assert_eq!(format_value("total_raised_usd_bn", 512.3), "$512bn");
        assert_eq!(format_value("total_raised_usd_bn", 45.25), "$45.2bn");
        assert_eq!(format_value("total_raised_usd_bn", -45.25), "-$45.2bn");
        assert_eq!(
            format_value("program_capacity_wspm", 512_300.0),
            "512k wspm"
        );
        assert_eq!(
            format_value("program_capacity_wspm", 1_250_000.0),
            "1.25M wspm"
        );
        assert_eq!(format_value("tsmc_share_2035", 0.4531), "45.3%");
        assert_eq!(format_value("first_output_year", 2027.25), "2027 Q2");
        assert_eq!(format_value("first_output_year", 2027.0), "2027 Q1");
        assert_eq!(format_value("first_output_year", 2027.99), "2027 Q4");
        assert_eq!(format_value("program_power_mw", 1234.0), "1.23 GW");
        assert_eq!(format_value("program_power_mw", 850.0), "850 MW");
        assert_eq!(format_value("hhi_2035", 2450.4), "2,450");
        assert_eq!(format_value("fabs_completed", 123.0), "123");
        assert_eq!(format_value("fabs_completed", 12345.5), "12,345.5");
        assert_eq!(format_value("shortage_ratio", 1.234), "1.23×");
        assert_eq!(format_value("x", f64::NAN), "–");
    }

    #[test]
    fn ticks() {
        let (t, step) = nice_ticks(Unit::UsdBn, 0.0, 7000.0, 7);
        assert_eq!(step, 1000.0);
        assert_eq!(t.len(), 8);
        let f = TickFormat::new(Unit::UsdBn, 7000.0, step);
        assert_eq!(f.format(2000.0), "$2tn");
        let f = TickFormat::new(Unit::UsdBn, 3000.0, 500.0);
        assert_eq!(f.format(1500.0), "$1.5tn");
        assert_eq!(f.format(0.0), "$0");
        let f = TickFormat::new(Unit::UsdBn, 800.0, 200.0);
        assert_eq!(f.format(400.0), "$400bn");
        let f = TickFormat::new(Unit::Wspm, 900_000.0, 200_000.0);
        assert_eq!(f.format(400_000.0), "400k");
        let f = TickFormat::new(Unit::Share, 1.0, 0.2);
        assert_eq!(f.format(0.4), "40%");
        let f = TickFormat::new(Unit::Hhi, 5000.0, 1000.0);
        assert_eq!(f.format(3000.0), "3,000");
        let f = TickFormat::new(Unit::Year, 2040.0, 2.0);
        assert_eq!(f.format(2030.0), "2030");
        let (t, _) = nice_ticks(Unit::Count, 0.0, 3.0, 8);
        assert_eq!(t, vec![0.0, 1.0, 2.0, 3.0]);
        let (_, s) = nice_ticks(Unit::Year, 2027.0, 2027.8, 8);
        assert_eq!(s, 0.25);
    }

    #[test]
    fn log_axis_ticks() {
        assert_eq!(power_of_ten_below(723_952.0), 100_000.0);
        assert_eq!(power_of_ten_below(1e6), 1e6);
        assert_eq!(power_of_ten_below(0.0042), 0.001);
        assert_eq!(nice_ceil(40.5e9), 50e9);
        assert_eq!(nice_ceil(1e9), 1e9);
        assert_eq!(nice_ceil(1.2), 2.0);
        assert_eq!(nice_ceil(0.3), 0.5);
        assert_eq!(power_of_ten_above(40.5e9), 1e11);
        assert_eq!(power_of_ten_above(1e9), 1e9);
        assert_eq!(power_of_ten_above(0.0042), 0.01);
        let t = log_ticks(1e5, 5e10);
        assert_eq!(t, vec![1e5, 1e6, 1e7, 1e8, 1e9, 1e10]);
        let labels: Vec<String> = t.iter().map(|v| format_log_tick(Unit::H100e, *v)).collect();
        assert_eq!(labels, ["100k", "1M", "10M", "100M", "1bn", "10bn"]);
        // A small range gets 2× and 5× too.
        assert_eq!(
            log_ticks(0.01, 1.0),
            vec![0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
        );
        let l: Vec<String> = log_ticks(0.01, 1.0)
            .iter()
            .map(|v| format_log_tick(Unit::UsdBn, *v))
            .collect();
        assert_eq!(l[0], "$0.01bn");
        assert_eq!(l[6], "$1bn");
        assert_eq!(format_log_tick(Unit::UsdBn, 1000.0), "$1tn");
        assert_eq!(format_log_tick(Unit::Share, 0.001), "0.1%");
        assert_eq!(format_log_tick(Unit::Count, 10_000.0), "10,000");
        // A huge range labels every second power.
        let t = log_ticks(1e-3, 1e15);
        assert!(t.len() <= 10, "{t:?}");
        assert!(t.contains(&1.0));
        assert!(log_ticks(0.0, 1.0).is_empty());
        assert!(log_ticks(5.0, 5.0).is_empty());
        assert!(log_ticks(1.0, f64::INFINITY).is_empty());
    }

    #[test]
    fn labels() {
        assert_eq!(metric_label("program_capex_cum_usd_bn"), "Cumulative capex");
        assert_eq!(metric_label("binding_euv_share"), "Binding: EUV tools");
        assert_eq!(
            metric_label("raised_anchor_customer_usd_bn"),
            "Raised: Anchor customer"
        );
        assert_eq!(metric_label("new_thing_usd_bn"), "New thing");
        assert_eq!(
            axis_label("program_capacity_wspm"),
            "Wafer starts per month (wspm)"
        );
        assert_eq!(group_thousands(-1234567.891, 2), "-1,234,567.89");
        assert_eq!(group_thousands(-0.0001, 0), "0");
    }
}
