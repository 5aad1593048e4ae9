//! The helpdesk domain: plain Rust, no SQL, no terminal.

pub mod kb;
pub mod key;
pub mod org;
pub mod search;
pub mod status;
pub mod text;
pub mod ticket;
