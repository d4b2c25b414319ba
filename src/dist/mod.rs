//! Uncertain scenario numbers: every number in a scenario file may be a probability distribution.
//!
//! [`parse_dist`] turns the scenario notation below into a [`Dist`]; [`Dist::sample`] draws one
//! value (no allocation, no panic, bounded work); [`Dist::mean`] and [`Dist::support`] give the
//! analytic mean and the range of possible values. [`normal_cdf`] and [`normal_quantile`] are the
//! standard normal Φ and Φ⁻¹, shared with the rest of the crate.
//!
//! # Notation
//!
//! Numbers may be written as TOML integers or floats; every number must be finite.
//!
//! | Written as | Distribution |
//! |---|---|
//! | `5000`, `0.25` | fixed value |
//! | `"15 to 30"` | lognormal whose 5th and 95th percentiles are 15 and 30 |
//! | `{ uniform = [lo, hi] }` | uniform on [lo, hi] |
//! | `{ triangular = [min, mode, max] }` | triangular |
//! | `{ pert = [min, mode, max] }`, optional `lambda = 4` | (modified) PERT |
//! | `{ normal = [mean, sd] }`, optional `min =`, `max =` | normal, optionally truncated |
//! | `{ lognormal = [mean, sd] }` | lognormal with this mean and sd (of the value itself) |
//! | `{ beta = [alpha, beta] }`, optional `min = 0`, `max = 1` | beta, scaled to [min, max] |
//! | `{ bernoulli = p }` | 1 with probability p, else 0 |
//! | `{ choice = [v1, v2, ...] }`, optional `weights = [w1, w2, ...]` | one of the values |
//! | `{ samples = [x1, x2, ...] }` | one of the samples, each equally likely |
//!
//! The key names below are illustrative.
//!
//! ```toml
//! # Fixed: a plain number (integer or float).
//! nominal_capacity_wspm = 50000
//! tsmc_operated_share = 0.6
//!
//! # A 90% interval, Squiggle's `a to b`: a lognormal with P(X < 15) = 5% and P(X < 30) = 95%,
//! # i.e. mu = (ln 15 + ln 30)/2 and sigma = (ln 30 − ln 15)/(2 × 1.6448536269514722).
//! # Both bounds must be positive and the first below the second. Spaces around `to` are free,
//! # `to` may be in any case, and the numbers may use exponents or underscores ("1e3 to 2_500").
//! construction_months = "30 to 48"
//!
//! # Uniform on [lo, hi] (lo ≤ hi).
//! honoured_share = { uniform = [0.5, 0.9] }
//!
//! # Triangular with min ≤ mode ≤ max.
//! ramp_months = { triangular = [12, 18, 30] }
//!
//! # PERT (Vose): a beta on [min, max] with mean (min + lambda·mode + max)/(lambda + 2);
//! # lambda (> 0, default 4) sets how strongly it peaks at the mode.
//! capex_usd_bn_per_kwspm = { pert = [0.6, 0.8, 1.4] }
//! overrun_share = { pert = [0.0, 0.1, 0.8], lambda = 3 }
//!
//! # Normal with mean and sd (sd > 0), optionally truncated (a true truncation: the density is
//! # renormalised on [min, max], values are not clamped). `min`, `max` or both; min < max.
//! demand_growth_share = { normal = [0.30, 0.10] }
//! base_rate_share = { normal = [0.04, 0.015], min = 0.0 }
//! utilisation_share = { normal = [0.85, 0.1], min = 0.0, max = 1.0 }
//!
//! # Lognormal given the mean and sd of the value itself (mean > 0, sd > 0); internally
//! # sigma² = ln(1 + sd²/mean²) and mu = ln(mean) − sigma²/2.
//! fab_cost_usd_bn = { lognormal = [25, 8] }
//!
//! # Beta(alpha, beta), alpha > 0 and beta > 0, on [0, 1] or scaled to [min, max] (min ≤ max).
//! yield_share = { beta = [8, 2] }
//! d0_per_cm2 = { beta = [2, 5], min = 0.05, max = 0.5 }
//!
//! # Bernoulli: 1 with probability p (0 ≤ p ≤ 1), otherwise 0.
//! partner_exits = { bernoulli = 0.15 }
//!
//! # Discrete choice among values; weights are optional (equal when absent), must be ≥ 0, not all
//! # zero, one per value. They need not sum to one.
//! euv_tools_per_fab = { choice = [15, 20, 25], weights = [1, 2, 1] }
//!
//! # Empirical: one of the listed samples, each equally likely (repeat a value to weight it).
//! tools_shipped_per_year = { samples = [42, 40, 53, 44] }
//! ```
//!
//! Anything else is an error naming the file position, the key, what was expected and what was
//! found: unknown keys (with a "did you mean"), two distribution kinds in one table, a modifier
//! that does not belong to the kind (`lambda` is for `pert`; `min`/`max` for `normal` and
//! `beta`; `weights` for `choice`), wrong array lengths, out-of-order parameters, and
//! non-finite numbers.

