//! A mergeable quantile sketch with relative accuracy [`ALPHA`]: a DDSketch-style logarithmic
//! histogram (Masson, Rim & Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with
//! Relative-Error Guarantees", PVLDB 12(12), 2019).
//!
//! # Buckets
//!
//! With `γ = (1 + α) / (1 − α)`, a positive value `x` goes to bucket
//!
//! ```text
//! i(x) = ⌈ln x / ln γ⌉,      so that γ^(i−1) < x ≤ γ^i,
//! ```
//!
//! whose representative value is `v_i = 2 γ^i / (γ + 1)`. For every `x` in bucket `i`,
//! `v_i / x ∈ [2/(γ+1), 2γ/(γ+1)) = [1 − α, 1 + α)`, i.e. `|v_i − x| ≤ α·x`.
//! Negative values go to a mirrored store indexed by `i(|x|)` with representative `−v_i`;
//! values with `|x| < ZERO_THRESHOLD` (1e-12, or exactly 0) go to a zero bucket whose
//! representative is 0 (absolute error < 1e-12 for those values).
//!
//! `ln` and `exp` come from the pure-Rust `libm` crate so that bucket indices are identical on every
//! platform: sketches built on different machines (cluster shards) merge exactly.
//!
//! # Quantile definition (lower nearest rank, clamped)
//!
//! For `n` values and `q ∈ [0, 1]`, let `r = max(1, ⌈q·n⌉)` (computed in f64 with `q·n` shrunk by
//! 1e-12 relative, so that e.g. q = 0.07, n = 100 gives r = 7 despite 0.07 rounding up in binary).
//! [`Sketch::quantile`] returns the representative of the bucket holding the `r`-th smallest value
//! (buckets ordered most negative first, then zero, then positive), clamped to the exact
//! `[min, max]` of the values added; for `r = 1` and `r = n` it returns the exact min and max kept
//! in the sketch. Hence, if `x_(r)` is the exact `r`-th smallest value (clamping only moves the
//! result towards it),
//!
//! ```text
//! |quantile(q) − x_(r)| ≤ α·|x_(r)|          (or < 1e-12 when |x_(r)| < 1e-12),
//! ```
//!
//! `quantile(0)` and `quantile(1)` are exactly the minimum and maximum, and a sketch of a constant
//! returns that constant exactly. (Up to floating rounding in `ln`: a value within ~1e-13 relative of
//! a bucket boundary may land in the neighbouring bucket, adding that much to the bound.)
//!
//! # Merge and memory
//!
//! Each store is a dense `Vec<u64>` of counts with an index offset; merging adds integer counts, so
//! it is exact, associative and commutative: any split of the data merged in any order gives an
//! equal (`==`) sketch and identical quantiles. Memory depends only on the *range* of magnitudes,
//! not on the number of values: about `ln(max/min) / ln γ ≈ 100 · ln(max/min)` counters per sign
//! (≈ 2,760 for values spanning 1e-3 to 1e9), plus a growth slack of at most [`SLACK`] counters on
//! each side, and at most ~73,900 per sign for the whole f64 range above 1e-12. A store grows when
//! a value falls outside its range and never shrinks; once the range is established `add` does not
//! allocate.

use serde::{Deserialize, Serialize};

/// Relative accuracy of [`Sketch`] quantiles: the returned value is within `ALPHA · |x|` (0.5%) of
/// the exact lower nearest-rank quantile `x`.
pub const ALPHA: f64 = 0.005;

/// Growth ratio between consecutive bucket boundaries, `γ = (1 + α)/(1 − α)` (≈ 1.01005).
pub const GAMMA: f64 = (1.0 + ALPHA) / (1.0 - ALPHA);

/// `ln γ = 2·atanh(α) = 2(α + α³/3 + α⁵/5 + …)`, evaluated at compile time.
const LN_GAMMA: f64 = {
    let a2 = ALPHA * ALPHA;
    let mut term = ALPHA;
    let mut sum = 0.0;
    let mut k = 0;
    while k < 40 {
        sum += term / (2 * k + 1) as f64;
        term *= a2;
        k += 1;
    }
    2.0 * sum
};
const INV_LN_GAMMA: f64 = 1.0 / LN_GAMMA;
/// `2/(γ + 1) = 1 − α`: the representative of bucket `i` is `γ^i · (1 − α)`.
const REP_FACTOR: f64 = 2.0 / (GAMMA + 1.0);

