//! Reports for the leaders (issue 13, seeds 003 and 004): one period — an ISO week, a
//! month, a quarter or a range of days, in the organisation's time zone — and the figures
//! over it, each beside the previous period's.
//!
//! Pure: the period's rules and the tally over ticket facts (read by the store) and
//! timelines; no SQL, no terminal. The SLA clocks are those of [`crate::domain::sla`].
//!
//! What each figure counts (the definitions the tests check with their own SQL):
//! - *received*: requests whose arrival (`created_at`) lies in the period;
//! - *resolved*: requests whose `resolved_at` lies in the period;
//! - *open at the end*: requests that arrived before the period's end and were neither
//!   resolved nor closed (cancelled) before it — by their current `resolved_at` and
//!   `closed_at`, so a reopened request counts as open from its arrival;
//! - *backlog trend*: the same "open" count at the end of each day of the period;
//! - breakdowns and the cross table count received requests (and, per value, resolved and
//!   open at the end);
//! - SLA per kind and priority, consultation figures, escalations and top problems are over
//!   the requests received in the period.

use crate::domain::calendar::WorkCalendar;
use crate::domain::org::Organisation;
use crate::domain::sla;
use crate::domain::status::Status;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;

/// How many entries the "top recurring problems" lists keep.
pub const TOP: usize = 10;

/// Why a period cannot be reported on. Each names the option and the form it takes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// `--week` is not `YYYY-Www` (ISO week, 01–53 as the year has).
    #[error("--week {value}: write an ISO week as YYYY-Www, e.g. 2026-W48")]
    BadWeek { value: String },
    /// `--month` is not `YYYY-MM`.
    #[error("--month {value}: write a month as YYYY-MM, e.g. 2026-11")]
    BadMonth { value: String },
    /// `--quarter` is not `YYYY-Qn`.
    #[error("--quarter {value}: write a quarter as YYYY-Qn, e.g. 2026-Q4")]
    BadQuarter { value: String },
    /// `--from`/`--to` is empty or not a date.
    #[error("--{flag} {value}: write a day as YYYY-MM-DD, e.g. 2026-11-30")]
    BadDay { flag: &'static str, value: String },
    /// `--to` before `--from`.
    #[error("--to {to} is before --from {from}: swap them")]
    Reversed { from: NaiveDate, to: NaiveDate },
    /// No period (or only one end of a range) was given.
    #[error("no period: give --week, --month, --quarter, or --from and --to")]
    Missing,
    /// The period lies outside the calendar hotro counts in.
    #[error("{label}: out of range, give a period between years 1 and 9999")]
    OutOfRange { label: String },
}

/// The shape of a period: what "the previous period" is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Week,
    Month,
    Quarter,
    /// `--from D --to D`: the previous period is the same number of days just before.
    Range,
}

/// One report period: local days `first..=last` of the organisation (seed 003: weekly,
/// monthly and quarterly reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReportPeriod {
    pub kind: PeriodKind,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn month_end(first: NaiveDate, months: u32) -> Option<NaiveDate> {
    first.checked_add_months(Months::new(months))?.pred_opt()
}

impl ReportPeriod {
    /// An ISO week, `2026-W48` (Monday to Sunday). Errors: [`PeriodError::BadWeek`].
    pub fn week(text: &str) -> Result<Self, PeriodError> {
        let bad = || PeriodError::BadWeek {
            value: text.to_string(),
        };
        let (y, w) = text.trim().split_once(['W', 'w']).ok_or_else(bad)?;
        let y: i32 = y.trim_end_matches('-').parse().map_err(|_| bad())?;
        let w: u32 = w.parse().map_err(|_| bad())?;
        let first = NaiveDate::from_isoywd_opt(y, w, chrono::Weekday::Mon).ok_or_else(bad)?;
        let last = first.checked_add_days(Days::new(6)).ok_or_else(bad)?;
        Ok(Self {
            kind: PeriodKind::Week,
            first,
            last,
        })
    }

