//! Several real processes on one database: creation races, backups under writers,
//! optimistic concurrency between operators, writers killed mid-way. The races between
//! operators and the killed writers run on both engines (SQLite on a file, PostgreSQL on a
//! throwaway cluster: tests/common; `HOTRO_TEST_ENGINE` selects); creating a file that does
//! not exist yet and the file's backup are SQLite's own, with a PostgreSQL counterpart for
//! the first (processes migrating one empty server database at once).
#![allow(clippy::unwrap_used)]
#![allow(clippy::disallowed_macros)] // the test's own diagnostics

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::thread;

const BIN: &str = env!("CARGO_BIN_EXE_hotro");

fn hotro(db: &Path, login: &str, args: &[&str]) -> Output {
    hotro_on(&db.display().to_string(), login, args)
}

/// [`hotro`] on a file path or a PostgreSQL URL.
fn hotro_on(db: &str, login: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["--db", db, "--lang", "en", "--as", login])
        .args(args)
        .env_remove("HOTRO_DB")
        .env_remove("HOTRO_AS")
        .env_remove("HOTRO_CONFIG")
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Eight operators' processes at once on `db`, each `init --test` then `per` tickets
/// created; the keys they were given.
fn eight_processes_create(db: &Arc<String>, per: usize) -> Vec<String> {
    let logins = [
        "nguyenvanan",
        "tranthibich",
        "lethihoa",
        "doquangvinh",
        "phamvanbinh",
        "hoangthilan",
        "vuducminh",
        "dangquochuy",
    ];
    let workers: Vec<_> = logins
        .iter()
        .map(|login| {
            let db = Arc::clone(db);
            let login = login.to_string();
            thread::spawn(move || {
                // Every process creates the database as a test database, all at once (a
                // database's purpose is set before its first event, and setting the same
                // purpose again is a no-op), then writes.
                let init = hotro_on(&db, &login, &["init", "--test"]);
                assert_eq!(
                    init.status.code(),
                    Some(0),
                    "{login} init: {}",
                    String::from_utf8_lossy(&init.stderr)
                );
                let mut keys = Vec::new();
                for i in 0..per {
                    let title = format!("Yêu cầu {i} của {login}");
                    let out =
                        hotro_on(&db, &login, &["ticket", "new", "--title", &title, "--json"]);
                    assert!(
                        out.stderr.is_empty(),
                        "{login} #{i} printed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    assert_eq!(out.status.code(), Some(0), "{login} #{i}");
                    keys.push(json(&out)["ticket"]["key"].as_str().unwrap().to_string());
                }
                keys
            })
        })
        .collect();
    workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect()
}

#[test]
fn eight_processes_create_800_tickets_on_a_file_that_does_not_exist_yet() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    assert!(!db.exists());
    let mut keys = eight_processes_create(&Arc::new(db.display().to_string()), 100);
    assert_eq!(keys.len(), 800);
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 800, "every key distinct");
    let listed = json(&hotro(
        &db,
        "nguyenvanan",
        &["ticket", "list", "--json", "--limit", "1000"],
    ));
    assert_eq!(listed.as_array().unwrap().len(), 800);
    let check = hotro(&db, "nguyenvanan", &["db", "check", "--json"]);
    let report = json(&check);
    assert_eq!(report["integrity"], serde_json::json!(["ok"]));
    assert_eq!(report["tickets"], 800);
    assert_eq!(report["events"], 800);
    assert_eq!(report["version_mismatches"], 0);
    assert_eq!(report["count_mismatches"], 0);
    assert_eq!(report["journal_mode"], "wal");
}

/// The same race on PostgreSQL: eight processes on an empty server database at once, each
/// bringing the schema up (one migrates under the advisory lock, the others find it done)
/// and creating tickets; every key distinct, the whole audit clean.
#[test]
fn eight_processes_create_tickets_on_an_empty_server_database() {
    let Some(cluster) = common::pg::Cluster::start() else {
        return;
    };
    let db: Arc<String> = Arc::new(cluster.create_db("hotro"));
    let mut keys = eight_processes_create(&db, 25);
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 200, "every key distinct");
    let verify = json(&hotro_on(&db, "nguyenvanan", &["db", "verify", "--json"]));
    assert_eq!(verify["problems"], 0, "{verify}");
    assert_eq!(verify["tickets"], 200, "{verify}");
    assert_eq!(verify["events"], 200, "{verify}");
}

