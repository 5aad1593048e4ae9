//! Tamper evidence: every event's hash covers its own content and the previous event's hash,
//! so an event edited, inserted or deleted with plain SQL breaks the chain from there on.

use super::{Store, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// SHA-256 over the previous hash and the event's stored fields, each length-prefixed so
/// that no two different events can encode to the same bytes. Hex, lower case.
pub(crate) fn chain_hash(
    previous: &str,
    ticket_id: i64,
    version: i64,
    at: i64,
    actor: &str,
    kind: &str,
    payload: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        previous.as_bytes(),
        actor.as_bytes(),
        kind.as_bytes(),
        payload.as_bytes(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    for n in [ticket_id, version, at] {
        h.update(n.to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    pub event_id: i64,
    pub ticket: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub events: i64,
    pub first_broken: Option<BrokenLink>,
}

impl Store {
    /// Recompute the chain over every event, oldest first; report the first that does not fit.
    pub fn verify_events(&mut self) -> Result<VerifyReport, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare(
                "SELECT e.id, e.ticket_id, e.version, e.at, e.actor, e.kind, e.payload, e.hash, t.key
                 FROM events e LEFT JOIN tickets t ON t.id = e.ticket_id ORDER BY e.id",
            )?;
            let mut rows = stmt.query([])?;
            let mut previous = String::new();
            let mut events = 0i64;
            while let Some(r) = rows.next()? {
                events += 1;
                let stored: String = r.get(7)?;
                let expected = chain_hash(&previous, r.get(1)?, r.get(2)?, r.get(3)?, &r.get::<_, String>(4)?, &r.get::<_, String>(5)?, &r.get::<_, String>(6)?);
                if stored != expected {
                    return Ok(VerifyReport {
                        events,
                        first_broken: Some(BrokenLink { event_id: r.get(0)?, ticket: r.get(8)?, version: r.get(2)? }),
                    });
                }
                previous = stored;
            }
            Ok(VerifyReport { events, first_broken: None })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::domain::ticket::{Change, Ctx, NewTicket};

    #[test]
    fn an_event_edited_with_plain_sql_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("a.db")).unwrap();
        let org = config::embedded().org;
        let ctx = Ctx {
            org: &org,
            actor: "nguyenvanan",
            now: chrono::Utc::now(),
            by: None,
        };
        let mut keys = Vec::new();
        for i in 0..3 {
            let (t, _) = store
                .create_ticket(
                    &NewTicket {
                        title: format!("Phiếu {i}"),
                        ..NewTicket::default()
                    },
                    ctx,
                )
                .unwrap();
            store
                .change_ticket(
                    &t.key,
                    None,
                    Change::Note {
                        text: "ghi chú".into(),
                    },
                    ctx,
                )
                .unwrap();
            keys.push(t.key);
        }
        let clean = store.verify_events().unwrap();
        assert_eq!((clean.events, clean.first_broken.clone()), (6, None));
        // Someone rewrites the note of the second ticket behind hotro's back.
        store
            .write(|tx| {
                tx.execute(
                    "UPDATE events SET payload = '{\"kind\":\"internal_note\",\"text\":\"khác\"}' WHERE id = 4",
                    [],
                )?;
                Ok(())
            })
            .unwrap();
        let report = store.verify_events().unwrap();
        let broken = report.first_broken.expect("found");
        assert_eq!(
            (broken.event_id, broken.ticket.as_deref(), broken.version),
            (4, Some(keys[1].as_str()), 2)
        );
        // Deleting an event breaks the link after it.
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("b.db")).unwrap();
        for i in 0..3 {
            store
                .create_ticket(
                    &NewTicket {
                        title: format!("Phiếu {i}"),
                        ..NewTicket::default()
                    },
                    ctx,
                )
                .unwrap();
        }
        store
            .write(|tx| {
                tx.execute("DELETE FROM events WHERE id = 2", [])?;
                Ok(())
            })
            .unwrap();
        assert_eq!(
            store
                .verify_events()
                .unwrap()
                .first_broken
                .map(|b| b.event_id),
            Some(3)
        );
    }
}
