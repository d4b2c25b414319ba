//! Debt: amortisation formulas and a tranche made of draw vintages.
//!
//! Each quarter's draws on a tranche form a *vintage*, a loan of its own with the tranche's
//! terms: for `g` grace quarters after the draw quarter interest is capitalised (added to the
//! balance — interest during construction), then the balance is repaid over the remaining
//! `n = tenor − g` quarters by annuity, linear or bullet amortisation. A single upfront draw is
//! therefore exactly the textbook loan (tests compare it with `PMT`/`IPMT`/`PPMT`). Rates float:
//! each quarter's rate is the base rate plus the tranche's spread, and an annuity is
//! re-amortised on the remaining balance and term at the current rate (standard for
//! floating-rate annuity loans; with a constant rate it is the fixed `PMT` schedule).

/// How principal is repaid after the grace period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amortisation {
    /// Equal total payments (interest + principal): `PMT`.
    Annuity,
    /// Equal principal payments, interest on the falling balance.
    Linear,
    /// Interest only, all principal at maturity.
    Bullet,
}

/// Annuity payment per period for a loan of `pv` over `n` periods at rate `r` per period:
/// `A = pv · r / (1 − (1 + r)^−n)`, and `pv / n` when `r = 0`. The positive-sign form of
/// Excel/numpy-financial `PMT(r, n, −pv)`.
pub fn pmt(r: f64, n: u32, pv: f64) -> f64 {
    if n == 0 {
        return pv;
    }
    if r == 0.0 {
        return pv / f64::from(n);
    }
    pv * r / (1.0 - (1.0 + r).powi(-(n as i32)))
}

/// Interest part of annuity payment number `k` (1-based): `IPMT = r · B_{k−1}` with the balance
/// after `k − 1` payments `B_{k−1} = pv·(1+r)^{k−1} − A·((1+r)^{k−1} − 1)/r`.
pub fn ipmt(r: f64, k: u32, n: u32, pv: f64) -> f64 {
    let a = pmt(r, n, pv);
    let growth = (1.0 + r).powi(k as i32 - 1);
    let balance = if r == 0.0 {
        pv - a * f64::from(k - 1)
    } else {
        pv * growth - a * (growth - 1.0) / r
    };
    r * balance
}

/// Principal part of annuity payment `k`: `PPMT = PMT − IPMT`.
pub fn ppmt(r: f64, k: u32, n: u32, pv: f64) -> f64 {
    pmt(r, n, pv) - ipmt(r, k, n, pv)
}

/// What one quarter of a tranche's debt service looks like.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Service {
    /// Interest added to the balance (grace period).
    pub capitalised: f64,
    /// Interest due in cash.
    pub interest: f64,
    /// Principal due in cash.
    pub principal: f64,
}

/// One tranche's terms and its vintages (indexed by draw quarter).
#[derive(Debug, Clone)]
pub struct Tranche {
    pub spread: f64,
    pub grace_quarters: u32,
    pub tenor_quarters: u32,
    pub amortisation: Amortisation,
    /// Balance of the vintage drawn in quarter `d` (index `d`).
    balances: Vec<f64>,
    /// Balance at the end of the grace period, for linear and bullet schedules.
    balances_at_term: Vec<f64>,
}

impl Tranche {
    pub fn new(quarters: usize) -> Self {
        Tranche {
            spread: 0.0,
            grace_quarters: 0,
            tenor_quarters: 1,
            amortisation: Amortisation::Annuity,
            balances: vec![0.0; quarters],
            balances_at_term: vec![0.0; quarters],
        }
    }

    /// Clears balances and sets the terms (called at the start of each trial).
    pub fn reset(&mut self, spread: f64, grace: u32, tenor: u32, amortisation: Amortisation) {
        self.spread = spread;
        self.grace_quarters = grace.min(tenor.saturating_sub(1));
        self.tenor_quarters = tenor.max(1);
        self.amortisation = amortisation;
        self.balances.iter_mut().for_each(|b| *b = 0.0);
        self.balances_at_term.iter_mut().for_each(|b| *b = 0.0);
    }

    pub fn draw(&mut self, quarter: usize, amount: f64) {
        self.balances[quarter] += amount;
        if self.grace_quarters == 0 {
            // The amortising balance of a loan without grace is the amount drawn.
            self.balances_at_term[quarter] += amount;
        }
    }

