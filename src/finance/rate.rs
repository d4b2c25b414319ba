//! The base interest rate: a mean-reverting path with an optional shock.

/// One quarterly step of a discretised Ornstein–Uhlenbeck (Vasicek) process:
/// `r' = r + κ(θ − r)Δt + σ√Δt·ε`, with `Δt = 1/4` year and `ε ~ N(0, 1)` (Vasicek 1977; Euler
/// scheme). Rates are annual, as fractions.
pub fn vasicek_step(r: f64, theta: f64, kappa: f64, sigma: f64, eps: f64) -> f64 {
    const DT: f64 = 0.25;
    r + kappa * (theta - r) * DT + sigma * DT.sqrt() * eps
}

/// Probability that an event with yearly probability `p` happens in a given quarter, for
/// independent quarters: `1 − (1 − p)^(1/4)`.
pub fn quarterly_probability(p_per_year: f64) -> f64 {
    1.0 - (1.0 - p_per_year.clamp(0.0, 1.0)).powf(0.25)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_reverts_toward_the_mean() {
        // κ = 0.4, from 5% toward 3% without noise: 5 + 0.4·(3 − 5)·0.25 = 4.8%
        assert!((vasicek_step(0.05, 0.03, 0.4, 0.01, 0.0) - 0.048).abs() < 1e-15);
        // σ√Δt·ε with σ = 1%, ε = 2: +1%
        assert!((vasicek_step(0.03, 0.03, 0.4, 0.01, 2.0) - 0.04).abs() < 1e-15);
    }

    #[test]
    fn quarterly_probability_compounds() {
        let q = quarterly_probability(0.2);
        assert!(((1.0 - q).powi(4) - 0.8).abs() < 1e-15);
        assert_eq!(quarterly_probability(0.0), 0.0);
        assert_eq!(quarterly_probability(1.0), 1.0);
    }
}
