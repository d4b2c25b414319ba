//! Small pure formulas of the build-out model, each with its equation and source. The trial
//! loop in [`crate::model::trial`] composes them; unit tests here check them by hand.

/// EUV shipments per year approach a ceiling geometrically:
/// `S(y) = C − (C − S₀)·(1 − k)^y`, with `S₀` the start-year shipments (ASML: ~53 in 2023),
/// `C` the ceiling (ASML's stated ambition of ~90 a year) and `k` the share of the remaining gap
/// closed each year. `y` is years since the window start (fractional). If `S₀ > C` shipments
/// decline toward `C` the same way.
pub fn euv_shipments_per_year(s0: f64, ceiling: f64, k: f64, years: f64) -> f64 {
    ceiling - (ceiling - s0) * (1.0 - k).powf(years)
}

/// Compound growth of incumbents' leading-edge capacity: `K(y) = K₀·(1 + g)^y`.
pub fn compound(k0: f64, g: f64, years: f64) -> f64 {
    k0 * (1.0 + g).powf(years)
}

/// Compound growth whose rate converges from a near-term rate to a long-run rate (packaging and
/// HBM capacity). With continuous rates `r₀ = ln(1 + g₀)` (initial) and `r∞ = ln(1 + g∞)` (long
/// run), the instantaneous rate `r(t) = r∞ + (r₀ − r∞)·e^(−t/τ)` integrates to
///
/// `K(t) = K₀ · exp(r∞·t + (r₀ − r∞)·τ·(1 − e^(−t/τ)))`,
///
/// `t` in years, `τ` the convergence time in years. `τ = 0` means no near-term phase and gives
/// exactly [`compound`]`(K₀, g∞, t)`; with `g₀ = g∞` the result equals it to rounding. Needs
/// `g₀, g∞ > −1` and `τ ≥ 0`.
pub fn compound_converging(k0: f64, g_initial: f64, g_long: f64, tau: f64, years: f64) -> f64 {
    if tau == 0.0 {
        return compound(k0, g_long, years);
    }
    let r_long = g_long.ln_1p();
    let r_initial = g_initial.ln_1p();
    // τ·(1 − e^(−t/τ)), with expm1 for accuracy when t ≪ τ.
    let near_term_years = -tau * (-years / tau).exp_m1();
    k0 * (r_long * years + (r_initial - r_long) * near_term_years).exp()
}

/// Months to whole quarters for durations that must last at least one quarter:
/// `max(1, round(months / 3))`.
pub fn months_to_quarters(months: f64) -> u32 {
    ((months / 3.0).round()).clamp(1.0, 100_000.0) as u32
}

/// Months to whole quarters, allowing zero: `round(months / 3)`.
pub fn months_to_quarters_or_zero(months: f64) -> u32 {
    ((months / 3.0).round()).clamp(0.0, 100_000.0) as u32
}

/// Linear ramp to nominal capacity: in its `a`-th operating quarter (a = 0 first) a fab with a
/// ramp of `R` quarters runs at `min(1, (a + 1)/R)` of nominal; `R = 0` means full at once.
/// (Industry rule of thumb: 6–12 months from first output to high volume; CALIBRATION.md,
/// "Yield, dies, packaging units".)
pub fn ramp_fraction(age_quarters: u32, ramp_quarters: u32) -> f64 {
    if ramp_quarters == 0 {
        1.0
    } else {
        ((age_quarters + 1) as f64 / ramp_quarters as f64).min(1.0)
    }
}

/// Learning curve of defect density: `D₀(t) = D_m + (D_i − D_m)·exp(−t/τ)`, t months since first
/// output, τ the learning time constant. Calibrated to N5: ~0.10–0.11/cm² at volume start falling
/// to ~0.06 a year later (AnandTech 2020, CALIBRATION.md).
pub fn defect_density(d_initial: f64, d_mature: f64, age_months: f64, tau_months: f64) -> f64 {
    d_mature + (d_initial - d_mature) * (-age_months / tau_months).exp()
}

