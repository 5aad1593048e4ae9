//! Human descriptions of domain values in the operator's language: statuses, events,
//! conflicts and errors. The CLI prints them; the console will show the same words.

use crate::config::ConfigError;
use crate::domain::org::Organisation;
use crate::domain::status::Status;
use crate::domain::ticket::{DomainError, Event, EventKind, LinkRelation};
use crate::i18n::Catalog;
use crate::inert::one_line;
use crate::store::{Conflict, StoreError};

pub fn status(cat: &Catalog, s: Status) -> String {
    cat.t(&format!("status.{}", s.as_str()))
}

fn group_name(org: &Organisation, cat: &Catalog, id: &str) -> String {
    org.group(id)
        .map(|g| g.name.get(cat.lang().code()).to_string())
        .unwrap_or_else(|| one_line(id))
}

/// A classified field's name in the reader's language (its catalog label when it has one).
fn field_label(cat: &Catalog, field: &str) -> String {
    let id = format!("field.{field}");
    if cat.has(&id) {
        cat.t(&id)
    } else {
        one_line(field)
    }
}

/// A classified field's value by its configured name in the reader's language (kinds,
/// categories, levels, applications); the stored value when the configuration has no name
/// for it; `—` when there is none.
fn field_value(cat: &Catalog, org: &Organisation, field: &str, value: &Option<String>) -> String {
    let Some(v) = value else {
        return "—".into();
    };
    let lang = cat.lang().code();
    let coded = |list: &[crate::domain::org::Coded]| {
        list.iter()
            .find(|c| &c.id == v)
            .map(|c| c.name.get(lang).to_string())
    };
    let named = match field {
        "kind" => coded(&org.kinds),
        "category" => coded(&org.categories),
        "impact" => coded(&org.priority.impact),
        "urgency" => coded(&org.priority.urgency),
        "channel" => coded(&org.channels),
        "application" => org
            .applications
            .iter()
            .find(|a| &a.code == v)
            .map(|a| a.name.clone()),
        "group" => org.group(v).map(|g| g.name.get(lang).to_string()),
        _ => None,
    };
    one_line(&named.unwrap_or_else(|| v.clone()))
}

/// A stored value inside a line, `—` when there is none.
fn dash(v: &Option<String>) -> String {
    one_line(v.as_deref().unwrap_or("—"))
}

