//! The e-mail channel's records (issue 12): every mail taken and what became of it, the
//! Message-IDs that thread to a ticket, and attachments stored once by content. On both
//! engines ([`super::engine::Tx`]).

use super::engine::{Row, Sql, Tx, advisory_lock, params};
use super::tickets::{CHAIN_LOCK, change_in, create_in, from_millis, millis};
use super::{Store, StoreError};
use crate::domain::mail::AttachedFile;
use crate::domain::ticket::{Change, Ctx, Event, NewTicket, Ticket};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What is recorded of one mail taken, whatever became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailRecord {
    /// `mid:<Message-ID>` or `sha256:<hex>` ([`crate::domain::mail::message_key`]).
    pub key: String,
    /// The Message-ID without angle brackets (`None`: the mail had none).
    pub message_id: Option<String>,
    /// The sender's address, lower case (empty when the mail had none).
    pub from: String,
    /// The sender's display name, if given.
    pub from_name: Option<String>,
    /// The subject, decoded, NFC (stored as received: cleaned only when shown).
    pub subject: String,
    /// Size of the raw mail, bytes.
    pub size: u64,
    /// When the mail arrived (its newest `Received:` or `Date:`; the file's time failing
    /// those).
    pub received_at: DateTime<Utc>,
    /// When the intake took it, and as whom.
    pub taken_at: DateTime<Utc>,
    pub taken_by: String,
    /// `created`, `replied`, or why no ticket was touched: `auto_reply`, `bounce`, `list`,
    /// `loop`, `no_sender`, `rate_limited`, `too_large`.
    pub outcome: String,
    /// The ticket it opened or answered.
    pub ticket: Option<String>,
}

/// One attachment's content, to be stored with a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    /// A safe name ([`crate::domain::mail::safe_file_name`]).
    pub name: String,
    /// Its media type ([`crate::domain::mail::media_type`]).
    pub media_type: String,
    pub data: Vec<u8>,
}

/// A file kept with a ticket, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// The ticket's key.
    pub ticket: String,
    /// Its number on the ticket, from 1.
    pub n: i64,
    /// Its safe file name.
    pub name: String,
    /// Its media type, lower case.
    pub media_type: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the content, hex: the key of its stored bytes.
    pub sha256: String,
    /// The intake key of the mail it came with (`None`: attached by an operator).
    pub mail: Option<String>,
    /// Who added it (the intake's service operator for mail).
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

/// What to do with a mail's content, decided by the application layer.
#[derive(Debug, Clone)]
pub enum MailAction {
    /// Nothing: it is noise, or held back; only its record is kept.
    Record,
    /// Open a ticket.
    Create(Box<NewTicket>),
    /// Add the requester's reply to a ticket.
    Reply {
        ticket: String,
        text: String,
        via: String,
        /// The sender's address.
        from: Option<String>,
    },
}

/// What taking a mail did.
#[derive(Debug, Clone)]
pub enum MailTaken {
    /// The mail had been taken before: nothing changed.
    Known(MailRecord),
    /// Recorded now, with the ticket it opened or answered and the events written.
    Recorded {
        record: MailRecord,
        ticket: Option<Box<Ticket>>,
        events: Vec<Event>,
        attachments: Vec<AttachedFile>,
    },
}

const MAIL_COLUMNS: &str = "message_key, message_id, from_addr, from_name, subject, size, \
    received_at, taken_at, taken_by, outcome, ticket";

fn mail_from_row(r: &Row) -> Result<MailRecord, StoreError> {
    Ok(MailRecord {
        key: r.get(0)?,
        message_id: r.get(1)?,
        from: r.get(2)?,
        from_name: r.get(3)?,
        subject: r.get(4)?,
        size: r.get::<i64>(5)?.max(0) as u64,
        received_at: from_millis(r.get(6)?)?,
        taken_at: from_millis(r.get(7)?)?,
        taken_by: r.get(8)?,
        outcome: r.get(9)?,
        ticket: r.get(10)?,
    })
}

fn known_in(tx: &mut dyn Tx, key: &str) -> Result<Option<MailRecord>, StoreError> {
    let sql = format!("SELECT {MAIL_COLUMNS} FROM mail_messages WHERE message_key = $1");
    tx.query_row(&Sql::both(&sql), params![key])?
        .map(|r| mail_from_row(&r))
        .transpose()
}

