//! The store: the only module that speaks SQL. One type, [`Store`], on either engine
//! (issue 17; docs/postgres.md, "One interface, two engines").
//!
//! * **SQLite** ([`Store::open`], [`Store::create`], [`Store::open_with`]): one database
//!   file shared by every operator's process on one host. Every write runs in `BEGIN
//!   IMMEDIATE` (a deferred transaction that reads and then writes fails with "database is
//!   locked" under concurrent writers, whatever the busy timeout), the file is in WAL mode so
//!   readers never block, and every ticket change appends an event in the same transaction.
//!   The guard files beside it (recorded head, damage marker, writer note), `VACUUM INTO`
//!   backup and `db check` are SQLite's alone.
//! * **PostgreSQL** ([`Store::open_postgres`]): a server shared by operators on any host,
//!   through [`PgConn`] (`READ COMMITTED` writes retried on contention, `REPEATABLE READ`
//!   read-only snapshots).
//!
//! The modules moved onto [`engine::Tx`] (drafts, announcements, checks, configs,
//! requirements, changes, kb, outbox) run on both through `Store::write_tx` /
//! `Store::read_tx`. The others still take a `rusqlite::Transaction` through
//! `Store::write` / `Store::read`, which on PostgreSQL return
//! [`StoreError::SqliteOnly`].

mod announcements;
mod audit;
pub(crate) mod chain;
mod changes;
mod checks;
mod configs;
mod db;
mod demo;
mod drafts;
pub mod engine;
mod error;
mod guard;
mod kb;
mod mail;
mod outbox;
pub mod pg;
mod reports;
mod requirements;
mod role;
mod schema;
mod tickets;

pub use audit::{BrokenLink, ChainHead, Problem, VerifyReport};
pub use checks::{CheckLogEntry, CheckRecord};
pub use configs::{AppliedConfig, Purpose};
pub use db::{CheckReport, StatusCount, WriteTally};
pub use engine::{EngineKind, PgConn};
pub use error::{Conflict, StoreError};
pub use guard::{WriterNote, damage_path, head_path};
pub use kb::{ArticleRevision, ImportCounts, IndexDoc, OutboxEntry};
pub use mail::{Attachment, MailAction, MailRecord, MailTaken, NewAttachment};
pub use outbox::{OutboxMail, OutboxView};
pub use requirements::Publication;
pub use schema::SCHEMA_VERSION;
pub use tickets::{CountCell, Page, RuleApplication, SlaKeys, TicketFilter, TicketRow};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A short fingerprint of the whole schema, for caches of generated databases.
pub fn schema_fingerprint() -> String {
    let text: String = schema::MIGRATIONS.concat();
    let sum = text.bytes().fold(0u64, |h, b| {
        h.wrapping_mul(1_099_511_628_211).wrapping_add(u64::from(b))
    });
    format!("v{SCHEMA_VERSION}-{:08x}", sum & 0xffff_ffff)
}

/// How long a writer waits for another writer before giving up with a clear error.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Keep the WAL file from growing without bound after a big transaction.
const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// The store's connection, on one engine or the other.
enum Conn {
    /// The SQLite file's connection.
    Sqlite(Connection),
    /// A PostgreSQL server (boxed: it carries the change listener beside the connection).
    Postgres(Box<PgState>),
}

/// A store on PostgreSQL: its connection, and what [`Store::data_version`] needs.
struct PgState {
    conn: PgConn,
    /// The connection string (never holding a password: [`pg::config`] refuses one), for the
    /// listener's own connection.
    url: String,
    /// Opened by the first [`Store::data_version`]; dropped when its connection fails (the
    /// next call opens it again).
    listener: std::cell::RefCell<Option<pg::notify::ChangeListener>>,
    /// Raised each time the listener has received a notification.
    version: std::cell::Cell<i64>,
}

/// Where a database is: a SQLite file, or a PostgreSQL connection string (never holding a
/// password: [`pg::config`] refuses one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The SQLite file.
    File(PathBuf),
    /// The PostgreSQL URL or `key=value` string.
    Server(String),
}

impl Location {
    /// `db` as given on the command line or in `HOTRO_DB`: a PostgreSQL URL
    /// ([`pg::is_postgres_url`]) or a file.
    pub fn of(db: &Path) -> Location {
        match db.to_str() {
            Some(text) if pg::is_postgres_url(text) => Location::Server(text.to_string()),
            _ => Location::File(db.to_path_buf()),
        }
    }

