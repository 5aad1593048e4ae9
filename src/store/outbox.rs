//! The outbox (issue 12, schema 13): the mails of public replies, queued in the reply's
//! transaction and delivered by `hotro mail send`. A mail is claimed (`sending`) in one
//! transaction before it is handed to the server, and its outcome recorded in another: a
//! sender that dies in between leaves it `sending`, never sent again by itself.

use super::tickets::{from_millis, millis, opt_time};
use super::{Store, StoreError};
use crate::domain::outbox::{Delivery, OutgoingMail};
use chrono::{DateTime, Utc};
use rusqlite::{Row, Transaction, params};
use serde::Serialize;

/// The outbox as `hotro mail status` shows it: mails newest first, and the count in each
/// state.
pub type OutboxView = (Vec<OutboxMail>, Vec<(Delivery, i64)>);

/// One mail of the outbox, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMail {
    pub id: i64,
    #[serde(flatten)]
    pub mail: OutgoingMail,
    pub state: Delivery,
    pub attempts: i64,
    /// When it is (next) tried, while pending.
    pub next_at: DateTime<Utc>,
    /// The server's last refusal or why it could not be reached.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The Message-IDs it answers (the ticket's mails, oldest first), for `References`;
    /// the last is its `In-Reply-To`. Filled in by [`Store::claim_outbox`] only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

const COLUMNS: &str = "id, ticket, version, from_addr, to_addr, subject, body, message_id, \
     state, attempts, next_at, last_error, created_at, sent_at";

fn from_row(r: &Row<'_>) -> Result<OutboxMail, StoreError> {
    let state: String = r.get(8)?;
    Ok(OutboxMail {
        id: r.get(0)?,
        mail: OutgoingMail {
            ticket: r.get(1)?,
            version: r.get(2)?,
            from: r.get(3)?,
            to: r.get(4)?,
            subject: r.get(5)?,
            body: r.get(6)?,
            message_id: r.get(7)?,
        },
        state: Delivery::parse(&state)
            .ok_or_else(|| StoreError::bad_value(format!("outbox state {state:?}")))?,
        attempts: r.get(9)?,
        next_at: from_millis(r.get(10)?)?,
        last_error: r.get(11)?,
        created_at: from_millis(r.get(12)?)?,
        sent_at: opt_time(r.get(13)?)?,
        references: Vec::new(),
    })
}

/// Queue `m` inside the reply's transaction, due now, and record its Message-ID as one that
/// threads to the ticket (so the requester's answer finds it).
pub(crate) fn queue(
    tx: &Transaction<'_>,
    m: &OutgoingMail,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO outbox (ticket, version, from_addr, to_addr, subject, body, message_id,
                             state, attempts, next_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, ?8, ?8)",
    )?
    .execute(params![
        m.ticket,
        m.version,
        m.from,
        m.to,
        m.subject,
        m.body,
        m.message_id,
        millis(at)
    ])?;
    tx.prepare_cached(
        "INSERT OR IGNORE INTO mail_thread_ids (message_id, ticket, outbound, at)
         VALUES (?1, ?2, 1, ?3)",
    )?
    .execute(params![m.message_id, m.ticket, millis(at)])?;
    Ok(())
}

impl Store {
    /// Claim up to `limit` mails due at `now`, oldest first: each becomes `sending` and
    /// counts one more attempt, in one transaction (two senders never claim the same mail),
    /// with the Message-IDs it answers.
    pub fn claim_outbox(
        &mut self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        self.write(|tx| {
            let sql = format!(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1
                 WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_at <= ?1
                              ORDER BY next_at, id LIMIT ?2)
                 RETURNING {COLUMNS}"
            );
            let mut stmt = tx.prepare(&sql)?;
            let mut rows = stmt.query(params![millis(now), limit as i64])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(from_row(r)?);
            }
            out.sort_by_key(|m| (m.next_at, m.id));
            let mut refs = tx.prepare_cached(
                "SELECT message_id FROM mail_thread_ids
                 WHERE ticket = ?1 AND outbound = 0 AND at <= ?2 ORDER BY at, message_id",
            )?;
            for m in &mut out {
                m.references = refs
                    .query_map(params![m.mail.ticket, millis(m.created_at)], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
            }
            Ok(out)
        })
    }

    /// Record the server's answer to a claimed mail: `Sent` (at `now`), `Pending` again
    /// (tried at `next_at`, with the error), or `Failed` (with the error). Only a mail still
    /// `sending` changes.
    pub fn settle_outbox(
        &mut self,
        id: i64,
        state: Delivery,
        next_at: Option<DateTime<Utc>>,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached(
                "UPDATE outbox SET state = ?2, next_at = coalesce(?3, next_at), last_error = ?4,
                                   sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END
                 WHERE id = ?1 AND state = 'sending'",
            )?
            .execute(params![
                id,
                state.as_str(),
                next_at.map(millis),
                error,
                millis(now)
            ])?;
            Ok(())
        })
    }

    /// Put a mail left `sending` (its sender died while handing it over) back in the queue,
    /// due at `now`: what an operator does once they know it did not arrive. Returns
    /// whether one was (a mail in another state is left alone).
    pub fn requeue_outbox(
        &mut self,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE outbox SET state = 'pending', next_at = ?2,
                                       last_error = 'sent again by hand after an interruption'
                     WHERE message_id = ?1 AND state = 'sending'",
                )?
                .execute(params![message_id, millis(now)])?;
            Ok(n == 1)
        })
    }

    /// The outbox, newest first, at most `limit` (`hotro mail status`), and the count in
    /// each state.
    pub fn outbox(&mut self, limit: usize) -> Result<OutboxView, StoreError> {
        self.read(|tx| {
            let sql = format!("SELECT {COLUMNS} FROM outbox ORDER BY id DESC LIMIT ?1");
            let mut stmt = tx.prepare_cached(&sql)?;
            let mut rows = stmt.query(params![limit as i64])?;
            let mut list = Vec::new();
            while let Some(r) = rows.next()? {
                list.push(from_row(r)?);
            }
            let mut counts = Vec::new();
            let mut stmt =
                tx.prepare_cached("SELECT state, count(*) FROM outbox GROUP BY state")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let state: String = r.get(0)?;
                if let Some(d) = Delivery::parse(&state) {
                    counts.push((d, r.get(1)?));
                }
            }
            Ok((list, counts))
        })
    }

    /// The mails of one ticket's replies, oldest first (shown with the ticket).
    pub fn outbox_of(&mut self, ticket: &str) -> Result<Vec<OutboxMail>, StoreError> {
        self.read(|tx| {
            let sql = format!("SELECT {COLUMNS} FROM outbox WHERE ticket = ?1 ORDER BY id");
            let mut stmt = tx.prepare_cached(&sql)?;
            let mut rows = stmt.query(params![ticket])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(from_row(r)?);
            }
            Ok(out)
        })
    }
}
