//! Discounting and returns on quarterly cash flows.
//!
//! Conventions (documented in docs/model.md): the flow `c[t]` of quarter index `t = 0, 1, …` is
//! at the end of that quarter and is discounted to the start of quarter 0 by `(1 + r_q)^(t + 1)`,
//! with the quarterly rate `r_q = (1 + r)^(1/4) − 1` for an effective annual rate `r`. IRR is
//! found on the quarterly flows and annualised as `(1 + irr_q)^4 − 1`.

/// Quarterly rate equivalent to an effective annual rate: `r_q = (1 + r)^(1/4) − 1`.
pub fn quarterly_rate(annual: f64) -> f64 {
    (1.0 + annual).powf(0.25) - 1.0
}

/// Net present value at the start of quarter 0 of end-of-quarter flows:
/// `NPV = Σ_t c_t / (1 + r_q)^(t+1)` (the textbook definition; numpy-financial's `npv` discounts
/// the first flow by `(1+r)^0` instead — multiply by `(1 + r_q)` to convert).
pub fn npv(rate_per_quarter: f64, flows: &[f64]) -> f64 {
    let mut df = 1.0;
    let mut total = 0.0;
    for c in flows {
        df /= 1.0 + rate_per_quarter;
        total += c * df;
    }
    total
}

/// Internal rate of return per quarter: the rate at which [`npv`] is zero. None when the flows
/// do not change sign (no IRR exists) or no root lies in (−99%, +1000%) per quarter. With several
/// sign changes there may be several roots; this returns the one found by bisection on the
/// bracket where NPV changes sign first, scanning upward from −99%.
pub fn irr_quarterly(flows: &[f64]) -> Option<f64> {
    let has_pos = flows.iter().any(|c| *c > 0.0);
    let has_neg = flows.iter().any(|c| *c < 0.0);
    if !(has_pos && has_neg) {
        return None;
    }
    // Scan a grid for a sign change of NPV, then bisect.
    let grid: [f64; 16] = [
        -0.99, -0.9, -0.7, -0.5, -0.3, -0.15, -0.05, 0.0, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 3.0, 10.0,
    ];
    let f = |r: f64| npv(r, flows);
    let mut lo = grid[0];
    let mut f_lo = f(lo);
    for &hi in &grid[1..] {
        let f_hi = f(hi);
        if f_lo == 0.0 {
            return Some(lo);
        }
        if f_lo.signum() != f_hi.signum() {
            let (mut a, mut b, mut fa) = (lo, hi, f_lo);
            for _ in 0..200 {
                let m = 0.5 * (a + b);
                let fm = f(m);
                if fm == 0.0 || (b - a) < 1e-15 {
                    return Some(m);
                }
                if fm.signum() == fa.signum() {
                    a = m;
                    fa = fm;
                } else {
                    b = m;
                }
            }
            return Some(0.5 * (a + b));
        }
        lo = hi;
        f_lo = f_hi;
    }
    None
}

/// Annualised IRR: `(1 + irr_q)^4 − 1`.
pub fn irr_annual(flows: &[f64]) -> Option<f64> {
    irr_quarterly(flows).map(|r| (1.0 + r).powi(4) - 1.0)
}

/// Index of the first quarter at which the cumulative (undiscounted) flow, having been
/// negative, is back at or above zero. None if it never is (or was never negative).
pub fn payback_index(flows: &[f64]) -> Option<usize> {
    let mut cum = 0.0;
    let mut was_negative = false;
    for (t, c) in flows.iter().enumerate() {
        cum += c;
        if cum < -1e-12 {
            was_negative = true;
        } else if was_negative {
            return Some(t);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npv_textbook() {
        // −100 then +60, +60 at 10% per quarter: −100/1.1 + 60/1.21 + 60/1.331
        let v = npv(0.1, &[-100.0, 60.0, 60.0]);
        let expected = -100.0 / 1.1 + 60.0 / 1.21 + 60.0 / 1.331;
        assert!((v - expected).abs() < 1e-12);
        assert_eq!(npv(0.05, &[]), 0.0);
    }

    #[test]
    fn irr_of_a_simple_loan() {
        // Invest 100, receive 110 one quarter later: 10% per quarter.
        let r = irr_quarterly(&[-100.0, 110.0]).unwrap();
        assert!((r - 0.1).abs() < 1e-12);
        // −100, +60, +60: solve 60x² + 60x − 100 = 0 with x = 1/(1+r): x = (−60 + √(3600 + 24000))/120
        let x = (-60.0 + (3600.0f64 + 24000.0).sqrt()) / 120.0;
        let r = irr_quarterly(&[-100.0, 60.0, 60.0]).unwrap();
        assert!((r - (1.0 / x - 1.0)).abs() < 1e-12);
        assert!((npv(r, &[-100.0, 60.0, 60.0])).abs() < 1e-9);
        let a = irr_annual(&[-100.0, 110.0]).unwrap();
        assert!((a - (1.1f64.powi(4) - 1.0)).abs() < 1e-12);
    }

    #[test]
    fn irr_needs_a_sign_change() {
        assert_eq!(irr_quarterly(&[-1.0, -2.0]), None);
        assert_eq!(irr_quarterly(&[1.0, 2.0]), None);
        assert_eq!(irr_quarterly(&[0.0, 0.0]), None);
        // Total loss: −100 then nothing back has no sign change.
        assert_eq!(irr_quarterly(&[-100.0, 0.0]), None);
        // Big loss but some money back: −100/(1+r) + 2/(1+r)² = 0 → r = −98%.
        let r = irr_quarterly(&[-100.0, 2.0]).unwrap();
        assert!((r - (-0.98)).abs() < 1e-9);
    }

    #[test]
    fn quarterly_rate_compounds_to_annual() {
        let q = quarterly_rate(0.08);
        assert!(((1.0 + q).powi(4) - 1.08).abs() < 1e-14);
    }

    #[test]
    fn payback() {
        assert_eq!(payback_index(&[-10.0, 4.0, 4.0, 4.0]), Some(3));
        assert_eq!(payback_index(&[-10.0, 4.0]), None);
        assert_eq!(payback_index(&[5.0, 1.0]), None);
    }
}