/// One line saying what an event did. Every stored value in it (titles, reasons, logins,
/// recorded fields) passes through [`one_line`], so the line stays one line and inert.
pub fn event(cat: &Catalog, org: &Organisation, e: &Event) -> String {
    match &e.kind {
        EventKind::Created { title, .. } => cat.f("event.created", &[("title", &one_line(title))]),
        EventKind::PublicReply { text } => {
            cat.f("event.public_reply", &[("text", &first_line(text))])
        }
        EventKind::InternalNote { text } => {
            cat.f("event.internal_note", &[("text", &first_line(text))])
        }
        EventKind::RequesterReplied {
            text, via, from, ..
        } => {
            let lang = cat.lang().code();
            let mut channel = org
                .channel(via)
                .map(|c| c.name.get(lang).to_string())
                .unwrap_or_else(|| one_line(via));
            if let Some(f) = from {
                channel = format!("{channel}, {}", one_line(f));
            }
            cat.f(
                "event.requester_replied",
                &[("text", &first_line(text)), ("via", &channel)],
            )
        }
        EventKind::Attached { files, .. } => {
            let names: Vec<String> = files
                .iter()
                .map(|f| format!("{}. {}", f.n, one_line(&f.name)))
                .collect();
            cat.f(
                "event.attached",
                &[("count", &files.len()), ("files", &names.join(", "))],
            )
        }
        EventKind::SlaNotice {
            clock, lead, phone, ..
        } => cat.f(
            "sla.notify_lead",
            &[
                ("clock", &cat.t(&format!("sla.{clock}"))),
                ("lead", &dash(lead)),
                ("phone", &dash(phone)),
            ],
        ),
        EventKind::Edited { changes } => {
            // Free text, shortened: the timeline shows what changed, not whole descriptions.
            let short = |v: &Option<String>| {
                let v = field_value(cat, org, "", v);
                let mut cut: String = v.chars().take(60).collect();
                if cut.len() < v.len() {
                    cut.push('…');
                }
                cut
            };
            let parts: Vec<String> = changes
                .iter()
                .map(|c| {
                    let label = field_label(cat, &c.field);
                    if c.field == "channel" {
                        format!(
                            "{label}: {} → {}",
                            field_value(cat, org, &c.field, &c.from),
                            field_value(cat, org, &c.field, &c.to)
                        )
                    } else {
                        format!("{label}: {} → {}", short(&c.from), short(&c.to))
                    }
                })
                .collect();
            cat.f("event.edited", &[("changes", &parts.join(", "))])
        }
        EventKind::Classified { changes } => {
            let parts: Vec<String> = changes
                .iter()
                .map(|c| {
                    format!(
                        "{}: {} → {}",
                        field_label(cat, &c.field),
                        field_value(cat, org, &c.field, &c.from),
                        field_value(cat, org, &c.field, &c.to)
                    )
                })
                .collect();
            cat.f("event.classified", &[("changes", &parts.join(", "))])
        }
        EventKind::Assigned {
            from, to, group_to, ..
        } => cat.f(
            "event.assigned",
            &[
                ("from", &dash(from)),
                ("to", &dash(to)),
                ("group", &group_name(org, cat, group_to)),
            ],
        ),
        EventKind::StatusChanged { from, to, reason } => cat.f(
            "event.status_changed",
            &[
                ("from", &status(cat, *from)),
                ("to", &status(cat, *to)),
                ("reason", &dash(reason)),
            ],
        ),
        EventKind::Escalated {
            from_tier,
            to_tier,
            to_group,
            reason,
            by_rule,
            ..
        } => {
            // An SLA rule's escalation: its reason worded from the fact, for this reader.
            let reason = match by_rule {
                Some(clock) => cat.f(
                    "sla.escalate_reason",
                    &[("clock", &cat.t(&format!("sla.{clock}")))],
                ),
                None => one_line(reason),
            };
            cat.f(
                "event.escalated",
                &[
                    ("from_tier", from_tier),
                    ("to_tier", to_tier),
                    ("group", &group_name(org, cat, to_group)),
                    ("reason", &reason),
                ],
            )
        }
        EventKind::StepCompleted {
            step, fields, to, ..
        } => {
            let recorded: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}: {}", one_line(k), first_line(v)))
                .collect();
            let to = to
                .as_deref()
                .map(one_line)
                .unwrap_or_else(|| cat.t("event.procedure_done"));
            cat.f(
                "event.step_completed",
                &[
                    ("step", &one_line(step)),
                    ("to", &to),
                    (
                        "fields",
                        &if recorded.is_empty() {
                            "—".to_string()
                        } else {
                            recorded.join("; ")
                        },
                    ),
                ],
            )
        }
        EventKind::StepReturned {
            from, to, reason, ..
        } => cat.f(
            "event.step_returned",
            &[
                ("from", &one_line(from)),
                ("to", &one_line(to)),
                ("reason", &one_line(reason)),
            ],
        ),
        EventKind::ResolvedUpstream {
            from_tier,
            to_tier,
            to_group,
            resolution,
            ..
        } => cat.f(
            "event.resolved_upstream",
            &[
                ("from_tier", from_tier),
                ("to_tier", to_tier),
                ("group", &group_name(org, cat, to_group)),
                ("resolution", &first_line(resolution)),
            ],
        ),
        EventKind::Transferred {
            from_group,
            to_group,
            reason,
            following,
            ..
        } => cat.f(
            "event.transferred",
            &[
                ("from_group", &group_name(org, cat, from_group)),
                ("group", &group_name(org, cat, to_group)),
                (
                    "following",
                    &following
                        .as_deref()
                        .map(|g| group_name(org, cat, g))
                        .unwrap_or_else(|| "—".into()),
                ),
                (
                    "reason",
                    &reason
                        .as_deref()
                        .map(one_line)
                        .unwrap_or_else(|| "—".into()),
                ),
            ],
        ),
        EventKind::Returned {
            to_tier,
            to_group,
            reason,
            ..
        } => cat.f(
            "event.returned",
            &[
                ("to_tier", to_tier),
                ("group", &group_name(org, cat, to_group)),
                ("reason", &one_line(reason)),
            ],
        ),
        EventKind::Linked { relation, target } => match relation {
            LinkRelation::DuplicateOf => {
                cat.f("event.linked_duplicate", &[("target", &one_line(target))])
            }
            LinkRelation::ChildOf => cat.f("event.linked_child", &[("target", &one_line(target))]),
        },
        EventKind::Resolved { resolution } => {
            cat.f("event.resolved", &[("resolution", &first_line(resolution))])
        }
        EventKind::RequesterConfirmed { confirmed_by, via } => match (confirmed_by, via) {
            (Some(by), Some(via)) => cat.f(
                "event.requester_confirmed_by",
                &[
                    ("by", &one_line(by)),
                    ("via", &field_value(cat, org, "channel", &Some(via.clone()))),
                ],
            ),
            _ => cat.t("event.requester_confirmed"),
        },
        EventKind::RequirementChanged {
            from: _,
            at_level,
            after,
        } => requirement_event(cat, at_level.as_deref(), after),
        EventKind::AutoClosed { after } => {
            cat.f("event.auto_closed", &[("after", &one_line(after))])
        }
        EventKind::Reopened { reason, .. } => {
            cat.f("event.reopened", &[("reason", &one_line(reason))])
        }
    }
}

/// The first line of a stored text, at most 80 characters, `…` when there is more; inert.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let short: String = line.chars().take(80).collect();
    if short.len() < text.len() {
        format!("{}…", one_line(&short))
    } else {
        one_line(&short)
    }
}

/// "Ticket X changed since version V (now W):" and one line per change: who, when, what;
/// then what to do about it on the command line (`--expect-version`).
pub fn conflict(cat: &Catalog, org: &Organisation, c: &Conflict) -> String {
    let mut out = conflict_changes(cat, org, c);
    out.push('\n');
    out.push_str(&cat.f("conflict.nothing_changed", &[("current", &c.current)]));
    out
}

