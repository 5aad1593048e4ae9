//! `hotro report summary` and `hotro report user-errors` (issue 13): parse the period and
//! the export options, ask the application layer, write the chosen format.

use super::Env;
use super::args::{ChangeArgs, ExportArgs, PeriodArgs};
use crate::domain::change::{ChangeRecord, NewChange, Outcome};
use crate::domain::report::{Dimension, ReportPeriod, UserError};
use crate::export::{self, Cell, Format, Table};
use crate::i18n::Catalog;
use crate::inert::one_line;
use anyhow::Result;

pub(super) fn period(env: &Env<'_>, p: &PeriodArgs) -> Result<ReportPeriod> {
    ReportPeriod::from_options(
        p.week.as_deref(),
        p.month.as_deref(),
        p.quarter.as_deref(),
        p.from.as_deref(),
        p.to.as_deref(),
    )
    .map_err(|e| env.user(crate::describe::period_error(env.cat, &e)))
}

pub(super) fn format(env: &Env<'_>, x: &ExportArgs) -> Result<Format> {
    let f = Format::parse(&x.format).ok_or_else(|| {
        env.user(
            env.cat
                .f("report.bad_format", &[("value", &one_line(&x.format))]),
        )
    })?;
    if f == Format::Xlsx && x.output.is_none() {
        return Err(env.user(env.cat.t("report.xlsx_needs_output")));
    }
    Ok(f)
}

/// Write an export to `--output` (saying where) or to standard output.
pub(super) fn deliver(env: &Env<'_>, x: &ExportArgs, bytes: Vec<u8>) -> Result<i32> {
    match &x.output {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|e| {
                env.user(env.cat.f(
                    "report.write_failed",
                    &[
                        ("path", &one_line(&path.display().to_string())),
                        ("error", &e.to_string()),
                    ],
                ))
            })?;
            say_err!(
                "{}",
                env.cat.f(
                    "report.written",
                    &[("path", &one_line(&path.display().to_string()))]
                )
            );
        }
        None => super::out::text(&String::from_utf8_lossy(&bytes)),
    }
    Ok(0)
}

pub(super) fn export_err(env: &Env<'_>, e: export::ExportError) -> anyhow::Error {
    env.user(
        env.cat
            .f("report.export_failed", &[("error", &e.to_string())]),
    )
}

/// `--cross unit,category`: two different dimensions.
fn cross(env: &Env<'_>, text: Option<&str>) -> Result<Option<(Dimension, Dimension)>> {
    let Some(text) = text else { return Ok(None) };
    let bad = || {
        env.user(env.cat.f(
            "report.bad_cross",
            &[
                ("value", &one_line(text)),
                (
                    "known",
                    &Dimension::ALL.map(Dimension::id).join(", ").to_string(),
                ),
            ],
        ))
    };
    let (a, b) = text.split_once(',').ok_or_else(bad)?;
    match (Dimension::parse(a), Dimension::parse(b)) {
        (Some(a), Some(b)) if a != b => Ok(Some((a, b))),
        _ => Err(bad()),
    }
}

/// `hotro report summary`.
pub(super) fn summary(
    env: &Env<'_>,
    p: &PeriodArgs,
    cross_arg: Option<&str>,
    x: &ExportArgs,
) -> Result<i32> {
    let period = period(env, p)?;
    let fmt = format(env, x)?;
    let cross = cross(env, cross_arg)?;
    let report = env.with_desk(|d| d.report(period, cross).map_err(|e| env.desk_err(e)))?;
    let bytes = export::report(env.cat, &report, fmt, x.bom).map_err(|e| export_err(env, e))?;
    deliver(env, x, bytes)
}

/// The user-error list's columns (`report.user_error.<id>` in the catalog).
pub const USER_ERROR_COLUMNS: [&str; 8] = [
    "unit",
    "key",
    "received",
    "application",
    "category",
    "problem",
    "solution",
    "articles",
];

