//! Drawing: state in, frame out. Nothing here changes state or reads the database.

use crate::describe;
use crate::domain::ticket::{Event, Ticket};
use crate::ui::app::{App, ChoiceField, Focus, NewTicketForm, Picker, Popup, TextPopup};
use crate::ui::keymap::{Action, Context};
use crate::ui::layout;
use crate::ui::text::{fit, sanitize, truncate, width, wrap};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Colours, or none (NO_COLOR, --no-color): then emphasis and selection use bold and reverse
/// video only, so the selection stays visible.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub(crate) fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    pub(crate) fn selected(&self) -> Style {
        if self.color {
            Style::default()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }
    pub(crate) fn dim(&self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }
    pub(crate) fn bold(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }
    pub(crate) fn error(&self) -> Style {
        if self.color {
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            self.bold()
        }
    }
    pub(crate) fn priority(&self, p: &str) -> Style {
        match p {
            "P1" => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            "P2" => self.fg(Color::LightRed),
            "P3" => self.fg(Color::Yellow),
            _ => self.fg(Color::Gray),
        }
    }
    pub(crate) fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.dim()
        }
    }
}

/// "5m", "3h", "12d": how long ago, in the shortest form that still sorts by eye.
pub fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let mins = (now - then).num_minutes().max(0);
    if mins < 60 {
        format!("{mins}m")
    } else if mins < 48 * 60 {
        format!("{}h", mins / 60)
    } else {
        format!("{}d", mins / (60 * 24))
    }
}

pub fn render(app: &App, theme: Theme, frame: &mut Frame<'_>) {
    let area = frame.area();
    let layout::ScreenAreas {
        header,
        banner,
        body,
        filter,
        flash,
        hints,
    } = layout::screen(app, area);
    render_header(app, theme, frame, header);
    crate::ui::check_view::render_banner(app, theme, frame, banner);
    if let Some(r) = &app.reports {
        crate::ui::reports_view::render_reports(app, theme, frame, body, r);
    } else if let Some(r) = &app.requirements {
        crate::ui::req_view::render_requirements(app, theme, frame, body, r);
    } else if let Some(c) = &app.check {
        crate::ui::check_view::render_check(app, theme, frame, body, c);
    } else {
        match (&app.knowledge, &app.detail) {
            (Some(k), _) => render_knowledge(app, theme, frame, body, k),
            (None, Some(d)) => {
                render_detail(app, theme, frame, body, &d.ticket, &d.events, d.scroll)
            }
            (None, None) => render_main(app, theme, frame, body),
        }
    }
    if filter.height > 0 {
        let cursor = if app.focus == Focus::Filter {
            "▏"
        } else {
            ""
        };
        let line = Line::from(vec![
            Span::styled(format!("/ {} ", app.cat.t("ui.filter")), theme.bold()),
            Span::raw(format!("{}{cursor}", sanitize(&app.filter))),
        ]);
        frame.render_widget(Paragraph::new(line), filter);
    }
    if let Some(f) = &app.flash {
        let style = if f.error {
            theme.error()
        } else {
            theme.fg(Color::Green)
        };
        frame.render_widget(
            Paragraph::new(Span::styled(
                truncate(&sanitize(&f.text), flash.width as usize),
                style,
            )),
            flash,
        );
    }
    render_hints(app, theme, frame, hints);
    if let Some(p) = &app.popup {
        render_popup(app, theme, frame, area, p);
    }
}

fn render_header(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let lang = app.cat.lang().code();
    let group = app
        .org
        .group(&app.me.group)
        .map(|g| g.name.get(lang))
        .unwrap_or(&app.me.group);
    let who = app.cat.f(
        "ui.acting",
        &[
            ("name", &app.me.name),
            ("login", &app.me.login),
            ("tier", &app.me.tier),
            ("group", &group),
        ],
    );
    let ro = if app.read_only {
        format!(" · {}", app.cat.t("ui.read_only"))
    } else {
        String::new()
    };
    let text = format!(" hotro │ {} │ {who}{ro}", app.org.name);
    let style = if theme.color {
        Style::default().bg(Color::Blue).fg(Color::White)
    } else {
        Style::default().add_modifier(Modifier::REVERSED)
    };
    frame.render_widget(
        Paragraph::new(fit(&text, area.width as usize)).style(style),
        area,
    );
}

fn render_main(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let areas = layout::main(area);
    render_queues(app, theme, frame, areas.queues);
    render_table(app, theme, frame, areas.table);
    render_preview(app, theme, frame, areas.preview);
}

