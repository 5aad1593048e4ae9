//! What the leaders' reports read (issue 13): the facts of the tickets in play during a
//! window, articles linked to the requests of a period, the user-error list. Only reads;
//! the figures are tallied in [`crate::domain::report`].

use super::engine::{Row, Sql, Tx, Value, params};
use super::tickets::{from_millis, millis, opt_time, outcome_of_bits, parse_status};
use super::{Store, StoreError};
use crate::domain::report::{Facts, Received, Text, UserError};
use chrono::{DateTime, Utc};

impl Store {
    /// The facts of every ticket in play during `from..to` (see [`facts_in`]).
    pub fn report_facts(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Facts>, StoreError> {
        self.read_tx(|tx| facts_in(tx, from, to))
    }

    /// The requests that arrived in `from..to`, oldest first, with their clocks' stored
    /// outcome (see [`received_in`]).
    pub fn received_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Received>, StoreError> {
        self.read_tx(|tx| received_in(tx, from, to))
    }

    /// The escalations of the requests that arrived in `from..to`, in order of arrival:
    /// (arrival, tier, group) (see [`escalations_in`]).
    pub fn escalations_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, u8, String)>, StoreError> {
        self.read_tx(|tx| escalations_in(tx, from, to))
    }

    /// Articles linked to requests that arrived in `from..to`: (article ref, how many of
    /// those requests), unordered (see [`articles_linked_in`]).
    pub fn articles_linked_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        self.read_tx(|tx| articles_linked_in(tx, from, to))
    }

    /// Requests that arrived in `from..to` classified in one of `categories`, with their
    /// linked articles, in arrival order (see [`user_errors_in`]).
    pub fn user_errors_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        categories: &[String],
    ) -> Result<Vec<UserError>, StoreError> {
        self.read_tx(|tx| user_errors_in(tx, from, to, categories))
    }
}

/// The facts of every ticket in play during `from..to`: arrived before `to` and not
/// resolved and closed both before `from` (a superset: the tally decides per figure).
/// One range scan of the index by arrival that holds every fact read
/// (`tickets_by_created_facts`, schema 11): the wide ticket rows are not touched.
/// Streamed: each row becomes its facts as it arrives.
pub(crate) fn facts_in(
    tx: &mut dyn Tx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Facts>, StoreError> {
    {
        // A ticket cancelled before cancelling set `closed_at` (issue 13) is finished
        // at its last change other than a note (cancelled is final).
        let mut out = Vec::new();
        let mut texts = Interner::default();
        tx.query(
            &Sql::both(
                "SELECT id, kind, priority, requester_unit, application, category, channel,
                        grp, tier, status, created_at, resolved_at,
                        CASE WHEN closed_at IS NULL AND status = 'cancelled'
                             THEN (SELECT max(e.at) FROM events e
                                   WHERE e.ticket_id = tickets.id
                                     AND e.kind <> 'internal_note')
                             ELSE closed_at END
                 FROM tickets
                 WHERE (created_at >= $1
                        OR coalesce(resolved_at, closed_at) IS NULL
                        OR resolved_at >= $1 OR closed_at >= $1)
                   AND created_at < $2",
            ),
            params![millis(from), millis(to)],
            &mut |r| {
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
                Ok(())
            },
        )?;
        Ok(out)
    }
}

/// The requests that arrived in `from..to`, oldest first, with their clocks' stored
/// outcome (`None` for a ticket untouched since before schema 11). One range scan by
/// arrival; no timeline is read.
pub(crate) fn received_in(
    tx: &mut dyn Tx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Received>, StoreError> {
    {
        let mut out = Vec::new();
        let mut texts = Interner::default();
        tx.query(
            &Sql::both(
                "SELECT key, kind, priority, created_at, first_response_at, resolved_at,
                        sla_outcome
                 FROM tickets WHERE created_at >= $1 AND created_at < $2
                 ORDER BY created_at",
            ),
            params![millis(from), millis(to)],
            &mut |r| {
                out.push(Received {
                    key: r.get(0)?,
                    kind: texts.get(r, 1)?,
                    priority: texts.get(r, 2)?,
                    created_at: from_millis(r.get(3)?)?,
                    first_response_at: opt_time(r.get(4)?)?,
                    resolved_at: opt_time(r.get(5)?)?,
                    sla: r.get::<Option<i64>>(6)?.map(outcome_of_bits),
                });
                Ok(())
            },
        )?;
        Ok(out)
    }
}

/// The escalations of the requests that arrived in `from..to`, in order of arrival:
/// (the request's arrival, the tier and the group it went to), one per `escalated`
/// event (found through their own partial index, schema 11; the two fields read in
/// SQL from the event's stored form, [`crate::domain::ticket::EventKind::Escalated`]'s `to_tier` and
/// `to_group`).
pub(crate) fn escalations_in(
    tx: &mut dyn Tx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, u8, String)>, StoreError> {
    {
        tx.query_map(
            &Sql::pair(
                "SELECT t.created_at, json_extract(e.payload, '$.to_tier'),
                        json_extract(e.payload, '$.to_group')
                 FROM tickets t JOIN events e ON e.ticket_id = t.id AND e.kind = 'escalated'
                 WHERE t.created_at >= $1 AND t.created_at < $2
                 ORDER BY t.created_at",
                "SELECT t.created_at, (e.payload::jsonb ->> 'to_tier')::bigint,
                        e.payload::jsonb ->> 'to_group'
                 FROM tickets t JOIN events e ON e.ticket_id = t.id AND e.kind = 'escalated'
                 WHERE t.created_at >= $1 AND t.created_at < $2
                 ORDER BY t.created_at",
            ),
            params![millis(from), millis(to)],
            |r| Ok((from_millis(r.get(0)?)?, r.get(1)?, r.get(2)?)),
        )
    }
}

/// Articles linked to requests that arrived in `from..to`: (article ref, how many of
/// those requests each is linked to), unordered.
pub(crate) fn articles_linked_in(
    tx: &mut dyn Tx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, u64)>, StoreError> {
    {
        tx.query_map(
            &Sql::pair(
                "SELECT a.ref, count(DISTINCT t.id)
                 FROM articles a, json_each(a.linked_tickets) j
                 JOIN tickets t ON t.key = j.value
                 WHERE t.created_at >= $1 AND t.created_at < $2
                 GROUP BY a.ref",
                "SELECT a.ref, count(DISTINCT t.id)
                 FROM articles a
                 CROSS JOIN LATERAL jsonb_array_elements_text(a.linked_tickets::jsonb) j(value)
                 JOIN tickets t ON t.key = j.value
                 WHERE t.created_at >= $1 AND t.created_at < $2
                 GROUP BY a.ref",
            ),
            params![millis(from), millis(to)],
            |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?.unsigned_abs())),
        )
    }
}

