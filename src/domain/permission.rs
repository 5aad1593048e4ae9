//! Who may do what: the permission table (role → permissions) and the rules that decide
//! whether an operator may make a given change to a given ticket.
//!
//! Source: issue 11 ("roles enforced everywhere") over seed 000 (the key user records the
//! request and looks for known solutions) and seed 003 (tiers, groups, the shift's morning
//! check, the leads' report and announcements). The defaults:
//!
//! | role | may |
//! |---|---|
//! | key_user | read and search; record a new request and add to requests they recorded |
//! | operator | work tickets of their group (or assigned to them): reply, note, take, classify, status, escalate, return, link, resolve; steps of their roles; draft articles; apply the SLA rules |
//! | shift | record morning-check results, run probes, open check incidents |
//! | lead | what operators may; reassign tickets across groups; finalise and amend the morning check; announcements |
//! | approver | approval steps (approve, send back) of any ticket |
//! | admin | apply the configuration, import articles, back up, rebuild the index, act as another operator (`--as`), apply the SLA rules |
//!
//! Every refusal names the roles that would allow the action ([`Refusal`]).

use crate::domain::org::{Operator, Organisation, Role};
use crate::domain::ticket::{Change, Ticket};
use std::collections::{BTreeMap, BTreeSet};

/// One thing a role may do. The names (`as_str`) are the ones written in `[permissions]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// Read tickets, articles, checks, reports; search.
    Read,
    /// Record a new request.
    CreateTicket,
    /// Reply to and note on requests one recorded oneself (the key user, seed 000).
    AddToOwn,
    /// Work tickets of one's group or assigned to one: reply, note, take, classify, status,
    /// escalate, return, link, resolve, confirm, reopen, steps of one's roles.
    WorkTickets,
    /// Move a ticket to another group than one's own (reassignment across groups).
    ReassignGroups,
    /// Write knowledge articles: new drafts, a draft from a resolved ticket, edits (a
    /// published article's edit waits for review as a revision).
    DraftArticle,
    /// Publish and retire knowledge articles (review what was written).
    PublishArticle,
    /// Record morning-check results (before the day is finalised).
    RecordCheck,
    /// Run the morning check's probes.
    RunProbes,
    /// Open the incident ticket of a failed check.
    OpenCheckIncident,
    /// Finalise the day's morning check and amend it afterwards.
    FinaliseCheck,
    /// Create, edit and end announcements.
    Announce,
    /// Apply the SLA rules (`hotro sla tick`).
    SlaTick,
    /// Apply a configuration to the database.
    ApplyConfig,
    /// Import knowledge articles.
    ImportKnowledge,
    /// Back up the database, and accept a file restored from a backup (`hotro db restored`).
    Backup,
    /// Rebuild the search index.
    RebuildIndex,
    /// Act as another operator (`--as`).
    ActAs,
    /// Run the mail intake (`hotro mail fetch`): its changes are recorded as the configured
    /// intake operator's, with the one who ran it beside them (issue 12).
    FetchMail,
    /// What the intake does: open tickets from mail, add the requester's replies to any
    /// ticket, keep the attachments (the service operator's `mail_intake` role).
    IntakeMail,
    /// Deliver the outbox (`hotro mail send`): the mails of public replies (issue 12).
    SendMail,
}

impl Permission {
    /// Every permission, in the order of the configuration's documentation.
    pub const ALL: [Permission; 21] = [
        Permission::Read,
        Permission::CreateTicket,
        Permission::AddToOwn,
        Permission::WorkTickets,
        Permission::ReassignGroups,
        Permission::DraftArticle,
        Permission::PublishArticle,
        Permission::RecordCheck,
        Permission::RunProbes,
        Permission::OpenCheckIncident,
        Permission::FinaliseCheck,
        Permission::Announce,
        Permission::SlaTick,
        Permission::ApplyConfig,
        Permission::ImportKnowledge,
        Permission::Backup,
        Permission::RebuildIndex,
        Permission::ActAs,
        Permission::FetchMail,
        Permission::IntakeMail,
        Permission::SendMail,
    ];

