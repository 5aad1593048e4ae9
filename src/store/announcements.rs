//! Incident announcements: the banner every running console shows while they are active.

use super::tickets::{from_millis, load_by_key, millis};
use super::{Store, StoreError};
use crate::domain::announce::{Announcement, AnnouncementInput};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};

const COLUMNS: &str = "id, title, applications, problem, guidance, expected_fix, incident, \
    created_by, created_at, updated_by, updated_at, resolved_at, resolved_by, version";

fn from_row(r: &Row<'_>) -> Result<Announcement, StoreError> {
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

fn load(tx: &Transaction<'_>, id: i64) -> Result<Announcement, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM announcements WHERE id = ?1");
    let mut stmt = tx.prepare_cached(&sql)?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(r) => from_row(r),
        None => Err(StoreError::AnnouncementNotFound(id)),
    }
}

fn apps_json(apps: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(apps).map_err(|e| StoreError::bad_value(e.to_string()))
}

/// The incident must be a real ticket; its key is stored as written in the database.
fn incident_key(tx: &Transaction<'_>, key: Option<&str>) -> Result<Option<String>, StoreError> {
    match key {
        Some(k) => Ok(Some(load_by_key(tx, k)?.1.key)),
        None => Ok(None),
    }
}

impl Store {
    /// Create an announcement from a validated input
    /// ([`crate::domain::announce::validate`]).
    pub fn create_announcement(
        &mut self,
        input: &AnnouncementInput,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Announcement, StoreError> {
        let at = millis(now);
        self.write(|tx| {
            let incident = incident_key(tx, input.incident.clone().flatten().as_deref())?;
            tx.execute(
                "INSERT INTO announcements (title, applications, problem, guidance, expected_fix,
                    incident, created_by, created_at, updated_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7, ?8)",
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
            load(tx, tx.last_insert_rowid())
        })
    }

    /// Change the fields `input` names. With `expect_version`, an announcement changed
    /// meanwhile is left alone.
    pub fn edit_announcement(
        &mut self,
        id: i64,
        expect_version: Option<i64>,
        input: &AnnouncementInput,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Announcement, StoreError> {
        let at = millis(now);
        self.write(|tx| {
            let mut a = load(tx, id)?;
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
                "UPDATE announcements SET title = ?2, applications = ?3, problem = ?4,
                    guidance = ?5, expected_fix = ?6, incident = ?7, updated_by = ?8,
                    updated_at = ?9, version = version + 1
                 WHERE id = ?1",
                params![
                    id,
                    a.title,
                    apps_json(&a.applications)?,
                    a.problem,
                    a.guidance,
                    a.expected_fix.map(millis),
                    a.incident,
                    actor,
                    at
                ],
            )?;
            load(tx, id)
        })
    }

    pub fn resolve_announcement(
        &mut self,
        id: i64,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Announcement, StoreError> {
        let at = millis(now);
        self.write(|tx| {
            let a = load(tx, id)?;
            if !a.is_active() {
                return Err(StoreError::AnnouncementResolved(id));
            }
            tx.execute(
                "UPDATE announcements SET resolved_at = ?2, resolved_by = ?3, updated_by = ?3,
                    updated_at = ?2, version = version + 1
                 WHERE id = ?1",
                params![id, at, actor],
            )?;
            load(tx, id)
        })
    }

    pub fn announcement(&mut self, id: i64) -> Result<Announcement, StoreError> {
        self.read(|tx| load(tx, id))
    }

    /// Announcements, newest first; only the active ones when `active_only`.
    pub fn announcements(&mut self, active_only: bool) -> Result<Vec<Announcement>, StoreError> {
        self.read(|tx| {
            let sql = if active_only {
                format!(
                    "SELECT {COLUMNS} FROM announcements WHERE resolved_at IS NULL ORDER BY id DESC"
                )
            } else {
                format!("SELECT {COLUMNS} FROM announcements ORDER BY id DESC")
            };
            let mut stmt = tx.prepare_cached(&sql)?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(from_row(r)?);
            }
            Ok(out)
        })
    }

    /// The active announcement tracking this incident ticket, if any.
    pub fn announcement_for_incident(
        &mut self,
        key: &str,
    ) -> Result<Option<Announcement>, StoreError> {
        self.read(|tx| {
            let sql = format!(
                "SELECT {COLUMNS} FROM announcements
                 WHERE incident = ?1 AND resolved_at IS NULL ORDER BY id DESC LIMIT 1"
            );
            tx.query_row(&sql, [key], |r| Ok(from_row(r)))
                .optional()?
                .transpose()
        })
    }
}
