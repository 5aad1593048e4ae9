//! Tamper evidence through the real binary: each attack made with plain SQL on the file is
//! found by `hotro db verify` and `hotro db check` (exit 1, naming the first thing wrong),
//! and an untouched database verifies clean.
#![allow(clippy::unwrap_used)]

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
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

/// A hermetic run (as tests/cli.rs does): no HOTRO_* variables, user directories inside the
/// temporary directory, the clock fixed.
fn hotro(db: &Path, args: &[&str]) -> Out {
    let home = db.parent().unwrap();
    let mut c = Command::new(BIN);
    c.env_remove("HOTRO_DB")
        .env_remove("HOTRO_AS")
        .env_remove("HOTRO_CONFIG")
        .env_remove("NO_COLOR")
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .env("XDG_DATA_HOME", home.join("xdg-data"))
        .env("HOTRO_NOW", NOW)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .arg("--db")
        .arg(db)
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

fn ok(db: &Path, args: &[&str]) -> String {
    let out = hotro(db, args);
    assert_eq!(out.code, Some(0), "{args:?}: {out:?}");
    out.stdout
}

/// A desk with three tickets (the second replied to and assigned) and a finalised morning
/// check; returns the directory, the database and the ticket keys.
fn desk() -> (tempfile::TempDir, PathBuf, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hotro.db");
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
    (dir, db, keys)
}

/// Plain SQL on the file, by someone who also deletes the chain head hotro records beside it
/// (`<db>-hotro-head`), which would otherwise name any rewritten or deleted newest event
/// first (tests/bad_input.rs has that case): these tests are about what the file itself
/// proves.
fn sql(db: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch(sql).unwrap();
    let mut side = db.as_os_str().to_os_string();
    side.push("-hotro-head");
    let _ = std::fs::remove_file(side);
}

/// `db verify` and `db check` (with these extra arguments) both exit 1, and both print
/// `expected` (the first thing wrong); `db check` does not call the file clean.
fn both_fail(db: &Path, extra: &[&str], expected: &str) {
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
fn recompute_chain(db: &Path) {
    type Row = (i64, i64, i64, i64, String, String, String, Option<String>);
    let conn = rusqlite::Connection::open(db).unwrap();
    let rows: Vec<Row> = conn
        .prepare(
            "SELECT id, ticket_id, version, at, actor, kind, payload, state FROM events
             ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut previous = String::new();
    for (id, ticket, version, at, actor, kind, payload, state) in rows {
        let hash = chain_hash(
            &previous,
            ticket,
            version,
            at,
            &actor,
            &kind,
            &payload,
            state.as_deref(),
        );
        conn.execute(
            "UPDATE events SET hash = ?2 WHERE id = ?1",
            rusqlite::params![id, hash],
        )
        .unwrap();
        previous = hash;
    }
}

// ---- the tests ------------------------------------------------------------------------------

#[test]
fn an_untouched_database_verifies_clean_and_its_anchor_holds() {
    let (_dir, db, _) = desk();
    let out = ok(&db, &["db", "verify"]);
    assert!(
        out.contains("Audit trail intact: 5 events")
            && out.contains("3 ticket rows match their events")
            && out.contains("1 finalised morning checks match their logs"),
        "{out}"
    );
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
}

#[test]
fn events_rewritten_and_the_chain_recomputed_are_found_by_the_anchor() {
    let (_dir, db, keys) = desk();
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
    let (_dir, db, _) = desk();
    sql(&db, "UPDATE events SET actor = 'tranthibich' WHERE id = 1");
    both_fail(
        &db,
        &[],
        &format!(
            "AUDIT TRAIL BROKEN at event 1 (ticket {}, version 1)",
            keys[0]
        ),
    );
}

#[test]
fn a_ticket_row_edited_with_plain_sql_is_found() {
    let (_dir, db, keys) = desk();
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
}

#[test]
fn the_newest_event_deleted_is_found() {
    let (_dir, db, keys) = desk();
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
}

#[test]
fn a_finalised_check_result_edited_with_plain_sql_is_found() {
    let (_dir, db, _) = desk();
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
}
