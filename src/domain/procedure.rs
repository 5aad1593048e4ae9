//! Procedures as data: one per ticket kind, ordered steps, who is responsible, a
//! working-time budget each, what must be recorded to finish a step and where a step may
//! send the request back (an approval returned for adjustment). Checked when the config is
//! loaded; applied by `ticket::apply` (`Change::CompleteStep`, `Change::ReturnStep`).

use crate::domain::calendar::{Budget, WorkCalendar};
use crate::domain::org::{Names, Role};
use crate::domain::ticket::{Event, EventKind, Ticket};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub id: String,
    pub name: Names,
    /// Who may complete it (any operator when `None`).
    pub role: Option<Role>,
    pub budget: Budget,
    /// Fields that must be recorded to complete it.
    pub requires: Vec<String>,
    /// Where completing it leads; the first is the default. Empty: the procedure ends.
    pub next: Vec<String>,
    /// Where it may send the request back (only approval steps).
    pub returns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Procedure {
    pub id: String,
    pub kind: String,
    pub name: Names,
    pub steps: Vec<Step>,
    /// The whole procedure's working-time budget, a clock of its own beside the steps'
    /// (seed 002, QT.VHTT.01: 3 working days in all); `None`: only the steps have budgets.
    pub budget: Option<Budget>,
}

/// Why a procedure in config is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcedureError {
    #[error("procedure `{procedure}` has no steps")]
    NoSteps { procedure: String },
    #[error("procedure `{procedure}`: step `{step}` is defined twice")]
    DuplicateStep { procedure: String, step: String },
    #[error("procedure `{procedure}`: step `{step}` names step `{target}`, which does not exist")]
    UnknownStep {
        procedure: String,
        step: String,
        target: String,
    },
    #[error(
        "procedure `{procedure}`: step `{step}` cannot be reached from the first step `{first}`"
    )]
    Unreachable {
        procedure: String,
        step: String,
        first: String,
    },
}

impl Procedure {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub fn first(&self) -> Option<&Step> {
        self.steps.first()
    }

    /// Every step named exists and every step can be reached from the first.
    pub fn validate(&self) -> Result<(), ProcedureError> {
        let Some(first) = self.first() else {
            return Err(ProcedureError::NoSteps {
                procedure: self.id.clone(),
            });
        };
        let mut seen = std::collections::HashSet::new();
        for s in &self.steps {
            if !seen.insert(s.id.as_str()) {
                return Err(ProcedureError::DuplicateStep {
                    procedure: self.id.clone(),
                    step: s.id.clone(),
                });
            }
        }
        for s in &self.steps {
            for target in s.next.iter().chain(&s.returns) {
                if self.step(target).is_none() {
                    return Err(ProcedureError::UnknownStep {
                        procedure: self.id.clone(),
                        step: s.id.clone(),
                        target: target.clone(),
                    });
                }
            }
        }
        let mut reached = vec![first.id.as_str()];
        let mut i = 0;
        while i < reached.len() {
            if let Some(s) = self.step(reached[i]) {
                for n in s.next.iter().chain(&s.returns) {
                    if !reached.contains(&n.as_str()) {
                        reached.push(n);
                    }
                }
            }
            i += 1;
        }
        if let Some(s) = self
            .steps
            .iter()
            .find(|s| !reached.contains(&s.id.as_str()))
        {
            return Err(ProcedureError::Unreachable {
                procedure: self.id.clone(),
                step: s.id.clone(),
                first: first.id.clone(),
            });
        }
        Ok(())
    }
}

/// One step's clock: when it was entered and left, working time used against its budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepClock {
    pub step: String,
    pub entered: DateTime<Utc>,
    pub left: Option<DateTime<Utc>>,
    /// Who completed (or returned) it.
    pub by: Option<String>,
    pub budget: String,
    pub budget_minutes: i64,
    pub used_minutes: i64,
    pub over: bool,
}

/// When the ticket's procedure started: when the ticket became of its kind, at creation or
/// when it was reclassified (issue 14: a ticket reclassified three hours in showed its first
/// step with those hours used). Steps of an earlier kind's procedure are not this one's.
fn procedure_start(t: &Ticket, events: &[Event]) -> DateTime<Utc> {
    let became = events
        .iter()
        .rev()
        .find(|e| match &e.kind {
            EventKind::Classified { changes } => changes.iter().any(|c| c.field == "kind"),
            _ => false,
        })
        .map(|e| e.at);
    became.unwrap_or(t.created_at).max(t.created_at)
}

/// The SLA settings a procedure's clocks use: they stand still while the ticket waits on the
/// requester or a vendor, but not while it waits for approval (that is the approval step's,
/// and the procedure's, own time).
fn steps_pause(sla: &crate::domain::sla::SlaSettings) -> crate::domain::sla::SlaSettings {
    crate::domain::sla::SlaSettings {
        pause_in: sla
            .pause_in
            .iter()
            .copied()
            .filter(|s| *s != crate::domain::status::Status::WaitingApproval)
            .collect(),
        ..sla.clone()
    }
}

