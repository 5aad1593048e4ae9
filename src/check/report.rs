//! The morning check's report for the leads: Markdown, plain text (for e-mail) and CSV.
//! What it says comes from the domain ([`crate::domain::check::lines`]); this module only
//! puts it into words in the operator's language.

use crate::domain::check::{self, CheckDay, CheckResult, Line};
use crate::domain::org::Organisation;
use crate::i18n::Catalog;
use crate::inert::{csv_field, md_inline, one_line};
use crate::store::CheckLogEntry;
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Text,
    Csv,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(Format::Markdown),
            "txt" | "text" => Some(Format::Text),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

pub fn result_label(cat: &Catalog, r: Option<CheckResult>) -> String {
    match r {
        Some(r) => cat.t(&format!("check.result.{}", r.as_str())),
        None => cat.t("check.unchecked"),
    }
}

pub fn system_name(org: &Organisation, cat: &Catalog, id: &str) -> String {
    org.check
        .system(id)
        .map(|s| s.name.get(cat.lang().code()).to_string())
        .unwrap_or_else(|| id.to_string())
}

fn person(org: &Organisation, login: &str) -> String {
    org.operator(login)
        .map(|o| o.name.clone())
        .unwrap_or_else(|| login.to_string())
}

fn hhmm(org: &Organisation, t: DateTime<Utc>) -> String {
    t.with_timezone(&org.time_zone).format("%H:%M").to_string()
}

