//! Software requirements' monthly submission window and review levels (issue 16; seed 004,
//! chapter 1, articles 2–6: "每月前3个工作日" — any using unit submits in the first three
//! working days of the month; each level reviews what its own units and the level below
//! sent, up to the provincial finance department).
//!
//! Plain rules over the working-time calendar and the units' hierarchy of the
//! configuration: no SQL, no terminal.

use crate::domain::calendar::WorkCalendar;
use crate::domain::org::{Organisation, Unit};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The number of working days the window lasts (seed 004, article 3: the first 3).
pub const WINDOW_WORKING_DAYS: usize = 3;

/// How far the calendar is searched for a month's working days (a month has at most 31
/// days; this also bounds a calendar with no working days at all).
const DAYS_IN_MONTH_MAX: u32 = 31;

/// A calendar month, e.g. 2026-11 (in JSON the string `"2026-11"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl Month {
    /// The month a date is in.
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The month after this one.
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month before this one.
    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// Its first day; `None` for a year chrono cannot represent.
    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Why a month or a window cannot be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequirementError {
    /// Not `YYYY-MM` with a month 1–12.
    #[error("`{0}` is not a month; expected YYYY-MM, e.g. 2026-11")]
    BadMonth(String),
    /// The calendar gives the month fewer working days than the window needs.
    #[error("{month} has only {found} working day(s); the window needs {needed}")]
    TooFewWorkingDays {
        month: Month,
        found: usize,
        needed: usize,
    },
    /// The ticket is not a requirement (its kind is not `requirement`).
    #[error("ticket {key} is not a requirement")]
    NotARequirement { key: String },
    /// The action does not fit the requirement's stage.
    #[error("the requirement is {stage:?}; {action} is not possible now")]
    WrongStage { stage: Stage, action: &'static str },
    /// Only the reviewers configured for the level (`[[units]] reviewers`) decide there
    /// (seed 004, article 4: a level cannot decide for another).
    #[error("only the reviewers of {level} ({}) decide at that level", .reviewers.join(", "))]
    NotReviewer {
        level: String,
        reviewers: Vec<String>,
    },
    /// A rejection or a "not adopted" needs its reason (seed 004, articles 4 and 6).
    #[error("a reason is required")]
    ReasonRequired,
    /// Submitted after the month's window while the organisation refuses such
    /// submissions (`[organisation] requirement_outside_window = "refuse"`; seed 004,
    /// article 3): nothing is created; the next window opens on `opens`.
    #[error("the submission window has closed; the next one ({month}) opens on {opens}")]
    OutsideWindow { month: Month, opens: NaiveDate },
    /// The development stages go in order (work order sent, in development, in test,
    /// verified).
    #[error("from {from:?} the requirement goes to {expected:?}, not {to:?}")]
    OutOfOrder {
        from: Stage,
        to: Stage,
        expected: Stage,
    },
}

impl std::str::FromStr for Month {
    type Err = RequirementError;

    fn from_str(text: &str) -> Result<Month, RequirementError> {
        let bad = || RequirementError::BadMonth(text.to_string());
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        let out = Month { year, month };
        if y.len() != 4 || out.first_day().is_none() {
            return Err(bad());
        }
        Ok(out)
    }
}

/// The month's submission window: its first `days` working days on the calendar (public
/// holidays skipped, make-up Saturdays counted). Errors: [`RequirementError::TooFewWorkingDays`]
/// when the month has fewer.
pub fn window(
    cal: &WorkCalendar,
    month: Month,
    days: usize,
) -> Result<Vec<NaiveDate>, RequirementError> {
    let first = month
        .first_day()
        .ok_or_else(|| RequirementError::BadMonth(month.to_string()))?;
    let out: Vec<NaiveDate> = first
        .iter_days()
        .take(DAYS_IN_MONTH_MAX as usize)
        .take_while(|d| Month::of(*d) == month)
        .filter(|d| cal.working_day(*d))
        .take(days)
        .collect();
    if out.len() < days {
        return Err(RequirementError::TooFewWorkingDays {
            month,
            found: out.len(),
            needed: days,
        });
    }
    Ok(out)
}

/// Which window a submission belongs to (seed 004, article 3): one made on or before the
/// last day of its month's window (also on a holiday before it opens) is that month's; one
/// made later is kept for the next month's window — never lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "placement", rename_all = "snake_case")]
pub enum Placement {
    /// In this month's window, which ends on `closes` (organisation date).
    ThisWindow { month: Month, closes: NaiveDate },
    /// After this month's window: kept for the next month's, which opens on `opens`.
    NextWindow { month: Month, opens: NaiveDate },
}

/// Place a submission made at `at` (in the calendar's time zone). Errors as [`window`].
pub fn place(
    cal: &WorkCalendar,
    at: DateTime<Utc>,
    days: usize,
) -> Result<Placement, RequirementError> {
    let date = at.with_timezone(&cal.tz()).date_naive();
    let month = Month::of(date);
    let this = window(cal, month, days)?;
    match this.last() {
        Some(closes) if date <= *closes => Ok(Placement::ThisWindow {
            month,
            closes: *closes,
        }),
        _ => {
            let next = month.next();
            let opens = window(cal, next, days)?.first().copied().ok_or(
                RequirementError::TooFewWorkingDays {
                    month: next,
                    found: 0,
                    needed: days,
                },
            )?;
            Ok(Placement::NextWindow { month: next, opens })
        }
    }
}

/// What happens to a requirement submitted after its month's window (seed 004, article 3;
/// issue 16 Deliver 2): `[organisation] requirement_outside_window`, default keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutsideWindow {
    /// Kept for the next month's window, and the submitter is told so.
    #[default]
    Keep,
    /// Refused ([`RequirementError::OutsideWindow`], naming the next window's opening);
    /// nothing is created.
    Refuse,
}