    /// A calendar month, `2026-11`. Errors: [`PeriodError::BadMonth`].
    pub fn month(text: &str) -> Result<Self, PeriodError> {
        let bad = || PeriodError::BadMonth {
            value: text.to_string(),
        };
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        let first = ymd(
            y.parse().map_err(|_| bad())?,
            m.parse().map_err(|_| bad())?,
            1,
        )
        .ok_or_else(bad)?;
        Ok(Self {
            kind: PeriodKind::Month,
            first,
            last: month_end(first, 1).ok_or_else(bad)?,
        })
    }

    /// A calendar quarter, `2026-Q4`. Errors: [`PeriodError::BadQuarter`].
    pub fn quarter(text: &str) -> Result<Self, PeriodError> {
        let bad = || PeriodError::BadQuarter {
            value: text.to_string(),
        };
        let (y, q) = text.trim().split_once(['Q', 'q']).ok_or_else(bad)?;
        let y: i32 = y.trim_end_matches('-').parse().map_err(|_| bad())?;
        let q: u32 = q.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&q) {
            return Err(bad());
        }
        let first = ymd(y, 3 * q - 2, 1).ok_or_else(bad)?;
        Ok(Self {
            kind: PeriodKind::Quarter,
            first,
            last: month_end(first, 3).ok_or_else(bad)?,
        })
    }

    /// Days `from..=to` (`--from`, `--to`, `YYYY-MM-DD`). Errors: [`PeriodError::BadDay`]
    /// for an empty or malformed day, [`PeriodError::Reversed`] when `to` is before `from`.
    pub fn range(from: &str, to: &str) -> Result<Self, PeriodError> {
        let day = |flag: &'static str, v: &str| {
            NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| PeriodError::BadDay {
                flag,
                value: v.to_string(),
            })
        };
        let (first, last) = (day("from", from)?, day("to", to)?);
        if last < first {
            return Err(PeriodError::Reversed {
                from: first,
                to: last,
            });
        }
        Ok(Self {
            kind: PeriodKind::Range,
            first,
            last,
        })
    }

    /// The period from the options of `hotro report`: exactly one of week, month, quarter
    /// or a from–to pair. Errors: [`PeriodError::Missing`] and those of each form.
    pub fn from_options(
        week: Option<&str>,
        month: Option<&str>,
        quarter: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Self, PeriodError> {
        match (week, month, quarter, from, to) {
            (Some(w), ..) => Self::week(w),
            (_, Some(m), ..) => Self::month(m),
            (_, _, Some(q), ..) => Self::quarter(q),
            (_, _, _, Some(f), Some(t)) => Self::range(f, t),
            _ => Err(PeriodError::Missing),
        }
    }

    /// The period just before, of the same shape (the week, month or quarter before; for a
    /// range, as many days ending the day before). `None` only before the calendar's start.
    pub fn previous(&self) -> Option<Self> {
        let (first, last) = match self.kind {
            PeriodKind::Week => (
                self.first.checked_sub_days(Days::new(7))?,
                self.last.checked_sub_days(Days::new(7))?,
            ),
            PeriodKind::Month | PeriodKind::Quarter => {
                let n = if self.kind == PeriodKind::Month { 1 } else { 3 };
                let first = self.first.checked_sub_months(Months::new(n))?;
                (first, self.first.pred_opt()?)
            }
            PeriodKind::Range => {
                let len = self.days();
                let last = self.first.pred_opt()?;
                (last.checked_sub_days(Days::new(len - 1))?, last)
            }
        };
        Some(Self {
            kind: self.kind,
            first,
            last,
        })
    }

    /// The period of `kind` that holds `day` (a range is taken as a month): what the
    /// console opens on and steps to. `None` out of the calendar's range.
    pub fn containing(kind: PeriodKind, day: NaiveDate) -> Option<Self> {
        let parsed = match kind {
            PeriodKind::Week => {
                let w = day.iso_week();
                Self::week(&format!("{}-W{:02}", w.year(), w.week()))
            }
            PeriodKind::Quarter => {
                Self::quarter(&format!("{}-Q{}", day.year(), day.month0() / 3 + 1))
            }
            PeriodKind::Month | PeriodKind::Range => {
                Self::month(&format!("{}-{:02}", day.year(), day.month()))
            }
        };
        parsed.ok()
    }

    /// The period after this one, of the same shape (a range: the same number of days
    /// after it). `None` out of the calendar's range.
    pub fn next(&self) -> Option<Self> {
        match self.kind {
            PeriodKind::Range => {
                let first = self.last.succ_opt()?;
                Some(Self {
                    kind: self.kind,
                    first,
                    last: first.checked_add_days(Days::new(self.days() - 1))?,
                })
            }
            PeriodKind::Week => Self::containing(self.kind, self.last.succ_opt()?),
            PeriodKind::Month => {
                Self::containing(self.kind, self.first.checked_add_months(Months::new(1))?)
            }
            PeriodKind::Quarter => {
                Self::containing(self.kind, self.first.checked_add_months(Months::new(3))?)
            }
        }
    }

    /// Its number of days (at least 1).
    pub fn days(&self) -> u64 {
        (self.last - self.first).num_days().unsigned_abs() + 1
    }

    /// Each day of the period, in order.
    pub fn each_day(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.first.iter_days().take_while(|d| *d <= self.last)
    }

    /// Its label: `2026-W48`, `2026-11`, `2026-Q4` or `2026-11-01..2026-11-30`.
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Week => {
                let w = self.first.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            PeriodKind::Month => self.first.format("%Y-%m").to_string(),
            PeriodKind::Quarter => {
                format!("{}-Q{}", self.first.year(), self.first.month0() / 3 + 1)
            }
            PeriodKind::Range => format!("{}..{}", self.first, self.last),
        }
    }

    /// The instants it spans: local midnight starting `first` up to (excluded) local
    /// midnight starting the day after `last`. `None` for a day with no midnight at all.
    pub fn bounds(&self, tz: Tz) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        Some((
            day_start(tz, self.first)?,
            day_start(tz, self.last.succ_opt()?)?,
        ))
    }
}