/// "Ticket X changed since version V (now W):" and one line per change: who, when, what.
pub fn conflict_changes(cat: &Catalog, org: &Organisation, c: &Conflict) -> String {
    let mut out = cat.f(
        "conflict.header",
        &[
            ("key", &one_line(&c.key)),
            ("expected", &c.expected),
            ("current", &c.current),
        ],
    );
    for e in &c.changes {
        let local = e.at.with_timezone(&org.time_zone).format("%Y-%m-%d %H:%M");
        out.push_str(&format!(
            "\n  v{} {} {}: {}",
            e.version,
            local,
            one_line(&e.actor),
            event(cat, org, e)
        ));
    }
    out
}

/// An instant as the organisation's wall clock reads it, `2026-11-30 14:05 +07:00` (the
/// offset said, so nobody takes it for UTC); RFC 3339 in UTC when no organisation is known.
fn local_time(org: Option<&Organisation>, at: &chrono::DateTime<chrono::Utc>) -> String {
    match org {
        Some(o) => at
            .with_timezone(&o.time_zone)
            .format("%Y-%m-%d %H:%M %:z")
            .to_string(),
        None => at.to_rfc3339(),
    }
}

/// A domain refusal in the reader's language, instants in the organisation's local time
/// (`org`; UTC without one).
pub fn domain_error(cat: &Catalog, org: Option<&Organisation>, e: &DomainError) -> String {
    let when = |at: &chrono::DateTime<chrono::Utc>| local_time(org, at);
    match e {
        DomainError::InvalidTransition { from, to } => cat.f(
            "error.invalid_transition",
            &[("from", &status(cat, *from)), ("to", &status(cat, *to))],
        ),
        DomainError::Final { key, status: s } => cat.f(
            "error.final",
            &[("key", &one_line(key)), ("status", &status(cat, *s))],
        ),
        DomainError::UseResolve => cat.t("error.use_resolve"),
        DomainError::UseReopen => cat.t("error.use_reopen"),
        DomainError::UseConfirm => cat.t("error.use_confirm"),
        DomainError::Requirement(e) => requirement_error(cat, e),
        DomainError::Empty { field } => cat.f(
            "error.empty",
            &[(
                "field",
                &cat.t(&format!("field.{}", field.replace(' ', "_"))),
            )],
        ),
        DomainError::TooLong { field, max, got } => cat.f(
            "error.too_long",
            &[
                (
                    "field",
                    &cat.t(&format!("field.{}", field.replace(' ', "_"))),
                ),
                ("max", max),
                ("got", got),
            ],
        ),
        DomainError::Unknown { what, value } => cat.f(
            "error.unknown",
            &[
                ("what", &cat.t(&format!("field.{what}"))),
                ("value", &one_line(value)),
            ],
        ),
        DomainError::NoHigherTier { tier } => cat.f("error.no_higher_tier", &[("tier", tier)]),
        DomainError::NotUpward {
            group,
            group_tier,
            tier,
        } => cat.f(
            "error.not_upward",
            &[
                ("group", &one_line(group)),
                ("group_tier", group_tier),
                ("tier", tier),
            ],
        ),
        DomainError::NotSameTier {
            group,
            group_tier,
            tier,
        } => cat.f(
            "error.not_same_tier",
            &[
                ("group", &one_line(group)),
                ("group_tier", group_tier),
                ("tier", tier),
            ],
        ),
        DomainError::NotEscalated { key } => {
            cat.f("error.not_escalated", &[("key", &one_line(key))])
        }
        DomainError::SelfLink => cat.t("error.self_link"),
        DomainError::LinkCycle { key, target } => cat.f(
            "error.link_cycle",
            &[("key", &one_line(key)), ("target", &one_line(target))],
        ),
        DomainError::NothingToChange => cat.t("error.nothing_to_change"),
        DomainError::NoProcedure { kind } => {
            cat.f("error.no_procedure", &[("kind", &one_line(kind))])
        }
        DomainError::ProcedureDone { key } => {
            cat.f("error.procedure_done", &[("key", &one_line(key))])
        }
        DomainError::MissingFields { step, fields } => cat.f(
            "error.missing_fields",
            &[("step", step), ("fields", &fields.join(", "))],
        ),
        DomainError::NotNextStep { step, to, allowed } => cat.f(
            "error.not_next_step",
            &[
                ("step", &one_line(step)),
                ("to", &one_line(to)),
                ("allowed", &allowed.join(", ")),
            ],
        ),
        DomainError::NotReturnable { step, to } => cat.f(
            "error.not_returnable",
            &[("step", &one_line(step)), ("to", &one_line(to))],
        ),
        DomainError::RoleRequired { step, role } => {
            cat.f("error.role_required", &[("step", step), ("role", role)])
        }
        DomainError::FixInPast { at } => cat.f("error.fix_in_past", &[("at", &when(at))]),
        DomainError::ReceivedInFuture { at } => {
            cat.f("error.received_in_future", &[("at", &when(at))])
        }
        DomainError::StepPending { key, step, role } => match role {
            Some(role) => cat.f(
                "error.step_pending_role",
                &[("key", key), ("step", step), ("role", role)],
            ),
            None => cat.f("error.step_pending", &[("key", key), ("step", step)]),
        },
        DomainError::BeforePrevious { key, at, previous } => cat.f(
            "error.before_previous",
            &[
                ("key", key),
                ("at", &when(at)),
                ("previous", &when(previous)),
            ],
        ),
        DomainError::ReceivedTooEarly { at, days } => cat.f(
            "error.received_too_early",
            &[("at", &when(at)), ("days", days)],
        ),
    }
}

