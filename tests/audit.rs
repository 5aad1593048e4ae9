//! Tamper evidence through the real binary, on each engine: each attack made with plain SQL
//! on the database (the file, or the server as its superuser) is found by `hotro db verify`
//! and `hotro db check` (exit 1, naming the first thing wrong), and an untouched database
//! verifies clean.
#![allow(clippy::unwrap_used, clippy::disallowed_macros)]

mod common;

use common::desks::{Database, Engine, on_each_engine};
use sha2::{Digest, Sha256};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");
/// Monday 2026-11-23 07:10 in the organisation's zone: inside the morning-check window.
const NOW: &str = "2026-11-23T07:10:00+07:00";
const DATE: &str = "2026-11-23";

#[derive(Debug)]
struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// One temporary directory and one database on the engine of the body running.
struct Desk {
    dir: tempfile::TempDir,
    db: Database,
}

/// A hermetic run (as tests/cli.rs does): no HOTRO_* variables, user directories inside the
/// temporary directory, the clock fixed.
fn hotro(d: &Desk, args: &[&str]) -> Out {
    let home = d.dir.path();
    let mut c = Command::new(BIN);
    c.env_remove("HOTRO_DB")
        .env_remove("HOTRO_AS")
        .env_remove("HOTRO_CONFIG")
        .env_remove("NO_COLOR")
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .env("XDG_DATA_HOME", home.join("xdg-data"))
        .env("XDG_CACHE_HOME", home.join("xdg-cache"))
        .env("HOTRO_NOW", NOW)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .arg("--db")
        .arg(&d.db.target)
        .args(["--lang", "en"]);
    acting(&mut c);
    let o = c.args(args).output().unwrap();
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Who the commands act as: the one place to adapt when identity rules change.
fn acting(c: &mut Command) {
    c.args(["--as", "nguyenvanan"]);
}

fn ok(db: &Desk, args: &[&str]) -> String {
    let out = hotro(db, args);
    assert_eq!(out.code, Some(0), "{args:?}: {out:?}");
    out.stdout
}

/// A desk with three tickets (the second replied to and assigned) and a finalised morning
/// check; returns the desk and the ticket keys.
fn desk() -> (Desk, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::new(dir.path());
    let db = Desk { dir, db };
    ok(&db, &["init", "--test"]);
    let mut keys = Vec::new();
    for title in [
        "Máy in không in được",
        "Lỗi đăng nhập TABMIS",
        "Hộp thư đầy",
    ] {
        let out = ok(&db, &["ticket", "new", "--title", title, "--json"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        keys.push(v["ticket"]["key"].as_str().unwrap().to_string());
    }
    ok(&db, &["ticket", "reply", &keys[1], "--text", "Đã nhận"]);
    ok(&db, &["ticket", "assign", &keys[1]]);
    ok(&db, &["check", "record", "TABMIS", "ok"]);
    ok(
        &db,
        &[
            "check",
            "record",
            "Mail",
            "down",
            "--note",
            "không gửi được",
        ],
    );
    ok(&db, &["check", "finalise"]);
    (db, keys)
}

/// Plain SQL on the database ([`Database::tamper`]: on PostgreSQL as the superuser with the
/// append-only triggers off). On SQLite by someone who also deletes the chain head hotro
/// records beside the file (`<db>-hotro-head`), which would otherwise name any rewritten or
/// deleted newest event first (tests/bad_input.rs has that case): these tests are about
/// what the database itself proves. PostgreSQL records no head beside it.
fn sql(d: &Desk, sql: &str) {
    d.db.tamper(sql);
    if d.db.engine == Engine::Sqlite {
        let _ = std::fs::remove_file(format!("{}-hotro-head", d.db.target));
    }
}

/// `db verify` and `db check` (with these extra arguments) both exit 1, and both print
/// `expected` (the first thing wrong); `db check` does not call the file clean. (On
/// PostgreSQL without the amcheck extension, `db check` names the forgery all the same.)
fn both_fail(db: &Desk, extra: &[&str], expected: &str) {
    for command in ["verify", "check"] {
        let mut args = vec!["db", command];
        args.extend_from_slice(extra);
        let out = hotro(db, &args);
        assert_eq!(out.code, Some(1), "db {command}: {out:?}");
        assert!(
            out.stdout.contains(expected),
            "db {command} should say {expected:?}: {out:?}"
        );
        assert!(!out.stdout.contains("clean"), "db {command}: {out:?}");
    }
}

// ---- the hashing spec, as written in src/store/audit.rs -----------------------------------

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[allow(clippy::too_many_arguments)]
fn chain_hash(
    previous: &str,
    ticket_id: i64,
    version: i64,
    at: i64,
    actor: &str,
    kind: &str,
    payload: &str,
    state: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    for part in [previous, actor, kind, payload] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    for n in [ticket_id, version, at] {
        h.update(n.to_le_bytes());
    }
    if let Some(state) = state {
        h.update((state.len() as u64).to_le_bytes());
        h.update(state.as_bytes());
    }
    hex(&h.finalize())
}

/// Recompute every event's hash from its stored fields, as someone covering their tracks
/// would.
fn recompute_chain(d: &Desk) {
    let rows = d.db.text_rows(
        "SELECT CAST(id AS TEXT), CAST(ticket_id AS TEXT), CAST(version AS TEXT),
                CAST(at AS TEXT), actor, kind, payload, state
         FROM events ORDER BY id",
    );
    let int = |v: &Option<String>| -> i64 { v.as_deref().unwrap().parse().unwrap() };
    let text = |v: &Option<String>| -> String { v.clone().unwrap() };
    let mut previous = String::new();
    let mut updates = Vec::new();
    for r in &rows {
        let hash = chain_hash(
            &previous,
            int(&r[1]),
            int(&r[2]),
            int(&r[3]),
            &text(&r[4]),
            &text(&r[5]),
            &text(&r[6]),
            r[7].as_deref(),
        );
        updates.push(format!(
            "UPDATE events SET hash = '{hash}' WHERE id = {}",
            int(&r[0])
        ));
        previous = hash;
    }
    d.db.tamper(&updates.join("; "));
}

// ---- the tests ------------------------------------------------------------------------------

#[test]
fn an_untouched_database_verifies_clean_and_its_anchor_holds() {
    on_each_engine(|| {
        let (db, _) = desk();
        let out = ok(&db, &["db", "verify"]);
        assert!(
            out.contains("Audit trail intact: 5 events")
                && out.contains("3 ticket rows match their events")
                && out.contains("1 finalised morning checks match their logs"),
            "{out}"
        );
        if db.db.engine == Engine::Postgres {
            // Indexes are checked by amcheck when the extension is there: without it the
            // check says so and how to add it, and still makes and shows the counts and the
            // audit (clean here, so exit 0, without claiming the whole database clean).
            let out = hotro(&db, &["db", "check"]);
            assert_eq!(out.code, Some(0), "{out:?}");
            assert!(
                out.stdout.contains("CREATE EXTENSION amcheck")
                    && out.stdout.contains("indexes were not checked")
                    && out.stdout.contains("Audit trail intact: 5 events")
                    && !out.stdout.contains("The database is clean.")
                    && !out.stdout.contains("damaged pages"),
                "{out:?}"
            );
            db.db.execute("CREATE EXTENSION amcheck");
        }
        let check = ok(&db, &["db", "check"]);
        assert!(check.contains("The database is clean."), "{check}");

        let anchor = ok(&db, &["db", "anchor"]);
        let anchor = anchor.trim();
        let (id, hash) = anchor.split_once(':').unwrap();
        assert_eq!((id, hash.len()), ("5", 64), "{anchor}");
        let json: serde_json::Value =
            serde_json::from_str(&ok(&db, &["db", "anchor", "--json"])).unwrap();
        assert_eq!(json["event_id"], 5);
        assert_eq!(json["hash"], hash);
        let out = ok(&db, &["db", "verify", "--anchor", anchor]);
        assert!(out.contains("Anchor: event 5 is in the chain"), "{out}");
        ok(&db, &["db", "check", "--anchor", anchor]);

        // The morning-check report carries the chain head as it was produced.
        for format in ["md", "txt"] {
            let report = ok(&db, &["check", "report", "--format", format]);
            assert!(
                report.contains(&format!("Audit chain head: {anchor}")),
                "{report}"
            );
        }
        let csv = ok(&db, &["check", "report", "--format", "csv"]);
        assert!(!csv.contains("Audit chain head"), "{csv}");

        let bad = hotro(&db, &["db", "verify", "--anchor", "7:nothex"]);
        assert_eq!(bad.code, Some(2), "{bad:?}");
        assert!(bad.stderr.contains("is not an anchor"), "{bad:?}");
    });
}

#[test]
fn events_rewritten_and_the_chain_recomputed_are_found_by_the_anchor() {
    on_each_engine(|| {
        let (db, keys) = desk();
        let anchor = ok(&db, &["db", "anchor"]).trim().to_string();
        sql(&db, "UPDATE events SET actor = 'tranthibich' WHERE id = 1");
        recompute_chain(&db);
        // Without an anchor the rewritten chain is consistent: that is what anchors are for.
        ok(&db, &["db", "verify"]);
        both_fail(
            &db,
            &["--anchor", &anchor],
            "AUDIT TRAIL REWRITTEN: event 5 has hash",
        );
        // Without recomputing, the chain itself breaks at the event edited.
        let (db, _) = desk();
        sql(&db, "UPDATE events SET actor = 'tranthibich' WHERE id = 1");
        both_fail(
            &db,
            &[],
            &format!(
                "AUDIT TRAIL BROKEN at event 1 (ticket {}, version 1)",
                keys[0]
            ),
        );
    });
}

#[test]
fn a_ticket_row_edited_with_plain_sql_is_found() {
    on_each_engine(|| {
        let (db, keys) = desk();
        sql(
            &db,
            &format!(
                "UPDATE tickets SET status = 'closed' WHERE key = '{}'",
                keys[2]
            ),
        );
        both_fail(
            &db,
            &[],
            &format!(
                "ticket {}: status is `closed` in the row but `new` after its events (version 1)",
                keys[2]
            ),
        );
    });
}

#[test]
fn the_newest_event_deleted_is_found() {
    on_each_engine(|| {
        let (db, keys) = desk();
        // The chain head: the second ticket's assignment (tickets, then its reply and assign).
        sql(
            &db,
            "DELETE FROM events WHERE id = (SELECT max(id) FROM events)",
        );
        both_fail(
            &db,
            &[],
            &format!(
                "ticket {}: the row says version 3, but it has 2 events (newest version 2)",
                keys[1]
            ),
        );
    });
}

#[test]
fn a_finalised_check_result_edited_with_plain_sql_is_found() {
    on_each_engine(|| {
        let (db, _) = desk();
        // An amendment through hotro is fine.
        ok(&db, &["check", "record", "Mail", "slow"]);
        ok(&db, &["db", "verify"]);
        sql(
            &db,
            "UPDATE check_results SET result = 'ok' WHERE system = 'Mail'",
        );
        both_fail(
            &db,
            &[],
            &format!(
                "morning check {DATE}, Mail: result is `ok` now, but `slow` as finalised with its amendments"
            ),
        );
        sql(
            &db,
            "UPDATE check_results SET result = 'down' WHERE system = 'TABMIS'",
        );
        // Still the first one (by system order) is named; TABMIS comes after Mail.
        both_fail(&db, &[], &format!("morning check {DATE}, Mail:"));
    });
}
