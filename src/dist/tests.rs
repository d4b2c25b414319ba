//! Tests of `dist`: the statistical tests compare draws with independent references (the CDFs,
//! means and variances of `statrs`, or closed forms written here), with tolerances derived from
//! the number of draws:
//! - one-sample Kolmogorov–Smirnov at α = 0.1% (stricter than 1%): D < c/√N with
//!   c = √(−ln(α/2)/2) = 1.9495 (Kolmogorov's asymptotic distribution), N = 40 000 → D < 0.0097;
//! - sample mean within 4.5 standard errors σ/√N of the reference mean;
//! - frequencies within 4.5·√(p(1−p)/N); chi-square below the χ²(k−1) 99.9% quantile.
//!
//! Every test uses its own fixed seed, so results are reproducible.

// `parse` returns the crate's `InputError` by value, as `parse_dist` does.
#![allow(clippy::result_large_err)]

use std::path::Path;

use proptest::prelude::*;
use rand::rngs::ChaCha8Rng;
use rand::SeedableRng;
use statrs::distribution::{
    Beta as SBeta, ChiSquared, Continuous, ContinuousCDF, LogNormal as SLogNormal,
    Normal as SNormal, Triangular as STriangular, Uniform as SUniform,
};
use statrs::statistics::Distribution as _;

use super::normal::{
    ln_upper_tail, truncated_std_normal, AS241_A, AS241_B, AS241_C, AS241_D, AS241_E, AS241_F,
};
use super::*;
use crate::error::{InputError, Origin};
use crate::scenario::node::{parse_document, Node};

const N: usize = 40_000;
/// Significance level of the KS tests.
const ALPHA: f64 = 0.001;
/// Number of standard errors allowed for means and frequencies.
const K_SE: f64 = 4.5;

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn draw(d: &Dist, n: usize, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    (0..n).map(|_| d.sample(&mut r)).collect()
}

/// The KS critical value for `n` draws at level [`ALPHA`].
fn ks_critical(n: usize) -> f64 {
    (-(ALPHA / 2.0).ln() / 2.0).sqrt() / (n as f64).sqrt()
}

/// Kolmogorov–Smirnov statistic sup |F_n(x) − F(x)|.
fn ks_statistic(xs: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut xs = xs.to_vec();
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    xs.iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
        .fold(0.0, f64::max)
}

fn assert_ks(name: &str, xs: &[f64], cdf: impl Fn(f64) -> f64) {
    let d = ks_statistic(xs, cdf);
    let crit = ks_critical(xs.len());
    assert!(d < crit, "{name}: KS D = {d:.5} ≥ critical {crit:.5}");
}

fn assert_sample_mean(name: &str, xs: &[f64], mean: f64, sd: f64) {
    let m = xs.iter().sum::<f64>() / xs.len() as f64;
    let se = sd / (xs.len() as f64).sqrt();
    assert!(
        (m - mean).abs() < K_SE * se,
        "{name}: sample mean {m} differs from {mean} by more than {K_SE} SE ({se})"
    );
}

fn assert_close(name: &str, got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want.abs().max(1e-300),
        "{name}: got {got}, want {want} (rel tol {rel})"
    );
}

fn assert_in_support(name: &str, d: &Dist, xs: &[f64]) {
    let (lo, hi) = d.support();
    for &x in xs {
        assert!(
            x >= lo && x <= hi,
            "{name}: {x} outside support [{lo}, {hi}]"
        );
    }
}

/// KS, sample mean, analytic mean and support of a continuous `d` against a statrs reference.
fn check_continuous<D>(name: &str, d: &Dist, reference: &D, seed: u64)
where
    D: ContinuousCDF<f64, f64> + statrs::statistics::Distribution<f64>,
{
    let xs = draw(d, N, seed);
    assert_in_support(name, d, &xs);
    assert_ks(name, &xs, |x| reference.cdf(x));
    let mean = reference.mean().unwrap();
    let sd = reference.variance().unwrap().sqrt();
    assert_close(&format!("{name} analytic mean"), d.mean(), mean, 1e-12);
    assert_sample_mean(name, &xs, mean, sd);
}

fn node(value: &str) -> Node {
    let doc = format!("x = {value}\n");
    let t = parse_document(&doc, Path::new("test.toml")).expect("test TOML");
    t.get("x").unwrap().clone()
}

const KEY: &str = "regions.us.construction_months";

fn parse(value: &str) -> Result<Dist, InputError> {
    parse_dist(&node(value), KEY)
}

fn ok(value: &str) -> Dist {
    parse(value).unwrap_or_else(|e| panic!("{value}: {e}"))
}

// ---------------------------------------------------------------- normal_cdf / normal_quantile

#[test]
fn normal_cdf_known_values() {
    assert_eq!(normal_cdf(0.0), 0.5);
    assert!((normal_cdf(1.959963984540054) - 0.975).abs() < 1e-15);
    assert!((normal_cdf(-1.6448536269514722) - 0.05).abs() < 1e-16);
    // Reference values computed with mpmath at 40 digits.
    let table = [
        (-1.0, 0.158_655_253_931_457_05),
        (-3.0, 0.001_349_898_031_630_094_5),
        (-8.0, 6.220_960_574_271_784e-16),
        (-10.0, 7.619_853_024_160_526e-24),
        (-20.0, 2.753_624_118_606_233_7e-89),
        (-30.0, 4.906_713_927_148_187e-198),
        (-37.0, 5.725_571_222_524_577e-300),
    ];
    for (z, p) in table {
        // Relative error grows like z²·2⁻⁵³ from rounding the argument of erfc.
        let tol = 1e-15 * (1.0 + z * z);
        assert_close(&format!("Φ({z})"), normal_cdf(z), p, tol);
        assert_close(
            &format!("1 − Φ({})", -z),
            1.0 - normal_cdf(-z),
            p,
            1e-15f64.max(1e-16 / p),
        );
    }
    assert_eq!(normal_cdf(f64::NEG_INFINITY), 0.0);
    assert_eq!(normal_cdf(f64::INFINITY), 1.0);
    assert!(normal_cdf(f64::NAN).is_nan());
}