/// The user-error list as a table, in the reader's language (times local to `tz`).
pub fn user_error_table(cat: &Catalog, tz: chrono_tz::Tz, list: &[UserError]) -> Table {
    let h = |id: &str| cat.t(&format!("report.user_error.{id}"));
    Table {
        id: "user_errors".into(),
        title: cat.t("report.section.user_errors"),
        headers: USER_ERROR_COLUMNS.map(h).to_vec(),
        rows: list
            .iter()
            .map(|u| {
                let t = |s: &Option<String>| Cell::Text(s.clone().unwrap_or_default());
                vec![
                    t(&u.unit),
                    Cell::Text(u.key.clone()),
                    Cell::Text(
                        u.received_at
                            .with_timezone(&tz)
                            .format("%Y-%m-%d %H:%M")
                            .to_string(),
                    ),
                    t(&u.application),
                    Cell::Text(u.category.clone()),
                    Cell::Text(u.problem.clone()),
                    t(&u.solution),
                    Cell::Text(
                        u.articles
                            .iter()
                            .map(|(r, title)| format!("{r} {title}"))
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
                ]
            })
            .collect(),
    }
}

/// `hotro report user-errors`.
pub(super) fn user_errors(env: &Env<'_>, p: &PeriodArgs, x: &ExportArgs) -> Result<i32> {
    period_list(
        env,
        p,
        x,
        "report.user_errors_title",
        |d, period| d.user_errors(period),
        user_error_table,
    )
}

/// A list over a period (`fetch` from the application layer), as a table (`table`) under
/// the title `title_id`, in the chosen format.
fn period_list<T: serde::Serialize>(
    env: &Env<'_>,
    p: &PeriodArgs,
    x: &ExportArgs,
    title_id: &str,
    fetch: impl FnOnce(
        &mut crate::desk::Desk<'_>,
        ReportPeriod,
    ) -> Result<Vec<T>, crate::desk::DeskError>,
    table: impl FnOnce(&Catalog, chrono_tz::Tz, &[T]) -> Table,
) -> Result<i32> {
    let period = period(env, p)?;
    let fmt = format(env, x)?;
    let list = env.with_desk(|d| fetch(d, period).map_err(|e| env.desk_err(e)))?;
    let table = table(env.cat, env.cfg.org.time_zone, &list);
    let title = env.cat.f(title_id, &[("period", &period.label())]);
    write_table(env, x, fmt, &title, &table, &list)
}

/// One table in the chosen format (JSON: `data` as it is), to `--output` or standard output.
fn write_table<T: serde::Serialize + ?Sized>(
    env: &Env<'_>,
    x: &ExportArgs,
    fmt: Format,
    title: &str,
    table: &Table,
    data: &T,
) -> Result<i32> {
    let one = std::slice::from_ref(table);
    let bytes = match fmt {
        Format::Md => export::markdown(title, one).into_bytes(),
        Format::Csv => export::csv_table(table, x.bom).map_err(|e| export_err(env, e))?,
        Format::Xlsx => export::xlsx(one).map_err(|e| export_err(env, e))?,
        Format::Json => crate::inert::to_json(data, true)
            .map_err(|e| export_err(env, e.into()))?
            .into_bytes(),
    };
    deliver(env, x, bytes)
}

/// How one column of the ticket table is read from a ticket.
type Field<'a> = Box<dyn Fn(&crate::domain::ticket::Ticket) -> String + 'a>;

/// Tickets as a table with every field (`hotro ticket list --format csv`), times in the
/// organisation's time zone.
pub fn ticket_table(
    cat: &Catalog,
    tz: chrono_tz::Tz,
    tickets: &[crate::domain::ticket::Ticket],
) -> Table {
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default()
    };
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let columns: Vec<(String, Field<'_>)> = vec![
        (cat.t("field.key"), Box::new(|t| t.key.clone())),
        (cat.t("field.kind"), Box::new(|t| t.kind.clone())),
        (cat.t("field.title"), Box::new(|t| t.title.clone())),
        (
            cat.t("field.description"),
            Box::new(|t| t.description.clone()),
        ),
        (
            cat.t("field.status"),
            Box::new(|t| t.status.as_str().to_string()),
        ),
        (cat.t("field.priority"), Box::new(|t| t.priority.clone())),
        (cat.t("field.impact"), Box::new(|t| t.impact.clone())),
        (cat.t("field.urgency"), Box::new(|t| t.urgency.clone())),
        (cat.t("field.channel"), Box::new(|t| t.channel.clone())),
        (
            cat.t("field.application"),
            Box::new(move |t| opt(&t.application)),
        ),
        (cat.t("field.category"), Box::new(move |t| opt(&t.category))),
        (
            cat.t("field.requester_name"),
            Box::new(move |t| opt(&t.requester.name)),
        ),
        (
            cat.t("field.unit"),
            Box::new(move |t| opt(&t.requester.unit)),
        ),
        (
            cat.t("field.phone"),
            Box::new(move |t| opt(&t.requester.phone)),
        ),
        (
            cat.t("field.email"),
            Box::new(move |t| opt(&t.requester.email)),
        ),
        (cat.t("field.tier"), Box::new(|t| t.tier.to_string())),
        (cat.t("field.group"), Box::new(|t| t.group.clone())),
        (cat.t("field.assignee"), Box::new(move |t| opt(&t.assignee))),
        (
            cat.t("field.following"),
            Box::new(|t| t.following_group().unwrap_or_default().to_string()),
        ),
        (
            cat.t("field.created_at"),
            Box::new(move |t| time(Some(t.created_at))),
        ),
        (
            cat.t("field.updated_at"),
            Box::new(move |t| time(Some(t.updated_at))),
        ),
        (
            cat.t("field.first_response_at"),
            Box::new(move |t| time(t.first_response_at)),
        ),
        (
            cat.t("field.resolved_at"),
            Box::new(move |t| time(t.resolved_at)),
        ),
        (
            cat.t("field.closed_at"),
            Box::new(move |t| time(t.closed_at)),
        ),
        (cat.t("field.parent"), Box::new(move |t| opt(&t.parent))),
        (
            cat.t("field.duplicate_of"),
            Box::new(move |t| opt(&t.duplicate_of)),
        ),
        (
            cat.t("field.resolution"),
            Box::new(move |t| opt(&t.resolution)),
        ),
        (
            cat.t("field.current_step"),
            Box::new(move |t| opt(&t.current_step)),
        ),
        (
            cat.t("field.external_reference"),
            Box::new(move |t| opt(&t.external_ref)),
        ),
        (cat.t("field.version"), Box::new(|t| t.version.to_string())),
    ];
    Table {
        id: "tickets".into(),
        title: cat.t("report.section.tickets"),
        headers: columns.iter().map(|(h, _)| h.clone()).collect(),
        rows: tickets
            .iter()
            .map(|t| columns.iter().map(|(_, f)| Cell::Text(f(t))).collect())
            .collect(),
    }
}

