//! SLA clocks and the working-time calendar through the real binary, with the one clock
//! fixed by `HOTRO_NOW`.
#![allow(clippy::unwrap_used, clippy::disallowed_macros)]

mod common;

use common::desks::{Database, on_each_engine};

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");

struct Desk {
    dir: tempfile::TempDir,
    /// A file in `dir`, or a database on a throwaway PostgreSQL cluster of its own.
    db: Database,
    config: PathBuf,
}

impl Desk {
    /// The shipped config plus a 2-hour resolution target for P3 incidents.
    fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::new(dir.path());
        let config = dir.path().join("hotro.toml");
        std::fs::write(
            &config,
            format!(
                "{}\n[[sla.targets]]\nkind = \"incident\"\npriority = \"P3\"\nfirst_response = \"1h\"\nresolution = \"2h\"\n",
                hotro::config::EMBEDDED
            ),
        )
        .unwrap();
        let d = Desk { dir, db, config };
        // A sandbox database first (issue 11), so `--as` and `HOTRO_NOW` are accepted.
        let out = d.ok("07:00", &["init", "--test"]);
        assert!(out.contains("Database ready"), "{out}");
        d
    }

    /// Run at a local time of Monday 23 November 2026 ("08:00") or a full RFC 3339 instant.
    fn at(&self, when: &str, args: &[&str]) -> Output {
        self.at_as(when, "nguyenvanan", args)
    }

    fn at_as(&self, when: &str, login: &str, args: &[&str]) -> Output {
        let now = if when.len() == 5 {
            format!("2026-11-23T{when}:00+07:00")
        } else {
            when.to_string()
        };
        Command::new(BIN)
            .arg("--db")
            .arg(&self.db.target)
            .arg("--config")
            .arg(&self.config)
            .args(["--as", login, "--lang", "en"])
            .args(args)
            .env("HOTRO_NOW", now)
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

    fn ok(&self, when: &str, args: &[&str]) -> String {
        let out = self.at(when, args);
        assert!(
            out.status.success(),
            "{args:?} at {when}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn json(&self, when: &str, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(when, &all)).unwrap()
    }

    fn new_ticket(&self, when: &str, extra: &[&str]) -> String {
        let mut args = vec!["ticket", "new", "--title", "Không kết xuất được báo cáo"];
        args.extend_from_slice(extra);
        let v = self.json(when, &args);
        v["ticket"]["key"].as_str().unwrap().to_string()
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn waiting_on_the_requester_is_credited_due_1105_not_breached_at_1100() {
    on_each_engine(|| {
        let d = Desk::new();
        let key = d.new_ticket("08:00", &["--kind", "incident"]);
        d.ok("08:10", &["ticket", "status", &key, "in_progress"]);
        d.ok("09:00", &["ticket", "status", &key, "waiting_requester"]);
        let waiting = d.json("09:30", &["ticket", "show", &key]);
        assert_eq!(waiting["sla"]["resolution"]["state"], "paused");
        d.ok("10:05", &["ticket", "status", &key, "in_progress"]);

        let at_11 = d.json("11:00", &["ticket", "show", &key]);
        let r = &at_11["sla"]["resolution"];
        assert_eq!(r["due"], "2026-11-23T04:05:00Z", "11:05 in Hanoi: {r}");
        assert_eq!(r["used_minutes"], 115, "{r}");
        assert_ne!(r["state"], "breached", "{r}");
        let text = d.ok("11:00", &["ticket", "show", &key]);
        assert!(
            text.contains("Resolution: at risk") && text.contains("2026-11-23 11:05"),
            "{text}"
        );

        let at_1106 = d.json("11:06", &["ticket", "show", &key]);
        assert_eq!(at_1106["sla"]["resolution"]["state"], "breached");
        // Breached, the due time is still shown: when it ran out (issue 14: it said "due —").
        assert_eq!(at_1106["sla"]["resolution"]["due"], "2026-11-23T04:05:00Z");
        let text = d.ok("11:06", &["ticket", "show", &key]);
        assert!(text.contains("2026-11-23 11:05"), "{text}");
    });
}

/// Issue 14: escalating to a vendor set `waiting_vendor` but the resolution clock kept
/// running; the same status set by hand paused it. Both routes now pause, and the vendor's
/// answer coming back (return) starts the clock again.
#[test]
fn escalating_to_a_vendor_pauses_the_resolution_clock() {
    on_each_engine(|| {
        let d = Desk::new();
        let key = d.new_ticket("08:00", &["--kind", "incident", "--assign", "nguyenvanan"]);
        d.ok(
            "08:30",
            &[
                "ticket",
                "escalate",
                &key,
                "--group",
                "vendor-ibm",
                "--reason",
                "lỗi phần mềm",
            ],
        );
        let at_10 = d.json("10:00", &["ticket", "show", &key]);
        assert_eq!(at_10["ticket"]["status"], "waiting_vendor", "{at_10}");
        let r = &at_10["sla"]["resolution"];
        assert_eq!(r["state"], "paused", "{r}");
        assert_eq!(r["used_minutes"], 30, "{r}");
        // Still standing still in the afternoon: not breached at 2 h.
        let at_15 = d.json("15:00", &["ticket", "show", &key]);
        assert_eq!(at_15["sla"]["resolution"]["state"], "paused");
        d.ok("15:00", &["ticket", "return", &key, "--reason", "đã vá"]);
        let at_16 = d.json("16:00", &["ticket", "show", &key]);
        let r = &at_16["sla"]["resolution"];
        assert_eq!(at_16["ticket"]["status"], "in_progress", "{at_16}");
        assert_eq!(r["used_minutes"], 90, "{r}");
        assert_eq!(r["running"], true, "{r}");
    });
}

/// Issue 14 / seed 004: a consultation is closed the same day. At 15:00 its resolution is
/// due at the end of that working day, not at 15:00 the next day.
#[test]
fn a_consultation_is_due_the_same_working_day() {
    on_each_engine(|| {
        let d = Desk::new();
        let key = d.new_ticket("15:00", &["--kind", "consultation"]);
        let v = d.json("15:30", &["ticket", "show", &key]);
        let r = &v["sla"]["resolution"];
        assert_eq!(r["budget"], "same_day", "{r}");
        // Monday 23 Nov 2026's office hours end at 16:30 in Hanoi (09:30 UTC).
        assert_eq!(r["due"], "2026-11-23T09:30:00Z", "{r}");
        assert_eq!(r["budget_minutes"], 90, "15:00–16:30: {r}");
        // Still open when the next working day starts: breached.
        let late = d.json("2026-11-24T08:00:00+07:00", &["ticket", "show", &key]);
        assert_eq!(late["sla"]["resolution"]["state"], "breached");
    });
}

#[test]
fn a_consultation_answered_only_by_an_internal_note_misses_its_first_response() {
    on_each_engine(|| {
        let d = Desk::new();
        let key = d.new_ticket("08:00", &["--kind", "consultation"]);
        d.ok(
            "09:00",
            &["ticket", "note", &key, "--text", "Đã kiểm tra, chờ trả lời"],
        );
        let at_10 = d.json("10:00", &["ticket", "show", &key]);
        assert_eq!(at_10["sla"]["first_response"]["remaining_minutes"], 0);
        let after = d.json("10:01", &["ticket", "show", &key]);
        assert_eq!(
            after["sla"]["first_response"]["state"], "breached",
            "{after}"
        );
        // A public reply at 10:30 stops the clock, late: still breached, no longer running.
        d.ok(
            "10:30",
            &[
                "ticket",
                "reply",
                &key,
                "--text",
                "Anh/chị vào mục Báo cáo…",
            ],
        );
        let replied = d.json("11:00", &["ticket", "show", &key]);
        let f = &replied["sla"]["first_response"];
        assert_eq!(f["state"], "breached");
        assert_eq!(f["used_minutes"], 150);
        assert_eq!(f["due"], Value::Null);
        // The same with a reply in time: met.
        let key2 = d.new_ticket("08:00", &["--kind", "consultation"]);
        d.ok(
            "09:59",
            &["ticket", "reply", &key2, "--text", "Đã hướng dẫn"],
        );
        let v = d.json("15:00", &["ticket", "show", &key2]);
        assert_eq!(v["sla"]["first_response"]["state"], "met");
    });
}

#[test]
fn a_request_phoned_in_earlier_starts_its_clocks_when_it_arrived() {
    on_each_engine(|| {
        let d = Desk::new();
        let key = d.new_ticket(
            "09:00",
            &["--kind", "incident", "--received-at", "2026-11-23 08:00"],
        );
        let v = d.json("09:30", &["ticket", "show", &key]);
        assert_eq!(v["ticket"]["created_at"], "2026-11-23T01:00:00Z");
        assert_eq!(v["sla"]["resolution"]["used_minutes"], 90);
        assert_eq!(v["timeline"][0]["received_at"], "2026-11-23T01:00:00Z");
        assert_eq!(
            v["timeline"][0]["at"], "2026-11-23T02:00:00Z",
            "recorded when it was"
        );
        // Not from the future.
        let out = d.at(
            "09:00",
            &[
                "ticket",
                "new",
                "--title",
                "x",
                "--received-at",
                "2026-11-23 10:00",
            ],
        );
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("future"), "{err}");
        assert!(err.contains("2026-11-23 10:00 +07:00"), "{err}");
    });
}

#[test]
fn the_calendar_command_counts_holidays_make_up_days_and_lunch() {
    on_each_engine(|| {
        let d = Desk::new();
        let due = |from: &str, budget: &str| -> String {
            d.json(
                "08:00",
                &["calendar", "add", "--from", from, "--budget", budget],
            )["due"]
                .as_str()
                .unwrap()
                .to_string()
        };
        // Friday 21 Aug 2026 16:00 + 1 working day: Saturday 22 Aug is a make-up working day.
        assert_eq!(due("2026-08-21 16:00", "1d"), "2026-08-22T09:00:00Z");
        // Friday before Tết 2026 (16-20 Feb off): the next working day is Monday 23 Feb.
        assert_eq!(due("2026-02-13 16:00", "1d"), "2026-02-23T09:00:00Z");
        // Across lunch: 11:00 + 1h = 13:30.
        assert_eq!(due("2026-11-23 11:00", "1h"), "2026-11-23T06:30:00Z");
        // Half a day is half the office hours (3 h 45 min).
        assert_eq!(due("2026-11-23 07:30", "0.5d"), "2026-11-23T04:15:00Z");
        let v = d.json(
            "08:00",
            &[
                "calendar",
                "between",
                "--from",
                "2026-11-20 16:00",
                "--to",
                "2026-11-23 08:30",
            ],
        );
        assert_eq!(
            v["working_minutes"], 90,
            "30 min on Friday, 60 on Monday: {v}"
        );
        let out = d.at("08:00", &["calendar", "add", "--budget", "tomorrow"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("30m"));
    });
}

#[test]
fn a_broken_sla_or_calendar_config_names_its_line_and_key() {
    on_each_engine(|| {
        let d = Desk::new();
        for (bad, key) in [
            (
                "[[sla.targets]]\nkind = \"nope\"\nresolution = \"1d\"\n",
                "sla.targets.kind",
            ),
            (
                "[[sla.targets]]\nresolution = \"2x\"\n",
                "sla.targets.resolution",
            ),
        ] {
            let file = d.dir.path().join("bad.toml");
            std::fs::write(&file, format!("{}\n{bad}", hotro::config::EMBEDDED)).unwrap();
            let out = d.at("08:00", &["config", "check", path(&file)]);
            assert_eq!(out.status.code(), Some(1));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(key) && err.contains("line"), "{err}");
        }
    });
}

#[test]
fn the_sla_report_counts_targets_same_day_answers_and_breaches_by_group_and_tier() {
    on_each_engine(|| {
        let d = Desk::new();
        // Answered in time and closed the same day.
        let a = d.new_ticket("08:00", &["--kind", "consultation"]);
        d.ok("08:30", &["ticket", "reply", &a, "--text", "Đã hướng dẫn"]);
        // The consultation procedure's steps are done before it may be resolved.
        d.ok("08:40", &["ticket", "step", &a, "--complete"]);
        d.ok("08:45", &["ticket", "step", &a, "--complete"]);
        d.ok(
            "08:50",
            &[
                "ticket",
                "step",
                &a,
                "--complete",
                "--field",
                "answer=Đã hướng dẫn",
            ],
        );
        d.ok("09:00", &["ticket", "resolve", &a, "--resolution", "Xong"]);
        // Only an internal note: first response breached by the next day.
        let b = d.new_ticket("08:00", &["--kind", "consultation"]);
        d.ok("08:10", &["ticket", "note", &b, "--text", "ghi chú nội bộ"]);
        // Another day, outside the period.
        d.new_ticket("2026-11-24T08:00:00+07:00", &["--kind", "consultation"]);
        let v = d.json(
            "2026-11-24T16:00:00+07:00",
            &[
                "report",
                "sla",
                "--from",
                "2026-11-23",
                "--to",
                "2026-11-23",
            ],
        );
        assert_eq!(v["tickets"], 2, "{v}");
        assert_eq!(v["first_response_targets"], 2);
        assert_eq!(v["first_response_met"], 1);
        assert_eq!(v["same_day_response"], 1);
        assert_eq!(v["same_day_closure"], 1);
        assert_eq!(v["same_day_closure_pct"], 50.0);
        assert_eq!(v["breached"], 1);
        assert_eq!(v["breaches_by_group"]["service-desk"], 1);
        assert_eq!(v["breaches_by_tier"]["3"], 1);
        let text = d.ok(
            "2026-11-24T16:00:00+07:00",
            &[
                "report",
                "sla",
                "--from",
                "2026-11-23",
                "--to",
                "2026-11-23",
            ],
        );
        assert!(
            text.contains("first response within target: 50.0% (1 of 2)"),
            "{text}"
        );
    });
}

#[test]
fn a_higher_tier_solves_an_escalated_ticket_and_it_comes_back_to_answer_the_requester() {
    on_each_engine(|| {
        let d = Desk::new();
        let as_mai = |when: &str, args: &[&str]| {
            let out = d.at_as(when, "tranthimai", args);
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        // The provincial IT office (tier 2) receives it and escalates to the centre (tier 3).
        let key = d.new_ticket("08:00", &["--kind", "incident", "--group", "province-it"]);
        as_mai(
            "08:20",
            &[
                "ticket",
                "escalate",
                &key,
                "--reason",
                "Lỗi phân quyền TABMIS, cần trung ương",
            ],
        );
        let v = d.json("08:30", &["ticket", "show", &key]);
        assert_eq!(v["ticket"]["tier"], 3);
        let following = d.json("08:30", &["ticket", "list", "--following", "province-it"]);
        assert_eq!(
            following[0]["key"],
            key.as_str(),
            "tier 2 keeps following it"
        );
        // The centre solves it: back to tier 2, still open, with the solution.
        d.ok(
            "09:40",
            &[
                "ticket",
                "resolve",
                &key,
                "--resolution",
                "Đã cấp lại quyền phê duyệt",
            ],
        );
        let v = d.json("09:45", &["ticket", "show", &key]);
        let t = &v["ticket"];
        assert_eq!(t["tier"], 2, "{t}");
        assert_eq!(t["group"], "province-it");
        assert_eq!(t["status"], "in_progress");
        assert_eq!(t["resolution"], "Đã cấp lại quyền phê duyệt");
        // The requester still waits: the resolution clock keeps running (1 h 45 of 2 h used).
        assert_eq!(v["sla"]["resolution"]["state"], "at_risk");
        assert_eq!(v["sla"]["resolution"]["due"], "2026-11-23T03:00:00Z");
        // Tier 2 answers the requester and resolves.
        as_mai(
            "10:00",
            &[
                "ticket",
                "reply",
                &key,
                "--text",
                "Anh/chị đăng nhập lại để dùng quyền mới.",
            ],
        );
        as_mai(
            "10:01",
            &[
                "ticket",
                "resolve",
                &key,
                "--resolution",
                "Đã cấp lại quyền phê duyệt",
            ],
        );
        let v = d.json("10:05", &["ticket", "show", &key]);
        assert_eq!(v["ticket"]["status"], "resolved");
        let kinds: Vec<&str> = v["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "created",
                "escalated",
                "resolved_upstream",
                "public_reply",
                "resolved"
            ]
        );
        let text = d.ok("10:05", &["ticket", "show", &key]);
        assert!(text.contains("back to tier 2"), "{text}");
    });
}

#[test]
fn four_processes_ticking_at_once_apply_each_rule_once() {
    on_each_engine(|| {
        let d = Desk::new();
        let keys: Vec<String> = (0..3)
            .map(|_| d.new_ticket("08:00", &["--kind", "incident"]))
            .collect();
        // At 11:00 each P3 incident has no reply (1 h first response: breached) and 3 h of work
        // (2 h resolution: breached): the lead is told for each clock, and urgency goes up once.
        let children: Vec<_> = (0..4)
            .map(|_| {
                Command::new(BIN)
                    .arg("--db")
                    .arg(&d.db.target)
                    .arg("--config")
                    .arg(&d.config)
                    .args([
                        "--as",
                        "nguyenvanan",
                        "--lang",
                        "en",
                        "sla",
                        "tick",
                        "--json",
                    ])
                    .env("HOTRO_NOW", "2026-11-23T11:00:00+07:00")
                    .env_remove("HOTRO_DB")
                    .env_remove("HOTRO_AS")
                    .env_remove("HOTRO_CONFIG")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut applied = 0;
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            applied += v.as_array().unwrap().len();
        }
        assert_eq!(
            applied,
            3 * 3,
            "two notes and one priority raise per ticket, in all"
        );
        for key in &keys {
            let v = d.json("11:01", &["ticket", "show", key]);
            let timeline = v["timeline"].as_array().unwrap();
            let notes = timeline
                .iter()
                .filter(|e| e["kind"] == "sla_notice" && e["actor"] == "hotro-sla")
                .count();
            let raises = timeline
                .iter()
                .filter(|e| e["kind"] == "classified")
                .count();
            assert_eq!((notes, raises), (2, 1), "{key}: {timeline:?}");
            assert_eq!(v["ticket"]["urgency"], "high");
            assert_eq!(v["ticket"]["priority"], "P2");
            // The notice is a fact (which clock, whom it told), worded by each reader.
            let note = timeline.iter().find(|e| e["kind"] == "sla_notice").unwrap();
            assert_eq!(note["lead"], "Nguyễn Văn An", "{note}");
            assert!(
                ["first_response", "resolution"].contains(&note["clock"].as_str().unwrap()),
                "{note}"
            );
        }
        // Later ticks find nothing new to do.
        let again = d.json("11:30", &["sla", "tick"]);
        assert_eq!(again.as_array().unwrap().len(), 0, "{again}");
    });
}

#[test]
fn queues_sort_by_the_most_urgent_sla_and_page_in_that_order() {
    on_each_engine(|| {
        let d = Desk::new();
        // Created 08:00: a P3 incident (1 h first response), a consultation (2 h), a requirement
        // (1 d); at 08:30 one consultation waits on its requester after a reply (clocks stand
        // still); a P3 incident from 07:30 is already the most urgent.
        let early = d.new_ticket("07:30", &["--kind", "incident"]);
        let incident = d.new_ticket("08:00", &["--kind", "incident"]);
        let consultation = d.new_ticket("08:00", &["--kind", "consultation"]);
        let requirement = d.new_ticket("08:00", &["--kind", "requirement"]);
        let waiting = d.new_ticket("08:00", &["--kind", "consultation"]);
        d.ok(
            "08:20",
            &[
                "ticket",
                "reply",
                &waiting,
                "--text",
                "Xin gửi thêm ảnh chụp màn hình",
            ],
        );
        d.ok(
            "08:30",
            &["ticket", "status", &waiting, "waiting_requester"],
        );
        let order = |args: &[&str]| -> Vec<String> {
            d.json("08:40", args)
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["key"].as_str().unwrap().to_string())
                .collect()
        };
        let all = order(&["ticket", "list", "--by-due"]);
        let want: Vec<&String> = vec![&early, &incident, &consultation, &requirement, &waiting];
        assert_eq!(all.iter().collect::<Vec<_>>(), want);
        // Keyset pages of two follow the same order.
        let first = order(&["ticket", "list", "--by-due", "--limit", "2"]);
        assert_eq!(first, [early, incident]);
        let rows = d.json("08:40", &["ticket", "list", "--by-due", "--limit", "2"]);
        let last_id = rows[1]["id"].as_i64().unwrap().to_string();
        let next = order(&[
            "ticket", "list", "--by-due", "--limit", "2", "--before", &last_id,
        ]);
        assert_eq!(next, [consultation, requirement]);
    });
}

/// Issue 14: a resolved ticket whose requester never answers closes by itself after the
/// configured working time (`sla.auto_close_after = "3d"` in the shipped configuration),
/// counted on the working-time calendar, once, recorded as the SLA tick's own act.
#[test]
fn a_resolved_ticket_nobody_confirms_closes_after_three_working_days() {
    on_each_engine(|| {
        let d = Desk::new();
        // Friday 20 November 2026, 16:00: resolved. Three working days: Mon, Tue, Wed → due
        // Wednesday 25 November at 16:00 (the weekend does not count).
        let fri = |t: &str| format!("2026-11-20T{t}:00+07:00");
        let key = d.new_ticket(&fri("15:00"), &["--assign", "nguyenvanan"]);
        d.ok(
            &fri("16:00"),
            &["ticket", "resolve", &key, "--resolution", "Đã cài lại"],
        );
        let early = d.json("2026-11-25T15:59:00+07:00", &["sla", "tick"]);
        assert_eq!(early.as_array().unwrap().len(), 0, "{early}");
        let v = d.json("2026-11-25T15:59:00+07:00", &["ticket", "show", &key]);
        assert_eq!(v["ticket"]["status"], "resolved");
        let closed = d.json("2026-11-25T16:01:00+07:00", &["sla", "tick"]);
        let closed = closed.as_array().unwrap();
        assert_eq!(closed.len(), 1, "{closed:?}");
        assert_eq!(closed[0]["ticket"], key.as_str());
        assert_eq!(closed[0]["action"], "auto_close");
        let v = d.json("2026-11-25T16:02:00+07:00", &["ticket", "show", &key]);
        assert_eq!(v["ticket"]["status"], "closed");
        let last = v["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["kind"], "auto_closed", "{last}");
        assert_eq!(last["after"], "3d", "{last}");
        assert_eq!(last["actor"], "hotro-sla", "{last}");
        let text = d.ok("2026-11-25T16:02:00+07:00", &["ticket", "show", &key]);
        assert!(
            text.contains("closed automatically: resolved 3d of working time"),
            "{text}"
        );
        // Once: a later tick finds nothing.
        let again = d.json("2026-11-26T09:00:00+07:00", &["sla", "tick"]);
        assert_eq!(again.as_array().unwrap().len(), 0, "{again}");
    });
}

/// Issue 14: the breached-and-at-risk list (`--at-risk`; the console's queue of the same
/// filter) holds the tickets whose running clock has used 75 % of its budget, with no tick
/// needed; a paused clock leaves it. The lead's attention list (`--notified GROUP`) holds
/// those an SLA rule told the group's lead about.
#[test]
fn at_risk_and_lead_attention_lists_follow_the_clocks() {
    on_each_engine(|| {
        let d = Desk::new();
        // P3 incidents: first response 1 h, resolution 2 h (the test's target).
        let a = d.new_ticket("08:00", &["--kind", "incident"]);
        let b = d.new_ticket("08:30", &["--kind", "incident"]);
        let at_risk = |when: &str| -> Vec<String> {
            d.json(when, &["ticket", "list", "--at-risk"])
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["key"].as_str().unwrap().to_string())
                .collect()
        };
        assert!(at_risk("08:40").is_empty());
        // 08:45: A has used 45 of its 60 first-response minutes (75 %).
        assert_eq!(at_risk("08:45"), [a.as_str()]);
        // A is answered; its resolution clock (2 h) is at risk from 09:30. B from 09:15.
        d.ok("08:50", &["ticket", "reply", &a, "--text", "Đang kiểm tra"]);
        assert!(at_risk("08:55").is_empty(), "A answered, B not yet at risk");
        assert_eq!(at_risk("09:20"), [b.as_str()]);
        let both = at_risk("09:31");
        assert_eq!(both.len(), 2, "{both:?}");
        // Waiting on the requester stops B's clocks: it leaves the list.
        d.ok(
            "09:32",
            &["ticket", "reply", &b, "--text", "Chị gửi ảnh lỗi"],
        );
        d.ok("09:33", &["ticket", "status", &b, "waiting_requester"]);
        assert_eq!(at_risk("09:34"), [a.as_str()]);
        // The lead's attention list: empty until a rule tells the lead.
        let notified = |when: &str| -> Vec<String> {
            d.json(when, &["ticket", "list", "--notified", "service-desk"])
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["key"].as_str().unwrap().to_string())
                .collect()
        };
        assert!(notified("09:35").is_empty());
        d.ok("09:36", &["sla", "tick"]);
        assert_eq!(notified("09:37"), [a.as_str()]);
        // A bad group is named, not silently empty.
        let out = d.at("09:37", &["ticket", "list", "--notified", "nosuch"]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("nosuch"));
    });
}
