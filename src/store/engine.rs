//! One transaction interface over both engines (issue 17; docs/postgres.md, "One interface,
//! two engines").
//!
//! * [`Tx`]: execute / query / query_row over [`Value`] parameters, rows read through
//!   [`Row`]. Implemented over `rusqlite::Transaction` ([`SqliteTx`]) and over
//!   `postgres::Transaction` ([`PgTx`]).
//! * [`Sql`]: the statement's text for each engine. One text for both wherever the dialects
//!   agree ([`Sql::both`]); a pair written side by side where they differ ([`Sql::pair`]).
//!   Placeholders are `$1…$n`, numbered in order of first appearance: SQLite takes `$1` as a
//!   named parameter bound by position in that order, PostgreSQL as the n-th parameter. The
//!   SQLite side checks the rule on every statement (a `$2` before `$1` is refused).
//! * `Store::write_tx` / `Store::read_tx`: the store on either engine handing closures a
//!   `&mut dyn Tx`: SQLite through the store's own transactions (its guard files, WAL,
//!   pragmas and busy handling unchanged), PostgreSQL through [`PgConn`] (`READ COMMITTED`
//!   writes retried on SQLSTATE 40001/40P01, `REPEATABLE READ` read-only snapshots for
//!   reads).
//!
//! Errors of both engines become [`StoreError`]: SQLite's as before ([`StoreError::Sqlite`],
//! [`StoreError::Locked`] for busy, …), PostgreSQL's as [`StoreError::Postgres`] with the
//! SQLSTATE. [`StoreError::is_unique_violation`] and [`StoreError::is_contention`] answer the
//! same question on both.

use super::{Store, StoreError};
use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type};
use std::error::Error as StdError;

