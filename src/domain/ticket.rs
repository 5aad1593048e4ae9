//! Tickets, the commands that change them, and the events those commands leave behind.

use crate::domain::org::Organisation;
use crate::domain::status::Status;
use crate::domain::text::{self, MAX_SHORT_CHARS, MAX_TEXT_BYTES, MAX_TITLE_CHARS};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    pub name: Option<String>,
    pub unit: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// One step of the escalation path: where the ticket was before it went up. The top of the
/// stack is the tier that follows the ticket and answers the requester when it comes back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub tier: u8,
    pub group: String,
    /// Who had the ticket there: it goes back to them when it returns (issue 14: the person
    /// who escalated lost it). `None` when nobody had it, and in paths kept before this was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub key: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub requester: Requester,
    pub channel: String,
    pub application: Option<String>,
    pub category: Option<String>,
    pub impact: String,
    pub urgency: String,
    pub priority: String,
    pub tier: u8,
    pub group: String,
    pub assignee: Option<String>,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// When it was closed (the requester's confirmation or the auto-close) or cancelled;
    /// cleared by a reopen. Tickets cancelled before issue 13 have none.
    pub closed_at: Option<DateTime<Utc>>,
    pub parent: Option<String>,
    pub duplicate_of: Option<String>,
    pub resolution: Option<String>,
    /// The procedure step the ticket is in (procedures come with their own issue).
    pub current_step: Option<String>,
    /// A software requirement's own record (kind `requirement` only; issue 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<crate::domain::requirement::Requirement>,
    pub escalation: Vec<Hop>,
    pub external_ref: Option<String>,
    /// Number of changes so far, creation included: the optimistic-concurrency token.
    pub version: i64,
}

impl Ticket {
    /// The group that follows this ticket after escalating it, if any.
    /// The unit that submitted a requirement: its requester's unit.
    pub fn requirement_unit(&self) -> Option<String> {
        self.requester.unit.clone()
    }

    pub fn following_group(&self) -> Option<&str> {
        self.escalation.last().map(|h| h.group.as_str())
    }
}

/// The ticket kind of software requirements (issue 16): such a ticket carries a
/// [`crate::domain::requirement::Requirement`].
pub const REQUIREMENT_KIND: &str = "requirement";

/// What an operator fills in to record a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewTicket {
    pub title: String,
    pub description: String,
    pub kind: Option<String>,
    pub channel: Option<String>,
    pub requester: Requester,
    pub application: Option<String>,
    pub category: Option<String>,
    pub impact: Option<String>,
    pub urgency: Option<String>,
    pub group: Option<String>,
    pub assignee: Option<String>,
    /// When the request really arrived (a phone call recorded afterwards); its clocks start
    /// then. Default: now.
    pub received_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkRelation {
    DuplicateOf,
    ChildOf,
}

impl LinkRelation {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkRelation::DuplicateOf => "duplicate_of",
            LinkRelation::ChildOf => "child_of",
        }
    }
}

/// The classification fields an operator may change at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Classification {
    pub kind: Option<String>,
    pub category: Option<String>,
    pub application: Option<String>,
    pub impact: Option<String>,
    pub urgency: Option<String>,
}

/// Corrections to what was recorded about a request (issue 14: nothing could change a
/// saved ticket's title, description, requester, phone, e-mail, unit or channel). `None`
/// leaves a field as it is; for the requester's name, phone, e-mail and unit an empty text
/// clears it. The title may not be emptied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketEdit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub requester: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub unit: Option<String>,
    pub channel: Option<String>,
}

/// A command against an existing ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Correct what was recorded ([`TicketEdit`]); one event with each field's before and
    /// after.
    Edit(Box<TicketEdit>),
    Reply {
        text: String,
    },
    Note {
        text: String,
    },
    /// The requester wrote back (issue 12: a mail answering the ticket). It ends "waiting
    /// for requester": a ticket in `waiting_requester` goes back to `in_progress`, so the
    /// resolution clock runs again (the SLA's `pause_in`); a resolved ticket they answer is
    /// open again (`in_progress`, as a reopen). It is not a first response. A closed or
    /// cancelled ticket refuses it (the intake opens a new ticket instead).
    RequesterReply {
        text: String,
        /// The channel id it came by (`email`).
        via: String,
        /// Who wrote, as the channel says (the sender's address): not always the requester
        /// recorded (a colleague answering for them).
        from: Option<String>,
    },
    /// Files kept with the ticket (issue 12), already stored by content; numbered by the
    /// store. `mail` is the intake key of the mail they came with (`None`: an operator
    /// attached them).
    Attach {
        files: Vec<crate::domain::mail::AttachedFile>,
        mail: Option<String>,
    },
    /// An SLA rule tells the group's lead that a clock is at risk or overdue. Recorded as a
    /// fact (which clock, whom it told), worded in each reader's language when shown.
    SlaNotice {
        /// `first_response` or `resolution`.
        clock: String,
    },
    /// An SLA rule escalates to the next tier because a clock is overdue: an escalation
    /// whose reason is the fact (`by_rule`: the clock), worded by each reader.
    SlaEscalate {
        /// `first_response` or `resolution`.
        clock: String,
    },
    Assign {
        to: Option<String>,
        group: Option<String>,
    },
    Classify(Classification),
    SetStatus {
        to: Status,
        reason: Option<String>,
    },
    Escalate {
        group: Option<String>,
        reason: String,
        external_ref: Option<String>,
    },
    /// Hand the ticket to another group of the same tier (a specialist group such as the
    /// TABMIS group, seed 003) without a person; the sending group keeps following it — it
    /// is pushed on the escalation path like an escalation, so it answers the requester when
    /// the ticket comes back (issue 14: `assign --group tabmis` dropped the Service Desk
    /// from following the call it took). Sending it to the group that follows it brings it
    /// home instead (that hop is taken off the path).
    Transfer {
        /// The target group's id: of the ticket's tier, not its current group.
        group: String,
        /// Why, if said.
        reason: Option<String>,
    },
    Return {
        reason: String,
    },
    Link {
        relation: LinkRelation,
        target: String,
        /// The chain above the target along this relation (its parents, or the tickets it
        /// duplicates), nearest first, so a cycle can be refused.
        target_ancestors: Vec<String>,
    },
    Resolve {
        resolution: String,
    },
    /// The requester confirmed the resolution: the ticket closes. `by` is who confirmed (the
    /// requester when `None`; needed when the ticket has no requester name), `via` how — a
    /// channel id of the configuration (phone, email, walk-in for a signed slip, …). Issue 14:
    /// `closed` is reached only this way or by [`Change::AutoClose`].
    Confirm {
        by: Option<String>,
        via: String,
    },
    /// The configured auto-close (`sla.auto_close_after`, working time) ran out while the
    /// ticket waited resolved for the requester's answer: it closes, recorded as such.
    AutoClose {
        /// The configured wait, as written (e.g. `3d`).
        after: String,
    },
    Reopen {
        reason: String,
    },
    /// Finish the current step of the ticket's procedure, recording what it requires, and
    /// go to `to` (one of the step's next steps; the first when `None`).
    CompleteStep {
        fields: std::collections::BTreeMap<String, String>,
        to: Option<String>,
    },
    /// Send the request back from the current (approval) step, e.g. a plan to adjust.
    ReturnStep {
        to: String,
        reason: String,
    },
    /// A review decision or a later stage of a software requirement (issue 16).
    Requirement(crate::domain::requirement::ReqChange),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// What happened to a ticket. Stored as the event's kind and JSON payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    Created {
        title: String,
        ticket_kind: String,
        channel: String,
        group: String,
        priority: String,
        /// Set when the request arrived before it was recorded (clocks start then).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        received_at: Option<DateTime<Utc>>,
    },
    PublicReply {
        text: String,
    },
    InternalNote {
        text: String,
    },
    /// The requester wrote back ([`Change::RequesterReply`]): the text, the channel, and the
    /// status it led to (`in_progress` when the ticket waited for them; `None`: unchanged).
    RequesterReplied {
        text: String,
        via: String,
        /// Who wrote (the sender's address); not `by`, which is the event's own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<Status>,
    },
    /// Files kept with the ticket: number, safe name, media type, size and SHA-256 of each,
    /// and the intake key of the mail they came with (`None`: attached by the operator).
    Attached {
        files: Vec<crate::domain::mail::AttachedFile>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mail: Option<String>,
    },
    /// An SLA rule told the ticket's group lead that a clock is at risk or overdue: the
    /// clock, the group, and the lead and phone as configured then (words at the edge).
    SlaNotice {
        clock: String,
        group: String,
        lead: Option<String>,
        phone: Option<String>,
    },
    Classified {
        changes: Vec<FieldChange>,
    },
    /// What was recorded about the request, corrected: each field before and after.
    Edited {
        changes: Vec<FieldChange>,
    },
    Assigned {
        from: Option<String>,
        to: Option<String>,
        group_from: String,
        group_to: String,
    },
    StatusChanged {
        from: Status,
        to: Status,
        reason: Option<String>,
    },
    Escalated {
        from_tier: u8,
        to_tier: u8,
        from_group: String,
        to_group: String,
        reason: String,
        external_ref: Option<String>,
        /// The status the escalation put the ticket in (`waiting_vendor` when it went to an
        /// external group, which stops the resolution clock); `None`: unchanged (and in
        /// events recorded before this was kept).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<Status>,
        /// Escalated by an SLA rule because this clock was overdue (the reason is then
        /// worded from it in each reader's language; `reason` is empty).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by_rule: Option<String>,
    },
    /// Handed to another group of the same tier ([`Change::Transfer`]): who had it, from
    /// which group to which, and the group that follows it afterwards (`None`: it came home
    /// to the group that followed it).
    Transferred {
        tier: u8,
        from_group: String,
        to_group: String,
        /// Who had it in the sending group (it is left without a person).
        from: Option<String>,
        reason: Option<String>,
        following: Option<String>,
    },
    Returned {
        from_tier: u8,
        to_tier: u8,
        from_group: String,
        to_group: String,
        reason: String,
        /// The status the return put the ticket in (`in_progress` when it came back from
        /// waiting on a vendor, which starts the clock again); `None`: unchanged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<Status>,
        /// Who has it again: the operator who had it before it went up.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<String>,
    },
    Linked {
        relation: LinkRelation,
        target: String,
    },
    Resolved {
        resolution: String,
    },
    /// A higher tier solved an escalated ticket: it goes back to the tier that sent it,
    /// which answers the requester (seed 003) — the requester's clock keeps running.
    ResolvedUpstream {
        from_tier: u8,
        to_tier: u8,
        from_group: String,
        to_group: String,
        resolution: String,
        /// Who has it again to answer the requester: the operator who had it before it
        /// went up.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<String>,
    },
    /// The requester confirmed the resolution and the ticket closed: who confirmed and how
    /// (a channel id). Both `None` in events recorded before they were kept.
    RequesterConfirmed {
        /// Not `by`: that name is the event's own (the real operator behind `--as`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirmed_by: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<String>,
    },
    /// Closed by the configured auto-close: the ticket stayed resolved for `after` (working
    /// time) without the requester answering.
    AutoClosed {
        after: String,
    },
    Reopened {
        from: Status,
        reason: String,
    },
    StepCompleted {
        step: String,
        fields: std::collections::BTreeMap<String, String>,
        /// The step it went on to; `None` when the procedure is done.
        to: Option<String>,
        /// The status the step led to ([`status_after_step`]); `None`: unchanged (and in
        /// events recorded before this was kept).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<Status>,
    },
    /// A software requirement moved on (issue 16): the stage it left, the level that
    /// decided (under review), and its record after.
    RequirementChanged {
        from: crate::domain::requirement::Stage,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_level: Option<String>,
        after: crate::domain::requirement::Requirement,
    },
    StepReturned {
        from: String,
        to: String,
        reason: String,
        /// The status the return led to ([`status_after_step`]); `None`: unchanged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<Status>,
    },
}

