//! Drafts: text an operator typed but has not sent, kept per operator, ticket and purpose.
//! On both engines ([`super::engine::Tx`]): one SQL text each.

use super::engine::{Sql, Tx, params};
use super::tickets::millis;
use super::{Store, StoreError};
use chrono::{DateTime, Utc};

/// Keep `text` as the draft (an empty or blank text deletes it).
fn save(
    tx: &mut dyn Tx,
    operator: &str,
    ticket: &str,
    purpose: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if text.trim().is_empty() {
        tx.execute(
            &Sql::both("DELETE FROM drafts WHERE operator = $1 AND ticket = $2 AND purpose = $3"),
            params![operator, ticket, purpose],
        )?;
    } else {
        // PostgreSQL needs the conflict target of a DO UPDATE; SQLite takes it as well.
        tx.execute(
            &Sql::both(
                "INSERT INTO drafts (operator, ticket, purpose, text, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (operator, ticket, purpose)
                 DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
            ),
            params![operator, ticket, purpose, text, millis(now)],
        )?;
    }
    Ok(())
}

fn load(
    tx: &mut dyn Tx,
    operator: &str,
    ticket: &str,
    purpose: &str,
) -> Result<Option<String>, StoreError> {
    tx.query_row(
        &Sql::both("SELECT text FROM drafts WHERE operator = $1 AND ticket = $2 AND purpose = $3"),
        params![operator, ticket, purpose],
    )?
    .map(|r| r.get(0))
    .transpose()
}

impl Store {
    /// Keep `text` as `operator`'s draft of `purpose` (`"reply"`, `"note"`, …) on `ticket`
    /// (a key, or `""` for a ticket not yet created); a blank text deletes the draft.
    pub fn save_draft(
        &mut self,
        operator: &str,
        ticket: &str,
        purpose: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write_tx(|tx| save(tx, operator, ticket, purpose, text, now))
    }

    /// The draft kept by [`Store::save_draft`], if any.
    pub fn load_draft(
        &mut self,
        operator: &str,
        ticket: &str,
        purpose: &str,
    ) -> Result<Option<String>, StoreError> {
        self.read_tx(|tx| load(tx, operator, ticket, purpose))
    }

    /// Forget a draft (none kept is not an error).
    pub fn delete_draft(
        &mut self,
        operator: &str,
        ticket: &str,
        purpose: &str,
    ) -> Result<(), StoreError> {
        self.save_draft(operator, ticket, purpose, "", Utc::now())
    }
}