/// The first instant of a local day (its midnight, or the first instant after a gap).
pub fn day_start(tz: Tz, day: NaiveDate) -> Option<DateTime<Utc>> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(midnight + chrono::TimeDelta::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

/// What a report can be broken down by (seed 003: by unit, application, category, group
/// and tier; also kind and channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Unit,
    Application,
    Category,
    Kind,
    Channel,
    Group,
    Tier,
}

impl Dimension {
    /// Every dimension, in the order reports show them.
    pub const ALL: [Dimension; 7] = [
        Dimension::Unit,
        Dimension::Application,
        Dimension::Category,
        Dimension::Kind,
        Dimension::Channel,
        Dimension::Group,
        Dimension::Tier,
    ];

    /// Its name on the command line and in exports (`unit`, `application`, …).
    pub fn id(self) -> &'static str {
        match self {
            Dimension::Unit => "unit",
            Dimension::Application => "application",
            Dimension::Category => "category",
            Dimension::Kind => "kind",
            Dimension::Channel => "channel",
            Dimension::Group => "group",
            Dimension::Tier => "tier",
        }
    }

    /// The dimension named `id` (as [`Dimension::id`]).
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.id() == id.trim())
    }

    /// The ticket's value along this dimension; `""` for none.
    pub fn of(self, f: &Facts) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Dimension::Unit => Cow::Borrowed(f.unit.as_deref().unwrap_or_default()),
            Dimension::Application => Cow::Borrowed(f.application.as_deref().unwrap_or_default()),
            Dimension::Category => Cow::Borrowed(f.category.as_deref().unwrap_or_default()),
            Dimension::Kind => Cow::Borrowed(&f.kind),
            Dimension::Channel => Cow::Borrowed(&f.channel),
            Dimension::Group => Cow::Borrowed(&f.group),
            // Tiers are small numbers: their text without an allocation per ticket.
            Dimension::Tier => match TIER_TEXT.get(usize::from(f.tier)) {
                Some(text) => Cow::Borrowed(text),
                None => Cow::Owned(f.tier.to_string()),
            },
        }
    }
}

/// The text of tiers 0–9 (see [`Dimension::of`]).
const TIER_TEXT: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// A shared piece of text: the store reads each distinct unit, application, category, …
/// once per report and shares it among the hundreds of thousands of tickets that carry it.
pub type Text = std::rc::Rc<str>;