    /// The name used in the configuration's `[permissions]` table.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::CreateTicket => "create_ticket",
            Permission::AddToOwn => "add_to_own",
            Permission::WorkTickets => "work_tickets",
            Permission::ReassignGroups => "reassign_groups",
            Permission::DraftArticle => "draft_article",
            Permission::PublishArticle => "publish_article",
            Permission::RecordCheck => "record_check",
            Permission::RunProbes => "run_probes",
            Permission::OpenCheckIncident => "open_check_incident",
            Permission::FinaliseCheck => "finalise_check",
            Permission::Announce => "announce",
            Permission::SlaTick => "sla_tick",
            Permission::ApplyConfig => "apply_config",
            Permission::ImportKnowledge => "import_knowledge",
            Permission::Backup => "backup",
            Permission::RebuildIndex => "rebuild_index",
            Permission::ActAs => "act_as",
            Permission::FetchMail => "fetch_mail",
            Permission::IntakeMail => "intake_mail",
            Permission::SendMail => "send_mail",
        }
    }

    /// The permission of a `[permissions]` name (`None` for an unknown one).
    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The permission table: what each role may do. Built from `[permissions]` in the
/// configuration (each role given there replaces its default set) over [`Permissions::default`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    by_role: BTreeMap<&'static str, BTreeSet<Permission>>,
}

impl Default for Permissions {
    /// The defaults of issue 11 (table in the module documentation).
    fn default() -> Self {
        use Permission::*;
        let operator = vec![
            Read,
            CreateTicket,
            AddToOwn,
            WorkTickets,
            DraftArticle,
            SlaTick,
        ];
        let mut lead = operator.clone();
        lead.extend([ReassignGroups, FinaliseCheck, Announce, PublishArticle]);
        let mut p = Permissions {
            by_role: BTreeMap::new(),
        };
        p.set(Role::KeyUser, [Read, CreateTicket, AddToOwn]);
        p.set(Role::Operator, operator);
        p.set(
            Role::Shift,
            [Read, RecordCheck, RunProbes, OpenCheckIncident],
        );
        p.set(Role::Lead, lead);
        p.set(Role::Approver, [Read]);
        p.set(
            Role::Admin,
            [
                Read,
                ApplyConfig,
                ImportKnowledge,
                PublishArticle,
                Backup,
                RebuildIndex,
                ActAs,
                SlaTick,
                FetchMail,
                SendMail,
            ],
        );
        p.set(
            Role::MailIntake,
            [Read, CreateTicket, FetchMail, IntakeMail, SendMail],
        );
        p
    }
}

impl Permissions {
    /// Replace the set of permissions of `role`.
    pub fn set(&mut self, role: Role, perms: impl IntoIterator<Item = Permission>) {
        self.by_role
            .insert(role.as_str(), perms.into_iter().collect());
    }

    /// Whether `role` has `perm`.
    pub fn role_has(&self, role: Role, perm: Permission) -> bool {
        self.by_role
            .get(role.as_str())
            .is_some_and(|s| s.contains(&perm))
    }

    /// Everything an operator with these roles may do.
    pub fn grants(&self, roles: &[Role]) -> BTreeSet<Permission> {
        roles
            .iter()
            .filter_map(|r| self.by_role.get(r.as_str()))
            .flatten()
            .copied()
            .collect()
    }

    /// The roles that have `perm`, for refusals ("needs the lead role").
    pub fn roles_with(&self, perm: Permission) -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|r| self.role_has(*r, perm))
            .collect()
    }

    /// `Ok` if one of `op`'s roles has `perm`, else a refusal naming the roles that would.
    pub fn require(&self, op: &Operator, perm: Permission) -> Result<(), Refusal> {
        if op.roles.iter().any(|r| self.role_has(*r, perm)) {
            Ok(())
        } else {
            Err(Refusal {
                login: op.login.clone(),
                action: perm.as_str().to_string(),
                roles: self
                    .roles_with(perm)
                    .into_iter()
                    .map(|r| r.as_str().to_string())
                    .collect(),
                scope: None,
                step: None,
            })
        }
    }
}

/// An action refused for want of a role (or outside the operator's tickets).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{login} may not {action}: it needs the {} role", .roles.join(" or "))]
pub struct Refusal {
    /// The operator refused.
    pub login: String,
    /// The permission (or step) that was needed, as written in `[permissions]`.
    pub action: String,
    /// The roles that would allow it (empty: no role allows it in this configuration).
    pub roles: Vec<String>,
    /// When the refusal is about the ticket rather than the role: the ticket's group, which
    /// the operator is not in (a lead of that group, or reassignment, would be needed).
    pub scope: Option<String>,
    /// When the refusal is about a procedure step that names its role: the step's id.
    pub step: Option<String>,
}

