//! The e-mail channel's intake (issue 12) through the real binary, on real files: the
//! hand-written mails of `tests/data/mail/` (windows-1258 with combining tones, quoted-
//! printable, base64 with an RFC 2047 subject, HTML only, attachments one of which is named
//! `../../etc/passwd`, an out-of-office, an `X-Autoreply`, a bounce, a mailing list, a mail
//! without Message-ID, a reply carrying the ticket key, a reply found only through
//! References), a mail over the size limit made in a temporary directory, a Maildir fetched
//! twice, the per-sender rate limit, and intake killed with SIGKILL at random points.
//!
//! Each test runs on each engine (issue 17): a SQLite file, or a database on a throwaway
//! PostgreSQL cluster of its own; `bench mail` stays on the SQLite file.
#![allow(clippy::unwrap_used, clippy::disallowed_macros)]

mod common;

use common::desks::{Database, Engine, on_each_engine};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");
const CONFIG: &str = include_str!("../config/hotro.toml");
/// 10:30 in Hà Nội on Monday 30 November 2026: after every sample mail's date.
const NOW: &str = "2026-11-30T10:30:00+07:00";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/mail")
        .join(name)
}

/// One temporary directory and one database on the engine of the body running.
struct Desk {
    dir: tempfile::TempDir,
    db: Database,
}

impl Desk {
    fn new() -> Desk {
        Desk::with_config(None)
    }

