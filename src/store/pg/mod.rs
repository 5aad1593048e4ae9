//! PostgreSQL, the second engine (issue 17): what exists of it so far.
//!
//! * [`connect`]: a connection from a `postgres://…` / `postgresql://…` URL or a libpq
//!   `key=value` string: a Unix socket on the host, or TLS to another host with
//!   `sslmode=require` ([`tls`]: libpq's certificate files, the server always verified).
//!   The role is the URL's user, or else the OS account of the process (peer
//!   authentication): never a command-line claim. A password is never taken from the command
//!   line: a URL that carries one is refused; `PGPASSWORD` in the environment is used.
//! * [`migrate`]: the versioned schema (store/pg/schema.rs), applied in one transaction under
//!   a transaction-level advisory lock, so several processes starting at once are safe.
//! * [`roles`]: `hotro db setup-roles`, the organisation's operators and roles as
//!   PostgreSQL roles, GRANTs and row-level security.
//! * [`notify`]: live refresh — a connection that learns of committed changes through
//!   LISTEN/NOTIFY instead of polling.
//! * [`copy`]: `hotro db copy`, a whole SQLite database into an empty PostgreSQL schema,
//!   verified (row counts per table, the audit chain re-hashed on the copy).
//! * [`verify_audit`]: `hotro db verify` on the server, the store's whole audit (the same
//!   code as on a SQLite file, over the engine's `Tx`).
//!
//! A [`super::Store`] opened with [`super::Store::open_postgres`] runs its transactions
//! through [`super::engine::PgConn`] (the modules moved onto [`super::engine::Tx`]: drafts,
//! announcements, checks, configs, requirements, changes, kb, outbox, in the tests); the rest
//! of the store (tickets, queues, the console) runs on SQLite only for now; the plan is in
//! docs/postgres.md.

pub mod copy;
pub mod notify;
pub mod roles;
mod schema;

pub use schema::{MIGRATIONS, MIRRORS_SQLITE_VERSION, PG_SCHEMA_VERSION, TABLES};

use super::engine::PgConn;
use super::{ChainHead, StoreError, VerifyReport};
use postgres::{Client, NoTls};
use std::str::FromStr;

/// The store's whole audit on a PostgreSQL database, in one read-only snapshot
/// (`REPEATABLE READ`): the hash chain, the `anchors` given (each must still be in the chain
/// with its hash), every ticket row against the state hash of its newest event and its
/// versions against its events, every finalised morning check against its log, the applied
/// configurations and the attachments: the same code as on a SQLite file
/// (`Store::verify_audit`). No head is recorded beside a server, so that check (SQLite's
/// `-hotro-head`) is left out; anchors take its place. `progress(items done, items)` counts
/// events and ticket rows, reported every 10,000.
///
/// Errors: [`StoreError::Postgres`] (connection lost, a role that may not read a table:
/// SQLSTATE 42501), [`StoreError::BadValue`] for a column the audit cannot read at all.
pub fn verify_audit(
    conn: &mut PgConn,
    anchors: &[ChainHead],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport, StoreError> {
    conn.read(|tx| super::audit::verify_in(tx, anchors, None, progress))
}

/// The newest event and its stored hash on PostgreSQL (`None` before the first event): what
/// `hotro db anchor` prints; the same read as `Store::chain_head`.
///
/// Errors: [`StoreError::Postgres`].
pub fn chain_head(conn: &mut PgConn) -> Result<Option<ChainHead>, StoreError> {
    conn.read(super::audit::chain_head_in)
}

/// The advisory lock key that serialises schema migrations ("hotro" in ASCII).
const MIGRATION_LOCK: i64 = 0x0068_6f74_726f;

/// Whether `db` names a PostgreSQL database rather than a SQLite file: a `postgres://` or
/// `postgresql://` URL.
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// What went wrong with PostgreSQL. Each variant carries what the message needs; the words
/// are the catalog's (`describe::pg_error`).
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// The connection string does not parse.
    #[error("not a PostgreSQL connection string: {detail}")]
    BadUrl { detail: String },
    /// A password was given in the connection string (it would be on the command line).
    #[error("a password in the connection string: use PGPASSWORD or peer authentication")]
    PasswordInUrl,
    /// The server could not be reached or refused the connection.
    #[error("cannot connect to {target}: {detail}")]
    Connect { target: String, detail: String },
    /// The server refused or failed a statement. `code` is the SQLSTATE (`42501`: not
    /// permitted).
    #[error("PostgreSQL: {detail} ({code})")]
    Server { code: String, detail: String },
    /// The database holds a newer hotro schema than this build knows.
    #[error("the PostgreSQL schema is at version {found}; this hotro knows {supported}")]
    NewerSchema { found: i64, supported: i64 },
    /// The copy's target already holds data.
    #[error("the PostgreSQL database is not empty: {table} has {rows} rows")]
    NotEmpty { table: String, rows: i64 },
    /// The SQLite file is not at the schema version the PostgreSQL schema mirrors.
    #[error("{path}: SQLite schema version {found}; the copy needs {needed}")]
    SourceVersion {
        path: String,
        found: i64,
        needed: i64,
    },
    /// The SQLite file could not be read.
    #[error("{path}: {detail}")]
    Source { path: String, detail: String },
    /// A table of the SQLite file has other columns than the PostgreSQL table.
    #[error("table {table}: the columns differ ({detail})")]
    Columns { table: String, detail: String },
    /// The copy does not hold what the source holds: a table's row count differs.
    #[error("table {table}: {source_rows} rows in the file, {copied} in PostgreSQL")]
    CountMismatch {
        table: String,
        source_rows: i64,
        copied: i64,
    },
    /// The SQLite file of a copy back could not be written.
    #[error("{path}: {detail}")]
    Target { path: String, detail: String },
    /// The copy's target file exists already (a copy never replaces a file).
    #[error("{path} exists already")]
    TargetExists { path: String },
    /// The SQLite copy made from PostgreSQL failed its audit: nothing is left under its name.
    #[error("the copy failed its audit: {problems} problems, the first: {first}")]
    CopyUnsound { problems: i64, first: String },
    /// A TLS file (`PGSSLROOTCERT`, `PGSSLCERT`, `PGSSLKEY`) cannot be read or used.
    #[error("TLS file {path}: {problem}")]
    Tls { path: String, problem: String },
    /// The audit chain on PostgreSQL breaks at this event (or its head differs from the
    /// file's).
    #[error("the audit chain breaks at event {event_id}")]
    ChainBroken { event_id: i64 },
}

