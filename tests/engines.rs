//! The store modules moved onto the engine-neutral transaction (issue 17: drafts,
//! announcements, the morning checks, configs, requirements, changes, kb, the mail outbox)
//! run the same tests on both engines: SQLite on a real temporary file, PostgreSQL on a real
//! throwaway cluster (tests/common); each module's read-then-write also under concurrent
//! connections. `HOTRO_TEST_ENGINE=sqlite|postgres|
//! both` selects; unset runs both (the PostgreSQL half fails under CI=true when PostgreSQL is
//! missing, and is skipped with a notice elsewhere).
#![allow(clippy::unwrap_used, clippy::disallowed_macros)]

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::engines::{Engine, connect, each};
use hotro::domain::announce::AnnouncementInput;
use hotro::domain::change::{NewChange, Outcome as ChangeOutcome};
use hotro::domain::check::{CheckResult, Source};
use hotro::domain::kb::{ArticleInput, EditMode, PublishStep};
use hotro::domain::outbox::{Delivery, Standing};
use hotro::domain::requirement::{Month, Outcome, PublishedRow, Stage};
use hotro::store::{CheckRecord, Purpose, Store, StoreError};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()
}

#[test]
fn drafts_on_every_engine() {
    each(|e| {
        let n = e.name();
        let db = &mut e.db;
        assert_eq!(db.load_draft("an", "HT-1", "reply").unwrap(), None, "{n}");
        db.save_draft("an", "HT-1", "reply", "Chào anh, 你好", now())
            .unwrap();
        db.save_draft("an", "HT-1", "note", "ghi chú", now())
            .unwrap();
        db.save_draft("binh", "HT-1", "reply", "của Bình", now())
            .unwrap();
        db.save_draft("an", "", "new", "a ticket not yet made", now())
            .unwrap();
        assert_eq!(
            db.load_draft("an", "HT-1", "reply").unwrap().as_deref(),
            Some("Chào anh, 你好"),
            "{n}"
        );
        // Saving again replaces the text (one draft per operator, ticket and purpose).
        db.save_draft(
            "an",
            "HT-1",
            "reply",
            "second text",
            now() + Duration::seconds(5),
        )
        .unwrap();
        assert_eq!(
            db.load_draft("an", "HT-1", "reply").unwrap().as_deref(),
            Some("second text"),
            "{n}"
        );
        assert_eq!(
            db.load_draft("binh", "HT-1", "reply").unwrap().as_deref(),
            Some("của Bình"),
            "{n}: another operator's draft is theirs"
        );
        assert_eq!(
            db.load_draft("an", "", "new").unwrap().as_deref(),
            Some("a ticket not yet made"),
            "{n}"
        );
        // A blank text deletes; so does delete_draft; deleting nothing is not an error.
        db.save_draft("an", "HT-1", "reply", "  \n ", now())
            .unwrap();
        assert_eq!(db.load_draft("an", "HT-1", "reply").unwrap(), None, "{n}");
        db.delete_draft("an", "HT-1", "note").unwrap();
        db.delete_draft("an", "HT-1", "note").unwrap();
        assert_eq!(db.load_draft("an", "HT-1", "note").unwrap(), None, "{n}");
        // Seen from another connection (another operator's process).
        let mut other = e.reopen();
        assert_eq!(
            other
                .load_draft("binh", "HT-1", "reply")
                .unwrap()
                .as_deref(),
            Some("của Bình"),
            "{n}"
        );
    });
}

fn input(title: &str) -> AnnouncementInput {
    AnnouncementInput {
        title: Some(title.to_string()),
        applications: Some(vec!["TABMIS".to_string(), "DVC".to_string()]),
        problem: Some("Không đăng nhập được".to_string()),
        guidance: Some("Chờ".to_string()),
        expected_fix: Some(Some(now() + Duration::hours(2))),
        incident: None,
    }
}

#[test]
fn announcements_on_every_engine() {
    each(|e| {
        let n = e.name();
        // A ticket to name as the incident (the tickets module is not on both engines yet).
        e.setup_sql(
            "INSERT INTO tickets (key, kind, title, title_folded, description, channel, impact,
                urgency, priority, tier, grp, status, created_at, updated_at, version)
             VALUES ('HT-2026-000007', 'incident', 'TABMIS down', 'tabmis down', '', 'phone',
                'high', 'high', 'P1', 1, 'service-desk', 'new', 1, 1, 1)",
        );
        let db = &mut e.db;
        let a = db
            .create_announcement(&input("TABMIS chậm"), "an", now())
            .unwrap();
        assert_eq!(a.title, "TABMIS chậm", "{n}");
        assert_eq!(a.applications, ["TABMIS", "DVC"], "{n}");
        assert_eq!(a.expected_fix, Some(now() + Duration::hours(2)), "{n}");
        assert_eq!((a.version, a.created_by.as_str()), (1, "an"), "{n}");
        assert_eq!(a.created_at, now(), "{n}");
        assert!(a.is_active(), "{n}");
        assert_eq!(db.announcement(a.id).unwrap(), a, "{n}");

        // An incident that is no ticket: refused, nothing made.
        let mut bad = input("bad");
        bad.incident = Some(Some("HT-2026-999999".to_string()));
        assert!(
            matches!(
                db.create_announcement(&bad, "an", now()),
                Err(StoreError::TicketNotFound(k)) if k == "HT-2026-999999"
            ),
            "{n}"
        );
        assert_eq!(db.announcements(false).unwrap().len(), 1, "{n}");

        let mut with = input("DVC lỗi");
        with.incident = Some(Some("HT-2026-000007".to_string()));
        with.expected_fix = Some(None);
        let b = db.create_announcement(&with, "binh", now()).unwrap();
        assert!(b.id > a.id, "{n}");
        assert_eq!(b.expected_fix, None, "{n}");
        assert_eq!(
            db.announcement_for_incident("HT-2026-000007").unwrap(),
            Some(b.clone()),
            "{n}"
        );
        assert_eq!(db.announcement_for_incident("HT-1").unwrap(), None, "{n}");

        // An edit expecting an old version is refused and changes nothing.
        let change = AnnouncementInput {
            title: Some("TABMIS chậm, đang xử lý".to_string()),
            ..Default::default()
        };
        assert!(
            matches!(
                db.edit_announcement(a.id, Some(7), &change, "binh", now()),
                Err(StoreError::AnnouncementChanged {
                    expected: 7,
                    current: 1,
                    ..
                })
            ),
            "{n}"
        );
        assert_eq!(db.announcement(a.id).unwrap(), a, "{n}");
        let later = now() + Duration::minutes(10);
        let a2 = db
            .edit_announcement(a.id, Some(1), &change, "binh", later)
            .unwrap();
        assert_eq!(a2.title, "TABMIS chậm, đang xử lý", "{n}");
        assert_eq!(a2.problem, a.problem, "{n}: fields not named are kept");
        assert_eq!(a2.applications, a.applications, "{n}");
        assert_eq!((a2.version, a2.updated_by.as_str()), (2, "binh"), "{n}");
        assert_eq!(a2.updated_at, later, "{n}");

        // Newest first; active only leaves out the resolved.
        let ids: Vec<i64> = db
            .announcements(false)
            .unwrap()
            .iter()
            .map(|x| x.id)
            .collect();
        assert_eq!(ids, [b.id, a.id], "{n}");
        let b2 = db.resolve_announcement(b.id, "an", later).unwrap();
        assert_eq!(b2.resolved_at, Some(later), "{n}");
        assert_eq!(b2.resolved_by.as_deref(), Some("an"), "{n}");
        assert_eq!(b2.version, 2, "{n}");
        assert!(!b2.is_active(), "{n}");
        let active: Vec<i64> = db
            .announcements(true)
            .unwrap()
            .iter()
            .map(|x| x.id)
            .collect();
        assert_eq!(active, [a.id], "{n}");
        assert_eq!(
            db.announcement_for_incident("HT-2026-000007").unwrap(),
            None,
            "{n}"
        );
        assert!(
            matches!(
                db.resolve_announcement(b.id, "an", later),
                Err(StoreError::AnnouncementResolved(id)) if id == b.id
            ),
            "{n}"
        );
        assert!(
            matches!(
                db.edit_announcement(b.id, None, &change, "an", later),
                Err(StoreError::AnnouncementResolved(_))
            ),
            "{n}"
        );
        assert!(
            matches!(
                db.announcement(9999),
                Err(StoreError::AnnouncementNotFound(9999))
            ),
            "{n}"
        );
    });
}

