//! chipsim: a Monte Carlo simulator of the semiconductor supply chain under multi-trillion-dollar
//! fab funding scenarios. See ARCHITECTURE.md for the map of the code.
//!
//! Data flows one way: [`scenario`] (files → typed, validated [`scenario::Scenario`]) →
//! [`model`] (sampled inputs and one trial's quarterly dynamics) → [`engine`] (parallel,
//! deterministic trials) → [`stats`] (mergeable aggregates) → [`output`] (CSV/JSON files) →
//! [`charts`], [`report`] and [`compare`] (pictures, HTML and side-by-side comparison).

// Errors carry file, line, key, expected and found: large, but only on the cold path.
#![allow(clippy::result_large_err)]

pub mod cancel;
pub mod charts;
pub mod compare;
pub mod dist;
pub mod engine;
pub mod error;
pub mod finance;
pub mod model;
pub mod output;
pub mod report;
pub mod rundir;
pub mod scenario;
pub mod stats;
pub mod study;
pub mod time;

pub use error::{Error, InputError, Origin, Result};