    /// Open another connection to the existing database ([`Store::open`] or
    /// [`Store::open_postgres`]), with their errors.
    pub fn open(&self) -> Result<Store, StoreError> {
        match self {
            Location::File(path) => Store::open(path),
            Location::Server(url) => Store::open_postgres(url),
        }
    }
}

/// The store on either engine: SQLite through its file, PostgreSQL through a server.
/// Opened by [`Store::open`] / [`Store::create`] / [`Store::open_with`] (SQLite) or
/// [`Store::open_postgres`]; used on the thread that opened it.
pub struct Store {
    conn: Conn,
    /// The SQLite file; on PostgreSQL the target in words ([`pg::describe_target`]: database,
    /// host, role; never a password), so that messages naming the database still read well.
    path: PathBuf,
    busy_timeout: Duration,
    /// Opened read-only ([`OpenMode::Inspect`] of a write-protected file): writes are refused.
    read_only: bool,
    /// The head recorded beside the file that the file no longer has: committed changes were
    /// lost ([`guard`]). Set only in [`OpenMode::Inspect`] (other modes refuse to open);
    /// writes are refused while it is set.
    lost: Option<ChainHead>,
}

/// How [`Store::open_with`] treats the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// An existing hotro database. A missing file is [`StoreError::Missing`]: a mistyped
    /// `--db` never makes a new database (issue 18). Committed changes found lost are
    /// [`StoreError::LostChanges`].
    Existing,
    /// Create the file and its folder when missing (`hotro init`, the demo database).
    Create,
    /// For looking at a file as it is (`hotro db check`, `verify`, `anchor`, `restored`): an
    /// existing file, opened read-only when it is write-protected (a read-only copy can be
    /// checked), and opened even when changes were lost, so that the check can report it.
    Inspect,
}

