//! The model: what one trial represents. [`trial`] composes the build-out, funding, EUV and
//! market-structure dynamics from the pure [`formulas`]; [`metrics`] names what it records;
//! [`rng`] gives each input its own reproducible random numbers.
pub mod events;
pub mod formulas;
pub mod ledger;
pub mod metrics;
pub mod rng;
pub mod supply;
pub mod trial;