impl From<postgres::Error> for PgError {
    fn from(e: postgres::Error) -> Self {
        match e.as_db_error() {
            Some(db) => PgError::Server {
                code: db.code().code().to_string(),
                detail: db.message().to_string(),
            },
            None => PgError::Server {
                code: String::new(),
                detail: e.to_string(),
            },
        }
    }
}

impl PgError {
    /// The SQLSTATE of a server error (`42501` insufficient privilege, …), if it is one.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            PgError::Server { code, .. } if !code.is_empty() => Some(code),
            _ => None,
        }
    }
}

/// The connection string parsed, with the password rule applied: none in the string,
/// `PGPASSWORD` from the environment if set.
///
/// Errors: [`PgError::BadUrl`], [`PgError::PasswordInUrl`].
pub fn config(db: &str) -> Result<postgres::Config, PgError> {
    let mut config = postgres::Config::from_str(db).map_err(|e| PgError::BadUrl {
        detail: e.to_string(),
    })?;
    if config.get_password().is_some() {
        return Err(PgError::PasswordInUrl);
    }
    if let Ok(password) = std::env::var("PGPASSWORD")
        && !password.is_empty()
    {
        config.password(password);
    }
    Ok(config)
}

/// The target of a connection in words, without any secret: `dbname on host as user`.
pub fn describe_target(config: &postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    format!(
        "{} @ {} ({})",
        config.get_dbname().unwrap_or("-"),
        if hosts.is_empty() {
            "localhost".to_string()
        } else {
            hosts.join(",")
        },
        config.get_user().unwrap_or("-")
    )
}

/// Connect to the database `db` names (see [`config`]): over TLS when the string asks for
/// it (`sslmode=require`, the way to a server on another host; see [`tls`]), else in the
/// clear (a Unix socket on the host, or a trusted network).
///
/// Errors: those of [`config`] and [`tls`], [`PgError::Connect`] naming the target (the
/// server's certificate refused, a client certificate the server refused, …).
pub fn connect(db: &str) -> Result<Client, PgError> {
    let config = config(db)?;
    let connected = if config.get_ssl_mode() == postgres::config::SslMode::Require {
        config.connect(tls()?)
    } else {
        config.connect(NoTls)
    };
    connected.map_err(|e| PgError::Connect {
        target: describe_target(&config),
        detail: e
            .as_db_error()
            .map(|d| d.message().to_string())
            .unwrap_or_else(|| {
                // The TLS layer's reason (an unknown issuer, …) is the source's.
                let source = std::error::Error::source(&e)
                    .map(|s| format!(": {s}"))
                    .unwrap_or_default();
                format!("{e}{source}")
            }),
    })
}

