//! What the leaders' reports read (issue 13): the facts of the tickets in play during a
//! window, articles linked to the requests of a period, the user-error list. Only reads;
//! the figures are tallied in [`crate::domain::report`].

use super::tickets::{from_millis, millis, opt_time, outcome_of_bits, parse_status};
use super::{Store, StoreError};
use crate::domain::report::{Facts, Received, UserError};
use crate::domain::ticket::EventKind;
use chrono::{DateTime, Utc};
use rusqlite::params;

impl Store {
    /// The facts of every ticket in play during `from..to`: arrived before `to` and not
    /// resolved and closed both before `from` (a superset: the tally decides per figure).
    /// One range scan of the tickets by arrival, plus those still unfinished then.
    pub fn report_facts(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Facts>, StoreError> {
        self.read(|tx| {
            // A ticket cancelled before cancelling set `closed_at` (issue 13) is finished
            // at its last change other than a note (cancelled is final).
            let mut stmt = tx.prepare_cached(
                "SELECT key, kind, priority, requester_unit, application, category, channel,
                        grp, tier, status, created_at, resolved_at,
                        CASE WHEN closed_at IS NULL AND status = 'cancelled'
                             THEN (SELECT max(e.at) FROM events e
                                   WHERE e.ticket_id = tickets.id
                                     AND e.kind <> 'internal_note')
                             ELSE closed_at END
                 FROM tickets
                 WHERE created_at < ?2
                   AND (created_at >= ?1
                        OR coalesce(resolved_at, closed_at) IS NULL
                        OR resolved_at >= ?1 OR closed_at >= ?1)",
            )?;
            let mut rows = stmt.query(params![millis(from), millis(to)])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let status: String = r.get(9)?;
                out.push(Facts {
                    key: r.get(0)?,
                    kind: r.get(1)?,
                    priority: r.get(2)?,
                    unit: r.get(3)?,
                    application: r.get(4)?,
                    category: r.get(5)?,
                    channel: r.get(6)?,
                    group: r.get(7)?,
                    tier: r.get(8)?,
                    status: parse_status(&status)?,
                    created_at: from_millis(r.get(10)?)?,
                    resolved_at: opt_time(r.get(11)?)?,
                    closed_at: opt_time(r.get(12)?)?,
                });
            }
            Ok(out)
        })
    }

    /// The requests that arrived in `from..to`, oldest first, with their clocks' stored
    /// outcome (`None` for a ticket untouched since before schema 11). One range scan by
    /// arrival; no timeline is read.
    pub fn received_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Received>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT key, kind, priority, created_at, first_response_at, resolved_at,
                        sla_outcome
                 FROM tickets WHERE created_at >= ?1 AND created_at < ?2
                 ORDER BY created_at, id",
            )?;
            let mut rows = stmt.query(params![millis(from), millis(to)])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(Received {
                    key: r.get(0)?,
                    kind: r.get(1)?,
                    priority: r.get(2)?,
                    created_at: from_millis(r.get(3)?)?,
                    first_response_at: opt_time(r.get(4)?)?,
                    resolved_at: opt_time(r.get(5)?)?,
                    sla: r.get::<_, Option<i64>>(6)?.map(outcome_of_bits),
                });
            }
            Ok(out)
        })
    }

    /// The escalations of the requests that arrived in `from..to`: the (tier, group) each
    /// went to, one per `escalated` event.
    pub fn escalations_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(u8, String)>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT t.key, e.payload FROM tickets t JOIN events e ON e.ticket_id = t.id
                 WHERE t.created_at >= ?1 AND t.created_at < ?2 AND e.kind = 'escalated'",
            )?;
            let mut rows = stmt.query(params![millis(from), millis(to)])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let key: String = r.get(0)?;
                let payload: String = r.get(1)?;
                if let (
                    EventKind::Escalated {
                        to_tier, to_group, ..
                    },
                    _,
                ) = super::tickets::decode_payload(&key, &payload)?
                {
                    out.push((to_tier, to_group));
                }
            }
            Ok(out)
        })
    }

    /// Articles linked to requests that arrived in `from..to`: (article ref, how many of
    /// those requests each is linked to), unordered.
    pub fn articles_linked_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT a.ref, count(DISTINCT t.id)
                 FROM articles a, json_each(a.linked_tickets) j
                 JOIN tickets t ON t.key = j.value
                 WHERE t.created_at >= ?1 AND t.created_at < ?2
                 GROUP BY a.ref",
            )?;
            let rows = stmt.query_map(params![millis(from), millis(to)], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.unsigned_abs()))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Requests that arrived in `from..to` classified in one of `categories` (the
    /// user-caused ones), each with the articles linked to it; in arrival order.
    pub fn user_errors_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        categories: &[String],
    ) -> Result<Vec<UserError>, StoreError> {
        if categories.is_empty() {
            return Ok(Vec::new());
        }
        self.read(|tx| {
            let marks = vec!["?"; categories.len()].join(",");
            let sql = format!(
                "SELECT t.key, t.requester_unit, t.created_at, t.application, t.category,
                        t.title, t.resolution,
                        (SELECT json_group_array(json_array(a.ref, a.title))
                         FROM articles a, json_each(a.linked_tickets) j
                         WHERE j.value = t.key)
                 FROM tickets t
                 WHERE t.created_at >= ? AND t.created_at < ? AND t.category IN ({marks})
                 ORDER BY t.created_at, t.id"
            );
            let mut stmt = tx.prepare(&sql)?;
            let mut values: Vec<rusqlite::types::Value> =
                vec![millis(from).into(), millis(to).into()];
            values.extend(categories.iter().map(|c| c.clone().into()));
            let mut rows = stmt.query(rusqlite::params_from_iter(values))?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let articles: Option<String> = r.get(7)?;
                let mut articles: Vec<(String, String)> =
                    serde_json::from_str(articles.as_deref().unwrap_or("[]"))
                        .map_err(|e| StoreError::bad_value(format!("linked articles: {e}")))?;
                articles.sort();
                out.push(UserError {
                    key: r.get(0)?,
                    unit: r.get(1)?,
                    received_at: from_millis(r.get(2)?)?,
                    application: r.get(3)?,
                    category: r.get(4)?,
                    problem: r.get(5)?,
                    solution: r.get(6)?,
                    articles,
                });
            }
            Ok(out)
        })
    }
}