    pub fn outstanding(&self) -> f64 {
        self.balances.iter().sum()
    }

    /// The debt service due in quarter `q` at the per-quarter rate `rate` (base + spread),
    /// without changing balances. Call [`Tranche::apply`] with the same arguments once paid.
    pub fn due(&self, q: usize, rate: f64) -> Service {
        let mut s = Service::default();
        for d in 0..q.min(self.balances.len()) {
            let b = self.balances[d];
            if b <= 0.0 {
                continue;
            }
            let k = (q - d) as u32; // 1 in the first quarter after the draw
            let interest = b * rate;
            if k <= self.grace_quarters {
                s.capitalised += interest;
                continue;
            }
            let paid = k - self.grace_quarters; // 1-based payment number
            let n = self.tenor_quarters - self.grace_quarters;
            let principal = if paid >= n {
                b
            } else {
                match self.amortisation {
                    Amortisation::Annuity => {
                        let remaining = n - paid + 1;
                        (pmt(rate, remaining, b) - interest).clamp(0.0, b)
                    }
                    Amortisation::Linear => (self.balances_at_term[d] / f64::from(n)).min(b),
                    Amortisation::Bullet => 0.0,
                }
            };
            s.interest += interest;
            s.principal += principal;
        }
        s
    }

    /// Applies quarter `q`'s schedule: capitalises grace interest and removes the principal due.
    pub fn apply(&mut self, q: usize, rate: f64) {
        let grace = self.grace_quarters;
        let n = self.tenor_quarters - grace;
        for d in 0..q.min(self.balances.len()) {
            let b = self.balances[d];
            if b <= 0.0 {
                continue;
            }
            let k = (q - d) as u32;
            let interest = b * rate;
            if k <= grace {
                self.balances[d] = b + interest;
                if k == grace {
                    self.balances_at_term[d] = self.balances[d];
                }
                continue;
            }
            let paid = k - grace;
            let principal = if paid >= n {
                b
            } else {
                match self.amortisation {
                    Amortisation::Annuity => (pmt(rate, n - paid + 1, b) - interest).clamp(0.0, b),
                    Amortisation::Linear => (self.balances_at_term[d] / f64::from(n)).min(b),
                    Amortisation::Bullet => 0.0,
                }
            };
            self.balances[d] = (b - principal).max(0.0);
        }
    }

