//! From wafers to accelerators (MODEL §5): dies per wafer, yield, the minimum of three
//! components, and the market's response (MODEL §6). Small pure functions with their sources.

/// Gross dies per wafer (the standard approximation, e.g. de Vries 2005 / SEMI):
/// `DPW = π(d/2)²/A − πd/√(2A)`, wafer diameter `d` and die area `A` in mm².
/// For an 814 mm² die on a 300 mm wafer: 86.84 − 23.36 = 63.5 (CALIBRATION.md).
pub fn gross_dies_per_wafer(diameter_mm: f64, die_area_mm2: f64) -> f64 {
    let r = diameter_mm / 2.0;
    (std::f64::consts::PI * r * r / die_area_mm2
        - std::f64::consts::PI * diameter_mm / (2.0 * die_area_mm2).sqrt())
    .max(0.0)
}

/// Murphy's yield model: `Y = ((1 − e^(−A·D₀)) / (A·D₀))²` with `A` in cm² and `D₀` in defects
/// per cm² (Murphy 1964); `Y = 1` when `A·D₀ = 0`.
pub fn murphy_yield(die_area_cm2: f64, d0_per_cm2: f64) -> f64 {
    let ad = die_area_cm2 * d0_per_cm2;
    if ad <= 1e-12 {
        1.0
    } else {
        ((1.0 - (-ad).exp()) / ad).powi(2)
    }
}

/// Which component limits accelerator output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Dies,
    Packaging,
    Hbm,
}

/// Accelerators = min(good dies, packaging wafers × accelerators per wafer, HBM stacks ÷ stacks
/// per accelerator) (MODEL §5), with the binding component (ties go to the earlier one).
pub fn accelerators(
    good_dies: f64,
    packaging_wafers: f64,
    per_packaging_wafer: f64,
    hbm_stacks: f64,
    stacks_per_accelerator: f64,
) -> (f64, Component) {
    let pack = packaging_wafers * per_packaging_wafer;
    let hbm = hbm_stacks / stacks_per_accelerator;
    if good_dies <= pack && good_dies <= hbm {
        (good_dies, Component::Dies)
    } else if pack <= hbm {
        (pack, Component::Packaging)
    } else {
        (hbm, Component::Hbm)
    }
}

/// Compute per accelerator relative to an H100, growing as compute per chip doubles every
/// `doubling_years` (Epoch AI: ~2.1–2.5 years): `h(t) = h₀ · 2^(t / T)`.
pub fn h100e_per_accelerator(start: f64, doubling_years: f64, years: f64) -> f64 {
    start * 2f64.powf(years / doubling_years)
}

/// Compute per accelerator relative to the window start, `h(t)/h(0) = 2^(t / T)` (the growth
/// factor of [`h100e_per_accelerator`], whatever its start).
pub fn compute_per_accelerator_growth(doubling_years: f64, years: f64) -> f64 {
    2f64.powf(years / doubling_years)
}

/// An input needed per accelerator (HBM stacks, logic dies) that rises with compute per
/// accelerator at a constant elasticity `ε` (docs/model.md §12.4):
/// `n(t) = n₀ · (h(t)/h(0))^ε`, with `compute_growth = h(t)/h(0)`.
///
/// Source (CALIBRATION.md, "Yield, dies, packaging units"; NVIDIA's H100 and B200 datasheets):
/// from H100 to B200 compute per accelerator rose ~2.3–2.5× (dense FP8), HBM stacks went from
/// 5–6 to 8 and compute dies from 1 to 2, so `ε = ln(input ratio) / ln(compute ratio)`:
/// ≈ 0.4 for stacks (ln(8/5.5) / ln 2.5), ≈ 0.75 for compute dies (ln 2 / ln 2.5).
/// `ε = 0` keeps `n₀` (exactly: `x^0 = 1` for every `x`).
pub fn input_per_accelerator(start: f64, compute_growth: f64, elasticity: f64) -> f64 {
    start * compute_growth.powf(elasticity)
}

/// Accelerators per advanced-packaging (interposer) wafer when the packaging an accelerator
/// needs rises with compute per accelerator at elasticity `ε_pk` (docs/model.md §12.4):
/// `n_pk(t) = n_pk0 · (h(t)/h(0))^(−ε_pk)`, with `compute_growth = h(t)/h(0)`.
///
/// Source (CALIBRATION.md, "Yield, dies, packaging units"): H100/H200 ≈ 29 per CoWoS wafer,
/// B200 ≈ 16, for ~2.5× the compute: `ε_pk = ln(29/16) / ln 2.5 ≈ 0.65`. `ε_pk = 0` keeps `n_pk0`.
pub fn accelerators_per_packaging_wafer(start: f64, compute_growth: f64, elasticity: f64) -> f64 {
    start * compute_growth.powf(-elasticity)
}

