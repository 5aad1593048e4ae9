//! The e-mail intake from an IMAP mailbox (issue 12, deliver 1) through the real binary,
//! against a real Dovecot started by each test on loopback ports in a temporary directory
//! (`.ci/run` installs Debian's `dovecot-imapd` and `openssl`): IMAPS with the test's own
//! certificate authority, STARTTLS, moving taken mail to a folder, a mail over the size
//! limit, the refusals (wrong password, untrusted certificate, no password, no mailbox
//! configured), the same mailbox taken twice, and `hotro mail fetch --imap` killed with
//! SIGKILL at random points.
//!
//! Each test runs on each engine (issue 17): a SQLite file, or a database on a throwaway
//! PostgreSQL cluster of its own, each run against a Dovecot of its own.
#![allow(clippy::unwrap_used, clippy::disallowed_macros)]

mod common;

use common::desks::{Database, on_each_engine};
use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");
const CONFIG: &str = include_str!("../config/hotro.toml");
/// 10:30 in Hà Nội on Monday 30 November 2026: after every sample mail's date.
const NOW: &str = "2026-11-30T10:30:00+07:00";
const USER: &str = "desk";
const PASSWORD: &str = "mật-khẩu secret";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/mail")
        .join(name)
}

/// A loopback port free at the moment of asking.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run_ok(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A Dovecot IMAP server of one mailbox (`desk`), listening on 127.0.0.1 with STARTTLS on
/// `imap` and TLS on `imaps`, its certificate signed by a certificate authority made for
/// the test (`ca`); stopped on drop.
struct Dovecot {
    dir: tempfile::TempDir,
    imap: u16,
    imaps: u16,
    ca: PathBuf,
}

