//! Calendar quarters: the model's time step.

use std::fmt;

/// A calendar quarter, stored as `year * 4 + (quarter - 1)` so that arithmetic is plain integer
/// arithmetic. Written and parsed as `2031Q2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter(pub u32);

impl Quarter {
    pub fn new(year: u32, quarter: u32) -> Self {
        debug_assert!((1..=4).contains(&quarter));
        Quarter(year * 4 + quarter - 1)
    }

    pub fn year(self) -> u32 {
        self.0 / 4
    }

    /// 1..=4
    pub fn quarter_of_year(self) -> u32 {
        self.0 % 4 + 1
    }

    /// The quarter's start as a fractional year: 2027Q2 → 2027.25.
    pub fn decimal_year(self) -> f64 {
        self.0 as f64 / 4.0
    }

    pub fn plus(self, quarters: u32) -> Quarter {
        Quarter(self.0 + quarters)
    }

    /// Parses `2031Q2` (also accepts lower-case `q`). None when malformed or out of 1900..=2200.
    pub fn parse(s: &str) -> Option<Quarter> {
        let s = s.trim();
        let (y, q) = s.split_once(['Q', 'q'])?;
        let year: u32 = y.parse().ok()?;
        let quarter: u32 = q.parse().ok()?;
        if !(1900..=2200).contains(&year) || !(1..=4).contains(&quarter) {
            return None;
        }
        Some(Quarter::new(year, quarter))
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year(), self.quarter_of_year())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        let q = Quarter::parse("2031Q2").unwrap();
        assert_eq!(q.year(), 2031);
        assert_eq!(q.quarter_of_year(), 2);
        assert_eq!(q.to_string(), "2031Q2");
        assert_eq!(q.decimal_year(), 2031.25);
        assert_eq!(
            Quarter::parse("2024Q4").unwrap().plus(1).to_string(),
            "2025Q1"
        );
        assert!(Quarter::parse("2024Q5").is_none());
        assert!(Quarter::parse("2024").is_none());
        assert!(Quarter::parse("Q1").is_none());
    }
}
