//! chipsim: a Monte Carlo simulator of the semiconductor supply chain under multi-trillion-dollar
//! fab funding scenarios. See ARCHITECTURE.md for the map of the code.
//!
//! Data flows one way: [`scenario`] (files → typed, validated [`scenario::Scenario`]) →
//! [`model`] (sampled inputs and one trial's quarterly dynamics) → [`engine`] (parallel,
//! deterministic trials) → [`stats`] (mergeable aggregates) → [`output`] (CSV/JSON files) →
//! [`charts`] (pictures and reports).

pub mod charts;
pub mod dist;
pub mod error;
pub mod scenario;
pub mod stats;

pub use error::{Error, InputError, Origin, Result};
