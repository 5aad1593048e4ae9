//! `hotro mail …` and `hotro ticket attachment …` (issue 12): parsing and presentation only;
//! the intake is [`crate::desk::Desk::take_mail`].

use super::args::{AttachmentCommand, MailCommand};
use super::{Env, out};
use crate::inert::one_line;
use anyhow::Result;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One mail's line of the fetch report.
#[derive(Serialize)]
struct Fetched {
    file: String,
    #[serde(flatten)]
    outcome: crate::desk::mail::MailOutcome,
}

pub(super) fn mail_cmd(env: &Env<'_>, cmd: &MailCommand) -> Result<i32> {
    match cmd {
        MailCommand::Fetch {
            maildir,
            eml,
            imap,
            json,
        } => {
            let source = match (maildir, imap) {
                (Some(dir), _) => Source::Maildir(dir),
                (None, true) => Source::Imap,
                (None, false) => Source::Eml(eml),
            };
            fetch(env, source, *json, false)
        }
        MailCommand::Send { limit, json } => send(env, *limit, *json, false),
        MailCommand::Watch {
            maildir,
            imap: _,
            every,
        } => {
            // clap requires one of --maildir and --imap.
            let source = match maildir {
                Some(dir) => Source::Maildir(dir),
                None => Source::Imap,
            };
            watch(env, source, (*every).clamp(1, 3600))
        }
        MailCommand::Status { limit, json } => status(env, (*limit).min(100_000), *json),
        MailCommand::Resend { message_id } => {
            let done = env.with_desk(|d| d.resend_mail(message_id).map_err(|e| env.desk_err(e)))?;
            if !done {
                return Err(env.user(
                    env.cat
                        .f("mail.not_interrupted", &[("id", &one_line(message_id))]),
                ));
            }
            say!(
                "{}",
                env.cat.f("mail.requeued", &[("id", &one_line(message_id))])
            );
            Ok(0)
        }
        MailCommand::Log { limit, json } => {
            let limit = (*limit).min(100_000);
            let log = env.with_desk(|d| d.mail_log(limit).map_err(|e| env.desk_err(e)))?;
            if *json {
                out::json(&log)?;
                return Ok(0);
            }
            let tz = env.cfg.org.time_zone;
            // Columns padded by terminal cells, not characters (Vietnamese and Chinese words),
            // as wide as their widest entry.
            let outcome_cells = widest(log.iter().map(|r| outcome_word(env, &r.outcome)));
            for r in &log {
                say!(
                    "{}  {} {} {}  {}",
                    r.taken_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
                    crate::ui::text::fit(&outcome_word(env, &r.outcome), outcome_cells),
                    crate::ui::text::fit(r.ticket.as_deref().unwrap_or("—"), 16),
                    one_line(&r.from),
                    one_line(&r.subject)
                );
            }
            if log.is_empty() {
                say!("{}", env.cat.t("mail.log_empty"));
            }
            Ok(0)
        }
    }
}