/// An application-layer error ([`crate::desk::DeskError`]) in the operator's language.
pub fn desk_error(cat: &Catalog, org: Option<&Organisation>, e: &crate::desk::DeskError) -> String {
    use crate::desk::DeskError;
    match e {
        DeskError::NoMailIntake => cat.t("error.no_mail_intake"),
        DeskError::Refused(r) => {
            let roles = r.roles.join(" | ");
            if let Some(step) = &r.step {
                return cat.f(
                    "error.refused_step",
                    &[
                        ("login", &one_line(&r.login)),
                        ("step", &one_line(step)),
                        ("roles", &roles),
                    ],
                );
            }
            match (&r.scope, r.roles.is_empty()) {
                (Some(group), _) => cat.f(
                    "error.refused_group",
                    &[
                        ("login", &one_line(&r.login)),
                        ("group", &one_line(group)),
                        ("roles", &roles),
                    ],
                ),
                (None, true) => cat.f(
                    "error.refused_none",
                    &[("login", &one_line(&r.login)), ("action", &r.action)],
                ),
                (None, false) => cat.f(
                    "error.refused",
                    &[
                        ("login", &one_line(&r.login)),
                        ("action", &r.action),
                        ("roles", &roles),
                    ],
                ),
            }
        }
        DeskError::NoOperator { account, on_server } => cat.f(
            if *on_server {
                "error.no_operator_role"
            } else {
                "error.no_operator"
            },
            &[("user", &one_line(account))],
        ),
        DeskError::ActAsRefused { real, target } => cat.f(
            "error.act_as_refused",
            &[("real", &one_line(real)), ("target", &one_line(target))],
        ),
        DeskError::ServerRefusedActAs { real, target } => cat.f(
            "error.server_refused_act_as",
            &[("real", &one_line(real)), ("target", &one_line(target))],
        ),
        DeskError::UnknownOperator { login } => {
            cat.f("error.unknown_operator", &[("login", &one_line(login))])
        }
        DeskError::UnknownRole { role } => {
            cat.f("error.unknown_role_flag", &[("role", &one_line(role))])
        }
        DeskError::ConfigNotApplied {
            applied,
            source_name,
        } => cat.f(
            "error.config_not_applied",
            &[("applied", applied), ("source", source_name)],
        ),
        DeskError::AppliedConfigInvalid { version, error } => cat.f(
            "error.applied_config_invalid",
            &[("version", version), ("detail", &config_error(cat, error))],
        ),
        DeskError::FixedClockOnLive => cat.t("error.fixed_clock_on_live"),
        DeskError::DemoOnLive => cat.t("error.demo_on_live"),
        DeskError::NotResolved { key } => cat.f("error.not_resolved", &[("key", &one_line(key))]),
        DeskError::NoConfigApplied => cat.t("error.no_config_applied"),
        DeskError::FirstConfigByOwner { path } => {
            cat.f("error.first_config_by_owner", &[("path", &one_line(path))])
        }
        DeskError::CheckInFuture { date, today } => {
            cat.f("error.check_in_future", &[("date", date), ("today", today)])
        }
        DeskError::NotFailed { system, date } => cat.f(
            "error.not_failed",
            &[("system", &one_line(system)), ("date", date)],
        ),
        DeskError::Identity(i) => cat.f("error.identity", &[("uid", &i.uid)]),
        DeskError::Domain(d) => domain_error(cat, org, d),
        DeskError::Store(s) => store_error(cat, org, s),
        DeskError::Period(p) => period_error(cat, p),
        DeskError::Change(c) => {
            use crate::domain::change::ChangeError;
            match c {
                ChangeError::UnknownApplication { code } => {
                    cat.f("error.change_application", &[("code", &one_line(code))])
                }
                ChangeError::UnknownOperator { login } => {
                    cat.f("error.change_operator", &[("login", &one_line(login))])
                }
                ChangeError::Empty { field } => cat.f("error.change_empty", &[("field", field)]),
            }
        }
    }
}

/// Why a report's period was refused, naming the option and the form it takes.
pub fn period_error(cat: &Catalog, e: &crate::domain::report::PeriodError) -> String {
    use crate::domain::report::PeriodError;
    match e {
        PeriodError::BadWeek { value } => {
            cat.f("error.period_week", &[("value", &one_line(value))])
        }
        PeriodError::BadMonth { value } => {
            cat.f("error.period_month", &[("value", &one_line(value))])
        }
        PeriodError::BadQuarter { value } => {
            cat.f("error.period_quarter", &[("value", &one_line(value))])
        }
        PeriodError::BadDay { flag, value } => cat.f(
            "error.period_day",
            &[("flag", flag), ("value", &one_line(value))],
        ),
        PeriodError::Reversed { from, to } => {
            cat.f("error.period_reversed", &[("from", from), ("to", to)])
        }
        PeriodError::Missing => cat.t("error.period_missing"),
        PeriodError::OutOfRange { label } => {
            cat.f("error.period_out_of_range", &[("label", &one_line(label))])
        }
    }
}

