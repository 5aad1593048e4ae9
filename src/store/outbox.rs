//! The outbox (issue 12, schemas 13 and 14): the mails of public replies, queued in the
//! reply's transaction and delivered by `hotro mail send`. A mail is claimed (`sending`,
//! with its holder and a lease) in one transaction before the sender connects; once the
//! server took the envelope the sender commits the DATA mark (`data_at`) in another, and the
//! outcome in a third. Every write after the claim is made only by the claim's holder, so a
//! claim taken back (its lease ran out) cannot be settled by a sender that woke up late. A
//! claim whose lease ran out before the DATA mark is queued again by the next pass
//! ([`Store::requeue_stalled`]); one with the mark stays `sending` until a person decides.
//!
//! On both engines ([`super::engine::Tx`]), except [`queue`]: a mail is queued inside the
//! reply's transaction, which the tickets module (SQLite only for now) runs. Every write is
//! one statement whose `WHERE` says which rows it may change (the claim's holder, the
//! state), so it needs no lock of its own on PostgreSQL: a row changed meanwhile by another
//! transaction is checked again against that `WHERE` before it is written. The claim's
//! choice of mails is the exception: on PostgreSQL its subquery takes the rows `FOR UPDATE
//! SKIP LOCKED`, so two senders claiming at once never get the same mail (and neither waits
//! for the other).

use super::engine::{Row, Sql, Tx, params};
use super::tickets::{from_millis, millis, opt_time};
use super::{Store, StoreError};
use crate::domain::outbox::{Delivery, OutgoingMail, Standing, standing};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The outbox as `hotro mail status` shows it: mails newest first, and the count in each
/// standing.
pub type OutboxView = (Vec<OutboxMail>, Vec<(Standing, i64)>);

/// One mail of the outbox, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMail {
    pub id: i64,
    #[serde(flatten)]
    pub mail: OutgoingMail,
    /// As stored.
    pub state: Delivery,
    /// As people see it at the time it was read: a `sending` mail told apart by its lease
    /// and DATA mark.
    pub standing: Standing,
    pub attempts: i64,
    /// When it is (next) tried, while pending.
    pub next_at: DateTime<Utc>,
    /// The server's last refusal or why it could not be reached.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// Who holds (or last held) its claim: `host/pid/process start` of the sender.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_by: Option<String>,
    /// When its claim runs out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<DateTime<Utc>>,
    /// When its sender, the envelope accepted, was about to send DATA (the message may have
    /// reached the server from then on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_at: Option<DateTime<Utc>>,
    /// The Message-IDs it answers (the ticket's mails, oldest first), for `References`;
    /// the last is its `In-Reply-To`. Filled in by [`Store::claim_outbox`] only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

const COLUMNS: &str = "id, ticket, version, from_addr, to_addr, subject, body, message_id, \
     state, attempts, next_at, last_error, created_at, sent_at, claimed_by, lease_until, data_at";

/// A row of [`COLUMNS`], its standing as at `now`.
fn from_row(r: &Row, now: DateTime<Utc>) -> Result<OutboxMail, StoreError> {
    let state: String = r.get(8)?;
    let state = Delivery::parse(&state)
        .ok_or_else(|| StoreError::bad_value(format!("outbox state {state:?}")))?;
    let lease_until = opt_time(r.get(15)?)?;
    let data_at = opt_time(r.get(16)?)?;
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
        state,
        standing: standing(state, lease_until, data_at, now),
        attempts: r.get(9)?,
        next_at: from_millis(r.get(10)?)?,
        last_error: r.get(11)?,
        created_at: from_millis(r.get(12)?)?,
        sent_at: opt_time(r.get(13)?)?,
        claimed_by: r.get(14)?,
        lease_until,
        data_at,
        references: Vec::new(),
    })
}

/// Queue `m` inside the reply's transaction, due now, and record its Message-ID as one that
/// threads to the ticket (so the requester's answer finds it).
pub(crate) fn queue(
    tx: &mut dyn Tx,
    m: &OutgoingMail,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        &Sql::both(
            "INSERT INTO outbox (ticket, version, from_addr, to_addr, subject, body, message_id,
                                 state, attempts, next_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8)",
        ),
        params![
            m.ticket.as_str(),
            m.version,
            m.from.as_str(),
            m.to.as_str(),
            m.subject.as_str(),
            m.body.as_str(),
            m.message_id.as_str(),
            millis(at)
        ],
    )?;
    tx.execute(
        &Sql::both(
            "INSERT INTO mail_thread_ids (message_id, ticket, outbound, at)
             VALUES ($1, $2, 1, $3) ON CONFLICT DO NOTHING",
        ),
        params![m.message_id.as_str(), m.ticket.as_str(), millis(at)],
    )?;
    Ok(())
}

