//! The Reports screen (issue 13, Deliver 5): one period's figures beside the previous
//! period's — the totals, a breakdown with bars, the backlog trend, the SLA, consultation
//! and escalation tables — and an export with one key. State and update only;
//! `reports_view` draws it.
//!
//! The figures come from the application layer ([`crate::desk::Desk::report`], the same call
//! as `hotro report summary`), computed off the UI thread ([`Cmd::LoadReport`]); the tables
//! are the exporter's sections ([`crate::export::sections`]) and the file the exporter's
//! bytes ([`crate::export::report`]), so the screen, the CLI and the file never disagree.

use crate::domain::report::{Dimension, PeriodKind, Report, ReportPeriod};
use crate::export::{Format, Section};
use crate::ui::app::{App, Cmd};
use crate::ui::keymap::Action;

/// The panes Tab moves between: the breakdown first, then these report sections (ids of
/// [`crate::export::SECTIONS`]).
pub const PANES: [&str; 7] = [
    "breakdown",
    "sla",
    "consultation",
    "escalations_by_tier",
    "escalations_to_vendors",
    "top_categories",
    "top_articles",
];

/// The screen's state.
#[derive(Debug, Clone)]
pub struct ReportsScreen {
    /// The period shown (a week, a month or a quarter, in the organisation's time zone).
    pub period: ReportPeriod,
    /// The breakdown shown in the first pane.
    pub by: Dimension,
    /// Which of [`PANES`] is shown.
    pub pane: usize,
    /// The format `x` writes.
    pub format: Format,
    /// The report of `period`; `None` while it is computed (or when it failed).
    pub report: Option<Box<Report>>,
    /// The report's sections, in the operator's language (made once, when it arrives).
    pub sections: Vec<Section>,
    /// Whether a report is being computed.
    pub computing: bool,
    /// Which request the screen waits for: older answers are dropped.
    pub generation: u64,
    /// Why the last report could not be made.
    pub error: Option<String>,
    /// The selected row of the pane (the view keeps it in sight).
    pub cursor: usize,
}

/// What the runtime hands back: the report of one request, or why it failed.
#[derive(Debug, Clone)]
pub struct ReportLoaded {
    /// The request it answers ([`ReportsScreen::generation`]).
    pub generation: u64,
    /// The report, or why it could not be made, in the operator's language.
    pub result: Result<Box<Report>, String>,
}

/// The next kind of period `p` cycles to: week → month → quarter → week.
fn next_kind(kind: PeriodKind) -> PeriodKind {
    match kind {
        PeriodKind::Week => PeriodKind::Month,
        PeriodKind::Month => PeriodKind::Quarter,
        PeriodKind::Quarter | PeriodKind::Range => PeriodKind::Week,
    }
}

/// The one after `by` in [`Dimension::ALL`], round.
fn next_dimension(by: Dimension) -> Dimension {
    let all = Dimension::ALL;
    let i = all.iter().position(|d| *d == by).unwrap_or(0);
    all[(i + 1) % all.len()]
}

impl ReportsScreen {
    /// The id of the section the current pane shows ([`crate::export::SECTIONS`]): the
    /// breakdown's (`by_unit`, …) for the first pane.
    pub fn section_id(&self) -> String {
        match PANES.get(self.pane) {
            Some(&"breakdown") | None => format!("by_{}", self.by.id()),
            Some(id) => (*id).to_string(),
        }
    }

    /// The section the current pane shows, once the report is in.
    pub fn section(&self) -> Option<&Section> {
        let id = self.section_id();
        self.sections.iter().find(|s| s.id == id)
    }
}

impl App {
    /// Whether the operator is a lead: their group's figures come first.
    pub fn is_lead(&self) -> bool {
        self.me.roles.contains(&crate::domain::org::Role::Lead)
    }

    /// Open the screen on the current month (in the organisation's time zone); a lead sees
    /// the breakdown by group, their own first.
    pub(crate) fn open_reports(&mut self) -> Vec<Cmd> {
        let today = self.now.with_timezone(&self.org.time_zone).date_naive();
        let Some(period) = ReportPeriod::containing(PeriodKind::Month, today) else {
            return Vec::new();
        };
        self.knowledge = None;
        self.detail = None;
        self.check = None;
        self.requirements = None;
        let by = if self.is_lead() {
            Dimension::Group
        } else {
            Dimension::Unit
        };
        let generation = self.reports.as_ref().map_or(0, |r| r.generation);
        self.reports = Some(ReportsScreen {
            period,
            by,
            pane: 0,
            format: Format::Xlsx,
            report: None,
            sections: Vec::new(),
            computing: false,
            generation,
            error: None,
            cursor: 0,
        });
        self.compute_report()
    }

