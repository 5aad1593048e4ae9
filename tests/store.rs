//! The SQLite store against real files in temporary directories: migrations, files that are
//! refused and left exactly as they were, locks, the audit-trail invariant (version = events),
//! yearly keys, `expect_version` conflicts, change detection and keyset paging.
//!
//! The store's behaviour (events and versions, keys, conflicts, change detection, lists)
//! runs on each engine (issue 17): a SQLite file, and a PostgreSQL database on a cluster of
//! its own. What is the SQLite file's own (migrating, refusing or locking a file, WAL,
//! backup) stays on SQLite.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::desks::{Database, Engine, on_each_engine};
use hotro::domain::org::Organisation;
use hotro::domain::status::Status;
use hotro::domain::ticket::{Change, Ctx, EventKind, NewTicket, Ticket};
use hotro::store::{Page, SCHEMA_VERSION, Store, StoreError, TicketFilter, TicketRow};
use rusqlite::Connection;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_hotro");

// ---- helpers ------------------------------------------------------------------------------

/// The real binary on `db`, hermetic: no HOTRO_* variables and empty user directories, so
/// neither the caller's environment nor a `hotro.toml` of whoever runs the tests is read.
fn hotro(db: &Path, args: &[&str]) -> Output {
    hotro_on(
        &db.display().to_string(),
        &db.parent().unwrap().join("home"),
        args,
    )
}

