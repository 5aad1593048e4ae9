//! Carrying out the console's commands against the store. Shared by the terminal runtime
//! and the headless test driver, so tests exercise the same path as operators.

use crate::describe;
use crate::domain::org::Organisation;
use crate::domain::ticket::Ctx;
use crate::i18n::Catalog;
use crate::store::{Store, StoreError};
use crate::ui::app::{App, Cmd, Loaded, Msg};
use chrono::Utc;

pub struct Executor<'a> {
    pub store: &'a mut Store,
}

impl Executor<'_> {
    /// Carry out one command; `None` for commands with nothing to report.
    pub fn exec(
        &mut self,
        org: &Organisation,
        cat: &Catalog,
        actor: &str,
        cmd: Cmd,
    ) -> Option<Loaded> {
        let failed = |e: StoreError| Loaded::Failed {
            done: Vec::new(),
            message: describe::store_error(cat, Some(org), &e),
        };
        let store = &mut *self.store;
        Some(match cmd {
            Cmd::LoadCounts => store
                .count_cells()
                .map(Loaded::Counts)
                .unwrap_or_else(failed),
            Cmd::LoadPage {
                generation,
                filter,
                page,
                append,
                keep,
            } => match store.list_tickets(&filter, page) {
                Ok(rows) => Loaded::Page {
                    generation,
                    rows,
                    append,
                    keep,
                    limit: page.limit,
                },
                Err(e) => failed(e),
            },
            Cmd::LoadPreview(key) => match store.ticket_with_timeline(&key) {
                Ok((t, events)) => Loaded::Preview(Box::new(t), events),
                Err(e) => failed(e),
            },
            Cmd::LoadDetail(key) => match store.ticket_with_timeline(&key) {
                Ok((t, events)) => Loaded::Detail(Box::new(t), events),
                Err(e) => failed(e),
            },
            Cmd::Apply(pending) => {
                let mut done = Vec::new();
                let mut queue = pending.into_iter();
                while let Some(p) = queue.next() {
                    let ctx = Ctx {
                        org,
                        actor,
                        now: Utc::now(),
                    };
                    match store.change_ticket(&p.key, p.expect, p.change.clone(), ctx) {
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
                let ctx = Ctx {
                    org,
                    actor,
                    now: Utc::now(),
                };
                match store.create_ticket(&new, ctx) {
                    Ok((t, _)) => Loaded::Created(Box::new(t)),
                    Err(e) => failed(e),
                }
            }
            Cmd::PollDataVersion => store
                .data_version()
                .map(Loaded::DataVersion)
                .unwrap_or_else(failed),
            Cmd::LoadDraft { ticket, purpose } => {
                match store.load_draft(actor, &ticket, &purpose) {
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
                return store
                    .save_draft(actor, &ticket, &purpose, &text, Utc::now())
                    .err()
                    .map(failed);
            }
            Cmd::DeleteDraft { ticket, purpose } => {
                return store
                    .delete_draft(actor, &ticket, &purpose)
                    .err()
                    .map(failed);
            }
            // Needs the terminal: the runtime handles it before it gets here.
            Cmd::OpenEditor(_) => return None,
        })
    }

    /// Feed a message to the app and carry out everything it asks for, and everything that
    /// asks for, until it is quiet. Commands that need a terminal are returned.
    pub fn drive(&mut self, app: &mut App, msg: Msg) -> Vec<Cmd> {
        let mut todo: std::collections::VecDeque<Cmd> = app.update(msg).into();
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
