//! Carrying out the console's commands against the self.store. Shared by the terminal runtime
//! and the headless test driver, so tests exercise the same path as operators.

use crate::describe;
use crate::desk::{Desk, DeskError};
use crate::domain::org::Organisation;
use crate::i18n::Catalog;
use crate::search::background::{Progress, Rebuild};
use crate::search::service;
use crate::search::{Filters, SearchError, SearchIndex};
use crate::store::{Store, StoreError};
use crate::ui::app::{App, Cmd, IndexNote, Loaded, Msg};
use std::time::{Duration, Instant};

/// After a rebuild forced by a damaged index, how long before a failing search may force
/// another (a database that cannot be read would otherwise be rebuilt in a loop).
const REPAIR_AGAIN_AFTER: Duration = Duration::from_secs(60);

/// A report to compute: for which request of the screen, over which period, in which
/// language its errors are told, with which "now" for the SLA clocks.
struct ReportRequest {
    lang: crate::i18n::Lang,
    generation: u64,
    period: crate::domain::report::ReportPeriod,
    now: chrono::DateTime<chrono::Utc>,
}

pub struct Executor<'a> {
    pub store: &'a mut Store,
    /// Who acts: every write goes through the application layer with it.
    pub session: &'a crate::desk::Session,
    /// Opened on first use: a console that never searches never touches the index.
    index: Option<SearchIndex>,
    /// The index being rebuilt on a thread of its own (missing, damaged or far behind while
    /// the console runs): searches meanwhile use what is committed, and never wait.
    rebuild: Option<Rebuild>,
    /// When a rebuild was last forced because the index could not be read.
    repaired: Option<Instant>,
    /// Where this host keeps the index ([`Store::index_home`]), read once.
    index_home: Option<std::path::PathBuf>,
    /// Probes running in the background: they may take as long as their timeouts, and the
    /// screen must stay responsive meanwhile.
    probes: Option<std::sync::mpsc::Receiver<Vec<crate::check::ProbeFinding>>>,
    /// A report being computed on a thread of its own (seconds on a big database): the
    /// screen stays responsive and says "computing" meanwhile. A newer request replaces it.
    report: Option<std::sync::mpsc::Receiver<Loaded>>,
    /// The report asked for while another was being computed: started when that one is
    /// done (only the latest is kept), so keys pressed in a row never compute at once.
    report_next: Option<ReportRequest>,
    /// A fixed clock for headless drivers (tests); the one clock otherwise.
    now: Option<chrono::DateTime<chrono::Utc>>,
}