/// statrs has its own erfc (a port of Boost's), accurate to about 1e-11 relative in the far tail
/// (mpmath: Φ(−30) = 4.906713927148187e-198; statrs gives 4.906713927193862e-198).
#[test]
fn normal_cdf_matches_statrs() {
    let s = SNormal::new(0.0, 1.0).unwrap();
    let mut z = -30.0;
    while z <= 8.0 {
        assert_close(&format!("Φ({z})"), normal_cdf(z), s.cdf(z), 1e-10);
        z += 0.37;
    }
}

#[test]
fn normal_quantile_known_values() {
    assert!((normal_quantile(0.05) - -1.644_853_626_951_472_2).abs() < 1e-15);
    assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-15);
    assert_eq!(normal_quantile(0.5), 0.0);
    // mpmath references.
    let table = [
        (0.3, -0.524_400_512_708_040_8),
        (1e-10, -6.361_340_902_404_056),
        (1e-20, -9.262_340_089_798_408),
        (1e-100, -21.273_453_560_965_324),
        (1e-300, -37.047_096_299_361_2),
        (0.999_999, 4.753_424_308_822_899),
    ];
    for (p, z) in table {
        // 0.999999 is itself rounded: its complement is known to ~1e-10 relative only.
        let tol = if p > 0.5 { 1e-10 } else { 1e-15 };
        assert_close(&format!("Φ⁻¹({p})"), normal_quantile(p), z, tol);
    }
    assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
    assert_eq!(normal_quantile(1.0), f64::INFINITY);
    assert_eq!(normal_quantile(-1.0), f64::NEG_INFINITY);
    assert!(normal_quantile(f64::NAN).is_nan());
}

#[test]
fn normal_quantile_round_trips() {
    // Φ(Φ⁻¹(p)) = p in relative terms, from the deep lower tail to the middle.
    let mut p = 1e-305;
    while p < 0.5 {
        let back = normal_cdf(normal_quantile(p));
        // Φ's argument rounding costs z²·2⁻⁵³ relative (≈ 1.5e-13 at z = −37).
        let z = normal_quantile(p);
        assert_close(&format!("Φ(Φ⁻¹({p}))"), back, p, 2e-15 * (1.0 + z * z));
        p *= 3.7;
    }
    // Φ⁻¹(Φ(z)) = z for z where Φ(z) carries the information (z ≤ 3).
    let mut z = -37.0;
    while z <= 3.0 {
        let back = normal_quantile(normal_cdf(z));
        assert!(
            (back - z).abs() <= 1e-13 * (1.0 + z.abs()),
            "Φ⁻¹(Φ({z})) = {back}"
        );
        z += 0.173;
    }
    // Symmetry Φ⁻¹(1 − p) = −Φ⁻¹(p) for exactly representable pairs.
    for p in [0.5, 0.25, 0.125, 0.0625, 0.03125] {
        assert_eq!(normal_quantile(1.0 - p), -normal_quantile(p));
    }
}

/// Wichura (1988) prints the sums of the coefficient mantissas ("hash sums") to check
/// transcription: AB 55.8831928806149014439, CD 49.33206503301610289036,
/// EF 47.52583317549289671629.
#[test]
fn as241_coefficients_match_hash_sums() {
    fn mantissa(x: f64) -> f64 {
        x / 10f64.powi(x.abs().log10().floor() as i32)
    }
    let sum = |a: &[f64], b: &[f64]| -> f64 { a.iter().chain(b).map(|&x| mantissa(x)).sum() };
    assert!((sum(&AS241_A, &AS241_B) - 55.883_192_880_614_9).abs() < 1e-12);
    assert!((sum(&AS241_C, &AS241_D) - 49.332_065_033_016_1).abs() < 1e-12);
    assert!((sum(&AS241_E, &AS241_F) - 47.525_833_175_492_9).abs() < 1e-12);
}

#[test]
fn log_upper_tail_matches_references() {
    // ln Q(x) from mpmath at 40 digits, on both sides of the switch to the asymptotic series
    // at x = 35 and far beyond the underflow of Q itself.
    let table = [
        (0.0f64, -std::f64::consts::LN_2),
        (1.0, -1.841_021_645_009_263_5),
        (5.0, -15.064_998_393_988_726),
        (20.0, -203.917_155_371_097_26),
        (34.9, -613.477_244_695_371_4),
        (35.0, -616.975_101_261_922_5),
        (35.5, -634.614_263_155_088_4),
        (36.5, -670.642_000_000_313_7),
        (37.5, -707.668_989_317_507_2),
        (40.0, -804.608_442_013_753_8),
        (100.0, -5_005.524_208_694_205),
        (1000.0, -500_007.826_694_812_2),
    ];
    for (x, want) in table {
        // The erfc branch inherits the z²·2⁻⁵³ argument rounding (absolute error in ln Q).
        let tol = 1e-15 + 2e-16 * x * x / want.abs();
        assert_close(&format!("ln Q({x})"), ln_upper_tail(x), want, tol);
    }
    // Cross-check with statrs' own erfc (accurate to ~1e-11) where Q is still a normal float.
    let s = SNormal::new(0.0, 1.0).unwrap();
    for x in [2.0, 10.0, 30.0, 36.0, 37.5] {
        assert_close(
            &format!("statrs ln Q({x})"),
            ln_upper_tail(x),
            s.sf(x).ln(),
            1e-10,
        );
    }
    assert_eq!(ln_upper_tail(f64::INFINITY), f64::NEG_INFINITY);
}

// ---------------------------------------------------------------- continuous kinds

