//! Randomness for one trial, passed in explicitly (never global).
//!
//! Trial `i` of a run with seed `s` uses ChaCha8 seeded from `s`, on stream `i` (independent
//! streams of one key). Inside a trial every uncertain input draws from its own slice of that
//! stream, chosen by a stable hash of its key path (and, for per-fab inputs, the fab's serial
//! number): word position `slot · 2²⁰`. So the numbers an input gets do not depend on which other
//! inputs exist or in what order they are drawn — two scenarios run with the same seed share
//! their random numbers key by key (common random numbers), and results do not depend on the
//! thread that runs the trial.

use rand::rngs::ChaCha8Rng;
use rand::SeedableRng;

use crate::scenario::params::ParamSpec;

const SLOT_MASK: u64 = (1 << 48) - 1;

pub struct TrialRng {
    rng: ChaCha8Rng,
}

impl TrialRng {
    /// A generator keyed by the run's seed; call [`TrialRng::start_trial`] before use.
    pub fn new(seed: u64) -> Self {
        TrialRng {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    pub fn start_trial(&mut self, trial: u64) {
        self.rng.set_stream(trial);
    }

    /// Draws the parameter's value for this trial (or, with `sub > 0`, for entity `sub`).
    pub fn draw(&mut self, spec: &ParamSpec, sub: u64) -> f64 {
        if let crate::dist::Dist::Fixed(v) = spec.dist {
            return v;
        }
        let slot = if sub == 0 {
            spec.slot
        } else {
            (spec.slot ^ sub.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)) & SLOT_MASK
        };
        self.rng.set_word_pos(u128::from(slot) << 20);
        spec.dist.sample(&mut self.rng)
    }

    /// Fills `out` with independent standard normal draws from the slice named by `slot` (for
    /// paths such as the base rate).
    pub fn standard_normals(&mut self, slot: u64, out: &mut [f64]) {
        use rand::RngExt;
        self.rng.set_word_pos(u128::from(slot & SLOT_MASK) << 20);
        for x in out.iter_mut() {
            *x = self.rng.sample(rand_distr::StandardNormal);
        }
    }

    /// Fills `out` with independent uniform draws in [0, 1) from the slice named by `slot`.
    pub fn uniforms(&mut self, slot: u64, out: &mut [f64]) {
        use rand::RngExt;
        self.rng.set_word_pos(u128::from(slot & SLOT_MASK) << 20);
        for x in out.iter_mut() {
            *x = self.rng.random::<f64>();
        }
    }

    /// A uniform draw in [0, 1) from the slice named by `slot` and `sub` (e.g. operator choice).
    pub fn uniform(&mut self, slot: u64, sub: u64) -> f64 {
        use rand::RngExt;
        let s = (slot ^ sub.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)) & SLOT_MASK;
        self.rng.set_word_pos(u128::from(s) << 20);
        self.rng.random::<f64>()
    }
}
