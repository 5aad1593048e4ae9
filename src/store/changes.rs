//! The change register (issue 13, seed 003): changes to production applications and their
//! configuration, one row each.

use super::tickets::{from_millis, millis, opt_time};
use super::{Store, StoreError};
use crate::domain::change::{ChangeRecord, NewChange, Outcome};
use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

/// Record a change inside a transaction (a ticket's step or [`Store::record_change`]);
/// returns its id.
pub(crate) fn insert_change(
    tx: &Transaction<'_>,
    c: &NewChange,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, StoreError> {
    let tickets = serde_json::to_string(&c.tickets)
        .map_err(|e| StoreError::bad_value(format!("change tickets: {e}")))?;
    tx.prepare_cached(
        "INSERT INTO changes (application, environment, what, tickets, planned_at, done_at,
                              approved_by, carried_out_by, outcome, rollback, recorded_at,
                              recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        c.application,
        c.environment,
        c.what,
        tickets,
        c.planned_at.map(millis),
        millis(c.done_at),
        c.approved_by,
        c.carried_out_by,
        c.outcome.as_str(),
        c.rollback,
        millis(at),
        by,
    ])?;
    Ok(tx.last_insert_rowid())
}

impl Store {
    /// Record a change by hand (`hotro change add`); returns its id.
    pub fn record_change(
        &mut self,
        c: &NewChange,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<i64, StoreError> {
        self.write(|tx| insert_change(tx, c, at, by))
    }

    /// The changes carried out in `from..to`, in the order they were done.
    pub fn changes_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT id, application, environment, what, tickets, planned_at, done_at,
                        approved_by, carried_out_by, outcome, rollback, recorded_at, recorded_by
                 FROM changes WHERE done_at >= ?1 AND done_at < ?2 ORDER BY done_at, id",
            )?;
            let mut rows = stmt.query(params![millis(from), millis(to)])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let tickets: String = r.get(4)?;
                let outcome: String = r.get(9)?;
                out.push(ChangeRecord {
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
                        outcome: Outcome::parse(&outcome).ok_or_else(|| {
                            StoreError::bad_value(format!("change outcome `{outcome}`"))
                        })?,
                        rollback: r.get(10)?,
                    },
                    recorded_at: from_millis(r.get(11)?)?,
                    recorded_by: r.get(12)?,
                });
            }
            Ok(out)
        })
    }
}
