//! The monthly publication of software requirements (issue 16, seed 004 article 6): each
//! publication of a month is kept frozen; publishing the month again adds an amendment.

use super::tickets::{from_millis, millis};
use super::{Store, StoreError};
use crate::domain::requirement::{Month, PublishedRow};
use chrono::{DateTime, Utc};
use rusqlite::params;
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

impl Store {
    /// Freeze `rows` as the month's next publication (1 the first time, then amendments),
    /// in one transaction. Returns it.
    pub fn publish_requirements(
        &mut self,
        month: Month,
        rows: &[PublishedRow],
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<Publication, StoreError> {
        let text = serde_json::to_string(rows)
            .map_err(|e| StoreError::bad_value(format!("publication: {e}")))?;
        let version = self.write(|tx| {
            let version: i64 = tx.query_row(
                "SELECT coalesce(max(version), 0) + 1 FROM requirement_publications WHERE month = ?1",
                params![month.to_string()],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO requirement_publications (month, version, published_at, published_by, rows)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![month.to_string(), version, millis(at), by, text],
            )?;
            Ok(version)
        })?;
        Ok(Publication {
            month,
            version,
            published_at: at,
            published_by: by.to_string(),
            rows: rows.to_vec(),
        })
    }

    /// Every publication of a month, oldest first (empty before the first).
    pub fn requirement_publications(
        &mut self,
        month: Month,
    ) -> Result<Vec<Publication>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT version, published_at, published_by, rows FROM requirement_publications
                 WHERE month = ?1 ORDER BY version",
            )?;
            let mut rows = stmt.query(params![month.to_string()])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let text: String = r.get(3)?;
                out.push(Publication {
                    month,
                    version: r.get(0)?,
                    published_at: from_millis(r.get(1)?)?,
                    published_by: r.get(2)?,
                    rows: serde_json::from_str(&text)
                        .map_err(|e| StoreError::bad_value(format!("publication: {e}")))?,
                });
            }
            Ok(out)
        })
    }
}
