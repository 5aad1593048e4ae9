//! `hotro check …` (the morning readiness check) and `hotro announce …` (incident
//! announcements): the same store and domain calls the console makes.

use super::args::{AnnounceCommand, AnnounceFields, CalendarCommand, CheckCommand};
use super::{Env, out};
use crate::check::{self, report};
use crate::domain::announce::{Announcement, AnnouncementInput};
use crate::domain::check::{CheckResult, Line, Phase, Source, check_date, lines};
use crate::inert::one_line;
use crate::store::{CheckRecord, Store};
use anyhow::Result;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

/// Exit status of `hotro check run --auto` when a system is down or its login fails.
pub const EXIT_SYSTEM_DOWN: i32 = 4;

impl Env<'_> {
    fn date_arg(&self, date: Option<&str>, now: DateTime<Utc>) -> Result<NaiveDate> {
        match date {
            None => Ok(check_date(now, self.cfg.org.time_zone)),
            Some(d) => NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                .map_err(|_| self.user(self.cat.f("error.bad_date", &[("value", &one_line(d))]))),
        }
    }

    fn system_arg(&self, id: &str) -> Result<String> {
        match self.cfg.org.check.system(id) {
            Some(s) => Ok(s.id.clone()),
            None => {
                let known: Vec<&str> = self
                    .cfg
                    .org
                    .check
                    .systems
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect();
                Err(self.user(self.cat.f(
                    "error.unknown_system",
                    &[("value", &one_line(id)), ("known", &known.join(", "))],
                )))
            }
        }
    }

    pub(super) fn time_arg(&self, text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
        let tz = self.cfg.org.time_zone;
        crate::clock::parse_local(text, tz, check_date(now, tz)).map_err(|e| {
            let id = match e {
                crate::clock::TimeError::Unreadable => "error.bad_time",
                crate::clock::TimeError::Skipped => "error.skipped_time",
            };
            self.user(
                self.cat
                    .f(id, &[("value", &one_line(text)), ("zone", &tz.name())]),
            )
        })
    }
}

#[derive(Serialize)]
struct LineJson<'a> {
    name: &'a str,
    group: &'a str,
    lead: Option<String>,
    phone: Option<String>,
    #[serde(flatten)]
    line: &'a Line,
}

#[derive(Serialize)]
struct DayJson<'a> {
    date: NaiveDate,
    phase: Phase,
    finalised: Option<&'a crate::domain::check::Finalised>,
    amendments: &'a [crate::domain::check::Amendment],
    systems: Vec<LineJson<'a>>,
}

fn call_line(env: &Env<'_>, system: &str) -> Option<String> {
    let org = &env.cfg.org;
    let s = org.check.system(system)?;
    let (name, phone) = org.group_contact(&s.group);
    Some(env.cat.f(
        "check.call",
        &[
            ("system", &report::system_name(org, env.cat, system)),
            ("lead", &name.unwrap_or_else(|| "—".into())),
            ("phone", &phone.unwrap_or_else(|| "—".into())),
        ],
    ))
}

fn show_day(env: &Env<'_>, store: &mut Store, date: NaiveDate, json: bool) -> Result<i32> {
    let org = &env.cfg.org;
    let now = crate::clock::now();
    let day = store.check_day(date).map_err(|e| env.store_err(e))?;
    let ls = lines(&org.check, org.time_zone, date, &day, now);
    let ph = crate::domain::check::phase_on(&org.check, org.time_zone, date, now);
    if json {
        let lang = env.cat.lang().code();
        let systems = ls
            .iter()
            .filter_map(|l| {
                let s = org.check.system(&l.system)?;
                let (lead, phone) = org.group_contact(&s.group);
                Some(LineJson {
                    name: s.name.get(lang),
                    group: &s.group,
                    lead,
                    phone,
                    line: l,
                })
            })
            .collect();
        out::json(&DayJson {
            date,
            phase: ph,
            finalised: day.finalised.as_ref(),
            amendments: &day.amendments,
            systems,
        })?;
        return Ok(0);
    }
    if ph == crate::domain::check::Phase::NoCheckToday
        && day.entries.is_empty()
        && day.finalised.is_none()
    {
        // Not a check day and nothing recorded: say so, not "not finalised yet (draft)".
        let next = org
            .check
            .next_check_day(date)
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|| "—".into());
        say!(
            "{}",
            env.cat.f(
                "check.no_check_day",
                &[
                    ("date", &date.format("%d/%m/%Y").to_string()),
                    ("next", &next)
                ]
            )
        );
        return Ok(0);
    }
    let log = store.check_log(date).map_err(|e| env.store_err(e))?;
    out::text(&report::render(
        env.cat,
        org,
        date,
        &day,
        &log,
        now,
        report::Format::Text,
    ));
    for l in &ls {
        if l.entry.as_ref().is_some_and(|e| e.result.needs_call())
            && let Some(call) = call_line(env, &l.system)
        {
            say!("{call}");
        }
    }
    Ok(0)
}