    /// Reduces balances by `amount` (a prepayment or recovery), oldest vintages first.
    pub fn repay(&mut self, mut amount: f64) {
        for b in self.balances.iter_mut() {
            if amount <= 0.0 {
                break;
            }
            let x = amount.min(*b);
            *b -= x;
            amount -= x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Closed-form PMT: A = P·r/(1 − (1+r)^−n), computed here independently of `pmt`.
    fn closed_pmt(r: f64, n: f64, p: f64) -> f64 {
        p * r / (1.0 - (1.0 + r).powf(-n))
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(1e-300)
    }

    #[test]
    fn pmt_ipmt_ppmt_match_numpy_financial_values() {
        // numpy_financial.pmt(0.05/12, 360, -200000) = 1073.6432460242797
        assert!(rel(pmt(0.05 / 12.0, 360, 200_000.0), 1_073.643_246_024_279_7) < 1e-12);
        // numpy_financial.ipmt(0.1/4, 1, 24, -2000) = 50.0 (first period: r·pv)
        assert!(rel(ipmt(0.1 / 4.0, 1, 24, 2000.0), 50.0) < 1e-12);
        // Σ PPMT over the life equals the principal.
        let total: f64 = (1..=24).map(|k| ppmt(0.1 / 4.0, k, 24, 2000.0)).sum();
        assert!(rel(total, 2000.0) < 1e-12);
        assert_eq!(pmt(0.0, 4, 100.0), 25.0);
    }

    /// Runs a tranche with one upfront draw of `p` at quarter 0 and returns, for each later
    /// quarter, (capitalised, interest, principal).
    fn schedule(a: Amortisation, r: f64, grace: u32, tenor: u32, p: f64) -> Vec<Service> {
        let mut t = Tranche::new(tenor as usize + 2);
        t.reset(0.0, grace, tenor, a);
        t.draw(0, p);
        (1..=tenor as usize + 1)
            .map(|q| {
                let s = t.due(q, r);
                t.apply(q, r);
                s
            })
            .collect()
    }

    #[test]
    fn annuity_without_grace_is_the_pmt_schedule() {
        let (r, n, p) = (0.015, 40u32, 1000.0);
        let s = schedule(Amortisation::Annuity, r, 0, n, p);
        let a = closed_pmt(r, f64::from(n), p);
        for k in 1..=n {
            let x = s[k as usize - 1];
            // IPMT_k = r·B_{k−1}, B_{k−1} = P(1+r)^{k−1} − A((1+r)^{k−1} − 1)/r
            let g = (1.0 + r).powi(k as i32 - 1);
            let ip = r * (p * g - a * (g - 1.0) / r);
            assert!(rel(x.interest, ip) < 1e-9, "k={k}");
            assert!(rel(x.interest + x.principal, a) < 1e-9, "k={k}");
            assert_eq!(x.capitalised, 0.0);
        }
        assert_eq!(s[n as usize].principal, 0.0, "repaid at maturity");
    }

    #[test]
    fn annuity_with_grace_capitalises_then_amortises() {
        let (r, g, tenor, p) = (0.02, 8u32, 48u32, 500.0);
        let s = schedule(Amortisation::Annuity, r, g, tenor, p);
        for k in 1..=g {
            let b = p * (1.0 + r).powi(k as i32 - 1);
            assert!(rel(s[k as usize - 1].capitalised, r * b) < 1e-9);
            assert_eq!(
                s[k as usize - 1].interest + s[k as usize - 1].principal,
                0.0
            );
        }
        let bg = p * (1.0 + r).powi(g as i32);
        let n = tenor - g;
        let a = closed_pmt(r, f64::from(n), bg);
        for k in 1..=n {
            let x = s[(g + k) as usize - 1];
            assert!(rel(x.interest + x.principal, a) < 1e-9, "k={k}");
        }
    }

    #[test]
    fn linear_and_bullet_schedules() {
        let (r, g, tenor, p) = (0.01f64, 4u32, 20u32, 1600.0);
        let bg = p * (1.0 + r).powi(g as i32);
        let n = f64::from(tenor - g);
        let lin = schedule(Amortisation::Linear, r, g, tenor, p);
        for k in 1..=(tenor - g) {
            let x = lin[(g + k) as usize - 1];
            assert!(rel(x.principal, bg / n) < 1e-9);
            let balance = bg - bg / n * f64::from(k - 1);
            assert!(rel(x.interest, r * balance) < 1e-9);
        }
        let bul = schedule(Amortisation::Bullet, r, g, tenor, p);
        for k in 1..(tenor - g) {
            let x = bul[(g + k) as usize - 1];
            assert_eq!(x.principal, 0.0);
            assert!(rel(x.interest, r * bg) < 1e-9);
        }
        let last = bul[tenor as usize - 1];
        assert!(rel(last.principal, bg) < 1e-9);
        // Without grace, linear: equal principal P/n from the first quarter.
        let lin0 = schedule(Amortisation::Linear, r, 0, 10, 1000.0);
        for x in &lin0[..10] {
            assert!(rel(x.principal, 100.0) < 1e-9);
        }
        let bul0 = schedule(Amortisation::Bullet, r, 0, 10, 1000.0);
        assert!(rel(bul0[0].interest, 10.0) < 1e-9);
        assert!(rel(bul0[9].principal, 1000.0) < 1e-9);
    }

    #[test]
    fn vintages_are_independent_loans() {
        let r = 0.01;
        let mut t = Tranche::new(30);
        t.reset(0.0, 0, 8, Amortisation::Annuity);
        t.draw(0, 100.0);
        t.draw(2, 50.0);
        for q in 1..3 {
            t.apply(q, r);
        }
        let s3 = t.due(3, r);
        // vintage 0 in its 3rd payment, vintage 2 in its 1st: both pay their own PMT
        let expected = closed_pmt(r, 8.0, 100.0) + closed_pmt(r, 8.0, 50.0);
        assert!(rel(s3.interest + s3.principal, expected) < 1e-9);
    }
}
