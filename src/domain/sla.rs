//! SLA clocks, in working time: a first-response clock (only a public reply stops it; an
//! internal note does not) and a resolution clock that pauses while the ticket waits
//! (configurable waiting states) and while it is resolved, so reopening a ticket resumes its
//! clock where it stopped instead of breaching at once.
//!
//! Pure: the ticket, its timeline, the calendar, the targets and "now" in; the clocks out.

use crate::domain::calendar::{Budget, WorkCalendar};
use crate::domain::status::Status;
use crate::domain::ticket::{Event, EventKind, Ticket};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

/// Targets for tickets of one kind and priority; `None` matches any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub kind: Option<String>,
    pub priority: Option<String>,
    pub first_response: Option<Budget>,
    pub resolution: Option<Budget>,
}

/// When a rule fires: a running clock at risk (or already breached), or breached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleWhen {
    AtRisk,
    Breached,
}

/// Which clock a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleClock {
    FirstResponse,
    Resolution,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    /// An internal note to the group lead, with the lead's name and phone.
    NotifyLead,
    /// Urgency one level up (priority follows the matrix).
    RaisePriority,
    /// Up to the next tier, the reason saying why.
    Escalate,
    /// Not a `[[sla.rules]]` action: the configured auto-close (`sla.auto_close_after`)
    /// closed a ticket that stayed resolved without an answer, reported by the same tick.
    AutoClose,
}

/// "On at-risk or breach, notify the group lead, raise priority or escalate." Applied once
/// per ticket, rule and clock, whoever applies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub id: String,
    pub when: RuleWhen,
    pub clock: RuleClock,
    pub action: RuleAction,
    /// Only for tickets of these priorities (empty: all).
    pub priorities: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaSettings {
    pub targets: Vec<Target>,
    pub rules: Vec<Rule>,
    /// Share of a budget used from which a running clock is "at risk" (0.0–1.0).
    pub at_risk: f64,
    /// Statuses in which the resolution clock stands still (the desk waits on others).
    pub pause_in: Vec<Status>,
    /// Close a resolved ticket whose requester has not answered for this long (working
    /// time, e.g. `3d`); `None`: resolved tickets wait for the confirmation (issue 14).
    pub auto_close_after: Option<crate::domain::calendar::Budget>,
}

impl Default for SlaSettings {
    fn default() -> Self {
        SlaSettings {
            targets: Vec::new(),
            rules: Vec::new(),
            at_risk: 0.75,
            pause_in: vec![
                Status::WaitingRequester,
                Status::WaitingVendor,
                Status::WaitingApproval,
            ],
            auto_close_after: None,
        }
    }
}

