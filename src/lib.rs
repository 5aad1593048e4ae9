//! hotro: a terminal helpdesk console for government IT support desks.
//!
//! `domain` holds the rules (no SQL, no terminal), `store` is the only place that speaks SQL,
//! `config` turns the TOML file into an organisation, `i18n` holds the message catalog and
//! `cli` the subcommands; `inert` makes untrusted text harmless in every kind of output.

pub mod check;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod describe;
pub mod desk;
pub mod domain;
pub mod export;
pub mod forms;
pub mod i18n;
pub mod inert;
pub mod input;
pub mod mail;
pub mod rules;
pub mod search;
pub mod store;
pub mod ui;
