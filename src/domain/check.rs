//! The morning readiness check (seed 003): every working day from 07:00 to 07:30 the shift
//! checks the production systems and reports to the leads before 07:45; a failed login is
//! phoned to the lead of that application's group at once.
//!
//! Plain data and rules: which systems, when a check is late or missing, what a finalised
//! day's report says, and each system's availability over a month. The store keeps the
//! results; the probes that pre-fill them live in `crate::check`.

use crate::domain::org::Names;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// What the operator saw when checking a system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    Ok,
    Slow,
    LoginFailed,
    Down,
}

impl CheckResult {
    pub const ALL: [CheckResult; 4] = [
        CheckResult::Ok,
        CheckResult::Slow,
        CheckResult::LoginFailed,
        CheckResult::Down,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckResult::Ok => "ok",
            CheckResult::Slow => "slow",
            CheckResult::LoginFailed => "login_failed",
            CheckResult::Down => "down",
        }
    }

    pub fn parse(s: &str) -> Option<CheckResult> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        CheckResult::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Users can work (perhaps slowly): counts as available.
    pub fn is_available(self) -> bool {
        matches!(self, CheckResult::Ok | CheckResult::Slow)
    }

    /// Whether the result is a failure that gets an incident ticket (seed 003: a system that
    /// is slow, refuses logins or is down is an incident; an OK result is not).
    pub fn warrants_incident(self) -> bool {
        self != CheckResult::Ok
    }

    /// The group lead must be phoned at once (seed 003 says so for a failed login; a system
    /// that is down is at least as urgent).
    pub fn needs_call(self) -> bool {
        matches!(self, CheckResult::LoginFailed | CheckResult::Down)
    }
}

/// How a result was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Typed by the operator.
    Manual,
    /// Pre-filled by a probe and confirmed by the operator.
    Probe,
    /// Recorded by the unattended run (`hotro check run --auto`).
    Auto,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Manual => "manual",
            Source::Probe => "probe",
            Source::Auto => "auto",
        }
    }
    pub fn parse(s: &str) -> Option<Source> {
        [Source::Manual, Source::Probe, Source::Auto]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// An automatic probe of a system, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProbeTarget {
    Tcp {
        host: String,
        port: u16,
    },
    Http {
        url: String,
        expect_status: u16,
        expect_text: Option<String>,
        insecure_tls: bool,
    },
    Command {
        program: String,
        args: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeDef {
    pub target: ProbeTarget,
    pub timeout_ms: u64,
    /// Slower than this is "slow" rather than "ok".
    pub slow_after_ms: Option<u64>,
}

/// A production system on the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SystemDef {
    pub id: String,
    pub name: Names,
    /// The application tickets about this system are filed under.
    pub application: Option<String>,
    /// The group that runs it; its lead is phoned when the check fails.
    pub group: String,
    pub probe: Option<ProbeDef>,
}

/// Impact and urgency of the incident opened for a failed check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentLevels {
    pub impact: String,
    pub urgency: String,
}

/// The check's settings from config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckSettings {
    pub window_start: NaiveTime,
    pub window_end: NaiveTime,
    /// The report must be with the leads by then.
    pub deadline: NaiveTime,
    pub days: Vec<Weekday>,
    pub systems: Vec<SystemDef>,
    pub slow: IncidentLevels,
    pub login_failed: IncidentLevels,
    pub down: IncidentLevels,
    /// Public holidays (from the calendar): no check, whatever the weekday.
    pub closed: std::collections::BTreeSet<NaiveDate>,
    /// Make-up working days (from the calendar): a check, whatever the weekday.
    pub extra_days: std::collections::BTreeSet<NaiveDate>,
}

impl CheckSettings {
    pub fn system(&self, id: &str) -> Option<&SystemDef> {
        self.systems
            .iter()
            .find(|s| s.id == id)
            .or_else(|| self.systems.iter().find(|s| s.id.eq_ignore_ascii_case(id)))
    }

    /// The incident's impact and urgency for a result; `None` for "ok".
    pub fn incident_levels(&self, result: CheckResult) -> Option<&IncidentLevels> {
        match result {
            CheckResult::Ok => None,
            CheckResult::Slow => Some(&self.slow),
            CheckResult::LoginFailed => Some(&self.login_failed),
            CheckResult::Down => Some(&self.down),
        }
    }