/// A parameter or a column value: the five types the schema uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// A 64-bit integer (`INTEGER` on SQLite; `bigint`, `integer`, `smallint`, `boolean` on
    /// PostgreSQL).
    Int(i64),
    /// A double (`REAL`; `double precision`, `real`).
    Real(f64),
    /// UTF-8 text (`TEXT`; `text`, `varchar`, `char`, `name`).
    Text(String),
    /// Bytes (`BLOB`; `bytea`).
    Bytes(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<u8> for Value {
    fn from(v: u8) -> Value {
        Value::Int(i64::from(v))
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Int(i64::from(v))
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Int(i64::from(v))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(i64::from(v))
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Real(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Bytes(v)
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Value {
        Value::Bytes(v.to_vec())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// The parameters of a statement, each converted into a [`Value`]: `params![a, b, c]`.
macro_rules! params {
    ($($v:expr),* $(,)?) => {
        &[$($crate::store::engine::Value::from($v)),*] as &[$crate::store::engine::Value]
    };
}
pub(crate) use params;

/// A statement's text for each engine: `$1…$n` placeholders in order of first appearance.
#[derive(Debug, Clone, Copy)]
pub struct Sql<'a> {
    /// The text SQLite runs.
    pub sqlite: &'a str,
    /// The text PostgreSQL runs.
    pub postgres: &'a str,
}

impl<'a> Sql<'a> {
    /// One text for both engines.
    pub const fn both(text: &'a str) -> Sql<'a> {
        Sql {
            sqlite: text,
            postgres: text,
        }
    }

    /// Where the dialects differ: each engine's text, written side by side.
    pub const fn pair(sqlite: &'a str, postgres: &'a str) -> Sql<'a> {
        Sql { sqlite, postgres }
    }
}

/// Which engine a transaction runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    /// The embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// One row of a result, its columns as [`Value`]s in the statement's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    values: Vec<Value>,
}

impl Row {
    /// Column `i` (from 0) as `T`. Errors: [`StoreError::BadValue`] when there is no such
    /// column or its value is not a `T` (a `NULL` read as anything but an `Option`).
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T, StoreError> {
        let v = self
            .values
            .get(i)
            .ok_or_else(|| StoreError::bad_value(format!("no column {i} in the row")))?;
        T::from_value(v).ok_or_else(|| {
            StoreError::bad_value(format!(
                "column {i}: {v:?} is not a {}",
                std::any::type_name::<T>()
            ))
        })
    }

    /// The row's values, in column order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }
}

/// A Rust type a column [`Value`] can be read as ([`Row::get`]).
pub trait FromValue: Sized {
    /// The value as `Self`, or `None` when it is of another type.
    fn from_value(v: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<i64> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}
/// Narrower integers: a value out of the type's range is refused (`None`), never wrapped.
macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: &Value) -> Option<$t> {
                match v {
                    Value::Int(i) => <$t>::try_from(*i).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
from_int!(u8, u16, u32, u64, i32, usize);
impl FromValue for bool {
    fn from_value(v: &Value) -> Option<bool> {
        match v {
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> Option<f64> {
        match v {
            Value::Real(r) => Some(*r),
            // SQLite hands back a REAL column holding a whole number as such.
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Option<String> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Option<Vec<u8>> {
        match v {
            Value::Bytes(b) => Some(b.clone()),
            _ => None,
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Option<T>> {
        match v {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// A transaction on either engine. Committed or rolled back by whoever opened it
/// (`Store::write_tx`, `Store::read_tx`), never by the closure.
pub trait Tx {
    /// The engine this transaction runs on (for the rare statement that must differ in more
    /// than its text).
    fn engine(&self) -> EngineKind;

    /// Run a statement; returns the number of rows it changed.
    fn execute(&mut self, sql: &Sql<'_>, params: &[Value]) -> Result<u64, StoreError>;

    /// Run a query, calling `f` with each row in order; an error from `f` stops it.
    fn query(
        &mut self,
        sql: &Sql<'_>,
        params: &[Value],
        f: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// The first row of a query, `None` when it has none.
    fn query_row(&mut self, sql: &Sql<'_>, params: &[Value]) -> Result<Option<Row>, StoreError>;
}

impl dyn Tx + '_ {
    /// Every row of a query, each read by `f`.
    pub fn query_map<T>(
        &mut self,
        sql: &Sql<'_>,
        params: &[Value],
        mut f: impl FnMut(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        self.query(sql, params, &mut |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }
}

/// On PostgreSQL, wait for the transaction-level advisory lock `key` (held to the end of the
/// transaction): serialises a read-then-write that has no row to lock (a next version read
/// as `max + 1`, a first row). On SQLite nothing: `BEGIN IMMEDIATE` already serialises
/// every writer.
pub(crate) fn advisory_lock(tx: &mut dyn Tx, key: i64) -> Result<(), StoreError> {
    if tx.engine() == EngineKind::Postgres {
        // `pg_advisory_xact_lock` returns `void`, a type no `Row` reads: its row is not read.
        tx.execute(
            &Sql::pair("SELECT $1", "SELECT pg_advisory_xact_lock($1)"),
            &[Value::Int(key)],
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// SQLite

/// [`Tx`] over a `rusqlite::Transaction` (opened by [`Store::write_tx`] / [`Store::read_tx`]).
pub struct SqliteTx<'a, 'c> {
    tx: &'a rusqlite::Transaction<'c>,
}

impl<'a, 'c> SqliteTx<'a, 'c> {
    /// Wrap an open SQLite transaction.
    pub fn new(tx: &'a rusqlite::Transaction<'c>) -> SqliteTx<'a, 'c> {
        SqliteTx { tx }
    }

    /// A cached statement whose placeholders are `$1…$n` in order of first appearance and
    /// as many as `params`.
    fn prepare(
        &self,
        sql: &Sql<'_>,
        params: &[Value],
    ) -> Result<rusqlite::CachedStatement<'a>, StoreError> {
        let stmt = self.tx.prepare_cached(sql.sqlite)?;
        let n = stmt.parameter_count();
        if n != params.len() {
            return Err(StoreError::bad_value(format!(
                "statement takes {n} parameters, {} given: {}",
                params.len(),
                sql.sqlite
            )));
        }
        for i in 1..=n {
            let expected = format!("${i}");
            if stmt.parameter_name(i) != Some(expected.as_str()) {
                return Err(StoreError::bad_value(format!(
                    "parameter {i} is {:?}, not {expected} (number $1…$n in order of first \
                     appearance): {}",
                    stmt.parameter_name(i),
                    sql.sqlite
                )));
            }
        }
        Ok(stmt)
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Bytes(b) => ValueRef::Blob(b),
        }))
    }
}

/// A SQLite row as a [`Row`] (for the readers not yet on [`Tx`]).
pub(crate) fn sqlite_row(r: &rusqlite::Row<'_>) -> Result<Row, StoreError> {
    use rusqlite::types::ValueRef;
    let n = r.as_ref().column_count();
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        values.push(match r.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(v) => Value::Int(v),
            ValueRef::Real(v) => Value::Real(v),
            ValueRef::Text(t) => Value::Text(
                std::str::from_utf8(t)
                    .map_err(|e| StoreError::bad_value(format!("column {i}: {e}")))?
                    .to_string(),
            ),
            ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
        });
    }
    Ok(Row { values })
}

impl Tx for SqliteTx<'_, '_> {
    fn engine(&self) -> EngineKind {
        EngineKind::Sqlite
    }

    fn execute(&mut self, sql: &Sql<'_>, params: &[Value]) -> Result<u64, StoreError> {
        let mut stmt = self.prepare(sql, params)?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }

    fn query(
        &mut self,
        sql: &Sql<'_>,
        params: &[Value],
        f: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.prepare(sql, params)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(r) = rows.next()? {
            f(&sqlite_row(r)?)?;
        }
        Ok(())
    }

    fn query_row(&mut self, sql: &Sql<'_>, params: &[Value]) -> Result<Option<Row>, StoreError> {
        let mut stmt = self.prepare(sql, params)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        match rows.next()? {
            Some(r) => Ok(Some(sqlite_row(r)?)),
            None => Ok(None),
        }
    }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

/// [`Tx`] over a `postgres::Transaction` (opened by [`PgConn::write`] / [`PgConn::read`]),
/// preparing each statement once per connection through the connection's
/// [`StatementCache`] (none for a transaction wrapped by [`PgTx::new`]).
pub struct PgTx<'a> {
    tx: postgres::Transaction<'a>,
    cache: Option<&'a mut StatementCache>,
}

/// The statements a connection has prepared, by their text: a statement run again is
/// bound and executed in one round trip instead of being parsed and described first (two).
/// Bounded: past [`StatementCache::LIMIT`] texts (statements built with a variable tail)
/// it is emptied, which closes them on the server. Emptied too after any failed
/// transaction, so a statement the server no longer accepts (`cached plan must not change
/// result type` after a schema change) is prepared anew.
#[derive(Default)]
pub struct StatementCache {
    statements: std::collections::HashMap<String, postgres::Statement>,
}

impl StatementCache {
    /// Statements kept per connection at most.
    pub const LIMIT: usize = 256;

    /// The statement for `text`, prepared in `tx` when not yet kept.
    fn get(
        &mut self,
        tx: &mut postgres::Transaction<'_>,
        text: &str,
    ) -> Result<postgres::Statement, StoreError> {
        if let Some(s) = self.statements.get(text) {
            return Ok(s.clone());
        }
        let statement = tx.prepare(text)?;
        if self.statements.len() >= Self::LIMIT {
            self.statements.clear();
        }
        self.statements.insert(text.to_string(), statement.clone());
        Ok(statement)
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Real(r) => write!(f, "{r}"),
            Value::Text(s) => write!(f, "{s:?}"),
            Value::Bytes(b) => write!(f, "{} bytes", b.len()),
        }
    }
}

impl<'a> PgTx<'a> {
    /// Wrap a transaction opened elsewhere (`hotro db copy` opens its own, to run the audit's
    /// chain walk on the copied rows before it commits); [`PgTx::into_inner`] gives it back.
    pub(crate) fn new(tx: postgres::Transaction<'a>) -> PgTx<'a> {
        PgTx { tx, cache: None }
    }

    /// The statement to run for `text`: the connection's prepared one, or the text itself
    /// (prepared unnamed by the driver) without a cache.
    fn statement(&mut self, text: &str) -> Result<Statement, StoreError> {
        match self.cache.as_deref_mut() {
            Some(cache) => Ok(Statement::Prepared(cache.get(&mut self.tx, text)?)),
            None => Ok(Statement::Text(text.to_string())),
        }
    }

    /// The wrapped transaction, to be committed or rolled back by its opener.
    pub(crate) fn into_inner(self) -> postgres::Transaction<'a> {
        self.tx
    }
}

/// Sent as the type the server expects for that parameter: an `Int` goes as `bigint`,
/// `integer` (checked range), `smallint`, `boolean` or a float; anything else refused by
/// the server's type with a message naming both.
impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::FLOAT4 => (*i as f32).to_sql(ty, out),
                _ => Err(format!("the integer {i} cannot be sent as {ty}").into()),
            },
            Value::Real(r) => match *ty {
                Type::FLOAT8 => r.to_sql(ty, out),
                Type::FLOAT4 => (*r as f32).to_sql(ty, out),
                _ => Err(format!("the number {r} cannot be sent as {ty}").into()),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Bytes(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn to_sql_checked(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        self.to_sql(ty, out)
    }
}

fn pg_params(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

fn pg_row(r: &postgres::Row) -> Result<Row, StoreError> {
    let mut values = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let ty = col.type_();
        let v = match *ty {
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::INT4 => r
                .try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(i64::from(v))),
            Type::INT2 => r
                .try_get::<_, Option<i16>>(i)?
                .map(|v| Value::Int(i64::from(v))),
            Type::BOOL => r
                .try_get::<_, Option<bool>>(i)?
                .map(|v| Value::Int(i64::from(v))),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Value::Real),
            Type::FLOAT4 => r
                .try_get::<_, Option<f32>>(i)?
                .map(|v| Value::Real(f64::from(v))),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                r.try_get::<_, Option<String>>(i)?.map(Value::Text)
            }
            Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Bytes),
            _ => {
                return Err(StoreError::bad_value(format!(
                    "column {} has the PostgreSQL type {ty}, which hotro does not read",
                    col.name()
                )));
            }
        };
        values.push(v.unwrap_or(Value::Null));
    }
    Ok(Row { values })
}

impl Tx for PgTx<'_> {
    fn engine(&self) -> EngineKind {
        EngineKind::Postgres
    }

    fn execute(&mut self, sql: &Sql<'_>, params: &[Value]) -> Result<u64, StoreError> {
        let p = pg_params(params);
        Ok(match self.statement(sql.postgres)? {
            Statement::Prepared(s) => self.tx.execute(&s, &p)?,
            Statement::Text(t) => self.tx.execute(t.as_str(), &p)?,
        })
    }

    fn query(
        &mut self,
        sql: &Sql<'_>,
        params: &[Value],
        f: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        use postgres::fallible_iterator::FallibleIterator;
        let p = pg_params(params);
        let statement = self.statement(sql.postgres)?;
        let mut rows = match &statement {
            Statement::Prepared(s) => self.tx.query_raw(s, p)?,
            Statement::Text(t) => self.tx.query_raw(t.as_str(), p)?,
        };
        while let Some(r) = rows.next()? {
            f(&pg_row(&r)?)?;
        }
        Ok(())
    }

    fn query_row(&mut self, sql: &Sql<'_>, params: &[Value]) -> Result<Option<Row>, StoreError> {
        use postgres::fallible_iterator::FallibleIterator;
        let p = pg_params(params);
        let statement = self.statement(sql.postgres)?;
        let mut rows = match &statement {
            Statement::Prepared(s) => self.tx.query_raw(s, p)?,
            Statement::Text(t) => self.tx.query_raw(t.as_str(), p)?,
        };
        match rows.next()? {
            Some(r) => Ok(Some(pg_row(&r)?)),
            None => Ok(None),
        }
    }
}

/// How many times a PostgreSQL write is tried when the server reports a serialization
/// failure (40001) or a deadlock (40P01) before the error is returned.
pub const PG_WRITE_ATTEMPTS: u32 = 5;

/// What [`PgTx`] runs: a statement prepared on the connection, or a text.
enum Statement {
    Prepared(postgres::Statement),
    Text(String),
}

/// A connection to a PostgreSQL database with the hotro schema, with the statements it
/// has prepared.
pub struct PgConn {
    client: postgres::Client,
    statements: StatementCache,
}

impl PgConn {
    /// `SET ROLE login` for the rest of the session: an admin acting as another operator
    /// (`--as`) writes as that role, so the server's rules (row-level security on the
    /// events' actor) hold for what is written. Needs membership of the role, which
    /// `hotro db setup-roles` grants admins for every other operator. Errors:
    /// [`StoreError::Postgres`] (`42501`: not a member; `22023`/`42704`: no such role).
    pub fn set_role(&mut self, login: &str) -> Result<(), StoreError> {
        let quoted = format!("\"{}\"", login.replace('"', "\"\""));
        self.client.batch_execute(&format!("SET ROLE {quoted}"))?;
        Ok(())
    }

    /// Connect to `url` ([`super::pg::connect`]) and, when the schema is behind this
    /// build, bring it up to date ([`super::pg::migrate`], which needs a role that may
    /// create tables; an operator's role connecting to a current schema never migrates).
    ///
    /// Errors: those of [`super::pg::connect`] and [`super::pg::migrate`]
    /// ([`super::pg::PgError::NewerSchema`] for a schema newer than this build).
    pub fn open(url: &str) -> Result<PgConn, super::pg::PgError> {
        let mut client = super::pg::connect(url)?;
        if super::pg::schema_version(&mut client)? != super::pg::PG_SCHEMA_VERSION {
            super::pg::migrate(&mut client)?;
        }
        // A write waits for a lock (the audit chain's, a row another writer holds) as long
        // as SQLite's busy timeout, then fails as [`StoreError::Locked`], instead of hanging.
        client.batch_execute(&format!(
            "SET lock_timeout = {}",
            super::BUSY_TIMEOUT.as_millis()
        ))?;
        Ok(PgConn {
            client,
            statements: StatementCache::default(),
        })
    }

    /// Run `f` in a `READ COMMITTED` transaction, committed if it returns `Ok`. A
    /// serialization failure or deadlock (from `f` or the commit) rolls back and runs `f`
    /// again, at most [`PG_WRITE_ATTEMPTS`] times in all, so `f` must be free of effects
    /// outside the transaction.
    pub fn write<T>(
        &mut self,
        mut f: impl FnMut(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut attempt = 1;
        loop {
            let result = self.once(postgres::IsolationLevel::ReadCommitted, false, &mut f);
            match result {
                Err(e) if e.is_contention() && attempt < PG_WRITE_ATTEMPTS => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(
                        u64::from(attempt) * 3 + u64::from(std::process::id() % 7),
                    ));
                }
                other => return other,
            }
        }
    }

    /// A read-only snapshot (`REPEATABLE READ READ ONLY`): several queries see one state.
    pub fn read<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.once(postgres::IsolationLevel::RepeatableRead, true, f)
    }

    /// One transaction at `isolation` running `f` over the connection's statement cache,
    /// committed if `f` returns `Ok`; after any failure the cache is emptied (see
    /// [`StatementCache`]).
    fn once<T>(
        &mut self,
        isolation: postgres::IsolationLevel,
        read_only: bool,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let result = (|| -> Result<T, StoreError> {
            let tx = self
                .client
                .build_transaction()
                .isolation_level(isolation)
                .read_only(read_only)
                .start()?;
            let mut tx = PgTx {
                tx,
                cache: Some(&mut self.statements),
            };
            let value = f(&mut tx)?;
            tx.tx.commit()?;
            Ok(value)
        })();
        if result.is_err() {
            self.statements.statements.clear();
        }
        result
    }
}

impl Store {
    /// Run `f` in a write transaction handing it a [`Tx`]: on SQLite [`Store::write`]'s
    /// `BEGIN IMMEDIATE` with its guards (called once: `BEGIN IMMEDIATE` does not fail for
    /// contention after it began); on PostgreSQL [`PgConn::write`]'s `READ COMMITTED`, run
    /// again on contention, so `f` must be free of effects outside the transaction.
    ///
    /// Errors: `f`'s, and the engine's ([`StoreError::Locked`], [`StoreError::ReadOnly`],
    /// [`StoreError::Damaged`], [`StoreError::LostChanges`] on SQLite;
    /// [`StoreError::Postgres`] on PostgreSQL).
    pub(crate) fn write_tx<T>(
        &mut self,
        mut f: impl FnMut(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &mut self.conn {
            super::Conn::Sqlite(_) => self.write(|tx| f(&mut SqliteTx::new(tx))),
            super::Conn::Postgres(pg) => pg.conn.write(f).map_err(|e| e.with_path(&self.path)),
        }
    }

    /// Run `f` in a read-only snapshot handing it a [`Tx`]: SQLite's deferred transaction
    /// ([`Store::read`]), PostgreSQL's `REPEATABLE READ READ ONLY` ([`PgConn::read`]).
    pub(crate) fn read_tx<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &mut self.conn {
            super::Conn::Sqlite(_) => self.read(|tx| f(&mut SqliteTx::new(tx))),
            super::Conn::Postgres(pg) => pg.conn.read(f).map_err(|e| e.with_path(&self.path)),
        }
    }
}

/// The throwaway cluster of the integration tests (fails under CI=true when PostgreSQL is
/// missing, skipped with a notice elsewhere).
#[cfg(test)]
#[path = "../../tests/common/pg.rs"]
mod test_cluster;

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let s = Store::create(&dir.path().join("t.db")).expect("store");
        (dir, s)
    }

    #[test]
    fn placeholders_out_of_order_are_refused_on_sqlite() {
        let (_d, mut s) = store();
        let r = s.read_tx(|tx| tx.query_row(&Sql::both("SELECT $2, $1"), params![1i64, 2i64]));
        assert!(matches!(r, Err(StoreError::BadValue { .. })), "{r:?}");
        let r = s.read_tx(|tx| tx.query_row(&Sql::both("SELECT ?1"), params![1i64]));
        assert!(matches!(r, Err(StoreError::BadValue { .. })), "{r:?}");
        let r = s.read_tx(|tx| tx.query_row(&Sql::both("SELECT $1"), params![]));
        assert!(matches!(r, Err(StoreError::BadValue { .. })), "{r:?}");
        let row = s
            .read_tx(|tx| tx.query_row(&Sql::both("SELECT $1, $2, $1"), params![7i64, "x"]))
            .expect("query")
            .expect("a row");
        assert_eq!(row.get::<i64>(0).expect("int"), 7);
        assert_eq!(row.get::<String>(1).expect("text"), "x");
        assert_eq!(row.get::<i64>(2).expect("int"), 7);
    }

    #[test]
    fn values_round_trip_on_sqlite() {
        let (_d, mut s) = store();
        let row = s
            .read_tx(|tx| {
                tx.query_row(
                    &Sql::both("SELECT $1, $2, $3, $4, $5"),
                    params![i64::MIN, 1.5f64, "chữ 字", vec![0u8, 255, 1], None::<i64>],
                )
            })
            .expect("query")
            .expect("a row");
        assert_eq!(row.get::<i64>(0).expect("int"), i64::MIN);
        assert_eq!(row.get::<f64>(1).expect("real"), 1.5);
        assert_eq!(row.get::<String>(2).expect("text"), "chữ 字");
        assert_eq!(row.get::<Vec<u8>>(3).expect("bytes"), vec![0u8, 255, 1]);
        assert_eq!(row.get::<Option<i64>>(4).expect("null"), None);
        assert!(row.get::<i64>(4).is_err(), "NULL is not an i64");
        assert!(row.get::<String>(0).is_err(), "an int is not text");
        assert!(row.get::<i64>(9).is_err(), "no such column");
    }

    #[test]
    fn unique_violation_is_recognised_on_sqlite() {
        let (_d, mut s) = store();
        let insert = Sql::both(
            "INSERT INTO drafts (operator, ticket, purpose, text, updated_at)
             VALUES ($1, $2, $3, $4, $5)",
        );
        s.write_tx(|tx| tx.execute(&insert, params!["a", "HT-1", "note", "x", 1i64]))
            .expect("first");
        let e = s
            .write_tx(|tx| tx.execute(&insert, params!["a", "HT-1", "note", "y", 2i64]))
            .expect_err("second");
        assert!(e.is_unique_violation(), "{e:?}");
        assert!(!e.is_contention());
    }

    use super::test_cluster as cluster;

    /// A fresh hotro database on a new cluster, unless `HOTRO_TEST_ENGINE=sqlite` or
    /// PostgreSQL is missing outside CI.
    fn pg() -> Option<(cluster::Cluster, PgConn)> {
        if std::env::var("HOTRO_TEST_ENGINE").is_ok_and(|v| v == "sqlite") {
            return None;
        }
        let c = cluster::Cluster::start()?;
        let url = c.create_db("hotro");
        let conn = PgConn::open(&url).expect("open");
        Some((c, conn))
    }

    #[test]
    fn values_and_errors_on_postgres() {
        let Some((_c, mut p)) = pg() else { return };
        let row = p
            .read(|tx| {
                tx.query_row(
                    &Sql::both(
                        "SELECT $1::bigint, $2::double precision, $3::text, $4::bytea, \
                         $5::bigint, $6::integer, count(*) FROM drafts",
                    ),
                    params![
                        i64::MIN,
                        1.5f64,
                        "chữ 字",
                        vec![0u8, 255, 1],
                        None::<i64>,
                        42i64
                    ],
                )
            })
            .expect("query")
            .expect("a row");
        assert_eq!(row.get::<i64>(0).expect("int"), i64::MIN);
        assert_eq!(row.get::<f64>(1).expect("real"), 1.5);
        assert_eq!(row.get::<String>(2).expect("text"), "chữ 字");
        assert_eq!(row.get::<Vec<u8>>(3).expect("bytes"), vec![0u8, 255, 1]);
        assert_eq!(row.get::<Option<i64>>(4).expect("null"), None);
        assert_eq!(row.get::<i64>(5).expect("integer column"), 42);
        assert_eq!(row.get::<i64>(6).expect("count"), 0);
        // An i64 too big for an integer parameter is refused, not cut.
        let e = p
            .read(|tx| tx.query_row(&Sql::both("SELECT $1::integer"), params![1i64 << 40]))
            .expect_err("out of range");
        assert!(matches!(e, StoreError::Postgres { .. }), "{e:?}");

        let insert = Sql::both(
            "INSERT INTO drafts (operator, ticket, purpose, text, updated_at)
             VALUES ($1, $2, $3, $4, $5)",
        );
        p.write(|tx| tx.execute(&insert, params!["a", "HT-1", "note", "x", 1i64]))
            .expect("first");
        let e = p
            .write(|tx| tx.execute(&insert, params!["a", "HT-1", "note", "y", 2i64]))
            .expect_err("second");
        assert!(e.is_unique_violation(), "{e:?}");
        assert!(!e.is_contention());
        // A read-only snapshot refuses writes (SQLSTATE 25006).
        let e = p
            .read(|tx| tx.execute(&insert, params!["b", "HT-1", "note", "y", 2i64]))
            .expect_err("read only");
        assert!(
            matches!(&e, StoreError::Postgres { code, .. } if code == "25006"),
            "{e:?}"
        );
    }

    /// A write that loses to others (SQLSTATE 40001 or 40P01) is rolled back and run again,
    /// at most PG_WRITE_ATTEMPTS times; what a failed attempt wrote is gone.
    #[test]
    fn contention_is_retried_on_postgres() {
        let Some((_c, mut p)) = pg() else { return };
        let fail = |code: &str| {
            format!("DO $$ BEGIN RAISE EXCEPTION 'lost' USING ERRCODE = '{code}'; END $$")
        };
        let mut attempts = 0;
        let done = p
            .write(|tx| {
                attempts += 1;
                tx.execute(
                    &Sql::both(
                        "INSERT INTO drafts (operator, ticket, purpose, text, updated_at)
                         VALUES ($1, 'HT-1', 'note', 'x', 1)",
                    ),
                    params![format!("try{attempts}")],
                )?;
                match attempts {
                    1 => tx.execute(&Sql::both(&fail("40001")), params![])?,
                    2 => tx.execute(&Sql::both(&fail("40P01")), params![])?,
                    _ => 0,
                };
                Ok(attempts)
            })
            .expect("third attempt");
        assert_eq!(done, 3);
        let kept = p
            .read(|tx| {
                tx.query_map(
                    &Sql::both("SELECT operator FROM drafts ORDER BY operator"),
                    params![],
                    |r| r.get::<String>(0),
                )
            })
            .expect("read");
        assert_eq!(kept, ["try3"]);

        let mut attempts = 0;
        let e = p
            .write(|tx| {
                attempts += 1;
                tx.execute(&Sql::both(&fail("40001")), params![])
            })
            .expect_err("always losing");
        assert!(e.is_contention(), "{e:?}");
        assert_eq!(attempts, PG_WRITE_ATTEMPTS);

        // Other errors are not retried.
        let mut attempts = 0;
        let e = p
            .write(|tx| {
                attempts += 1;
                tx.execute(&Sql::both(&fail("23505")), params![])
            })
            .expect_err("unique");
        assert!(e.is_unique_violation(), "{e:?}");
        assert_eq!(attempts, 1);
    }
}