/// `hotro change add`.
pub(super) fn change_add(env: &Env<'_>, a: &ChangeArgs) -> Result<i32> {
    let now = crate::clock::now();
    let time = |t: &Option<String>| t.as_deref().map(|t| env.time_arg(t, now)).transpose();
    let outcome = Outcome::parse(&a.outcome).ok_or_else(|| {
        env.user(env.cat.f(
            "error.change_outcome",
            &[
                ("value", &one_line(&a.outcome)),
                ("known", &Outcome::ALL.map(Outcome::as_str).join(", ")),
            ],
        ))
    })?;
    let (planned_at, done_at) = (time(&a.planned)?, time(&a.done)?.unwrap_or(now));
    let id = env.with_desk(|d| {
        let change = NewChange {
            application: a.application.clone(),
            environment: a.environment.clone(),
            what: a.what.clone(),
            tickets: a.tickets.clone(),
            planned_at,
            done_at,
            approved_by: a.approved_by.clone(),
            // Empty: the acting operator (decided in the application layer).
            carried_out_by: a.carried_out_by.clone().unwrap_or_default(),
            outcome,
            rollback: a.rollback.clone(),
        };
        d.record_change(&change).map_err(|e| env.desk_err(e))
    })?;
    if a.json {
        super::out::json(&serde_json::json!({ "id": id }))?;
    } else {
        say!("{}", env.cat.f("change.recorded", &[("id", &id)]));
    }
    Ok(0)
}

/// The change register's columns (`change.col.<id>` in the catalog).
pub const CHANGE_COLUMNS: [&str; 12] = [
    "id",
    "application",
    "environment",
    "what",
    "tickets",
    "planned_at",
    "done_at",
    "approved_by",
    "carried_out_by",
    "outcome",
    "rollback",
    "recorded_by",
];

/// The change register as a table, times local to `tz`.
pub fn change_table(cat: &Catalog, tz: chrono_tz::Tz, list: &[ChangeRecord]) -> Table {
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    Table {
        id: "changes".into(),
        title: cat.t("report.section.changes"),
        headers: CHANGE_COLUMNS
            .map(|id| cat.t(&format!("change.col.{id}")))
            .to_vec(),
        rows: list
            .iter()
            .map(|r| {
                let c = &r.change;
                vec![
                    Cell::Count(r.id.unsigned_abs()),
                    Cell::Text(c.application.clone()),
                    Cell::Text(c.environment.clone()),
                    Cell::Text(c.what.clone()),
                    Cell::Text(c.tickets.join(" ")),
                    Cell::Text(time(c.planned_at)),
                    Cell::Text(time(Some(c.done_at))),
                    Cell::Text(c.approved_by.clone().unwrap_or_default()),
                    Cell::Text(c.carried_out_by.clone()),
                    Cell::Text(cat.t(&format!("change.outcome.{}", c.outcome.as_str()))),
                    Cell::Text(c.rollback.clone()),
                    Cell::Text(r.recorded_by.clone()),
                ]
            })
            .collect(),
    }
}

/// `hotro change list`.
pub(super) fn change_list(env: &Env<'_>, p: &PeriodArgs, x: &ExportArgs) -> Result<i32> {
    period_list(
        env,
        p,
        x,
        "change.title",
        |d, period| d.changes(period),
        change_table,
    )
}