/// The real binary on `target` (a file or a PostgreSQL URL), hermetic, with its user
/// directories (and a PostgreSQL database's search index) under `home`.
fn hotro_on(target: &str, home: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(target)
        .args(["--as", "nguyenvanan", "--lang", "en"])
        .args(args)
        .env_remove("HOTRO_DB")
        .env_remove("HOTRO_AS")
        .env_remove("HOTRO_CONFIG")
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A store on the database (another connection on each call): on SQLite
/// [`Store::create`]s the file; on PostgreSQL the schema is made by the first open, and the
/// `amcheck` extension is installed (as the superuser) so that `check` covers the indexes
/// as SQLite's integrity check does (without it the report is `incomplete`, never clean).
fn open(d: &Database) -> Store {
    match d.engine {
        Engine::Sqlite => Store::create(Path::new(&d.target)).unwrap(),
        Engine::Postgres => {
            let store = Store::open_postgres(&d.target).unwrap();
            d.execute("CREATE EXTENSION IF NOT EXISTS amcheck");
            store
        }
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

/// A fixed working morning (10:00 in Hanoi), so keys do not depend on when the tests run.
fn morning() -> DateTime<Utc> {
    at(2026, 3, 2, 3, 0, 0)
}

fn ctx<'a>(org: &'a Organisation, actor: &'a str, now: DateTime<Utc>) -> Ctx<'a> {
    Ctx {
        org,
        actor,
        now,
        by: None,
    }
}

fn titled(title: &str) -> NewTicket {
    NewTicket {
        title: title.into(),
        ..NewTicket::default()
    }
}

fn user_version(conn: &Connection) -> i64 {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

fn journal_mode(conn: &Connection) -> String {
    conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap()
}

/// Names of the schema objects of one type (table, index, trigger).
fn schema_names(conn: &Connection, kind: &str) -> BTreeSet<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = ?1")
        .unwrap();
    stmt.query_map([kind], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn meta(conn: &Connection, key: &str) -> Option<String> {
    use rusqlite::OptionalExtension;
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .unwrap()
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn wal_file(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// A hotro database with `n` tickets, closed again, everything checkpointed into the main
/// file (the last connection to close removes the WAL).
fn database_with_tickets(db: &Path, n: usize) {
    let cfg = hotro::config::embedded();
    let mut store = Store::create(db).unwrap();
    for i in 0..n {
        let new = NewTicket {
            title: format!("Không đăng nhập được TABMIS lần {i}"),
            description: "Người dùng báo lỗi sai mật khẩu sau khi đổi mật khẩu. ".repeat(20),
            ..NewTicket::default()
        };
        store
            .create_ticket(&new, ctx(&cfg.org, "nguyenvanan", morning()))
            .unwrap();
    }
    drop(store);
    let conn = Connection::open(db).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap();
    drop(conn);
}

fn all_pages(store: &mut Store, filter: &TicketFilter, limit: usize) -> Vec<Vec<TicketRow>> {
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let page = store.list_tickets(filter, Page { limit, before }).unwrap();
        assert!(page.len() <= limit, "a page holds at most {limit} rows");
        if page.is_empty() {
            break;
        }
        before = Some(page.last().unwrap().id);
        let short = page.len() < limit;
        pages.push(page);
        if short {
            // One more call past a short page must be empty too.
            let rest = store.list_tickets(filter, Page { limit, before }).unwrap();
            assert!(rest.is_empty(), "rows after the last page: {rest:?}");
            break;
        }
        assert!(pages.len() < 1000, "paging never ends");
    }
    pages
}

// ---- migrations -----------------------------------------------------------------------------

const TABLES: [&str; 9] = [
    "meta",
    "key_sequences",
    "tickets",
    "ticket_counts",
    "drafts",
    "events",
    "articles",
    "article_versions",
    "search_outbox",
];

fn assert_migrated(db: &Path) {
    let conn = Connection::open(db).unwrap();
    assert_eq!(user_version(&conn), SCHEMA_VERSION);
    assert_eq!(journal_mode(&conn), "wal");
    let tables = schema_names(&conn, "table");
    for t in TABLES {
        assert!(tables.contains(t), "table {t} missing: {tables:?}");
    }
    let triggers = schema_names(&conn, "trigger");
    for t in [
        "tickets_count_insert",
        "tickets_count_update",
        "tickets_count_delete",
        "tickets_search_insert",
    ] {
        assert!(triggers.contains(t), "trigger {t} missing: {triggers:?}");
    }
    assert!(schema_names(&conn, "index").contains("tickets_open_by_group"));
    assert!(meta(&conn, "created_by").unwrap().starts_with("hotro "));
    assert_eq!(meta(&conn, "db_id").unwrap().len(), 32, "a 128-bit hex id");
    assert_eq!(count(&conn, "SELECT count(*) FROM tickets"), 0);
}

// SQLite only: creating and migrating the SQLite file, byte for byte.
#[test]
fn open_creates_a_missing_file_migrates_it_and_a_second_open_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The directory does not exist either: open creates it.
    let db = dir.path().join("data").join("hotro.db");
    assert!(!db.exists());
    let store = Store::create(&db).unwrap();
    assert!(db.is_file());
    assert_eq!(store.path(), db);
    assert_migrated(&db);
    drop(store);

    let conn = Connection::open(&db).unwrap();
    let id = meta(&conn, "db_id");
    let schema: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    drop(conn);
    assert!(!wal_file(&db).exists(), "the last close folds the WAL in");
    let bytes = std::fs::read(&db).unwrap();

    // Opening again (twice at once, even) is a no-op: not one byte of the file changes.
    let a = Store::create(&db).unwrap();
    let b = Store::create(&db).unwrap();
    drop(a);
    drop(b);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        bytes,
        "a second open wrote to the file"
    );
    let conn = Connection::open(&db).unwrap();
    assert_eq!(user_version(&conn), SCHEMA_VERSION);
    assert_eq!(meta(&conn, "db_id"), id, "the database keeps its identity");
    let again: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(again, schema);
}

// SQLite only: an empty file at the path is the SQLite file's own case.
#[test]
fn an_existing_zero_byte_file_is_migrated_and_usable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    std::fs::write(&db, b"").unwrap();
    let mut store = Store::create(&db).unwrap();
    assert_migrated(&db);
    let cfg = hotro::config::embedded();
    let (t, _) = store
        .create_ticket(
            &titled("Máy in không in"),
            ctx(&cfg.org, "nguyenvanan", morning()),
        )
        .unwrap();
    assert_eq!(t.key, "HT-2026-000001");
    assert!(store.check(&[]).unwrap().is_clean());
}

// ---- files that are refused -----------------------------------------------------------------

fn assert_newer_schema(result: Result<Store, StoreError>, db: &Path) {
    match result {
        Err(StoreError::NewerSchema {
            path,
            found,
            supported,
        }) => {
            assert_eq!(path, db);
            assert_eq!(found, SCHEMA_VERSION + 1);
            assert_eq!(supported, SCHEMA_VERSION);
        }
        Err(other) => panic!("expected NewerSchema, got {other:?}"),
        Ok(_) => panic!("a database from a newer hotro was opened"),
    }
}

fn assert_cli_refuses_newer(db: &Path) {
    for args in [
        &["db", "check"][..],
        &["db", "check", "--json"][..],
        &["ticket", "new", "--title", "x"][..],
    ] {
        let out = hotro(db, args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("newer") && err.contains("untouched"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains(&db.display().to_string()),
            "names the file: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?} printed on stdout");
    }
}

// SQLite only: the file's `user_version` and WAL.
#[test]
fn a_wal_database_from_a_newer_hotro_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("future.db");
    database_with_tickets(&db, 3);
    let conn = Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap();
    drop(conn);
    let before = std::fs::read(&db).unwrap();

    assert_newer_schema(Store::create(&db), &db);
    assert_newer_schema(
        Store::open_with_timeout(&db, Duration::from_millis(300)),
        &db,
    );
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file changed");
    assert_cli_refuses_newer(&db);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the CLI changed the file"
    );

    let conn = Connection::open(&db).unwrap();
    assert_eq!(user_version(&conn), SCHEMA_VERSION + 1);
    assert_eq!(count(&conn, "SELECT count(*) FROM tickets"), 3);
}

// SQLite only: the file's journal mode and bytes.
#[test]
fn a_rollback_journal_database_from_a_newer_hotro_keeps_its_journal_mode_and_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("future-delete.db");
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE future (x TEXT);
         INSERT INTO future VALUES ('dữ liệu của phiên bản sau');
         PRAGMA user_version = {};",
        SCHEMA_VERSION + 1
    ))
    .unwrap();
    assert_eq!(journal_mode(&conn), "delete");
    drop(conn);
    let before = std::fs::read(&db).unwrap();

    assert_newer_schema(Store::create(&db), &db);
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file changed");
    assert!(!wal_file(&db).exists(), "a WAL file was left beside it");
    assert_cli_refuses_newer(&db);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the CLI changed the file"
    );

    let conn = Connection::open(&db).unwrap();
    assert_eq!(journal_mode(&conn), "delete", "switched to WAL");
    assert_eq!(user_version(&conn), SCHEMA_VERSION + 1);
    assert_eq!(count(&conn, "SELECT count(*) FROM future"), 1);
}

