//! Drawing the Reports screen (issue 13): the totals beside the previous period's with the
//! backlog trend (a ratatui `Sparkline`), then one pane at a time — the breakdown with a bar
//! column, the SLA, consultation, escalation and top-problem tables. Values along the
//! breakdowns are stored text (unit and application codes, categories): sanitised here.

use crate::domain::report::{Dimension, Figures};
use crate::export::Section;
use crate::ui::app::App;
use crate::ui::reports::{PANES, ReportsScreen};
use crate::ui::text::{fit, sanitize, truncate, width, wrap};
use crate::ui::view::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};

/// The widest the item column gets (unit and application codes are short).
const ITEM_MAX: usize = 24;
/// The narrowest and widest a number column gets.
const NUMBER_MIN: usize = 6;
const NUMBER_MAX: usize = 12;
/// The longest bar (on a wide screen a longer one only reads worse).
const BAR_MAX: usize = 60;

/// Column headers over two lines (one when every label fits): each label wrapped into its
/// column (a longer one cut). `columns`: (label, width, right-aligned).
fn header_lines(columns: &[(String, usize, bool)], w: usize) -> Vec<String> {
    let mut out = [String::new(), String::new()];
    for (i, (label, cells, align_right)) in columns.iter().enumerate() {
        let mut parts = wrap(label, *cells).into_iter();
        let first = parts.next().unwrap_or_default();
        let rest: Vec<String> = parts.collect();
        let second = rest.join(" ");
        for (line, text) in out.iter_mut().zip([first, second]) {
            if i > 0 {
                line.push(' ');
            }
            if *align_right {
                line.push_str(&right(&text, *cells));
            } else {
                line.push_str(&fit(&text, *cells));
            }
        }
    }
    out.into_iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| truncate(&l, w))
        .collect()
}

/// Draw the screen in `area`.
pub fn render_reports(
    app: &App,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
    r: &ReportsScreen,
) {
    let lead_row = u16::from(app.is_lead());
    let [top, bottom] =
        Layout::vertical([Constraint::Length(5 + lead_row), Constraint::Min(3)]).areas(area);
    render_totals(app, theme, frame, top, r);
    render_pane(app, theme, frame, bottom, r);
}

/// A bordered pane titled `title`; the room inside it.
fn pane(frame: &mut Frame<'_>, theme: Theme, area: Rect, title: &str, focused: bool) -> Rect {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(truncate(title, area.width.saturating_sub(2) as usize));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// `s` right-aligned in `cells` (cut when longer).
fn right(s: &str, cells: usize) -> String {
    let s = truncate(s, cells);
    format!("{}{s}", " ".repeat(cells.saturating_sub(width(&s))))
}

/// An item of a breakdown as shown: stored text made inert, `—` for none.
fn item(s: &str) -> String {
    if s.is_empty() {
        "—".to_string()
    } else {
        sanitize(s)
    }
}

/// "+3", "-2", "±0": the change from the previous period.
fn delta(cur: u64, prev: u64) -> String {
    match cur.cmp(&prev) {
        std::cmp::Ordering::Greater => format!("+{}", cur - prev),
        std::cmp::Ordering::Less => format!("-{}", prev - cur),
        std::cmp::Ordering::Equal => "±0".to_string(),
    }
}

/// The waiting or failed state of the screen, in `inner`; `true` when drawn.
fn render_state(
    app: &App,
    theme: Theme,
    frame: &mut Frame<'_>,
    inner: Rect,
    r: &ReportsScreen,
) -> bool {
    let cat = &app.cat;
    let text = if let Some(e) = &r.error {
        (sanitize(e), theme.error())
    } else if r.report.is_none() {
        (
            cat.f("ui.report_computing", &[("period", &r.period.label())]),
            theme.dim(),
        )
    } else {
        return false;
    };
    let lines: Vec<Line<'_>> = wrap(&text.0, inner.width as usize)
        .into_iter()
        .take(inner.height as usize)
        .map(|l| Line::styled(l, text.1))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    true
}

fn render_totals(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect, r: &ReportsScreen) {
    let cat = &app.cat;
    let previous = r.period.previous().map(|p| p.label()).unwrap_or_default();
    let title = format!(
        "{} · {}",
        cat.f(
            "report.summary_title",
            &[("period", &r.period.label()), ("previous", &previous)]
        ),
        cat.f("ui.report_format", &[("format", &r.format.extension())])
    );
    let inner = pane(frame, theme, area, &title, false);
    if render_state(app, theme, frame, inner, r) {
        return;
    }
    let Some(report) = &r.report else { return };
    let lead_rows = u16::from(app.is_lead());
    let [counts_area, lead_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(lead_rows)]).areas(inner);
    let w = inner.width as usize;
    let left_w = if w >= 70 { w * 3 / 5 } else { w };
    let [left, spark] = Layout::horizontal([Constraint::Length(left_w as u16), Constraint::Min(0)])
        .areas(counts_area);
    let (cur, prev) = (&report.current, &report.previous);
    let figures = [
        (
            "report.measure.received",
            cur.counts.received,
            prev.counts.received,
        ),
        (
            "report.measure.resolved",
            cur.counts.resolved,
            prev.counts.resolved,
        ),
        (
            "report.measure.open_at_end",
            cur.counts.open_at_end,
            prev.counts.open_at_end,
        ),
    ];
    let label_w = figures
        .iter()
        .map(|(id, _, _)| width(&cat.t(id)))
        .max()
        .unwrap_or(0)
        .min(left_w / 2);
    let lines: Vec<Line<'_>> = figures
        .iter()
        .map(|(id, c, p)| {
            let beside = cat.f(
                "ui.report_beside",
                &[
                    ("previous", p as &dyn std::fmt::Display),
                    ("delta", &delta(*c, *p)),
                ],
            );
            let text = format!(
                "{} {}  {beside}",
                fit(&cat.t(id), label_w),
                right(&c.to_string(), 6),
            );
            Line::from(vec![Span::raw(truncate(&text, left_w))])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), left);
    if app.is_lead() {
        let line = Line::styled(truncate(&my_group_line(app, cur), w), theme.bold());
        frame.render_widget(Paragraph::new(line), lead_area);
    }
    if spark.width >= 8 && spark.height >= 2 {
        render_backlog(app, theme, frame, spark, cur);
    }
}

