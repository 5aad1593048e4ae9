//! Working-time calendar: office hours, public holidays, make-up working days
//! and working-time budgets ("30m", "1.5h", "0.5d", "1d 2h").
//!
//! # Model
//!
//! A [`WorkCalendar`] knows, for each weekday, a sorted list of office
//! [`Period`]s (default: 07:30–11:30 and 13:00–16:30, Monday–Friday, i.e.
//! 7 h 30 min a day), a set of public holidays (closed, whatever the weekday),
//! a set of make-up working days (open with the *make-up hours*, which default
//! to Monday's periods) and the organisation's time zone (default
//! `Asia/Ho_Chi_Minh`). Instants are `DateTime<Utc>`; every decision about
//! dates and office hours is taken in the calendar's zone. Periods are
//! half-open: with the defaults 07:30 is working time, 11:30 and 16:30 are not.
//!
//! The office periods of a date, converted to UTC, are that date's *working
//! intervals*; "office time of a day" is their total length. (In zones with
//! daylight saving time a local time in a gap is moved forward by the gap and
//! an ambiguous one takes its earlier instant, so a day's office time is the
//! time that really elapses.)
//!
//! # Minute and hour budgets
//!
//! [`WorkCalendar::add`] with a minute/hour budget walks the working intervals
//! from `from` (the clock starts at the next office moment when `from` is
//! outside office hours) and returns the *earliest* instant at which the
//! budget is used up. So a budget that ends exactly at a period end stops
//! there: 10:30 + 1h = 11:30, not 13:00.
//!
//! Consequently, for **any** instant `t` and positive minute/hour budget `m`:
//! `between(t, add(t, m)) == m`, and `add` is monotonic in `m`.
//!
//! # Day budgets
//!
//! A day is not a fixed number of minutes: it moves the clock to the *same
//! working-time position* in the next working day.
//!
//! 1. The clock first stands at `from`, or at the next office moment when
//!    `from` is outside office hours. Its *position* `p` is the office time of
//!    that day already elapsed (`0 <= p < office time of the day`).
//! 2. `k` whole days: if `p > 0`, the result is position `p` on the `k`-th
//!    following working day, clamped to the end of that day when it is
//!    shorter. If `p == 0` (start of a day), the result is the *end* of the
//!    `(k-1)`-th following working day: one day from the start of a day is
//!    that whole day (07:30 + 1d = 16:30 the same day), which is also what
//!    adding the day's hours gives. Example: Friday 16:00 + 1d, with Saturday
//!    a make-up day → Saturday 16:00; without it, and with Monday a holiday →
//!    Tuesday 16:00.
//! 3. A fraction of a day (`0.5d`, or the `.5` of `1.5d`) is then converted
//!    into time using the office time of the day on which the clock stands
//!    (the day of the next office moment), and added like an hour budget: it
//!    spills into the following working days at their own length. With the
//!    defaults 0.5d is 3 h 45 min.
//! 4. Extra hours/minutes of a combined budget ("1d 2h") are added last.
//!
//! Positions are resolved to the earliest instant, as for minutes (position
//! "end of morning" is 11:30, not 13:00).
//!
//! **What holds for day budgets:** when every working day touched has the
//! same office time `T` (true for the Vietnamese defaults, since make-up days
//! use Monday's hours), `add(t, x days)` equals `add(t, x·T)` and therefore
//! `between(t, add(t, x days)) == x·T` (for fractions, rounded to the
//! millisecond). When days differ, `between(t, add(t, k days))` is the
//! office time from the clock's position to the same position `k` working
//! days later (clamped), which is *not* `k` times anything in particular.
//! `add` is monotonic in the number of days.
//!
//! # No working time
//!
//! A calendar may have no office time at all (every weekday empty, no make-up
//! days ahead). Operations that must find an office moment give up with
//! [`CalendarError::NoWorkingTime`] after [`MAX_EMPTY_SCAN_DAYS`] consecutive
//! days without office time instead of looping forever.
//!
//! Instants outside the UTC years [`MIN_YEAR`]`..=`[`MAX_YEAR`] give
//! [`CalendarError::OutOfRange`] (never a panic); budgets are capped at
//! [`MAX_BUDGET_DAYS`] days and [`MAX_BUDGET_MINUTES`] minutes.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How many consecutive days without office time are scanned (about three
/// years) before an operation reports [`CalendarError::NoWorkingTime`].
pub const MAX_EMPTY_SCAN_DAYS: u32 = 1096;

/// Instants are supported in the UTC years `MIN_YEAR..=MAX_YEAR`; outside
/// them operations return [`CalendarError::OutOfRange`] (and `between`
/// counts no office time there).
pub const MIN_YEAR: i32 = 1;
/// See [`MIN_YEAR`].
pub const MAX_YEAR: i32 = 9999;

/// Largest accepted day budget, in days.
pub const MAX_BUDGET_DAYS: u32 = 10_000;

/// Largest accepted hour/minute budget, in minutes (100 000 hours).
pub const MAX_BUDGET_MINUTES: u32 = 6_000_000;

/// The time of day `hour:minute`; wraps around midnight, only used with
/// known-good constants.
fn hm(hour: i64, minute: i64) -> NaiveTime {
    NaiveTime::MIN + TimeDelta::minutes(hour * 60 + minute)
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Errors from building or querying a [`WorkCalendar`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// A period whose start is not before its end.
    #[error(
        "invalid office period {start}–{end}: the start must be before the end \
         (a period cannot span midnight)"
    )]
    InvalidPeriod { start: NaiveTime, end: NaiveTime },
    /// An hour/minute pair that is not a time of day.
    #[error("invalid time of day {hour:02}:{minute:02}")]
    InvalidTime { hour: u32, minute: u32 },
    /// Periods of one day that are unsorted or overlap.
    #[error(
        "office periods for {day} must be sorted and must not overlap, \
         but {first} is followed by {second}"
    )]
    PeriodsOverlap {
        day: String,
        first: Period,
        second: Period,
    },
    /// A date that is both a holiday and a make-up working day.
    #[error("{0} is listed both as a public holiday and as a make-up working day")]
    HolidayIsMakeupDay(NaiveDate),
    /// No office time was found within [`MAX_EMPTY_SCAN_DAYS`] days.
    #[error(
        "no office time found within {days} consecutive days after {from}: \
         the calendar has no working time (no office hours on any weekday and \
         no make-up working days ahead)"
    )]
    NoWorkingTime { from: DateTime<Utc>, days: u32 },
    /// A working-time duration that is zero or negative.
    #[error("a working-time duration must be positive, got {0}")]
    NonPositiveDuration(TimeDelta),
    /// An instant or date outside the supported years [`MIN_YEAR`]..=[`MAX_YEAR`].
    #[error("date or time outside the supported years {MIN_YEAR}–{MAX_YEAR}")]
    OutOfRange,
}

/// Errors from parsing or building a [`Budget`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BudgetError {
    #[error("empty budget: expected {EXPECTED}")]
    Empty,
    #[error("invalid budget {text:?}: {problem}; expected {EXPECTED}")]
    Invalid { text: String, problem: String },
    #[error("budget {text:?} is not positive: expected {EXPECTED}")]
    NotPositive { text: String },
    #[error(
        "budget {text:?} is not a whole number of minutes: \
         use minutes instead, e.g. \"90m\" rather than \"1.51h\""
    )]
    NotWholeMinutes { text: String },
    #[error(
        "budget {text:?} has more than 3 decimal places in its day amount, e.g. use \"0.125d\""
    )]
    TooPrecise { text: String },
    #[error("budget {text:?} gives the unit {unit:?} more than once: expected {EXPECTED}")]
    DuplicateUnit { text: String, unit: char },
    #[error(
        "budget {text:?} is too large: at most {MAX_BUDGET_DAYS} days and \
         {MAX_BUDGET_MINUTES} minutes, e.g. \"100d\" or \"1000h\""
    )]
    TooLarge { text: String },
}

const EXPECTED: &str = "a positive number followed by a unit m (minutes), h (hours) or d (working \
     days), optionally combined, e.g. \"30m\", \"1.5h\", \"0.5d\" or \"1d 2h\"";

// ---------------------------------------------------------------------------
// Period
// ---------------------------------------------------------------------------

/// A half-open office period `[start, end)` within one local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    start: NaiveTime,
    end: NaiveTime,
}

