//! The Requirements screen (issue 16, seed 004 chapter 1): what waits for the operator —
//! under review at their level, or for the IT office refining, planning and development —
//! with one key per decision, and a month's publication in force. State and update only;
//! `req_view` draws it. Every decision is a [`Change::Requirement`] applied through the
//! application layer ([`Cmd::Apply`]).

use crate::domain::requirement::{Month, ReqChange, ReqStep, Stage};
use crate::domain::ticket::{Change, Ticket};
use crate::store::Publication;
use crate::ui::app::{App, Cmd, Pending, Target, TextPurpose};
use crate::ui::keymap::Action;

/// The screen's state: the month shown, what waits for the operator, the month's
/// publication in force (its last amendment), and the selected waiting requirement.
#[derive(Debug, Clone)]
pub struct RequirementsScreen {
    pub month: Month,
    /// Waiting for the operator, oldest first (`None` until loaded).
    pub pending: Option<Vec<Ticket>>,
    /// The month's publication in force; `None` when not published yet.
    pub publication: Option<Publication>,
    pub cursor: usize,
}

/// What the runtime loads for the screen.
#[derive(Debug, Clone)]
pub struct RequirementsLoaded {
    pub month: Month,
    pub pending: Vec<Ticket>,
    pub publication: Option<Publication>,
}

/// Whether an action decides on a requirement (the screen's one-key actions).
pub fn decides(action: Action) -> bool {
    matches!(
        action,
        Action::ReqForward
            | Action::ReqReject
            | Action::ReqAdopt
            | Action::ReqNotAdopt
            | Action::ReqPlan
            | Action::ReqAdvance
    )
}

/// Whether `action` fits a requirement at `stage` (the hints offer only these): the
/// domain's stage rule, [`ReqStep::fits`].
pub fn fits(action: Action, stage: Stage) -> bool {
    let step = match action {
        Action::ReqForward | Action::ReqReject => ReqStep::Decide,
        Action::ReqAdopt | Action::ReqNotAdopt => ReqStep::Confirm,
        Action::ReqPlan => ReqStep::Plan,
        Action::ReqAdvance => ReqStep::Advance,
        _ => return true,
    };
    step.fits(stage)
}

/// Read "RANK EFFORT RELEASE" (e.g. `1 5 2027.01`): the plan typed in one line.
pub fn parse_plan(text: &str) -> Option<ReqChange> {
    let mut words = text.split_whitespace();
    let rank = words.next()?.parse().ok()?;
    let effort_days = words.next()?.parse().ok()?;
    let release: Vec<&str> = words.collect();
    if release.is_empty() {
        return None;
    }
    Some(ReqChange::Plan {
        rank,
        effort_days,
        release: release.join(" "),
    })
}

impl App {
    /// Open the screen on this month.
    pub(crate) fn open_requirements(&mut self) -> Vec<Cmd> {
        let month = Month::of(self.now.with_timezone(&self.org.time_zone).date_naive());
        self.knowledge = None;
        self.detail = None;
        self.check = None;
        self.requirements = Some(RequirementsScreen {
            month,
            pending: None,
            publication: None,
            cursor: 0,
        });
        vec![Cmd::LoadRequirements(month)]
    }

    /// The requirement under the cursor, if any waits.
    pub fn selected_requirement(&self) -> Option<&Ticket> {
        let r = self.requirements.as_ref()?;
        r.pending.as_ref()?.get(r.cursor)
    }

    /// Whether a decision key fits the selected requirement now (for the hints).
    pub fn requirement_offers(&self, action: Action) -> bool {
        if !decides(action) {
            return true;
        }
        self.selected_requirement()
            .and_then(|t| t.requirement.as_ref())
            .is_some_and(|r| fits(action, r.stage))
    }

    pub(crate) fn move_requirement_cursor(&mut self, action: Action) {
        let Some(r) = &mut self.requirements else {
            return;
        };
        let last = r.pending.as_ref().map_or(0, Vec::len).saturating_sub(1);
        r.cursor = match action {
            Action::Down => (r.cursor + 1).min(last),
            Action::Up => r.cursor.saturating_sub(1),
            Action::Top | Action::PageUp => 0,
            Action::Bottom | Action::PageDown => last,
            _ => r.cursor,
        };
    }