/// A lead's own group's figures, first thing on the screen.
fn my_group_line(app: &App, cur: &Figures) -> String {
    let counts = cur
        .breakdowns
        .iter()
        .filter(|b| b.by == Dimension::Group)
        .flat_map(|b| &b.rows)
        .find(|row| row.value == app.me.group)
        .map(|row| row.counts)
        .unwrap_or_default();
    let lang = app.cat.lang().code();
    let group = app
        .org
        .group(&app.me.group)
        .map_or(app.me.group.as_str(), |g| g.name.get(lang));
    app.cat.f(
        "ui.report_my_group",
        &[
            ("group", &sanitize(group)),
            ("received", &counts.received),
            ("resolved", &counts.resolved),
            ("open", &counts.open_at_end),
        ],
    )
}

/// The backlog at the end of each day as a sparkline (days folded into the width: each
/// column the last day of its share), under its title and first and last values.
fn render_backlog(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect, cur: &Figures) {
    let [label, chart] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let first = cur.backlog.first().map_or(0, |x| x.1);
    let last = cur.backlog.last().map_or(0, |x| x.1);
    let text = format!(" {}: {first} → {last}", app.cat.t("report.section.backlog"));
    frame.render_widget(
        Paragraph::new(Line::styled(
            truncate(&text, area.width as usize),
            theme.dim(),
        )),
        label,
    );
    let cols = usize::from(chart.width.saturating_sub(1)).max(1);
    let values: Vec<u64> = cur.backlog.iter().map(|x| x.1).collect();
    // Fewer days than columns: each day as wide as the room allows; more: each column the
    // last day of its share.
    let data: Vec<u64> = if values.len() <= cols {
        let each = (cols / values.len().max(1)).max(1);
        values
            .iter()
            .flat_map(|v| std::iter::repeat_n(*v, each))
            .collect()
    } else {
        (1..=cols)
            .filter_map(|i| values.get(i * values.len() / cols - 1).copied())
            .collect()
    };
    let chart = Rect {
        x: chart.x + 1,
        width: chart.width.saturating_sub(1),
        ..chart
    };
    frame.render_widget(Sparkline::default().data(&data).style(theme.bold()), chart);
}

fn render_pane(app: &App, theme: Theme, frame: &mut Frame<'_>, area: Rect, r: &ReportsScreen) {
    let cat = &app.cat;
    let section = r.section();
    let id = r.section_id();
    let name = cat.t(&format!("report.section.{id}"));
    let title = cat.f(
        "ui.report_pane",
        &[
            ("name", &name),
            ("n", &(r.pane + 1)),
            ("count", &PANES.len()),
        ],
    );
    let inner = pane(frame, theme, area, &title, true);
    if r.report.is_none() {
        return;
    }
    let Some(s) = section else { return };
    if s.rows.is_empty() {
        let text = truncate(&cat.t("ui.report_empty"), inner.width as usize);
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim())), inner);
        return;
    }
    if r.pane == 0 {
        render_breakdown(app, theme, frame, inner, r, s);
    } else {
        render_section(theme, frame, inner, r, s);
    }
}

