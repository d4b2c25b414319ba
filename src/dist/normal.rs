//! The standard normal distribution: density, CDF, quantile, log upper tail, and the truncated
//! normal (sampling by inverse CDF and its mean). Everything here is pure arithmetic: no
//! allocation, no panics, and no unbounded loops.

use std::f64::consts::FRAC_1_SQRT_2;

/// `ln(√(2π))`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// Above this standardised bound the log upper tail `ln Q(x)` is computed from the asymptotic
/// series instead of `erfc` (Q(35) ≈ 1.1e-268, still a normal `f64`, where both agree to ~1e-15).
const ASYMPTOTIC_FROM: f64 = 35.0;

/// Above this standardised lower bound a truncated normal is an exponential to double precision:
/// the relative error of `Q(a + y)/Q(a) ≈ exp(−a·y)` is O(1/a²) < 1e-16.
const EXPONENTIAL_FROM: f64 = 1e8;

/// Standard normal density φ(z) = exp(−z²/2)/√(2π).
pub(crate) fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z - LN_SQRT_2PI).exp()
}

/// Standard normal CDF, Φ(z) = ½·erfc(−z/√2) (the standard identity;
/// Abramowitz & Stegun 1964, *Handbook of Mathematical Functions*, §26.2 with erfc from §7.1).
///
/// `erfc` is `libm`'s port of the FreeBSD/Sun fdlibm routine (error below 1 ulp), so the result
/// keeps its *relative* precision far into the lower tail (Φ(−37) ≈ 5.7e-300): the only loss is the
/// rounding of the argument −z/√2, a relative error of about z²·2⁻⁵³ (≈ 1e-13 at z = −37).
/// Φ(±∞) = 1 or 0; Φ(NaN) = NaN.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z * FRAC_1_SQRT_2)
}

/// Inverse of the standard normal CDF, z = Φ⁻¹(p), by Wichura's algorithm AS 241 (PPND16):
/// M. J. Wichura (1988), "Algorithm AS 241: The percentage points of the normal distribution",
/// *Applied Statistics* 37(3), 477–484. Three rational minimax approximations of degree 7:
/// for |p − ½| ≤ 0.425, z = q·A(r)/B(r) with q = p − ½, r = 0.180625 − q²; otherwise with
/// r = √(−ln min(p, 1−p)), z = ±C(r − 1.6)/D(r − 1.6) for r ≤ 5 and ±E(r − 5)/F(r − 5) beyond.
/// Relative accuracy about 1e-16 for min(p, 1−p) > 1e-316.
///
/// p ≤ 0 gives −∞, p ≥ 1 gives +∞, NaN gives NaN.
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() {
        return f64::NAN;
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(&AS241_A, r) / poly1(&AS241_B, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let r = (-tail.ln()).sqrt();
    let z = if r <= 5.0 {
        let r = r - 1.6;
        poly(&AS241_C, r) / poly1(&AS241_D, r)
    } else {
        let r = r - 5.0;
        poly(&AS241_E, r) / poly1(&AS241_F, r)
    };
    if q < 0.0 {
        -z
    } else {
        z
    }
}

/// c₀ + c₁x + … + c₇x⁷ by Horner's rule.
fn poly(c: &[f64; 8], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ci| acc * x + ci)
}

/// 1 + d₁x + … + d₇x⁷ by Horner's rule (`d` holds d₁..d₇).
fn poly1(d: &[f64; 7], x: f64) -> f64 {
    d.iter().rev().fold(0.0, |acc, &di| acc * x + di) * x + 1.0
}

