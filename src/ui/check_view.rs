//! Drawing the morning check screen and the announcement banner.

use crate::check::report::{result_label, system_name};
use crate::domain::check::{self, CheckResult, Phase};
use crate::ui::app::App;
use crate::ui::check::CheckScreen;
use crate::ui::text::{fit, sanitize, truncate, width};
use crate::ui::view::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// One line per active announcement (at most two): what is down, what to do, when it
/// should be fixed. Every screen shows it.
pub fn render_banner(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    if area.height == 0 {
        return;
    }
    let cat = &app.cat;
    let tz = app.org.time_zone;
    let style = if theme.color {
        Style::default()
            .bg(Color::Yellow)
            .fg(Color::Black)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    };
    let mut lines = Vec::new();
    let shown = area.height as usize;
    for (i, a) in app.announcements.iter().take(shown).enumerate() {
        let mut parts = vec![format!("⚠ #{} {}", a.id, a.title)];
        if !a.applications.is_empty() {
            parts.push(a.applications.join(", "));
        }
        if !a.guidance.trim().is_empty() {
            parts.push(format!("{}: {}", cat.t("announce.guidance"), a.guidance));
        }
        if let Some(fix) = a.expected_fix {
            parts.push(format!(
                "{}: {}",
                cat.t("announce.expected_fix"),
                fix.with_timezone(&tz).format("%d/%m %H:%M")
            ));
        }
        if let Some(k) = &a.incident {
            parts.push(k.clone());
        }
        let more = app.announcements.len().saturating_sub(shown);
        if i + 1 == shown && more > 0 {
            parts.push(cat.f("ui.more_announcements", &[("count", &more)]));
        }
        let text = sanitize(&parts.join(" │ ")).replace('\n', " ");
        lines.push(Line::styled(fit(&text, area.width as usize), style));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn result_style(theme: Theme, r: Option<CheckResult>) -> Style {
    match r {
        Some(CheckResult::Ok) => theme.fg(Color::Green),
        Some(CheckResult::Slow) => theme.fg(Color::Yellow),
        Some(CheckResult::LoginFailed) | Some(CheckResult::Down) => theme.error(),
        None => theme.dim(),
    }
}

pub fn render_check(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect, c: &CheckScreen) {
    let cat = &app.cat;
    let org = &app.org;
    let date = c.date();
    let title = cat.f("ui.check_title", &[("date", &date.format("%d/%m/%Y"))]);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(days) = &c.history {
        render_history(app, theme, frame, inner, days);
        return;
    }
    if let Some((text, scroll)) = &c.report {
        // The report as `hotro check report` prints it, wrapped to the screen, scrollable.
        let lines: Vec<Line<'_>> = text
            .lines()
            .flat_map(|l| crate::ui::text::wrap(&sanitize(l), inner.width as usize))
            .skip(*scroll)
            .take(inner.height as usize)
            .map(Line::raw)
            .collect();
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let [status, table, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(inner);

    // Where the day stands.
    let phase = check::phase_on(&org.check, org.time_zone, date, app.now);
    let window = cat.f(
        "ui.check_window",
        &[
            ("start", &org.check.window_start.format("%H:%M")),
            ("end", &org.check.window_end.format("%H:%M")),
            ("deadline", &org.check.deadline.format("%H:%M")),
        ],
    );
    let phase_text = cat.t(&format!("ui.check_phase.{}", phase.as_str()));
    let state = match &c.day.finalised {
        Some(f) => cat.f(
            "report.finalised",
            &[
                (
                    "by",
                    &org.operator(&f.by)
                        .map(|o| o.name.clone())
                        .unwrap_or_else(|| f.by.clone()),
                ),
                (
                    "at",
                    &f.at
                        .with_timezone(&org.time_zone)
                        .format("%H:%M")
                        .to_string(),
                ),
            ],
        ),
        None => cat.t("report.draft"),
    };
    let lines = check::lines(&org.check, org.time_zone, date, &c.day, app.now);
    let t = check::tally(&lines);
    let summary = crate::check::report::summary_line(cat, &lines);
    let phase_style = match phase {
        Phase::Late | Phase::PastDeadline if c.day.finalised.is_none() && t.unchecked > 0 => {
            theme.error()
        }
        _ => theme.bold(),
    };
    let w = status.width as usize;
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(truncate(&phase_text, w), phase_style),
                Span::raw(truncate(&format!(" · {window} · {state}"), w)),
            ]),
            Line::styled(truncate(&summary, w), theme.dim()),
        ]),
        status,
    );

    // The checklist. A finalised day shows the report as sent plus the amended results.
    let w = table.width as usize;
    // The name column as wide as the longest name (systems of one application differ only
    // at the end of their names: the two TTLKB systems), leaving the other columns their
    // room; the note has what is left.
    let longest = org
        .check
        .systems
        .iter()
        .map(|s| width(&sanitize(&system_name(org, cat, &s.id))))
        .chain(std::iter::once(width(&cat.t("report.col.system"))))
        .max()
        .unwrap_or(0);
    let name_w = longest
        .min(w.saturating_sub(16 + 7 + 14 + 5))
        .max(12.min(w / 3));
    let mut out = vec![Line::styled(
        fit(
            &format!(
                "{} {:<16} {:<7} {:<14} {}",
                fit(&cat.t("report.col.system"), name_w),
                cat.t("report.col.result"),
                cat.t("report.col.at"),
                cat.t("report.col.incident"),
                cat.t("report.col.note"),
            ),
            w,
        ),
        theme.bold(),
    )];
    let visible = table.height.saturating_sub(1) as usize;
    let start = crate::ui::layout::first_shown(c.cursor, visible.max(1));
    for (i, l) in lines.iter().enumerate().skip(start).take(visible) {
        // After finalising, show the current (amended) result where it changed.
        let current = c.day.entry(&l.system);
        let shown = if c.day.finalised.is_some() {
            current.or(l.entry.as_ref())
        } else {
            l.entry.as_ref()
        };
        let result = shown.map(|e| e.result);
        let amended = c.day.amendments.iter().any(|a| a.system == l.system);
        let mut label = result_label(cat, result);
        if amended {
            label.push('*');
        }
        let at = match shown {
            Some(e) => {
                let t =
                    e.at.with_timezone(&org.time_zone)
                        .format("%H:%M")
                        .to_string();
                if l.late { format!("{t}!") } else { t }
            }
            None if l.missing => cat.t("ui.check_missing"),
            None if l.late => cat.t("report.late_mark"),
            None => String::new(),
        };
        let incident = shown.and_then(|e| e.incident.clone()).unwrap_or_default();
        let note = match c.proposed.get(&l.system) {
            Some(p) => format!("→ {}: {}", result_label(cat, Some(p.result)), p.detail),
            None => shown.map(|e| e.note.replace('\n', " ")).unwrap_or_default(),
        };
        let name = fit(&sanitize(&system_name(org, cat, &l.system)), name_w);
        let rest = format!(
            " {} {} {} {}",
            fit(&label, 16),
            fit(&at, 7),
            fit(&incident, 14),
            sanitize(&note)
        );
        let mut line = Line::from(vec![
            Span::raw(name),
            Span::styled(
                truncate(&rest, w.saturating_sub(name_w)),
                result_style(theme, result),
            ),
        ]);
        if i == c.cursor {
            line = line.style(theme.selected());
        } else if c.proposed.contains_key(&l.system) {
            line = line.style(Style::default().add_modifier(Modifier::ITALIC));
        }
        out.push(line);
    }
    frame.render_widget(Paragraph::new(out), table);

    // Whom to call for the system under the cursor, and what probes propose.
    let mut foot = Vec::new();
    if let Some(s) = app.check_system() {
        let entry = c.day.entry(&s.id);
        let (lead, phone) = org.group_contact(&s.group);
        let group = org
            .group(&s.group)
            .map(|g| g.name.get(cat.lang().code()).to_string())
            .unwrap_or_else(|| s.group.clone());
        let contact = cat.f(
            "ui.check_contact",
            &[
                ("group", &group),
                ("lead", &lead.unwrap_or_else(|| "—".into())),
                ("phone", &phone.unwrap_or_else(|| "—".into())),
            ],
        );
        let style = if entry.is_some_and(|e| e.result.needs_call()) {
            theme.error()
        } else {
            theme.dim()
        };
        let prefix = if entry.is_some_and(|e| e.result.needs_call()) {
            format!("☎ {} ", cat.t("ui.check_call_now"))
        } else {
            String::new()
        };
        foot.push(Line::styled(
            truncate(&format!("{prefix}{contact}"), inner.width as usize),
            style,
        ));
    }
    if c.probing {
        foot.push(Line::styled(cat.t("flash.probing"), theme.dim()));
    } else if !c.proposed.is_empty() {
        foot.push(Line::styled(
            cat.f("ui.check_proposals", &[("count", &c.proposed.len())]),
            theme.bold(),
        ));
    }
    frame.render_widget(Paragraph::new(foot), footer);
}

