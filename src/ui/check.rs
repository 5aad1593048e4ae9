//! The morning check screen and the announcement-driven offers (link a new ticket to an
//! announced incident; resolve an incident's linked tickets with it). State and update only;
//! `check_view` draws it.

use crate::domain::check::{CheckDay, CheckResult, Source, check_date};
use crate::domain::ticket::{Change, Event, EventKind, LinkRelation, Ticket};
use crate::store::{CheckLogEntry, CheckRecord};
use crate::ui::app::{App, Cmd, ConfirmPopup, Loaded, Pending, Popup, TextPopup, TextPurpose};
use crate::ui::keymap::Action;
use chrono::{Datelike, NaiveDate};
use ratatui_textarea::TextArea;
use std::collections::BTreeMap;

/// A probe's proposal, waiting for the operator to confirm it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub result: CheckResult,
    pub detail: String,
}

#[derive(Debug, Clone, Default)]
pub struct CheckScreen {
    pub date: Option<NaiveDate>,
    pub day: CheckDay,
    pub log: Vec<CheckLogEntry>,
    pub cursor: usize,
    pub proposed: BTreeMap<String, Proposal>,
    pub probing: bool,
    /// The month's days, when the history view is shown.
    pub history: Option<Vec<CheckDay>>,
    /// The day's report (as `hotro check report` gives it) and how far it is scrolled,
    /// when shown.
    pub report: Option<(String, usize)>,
}

impl CheckScreen {
    pub fn date(&self) -> NaiveDate {
        self.date.unwrap_or_default()
    }
}

/// Whether a check-screen action records something (a result, a note, the probes' results,
/// an incident, an announcement, the finalisation): none is offered in the history view.
pub fn writes_check(action: Action) -> bool {
    matches!(
        action,
        Action::CheckOk
            | Action::CheckSlow
            | Action::CheckLoginFailed
            | Action::CheckDown
            | Action::CheckNote
            | Action::RunProbes
            | Action::AcceptProbes
            | Action::CheckIncident
            | Action::Announce
            | Action::Finalise
    )
}

impl App {
    /// Whether the morning check's history (read only) is shown.
    pub fn check_history_shown(&self) -> bool {
        self.check.as_ref().is_some_and(|c| c.history.is_some())
    }

    pub(crate) fn open_check(&mut self) -> Vec<Cmd> {
        let date = check_date(self.now, self.org.time_zone);
        self.knowledge = None;
        self.detail = None;
        self.check = Some(CheckScreen {
            date: Some(date),
            ..CheckScreen::default()
        });
        vec![Cmd::LoadCheck(date)]
    }

    pub(crate) fn move_check_cursor(&mut self, action: Action) {
        let n = self.org.check.systems.len();
        let page = self.visible_rows.max(1);
        let Some(c) = &mut self.check else { return };
        if let Some((text, scroll)) = &mut c.report {
            let last = text.lines().count().saturating_sub(1);
            *scroll = match action {
                Action::Down => (*scroll + 1).min(last),
                Action::Up => scroll.saturating_sub(1),
                Action::PageDown => (*scroll + page).min(last),
                Action::PageUp => scroll.saturating_sub(page),
                Action::Top => 0,
                Action::Bottom => last,
                _ => *scroll,
            };
            return;
        }
        let last = n.saturating_sub(1);
        c.cursor = match action {
            Action::Down => (c.cursor + 1).min(last),
            Action::Up => c.cursor.saturating_sub(1),
            Action::Top | Action::PageUp => 0,
            Action::Bottom | Action::PageDown => last,
            _ => c.cursor,
        };
    }

    /// After a result: the cursor goes on to the next system with no result yet (after the
    /// one just checked, then from the top); it stays when every other one has one.
    fn advance_to_unchecked(&mut self) {
        let systems = &self.org.check.systems;
        let Some(c) = &mut self.check else { return };
        let n = systems.len();
        let next = (1..n)
            .map(|step| (c.cursor + step) % n)
            .find(|&i| c.day.entry(&systems[i].id).is_none());
        if let Some(i) = next {
            c.cursor = i;
        }
    }

    /// The system under the cursor.
    pub fn check_system(&self) -> Option<&crate::domain::check::SystemDef> {
        let c = self.check.as_ref()?;
        self.org.check.systems.get(c.cursor)
    }

    pub(crate) fn record_check(
        &mut self,
        system: String,
        result: CheckResult,
        note: String,
    ) -> Vec<Cmd> {
        let Some(c) = &mut self.check else {
            return Vec::new();
        };
        c.proposed.remove(&system);
        vec![Cmd::RecordCheck {
            date: c.date(),
            records: vec![CheckRecord {
                system,
                result,
                note,
                source: Source::Manual,
                detail: String::new(),
            }],
        }]
    }

