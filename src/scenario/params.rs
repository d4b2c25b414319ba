//! The registry of uncertain inputs. Every number of a scenario that may be a distribution is
//! registered here once and referred to by a [`ParamId`]; the model never sees a [`Dist`]
//! directly. Trial-level parameters are sampled once per trial into a flat `Vec<f64>`; per-fab
//! parameters are sampled when a fab starts.

use crate::dist::{parse_dist, Dist};
use crate::error::InputError;
use crate::scenario::reader::TableReader;

/// Index of a parameter in [`Params`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParamId(pub usize);

/// When a parameter is sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Once per trial (a global input).
    Trial,
    /// Once per fab, when the fab starts (e.g. construction time, cost overrun).
    PerFab,
}

/// The range a parameter's whole distribution must stay within.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bounds {
    /// Strictly greater than zero.
    Positive,
    /// Zero or more.
    NonNegative,
    /// A share or probability, within [0, 1].
    Share,
    /// Within [lo, hi].
    Range(f64, f64),
    /// Within (lo, hi]: greater than lo, at most hi.
    AboveUpTo(f64, f64),
    /// Any finite number.
    Any,
}

impl Bounds {
    fn describe(self) -> String {
        match self {
            Bounds::Positive => "a value greater than 0".into(),
            Bounds::NonNegative => "a value of 0 or more".into(),
            Bounds::Share => "a share between 0 and 1".into(),
            Bounds::Range(lo, hi) => format!("a value between {lo} and {hi}"),
            Bounds::AboveUpTo(lo, hi) => format!("a value greater than {lo} and at most {hi}"),
            Bounds::Any => "a finite value".into(),
        }
    }

    /// Whether every value in [lo, hi] satisfies the bound.
    fn admits(self, lo: f64, hi: f64) -> bool {
        match self {
            Bounds::Positive => lo > 0.0,
            Bounds::NonNegative => lo >= 0.0,
            Bounds::Share => lo >= 0.0 && hi <= 1.0,
            Bounds::Range(a, b) => lo >= a && hi <= b,
            Bounds::AboveUpTo(a, b) => lo > a && hi <= b,
            Bounds::Any => true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ParamSpec {
    /// Dotted key path, e.g. `regions.us.construction_months`; also the trials.csv column name.
    pub key: String,
    pub dist: Dist,
    pub scope: Scope,
    /// A stable 48-bit hash of `key`: each parameter draws from its own slice of the trial's
    /// random stream, so two scenarios that share a key share its random numbers (common random
    /// numbers) whatever else differs.
    pub slot: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Params {
    pub specs: Vec<ParamSpec>,
}

/// FNV-1a 64-bit hash, truncated to 48 bits (stable across platforms and releases).
pub fn stable_slot(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h & ((1 << 48) - 1)
}

impl Params {
    pub fn get(&self, id: ParamId) -> &ParamSpec {
        &self.specs[id.0]
    }

    pub fn len(&self) -> usize {
        self.specs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// Registers a fixed value that has no key in the file (a built-in default).
    pub fn constant(&mut self, key: String, value: f64) -> ParamId {
        self.push(key, Dist::Fixed(value), Scope::Trial)
    }

    fn push(&mut self, key: String, dist: Dist, scope: Scope) -> ParamId {
        let slot = stable_slot(&key);
        self.specs.push(ParamSpec {
            key,
            dist,
            scope,
            slot,
        });
        ParamId(self.specs.len() - 1)
    }

    /// Reads `key` from `r` as a (possibly uncertain) number within `bounds`. A missing key takes
    /// `default` when given, else is an error.
    pub fn read(
        &mut self,
        r: &TableReader<'_>,
        key: &'static str,
        bounds: Bounds,
        scope: Scope,
        default: Option<f64>,
    ) -> Result<ParamId, InputError> {
        let path = r.key_path(key);
        let Some(node) = r.node(key) else {
            return match default {
                Some(v) => Ok(self.push(path, Dist::Fixed(v), scope)),
                None => Err(r.missing(
                    key,
                    &format!("{} (a number or a distribution)", bounds.describe()),
                )),
            };
        };
        let dist = parse_dist(node, &path)?;
        let (lo, hi) = dist.support();
        // A lognormal's support is the open interval (0, ∞): it never yields 0.
        let open_at_zero = matches!(dist, Dist::LogNormal { .. });
        let admitted = bounds.admits(lo, hi) || (open_at_zero && bounds == Bounds::Positive);
        if !admitted {
            let found = if dist.is_fixed() {
                format!("`{}`", node.display_value())
            } else {
                format!(
                    "`{}`, whose values can range over [{}, {}]",
                    node.display_value(),
                    short_num(lo),
                    short_num(hi)
                )
            };
            let mut e = InputError::new(node.origin.clone(), path, bounds.describe(), found);
            if !dist.is_fixed() && lo.is_infinite() {
                e = e.with_hint("truncate a normal with `min = ...` or use a bounded distribution");
            }
            return Err(e);
        }
        // Far beyond any real quantity, and products of such numbers overflow to ±∞ in the model.
        let too_large = |x: f64| x.is_finite() && x.abs() > MAX_MAGNITUDE;
        if too_large(lo) || too_large(hi) {
            return Err(InputError::new(
                node.origin.clone(),
                path,
                format!("a number of magnitude at most {MAX_MAGNITUDE:e}"),
                format!("`{}`", node.display_value()),
            ));
        }
        Ok(self.push(path, dist, scope))
    }
}

/// `x` for messages: in scientific notation when huge (1e308 would print 309 digits).
fn short_num(x: f64) -> String {
    if x.is_finite() && x.abs() >= MAX_MAGNITUDE {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// The largest magnitude a scenario number (or a bound of its distribution) may have.
pub const MAX_MAGNITUDE: f64 = 1e15;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn above_up_to_excludes_its_lower_end() {
        let b = Bounds::AboveUpTo(-1.0, 10.0);
        assert!(b.admits(-0.99, 10.0));
        assert!(!b.admits(-1.0, 1.0));
        assert!(!b.admits(0.0, 10.5));
        assert_eq!(b.describe(), "a value greater than -1 and at most 10");
    }
}