fn render_history(
    app: &App,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
    days: &[crate::domain::check::CheckDay],
) {
    let cat = &app.cat;
    let org = &app.org;
    let w = area.width as usize;
    let avail = check::availability(&org.check, days);
    let mut out = vec![Line::styled(
        truncate(&cat.f("ui.check_history", &[("days", &days.len())]), w),
        theme.bold(),
    )];
    for a in &avail {
        let pct = a
            .percent
            .map(|p| format!("{p:5.1}%"))
            .unwrap_or_else(|| "    —".into());
        let bar_len = a.percent.map(|p| (p / 10.0).round() as usize).unwrap_or(0);
        let text = format!(
            "{} {pct} {:<10} {}",
            fit(&system_name(org, cat, &a.system), 30),
            "█".repeat(bar_len),
            cat.f(
                "ui.check_history_counts",
                &[
                    ("checked", &a.checked_days),
                    ("slow", &a.slow_days),
                    ("login_failed", &a.login_failed_days),
                    ("down", &a.down_days),
                ],
            )
        );
        out.push(Line::raw(truncate(&text, w)));
    }
    out.push(Line::raw(""));
    for d in days.iter().rev() {
        if let Some(line) = crate::check::report::history_day_line(cat, org, d, app.now) {
            out.push(Line::raw(truncate(&line, w)));
        }
    }
    frame.render_widget(Paragraph::new(out), area);
}
