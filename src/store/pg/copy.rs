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
//! PostgreSQL rows by the audit's own chain walk (store/audit.rs, the one hash rule of
//! [`crate::store::chain`]) and must be unbroken with the file's head. Any difference rolls
//! the whole copy back. (`hotro db verify --db postgres://…` then runs the whole audit:
//! [`super::verify_audit`].)

use super::{PgError, TABLES};
use crate::store::audit::Tally;
use crate::store::engine::{PgTx, Tx};
use crate::store::{ChainHead, StoreError};
use postgres::fallible_iterator::FallibleIterator;
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

/// Re-hash the whole audit chain of the transaction's database (the events, oldest first)
/// with the audit's own walk ([`crate::store::audit`]: one rule, one place), and report where
/// it first breaks, if it does.
///
/// Errors: [`PgError::Server`].
fn verify_chain(tx: &mut dyn Tx) -> Result<ChainCheck, PgError> {
    let (events, broken, head) =
        crate::store::audit::verify_chain(tx, &mut Tally::new(0, &mut |_, _| {}))
            .map_err(server_err)?;
    Ok(ChainCheck {
        events,
        first_broken: broken.map(|b| b.event_id),
        head,
    })
}

/// A store error met on the server, as the copy reports it.
fn server_err(e: StoreError) -> PgError {
    match e {
        StoreError::Postgres { code, detail } => PgError::Server { code, detail },
        other => PgError::Server {
            code: String::new(),
            detail: other.to_string(),
        },
    }
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
    // The row triggers that fill the queue counts and the search outbox would fire once per
    // copied ticket or article, and the count cells (a few dozen) would each be updated
    // hundreds of thousands of times in one transaction: quadratic, a 1M-ticket copy never
    // ended. Both tables are copied as the file has them below, so the triggers are off for
    // this transaction only (rolled back with it on any failure; the copying role owns the
    // tables, as it made the schema).
    const ROW_TRIGGERS: &str = "tickets DISABLE TRIGGER tickets_count_insert;
        ALTER TABLE tickets DISABLE TRIGGER tickets_search_insert;
        ALTER TABLE articles DISABLE TRIGGER articles_search_insert;";
    tx.batch_execute(&format!("ALTER TABLE {ROW_TRIGGERS}"))?;
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
    // Deferred constraint checks of the copied rows run now: a table with pending trigger
    // events cannot be altered.
    tx.batch_execute("SET CONSTRAINTS ALL IMMEDIATE")?;
    tx.batch_execute(&format!(
        "ALTER TABLE {}",
        ROW_TRIGGERS.replace("DISABLE", "ENABLE")
    ))?;
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
    let mut chain_tx = PgTx::new(tx);
    let chain = verify_chain(&mut chain_tx)?;
    let tx = chain_tx.into_inner();
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

/// The way back: copy the connected PostgreSQL database into a new SQLite file `to`, in one
/// snapshot of the server (`REPEATABLE READ`, read-only), verified before it gets its name.
/// The file is written under a temporary name in the target folder, made by the SQLite store
/// (its migrations), filled table by table in one transaction, and then checked by the SQLite
/// store's whole audit (`Store::verify_audit`: the chain, every ticket row against its state
/// hash, finalised checks, configurations, attachments) and row counts per table; only a
/// clean copy is given the name `to` (never replacing a file), and its head is recorded
/// beside it as the one to expect.
///
/// Errors: [`PgError::TargetExists`], [`PgError::NewerSchema`] / [`PgError::SourceVersion`]
/// (the server's schema is not this build's), [`PgError::CountMismatch`],
/// [`PgError::CopyUnsound`] (the audit found a problem), [`PgError::Target`] (the file could
/// not be written), [`PgError::Server`]. On any error no file is left under `to`.
pub fn copy_to_sqlite(client: &mut postgres::Client, to: &Path) -> Result<CopyReport, PgError> {
    use crate::store::{OpenMode, Store};
    let file_err = |detail: String| PgError::Target {
        path: to.display().to_string(),
        detail,
    };
    if std::fs::symlink_metadata(to).is_ok() {
        return Err(PgError::TargetExists {
            path: to.display().to_string(),
        });
    }
    let found = super::schema_version(client)?;
    if found != super::PG_SCHEMA_VERSION {
        return Err(if found > super::PG_SCHEMA_VERSION {
            PgError::NewerSchema {
                found,
                supported: super::PG_SCHEMA_VERSION,
            }
        } else {
            PgError::SourceVersion {
                path: "PostgreSQL".to_string(),
                found,
                needed: super::PG_SCHEMA_VERSION,
            }
        });
    }
    let folder = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = folder.join(format!(".{name}.hotro-copy-{}", std::process::id()));
    let remove = |p: &Path| {
        for suffix in [
            "",
            "-journal",
            "-wal",
            "-shm",
            "-hotro-head",
            "-hotro-damage",
        ] {
            let mut s = p.as_os_str().to_os_string();
            s.push(suffix);
            let _ = std::fs::remove_file(std::path::PathBuf::from(s));
        }
    };
    remove(&temp);
    let result = (|| {
        drop(Store::create(&temp).map_err(|e| file_err(e.to_string()))?);
        let tables = fill_sqlite(client, &temp)?;
        let mut store = Store::open_with(&temp, OpenMode::Inspect, crate::store::BUSY_TIMEOUT)
            .map_err(|e| file_err(e.to_string()))?;
        let audit = store
            .verify_audit(&[])
            .map_err(|e| file_err(e.to_string()))?;
        if let Some(problem) = &audit.first_problem {
            return Err(PgError::CopyUnsound {
                problems: audit.problems,
                first: format!("{problem:?}"),
            });
        }
        drop(store);
        Ok((tables, audit))
    })();
    let (tables, audit) = match result {
        Ok(r) => r,
        Err(e) => {
            remove(&temp);
            return Err(e);
        }
    };
    // The name only if nothing has it; the temporary name's guard files are not the copy's.
    let named = std::fs::hard_link(&temp, to);
    remove(&temp);
    named.map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => PgError::TargetExists {
            path: to.display().to_string(),
        },
        _ => file_err(e.to_string()),
    })?;
    let mut store = Store::open_with(to, OpenMode::Inspect, crate::store::BUSY_TIMEOUT)
        .map_err(|e| file_err(e.to_string()))?;
    store.accept_head().map_err(|e| file_err(e.to_string()))?;
    Ok(CopyReport {
        tables,
        chain: ChainCheck {
            events: audit.events,
            first_broken: None,
            head: audit.head,
        },
    })
}