mod normal;
mod parse;
#[cfg(test)]
mod tests;

pub use normal::{normal_cdf, normal_quantile};
pub use parse::{parse_dist, KINDS};

use normal::{clamp, truncated_std_normal, truncated_std_normal_mean};
use rand::distr::Open01;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

/// z₀.₉₅ = Φ⁻¹(0.95): a "to" interval spans μ ± 1.6448536269514722·σ on the log scale.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// One uncertain number. Build it with [`parse_dist`] (or the constructors below, which apply
/// the same validation); [`Dist::validate`] checks a value built by hand.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Always this value.
    Fixed(f64),
    /// Uniform on [lo, hi].
    Uniform { lo: f64, hi: f64 },
    /// Triangular on [min, max] with its peak at `mode`.
    Triangular { min: f64, mode: f64, max: f64 },
    /// PERT on [min, max] with most likely value `mode`; `lambda` (default 4) is the weight of
    /// the mode in the mean (min + λ·mode + max)/(λ + 2).
    Pert {
        min: f64,
        mode: f64,
        max: f64,
        lambda: f64,
    },
    /// Normal(mean, sd²), truncated to [min, max] when either bound is given (the density is
    /// renormalised on the interval: values are never clamped).
    Normal {
        mean: f64,
        sd: f64,
        min: Option<f64>,
        max: Option<f64>,
    },
    /// exp(Normal(mu, sigma²)): `mu` and `sigma` are the mean and sd of ln X.
    LogNormal { mu: f64, sigma: f64 },
    /// min + (max − min)·Beta(alpha, beta).
    Beta {
        alpha: f64,
        beta: f64,
        min: f64,
        max: f64,
    },
    /// 1.0 with probability p, else 0.0.
    Bernoulli { p: f64 },
    /// `values[i]` with probability proportional to its weight. `cumulative_weights[i]` is the
    /// sum of the weights of values 0..=i; [`parse_dist`] normalises them so the last is 1.
    Choice {
        values: Vec<f64>,
        cumulative_weights: Vec<f64>,
    },
    /// One of `samples`, each with probability 1/len.
    Empirical { samples: Vec<f64> },
}

