//! `hotro req …`: software requirements (issue 16, seed 004). So far the monthly submission
//! window, from the working-time calendar.

use super::args::ReqCommand;
use super::{Env, out};
use crate::domain::requirement::{
    self, Month, Placement, ReqChange, RequirementError, Stage, WINDOW_WORKING_DAYS,
};
use crate::domain::ticket::{Change, Ticket};
use crate::export::{self, Cell, Format, Table};
use crate::inert::one_line;
use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;

pub(super) fn req_cmd(env: &Env<'_>, cmd: &ReqCommand) -> Result<i32> {
    let cat = env.cat;
    let cal = &env.cfg.org.calendar;
    let now = crate::clock::now();
    let req_err = |e: RequirementError| -> anyhow::Error {
        env.user(crate::describe::requirement_error(cat, &e))
    };
    match cmd {
        ReqCommand::Window { month, json } => {
            let today = now.with_timezone(&cal.tz()).date_naive();
            let month: Month = match month {
                Some(m) => m.parse().map_err(req_err)?,
                None => Month::of(today),
            };
            let days = requirement::window(cal, month, WINDOW_WORKING_DAYS).map_err(req_err)?;
            let placed = requirement::place(cal, now, WINDOW_WORKING_DAYS).map_err(req_err)?;
            if *json {
                #[derive(Serialize)]
                struct Out<'a> {
                    month: Month,
                    days: &'a [NaiveDate],
                    submitted_now: &'a Placement,
                }
                out::json(&Out {
                    month,
                    days: &days,
                    submitted_now: &placed,
                })?;
                return Ok(0);
            }
            let list: Vec<String> = days
                .iter()
                .map(|d| d.format("%Y-%m-%d (%a)").to_string())
                .collect();
            say!(
                "{}",
                cat.f(
                    "req.window",
                    &[("month", &month), ("days", &list.join(", "))]
                )
            );
            let line = match placed {
                Placement::ThisWindow { month, closes } => cat.f(
                    "req.placed_this",
                    &[("month", &month), ("closes", &closes.to_string())],
                ),
                // As configured (`organisation.requirement_outside_window`): kept or refused.
                Placement::NextWindow { month, opens } => cat.f(
                    match env.cfg.org.requirement_outside_window {
                        crate::domain::requirement::OutsideWindow::Keep => "req.placed_next",
                        crate::domain::requirement::OutsideWindow::Refuse => "req.placed_refused",
                    },
                    &[("month", &month), ("opens", &opens.to_string())],
                ),
            };
            say!("{line}");
            Ok(0)
        }
        ReqCommand::Pending { json } => {
            let list = env.with_desk(|d| d.requirements_pending().map_err(|e| env.desk_err(e)))?;
            print_list(env, &list, *json)
        }
        ReqCommand::List { month, json } => {
            let month: Month = month.parse().map_err(req_err)?;
            let list =
                env.with_desk(|d| d.requirements_of_month(month).map_err(|e| env.desk_err(e)))?;
            print_list(env, &list, *json)
        }
        ReqCommand::Decide {
            key,
            forward,
            reject: _,
            reason,
            guard,
        } => super::change(
            env,
            key,
            guard,
            Change::Requirement(ReqChange::Decide {
                forward: *forward,
                reason: reason.clone(),
            }),
        ),
        ReqCommand::Confirm {
            key,
            adopted,
            not_adopted: _,
            owner,
            reason,
            guard,
        } => super::change(
            env,
            key,
            guard,
            Change::Requirement(ReqChange::Confirm {
                adopted: *adopted,
                owner_office: owner.clone(),
                reason: reason.clone(),
            }),
        ),
        ReqCommand::Plan {
            key,
            rank,
            effort,
            release,
            guard,
        } => super::change(
            env,
            key,
            guard,
            Change::Requirement(ReqChange::Plan {
                rank: *rank,
                effort_days: *effort,
                release: release.clone(),
            }),
        ),
        ReqCommand::Publish { month, export } => {
            let month: Month = month.parse().map_err(req_err)?;
            // A bad format or a workbook without --output is refused before publishing.
            super::report::format(env, export)?;
            let p =
                env.with_desk(|d| d.publish_requirements(month).map_err(|e| env.desk_err(e)))?;
            print_publication(env, &p, export)
        }
        ReqCommand::Published { month, export } => {
            let month: Month = month.parse().map_err(req_err)?;
            super::report::format(env, export)?;
            let all = env.with_desk(|d| {
                d.requirement_publications(month)
                    .map_err(|e| env.desk_err(e))
            })?;
            match all.last() {
                Some(p) => print_publication(env, p, export),
                None => Err(env.user(cat.f("req.not_published", &[("month", &month)]))),
            }
        }
        ReqCommand::Advance { key, to, guard } => {
            let to = Stage::parse(to).ok_or_else(|| {
                env.user(cat.f("error.req_unknown_stage", &[("value", &one_line(to))]))
            })?;
            super::change(
                env,
                key,
                guard,
                Change::Requirement(ReqChange::Advance { to }),
            )
        }
    }
}

