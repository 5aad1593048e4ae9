//! Where things are on screen: used by the view to draw and by the app to map mouse clicks,
//! so the two always agree.

use crate::ui::app::{App, Focus};
use ratatui::layout::{Constraint, Layout, Rect};

pub struct ScreenAreas {
    pub header: Rect,
    /// Active announcements, one line each (at most two; the second says how many more).
    pub banner: Rect,
    pub body: Rect,
    pub filter: Rect,
    pub flash: Rect,
    pub hints: Rect,
}

pub struct MainAreas {
    pub queues: Rect,
    pub table: Rect,
    pub preview: Rect,
}

pub fn screen(app: &App, area: Rect) -> ScreenAreas {
    let filter_rows = if app.focus == Focus::Filter || !app.filter.is_empty() {
        1
    } else {
        0
    };
    let banner_rows = app.announcements.len().min(2) as u16;
    let [header, banner, body, filter, flash, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner_rows),
        Constraint::Min(3),
        Constraint::Length(filter_rows),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    ScreenAreas {
        header,
        banner,
        body,
        filter,
        flash,
        hints,
    }
}

pub fn main(body: Rect) -> MainAreas {
    let queue_width = if body.width >= 110 { 34 } else { 24 };
    let [queues, right] =
        Layout::horizontal([Constraint::Length(queue_width), Constraint::Min(20)]).areas(body);
    let preview_height = if right.height >= 24 { 10 } else { 6 };
    let [table, preview] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(preview_height)]).areas(right);
    MainAreas {
        queues,
        table,
        preview,
    }
}

/// Where the `?` overlay is drawn on a screen of `size`.
pub fn help_area(size: Rect) -> Rect {
    centered(size, 76, size.height.saturating_sub(4))
}

/// Lines of the `?` overlay's SLA legend: a heading and four examples.
pub const HELP_SLA_ROWS: usize = 5;

/// How many lines the `?` overlay has: a heading per context with keys, a line per key,
/// and the SLA legend.
pub fn help_rows(keymap: &crate::ui::keymap::Keymap) -> usize {
    HELP_SLA_ROWS
        + crate::ui::keymap::Context::ALL
            .iter()
            .map(|c| keymap.bindings(*c).len())
            .filter(|n| *n > 0)
            .map(|n| n + 1)
            .sum::<usize>()
}

/// The furthest the `?` overlay scrolls on a screen of `size`: its last line at the bottom.
pub fn help_max_scroll(app: &App, size: Rect) -> usize {
    let visible = usize::from(inner(help_area(size)).height);
    help_rows(&app.keymap).saturating_sub(visible)
}

/// A `width` × `height` rectangle in the middle of `area`, kept inside it with a cell of
/// margin where there is room.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
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

/// Inside a bordered block.
pub fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x + 1,
        y: r.y + 1,
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

/// The first list row shown when `cursor` must stay visible in `visible` rows.
pub fn first_shown(cursor: usize, visible: usize) -> usize {
    cursor.saturating_sub(visible.saturating_sub(1))
}

/// What a click at (column, row) lands on in the main screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Queue(usize),
    Ticket(usize),
    Nothing,
}

pub fn hit(app: &App, size: Rect, column: u16, row: u16) -> Hit {
    let areas = main(screen(app, size).body);
    let inside =
        |r: Rect| column >= r.x && column < r.x + r.width && row >= r.y && row < r.y + r.height;
    let q = inner(areas.queues);
    if inside(q) {
        let visible = q.height as usize;
        let i = first_shown(app.queue, visible) + usize::from(row - q.y);
        return if i < app.queues.len() {
            Hit::Queue(i)
        } else {
            Hit::Nothing
        };
    }
    let t = inner(areas.table);
    if inside(t) && row > t.y {
        let visible = (t.height as usize).saturating_sub(1);
        let i = first_shown(app.list.cursor, visible) + usize::from(row - t.y - 1);
        return if i < app.list.rows.len() {
            Hit::Ticket(i)
        } else {
            Hit::Nothing
        };
    }
    Hit::Nothing
}
