//! `hotro req …`: software requirements (issue 16, seed 004). So far the monthly submission
//! window, from the working-time calendar.

use super::args::ReqCommand;
use super::{Env, out};
use crate::domain::requirement::{self, Month, Placement, RequirementError, WINDOW_WORKING_DAYS};
use crate::inert::one_line;
use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;

pub(super) fn req_cmd(env: &Env<'_>, cmd: &ReqCommand) -> Result<i32> {
    let cat = env.cat;
    let cal = &env.cfg.org.calendar;
    let now = crate::clock::now();
    let req_err = |e: RequirementError| -> anyhow::Error {
        match e {
            RequirementError::BadMonth(text) => {
                env.user(cat.f("error.bad_month", &[("value", &one_line(&text))]))
            }
            RequirementError::TooFewWorkingDays {
                month,
                found,
                needed,
            } => env.user(cat.f(
                "error.window_too_short",
                &[("month", &month), ("found", &found), ("needed", &needed)],
            )),
        }
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
                Placement::NextWindow { month, opens } => cat.f(
                    "req.placed_next",
                    &[("month", &month), ("opens", &opens.to_string())],
                ),
            };
            say!("{line}");
            Ok(0)
        }
    }
}