pub fn store_error(cat: &Catalog, org: Option<&Organisation>, e: &StoreError) -> String {
    let p = |path: &std::path::Path| path.display().to_string();
    match e {
        StoreError::NetworkFilesystem { path, fs } => {
            cat.f("error.network_fs", &[("path", &p(path)), ("fs", fs)])
        }
        StoreError::Missing { path } => cat.f("error.db_missing", &[("path", &p(path))]),
        StoreError::LostChanges {
            path,
            recorded,
            found,
        } => cat.f(
            if found
                .as_ref()
                .is_some_and(|f| f.event_id >= recorded.event_id)
            {
                "error.rewritten_changes"
            } else {
                "error.lost_changes"
            },
            &[
                ("path", &p(path)),
                ("recorded", &recorded.event_id),
                (
                    "found",
                    &found.as_ref().map(|h| h.event_id).unwrap_or_default(),
                ),
                ("head", &p(&crate::store::head_path(path))),
            ],
        ),
        StoreError::Damaged { path, detail } => cat.f(
            "error.damaged",
            &[
                ("path", &p(path)),
                ("detail", &one_line(detail)),
                ("marker", &p(&crate::store::damage_path(path))),
            ],
        ),
        StoreError::ReadOnlyOldSchema {
            path,
            found,
            supported,
        } => cat.f(
            "error.read_only_old_schema",
            &[
                ("path", &p(path)),
                ("found", found),
                ("supported", supported),
            ],
        ),
        StoreError::BackupFailed { path, detail } => cat.f(
            "error.backup_failed",
            &[("path", &p(path)), ("detail", &one_line(detail))],
        ),
        StoreError::CreateDir { path, source } => cat.f(
            "error.create_dir",
            &[("path", &p(path)), ("detail", source)],
        ),
        StoreError::ReadOnly { path } => cat.f("error.read_only", &[("path", &p(path))]),
        StoreError::Locked { path, secs } => {
            cat.f("error.locked", &[("path", &p(path)), ("secs", secs)])
        }
        StoreError::NotADatabase { path } => cat.f("error.not_a_database", &[("path", &p(path))]),
        StoreError::Corrupt { path, detail } => {
            cat.f("error.corrupt", &[("path", &p(path)), ("detail", detail)])
        }
        StoreError::NewerSchema {
            path,
            found,
            supported,
        } => cat.f(
            "error.newer_schema",
            &[
                ("path", &p(path)),
                ("found", found),
                ("supported", supported),
            ],
        ),
        StoreError::CannotOpen { path, detail } => cat.f(
            "error.cannot_open",
            &[("path", &p(path)), ("detail", detail)],
        ),
        StoreError::DiskFull { path } => cat.f("error.disk_full", &[("path", &p(path))]),
        StoreError::NoSuchVersion {
            key,
            expected,
            current,
        } => cat.f(
            "error.no_such_version",
            &[
                ("key", &one_line(key)),
                ("expected", expected),
                ("current", current),
            ],
        ),
        StoreError::ArticleNotFound(r) => {
            cat.f("error.article_not_found", &[("reference", &one_line(r))])
        }
        StoreError::ArticleExists(r) => {
            cat.f("error.article_exists", &[("reference", &one_line(r))])
        }
        StoreError::Lifecycle(crate::domain::kb::LifecycleError::NothingToPublish {
            reference,
        }) => cat.f(
            "error.nothing_to_publish",
            &[("reference", &one_line(reference))],
        ),
        StoreError::Lifecycle(crate::domain::kb::LifecycleError::AlreadyRetired { reference }) => {
            cat.f(
                "error.already_retired",
                &[("reference", &one_line(reference))],
            )
        }
        StoreError::TicketNotFound(key) => {
            cat.f("error.ticket_not_found", &[("key", &one_line(key))])
        }
        StoreError::AttachmentNotFound { key, n } => cat.f(
            "error.attachment_not_found",
            &[("key", &one_line(key)), ("n", n)],
        ),
        StoreError::Conflict(c) => match org {
            Some(org) => conflict(cat, org, c),
            None => e.to_string(),
        },
        StoreError::Domain(d) => domain_error(cat, org, d),
        StoreError::AlreadyFinalised { date, by, at } => {
            let name = org
                .and_then(|o| o.operator(by))
                .map(|op| op.name.clone())
                .unwrap_or_else(|| one_line(by));
            let at = local_time(org, at);
            cat.f(
                "error.check_finalised",
                &[("date", date), ("by", &name), ("at", &at)],
            )
        }
        StoreError::NotChecked { date, system } => {
            cat.f("error.not_checked", &[("date", date), ("system", system)])
        }
        StoreError::AnnouncementNotFound(id) => {
            cat.f("error.announcement_not_found", &[("id", id)])
        }
        StoreError::AnnouncementChanged {
            id,
            expected,
            current,
        } => cat.f(
            "error.announcement_changed",
            &[("id", id), ("expected", expected), ("current", current)],
        ),
        StoreError::AnnouncementResolved(id) => cat.f("error.announcement_resolved", &[("id", id)]),
        StoreError::BackupExists(path) => cat.f("error.backup_exists", &[("path", &p(path))]),
        StoreError::PurposeFixed { purpose } => {
            cat.f("error.purpose_fixed", &[("purpose", purpose)])
        }
        StoreError::BadValue { path, detail } => {
            cat.f("error.bad_value", &[("path", &p(path)), ("detail", detail)])
        }
        StoreError::Sqlite { path, source } => {
            cat.f("error.sqlite", &[("path", &p(path)), ("detail", source)])
        }
        StoreError::Postgres { code, detail } => cat.f(
            "pg.server",
            &[("code", &one_line(code)), ("detail", &one_line(detail))],
        ),
        StoreError::Pg(pg) => pg_error(cat, pg),
        StoreError::SqliteOnly => cat.t("error.sqlite_only"),
    }
}