impl Period {
    /// A period from `start` to `end`; `start` must be before `end`.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Self, CalendarError> {
        if start < end {
            Ok(Self { start, end })
        } else {
            Err(CalendarError::InvalidPeriod { start, end })
        }
    }

    /// A period from `start_hour:start_minute` to `end_hour:end_minute`.
    pub fn hm(
        start_hour: u32,
        start_minute: u32,
        end_hour: u32,
        end_minute: u32,
    ) -> Result<Self, CalendarError> {
        let time = |hour, minute| {
            NaiveTime::from_hms_opt(hour, minute, 0)
                .ok_or(CalendarError::InvalidTime { hour, minute })
        };
        Self::new(time(start_hour, start_minute)?, time(end_hour, end_minute)?)
    }

    pub fn start(&self) -> NaiveTime {
        self.start
    }

    pub fn end(&self) -> NaiveTime {
        self.end
    }

    /// Nominal length (ignoring daylight saving time).
    pub fn duration(&self) -> TimeDelta {
        self.end - self.start
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |t: NaiveTime| {
            if t.second() == 0 && t.nanosecond() == 0 {
                t.format("%H:%M").to_string()
            } else {
                t.format("%H:%M:%S").to_string()
            }
        };
        write!(f, "{}–{}", show(self.start), show(self.end))
    }
}

fn validate_periods(day: &str, periods: &[Period]) -> Result<(), CalendarError> {
    for pair in periods.windows(2) {
        if let [first, second] = pair
            && first.end > second.start
        {
            return Err(CalendarError::PeriodsOverlap {
                day: day.to_owned(),
                first: *first,
                second: *second,
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Budget
// ---------------------------------------------------------------------------

/// A positive amount of working time: whole/fractional working days
/// (in thousandths of a day) plus minutes.
///
/// Text form: one or more `<number><unit>` parts with unit `d`, `h` or `m`,
/// each unit at most once, e.g. `"30m"`, `"90m"`, `"2h"`, `"1.5h"`, `"1d"`,
/// `"0.5d"`, `"1d 2h"`. Hours and minutes must come to whole minutes; days
/// take at most three decimals. The canonical form ([`Display`](fmt::Display),
/// serde) writes the day part first and the time part as whole hours when
/// possible, else minutes: `"1.5h"` is shown as `"90m"`, `"120m"` as `"2h"`.
///
/// Or `"same_day"`: until the end of the working day the clock starts in (the next working
/// day's end when it starts outside office hours) — seed 004's consultations, "100 %
/// responded and closed the same day", where `1d` from 15:00 would run to 15:00 tomorrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Budget {
    day_thousandths: u32,
    minutes: u32,
    /// Until the end of the working day (see above); the other parts are zero.
    same_day: bool,
}

impl Budget {
    /// A budget of `day_thousandths / 1000` days plus `minutes` minutes.
    pub fn new(day_thousandths: u32, minutes: u32) -> Result<Self, BudgetError> {
        let budget = Self {
            day_thousandths,
            minutes,
            same_day: false,
        };
        if day_thousandths == 0 && minutes == 0 {
            return Err(BudgetError::NotPositive {
                text: "0m".to_owned(),
            });
        }
        if day_thousandths > MAX_BUDGET_DAYS * 1000 || minutes > MAX_BUDGET_MINUTES {
            return Err(BudgetError::TooLarge {
                text: budget.to_string(),
            });
        }
        Ok(budget)
    }

    /// Until the end of the working day the clock starts in (text form `same_day`).
    pub fn same_working_day() -> Self {
        Self {
            day_thousandths: 0,
            minutes: 0,
            same_day: true,
        }
    }

    /// Whether this is the [`Budget::same_working_day`] budget.
    pub fn is_same_day(&self) -> bool {
        self.same_day
    }

    pub fn from_minutes(minutes: u32) -> Result<Self, BudgetError> {
        Self::new(0, minutes)
    }

    pub fn from_hours(hours: u32) -> Result<Self, BudgetError> {
        Self::new(0, hours.saturating_mul(60))
    }

    pub fn from_days(days: u32) -> Result<Self, BudgetError> {
        Self::new(days.saturating_mul(1000), 0)
    }

    /// The day part, in thousandths of a working day.
    pub fn day_thousandths(&self) -> u32 {
        self.day_thousandths
    }

    /// Whole working days of the day part.
    pub fn whole_days(&self) -> u32 {
        self.day_thousandths / 1000
    }

    /// The fractional day part, in thousandths of a day (0..1000).
    pub fn day_fraction_thousandths(&self) -> u32 {
        self.day_thousandths % 1000
    }

    /// The hour/minute part, in minutes.
    pub fn minutes_part(&self) -> u32 {
        self.minutes
    }

    /// True when the budget has no day part (its length is fixed).
    pub fn is_time_only(&self) -> bool {
        self.day_thousandths == 0 && !self.same_day
    }

    /// The fixed length of a time-only budget; `None` if it has a day part.
    pub fn fixed_duration(&self) -> Option<TimeDelta> {
        self.is_time_only()
            .then(|| TimeDelta::minutes(i64::from(self.minutes)))
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.same_day {
            return f.write_str(SAME_DAY);
        }
        let mut parts = Vec::with_capacity(2);
        if self.day_thousandths > 0 {
            let whole = self.day_thousandths / 1000;
            let frac = self.day_thousandths % 1000;
            if frac == 0 {
                parts.push(format!("{whole}d"));
            } else {
                let digits = format!("{frac:03}");
                parts.push(format!("{whole}.{}d", digits.trim_end_matches('0')));
            }
        }
        if self.minutes > 0 || self.day_thousandths == 0 {
            if self.minutes > 0 && self.minutes.is_multiple_of(60) {
                parts.push(format!("{}h", self.minutes / 60));
            } else {
                parts.push(format!("{}m", self.minutes));
            }
        }
        f.write_str(&parts.join(" "))
    }
}

/// A decimal number read exactly: `int + frac / 10^scale`.
struct Decimal {
    int: u64,
    frac: u64,
    scale: u32,
}

impl Decimal {
    /// `self × factor`, if that is a whole number.
    fn times_exact(&self, factor: u64) -> Option<u64> {
        let pow = 10u64.checked_pow(self.scale)?;
        let frac = self.frac.checked_mul(factor)?;
        if frac % pow != 0 {
            return None;
        }
        self.int.checked_mul(factor)?.checked_add(frac / pow)
    }
}

/// Reads `number` exactly; `imprecise` is the error for absurdly many
/// decimals (which can never give whole minutes or thousandths of a day).
fn parse_decimal(text: &str, number: &str, imprecise: BudgetError) -> Result<Decimal, BudgetError> {
    let invalid = |problem: &str| BudgetError::Invalid {
        text: text.to_owned(),
        problem: problem.to_owned(),
    };
    let (int_str, frac_str) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number, ""),
    };
    if int_str.is_empty() || (number.contains('.') && frac_str.is_empty()) {
        return Err(invalid(&format!(
            "{number:?} is not a number like 2 or 1.5"
        )));
    }
    if !int_str.bytes().all(|b| b.is_ascii_digit()) || !frac_str.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(invalid(&format!(
            "{number:?} is not a number like 2 or 1.5"
        )));
    }
    let frac_str = frac_str.trim_end_matches('0');
    let too_large = || BudgetError::TooLarge {
        text: text.to_owned(),
    };
    let int_str = int_str.trim_start_matches('0');
    if int_str.len() > 12 || frac_str.len() > 12 {
        return Err(if int_str.len() > 12 {
            too_large()
        } else {
            imprecise
        });
    }
    let int = if int_str.is_empty() {
        0
    } else {
        int_str.parse::<u64>().map_err(|_| too_large())?
    };
    let frac = if frac_str.is_empty() {
        0
    } else {
        frac_str.parse::<u64>().map_err(|_| too_large())?
    };
    let scale = u32::try_from(frac_str.len()).map_err(|_| too_large())?;
    Ok(Decimal { int, frac, scale })
}

/// The text form of [`Budget::same_working_day`].
const SAME_DAY: &str = "same_day";

impl FromStr for Budget {
    type Err = BudgetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(BudgetError::Empty);
        }
        if trimmed.eq_ignore_ascii_case(SAME_DAY) {
            return Ok(Budget::same_working_day());
        }
        if trimmed.starts_with('-') {
            return Err(BudgetError::NotPositive {
                text: text.to_owned(),
            });
        }
        let invalid = |problem: String| BudgetError::Invalid {
            text: text.to_owned(),
            problem,
        };
        let too_large = || BudgetError::TooLarge {
            text: text.to_owned(),
        };

        let mut days: Option<u64> = None; // thousandths
        let mut hours: Option<u64> = None; // minutes
        let mut minutes: Option<u64> = None;
        let mut rest = trimmed;
        while !rest.is_empty() {
            let number_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let (number, after) = rest.split_at(number_len);
            if number.is_empty() {
                let found = after.chars().next().unwrap_or(' ');
                return Err(invalid(format!("expected a number but found {found:?}")));
            }
            let after = after.trim_start();
            let mut chars = after.chars();
            let unit = match chars.next() {
                Some(c) => c.to_ascii_lowercase(),
                None => return Err(invalid(format!("the number {number} has no unit"))),
            };
            let imprecise = if unit == 'd' {
                BudgetError::TooPrecise {
                    text: text.to_owned(),
                }
            } else {
                BudgetError::NotWholeMinutes {
                    text: text.to_owned(),
                }
            };
            let value = parse_decimal(text, number, imprecise)?;
            let slot = match unit {
                'd' => &mut days,
                'h' => &mut hours,
                'm' => &mut minutes,
                other => return Err(invalid(format!("unknown unit {other:?}"))),
            };
            if slot.is_some() {
                return Err(BudgetError::DuplicateUnit {
                    text: text.to_owned(),
                    unit,
                });
            }
            let amount = match unit {
                'd' => value
                    .times_exact(1000)
                    .ok_or_else(|| BudgetError::TooPrecise {
                        text: text.to_owned(),
                    })?,
                'h' => value
                    .times_exact(60)
                    .ok_or_else(|| BudgetError::NotWholeMinutes {
                        text: text.to_owned(),
                    })?,
                _ => value
                    .times_exact(1)
                    .ok_or_else(|| BudgetError::NotWholeMinutes {
                        text: text.to_owned(),
                    })?,
            };
            *slot = Some(amount);
            rest = chars.as_str();
            if let Some(c) = rest.chars().next()
                && !(c.is_whitespace() || c.is_ascii_digit())
            {
                return Err(invalid(format!("unexpected {c:?} after the unit {unit:?}")));
            }
            rest = rest.trim_start();
        }

        let day_thousandths = days.unwrap_or(0);
        let total_minutes = hours
            .unwrap_or(0)
            .checked_add(minutes.unwrap_or(0))
            .ok_or_else(too_large)?;
        if day_thousandths == 0 && total_minutes == 0 {
            return Err(BudgetError::NotPositive {
                text: text.to_owned(),
            });
        }
        if day_thousandths > u64::from(MAX_BUDGET_DAYS) * 1000
            || total_minutes > u64::from(MAX_BUDGET_MINUTES)
        {
            return Err(too_large());
        }
        let day_thousandths = u32::try_from(day_thousandths).map_err(|_| too_large())?;
        let total_minutes = u32::try_from(total_minutes).map_err(|_| too_large())?;
        Ok(Self {
            day_thousandths,
            minutes: total_minutes,
            same_day: false,
        })
    }
}