/// A `count(*)` (or other single number) query's value.
fn count_of(
    tx: &mut dyn Tx,
    sql: &Sql<'_>,
    args: &[super::engine::Value],
) -> Result<i64, StoreError> {
    tx.query_row(sql, args)?
        .ok_or_else(|| StoreError::bad_value("a count returned no row"))?
        .get(0)
}

/// Store `files` with ticket `key` (contents once by SHA-256), numbered after the ticket's
/// last attachment. Returns what the audit trail records of them.
fn attach_in(
    tx: &mut dyn Tx,
    key: &str,
    files: &[NewAttachment],
    mail_id: Option<i64>,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Vec<AttachedFile>, StoreError> {
    let mut next = count_of(
        tx,
        &Sql::both("SELECT COALESCE(MAX(n), 0) FROM attachments WHERE ticket = $1"),
        params![key],
    )?;
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        next += 1;
        let sha = crate::domain::mail::sha256_hex(&f.data);
        tx.execute(
            &Sql::both(
                "INSERT INTO blobs (sha256, size, data) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
            ),
            params![sha.as_str(), f.data.len() as i64, f.data.as_slice()],
        )?;
        tx.execute(
            &Sql::both(
                "INSERT INTO attachments (ticket, n, sha256, size, media_type, file_name, mail_id,
                 added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            ),
            params![
                key,
                next,
                sha.as_str(),
                f.data.len() as i64,
                f.media_type.as_str(),
                f.name.as_str(),
                mail_id,
                actor,
                millis(at)
            ],
        )?;
        out.push(AttachedFile {
            n: next,
            name: f.name.clone(),
            media_type: f.media_type.clone(),
            size: f.data.len() as u64,
            sha256: sha,
        });
    }
    Ok(out)
}

impl Store {
    /// The record of a mail already taken, by its key.
    pub fn mail_known(&mut self, key: &str) -> Result<Option<MailRecord>, StoreError> {
        self.read_tx(|tx| known_in(tx, key))
    }

    /// How many mails from `address` opened or answered a ticket since `since` (the
    /// per-sender rate limit counts these).
    pub fn mails_from_since(
        &mut self,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.read_tx(|tx| {
            let n = count_of(
                tx,
                &Sql::both(
                    "SELECT COUNT(*) FROM mail_messages WHERE from_addr = $1 AND taken_at >= $2
                     AND outcome IN ('created', 'replied')",
                ),
                params![address, millis(since)],
            )?;
            Ok(n.max(0) as u64)
        })
    }

    /// The tickets the given Message-IDs thread to (a mail of the ticket, or one the desk
    /// sent), in the order of `ids`, without repeats.
    pub fn tickets_of_message_ids(&mut self, ids: &[String]) -> Result<Vec<String>, StoreError> {
        self.read_tx(|tx| {
            let mut out: Vec<String> = Vec::new();
            for id in ids {
                if let Some(r) = tx.query_row(
                    &Sql::both("SELECT ticket FROM mail_thread_ids WHERE message_id = $1"),
                    params![id.as_str()],
                )? {
                    let t: String = r.get(0)?;
                    if !out.contains(&t) {
                        out.push(t);
                    }
                }
            }
            Ok(out)
        })
    }

    /// Record a Message-ID the desk sent about a ticket, so an answer to it threads back
    /// (the outbox of the next increment writes these in its own transaction).
    pub fn record_outbound_message_id(
        &mut self,
        ticket: &str,
        message_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write_tx(|tx| {
            tx.execute(
                &Sql::both(
                    "INSERT INTO mail_thread_ids (message_id, ticket, outbound, at)
                     VALUES ($1, $2, 1, $3) ON CONFLICT DO NOTHING",
                ),
                params![message_id, ticket, millis(at)],
            )?;
            Ok(())
        })
    }