impl Store {
    /// Open the existing database at `path` ([`OpenMode::Existing`]), check it, switch it to
    /// WAL and bring its schema up to date. A database from a newer hotro is refused and left
    /// untouched.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_with(path, OpenMode::Existing, BUSY_TIMEOUT)
    }

    /// Like [`Store::open`], creating the file and its folder when missing
    /// ([`OpenMode::Create`]).
    pub fn create(path: &Path) -> Result<Store, StoreError> {
        Self::open_with(path, OpenMode::Create, BUSY_TIMEOUT)
    }

    /// An existing database, waiting at most `busy_timeout` for other writers.
    pub fn open_with_timeout(path: &Path, busy_timeout: Duration) -> Result<Store, StoreError> {
        Self::open_with(path, OpenMode::Existing, busy_timeout)
    }

    /// Open `path` as `mode` says, waiting at most `busy_timeout` for other writers.
    pub fn open_with(
        path: &Path,
        mode: OpenMode,
        busy_timeout: Duration,
    ) -> Result<Store, StoreError> {
        let path = path.to_path_buf();
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let meta = std::fs::metadata(&path).ok();
        if meta.is_none() && mode != OpenMode::Create {
            return Err(StoreError::Missing { path });
        }
        if !dir.is_dir() {
            std::fs::create_dir_all(&dir).map_err(|source| StoreError::CreateDir {
                path: dir.clone(),
                source,
            })?;
        }
        error::refuse_network_filesystem(&dir)?;
        let mut read_only = false;
        if let Some(meta) = &meta {
            if meta.is_dir() {
                return Err(StoreError::NotADatabase { path });
            }
            // Respect a write-protected file even when running as root: someone protected it.
            // It can still be inspected.
            if meta.permissions().readonly() {
                if mode != OpenMode::Inspect {
                    return Err(StoreError::ReadOnly { path });
                }
                read_only = true;
            }
        }
        let flags = if read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else if mode == OpenMode::Create {
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let conn = Connection::open_with_flags(&path, flags)
            .map_err(|e| StoreError::from_sqlite(&path, e))?;
        let mut store = Self::prepare(conn, path, busy_timeout, read_only).map_err(guard::noted)?;
        if let Some(recorded) = guard::recorded_head(&store.path)
            && !store.holds_event(&recorded)?
        {
            if mode != OpenMode::Inspect {
                let found = store.chain_head()?;
                return Err(StoreError::LostChanges {
                    path: store.path.clone(),
                    recorded,
                    found,
                });
            }
            store.lost = Some(recorded);
        }
        Ok(store)
    }

    /// A store on the PostgreSQL database `url` names ([`PgConn::open`]: connected as
    /// [`pg::connect`] says, its schema brought up to date when behind and the role may).
    /// [`Store::path`] is then the target in words ([`pg::describe_target`]).
    ///
    /// Errors: [`StoreError::Pg`] ([`pg::PgError::BadUrl`], [`pg::PgError::PasswordInUrl`],
    /// [`pg::PgError::Connect`], [`pg::PgError::NewerSchema`], a server error).
    pub fn open_postgres(url: &str) -> Result<Store, StoreError> {
        let target = pg::describe_target(&pg::config(url)?);
        let conn = PgConn::open(url)?;
        Ok(Store {
            conn: Conn::Postgres(Box::new(PgState {
                conn,
                url: url.to_string(),
                listener: std::cell::RefCell::new(None),
                version: std::cell::Cell::new(0),
            })),
            path: PathBuf::from(target),
            busy_timeout: BUSY_TIMEOUT,
            read_only: false,
            lost: None,
        })
    }

    /// Where this store's database is, to open another connection to it (a background
    /// thread's own store: [`Location::open`]).
    pub fn location(&self) -> Location {
        match &self.conn {
            Conn::Sqlite(_) => Location::File(self.path.clone()),
            Conn::Postgres(pg) => Location::Server(pg.url.clone()),
        }
    }

    /// Which engine the store is on.
    pub fn engine(&self) -> EngineKind {
        match self.conn {
            Conn::Sqlite(_) => EngineKind::Sqlite,
            Conn::Postgres(_) => EngineKind::Postgres,
        }
    }

    /// The PostgreSQL connection; `None` on SQLite.
    fn pg_conn(&mut self) -> Option<&mut PgConn> {
        match &mut self.conn {
            Conn::Postgres(pg) => Some(&mut pg.conn),
            Conn::Sqlite(_) => None,
        }
    }

    /// The SQLite connection. Errors: [`StoreError::SqliteOnly`] on PostgreSQL.
    fn sqlite(&self) -> Result<&Connection, StoreError> {
        match &self.conn {
            Conn::Sqlite(c) => Ok(c),
            Conn::Postgres(_) => Err(StoreError::SqliteOnly),
        }
    }

    /// Busy handling, version check, WAL and migrations on a freshly opened connection.
    fn prepare(
        mut conn: Connection,
        path: PathBuf,
        busy_timeout: Duration,
        read_only: bool,
    ) -> Result<Store, StoreError> {
        let fail = |e| StoreError::from_sqlite(&path, e);
        // Wait for other writers in short steps: SQLite's default handler sleeps up to 100 ms
        // at a time, so under many writers a waiting process keeps losing the lock to ones
        // that poll more often (tail latency of seconds). The budget is the busy timeout.
        BUSY_BUDGET_MS.with(|b| b.set(busy_timeout.as_millis() as u64));
        conn.busy_handler(Some(short_waits)).map_err(fail)?;
        if !read_only && conn.is_readonly(rusqlite::MAIN_DB).map_err(fail)? {
            return Err(StoreError::ReadOnly { path });
        }
        // Read the version before changing anything, so a newer file is left as it was.
        let found: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(fail)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path,
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if read_only {
            if found < SCHEMA_VERSION {
                return Err(StoreError::ReadOnlyOldSchema {
                    path,
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            return Ok(Store {
                conn: Conn::Sqlite(conn),
                path,
                busy_timeout,
                read_only,
                lost: None,
            });
        }
        ensure_wal(&conn).map_err(fail)?;
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = ON;
             PRAGMA synchronous = FULL;
             PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT};"
        ))
        .map_err(fail)?;
        let mut store = Store {
            conn: Conn::Sqlite(conn),
            path,
            busy_timeout,
            read_only,
            lost: None,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Opened read-only (a write-protected file inspected by `hotro db check`); never on
    /// PostgreSQL (the server decides what a role may write).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Say beside the file that `login` is running `what`, a long write, until the note is
    /// dropped: a console waiting for the lock names who holds it ([`Store::current_writer`]).
    /// On PostgreSQL nothing is noted (no file to write beside; writers do not wait on one
    /// lock for the whole database).
    pub fn note_long_write(&self, login: &str, what: &str) -> WriterNote {
        match self.conn {
            Conn::Sqlite(_) => guard::WriterNote::new(&self.path, login, what),
            Conn::Postgres(_) => guard::WriterNote::none(),
        }
    }

    /// The long write another live process is running on the file at `db`
    /// ([`Store::current_writer`] without a store: for a hook that has none at hand). `None`
    /// for a PostgreSQL store's [`Store::path`] (nothing is noted beside it).
    pub fn writer_of(db: &Path) -> Option<(String, String, chrono::DateTime<chrono::Utc>)> {
        guard::current_writer(db)
    }

    /// The long write another live process is running on this file, as noted
    /// ([`Store::note_long_write`]): `(login, what, since)`. Always `None` on PostgreSQL.
    pub fn current_writer(&self) -> Option<(String, String, chrono::DateTime<chrono::Utc>)> {
        match self.conn {
            Conn::Sqlite(_) => guard::current_writer(&self.path),
            Conn::Postgres(_) => None,
        }
    }

    /// Whether a write can be tried at all: not read-only, no committed changes lost, no
    /// damage known ([`guard`]). Always `true` on PostgreSQL: the server decides.
    pub fn accepts_writes(&self) -> bool {
        match self.conn {
            Conn::Sqlite(_) => {
                !self.read_only && self.lost.is_none() && guard::known_damage(&self.path).is_none()
            }
            Conn::Postgres(_) => true,
        }
    }

    /// The head recorded beside the file that the file no longer holds, when opened with
    /// [`OpenMode::Inspect`] (committed changes were lost). Never on PostgreSQL.
    pub fn lost_head(&self) -> Option<&ChainHead> {
        self.lost.as_ref()
    }

    /// Whether the database holds this event with this hash.
    fn holds_event(&mut self, head: &ChainHead) -> Result<bool, StoreError> {
        self.read_tx(|tx| {
            let hash: Option<String> = tx
                .query_row(
                    &engine::Sql::both("SELECT hash FROM events WHERE id = $1"),
                    &[engine::Value::Int(head.event_id)],
                )?
                .map(|r| r.get(0))
                .transpose()?;
            Ok(hash.as_deref() == Some(head.hash.as_str()))
        })
    }

    /// Record the file's present head beside it as the one to expect (an administrator
    /// restored the file from a backup on purpose: `hotro db restored`). Returns it.
    ///
    /// Errors: [`StoreError::SqliteOnly`] on PostgreSQL (no head is recorded beside a
    /// server), [`StoreError::CannotOpen`] when the head file cannot be written.
    pub fn accept_head(&mut self) -> Result<Option<ChainHead>, StoreError> {
        self.sqlite()?;
        let head = self.chain_head()?;
        guard::reset_head(&self.path, head.as_ref()).map_err(|e| StoreError::CannotOpen {
            path: guard::head_path(&self.path),
            detail: e.to_string(),
        })?;
        self.lost = None;
        Ok(head)
    }

    /// The SQLite file; on PostgreSQL the target in words ([`pg::describe_target`]:
    /// `database @ host (role)`, never a password), not a file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Apply missing migrations. The version is read inside `BEGIN IMMEDIATE`, so of many
    /// processes opening a fresh file at once exactly one migrates and the others see it done.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let current: i64 = self
            .sqlite()?
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| StoreError::from_sqlite(&self.path, e))?;
        if current == SCHEMA_VERSION {
            return Ok(());
        }
        let mut restamped = false;
        self.write(|tx| {
            let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if found > SCHEMA_VERSION {
                return Err(StoreError::NewerSchema {
                    path: PathBuf::new(),
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            for sql in schema::MIGRATIONS.iter().skip(found as usize) {
                tx.execute_batch(sql)?;
            }
            // After all the SQL, so the rows are read with the columns this build knows.
            if found > 0 && found < schema::state_hash_migration() {
                audit::stamp_legacy_states(tx)?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            restamped = found > 0 && found < schema::state_hash_migration();
            if found == 0 {
                tx.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('created_by', ?1)",
                    [concat!("hotro ", env!("CARGO_PKG_VERSION"))],
                )?;
                // Identifies this database, so a search index built for another copy of it
                // is recognised as stale.
                tx.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('db_id', lower(hex(randomblob(16))))",
                    [],
                )?;
            }
            Ok(())
        })
        .map_err(|e| match e {
            StoreError::NewerSchema {
                found, supported, ..
            } => StoreError::NewerSchema {
                path: self.path.clone(),
                found,
                supported,
            },
            other => other,
        })?;
        // Stamping rewrote the chain's hashes: the head recorded beside the file is the new
        // one (not a sign of lost changes).
        if restamped {
            let head = self.chain_head()?;
            let _ = guard::reset_head(&self.path, head.as_ref());
        }
        Ok(())
    }

    /// Run `f` in a `BEGIN IMMEDIATE` transaction: committed if it returns `Ok`, rolled back
    /// otherwise. SQLite errors are turned into errors that name the database file. For the
    /// modules still on rusqlite; [`StoreError::SqliteOnly`] on PostgreSQL (use
    /// [`Store::write_tx`]).
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let path = self.path.clone();
        let Conn::Sqlite(conn) = &mut self.conn else {
            return Err(StoreError::SqliteOnly);
        };
        if self.read_only {
            return Err(StoreError::ReadOnly { path });
        }
        if let Some(recorded) = &self.lost {
            return Err(StoreError::LostChanges {
                path,
                recorded: recorded.clone(),
                found: None,
            });
        }
        if let Some(detail) = guard::known_damage(&path) {
            return Err(StoreError::Damaged { path, detail });
        }
        // SQLite's busy handler covers most waits, but under many writers `BEGIN IMMEDIATE`
        // can still come back BUSY at once (e.g. while another process runs WAL recovery or a
        // checkpoint holds a lock the handler is not called for). Keep trying until the busy
        // timeout is really spent, so a busy desk never shows "locked" early.
        let started = std::time::Instant::now();
        let mut attempt = 0u64;
        let tx = loop {
            match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
                Ok(tx) => break tx,
                Err(e) if error::is_busy(&e) && started.elapsed() < self.busy_timeout => {
                    if attempt == 0 {
                        WAIT_SHOWN_MS.with(|s| s.set(0));
                    }
                    waiting(started.elapsed());
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(1 + (attempt * 7) % 13));
                }
                Err(e) => return Err(guard::noted(StoreError::from_sqlite(&path, e))),
            }
        };
        let value = f(&tx).map_err(|e| guard::noted(e.with_path(&path)))?;
        tx.commit()
            .map_err(|e| guard::noted(StoreError::from_sqlite(&path, e)))?;
        // The newest committed event, beside the file: a later open notices if it is lost.
        if let Ok(Some(head)) = conn.query_row(
            "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                Ok(Some(ChainHead {
                    event_id: r.get(0)?,
                    hash: r.get(1)?,
                }))
            },
        ) {
            guard::record_head(&path, &head);
        }
        Ok(value)
    }

    /// A read-only snapshot: several queries see one consistent state of the file. For the
    /// modules still on rusqlite; [`StoreError::SqliteOnly`] on PostgreSQL (use
    /// [`Store::read_tx`]).
    pub(crate) fn read<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let path = self.path.clone();
        let Conn::Sqlite(conn) = &mut self.conn else {
            return Err(StoreError::SqliteOnly);
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(|e| guard::noted(StoreError::from_sqlite(&path, e)))?;
        let value = f(&tx).map_err(|e| guard::noted(e.with_path(&path)))?;
        tx.finish()
            .map_err(|e| guard::noted(StoreError::from_sqlite(&path, e)))?;
        Ok(value)
    }

    /// Changes when another process commits; cheap enough to poll every second (the
    /// console does, and refreshes when it changed).
    ///
    /// SQLite: the file's `PRAGMA data_version`. PostgreSQL: a counter raised each time the
    /// store's [`pg::notify::ChangeListener`] (a second connection, opened by the first call)
    /// has received a notification since the last call, read without waiting; it also rises
    /// for this store's own writes. Errors: [`StoreError::Pg`] when the listener cannot
    /// connect or its connection fails (the next call connects again).
    pub fn data_version(&self) -> Result<i64, StoreError> {
        match &self.conn {
            Conn::Sqlite(conn) => conn
                .pragma_query_value(None, "data_version", |r| r.get(0))
                .map_err(|e| StoreError::from_sqlite(&self.path, e)),
            Conn::Postgres(pg) => {
                let mut listener = pg.listener.borrow_mut();
                if listener.is_none() {
                    *listener = Some(pg::notify::ChangeListener::open(&pg.url)?);
                }
                if let Some(l) = listener.as_mut() {
                    match l.wait(Duration::ZERO) {
                        Ok(tables) if !tables.is_empty() => pg.version.set(pg.version.get() + 1),
                        Ok(_) => {}
                        Err(e) => {
                            *listener = None;
                            return Err(e.into());
                        }
                    }
                }
                Ok(pg.version.get())
            }
        }
    }
}