#[test]
fn a_backup_taken_while_four_processes_write_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let db: Arc<PathBuf> = Arc::new(dir.path().join("busy.db"));
    assert!(
        hotro(&db, "nguyenvanan", &["init", "--test"])
            .status
            .success()
    );
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let db = Arc::clone(&db);
            thread::spawn(move || {
                for i in 0..40 {
                    let out = hotro(
                        &db,
                        "tranthibich",
                        &["ticket", "new", "--title", &format!("w{w} #{i}"), "--json"],
                    );
                    let key = json(&out)["ticket"]["key"].as_str().unwrap().to_string();
                    let reply = hotro(
                        &db,
                        "tranthibich",
                        &["ticket", "reply", &key, "--text", "Đã tiếp nhận"],
                    );
                    assert!(
                        reply.status.success(),
                        "{}",
                        String::from_utf8_lossy(&reply.stderr)
                    );
                }
            })
        })
        .collect();
    // Wait until writing is well under way, then copy.
    loop {
        let n = json(&hotro(&db, "nguyenvanan", &["db", "check", "--json"]))["tickets"]
            .as_i64()
            .unwrap();
        if n >= 20 {
            break;
        }
        thread::sleep(std::time::Duration::from_millis(20));
    }
    let copy = dir.path().join("copy.db");
    let backup = json(&hotro(
        &db,
        "nguyenvanan",
        &["db", "backup", &copy.display().to_string(), "--json"],
    ));
    assert_eq!(backup["integrity"], serde_json::json!(["ok"]));
    for w in writers {
        w.join().unwrap();
    }
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let in_copy: i64 = conn
        .query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))
        .unwrap();
    assert!((20..=160).contains(&in_copy), "{in_copy}");
    // The copy is a snapshot: each ticket in it has exactly its events.
    let broken: i64 = conn
        .query_row(
            "SELECT count(*) FROM tickets t WHERE t.version != (SELECT count(*) FROM events e WHERE e.ticket_id = t.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(broken, 0);
    let final_report = json(&hotro(&db, "nguyenvanan", &["db", "check", "--json"]));
    assert_eq!(final_report["tickets"], 160);
    assert_eq!(final_report["events"], 320);
    // Backing up over an existing file is refused.
    let again = hotro(
        &db,
        "nguyenvanan",
        &["db", "backup", &copy.display().to_string()],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn two_operators_saving_the_same_version_one_wins_one_is_told() {
    for e in common::engines::engines() {
        let n = e.name();
        let db: Arc<String> = Arc::new(e.target.clone());
        assert!(
            hotro_on(&db, "nguyenvanan", &["init", "--test"])
                .status
                .success(),
            "{n}"
        );
        let key = json(&hotro_on(
            &db,
            "nguyenvanan",
            &["ticket", "new", "--title", "Lệnh TTSP treo", "--json"],
        ))["ticket"]["key"]
            .as_str()
            .unwrap()
            .to_string();
        let racers: Vec<_> = ["nguyenvanan", "tranthibich"]
            .into_iter()
            .map(|login| {
                let db = Arc::clone(&db);
                let key = key.clone();
                thread::spawn(move || {
                    hotro_on(
                        &db,
                        login,
                        &["ticket", "assign", &key, "--expect-version", "1"],
                    )
                })
            })
            .collect();
        let mut codes: Vec<i32> = racers
            .into_iter()
            .map(|r| r.join().unwrap().status.code().unwrap())
            .collect();
        codes.sort();
        assert_eq!(codes, [0, 3], "{n}");
        let shown = json(&hotro_on(
            &db,
            "nguyenvanan",
            &["ticket", "show", &key, "--json"],
        ));
        assert_eq!(shown["ticket"]["version"], 2, "{n}");
        assert_eq!(shown["timeline"].as_array().unwrap().len(), 2, "{n}");
    }
}

#[test]
fn writers_killed_at_random_moments_lose_nothing_they_reported() {
    for e in common::engines::engines() {
        writers_killed_on(e.name(), &e.target);
    }
}

fn writers_killed_on(engine: &str, db: &str) {
    use std::process::Stdio;
    use std::time::Duration;
    assert!(
        hotro_on(db, "nguyenvanan", &["init", "--test"])
            .status
            .success()
    );
    // A small xorshift: varied kill moments without a dependency.
    let mut seed: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7)
        | 1;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut reported = Vec::new();
    let mut killed = 0;
    let rounds = 60;
    for round in 0..rounds {
        // Four writers at once, each SIGKILLed after 0–250 ms unless it finished first: while
        // starting, connecting, inside its transaction or after (a process takes tens of
        // milliseconds to start and commit).
        let mut children: Vec<_> = (0..4)
            .map(|w| {
                Command::new(BIN)
                    .args(["--db", db, "--as", "tranthibich", "--lang", "en"])
                    .args([
                        "ticket",
                        "new",
                        "--title",
                        &format!("round {round} writer {w}"),
                        "--json",
                    ])
                    .env_remove("HOTRO_DB")
                    .env_remove("HOTRO_AS")
                    .env_remove("HOTRO_CONFIG")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        thread::sleep(Duration::from_millis(next() % 250));
        for child in children.iter_mut() {
            if child.try_wait().unwrap().is_none() {
                let _ = child.kill();
                killed += 1;
            }
        }
        for child in children {
            let out = child.wait_with_output().unwrap();
            // Only what a process said it did counts as done.
            if out.status.success() {
                let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                reported.push(v["ticket"]["key"].as_str().unwrap().to_string());
            }
        }
    }
    assert!(
        killed > 0 && !reported.is_empty(),
        "{engine}: {killed} killed, {} done: the kills must fall both before and after \
         some commits, or the test proved nothing",
        reported.len()
    );
    // The whole audit on both engines: the chain, every ticket row against its events and
    // versions; on a file also SQLite's integrity check and the queue counts.
    let verify = json(&hotro_on(db, "nguyenvanan", &["db", "verify", "--json"]));
    assert!(verify["first_broken"].is_null(), "{engine}: {verify}");
    assert_eq!(verify["problems"], 0, "{engine}: {verify}");
    if engine == "sqlite" {
        let report = json(&hotro_on(db, "nguyenvanan", &["db", "check", "--json"]));
        assert_eq!(report["integrity"], serde_json::json!(["ok"]));
        assert_eq!(report["version_mismatches"], 0);
        assert_eq!(report["count_mismatches"], 0);
    }
    for key in &reported {
        let shown = hotro_on(db, "nguyenvanan", &["ticket", "show", key, "--json"]);
        assert!(
            shown.status.success(),
            "{engine}: {key} was reported created but is missing"
        );
    }
    let total = verify["tickets"].as_i64().unwrap() as usize;
    assert!(total >= reported.len());
    eprintln!(
        "{engine}: crash rounds: {rounds}, processes killed: {killed}, reported done: {}, in the database: {total}",
        reported.len()
    );
}

/// The realistic mix (create, reply, assign, escalate, resolve) from 4 processes at once,
/// through `hotro bench writers` — the same code as the long run with `--procs 24`.
#[test]
fn four_processes_writing_a_realistic_mix_lose_nothing_and_never_see_locked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mix.db");
    assert!(
        hotro(&db, "nguyenvanan", &["init", "--test"])
            .status
            .success()
    );
    let out = hotro(
        &db,
        "nguyenvanan",
        &["bench", "writers", "--procs", "4", "--secs", "2", "--json"],
    );
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    assert!(r["commits"].as_u64().unwrap() > 50, "{r}");
    assert_eq!(r["acknowledged_missing"], 0, "{r}");
    assert_eq!(r["duplicate_keys"], 0, "{r}");
    assert_eq!(r["locked"], 0, "{r}");
    assert_eq!(r["integrity_ok"], true, "{r}");
    assert_eq!(r["version_mismatches"], 0, "{r}");
    assert_eq!(r["count_mismatches"], 0, "{r}");
    assert_eq!(r["broken_chain"], false, "{r}");
    assert_eq!(r["other_errors"].as_array().unwrap().len(), 0, "{r}");
    // Every acknowledged change is an event: at least as many events as commits.
    assert!(
        r["events"].as_u64().unwrap() >= r["commits"].as_u64().unwrap(),
        "{r}"
    );
}
