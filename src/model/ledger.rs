//! The program's accounts and its quarterly cash waterfall.
//!
//! Accounts: one construction account per fab kind (equity, grants and upfront debt land there;
//! capex is paid from it), a retained-cash account (operating cash not distributed) and the
//! debt-service reserve. Debt available but not drawn sits in `undrawn` per (kind, tranche).
//! Every movement is recorded as money in or money out of the quarter, so that
//! `in − out = Δ(accounts)` can be checked every quarter (the accounting identity).
//!
//! Waterfall each quarter (docs/model.md): CFADS = revenue − opex − maintenance → debt service
//! (interest, scheduled principal) paid from CFADS, then the reserve, retained cash, construction
//! accounts and undrawn debt → reserve top-up → distributions to equity when DSCR ≥ the lock-up,
//! else retained. A payment that cannot be met, or DSCR below the covenant for the scenario's
//! number of consecutive quarters, is a default: lenders sweep the accounts and take all later
//! CFADS; undrawn debt is cancelled.

use crate::finance::debt::{Service, Tranche};

/// What happened to money in one quarter, for metrics and the identity check.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flows {
    pub equity_in: f64,
    pub grants_in: f64,
    pub debt_drawn: f64,
    pub revenue: f64,
    pub capex: f64,
    pub power_and_tools: f64,
    pub opex: f64,
    pub maintenance: f64,
    pub interest_paid: f64,
    pub interest_capitalised: f64,
    pub principal_paid: f64,
    pub distributions: f64,
    /// Paid to lenders at and after a default (sweep and CFADS; negative when they fund losses).
    pub to_lenders: f64,
    /// Debt prepaid from the program's cash to cure a covenant breach (included in
    /// `principal_paid`).
    pub cure_prepaid: f64,
}

impl Flows {
    pub fn money_in(&self) -> f64 {
        self.equity_in + self.grants_in + self.debt_drawn + self.revenue
    }

    /// The sum of the magnitudes of every flow: the scale of the quarter's arithmetic, for the
    /// identity check's tolerance (money in and out can be huge and cancel, e.g. lenders funding
    /// a huge operating loss).
    pub fn gross(&self) -> f64 {
        [
            self.equity_in,
            self.grants_in,
            self.debt_drawn,
            self.revenue,
            self.capex,
            self.power_and_tools,
            self.opex,
            self.maintenance,
            self.interest_paid,
            self.interest_capitalised,
            self.principal_paid,
            self.distributions,
            self.to_lenders,
        ]
        .iter()
        .map(|x| x.abs())
        .sum()
    }