impl OutsideWindow {
    /// The configuration's values, as written there.
    pub const NAMES: [&'static str; 2] = ["keep", "refuse"];

    /// Parse a configuration value (`keep` or `refuse`); `None` for anything else.
    pub fn parse(text: &str) -> Option<OutsideWindow> {
        match text.trim() {
            "keep" => Some(OutsideWindow::Keep),
            "refuse" => Some(OutsideWindow::Refuse),
            _ => None,
        }
    }
}

/// Where a requirement is in its life (seed 004, articles 2–6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// A level (`Requirement::level`) reviews it.
    UnderReview,
    /// Rejected at a level, with its reason (final).
    Rejected,
    /// Forwarded by every level: the IT office refines it with the owning business office
    /// (梳理细化).
    Refining,
    /// The business office confirmed it will be done (需求确认).
    Confirmed,
    /// Not adopted, with its reason (final).
    NotAdopted,
    /// Ranked, estimated and given an expected release.
    Planned,
    /// Sent to the development company as a work order (派发工单).
    WorkOrderSent,
    InDevelopment,
    InTest,
    /// Verified by the requesting unit (业务验证): done.
    Verified,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 6] = [
        Outcome::Adopted,
        Outcome::NotAdopted,
        Outcome::Rejected,
        Outcome::Merged,
        Outcome::Pending,
        Outcome::NextWindow,
    ];

    /// Stable identifier (JSON, CSV).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Adopted => "adopted",
            Outcome::NotAdopted => "not_adopted",
            Outcome::Rejected => "rejected",
            Outcome::Merged => "merged",
            Outcome::Pending => "pending",
            Outcome::NextWindow => "next_window",
        }
    }
}

impl Stage {
    /// Every stage, in the order of a requirement's life.
    pub const ALL: [Stage; 10] = [
        Stage::UnderReview,
        Stage::Rejected,
        Stage::Refining,
        Stage::Confirmed,
        Stage::NotAdopted,
        Stage::Planned,
        Stage::WorkOrderSent,
        Stage::InDevelopment,
        Stage::InTest,
        Stage::Verified,
    ];

    /// Stable identifier (JSON, CLI).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::UnderReview => "under_review",
            Stage::Rejected => "rejected",
            Stage::Refining => "refining",
            Stage::Confirmed => "confirmed",
            Stage::NotAdopted => "not_adopted",
            Stage::Planned => "planned",
            Stage::WorkOrderSent => "work_order_sent",
            Stage::InDevelopment => "in_development",
            Stage::InTest => "in_test",
            Stage::Verified => "verified",
        }
    }

    /// The development stages in order, from planned on.
    const DEVELOPMENT: [Stage; 5] = [
        Stage::Planned,
        Stage::WorkOrderSent,
        Stage::InDevelopment,
        Stage::InTest,
        Stage::Verified,
    ];

    /// The development stage after this one (planned → work order sent → in development →
    /// in test → verified); `None` before planning and once verified.
    pub fn next_development(self) -> Option<Stage> {
        let at = Stage::DEVELOPMENT.iter().position(|s| *s == self)?;
        Stage::DEVELOPMENT.get(at + 1).copied()
    }

    /// Parse an identifier of [`Stage::as_str`].
    pub fn parse(text: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }
}