/// `hotro mail watch`: passes of the intake (when mail waits in the Maildir) and of the
/// sender (when `[mail.smtp]` is set) every `every` seconds, until SIGTERM, SIGINT or
/// SIGHUP; a pass that fails is said and the next one tried, but a refusal (who may run
/// it) stops the watch.
fn watch(env: &Env<'_>, source: Source<'_>, every: u64) -> Result<i32> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(signal, stop.clone()).map_err(|e| env.user(e.to_string()))?;
    }
    // Who may run it is checked once before the first pass.
    {
        let mut store = env.open()?;
        crate::desk::Desk::new(&mut store, env.session()?, crate::clock::now())
            .may_fetch_mail()
            .map_err(|e| env.desk_err(e))?;
    }
    say!(
        "{}",
        env.cat.f(
            "mail.watching",
            &[("dir", &one_line(&source.describe(env))), ("every", &every)]
        )
    );
    while !stop.load(Ordering::Relaxed) {
        // A Maildir is looked at first (a pass opens the database only when mail waits); an
        // IMAP pass asks the server, and says nothing when nothing was taken.
        let due = match source {
            Source::Maildir(dir) => !crate::mail::maildir::waiting(dir)
                .map_err(|e| env.user(e.to_string()))?
                .is_empty(),
            _ => true,
        };
        if due && let Err(e) = fetch(env, source, false, true) {
            say_err!("{}", one_line(&format!("{e:#}")));
        }
        if env.cfg.org.mail.smtp.is_some()
            && let Err(e) = send(env, 100, false, true)
        {
            say_err!("{}", one_line(&format!("{e:#}")));
        }
        for _ in 0..every * 10 {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    say!("{}", env.cat.t("mail.watch_stopped"));
    Ok(0)
}

/// `hotro mail send`: one pass of the sender (`quiet`: nothing said when nothing was due).
fn send(env: &Env<'_>, limit: usize, json: bool, quiet: bool) -> Result<i32> {
    let Some(smtp) = env.cfg.org.mail.smtp.clone() else {
        return Err(env.user(env.cat.t("mail.no_smtp")));
    };
    let mut via = crate::mail::smtp::SmtpSender::new(&smtp)
        .map_err(|e| env.user(crate::describe::smtp_setup_error(env.cat, &e)))?;
    let report = env.with_desk(|d| {
        d.send_outbox(&mut via, limit.min(10_000))
            .map_err(|e| env.desk_err(e))
    })?;
    let idle = report.idle();
    if json {
        out::json(&report)?;
    } else if !(quiet && idle) {
        for id in &report.requeued {
            say!(
                "{}",
                env.cat.f("mail.requeued_stalled", &[("id", &one_line(id))])
            );
        }
        for id in &report.sent {
            say!("{}", env.cat.f("mail.sent", &[("id", &one_line(id))]));
        }
        for (id, e) in &report.retry {
            say!(
                "{}",
                env.cat.f(
                    "mail.retry",
                    &[("id", &one_line(id)), ("error", &one_line(e))]
                )
            );
        }
        for (id, e) in &report.failed {
            say!(
                "{}",
                env.cat.f(
                    "mail.failed",
                    &[("id", &one_line(id)), ("error", &one_line(e))]
                )
            );
        }
        for (id, e) in &report.uncertain {
            say!(
                "{}",
                env.cat.f(
                    "mail.left_uncertain",
                    &[("id", &one_line(id)), ("error", &one_line(e))]
                )
            );
        }
        say!(
            "{}",
            env.cat.f(
                "mail.send_summary",
                &[
                    ("sent", &report.sent.len()),
                    ("retry", &report.retry.len()),
                    ("failed", &report.failed.len())
                ]
            )
        );
    }
    Ok(
        if report.failed.is_empty() && report.retry.is_empty() && report.uncertain.is_empty() {
            0
        } else {
            1
        },
    )
}

/// `hotro mail status`: the outbox, newest first, with the count in each state.
fn status(env: &Env<'_>, limit: usize, json: bool) -> Result<i32> {
    let (list, counts) = env.with_desk(|d| d.outbox(limit).map_err(|e| env.desk_err(e)))?;
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            counts: std::collections::BTreeMap<&'static str, i64>,
            mails: &'a [crate::store::OutboxMail],
        }
        out::json(&Out {
            counts: counts.iter().map(|(d, n)| (d.as_str(), *n)).collect(),
            mails: &list,
        })?;
        return Ok(0);
    }
    let word =
        |d: crate::domain::outbox::Standing| env.cat.t(&format!("mail.delivery.{}", d.as_str()));
    let summary: Vec<String> = counts
        .iter()
        .map(|(d, n)| format!("{} {n}", word(*d)))
        .collect();
    if list.is_empty() {
        say!("{}", env.cat.t("mail.outbox_empty"));
    } else {
        say!("{}", summary.join(", "));
    }
    let tz = env.cfg.org.time_zone;
    let cells = widest(list.iter().map(|m| word(m.standing)));
    for m in &list {
        say!(
            "{}  {} {}  {}  {}{}",
            m.created_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
            crate::ui::text::fit(&word(m.standing), cells),
            crate::ui::text::fit(&m.mail.ticket, 16),
            one_line(&m.mail.to),
            one_line(&m.mail.subject),
            m.last_error
                .as_deref()
                .map(|e| format!("  ({})", one_line(e)))
                .unwrap_or_default()
        );
    }
    Ok(0)
}

