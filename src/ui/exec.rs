//! Carrying out the console's commands against the self.store. Shared by the terminal runtime
//! and the headless test driver, so tests exercise the same path as operators.

use crate::describe;
use crate::domain::org::Organisation;
use crate::domain::ticket::Ctx;
use crate::i18n::Catalog;
use crate::search::service;
use crate::search::{Filters, SearchError, SearchIndex};
use crate::store::{Store, StoreError};
use crate::ui::app::{App, Cmd, Loaded, Msg};

pub struct Executor<'a> {
    pub store: &'a mut Store,
    /// Opened on first use: a console that never searches never touches the index.
    index: Option<SearchIndex>,
    /// Probes running in the background: they may take as long as their timeouts, and the
    /// screen must stay responsive meanwhile.
    probes: Option<std::sync::mpsc::Receiver<Vec<crate::check::ProbeFinding>>>,
    /// A fixed clock for headless drivers (tests); the one clock otherwise.
    now: Option<chrono::DateTime<chrono::Utc>>,
}

impl<'a> Executor<'a> {
    pub fn new(store: &'a mut Store) -> Executor<'a> {
        Executor {
            store,
            index: None,
            probes: None,
            now: None,
        }
    }

    /// Stamp every write with `now` instead of the clock (tests drive a fixed day).
    pub fn with_now(mut self, now: chrono::DateTime<chrono::Utc>) -> Self {
        self.now = Some(now);
        self
    }

    /// Whether probes are still running (for headless drivers that wait for them).
    pub fn probing(&self) -> bool {
        self.probes.is_some()
    }

    /// Findings of background probes, once they are all in.
    fn probe_findings(&mut self) -> Option<Loaded> {
        let rx = self.probes.as_ref()?;
        match rx.try_recv() {
            Ok(findings) => {
                self.probes = None;
                Some(Loaded::Probes(findings))
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => None,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.probes = None;
                Some(Loaded::Probes(Vec::new()))
            }
        }
    }

    /// Open the search index if need be and bring it up to date (waiting for another
    /// process that is writing it only if `wait`).
    fn sync_index(&mut self, wait: bool) -> Result<(), SearchError> {
        if self.index.is_none() {
            self.index = Some(SearchIndex::open(self.store.path())?);
        }
        let Some(index) = self.index.as_mut() else {
            return Ok(());
        };
        if wait {
            index.sync_wait(self.store, &mut |_, _| {})?;
        } else {
            index.sync(self.store, &mut |_, _| {})?;
        }
        Ok(())
    }

    /// Carry out one command; `None` for commands with nothing to report.
    pub fn exec(
        &mut self,
        org: &Organisation,
        cat: &Catalog,
        actor: &str,
        cmd: Cmd,
    ) -> Option<Loaded> {
        let now = self.now.unwrap_or_else(crate::clock::now);
        let failed = |e: StoreError| Loaded::Failed {
            done: Vec::new(),
            message: describe::store_error(cat, Some(org), &e),
        };
        Some(match cmd {
            Cmd::LoadCounts => self
                .store
                .count_cells()
                .map(Loaded::Counts)
                .unwrap_or_else(failed),
            Cmd::LoadPage {
                generation,
                filter,
                page,
                append,
                keep,
            } => match self.store.list_tickets(&filter, page) {
                Ok(rows) => Loaded::Page {
                    generation,
                    rows,
                    append,
                    keep,
                    limit: page.limit,
                },
                Err(e) => failed(e),
            },
            Cmd::LoadPreview(key) => match self.store.ticket_with_timeline(&key) {
                Ok((t, events)) => Loaded::Preview(Box::new(t), events),
                Err(e) => failed(e),
            },
            Cmd::LoadDetail(key) => match self.store.ticket_with_timeline(&key) {
                Ok((t, events)) => Loaded::Detail(Box::new(t), events),
                Err(e) => failed(e),
            },
            Cmd::Apply(pending) => {
                let mut done = Vec::new();
                let mut queue = pending.into_iter();
                while let Some(p) = queue.next() {
                    let ctx = Ctx { org, actor, now };
                    match self
                        .store
                        .change_ticket(&p.key, p.expect, p.change.clone(), ctx)
                    {
                        Ok(result) => done.push(result),
                        Err(StoreError::Conflict(conflict)) => {
                            return Some(Loaded::Conflict {
                                done,
                                conflict,
                                failed: p,
                                rest: queue.collect(),
                            });
                        }
                        Err(e) => {
                            let message =
                                format!("{}: {}", p.key, describe::store_error(cat, Some(org), &e));
                            return Some(Loaded::Failed { done, message });
                        }
                    }
                }
                Loaded::Applied(done)
            }
            Cmd::Create(new) => {
                let ctx = Ctx { org, actor, now };
                match self.store.create_ticket(&new, ctx) {
                    Ok((t, _)) => Loaded::Created(Box::new(t)),
                    Err(e) => failed(e),
                }
            }
            Cmd::PollDataVersion => self
                .store
                .data_version()
                .map(Loaded::DataVersion)
                .unwrap_or_else(failed),
            Cmd::LoadDraft { ticket, purpose } => {
                match self.store.load_draft(actor, &ticket, &purpose) {
                    Ok(text) => Loaded::Draft {
                        ticket,
                        purpose,
                        text,
                    },
                    Err(e) => failed(e),
                }
            }
            Cmd::SaveDraft {
                ticket,
                purpose,
                text,
            } => {
                return self
                    .store
                    .save_draft(actor, &ticket, &purpose, &text, now)
                    .err()
                    .map(failed);
            }
            Cmd::DeleteDraft { ticket, purpose } => {
                return self
                    .store
                    .delete_draft(actor, &ticket, &purpose)
                    .err()
                    .map(failed);
            }
            // Needs the terminal: the runtime handles it before it gets here.
            Cmd::OpenEditor(_) => return None,
            Cmd::SyncIndex => {
                return self.sync_index(false).err().map(|e| Loaded::Failed {
                    done: Vec::new(),
                    message: cat.f("error.index", &[("detail", &e)]),
                });
            }
            Cmd::Search {
                generation,
                query,
                filters,
            } => {
                let searched = self
                    .sync_index(true)
                    .and_then(|()| match self.index.as_ref() {
                        Some(index) => service::find(self.store, index, &query, &filters, 50),
                        None => Ok(Vec::new()),
                    });
                match searched {
                    Ok(found) => Loaded::Found { generation, found },
                    Err(e) => Loaded::Failed {
                        done: Vec::new(),
                        message: cat.f("error.index", &[("detail", &e)]),
                    },
                }
            }
            Cmd::FindSimilar {
                generation,
                text,
                duplicates,
            } => {
                let statuses: Vec<String> = if duplicates {
                    let mut open: Vec<String> = crate::domain::status::Status::ALL
                        .iter()
                        .filter(|s| s.is_open())
                        .map(|s| s.as_str().to_string())
                        .collect();
                    open.push("published".into());
                    open
                } else {
                    vec!["published".into(), "resolved".into(), "closed".into()]
                };
                let filters = Filters {
                    statuses,
                    ..Filters::default()
                };
                let limit = if duplicates { 6 } else { 30 };
                let searched = self
                    .sync_index(true)
                    .and_then(|()| match self.index.as_ref() {
                        Some(index) => service::similar(self.store, index, &text, &filters, limit),
                        None => Ok(Vec::new()),
                    });
                match searched {
                    Ok(found) => Loaded::Similar { generation, found },
                    Err(e) => Loaded::Failed {
                        done: Vec::new(),
                        message: cat.f("error.index", &[("detail", &e)]),
                    },
                }
            }
            Cmd::DraftArticle(key) => match draft_article(self.store, actor, &key, now) {
                Ok(reference) => Loaded::ArticleDrafted(reference),
                Err(e) => failed(e),
            },
            Cmd::CreateAnnouncement(input) => {
                match crate::domain::announce::validate(&input, org, true) {
                    Err(e) => Loaded::Failed {
                        done: Vec::new(),
                        message: describe::domain_error(cat, &e),
                    },
                    Ok(input) => match self.store.create_announcement(&input, actor, now) {
                        Ok(a) => Loaded::AnnouncementSaved {
                            id: a.id,
                            resolved: false,
                        },
                        Err(e) => failed(e),
                    },
                }
            }
            Cmd::ResolveAnnouncement(id) => match self.store.resolve_announcement(id, actor, now) {
                Ok(a) => Loaded::AnnouncementSaved {
                    id: a.id,
                    resolved: true,
                },
                Err(e) => failed(e),
            },
            Cmd::SlaTick(after) => {
                let batch = crate::ui::app::SLA_TICK_BATCH;
                match crate::rules::tick_batch(self.store, org, cat, now, after, batch) {
                    Ok((_, next)) => Loaded::SlaTicked(next.unwrap_or(0)),
                    Err(e) => failed(e),
                }
            }
            Cmd::LoadSla(keys) => match self.store.timelines_of(&keys) {
                Ok(list) => Loaded::Sla(
                    list.iter()
                        .map(|(t, events)| {
                            let sla = crate::domain::sla::compute(
                                t,
                                events,
                                &org.calendar,
                                &org.sla,
                                now,
                            );
                            (t.key.clone(), sla)
                        })
                        .collect(),
                ),
                Err(e) => failed(e),
            },
            Cmd::LoadAnnouncements => match self.store.announcements(true) {
                Ok(list) => Loaded::Announcements(list),
                Err(e) => failed(e),
            },
            Cmd::LoadCheck(date) => {
                match (self.store.check_day(date), self.store.check_log(date)) {
                    (Ok(day), Ok(log)) => Loaded::Check {
                        date,
                        day: Box::new(day),
                        log,
                    },
                    (Err(e), _) | (_, Err(e)) => failed(e),
                }
            }
            Cmd::RecordCheck { date, records } => {
                match self.store.record_checks(date, &records, actor, now) {
                    Ok(amendment) => Loaded::CheckRecorded {
                        count: records.len(),
                        amendment,
                    },
                    Err(e) => failed(e),
                }
            }
            Cmd::RunProbes => {
                if self.probes.is_none() {
                    let systems = org.check.systems.clone();
                    let (tx, rx) = std::sync::mpsc::channel();
                    std::thread::spawn(move || {
                        let _ = tx.send(crate::check::run_probes(&systems));
                    });
                    self.probes = Some(rx);
                }
                return None;
            }
            Cmd::OpenCheckIncident { date, system } => {
                let opened = self.store.check_day(date).and_then(|day| {
                    let Some(entry) = day.entry(&system) else {
                        return Err(StoreError::NotChecked {
                            date: date.to_string(),
                            system: system.clone(),
                        });
                    };
                    let new = crate::check::incident_ticket(cat, org, date, entry);
                    let ctx = Ctx { org, actor, now };
                    self.store.open_check_incident(date, &system, &new, ctx)
                });
                match opened {
                    Ok((ticket, event)) => Loaded::CheckIncident {
                        system,
                        ticket: Box::new(ticket),
                        created: event.is_some(),
                    },
                    Err(e) => failed(e),
                }
            }
            Cmd::FinaliseCheck(date) => match self.store.finalise_check(date, actor, now) {
                Ok(_) => Loaded::CheckFinalised(date),
                Err(e) => failed(e),
            },
            Cmd::LoadCheckHistory { from, to } => match self.store.check_days(from, to) {
                Ok(days) => Loaded::CheckHistory(days),
                Err(e) => failed(e),
            },
            Cmd::LoadLinked { key, resolution } => match self.store.children_of(&key) {
                Ok(children) => Loaded::Linked {
                    key,
                    resolution,
                    children,
                },
                Err(e) => failed(e),
            },
            Cmd::ResolveLinked { key, resolution } => {
                let ctx = Ctx { org, actor, now };
                match self.store.resolve_linked(&key, &resolution, ctx) {
                    Ok((resolved, left)) => Loaded::LinkedResolved {
                        resolved: resolved.into_iter().map(|t| t.key).collect(),
                        left: left.into_iter().map(|t| t.key).collect(),
                    },
                    Err(e) => failed(e),
                }
            }
        })
    }

    /// Feed a message to the app and carry out everything it asks for, and everything that
    /// asks for, until it is quiet. Commands that need a terminal are returned.
    pub fn drive(&mut self, app: &mut App, msg: Msg) -> Vec<Cmd> {
        let mut todo: std::collections::VecDeque<Cmd> = std::collections::VecDeque::new();
        if let Some(findings) = self.probe_findings() {
            todo.extend(app.update(Msg::Loaded(findings)));
        }
        todo.extend(app.update(msg));
        let mut deferred = Vec::new();
        while let Some(cmd) = todo.pop_front() {
            if matches!(cmd, Cmd::OpenEditor(_)) {
                deferred.push(cmd);
                continue;
            }
            let actor = app.me.login.clone();
            if let Some(loaded) = self.exec(&app.org, &app.cat, &actor, cmd) {
                todo.extend(app.update(Msg::Loaded(loaded)));
            }
        }
        deferred
    }

    /// Run the app's start-up commands.
    pub fn start(&mut self, app: &mut App) {
        let mut todo: std::collections::VecDeque<Cmd> = app.start().into();
        while let Some(cmd) = todo.pop_front() {
            let actor = app.me.login.clone();
            if let Some(loaded) = self.exec(&app.org, &app.cat, &actor, cmd) {
                todo.extend(app.update(Msg::Loaded(loaded)));
            }
        }
    }
}

/// A draft article from a resolved ticket: its title, its description as the symptom, its
/// resolution; the ticket's key in the ref so the two stay linked.
fn draft_article(
    store: &mut Store,
    actor: &str,
    key: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, StoreError> {
    let t = store.ticket(key)?;
    let zh = t.title.chars().any(crate::domain::search::is_cjk);
    let input = crate::domain::kb::ArticleInput {
        reference: format!("KB-{}", t.key),
        lang: if zh { "zh".into() } else { "vi".into() },
        application: t.application.clone(),
        category: t.category.clone(),
        title: t.title.clone(),
        symptom: t.description.clone(),
        cause: String::new(),
        resolution: t.resolution.clone().unwrap_or_default(),
        tags: Vec::new(),
        status: Some("draft".into()),
        author: Some(actor.to_string()),
    };
    let input = input
        .cleaned()
        .map_err(|e| StoreError::bad_value(e.to_string()))?;
    store.import_articles(std::slice::from_ref(&input), actor, now)?;
    Ok(input.reference)
}