/// Fill the new SQLite file at `path` with every table of the server's snapshot, in one
/// SQLite transaction; the row counts per table.
fn fill_sqlite(client: &mut postgres::Client, path: &Path) -> Result<Vec<(String, i64)>, PgError> {
    use postgres::types::Type;
    let file_err = |e: rusqlite::Error| PgError::Target {
        path: path.display().to_string(),
        detail: e.to_string(),
    };
    let mut file = Connection::open(path).map_err(file_err)?;
    // Rows arrive table by table (a ticket before the parent it links to, say): the keys are
    // checked once all are in (`foreign_key_check` below), not row by row.
    file.pragma_update(None, "foreign_keys", false)
        .map_err(file_err)?;
    let out = file
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(file_err)?;
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let mut tables = Vec::new();
    for table in TABLES {
        let columns: Vec<String> = tx
            .query(
                "SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1
                   AND is_generated = 'NEVER' ORDER BY ordinal_position",
                &[table],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let list = columns.join(", ");
        if matches!(*table, "meta" | "ticket_counts" | "search_outbox") {
            out.execute(&format!("DELETE FROM {table}"), [])
                .map_err(file_err)?;
        }
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let mut insert = out
            .prepare(&format!(
                "INSERT INTO {table} ({list}) VALUES ({})",
                marks.join(", ")
            ))
            .map_err(file_err)?;
        // Streamed: a table is never held in memory whole.
        let mut rows = tx.query_raw(
            &format!("SELECT {list} FROM {table}"),
            std::iter::empty::<&dyn postgres::types::ToSql>(),
        )?;
        let mut source_rows = 0i64;
        while let Some(row) = rows.next()? {
            source_rows += 1;
            let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(columns.len());
            for (i, col) in row.columns().iter().enumerate() {
                use rusqlite::types::Value;
                let v = if *col.type_() == Type::INT8 {
                    row.get::<_, Option<i64>>(i)
                        .map_or(Value::Null, Value::Integer)
                } else if *col.type_() == Type::BYTEA {
                    row.get::<_, Option<Vec<u8>>>(i)
                        .map_or(Value::Null, Value::Blob)
                } else {
                    row.get::<_, Option<String>>(i)
                        .map_or(Value::Null, Value::Text)
                };
                values.push(v);
            }
            insert
                .execute(rusqlite::params_from_iter(values))
                .map_err(file_err)?;
        }
        drop(rows);
        drop(insert);
        let copied: i64 = out
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .map_err(file_err)?;
        if copied != source_rows {
            return Err(PgError::CountMismatch {
                table: (*table).to_string(),
                source_rows,
                copied,
            });
        }
        tables.push(((*table).to_string(), source_rows));
    }
    // search_outbox continues after every id the server ever gave.
    let last: i64 = tx
        .query_one(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM search_outbox_id_seq",
            &[],
        )?
        .get(0);
    out.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'search_outbox', ?1
         WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'search_outbox')",
        [last],
    )
    .map_err(file_err)?;
    out.execute(
        "UPDATE sqlite_sequence SET seq = max(seq, ?1) WHERE name = 'search_outbox'",
        [last],
    )
    .map_err(file_err)?;
    let violations: i64 = out
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .map_err(file_err)?;
    if violations > 0 {
        return Err(PgError::CopyUnsound {
            problems: violations,
            first: "foreign keys".to_string(),
        });
    }
    tx.commit()?;
    out.commit().map_err(file_err)?;
    Ok(tables)
}