impl EventKind {
    /// Stable name of the event kind, as stored in the `kind` column.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Created { .. } => "created",
            EventKind::PublicReply { .. } => "public_reply",
            EventKind::InternalNote { .. } => "internal_note",
            EventKind::RequesterReplied { .. } => "requester_replied",
            EventKind::Attached { .. } => "attached",
            EventKind::SlaNotice { .. } => "sla_notice",
            EventKind::Classified { .. } => "classified",
            EventKind::Edited { .. } => "edited",
            EventKind::Assigned { .. } => "assigned",
            EventKind::StatusChanged { .. } => "status_changed",
            EventKind::Escalated { .. } => "escalated",
            EventKind::Transferred { .. } => "transferred",
            EventKind::Returned { .. } => "returned",
            EventKind::Linked { .. } => "linked",
            EventKind::Resolved { .. } => "resolved",
            EventKind::ResolvedUpstream { .. } => "resolved_upstream",
            EventKind::RequesterConfirmed { .. } => "requester_confirmed",
            EventKind::AutoClosed { .. } => "auto_closed",
            EventKind::RequirementChanged { .. } => "requirement_changed",
            EventKind::Reopened { .. } => "reopened",
            EventKind::StepCompleted { .. } => "step_completed",
            EventKind::StepReturned { .. } => "step_returned",
        }
    }
}

/// One entry of a ticket's timeline and of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub ticket: String,
    /// The ticket's version after this event.
    pub version: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// The real operator when an admin acted as `actor` (`--as`); the audit trail keeps both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Who acts, when, under which organisation.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub org: &'a Organisation,
    pub actor: &'a str,
    pub now: DateTime<Utc>,
    /// The real operator when an admin acts as `actor`; `None` when they are the same.
    pub by: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("a ticket cannot go from {from} to {to}")]
    InvalidTransition { from: Status, to: Status },
    #[error("ticket {key} is {status}: reopen it first")]
    Final { key: String, status: Status },
    #[error("use `resolve` with a resolution to resolve a ticket")]
    UseResolve,
    #[error("use `reopen` with a reason to reopen a ticket")]
    UseReopen,
    /// Issue 14: a ticket closes only through the requester's confirmation (who, how) or the
    /// configured auto-close, never by setting the status.
    #[error("a ticket closes when the requester confirms: use `confirm --via CHANNEL`")]
    UseConfirm,
    #[error(transparent)]
    Requirement(#[from] crate::domain::requirement::RequirementError),
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is too long: {got} (at most {max})")]
    TooLong {
        field: &'static str,
        max: usize,
        got: usize,
    },
    #[error("unknown {what} `{value}`")]
    Unknown { what: &'static str, value: String },
    #[error("tier {tier} is the highest: there is nowhere to escalate to")]
    NoHigherTier { tier: u8 },
    #[error("group `{group}` is at tier {group_tier}, not above tier {tier}")]
    NotUpward {
        group: String,
        group_tier: u8,
        tier: u8,
    },
    #[error(
        "group `{group}` is at tier {group_tier}, not tier {tier}: a transfer stays within the tier (use escalate to go up)"
    )]
    NotSameTier {
        group: String,
        group_tier: u8,
        tier: u8,
    },
    #[error("ticket {key} was not escalated: there is no lower tier to return it to")]
    NotEscalated { key: String },
    #[error("a ticket cannot be linked to itself")]
    SelfLink,
    #[error("linking {key} as a child of {target} would make a cycle")]
    LinkCycle { key: String, target: String },
    #[error("nothing to change")]
    NothingToChange,
    #[error("the request cannot have arrived in the future ({at})")]
    ReceivedInFuture { at: DateTime<Utc> },
    #[error("tickets of kind `{kind}` follow no procedure")]
    NoProcedure { kind: String },
    #[error("ticket {key} has finished its procedure")]
    ProcedureDone { key: String },
    #[error("step {step} needs {}", .fields.join(", "))]
    MissingFields { step: String, fields: Vec<String> },
    #[error("step {step} does not lead to `{to}`; it leads to {}", .allowed.join(", "))]
    NotNextStep {
        step: String,
        to: String,
        allowed: Vec<String>,
    },
    #[error("step {step} cannot send the request back to `{to}`")]
    NotReturnable { step: String, to: String },
    #[error("step {step} is for the {role} role")]
    RoleRequired { step: String, role: String },
    #[error("ticket {key} is at step {step} of its procedure: complete it first")]
    StepPending {
        key: String,
        step: String,
        /// The role that completes the step, if it names one (e.g. `approver` at B5).
        role: Option<String>,
    },
    #[error("ticket {key} last changed at {previous}; an event cannot be dated earlier ({at})")]
    BeforePrevious {
        key: String,
        at: DateTime<Utc>,
        previous: DateTime<Utc>,
    },
    #[error("the request cannot be dated more than {days} days back ({at})")]
    ReceivedTooEarly { at: DateTime<Utc>, days: i64 },
    #[error("the expected fix time {at} has already passed")]
    FixInPast { at: DateTime<Utc> },
}

pub(crate) fn check_text(
    field: &'static str,
    raw: &str,
    required: bool,
) -> Result<String, DomainError> {
    let value = text::normalize(raw);
    if required && value.trim().is_empty() {
        return Err(DomainError::Empty { field });
    }
    if value.len() > MAX_TEXT_BYTES {
        return Err(DomainError::TooLong {
            field,
            max: MAX_TEXT_BYTES,
            got: value.len(),
        });
    }
    Ok(value)
}

pub(crate) fn check_line(
    field: &'static str,
    raw: &str,
    max: usize,
) -> Result<String, DomainError> {
    let value = text::normalize_line(raw);
    if value.is_empty() {
        return Err(DomainError::Empty { field });
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(DomainError::TooLong {
            field,
            max,
            got: chars,
        });
    }
    Ok(value)
}

fn optional_line(field: &'static str, raw: &Option<String>) -> Result<Option<String>, DomainError> {
    match raw {
        Some(v) if !v.trim().is_empty() => check_line(field, v, MAX_SHORT_CHARS).map(Some),
        _ => Ok(None),
    }
}