/// What the tally needs of one ticket (read by the store for every ticket in play during a
/// report's window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub kind: Text,
    pub priority: Text,
    pub unit: Option<Text>,
    pub application: Option<Text>,
    pub category: Option<Text>,
    pub channel: Text,
    pub group: Text,
    pub tier: u8,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Facts {
    /// When the desk's work on it ended (resolved, or closed/cancelled without resolving).
    fn finished_at(&self) -> Option<DateTime<Utc>> {
        match (self.resolved_at, self.closed_at) {
            (Some(r), Some(c)) => Some(r.min(c)),
            (r, c) => r.or(c),
        }
    }

    /// Whether it was open at `t`: arrived before and not finished before.
    pub fn open_at(&self, t: DateTime<Utc>) -> bool {
        self.created_at < t && self.finished_at().is_none_or(|f| f >= t)
    }
}

/// Received, resolved and open at the end, for a period or one value of a breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Counts {
    pub received: u64,
    pub resolved: u64,
    pub open_at_end: u64,
}

/// One value of a breakdown with its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The value (unit code, application code, …; `""` for none).
    pub value: String,
    pub counts: Counts,
}

/// A breakdown: one row per value seen, most received first, then by value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    pub by: Dimension,
    pub rows: Vec<Row>,
}

/// Received requests counted along two dimensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrossTable {
    pub rows_by: Dimension,
    pub columns_by: Dimension,
    /// Row values, most received first.
    pub rows: Vec<String>,
    /// Column values, most received first.
    pub columns: Vec<String>,
    /// `cells[r][c]`: requests with row value `rows[r]` and column value `columns[c]`.
    pub cells: Vec<Vec<u64>>,
}

/// First response and resolution within target for one kind and priority: each request's
/// [`crate::domain::sla::SlaOutcome`] (a clock met when it stopped within its budget; a
/// running or breached one is a target not met).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaRow {
    pub kind: String,
    pub priority: String,
    pub tickets: u64,
    pub first_response_targets: u64,
    pub first_response_met: u64,
    pub resolution_targets: u64,
    pub resolution_met: u64,
}

/// Seed 004's consultation figures: "answered within 2 hours; 100 % responded and closed
/// the same day" (working time, [`crate::domain::sla::consultation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Consultation {
    pub tickets: u64,
    pub answered_within_2h: u64,
    pub responded_same_day: u64,
    pub closed_same_day: u64,
}

/// Escalations of the requests received in the period: each escalation counted once, by
/// the tier it went to, and those to external groups (vendors) by group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Escalations {
    pub total: u64,
    pub by_tier: BTreeMap<u8, u64>,
    pub to_vendors: BTreeMap<String, u64>,
}

/// Every figure of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub period: ReportPeriod,
    pub counts: Counts,
    /// Open at the end of each day.
    pub backlog: Vec<(NaiveDate, u64)>,
    pub breakdowns: Vec<Breakdown>,
    pub cross: Option<CrossTable>,
    pub sla: Vec<SlaRow>,
    pub consultation: Consultation,
    pub escalations: Escalations,
    /// Categories with the most received requests (at most [`TOP`]; none left out).
    pub top_categories: Vec<(String, u64)>,
    /// Articles linked to the most received requests (at most [`TOP`]).
    pub top_articles: Vec<(String, u64)>,
}

/// A report: the period's figures beside the previous period's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub current: Figures,
    pub previous: Figures,
    /// The group whose figures come first (a lead's own group), if any.
    pub group_first: Option<String>,
}

/// What the SLA, consultation and escalation figures need of one request received in the
/// period: read by the store without its timeline, the clocks' outcome as stored at its last
/// write (schema 11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub key: String,
    pub kind: Text,
    pub priority: Text,
    pub created_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// `None` when it was not stored (a ticket untouched since before schema 11): the
    /// application layer computes it from the timeline before the tally.
    pub sla: Option<sla::SlaOutcome>,
}