fn claim(
    tx: &mut dyn Tx,
    now: DateTime<Utc>,
    limit: usize,
    holder: &str,
    lease_until: DateTime<Utc>,
) -> Result<Vec<OutboxMail>, StoreError> {
    let set = "UPDATE outbox SET state = 'sending', attempts = attempts + 1,
                                 claimed_by = $1, lease_until = $2, data_at = NULL";
    let sqlite = format!(
        "{set}
         WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_at <= $3
                      ORDER BY next_at, id LIMIT $4)
         RETURNING {COLUMNS}"
    );
    // PostgreSQL: the chosen rows locked, those another sender holds skipped; the outer
    // `state = 'pending'` is checked again on a row changed meanwhile. The choice is a
    // MATERIALIZED CTE, made once: as an `IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`,
    // the planner may run the subquery again for each row of the update, each run skipping
    // the rows just claimed, and a claim of one took every due mail.
    let postgres = format!(
        "WITH chosen AS MATERIALIZED (
             SELECT id FROM outbox WHERE state = 'pending' AND next_at <= $3
             ORDER BY next_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
         {set}
         WHERE state = 'pending' AND id IN (SELECT id FROM chosen)
         RETURNING {COLUMNS}"
    );
    let mut out = tx.query_map(
        &Sql::pair(&sqlite, &postgres),
        params![holder, millis(lease_until), millis(now), limit as i64],
        |r| from_row(r, now),
    )?;
    out.sort_by_key(|m| (m.next_at, m.id));
    for m in &mut out {
        m.references = tx.query_map(
            &Sql::both(
                "SELECT message_id FROM mail_thread_ids
                 WHERE ticket = $1 AND outbound = 0 AND at <= $2 ORDER BY at, message_id",
            ),
            params![m.mail.ticket.as_str(), millis(m.created_at)],
            |r| r.get(0),
        )?;
    }
    Ok(out)
}

fn mark(tx: &mut dyn Tx, id: i64, holder: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let n = tx.execute(
        &Sql::both(
            "UPDATE outbox SET data_at = $1
             WHERE id = $2 AND state = 'sending' AND claimed_by = $3",
        ),
        params![millis(now), id, holder],
    )?;
    Ok(n == 1)
}

fn settle(
    tx: &mut dyn Tx,
    id: i64,
    holder: &str,
    state: Delivery,
    next_at: Option<DateTime<Utc>>,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = tx.execute(
        &Sql::both(
            "UPDATE outbox SET state = $1, next_at = coalesce($2, next_at), last_error = $3,
                               sent_at = CASE WHEN $1 = 'sent' THEN $4 ELSE sent_at END,
                               lease_until = CASE WHEN $1 = 'sending' THEN $4
                                                  ELSE lease_until END
             WHERE id = $5 AND state = 'sending' AND claimed_by = $6",
        ),
        params![
            state.as_str(),
            next_at.map(millis),
            error,
            millis(now),
            id,
            holder
        ],
    )?;
    Ok(n == 1)
}

fn requeue_stalled(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
    tx.query_map(
        &Sql::both(
            "UPDATE outbox SET state = 'pending', next_at = $1, claimed_by = NULL,
                               lease_until = NULL,
                               last_error = 'queued again: its sender stopped before handing it over'
             WHERE state = 'sending' AND data_at IS NULL
               AND lease_until IS NOT NULL AND lease_until <= $1
             RETURNING message_id",
        ),
        params![millis(now)],
        |r| r.get(0),
    )
}

fn requeue(tx: &mut dyn Tx, message_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let n = tx.execute(
        &Sql::both(
            "UPDATE outbox SET state = 'pending', next_at = $1, attempts = 0,
                               claimed_by = NULL, lease_until = NULL, data_at = NULL,
                               last_error = 'sent again by hand'
             WHERE message_id = $2
               AND (state = 'failed'
                    OR (state = 'sending'
                        AND (lease_until IS NULL OR lease_until <= $1)
                        AND (data_at IS NOT NULL OR lease_until IS NULL)))",
        ),
        params![millis(now), message_id],
    )?;
    Ok(n == 1)
}

