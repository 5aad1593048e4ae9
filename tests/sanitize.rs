//! Untrusted text is inert in the command line (issue 11, item 8), through the real binary:
//! a ticket, an announcement and a morning-check note full of terminal escape sequences,
//! C1 controls, bidi overrides and line breaks, some typed through `hotro` and some written
//! straight into the database file (a hostile writer), then every command that shows them.
//! No output holds ESC, BEL, another C0 control (but `\n`), a C1 control or a bidi control;
//! `ticket list` keeps one line per ticket; `--json` escapes them all and parses back to the
//! stored strings; Markdown and CSV cannot be given structure or formulas.
//!
//! On each engine (issue 17): a SQLite file, or a database on a throwaway PostgreSQL cluster,
//! where the hostile writer is the superuser writing straight into the table.
#![allow(clippy::unwrap_used)]

mod common;

use common::desks::{Database, on_each_engine};

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");
/// Monday 2026-11-23 07:10, organisation time: inside the morning-check window.
const NOW: &str = "2026-11-23T07:10:00+07:00";
const AN: &str = "nguyenvanan";

/// The title typed with `ticket new`: an OSC title change, a screen wipe, a cursor-position
/// query (a terminal answers it on stdin), an 8-bit CSI, a right-to-left override, a pipe and
/// a hash for Markdown, and a line break.
const TITLE: &str = "Hostile \u{1b}]0;evil\u{7} wipe\u{1b}[2J ask\u{1b}[6n csi\u{9b}31m \
                     rlo\u{202e}desrever | #x\nsecond line";
/// The description: the same, and Markdown block structure.
const DESCRIPTION: &str = "Body \u{1b}]0;evil\u{7}\u{1b}[2J\u{1b}[6n\u{9b}1;1H\u{202e}\n\
                           # forged heading\n| a | b |\n[link](http://evil.example)";
/// Written into the database directly: line breaks `ticket new` would have normalised and
/// an OSC 8 hyperlink.
const UNIT: &str =
    "Unit\r\n\u{1b}]8;;http://evil.example\u{7}forged\u{1b}]8;;\u{7}\u{2028}row\u{85}x\ty";

/// One run of the binary: hermetic (no HOTRO_* variables, XDG directories inside the test's
/// directory, so nobody's `hotro.toml` is read), the clock fixed, acting as An. The one
/// place that says how the tests run `hotro`.
fn hotro(dir: &Path, db: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .env_remove("HOTRO_DB")
        .env_remove("HOTRO_AS")
        .env_remove("HOTRO_CONFIG")
        .env_remove("NO_COLOR")
        .env("HOTRO_NOW", NOW)
        .env("XDG_CONFIG_HOME", dir.join("xdg-config"))
        .env("XDG_DATA_HOME", dir.join("xdg-data"))
        .env("XDG_CACHE_HOME", dir.join("xdg-cache"))
        .env("HOME", dir)
        .arg("--db")
        .arg(db)
        .args(["--lang", "en", "--as", AN])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// What a terminal must never receive from stored text.
fn assert_inert(bytes: &[u8], what: &str) {
    let text = String::from_utf8(bytes.to_vec())
        .unwrap_or_else(|e| panic!("{what}: output is not UTF-8: {e}"));
    for needle in [
        &b"\x1b"[..],
        b"\x07",
        b"\r",
        "\u{9b}".as_bytes(),
        "\u{85}".as_bytes(),
        "\u{202e}".as_bytes(),
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{what}: {needle:02x?} in {text:?}"
        );
    }
    for c in text.chars() {
        assert!(c == '\n' || !c.is_control(), "{what}: {c:?} in {text:?}");
        assert!(
            !hotro::inert::is_bidi_control(c) && !matches!(c, '\u{2028}' | '\u{2029}'),
            "{what}: {c:?} in {text:?}"
        );
    }
}

/// Dropped in field order: the database (its cluster), then the folder.
struct Desk {
    db: Database,
    dir: tempfile::TempDir,
}

impl Desk {
    fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::new(dir.path());
        let desk = Desk { db, dir };
        desk.ok(&["init", "--test"]);
        desk
    }

    /// Run, insist on success, check both outputs are inert; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = hotro(self.dir.path(), &self.db.target, args);
        assert_inert(&out.stdout, &format!("stdout of {args:?}"));
        assert_inert(&out.stderr, &format!("stderr of {args:?}"));
        assert!(out.status.success(), "hotro {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run with `--json`, insist on success and inert output; the parsed JSON.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let stdout = self.ok(&all);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
    }

    /// Run, insist on failure with status `code` and inert output; returns stderr.
    fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = hotro(self.dir.path(), &self.db.target, args);
        assert_inert(&out.stdout, &format!("stdout of {args:?}"));
        assert_inert(&out.stderr, &format!("stderr of {args:?}"));
        assert_eq!(out.status.code(), Some(code), "hotro {args:?}: {out:?}");
        String::from_utf8(out.stderr).unwrap()
    }

    /// A hostile writer: `sql` run straight on the database (the file, or as the superuser).
    fn sql(&self, sql: &str) {
        self.db.tamper(sql);
    }

    /// A ticket with the hostile title and description, a hostile unit written behind
    /// hotro's back, a hostile note and a hostile resolution (so search finds it).
    fn hostile_ticket(&self) -> String {
        let created = self.json(&[
            "ticket",
            "new",
            "--title",
            TITLE,
            "--description",
            DESCRIPTION,
            "--requester",
            "Requester\u{1b}[31m red\u{202e}",
            "--app",
            "TABMIS",
        ]);
        let key = created["ticket"]["key"].as_str().unwrap().to_string();
        assert_eq!(created["ticket"]["title"], TITLE, "stored as typed");
        assert!(!UNIT.contains('\''), "written as an SQL literal");
        self.sql(&format!(
            "UPDATE tickets SET requester_unit = '{UNIT}' WHERE key = '{key}'"
        ));
        key
    }
}

fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn ticket_show_list_and_confirmations_are_inert() {
    on_each_engine(|| {
        let desk = Desk::new();
        let key = desk.hostile_ticket();

        let shown = desk.ok(&["ticket", "show", &key]);
        // The title is one field on one line, its line break marked.
        let title = lines_with(&shown, "Hostile");
        assert_eq!(title.len(), 2, "title row and the created event: {shown}");
        assert!(
            title[0].contains("wipe ask csi rlodesrever | #x⏎second line"),
            "{shown}"
        );
        // The unit written behind hotro's back stays on its line too.
        let unit = lines_with(&shown, "Unit");
        assert_eq!(unit.len(), 1, "{shown}");
        assert!(unit[0].ends_with("Unit⏎forged⏎row⏎x y"), "{shown}");
        // A description keeps its lines.
        assert!(shown.contains("\n# forged heading\n| a | b |\n"), "{shown}");

        let list = desk.ok(&["ticket", "list"]);
        let rows = lines_with(&list, &key);
        assert_eq!(rows.len(), 1, "{list}");
        assert!(rows[0].ends_with("#x⏎second line"), "{list}");
        assert_eq!(list.lines().count(), 1, "one ticket, one line: {list}");

        // A confirmation line describes the event with the stored text, inert and on one line.
        let noted = desk.ok(&[
            "ticket",
            "note",
            &key,
            "--text",
            "note \u{1b}]0;evil\u{7}\u{9b}2J\u{202e}\nmore",
        ]);
        assert_eq!(noted.lines().count(), 1, "{noted}");
        let timeline = desk.ok(&["ticket", "show", &key]);
        assert_eq!(lines_with(&timeline, "note ").len(), 1, "{timeline}");
    });
}

#[test]
fn json_escapes_every_control_and_parses_back() {
    on_each_engine(|| {
        let desk = Desk::new();
        let key = desk.hostile_ticket();
        let shown = desk.json(&["ticket", "show", &key]);
        assert_eq!(shown["ticket"]["title"], TITLE);
        assert_eq!(shown["ticket"]["description"], DESCRIPTION);
        assert_eq!(shown["ticket"]["requester"]["unit"], UNIT);
        assert_eq!(
            shown["ticket"]["requester"]["name"],
            "Requester\u{1b}[31m red\u{202e}"
        );
        let raw = String::from_utf8(
            hotro(
                desk.dir.path(),
                &desk.db.target,
                &["ticket", "show", &key, "--json"],
            )
            .stdout,
        )
        .unwrap();
        for escaped in [
            r"\u001b", r"\u0007", r"\u009b", r"\u202e", r"\u2028", r"\u0085", r"\r\n",
        ] {
            assert!(raw.contains(escaped), "{escaped} missing: {raw}");
        }
        let listed = desk.json(&["ticket", "list"]);
        assert_eq!(listed[0]["title"], TITLE);
    });
}

#[test]
fn knowledge_search_and_announcements_are_inert() {
    on_each_engine(|| {
        let desk = Desk::new();
        let key = desk.hostile_ticket();
        desk.ok(&[
            "ticket",
            "resolve",
            &key,
            "--resolution",
            "Fixed \u{1b}[2J\u{1b}]0;evil\u{7}\u{202e}\nby hand",
        ]);
        let found = desk.ok(&["kb", "search", "hostile"]);
        let hits = lines_with(&found, &key);
        assert_eq!(hits.len(), 1, "{found}");
        assert!(hits[0].contains("#x⏎second line"), "{found}");
        // The query takes the rest of the line, so --json comes first.
        let found: Value =
            serde_json::from_str(&desk.ok(&["kb", "search", "--json", "hostile"])).unwrap();
        assert_eq!(found[0]["title"], TITLE, "{found}");

        let title = "Outage \u{1b}]0;evil\u{7}\u{9b}2J\u{202e} TABMIS";
        let problem = "Problem\u{1b}[6n\nforged: line";
        desk.ok(&[
            "announce",
            "new",
            "--title",
            title,
            "--app",
            "TABMIS",
            "--problem",
            problem,
        ]);
        let list = desk.ok(&["announce", "list"]);
        assert!(list.contains("Outage  TABMIS"), "{list}");
        assert_eq!(lines_with(&list, "forged").len(), 1, "{list}");
        assert!(
            lines_with(&list, "forged")[0].contains("Problem⏎forged: line"),
            "{list}"
        );
        let list = desk.json(&["announce", "list"]);
        assert_eq!(list[0]["title"], title);
        assert_eq!(list[0]["problem"], problem);
    });
}