#[test]
fn fixed_and_degenerate() {
    let mut r = rng(1);
    assert_eq!(ok("5000"), Dist::Fixed(5000.0));
    assert_eq!(ok("0.25"), Dist::Fixed(0.25));
    for (d, v) in [
        (Dist::Fixed(3.5), 3.5),
        (Dist::Uniform { lo: 2.0, hi: 2.0 }, 2.0),
        (
            Dist::Triangular {
                min: 1.0,
                mode: 1.0,
                max: 1.0,
            },
            1.0,
        ),
        (
            Dist::Pert {
                min: 7.0,
                mode: 7.0,
                max: 7.0,
                lambda: 4.0,
            },
            7.0,
        ),
        (
            Dist::Beta {
                alpha: 2.0,
                beta: 3.0,
                min: 4.0,
                max: 4.0,
            },
            4.0,
        ),
        (Dist::Bernoulli { p: 1.0 }, 1.0),
        (Dist::Bernoulli { p: 0.0 }, 0.0),
        (
            Dist::LogNormal {
                mu: 0.0,
                sigma: 0.0,
            },
            1.0,
        ),
        (ok("{ choice = [4, 5], weights = [0, 3] }"), 5.0),
        (ok("{ samples = [6, 6, 6] }"), 6.0),
    ] {
        assert!(d.is_fixed(), "{d:?} should be fixed");
        assert_eq!(d.support(), (v, v), "{d:?}");
        assert_eq!(d.mean(), v, "{d:?}");
        for _ in 0..100 {
            assert_eq!(d.sample(&mut r), v, "{d:?}");
        }
    }
    for s in ["{ uniform = [1, 2] }", "\"1 to 2\"", "{ bernoulli = 0.5 }"] {
        assert!(!ok(s).is_fixed(), "{s}");
    }
}

#[test]
fn uniform_matches_textbook() {
    let d = ok("{ uniform = [2, 7.5] }");
    assert_eq!(d, Dist::Uniform { lo: 2.0, hi: 7.5 });
    check_continuous("uniform", &d, &SUniform::new(2.0, 7.5).unwrap(), 11);
}

#[test]
fn triangular_matches_textbook() {
    for (i, (a, c, b)) in [(1.0, 3.0, 10.0), (0.0, 0.0, 1.0), (-5.0, 2.0, 2.0)]
        .into_iter()
        .enumerate()
    {
        let d = Dist::Triangular {
            min: a,
            mode: c,
            max: b,
        };
        let reference = STriangular::new(a, b, c).unwrap();
        check_continuous(
            &format!("triangular {a},{c},{b}"),
            &d,
            &reference,
            20 + i as u64,
        );
    }
    assert_eq!(
        ok("{ triangular = [1, 3, 10] }"),
        Dist::Triangular {
            min: 1.0,
            mode: 3.0,
            max: 10.0
        }
    );
}

#[test]
fn pert_matches_textbook() {
    // Reference: X = min + (max − min)·Beta(α, β) with Vose's α, β, and the mean
    // (min + λ·mode + max)/(λ + 2); for λ = 4 that is the classic (min + 4·mode + max)/6.
    for (i, (src, a, c, b, lambda)) in [
        ("{ pert = [10, 20, 50] }", 10.0, 20.0, 50.0, 4.0),
        ("{ pert = [0, 0.1, 0.8], lambda = 2 }", 0.0, 0.1, 0.8, 2.0),
        ("{ pert = [-3, -3, 4] }", -3.0, -3.0, 4.0, 4.0),
    ]
    .into_iter()
    .enumerate()
    {
        let d = ok(src);
        assert_eq!(
            d,
            Dist::Pert {
                min: a,
                mode: c,
                max: b,
                lambda
            }
        );
        let alpha = 1.0 + lambda * (c - a) / (b - a);
        let beta = 1.0 + lambda * (b - c) / (b - a);
        let reference = SBeta::new(alpha, beta).unwrap();
        let xs = draw(&d, N, 30 + i as u64);
        assert_in_support(src, &d, &xs);
        assert_ks(src, &xs, |x| reference.cdf((x - a) / (b - a)));
        let mean = (a + lambda * c + b) / (lambda + 2.0);
        assert_close(src, d.mean(), mean, 1e-12);
        assert_close(src, a + (b - a) * reference.mean().unwrap(), mean, 1e-12);
        let sd = (b - a) * reference.variance().unwrap().sqrt();
        assert_sample_mean(src, &xs, mean, sd);
    }
    let d = ok("{ pert = [10, 20, 50] }");
    assert_close(
        "PERT λ=4",
        d.mean(),
        (10.0 + 4.0 * 20.0 + 50.0) / 6.0,
        1e-15,
    );
}

#[test]
fn normal_matches_textbook() {
    let d = ok("{ normal = [100, 15] }");
    assert_eq!(
        d,
        Dist::Normal {
            mean: 100.0,
            sd: 15.0,
            min: None,
            max: None
        }
    );
    check_continuous("normal", &d, &SNormal::new(100.0, 15.0).unwrap(), 40);
}

