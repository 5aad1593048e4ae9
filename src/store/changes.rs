//! The change register (issue 13, seed 003): changes to production applications and their
//! configuration, one row each. On both engines ([`super::engine::Tx`]); a configuration
//! ticket's implementation step records its change from the tickets module, in the step's
//! transaction.

use super::engine::{Row, Sql, Tx, params};
use super::tickets::{from_millis, millis, opt_time};
use super::{Store, StoreError};
use crate::domain::change::{ChangeRecord, NewChange, Outcome};
use chrono::{DateTime, Utc};

/// Record a change inside a transaction (a ticket's step, through
/// [`super::engine::SqliteTx`], or [`Store::record_change`] on either engine);
/// returns its id.
pub(crate) fn insert_change(
    tx: &mut dyn Tx,
    c: &NewChange,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, StoreError> {
    let tickets = serde_json::to_string(&c.tickets)
        .map_err(|e| StoreError::bad_value(format!("change tickets: {e}")))?;
    tx.query_row(
        &Sql::both(
            "INSERT INTO changes (application, environment, what, tickets, planned_at, done_at,
                                  approved_by, carried_out_by, outcome, rollback, recorded_at,
                                  recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             RETURNING id",
        ),
        params![
            c.application.as_str(),
            c.environment.as_str(),
            c.what.as_str(),
            tickets,
            c.planned_at.map(millis),
            millis(c.done_at),
            c.approved_by.clone(),
            c.carried_out_by.as_str(),
            c.outcome.as_str(),
            c.rollback.as_str(),
            millis(at),
            by,
        ],
    )?
    .ok_or_else(|| StoreError::bad_value("INSERT … RETURNING id gave no row"))?
    .get(0)
}

fn change_from_row(r: &Row) -> Result<ChangeRecord, StoreError> {
    let tickets: String = r.get(4)?;
    let outcome: String = r.get(9)?;
    Ok(ChangeRecord {
        id: r.get(0)?,
        change: NewChange {
            application: r.get(1)?,
            environment: r.get(2)?,
            what: r.get(3)?,
            tickets: serde_json::from_str(&tickets)
                .map_err(|e| StoreError::bad_value(format!("change tickets: {e}")))?,
            planned_at: opt_time(r.get(5)?)?,
            done_at: from_millis(r.get(6)?)?,
            approved_by: r.get(7)?,
            carried_out_by: r.get(8)?,
            outcome: Outcome::parse(&outcome)
                .ok_or_else(|| StoreError::bad_value(format!("change outcome `{outcome}`")))?,
            rollback: r.get(10)?,
        },
        recorded_at: from_millis(r.get(11)?)?,
        recorded_by: r.get(12)?,
    })
}

fn between(
    tx: &mut dyn Tx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<ChangeRecord>, StoreError> {
    tx.query_map(
        &Sql::both(
            "SELECT id, application, environment, what, tickets, planned_at, done_at,
                    approved_by, carried_out_by, outcome, rollback, recorded_at, recorded_by
             FROM changes WHERE done_at >= $1 AND done_at < $2 ORDER BY done_at, id",
        ),
        params![millis(from), millis(to)],
        change_from_row,
    )
}

impl Store {
    /// Record a change by hand (`hotro change add`); returns its id.
    pub fn record_change(
        &mut self,
        c: &NewChange,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<i64, StoreError> {
        self.write_tx(|tx| insert_change(tx, c, at, by))
    }

    /// The changes carried out in `from..to`, in the order they were done.
    pub fn changes_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        self.read_tx(|tx| between(tx, from, to))
    }
}