#[test]
fn markdown_forms_and_reports_cannot_be_given_structure() {
    on_each_engine(|| {
        let desk = Desk::new();
        let key = desk.hostile_ticket();
        let form = desk.ok(&["ticket", "form", &key, "--kind", "request"]);
        assert!(form.contains("rlodesrever \\| \\#x⏎second line"), "{form}");
        assert!(
            form.contains("\n\\# forged heading\n\\| a \\| b \\|\n"),
            "{form}"
        );
        assert!(form.contains("\\[link\\](http://evil.example)"), "{form}");
        assert!(!form.contains("\n# forged"), "{form}");
        // The unit's table cell stays one cell of one row.
        let unit = lines_with(&form, "Unit");
        assert_eq!(unit.len(), 1, "{form}");
        assert!(unit[0].ends_with("| Unit⏎forged⏎row⏎x y |"), "{form}");

        desk.ok(&[
            "check",
            "record",
            "Mail",
            "down",
            "--note",
            "=cmd()|x\u{1b}[2J # y",
        ]);
        let csv = desk.ok(&["check", "report", "--format", "csv"]);
        let mail = lines_with(&csv, "Mail");
        assert_eq!(mail.len(), 1, "{csv}");
        assert!(mail[0].contains(",down,'=cmd()|x # y,"), "{csv}");
        let md = desk.ok(&["check", "report", "--format", "md"]);
        assert!(md.contains("| =cmd()\\|x \\# y |"), "{md}");
        // The other morning-check and report outputs only need to be inert (Desk::ok checks).
        let text = desk.ok(&["check", "report", "--format", "txt"]);
        assert_eq!(lines_with(&text, "=cmd()").len(), 1, "{text}");
        desk.ok(&["check", "show"]);
        desk.ok(&["check", "history"]);
        desk.ok(&[
            "report",
            "sla",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
        ]);
        desk.ok(&["ticket", "steps", &key]);
    });
}

#[test]
fn knowledge_articles_are_inert_and_export_escapes_controls() {
    on_each_engine(|| {
        let desk = Desk::new();
        let title = "Article \u{1b}]0;evil\u{7}\u{9b}2J\u{202e}title";
        let symptom = "Symptom\u{1b}[6n\n# heading\u{85}next";
        let line = serde_json::json!({
            "ref": "KB-X1", "lang": "en", "title": title, "symptom": symptom,
            "cause": "c", "resolution": "r", "tags": ["t\u{1b}[2J"],
        });
        let file = desk.dir.path().join("kb.jsonl");
        std::fs::write(&file, format!("{line}\n")).unwrap();
        desk.ok(&["kb", "import", file.to_str().unwrap()]);
        let shown = desk.ok(&["kb", "show", "KB-X1"]);
        assert_eq!(lines_with(&shown, "Article").len(), 1, "{shown}");
        assert!(shown.contains("Symptom\n# heading"), "{shown}");
        let shown = desk.json(&["kb", "show", "KB-X1"]);
        assert_eq!(shown["article"]["title"], title, "{shown}");
        let export = desk.ok(&["kb", "export"]);
        assert_eq!(export.lines().count(), 1, "{export}");
        let back: Value = serde_json::from_str(export.trim_end()).unwrap();
        assert_eq!(back["title"], title);
        assert_eq!(back["symptom"], symptom);
        desk.ok(&["kb", "search", "article"]);
    });
}

#[test]
fn errors_that_echo_input_are_inert_and_one_line() {
    on_each_engine(|| {
        let desk = Desk::new();
        let err = desk.fails(
            1,
            &[
                "ticket",
                "list",
                "--status",
                "bad\u{1b}]0;evil\u{7}\nforged",
            ],
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("bad⏎forged"), "{err}");
        let err = desk.fails(1, &["ticket", "show", "HT-2026-9\u{1b}[2J\u{202e}"]);
        assert!(err.contains("HT-2026-9"), "{err}");
        let err = desk.fails(
            1,
            &[
                "ticket",
                "step",
                "HT-2026-000001",
                "--complete",
                "--field",
                "x\u{9b}2J",
            ],
        );
        assert!(err.contains('x'), "{err}");
        // The last --as wins: an unknown acting operator is echoed inert.
        let err = desk.fails(1, &["--as", "ev\u{1b}[2Jil\nforged", "ticket", "list"]);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("evil⏎forged"), "{err}");
        let err = desk.fails(1, &["kb", "show", "KB\u{1b}]0;x\u{7}\nforged"]);
        assert_eq!(err.lines().count(), 1, "{err}");
    });
}