/// Truncated-normal reference: CDF (Φ(x) − Φ(a))/(Φ(b) − Φ(a)) written with statrs' Φ and its
/// survival function (for precision in the upper tail), mean and variance from Johnson, Kotz &
/// Balakrishnan (1994), vol. 1, ch. 13: with Z = Φ(b) − Φ(a), E = μ + σ(φ(a) − φ(b))/Z and
/// Var = σ²[1 + (aφ(a) − bφ(b))/Z − ((φ(a) − φ(b))/Z)²].
fn check_truncated(name: &str, mean: f64, sd: f64, lo: Option<f64>, hi: Option<f64>, seed: u64) {
    let d = Dist::Normal {
        mean,
        sd,
        min: lo,
        max: hi,
    };
    let s = SNormal::new(0.0, 1.0).unwrap();
    let a = lo.map_or(f64::NEG_INFINITY, |v| (v - mean) / sd);
    let b = hi.map_or(f64::INFINITY, |v| (v - mean) / sd);
    let upper = a > 0.0;
    let z = if upper {
        s.sf(a) - s.sf(b)
    } else {
        s.cdf(b) - s.cdf(a)
    };
    let cdf = |x: f64| {
        let t = (x - mean) / sd;
        if upper {
            (s.sf(a) - s.sf(t)) / z
        } else {
            (s.cdf(t) - s.cdf(a)) / z
        }
    };
    let pdf = |t: f64| if t.is_finite() { s.pdf(t) } else { 0.0 };
    let tpdf = |t: f64| if t.is_finite() { t * s.pdf(t) } else { 0.0 };
    let m = (pdf(a) - pdf(b)) / z;
    let var = 1.0 + (tpdf(a) - tpdf(b)) / z - m * m;
    let ref_mean = mean + sd * m;
    let ref_sd = sd * var.sqrt();

    let xs = draw(&d, N, seed);
    for &x in &xs {
        assert!(
            x >= lo.unwrap_or(f64::NEG_INFINITY) && x <= hi.unwrap_or(f64::INFINITY),
            "{name}: {x} outside [{lo:?}, {hi:?}]"
        );
    }
    assert_in_support(name, &d, &xs);
    assert_ks(name, &xs, cdf);
    assert_close(&format!("{name} analytic mean"), d.mean(), ref_mean, 1e-9);
    assert_sample_mean(name, &xs, ref_mean, ref_sd);
}

#[test]
fn truncated_normal_matches_truncated_cdf() {
    // Straddling the mean (both halves of the inversion), one-sided, and each tail.
    check_truncated("two-sided", 0.0, 1.0, Some(-0.5), Some(2.0), 50);
    check_truncated("min only", 0.04, 0.015, Some(0.0), None, 51);
    check_truncated("max only", 0.85, 0.1, None, Some(1.0), 52);
    check_truncated("upper tail min", 10.0, 2.0, Some(13.0), None, 53);
    check_truncated("lower tail", 0.0, 1.0, Some(-3.0), Some(-1.0), 54);
    check_truncated(
        "far upper tail [8, 9] sd",
        0.0,
        1.0,
        Some(8.0),
        Some(9.0),
        55,
    );
    check_truncated("far lower tail ≤ −6 sd", 5.0, 1.0, None, Some(-1.0), 56);
    assert_eq!(
        ok("{ normal = [0.85, 0.1], min = 0, max = 1 }"),
        Dist::Normal {
            mean: 0.85,
            sd: 0.1,
            min: Some(0.0),
            max: Some(1.0)
        }
    );
}

/// The standard normal Mills ratio R(x) = Q(x)/φ(x) by Laplace's continued fraction
/// R(x) = 1/(x + 1/(x + 2/(x + 3/(x + …)))) (Abramowitz & Stegun 26.2.14), independent of the
/// asymptotic series used by the sampler.
fn mills_cf(x: f64) -> f64 {
    let mut t = x;
    for k in (1..=300).rev() {
        t = x + k as f64 / t;
    }
    1.0 / t
}

/// The inversion itself, deterministically: F(x(u)) = u for the truncated CDF written with the
/// continued-fraction Mills ratio, F(x) = (1 − e^{−(x²−a²)/2}R(x)/R(a))/(1 − e^{−(b²−a²)/2}R(b)/R(a)),
/// across the erfc branch, the log-space Newton branch (a ≥ 35) and the mirrored lower tail.
#[test]
fn truncated_normal_inversion_is_exact() {
    for a in [3.0, 8.0, 20.0, 34.9, 35.1, 40.0, 200.0, 1e4] {
        for width in [f64::INFINITY, 1.0, 0.05] {
            let b = a + width;
            let ra = mills_cf(a);
            let tail = |x: f64| {
                if x.is_infinite() {
                    0.0
                } else {
                    (-(x - a) * (x + a) / 2.0).exp() * mills_cf(x) / ra
                }
            };
            let cdf = |x: f64| (1.0 - tail(x)) / (1.0 - tail(b));
            for u in [1e-12, 0.001, 0.1, 0.37, 0.5, 0.9, 0.999, 1.0 - 1e-9] {
                let x = truncated_std_normal(a, b, u);
                assert!(x >= a && x <= b, "a={a} b={b} u={u}: {x}");
                // Rounding x to the nearest double (δx ≈ 2⁻⁵³·x) moves F by about
                // f(x)·δx ≤ a·x·2⁻⁵³/(1 − Q(b)/Q(a)); allow 4 such units plus 1e-12.
                let tol = 1e-12 + 4.0 * a * b.min(a + 1.0) * f64::EPSILON / 2.0 / (1.0 - tail(b));
                let f = cdf(x);
                assert!(
                    (f - u).abs() <= tol,
                    "a={a} b={b} u={u}: F(x) = {f} (x = {x})"
                );
                // Mirror image in the lower tail.
                assert_eq!(
                    truncated_std_normal(-b, -a, 1.0 - u),
                    -x,
                    "a={a} b={b} u={u}"
                );
            }
        }
    }
    // Straddling zero: against statrs' Φ.
    let s = SNormal::new(0.0, 1.0).unwrap();
    for (a, b) in [(-0.5, 2.0), (f64::NEG_INFINITY, 1.0), (-3.0, f64::INFINITY)] {
        let (pa, pb) = (s.cdf(a), s.cdf(b));
        for u in [1e-9, 0.2, 0.5, 0.8, 1.0 - 1e-9] {
            let x = truncated_std_normal(a, b, u);
            let f = (s.cdf(x) - pa) / (pb - pa);
            assert!(
                x.is_finite() && (f - u).abs() < 1e-10,
                "[{a}, {b}] u={u}: {x}"
            );
        }
    }
}

