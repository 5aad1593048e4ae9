//! The morning check's results, its log and the finalised (frozen) report.
//! On both engines ([`super::engine::Tx`]).

use super::engine::{Sql, Tx, advisory_lock, params};
use super::tickets::{create_in, from_millis, load_by_key, millis};
use super::{Store, StoreError};
use crate::domain::check::{Amendment, CheckDay, CheckResult, Entry, Finalised, Source};
use crate::domain::text::{MAX_TEXT_BYTES, normalize};
use crate::domain::ticket::{Ctx, DomainError, Event, NewTicket, Ticket};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// One result to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord {
    pub system: String,
    pub result: CheckResult,
    pub note: String,
    pub source: Source,
    /// What a probe saw (empty for a manual result).
    pub detail: String,
}

/// A line of the day's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckLogEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub system: Option<String>,
    pub result: Option<String>,
    pub previous: Option<String>,
    pub note: String,
    pub amendment: bool,
}

fn day_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn parse_result(s: &str) -> Result<CheckResult, StoreError> {
    CheckResult::parse(s).ok_or_else(|| StoreError::bad_value(format!("check result `{s}`")))
}

/// Make the day's row if missing; `(finalised_at, finalised_by)` when it is finalised. On
/// PostgreSQL the day's row is locked (`FOR UPDATE`) so that a finalising and a record of the
/// same day are serialised as SQLite's `BEGIN IMMEDIATE` serialises them.
fn ensure_day(tx: &mut dyn Tx, date: &str) -> Result<Option<(i64, String)>, StoreError> {
    tx.execute(
        &Sql::both("INSERT INTO check_days (date) VALUES ($1) ON CONFLICT DO NOTHING"),
        params![date],
    )?;
    let finalised: Option<(Option<i64>, Option<String>)> = tx
        .query_row(
            &Sql::pair(
                "SELECT finalised_at, finalised_by FROM check_days WHERE date = $1",
                "SELECT finalised_at, finalised_by FROM check_days WHERE date = $1 FOR UPDATE",
            ),
            params![date],
        )?
        .map(|r| Ok::<_, StoreError>((r.get(0)?, r.get(1)?)))
        .transpose()?;
    Ok(match finalised {
        Some((Some(at), Some(by))) => Some((at, by)),
        _ => None,
    })
}

fn check_note(note: &str) -> Result<String, StoreError> {
    let note = normalize(note);
    if note.len() > MAX_TEXT_BYTES {
        return Err(DomainError::TooLong {
            field: "note",
            max: MAX_TEXT_BYTES,
            got: note.len(),
        }
        .into());
    }
    Ok(note.trim().to_string())
}

#[allow(clippy::too_many_arguments)]
fn log(
    tx: &mut dyn Tx,
    date: &str,
    system: Option<&str>,
    at: i64,
    actor: &str,
    action: &str,
    result: Option<&str>,
    previous: Option<&str>,
    note: &str,
    amendment: bool,
) -> Result<(), StoreError> {
    tx.execute(
        &Sql::both(
            "INSERT INTO check_log
                (date, system, at, actor, action, result, previous, note, amendment)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        ),
        params![
            date, system, at, actor, action, result, previous, note, amendment
        ],
    )?;
    Ok(())
}

fn entries_of(tx: &mut dyn Tx, date: &str) -> Result<Vec<Entry>, StoreError> {
    // Ordered by system in byte order (SQLite gave the primary key's order, BINARY, without
    // ORDER BY; PostgreSQL promises no order and its default collation may differ): the
    // frozen report is the same text on both engines.
    tx.query_map(
        &Sql::pair(
            "SELECT system, result, note, checked_by, checked_at, source, detail, incident
             FROM check_results WHERE date = $1 ORDER BY system",
            "SELECT system, result, note, checked_by, checked_at, source, detail, incident
             FROM check_results WHERE date = $1 ORDER BY system COLLATE \"C\"",
        ),
        params![date],
        |r| {
            let result: String = r.get(1)?;
            let source: String = r.get(5)?;
            Ok(Entry {
                system: r.get(0)?,
                result: parse_result(&result)?,
                note: r.get(2)?,
                by: r.get(3)?,
                at: from_millis(r.get(4)?)?,
                source: Source::parse(&source)
                    .ok_or_else(|| StoreError::bad_value(format!("check source `{source}`")))?,
                detail: r.get(6)?,
                incident: r.get(7)?,
            })
        },
    )
}

