//! Drafts: text an operator typed but has not sent, kept per operator, ticket and purpose.

use super::tickets::millis;
use super::{Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

impl Store {
    pub fn save_draft(
        &mut self,
        operator: &str,
        ticket: &str,
        purpose: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            if text.trim().is_empty() {
                tx.execute(
                    "DELETE FROM drafts WHERE operator = ?1 AND ticket = ?2 AND purpose = ?3",
                    params![operator, ticket, purpose],
                )?;
            } else {
                tx.execute(
                    "INSERT INTO drafts (operator, ticket, purpose, text, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
                    params![operator, ticket, purpose, text, millis(now)],
                )?;
            }
            Ok(())
        })
    }

    pub fn load_draft(
        &mut self,
        operator: &str,
        ticket: &str,
        purpose: &str,
    ) -> Result<Option<String>, StoreError> {
        self.read(|tx| {
            Ok(tx
                .query_row(
                    "SELECT text FROM drafts WHERE operator = ?1 AND ticket = ?2 AND purpose = ?3",
                    params![operator, ticket, purpose],
                    |r| r.get(0),
                )
                .optional()?)
        })
    }

    pub fn delete_draft(
        &mut self,
        operator: &str,
        ticket: &str,
        purpose: &str,
    ) -> Result<(), StoreError> {
        self.save_draft(operator, ticket, purpose, "", Utc::now())
    }
}