    pub fn money_out(&self) -> f64 {
        self.capex
            + self.power_and_tools
            + self.opex
            + self.maintenance
            + self.interest_paid
            + self.principal_paid
            + self.distributions
            + self.to_lenders
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultCause {
    /// A payment (debt service or a cash shortfall) could not be met.
    Payment,
    /// DSCR below the covenant for the set number of consecutive quarters.
    Covenant,
}

/// Waterfall terms for one trial.
#[derive(Debug, Clone, Copy)]
pub struct Terms {
    pub reserve_quarters: f64,
    pub lockup_dscr: f64,
    pub covenant_dscr: f64,
    pub breach_quarters: u32,
}

/// Outcome of one quarter's waterfall.
#[derive(Debug, Clone, Copy, Default)]
pub struct QuarterResult {
    /// Scheduled debt service due (interest + principal), before any default.
    pub debt_service: f64,
    /// CFADS ÷ debt service when debt service is due.
    pub dscr: Option<f64>,
    pub defaulted_now: Option<DefaultCause>,
    /// Money the equity partners had to put in to cover an operating shortfall of a program
    /// without debt (there is no lender to default to); already counted in `flows.equity_in`.
    pub cash_call: f64,
}

pub struct Ledger {
    pub cash: [f64; 3],
    pub retained: f64,
    pub reserve: f64,
    /// As-needed debt available, `[kind * n_tranches + tranche]`.
    pub undrawn: Vec<f64>,
    pub tranches: Vec<Tranche>,
    pub breach_run: u32,
    pub defaulted: Option<(usize, DefaultCause)>,
    pub debt_at_default: f64,
    /// Recovered by lenders so far (nominal).
    pub recovered: f64,
    pub flows: Flows,
}

impl Ledger {
    pub fn new(n_tranches: usize, quarters: usize) -> Self {
        Ledger {
            cash: [0.0; 3],
            retained: 0.0,
            reserve: 0.0,
            undrawn: vec![0.0; 3 * n_tranches],
            tranches: (0..n_tranches).map(|_| Tranche::new(quarters)).collect(),
            breach_run: 0,
            defaulted: None,
            debt_at_default: 0.0,
            recovered: 0.0,
            flows: Flows::default(),
        }
    }

    /// Resets balances for a new trial (tranche terms are set by the caller).
    pub fn reset(&mut self) {
        self.cash = [0.0; 3];
        self.retained = 0.0;
        self.reserve = 0.0;
        self.undrawn.iter_mut().for_each(|x| *x = 0.0);
        self.breach_run = 0;
        self.defaulted = None;
        self.debt_at_default = 0.0;
        self.recovered = 0.0;
        self.flows = Flows::default();
    }

    /// Total in the program's accounts.
    pub fn accounts(&self) -> f64 {
        self.cash.iter().sum::<f64>() + self.retained + self.reserve
    }

    pub fn debt_outstanding(&self) -> f64 {
        self.tranches.iter().map(Tranche::outstanding).sum()
    }

    pub fn undrawn_total(&self) -> f64 {
        self.undrawn.iter().sum()
    }

    pub fn undrawn_for(&self, kind: usize) -> f64 {
        let n = self.tranches.len();
        self.undrawn[kind * n..(kind + 1) * n].iter().sum()
    }

    /// Draws up to `amount` of as-needed debt from kind `kind`'s availability, pro rata to each
    /// tranche's undrawn amount; records the draws as vintages of quarter `q`. Returns the amount
    /// drawn (the money stays with the caller, who spends it).
    pub fn draw_for(&mut self, kind: usize, amount: f64, q: usize) -> f64 {
        let n = self.tranches.len();
        let avail = self.undrawn_for(kind);
        if avail <= 0.0 || amount <= 0.0 {
            return 0.0;
        }
        let take = amount.min(avail);
        let frac = take / avail;
        for t in 0..n {
            let x = self.undrawn[kind * n + t] * frac;
            self.undrawn[kind * n + t] -= x;
            self.tranches[t].draw(q, x);
        }
        self.flows.debt_drawn += take;
        take
    }

    /// Draws up to `amount` from any kind's availability (to pay debt service).
    pub fn draw_any(&mut self, amount: f64, q: usize) -> f64 {
        let mut got = 0.0;
        for k in 0..3 {
            if got >= amount {
                break;
            }
            got += self.draw_for(k, amount - got, q);
        }
        got
    }

    /// Pays `amount` from the accounts and undrawn debt, in the order reserve → retained →
    /// construction accounts → undrawn debt. Returns the shortfall (0 when fully paid).
    fn pay_from_accounts(&mut self, mut amount: f64, q: usize) -> f64 {
        for acc in [&mut self.reserve, &mut self.retained] {
            let x = amount.min(*acc);
            *acc -= x;
            amount -= x;
        }
        for c in self.cash.iter_mut() {
            let x = amount.min(*c);
            *c -= x;
            amount -= x;
        }
        if amount > 0.0 {
            // Drawn money is spent at once on the payment.
            let got = self.draw_any(amount, q);
            amount -= got;
        }
        amount.max(0.0)
    }

    /// Whether the accounts plus undrawn debt plus `cfads` could meet `need`.
    fn can_pay(&self, need: f64, cfads: f64) -> bool {
        self.accounts() + self.undrawn_total() + cfads.max(0.0) + 1e-9 >= need
    }

    /// Runs quarter `q`'s waterfall on `cfads` with per-tranche quarterly rates `rates`.
    /// `equity_weights` are the partner classes' shares of equity paid in so far (summing to 1,
    /// or all zero when no equity has been paid); distributions are added to `dist_by_class`.
    pub fn waterfall(
        &mut self,
        q: usize,
        cfads: f64,
        rates: &[f64],
        terms: &Terms,
        equity_weights: &[f64],
        dist_by_class: &mut [f64],
    ) -> QuarterResult {
        let mut result = QuarterResult::default();
        if self.defaulted.is_some() {
            // Lenders run the fabs: all CFADS is theirs (negative: they fund the losses).
            self.flows.to_lenders += cfads;
            self.recovered += cfads;
            self.repay_recovery(cfads.max(0.0));
            return result;
        }
        let mut due = Service::default();
        for (t, tr) in self.tranches.iter().enumerate() {
            let s = tr.due(q, rates[t]);
            due.capitalised += s.capitalised;
            due.interest += s.interest;
            due.principal += s.principal;
        }
        let ds = due.interest + due.principal;
        result.debt_service = ds;
        let dscr = (ds > 1e-12).then(|| cfads / ds);
        result.dscr = dscr;
        let need = ds + (-cfads).max(0.0);
        if !self.can_pay(need, cfads) && self.debt_outstanding() <= 1e-12 && ds <= 1e-12 {
            // No debt: the partners cover the shortfall (a cash call) instead of a default.
            let call = need - (self.accounts() + self.undrawn_total() + cfads.max(0.0));
            self.flows.equity_in += call;
            self.retained += call;
            result.cash_call = call;
        }
        if !self.can_pay(need, cfads) {
            self.default_now(q, cfads, DefaultCause::Payment);
            result.defaulted_now = Some(DefaultCause::Payment);
            return result;
        }
        // Pay debt service and any operating shortfall.
        let from_cfads = cfads.max(0.0).min(need);
        let shortfall = self.pay_from_accounts(need - from_cfads, q);
        debug_assert!(shortfall <= 1e-6);
        for (t, tr) in self.tranches.iter_mut().enumerate() {
            tr.apply(q, rates[t]);
        }
        self.flows.interest_paid += due.interest;
        self.flows.principal_paid += due.principal;
        self.flows.interest_capitalised += due.capitalised;
        // Surplus: reserve top-up, then distributions or retention.
        let mut surplus = cfads.max(0.0) - from_cfads;
        let target = terms.reserve_quarters * ds;
        if self.reserve > target {
            // Release what the reserve no longer needs into retained cash.
            self.retained += self.reserve - target;
            self.reserve = target;
        }
        let top_up = surplus.min(target - self.reserve).max(0.0);
        self.reserve += top_up;
        surplus -= top_up;
        let weights: f64 = equity_weights.iter().sum();
        let may_distribute = dscr.is_none_or(|d| d >= terms.lockup_dscr);
        if surplus > 0.0 && may_distribute && weights > 0.0 {
            for (c, w) in equity_weights.iter().enumerate() {
                dist_by_class[c] += surplus * w / weights;
            }
            self.flows.distributions += surplus;
        } else {
            self.retained += surplus;
        }
        // Covenant, with an equity cure: a breach is cured when the program's own cash (retained,
        // then construction accounts; not the reserve) can prepay debt by the shortfall
        // `covenant · DS − CFADS` — a standard cure right in project finance.
        match dscr {
            Some(d) if d < terms.covenant_dscr => {
                let cure = terms.covenant_dscr * ds - cfads;
                let own = self.retained + self.cash.iter().sum::<f64>();
                if cure > 0.0 && own >= cure {
                    let mut left = cure;
                    let x = left.min(self.retained);
                    self.retained -= x;
                    left -= x;
                    for c in self.cash.iter_mut() {
                        let x = left.min(*c);
                        *c -= x;
                        left -= x;
                    }
                    self.repay_recovery(cure);
                    self.flows.principal_paid += cure;
                    self.flows.cure_prepaid += cure;
                    self.breach_run = 0;
                } else {
                    self.breach_run += 1;
                }
            }
            Some(_) => self.breach_run = 0,
            None => {}
        }
        if self.breach_run >= terms.breach_quarters {
            self.default_now(q, 0.0, DefaultCause::Covenant);
            result.defaulted_now = Some(DefaultCause::Covenant);
        }
        result
    }

    /// Default in quarter `q`: lenders sweep the accounts and this quarter's `cfads`; undrawn
    /// debt is cancelled.
    fn default_now(&mut self, q: usize, cfads: f64, cause: DefaultCause) {
        self.defaulted = Some((q, cause));
        self.debt_at_default = self.debt_outstanding();
        let sweep = self.accounts() + cfads;
        self.cash = [0.0; 3];
        self.retained = 0.0;
        self.reserve = 0.0;
        self.undrawn.iter_mut().for_each(|x| *x = 0.0);
        self.flows.to_lenders += sweep;
        self.recovered += sweep;
        self.repay_recovery(sweep.max(0.0));
    }

    fn repay_recovery(&mut self, mut amount: f64) {
        for tr in self.tranches.iter_mut() {
            if amount <= 0.0 {
                break;
            }
            let before = tr.outstanding();
            tr.repay(amount);
            amount -= before - tr.outstanding();
        }
    }
}