/// What [`tally`] needs besides the facts.
pub struct TallyInput<'a> {
    pub period: ReportPeriod,
    pub tz: Tz,
    /// Tickets in play during the period: arrived before its end and not finished before
    /// its start (more may be given; they are left out).
    pub facts: &'a [Facts],
    /// The requests received in the period (SLA, consultations), each with its clocks'
    /// outcome.
    pub received: &'a [Received],
    /// The escalations of those requests: (tier, group) each went to.
    pub escalated: &'a [(u8, String)],
    /// Articles linked to received requests: (article ref, number of requests).
    pub articles: Vec<(String, u64)>,
    pub cross: Option<(Dimension, Dimension)>,
}

fn sorted_counts(map: BTreeMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<_> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The figures of one period (see the module's definitions). `None` when the period has no
/// instants in the time zone.
pub fn tally(input: TallyInput<'_>, org: &Organisation) -> Option<Figures> {
    let (a, b) = input.period.bounds(input.tz)?;
    let within = |t: Option<DateTime<Utc>>| t.is_some_and(|t| a <= t && t < b);
    // Each fact's three flags once: received in, resolved in, open at the end of the period.
    let flags: Vec<Counts> = input
        .facts
        .iter()
        .map(|f| Counts {
            received: u64::from(within(Some(f.created_at))),
            resolved: u64::from(within(f.resolved_at)),
            open_at_end: u64::from(f.open_at(b)),
        })
        .collect();
    let add = |c: &mut Counts, x: &Counts| {
        c.received += x.received;
        c.resolved += x.resolved;
        c.open_at_end += x.open_at_end;
    };
    let mut counts = Counts::default();
    flags.iter().for_each(|x| add(&mut counts, x));
    // Open at the end of each day: arrived before it, less finished before it (both
    // sorted once, then counted by binary search).
    let mut arrived: Vec<DateTime<Utc>> = input.facts.iter().map(|f| f.created_at).collect();
    let mut finished: Vec<DateTime<Utc>> =
        input.facts.iter().filter_map(Facts::finished_at).collect();
    arrived.sort_unstable();
    finished.sort_unstable();
    let mut backlog = Vec::with_capacity(input.period.days() as usize);
    for day in input.period.each_day() {
        let end = day.succ_opt().and_then(|d| day_start(input.tz, d))?;
        let before = |v: &[DateTime<Utc>]| v.partition_point(|t| *t < end) as u64;
        backlog.push((day, before(&arrived) - before(&finished)));
    }
    let breakdowns = Dimension::ALL
        .into_iter()
        .map(|by| {
            // Fx hashing: a report over a national desk groups hundreds of thousands of
            // tickets seven times over (issue 13's goal: a month in under a second).
            let mut groups: rustc_hash::FxHashMap<std::borrow::Cow<'_, str>, Counts> =
                Default::default();
            for (f, x) in input.facts.iter().zip(&flags) {
                if *x != Counts::default() {
                    add(groups.entry(by.of(f)).or_default(), x);
                }
            }
            let mut rows: Vec<Row> = groups
                .into_iter()
                .map(|(value, counts)| Row {
                    value: value.to_string(),
                    counts,
                })
                .collect();
            rows.sort_by(|x, y| {
                y.counts
                    .received
                    .cmp(&x.counts.received)
                    .then_with(|| x.value.cmp(&y.value))
            });
            Breakdown { by, rows }
        })
        .collect::<Vec<_>>();
    let received: Vec<&Facts> = input
        .facts
        .iter()
        .filter(|f| within(Some(f.created_at)))
        .collect();
    let cross = input.cross.map(|(r, c)| cross_table(&received, r, c));
    let top_categories = sorted_counts(received.iter().filter_map(|f| f.category.as_deref()).fold(
        BTreeMap::new(),
        |mut m, c| {
            *m.entry(c.to_string()).or_default() += 1;
            m
        },
    ))
    .into_iter()
    .take(TOP)
    .collect();
    let mut articles = input.articles;
    articles.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    articles.truncate(TOP);
    Some(Figures {
        period: input.period,
        counts,
        backlog,
        breakdowns,
        cross,
        sla: sla_rows(input.received),
        consultation: consultations(input.received, &org.calendar),
        escalations: escalations(input.escalated, org),
        top_categories,
        top_articles: articles,
    })
}

fn cross_table(received: &[&Facts], rows_by: Dimension, columns_by: Dimension) -> CrossTable {
    let mut cells: BTreeMap<(String, String), u64> = BTreeMap::new();
    let (mut row_totals, mut col_totals) = (BTreeMap::new(), BTreeMap::new());
    for f in received {
        let (r, c) = (rows_by.of(f).into_owned(), columns_by.of(f).into_owned());
        *row_totals.entry(r.clone()).or_default() += 1;
        *col_totals.entry(c.clone()).or_default() += 1;
        *cells.entry((r, c)).or_default() += 1;
    }
    let rows: Vec<String> = sorted_counts(row_totals).into_iter().map(|x| x.0).collect();
    let columns: Vec<String> = sorted_counts(col_totals).into_iter().map(|x| x.0).collect();
    let grid = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| cells.get(&(r.clone(), c.clone())).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    CrossTable {
        rows_by,
        columns_by,
        rows,
        columns,
        cells: grid,
    }
}

/// First response and resolution within target per kind and priority, from each request's
/// [`sla::SlaOutcome`] (a request whose outcome is unknown counts with no target).
fn sla_rows(received: &[Received]) -> Vec<SlaRow> {
    let mut by: BTreeMap<(&str, &str), SlaRow> = BTreeMap::new();
    for r in received {
        let row = by.entry((&r.kind, &r.priority)).or_insert_with(|| SlaRow {
            kind: r.kind.to_string(),
            priority: r.priority.to_string(),
            tickets: 0,
            first_response_targets: 0,
            first_response_met: 0,
            resolution_targets: 0,
            resolution_met: 0,
        });
        let o = r.sla.unwrap_or_default();
        row.tickets += 1;
        row.first_response_targets += u64::from(o.first_response.is_some());
        row.first_response_met += u64::from(o.first_response == Some(true));
        row.resolution_targets += u64::from(o.resolution.is_some());
        row.resolution_met += u64::from(o.resolution == Some(true));
    }
    by.into_values().collect()
}

/// The ticket kind seed 004's consultation figures are about.
pub const CONSULTATION_KIND: &str = "consultation";

fn consultations(received: &[Received], cal: &WorkCalendar) -> Consultation {
    let mut c = Consultation::default();
    for r in received.iter().filter(|r| &*r.kind == CONSULTATION_KIND) {
        let s = sla::consultation_at(r.created_at, r.first_response_at, r.resolved_at, cal);
        c.tickets += 1;
        c.answered_within_2h += u64::from(s.answered_within_2h);
        c.responded_same_day += u64::from(s.responded_same_day);
        c.closed_same_day += u64::from(s.closed_same_day);
    }
    c
}

fn escalations(escalated: &[(u8, String)], org: &Organisation) -> Escalations {
    let mut e = Escalations::default();
    for (to_tier, to_group) in escalated {
        e.total += 1;
        *e.by_tier.entry(*to_tier).or_default() += 1;
        if org.group(to_group).is_some_and(|g| g.external) {
            *e.to_vendors.entry(to_group.clone()).or_default() += 1;
        }
    }
    e
}

/// One line of the user-error list (seed 003: errors caused by users, by unit, sent to the
/// provinces so they are not repeated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserError {
    pub unit: Option<String>,
    pub key: String,
    pub received_at: DateTime<Utc>,
    pub application: Option<String>,
    pub category: String,
    /// The problem as recorded (the ticket's title).
    pub problem: String,
    /// How it was solved (the resolution; `None` while unresolved).
    pub solution: Option<String>,
    /// Articles to read: (reference, title).
    pub articles: Vec<(String, String)>,
}

/// The categories whose tickets go on the user-error list (`user_caused = true` in the
/// configuration's `[[categories]]`).
pub fn user_caused_categories(org: &Organisation) -> Vec<String> {
    org.categories
        .iter()
        .filter(|c| c.user_caused)
        .map(|c| c.id.clone())
        .collect()
}

/// A lead sees their group's figures first: `group`'s row moves to the top of the group
/// breakdown (issue 13); the others keep their order.
pub fn put_group_first(f: &mut Figures, group: &str) {
    for b in f.breakdowns.iter_mut().filter(|b| b.by == Dimension::Group) {
        if let Some(i) = b.rows.iter().position(|r| r.value == group) {
            let row = b.rows.remove(i);
            b.rows.insert(0, row);
        }
    }
}

/// The user-error list ordered by unit (none last), then arrival, then key.
pub fn order_user_errors(list: &mut [UserError]) {
    list.sort_by(|a, b| {
        (a.unit.is_none(), &a.unit, a.received_at, &a.key).cmp(&(
            b.unit.is_none(),
            &b.unit,
            b.received_at,
            &b.key,
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn periods_hold_a_day_and_step_forward() {
        let label = |p: Option<ReportPeriod>| p.map(|p| p.label());
        let m = ReportPeriod::containing(PeriodKind::Month, d(2026, 11, 20));
        assert_eq!(label(m), Some("2026-11".into()));
        assert_eq!(label(m.and_then(|p| p.next())), Some("2026-12".into()));
        let w = ReportPeriod::containing(PeriodKind::Week, d(2026, 12, 31));
        assert_eq!(label(w), Some("2026-W53".into()));
        assert_eq!(label(w.and_then(|p| p.next())), Some("2027-W01".into()));
        let q = ReportPeriod::containing(PeriodKind::Quarter, d(2026, 11, 1));
        assert_eq!(label(q.and_then(|p| p.next())), Some("2027-Q1".into()));
        // A range steps by its own length, and previous() undoes next().
        let r = ReportPeriod::range("2026-11-02", "2026-11-08").ok();
        let after = r.and_then(|p| p.next());
        assert_eq!(
            after.map(|p| (p.first, p.last)),
            Some((d(2026, 11, 9), d(2026, 11, 15)))
        );
        assert_eq!(after.and_then(|p| p.previous()), r);
    }

    #[test]
    fn periods_parse_and_step_back() {
        let w = ReportPeriod::week("2026-W48").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((w.first, w.last), (d(2026, 11, 23), d(2026, 11, 29)));
        assert_eq!(w.label(), "2026-W48");
        let p = w.previous().unwrap_or(w);
        assert_eq!((p.first, p.last), (d(2026, 11, 16), d(2026, 11, 22)));
        let m = ReportPeriod::month("2026-03").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.last, d(2026, 3, 31));
        let p = m.previous().unwrap_or(m);
        assert_eq!((p.first, p.last), (d(2026, 2, 1), d(2026, 2, 28)));
        let q = ReportPeriod::quarter("2026-Q1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((q.first, q.last), (d(2026, 1, 1), d(2026, 3, 31)));
        let p = q.previous().unwrap_or(q);
        assert_eq!(
            (p.first, p.last, p.label()),
            (d(2025, 10, 1), d(2025, 12, 31), "2025-Q4".into())
        );
        let r = ReportPeriod::range("2026-11-10", "2026-11-12").unwrap_or_else(|e| panic!("{e}"));
        let p = r.previous().unwrap_or(r);
        assert_eq!((p.first, p.last), (d(2026, 11, 7), d(2026, 11, 9)));
    }

    #[test]
    fn a_reversed_empty_or_malformed_period_is_refused_naming_the_option() {
        assert!(matches!(
            ReportPeriod::range("2026-11-30", "2026-11-01"),
            Err(PeriodError::Reversed { .. })
        ));
        assert!(matches!(
            ReportPeriod::range("", "2026-11-01"),
            Err(PeriodError::BadDay { flag: "from", .. })
        ));
        assert!(ReportPeriod::week("2026-W54").is_err());
        assert!(ReportPeriod::month("2026-13").is_err());
        assert!(ReportPeriod::quarter("2026-Q5").is_err());
        assert_eq!(
            ReportPeriod::from_options(None, None, None, Some("2026-11-01"), None),
            Err(PeriodError::Missing)
        );
    }

    #[test]
    fn the_month_ends_at_local_midnight() {
        let m = ReportPeriod::month("2026-11").unwrap_or_else(|e| panic!("{e}"));
        let (a, b) = m.bounds(chrono_tz::Asia::Ho_Chi_Minh).unwrap_or_default();
        assert_eq!(a.to_rfc3339(), "2026-10-31T17:00:00+00:00");
        assert_eq!(b.to_rfc3339(), "2026-11-30T17:00:00+00:00");
    }
}
