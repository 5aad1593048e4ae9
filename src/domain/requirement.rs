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
use serde::Serialize;

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
