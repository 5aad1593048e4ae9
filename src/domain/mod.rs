//! The helpdesk domain: plain Rust, no SQL, no terminal.

pub mod announce;
pub mod calendar;
pub mod change;
pub mod check;
pub mod kb;
pub mod key;
pub mod mail;
pub mod org;
pub mod outbox;
pub mod permission;
pub mod procedure;
pub mod query;
pub mod report;
pub mod requirement;
pub mod search;
pub mod sla;
pub mod status;
pub mod text;
pub mod ticket;
