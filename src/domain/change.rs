//! The change register (seed 003: "a record of every change made to the production
//! applications and their configuration"): what was changed where, why (the tickets), when
//! it was planned and done, who approved it and who carried it out, how it went and how it
//! would be rolled back.
//!
//! A configuration-change ticket (seed 004, procedure `YSYT-configuration`) records its
//! change when it completes the implementation step: the step that requires the field
//! [`IMPLEMENTATION_FIELD`] ([`from_step`]), in the same transaction as the step.

use crate::domain::org::Organisation;
use crate::domain::ticket::{Event, EventKind, Ticket};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The step field that makes a step the implementation of a change (seed 004: "Cấu hình hệ
/// thống" requires `configuration_change` and `effective_time`).
pub const IMPLEMENTATION_FIELD: &str = "configuration_change";
/// The step field that says when the change took effect.
pub const EFFECTIVE_FIELD: &str = "effective_time";
/// The environment a change recorded from a ticket is in.
pub const PRODUCTION: &str = "production";

/// How a change went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Done as planned.
    Succeeded,
    /// Done, not as planned (the system kept running).
    Failed,
    /// Undone by its rollback.
    RolledBack,
}

impl Outcome {
    /// Every outcome, as stored and given on the command line.
    pub const ALL: [Outcome; 3] = [Outcome::Succeeded, Outcome::Failed, Outcome::RolledBack];

    /// Its id: `succeeded`, `failed`, `rolled_back`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::RolledBack => "rolled_back",
        }
    }

    /// The outcome of id `s` (as [`Outcome::as_str`]).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s.trim())
    }
}

/// A change to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewChange {
    /// Application code (of the configuration's `[[applications]]`).
    pub application: String,
    /// `production`, or another environment's name.
    pub environment: String,
    /// What was changed.
    pub what: String,
    /// Why: the tickets it answers (keys).
    pub tickets: Vec<String>,
    pub planned_at: Option<DateTime<Utc>>,
    /// When it was carried out.
    pub done_at: DateTime<Utc>,
    /// Operator login of who approved it, if anyone.
    pub approved_by: Option<String>,
    /// Operator login of who carried it out.
    pub carried_out_by: String,
    pub outcome: Outcome,
    /// How it is (or was) undone.
    pub rollback: String,
}

/// A recorded change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeRecord {
    pub id: i64,
    #[serde(flatten)]
    pub change: NewChange,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

/// Why a change cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error("no application `{code}` in the configuration")]
    UnknownApplication { code: String },
    #[error("no operator `{login}` in the configuration")]
    UnknownOperator { login: String },
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
}

/// Check a change against the organisation: a known application and operators, something
/// said about what changed and the environment. Errors: [`ChangeError`].
pub fn validate(c: &NewChange, org: &Organisation) -> Result<(), ChangeError> {
    if org.application(&c.application).is_none() {
        return Err(ChangeError::UnknownApplication {
            code: c.application.clone(),
        });
    }
    for login in std::iter::once(&c.carried_out_by).chain(c.approved_by.iter()) {
        if org.operator(login).is_none() {
            return Err(ChangeError::UnknownOperator {
                login: login.clone(),
            });
        }
    }
    for (field, v) in [("what", &c.what), ("environment", &c.environment)] {
        if v.trim().is_empty() {
            return Err(ChangeError::Empty { field });
        }
    }
    Ok(())
}

/// The change a ticket's step completion records, if the completed step is an
/// implementation step (it requires [`IMPLEMENTATION_FIELD`]) and the ticket names its
/// application: in production, what the field says, done at the `effective_time` field
/// when it parses as RFC 3339 (else when the step was completed), carried out by who
/// completed the step, succeeded (the requester's verification is the next step).
pub fn from_step(t: &Ticket, e: &Event, org: &Organisation) -> Option<NewChange> {
    let EventKind::StepCompleted { step, fields, .. } = &e.kind else {
        return None;
    };
    let procedure = org.procedure_for(&t.kind)?;
    let s = procedure.steps.iter().find(|s| &s.id == step)?;
    if !s.requires.iter().any(|r| r == IMPLEMENTATION_FIELD) {
        return None;
    }
    let done_at = fields
        .get(EFFECTIVE_FIELD)
        .and_then(|v| DateTime::parse_from_rfc3339(v.trim()).ok())
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or(e.at);
    Some(NewChange {
        application: t.application.clone()?,
        environment: PRODUCTION.to_string(),
        what: fields
            .get(IMPLEMENTATION_FIELD)
            .cloned()
            .unwrap_or_default(),
        tickets: vec![t.key.clone()],
        planned_at: None,
        done_at,
        approved_by: None,
        carried_out_by: e.actor.clone(),
        outcome: Outcome::Succeeded,
        rollback: String::new(),
    })
}
