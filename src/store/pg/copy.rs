//! `hotro db copy --from FILE.db --to postgres://…`: a whole SQLite database, with its
//! history, into an empty PostgreSQL schema, in one transaction, verified before it commits
//! (issue 17, Deliver 5).
//!
//! The file is read in one read transaction (one snapshot: other operators may keep
//! working on it) and every table is sent with `COPY … FROM STDIN` (text format), in the
//! order of [`TABLES`]. The tables that triggers fill while tickets and articles are copied
//! (`ticket_counts`, `search_outbox`) are emptied and copied as the file has them, and the
//! identity sequences are moved past the copied ids. Before the commit the copy is checked:
//! every table's row count must be the file's, and the audit chain is re-hashed on the
//! PostgreSQL rows with the one hash rule ([`crate::store::chain`]) and must be unbroken with
//! the file's head. Any difference rolls the whole copy back.

use super::{PgError, TABLES};
use crate::store::ChainHead;
use postgres::GenericClient;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::io::Write as _;
use std::path::Path;

/// What a verified copy holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CopyReport {
    /// Rows per table, in copy order (the same in the file and on PostgreSQL).
    pub tables: Vec<(String, i64)>,
    /// The chain as re-verified on PostgreSQL.
    pub chain: ChainCheck,
}

/// The audit chain as found on PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainCheck {
    /// Events walked (all of them, oldest first).
    pub events: i64,
    /// The first event whose stored hash is not the one its content and its predecessor give.
    pub first_broken: Option<i64>,
    /// The newest event and its stored hash.
    pub head: Option<ChainHead>,
}

/// Events read per round trip while the chain is walked.
const CHAIN_PAGE: i64 = 10_000;

/// Re-hash the whole audit chain stored on PostgreSQL (the events table, oldest first) with
/// the store's one hash rule, and report where it first breaks, if it does.
///
/// Errors: [`PgError::Server`].
pub fn verify_chain(client: &mut impl GenericClient) -> Result<ChainCheck, PgError> {
    let mut previous = String::new();
    let mut events = 0i64;
    let mut first_broken = None;
    let mut head = None;
    let mut after = i64::MIN;
    loop {
        let rows = client.query(
            "SELECT id, ticket_id, version, at, actor, kind, payload, hash, state
             FROM events WHERE id > $1 ORDER BY id LIMIT $2",
            &[&after, &CHAIN_PAGE],
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let id: i64 = r.get(0);
            let stored: String = r.get(7);
            let state: Option<String> = r.get(8);
            let expected = crate::store::chain::chain_hash(
                &previous,
                r.get(1),
                r.get(2),
                r.get(3),
                r.get::<_, &str>(4),
                r.get::<_, &str>(5),
                r.get::<_, &str>(6),
                state.as_deref(),
            );
            events += 1;
            if first_broken.is_none() && expected != stored {
                first_broken = Some(id);
            }
            after = id;
            head = Some(ChainHead {
                event_id: id,
                hash: stored.clone(),
            });
            previous = stored;
        }
    }
    Ok(ChainCheck {
        events,
        first_broken,
        head,
    })
}

/// A value of the file in `COPY` text format: `\N` for NULL, backslash escapes for text,
/// `\\x…` hex for bytes.
fn push_value(out: &mut Vec<u8>, v: ValueRef<'_>) {
    match v {
        ValueRef::Null => out.extend_from_slice(b"\\N"),
        ValueRef::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        ValueRef::Real(f) => out.extend_from_slice(f.to_string().as_bytes()),
        ValueRef::Text(t) => {
            for &b in t {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    _ => out.push(b),
                }
            }
        }
        ValueRef::Blob(bytes) => {
            out.extend_from_slice(b"\\\\x");
            out.extend_from_slice(crate::store::chain::hex(bytes).as_bytes());
        }
    }
}

fn io_error(e: std::io::Error) -> PgError {
    PgError::Server {
        code: String::new(),
        detail: e.to_string(),
    }
}

