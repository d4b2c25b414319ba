//! Scenario files: parsing with positions, `extends`, `--set`, typed reading and validation.
pub mod node;
pub mod reader;
