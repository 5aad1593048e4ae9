//! Reports for the leaders (issue 13, seeds 003 and 004): the figures of a period beside
//! the previous period's, and the user-error list. Both need the `read` permission.

use super::{Desk, DeskError};
use crate::domain::change::{ChangeRecord, NewChange, validate};
use crate::domain::org::{Operator, Role};
use crate::domain::permission::Permission;
use crate::domain::report::{
    Dimension, Facts, Figures, PeriodError, Received, Report, ReportPeriod, TallyInput, UserError,
    order_user_errors, put_group_first, tally, user_caused_categories,
};
use crate::domain::sla::{self, SlaOutcome};
use chrono::{DateTime, Utc};

/// What a report reads once for both its periods. `received` and `escalated` are in order
/// of the requests' arrival, `*_at` beside them.
struct WindowRead {
    facts: Vec<Facts>,
    received: Vec<Received>,
    received_at: Vec<DateTime<Utc>>,
    escalated: Vec<(u8, String)>,
    escalated_at: Vec<DateTime<Utc>>,
}

impl Desk<'_> {
    /// The acting operator, if they may read (reports, the mail intake log, attachments):
    /// any operator with `read`.
    pub(super) fn reader(&self) -> Result<&Operator, DeskError> {
        let op = self
            .session
            .me
            .as_ref()
            .ok_or_else(|| self.session.no_operator())?;
        self.org().permissions.require(op, Permission::Read)?;
        Ok(op)
    }

    /// The instants `period` spans in the organisation's time zone. Errors: a period out of
    /// the calendar's range.
    fn bounds(&self, period: ReportPeriod) -> Result<(DateTime<Utc>, DateTime<Utc>), DeskError> {
        Ok(period
            .bounds(self.org().time_zone)
            .ok_or_else(|| PeriodError::OutOfRange {
                label: period.label(),
            })?)
    }

    /// The figures of `period` from what was read for a window that holds it: the facts,
    /// the requests received and their escalations (both ordered by arrival).
    fn figures(
        &mut self,
        period: ReportPeriod,
        read: &WindowRead,
        cross: Option<(Dimension, Dimension)>,
    ) -> Result<Figures, DeskError> {
        let org = self.org();
        let out_of_range = || PeriodError::OutOfRange {
            label: period.label(),
        };
        let (a, b) = period.bounds(org.time_zone).ok_or_else(out_of_range)?;
        let within =
            |v: &[DateTime<Utc>]| v.partition_point(|t| *t < a)..v.partition_point(|t| *t < b);
        let received = &read.received[within(&read.received_at)];
        let escalated = &read.escalated[within(&read.escalated_at)];
        let articles = self.store.articles_linked_between(a, b)?;
        let input = TallyInput {
            period,
            tz: org.time_zone,
            facts: &read.facts,
            received,
            escalated,
            articles,
            cross,
        };
        Ok(tally(input, org).ok_or_else(out_of_range)?)
    }

    /// Read what both periods of a report need, over the window from `a` to `b`, once.
    fn read_window(&mut self, a: DateTime<Utc>, b: DateTime<Utc>) -> Result<WindowRead, DeskError> {
        let facts = self.store.report_facts(a, b)?;
        let mut received = self.store.received_between(a, b)?;
        // Tickets untouched since before the outcome was stored: their clocks from the
        // timeline, as the write would have stored them.
        let unknown: Vec<String> = received
            .iter()
            .filter(|r| r.sla.is_none())
            .map(|r| r.key.clone())
            .collect();
        if !unknown.is_empty() {
            let org = self.org();
            let computed: std::collections::HashMap<String, SlaOutcome> = self
                .store
                .timelines_of(&unknown)?
                .into_iter()
                .map(|(t, events)| {
                    let s = sla::compute(&t, &events, &org.calendar, &org.sla, self.now);
                    let outcome = s.outcome(&t);
                    (t.key, outcome)
                })
                .collect();
            for r in received.iter_mut().filter(|r| r.sla.is_none()) {
                r.sla = computed.get(&r.key).copied();
            }
        }
        let (escalated_at, escalated) = self
            .store
            .escalations_between(a, b)?
            .into_iter()
            .map(|(at, tier, group)| (at, (tier, group)))
            .unzip();
        Ok(WindowRead {
            facts,
            received_at: received.iter().map(|r| r.created_at).collect(),
            received,
            escalated_at,
            escalated,
        })
    }

    /// The report over `period` (in the organisation's time zone) beside the previous period
    /// of the same shape; `cross`: two dimensions for a cross table of received requests.
    /// A lead's own group comes first in the group breakdown.
    ///
    /// Errors: no operator or no `read` permission; a period out of the calendar's range;
    /// the store.
    pub fn report(
        &mut self,
        period: ReportPeriod,
        cross: Option<(Dimension, Dimension)>,
    ) -> Result<Report, DeskError> {
        let op = self.reader()?;
        let group_first = op.roles.contains(&Role::Lead).then(|| op.group.clone());
        let previous = period.previous().ok_or_else(|| PeriodError::OutOfRange {
            label: period.label(),
        })?;
        // One read of the facts for both periods (the previous one's start to this one's end).
        let tz = self.org().time_zone;
        let (Some((a, _)), Some((_, b))) = (previous.bounds(tz), period.bounds(tz)) else {
            return Err(PeriodError::OutOfRange {
                label: period.label(),
            }
            .into());
        };
        let read = self.read_window(a, b)?;
        let mut current = self.figures(period, &read, cross)?;
        let mut previous = self.figures(previous, &read, cross)?;
        if let Some(g) = &group_first {
            put_group_first(&mut current, g);
            put_group_first(&mut previous, g);
        }
        Ok(Report {
            current,
            previous,
            group_first,
        })
    }

    /// The SLA figures of the requests that arrived in `period` (`hotro report sla`), their
    /// clocks as of now: first responses and resolutions within target, same-day response
    /// and closure, breaches by group and tier ([`sla::figures`]).
    ///
    /// Errors: no operator or no `read` permission; a period out of range; the store.
    pub fn sla_figures(&mut self, period: ReportPeriod) -> Result<sla::Figures, DeskError> {
        self.reader()?;
        let org = self.org();
        let (a, b) = self.bounds(period)?;
        let keys = self.store.keys_created_between(a, b)?;
        let mut items = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(500) {
            for (t, events) in self.store.timelines_of(chunk)? {
                let s = sla::compute(&t, &events, &org.calendar, &org.sla, self.now);
                items.push((t, s));
            }
        }
        Ok(sla::figures(
            items.iter().map(|(t, s)| (t, s)),
            org.time_zone,
        ))
    }

    /// The user-error list of `period` (seed 003): requests received in it whose category is
    /// user-caused, by unit, with the problem, the solution and the articles to read.
    ///
    /// Errors: no operator or no `read` permission; a period out of range; the store.
    pub fn user_errors(&mut self, period: ReportPeriod) -> Result<Vec<UserError>, DeskError> {
        self.reader()?;
        let org = self.org();
        let (a, b) = self.bounds(period)?;
        let mut list = self
            .store
            .user_errors_between(a, b, &user_caused_categories(org))?;
        order_user_errors(&mut list);
        Ok(list)
    }
}

impl Desk<'_> {
    /// Record a change to a production application or its configuration by hand (the
    /// change register of seed 003); returns its id. Needs the right to work tickets. When
    /// nobody is named as having carried it out, the acting operator did.
    ///
    /// Errors: refused; an unknown application or operator, an empty field
    /// ([`crate::domain::change::ChangeError`]); the store.
    pub fn record_change(&mut self, c: &NewChange) -> Result<i64, DeskError> {
        let op = self.session.require(Permission::WorkTickets)?;
        let mut c = c.clone();
        if c.carried_out_by.trim().is_empty() {
            c.carried_out_by = op.login.clone();
        }
        validate(&c, self.org())?;
        let login = op.login.clone();
        Ok(self.store.record_change(&c, self.now, &login)?)
    }

    /// The changes carried out in `period` (organisation time), in the order done.
    ///
    /// Errors: no operator or no `read` permission; a period out of range; the store.
    pub fn changes(&mut self, period: ReportPeriod) -> Result<Vec<ChangeRecord>, DeskError> {
        self.reader()?;
        let (a, b) = self.bounds(period)?;
        Ok(self.store.changes_between(a, b)?)
    }
}
