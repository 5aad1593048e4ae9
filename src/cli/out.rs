//! Everything the command line writes goes through here, so stored text reaches a terminal
//! (or a file, or a pipe) inert whichever command prints it:
//!
//! - [`say!`] / [`say_err!`] (a line to standard output / error) and [`text`] pass the whole
//!   text through [`crate::inert::sanitize`] — always, not only when the output is a
//!   terminal: output piped into `less -R` or a log viewed with `cat` later reaches a
//!   terminal too. No escape sequence, C0 control other than `\n`, C1 control or bidi
//!   control is ever written (tabs become spaces). This is the safety net; the commands
//!   also pass each stored field through [`crate::inert::one_line`] where it sits inside a
//!   line, so that a line break in a title cannot forge a line of `ticket list`, and an
//!   unterminated escape string in one field cannot swallow the rest of the line.
//! - [`json`] / [`json_line`] write through [`crate::inert::JsonFormatter`].
//!
//! `println!`, `print!`, `eprintln!`, `eprint!` and `std::io::stdout`/`stderr` are refused
//! by clippy (`clippy.toml`) so that nothing bypasses this module.
#![allow(clippy::disallowed_methods)] // the one place that writes to stdout and stderr

use crate::inert::{sanitize, write_json};
use serde::Serialize;
use std::io::Write;

/// `println!` for the command line: formats its arguments and writes them as one line to
/// standard output through [`line`].
macro_rules! say {
    () => {
        $crate::cli::out::line("")
    };
    ($($arg:tt)*) => {
        $crate::cli::out::line(&format!($($arg)*))
    };
}

/// `eprintln!` for the command line: formats its arguments and writes them as one line to
/// standard error through [`err_line`].
macro_rules! say_err {
    ($($arg:tt)*) => {
        $crate::cli::out::err_line(&format!($($arg)*))
    };
}

/// Write `text` to `out`, sanitized. Like `print!`, a failed write panics (a reader that
/// went away ends the process with status 141: see `main`).
fn write(mut out: impl Write, name: &str, text: &str, newline: bool) {
    let mut clean = sanitize(text);
    if newline {
        clean.push('\n');
    }
    if let Err(e) = out.write_all(clean.as_bytes()).and_then(|()| out.flush()) {
        panic!("failed printing to {name}: {e}");
    }
}

/// Write `text` to standard output, sanitized ([`crate::inert::sanitize`]), as it is.
pub fn text(text: &str) {
    write(std::io::stdout().lock(), "stdout", text, false);
}

/// Write `text` and a newline to standard output, sanitized.
pub fn line(text: &str) {
    write(std::io::stdout().lock(), "stdout", text, true);
}

/// Write `text` and a newline to standard error, sanitized.
pub fn err_line(text: &str) {
    write(std::io::stderr().lock(), "stderr", text, true);
}

/// Write `value` to standard output as indented JSON, every control character escaped
/// ([`crate::inert::JsonFormatter`]), and a newline.
pub fn json<T: ?Sized + Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    write_json(&mut out, value, true)?;
    writeln!(out)?;
    Ok(())
}

/// Write `value` to standard output as one line of JSON (JSON Lines), every control
/// character escaped, and a newline.
pub fn json_line<T: ?Sized + Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    write_json(&mut out, value, false)?;
    writeln!(out)?;
    Ok(())
}
