//! The foundation through the real binary and real files: configuration errors that say where,
//! databases that are refused and left alone, every ticket command, and --expect-version.
//! What is not the SQLite file's own runs on each engine (issue 17): a SQLite file, or a
//! database on a throwaway PostgreSQL cluster.
#![allow(clippy::unwrap_used)]

mod common;

use common::desks::{Database, Engine, on_each_engine};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");
const CONFIG: &str = include_str!("../config/hotro.toml");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["--lang", "en"])
        .args(args)
        .env_remove("HOTRO_DB")
        .env_remove("HOTRO_AS")
        .env_remove("HOTRO_CONFIG")
        .output()
        .unwrap()
}

fn on(db: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--db", db.to_str().unwrap(), "--as", "nguyenvanan"];
    all.extend_from_slice(args);
    run(&all)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in config"));
    text[..at].matches('\n').count() + 1
}

#[test]
fn broken_configurations_say_file_line_key_and_what_is_expected() {
    let dir = tempfile::tempdir().unwrap();
    // (name, edit of the shipped file, text that must be changed, key named, words expected)
    let cases: Vec<(&str, String, &str, &str, &str)> = vec![
        (
            "syntax",
            CONFIG.replace(
                "intake_group = \"service-desk\"",
                "intake_group = \"service-desk",
            ),
            "intake_group = \"service-desk",
            "",
            "not valid TOML",
        ),
        (
            "unknown key",
            CONFIG.replace(
                "default_urgency = \"medium\"",
                "default_urgency = \"medium\"\ncolour = \"blue\"",
            ),
            "colour",
            "organisation",
            "unknown field `colour`",
        ),
        (
            "wrong type",
            CONFIG.replacen("level = 3", "level = \"three\"", 1),
            "level = \"three\"",
            "tiers[2].level",
            "invalid type",
        ),
        (
            "time zone",
            CONFIG.replace("Asia/Ho_Chi_Minh", "Asia/Hanoi_City"),
            "Asia/Hanoi_City",
            "organisation.time_zone",
            "IANA",
        ),
        (
            "key format",
            CONFIG.replace("HT-{year}-{seq:06}", "HT-{seq:06}"),
            "HT-{seq:06}",
            "organisation.ticket_key_format",
            "{year}",
        ),
        (
            "group tier",
            CONFIG.replacen(
                "tier = 2\nname = { vi = \"Phòng tin học tỉnh\"",
                "tier = 7\nname = { vi = \"Phòng tin học tỉnh\"",
                1,
            ),
            "tier = 7",
            "groups.tier",
            "not defined",
        ),
        (
            "operator group",
            CONFIG.replacen(
                "group = \"payments\"\nroles",
                "group = \"treasury\"\nroles",
                1,
            ),
            "\"treasury\"",
            "operators.group",
            "known groups",
        ),
        (
            "matrix rows",
            CONFIG.replace("  [\"P3\", \"P4\", \"P4\"],\n", ""),
            "matrix = [",
            "priority.matrix",
            "one row per impact",
        ),
        (
            "matrix value",
            CONFIG.replace("[\"P3\", \"P4\", \"P4\"]", "[\"P3\", \"P9\", \"P4\"]"),
            "\"P9\"",
            "priority.matrix",
            "unknown priority `P9`",
        ),
        (
            "duplicate group",
            CONFIG.replacen("id = \"tabmis\"", "id = \"service-desk\"", 1),
            "id = \"service-desk\"\ntier = 3\nname = { vi = \"Nhóm TABMIS\"",
            "groups.id",
            "defined twice",
        ),
        (
            "role",
            CONFIG.replace(
                "roles = [\"operator\", \"shift\"]",
                "roles = [\"operator\", \"boss\"]",
            ),
            "\"boss\"",
            "operators.roles",
            "unknown role `boss`",
        ),
        (
            "intake group",
            CONFIG.replace(
                "intake_group = \"service-desk\"",
                "intake_group = \"front-desk\"",
            ),
            "front-desk",
            "organisation.intake_group",
            "not defined",
        ),
    ];
    for (name, text, needle, key, expected) in cases {
        assert_ne!(text, CONFIG, "{name}: the edit did not apply");
        let file = dir.path().join(format!("{}.toml", name.replace(' ', "-")));
        std::fs::write(&file, &text).unwrap();
        let out = run(&["--config", file.to_str().unwrap(), "ticket", "list"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.contains(file.to_str().unwrap()),
            "{name}: names the file: {err}"
        );
        let line = line_of(&text, needle);
        assert!(
            err.contains(&format!("line {line}")),
            "{name}: line {line}: {err}"
        );
        if !key.is_empty() {
            assert!(err.contains(key), "{name}: key {key}: {err}");
        }
        assert!(err.contains(expected), "{name}: says {expected:?}: {err}");
        // The library says the same thing.
        let lib =
            hotro::config::parse(&text, hotro::config::Source::File(file.clone())).unwrap_err();
        assert!(
            lib.to_string().contains(&format!("line {line}")),
            "{name}: {lib}"
        );
    }
    let missing = run(&["--config", "/nonexistent/hotro.toml", "ticket", "list"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("/nonexistent/hotro.toml"),
        "{}",
        stderr(&missing)
    );
    // And a good copy passes `config check`.
    let good = dir.path().join("good.toml");
    std::fs::write(&good, CONFIG).unwrap();
    let ok = run(&["config", "check", good.to_str().unwrap()]);
    assert!(ok.status.success(), "{}", stderr(&ok));
}

fn fresh() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    (dir, db)
}

/// A fresh test database (`hotro init --test`) on the SQLite file: a sandbox, where `--as`
/// is anyone's to use. On a live database only an admin's OS account may act as another
/// operator.
fn sandbox() -> (tempfile::TempDir, PathBuf) {
    let (dir, db) = fresh();
    let out = on(&db, &["init", "--test"]);
    assert!(out.status.success(), "{}", stderr(&out));
    (dir, db)
}

/// A fresh test database on the engine of the body running ([`on_each_engine`]), and the
/// folder the binary keeps its caches in. Dropped in field order: the database (its
/// cluster), then the folder.
struct Sandbox {
    db: Database,
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// `hotro init --test` on a new database. On PostgreSQL with the `amcheck` extension,
    /// so that `db check` checks the indexes too (without it the check says it is incomplete
    /// and fails: tests/postgres.rs).
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::new(dir.path());
        let s = Sandbox { db, dir };
        let out = s.on(&["init", "--test"]);
        assert!(out.status.success(), "{}", stderr(&out));
        if s.db.engine == Engine::Postgres {
            s.db.execute("CREATE EXTENSION amcheck");
        }
        s
    }

    /// What `--db` names.
    fn target(&self) -> &str {
        &self.db.target
    }

    /// The binary as [`run`] starts it, its cache folder (a PostgreSQL database's search
    /// index) inside the test's folder.
    fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env_remove("HOTRO_DB")
            .env_remove("HOTRO_AS")
            .env_remove("HOTRO_CONFIG")
            .env("XDG_CACHE_HOME", self.dir.path().join("xdg-cache"));
        c
    }

    /// [`run`] with the caches in the test's folder.
    fn run(&self, args: &[&str]) -> Output {
        self.command()
            .args(["--lang", "en"])
            .args(args)
            .output()
            .unwrap()
    }

    /// [`on`] this database.
    fn on(&self, args: &[&str]) -> Output {
        let mut all = vec!["--db", self.target(), "--as", "nguyenvanan"];
        all.extend_from_slice(args);
        self.run(&all)
    }
}