impl SlaSettings {
    /// The most specific target for a kind and priority: kind and priority, then kind, then
    /// priority, then the catch-all.
    pub fn target(&self, kind: &str, priority: &str) -> Option<&Target> {
        let is = |v: &Option<String>, want: &str| v.as_deref() == Some(want);
        let any = |v: &Option<String>| v.is_none();
        self.targets
            .iter()
            .find(|t| is(&t.kind, kind) && is(&t.priority, priority))
            .or_else(|| {
                self.targets
                    .iter()
                    .find(|t| is(&t.kind, kind) && any(&t.priority))
            })
            .or_else(|| {
                self.targets
                    .iter()
                    .find(|t| any(&t.kind) && is(&t.priority, priority))
            })
            .or_else(|| {
                self.targets
                    .iter()
                    .find(|t| any(&t.kind) && any(&t.priority))
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Running, less than the at-risk share used.
    OnTrack,
    /// Running, at least the at-risk share used.
    AtRisk,
    /// Standing still (waiting, or resolved) with budget left.
    Paused,
    /// Stopped within its budget.
    Met,
    /// More than the budget used, running or stopped.
    Breached,
}

impl ClockState {
    /// Every state a clock can be in.
    pub const ALL: [ClockState; 5] = [
        ClockState::OnTrack,
        ClockState::AtRisk,
        ClockState::Paused,
        ClockState::Met,
        ClockState::Breached,
    ];
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clock {
    pub budget: String,
    pub budget_minutes: i64,
    /// Working time counted so far.
    pub used_minutes: i64,
    /// Budget minus used (negative once breached).
    pub remaining_minutes: i64,
    /// When the budget runs out if the clock keeps running, or for a running clock past its
    /// budget when it ran out (issue 14: a breached clock showed `due —`); none while paused
    /// or stopped.
    pub due: Option<DateTime<Utc>>,
    /// For a running clock, from when it is at risk (the at-risk share of its budget used):
    /// in the future while on track, `now` of the computation once at risk or breached.
    /// What the breached-and-at-risk queue compares with the time (issue 14).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_risk_from: Option<DateTime<Utc>>,
    pub state: ClockState,
    /// Still counting (not stopped by a reply or resolution, not paused).
    pub running: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SlaStatus {
    pub first_response: Option<Clock>,
    pub resolution: Option<Clock>,
}

/// What became of a ticket's two clocks, as the SLA figures count them: `None` when the
/// clock has no target (no budget for the ticket's kind and priority) or is not measured (a
/// cancelled request, unless answered — or resolved — before it was withdrawn), `Some(true)`
/// when it stopped within its budget (state [`ClockState::Met`]), `Some(false)` otherwise
/// (still running, or breached). A stopped clock's outcome no longer changes with time, so
/// it is kept with the ticket at every write (issue 13: the monthly report reads it instead
/// of replaying every timeline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SlaOutcome {
    pub first_response: Option<bool>,
    pub resolution: Option<bool>,
}

impl SlaStatus {
    /// The outcome of the two clocks of ticket `t` (see [`SlaOutcome`]): a cancellation
    /// stops the clocks without meeting them, so a withdrawn request is left out of the
    /// figures rather than counted within target.
    pub fn outcome(&self, t: &Ticket) -> SlaOutcome {
        let cancelled = t.status == Status::Cancelled;
        let met = |c: &Option<Clock>, done: bool| {
            c.as_ref()
                .filter(|_| done || !cancelled)
                .map(|c| c.state == ClockState::Met)
        };
        SlaOutcome {
            first_response: met(&self.first_response, t.first_response_at.is_some()),
            resolution: met(&self.resolution, t.resolved_at.is_some()),
        }
    }

    /// When the most urgent running clock runs out: its due time, or for a breached one the
    /// instant it ran out (counted back in wall time, close enough to order by). `None`
    /// while no clock runs.
    pub fn sort_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        [&self.first_response, &self.resolution]
            .into_iter()
            .flatten()
            .filter(|c| c.running)
            .map(|c| match c.due {
                Some(d) => d,
                None => now - TimeDelta::minutes(c.remaining_minutes.abs()),
            })
            .min()
    }

    /// From when the ticket needs attention: the earliest [`Clock::at_risk_from`] of its
    /// running clocks (`<= now` once at risk or breached). `None` while no clock runs.
    pub fn attention_from(&self) -> Option<DateTime<Utc>> {
        [&self.first_response, &self.resolution]
            .into_iter()
            .flatten()
            .filter(|c| c.running)
            .filter_map(|c| c.at_risk_from)
            .min()
    }

    /// The clock that matters most for a queue: the running one closest to its end.
    pub fn most_urgent(&self) -> Option<&Clock> {
        [&self.first_response, &self.resolution]
            .into_iter()
            .flatten()
            .filter(|c| !matches!(c.state, ClockState::Met))
            .min_by_key(|c| c.remaining_minutes)
    }
}

/// A stretch of time with the clock running or not.
struct Stretch {
    from: DateTime<Utc>,
    running: bool,
}

/// The resolution clock's stretches from the timeline: running from the start, standing
/// still in a pause status, resolved, closed or cancelled.
fn stretches(t: &Ticket, events: &[Event], settings: &SlaSettings) -> Vec<Stretch> {
    let stops = |s: Status| settings.pause_in.contains(&s) || !s.is_open();
    let mut out = vec![Stretch {
        from: t.created_at,
        running: true,
    }];
    for e in events {
        let to = match &e.kind {
            EventKind::StatusChanged { to, .. } => Some(*to),
            EventKind::Escalated { status, .. }
            | EventKind::RequesterReplied { status, .. }
            | EventKind::Returned { status, .. }
            | EventKind::StepCompleted { status, .. }
            | EventKind::StepReturned { status, .. } => *status,
            EventKind::Resolved { .. } => Some(Status::Resolved),
            EventKind::RequesterConfirmed { .. } | EventKind::AutoClosed { .. } => {
                Some(Status::Closed)
            }
            EventKind::Reopened { .. } | EventKind::ResolvedUpstream { .. } => {
                Some(Status::InProgress)
            }
            _ => None,
        };
        if let Some(to) = to {
            let running = !stops(to);
            if out.last().is_some_and(|s| s.running != running) {
                out.push(Stretch {
                    from: e.at.max(t.created_at),
                    running,
                });
            }
        }
    }
    out
}

/// Working time in `from..to` during which the ticket's clock was running (not waiting,
/// not resolved): what a step's clock counts.
pub fn running_between(
    t: &Ticket,
    events: &[Event],
    cal: &WorkCalendar,
    settings: &SlaSettings,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> TimeDelta {
    let parts = stretches(t, events, settings);
    let mut used = TimeDelta::zero();
    for (i, s) in parts.iter().enumerate() {
        if !s.running {
            continue;
        }
        let end = parts.get(i + 1).map(|n| n.from).unwrap_or(to).min(to);
        let start = s.from.max(from);
        if end > start {
            used += cal.between(start, end);
        }
    }
    used
}

fn minutes(d: TimeDelta) -> i64 {
    d.num_minutes()
}

fn clock(
    cal: &WorkCalendar,
    budget: Budget,
    start: DateTime<Utc>,
    used: TimeDelta,
    running: bool,
    now: DateTime<Utc>,
    at_risk: f64,
) -> Clock {
    // A day budget depends on the day it starts: measure it from the start.
    let total = cal
        .add(start, budget)
        .map(|end| cal.between(start, end))
        .unwrap_or_default();
    let remaining = total - used;
    // Only a running clock with budget left has a due time.
    let due = if running && remaining > TimeDelta::zero() {
        cal.add_working_time(now, remaining).ok()
    } else {
        None
    };
    let threshold = TimeDelta::seconds((total.num_seconds() as f64 * at_risk).ceil() as i64);
    let at_risk_from = if !running {
        None
    } else if used >= threshold {
        Some(now)
    } else {
        cal.add_working_time(now, threshold - used).ok()
    };
    let share = if total > TimeDelta::zero() {
        used.num_seconds() as f64 / total.num_seconds() as f64
    } else {
        1.0
    };
    let state = if used > total {
        ClockState::Breached
    } else if !running {
        ClockState::Paused
    } else if share >= at_risk {
        ClockState::AtRisk
    } else {
        ClockState::OnTrack
    };
    Clock {
        budget: budget.to_string(),
        budget_minutes: minutes(total),
        used_minutes: minutes(used),
        remaining_minutes: minutes(remaining),
        due,
        at_risk_from,
        state,
        running,
    }
}

/// When a running clock that has used its whole budget ran out: the instant the working
/// time counted over its running spans (`from..to`, in order) reached `budget_minutes`.
/// `None` if it has not (yet) or the calendar cannot say.
fn ran_out(
    cal: &WorkCalendar,
    spans: &[(DateTime<Utc>, DateTime<Utc>)],
    budget_minutes: i64,
) -> Option<DateTime<Utc>> {
    let total = TimeDelta::minutes(budget_minutes);
    let mut counted = TimeDelta::zero();
    for &(from, to) in spans {
        if to <= from {
            continue;
        }
        let span = cal.between(from, to);
        if counted + span >= total {
            return cal.add_working_time(from, total - counted).ok();
        }
        counted += span;
    }
    None
}

/// The ticket's clocks as of `now`.
pub fn compute(
    t: &Ticket,
    events: &[Event],
    cal: &WorkCalendar,
    settings: &SlaSettings,
    now: DateTime<Utc>,
) -> SlaStatus {
    let Some(target) = settings.target(&t.kind, &t.priority) else {
        return SlaStatus::default();
    };
    let first_response = target.first_response.map(|budget| {
        let stop = t.first_response_at;
        let end = stop.unwrap_or(now).max(t.created_at);
        let used = cal.between(t.created_at, end);
        let mut c = clock(
            cal,
            budget,
            t.created_at,
            used,
            stop.is_none() && t.status.is_open(),
            now,
            settings.at_risk,
        );
        if c.running && c.due.is_none() {
            c.due = ran_out(cal, &[(t.created_at, now)], c.budget_minutes);
        }
        if stop.is_some() && c.state != ClockState::Breached {
            c.state = ClockState::Met;
        }
        if stop.is_some() {
            c.running = false;
        }
        if stop.is_none() && !t.status.is_open() && c.state != ClockState::Breached {
            // Resolved without a public reply: the resolution told the requester.
            c.state = ClockState::Met;
        }
        c
    });
    let resolution = target.resolution.map(|budget| {
        let parts = stretches(t, events, settings);
        let mut used = TimeDelta::zero();
        for (i, s) in parts.iter().enumerate() {
            if !s.running {
                continue;
            }
            let end = parts.get(i + 1).map(|n| n.from).unwrap_or(now);
            if end > s.from {
                used += cal.between(s.from, end.min(now));
            }
        }
        let running = parts.last().is_some_and(|s| s.running);
        let mut c = clock(
            cal,
            budget,
            t.created_at,
            used,
            running,
            now,
            settings.at_risk,
        );
        if c.running && c.due.is_none() {
            let spans: Vec<_> = parts
                .iter()
                .enumerate()
                .filter(|(_, s)| s.running)
                .map(|(i, s)| (s.from, parts.get(i + 1).map(|n| n.from).unwrap_or(now)))
                .collect();
            c.due = ran_out(cal, &spans, c.budget_minutes);
        }
        if !t.status.is_open() && c.state != ClockState::Breached {
            c.state = ClockState::Met;
        }
        c
    });
    SlaStatus {
        first_response,
        resolution,
    }
}

/// The rules a ticket's clocks set off now: (rule, clock name). Only running clocks of open
/// tickets count; a breached clock sets off at-risk rules too (a tick may come late).
pub fn triggered<'r>(
    t: &Ticket,
    status: &SlaStatus,
    rules: &'r [Rule],
) -> Vec<(&'r Rule, &'static str)> {
    if !t.status.is_open() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for r in rules {
        if !r.priorities.is_empty() && !r.priorities.contains(&t.priority) {
            continue;
        }
        for (name, which, clock) in [
            (
                "first_response",
                RuleClock::FirstResponse,
                &status.first_response,
            ),
            ("resolution", RuleClock::Resolution, &status.resolution),
        ] {
            let Some(c) = clock else { continue };
            if !(r.clock == which || r.clock == RuleClock::Any) || !c.running {
                continue;
            }
            let fires = match r.when {
                RuleWhen::AtRisk => matches!(c.state, ClockState::AtRisk | ClockState::Breached),
                RuleWhen::Breached => c.state == ClockState::Breached,
            };
            if fires {
                out.push((r, name));
            }
        }
    }
    out
}

/// SLA figures over a set of tickets (`hotro report sla`).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Figures {
    pub tickets: usize,
    /// Tickets with a first-response target, and of those answered within it.
    pub first_response_targets: usize,
    pub first_response_met: usize,
    /// Answered (public reply) on the day the request arrived, local time.
    pub same_day_response: usize,
    /// Resolved on the day the request arrived, local time.
    pub same_day_closure: usize,
    pub resolution_targets: usize,
    pub resolution_met: usize,
    /// Tickets with a breached clock, by their current group and by their current tier.
    pub breaches_by_group: std::collections::BTreeMap<String, usize>,
    pub breaches_by_tier: std::collections::BTreeMap<u8, usize>,
    pub breached: usize,
}

impl Figures {
    pub fn rate(part: usize, whole: usize) -> Option<f64> {
        (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
    }
}

/// The SLA figures of a set of tickets with their clocks (a ticket's clocks as
/// [`compute`] gives them), counted per [`Figures`]' fields; days local to `tz`.
pub fn figures<'a>(
    items: impl IntoIterator<Item = (&'a Ticket, &'a SlaStatus)>,
    tz: chrono_tz::Tz,
) -> Figures {
    let day = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    let mut f = Figures::default();
    for (t, s) in items {
        f.tickets += 1;
        let arrived = day(t.created_at);
        if t.first_response_at.is_some_and(|r| day(r) == arrived) {
            f.same_day_response += 1;
        }
        if t.resolved_at.is_some_and(|r| day(r) == arrived) {
            f.same_day_closure += 1;
        }
        let o = s.outcome(t);
        f.first_response_targets += usize::from(o.first_response.is_some());
        f.first_response_met += usize::from(o.first_response == Some(true));
        f.resolution_targets += usize::from(o.resolution.is_some());
        f.resolution_met += usize::from(o.resolution == Some(true));
        let breached = [&s.first_response, &s.resolution]
            .into_iter()
            .flatten()
            .any(|c| c.state == ClockState::Breached);
        if breached {
            f.breached += 1;
            *f.breaches_by_group.entry(t.group.clone()).or_default() += 1;
            *f.breaches_by_tier.entry(t.tier).or_default() += 1;
        }
    }
    f
}

/// Seed 004's consultation promise for one request: "answered within 2 hours; 100 %
/// responded and closed the same day", in working time on the organisation's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ConsultationOutcome {
    /// A public reply (or the resolution) within 2 working hours of arrival.
    pub answered_within_2h: bool,
    /// Answered before the end of the working day it arrived in (`same_day`, the next
    /// working day's end when it arrived outside office hours).
    pub responded_same_day: bool,
    /// Resolved before the end of that working day.
    pub closed_same_day: bool,
}

/// Working minutes of seed 004's "answered within 2 hours".
pub const CONSULTATION_ANSWER_MINUTES: i64 = 120;

/// How one consultation fared against seed 004's promise (see [`ConsultationOutcome`]).
pub fn consultation(t: &Ticket, cal: &WorkCalendar) -> ConsultationOutcome {
    consultation_at(t.created_at, t.first_response_at, t.resolved_at, cal)
}

/// [`consultation`] from the three instants it needs: arrival, first response and
/// resolution (what the leaders' report reads without the whole ticket).
pub fn consultation_at(
    created_at: DateTime<Utc>,
    first_response_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    cal: &WorkCalendar,
) -> ConsultationOutcome {
    let answered = first_response_at.or(resolved_at);
    let day_end = cal.add(created_at, Budget::same_working_day()).ok();
    let by_day_end = |at: Option<DateTime<Utc>>| match (at, day_end) {
        (Some(at), Some(end)) => at <= end,
        _ => false,
    };
    ConsultationOutcome {
        answered_within_2h: answered.is_some_and(|a| {
            cal.between(created_at, a.max(created_at)).num_minutes() <= CONSULTATION_ANSWER_MINUTES
        }),
        responded_same_day: by_day_end(answered),
        closed_same_day: by_day_end(resolved_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::Requester;
    use chrono::TimeZone;

    fn vn(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Ho_Chi_Minh
            .with_ymd_and_hms(2026, 11, d, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn ticket(kind: &str, created: DateTime<Utc>) -> Ticket {
        Ticket {
            key: "HT-2026-000001".into(),
            kind: kind.into(),
            title: "x".into(),
            description: String::new(),
            requester: Requester::default(),
            channel: "phone".into(),
            application: None,
            category: None,
            impact: "medium".into(),
            urgency: "medium".into(),
            priority: "P3".into(),
            tier: 3,
            group: "service-desk".into(),
            assignee: None,
            status: Status::New,
            created_at: created,
            updated_at: created,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            parent: None,
            duplicate_of: None,
            resolution: None,
            current_step: None,
            requirement: None,
            escalation: Vec::new(),
            external_ref: None,
            version: 1,
        }
    }

    fn event(at: DateTime<Utc>, kind: EventKind) -> Event {
        Event {
            ticket: "HT-2026-000001".into(),
            version: 2,
            at,
            actor: "a".into(),
            by: None,
            kind,
        }
    }

    fn status(at: DateTime<Utc>, from: Status, to: Status) -> Event {
        event(
            at,
            EventKind::StatusChanged {
                from,
                to,
                reason: None,
            },
        )
    }

    fn settings(first: Option<&str>, resolution: Option<&str>) -> SlaSettings {
        SlaSettings {
            targets: vec![Target {
                kind: None,
                priority: None,
                first_response: first.map(|b| b.parse().unwrap()),
                resolution: resolution.map(|b| b.parse().unwrap()),
            }],
            ..SlaSettings::default()
        }
    }

    /// A withdrawn request is not measured, unless it was answered before (issue 13: the
    /// leaders' figures counted cancellations as targets met).
    #[test]
    fn a_cancelled_request_is_left_out_of_the_outcome_unless_answered_first() {
        let cal = WorkCalendar::default();
        let s = settings(Some("1h"), Some("4h"));
        let mut t = ticket("incident", vn(23, 8, 0));
        t.status = Status::Cancelled;
        let events = vec![status(vn(23, 8, 30), Status::New, Status::Cancelled)];
        let clocks = compute(&t, &events, &cal, &s, vn(23, 10, 0));
        // The clocks themselves stop (and read as within target on the ticket) …
        assert_eq!(
            clocks.resolution.as_ref().map(|c| c.state),
            Some(ClockState::Met)
        );
        // … but the figures leave them out.
        assert_eq!(clocks.outcome(&t), SlaOutcome::default());
        // Answered at 08:10, then withdrawn: the first response is measured.
        t.first_response_at = Some(vn(23, 8, 10));
        let clocks = compute(&t, &events, &cal, &s, vn(23, 10, 0));
        let o = clocks.outcome(&t);
        assert_eq!((o.first_response, o.resolution), (Some(true), None));
        // An open request's running clocks are targets not (yet) met.
        let mut open = ticket("incident", vn(23, 8, 0));
        open.status = Status::InProgress;
        let o = compute(&open, &[], &cal, &s, vn(23, 10, 0)).outcome(&open);
        assert_eq!((o.first_response, o.resolution), (Some(false), Some(false)));
    }

    /// Monday 23 Nov 2026.
    #[test]
    fn waiting_on_the_requester_pauses_the_clock_and_is_credited() {
        let cal = WorkCalendar::default();
        let s = settings(None, Some("2h"));
        let mut t = ticket("incident", vn(23, 8, 0));
        t.status = Status::InProgress;
        let events = vec![
            status(vn(23, 9, 0), Status::InProgress, Status::WaitingRequester),
            status(vn(23, 10, 5), Status::WaitingRequester, Status::InProgress),
        ];
        let at_11 = compute(&t, &events, &cal, &s, vn(23, 11, 0));
        let r = at_11.resolution.unwrap();
        assert_eq!(r.used_minutes, 115);
        assert_eq!(r.remaining_minutes, 5);
        assert_eq!(r.due, Some(vn(23, 11, 5)));
        assert_eq!(r.state, ClockState::AtRisk);
        let at_1110 = compute(&t, &events, &cal, &s, vn(23, 11, 10));
        let r = at_1110.resolution.unwrap();
        assert_eq!(r.state, ClockState::Breached);
        // Breached, still running: the due time is when it ran out, not "—" (issue 14).
        assert_eq!(r.due, Some(vn(23, 11, 5)));
        // Exactly used up: due now.
        let at_1105 = compute(&t, &events, &cal, &s, vn(23, 11, 5));
        assert_eq!(at_1105.resolution.unwrap().due, Some(vn(23, 11, 5)));
        // While waiting it stands still.
        let waiting = compute(&t, &events[..1], &cal, &s, vn(23, 10, 0));
        let w = waiting.resolution.unwrap();
        assert_eq!(
            (w.used_minutes, w.state, w.due),
            (60, ClockState::Paused, None)
        );
    }

    /// Issue 14: escalating to a vendor set `waiting_vendor` but the resolution clock kept
    /// running (setting the same status by hand paused it); the vendor's answer coming back
    /// starts it again.
    #[test]
    fn escalating_to_a_vendor_pauses_the_clock_and_the_return_resumes_it() {
        let cal = WorkCalendar::default();
        let s = settings(None, Some("1d"));
        let mut t = ticket("incident", vn(23, 8, 0));
        t.status = Status::WaitingVendor;
        let escalated = event(
            vn(23, 8, 30),
            EventKind::Escalated {
                from_tier: 3,
                to_tier: 5,
                from_group: "service-desk".into(),
                to_group: "vendor-ibm".into(),
                reason: "x".into(),
                external_ref: None,
                status: Some(Status::WaitingVendor),
                by_rule: None,
            },
        );
        let at_10 = compute(
            &t,
            std::slice::from_ref(&escalated),
            &cal,
            &s,
            vn(23, 10, 0),
        );
        let r = at_10.resolution.unwrap();
        assert_eq!(
            (r.used_minutes, r.state, r.running),
            (30, ClockState::Paused, false)
        );
        let back = event(
            vn(23, 13, 0),
            EventKind::Returned {
                from_tier: 5,
                to_tier: 3,
                from_group: "vendor-ibm".into(),
                to_group: "service-desk".into(),
                reason: "patched".into(),
                status: Some(Status::InProgress),
                assignee: None,
            },
        );
        t.status = Status::InProgress;
        let at_14 = compute(&t, &[escalated, back], &cal, &s, vn(23, 14, 0));
        let r = at_14.resolution.unwrap();
        assert!(r.running);
        // 08:00–08:30 and 13:00–14:00 (the lunch break 12:00–13:00 is not working time).
        assert_eq!(r.used_minutes, 90);
    }

    #[test]
    fn an_internal_note_is_not_a_first_response() {
        let cal = WorkCalendar::default();
        let s = settings(Some("2h"), None);
        let t = ticket("consultation", vn(23, 8, 0));
        let note = vec![event(
            vn(23, 8, 30),
            EventKind::InternalNote { text: "x".into() },
        )];
        let c = compute(&t, &note, &cal, &s, vn(23, 10, 0));
        assert_eq!(c.first_response.unwrap().state, ClockState::AtRisk);
        let c = compute(&t, &note, &cal, &s, vn(23, 10, 1));
        assert_eq!(c.first_response.unwrap().state, ClockState::Breached);
        let mut answered = t.clone();
        answered.first_response_at = Some(vn(23, 9, 0));
        let c = compute(&answered, &note, &cal, &s, vn(23, 16, 0));
        let f = c.first_response.unwrap();
        assert_eq!((f.state, f.used_minutes), (ClockState::Met, 60));
    }

    #[test]
    fn reopening_resumes_the_clock_instead_of_breaching_at_once() {
        let cal = WorkCalendar::default();
        let s = settings(None, Some("2h"));
        let mut t = ticket("incident", vn(23, 8, 0));
        t.status = Status::InProgress;
        let events = vec![
            event(
                vn(23, 9, 0),
                EventKind::Resolved {
                    resolution: "x".into(),
                },
            ),
            event(
                vn(25, 9, 0),
                EventKind::Reopened {
                    from: Status::Resolved,
                    reason: "again".into(),
                },
            ),
        ];
        let c = compute(&t, &events, &cal, &s, vn(25, 9, 30));
        let r = c.resolution.unwrap();
        assert_eq!(r.used_minutes, 90, "2 days resolved are not counted");
        assert_eq!(r.state, ClockState::AtRisk);
        assert_eq!(r.due, Some(vn(25, 10, 0)));
    }

    #[test]
    fn the_clock_runs_in_working_time_only() {
        let cal = WorkCalendar::default();
        let s = settings(None, Some("1d"));
        // Friday 20 Nov 16:00 + 1 working day = Monday 16:00.
        let t = ticket("incident", vn(20, 16, 0));
        let c = compute(&t, &[], &cal, &s, vn(21, 12, 0));
        let r = c.resolution.unwrap();
        assert_eq!(r.used_minutes, 30);
        assert_eq!(r.due, Some(vn(23, 16, 0)));
        assert_eq!(r.state, ClockState::OnTrack);
    }

    #[test]
    fn the_most_specific_target_wins() {
        let b = |s: &str| Some(s.parse().unwrap());
        let t = |k: Option<&str>, p: Option<&str>, r: &str| Target {
            kind: k.map(Into::into),
            priority: p.map(Into::into),
            first_response: None,
            resolution: b(r),
        };
        let s = SlaSettings {
            targets: vec![
                t(None, None, "3d"),
                t(None, Some("P1"), "4h"),
                t(Some("consultation"), None, "1d"),
                t(Some("consultation"), Some("P1"), "2h"),
            ],
            ..SlaSettings::default()
        };
        let r = |k: &str, p: &str| s.target(k, p).unwrap().resolution.unwrap().to_string();
        assert_eq!(r("consultation", "P1"), "2h");
        assert_eq!(r("consultation", "P3"), "1d");
        assert_eq!(r("incident", "P1"), "4h");
        assert_eq!(r("incident", "P4"), "3d");
    }
}