impl Dist {
    /// Draws one value.
    ///
    /// Methods (each exact for its distribution, with bounded work except the rejection
    /// samplers inside `rand_distr`'s Beta, whose expected number of trials is bounded):
    /// - uniform: lo + u·(hi − lo), u ~ U[0, 1);
    /// - triangular: inverse CDF, see `triangular_unit`;
    /// - PERT: min + (max − min)·Beta(α, β) with α, β from `pert_shape`; beta by Cheng (1978,
    ///   "Generating beta variates with nonintegral shape parameters", *CACM* 21(4))
    ///   via `rand_distr::Beta`;
    /// - normal: mean + sd·Z, Z from `rand_distr::StandardNormal` (ziggurat); truncated: inverse
    ///   CDF on [Φ(a), Φ(b)], computed in the nearer tail (see `normal::truncated_std_normal`);
    /// - lognormal: exp(mu + sigma·Z);
    /// - bernoulli: 1 if u < p; choice: the first i with `cumulative_weights[i] > u·total`;
    ///   empirical: a uniformly drawn index.
    ///
    /// Degenerate distributions (zero width, sd = 0, one value) return their constant. A value
    /// built by hand with parameters that [`Dist::validate`] rejects gives NaN (or a bound), never
    /// a panic.
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Fixed(x) => *x,
            Dist::Uniform { lo, hi } => {
                if lo == hi {
                    return *lo;
                }
                lerp(*lo, *hi, rng.random::<f64>())
            }
            Dist::Triangular { min, mode, max } => {
                if min == max {
                    return *min;
                }
                let h = unit_position(*min, *mode, *max);
                lerp(*min, *max, triangular_unit(h, rng.random::<f64>()))
            }
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => {
                if min == max {
                    return *min;
                }
                let (alpha, beta) = pert_shape(*min, *mode, *max, *lambda);
                match rand_distr::Beta::new(alpha, beta) {
                    Ok(b) => lerp(*min, *max, b.sample(rng)),
                    Err(_) => f64::NAN,
                }
            }
            Dist::Normal { mean, sd, min, max } => {
                let (lo, hi) = (
                    min.unwrap_or(f64::NEG_INFINITY),
                    max.unwrap_or(f64::INFINITY),
                );
                if sd.is_nan() || *sd <= 0.0 || sd.is_infinite() {
                    return clamp(*mean, lo, hi);
                }
                if min.is_none() && max.is_none() {
                    let z: f64 = StandardNormal.sample(rng);
                    return mean + sd * z;
                }
                if lo >= hi {
                    return if lo == hi { lo } else { f64::NAN };
                }
                let a = (lo - mean) / sd;
                let b = (hi - mean) / sd;
                let u: f64 = rng.sample(Open01);
                clamp(mean + sd * truncated_std_normal(a, b, u), lo, hi)
            }
            Dist::LogNormal { mu, sigma } => {
                if *sigma == 0.0 {
                    return mu.exp();
                }
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => {
                if min == max {
                    return *min;
                }
                match rand_distr::Beta::new(*alpha, *beta) {
                    Ok(b) => lerp(*min, *max, b.sample(rng)),
                    Err(_) => f64::NAN,
                }
            }
            Dist::Bernoulli { p } => {
                if rng.random::<f64>() < *p {
                    1.0
                } else {
                    0.0
                }
            }
            Dist::Choice {
                values,
                cumulative_weights,
            } => {
                let n = values.len().min(cumulative_weights.len());
                if n == 0 {
                    return f64::NAN;
                }
                if n == 1 {
                    return values[0];
                }
                let target = rng.random::<f64>() * cumulative_weights[n - 1];
                let i = cumulative_weights[..n].partition_point(|&c| c <= target);
                values[i.min(n - 1)]
            }
            Dist::Empirical { samples } => match samples.len() {
                0 => f64::NAN,
                1 => samples[0],
                n => samples[rng.random_range(0..n)],
            },
        }
    }

    /// True when every draw gives the same value: `Fixed`, and degenerate cases such as a
    /// uniform with lo == hi, sd = 0, p ∈ {0, 1}, or a choice/sample list with one distinct value.
    pub fn is_fixed(&self) -> bool {
        match self {
            Dist::Fixed(_) => true,
            Dist::Uniform { lo, hi } => lo == hi,
            Dist::Triangular { min, max, .. } | Dist::Pert { min, max, .. } => min == max,
            Dist::Normal { sd, min, max, .. } => {
                *sd == 0.0 || matches!((min, max), (Some(a), Some(b)) if a == b)
            }
            Dist::LogNormal { sigma, .. } => *sigma == 0.0,
            Dist::Beta { min, max, .. } => min == max,
            Dist::Bernoulli { p } => *p == 0.0 || *p == 1.0,
            Dist::Choice { .. } | Dist::Empirical { .. } => {
                let (lo, hi) = self.support();
                lo == hi
            }
        }
    }

    /// The analytic mean:
    /// - uniform (lo + hi)/2; triangular (min + mode + max)/3;
    /// - PERT (min + λ·mode + max)/(λ + 2) (Vose 2008, *Risk Analysis: A Quantitative Guide*, 3rd ed.,
    ///   appendix III, "PERT");
    /// - normal: mean; truncated to [a, b] in standard units: mean + sd·(φ(a) − φ(b))/(Φ(b) − Φ(a))
    ///   (Johnson, Kotz & Balakrishnan 1994, *Continuous Univariate Distributions*, vol. 1,
    ///   2nd ed., ch. 13, truncated normal);
    /// - lognormal exp(mu + sigma²/2); beta min + (max − min)·α/(α + β); bernoulli p;
    /// - choice Σ wᵢvᵢ/Σ wᵢ; empirical the sample average.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(x) => *x,
            Dist::Uniform { lo, hi } => lerp(*lo, *hi, 0.5),
            Dist::Triangular { min, mode, max } => min / 3.0 + mode / 3.0 + max / 3.0,
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => (min + lambda * mode + max) / (lambda + 2.0),
            Dist::Normal { mean, sd, min, max } => {
                let (lo, hi) = (
                    min.unwrap_or(f64::NEG_INFINITY),
                    max.unwrap_or(f64::INFINITY),
                );
                if (min.is_none() && max.is_none()) || *sd == 0.0 {
                    return clamp(*mean, lo, hi);
                }
                let a = (lo - mean) / sd;
                let b = (hi - mean) / sd;
                clamp(mean + sd * truncated_std_normal_mean(a, b), lo, hi)
            }
            Dist::LogNormal { mu, sigma } => (mu + 0.5 * sigma * sigma).exp(),
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => lerp(*min, *max, alpha / (alpha + beta)),
            Dist::Bernoulli { p } => *p,
            Dist::Choice {
                values,
                cumulative_weights,
            } => {
                let n = values.len().min(cumulative_weights.len());
                if n == 0 {
                    return f64::NAN;
                }
                let mut prev = 0.0;
                let mut sum = 0.0;
                for (v, c) in values.iter().zip(cumulative_weights).take(n) {
                    sum += v * (c - prev);
                    prev = *c;
                }
                sum / cumulative_weights[n - 1]
            }
            Dist::Empirical { samples } => samples.iter().sum::<f64>() / samples.len() as f64,
        }
    }

    /// The smallest and largest values a draw can take (±∞ for unbounded tails; the bounds of
    /// open supports, such as 0 for a lognormal, are included).
    pub fn support(&self) -> (f64, f64) {
        match self {
            Dist::Fixed(x) => (*x, *x),
            Dist::Uniform { lo, hi } => (*lo, *hi),
            Dist::Triangular { min, max, .. }
            | Dist::Pert { min, max, .. }
            | Dist::Beta { min, max, .. } => (*min, *max),
            Dist::Normal { mean, sd, min, max } => {
                let lo = min.unwrap_or(f64::NEG_INFINITY);
                let hi = max.unwrap_or(f64::INFINITY);
                if *sd == 0.0 {
                    let m = clamp(*mean, lo, hi);
                    (m, m)
                } else {
                    (lo, hi)
                }
            }
            Dist::LogNormal { mu, sigma } => {
                if *sigma == 0.0 {
                    (mu.exp(), mu.exp())
                } else {
                    (0.0, f64::INFINITY)
                }
            }
            Dist::Bernoulli { p } => {
                if *p <= 0.0 {
                    (0.0, 0.0)
                } else if *p >= 1.0 {
                    (1.0, 1.0)
                } else {
                    (0.0, 1.0)
                }
            }
            Dist::Choice {
                values,
                cumulative_weights,
            } => {
                let mut prev = 0.0;
                let mut range = (f64::INFINITY, f64::NEG_INFINITY);
                for (v, c) in values.iter().zip(cumulative_weights) {
                    if *c > prev {
                        range = (range.0.min(*v), range.1.max(*v));
                    }
                    prev = *c;
                }
                if range.0 > range.1 {
                    (f64::NAN, f64::NAN)
                } else {
                    range
                }
            }
            Dist::Empirical { samples } => {
                if samples.is_empty() {
                    return (f64::NAN, f64::NAN);
                }
                samples
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                        (lo.min(x), hi.max(x))
                    })
            }
        }
    }

    /// Checks the invariants that [`parse_dist`] enforces, for a `Dist` built in code; the
    /// message says what is wrong. All numbers must be finite (the optional truncation bounds of
    /// a normal too).
    pub fn validate(&self) -> Result<(), String> {
        fn finite(names: &str, xs: &[f64]) -> Result<(), String> {
            if xs.iter().all(|x| x.is_finite()) {
                Ok(())
            } else {
                Err(format!("{names} must be finite numbers, found {xs:?}"))
            }
        }
        match self {
            Dist::Fixed(x) => finite("the value", &[*x]),
            Dist::Uniform { lo, hi } => {
                finite("lo, hi", &[*lo, *hi])?;
                order(&[("lo", *lo), ("hi", *hi)])
            }
            Dist::Triangular { min, mode, max } => {
                finite("min, mode, max", &[*min, *mode, *max])?;
                order(&[("min", *min), ("mode", *mode), ("max", *max)])
            }
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => {
                finite("min, mode, max, lambda", &[*min, *mode, *max, *lambda])?;
                order(&[("min", *min), ("mode", *mode), ("max", *max)])?;
                positive("lambda", *lambda)
            }
            Dist::Normal { mean, sd, min, max } => {
                finite("mean, sd", &[*mean, *sd])?;
                positive("sd", *sd)?;
                for (name, b) in [("min", min), ("max", max)] {
                    if let Some(b) = b {
                        finite(name, &[*b])?;
                    }
                }
                match (min, max) {
                    (Some(a), Some(b)) if a >= b => Err(format!(
                        "the truncation needs min < max, found min = {a}, max = {b}"
                    )),
                    _ => Ok(()),
                }
            }
            Dist::LogNormal { mu, sigma } => {
                finite("mu, sigma", &[*mu, *sigma])?;
                if *sigma < 0.0 {
                    return Err(format!("sigma must be ≥ 0, found {sigma}"));
                }
                Ok(())
            }
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => {
                finite("alpha, beta, min, max", &[*alpha, *beta, *min, *max])?;
                positive("alpha", *alpha)?;
                positive("beta", *beta)?;
                order(&[("min", *min), ("max", *max)])
            }
            Dist::Bernoulli { p } => {
                if (0.0..=1.0).contains(p) {
                    Ok(())
                } else {
                    Err(format!("p must be in [0, 1], found {p}"))
                }
            }
            Dist::Choice {
                values,
                cumulative_weights,
            } => {
                if values.is_empty() {
                    return Err("a choice needs at least one value".into());
                }
                if values.len() != cumulative_weights.len() {
                    return Err(format!(
                        "{} values but {} cumulative weights",
                        values.len(),
                        cumulative_weights.len()
                    ));
                }
                finite("the values", values)?;
                finite("the cumulative weights", cumulative_weights)?;
                let mut prev = 0.0;
                for c in cumulative_weights {
                    if *c < prev {
                        return Err(format!(
                            "cumulative weights must not decrease, found {cumulative_weights:?}"
                        ));
                    }
                    prev = *c;
                }
                if prev > 0.0 {
                    Ok(())
                } else {
                    Err("the weights must not all be zero".into())
                }
            }
            Dist::Empirical { samples } => {
                if samples.is_empty() {
                    return Err("an empirical distribution needs at least one sample".into());
                }
                finite("the samples", samples)
            }
        }
    }

    /// The lognormal whose 5th and 95th percentiles are `lo` and `hi` (the `"lo to hi"`
    /// notation, as in Squiggle): ln X ~ Normal(mu, sigma²) with
    /// mu = (ln lo + ln hi)/2 and sigma = (ln hi − ln lo)/(2·z₀.₉₅), z₀.₉₅ = 1.6448536269514722.
    /// Requires 0 < lo < hi, both finite.
    pub fn lognormal_from_90ci(lo: f64, hi: f64) -> Result<Dist, String> {
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(format!("the bounds must be finite, found {lo} and {hi}"));
        }
        if lo <= 0.0 || hi <= 0.0 {
            return Err(format!(
                "a lognormal needs positive bounds, found {lo} and {hi}"
            ));
        }
        if lo >= hi {
            return Err(format!(
                "the lower bound must be below the upper bound, found {lo} and {hi}"
            ));
        }
        let (la, lb) = (lo.ln(), hi.ln());
        Ok(Dist::LogNormal {
            mu: 0.5 * (la + lb),
            sigma: (lb - la) / (2.0 * Z95),
        })
    }

    /// The lognormal with mean `mean` and standard deviation `sd` of X itself (method of
    /// moments; Johnson, Kotz & Balakrishnan 1994, *Continuous Univariate Distributions*, vol. 1,
    /// ch. 14, where E X = exp(mu + sigma²/2) and Var X = (exp(sigma²) − 1)·exp(2mu + sigma²)):
    /// sigma² = ln(1 + sd²/mean²), mu = ln(mean) − sigma²/2. Requires mean > 0 and sd > 0.
    pub fn lognormal_from_mean_sd(mean: f64, sd: f64) -> Result<Dist, String> {
        if !(mean.is_finite() && sd.is_finite()) {
            return Err(format!("mean and sd must be finite, found {mean} and {sd}"));
        }
        if mean <= 0.0 {
            return Err(format!("a lognormal needs mean > 0, found {mean}"));
        }
        if sd <= 0.0 {
            return Err(format!("sd must be > 0, found {sd}"));
        }
        let cv = sd / mean;
        // ln(1 + cv²), written to avoid overflowing cv² for absurdly large cv.
        let sigma2 = if cv > 1e150 {
            2.0 * (sd.ln() - mean.ln())
        } else {
            (cv * cv).ln_1p()
        };
        let d = Dist::LogNormal {
            mu: mean.ln() - 0.5 * sigma2,
            sigma: sigma2.sqrt(),
        };
        match d {
            Dist::LogNormal { mu, sigma } if mu.is_finite() && sigma.is_finite() && sigma > 0.0 => {
                Ok(d)
            }
            _ => Err(format!(
                "mean {mean} and sd {sd} are too extreme for a lognormal"
            )),
        }
    }

    /// A discrete choice among `values` with relative `weights` (`None`: equal weights). The
    /// weights must be finite, ≥ 0, not all zero and one per value; they are stored as
    /// cumulative sums normalised to end at exactly 1.
    pub fn choice(values: Vec<f64>, weights: Option<&[f64]>) -> Result<Dist, String> {
        if values.is_empty() {
            return Err("a choice needs at least one value".into());
        }
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(format!("the values must be finite, found {v}"));
        }
        let n = values.len();
        let mut cumulative_weights = Vec::with_capacity(n);
        let mut total = 0.0;
        match weights {
            None => {
                for i in 0..n {
                    cumulative_weights.push((i + 1) as f64 / n as f64);
                }
                total = 1.0;
            }
            Some(w) => {
                if w.len() != n {
                    return Err(format!(
                        "one weight per value is needed: {n} values but {} weights",
                        w.len()
                    ));
                }
                for &wi in w {
                    if !(wi.is_finite() && wi >= 0.0) {
                        return Err(format!("weights must be finite and ≥ 0, found {wi}"));
                    }
                    total += wi;
                    cumulative_weights.push(total);
                }
                if total.is_nan() || total <= 0.0 || total.is_infinite() {
                    return Err(format!(
                        "the weights must not all be zero and must have a finite sum, found total {total}"
                    ));
                }
            }
        }
        for c in &mut cumulative_weights {
            *c /= total;
        }
        // Exactly 1 at the end, whatever the rounding; trailing zero weights keep their 1 too.
        let last_positive = match weights {
            Some(w) => w.iter().rposition(|&x| x > 0.0).unwrap_or(n - 1),
            None => n - 1,
        };
        for c in &mut cumulative_weights[last_positive..] {
            *c = 1.0;
        }
        Ok(Dist::Choice {
            values,
            cumulative_weights,
        })
    }
}