impl<'a> Executor<'a> {
    pub fn new(store: &'a mut Store, session: &'a crate::desk::Session) -> Executor<'a> {
        Executor {
            store,
            session,
            index: None,
            index_home: None,
            rebuild: None,
            repaired: None,
            probes: None,
            report: None,
            report_next: None,
            now: None,
        }
    }

    /// Stamp every write with `now` instead of the clock (tests drive a fixed day).
    pub fn with_now(mut self, now: chrono::DateTime<chrono::Utc>) -> Self {
        self.now = Some(now);
        self
    }

    /// Search with `index`, already brought up to date (the console's start builds it with
    /// progress before the screen takes over): from then on a rebuild runs in the background.
    pub fn with_index(mut self, index: SearchIndex) -> Self {
        self.index = Some(index);
        self
    }

    /// Keep the search index at `home` (a path as [`Store::index_home`] gives one) instead
    /// of where this host keeps it: a headless driver (a test) keeps the index of a
    /// PostgreSQL database in its own folder rather than in the user's cache folder.
    pub fn with_index_home(mut self, home: std::path::PathBuf) -> Self {
        self.index_home = Some(home);
        self
    }

    /// Whether probes are still running (for headless drivers that wait for them).
    pub fn probing(&self) -> bool {
        self.probes.is_some()
    }

    /// Whether a report is still being computed (for headless drivers that wait for it).
    pub fn reporting(&self) -> bool {
        self.report.is_some() || self.report_next.is_some()
    }

    /// The report computed in the background, once it is done; then the one asked for
    /// meanwhile, if any, is started.
    fn report_done(&mut self) -> Option<Loaded> {
        let rx = self.report.as_ref()?;
        let done = match rx.try_recv() {
            Ok(loaded) => Some(loaded),
            Err(std::sync::mpsc::TryRecvError::Empty) => return None,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => None,
        };
        self.report = None;
        if let Some(next) = self.report_next.take() {
            self.start_report(next);
        }
        done
    }

    /// Compute a report now, or after the one being computed.
    fn ask_report(&mut self, request: ReportRequest) {
        if self.report.is_some() {
            self.report_next = Some(request);
        } else {
            self.start_report(request);
        }
    }

    /// Compute the report of `period` on a thread of its own, over its own connection to
    /// the database, through the application layer as `hotro report summary` does.
    fn start_report(&mut self, request: ReportRequest) {
        let ReportRequest {
            lang,
            generation,
            period,
            now,
        } = request;
        let location = self.store.location();
        let session = self.session.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let cat = Catalog::new(lang);
            let org = Some(session.org());
            let result = location
                .open()
                .map_err(|e| describe::store_error(&cat, org, &e))
                .and_then(|mut store| {
                    Desk::new(&mut store, &session, now)
                        .report(period, None)
                        .map(Box::new)
                        .map_err(|e| describe::desk_error(&cat, org, &e))
                });
            let _ = tx.send(Loaded::Report(crate::ui::reports::ReportLoaded {
                generation,
                result,
            }));
        });
        self.report = Some(rx);
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

    /// Make the search index ready to search, never waiting for another process's writer.
    ///
    /// The first time, the index is opened and brought up to date here (the console's start
    /// has already built it, with progress, before the screen took over). Later, a missing,
    /// stale or far-behind index is rebuilt on a background thread while searches use what
    /// is committed; small changes are applied here when the writer is free, and when another
    /// process holds it the last committed index is searched as it is.
    fn prepare_index(&mut self, org: &Organisation) -> Result<(), SearchError> {
        if self.rebuild.is_some() {
            if let Some(index) = &self.index {
                let _ = index.reload();
            }
            return Ok(());
        }
        let home = self.index_home()?;
        let Some(index) = self.index.as_mut() else {
            let mut index = SearchIndex::open(&home)?;
            index.add_synonyms(&org.search_synonyms);
            index.sync(self.store, &mut |_, _| {})?;
            self.index = Some(index);
            return Ok(());
        };
        if index.needs_rebuild(self.store)? {
            let _ = index.reload();
            self.rebuild = Some(Rebuild::start(self.store.location(), &home, false));
            return Ok(());
        }
        index.sync(self.store, &mut |_, _| {})?;
        Ok(())
    }

    /// The index could not be read: rebuild it in the background (at most once a minute),
    /// and say why the search failed.
    fn repair_index(&mut self, cat: &Catalog, e: &SearchError) -> String {
        let repair = !matches!(e, SearchError::Store(_))
            && self.rebuild.is_none()
            && self
                .repaired
                .is_none_or(|t| t.elapsed() > REPAIR_AGAIN_AFTER);
        if repair && let Ok(home) = self.index_home() {
            self.repaired = Some(Instant::now());
            self.rebuild = Some(Rebuild::start(self.store.location(), &home, true));
        }
        cat.f("error.index", &[("detail", e)])
    }

    /// Whether the knowledge screen's index note must change, and whether a background
    /// rebuild finished (then the index is opened afresh and the screen searches again).
    fn index_news(&mut self, app: &App) -> Option<Loaded> {
        let shown = app.knowledge.as_ref().map(|k| k.index_note);
        if let Some(rebuild) = &self.rebuild {
            match rebuild.poll() {
                Progress::Running(p) => {
                    let note = Some(IndexNote::Rebuilding(p));
                    return (shown.is_some_and(|s| s != note)).then_some(Loaded::IndexNote(note));
                }
                Progress::Finished(result) => {
                    self.rebuild = None;
                    return Some(match result {
                        Ok(_) => {
                            let home = self.index_home().ok()?;
                            self.index = SearchIndex::open(&home).ok().map(|mut i| {
                                i.add_synonyms(&app.org.search_synonyms);
                                i
                            });
                            Loaded::IndexReady
                        }
                        Err(detail) => Loaded::Failed {
                            done: Vec::new(),
                            message: app.cat.f("error.index", &[("detail", &detail)]),
                        },
                    });
                }
            }
        }
        let shown = shown?;
        let home = self.index_home().ok()?;
        let note = crate::search::activity(&home)
            .filter(|a| a.pid != std::process::id())
            .map(|a| IndexNote::Updating(a.percent()));
        (note != shown).then_some(Loaded::IndexNote(note))
    }

    /// Where this host keeps the search index of the database (read once).
    fn index_home(&mut self) -> Result<std::path::PathBuf, SearchError> {
        if let Some(home) = &self.index_home {
            return Ok(home.clone());
        }
        let home = self.store.index_home()?;
        self.index_home = Some(home.clone());
        Ok(home)
    }

    /// Whether a background rebuild of the index is running (for headless drivers).
    pub fn rebuilding(&self) -> bool {
        self.rebuild.is_some()
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
        let refused = |e: DeskError| Loaded::Failed {
            done: Vec::new(),
            message: describe::desk_error(cat, Some(org), &e),
        };
        let _ = actor;
        let session = self.session;
        Some(match cmd {
            Cmd::LoadCounts { direct } => {
                let counted = self.store.count_cells().and_then(|cells| {
                    let mut counts = Vec::with_capacity(direct.len());
                    for (i, filter) in direct {
                        counts.push((i, self.store.count_tickets(&filter)?));
                    }
                    Ok(Loaded::Counts {
                        cells,
                        direct: counts,
                    })
                });
                counted.unwrap_or_else(failed)
            }
            Cmd::LoadPage {
                generation,
                filter,
                page,
                append,
                keep,
            } => {
                // A typed filter narrows the queue: its count is counted with the same
                // conditions (the queue's count would not match the rows shown).
                let total = match &filter.text {
                    Some(_) if !append => self.store.count_tickets(&filter).map(Some),
                    _ => Ok(None),
                };
                match total.and_then(|total| {
                    self.store
                        .list_tickets(&filter, page)
                        .map(|rows| (rows, total))
                }) {
                    Ok((rows, total)) => Loaded::Page {
                        generation,
                        rows,
                        append,
                        keep,
                        limit: page.limit,
                        total,
                    },
                    Err(e) => failed(e),
                }
            }
            Cmd::LoadPreview(key) => match self.store.ticket_with_timeline(&key) {
                Ok((t, events)) => Loaded::Preview(Box::new(t), events),
                Err(e) => failed(e),
            },
            Cmd::LoadDetail(key) => {
                match self.store.ticket_with_timeline(&key).and_then(|(t, e)| {
                    let files = crate::ui::app::DetailFiles {
                        attachments: self.store.attachments_of(&t.key)?,
                        mail: self.store.mail_source(&t.key)?,
                        outbox: self.store.outbox_of(&t.key, now)?,
                    };
                    Ok((t, e, files))
                }) {
                    Ok((t, events, files)) => Loaded::Detail(Box::new(t), events, Box::new(files)),
                    Err(e) => failed(e),
                }
            }
            Cmd::Apply(pending) => {
                let mut done = Vec::new();
                let mut queue = pending.into_iter();
                while let Some(p) = queue.next() {
                    let mut desk = Desk::new(self.store, session, now);
                    match desk.change(&p.key, p.expect, p.change.clone()) {
                        Ok(result) => done.push(result),
                        Err(DeskError::Store(StoreError::Conflict(conflict))) => {
                            return Some(Loaded::Conflict {
                                done,
                                conflict,
                                failed: p,
                                rest: queue.collect(),
                            });
                        }
                        Err(e) => {
                            let message =
                                format!("{}: {}", p.key, describe::desk_error(cat, Some(org), &e));
                            return Some(Loaded::Failed { done, message });
                        }
                    }
                }
                Loaded::Applied(done)
            }
            Cmd::Create(new) => {
                match Desk::new(self.store, session, now).create_ticket(&new, false) {
                    Ok(created) => Loaded::Created(Box::new(created.ticket)),
                    Err(e) => refused(e),
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
            Cmd::OpenEditor(_) | Cmd::Repaint => return None,
            Cmd::SyncIndex => {
                return self.prepare_index(org).err().map(|e| Loaded::Failed {
                    done: Vec::new(),
                    message: self.repair_index(cat, &e),
                });
            }
            Cmd::Search {
                generation,
                query,
                filters,
            } => {
                let searched = self
                    .prepare_index(org)
                    .and_then(|()| match self.index.as_ref() {
                        Some(index) => service::find(self.store, index, &query, &filters, 50),
                        None => Ok(Vec::new()),
                    });
                match searched {
                    Ok(found) => Loaded::Found { generation, found },
                    Err(e) => Loaded::SearchFailed {
                        generation,
                        message: self.repair_index(cat, &e),
                    },
                }
            }
            Cmd::FindSimilar {
                generation,
                text,
                duplicates,
                requirements,
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
                    Filters::solutions().statuses
                };
                let filters = Filters {
                    statuses,
                    ..Filters::default()
                };
                let limit = if duplicates { 6 } else { 30 };
                let searched = self
                    .prepare_index(org)
                    .and_then(|()| match self.index.as_ref() {
                        Some(index) => {
                            let found =
                                service::similar(self.store, index, &text, &filters, limit)?;
                            let like = if requirements {
                                service::similar_requirements(
                                    self.store,
                                    index,
                                    &text,
                                    None,
                                    service::SIMILAR_REQUIREMENTS_SHOWN,
                                )?
                            } else {
                                Vec::new()
                            };
                            // A requirement listed as such is not listed again.
                            let found = found
                                .into_iter()
                                .filter(|f| !like.iter().any(|r| r.key == f.reference))
                                .collect();
                            Ok((found, like))
                        }
                        None => Ok((Vec::new(), Vec::new())),
                    });
                match searched {
                    Ok((found, requirements)) => Loaded::Similar {
                        generation,
                        found,
                        requirements,
                    },
                    Err(e) => Loaded::Failed {
                        done: Vec::new(),
                        message: self.repair_index(cat, &e),
                    },
                }
            }
            Cmd::ResendMail {
                ticket,
                message_id,
                to,
            } => match Desk::new(self.store, session, now).resend_mail(&message_id) {
                Ok(true) => Loaded::MailResent { ticket, to },
                // Sent or taken up by a sender meanwhile.
                Ok(false) => Loaded::Failed {
                    done: Vec::new(),
                    message: cat.f(
                        "mail.not_interrupted",
                        &[("id", &crate::inert::one_line(&message_id))],
                    ),
                },
                Err(e) => refused(e),
            },
            Cmd::DraftArticle(key) => match Desk::new(self.store, session, now).draft_article(&key)
            {
                Ok(reference) => Loaded::ArticleDrafted(reference),
                Err(e) => refused(e),
            },
            Cmd::LoadArticleForEdit(reference) => {
                let loaded = self.store.article(&reference).and_then(|a| {
                    let revision = self.store.article_revision(&reference)?;
                    Ok((a, revision))
                });
                match loaded {
                    Ok((Some(a), revision)) => {
                        let (input, faq) = match revision {
                            Some(r) => (r.input, r.faq),
                            None => (a.input(), a.faq),
                        };
                        Loaded::ArticleForEdit(Box::new(input), faq)
                    }
                    Ok((None, _)) => failed(StoreError::ArticleNotFound(reference)),
                    Err(e) => failed(e),
                }
            }
            Cmd::SaveArticle { new, input, faq } => {
                let mut desk = Desk::new(self.store, session, now);
                let saved = if new {
                    desk.new_article(&input, faq, false).map(|r| {
                        cat.f(
                            "kb.created",
                            &[
                                ("ref", &r),
                                ("status", &describe::article_status(cat, "draft")),
                            ],
                        )
                    })
                } else {
                    match desk.edit_article(&input, faq) {
                        Ok(crate::domain::kb::EditMode::InPlace) => {
                            let version = self
                                .store
                                .article(&input.reference)
                                .ok()
                                .flatten()
                                .map(|a| a.version)
                                .unwrap_or_default();
                            Ok(cat.f(
                                "kb.edited",
                                &[("ref", &input.reference), ("version", &version)],
                            ))
                        }
                        Ok(crate::domain::kb::EditMode::Revision) => {
                            Ok(cat.f("kb.revised", &[("ref", &input.reference)]))
                        }
                        Err(e) => Err(e),
                    }
                };
                let _ = self.prepare_index(org);
                match saved {
                    Ok(message) => Loaded::ArticleDone(message),
                    Err(e) => refused(e),
                }
            }
            Cmd::LoadDraftArticles { generation } => {
                match self.store.articles_by_status("draft", 500) {
                    Ok(list) => Loaded::Found {
                        generation,
                        found: list
                            .into_iter()
                            .map(|a| service::Found {
                                kind: "article".into(),
                                reference: a.reference,
                                title: a.title,
                                score: 0.0,
                                fuzzy: false,
                                snippet: vec![crate::domain::search::Segment {
                                    text: a.symptom.chars().take(200).collect(),
                                    hit: false,
                                }],
                                symptom: a.symptom,
                                cause: a.cause,
                                resolution: a.resolution,
                            })
                            .collect(),
                    },
                    Err(e) => failed(e),
                }
            }
            Cmd::PublishArticle(reference) => {
                let done = Desk::new(self.store, session, now).publish_article(&reference);
                let _ = self.prepare_index(org);
                match done {
                    Ok(crate::domain::kb::PublishStep::Publish) => {
                        Loaded::ArticleDone(cat.f("kb.published", &[("ref", &reference)]))
                    }
                    Ok(crate::domain::kb::PublishStep::ApplyRevision) => {
                        Loaded::ArticleDone(cat.f("kb.revision_published", &[("ref", &reference)]))
                    }
                    Err(e) => refused(e),
                }
            }
            Cmd::RetireArticle(reference) => {
                let done = Desk::new(self.store, session, now).retire_article(&reference);
                let _ = self.prepare_index(org);
                match done {
                    Ok(()) => Loaded::ArticleDone(cat.f("kb.retired", &[("ref", &reference)])),
                    Err(e) => refused(e),
                }
            }
            Cmd::CreateAnnouncement(input) => {
                match Desk::new(self.store, session, now).create_announcement(&input) {
                    Ok(a) => Loaded::AnnouncementSaved {
                        id: a.id,
                        resolved: false,
                    },
                    Err(e) => refused(e),
                }
            }
            Cmd::ResolveAnnouncement(id) => {
                match Desk::new(self.store, session, now).resolve_announcement(id) {
                    Ok(a) => Loaded::AnnouncementSaved {
                        id: a.id,
                        resolved: true,
                    },
                    Err(e) => refused(e),
                }
            }
            Cmd::SlaTick(after) => {
                let batch = crate::ui::app::SLA_TICK_BATCH;
                match Desk::new(self.store, session, now).sla_tick_batch(after, batch) {
                    Ok((_, next)) => Loaded::SlaTicked(next.unwrap_or(0)),
                    Err(e) => refused(e),
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
                match Desk::new(self.store, session, now).record_checks(date, &records) {
                    Ok(amendment) => Loaded::CheckRecorded {
                        count: records.len(),
                        amendment,
                    },
                    Err(e) => refused(e),
                }
            }
            Cmd::AcceptProbes { date, records } => {
                match Desk::new(self.store, session, now).record_probe_results(date, &records) {
                    Ok(done) => Loaded::ProbesAccepted(done),
                    Err(e) => refused(e),
                }
            }
            Cmd::RunProbes => {
                if let Err(e) = Desk::new(self.store, session, now).may_run_probes() {
                    return Some(refused(e));
                }
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
                match Desk::new(self.store, session, now).open_check_incident(cat, date, &system) {
                    Ok((ticket, event)) => Loaded::CheckIncident {
                        system,
                        ticket: Box::new(ticket),
                        created: event.is_some(),
                    },
                    Err(e) => refused(e),
                }
            }
            Cmd::FinaliseCheck(date) => {
                match Desk::new(self.store, session, now).finalise_check(date) {
                    Ok(_) => Loaded::CheckFinalised(date),
                    Err(e) => refused(e),
                }
            }
            Cmd::CheckReport(date) => match Desk::new(self.store, session, now).check_report(
                cat,
                date,
                crate::check::report::Format::Text,
            ) {
                Ok(text) => Loaded::CheckReport(text),
                Err(e) => refused(e),
            },
            Cmd::LoadRequirements(month) => {
                let mut desk = Desk::new(self.store, session, now);
                let loaded = desk.requirements_pending().and_then(|pending| {
                    let publication = desk.requirement_publications(month)?.pop();
                    Ok(crate::ui::req::RequirementsLoaded {
                        month,
                        pending,
                        publication,
                    })
                });
                match loaded {
                    Ok(r) => Loaded::Requirements(Box::new(r)),
                    Err(e) => refused(e),
                }
            }
            Cmd::LoadReport { generation, period } => {
                self.ask_report(ReportRequest {
                    lang: cat.lang(),
                    generation,
                    period,
                    now,
                });
                return None;
            }
            Cmd::ExportReport {
                report,
                format,
                path,
            } => {
                let shown = || crate::inert::one_line(&path.display().to_string());
                match crate::export::report(cat, &report, format, false) {
                    Ok(bytes) => match std::fs::write(&path, bytes) {
                        Ok(()) => Loaded::ReportWritten(path),
                        Err(e) => Loaded::Failed {
                            done: Vec::new(),
                            message: cat.f(
                                "report.write_failed",
                                &[("path", &shown()), ("error", &e.to_string())],
                            ),
                        },
                    },
                    Err(e) => Loaded::Failed {
                        done: Vec::new(),
                        message: cat.f("report.export_failed", &[("error", &e.to_string())]),
                    },
                }
            }
            Cmd::LoadCheckHistory { from, to } => match self.store.check_days(from, to) {
                Ok(days) => Loaded::CheckHistory(days),
                Err(e) => failed(e),
            },
            Cmd::LoadLinked { key, resolution } => {
                match Desk::new(self.store, session, now).linked_of(&key) {
                    Ok(linked) => Loaded::Linked {
                        key,
                        resolution,
                        linked: Box::new(linked),
                    },
                    Err(e) => refused(e),
                }
            }
            Cmd::ResolveLinked { key, resolution } => {
                match Desk::new(self.store, session, now).resolve_linked(&key, &resolution) {
                    Ok(done) => Loaded::LinkedResolved {
                        resolved: done.with_incident.into_iter().map(|t| t.key).collect(),
                        left: done.left.into_iter().map(|t| t.key).collect(),
                    },
                    Err(e) => refused(e),
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
        if let Some(report) = self.report_done() {
            todo.extend(app.update(Msg::Loaded(report)));
        }
        todo.extend(app.update(msg));
        let mut deferred = Vec::new();
        // The index's news after the commands (a search may have started a rebuild), and
        // again after what the news asked for, until there is none.
        let mut rounds = 0;
        loop {
            while let Some(cmd) = todo.pop_front() {
                if matches!(cmd, Cmd::OpenEditor(_) | Cmd::Repaint) {
                    deferred.push(cmd);
                    continue;
                }
                let actor = app.me.login.clone();
                if let Some(loaded) = self.exec(&app.org, &app.cat, &actor, cmd) {
                    todo.extend(app.update(Msg::Loaded(loaded)));
                }
            }
            if rounds == 3 {
                break;
            }
            rounds += 1;
            match self.index_news(app) {
                Some(news) => todo.extend(app.update(Msg::Loaded(news))),
                None => break,
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