/// A requirement's own record, kept with its ticket (kind `requirement`): the window it
/// belongs to, its stage, the level reviewing it, and what the later stages recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// The submission window (month) it belongs to ([`place`]).
    pub window: Month,
    pub stage: Stage,
    /// The unit whose reviewers decide now (under review only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// The business office that owns it (set when confirmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_office: Option<String>,
    /// Urgency rank when planned (1 = most urgent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<u32>,
    /// Estimated effort in working days, when planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort_days: Option<u32>,
    /// Expected release, when planned (free text, e.g. `2027.01`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// Why it was rejected or not adopted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What a reviewer or the IT office does to a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ReqChange {
    /// At the current level: forward it up (`reason` optional) or reject it (reason
    /// required).
    Decide {
        forward: bool,
        reason: Option<String>,
    },
    /// After refining: adopted (with the owning business office) or not (reason required).
    Confirm {
        adopted: bool,
        owner_office: Option<String>,
        reason: Option<String>,
    },
    /// Rank, estimate and expected release of a confirmed requirement.
    Plan {
        rank: u32,
        effort_days: u32,
        release: String,
    },
    /// The next development stage (work order sent, in development, in test, verified).
    Advance { to: Stage },
}

/// The kinds of [`ReqChange`], each possible at some stages only (seed 004, articles 4–6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReqStep {
    /// Forward or reject: under review.
    Decide,
    /// Adopted or not: while refining.
    Confirm,
    /// Rank, effort, release: confirmed (or planned, to plan again).
    Plan,
    /// The next development stage: planned up to in test.
    Advance,
}

impl ReqStep {
    /// Every step.
    pub const ALL: [ReqStep; 4] = [
        ReqStep::Decide,
        ReqStep::Confirm,
        ReqStep::Plan,
        ReqStep::Advance,
    ];

    /// Stable identifier (refusals; `req.step.<id>` in the catalog).
    pub fn as_str(self) -> &'static str {
        match self {
            ReqStep::Decide => "decide",
            ReqStep::Confirm => "confirm",
            ReqStep::Plan => "plan",
            ReqStep::Advance => "advance",
        }
    }

    /// Whether a requirement at `stage` takes this step: the one stage rule of [`apply`],
    /// also what the console offers.
    pub fn fits(self, stage: Stage) -> bool {
        match self {
            ReqStep::Decide => stage == Stage::UnderReview,
            ReqStep::Confirm => stage == Stage::Refining,
            ReqStep::Plan => matches!(stage, Stage::Confirmed | Stage::Planned),
            ReqStep::Advance => stage.next_development().is_some(),
        }
    }
}

impl ReqChange {
    /// Its kind.
    pub fn step(&self) -> ReqStep {
        match self {
            ReqChange::Decide { .. } => ReqStep::Decide,
            ReqChange::Confirm { .. } => ReqStep::Confirm,
            ReqChange::Plan { .. } => ReqStep::Plan,
            ReqChange::Advance { .. } => ReqStep::Advance,
        }
    }
}

/// The reviewers configured for a unit (`[[units]] reviewers`).
pub fn reviewers<'o>(org: &'o Organisation, unit: &str) -> &'o [String] {
    org.units
        .iter()
        .find(|u| u.code == unit)
        .map(|u| u.reviewers.as_slice())
        .unwrap_or_default()
}

/// The levels that review a requirement of `unit`, in order: the units of its
/// [`review_chain`] that have reviewers. The last one also refines, confirms and plans.
pub fn review_levels(org: &Organisation, unit: Option<&str>) -> Vec<String> {
    unit.map(|u| review_chain(org, u))
        .unwrap_or_default()
        .into_iter()
        .filter(|u| !u.reviewers.is_empty())
        .map(|u| u.code.clone())
        .collect()
}

/// The IT office's reviewers, who refine, confirm and plan: those of the top level of the
/// requirement's chain, or of the top units of the configuration when it has none.
pub fn office_reviewers(org: &Organisation, unit: Option<&str>) -> Vec<String> {
    match review_levels(org, unit).last() {
        Some(top) => reviewers(org, top).to_vec(),
        None => org
            .units
            .iter()
            .filter(|u| u.parent.is_none())
            .flat_map(|u| u.reviewers.iter().cloned())
            .collect(),
    }
}