pub(super) fn check_cmd(env: &Env<'_>, cmd: &CheckCommand) -> Result<i32> {
    let org = &env.cfg.org;
    let cat = env.cat;
    let now = crate::clock::now();
    match cmd {
        CheckCommand::Show { date, json } => {
            let date = env.date_arg(date.as_deref(), now)?;
            let mut store = env.open()?;
            show_day(env, &mut store, date, *json)
        }
        CheckCommand::Record {
            system,
            result,
            note,
            date,
            json,
        } => {
            let system = env.system_arg(system)?;
            let Some(result) = CheckResult::parse(result) else {
                return Err(
                    env.user(cat.f("error.unknown_result", &[("value", &one_line(result))]))
                );
            };
            let date = env.date_arg(date.as_deref(), now)?;
            let mut store = env.open()?;
            let record = CheckRecord {
                system: system.clone(),
                result,
                note: note.clone().unwrap_or_default(),
                source: Source::Manual,
                detail: String::new(),
            };
            let amendment = crate::desk::Desk::new(&mut store, env.session()?, now)
                .record_checks(date, &[record])
                .map_err(|e| env.desk_err(e))?;
            if *json {
                let day = store.check_day(date).map_err(|e| env.store_err(e))?;
                #[derive(Serialize)]
                struct Out<'a> {
                    date: NaiveDate,
                    amendment: bool,
                    entry: Option<&'a crate::domain::check::Entry>,
                }
                out::json(&Out {
                    date,
                    amendment,
                    entry: day.entry(&system),
                })?;
            } else {
                let id = if amendment {
                    "check.amended"
                } else {
                    "check.recorded"
                };
                say!(
                    "{}",
                    cat.f(
                        id,
                        &[
                            ("system", &report::system_name(org, cat, &system)),
                            ("result", &report::result_label(cat, Some(result))),
                            ("date", &date),
                        ],
                    )
                );
                if result.needs_call()
                    && let Some(call) = call_line(env, &system)
                {
                    say!("{call}");
                }
            }
            Ok(0)
        }
        CheckCommand::Run { auto, json } => run_probes(env, *auto, *json, now),
        CheckCommand::Incident { system, date, json } => {
            let system = env.system_arg(system)?;
            let date = env.date_arg(date.as_deref(), now)?;
            let (ticket, event) = env.with_desk(|d| {
                d.open_check_incident(cat, date, &system)
                    .map_err(|e| env.desk_err(e))
            })?;
            if *json {
                #[derive(Serialize)]
                struct Out<'a> {
                    created: bool,
                    ticket: &'a crate::domain::ticket::Ticket,
                }
                out::json(&Out {
                    created: event.is_some(),
                    ticket: &ticket,
                })?;
            } else {
                let id = if event.is_some() {
                    "check.incident_opened"
                } else {
                    "check.incident_exists"
                };
                say!(
                    "{}",
                    cat.f(
                        id,
                        &[
                            ("key", &ticket.key),
                            ("system", &report::system_name(org, cat, &system)),
                            ("priority", &ticket.priority),
                        ],
                    )
                );
            }
            Ok(0)
        }
        CheckCommand::Finalise { date, json } => {
            let date = env.date_arg(date.as_deref(), now)?;
            let day = env.with_desk(|d| d.finalise_check(date).map_err(|e| env.desk_err(e)))?;
            if *json {
                out::json(&day)?;
            } else {
                let ls = lines(&org.check, org.time_zone, date, &day, now);
                let t = crate::domain::check::tally(&ls);
                say!(
                    "{}",
                    cat.f(
                        "check.finalised",
                        &[("date", &date), ("unchecked", &t.unchecked)]
                    )
                );
            }
            for system in crate::domain::check::failed_without_incident(&day) {
                say_err!(
                    "{}",
                    cat.f(
                        "check.failed_without_incident",
                        &[
                            ("system", &report::system_name(org, cat, system)),
                            ("id", &one_line(system))
                        ]
                    )
                );
            }
            Ok(0)
        }
        CheckCommand::Report { date, format } => {
            let Some(format) = report::Format::parse(format) else {
                return Err(
                    env.user(cat.f("error.unknown_format", &[("value", &one_line(format))]))
                );
            };
            let date = env.date_arg(date.as_deref(), now)?;
            let mut store = env.open()?;
            // The same report the console shows (its `r` in the morning check).
            let text = crate::desk::Desk::new(&mut store, env.session()?, now)
                .check_report(cat, date, format)
                .map_err(|e| env.desk_err(e))?;
            out::text(&text);
            Ok(0)
        }
        CheckCommand::History { month, json } => {
            let today = check_date(now, org.time_zone);
            let first = match month {
                None => today.with_day(1).unwrap_or(today),
                Some(m) => NaiveDate::parse_from_str(&format!("{}-01", m.trim()), "%Y-%m-%d")
                    .map_err(|_| env.user(cat.f("error.bad_month", &[("value", &one_line(m))])))?,
            };
            let last = first
                .checked_add_months(chrono::Months::new(1))
                .and_then(|d| d.pred_opt())
                .unwrap_or(first);
            let mut store = env.open()?;
            let days = store
                .check_days(first, last)
                .map_err(|e| env.store_err(e))?;
            let avail = crate::domain::check::availability(&org.check, &days);
            if *json {
                #[derive(Serialize)]
                struct Out<'a> {
                    from: NaiveDate,
                    to: NaiveDate,
                    days: usize,
                    systems: &'a [crate::domain::check::Availability],
                }
                out::json(&Out {
                    from: first,
                    to: last,
                    days: days.len(),
                    systems: &avail,
                })?;
                return Ok(0);
            }
            say!(
                "{}",
                cat.f(
                    "check.history_title",
                    &[("month", &first.format("%m/%Y")), ("days", &days.len())]
                )
            );
            for a in &avail {
                let pct = a
                    .percent
                    .map(|p| format!("{p:.1}%"))
                    .unwrap_or_else(|| "—".into());
                say!(
                    "{}",
                    cat.f(
                        "check.history_line",
                        &[
                            ("system", &report::system_name(org, cat, &a.system)),
                            ("percent", &pct),
                            ("checked", &a.checked_days),
                            ("slow", &a.slow_days),
                            ("login_failed", &a.login_failed_days),
                            ("down", &a.down_days),
                        ],
                    )
                );
            }
            for d in &days {
                if let Some(line) = report::history_day_line(cat, org, d, now) {
                    say!("{line}");
                }
            }
            Ok(0)
        }
    }
}