/// The width in terminal cells of the widest of `words` (a column padded to it lines up in
/// Vietnamese and Chinese too).
fn widest(words: impl Iterator<Item = String>) -> usize {
    words.map(|w| crate::ui::text::width(&w)).max().unwrap_or(0)
}

fn outcome_word(env: &Env<'_>, outcome: &str) -> String {
    env.cat.t(&format!("mail.outcome.{outcome}"))
}

/// Where one pass of the intake takes mail from.
#[derive(Clone, Copy)]
enum Source<'a> {
    Maildir(&'a Path),
    Eml(&'a [PathBuf]),
    /// The `[mail.imap]` mailbox.
    Imap,
}

impl Source<'_> {
    /// The place, for the operator: the folder, or the mailbox's `imap://` address.
    fn describe(&self, env: &Env<'_>) -> String {
        match self {
            Source::Maildir(dir) => dir.display().to_string(),
            Source::Eml(files) => format!("{} .eml", files.len()),
            Source::Imap => env
                .cfg
                .org
                .mail
                .imap
                .as_ref()
                .map(|i| format!("imap://{}:{}/{}", i.host, i.port, i.folder))
                .unwrap_or_default(),
        }
    }
}

/// One message of a pass: a file (of a Maildir, or given), or a message of the mailbox.
enum Item {
    File(PathBuf, Option<crate::mail::maildir::Waiting>),
    Imap(crate::mail::imap::Waiting),
}

