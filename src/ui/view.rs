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
use ratatui::text::{Line, Span, Text};
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
    if let Some(c) = &app.check {
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

/// Columns in the order they are given up when space runs short (title always stays).
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

fn columns(total: usize) -> Columns {
    let mut c = Columns {
        key: 15,
        priority: 3,
        status: 12,
        age: 4,
        sla: 0,
        app: 0,
        unit: 0,
        assignee: 0,
        title: 0,
    };
    let fixed = |c: &Columns| {
        c.key + c.priority + c.status + c.age + c.sla + c.app + c.unit + c.assignee + 8
    };
    for (slot, w) in [(3, 8usize), (0, 10), (1, 12), (2, 8)] {
        let mut trial = Columns { ..c };
        match slot {
            0 => trial.app = w,
            1 => trial.assignee = w,
            3 => trial.sla = w,
            _ => trial.unit = w,
        }
        if total >= fixed(&trial) + 20 {
            c = trial;
        }
    }
    c.title = total.saturating_sub(fixed(&c)).max(5);
    c
}

/// The queue's SLA cell: the most urgent clock's remaining working time, coloured by state
/// ("!" breached, "~" at risk, "‖" paused).
fn sla_cell(app: &App, theme: Theme, key: &str) -> (String, Style) {
    use crate::domain::sla::ClockState;
    let Some(c) = app.sla.get(key).and_then(|s| s.most_urgent()) else {
        return (String::new(), theme.dim());
    };
    let m = c.remaining_minutes;
    let span = if m.abs() >= 60 * 24 {
        format!("{}{}d", if m < 0 { "-" } else { "" }, m.abs() / (60 * 24))
    } else {
        format!(
            "{}{}h{:02}",
            if m < 0 { "-" } else { "" },
            m.abs() / 60,
            m.abs() % 60
        )
    };
    match c.state {
        ClockState::Breached => (format!("!{span}"), theme.error()),
        ClockState::AtRisk => (
            format!("~{span}"),
            theme.fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ),
        ClockState::Paused => (format!("‖{span}"), theme.dim()),
        _ => (span, theme.fg(Color::Green)),
    }
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
    let c = columns(inner.width as usize);
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
        (p, clocks)
    });
    if let Some((p, clocks)) = &procedure {
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
            None => cat.t("procedure.done"),
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
    if let Some((p, clocks)) = &procedure {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("{} {}", cat.t("form.procedure"), p.name.get(lang)),
            theme.bold(),
        ));
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
    let max_scroll = lines.len().saturating_sub(inner.height as usize);
    let scroll = scroll.min(max_scroll);
    let shown: Vec<Line<'_>> = lines
        .into_iter()
        .skip(scroll)
        .take(inner.height as usize)
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
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
    let shown: Vec<Line<'_>> = out
        .into_iter()
        .skip(k.scroll)
        .take(pin.height as usize)
        .collect();
    frame.render_widget(Paragraph::new(shown), pin);
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
    let scroll = k
        .scroll
        .min(out.len().saturating_sub(inner.height as usize));
    let shown: Vec<Line<'_>> = out
        .into_iter()
        .skip(scroll)
        .take(inner.height as usize)
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// The hint bar: the current context's bindings, then help and quit, as far as they fit.
fn render_hints(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect) {
    let contexts = app.contexts();
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut seen = Vec::new();
    for c in &contexts {
        for b in app.keymap.bindings(*c) {
            // Discarding is an answer only when leaving a new-ticket form.
            let offered =
                b.action != Action::Discard || matches!(app.popup, Some(Popup::LeaveForm(_)));
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
            // In the knowledge screen letters are search text, so letter keys do nothing.
            let plain_char = b.keys.first().is_some_and(|k| {
                matches!(k.code, ratatui::crossterm::event::KeyCode::Char(_)) && !k.ctrl && !k.alt
            });
            if app.knowledge.is_some() && app.popup.is_none() && plain_char {
                continue;
            }
            seen.push(b.action);
            let keys: Vec<String> = b.keys.iter().take(1).map(|k| k.label()).collect();
            let key = if b.action == Action::QueueN {
                "1-9".to_string()
            } else {
                keys.join("/")
            };
            pairs.push((key, app.keymap.describe(&app.cat, b)));
        }
    }
    // Help and quit first so they never fall off the end; writing articles after the keys
    // that move about the screen (Esc back stays in view at 80 columns).
    let later: Vec<String> = [
        Action::NewArticle,
        Action::EditArticle,
        Action::PublishArticle,
        Action::RetireArticle,
        Action::ReviewDrafts,
    ]
    .iter()
    .flat_map(|a| app.keymap.key_for(&contexts, *a))
    .map(|k| k.label())
    .collect();
    pairs.sort_by_key(|(k, _)| {
        if matches!(k.as_str(), "?" | "q") {
            0
        } else if later.contains(k) {
            2
        } else {
            1
        }
    });
    let mut spans = Vec::new();
    let mut used = 0;
    let max = area.width as usize;
    for (k, d) in pairs {
        let piece = width(&k) + width(&d) + 3;
        if used + piece > max {
            break;
        }
        spans.push(Span::styled(k, theme.bold().patch(theme.fg(Color::Cyan))));
        spans.push(Span::styled(format!(" {d}  "), theme.dim()));
        used += piece;
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
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
    let w = width
        .min(area.width.saturating_sub(2))
        .max(10.min(area.width));
    let h = height
        .min(area.height.saturating_sub(2))
        .max(3.min(area.height));
    Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    }
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
            let r = centered(area, 76, area.height.saturating_sub(4));
            frame.render_widget(Clear, r);
            let block = popup_block(cat.t("ui.help"), theme);
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
                    lines.push(Line::raw(format!(
                        "  {} {}",
                        fit(&keys.join(" "), 22),
                        app.keymap.describe(cat, b)
                    )));
                }
            }
            let shown: Vec<Line<'_>> = lines
                .into_iter()
                .skip(*scroll)
                .take(inner.height as usize)
                .collect();
            frame.render_widget(Paragraph::new(shown), inner);
        }
        Popup::LeaveForm(_) => {
            let r = centered(area, 72, 6);
            frame.render_widget(Clear, r);
            let block = popup_block(cat.t("popup.leave_form"), theme);
            let inner = block.inner(r);
            frame.render_widget(block, r);
            let lines: Vec<Line<'_>> = wrap(&cat.t("popup.leave_form_text"), inner.width as usize)
                .into_iter()
                .map(Line::raw)
                .chain(std::iter::once(Line::styled(
                    cat.t("popup.leave_form_choices"),
                    theme.bold(),
                )))
                .collect();
            frame.render_widget(Paragraph::new(lines), inner);
        }
        Popup::QuitConfirm(_) => {
            let r = centered(area, 60, 6);
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(Text::raw(cat.t("popup.quit_unsaved")))
                    .wrap(ratatui::widgets::Wrap { trim: true })
                    .block(popup_block(cat.t("popup.confirm"), theme)),
                r,
            );
        }
        Popup::Confirm(c) => {
            let r = centered(area, 80, (c.lines.len() as u16) + 4);
            frame.render_widget(Clear, r);
            let block = popup_block(cat.t("popup.confirm"), theme);
            let inner = block.inner(r);
            frame.render_widget(block, r);
            let mut lines: Vec<Line<'_>> = c
                .lines
                .iter()
                .map(|l| Line::raw(truncate(&sanitize(l), inner.width as usize)))
                .collect();
            lines.push(Line::styled(cat.t("popup.yes_no"), theme.bold()));
            frame.render_widget(Paragraph::new(lines), inner);
        }
        Popup::Conflict(c) => {
            let r = centered(area, 90, (c.lines.len() as u16) + 3);
            frame.render_widget(Clear, r);
            let block = popup_block(cat.t("popup.conflict"), theme);
            let inner = block.inner(r);
            frame.render_widget(block, r);
            let mut lines = Vec::new();
            for l in &c.lines {
                for w in wrap(&sanitize(l), inner.width as usize) {
                    lines.push(Line::raw(w));
                }
            }
            frame.render_widget(Paragraph::new(lines), inner);
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
    }
}