    pub fn is_check_day(&self, date: NaiveDate) -> bool {
        !self.closed.contains(&date)
            && (self.days.contains(&date.weekday()) || self.extra_days.contains(&date))
    }

    /// The first check day after `date`, looking a year ahead at most (`None`: none
    /// configured in that time).
    pub fn next_check_day(&self, date: NaiveDate) -> Option<NaiveDate> {
        date.iter_days()
            .skip(1)
            .take(366)
            .find(|d| self.is_check_day(*d))
    }
}

/// Where the day stands, by the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// A weekend or other day without a check.
    NoCheckToday,
    BeforeWindow,
    InWindow,
    /// After the window: unchecked systems are late; the report is not due yet.
    Late,
    /// After the deadline: the report is overdue unless finalised.
    PastDeadline,
}

impl Phase {
    /// Every phase, in the order a day goes through them.
    pub const ALL: [Phase; 5] = [
        Phase::NoCheckToday,
        Phase::BeforeWindow,
        Phase::InWindow,
        Phase::Late,
        Phase::PastDeadline,
    ];

    /// The phase's id (as serialised): `no_check_today`, `in_window`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::NoCheckToday => "no_check_today",
            Phase::BeforeWindow => "before_window",
            Phase::InWindow => "in_window",
            Phase::Late => "late",
            Phase::PastDeadline => "past_deadline",
        }
    }
}

/// The date of `now` in the organisation's zone: the check day it belongs to.
pub fn check_date(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

fn local_time(at: DateTime<Utc>, tz: Tz) -> (NaiveDate, NaiveTime) {
    let local = at.with_timezone(&tz);
    (local.date_naive(), local.time())
}

/// Where the check of `date` stands at `now`: today's phase, a past check day's deadline
/// passed, or no check that day. One rule for the CLI, the console and the report.
pub fn phase_on(settings: &CheckSettings, tz: Tz, date: NaiveDate, now: DateTime<Utc>) -> Phase {
    if date == check_date(now, tz) {
        phase(settings, tz, now)
    } else if !settings.is_check_day(date) {
        Phase::NoCheckToday
    } else if date < check_date(now, tz) {
        Phase::PastDeadline
    } else {
        Phase::BeforeWindow
    }
}

pub fn phase(settings: &CheckSettings, tz: Tz, now: DateTime<Utc>) -> Phase {
    let (date, time) = local_time(now, tz);
    if !settings.is_check_day(date) {
        Phase::NoCheckToday
    } else if time < settings.window_start {
        Phase::BeforeWindow
    } else if time <= settings.window_end {
        Phase::InWindow
    } else if time <= settings.deadline {
        Phase::Late
    } else {
        Phase::PastDeadline
    }
}

/// One recorded result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub system: String,
    pub result: CheckResult,
    pub note: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub source: Source,
    /// What the probe saw, when a probe pre-filled the result.
    pub detail: String,
    /// The incident ticket opened for this result.
    pub incident: Option<String>,
}

/// A change made after the day was finalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub system: String,
    pub at: DateTime<Utc>,
    pub by: String,
    pub from: Option<CheckResult>,
    pub to: CheckResult,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finalised {
    pub at: DateTime<Utc>,
    pub by: String,
    /// The results as they stood when the day was finalised: the report as sent.
    pub frozen: Vec<Entry>,
}

/// One day's check as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CheckDay {
    pub date: Option<NaiveDate>,
    pub entries: Vec<Entry>,
    pub finalised: Option<Finalised>,
    pub amendments: Vec<Amendment>,
}

impl CheckDay {
    pub fn entry(&self, system: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.system == system)
    }
}

/// A system's line on the day's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub system: String,
    pub entry: Option<Entry>,
    /// Checked after the window closed, or still unchecked once it has.
    pub late: bool,
    /// Never checked although the day is finalised or past its deadline.
    pub missing: bool,
}

