//! PostgreSQL, the second engine (issue 17), against a real server: each test starts its own
//! throwaway cluster (tests/common/pg.rs: initdb in a temporary directory, a Unix socket
//! only). Nothing mocked. Without PostgreSQL installed these tests fail under CI=true and are
//! skipped with a notice elsewhere.
#![allow(clippy::unwrap_used, clippy::disallowed_macros)]

mod common;

use common::pg::Cluster;
use hotro::store::pg;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");
const CONFIG: &str = include_str!("../config/hotro.toml");
/// Monday 2026-11-23 10:00 in the organisation's zone.
const NOW: &str = "2026-11-23T10:00:00+07:00";

/// The default configuration with one more operator who is a key user and nothing else.
fn config_text() -> String {
    format!(
        "{CONFIG}\n[[operators]]\nlogin = \"keyuser_hanoi\"\nname = \"Người dùng chính Hà Nội\"\n\
         tier = 3\ngroup = \"service-desk\"\nroles = [\"key_user\"]\n"
    )
}

#[derive(Debug)]
struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// A hermetic run of the binary: no HOTRO_* variables, user directories inside `home`, the
/// clock fixed, English, the test configuration.
fn hotro(home: &Path, args: &[&str]) -> Out {
    let config = home.join("hotro.toml");
    if !config.exists() {
        std::fs::write(&config, config_text()).unwrap();
    }
    let o = Command::new(BIN)
        .env_remove("HOTRO_DB")
        .env_remove("HOTRO_AS")
        .env_remove("HOTRO_CONFIG")
        .env_remove("PGPASSWORD")
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .env("XDG_DATA_HOME", home.join("xdg-data"))
        .env("HOTRO_NOW", NOW)
        .stdin(Stdio::null())
        .arg("--config")
        .arg(&config)
        .args(["--lang", "en"])
        .args(args)
        .output()
        .unwrap();
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn ok(home: &Path, args: &[&str]) -> String {
    let out = hotro(home, args);
    assert_eq!(out.code, Some(0), "{args:?}: {out:?}");
    out.stdout
}

/// A SQLite desk with history: demo tickets and articles, a reply, an assignment, a note.
fn sqlite_desk(home: &Path) -> PathBuf {
    let db = home.join("hotro.db");
    let d = db.to_str().unwrap();
    ok(home, &["--db", d, "--as", "nguyenvanan", "init", "--test"]);
    ok(
        home,
        &[
            "--db",
            d,
            "--as",
            "nguyenvanan",
            "demo",
            "--tickets",
            "120",
            "--articles",
            "15",
        ],
    );
    let out = ok(
        home,
        &[
            "--db",
            d,
            "--as",
            "nguyenvanan",
            "ticket",
            "new",
            "--title",
            "Lỗi đăng nhập TABMIS",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let key = v["ticket"]["key"].as_str().unwrap().to_string();
    ok(
        home,
        &[
            "--db",
            d,
            "--as",
            "nguyenvanan",
            "ticket",
            "reply",
            &key,
            "--text",
            "Đã nhận\ttab\\ và dòng\nmới",
        ],
    );
    ok(
        home,
        &["--db", d, "--as", "nguyenvanan", "ticket", "assign", &key],
    );
    // An older ticket made the child of the newest: a row whose parent comes after it.
    ok(
        home,
        &[
            "--db",
            d,
            "--as",
            "nguyenvanan",
            "ticket",
            "link",
            "HT-2026-000001",
            "--child-of",
            &key,
        ],
    );
    db
}

/// Row counts per table of the SQLite file.
fn sqlite_counts(db: &Path) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    pg::TABLES
        .iter()
        .map(|t| {
            let n: i64 = conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            (t.to_string(), n)
        })
        .collect()
}

#[test]
fn the_postgres_schema_mirrors_the_newest_sqlite_schema() {
    // A new SQLite migration fails here until the PostgreSQL schema follows it.
    assert_eq!(pg::MIRRORS_SQLITE_VERSION, hotro::store::SCHEMA_VERSION);
}

#[test]
fn migrations_are_safe_when_several_processes_start_at_once() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.create_db("hotro");
    let started = std::time::Instant::now();
    let found: Vec<i64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    let mut client = pg::connect(&url).unwrap();
                    pg::migrate(&mut client).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    eprintln!("8 concurrent migrations: {:?}", started.elapsed());
    // Exactly one found the database empty; the others waited and found it done.
    assert_eq!(found.iter().filter(|v| **v == 0).count(), 1, "{found:?}");
    assert!(
        found.iter().all(|v| *v == 0 || *v == pg::PG_SCHEMA_VERSION),
        "{found:?}"
    );
    let mut client = cluster.superuser("hotro");
    let versions: i64 = client
        .query_one("SELECT count(*) FROM hotro_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(versions, pg::PG_SCHEMA_VERSION);
    assert_eq!(
        pg::schema_version(&mut client).unwrap(),
        pg::PG_SCHEMA_VERSION
    );
    for t in pg::TABLES {
        client
            .query_one(&format!("SELECT count(*) FROM {t}"), &[])
            .unwrap();
    }
    // Events are append-only even for the owner (a superuser here): the trigger refuses.
    let err = client.batch_execute("DELETE FROM events").unwrap_err();
    assert!(
        err.to_string().contains("append-only") || format!("{err:?}").contains("append-only"),
        "{err:?}"
    );
    let err = client.batch_execute("TRUNCATE events").unwrap_err();
    assert!(format!("{err:?}").contains("append-only"), "{err:?}");
    // A newer schema than this build knows is refused, untouched.
    client
        .batch_execute("INSERT INTO hotro_schema (version) VALUES (999)")
        .unwrap();
    let mut other = pg::connect(&url).unwrap();
    assert!(matches!(
        pg::migrate(&mut other),
        Err(pg::PgError::NewerSchema { found: 999, .. })
    ));
}

#[test]
fn copy_moves_a_desk_with_its_history_and_verifies_it() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let db = sqlite_desk(home.path());
    let url = cluster.create_db("hotro");
    let started = std::time::Instant::now();
    let out = ok(
        home.path(),
        &[
            "db",
            "copy",
            "--from",
            db.to_str().unwrap(),
            "--to",
            &url,
            "--json",
        ],
    );
    eprintln!("hotro db copy: {:?}", started.elapsed());
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let expected = sqlite_counts(&db);
    let copied: Vec<(String, i64)> = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_i64().unwrap()))
        .collect();
    assert_eq!(copied, expected);
    // Counted again here, on the server, after the commit.
    let mut client = cluster.superuser("hotro");
    for (table, n) in &expected {
        let on_pg: i64 = client
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .unwrap()
            .get(0);
        assert_eq!(on_pg, *n, "{table}");
    }
    let events = expected.iter().find(|(t, _)| t == "events").unwrap().1;
    assert!(events > 200, "a desk with history: {events} events");
    assert!(expected.iter().find(|(t, _)| t == "articles").unwrap().1 > 0);
    // The whole audit on the server rows (the chain, every ticket row, the checks), with the
    // head `hotro db anchor` gives.
    let mut conn = hotro::store::PgConn::open(&url).unwrap();
    let chain = pg::verify_audit(&mut conn, &[], &mut |_, _| {}).unwrap();
    assert!(chain.is_clean(), "{chain:?}");
    assert_eq!(chain.events, events);
    assert_eq!(chain.first_broken, None);
    let anchor = ok(
        home.path(),
        &[
            "--db",
            db.to_str().unwrap(),
            "--as",
            "nguyenvanan",
            "db",
            "anchor",
            "--json",
        ],
    );
    let anchor: serde_json::Value = serde_json::from_str(&anchor).unwrap();
    let head = chain.head.clone().unwrap();
    assert_eq!(anchor["event_id"].as_i64(), Some(head.event_id), "{anchor}");
    assert_eq!(anchor["hash"].as_str(), Some(head.hash.as_str()));
    // Every event arrives byte for byte (text with backslashes, newlines, Vietnamese).
    let on_pg: Vec<(i64, String, Option<String>)> = client
        .query("SELECT id, payload, state FROM events ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let in_file: Vec<(i64, String, Option<String>)> = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn
            .prepare("SELECT id, payload, state FROM events ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(on_pg, in_file);
    assert!(
        on_pg
            .iter()
            .any(|(_, p, _)| p.contains("\\n") && p.contains("dòng"))
    );
    // New rows continue after the copied ids.
    let next: i64 = client
        .query_one(
            "INSERT INTO search_outbox (kind, ref) VALUES ('ticket', 'x') RETURNING id",
            &[],
        )
        .unwrap()
        .get(0);
    let max_before: i64 = client
        .query_one("SELECT max(id) FROM search_outbox WHERE ref <> 'x'", &[])
        .unwrap()
        .get::<_, Option<i64>>(0)
        .unwrap_or(0);
    assert!(next > max_before);

    // And back: a new SQLite file from the server, verified by the SQLite store's whole
    // audit, with every table's rows and the same head.
    let back = home.path().join("back.db");
    let started = std::time::Instant::now();
    let out = ok(
        home.path(),
        &[
            "db",
            "copy",
            "--from",
            &url,
            "--to",
            back.to_str().unwrap(),
            "--json",
        ],
    );
    eprintln!("hotro db copy back: {:?}", started.elapsed());
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        report["chain"]["head"]["event_id"].as_i64(),
        Some(head.event_id)
    );
    let mut back_counts = sqlite_counts(&back);
    // The search_outbox row inserted on the server above came back too.
    let outbox = back_counts
        .iter_mut()
        .find(|(t, _)| t == "search_outbox")
        .unwrap();
    outbox.1 -= 1;
    assert_eq!(back_counts, expected);
    let verify = ok(
        home.path(),
        &[
            "--db",
            back.to_str().unwrap(),
            "--as",
            "nguyenvanan",
            "db",
            "verify",
        ],
    );
    assert!(!verify.is_empty());
    let anchor_back = ok(
        home.path(),
        &[
            "--db",
            back.to_str().unwrap(),
            "--as",
            "nguyenvanan",
            "db",
            "anchor",
            "--json",
        ],
    );
    let anchor_back: serde_json::Value = serde_json::from_str(&anchor_back).unwrap();
    assert_eq!(anchor_back["hash"].as_str(), Some(head.hash.as_str()));
    // The copied-back desk works: a new ticket on it.
    ok(
        home.path(),
        &[
            "--db",
            back.to_str().unwrap(),
            "--as",
            "nguyenvanan",
            "ticket",
            "new",
            "--title",
            "Sau khi chuyển về",
            "--json",
        ],
    );
    // A copy never replaces a file.
    let again = hotro(
        home.path(),
        &["db", "copy", "--from", &url, "--to", back.to_str().unwrap()],
    );
    assert_eq!(again.code, Some(1), "{again:?}");
    assert!(again.stderr.contains("exists already"), "{again:?}");

    // A second copy into the same database is refused, and changes nothing.
    let again = hotro(
        home.path(),
        &["db", "copy", "--from", db.to_str().unwrap(), "--to", &url],
    );
    assert_eq!(again.code, Some(1), "{again:?}");
    assert!(again.stderr.contains("not empty"), "{again:?}");

    // `db anchor` and `db verify` on the server.
    let pg_anchor = ok(home.path(), &["--db", &url, "db", "anchor"]);
    assert_eq!(pg_anchor.trim(), head.to_string());
    let verified = ok(
        home.path(),
        &["--db", &url, "db", "verify", "--anchor", pg_anchor.trim()],
    );
    assert!(verified.contains("Audit trail intact"), "{verified}");
    assert!(
        verified.contains("ticket rows match their events"),
        "{verified}"
    );
    assert!(verified.contains("Anchor: event"), "{verified}");

    // Tampering on the server: an event's payload rewritten behind the triggers' back (a
    // superuser disabling them) is found by the verification, at that event.
    let victim: i64 = client
        .query_one("SELECT id FROM events ORDER BY id OFFSET 10 LIMIT 1", &[])
        .unwrap()
        .get(0);
    let refused = client.execute("UPDATE events SET payload = '{}' WHERE id = $1", &[&victim]);
    assert!(
        refused.is_err(),
        "the append-only trigger refuses even the owner"
    );
    client
        .batch_execute("SET session_replication_role = replica")
        .unwrap();
    client
        .execute(
            "UPDATE events SET payload = replace(payload, '\"', '''') WHERE id = $1",
            &[&victim],
        )
        .unwrap();
    client
        .batch_execute("SET session_replication_role = origin")
        .unwrap();
    let chain = pg::verify_audit(&mut conn, &[], &mut |_, _| {}).unwrap();
    assert_eq!(chain.first_broken.map(|b| b.event_id), Some(victim));
    let out = hotro(home.path(), &["--db", &url, "db", "verify"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stdout
            .contains(&format!("AUDIT TRAIL BROKEN at event {victim} ")),
        "{out:?}"
    );
    // Copying the tampered database back is refused by the SQLite audit; no file is made.
    let tampered = home.path().join("tampered.db");
    let out = hotro(
        home.path(),
        &[
            "db",
            "copy",
            "--from",
            &url,
            "--to",
            tampered.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("failed its audit"), "{out:?}");
    assert!(!tampered.exists());
    let leftovers: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("hotro-copy"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The desk of [`sqlite_desk`] with a finalised morning check (amended after finalising),
/// copied to a fresh database on `cluster`; the file and the server's URL.
fn copied_desk(home: &Path, cluster: &Cluster) -> (PathBuf, String) {
    let db = sqlite_desk(home);
    let d = db.to_str().unwrap();
    let op = ["--db", d, "--as", "nguyenvanan"];
    let run = |args: &[&str]| ok(home, &[&op[..], args].concat());
    run(&["check", "record", "TABMIS", "ok"]);
    run(&[
        "check",
        "record",
        "Mail",
        "down",
        "--note",
        "không gửi được",
    ]);
    run(&["check", "finalise"]);
    run(&["check", "record", "Mail", "slow"]);
    let url = cluster.create_db("hotro");
    ok(home, &["db", "copy", "--from", d, "--to", &url]);
    (db, url)
}

/// `db verify --json`'s report.
fn verify_json(home: &Path, db: &str) -> serde_json::Value {
    let out = ok(
        home,
        &["--db", db, "--as", "nguyenvanan", "db", "verify", "--json"],
    );
    serde_json::from_str(&out).unwrap()
}

#[test]
fn a_copied_desk_passes_the_whole_audit_on_the_server_with_the_files_counts() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let (db, url) = copied_desk(home.path(), &cluster);
    let file = verify_json(home.path(), db.to_str().unwrap());
    let server = verify_json(home.path(), &url);
    assert_eq!(file["first_problem"], serde_json::Value::Null, "{file}");
    assert_eq!(server["first_problem"], serde_json::Value::Null, "{server}");
    for field in ["events", "tickets", "check_days", "head", "problems"] {
        assert_eq!(server[field], file[field], "{field}: {server} / {file}");
    }
    assert!(file["tickets"].as_i64().unwrap() > 120, "{file}");
    assert_eq!(file["check_days"].as_i64(), Some(1), "{file}");
    // The same through the library, with progress over events and ticket rows.
    let mut conn = hotro::store::PgConn::open(&url).unwrap();
    let mut last = (0, 0);
    let report = pg::verify_audit(&mut conn, &[], &mut |d, t| last = (d, t)).unwrap();
    assert!(report.is_clean(), "{report:?}");
    let items = (report.events + report.tickets) as u64;
    assert_eq!(last, (items, items));
    let text = ok(home.path(), &["--db", &url, "db", "verify"]);
    assert!(text.contains("Audit trail intact"), "{text}");
    assert!(text.contains("1 finalised morning checks"), "{text}");
    assert!(text.contains("keep it outside the database"), "{text}");
}

#[test]
fn a_ticket_row_or_a_check_changed_on_the_server_is_named() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let (_db, url) = copied_desk(home.path(), &cluster);
    let mut client = cluster.superuser("hotro");
    let row = client
        .query_one(
            "SELECT key, title FROM tickets ORDER BY id OFFSET 5 LIMIT 1",
            &[],
        )
        .unwrap();
    let (key, title): (String, String) = (row.get(0), row.get(1));
    assert!(!title.contains('\''));
    // As the superuser, behind the triggers' back.
    let sql = |client: &mut postgres::Client, sql: &str| {
        client
            .batch_execute(&format!(
                "SET session_replication_role = replica; {sql}; \
                 SET session_replication_role = origin"
            ))
            .unwrap();
    };
    sql(
        &mut client,
        &format!("UPDATE tickets SET title = 'x' WHERE key = '{key}'"),
    );
    let out = hotro(home.path(), &["--db", &url, "db", "verify"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stdout
            .contains(&format!("ticket {key}: title is `x` in the row")),
        "{out:?}"
    );
    let mut conn = hotro::store::PgConn::open(&url).unwrap();
    let report = pg::verify_audit(&mut conn, &[], &mut |_, _| {}).unwrap();
    assert_eq!(report.first_broken, None, "the chain itself is intact");
    assert!(
        matches!(&report.first_problem,
            Some(hotro::store::Problem::StateField { ticket, field, row, .. })
                if *ticket == key && field == "title" && row.as_deref() == Some("x")),
        "{report:?}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&hotro(home.path(), &["--db", &url, "db", "verify", "--json"]).stdout)
            .unwrap();
    assert_eq!(json["first_problem"]["ticket"].as_str(), Some(key.as_str()));
    assert_eq!(json["first_problem"]["field"].as_str(), Some("title"));

    // Put back: clean again. A finalised check's result changed instead is named.
    sql(
        &mut client,
        &format!("UPDATE tickets SET title = '{title}' WHERE key = '{key}'"),
    );
    let report = pg::verify_audit(&mut conn, &[], &mut |_, _| {}).unwrap();
    assert!(report.is_clean(), "{report:?}");
    sql(
        &mut client,
        "UPDATE check_results SET result = 'down' WHERE result = 'ok'",
    );
    let out = hotro(home.path(), &["--db", &url, "db", "verify"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let report = pg::verify_audit(&mut conn, &[], &mut |_, _| {}).unwrap();
    assert!(
        matches!(&report.first_problem,
            Some(hotro::store::Problem::CheckResult { field, now, .. })
                if field == "result" && now.as_deref() == Some("down")),
        "{report:?}"
    );
}

#[test]
fn reports_read_the_same_on_both_engines() {
    use chrono::{TimeZone, Utc};
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let (db, url) = copied_desk(home.path(), &cluster);
    // A link from an article to tickets, so that the joins through the JSON list have rows.
    let mut client = cluster.superuser("hotro");
    let keys: Vec<String> = client
        .query("SELECT key FROM tickets ORDER BY id LIMIT 3", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let linked = serde_json::to_string(&keys).unwrap();
    client
        .execute(
            "UPDATE articles SET linked_tickets = $1 WHERE id = (SELECT min(id) FROM articles)",
            &[&linked],
        )
        .unwrap();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE articles SET linked_tickets = ?1 WHERE id = (SELECT min(id) FROM articles)",
            [&linked],
        )
        .unwrap();
    let categories: Vec<String> = client
        .query(
            "SELECT DISTINCT category FROM tickets WHERE category IS NOT NULL ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(!categories.is_empty());
    let mut file = hotro::store::Store::open(&db).unwrap();
    let mut server = hotro::store::Store::open_postgres(&url).unwrap();
    let from = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    let facts = file.report_facts(from, to).unwrap();
    assert!(facts.len() > 120, "{}", facts.len());
    let key = |f: &hotro::domain::report::Facts| format!("{f:?}");
    let mut a: Vec<String> = facts.iter().map(key).collect();
    let mut b: Vec<String> = server
        .report_facts(from, to)
        .unwrap()
        .iter()
        .map(key)
        .collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let received = file.received_between(from, to).unwrap();
    assert!(received.len() > 120);
    let dbg = |v: &[hotro::domain::report::Received]| {
        let mut v: Vec<String> = v.iter().map(|r| format!("{r:?}")).collect();
        v.sort();
        v
    };
    assert_eq!(
        dbg(&received),
        dbg(&server.received_between(from, to).unwrap())
    );
    let mut e1 = file.escalations_between(from, to).unwrap();
    let mut e2 = server.escalations_between(from, to).unwrap();
    e1.sort();
    e2.sort();
    assert_eq!(e1, e2);
    let mut l1 = file.articles_linked_between(from, to).unwrap();
    let mut l2 = server.articles_linked_between(from, to).unwrap();
    l1.sort();
    l2.sort();
    assert!(!l1.is_empty());
    assert_eq!(l1, l2);
    let u1 = file.user_errors_between(from, to, &categories).unwrap();
    let u2 = server.user_errors_between(from, to, &categories).unwrap();
    assert!(!u1.is_empty());
    let dbg = |v: &[hotro::domain::report::UserError]| {
        let mut v: Vec<String> = v.iter().map(|r| format!("{r:?}")).collect();
        v.sort();
        v
    };
    assert_eq!(dbg(&u1), dbg(&u2));
    // An empty window and no categories read nothing on either.
    assert!(server.report_facts(from, from).unwrap().is_empty());
    assert!(
        server
            .user_errors_between(from, to, &[])
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_copy_that_does_not_verify_is_not_committed() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let db = sqlite_desk(home.path());
    // Break the file's chain (as an attacker with sqlite3 would): the copy re-hashes on the
    // server, finds the break and commits nothing.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute(
            "UPDATE events SET actor = 'someone' WHERE id = (SELECT min(id) + 3 FROM events)",
            [],
        )
        .unwrap();
    }
    let url = cluster.create_db("hotro");
    let out = hotro(
        home.path(),
        &["db", "copy", "--from", db.to_str().unwrap(), "--to", &url],
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("Audit chain broken"), "{out:?}");
    let mut client = cluster.superuser("hotro");
    let n: i64 = client
        .query_one("SELECT count(*) FROM tickets", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 0, "nothing committed");
}

#[test]
fn roles_are_enforced_by_the_server() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let db = sqlite_desk(home.path());
    let url = cluster.create_db("hotro");
    // The printed SQL names every operator and makes events append-only.
    let sql = ok(home.path(), &["db", "setup-roles"]);
    for login in ["nguyenvanan", "buivantuan", "keyuser_hanoi", "hotro-mail"] {
        assert!(
            sql.contains(&format!("'{login}'")),
            "{login} missing:\n{sql}"
        );
    }
    assert!(sql.contains("WITH CHECK (actor = current_user)"), "{sql}");
    assert!(!sql.contains("UPDATE ON events") && !sql.contains("DELETE ON events"));
    // The desk copied (which brings the schema), then the printed SQL run by psql as the
    // server's superuser, as an administrator would.
    ok(
        home.path(),
        &["db", "copy", "--from", db.to_str().unwrap(), "--to", &url],
    );
    let script = home.path().join("roles.sql");
    std::fs::write(&script, &sql).unwrap();
    cluster.psql_file("hotro", &script);
    let denied = |r: Result<u64, postgres::Error>| {
        let e = r.expect_err("the server must refuse");
        let code = e.code().map(|c| c.code().to_string());
        assert_eq!(code.as_deref(), Some("42501"), "{e:?}");
    };
    // The key user reads, and can neither change a ticket nor touch an event.
    let mut key_user = cluster.connect_as("hotro", "keyuser_hanoi").unwrap();
    let tickets: i64 = key_user
        .query_one("SELECT count(*) FROM tickets", &[])
        .unwrap()
        .get(0);
    assert!(tickets > 100);
    denied(key_user.execute("UPDATE tickets SET title = 'x'", &[]));
    denied(key_user.execute("DELETE FROM events", &[]));
    denied(key_user.execute(
        "INSERT INTO events (ticket_id, version, at, actor, kind, payload, hash)
         VALUES (1, 999, 0, 'keyuser_hanoi', 'noted', '{}', '')",
        &[],
    ));

    // An operator works tickets but cannot act as another operator, nor rewrite history.
    let mut op = cluster.connect_as("hotro", "doquangvinh").unwrap();
    denied(op.execute(
        "INSERT INTO events (ticket_id, version, at, actor, kind, payload, hash)
         VALUES (1, 998, 0, 'nguyenvanan', 'noted', '{}', '')",
        &[],
    ));
    let own = op.execute(
        "INSERT INTO events (ticket_id, version, at, actor, kind, payload, hash)
         VALUES (1, 997, 0, 'doquangvinh', 'noted', '{}', '')",
        &[],
    );
    assert_eq!(own.unwrap(), 1, "an event in one's own name is accepted");
    denied(op.execute("UPDATE events SET payload = '{}'", &[]));
    denied(op.execute("DELETE FROM events", &[]));
    denied(op.execute("TRUNCATE events", &[]));
    assert_eq!(
        op.execute("UPDATE tickets SET title = title WHERE id = 1", &[])
            .unwrap(),
        1,
        "an operator may update tickets"
    );
    // The queue counts and the search outbox follow through their triggers, which run with
    // the schema owner's rights (the operator has no write grant on those tables).
    let outbox_before: i64 = op
        .query_one("SELECT count(*) FROM search_outbox", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        op.execute(
            "UPDATE tickets SET assignee = 'doquangvinh', title = title || '.' WHERE id = 2",
            &[],
        )
        .unwrap(),
        1
    );
    let outbox_after: i64 = op
        .query_one("SELECT count(*) FROM search_outbox", &[])
        .unwrap()
        .get(0);
    assert_eq!(outbox_after, outbox_before + 1);
    let mismatched: i64 = op
        .query_one(
            "SELECT count(*) FROM (
                 SELECT grp, tier, status, coalesce(assignee, '') a,
                        coalesce(following_group, '') f, count(*) n FROM tickets GROUP BY 1, 2, 3, 4, 5
                 EXCEPT SELECT grp, tier, status, assignee, following_group, n
                        FROM ticket_counts WHERE n <> 0) d",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(mismatched, 0, "queue counts kept");
    denied(op.execute("DELETE FROM ticket_counts", &[]));
    // Drafts are each operator's own.
    op.execute(
        "INSERT INTO drafts (operator, ticket, purpose, text, updated_at)
         VALUES ('doquangvinh', 'HT-1', 'reply', 'x', 0)",
        &[],
    )
    .unwrap();
    denied(op.execute(
        "INSERT INTO drafts (operator, ticket, purpose, text, updated_at)
         VALUES ('nguyenvanan', 'HT-1', 'reply', 'x', 0)",
        &[],
    ));
    let theirs: i64 = key_user
        .query_one("SELECT count(*) FROM drafts", &[])
        .unwrap()
        .get(0);
    assert_eq!(theirs, 0, "the key user sees no one else's drafts");
    // The store's drafts module (on both engines: tests/engines.rs) under the server's rules,
    // connected as the operator's own role: their drafts work, another's are neither
    // written nor seen.
    let mut store =
        hotro::store::Store::open_postgres(&cluster.url("hotro", "doquangvinh")).unwrap();
    store
        .save_draft("doquangvinh", "HT-2", "note", "của tôi", chrono::Utc::now())
        .unwrap();
    assert_eq!(
        store
            .load_draft("doquangvinh", "HT-2", "note")
            .unwrap()
            .as_deref(),
        Some("của tôi")
    );
    let refused = store
        .save_draft("nguyenvanan", "HT-2", "note", "x", chrono::Utc::now())
        .expect_err("another operator's draft");
    assert!(
        matches!(&refused, hotro::store::StoreError::Postgres { code, .. } if code == "42501"),
        "{refused:?}"
    );
    let mut admin = cluster.superuser("hotro");
    admin
        .execute(
            "INSERT INTO drafts (operator, ticket, purpose, text, updated_at)
             VALUES ('nguyenvanan', 'HT-2', 'note', 'riêng', 0)",
            &[],
        )
        .unwrap();
    assert_eq!(
        store.load_draft("nguyenvanan", "HT-2", "note").unwrap(),
        None,
        "row-level security hides another's draft"
    );
    drop(store);
    // A role that is not an operator cannot log in at all.
    assert!(cluster.connect_as("hotro", "hotro_operator").is_err());

    // Applying again through hotro (the configuration changed: the key user became an
    // operator too) follows the configuration, and events stay append-only.
    let changed = config_text().replace(
        "roles = [\"key_user\"]",
        "roles = [\"key_user\", \"operator\"]",
    );
    std::fs::write(home.path().join("hotro.toml"), changed).unwrap();
    let out = ok(home.path(), &["--db", &url, "db", "setup-roles", "--apply"]);
    assert!(
        out.contains("PostgreSQL roles set up for 14 operators"),
        "{out}"
    );
    let mut promoted = cluster.connect_as("hotro", "keyuser_hanoi").unwrap();
    assert_eq!(
        promoted
            .execute("UPDATE tickets SET title = title WHERE id = 1", &[])
            .unwrap(),
        1
    );
    denied(promoted.execute("DELETE FROM events", &[]));
    std::fs::write(home.path().join("hotro.toml"), config_text()).unwrap();
    ok(home.path(), &["--db", &url, "db", "setup-roles", "--apply"]);
    let mut key_user = cluster.connect_as("hotro", "keyuser_hanoi").unwrap();
    denied(key_user.execute("UPDATE tickets SET title = 'x'", &[]));
}

#[test]
fn commands_about_the_sqlite_file_say_so_on_postgres() {
    let home = tempfile::tempdir().unwrap();
    for (args, command) in [
        (vec!["db", "backup", "x.db"], "hotro db backup"),
        (vec!["db", "restored"], "hotro db restored"),
    ] {
        let mut all = vec!["--db", "postgresql:///hotro?host=/nonexistent"];
        all.extend(args.iter().copied());
        let out = hotro(home.path(), &all);
        assert_eq!(out.code, Some(2), "{args:?}: {out:?}");
        assert!(
            out.stderr.contains(command) && out.stderr.contains("SQLite file only"),
            "{out:?}"
        );
        assert!(out.stderr.contains("pg_dump"), "{out:?}");
    }
    // Any other command connects to the server (here: none there), never makes a file of
    // the URL.
    let out = hotro(
        home.path(),
        &[
            "--db",
            "postgresql:///hotro?host=/nonexistent",
            "ticket",
            "list",
        ],
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr.contains("Cannot connect to PostgreSQL"),
        "{out:?}"
    );
    assert!(
        !home.path().join("postgresql:").exists(),
        "no file made of the URL"
    );
    // A password on the command line is refused before anything is tried.
    let out = hotro(
        home.path(),
        &[
            "db",
            "copy",
            "--from",
            "x.db",
            "--to",
            "postgres://u:secret@localhost/hotro",
        ],
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("PGPASSWORD"), "{out:?}");
    assert!(!out.stderr.contains("secret"), "{out:?}");
    // `--apply` without a PostgreSQL database says what it needs.
    let out = hotro(home.path(), &["db", "setup-roles", "--apply"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("--db postgres://"), "{out:?}");
}

/// Live refresh (deliver 3): a listener on its own connection learns of a change committed
/// by another connection (another host's console) from the server's notification, with the
/// changed table named; a rolled-back change and an operator's draft notify nothing.
#[test]
fn committed_changes_reach_a_listener_by_notification() {
    use hotro::domain::announce::AnnouncementInput;
    use hotro::store::Store;
    use std::time::{Duration, Instant};
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.create_db("hotro");
    let mut writer = Store::open_postgres(&url).unwrap();
    let mut listener = pg::notify::ChangeListener::open(&url).unwrap();
    // Nothing happened yet.
    assert!(
        listener
            .wait(Duration::from_millis(200))
            .unwrap()
            .is_empty()
    );
    let now = chrono::Utc::now();
    let input = AnnouncementInput {
        title: Some("TABMIS gián đoạn".to_string()),
        applications: Some(vec!["TABMIS".to_string()]),
        problem: Some("Không đăng nhập được".to_string()),
        guidance: Some("Chờ".to_string()),
        expected_fix: None,
        incident: None,
    };
    let started = Instant::now();
    writer
        .create_announcement(&input, "nguyenvanan", now)
        .unwrap();
    let changed = listener.wait(Duration::from_secs(10)).unwrap();
    eprintln!("notification after {:?}", started.elapsed());
    assert_eq!(changed, ["announcements"]);
    // An operator's draft is theirs alone: no notification.
    writer
        .save_draft("nguyenvanan", "HT-1", "reply", "nháp", now)
        .unwrap();
    assert!(
        listener
            .wait(Duration::from_millis(300))
            .unwrap()
            .is_empty()
    );
    // A change rolled back notifies nothing.
    let mut admin = cluster.superuser("hotro");
    let mut tx = admin.transaction().unwrap();
    tx.batch_execute("UPDATE announcements SET title = 'x'")
        .unwrap();
    tx.rollback().unwrap();
    assert!(
        listener
            .wait(Duration::from_millis(300))
            .unwrap()
            .is_empty()
    );
    // Several changes in one transaction arrive once per table.
    let mut tx = admin.transaction().unwrap();
    tx.batch_execute("UPDATE announcements SET title = 'a'; UPDATE announcements SET title = 'b';")
        .unwrap();
    tx.commit().unwrap();
    assert_eq!(
        listener.wait(Duration::from_secs(10)).unwrap(),
        ["announcements"]
    );
}

/// An operator on another host (deliver 2): TLS to the server with a client certificate
/// whose common name is their role (`cert` authentication), in libpq's places
/// (`PGSSLROOTCERT`, `PGSSLCERT`, `PGSSLKEY`). The server's certificate is verified; no
/// certificate, a server the configured authority did not sign, or no TLS at all is refused.
#[test]
fn another_host_connects_with_tls_and_a_client_certificate() {
    let Some((cluster, port, files)) = Cluster::start_tls() else {
        return;
    };
    cluster.create_db("hotro");
    let mut admin = cluster.superuser("hotro");
    pg::migrate(&mut admin).unwrap();
    admin
        .batch_execute(
            "CREATE ROLE nguyenvanan LOGIN; \
             GRANT SELECT ON ALL TABLES IN SCHEMA public TO nguyenvanan",
        )
        .unwrap();
    let url = format!("postgresql://nguyenvanan@localhost:{port}/hotro?sslmode=require");
    let run = |env: &[(&str, &Path)], url: &str| {
        let out = Command::new(BIN)
            .env_remove("HOTRO_DB")
            .env_remove("PGPASSWORD")
            .env_remove("PGSSLROOTCERT")
            .env_remove("PGSSLCERT")
            .env_remove("PGSSLKEY")
            .env("HOME", cluster_home(&files))
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .stdin(Stdio::null())
            .args(["--lang", "en", "--db", url, "db", "verify"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    // Let in, the operator reads the (empty) audit chain; refused, "Cannot connect".
    let all = [
        ("PGSSLROOTCERT", files.ca.as_path()),
        ("PGSSLCERT", files.client_cert.as_path()),
        ("PGSSLKEY", files.client_key.as_path()),
    ];
    let (code, out) = run(&all, &url);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Audit trail intact"), "{out}");
    // The role is the certificate's, whatever the string claims.
    let claimed = url.replace("nguyenvanan@", "postgres@");
    let (code, out) = run(&all, &claimed);
    assert_ne!(code, Some(0));
    assert!(out.contains("Cannot connect"), "{out}");
    // No client certificate.
    let (code, out) = run(&all[..1], &url);
    assert_ne!(code, Some(0));
    assert!(out.contains("Cannot connect"), "{out}");
    // A server the configured authority did not sign.
    let other = [
        ("PGSSLROOTCERT", files.other_ca.as_path()),
        ("PGSSLCERT", files.client_cert.as_path()),
        ("PGSSLKEY", files.client_key.as_path()),
    ];
    let (code, out) = run(&other, &url);
    assert_ne!(code, Some(0));
    assert!(out.contains("Cannot connect"), "{out}");
    assert!(out.to_lowercase().contains("certificate"), "{out}");
    // No TLS: the server rejects it.
    let plain = url.replace("sslmode=require", "sslmode=disable");
    let (code, out) = run(&all, &plain);
    assert_ne!(code, Some(0));
    assert!(out.contains("Cannot connect"), "{out}");
    // A key file that is not one is named with the fix.
    let broken = [
        ("PGSSLROOTCERT", files.ca.as_path()),
        ("PGSSLCERT", files.client_cert.as_path()),
        ("PGSSLKEY", files.ca.as_path()),
    ];
    let (code, out) = run(&broken, &url);
    assert_ne!(code, Some(0));
    assert!(out.contains("PGSSLKEY"), "{out}");
}

/// A home directory without `~/.postgresql` (so only the environment's files count).
fn cluster_home(files: &common::pg::TlsFiles) -> PathBuf {
    files.ca.parent().unwrap().join("home")
}

/// The CLI works a desk on PostgreSQL (issue 17): each operator connects as their own role,
/// and who acts is the role the server authenticated, not a claim; the server refuses an
/// event recorded in another operator's name even where hotro's sandbox rules would let it
/// through (a test database), and nothing of it is kept.
#[test]
fn the_cli_works_a_desk_on_postgres_as_each_operators_role() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let admin_url = cluster.create_db("hotro");
    ok(home.path(), &["--db", &admin_url, "init", "--test"]);
    ok(
        home.path(),
        &["--db", &admin_url, "db", "setup-roles", "--apply"],
    );
    let an = cluster.url("hotro", "nguyenvanan");
    let bich = cluster.url("hotro", "tranthibich");
    let out = ok(
        home.path(),
        &[
            "--db",
            &an,
            "ticket",
            "new",
            "--title",
            "Không đăng nhập được TABMIS — 无法登录",
            "--requester",
            "Lê Văn Cường",
        ],
    );
    let key = "HT-2026-000001";
    assert!(out.contains(key), "{out}");
    ok(
        home.path(),
        &["--db", &an, "ticket", "assign", key, "--to", "tranthibich"],
    );
    ok(
        home.path(),
        &[
            "--db",
            &bich,
            "ticket",
            "reply",
            key,
            "--text",
            "Đã đặt lại mật khẩu",
        ],
    );
    let shown = ok(
        home.path(),
        &["--db", &bich, "ticket", "show", key, "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(v["ticket"]["assignee"], "tranthibich");
    let actors: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].as_str().unwrap())
        .collect();
    assert_eq!(actors, ["nguyenvanan", "nguyenvanan", "tranthibich"]);
    let listed = ok(
        home.path(),
        &["--db", &an, "ticket", "list", "--text", "dang nhap"],
    );
    assert!(listed.contains(key), "{listed}");
    // An admin acting as another operator writes as that role (SET ROLE): accepted, and
    // the event names both.
    ok(
        home.path(),
        &[
            "--db",
            &an,
            "--as",
            "tranthibich",
            "ticket",
            "note",
            key,
            "--text",
            "thay mặt",
        ],
    );
    let after = ok(home.path(), &["--db", &an, "ticket", "show", key, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&after).unwrap();
    let last = v["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["actor"].as_str(), last["by"].as_str()),
        (Some("tranthibich"), Some("nguyenvanan")),
        "{after}"
    );
    // An operator who is not an admin claiming to be another, even on a test database
    // where hotro's sandbox rules would let it through: the server refuses the role, hotro
    // says who may not act as whom (exit 5), and nothing changed.
    let out = hotro(
        home.path(),
        &[
            "--db",
            &bich,
            "--as",
            "nguyenvanan",
            "ticket",
            "note",
            key,
            "--text",
            "giả mạo",
        ],
    );
    assert_eq!(out.code, Some(5), "{out:?}");
    assert!(
        out.stderr.contains("tranthibich")
            && out.stderr.contains("nguyenvanan")
            && out.stderr.contains("the server refused it")
            && out.stderr.contains("setup-roles"),
        "{out:?}"
    );
    let after = ok(home.path(), &["--db", &an, "ticket", "show", key, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert_eq!(v["ticket"]["version"], 4, "{after}");
    // A process bringing another configuration to a test database on a server: an operator's
    // role may not apply it, so the applied one stays in force and the writes are refused
    // saying who applies one (exit 5), not with the server's bare "permission denied".
    let changed = config_text().replace("Người dùng chính Hà Nội", "Người dùng chính HN");
    std::fs::write(home.path().join("hotro.toml"), changed).unwrap();
    let out = hotro(
        home.path(),
        &["--db", &bich, "ticket", "new", "--title", "Cấu hình khác"],
    );
    assert_eq!(out.code, Some(5), "{out:?}");
    assert!(out.stderr.contains("config apply"), "{out:?}");
    assert!(!out.stderr.contains("42501"), "{out:?}");
    std::fs::write(home.path().join("hotro.toml"), config_text()).unwrap();
    // `db check` on the server: the counts and the whole audit; indexes checked by amcheck
    // once the extension is there. Before, the check says the indexes went unchecked and
    // how to install it, and does not call that damage (the counts and audit are clean).
    let out = hotro(home.path(), &["--db", &admin_url, "db", "check", "--json"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["indexes_checked"], false, "{v}");
    assert_eq!(v["integrity"], serde_json::json!([]), "{v}");
    assert!(v["incomplete"].is_null(), "{v}");
    let said = ok(home.path(), &["--db", &admin_url, "db", "check"]);
    assert!(said.contains("CREATE EXTENSION amcheck"), "{said}");
    assert!(said.contains("indexes were not checked"), "{said}");
    assert!(!said.contains("The database is clean"), "{said}");
    cluster
        .superuser("hotro")
        .batch_execute("CREATE EXTENSION amcheck")
        .unwrap();
    let checked = ok(home.path(), &["--db", &admin_url, "db", "check", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&checked).unwrap();
    assert_eq!(v["integrity"], serde_json::json!(["ok"]), "{v}");
    assert_eq!(v["indexes_checked"], true, "{v}");
    assert_eq!(v["journal_mode"], "postgresql", "{v}");
    assert_eq!(
        (v["tickets"].as_i64(), v["events"].as_i64()),
        (Some(1), Some(4)),
        "{v}"
    );
    assert_eq!(v["version_mismatches"], 0, "{v}");
    assert_eq!(v["count_mismatches"], 0, "{v}");
    assert_eq!(v["audit"]["problems"], 0, "{v}");
    cluster
        .superuser("hotro")
        .batch_execute("DELETE FROM ticket_counts")
        .unwrap();
    let out = hotro(home.path(), &["--db", &admin_url, "db", "check", "--json"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v["count_mismatches"], 1,
        "the ticket counted by no cell: {v}"
    );
    cluster
        .superuser("hotro")
        .batch_execute(
            "INSERT INTO ticket_counts (grp, tier, status, assignee, following_group, n)
             SELECT grp, tier, status, coalesce(assignee, ''), coalesce(following_group, ''),
                    count(*) FROM tickets GROUP BY 1, 2, 3, 4, 5",
        )
        .unwrap();
    // The key user's role reads and records a request of their own, and is refused a change
    // of another's (by hotro, naming the role); the server holds them to that as well.
    let key_user = cluster.url("hotro", "keyuser_hanoi");
    ok(home.path(), &["--db", &key_user, "ticket", "show", key]);
    let out = ok(
        home.path(),
        &[
            "--db",
            &key_user,
            "ticket",
            "new",
            "--title",
            "Máy in phòng kế toán không in được",
        ],
    );
    assert!(out.contains("HT-2026-000002"), "{out}");
    let mut psql = cluster.connect_as("hotro", "keyuser_hanoi").unwrap();
    let code = |r: Result<u64, postgres::Error>| {
        r.err()
            .and_then(|e| e.code().map(|c| c.code().to_string()))
            .unwrap_or_default()
    };
    assert_eq!(
        code(psql.execute("UPDATE tickets SET title = 'x'", &[])),
        "42501"
    );
    assert_eq!(code(psql.execute("DELETE FROM events", &[])), "42501");
    // An event other than a new ticket's first is refused by row-level security.
    assert_eq!(
        code(psql.execute(
            "INSERT INTO events (ticket_id, version, at, actor, kind, payload, hash)
             SELECT id, 9, 0, 'keyuser_hanoi', 'note', '{}', 'x' FROM tickets LIMIT 1",
            &[],
        )),
        "42501"
    );
    let out = hotro(
        home.path(),
        &[
            "--db",
            &key_user,
            "ticket",
            "assign",
            key,
            "--to",
            "nguyenvanan",
        ],
    );
    assert_eq!(out.code, Some(5), "{out:?}");
    // A note and a reply on the request they recorded: the key user adds them without
    // UPDATE on tickets (the server moves the ticket after checking the event, PG
    // migration 5), as on SQLite; the ticket's version and the audit agree.
    let own = "HT-2026-000002";
    for (verb, text) in [
        ("note", "Đã thử khởi động lại máy in"),
        ("reply", "Vẫn lỗi"),
    ] {
        ok(
            home.path(),
            &["--db", &key_user, "ticket", verb, own, "--text", text],
        );
    }
    let shown = ok(
        home.path(),
        &["--db", &key_user, "ticket", "show", own, "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(v["ticket"]["version"], 3, "{shown}");
    let kinds: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        ["created", "internal_note", "public_reply"],
        "{shown}"
    );
    // A reply with a file (`--attach`): the reply, then the file as an `attached` event.
    let photo = home.path().join("may-in.txt");
    std::fs::write(&photo, "Lỗi 0x61011bcf").unwrap();
    ok(
        home.path(),
        &[
            "--db",
            &key_user,
            "ticket",
            "reply",
            own,
            "--text",
            "Ảnh chụp lỗi đính kèm",
            "--attach",
            photo.to_str().unwrap(),
        ],
    );
    let shown = ok(
        home.path(),
        &["--db", &key_user, "ticket", "show", own, "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(v["ticket"]["version"], 5, "{shown}");
    let verified = ok(home.path(), &["--db", &admin_url, "db", "verify", "--json"]);
    let audit: serde_json::Value = serde_json::from_str(&verified).unwrap();
    assert_eq!(audit["problems"], 0, "{verified}");
    // Another's request stays out of reach: hotro refuses it (exit 5, naming the role) …
    let out = hotro(
        home.path(),
        &[
            "--db",
            &key_user,
            "ticket",
            "note",
            key,
            "--text",
            "của người khác",
        ],
    );
    assert_eq!(out.code, Some(5), "{out:?}");
    // … and so does the server, to the key user's own psql: an addition to another's
    // ticket, one claiming to be by someone else, and one without its event.
    let mine = format!("(SELECT id FROM tickets WHERE key = '{own}')");
    let theirs = format!("(SELECT id FROM tickets WHERE key = '{key}')");
    for sql in [
        format!(
            "INSERT INTO ticket_additions (ticket_id, version, updated_at)
             SELECT id, version + 1, updated_at FROM tickets WHERE id = {theirs}"
        ),
        format!(
            "INSERT INTO ticket_additions (ticket_id, version, updated_at, requested_by)
             SELECT id, version + 1, updated_at, 'nguyenvanan' FROM tickets WHERE id = {theirs}"
        ),
        format!(
            "INSERT INTO ticket_additions (ticket_id, version, updated_at)
             SELECT id, version + 1, updated_at FROM tickets WHERE id = {mine}"
        ),
        format!(
            "INSERT INTO events (ticket_id, version, at, actor, kind, payload, hash)
             SELECT id, version + 1, 0, 'keyuser_hanoi', 'public_reply', '{{}}', 'x'
             FROM tickets WHERE id = {theirs}"
        ),
        format!(
            "INSERT INTO attachments (ticket, n, sha256, size, media_type, file_name,
                added_by, added_at)
             VALUES ('{key}', 9, 'x', 1, 'text/plain', 'x.txt', 'keyuser_hanoi', 0)"
        ),
    ] {
        assert_eq!(code(psql.execute(sql.as_str(), &[])), "42501", "{sql}");
    }
    // Nor can anyone store other bytes under the name a file's content gives it.
    assert_eq!(
        code(psql.execute(
            "INSERT INTO blobs (sha256, size, data) VALUES (encode(sha256('a'), 'hex'), 1, 'b')",
            &[],
        )),
        "23514"
    );
    let shown = ok(
        home.path(),
        &["--db", &key_user, "ticket", "show", own, "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(v["ticket"]["version"], 5, "{shown}");
}

/// The FAQ lists titles in byte order, equal titles by reference, on a server whose
/// collation is Vietnamese (ICU) too: the same list as on SQLite, whatever the server's
/// locale (under `vi` collation Đ follows D and ả follows a, before E and Z).
#[test]
fn faq_titles_sort_in_byte_order_under_a_vietnamese_collation() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    cluster
        .superuser("postgres")
        .batch_execute(
            "CREATE DATABASE hotro_vi TEMPLATE template0 ENCODING 'UTF8' \
             LOCALE_PROVIDER icu ICU_LOCALE 'vi' LOCALE 'C'",
        )
        .unwrap();
    let mut db = hotro::store::Store::open_postgres(&cluster.url("hotro_vi", "postgres")).unwrap();
    let now = chrono::Utc::now();
    let titles = [
        ("KB-00001", "Email không gửi được"),
        ("KB-00002", "Đăng nhập TABMIS"),
        ("KB-00003", "Zalo không nhận thông báo"),
        ("KB-00004", "ảnh chụp màn hình bị mờ"),
        ("KB-00005", "Đăng nhập TABMIS"),
        ("kb-00006", "Zalo không nhận thông báo"),
        ("KB-A0007", "Đăng nhập TABMIS"),
    ];
    for (reference, title) in titles {
        let input = hotro::domain::kb::ArticleInput {
            reference: reference.to_string(),
            lang: "vi".to_string(),
            application: Some("TABMIS".to_string()),
            category: None,
            title: title.to_string(),
            symptom: "Không dùng được".to_string(),
            cause: "Chưa rõ".to_string(),
            resolution: "Gọi 1900".to_string(),
            tags: vec![],
            status: Some("draft".to_string()),
            author: None,
        };
        db.create_article(&input, true, "nguyenvanan", now).unwrap();
        db.publish_article(reference, "lethihoa", now).unwrap();
    }
    let listed: Vec<String> = db
        .faq_articles()
        .unwrap()
        .into_iter()
        .map(|a| a.reference)
        .collect();
    assert_eq!(
        listed,
        [
            "KB-00001", "KB-00003", "kb-00006", "KB-00002", "KB-00005", "KB-A0007", "KB-00004"
        ],
        "byte order (E, Z, Z, Đ, Đ, Đ, ả), not the server's Vietnamese collation"
    );
    // Every article, by reference in byte order (capitals before small letters).
    let refs: Vec<String> = db
        .articles()
        .unwrap()
        .into_iter()
        .map(|a| a.reference)
        .collect();
    assert_eq!(
        refs,
        [
            "KB-00001", "KB-00002", "KB-00003", "KB-00004", "KB-00005", "KB-A0007", "kb-00006"
        ]
    );
}