    /// A test database under a configuration (the shipped one when `None`).
    fn with_config(config: Option<&str>) -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::new(dir.path());
        let desk = Desk { dir, db };
        if let Some(text) = config {
            std::fs::write(desk.path("hotro.toml"), text).unwrap();
        }
        let out = desk.run(None, &["init", "--test"]);
        assert!(out.status.success(), "{out:?}");
        desk
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, login: Option<&str>, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--db").arg(&self.db.target);
        if self.path("hotro.toml").exists() {
            c.arg("--config").arg(self.path("hotro.toml"));
        }
        if let Some(l) = login {
            c.args(["--as", l]);
        }
        c.args(["--lang", "en"])
            .args(args)
            .env("HOTRO_NOW", NOW)
            .env_remove("HOTRO_DB")
            .env_remove("HOTRO_AS")
            .env_remove("HOTRO_CONFIG")
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CACHE_HOME", self.path("cache"))
            .stdin(Stdio::null());
        c
    }

    fn run(&self, login: Option<&str>, args: &[&str]) -> Output {
        self.command(login, args).output().unwrap()
    }

    fn ok(&self, login: &str, args: &[&str]) -> String {
        let out = self.run(Some(login), args);
        assert!(
            out.status.success(),
            "hotro {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn json(&self, login: &str, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(login, &all)).unwrap()
    }

    /// `mail fetch --eml FILE…` as the intake operator: the outcome of each.
    fn fetch_eml(&self, files: &[PathBuf]) -> Vec<Value> {
        let mut args: Vec<String> = vec!["mail".into(), "fetch".into(), "--eml".into()];
        args.extend(files.iter().map(|f| f.display().to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.json("hotro-mail", &args).as_array().unwrap().clone()
    }

    fn show(&self, key: &str) -> Value {
        self.json("nguyenvanan", &["ticket", "show", key])
    }

    /// (tickets, events, mails recorded, attachments, blobs), read from the database.
    fn counts(&self) -> (i64, i64, i64, i64, i64) {
        (
            self.db.count("tickets"),
            self.db.count("events"),
            self.db.count("mail_messages"),
            self.db.count("attachments"),
            self.db.count("blobs"),
        )
    }
}

fn outcome(v: &Value) -> (&str, Option<&str>) {
    (v["outcome"].as_str().unwrap(), v["ticket"].as_str())
}

const FIRST_TEN: [&str; 10] = [
    "01-windows-1258.eml",
    "02-quoted-printable.eml",
    "03-base64-rfc2047.eml",
    "04-html-only.eml",
    "05-attachments.eml",
    "06-out-of-office.eml",
    "07-x-autoreply.eml",
    "08-bounce.eml",
    "09-list.eml",
    "10-no-message-id.eml",
];

#[test]
fn each_sample_mail_ends_where_it_should() {
    on_each_engine(|| {
        let desk = Desk::new();
        let files: Vec<PathBuf> = FIRST_TEN.iter().map(|f| data(f)).collect();
        let got = desk.fetch_eml(&files);
        let outcomes: Vec<(&str, Option<&str>)> = got.iter().map(outcome).collect();
        assert_eq!(
            outcomes,
            vec![
                ("created", Some("HT-2026-000001")),
                ("created", Some("HT-2026-000002")),
                ("created", Some("HT-2026-000003")),
                ("created", Some("HT-2026-000004")),
                ("created", Some("HT-2026-000005")),
                ("auto_reply", None),
                ("auto_reply", None),
                ("bounce", None),
                ("list", None),
                ("created", Some("HT-2026-000006")),
            ]
        );

        // windows-1258 with combining tone marks: stored composed (NFC).
        let t1 = desk.show("HT-2026-000001");
        let d1 = t1["ticket"]["description"].as_str().unwrap();
        assert!(
            d1.starts_with("Không đăng nhập được TABMIS từ sáng nay."),
            "{d1:?}"
        );
        assert!(
            d1.chars()
                .all(|c| !unicode_normalization::char::is_combining_mark(c))
        );
        assert_eq!(t1["ticket"]["channel"], "email");
        assert_eq!(t1["ticket"]["requester"]["name"], "Phạm Văn Hùng");
        assert_eq!(t1["ticket"]["requester"]["email"], "hung.pv@kbnn.example");
        assert_eq!(t1["mail"]["from"], "hung.pv@kbnn.example");
        assert_eq!(t1["mail"]["subject"], "Loi dang nhap TABMIS");
        // Received 08:05 local: the clocks start at the mail's arrival.
        assert_eq!(t1["ticket"]["created_at"], "2026-11-30T01:05:00Z");
        assert_eq!(t1["timeline"][0]["actor"], "hotro-mail");

        // Quoted-printable, from a known sender: name, unit and phone from [[mail.senders]].
        let t2 = desk.show("HT-2026-000002")["ticket"].clone();
        assert!(
            t2["description"]
                .as_str()
                .unwrap()
                .contains("Máy in tại phòng kế toán không in được chứng từ."),
            "{t2}"
        );
        assert_eq!(t2["requester"]["name"], "Phan Thị Thu");
        assert_eq!(t2["requester"]["unit"], "HN-BD");
        assert_eq!(t2["requester"]["phone"], "024 3000 0101");

        // Base64 body, RFC 2047 subject in Vietnamese.
        let t3 = desk.show("HT-2026-000003")["ticket"].clone();
        assert_eq!(t3["title"], "Lỗi lập bảng kê TCS-TT");
        assert_eq!(
            t3["description"],
            "Chương trình TCS-TT báo lỗi khi lập bảng kê, xin hỗ trợ gấp."
        );
        assert_eq!(t3["requester"]["unit"], "HCM-Q1");

        // HTML only: readable text, no tags, entities decoded.
        let t4 = desk.show("HT-2026-000004")["ticket"].clone();
        let d4 = t4["description"].as_str().unwrap();
        assert!(d4.contains("Xin chào"), "{d4:?}");
        assert!(
            d4.contains("Cổng thông tin không truy cập được từ 8 giờ."),
            "{d4:?}"
        );
        assert!(!d4.contains('<') && !d4.contains("&#"), "{d4:?}");
        assert_eq!(t4["title"], "Cổng thông tin không truy cập được");

        // Attachments: both kept, the hostile name made harmless.
        let t5 = desk.show("HT-2026-000005");
        let att = t5["attachments"].as_array().unwrap();
        assert_eq!(att.len(), 2, "{t5}");
        assert_eq!(att[0]["name"], "phiếu yêu cầu.pdf");
        assert_eq!(att[0]["media_type"], "application/pdf");
        assert_eq!(att[1]["name"], "passwd");
        assert_eq!(att[1]["n"], 2);
        let kinds: Vec<&str> = t5["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, vec!["created", "attached"]);
        let listed = desk.ok(
            "nguyenvanan",
            &["ticket", "attachment", "list", "HT-2026-000005"],
        );
        assert!(
            listed.contains("passwd") && listed.contains("phiếu yêu cầu.pdf"),
            "{listed}"
        );
        // Saved where the operator says, never where the mail said; never over a file.
        let target = desk.path("saved.txt");
        let t = target.display().to_string();
        desk.ok(
            "nguyenvanan",
            &["ticket", "attachment", "save", "HT-2026-000005", "2", &t],
        );
        assert_eq!(
            std::fs::read(&target).unwrap(),
            b"root:x:0:0:root:/root:/bin/bash\n"
        );
        let again = desk.run(
            Some("nguyenvanan"),
            &["ticket", "attachment", "save", "HT-2026-000005", "1", &t],
        );
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
        desk.ok(
            "nguyenvanan",
            &[
                "ticket",
                "attachment",
                "save",
                "HT-2026-000005",
                "1",
                &t,
                "--force",
            ],
        );
        assert!(std::fs::read(&target).unwrap().starts_with(b"%PDF"));
        let missing = desk.run(
            Some("nguyenvanan"),
            &[
                "ticket",
                "attachment",
                "save",
                "HT-2026-000005",
                "9",
                &t,
                "--force",
            ],
        );
        assert!(!missing.status.success());

        // Without Message-ID: known by its hash.
        assert!(got[9]["key"].as_str().unwrap().starts_with("sha256:"));
        assert_eq!(
            desk.show("HT-2026-000006")["ticket"]["title"],
            "Xin cấp hòm thư"
        );

        // The replies: ticket 1 waits for its requester; the reply with its key in the subject
        // ends the wait; the one found only through References lands on ticket 2.
        desk.ok(
            "nguyenvanan",
            &[
                "ticket",
                "status",
                "HT-2026-000001",
                "waiting_requester",
                "--reason",
                "hỏi thêm",
            ],
        );
        let replies = desk.fetch_eml(&[
            data("11-reply-key-in-subject.eml"),
            data("12-reply-by-references.eml"),
        ]);
        assert_eq!(outcome(&replies[0]), ("replied", Some("HT-2026-000001")));
        assert_eq!(outcome(&replies[1]), ("replied", Some("HT-2026-000002")));
        let t1 = desk.show("HT-2026-000001");
        assert_eq!(t1["ticket"]["status"], "in_progress");
        let last = t1["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["kind"], "requester_replied");
        assert_eq!(last["via"], "email");
        assert_eq!(last["from"], "hung.pv@kbnn.example");
        assert_eq!(last["status"], "in_progress");
        assert!(
            last["text"]
                .as_str()
                .unwrap()
                .contains("vẫn báo sai mật khẩu")
        );
        // Not a first response: only the desk's reply is.
        assert!(t1["ticket"]["first_response_at"].is_null());
        let t2 = desk.show("HT-2026-000002");
        assert_eq!(
            t2["timeline"].as_array().unwrap().last().unwrap()["kind"],
            "requester_replied"
        );
        assert_eq!(desk.counts().0, 6, "no new ticket for the replies");

        // The intake log names every mail; the audit chain holds.
        let log = desk.json("nguyenvanan", &["mail", "log"]);
        assert_eq!(log.as_array().unwrap().len(), 12);
        let verify = desk.run(Some("nguyenvanan"), &["db", "verify"]);
        assert!(verify.status.success(), "{verify:?}");
    });
}

#[test]
fn who_may_run_the_intake() {
    on_each_engine(|| {
        let desk = Desk::new();
        let file = data("02-quoted-printable.eml");
        let f = file.display().to_string();
        // A plain operator may not; an admin may, and is named beside the intake operator.
        let out = desk.run(Some("tranthibich"), &["mail", "fetch", "--eml", &f]);
        assert_eq!(out.status.code(), Some(5), "{out:?}");
        assert_eq!(desk.counts().2, 0);
        desk.ok("nguyenvanan", &["mail", "fetch", "--eml", &f]);
        let t = desk.show("HT-2026-000001");
        assert_eq!(t["timeline"][0]["actor"], "hotro-mail");
        assert_eq!(t["timeline"][0]["by"], "nguyenvanan");
    });
}

/// Copy every sample mail into a Maildir's `new/`.
fn maildir_of(root: &Path, names: &[&str]) -> PathBuf {
    let md = root.join("Maildir");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    for (i, n) in names.iter().enumerate() {
        std::fs::copy(
            data(n),
            md.join("new").join(format!("17646{i:05}.M{i}P1.host")),
        )
        .unwrap();
    }
    md
}

#[test]
fn a_maildir_fetched_twice_changes_nothing_the_second_time() {
    on_each_engine(|| {
        let desk = Desk::new();
        let mut names = FIRST_TEN.to_vec();
        names.extend(["11-reply-key-in-subject.eml", "12-reply-by-references.eml"]);
        let md = maildir_of(desk.dir.path(), &names);
        let m = md.display().to_string();
        desk.ok("hotro-mail", &["mail", "fetch", "--maildir", &m]);
        let first = desk.counts();
        assert_eq!(first.0, 6);
        assert_eq!(first.2, 12);
        assert_eq!(first.3, 2);
        // All moved to cur/ flagged seen.
        assert_eq!(std::fs::read_dir(md.join("new")).unwrap().count(), 0);
        let cur: Vec<String> = std::fs::read_dir(md.join("cur"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(cur.len(), 12);
        assert!(cur.iter().all(|n| n.ends_with(":2,S")), "{cur:?}");
        // Nothing left to take.
        let again = desk.json("hotro-mail", &["mail", "fetch", "--maildir", &m]);
        assert_eq!(again.as_array().unwrap().len(), 0);
        // The same mails put back as new (a crash after storing, before marking): known.
        for e in std::fs::read_dir(md.join("cur")).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().replace(":2,S", "");
            std::fs::rename(e.path(), md.join("new").join(name)).unwrap();
        }
        let again = desk.json("hotro-mail", &["mail", "fetch", "--maildir", &m]);
        let again = again.as_array().unwrap();
        assert_eq!(again.len(), 12);
        assert!(again.iter().all(|o| o["known"] == true));
        assert_eq!(desk.counts(), first);
        // And as .eml files.
        let files: Vec<PathBuf> = names.iter().map(|n| data(n)).collect();
        let again = desk.fetch_eml(&files);
        assert!(again.iter().all(|o| o["known"] == true));
        assert_eq!(desk.counts(), first);
    });
}

/// The shipped configuration with `[mail]` settings replaced.
fn config_with(max_size: &str, rate: u32) -> String {
    CONFIG
        .replace("max_size = \"20MB\"", &format!("max_size = \"{max_size}\""))
        .replace(
            "rate_limit_per_hour = 20",
            &format!("rate_limit_per_hour = {rate}"),
        )
}

#[test]
fn a_mail_over_the_limit_is_refused_whole() {
    on_each_engine(|| {
        // The acceptance's case: a 25 MB mail over the shipped 20 MB limit. Only its first
        // 256 KB are read (for the headers).
        let desk = Desk::new();
        let big = desk.path("big.eml");
        let mut text = String::from(
            "From: an@kbnn.example\r\nTo: hotro@kbnn.example\r\nSubject: Big\r\n\
         Message-ID: <big-1@kbnn.example>\r\nContent-Type: multipart/mixed; boundary=\"Q\"\r\n\r\n\
         --Q\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--Q\r\n\
         Content-Type: application/octet-stream; name=\"dump.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n",
        );
        let line =
            "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\n";
        while text.len() < 25 * 1024 * 1024 {
            text.push_str(line);
        }
        text.push_str("--Q--\r\n");
        std::fs::write(&big, &text).unwrap();
        let got = desk.fetch_eml(&[big.clone(), data("02-quoted-printable.eml")]);
        assert_eq!(outcome(&got[0]), ("too_large", None));
        assert_eq!(got[0]["key"], "mid:big-1@kbnn.example");
        assert_eq!(outcome(&got[1]).0, "created");
        let (tickets, _, mails, attachments, blobs) = desk.counts();
        assert_eq!((tickets, mails, attachments, blobs), (1, 2, 0, 0));
        let log = desk.ok("nguyenvanan", &["mail", "log"]);
        assert!(log.contains("refused: larger than the size limit"), "{log}");
    });
}

#[test]
fn a_sender_over_the_rate_limit_is_held() {
    on_each_engine(|| {
        let desk = Desk::with_config(Some(&config_with("20MB", 3)));
        let dir = desk.path("loop");
        std::fs::create_dir_all(&dir).unwrap();
        let files: Vec<PathBuf> = (0..5)
        .map(|i| {
            let p = dir.join(format!("{i}.eml"));
            std::fs::write(
                &p,
                format!(
                    "From: robot@elsewhere.example\r\nTo: hotro@kbnn.example\r\n\
                     Subject: Alert {i}\r\nMessage-ID: <loop-{i}@elsewhere.example>\r\n\r\nalert\r\n"
                ),
            )
            .unwrap();
            p
        })
        .collect();
        let got = desk.fetch_eml(&files);
        let o: Vec<&str> = got.iter().map(|v| outcome(v).0).collect();
        assert_eq!(
            o,
            vec![
                "created",
                "created",
                "created",
                "rate_limited",
                "rate_limited"
            ]
        );
        assert_eq!(desk.counts().0, 3);
        // Mail from the desk's own address is a loop.
        let own = dir.join("own.eml");
        std::fs::write(
            &own,
            "From: hotro@kbnn.example\r\nSubject: x\r\nMessage-ID: <own@kbnn.example>\r\n\r\nx\r\n",
        )
        .unwrap();
        assert_eq!(outcome(&desk.fetch_eml(&[own])[0]).0, "loop");
    });
}

/// `hotro mail fetch` killed with SIGKILL at random points over a Maildir of many mails,
/// then run to the end: every mail taken exactly once (no loss, no duplicate ticket).
#[test]
fn intake_killed_at_random_points_loses_and_duplicates_nothing() {
    on_each_engine(|| {
        let desk = Desk::new();
        let md = desk.path("Maildir");
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(md.join(sub)).unwrap();
        }
        let n = 300;
        for i in 0..n {
            // Distinct senders, so the rate limit does not hold any back.
            std::fs::write(
                md.join("new")
                    .join(format!("{:010}.M{i}P9.host", 1_764_000_000 + i)),
                format!(
                    "From: user{i}@kbnn.example\r\nTo: hotro@kbnn.example\r\n\
                 Subject: =?UTF-8?Q?Y=C3=AAu_c=E1=BA=A7u_{i}?=\r\n\
                 Message-ID: <kill-{i}@kbnn.example>\r\n\r\nNội dung {i}\r\n"
                ),
            )
            .unwrap();
        }
        let m = md.display().to_string();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut interrupted = 0;
        for _ in 0..20 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut child = desk
                .command(Some("hotro-mail"), &["mail", "fetch", "--maildir", &m])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(10 + seed % 120));
            // SIGKILL: no destructor, no rollback by the process itself.
            if child.try_wait().unwrap().is_none() {
                interrupted += 1;
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        assert!(interrupted > 0, "no run was killed mid-way");
        desk.ok("hotro-mail", &["mail", "fetch", "--maildir", &m]);
        let (tickets, events, mails, _, _) = desk.counts();
        assert_eq!(tickets, n as i64, "one ticket per mail");
        assert_eq!(mails, n as i64, "each mail recorded once");
        assert_eq!(events, n as i64, "one created event each");
        assert_eq!(std::fs::read_dir(md.join("new")).unwrap().count(), 0);
        let verify = desk.run(Some("nguyenvanan"), &["db", "verify"]);
        assert!(verify.status.success(), "{verify:?}");
    });
}

/// A Message-ID the desk sent about a ticket (what the outbox will record) threads the
/// answer to it back into the ticket, whatever its subject.
#[test]
fn an_answer_to_a_message_the_desk_sent_threads_back() {
    on_each_engine(|| {
        let desk = Desk::new();
        desk.fetch_eml(&[data("02-quoted-printable.eml")]);
        let mut store = desk.db.store();
        let at = chrono::DateTime::parse_from_rfc3339(NOW).unwrap().to_utc();
        store
            .record_outbound_message_id("HT-2026-000001", "out-1@hotro.kbnn.example", at)
            .unwrap();
        drop(store);
        let answer = desk.path("answer.eml");
        std::fs::write(
            &answer,
            "From: someone.else@kbnn.example\r\nSubject: thanks\r\n\
         Message-ID: <answer-1@kbnn.example>\r\nIn-Reply-To: <out-1@hotro.kbnn.example>\r\n\r\n\
         C\u{1ea3}m \u{1a1}n, \u{111}\u{e3} xong.\r\n",
        )
        .unwrap();
        let got = desk.fetch_eml(&[answer]);
        assert_eq!(outcome(&got[0]), ("replied", Some("HT-2026-000001")));
    });
}

/// SQLite only: `bench mail` measures the intake on a SQLite file of its own.
#[test]
fn the_intake_benchmark_runs() {
    let desk = Desk::new();
    let r = desk.json("hotro-mail", &["bench", "mail", "--count", "60"]);
    assert_eq!(r["mails"], 60);
    assert_eq!(
        r["created"].as_u64().unwrap()
            + r["replied"].as_u64().unwrap()
            + r["held"].as_u64().unwrap(),
        60
    );
    assert!(r["replied"].as_u64().unwrap() > 0, "{r}");
    assert!(r["mails_per_sec"].as_f64().unwrap() > 0.0);
}

/// Stored text is untrusted: escape sequences in a subject (RFC 2047-encoded, so the
/// header itself is clean) are kept in the database but never reach the terminal.
#[test]
fn hostile_text_from_mail_is_inert_on_the_terminal() {
    on_each_engine(|| {
        let desk = Desk::new();
        let evil = desk.path("evil.eml");
        // "\x1b]0;owned\x07\x1b[31mĐỏ" encoded as UTF-8 bytes in a B-word.
        std::fs::write(
            &evil,
            "From: x@kbnn.example\r\nSubject: =?UTF-8?B?G10wO293bmVkBxtbMzFtxJDhu48=?=\r\n\
         Message-ID: <evil@kbnn.example>\r\n\r\nbody \u{202e}txt.exe\r\n",
        )
        .unwrap();
        desk.fetch_eml(&[evil]);
        let shown = desk.ok("nguyenvanan", &["ticket", "show", "HT-2026-000001"]);
        assert!(shown.contains("Đỏ"), "{shown}");
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
            "{shown:?}"
        );
        assert!(!shown.contains('\u{202e}'), "{shown:?}");
        let log = desk.ok("nguyenvanan", &["mail", "log"]);
        assert!(!log.contains('\u{1b}'), "{log:?}");
    });
}

/// An operator's reply with a file: the reply and the file in one go, numbered after the
/// mail's; a missing .eml among others is said and the rest are taken.
#[test]
fn an_operator_attaches_a_file_to_a_reply() {
    on_each_engine(|| {
        let desk = Desk::new();
        let missing = desk.path("missing.eml");
        let out = desk.run(
            Some("hotro-mail"),
            &[
                "mail",
                "fetch",
                "--eml",
                &missing.display().to_string(),
                &data("05-attachments.eml").display().to_string(),
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert_eq!(desk.counts().0, 1);
        let form = desk.path("huong-dan.pdf");
        std::fs::write(&form, b"%PDF-1.4 guide").unwrap();
        let r = desk.json(
            "nguyenvanan",
            &[
                "ticket",
                "reply",
                "HT-2026-000001",
                "--text",
                "Gửi anh hướng dẫn.",
                "--attach",
                &form.display().to_string(),
            ],
        );
        let kinds: Vec<&str> = r["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, vec!["public_reply", "attached"]);
        let list = desk.json(
            "nguyenvanan",
            &["ticket", "attachment", "list", "HT-2026-000001"],
        );
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[2]["n"], 3);
        assert_eq!(list[2]["name"], "huong-dan.pdf");
        assert_eq!(list[2]["media_type"], "application/pdf");
        assert_eq!(list[2]["added_by"], "nguyenvanan");
        assert!(list[2]["mail"].is_null());
        // Someone outside the ticket's group may not attach to it.
        let out = desk.run(
            Some("doquangvinh"),
            &[
                "ticket",
                "attachment",
                "add",
                "HT-2026-000001",
                &form.display().to_string(),
            ],
        );
        assert_eq!(out.status.code(), Some(5), "{out:?}");
    });
}

/// The requester answering a resolved ticket opens it again (their answer stops the
/// auto-close); answering a closed one opens a new ticket.
#[test]
fn an_answer_to_a_resolved_ticket_opens_it_again() {
    on_each_engine(|| {
        let desk = Desk::new();
        desk.fetch_eml(&[data("01-windows-1258.eml")]);
        desk.ok(
            "nguyenvanan",
            &[
                "ticket",
                "resolve",
                "HT-2026-000001",
                "--resolution",
                "Đã cấp lại mật khẩu.",
            ],
        );
        assert_eq!(desk.show("HT-2026-000001")["ticket"]["status"], "resolved");
        let got = desk.fetch_eml(&[data("11-reply-key-in-subject.eml")]);
        assert_eq!(outcome(&got[0]), ("replied", Some("HT-2026-000001")));
        let t = desk.show("HT-2026-000001")["ticket"].clone();
        assert_eq!(t["status"], "in_progress");
        assert!(t["resolved_at"].is_null());
        // Closed: a new ticket, not a change to the closed one.
        desk.ok(
            "nguyenvanan",
            &[
                "ticket",
                "resolve",
                "HT-2026-000001",
                "--resolution",
                "Xong.",
            ],
        );
        desk.ok(
            "nguyenvanan",
            &["ticket", "confirm", "HT-2026-000001", "--via", "phone"],
        );
        let again = desk.path("again.eml");
        std::fs::write(
            &again,
            "From: hung.pv@kbnn.example\r\nSubject: Re: [HT-2026-000001] lai loi\r\n\
         Message-ID: <again@kbnn.example>\r\n\r\nL\u{1ea1}i l\u{1ed7}i.\r\n",
        )
        .unwrap();
        let got = desk.fetch_eml(&[again]);
        assert_eq!(outcome(&got[0]), ("created", Some("HT-2026-000002")));
        assert_eq!(desk.show("HT-2026-000001")["ticket"]["status"], "closed");
    });
}

/// VISCII (which the MIME library does not know) is decoded by hotro's own table.
#[test]
fn a_viscii_mail_reads_as_vietnamese() {
    on_each_engine(|| {
        let desk = Desk::new();
        let got = desk.fetch_eml(&[data("13-viscii.eml")]);
        assert_eq!(outcome(&got[0]).0, "created");
        let t = desk.show("HT-2026-000001")["ticket"].clone();
        assert_eq!(
            t["description"],
            "Không in được bảng kê chứng từ, máy báo lỗi."
        );
    });
}

/// RFC 2047 words in VISCII (Q and B, folded, in the subject and the sender's name), which
/// the MIME library reads as UTF-8, are decoded by hotro's own table: the ticket's title,
/// the mail's subject and the requester's name read as Vietnamese.
#[test]
fn viscii_encoded_words_in_subject_and_sender_read_as_vietnamese() {
    on_each_engine(|| {
        let desk = Desk::new();
        let got = desk.fetch_eml(&[data("14-viscii-rfc2047.eml")]);
        assert_eq!(outcome(&got[0]).0, "created", "{got:?}");
        let shown = desk.show("HT-2026-000001");
        assert_eq!(shown["ticket"]["title"], "Không in được bảng kê chứng từ");
        assert_eq!(shown["mail"]["subject"], "Không in được bảng kê chứng từ");
        assert_eq!(shown["mail"]["from_name"], "Lê Văn Nam");
        assert_eq!(shown["mail"]["from"], "nam.lv@kbnn.example");
        assert_eq!(shown["ticket"]["requester"]["name"], "Lê Văn Nam");
        assert!(
            !shown.to_string().contains('\u{fffd}'),
            "a letter was lost: {shown}"
        );
    });
}

/// A file changed outside hotro is found by `db verify`: the `attached` event (in the hash
/// chain) records each file's SHA-256 and name.
#[test]
fn verify_finds_an_attachment_changed_behind_hotros_back() {
    on_each_engine(|| {
        let desk = Desk::new();
        desk.fetch_eml(&[data("05-attachments.eml")]);
        let verify = desk.run(Some("nguyenvanan"), &["db", "verify"]);
        assert!(verify.status.success(), "{verify:?}");
        // One byte, written in each engine's own literal for binary data. On PostgreSQL a
        // blob's content must match its name (PG migration 5), so even the superuser's
        // plain UPDATE is refused; the forger drops that check first.
        let forge = "UPDATE blobs SET data = BYTE WHERE sha256 = \
             (SELECT sha256 FROM attachments WHERE ticket = 'HT-2026-000001' AND n = 2)";
        match desk.db.engine {
            Engine::Sqlite => desk.db.tamper(&forge.replace("BYTE", "X'00'")),
            Engine::Postgres => {
                let plain = desk
                    .db
                    .cluster
                    .as_ref()
                    .unwrap()
                    .superuser("hotro")
                    .batch_execute(&forge.replace("BYTE", "'\\x00'::bytea"));
                assert!(plain.is_err(), "a blob changed without dropping the check");
                desk.db.tamper(&format!(
                    "ALTER TABLE blobs DROP CONSTRAINT blobs_named_by_content; {}",
                    forge.replace("BYTE", "'\\x00'::bytea")
                ));
            }
        }
        let verify = desk.run(Some("nguyenvanan"), &["db", "verify"]);
        assert!(!verify.status.success(), "{verify:?}");
        let said = String::from_utf8_lossy(&verify.stdout).into_owned()
            + &String::from_utf8_lossy(&verify.stderr);
        assert!(said.contains("attachment 2"), "{said}");
    });
}
