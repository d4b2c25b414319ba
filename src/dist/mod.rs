//! Probability distributions (filled in by the dist work).