#[test]
// SQLite only: the file itself (its `user_version`, its journal mode, its bytes untouched).
fn migrations_on_an_empty_file_and_a_newer_schema_is_refused_untouched() {
    let (_dir, db) = fresh();
    std::fs::write(&db, b"").unwrap();
    let out = on(&db, &["init", "--test"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, hotro::store::SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch(&format!(
        "PRAGMA user_version = {}",
        hotro::store::SCHEMA_VERSION + 1
    ))
    .unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    drop(conn);
    let before = std::fs::read(&db).unwrap();
    let out = on(&db, &["ticket", "new", "--title", "x"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("newer hotro") && err.contains("untouched"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the file is exactly as it was"
    );
}

#[test]
// SQLite only: files that are not databases, a read-only file.
fn files_that_are_not_usable_databases_get_clear_errors() {
    let (dir, db) = fresh();
    std::fs::write(
        &db,
        "Đây không phải cơ sở dữ liệu, chỉ là một tệp văn bản dài hơn một trang.".repeat(100),
    )
    .unwrap();
    let before = std::fs::read(&db).unwrap();
    let out = on(&db, &["ticket", "list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a hotro database"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);

    let ro = dir.path().join("ro.db");
    assert!(on(&ro, &["init", "--test"]).status.success());
    let mut perms = std::fs::metadata(&ro).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&ro, perms).unwrap();
    let out = on(&ro, &["ticket", "new", "--title", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("read-only") && stderr(&out).contains("chmod"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_ticket_command_and_its_json() {
    on_each_engine(|| {
        let desk = Sandbox::new();
        let new = json(&desk.on(&[
            "ticket",
            "new",
            "--title",
            "Không in được giấy nộp tiền",
            "--description",
            "Máy in kim báo lỗi",
            "--app",
            "TCS-TT",
            "--unit",
            "HN",
            "--requester",
            "Trần Văn Ba",
            "--phone",
            "0912 000 111",
            "--channel",
            "email",
            "--json",
        ]));
        let key = new["ticket"]["key"].as_str().unwrap().to_string();
        assert!(key.starts_with("HT-") && key.ends_with("-000001"), "{key}");
        assert_eq!(new["ticket"]["application"], "TCS-TT");
        let step = |args: &[&str]| json(&desk.on(&[args, &["--json"]].concat()));
        assert_eq!(
            step(&["ticket", "assign", &key])["ticket"]["assignee"],
            "nguyenvanan"
        );
        assert_eq!(
            step(&["ticket", "note", &key, "--text", "gọi lại sau"])["event"]["kind"],
            "internal_note"
        );
        let replied = step(&["ticket", "reply", &key, "--text", "Đang kiểm tra"]);
        assert!(replied["ticket"]["first_response_at"].is_string());
        let classified = step(&[
            "ticket",
            "classify",
            &key,
            "--impact",
            "high",
            "--urgency",
            "high",
            "--category",
            "user-error",
        ]);
        assert_eq!(classified["ticket"]["priority"], "P1");
        assert_eq!(
            step(&["ticket", "status", &key, "waiting_requester"])["ticket"]["status"],
            "waiting_requester"
        );
        let up = step(&[
            "ticket",
            "escalate",
            &key,
            "--reason",
            "cần nhóm thanh toán",
        ]);
        assert_eq!(up["ticket"]["tier"], 4);
        let following =
            json(&desk.on(&["ticket", "list", "--following", "service-desk", "--json"]));
        assert_eq!(following[0]["key"], key.as_str());
        // Tier 4 (app-development) works it now: one of its operators returns it.
        let back = json(&desk.run(&[
            "--db",
            desk.target(),
            "--as",
            "ngothuha",
            "ticket",
            "return",
            &key,
            "--reason",
            "đã có kết quả",
            "--json",
        ]));
        assert_eq!(back["ticket"]["tier"], 3);
        let other =
            json(&desk.on(&["ticket", "new", "--title", "Trùng", "--json"]))["ticket"]["key"]
                .as_str()
                .unwrap()
                .to_string();
        assert_eq!(
            step(&["ticket", "link", &other, "--duplicate-of", &key])["ticket"]["duplicate_of"],
            key.as_str()
        );
        assert_eq!(
            step(&["ticket", "resolve", &key, "--resolution", "Cài lại driver"])["ticket"]["status"],
            "resolved"
        );
        assert_eq!(
            step(&[
                "ticket",
                "confirm",
                &key,
                "--via",
                "phone",
                "--by",
                "Chị Lan"
            ])["ticket"]["status"],
            "closed"
        );
        assert_eq!(
            step(&["ticket", "reopen", &key, "--reason", "lỗi lại"])["ticket"]["status"],
            "in_progress"
        );
        let shown = json(&desk.on(&["ticket", "show", &key, "--json"]));
        let kinds: Vec<&str> = shown["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "created",
                "assigned",
                "internal_note",
                "public_reply",
                "classified",
                "status_changed",
                "escalated",
                "returned",
                "resolved",
                "requester_confirmed",
                "reopened"
            ]
        );
        assert_eq!(shown["ticket"]["version"], kinds.len());
        // Refusals name what is wrong.
        let bad = desk.on(&["ticket", "status", &key, "new"]);
        assert_eq!(bad.status.code(), Some(1));
        assert!(
            stderr(&bad).contains("in progress") && stderr(&bad).contains("new"),
            "{}",
            stderr(&bad)
        );
        let bad = desk.on(&["ticket", "link", &key, "--child-of", &key]);
        assert!(stderr(&bad).contains("itself"), "{}", stderr(&bad));
        let bad = desk.on(&["ticket", "show", "HT-2026-999999"]);
        assert!(
            stderr(&bad).contains("no ticket HT-2026-999999"),
            "{}",
            stderr(&bad)
        );
        let text = desk.on(&["ticket", "show", &key]);
        assert!(String::from_utf8_lossy(&text.stdout).contains("Timeline"));
        let check = json(&desk.on(&["db", "check", "--json"]));
        assert_eq!(check["integrity"], serde_json::json!(["ok"]));
        assert_eq!(check["version_mismatches"], 0);
        // A 2 MiB description is refused and nothing is created.
        let big = "x".repeat(2 * 1024 * 1024);
        let file = desk.dir.path().join("big.txt");
        std::fs::write(&file, &big).unwrap();
        let out = desk.on(&[
            "ticket",
            "new",
            "--title",
            "big",
            "--description-file",
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("too long"), "{}", stderr(&out));
        assert_eq!(json(&desk.on(&["db", "check", "--json"]))["tickets"], 2);
    });
}

#[test]
fn expect_version_conflict_exits_3_says_who_and_changes_nothing() {
    on_each_engine(|| {
        let desk = Sandbox::new();
        let key = json(&desk.on(&["ticket", "new", "--title", "Lỗi đối chiếu", "--json"],
    ))["ticket"]["key"]
        .as_str()
        .unwrap()
        .to_string();
        let taken = desk.run(&[
            "--db",
            desk.target(),
            "--as",
            "tranthibich",
            "ticket",
            "assign",
            &key,
        ]);
        assert!(taken.status.success());
        let before = json(&desk.on(&["ticket", "show", &key, "--json"]));
        let out = desk.on(&[
            "ticket",
            "resolve",
            &key,
            "--resolution",
            "xong",
            "--expect-version",
            "1",
        ]);
        assert_eq!(out.status.code(), Some(3));
        let err = stderr(&out);
        assert!(
            err.contains(&key) && err.contains("tranthibich") && err.contains("assigned"),
            "{err}"
        );
        assert!(err.contains("Nothing was changed"), "{err}");
        let after = json(&desk.on(&["ticket", "show", &key, "--json"]));
        assert_eq!(before, after);
        let ok = desk.on(&[
            "ticket",
            "resolve",
            &key,
            "--resolution",
            "xong",
            "--expect-version",
            "2",
        ]);
        assert!(ok.status.success(), "{}", stderr(&ok));
    });
}

#[test]
fn demo_data_fills_and_checks_clean() {
    on_each_engine(|| {
        let desk = Sandbox::new();
        let out = desk.on(&[
            "demo",
            "--tickets",
            "300",
            "--articles",
            "20",
            "--seed",
            "7",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let report = json(&desk.on(&["db", "check", "--json"]));
        assert_eq!(report["tickets"], 300);
        assert_eq!(report["articles"], 20);
        assert_eq!(report["version_mismatches"], 0);
        assert_eq!(report["count_mismatches"], 0);
        let statuses: Vec<&str> = report["by_status"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["status"].as_str().unwrap())
            .collect();
        assert!(statuses.len() >= 7, "{statuses:?}");
        let vi = desk
            .command()
            .args(["--lang", "vi", "--db", desk.target(), "db", "check"])
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&vi.stdout).contains("Cơ sở dữ liệu không có lỗi"));
    });
}

#[test]
// SQLite only: the file's one writer lock (`BEGIN IMMEDIATE`) and its busy timeout.
fn a_database_locked_by_another_writer_gives_a_clear_error_and_loses_nothing() {
    let (_dir, db) = sandbox();
    assert!(
        on(&db, &["ticket", "new", "--title", "trước khi khóa"])
            .status
            .success()
    );
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    // The writer waits for the busy timeout (5 s), then gives up with a clear message.
    let out = on(&db, &["ticket", "new", "--title", "trong khi khóa"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("locked by another process") && err.contains("try again"),
        "{err}"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert!(
        on(&db, &["ticket", "new", "--title", "sau khi mở"])
            .status
            .success()
    );
    assert_eq!(json(&on(&db, &["db", "check", "--json"]))["tickets"], 2);
}

#[test]
fn db_verify_reports_the_first_event_changed_behind_hotros_back() {
    on_each_engine(|| {
        let desk = Sandbox::new();
        let key = json(&desk.on(&["ticket", "new", "--title", "Phiếu kiểm toán", "--json"],
    ))["ticket"]["key"]
        .as_str()
        .unwrap()
        .to_string();
        assert!(
            desk.on(&["ticket", "reply", &key, "--text", "Đã xử lý xong"])
                .status
                .success()
        );
        let ok = json(&desk.on(&["db", "verify", "--json"]));
        assert_eq!(ok["events"], 2);
        assert!(ok["first_broken"].is_null());
        desk.db
            .tamper("UPDATE events SET actor = 'someone-else' WHERE version = 2");
        let out = desk.on(&["db", "verify"]);
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("BROKEN") && text.contains(&key) && text.contains("version 2"),
            "{text}"
        );
    });
}
