//! The monthly publication of software requirements (issue 16, seed 004 article 6): each
//! publication of a month is kept frozen; publishing the month again adds an amendment.
//! On both engines ([`super::engine::Tx`]): one SQL text each.

use super::engine::{Sql, Tx, advisory_lock, params};
use super::tickets::{from_millis, millis};
use super::{Store, StoreError};
use crate::domain::requirement::{Month, PublishedRow};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One frozen publication of a month: version 1 first, amendments after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Publication {
    pub month: Month,
    pub version: i64,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    pub rows: Vec<PublishedRow>,
}

/// The advisory lock key that serialises publications on PostgreSQL ("hotrop" in ASCII): the
/// month's next version is read as `max + 1` and then written, which SQLite's `BEGIN
/// IMMEDIATE` already serialises (there is no row to lock before a month's first).
const PUBLICATION_LOCK: i64 = 0x6874_6f72_6f70;

fn publish(
    tx: &mut dyn Tx,
    month: Month,
    text: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, StoreError> {
    advisory_lock(tx, PUBLICATION_LOCK)?;
    let version: i64 = tx
        .query_row(
            &Sql::both(
                "SELECT coalesce(max(version), 0) + 1 FROM requirement_publications
                 WHERE month = $1",
            ),
            params![month.to_string()],
        )?
        .ok_or_else(|| StoreError::bad_value("max(version) gave no row"))?
        .get(0)?;
    tx.execute(
        &Sql::both(
            "INSERT INTO requirement_publications
                (month, version, published_at, published_by, rows)
             VALUES ($1, $2, $3, $4, $5)",
        ),
        params![month.to_string(), version, millis(at), by, text],
    )?;
    Ok(version)
}

fn publications(tx: &mut dyn Tx, month: Month) -> Result<Vec<Publication>, StoreError> {
    tx.query_map(
        &Sql::both(
            "SELECT version, published_at, published_by, rows FROM requirement_publications
             WHERE month = $1 ORDER BY version",
        ),
        params![month.to_string()],
        |r| {
            let text: String = r.get(3)?;
            Ok(Publication {
                month,
                version: r.get(0)?,
                published_at: from_millis(r.get(1)?)?,
                published_by: r.get(2)?,
                rows: serde_json::from_str(&text)
                    .map_err(|e| StoreError::bad_value(format!("publication: {e}")))?,
            })
        },
    )
}

fn rows_text(rows: &[PublishedRow]) -> Result<String, StoreError> {
    serde_json::to_string(rows).map_err(|e| StoreError::bad_value(format!("publication: {e}")))
}

fn publication(
    month: Month,
    version: i64,
    rows: &[PublishedRow],
    at: DateTime<Utc>,
    by: &str,
) -> Publication {
    Publication {
        month,
        version,
        published_at: at,
        published_by: by.to_string(),
        rows: rows.to_vec(),
    }
}

impl Store {
    /// Freeze `rows` as the month's next publication (1 the first time, then amendments),
    /// in one transaction. Returns it. On PostgreSQL the next version is read and written
    /// under an advisory lock: concurrent publications are numbered in turn.
    pub fn publish_requirements(
        &mut self,
        month: Month,
        rows: &[PublishedRow],
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<Publication, StoreError> {
        let text = rows_text(rows)?;
        let version = self.write_tx(|tx| publish(tx, month, &text, at, by))?;
        Ok(publication(month, version, rows, at, by))
    }

    /// Every publication of a month, oldest first (empty before the first).
    pub fn requirement_publications(
        &mut self,
        month: Month,
    ) -> Result<Vec<Publication>, StoreError> {
        self.read_tx(|tx| publications(tx, month))
    }
}