/// The day's checklist in config order. A finalised day shows what was finalised; its
/// amendments are listed apart, so the report as sent never changes.
pub fn lines(
    settings: &CheckSettings,
    tz: Tz,
    date: NaiveDate,
    day: &CheckDay,
    now: DateTime<Utc>,
) -> Vec<Line> {
    let entries = match &day.finalised {
        Some(f) => &f.frozen,
        None => &day.entries,
    };
    let window_end = date.and_time(settings.window_end);
    let deadline = date.and_time(settings.deadline);
    let (today, time) = local_time(now, tz);
    let now_local = today.and_time(time);
    let check_day = settings.is_check_day(date);
    settings
        .systems
        .iter()
        .map(|s| {
            let entry = entries.iter().find(|e| e.system == s.id).cloned();
            let (late, missing) = match &entry {
                Some(e) => {
                    let (d, t) = local_time(e.at, tz);
                    (check_day && d.and_time(t) > window_end, false)
                }
                None => (
                    check_day && now_local > window_end,
                    check_day && (day.finalised.is_some() || now_local > deadline),
                ),
            };
            Line {
                system: s.id.clone(),
                entry,
                late,
                missing,
            }
        })
        .collect()
}

/// Counts for the report's summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Tally {
    pub ok: usize,
    pub slow: usize,
    pub login_failed: usize,
    pub down: usize,
    pub unchecked: usize,
    pub late: usize,
}

/// Whether a probe's result may take the place of what is recorded for its system: never
/// over a result an operator recorded by hand (issue 14: `p` then `y` turned TABMIS, marked
/// OK by hand, into Down without asking). The operator looked at the system (logged in,
/// ran a report); a probe sees only whether it answers, so the hand's result is kept and
/// the probe's is left for the operator to record with a result key if it is right —
/// rather than asking about each system every morning.
pub fn probe_may_replace(existing: Option<&Entry>) -> bool {
    existing.is_none_or(|e| e.source != Source::Manual)
}

/// The systems found down or refusing logins with no incident ticket opened for them: the
/// report goes out saying something failed and nobody is on it (issue 14: finalising did
/// not warn). In the day's order.
pub fn failed_without_incident(day: &CheckDay) -> Vec<&str> {
    day.entries
        .iter()
        .filter(|e| e.result.needs_call() && e.incident.is_none())
        .map(|e| e.system.as_str())
        .collect()
}

pub fn tally(lines: &[Line]) -> Tally {
    let mut t = Tally::default();
    for l in lines {
        match l.entry.as_ref().map(|e| e.result) {
            Some(CheckResult::Ok) => t.ok += 1,
            Some(CheckResult::Slow) => t.slow += 1,
            Some(CheckResult::LoginFailed) => t.login_failed += 1,
            Some(CheckResult::Down) => t.down += 1,
            None => t.unchecked += 1,
        }
        if l.late {
            t.late += 1;
        }
    }
    t
}

/// A system's record over a period (a month in the history view).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Availability {
    pub system: String,
    pub checked_days: usize,
    pub available_days: usize,
    pub slow_days: usize,
    pub login_failed_days: usize,
    pub down_days: usize,
    /// Share of checked days on which users could work; `None` when never checked.
    pub percent: Option<f64>,
}