/// Values with `|x|` below this go to the zero bucket (representative 0).
pub const ZERO_THRESHOLD: f64 = 1e-12;

/// Extra counters allocated beyond the needed range each time a store grows (amortises growth).
pub const SLACK: usize = 64;

/// Bucket index of a positive value `a ≥ ZERO_THRESHOLD`.
#[inline]
fn index(a: f64) -> i32 {
    // |index| ≤ ~71,000 for every finite f64 ≥ 1e-12, far inside i32.
    (libm::log(a) * INV_LN_GAMMA).ceil() as i32
}

/// Representative value of bucket `i` (positive side).
#[inline]
fn representative(i: i32) -> f64 {
    libm::exp(f64::from(i) * LN_GAMMA) * REP_FACTOR
}

/// Lower nearest rank `r = max(1, ⌈q·n⌉)`, capped at `n` (`n ≥ 1`). Non-finite/out-of-range `q` is
/// clamped to `[0, 1]` (NaN behaves as 0). `q·n` is shrunk by 1e-12 relative before `⌈·⌉` so that
/// a decimal `q` whose binary value is slightly too large (0.07 · 100 = 7.000000000000001 in f64)
/// still gives the intended rank (7, not 8).
#[inline]
pub(crate) fn nearest_rank(q: f64, n: u64) -> u64 {
    let r = (q.clamp(0.0, 1.0) * n as f64 * (1.0 - 1e-12)).ceil();
    // `as u64` saturates and maps NaN to 0.
    (r as u64).clamp(1, n)
}

/// Dense counts for bucket indices `offset .. offset + counts.len()`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Store {
    offset: i32,
    counts: Vec<u64>,
}

impl Store {
    #[inline]
    fn add(&mut self, i: i32) {
        // A negative difference wraps to a huge usize and fails the bounds check.
        let k = (i64::from(i) - i64::from(self.offset)) as usize;
        match self.counts.get_mut(k) {
            Some(c) => *c += 1,
            None => self.add_slow(i),
        }
    }

    #[cold]
    #[inline(never)]
    fn add_slow(&mut self, i: i32) {
        self.cover(i, i);
        self.counts[(i - self.offset) as usize] += 1;
    }

    /// Grows (never shrinks) so that indices `lo..=hi` are inside the dense range, adding
    /// [`SLACK`] counters beyond each side that has to grow.
    fn cover(&mut self, lo: i32, hi: i32) {
        debug_assert!(lo <= hi);
        let slack = SLACK as i32;
        if self.counts.is_empty() {
            self.offset = lo - slack;
            self.counts = vec![0; (hi - lo) as usize + 1 + 2 * SLACK];
            return;
        }
        let end = self.offset + self.counts.len() as i32; // exclusive
        if hi >= end {
            let new_end = hi + 1 + slack;
            self.counts.resize((new_end - self.offset) as usize, 0);
        }
        if lo < self.offset {
            let new_offset = lo - slack;
            let shift = (self.offset - new_offset) as usize;
            let mut counts = vec![0; shift + self.counts.len()];
            counts[shift..].copy_from_slice(&self.counts);
            self.counts = counts;
            self.offset = new_offset;
        }
    }

    /// Smallest and largest index with a non-zero count, with the slice between them.
    fn occupied(&self) -> Option<(i32, &[u64])> {
        let first = self.counts.iter().position(|&c| c != 0)?;
        let last = self.counts.iter().rposition(|&c| c != 0)?;
        Some((self.offset + first as i32, &self.counts[first..=last]))
    }

    fn merge(&mut self, other: &Store) {
        let Some((lo, counts)) = other.occupied() else {
            return;
        };
        self.cover(lo, lo + counts.len() as i32 - 1);
        let start = (lo - self.offset) as usize;
        for (dst, &src) in self.counts[start..start + counts.len()]
            .iter_mut()
            .zip(counts)
        {
            *dst += src;
        }
    }
}

