//! The risk register at trial time: when each event happens, and the resulting per-quarter
//! value of every knob.
//!
//! Each event may happen once per trial: in each quarter of its window it starts with
//! probability `1 − (1 − p)^(1/4)` (independent quarters), and stays active for its duration.
//! While active its effects apply to their knobs; several active effects on one knob compose in
//! the order the events are written (multiply, add, or set).

use crate::finance::rate::quarterly_probability;
use crate::model::rng::TrialRng;
use crate::scenario::types::{EffectOp, Knob, Scenario};

/// Per-trial knob values: `mult[k][q]`, `add[k][q]` and `set[k][q]` (NaN = not set).
pub struct Knobs {
    pub quarters: usize,
    mult: Vec<f64>,
    add: Vec<f64>,
    set: Vec<f64>,
    /// Quarter index in which each event started (None = did not happen).
    pub started: Vec<Option<usize>>,
    uniforms: Vec<f64>,
}

impl Knobs {
    pub fn new(s: &Scenario) -> Self {
        let nq = s.quarters();
        let n = Knob::FIXED + s.sources.len();
        Knobs {
            quarters: nq,
            mult: vec![1.0; n * nq],
            add: vec![0.0; n * nq],
            set: vec![f64::NAN; n * nq],
            started: vec![None; s.events.len()],
            uniforms: vec![0.0; nq],
        }
    }

    /// Applies the knob to a base value in quarter `q`: `set`, else `base · mult + add`.
    #[inline]
    pub fn apply(&self, knob: Knob, q: usize, base: f64) -> f64 {
        let i = knob.index() * self.quarters + q;
        let s = self.set[i];
        if s.is_nan() {
            base * self.mult[i] + self.add[i]
        } else {
            s
        }
    }

    /// The multiplier of `knob` in quarter `q` (ignoring add/set), for quantities that scale.
    #[inline]
    pub fn factor(&self, knob: Knob, q: usize) -> f64 {
        self.apply(knob, q, 1.0)
    }

    /// Samples the events of this trial (inputs must already be sampled into `values`).
    pub fn sample(&mut self, s: &Scenario, values: &[f64], rng: &mut TrialRng) {
        let nq = self.quarters;
        self.mult.iter_mut().for_each(|x| *x = 1.0);
        self.add.iter_mut().for_each(|x| *x = 0.0);
        self.set.iter_mut().for_each(|x| *x = f64::NAN);
        for (e, ev) in s.events.iter().enumerate() {
            self.started[e] = None;
            let p_q = quarterly_probability(values[ev.probability_per_year.0]);
            let duration = values[ev.duration_quarters.0].round().max(0.0) as usize;
            let (Some(first), last) = (
                s.quarter_index(ev.window_start.max(s.start)),
                s.quarter_index(ev.window_end.min(s.end)),
            ) else {
                continue;
            };
            let Some(last) = last else { continue };
            rng.uniforms(ev.timing_slot, &mut self.uniforms);
            let Some(start) = (first..=last).find(|&q| self.uniforms[q] < p_q) else {
                continue;
            };
            self.started[e] = Some(start);
            for q in start..(start + duration).min(nq) {
                for eff in &ev.effects {
                    let i = eff.knob.index() * nq + q;
                    match eff.op {
                        EffectOp::Multiply(x) => {
                            self.mult[i] *= x;
                            self.add[i] *= x;
                        }
                        EffectOp::Add(x) => self.add[i] += x,
                        EffectOp::Set(x) => self.set[i] = x,
                    }
                }
            }
        }
    }
}