/// Copy the SQLite database at `from` into the connected PostgreSQL database, verified,
/// in one transaction. The PostgreSQL schema is first brought up to date
/// ([`super::migrate`]); it must hold no row in any table but `meta`.
///
/// Errors: [`PgError::Source`] (the file cannot be read), [`PgError::SourceVersion`] (a file
/// of another schema version: open it once with this hotro first), [`PgError::NotEmpty`],
/// [`PgError::Columns`], [`PgError::CountMismatch`], [`PgError::ChainBroken`] (nothing is
/// committed), [`PgError::Server`].
pub fn copy_from_sqlite(from: &Path, client: &mut postgres::Client) -> Result<CopyReport, PgError> {
    let source = |e: rusqlite::Error| PgError::Source {
        path: from.display().to_string(),
        detail: e.to_string(),
    };
    if !from.is_file() {
        return Err(PgError::Source {
            path: from.display().to_string(),
            detail: std::io::Error::from(std::io::ErrorKind::NotFound).to_string(),
        });
    }
    let mut file = Connection::open_with_flags(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(source)?;
    let found: i64 = file
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(source)?;
    if found != super::MIRRORS_SQLITE_VERSION {
        return Err(PgError::SourceVersion {
            path: from.display().to_string(),
            found,
            needed: super::MIRRORS_SQLITE_VERSION,
        });
    }
    super::migrate(client)?;
    // One snapshot of the file for the whole copy.
    let snap = file.transaction().map_err(source)?;
    let mut tx = client.transaction()?;
    for table in TABLES.iter().filter(|t| **t != "meta") {
        let rows: i64 = tx
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
            .get(0);
        if rows > 0 {
            return Err(PgError::NotEmpty {
                table: (*table).to_string(),
                rows,
            });
        }
    }
    let mut tables = Vec::new();
    for table in TABLES {
        let pg_columns: Vec<String> = tx
            .query(
                "SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1
                   AND is_generated = 'NEVER' ORDER BY ordinal_position",
                &[table],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let file_columns: Vec<String> = {
            // hidden 0: a stored column (generated ones are 2 or 3).
            let mut stmt = snap
                .prepare(&format!(
                    "SELECT name FROM pragma_table_xinfo('{table}') WHERE hidden = 0"
                ))
                .map_err(source)?;
            stmt.query_map([], |r| r.get(0))
                .map_err(source)?
                .collect::<Result<_, _>>()
                .map_err(source)?
        };
        let mut a = pg_columns.clone();
        let mut b = file_columns.clone();
        a.sort();
        b.sort();
        if a != b {
            return Err(PgError::Columns {
                table: (*table).to_string(),
                detail: format!("SQLite: {}; PostgreSQL: {}", b.join(", "), a.join(", ")),
            });
        }
        if matches!(*table, "meta" | "ticket_counts" | "search_outbox") {
            tx.execute(&format!("DELETE FROM {table}"), &[])?;
        }
        let list = pg_columns.join(", ");
        let mut writer = tx.copy_in(&format!("COPY {table} ({list}) FROM STDIN"))?;
        let mut stmt = snap
            .prepare(&format!("SELECT {list} FROM {table}"))
            .map_err(source)?;
        let mut rows = stmt.query([]).map_err(source)?;
        let mut buf = Vec::with_capacity(1 << 16);
        let mut n = 0i64;
        while let Some(row) = rows.next().map_err(source)? {
            for i in 0..pg_columns.len() {
                if i > 0 {
                    buf.push(b'\t');
                }
                push_value(&mut buf, row.get_ref(i).map_err(source)?);
            }
            buf.push(b'\n');
            n += 1;
            if buf.len() >= 1 << 16 {
                writer.write_all(&buf).map_err(io_error)?;
                buf.clear();
            }
        }
        writer.write_all(&buf).map_err(io_error)?;
        let copied = writer.finish()? as i64;
        let source_rows: i64 = snap
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .map_err(source)?;
        if copied != n || copied != source_rows {
            return Err(PgError::CountMismatch {
                table: (*table).to_string(),
                source_rows,
                copied,
            });
        }
        tables.push(((*table).to_string(), source_rows));
    }
    // Identity columns continue after the copied ids (search_outbox after every id SQLite
    // ever gave, pruned ones included, so "how far the index got" keeps its meaning).
    let outbox_seq: i64 = snap
        .query_row(
            "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'search_outbox'), 0)",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    let identities: Vec<(String, String)> = tx
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND is_identity = 'YES'",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (table, column) in identities {
        let floor = if table == "search_outbox" {
            outbox_seq
        } else {
            0
        };
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), m)
                 FROM (SELECT greatest(coalesce(max({column}), 0), $1::bigint) AS m FROM {table}) s
                 WHERE m > 0"
            ),
            &[&floor],
        )?;
    }
    // The check, inside the transaction: counts as they are now on the server, and the chain.
    for (table, source_rows) in &tables {
        let copied: i64 = tx
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
            .get(0);
        if copied != *source_rows {
            return Err(PgError::CountMismatch {
                table: table.clone(),
                source_rows: *source_rows,
                copied,
            });
        }
    }
    let chain = verify_chain(&mut tx)?;
    let file_head: Option<ChainHead> = snap
        .query_row(
            "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                Ok(ChainHead {
                    event_id: r.get(0)?,
                    hash: r.get(1)?,
                })
            },
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            other => Err(source(other)),
        })?;
    if let Some(event_id) = chain.first_broken {
        return Err(PgError::ChainBroken { event_id });
    }
    if chain.head != file_head {
        return Err(PgError::ChainBroken {
            event_id: chain.head.as_ref().map_or(0, |h| h.event_id),
        });
    }
    tx.commit()?;
    drop(snap);
    Ok(CopyReport { tables, chain })
}
