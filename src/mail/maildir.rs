//! A Maildir folder (the maildir(5) layout of qmail, Dovecot, Postfix): new mail is
//! delivered into `new/`; a mail program moves what it has seen to `cur/`, adding the info
//! suffix `:2,` with flags in ASCII order (`S` seen). The intake takes every message of
//! `new/` and every message of `cur/` not yet flagged `S`, and, after it is recorded,
//! moves it to `cur/` with `S` added. Taking is idempotent by the mail's key, so a crash
//! between recording and moving takes it again next time and changes nothing.

use std::path::{Path, PathBuf};

/// A message of the folder, waiting to be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub path: PathBuf,
}

/// Why the folder could not be read or a message not marked.
#[derive(Debug, thiserror::Error)]
pub enum MaildirError {
    #[error("{path} is not a Maildir folder (it has no new/ and cur/)")]
    NotMaildir { path: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MaildirError + '_ {
    move |source| MaildirError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The flags of a file name in `cur/` (after `:2,`), if any.
fn flags(name: &str) -> Option<&str> {
    name.rsplit_once(":2,").map(|(_, f)| f)
}

/// The messages to take, in name order (delivery names start with the time): all of `new/`,
/// then those of `cur/` not flagged seen. Names starting with `.` are skipped (maildir(5)).
pub fn waiting(dir: &Path) -> Result<Vec<Waiting>, MaildirError> {
    let (new, cur) = (dir.join("new"), dir.join("cur"));
    if !new.is_dir() || !cur.is_dir() {
        return Err(MaildirError::NotMaildir {
            path: dir.display().to_string(),
        });
    }
    let mut out = Vec::new();
    for (sub, only_unseen) in [(&new, false), (&cur, true)] {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(sub).map_err(io(sub))? {
            let entry = entry.map_err(io(sub))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !entry.file_type().map_err(io(sub))?.is_file() {
                continue;
            }
            if only_unseen && flags(&name).is_some_and(|f| f.contains('S')) {
                continue;
            }
            names.push(name);
        }
        names.sort();
        out.extend(names.into_iter().map(|n| Waiting { path: sub.join(n) }));
    }
    Ok(out)
}

/// The name a message gets in `cur/` once seen: its unique part with `:2,` and its flags
/// plus `S`, in ASCII order.
pub fn seen_name(name: &str) -> String {
    let (base, flags) = match name.rsplit_once(":2,") {
        Some((b, f)) => (b, f.to_string()),
        None => (name, String::new()),
    };
    let mut fl: Vec<char> = flags.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    if !fl.contains(&'S') {
        fl.push('S');
    }
    fl.sort_unstable();
    fl.dedup();
    format!("{base}:2,{}", fl.into_iter().collect::<String>())
}

/// Mark a message taken: rename it into `cur/` with the `S` flag (one rename on the same
/// file system: atomic). A message already gone (another intake took it) is not an error.
pub fn mark_seen(dir: &Path, msg: &Waiting) -> Result<(), MaildirError> {
    let name = msg
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let target = dir.join("cur").join(seen_name(&name));
    match std::fs::rename(&msg.path, &target) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(&msg.path)(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_names_follow_the_spec() {
        assert_eq!(seen_name("123.M1P2.host"), "123.M1P2.host:2,S");
        assert_eq!(seen_name("123.host:2,RF"), "123.host:2,FRS");
        assert_eq!(seen_name("123.host:2,S"), "123.host:2,S");
    }
}
