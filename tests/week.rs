//! Issue 14's acceptance: a week at the desk, end to end, through the real binary (with the
//! one clock fixed by `HOTRO_NOW`) and the headless console (the library's `App` over the
//! same database, rendered into ratatui's `TestBackend`). Each step asserts the queues,
//! statuses, clocks and timelines the desk's people would look at.
//!
//! The week: Monday 23 – Friday 27 November 2026, Asia/Ho_Chi_Minh, the shipped
//! configuration (office hours 07:30–11:30 and 13:00–16:30).
//!
//! On each engine (issue 17): the same week on a SQLite file and on a PostgreSQL database.
#![allow(clippy::unwrap_used)]

mod common;

use common::desks::{Database, on_each_engine};
use serde_json::Value;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");

/// The central desk's operator who takes the calls.
const DESK: &str = "tranthibich";
/// The central desk's lead (also shift and admin).
const LEAD: &str = "nguyenvanan";
/// The TABMIS group's lead.
const TABMIS: &str = "lethihoa";
/// A provincial IT office's operator (tier 2).
const PROVINCE: &str = "tranthimai";
/// The approver of repair plans (QT.VHTT.01, B5).
const APPROVER: &str = "lyvanlong";

struct Week {
    /// Dropped first: the database (and its cluster), then the folder.
    db: Database,
    dir: tempfile::TempDir,
}

impl Week {
    fn new() -> Week {
        let dir = tempfile::tempdir().unwrap();
        let w = Week {
            db: Database::new(dir.path()),
            dir,
        };
        let out = w.ok("mon 07:00", LEAD, &["init", "--test"]);
        assert!(out.contains("Database ready"), "{out}");
        w
    }

    /// "mon 08:00" … "fri 16:00", or "next-mon 10:00" (30 November), as an RFC 3339 instant.
    fn instant(when: &str) -> String {
        let (day, time) = when.split_once(' ').unwrap();
        let date = match day {
            "mon" => 23,
            "tue" => 24,
            "wed" => 25,
            "thu" => 26,
            "fri" => 27,
            "next-mon" => 30,
            other => panic!("unknown day {other}"),
        };
        format!("2026-11-{date}T{time}:00+07:00")
    }