fn assert_not_a_database(db: &Path) {
    let before = std::fs::read(db).unwrap();
    match Store::create(db) {
        Err(StoreError::NotADatabase { path }) => assert_eq!(path, db),
        Err(other) => panic!("expected NotADatabase, got {other:?}"),
        Ok(_) => panic!("{} was opened as a database", db.display()),
    }
    let out = hotro(db, &["ticket", "list"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("not a hotro database") && err.contains(&db.display().to_string()),
        "{err}"
    );
    assert!(err.contains("left as it is"), "{err}");
    assert_eq!(std::fs::read(db).unwrap(), before, "the file changed");
}

// SQLite only: a file that is not a SQLite database.
#[test]
fn a_text_file_is_not_a_database_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("notes.db");
    std::fs::write(
        &long,
        "Danh sách việc cần làm: gọi lại cho Kho bạc tỉnh, kiểm tra máy in.\n".repeat(200),
    )
    .unwrap();
    assert_not_a_database(&long);
    // Shorter than SQLite's 100-byte header.
    let short = dir.path().join("short.db");
    std::fs::write(&short, "ghi chú\n").unwrap();
    assert_not_a_database(&short);
}

// SQLite only: a folder at the file's path.
#[test]
fn a_directory_at_the_database_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("folder.db");
    std::fs::create_dir(&db).unwrap();
    assert!(matches!(
        Store::create(&db),
        Err(StoreError::NotADatabase { .. })
    ));
    assert!(db.is_dir());
}

// SQLite only: a damaged SQLite file.
#[test]
fn a_truncated_database_is_reported_damaged_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.db");
    database_with_tickets(&whole, 200);
    let bytes = std::fs::read(&whole).unwrap();
    assert!(bytes.len() >= 64 * 1024, "{} bytes: too small", bytes.len());
    let cut = dir.path().join("cut.db");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let before = std::fs::read(&cut).unwrap();

    match Store::create(&cut) {
        Err(StoreError::Corrupt { path, .. } | StoreError::NotADatabase { path }) => {
            assert_eq!(path, cut)
        }
        Err(other) => panic!("expected Corrupt or NotADatabase, got {other:?}"),
        Ok(mut store) => {
            // Opened: then the first real use must fail clearly.
            let listed = store.list_tickets(
                &TicketFilter::default(),
                Page {
                    limit: 1000,
                    before: None,
                },
            );
            panic!(
                "a database cut to half its size was opened without complaint; listing gave {:?}",
                listed.map(|rows| rows.len())
            );
        }
    }
    for args in [&["db", "check"][..], &["ticket", "list"][..]] {
        let out = hotro(&cut, args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("damaged") || err.contains("not a hotro database"),
            "{args:?}: {err}"
        );
        assert!(err.contains(&cut.display().to_string()), "{err}");
        assert!(err.contains("left as it is"), "{err}");
    }
    assert_eq!(
        std::fs::read(&cut).unwrap(),
        before,
        "the damaged file changed"
    );
    // The original is fine.
    let mut store = Store::create(&whole).unwrap();
    let report = store.check(&[]).unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.tickets, 200);
}

// SQLite only: the file's permissions.
#[test]
fn a_write_protected_file_is_refused_as_read_only_even_for_root() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ro.db");
    database_with_tickets(&db, 1);
    let mut perms = std::fs::metadata(&db).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&db, perms.clone()).unwrap();
    let before = std::fs::read(&db).unwrap();

    for result in [
        Store::create(&db),
        Store::open_with_timeout(&db, Duration::from_millis(300)),
    ] {
        match result {
            Err(StoreError::ReadOnly { path }) => assert_eq!(path, db),
            Err(other) => panic!("expected ReadOnly, got {other:?}"),
            Ok(_) => panic!("a write-protected database was opened for writing"),
        }
    }
    let out = hotro(&db, &["ticket", "new", "--title", "x"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("read-only") && err.contains("chmod"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);

    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&db, perms).unwrap();
    let mut store = Store::create(&db).unwrap();
    assert_eq!(store.check(&[]).unwrap().tickets, 1);
}