pub(super) fn day_in(tx: &mut dyn Tx, date: NaiveDate) -> Result<CheckDay, StoreError> {
    let text = day_text(date);
    let entries = entries_of(tx, &text)?;
    let row: Option<(Option<i64>, Option<String>, Option<String>)> = tx
        .query_row(
            &Sql::both("SELECT finalised_at, finalised_by, frozen FROM check_days WHERE date = $1"),
            params![text.as_str()],
        )?
        .map(|r| Ok::<_, StoreError>((r.get(0)?, r.get(1)?, r.get(2)?)))
        .transpose()?;
    let finalised = match row {
        Some((Some(at), Some(by), Some(frozen))) => Some(Finalised {
            at: from_millis(at)?,
            by,
            frozen: serde_json::from_str(&frozen)
                .map_err(|e| StoreError::bad_value(format!("frozen check of {text}: {e}")))?,
        }),
        _ => None,
    };
    let mut amendments = Vec::new();
    for l in log_in(tx, &text)? {
        if l.amendment
            && l.action == "record"
            && let (Some(system), Some(to)) = (&l.system, &l.result)
        {
            amendments.push(Amendment {
                system: system.clone(),
                at: l.at,
                by: l.actor.clone(),
                from: l.previous.as_deref().and_then(CheckResult::parse),
                to: parse_result(to)?,
                note: l.note.clone(),
            });
        }
    }
    Ok(CheckDay {
        date: Some(date),
        entries,
        finalised,
        amendments,
    })
}

pub(super) fn log_in(tx: &mut dyn Tx, date: &str) -> Result<Vec<CheckLogEntry>, StoreError> {
    tx.query_map(
        &Sql::both(
            "SELECT at, actor, action, system, result, previous, note, amendment
             FROM check_log WHERE date = $1 ORDER BY id",
        ),
        params![date],
        |r| {
            Ok(CheckLogEntry {
                at: from_millis(r.get(0)?)?,
                actor: r.get(1)?,
                action: r.get(2)?,
                system: r.get(3)?,
                result: r.get(4)?,
                previous: r.get(5)?,
                note: r.get(6)?,
                amendment: r.get(7)?,
            })
        },
    )
}

fn clean_records(records: &[CheckRecord]) -> Result<Vec<(&CheckRecord, String)>, StoreError> {
    records
        .iter()
        .map(|r| Ok((r, check_note(&r.note)?)))
        .collect()
}

fn record(
    tx: &mut dyn Tx,
    date: &str,
    clean: &[(&CheckRecord, String)],
    actor: &str,
    at: i64,
    may_amend: bool,
) -> Result<bool, StoreError> {
    let finalised = ensure_day(tx, date)?;
    if let (Some((at, by)), false) = (&finalised, may_amend) {
        return Err(StoreError::AlreadyFinalised {
            date: date.to_string(),
            by: by.clone(),
            at: from_millis(*at)?,
        });
    }
    let amendment = finalised.is_some();
    for (r, note) in clean {
        let previous: Option<String> = tx
            .query_row(
                &Sql::both("SELECT result FROM check_results WHERE date = $1 AND system = $2"),
                params![date, r.system.as_str()],
            )?
            .map(|row| row.get(0))
            .transpose()?;
        tx.execute(
            &Sql::both(
                "INSERT INTO check_results
                    (date, system, result, note, checked_by, checked_at, source, detail)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (date, system) DO UPDATE SET
                    result = excluded.result, note = excluded.note,
                    checked_by = excluded.checked_by, checked_at = excluded.checked_at,
                    source = excluded.source, detail = excluded.detail",
            ),
            params![
                date,
                r.system.as_str(),
                r.result.as_str(),
                note.as_str(),
                actor,
                at,
                r.source.as_str(),
                r.detail.as_str()
            ],
        )?;
        log(
            tx,
            date,
            Some(&r.system),
            at,
            actor,
            "record",
            Some(r.result.as_str()),
            previous.as_deref(),
            note,
            amendment,
        )?;
    }
    Ok(amendment)
}

fn days(tx: &mut dyn Tx, from: NaiveDate, to: NaiveDate) -> Result<Vec<CheckDay>, StoreError> {
    let dates: Vec<String> = tx.query_map(
        &Sql::both("SELECT date FROM check_days WHERE date BETWEEN $1 AND $2 ORDER BY date"),
        params![day_text(from), day_text(to)],
        |r| r.get(0),
    )?;
    let mut out = Vec::new();
    for d in dates {
        let date = NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_err(|e| StoreError::bad_value(format!("check date `{d}`: {e}")))?;
        out.push(day_in(tx, date)?);
    }
    Ok(out)
}

