//! Bulk insertion of generated demo data, on both engines.

use super::engine::{Sql, params};
use super::tickets::{SlaKeys, chain_head_locked, insert_event_after, insert_ticket};
use super::{Store, StoreError};
use crate::demo::DemoTicket;
use crate::domain::org::Organisation;
use chrono::{DateTime, Utc};

impl Store {
    /// Reserve `count` numbers of a year's key sequence (one atomic upsert on both
    /// engines); returns the first.
    pub fn reserve_keys(&mut self, year: i32, count: u64) -> Result<u64, StoreError> {
        self.write_tx(|tx| {
            let last: i64 = tx
                .query_row(
                    &Sql::both(
                        "INSERT INTO key_sequences (year, last) VALUES ($1, $2)
                         ON CONFLICT (year) DO UPDATE SET last = key_sequences.last + $2
                         RETURNING last",
                    ),
                    params![i64::from(year), count as i64],
                )?
                .ok_or_else(|| StoreError::bad_value("the key sequence returned no row"))?
                .get(0)?;
            Ok(last as u64 + 1 - count)
        })
    }

    /// Insert tickets that already have keys, with their events, in one transaction.
    /// Their SLA keys are computed as of `now` (as every write does), so queues and
    /// reports need no tick first.
    pub fn insert_generated(
        &mut self,
        batch: &[DemoTicket],
        org: &Organisation,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write_tx(|tx| {
            // The chain's lock first, and its head read once: each event then links to the
            // one inserted before it (one statement per event, not three).
            let mut previous = chain_head_locked(tx)?;
            for d in batch {
                let keys = SlaKeys::of(&d.ticket, &d.events, org, now);
                let id = insert_ticket(tx, &d.ticket, &keys)?;
                // Only the final state of a generated ticket is known: its newest event
                // carries it, the earlier ones none.
                let state = super::audit::state_hash(&d.ticket);
                for (i, e) in d.events.iter().enumerate() {
                    let newest = i + 1 == d.events.len();
                    previous =
                        insert_event_after(tx, &previous, id, e, newest.then_some(state.as_str()))?;
                }
            }
            Ok(())
        })
    }

    /// How many articles there are (demo numbering continues after them).
    pub fn article_count(&mut self) -> Result<i64, StoreError> {
        self.read_tx(|tx| {
            tx.query_row(&Sql::both("SELECT count(*) FROM articles"), params![])?
                .ok_or_else(|| StoreError::bad_value("count(*) returned no row"))?
                .get(0)
        })
    }
}
