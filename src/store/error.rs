//! Store errors: each says what went wrong with which file and what to do about it.

use crate::domain::ticket::{DomainError, Event};
use rusqlite::ErrorCode;
use std::path::{Path, PathBuf};

/// Someone changed the ticket since the version the operator was looking at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub key: String,
    pub expected: i64,
    pub current: i64,
    /// The changes made since `expected`, oldest first: who changed what.
    pub changes: Vec<Event>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "database {path} is on a network filesystem ({fs}); SQLite's WAL needs every process on one host. Keep the file on a local disk of one host and let operators on other workstations reach that host over SSH"
    )]
    NetworkFilesystem { path: PathBuf, fs: &'static str },
    #[error(
        "database {path} does not exist; check --db or HOTRO_DB for a typo, or create it with hotro --db {path} init"
    )]
    Missing { path: PathBuf },
    #[error(
        "database {path} has lost committed changes: event {recorded} was committed but is not in the file (its -wal file was probably deleted while in use); nothing was written"
    )]
    LostChanges {
        path: PathBuf,
        recorded: super::ChainHead,
        found: Option<super::ChainHead>,
    },
    #[error(
        "database {path} is known to be damaged ({detail}); writes are refused until a clean hotro db check"
    )]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "read-only database {path} has schema {found}, older than this hotro's {supported}; check it with the hotro that wrote it, or a writable copy"
    )]
    ReadOnlyOldSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("backup target {path}: {detail}")]
    BackupFailed { path: PathBuf, detail: String },
    #[error("cannot create the database directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "database {path} is read-only; hotro needs to write to the file and its directory (WAL). Make it writable (chmod u+w) or use --db with a writable copy"
    )]
    ReadOnly { path: PathBuf },
    #[error(
        "database {path} is locked by another process for longer than {secs} s; wait for it to finish (or stop it) and try again"
    )]
    Locked { path: PathBuf, secs: u64 },
    #[error("{path} is not a hotro database (not an SQLite file); check --db or HOTRO_DB")]
    NotADatabase { path: PathBuf },
    #[error(
        "database {path} is damaged ({detail}); restore it from a backup (hotro db backup) — the file was left as it is"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "database {path} was written by a newer hotro (schema {found}; this hotro knows {supported}); upgrade hotro — the file was left untouched"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("cannot open database {path}: {detail}")]
    CannotOpen { path: PathBuf, detail: String },
    #[error("disk full while writing {path}; free some space and try again — nothing was saved")]
    DiskFull { path: PathBuf },
    #[error("ticket {key} never had version {expected} (it is at version {current})")]
    NoSuchVersion {
        key: String,
        expected: i64,
        current: i64,
    },
    #[error("no article {0}")]
    ArticleNotFound(String),
    #[error("article {0} exists already")]
    ArticleExists(String),
    #[error(transparent)]
    Lifecycle(#[from] crate::domain::kb::LifecycleError),
    #[error("no ticket {0}")]
    TicketNotFound(String),
    /// A ticket has no attachment of that number.
    #[error("ticket {key} has no attachment {n}")]
    AttachmentNotFound { key: String, n: i64 },
    #[error("ticket {} changed since version {} (now {})", .0.key, .0.expected, .0.current)]
    Conflict(Box<Conflict>),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(
        "the morning check of {date} was finalised by {by} at {at}; later changes are amendments"
    )]
    AlreadyFinalised {
        date: String,
        by: String,
        at: chrono::DateTime<chrono::Utc>,
    },
    #[error("{system} has no result on {date}: record the check first")]
    NotChecked { date: String, system: String },
    #[error("no announcement {0}")]
    AnnouncementNotFound(i64),
    #[error("announcement {id} changed since version {expected} (now {current})")]
    AnnouncementChanged {
        id: i64,
        expected: i64,
        current: i64,
    },
    #[error("announcement {0} is already resolved")]
    AnnouncementResolved(i64),
    #[error("backup target {0} already exists; choose a new file name")]
    BackupExists(PathBuf),
    #[error("this database is already in use as a {purpose} database; its purpose cannot change")]
    PurposeFixed { purpose: String },
    #[error("unexpected value in database {path}: {detail}")]
    BadValue { path: PathBuf, detail: String },
    #[error("database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// The PostgreSQL server refused or failed a statement of the store
    /// ([`super::engine::Tx`]). `code` is the SQLSTATE (`23505` unique violation, `40001`
    /// serialization failure, `40P01` deadlock, `42501` not permitted; empty when the
    /// connection itself failed).
    #[error("PostgreSQL: {detail} ({code})")]
    Postgres { code: String, detail: String },
    /// Opening a store on PostgreSQL failed ([`super::Store::open_postgres`]): the URL, the
    /// connection, the schema. Described in the words of [`super::pg::PgError`].
    #[error(transparent)]
    Pg(#[from] super::pg::PgError),
    /// An operation that exists only on SQLite so far (a module still on rusqlite, `VACUUM
    /// INTO` backup, `db check`, the recorded head) was asked of a store on PostgreSQL.
    #[error("this operation is not available on PostgreSQL yet; docs/postgres.md lists what is")]
    SqliteOnly,
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        match e.as_db_error() {
            // `lock_timeout` (set to the SQLite busy timeout on every connection) passed:
            // another session holds what this write waits for.
            Some(db) if db.code().code() == "55P03" => StoreError::Locked {
                path: PathBuf::new(),
                secs: super::BUSY_TIMEOUT.as_secs(),
            },
            Some(db) => StoreError::Postgres {
                code: db.code().code().to_string(),
                detail: db.message().to_string(),
            },
            None => StoreError::Postgres {
                code: String::new(),
                detail: e.to_string(),
            },
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    /// Inside a transaction the path is not at hand; [`StoreError::with_path`] adds it.
    fn from(e: rusqlite::Error) -> Self {
        StoreError::from_sqlite(Path::new(""), e)
    }
}

pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

impl StoreError {
    pub(crate) fn from_sqlite(path: &Path, e: rusqlite::Error) -> StoreError {
        let path = path.to_path_buf();
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked {
                path,
                secs: super::BUSY_TIMEOUT.as_secs(),
            },
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly { path },
            Some(ErrorCode::NotADatabase) => StoreError::NotADatabase { path },
            Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                path,
                detail: e.to_string(),
            },
            Some(ErrorCode::DiskFull) => StoreError::DiskFull { path },
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => StoreError::CannotOpen {
                path,
                detail: e.to_string(),
            },
            _ => StoreError::Sqlite { path, source: e },
        }
    }

    /// Fill in the database path on errors raised inside a transaction closure.
    pub(crate) fn with_path(self, p: &Path) -> StoreError {
        let fix = |path: PathBuf| {
            if path.as_os_str().is_empty() {
                p.to_path_buf()
            } else {
                path
            }
        };
        match self {
            StoreError::Locked { path, secs } => StoreError::Locked {
                path: fix(path),
                secs,
            },
            StoreError::ReadOnly { path } => StoreError::ReadOnly { path: fix(path) },
            StoreError::NotADatabase { path } => StoreError::NotADatabase { path: fix(path) },
            StoreError::Corrupt { path, detail } => StoreError::Corrupt {
                path: fix(path),
                detail,
            },
            StoreError::DiskFull { path } => StoreError::DiskFull { path: fix(path) },
            StoreError::CannotOpen { path, detail } => StoreError::CannotOpen {
                path: fix(path),
                detail,
            },
            StoreError::BadValue { path, detail } => StoreError::BadValue {
                path: fix(path),
                detail,
            },
            StoreError::Sqlite { path, source } => StoreError::Sqlite {
                path: fix(path),
                source,
            },
            other => other,
        }
    }

    /// Whether a statement was refused for a duplicate key, on either engine (SQLite's
    /// `UNIQUE`/`PRIMARY KEY` constraint, PostgreSQL's SQLSTATE 23505).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Sqlite {
                source: rusqlite::Error::SqliteFailure(f, _),
                ..
            } => {
                f.code == ErrorCode::ConstraintViolation
                    && matches!(
                        f.extended_code,
                        rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                            | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    )
            }
            StoreError::Postgres { code, .. } => code == "23505",
            _ => false,
        }
    }

    /// Whether a PostgreSQL write lost to other writers and may succeed when run again at
    /// once: a serialization failure (40001) or a deadlock (40P01). A lock waited on past
    /// the timeout ([`StoreError::Locked`], on either engine) is not: someone still holds it.
    pub fn is_contention(&self) -> bool {
        match self {
            StoreError::Postgres { code, .. } => code == "40001" || code == "40P01",
            _ => false,
        }
    }

    pub fn bad_value(detail: impl Into<String>) -> StoreError {
        StoreError::BadValue {
            path: PathBuf::new(),
            detail: detail.into(),
        }
    }
}

