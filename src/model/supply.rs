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
    fn compute_doubles_and_prices_respond() {
        assert!((h100e_per_accelerator(1.0, 2.5, 2.5) - 2.0).abs() < 1e-12);
        assert_eq!(price_index(1.0, 0.8), 1.0);
        assert!(price_index(2.0, 1.0) > 1.9);
        assert!(price_index(0.5, 1.0) < 0.6);
        assert_eq!(price_index(100.0, 2.0), 5.0);
    }
}