#[test]
fn truncated_normal_far_beyond_underflow() {
    // 40 sd above the mean: Φ(−40) ≈ 3.7e-350 underflows; the log-space inversion must still
    // give the exact conditional law F(x) = 1 − e^{−(x² − a²)/2}·R(x)/R(a).
    let a = 40.0;
    let d = Dist::Normal {
        mean: 0.0,
        sd: 1.0,
        min: Some(a),
        max: None,
    };
    let xs = draw(&d, N, 60);
    assert!(xs.iter().all(|&x| x >= a && x.is_finite()));
    let ra = mills_cf(a);
    assert_ks("N(0,1) | X ≥ 40", &xs, |x| {
        1.0 - (-(x - a) * (x + a) / 2.0).exp() * mills_cf(x) / ra
    });
    let mean = 1.0 / ra; // E[X | X > a] = φ(a)/Q(a)
    let sd = (1.0 + a / ra - 1.0 / (ra * ra)).sqrt();
    assert_close("mean beyond 40 sd", d.mean(), mean, 1e-12);
    assert_sample_mean("N(0,1) | X ≥ 40", &xs, mean, sd);

    // Mirrored, scaled and two-sided: N(100, 2²) below 100 − 2·45, within a 0.01-sd window.
    let d = Dist::Normal {
        mean: 100.0,
        sd: 2.0,
        min: Some(100.0 - 2.0 * 45.01),
        max: Some(100.0 - 2.0 * 45.0),
    };
    let (lo, hi) = d.support();
    let xs = draw(&d, 5_000, 61);
    assert!(xs.iter().all(|&x| x >= lo && x <= hi));
    assert!(d.mean() >= lo && d.mean() <= hi);

    // Absurdly far (1e9 sd): the exponential limit, still inside the bounds and finite.
    let d = Dist::Normal {
        mean: 0.0,
        sd: 1e-9,
        min: Some(1.0),
        max: None,
    };
    let xs = draw(&d, 1_000, 62);
    assert!(xs.iter().all(|&x| (1.0..1.0 + 1e-15).contains(&x)));
    assert_close("1e9 sd mean", d.mean(), 1.0, 1e-15);
}

#[test]
fn lognormal_by_mean_and_sd() {
    let d = ok("{ lognormal = [50, 20] }");
    let Dist::LogNormal { mu, sigma } = d else {
        panic!("{d:?}")
    };
    let reference = SLogNormal::new(mu, sigma).unwrap();
    // The conversion must reproduce the requested moments of X itself.
    assert_close("lognormal mean", reference.mean().unwrap(), 50.0, 1e-12);
    assert_close(
        "lognormal sd",
        reference.variance().unwrap().sqrt(),
        20.0,
        1e-12,
    );
    check_continuous("lognormal [50, 20]", &d, &reference, 70);
}

#[test]
fn interval_to_is_lognormal_with_5_and_95_percentiles() {
    let d = ok("\"15 to 30\"");
    let Dist::LogNormal { mu, sigma } = d else {
        panic!("{d:?}")
    };
    assert_close("mu", mu, (15f64.ln() + 30f64.ln()) / 2.0, 1e-15);
    assert_close(
        "sigma",
        sigma,
        (30f64.ln() - 15f64.ln()) / (2.0 * 1.644_853_626_951_472_2),
        1e-15,
    );
    let reference = SLogNormal::new(mu, sigma).unwrap();
    assert_close("analytic 5%", reference.inverse_cdf(0.05), 15.0, 1e-9);
    assert_close("analytic 95%", reference.inverse_cdf(0.95), 30.0, 1e-9);
    check_continuous("\"15 to 30\"", &d, &reference, 80);

    let mut xs = draw(&d, N, 81);
    xs.sort_by(f64::total_cmp);
    let n = N as f64;
    for (p, q) in [(0.05, 15.0), (0.95, 30.0)] {
        // Share of draws below the bound: binomial, sd √(p(1−p)/N).
        let share = xs.partition_point(|&x| x <= q) as f64 / n;
        let se = (p * (1.0 - p) / n).sqrt();
        assert!(
            (share - p).abs() < K_SE * se,
            "P(X ≤ {q}) = {share}, want {p}"
        );
        // Sample quantile: asymptotically normal with sd √(p(1−p)/N)/f(q).
        let emp = xs[(p * n) as usize];
        let tol = K_SE * se / reference.pdf(q);
        assert!(
            (emp - q).abs() < tol,
            "{p} quantile {emp}, want {q} ± {tol}"
        );
    }
    // Spacing and case are flexible, numbers may use exponents or underscores.
    assert_eq!(ok("\"  15   TO 30 \""), d);
    assert_eq!(ok("\"1.5e1 to 3_0\""), d);
}

#[test]
fn beta_matches_textbook() {
    for (i, (src, a, b, lo, hi)) in [
        ("{ beta = [2, 5] }", 2.0, 5.0, 0.0, 1.0),
        ("{ beta = [0.5, 0.5] }", 0.5, 0.5, 0.0, 1.0),
        (
            "{ beta = [8, 2], min = 10, max = 20 }",
            8.0,
            2.0,
            10.0,
            20.0,
        ),
        ("{ beta = [0.7, 3], max = 0.5 }", 0.7, 3.0, 0.0, 0.5),
    ]
    .into_iter()
    .enumerate()
    {
        let d = ok(src);
        assert_eq!(
            d,
            Dist::Beta {
                alpha: a,
                beta: b,
                min: lo,
                max: hi
            }
        );
        let reference = SBeta::new(a, b).unwrap();
        let xs = draw(&d, N, 90 + i as u64);
        assert_in_support(src, &d, &xs);
        assert_ks(src, &xs, |x| reference.cdf((x - lo) / (hi - lo)));
        let mean = lo + (hi - lo) * reference.mean().unwrap();
        assert_close(src, d.mean(), mean, 1e-12);
        let sd = (hi - lo) * reference.variance().unwrap().sqrt();
        assert_sample_mean(src, &xs, mean, sd);
    }
}