/// A file named by the environment variable `var`, else `default` under
/// `~/.postgresql/` when it exists (libpq's own places).
fn libpq_file(var: &str, default: &str) -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return Some(path.into());
    }
    let home = directories::BaseDirs::new()?
        .home_dir()
        .join(".postgresql")
        .join(default);
    home.is_file().then_some(home)
}

/// The TLS settings for `sslmode=require`, in libpq's places: the certificate authorities
/// from `PGSSLROOTCERT` (else `~/.postgresql/root.crt`, else the public roots of
/// webpki-roots); the client certificate and key from `PGSSLCERT` and `PGSSLKEY` (else
/// `~/.postgresql/postgresql.crt` and `.key`), when there is one — the server's `cert`
/// authentication then maps its common name to the operator's role. Unlike libpq's
/// `require`, the server's certificate and name are always verified.
///
/// Errors: [`PgError::Tls`] naming the file that cannot be read or used.
pub fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, PgError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |path: &std::path::Path, problem: String| PgError::Tls {
        path: path.display().to_string(),
        problem,
    };
    let mut roots = rustls::RootCertStore::empty();
    match libpq_file("PGSSLROOTCERT", "root.crt") {
        Some(path) => {
            for cert in
                CertificateDer::pem_file_iter(&path).map_err(|e| bad(&path, e.to_string()))?
            {
                let cert = cert.map_err(|e| bad(&path, e.to_string()))?;
                roots.add(cert).map_err(|e| bad(&path, e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(bad(&path, "no certificate in it (PEM expected)".into()));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PgError::Tls {
            path: String::new(),
            problem: e.to_string(),
        })?
        .with_root_certificates(roots);
    let config = match (
        libpq_file("PGSSLCERT", "postgresql.crt"),
        libpq_file("PGSSLKEY", "postgresql.key"),
    ) {
        (Some(cert), Some(key)) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
                .map_err(|e| bad(&cert, e.to_string()))?
                .collect::<Result<_, _>>()
                .map_err(|e| bad(&cert, e.to_string()))?;
            let key_der =
                PrivateKeyDer::from_pem_file(&key).map_err(|e| bad(&key, e.to_string()))?;
            builder
                .with_client_auth_cert(chain, key_der)
                .map_err(|e| bad(&cert, e.to_string()))?
        }
        (Some(cert), None) => {
            return Err(bad(
                &cert,
                "a client certificate without its key: set PGSSLKEY".into(),
            ));
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Bring the hotro schema of the connected database up to [`PG_SCHEMA_VERSION`]: in one
/// transaction holding the advisory lock [`MIGRATION_LOCK`], read the version recorded in
/// `hotro_schema` and apply the missing migrations. Of several processes starting at once,
/// one migrates and the others wait for its commit and then find nothing to do. Returns the
/// version found before (0 for an empty database).
///
/// Errors: [`PgError::NewerSchema`] (nothing is changed), [`PgError::Server`].
pub fn migrate(client: &mut Client) -> Result<i64, PgError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS hotro_schema (
             version    bigint PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now(),
             applied_by text NOT NULL DEFAULT current_user
         )",
    )?;
    let found: i64 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM hotro_schema", &[])?
        .get(0);
    if found > PG_SCHEMA_VERSION {
        return Err(PgError::NewerSchema {
            found,
            supported: PG_SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO hotro_schema (version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )?;
    }
    if found == 0 {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('created_by', $1) ON CONFLICT DO NOTHING",
            &[&concat!("hotro ", env!("CARGO_PKG_VERSION"))],
        )?;
    }
    tx.commit()?;
    Ok(found)
}

/// The schema version recorded in the connected database (0 when hotro never migrated it).
///
/// Errors: [`PgError::Server`].
pub fn schema_version(client: &mut Client) -> Result<i64, PgError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('hotro_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    Ok(client
        .query_one("SELECT coalesce(max(version), 0) FROM hotro_schema", &[])?
        .get(0))
}
