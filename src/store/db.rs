//! Whole-database operations: health check and online backup.

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
    /// `["ok"]` when SQLite finds nothing wrong.
    pub integrity: Vec<String>,
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

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.integrity == ["ok"]
            && self.foreign_key_violations == 0
            && self.version_mismatches == 0
            && self.count_mismatches == 0
            && self.audit.is_clean()
    }
}

fn integrity(conn: &Connection) -> Result<Vec<String>, rusqlite::Error> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}

impl Store {
    /// Integrity check, schema version, counts, and the whole audit
    /// ([`Store::verify_audit`], with these anchors).
    pub fn check(&mut self, anchors: &[ChainHead]) -> Result<CheckReport, StoreError> {
        let path = self.path.clone();
        let size_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
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
                integrity: integrity(tx)?,
                foreign_key_violations,
                version_mismatches: count(
                    "SELECT count(*) FROM tickets t
                     WHERE t.version != (SELECT count(*) FROM events e WHERE e.ticket_id = t.id)",
                )?,
                count_mismatches: count(
                    "WITH actual AS (
                        SELECT grp, tier, status, coalesce(assignee, '') AS a,
                               coalesce(following_group, '') AS f, count(*) AS n
                        FROM tickets GROUP BY 1, 2, 3, 4, 5)
                     SELECT count(*) FROM (
                        SELECT grp, tier, status, a, f, n FROM actual
                        EXCEPT SELECT grp, tier, status, assignee, following_group, n
                               FROM ticket_counts WHERE n != 0
                        UNION ALL
                        SELECT grp, tier, status, assignee, following_group, n
                               FROM ticket_counts WHERE n != 0
                        EXCEPT SELECT grp, tier, status, a, f, n FROM actual)",
                )?,
                tickets: count("SELECT count(*) FROM tickets")?,
                events: count("SELECT count(*) FROM events")?,
                articles: count("SELECT count(*) FROM articles")?,
                by_status,
                size_bytes,
                audit: super::audit::verify_in(tx, anchors)?,
            })
        })
    }

    /// A consistent copy of the whole database while other processes keep writing.
    /// `VACUUM INTO` reads one snapshot and writes it in one pass; an incremental online
    /// backup restarts whenever another process commits and may never finish.
    /// Returns the integrity check of the copy.
    pub fn backup(&mut self, dest: &Path) -> Result<Vec<String>, StoreError> {
        if dest.exists() {
            return Err(StoreError::BackupExists(dest.to_path_buf()));
        }
        let target = dest.to_string_lossy().to_string();
        self.conn
            .execute("VACUUM INTO ?1", [&target])
            .map_err(|e| StoreError::from_sqlite(dest, e))?;
        let copy = Connection::open_with_flags(dest, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| StoreError::from_sqlite(dest, e))?;
        integrity(&copy).map_err(|e| StoreError::from_sqlite(dest, e))
    }
}
