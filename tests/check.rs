//! The morning readiness check and incident announcements through the real binary, against
//! a real temporary database, with the clock fixed by `HOTRO_NOW`: the window, late and
//! missing checks, the finalised report and its amendments, report snapshots in English and
//! Vietnamese, incidents opened from a failed check, probes against servers started here on
//! 127.0.0.1 (no external network), announcements, tickets linked to an announced incident,
//! and input and configuration that are refused.
#![allow(clippy::unwrap_used, clippy::disallowed_macros)]

mod common;

use common::desks::{Database, on_each_engine};

use serde_json::Value;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");
const CONFIG: &str = hotro::config::EMBEDDED;

const AN: &str = "nguyenvanan"; // Nguyễn Văn An, service desk: lead, shift, admin
const BICH: &str = "tranthibich"; // Trần Thị Bích, service desk: operator, shift (not lead)
const HOA: &str = "lethihoa"; // Lê Thị Hoa, lead of the TABMIS group

// ---- the clock ------------------------------------------------------------------------------

/// `HH:MM` on Monday 2026-11-23 in the organisation's zone (Asia/Ho_Chi_Minh, UTC+7).
fn mon(hhmm: &str) -> String {
    format!("2026-11-23T{hhmm}:00+07:00")
}

/// `HH:MM` on Saturday 2026-11-28, organisation time.
fn sat(hhmm: &str) -> String {
    format!("2026-11-28T{hhmm}:00+07:00")
}

/// The key of the `n`th ticket: `HOTRO_NOW` is in 2026, so keys are of 2026.
fn key(n: u32) -> String {
    format!("HT-2026-{n:06}")
}

// ---- running the binary ---------------------------------------------------------------------

/// What one run of the binary did.
#[derive(Debug)]
struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
}

/// One temporary directory and one database: a file in it, or on PostgreSQL a database on a
/// throwaway cluster of its own.
struct Desk {
    dir: tempfile::TempDir,
    db: Database,
}

impl Desk {
    /// A fresh directory and a database created with `hotro init`.
    fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::new(dir.path());
        let desk = Desk { dir, db };
        let out = desk.at(&mon("06:00")).ok(&["init", "--test"]);
        assert!(out.stdout.contains("Database ready"), "{out:?}");
        desk
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A command at `now` (RFC 3339), acting as An, in English.
    fn at(&self, now: &str) -> Call<'_> {
        Call {
            desk: self,
            now: now.to_string(),
            actor: Some(AN),
            lang: "en",
            config: None,
        }
    }

    /// `check show --json` at `now`.
    fn day(&self, now: &str) -> Value {
        self.at(now).json(&["check", "show"])
    }

    /// `check record SYSTEM RESULT` at `now` as `actor`; returns standard output.
    fn record(&self, now: &str, actor: &'static str, system: &str, result: &str) -> String {
        self.at(now)
            .by(actor)
            .ok(&["check", "record", system, result])
            .stdout
    }

    /// `check report --format FORMAT` at `now` in `lang`, without its last line, the audit
    /// chain head as of reading (it moves with every ticket event; tests/audit.rs checks it).
    fn report(&self, now: &str, lang: &'static str, format: &str) -> String {
        let out = self
            .at(now)
            .lang(lang)
            .ok(&["check", "report", "--format", format])
            .stdout;
        if format == "csv" {
            return out;
        }
        let (report, head) = out.trim_end().rsplit_once("\n\n").unwrap();
        assert!(
            head.starts_with("Audit chain head: ") || head.starts_with("Đầu chuỗi kiểm toán: "),
            "{out}"
        );
        format!("{report}\n")
    }

    /// `ticket show KEY --json`: `{ticket, timeline}`.
    fn ticket(&self, key: &str) -> Value {
        self.at(&mon("12:00")).json(&["ticket", "show", key])["ticket"].clone()
    }
}

/// One invocation being put together: when, as whom, in which language, with which config.
struct Call<'a> {
    desk: &'a Desk,
    now: String,
    actor: Option<&'a str>,
    lang: &'static str,
    config: Option<&'a Path>,
}

impl Call<'_> {
    fn by(mut self, actor: &'static str) -> Self {
        self.actor = Some(actor);
        self
    }

    fn lang(mut self, lang: &'static str) -> Self {
        self.lang = lang;
        self
    }

    /// Run with this `HOTRO_NOW` value as it is (valid or not).
    fn raw_now(mut self, value: &str) -> Self {
        self.now = value.to_string();
        self
    }

    /// A hermetic command: no HOTRO_* variables from whoever runs the tests, user config and
    /// data directories inside the desk's directory (which hold nothing), stdin closed.
    fn command(&self, args: &[&str]) -> Command {
        let home = self.desk.dir.path();
        let mut c = Command::new(BIN);
        c.env_remove("HOTRO_DB")
            .env_remove("HOTRO_AS")
            .env_remove("HOTRO_CONFIG")
            .env_remove("NO_COLOR")
            .env("HOTRO_NOW", &self.now)
            .env("XDG_CONFIG_HOME", home.join("xdg-config"))
            .env("XDG_DATA_HOME", home.join("xdg-data"))
            .env("XDG_CACHE_HOME", home.join("xdg-cache"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c.arg("--db")
            .arg(&self.desk.db.target)
            .args(["--lang", self.lang]);
        if let Some(a) = self.actor {
            c.args(["--as", a]);
        }
        if let Some(f) = self.config {
            c.arg("--config").arg(f);
        }
        c.args(args);
        c
    }

    fn run(&self, args: &[&str]) -> Out {
        let started = Instant::now();
        let o = self.command(args).output().unwrap();
        Out {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            elapsed: started.elapsed(),
        }
    }

    /// Run and insist on exit status 0.
    fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(out.code, Some(0), "hotro {args:?} failed: {out:?}");
        out
    }

    /// Run with `--json` appended, insist on success and parse standard output.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        self.ok(&all).json()
    }

    /// Run and insist on a given exit status; returns standard error, which must say
    /// something, while standard output stays empty.
    fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.code,
            Some(code),
            "hotro {args:?} should exit {code}: {out:?}"
        );
        assert!(out.stdout.is_empty(), "{args:?} printed: {out:?}");
        assert!(out.stderr.starts_with("error: "), "{args:?}: {out:?}");
        out.stderr
    }
}

// ---- reading `check show --json` ------------------------------------------------------------

/// The line of `system` in a day shown by `check show --json`.
fn line<'v>(day: &'v Value, system: &str) -> &'v Value {
    day["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["system"] == system)
        .unwrap_or_else(|| panic!("no line for {system} in {day}"))
}

/// `(late, missing)` of a system's line.
fn late_missing(day: &Value, system: &str) -> (bool, bool) {
    let l = line(day, system);
    (
        l["late"].as_bool().unwrap(),
        l["missing"].as_bool().unwrap(),
    )
}