/// Herfindahl–Hirschman index in points: `HHI = 10 000 · Σ sᵢ²` with shares sᵢ summing to 1
/// (US DOJ/FTC Horizontal Merger Guidelines). Zero when total is zero.
pub fn hhi(capacities: &[f64]) -> f64 {
    let total: f64 = capacities.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    10_000.0 * capacities.iter().map(|c| (c / total).powi(2)).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euv_path_starts_at_s0_and_approaches_ceiling() {
        assert_eq!(euv_shipments_per_year(53.0, 90.0, 0.2, 0.0), 53.0);
        // one year: 90 − 37·0.8 = 60.4
        assert!((euv_shipments_per_year(53.0, 90.0, 0.2, 1.0) - 60.4).abs() < 1e-12);
        assert!((euv_shipments_per_year(53.0, 90.0, 0.2, 200.0) - 90.0).abs() < 1e-9);
    }

    #[test]
    fn ramp_and_quarters() {
        assert_eq!(months_to_quarters(30.0), 10);
        assert_eq!(months_to_quarters(1.0), 1);
        assert_eq!(months_to_quarters(19.0), 6); // 6.33 → 6
        assert_eq!(months_to_quarters_or_zero(1.0), 0);
        assert_eq!(ramp_fraction(0, 4), 0.25);
        assert_eq!(ramp_fraction(3, 4), 1.0);
        assert_eq!(ramp_fraction(9, 4), 1.0);
        assert_eq!(ramp_fraction(0, 0), 1.0);
    }

    #[test]
    fn defect_density_learning() {
        assert_eq!(defect_density(0.11, 0.06, 0.0, 6.0), 0.11);
        let d = defect_density(0.11, 0.06, 6.0, 6.0);
        assert!((d - (0.06 + 0.05 / std::f64::consts::E)).abs() < 1e-15);
    }

    #[test]
    fn converging_growth_by_hand() {
        // τ = 0: exactly the compound path.
        assert_eq!(
            compound_converging(100.0, 1.0, 0.1, 0.0, 2.0),
            compound(100.0, 0.1, 2.0)
        );
        assert_eq!(compound_converging(100.0, 1.0, 0.1, 0.0, 0.0), 100.0);
        // t = 0: K₀ whatever the rates.
        assert_eq!(compound_converging(100.0, 1.0, 0.25, 2.0, 0.0), 100.0);
        // g₀ = g∞: the compound path to rounding, for any τ.
        for &(g, tau, t) in &[(0.25, 2.0, 1.0), (0.1, 0.5, 7.25), (-0.2, 3.0, 4.5)] {
            let a = compound_converging(13_000.0, g, g, tau, t);
            let b = compound(13_000.0, g, t);
            assert!((a / b - 1.0).abs() < 1e-14, "{a} vs {b}");
        }
        // g₀ = 3 (r₀ = ln 4), g∞ = 0 (r∞ = 0), τ = 1, t = 1:
        // exponent = ln 4 · 1 · (1 − e⁻¹) = 1.386294 × 0.632121 = 0.876305 → K = 100 · 2.402008.
        let k = compound_converging(100.0, 3.0, 0.0, 1.0, 1.0);
        assert!((k - 240.2008).abs() < 1e-3, "{k}");
        // g₀ = 1 (r₀ = ln 2 = 0.693147), g∞ = 0.25 (r∞ = ln 1.25 = 0.223144), τ = 2, t = 1:
        // exponent = 0.223144 + 0.470004 · 2 · (1 − e^(−0.5)) = 0.223144 + 0.940007 × 0.393469
        // = 0.223144 + 0.369864 = 0.593008 → K = 100 · e^0.593008 = 180.942.
        let k = compound_converging(100.0, 1.0, 0.25, 2.0, 1.0);
        assert!((k - 180.942).abs() < 1e-3, "{k}");
        // Long after τ the growth is r∞ again: K(t + 1) / K(t) → 1 + g∞.
        let ratio = compound_converging(100.0, 1.0, 0.25, 2.0, 41.0)
            / compound_converging(100.0, 1.0, 0.25, 2.0, 40.0);
        assert!((ratio - 1.25).abs() < 1e-8, "{ratio}");
        // and the level ends up e^((r₀ − r∞)·τ) = (2 / 1.25)² = 2.56 times the long-run path.
        let lift = compound_converging(100.0, 1.0, 0.25, 2.0, 60.0) / compound(100.0, 0.25, 60.0);
        assert!((lift - 2.56).abs() < 1e-6, "{lift}");
    }

    #[test]
    fn hhi_by_hand() {
        // shares 0.6, 0.3, 0.1 → 3600 + 900 + 100 = 4600
        assert!((hhi(&[60.0, 30.0, 10.0]) - 4600.0).abs() < 1e-9);
        assert_eq!(hhi(&[5.0]), 10_000.0);
        assert_eq!(hhi(&[0.0, 0.0]), 0.0);
        assert!((compound(100.0, 0.1, 2.0) - 121.0).abs() < 1e-12);
    }
}