/// A new requirement submitted by `unit` at `at`: its window ([`place`]) and its first
/// review level (refining at once when no level reviews). Errors as [`place`], and
/// [`RequirementError::OutsideWindow`] after the window when the organisation refuses
/// such submissions ([`OutsideWindow::Refuse`]).
pub fn submitted(
    org: &Organisation,
    unit: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Requirement, RequirementError> {
    let window = match place(&org.calendar, at, WINDOW_WORKING_DAYS)? {
        Placement::ThisWindow { month, .. } => month,
        Placement::NextWindow { month, opens } => match org.requirement_outside_window {
            OutsideWindow::Keep => month,
            OutsideWindow::Refuse => return Err(RequirementError::OutsideWindow { month, opens }),
        },
    };
    let level = review_levels(org, unit).into_iter().next();
    Ok(Requirement {
        window,
        stage: if level.is_some() {
            Stage::UnderReview
        } else {
            Stage::Refining
        },
        level,
        owner_office: None,
        rank: None,
        effort_days: None,
        release: None,
        reason: None,
    })
}

/// Apply `change` made by `actor` to a requirement of `unit`; returns the stage it left.
/// Errors: [`RequirementError::NotReviewer`] (another level's, or not the IT office's),
/// [`RequirementError::WrongStage`], [`RequirementError::ReasonRequired`],
/// [`RequirementError::OutOfOrder`].
pub fn apply(
    org: &Organisation,
    unit: Option<&str>,
    r: &mut Requirement,
    actor: &str,
    change: ReqChange,
) -> Result<Stage, RequirementError> {
    let from = r.stage;
    let need_office = || {
        let office = office_reviewers(org, unit);
        if office.iter().any(|l| l == actor) {
            Ok(())
        } else {
            Err(RequirementError::NotReviewer {
                level: review_levels(org, unit)
                    .last()
                    .cloned()
                    .unwrap_or_else(|| "—".into()),
                reviewers: office,
            })
        }
    };
    let reason_of = |reason: Option<String>| {
        reason
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
    };
    let step = change.step();
    if !step.fits(from) {
        return Err(RequirementError::WrongStage {
            stage: from,
            action: step.as_str(),
        });
    }
    match change {
        ReqChange::Decide { forward, reason } => {
            let level = r.level.clone().unwrap_or_default();
            let allowed = reviewers(org, &level);
            if !allowed.iter().any(|l| l == actor) {
                return Err(RequirementError::NotReviewer {
                    level,
                    reviewers: allowed.to_vec(),
                });
            }
            if forward {
                let levels = review_levels(org, unit);
                let next = levels
                    .iter()
                    .position(|l| *l == level)
                    .and_then(|i| levels.get(i + 1))
                    .cloned();
                r.stage = if next.is_some() {
                    Stage::UnderReview
                } else {
                    Stage::Refining
                };
                r.level = next;
                r.reason = reason_of(reason);
            } else {
                r.reason = Some(reason_of(reason).ok_or(RequirementError::ReasonRequired)?);
                r.stage = Stage::Rejected;
            }
        }
        ReqChange::Confirm {
            adopted,
            owner_office,
            reason,
        } => {
            need_office()?;
            if adopted {
                r.stage = Stage::Confirmed;
                r.owner_office = reason_of(owner_office);
                r.reason = None;
            } else {
                r.reason = Some(reason_of(reason).ok_or(RequirementError::ReasonRequired)?);
                r.stage = Stage::NotAdopted;
            }
        }
        ReqChange::Plan {
            rank,
            effort_days,
            release,
        } => {
            need_office()?;
            r.stage = Stage::Planned;
            r.rank = Some(rank);
            r.effort_days = Some(effort_days);
            r.release = reason_of(Some(release));
        }
        ReqChange::Advance { to } => {
            need_office()?;
            match from.next_development() {
                Some(e) if e == to => r.stage = to,
                Some(e) => {
                    return Err(RequirementError::OutOfOrder {
                        from,
                        to,
                        expected: e,
                    });
                }
                None => {
                    return Err(RequirementError::WrongStage {
                        stage: from,
                        action: "advance",
                    });
                }
            }
        }
    }
    Ok(from)
}

/// Whether a requirement waits for `login` (their pending list and console queue): under
/// review at a level they review, or — for the IT office, the top level's reviewers —
/// refining, confirmed, planned or in development. Final stages wait for nobody.
pub fn waits_for(org: &Organisation, unit: Option<&str>, r: &Requirement, login: &str) -> bool {
    match r.stage {
        Stage::UnderReview => r
            .level
            .as_deref()
            .is_some_and(|level| reviewers(org, level).iter().any(|l| l == login)),
        Stage::Rejected | Stage::NotAdopted | Stage::Verified => false,
        _ => office_reviewers(org, unit).iter().any(|l| l == login),
    }
}

/// What the month's publication says of one requirement (seed 004, article 6: 需求公示).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Confirmed: to be done (with its expected release once planned).
    Adopted,
    /// Not adopted after refining, with its reason.
    NotAdopted,
    /// Rejected at a review level, with its reason.
    Rejected,
    /// Merged into another requirement (a duplicate).
    Merged,
    /// Still under review or being refined.
    Pending,
    /// Submitted this month after the window: kept for the next one.
    NextWindow,
}