/// The recorded result of a system, `None` when unchecked.
fn result_of(day: &Value, system: &str) -> Option<String> {
    line(day, system)["entry"]["result"]
        .as_str()
        .map(str::to_string)
}

/// Systems with a recorded result.
fn checked(day: &Value) -> Vec<String> {
    day["systems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| !l["entry"].is_null())
        .map(|l| l["system"].as_str().unwrap().to_string())
        .collect()
}

// ---- 1. time rules --------------------------------------------------------------------------

#[test]
fn the_window_decides_what_is_late_and_the_deadline_what_is_missing() {
    on_each_engine(|| {
        let desk = Desk::new();

        // 06:55, before the window: a check now is on time and nothing is late yet.
        desk.record(&mon("06:55"), AN, "TABMIS", "ok");
        let day = desk.day(&mon("06:55"));
        assert_eq!(day["date"], "2026-11-23");
        assert_eq!(day["phase"], "before_window");
        assert_eq!(late_missing(&day, "TABMIS"), (false, false));
        assert_eq!(late_missing(&day, "TCS-TT"), (false, false));
        assert_eq!(line(&day, "TABMIS")["entry"]["at"], "2026-11-22T23:55:00Z");

        // 07:10, inside the window.
        desk.record(&mon("07:10"), BICH, "Mail", "slow");
        let day = desk.day(&mon("07:10"));
        assert_eq!(day["phase"], "in_window");
        assert_eq!(late_missing(&day, "Mail"), (false, false));
        assert_eq!(line(&day, "Mail")["entry"]["by"], BICH);
        assert_eq!(line(&day, "Mail")["entry"]["source"], "manual");
        assert_eq!(late_missing(&day, "TCS-TT"), (false, false));

        // 07:35, after the window: this result is late.
        desk.record(&mon("07:35"), AN, "Portal", "ok");

        // 07:40: unchecked systems are late, not yet missing; earlier results stay on time.
        let day = desk.day(&mon("07:40"));
        assert_eq!(day["phase"], "late");
        assert_eq!(late_missing(&day, "TABMIS"), (false, false));
        assert_eq!(late_missing(&day, "Mail"), (false, false));
        assert_eq!(late_missing(&day, "Portal"), (true, false));
        assert_eq!(late_missing(&day, "TCS-TT"), (true, false));
        assert_eq!(late_missing(&day, "DMDC"), (true, false));

        // 07:50, past the 07:45 deadline: unchecked systems are missing too.
        let day = desk.day(&mon("07:50"));
        assert_eq!(day["phase"], "past_deadline");
        assert_eq!(late_missing(&day, "TCS-TT"), (true, true));
        assert_eq!(late_missing(&day, "DMDC"), (true, true));
        assert_eq!(late_missing(&day, "Portal"), (true, false));
        assert_eq!(late_missing(&day, "TABMIS"), (false, false));
        assert_eq!(day["systems"].as_array().unwrap().len(), 12);

        // The report says so: the late check is marked and listed.
        let md = desk.report(&mon("07:50"), "en", "md");
        assert!(
            md.contains("| Portal | OK |  | Nguyễn Văn An | 07:35 (late) |  |"),
            "{md}"
        );
        assert!(md.contains("- Portal at 07:35"), "{md}");
        assert!(md.contains("12 systems: 2 OK, 1 slow, 0 login failed, 0 down, 9 not checked."));

        // The same day seen on Tuesday is past its deadline.
        let day =
            desk.at("2026-11-24T07:10:00+07:00")
                .json(&["check", "show", "--date", "2026-11-23"]);
        assert_eq!(day["phase"], "past_deadline");
        assert_eq!(late_missing(&day, "TCS-TT"), (true, true));
    });
}

/// Issue 14: `check show` on a day without a check said "Not finalised yet (draft)"; only
/// `--json` told the phase. It now says there is no check that day and when the next is.
#[test]
fn a_day_without_a_check_says_so_and_names_the_next() {
    on_each_engine(|| {
        let desk = Desk::new();
        let out = desk.at(&sat("09:00")).ok(&["check", "show"]).stdout;
        assert!(
            out.contains("There is no morning check on 28/11/2026")
                && out.contains("the next one is on 30/11/2026"),
            "{out}"
        );
        assert!(!out.contains("draft"), "{out}");
    });
}

#[test]
fn a_saturday_has_no_check_and_nothing_is_late() {
    on_each_engine(|| {
        let desk = Desk::new();
        desk.record(&sat("07:40"), AN, "TABMIS", "ok");
        let day = desk.day(&sat("09:00"));
        assert_eq!(day["date"], "2026-11-28");
        assert_eq!(day["phase"], "no_check_today");
        assert_eq!(result_of(&day, "TABMIS").as_deref(), Some("ok"));
        for l in day["systems"].as_array().unwrap() {
            assert_eq!(l["late"], false, "{l}");
            assert_eq!(l["missing"], false, "{l}");
        }
    });
}

// ---- 2. finalising and amendments -----------------------------------------------------------

/// The Markdown heading of the amendments section, as the report writes it.
const AMENDMENTS: &str = "\n## Amendments after finalising\n";

#[test]
fn a_finalised_report_only_changes_by_logged_amendment() {
    on_each_engine(|| {
        let desk = Desk::new();
        desk.record(&mon("07:05"), AN, "TABMIS", "ok");
        desk.at(&mon("07:12"))
            .ok(&["check", "record", "Mail", "down", "--note", "=SUM(A1:A2)"]);
        desk.record(&mon("07:20"), BICH, "Portal", "slow");

        let out = desk.at(&mon("07:40")).ok(&["check", "finalise"]);
        assert_eq!(
            out.stdout.trim(),
            "The check of 2026-11-23 is finalised; its report is frozen (9 system(s) not checked). \
         Later changes are recorded as amendments."
        );
        let sent = desk.report(&mon("07:40"), "en", "md");
        assert!(
            sent.contains("Finalised by Nguyễn Văn An at 2026-11-23 07:40."),
            "{sent}"
        );
        assert!(!sent.contains(AMENDMENTS), "{sent}");
        // Read later, without changes, it is the same report.
        assert_eq!(desk.report(&mon("08:30"), "en", "md"), sent);

        // 09:00: Mail is back. The day is finalised, so this is an amendment, which needs the
        // lead role: Bích (shift, not lead) is refused and nothing changes.
        let err = desk.at(&mon("09:00")).by(BICH).fails(
            5,
            &["check", "record", "Mail", "ok", "--note", "restarted IMAP"],
        );
        assert!(err.contains("lead"), "{err}");
        assert_eq!(
            result_of(&desk.day(&mon("09:00")), "Mail").as_deref(),
            Some("down")
        );
        assert!(
            desk.day(&mon("09:00"))["amendments"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        // An (lead and shift) records it.
        let out = desk.at(&mon("09:00")).ok(&[
            "check",
            "record",
            "Mail",
            "ok",
            "--note",
            "restarted IMAP",
        ]);
        assert_eq!(
            out.stdout.trim(),
            "E-mail: OK — the check of 2026-11-23 was already finalised, so this is recorded as an \
         amendment."
        );

        // The report as sent, then the amendment: who, when, from → to.
        let now = desk.report(&mon("10:00"), "en", "md");
        let (table, amendments) = now
            .split_once(AMENDMENTS)
            .unwrap_or_else(|| panic!("no amendments section: {now}"));
        assert_eq!(
            table, sent,
            "the table part is byte for byte the report as sent"
        );
        assert_eq!(
            now,
            format!(
                "{sent}{AMENDMENTS}\n- 2026-11-23 09:00 Nguyễn Văn An: E-mail Down → OK (restarted IMAP)\n"
            )
        );
        assert!(amendments.contains("Nguyễn Văn An"));
        // The frozen table still says Mail was down when the report was sent.
        assert!(sent.contains("| E-mail | Down | =SUM(A1:A2) | Nguyễn Văn An | 07:12 |  |"));

        // `check show --json`: the finalised day, the frozen result and the amendment.
        let day = desk.day(&mon("10:00"));
        assert_eq!(day["finalised"]["by"], AN);
        assert_eq!(day["finalised"]["at"], "2026-11-23T00:40:00Z");
        assert_eq!(result_of(&day, "Mail").as_deref(), Some("down"));
        let a = &day["amendments"];
        assert_eq!(a.as_array().unwrap().len(), 1, "{day}");
        assert_eq!(a[0]["system"], "Mail");
        assert_eq!(a[0]["by"], AN);
        assert_eq!(a[0]["at"], "2026-11-23T02:00:00Z");
        assert_eq!(a[0]["from"], "down");
        assert_eq!(a[0]["to"], "ok");
        assert_eq!(a[0]["note"], "restarted IMAP");

        // A day is finalised once: the second attempt names who did it and when.
        let err = desk
            .at(&mon("10:05"))
            .by(HOA)
            .fails(1, &["check", "finalise"]);
        assert!(err.contains("2026-11-23"), "{err}");
        assert!(err.contains("already finalised by Nguyễn Văn An"), "{err}");
        assert!(err.contains("at 2026-11-23 07:40"), "local time: {err}");
        assert_eq!(desk.day(&mon("10:06"))["finalised"]["by"], AN);

        // CSV: ids, RFC 3339 times in local time with the offset (issue 13), `amended` per system, a formula-like note neutralised.
        let csv = desk.report(&mon("10:00"), "en", "csv");
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(
            rows[0],
            "date,system,result,note,checked_by,checked_at,source,late,missing,incident,amended"
        );
        assert_eq!(rows.len(), 13, "{csv}");
        assert_eq!(
            rows[1],
            "2026-11-23,TABMIS,ok,,nguyenvanan,2026-11-23T07:05:00+07:00,manual,false,false,,false"
        );
        let mail = rows.iter().find(|r| r.contains(",Mail,")).unwrap();
        assert_eq!(
            *mail,
            "2026-11-23,Mail,down,'=SUM(A1:A2),nguyenvanan,2026-11-23T07:12:00+07:00,manual,false,false,,true"
        );
        let dmdc = rows.iter().find(|r| r.contains(",DMDC,")).unwrap();
        assert_eq!(*dmdc, "2026-11-23,DMDC,,,,,,true,true,,false");
    });
}

#[test]
fn an_incident_opened_after_finalising_leaves_the_report_as_sent_alone() {
    on_each_engine(|| {
        let desk = Desk::new();
        desk.record(&mon("07:05"), AN, "TABMIS", "ok");
        desk.record(&mon("07:10"), AN, "Mail", "down");
        desk.at(&mon("07:40")).ok(&["check", "finalise"]);
        let sent = desk.report(&mon("07:41"), "en", "md");

        let out = desk.at(&mon("09:00")).ok(&["check", "incident", "Mail"]);
        assert!(out.stdout.contains(&key(1)), "{out:?}");
        let now = desk.report(&mon("09:01"), "en", "md");
        // The store logs this incident as an amendment (check_log.amendment = 1), but the
        // report lists it under "Incidents opened", between the frozen table and the
        // amendments: the part of the report that was sent has changed.
        let as_sent = now.split(AMENDMENTS).next().unwrap();
        assert_eq!(as_sent, sent, "the report as sent changed:\n{now}");
        assert!(
            now.contains(&key(1)),
            "the late incident is still reported: {now}"
        );
    });
}

// ---- 3. report snapshots --------------------------------------------------------------------

/// A fixed morning: on-time, slow, down with an incident, login failed, one late check,
/// finalised at 07:44, then two amendments (a change and a system checked only afterwards).
fn snapshot_scenario() -> Desk {
    let desk = Desk::new();
    desk.record(&mon("07:05"), AN, "TABMIS", "ok");
    desk.at(&mon("07:08")).ok(&[
        "check",
        "record",
        "TCS-TT",
        "slow",
        "--note",
        "chậm 5 s | trang chủ",
    ]);
    desk.at(&mon("07:12")).by(BICH).ok(&[
        "check",
        "record",
        "Mail",
        "down",
        "--note",
        "IMAP timeout",
    ]);
    let out = desk.at(&mon("07:14")).ok(&["check", "incident", "Mail"]);
    assert!(out.stdout.contains(&key(1)), "{out:?}");
    desk.record(&mon("07:20"), BICH, "Portal", "login_failed");
    desk.record(&mon("07:36"), AN, "QLTS", "ok");
    desk.at(&mon("07:44")).ok(&["check", "finalise"]);
    // Amendments need a lead who is also on the shift: An.
    desk.at(&mon("09:15"))
        .ok(&["check", "record", "Mail", "ok", "--note", "restarted"]);
    desk.record(&mon("09:30"), AN, "DMDC", "ok");
    desk
}

#[test]
fn report_snapshots_in_english_and_vietnamese() {
    on_each_engine(|| {
        let desk = snapshot_scenario();
        let now = mon("10:00");
        insta::assert_snapshot!("report_en_md", desk.report(&now, "en", "md"));
        insta::assert_snapshot!("report_en_txt", desk.report(&now, "en", "txt"));
        insta::assert_snapshot!("report_vi_md", desk.report(&now, "vi", "md"));
        insta::assert_snapshot!("report_vi_txt", desk.report(&now, "vi", "txt"));
        // Reading it a day later changes nothing: the report is judged as of its finalising.
        assert_eq!(
            desk.at("2026-11-24T15:00:00+07:00")
                .ok(&["check", "report", "--date", "2026-11-23"])
                .stdout,
            desk.at(&now)
                .ok(&["check", "report", "--format", "md"])
                .stdout
        );
    });
}

// ---- 4. incidents from a failed check -------------------------------------------------------

/// Issue 14: finalising a day with a system down and no incident ticket said nothing. It
/// now warns, naming the system and the command that opens one; with the incident opened,
/// no warning.
#[test]
fn finalising_warns_of_a_failure_without_an_incident() {
    on_each_engine(|| {
        let desk = Desk::new();
        desk.record(&mon("07:10"), AN, "Mail", "down");
        desk.record(&mon("07:11"), AN, "TABMIS", "login_failed");
        desk.at(&mon("07:12")).ok(&["check", "incident", "TABMIS"]);
        let out = desk.at(&mon("07:40")).ok(&["check", "finalise"]);
        assert!(
        out.stderr
            .contains("warning: E-mail failed and has no incident ticket: open one with hotro check incident Mail"),
        "{out:?}"
    );
        assert!(!out.stderr.contains("TABMIS"), "{out:?}");
    });
}

#[test]
fn a_system_down_names_the_lead_to_call_and_opens_one_incident() {
    on_each_engine(|| {
        let desk = Desk::new();
        let out = desk.at(&mon("07:10")).ok(&[
            "check",
            "record",
            "Mail",
            "down",
            "--note",
            "no IMAP answer",
        ]);
        assert_eq!(
            out.stdout,
            "E-mail: Down (check of 2026-11-23).\n\
         Call now: Vũ Đức Minh (0912 000 305), lead of the group that runs E-mail.\n"
        );
        let day = desk.day(&mon("07:11"));
        assert_eq!(line(&day, "Mail")["group"], "workstations");
        assert_eq!(line(&day, "Mail")["lead"], "Vũ Đức Minh");
        assert_eq!(line(&day, "Mail")["phone"], "0912 000 305");
        assert!(line(&day, "Mail")["entry"]["incident"].is_null());

        // A result that needs no call names nobody.
        let out = desk
            .at(&mon("07:11"))
            .ok(&["check", "record", "TABMIS", "slow"]);
        assert!(!out.stdout.contains("Call now"), "{out:?}");

        let out = desk.at(&mon("07:12")).ok(&["check", "incident", "Mail"]);
        let k = key(1);
        assert_eq!(
            out.stdout.trim(),
            format!("Opened incident {k} (P1) for E-mail.")
        );
        let list = desk.at(&mon("07:13")).json(&["ticket", "list"]);
        let rows = list.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{list}");
        assert_eq!(rows[0]["key"], k.as_str());
        assert_eq!(rows[0]["group"], "workstations");
        assert_eq!(rows[0]["application"], "Mail");
        assert_eq!(rows[0]["priority"], "P1");
        assert_eq!(rows[0]["kind"], "incident");
        assert_eq!(rows[0]["status"], "new");
        // `ticket list --json` carries no channel: `ticket show` does.
        let t = desk.ticket(&k);
        assert_eq!(t["channel"], "monitoring");
        assert_eq!(t["impact"], "high");
        assert_eq!(t["urgency"], "high");
        assert_eq!(t["title"], "[Morning check] E-mail: Down");
        let description = t["description"].as_str().unwrap();
        assert!(
            description.starts_with(
                "Found in the morning readiness check of 23/11/2026: E-mail — Down \
             (checked by Nguyễn Văn An at 07:10)."
            ),
            "{description}"
        );
        assert!(description.contains("no IMAP answer"), "{description}");

        let day = desk.day(&mon("07:13"));
        assert_eq!(line(&day, "Mail")["entry"]["incident"], k.as_str());

        // A second time: the same incident, no new ticket.
        let again = desk.at(&mon("07:14")).json(&["check", "incident", "Mail"]);
        assert_eq!(again["created"], false);
        assert_eq!(again["ticket"]["key"], k.as_str());
        let out = desk.at(&mon("07:15")).ok(&["check", "incident", "Mail"]);
        assert_eq!(
            out.stdout.trim(),
            format!("E-mail already has incident {k}; no second one was opened.")
        );
        let list = desk.at(&mon("07:16")).json(&["ticket", "list"]);
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

        // No incident for a system without a result.
        let err = desk
            .at(&mon("07:17"))
            .fails(1, &["check", "incident", "Portal"]);
        assert!(
            err.contains("Portal has no result on 2026-11-23: record the check first."),
            "{err}"
        );
        let list = desk.at(&mon("07:18")).json(&["ticket", "list"]);
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    });
}

#[test]
fn an_incident_for_an_unchecked_system_is_refused() {
    on_each_engine(|| {
        let desk = Desk::new();
        let err = desk
            .at(&mon("07:10"))
            .fails(1, &["check", "incident", "TABMIS"]);
        assert!(
            err.contains("TABMIS has no result on 2026-11-23: record the check first."),
            "{err}"
        );
        let list = desk.at(&mon("07:11")).json(&["ticket", "list"]);
        assert_eq!(list, serde_json::json!([]));
    });
}

// ---- 5. probes against local servers --------------------------------------------------------

/// Accept connections on 127.0.0.1 in a background thread; each is handled in its own
/// thread. The servers live as long as the test process.
fn serve(handler: impl Fn(TcpStream) + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handler = Arc::new(handler);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let handler = Arc::clone(&handler);
            thread::spawn(move || handler(stream));
        }
    });
    port
}

