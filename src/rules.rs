//! Applying the SLA rules (`[[sla.rules]]`) to the database: shared by every running console
//! and by `hotro sla tick`. Each rule acts once per ticket and clock, however many processes
//! tick at once: the store records the application in the same transaction as the change.

use crate::domain::org::Organisation;
use crate::domain::sla::{self, RuleAction};
use crate::domain::ticket::{Change, Classification, Ctx, Ticket};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Who the rules act as, in timelines.
pub const ACTOR: &str = "hotro-sla";

/// One rule that this tick applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub ticket: String,
    pub rule: String,
    pub clock: String,
    pub action: RuleAction,
    pub outcome: String,
}

/// The change a rule asks for, from the ticket as it is now.
fn change_for(t: &Ticket, action: RuleAction, clock: &str, org: &Organisation) -> Option<Change> {
    match action {
        // The fact, not words: each reader's console and the CLI word it in their language.
        RuleAction::NotifyLead => Some(Change::SlaNotice {
            clock: clock.to_string(),
        }),
        RuleAction::RaisePriority => {
            // Urgency levels are listed most urgent first.
            let levels = &org.priority.urgency;
            let i = levels.iter().position(|l| l.id == t.urgency)?;
            let higher = levels.get(i.checked_sub(1)?)?;
            Some(Change::Classify(Classification {
                urgency: Some(higher.id.clone()),
                ..Classification::default()
            }))
        }
        RuleAction::Escalate => Some(Change::SlaEscalate {
            clock: clock.to_string(),
        }),
        RuleAction::AutoClose => None,
    }
}

/// How many resolved tickets one tick looks at for the auto-close (the oldest first; the
/// next tick goes on).
const AUTO_CLOSE_BATCH: usize = 500;

/// Close the resolved tickets whose requester has not answered within the configured
/// `sla.auto_close_after` (working time from the resolution; issue 14). Each closes once
/// however many processes tick: the store re-checks the ticket inside its write.
pub fn auto_close(
    store: &mut Store,
    org: &Organisation,
    now: DateTime<Utc>,
) -> Result<Vec<Applied>, StoreError> {
    let Some(after) = org.sla.auto_close_after else {
        return Ok(Vec::new());
    };
    let due = |resolved_at: DateTime<Utc>| {
        org.calendar
            .add(resolved_at, after)
            .is_ok_and(|until| until <= now)
    };
    // Working time never runs faster than the wall clock: only tickets resolved at least
    // the budget's whole days (as calendar days) ago can be due.
    let wall = chrono::TimeDelta::days(i64::from(after.whole_days()));
    let candidates = store.resolved_before(now - wall, AUTO_CLOSE_BATCH)?;
    let keys: Vec<String> = candidates
        .into_iter()
        .take_while(|(_, resolved_at)| due(*resolved_at))
        .map(|(key, _)| key)
        .collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let ctx = Ctx {
        org,
        actor: ACTOR,
        now,
        by: None,
    };
    let closed = store.auto_close(
        &keys,
        &after.to_string(),
        |t| t.resolved_at.is_some_and(due),
        ctx,
    )?;
    Ok(closed
        .into_iter()
        .map(|ticket| Applied {
            ticket,
            rule: "auto_close".into(),
            clock: "resolution".into(),
            action: RuleAction::AutoClose,
            outcome: "applied".into(),
        })
        .collect())
}

/// Look at every open ticket's clocks and apply the rules they set off (`hotro sla tick`).
pub fn tick(
    store: &mut Store,
    org: &Organisation,
    now: DateTime<Utc>,
) -> Result<Vec<Applied>, StoreError> {
    let mut applied = Vec::new();
    let mut after = 0;
    loop {
        let (batch, next) = tick_batch(store, org, now, after, 500)?;
        applied.extend(batch);
        match next {
            Some(id) => after = id,
            None => {
                applied.extend(auto_close(store, org, now)?);
                return Ok(applied);
            }
        }
    }
}

/// One bounded batch: the open tickets after id `after_id`, at most `limit`. Returns what
/// was applied and where the next batch starts (`None` at the end). A console calls this
/// every minute so that its share of the work stays small whatever the size of the desk.
pub fn tick_batch(
    store: &mut Store,
    org: &Organisation,
    now: DateTime<Utc>,
    after_id: i64,
    limit: usize,
) -> Result<(Vec<Applied>, Option<i64>), StoreError> {
    let mut applied = Vec::new();
    let (keys, last) = store.open_keys(after_id, limit)?;
    let clocks: Vec<(Ticket, sla::SlaStatus)> = store
        .timelines_of(&keys)?
        .into_iter()
        .map(|(t, events)| {
            let status = sla::compute(&t, &events, &org.calendar, &org.sla, now);
            (t, status)
        })
        .collect();
    let dues: Vec<(String, crate::store::SlaKeys)> = clocks
        .iter()
        .map(|(t, status)| {
            (
                t.key.clone(),
                crate::store::SlaKeys::from_status(t, status, now),
            )
        })
        .collect();
    store.set_sla_due(&dues, now)?;
    let mut todo: Vec<(crate::store::RuleApplication, RuleAction)> = Vec::new();
    for (t, status) in &clocks {
        for (rule, clock) in sla::triggered(t, status, &org.sla.rules) {
            todo.push((
                crate::store::RuleApplication {
                    key: t.key.clone(),
                    rule: rule.id.clone(),
                    clock: clock.to_string(),
                },
                rule.action,
            ));
        }
    }
    let items: Vec<crate::store::RuleApplication> = todo.iter().map(|(a, _)| a.clone()).collect();
    let ctx = Ctx {
        org,
        actor: ACTOR,
        now,
        by: None,
    };
    let outcomes = store.apply_sla_rules(
        &items,
        |current, i| {
            let (item, action) = &todo[i];
            change_for(current, *action, &item.clock, org)
        },
        ctx,
    )?;
    for ((item, action), outcome) in todo.iter().zip(outcomes) {
        if let Some(outcome) = outcome {
            applied.push(Applied {
                ticket: item.key.clone(),
                rule: item.rule.clone(),
                clock: item.clock.clone(),
                action: *action,
                outcome,
            });
        }
    }
    let next = if keys.len() < limit { None } else { last };
    if next.is_none() {
        // The end of a round over the open tickets: the resolved ones' auto-close.
        applied.extend(auto_close(store, org, now)?);
    }
    Ok((applied, next))
}
