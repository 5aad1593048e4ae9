//! Incident announcements: the banner every running console shows while they are active.
//! On both engines ([`super::engine::Tx`]): one SQL text each.

use super::engine::{Row, Sql, Tx, params};
use super::tickets::{from_millis, millis};
use super::{Store, StoreError};
use crate::domain::announce::{Announcement, AnnouncementInput};
use chrono::{DateTime, Utc};

const COLUMNS: &str = "id, title, applications, problem, guidance, expected_fix, incident, \
    created_by, created_at, updated_by, updated_at, resolved_at, resolved_by, version";

fn from_row(r: &Row) -> Result<Announcement, StoreError> {
    let apps: String = r.get(2)?;
    let opt_time = |v: Option<i64>| v.map(from_millis).transpose();
    Ok(Announcement {
        id: r.get(0)?,
        title: r.get(1)?,
        applications: serde_json::from_str(&apps)
            .map_err(|e| StoreError::bad_value(format!("announcement applications: {e}")))?,
        problem: r.get(3)?,
        guidance: r.get(4)?,
        expected_fix: opt_time(r.get(5)?)?,
        incident: r.get(6)?,
        created_by: r.get(7)?,
        created_at: from_millis(r.get(8)?)?,
        updated_by: r.get(9)?,
        updated_at: from_millis(r.get(10)?)?,
        resolved_at: opt_time(r.get(11)?)?,
        resolved_by: r.get(12)?,
        version: r.get(13)?,
    })
}

fn load(tx: &mut dyn Tx, id: i64) -> Result<Announcement, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM announcements WHERE id = $1");
    match tx.query_row(&Sql::both(&sql), params![id])? {
        Some(r) => from_row(&r),
        None => Err(StoreError::AnnouncementNotFound(id)),
    }
}

fn apps_json(apps: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(apps).map_err(|e| StoreError::bad_value(e.to_string()))
}

/// The incident must be a real ticket; its key is stored as written in the database.
fn incident_key(tx: &mut dyn Tx, key: Option<&str>) -> Result<Option<String>, StoreError> {
    match key {
        Some(k) => match tx.query_row(
            &Sql::both("SELECT key FROM tickets WHERE key = $1"),
            params![k],
        )? {
            Some(r) => Ok(Some(r.get(0)?)),
            None => Err(StoreError::TicketNotFound(k.to_string())),
        },
        None => Ok(None),
    }
}

fn create(
    tx: &mut dyn Tx,
    input: &AnnouncementInput,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Announcement, StoreError> {
    let at = millis(now);
    let incident = incident_key(tx, input.incident.clone().flatten().as_deref())?;
    let row = tx.query_row(
        &Sql::both(
            "INSERT INTO announcements (title, applications, problem, guidance, expected_fix,
                incident, created_by, created_at, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $8)
             RETURNING id",
        ),
        params![
            input.title.clone().unwrap_or_default(),
            apps_json(input.applications.as_deref().unwrap_or_default())?,
            input.problem.clone().unwrap_or_default(),
            input.guidance.clone().unwrap_or_default(),
            input.expected_fix.flatten().map(millis),
            incident,
            actor,
            at
        ],
    )?;
    let id: i64 = row
        .ok_or_else(|| StoreError::bad_value("INSERT … RETURNING id gave no row"))?
        .get(0)?;
    load(tx, id)
}