/// One pass of the intake over `source` (`quiet`: nothing said when nothing was taken).
fn fetch(env: &Env<'_>, source: Source<'_>, json: bool, quiet: bool) -> Result<i32> {
    let mut store = env.open()?;
    let session = env.session()?;
    // Refused before any file is read or the mailbox opened.
    crate::desk::Desk::new(&mut store, session, crate::clock::now())
        .may_fetch_mail()
        .map_err(|e| env.desk_err(e))?;
    let max = env.cfg.org.mail.max_bytes;
    let imap_err =
        |e: crate::mail::imap::ImapError| env.user(crate::describe::imap_error(env.cat, &e));
    let mut mailbox = match source {
        Source::Imap => {
            let Some(settings) = &env.cfg.org.mail.imap else {
                return Err(env.user(env.cat.t("mail.no_imap")));
            };
            Some(crate::mail::imap::Mailbox::open(settings).map_err(imap_err)?)
        }
        _ => None,
    };
    let items: Vec<Item> = match (source, mailbox.as_mut()) {
        (Source::Maildir(dir), _) => crate::mail::maildir::waiting(dir)
            .map_err(|e| env.user(format!("{e}")))?
            .into_iter()
            .map(|w| Item::File(w.path.clone(), Some(w)))
            .collect(),
        (Source::Eml(files), _) => files.iter().map(|p| Item::File(p.clone(), None)).collect(),
        (Source::Imap, Some(mb)) => mb
            .waiting()
            .map_err(imap_err)?
            .into_iter()
            .map(Item::Imap)
            .collect(),
        (Source::Imap, None) => Vec::new(),
    };
    let mut report = Vec::new();
    let mut failed = 0usize;
    for item in items {
        let (label, read) = match (&item, mailbox.as_mut()) {
            (Item::File(path, in_dir), _) => {
                let read = match crate::mail::read_file(path, max) {
                    Ok(m) => Some(m),
                    // Gone meanwhile (another intake took it): not an error.
                    Err(crate::mail::ReadError::Io { source, .. })
                        if in_dir.is_some() && source.kind() == std::io::ErrorKind::NotFound =>
                    {
                        None
                    }
                    // One unreadable file does not stop the others: it is said, left where
                    // it is (taken next time), and the exit status is 1.
                    Err(e) => {
                        say_err!("{}", one_line(&e.to_string()));
                        failed += 1;
                        None
                    }
                };
                (path.display().to_string(), read)
            }
            // The connection failing stops the pass: what was taken is marked, the rest
            // is taken next time.
            (Item::Imap(w), Some(mb)) => (mb.label(*w), mb.read(*w, max).map_err(imap_err)?),
            (Item::Imap(_), None) => continue,
        };
        let Some(mail) = read else {
            continue;
        };
        let outcome = match crate::desk::Desk::new(&mut store, session, crate::clock::now())
            .take_mail(&mail)
        {
            Ok(o) => o,
            // The store failing (disk full, damage) or a refusal stops the pass.
            Err(e @ (crate::desk::DeskError::Store(_) | crate::desk::DeskError::Refused(_))) => {
                return Err(env.desk_err(e));
            }
            // A rule refusing this one mail: said, left in the folder, the others go on.
            Err(e) => {
                let why = crate::describe::desk_error(env.cat, Some(&env.cfg.org), &e);
                say_err!("{}: {}", one_line(&label), why);
                failed += 1;
                continue;
            }
        };
        // Marked only once it is recorded: a crash before this takes it again, which the
        // mail's key makes change nothing.
        match (&item, source, mailbox.as_mut()) {
            (Item::File(_, Some(w)), Source::Maildir(dir), _) => {
                crate::mail::maildir::mark_seen(dir, w).map_err(|e| env.user(e.to_string()))?;
            }
            (Item::Imap(w), _, Some(mb)) => mb.mark_taken(*w).map_err(imap_err)?,
            _ => {}
        }
        let file = label;
        if !json {
            let line = match (&outcome.ticket, outcome.known) {
                (_, true) => env.cat.f("mail.fetched_known", &[("file", &file)]),
                (Some(t), false) => env.cat.f(
                    "mail.fetched_ticket",
                    &[
                        ("file", &file),
                        ("outcome", &outcome_word(env, &outcome.outcome)),
                        ("key", t),
                        ("attachments", &outcome.attachments),
                    ],
                ),
                (None, false) => env.cat.f(
                    "mail.fetched_held",
                    &[
                        ("file", &file),
                        ("outcome", &outcome_word(env, &outcome.outcome)),
                    ],
                ),
            };
            say!("{line}");
        }
        report.push(Fetched { file, outcome });
    }
    if let Some(mb) = mailbox {
        mb.close();
    }
    if json {
        out::json(&report)?;
    } else if !(quiet && report.is_empty() && failed == 0) {
        let count = |f: &dyn Fn(&Fetched) -> bool| report.iter().filter(|r| f(r)).count();
        say!(
            "{}",
            env.cat.f(
                "mail.fetch_summary",
                &[
                    ("taken", &report.len()),
                    (
                        "created",
                        &count(&|r| !r.outcome.known && r.outcome.outcome == "created")
                    ),
                    (
                        "replied",
                        &count(&|r| !r.outcome.known && r.outcome.outcome == "replied")
                    ),
                    (
                        "held",
                        &count(&|r| {
                            !r.outcome.known
                                && r.outcome.outcome != "created"
                                && r.outcome.outcome != "replied"
                        })
                    ),
                    ("known", &count(&|r| r.outcome.known)),
                ]
            )
        );
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

/// A media type from a file name's extension, for a file attached by hand.
fn media_type_of(path: &Path) -> String {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
    .to_string()
}

pub(super) fn attachment_cmd(env: &Env<'_>, cmd: &AttachmentCommand) -> Result<i32> {
    let cat = env.cat;
    match cmd {
        AttachmentCommand::List { key, json } => {
            let list = env.with_desk(|d| d.attachments(key).map_err(|e| env.desk_err(e)))?;
            if *json {
                out::json(&list)?;
                return Ok(0);
            }
            if list.is_empty() {
                say!("{}", cat.f("attachment.none", &[("key", &one_line(key))]));
            }
            for a in &list {
                say!("{}", attachment_line(env, a));
            }
            Ok(0)
        }
        AttachmentCommand::Save {
            key,
            n,
            file,
            force,
        } => {
            let (a, data) =
                env.with_desk(|d| d.attachment_content(key, *n).map_err(|e| env.desk_err(e)))?;
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true);
            if *force {
                opts.create(true).truncate(true);
            } else {
                opts.create_new(true);
            }
            let shown = file.display().to_string();
            let mut f = match opts.open(file) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(env.user(cat.f("attachment.exists", &[("file", &shown)])));
                }
                Err(e) => return Err(env.user(format!("{shown}: {e}"))),
            };
            use std::io::Write;
            f.write_all(&data)
                .and_then(|_| f.sync_all())
                .map_err(|e| env.user(format!("{shown}: {e}")))?;
            say!(
                "{}",
                cat.f(
                    "attachment.saved",
                    &[
                        ("n", &a.n),
                        ("name", &one_line(&a.name)),
                        ("file", &shown),
                        ("size", &a.size)
                    ]
                )
            );
            Ok(0)
        }
        AttachmentCommand::Add {
            key,
            file,
            media_type,
            guard,
        } => {
            let max = env.cfg.org.mail.max_bytes;
            let data = super::read_input(env, file, max)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .and_then(|n| crate::domain::mail::safe_file_name(&n))
                .unwrap_or_else(|| "attachment".into());
            let media = crate::domain::mail::media_type(
                &media_type.clone().unwrap_or_else(|| media_type_of(file)),
            );
            let files = [crate::store::NewAttachment {
                name,
                media_type: media,
                data,
            }];
            let (t, events) = env.with_desk(|d| {
                d.change_with_files(key, guard.expect_version, None, &files)
                    .map_err(|e| env.desk_err(e))
            })?;
            let Some(e) = events.last() else {
                return Ok(0);
            };
            if guard.json {
                #[derive(Serialize)]
                struct Changed<'a> {
                    ticket: &'a crate::domain::ticket::Ticket,
                    event: &'a crate::domain::ticket::Event,
                }
                out::json(&Changed {
                    ticket: &t,
                    event: e,
                })?;
            } else {
                say!(
                    "{}",
                    cat.f(
                        "ticket.changed",
                        &[
                            ("key", &t.key),
                            ("what", &crate::describe::event(cat, &env.cfg.org, e)),
                            ("version", &t.version)
                        ],
                    )
                );
            }
            Ok(0)
        }
    }
}

/// Files named on the command line, read within the size limit of mail, named safely.
pub(super) fn files_from_paths(
    env: &Env<'_>,
    paths: &[PathBuf],
) -> Result<Vec<crate::store::NewAttachment>> {
    let max = env.cfg.org.mail.max_bytes;
    let mut out = Vec::new();
    for file in paths {
        let data = super::read_input(env, file, max)?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .and_then(|n| crate::domain::mail::safe_file_name(&n))
            .unwrap_or_else(|| "attachment".into());
        out.push(crate::store::NewAttachment {
            name,
            media_type: crate::domain::mail::media_type(&media_type_of(file)),
            data,
        });
    }
    Ok(out)
}

/// One attachment in a line: number, name, type, size, where from.
pub(super) fn attachment_line(env: &Env<'_>, a: &crate::store::Attachment) -> String {
    let from = match &a.mail {
        Some(_) => env.cat.t("attachment.from_mail"),
        None => one_line(&a.added_by),
    };
    format!(
        "{:>3}. {}  ({}, {} B, {})",
        a.n,
        one_line(&a.name),
        one_line(&a.media_type),
        a.size,
        from
    )
}