/// Where a new ticket goes when no group is given: the creating operator's own group when
/// it works below the central intake's tier (a provincial IT office records and handles its
/// own callers first, seed 003: tier 2 before the central desk), else the intake group
/// (issue 14: a tier-2 operator's ticket landed at the central Service Desk).
pub fn intake_group_for<'o>(org: &'o Organisation, creator: &str) -> &'o str {
    let intake_tier = org.group(&org.intake_group).map(|g| g.tier);
    match org.operator(creator).and_then(|o| org.group(&o.group)) {
        Some(own) if intake_tier.is_some_and(|t| own.tier < t) => &own.id,
        _ => &org.intake_group,
    }
}

/// Where a ticket just recorded goes next when the organisation routes new tickets straight
/// to the application's owner (`organisation.route_to_application_owner`; issue 14: "a new
/// TABMIS ticket stays at the Service Desk"): the owning group, when no group was named, it
/// differs from the group the ticket landed in, and it works at the same tier (a transfer,
/// so the intake group keeps following). `None` otherwise.
pub fn owner_route(org: &Organisation, new: &NewTicket, t: &Ticket) -> Option<String> {
    if !org.route_to_application_owner || new.group.is_some() {
        return None;
    }
    let app = t.application.as_deref()?;
    let owner = org
        .applications
        .iter()
        .find(|a| a.code == app)
        .and_then(|a| org.group(&a.group))?;
    (owner.id != t.group && owner.tier == t.tier).then(|| owner.id.clone())
}

/// A ticket list's filter must name what the configuration has: an unknown group, tier,
/// following group or application (a typo) would silently list nothing (issue 14: `ticket
/// list --group nosuch` said "No tickets match"). Errors: [`DomainError::Unknown`] naming
/// the first unknown value.
pub fn check_list_filter(
    org: &Organisation,
    group: Option<&str>,
    tier: Option<u8>,
    following: Option<&str>,
    application: Option<&str>,
) -> Result<(), DomainError> {
    if let Some(g) = group
        && org.group(g).is_none()
    {
        return Err(unknown("group", g));
    }
    if let Some(level) = tier
        && org.tier(level).is_none()
    {
        return Err(unknown("tier", &level.to_string()));
    }
    if let Some(g) = following
        && org.group(g).is_none()
    {
        return Err(unknown("following", g));
    }
    if let Some(code) = application {
        known_application(org, code)?;
    }
    Ok(())
}

fn unknown(what: &'static str, value: &str) -> DomainError {
    DomainError::Unknown {
        what,
        value: value.to_string(),
    }
}

fn known_kind(org: &Organisation, id: &str) -> Result<String, DomainError> {
    org.kind(id)
        .map(|k| k.id.clone())
        .ok_or_else(|| unknown("kind", id))
}
fn known_category(org: &Organisation, id: &str) -> Result<String, DomainError> {
    org.category(id)
        .map(|c| c.id.clone())
        .ok_or_else(|| unknown("category", id))
}
fn known_application(org: &Organisation, code: &str) -> Result<String, DomainError> {
    org.application(code)
        .map(|a| a.code.clone())
        .ok_or_else(|| unknown("application", code))
}
fn known_level(
    levels: &[crate::domain::org::Coded],
    what: &'static str,
    id: &str,
) -> Result<String, DomainError> {
    levels
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.id.clone())
        .ok_or_else(|| unknown(what, id))
}

/// Validate an operator's input and build the ticket it describes (without a key: the store
/// gives it one inside the transaction that inserts it).
pub fn create(new: &NewTicket, ctx: Ctx<'_>) -> Result<(Ticket, EventKind), DomainError> {
    let org = ctx.org;
    let title = check_line("title", &new.title, MAX_TITLE_CHARS)?;
    let description = check_text("description", &new.description, false)?;
    let default_kind = org.kinds.first().map(|k| k.id.as_str()).unwrap_or_default();
    let kind = known_kind(org, new.kind.as_deref().unwrap_or(default_kind))?;
    let default_channel = org
        .channels
        .first()
        .map(|c| c.id.as_str())
        .unwrap_or_default();
    let channel_id = new.channel.as_deref().unwrap_or(default_channel);
    let channel = org
        .channel(channel_id)
        .map(|c| c.id.clone())
        .ok_or_else(|| unknown("channel", channel_id))?;
    let application = match &new.application {
        Some(a) => Some(known_application(org, a)?),
        None => None,
    };
    let category = match &new.category {
        Some(c) => Some(known_category(org, c)?),
        None => None,
    };
    let impact = known_level(
        &org.priority.impact,
        "impact",
        new.impact.as_deref().unwrap_or(&org.default_impact),
    )?;
    let urgency = known_level(
        &org.priority.urgency,
        "urgency",
        new.urgency.as_deref().unwrap_or(&org.default_urgency),
    )?;
    let priority = org
        .priority
        .priority(&impact, &urgency)
        .ok_or_else(|| unknown("impact", &impact))?
        .to_string();
    let requester = Requester {
        name: optional_line("requester name", &new.requester.name)?,
        unit: optional_line("unit", &new.requester.unit)?,
        phone: optional_line("phone", &new.requester.phone)?,
        email: optional_line("email", &new.requester.email)?,
    };
    if let Some(unit) = &requester.unit
        && org.unit(unit).is_none()
    {
        return Err(unknown("unit", unit));
    }
    let group_id = new
        .group
        .as_deref()
        .unwrap_or_else(|| intake_group_for(org, ctx.actor));
    let group = org
        .group(group_id)
        .ok_or_else(|| unknown("group", group_id))?;
    let assignee = match &new.assignee {
        Some(login) => Some(
            org.operator(login)
                .map(|o| o.login.clone())
                .ok_or_else(|| unknown("operator", login))?,
        ),
        None => None,
    };
    let status = if assignee.is_some() {
        Status::Assigned
    } else {
        Status::New
    };
    let received_at = match new.received_at {
        Some(at) if at > ctx.now => return Err(DomainError::ReceivedInFuture { at }),
        Some(at) if at < ctx.now - org.received_at_limit => {
            return Err(DomainError::ReceivedTooEarly {
                at,
                days: org.received_at_limit.num_days(),
            });
        }
        Some(at) => Some(at.min(ctx.now)),
        None => None,
    };
    // A requirement gets its window and first review level (issue 16).
    let requirement = if kind == REQUIREMENT_KIND {
        Some(crate::domain::requirement::submitted(
            org,
            requester.unit.as_deref(),
            received_at.unwrap_or(ctx.now),
        )?)
    } else {
        None
    };
    let ticket = Ticket {
        key: String::new(),
        kind: kind.clone(),
        title: title.clone(),
        description,
        requester,
        channel: channel.clone(),
        application,
        category,
        impact,
        urgency,
        priority: priority.clone(),
        tier: group.tier,
        group: group.id.clone(),
        assignee,
        status,
        created_at: received_at.unwrap_or(ctx.now),
        updated_at: ctx.now,
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        parent: None,
        duplicate_of: None,
        resolution: None,
        current_step: org
            .procedure_for(&kind)
            .and_then(|p| p.first())
            .map(|s| s.id.clone()),
        requirement,
        escalation: Vec::new(),
        external_ref: None,
        version: 1,
    };
    let event = EventKind::Created {
        received_at,
        title,
        ticket_kind: kind,
        channel,
        group: group.id.clone(),
        priority,
    };
    Ok((ticket, event))
}

/// Apply a command: check it against the ticket and the organisation, change the ticket,
/// bump its version, and return the event to record. On error the ticket is unchanged.
pub fn apply(ticket: &mut Ticket, change: Change, ctx: Ctx<'_>) -> Result<Event, DomainError> {
    let mut next = ticket.clone();
    let kind = apply_to(&mut next, change, ctx)?;
    // The timeline only moves forward: an event never precedes the ticket's previous one
    // (a clock set back, or a backdated write, would reorder the audit trail).
    if ctx.now < ticket.updated_at {
        return Err(DomainError::BeforePrevious {
            key: ticket.key.clone(),
            at: ctx.now,
            previous: ticket.updated_at,
        });
    }
    next.version += 1;
    next.updated_at = ctx.now;
    *ticket = next;
    Ok(Event {
        ticket: ticket.key.clone(),
        version: ticket.version,
        at: ctx.now,
        actor: ctx.actor.to_string(),
        by: ctx.by.map(str::to_string),
        kind,
    })
}

/// The group an assignment leaves the ticket in: the group named, else the new assignee's
/// group, else the ticket's own. (An unknown operator or group is refused by the caller.)
pub fn assignment_group<'a>(
    org: &'a Organisation,
    t: &'a Ticket,
    to: Option<&str>,
    group: Option<&'a str>,
) -> &'a str {
    match (group, to.and_then(|login| org.operator(login))) {
        (Some(g), _) => g,
        (None, Some(op)) => op.group.as_str(),
        (None, None) => t.group.as_str(),
    }
}