fn edit(
    tx: &mut dyn Tx,
    id: i64,
    expect_version: Option<i64>,
    input: &AnnouncementInput,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Announcement, StoreError> {
    let at = millis(now);
    // PostgreSQL: the row locked before its version is compared (SQLite's BEGIN IMMEDIATE
    // already serialises writers), so two edits expecting one version never both pass.
    let lock = format!("SELECT {COLUMNS} FROM announcements WHERE id = $1");
    let lock_pg = format!("{lock} FOR UPDATE");
    let mut a = match tx.query_row(&Sql::pair(&lock, &lock_pg), params![id])? {
        Some(r) => from_row(&r)?,
        None => return Err(StoreError::AnnouncementNotFound(id)),
    };
    if let Some(expected) = expect_version
        && expected != a.version
    {
        return Err(StoreError::AnnouncementChanged {
            id,
            expected,
            current: a.version,
        });
    }
    if !a.is_active() {
        return Err(StoreError::AnnouncementResolved(id));
    }
    if let Some(t) = &input.title {
        a.title = t.clone();
    }
    if let Some(apps) = &input.applications {
        a.applications = apps.clone();
    }
    if let Some(p) = &input.problem {
        a.problem = p.clone();
    }
    if let Some(g) = &input.guidance {
        a.guidance = g.clone();
    }
    if let Some(fix) = input.expected_fix {
        a.expected_fix = fix;
    }
    if let Some(incident) = &input.incident {
        a.incident = incident_key(tx, incident.as_deref())?;
    }
    tx.execute(
        &Sql::both(
            "UPDATE announcements SET title = $1, applications = $2, problem = $3,
                guidance = $4, expected_fix = $5, incident = $6, updated_by = $7,
                updated_at = $8, version = version + 1
             WHERE id = $9",
        ),
        params![
            a.title.as_str(),
            apps_json(&a.applications)?,
            a.problem.as_str(),
            a.guidance.as_str(),
            a.expected_fix.map(millis),
            a.incident.clone(),
            actor,
            at,
            id
        ],
    )?;
    load(tx, id)
}

fn resolve(
    tx: &mut dyn Tx,
    id: i64,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Announcement, StoreError> {
    let at = millis(now);
    let lock = format!("SELECT {COLUMNS} FROM announcements WHERE id = $1");
    let lock_pg = format!("{lock} FOR UPDATE");
    let a = match tx.query_row(&Sql::pair(&lock, &lock_pg), params![id])? {
        Some(r) => from_row(&r)?,
        None => return Err(StoreError::AnnouncementNotFound(id)),
    };
    if !a.is_active() {
        return Err(StoreError::AnnouncementResolved(id));
    }
    tx.execute(
        &Sql::both(
            "UPDATE announcements SET resolved_at = $1, resolved_by = $2, updated_by = $2,
                updated_at = $1, version = version + 1
             WHERE id = $3",
        ),
        params![at, actor, id],
    )?;
    load(tx, id)
}

fn list(tx: &mut dyn Tx, active_only: bool) -> Result<Vec<Announcement>, StoreError> {
    let sql = if active_only {
        format!("SELECT {COLUMNS} FROM announcements WHERE resolved_at IS NULL ORDER BY id DESC")
    } else {
        format!("SELECT {COLUMNS} FROM announcements ORDER BY id DESC")
    };
    tx.query_map(&Sql::both(&sql), params![], from_row)
}

fn for_incident(tx: &mut dyn Tx, key: &str) -> Result<Option<Announcement>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM announcements
         WHERE incident = $1 AND resolved_at IS NULL ORDER BY id DESC LIMIT 1"
    );
    tx.query_row(&Sql::both(&sql), params![key])?
        .map(|r| from_row(&r))
        .transpose()
}

impl Store {
    /// Create an announcement from a validated input
    /// ([`crate::domain::announce::validate`]). Errors: [`StoreError::TicketNotFound`] when
    /// its incident names no ticket.
    pub fn create_announcement(
        &mut self,
        input: &AnnouncementInput,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Announcement, StoreError> {
        self.write_tx(|tx| create(tx, input, actor, now))
    }

    /// Change the fields `input` names. With `expect_version`, an announcement changed
    /// meanwhile is left alone ([`StoreError::AnnouncementChanged`]); a resolved one is
    /// [`StoreError::AnnouncementResolved`].
    pub fn edit_announcement(
        &mut self,
        id: i64,
        expect_version: Option<i64>,
        input: &AnnouncementInput,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Announcement, StoreError> {
        self.write_tx(|tx| edit(tx, id, expect_version, input, actor, now))
    }

    /// Mark an active announcement resolved by `actor` at `now`.
    pub fn resolve_announcement(
        &mut self,
        id: i64,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Announcement, StoreError> {
        self.write_tx(|tx| resolve(tx, id, actor, now))
    }

    /// One announcement. Errors: [`StoreError::AnnouncementNotFound`].
    pub fn announcement(&mut self, id: i64) -> Result<Announcement, StoreError> {
        self.read_tx(|tx| load(tx, id))
    }

    /// Announcements, newest first; only the active ones when `active_only`.
    pub fn announcements(&mut self, active_only: bool) -> Result<Vec<Announcement>, StoreError> {
        self.read_tx(|tx| list(tx, active_only))
    }

    /// The active announcement tracking this incident ticket, if any.
    pub fn announcement_for_incident(
        &mut self,
        key: &str,
    ) -> Result<Option<Announcement>, StoreError> {
        self.read_tx(|tx| for_incident(tx, key))
    }
}