/// Whether `actor`'s change of kind `kind` is a key user's addition to a request of their
/// own, which a database server applies without UPDATE on tickets (no key user is granted
/// it: issue 17; PG migration 5): a public reply, an internal note or the files attached
/// with a reply (`ticket reply --attach`, which [`may_change`] admits as the reply) by an
/// operator whose
/// only role is key user (`add_to_own` is theirs; anyone with another role works tickets
/// with that role's grants). An unknown actor is no key user.
pub fn adds_only_to_own(
    org: &Organisation,
    actor: &str,
    kind: &crate::domain::ticket::EventKind,
) -> bool {
    use crate::domain::ticket::EventKind;
    matches!(
        kind,
        EventKind::PublicReply { .. } | EventKind::InternalNote { .. } | EventKind::Attached { .. }
    ) && org
        .operator(actor)
        .is_some_and(|op| !op.roles.is_empty() && op.roles.iter().all(|r| *r == Role::KeyUser))
}

/// Who recorded a ticket, for the key user's "add to requests they recorded".
#[derive(Debug, Clone, Copy)]
pub struct TicketScope<'a> {
    /// The ticket as it is now.
    pub ticket: &'a Ticket,
    /// The login that created the ticket (its first event's actor).
    pub created_by: Option<&'a str>,
}

/// Whether `op` may make `change` to the ticket. The rule, once for both front ends:
/// - a reply or note on a request one recorded oneself needs `add_to_own` (key users);
/// - steps that name a role (approval) need that role, whatever the ticket's group; the
///   domain checks the role itself when completing the step, so here it is let through;
/// - everything else needs `work_tickets` and the ticket in one's own group or assigned to
///   one; an internal note is also allowed to the group that escalated the ticket and
///   follows it; a ticket at an external group (vendor) is worked by the group that sent it;
/// - moving a ticket to a group other than one's own needs `reassign_groups` (leads), except
///   taking it oneself.
pub fn may_change(
    perms: &Permissions,
    org: &Organisation,
    op: &Operator,
    scope: TicketScope<'_>,
    change: &Change,
) -> Result<(), Refusal> {
    let t = scope.ticket;
    // The requester's reply and the files that came with it are the intake's to record,
    // whichever group has the ticket (issue 12).
    if matches!(
        change,
        Change::RequesterReply { .. } | Change::Attach { .. }
    ) && perms.require(op, Permission::IntakeMail).is_ok()
    {
        return Ok(());
    }
    let own_request = scope.created_by == Some(op.login.as_str());
    if matches!(change, Change::Reply { .. } | Change::Note { .. })
        && own_request
        && perms.require(op, Permission::AddToOwn).is_ok()
    {
        return Ok(());
    }
    if let Change::CompleteStep { .. } | Change::ReturnStep { .. } = change
        && let Some(step) = crate::domain::ticket::pending_step(t, org)
        && let Some(role) = step.role
    {
        if op.roles.contains(&role) {
            return Ok(());
        }
        return Err(Refusal {
            login: op.login.clone(),
            action: Permission::WorkTickets.as_str().to_string(),
            roles: vec![role.as_str().to_string()],
            scope: None,
            step: Some(step.id.clone()),
        });
    }
    perms.require(op, Permission::WorkTickets)?;
    // A requirement is decided by the reviewers configured for its level, whatever the
    // ticket's group: the domain checks who they are (issue 16, seed 004 article 4).
    if let Change::Requirement(_) = change {
        return Ok(());
    }
    // A ticket with an external group (a vendor, tier 5) is worked by the group that sent
    // it there: the vendor has no operators in hotro; the sending group records its answer,
    // returns or resolves it (seed 003: the central desk follows tickets sent to vendors).
    let external = org.group(&t.group).is_some_and(|g| g.external);
    let in_group = t.group == op.group
        || t.assignee.as_deref() == Some(op.login.as_str())
        || (external && t.following_group() == Some(op.group.as_str()));
    let following =
        matches!(change, Change::Note { .. }) && t.escalation.iter().any(|h| h.group == op.group);
    if !in_group && !following {
        return Err(Refusal {
            login: op.login.clone(),
            action: Permission::WorkTickets.as_str().to_string(),
            // Another group's ticket is worked there, or moved by whoever may reassign.
            roles: perms
                .roles_with(Permission::ReassignGroups)
                .into_iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            scope: Some(t.group.clone()),
            step: None,
        });
    }
    if let Change::Assign { to, group } = change {
        let target =
            crate::domain::ticket::assignment_group(org, t, to.as_deref(), group.as_deref());
        let taking = to.as_deref() == Some(op.login.as_str()) && group.is_none();
        let moves_away = target != op.group && target != t.group;
        if (moves_away && !taking) || outsider(org, to.as_deref(), target) {
            perms.require(op, Permission::ReassignGroups)?;
        }
    }
    Ok(())
}

