//! Drawing the Requirements screen (issue 16): what waits for the operator, and the month's
//! publication in force. Stored text (titles, units, reasons) is sanitised here.

use crate::describe::requirement_stage;
use crate::ui::app::App;
use crate::ui::req::RequirementsScreen;
use crate::ui::text::{fit, sanitize, truncate};
use crate::ui::view::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

/// Column widths (terminal cells) of the key, the window and the unit.
const KEY: usize = 14;
const WINDOW: usize = 7;
const UNIT: usize = 8;
/// The stage or outcome column, at most (narrower screens give it less).
const STAGE_MAX: usize = 24;

pub fn render_requirements(
    app: &App,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
    r: &RequirementsScreen,
) {
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    render_waiting(app, theme, frame, top, r);
    render_publication(app, theme, frame, bottom, r);
}

/// A bordered pane titled `title`; the room inside it.
fn pane(frame: &mut Frame<'_>, theme: Theme, area: Rect, title: String, focused: bool) -> Rect {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// The stage column's width on a line `inner` cells wide.
fn stage_width(inner: usize) -> usize {
    STAGE_MAX.min(inner / 4)
}

fn render_waiting(
    app: &App,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
    r: &RequirementsScreen,
) {
    let cat = &app.cat;
    let count = r.pending.as_ref().map_or(0, Vec::len);
    let title = cat.f("ui.req_waiting", &[("count", &count)]);
    let inner = pane(frame, theme, area, title, true);
    let w = inner.width as usize;
    let stage_w = stage_width(w);
    let Some(pending) = &r.pending else {
        frame.render_widget(Paragraph::new(cat.t("ui.loading")), inner);
        return;
    };
    if pending.is_empty() {
        let text = truncate(&cat.t("ui.req_nothing_waiting"), w);
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim())), inner);
        return;
    }
    let header = format!(
        "{} {} {} {} {}",
        fit(&cat.t("col.key"), KEY),
        fit(&cat.t("col.window"), WINDOW),
        fit(&cat.t("col.unit"), UNIT),
        fit(&cat.t("col.stage"), stage_w),
        cat.t("col.title")
    );
    let mut lines = vec![Line::styled(truncate(&header, w), theme.bold())];
    let visible = (inner.height as usize).saturating_sub(1).max(1);
    let start = crate::ui::layout::first_shown(r.cursor, visible);
    for (i, t) in pending.iter().enumerate().skip(start).take(visible) {
        let Some(req) = &t.requirement else {
            continue;
        };
        let stage = match &req.level {
            Some(level) => format!("{} ({level})", requirement_stage(cat, req.stage)),
            None => requirement_stage(cat, req.stage),
        };
        let text = format!(
            "{} {} {} {} {}",
            fit(&sanitize(&t.key), KEY),
            fit(&req.window.to_string(), WINDOW),
            fit(&sanitize(&t.requirement_unit().unwrap_or_default()), UNIT),
            fit(&sanitize(&stage), stage_w),
            sanitize(&t.title)
        );
        let mut line = Line::raw(truncate(&text, w));
        if i == r.cursor {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_publication(
    app: &App,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
    r: &RequirementsScreen,
) {
    let cat = &app.cat;
    let month = r.month.to_string();
    let title = cat.f("req.publication_title", &[("month", &month)]);
    let inner = pane(frame, theme, area, title, false);
    let w = inner.width as usize;
    let stage_w = stage_width(w);
    let Some(p) = &r.publication else {
        let text = cat.f("ui.req_not_published", &[("month", &month)]);
        let lines: Vec<Line<'_>> = crate::ui::text::wrap(&text, w)
            .into_iter()
            .map(|l| Line::styled(l, theme.dim()))
            .collect();
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    };
    let meta = cat.f(
        "req.publication_meta",
        &[
            ("version", &p.version),
            (
                "at",
                &p.published_at
                    .with_timezone(&app.org.time_zone)
                    .format("%d/%m/%Y %H:%M")
                    .to_string(),
            ),
            ("by", &sanitize(&p.published_by)),
        ],
    );
    let mut lines = vec![Line::styled(truncate(&meta, w), theme.dim())];
    let header = format!(
        "{} {} {} {}",
        fit(&cat.t("col.key"), KEY),
        fit(&cat.t("col.unit"), UNIT),
        fit(&cat.t("req.outcome"), stage_w),
        cat.t("col.title")
    );
    lines.push(Line::styled(truncate(&header, w), theme.bold()));
    for row in &p.rows {
        let outcome = cat.t(&format!("req.outcome.{}", row.outcome.as_str()));
        let note = match (&row.release, &row.reason, &row.merged_into) {
            (_, _, Some(into)) => cat.f("req.merged_into", &[("key", &sanitize(into))]),
            (Some(release), _, _) => format!("{}: {}", cat.t("req.release"), sanitize(release)),
            (_, Some(reason), _) => sanitize(reason),
            _ => String::new(),
        };
        let title = if note.is_empty() {
            sanitize(&row.title)
        } else {
            format!("{} — {note}", sanitize(&row.title))
        };
        let text = format!(
            "{} {} {} {}",
            fit(&sanitize(&row.key), KEY),
            fit(&sanitize(row.unit.as_deref().unwrap_or("")), UNIT),
            fit(&outcome, stage_w),
            title
        );
        lines.push(Line::raw(truncate(&text, w)));
    }
    let shown: Vec<Line<'_>> = lines.into_iter().take(inner.height as usize).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}