/// Read until the end of the request headers, or until the client gives up.
fn read_request(stream: &mut TcpStream) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// An HTTP server answering every request with `status` and `body`.
fn http_server(status: &'static str, body: &'static str) -> u16 {
    serve(move |mut s| {
        use std::io::Write;
        read_request(&mut s);
        let _ = write!(
            s,
            "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    })
}

/// A server that accepts, reads the request and never answers (for 30 s).
fn silent_server() -> u16 {
    serve(|mut s| {
        read_request(&mut s);
        thread::sleep(Duration::from_secs(30));
        drop(s);
    })
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Replace exactly one occurrence of `from` and insist it was there.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} in the config");
    text.replacen(from, to, 1)
}

/// The shipped configuration with every probe pointed at 127.0.0.1 and a 1 s timeout.
fn probe_config(tabmis: u16, portal: u16, tcs: u16, mail: u16) -> String {
    let t = replace_once(
        CONFIG,
        "url = \"https://tabmis.kbnn.example/\", status = 200, timeout_ms = 5000,",
        &format!("url = \"http://127.0.0.1:{tabmis}/\", status = 200, timeout_ms = 1000,"),
    );
    let t = replace_once(
        &t,
        "url = \"https://portal.kbnn.example/\", status = 200, text = \"Kho bạc\", timeout_ms = 5000,",
        &format!(
            "url = \"http://127.0.0.1:{portal}/\", status = 200, text = \"Kho bạc\", timeout_ms = 1000,"
        ),
    );
    let t = replace_once(
        &t,
        "host = \"tcs.kbnn.example\", port = 443, timeout_ms = 3000",
        &format!("host = \"127.0.0.1\", port = {tcs}, timeout_ms = 1000"),
    );
    replace_once(
        &t,
        "host = \"mail.kbnn.example\", port = 993, timeout_ms = 3000",
        &format!("host = \"127.0.0.1\", port = {mail}, timeout_ms = 1000"),
    )
}

/// Write a probe configuration into the desk's directory and check it is valid.
fn write_config(desk: &Desk, text: &str) -> PathBuf {
    let file = desk.path("probes.toml");
    std::fs::write(&file, text).unwrap();
    let out = desk
        .at(&mon("07:00"))
        .ok(&["config", "check", file.to_str().unwrap()]);
    assert!(out.stdout.contains("Configuration is valid"), "{out:?}");
    file
}

/// The four systems with a probe, in config order.
const PROBED: [&str; 4] = ["TABMIS", "TCS-TT", "Portal", "Mail"];

#[test]
fn check_run_auto_records_probe_results_and_keeps_manual_ones() {
    on_each_engine(|| {
        let desk = Desk::new();
        let tabmis = http_server("200 OK", "TABMIS ready");
        let portal = http_server("500 Internal Server Error", "Kho bạc: broken");
        let tcs = serve(drop);
        let file = write_config(&desk, &probe_config(tabmis, portal, tcs, closed_port()));
        let with_config = |now: &str| Call {
            config: Some(&file),
            ..desk.at(now)
        };

        // Mail was checked by hand before the run: its result is kept, not overwritten.
        with_config(&mon("07:02")).ok(&["check", "record", "Mail", "ok", "--note", "webmail fine"]);

        let out = with_config(&mon("07:05")).run(&["check", "run", "--auto"]);
        assert_eq!(out.code, Some(4), "Portal is down: {out:?}");
        assert!(
            out.stdout
                .contains("Portal: Down — HTTP status 500, expected 200 (recorded)"),
            "{out:?}"
        );
        // The probe's own finding is shown, and that the operator's result was kept.
        assert!(
            out.stdout.contains("E-mail: Down — cannot connect (")
                && out.stdout.contains(") (already checked today: kept)\n"),
            "{out:?}"
        );
        assert!(
            out.stdout.contains(
                "Call now: Đặng Quốc Huy (0912 000 306), lead of the group that runs Portal."
            ),
            "{out:?}"
        );

        let day = with_config(&mon("07:06")).json(&["check", "show"]);
        let entry = |s: &str| line(&day, s)["entry"].clone();
        assert_eq!(entry("TABMIS")["result"], "ok");
        assert_eq!(entry("TABMIS")["source"], "auto");
        assert_eq!(entry("TABMIS")["by"], AN);
        assert_eq!(entry("TABMIS")["at"], "2026-11-23T00:05:00Z");
        assert!(
            entry("TABMIS")["detail"]
                .as_str()
                .unwrap()
                .starts_with("answered in "),
            "{day}"
        );
        assert_eq!(entry("TCS-TT")["result"], "ok");
        assert_eq!(entry("TCS-TT")["source"], "auto");
        assert_eq!(entry("Portal")["result"], "down");
        assert_eq!(entry("Portal")["source"], "auto");
        assert_eq!(entry("Portal")["detail"], "HTTP status 500, expected 200");
        assert_eq!(entry("Mail")["result"], "ok");
        assert_eq!(entry("Mail")["source"], "manual");
        assert_eq!(entry("Mail")["note"], "webmail fine");
        assert_eq!(entry("Mail")["at"], "2026-11-23T00:02:00Z");
        // Systems without a probe stay unchecked.
        assert_eq!(checked(&day), PROBED.to_vec());

        // A second run records nothing new and still reports the system that is down.
        let again = with_config(&mon("07:08")).run(&["check", "run", "--auto", "--json"]);
        assert_eq!(again.code, Some(4), "{again:?}");
        let j = again.json();
        assert_eq!(j["failing"], serde_json::json!(["Portal"]));
        assert!(
            j["probes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["recorded"] == false),
            "{j}"
        );
        assert_eq!(with_config(&mon("07:09")).json(&["check", "show"]), day);
    });
}

#[test]
fn a_server_that_never_answers_is_down_within_its_timeout() {
    on_each_engine(|| {
        let desk = Desk::new();
        let tabmis = http_server("200 OK", "TABMIS ready");
        let portal = silent_server();
        let tcs = serve(drop);
        let file = write_config(&desk, &probe_config(tabmis, portal, tcs, closed_port()));
        let with_config = |now: &str| Call {
            config: Some(&file),
            ..desk.at(now)
        };

        let out = with_config(&mon("07:05")).run(&["check", "run", "--auto", "--json"]);
        assert_eq!(out.code, Some(4), "{out:?}");
        // Generous: the 1 s timeout holds (the server would keep the probe waiting for 30 s).
        assert!(
            out.elapsed < Duration::from_secs(10),
            "took {:?}: {out:?}",
            out.elapsed
        );
        let j = out.json();
        assert_eq!(j["date"], "2026-11-23");
        // With --auto, `failing` comes from the stored day (in database order, not config
        // order as without --auto): compare as a set.
        let mut failing: Vec<&str> = j["failing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        failing.sort_unstable();
        assert_eq!(failing, vec!["Mail", "Portal"]);
        let probes = j["probes"].as_array().unwrap();
        let systems: Vec<&str> = probes
            .iter()
            .map(|p| p["system"].as_str().unwrap())
            .collect();
        assert_eq!(systems, PROBED.to_vec());
        let portal = &probes[2];
        assert_eq!(portal["result"], "down");
        assert_eq!(portal["recorded"], true);
        assert!(
            portal["detail"]
                .as_str()
                .unwrap()
                .starts_with("no answer within"),
            "{portal}"
        );
        let mail = &probes[3];
        assert_eq!(mail["result"], "down");
        assert!(
            mail["detail"]
                .as_str()
                .unwrap()
                .starts_with("cannot connect ("),
            "{mail}"
        );

        let day = with_config(&mon("07:06")).json(&["check", "show"]);
        for (system, result) in [
            ("TABMIS", "ok"),
            ("TCS-TT", "ok"),
            ("Portal", "down"),
            ("Mail", "down"),
        ] {
            assert_eq!(result_of(&day, system).as_deref(), Some(result), "{system}");
            assert_eq!(line(&day, system)["entry"]["source"], "auto", "{system}");
        }
        assert_eq!(checked(&day), PROBED.to_vec());
    });
}

#[test]
fn check_run_without_auto_only_reports() {
    on_each_engine(|| {
        let desk = Desk::new();
        let tabmis = http_server("200 OK", "TABMIS ready");
        let portal = http_server("200 OK", "Cổng thông tin Kho bạc Nhà nước");
        let tcs = serve(drop);
        let file = write_config(&desk, &probe_config(tabmis, portal, tcs, closed_port()));
        let with_config = |now: &str| Call {
            config: Some(&file),
            ..desk.at(now)
        };
        let before = with_config(&mon("07:05")).json(&["check", "show"]);
        assert!(checked(&before).is_empty());

        // Without --auto a failing system does not change the exit status either.
        let j = with_config(&mon("07:05")).json(&["check", "run"]);
        let probes = j["probes"].as_array().unwrap();
        let seen: Vec<(&str, &str, bool)> = probes
            .iter()
            .map(|p| {
                (
                    p["system"].as_str().unwrap(),
                    p["result"].as_str().unwrap(),
                    p["recorded"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("TABMIS", "ok", false),
                ("TCS-TT", "ok", false),
                ("Portal", "ok", false),
                ("Mail", "down", false),
            ]
        );
        assert_eq!(j["failing"], serde_json::json!(["Mail"]));

        let after = with_config(&mon("07:05")).json(&["check", "show"]);
        assert_eq!(after, before, "check run without --auto recorded something");
        let log = with_config(&mon("07:05")).ok(&["check", "report", "--format", "csv"]);
        assert!(!log.stdout.contains(",auto,"), "{log:?}");
    });
}

// ---- 6. announcements -----------------------------------------------------------------------

/// An incident ticket about TABMIS; returns its key.
fn tabmis_incident(desk: &Desk) -> String {
    let j = desk.at(&mon("08:00")).json(&[
        "ticket",
        "new",
        "--title",
        "TABMIS: login fails for every unit",
        "--app",
        "TABMIS",
        "--group",
        "tabmis",
        "--kind",
        "incident",
        "--impact",
        "high",
        "--urgency",
        "high",
    ]);
    j["ticket"]["key"].as_str().unwrap().to_string()
}

/// An active announcement for TABMIS naming `incident`; returns it.
fn announce_tabmis(desk: &Desk, incident: &str) -> Value {
    desk.at(&mon("08:05")).json(&[
        "announce",
        "new",
        "--title",
        "TABMIS login outage",
        "--app",
        "tabmis",
        "--problem",
        "Nobody can log in to TABMIS.",
        "--guidance",
        "Keep the documents; enter them after the fix.",
        "--fix-by",
        "2026-11-23 10:30",
        "--incident",
        incident,
    ])
}

#[test]
fn announcements_are_created_edited_with_a_version_guard_and_resolved() {
    on_each_engine(|| {
        let desk = Desk::new();
        let k = tabmis_incident(&desk);
        let a = announce_tabmis(&desk, &k);
        let id = a["id"].as_i64().unwrap();
        let id_s = id.to_string();
        assert_eq!(a["version"], 1);
        assert_eq!(a["created_by"], AN);

        let active = desk
            .at(&mon("08:06"))
            .json(&["announce", "list", "--active"]);
        let list = active.as_array().unwrap();
        assert_eq!(list.len(), 1, "{active}");
        let shown = &list[0];
        assert_eq!(shown["id"], id);
        assert_eq!(shown["title"], "TABMIS login outage");
        assert_eq!(shown["applications"], serde_json::json!(["TABMIS"]));
        assert_eq!(shown["problem"], "Nobody can log in to TABMIS.");
        assert_eq!(shown["expected_fix"], "2026-11-23T03:30:00Z");
        assert_eq!(shown["incident"], k.as_str());
        assert!(shown["resolved_at"].is_null());

        // The text listing shows the fix time in organisation time.
        let text = desk.at(&mon("08:06")).ok(&["announce", "list"]).stdout;
        assert!(
            text.contains(&format!("#{id} TABMIS login outage [active]")),
            "{text}"
        );
        assert!(text.contains("Expected fix: 2026-11-23 10:30"), "{text}");

        // An edit against version 1 works once.
        let edited = desk.at(&mon("08:30")).by(HOA).json(&[
            "announce",
            "edit",
            &id_s,
            "--expect-version",
            "1",
            "--guidance",
            "Use the paper forms until 10:30.",
        ]);
        assert_eq!(edited["version"], 2);
        assert_eq!(edited["guidance"], "Use the paper forms until 10:30.");
        assert_eq!(edited["updated_by"], HOA);
        assert_eq!(edited["problem"], "Nobody can log in to TABMIS.", "kept");
        assert_eq!(edited["expected_fix"], "2026-11-23T03:30:00Z", "kept");

        // The same stale version again is refused (exit 3, as for tickets) and changes nothing.
        let err = desk.at(&mon("08:31")).fails(
            3,
            &[
                "announce",
                "edit",
                &id_s,
                "--expect-version",
                "1",
                "--guidance",
                "stale",
            ],
        );
        assert!(
            err.contains(&format!(
                "announcement {id} changed since version 1 (now 2)"
            )),
            "{err}"
        );
        let list = desk
            .at(&mon("08:32"))
            .json(&["announce", "list", "--active"]);
        assert_eq!(list[0]["guidance"], "Use the paper forms until 10:30.");
        assert_eq!(list[0]["version"], 2);

        // Resolved: gone from the active list, kept in the full one.
        let out = desk.at(&mon("10:40")).ok(&["announce", "resolve", &id_s]);
        assert_eq!(out.stdout.trim(), format!("Announcement {id} resolved."));
        let active = desk
            .at(&mon("10:41"))
            .json(&["announce", "list", "--active"]);
        assert_eq!(active, serde_json::json!([]));
        let all = desk.at(&mon("10:41")).json(&["announce", "list"]);
        assert_eq!(all.as_array().unwrap().len(), 1);
        assert_eq!(all[0]["resolved_by"], AN);
        assert_eq!(all[0]["resolved_at"], "2026-11-23T03:40:00Z");
        assert_eq!(all[0]["version"], 3);
        // Resolving twice is refused.
        let err = desk
            .at(&mon("10:42"))
            .fails(1, &["announce", "resolve", &id_s]);
        assert!(
            err.contains(&format!("announcement {id} is already resolved")),
            "{err}"
        );
    });
}

#[test]
fn announcements_refuse_unknown_applications_and_incidents() {
    on_each_engine(|| {
        let desk = Desk::new();
        let err = desk.at(&mon("08:00")).fails(
            1,
            &["announce", "new", "--title", "Outage", "--app", "NOPE"],
        );
        // The field's label is capitalised as in the ticket form ("unknown Application").
        assert!(
            err.to_lowercase().contains("unknown application “nope”"),
            "{err}"
        );

        let missing = key(999);
        let err = desk.at(&mon("08:01")).fails(
            1,
            &[
                "announce",
                "new",
                "--title",
                "Outage",
                "--app",
                "TABMIS",
                "--incident",
                &missing,
            ],
        );
        assert!(err.contains(&format!("no ticket {missing}")), "{err}");

        let err = desk
            .at(&mon("08:02"))
            .fails(1, &["announce", "edit", "42", "--guidance", "x"]);
        assert!(err.contains("no announcement 42"), "{err}");

        let err = desk.at(&mon("08:03")).fails(
            1,
            &["announce", "new", "--title", "Outage", "--fix-by", "soon"],
        );
        assert!(err.contains("“soon” is not a time"), "{err}");

        let all = desk.at(&mon("08:04")).json(&["announce", "list"]);
        assert_eq!(all, serde_json::json!([]), "nothing was created");
    });
}

// ---- 7. tickets linked to an announced incident ---------------------------------------------

#[test]
fn tickets_about_an_announced_outage_link_to_it_and_resolve_with_it() {
    on_each_engine(|| {
        let desk = Desk::new();
        let k = tabmis_incident(&desk);
        let a = announce_tabmis(&desk, &k);
        let id = a["id"].as_i64().unwrap();

        // Without --link-incident: created unlinked, with a hint naming the incident.
        let out = desk.at(&mon("08:10")).ok(&[
            "ticket",
            "new",
            "--title",
            "Cannot log in to TABMIS",
            "--app",
            "TABMIS",
        ]);
        let hinted = key(2);
        assert!(out.stdout.contains(&hinted), "{out:?}");
        assert_eq!(
            out.stderr.trim(),
            format!(
                "Announcement {id}: incident {k} affects this application. Link {hinted} to it with \
             `hotro ticket link {hinted} --child-of {k}` (or create with --link-incident)."
            )
        );
        assert!(desk.ticket(&hinted)["parent"].is_null());

        // With --link-incident: children of the incident.
        let child = |now: &str, title: &str| -> String {
            let j = desk.at(now).json(&[
                "ticket",
                "new",
                "--title",
                title,
                "--app",
                "TABMIS",
                "--link-incident",
            ]);
            assert_eq!(j["ticket"]["parent"], k.as_str(), "{j}");
            j["ticket"]["key"].as_str().unwrap().to_string()
        };
        let busy = child(&mon("08:11"), "TABMIS login error at the Hanoi office");
        let waiting = child(&mon("08:12"), "TABMIS login error at the Hue office");

        // A ticket about another application is not linked.
        let other = desk.at(&mon("08:13")).json(&[
            "ticket",
            "new",
            "--title",
            "Mail quota",
            "--app",
            "Mail",
            "--link-incident",
        ]);
        assert!(other["ticket"]["parent"].is_null(), "{other}");

        // Someone of the service desk, where the new tickets landed, works on one of them.
        desk.at(&mon("08:20"))
            .by(BICH)
            .ok(&["ticket", "status", &busy, "in_progress"]);
        assert_eq!(desk.ticket(&busy)["status"], "in_progress");

        let out = desk.at(&mon("10:30")).by(HOA).ok(&[
            "ticket",
            "resolve",
            &k,
            "--resolution",
            "Login server restarted",
            "--linked",
        ]);
        assert!(
            out.stderr
                .contains(&format!("Resolved 1 linked ticket(s) with it: {waiting}")),
            "{out:?}"
        );
        assert!(
            out.stderr.contains(&format!(
                "Left 1 linked ticket(s) with open work of their own: {busy}"
            )),
            "{out:?}"
        );

        let incident = desk.ticket(&k);
        assert_eq!(incident["status"], "resolved");
        assert_eq!(incident["resolved_at"], "2026-11-23T03:30:00Z");
        let resolved = desk.ticket(&waiting);
        assert_eq!(resolved["status"], "resolved");
        assert_eq!(resolved["resolution"], "Login server restarted");
        assert_eq!(desk.ticket(&busy)["status"], "in_progress");
        assert!(desk.ticket(&busy)["resolution"].is_null());
        // The unlinked ticket is not touched.
        assert_eq!(desk.ticket(&hinted)["status"], "new");
    });
}

// ---- 8. bad input ---------------------------------------------------------------------------

#[test]
fn bad_check_input_is_refused_with_a_clear_message() {
    on_each_engine(|| {
        let desk = Desk::new();
        let at = || desk.at(&mon("07:10"));

        let err = at().fails(1, &["check", "record", "Nope", "ok"]);
        assert!(
            err.contains("unknown system “Nope”; known: TABMIS, TCS-TT,"),
            "{err}"
        );
        assert!(err.contains("DMDC"), "{err}");

        let err = at().fails(1, &["check", "record", "TABMIS", "fine"]);
        assert!(
            err.contains("unknown result “fine”; expected ok, slow, login_failed or down."),
            "{err}"
        );

        let err = at().fails(1, &["check", "show", "--date", "2026-13-01"]);
        assert!(
            err.contains("“2026-13-01” is not a date; expected YYYY-MM-DD"),
            "{err}"
        );
        let err = at().fails(
            1,
            &["check", "record", "TABMIS", "ok", "--date", "2026-13-01"],
        );
        assert!(err.contains("“2026-13-01” is not a date"), "{err}");

        let err = at().raw_now("yesterday").fails(1, &["check", "show"]);
        assert!(
            err.contains("HOTRO_NOW=“yesterday” is not an RFC 3339 instant"),
            "{err}"
        );
        let err = at()
            .raw_now("2026-11-23 07:10")
            .fails(1, &["check", "record", "TABMIS", "ok"]);
        assert!(err.contains("HOTRO_NOW"), "{err}");

        let err = at().fails(1, &["check", "report", "--format", "pdf"]);
        assert!(
            err.contains("unknown format “pdf”; expected md, txt or csv."),
            "{err}"
        );

        // A system id is matched regardless of case; a result word loosely.
        let out = at().ok(&["check", "record", "tabmis", "Login-Failed"]);
        assert!(out.stdout.starts_with("TABMIS: Login failed"), "{out:?}");

        // Nothing but that last record was stored.
        let day = desk.day(&mon("07:11"));
        assert_eq!(checked(&day), vec!["TABMIS"]);
        assert_eq!(result_of(&day, "TABMIS").as_deref(), Some("login_failed"));
    });
}

/// The 1-based line of the first `needle` after the first `anchor` in `text`.
fn line_at(text: &str, anchor: &str, needle: &str) -> usize {
    let a = text
        .find(anchor)
        .unwrap_or_else(|| panic!("{anchor:?} not in the text"));
    let n = text[a..]
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not after {anchor:?}"))
        + a;
    text[..n].matches('\n').count() + 1
}

/// A broken `[morning_check]`: the edited text, where the error is and what it says.
struct Broken {
    name: &'static str,
    text: String,
    line: usize,
    key: &'static str,
    says: &'static [&'static str],
}

fn broken_check_configs() -> Vec<Broken> {
    let mut cases = Vec::new();

    let text = replace_once(
        CONFIG,
        "probe = { kind = \"tcp\", host = \"mail.kbnn.example\"",
        "probe = { kind = \"ping\", host = \"mail.kbnn.example\"",
    );
    cases.push(Broken {
        name: "probe-kind",
        line: line_at(&text, "id = \"Mail\"", "kind = \"ping\""),
        text,
        key: "morning_check.systems.probe.kind",
        says: &["unknown probe kind `ping`", "expected tcp, http or command"],
    });

    let text = replace_once(
        CONFIG,
        "host = \"mail.kbnn.example\", port = 993, ",
        "host = \"mail.kbnn.example\", ",
    );
    cases.push(Broken {
        name: "tcp-port",
        line: line_at(&text, "id = \"Mail\"", "probe ="),
        text,
        key: "morning_check.systems.probe.port",
        says: &["the tcp probe of system `Mail` needs `port` (1-65535)"],
    });

    let text = replace_once(CONFIG, "window_end = \"07:30\"", "window_end = \"06:30\"");
    cases.push(Broken {
        name: "window",
        line: line_at(&text, "[morning_check]", "window_end ="),
        text,
        key: "morning_check.window_end",
        says: &[
            "ends at 06:30",
            "starts at 07:00",
            "must come after the start",
        ],
    });

    let text = replace_once(
        CONFIG,
        "application = \"Mail\"\ngroup = \"workstations\"",
        "application = \"Mail\"\ngroup = \"mailroom\"",
    );
    cases.push(Broken {
        name: "system-group",
        line: line_at(&text, "id = \"Mail\"", "group = \"mailroom\""),
        text,
        key: "morning_check.systems.group",
        says: &[
            "system `Mail` names group `mailroom`",
            "not defined in [[groups]]",
        ],
    });

    let text = replace_once(
        CONFIG,
        "port = 443, timeout_ms = 3000",
        "port = 443, timeout_ms = 0",
    );
    cases.push(Broken {
        name: "timeout-zero",
        line: line_at(&text, "id = \"TCS-TT\"", "timeout_ms = 0"),
        text,
        key: "morning_check.systems.probe.timeout_ms",
        says: &["0 is out of range", "expected 1 to 120000 milliseconds"],
    });
    cases
}

#[test]
fn broken_morning_check_configs_name_the_line_and_the_key() {
    on_each_engine(|| {
        let desk = Desk::new();
        for c in broken_check_configs() {
            assert_ne!(c.text, CONFIG, "{}: the edit did not apply", c.name);
            let file = desk.path(&format!("{}.toml", c.name));
            std::fs::write(&file, &c.text).unwrap();
            let f = file.to_str().unwrap();
            let place = format!("config error in {f}, line {}, key `{}`: ", c.line, c.key);
            for args in [
                vec!["config", "check", f],
                vec!["--config", f, "check", "show"],
            ] {
                let err = desk.at(&mon("07:10")).fails(1, &args);
                assert!(err.contains(&place), "{}: {place:?} in {err}", c.name);
                for says in c.says {
                    assert!(err.contains(says), "{}: says {says:?}: {err}", c.name);
                }
            }
            // The library agrees.
            match hotro::config::parse(&c.text, hotro::config::Source::Embedded) {
                Err(hotro::config::ConfigError::Invalid { line, key, .. }) => {
                    assert_eq!(line, Some(c.line), "{}", c.name);
                    assert_eq!(key.as_deref(), Some(c.key), "{}", c.name);
                }
                Err(other) => panic!("{}: wrong error {other:?}", c.name),
                Ok(_) => panic!("{}: the broken config was accepted", c.name),
            }
        }
        // Nothing was recorded through a broken configuration.
        assert!(checked(&desk.day(&mon("07:11"))).is_empty());
    });
}

// ---- 9. JSON output -------------------------------------------------------------------------

/// Keys that occur more than once in one JSON object anywhere in `text`. serde_json's `Value`
/// silently keeps the last of them, so this reads the text itself.
fn duplicate_keys(text: &str) -> Vec<String> {
    use std::collections::HashSet;
    // One entry per open container: the keys seen so far for an object, `None` for an array.
    let mut open: Vec<Option<HashSet<String>>> = Vec::new();
    let mut dups = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => open.push(Some(HashSet::new())),
            '[' => open.push(None),
            '}' | ']' => {
                open.pop();
            }
            '"' => {
                let mut s = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            s.push(c);
                            s.extend(chars.next());
                        }
                        '"' => break,
                        _ => s.push(c),
                    }
                }
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                let is_key = chars.peek() == Some(&':');
                if is_key
                    && let Some(Some(keys)) = open.last_mut()
                    && !keys.insert(s.clone())
                {
                    dups.push(s);
                }
            }
            _ => {}
        }
    }
    dups
}

