//! Helpers shared by integration tests.
pub mod desks;
pub mod engines;
pub mod pg;
