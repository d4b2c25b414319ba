//! Scenario files: parsing with positions ([`node`]), `extends` and `--set` ([`load`]), typed
//! reading and validation ([`read`]) into a [`Scenario`] ([`types`]) whose uncertain numbers are
//! registered in [`params`].
pub mod load;
pub mod node;
pub mod params;
pub mod read;
pub mod reader;
pub mod types;

pub use load::{load_scenario, resolved_toml};
pub use params::{ParamId, Params, Scope};
pub use types::*;
