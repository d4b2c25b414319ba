//! chipsim: a Monte Carlo simulator of the semiconductor supply chain under multi-trillion-dollar
//! fab funding scenarios. See ARCHITECTURE.md for the map of the code.
//!
//! Data flows one way: [`scenario`] (files → typed, validated [`scenario::Scenario`]) →
//! [`model`] (sampled inputs and one trial's quarterly dynamics) → [`engine`] (parallel,
//! deterministic trials) → [`stats`] (mergeable aggregates) → [`output`] (CSV/JSON files) →
//! [`charts`], [`report`] and [`compare`] (pictures, HTML and side-by-side comparison).

pub mod charts;
pub mod compare;
pub mod dist;
pub mod engine;
pub mod error;
pub mod report;
pub mod scenario;
pub mod model;
pub mod output;
pub mod stats;
pub mod study;
pub mod time;

pub use error::{Error, InputError, Origin, Result};
