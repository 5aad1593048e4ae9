//! Helpers shared by integration tests.
pub mod engines;
pub mod pg;
