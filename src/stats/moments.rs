//! Exact streaming moments: count, mean, variance (via M2), min and max.
//!
//! # Equations
//!
//! Adding one value `x` (Welford 1962, in the form given by Knuth, TAOCP vol. 2, §4.2.2):
//!
//! ```text
//! n  ← n + 1
//! δ  = x − mean
//! mean ← mean + δ / n
//! M2 ← M2 + δ · (x − mean_new)
//! ```
//!
//! Merging two aggregates A and B (Chan, Golub & LeVeque 1979, "Updating formulae and a pairwise
//! algorithm for computing sample variances"):
//!
//! ```text
//! n    = n_A + n_B
//! δ    = mean_B − mean_A
//! mean = mean_A + δ · n_B / n
//! M2   = M2_A + M2_B + δ² · n_A · n_B / n
//! ```
//!
//! The sample variance is `M2 / (n − 1)`. Both updates avoid the catastrophic cancellation of the
//! textbook `Σx² − n·mean²` formula: values are only ever compared with a running mean, so a large
//! common offset (e.g. 1e9 + small noise) does not destroy the variance.
//!
//! Merging gives the same result as adding all values one by one up to floating-point rounding;
//! for a fixed merge order it is bit-for-bit deterministic.

use serde::{Deserialize, Serialize};

/// Count, mean, M2 (Welford; merged with Chan et al.'s parallel formula), min, max.
///
/// Memory is constant (five numbers) whatever the number of values. `Default` is the empty
/// aggregate. Only finite values may be added (checked with `debug_assert!`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    n: u64,
    mean: f64,
    /// Sum of squared deviations from the mean, Σ(x − mean)².
    m2: f64,
    /// Exact minimum; meaningless (0.0) while `n == 0`.
    min: f64,
    /// Exact maximum; meaningless (0.0) while `n == 0`.
    max: f64,
}