/// Requests that arrived in `from..to` classified in one of `categories` (the
/// user-caused ones), each with the articles linked to it (ref, title; sorted); in
/// arrival order.
pub(crate) fn user_errors_in(
    tx: &mut dyn Tx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    categories: &[String],
) -> Result<Vec<UserError>, StoreError> {
    if categories.is_empty() {
        return Ok(Vec::new());
    }
    // `$3…`: the categories, after the window's two bounds.
    let marks = (3..categories.len() + 3)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",");
    let sqlite = format!(
        "SELECT t.key, t.requester_unit, t.created_at, t.application, t.category,
                t.title, t.resolution,
                (SELECT json_group_array(json_array(a.ref, a.title))
                 FROM articles a, json_each(a.linked_tickets) j
                 WHERE j.value = t.key)
         FROM tickets t
         WHERE t.created_at >= $1 AND t.created_at < $2 AND t.category IN ({marks})
         ORDER BY t.created_at, t.id"
    );
    let postgres = format!(
        "SELECT t.key, t.requester_unit, t.created_at, t.application, t.category,
                t.title, t.resolution,
                (SELECT json_agg(json_build_array(a.ref, a.title))::text
                 FROM articles a
                 CROSS JOIN LATERAL jsonb_array_elements_text(a.linked_tickets::jsonb) j(value)
                 WHERE j.value = t.key)
         FROM tickets t
         WHERE t.created_at >= $1 AND t.created_at < $2 AND t.category IN ({marks})
         ORDER BY t.created_at, t.id"
    );
    let mut values: Vec<Value> = vec![millis(from).into(), millis(to).into()];
    values.extend(categories.iter().map(Value::from));
    {
        tx.query_map(&Sql::pair(&sqlite, &postgres), &values, |r| {
            let articles: Option<String> = r.get(7)?;
            let mut articles: Vec<(String, String)> =
                serde_json::from_str(articles.as_deref().unwrap_or("[]"))
                    .map_err(|e| StoreError::bad_value(format!("linked articles: {e}")))?;
            articles.sort();
            Ok(UserError {
                key: r.get(0)?,
                unit: r.get(1)?,
                received_at: from_millis(r.get(2)?)?,
                application: r.get(3)?,
                category: r.get(4)?,
                problem: r.get(5)?,
                solution: r.get(6)?,
                articles,
            })
        })
    }
}

/// Each distinct text of a report's read once: the many tickets that share a unit, an
/// application or a kind share one [`Text`] (no allocation per ticket and column).
#[derive(Default)]
struct Interner(rustc_hash::FxHashMap<Box<str>, Text>);

impl Interner {
    /// Column `i` of row `r` as shared text (a NULL is an error, as for a `String`).
    fn get(&mut self, r: &Row, i: usize) -> Result<Text, StoreError> {
        self.get_opt(r, i)?
            .ok_or_else(|| StoreError::bad_value(format!("column {i}: NULL is not text")))
    }

    /// Column `i` of row `r` as shared text, `None` for NULL.
    fn get_opt(&mut self, r: &Row, i: usize) -> Result<Option<Text>, StoreError> {
        let text = match r.values().get(i) {
            Some(Value::Null) => return Ok(None),
            Some(Value::Text(t)) => t.as_str(),
            other => {
                return Err(StoreError::bad_value(format!(
                    "column {i}: {other:?} is not text"
                )));
            }
        };
        if let Some(t) = self.0.get(text) {
            return Ok(Some(t.clone()));
        }
        let t: Text = Text::from(text);
        self.0.insert(text.into(), t.clone());
        Ok(Some(t))
    }
}