pub fn config_error(cat: &Catalog, e: &ConfigError) -> String {
    match e {
        ConfigError::Read { path, source } => cat.f(
            "error.config_read",
            &[("path", &path.display()), ("detail", source)],
        ),
        ConfigError::Input(crate::input::InputError::NotAFile { path }) => cat.f(
            "error.input_not_a_file",
            &[("path", &one_line(&path.display().to_string()))],
        ),
        ConfigError::Input(crate::input::InputError::TooLong { path, size, max }) => cat.f(
            "error.input_too_long",
            &[
                ("path", &one_line(&path.display().to_string())),
                ("size", &size.unwrap_or(*max + 1)),
                ("max", max),
            ],
        ),
        ConfigError::Input(crate::input::InputError::Io { path, source }) => cat.f(
            "error.config_read",
            &[("path", &path.display()), ("detail", source)],
        ),
        ConfigError::Invalid {
            file,
            line,
            key,
            message,
        } => {
            let mut place = cat.f("error.config_place", &[("file", file)]);
            if let Some(line) = line {
                place.push_str(&cat.f("error.config_line", &[("line", line)]));
            }
            if let Some(key) = key {
                place.push_str(&cat.f("error.config_key", &[("key", key)]));
            }
            format!("{place}: {message}")
        }
    }
}

/// Working minutes as "1 h 05 min" (or "-10 min" once overdue).
/// A requirement's stage in the reader's language (issue 16).
pub fn requirement_stage(cat: &Catalog, stage: crate::domain::requirement::Stage) -> String {
    cat.t(&format!("req.stage.{}", stage.as_str()))
}

/// A requirement's record in one line (issue 16): its window, stage, the level reviewing
/// it, and what was decided (owner office, plan, reason).
pub fn requirement_summary(cat: &Catalog, r: &crate::domain::requirement::Requirement) -> String {
    let mut out = cat.f(
        "req.summary",
        &[
            ("window", &r.window),
            ("stage", &requirement_stage(cat, r.stage)),
        ],
    );
    if let Some(level) = &r.level {
        out.push_str(&cat.f("req.summary_level", &[("level", &one_line(level))]));
    }
    if let Some(owner) = &r.owner_office {
        out.push_str(&cat.f("req.summary_owner", &[("owner", &one_line(owner))]));
    }
    if let Some(release) = &r.release {
        out.push_str(&cat.f("req.summary_release", &[("release", &one_line(release))]));
    }
    if let Some(reason) = &r.reason {
        out.push_str(&cat.f("req.event_reason", &[("reason", &one_line(reason))]));
    }
    out
}

/// A requirement event in the reader's language: the new stage, the level that decided,
/// the next level, the reason and the plan.
fn requirement_event(
    cat: &Catalog,
    at_level: Option<&str>,
    after: &crate::domain::requirement::Requirement,
) -> String {
    use crate::domain::requirement::Stage;
    let stage = requirement_stage(cat, after.stage);
    let mut out = match (at_level, after.stage) {
        (Some(level), Stage::UnderReview) => cat.f(
            "req.event_forwarded",
            &[
                ("level", &one_line(level)),
                ("next", &one_line(after.level.as_deref().unwrap_or("—"))),
            ],
        ),
        (Some(level), _) => cat.f(
            "req.event_decided",
            &[("level", &one_line(level)), ("stage", &stage)],
        ),
        (None, _) => cat.f("req.event_stage", &[("stage", &stage)]),
    };
    if after.stage == Stage::Planned {
        out.push(' ');
        out.push_str(&cat.f(
            "req.event_plan",
            &[
                ("rank", &after.rank.unwrap_or_default()),
                ("effort", &after.effort_days.unwrap_or_default()),
                (
                    "release",
                    &one_line(after.release.as_deref().unwrap_or("—")),
                ),
            ],
        ));
    }
    if let Some(r) = &after.reason {
        out.push_str(&cat.f("req.event_reason", &[("reason", &one_line(r))]));
    }
    out
}