impl Dovecot {
    fn start() -> Dovecot {
        let dovecot = ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("dovecot to be installed: apt-get install dovecot-imapd (as .ci/run does)");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Dovecot's own processes (its auth runs as another user) read the configuration.
        std::fs::set_permissions(d, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let ca = d.join("ca.pem");
        run_ok(
            Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                ])
                .args(["-subj", "/CN=hotro test CA"])
                .args(["-addext", "basicConstraints=critical,CA:TRUE"])
                .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
                .arg("-keyout")
                .arg(d.join("ca.key"))
                .arg("-out")
                .arg(&ca)
                .stderr(Stdio::piped()),
            "openssl (apt-get install openssl) making the test CA",
        );
        run_ok(
            Command::new("openssl")
                .args([
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-subj",
                    "/CN=localhost",
                ])
                .arg("-keyout")
                .arg(d.join("key.pem"))
                .arg("-out")
                .arg(d.join("req.pem"))
                .stderr(Stdio::piped()),
            "openssl making the server's key",
        );
        std::fs::write(
            d.join("ext.cnf"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        run_ok(
            Command::new("openssl")
                .args(["x509", "-req", "-days", "2", "-CAcreateserial"])
                .arg("-in")
                .arg(d.join("req.pem"))
                .arg("-CA")
                .arg(&ca)
                .arg("-CAkey")
                .arg(d.join("ca.key"))
                .arg("-extfile")
                .arg(d.join("ext.cnf"))
                .arg("-out")
                .arg(d.join("cert.pem"))
                .stderr(Stdio::piped()),
            "openssl signing the server's certificate",
        );
        for f in ["key.pem", "cert.pem"] {
            std::fs::set_permissions(
                d.join(f),
                std::os::unix::fs::PermissionsExt::from_mode(0o644),
            )
            .unwrap();
        }
        std::fs::write(d.join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();
        let id = |flag: &str| {
            let out = Command::new("id").arg(flag).output().unwrap();
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        let root = id("-u") == "0";
        // As root, the mail belongs to `nobody` (Dovecot refuses root); otherwise to us, and
        // Dovecot's internal processes run as us too.
        let (user, group) = if root {
            ("nobody".to_string(), id_group_of_nobody())
        } else {
            (id("-un"), id("-gn"))
        };
        let home = d.join("home");
        std::fs::create_dir_all(&home).unwrap();
        if root {
            run_ok(
                Command::new("chown")
                    .arg(format!("{user}:{group}"))
                    .arg(&home),
                "chown of the mail home",
            );
        }
        let internal = if root {
            String::new()
        } else {
            format!("default_internal_user = {user}\ndefault_login_user = {user}\n")
        };
        let (imap, imaps) = (free_port(), free_port());
        let p = d.display();
        std::fs::write(
            d.join("dovecot.conf"),
            format!(
                "base_dir = {p}/run\nstate_dir = {p}/state\nlog_path = {p}/dovecot.log\n\
                 protocols = imap\nlisten = 127.0.0.1\n{internal}\
                 ssl = yes\nssl_cert = <{p}/cert.pem\nssl_key = <{p}/key.pem\n\
                 disable_plaintext_auth = no\nauth_mechanisms = plain login\n\
                 first_valid_uid = 1\n\
                 passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {p}/passwd\n}}\n\
                 userdb {{\n  driver = static\n  args = uid={user} gid={group} home={p}/home/%u\n}}\n\
                 mail_location = maildir:~/Maildir\n\
                 service imap-login {{\n  inet_listener imap {{\n    port = {imap}\n  }}\n  \
                 inet_listener imaps {{\n    port = {imaps}\n    ssl = yes\n  }}\n}}\n"
            ),
        )
        .unwrap();
        // Dovecot goes to the background keeping its inherited descriptors: no pipes.
        let started = Command::new(dovecot)
            .arg("-c")
            .arg(d.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(
            started.success(),
            "dovecot did not start: {}",
            std::fs::read_to_string(d.join("dovecot.log")).unwrap_or_default()
        );
        let server = Dovecot {
            dir,
            imap,
            imaps,
            ca,
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", imaps)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "dovecot did not listen: {}",
                std::fs::read_to_string(server.dir.path().join("dovecot.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// A session of the test itself (plain IMAP on loopback), to fill and inspect the box.
    fn session(&self) -> imap::Session<TcpStream> {
        let tcp = TcpStream::connect(("127.0.0.1", self.imap)).unwrap();
        let mut client = imap::Client::new(tcp);
        client.read_greeting().unwrap();
        client.login(USER, PASSWORD).map_err(|(e, _)| e).unwrap()
    }

    fn append(&self, folder: &str, raws: &[Vec<u8>]) {
        let mut s = self.session();
        for raw in raws {
            s.append(folder, raw).finish().unwrap();
        }
        s.logout().unwrap();
    }

    /// (messages, of which seen) in `folder`.
    fn status(&self, folder: &str) -> (usize, usize) {
        let mut s = self.session();
        s.select(folder).unwrap();
        let all = s.uid_search("ALL").unwrap().len();
        let seen = s.uid_search("SEEN").unwrap().len();
        s.logout().unwrap();
        (all, seen)
    }
}

/// The group of `nobody` on this system (`nogroup` on Debian, `nobody` elsewhere).
fn id_group_of_nobody() -> String {
    let out = Command::new("id").args(["-gn", "nobody"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new("dovecot")
            .arg("-c")
            .arg(self.dir.path().join("dovecot.conf"))
            .arg("stop")
            .stderr(Stdio::null())
            .status();
    }
}

/// A test database whose `[mail.imap]` is `imap_section` (appended to the shipped
/// configuration, with `max_size` replaced), on the engine of the body running.
struct Desk {
    dir: tempfile::TempDir,
    db: Database,
}

impl Desk {
    fn new(imap_section: &str, max_size: &str) -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::new(dir.path());
        let desk = Desk { dir, db };
        std::fs::write(desk.path("password"), format!("{PASSWORD}\n")).unwrap();
        let config = CONFIG.replace("max_size = \"20MB\"", &format!("max_size = \"{max_size}\""))
            + "\n"
            + &imap_section.replace(
                "PASSWORD_FILE",
                &desk.path("password").display().to_string(),
            );
        std::fs::write(desk.path("hotro.toml"), config).unwrap();
        let out = desk.run(None, &["init", "--test"]);
        assert!(out.status.success(), "{out:?}");
        desk
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, login: Option<&str>, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--db")
            .arg(&self.db.target)
            .arg("--config")
            .arg(self.path("hotro.toml"));
        if let Some(l) = login {
            c.args(["--as", l]);
        }
        c.args(["--lang", "en"])
            .args(args)
            .env("HOTRO_NOW", NOW)
            .env_remove("HOTRO_DB")
            .env_remove("HOTRO_AS")
            .env_remove("HOTRO_CONFIG")
            .env_remove("HOTRO_IMAP_PASSWORD")
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CACHE_HOME", self.path("cache"))
            .stdin(Stdio::null());
        c
    }

    fn run(&self, login: Option<&str>, args: &[&str]) -> Output {
        self.command(login, args).output().unwrap()
    }

    /// `mail fetch --imap --json` as the intake operator: the outcome of each mail.
    fn fetch(&self) -> Vec<Value> {
        let out = self.run(Some("hotro-mail"), &["mail", "fetch", "--imap", "--json"]);
        assert!(
            out.status.success(),
            "mail fetch --imap: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// (tickets, events, mails recorded, attachments), read from the database.
    fn counts(&self) -> (i64, i64, i64, i64) {
        (
            self.db.count("tickets"),
            self.db.count("events"),
            self.db.count("mail_messages"),
            self.db.count("attachments"),
        )
    }
}

fn imaps_section(server: &Dovecot) -> String {
    format!(
        "[mail.imap]\nurl = \"imaps://localhost:{}/INBOX\"\nuser = \"{USER}\"\n\
         password_file = \"PASSWORD_FILE\"\nca_file = \"{}\"\n",
        server.imaps,
        server.ca.display()
    )
}

const SAMPLES: [&str; 12] = [
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
    "11-reply-key-in-subject.eml",
    "12-reply-by-references.eml",
];

fn samples() -> Vec<Vec<u8>> {
    SAMPLES
        .iter()
        .map(|n| std::fs::read(data(n)).unwrap())
        .collect()
}

/// The sample mails taken from the mailbox over IMAPS end as they do from a Maildir (the
/// same tickets, replies and held mail), are flagged seen, are not taken again, and taken
/// again after losing their flag (a crash before marking) change nothing.
#[test]
fn the_mailbox_is_taken_over_imaps_once() {
    on_each_engine(|| {
        let server = Dovecot::start();
        server.append("INBOX", &samples());
        let desk = Desk::new(&imaps_section(&server), "20MB");
        let got = desk.fetch();
        assert_eq!(got.len(), 12, "{got:?}");
        let outcomes: Vec<&str> = got.iter().map(|o| o["outcome"].as_str().unwrap()).collect();
        assert_eq!(
            outcomes.iter().filter(|o| **o == "created").count(),
            6,
            "{outcomes:?}"
        );
        assert_eq!(
            outcomes.iter().filter(|o| **o == "replied").count(),
            2,
            "{outcomes:?}"
        );
        assert!(
            got[0]["file"]
                .as_str()
                .unwrap()
                .starts_with(&format!("imap://localhost:{}/INBOX;UID=", server.imaps)),
            "{}",
            got[0]["file"]
        );
        let first = desk.counts();
        // Six tickets; twelve mails recorded; the two attachments of 05 (one named
        // `../../etc/passwd`, kept under a safe name).
        assert_eq!((first.0, first.2, first.3), (6, 12, 2));
        assert_eq!(server.status("INBOX"), (12, 12), "all flagged seen");
        assert!(desk.fetch().is_empty(), "nothing left to take");
        // The flags lost (a crash between recording and marking): taken again, known.
        let mut s = server.session();
        s.select("INBOX").unwrap();
        s.uid_store("1:*", "-FLAGS.SILENT (\\Seen)").unwrap();
        s.logout().unwrap();
        let again = desk.fetch();
        assert_eq!(again.len(), 12);
        assert!(again.iter().all(|o| o["known"] == true), "{again:?}");
        assert_eq!(desk.counts(), first);
        // What a Vietnamese sender wrote reads as they wrote it.
        let list = desk.run(Some("nguyenvanan"), &["mail", "log"]);
        let log = String::from_utf8_lossy(&list.stdout);
        assert!(log.contains("đ") || log.contains("ư"), "{log}");
    });
}

/// STARTTLS on the plain port, taken mail moved to another folder, and a mail over the size
/// limit refused whole (its header read, never its body) and moved too.
#[test]
fn starttls_and_moving_taken_mail_away() {
    on_each_engine(|| {
        let server = Dovecot::start();
        let mut s = server.session();
        s.create("Taken").unwrap();
        s.logout().unwrap();
        let mut big = String::from(
            "From: an@kbnn.example\r\nTo: hotro@kbnn.example\r\nSubject: Big\r\n\
         Message-ID: <big-imap@kbnn.example>\r\n\r\n",
        );
        while big.len() < 200 * 1024 {
            big.push_str(
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n",
            );
        }
        let mut mails = samples()[..3].to_vec();
        mails.push(big.into_bytes());
        server.append("INBOX", &mails);
        let section = format!(
            "[mail.imap]\nurl = \"imap://localhost:{}/INBOX\"\nuser = \"{USER}\"\n\
         password_file = \"PASSWORD_FILE\"\nca_file = \"{}\"\nmove_to = \"Taken\"\n",
            server.imap,
            server.ca.display()
        );
        let desk = Desk::new(&section, "64KB");
        let got = desk.fetch();
        let outcomes: Vec<&str> = got.iter().map(|o| o["outcome"].as_str().unwrap()).collect();
        assert_eq!(outcomes, ["created", "created", "created", "too_large"]);
        assert_eq!(got[3]["key"], "mid:big-imap@kbnn.example");
        assert_eq!(server.status("INBOX"), (0, 0), "all moved away");
        assert_eq!(server.status("Taken").0, 4);
        assert!(desk.fetch().is_empty());
        assert_eq!(desk.counts().0, 3);
    });
}

/// Each way the mailbox cannot be used is said with the setting or server at fault and
/// the fix, and takes nothing.
#[test]
fn refusals_name_the_setting_and_the_fix() {
    on_each_engine(|| {
        let server = Dovecot::start();
        server.append("INBOX", &samples()[..1]);
        let fails = |section: &str, env: Option<&str>| {
            let desk = Desk::new(section, "20MB");
            let mut c = desk.command(Some("hotro-mail"), &["mail", "fetch", "--imap"]);
            if let Some(p) = env {
                c.env("HOTRO_IMAP_PASSWORD", p);
            }
            let out = c.output().unwrap();
            assert!(!out.status.success(), "{section}");
            assert_eq!(desk.counts().2, 0, "nothing taken");
            String::from_utf8_lossy(&out.stderr).into_owned()
        };
        let good = imaps_section(&server);
        // A wrong password.
        let wrong = good.replace("password_file = \"PASSWORD_FILE\"\n", "");
        let err = fails(&wrong, Some("not the password"));
        assert!(err.contains("refused the login of desk"), "{err}");
        // The right one from the environment works.
        let desk = Desk::new(&wrong, "20MB");
        let out = desk
            .command(Some("hotro-mail"), &["mail", "fetch", "--imap"])
            .env("HOTRO_IMAP_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // No password at all.
        let err = fails(&wrong, None);
        assert!(err.contains("HOTRO_IMAP_PASSWORD"), "{err}");
        // A server whose certificate nobody vouches for.
        let untrusted: String = good
            .lines()
            .filter(|l| !l.starts_with("ca_file"))
            .map(|l| format!("{l}\n"))
            .collect();
        let err = fails(&untrusted, None);
        assert!(err.contains("Cannot reach the IMAP server"), "{err}");
        assert!(err.to_lowercase().contains("certificate"), "{err}");
        // No such folder.
        let err = fails(&good.replace("/INBOX", "/Nowhere"), None);
        assert!(err.contains("cannot open the folder Nowhere"), "{err}");
        // Nothing listening.
        let closed = good.replace(&server.imaps.to_string(), &free_port().to_string());
        let err = fails(&closed, None);
        assert!(err.contains("Cannot reach the IMAP server"), "{err}");
        // No [mail.imap] at all.
        let err = fails("", None);
        assert!(err.contains("No IMAP mailbox is configured"), "{err}");
        // A password in the clear to another host is refused when the configuration is read,
        // before the database (the last desk's, untouched) is opened.
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("hotro.toml");
        std::fs::write(
            &config,
            format!(
                "{CONFIG}\n[mail.imap]\nurl = \"imap://mail.kbnn.example/INBOX?tls=none\"\n\
             user = \"desk\"\n"
            ),
        )
        .unwrap();
        let out = Command::new(BIN)
            .arg("--db")
            .arg(&desk.db.target)
            .arg("--config")
            .arg(&config)
            .args(["--lang", "en", "init", "--test"])
            .env_remove("HOTRO_DB")
            .env_remove("HOTRO_CONFIG")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("mail.imap.url"), "{err}");
        assert!(err.contains("never sent unencrypted"), "{err}");
    });
}

/// `hotro mail fetch --imap` killed with SIGKILL at random points, then run to the end:
/// every mail taken exactly once (no loss, no duplicate ticket), none left unseen.
#[test]
fn imap_intake_killed_at_random_points_loses_and_duplicates_nothing() {
    on_each_engine(|| {
        let server = Dovecot::start();
        let n = 150;
        let mails: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                format!(
                    "From: user{i}@kbnn.example\r\nTo: hotro@kbnn.example\r\n\
                 Subject: =?UTF-8?Q?Y=C3=AAu_c=E1=BA=A7u_{i}?=\r\n\
                 Message-ID: <imap-kill-{i}@kbnn.example>\r\n\r\nNội dung {i}\r\n"
                )
                .into_bytes()
            })
            .collect();
        server.append("INBOX", &mails);
        let desk = Desk::new(&imaps_section(&server), "20MB");
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut interrupted = 0;
        for _ in 0..20 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut child = desk
                .command(Some("hotro-mail"), &["mail", "fetch", "--imap"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(20 + seed % 200));
            if child.try_wait().unwrap().is_none() {
                interrupted += 1;
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        assert!(interrupted > 0, "no run was killed mid-way");
        desk.fetch();
        let (tickets, events, mails, _) = desk.counts();
        assert_eq!(tickets, n as i64, "one ticket per mail");
        assert_eq!(mails, n as i64, "each mail recorded once");
        assert_eq!(events, n as i64, "one created event each");
        assert_eq!(server.status("INBOX"), (n, n), "every mail flagged seen");
        eprintln!("imap kill test: {interrupted} of 20 runs killed mid-way");
    });
}

/// `hotro mail watch --imap` takes mail as it arrives and stops cleanly on SIGTERM.
#[test]
fn watch_takes_imap_mail_as_it_arrives() {
    on_each_engine(|| {
        let server = Dovecot::start();
        let desk = Desk::new(&imaps_section(&server), "20MB");
        let child = desk
            .command(
                Some("hotro-mail"),
                &["mail", "watch", "--imap", "--every", "1"],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(500));
        server.append("INBOX", &samples()[1..2]);
        let start = Instant::now();
        while desk.counts().0 < 1 {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the watch took nothing"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(server.status("INBOX"), (1, 1));
    });
}