// SQLite only: SQLite's file write lock (`BEGIN EXCLUSIVE`) and busy handler.
#[test]
fn a_writer_holding_the_lock_gives_locked_and_the_write_succeeds_afterwards() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("locked.db");
    database_with_tickets(&db, 1);
    let cfg = hotro::config::embedded();

    let holder = Connection::open(&db).unwrap();
    holder
        .execute_batch("BEGIN EXCLUSIVE; INSERT INTO meta (key, value) VALUES ('holder', 'x');")
        .unwrap();
    // Readers are not blocked in WAL mode: opening and reading work while the lock is held.
    let mut store = Store::open_with_timeout(&db, Duration::from_millis(300)).unwrap();
    assert_eq!(store.check(&[]).unwrap().tickets, 1);
    // While it waits, the wait hook is told how long so far, about every 100 ms (the
    // console draws its notice from it), and the write still fails as Locked.
    let waits = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let seen = std::rc::Rc::clone(&waits);
    hotro::store::set_wait_hook(Some(Box::new(move |w| seen.borrow_mut().push(w))));
    let waited = store.create_ticket(&titled("Chờ khóa"), ctx(&cfg.org, "nguyenvanan", morning()));
    hotro::store::set_wait_hook(None);
    assert!(
        matches!(waited, Err(StoreError::Locked { .. })),
        "{waited:?}"
    );
    let waits = waits.borrow().clone();
    assert!(waits.len() >= 2, "told while waiting: {waits:?}");
    assert!(waits.windows(2).all(|w| w[0] < w[1]), "{waits:?}");
    assert!(
        waits.last().unwrap() <= &Duration::from_millis(300),
        "{waits:?}"
    );
    match store.create_ticket(
        &titled("Trong khi bị khóa"),
        ctx(&cfg.org, "nguyenvanan", morning()),
    ) {
        Err(StoreError::Locked { path, .. }) => assert_eq!(path, db),
        Err(other) => panic!("expected Locked, got {other:?}"),
        Ok((t, _)) => panic!("wrote {} while another connection held the lock", t.key),
    }
    match store.change_ticket(
        "HT-2026-000001",
        None,
        Change::Note { text: "x".into() },
        ctx(&cfg.org, "nguyenvanan", morning()),
    ) {
        Err(StoreError::Locked { .. }) => {}
        other => panic!("expected Locked, got {other:?}"),
    }
    holder.execute_batch("COMMIT").unwrap();
    drop(holder);

    let (t, _) = store
        .create_ticket(
            &titled("Sau khi mở khóa"),
            ctx(&cfg.org, "nguyenvanan", morning()),
        )
        .unwrap();
    assert_eq!(t.key, "HT-2026-000002", "the refused write used no key");
    let report = store.check(&[]).unwrap();
    assert_eq!((report.tickets, report.events), (2, 2));
    assert!(report.is_clean());
}

// ---- events and versions --------------------------------------------------------------------

#[test]
fn every_change_appends_one_event_and_version_equals_events() {
    on_each_engine(every_change_appends_one_event);
}

