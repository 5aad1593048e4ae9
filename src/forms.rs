//! The printable forms of seeds 001 and 002, as Markdown: the request form (the requester's
//! details and what is asked) and the completion form (what was done, each step's record,
//! signatures of the requester, the IT department and the partner, if any).
//!
//! Every value from the ticket or the configuration goes into the Markdown through
//! [`md_inline`] (a table cell, a line) or [`md_block`] (the description, the resolution), so
//! stored text cannot add headings, links, tables or HTML, nor reach a terminal as control.

use crate::domain::org::Organisation;
use crate::domain::ticket::{Event, EventKind, Ticket};
use crate::i18n::Catalog;
use crate::inert::{md_block, md_inline};

/// Which form: the request as received, or the record of its completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Request,
    Completion,
}

impl FormKind {
    /// `request` or `completion`.
    pub fn parse(s: &str) -> Option<FormKind> {
        match s.trim() {
            "request" => Some(FormKind::Request),
            "completion" => Some(FormKind::Completion),
            _ => None,
        }
    }
}

/// The form of `kind` for ticket `t`, as Markdown.
pub fn render(
    cat: &Catalog,
    org: &Organisation,
    t: &Ticket,
    events: &[Event],
    kind: FormKind,
) -> String {
    let lang = cat.lang().code();
    let local = |d: chrono::DateTime<chrono::Utc>| {
        d.with_timezone(&org.time_zone)
            .format("%d/%m/%Y %H:%M")
            .to_string()
    };
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let title = match kind {
        FormKind::Request => cat.t("form.request_title"),
        FormKind::Completion => cat.t("form.completion_title"),
    };
    let mut out = format!("**{}**\n\n# {title}\n\n", md_inline(&org.name));
    let procedure = org.procedure_for(&t.kind);
    let rows: Vec<(String, String)> = vec![
        (cat.t("field.key"), t.key.clone()),
        (cat.t("form.received"), local(t.created_at)),
        (cat.t("field.requester_name"), dash(&t.requester.name)),
        (cat.t("field.unit"), dash(&t.requester.unit)),
        (cat.t("field.phone"), dash(&t.requester.phone)),
        (cat.t("field.email"), dash(&t.requester.email)),
        (cat.t("field.application"), dash(&t.application)),
        (
            cat.t("field.kind"),
            org.kind(&t.kind)
                .map(|k| k.name.get(lang).to_string())
                .unwrap_or_else(|| t.kind.clone()),
        ),
        (
            cat.t("form.procedure"),
            procedure
                .map(|p| format!("{} ({})", p.name.get(lang), p.id))
                .unwrap_or_else(|| "—".into()),
        ),
    ];
    out.push_str("| | |\n|---|---|\n");
    for (k, v) in rows {
        out.push_str(&format!("| {} | {} |\n", md_inline(&k), md_inline(&v)));
    }
    out.push_str(&format!(
        "\n## {}\n\n**{}**\n\n{}\n",
        cat.t("form.request"),
        md_inline(&t.title),
        md_block(t.description.trim())
    ));
    if kind == FormKind::Completion {
        out.push_str(&format!("\n## {}\n\n", cat.t("form.work_done")));
        // The whole path (issue 14): each pass through a step, numbered when a return made
        // it go round again, and each return with its reason.
        let mut any = false;
        let mut passes: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let who = |login: &str| {
            org.operator(login)
                .map(|o| o.name.clone())
                .unwrap_or_else(|| login.to_string())
        };
        let step_name = |step: &str| {
            procedure
                .and_then(|p| p.step(step))
                .map(|s| s.name.get(lang).to_string())
                .unwrap_or_default()
        };
        for e in events {
            match &e.kind {
                EventKind::StepCompleted { step, fields, .. } => {
                    any = true;
                    let n = passes.entry(step.as_str()).or_insert(0);
                    *n += 1;
                    let again = if *n > 1 {
                        format!(" {}", cat.f("form.again", &[("n", &*n)]))
                    } else {
                        String::new()
                    };
                    out.push_str(&format!(
                        "- **{}** {}{} — {} ({})\n",
                        md_inline(step),
                        md_inline(&step_name(step)),
                        md_inline(&again),
                        local(e.at),
                        md_inline(&who(&e.actor))
                    ));
                    for (k, v) in fields {
                        out.push_str(&format!("  - {}: {}\n", md_inline(k), md_inline(v)));
                    }
                }
                EventKind::StepReturned {
                    from, to, reason, ..
                } => {
                    any = true;
                    out.push_str(&format!(
                        "- {} — {} ({})\n",
                        md_inline(&cat.f(
                            "form.returned",
                            &[("from", from), ("to", to), ("reason", reason)]
                        )),
                        local(e.at),
                        md_inline(&who(&e.actor))
                    ));
                }
                _ => {}
            }
        }
        if !any {
            out.push_str("- —\n");
        }
        out.push_str(&format!(
            "\n**{}:** {}\n",
            cat.t("field.resolution"),
            md_block(t.resolution.as_deref().unwrap_or("—"))
        ));
        if let Some(at) = t.resolved_at {
            out.push_str(&format!(
                "\n{}: {}\n",
                cat.t("form.completed_at"),
                local(at)
            ));
        }
    }
    let signers = match kind {
        FormKind::Request => vec![cat.t("form.sign_requester"), cat.t("form.sign_it")],
        FormKind::Completion => vec![
            cat.t("form.sign_requester"),
            cat.t("form.sign_it"),
            cat.t("form.sign_partner"),
        ],
    };
    out.push_str(&format!(
        "\n| {} |\n|{}\n| {} |\n",
        signers.join(" | "),
        "---|".repeat(signers.len()),
        vec![cat.t("form.signature"); signers.len()].join(" | ")
    ));
    out
}