/// One line of a month's publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedRow {
    pub key: String,
    pub title: String,
    pub unit: Option<String>,
    /// The requirement's class (category id).
    pub class: Option<String>,
    pub outcome: Outcome,
    pub stage: Stage,
    pub release: Option<String>,
    pub reason: Option<String>,
    /// The requirement it was merged into.
    pub merged_into: Option<String>,
}

/// The rows of month `month`'s publication, from every requirement ticket: those of its
/// window with their outcome, and those submitted during the month after the window (kept
/// for the next one), so that every submitter finds theirs. In the order given.
pub fn publication_rows(
    tickets: &[crate::domain::ticket::Ticket],
    month: Month,
    tz: chrono_tz::Tz,
) -> Vec<PublishedRow> {
    let mut out = Vec::new();
    for t in tickets {
        let Some(r) = &t.requirement else {
            continue;
        };
        let submitted_in = Month::of(t.created_at.with_timezone(&tz).date_naive());
        let outcome = if r.window == month {
            if t.duplicate_of.is_some() {
                Outcome::Merged
            } else {
                match r.stage {
                    Stage::UnderReview | Stage::Refining => Outcome::Pending,
                    Stage::Rejected => Outcome::Rejected,
                    Stage::NotAdopted => Outcome::NotAdopted,
                    _ => Outcome::Adopted,
                }
            }
        } else if submitted_in == month && r.window == month.next() {
            Outcome::NextWindow
        } else {
            continue;
        };
        out.push(PublishedRow {
            key: t.key.clone(),
            title: t.title.clone(),
            unit: t.requester.unit.clone(),
            class: t.category.clone(),
            outcome,
            stage: r.stage,
            release: r.release.clone(),
            reason: r.reason.clone(),
            merged_into: t.duplicate_of.clone(),
        });
    }
    out
}