fn every_change_appends_one_event() {
    let dir = tempfile::tempdir().unwrap();
    let d = Database::new(dir.path());
    let cfg = hotro::config::embedded();
    let org = &cfg.org;
    let mut store = open(&d);
    let mut now = morning();
    let mut tick = || {
        now += chrono::Duration::minutes(7);
        now
    };
    let (t, created) = store
        .create_ticket(
            &titled("Không kết xuất được báo cáo B02"),
            ctx(org, "nguyenvanan", tick()),
        )
        .unwrap();
    assert_eq!((t.version, created.version), (1, 1));
    let (other, _) = store
        .create_ticket(&titled("Phiếu khác"), ctx(org, "tranthibich", tick()))
        .unwrap();
    let steps: Vec<(&str, Change)> = vec![
        (
            "nguyenvanan",
            Change::Assign {
                to: Some("nguyenvanan".into()),
                group: None,
            },
        ),
        (
            "nguyenvanan",
            Change::Reply {
                text: "Đã tiếp nhận, đang kiểm tra".into(),
            },
        ),
        (
            "nguyenvanan",
            Change::Note {
                text: "Cần nhóm phát triển xem".into(),
            },
        ),
        (
            "nguyenvanan",
            Change::Escalate {
                group: None,
                reason: "lỗi chương trình".into(),
                external_ref: None,
            },
        ),
        (
            "ngothuha",
            Change::Return {
                reason: "đã vá lỗi".into(),
            },
        ),
        (
            "nguyenvanan",
            Change::Resolve {
                resolution: "Cập nhật bản vá 2.3.1".into(),
            },
        ),
        (
            "tranthibich",
            Change::Reopen {
                reason: "vẫn lỗi ở đơn vị HN".into(),
            },
        ),
        (
            "nguyenvanan",
            Change::Resolve {
                resolution: "Xóa bộ nhớ đệm rồi cập nhật lại".into(),
            },
        ),
        (
            "nguyenvanan",
            Change::Confirm {
                by: Some("Chị Lan".into()),
                via: "phone".into(),
            },
        ),
    ];
    let mut expected_kinds = vec!["created"];
    for (i, (actor, change)) in steps.into_iter().enumerate() {
        let (changed, event) = store
            .change_ticket(&t.key, Some(i as i64 + 1), change, ctx(org, actor, tick()))
            .unwrap();
        assert_eq!(changed.version, i as i64 + 2);
        assert_eq!(event.version, changed.version);
        assert_eq!(event.actor, actor);
        expected_kinds.push(event.kind.name());
    }
    assert_eq!(
        expected_kinds,
        [
            "created",
            "assigned",
            "public_reply",
            "internal_note",
            "escalated",
            "returned",
            "resolved",
            "reopened",
            "resolved",
            "requester_confirmed"
        ]
    );

    let (ticket, timeline) = store.ticket_with_timeline(&t.key).unwrap();
    let n = expected_kinds.len() as i64;
    assert_eq!(ticket.version, n);
    assert_eq!(timeline.len() as i64, n);
    assert_eq!(ticket.status, Status::Closed);
    let versions: Vec<i64> = timeline.iter().map(|e| e.version).collect();
    assert_eq!(versions, (1..=n).collect::<Vec<_>>());
    let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.name()).collect();
    assert_eq!(kinds, expected_kinds);
    assert!(
        timeline.windows(2).all(|w| w[0].at < w[1].at),
        "timeline in order"
    );
    assert!(timeline.iter().all(|e| e.ticket == t.key));
    assert_eq!(timeline[0], created);

    // What another connection sees agrees.
    let in_file: Vec<(i64, String)> = d
        .text_rows(&format!(
            "SELECT CAST(e.version AS TEXT), e.kind FROM events e JOIN tickets t
             ON t.id = e.ticket_id WHERE t.key = '{}' ORDER BY e.id",
            t.key
        ))
        .into_iter()
        .map(|r| {
            (
                r[0].as_deref().unwrap().parse().unwrap(),
                r[1].clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        in_file,
        timeline
            .iter()
            .map(|e| (e.version, e.kind.name().to_string()))
            .collect::<Vec<_>>()
    );

    let report = store.check(&[]).unwrap();
    assert!(report.is_clean(), "{report:?}");
    // Each engine's schema has versions of its own.
    let (schema, mode) = match d.engine {
        Engine::Sqlite => (SCHEMA_VERSION, "wal"),
        Engine::Postgres => (hotro::store::pg::PG_SCHEMA_VERSION, "postgresql"),
    };
    assert_eq!(report.schema_version, schema);
    assert_eq!(report.supported_schema_version, schema);
    assert_eq!(report.journal_mode, mode);
    assert_eq!((report.tickets, report.events), (2, n + 1));
    assert!(store.verify_events().unwrap().first_broken.is_none());

    // A version edited behind hotro's back breaks the invariant and check() says so.
    d.tamper(&format!(
        "UPDATE tickets SET version = 99 WHERE key = '{}'",
        other.key
    ));
    let report = store.check(&[]).unwrap();
    assert_eq!(report.version_mismatches, 1, "{report:?}");
    assert!(!report.is_clean());
}

// ---- keys -----------------------------------------------------------------------------------

#[test]
fn the_key_year_rolls_over_at_local_midnight_and_keys_never_repeat() {
    on_each_engine(the_key_year_rolls_over);
}

fn the_key_year_rolls_over() {
    let dir = tempfile::tempdir().unwrap();
    let d = Database::new(dir.path());
    let cfg = hotro::config::embedded();
    let org = &cfg.org;
    // 23:59:59 and 00:00:00 in Hanoi (UTC+7) on New Year's Eve.
    let last_second = at(2026, 12, 31, 16, 59, 59);
    let first_second = at(2026, 12, 31, 17, 0, 0);
    let mut keys = Vec::new();
    {
        let mut store = open(&d);
        let mut create = |now| {
            let (t, _) = store
                .create_ticket(&titled("Giao thừa"), ctx(org, "nguyenvanan", now))
                .unwrap();
            keys.push(t.key.clone());
            t
        };
        assert_eq!(create(morning()).key, "HT-2026-000001");
        assert_eq!(create(last_second).key, "HT-2026-000002");
        let first = create(first_second);
        assert_eq!(first.key, "HT-2027-000001");
        assert_eq!(create(first_second).key, "HT-2027-000002");
        // A late entry for the old year continues the old year's sequence.
        assert_eq!(create(last_second).key, "HT-2026-000003");
        assert_eq!(create(at(2027, 6, 1, 2, 0, 0)).key, "HT-2027-000003");
    }
    // The sequences live in the database: another open continues them.
    let mut store = open(&d);
    for _ in 0..5 {
        let (t, _) = store
            .create_ticket(&titled("Năm mới"), ctx(org, "tranthibich", first_second))
            .unwrap();
        keys.push(t.key);
    }
    assert_eq!(keys.last().unwrap(), "HT-2027-000008");
    let distinct: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), keys.len(), "a key repeated: {keys:?}");
    assert_eq!(
        d.scalar("SELECT count(DISTINCT key) FROM tickets"),
        keys.len() as i64
    );
    assert!(store.check(&[]).unwrap().is_clean());
}

