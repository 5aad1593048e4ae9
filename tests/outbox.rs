//! The outgoing half of the e-mail channel (issue 12, deliver 5) against a real SMTP server:
//! Python's `aiosmtpd`, started by the test on a loopback port and storing what it accepts
//! in a Maildir (`.ci/run` installs it from PyPI). A reply to a mail-born ticket is queued
//! with the reply, `hotro mail send` delivers it with the key in the subject and the
//! threading headers, never twice; the requester's answer to it threads back; a server out
//! of reach leaves the mail pending with the error and a later pass sends it.
//!
//! Each test runs on each engine (issue 17): a SQLite file, or a database on a throwaway
//! PostgreSQL cluster of its own.
#![allow(clippy::unwrap_used)]
#![allow(clippy::disallowed_macros)] // the kill test reports its counts

mod common;

use common::desks::{Database, on_each_engine};
use serde_json::Value;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");
const CONFIG: &str = include_str!("../config/hotro.toml");

/// An `aiosmtpd` server on a free loopback port, its mail in a Maildir; stopped on drop.
struct Smtp {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl Smtp {
    fn start(dir: &Path) -> Smtp {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::fs::create_dir_all(dir).unwrap();
        let maildir = dir.join("received");
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 to run (aiosmtpd: `pip install aiosmtpd`, as .ci/run does)");
        let mut smtp = Smtp {
            child,
            port,
            maildir,
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = smtp.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = smtp.child.stderr.take() {
                    e.read_to_string(&mut err).unwrap();
                }
                panic!("aiosmtpd exited ({status}): {err} — `pip install aiosmtpd`");
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        smtp
    }

    /// The raw mails received, oldest first.
    fn received(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = ["new", "cur"]
            .iter()
            .filter_map(|d| std::fs::read_dir(self.maildir.join(d)).ok())
            .flatten()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort_by_key(|f| std::fs::metadata(f).unwrap().modified().unwrap());
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One temporary directory (its `hotro.toml`) and one database on the engine of the body
/// running.
struct Desk {
    dir: tempfile::TempDir,
    db: Database,
}

impl Desk {
    fn new(smtp_port: u16) -> Desk {
        Desk::with(CONFIG, smtp_port)
    }

    fn with(base: &str, smtp_port: u16) -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let config = format!("{base}\n[mail.smtp]\nurl = \"smtp://127.0.0.1:{smtp_port}\"\n");
        std::fs::write(dir.path().join("hotro.toml"), config).unwrap();
        let db = Database::new(dir.path());
        let d = Desk { dir, db };
        let out = d.run(None, "2026-11-30T10:30:00+07:00", &["init", "--test"]);
        assert!(out.status.success(), "{out:?}");
        d
    }

    /// The binary on this desk's database and configuration, in a hermetic environment.
    fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--db")
            .arg(&self.db.target)
            .arg("--config")
            .arg(self.dir.path().join("hotro.toml"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_CACHE_HOME", self.dir.path().join("cache"));
        c
    }

    fn run(&self, login: Option<&str>, now: &str, args: &[&str]) -> Output {
        let mut c = self.command();
        if let Some(l) = login {
            c.args(["--as", l]);
        }
        c.args(["--lang", "en"])
            .args(args)
            .env("HOTRO_NOW", now)
            .env_remove("HOTRO_DB")
            .env_remove("HOTRO_AS")
            .env_remove("HOTRO_CONFIG")
            .env_remove("HOTRO_SMTP_PASSWORD")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn json(&self, login: &str, now: &str, args: &[&str]) -> (Option<i32>, Value) {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run(Some(login), now, &all);
        let v = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("hotro {args:?}: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code(), v)
    }

    fn fetch(&self, now: &str, file: &Path) -> Value {
        let (code, v) = self.json(
            "hotro-mail",
            now,
            &["mail", "fetch", "--eml", file.to_str().unwrap()],
        );
        assert_eq!(code, Some(0), "{v}");
        v[0].clone()
    }
}

/// The value of header `name` in a raw mail (unfolded), if any.
fn header(raw: &str, name: &str) -> Option<String> {
    let head = raw.split("\r\n\r\n").next().unwrap_or(raw);
    let head = head.split("\n\n").next().unwrap_or(head);
    let unfolded = head.replace("\r\n ", " ").replace("\n ", " ");
    unfolded.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

#[test]
fn a_reply_goes_out_once_with_threading_headers_and_the_answer_threads_back() {
    on_each_engine(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut smtp = Smtp::start(dir.path());
        let d = Desk::new(smtp.port);
        // A request by mail from a known requester.
        let sample =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mail/01-windows-1258.eml");
        let taken = d.fetch("2026-11-30T10:30:00+07:00", &sample);
        let key = taken["ticket"].as_str().unwrap().to_string();
        assert_eq!(taken["outcome"], "created", "{taken}");

        // The operator answers: the mail is queued with the reply, nothing is sent yet.
        let out = d.run(
            Some("nguyenvanan"),
            "2026-11-30T10:40:00+07:00",
            &[
                "ticket",
                "reply",
                &key,
                "--text",
                // A line starting with a dot, which SMTP's DATA phase must double and the
                // server undo (RFC 5321 4.5.2).
                "Đã cấp lại mật khẩu, anh đăng nhập lại.\n.bashrc của anh đã được sửa.\n.",
            ],
        );
        assert!(out.status.success(), "{out:?}");
        let (_, status) = d.json(
            "nguyenvanan",
            "2026-11-30T10:41:00+07:00",
            &["mail", "status"],
        );
        assert_eq!(status["counts"]["pending"], 1, "{status}");
        let mail = &status["mails"][0];
        assert_eq!(mail["to"], "hung.pv@kbnn.example");
        assert!(smtp.received().is_empty());

        // Only the mail service (or an admin) sends.
        let out = d.run(
            Some("tranthibich"),
            "2026-11-30T10:41:00+07:00",
            &["mail", "send"],
        );
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("send_mail"),
            "{out:?}"
        );
        let (code, sent) = d.json("hotro-mail", "2026-11-30T10:41:00+07:00", &["mail", "send"]);
        assert_eq!(code, Some(0), "{sent}");
        assert_eq!(sent["sent"].as_array().unwrap().len(), 1, "{sent}");

        let got = smtp.received();
        assert_eq!(got.len(), 1);
        let raw = &got[0];
        let message_id = header(raw, "Message-ID").unwrap();
        assert!(
            message_id.starts_with(&format!("<{key}.v")) && message_id.ends_with("@kbnn.example>"),
            "{message_id}"
        );
        assert_eq!(
            header(raw, "In-Reply-To").unwrap(),
            "<cp1258-1@kbnn.example>"
        );
        assert!(
            header(raw, "References")
                .unwrap()
                .contains("<cp1258-1@kbnn.example>")
        );
        assert!(header(raw, "To").unwrap().contains("hung.pv@kbnn.example"));
        let subject = header(raw, "Subject").unwrap();
        assert!(subject.contains(&key), "{subject}");
        // The text arrives as written, its dot lines whole.
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .unwrap();
        let body = parsed.body_text(0).unwrap();
        assert!(
            body.contains("Đã cấp lại mật khẩu, anh đăng nhập lại."),
            "{body}"
        );
        assert!(
            body.lines()
                .any(|l| l.trim_end() == ".bashrc của anh đã được sửa."),
            "{body}"
        );
        assert!(!body.contains(".."), "{body}");

        // Sent once: a second pass has nothing to do, the server still holds one mail.
        let (_, again) = d.json("hotro-mail", "2026-11-30T10:50:00+07:00", &["mail", "send"]);
        assert!(again["sent"].as_array().unwrap().is_empty(), "{again}");
        assert_eq!(smtp.received().len(), 1);
        let (_, status) = d.json(
            "nguyenvanan",
            "2026-11-30T10:50:00+07:00",
            &["mail", "status"],
        );
        assert_eq!(status["counts"]["sent"], 1, "{status}");

        // The requester answers our mail, with a subject that lost the key: it threads back
        // through In-Reply-To.
        let answer = dir.path().join("answer.eml");
        std::fs::write(
            &answer,
            format!(
                "From: Pham Van Hung <hung.pv@kbnn.example>\r\nTo: hotro@kbnn.example\r\n\
             Subject: Re: mat khau\r\nDate: Mon, 30 Nov 2026 11:00:00 +0700\r\n\
             Message-ID: <answer-1@kbnn.example>\r\nIn-Reply-To: {message_id}\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             Đã đăng nhập được, cảm ơn.\r\n"
            ),
        )
        .unwrap();
        let back = d.fetch("2026-11-30T11:01:00+07:00", &answer);
        assert_eq!(back["outcome"], "replied", "{back}");
        assert_eq!(back["ticket"], key.as_str());

        // The server goes away: the next reply's mail waits with the error and is tried again
        // later; once the server is back, it goes.
        smtp.stop();
        let out = d.run(
            Some("nguyenvanan"),
            "2026-11-30T11:10:00+07:00",
            &["ticket", "reply", &key, "--text", "Cảm ơn anh đã xác nhận."],
        );
        assert!(out.status.success(), "{out:?}");
        let (code, r) = d.json("hotro-mail", "2026-11-30T11:11:00+07:00", &["mail", "send"]);
        assert_eq!(code, Some(1), "{r}");
        assert_eq!(r["retry"].as_array().unwrap().len(), 1, "{r}");
        let (_, status) = d.json(
            "nguyenvanan",
            "2026-11-30T11:11:00+07:00",
            &["mail", "status"],
        );
        let latest = &status["mails"][0];
        assert_eq!(latest["state"], "pending", "{status}");
        assert_eq!(latest["attempts"], 1);
        assert!(latest["last_error"].as_str().is_some(), "{status}");
        // Not due before its minute has passed.
        let restarted = Smtp::start(&dir.path().join("again"));
        let d2 = |port: u16| {
            // Point the desk at the restarted server (same database).
            let config = format!("{CONFIG}\n[mail.smtp]\nurl = \"smtp://127.0.0.1:{port}\"\n");
            std::fs::write(d.dir.path().join("hotro.toml"), config).unwrap();
        };
        d2(restarted.port);
        let (_, early) = d.json("hotro-mail", "2026-11-30T11:11:30+07:00", &["mail", "send"]);
        assert!(early["sent"].as_array().unwrap().is_empty(), "{early}");
        let (code, later) = d.json("hotro-mail", "2026-11-30T11:13:00+07:00", &["mail", "send"]);
        assert_eq!(code, Some(0), "{later}");
        assert_eq!(later["sent"].as_array().unwrap().len(), 1, "{later}");
        assert_eq!(restarted.received().len(), 1);
        // The ticket shows where each of its mails is.
        let (_, shown) = d.json(
            "nguyenvanan",
            "2026-11-30T11:14:00+07:00",
            &["ticket", "show", &key],
        );
        let states: Vec<&str> = shown["mails"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["state"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["sent", "sent"], "{shown}");
    });
}

/// The sender killed with SIGKILL at random points, 20 rounds, over 120 queued mails, then a
/// pass left alone, then one past the claims' lease: no mail reaches the server twice, every
/// mail recorded as sent is there, a mail whose sender was killed before the DATA mark is
/// queued again by itself once the lease ran out and sent, and only a mail whose sender was
/// killed between the DATA mark and the outcome is left uncertain (at most one per such
/// round), waiting for a person.
#[test]
fn a_sender_killed_at_random_points_never_sends_a_mail_twice() {
    on_each_engine(|| {
        use hotro::domain::ticket::{Change, Ctx, NewTicket, Requester};
        let dir = tempfile::tempdir().unwrap();
        let smtp = Smtp::start(dir.path());
        let d = Desk::new(smtp.port);
        let org = hotro::config::load_file(&d.dir.path().join("hotro.toml"))
            .unwrap()
            .org;
        let mut store = d.db.store();
        let at = |m: i64| {
            chrono::DateTime::parse_from_rfc3339("2026-11-30T09:00:00+07:00")
                .unwrap()
                .with_timezone(&chrono::Utc)
                + chrono::Duration::minutes(m)
        };
        const MAILS: usize = 120;
        const ROUNDS: usize = 20;
        // Each round's sender claims at most 5 mails (`--limit 5`): more mails than the rounds
        // can send, so every kill comes while work is left, however fast the sender is (on
        // PostgreSQL with its statement cache, 60 mails were all sent within 20 rounds).
        const _: () = assert!(ROUNDS * 5 < MAILS);
        for i in 0..MAILS {
            let ctx = |now| Ctx {
                org: &org,
                actor: "nguyenvanan",
                now,
                by: None,
            };
            let new = NewTicket {
                title: format!("Yêu cầu số {i}"),
                requester: Requester {
                    name: Some(format!("Người dùng {i}")),
                    email: Some(format!("user{i}@kbnn.example")),
                    ..Requester::default()
                },
                ..NewTicket::default()
            };
            let (t, _) = store.create_ticket(&new, ctx(at(i as i64))).unwrap();
            let text = format!("Trả lời yêu cầu {i}");
            store
                .change_ticket(&t.key, None, Change::Reply { text }, ctx(at(i as i64 + 1)))
                .unwrap();
        }
        drop(store);
        let now = "2026-11-30T11:00:00+07:00";
        let status = || {
            let (_, v) = d.json("nguyenvanan", now, &["mail", "status", "--limit", "1000"]);
            v["mails"].as_array().unwrap().clone()
        };
        let mut seed: u64 = 0x5EED_0F0B;
        // Rounds whose kill came between the DATA mark and the outcome, and before the mark.
        let (mut during_data, mut before_data) = (0, 0);
        for _ in 0..ROUNDS {
            let mut child = d
                .command()
                .args(["--as", "hotro-mail", "mail", "send", "--limit", "5"])
                .env("HOTRO_NOW", now)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            std::thread::sleep(Duration::from_millis(5 + (seed >> 33) % 120));
            let pid = child.id();
            let _ = child.kill();
            let _ = child.wait();
            // What the killed sender left held: at most one mail, marked or not.
            let held: Vec<Value> = status()
                .into_iter()
                .filter(|m| {
                    m["state"] == "sending"
                        && m["claimed_by"]
                            .as_str()
                            .is_some_and(|c| c.contains(&format!("/{pid}/")))
                })
                .collect();
            assert!(held.len() <= 1, "one claim at a time: {held:?}");
            for m in &held {
                // Its lease still runs: shown as in a sender's hands, not yet judged.
                assert_eq!(m["standing"], "sending", "{m}");
                if m["data_at"].is_string() {
                    during_data += 1;
                } else {
                    before_data += 1;
                }
            }
        }
        eprintln!(
            "{ROUNDS} kills: {before_data} before the DATA mark, {during_data} between it and the \
         outcome"
        );
        // A last pass, not killed, sends what is still pending; the killed claims' leases
        // still run, so they are left alone.
        let (code, last) = d.json("hotro-mail", now, &["mail", "send", "--limit", "1000"]);
        assert_eq!(code, Some(0), "{last}");
        assert!(last["requeued"].as_array().unwrap().is_empty(), "{last}");
        let held = status().iter().filter(|m| m["state"] == "sending").count();
        assert_eq!(held, before_data + during_data);
        // Past the lease: the claims killed before the DATA mark are queued again and sent by
        // themselves; those killed after it stay, uncertain.
        let later = "2026-11-30T11:11:00+07:00";
        let (code, after) = d.json("hotro-mail", later, &["mail", "send", "--limit", "1000"]);
        assert_eq!(code, Some(0), "{after}");
        assert_eq!(
            after["requeued"].as_array().unwrap().len(),
            before_data,
            "{after}"
        );
        assert_eq!(after["sent"], after["requeued"], "{after}");
        let (_, v) = d.json("nguyenvanan", later, &["mail", "status", "--limit", "1000"]);
        let mails = v["mails"].as_array().unwrap();
        assert_eq!(mails.len(), MAILS);
        let received: Vec<String> = smtp
            .received()
            .iter()
            .map(|raw| header(raw, "Message-ID").unwrap())
            .collect();
        let unique: std::collections::BTreeSet<&String> = received.iter().collect();
        assert_eq!(
            unique.len(),
            received.len(),
            "a mail reached the server twice"
        );
        let mut uncertain = 0;
        for m in mails {
            let id = format!("<{}>", m["message_id"].as_str().unwrap());
            match m["standing"].as_str().unwrap() {
                "sent" => assert!(unique.contains(&id), "{id} recorded sent, never received"),
                "uncertain" => {
                    assert!(m["data_at"].is_string(), "{m}");
                    uncertain += 1;
                }
                other => panic!("{id} left {other} after the passes: {m}"),
            }
        }
        eprintln!("{uncertain} mails left uncertain by {ROUNDS} kills");
        assert!(
            uncertain <= during_data,
            "{uncertain} uncertain, {during_data} rounds killed during DATA"
        );
        assert_eq!(
            v["counts"]["uncertain"].as_u64().unwrap_or(0),
            uncertain as u64
        );
        assert!(received.len() >= MAILS - uncertain);
        // An uncertain mail that did not arrive is sent again by hand; one that is not
        // uncertain cannot be.
        let lost = mails.iter().find(|m| {
            m["standing"] == "uncertain"
                && !unique.contains(&format!("<{}>", m["message_id"].as_str().unwrap()))
        });
        if let Some(m) = lost {
            let id = m["message_id"].as_str().unwrap();
            let out = d.run(Some("hotro-mail"), later, &["mail", "resend", id]);
            assert!(out.status.success(), "{out:?}");
            let (_, again) = d.json("hotro-mail", later, &["mail", "send"]);
            assert_eq!(again["sent"].as_array().unwrap().len(), 1, "{again}");
            let out = d.run(Some("hotro-mail"), later, &["mail", "resend", id]);
            assert!(!out.status.success(), "{out:?}");
        }
        // A mail sent is never sent again by hand.
        let sent = mails.iter().find(|m| m["standing"] == "sent").unwrap();
        let out = d.run(
            Some("hotro-mail"),
            later,
            &["mail", "resend", sent["message_id"].as_str().unwrap()],
        );
        assert!(!out.status.success(), "{out:?}");
    });
}

/// With `[mail] acknowledge = true`, a request that came by mail is acknowledged with its
/// key, answering the requester's mail; without it (the shipped setting) nothing goes.
#[test]
fn a_new_request_is_acknowledged_when_the_desk_says_so() {
    on_each_engine(|| {
        let dir = tempfile::tempdir().unwrap();
        let smtp = Smtp::start(dir.path());
        let config = CONFIG.replacen(
            "addresses = [\"hotro@kbnn.example\"]",
            "addresses = [\"hotro@kbnn.example\"]\nacknowledge = true",
            1,
        );
        assert_ne!(config, CONFIG);
        let d = Desk::with(&config, smtp.port);
        let sample =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mail/01-windows-1258.eml");
        let taken = d.fetch("2026-11-30T10:30:00+07:00", &sample);
        let key = taken["ticket"].as_str().unwrap().to_string();
        let (_, sent) = d.json("hotro-mail", "2026-11-30T10:31:00+07:00", &["mail", "send"]);
        assert_eq!(sent["sent"].as_array().unwrap().len(), 1, "{sent}");
        let got = smtp.received();
        assert_eq!(got.len(), 1);
        assert!(header(&got[0], "Subject").unwrap().contains(&key));
        assert_eq!(
            header(&got[0], "In-Reply-To").unwrap(),
            "<cp1258-1@kbnn.example>"
        );
        // The shipped configuration acknowledges nothing.
        let quiet = Desk::new(smtp.port);
        quiet.fetch("2026-11-30T10:30:00+07:00", &sample);
        let (_, status) = quiet.json(
            "nguyenvanan",
            "2026-11-30T10:31:00+07:00",
            &["mail", "status"],
        );
        assert!(status["mails"].as_array().unwrap().is_empty(), "{status}");
    });
}

/// `hotro mail watch` as a daemon: a mail dropped into the Maildir becomes a ticket, the
/// operator's reply goes out by itself, and SIGTERM stops it cleanly.
#[test]
fn the_watch_takes_mail_and_sends_replies_until_sigterm() {
    on_each_engine(|| {
        let dir = tempfile::tempdir().unwrap();
        let smtp = Smtp::start(dir.path());
        let d = Desk::new(smtp.port);
        let maildir = dir.path().join("inbox");
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        let now = "2026-11-30T10:30:00+07:00";
        let mut watch = d
            .command()
            .args([
                "--as",
                "hotro-mail",
                "--lang",
                "en",
                "mail",
                "watch",
                "--every",
                "1",
            ])
            .arg("--maildir")
            .arg(&maildir)
            .env("HOTRO_NOW", now)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let wait_for = |what: &str, ok: &dyn Fn() -> bool| {
            let start = Instant::now();
            while !ok() {
                assert!(
                    start.elapsed() < Duration::from_secs(30),
                    "{what} did not happen"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        };
        // A mail arrives (written to tmp/, then moved to new/, as a delivery agent does).
        let sample =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mail/01-windows-1258.eml");
        std::fs::copy(&sample, maildir.join("tmp/1.eml")).unwrap();
        std::fs::rename(maildir.join("tmp/1.eml"), maildir.join("new/1.eml")).unwrap();
        let tickets = || {
            let (_, v) = d.json("nguyenvanan", now, &["ticket", "list"]);
            v.as_array().map(|a| a.len()).unwrap_or(0)
        };
        wait_for("the mail becoming a ticket", &|| tickets() == 1);
        assert!(
            std::fs::read_dir(maildir.join("new"))
                .unwrap()
                .next()
                .is_none()
        );
        let (_, list) = d.json("nguyenvanan", now, &["ticket", "list"]);
        let key = list[0]["key"].as_str().unwrap().to_string();
        // (The watch's clock is fixed: the reply at the same instant is due at once.)
        let out = d.run(
            Some("nguyenvanan"),
            now,
            &["ticket", "reply", &key, "--text", "Đã cấp lại mật khẩu."],
        );
        assert!(out.status.success(), "{out:?}");
        wait_for("the reply going out", &|| smtp.received().len() == 1);
        // SIGTERM: it finishes its pass and exits cleanly.
        let pid = rustix::process::Pid::from_raw(watch.id() as i32).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(s) = watch.try_wait().unwrap() {
                break s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "the watch did not stop"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut said = String::new();
        watch
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut said)
            .unwrap();
        assert!(status.success(), "{status}: {said}");
        assert!(said.contains("Stopped"), "{said}");
        assert_eq!(smtp.received().len(), 1, "sent once");
    });
}

/// A login without a password is refused before anything is claimed, naming the setting
/// and the fix; the queued mail stays pending.
#[test]
fn a_smtp_user_without_a_password_is_refused_naming_the_fix() {
    on_each_engine(|| {
        let dir = tempfile::tempdir().unwrap();
        let smtp = Smtp::start(dir.path());
        let d = Desk::new(smtp.port);
        let config = format!(
            "{CONFIG}\n[mail.smtp]\nurl = \"smtp://127.0.0.1:{}\"\nuser = \"hotro\"\n",
            smtp.port
        );
        std::fs::write(d.dir.path().join("hotro.toml"), config).unwrap();
        let out = d.run(
            Some("hotro-mail"),
            "2026-11-30T10:30:00+07:00",
            &["mail", "send"],
        );
        assert!(!out.status.success(), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("password_file") && err.contains("HOTRO_SMTP_PASSWORD"),
            "{err}"
        );
    });
}

/// `[mail] templates = "DIR"`: the desk's own reply template (Vietnamese here) is the text
/// the requester gets from the SMTP server; the other files stay as shipped.
#[test]
fn a_desks_own_template_is_what_the_requester_gets() {
    on_each_engine(|| {
        let dir = tempfile::tempdir().unwrap();
        let smtp = Smtp::start(dir.path());
        let d = Desk::new(smtp.port);
        let own = d.dir.path().join("mail-templates");
        std::fs::create_dir(&own).unwrap();
        std::fs::write(
            own.join("reply.vi.txt"),
            "Thân gửi {name},\n\n{text}\n\nPhiếu {key}, Tổ hỗ trợ riêng của {desk}\n",
        )
        .unwrap();
        let config = CONFIG.replacen(
            "addresses = [\"hotro@kbnn.example\"]",
            "addresses = [\"hotro@kbnn.example\"]\ntemplates = \"mail-templates\"",
            1,
        );
        assert_ne!(config, CONFIG);
        std::fs::write(
            d.dir.path().join("hotro.toml"),
            format!(
                "{config}\n[mail.smtp]\nurl = \"smtp://127.0.0.1:{}\"\n",
                smtp.port
            ),
        )
        .unwrap();
        let sample =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mail/01-windows-1258.eml");
        let taken = d.fetch("2026-11-30T10:30:00+07:00", &sample);
        let key = taken["ticket"].as_str().unwrap().to_string();
        let out = d.run(
            Some("nguyenvanan"),
            "2026-11-30T10:40:00+07:00",
            &["ticket", "reply", &key, "--text", "Đã cấp lại mật khẩu."],
        );
        assert!(out.status.success(), "{out:?}");
        let (_, sent) = d.json("hotro-mail", "2026-11-30T10:41:00+07:00", &["mail", "send"]);
        assert_eq!(sent["sent"].as_array().unwrap().len(), 1, "{sent}");
        let got = smtp.received();
        assert_eq!(got.len(), 1);
        let parsed = mail_parser::MessageParser::default()
            .parse(got[0].as_bytes())
            .unwrap();
        let body = parsed.body_text(0).unwrap();
        assert!(body.starts_with("Thân gửi "), "{body}");
        assert!(body.contains("Đã cấp lại mật khẩu."), "{body}");
        assert!(
            body.contains(&format!("Phiếu {key}, Tổ hỗ trợ riêng của ")),
            "{body}"
        );
        // A template with a placeholder its kind lacks: the configuration is refused, naming
        // the key and the file.
        std::fs::write(own.join("ack.en.txt"), "{name}: {text}").unwrap();
        let out = d.run(
            Some("hotro-mail"),
            "2026-11-30T10:42:00+07:00",
            &["mail", "send"],
        );
        assert!(!out.status.success(), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("mail.templates") && err.contains("ack.en.txt") && err.contains("{text}"),
            "{err}"
        );
    });
}

/// The sender's uncertain cases through the application layer, with deliverers standing in
/// for what a server or a slow sender does (no network): a connection lost while the server
/// was taking the message leaves the mail uncertain (not retried, not requeued by the
/// lease, sent again only by hand); a sender whose claim was taken back before DATA (its
/// lease ran out and another pass queued the mail again) does not send it and records
/// nothing over the other pass's work.
#[test]
fn the_sender_leaves_only_what_may_have_arrived_uncertain() {
    on_each_engine(|| {
        use hotro::desk::outbox::{Deliver, Undelivered};
        use hotro::domain::outbox::{Delivery, Standing};
        use hotro::domain::ticket::{Change, Ctx, NewTicket, Requester};
        use hotro::store::OutboxMail;
        let d = Desk::with(CONFIG, 1);
        let cfg = hotro::config::load_file(&d.dir.path().join("hotro.toml")).unwrap();
        let mut store = d.db.store();
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-11-30T10:00:00+07:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let ctx = Ctx {
            org: &cfg.org,
            actor: "nguyenvanan",
            now: t0,
            by: None,
        };
        for i in 0..2 {
            let new = NewTicket {
                title: format!("Yêu cầu {i}"),
                requester: Requester {
                    email: Some(format!("user{i}@kbnn.example")),
                    ..Requester::default()
                },
                ..NewTicket::default()
            };
            let (t, _) = store.create_ticket(&new, ctx).unwrap();
            store
                .change_ticket(
                    &t.key,
                    None,
                    Change::Reply {
                        text: "Xong.".into(),
                    },
                    ctx,
                )
                .unwrap();
        }
        let intake = cfg.org.operator("hotro-mail").unwrap().clone();
        let session = hotro::desk::Session::assume(cfg.clone(), intake);

        // 1. The envelope accepted, the DATA mark made, then the connection lost before the
        //    server answered the message.
        struct LostDuringData;
        impl Deliver for LostDuringData {
            fn deliver(
                &mut self,
                _: &OutboxMail,
                handing: &mut dyn FnMut() -> bool,
            ) -> Result<(), Undelivered> {
                assert!(handing(), "the claim is this sender's");
                Err(Undelivered {
                    permanent: false,
                    uncertain: true,
                    message: "connection reset while the server took the message".into(),
                })
            }
        }
        let report = hotro::desk::Desk::new(&mut store, &session, t0)
            .send_outbox(&mut LostDuringData, 1)
            .unwrap();
        assert_eq!(report.uncertain.len(), 1, "{report:?}");
        assert!(report.retry.is_empty() && report.sent.is_empty());
        let id = report.uncertain[0].0.clone();
        let later = t0 + chrono::Duration::minutes(30);
        let mail = |store: &mut hotro::store::Store, at| {
            let (list, _) = store.outbox(10, at).unwrap();
            list.into_iter().find(|m| m.mail.message_id == id).unwrap()
        };
        // (Seen a second later: the pass's clock moved on while it ran, and the lease ended at
        // the moment of the outcome.)
        let m = mail(&mut store, t0 + chrono::Duration::seconds(1));
        assert_eq!(
            (m.state, m.standing),
            (Delivery::Sending, Standing::Uncertain)
        );
        assert!(m.data_at.is_some());
        // Never queued again by itself, however late.
        assert!(store.requeue_stalled(later).unwrap().is_empty());
        assert_eq!(mail(&mut store, later).standing, Standing::Uncertain);

        // 2. A sender slow before DATA: meanwhile its lease ran out and another pass queued the
        //    mail again; its DATA mark is refused, so it does not send, and it records nothing.
        struct OvertakenBeforeData<'a>(&'a Database, chrono::DateTime<chrono::Utc>);
        impl Deliver for OvertakenBeforeData<'_> {
            fn deliver(
                &mut self,
                _: &OutboxMail,
                handing: &mut dyn FnMut() -> bool,
            ) -> Result<(), Undelivered> {
                let mut other = self.0.store();
                assert_eq!(other.requeue_stalled(self.1).unwrap().len(), 1);
                assert!(!handing(), "a claim taken back cannot be marked");
                Err(Undelivered {
                    permanent: false,
                    uncertain: false,
                    message: "not handed over".into(),
                })
            }
        }
        let report = hotro::desk::Desk::new(&mut store, &session, t0)
            .send_outbox(&mut OvertakenBeforeData(&d.db, later), 1)
            .unwrap();
        assert!(
            report.retry.is_empty() && report.sent.is_empty() && report.uncertain.is_empty(),
            "{report:?}"
        );
        let (list, counts) = store.outbox(10, later).unwrap();
        let other = list.iter().find(|m| m.mail.message_id != id).unwrap();
        assert_eq!(other.state, Delivery::Pending, "{other:?}");
        assert!(other.claimed_by.is_none() && other.data_at.is_none());
        assert_eq!(
            counts,
            [(Standing::Pending, 1), (Standing::Uncertain, 1)],
            "{counts:?}"
        );

        // 3. The uncertain mail, once a person knows it did not arrive, goes back by hand.
        let mut desk = hotro::desk::Desk::new(&mut store, &session, later);
        assert!(desk.resend_mail(&format!("<{id}>")).unwrap());
        assert!(
            !desk.resend_mail(&id).unwrap(),
            "pending now: nothing to resend"
        );
        let m = mail(&mut store, later);
        assert_eq!((m.state, m.attempts), (Delivery::Pending, 0));
    });
}

/// A claim of `n` takes the `n` oldest due mails and no more, however many are due: the
/// sender claims one at a time so that a sender killed leaves at most one mail held. (On
/// PostgreSQL the claim once took every due mail, each a claim of the same sender.)
#[test]
fn a_claim_takes_as_many_mails_as_asked_and_the_oldest() {
    use hotro::domain::outbox::Delivery;
    use hotro::domain::ticket::{Change, Ctx, NewTicket, Requester};
    on_each_engine(|| {
        let d = Desk::with(CONFIG, 1);
        let cfg = hotro::config::load_file(&d.dir.path().join("hotro.toml")).unwrap();
        let mut store = d.db.store();
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-11-30T10:00:00+07:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let mut keys = Vec::new();
        for i in 0..6 {
            let ctx = Ctx {
                org: &cfg.org,
                actor: "nguyenvanan",
                now: t0 + chrono::Duration::minutes(i),
                by: None,
            };
            let new = NewTicket {
                title: format!("Yêu cầu {i}"),
                requester: Requester {
                    email: Some(format!("user{i}@kbnn.example")),
                    ..Requester::default()
                },
                ..NewTicket::default()
            };
            let (t, _) = store.create_ticket(&new, ctx).unwrap();
            let text = "Xong.".to_string();
            store
                .change_ticket(&t.key, None, Change::Reply { text }, ctx)
                .unwrap();
            keys.push(t.key);
        }
        let now = t0 + chrono::Duration::hours(1);
        let lease = now + chrono::Duration::minutes(10);
        let tickets = |got: &[hotro::store::OutboxMail]| -> Vec<String> {
            got.iter().map(|m| m.mail.ticket.clone()).collect()
        };
        let one = store.claim_outbox(now, 1, "test/1/a", lease).unwrap();
        assert_eq!(tickets(&one), keys[..1], "{one:?}");
        let two = store.claim_outbox(now, 2, "test/1/a", lease).unwrap();
        assert_eq!(tickets(&two), keys[1..3], "{two:?}");
        let (list, _) = store.outbox(10, now).unwrap();
        let sending = list.iter().filter(|m| m.state == Delivery::Sending).count();
        assert_eq!(sending, 3, "{list:?}");
        let rest = store.claim_outbox(now, 10, "test/2/b", lease).unwrap();
        assert_eq!(tickets(&rest), keys[3..], "{rest:?}");
    });
}
