//! The configuration applied to the database (the organisation in force) and the database's
//! purpose (a live desk, a demo or a test database). On both engines
//! ([`super::engine::Tx`]): one SQL text each.

use super::engine::{Row, Sql, Tx, advisory_lock, params};
use super::{Store, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One configuration applied to the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedConfig {
    /// 1, 2, …: the newest is in force.
    pub version: i64,
    /// SHA-256 of `text` (hex).
    pub digest: String,
    /// The TOML text as applied.
    pub text: String,
    /// When it was applied.
    pub applied_at: DateTime<Utc>,
    /// The operator who applied it (or `hotro` for the configuration a new database took).
    pub applied_by: String,
    /// The real operator when an admin acted as `applied_by`.
    pub by: Option<String>,
}

/// What a database is for. `HOTRO_NOW` (a fixed clock) is accepted only on demo and test
/// databases; demo data only goes into demo databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Live,
    Demo,
    Test,
}

impl Purpose {
    /// The name kept in the database (`live`, `demo`, `test`).
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Live => "live",
            Purpose::Demo => "demo",
            Purpose::Test => "test",
        }
    }
    fn parse(s: &str) -> Purpose {
        match s {
            "demo" => Purpose::Demo,
            "test" => Purpose::Test,
            _ => Purpose::Live,
        }
    }
}

