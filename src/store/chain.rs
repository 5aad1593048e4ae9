//! The audit chain's hash rule, engine-free: the SQLite store writes and verifies it
//! (store/audit.rs) and the PostgreSQL copy re-verifies it (store/pg) with the same function,
//! so there is one rule, not one per engine. The rule itself is specified in store/audit.rs.

use sha2::{Digest, Sha256};

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 over the previous hash, the event's stored fields and, for events written since
/// schema 6, the ticket's state hash after the event; each length-prefixed so that no two
/// different events can encode to the same bytes. Hex, lower case.
#[allow(clippy::too_many_arguments)]
pub(crate) fn chain_hash(
    previous: &str,
    ticket_id: i64,
    version: i64,
    at: i64,
    actor: &str,
    kind: &str,
    payload: &str,
    state: Option<&str>,
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
    if let Some(state) = state {
        h.update((state.len() as u64).to_le_bytes());
        h.update(state.as_bytes());
    }
    hex(&h.finalize())
}
