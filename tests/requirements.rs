//! Issue 16's acceptance: a month of software requirements through the real binary (seed
//! 004, chapter 1, articles 2–6), with the clock fixed by `HOTRO_NOW`. December 2026: the
//! window is Tuesday 1 to Thursday 3; the shipped units review at three levels (HN-BD the
//! district, HN the province, KBNN the centre, whose reviewers are the IT office). On each
//! engine.
#![allow(clippy::unwrap_used, clippy::disallowed_macros)]

mod common;

use common::desks::{Database, on_each_engine};
use serde_json::Value;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");
/// The district's reviewer (HN-BD).
const DISTRICT: &str = "buivantuan";
/// The province's reviewer (HN).
const PROVINCE: &str = "tranthimai";
/// The centre's reviewers (KBNN), the IT office.
const CENTRE: &str = "lyvanlong";
const CENTRE_2: &str = "nguyenvanan";

struct Month {
    dir: tempfile::TempDir,
    db: Database,
}

impl Month {
    /// A sandbox database on the engine of the body running.
    fn new() -> Month {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::new(dir.path());
        let m = Month { dir, db };
        let out = m.ok("1 08:00", CENTRE_2, &["init", "--test"]);
        assert!(out.contains("Database ready"), "{out}");
        m
    }

    /// "1 09:00" is 1 December 2026 at 09:00 in Hà Nội.
    fn run(&self, when: &str, login: &str, args: &[&str]) -> Output {
        let (day, time) = when.split_once(' ').unwrap();
        Command::new(BIN)
            .arg("--db")
            .arg(&self.db.target)
            .args(["--as", login, "--lang", "en"])
            .args(args)
            .env(
                "HOTRO_NOW",
                format!("2026-12-{:02}T{time}:00+07:00", day.parse::<u32>().unwrap()),
            )
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
            "{login} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Insist on a refusal; the message.
    fn refused(&self, when: &str, login: &str, args: &[&str]) -> String {
        let out = self.run(when, login, args);
        assert!(
            !out.status.success(),
            "{login} {args:?} should be refused: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn json(&self, when: &str, login: &str, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(when, login, &all)).unwrap()
    }

    fn submit(&self, when: &str, login: &str, unit: &str, class: &str, title: &str) -> String {
        let v = self.json(
            when,
            login,
            &[
                "ticket",
                "new",
                "--kind",
                "requirement",
                "--category",
                class,
                "--unit",
                unit,
                "--title",
                title,
            ],
        );
        v["ticket"]["key"].as_str().unwrap().to_string()
    }

    fn requirement(&self, key: &str) -> Value {
        self.json("31 16:00", CENTRE, &["ticket", "show", key])["ticket"]["requirement"].clone()
    }

    fn pending(&self, when: &str, login: &str) -> Vec<String> {
        self.json(when, login, &["req", "pending"])
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["key"].as_str().unwrap().to_string())
            .collect()
    }
}

#[test]
fn a_month_of_requirements_from_submission_to_publication() {
    on_each_engine(|| {
        let m = Month::new();

        // ---- Submissions on the first three working days, and one on the fourth -------------
        let r1 = m.submit(
            "1 09:00",
            DISTRICT,
            "HN-BD",
            "improvement",
            "Thêm cột mã dự án vào bảng kê chi",
        );
        let r2 = m.submit(
            "1 10:00",
            PROVINCE,
            "HN",
            "new-requirement",
            "Chức năng đối chiếu tự động với ngân hàng",
        );
        let r3 = m.submit(
            "2 09:00",
            CENTRE_2,
            "KBNN",
            "report-requirement",
            "统计报表：按月汇总拨款",
        );
        let r4 = m.submit(
            "2 10:00",
            DISTRICT,
            "HN-BD",
            "improvement",
            "Bảng kê chi cần thêm mã dự án",
        );
        let r6 = m.submit("3 15:00", PROVINCE, "HN", "improvement", "Đổi màu nút Lưu");
        // Friday 4 December is the fourth working day: kept for January's window, and said so.
        let late = [
            &DISTRICT_IMPROVEMENT[..],
            &["--title", "Xuất bảng kê ra Excel"],
        ]
        .concat();
        let out = m.ok("4 09:00", DISTRICT, &late);
        assert!(
            out.contains("kept for 2027-01's window, which opens on 2027-01-04"),
            "{out}"
        );
        let r5 = "HT-2026-000006".to_string();
        for (key, window, level) in [
            (&r1, "2026-12", "HN-BD"),
            (&r2, "2026-12", "HN"),
            (&r3, "2026-12", "KBNN"),
            (&r5, "2027-01", "HN-BD"),
        ] {
            let r = m.requirement(key);
            assert_eq!(r["window"], window, "{key}: {r}");
            assert_eq!(r["stage"], "under_review", "{key}: {r}");
            assert_eq!(r["level"], level, "{key}: {r}");
        }

        // ---- The duplicate is merged into the first: its submitter follows the original ------
        m.ok(
            "2 11:00",
            DISTRICT,
            &["ticket", "link", &r4, "--duplicate-of", &r1],
        );
        let shown = m.ok("2 11:01", DISTRICT, &["ticket", "show", &r1]);
        assert!(
            shown.contains(&r4),
            "the original lists the merged one: {shown}"
        );

        // ---- Review level by level; nobody decides for another level ------------------------
        let waiting = m.pending("2 12:00", DISTRICT);
        assert!(
            waiting.contains(&r1) && waiting.contains(&r4),
            "{waiting:?}"
        );
        assert!(
            !m.pending("2 12:00", PROVINCE).contains(&r1),
            "not at HN yet"
        );
        let err = m.refused("2 12:00", PROVINCE, &["req", "decide", &r1, "--forward"]);
        assert!(
            err.contains("only the reviewers of HN-BD (buivantuan) decide at that level"),
            "{err}"
        );
        let err = m.refused("2 12:00", CENTRE, &["req", "decide", &r1, "--forward"]);
        assert!(err.contains("HN-BD"), "{err}");
        m.ok("2 13:00", DISTRICT, &["req", "decide", &r1, "--forward"]);
        assert_eq!(m.requirement(&r1)["level"], "HN");
        assert!(m.pending("2 13:01", PROVINCE).contains(&r1));
        let err = m.refused("2 13:02", DISTRICT, &["req", "decide", &r1, "--forward"]);
        assert!(
            err.contains("only the reviewers of HN (tranthimai)"),
            "{err}"
        );
        m.ok("2 14:00", PROVINCE, &["req", "decide", &r1, "--forward"]);
        m.ok("3 09:00", CENTRE, &["req", "decide", &r1, "--forward"]);
        assert_eq!(m.requirement(&r1)["stage"], "refining");

        // A rejection needs its reason, and the reason is kept.
        let err = m.refused("2 15:00", PROVINCE, &["req", "decide", &r2, "--reject"]);
        assert!(err.contains("a reason is required"), "{err}");
        let err = m.refused(
            "2 15:00",
            DISTRICT,
            &["req", "decide", &r2, "--reject", "--reason", "x"],
        );
        assert!(err.contains("HN (tranthimai)"), "{err}");
        m.ok(
            "2 15:01",
            PROVINCE,
            &[
                "req",
                "decide",
                &r2,
                "--reject",
                "--reason",
                "Đã có chức năng đối chiếu trong TTSP",
            ],
        );
        let r = m.requirement(&r2);
        assert_eq!(r["stage"], "rejected");
        assert_eq!(r["reason"], "Đã có chức năng đối chiếu trong TTSP");
        let t = m.json("31 16:00", CENTRE, &["ticket", "show", &r2]);
        assert_eq!(
            t["ticket"]["status"], "cancelled",
            "a rejected request is closed"
        );

        m.ok("3 09:30", CENTRE_2, &["req", "decide", &r3, "--forward"]);
        m.ok("3 16:00", PROVINCE, &["req", "decide", &r6, "--forward"]);
        m.ok("7 09:00", CENTRE, &["req", "decide", &r6, "--forward"]);

        // ---- Refining with the business office: confirmed or not adopted --------------------
        // Only the IT office (the centre's reviewers) confirms.
        let err = m.refused(
            "7 10:00",
            PROVINCE,
            &["req", "confirm", &r1, "--adopted", "--owner", "Vụ Kế toán"],
        );
        assert!(err.contains("nguyenvanan, lyvanlong"), "{err}");
        m.ok(
            "7 10:00",
            CENTRE,
            &["req", "confirm", &r1, "--adopted", "--owner", "Vụ Kế toán"],
        );
        m.ok(
            "7 10:30",
            CENTRE_2,
            &["req", "confirm", &r3, "--adopted", "--owner", "Vụ Tổng hợp"],
        );
        let err = m.refused("7 11:00", CENTRE, &["req", "confirm", &r6, "--not-adopted"]);
        assert!(err.contains("a reason is required"), "{err}");
        m.ok(
            "7 11:00",
            CENTRE,
            &[
                "req",
                "confirm",
                &r6,
                "--not-adopted",
                "--reason",
                "Giao diện theo chuẩn chung của Bộ",
            ],
        );
        assert!(
            m.pending("7 11:01", CENTRE).contains(&r1),
            "confirmed, it waits for planning"
        );

        // ---- Planned: rank, effort, expected release ----------------------------------------
        m.ok(
            "8 09:00",
            CENTRE,
            &[
                "req",
                "plan",
                &r1,
                "--rank",
                "1",
                "--effort",
                "5",
                "--release",
                "2027.01",
            ],
        );
        m.ok(
            "8 09:30",
            CENTRE,
            &[
                "req",
                "plan",
                &r3,
                "--rank",
                "2",
                "--effort",
                "8",
                "--release",
                "2027.02",
            ],
        );
        let r = m.requirement(&r1);
        assert_eq!(
            (
                r["stage"].as_str(),
                r["rank"].as_i64(),
                r["release"].as_str()
            ),
            (Some("planned"), Some(1), Some("2027.01"))
        );

        // ---- The publication ----------------------------------------------------------------
        let err = m.refused(
            "8 10:00",
            PROVINCE,
            &["req", "publish", "--month", "2026-12"],
        );
        assert!(err.contains("nguyenvanan, lyvanlong"), "{err}");
        let p = m.ok(
            "8 10:00",
            CENTRE,
            &["req", "publish", "--month", "2026-12", "--format", "json"],
        );
        let p: Value = serde_json::from_str(&p).unwrap();
        assert_eq!(p["version"], 1);
        let outcome = |key: &str| -> Value {
            p["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["key"] == key)
                .unwrap_or_else(|| panic!("{key} missing from {p}"))
                .clone()
        };
        assert_eq!(outcome(&r1)["outcome"], "adopted");
        assert_eq!(outcome(&r1)["release"], "2027.01");
        assert_eq!(outcome(&r2)["outcome"], "rejected");
        assert_eq!(
            outcome(&r2)["reason"],
            "Đã có chức năng đối chiếu trong TTSP"
        );
        assert_eq!(outcome(&r3)["outcome"], "adopted");
        assert_eq!(outcome(&r3)["release"], "2027.02");
        assert_eq!(outcome(&r4)["outcome"], "merged");
        assert_eq!(outcome(&r4)["merged_into"], r1.as_str());
        assert_eq!(outcome(&r5)["outcome"], "next_window");
        assert_eq!(outcome(&r6)["outcome"], "not_adopted");
        assert_eq!(outcome(&r6)["reason"], "Giao diện theo chuẩn chung của Bộ");
        assert_eq!(p["rows"].as_array().unwrap().len(), 6);
        // The Markdown page the desk sends to the units.
        let md = m.ok(
            "8 10:05",
            CENTRE_2,
            &["req", "published", "--month", "2026-12"],
        );
        assert!(
            md.contains("# Requirements of 2026-12: the publication"),
            "{md}"
        );
        assert!(
            md.contains(&format!(
                "| {r4} | Bảng kê chi cần thêm mã dự án | HN-BD | improvement | merged | under review | — | — | {r1} |"
            )),
            "{md}"
        );
        assert!(
            md.contains(&format!(
                "| {r3} | 统计报表：按月汇总拨款 | KBNN | report-requirement | adopted | planned | 2027.02 | — | — |"
            )),
            "{md}"
        );
        // The workbook the leaders forward: one sheet, the same rows.
        let book = m.dir.path().join("req-2026-12.xlsx");
        let book_arg = book.to_str().unwrap().to_string();
        m.ok(
            "8 10:07",
            CENTRE_2,
            &[
                "req",
                "published",
                "--month",
                "2026-12",
                "--format",
                "xlsx",
                "--output",
                &book_arg,
            ],
        );
        {
            use calamine::{Reader, Xlsx, open_workbook};
            let mut wb: Xlsx<_> = open_workbook(&book).unwrap();
            let sheet = wb.worksheet_range("requirements_2026-12").unwrap();
            let rows: Vec<Vec<String>> = sheet
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            assert_eq!(rows.len(), 7, "{rows:?}");
            assert_eq!(rows[0][0], "Key");
            let r2_row = rows.iter().find(|r| r[0] == r2).unwrap();
            assert_eq!(r2_row[4], "rejected");
            assert_eq!(r2_row[7], "Đã có chức năng đối chiếu trong TTSP");
        }

        // The same as CSV for spreadsheets: stable identifiers, every cell inert.
        let csv = m.ok(
            "8 10:06",
            CENTRE_2,
            &["req", "published", "--month", "2026-12", "--format", "csv"],
        );
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("key,title,unit,class,outcome,stage,release,reason,merged_into")
        );
        assert!(
            csv.contains(&format!(
                "{r2},Chức năng đối chiếu tự động với ngân hàng,HN,new-requirement,rejected,rejected,,Đã có chức năng đối chiếu trong TTSP,"
            )),
            "{csv}"
        );
        assert_eq!(csv.lines().count(), 7, "{csv}");

        // ---- Development, and the amendment -------------------------------------------------
        let err = m.refused(
            "9 09:00",
            CENTRE,
            &["req", "advance", &r1, "--to", "in_test"],
        );
        assert!(err.contains("next comes work order sent"), "{err}");
        m.ok(
            "9 09:00",
            CENTRE,
            &["req", "advance", &r1, "--to", "work_order_sent"],
        );
        for stage in ["in_development", "in_test", "verified"] {
            m.ok("10 09:00", CENTRE, &["req", "advance", &r1, "--to", stage]);
        }
        let t = m.json("10 09:01", CENTRE, &["ticket", "show", &r1]);
        assert_eq!(
            t["ticket"]["status"], "resolved",
            "verified, the request is resolved"
        );
        m.ok(
            "10 10:00",
            CENTRE,
            &["req", "publish", "--month", "2026-12"],
        );
        let latest: Value = serde_json::from_str(&m.ok(
            "10 10:01",
            DISTRICT,
            &["req", "published", "--month", "2026-12", "--format", "json"],
        ))
        .unwrap();
        assert_eq!(
            latest["version"], 2,
            "the second publication is an amendment"
        );
        // The timeline tells each decision and who made it.
        let t = m.json("10 10:02", CENTRE, &["ticket", "show", &r1]);
        let actors: Vec<&str> = t["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "requirement_changed")
            .map(|e| e["actor"].as_str().unwrap())
            .collect();
        assert_eq!(
            actors,
            [
                DISTRICT, PROVINCE, CENTRE, CENTRE, CENTRE, CENTRE, CENTRE, CENTRE, CENTRE
            ]
        );
    });
}

/// `ticket new` of an improvement requirement of the district (HN-BD), title to add.
const DISTRICT_IMPROVEMENT: [&str; 8] = [
    "ticket",
    "new",
    "--kind",
    "requirement",
    "--category",
    "improvement",
    "--unit",
    "HN-BD",
];

/// Issue 16 Deliver 2: with `requirement_outside_window = "refuse"` a submission after the
/// window is refused naming the next window's opening, and nothing is created.
#[test]
fn a_desk_that_refuses_late_requirements_creates_nothing() {
    on_each_engine(|| {
        let m = Month::new();
        let shipped = include_str!("../config/hotro.toml");
        let text = shipped.replacen(
            "default_urgency = \"medium\"\n",
            "default_urgency = \"medium\"\nrequirement_outside_window = \"refuse\"\n",
            1,
        );
        assert_ne!(text, shipped);
        let file = m.dir.path().join("refuse.toml");
        std::fs::write(&file, text).unwrap();
        let config = file.to_str().unwrap();
        let args = |title: &'static str| {
            [
                &["--config", config][..],
                &DISTRICT_IMPROVEMENT,
                &["--title", title],
            ]
            .concat()
        };
        // In the window: accepted as usual.
        m.ok("2 09:00", DISTRICT, &args("Thêm cột mã dự án"));
        // Friday 4 December is after the window: refused, naming 4 January 2027.
        let err = m.refused("4 09:00", DISTRICT, &args("Xuất bảng kê ra Excel"));
        assert!(err.contains("2027-01-04"), "{err}");
        let list = m.json("4 09:10", CENTRE, &["ticket", "list"]);
        let titles: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["title"].as_str())
            .collect();
        assert_eq!(titles, ["Thêm cột mã dự án"], "nothing created: {list}");
        // The window command says so too.
        let out = m.ok("4 09:00", DISTRICT, &["--config", config, "req", "window"]);
        assert!(
            out.contains("refuses later submissions") && out.contains("2027-01-04"),
            "{out}"
        );
    });
}

/// Issue 16 Deliver 5: submitting a requirement shows the similar requirements already
/// submitted (other units' too), and only requirements.
#[test]
fn submitting_shows_similar_requirements() {
    on_each_engine(|| {
        let m = Month::new();
        let first = m.submit(
            "1 09:00",
            DISTRICT,
            "HN-BD",
            "report-requirement",
            "Báo cáo tổng hợp chi ngân sách theo quý",
        );
        // An incident with the same words is not a requirement.
        m.ok(
            "1 09:30",
            PROVINCE,
            &[
                "ticket",
                "new",
                "--kind",
                "incident",
                "--title",
                "Báo cáo tổng hợp chi ngân sách theo quý bị lỗi",
            ],
        );
        let args = [
            "ticket",
            "new",
            "--kind",
            "requirement",
            "--category",
            "report-requirement",
            "--unit",
            "HN",
            "--title",
            "Bao cao tong hop chi ngan sach theo quy",
        ];
        let out = m.ok("2 10:00", PROVINCE, &args);
        let similar: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("similar requirement:"))
            .collect();
        assert_eq!(similar.len(), 1, "{out}");
        assert!(
            similar[0].contains(&first) && similar[0].contains("(under review)"),
            "{out}"
        );
    });
}