    fn run(&self, when: &str, login: &str, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--db")
            .arg(&self.db.target)
            .args(["--as", login, "--lang", "en"])
            .args(args)
            .env("HOTRO_NOW", Self::instant(when))
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
            "{login} {args:?} at {when}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Run and insist on failure with exit status `code`; the message.
    fn fails(&self, code: i32, when: &str, login: &str, args: &[&str]) -> String {
        let out = self.run(when, login, args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{login} {args:?} at {when}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn json(&self, when: &str, login: &str, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(when, login, &all)).unwrap()
    }

    fn new_ticket(&self, when: &str, login: &str, extra: &[&str]) -> String {
        let mut args = vec!["ticket", "new"];
        args.extend_from_slice(extra);
        self.json(when, login, &args)["ticket"]["key"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn show(&self, when: &str, key: &str) -> Value {
        self.json(when, LEAD, &["ticket", "show", key])
    }

    /// The keys a `ticket list` filter gives.
    fn list(&self, when: &str, login: &str, filter: &[&str]) -> Vec<String> {
        let mut args = vec!["ticket", "list"];
        args.extend_from_slice(filter);
        self.json(when, login, &args)
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["key"].as_str().unwrap().to_string())
            .collect()
    }

    /// The kinds of a ticket's timeline, in order.
    fn kinds(&self, when: &str, key: &str) -> Vec<String> {
        self.show(when, key)["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    }

    /// Complete the ticket's current step with a value for each field it requires; the
    /// step completed.
    fn complete(&self, when: &str, login: &str, key: &str) -> String {
        let v = self.json(when, login, &["ticket", "steps", key]);
        let step = v["current"].as_str().unwrap().to_string();
        let mut args: Vec<String> = vec!["ticket".into(), "step".into(), key.into()];
        args.push("--complete".into());
        for f in v["needs"].as_array().unwrap() {
            let f = f.as_str().unwrap();
            args.push("--field".into());
            args.push(format!("{f}=Số {f} 2026/11"));
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.ok(when, login, &refs);
        step
    }

    /// The console of `login` at `when`, headless, over the same database: the text of its
    /// queue screen (every queue's label and count) at 120×40.
    fn console(&self, when: &str, login: &str) -> String {
        use hotro::ui::app::{App, Msg};
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        let now = chrono::DateTime::parse_from_rfc3339(&Self::instant(when))
            .unwrap()
            .with_timezone(&chrono::Utc);
        let mut store = self.db.store();
        let cfg = hotro::config::embedded();
        let me = cfg.org.operator(login).unwrap().clone();
        let session = hotro::desk::Session::assume(cfg.clone(), me.clone());
        let mut app = App::new(
            hotro::i18n::Catalog::new(hotro::i18n::Lang::En),
            cfg.org.clone(),
            me,
            hotro::ui::keymap::Keymap::default_map(),
            now,
        );
        let mut exec = hotro::ui::exec::Executor::new(&mut store, &session).with_now(now);
        exec.drive(
            &mut app,
            Msg::Resize {
                width: 120,
                height: 40,
            },
        );
        exec.start(&mut app);
        let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
        term.draw(|f| hotro::ui::view::render(&app, hotro::ui::view::Theme { color: false }, f))
            .unwrap();
        let buf = term.backend().buffer().clone();
        let mut text = String::new();
        for (i, c) in buf.content().iter().enumerate() {
            if i > 0 && i % 120 == 0 {
                text.push('\n');
            }
            text.push_str(c.symbol());
        }
        text
    }
}

/// The console's queue-list entry that names `label` (inside the queue pane's border).
fn queue_line<'s>(screen: &'s str, label: &str) -> &'s str {
    let line = screen
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no queue {label} in\n{screen}"));
    line.split("││")
        .next()
        .unwrap_or(line)
        .trim_matches(|c: char| c == '│' || c.is_whitespace())
}

#[test]
fn a_week_at_the_desk() {
    on_each_engine(a_week);
}

fn a_week() {
    let w = Week::new();

    // ---- Monday 08:00: a phone call at the central desk ---------------------------------
    let call = w.new_ticket(
        "mon 08:00",
        DESK,
        &[
            "--title",
            "Không duyệt được lệnh chi trên TABMIS",
            "--description",
            "Lỗi khi phê duyệt lệnh chi, màn hình báo lỗi phân quyền.",
            "--app",
            "TABMIS",
            "--requester",
            "Nguyễn Thị Lan",
            "--unit",
            "HN",
            "--phone",
            "0913 222 333",
            "--assign",
            DESK,
        ],
    );
    let t = w.show("mon 08:01", &call);
    assert_eq!(t["ticket"]["group"], "service-desk");
    assert_eq!(t["ticket"]["channel"], "phone");
    assert!(w.list("mon 08:01", DESK, &["--mine"]).contains(&call));
    // Routed to the TABMIS group (same tier); the Service Desk keeps following it.
    w.ok(
        "mon 08:10",
        DESK,
        &[
            "ticket",
            "transfer",
            &call,
            "--group",
            "tabmis",
            "--reason",
            "Lỗi phân quyền phân hệ chi",
        ],
    );
    let t = w.show("mon 08:11", &call);
    assert_eq!(t["ticket"]["group"], "tabmis", "{t}");
    assert_eq!(t["ticket"]["assignee"], Value::Null, "{t}");
    assert!(
        w.list("mon 08:11", DESK, &["--following", "service-desk"])
            .contains(&call)
    );
    assert!(
        w.list("mon 08:11", TABMIS, &["--group", "tabmis"])
            .contains(&call)
    );
    let screen = w.console("mon 08:11", DESK);
    assert!(
        queue_line(&screen, "Escalated, following").ends_with('1'),
        "{screen}"
    );
    let screen = w.console("mon 08:11", TABMIS);
    assert!(
        queue_line(&screen, "Unassigned: TABMIS group").ends_with('1'),
        "{screen}"
    );

    // ---- Monday 08:30: the provincial operator's own caller ------------------------------
    let province = w.new_ticket(
        "mon 08:30",
        PROVINCE,
        &[
            "--title",
            "Máy trạm không kết nối được mạng WAN",
            "--requester",
            "Anh Tú",
            "--unit",
            "CT",
        ],
    );
    let p = w.show("mon 08:31", &province);
    assert_eq!(p["ticket"]["group"], "province-it", "{p}");
    assert_eq!(p["ticket"]["tier"], 2, "{p}");
    assert!(
        !w.list("mon 08:31", DESK, &["--group", "service-desk"])
            .contains(&province)
    );

    // ---- Monday 09:00: a vendor escalation with its reference; the clock stands still ----
    let vendor = w.new_ticket(
        "mon 09:00",
        TABMIS,
        &[
            "--title",
            "Lỗi ORA-00054 khi kết sổ cuối ngày",
            "--app",
            "TABMIS",
            "--group",
            "tabmis",
            "--assign",
            TABMIS,
        ],
    );
    w.ok(
        "mon 09:30",
        TABMIS,
        &[
            "ticket",
            "escalate",
            &vendor,
            "--group",
            "vendor-oracle",
            "--reason",
            "Khóa bảng khi kết sổ, cần hãng hỗ trợ",
            "--external-ref",
            "SR 3-3344556677",
        ],
    );
    let v = w.show("mon 11:00", &vendor);
    assert_eq!(v["ticket"]["status"], "waiting_vendor", "{v}");
    assert_eq!(v["ticket"]["external_ref"], "SR 3-3344556677", "{v}");
    assert_eq!(v["sla"]["resolution"]["state"], "paused", "{v}");
    assert_eq!(v["sla"]["resolution"]["used_minutes"], 30, "{v}");
    assert!(
        w.list("mon 11:00", TABMIS, &["--following", "tabmis"])
            .contains(&vendor)
    );
    assert!(
        w.list("mon 11:00", TABMIS, &["--status", "waiting_vendor"])
            .contains(&vendor)
    );
    // Tuesday 09:00 the vendor's answer comes back: to the operator who escalated it.
    w.ok(
        "tue 09:00",
        TABMIS,
        &[
            "ticket",
            "return",
            &vendor,
            "--reason",
            "Hãng đã gửi bản vá",
        ],
    );
    let v = w.show("tue 09:30", &vendor);
    assert_eq!(v["ticket"]["status"], "in_progress", "{v}");
    assert_eq!(v["ticket"]["assignee"], TABMIS, "{v}");
    assert_eq!(v["sla"]["resolution"]["used_minutes"], 60, "{v}");
    assert_eq!(v["sla"]["resolution"]["running"], true, "{v}");

    // ---- The repair plan through QT.VHTT.01: returned once at B5, then approved --------
    let repair = w.new_ticket(
        "mon 13:00",
        LEAD,
        &[
            "--title",
            "Thay ổ cứng máy chủ tệp của phòng Kế toán",
            "--kind",
            "repair",
            "--assign",
            LEAD,
        ],
    );
    for (when, step) in [
        ("mon 13:30", "B1"),
        ("mon 14:00", "B2"),
        ("mon 15:00", "B3"),
        ("mon 15:30", "B4"),
    ] {
        assert_eq!(w.complete(when, LEAD, &repair), step);
    }
    // At B5 the ticket waits for approval: in the approver's queue (CLI and console).
    let r = w.show("mon 15:31", &repair);
    assert_eq!(r["ticket"]["status"], "waiting_approval", "{r}");
    assert_eq!(r["ticket"]["current_step"], "B5", "{r}");
    assert_eq!(
        w.list("mon 15:31", APPROVER, &["--status", "waiting_approval"]),
        [repair.as_str()]
    );
    let screen = w.console("mon 15:31", APPROVER);
    assert!(
        queue_line(&screen, "Waiting for approval").ends_with('1'),
        "{screen}"
    );
    // Only the approver decides B5: the lead is refused, naming the role.
    let err = w.fails(
        5,
        "mon 15:40",
        LEAD,
        &[
            "ticket",
            "step",
            &repair,
            "--return-to",
            "B3",
            "--reason",
            "x",
        ],
    );
    assert!(err.contains("approver"), "{err}");
    // Returned for adjustment, with its reason; back in progress at B3.
    w.ok(
        "mon 16:00",
        APPROVER,
        &[
            "ticket",
            "step",
            &repair,
            "--return-to",
            "B3",
            "--reason",
            "Dự toán thiếu chi phí vận chuyển",
        ],
    );
    let r = w.show("mon 16:01", &repair);
    assert_eq!(r["ticket"]["status"], "in_progress", "{r}");
    assert_eq!(r["ticket"]["current_step"], "B3", "{r}");
    assert!(
        w.list("mon 16:01", APPROVER, &["--status", "waiting_approval"])
            .is_empty()
    );
    assert_eq!(w.complete("tue 08:00", LEAD, &repair), "B3");
    assert_eq!(w.complete("tue 08:30", LEAD, &repair), "B4");
    assert_eq!(
        w.list("tue 08:31", APPROVER, &["--status", "waiting_approval"]),
        [repair.as_str()]
    );
    assert_eq!(w.complete("tue 10:00", APPROVER, &repair), "B5");
    let screen = w.console("tue 10:01", APPROVER);
    assert!(
        queue_line(&screen, "Waiting for approval").ends_with('0'),
        "{screen}"
    );
    assert_eq!(w.complete("tue 14:00", LEAD, &repair), "B6");
    assert_eq!(w.complete("tue 15:00", LEAD, &repair), "B7");
    // Done: the whole procedure's clock stopped within its 3 working days, and the steps
    // say what remains.
    let steps = w.json("tue 15:01", LEAD, &["ticket", "steps", &repair]);
    assert!(steps["current"].is_null(), "{steps}");
    let overall = &steps["overall"];
    assert_eq!(overall["budget"], "3d", "{overall}");
    assert_eq!(overall["over"], false, "{overall}");
    assert!(overall["left"].is_string(), "{overall}");
    let text = w.ok("tue 15:01", LEAD, &["ticket", "steps", &repair]);
    assert!(text.contains("what remains: resolve the ticket"), "{text}");
    // The completion record tells the whole path, the return and its reason included.
    let form = w.ok(
        "tue 15:02",
        LEAD,
        &["ticket", "form", &repair, "--kind", "completion"],
    );
    assert!(form.contains("Dự toán thiếu chi phí vận chuyển"), "{form}");
    let kinds = w.kinds("tue 15:02", &repair);
    assert_eq!(
        kinds.iter().filter(|k| *k == "step_returned").count(),
        1,
        "{kinds:?}"
    );
    w.ok(
        "tue 15:05",
        LEAD,
        &[
            "ticket",
            "resolve",
            &repair,
            "--resolution",
            "Đã thay ổ cứng, bàn giao ba bên",
        ],
    );

    // ---- The duplicate resolved with its original ----------------------------------------
    let dup = w.new_ticket(
        "wed 09:00",
        DESK,
        &[
            "--title",
            "TABMIS báo lỗi phân quyền khi duyệt lệnh chi",
            "--app",
            "TABMIS",
            "--requester",
            "Lê Văn Hùng",
            "--unit",
            "HN",
        ],
    );
    w.ok(
        "wed 09:05",
        DESK,
        &["ticket", "link", &dup, "--duplicate-of", &call],
    );
    // A loop is refused: the original cannot become a duplicate of its duplicate.
    let err = w.fails(
        1,
        "wed 09:06",
        TABMIS,
        &["ticket", "link", &call, "--duplicate-of", &dup],
    );
    assert!(err.contains("cycle") || err.contains("loop"), "{err}");
    let shown = w.ok("wed 09:07", DESK, &["ticket", "show", &call]);
    assert!(
        shown.contains(&dup),
        "the original lists its duplicate: {shown}"
    );
    // The TABMIS group solves it: back with the operator who took the call, to answer.
    w.ok(
        "wed 09:55",
        TABMIS,
        &[
            "ticket",
            "resolve",
            &call,
            "--resolution",
            "Cấp lại quyền phê duyệt cho người dùng",
        ],
    );
    let back = w.show("wed 09:56", &call);
    assert_eq!(back["ticket"]["group"], "service-desk", "{back}");
    assert_eq!(back["ticket"]["assignee"], DESK, "{back}");
    assert!(w.list("wed 09:56", DESK, &["--mine"]).contains(&call));
    w.ok(
        "wed 10:00",
        DESK,
        &[
            "ticket",
            "resolve",
            &call,
            "--resolution",
            "Cấp lại quyền phê duyệt cho người dùng",
            "--linked",
        ],
    );
    let d = w.show("wed 10:01", &dup);
    assert_eq!(d["ticket"]["status"], "resolved", "{d}");
    assert_eq!(
        d["ticket"]["resolution"], "Cấp lại quyền phê duyệt cho người dùng",
        "{d}"
    );

    // ---- Closing: the requester's confirmation, and the auto-close -----------------------
    w.fails(1, "wed 10:30", DESK, &["ticket", "status", &call, "closed"]);
    w.ok(
        "wed 10:30",
        DESK,
        &["ticket", "confirm", &call, "--via", "phone"],
    );
    let o = w.show("wed 10:31", &call);
    assert_eq!(o["ticket"]["status"], "closed", "{o}");
    let last = o["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "requester_confirmed", "{last}");
    assert_eq!(
        last["confirmed_by"], "Nguyễn Thị Lan",
        "the requester: {last}"
    );
    assert_eq!(last["via"], "phone", "{last}");
    // ---- Wednesday 15:00: a consultation that misses its same-day target -----------------
    let consult = w.new_ticket(
        "wed 15:00",
        DESK,
        &[
            "--title",
            "Hỏi cách kết xuất báo cáo B02",
            "--kind",
            "consultation",
            "--assign",
            DESK,
        ],
    );
    let c = w.show("wed 15:01", &consult);
    assert_eq!(
        c["sla"]["resolution"]["due"], "2026-11-25T09:30:00Z",
        "the end of Wednesday's office hours (16:30), not Thursday 15:00: {c}"
    );
    assert!(!w.list("wed 15:01", DESK, &["--at-risk"]).contains(&consult));
    w.ok(
        "wed 15:20",
        DESK,
        &[
            "ticket",
            "reply",
            &consult,
            "--text",
            "Chị chọn mẫu B02 rồi bấm Kết xuất.",
        ],
    );
    // 16:10: 70 of its 90 minutes used — at risk; in the desk's at-risk queue.
    assert!(w.list("wed 16:10", DESK, &["--at-risk"]).contains(&consult));
    let c = w.show("thu 08:00", &consult);
    assert_eq!(c["sla"]["resolution"]["state"], "breached", "{c}");
    assert_eq!(c["sla"]["first_response"]["state"], "met", "{c}");
    // The SLA rules tell the lead; the ticket is then in the lead's attention queue.
    w.ok("thu 08:01", LEAD, &["sla", "tick"]);
    assert!(
        w.list("thu 08:02", LEAD, &["--notified", "service-desk"])
            .contains(&consult)
    );
    let screen = w.console("thu 08:02", LEAD);
    assert!(
        !queue_line(&screen, "Lead: told by SLA rules").ends_with(" 0"),
        "{screen}"
    );
    // Its procedure (seed 004: receive, clarify, answer), then resolved.
    for (when, step) in [("thu 08:05", "1"), ("thu 08:06", "2"), ("thu 08:07", "3")] {
        assert_eq!(w.complete(when, DESK, &consult), step);
    }
    w.ok(
        "thu 08:10",
        DESK,
        &[
            "ticket",
            "resolve",
            &consult,
            "--resolution",
            "Đã hướng dẫn kết xuất B02",
        ],
    );
    assert!(
        w.list("thu 08:11", LEAD, &["--notified", "service-desk"])
            .iter()
            .all(|k| k != &consult),
        "resolved, it leaves the lead's attention"
    );

    // ---- The auto-close ---------------------------------------------------------------
    // The repair plan, resolved Tuesday 15:05, closed on Friday the same way.
    w.ok("fri 15:06", LEAD, &["sla", "tick"]);
    assert_eq!(w.show("fri 15:07", &repair)["ticket"]["status"], "closed");
    assert_eq!(w.show("fri 15:07", &dup)["ticket"]["status"], "resolved");
    // Nobody answers for the duplicate: three working days after Wednesday 10:00 it closes
    // by itself (Thursday, Friday, Monday), and not a minute before.
    w.ok("next-mon 09:59", LEAD, &["sla", "tick"]);
    assert_eq!(
        w.show("next-mon 09:59", &dup)["ticket"]["status"],
        "resolved"
    );
    w.ok("next-mon 10:01", LEAD, &["sla", "tick"]);
    let d = w.show("next-mon 10:02", &dup);
    assert_eq!(d["ticket"]["status"], "closed", "{d}");
    assert_eq!(
        d["timeline"].as_array().unwrap().last().unwrap()["kind"],
        "auto_closed"
    );
}