fn stamp(org: &Organisation, t: DateTime<Utc>) -> String {
    t.with_timezone(&org.time_zone)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// "12 systems: 1 OK, 0 slow, …": the day in one line.
pub fn summary_line(cat: &Catalog, lines: &[Line]) -> String {
    let t = check::tally(lines);
    cat.f(
        "report.summary",
        &[
            ("total", &lines.len()),
            ("ok", &t.ok),
            ("slow", &t.slow),
            ("login_failed", &t.login_failed),
            ("down", &t.down),
            ("unchecked", &t.unchecked),
        ],
    )
}

/// A past day in one line, for the history: state, systems up and failing, amendments.
pub fn history_day_line(
    cat: &Catalog,
    org: &Organisation,
    day: &CheckDay,
    now: DateTime<Utc>,
) -> Option<String> {
    let date = day.date?;
    let ls = check::lines(&org.check, org.time_zone, date, day, now);
    let t = check::tally(&ls);
    let state = if day.finalised.is_some() {
        cat.t("check.state.finalised")
    } else {
        cat.t("check.state.open")
    };
    Some(cat.f(
        "check.history_day",
        &[
            ("date", &date),
            ("state", &state),
            ("ok", &(t.ok + t.slow)),
            ("failed", &(t.login_failed + t.down)),
            ("unchecked", &t.unchecked),
            ("amendments", &day.amendments.len()),
        ],
    ))
}

/// Everything the report says, already in words. Every value it did not write itself (names,
/// notes, ticket keys, system names) is already escaped for the format by the `esc` given to
/// [`parts`]: [`md_inline`] for Markdown, [`one_line`] for text.
struct Parts {
    title: String,
    status: String,
    checked_by: String,
    summary: String,
    header: [String; 6],
    rows: Vec<[String; 6]>,
    sections: Vec<(String, Vec<String>)>,
}

fn parts(
    cat: &Catalog,
    org: &Organisation,
    date: NaiveDate,
    day: &CheckDay,
    log: &[CheckLogEntry],
    lines: &[Line],
    esc: fn(&str) -> String,
) -> Parts {
    let person = |login: &str| esc(&person(org, login));
    let system_name = |id: &str| esc(&system_name(org, cat, id));
    let title = cat.f("report.title", &[("date", &date.format("%d/%m/%Y"))]);
    let status = match &day.finalised {
        Some(f) => cat.f(
            "report.finalised",
            &[("by", &person(&f.by)), ("at", &stamp(org, f.at))],
        ),
        None => cat.t("report.draft"),
    };
    let mut checkers: Vec<String> = Vec::new();
    for l in lines {
        if let Some(e) = &l.entry {
            let name = person(&e.by);
            if !checkers.contains(&name) {
                checkers.push(name);
            }
        }
    }
    let checked_by = cat.f(
        "report.checked_by",
        &[(
            "names",
            &if checkers.is_empty() {
                "—".to_string()
            } else {
                checkers.join(", ")
            },
        )],
    );
    let summary = summary_line(cat, lines);
    let header = [
        cat.t("report.col.system"),
        cat.t("report.col.result"),
        cat.t("report.col.note"),
        cat.t("report.col.by"),
        cat.t("report.col.at"),
        cat.t("report.col.incident"),
    ];
    let rows = lines
        .iter()
        .map(|l| {
            let e = l.entry.as_ref();
            let mut at = e.map(|e| hhmm(org, e.at)).unwrap_or_default();
            if l.late {
                at = if at.is_empty() {
                    cat.t("report.late_mark")
                } else {
                    format!("{at} ({})", cat.t("report.late_mark"))
                };
            }
            [
                system_name(&l.system),
                result_label(cat, e.map(|e| e.result)),
                e.map(|e| esc(&e.note)).unwrap_or_default(),
                e.map(|e| person(&e.by)).unwrap_or_default(),
                at,
                e.and_then(|e| e.incident.as_deref().map(esc))
                    .unwrap_or_default(),
            ]
        })
        .collect();

    let mut sections = Vec::new();
    let late: Vec<String> = lines
        .iter()
        .filter(|l| l.late && l.entry.is_some())
        .map(|l| {
            let at = l
                .entry
                .as_ref()
                .map(|e| hhmm(org, e.at))
                .unwrap_or_default();
            cat.f(
                "report.late_line",
                &[("system", &system_name(&l.system)), ("at", &at)],
            )
        })
        .collect();
    if !late.is_empty() {
        sections.push((cat.t("report.late"), late));
    }
    let missing: Vec<String> = lines
        .iter()
        .filter(|l| l.entry.is_none() && (l.missing || l.late))
        .map(|l| system_name(&l.system))
        .collect();
    if !missing.is_empty() {
        sections.push((cat.t("report.missing"), missing));
    }
    // Incidents opened after finalising are amendments: the report as sent stays as it was.
    let incidents: Vec<String> = log
        .iter()
        .filter(|l| l.action == "incident" && !l.amendment)
        .map(|l| {
            cat.f(
                "report.incident_line",
                &[
                    ("key", &esc(&l.note)),
                    (
                        "system",
                        &system_name(l.system.as_deref().unwrap_or_default()),
                    ),
                    ("by", &person(&l.actor)),
                    ("at", &hhmm(org, l.at)),
                ],
            )
        })
        .collect();
    if !incidents.is_empty() {
        sections.push((cat.t("report.incidents"), incidents));
    }
    let mut amendments: Vec<(chrono::DateTime<Utc>, String)> = day
        .amendments
        .iter()
        .map(|a| {
            (a.at, {
                cat.f(
                    "report.amendment_line",
                    &[
                        ("at", &stamp(org, a.at)),
                        ("by", &person(&a.by)),
                        ("system", &system_name(&a.system)),
                        ("from", &result_label(cat, a.from)),
                        ("to", &result_label(cat, Some(a.to))),
                        (
                            "note",
                            &if a.note.is_empty() {
                                "—".to_string()
                            } else {
                                esc(&a.note)
                            },
                        ),
                    ],
                )
            })
        })
        .collect();
    for l in log.iter().filter(|l| l.action == "incident" && l.amendment) {
        amendments.push((
            l.at,
            cat.f(
                "report.amendment_incident",
                &[
                    ("at", &stamp(org, l.at)),
                    ("by", &person(&l.actor)),
                    ("key", &esc(&l.note)),
                    (
                        "system",
                        &system_name(l.system.as_deref().unwrap_or_default()),
                    ),
                ],
            ),
        ));
    }
    amendments.sort_by_key(|(at, _)| *at);
    if !amendments.is_empty() {
        sections.push((
            cat.t("report.amendments"),
            amendments.into_iter().map(|(_, line)| line).collect(),
        ));
    }
    Parts {
        title,
        status,
        checked_by,
        summary,
        header,
        rows,
        sections,
    }
}

/// The report of `date` as of `now`. A finalised day reports what was finalised, followed
/// by the amendments made since; nothing else about it changes.
pub fn render(
    cat: &Catalog,
    org: &Organisation,
    date: NaiveDate,
    day: &CheckDay,
    log: &[CheckLogEntry],
    now: DateTime<Utc>,
    format: Format,
) -> String {
    // A finalised report is judged as of its finalising, so reading it later adds nothing.
    let as_of = day.finalised.as_ref().map(|f| f.at).unwrap_or(now);
    let lines = check::lines(&org.check, org.time_zone, date, day, as_of);
    match format {
        Format::Csv => csv(date, day, &lines, org.time_zone),
        Format::Markdown => markdown(&parts(cat, org, date, day, log, &lines, md_inline)),
        Format::Text => text(&parts(cat, org, date, day, log, &lines, one_line)),
    }
}

fn markdown(p: &Parts) -> String {
    let mut out = format!(
        "# {}\n\n{}  \n{}  \n{}\n\n",
        p.title, p.status, p.checked_by, p.summary
    );
    out.push_str(&format!("| {} |\n", p.header.join(" | ")));
    out.push_str(&format!("|{}\n", "---|".repeat(p.header.len())));
    for r in &p.rows {
        out.push_str(&format!("| {} |\n", r.join(" | ")));
    }
    for (title, items) in &p.sections {
        out.push_str(&format!("\n## {title}\n\n"));
        for i in items {
            out.push_str(&format!("- {i}\n"));
        }
    }
    out
}

fn text(p: &Parts) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut out = format!(
        "{}\n{}\n\n{}\n{}\n{}\n\n",
        p.title,
        "=".repeat(p.title.width()),
        p.status,
        p.checked_by,
        p.summary
    );
    let mut widths: Vec<usize> = p.header.iter().map(|h| h.width()).collect();
    for r in &p.rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.width());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.width()))))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    out.push_str(&line(&p.header));
    out.push_str(&format!(
        "{}\n",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  ")
    ));
    for r in &p.rows {
        out.push_str(&line(r));
    }
    for (title, items) in &p.sections {
        out.push_str(&format!("\n{title}:\n"));
        for i in items {
            out.push_str(&format!("  - {i}\n"));
        }
    }
    out
}

