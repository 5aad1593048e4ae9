//! `hotro req …`: software requirements (issue 16, seed 004). So far the monthly submission
//! window, from the working-time calendar.

use super::args::ReqCommand;
use super::{Env, out};
use crate::domain::requirement::{
    self, Month, Placement, ReqChange, RequirementError, Stage, WINDOW_WORKING_DAYS,
};
use crate::domain::ticket::{Change, Ticket};
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
        ReqCommand::Publish { month, format } => {
            let month: Month = month.parse().map_err(req_err)?;
            let format = Format::parse(env, format)?;
            let p =
                env.with_desk(|d| d.publish_requirements(month).map_err(|e| env.desk_err(e)))?;
            print_publication(env, &p, format)
        }
        ReqCommand::Published { month, format } => {
            let month: Month = month.parse().map_err(req_err)?;
            let format = Format::parse(env, format)?;
            let all = env.with_desk(|d| {
                d.requirement_publications(month)
                    .map_err(|e| env.desk_err(e))
            })?;
            match all.last() {
                Some(p) => print_publication(env, p, format),
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

/// How a publication is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Markdown,
    Csv,
    Json,
}

impl Format {
    fn parse(env: &Env<'_>, text: &str) -> Result<Format> {
        match text.trim() {
            "md" | "markdown" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            other => Err(env.user(
                env.cat
                    .f("error.req_format", &[("value", &one_line(other))]),
            )),
        }
    }
}

/// A table cell of Markdown: one line, inert, nothing that can end the cell or add markup.
fn cell(text: &str) -> String {
    crate::inert::md_inline(text)
}

/// A publication as JSON, or as the Markdown page the desk sends to every unit.
fn print_publication(env: &Env<'_>, p: &crate::store::Publication, format: Format) -> Result<i32> {
    let cat = env.cat;
    if format == Format::Json {
        out::json(p)?;
        return Ok(0);
    }
    if format == Format::Csv {
        // Stable identifiers (outcome, stage) for spreadsheets; every cell inert.
        use crate::inert::csv_field;
        say!("key,title,unit,class,outcome,stage,release,reason,merged_into");
        for r in &p.rows {
            let cells = [
                r.key.as_str(),
                r.title.as_str(),
                r.unit.as_deref().unwrap_or(""),
                r.class.as_deref().unwrap_or(""),
                r.outcome.as_str(),
                r.stage.as_str(),
                r.release.as_deref().unwrap_or(""),
                r.reason.as_deref().unwrap_or(""),
                r.merged_into.as_deref().unwrap_or(""),
            ];
            let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
            say!("{}", line.join(","));
        }
        return Ok(0);
    }
    let local = p
        .published_at
        .with_timezone(&env.cfg.org.time_zone)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    say!(
        "# {}",
        cat.f("req.publication_title", &[("month", &p.month)])
    );
    say!();
    say!(
        "{}",
        cat.f(
            "req.publication_meta",
            &[
                ("version", &p.version),
                ("at", &local),
                ("by", &one_line(&p.published_by)),
            ],
        )
    );
    say!();
    say!(
        "| {} | {} | {} | {} | {} | {} |",
        cat.t("field.key"),
        cat.t("field.title"),
        cat.t("field.unit"),
        cat.t("req.outcome"),
        cat.t("req.release"),
        cat.t("req.reason_column"),
    );
    say!("|---|---|---|---|---|---|");
    for r in &p.rows {
        let reason = match (&r.merged_into, &r.reason) {
            (Some(into), _) => cat.f("req.merged_into", &[("key", &one_line(into))]),
            (None, Some(reason)) => reason.clone(),
            (None, None) => String::new(),
        };
        say!(
            "| {} | {} | {} | {} | {} | {} |",
            cell(&r.key),
            cell(&r.title),
            cell(r.unit.as_deref().unwrap_or("—")),
            cat.t(&format!("req.outcome.{}", r.outcome.as_str())),
            cell(r.release.as_deref().unwrap_or("—")),
            cell(&reason),
        );
    }
    if p.rows.is_empty() {
        say!();
        say!("{}", cat.t("req.none"));
    }
    Ok(0)
}