/// Eight processes edit one announcement at once, each expecting version 1: exactly one
/// edit is made, the others are told it changed (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the
/// row locked `FOR UPDATE` under `READ COMMITTED`).
#[test]
fn concurrent_edits_expecting_one_version_on_every_engine() {
    each(|e| {
        let n = e.name();
        let a =
            e.db.create_announcement(&input("race"), "an", now())
                .unwrap();
        let (kind, target) = (e.db.engine(), e.target.clone());
        let barrier = std::sync::Barrier::new(8);
        let results: Vec<Result<i64, String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let (target, barrier) = (&target, &barrier);
                    s.spawn(move || {
                        let mut db = connect(kind, target);
                        barrier.wait();
                        let change = AnnouncementInput {
                            title: Some(format!("edit {i}")),
                            ..Default::default()
                        };
                        match db.edit_announcement(a.id, Some(1), &change, "an", now()) {
                            Ok(x) => Ok(x.version),
                            Err(StoreError::AnnouncementChanged { current, .. }) => {
                                Err(format!("changed {current}"))
                            }
                            Err(other) => panic!("{n}: {other:?}"),
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let made: Vec<_> = results.iter().filter(|r| r.is_ok()).collect();
        assert_eq!(made, [&Ok(2)], "{n}: {results:?}");
        assert!(
            results
                .iter()
                .filter(|r| r.is_err())
                .all(|r| r == &Err("changed 2".to_string())),
            "{n}: {results:?}"
        );
        let end = e.db.announcement(a.id).unwrap();
        assert_eq!(end.version, 2, "{n}");
    });
}

fn rec(system: &str, result: CheckResult, note: &str) -> CheckRecord {
    CheckRecord {
        system: system.to_string(),
        result,
        note: note.to_string(),
        source: Source::Manual,
        detail: String::new(),
    }
}

#[test]
fn morning_checks_on_every_engine() {
    each(|e| {
        let n = e.name();
        let db = &mut e.db;
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let t1 = now();
        let t2 = now() + Duration::minutes(20);
        // Systems whose byte order differs from a linguistic one: the frozen report keeps
        // SQLite's (byte) order on both engines.
        let amended = db
            .record_checks(
                day,
                &[
                    rec("TABMIS", CheckResult::Ok, "  nhanh \n"),
                    rec("dvc", CheckResult::Slow, "chậm 5 s"),
                    rec("Email", CheckResult::Down, ""),
                ],
                "an",
                t1,
            )
            .unwrap();
        assert!(!amended, "{n}");
        // Recorded again before finalising: replaced, not an amendment, logged with the
        // previous result.
        db.record_checks(day, &[rec("Email", CheckResult::Ok, "back")], "binh", t2)
            .unwrap();
        let d = db.check_day(day).unwrap();
        let systems: Vec<&str> = d.entries.iter().map(|x| x.system.as_str()).collect();
        assert_eq!(systems, ["Email", "TABMIS", "dvc"], "{n}");
        let email = d.entry("Email").unwrap();
        assert_eq!(
            (
                email.result,
                email.by.as_str(),
                email.at,
                email.note.as_str()
            ),
            (CheckResult::Ok, "binh", t2, "back"),
            "{n}"
        );
        assert_eq!(
            d.entry("TABMIS").unwrap().note,
            "nhanh",
            "{n}: note trimmed"
        );
        assert!(d.finalised.is_none() && d.amendments.is_empty(), "{n}");

        let f = db.finalise_check(day, "lead", t2).unwrap();
        let frozen = f.finalised.clone().unwrap();
        assert_eq!((frozen.by.as_str(), frozen.at), ("lead", t2), "{n}");
        assert_eq!(frozen.frozen, d.entries, "{n}");
        assert!(
            matches!(
                db.finalise_check(day, "lead", t2),
                Err(StoreError::AlreadyFinalised { by, .. }) if by == "lead"
            ),
            "{n}"
        );
        // After finalising: refused without the right to amend (nothing written), an
        // amendment with it; the frozen report never changes.
        let t3 = t2 + Duration::hours(1);
        assert!(
            matches!(
                db.record_checks_as(day, &[rec("dvc", CheckResult::Ok, "")], "an", t3, false),
                Err(StoreError::AlreadyFinalised { .. })
            ),
            "{n}"
        );
        assert!(
            db.record_checks(day, &[rec("dvc", CheckResult::Ok, "fixed")], "an", t3)
                .unwrap(),
            "{n}"
        );
        let d = db.check_day(day).unwrap();
        assert_eq!(d.finalised.as_ref().unwrap().frozen, frozen.frozen, "{n}");
        assert_eq!(d.entry("dvc").unwrap().result, CheckResult::Ok, "{n}");
        assert_eq!(d.amendments.len(), 1, "{n}");
        let am = &d.amendments[0];
        assert_eq!(
            (
                am.system.as_str(),
                am.by.as_str(),
                am.at,
                am.from,
                am.to,
                am.note.as_str()
            ),
            (
                "dvc",
                "an",
                t3,
                Some(CheckResult::Slow),
                CheckResult::Ok,
                "fixed"
            ),
            "{n}"
        );

        let log = db.check_log(day).unwrap();
        type Line = (String, Option<String>, Option<String>, Option<String>, bool);
        let lines: Vec<Line> = log
            .iter()
            .map(|l| {
                (
                    l.action.clone(),
                    l.system.clone(),
                    l.result.clone(),
                    l.previous.clone(),
                    l.amendment,
                )
            })
            .collect();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            lines,
            [
                ("record".into(), s("TABMIS"), s("ok"), None, false),
                ("record".into(), s("dvc"), s("slow"), None, false),
                ("record".into(), s("Email"), s("down"), None, false),
                ("record".into(), s("Email"), s("ok"), s("down"), false),
                ("finalise".into(), None, None, None, false),
                ("record".into(), s("dvc"), s("ok"), s("slow"), true),
            ],
            "{n}"
        );

        // History: only days with something, oldest first.
        let next = day.succ_opt().unwrap();
        db.record_checks(
            next,
            &[rec("TABMIS", CheckResult::LoginFailed, "")],
            "an",
            t3,
        )
        .unwrap();
        let from = day.pred_opt().unwrap();
        let hist = db.check_days(from, next.succ_opt().unwrap()).unwrap();
        let dates: Vec<_> = hist.iter().map(|h| h.date.unwrap()).collect();
        assert_eq!(dates, [day, next], "{n}");
        assert_eq!(
            db.check_days(next.succ_opt().unwrap(), next.succ_opt().unwrap())
                .unwrap()
                .len(),
            0,
            "{n}"
        );
        assert!(db.check_day(from).unwrap().entries.is_empty(), "{n}");
    });
}

/// Run `f(i, db)` on `n` threads at once, each with its own connection to `e`'s database.
fn race<T: Send>(e: &Engine, n: usize, f: impl Fn(usize, &mut Store) -> T + Sync) -> Vec<T> {
    let (kind, target) = (e.db.engine(), e.target.clone());
    let barrier = std::sync::Barrier::new(n);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (target, barrier, f) = (&target, &barrier, &f);
                s.spawn(move || {
                    let mut db = connect(kind, target);
                    barrier.wait();
                    f(i, &mut db)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn configs_on_every_engine() {
    each(|e| {
        let n = e.name();
        let db = &mut e.db;
        assert_eq!(db.applied_config().unwrap(), None, "{n}");
        assert_eq!(db.purpose().unwrap(), Purpose::Live, "{n}");
        assert!(!db.holds_records().unwrap(), "{n}");
        // An empty database may become a test database, and back.
        db.set_purpose(Purpose::Test).unwrap();
        assert_eq!(db.purpose().unwrap(), Purpose::Test, "{n}");
        db.set_purpose(Purpose::Demo).unwrap();
        assert_eq!(db.purpose().unwrap(), Purpose::Demo, "{n}");

        let first = db
            .apply_config("[desk]\nname = \"Kho bạc\"\n", "hotro", None, now(), true)
            .unwrap();
        assert_eq!(first.version, 1, "{n}");
        assert_eq!(first.applied_by, "hotro", "{n}");
        assert_eq!(first.applied_at, now(), "{n}");
        assert_eq!(first.digest, hotro::config::digest(&first.text), "{n}");
        // only_if_none: the one in force stays.
        let again = db
            .apply_config("[desk]\nname = \"other\"\n", "an", None, now(), true)
            .unwrap();
        assert_eq!(again, first, "{n}");
        // The same text again: no new version.
        let same = db
            .apply_config(&first.text, "an", None, now(), false)
            .unwrap();
        assert_eq!(same, first, "{n}");
        let later = now() + Duration::minutes(5);
        let second = db
            .apply_config(
                "[desk]\nname = \"Tỉnh\"\n",
                "admin",
                Some("an"),
                later,
                false,
            )
            .unwrap();
        assert_eq!(second.version, 2, "{n}");
        assert_eq!(second.by.as_deref(), Some("an"), "{n}");
        assert_eq!(db.applied_config().unwrap(), Some(second.clone()), "{n}");
        assert_eq!(db.verify_configs().unwrap(), None, "{n}");
        // A configuration is applied: the purpose is fixed.
        assert!(
            matches!(
                db.set_purpose(Purpose::Live),
                Err(StoreError::PurposeFixed { purpose }) if purpose == "demo"
            ),
            "{n}"
        );
        assert_eq!(db.purpose().unwrap(), Purpose::Demo, "{n}");
        // Seen from another connection.
        assert_eq!(e.reopen().applied_config().unwrap(), Some(second), "{n}");
        // A text edited behind hotro's back, then the purpose: both found.
        e.setup_sql("UPDATE config_versions SET text = 'x' WHERE version = 2");
        assert_eq!(e.db.verify_configs().unwrap(), Some(2), "{n}");
        e.setup_sql("UPDATE meta SET value = 'live' WHERE key = 'purpose'");
        assert_eq!(e.db.verify_configs().unwrap(), Some(1), "{n}");
    });
}

#[test]
fn a_record_fixes_the_purpose_on_every_engine() {
    each(|e| {
        let n = e.name();
        e.db.create_announcement(&input("x"), "an", now()).unwrap();
        assert!(e.db.holds_records().unwrap(), "{n}");
        assert!(
            matches!(
                e.db.set_purpose(Purpose::Test),
                Err(StoreError::PurposeFixed { purpose }) if purpose == "live"
            ),
            "{n}"
        );
    });
}

#[test]
fn concurrent_configs_on_every_engine() {
    each(|e| {
        let n = e.name();
        // Eight processes starting on a new database at once: one configuration recorded,
        // every one of them given it.
        let got = race(e, 8, |i, db| {
            db.apply_config(&format!("# start {i}\n"), "hotro", None, now(), true)
                .map_err(|err| format!("{err:?}"))
        });
        let first = got[0].clone().unwrap();
        assert_eq!(first.version, 1, "{n}");
        assert!(got.iter().all(|g| g.as_ref() == Ok(&first)), "{n}: {got:?}");
        // Eight admins applying different texts at once: eight new versions in turn, the
        // chain unbroken.
        let got = race(e, 8, |i, db| {
            db.apply_config(&format!("# edit {i}\n"), "admin", None, now(), false)
                .map(|c| c.version)
                .map_err(|err| format!("{err:?}"))
        });
        assert!(got.iter().all(Result::is_ok), "{n}: {got:?}");
        assert_eq!(e.db.applied_config().unwrap().unwrap().version, 9, "{n}");
        assert_eq!(e.db.verify_configs().unwrap(), None, "{n}");
    });
}

fn published(key: &str, outcome: Outcome, stage: Stage) -> PublishedRow {
    PublishedRow {
        key: key.to_string(),
        title: format!("Yêu cầu {key}"),
        unit: Some("KBNN Cà Mau".to_string()),
        class: None,
        outcome,
        stage,
        release: None,
        reason: None,
        merged_into: None,
    }
}

#[test]
fn requirement_publications_on_every_engine() {
    each(|e| {
        let n = e.name();
        let nov: Month = "2026-11".parse().unwrap();
        let dec: Month = "2026-12".parse().unwrap();
        let db = &mut e.db;
        assert_eq!(db.requirement_publications(nov).unwrap(), [], "{n}");
        let rows = vec![
            published("HT-2026-000001", Outcome::Adopted, Stage::Confirmed),
            published("HT-2026-000002", Outcome::Pending, Stage::UnderReview),
        ];
        let first = db.publish_requirements(nov, &rows, now(), "lead").unwrap();
        assert_eq!((first.version, first.rows.len()), (1, 2), "{n}");
        let later = now() + Duration::days(2);
        let amended = vec![published(
            "HT-2026-000002",
            Outcome::Rejected,
            Stage::Rejected,
        )];
        let second = db
            .publish_requirements(nov, &amended, later, "lead")
            .unwrap();
        assert_eq!(second.version, 2, "{n}");
        // Another month starts at 1.
        assert_eq!(
            db.publish_requirements(dec, &rows, later, "lead")
                .unwrap()
                .version,
            1,
            "{n}"
        );
        // Each publication frozen as it was, oldest first, read back from another connection.
        let all = e.reopen().requirement_publications(nov).unwrap();
        assert_eq!(all, [first, second], "{n}");
    });
}

#[test]
fn concurrent_publications_on_every_engine() {
    each(|e| {
        let n = e.name();
        let nov: Month = "2026-11".parse().unwrap();
        let rows = vec![published(
            "HT-2026-000001",
            Outcome::Adopted,
            Stage::Confirmed,
        )];
        // Eight leads publishing the same month at once: versions 1 to 8, one each.
        let mut got = race(e, 8, |_, db| {
            db.publish_requirements(nov, &rows, now(), "lead")
                .map(|p| p.version)
                .map_err(|err| format!("{err:?}"))
        });
        got.sort();
        let want: Vec<Result<i64, String>> = (1..=8).map(Ok).collect();
        assert_eq!(got, want, "{n}");
        assert_eq!(e.db.requirement_publications(nov).unwrap().len(), 8, "{n}");
    });
}

fn change(what: &str, done_at: DateTime<Utc>, outcome: ChangeOutcome) -> NewChange {
    NewChange {
        application: "TABMIS".to_string(),
        environment: "production".to_string(),
        what: what.to_string(),
        tickets: vec!["HT-2026-000003".to_string()],
        planned_at: Some(done_at - Duration::hours(1)),
        done_at,
        approved_by: Some("lead".to_string()),
        carried_out_by: "an".to_string(),
        outcome,
        rollback: "khôi phục bản sao".to_string(),
    }
}

#[test]
fn changes_on_every_engine() {
    each(|e| {
        let n = e.name();
        let db = &mut e.db;
        let a = change("nâng cấp", now(), ChangeOutcome::Succeeded);
        let mut b = change(
            "đổi cấu hình",
            now() - Duration::days(1),
            ChangeOutcome::RolledBack,
        );
        b.planned_at = None;
        b.approved_by = None;
        b.tickets = vec![];
        let c = change(
            "next month",
            now() + Duration::days(30),
            ChangeOutcome::Failed,
        );
        let ia = db.record_change(&a, now(), "an").unwrap();
        let ib = db.record_change(&b, now(), "binh").unwrap();
        let ic = db.record_change(&c, now(), "an").unwrap();
        assert!(ia < ib && ib < ic, "{n}: {ia} {ib} {ic}");
        // In the order done, within the window; read from another connection.
        let got = e
            .reopen()
            .changes_between(now() - Duration::days(7), now() + Duration::days(7))
            .unwrap();
        let seen: Vec<_> = got.iter().map(|r| (r.id, r.change.clone())).collect();
        assert_eq!(seen, [(ib, b), (ia, a)], "{n}");
        assert_eq!(got[1].recorded_by, "an", "{n}");
        assert_eq!(got[1].recorded_at, now(), "{n}");
        // The window's end is excluded.
        assert_eq!(
            e.db.changes_between(now() - Duration::days(7), now())
                .unwrap()
                .len(),
            1,
            "{n}"
        );
    });
}

#[test]
fn concurrent_changes_on_every_engine() {
    each(|e| {
        let n = e.name();
        let mut ids = race(e, 8, |i, db| {
            db.record_change(
                &change(&format!("c{i}"), now(), ChangeOutcome::Succeeded),
                now(),
                "an",
            )
            .unwrap()
        });
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 8, "{n}: {ids:?}");
        assert_eq!(
            e.db.changes_between(now(), now() + Duration::seconds(1))
                .unwrap()
                .len(),
            8,
            "{n}"
        );
    });
}

fn article(reference: &str, title: &str, status: Option<&str>) -> ArticleInput {
    ArticleInput {
        reference: reference.to_string(),
        lang: "vi".to_string(),
        application: Some("TABMIS".to_string()),
        category: None,
        title: title.to_string(),
        symptom: "Không đăng nhập được".to_string(),
        cause: "Hết hạn mật khẩu".to_string(),
        resolution: "Đặt lại mật khẩu".to_string(),
        tags: vec!["mật khẩu".to_string()],
        status: status.map(str::to_string),
        author: None,
    }
}

#[test]
fn kb_on_every_engine() {
    each(|e| {
        let n = e.name();
        let db = &mut e.db;
        assert!(!db.db_id().unwrap().is_empty(), "{n}");
        assert_eq!(db.outbox_last().unwrap(), 0, "{n}");
        assert_eq!(db.free_article_ref().unwrap(), "KB-00001", "{n}");
        let draft = article("KB-00001", "Đăng nhập TABMIS", Some("draft"));
        db.create_article(&draft, false, "an", now()).unwrap();
        assert!(
            matches!(
                db.create_article(&draft, false, "an", now()),
                Err(StoreError::ArticleExists(r)) if r == "KB-00001"
            ),
            "{n}"
        );
        let a = db.article("KB-00001").unwrap().unwrap();
        assert_eq!((a.status.as_str(), a.version), ("draft", 1), "{n}");
        assert_eq!((a.published_by.clone(), a.faq), (None, false), "{n}");
        assert_eq!(a.tags, ["mật khẩu"], "{n}");
        assert_eq!(db.free_article_ref().unwrap(), "KB-00002", "{n}");
        // A draft is edited in place.
        let t1 = now() + Duration::minutes(1);
        let mut changed = draft.clone();
        changed.title = "Đăng nhập TABMIS (sửa)".to_string();
        assert_eq!(
            db.edit_article(&changed, true, "binh", t1).unwrap(),
            EditMode::InPlace,
            "{n}"
        );
        let a = db.article("KB-00001").unwrap().unwrap();
        assert_eq!((a.version, a.faq), (2, true), "{n}");
        assert_eq!(a.updated_by.as_deref(), Some("binh"), "{n}");
        // Published by the lead.
        let t2 = now() + Duration::minutes(2);
        assert_eq!(
            db.publish_article("KB-00001", "lead", t2).unwrap(),
            PublishStep::Publish,
            "{n}"
        );
        let a = db.article("KB-00001").unwrap().unwrap();
        assert_eq!(a.status, "published", "{n}");
        assert_eq!(a.published_by.as_deref(), Some("lead"), "{n}");
        assert_eq!(a.published_at, Some(t2), "{n}");
        assert!(
            db.publish_article("KB-00001", "lead", t2).is_err(),
            "{n}: nothing to publish"
        );
        assert_eq!(db.faq_articles().unwrap().len(), 1, "{n}");
        // A published article's edit waits as a revision; publishing applies it.
        let mut revised = changed.clone();
        revised.resolution = "Gọi 1900".to_string();
        assert_eq!(
            db.edit_article(&revised, true, "binh", t2).unwrap(),
            EditMode::Revision,
            "{n}"
        );
        let r = db.article_revision("KB-00001").unwrap().unwrap();
        assert_eq!(
            (r.input.clone(), r.author.as_str()),
            (revised.clone(), "binh"),
            "{n}"
        );
        assert_eq!(db.article("KB-00001").unwrap().unwrap().version, 3, "{n}");
        assert_eq!(
            db.publish_article("KB-00001", "lead", t2).unwrap(),
            PublishStep::ApplyRevision,
            "{n}"
        );
        let a = db.article("KB-00001").unwrap().unwrap();
        assert_eq!((a.resolution.as_str(), a.version), ("Gọi 1900", 4), "{n}");
        assert_eq!(a.published_by.as_deref(), Some("lead"), "{n}");
        assert_eq!(a.updated_by.as_deref(), Some("binh"), "{n}");
        assert_eq!(db.article_revision("KB-00001").unwrap(), None, "{n}");
        let versions: Vec<i64> = db
            .article_history("KB-00001")
            .unwrap()
            .iter()
            .map(|v| v.version)
            .collect();
        assert_eq!(versions, [1, 2, 3], "{n}");
        // Retired once, not twice.
        db.retire_article("KB-00001", "lead", t2).unwrap();
        assert!(db.retire_article("KB-00001", "lead", t2).is_err(), "{n}");
        assert!(db.faq_articles().unwrap().is_empty(), "{n}");
        assert_eq!(
            db.articles_by_status("retired", 10).unwrap().len(),
            1,
            "{n}"
        );
        assert!(matches!(
            db.article_revision("KB-404"),
            Err(StoreError::ArticleNotFound(_))
        ));
        // An import: added, updated, unchanged; all in one transaction.
        let mut calls = Vec::new();
        let counts = db
            .import_articles_with(
                &[
                    article("KB-00002", "a", None),
                    article("KB-00003", "b", None),
                ],
                "an",
                now(),
                &mut |d, t| calls.push((d, t)),
            )
            .unwrap();
        assert_eq!(
            (counts.added, counts.updated, counts.unchanged),
            (2, 0, 0),
            "{n}"
        );
        assert_eq!(calls, [(2, 2)], "{n}");
        let counts = db
            .import_articles(
                &[
                    article("KB-00002", "a", None),
                    article("KB-00003", "b changed", None),
                ],
                "an",
                now(),
            )
            .unwrap();
        assert_eq!(
            (counts.added, counts.updated, counts.unchanged),
            (0, 1, 1),
            "{n}"
        );
        let refs: Vec<String> = db
            .articles()
            .unwrap()
            .into_iter()
            .map(|a| a.reference)
            .collect();
        assert_eq!(refs, ["KB-00001", "KB-00002", "KB-00003"], "{n}");
        assert_eq!(
            db.articles_by_status("published", 1).unwrap()[0].reference,
            "KB-00002",
            "{n}: newest change first, limited"
        );
        // The search outbox, filled by the schema's triggers, and the documents.
        let outbox = db.outbox_after(0, 1000).unwrap();
        assert!(
            outbox.iter().all(|o| o.kind == "article"),
            "{n}: {outbox:?}"
        );
        assert_eq!(outbox.last().unwrap().reference, "KB-00003", "{n}");
        let last = db.outbox_last().unwrap();
        assert_eq!(last, outbox.last().unwrap().id, "{n}");
        let doc = db.index_doc("article", "KB-00003").unwrap().unwrap();
        assert_eq!(
            (doc.kind, doc.title.as_str()),
            ("article", "b changed"),
            "{n}"
        );
        assert_eq!(db.index_doc("article", "KB-404").unwrap(), None, "{n}");
        db.outbox_prune(last - 1, 0).unwrap();
        assert_eq!(db.outbox_after(0, 1000).unwrap().len(), 1, "{n}");
        assert_eq!(db.outbox_last().unwrap(), last, "{n}");
        if db.engine() == hotro::store::EngineKind::Postgres {
            // One index per host: the newest entries asked to be kept stay, whatever `upto`
            // says (another host's index may still need them).
            db.outbox_prune(last, 1).unwrap();
            assert_eq!(db.outbox_after(0, 1000).unwrap().len(), 1, "{n}");
        }
        // A ticket's document (the tickets module is not on both engines yet: plain SQL).
        e.setup_sql(
            "INSERT INTO tickets (key, kind, title, title_folded, description, channel, impact,
                urgency, priority, tier, grp, status, created_at, updated_at, version)
             VALUES ('HT-2026-000007', 'incident', 'TABMIS down', 'tabmis down', 'mô tả',
                'phone', 'high', 'high', 'P1', 1, 'service-desk', 'new', 1, 1, 1)",
        );
        let db = &mut e.db;
        let doc = db.index_doc("ticket", "HT-2026-000007").unwrap().unwrap();
        assert_eq!(
            (
                doc.kind,
                doc.symptom.as_str(),
                doc.cause.as_str(),
                doc.lang.clone()
            ),
            ("ticket", "mô tả", "", None),
            "{n}"
        );
        assert_eq!(db.index_doc_count().unwrap(), 4, "{n}");
        let mut docs = Vec::new();
        db.each_index_doc(|batch| {
            docs.extend(batch.into_iter().map(|d| (d.kind, d.reference)));
            Ok(())
        })
        .unwrap();
        assert_eq!(docs.len(), 4, "{n}");
        assert_eq!(docs[3], ("ticket", "HT-2026-000007".to_string()), "{n}");
        assert!(
            db.outbox_after(last, 10)
                .unwrap()
                .iter()
                .any(|o| o.kind == "ticket" && o.reference == "HT-2026-000007"),
            "{n}"
        );
    });
}

#[test]
fn concurrent_article_writes_on_every_engine() {
    each(|e| {
        let n = e.name();
        // Eight operators creating the same ref at once: one article, seven refusals.
        let got = race(e, 8, |i, db| {
            match db.create_article(
                &article("KB-00009", &format!("t{i}"), None),
                false,
                "an",
                now(),
            ) {
                Ok(()) => Ok(()),
                Err(StoreError::ArticleExists(_)) => Err(()),
                Err(other) => panic!("{n}: {other:?}"),
            }
        });
        assert_eq!(got.iter().filter(|g| g.is_ok()).count(), 1, "{n}: {got:?}");
        // Eight revisions of it and eight imports at once: each kept, versions in turn.
        let got = race(e, 8, |i, db| {
            let mut a = article("KB-00009", &format!("edit {i}"), Some("draft"));
            a.status = None;
            db.import_articles(&[a], "an", now())
                .map_err(|err| format!("{err:?}"))
        });
        assert!(got.iter().all(Result::is_ok), "{n}: {got:?}");
        let a = e.db.article("KB-00009").unwrap().unwrap();
        let history = e.db.article_history("KB-00009").unwrap();
        assert_eq!(history.len() as i64, a.version - 1, "{n}");
        assert!(a.version >= 8, "{n}: {}", a.version);
    });
}

const TICKET_7: &str = "INSERT INTO tickets (key, kind, title, title_folded, description, channel,
        impact, urgency, priority, tier, grp, status, created_at, updated_at, version)
     VALUES ('HT-2026-000007', 'incident', 'TABMIS down', 'tabmis down', '', 'email', 'high',
        'high', 'P1', 1, 'service-desk', 'new', 1, 1, 1);";

/// Mails queued with plain SQL (queuing runs inside a reply's transaction, in the tickets
/// module, which is not on both engines yet): `n` mails of ticket 7, the i-th due at
/// `now() + due(i)` minutes.
fn queue_sql(n: usize, due: impl Fn(usize) -> i64) -> String {
    let base = now().timestamp_millis();
    let mut sql = String::new();
    for i in 0..n {
        let at = base + due(i) * 60_000;
        sql.push_str(&format!(
            "INSERT INTO outbox (ticket, version, from_addr, to_addr, subject, body, message_id,
                state, attempts, next_at, created_at)
             VALUES ('HT-2026-000007', {v}, 'desk@kbnn.vn', 'an@kbnn.vn', 'Re: TABMIS',
                'Chào anh', '<m{i}@hotro>', 'pending', 0, {at}, {base});",
            v = i + 2
        ));
    }
    sql
}

#[test]
fn mail_outbox_on_every_engine() {
    each(|e| {
        let n = e.name();
        let base = now().timestamp_millis();
        e.setup_sql(&format!(
            "{TICKET_7}
             INSERT INTO mail_thread_ids (message_id, ticket, outbound, at) VALUES
                ('<in1@kbnn.vn>', 'HT-2026-000007', 0, {b1}),
                ('<in2@kbnn.vn>', 'HT-2026-000007', 0, {b0}),
                ('<later@kbnn.vn>', 'HT-2026-000007', 0, {b2}),
                ('<m0@hotro>', 'HT-2026-000007', 1, {b0});
             {}",
            queue_sql(3, |i| [0, -5, 30][i]),
            b0 = base,
            b1 = base - 60_000,
            b2 = base + 60_000,
        ));
        let db = &mut e.db;
        let lease = now() + Duration::minutes(10);
        let got = db.claim_outbox(now(), 10, "host/1/1", lease).unwrap();
        // Due ones only, oldest first, each held with one more attempt and its references.
        let ids: Vec<&str> = got.iter().map(|m| m.mail.message_id.as_str()).collect();
        assert_eq!(ids, ["<m1@hotro>", "<m0@hotro>"], "{n}");
        for m in &got {
            assert_eq!(
                (m.state, m.standing),
                (Delivery::Sending, Standing::Sending),
                "{n}"
            );
            assert_eq!(m.attempts, 1, "{n}");
            assert_eq!(m.claimed_by.as_deref(), Some("host/1/1"), "{n}");
            assert_eq!(m.lease_until, Some(lease), "{n}");
            assert_eq!(m.references, ["<in1@kbnn.vn>", "<in2@kbnn.vn>"], "{n}");
        }
        let (m1, m0) = (got[0].id, got[1].id);
        assert!(
            db.claim_outbox(now(), 10, "host/2/2", lease)
                .unwrap()
                .is_empty(),
            "{n}"
        );
        let (list, counts) = db.outbox(10, now()).unwrap();
        assert_eq!(list.len(), 3, "{n}");
        assert!(list[0].id > list[1].id, "{n}: newest first");
        assert_eq!(
            counts,
            [(Standing::Pending, 1), (Standing::Sending, 2)],
            "{n}"
        );
        // Only the holder marks and settles.
        assert!(!db.mark_handing(m0, "host/2/2", now()).unwrap(), "{n}");
        assert!(db.mark_handing(m0, "host/1/1", now()).unwrap(), "{n}");
        assert!(
            !db.settle_outbox(m0, "host/2/2", Delivery::Sent, None, None, now())
                .unwrap(),
            "{n}"
        );
        let t1 = now() + Duration::minutes(1);
        assert!(
            db.settle_outbox(m0, "host/1/1", Delivery::Sent, None, None, t1)
                .unwrap(),
            "{n}"
        );
        // Sent once: not settled again.
        assert!(
            !db.settle_outbox(m0, "host/1/1", Delivery::Failed, None, Some("x"), t1)
                .unwrap(),
            "{n}"
        );
        // m1's sender stops before DATA: queued again once its lease ran out, not before.
        assert_eq!(
            db.requeue_stalled(now()).unwrap(),
            Vec::<String>::new(),
            "{n}"
        );
        let after = lease + Duration::seconds(1);
        assert_eq!(db.requeue_stalled(after).unwrap(), ["<m1@hotro>"], "{n}");
        // Claimed again, DATA mark, lease runs out: uncertain, left for a person.
        let again = db.claim_outbox(after, 10, "host/3/3", after + Duration::minutes(10));
        let again = again.unwrap();
        assert_eq!(again.len(), 1, "{n}");
        assert_eq!((again[0].id, again[0].attempts), (m1, 2), "{n}");
        assert!(db.mark_handing(m1, "host/3/3", after).unwrap(), "{n}");
        let late = after + Duration::minutes(11);
        assert!(db.requeue_stalled(late).unwrap().is_empty(), "{n}");
        let (_, counts) = db.outbox(10, late).unwrap();
        assert_eq!(
            counts,
            [
                (Standing::Pending, 1),
                (Standing::Uncertain, 1),
                (Standing::Sent, 1)
            ],
            "{n}"
        );
        // Resent by hand: attempts afresh, lease and mark cleared. A sent mail is not.
        assert!(!db.requeue_outbox("<m0@hotro>", late).unwrap(), "{n}");
        assert!(db.requeue_outbox("<m1@hotro>", late).unwrap(), "{n}");
        // Claimed, refused for good, then resent by hand.
        let c = db.claim_outbox(late, 1, "host/4/4", late + Duration::minutes(10));
        assert_eq!(c.unwrap()[0].attempts, 1, "{n}");
        assert!(
            db.settle_outbox(m1, "host/4/4", Delivery::Failed, None, Some("550 no"), late)
                .unwrap(),
            "{n}"
        );
        let mine = e.reopen().outbox_of("HT-2026-000007", late).unwrap();
        let states: Vec<_> = mine
            .iter()
            .map(|m| (m.mail.message_id.clone(), m.state))
            .collect();
        assert_eq!(
            states,
            [
                ("<m0@hotro>".to_string(), Delivery::Sent),
                ("<m1@hotro>".to_string(), Delivery::Failed),
                ("<m2@hotro>".to_string(), Delivery::Pending)
            ],
            "{n}"
        );
        assert_eq!(mine[0].sent_at, Some(t1), "{n}");
        assert_eq!(mine[1].last_error.as_deref(), Some("550 no"), "{n}");
        let db = &mut e.db;
        assert!(db.requeue_outbox("<m1@hotro>", late).unwrap(), "{n}");
        // A retry later: pending with its next try and the error kept.
        let c = db.claim_outbox(late, 1, "host/5/5", late + Duration::minutes(10));
        assert_eq!(c.unwrap()[0].attempts, 1, "{n}");
        let next = late + Duration::minutes(5);
        assert!(
            db.settle_outbox(
                m1,
                "host/5/5",
                Delivery::Pending,
                Some(next),
                Some("451"),
                late
            )
            .unwrap(),
            "{n}"
        );
        let m = db.outbox_of("HT-2026-000007", late).unwrap().remove(1);
        assert_eq!((m.state, m.next_at), (Delivery::Pending, next), "{n}");
        assert_eq!(m.claimed_by.as_deref(), Some("host/5/5"), "{n}");
    });
}

#[test]
fn concurrent_claims_on_every_engine() {
    each(|e| {
        let n = e.name();
        e.setup_sql(&format!("{TICKET_7}{}", queue_sql(1, |_| 0)));
        let lease = now() + Duration::minutes(10);
        // Eight senders claiming the one mail at once: exactly one gets it.
        let got = race(e, 8, |i, db| {
            db.claim_outbox(now(), 10, &format!("host/{i}/1"), lease)
                .unwrap()
                .into_iter()
                .map(|m| (m.id, m.claimed_by))
                .collect::<Vec<_>>()
        });
        let winners: Vec<_> = got.iter().flatten().collect();
        assert_eq!(winners.len(), 1, "{n}: {got:?}");
        let (id, holder) = winners[0].clone();
        let mail = &e.db.outbox_of("HT-2026-000007", now()).unwrap()[0];
        assert_eq!((mail.id, mail.attempts), (id, 1), "{n}");
        assert_eq!(mail.claimed_by, holder, "{n}");
        // Forty more mails, four senders of up to forty at once: each mail claimed once.
        e.setup_sql(&queue_sql(41, |_| 0).replacen(&queue_sql(1, |_| 0), "", 1));
        let got = race(e, 4, |i, db| {
            db.claim_outbox(now(), 40, &format!("host/{i}/2"), lease)
                .unwrap()
                .into_iter()
                .map(|m| m.id)
                .collect::<Vec<_>>()
        });
        let mut all: Vec<i64> = got.into_iter().flatten().collect();
        all.sort();
        let before = all.len();
        all.dedup();
        assert_eq!((before, all.len()), (40, 40), "{n}");
        let (_, counts) = e.db.outbox(100, now()).unwrap();
        assert_eq!(counts, [(Standing::Sending, 41)], "{n}");
    });
}

/// Timings of the moved operations on each engine, and of the same read through plain
/// rusqlite on the SQLite file (what the store did before the seam). Not an assertion:
/// `cargo test --test engines -- --ignored --nocapture` prints them (docs/postgres.md).
#[test]
#[ignore]
fn timings() {
    const N: usize = 2000;
    each(|e| {
        let n = e.name();
        let t = std::time::Instant::now();
        for i in 0..N {
            e.db.save_draft("an", &format!("HT-{i}"), "reply", "chào anh", now())
                .unwrap();
        }
        let save = t.elapsed() / N as u32;
        let t = std::time::Instant::now();
        for i in 0..N {
            assert!(
                e.db.load_draft("an", &format!("HT-{i}"), "reply")
                    .unwrap()
                    .is_some()
            );
        }
        let load = t.elapsed() / N as u32;
        for i in 0..200 {
            e.db.create_announcement(&input(&format!("a{i}")), "an", now())
                .unwrap();
        }
        let t = std::time::Instant::now();
        for _ in 0..50 {
            assert_eq!(e.db.announcements(false).unwrap().len(), 200);
        }
        let list = t.elapsed() / 50;
        eprintln!(
            "{n}: save_draft {save:?}, load_draft {load:?}, 200 announcements listed {list:?}"
        );
        if n == "sqlite" {
            let c = rusqlite::Connection::open(&e.target).unwrap();
            let t = std::time::Instant::now();
            for i in 0..N {
                let tx = c.unchecked_transaction().unwrap();
                let text: Option<String> = tx
                    .prepare_cached(
                        "SELECT text FROM drafts WHERE operator = ?1 AND ticket = ?2 AND purpose = ?3",
                    )
                    .unwrap()
                    .query_row(rusqlite::params!["an", format!("HT-{i}"), "reply"], |r| {
                        r.get(0)
                    })
                    .ok();
                tx.finish().unwrap();
                assert!(text.is_some());
            }
            eprintln!(
                "sqlite, plain rusqlite: load_draft {:?}",
                t.elapsed() / N as u32
            );
        }
    });
}

/// One `Store` on either engine: what it says of itself, the freshness counter the console
/// polls (another connection's commit raises it: SQLite's `data_version`, PostgreSQL's
/// notification), and on PostgreSQL the SQLite-only operations refused with `SqliteOnly`
/// (never a panic, never a file written beside the server's description).
#[test]
fn one_store_on_every_engine() {
    use hotro::store::EngineKind;
    each(|e| {
        let n = e.name();
        let engine = e.db.engine();
        assert!(e.db.accepts_writes(), "{n}");
        assert!(!e.db.is_read_only(), "{n}");
        assert!(e.db.lost_head().is_none(), "{n}");
        assert!(e.db.current_writer().is_none(), "{n}");
        let mut other = e.reopen();
        assert_eq!(other.engine(), engine, "{n}");

        let v0 = e.db.data_version().unwrap();
        assert_eq!(
            e.db.data_version().unwrap(),
            v0,
            "{n}: no commit, no change"
        );
        other
            .create_announcement(&input("TABMIS chậm"), "an", now())
            .unwrap();
        // PostgreSQL's notification arrives shortly after the commit.
        let started = std::time::Instant::now();
        while e.db.data_version().unwrap() == v0 {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "{n}: another connection's commit never changed data_version"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let v1 = e.db.data_version().unwrap();
        assert_eq!(e.db.data_version().unwrap(), v1, "{n}: nothing new since");

        match engine {
            EngineKind::Sqlite => {
                assert!(e.db.path().is_file(), "{n}");
                assert_eq!(e.db.chain_head().unwrap(), None, "{n}");
            }
            EngineKind::Postgres => {
                let said = e.db.path().to_string_lossy().into_owned();
                assert!(said.starts_with("hotro @ "), "{n}: {said}");
                assert!(!e.db.path().exists(), "{n}: {said}");
                let sqlite_only = |r: Result<(), StoreError>| {
                    assert!(matches!(r, Err(StoreError::SqliteOnly)), "{n}: {r:?}");
                };
                let dir = tempfile::tempdir().unwrap();
                sqlite_only(e.db.backup(dir.path(), &|_, _| {}).map(|_| ()));
                // The check runs on the server (counts, the whole audit; amcheck when there).
                let report = e.db.check(&[]).unwrap();
                assert_eq!(report.journal_mode, "postgresql", "{n}");
                assert_eq!(report.audit.problems, 0, "{n}");
                sqlite_only(e.db.accept_head().map(|_| ()));
                // The audit's reads run on the server too.
                assert_eq!(e.db.chain_head().unwrap(), None, "{n}");
                assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{n}");
                {
                    let _note = e.db.note_long_write("an", "import");
                    assert!(e.db.current_writer().is_none(), "{n}");
                }
                // Described in the catalog's words, in every language.
                use hotro::i18n::{Catalog, Lang};
                for lang in [Lang::Vi, Lang::En, Lang::Zh] {
                    let cat = Catalog::new(lang);
                    let text = hotro::describe::store_error(&cat, None, &StoreError::SqliteOnly);
                    assert!(text.contains("PostgreSQL"), "{lang:?}: {text}");
                }
                let bad = Store::open_postgres("postgres://an:secret@localhost/hotro").err();
                assert!(
                    matches!(
                        bad,
                        Some(StoreError::Pg(hotro::store::pg::PgError::PasswordInUrl))
                    ),
                    "{bad:?}"
                );
            }
        }
        // Both stores still work after all that.
        assert_eq!(e.db.announcements(true).unwrap().len(), 1, "{n}");
    });
}