/// Run every probe at once. With `--auto`, record the results of systems nobody has
/// checked yet today (an operator's own result is never overwritten) and exit with
/// [`EXIT_SYSTEM_DOWN`] when any system is down or its login fails.
fn run_probes(env: &Env<'_>, auto: bool, json: bool, started: DateTime<Utc>) -> Result<i32> {
    let org = &env.cfg.org;
    let cat = env.cat;
    let mut store = env.open()?;
    {
        let desk = crate::desk::Desk::new(&mut store, env.session()?, started);
        desk.may_run_probes().map_err(|e| env.desk_err(e))?;
    }
    let date = check_date(started, org.time_zone);
    let findings = check::run_probes(&org.check.systems);
    if findings.is_empty() {
        say!("{}", cat.t("check.no_probes"));
        return Ok(0);
    }
    let now = crate::clock::now();
    let mut recorded = Vec::new();
    if auto {
        let day = store.check_day(date).map_err(|e| env.store_err(e))?;
        let records: Vec<CheckRecord> = findings
            .iter()
            .filter(|f| day.entry(&f.system).is_none())
            .map(|f| CheckRecord {
                system: f.system.clone(),
                result: f.result,
                note: String::new(),
                source: Source::Auto,
                detail: check::describe_finding(cat, f),
            })
            .collect();
        if !records.is_empty() {
            crate::desk::Desk::new(&mut store, env.session()?, now)
                .record_checks(date, &records)
                .map_err(|e| env.desk_err(e))?;
        }
        recorded = records.into_iter().map(|r| r.system).collect();
    }
    // The exit status reflects the day as recorded: a system an operator already marked
    // down counts too.
    let day = store.check_day(date).map_err(|e| env.store_err(e))?;
    let failing: Vec<String> = if auto {
        day.entries
            .iter()
            .filter(|e| e.result.needs_call())
            .map(|e| e.system.clone())
            .collect()
    } else {
        findings
            .iter()
            .filter(|f| f.result.needs_call())
            .map(|f| f.system.clone())
            .collect()
    };
    if json {
        #[derive(Serialize)]
        struct F<'a> {
            system: &'a str,
            result: CheckResult,
            elapsed_ms: u128,
            detail: String,
            recorded: bool,
        }
        #[derive(Serialize)]
        struct Out<'a> {
            date: NaiveDate,
            probes: Vec<F<'a>>,
            failing: &'a [String],
        }
        let probes = findings
            .iter()
            .map(|f| F {
                system: &f.system,
                result: f.result,
                elapsed_ms: f.elapsed_ms,
                detail: check::describe_finding(cat, f),
                recorded: recorded.contains(&f.system),
            })
            .collect();
        out::json(&Out {
            date,
            probes,
            failing: &failing,
        })?;
    } else {
        for f in &findings {
            let mark = if recorded.contains(&f.system) {
                cat.t("check.probe_recorded")
            } else if auto {
                cat.t("check.probe_kept")
            } else {
                String::new()
            };
            say!(
                "{}",
                cat.f(
                    "check.probe_line",
                    &[
                        ("system", &report::system_name(org, cat, &f.system)),
                        ("result", &report::result_label(cat, Some(f.result))),
                        ("detail", &one_line(&check::describe_finding(cat, f))),
                        ("mark", &mark),
                    ],
                )
            );
        }
        for s in &failing {
            if let Some(call) = call_line(env, s) {
                say!("{call}");
            }
        }
    }
    Ok(if auto && !failing.is_empty() {
        EXIT_SYSTEM_DOWN
    } else {
        0
    })
}

