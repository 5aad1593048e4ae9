//! Whole-database operations: health check and online backup. The check runs on both
//! engines (on PostgreSQL the indexes are checked by `amcheck` when the extension is
//! installed, and the server enforces foreign keys itself); the backup is the SQLite file's
//! (`pg_dump --format=custom` on PostgreSQL: [`StoreError::SqliteOnly`]).

use super::{ChainHead, SCHEMA_VERSION, Store, StoreError, VerifyReport};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusCount {
    pub status: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub path: PathBuf,
    pub schema_version: i64,
    pub supported_schema_version: i64,
    pub journal_mode: String,
    /// `["ok"]` when SQLite finds nothing wrong; otherwise SQLite's own lines, which name the
    /// damaged pages (`On tree page 39 cell 2: …`).
    pub integrity: Vec<String>,
    /// On SQLite, why the counts and the audit below could not be made (a damaged page
    /// stopped them); they are then zero. On PostgreSQL, that the indexes went unchecked
    /// (no amcheck extension); the counts and the audit were made.
    pub incomplete: Option<String>,
    /// Damage recorded beside the file earlier (`<db>-hotro-damage`): writes are refused
    /// until a clean check.
    pub known_damage: Option<String>,
    pub foreign_key_violations: i64,
    /// Tickets whose version differs from their number of events (a broken audit trail).
    pub version_mismatches: i64,
    /// Queue-count cells that disagree with the tickets they count.
    pub count_mismatches: i64,
    pub tickets: i64,
    pub events: i64,
    pub articles: i64,
    pub by_status: Vec<StatusCount>,
    pub size_bytes: u64,
    /// The whole audit (`hotro db verify` without anchors): chain, ticket rows, versions and
    /// finalised morning checks.
    pub audit: VerifyReport,
}

/// Counts that tell whether concurrent writers kept the tickets consistent, read the same
/// way on both engines from one snapshot (the engine-neutral part of [`Store::check`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WriteTally {
    /// Ticket rows.
    pub tickets: i64,
    /// Events (the audit trail).
    pub events: i64,
    /// Ticket rows beyond the first with the same key (0 when keys are unique).
    pub duplicate_keys: i64,
    /// Tickets whose version differs from their number of events.
    pub version_mismatches: i64,
    /// Queue-count cells that disagree with the tickets they count.
    pub count_mismatches: i64,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.integrity == ["ok"]
            && self.incomplete.is_none()
            && self.foreign_key_violations == 0
            && self.version_mismatches == 0
            && self.count_mismatches == 0
            && self.audit.is_clean()
    }
}