fn view(tx: &mut dyn Tx, limit: usize, now: DateTime<Utc>) -> Result<OutboxView, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1");
    let list = tx.query_map(&Sql::both(&sql), params![limit as i64], |r| {
        from_row(r, now)
    })?;
    // Counted by standing: a `sending` mail's depends on its lease and DATA mark (grouped
    // on those: there are few claims at a time; another state's standing is its state).
    let mut counts: Vec<(Standing, i64)> = Vec::new();
    let groups = tx.query_map(
        &Sql::both(
            "SELECT state, CASE WHEN state = 'sending' THEN lease_until END,
                    CASE WHEN state = 'sending' AND data_at IS NOT NULL THEN 1 ELSE 0 END,
                    count(*)
             FROM outbox
             GROUP BY state, CASE WHEN state = 'sending' THEN lease_until END,
                      CASE WHEN state = 'sending' AND data_at IS NOT NULL THEN 1 ELSE 0 END",
        ),
        params![],
        |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<Option<i64>>(1)?,
                r.get::<bool>(2)?,
                r.get::<i64>(3)?,
            ))
        },
    )?;
    for (state, lease, data, n) in groups {
        let Some(d) = Delivery::parse(&state) else {
            continue;
        };
        let s = standing(d, opt_time(lease)?, data.then_some(now), now);
        match counts.iter_mut().find(|(k, _)| *k == s) {
            Some((_, c)) => *c += n,
            None => counts.push((s, n)),
        }
    }
    counts.sort_by_key(|(s, _)| Standing::ALL.iter().position(|x| x == s));
    Ok((list, counts))
}

fn of_ticket(
    tx: &mut dyn Tx,
    ticket: &str,
    now: DateTime<Utc>,
) -> Result<Vec<OutboxMail>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE ticket = $1 ORDER BY id");
    tx.query_map(&Sql::both(&sql), params![ticket], |r| from_row(r, now))
}

impl Store {
    /// Claim up to `limit` mails due at `now`, oldest first: each becomes `sending`, held
    /// by `holder` until `lease_until`, and counts one more attempt, in one transaction (two
    /// senders never claim the same mail), with the Message-IDs it answers.
    pub fn claim_outbox(
        &mut self,
        now: DateTime<Utc>,
        limit: usize,
        holder: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        self.write_tx(|tx| claim(tx, now, limit, holder, lease_until))
    }

    /// The DATA mark: `holder`, whose claim on mail `id` still stands, is about to hand the
    /// message over (the server took the envelope). Returns `false` when the claim is no
    /// longer theirs (it ran out and was taken back): then the message must not be sent.
    pub fn mark_handing(
        &mut self,
        id: i64,
        holder: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write_tx(|tx| mark(tx, id, holder, now))
    }

    /// Record the server's answer to a mail `holder` claimed: `Sent` (at `now`), `Pending`
    /// again (tried at `next_at`, with the error), `Failed` (with the error), or `Sending`
    /// left uncertain (the connection broke while the server was taking the message: the
    /// lease ends now, the mail waits for a person). Only a mail still `sending` under
    /// `holder`'s claim changes; returns whether it did.
    pub fn settle_outbox(
        &mut self,
        id: i64,
        holder: &str,
        state: Delivery,
        next_at: Option<DateTime<Utc>>,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write_tx(|tx| settle(tx, id, holder, state, next_at, error, now))
    }

    /// Queue again, due at `now`, every claim whose lease ran out before its sender reached
    /// the DATA mark (the sender died or hung before handing the message over: it certainly
    /// did not arrive). Returns their Message-IDs.
    pub fn requeue_stalled(&mut self, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        self.write_tx(|tx| requeue_stalled(tx, now))
    }

    /// Put a mail back in the queue by hand, due at `now`, with its attempts counted afresh:
    /// one left uncertain (its claim ran out, or its sender gave it up, after the DATA mark,
    /// or a claim from before leases) once a person knows it did not arrive, or one that
    /// failed. Returns whether one was (a mail pending, sent, or still held by a sender is
    /// left alone).
    pub fn requeue_outbox(
        &mut self,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write_tx(|tx| requeue(tx, message_id, now))
    }

    /// The outbox, newest first, at most `limit` (`hotro mail status`), and the count in
    /// each state.
    pub fn outbox(&mut self, limit: usize, now: DateTime<Utc>) -> Result<OutboxView, StoreError> {
        self.read_tx(|tx| view(tx, limit, now))
    }

    /// The mails of one ticket's replies, oldest first (shown with the ticket), each as it
    /// stands at `now`.
    pub fn outbox_of(
        &mut self,
        ticket: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        self.read_tx(|tx| of_ticket(tx, ticket, now))
    }
}