/// Requirements, one line each (key, stage, level, unit, window, title; stored text inert),
/// or JSON.
fn print_list(env: &Env<'_>, list: &[Ticket], json: bool) -> Result<i32> {
    let cat = env.cat;
    if json {
        out::json(&list)?;
        return Ok(0);
    }
    for t in list {
        let Some(r) = &t.requirement else {
            continue;
        };
        say!(
            "{:<15} {:<12} {:<8} {:<8} {} {}",
            one_line(&t.key),
            crate::describe::requirement_stage(cat, r.stage),
            one_line(r.level.as_deref().unwrap_or("—")),
            one_line(t.requester.unit.as_deref().unwrap_or("—")),
            r.window,
            one_line(&t.title)
        );
    }
    if list.is_empty() {
        say!("{}", cat.t("req.none"));
    }
    Ok(0)
}

/// The publication's columns: stable ids (CSV headers, `req.column.<id>` in the catalog).
pub const PUBLICATION_COLUMNS: [&str; 9] = [
    "key",
    "title",
    "unit",
    "class",
    "outcome",
    "stage",
    "release",
    "reason",
    "merged_into",
];

/// A publication as a table: for people (Markdown, xlsx) the headers and outcomes in the
/// reader's language, for machines (CSV) the stable ids.
fn publication_table(env: &Env<'_>, p: &crate::store::Publication, words: bool) -> Table {
    let cat = env.cat;
    let local = p
        .published_at
        .with_timezone(&env.cfg.org.time_zone)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let text = |s: &str| Cell::Text(s.to_string());
    let rows = p
        .rows
        .iter()
        .map(|r| {
            let (outcome, stage) = if words {
                (
                    cat.t(&format!("req.outcome.{}", r.outcome.as_str())),
                    crate::describe::requirement_stage(cat, r.stage),
                )
            } else {
                (r.outcome.as_str().to_string(), r.stage.as_str().to_string())
            };
            vec![
                text(&r.key),
                text(&r.title),
                text(r.unit.as_deref().unwrap_or("")),
                text(r.class.as_deref().unwrap_or("")),
                Cell::Text(outcome),
                Cell::Text(stage),
                text(r.release.as_deref().unwrap_or("")),
                text(r.reason.as_deref().unwrap_or("")),
                text(r.merged_into.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    Table {
        id: format!("requirements_{}", p.month),
        title: cat.f(
            "req.publication_meta",
            &[
                ("version", &p.version),
                ("at", &local),
                ("by", &one_line(&p.published_by)),
            ],
        ),
        headers: PUBLICATION_COLUMNS
            .iter()
            .map(|c| {
                if words {
                    cat.t(&format!("req.column.{c}"))
                } else {
                    (*c).to_string()
                }
            })
            .collect(),
        rows,
    }
}

/// A publication in the chosen format (`--format md|csv|xlsx|json`, `--output`, `--bom`):
/// the Markdown page the desk sends to every unit, the same for spreadsheets, or JSON.
fn print_publication(
    env: &Env<'_>,
    p: &crate::store::Publication,
    x: &super::args::ExportArgs,
) -> Result<i32> {
    let fmt = super::report::format(env, x)?;
    let err = |e| super::report::export_err(env, e);
    let title = env.cat.f("req.publication_title", &[("month", &p.month)]);
    let bytes = match fmt {
        Format::Md => export::markdown(&title, &[publication_table(env, p, true)]).into_bytes(),
        Format::Csv => export::csv_table(&publication_table(env, p, false), x.bom).map_err(err)?,
        Format::Xlsx => export::xlsx(&[publication_table(env, p, true)]).map_err(err)?,
        Format::Json => crate::inert::to_json(p, true)
            .map_err(|e| err(e.into()))?
            .into_bytes(),
    };
    super::report::deliver(env, x, bytes)
}