// ---- optimistic concurrency -----------------------------------------------------------------

#[test]
fn a_stale_expect_version_is_a_conflict_that_lists_the_changes_since_and_changes_nothing() {
    on_each_engine(a_stale_expect_version_is_a_conflict);
}

fn a_stale_expect_version_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let d = Database::new(dir.path());
    let cfg = hotro::config::embedded();
    let org = &cfg.org;
    let mut store = open(&d);
    let (t, _) = store
        .create_ticket(&titled("Lỗi đối chiếu"), ctx(org, "nguyenvanan", morning()))
        .unwrap();
    // Two other operators change it, through another connection of their own.
    {
        let mut other = open(&d);
        other
            .change_ticket(
                &t.key,
                Some(1),
                Change::Assign {
                    to: Some("tranthibich".into()),
                    group: None,
                },
                ctx(org, "tranthibich", morning()),
            )
            .unwrap();
        other
            .change_ticket(
                &t.key,
                Some(2),
                Change::Note {
                    text: "đã gọi lại".into(),
                },
                ctx(org, "lethihoa", morning()),
            )
            .unwrap();
    }
    let before: (Ticket, Vec<_>) = store.ticket_with_timeline(&t.key).unwrap();
    assert_eq!(before.0.version, 3);

    let err = store
        .change_ticket(
            &t.key,
            Some(1),
            Change::Resolve {
                resolution: "xong".into(),
            },
            ctx(org, "nguyenvanan", morning()),
        )
        .unwrap_err();
    let StoreError::Conflict(conflict) = err else {
        panic!("expected Conflict, got {err:?}")
    };
    assert_eq!(conflict.key, t.key);
    assert_eq!((conflict.expected, conflict.current), (1, 3));
    let changes: Vec<(&str, &str, i64)> = conflict
        .changes
        .iter()
        .map(|e| (e.actor.as_str(), e.kind.name(), e.version))
        .collect();
    assert_eq!(
        changes,
        [
            ("tranthibich", "assigned", 2),
            ("lethihoa", "internal_note", 3)
        ]
    );
    assert!(matches!(
        &conflict.changes[1].kind,
        EventKind::InternalNote { text } if text == "đã gọi lại"
    ));
    assert_eq!(
        store.ticket_with_timeline(&t.key).unwrap(),
        before,
        "the ticket changed"
    );

    // A version the ticket never had is refused as such (not a conflict: nothing changed
    // meanwhile), and changes nothing.
    let err = store
        .change_ticket(
            &t.key,
            Some(7),
            Change::Note { text: "x".into() },
            ctx(org, "nguyenvanan", morning()),
        )
        .unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::NoSuchVersion {
                expected: 7,
                current: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(store.ticket_with_timeline(&t.key).unwrap(), before);

    // With the current version the change goes through.
    let (done, _) = store
        .change_ticket(
            &t.key,
            Some(3),
            Change::Resolve {
                resolution: "xong".into(),
            },
            ctx(org, "nguyenvanan", morning()),
        )
        .unwrap();
    assert_eq!((done.version, done.status), (4, Status::Resolved));
    assert!(store.check(&[]).unwrap().is_clean());
}

// ---- change detection -----------------------------------------------------------------------

#[test]
fn data_version_changes_when_another_connection_or_process_commits() {
    on_each_engine(data_version_changes_on_commits);
}