impl Moments {
    /// Adds one finite value (Welford's update).
    #[inline]
    pub fn add(&mut self, x: f64) {
        debug_assert!(x.is_finite(), "Moments::add: non-finite value {x}");
        // `+ 0.0` turns −0.0 into +0.0 so that min/max do not depend on the order of ±0.
        let x = x + 0.0;
        if self.n == 0 {
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Merges another aggregate into this one (Chan, Golub & LeVeque's pairwise formula).
    /// Either side may be empty.
    pub fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = other.clone();
            return;
        }
        let na = self.n as f64;
        let nb = other.n as f64;
        let n = self.n + other.n;
        let nf = n as f64;
        let delta = other.mean - self.mean;
        self.mean += delta * (nb / nf);
        self.m2 += other.m2 + delta * delta * (na * nb / nf);
        self.n = n;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Number of values added (exact).
    #[inline]
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Arithmetic mean; `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }

    /// Sample variance `M2 / (n − 1)`; `None` when empty, `Some(0.0)` for a single value.
    pub fn variance(&self) -> Option<f64> {
        match self.n {
            0 => None,
            1 => Some(0.0),
            n => Some((self.m2 / (n - 1) as f64).max(0.0)),
        }
    }

    /// Sample standard deviation `√(M2 / (n − 1))`; `None` when empty, `Some(0.0)` for n == 1.
    pub fn std(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }

    /// Exact smallest value added; `None` when empty.
    pub fn min(&self) -> Option<f64> {
        (self.n > 0).then_some(self.min)
    }

    /// Exact largest value added; `None` when empty.
    pub fn max(&self) -> Option<f64> {
        (self.n > 0).then_some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::ChaCha8Rng;
    use rand::{RngExt, SeedableRng};

    fn of(xs: &[f64]) -> Moments {
        let mut m = Moments::default();
        xs.iter().for_each(|&x| m.add(x));
        m
    }

    /// Two-pass reference: mean first, then Σ(x − mean)² (compensated by the mean correction).
    fn two_pass(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean0 = xs.iter().sum::<f64>() / n;
        // One step of refinement (Björck's corrected two-pass algorithm).
        let corr = xs.iter().map(|x| x - mean0).sum::<f64>() / n;
        let mean = mean0 + corr;
        let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
        (mean, ss / (n - 1.0))
    }

    fn rel(a: f64, b: f64) -> f64 {
        if a == b {
            0.0
        } else {
            (a - b).abs() / a.abs().max(b.abs())
        }
    }

    #[test]
    fn empty_and_single() {
        let m = Moments::default();
        assert_eq!(m.count(), 0);
        assert_eq!(m.mean(), None);
        assert_eq!(m.std(), None);
        assert_eq!(m.variance(), None);
        assert_eq!(m.min(), None);
        assert_eq!(m.max(), None);
        let m = of(&[3.5]);
        assert_eq!(m.count(), 1);
        assert_eq!(m.mean(), Some(3.5));
        assert_eq!(m.std(), Some(0.0));
        assert_eq!(m.min(), Some(3.5));
        assert_eq!(m.max(), Some(3.5));
    }

    #[test]
    fn small_hand_checked() {
        let m = of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(m.count(), 5);
        assert_eq!(m.mean(), Some(3.0));
        // Σ(x−3)² = 10, /(5−1) = 2.5
        assert!((m.variance().unwrap() - 2.5).abs() < 1e-15);
        assert!((m.std().unwrap() - 2.5f64.sqrt()).abs() < 1e-15);
        assert_eq!(m.min(), Some(1.0));
        assert_eq!(m.max(), Some(5.0));
        let m = of(&[-2.0, -0.0, 0.0, 7.0]);
        assert_eq!(m.min(), Some(-2.0));
        assert_eq!(m.max(), Some(7.0));
    }

    #[test]
    fn merge_with_empty_sides() {
        let a = of(&[1.0, 2.0, 4.0]);
        let mut x = a.clone();
        x.merge(&Moments::default());
        assert_eq!(x, a);
        let mut y = Moments::default();
        y.merge(&a);
        assert_eq!(y, a);
        let mut z = Moments::default();
        z.merge(&Moments::default());
        assert_eq!(z, Moments::default());
    }

    #[test]
    fn merge_equals_sequential_and_two_pass() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let xs: Vec<f64> = (0..100_000)
            .map(|_| 50.0 + 20.0 * (rng.random::<f64>() - 0.5).powi(3) + rng.random::<f64>())
            .collect();
        let seq = of(&xs);
        let (mean2, var2) = two_pass(&xs);
        assert!(rel(seq.mean().unwrap(), mean2) < 1e-12);
        assert!(rel(seq.variance().unwrap(), var2) < 1e-12);
        for chunk in [1usize, 7, 1000, 33_333, 99_999] {
            let mut merged = Moments::default();
            for c in xs.chunks(chunk) {
                merged.merge(&of(c));
            }
            assert_eq!(merged.count(), seq.count());
            assert!(rel(merged.mean().unwrap(), seq.mean().unwrap()) < 1e-12);
            assert!(rel(merged.variance().unwrap(), seq.variance().unwrap()) < 1e-12);
            assert_eq!(merged.min(), seq.min());
            assert_eq!(merged.max(), seq.max());
        }
    }

    #[test]
    fn merge_is_deterministic_for_fixed_order() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let xs: Vec<f64> = (0..10_000).map(|_| rng.random::<f64>() * 1e3).collect();
        let run = || {
            let mut m = Moments::default();
            for c in xs.chunks(128) {
                m.merge(&of(c));
            }
            m
        };
        let (a, b) = (run(), run());
        assert_eq!(a.mean().unwrap().to_bits(), b.mean().unwrap().to_bits());
        assert_eq!(a.std().unwrap().to_bits(), b.std().unwrap().to_bits());
    }

    /// Catastrophic cancellation: 1e9 + noise of size ~1. The naive Σx² − n·mean² formula loses
    /// everything here (1e18 vs variance ~0.08); Welford and Chan keep ~1e-8 relative.
    #[test]
    fn huge_offset_variance_stays_accurate() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let noise: Vec<f64> = (0..200_000).map(|_| rng.random::<f64>()).collect();
        let (_, var_noise) = two_pass(&noise);
        let xs: Vec<f64> = noise.iter().map(|e| 1e9 + e).collect();
        // Representing 1e9 + e in f64 rounds e to a multiple of 2^-23 ≈ 1.2e-7, which changes the
        // variance by ~1e-14 relative: the reference is exact enough.
        let (_, var_ref) = two_pass(&xs);
        assert!(rel(var_ref, var_noise) < 1e-6);
        let seq = of(&xs);
        // Condition number √(1 + mean²/var) ≈ 3.5e9: ~1e-8 relative is what Welford achieves here.
        assert!(rel(seq.variance().unwrap(), var_ref) < 1e-6, "{seq:?}");
        let mut merged = Moments::default();
        for c in xs.chunks(1024) {
            merged.merge(&of(c));
        }
        assert!(rel(merged.variance().unwrap(), var_ref) < 1e-6);
        assert!(rel(merged.mean().unwrap(), 1e9 + 0.5) < 1e-9);
        // Naive formula, for the record: it is off by orders of magnitude.
        let n = xs.len() as f64;
        let s: f64 = xs.iter().sum();
        let s2: f64 = xs.iter().map(|x| x * x).sum();
        let naive = (s2 - s * s / n) / (n - 1.0);
        assert!(rel(naive, var_ref) > 1e-2);
    }

    proptest! {
        #[test]
        fn prop_merge_of_halves_matches_whole(
            xs in prop::collection::vec(-1e6f64..1e6, 1..400),
            cut in 0usize..400,
        ) {
            let cut = cut.min(xs.len());
            let whole = of(&xs);
            let mut m = of(&xs[..cut]);
            m.merge(&of(&xs[cut..]));
            prop_assert_eq!(m.count(), whole.count());
            prop_assert_eq!(m.min(), whole.min());
            prop_assert_eq!(m.max(), whole.max());
            let scale = xs.iter().fold(0.0f64, |a, x| a.max(x.abs())).max(1e-300);
            prop_assert!((m.mean().unwrap() - whole.mean().unwrap()).abs() <= 1e-12 * scale);
            let (v1, v2) = (m.variance().unwrap(), whole.variance().unwrap());
            prop_assert!((v1 - v2).abs() <= 1e-10 * scale * scale);
        }
    }
}