    pub(crate) fn check_action(&mut self, action: Action) -> Vec<Cmd> {
        if self.check.is_none() {
            return Vec::new();
        }
        if action == Action::History {
            return self.toggle_history();
        }
        // The history is read only: a finalised report is amended only on its day's screen,
        // explicitly (issue 14: the result keys silently amended it from the history).
        if self.check_history_shown() && writes_check(action) {
            self.warn(self.cat.t("flash.check_history_read_only"));
            return Vec::new();
        }
        let Some(system) = self.check_system().map(|s| s.id.clone()) else {
            return Vec::new();
        };
        let Some(c) = &self.check else {
            return Vec::new();
        };
        let date = c.date();
        // Keep the note when only the result changes.
        let current = c.day.entry(&system).cloned();
        let note = current.as_ref().map(|e| e.note.clone()).unwrap_or_default();
        let result_of = |a: Action| match a {
            Action::CheckOk => Some(CheckResult::Ok),
            Action::CheckSlow => Some(CheckResult::Slow),
            Action::CheckLoginFailed => Some(CheckResult::LoginFailed),
            Action::CheckDown => Some(CheckResult::Down),
            _ => None,
        };
        if let Some(result) = result_of(action) {
            if let Some(f) = &c.day.finalised {
                // An amendment to the report as sent: said so, and asked first.
                let name = crate::check::report::system_name(&self.org, &self.cat, &system);
                let from = crate::check::report::result_label(&self.cat, current.map(|e| e.result));
                let to = crate::check::report::result_label(&self.cat, Some(result));
                let by = self.operator_name(&f.by);
                let line = self.cat.f(
                    "confirm.check_amend",
                    &[
                        ("date", &date.format("%d/%m/%Y")),
                        ("by", &by),
                        ("system", &name),
                        ("from", &from),
                        ("to", &to),
                    ],
                );
                let after = self.record_check(system, result, note);
                self.popup = Some(Popup::Confirm(ConfirmPopup {
                    lines: vec![line],
                    pending: Vec::new(),
                    after,
                    next: None,
                }));
                return Vec::new();
            }
            let cmds = self.record_check(system, result, note);
            // On to the next system; a failure whose group lead must be phoned keeps the
            // cursor, since the footer says whom to call and the next keys (note, incident,
            // announce) are about it.
            if !result.needs_call() {
                self.advance_to_unchecked();
            }
            return cmds;
        }
        if action == Action::CheckReport {
            return vec![Cmd::CheckReport(date)];
        }
        match action {
            Action::CheckNote => {
                let Some(e) = current else {
                    self.warn(self.cat.t("flash.check_result_first"));
                    return Vec::new();
                };
                let mut area = TextArea::from(vec![e.note.clone()]);
                area.move_cursor(ratatui_textarea::CursorMove::End);
                self.popup = Some(Popup::Text(TextPopup {
                    purpose: TextPurpose::CheckNote {
                        system,
                        result: e.result,
                    },
                    targets: Vec::new(),
                    area,
                    dirty: false,
                    last_saved: None,
                }));
                Vec::new()
            }
            Action::RunProbes => {
                if self.org.check.systems.iter().all(|s| s.probe.is_none()) {
                    self.warn(self.cat.t("check.no_probes"));
                    return Vec::new();
                }
                if let Some(c) = &mut self.check {
                    if c.probing {
                        return Vec::new();
                    }
                    c.probing = true;
                }
                self.say(self.cat.t("flash.probing"));
                vec![Cmd::RunProbes]
            }
            Action::AcceptProbes => {
                let Some(c) = &mut self.check else {
                    return Vec::new();
                };
                if c.proposed.is_empty() {
                    self.warn(self.cat.t("flash.no_proposals"));
                    return Vec::new();
                }
                let records = std::mem::take(&mut c.proposed)
                    .into_iter()
                    .map(|(system, p)| CheckRecord {
                        system,
                        result: p.result,
                        note: String::new(),
                        source: Source::Probe,
                        detail: p.detail,
                    })
                    .collect();
                vec![Cmd::AcceptProbes { date, records }]
            }
            Action::CheckIncident => match current {
                Some(e) if e.result.warrants_incident() => {
                    vec![Cmd::OpenCheckIncident { date, system }]
                }
                _ => {
                    self.warn(self.cat.t("flash.check_incident_needs_failure"));
                    Vec::new()
                }
            },
            Action::Announce => match current {
                Some(e) if e.result.warrants_incident() => {
                    self.popup = Some(Popup::Text(TextPopup {
                        purpose: TextPurpose::Announce { system },
                        targets: Vec::new(),
                        area: TextArea::default(),
                        dirty: false,
                        last_saved: None,
                    }));
                    Vec::new()
                }
                _ => {
                    self.warn(self.cat.t("flash.check_incident_needs_failure"));
                    Vec::new()
                }
            },
            Action::Finalise => {
                if let Some(f) = &c.day.finalised {
                    let by = self.operator_name(&f.by);
                    self.warn(self.cat.f("flash.check_already_finalised", &[("by", &by)]));
                    return Vec::new();
                }
                let lines = crate::domain::check::lines(
                    &self.org.check,
                    self.org.time_zone,
                    date,
                    &c.day,
                    self.now,
                );
                let t = crate::domain::check::tally(&lines);
                self.popup = Some(Popup::Confirm(ConfirmPopup {
                    lines: vec![
                        self.cat
                            .f("confirm.finalise", &[("date", &date.format("%d/%m/%Y"))]),
                        self.cat
                            .f("confirm.finalise_unchecked", &[("count", &t.unchecked)]),
                    ],
                    pending: Vec::new(),
                    after: vec![Cmd::FinaliseCheck(date)],
                    next: None,
                }));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// An operator's name by login (the login when the configuration no longer has them).
    fn operator_name(&self, login: &str) -> String {
        self.org
            .operator(login)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| login.to_string())
    }

    /// Announce a failed system's outage: its name and result as the title, its application,
    /// the check's note as what is wrong, its incident, and the guidance typed.
    pub(crate) fn announce_outage(&mut self, system: String, guidance: String) -> Vec<Cmd> {
        let Some(c) = &self.check else {
            return Vec::new();
        };
        let Some(e) = c.day.entry(&system) else {
            return Vec::new();
        };
        let name = crate::check::report::system_name(&self.org, &self.cat, &system);
        let result = crate::check::report::result_label(&self.cat, Some(e.result));
        let input = crate::domain::announce::AnnouncementInput {
            title: Some(format!("{name}: {result}")),
            applications: Some(
                self.org
                    .check
                    .system(&system)
                    .and_then(|s| s.application.clone())
                    .into_iter()
                    .collect(),
            ),
            problem: Some(if e.note.is_empty() {
                result
            } else {
                e.note.clone()
            }),
            guidance: Some(guidance),
            expected_fix: None,
            incident: Some(e.incident.clone()),
        };
        vec![Cmd::CreateAnnouncement(input)]
    }

    fn toggle_history(&mut self) -> Vec<Cmd> {
        let Some(c) = &mut self.check else {
            return Vec::new();
        };
        if c.history.take().is_some() {
            return Vec::new();
        }
        let date = c.date();
        let from = date.with_day(1).unwrap_or(date);
        let to = from
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(date);
        c.history = Some(Vec::new());
        vec![Cmd::LoadCheckHistory { from, to }]
    }

    pub(crate) fn on_check_loaded(&mut self, loaded: Loaded) -> Vec<Cmd> {
        match loaded {
            Loaded::Announcements(list) => {
                self.announcements = list;
                Vec::new()
            }
            Loaded::Check { date, day, log } => {
                if let Some(c) = &mut self.check
                    && c.date == Some(date)
                {
                    c.day = *day;
                    c.log = log;
                }
                Vec::new()
            }
            Loaded::ProbesAccepted(done) => {
                let id = if done.amendment {
                    "flash.check_amended"
                } else {
                    "flash.check_recorded"
                };
                let mut text = self.cat.f(id, &[("count", &done.recorded.len())]);
                if !done.kept.is_empty() {
                    let names: Vec<String> = done
                        .kept
                        .iter()
                        .map(|s| crate::check::report::system_name(&self.org, &self.cat, s))
                        .collect();
                    text.push(' ');
                    text.push_str(&self.cat.f(
                        "flash.probes_kept_manual",
                        &[("count", &names.len()), ("systems", &names.join(", "))],
                    ));
                }
                self.say(text);
                self.refresh_all()
            }
            Loaded::CheckRecorded { count, amendment } => {
                let id = if amendment {
                    "flash.check_amended"
                } else {
                    "flash.check_recorded"
                };
                self.say(self.cat.f(id, &[("count", &count)]));
                self.refresh_all()
            }
            Loaded::Probes(findings) => {
                let cat = &self.cat;
                let Some(c) = &mut self.check else {
                    return Vec::new();
                };
                c.probing = false;
                for f in &findings {
                    c.proposed.insert(
                        f.system.clone(),
                        Proposal {
                            result: f.result,
                            detail: crate::check::describe_finding(cat, f),
                        },
                    );
                }
                let failing = findings.iter().filter(|f| f.result.needs_call()).count();
                self.say(self.cat.f(
                    "flash.probes_done",
                    &[("count", &findings.len()), ("failing", &failing)],
                ));
                Vec::new()
            }
            Loaded::CheckIncident {
                system,
                ticket,
                created,
            } => {
                let name = crate::check::report::system_name(&self.org, &self.cat, &system);
                let id = if created {
                    "check.incident_opened"
                } else {
                    "check.incident_exists"
                };
                self.say(self.cat.f(
                    id,
                    &[
                        ("key", &ticket.key),
                        ("system", &name),
                        ("priority", &ticket.priority),
                    ],
                ));
                self.refresh_all()
            }
            Loaded::CheckFinalised(date) => {
                self.say(self.cat.f(
                    "flash.check_finalised",
                    &[("date", &date.format("%d/%m/%Y"))],
                ));
                self.refresh_all()
            }
            Loaded::CheckReport(text) => {
                if let Some(c) = &mut self.check {
                    c.history = None;
                    c.report = Some((text, 0));
                }
                Vec::new()
            }
            Loaded::CheckHistory(days) => {
                if let Some(c) = &mut self.check
                    && c.history.is_some()
                {
                    c.history = Some(days);
                }
                Vec::new()
            }
            Loaded::Linked {
                key,
                resolution,
                linked,
            } => {
                let follow = linked.with_incident.len();
                // An announcement about this incident can end with it: asked on its own,
                // after the linked tickets (whatever the answer to those).
                let end = linked.announcement.as_ref().map(|a| ConfirmPopup {
                    lines: vec![self.cat.f(
                        "confirm.end_announcement",
                        &[("id", &a.id), ("title", &crate::inert::one_line(&a.title))],
                    )],
                    pending: Vec::new(),
                    after: vec![Cmd::ResolveAnnouncement(a.id)],
                    next: None,
                });
                if follow == 0 {
                    self.popup = end.map(Popup::Confirm);
                    return Vec::new();
                }
                let mut lines = vec![self.cat.f(
                    "confirm.resolve_linked",
                    &[("key", &key), ("count", &follow)],
                )];
                for t in &linked.with_incident {
                    lines.push(format!("  {}: {}", t.key, t.title));
                }
                let own = linked.left.len();
                if own > 0 {
                    lines.push(
                        self.cat
                            .f("confirm.resolve_linked_left", &[("count", &own)]),
                    );
                }
                self.popup = Some(Popup::Confirm(ConfirmPopup {
                    lines,
                    pending: Vec::new(),
                    after: vec![Cmd::ResolveLinked { key, resolution }],
                    next: end.map(Box::new),
                }));
                Vec::new()
            }
            Loaded::LinkedResolved { resolved, left } => {
                let mut text = self.cat.f(
                    "ticket.linked_resolved",
                    &[("count", &resolved.len()), ("keys", &resolved.join(", "))],
                );
                if !left.is_empty() {
                    text.push(' ');
                    text.push_str(&self.cat.f(
                        "ticket.linked_left",
                        &[("count", &left.len()), ("keys", &left.join(", "))],
                    ));
                }
                self.say(text);
                self.refresh_all()
            }
            _ => Vec::new(),
        }
    }

    /// After a ticket is created: if an active announcement names an incident for its
    /// application, offer to link the ticket to that incident.
    pub(crate) fn offer_incident_link(&mut self, t: &Ticket) {
        let Some(app) = &t.application else { return };
        let Some((a, incident)) =
            crate::domain::announce::incident_for(&self.announcements, app, &t.key)
        else {
            return;
        };
        let incident = incident.to_string();
        self.popup = Some(Popup::Confirm(ConfirmPopup {
            lines: vec![
                self.cat.f(
                    "confirm.link_incident",
                    &[("key", &t.key), ("incident", &incident)],
                ),
                format!("  #{} {}", a.id, a.title),
            ],
            pending: vec![Pending {
                key: t.key.clone(),
                expect: Some(t.version),
                change: Change::Link {
                    relation: LinkRelation::ChildOf,
                    target: incident,
                    target_ancestors: Vec::new(),
                },
            }],
            after: Vec::new(),
            next: None,
        }));
    }

    /// After changes are saved: a resolved ticket may have linked tickets to resolve too.
    pub(crate) fn linked_offer_cmds(&self, done: &[(Ticket, Event)]) -> Vec<Cmd> {
        done.iter()
            .filter_map(|(t, e)| match &e.kind {
                EventKind::Resolved { resolution, .. } => Some(Cmd::LoadLinked {
                    key: t.key.clone(),
                    resolution: resolution.clone(),
                }),
                _ => None,
            })
            .collect()
    }
}