/// Availability per system over `days`. A finalised day counts as finalised, amended where
/// it was amended: history answers "how was the system", not "what did we send".
pub fn availability(settings: &CheckSettings, days: &[CheckDay]) -> Vec<Availability> {
    settings
        .systems
        .iter()
        .map(|s| {
            let mut a = Availability {
                system: s.id.clone(),
                checked_days: 0,
                available_days: 0,
                slow_days: 0,
                login_failed_days: 0,
                down_days: 0,
                percent: None,
            };
            for day in days {
                let Some(e) = day.entry(&s.id) else { continue };
                a.checked_days += 1;
                match e.result {
                    CheckResult::Ok => {}
                    CheckResult::Slow => a.slow_days += 1,
                    CheckResult::LoginFailed => a.login_failed_days += 1,
                    CheckResult::Down => a.down_days += 1,
                }
                if e.result.is_available() {
                    a.available_days += 1;
                }
            }
            if a.checked_days > 0 {
                a.percent = Some(100.0 * a.available_days as f64 / a.checked_days as f64);
            }
            a
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Issue 14: a probe never overwrites a result recorded by hand; an earlier probe's it
    /// does.
    #[test]
    fn a_probe_never_replaces_a_result_recorded_by_hand() {
        let entry = |source| Entry {
            system: "TABMIS".into(),
            result: CheckResult::Ok,
            note: String::new(),
            by: "nguyenvanan".into(),
            at: Utc.with_ymd_and_hms(2026, 11, 20, 0, 5, 0).unwrap(),
            source,
            detail: String::new(),
            incident: None,
        };
        assert!(!probe_may_replace(Some(&entry(Source::Manual))));
        assert!(probe_may_replace(Some(&entry(Source::Probe))));
        assert!(probe_may_replace(Some(&entry(Source::Auto))));
        assert!(probe_may_replace(None));
    }

    fn settings() -> CheckSettings {
        let levels = |i: &str, u: &str| IncidentLevels {
            impact: i.into(),
            urgency: u.into(),
        };
        let sys = |id: &str| SystemDef {
            id: id.into(),
            name: Names {
                vi: id.into(),
                en: id.into(),
                zh: None,
            },
            application: Some(id.into()),
            group: "tabmis".into(),
            probe: None,
        };
        CheckSettings {
            window_start: NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
            window_end: NaiveTime::from_hms_opt(7, 30, 0).unwrap(),
            deadline: NaiveTime::from_hms_opt(7, 45, 0).unwrap(),
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            systems: vec![sys("TABMIS"), sys("Mail"), sys("Portal")],
            slow: levels("medium", "medium"),
            login_failed: levels("medium", "high"),
            down: levels("high", "high"),
            closed: [NaiveDate::from_ymd_opt(2026, 9, 2).unwrap()].into(),
            extra_days: [NaiveDate::from_ymd_opt(2026, 8, 22).unwrap()].into(),
        }
    }

    #[test]
    fn holidays_have_no_check_and_make_up_saturdays_do() {
        let s = settings();
        assert!(!s.is_check_day(NaiveDate::from_ymd_opt(2026, 9, 2).unwrap()));
        assert!(s.is_check_day(NaiveDate::from_ymd_opt(2026, 8, 22).unwrap()));
        assert!(!s.is_check_day(NaiveDate::from_ymd_opt(2026, 8, 29).unwrap()));
    }

    const TZ: Tz = chrono_tz::Asia::Ho_Chi_Minh;

    /// 2026-11-23 is a Monday.
    fn vn(h: u32, m: u32) -> DateTime<Utc> {
        TZ.with_ymd_and_hms(2026, 11, 23, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn entry(system: &str, result: CheckResult, at: DateTime<Utc>) -> Entry {
        Entry {
            system: system.into(),
            result,
            note: String::new(),
            by: "shift".into(),
            at,
            source: Source::Manual,
            detail: String::new(),
            incident: None,
        }
    }

    fn monday() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn phases_follow_the_local_clock() {
        let s = settings();
        assert_eq!(phase(&s, TZ, vn(6, 59)), Phase::BeforeWindow);
        assert_eq!(phase(&s, TZ, vn(7, 0)), Phase::InWindow);
        assert_eq!(phase(&s, TZ, vn(7, 30)), Phase::InWindow);
        assert_eq!(phase(&s, TZ, vn(7, 31)), Phase::Late);
        assert_eq!(phase(&s, TZ, vn(7, 46)), Phase::PastDeadline);
        let saturday = TZ.with_ymd_and_hms(2026, 11, 28, 7, 10, 0).unwrap();
        assert_eq!(
            phase(&s, TZ, saturday.with_timezone(&Utc)),
            Phase::NoCheckToday
        );
        // 23:30 UTC on Sunday is already Monday 06:30 in Hanoi.
        let utc = Utc.with_ymd_and_hms(2026, 11, 22, 23, 30, 0).unwrap();
        assert_eq!(phase(&s, TZ, utc), Phase::BeforeWindow);
        assert_eq!(check_date(utc, TZ), monday());
    }

    #[test]
    fn before_the_window_nothing_is_late() {
        let s = settings();
        let ls = lines(&s, TZ, monday(), &CheckDay::default(), vn(6, 50));
        assert!(
            ls.iter()
                .all(|l| !l.late && !l.missing && l.entry.is_none())
        );
    }

    #[test]
    fn inside_the_window_checks_are_on_time() {
        let s = settings();
        let day = CheckDay {
            entries: vec![entry("TABMIS", CheckResult::Ok, vn(7, 10))],
            ..CheckDay::default()
        };
        let ls = lines(&s, TZ, monday(), &day, vn(7, 20));
        assert!(!ls[0].late && ls[0].entry.is_some());
        assert!(!ls[1].late && !ls[1].missing);
    }

    #[test]
    fn after_the_window_unchecked_and_late_checked_systems_are_late() {
        let s = settings();
        let day = CheckDay {
            entries: vec![
                entry("TABMIS", CheckResult::Ok, vn(7, 10)),
                entry("Mail", CheckResult::Down, vn(7, 35)),
            ],
            ..CheckDay::default()
        };
        let ls = lines(&s, TZ, monday(), &day, vn(7, 40));
        assert!(!ls[0].late, "checked in time");
        assert!(ls[1].late, "checked after 07:30");
        assert!(ls[2].late && !ls[2].missing, "unchecked, not yet missing");
        let ls = lines(&s, TZ, monday(), &day, vn(8, 0));
        assert!(ls[2].missing, "unchecked after the deadline");
        let t = tally(&ls);
        assert_eq!((t.ok, t.down, t.unchecked, t.late), (1, 1, 1, 2));
    }

    #[test]
    fn a_finalised_day_shows_what_was_finalised_not_later_changes() {
        let s = settings();
        let first = entry("TABMIS", CheckResult::Down, vn(7, 5));
        let mut later = first.clone();
        later.result = CheckResult::Ok;
        later.at = vn(9, 0);
        let day = CheckDay {
            entries: vec![later],
            finalised: Some(Finalised {
                at: vn(7, 40),
                by: "shift".into(),
                frozen: vec![first],
            }),
            amendments: vec![],
            date: Some(monday()),
        };
        let ls = lines(&s, TZ, monday(), &day, vn(10, 0));
        assert_eq!(
            ls[0].entry.as_ref().map(|e| e.result),
            Some(CheckResult::Down)
        );
        assert!(ls[1].missing, "finalised without it");
    }

    #[test]
    fn weekends_have_no_late_or_missing_checks() {
        let s = settings();
        let sunday = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let at = TZ
            .with_ymd_and_hms(2026, 11, 29, 12, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let ls = lines(&s, TZ, sunday, &CheckDay::default(), at);
        assert!(ls.iter().all(|l| !l.late && !l.missing));
    }

    #[test]
    fn availability_counts_ok_and_slow_as_available() {
        let s = settings();
        let days: Vec<CheckDay> = [
            CheckResult::Ok,
            CheckResult::Slow,
            CheckResult::Down,
            CheckResult::LoginFailed,
        ]
        .into_iter()
        .map(|r| CheckDay {
            entries: vec![entry("TABMIS", r, vn(7, 5))],
            ..CheckDay::default()
        })
        .collect();
        let a = availability(&s, &days);
        assert_eq!(a[0].checked_days, 4);
        assert_eq!(a[0].available_days, 2);
        assert_eq!(a[0].percent, Some(50.0));
        assert_eq!(a[1].percent, None, "Mail was never checked");
    }

    #[test]
    fn results_parse_loosely_and_know_when_to_call() {
        assert_eq!(
            CheckResult::parse("login-failed"),
            Some(CheckResult::LoginFailed)
        );
        assert_eq!(CheckResult::parse(" DOWN "), Some(CheckResult::Down));
        assert_eq!(CheckResult::parse("fine"), None);
        assert!(CheckResult::Down.needs_call() && !CheckResult::Slow.needs_call());
        assert!(settings().incident_levels(CheckResult::Ok).is_none());
        assert_eq!(
            settings().system("tabmis").map(|s| s.id.as_str()),
            Some("TABMIS")
        );
    }

    #[test]
    fn phase_ids_are_the_serialised_names() {
        for p in Phase::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
    }

    #[test]
    fn the_phase_of_a_day_is_one_rule_for_every_day() {
        let s = settings();
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        // Monday 23 November 2026, 07:10 in Hà Nội.
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 0, 10, 0).unwrap();
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(phase_on(&s, tz, monday, now), phase(&s, tz, now));
        assert_eq!(phase_on(&s, tz, monday, now), Phase::InWindow);
        let friday = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(phase_on(&s, tz, friday, now), Phase::PastDeadline);
        let sunday = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(phase_on(&s, tz, sunday, now), Phase::NoCheckToday);
        let monday = sunday.succ_opt().unwrap();
        assert_eq!(s.next_check_day(sunday), Some(monday));
        let tuesday = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(phase_on(&s, tz, tuesday, now), Phase::BeforeWindow);
    }
}