// ---------------------------------------------------------------- discrete kinds

#[test]
fn bernoulli_frequency() {
    for (i, p) in [0.3, 0.02, 0.5].into_iter().enumerate() {
        let d = ok(&format!("{{ bernoulli = {p} }}"));
        assert_eq!(d, Dist::Bernoulli { p });
        let xs = draw(&d, N, 100 + i as u64);
        assert!(xs.iter().all(|&x| x == 0.0 || x == 1.0));
        let freq = xs.iter().sum::<f64>() / N as f64;
        let se = (p * (1.0 - p) / N as f64).sqrt();
        assert!((freq - p).abs() < K_SE * se, "p = {p}: frequency {freq}");
        assert_eq!(d.mean(), p);
        assert_eq!(d.support(), (0.0, 1.0));
    }
    assert_eq!(ok("{ bernoulli = 1 }"), Dist::Bernoulli { p: 1.0 });
}

/// Pearson's chi-square statistic for the draws `xs` against `probs` (value → probability),
/// compared with the 99.9% quantile of χ²(k − 1) from statrs.
fn assert_chi_square(name: &str, xs: &[f64], probs: &[(f64, f64)]) {
    let n = xs.len() as f64;
    let mut stat = 0.0;
    for &(v, p) in probs {
        let observed = xs.iter().filter(|&&x| x == v).count() as f64;
        let expected = n * p;
        stat += (observed - expected).powi(2) / expected;
    }
    let counted: usize = probs
        .iter()
        .map(|&(v, _)| xs.iter().filter(|&&x| x == v).count())
        .sum();
    assert_eq!(
        counted,
        xs.len(),
        "{name}: a draw outside the listed values"
    );
    let crit = ChiSquared::new((probs.len() - 1) as f64)
        .unwrap()
        .inverse_cdf(1.0 - ALPHA);
    assert!(stat < crit, "{name}: χ² = {stat:.2} ≥ {crit:.2}");
}

#[test]
fn choice_frequencies() {
    let d = ok("{ choice = [1, 2, 5], weights = [1, 2, 7] }");
    assert_eq!(
        d,
        Dist::Choice {
            values: vec![1.0, 2.0, 5.0],
            cumulative_weights: vec![0.1, 0.3, 1.0]
        }
    );
    let probs = [(1.0, 0.1), (2.0, 0.2), (5.0, 0.7)];
    assert_chi_square("weighted choice", &draw(&d, N, 110), &probs);
    assert_close("choice mean", d.mean(), 0.1 + 0.4 + 3.5, 1e-15);
    assert_eq!(d.support(), (1.0, 5.0));

    let d = ok("{ choice = [15, 20, 25, 30] }");
    let probs = [(15.0, 0.25), (20.0, 0.25), (25.0, 0.25), (30.0, 0.25)];
    assert_chi_square("equal choice", &draw(&d, N, 111), &probs);
    assert_eq!(d.mean(), 22.5);

    // Zero weights are never drawn, wherever they are.
    let d = ok("{ choice = [1, 2, 3, 4], weights = [0, 1, 0, 1] }");
    assert_chi_square("zero weights", &draw(&d, N, 112), &[(2.0, 0.5), (4.0, 0.5)]);
    assert_eq!(d.support(), (2.0, 4.0));
    assert_eq!(d.mean(), 3.0);
}

#[test]
fn empirical_resamples_uniformly() {
    let d = ok("{ samples = [3, 1, 4, 1, 5, 9, 2, 6] }");
    let probs = [
        (1.0, 0.25),
        (2.0, 0.125),
        (3.0, 0.125),
        (4.0, 0.125),
        (5.0, 0.125),
        (6.0, 0.125),
        (9.0, 0.125),
    ];
    assert_chi_square("empirical", &draw(&d, N, 120), &probs);
    assert_eq!(d.mean(), 31.0 / 8.0);
    assert_eq!(d.support(), (1.0, 9.0));
}

// ---------------------------------------------------------------- parsing errors