fn announce_input(
    env: &Env<'_>,
    f: &AnnounceFields,
    now: DateTime<Utc>,
) -> Result<AnnouncementInput> {
    let expected_fix = match &f.fix_by {
        None => None,
        Some(t) if t.trim().is_empty() => Some(None),
        Some(t) => Some(Some(env.time_arg(t, now)?)),
    };
    Ok(AnnouncementInput {
        title: f.title.clone(),
        applications: (!f.applications.is_empty()).then(|| {
            f.applications
                .iter()
                .flat_map(|a| a.split(','))
                .map(str::to_string)
                .collect()
        }),
        problem: f.problem.clone(),
        guidance: f.guidance.clone(),
        expected_fix,
        incident: f.incident.clone().map(Some),
    })
}

fn print_announcement(env: &Env<'_>, a: &Announcement) {
    let cat = env.cat;
    let tz = env.cfg.org.time_zone;
    let when = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let state = match (&a.resolved_at, &a.resolved_by) {
        (Some(at), Some(by)) => cat.f(
            "announce.state_resolved",
            &[("at", &when(*at)), ("by", &one_line(by))],
        ),
        _ => cat.t("announce.state_active"),
    };
    say!(
        "{}",
        cat.f(
            "announce.line",
            &[
                ("id", &a.id),
                ("title", &one_line(&a.title)),
                ("state", &state)
            ]
        )
    );
    let dash = |s: &str| {
        if s.trim().is_empty() {
            "—".to_string()
        } else {
            one_line(s)
        }
    };
    for (id, value) in [
        ("announce.applications", dash(&a.applications.join(", "))),
        ("announce.problem", dash(&a.problem)),
        ("announce.guidance", dash(&a.guidance)),
        (
            "announce.expected_fix",
            a.expected_fix.map(when).unwrap_or_else(|| "—".into()),
        ),
        (
            "announce.incident",
            one_line(a.incident.as_deref().unwrap_or("—")),
        ),
    ] {
        say!("  {}: {value}", cat.t(id));
    }
}

