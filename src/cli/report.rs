//! `hotro report summary` and `hotro report user-errors` (issue 13): parse the period and
//! the export options, ask the application layer, write the chosen format.

use super::Env;
use super::args::{ExportArgs, PeriodArgs};
use crate::domain::report::{Dimension, ReportPeriod, UserError};
use crate::export::{self, Cell, Format, Table};
use crate::i18n::Catalog;
use crate::inert::one_line;
use anyhow::Result;

fn period(env: &Env<'_>, p: &PeriodArgs) -> Result<ReportPeriod> {
    ReportPeriod::from_options(
        p.week.as_deref(),
        p.month.as_deref(),
        p.quarter.as_deref(),
        p.from.as_deref(),
        p.to.as_deref(),
    )
    .map_err(|e| env.user(crate::describe::period_error(env.cat, &e)))
}

fn format(env: &Env<'_>, x: &ExportArgs) -> Result<Format> {
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
fn deliver(env: &Env<'_>, x: &ExportArgs, bytes: Vec<u8>) -> Result<i32> {
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

fn export_err(env: &Env<'_>, e: export::ExportError) -> anyhow::Error {
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
    let cat = env.cat;
    let sections = export::sections(cat, &report);
    let tables: Vec<Table> = sections
        .iter()
        .map(|s| export::section_table(cat, s))
        .collect();
    let title = cat.f(
        "report.summary_title",
        &[
            ("period", &report.current.period.label()),
            ("previous", &report.previous.period.label()),
        ],
    );
    let bytes = match fmt {
        Format::Md => export::markdown(&title, &tables).into_bytes(),
        Format::Csv => {
            export::csv_sections(cat, &sections, x.bom).map_err(|e| export_err(env, e))?
        }
        Format::Xlsx => export::xlsx(&tables).map_err(|e| export_err(env, e))?,
        Format::Json => crate::inert::to_json(&report, true)
            .map_err(|e| export_err(env, e.into()))?
            .into_bytes(),
    };
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
    let period = period(env, p)?;
    let fmt = format(env, x)?;
    let list = env.with_desk(|d| d.user_errors(period).map_err(|e| env.desk_err(e)))?;
    let cat = env.cat;
    let table = user_error_table(cat, env.cfg.org.time_zone, &list);
    let title = cat.f("report.user_errors_title", &[("period", &period.label())]);
    let bytes = match fmt {
        Format::Md => export::markdown(&title, std::slice::from_ref(&table)).into_bytes(),
        Format::Csv => export::csv_table(&table, x.bom).map_err(|e| export_err(env, e))?,
        Format::Xlsx => {
            export::xlsx(std::slice::from_ref(&table)).map_err(|e| export_err(env, e))?
        }
        Format::Json => crate::inert::to_json(&list, true)
            .map_err(|e| export_err(env, e.into()))?
            .into_bytes(),
    };
    deliver(env, x, bytes)
}