/// Every bad input gives an `InputError` (never a panic) naming the key, the file position, and
/// (for some) a specific explanation or hint.
#[test]
fn bad_inputs_are_errors_naming_the_key() {
    // (value, text that must appear in the message)
    let cases: &[(&str, &str)] = &[
        // not a distribution at all
        ("true", "90% interval"),
        ("[1, 2]", "inline table"),
        ("nan", "finite"),
        ("inf", "finite"),
        ("-inf", "finite"),
        // strings
        ("\"abc\"", "\"15 to 30\""),
        ("\"\"", "\"15 to 30\""),
        ("\"15 to\"", "\"15 to 30\""),
        ("\"15 to 30 to 45\"", "\"15 to 30\""),
        ("\"5000\"", "without quotes"),
        ("\"a to b\"", "bounds are numbers"),
        ("\"nan to 3\"", "finite"),
        ("\"1 to inf\"", "finite"),
        ("\"-5 to 10\"", "positive bounds"),
        ("\"0 to 10\"", "positive bounds"),
        ("\"30 to 15\"", "\"15 to 30\"?"),
        ("\"15 to 15\"", "without quotes"),
        // tables: keys
        ("{}", "an empty table"),
        ("{ unifrom = [1, 2] }", "did you mean `uniform`?"),
        ("{ pert = [1, 2, 3], lamda = 3 }", "did you mean `lambda`?"),
        ("{ foo = 1 }", "unknown key `foo`"),
        ("{ lambda = 3 }", "one distribution kind"),
        (
            "{ uniform = [1, 2], normal = [0, 1] }",
            "both `uniform` and `normal`",
        ),
        ("{ uniform = [1, 2], lambda = 3 }", "applies to pert only"),
        (
            "{ uniform = [1, 2], min = 0 }",
            "applies to normal and beta only",
        ),
        (
            "{ normal = [0, 1], weights = [1] }",
            "applies to choice only",
        ),
        ("{ triangular = [0, 1, 2], max = 3 }", "`max`"),
        // arrays
        ("{ uniform = [1] }", "an array of 2 numbers [lo, hi]"),
        ("{ uniform = [1, 2, 3] }", "an array of 3 elements"),
        ("{ uniform = 3 }", "an array of 2 numbers"),
        ("{ uniform = [1, \"a\"] }", "for hi (element 2"),
        ("{ uniform = [1, nan] }", "finite"),
        ("{ uniform = [1e308, inf] }", "finite"),
        ("{ triangular = [1, 2] }", "[min, mode, max]"),
        ("{ pert = [1, 2, 3, 4] }", "[min, mode, max]"),
        // order and ranges
        ("{ uniform = [2, 1] }", "lo = 2 greater than hi = 1"),
        (
            "{ triangular = [5, 1, 10] }",
            "min (5) greater than mode (1)",
        ),
        (
            "{ triangular = [1, 20, 10] }",
            "mode (20) greater than max (10)",
        ),
        (
            "{ triangular = [10, 5, 1] }",
            "min (10) greater than max (1)",
        ),
        ("{ pert = [5, 1, 10] }", "min (5) greater than mode (1)"),
        ("{ pert = [1, 20, 10] }", "mode (20) greater than max (10)"),
        ("{ pert = [1, 2, 3], lambda = 0 }", "lambda > 0"),
        ("{ pert = [1, 2, 3], lambda = -1 }", "lambda > 0"),
        ("{ pert = [1, 2, 3], lambda = \"x\" }", "finite number"),
        ("{ normal = [0, 0] }", "sd > 0"),
        ("{ normal = [0, -1] }", "sd > 0"),
        ("{ normal = [0, 1], min = 2, max = 1 }", "min < max"),
        ("{ normal = [0, 1], min = 1, max = 1 }", "min < max"),
        ("{ normal = [0, 1], min = \"a\" }", "finite number"),
        ("{ normal = [0, 1], max = nan }", "finite"),
        ("{ lognormal = [0, 1] }", "mean > 0"),
        ("{ lognormal = [-5, 1] }", "mean > 0"),
        ("{ lognormal = [10, 0] }", "sd > 0"),
        ("{ beta = [0, 1] }", "alpha > 0"),
        ("{ beta = [1, -2] }", "beta > 0"),
        ("{ beta = [2, 2], min = 3, max = 1 }", "min ≤ max"),
        ("{ beta = [2, 2], min = 3 }", "min ≤ max"),
        ("{ bernoulli = 1.5 }", "[0, 1]"),
        ("{ bernoulli = -0.1 }", "[0, 1]"),
        ("{ bernoulli = [0.5] }", "probability"),
        ("{ bernoulli = nan }", "probability"),
        ("{ choice = [] }", "non-empty"),
        ("{ choice = 3 }", "array of numbers"),
        ("{ choice = [1, 2], weights = [1] }", "one weight per value"),
        ("{ choice = [1, 2], weights = [0, 0] }", "not all zero"),
        ("{ choice = [1, 2], weights = [-1, 2] }", "weights ≥ 0"),
        (
            "{ choice = [1, 2], weights = [1e308, 1e308] }",
            "finite sum",
        ),
        ("{ choice = [1, inf] }", "finite"),
        ("{ samples = [] }", "non-empty"),
        ("{ samples = [1, nan] }", "finite"),
        ("{ samples = [1, [2]] }", "element 2"),
        ("{ samples = { x = 1 } }", "array of numbers"),
    ];
    for (value, needle) in cases {
        let e = match parse(value) {
            Ok(d) => panic!("{value} parsed as {d:?}"),
            Err(e) => e,
        };
        let msg = e.to_string();
        assert!(e.key.starts_with(KEY), "{value}: key `{}`", e.key);
        assert!(
            msg.contains(KEY),
            "{value}: message does not name the key: {msg}"
        );
        assert!(
            matches!(&e.origin, Origin::File { path, line: 1, .. } if path == Path::new("test.toml")),
            "{value}: origin {:?}",
            e.origin
        );
        assert!(msg.contains(needle), "{value}: `{needle}` not in: {msg}");
    }
}

#[test]
fn error_messages_read_well() {
    let e = parse("\"-5 to 10\"").unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("a lognormal needs positive bounds"), "{msg}");
    assert!(msg.contains("{ normal = [mean, sd] }") && msg.contains("{ uniform = [lo, hi] }"));

    let e = parse("\"abc\"").unwrap_err();
    assert_eq!(
        e.expected,
        "a number, a 90% interval like \"15 to 30\", or an inline table such as { pert = [min, mode, max] }"
    );
    assert_eq!(e.found, "a string `\"abc\"`");

    // Parts of an inline table are named by their own key path and position.
    let e = parse("{ pert = [1, 2, 3], lambda = 0 }").unwrap_err();
    assert_eq!(e.key, format!("{KEY}.lambda"));
    let e = parse("{ triangular = [5, 1, 10] }").unwrap_err();
    assert_eq!(e.key, format!("{KEY}.triangular"));
    match e.origin {
        Origin::File { column, .. } => assert_eq!(column, 20),
        o => panic!("{o:?}"),
    }
}