/// `watcher`'s data version once it differs from `before`. SQLite's changes with the commit;
/// PostgreSQL's when the commit's notification has arrived, shortly after (at most 10 s).
fn changed_from(watcher: &Store, before: i64, what: &str) -> i64 {
    let started = std::time::Instant::now();
    loop {
        let v = watcher.data_version().unwrap();
        if v != before {
            return v;
        }
        assert!(
            watcher.engine() == hotro::store::EngineKind::Postgres
                && started.elapsed() < Duration::from_secs(10),
            "{what} was not noticed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn data_version_changes_on_commits() {
    let dir = tempfile::tempdir().unwrap();
    let d = Database::new(dir.path());
    let home = dir.path().join("home");
    // A test database, so that another process may act as An (`--as`) on it.
    let out = hotro_on(&d.target, &home, &["init", "--test"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let cfg = hotro::config::embedded();
    let watcher = open(&d);
    let v0 = watcher.data_version().unwrap();
    assert_eq!(watcher.data_version().unwrap(), v0, "no commit, no change");

    // Another connection in this process.
    let mut other = open(&d);
    other
        .create_ticket(
            &titled("Từ kết nối khác"),
            ctx(&cfg.org, "tranthibich", morning()),
        )
        .unwrap();
    let v1 = changed_from(&watcher, v0, "a commit of another connection");
    assert_eq!(watcher.data_version().unwrap(), v1);

    // A plain connection.
    let v2 = match d.engine {
        Engine::Sqlite => {
            d.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')");
            changed_from(&watcher, v1, "a commit of a plain connection")
        }
        // The server notifies the changes of what a console shows (not of `meta`).
        Engine::Postgres => {
            d.execute("UPDATE tickets SET title = title || ' (x)'");
            changed_from(&watcher, v1, "a commit of a plain connection")
        }
    };

    // Another process.
    let out = hotro_on(
        &d.target,
        &home,
        &["ticket", "new", "--title", "Từ tiến trình khác"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v3 = changed_from(&watcher, v2, "a commit of another process");
    assert_eq!(watcher.data_version().unwrap(), v3);

    // A process that only reads commits nothing.
    let out = hotro_on(&d.target, &home, &["ticket", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(watcher.data_version().unwrap(), v3, "a reader changed it");
}

// ---- lists ----------------------------------------------------------------------------------

#[test]
fn keyset_pages_cover_every_ticket_once_newest_first() {
    on_each_engine(keyset_pages_cover_every_ticket_once);
}

fn keyset_pages_cover_every_ticket_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = Database::new(dir.path());
    let cfg = hotro::config::embedded();
    let mut store = open(&d);
    let mut created = Vec::new();
    for i in 0..35 {
        let now = morning() + chrono::Duration::minutes(i);
        let (t, _) = store
            .create_ticket(
                &titled(&format!("Yêu cầu số {i}")),
                ctx(&cfg.org, "nguyenvanan", now),
            )
            .unwrap();
        created.push(t.key);
    }
    let pages = all_pages(&mut store, &TicketFilter::default(), 10);
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [10, 10, 10, 5]);
    let rows: Vec<&TicketRow> = pages.iter().flatten().collect();
    let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    let newest_first: Vec<&str> = created.iter().rev().map(String::as_str).collect();
    assert_eq!(keys, newest_first, "every ticket once, newest first");
    assert!(rows.windows(2).all(|w| w[0].id > w[1].id));
    assert!(rows.windows(2).all(|w| w[0].created_at > w[1].created_at));

    // Oldest first pages the other way.
    let oldest = TicketFilter {
        oldest_first: true,
        ..TicketFilter::default()
    };
    let pages = all_pages(&mut store, &oldest, 10);
    let keys: Vec<String> = pages.into_iter().flatten().map(|r| r.key).collect();
    assert_eq!(keys, created);

    // A page that starts in the middle.
    let mid = store
        .list_tickets(
            &TicketFilter::default(),
            Page {
                limit: 3,
                before: Some(rows[4].id),
            },
        )
        .unwrap();
    let mid: Vec<&str> = mid.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(mid, keys_of(&rows[5..8]));
}

fn keys_of<'a>(rows: &[&'a TicketRow]) -> Vec<&'a str> {
    rows.iter().map(|r| r.key.as_str()).collect()
}

/// Which tickets a filter should keep, decided from the tickets themselves.
type Keep = Box<dyn Fn(&Ticket) -> bool>;

#[test]
fn list_filters_by_status_group_assignee_unassigned_and_following_group() {
    on_each_engine(list_filters);
}

fn list_filters() {
    let dir = tempfile::tempdir().unwrap();
    let d = Database::new(dir.path());
    let cfg = hotro::config::embedded();
    let org = &cfg.org;
    let mut store = open(&d);
    let mut tickets: Vec<Ticket> = Vec::new();
    for i in 0..35i64 {
        let now = morning() + chrono::Duration::minutes(i);
        let c = ctx(org, "nguyenvanan", now);
        let (t, _) = store
            .create_ticket(&titled(&format!("Phiếu {i}")), c)
            .unwrap();
        let change = match i % 6 {
            0 => Some(Change::Assign {
                to: Some("nguyenvanan".into()),
                group: None,
            }),
            1 => Some(Change::Assign {
                to: Some("lethihoa".into()),
                group: None,
            }),
            2 => Some(Change::Assign {
                to: None,
                group: Some("payments".into()),
            }),
            3 => Some(Change::Escalate {
                group: None,
                reason: "cần tầng trên".into(),
                external_ref: None,
            }),
            4 => Some(Change::Resolve {
                resolution: "đã hướng dẫn".into(),
            }),
            _ => None,
        };
        let t = match change {
            Some(change) => store.change_ticket(&t.key, Some(1), change, c).unwrap().0,
            None => t,
        };
        tickets.push(t);
    }
    // Newest first, like the list.
    tickets.reverse();

    let cases: Vec<(&str, TicketFilter, Keep, usize)> = vec![
        (
            "status resolved",
            TicketFilter {
                statuses: vec![Status::Resolved],
                ..TicketFilter::default()
            },
            Box::new(|t| t.status == Status::Resolved),
            6,
        ),
        (
            "status new or assigned",
            TicketFilter {
                statuses: vec![Status::New, Status::Assigned],
                ..TicketFilter::default()
            },
            Box::new(|t| matches!(t.status, Status::New | Status::Assigned)),
            29,
        ),
        (
            "open only",
            TicketFilter {
                open_only: true,
                ..TicketFilter::default()
            },
            Box::new(|t| t.status.is_open()),
            29,
        ),
        (
            "group tabmis",
            TicketFilter {
                group: Some("tabmis".into()),
                ..TicketFilter::default()
            },
            Box::new(|t| t.group == "tabmis"),
            6,
        ),
        (
            "group service-desk",
            TicketFilter {
                group: Some("service-desk".into()),
                ..TicketFilter::default()
            },
            Box::new(|t| t.group == "service-desk"),
            6 + 6 + 5,
        ),
        (
            "assignee nguyenvanan",
            TicketFilter {
                assignee: Some("nguyenvanan".into()),
                ..TicketFilter::default()
            },
            Box::new(|t| t.assignee.as_deref() == Some("nguyenvanan")),
            6,
        ),
        (
            "unassigned",
            TicketFilter {
                unassigned: true,
                ..TicketFilter::default()
            },
            Box::new(|t| t.assignee.is_none()),
            35 - 12,
        ),
        (
            "unassigned in service-desk",
            TicketFilter {
                unassigned: true,
                group: Some("service-desk".into()),
                ..TicketFilter::default()
            },
            Box::new(|t| t.assignee.is_none() && t.group == "service-desk"),
            6 + 5,
        ),
        (
            "following service-desk",
            TicketFilter {
                following_group: Some("service-desk".into()),
                ..TicketFilter::default()
            },
            Box::new(|t| t.following_group() == Some("service-desk")),
            6,
        ),
        (
            "following tabmis",
            TicketFilter {
                following_group: Some("tabmis".into()),
                ..TicketFilter::default()
            },
            Box::new(|t| t.following_group() == Some("tabmis")),
            0,
        ),
        (
            "tier 4",
            TicketFilter {
                tier: Some(4),
                ..TicketFilter::default()
            },
            Box::new(|t| t.tier == 4),
            6,
        ),
        (
            "open, unassigned, payments",
            TicketFilter {
                open_only: true,
                unassigned: true,
                group: Some("payments".into()),
                ..TicketFilter::default()
            },
            Box::new(|t| t.status.is_open() && t.assignee.is_none() && t.group == "payments"),
            6,
        ),
    ];
    for (name, filter, keep, expected_len) in cases {
        let expected: Vec<&str> = tickets
            .iter()
            .filter(|t| keep(t))
            .map(|t| t.key.as_str())
            .collect();
        assert_eq!(expected.len(), expected_len, "{name}: the fixture changed");
        // Small pages, so every filter is also paged.
        let pages = all_pages(&mut store, &filter, 4);
        let got: Vec<String> = pages.into_iter().flatten().map(|r| r.key).collect();
        assert_eq!(got, expected, "{name}");
    }
}

// ---- backup ---------------------------------------------------------------------------------

// SQLite only: `db backup` copies the SQLite file.
#[test]
fn backup_writes_a_checked_copy_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("src.db");
    database_with_tickets(&db, 12);
    let mut store = Store::create(&db).unwrap();
    let copy = dir.path().join("copy.db");
    assert_eq!(store.backup(&copy, &|_, _| {}).unwrap(), copy);
    let conn = Connection::open(&copy).unwrap();
    assert_eq!(count(&conn, "SELECT count(*) FROM tickets"), 12);
    assert_eq!(user_version(&conn), SCHEMA_VERSION);
    drop(conn);
    let mut restored = Store::create(&copy).unwrap();
    assert!(restored.check(&[]).unwrap().is_clean());

    let taken = dir.path().join("taken.db");
    std::fs::write(&taken, "đừng ghi đè").unwrap();
    match store.backup(&taken, &|_, _| {}) {
        Err(StoreError::BackupExists(path)) => assert_eq!(path, taken),
        other => panic!("expected BackupExists, got {other:?}"),
    }
    assert_eq!(std::fs::read_to_string(&taken).unwrap(), "đừng ghi đè");

    // A folder (an existing one, or any name ending in `/`) gets a new file in it; a folder
    // that does not exist is an error that leaves nothing behind.
    let folder = dir.path().join("backups");
    std::fs::create_dir(&folder).unwrap();
    let written = store.backup(&folder, &|_, _| {}).unwrap();
    assert_eq!(written.parent(), Some(folder.as_path()));
    assert!(
        written
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("src-")
    );
    let missing = dir.path().join("nodir/");
    let missing = std::path::PathBuf::from(format!("{}/", missing.display()));
    assert!(matches!(
        store.backup(&missing, &|_, _| {}),
        Err(StoreError::BackupFailed { .. })
    ));
    assert!(!dir.path().join("nodir").exists());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("hotro-tmp")),
        "no temporary copy is left: {names:?}"
    );
}
