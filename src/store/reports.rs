//! What the leaders' reports read (issue 13): the facts of the tickets in play during a
//! window, articles linked to the requests of a period, the user-error list. Only reads;
//! the figures are tallied in [`crate::domain::report`].

use super::tickets::{from_millis, millis, opt_time, outcome_of_bits, parse_status};
use super::{Store, StoreError};
use crate::domain::report::{Facts, Received, Text, UserError};
use chrono::{DateTime, Utc};
use rusqlite::params;

impl Store {
    /// The facts of every ticket in play during `from..to`: arrived before `to` and not
    /// resolved and closed both before `from` (a superset: the tally decides per figure).
    /// One range scan of the index by arrival that holds every fact read
    /// (`tickets_by_created_facts`, schema 11): the wide ticket rows are not touched.
    pub fn report_facts(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Facts>, StoreError> {
        self.read(|tx| {
            // A ticket cancelled before cancelling set `closed_at` (issue 13) is finished
            // at its last change other than a note (cancelled is final).
            let mut stmt = tx.prepare_cached(
                "SELECT id, kind, priority, requester_unit, application, category, channel,
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
            let mut texts = Interner::default();
            while let Some(r) = rows.next()? {
                let status = texts.get(r, 9)?;
                out.push(Facts {
                    kind: texts.get(r, 1)?,
                    priority: texts.get(r, 2)?,
                    unit: texts.get_opt(r, 3)?,
                    application: texts.get_opt(r, 4)?,
                    category: texts.get_opt(r, 5)?,
                    channel: texts.get(r, 6)?,
                    group: texts.get(r, 7)?,
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
                 ORDER BY created_at",
            )?;
            let mut rows = stmt.query(params![millis(from), millis(to)])?;
            let mut out = Vec::new();
            let mut texts = Interner::default();
            while let Some(r) = rows.next()? {
                out.push(Received {
                    key: r.get(0)?,
                    kind: texts.get(r, 1)?,
                    priority: texts.get(r, 2)?,
                    created_at: from_millis(r.get(3)?)?,
                    first_response_at: opt_time(r.get(4)?)?,
                    resolved_at: opt_time(r.get(5)?)?,
                    sla: r.get::<_, Option<i64>>(6)?.map(outcome_of_bits),
                });
            }
            Ok(out)
        })
    }

    /// The escalations of the requests that arrived in `from..to`, in order of arrival:
    /// (the request's arrival, the tier and the group it went to), one per `escalated`
    /// event (found through their own partial index, schema 11; the two fields read in
    /// SQL from the event's stored form, [`crate::domain::ticket::EventKind::Escalated`]'s `to_tier` and
    /// `to_group`).
    pub fn escalations_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, u8, String)>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT t.created_at, json_extract(e.payload, '$.to_tier'),
                        json_extract(e.payload, '$.to_group')
                 FROM tickets t JOIN events e ON e.ticket_id = t.id AND e.kind = 'escalated'
                 WHERE t.created_at >= ?1 AND t.created_at < ?2
                 ORDER BY t.created_at",
            )?;
            let mut rows = stmt.query(params![millis(from), millis(to)])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push((from_millis(r.get(0)?)?, r.get(1)?, r.get(2)?));
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

/// Each distinct text of a report's read once: the many tickets that share a unit, an
/// application or a kind share one [`Text`] (no allocation per ticket and column).
#[derive(Default)]
struct Interner(rustc_hash::FxHashMap<Box<str>, Text>);

impl Interner {
    /// Column `i` of row `r` as shared text (a NULL is an error, as for a `String`).
    fn get(&mut self, r: &rusqlite::Row<'_>, i: usize) -> Result<Text, StoreError> {
        self.get_opt(r, i)?.ok_or_else(|| {
            StoreError::from(rusqlite::Error::InvalidColumnType(
                i,
                String::new(),
                rusqlite::types::Type::Null,
            ))
        })
    }

    /// Column `i` of row `r` as shared text, `None` for NULL.
    fn get_opt(&mut self, r: &rusqlite::Row<'_>, i: usize) -> Result<Option<Text>, StoreError> {
        let text = r.get_ref(i)?.as_str_or_null().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })?;
        let Some(text) = text else {
            return Ok(None);
        };
        if let Some(t) = self.0.get(text) {
            return Ok(Some(t.clone()));
        }
        let t: Text = Text::from(text);
        self.0.insert(text.into(), t.clone());
        Ok(Some(t))
    }
}