/// The whole procedure's clock (issue 14: QT.VHTT.01's 3 working days were no clock): from
/// the procedure's start until its last step was completed (`left`, `by`) or `now`, working
/// time counted like the steps'. `step` is the procedure's id. `None` when the procedure
/// has no overall budget.
pub fn procedure_clock(
    t: &Ticket,
    events: &[Event],
    p: &Procedure,
    cal: &WorkCalendar,
    sla: &crate::domain::sla::SlaSettings,
    now: DateTime<Utc>,
) -> Option<StepClock> {
    let budget = p.budget?;
    let start = procedure_start(t, events);
    let done = events
        .iter()
        .filter(|e| e.at >= start)
        .rev()
        .find(|e| matches!(&e.kind, EventKind::StepCompleted { to: None, .. }))
        .filter(|_| t.current_step.is_none());
    let end = done.map(|e| e.at).unwrap_or(now);
    let total = cal
        .add(start, budget)
        .map(|until| cal.between(start, until))
        .unwrap_or_default();
    let used = if end > start {
        crate::domain::sla::running_between(t, events, cal, &steps_pause(sla), start, end)
    } else {
        TimeDelta::zero()
    };
    Some(StepClock {
        step: p.id.clone(),
        entered: start,
        left: done.map(|e| e.at),
        by: done.map(|e| e.actor.clone()),
        budget: budget.to_string(),
        budget_minutes: total.num_minutes(),
        used_minutes: used.num_minutes(),
        over: used > total,
    })
}

/// The steps the ticket went through, in order, with their clocks as of `now`. A step
/// entered twice (after a return) has two entries. A step's clock stands still while the
/// ticket waits (the SLA's pause statuses), like the resolution clock.
pub fn step_clocks(
    t: &Ticket,
    events: &[Event],
    p: &Procedure,
    cal: &WorkCalendar,
    sla: &crate::domain::sla::SlaSettings,
    now: DateTime<Utc>,
) -> Vec<StepClock> {
    let mut out: Vec<StepClock> = Vec::new();
    let open = |step: &str, at: DateTime<Utc>| -> Option<StepClock> {
        let s = p.step(step)?;
        let total = cal
            .add(at, s.budget)
            .map(|end| cal.between(at, end))
            .unwrap_or_default();
        Some(StepClock {
            step: s.id.clone(),
            entered: at,
            left: None,
            by: None,
            budget: s.budget.to_string(),
            budget_minutes: total.num_minutes(),
            used_minutes: 0,
            over: false,
        })
    };
    let start = procedure_start(t, events);
    if let Some(first) = p.first()
        && let Some(c) = open(&first.id, start)
    {
        out.push(c);
    }
    for e in events.iter().filter(|e| e.at >= start) {
        let (to, done) = match &e.kind {
            EventKind::StepCompleted { to, .. } => (to.clone(), true),
            EventKind::StepReturned { to, .. } => (Some(to.clone()), true),
            _ => (None, false),
        };
        if !done {
            continue;
        }
        if let Some(last) = out.last_mut() {
            last.left = Some(e.at);
            last.by = Some(e.actor.clone());
        }
        if let Some(to) = to
            && let Some(c) = open(&to, e.at)
        {
            out.push(c);
        }
    }
    let steps_pause = steps_pause(sla);
    for c in &mut out {
        let end = c.left.unwrap_or(now);
        let used = if end > c.entered {
            crate::domain::sla::running_between(t, events, cal, &steps_pause, c.entered, end)
        } else {
            TimeDelta::zero()
        };
        c.used_minutes = used.num_minutes();
        c.over = c.used_minutes > c.budget_minutes;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, next: &[&str], returns: &[&str]) -> Step {
        Step {
            id: id.into(),
            name: Names {
                vi: id.into(),
                en: id.into(),
                zh: None,
            },
            role: None,
            budget: "0.5d".parse().unwrap(),
            requires: Vec::new(),
            next: next.iter().map(|s| s.to_string()).collect(),
            returns: returns.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn procedure(steps: Vec<Step>) -> Procedure {
        Procedure {
            id: "p".into(),
            kind: "service-request".into(),
            name: Names {
                vi: "p".into(),
                en: "p".into(),
                zh: None,
            },
            steps,
            budget: None,
        }
    }

    #[test]
    fn malformed_procedures_are_refused_with_the_step() {
        assert!(matches!(
            procedure(vec![]).validate(),
            Err(ProcedureError::NoSteps { .. })
        ));
        let unknown = procedure(vec![step("B1", &["B9"], &[])]);
        assert!(matches!(
            unknown.validate(),
            Err(ProcedureError::UnknownStep { target, .. }) if target == "B9"
        ));
        let unreachable = procedure(vec![step("B1", &[], &[]), step("B2", &[], &[])]);
        assert!(matches!(
            unreachable.validate(),
            Err(ProcedureError::Unreachable { step, .. }) if step == "B2"
        ));
        let twice = procedure(vec![step("B1", &[], &[]), step("B1", &[], &[])]);
        assert!(matches!(
            twice.validate(),
            Err(ProcedureError::DuplicateStep { .. })
        ));
        let ok = procedure(vec![
            step("B1", &["B2"], &[]),
            step("B2", &["B3"], &["B1"]),
            step("B3", &[], &[]),
        ]);
        assert_eq!(ok.validate(), Ok(()));
    }
}
