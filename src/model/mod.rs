//! The model: what one trial represents. [`trial`] runs a trial quarter by quarter, composing
//! one module per domain: [`funding`] (money in, the cash waterfall, returns; the accounts are
//! in [`ledger`]), [`buildout`] (EUV and power supply, starts, construction) and [`market`]
//! (operating fabs, chip supply, demand, prices, the program's operations); [`outcomes`] sums a
//! trial up. They are built from the pure [`formulas`] and [`supply`] formulas; [`events`] sets
//! the risk register's knobs; [`metrics`] names what a trial records; [`rng`] gives each input
//! its own reproducible random numbers.
pub mod buildout;
pub mod events;
pub mod formulas;
pub mod funding;
pub mod ledger;
pub mod market;
pub mod metrics;
pub mod outcomes;
pub mod rng;
pub mod supply;
pub mod trial;
