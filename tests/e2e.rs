//! The real binary in a pseudo-terminal: keys typed, the screen read back through a VT100
//! emulator, results checked with the CLI.
#![allow(clippy::unwrap_used)]

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");

/// How long to wait for something to show up. Generous: machines are shared and noisy;
/// this is a bound on waiting, not a performance assertion.
const PATIENCE: Duration = Duration::from_secs(20);

struct Console {
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the console wrote, to check what reached the terminal itself.
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Console {
    fn start(db: &Path, login: &str) -> Console {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows: 40,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(BIN);
        for a in [
            "--db",
            &db.display().to_string(),
            "--as",
            login,
            "--lang",
            "en",
        ] {
            cmd.arg(a);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        cmd.env_remove("HOTRO_DB");
        cmd.env_remove("HOTRO_AS");
        cmd.env_remove("HOTRO_CONFIG");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(40, 120, 0)));
        let feed = Arc::clone(&parser);
        let raw = Arc::new(Mutex::new(Vec::new()));
        let raw_feed = Arc::clone(&raw);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                raw_feed.lock().unwrap().extend_from_slice(&buf[..n]);
                feed.lock().unwrap().process(&buf[..n]);
            }
        });
        // Keep the master open for the life of the console.
        std::mem::forget(pair.master);
        Console {
            parser,
            raw,
            writer,
            child,
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            if start.elapsed() > PATIENCE {
                panic!("`{text}` did not appear; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Let the console read and draw before the next key (Esc needs a pause to be Esc).
        std::thread::sleep(Duration::from_millis(120));
    }

    fn quit(mut self) {
        self.send("\x1b");
        self.send("q");
        let start = Instant::now();
        while start.elapsed() < PATIENCE {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "console exited with {status:?}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("console did not quit");
    }
}

fn hotro(db: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args([
            "--db",
            &db.display().to_string(),
            "--lang",
            "en",
            "--as",
            "nguyenvanan",
        ])
        .args(args)
        .env_remove("HOTRO_DB")
        .env_remove("HOTRO_AS")
        .env_remove("HOTRO_CONFIG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fresh_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hotro.db");
    let (code, _, err) = hotro(&db, &["init", "--test"]);
    assert_eq!(code, 0, "{err}");
    (dir, db)
}

#[test]
fn create_classify_and_escalate_by_keys() {
    let (_dir, db) = fresh_db();
    let mut c = Console::start(&db, "nguyenvanan");
    c.wait_for("My tickets");
    // New ticket, Vietnamese text typed key by key.
    c.send("n");
    c.wait_for("New ticket");
    c.send("Không in được giấy nộp tiền");
    c.send("\t");
    c.send("Máy in báo lỗi hàng đợi in tại quầy.");
    c.send("\x13"); // Ctrl-S
    c.wait_for("Created ticket HT-");
    let key = format!(
        "HT-{}-000001",
        hotro::domain::key::key_year(chrono::Utc::now(), chrono_tz::Asia::Ho_Chi_Minh)
    );
    c.send("8"); // all open
    c.wait_for(&key);
    // Classify: impact high, urgency high.
    c.send("c");
    c.wait_for("Classify 1 ticket");
    c.send("\x1b[B\x1b[B\x1b[B"); // down to impact
    c.send("high");
    c.send("\x1b[B");
    c.send("high");
    c.wait_for("Priority: P1");
    c.send("\r");
    c.wait_for("Saved");
    // Escalate to the next tier with a reason, confirmed.
    c.send("\r");
    c.wait_for("Timeline");
    c.send("e");
    c.wait_for("Escalate to");
    c.send("\r");
    c.send("Cần phòng chức năng kiểm tra");
    c.send("\x13");
    c.wait_for("Please confirm");
    c.send("y");
    c.wait_for("escalated from tier 3 to tier 4");
    c.quit();

    let (code, out, err) = hotro(&db, &["ticket", "show", &key, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ticket"]["title"], "Không in được giấy nộp tiền");
    assert_eq!(v["ticket"]["priority"], "P1");
    assert_eq!(v["ticket"]["tier"], 4);
    let last = v["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "escalated");
    assert_eq!(last["reason"], "Cần phòng chức năng kiểm tra");
}

#[test]
fn another_process_ticket_appears_without_a_key() {
    let (_dir, db) = fresh_db();
    let c = Console::start(&db, "nguyenvanan");
    c.wait_for("Unassigned: Service Desk");
    let mut c = c;
    c.send("2");
    let (code, out, err) = hotro(
        &db,
        &[
            "ticket",
            "new",
            "--title",
            "Mất kết nối VPN từ huyện",
            "--as",
            "tranthibich",
        ],
    );
    assert_eq!(code, 0, "{err}{out}");
    // Picked up by the data_version poll (every second) with no key pressed.
    let screen = c.wait_for("Mất kết nối VPN");
    assert!(screen.contains("Unassigned: Service Desk"));
    c.quit();
}

#[test]
fn hostile_description_shows_none_of_its_controls() {
    let (_dir, db) = fresh_db();
    let evil = "Xem \u{1b}]52;c;ZXZpbA==\u{7}đây\u{1b}[2J ngay \u{202e}gnp.exe";
    let (code, _, err) = hotro(
        &db,
        &[
            "ticket",
            "new",
            "--title",
            "Phiếu lạ",
            "--description",
            evil,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let mut c = Console::start(&db, "nguyenvanan");
    c.send("8");
    c.wait_for("Phiếu lạ");
    c.send("\r");
    let screen = c.wait_for("Xem đây ngay gnp.exe");
    assert!(!screen.contains('\u{202e}'));
    // Nothing of the hostile text reached the terminal as control: no OSC 52 clipboard
    // write and no bidi override.
    let raw = String::from_utf8_lossy(&c.raw.lock().unwrap()).into_owned();
    assert!(!raw.contains("]52;"), "OSC 52 reached the terminal");
    assert!(
        !raw.contains('\u{202e}'),
        "bidi override reached the terminal"
    );
    assert!(
        !raw.contains("ZXZpbA=="),
        "the clipboard payload reached the terminal"
    );
    assert!(screen.contains("Timeline"));
    c.quit();
}

#[test]
fn a_conflict_on_save_keeps_the_typed_text() {
    let (_dir, db) = fresh_db();
    let (code, _, err) = hotro(
        &db,
        &["ticket", "new", "--title", "Không nhận được lệnh TTLKB"],
    );
    assert_eq!(code, 0, "{err}");
    let key = format!(
        "HT-{}-000001",
        hotro::domain::key::key_year(chrono::Utc::now(), chrono_tz::Asia::Ho_Chi_Minh)
    );
    let mut c = Console::start(&db, "nguyenvanan");
    c.send("8");
    c.wait_for(&key);
    c.send("r");
    c.wait_for("Reply to the requester");
    c.send("Đang kiểm tra tiến trình nhận lệnh");
    // Another operator changes the ticket before this one saves.
    let (code, _, err) = hotro(&db, &["ticket", "assign", &key, "--to", "tranthibich"]);
    assert_eq!(code, 0, "{err}");
    c.send("\x13");
    c.wait_for("Changed meanwhile");
    c.wait_for("assigned to tranthibich"); // who changed what
    c.send("e");
    c.wait_for("Đang kiểm tra tiến trình nhận lệnh");
    c.send("\x13");
    c.wait_for("Saved");
    c.quit();
    let (_, out, _) = hotro(&db, &["ticket", "show", &key, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ticket"]["assignee"], "tranthibich");
    let last = v["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "public_reply");
    assert_eq!(last["text"], "Đang kiểm tra tiến trình nhận lệnh");
}

#[test]
fn an_article_imported_by_another_process_appears_in_a_running_search() {
    let (dir, db) = fresh_db();
    let mut c = Console::start(&db, "nguyenvanan");
    c.wait_for("My tickets");
    c.send("K");
    c.wait_for("Knowledge");
    c.send("zyxwv");
    c.wait_for("Nothing found");
    let file = dir.path().join("new.jsonl");
    std::fs::write(
        &file,
        "{\"ref\":\"KB-NEW1\",\"lang\":\"vi\",\"title\":\"Lỗi zyxwv khi ký số\",\"symptom\":\"Ký số báo lỗi zyxwv.\",\"resolution\":\"Cài lại công cụ ký số.\"}\n",
    )
    .unwrap();
    let (code, _, err) = hotro(&db, &["kb", "import", &file.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    // No key pressed: the console notices the commit and searches again.
    c.wait_for("KB-NEW1");
    c.quit();
}

#[test]
fn a_system_marked_down_in_the_console_opens_an_incident_the_cli_lists() {
    let (_dir, db) = fresh_db();
    let mut c = Console::start(&db, "nguyenvanan");
    c.wait_for("Queues");
    c.send("M");
    c.wait_for("Morning check");
    // TABMIS is the first system: down, and the console says whom to call.
    c.send("d");
    let screen = c.wait_for("Call now:");
    assert!(screen.contains("0912 000 302"), "{screen}");
    c.send("i");
    let screen = c.wait_for("Opened incident");
    assert!(screen.contains("HT-"), "{screen}");
    c.quit();

    let (code, out, err) = hotro(&db, &["ticket", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    let incident = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"] == "[Morning check] TABMIS: Down")
        .unwrap_or_else(|| panic!("no incident in {out}"));
    assert_eq!(incident["group"], "tabmis");
    assert_eq!(incident["priority"], "P1");
    let key = incident["key"].as_str().unwrap().to_string();
    let (code, out, err) = hotro(&db, &["check", "show", "--json"]);
    assert_eq!(code, 0, "{err}");
    let day: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tabmis = day["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["system"] == "TABMIS")
        .unwrap();
    assert_eq!(tabmis["entry"]["result"], "down");
    assert_eq!(tabmis["entry"]["incident"], key.as_str());
}

/// While another process holds the write lock (a long import), saving does not freeze the
/// screen without a word: a notice says the console is waiting, keys pressed meanwhile are
/// kept, and the ticket is created as soon as the lock frees (issue 18).
#[test]
fn a_write_waiting_for_another_process_says_so_and_goes_through() {
    let (_dir, db) = fresh_db();
    let mut c = Console::start(&db, "nguyenvanan");
    c.wait_for("My tickets");
    c.send("n");
    c.wait_for("New ticket");
    c.send("Chờ tiến trình khác ghi xong");
    // Another process takes the write lock and keeps it for 3 s.
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder_db = db.clone();
    let holder = std::thread::spawn(move || {
        let conn = rusqlite::Connection::open(&holder_db).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        locked_tx.send(()).unwrap();
        std::thread::sleep(Duration::from_secs(3));
        conn.execute_batch("COMMIT").unwrap();
    });
    locked_rx.recv().unwrap();
    c.send("\x13"); // Ctrl-S
    c.wait_for("Waiting for the database");
    c.send("8"); // typed while waiting: handled once the write is done
    holder.join().unwrap();
    let key = format!(
        "HT-{}-000001",
        hotro::domain::key::key_year(chrono::Utc::now(), chrono_tz::Asia::Ho_Chi_Minh)
    );
    let screen = c.wait_for(&key);
    assert!(
        screen.contains("All open (1)"),
        "the kept key 8 opened All open: {screen}"
    );
    assert!(!screen.contains("Waiting for the database"), "{screen}");
    c.quit();
    let (code, out, err) = hotro(&db, &["ticket", "show", &key, "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Chờ tiến trình khác ghi xong"), "{out}");
}
