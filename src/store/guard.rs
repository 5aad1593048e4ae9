//! Two small files beside the database record what the file alone cannot prove.
//!
//! - `<db>-hotro-head`: the newest event (`ID:HASH`, the chain head) any process has
//!   committed. SQLite keeps committed changes in `<db>-wal` until a checkpoint; if that file is
//!   deleted while a process has the database open, the changes in it are gone and the keys
//!   they used would be issued again, yet the main file is internally consistent. The head
//!   recorded here is checked whenever the database is opened: a recorded event that is
//!   missing (or has another hash) means committed changes were lost, and hotro refuses to
//!   write until an administrator decides (issue 18, "Losing the WAL goes unnoticed").
//! - `<db>-hotro-damage`: set when SQLite reports the file damaged (by `hotro db check` or by
//!   any statement that meets a damaged page); while it exists no write goes into the damaged
//!   file. A clean `hotro db check` (after restoring a backup) removes it.
//!
//! Both are written best effort: a side file that cannot be written or read is not evidence
//! of anything, and never stops work on a sound database.

use super::ChainHead;
use std::io::Write;
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Bytes of the head record: `hotro-head ` + 20 digits + `:` + 64 hex digits + newline,
/// padded, so every write replaces the whole record in one `pwrite`.
const HEAD_RECORD: usize = 100;

fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// SQLite's write-ahead log of `db`: `<db>-wal`.
pub(crate) fn wal_path(db: &Path) -> PathBuf {
    beside(db, "-wal")
}

/// `<db>-hotro-head`.
pub fn head_path(db: &Path) -> PathBuf {
    beside(db, "-hotro-head")
}

/// `<db>-hotro-damage`.
pub fn damage_path(db: &Path) -> PathBuf {
    beside(db, "-hotro-damage")
}

/// The head recorded beside `db`, if there is a readable one.
pub(crate) fn recorded_head(db: &Path) -> Option<ChainHead> {
    let text = std::fs::read(head_path(db)).ok()?;
    if text.len() > 4 * HEAD_RECORD {
        return None;
    }
    let text = String::from_utf8(text).ok()?;
    let rest = text
        .trim_end_matches([' ', '\n', '\0'])
        .strip_prefix("hotro-head ")?;
    rest.parse().ok()
}

/// Record `head` beside `db` unless a newer one is already recorded (another process may have
/// committed after us). Best effort: errors are ignored.
pub(crate) fn record_head(db: &Path, head: &ChainHead) {
    if recorded_head(db).is_some_and(|h| h.event_id >= head.event_id) {
        return;
    }
    let mut line = format!("hotro-head {head}\n").into_bytes();
    if line.len() > HEAD_RECORD {
        return;
    }
    line.resize(HEAD_RECORD, b' ');
    let path = head_path(db);
    let Ok(file) = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
    else {
        return;
    };
    // The side file is shared like the database: the same permission bits, so every operator
    // who may write the database may keep the head up to date.
    if let (Ok(meta), Ok(own)) = (std::fs::metadata(db), file.metadata())
        && own.permissions().mode() & 0o7777 != meta.permissions().mode() & 0o666
        && own.len() == 0
    {
        let _ = file.set_permissions(std::fs::Permissions::from_mode(
            meta.permissions().mode() & 0o666,
        ));
    }
    let _ = file.write_all_at(&line, 0);
}

/// Forget the recorded head and record `head` instead (an administrator restored the file on
/// purpose: `hotro db restored`).
pub(crate) fn reset_head(db: &Path, head: Option<&ChainHead>) -> std::io::Result<()> {
    let path = head_path(db);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    if let Some(h) = head {
        record_head(db, h);
    }
    Ok(())
}

/// What is recorded about damage to `db`, if anything: when and what SQLite said.
pub(crate) fn known_damage(db: &Path) -> Option<String> {
    let text = std::fs::read(damage_path(db)).ok()?;
    let text = String::from_utf8_lossy(&text[..text.len().min(4096)]).into_owned();
    Some(text.trim().to_string())
}

/// Record that `db` is damaged (`detail` names where, as SQLite said it). Best effort.
pub(crate) fn record_damage(db: &Path, detail: &str) {
    if known_damage(db).is_some() {
        return;
    }
    let when = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    if let Ok(mut f) = std::fs::File::create(damage_path(db)) {
        let _ = writeln!(f, "{when} {detail}");
    }
}