/// Whether `assignee` is an operator of another group than `group`: handing a ticket to
/// someone outside the group it is in is a reassignment (leads), on creation as later.
pub fn outsider(org: &Organisation, assignee: Option<&str>, group: &str) -> bool {
    assignee
        .and_then(|login| org.operator(login))
        .is_some_and(|o| o.group != group)
}

/// Whether `op` may record `new` as given: a new request with an assignee outside its group
/// is a reassignment ([`outsider`]); the group chosen is routing and open to all who record.
pub fn may_create(
    perms: &Permissions,
    org: &Organisation,
    op: &Operator,
    new: &crate::domain::ticket::NewTicket,
) -> Result<(), Refusal> {
    perms.require(op, Permission::CreateTicket)?;
    let group = new
        .group
        .as_deref()
        .unwrap_or_else(|| crate::domain::ticket::intake_group_for(org, &op.login));
    if outsider(org, new.assignee.as_deref(), group) {
        perms.require(op, Permission::ReassignGroups)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Organisation {
        crate::config::embedded().org
    }

    fn ticket(org: &Organisation, group: &str) -> Ticket {
        let new = crate::domain::ticket::NewTicket {
            title: "Không đăng nhập được".into(),
            group: Some(group.into()),
            ..Default::default()
        };
        let ctx = crate::domain::ticket::Ctx {
            org,
            actor: "nguyenvanan",
            now: chrono::Utc::now(),
            by: None,
        };
        let (mut t, _) = crate::domain::ticket::create(&new, ctx).expect("valid ticket");
        t.key = "HT-2026-000001".into();
        t
    }

    fn op<'o>(org: &'o Organisation, login: &str) -> &'o Operator {
        org.operator(login).expect("operator in the default config")
    }

    #[test]
    fn defaults_follow_the_issue_table() {
        let p = Permissions::default();
        assert!(p.role_has(Role::KeyUser, Permission::CreateTicket));
        assert!(!p.role_has(Role::KeyUser, Permission::WorkTickets));
        assert!(!p.role_has(Role::Operator, Permission::FinaliseCheck));
        assert!(p.role_has(Role::Lead, Permission::FinaliseCheck));
        assert!(p.role_has(Role::Shift, Permission::RecordCheck));
        assert!(!p.role_has(Role::Operator, Permission::RecordCheck));
        assert!(p.role_has(Role::Admin, Permission::ActAs));
        assert!(!p.role_has(Role::Lead, Permission::ActAs));
        assert_eq!(p.roles_with(Permission::Announce), vec![Role::Lead]);
    }

    #[test]
    fn a_refusal_names_the_role_needed() {
        let org = org();
        let p = Permissions::default();
        let e = p
            .require(op(&org, "doquangvinh"), Permission::FinaliseCheck)
            .expect_err("a plain operator may not finalise");
        assert_eq!(e.roles, vec!["lead".to_string()]);
        assert!(e.to_string().contains("lead"), "{e}");
    }

    #[test]
    fn operators_work_tickets_of_their_group_only() {
        let org = org();
        let p = Permissions::default();
        let sd = ticket(&org, "service-desk");
        let scope = TicketScope {
            ticket: &sd,
            created_by: Some("nguyenvanan"),
        };
        let reply = Change::Reply { text: "x".into() };
        let an = op(&org, "nguyenvanan");
        assert!(may_change(&p, &org, an, scope, &reply).is_ok());
        let hoa = op(&org, "lethihoa");
        assert_ne!(hoa.group, "service-desk");
        let e = may_change(&p, &org, hoa, scope, &reply).expect_err("another group");
        assert_eq!(e.scope.as_deref(), Some("service-desk"));
    }

    #[test]
    fn key_users_add_only_to_their_own_requests() {
        let org = org();
        let p = Permissions::default();
        let mut key_user = op(&org, "buivantuan").clone();
        key_user.roles = vec![Role::KeyUser];
        let t = ticket(&org, &key_user.group.clone());
        let note = Change::Note { text: "x".into() };
        let mine = TicketScope {
            ticket: &t,
            created_by: Some("buivantuan"),
        };
        let theirs = TicketScope {
            ticket: &t,
            created_by: Some("nguyenvanan"),
        };
        assert!(may_change(&p, &org, &key_user, mine, &note).is_ok());
        assert!(may_change(&p, &org, &key_user, theirs, &note).is_err());
        let resolve = Change::Resolve {
            resolution: "x".into(),
        };
        let e = may_change(&p, &org, &key_user, mine, &resolve).expect_err("no resolve");
        assert!(e.roles.contains(&"operator".to_string()), "{e:?}");
    }

    #[test]
    fn only_a_key_users_note_or_reply_is_an_addition_to_their_own() {
        use crate::domain::ticket::EventKind;
        let mut org = org();
        let note = EventKind::InternalNote { text: "x".into() };
        let reply = EventKind::PublicReply { text: "x".into() };
        // An operator works tickets with their own grants.
        assert!(!adds_only_to_own(&org, "buivantuan", &note));
        if let Some(o) = org.operators.iter_mut().find(|o| o.login == "buivantuan") {
            o.roles = vec![Role::KeyUser];
        }
        assert!(adds_only_to_own(&org, "buivantuan", &note));
        assert!(adds_only_to_own(&org, "buivantuan", &reply));
        let files = EventKind::Attached {
            files: Vec::new(),
            mail: None,
        };
        assert!(adds_only_to_own(&org, "buivantuan", &files));
        let resolved = EventKind::Resolved {
            resolution: "x".into(),
        };
        assert!(!adds_only_to_own(&org, "buivantuan", &resolved));
        // A key user who is also an operator works tickets as one.
        if let Some(o) = org.operators.iter_mut().find(|o| o.login == "buivantuan") {
            o.roles = vec![Role::KeyUser, Role::Operator];
        }
        assert!(!adds_only_to_own(&org, "buivantuan", &note));
        assert!(!adds_only_to_own(&org, "nobody", &note));
    }

    #[test]
    fn reassigning_to_another_group_needs_a_lead() {
        let org = org();
        let p = Permissions::default();
        let t = ticket(&org, "service-desk");
        let scope = TicketScope {
            ticket: &t,
            created_by: None,
        };
        let away = Change::Assign {
            to: None,
            group: Some("tabmis".into()),
        };
        let mut plain = op(&org, "nguyenvanan").clone();
        plain.roles = vec![Role::Operator];
        let e = may_change(&p, &org, &plain, scope, &away).expect_err("not a lead");
        assert_eq!(e.roles, vec!["lead".to_string()]);
        assert!(may_change(&p, &org, op(&org, "nguyenvanan"), scope, &away).is_ok());
    }

    #[test]
    fn a_ticket_at_a_vendor_is_worked_by_the_group_that_sent_it() {
        let org = org();
        let p = Permissions::default();
        let vendor = org
            .groups
            .iter()
            .find(|g| g.external)
            .expect("a vendor group in the default config");
        let mut t = ticket(&org, &vendor.id.clone());
        t.escalation = vec![crate::domain::ticket::Hop {
            tier: 4,
            group: "app-development".into(),
            assignee: None,
        }];
        let scope = TicketScope {
            ticket: &t,
            created_by: None,
        };
        let back = Change::Return {
            reason: "nhà thầu đã sửa".into(),
        };
        assert!(may_change(&p, &org, op(&org, "ngothuha"), scope, &back).is_ok());
        let e = may_change(&p, &org, op(&org, "nguyenvanan"), scope, &back)
            .expect_err("a group that does not follow it");
        assert_eq!(e.scope.as_deref(), Some(vendor.id.as_str()));
    }
}