    /// Another month's publication (the waiting list stays the operator's).
    pub(crate) fn requirements_month(&mut self, action: Action) -> Vec<Cmd> {
        let Some(r) = &mut self.requirements else {
            return Vec::new();
        };
        r.month = match action {
            Action::NextMonth => r.month.next(),
            _ => r.month.previous(),
        };
        r.publication = None;
        vec![Cmd::LoadRequirements(r.month)]
    }

    /// The loaded screen: the cursor kept within the list.
    pub(crate) fn on_requirements_loaded(&mut self, loaded: RequirementsLoaded) {
        if let Some(r) = &mut self.requirements
            && r.month == loaded.month
        {
            r.cursor = r.cursor.min(loaded.pending.len().saturating_sub(1));
            r.pending = Some(loaded.pending);
            r.publication = loaded.publication;
        }
    }

    /// One decision on the selected requirement: at once (forward, advance) or after asking
    /// the reason, the owning office or the plan.
    pub(crate) fn requirement_action(&mut self, action: Action) -> Vec<Cmd> {
        let Some(t) = self.selected_requirement() else {
            return self.nothing_selected();
        };
        let Some(stage) = t.requirement.as_ref().map(|r| r.stage) else {
            return self.nothing_selected();
        };
        let target = Target {
            key: t.key.clone(),
            version: t.version,
        };
        if !fits(action, stage) {
            self.warn(self.cat.f(
                "error.req_wrong_stage",
                &[
                    (
                        "stage",
                        &crate::describe::requirement_stage(&self.cat, stage),
                    ),
                    ("action", &self.keymap_action_name(action)),
                ],
            ));
            return Vec::new();
        }
        let at_once = |change: ReqChange| {
            vec![Cmd::Apply(vec![Pending {
                key: target.key.clone(),
                expect: Some(target.version),
                change: Change::Requirement(change),
            }])]
        };
        match action {
            Action::ReqForward => at_once(ReqChange::Decide {
                forward: true,
                reason: None,
            }),
            Action::ReqAdvance => match stage.next_development() {
                Some(to) => at_once(ReqChange::Advance { to }),
                None => Vec::new(),
            },
            Action::ReqReject => self.open_text_for(TextPurpose::ReqReject, vec![target]),
            Action::ReqAdopt => self.open_text_for(TextPurpose::ReqAdopt, vec![target]),
            Action::ReqNotAdopt => self.open_text_for(TextPurpose::ReqNotAdopt, vec![target]),
            Action::ReqPlan => self.open_text_for(TextPurpose::ReqPlan, vec![target]),
            _ => Vec::new(),
        }
    }

    /// An action's description in the operator's language.
    fn keymap_action_name(&self, action: Action) -> String {
        self.cat.t(&format!("action.{}", action.name()))
    }

    /// The change a text typed for a requirement makes; `None` for a plan that does not
    /// read as "RANK EFFORT RELEASE".
    pub(crate) fn requirement_text_change(purpose: &TextPurpose, text: &str) -> Option<Change> {
        let text = text.trim().to_string();
        let change = match purpose {
            TextPurpose::ReqReject => ReqChange::Decide {
                forward: false,
                reason: Some(text),
            },
            TextPurpose::ReqAdopt => ReqChange::Confirm {
                adopted: true,
                owner_office: Some(text).filter(|t| !t.is_empty()),
                reason: None,
            },
            TextPurpose::ReqNotAdopt => ReqChange::Confirm {
                adopted: false,
                owner_office: None,
                reason: Some(text),
            },
            TextPurpose::ReqPlan => parse_plan(&text)?,
            _ => return None,
        };
        Some(Change::Requirement(change))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_reads_rank_effort_and_release() {
        assert_eq!(
            parse_plan(" 2 10 2027.01 "),
            Some(ReqChange::Plan {
                rank: 2,
                effort_days: 10,
                release: "2027.01".into()
            })
        );
        assert_eq!(parse_plan("2 10"), None);
        assert_eq!(parse_plan("two 10 2027.01"), None);
    }

    #[test]
    fn decisions_fit_their_stage() {
        assert!(fits(Action::ReqForward, Stage::UnderReview));
        assert!(!fits(Action::ReqForward, Stage::Refining));
        assert!(fits(Action::ReqAdvance, Stage::InTest));
        assert!(!fits(Action::ReqAdvance, Stage::Verified));
        assert!(fits(Action::ReqPlan, Stage::Planned));
    }
}