fn choice_line<'a>(app: &App, theme: Theme, c: &ChoiceField, focused: bool, w: usize) -> Line<'a> {
    let label = fit(&app.cat.t(c.label_id), 18);
    let value = c
        .options
        .get(c.selected)
        .map(|o| o.label.clone())
        .unwrap_or_default();
    let text = format!("{label} ◀ {} ▶", truncate(&value, w.saturating_sub(24)));
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
        crate::ui::app::PickPurpose::LinkRelation => "popup.link",
        crate::ui::app::PickPurpose::Palette => "popup.palette",
        crate::ui::app::PickPurpose::ReturnStep => "popup.return_to_step",
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

fn render_new_ticket(
    app: &App,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
    f: &NewTicketForm,
) {
    let cat = &app.cat;
    let r = centered(area, 96, area.height.saturating_sub(2));
    frame.render_widget(Clear, r);
    let block = popup_block(cat.t("popup.new_ticket"), theme);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let choices = f.choices.len() as u16;
    let [title, desc, requester, phone, choice_area, help] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Length(choices),
        Constraint::Length(1),
    ])
    .areas(inner);
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
    let lines: Vec<Line<'_>> = f
        .choices
        .iter()
        .enumerate()
        .map(|(i, c)| {
            choice_line(
                app,
                theme,
                c,
                f.focus == i + NewTicketForm::TEXT_FIELDS,
                choice_area.width as usize,
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), choice_area);
    let submit = app
        .keymap
        .key_for(&[Context::Editor], Action::Submit)
        .map(|k| k.label())
        .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(Span::styled(
            cat.f("popup.form_help", &[("submit", &submit)]),
            theme.dim(),
        )),
        help,
    );
}