    /// Take one mail, all or nothing in one `BEGIN IMMEDIATE` transaction: its record, the
    /// ticket it opens or the reply it adds, its attachments, and its Message-ID as one that
    /// threads to the ticket. A mail whose key is already recorded changes nothing
    /// ([`MailTaken::Known`]): so a crash between taking a mail and marking it taken in the
    /// mailbox neither loses nor duplicates it.
    pub fn take_mail(
        &mut self,
        record: &MailRecord,
        action: &MailAction,
        files: &[NewAttachment],
        ctx: Ctx<'_>,
    ) -> Result<MailTaken, StoreError> {
        self.write_tx(|tx| {
            advisory_lock(tx, CHAIN_LOCK)?;
            if let Some(known) = known_in(tx, &record.key)? {
                return Ok(MailTaken::Known(known));
            }
            let mut events = Vec::new();
            let (mut ticket, outcome) = match action {
                MailAction::Record => (None, record.outcome.clone()),
                MailAction::Create(new) => {
                    let (t, e) = create_in(tx, new, ctx)?;
                    events.push(e);
                    (Some(Box::new(t)), "created".to_string())
                }
                MailAction::Reply {
                    ticket,
                    text,
                    via,
                    from,
                } => {
                    let (t, e) = change_in(
                        tx,
                        ticket,
                        None,
                        Change::RequesterReply {
                            text: text.clone(),
                            via: via.clone(),
                            from: from.clone(),
                        },
                        ctx,
                    )?;
                    events.push(e);
                    (Some(Box::new(t)), "replied".to_string())
                }
            };
            let key = ticket.as_ref().map(|t| t.key.clone());
            let mail_id = count_of(
                tx,
                &Sql::both(
                    "INSERT INTO mail_messages (message_key, message_id, from_addr, from_name,
                     subject, size, received_at, taken_at, taken_by, outcome, ticket)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                ),
                params![
                    record.key.as_str(),
                    record.message_id.as_deref(),
                    record.from.as_str(),
                    record.from_name.as_deref(),
                    record.subject.as_str(),
                    record.size as i64,
                    millis(record.received_at),
                    millis(ctx.now),
                    ctx.actor,
                    outcome.as_str(),
                    key.as_deref()
                ],
            )?;
            let mut attached = Vec::new();
            if let Some(k) = &key {
                if let Some(mid) = &record.message_id {
                    tx.execute(
                        &Sql::both(
                            "INSERT INTO mail_thread_ids (message_id, ticket, outbound, at)
                             VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING",
                        ),
                        params![mid.as_str(), k.as_str(), millis(ctx.now)],
                    )?;
                }
                if !files.is_empty() {
                    attached = attach_in(tx, k, files, Some(mail_id), ctx.actor, ctx.now)?;
                    let (t, e) = change_in(
                        tx,
                        k,
                        None,
                        Change::Attach {
                            files: attached.clone(),
                            mail: Some(record.key.clone()),
                        },
                        ctx,
                    )?;
                    events.push(e);
                    ticket = Some(Box::new(t));
                }
            }
            let stored = known_in(tx, &record.key)?
                .ok_or_else(|| StoreError::bad_value("the mail record just written is missing"))?;
            Ok(MailTaken::Recorded {
                record: stored,
                ticket,
                events,
                attachments: attached,
            })
        })
    }

    /// Files attached by hand (an operator), alone or with a change such as a reply: the
    /// change (if any), then the files stored, numbered and recorded as an `attached` event,
    /// all in one transaction. `expect_version` as for any change. Returns the ticket and
    /// the events written.
    pub fn change_with_files(
        &mut self,
        key: &str,
        expect_version: Option<i64>,
        change: Option<Change>,
        files: &[NewAttachment],
        ctx: Ctx<'_>,
    ) -> Result<(Ticket, Vec<Event>), StoreError> {
        self.write_tx(|tx| {
            advisory_lock(tx, CHAIN_LOCK)?;
            let (_, t) = super::tickets::load_by_key(tx, key)?;
            let mut events = Vec::new();
            let mut ticket = t;
            let mut expect = expect_version;
            if let Some(c) = change.clone() {
                let (t, e) = change_in(tx, &ticket.key, expect, c, ctx)?;
                ticket = t;
                events.push(e);
                expect = None;
            }
            if !files.is_empty() {
                if let Some(v) = expect
                    && v != ticket.version
                {
                    // Nothing stored yet: change_in reports the conflict with what changed.
                    return Err(change_in(
                        tx,
                        key,
                        Some(v),
                        Change::Attach {
                            files: Vec::new(),
                            mail: None,
                        },
                        ctx,
                    )
                    .err()
                    .unwrap_or_else(|| StoreError::bad_value("conflict")));
                }
                let attached = attach_in(tx, &ticket.key, files, None, ctx.actor, ctx.now)?;
                let (t, e) = change_in(
                    tx,
                    &ticket.key,
                    None,
                    Change::Attach {
                        files: attached,
                        mail: None,
                    },
                    ctx,
                )?;
                ticket = t;
                events.push(e);
            }
            Ok((ticket, events))
        })
    }

    /// The files kept with a ticket, by number.
    pub fn attachments_of(&mut self, key: &str) -> Result<Vec<Attachment>, StoreError> {
        self.read_tx(|tx| {
            tx.query_map(
                &Sql::both(
                    "SELECT a.ticket, a.n, a.file_name, a.media_type, a.size, a.sha256,
                     m.message_key, a.added_by, a.added_at FROM attachments a
                     LEFT JOIN mail_messages m ON m.id = a.mail_id WHERE a.ticket = $1
                     ORDER BY a.n",
                ),
                params![key],
                |r| {
                    Ok(Attachment {
                        ticket: r.get(0)?,
                        n: r.get(1)?,
                        name: r.get(2)?,
                        media_type: r.get(3)?,
                        size: r.get::<i64>(4)?.max(0) as u64,
                        sha256: r.get(5)?,
                        mail: r.get(6)?,
                        added_by: r.get(7)?,
                        added_at: from_millis(r.get(8)?)?,
                    })
                },
            )
        })
    }

    /// Attachment `n` of a ticket with its content. Errors: no such ticket; no such
    /// attachment ([`StoreError::AttachmentNotFound`]).
    pub fn attachment_content(
        &mut self,
        key: &str,
        n: i64,
    ) -> Result<(Attachment, Vec<u8>), StoreError> {
        let list = self.attachments_of(key)?;
        let Some(a) = list.into_iter().find(|a| a.n == n) else {
            // Which one is missing: the ticket, or the number.
            self.ticket(key)?;
            return Err(StoreError::AttachmentNotFound {
                key: key.to_string(),
                n,
            });
        };
        let data = self.read_tx(|tx| {
            tx.query_row(
                &Sql::both("SELECT data FROM blobs WHERE sha256 = $1"),
                params![a.sha256.as_str()],
            )?
            .ok_or_else(|| StoreError::bad_value(format!("the content {} is missing", a.sha256)))?
            .get::<Vec<u8>>(0)
        })?;
        Ok((a, data))
    }

    /// The mail a ticket was opened from, if it was.
    pub fn mail_source(&mut self, key: &str) -> Result<Option<MailRecord>, StoreError> {
        let sql = format!(
            "SELECT {MAIL_COLUMNS} FROM mail_messages WHERE ticket = $1 AND outcome = 'created'
             ORDER BY id LIMIT 1"
        );
        self.read_tx(|tx| {
            tx.query_row(&Sql::both(&sql), params![key])?
                .map(|r| mail_from_row(&r))
                .transpose()
        })
    }

    /// The newest `limit` mails taken, newest first (the intake log: `hotro mail log`).
    pub fn mail_log(&mut self, limit: usize) -> Result<Vec<MailRecord>, StoreError> {
        let sql = format!("SELECT {MAIL_COLUMNS} FROM mail_messages ORDER BY id DESC LIMIT $1");
        self.read_tx(|tx| tx.query_map(&Sql::both(&sql), params![limit as i64], mail_from_row))
    }

    /// Counts for tests and the benchmark: mails recorded, attachments, distinct blobs.
    pub fn mail_counts(&mut self) -> Result<(u64, u64, u64), StoreError> {
        self.read_tx(|tx| {
            let mut count = |sql: &'static str| -> Result<u64, StoreError> {
                Ok(count_of(tx, &Sql::both(sql), params![])?.max(0) as u64)
            };
            Ok((
                count("SELECT COUNT(*) FROM mail_messages")?,
                count("SELECT COUNT(*) FROM attachments")?,
                count("SELECT COUNT(*) FROM blobs")?,
            ))
        })
    }
}