/// PERT shape parameters (Vose 2008, *Risk Analysis: A Quantitative Guide*, 3rd ed., appendix III,
/// "PERT"; modified PERT with weight λ): α = 1 + λ·(mode − min)/(max − min),
/// β = 1 + λ·(max − mode)/(max − min), so X = min + (max − min)·Beta(α, β) has mean
/// (min + λ·mode + max)/(λ + 2).
pub(crate) fn pert_shape(min: f64, mode: f64, max: f64, lambda: f64) -> (f64, f64) {
    let h = unit_position(min, mode, max);
    (1.0 + lambda * h, 1.0 + lambda * (1.0 - h))
}

/// Where `mode` sits in [min, max] as a fraction h = (mode − min)/(max − min) ∈ [0, 1], computed
/// with halved operands so that it cannot overflow for bounds near ±f64::MAX.
fn unit_position(min: f64, mode: f64, max: f64) -> f64 {
    let h = (0.5 * mode - 0.5 * min) / (0.5 * max - 0.5 * min);
    if h.is_nan() {
        0.5
    } else {
        h.clamp(0.0, 1.0)
    }
}

/// Inverse CDF of the triangular distribution on [0, 1] with mode h (Kotz & van Dorp 2004,
/// *Beyond Beta*, ch. 1, eq. 1.14): for u < h, x = √(u·h); otherwise x = 1 − √((1 − u)(1 − h)).
/// The general case [min, max] is min + (max − min)·x.
pub(crate) fn triangular_unit(h: f64, u: f64) -> f64 {
    if u < h {
        (u * h).sqrt()
    } else {
        1.0 - ((1.0 - u) * (1.0 - h)).sqrt()
    }
}

/// lo + t·(hi − lo) for t ∈ [0, 1], kept inside [lo, hi] and free of overflow when hi − lo
/// exceeds f64::MAX.
fn lerp(lo: f64, hi: f64, t: f64) -> f64 {
    let w = hi - lo;
    let x = if w.is_finite() {
        lo + t * w
    } else {
        lo * (1.0 - t) + hi * t
    };
    clamp(x, lo, hi)
}

fn order(named: &[(&str, f64)]) -> Result<(), String> {
    for pair in named.windows(2) {
        let ((na, a), (nb, b)) = (pair[0], pair[1]);
        if a > b {
            return Err(format!("{na} ({a}) is greater than {nb} ({b})"));
        }
    }
    Ok(())
}

fn positive(name: &str, x: f64) -> Result<(), String> {
    if x > 0.0 {
        Ok(())
    } else {
        Err(format!("{name} must be > 0, found {x}"))
    }
}