fn render_queues(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(app.focus == Focus::Queues))
        .title(app.cat.t("ui.queues"));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let visible = inner.height as usize;
    let start = layout::first_shown(app.queue, visible);
    let lines: Vec<Line<'_>> = app
        .queues
        .iter()
        .enumerate()
        .skip(start)
        .take(visible)
        .map(|(i, q)| {
            let n = app.counts.get(i).copied().unwrap_or(0);
            let number = if i < 9 {
                format!("{} ", i + 1)
            } else {
                "  ".into()
            };
            let count = n.to_string();
            let label_w = w.saturating_sub(width(&number) + width(&count) + 1);
            let text = format!("{number}{} {count}", fit(&q.label, label_w));
            let style = if i == app.queue {
                theme.selected()
            } else {
                Style::default()
            };
            Line::styled(text, style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The ticket table's column widths in cells (0: not shown). Key, priority, status and age
/// always show; SLA, application, assignee and unit are added in that order while the title
/// keeps enough room; every column is as wide as its widest content (header included) where
/// the screen allows, and the title takes what is left.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Columns {
    key: usize,
    priority: usize,
    status: usize,
    age: usize,
    sla: usize,
    app: usize,
    unit: usize,
    assignee: usize,
    title: usize,
}

/// The widest content of each column (header included), from which [`columns`] sizes them:
/// the same cells as [`Columns`], read as wishes rather than widths.
type Natural = Columns;

fn columns_for(total: usize, n: &Natural) -> Columns {
    // Room the title keeps before an optional column may be added.
    let title_min = (total / 4).clamp(12, 30).min(n.title.max(5));
    let mut c = Columns {
        key: n.key,
        priority: n.priority,
        status: n.status,
        age: n.age,
        ..Columns::default()
    };
    // Cells used by the columns shown so far, one space after each, and the mark before
    // the key.
    let used = |c: &Columns| {
        1 + [
            c.key, c.priority, c.status, c.age, c.sla, c.app, c.assignee, c.unit,
        ]
        .iter()
        .filter(|w| **w > 0)
        .map(|w| w + 1)
        .sum::<usize>()
    };
    // An optional column first gets up to 12 cells (a cut name still tells rows apart),
    // and grows to its widest content once every column that fits is in.
    const FIRST: usize = 12;
    let natural = [n.sla, n.app, n.assignee, n.unit];
    for (slot, &want) in natural.iter().enumerate() {
        if want == 0 {
            continue;
        }
        let mut trial = c;
        let w = want.min(FIRST);
        match slot {
            0 => trial.sla = w,
            1 => trial.app = w,
            2 => trial.assignee = w,
            _ => trial.unit = w,
        }
        if used(&trial) + title_min <= total {
            c = trial;
        }
    }
    // Spare room: the title to its full length first, then the cut columns, then the title.
    let spare = total.saturating_sub(used(&c) + title_min);
    let mut spare = spare.saturating_sub(n.title.saturating_sub(title_min));
    for (slot, &want) in natural.iter().enumerate() {
        let have = match slot {
            0 => &mut c.sla,
            1 => &mut c.app,
            2 => &mut c.assignee,
            _ => &mut c.unit,
        };
        if *have > 0 && want > *have {
            let more = (want - *have).min(spare);
            *have += more;
            spare -= more;
        }
    }
    c.title = total.saturating_sub(used(&c)).max(1);
    c
}

/// The columns for a table `total` cells wide: headers whole where they fit; where they do
/// not and the SLA column would be left out, the always-shown columns shrink to their
/// content (cutting their headers) to keep it.
fn columns(total: usize, full: &Natural, tight: &Natural) -> Columns {
    let c = columns_for(total, full);
    if c.sla == 0 && full.sla > 0 {
        let t = columns_for(total, tight);
        if t.sla > 0 {
            return t;
        }
    }
    c
}

/// A working-time span for the SLA column, in the catalog's words: days, hours and minutes
/// spelled as durations (`11h 05m`, `11 g 05 ph`, `11小时05分`), never like a clock time.
pub fn sla_span(cat: &crate::i18n::Catalog, minutes: i64) -> String {
    let m = minutes.unsigned_abs();
    if m >= 60 * 24 {
        cat.f("sla.cell.days", &[("days", &(m / (60 * 24)))])
    } else if m >= 60 {
        cat.f(
            "sla.cell.hours",
            &[("hours", &(m / 60)), ("minutes", &format!("{:02}", m % 60))],
        )
    } else {
        cat.f("sla.cell.minutes", &[("minutes", &m)])
    }
}

/// The SLA cell's words for a clock in `state` with `minutes` of working time left (less
/// than zero: overdue by that much): the span alone on track, and a word before it otherwise
/// ("soon", "over", "paused"), so the column reads without colours and without a legend.
pub fn sla_cell_text(
    cat: &crate::i18n::Catalog,
    state: crate::domain::sla::ClockState,
    minutes: i64,
) -> String {
    use crate::domain::sla::ClockState;
    let span = sla_span(cat, minutes);
    let id = match state {
        ClockState::Breached => "sla.cell.over",
        ClockState::AtRisk => "sla.cell.at_risk",
        ClockState::Paused => "sla.cell.paused",
        _ if minutes < 0 => "sla.cell.over",
        _ => return span,
    };
    cat.f(id, &[("span", &span)])
}

/// The queue's SLA cell: the most urgent clock's remaining working time, coloured by state.
fn sla_cell(app: &App, theme: Theme, key: &str) -> (String, Style) {
    use crate::domain::sla::ClockState;
    let Some(c) = app.sla.get(key).and_then(|s| s.most_urgent()) else {
        return (String::new(), theme.dim());
    };
    let text = sla_cell_text(&app.cat, c.state, c.remaining_minutes);
    let style = match c.state {
        ClockState::Breached => theme.error(),
        ClockState::AtRisk => theme.fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ClockState::Paused => theme.dim(),
        _ => theme.fg(Color::Green),
    };
    (text, style)
}

/// The widest content of each column over the loaded rows, so columns do not change width
/// as the cursor moves.
fn natural_widths(app: &App) -> (Natural, Natural) {
    let cat = &app.cat;
    let head = |id: &str| width(&cat.t(id));
    let mut n = Natural {
        title: head("col.title"),
        ..Natural::default()
    };
    let (mut sla, mut apps, mut units, mut assignees) = (0, 0, 0, 0);
    for r in &app.list.rows {
        n.key = n.key.max(width(&r.key));
        n.priority = n.priority.max(width(&r.priority));
        n.status = n.status.max(width(&describe::status(cat, r.status)));
        n.age = n.age.max(width(&age(app.now, r.created_at)));
        if let Some(c) = app.sla.get(&r.key).and_then(|s| s.most_urgent()) {
            sla = sla.max(width(&sla_cell_text(cat, c.state, c.remaining_minutes)));
        }
        apps = apps.max(r.application.as_deref().map_or(1, width));
        units = units.max(r.unit.as_deref().map_or(1, width));
        assignees = assignees.max(r.assignee.as_deref().map_or(1, width));
        n.title = n
            .title
            .max(width(&sanitize(&r.title).replace('\n', " ")).min(200));
    }
    // A column with nothing in any row is left out, whatever its header.
    let with_head = |w: usize, id: &str| if w == 0 { 0 } else { w.max(head(id)) };
    n.sla = with_head(sla, "col.sla");
    n.app = with_head(apps, "col.application");
    n.unit = with_head(units, "col.unit");
    n.assignee = with_head(assignees, "col.assignee");
    n.status = n.status.min(16);
    let tight = n;
    n.key = n.key.max(head("col.key").saturating_sub(1));
    n.priority = n.priority.max(head("col.priority"));
    n.status = n.status.max(head("col.status"));
    n.age = n.age.max(head("col.age"));
    (n, tight)
}

fn render_table(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let q = app
        .queues
        .get(app.queue)
        .map(|q| q.label.as_str())
        .unwrap_or("");
    let count =
        (app.list.filtered).unwrap_or_else(|| app.counts.get(app.queue).copied().unwrap_or(0));
    let order = app.cat.t(if app.by_due {
        "ui.by_due"
    } else if app.oldest_first {
        "ui.oldest_first"
    } else {
        "ui.newest_first"
    });
    let marked = if app.marked.is_empty() {
        String::new()
    } else {
        format!(
            " · {}",
            app.cat.f("ui.marked", &[("count", &app.marked.len())])
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(app.focus != Focus::Queues))
        .title(format!("{q} ({count}) · {order}{marked}"));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (full, tight) = natural_widths(app);
    let c = columns(inner.width as usize, &full, &tight);
    let cat = &app.cat;
    let mut header = vec![
        fit(&cat.t("col.key"), c.key + 1),
        fit(&cat.t("col.priority"), c.priority),
        fit(&cat.t("col.status"), c.status),
        fit(&cat.t("col.age"), c.age),
    ];
    if c.sla > 0 {
        header.push(fit(&cat.t("col.sla"), c.sla));
    }
    if c.app > 0 {
        header.push(fit(&cat.t("col.application"), c.app));
    }
    if c.unit > 0 {
        header.push(fit(&cat.t("col.unit"), c.unit));
    }
    if c.assignee > 0 {
        header.push(fit(&cat.t("col.assignee"), c.assignee));
    }
    header.push(fit(&cat.t("col.title"), c.title));
    let mut lines = vec![Line::styled(
        header.join(" "),
        theme.bold().add_modifier(Modifier::UNDERLINED),
    )];
    let visible = (inner.height as usize).saturating_sub(1);
    let start = layout::first_shown(app.list.cursor, visible);
    for (i, r) in app.list.rows.iter().enumerate().skip(start).take(visible) {
        let mark = if app.marked.contains_key(&r.key) {
            "●"
        } else {
            " "
        };
        let mut spans = vec![
            Span::raw(format!("{mark}{} ", fit(&r.key, c.key))),
            Span::styled(
                format!("{} ", fit(&r.priority, c.priority)),
                theme.priority(&r.priority),
            ),
            Span::raw(format!(
                "{} ",
                fit(&describe::status(cat, r.status), c.status)
            )),
            Span::raw(format!("{} ", fit(&age(app.now, r.created_at), c.age))),
        ];
        if c.sla > 0 {
            let (text, style) = sla_cell(app, theme, &r.key);
            spans.push(Span::styled(format!("{} ", fit(&text, c.sla)), style));
        }
        if c.app > 0 {
            spans.push(Span::raw(format!(
                "{} ",
                fit(r.application.as_deref().unwrap_or("—"), c.app)
            )));
        }
        if c.unit > 0 {
            spans.push(Span::raw(format!(
                "{} ",
                fit(r.unit.as_deref().unwrap_or("—"), c.unit)
            )));
        }
        if c.assignee > 0 {
            spans.push(Span::raw(format!(
                "{} ",
                fit(r.assignee.as_deref().unwrap_or("—"), c.assignee)
            )));
        }
        spans.push(Span::raw(fit(
            &sanitize(&r.title).replace('\n', " "),
            c.title,
        )));
        let mut line = Line::from(spans);
        if i == app.list.cursor && app.focus != Focus::Queues {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if app.list.rows.is_empty() {
        let msg = if app.list.loading {
            cat.t("ui.loading")
        } else {
            cat.t("ticket.none")
        };
        lines.push(Line::styled(msg, theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_preview(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(app.cat.t("ui.preview"));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some((t, events)) = app
        .preview
        .as_ref()
        .filter(|(t, _)| Some(&t.key) == app.list.selected().map(|r| &r.key))
    else {
        return;
    };
    let w = inner.width as usize;
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", t.key), theme.bold()),
        Span::styled(format!("{} ", t.priority), theme.priority(&t.priority)),
        Span::raw(truncate(
            &sanitize(&t.title),
            w.saturating_sub(t.key.len() + 4),
        )),
    ])];
    let requester = [&t.requester.name, &t.requester.unit, &t.requester.phone]
        .iter()
        .filter_map(|v| v.as_deref())
        .collect::<Vec<_>>()
        .join(" · ");
    lines.push(Line::styled(
        truncate(&sanitize(&requester), w),
        theme.dim(),
    ));
    let room = (inner.height as usize).saturating_sub(3);
    for l in wrap(&sanitize(&t.description), w).into_iter().take(room) {
        lines.push(Line::raw(l));
    }
    if let Some(e) = events.last() {
        let what = describe::event(&app.cat, &app.org, e);
        lines.push(Line::styled(
            truncate(
                &sanitize(&format!("{} {}: {what}", age(app.now, e.at), e.actor)),
                w,
            ),
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

#[allow(clippy::too_many_arguments)]
fn render_detail(
    app: &App,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
    t: &Ticket,
    events: &[Event],
    scroll: usize,
) {
    let cat = &app.cat;
    let org = &app.org;
    let lang = cat.lang().code();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(format!(
            "{} · {}",
            t.key,
            truncate(&sanitize(&t.title), area.width.saturating_sub(20) as usize)
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let local = |d: DateTime<Utc>| {
        d.with_timezone(&org.time_zone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let named = |list: &[crate::domain::org::Coded], id: &str| {
        list.iter()
            .find(|c| c.id == id)
            .map(|c| c.name.get(lang).to_string())
            .unwrap_or_else(|| id.to_string())
    };
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let group = org
        .group(&t.group)
        .map(|g| g.name.get(lang).to_string())
        .unwrap_or_else(|| t.group.clone());
    let sla = crate::domain::sla::compute(t, events, &org.calendar, &org.sla, app.now);
    let mut fields: Vec<(String, String)> = vec![
        (cat.t("field.status"), describe::status(cat, t.status)),
        (
            cat.t("field.priority"),
            format!(
                "{} ({} / {})",
                t.priority,
                named(&org.priority.impact, &t.impact),
                named(&org.priority.urgency, &t.urgency)
            ),
        ),
        (cat.t("field.kind"), named(&org.kinds, &t.kind)),
        (
            cat.t("field.category"),
            t.category
                .as_deref()
                .map(|c| named(&org.categories, c))
                .unwrap_or_else(|| "—".into()),
        ),
        (
            cat.t("field.application"),
            t.application
                .as_deref()
                .map(
                    |code| match org.applications.iter().find(|a| a.code == code) {
                        Some(a) => format!("{code} — {}", a.name),
                        None => code.to_string(),
                    },
                )
                .unwrap_or_else(|| "—".into()),
        ),
        (cat.t("field.channel"), named(&org.channels, &t.channel)),
        (cat.t("field.requester_name"), dash(&t.requester.name)),
        (cat.t("field.unit"), dash(&t.requester.unit)),
        (cat.t("field.phone"), dash(&t.requester.phone)),
        (cat.t("field.email"), dash(&t.requester.email)),
        (cat.t("field.tier"), t.tier.to_string()),
        (cat.t("field.group"), group),
        (cat.t("field.assignee"), dash(&t.assignee)),
        (
            cat.t("field.following"),
            t.following_group()
                .map(|g| org.group(g).map(|g| g.name.get(lang)).unwrap_or(g))
                .unwrap_or("—")
                .to_string(),
        ),
        (cat.t("field.created_at"), local(t.created_at)),
        (
            cat.t("field.first_response_at"),
            t.first_response_at.map(local).unwrap_or_else(|| "—".into()),
        ),
        (cat.t("field.parent"), dash(&t.parent)),
        (cat.t("field.duplicate_of"), dash(&t.duplicate_of)),
        (cat.t("field.external_reference"), dash(&t.external_ref)),
        (cat.t("field.version"), t.version.to_string()),
    ];
    // A mail-born ticket's source and the ticket's files (issue 12).
    if let Some(files) = app
        .detail
        .as_ref()
        .filter(|d| d.ticket.key == t.key)
        .map(|d| &d.files)
    {
        if let Some(m) = &files.mail {
            fields.push((cat.t("field.mail_from"), crate::inert::one_line(&m.from)));
            fields.push((
                cat.t("field.mail_subject"),
                crate::inert::one_line(&m.subject),
            ));
        }
        if !files.attachments.is_empty() {
            let list: Vec<String> = files
                .attachments
                .iter()
                .map(|a| {
                    format!(
                        "{}. {} ({} B)",
                        a.n,
                        crate::inert::one_line(&a.name),
                        a.size
                    )
                })
                .collect();
            fields.push((cat.t("attachment.heading"), list.join(", ")));
        }
        for m in &files.outbox {
            let state = cat.t(&format!("mail.delivery.{}", m.standing.as_str()));
            let error = m
                .last_error
                .as_deref()
                .map(|e| format!(" ({})", crate::inert::one_line(e)))
                .unwrap_or_default();
            fields.push((
                cat.f(
                    "field.mail_to",
                    &[("to", &crate::inert::one_line(&m.mail.to))],
                ),
                format!("{state}{error}"),
            ));
        }
    }
    for (which, clock) in [
        ("first_response", &sla.first_response),
        ("resolution", &sla.resolution),
    ] {
        if let Some(c) = clock {
            fields.push((
                cat.t(&format!("sla.{which}")),
                describe::sla_clock_short(cat, org, c),
            ));
        }
    }
    // The procedure and its step clocks, computed once for the field and the step list.
    let procedure = org.procedure_for(&t.kind).map(|p| {
        let clocks =
            crate::domain::procedure::step_clocks(t, events, p, &org.calendar, &org.sla, app.now);
        let overall = crate::domain::procedure::procedure_clock(
            t,
            events,
            p,
            &org.calendar,
            &org.sla,
            app.now,
        );
        (p, clocks, overall)
    });
    if let Some((p, clocks, _)) = &procedure {
        let current = t.current_step.as_deref().and_then(|s| p.step(s));
        let value = match current {
            Some(s) => {
                let used = clocks
                    .last()
                    .filter(|c| c.step == s.id && c.left.is_none())
                    .map(|c| describe::working_minutes(cat, c.used_minutes))
                    .unwrap_or_default();
                let needs = if s.requires.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", s.requires.join(", "))
                };
                format!(
                    "{} {} ({used} / {}){needs}",
                    s.id,
                    s.name.get(lang),
                    s.budget
                )
            }
            None => describe::procedure_done(cat, t),
        };
        fields.push((cat.t("form.procedure"), value));
    }
    let mut lines: Vec<Line<'_>> = Vec::new();
    // Two columns of fields when there is room, one otherwise.
    let two = w >= 90;
    let col = if two { w / 2 } else { w };
    let label_w = 20.min(col / 2);
    let field_line = |(k, v): &(String, String)| {
        format!(
            "{} {}",
            fit(k, label_w),
            fit(&sanitize(v), col.saturating_sub(label_w + 2))
        )
    };
    if two {
        for pair in fields.chunks(2) {
            let left = field_line(&pair[0]);
            let right = pair.get(1).map(field_line).unwrap_or_default();
            lines.push(Line::raw(format!("{left} {right}")));
        }
    } else {
        for f in &fields {
            lines.push(Line::raw(field_line(f)));
        }
    }
    // Each step of the procedure: its clock against its budget, who completed it.
    if let Some((p, clocks, overall)) = &procedure {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("{} {}", cat.t("form.procedure"), p.name.get(lang)),
            theme.bold(),
        ));
        if let Some(o) = overall {
            let style = if o.over { theme.error() } else { theme.dim() };
            lines.push(Line::styled(
                truncate(&sanitize(&describe::procedure_overall(cat, o)), w),
                style,
            ));
        }
        for c in clocks {
            let Some(step) = p.step(&c.step) else {
                continue;
            };
            let running = c.left.is_none() && t.current_step.is_some();
            let mark = if running {
                "▶"
            } else if c.over {
                "!"
            } else {
                "✓"
            };
            let by = c.by.as_ref().map(|b| format!(" — {b}")).unwrap_or_default();
            let text = format!(
                "{mark} {} {} — {} / {}{by}",
                step.id,
                step.name.get(lang),
                describe::working_minutes(cat, c.used_minutes),
                c.budget
            );
            let style = if c.over {
                theme.error()
            } else if running {
                theme.bold()
            } else {
                theme.dim()
            };
            lines.push(Line::styled(truncate(&sanitize(&text), w), style));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(cat.t("field.description"), theme.bold()));
    let open = app.detail.as_ref().is_some_and(|d| d.description_open);
    lines.extend(description_lines(app, theme, &t.description, w, open));
    if let Some(r) = &t.resolution {
        lines.push(Line::raw(""));
        lines.push(Line::styled(cat.t("field.resolution"), theme.bold()));
        for l in wrap(&sanitize(r), w) {
            lines.push(Line::raw(l));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(cat.t("ticket.timeline"), theme.bold()));
    for e in events {
        let head = format!("v{} {} {}: ", e.version, local(e.at), e.actor);
        let body = sanitize(&describe::event(cat, org, e));
        let full = match &e.kind {
            crate::domain::ticket::EventKind::PublicReply { text }
            | crate::domain::ticket::EventKind::InternalNote { text } => {
                let label = describe::event(cat, org, e);
                let label = label.split(':').next().unwrap_or_default().to_string();
                format!("{head}{label}:\n{}", sanitize(text))
            }
            _ => format!("{head}{body}"),
        };
        for (i, l) in wrap(&full, w.saturating_sub(2)).into_iter().enumerate() {
            let indent = if i == 0 { "" } else { "  " };
            lines.push(Line::raw(format!("{indent}{l}")));
        }
    }
    render_scrolled(frame, lines, scroll, inner);
}

/// Draw `lines` into `area` from line `scroll` on, never past the last screenful.
fn render_scrolled(frame: &mut Frame<'_>, lines: Vec<Line<'_>>, scroll: usize, area: Rect) {
    let height = area.height as usize;
    let scroll = scroll.min(lines.len().saturating_sub(height));
    let shown: Vec<Line<'_>> = lines.into_iter().skip(scroll).take(height).collect();
    frame.render_widget(Paragraph::new(shown), area);
}

/// A ticket's description wrapped to `w`; a long one folded to its first lines and a note
/// of how many more and which key shows them, unless `open`.
fn description_lines(
    app: &App,
    theme: Theme,
    text: &str,
    w: usize,
    open: bool,
) -> Vec<Line<'static>> {
    let all = wrap(&sanitize(text), w);
    let fold = crate::ui::app::DESCRIPTION_FOLD;
    // Folding away a line or two would hide nothing worth the note.
    if open || all.len() <= fold + 2 {
        return all.into_iter().map(Line::raw).collect();
    }
    let more = all.len() - fold;
    let key = app
        .keymap
        .key_for(&[Context::Detail], Action::ToggleDescription)
        .map(|k| k.label())
        .unwrap_or_default();
    let note = app
        .cat
        .f("ui.description_more", &[("count", &more), ("key", &key)]);
    let mut lines: Vec<Line<'static>> = all.into_iter().take(fold).map(Line::raw).collect();
    lines.push(Line::styled(truncate(&note, w), theme.dim()));
    lines
}

/// Segments of text as a line, matches emphasised.
fn highlighted(
    segments: &[crate::domain::search::Segment],
    theme: Theme,
    max: usize,
) -> Line<'static> {
    let mut spans = Vec::new();
    let mut used = 0;
    for seg in segments {
        let text = sanitize(&seg.text);
        let room = max.saturating_sub(used);
        if room == 0 {
            break;
        }
        let piece = truncate(&text, room);
        used += width(&piece);
        let style = if seg.hit {
            theme
                .bold()
                .patch(theme.fg(Color::Yellow))
                .add_modifier(Modifier::UNDERLINED)
        } else {
            Style::default()
        };
        spans.push(Span::styled(piece, style));
    }
    Line::from(spans)
}

fn render_knowledge(
    app: &App,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
    k: &crate::ui::app::Knowledge,
) {
    if let Some(f) = k.results.get(k.cursor).filter(|_| k.reading) {
        render_article(app, theme, frame, area, k, f);
        return;
    }
    let cat = &app.cat;
    let title = match &k.for_ticket {
        _ if k.drafts => cat.t("ui.knowledge_drafts"),
        Some(t) => cat.f("ui.knowledge_for", &[("key", &t.key)]),
        None => cat.t("ui.knowledge"),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [input, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(inner);
    let query_line = Line::from(vec![
        Span::styled("> ", theme.bold()),
        Span::raw(format!("{}▏", sanitize(&k.query))),
    ]);
    use crate::ui::app::IndexNote;
    let hint = match k.index_note {
        None => Line::styled(cat.t("ui.type_to_search"), theme.dim()),
        Some(note) => {
            let text = match note {
                IndexNote::Updating(Some(p)) => cat.f("ui.index_updating", &[("percent", &p)]),
                IndexNote::Updating(None) => cat.t("ui.index_updating_started"),
                IndexNote::Rebuilding(Some(p)) => cat.f("ui.index_rebuilding", &[("percent", &p)]),
                IndexNote::Rebuilding(None) => cat.t("ui.index_rebuilding_started"),
            };
            Line::styled(truncate(&text, input.width as usize), theme.bold())
        }
    };
    frame.render_widget(Paragraph::new(vec![query_line, hint]), input);
    let list_width = if body.width >= 100 {
        body.width / 2
    } else {
        body.width
    };
    let [list, preview] =
        Layout::horizontal([Constraint::Length(list_width), Constraint::Min(0)]).areas(body);
    let lb = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.dim())
        .title(format!("{} ({})", cat.t("ui.results"), k.results.len()));
    let list_inner = lb.inner(list);
    frame.render_widget(lb, list);
    let w = list_inner.width as usize;
    let per = 2usize;
    let visible = (list_inner.height as usize / per).max(1);
    let start = crate::ui::layout::first_shown(k.cursor, visible);
    let mut lines = Vec::new();
    for (i, f) in k.results.iter().enumerate().skip(start).take(visible) {
        let kind = cat.t(&format!("kb.kind_{}", f.kind));
        let head = format!("{} · {} · {}", f.reference, kind, sanitize(&f.title));
        let mut line = Line::raw(truncate(&head, w));
        if i == k.cursor {
            line = line.style(theme.selected());
        } else {
            line = line.style(theme.bold());
        }
        lines.push(line);
        lines.push(highlighted(&f.snippet, theme, w));
    }
    if k.results.is_empty() && !k.query.is_empty() {
        lines.push(Line::styled(cat.t("kb.no_results"), theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), list_inner);
    if preview.width == 0 {
        return;
    }
    let pb = Block::default()
        .borders(Borders::TOP | Borders::LEFT)
        .border_style(theme.dim())
        .title(cat.t("ui.preview"));
    let pin = pb.inner(preview);
    frame.render_widget(pb, preview);
    let Some(f) = k.results.get(k.cursor) else {
        return;
    };
    let out = article_lines(app, theme, k, f, pin.width as usize, false);
    render_scrolled(frame, out, k.scroll, pin);
}

/// A found article or solution as lines `w` cells wide: title, symptom, cause, resolution,
/// the query's words emphasised. The title is wrapped when `full`, cut to a line otherwise.
fn article_lines(
    app: &App,
    theme: Theme,
    k: &crate::ui::app::Knowledge,
    f: &crate::search::service::Found,
    w: usize,
    full: bool,
) -> Vec<Line<'static>> {
    let query = if k.query.is_empty() {
        f.title.clone()
    } else {
        k.query.clone()
    };
    let plan = crate::domain::search::plan(&format!("{query} "));
    let title = sanitize(&f.title);
    let title = if full {
        wrap(&title, w)
    } else {
        vec![truncate(&title, w)]
    };
    let mut out: Vec<Line<'static>> = title
        .into_iter()
        .map(|l| Line::styled(l, theme.bold()))
        .collect();
    for (label, text) in [
        ("kb.symptom", &f.symptom),
        ("kb.cause", &f.cause),
        ("kb.resolution", &f.resolution),
    ] {
        if text.trim().is_empty() {
            continue;
        }
        out.push(Line::raw(""));
        out.push(Line::styled(app.cat.t(label), theme.bold()));
        for para in wrap(&sanitize(text), w) {
            let segs = crate::domain::search::snippet(&para, &plan, usize::MAX / 4);
            out.push(highlighted(&segs, theme, w));
        }
    }
    out
}

/// The selected result open in full: the whole body, scrollable, Esc back to the list.
fn render_article(
    app: &App,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
    k: &crate::ui::app::Knowledge,
    f: &crate::search::service::Found,
) {
    let kind = app.cat.t(&format!("kb.kind_{}", f.kind));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(format!("{} · {kind}", f.reference));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let out = article_lines(app, theme, k, f, inner.width as usize, true);
    render_scrolled(frame, out, k.scroll, inner);
}

/// The hint bar: the current context's bindings (from the keymap, so a remapped key shows
/// as remapped), in a stable order — help and quit first, then the keymap's order, writing
/// articles last. When they do not all fit, the most important ones are shown (see
/// [`crate::ui::keymap::hint_priority`]), still in that order, and the bar ends with the help
/// key and "more", since the `?` overlay lists every key.
fn render_hints(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let max = area.width as usize;
    let hints = hint_pairs(app);
    let piece = |(k, d, _): &(String, String, Action)| width(k) + width(d) + 3;
    let total: usize = hints.iter().map(piece).sum();
    let mut shown: Vec<bool> = vec![true; hints.len()];
    let mut cue = None;
    let in_help = matches!(app.popup, Some(Popup::Help { .. }));
    if total > max {
        // In the overlay itself "more" would point at what is already open.
        let help_key = hints
            .iter()
            .find(|h| h.2 == Action::Help && !in_help)
            .map(|h| h.0.clone());
        let more = app.cat.t("ui.hint_more");
        let budget = match &help_key {
            Some(k) => max.saturating_sub(width(k) + width(&more) + 1),
            None => max,
        };
        cue = help_key.map(|k| (k, more));
        shown = vec![false; hints.len()];
        let mut order: Vec<usize> = (0..hints.len())
            .filter(|&i| cue.is_none() || hints[i].2 != Action::Help)
            .collect();
        order.sort_by_key(|&i| (crate::ui::keymap::hint_priority(hints[i].2), i));
        let mut used = 0;
        for i in order {
            let w = piece(&hints[i]);
            if used + w > budget {
                break;
            }
            shown[i] = true;
            used += w;
        }
    }
    let mut spans = Vec::new();
    let key_style = theme.bold().patch(theme.fg(Color::Cyan));
    for (h, _) in hints.iter().zip(&shown).filter(|(_, s)| **s) {
        spans.push(Span::styled(h.0.clone(), key_style));
        spans.push(Span::styled(format!(" {}  ", h.1), theme.dim()));
    }
    if let Some((k, more)) = cue {
        spans.push(Span::styled(k, key_style));
        spans.push(Span::styled(format!(" {more}"), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The hints of the contexts in force, in display order: (key label, what it does, action).
fn hint_pairs(app: &App) -> Vec<(String, String, Action)> {
    let contexts = app.contexts();
    let mut pairs: Vec<(String, String, Action)> = Vec::new();
    let mut seen = Vec::new();
    for c in &contexts {
        for b in app.keymap.bindings(*c) {
            // Discarding is an answer only when leaving a new-ticket form.
            // The morning check's history is read only.
            let offered = (b.action != Action::Discard
                || matches!(app.popup, Some(Popup::LeaveForm(_))))
                && !(app.check_history_shown() && crate::ui::check::writes_check(b.action))
                && app.requirement_offers(b.action)
                && app.mail_offers(b.action);
            if seen.contains(&b.action)
                || !offered
                || !app.action_allowed(b.action)
                || matches!(
                    b.action,
                    Action::Down
                        | Action::Up
                        | Action::Top
                        | Action::Bottom
                        | Action::PageDown
                        | Action::PageUp
                        | Action::ForceQuit
                        | Action::FocusPrev
                )
            {
                continue;
            }
            // In the knowledge screen letters are search text, so letter keys do nothing
            // there: a binding is shown by its first key that still works.
            let typing = app.knowledge.is_some() && app.popup.is_none();
            let Some(key) = b.keys.iter().find(|k| {
                let letter = matches!(k.code, ratatui::crossterm::event::KeyCode::Char(_))
                    && !k.ctrl
                    && !k.alt;
                !typing || !letter
            }) else {
                continue;
            };
            seen.push(b.action);
            let (key, what) = if b.action == Action::QueueN {
                // "1–9 queue", not "1-9 queue 1–9".
                (
                    match (b.keys.first(), b.keys.last()) {
                        (Some(a), Some(z)) if b.keys.len() > 1 => {
                            format!("{}–{}", a.label(), z.label())
                        }
                        _ => key.label(),
                    },
                    app.cat.t("ui.hint_queue"),
                )
            } else {
                (key.label(), app.keymap.describe(&app.cat, b))
            };
            pairs.push((key, what, b.action));
        }
    }
    // Help and quit first; writing articles after the keys that move about the screen.
    let rank = |a: Action| match a {
        Action::Quit | Action::Help => 0,
        Action::NewArticle
        | Action::EditArticle
        | Action::PublishArticle
        | Action::RetireArticle
        | Action::ReviewDrafts => 2,
        _ => 1,
    };
    pairs.sort_by_key(|p| rank(p.2));
    pairs
}

/// The words of the waiting notice: how long so far, and who holds the lock when the other
/// process said (`writer`: login, what, since; `since` shown in `tz`).
pub fn waiting_text(
    cat: &crate::i18n::Catalog,
    tz: chrono_tz::Tz,
    waited: std::time::Duration,
    writer: Option<&(String, String, chrono::DateTime<chrono::Utc>)>,
) -> String {
    let secs = waited.as_secs();
    match writer {
        Some((login, what, since)) => cat.f(
            "ui.waiting_for",
            &[
                ("login", &crate::inert::one_line(login)),
                ("what", &crate::inert::one_line(what)),
                (
                    "since",
                    &since.with_timezone(&tz).format("%H:%M:%S").to_string(),
                ),
                ("secs", &secs),
            ],
        ),
        None => cat.f("ui.waiting", &[("secs", &secs)]),
    }
}

/// The notice drawn over the last screen while a write waits for another process's lock
/// (issue 18): `title` on the frame, `text` inside, wrapped. Stored text in `text` (a login,
/// what the other process runs) is sanitised here like everywhere on screen.
pub fn render_waiting(frame: &mut Frame<'_>, theme: Theme, title: &str, text: &str) {
    let area = frame.area();
    let text = crate::inert::one_line(text);
    let width = 72u16.min(area.width);
    let inner_width = usize::from(width.saturating_sub(2)).max(1);
    let lines = unicode_width::UnicodeWidthStr::width(text.as_str()).div_ceil(inner_width);
    let r = centered(area, width, (lines as u16).saturating_add(2));
    frame.render_widget(Clear, r);
    let block = popup_block(crate::inert::one_line(title), theme);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    frame.render_widget(
        Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
        inner,
    );
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    layout::centered(area, width, height)
}

fn popup_block(title: String, theme: Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(title)
}

fn render_popup(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect, popup: &Popup) {
    let cat = &app.cat;
    match popup {
        Popup::Help { scroll } => {
            let r = layout::help_area(area);
            frame.render_widget(Clear, r);
            // Where in the list the overlay is, when it does not show it all.
            let inner_rows = usize::from(layout::inner(r).height);
            let total = layout::help_rows(&app.keymap);
            let from = (*scroll).min(layout::help_max_scroll(app, area));
            let title = if total > inner_rows {
                format!(
                    "{} · {}",
                    cat.t("ui.help"),
                    cat.f(
                        "ui.help_position",
                        &[
                            ("from", &(from + 1)),
                            ("to", &(from + inner_rows).min(total)),
                            ("total", &total),
                        ],
                    )
                )
            } else {
                cat.t("ui.help")
            };
            let block = popup_block(title, theme);
            let inner = block.inner(r);
            frame.render_widget(block, r);
            let mut lines = Vec::new();
            for c in Context::ALL {
                let bindings = app.keymap.bindings(c);
                if bindings.is_empty() {
                    continue;
                }
                lines.push(Line::styled(
                    cat.t(&format!("context.{}", c.name())),
                    theme.bold(),
                ));
                for b in bindings {
                    let keys: Vec<String> = b.keys.iter().map(|k| k.label()).collect();
                    lines.push(Line::raw(truncate(
                        &format!(
                            "  {} {}",
                            fit(&keys.join(" "), 22),
                            app.keymap.describe(cat, b)
                        ),
                        inner.width as usize,
                    )));
                }
            }
            // What the SLA column's words mean, with examples drawn by the column's own code.
            use crate::domain::sla::ClockState;
            lines.push(Line::styled(cat.t("help.sla"), theme.bold()));
            for (state, minutes, id) in [
                (ClockState::OnTrack, 665, "help.sla.on_track"),
                (ClockState::AtRisk, 45, "help.sla.at_risk"),
                (ClockState::Breached, -1348, "help.sla.over"),
                (ClockState::Paused, 190, "help.sla.paused"),
            ] {
                lines.push(Line::raw(truncate(
                    &format!(
                        "  {} {}",
                        fit(&sla_cell_text(cat, state, minutes), 22),
                        cat.t(id)
                    ),
                    inner.width as usize,
                )));
            }
            debug_assert_eq!(lines.len(), layout::help_rows(&app.keymap));
            // Never past the end, whatever the screen was when the scroll was set.
            let scroll = (*scroll).min(layout::help_max_scroll(app, area));
            render_scrolled(frame, lines, scroll, inner);
        }
        Popup::LeaveForm(_) => render_dialog(
            frame,
            theme,
            area,
            cat,
            Dialog {
                title: cat.t("popup.leave_form"),
                width: 72,
                body: vec![cat.t("popup.leave_form_text")],
                choices: cat.t("popup.leave_form_choices"),
            },
        ),
        Popup::QuitConfirm(_) => render_dialog(
            frame,
            theme,
            area,
            cat,
            Dialog {
                title: cat.t("popup.confirm"),
                width: 60,
                body: vec![cat.t("popup.quit_unsaved")],
                choices: String::new(),
            },
        ),
        Popup::Confirm(c) => render_dialog(
            frame,
            theme,
            area,
            cat,
            Dialog {
                title: cat.t("popup.confirm"),
                width: 80,
                body: c.lines.clone(),
                choices: cat.t("popup.yes_no"),
            },
        ),
        Popup::Conflict(c) => {
            // The last line is the choices line (see `ConflictPopup`).
            let (choices, body) = match c.lines.split_last() {
                Some((last, rest)) => (last.clone(), rest.to_vec()),
                None => (String::new(), Vec::new()),
            };
            render_dialog(
                frame,
                theme,
                area,
                cat,
                Dialog {
                    title: cat.t("popup.conflict"),
                    width: 90,
                    body,
                    choices,
                },
            )
        }
        Popup::Text(t) => render_text_popup(app, theme, frame, area, t),
        Popup::Picker(p) => render_picker(app, theme, frame, area, p),
        Popup::Classify(f) => {
            let r = centered(area, 70, f.fields.len() as u16 + 5);
            frame.render_widget(Clear, r);
            let block = popup_block(
                cat.f("popup.classify", &[("count", &f.targets.len())]),
                theme,
            );
            let inner = block.inner(r);
            frame.render_widget(block, r);
            let mut lines: Vec<Line<'_>> = f
                .fields
                .iter()
                .enumerate()
                .map(|(i, c)| choice_line(app, theme, c, i == f.focus, inner.width as usize))
                .collect();
            lines.push(Line::raw(""));
            let prio = app.classify_priority(f).unwrap_or_else(|| "—".into());
            lines.push(Line::from(vec![
                Span::raw(format!("{}: ", cat.t("field.priority"))),
                Span::styled(prio.clone(), theme.priority(&prio)),
            ]));
            lines.push(Line::styled(cat.t("popup.choice_help"), theme.dim()));
            frame.render_widget(Paragraph::new(lines), inner);
        }
        Popup::NewTicket(f) => render_new_ticket(app, theme, frame, area, f),
        Popup::EditTicket(f) => render_edit_ticket(app, theme, frame, area, f),
    }
}

/// A question in a box: its text wrapped (never cut) to the box, and the line of answers
/// always shown at the bottom, however long the text.
struct Dialog {
    title: String,
    /// The widest the box may be; narrower when its text is.
    width: u16,
    /// Paragraphs of untrusted or catalog text, sanitised here; an empty one is a blank line.
    body: Vec<String>,
    /// What the keys do; wrapped too, and never pushed out by the body.
    choices: String,
}

/// Draw a [`Dialog`] in the middle of `area`, sized to its content within the screen. When
/// the text is taller than the screen, its end gives way to a line saying how much is left
/// out, and the choices stay.
fn render_dialog(
    frame: &mut Frame<'_>,
    theme: Theme,
    area: Rect,
    cat: &crate::i18n::Catalog,
    d: Dialog,
) {
    let body: Vec<String> = d.body.iter().map(|l| sanitize(l)).collect();
    let choices = sanitize(&d.choices);
    let longest = body
        .iter()
        .flat_map(|p| p.split('\n'))
        .chain(choices.split('\n'))
        .map(width)
        .chain(std::iter::once(width(&d.title)))
        .max()
        .unwrap_or(0);
    let max_w = d.width.min(area.width.saturating_sub(2));
    let w = (longest as u16)
        .saturating_add(2)
        .clamp(24.min(max_w), max_w);
    let inner_w = usize::from(w.saturating_sub(2)).max(1);
    let mut text: Vec<String> = body.iter().flat_map(|p| wrap(p, inner_w)).collect();
    let answers = if choices.is_empty() {
        Vec::new()
    } else {
        wrap(&choices, inner_w)
    };
    let room = usize::from(area.height.saturating_sub(2)).saturating_sub(2);
    let answer_rows = answers.len().min(room);
    let text_room = room - answer_rows;
    if text.len() > text_room {
        let shown = text_room.saturating_sub(1);
        let left_out = text.len() - shown;
        text.truncate(shown);
        if text_room > 0 {
            text.push(truncate(
                &cat.f("popup.more_lines", &[("count", &left_out)]),
                inner_w,
            ));
        }
    }
    let h = (text.len() + answer_rows + 2) as u16;
    let r = centered(area, w, h);
    frame.render_widget(Clear, r);
    let block = popup_block(d.title, theme);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [top, bottom] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(answer_rows as u16)]).areas(inner);
    frame.render_widget(
        Paragraph::new(text.into_iter().map(Line::raw).collect::<Vec<_>>()),
        top,
    );
    frame.render_widget(
        Paragraph::new(
            answers
                .into_iter()
                .map(|l| Line::styled(l, theme.bold()))
                .collect::<Vec<_>>(),
        ),
        bottom,
    );
}

fn choice_line<'a>(app: &App, theme: Theme, c: &ChoiceField, focused: bool, w: usize) -> Line<'a> {
    // Labels get up to 18 cells, less in a narrow column, so the value keeps room.
    let label_w = 18.min(w * 2 / 5);
    let label = fit(&app.cat.t(c.label_id), label_w);
    let value = c
        .options
        .get(c.selected)
        .map(|o| o.label.clone())
        .unwrap_or_default();
    let text = format!(
        "{label} ◀ {} ▶",
        truncate(&value, w.saturating_sub(label_w + 5))
    );
    if focused {
        Line::styled(text, theme.selected())
    } else {
        Line::raw(text)
    }
}

fn render_text_popup(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect, t: &TextPopup) {
    let cat = &app.cat;
    let keys: Vec<&str> = t.targets.iter().map(|x| x.key.as_str()).collect();
    let title = format!(
        "{} — {}",
        cat.t(t.purpose.title_id()),
        truncate(&keys.join(", "), 40)
    );
    let height = if t.purpose.single_line() {
        5
    } else {
        area.height.saturating_sub(6).min(16)
    };
    let r = centered(area, 84, height);
    frame.render_widget(Clear, r);
    let block = popup_block(title, theme);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [edit, help] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(&t.area, edit);
    let submit = app
        .keymap
        .key_for(&[Context::Editor], Action::Submit)
        .map(|k| k.label())
        .unwrap_or_default();
    let cancel = app
        .keymap
        .key_for(&[Context::Editor], Action::Cancel)
        .map(|k| k.label())
        .unwrap_or_default();
    let editor = app
        .keymap
        .key_for(&[Context::Editor], Action::ExternalEditor)
        .map(|k| k.label())
        .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(Span::styled(
            cat.f(
                "popup.editor_help",
                &[
                    ("submit", &submit),
                    ("cancel", &cancel),
                    ("editor", &editor),
                ],
            ),
            theme.dim(),
        )),
        help,
    );
}

fn render_picker(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect, p: &Picker) {
    let cat = &app.cat;
    let title = cat.t(match p.purpose {
        crate::ui::app::PickPurpose::Assign => "popup.assign",
        crate::ui::app::PickPurpose::Status => "popup.status",
        crate::ui::app::PickPurpose::EscalateGroup => "popup.escalate_group",
        crate::ui::app::PickPurpose::TransferGroup => "popup.transfer_group",
        crate::ui::app::PickPurpose::LinkRelation => "popup.link",
        crate::ui::app::PickPurpose::Palette => "popup.palette",
        crate::ui::app::PickPurpose::ReturnStep => "popup.return_to_step",
        crate::ui::app::PickPurpose::ConfirmVia => "popup.confirm_via",
    });
    let r = centered(area, 70, (p.shown.len() as u16 + 4).min(20));
    frame.render_widget(Clear, r);
    let block = popup_block(title, theme);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let w = inner.width as usize;
    let mut lines = vec![Line::from(vec![
        Span::styled("> ", theme.bold()),
        Span::raw(format!("{}▏", sanitize(&p.query))),
    ])];
    let room = (inner.height as usize).saturating_sub(1);
    let start = p.selected.saturating_sub(room.saturating_sub(1));
    for (n, &i) in p.shown.iter().enumerate().skip(start).take(room) {
        let label = truncate(&p.items[i].label, w);
        lines.push(if n == p.selected {
            Line::styled(fit(&label, w), theme.selected())
        } else {
            Line::raw(label)
        });
    }
    if p.shown.is_empty() {
        lines.push(Line::styled(cat.t("popup.no_match"), theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
/// The new-ticket form. It covers the screen between the title bar and the flash line, so
/// its validation messages and "form restored" notices (flashes) stay in sight below it.
/// Requester and phone share a row where the width allows; the choices go in two columns
/// when one column would leave the description fewer than three lines; when even that does
/// not fit, the choices scroll so the focused one is always shown.
/// Where a form of a ticket's fields goes: between the banner and the flash line, at most
/// 96 columns wide, centred.
fn form_rect(app: &App, area: Rect) -> Rect {
    let screen = layout::screen(app, area);
    let top = screen.banner.y;
    let bottom = screen.flash.y;
    let w = 96.min(area.width);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: top,
        width: w,
        height: bottom.saturating_sub(top),
    }
}

/// The correction form (issue 14): the title, the description (what room is left), the
/// requester, phone and e-mail side by side when there are 60 columns (else one under the
/// other), the unit and the channel, and how to save. Fits 80×24.
fn render_edit_ticket(
    app: &App,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
    f: &crate::ui::edit::EditForm,
) {
    use crate::ui::edit::TEXT_LABELS;
    let cat = &app.cat;
    let r = form_rect(app, area);
    frame.render_widget(Clear, r);
    let block = popup_block(
        format!(
            "{} · {}",
            cat.t("action.edit_ticket"),
            sanitize(&f.target.key)
        ),
        theme,
    );
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let side_by_side = inner.width >= 60;
    let people_rows = if side_by_side { 3 } else { 9 };
    let two_columns = inner.width >= 60;
    let choice_rows = if two_columns { 1 } else { 2 };
    let [title, desc, people, choice_area, help] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(people_rows),
        Constraint::Length(choice_rows),
        Constraint::Length(1),
    ])
    .areas(inner);
    let [requester, phone, email] = if side_by_side {
        Layout::horizontal([
            Constraint::Percentage(40),
            Constraint::Percentage(25),
            Constraint::Percentage(35),
        ])
        .areas(people)
    } else {
        Layout::vertical([Constraint::Length(3); 3]).areas(people)
    };
    for (i, rect) in [title, desc, requester, phone, email]
        .into_iter()
        .enumerate()
    {
        let (Some(ta), Some(label)) = (f.texts.get(i), TEXT_LABELS.get(i)) else {
            continue;
        };
        let b = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border(f.focus == i))
            .title(cat.t(label));
        let text_area = b.inner(rect);
        frame.render_widget(b, rect);
        frame.render_widget(ta, text_area);
    }
    let rows: Vec<Rect> = if two_columns {
        Layout::horizontal([Constraint::Percentage(50); 2])
            .split(choice_area)
            .to_vec()
    } else {
        Layout::vertical([Constraint::Length(1); 2])
            .split(choice_area)
            .to_vec()
    };
    for (i, (c, rect)) in f.choices.iter().zip(rows).enumerate() {
        let focused = f.focus == f.texts.len() + i;
        let line = choice_line(app, theme, c, focused, rect.width as usize);
        frame.render_widget(Paragraph::new(line), rect);
    }
    render_form_help(app, theme, frame, help);
}

/// A form's line of keys (how to move, choose, save and cancel), with the keymap's save key.
fn render_form_help(app: &App, theme: Theme, frame: &mut Frame<'_>, help: Rect) {
    let submit = app
        .keymap
        .key_for(&[Context::Editor], Action::Submit)
        .map(|k| k.label())
        .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(Span::styled(
            truncate(
                &app.cat.f("popup.form_help", &[("submit", &submit)]),
                help.width as usize,
            ),
            theme.dim(),
        )),
        help,
    );
}

/// The new-ticket form's possible duplicates and matching articles: a header with their
/// number, then one line each (reference · kind · title, inert) as many as fit: the open
/// tickets first (a duplicate is the thing not to record twice), then the articles. A new
/// requirement lists the similar requirements already submitted before them (reference ·
/// stage · title; issue 16 Deliver 5).
fn render_similar(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect, f: &NewTicketForm) {
    let cat = &app.cat;
    let w = area.width as usize;
    let found = &f.similar;
    let mut lines = vec![Line::styled(
        truncate(
            &cat.f(
                "popup.similar",
                &[("count", &(found.len() + f.similar_requirements.len()))],
            ),
            w,
        ),
        theme.bold(),
    )];
    for r in &f.similar_requirements {
        let text = format!(
            "  {} · {} · {}",
            sanitize(&r.key),
            crate::describe::requirement_stage(cat, r.stage),
            sanitize(&r.title)
        );
        lines.push(Line::raw(truncate(&text, w)));
    }
    let mut ordered: Vec<&crate::search::service::Found> = found.iter().collect();
    ordered.sort_by_key(|f| f.kind != "ticket");
    lines.extend(
        ordered
            .into_iter()
            .take(usize::from(area.height.saturating_sub(1)).saturating_sub(lines.len() - 1))
            .map(|f| {
                let kind = cat.t(&format!("kb.kind_{}", f.kind));
                let text = format!(
                    "  {} · {} · {}",
                    sanitize(&f.reference),
                    kind,
                    sanitize(&f.title)
                );
                Line::raw(truncate(&text, w))
            }),
    );
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_new_ticket(
    app: &App,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
    f: &NewTicketForm,
) {
    let cat = &app.cat;
    let r = form_rect(app, area);
    frame.render_widget(Clear, r);
    let block = popup_block(cat.t("popup.new_ticket"), theme);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let side_by_side = inner.width >= 60;
    let people_rows = if side_by_side { 3 } else { 6 };
    let n = f.choices.len() as u16;
    // Rows left for the description box and the choices.
    let spare = inner.height.saturating_sub(3 + people_rows + 1);
    let two_columns = inner.width >= 60 && spare.saturating_sub(n) < 5;
    let choice_rows = if two_columns { n.div_ceil(2) } else { n }.min(spare.saturating_sub(3));
    // Possible duplicates and articles (issue 14: found as the title is typed, never drawn):
    // a header and a line each, from the description's room; it keeps two lines to type in.
    // A small screen shows fewer, or none.
    let similar_room = spare.saturating_sub(choice_rows + 4);
    let similar_count = f.similar.len() + f.similar_requirements.len();
    let similar_rows = if similar_count == 0 || similar_room < 2 {
        0
    } else {
        (similar_count as u16 + 1).min(similar_room).min(7)
    };
    let [title, desc, people, choice_area, similar, help] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(people_rows),
        Constraint::Length(choice_rows),
        Constraint::Length(similar_rows),
        Constraint::Length(1),
    ])
    .areas(inner);
    if similar_rows > 0 {
        render_similar(app, theme, frame, similar, f);
    }
    let [requester, phone] = if side_by_side {
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(people)
    } else {
        Layout::vertical([Constraint::Length(3), Constraint::Length(3)]).areas(people)
    };
    let boxed = |label: &str, focused: bool| {
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border(focused))
            .title(label.to_string())
    };
    for (i, (ta, rect, label)) in [
        (&f.title, title, "field.title"),
        (&f.description, desc, "field.description"),
        (&f.requester, requester, "field.requester_name"),
        (&f.phone, phone, "field.phone"),
    ]
    .into_iter()
    .enumerate()
    {
        let b = boxed(&cat.t(label), f.focus == i);
        let inner = b.inner(rect);
        frame.render_widget(b, rect);
        frame.render_widget(ta, inner);
    }
    // The choices, in one or two columns, scrolled so the focused one shows.
    let columns: u16 = if two_columns { 2 } else { 1 };
    let rows = usize::from(choice_area.height);
    let per_screen = rows * usize::from(columns);
    let focused = f.focus.checked_sub(NewTicketForm::TEXT_FIELDS);
    let first_row = match focused {
        Some(i) if per_screen > 0 && f.choices.len() > per_screen => {
            layout::first_shown(i / usize::from(columns), rows)
        }
        _ => 0,
    };
    let col_w = choice_area.width / columns;
    for col in 0..columns {
        let rect = Rect {
            x: choice_area.x + col * col_w,
            width: if col + 1 == columns {
                choice_area.width - col * col_w
            } else {
                col_w.saturating_sub(1)
            },
            ..choice_area
        };
        let lines: Vec<Line<'_>> = (first_row..first_row + rows)
            .map(|row| row * usize::from(columns) + usize::from(col))
            .filter_map(|i| f.choices.get(i).map(|c| (i, c)))
            .map(|(i, c)| {
                choice_line(
                    app,
                    theme,
                    c,
                    f.focus == i + NewTicketForm::TEXT_FIELDS,
                    rect.width as usize,
                )
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), rect);
    }
    render_form_help(app, theme, frame, help);
}