/// Price response to the shortage ratio `S = demand ÷ supply`: `index = S^ε`, bounded to
/// [0.2, 5] so that one extreme quarter cannot produce absurd prices.
pub fn price_index(shortage_ratio: f64, elasticity: f64) -> f64 {
    if shortage_ratio <= 0.0 {
        return 0.2;
    }
    shortage_ratio.powf(elasticity).clamp(0.2, 5.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dies_per_wafer_by_hand() {
        // π·150²/814 − π·300/√1628 = 86.8442 − 23.3582 = 63.486
        let dpw = gross_dies_per_wafer(300.0, 814.0);
        let by_hand =
            std::f64::consts::PI * 22_500.0 / 814.0 - std::f64::consts::PI * 300.0 / 1628f64.sqrt();
        assert!((dpw - by_hand).abs() < 1e-12);
        assert!((dpw - 63.5).abs() < 0.05, "CALIBRATION.md: 63.5");
    }

    #[test]
    fn murphy_good_dies_match_calibration_table() {
        // CALIBRATION.md: 814 mm² die, D0 0.05 → 43; 0.07 → 37; 0.10 → 30; 0.15 → 21 good dies.
        let dpw = gross_dies_per_wafer(300.0, 814.0);
        for (d0, expected) in [(0.05, 43.0), (0.07, 37.0), (0.10, 30.0), (0.15, 21.0)] {
            let good = dpw * murphy_yield(8.14, d0);
            assert!(
                (good - expected).abs() < 1.0,
                "D0 {d0}: {good} vs {expected}"
            );
        }
        // By hand at D0 = 0.1: AD = 0.814, ((1 − e^−0.814)/0.814)² = 0.46776…
        let ad: f64 = 0.814;
        let y = ((1.0 - (-ad).exp()) / ad).powi(2);
        assert!((murphy_yield(8.14, 0.1) - y).abs() < 1e-15);
        assert_eq!(murphy_yield(8.14, 0.0), 1.0);
    }

    #[test]
    fn minimum_of_three_with_binding_component() {
        assert_eq!(
            accelerators(100.0, 10.0, 29.0, 900.0, 6.0),
            (100.0, Component::Dies)
        );
        assert_eq!(
            accelerators(500.0, 10.0, 29.0, 900.0, 6.0),
            (150.0, Component::Hbm)
        );
        assert_eq!(
            accelerators(500.0, 4.0, 29.0, 900.0, 6.0),
            (116.0, Component::Packaging)
        );
    }

    #[test]
    fn inputs_per_accelerator_rise_with_compute() {
        // One doubling time: h(T)/h(0) = 2; with h₀ = 0.8, h(T) = 1.6 = 0.8 · 2.
        assert_eq!(compute_per_accelerator_growth(2.3, 2.3), 2.0);
        assert_eq!(compute_per_accelerator_growth(2.3, 0.0), 1.0);
        assert!(
            (h100e_per_accelerator(0.8, 2.3, 1.7) - 0.8 * compute_per_accelerator_growth(2.3, 1.7))
                .abs()
                < 1e-15
        );
        // H100 → B200 by hand (compute × 2.5): 29 → 16 per wafer, 5.5 → 8 stacks, 1 → 2 dies.
        let (pk, h, d) = (
            (29f64 / 16.0).ln() / 2.5f64.ln(),
            (8f64 / 5.5).ln() / 2.5f64.ln(),
            2f64.ln() / 2.5f64.ln(),
        );
        assert!((pk - 0.6490).abs() < 1e-4 && (h - 0.4089).abs() < 1e-4);
        assert!((d - 0.7565).abs() < 1e-4);
        assert!((accelerators_per_packaging_wafer(29.0, 2.5, pk) - 16.0).abs() < 1e-12);
        assert!((input_per_accelerator(5.5, 2.5, h) - 8.0).abs() < 1e-12);
        assert!((input_per_accelerator(1.0, 2.5, d) - 2.0).abs() < 1e-12);
        // Elasticity 1: the input scales with compute (2 doublings → × 4, ÷ 4).
        assert_eq!(input_per_accelerator(6.0, 4.0, 1.0), 24.0);
        assert_eq!(accelerators_per_packaging_wafer(28.0, 4.0, 1.0), 7.0);
        // Elasticity 0: the start value, bit for bit, whatever the growth.
        for g in [1.0, 1.37, 2.0, 167.0] {
            assert_eq!(
                input_per_accelerator(2.5, g, 0.0).to_bits(),
                2.5f64.to_bits()
            );
            assert_eq!(
                accelerators_per_packaging_wafer(27.3, g, 0.0).to_bits(),
                27.3f64.to_bits()
            );
        }
        // No growth (the first quarter): the start value for any elasticity.
        assert_eq!(input_per_accelerator(5.5, 1.0, 0.4), 5.5);
        assert_eq!(accelerators_per_packaging_wafer(29.0, 1.0, 0.65), 29.0);
    }

    #[test]
    fn compute_doubles_and_prices_respond() {
        assert!((h100e_per_accelerator(1.0, 2.5, 2.5) - 2.0).abs() < 1e-12);
        assert_eq!(price_index(1.0, 0.8), 1.0);
        assert!(price_index(2.0, 1.0) > 1.9);
        assert!(price_index(0.5, 1.0) < 0.6);
        assert_eq!(price_index(100.0, 2.0), 5.0);
    }
}