/// SHA-256 over the previous row's hash and this row's fields, each length-prefixed.
fn row_hash(
    previous: &str,
    version: i64,
    digest: &str,
    at: i64,
    by: &str,
    real: &str,
    purpose: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [previous, digest, by, real, purpose] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update(version.to_le_bytes());
    h.update(at.to_le_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The advisory lock key that serialises configuration writes on PostgreSQL ("hotroc" in
/// ASCII): the next version is read and then written, which SQLite's `BEGIN IMMEDIATE`
/// already serialises. Taken by [`apply`] and [`set_purpose`], so that two processes
/// starting at once record one configuration and a purpose is never changed beside one.
const CONFIG_LOCK: i64 = 0x6874_6f72_6f63;

/// On PostgreSQL, wait for [`CONFIG_LOCK`] (held to the end of the transaction).
fn lock_configs(tx: &mut dyn Tx) -> Result<(), StoreError> {
    advisory_lock(tx, CONFIG_LOCK)
}

fn config_from_row(r: &Row) -> Result<AppliedConfig, StoreError> {
    Ok(AppliedConfig {
        version: r.get(0)?,
        digest: r.get(1)?,
        text: r.get(2)?,
        applied_at: super::tickets::from_millis(r.get(3)?)?,
        applied_by: r.get(4)?,
        by: r.get(5)?,
    })
}

fn applied(tx: &mut dyn Tx) -> Result<Option<AppliedConfig>, StoreError> {
    tx.query_row(
        &Sql::both(
            "SELECT version, digest, text, applied_at, applied_by, by FROM config_versions
             ORDER BY version DESC LIMIT 1",
        ),
        params![],
    )?
    .map(|r| config_from_row(&r))
    .transpose()
}

fn apply(
    tx: &mut dyn Tx,
    text: &str,
    digest: &str,
    applied_by: &str,
    by: Option<&str>,
    at: i64,
    only_if_none: bool,
) -> Result<(), StoreError> {
    lock_configs(tx)?;
    let last: Option<(i64, String, String)> = tx
        .query_row(
            &Sql::both(
                "SELECT version, hash, digest FROM config_versions ORDER BY version DESC LIMIT 1",
            ),
            params![],
        )?
        .map(|r| Ok::<_, StoreError>((r.get(0)?, r.get(1)?, r.get(2)?)))
        .transpose()?;
    if let Some((_, _, d)) = &last
        && (only_if_none || d == digest)
    {
        return Ok(());
    }
    let (version, previous) = match last {
        Some((v, h, _)) => (v + 1, h),
        None => (1, String::new()),
    };
    let purpose = purpose_in(tx)?;
    let hash = row_hash(
        &previous,
        version,
        digest,
        at,
        applied_by,
        by.unwrap_or_default(),
        purpose.as_str(),
    );
    tx.execute(
        &Sql::both(
            "INSERT INTO config_versions
                (version, digest, text, applied_at, applied_by, by, purpose, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        ),
        params![
            version,
            digest,
            text,
            at,
            applied_by,
            by,
            purpose.as_str(),
            hash
        ],
    )?;
    Ok(())
}

fn set_purpose(tx: &mut dyn Tx, purpose: Purpose) -> Result<(), StoreError> {
    lock_configs(tx)?;
    let current: Option<String> = tx
        .query_row(
            &Sql::both("SELECT value FROM meta WHERE key = 'purpose'"),
            params![],
        )?
        .map(|r| r.get(0))
        .transpose()?;
    if current.as_deref() == Some(purpose.as_str()) {
        return Ok(());
    }
    let configs: i64 = count(tx, "SELECT count(*) FROM config_versions")?;
    let used = records_in(tx)? + configs;
    if used > 0 {
        return Err(StoreError::PurposeFixed {
            purpose: current.unwrap_or_else(|| "live".into()),
        });
    }
    tx.execute(
        &Sql::both(
            "INSERT INTO meta (key, value) VALUES ('purpose', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        ),
        params![purpose.as_str()],
    )?;
    Ok(())
}

fn count(tx: &mut dyn Tx, sql: &str) -> Result<i64, StoreError> {
    tx.query_row(&Sql::both(sql), params![])?
        .ok_or_else(|| StoreError::bad_value("count(*) gave no row"))?
        .get(0)
}

impl Store {
    /// The configuration in force: the newest applied, if any was.
    pub fn applied_config(&mut self) -> Result<Option<AppliedConfig>, StoreError> {
        self.read_tx(applied)
    }

    /// Record `text` as the configuration in force. With `only_if_none`, nothing is recorded
    /// when a configuration is already applied (a new database takes the first one it
    /// meets; several processes starting at once record one). Returns the one in force. On
    /// PostgreSQL the next version is read and written under an advisory lock: concurrent
    /// writers record one version each, in turn.
    pub fn apply_config(
        &mut self,
        text: &str,
        applied_by: &str,
        by: Option<&str>,
        now: DateTime<Utc>,
        only_if_none: bool,
    ) -> Result<AppliedConfig, StoreError> {
        let digest = crate::config::digest(text);
        let at = super::tickets::millis(now);
        self.write_tx(|tx| apply(tx, text, &digest, applied_by, by, at, only_if_none))?;
        self.applied_config()?
            .ok_or_else(|| StoreError::bad_value("no configuration applied"))
    }

    /// Whether the database holds any record (an event, a check, an announcement, an article).
    pub fn holds_records(&mut self) -> Result<bool, StoreError> {
        self.read_tx(|tx| Ok(records_in(tx)? > 0))
    }

    /// What the database is for (`live` unless created as a demo or test database).
    pub fn purpose(&mut self) -> Result<Purpose, StoreError> {
        self.read_tx(purpose_in)
    }

    /// Mark a database as a demo or test database. Only while it holds no ticket and no
    /// check: a live desk cannot be turned into one whose clock may be set by hand.
    pub fn set_purpose(&mut self, purpose: Purpose) -> Result<(), StoreError> {
        self.write_tx(|tx| set_purpose(tx, purpose))
    }

    /// The first applied configuration that does not fit (digest, chain, purpose), `None`
    /// when every one does.
    pub fn verify_configs(&mut self) -> Result<Option<i64>, StoreError> {
        self.read_tx(verify_configs_in)
    }
}

/// How many records the database holds: events, check log lines, announcements, articles.
fn records_in(tx: &mut dyn Tx) -> Result<i64, StoreError> {
    count(
        tx,
        "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM check_log)
              + (SELECT count(*) FROM announcements) + (SELECT count(*) FROM articles)",
    )
}

/// What the database is for, inside a transaction.
fn purpose_in(tx: &mut dyn Tx) -> Result<Purpose, StoreError> {
    let v: Option<String> = tx
        .query_row(
            &Sql::both("SELECT value FROM meta WHERE key = 'purpose'"),
            params![],
        )?
        .map(|r| r.get(0))
        .transpose()?;
    Ok(v.as_deref().map(Purpose::parse).unwrap_or(Purpose::Live))
}

/// Check the applied configurations: each text matches its digest, the rows' hash chain is
/// whole, and each row's purpose is the database's (a database turned into a sandbox with
/// plain SQL is found). Returns the first version that does not fit.
pub(crate) fn verify_configs_in(tx: &mut dyn Tx) -> Result<Option<i64>, StoreError> {
    let purpose = purpose_in(tx)?;
    let rows = tx.query_map(
        &Sql::both(
            "SELECT version, digest, text, applied_at, applied_by, by, purpose, hash
             FROM config_versions ORDER BY version",
        ),
        params![],
        |r| Ok(r.clone()),
    )?;
    let mut previous = String::new();
    for (expected_version, r) in (1_i64..).zip(rows) {
        let version: i64 = r.get(0)?;
        let digest: String = r.get(1)?;
        let text: String = r.get(2)?;
        let by: Option<String> = r.get(5)?;
        let row_purpose: String = r.get(6)?;
        let hash: String = r.get(7)?;
        let want = row_hash(
            &previous,
            version,
            &digest,
            r.get(3)?,
            &r.get::<String>(4)?,
            by.as_deref().unwrap_or_default(),
            &row_purpose,
        );
        if version != expected_version
            || crate::config::digest(&text) != digest
            || want != hash
            || row_purpose != purpose.as_str()
        {
            return Ok(Some(version));
        }
        previous = hash;
    }
    Ok(None)
}