/// The step of its procedure the ticket waits on, if any (`None`: no procedure, or done).
pub fn pending_step<'o>(
    t: &Ticket,
    org: &'o Organisation,
) -> Option<&'o crate::domain::procedure::Step> {
    t.current_step
        .as_deref()
        .and_then(|id| org.procedure_for(&t.kind)?.step(id))
}

/// A ticket whose procedure still has a step to do cannot be resolved or closed around it
/// (issue 11: a repair plan waiting at approval step B5 of QT.VHTT.01, seed 002, was
/// resolved and closed by someone who is not an approver).
fn refuse_pending_step(t: &Ticket, org: &Organisation) -> Result<(), DomainError> {
    match pending_step(t, org) {
        Some(step) => Err(DomainError::StepPending {
            key: t.key.clone(),
            step: step.id.clone(),
            role: step.role.map(|r| r.as_str().to_string()),
        }),
        None => Ok(()),
    }
}

fn refuse_if_final(t: &Ticket) -> Result<(), DomainError> {
    if t.status.is_final() {
        Err(DomainError::Final {
            key: t.key.clone(),
            status: t.status,
        })
    } else {
        Ok(())
    }
}

/// A ticket resolved (waiting for the requester's word) is not moved any more either:
/// reopen it first.
fn refuse_if_final_or_resolved(t: &Ticket) -> Result<(), DomainError> {
    refuse_if_final(t)?;
    if t.status == Status::Resolved {
        return Err(DomainError::Final {
            key: t.key.clone(),
            status: t.status,
        });
    }
    Ok(())
}

fn transition(t: &mut Ticket, to: Status) -> Result<Status, DomainError> {
    let from = t.status;
    if !from.can_become(to) {
        return Err(DomainError::InvalidTransition { from, to });
    }
    t.status = to;
    Ok(from)
}