// No database: runs once.
#[test]
fn duplicate_keys_are_found() {
    assert!(duplicate_keys(r#"{"a": {"a": 1}, "b": ["a", "a"], "c": "a:"}"#).is_empty());
    assert_eq!(
        duplicate_keys(r#"{"a": 1, "x": {"k\"": 1, "k\"": 2}, "a": 2}"#),
        vec!["k\\\"", "a"]
    );
}

#[test]
fn check_json_output_has_unique_keys() {
    on_each_engine(|| {
        let desk = Desk::new();
        desk.record(&mon("07:05"), AN, "Mail", "down");
        let outputs = [
            desk.at(&mon("07:06"))
                .ok(&["check", "record", "TABMIS", "ok", "--json"]),
            desk.at(&mon("07:07"))
                .ok(&["check", "incident", "Mail", "--json"]),
            desk.at(&mon("07:40")).ok(&["check", "finalise", "--json"]),
            desk.at(&mon("07:41"))
                .ok(&["check", "history", "--month", "2026-11", "--json"]),
            desk.at(&mon("07:42")).ok(&["check", "show", "--json"]),
        ];
        for out in &outputs {
            out.json();
            let dups = duplicate_keys(&out.stdout);
            assert!(
                dups.is_empty(),
                "duplicate keys {dups:?} in:\n{}",
                out.stdout
            );
        }
    });
}