/// Machine-readable: ids, not translations, and RFC 3339 times in the organisation's local
/// time with its offset (issue 13: they were in UTC); every field through [`csv_field`]
/// (RFC 4180 quoting, formulas defused, terminal controls removed).
fn csv(date: NaiveDate, day: &CheckDay, lines: &[Line], tz: chrono_tz::Tz) -> String {
    let mut out = String::from(
        "date,system,result,note,checked_by,checked_at,source,late,missing,incident,amended\n",
    );
    for l in lines {
        let e = l.entry.as_ref();
        let amended = day.amendments.iter().any(|a| a.system == l.system);
        let fields = [
            date.format("%Y-%m-%d").to_string(),
            l.system.clone(),
            e.map(|e| e.result.as_str().to_string()).unwrap_or_default(),
            e.map(|e| e.note.clone()).unwrap_or_default(),
            e.map(|e| e.by.clone()).unwrap_or_default(),
            e.map(|e| e.at.with_timezone(&tz).to_rfc3339())
                .unwrap_or_default(),
            e.map(|e| e.source.as_str().to_string()).unwrap_or_default(),
            l.late.to_string(),
            l.missing.to_string(),
            e.and_then(|e| e.incident.clone()).unwrap_or_default(),
            amended.to_string(),
        ];
        let cells: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}