// The busy handler is a plain function, so its budget lives beside it: per thread, because a
// Store is used on the thread that opened it.
thread_local! {
    static BUSY_BUDGET_MS: std::cell::Cell<u64> = const { std::cell::Cell::new(5_000) };
    /// What to do while waiting for another process's write lock ([`set_wait_hook`]).
    static WAIT_HOOK: std::cell::RefCell<Option<WaitHook>> = const { std::cell::RefCell::new(None) };
    /// When the hook was last called, in ms of waiting, so that it runs about every 100 ms.
    static WAIT_SHOWN_MS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Called with how long this thread has been waiting for another process's write lock.
pub type WaitHook = Box<dyn FnMut(Duration)>;

/// Have `hook` called about every 100 ms while a write on this thread waits for another
/// process's write lock (`None`: nothing). The console draws a "waiting" notice from it and
/// keeps reading keys, instead of freezing for up to the busy timeout (issue 18). The write
/// itself still goes through when the lock frees, or fails with [`StoreError::Locked`].
pub fn set_wait_hook(hook: Option<WaitHook>) {
    WAIT_HOOK.with(|h| {
        if let Ok(mut h) = h.try_borrow_mut() {
            *h = hook;
        }
    });
}

/// Tell the hook (if any) that this thread has waited `waited` so far.
fn waiting(waited: Duration) {
    let ms = waited.as_millis() as u64;
    let shown = WAIT_SHOWN_MS.with(|s| s.get());
    if ms >= shown && ms - shown < 100 {
        return;
    }
    WAIT_SHOWN_MS.with(|s| s.set(ms));
    WAIT_HOOK.with(|h| {
        // A hook that is already running (it waits itself) is not called again.
        if let Ok(mut h) = h.try_borrow_mut()
            && let Some(f) = h.as_mut()
        {
            f(waited);
        }
    });
}

/// Sleeps between tries while another process holds the lock, in milliseconds: SQLite's own
/// steps, capped at 20 ms instead of 100 ms.
const WAIT_STEPS_MS: [u64; 6] = [1, 2, 5, 10, 15, 20];

/// Called by SQLite while another process holds the lock: `n` is how many times already.
/// Gives up once the busy timeout is spent.
fn short_waits(n: i32) -> bool {
    let n = n.max(0) as usize;
    let last = WAIT_STEPS_MS.len() - 1;
    let spent: u64 = if n <= last {
        WAIT_STEPS_MS[..n].iter().sum()
    } else {
        WAIT_STEPS_MS.iter().sum::<u64>() + (n - last - 1) as u64 * WAIT_STEPS_MS[last]
    };
    if spent >= BUSY_BUDGET_MS.with(|b| b.get()) {
        return false;
    }
    if n == 0 {
        WAIT_SHOWN_MS.with(|s| s.set(0));
    }
    waiting(Duration::from_millis(spent));
    std::thread::sleep(Duration::from_millis(WAIT_STEPS_MS[n.min(last)]));
    true
}

/// Switch the file to WAL. Several processes creating the same file at once can get
/// SQLITE_BUSY here without the busy handler being called, so retry with a short backoff.
fn ensure_wal(conn: &Connection) -> Result<(), rusqlite::Error> {
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
    if mode.eq_ignore_ascii_case("wal") {
        return Ok(());
    }
    let mut attempt = 0u64;
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0)) {
            Ok(_) => return Ok(()),
            Err(e) if error::is_busy(&e) && attempt < 200 => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(5 + attempt.min(20) * 5));
            }
            Err(e) => return Err(e),
        }
    }
}
