//! Project finance: debt tranches and their schedules ([`debt`]), the base-rate path
//! ([`rate`]) and returns on cash flows ([`returns`]). The quarterly cash waterfall that uses
//! them lives in [`crate::model::trial`].
pub mod debt;
pub mod rate;
pub mod returns;