// Coefficients of AS 241 PPND16, transcribed digit for digit from Wichura (1988) (more digits
// than an f64 holds, hence the `allow`); the tests check the paper's "hash sums" of their
// mantissas.
#[allow(clippy::excessive_precision)]
pub(crate) const AS241_A: [f64; 8] = [
    3.387_132_872_796_366_608_0,
    1.331_416_678_917_843_774_5e2,
    1.971_590_950_306_551_442_7e3,
    1.373_169_376_550_946_112_5e4,
    4.592_195_393_154_987_145_7e4,
    6.726_577_092_700_870_085_3e4,
    3.343_057_558_358_812_810_5e4,
    2.509_080_928_730_122_672_7e3,
];
#[allow(clippy::excessive_precision)]
pub(crate) const AS241_B: [f64; 7] = [
    4.231_333_070_160_091_125_2e1,
    6.871_870_074_920_579_083_0e2,
    5.394_196_021_424_751_107_7e3,
    2.121_379_430_158_659_586_7e4,
    3.930_789_580_009_271_061_0e4,
    2.872_908_573_572_194_267_4e4,
    5.226_495_278_852_854_561_0e3,
];
#[allow(clippy::excessive_precision)]
pub(crate) const AS241_C: [f64; 8] = [
    1.423_437_110_749_683_577_34,
    4.630_337_846_156_545_295_90,
    5.769_497_221_460_691_405_50,
    3.647_848_324_763_204_605_04,
    1.270_458_252_452_368_382_58,
    2.417_807_251_774_506_117_70e-1,
    2.272_384_498_926_918_458_33e-2,
    7.745_450_142_783_414_076_40e-4,
];
#[allow(clippy::excessive_precision)]
pub(crate) const AS241_D: [f64; 7] = [
    2.053_191_626_637_758_821_87,
    1.676_384_830_183_803_849_40,
    6.897_673_349_851_000_045_50e-1,
    1.481_039_764_274_800_745_90e-1,
    1.519_866_656_361_645_719_66e-2,
    5.475_938_084_995_344_946_00e-4,
    1.050_750_071_644_416_843_24e-9,
];
#[allow(clippy::excessive_precision)]
pub(crate) const AS241_E: [f64; 8] = [
    6.657_904_643_501_103_777_20,
    5.463_784_911_164_114_369_90,
    1.784_826_539_917_291_335_80,
    2.965_605_718_285_048_912_30e-1,
    2.653_218_952_657_612_309_30e-2,
    1.242_660_947_388_078_438_60e-3,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
#[allow(clippy::excessive_precision)]
pub(crate) const AS241_F: [f64; 7] = [
    5.998_322_065_558_879_376_90e-1,
    1.369_298_809_227_358_053_10e-1,
    1.487_536_129_085_061_485_25e-2,
    7.868_691_311_456_132_591_00e-4,
    1.846_318_317_510_054_681_80e-5,
    1.421_511_758_316_445_888_70e-7,
    2.044_263_103_389_939_785_64e-15,
];

/// The asymptotic series of the Mills ratio, S(x) = x·Q(x)/φ(x)
/// = 1 − 1/x² + 3/x⁴ − 15/x⁶ + 105/x⁸ − 945/x¹⁰ + 10395/x¹² (Abramowitz & Stegun 1964, 26.2.12),
/// truncated after the term whose successor is below 1e-16 for x ≥ 35.
fn mills_series(x: f64) -> f64 {
    let t = 1.0 / (x * x);
    1.0 - t * (1.0 - t * (3.0 - t * (15.0 - t * (105.0 - t * (945.0 - t * 10395.0)))))
}

/// ln Q(x), the log of the standard normal upper tail Q(x) = 1 − Φ(x) = Φ(−x), accurate far
/// beyond the point where Q itself underflows: for x < 35, ln(½·erfc(x/√2)); beyond,
/// ln Q(x) = −x²/2 − ln x − ln √(2π) + ln S(x) with S the asymptotic series [`mills_series`].
/// ln Q(+∞) = −∞.
pub(crate) fn ln_upper_tail(x: f64) -> f64 {
    if x < ASYMPTOTIC_FROM {
        (0.5 * libm::erfc(x * FRAC_1_SQRT_2)).ln()
    } else if x.is_infinite() {
        f64::NEG_INFINITY
    } else {
        -0.5 * x * x - x.ln() - LN_SQRT_2PI + mills_series(x).ln()
    }
}

/// A standard normal truncated to [a, b] (a < b, either may be infinite), by inversion of the
/// truncated CDF F(x) = (Φ(x) − Φ(a))/(Φ(b) − Φ(a)) at `u` ∈ (0, 1) (open: an infinite
/// bound is never returned); see Robert (1995),
/// "Simulation of truncated normal variables", *Statistics and Computing* 5, 121–125, §1.
///
/// Precision: an interval entirely in one tail is mapped into the upper tail by symmetry and
/// inverted through Q = 1 − Φ, whose small values keep full relative precision (rather than
/// Φ ≈ 1, which keeps none). Beyond x = 35, where Q nears underflow, the equation
/// ln Q(x) = ln Q(a) + ln(1 − u·(1 − Q(b)/Q(a))) is solved by Newton's method on the log tail
/// (concave, so the iterates converge monotonically after the first step; at most 30 steps).
/// Beyond a = 1e8 the tail is exactly exponential at double precision (see [`EXPONENTIAL_FROM`]).
/// The result is always inside [a, b]; the number of operations is bounded.
pub(crate) fn truncated_std_normal(a: f64, b: f64, u: f64) -> f64 {
    if a.is_nan() || b.is_nan() || u.is_nan() || a >= b {
        return if a <= b { a } else { f64::NAN };
    }
    if a >= 0.0 {
        upper_tail_quantile(a, b, u)
    } else if b <= 0.0 {
        // Mirror into the upper tail; 1 − u keeps the map increasing in u.
        -upper_tail_quantile(-b, -a, 1.0 - u)
    } else {
        let pa = normal_cdf(a);
        let pb = normal_cdf(b);
        let p = pa + u * (pb - pa);
        let x = if p <= 0.5 {
            normal_quantile(p)
        } else {
            // Invert the upper half through Q = 1 − Φ to keep its precision (and never reach
            // p = 1, whose quantile is +∞): Q(x) = Q(b) + (1 − u)·(Q(a) − Q(b)).
            let qa = normal_cdf(-a);
            let qb = normal_cdf(-b);
            -normal_quantile(qb + (1.0 - u) * (qa - qb))
        };
        clamp(x, a, b)
    }
}

/// The truncated standard normal on [a, b] with 0 ≤ a < b at CDF value u ∈ (0, 1):
/// the x with (Q(a) − Q(x))/(Q(a) − Q(b)) = u, i.e. Q(x) = Q(b) + (1 − u)·(Q(a) − Q(b)).
fn upper_tail_quantile(a: f64, b: f64, u: f64) -> f64 {
    let x = if a >= EXPONENTIAL_FROM {
        // Excess over a is exponential with rate a, truncated at b − a:
        // y = −ln(1 − u·(1 − e^{−a(b−a)}))/a.
        a + -(u * (-(a * (b - a))).exp_m1()).ln_1p() / a
    } else if a < ASYMPTOTIC_FROM {
        let qa = normal_cdf(-a);
        let qb = normal_cdf(-b);
        -normal_quantile(qb + (1.0 - u) * (qa - qb))
    } else {
        let lqa = ln_upper_tail(a);
        let d = ln_upper_tail(b) - lqa; // ln(Q(b)/Q(a)) ≤ 0, −∞ for b = ∞
        let target = lqa + (u * d.exp_m1()).ln_1p();
        // Start from the exponential approximation Q(x)/Q(a) ≈ exp(−a(x − a)).
        let mut x = a + (lqa - target) / a;
        for _ in 0..30 {
            // d/dx ln Q(x) = −φ(x)/Q(x) = −x/S(x).
            let step = (ln_upper_tail(x) - target) * mills_series(x) / x;
            if !step.is_finite() {
                break;
            }
            x = (x + step).max(a);
            if step.abs() <= 1e-15 * x {
                break;
            }
        }
        x
    };
    clamp(x, a, b)
}

/// Mean of the standard normal truncated to [a, b]:
/// E = (φ(a) − φ(b))/(Φ(b) − Φ(a)) (Johnson, Kotz & Balakrishnan 1994, *Continuous Univariate
/// Distributions* vol. 1, 2nd ed., ch. 13, truncated normal). In a tail it is evaluated in log space as
/// E = [φ(a)/Q(a)]·(1 − φ(b)/φ(a))/(1 − Q(b)/Q(a)) so that it stays exact where φ and Q underflow.
pub(crate) fn truncated_std_normal_mean(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() || a > b {
        return f64::NAN;
    }
    if a == b {
        return a;
    }
    if a >= 0.0 {
        upper_tail_mean(a, b)
    } else if b <= 0.0 {
        -upper_tail_mean(-b, -a)
    } else {
        let m = (normal_pdf(a) - normal_pdf(b)) / (normal_cdf(b) - normal_cdf(a));
        clamp(m, a, b)
    }
}

fn upper_tail_mean(a: f64, b: f64) -> f64 {
    let m = if a >= EXPONENTIAL_FROM {
        // Mean of an exponential with rate a truncated to [0, w]: 1/a − w/(e^{aw} − 1).
        let w = b - a;
        let aw = a * w;
        a + if aw > 700.0 {
            1.0 / a
        } else {
            1.0 / a - w / aw.exp_m1()
        }
    } else {
        let lqa = ln_upper_tail(a);
        let hazard = (-0.5 * a * a - LN_SQRT_2PI - lqa).exp(); // φ(a)/Q(a)
        let pdf_ratio = -(-0.5 * (b - a) * (b + a)).exp_m1(); // 1 − φ(b)/φ(a)
        let tail_ratio = -(ln_upper_tail(b) - lqa).exp_m1(); // 1 − Q(b)/Q(a)
        hazard * pdf_ratio / tail_ratio
    };
    clamp(m, a, b)
}

/// `x` limited to [lo, hi] without the panics of `f64::clamp` (NaN bounds are ignored).
pub(crate) fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.max(lo).min(hi)
}