/// The review levels of a requirement submitted by `unit`: the unit itself, then its parent,
/// and so on up the configured hierarchy (seed 004, article 4: each level reviews what its
/// own units and the level below sent, up to the top). Unknown units give an empty chain;
/// a loop written into the configuration stops at the first unit seen twice.
pub fn review_chain<'o>(org: &'o Organisation, unit: &str) -> Vec<&'o Unit> {
    let mut out: Vec<&Unit> = Vec::new();
    let mut next = org.units.iter().find(|u| u.code == unit);
    while let Some(u) = next {
        if out.iter().any(|seen| seen.code == u.code) {
            break;
        }
        out.push(u);
        next = u
            .parent
            .as_deref()
            .and_then(|p| org.units.iter().find(|x| x.code == p));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn month(text: &str) -> Month {
        text.parse().unwrap()
    }

    #[test]
    fn the_window_is_the_first_three_working_days() {
        let cfg = config::embedded();
        let cal = &cfg.org.calendar;
        // November 2026 starts on a Sunday: Monday 2 to Wednesday 4.
        assert_eq!(
            window(cal, month("2026-11"), 3).unwrap(),
            [d(2026, 11, 2), d(2026, 11, 3), d(2026, 11, 4)]
        );
        // January 2026: 1 January is New Year's Day and Friday 2 is swapped with Saturday
        // 10; the window is Monday 5 to Wednesday 7.
        assert_eq!(
            window(cal, month("2026-01"), 3).unwrap(),
            [d(2026, 1, 5), d(2026, 1, 6), d(2026, 1, 7)]
        );
        // February 2027: the Tết holidays start on Thursday 4; the window is before them.
        assert_eq!(
            window(cal, month("2027-02"), 3).unwrap(),
            [d(2027, 2, 1), d(2027, 2, 2), d(2027, 2, 3)]
        );
        // February 2026: Tết is 16–20, the window is 2–4.
        assert_eq!(
            window(cal, month("2026-02"), 3).unwrap(),
            [d(2026, 2, 2), d(2026, 2, 3), d(2026, 2, 4)]
        );
    }

    #[test]
    fn a_submission_after_the_window_waits_for_the_next_one() {
        let cfg = config::embedded();
        let cal = &cfg.org.calendar;
        let at = |y, m, day, h| {
            chrono_tz::Asia::Ho_Chi_Minh
                .with_ymd_and_hms(y, m, day, h, 0, 0)
                .unwrap()
                .with_timezone(&Utc)
        };
        // New Year's Day, before January 2026's window opens: this month's.
        assert_eq!(
            place(cal, at(2026, 1, 1, 10), 3).unwrap(),
            Placement::ThisWindow {
                month: month("2026-01"),
                closes: d(2026, 1, 7)
            }
        );
        // The third working day, late in the evening: still in.
        assert_eq!(
            place(cal, at(2026, 1, 7, 22), 3).unwrap(),
            Placement::ThisWindow {
                month: month("2026-01"),
                closes: d(2026, 1, 7)
            }
        );
        // The fourth working day: kept for February, whose window opens on Monday 2.
        assert_eq!(
            place(cal, at(2026, 1, 8, 9), 3).unwrap(),
            Placement::NextWindow {
                month: month("2026-02"),
                opens: d(2026, 2, 2)
            }
        );
        // December rolls over to January of the next year.
        assert_eq!(
            place(cal, at(2026, 12, 15, 9), 3).unwrap(),
            Placement::NextWindow {
                month: month("2027-01"),
                opens: d(2027, 1, 4)
            }
        );
    }

    /// Issue 16 Deliver 2: after the window a submission is kept for the next one, or
    /// refused naming the next window's opening when the organisation says so.
    #[test]
    fn outside_the_window_a_submission_is_kept_or_refused_as_configured() {
        let mut org = config::embedded().org;
        let late = chrono_tz::Asia::Ho_Chi_Minh
            .with_ymd_and_hms(2026, 12, 4, 9, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let early = chrono_tz::Asia::Ho_Chi_Minh
            .with_ymd_and_hms(2026, 12, 2, 9, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(org.requirement_outside_window, OutsideWindow::Keep);
        let kept = submitted(&org, Some("HN-BD"), late).unwrap();
        assert_eq!(kept.window, month("2027-01"));
        org.requirement_outside_window = OutsideWindow::Refuse;
        assert_eq!(
            submitted(&org, Some("HN-BD"), late),
            Err(RequirementError::OutsideWindow {
                month: month("2027-01"),
                opens: d(2027, 1, 4)
            })
        );
        // Inside the window nothing changes.
        assert_eq!(
            submitted(&org, Some("HN-BD"), early).unwrap().window,
            month("2026-12")
        );
        assert_eq!(OutsideWindow::parse("refuse"), Some(OutsideWindow::Refuse));
        assert_eq!(OutsideWindow::parse("drop"), None);
    }

    #[test]
    fn months_are_read_strictly() {
        assert_eq!(month("2026-11").to_string(), "2026-11");
        for bad in ["2026-13", "2026-00", "26-11", "2026/11", "november", ""] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
    }

    #[test]
    fn review_goes_up_the_units_hierarchy() {
        let cfg = config::embedded();
        let org = &cfg.org;
        let codes: Vec<&str> = review_chain(org, "HN-BD")
            .iter()
            .map(|u| u.code.as_str())
            .collect();
        assert_eq!(codes, ["HN-BD", "HN", "KBNN"]);
        assert!(review_chain(org, "nosuch").is_empty());
        // A loop written by hand stops.
        let mut looped = org.clone();
        for u in &mut looped.units {
            if u.code == "KBNN" {
                u.parent = Some("HN-BD".into());
            }
        }
        assert_eq!(review_chain(&looped, "HN-BD").len(), 3);
    }
}