impl TryFrom<String> for Budget {
    type Error = BudgetError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl TryFrom<&str> for Budget {
    type Error = BudgetError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Budget> for String {
    fn from(budget: Budget) -> Self {
        budget.to_string()
    }
}

// ---------------------------------------------------------------------------
// WorkCalendar
// ---------------------------------------------------------------------------

type Interval = (DateTime<Utc>, DateTime<Utc>);

/// The working intervals (in UTC) of one local date.
#[derive(Debug, Clone)]
struct DaySpan {
    date: NaiveDate,
    intervals: Vec<Interval>,
}

impl DaySpan {
    fn total(&self) -> TimeDelta {
        self.intervals
            .iter()
            .fold(TimeDelta::zero(), |acc, &(a, b)| acc + (b - a))
    }

    /// Office time of this day elapsed before `t`.
    fn worked_before(&self, t: DateTime<Utc>) -> TimeDelta {
        self.intervals
            .iter()
            .fold(TimeDelta::zero(), |acc, &(a, b)| {
                if t <= a { acc } else { acc + (t.min(b) - a) }
            })
    }

    /// Earliest instant at which `pos` of this day's office time has elapsed
    /// (`pos` is clamped to `[0, total]`). `None` for a day without office time.
    fn instant_at(&self, pos: TimeDelta) -> Option<DateTime<Utc>> {
        let first = self.intervals.first()?.0;
        if pos <= TimeDelta::zero() {
            return Some(first);
        }
        let mut acc = TimeDelta::zero();
        for &(a, b) in &self.intervals {
            let len = b - a;
            if pos <= acc + len {
                return Some(a + (pos - acc));
            }
            acc += len;
        }
        self.intervals.last().map(|&(_, b)| b)
    }
}

/// The working-time calendar of an organisation. See the [module
/// documentation](self) for the semantics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    tz: Tz,
    week: [Vec<Period>; 7],
    makeup_hours: Vec<Period>,
    holidays: BTreeSet<NaiveDate>,
    makeup_days: BTreeSet<NaiveDate>,
}

impl Default for WorkCalendar {
    /// Vietnamese government office defaults: Asia/Ho_Chi_Minh,
    /// 07:30–11:30 and 13:00–16:30 Monday–Friday, no holidays.
    fn default() -> Self {
        let week = Self::vietnam_default_week();
        Self {
            tz: chrono_tz::Asia::Ho_Chi_Minh,
            makeup_hours: week[0].clone(),
            week,
            holidays: BTreeSet::new(),
            makeup_days: BTreeSet::new(),
        }
    }
}

const WEEKDAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl WorkCalendar {
    /// Builds a calendar. `week` holds the office periods for Monday..Sunday;
    /// make-up days (whatever their weekday) use the make-up hours, which
    /// start as a copy of Monday's periods (see [`Self::with_makeup_hours`];
    /// if Monday is empty, make-up days have no office time until set).
    ///
    /// Errors: periods of a day unsorted or overlapping; a date that is both
    /// a holiday and a make-up day. A calendar without any office time is
    /// accepted; operations that need office time then fail with
    /// [`CalendarError::NoWorkingTime`].
    pub fn new(
        tz: Tz,
        week: [Vec<Period>; 7],
        holidays: BTreeSet<NaiveDate>,
        makeup_days: BTreeSet<NaiveDate>,
    ) -> Result<Self, CalendarError> {
        for (name, periods) in WEEKDAY_NAMES.iter().zip(&week) {
            validate_periods(name, periods)?;
        }
        if let Some(date) = holidays.intersection(&makeup_days).next() {
            return Err(CalendarError::HolidayIsMakeupDay(*date));
        }
        Ok(Self {
            tz,
            makeup_hours: week[0].clone(),
            week,
            holidays,
            makeup_days,
        })
    }

    /// Replaces the office periods used on make-up working days.
    pub fn with_makeup_hours(mut self, periods: Vec<Period>) -> Result<Self, CalendarError> {
        validate_periods("make-up days", &periods)?;
        self.makeup_hours = periods;
        Ok(self)
    }

    /// The default week: 07:30–11:30 and 13:00–16:30 Monday–Friday,
    /// Saturday and Sunday closed.
    pub fn vietnam_default_week() -> [Vec<Period>; 7] {
        let day = vec![
            Period {
                start: hm(7, 30),
                end: hm(11, 30),
            },
            Period {
                start: hm(13, 0),
                end: hm(16, 30),
            },
        ];
        [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            Vec::new(),
            Vec::new(),
        ]
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    pub fn holidays(&self) -> &BTreeSet<NaiveDate> {
        &self.holidays
    }

    pub fn makeup_days(&self) -> &BTreeSet<NaiveDate> {
        &self.makeup_days
    }

    pub fn makeup_hours(&self) -> &[Period] {
        &self.makeup_hours
    }

    /// Office periods of an ordinary `weekday`.
    pub fn weekday_hours(&self, weekday: Weekday) -> &[Period] {
        self.week
            .get(weekday.num_days_from_monday() as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Office periods that apply on `date` (empty on holidays).
    pub fn hours_on(&self, date: NaiveDate) -> &[Period] {
        if self.holidays.contains(&date) {
            &[]
        } else if self.makeup_days.contains(&date) {
            &self.makeup_hours
        } else {
            self.weekday_hours(date.weekday())
        }
    }

    /// Whether `date` has office time.
    pub fn working_day(&self, date: NaiveDate) -> bool {
        !self.span(date).intervals.is_empty()
    }

    /// Office time on `date`.
    pub fn office_time_on(&self, date: NaiveDate) -> TimeDelta {
        self.span(date).total()
    }

    /// Office time on `date`, in whole minutes.
    pub fn office_minutes_on(&self, date: NaiveDate) -> i64 {
        self.office_time_on(date).num_minutes()
    }

    /// First start and last end of office hours on `date`, in UTC;
    /// `None` when `date` is not a working day.
    pub fn day_bounds(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let span = self.span(date);
        let first = span.intervals.first()?.0;
        let last = span.intervals.last()?.1;
        Some((first, last))
    }

    /// Whether `t` lies inside office hours (periods are half-open).
    pub fn is_working_time(&self, t: DateTime<Utc>) -> bool {
        let Ok(date) = self.local_date(t) else {
            return false;
        };
        [date.pred_opt(), Some(date)]
            .into_iter()
            .flatten()
            .any(|d| self.span(d).intervals.iter().any(|&(a, b)| a <= t && t < b))
    }

    /// The first office moment at or after `t` (`t` itself in office hours).
    pub fn next_working_start(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>, CalendarError> {
        self.next_working_point(t).map(|(_, s)| s)
    }

    /// Adds a working-time budget to `from`. See the module documentation.
    pub fn add(&self, from: DateTime<Utc>, budget: Budget) -> Result<DateTime<Utc>, CalendarError> {
        if budget.is_same_day() {
            // The end of office hours of the day the clock starts in (or next works).
            let (span, _) = self.next_working_point(from)?;
            return span
                .intervals
                .last()
                .map(|&(_, end)| end)
                .ok_or(CalendarError::OutOfRange);
        }
        let mut cur = from;
        let whole = budget.whole_days();
        if whole > 0 {
            let (span, start) = self.next_working_point(from)?;
            let pos = span.worked_before(start);
            let (target, pos) = if pos > TimeDelta::zero() {
                (self.advance(span, whole, from)?, pos)
            } else {
                let target = self.advance(span, whole - 1, from)?;
                let total = target.total();
                (target, total)
            };
            cur = target
                .instant_at(pos.min(target.total()))
                .ok_or(CalendarError::OutOfRange)?;
        }
        let frac = budget.day_fraction_thousandths();
        if frac > 0 {
            let (span, _) = self.next_working_point(cur)?;
            let ms = span.total().num_milliseconds();
            let part = (ms * i64::from(frac) + 500) / 1000;
            if part > 0 {
                cur = self.add_working_time(cur, TimeDelta::milliseconds(part))?;
            }
        }
        if budget.minutes_part() > 0 {
            cur =
                self.add_working_time(cur, TimeDelta::minutes(i64::from(budget.minutes_part())))?;
        }
        Ok(cur)
    }

    /// Adds a fixed amount of working time to `from`: the earliest instant by
    /// which `duration` of office time has elapsed since `from`.
    pub fn add_working_time(
        &self,
        from: DateTime<Utc>,
        duration: TimeDelta,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if duration <= TimeDelta::zero() {
            return Err(CalendarError::NonPositiveDuration(duration));
        }
        let mut remaining = duration;
        let mut span = self.span(self.scan_start(from)?);
        loop {
            for &(a, b) in &span.intervals {
                if b <= from {
                    continue;
                }
                let start = a.max(from);
                let available = b - start;
                if remaining <= available {
                    return Ok(start + remaining);
                }
                remaining -= available;
            }
            span = self.next_working_span(span.date, from)?;
        }
    }

    /// Office time between `a` and `b`; zero if `b <= a`.
    pub fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> TimeDelta {
        let mut total = TimeDelta::zero();
        let lo = Utc.with_ymd_and_hms(MIN_YEAR, 1, 1, 0, 0, 0).single();
        let hi = Utc.with_ymd_and_hms(MAX_YEAR, 12, 31, 0, 0, 0).single();
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return total;
        };
        let (a, b) = (a.max(lo), b.min(hi));
        if b <= a {
            return total;
        }
        let (Ok(first), Ok(last)) = (self.local_date(a), self.local_date(b)) else {
            return total;
        };
        let mut date = first.pred_opt().unwrap_or(first);
        while date <= last {
            for &(s, e) in &self.span(date).intervals {
                let lo = s.max(a);
                let hi = e.min(b);
                if hi > lo {
                    total += hi - lo;
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        total
    }

    // ---- internals -------------------------------------------------------

    fn local_date(&self, t: DateTime<Utc>) -> Result<NaiveDate, CalendarError> {
        if (MIN_YEAR..=MAX_YEAR).contains(&t.year()) {
            Ok(t.with_timezone(&self.tz).date_naive())
        } else {
            Err(CalendarError::OutOfRange)
        }
    }

    /// The date whose intervals are examined first for an instant: the day
    /// before its local date (for safety with odd time-zone transitions).
    fn scan_start(&self, t: DateTime<Utc>) -> Result<NaiveDate, CalendarError> {
        self.local_date(t)?
            .pred_opt()
            .ok_or(CalendarError::OutOfRange)
    }

    fn local_to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::Ambiguous(earliest, _) => earliest.with_timezone(&Utc),
            LocalResult::None => {
                // In a gap (clocks moved forward): use the offset in force
                // before the gap, which moves the time forward by the gap.
                let probe = local - TimeDelta::days(1);
                let offset = self.tz.offset_from_utc_datetime(&probe).fix();
                let utc = local - TimeDelta::seconds(i64::from(offset.local_minus_utc()));
                DateTime::from_naive_utc_and_offset(utc, Utc)
            }
        }
    }

    fn span(&self, date: NaiveDate) -> DaySpan {
        let periods = self.hours_on(date);
        let mut intervals: Vec<Interval> = Vec::with_capacity(periods.len());
        for period in periods {
            let mut a = self.local_to_utc(date.and_time(period.start));
            let b = self.local_to_utc(date.and_time(period.end));
            if let Some(&(_, prev_end)) = intervals.last()
                && a < prev_end
            {
                a = prev_end;
            }
            if a < b {
                intervals.push((a, b));
            }
        }
        DaySpan { date, intervals }
    }

    /// The first day after `after` that has office time.
    fn next_working_span(
        &self,
        after: NaiveDate,
        from: DateTime<Utc>,
    ) -> Result<DaySpan, CalendarError> {
        let mut date = after;
        for _ in 0..MAX_EMPTY_SCAN_DAYS {
            date = date
                .succ_opt()
                .filter(|d| d.year() <= MAX_YEAR)
                .ok_or(CalendarError::OutOfRange)?;
            let span = self.span(date);
            if !span.intervals.is_empty() {
                return Ok(span);
            }
        }
        Err(CalendarError::NoWorkingTime {
            from,
            days: MAX_EMPTY_SCAN_DAYS,
        })
    }

    /// The first office moment at or after `t`, with its day.
    fn next_working_point(
        &self,
        t: DateTime<Utc>,
    ) -> Result<(DaySpan, DateTime<Utc>), CalendarError> {
        let mut span = self.span(self.scan_start(t)?);
        loop {
            if let Some(&(a, _)) = span.intervals.iter().find(|&&(_, b)| b > t) {
                let start = a.max(t);
                return Ok((span, start));
            }
            span = self.next_working_span(span.date, t)?;
        }
    }

    /// The `n`-th working day after `span`'s day (`span` itself for 0).
    fn advance(
        &self,
        mut span: DaySpan,
        n: u32,
        from: DateTime<Utc>,
    ) -> Result<DaySpan, CalendarError> {
        for _ in 0..n {
            span = self.next_working_span(span.date, from)?;
        }
        Ok(span)
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as ValueError, StrDeserializer};

    const HOLIDAYS_TOML: &str = include_str!("../../config/hotro.toml");

    fn vn(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Ho_Chi_Minh
            .with_ymd_and_hms(y, m, d, h, mi, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn b(text: &str) -> Budget {
        text.parse().unwrap()
    }

    fn mins(m: i64) -> TimeDelta {
        TimeDelta::minutes(m)
    }

    /// Dates of the `holidays` and `makeup_days` arrays of holidays-vn.toml
    /// (a minimal reader for the file's one-entry-per-line layout).
    fn toml_dates() -> (BTreeSet<NaiveDate>, BTreeSet<NaiveDate>) {
        let mut holidays = BTreeSet::new();
        let mut makeups = BTreeSet::new();
        let mut in_makeups = false;
        for line in HOLIDAYS_TOML.lines().map(str::trim) {
            if line.starts_with('#') {
                continue;
            }
            if line.starts_with("holidays") {
                in_makeups = false;
            } else if line.starts_with("makeup_days") {
                in_makeups = true;
            }
            if let Some(pos) = line.find("date = ") {
                let text = &line[pos + 7..pos + 17];
                let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
                let fresh = if in_makeups {
                    makeups.insert(d)
                } else {
                    holidays.insert(d)
                };
                assert!(fresh, "duplicate date {d} in holidays-vn.toml");
            }
        }
        (holidays, makeups)
    }

    fn vn_calendar() -> WorkCalendar {
        let (holidays, makeups) = toml_dates();
        WorkCalendar::new(
            chrono_tz::Asia::Ho_Chi_Minh,
            WorkCalendar::vietnam_default_week(),
            holidays,
            makeups,
        )
        .unwrap()
    }

    fn calendar_with(holidays: &[NaiveDate], makeups: &[NaiveDate]) -> WorkCalendar {
        WorkCalendar::new(
            chrono_tz::Asia::Ho_Chi_Minh,
            WorkCalendar::vietnam_default_week(),
            holidays.iter().copied().collect(),
            makeups.iter().copied().collect(),
        )
        .unwrap()
    }

    fn empty_calendar() -> WorkCalendar {
        WorkCalendar::new(
            chrono_tz::Asia::Ho_Chi_Minh,
            Default::default(),
            BTreeSet::new(),
            BTreeSet::new(),
        )
        .unwrap()
    }

    // ---- budgets -------------------------------------------------------

    /// Seed 004: consultations are closed the same day. `same_day` runs to the end of
    /// office hours of the day the clock starts in; outside office hours, of the next
    /// working day (issue 14: `1d` from 15:00 ran to 15:00 the next day).
    #[test]
    fn a_same_day_budget_ends_with_the_working_day() {
        let cal = vn_calendar();
        let same = b("same_day");
        assert!(same.is_same_day() && !same.is_time_only());
        assert_eq!(same.to_string(), "same_day");
        assert_eq!(b(" SAME_DAY "), same);
        // Monday 23 Nov 2026, 15:00 and 08:00: the end of that Monday.
        let monday_end = cal.day_bounds(date(2026, 11, 23)).unwrap().1;
        assert_eq!(cal.add(vn(2026, 11, 23, 15, 0), same).unwrap(), monday_end);
        assert_eq!(cal.add(vn(2026, 11, 23, 8, 0), same).unwrap(), monday_end);
        // After hours on Monday and on Saturday: the next working day's end.
        let tuesday_end = cal.day_bounds(date(2026, 11, 24)).unwrap().1;
        assert_eq!(cal.add(vn(2026, 11, 23, 20, 0), same).unwrap(), tuesday_end);
        let next_monday_end = cal.day_bounds(date(2026, 11, 30)).unwrap().1;
        assert_eq!(
            cal.add(vn(2026, 11, 28, 9, 0), same).unwrap(),
            next_monday_end
        );
        // 1d from 15:00 is still 15:00 the next working day.
        assert_eq!(
            cal.add(vn(2026, 11, 23, 15, 0), b("1d")).unwrap(),
            vn(2026, 11, 24, 15, 0)
        );
    }

    #[test]
    fn budget_parses_the_documented_forms() {
        let cases: [(&str, u32, u32, &str); 14] = [
            ("30m", 0, 30, "30m"),
            ("90m", 0, 90, "90m"),
            ("2h", 0, 120, "2h"),
            ("1.5h", 0, 90, "90m"),
            ("0.25h", 0, 15, "15m"),
            ("120m", 0, 120, "2h"),
            ("1d", 1000, 0, "1d"),
            ("0.5d", 500, 0, "0.5d"),
            ("3d", 3000, 0, "3d"),
            ("1.250d", 1250, 0, "1.25d"),
            ("1d 2h", 1000, 120, "1d 2h"),
            ("1d2h30m", 1000, 150, "1d 150m"),
            ("  2 h  ", 0, 120, "2h"),
            ("1H 30M", 0, 90, "90m"),
        ];
        for (text, days, minutes, canonical) in cases {
            let budget = b(text);
            assert_eq!(budget.day_thousandths(), days, "{text}");
            assert_eq!(budget.minutes_part(), minutes, "{text}");
            assert_eq!(budget.to_string(), canonical, "{text}");
            assert_eq!(b(canonical), budget, "{text}");
        }
        assert_eq!(b("1.5h").fixed_duration(), Some(mins(90)));
        assert_eq!(b("1d").fixed_duration(), None);
        assert_eq!(b("2.5d").whole_days(), 2);
        assert_eq!(b("2.5d").day_fraction_thousandths(), 500);
        assert_eq!(Budget::from_hours(2).unwrap(), b("2h"));
        assert_eq!(Budget::from_days(3).unwrap(), b("3d"));
        assert_eq!(Budget::from_minutes(45).unwrap(), b("45m"));
    }

    #[test]
    fn budget_rejects_bad_text_with_clear_messages() {
        let bad = [
            "",
            "   ",
            "abc",
            "2",
            "2x",
            "h",
            "0m",
            "0.0d",
            "-1h",
            "1.01h",
            "30.5m",
            "0.0001d",
            "1h 1h",
            "1..5h",
            ".5h",
            "1.h",
            "2h!",
            "1d,2h",
            "99999999999999999999m",
            "10001d",
            "100001h",
        ];
        for text in bad {
            let err = text.parse::<Budget>().unwrap_err();
            let message = err.to_string();
            if !text.trim().is_empty() {
                assert!(message.contains(&format!("{text:?}")), "{message}");
            }
            assert!(message.contains("e.g."), "{message}");
        }
        assert_eq!("".parse::<Budget>(), Err(BudgetError::Empty));
        assert!(matches!(
            "0m".parse::<Budget>(),
            Err(BudgetError::NotPositive { .. })
        ));
        assert!(matches!(
            "1.01h".parse::<Budget>(),
            Err(BudgetError::NotWholeMinutes { .. })
        ));
        assert!(matches!(
            "1h 1h".parse::<Budget>(),
            Err(BudgetError::DuplicateUnit { unit: 'h', .. })
        ));
        assert!(matches!(
            "10001d".parse::<Budget>(),
            Err(BudgetError::TooLarge { .. })
        ));
        assert!(Budget::from_minutes(0).is_err());
        assert!(Budget::new(0, MAX_BUDGET_MINUTES + 1).is_err());
    }

    #[test]
    fn budget_serde_is_the_canonical_string() {
        let de = |s: &'static str| {
            let deserializer: StrDeserializer<'_, ValueError> = s.into_deserializer();
            Budget::deserialize(deserializer)
        };
        assert_eq!(de("1.5h").unwrap(), b("90m"));
        assert_eq!(de("1d 2h").unwrap(), b("1d 2h"));
        let err = de("soon").unwrap_err().to_string();
        assert!(err.contains("\"soon\""), "{err}");
        // Serialization goes through `String::from`.
        assert_eq!(String::from(b("0.5d")), "0.5d");
        assert_eq!(String::from(b("60m")), "1h");
    }

    // ---- construction ----------------------------------------------------

    #[test]
    fn construction_validates_periods_and_dates() {
        assert!(matches!(
            Period::hm(11, 30, 7, 30),
            Err(CalendarError::InvalidPeriod { .. })
        ));
        assert!(Period::hm(9, 0, 9, 0).is_err());
        assert!(matches!(
            Period::hm(25, 0, 26, 0),
            Err(CalendarError::InvalidTime { hour: 25, .. })
        ));
        let p = |a, b2, c, d| Period::hm(a, b2, c, d).unwrap();
        assert_eq!(p(7, 30, 11, 30).to_string(), "07:30–11:30");
        assert_eq!(p(7, 30, 11, 30).duration(), mins(240));

        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let mut week = WorkCalendar::vietnam_default_week();
        week[2] = vec![p(13, 0, 16, 30), p(7, 30, 11, 30)]; // unsorted
        let err = WorkCalendar::new(tz, week, BTreeSet::new(), BTreeSet::new()).unwrap_err();
        assert!(matches!(err, CalendarError::PeriodsOverlap { ref day, .. } if day == "Wednesday"));

        let mut week = WorkCalendar::vietnam_default_week();
        week[0] = vec![p(7, 30, 12, 0), p(11, 0, 16, 0)]; // overlapping
        assert!(WorkCalendar::new(tz, week, BTreeSet::new(), BTreeSet::new()).is_err());

        let mut week = WorkCalendar::vietnam_default_week();
        week[0] = vec![p(7, 30, 12, 0), p(12, 0, 16, 0)]; // touching is fine
        let cal = WorkCalendar::new(tz, week, BTreeSet::new(), BTreeSet::new()).unwrap();
        assert_eq!(cal.office_minutes_on(date(2026, 3, 2)), 510);

        let d = date(2026, 1, 10);
        let err = WorkCalendar::new(
            tz,
            WorkCalendar::vietnam_default_week(),
            [d].into(),
            [d].into(),
        )
        .unwrap_err();
        assert_eq!(err, CalendarError::HolidayIsMakeupDay(d));
        assert!(err.to_string().contains("2026-01-10"));

        let bad = vec![p(13, 0, 16, 30), p(7, 30, 11, 30)];
        assert!(WorkCalendar::default().with_makeup_hours(bad).is_err());
    }

    #[test]
    fn default_calendar_and_day_helpers() {
        let cal = WorkCalendar::default();
        assert_eq!(cal.tz(), chrono_tz::Asia::Ho_Chi_Minh);
        let monday = date(2026, 3, 2);
        assert_eq!(cal.office_minutes_on(monday), 450);
        assert_eq!(cal.office_minutes_on(date(2026, 3, 7)), 0);
        assert!(cal.working_day(monday));
        assert!(!cal.working_day(date(2026, 3, 8)));
        assert_eq!(
            cal.day_bounds(monday),
            Some((vn(2026, 3, 2, 7, 30), vn(2026, 3, 2, 16, 30)))
        );
        assert_eq!(cal.day_bounds(date(2026, 3, 8)), None);
        assert_eq!(cal.makeup_hours(), cal.weekday_hours(Weekday::Mon));

        let cal = vn_calendar();
        assert!(!cal.working_day(date(2026, 2, 17))); // Tết
        assert!(!cal.working_day(date(2026, 1, 2))); // bridge day
        assert!(cal.working_day(date(2026, 1, 10))); // make-up Saturday
        assert_eq!(cal.office_minutes_on(date(2026, 1, 10)), 450);
        assert_eq!(
            cal.day_bounds(date(2026, 8, 22)),
            Some((vn(2026, 8, 22, 7, 30), vn(2026, 8, 22, 16, 30)))
        );
        assert!(cal.hours_on(date(2026, 9, 2)).is_empty());
    }

    #[test]
    fn is_working_time_is_half_open() {
        let cal = WorkCalendar::default();
        assert!(!cal.is_working_time(vn(2026, 3, 2, 7, 29)));
        assert!(cal.is_working_time(vn(2026, 3, 2, 7, 30)));
        assert!(cal.is_working_time(vn(2026, 3, 2, 11, 29)));
        assert!(!cal.is_working_time(vn(2026, 3, 2, 11, 30)));
        assert!(!cal.is_working_time(vn(2026, 3, 2, 12, 0)));
        assert!(cal.is_working_time(vn(2026, 3, 2, 13, 0)));
        assert!(!cal.is_working_time(vn(2026, 3, 2, 16, 30)));
        assert!(!cal.is_working_time(vn(2026, 3, 7, 10, 0))); // Saturday
        let cal = vn_calendar();
        assert!(!cal.is_working_time(vn(2026, 2, 18, 10, 0))); // Tết
        assert!(cal.is_working_time(vn(2026, 1, 10, 10, 0))); // make-up Saturday
    }

    #[test]
    fn next_working_start_from_various_places() {
        let cal = WorkCalendar::default();
        let t = vn(2026, 3, 2, 9, 15);
        assert_eq!(cal.next_working_start(t), Ok(t));
        assert_eq!(
            cal.next_working_start(vn(2026, 3, 2, 6, 0)),
            Ok(vn(2026, 3, 2, 7, 30))
        );
        assert_eq!(
            cal.next_working_start(vn(2026, 3, 2, 12, 0)),
            Ok(vn(2026, 3, 2, 13, 0))
        );
        assert_eq!(
            cal.next_working_start(vn(2026, 3, 2, 16, 30)),
            Ok(vn(2026, 3, 3, 7, 30))
        );
        assert_eq!(
            cal.next_working_start(vn(2026, 3, 6, 20, 0)),
            Ok(vn(2026, 3, 9, 7, 30))
        );
        assert_eq!(
            vn_calendar().next_working_start(vn(2026, 2, 13, 17, 0)),
            Ok(vn(2026, 2, 23, 7, 30))
        );
    }

    // ---- add -----------------------------------------------------------

    #[test]
    fn friday_1600_plus_one_day_lands_on_makeup_saturday() {
        // Fri 2026-03-06; Sat 03-07 is a make-up day, Mon 03-09 a holiday.
        let cal = calendar_with(&[date(2026, 3, 9)], &[date(2026, 3, 7)]);
        assert_eq!(
            cal.add(vn(2026, 3, 6, 16, 0), b("1d")),
            Ok(vn(2026, 3, 7, 16, 0))
        );
        // Without the make-up Saturday the Monday holiday is skipped too.
        let cal = calendar_with(&[date(2026, 3, 9)], &[]);
        assert_eq!(
            cal.add(vn(2026, 3, 6, 16, 0), b("1d")),
            Ok(vn(2026, 3, 10, 16, 0))
        );
        // Real data: Fri 2026-01-09 16:00 + 1d → make-up Sat 2026-01-10 16:00.
        assert_eq!(
            vn_calendar().add(vn(2026, 1, 9, 16, 0), b("1d")),
            Ok(vn(2026, 1, 10, 16, 0))
        );
    }

    #[test]
    fn half_day_is_half_the_office_hours() {
        let cal = WorkCalendar::default();
        let start = vn(2026, 3, 2, 7, 30);
        let end = cal.add(start, b("0.5d")).unwrap();
        assert_eq!(end, vn(2026, 3, 2, 11, 15));
        assert_eq!(cal.between(start, end), mins(225)); // 3h45
        // From lunch: 13:00–16:30 is 3h30, the last 15 min spill into Tuesday.
        assert_eq!(
            cal.add(vn(2026, 3, 2, 12, 0), b("0.5d")),
            Ok(vn(2026, 3, 3, 7, 45))
        );
        // 1.5d from Friday 16:00: Monday 16:00, then half of Monday's hours.
        assert_eq!(
            cal.add(vn(2026, 3, 6, 16, 0), b("1.5d")),
            Ok(vn(2026, 3, 10, 10, 45))
        );
    }

    #[test]
    fn budget_crossing_lunch() {
        let cal = WorkCalendar::default();
        assert_eq!(
            cal.add(vn(2026, 3, 2, 11, 0), b("1h")),
            Ok(vn(2026, 3, 2, 13, 30))
        );
        // Ending exactly at the start of lunch stops there.
        assert_eq!(
            cal.add(vn(2026, 3, 2, 10, 30), b("1h")),
            Ok(vn(2026, 3, 2, 11, 30))
        );
        assert_eq!(
            cal.add(vn(2026, 3, 2, 10, 30), b("61m")),
            Ok(vn(2026, 3, 2, 13, 1))
        );
    }

    #[test]
    fn budget_crossing_a_weekend() {
        let cal = WorkCalendar::default();
        assert_eq!(
            cal.add(vn(2026, 3, 6, 15, 0), b("3h")),
            Ok(vn(2026, 3, 9, 9, 0))
        );
        assert_eq!(
            cal.add(vn(2026, 3, 6, 10, 0), b("2d")),
            Ok(vn(2026, 3, 10, 10, 0))
        );
        assert_eq!(
            cal.add(vn(2026, 3, 6, 16, 30), b("7.5h")),
            Ok(vn(2026, 3, 9, 16, 30))
        );
    }

    #[test]
    fn budget_crossing_tet_2026() {
        let cal = vn_calendar();
        // Fri 13/2 16:00 + 1h: 30 min on Friday, Tết 16–20/2, weekends → Mon 23/2.
        assert_eq!(
            cal.add(vn(2026, 2, 13, 16, 0), b("1h")),
            Ok(vn(2026, 2, 23, 8, 0))
        );
        assert_eq!(
            cal.add(vn(2026, 2, 13, 10, 0), b("1d")),
            Ok(vn(2026, 2, 23, 10, 0))
        );
        assert_eq!(
            cal.add(vn(2026, 2, 12, 10, 0), b("2d")),
            Ok(vn(2026, 2, 23, 10, 0))
        );
        // New Year 2026: 1/1 holiday, 2/1 bridge day, weekend.
        assert_eq!(
            cal.add(vn(2025, 12, 31, 16, 0), b("1h")),
            Ok(vn(2026, 1, 5, 8, 0))
        );
        // National Day 2026: 31/8–2/9 off, Sat 22/8 worked.
        assert_eq!(
            cal.add(vn(2026, 8, 28, 16, 0), b("1h")),
            Ok(vn(2026, 9, 3, 8, 0))
        );
        assert_eq!(
            cal.add(vn(2026, 8, 21, 16, 0), b("1h")),
            Ok(vn(2026, 8, 22, 8, 0))
        );
    }

    #[test]
    fn starting_outside_office_hours() {
        let cal = WorkCalendar::default();
        let cases = [
            (vn(2026, 3, 2, 6, 0), "1h", vn(2026, 3, 2, 8, 30)),
            (vn(2026, 3, 2, 12, 0), "1h", vn(2026, 3, 2, 14, 0)),
            (vn(2026, 3, 2, 20, 0), "1h", vn(2026, 3, 3, 8, 30)),
            (vn(2026, 3, 8, 10, 0), "1h", vn(2026, 3, 9, 8, 30)), // Sunday
            (vn(2026, 3, 2, 6, 0), "1d", vn(2026, 3, 2, 16, 30)),
            (vn(2026, 3, 2, 12, 0), "1d", vn(2026, 3, 3, 11, 30)),
            (vn(2026, 3, 2, 20, 0), "1d", vn(2026, 3, 3, 16, 30)),
            (vn(2026, 3, 8, 10, 0), "1d", vn(2026, 3, 9, 16, 30)),
            (vn(2026, 3, 8, 10, 0), "2d", vn(2026, 3, 10, 16, 30)),
            (vn(2026, 3, 8, 10, 0), "0.5d", vn(2026, 3, 9, 11, 15)),
            (vn(2026, 3, 2, 20, 0), "1d 1h", vn(2026, 3, 4, 8, 30)),
        ];
        for (from, budget, expected) in cases {
            assert_eq!(cal.add(from, b(budget)), Ok(expected), "{from} + {budget}");
        }
    }

    #[test]
    fn day_budgets_keep_the_position_and_clamp_on_shorter_days() {
        // Make-up days work mornings only.
        let cal = calendar_with(&[], &[date(2026, 3, 7)])
            .with_makeup_hours(vec![Period::hm(7, 30, 11, 30).unwrap()])
            .unwrap();
        assert_eq!(cal.office_minutes_on(date(2026, 3, 7)), 240);
        // Friday 16:00 (position 7h) → Saturday clamped to its end, 11:30.
        assert_eq!(
            cal.add(vn(2026, 3, 6, 16, 0), b("1d")),
            Ok(vn(2026, 3, 7, 11, 30))
        );
        // Friday 09:00 (position 1h30) → Saturday 09:00 → Monday 09:00.
        assert_eq!(
            cal.add(vn(2026, 3, 6, 9, 0), b("1d")),
            Ok(vn(2026, 3, 7, 9, 0))
        );
        assert_eq!(
            cal.add(vn(2026, 3, 6, 9, 0), b("2d")),
            Ok(vn(2026, 3, 9, 9, 0))
        );
        // Half of Saturday's 4 hours from its start.
        assert_eq!(
            cal.add(vn(2026, 3, 7, 7, 30), b("0.5d")),
            Ok(vn(2026, 3, 7, 9, 30))
        );
        // Start of Saturday + 1d = the whole (short) Saturday.
        assert_eq!(
            cal.add(vn(2026, 3, 7, 6, 0), b("1d")),
            Ok(vn(2026, 3, 7, 11, 30))
        );
    }

    #[test]
    fn add_working_time_rejects_non_positive_durations() {
        let cal = WorkCalendar::default();
        assert!(matches!(
            cal.add_working_time(vn(2026, 3, 2, 8, 0), TimeDelta::zero()),
            Err(CalendarError::NonPositiveDuration(_))
        ));
        assert_eq!(
            cal.add_working_time(vn(2026, 3, 2, 8, 0), TimeDelta::seconds(90)),
            Ok(vn(2026, 3, 2, 8, 0) + TimeDelta::seconds(90))
        );
    }

    // ---- between --------------------------------------------------------

    #[test]
    fn between_across_lunch_weekend_and_holidays() {
        let cal = vn_calendar();
        assert_eq!(
            cal.between(vn(2026, 3, 2, 11, 0), vn(2026, 3, 2, 13, 30)),
            mins(60)
        );
        assert_eq!(
            cal.between(vn(2026, 3, 6, 16, 0), vn(2026, 3, 9, 8, 0)),
            mins(60)
        );
        // Across Tết 2026: Fri 13/2 16:00 → Mon 23/2 08:00.
        assert_eq!(
            cal.between(vn(2026, 2, 13, 16, 0), vn(2026, 2, 23, 8, 0)),
            mins(60)
        );
        // A whole ordinary week.
        assert_eq!(
            cal.between(vn(2026, 3, 2, 0, 0), vn(2026, 3, 9, 0, 0)),
            mins(5 * 450)
        );
        // The Tết week has no office time; the make-up Saturday has a full day.
        assert_eq!(
            cal.between(vn(2026, 2, 14, 0, 0), vn(2026, 2, 23, 0, 0)),
            TimeDelta::zero()
        );
        assert_eq!(
            cal.between(vn(2026, 1, 10, 0, 0), vn(2026, 1, 11, 0, 0)),
            mins(450)
        );
        // Outside hours on both ends, reversed and equal instants.
        assert_eq!(
            cal.between(vn(2026, 3, 2, 20, 0), vn(2026, 3, 3, 6, 0)),
            TimeDelta::zero()
        );
        let t = vn(2026, 3, 2, 9, 0);
        assert_eq!(cal.between(t, t), TimeDelta::zero());
        assert_eq!(cal.between(t, vn(2026, 3, 2, 8, 0)), TimeDelta::zero());
    }

    // ---- no working time ----------------------------------------------------

    #[test]
    fn calendar_without_working_time_fails_quickly() {
        let cal = empty_calendar();
        let started = std::time::Instant::now();
        let err = cal.add(vn(2026, 3, 2, 9, 0), b("1h")).unwrap_err();
        assert!(matches!(
            err,
            CalendarError::NoWorkingTime {
                days: MAX_EMPTY_SCAN_DAYS,
                ..
            }
        ));
        assert!(err.to_string().contains("no working time"), "{err}");
        assert!(cal.add(vn(2026, 3, 2, 9, 0), b("1d")).is_err());
        assert!(cal.add(vn(2026, 3, 2, 9, 0), b("0.5d")).is_err());
        assert!(cal.next_working_start(vn(2026, 3, 2, 9, 0)).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(
            cal.between(vn(2026, 1, 1, 0, 0), vn(2027, 1, 1, 0, 0)),
            TimeDelta::zero()
        );
        assert!(!cal.is_working_time(vn(2026, 3, 2, 9, 0)));

        // Only make-up days: their hours default to Monday's, here empty.
        let only = WorkCalendar::new(
            chrono_tz::Asia::Ho_Chi_Minh,
            Default::default(),
            BTreeSet::new(),
            [date(2026, 3, 7)].into(),
        )
        .unwrap();
        assert_eq!(only.office_minutes_on(date(2026, 3, 7)), 0);
        assert!(only.add(vn(2026, 3, 2, 9, 0), b("1h")).is_err());
        // With make-up hours they are usable until they run out.
        let only = only
            .with_makeup_hours(vec![Period::hm(7, 30, 16, 30).unwrap()])
            .unwrap();
        assert_eq!(
            only.add(vn(2026, 3, 2, 9, 0), b("1h")),
            Ok(vn(2026, 3, 7, 8, 30))
        );
        assert!(only.add(vn(2026, 3, 8, 9, 0), b("1h")).is_err());
    }

    #[test]
    fn extreme_instants_are_out_of_range_not_panics() {
        let cal = WorkCalendar::default();
        for t in [DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC] {
            assert_eq!(cal.add(t, b("1h")), Err(CalendarError::OutOfRange));
            assert_eq!(cal.add(t, b("1d")), Err(CalendarError::OutOfRange));
            assert_eq!(cal.next_working_start(t), Err(CalendarError::OutOfRange));
            assert!(!cal.is_working_time(t));
        }
        // Fri 9999-12-31 07:00 in Hanoi is office time; 17:00 is not, and the
        // next working day would be in year 10000.
        let last_morning = Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).unwrap();
        assert!(cal.add(last_morning, b("1h")).is_ok());
        let last_evening = Utc.with_ymd_and_hms(9999, 12, 31, 10, 0, 0).unwrap();
        assert_eq!(
            cal.add(last_evening, b("1h")),
            Err(CalendarError::OutOfRange)
        );
        // `between` clamps to the supported range (0001-01-01 00:00 UTC is
        // Monday 07:00 in Hanoi; 9999-12-31 00:00 UTC is Friday 07:00).
        let first_day_end = Utc.with_ymd_and_hms(1, 1, 2, 0, 0, 0).unwrap();
        assert_eq!(
            cal.between(DateTime::<Utc>::MIN_UTC, first_day_end),
            mins(450)
        );
        let last_days = Utc.with_ymd_and_hms(9999, 12, 30, 0, 0, 0).unwrap();
        assert_eq!(cal.between(last_days, DateTime::<Utc>::MAX_UTC), mins(450));
    }

    // ---- time zones with daylight saving time ---------------------------

    #[test]
    fn daylight_saving_days_count_elapsed_time() {
        let p = Period::hm(1, 0, 4, 0).unwrap();
        let week: [Vec<Period>; 7] = std::array::from_fn(|_| vec![p]);
        let cal = WorkCalendar::new(
            chrono_tz::Europe::Berlin,
            week,
            BTreeSet::new(),
            BTreeSet::new(),
        )
        .unwrap();
        // 2026-03-29: 02:00 → 03:00; 2026-10-25: 03:00 → 02:00.
        assert_eq!(cal.office_minutes_on(date(2026, 3, 29)), 120);
        assert_eq!(cal.office_minutes_on(date(2026, 10, 25)), 240);
        assert_eq!(cal.office_minutes_on(date(2026, 6, 1)), 180);
        for day in [date(2026, 3, 29), date(2026, 10, 25)] {
            let (start, end) = cal.day_bounds(day).unwrap();
            let t = start + TimeDelta::minutes(10);
            for m in [1, 60, 100, 200, 500] {
                let r = cal.add(t, Budget::from_minutes(m).unwrap()).unwrap();
                assert_eq!(cal.between(t, r), mins(i64::from(m)));
            }
            assert_eq!(cal.between(start, end), cal.office_time_on(day));
        }
        // Periods starting inside the spring-forward gap / the repeated hour.
        let p = Period::hm(2, 15, 3, 30).unwrap();
        let week: [Vec<Period>; 7] = std::array::from_fn(|_| vec![p]);
        let cal = WorkCalendar::new(
            chrono_tz::Europe::Berlin,
            week,
            BTreeSet::new(),
            BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(cal.office_minutes_on(date(2026, 3, 29)), 15);
        assert_eq!(cal.office_minutes_on(date(2026, 10, 25)), 135);
        let t = cal.day_bounds(date(2026, 3, 28)).unwrap().0;
        let r = cal.add(t, b("100m")).unwrap();
        assert_eq!(cal.between(t, r), mins(100));
    }

    // ---- shipped holiday data ------------------------------------------------

    #[test]
    fn holiday_file_is_consistent() {
        let (holidays, makeups) = toml_dates();
        assert_eq!(holidays.len(), 28);
        assert_eq!(makeups.len(), 2);
        assert!(holidays.is_disjoint(&makeups));
        assert!(makeups.iter().all(|d| d.weekday() == Weekday::Sat));
        for y in [2026, 2027] {
            assert!(holidays.contains(&date(y, 1, 1)));
            assert!(holidays.contains(&date(y, 4, 30)));
            assert!(holidays.contains(&date(y, 9, 2)));
        }
        assert!(holidays.contains(&date(2027, 2, 6))); // mùng 1 Tết Đinh Mùi
        // Weekdays off: 2026: 1/1, 2/1, 5 Tết, 27/4, 30/4, 1/5, 31/8, 1/9,
        // 2/9 = 13 (11 paid holidays + 2 swapped with make-up Saturdays);
        // 2027: 1/1, 5 Tết, 16/4, 30/4, 3/5, 2/9, 3/9 = 11.
        let weekdays = |y| {
            holidays
                .iter()
                .filter(|d| d.year() == y && d.weekday().num_days_from_monday() < 5)
                .count()
        };
        assert_eq!(weekdays(2026), 13);
        assert_eq!(weekdays(2027), 11);
    }

    // ---- properties ------------------------------------------------------

    fn instant_2026_2027() -> impl Strategy<Value = DateTime<Utc>> {
        let start = vn(2026, 1, 1, 0, 0).timestamp();
        let end = vn(2028, 1, 1, 0, 0).timestamp();
        (start..end).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn between_inverts_add_for_minutes(t in instant_2026_2027(), m in 1u32..=20_000) {
            let cal = vn_calendar();
            let end = cal.add(t, Budget::from_minutes(m).unwrap()).unwrap();
            prop_assert!(end > t);
            prop_assert_eq!(cal.between(t, end), mins(i64::from(m)));
            prop_assert!(cal.is_working_time(end - TimeDelta::nanoseconds(1)));
        }

        #[test]
        fn add_is_monotonic(t in instant_2026_2027(), m1 in 1u32..=20_000, m2 in 1u32..=20_000) {
            let cal = vn_calendar();
            let (lo, hi) = (m1.min(m2), m1.max(m2));
            let a = cal.add(t, Budget::from_minutes(lo).unwrap()).unwrap();
            let z = cal.add(t, Budget::from_minutes(hi).unwrap()).unwrap();
            prop_assert!(a <= z);
            if lo < hi {
                prop_assert!(a < z);
            }
        }

        #[test]
        fn day_budgets_equal_hours_when_days_are_equal(
            t in instant_2026_2027(),
            thousandths in 1u32..=20_000,
        ) {
            // Every working day of the VN calendar has 450 minutes.
            let cal = vn_calendar();
            let days = cal.add(t, Budget::new(thousandths, 0).unwrap()).unwrap();
            let expected_ms = 27_000 * i64::from(thousandths); // 450 min × days
            prop_assert_eq!(cal.between(t, days), TimeDelta::milliseconds(expected_ms));
            let same = cal.add_working_time(t, TimeDelta::milliseconds(expected_ms)).unwrap();
            prop_assert_eq!(days, same);
            let fewer = cal.add(t, Budget::new(thousandths.max(2) - 1, 0).unwrap()).unwrap();
            prop_assert!(fewer <= days);
        }

        #[test]
        fn budget_display_parse_round_trip(days in 0u32..=10_000_000, minutes in 0u32..=6_000_000) {
            prop_assume!(days > 0 || minutes > 0);
            let budget = Budget::new(days, minutes).unwrap();
            let text = budget.to_string();
            prop_assert_eq!(text.parse::<Budget>(), Ok(budget));
            prop_assert_eq!(Budget::try_from(text.clone()).unwrap().to_string(), text);
        }

        #[test]
        fn budget_parse_accepts_number_unit_text(value in 1u32..=10_000, unit in prop::sample::select(vec!['m', 'h', 'd'])) {
            let text = format!("{value}{unit}");
            let budget: Budget = text.parse().unwrap_or_else(|e| panic!("{e}"));
            match unit {
                'm' => prop_assert_eq!(budget.minutes_part(), value),
                'h' => prop_assert_eq!(budget.minutes_part(), value * 60),
                _ => prop_assert_eq!(budget.whole_days(), value),
            }
        }
    }
}