/// A requirement rule's refusal in the reader's language (issue 16).
pub fn requirement_error(
    cat: &Catalog,
    e: &crate::domain::requirement::RequirementError,
) -> String {
    use crate::domain::requirement::RequirementError as E;
    match e {
        E::BadMonth(text) => cat.f("error.bad_month", &[("value", &one_line(text))]),
        E::TooFewWorkingDays {
            month,
            found,
            needed,
        } => cat.f(
            "error.window_too_short",
            &[("month", month), ("found", found), ("needed", needed)],
        ),
        E::NotARequirement { key } => cat.f("error.not_a_requirement", &[("key", &one_line(key))]),
        E::WrongStage { stage, action } => cat.f(
            "error.req_wrong_stage",
            &[
                ("stage", &requirement_stage(cat, *stage)),
                ("action", &cat.t(&format!("req.step.{action}"))),
            ],
        ),
        E::NotReviewer { level, reviewers } => cat.f(
            "error.req_not_reviewer",
            &[
                ("level", &one_line(level)),
                ("reviewers", &one_line(&reviewers.join(", "))),
            ],
        ),
        E::ReasonRequired => cat.t("error.req_reason"),
        E::OutsideWindow { month, opens } => cat.f(
            "error.req_outside_window",
            &[("month", month), ("opens", &opens.to_string())],
        ),
        E::OutOfOrder { from, to, expected } => cat.f(
            "error.req_out_of_order",
            &[
                ("from", &requirement_stage(cat, *from)),
                ("to", &requirement_stage(cat, *to)),
                ("expected", &requirement_stage(cat, *expected)),
            ],
        ),
    }
}

/// The whole procedure's clock in one line (issue 14), for `ticket steps` and the console:
/// its budget, the working time used, and whether it is over or done.
pub fn procedure_overall(cat: &Catalog, c: &crate::domain::procedure::StepClock) -> String {
    let id = if c.over {
        "procedure.overall_over"
    } else if c.left.is_some() {
        "procedure.overall_done"
    } else {
        "procedure.overall"
    };
    cat.f(
        id,
        &[
            ("budget", &one_line(&c.budget)),
            ("used", &working_minutes(cat, c.used_minutes)),
        ],
    )
}

/// What remains once the procedure is done: nothing when the ticket is resolved or closed,
/// else resolving it (issue 14: a finished B1–B7 left the ticket `new` without a word).
pub fn procedure_done(cat: &Catalog, t: &crate::domain::ticket::Ticket) -> String {
    if t.status.is_open() {
        cat.f("procedure.done_resolve", &[("key", &one_line(&t.key))])
    } else {
        cat.t("procedure.done")
    }
}

pub fn working_minutes(cat: &Catalog, minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let m = minutes.abs();
    if m >= 60 {
        cat.f(
            "sla.hours_minutes",
            &[
                ("sign", &sign),
                ("hours", &(m / 60)),
                ("minutes", &format!("{:02}", m % 60)),
            ],
        )
    } else {
        cat.f("sla.minutes", &[("sign", &sign), ("minutes", &m)])
    }
}

