//! Memory-bounded, mergeable, order-independent statistics for Monte Carlo aggregation.
//!
//! Trials run in parallel in fixed-size chunks; each chunk aggregates its trials into a [`Stat`] per
//! metric, and chunk aggregates are merged (in chunk-index order, or any other order).
//!
//! - [`Moments`]: exact count, mean, sample variance/standard deviation, min and max, by Welford's
//!   update (Welford 1962) and Chan, Golub & LeVeque's (1979) pairwise merge. Merging equals
//!   sequential addition up to floating rounding, and is bit-for-bit deterministic for a fixed
//!   merge order.
//! - [`Sketch`]: quantiles from a DDSketch-style logarithmic histogram (Masson, Rim & Lee 2019) with
//!   relative accuracy [`ALPHA`] = 0.5%. Its merge adds integer counts, so it is exact and
//!   independent of merge order and of how the values were split into chunks.
//! - [`Stat`]: both together.
//!
//! Memory does not depend on the number of values: `Moments` is five numbers, and a `Sketch` holds
//! about `100 · ln(max/min)` counters per sign (see [`sketch`]).
//!
//! **Error guarantee.** A reported quantile `q` is the lower nearest-rank quantile: with `n` values,
//! rank `r = max(1, ⌈q·n⌉)`; the reported value is within 0.5% (relative, `ALPHA = 0.005`) of the
//! exact `r`-th smallest value (absolute error below 1e-12 for values of magnitude below 1e-12),
//! and the 0th and 100th percentiles are the exact minimum and maximum.
//!
//! Only finite values may be added (`debug_assert!`); NaN and infinities are not supported.

pub mod moments;
pub mod sketch;

pub use moments::Moments;
pub use sketch::{Sketch, ALPHA};

use serde::{Deserialize, Serialize};

/// Both together: what one metric (per quarter, or per-trial outcome) accumulates.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Stat {
    pub moments: Moments,
    pub sketch: Sketch,
}

impl Stat {
    /// Adds one finite value to both the moments and the sketch.
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.moments.add(x);
        self.sketch.add(x);
    }

    /// Merges another aggregate (moments by Chan et al.; sketch by adding bucket counts).
    pub fn merge(&mut self, o: &Stat) {
        self.moments.merge(&o.moments);
        self.sketch.merge(&o.sketch);
    }

    /// Lower nearest-rank quantile within [`ALPHA`] relative; `None` when empty.
    /// See [`Sketch::quantile`].
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.sketch.quantile(q)
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.moments.count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_combines_both() {
        let xs = [3.0, -1.0, 0.0, 10.0, 2.5, 2.5];
        let mut whole = Stat::default();
        xs.iter().for_each(|&x| whole.add(x));
        let mut a = Stat::default();
        let mut b = Stat::default();
        xs[..2].iter().for_each(|&x| a.add(x));
        xs[2..].iter().for_each(|&x| b.add(x));
        b.merge(&a);
        assert_eq!(b.count(), 6);
        assert_eq!(b.sketch, whole.sketch);
        assert!((b.moments.mean().unwrap() - 17.0 / 6.0).abs() < 1e-15);
        assert_eq!(b.quantile(0.0), Some(-1.0));
        assert_eq!(b.quantile(1.0), Some(10.0));
        let med = b.quantile(0.5).unwrap(); // r = 3 → 2.5
        assert!((med - 2.5).abs() <= ALPHA * 2.5);
        assert_eq!(Stat::default().quantile(0.5), None);
    }
}
