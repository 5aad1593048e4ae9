//! The full-screen console. State → view, input → action → update → commands: `app` holds
//! the state and the update function, `view` draws it, `exec` carries out commands against
//! the store, `runtime` owns the terminal.

pub mod app;
pub mod check;
pub mod check_view;
/// The form that corrects a saved ticket.
pub mod edit;
pub mod exec;
pub mod keymap;
pub mod layout;
pub mod queues;
/// The Reports screen (issue 13).
pub mod reports;
pub mod reports_view;
/// The Requirements screen (issue 16).
pub mod req;
pub mod req_view;
pub mod runtime;
pub mod text;
pub mod view;