/// Logical equality: same count in every bucket, whatever the allocated range (which depends on
/// the order values arrived in).
impl PartialEq for Store {
    fn eq(&self, other: &Self) -> bool {
        self.occupied() == other.occupied()
    }
}

/// DDSketch-style log-bucket histogram (Masson, Rim & Lee, VLDB 2019): relative accuracy ALPHA.
///
/// See the [module documentation](self) for the bucket equations, the quantile definition and the
/// error bound. `Default` is the same as [`Sketch::new`]. Equality (`==`) compares the multiset of
/// bucket counts and the exact min/max, not the allocated layout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sketch {
    /// Values `x ≥ ZERO_THRESHOLD`, indexed by `i(x)`.
    pos: Store,
    /// Values `x ≤ −ZERO_THRESHOLD`, indexed by `i(|x|)`.
    neg: Store,
    /// Values with `|x| < ZERO_THRESHOLD`.
    zero: u64,
    count: u64,
    /// Exact minimum; meaningless (0.0) while `count == 0`.
    min: f64,
    /// Exact maximum; meaningless (0.0) while `count == 0`.
    max: f64,
}

impl Sketch {
    /// An empty sketch (allocates nothing until the first value).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one finite value (checked with `debug_assert!`); zero and negatives are supported.
    #[inline]
    pub fn add(&mut self, x: f64) {
        debug_assert!(x.is_finite(), "Sketch::add: non-finite value {x}");
        // `+ 0.0` turns −0.0 into +0.0 so that min/max do not depend on the order of ±0.
        let x = x + 0.0;
        if self.count == 0 {
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        self.count += 1;
        let a = x.abs();
        if a < ZERO_THRESHOLD {
            self.zero += 1;
        } else if x > 0.0 {
            self.pos.add(index(a));
        } else {
            self.neg.add(index(a));
        }
    }

    /// Merges another sketch into this one by adding integer bucket counts: exact, associative and
    /// commutative (order-independent). Either side may be empty.
    pub fn merge(&mut self, other: &Sketch) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            self.min = other.min;
            self.max = other.max;
        } else {
            self.min = self.min.min(other.min);
            self.max = self.max.max(other.max);
        }
        self.count += other.count;
        self.zero += other.zero;
        self.pos.merge(&other.pos);
        self.neg.merge(&other.neg);
    }

    /// Number of values added (exact).
    #[inline]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Exact smallest value added; `None` when empty.
    pub fn min(&self) -> Option<f64> {
        (self.count > 0).then_some(self.min)
    }

    /// Exact largest value added; `None` when empty.
    pub fn max(&self) -> Option<f64> {
        (self.count > 0).then_some(self.max)
    }

    /// Lower nearest-rank quantile, within `ALPHA` relative of the exact one (see the
    /// [module documentation](self)); `None` when empty. `q` is clamped to `[0, 1]`;
    /// `quantile(0.0)` is the exact minimum and `quantile(1.0)` the exact maximum.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let mut rank = nearest_rank(q, self.count);
        // The 1st and n-th smallest values are known exactly.
        if rank == 1 {
            return Some(self.min);
        }
        if rank == self.count {
            return Some(self.max);
        }
        let clamp = |v: f64| Some(v.clamp(self.min, self.max));
        // Most negative first: largest |x| index of the negative store first.
        for (k, &c) in self.neg.counts.iter().enumerate().rev() {
            if c >= rank {
                return clamp(-representative(self.neg.offset + k as i32));
            }
            rank -= c;
        }
        if self.zero >= rank {
            return clamp(0.0);
        }
        rank -= self.zero;
        for (k, &c) in self.pos.counts.iter().enumerate() {
            if c >= rank {
                return clamp(representative(self.pos.offset + k as i32));
            }
            rank -= c;
        }
        // Only reachable if the counts are inconsistent (e.g. a hand-edited deserialized sketch).
        Some(self.max)
    }

    /// Number of `u64` counters held (both dense stores, allocated length, plus the zero bucket):
    /// the sketch's memory, independent of the number of values.
    pub fn bucket_count(&self) -> usize {
        self.pos.counts.len() + self.neg.counts.len() + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::ChaCha8Rng;
    use rand::{RngExt, SeedableRng};
    use rand_distr::{Distribution, LogNormal, Normal};

    const QS: [f64; 13] = [
        0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0,
    ];

    fn sketch_of(xs: &[f64]) -> Sketch {
        let mut s = Sketch::new();
        xs.iter().for_each(|&x| s.add(x));
        s
    }

    fn sorted(xs: &[f64]) -> Vec<f64> {
        let mut v = xs.to_vec();
        v.sort_by(f64::total_cmp);
        v
    }

    /// Exact lower nearest-rank quantile of a sorted sample.
    fn exact(sorted: &[f64], q: f64) -> f64 {
        sorted[nearest_rank(q, sorted.len() as u64) as usize - 1]
    }

    /// The documented guarantee, with 1e-12 relative slack for rounding in `ln` at bucket
    /// boundaries and the zero-bucket absolute error.
    fn within(got: f64, want: f64) -> bool {
        (got - want).abs() <= ALPHA * want.abs() * (1.0 + 1e-9) + ZERO_THRESHOLD
    }

    fn check_all(xs: &[f64]) {
        let s = sketch_of(xs);
        let v = sorted(xs);
        assert_eq!(s.count(), xs.len() as u64);
        for q in QS {
            let (got, want) = (s.quantile(q).unwrap(), exact(&v, q));
            assert!(within(got, want), "q={q}: got {got}, exact {want}");
        }
        assert_eq!(s.quantile(0.0), Some(v[0]));
        assert_eq!(s.quantile(1.0), Some(v[v.len() - 1]));
    }

    #[test]
    fn constants() {
        assert!((GAMMA.ln() - LN_GAMMA).abs() <= 1e-12 * LN_GAMMA);
        assert!((REP_FACTOR - (1.0 - ALPHA)).abs() < 1e-15);
        // Bucket i covers (γ^(i−1), γ^i] and its representative is within α of both ends.
        for i in [-2700, -1, 0, 1, 5, 2000, 70_000] {
            // Boundaries as `index` sees them: ln x = i · ln γ.
            let hi = libm::exp(f64::from(i) * LN_GAMMA);
            let lo = libm::exp(f64::from(i - 1) * LN_GAMMA);
            let rep = representative(i);
            assert!((rep - lo).abs() <= ALPHA * lo * (1.0 + 1e-9));
            assert!((rep - hi).abs() <= ALPHA * hi * (1.0 + 1e-9));
        }
        assert_eq!(index(1.0), 0);
        assert_eq!(index(GAMMA * 1.000001), 2);
        assert_eq!(index(GAMMA * 0.999999), 1);
    }

    #[test]
    fn nearest_rank_definition() {
        for (q, n, r) in [
            (0.0, 5, 1),
            (0.2, 5, 1),
            (0.21, 5, 2),
            (0.5, 5, 3),
            (1.0, 5, 5),
            (0.07, 100, 7),
            (0.95, 20, 19),
            (0.999, 1000, 999),
            (0.5, 1, 1),
            (0.5, 2, 1),
            (0.51, 2, 2),
            (-1.0, 9, 1),
            (2.0, 9, 9),
            (f64::NAN, 9, 1),
        ] {
            assert_eq!(nearest_rank(q, n), r, "q={q}, n={n}");
        }
        // Every k/n maps to rank k exactly.
        for n in 1..=500u64 {
            for k in 1..=n {
                assert_eq!(nearest_rank(k as f64 / n as f64, n), k);
            }
        }
    }

    #[test]
    fn empty() {
        let s = Sketch::new();
        assert_eq!(s, Sketch::default());
        assert_eq!(s.count(), 0);
        assert_eq!(s.quantile(0.5), None);
        assert_eq!(s.min(), None);
        assert_eq!(s.max(), None);
        assert_eq!(s.bucket_count(), 1);
    }

    #[test]
    fn small_hand_checked() {
        let s = sketch_of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        // n = 5: q=0.5 → r=3 → 3; q=0.2 → r=1 → 1; q=0.21 → r=2 → 2; q=0.8 → r=4 → 4.
        for (q, want) in [
            (0.0, 1.0),
            (0.2, 1.0),
            (0.21, 2.0),
            (0.4, 2.0),
            (0.5, 3.0),
            (0.6, 3.0),
            (0.8, 4.0),
            (0.81, 5.0),
            (1.0, 5.0),
        ] {
            let got = s.quantile(q).unwrap();
            assert!(within(got, want), "q={q}: {got} vs {want}");
        }
        assert_eq!(s.quantile(0.0), Some(1.0));
        assert_eq!(s.quantile(1.0), Some(5.0));
        // Out-of-range q is clamped.
        assert_eq!(s.quantile(-3.0), Some(1.0));
        assert_eq!(s.quantile(7.0), Some(5.0));

        let s = sketch_of(&[-5.0, -1.0, 0.0, 1.0, 5.0]);
        for (q, want) in [(0.2, -5.0), (0.4, -1.0), (0.6, 0.0), (0.8, 1.0), (1.0, 5.0)] {
            let got = s.quantile(q).unwrap();
            assert!(within(got, want), "q={q}: {got} vs {want}");
        }
        assert_eq!(s.quantile(0.6), Some(0.0));
    }

    #[test]
    fn constants_are_exact() {
        for c in [0.0, 1.0, -1.0, 3.7, -123_456.789, 1e-300, 5e300, 0.1] {
            let s = sketch_of(&vec![c; 1000]);
            for q in QS {
                assert_eq!(s.quantile(q), Some(c), "constant {c}, q={q}");
            }
        }
        let s = sketch_of(&[42.0]);
        assert_eq!(s.quantile(0.37), Some(42.0));
    }

    #[test]
    fn zeros_and_tiny_values() {
        let s = sketch_of(&[-0.0, 0.0, 1e-15, -1e-14, 0.0]);
        assert_eq!(s.bucket_count(), 1); // all in the zero bucket
        assert_eq!(s.quantile(0.5), Some(0.0));
        assert_eq!(s.quantile(0.0), Some(-1e-14));
        assert_eq!(s.quantile(1.0), Some(1e-15));
        // −0.0 and +0.0 in either order give equal sketches with +0.0 extremes.
        let a = sketch_of(&[-0.0, 0.0]);
        let b = sketch_of(&[0.0, -0.0]);
        assert_eq!(a, b);
        assert!(a.quantile(0.0).unwrap().is_sign_positive());
    }

    #[test]
    fn lognormal_100k() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let d = LogNormal::new(2.0, 1.5).unwrap();
        let xs: Vec<f64> = (0..100_000).map(|_| d.sample(&mut rng)).collect();
        check_all(&xs);
    }

    #[test]
    fn uniform_100k() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let xs: Vec<f64> = (0..100_000)
            .map(|_| rng.random_range(-50.0..150.0))
            .collect();
        check_all(&xs);
    }

    #[test]
    fn mixed_negatives_zeros_100k() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let d = Normal::new(0.0, 1000.0).unwrap();
        let xs: Vec<f64> = (0..100_000)
            .map(|k| match k % 10 {
                0 | 1 => 0.0,
                2 => -1e-13,
                3 => -(rng.random::<f64>() * 1e6),
                _ => d.sample(&mut rng),
            })
            .collect();
        check_all(&xs);
        // Many more quantiles across the sign change.
        let s = sketch_of(&xs);
        let v = sorted(&xs);
        for k in 0..=1000 {
            let q = k as f64 / 1000.0;
            let (got, want) = (s.quantile(q).unwrap(), exact(&v, q));
            assert!(within(got, want), "q={q}: got {got}, exact {want}");
        }
    }

    fn split_merge(xs: &[f64], cuts: &[usize], order: &[usize]) -> Sketch {
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(xs.len());
        let parts: Vec<Sketch> = bounds
            .windows(2)
            .map(|w| sketch_of(&xs[w[0]..w[1]]))
            .collect();
        let mut s = Sketch::new();
        for &k in order {
            s.merge(&parts[k]);
        }
        s
    }

    #[test]
    fn merge_is_order_independent() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let d = LogNormal::new(0.0, 3.0).unwrap();
        let xs: Vec<f64> = (0..20_000)
            .map(|k| {
                let v = d.sample(&mut rng);
                if k % 3 == 0 {
                    -v
                } else if k % 17 == 0 {
                    0.0
                } else {
                    v
                }
            })
            .collect();
        let whole = sketch_of(&xs);
        let reference: Vec<u64> = QS
            .iter()
            .map(|&q| whole.quantile(q).unwrap().to_bits())
            .collect();
        let splits: [(&[usize], &[usize]); 6] = [
            (&[10_000], &[0, 1]),
            (&[10_000], &[1, 0]),
            (&[1, 5000, 19_999], &[3, 1, 0, 2]),
            (&[7000, 7001, 15_000], &[2, 0, 3, 1]),
            (&[100, 200, 300, 400, 19_000], &[5, 4, 3, 2, 1, 0]),
            (&[0, 20_000], &[2, 1, 0]), // empty parts
        ];
        for (cuts, order) in splits {
            let s = split_merge(&xs, cuts, order);
            assert_eq!(s, whole, "cuts {cuts:?} order {order:?}");
            let got: Vec<u64> = QS
                .iter()
                .map(|&q| s.quantile(q).unwrap().to_bits())
                .collect();
            assert_eq!(got, reference);
        }
        // A shuffled insertion order also gives an equal sketch.
        let mut ys = xs.clone();
        ys.reverse();
        ys.rotate_left(1234);
        assert_eq!(sketch_of(&ys), whole);
        // Tree-shaped merge (pairwise) as well.
        let mut parts: Vec<Sketch> = xs.chunks(333).map(sketch_of).collect();
        while parts.len() > 1 {
            parts = parts
                .chunks(2)
                .map(|p| {
                    let mut a = p[0].clone();
                    if let Some(b) = p.get(1) {
                        a.merge(b);
                    }
                    a
                })
                .collect();
        }
        assert_eq!(parts[0], whole);
    }

    #[test]
    fn memory_is_bounded_by_range() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let (lo, hi) = (1e-3f64, 1e9f64);
        let mut s = Sketch::new();
        s.add(lo);
        s.add(hi);
        let span = (hi / lo).ln() / GAMMA.ln(); // ≈ 2763 buckets
        let bound = span.ceil() as usize + 2 + 2 * SLACK + 1;
        let established = s.bucket_count();
        assert!(established <= bound, "{established} > {bound}");
        for _ in 0..1_000_000 {
            // log-uniform on [1e-3, 1e9]
            let x = lo * (hi / lo).powf(rng.random::<f64>());
            s.add(x.clamp(lo, hi));
        }
        assert_eq!(s.count(), 1_000_002);
        // No growth once the range is established.
        assert_eq!(s.bucket_count(), established);

        // Same data arriving in the worst order for growth (range widening step by step).
        let mut s = Sketch::new();
        for k in 0..=2000 {
            s.add(1e3 * GAMMA.powf(k as f64 * 0.7));
            s.add(1e3 / GAMMA.powf(k as f64 * 0.7));
        }
        let n = s.bucket_count();
        let span = (s.max().unwrap() / s.min().unwrap()).ln() / GAMMA.ln();
        assert!(
            n <= span.ceil() as usize + 2 + 2 * SLACK + 1,
            "{n} vs {span}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn prop_quantiles_within_alpha(
            xs in prop::collection::vec(
                prop_oneof![
                    4 => -1e6f64..1e6,
                    2 => (-30.0f64..30.0).prop_map(f64::exp),
                    1 => (-30.0f64..30.0).prop_map(|e| -e.exp()),
                    1 => Just(0.0),
                    1 => prop::sample::select(vec![1.0, 2.0, -3.5, 1e-13]),
                ],
                1..300,
            ),
            cut in 0usize..300,
        ) {
            let s = sketch_of(&xs);
            let v = sorted(&xs);
            for q in [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0] {
                let (got, want) = (s.quantile(q).unwrap(), exact(&v, q));
                prop_assert!(within(got, want), "q={}: got {}, exact {}", q, got, want);
            }
            prop_assert_eq!(s.quantile(0.0), Some(v[0]));
            prop_assert_eq!(s.quantile(1.0), Some(v[v.len() - 1]));
            let cut = cut.min(xs.len());
            let mut a = sketch_of(&xs[..cut]);
            let b = sketch_of(&xs[cut..]);
            let mut b2 = b.clone();
            a.merge(&b);
            b2.merge(&sketch_of(&xs[..cut]));
            prop_assert_eq!(&a, &s);
            prop_assert_eq!(&b2, &s);
        }
    }
}