    /// Ask for the report of the screen's period (the answer comes back as
    /// [`crate::ui::app::Loaded::Report`]; an older one still computing is dropped).
    pub(crate) fn compute_report(&mut self) -> Vec<Cmd> {
        let Some(r) = &mut self.reports else {
            return Vec::new();
        };
        r.generation += 1;
        r.computing = true;
        r.report = None;
        r.sections.clear();
        r.error = None;
        r.cursor = 0;
        vec![Cmd::LoadReport {
            generation: r.generation,
            period: r.period,
        }]
    }

    /// The screen's keys: the period, its kind, the breakdown, the pane, the format, the
    /// export, moving along the rows.
    pub(crate) fn reports_action(&mut self, action: Action) -> Vec<Cmd> {
        let Some(r) = &mut self.reports else {
            return Vec::new();
        };
        match action {
            Action::PrevPeriod | Action::NextPeriod => {
                let to = if action == Action::PrevPeriod {
                    r.period.previous()
                } else {
                    r.period.next()
                };
                match to {
                    Some(p) => {
                        r.period = p;
                        self.compute_report()
                    }
                    None => Vec::new(),
                }
            }
            Action::PeriodKind => {
                // The new period holds today when the shown one does, else its first day.
                let today = self.now.with_timezone(&self.org.time_zone).date_naive();
                let anchor = if (r.period.first..=r.period.last).contains(&today) {
                    today
                } else {
                    r.period.first
                };
                match ReportPeriod::containing(next_kind(r.period.kind), anchor) {
                    Some(p) => {
                        r.period = p;
                        self.compute_report()
                    }
                    None => Vec::new(),
                }
            }
            Action::Breakdown => {
                r.by = next_dimension(r.by);
                r.pane = 0;
                r.cursor = 0;
                Vec::new()
            }
            Action::FocusNext | Action::FocusPrev => {
                let n = PANES.len();
                r.pane = if action == Action::FocusNext {
                    (r.pane + 1) % n
                } else {
                    (r.pane + n - 1) % n
                };
                r.cursor = 0;
                Vec::new()
            }
            Action::ExportFormat => {
                let all = Format::ALL;
                let i = all.iter().position(|f| *f == r.format).unwrap_or(0);
                r.format = all[(i + 1) % all.len()];
                let text = self
                    .cat
                    .f("ui.report_format", &[("format", &r.format.extension())]);
                self.say(text);
                Vec::new()
            }
            Action::ExportReport => {
                let Some(report) = &r.report else {
                    let text = self.cat.t("ui.report_not_ready");
                    self.warn(text);
                    return Vec::new();
                };
                let name = crate::export::report_file_name(&report.current.period, r.format);
                vec![Cmd::ExportReport {
                    report: report.clone(),
                    format: r.format,
                    path: self.export_dir.join(name),
                }]
            }
            Action::Down
            | Action::Up
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp => {
                let rows = r.section().map_or(0, |s| s.rows.len());
                let last = rows.saturating_sub(1);
                let page = self.visible_rows.max(1);
                r.cursor = match action {
                    Action::Down => (r.cursor + 1).min(last),
                    Action::Up => r.cursor.saturating_sub(1),
                    Action::PageDown => (r.cursor + page).min(last),
                    Action::PageUp => r.cursor.saturating_sub(page),
                    Action::Top => 0,
                    _ => last,
                };
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// A report arrived: shown if it is the one the screen waits for.
    pub(crate) fn on_report_loaded(&mut self, loaded: ReportLoaded) {
        let cat = &self.cat;
        let Some(r) = &mut self.reports else {
            return;
        };
        if r.generation != loaded.generation {
            return;
        }
        r.computing = false;
        match loaded.result {
            Ok(report) => {
                r.sections = crate::export::sections(cat, &report);
                r.report = Some(report);
                r.error = None;
            }
            Err(message) => {
                r.error = Some(message.clone());
                self.warn(message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_kind_cycles_week_month_quarter() {
        assert_eq!(next_kind(PeriodKind::Week), PeriodKind::Month);
        assert_eq!(next_kind(PeriodKind::Month), PeriodKind::Quarter);
        assert_eq!(next_kind(PeriodKind::Quarter), PeriodKind::Week);
    }

    #[test]
    fn the_breakdown_cycles_through_every_dimension() {
        let mut by = Dimension::Unit;
        for _ in 0..Dimension::ALL.len() {
            by = next_dimension(by);
        }
        assert_eq!(by, Dimension::Unit);
    }
}