fn apply_to(t: &mut Ticket, change: Change, ctx: Ctx<'_>) -> Result<EventKind, DomainError> {
    let org = ctx.org;
    match change {
        Change::Reply { text } => {
            refuse_if_final(t)?;
            let text = check_text("reply", &text, true)?;
            if t.first_response_at.is_none() {
                t.first_response_at = Some(ctx.now);
            }
            Ok(EventKind::PublicReply { text })
        }
        Change::Note { text } => {
            let text = check_text("note", &text, true)?;
            Ok(EventKind::InternalNote { text })
        }
        Change::RequesterReply { text, via, from } => {
            refuse_if_final(t)?;
            let text = check_text("reply", &text, true)?;
            let via = org
                .channel(&via)
                .map(|c| c.id.clone())
                .ok_or_else(|| unknown("channel", &via))?;
            // Waiting for them ends; a resolution they answer is open again (their answer
            // stops the auto-close, and the desk reads it), as a reopen does.
            let status = match t.status {
                Status::WaitingRequester => {
                    transition(t, Status::InProgress)?;
                    Some(Status::InProgress)
                }
                Status::Resolved => {
                    transition(t, Status::InProgress)?;
                    t.resolved_at = None;
                    Some(Status::InProgress)
                }
                _ => None,
            };
            let from = match from {
                Some(f) if !f.trim().is_empty() => Some(check_line("from", &f, MAX_SHORT_CHARS)?),
                _ => None,
            };
            Ok(EventKind::RequesterReplied {
                text,
                via,
                from,
                status,
            })
        }
        Change::Attach { files, mail } => {
            if files.is_empty() {
                return Err(DomainError::NothingToChange);
            }
            Ok(EventKind::Attached { files, mail })
        }
        Change::SlaEscalate { clock } => {
            // The escalation itself is the operator's one; only its reason is a fact.
            let escalate = Change::Escalate {
                group: None,
                reason: "—".into(),
                external_ref: None,
            };
            let mut event = apply_to(t, escalate, ctx)?;
            if let EventKind::Escalated {
                reason, by_rule, ..
            } = &mut event
            {
                reason.clear();
                *by_rule = Some(clock);
            }
            Ok(event)
        }
        Change::SlaNotice { clock } => {
            let (lead, phone) = org.group_contact(&t.group);
            Ok(EventKind::SlaNotice {
                clock,
                group: t.group.clone(),
                lead,
                phone,
            })
        }
        Change::Assign { to, group } => {
            refuse_if_final_or_resolved(t)?;
            let operator = match &to {
                Some(login) => Some(
                    org.operator(login)
                        .ok_or_else(|| unknown("operator", login))?,
                ),
                None => None,
            };
            let group_id = assignment_group(org, t, to.as_deref(), group.as_deref()).to_string();
            let target = org
                .group(&group_id)
                .ok_or_else(|| unknown("group", &group_id))?;
            let new_assignee = operator.map(|o| o.login.clone());
            if new_assignee == t.assignee && target.id == t.group {
                return Err(DomainError::NothingToChange);
            }
            let from = t.assignee.clone();
            let group_from = t.group.clone();
            t.assignee = new_assignee.clone();
            t.group = target.id.clone();
            t.tier = target.tier;
            if t.assignee.is_some() && t.status == Status::New {
                t.status = Status::Assigned;
            }
            Ok(EventKind::Assigned {
                from,
                to: new_assignee,
                group_from,
                group_to: target.id.clone(),
            })
        }
        Change::Edit(e) => {
            refuse_if_final(t)?;
            let mut changes = Vec::new();
            let mut record = |field: &str, from: Option<String>, to: Option<String>| {
                if from != to {
                    changes.push(FieldChange {
                        field: field.to_string(),
                        from,
                        to,
                    });
                }
            };
            // An empty text clears an optional field.
            let optional = |field: &'static str, v: &str| -> Result<Option<String>, DomainError> {
                optional_line(field, &Some(v.to_string()))
            };
            if let Some(title) = &e.title {
                let title = check_line("title", title, MAX_TITLE_CHARS)?;
                record("title", Some(t.title.clone()), Some(title.clone()));
                t.title = title;
            }
            if let Some(d) = &e.description {
                let d = check_text("description", d, false)?;
                record(
                    "description",
                    Some(t.description.clone()).filter(|s| !s.is_empty()),
                    Some(d.clone()).filter(|s| !s.is_empty()),
                );
                t.description = d;
            }
            if let Some(v) = &e.requester {
                let v = optional("requester name", v)?;
                record("requester_name", t.requester.name.clone(), v.clone());
                t.requester.name = v;
            }
            if let Some(v) = &e.phone {
                let v = optional("phone", v)?;
                record("phone", t.requester.phone.clone(), v.clone());
                t.requester.phone = v;
            }
            if let Some(v) = &e.email {
                let v = optional("email", v)?;
                record("email", t.requester.email.clone(), v.clone());
                t.requester.email = v;
            }
            if let Some(v) = &e.unit {
                let v = optional("unit", v)?;
                if let Some(u) = &v
                    && org.unit(u).is_none()
                {
                    return Err(unknown("unit", u));
                }
                record("unit", t.requester.unit.clone(), v.clone());
                t.requester.unit = v;
            }
            if let Some(c) = &e.channel {
                let c = org
                    .channel(c)
                    .map(|ch| ch.id.clone())
                    .ok_or_else(|| unknown("channel", c))?;
                record("channel", Some(t.channel.clone()), Some(c.clone()));
                t.channel = c;
            }
            if changes.is_empty() {
                return Err(DomainError::NothingToChange);
            }
            Ok(EventKind::Edited { changes })
        }
        Change::Classify(c) => {
            if t.status == Status::Cancelled {
                return Err(DomainError::Final {
                    key: t.key.clone(),
                    status: t.status,
                });
            }
            let mut changes = Vec::new();
            let mut set = |field: &str, slot: &mut Option<String>, value: Option<String>| {
                if let Some(v) = value
                    && slot.as_deref() != Some(v.as_str())
                {
                    changes.push(FieldChange {
                        field: field.to_string(),
                        from: slot.clone(),
                        to: Some(v.clone()),
                    });
                    *slot = Some(v);
                }
            };
            let kind = c.kind.as_deref().map(|k| known_kind(org, k)).transpose()?;
            let category = c
                .category
                .as_deref()
                .map(|k| known_category(org, k))
                .transpose()?;
            let application = c
                .application
                .as_deref()
                .map(|a| known_application(org, a))
                .transpose()?;
            let impact = c
                .impact
                .as_deref()
                .map(|v| known_level(&org.priority.impact, "impact", v))
                .transpose()?;
            let urgency = c
                .urgency
                .as_deref()
                .map(|v| known_level(&org.priority.urgency, "urgency", v))
                .transpose()?;
            let mut kind_slot = Some(t.kind.clone());
            set("kind", &mut kind_slot, kind);
            set("category", &mut t.category, category);
            set("application", &mut t.application, application);
            let mut impact_slot = Some(t.impact.clone());
            set("impact", &mut impact_slot, impact);
            let mut urgency_slot = Some(t.urgency.clone());
            set("urgency", &mut urgency_slot, urgency);
            let new_kind = kind_slot.unwrap_or_default();
            if new_kind != t.kind {
                // A procedure under way is not left by reclassifying: that would drop its
                // pending step (an approval, say) and let the ticket be resolved around it.
                // Before its first step is done the kind may still be corrected.
                let started = org
                    .procedure_for(&t.kind)
                    .and_then(|p| p.first())
                    .is_some_and(|first| t.current_step.as_deref() != Some(first.id.as_str()));
                if started {
                    refuse_pending_step(t, org)?;
                }
                // Another kind, another procedure: it starts at its first step.
                t.current_step = org
                    .procedure_for(&new_kind)
                    .and_then(|p| p.first())
                    .map(|s| s.id.clone());
            }
            t.kind = new_kind;
            t.impact = impact_slot.unwrap_or_default();
            t.urgency = urgency_slot.unwrap_or_default();
            let priority = org
                .priority
                .priority(&t.impact, &t.urgency)
                .ok_or_else(|| unknown("impact", &t.impact))?
                .to_string();
            if priority != t.priority {
                changes.push(FieldChange {
                    field: "priority".into(),
                    from: Some(t.priority.clone()),
                    to: Some(priority.clone()),
                });
                t.priority = priority;
            }
            if changes.is_empty() {
                return Err(DomainError::NothingToChange);
            }
            Ok(EventKind::Classified { changes })
        }
        Change::SetStatus { to, reason } => {
            if to == Status::Resolved {
                return Err(DomainError::UseResolve);
            }
            if matches!(t.status, Status::Resolved | Status::Closed) && to == Status::InProgress {
                return Err(DomainError::UseReopen);
            }
            let reason = match reason {
                Some(r) if !r.trim().is_empty() => Some(check_text("reason", &r, true)?),
                _ => None,
            };
            if to == Status::Cancelled && reason.is_none() {
                return Err(DomainError::Empty { field: "reason" });
            }
            if to == Status::Closed {
                return Err(DomainError::UseConfirm);
            }
            let from = transition(t, to)?;
            // A cancelled request is finished as a closed one is: the leaders' report counts
            // it out of the backlog from then on (issue 13).
            if to == Status::Cancelled {
                t.closed_at = Some(ctx.now);
            }
            Ok(EventKind::StatusChanged { from, to, reason })
        }
        Change::Escalate {
            group,
            reason,
            external_ref,
        } => {
            refuse_if_final_or_resolved(t)?;
            let reason = check_text("reason", &reason, true)?;
            let target = match &group {
                Some(g) => {
                    let target = org.group(g).ok_or_else(|| unknown("group", g))?;
                    if target.tier <= t.tier {
                        return Err(DomainError::NotUpward {
                            group: target.id.clone(),
                            group_tier: target.tier,
                            tier: t.tier,
                        });
                    }
                    target
                }
                None => {
                    let next = org
                        .tiers
                        .iter()
                        .map(|tier| tier.level)
                        .filter(|&l| l > t.tier)
                        .min()
                        .ok_or(DomainError::NoHigherTier { tier: t.tier })?;
                    org.default_group_of_tier(next)
                        .ok_or(DomainError::NoHigherTier { tier: t.tier })?
                }
            };
            let external_ref = optional_line("external reference", &external_ref)?;
            let to_vendor = target.external && t.status.can_become(Status::WaitingVendor);
            let event = EventKind::Escalated {
                from_tier: t.tier,
                to_tier: target.tier,
                from_group: t.group.clone(),
                to_group: target.id.clone(),
                reason,
                external_ref: external_ref.clone(),
                status: to_vendor.then_some(Status::WaitingVendor),
                by_rule: None,
            };
            t.escalation.push(super::ticket::Hop {
                tier: t.tier,
                group: t.group.clone(),
                assignee: t.assignee.clone(),
            });
            t.tier = target.tier;
            t.group = target.id.clone();
            t.assignee = None;
            if to_vendor {
                t.status = Status::WaitingVendor;
            }
            if external_ref.is_some() {
                t.external_ref = external_ref;
            }
            Ok(event)
        }
        Change::Transfer { group, reason } => {
            refuse_if_final_or_resolved(t)?;
            let target = org.group(&group).ok_or_else(|| unknown("group", &group))?;
            if target.id == t.group {
                return Err(DomainError::NothingToChange);
            }
            if target.tier != t.tier {
                return Err(DomainError::NotSameTier {
                    group: target.id.clone(),
                    group_tier: target.tier,
                    tier: t.tier,
                });
            }
            let reason = match reason {
                Some(r) if !r.trim().is_empty() => Some(check_text("reason", &r, true)?),
                _ => None,
            };
            let from = t.assignee.take();
            let from_group = std::mem::replace(&mut t.group, target.id.clone());
            // Home to the group that follows it: that hop is done. Else the sender follows.
            if t.following_group() == Some(target.id.as_str())
                && t.escalation.last().is_some_and(|h| h.tier == target.tier)
            {
                t.escalation.pop();
            } else {
                t.escalation.push(Hop {
                    tier: t.tier,
                    group: from_group.clone(),
                    assignee: from.clone(),
                });
            }
            Ok(EventKind::Transferred {
                tier: t.tier,
                from_group,
                to_group: target.id.clone(),
                from,
                reason,
                following: t.following_group().map(str::to_string),
            })
        }
        Change::Return { reason } => {
            refuse_if_final(t)?;
            let reason = check_text("reason", &reason, true)?;
            let hop = t
                .escalation
                .pop()
                .ok_or_else(|| DomainError::NotEscalated { key: t.key.clone() })?;
            let from_vendor = t.status == Status::WaitingVendor;
            let event = EventKind::Returned {
                from_tier: t.tier,
                to_tier: hop.tier,
                from_group: t.group.clone(),
                to_group: hop.group.clone(),
                reason,
                status: from_vendor.then_some(Status::InProgress),
                assignee: hop.assignee.clone(),
            };
            t.tier = hop.tier;
            t.group = hop.group;
            t.assignee = hop.assignee;
            if from_vendor {
                t.status = Status::InProgress;
            }
            Ok(event)
        }
        Change::Link {
            relation,
            target,
            target_ancestors,
        } => {
            if target == t.key {
                return Err(DomainError::SelfLink);
            }
            match relation {
                LinkRelation::DuplicateOf => {
                    // A ticket already duplicating this one (directly or down a chain)
                    // cannot be its original: then none of them would be.
                    if target_ancestors.contains(&t.key) {
                        return Err(DomainError::LinkCycle {
                            key: t.key.clone(),
                            target,
                        });
                    }
                    if t.duplicate_of.as_deref() == Some(target.as_str()) {
                        return Err(DomainError::NothingToChange);
                    }
                    t.duplicate_of = Some(target.clone());
                }
                LinkRelation::ChildOf => {
                    if target_ancestors.contains(&t.key) {
                        return Err(DomainError::LinkCycle {
                            key: t.key.clone(),
                            target,
                        });
                    }
                    if t.parent.as_deref() == Some(target.as_str()) {
                        return Err(DomainError::NothingToChange);
                    }
                    t.parent = Some(target.clone());
                }
            }
            Ok(EventKind::Linked { relation, target })
        }
        Change::Resolve { resolution } => {
            let resolution = check_text("resolution", &resolution, true)?;
            refuse_pending_step(t, org)?;
            // An escalated ticket solved by the higher tier returns to the tier that sent it,
            // with the solution, to answer the requester.
            if let Some(hop) = t.escalation.last().cloned() {
                refuse_if_final_or_resolved(t)?;
                t.escalation.pop();
                let event = EventKind::ResolvedUpstream {
                    from_tier: t.tier,
                    to_tier: hop.tier,
                    from_group: t.group.clone(),
                    to_group: hop.group.clone(),
                    resolution: resolution.clone(),
                    assignee: hop.assignee.clone(),
                };
                t.tier = hop.tier;
                t.group = hop.group;
                t.assignee = hop.assignee;
                t.status = Status::InProgress;
                t.resolution = Some(resolution);
                return Ok(event);
            }
            transition(t, Status::Resolved)?;
            t.resolved_at = Some(ctx.now);
            t.resolution = Some(resolution.clone());
            Ok(EventKind::Resolved { resolution })
        }
        Change::Confirm { by, via } => {
            refuse_pending_step(t, org)?;
            if !t.status.can_become(Status::Closed) {
                return Err(DomainError::InvalidTransition {
                    from: t.status,
                    to: Status::Closed,
                });
            }
            let via = org
                .channel(via.trim())
                .map(|c| c.id.clone())
                .ok_or_else(|| unknown("channel", via.trim()))?;
            let by = match by {
                Some(b) if !b.trim().is_empty() => check_text("confirmed_by", &b, true)?,
                _ => t
                    .requester
                    .name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .ok_or(DomainError::Empty {
                        field: "confirmed_by",
                    })?,
            };
            transition(t, Status::Closed)?;
            t.closed_at = Some(ctx.now);
            Ok(EventKind::RequesterConfirmed {
                confirmed_by: Some(by),
                via: Some(via),
            })
        }
        Change::AutoClose { after } => {
            refuse_pending_step(t, org)?;
            if t.status != Status::Resolved {
                return Err(DomainError::InvalidTransition {
                    from: t.status,
                    to: Status::Closed,
                });
            }
            transition(t, Status::Closed)?;
            t.closed_at = Some(ctx.now);
            Ok(EventKind::AutoClosed { after })
        }
        Change::CompleteStep { fields, to } => {
            refuse_if_final(t)?;
            let (p, step) = current_step(t, ctx)?;
            let mut clean = std::collections::BTreeMap::new();
            for (k, v) in fields {
                let v = check_text("step_field", &v, false)?;
                if !v.trim().is_empty() {
                    clean.insert(k.trim().to_string(), v);
                }
            }
            let missing: Vec<String> = step
                .requires
                .iter()
                .filter(|r| !clean.contains_key(*r))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(DomainError::MissingFields {
                    step: step.id.clone(),
                    fields: missing,
                });
            }
            let to = match to {
                Some(to) if step.next.contains(&to) => Some(to),
                Some(to) => {
                    return Err(DomainError::NotNextStep {
                        step: step.id.clone(),
                        to,
                        allowed: step.next.clone(),
                    });
                }
                None => step.next.first().cloned(),
            };
            let from = step.id.clone();
            t.current_step = to.clone();
            let status = status_after_step(t, to.as_deref().and_then(|id| p.step(id)));
            if let Some(s) = status {
                t.status = s;
            }
            Ok(EventKind::StepCompleted {
                step: from,
                fields: clean,
                to,
                status,
            })
        }
        Change::Requirement(change) => {
            refuse_if_final(t)?;
            let key = t.key.clone();
            let unit = t.requirement_unit();
            let Some(r) = t.requirement.as_mut() else {
                return Err(
                    crate::domain::requirement::RequirementError::NotARequirement { key }.into(),
                );
            };
            let at_level = r.level.clone();
            let from =
                crate::domain::requirement::apply(org, unit.as_deref(), r, ctx.actor, change)?;
            let after = r.clone();
            // The ticket follows the requirement's end: rejected or not adopted cancels it,
            // verified resolves it.
            use crate::domain::requirement::Stage;
            match after.stage {
                Stage::Rejected | Stage::NotAdopted if t.status.can_become(Status::Cancelled) => {
                    t.status = Status::Cancelled;
                    t.closed_at = Some(ctx.now);
                }
                Stage::Verified if t.status.can_become(Status::Resolved) => {
                    t.status = Status::Resolved;
                    t.resolved_at = Some(ctx.now);
                }
                _ => {}
            }
            Ok(EventKind::RequirementChanged {
                from,
                at_level: (from == Stage::UnderReview).then_some(at_level).flatten(),
                after,
            })
        }
        Change::ReturnStep { to, reason } => {
            refuse_if_final(t)?;
            let reason = check_text("reason", &reason, true)?;
            let (_, step) = current_step(t, ctx)?;
            if !step.returns.contains(&to) {
                return Err(DomainError::NotReturnable {
                    step: step.id.clone(),
                    to,
                });
            }
            let from = step.id.clone();
            t.current_step = Some(to.clone());
            let (p, _) = current_step(t, ctx)?;
            let status = status_after_step(t, p.step(&to));
            if let Some(s) = status {
                t.status = s;
            }
            Ok(EventKind::StepReturned {
                from,
                to,
                reason,
                status,
            })
        }
        Change::Reopen { reason } => {
            let reason = check_text("reason", &reason, true)?;
            if !matches!(t.status, Status::Resolved | Status::Closed) {
                return Err(DomainError::InvalidTransition {
                    from: t.status,
                    to: Status::InProgress,
                });
            }
            let from = transition(t, Status::InProgress)?;
            t.resolved_at = None;
            t.closed_at = None;
            Ok(EventKind::Reopened { from, reason })
        }
    }
}