fn finalise(
    tx: &mut dyn Tx,
    date: NaiveDate,
    actor: &str,
    at: i64,
) -> Result<CheckDay, StoreError> {
    let text = day_text(date);
    if let Some((at, by)) = ensure_day(tx, &text)? {
        return Err(StoreError::AlreadyFinalised {
            date: text.clone(),
            by,
            at: from_millis(at)?,
        });
    }
    let frozen = serde_json::to_string(&entries_of(tx, &text)?)
        .map_err(|e| StoreError::bad_value(format!("freezing the check: {e}")))?;
    tx.execute(
        &Sql::both(
            "UPDATE check_days SET finalised_at = $1, finalised_by = $2, frozen = $3
             WHERE date = $4",
        ),
        params![at, actor, frozen, text.as_str()],
    )?;
    log(
        tx, &text, None, at, actor, "finalise", None, None, "", false,
    )?;
    day_in(tx, date)
}

impl Store {
    /// Record results for `date`, all in one transaction. After the day was finalised each
    /// change is logged as an amendment (who, when, from what); the finalised report itself
    /// never changes. Returns whether the records were amendments.
    pub fn record_checks(
        &mut self,
        date: NaiveDate,
        records: &[CheckRecord],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.record_checks_as(date, records, actor, now, true)
    }

    /// [`Store::record_checks`], refusing with [`StoreError::AlreadyFinalised`] (and writing
    /// nothing) when the day turns out to be finalised and `may_amend` is false: the
    /// question is answered in the same transaction as the write.
    pub fn record_checks_as(
        &mut self,
        date: NaiveDate,
        records: &[CheckRecord],
        actor: &str,
        now: DateTime<Utc>,
        may_amend: bool,
    ) -> Result<bool, StoreError> {
        let (date, clean) = (day_text(date), clean_records(records)?);
        self.write_tx(|tx| record(tx, &date, &clean, actor, millis(now), may_amend))
    }

    /// The day's results, its finalised report (if any) and its amendments, from one snapshot.
    pub fn check_day(&mut self, date: NaiveDate) -> Result<CheckDay, StoreError> {
        self.read_tx(|tx| day_in(tx, date))
    }

    /// Every day with a result in `from..=to`, oldest first (the history view).
    pub fn check_days(
        &mut self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CheckDay>, StoreError> {
        self.read_tx(|tx| days(tx, from, to))
    }

    /// The day's log: every result, incident, finalising and amendment, in order.
    pub fn check_log(&mut self, date: NaiveDate) -> Result<Vec<CheckLogEntry>, StoreError> {
        self.read_tx(|tx| log_in(tx, &day_text(date)))
    }

    /// Freeze the day's report as it stands. A day is finalised once; later changes are
    /// amendments ([`StoreError::AlreadyFinalised`]).
    pub fn finalise_check(
        &mut self,
        date: NaiveDate,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<CheckDay, StoreError> {
        self.write_tx(|tx| finalise(tx, date, actor, millis(now)))
    }

    /// Open the incident ticket for a system's recorded result and link it to the check, in
    /// one transaction. A result that already has its incident gets no second one: the
    /// existing ticket is returned with `false`.
    pub fn open_check_incident(
        &mut self,
        date: NaiveDate,
        system: &str,
        new: &NewTicket,
        ctx: Ctx<'_>,
    ) -> Result<(Ticket, Option<Event>), StoreError> {
        let text = day_text(date);
        let at = millis(ctx.now);
        self.write_tx(|tx| {
            advisory_lock(tx, super::tickets::CHAIN_LOCK)?;
            let row: Option<Option<String>> = tx
                .query_row(
                    &Sql::both(
                        "SELECT incident FROM check_results WHERE date = $1 AND system = $2",
                    ),
                    params![text.as_str(), system],
                )?
                .map(|r| r.get(0))
                .transpose()?;
            let Some(existing) = row else {
                return Err(StoreError::NotChecked {
                    date: text.clone(),
                    system: system.to_string(),
                });
            };
            if let Some(key) = existing {
                let (_, t) = load_by_key(tx, &key)?;
                return Ok((t, None));
            }
            let amendment = ensure_day(tx, &text)?.is_some();
            let (ticket, event) = create_in(tx, new, ctx)?;
            tx.execute(
                &Sql::both(
                    "UPDATE check_results SET incident = $1 WHERE date = $2 AND system = $3",
                ),
                params![ticket.key.as_str(), text.as_str(), system],
            )?;
            log(
                tx,
                &text,
                Some(system),
                at,
                ctx.actor,
                "incident",
                None,
                None,
                &ticket.key,
                amendment,
            )?;
            Ok((ticket, Some(event)))
        })
    }
}