/// SQLite's integrity check, line by line. Over a damaged page SQLite gives the lines that
/// name it (`Page 49: btreeInitPage() returns error code 11`) and then fails: the lines are
/// kept and the failure is the last line.
fn integrity(conn: &Connection) -> Result<Vec<String>, rusqlite::Error> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let mut rows = stmt.query([])?;
    let mut lines = Vec::new();
    loop {
        match rows.next() {
            Ok(Some(row)) => lines.extend(row.get::<_, String>(0)?.lines().map(str::to_string)),
            Ok(None) => break,
            Err(e) if !lines.is_empty() => {
                lines.push(e.to_string());
                break;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(lines)
}

/// Tickets whose version differs from their number of events (both engines' SQL).
const VERSION_MISMATCHES: &str = "SELECT count(*) FROM tickets t
     WHERE t.version != (SELECT count(*) FROM events e WHERE e.ticket_id = t.id)";

/// Queue-count cells that disagree with the tickets they count (both engines' SQL): the
/// groups of tickets no cell counts rightly, plus the cells that count something else.
/// (Written as two differences added: `A EXCEPT B UNION ALL C EXCEPT D` reads as
/// `((A EXCEPT B) UNION ALL C) EXCEPT D` on both engines, which dropped the first half.)
const COUNT_MISMATCHES: &str = "WITH actual AS (
        SELECT grp, tier, status, coalesce(assignee, '') AS a,
               coalesce(following_group, '') AS f, count(*) AS n
        FROM tickets GROUP BY 1, 2, 3, 4, 5)
     SELECT (SELECT count(*) FROM (
                SELECT grp, tier, status, a, f, n FROM actual
                EXCEPT SELECT grp, tier, status, assignee, following_group, n
                       FROM ticket_counts WHERE n != 0) AS uncounted)
          + (SELECT count(*) FROM (
                SELECT grp, tier, status, assignee, following_group, n
                FROM ticket_counts WHERE n != 0
                EXCEPT SELECT grp, tier, status, a, f, n FROM actual) AS miscounted)";

impl Store {
    /// [`WriteTally`]: ticket and event counts, duplicate keys, versions against events and
    /// queue counts against tickets, from one snapshot, on either engine.
    pub fn write_tally(&mut self) -> Result<WriteTally, StoreError> {
        use super::engine::Sql;
        self.read_tx(|tx| {
            let mut count = |sql: &str| -> Result<i64, StoreError> {
                match tx.query_row(&Sql::both(sql), &[])? {
                    Some(row) => row.get::<i64>(0),
                    None => Ok(0),
                }
            };
            Ok(WriteTally {
                tickets: count("SELECT count(*) FROM tickets")?,
                events: count("SELECT count(*) FROM events")?,
                duplicate_keys: count("SELECT count(*) - count(DISTINCT key) FROM tickets")?,
                version_mismatches: count(VERSION_MISMATCHES)?,
                count_mismatches: count(COUNT_MISMATCHES)?,
            })
        })
    }

    /// Integrity check, schema version, counts, and the whole audit
    /// ([`Store::verify_audit`], with these anchors and the head recorded beside the file).
    /// Damage found is recorded beside the file (no write goes into it after); a clean check
    /// lifts that stop. On PostgreSQL: the same counts and audit, indexes checked by `amcheck`.
    pub fn check(&mut self, anchors: &[ChainHead]) -> Result<CheckReport, StoreError> {
        self.check_with(anchors, &mut |_, _| {})
    }

    /// [`Store::check`], calling `progress(items done, items)` during the audit.
    pub fn check_with(
        &mut self,
        anchors: &[ChainHead],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<CheckReport, StoreError> {
        if self.engine() == super::EngineKind::Postgres {
            return self.check_server(anchors, progress);
        }
        let path = self.path.clone();
        let known_damage = super::guard::known_damage(&path);
        // Integrity first and on its own: over a damaged page the counts below may fail, and
        // the check must still say where the damage is.
        let integrity = match self.read(|tx| Ok(integrity(tx)?)) {
            Ok(lines) => lines,
            Err(StoreError::Corrupt { detail, .. }) => vec![detail],
            Err(e) => return Err(e),
        };
        let report = match self.counts(anchors, integrity.clone(), progress) {
            Ok(r) => r,
            Err(StoreError::Corrupt { detail, .. }) => CheckReport {
                path: path.clone(),
                schema_version: self
                    .sqlite()
                    .and_then(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
                    .unwrap_or(0),
                supported_schema_version: SCHEMA_VERSION,
                journal_mode: self
                    .sqlite()
                    .and_then(|c| Ok(c.pragma_query_value(None, "journal_mode", |r| r.get(0))?))
                    .unwrap_or_default(),
                integrity,
                incomplete: Some(detail),
                known_damage: None,
                foreign_key_violations: 0,
                version_mismatches: 0,
                count_mismatches: 0,
                tickets: 0,
                events: 0,
                articles: 0,
                by_status: Vec::new(),
                size_bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
                audit: VerifyReport::default(),
            },
            Err(e) => return Err(e),
        };
        if report.integrity != ["ok"] || report.incomplete.is_some() {
            let mut detail = report.integrity.join("; ");
            if let Some(i) = &report.incomplete {
                detail = format!("{detail}; {i}");
            }
            super::guard::record_damage(&path, &detail);
        } else if report.is_clean() {
            super::guard::clear_damage(&path);
        }
        Ok(CheckReport {
            known_damage,
            ..report
        })
    }

    /// [`Store::check_with`] on PostgreSQL, from one snapshot: the same counts and the whole
    /// audit; integrity is every B-tree index of the schema checked by `amcheck`'s
    /// `bt_index_check` when the extension is installed (`incomplete` says so when it is
    /// not: `CREATE EXTENSION amcheck` as a superuser); `journal_mode` is `postgresql`, the
    /// size `pg_database_size`, and foreign keys are the server's to enforce (0).
    fn check_server(
        &mut self,
        anchors: &[ChainHead],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<CheckReport, StoreError> {
        use super::engine::{Sql, Tx, params};
        let path = self.path.clone();
        self.read_tx(|tx| {
            let count = |tx: &mut dyn Tx, sql: &str| -> Result<i64, StoreError> {
                tx.query_row(&Sql::both(sql), params![])?
                    .ok_or_else(|| StoreError::bad_value("a count returned no row"))?
                    .get(0)
            };
            let amcheck = count(
                tx,
                "SELECT count(*) FROM pg_extension WHERE extname = 'amcheck'",
            )? > 0;
            let (integrity, incomplete) = if amcheck {
                let indexes: Vec<String> = tx.query_map(
                    &Sql::both(
                        "SELECT c.relname::text FROM pg_index i
                         JOIN pg_class c ON c.oid = i.indexrelid
                         JOIN pg_am a ON a.oid = c.relam
                         JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE a.amname = 'btree' AND n.nspname = 'public'
                         ORDER BY 1",
                    ),
                    params![],
                    |r| r.get(0),
                )?;
                let mut lines = Vec::new();
                for index in &indexes {
                    // `bt_index_check` returns void (no row is read) and raises on damage.
                    if let Err(e) = tx.execute(
                        &Sql::both(
                            "SELECT bt_index_check(c.oid) FROM pg_class c WHERE c.relname = $1",
                        ),
                        params![index.as_str()],
                    ) {
                        lines.push(format!("{index}: {e}"));
                        break;
                    }
                }
                if lines.is_empty() {
                    lines.push("ok".to_string());
                }
                (lines, None)
            } else {
                (
                    vec!["ok".to_string()],
                    Some(
                        "indexes not checked: the amcheck extension is not installed \
                         (CREATE EXTENSION amcheck, as a superuser)"
                            .to_string(),
                    ),
                )
            };
            let by_status = tx.query_map(
                &Sql::both("SELECT status, count(*) FROM tickets GROUP BY status ORDER BY status"),
                params![],
                |r| {
                    Ok(StatusCount {
                        status: r.get(0)?,
                        count: r.get(1)?,
                    })
                },
            )?;
            let version_mismatches = count(tx, VERSION_MISMATCHES)?;
            let count_mismatches = count(tx, COUNT_MISMATCHES)?;
            let tickets = count(tx, "SELECT count(*) FROM tickets")?;
            let events = count(tx, "SELECT count(*) FROM events")?;
            let articles = count(tx, "SELECT count(*) FROM articles")?;
            let size = count(tx, "SELECT pg_database_size(current_database())")?;
            let schema_version = count(tx, "SELECT coalesce(max(version), 0) FROM hotro_schema")?;
            let audit = super::audit::verify_in(tx, anchors, None, progress)?;
            Ok(CheckReport {
                path: path.clone(),
                schema_version,
                supported_schema_version: super::pg::PG_SCHEMA_VERSION,
                journal_mode: "postgresql".to_string(),
                integrity,
                incomplete,
                known_damage: None,
                foreign_key_violations: 0,
                version_mismatches,
                count_mismatches,
                tickets,
                events,
                articles,
                by_status,
                size_bytes: size.max(0) as u64,
                audit,
            })
        })
    }

    /// Everything [`Store::check`] reports after the integrity check, from one snapshot.
    fn counts(
        &mut self,
        anchors: &[ChainHead],
        integrity: Vec<String>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<CheckReport, StoreError> {
        let path = self.path.clone();
        let size_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let recorded = super::guard::recorded_head(&path);
        self.read(|tx| {
            let count = |sql: &str| tx.query_row(sql, [], |r| r.get::<_, i64>(0));
            let mut by_status = Vec::new();
            {
                let mut stmt = tx.prepare(
                    "SELECT status, count(*) FROM tickets GROUP BY status ORDER BY status",
                )?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    by_status.push(StatusCount {
                        status: row.get(0)?,
                        count: row.get(1)?,
                    });
                }
            }
            let foreign_key_violations = {
                let mut stmt = tx.prepare("PRAGMA foreign_key_check")?;
                let mut rows = stmt.query([])?;
                let mut n = 0;
                while rows.next()?.is_some() {
                    n += 1;
                }
                n
            };
            Ok(CheckReport {
                path: path.clone(),
                schema_version: tx.pragma_query_value(None, "user_version", |r| r.get(0))?,
                supported_schema_version: SCHEMA_VERSION,
                journal_mode: tx.pragma_query_value(None, "journal_mode", |r| r.get(0))?,
                integrity,
                incomplete: None,
                known_damage: None,
                foreign_key_violations,
                version_mismatches: count(VERSION_MISMATCHES)?,
                count_mismatches: count(COUNT_MISMATCHES)?,
                tickets: count("SELECT count(*) FROM tickets")?,
                events: count("SELECT count(*) FROM events")?,
                articles: count("SELECT count(*) FROM articles")?,
                by_status,
                size_bytes,
                audit: super::audit::verify_in(
                    &mut super::engine::SqliteTx::new(tx),
                    anchors,
                    recorded.as_ref(),
                    progress,
                )?,
            })
        })
    }

    /// A consistent copy of the whole database while other processes keep writing.
    /// `VACUUM INTO` reads one snapshot and writes it in one pass; an incremental online
    /// backup restarts whenever another process commits and may never finish.
    ///
    /// `dest` is a file name, or a folder when it ends in `/` or names an existing folder
    /// (the copy is then `<folder>/<db name>-<UTC yyyymmdd-hhmmss>.db`). The copy is written
    /// under a temporary name in the target folder, checked (`PRAGMA integrity_check`) and
    /// synced, and only then given its name, never replacing a file: a failure (a full disk,
    /// a damaged copy) leaves nothing under the name (issue 18, "Backups that lie").
    /// `progress(bytes written, bytes expected)` is called about every 200 ms from another
    /// thread while the copy is written.
    ///
    /// Returns the file written. Errors: [`StoreError::BackupExists`],
    /// [`StoreError::BackupFailed`] (no such folder, a copy that fails its check),
    /// [`StoreError::DiskFull`] and other SQLite errors, each naming the target;
    /// [`StoreError::SqliteOnly`] on PostgreSQL (`pg_dump --format=custom` makes its backups).
    pub fn backup(
        &mut self,
        dest: &Path,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<PathBuf, StoreError> {
        let conn = self.sqlite()?;
        let target = backup_target(&self.path, dest)?;
        let folder = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !folder.is_dir() {
            return Err(StoreError::BackupFailed {
                path: target,
                detail: format!("the folder {} does not exist", folder.display()),
            });
        }
        if std::fs::symlink_metadata(&target).is_ok() {
            return Err(StoreError::BackupExists(target));
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = folder.join(format!(
            ".{name}.hotro-tmp-{}-{:08x}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        ));
        let remove_temp = || {
            for suffix in ["", "-journal", "-wal", "-shm"] {
                let mut p = temp.as_os_str().to_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(p));
            }
        };
        let expected = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(super::guard::wal_path(&self.path))
                .map(|m| m.len())
                .unwrap_or(0);
        let done = std::sync::atomic::AtomicBool::new(false);
        let copied = std::thread::scope(|scope| {
            scope.spawn(|| {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    let written = std::fs::metadata(&temp).map(|m| m.len()).unwrap_or(0);
                    progress(written.min(expected), expected);
                }
            });
            let r = conn.execute("VACUUM INTO ?1", [&temp.to_string_lossy()]);
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            r
        });
        if let Err(e) = copied {
            remove_temp();
            return Err(StoreError::from_sqlite(&target, e));
        }
        let checked = Connection::open_with_flags(&temp, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|copy| integrity(&copy));
        match checked {
            Ok(lines) if lines == ["ok"] => {}
            Ok(lines) => {
                remove_temp();
                return Err(StoreError::BackupFailed {
                    path: target,
                    detail: format!("the copy failed its integrity check: {}", lines.join("; ")),
                });
            }
            Err(e) => {
                remove_temp();
                return Err(StoreError::from_sqlite(&target, e));
            }
        }
        let synced = std::fs::File::open(&temp).and_then(|f| f.sync_all());
        // A hard link gives the name only if nothing has it (never replacing a file that
        // appeared meanwhile); a filesystem without links gets a rename after the check above.
        let named = synced.and_then(|()| match std::fs::hard_link(&temp, &target) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
            Err(_) => std::fs::rename(&temp, &target),
        });
        remove_temp();
        match named {
            Ok(()) => {
                if let Ok(dir) = std::fs::File::open(&folder) {
                    let _ = dir.sync_all();
                }
                progress(expected, expected);
                Ok(target)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(StoreError::BackupExists(target))
            }
            Err(e) if e.raw_os_error() == Some(28) => Err(StoreError::DiskFull { path: target }),
            Err(e) => Err(StoreError::BackupFailed {
                path: target,
                detail: e.to_string(),
            }),
        }
    }
}

/// The file a backup to `dest` writes: `dest` itself, or a new name in it when it is a folder
/// (it ends in `/` or names an existing folder).
fn backup_target(db: &Path, dest: &Path) -> Result<PathBuf, StoreError> {
    let text = dest.as_os_str().to_string_lossy();
    let is_folder = text.ends_with('/') || dest.is_dir();
    if !is_folder {
        return Ok(dest.to_path_buf());
    }
    let stem = db
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "hotro".to_string());
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    Ok(dest.join(format!("{stem}-{stamp}.db")))
}