pub(super) fn announce_cmd(env: &Env<'_>, cmd: &AnnounceCommand) -> Result<i32> {
    let cat = env.cat;
    let now = crate::clock::now();
    match cmd {
        AnnounceCommand::New { fields, json } => {
            let input = announce_input(env, fields, now)?;
            let a =
                env.with_desk(|d| d.create_announcement(&input).map_err(|e| env.desk_err(e)))?;
            if *json {
                out::json(&a)?;
            } else {
                say!("{}", cat.f("announce.created", &[("id", &a.id)]));
            }
            Ok(0)
        }
        AnnounceCommand::Edit { id, fields, guard } => {
            let input = announce_input(env, fields, now)?;
            let a = env.with_desk(|d| {
                d.edit_announcement(*id, guard.expect_version, &input)
                    .map_err(|e| env.desk_err(e))
            })?;
            if guard.json {
                out::json(&a)?;
            } else {
                say!(
                    "{}",
                    cat.f(
                        "announce.updated",
                        &[("id", &a.id), ("version", &a.version)]
                    )
                );
            }
            Ok(0)
        }
        AnnounceCommand::List { active, json } => {
            let mut store = env.open()?;
            let list = store.announcements(*active).map_err(|e| env.store_err(e))?;
            if *json {
                out::json(&list)?;
            } else if list.is_empty() {
                say!("{}", cat.t("announce.none"));
            } else {
                for a in &list {
                    print_announcement(env, a);
                }
            }
            Ok(0)
        }
        AnnounceCommand::Resolve { id, json } => {
            let a = env.with_desk(|d| d.resolve_announcement(*id).map_err(|e| env.desk_err(e)))?;
            if *json {
                out::json(&a)?;
            } else {
                say!("{}", cat.f("announce.resolved", &[("id", &a.id)]));
            }
            Ok(0)
        }
    }
}

/// `hotro calendar add|between`: check a due date or a working-time span by hand.
pub(super) fn calendar_cmd(env: &Env<'_>, cmd: &CalendarCommand) -> Result<i32> {
    use crate::domain::calendar::Budget;
    let org = &env.cfg.org;
    let cat = env.cat;
    let cal = &org.calendar;
    let now = crate::clock::now();
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&org.time_zone)
            .format("%Y-%m-%d %H:%M (%a)")
            .to_string()
    };
    let calendar_err = |e: crate::domain::calendar::CalendarError| -> anyhow::Error {
        env.user(cat.f("error.calendar", &[("detail", &e)]))
    };
    match cmd {
        CalendarCommand::Add { from, budget, json } => {
            let from = match from {
                Some(t) => env.time_arg(t, now)?,
                None => now,
            };
            let budget: Budget =
                budget
                    .parse()
                    .map_err(|e: crate::domain::calendar::BudgetError| {
                        env.user(cat.f(
                            "error.bad_budget",
                            &[("value", &one_line(budget)), ("detail", &e)],
                        ))
                    })?;
            let due = cal.add(from, budget).map_err(calendar_err)?;
            if *json {
                #[derive(Serialize)]
                struct Out {
                    from: DateTime<Utc>,
                    budget: String,
                    due: DateTime<Utc>,
                    due_local: String,
                }
                out::json(&Out {
                    from,
                    budget: budget.to_string(),
                    due,
                    due_local: due.with_timezone(&org.time_zone).to_rfc3339(),
                })?;
            } else {
                say!(
                    "{}",
                    cat.f(
                        "calendar.due",
                        &[
                            ("from", &local(from)),
                            ("budget", &budget),
                            ("due", &local(due))
                        ]
                    )
                );
            }
            Ok(0)
        }
        CalendarCommand::Between { from, to, json } => {
            let a = env.time_arg(from, now)?;
            let b = match to {
                Some(t) => env.time_arg(t, now)?,
                None => now,
            };
            let span = cal.between(a, b);
            let minutes = span.num_minutes();
            if *json {
                #[derive(Serialize)]
                struct Out {
                    from: DateTime<Utc>,
                    to: DateTime<Utc>,
                    working_minutes: i64,
                    working_seconds: i64,
                }
                out::json(&Out {
                    from: a,
                    to: b,
                    working_minutes: minutes,
                    working_seconds: span.num_seconds(),
                })?;
            } else {
                say!(
                    "{}",
                    cat.f(
                        "calendar.between",
                        &[
                            ("from", &local(a)),
                            ("to", &local(b)),
                            ("hours", &(minutes / 60)),
                            ("minutes", &(minutes % 60)),
                        ]
                    )
                );
            }
            Ok(0)
        }
    }
}

