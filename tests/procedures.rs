//! The shipped procedures through the real binary: each one's happy path, its return loops,
//! completions refused for a missing field or the wrong role, and the step clocks; on each
//! engine.
#![allow(clippy::unwrap_used, clippy::disallowed_macros)]

mod common;

use common::desks::{Database, on_each_engine};
use serde_json::Value;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");
/// The configured operator with the approver role.
const APPROVER: &str = "lyvanlong";

struct Desk {
    dir: tempfile::TempDir,
    db: Database,
}

impl Desk {
    /// A fresh sandbox database (`init --test`), so `--as` and `HOTRO_NOW` are accepted, on
    /// the engine of the body running.
    fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::new(dir.path());
        let d = Desk { dir, db };
        let out = d.ok("07:00", "nguyenvanan", &["init", "--test"]);
        assert!(out.contains("Database ready"), "{out}");
        d
    }

    fn run(&self, when: &str, login: &str, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--db")
            .arg(&self.db.target)
            .args(["--as", login, "--lang", "en"])
            .args(args)
            .env("HOTRO_NOW", format!("2026-11-23T{when}:00+07:00"))
            .env_remove("HOTRO_DB")
            .env_remove("HOTRO_AS")
            .env_remove("HOTRO_CONFIG")
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_CACHE_HOME", self.dir.path().join("cache"))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn ok(&self, when: &str, login: &str, args: &[&str]) -> String {
        let out = self.run(when, login, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn fails(&self, when: &str, login: &str, args: &[&str]) -> String {
        let out = self.run(when, login, args);
        assert_eq!(out.status.code(), Some(1), "{args:?} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Run and insist on a permission refusal (exit status 5, issue 11).
    fn refused(&self, when: &str, login: &str, args: &[&str]) -> String {
        let out = self.run(when, login, args);
        assert_eq!(out.status.code(), Some(5), "{args:?} should be refused");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn steps(&self, when: &str, key: &str) -> Value {
        serde_json::from_str(&self.ok(when, "nguyenvanan", &["ticket", "steps", key, "--json"]))
            .unwrap()
    }

    fn new_ticket(&self, kind: &str) -> String {
        let out = self.ok(
            "08:00",
            "nguyenvanan",
            &[
                "ticket",
                "new",
                "--title",
                "Yêu cầu",
                "--kind",
                kind,
                "--json",
            ],
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        v["ticket"]["key"].as_str().unwrap().to_string()
    }

    /// Complete the current step with a value for every field it requires.
    fn complete(&self, when: &str, login: &str, key: &str) -> String {
        let v = self.steps(when, key);
        let step = v["current"].as_str().unwrap().to_string();
        let mut args: Vec<String> = vec![
            "ticket".into(),
            "step".into(),
            key.into(),
            "--complete".into(),
        ];
        for f in v["needs"].as_array().unwrap() {
            args.push("--field".into());
            args.push(format!(
                "{}=giá trị của {}",
                f.as_str().unwrap(),
                f.as_str().unwrap()
            ));
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.ok(when, login, &refs);
        step
    }

    fn current(&self, key: &str) -> Value {
        self.steps("16:00", key)["current"].clone()
    }
}

/// Walk a procedure from its first step to its end; `approver_steps` are done by the approver.
fn walk(d: &Desk, kind: &str, approver_steps: &[&str]) -> Vec<String> {
    walk_as(d, kind, APPROVER, approver_steps)
}

/// Walk a procedure; `special_steps` are done by `special`.
fn walk_as(d: &Desk, kind: &str, special: &str, special_steps: &[&str]) -> Vec<String> {
    let key = d.new_ticket(kind);
    let mut done = Vec::new();
    while let Some(step) = d.current(&key).as_str().map(str::to_string) {
        let login = if special_steps.contains(&step.as_str()) {
            special
        } else {
            "nguyenvanan"
        };
        // Every step that requires something refuses to complete without it.
        let needs = d.steps("09:00", &key)["needs"].as_array().unwrap().len();
        if needs > 0 {
            let err = d.fails("09:00", login, &["ticket", "step", &key, "--complete"]);
            assert!(
                err.contains(&format!("step {step} needs")),
                "{kind} {step}: {err}"
            );
        }
        done.push(d.complete("09:00", login, &key));
        assert!(done.len() <= 20, "the procedure never ends: {done:?}");
    }
    done
}

#[test]
fn every_shipped_procedure_runs_from_first_step_to_end() {
    on_each_engine(|| {
        let d = Desk::new();
        assert_eq!(
            walk(&d, "repair", &["B5"]),
            ["B1", "B2", "B3", "B4", "B5", "B6", "B7"]
        );
        assert_eq!(walk(&d, "consultation", &[]), ["1", "2", "3"]);
        assert_eq!(walk(&d, "configuration", &[]), ["1", "2", "3", "4"]);
        assert_eq!(
            walk(&d, "data-repair", &[]),
            ["1", "2", "3", "4", "5", "6", "7", "8"]
        );
        assert_eq!(
            walk(&d, "bug", &[]),
            ["1", "2", "3", "4", "5", "6", "7", "8"]
        );
        assert_eq!(walk(&d, "service-request", &[]), ["R", "2", "3", "4"]);
        assert_eq!(
            walk_as(&d, "remote-support", KEY_USER, &["2"]),
            ["1", "2", "3"]
        );
        // A kind without a procedure has no steps.
        let key = d.new_ticket("incident");
        assert!(d.current(&key).is_null());
        let err = d.fails(
            "09:00",
            "nguyenvanan",
            &["ticket", "step", &key, "--complete"],
        );
        assert!(err.contains("follow no procedure"), "{err}");
    });
}

#[test]
fn a_step_is_not_completed_without_what_it_requires() {
    on_each_engine(|| {
        let d = Desk::new();
        let key = d.new_ticket("data-repair");
        for _ in 0..3 {
            d.complete("09:00", "nguyenvanan", &key);
        }
        assert_eq!(d.current(&key), "4");
        let err = d.fails(
            "09:30",
            "nguyenvanan",
            &[
                "ticket",
                "step",
                &key,
                "--complete",
                "--field",
                "scope=Chứng từ tháng 10",
            ],
        );
        for f in ["business_year", "items", "before_after", "reason"] {
            assert!(err.contains(f), "{f} missing from: {err}");
        }
        assert!(!err.contains("scope,"), "scope was given: {err}");
        assert_eq!(d.current(&key), "4", "nothing changed");
        let err = d.fails(
            "09:30",
            "nguyenvanan",
            &["ticket", "step", &key, "--complete", "--field", "oops"],
        );
        assert!(err.contains("NAME=VALUE"), "{err}");
    });
}

#[test]
fn an_approval_is_returned_for_adjustment_and_only_an_approver_decides() {
    on_each_engine(|| {
        let d = Desk::new();
        let key = d.new_ticket("repair");
        for _ in 0..4 {
            d.complete("09:00", "nguyenvanan", &key);
        }
        assert_eq!(d.current(&key), "B5");
        // At the approval step the ticket waits for approval, so it is in the approver's queue
        // (issue 14: it stayed `new` and that queue showed 0).
        let status = |when: &str| {
            let v: Value = serde_json::from_str(&d.ok(
                when,
                "nguyenvanan",
                &["ticket", "show", &key, "--json"],
            ))
            .unwrap();
            v["ticket"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(status("09:30"), "waiting_approval");
        let waiting = d.ok(
            "09:30",
            "nguyenvanan",
            &["ticket", "list", "--status", "waiting_approval"],
        );
        assert!(waiting.contains(&key), "{waiting}");
        // Not an approver: refused.
        let err = d.refused(
            "10:00",
            "nguyenvanan",
            &[
                "ticket",
                "step",
                &key,
                "--complete",
                "--field",
                "approval_document=x",
            ],
        );
        assert!(err.contains("approver"), "{err}");
        let err = d.refused(
            "10:00",
            "nguyenvanan",
            &[
                "ticket",
                "step",
                &key,
                "--return-to",
                "B3",
                "--reason",
                "Dự toán quá cao",
            ],
        );
        assert!(err.contains("approver"), "{err}");
        // The approver sends the plan back to B3; it cannot send it anywhere else.
        let err = d.fails(
            "10:00",
            APPROVER,
            &["ticket", "step", &key, "--return-to", "B1", "--reason", "x"],
        );
        assert!(err.contains("cannot send the request back"), "{err}");
        d.ok(
            "10:00",
            APPROVER,
            &[
                "ticket",
                "step",
                &key,
                "--return-to",
                "B3",
                "--reason",
                "Dự toán quá cao",
            ],
        );
        assert_eq!(d.current(&key), "B3");
        assert_eq!(status("10:05"), "in_progress", "back at work on the plan");
        d.complete("11:00", "nguyenvanan", &key);
        d.complete("11:10", "nguyenvanan", &key);
        assert_eq!(status("11:15"), "waiting_approval");
        d.complete("13:30", APPROVER, &key);
        assert_eq!(d.current(&key), "B6");
        assert_eq!(status("13:35"), "in_progress");
        let text = d.ok("14:00", "nguyenvanan", &["ticket", "show", &key]);
        assert!(
            text.contains("step B5 sent back to B3: Dự toán quá cao"),
            "{text}"
        );
        // The completion record tells the whole path (issue 14: B3 and B4 twice with nothing
        // to say why, the return hidden): each pass numbered, the return with its reason.
        let form = d.ok(
            "14:05",
            "nguyenvanan",
            &["ticket", "form", &key, "--kind", "completion"],
        );
        let b3 = form.find("- **B3**").expect("B3");
        let back = form
            .find("↩ B5 sent back to B3: Dự toán quá cao")
            .expect("the return");
        let b3_again = form.find("(pass 2)").expect("B3 again");
        assert!(b3 < back && back < b3_again, "{form}");
        let again_line = form.lines().find(|l| l.contains("(pass 2)")).unwrap_or("");
        assert!(again_line.starts_with("- **B3**"), "{form}");
    });
}

#[test]
fn the_other_return_loops_go_where_the_procedure_says() {
    on_each_engine(|| {
        let d = Desk::new();
        for (kind, at, back) in [
            ("data-repair", "5", "4"),
            ("data-repair", "8", "7"),
            ("configuration", "4", "3"),
            ("bug", "8", "6"),
        ] {
            let key = d.new_ticket(kind);
            while d.current(&key) != at {
                d.complete("09:00", "nguyenvanan", &key);
            }
            d.ok(
                "10:00",
                "nguyenvanan",
                &[
                    "ticket",
                    "step",
                    &key,
                    "--return-to",
                    back,
                    "--reason",
                    "Chưa đúng",
                ],
            );
            assert_eq!(d.current(&key), back, "{kind} {at} -> {back}");
        }
    });
}

#[test]
fn each_step_has_its_clock_in_working_time() {
    on_each_engine(|| {
        let d = Desk::new();
        let key = d.new_ticket("repair");
        d.complete("08:30", "nguyenvanan", &key); // B1: 30 min of its 1 h
        d.complete("13:30", "nguyenvanan", &key); // B2: 08:30-13:30 = 3 h 30 (lunch excluded)
        let v = d.steps("16:00", &key);
        let clocks = v["clocks"].as_array().unwrap();
        assert_eq!(clocks[0]["step"], "B1");
        assert_eq!(clocks[0]["used_minutes"], 30);
        assert_eq!(clocks[0]["over"], false);
        assert_eq!(clocks[0]["by"], "nguyenvanan");
        assert_eq!(clocks[1]["step"], "B2");
        assert_eq!(clocks[1]["used_minutes"], 210);
        assert_eq!(clocks[1]["budget_minutes"], 225, "0.5 d = 3 h 45");
        assert_eq!(clocks[2]["step"], "B3");
        assert_eq!(clocks[2]["used_minutes"], 150, "13:30-16:00, still running");
        assert_eq!(clocks[2]["over"], false);
        assert_eq!(v["needs"], serde_json::json!(["plan", "cost_estimate"]));
        let text = d.ok("16:00", "nguyenvanan", &["ticket", "steps", &key]);
        assert!(
            text.contains("▶ B3") && text.contains("needs: plan, cost_estimate"),
            "{text}"
        );
        // Issue 14: QT.VHTT.01's 3 working days in all are a clock of their own (it fell back to
        // the default 2 d resolution target before): 08:00–16:00 less lunch, still running.
        let overall = &v["overall"];
        assert_eq!(overall["step"], "QT.VHTT.01", "{overall}");
        assert_eq!(overall["budget"], "3d", "{overall}");
        assert_eq!(overall["used_minutes"], 390, "{overall}");
        assert_eq!(overall["left"], Value::Null, "{overall}");
        assert!(
            text.contains("In all: budget 3d, used 6 h 30 min"),
            "{text}"
        );
        let show = d.ok("16:00", "nguyenvanan", &["ticket", "show", &key, "--json"]);
        let show: Value = serde_json::from_str(&show).unwrap();
        assert_eq!(
            show["sla"]["resolution"]["budget"], "3d",
            "the repair kind's resolution target is the procedure's 3 days"
        );
    });
}

/// Issue 14: a finished B1–B7 left the ticket `new` without a word. Finished, the procedure
/// says what remains (resolving the ticket) and its overall clock stops.
#[test]
fn a_finished_procedure_says_what_remains_and_its_clock_stops() {
    on_each_engine(|| {
        let d = Desk::new();
        assert_eq!(
            walk(&d, "repair", &["B5"]),
            ["B1", "B2", "B3", "B4", "B5", "B6", "B7"]
        );
        let key = "HT-2026-000001";
        let v = d.steps("16:00", key);
        assert!(v["current"].is_null());
        assert_eq!(
            v["overall"]["left"], "2026-11-23T02:00:00Z",
            "stopped at B7 (09:00)"
        );
        assert_eq!(v["overall"]["by"], "nguyenvanan");
        let show: Value =
            serde_json::from_str(&d.ok("16:00", "nguyenvanan", &["ticket", "show", key, "--json"]))
                .unwrap();
        assert_eq!(show["ticket"]["status"], "in_progress");
        let text = d.ok("16:00", "nguyenvanan", &["ticket", "steps", key]);
        assert!(
            text.contains("The procedure is done; what remains: resolve the ticket")
                && text.contains(&format!("hotro ticket resolve {key} --resolution")),
            "{text}"
        );
        assert!(
            text.contains("In all: budget 3d, took 1 h 00 min — done"),
            "{text}"
        );
        d.ok(
            "16:10",
            "nguyenvanan",
            &["ticket", "resolve", key, "--resolution", "Đã thay ổ cứng"],
        );
        let text = d.ok("16:20", "nguyenvanan", &["ticket", "steps", key]);
        assert!(text.contains("The procedure is done."), "{text}");
    });
}

/// The configured key user (for the remote-support procedure's step 2).
const KEY_USER: &str = "buivantuan";

#[test]
fn an_emergency_phoned_in_is_handled_first_and_its_form_filed_afterwards() {
    on_each_engine(|| {
        let d = Desk::new();
        let key = d.new_ticket("service-request");
        d.ok(
            "08:05",
            "nguyenvanan",
            &["ticket", "step", &key, "--complete", "--to", "E2"],
        );
        assert_eq!(d.current(&key), "E2");
        let mut path = vec!["R".to_string()];
        while d.current(&key).is_string() {
            path.push(d.complete("09:00", "nguyenvanan", &key));
        }
        assert_eq!(path, ["R", "E2", "E3", "E4"]);
        let text = d.ok("16:00", "nguyenvanan", &["ticket", "show", &key]);
        assert!(text.contains("step E4 done (form_number"), "{text}");
        let err = d.fails(
            "09:00",
            "nguyenvanan",
            &["ticket", "step", &key, "--complete"],
        );
        assert!(err.contains("finished its procedure"), "{err}");
    });
}

#[test]
fn remote_support_goes_through_the_key_user_who_may_send_it_on() {
    on_each_engine(|| {
        let d = Desk::new();
        let key = d.new_ticket("remote-support");
        d.complete("08:30", "nguyenvanan", &key);
        // Step 2 is the key user's.
        let err = d.refused(
            "09:00",
            "nguyenvanan",
            &[
                "ticket",
                "step",
                &key,
                "--complete",
                "--field",
                "kb_checked=KB-12",
            ],
        );
        assert!(err.contains("key_user"), "{err}");
        d.ok(
            "09:00",
            KEY_USER,
            &[
                "ticket",
                "step",
                &key,
                "--complete",
                "--field",
                "kb_checked=không có",
                "--to",
                "4",
            ],
        );
        assert_eq!(d.current(&key), "4");
        d.complete("09:30", "nguyenvanan", &key);
        d.complete("10:30", "nguyenvanan", &key);
        assert!(d.current(&key).is_null());
    });
}

#[test]
fn a_step_clock_stands_still_while_the_ticket_waits() {
    on_each_engine(|| {
        let d = Desk::new();
        let key = d.new_ticket("consultation");
        d.complete("08:10", "nguyenvanan", &key); // step 1
        // Step 2 from 08:10; waiting on the requester 08:30-09:30.
        d.ok(
            "08:30",
            "nguyenvanan",
            &["ticket", "status", &key, "waiting_requester"],
        );
        d.ok(
            "09:30",
            "nguyenvanan",
            &["ticket", "status", &key, "in_progress"],
        );
        let v = d.steps("10:00", &key);
        let step2 = &v["clocks"].as_array().unwrap()[1];
        assert_eq!(step2["step"], "2");
        assert_eq!(
            step2["used_minutes"], 50,
            "20 min before waiting, 30 after: {step2}"
        );
        assert_eq!(step2["over"], false, "1 h budget");
    });
}

/// Issue 14: a ticket reclassified to a kind with a procedure three hours after it was
/// recorded showed its first step with those hours already used. The step starts when the
/// ticket became of that kind.
#[test]
fn a_reclassified_tickets_first_step_starts_when_it_changed_kind() {
    on_each_engine(|| {
        let d = Desk::new();
        let key = d.new_ticket("incident");
        d.ok(
            "11:00",
            "nguyenvanan",
            &["ticket", "classify", &key, "--kind", "consultation"],
        );
        let v = d.steps("11:20", &key);
        let first = &v["clocks"].as_array().unwrap()[0];
        assert_eq!(first["step"], "1", "{v}");
        assert_eq!(first["used_minutes"], 20, "from 11:00, not 08:00: {first}");
        assert_eq!(first["entered"], "2026-11-23T04:00:00Z", "{first}");
    });
}

#[test]
fn the_request_and_completion_forms_print_what_was_recorded() {
    on_each_engine(|| {
        let d = Desk::new();
        let key = d.new_ticket("repair");
        d.complete("08:30", "nguyenvanan", &key);
        d.complete("09:00", "nguyenvanan", &key);
        let request = d.ok(
            "09:10",
            "nguyenvanan",
            &["ticket", "form", &key, "--kind", "request"],
        );
        assert!(request.contains("# REQUEST FOR IT SUPPORT"), "{request}");
        assert!(
            request.contains(&key) && request.contains("QT.VHTT.01"),
            "{request}"
        );
        assert!(
            !request.contains("Partner"),
            "two signatures on a request: {request}"
        );
        let done = d.ok(
            "09:10",
            "nguyenvanan",
            &["ticket", "form", &key, "--kind", "completion"],
        );
        assert!(done.contains("# IT SUPPORT COMPLETION RECORD"), "{done}");
        assert!(
            done.contains("repair_form: giá trị của repair_form"),
            "{done}"
        );
        assert!(
            done.contains("| Requester | IT department | Partner (if any) |"),
            "{done}"
        );
        let err = d.fails(
            "09:10",
            "nguyenvanan",
            &["ticket", "form", &key, "--kind", "pdf"],
        );
        assert!(err.contains("request or completion"), "{err}");
    });
}

/// Issue 16 (seed 004, article 3): the requirements' submission window is the month's first
/// three working days on the calendar; a submission after it waits for the next month's.
#[test]
fn the_requirement_window_follows_the_calendar() {
    on_each_engine(|| {
        let d = Desk::new();
        // January 2026: New Year's Day and the bridge Friday are holidays.
        let out = d.ok(
            "09:00",
            "nguyenvanan",
            &["req", "window", "--month", "2026-01", "--json"],
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["days"],
            serde_json::json!(["2026-01-05", "2026-01-06", "2026-01-07"])
        );
        assert_eq!(v["month"], "2026-01");
        // Monday 23 November 2026 is after November's window (2–4): December's, from the 1st.
        assert_eq!(v["submitted_now"]["placement"], "next_window", "{v}");
        assert_eq!(v["submitted_now"]["month"], "2026-12", "{v}");
        assert_eq!(v["submitted_now"]["opens"], "2026-12-01", "{v}");
        let text = d.ok(
            "09:00",
            "nguyenvanan",
            &["req", "window", "--month", "2027-02"],
        );
        assert!(
            text.contains(
                "Submission window for 2027-02: 2027-02-01 (Mon), 2027-02-02 (Tue), 2027-02-03 (Wed)"
            ),
            "{text}"
        );
        let err = d.fails(
            "09:00",
            "nguyenvanan",
            &["req", "window", "--month", "2026-13"],
        );
        assert!(
            err.contains("“2026-13” is not a month; expected YYYY-MM"),
            "{err}"
        );
    });
}