/// The status a procedure's step puts the ticket in (issue 14: a repair plan at its approval
/// step stayed `new`, so the approver's "waiting for approval" queue was empty): at an
/// approval step (one that may send the request back) `waiting_approval`; past it, or at
/// any other step, or when the procedure is done, `in_progress` if it was new, assigned or
/// waiting for approval. `None` when the status stays as it is (waiting on the requester or a
/// vendor is left alone).
pub fn status_after_step(
    t: &Ticket,
    next: Option<&crate::domain::procedure::Step>,
) -> Option<Status> {
    let want = match next {
        Some(step) if !step.returns.is_empty() => Status::WaitingApproval,
        _ if matches!(
            t.status,
            Status::New | Status::Assigned | Status::WaitingApproval
        ) =>
        {
            Status::InProgress
        }
        _ => return None,
    };
    (t.status != want && t.status.can_become(want)).then_some(want)
}

/// The ticket's procedure and current step, if the acting operator may act on it.
fn current_step<'o>(
    t: &Ticket,
    ctx: Ctx<'o>,
) -> Result<
    (
        &'o crate::domain::procedure::Procedure,
        &'o crate::domain::procedure::Step,
    ),
    DomainError,
> {
    let p = ctx
        .org
        .procedure_for(&t.kind)
        .ok_or_else(|| DomainError::NoProcedure {
            kind: t.kind.clone(),
        })?;
    let step = t
        .current_step
        .as_deref()
        .and_then(|id| p.step(id))
        .ok_or_else(|| DomainError::ProcedureDone { key: t.key.clone() })?;
    if let Some(role) = step.role {
        let allowed = ctx
            .org
            .operator(ctx.actor)
            .is_some_and(|op| op.roles.contains(&role));
        if !allowed {
            return Err(DomainError::RoleRequired {
                step: step.id.clone(),
                role: role.as_str().to_string(),
            });
        }
    }
    Ok((p, step))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
    }

    fn new_ticket(org: &Organisation) -> Ticket {
        let new = NewTicket {
            title: "  Không đăng nhập được TABMIS ".into(),
            description: "Tài khoản bị khóa\r\nsau 5 lần nhập sai".into(),
            application: Some("tabmis".into()),
            ..NewTicket::default()
        };
        let ctx = Ctx {
            org,
            actor: "nguyenvanan",
            now: at(1, 0),
            by: None,
        };
        let (mut t, _) = create(&new, ctx).unwrap();
        t.key = "HT-2026-000001".into();
        t
    }

    fn run(t: &mut Ticket, org: &Organisation, change: Change) -> Result<Event, DomainError> {
        apply(
            t,
            change,
            Ctx {
                org,
                actor: "lethihoa",
                now: at(2, 0),
                by: None,
            },
        )
    }

    /// Issue 14: `closed` only through the requester's confirmation (who, how) or the
    /// auto-close; setting the status is refused with the way to do it.
    #[test]
    fn closing_needs_the_requesters_confirmation_who_and_how() {
        let cfg = config::embedded();
        let org = &cfg.org;
        let mut t = new_ticket(org);
        run(
            &mut t,
            org,
            Change::Resolve {
                resolution: "Đã mở khóa".into(),
            },
        )
        .unwrap();
        let close = Change::SetStatus {
            to: Status::Closed,
            reason: None,
        };
        assert_eq!(run(&mut t, org, close), Err(DomainError::UseConfirm));
        // No requester name on the ticket and none given: who confirmed must be said.
        assert_eq!(
            run(
                &mut t,
                org,
                Change::Confirm {
                    by: None,
                    via: "phone".into()
                }
            ),
            Err(DomainError::Empty {
                field: "confirmed_by"
            })
        );
        assert!(matches!(
            run(
                &mut t,
                org,
                Change::Confirm {
                    by: Some("Chị Lan".into()),
                    via: "pigeon".into()
                }
            ),
            Err(DomainError::Unknown {
                what: "channel",
                ..
            })
        ));
        assert_eq!(t.status, Status::Resolved, "refusals change nothing");
        t.requester.name = Some("Nguyễn Thị Lan".into());
        let e = run(
            &mut t,
            org,
            Change::Confirm {
                by: None,
                via: "walk-in".into(),
            },
        )
        .unwrap();
        assert_eq!(
            e.kind,
            EventKind::RequesterConfirmed {
                confirmed_by: Some("Nguyễn Thị Lan".into()),
                via: Some("walk-in".into())
            }
        );
        assert_eq!(t.status, Status::Closed);
        assert!(t.closed_at.is_some());
    }

    #[test]
    fn auto_close_closes_only_a_resolved_ticket() {
        let cfg = config::embedded();
        let org = &cfg.org;
        let mut t = new_ticket(org);
        let auto = || Change::AutoClose { after: "3d".into() };
        assert!(
            run(&mut t, org, auto()).is_err(),
            "an open ticket stays open"
        );
        run(
            &mut t,
            org,
            Change::Resolve {
                resolution: "Đã mở khóa".into(),
            },
        )
        .unwrap();
        let e = run(&mut t, org, auto()).unwrap();
        assert_eq!(e.kind, EventKind::AutoClosed { after: "3d".into() });
        assert_eq!(t.status, Status::Closed);
        // An event recorded before `by` and `via` were kept still reads.
        let old: EventKind = serde_json::from_str(r#"{"kind":"requester_confirmed"}"#).unwrap();
        assert_eq!(
            old,
            EventKind::RequesterConfirmed {
                confirmed_by: None,
                via: None
            }
        );
    }

    #[test]
    fn create_normalises_and_applies_defaults() {
        let cfg = config::embedded();
        let t = new_ticket(&cfg.org);
        assert_eq!(t.title, "Không đăng nhập được TABMIS");
        assert_eq!(t.description, "Tài khoản bị khóa\nsau 5 lần nhập sai");
        assert_eq!(
            t.application.as_deref(),
            Some("TABMIS"),
            "codes match case-insensitively"
        );
        assert_eq!(t.kind, "incident");
        assert_eq!(t.channel, "phone");
        assert_eq!(t.group, "service-desk");
        assert_eq!(t.tier, 3);
        assert_eq!(
            (t.impact.as_str(), t.urgency.as_str(), t.priority.as_str()),
            ("medium", "medium", "P3")
        );
        assert_eq!(t.status, Status::New);
        assert_eq!(t.version, 1);
    }

    #[test]
    fn create_refuses_bad_input() {
        let cfg = config::embedded();
        let org = &cfg.org;
        let ctx = Ctx {
            org,
            actor: "nguyenvanan",
            now: at(1, 0),
            by: None,
        };
        let base = NewTicket {
            title: "x".into(),
            ..NewTicket::default()
        };
        let cases = [
            (
                NewTicket {
                    title: "  ".into(),
                    ..base.clone()
                },
                DomainError::Empty { field: "title" },
            ),
            (
                NewTicket {
                    kind: Some("nope".into()),
                    ..base.clone()
                },
                unknown("kind", "nope"),
            ),
            (
                NewTicket {
                    channel: Some("pigeon".into()),
                    ..base.clone()
                },
                unknown("channel", "pigeon"),
            ),
            (
                NewTicket {
                    group: Some("ghosts".into()),
                    ..base.clone()
                },
                unknown("group", "ghosts"),
            ),
            (
                NewTicket {
                    impact: Some("huge".into()),
                    ..base.clone()
                },
                unknown("impact", "huge"),
            ),
            (
                NewTicket {
                    requester: Requester {
                        unit: Some("XX".into()),
                        ..Requester::default()
                    },
                    ..base.clone()
                },
                unknown("unit", "XX"),
            ),
        ];
        for (new, expected) in cases {
            assert_eq!(create(&new, ctx).unwrap_err(), expected);
        }
        let long = NewTicket {
            description: "a".repeat(MAX_TEXT_BYTES + 1),
            ..base.clone()
        };
        assert!(matches!(
            create(&long, ctx),
            Err(DomainError::TooLong {
                field: "description",
                ..
            })
        ));
        let long_title = NewTicket {
            title: "ô".repeat(MAX_TITLE_CHARS + 1),
            ..base
        };
        assert!(matches!(
            create(&long_title, ctx),
            Err(DomainError::TooLong { field: "title", .. })
        ));
    }

    #[test]
    fn a_whole_life_bumps_the_version_once_per_event() {
        let cfg = config::embedded();
        let org = &cfg.org;
        let mut t = new_ticket(org);
        let steps = vec![
            Change::Assign {
                to: Some("nguyenvanan".into()),
                group: None,
            },
            Change::Note {
                text: "gọi lại cho đơn vị".into(),
            },
            Change::Reply {
                text: "Đang kiểm tra".into(),
            },
            Change::SetStatus {
                to: Status::InProgress,
                reason: None,
            },
            Change::Escalate {
                group: Some("vendor-oracle".into()),
                reason: "lỗi ORA-00054".into(),
                external_ref: Some("SR-1".into()),
            },
            Change::Return {
                reason: "nhà thầu đã sửa".into(),
            },
            Change::Resolve {
                resolution: "Đã mở khóa tài khoản".into(),
            },
            Change::Reopen {
                reason: "vẫn bị khóa".into(),
            },
            Change::Resolve {
                resolution: "Đặt lại mật khẩu".into(),
            },
            Change::Confirm {
                by: Some("Chị Lan".into()),
                via: "phone".into(),
            },
        ];
        let n = steps.len();
        for (i, change) in steps.into_iter().enumerate() {
            let e = run(&mut t, org, change).unwrap();
            assert_eq!(e.version, i as i64 + 2);
            assert_eq!(t.version, e.version);
        }
        assert_eq!(t.version, n as i64 + 1);
        assert_eq!(t.status, Status::Closed);
        assert!(t.closed_at.is_some());
        assert_eq!(t.resolution.as_deref(), Some("Đặt lại mật khẩu"));
    }

    #[test]
    fn reply_sets_first_response_but_a_note_does_not() {
        let cfg = config::embedded();
        let org = &cfg.org;
        let mut t = new_ticket(org);
        run(
            &mut t,
            org,
            Change::Note {
                text: "nội bộ".into(),
            },
        )
        .unwrap();
        assert_eq!(t.first_response_at, None);
        run(
            &mut t,
            org,
            Change::Reply {
                text: "trả lời".into(),
            },
        )
        .unwrap();
        assert_eq!(t.first_response_at, Some(at(2, 0)));
        let later = Ctx {
            org,
            actor: "lethihoa",
            now: at(3, 0),
            by: None,
        };
        apply(
            &mut t,
            Change::Reply {
                text: "lần hai".into(),
            },
            later,
        )
        .unwrap();
        assert_eq!(
            t.first_response_at,
            Some(at(2, 0)),
            "only the first reply counts"
        );
        assert!(matches!(
            run(
                &mut t,
                org,
                Change::Reply {
                    text: " \n ".into()
                }
            ),
            Err(DomainError::Empty { .. })
        ));
    }

    #[test]
    fn assign_and_take() {
        let cfg = config::embedded();
        let org = &cfg.org;
        let mut t = new_ticket(org);
        let e = run(
            &mut t,
            org,
            Change::Assign {
                to: Some("doquangvinh".into()),
                group: None,
            },
        )
        .unwrap();
        assert_eq!(t.assignee.as_deref(), Some("doquangvinh"));
        assert_eq!(
            t.group, "tabmis",
            "assigning to an operator moves the ticket to their group"
        );
        assert_eq!(t.status, Status::Assigned);
        assert!(matches!(e.kind, EventKind::Assigned { .. }));
        assert_eq!(
            run(
                &mut t,
                org,
                Change::Assign {
                    to: Some("doquangvinh".into()),
                    group: None
                }
            ),
            Err(DomainError::NothingToChange)
        );
        assert_eq!(
            run(
                &mut t,
                org,
                Change::Assign {
                    to: Some("nobody".into()),
                    group: None
                }
            ),
            Err(unknown("operator", "nobody"))
        );
        // Unassign into a group's queue.
        run(
            &mut t,
            org,
            Change::Assign {
                to: None,
                group: Some("payments".into()),
            },
        )
        .unwrap();
        assert_eq!(
            (t.assignee.as_deref(), t.group.as_str()),
            (None, "payments")
        );
    }

    #[test]
    fn classify_recomputes_the_priority() {
        let cfg = config::embedded();
        let org = &cfg.org;
        let mut t = new_ticket(org);
        let e = run(
            &mut t,
            org,
            Change::Classify(Classification {
                impact: Some("high".into()),
                urgency: Some("high".into()),
                category: Some("user-error".into()),
                ..Classification::default()
            }),
        )
        .unwrap();
        assert_eq!(t.priority, "P1");
        let EventKind::Classified { changes } = e.kind else {
            panic!("wrong event")
        };
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["category", "impact", "urgency", "priority"]);
        assert_eq!(
            run(
                &mut t,
                org,
                Change::Classify(Classification {
                    impact: Some("high".into()),
                    ..Classification::default()
                })
            ),
            Err(DomainError::NothingToChange)
        );
        assert_eq!(
            run(
                &mut t,
                org,
                Change::Classify(Classification {
                    category: Some("zzz".into()),
                    ..Classification::default()
                })
            ),
            Err(unknown("category", "zzz"))
        );
    }

    #[test]
    fn status_changes_follow_the_state_machine() {
        let cfg = config::embedded();
        let org = &cfg.org;
        let mut t = new_ticket(org);
        assert_eq!(
            run(
                &mut t,
                org,
                Change::SetStatus {
                    to: Status::Resolved,
                    reason: None
                }
            ),
            Err(DomainError::UseResolve)
        );
        assert_eq!(
            run(
                &mut t,
                org,
                Change::SetStatus {
                    to: Status::Closed,
                    reason: None
                }
            ),
            Err(DomainError::UseConfirm)
        );
        assert_eq!(
            run(
                &mut t,
                org,
                Change::SetStatus {
                    to: Status::Cancelled,
                    reason: None
                }
            ),
            Err(DomainError::Empty { field: "reason" })
        );
        let before = t.clone();
        assert!(
            run(
                &mut t,
                org,
                Change::Confirm {
                    by: Some("Chị Lan".into()),
                    via: "phone".into()
                }
            )
            .is_err()
        );
        assert_eq!(t, before, "a refused change leaves the ticket as it was");
        run(
            &mut t,
            org,
            Change::SetStatus {
                to: Status::WaitingRequester,
                reason: None,
            },
        )
        .unwrap();
        run(
            &mut t,
            org,
            Change::Resolve {
                resolution: "xong".into(),
            },
        )
        .unwrap();
        assert_eq!(
            run(
                &mut t,
                org,
                Change::SetStatus {
                    to: Status::InProgress,
                    reason: None
                }
            ),
            Err(DomainError::UseReopen)
        );
        run(
            &mut t,
            org,
            Change::Confirm {
                by: Some("Anh Minh".into()),
                via: "email".into(),
            },
        )
        .unwrap();
        assert!(matches!(
            run(&mut t, org, Change::Reply { text: "x".into() }),
            Err(DomainError::Final { .. })
        ));
        run(
            &mut t,
            org,
            Change::Note {
                text: "ghi chú sau khi đóng".into(),
            },
        )
        .unwrap();
        run(
            &mut t,
            org,
            Change::Reopen {
                reason: "lỗi lặp lại".into(),
            },
        )
        .unwrap();
        assert_eq!(t.status, Status::InProgress);
        assert_eq!((t.resolved_at, t.closed_at), (None, None));
        run(
            &mut t,
            org,
            Change::SetStatus {
                to: Status::Cancelled,
                reason: Some("trùng".into()),
            },
        )
        .unwrap();
        assert!(matches!(
            run(&mut t, org, Change::Reopen { reason: "x".into() }),
            Err(DomainError::InvalidTransition { .. })
        ));
    }

    #[test]
    fn escalation_goes_up_and_returns_down() {
        let cfg = config::embedded();
        let org = &cfg.org;
        let mut t = new_ticket(org);
        run(
            &mut t,
            org,
            Change::Assign {
                to: None,
                group: Some("province-it".into()),
            },
        )
        .unwrap();
        assert_eq!(t.tier, 2);
        assert!(matches!(
            run(
                &mut t,
                org,
                Change::Escalate {
                    group: None,
                    reason: "  ".into(),
                    external_ref: None
                }
            ),
            Err(DomainError::Empty { field: "reason" })
        ));
        run(
            &mut t,
            org,
            Change::Escalate {
                group: None,
                reason: "quá khả năng".into(),
                external_ref: None,
            },
        )
        .unwrap();
        assert_eq!(
            (t.tier, t.group.as_str()),
            (3, "service-desk"),
            "next tier, its first group"
        );
        assert_eq!(t.following_group(), Some("province-it"));
        assert_eq!(
            run(
                &mut t,
                org,
                Change::Escalate {
                    group: Some("province-it".into()),
                    reason: "x".into(),
                    external_ref: None
                }
            ),
            Err(DomainError::NotUpward {
                group: "province-it".into(),
                group_tier: 2,
                tier: 3
            })
        );
        run(
            &mut t,
            org,
            Change::Escalate {
                group: Some("vendor-fpt".into()),
                reason: "nhà thầu".into(),
                external_ref: Some("FPT-77".into()),
            },
        )
        .unwrap();
        assert_eq!((t.tier, t.status), (5, Status::WaitingVendor));
        assert_eq!(t.external_ref.as_deref(), Some("FPT-77"));
        assert_eq!(
            run(
                &mut t,
                org,
                Change::Escalate {
                    group: None,
                    reason: "x".into(),
                    external_ref: None
                }
            ),
            Err(DomainError::NoHigherTier { tier: 5 })
        );
        run(
            &mut t,
            org,
            Change::Return {
                reason: "đã có bản vá".into(),
            },
        )
        .unwrap();
        assert_eq!(
            (t.tier, t.group.as_str(), t.status),
            (3, "service-desk", Status::InProgress)
        );
        run(
            &mut t,
            org,
            Change::Return {
                reason: "trả lời NSD".into(),
            },
        )
        .unwrap();
        assert_eq!((t.tier, t.group.as_str()), (2, "province-it"));
        assert!(matches!(
            run(&mut t, org, Change::Return { reason: "x".into() }),
            Err(DomainError::NotEscalated { .. })
        ));
    }

    /// Issue 14: the Service Desk hands a call to the TABMIS group (same tier) and keeps
    /// following it; the TABMIS group's answer brings it back to the operator who took it.
    #[test]
    fn transfer_to_a_same_tier_group_keeps_the_sender_following() {
        let cfg = config::embedded();
        let org = &cfg.org;
        let mut t = new_ticket(org);
        t.group = "service-desk".into();
        t.tier = 3;
        t.assignee = Some("nguyenvanan".into());
        t.escalation.clear();
        let e = run(
            &mut t,
            org,
            Change::Transfer {
                group: "tabmis".into(),
                reason: Some("lỗi phân hệ sổ cái".into()),
            },
        )
        .unwrap();
        assert_eq!(
            (t.group.as_str(), t.tier, t.assignee.as_deref()),
            ("tabmis", 3, None)
        );
        assert_eq!(t.following_group(), Some("service-desk"));
        assert_eq!(
            e.kind,
            EventKind::Transferred {
                tier: 3,
                from_group: "service-desk".into(),
                to_group: "tabmis".into(),
                from: Some("nguyenvanan".into()),
                reason: Some("lỗi phân hệ sổ cái".into()),
                following: Some("service-desk".into()),
            }
        );
        // Not a transfer: another tier, the same group, an unknown group.
        assert!(matches!(
            run(
                &mut t,
                org,
                Change::Transfer {
                    group: "system-admin".into(),
                    reason: None
                }
            ),
            Err(DomainError::NotSameTier {
                group_tier: 4,
                tier: 3,
                ..
            })
        ));
        assert_eq!(
            run(
                &mut t,
                org,
                Change::Transfer {
                    group: "tabmis".into(),
                    reason: None
                }
            ),
            Err(DomainError::NothingToChange)
        );
        assert!(matches!(
            run(
                &mut t,
                org,
                Change::Transfer {
                    group: "nosuch".into(),
                    reason: None
                }
            ),
            Err(DomainError::Unknown { .. })
        ));
        // Solved there, it goes back to the Service Desk operator who took the call.
        run(
            &mut t,
            org,
            Change::Resolve {
                resolution: "đã mở khóa".into(),
            },
        )
        .unwrap();
        assert_eq!(
            (t.group.as_str(), t.assignee.as_deref()),
            ("service-desk", Some("nguyenvanan"))
        );
        // Sent home to the group that follows it, nobody follows any more.
        let mut u = new_ticket(org);
        u.group = "service-desk".into();
        u.tier = 3;
        u.escalation.clear();
        let to = |g: &str| Change::Transfer {
            group: g.into(),
            reason: None,
        };
        run(&mut u, org, to("tabmis")).unwrap();
        run(&mut u, org, to("service-desk")).unwrap();
        assert_eq!(
            (u.group.as_str(), u.following_group()),
            ("service-desk", None)
        );
    }

    #[test]
    fn links_refuse_self_and_cycles() {
        let cfg = config::embedded();
        let org = &cfg.org;
        let mut t = new_ticket(org);
        let link = |relation, target: &str, ancestors: &[&str]| Change::Link {
            relation,
            target: target.into(),
            target_ancestors: ancestors.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            run(
                &mut t,
                org,
                link(LinkRelation::DuplicateOf, "HT-2026-000001", &[])
            ),
            Err(DomainError::SelfLink)
        );
        assert!(matches!(
            run(
                &mut t,
                org,
                link(
                    LinkRelation::ChildOf,
                    "HT-2026-000009",
                    &["HT-2026-000005", "HT-2026-000001"]
                )
            ),
            Err(DomainError::LinkCycle { .. })
        ));
        run(
            &mut t,
            org,
            link(LinkRelation::ChildOf, "HT-2026-000009", &["HT-2026-000005"]),
        )
        .unwrap();
        assert_eq!(t.parent.as_deref(), Some("HT-2026-000009"));
        run(
            &mut t,
            org,
            link(LinkRelation::DuplicateOf, "HT-2026-000003", &[]),
        )
        .unwrap();
        assert_eq!(t.duplicate_of.as_deref(), Some("HT-2026-000003"));
        assert_eq!(
            run(
                &mut t,
                org,
                link(LinkRelation::DuplicateOf, "HT-2026-000003", &[])
            ),
            Err(DomainError::NothingToChange)
        );
    }

    #[test]
    fn events_round_trip_through_json() {
        let cfg = config::embedded();
        let org = &cfg.org;
        let mut t = new_ticket(org);
        let e = run(
            &mut t,
            org,
            Change::Escalate {
                group: None,
                reason: "lý do".into(),
                external_ref: None,
            },
        )
        .unwrap();
        let json = serde_json::to_string(&e.kind).unwrap();
        assert!(json.contains("\"kind\":\"escalated\""), "{json}");
        let back: EventKind = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e.kind);
        assert_eq!(e.kind.name(), "escalated");
    }
}