/// One SLA clock in words: budget, used, left, due, state.
pub fn sla_clock(
    cat: &Catalog,
    org: &Organisation,
    which: &str,
    c: &crate::domain::sla::Clock,
) -> String {
    let due = c
        .due
        .map(|d| {
            d.with_timezone(&org.time_zone)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "—".into());
    let state = cat.t(&format!(
        "sla.state.{}",
        serde_json::to_value(c.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    ));
    cat.f(
        "sla.clock",
        &[
            ("which", &cat.t(&format!("sla.{which}"))),
            ("budget", &c.budget),
            ("used", &working_minutes(cat, c.used_minutes)),
            ("left", &working_minutes(cat, c.remaining_minutes)),
            ("due", &due),
            ("state", &state),
        ],
    )
}

/// A clock without its name, for a labelled field: state, left, due.
pub fn sla_clock_short(cat: &Catalog, org: &Organisation, c: &crate::domain::sla::Clock) -> String {
    let due = c
        .due
        .map(|d| {
            d.with_timezone(&org.time_zone)
                .format("%d/%m %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "—".into());
    let state = serde_json::to_value(c.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    cat.f(
        "sla.clock_short",
        &[
            ("state", &cat.t(&format!("sla.state.{state}"))),
            ("budget", &c.budget),
            ("left", &working_minutes(cat, c.remaining_minutes)),
            ("due", &due),
        ],
    )
}

/// An article's status in words (draft, published, retired).
pub fn article_status(cat: &Catalog, status: &str) -> String {
    match status {
        "draft" | "published" | "retired" => cat.t(&format!("kb.status.{status}")),
        other => one_line(other),
    }
}

/// Why an article's fields were refused.
pub fn article_error(cat: &Catalog, e: &crate::domain::kb::ArticleError) -> String {
    use crate::domain::kb::ArticleError;
    match e {
        ArticleError::Empty { field } => cat.f("kb.field_empty", &[("field", field)]),
        ArticleError::TooLong { field, got, max } => cat.f(
            "kb.field_too_long",
            &[("field", field), ("got", got), ("max", max)],
        ),
        ArticleError::Lang(l) => cat.f("kb.bad_lang", &[("value", &one_line(l))]),
        ArticleError::Status(s) => cat.f("kb.bad_status", &[("value", &one_line(s))]),
    }
}

/// What is wrong in a line of an article template.
pub fn template_problem(cat: &Catalog, p: &crate::domain::kb::TemplateProblem) -> String {
    use crate::domain::kb::TemplateProblem;
    match p {
        TemplateProblem::UnknownKey(k) => {
            cat.f("kb.template.unknown_key", &[("value", &one_line(k))])
        }
        TemplateProblem::UnknownSection(k) => {
            cat.f("kb.template.unknown_section", &[("value", &one_line(k))])
        }
        TemplateProblem::NotAHeader(k) => {
            cat.f("kb.template.not_a_header", &[("value", &one_line(k))])
        }
        TemplateProblem::Faq(k) => cat.f("kb.template.faq", &[("value", &one_line(k))]),
        TemplateProblem::Article(e) => article_error(cat, e),
    }
}

/// An IMAP intake error ([`crate::mail::imap::ImapError`]) in the operator's language,
/// naming the setting or server at fault and the fix.
pub fn imap_error(cat: &Catalog, e: &crate::mail::imap::ImapError) -> String {
    use crate::mail::imap::{ImapError, PASSWORD_ENV};
    match e {
        ImapError::PasswordFile { path, problem } => cat.f(
            "error.imap_password_file",
            &[("path", &one_line(path)), ("problem", &one_line(problem))],
        ),
        ImapError::NoPassword => cat.f("error.imap_no_password", &[("var", &PASSWORD_ENV)]),
        ImapError::CaFile { path, problem } => cat.f(
            "error.imap_ca_file",
            &[("path", &one_line(path)), ("problem", &one_line(problem))],
        ),
        ImapError::Connect { server, problem } => cat.f(
            "error.imap_connect",
            &[
                ("server", &one_line(server)),
                ("problem", &one_line(problem)),
            ],
        ),
        ImapError::NoStartTls { server } => {
            cat.f("error.imap_no_starttls", &[("server", &one_line(server))])
        }
        ImapError::Login {
            server,
            user,
            problem,
        } => cat.f(
            "error.imap_login",
            &[
                ("server", &one_line(server)),
                ("user", &one_line(user)),
                ("problem", &one_line(problem)),
            ],
        ),
        ImapError::Folder {
            server,
            folder,
            problem,
        } => cat.f(
            "error.imap_folder",
            &[
                ("server", &one_line(server)),
                ("folder", &one_line(folder)),
                ("problem", &one_line(problem)),
            ],
        ),
        ImapError::Protocol { server, problem } => cat.f(
            "error.imap_protocol",
            &[
                ("server", &one_line(server)),
                ("problem", &one_line(problem)),
            ],
        ),
    }
}

/// Why `[mail.smtp]` cannot be used, in the reader's language: the setting at fault and the
/// fix.
pub fn smtp_setup_error(cat: &Catalog, e: &crate::mail::smtp::SmtpSetupError) -> String {
    use crate::mail::smtp::{PASSWORD_ENV, SmtpSetupError};
    match e {
        SmtpSetupError::Url { url, problem } => cat.f(
            "error.smtp_url",
            &[("url", &one_line(url)), ("problem", &one_line(problem))],
        ),
        SmtpSetupError::PasswordFile { path, problem } => cat.f(
            "error.smtp_password_file",
            &[("path", &one_line(path)), ("problem", &one_line(problem))],
        ),
        SmtpSetupError::NoPassword => cat.f("error.smtp_no_password", &[("var", &PASSWORD_ENV)]),
    }
}

/// A PostgreSQL error (issue 17) in the reader's language.
pub fn pg_error(cat: &Catalog, e: &crate::store::pg::PgError) -> String {
    use crate::store::pg::PgError;
    match e {
        PgError::BadUrl { detail } => cat.f("pg.bad_url", &[("detail", &one_line(detail))]),
        PgError::PasswordInUrl => cat.t("pg.password_in_url"),
        PgError::Tls { path, problem } => cat.f(
            "pg.tls",
            &[("path", &one_line(path)), ("problem", &one_line(problem))],
        ),
        PgError::Connect { target, detail } => cat.f(
            "pg.connect",
            &[("target", &one_line(target)), ("detail", &one_line(detail))],
        ),
        PgError::Server { code, detail } => cat.f(
            "pg.server",
            &[("code", &one_line(code)), ("detail", &one_line(detail))],
        ),
        PgError::NewerSchema { found, supported } => cat.f(
            "pg.newer_schema",
            &[("found", found), ("supported", supported)],
        ),
        PgError::NotEmpty { table, rows } => {
            cat.f("pg.not_empty", &[("table", table), ("rows", rows)])
        }
        PgError::SourceVersion {
            path,
            found,
            needed,
        } => cat.f(
            "pg.source_version",
            &[
                ("path", &one_line(path)),
                ("found", found),
                ("needed", needed),
            ],
        ),
        PgError::Source { path, detail } => cat.f(
            "pg.source",
            &[("path", &one_line(path)), ("detail", &one_line(detail))],
        ),
        PgError::Columns { table, detail } => cat.f(
            "pg.columns",
            &[("table", table), ("detail", &one_line(detail))],
        ),
        PgError::CountMismatch {
            table,
            source_rows,
            copied,
        } => cat.f(
            "pg.count_mismatch",
            &[
                ("table", table),
                ("source", source_rows),
                ("copied", copied),
            ],
        ),
        PgError::Target { path, detail } => cat.f(
            "pg.target",
            &[("path", &one_line(path)), ("detail", &one_line(detail))],
        ),
        PgError::TargetExists { path } => cat.f("pg.target_exists", &[("path", &one_line(path))]),
        PgError::CopyUnsound { problems, first } => cat.f(
            "pg.copy_unsound",
            &[("problems", problems), ("first", &one_line(first))],
        ),
        PgError::ChainBroken { event_id } => cat.f("pg.chain_broken", &[("event", event_id)]),
    }
}