#[test]
fn constructors_validate_like_the_parser() {
    assert!(Dist::lognormal_from_90ci(0.0, 1.0).is_err());
    assert!(Dist::lognormal_from_90ci(2.0, 1.0).is_err());
    assert!(Dist::lognormal_from_mean_sd(1.0, 0.0).is_err());
    assert!(Dist::lognormal_from_mean_sd(1e-300, 1e300).is_ok());
    assert!(Dist::choice(vec![], None).is_err());
    assert!(Dist::choice(vec![1.0], Some(&[0.0])).is_err());
    for s in [
        "1",
        "\"1 to 2\"",
        "{ uniform = [1, 2] }",
        "{ triangular = [1, 2, 3] }",
        "{ pert = [1, 2, 3], lambda = 2 }",
        "{ normal = [0, 1], min = -1 }",
        "{ lognormal = [3, 1] }",
        "{ beta = [1, 2], min = -1, max = 1 }",
        "{ bernoulli = 0.1 }",
        "{ choice = [1, 2], weights = [3, 4] }",
        "{ samples = [1, 2, 3] }",
    ] {
        let d = ok(s);
        assert_eq!(d.validate(), Ok(()), "{s}");
        let (lo, hi) = d.support();
        assert!(lo <= d.mean() && d.mean() <= hi, "{s}");
    }
    assert!(Dist::Uniform { lo: 2.0, hi: 1.0 }.validate().is_err());
    assert!(Dist::Normal {
        mean: 0.0,
        sd: 1.0,
        min: Some(1.0),
        max: Some(1.0)
    }
    .validate()
    .is_err());
    assert!(Dist::Choice {
        values: vec![1.0, 2.0],
        cumulative_weights: vec![0.6, 0.5]
    }
    .validate()
    .is_err());
}

// ---------------------------------------------------------------- properties

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        -1e6..1e6f64,
        Just(0.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MAX),
        Just(-f64::MAX),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any valid uniform, triangular or PERT parameters: every draw lies in the support, which
    /// is [min, max]; so does the mean.
    #[test]
    fn bounded_kinds_stay_in_support(
        mut v in prop::array::uniform3(prop_oneof![-1e9..1e9f64, any::<f64>().prop_filter("finite", |x| x.is_finite())]),
        lambda in 0.01..100.0f64,
        seed in any::<u64>(),
    ) {
        v.sort_by(f64::total_cmp);
        let [a, c, b] = v;
        let kinds = [
            Dist::Uniform { lo: a, hi: b },
            Dist::Triangular { min: a, mode: c, max: b },
            Dist::Pert { min: a, mode: c, max: b, lambda },
        ];
        let mut r = rng(seed);
        for d in &kinds {
            prop_assert_eq!(d.validate(), Ok(()));
            prop_assert_eq!(d.support(), (a, b));
            for _ in 0..64 {
                let x = d.sample(&mut r);
                prop_assert!(x >= a && x <= b, "{:?} drew {}", d, x);
            }
        }
    }

    /// Truncated normals never leave [min, max], wherever the window sits.
    #[test]
    fn truncated_normal_stays_in_window(
        mean in -1e3..1e3f64,
        sd in 1e-3..1e3f64,
        lo in -1e5..1e5f64,
        width in 1e-9..1e5f64,
        one_sided in 0..3u8,
        seed in any::<u64>(),
    ) {
        let hi = lo + width;
        let (min, max) = match one_sided {
            0 => (Some(lo), Some(hi)),
            1 => (Some(lo), None),
            _ => (None, Some(hi)),
        };
        let d = Dist::Normal { mean, sd, min, max };
        let (a, b) = d.support();
        let m = d.mean();
        prop_assert!(m >= a && m <= b, "mean {} outside [{}, {}]", m, a, b);
        let mut r = rng(seed);
        for _ in 0..64 {
            let x = d.sample(&mut r);
            prop_assert!(x >= a && x <= b && x.is_finite(), "{:?} drew {}", d, x);
        }
    }

    /// No parameters at all, valid or not, make sample, mean, support or is_fixed panic.
    #[test]
    fn never_panics(
        p in prop::array::uniform4(any_f64()),
        opt in prop::array::uniform2(prop::option::of(any_f64())),
        list in prop::collection::vec(any_f64(), 0..4),
        list2 in prop::collection::vec(any_f64(), 0..4),
        seed in any::<u64>(),
    ) {
        let kinds = [
            Dist::Fixed(p[0]),
            Dist::Uniform { lo: p[0], hi: p[1] },
            Dist::Triangular { min: p[0], mode: p[1], max: p[2] },
            Dist::Pert { min: p[0], mode: p[1], max: p[2], lambda: p[3] },
            Dist::Normal { mean: p[0], sd: p[1], min: opt[0], max: opt[1] },
            Dist::LogNormal { mu: p[0], sigma: p[1] },
            Dist::Beta { alpha: p[0].abs().clamp(1e-3, 1e3), beta: p[1].abs().clamp(1e-3, 1e3), min: p[2], max: p[3] },
            Dist::Beta { alpha: p[0], beta: p[1], min: 0.0, max: 1.0 },
            Dist::Bernoulli { p: p[0] },
            Dist::Choice { values: list.clone(), cumulative_weights: list2.clone() },
            Dist::Empirical { samples: list.clone() },
        ];
        let mut r = rng(seed);
        for d in &kinds {
            let _ = (d.is_fixed(), d.mean(), d.support(), d.validate());
            for _ in 0..8 {
                let _ = d.sample(&mut r);
            }
        }
    }

    /// Arbitrary strings and numbers never make the parser panic.
    #[test]
    fn parser_never_panics(s in "\\PC{0,24}", x in any_f64(), y in any_f64()) {
        let n = Node { value: crate::scenario::node::NodeValue::String(s), origin: Origin::Default };
        let _ = parse_dist(&n, "k");
        let n = Node {
            value: crate::scenario::node::NodeValue::String(format!("{x} to {y}")),
            origin: Origin::Default,
        };
        if let Ok(d) = parse_dist(&n, "k") {
            prop_assert_eq!(d.validate(), Ok(()));
        }
    }
}