/// The item column's width for `s` in a line `w` cells wide, leaving `rest` for the others.
fn item_width(s: &Section, w: usize, rest: usize) -> usize {
    let widest = s
        .rows
        .iter()
        .map(|(i, _, _)| width(&item(i)))
        .chain(std::iter::once(width(&s.item_header)))
        .max()
        .unwrap_or(0);
    widest.clamp(6, ITEM_MAX).min(w.saturating_sub(rest)).max(4)
}

/// The breakdown: the item, received this period and the previous, resolved, open at the
/// end, and a bar of the received requests. A lead's own group stands out.
fn render_breakdown(
    app: &App,
    theme: Theme,
    frame: &mut Frame<'_>,
    area: Rect,
    r: &ReportsScreen,
    s: &Section,
) {
    let cat = &app.cat;
    let w = area.width as usize;
    let label = |i: usize| s.measures.get(i).map(|m| m.1.clone()).unwrap_or_default();
    let headers = [
        label(0),
        cat.f("report.previous_of", &[("measure", &label(0))]),
        label(1),
        label(2),
    ];
    let num_w: Vec<usize> = headers
        .iter()
        .map(|h| {
            let longest = h.split(' ').map(width).max().unwrap_or(0);
            longest
                .max(width(h).div_ceil(2))
                .clamp(NUMBER_MIN, NUMBER_MAX)
        })
        .collect();
    let numbers: usize = num_w.iter().map(|n| n + 1).sum();
    let item_w = item_width(s, w, numbers + 6);
    let bar_w = w.saturating_sub(item_w + numbers + 1).min(BAR_MAX);
    let mut columns = vec![(s.item_header.clone(), item_w, false)];
    columns.extend(
        headers
            .iter()
            .zip(&num_w)
            .map(|(h, n)| (h.clone(), *n, true)),
    );
    let mut lines: Vec<Line<'_>> = header_lines(&columns, w)
        .into_iter()
        .map(|l| Line::styled(l, theme.bold()))
        .collect();
    let most = s
        .rows
        .iter()
        .map(|(_, c, _)| c.first().copied().unwrap_or(0))
        .max()
        .unwrap_or(0)
        .max(1);
    let visible = (area.height as usize).saturating_sub(lines.len()).max(1);
    let start = crate::ui::layout::first_shown(r.cursor, visible);
    for (i, (value, c, p)) in s.rows.iter().enumerate().skip(start).take(visible) {
        let at = |v: &Vec<u64>, i: usize| v.get(i).copied().unwrap_or(0);
        let cells = [at(c, 0), at(p, 0), at(c, 1), at(c, 2)];
        let mut text = fit(&item(value), item_w);
        for (v, n) in cells.iter().zip(&num_w) {
            text.push(' ');
            text.push_str(&right(&v.to_string(), *n));
        }
        let bar_len = (cells[0] as usize * bar_w).div_ceil(most as usize);
        let mut spans = vec![Span::raw(truncate(&text, w))];
        if bar_w > 0 {
            spans.push(Span::raw(" "));
            spans.push(Span::styled("█".repeat(bar_len.min(bar_w)), theme.bold()));
        }
        let mut line = Line::from(spans);
        if i == r.cursor {
            line = line.style(theme.selected());
        } else if s.id == "by_group" && app.is_lead() && *value == app.me.group {
            line = line.style(theme.bold());
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Any other section: the item, then each measure as "this period (previous)".
fn render_section(theme: Theme, frame: &mut Frame<'_>, area: Rect, r: &ReportsScreen, s: &Section) {
    let w = area.width as usize;
    let n = s.measures.len().max(1);
    let cell = |c: u64, p: u64| format!("{c} ({p})");
    let widest_value = s
        .rows
        .iter()
        .flat_map(|(_, c, p)| c.iter().zip(p).map(|(a, b)| width(&cell(*a, *b))))
        .max()
        .unwrap_or(0);
    let item_w = item_width(s, w, n * (widest_value.max(NUMBER_MIN) + 1));
    let col_w = (w.saturating_sub(item_w) / n).saturating_sub(1).max(3);
    let mut columns = vec![(s.item_header.clone(), item_w, false)];
    columns.extend(
        s.measures
            .iter()
            .map(|(_, label)| (label.clone(), col_w, true)),
    );
    let mut lines: Vec<Line<'_>> = header_lines(&columns, w)
        .into_iter()
        .map(|l| Line::styled(l, theme.bold()))
        .collect();
    let visible = (area.height as usize).saturating_sub(lines.len()).max(1);
    let start = crate::ui::layout::first_shown(r.cursor, visible);
    for (i, (value, c, p)) in s.rows.iter().enumerate().skip(start).take(visible) {
        let mut text = fit(&item(value), item_w);
        for (a, b) in c.iter().zip(p) {
            text.push(' ');
            text.push_str(&right(&cell(*a, *b), col_w));
        }
        let mut line = Line::raw(truncate(&text, w));
        if i == r.cursor {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), area);
}