/// `hotro report sla --month M` (or `--week`, `--quarter`, `--from D1 --to D2`): requests
/// that arrived in the period (organisation time), their clocks as of now.
pub(super) fn report_sla(env: &Env<'_>, p: &super::args::PeriodArgs, json: bool) -> Result<i32> {
    use crate::domain::sla::Figures;
    let org = &env.cfg.org;
    let cat = env.cat;
    let period = super::report::period(env, p)?;
    let f = env.with_desk(|d| d.sla_figures(period).map_err(|e| env.desk_err(e)))?;
    let (first, last) = (period.first, period.last);
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            from: NaiveDate,
            to: NaiveDate,
            #[serde(flatten)]
            figures: &'a Figures,
            first_response_met_pct: Option<f64>,
            same_day_response_pct: Option<f64>,
            same_day_closure_pct: Option<f64>,
            resolution_met_pct: Option<f64>,
        }
        out::json(&Out {
            from: first,
            to: last,
            figures: &f,
            first_response_met_pct: Figures::rate(f.first_response_met, f.first_response_targets),
            same_day_response_pct: Figures::rate(f.same_day_response, f.tickets),
            same_day_closure_pct: Figures::rate(f.same_day_closure, f.tickets),
            resolution_met_pct: Figures::rate(f.resolution_met, f.resolution_targets),
        })?;
        return Ok(0);
    }
    let pct = |v: Option<f64>| v.map(|p| format!("{p:.1}%")).unwrap_or_else(|| "—".into());
    say!(
        "{}",
        cat.f(
            "report.sla_title",
            &[("from", &first), ("to", &last), ("tickets", &f.tickets)]
        )
    );
    for (id, part, whole) in [
        (
            "report.sla_first_response",
            f.first_response_met,
            f.first_response_targets,
        ),
        (
            "report.sla_same_day_response",
            f.same_day_response,
            f.tickets,
        ),
        ("report.sla_same_day_closure", f.same_day_closure, f.tickets),
        (
            "report.sla_resolution",
            f.resolution_met,
            f.resolution_targets,
        ),
    ] {
        say!(
            "  {}",
            cat.f(
                id,
                &[
                    ("pct", &pct(Figures::rate(part, whole))),
                    ("part", &part),
                    ("whole", &whole)
                ]
            )
        );
    }
    say!(
        "  {}",
        cat.f("report.sla_breached", &[("count", &f.breached)])
    );
    let lang = cat.lang().code();
    for (g, n) in &f.breaches_by_group {
        let name = org
            .group(g)
            .map(|x| x.name.get(lang).to_string())
            .unwrap_or_else(|| one_line(g));
        say!("    {name}: {n}");
    }
    for (tier, n) in &f.breaches_by_tier {
        let name = org
            .tier(*tier)
            .map(|x| x.name.get(lang).to_string())
            .unwrap_or_else(|| tier.to_string());
        say!("    {} {tier} ({name}): {n}", cat.t("field.tier"));
    }
    Ok(0)
}