/// Pass `e` on, recording the damage when it says the file is damaged, so that no later
/// write goes into it.
pub(crate) fn noted(e: super::StoreError) -> super::StoreError {
    if let super::StoreError::Corrupt { path, detail } = &e
        && !path.as_os_str().is_empty()
    {
        record_damage(path, detail);
    }
    e
}

/// `<db>-hotro-writer`.
fn writer_path(db: &Path) -> PathBuf {
    beside(db, "-hotro-writer")
}

/// A long write announced beside the database (`<db>-hotro-writer`: pid, login, what, since)
/// while it lasts; removed when dropped.
pub struct WriterNote {
    path: Option<PathBuf>,
}

impl WriterNote {
    /// A note that says nothing (a PostgreSQL store: no file to write beside).
    pub(crate) fn none() -> WriterNote {
        WriterNote { path: None }
    }

    pub(crate) fn new(db: &Path, login: &str, what: &str) -> WriterNote {
        let path = writer_path(db);
        let line = format!(
            "{}\t{}\t{}\t{}\n",
            std::process::id(),
            login.replace(['\t', '\n'], " "),
            what.replace(['\t', '\n'], " "),
            chrono::Utc::now().timestamp()
        );
        let written = std::fs::write(&path, line).is_ok();
        WriterNote {
            path: written.then_some(path),
        }
    }
}

impl Drop for WriterNote {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// The long write noted beside `db` by a process that is still running.
pub(crate) fn current_writer(db: &Path) -> Option<(String, String, chrono::DateTime<chrono::Utc>)> {
    let text = std::fs::read(writer_path(db)).ok()?;
    let text = String::from_utf8_lossy(&text[..text.len().min(1024)]).into_owned();
    let mut parts = text.trim_end().splitn(4, '\t');
    let pid: u32 = parts.next()?.parse().ok()?;
    let login = parts.next()?.to_string();
    let what = parts.next()?.to_string();
    let since = chrono::DateTime::from_timestamp(parts.next()?.parse().ok()?, 0)?;
    if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
        return None;
    }
    Some((login, what, since))
}

/// The database was found sound again (a clean `hotro db check`).
pub(crate) fn clear_damage(db: &Path) {
    let _ = std::fs::remove_file(damage_path(db));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(id: i64, c: char) -> ChainHead {
        ChainHead {
            event_id: id,
            hash: std::iter::repeat_n(c, 64).collect(),
        }
    }

    #[test]
    fn the_head_only_moves_forward_and_reads_back() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("x.db");
        assert_eq!(recorded_head(&db), None);
        record_head(&db, &head(7, 'a'));
        assert_eq!(recorded_head(&db), Some(head(7, 'a')));
        record_head(&db, &head(5, 'b'));
        assert_eq!(recorded_head(&db), Some(head(7, 'a')), "never backwards");
        record_head(&db, &head(12345678901, 'c'));
        assert_eq!(recorded_head(&db), Some(head(12345678901, 'c')));
        reset_head(&db, Some(&head(3, 'd'))).expect("reset");
        assert_eq!(recorded_head(&db), Some(head(3, 'd')));
    }

    #[test]
    fn a_garbled_side_file_is_no_evidence() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("x.db");
        std::fs::write(head_path(&db), "hotro-head 12:nothex\n").expect("write");
        assert_eq!(recorded_head(&db), None);
        std::fs::write(head_path(&db), vec![b'x'; 10_000]).expect("write");
        assert_eq!(recorded_head(&db), None);
    }

    #[test]
    fn a_long_write_is_named_while_it_lasts() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("x.db");
        assert_eq!(current_writer(&db), None);
        let note = WriterNote::new(&db, "nguyenvanan", "kb import\tx");
        let (login, what, _) = current_writer(&db).expect("noted");
        assert_eq!(
            (login.as_str(), what.as_str()),
            ("nguyenvanan", "kb import x")
        );
        drop(note);
        assert_eq!(current_writer(&db), None);
        // A note left by a process that is gone is no one's.
        std::fs::write(writer_path(&db), "999999999\tx\ty\t0\n").expect("write");
        assert_eq!(current_writer(&db), None);
    }

    #[test]
    fn damage_is_recorded_once_and_cleared() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("x.db");
        assert_eq!(known_damage(&db), None);
        record_damage(&db, "page 39: btree");
        record_damage(&db, "later");
        let d = known_damage(&db).expect("recorded");
        assert!(d.ends_with("page 39: btree"), "{d}");
        clear_damage(&db);
        assert_eq!(known_damage(&db), None);
    }
}