/// The name of a network filesystem from its `statfs` magic number, if it is one.
pub fn network_filesystem_name(magic: u64) -> Option<&'static str> {
    match magic {
        0x6969 => Some("NFS"),
        0x517B => Some("SMB"),
        0xFF53_4D42 => Some("CIFS"),
        0xFE53_4D42 => Some("SMB2"),
        0x0102_1997 => Some("9P"),
        0x6B41_4653 => Some("AFS"),
        0x5346_414F => Some("AFS"),
        0x0BD0_0BD0 => Some("Lustre"),
        0x4750_4653 => Some("GPFS"),
        0x00C3_6400 => Some("CephFS"),
        _ => None,
    }
}

#[cfg(target_os = "linux")]
pub(crate) fn refuse_network_filesystem(dir: &Path) -> Result<(), StoreError> {
    // A statfs failure is not a reason to refuse: opening the file reports real problems.
    if let Ok(stat) = rustix::fs::statfs(dir) {
        #[allow(clippy::unnecessary_cast)] // f_type's type differs between platforms
        let magic = stat.f_type as u64;
        if let Some(fs) = network_filesystem_name(magic) {
            return Err(StoreError::NetworkFilesystem {
                path: dir.to_path_buf(),
                fs,
            });
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn refuse_network_filesystem(_dir: &Path) -> Result<(), StoreError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_filesystems_are_recognised() {
        assert_eq!(network_filesystem_name(0x6969), Some("NFS"));
        assert_eq!(network_filesystem_name(0xFF53_4D42), Some("CIFS"));
        assert_eq!(network_filesystem_name(0xFE53_4D42), Some("SMB2"));
        assert_eq!(network_filesystem_name(0xEF53), None, "ext4 is local");
        assert_eq!(network_filesystem_name(0x0102_1994), None, "tmpfs is local");
    }

    #[test]
    fn the_test_directory_is_accepted() {
        let dir = std::env::temp_dir();
        assert!(refuse_network_filesystem(&dir).is_ok());
    }
}
