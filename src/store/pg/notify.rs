//! Live refresh on PostgreSQL (issue 17, deliver 3): a console learns that another host
//! changed something from the server's notification instead of polling. The schema's
//! migration 3 has every statement that changes what a console shows (events, tickets, the
//! outbox, announcements, the morning checks, articles) notify [`CHANNEL`] with the table's
//! name when its transaction commits; a [`ChangeListener`] holds its own connection that
//! LISTENs and waits on it. Notifications of a rolled-back transaction never arrive, and one
//! transaction's repeats arrive once (PostgreSQL folds equal payloads).
//!
//! A PostgreSQL [`crate::store::Store`] holds one for [`crate::store::Store::data_version`],
//! the counter the console polls every second; the console itself still runs on SQLite only
//! (docs/postgres.md, "Still to do").

use super::{PgError, connect};
use std::collections::BTreeSet;
use std::time::Duration;

/// The channel the schema's triggers notify; the payload is the changed table's name.
pub const CHANNEL: &str = "hotro_changes";

/// A connection of its own that listens for committed changes.
pub struct ChangeListener {
    client: postgres::Client,
}

impl ChangeListener {
    /// Connect to `db` (as [`connect`]: the URL's role, or the OS account; never a password
    /// on the command line) and LISTEN on [`CHANNEL`]. Errors: [`PgError`] for the URL, the
    /// connection, or the server refusing.
    pub fn open(db: &str) -> Result<ChangeListener, PgError> {
        let mut client = connect(db)?;
        client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
        Ok(ChangeListener { client })
    }

    /// Wait at most `timeout` for the first notification, then take every one already
    /// arrived without waiting more: the names of the tables changed, sorted, each once;
    /// empty when nothing was committed in that time. Errors: the connection lost.
    pub fn wait(&mut self, timeout: Duration) -> Result<Vec<String>, PgError> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut tables = BTreeSet::new();
        let mut notifications = self.client.notifications();
        let first = notifications.timeout_iter(timeout).next()?;
        if let Some(n) = first {
            tables.insert(n.payload().to_string());
            let mut pending = notifications.iter();
            while let Some(n) = pending.next()? {
                tables.insert(n.payload().to_string());
            }
        }
        Ok(tables.into_iter().collect())
    }
}
