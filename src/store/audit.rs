//! Tamper evidence.
//!
//! * **The chain.** Every event's hash covers its own content, the ticket's state right after
//!   it ([`state_hash`]) and the previous event's hash, so an event edited, inserted or
//!   deleted with plain SQL breaks the chain from there on.
//! * **The ticket rows.** The row of every ticket must hash to the state its newest event
//!   recorded, its `version` must equal its number of events and the newest event's version,
//!   and its versions must have no gaps: a row edited with plain SQL, or its newest event
//!   deleted, is found.
//! * **Finalised morning checks.** The frozen report must be what the check log says was
//!   recorded before finalising, and the current results must be the frozen ones with the
//!   logged amendments applied.
//! * **Anchors.** A chain recomputed from scratch is consistent again; an anchor kept outside
//!   the file (`hotro db anchor`: the head's event id and hash) finds that.
//!
//! Hashing spec (stable; tests and outside tools recompute it): integers are 8 bytes little
//! endian, a byte string is its length (u64 LE) followed by its bytes, hex is lower case.
//! * chain hash = SHA-256( str(previous hash) str(actor) str(kind) str(payload) ticket_id
//!   version at_ms [str(state)] ) — `state` only for events that carry one (events written
//!   before schema 6 do not, and keep their hashes).
//! * state hash = SHA-256 over every field of the domain ticket in [`state_fields`] order:
//!   str(name), then 0 for "none" or 1 followed by str(value); times are milliseconds since
//!   1970 in decimal (what the store keeps), numbers in decimal, the escalation path as JSON.

pub(crate) use super::chain::chain_hash;
use super::chain::hex;
use super::checks::{day_in, log_in};
use super::engine::{Row, Sql, Tx, params};
use super::tickets::{TICKET_COLUMNS, from_millis, millis, ticket_from_row};
use super::{CheckLogEntry, Store, StoreError};
use crate::domain::check::{CheckDay, Entry};
use crate::domain::status::Status;
use crate::domain::ticket::Ticket;
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The canonical state of a ticket: every field of the domain [`Ticket`], by name, in a
/// fixed order, as text (`None` for an empty optional field). Times are in milliseconds, the
/// precision the store keeps, so a ticket hashes the same before it is written and after it
/// is read back.
pub(crate) fn state_fields(t: &Ticket) -> Vec<(&'static str, Option<String>)> {
    // No `..`: a field added to Ticket does not compile until it is covered here.
    let Ticket {
        key,
        kind,
        title,
        description,
        requester,
        channel,
        application,
        category,
        impact,
        urgency,
        priority,
        tier,
        group,
        assignee,
        status,
        created_at,
        updated_at,
        first_response_at,
        resolved_at,
        closed_at,
        parent,
        duplicate_of,
        resolution,
        current_step,
        requirement,
        escalation,
        external_ref,
        version,
    } = t;
    let ms = |t: &chrono::DateTime<chrono::Utc>| millis(*t).to_string();
    let escalation: Vec<String> = escalation
        .iter()
        .map(|h| {
            format!(
                "{{\"tier\":{},\"group\":{}}}",
                h.tier,
                serde_json::Value::String(h.group.clone())
            )
        })
        .collect();
    vec![
        ("key", Some(key.clone())),
        ("kind", Some(kind.clone())),
        ("title", Some(title.clone())),
        ("description", Some(description.clone())),
        ("requester_name", requester.name.clone()),
        ("requester_unit", requester.unit.clone()),
        ("requester_phone", requester.phone.clone()),
        ("requester_email", requester.email.clone()),
        ("channel", Some(channel.clone())),
        ("application", application.clone()),
        ("category", category.clone()),
        ("impact", Some(impact.clone())),
        ("urgency", Some(urgency.clone())),
        ("priority", Some(priority.clone())),
        ("tier", Some(tier.to_string())),
        ("group", Some(group.clone())),
        ("assignee", assignee.clone()),
        ("status", Some(status.as_str().to_string())),
        ("created_at", Some(ms(created_at))),
        ("updated_at", Some(ms(updated_at))),
        ("first_response_at", first_response_at.as_ref().map(ms)),
        ("resolved_at", resolved_at.as_ref().map(ms)),
        ("closed_at", closed_at.as_ref().map(ms)),
        ("parent", parent.clone()),
        ("duplicate_of", duplicate_of.clone()),
        ("resolution", resolution.clone()),
        ("current_step", current_step.clone()),
        ("escalation", Some(format!("[{}]", escalation.join(",")))),
        ("external_ref", external_ref.clone()),
        ("version", Some(version.to_string())),
    ]
    .into_iter()
    // Only a requirement has this field (issue 16): other tickets hash as they always did.
    .chain(requirement.as_ref().map(|r| {
        (
            "requirement",
            Some(serde_json::to_string(r).unwrap_or_default()),
        )
    }))
    .collect()
}

fn hash_fields(fields: &[(&'static str, Option<String>)]) -> String {
    let mut h = Sha256::new();
    for (name, value) in fields {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        match value {
            None => h.update([0u8]),
            Some(v) => {
                h.update([1u8]);
                h.update((v.len() as u64).to_le_bytes());
                h.update(v.as_bytes());
            }
        }
    }
    hex(&h.finalize())
}

/// SHA-256 of the ticket's canonical state ([`state_fields`]); hex, lower case.
pub(crate) fn state_hash(t: &Ticket) -> String {
    hash_fields(&state_fields(t))
}

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// The event's row id.
    pub event_id: i64,
    /// Its ticket's key (`None` if the ticket row is gone).
    pub ticket: Option<String>,
    /// The ticket's version after the event.
    pub version: i64,
}

/// The newest event of the chain: what `hotro db anchor` prints and a later
/// `hotro db verify --anchor ID:HASH` checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainHead {
    /// The event's row id.
    pub event_id: i64,
    /// Its chain hash (SHA-256, hex).
    pub hash: String,
}

impl std::fmt::Display for ChainHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.event_id, self.hash)
    }
}

impl std::str::FromStr for ChainHead {
    type Err = ();

    /// `ID:HASH`, as printed by `hotro db anchor`.
    fn from_str(s: &str) -> Result<Self, ()> {
        let (id, hash) = s.trim().split_once(':').ok_or(())?;
        let event_id: i64 = id.trim().parse().map_err(|_| ())?;
        let hash = hash.trim().to_ascii_lowercase();
        if event_id < 1 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(());
        }
        Ok(ChainHead { event_id, hash })
    }
}

/// One thing found wrong. The first one found is what `hotro db verify` and
/// `hotro db check` name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// An event's hash does not fit its content and the event before it.
    ChainBroken(BrokenLink),
    /// The anchor's event is gone.
    AnchorMissing { event_id: i64 },
    /// The anchor's event has another hash now: the chain was rewritten.
    AnchorMismatch {
        event_id: i64,
        anchored: String,
        found: String,
    },
    /// A version of the ticket has no event.
    VersionMissing { ticket: String, version: i64 },
    /// The row's version is not the number of events and the newest event's version.
    VersionMismatch {
        ticket: String,
        row_version: i64,
        events: i64,
        newest: i64,
    },
    /// The newest event carries no state hash (written before schema 6 and not stamped).
    NoState {
        ticket: String,
        event_id: i64,
        version: i64,
    },
    /// The row differs from the state after its events in exactly this field.
    StateField {
        ticket: String,
        version: i64,
        field: String,
        row: Option<String>,
        events: Option<String>,
    },
    /// The row differs from the state after its events (several fields, or a field whose
    /// value the events do not say).
    StateDiffers { ticket: String, version: i64 },
    /// The row cannot be read as a ticket at all (e.g. an unknown status).
    UnreadableRow { ticket: String, detail: String },
    /// A finalised check's frozen report differs from what its log says was recorded.
    CheckFrozen {
        date: String,
        system: String,
        field: String,
        frozen: Option<String>,
        log: Option<String>,
    },
    /// An applied configuration was changed outside hotro (its text, digest or hash chain).
    ConfigChanged { version: i64 },
    /// The event recorded beside the file (`<db>-hotro-head`) as committed is not in the
    /// file with that hash: committed changes were lost (a deleted `-wal`, an older copy put
    /// in place).
    ChangesLost { event_id: i64, newest: Option<i64> },
    /// A ticket's file differs from what its `attached` event recorded (issue 12): its row
    /// names another content or name, the row is gone, or the stored bytes no longer have
    /// the SHA-256 they are kept under.
    AttachmentChanged { ticket: String, n: i64 },
    /// A finalised check's current result differs from the frozen one plus its amendments.
    CheckResult {
        date: String,
        system: String,
        field: String,
        now: Option<String>,
        expected: Option<String>,
    },
}

/// What `verify` looked at and the first thing it found wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Events whose hashes were recomputed.
    pub events: i64,
    /// Ticket rows compared with their events.
    pub tickets: i64,
    /// Finalised morning-check days compared with their logs.
    pub check_days: i64,
    /// The newest event (none in an empty file).
    pub head: Option<ChainHead>,
    /// Where the hash chain first breaks, if it does.
    pub first_broken: Option<BrokenLink>,
    /// The first problem of any kind (the chain first, then anchors, tickets in id order and
    /// finalised check days by date).
    pub first_problem: Option<Problem>,
    /// How many problems were found in all.
    pub problems: i64,
}

impl VerifyReport {
    /// Nothing wrong.
    pub fn is_clean(&self) -> bool {
        self.first_problem.is_none()
    }
}

struct Findings {
    first: Option<Problem>,
    count: i64,
}

impl Findings {
    fn add(&mut self, p: Problem) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(p);
        }
    }
}

/// How far a verification is: events and ticket rows looked at, of all there are.
pub(crate) struct Tally<'a> {
    done: u64,
    total: u64,
    report: &'a mut dyn FnMut(u64, u64),
}

impl<'a> Tally<'a> {
    pub(crate) fn new(total: u64, report: &'a mut dyn FnMut(u64, u64)) -> Tally<'a> {
        Tally {
            done: 0,
            total,
            report,
        }
    }

    /// One more item; reported every 10,000 and at the end.
    fn tick(&mut self) {
        self.done += 1;
        if self.done.is_multiple_of(10_000) || self.done == self.total {
            (self.report)(self.done.min(self.total), self.total);
        }
    }
}

/// Walk the chain, oldest first: the number of events, where it first breaks and its head.
/// One streaming query: the events are hashed as they arrive, never all held.
pub(crate) fn verify_chain(
    tx: &mut dyn Tx,
    tally: &mut Tally<'_>,
) -> Result<(i64, Option<BrokenLink>, Option<ChainHead>), StoreError> {
    let mut previous = String::new();
    let mut events = 0i64;
    let mut broken = None;
    let mut head = None;
    tx.query(
        &Sql::both(
            "SELECT e.id, e.ticket_id, e.version, e.at, e.actor, e.kind, e.payload, e.hash,
                    e.state, t.key
             FROM events e LEFT JOIN tickets t ON t.id = e.ticket_id ORDER BY e.id",
        ),
        params![],
        &mut |r| {
            events += 1;
            tally.tick();
            let id: i64 = r.get(0)?;
            let stored: String = r.get(7)?;
            let state: Option<String> = r.get(8)?;
            let expected = chain_hash(
                &previous,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                &r.get::<String>(4)?,
                &r.get::<String>(5)?,
                &r.get::<String>(6)?,
                state.as_deref(),
            );
            if broken.is_none() && stored != expected {
                broken = Some(BrokenLink {
                    event_id: id,
                    ticket: r.get(9)?,
                    version: r.get(2)?,
                });
            }
            head = Some(ChainHead {
                event_id: id,
                hash: stored.clone(),
            });
            previous = stored;
            Ok(())
        },
    )?;
    Ok((events, broken, head))
}

/// Every value the ticket's events mention (and the times they happened): the candidates
/// for "what the field was after its events" when exactly one field of the row differs.
fn candidates_of(tx: &mut dyn Tx, ticket_id: i64) -> Result<BTreeSet<String>, StoreError> {
    fn walk(v: &serde_json::Value, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::String(s) => {
                out.insert(s.clone());
                if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
                    out.insert(t.timestamp_millis().to_string());
                }
            }
            serde_json::Value::Number(n) => {
                out.insert(n.to_string());
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            serde_json::Value::Object(map) => map.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out: BTreeSet<String> = Status::ALL.iter().map(|s| s.as_str().to_string()).collect();
    tx.query(
        &Sql::both("SELECT version, at, actor, payload FROM events WHERE ticket_id = $1"),
        params![ticket_id],
        &mut |r| {
            out.insert(r.get::<i64>(0)?.to_string());
            out.insert(r.get::<i64>(1)?.to_string());
            out.insert(r.get(2)?);
            let payload: String = r.get(3)?;
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&payload) {
                walk(&v, &mut out);
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// The row hashes to something else than `state`: find the one field that, set to a value
/// the events mention, makes it hash to `state`.
fn differing_field(
    fields: &[(&'static str, Option<String>)],
    state: &str,
    candidates: &BTreeSet<String>,
) -> Option<(&'static str, Option<String>, Option<String>)> {
    let options: Vec<Option<String>> = std::iter::once(None)
        .chain(candidates.iter().cloned().map(Some))
        .collect();
    for (i, (name, row_value)) in fields.iter().enumerate() {
        for option in &options {
            if option == row_value {
                continue;
            }
            let mut trial = fields.to_vec();
            trial[i].1 = option.clone();
            if hash_fields(&trial) == state {
                return Some((name, row_value.clone(), option.clone()));
            }
        }
    }
    None
}

/// Show a time field in RFC 3339 rather than milliseconds.
fn readable(field: &str, value: Option<String>) -> Option<String> {
    if !field.ends_with("_at") {
        return value;
    }
    value.map(|v| match v.parse::<i64>().ok().map(from_millis) {
        Some(Ok(t)) => t.to_rfc3339(),
        _ => v,
    })
}

/// Ticket rows read per round trip while they are compared with their events: a page is
/// held while its tickets' events are looked up (a transaction runs one statement at a time).
const TICKET_PAGE: i64 = 1_000;

/// Compare every ticket row with its events, a page of rows at a time in id order.
fn verify_tickets(
    tx: &mut dyn Tx,
    found: &mut Findings,
    tally: &mut Tally<'_>,
) -> Result<i64, StoreError> {
    // After the ticket's columns (0..=31, TICKET_COLUMNS): the events' count, lowest and
    // highest version, the queues' `following_group`, and the newest event's id and state.
    let sql = format!(
        "SELECT {TICKET_COLUMNS},
            (SELECT count(*) FROM events e WHERE e.ticket_id = tickets.id),
            (SELECT min(e.version) FROM events e WHERE e.ticket_id = tickets.id),
            (SELECT max(e.version) FROM events e WHERE e.ticket_id = tickets.id),
            following_group,
            (SELECT e.id FROM events e WHERE e.ticket_id = tickets.id
             ORDER BY e.version DESC, e.id LIMIT 1),
            (SELECT e.state FROM events e WHERE e.ticket_id = tickets.id
             ORDER BY e.version DESC, e.id LIMIT 1)
         FROM tickets WHERE tickets.id > $1 ORDER BY tickets.id LIMIT $2"
    );
    let mut tickets = 0i64;
    let mut after = i64::MIN;
    loop {
        let page: Vec<Row> = tx.query_map(&Sql::both(&sql), params![after, TICKET_PAGE], |r| {
            Ok(r.clone())
        })?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.get(0)?;
        for r in &page {
            tickets += 1;
            tally.tick();
            verify_ticket(tx, r, found)?;
        }
    }
    Ok(tickets)
}

/// Compare one ticket row (as [`verify_tickets`] selects it) with its events.
fn verify_ticket(tx: &mut dyn Tx, r: &Row, found: &mut Findings) -> Result<(), StoreError> {
    let id: i64 = r.get(0)?;
    let key: String = r.get(1)?;
    let row_version: i64 = r.get(30)?;
    let count: i64 = r.get(32)?;
    let min: Option<i64> = r.get(33)?;
    let max: i64 = r.get::<Option<i64>>(34)?.unwrap_or(0);
    if count != max || min.is_some_and(|m| m != 1) {
        let versions: Vec<i64> = tx.query_map(
            &Sql::both("SELECT version FROM events WHERE ticket_id = $1 ORDER BY version"),
            params![id],
            |v| v.get(0),
        )?;
        let missing = (1i64..)
            .zip(&versions)
            .find(|(want, got)| *want != **got)
            .map(|(want, _)| want)
            .unwrap_or(max + 1);
        found.add(Problem::VersionMissing {
            ticket: key,
            version: missing,
        });
        return Ok(());
    }
    if row_version != count {
        found.add(Problem::VersionMismatch {
            ticket: key,
            row_version,
            events: count,
            newest: max,
        });
        return Ok(());
    }
    let ticket = match ticket_from_row(r) {
        Ok(t) => t,
        Err(e) => {
            found.add(Problem::UnreadableRow {
                ticket: key,
                detail: e.to_string(),
            });
            return Ok(());
        }
    };
    // Versions 1..=count without gaps: the newest event is the one of version `max`.
    let event_id: i64 = r.get(36)?;
    let Some(state) = r.get::<Option<String>>(37)? else {
        found.add(Problem::NoState {
            ticket: key,
            event_id,
            version: max,
        });
        return Ok(());
    };
    let fields = state_fields(&ticket);
    if hash_fields(&fields) == state {
        // The queues select on `following_group`, kept beside the state: it must be the
        // top of the escalation path. (`title_folded` is left out: it follows the
        // folding rules of the hotro that wrote it, which may change.)
        let following: Option<String> = r.get(35)?;
        let derived = ticket.following_group().map(str::to_string);
        if following != derived {
            found.add(Problem::StateField {
                ticket: key,
                version: max,
                field: "following_group".to_string(),
                row: following,
                events: derived,
            });
        }
        return Ok(());
    }
    let candidates = candidates_of(tx, id)?;
    found.add(match differing_field(&fields, &state, &candidates) {
        Some((field, row, events)) => Problem::StateField {
            ticket: key,
            version: max,
            field: field.to_string(),
            row: readable(field, row),
            events: readable(field, events),
        },
        None => Problem::StateDiffers {
            ticket: key,
            version: max,
        },
    });
    Ok(())
}

/// The fields of a check result that the log records, as text.
fn logged_fields(e: &Entry) -> [(&'static str, Option<String>); 5] {
    [
        ("result", Some(e.result.as_str().to_string())),
        ("checked_by", Some(e.by.clone())),
        ("checked_at", Some(e.at.to_rfc3339())),
        ("note", Some(e.note.clone())),
        ("incident", e.incident.clone()),
    ]
}

/// The first field in which two versions of a system's result differ (`None` for a system
/// that is only on one side).
fn first_difference(
    a: Option<&Entry>,
    b: Option<&Entry>,
    full: bool,
) -> Option<(&'static str, Option<String>, Option<String>)> {
    match (a, b) {
        (None, None) => None,
        (Some(a), None) => Some(("result", Some(a.result.as_str().to_string()), None)),
        (None, Some(b)) => Some(("result", None, Some(b.result.as_str().to_string()))),
        (Some(a), Some(b)) => {
            let mut fa = logged_fields(a).to_vec();
            let mut fb = logged_fields(b).to_vec();
            if full {
                fa.push(("source", Some(a.source.as_str().to_string())));
                fa.push(("detail", Some(a.detail.clone())));
                fb.push(("source", Some(b.source.as_str().to_string())));
                fb.push(("detail", Some(b.detail.clone())));
            }
            fa.into_iter()
                .zip(fb)
                .find(|(x, y)| x.1 != y.1)
                .map(|(x, y)| (x.0, x.1, y.1))
        }
    }
}

/// Apply one line of a check log to the results it replays: a recorded result (source and
/// detail are not logged; they are taken from `base`) or an incident opened for it. Returns
/// whether the line recorded a result.
fn replay_line(
    results: &mut BTreeMap<String, Entry>,
    l: &CheckLogEntry,
    base: Option<&Entry>,
) -> bool {
    let Some(system) = &l.system else {
        return false;
    };
    match l.action.as_str() {
        "record" => {
            let Some(result) = l
                .result
                .as_deref()
                .and_then(crate::domain::check::CheckResult::parse)
            else {
                return false;
            };
            let incident = results.get(system).and_then(|e| e.incident.clone());
            results.insert(
                system.clone(),
                Entry {
                    system: system.clone(),
                    result,
                    note: l.note.clone(),
                    by: l.actor.clone(),
                    at: l.at,
                    source: base
                        .map(|b| b.source)
                        .unwrap_or(crate::domain::check::Source::Manual),
                    detail: base.map(|b| b.detail.clone()).unwrap_or_default(),
                    incident,
                },
            );
            true
        }
        "incident" => {
            if let Some(e) = results.get_mut(system) {
                e.incident = Some(l.note.clone());
            }
            false
        }
        _ => false,
    }
}

/// Re-derive a finalised day from its log: the frozen report must be what was recorded
/// before finalising, and the current results the frozen ones plus the logged amendments.
fn verify_check_day(date: &str, day: &CheckDay, log: &[CheckLogEntry], found: &mut Findings) {
    let Some(finalised) = &day.finalised else {
        return;
    };
    let finalise_at = log.iter().position(|l| l.action == "finalise");
    let (before, after) = log.split_at(finalise_at.unwrap_or(log.len()));
    let frozen: BTreeMap<&str, &Entry> = finalised
        .frozen
        .iter()
        .map(|e| (e.system.as_str(), e))
        .collect();
    // What the log says was recorded before finalising; source and detail are not logged,
    // so they are taken from the frozen entry.
    let mut logged: BTreeMap<String, Entry> = BTreeMap::new();
    for l in before {
        let base = l.system.as_deref().and_then(|s| frozen.get(s).copied());
        replay_line(&mut logged, l, base);
    }
    let systems: BTreeSet<&str> = frozen
        .keys()
        .copied()
        .chain(logged.keys().map(String::as_str))
        .collect();
    for system in &systems {
        if let Some((field, f, l)) =
            first_difference(frozen.get(system).copied(), logged.get(*system), false)
        {
            found.add(Problem::CheckFrozen {
                date: date.to_string(),
                system: system.to_string(),
                field: field.to_string(),
                frozen: f,
                log: l,
            });
            return;
        }
    }
    // The frozen results plus the amendments logged since: what the results must be now.
    let mut expected: BTreeMap<String, Entry> = finalised
        .frozen
        .iter()
        .map(|e| (e.system.clone(), e.clone()))
        .collect();
    let mut amended: BTreeSet<String> = BTreeSet::new();
    for l in after {
        let base = l.system.as_deref().and_then(|s| day.entry(s));
        if replay_line(&mut expected, l, base)
            && let Some(system) = &l.system
        {
            amended.insert(system.clone());
        }
    }
    let current: BTreeMap<&str, &Entry> =
        day.entries.iter().map(|e| (e.system.as_str(), e)).collect();
    let systems: BTreeSet<&str> = current
        .keys()
        .copied()
        .chain(expected.keys().map(String::as_str))
        .collect();
    for system in systems {
        let full = !amended.contains(system);
        if let Some((field, now, want)) =
            first_difference(current.get(system).copied(), expected.get(system), full)
        {
            found.add(Problem::CheckResult {
                date: date.to_string(),
                system: system.to_string(),
                field: field.to_string(),
                now,
                expected: want,
            });
            return;
        }
    }
}

/// Every finalised morning check against its log; the number of days compared.
fn verify_checks(tx: &mut dyn Tx, found: &mut Findings) -> Result<i64, StoreError> {
    // One row per day: a few hundred a year, held while each day is read.
    let dates: Vec<String> = tx.query_map(
        &Sql::both("SELECT date FROM check_days WHERE finalised_at IS NOT NULL ORDER BY date"),
        params![],
        |r| r.get(0),
    )?;
    for date in &dates {
        let day = NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|e| StoreError::bad_value(format!("check date `{date}`: {e}")))?;
        let checked = day_in(tx, day)?;
        let log = log_in(tx, date)?;
        verify_check_day(date, &checked, &log, found);
    }
    Ok(dates.len() as i64)
}

/// The hash stored for event `id` (`None`: no such event).
fn stored_hash(tx: &mut dyn Tx, id: i64) -> Result<Option<String>, StoreError> {
    tx.query_row(
        &Sql::both("SELECT hash FROM events WHERE id = $1"),
        params![id],
    )?
    .map(|r| r.get(0))
    .transpose()
}

/// Everything [`Store::verify_audit`] checks, inside the caller's snapshot, on either engine:
/// the chain, the `anchors`, the head `recorded` beside a SQLite file (none on PostgreSQL),
/// every ticket row, finalised morning checks, configurations and attachments.
/// `progress(items done, items)` counts events and ticket rows.
pub(crate) fn verify_in(
    tx: &mut dyn Tx,
    anchors: &[ChainHead],
    recorded: Option<&ChainHead>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport, StoreError> {
    let total: i64 = tx
        .query_row(
            &Sql::both("SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM tickets)"),
            params![],
        )?
        .map(|r| r.get(0))
        .transpose()?
        .unwrap_or(0);
    let mut tally = Tally::new(total.max(0) as u64, progress);
    let mut found = Findings {
        first: None,
        count: 0,
    };
    let (events, first_broken, head) = verify_chain(tx, &mut tally)?;
    if let Some(b) = &first_broken {
        found.add(Problem::ChainBroken(b.clone()));
    }
    for anchor in anchors {
        match stored_hash(tx, anchor.event_id)? {
            None => found.add(Problem::AnchorMissing {
                event_id: anchor.event_id,
            }),
            Some(h) if h != anchor.hash => found.add(Problem::AnchorMismatch {
                event_id: anchor.event_id,
                anchored: anchor.hash.clone(),
                found: h,
            }),
            Some(_) => {}
        }
    }
    if let Some(r) = recorded {
        let hash = stored_hash(tx, r.event_id)?;
        if hash.as_deref() != Some(r.hash.as_str()) {
            found.add(Problem::ChangesLost {
                event_id: r.event_id,
                newest: head.as_ref().map(|h| h.event_id),
            });
        }
    }
    let tickets = verify_tickets(tx, &mut found, &mut tally)?;
    let check_days = verify_checks(tx, &mut found)?;
    if let Some(version) = super::configs::verify_configs_in(tx)? {
        found.add(Problem::ConfigChanged { version });
    }
    verify_attachments(tx, &mut found)?;
    Ok(VerifyReport {
        events,
        tickets,
        check_days,
        head,
        first_broken,
        first_problem: found.first,
        problems: found.count,
    })
}

/// `attached` events read per round trip while their files are looked up.
const ATTACHED_PAGE: i64 = 500;

/// Every file an `attached` event recorded is still kept as recorded: its row names the
/// same content and name, and the content still has its SHA-256 (issue 12). The events are
/// read a page at a time, in id order.
fn verify_attachments(tx: &mut dyn Tx, found: &mut Findings) -> Result<(), StoreError> {
    let mut after = i64::MIN;
    loop {
        let page: Vec<(i64, String, String)> = tx.query_map(
            &Sql::both(
                "SELECT e.id, t.key, e.payload FROM events e JOIN tickets t ON t.id = e.ticket_id
                 WHERE e.kind = 'attached' AND e.id > $1 ORDER BY e.id LIMIT $2",
            ),
            params![after, ATTACHED_PAGE],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let Some((last, _, _)) = page.last() else {
            return Ok(());
        };
        after = *last;
        for (_, ticket, payload) in page {
            let files = serde_json::from_str::<serde_json::Value>(&payload)
                .ok()
                .and_then(|v| {
                    serde_json::from_value::<Vec<crate::domain::mail::AttachedFile>>(
                        v.get("files")?.clone(),
                    )
                    .ok()
                })
                .unwrap_or_default();
            for f in files {
                let kept = tx.query_row(
                    &Sql::both(
                        "SELECT a.sha256, a.file_name, b.data FROM attachments a
                         LEFT JOIN blobs b ON b.sha256 = a.sha256
                         WHERE a.ticket = $1 AND a.n = $2",
                    ),
                    params![ticket.as_str(), f.n],
                )?;
                let sound = match kept {
                    Some(r) => {
                        let sha: String = r.get(0)?;
                        let name: String = r.get(1)?;
                        let data: Option<Vec<u8>> = r.get(2)?;
                        sha == f.sha256
                            && name == f.name
                            && data.is_some_and(|d| crate::domain::mail::sha256_hex(&d) == f.sha256)
                    }
                    None => false,
                };
                if !sound {
                    found.add(Problem::AttachmentChanged {
                        ticket: ticket.clone(),
                        n: f.n,
                    });
                }
            }
        }
    }
}

/// Schema 6 brings state hashes. Events written before carry none; give the newest event of
/// every existing ticket the state of its row as it is now, and recompute the chain from the
/// first event so stamped (its hash now covers the state). Done only over an intact chain:
/// over a broken one, rewriting the hashes would hide the break, so the events are left as
/// they were and `verify` keeps reporting the break (and the tickets without a state).
pub(crate) fn stamp_legacy_states(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let (_, broken, _) = verify_chain(
        &mut super::engine::SqliteTx::new(tx),
        &mut Tally::new(0, &mut |_, _| {}),
    )?;
    if broken.is_some() {
        return Ok(());
    }
    let sql = format!(
        "SELECT {TICKET_COLUMNS},
            (SELECT e.id FROM events e WHERE e.ticket_id = tickets.id AND e.state IS NULL
             ORDER BY e.version DESC LIMIT 1)
         FROM tickets ORDER BY id"
    );
    let mut first_stamped: Option<i64> = None;
    {
        let mut stmt = tx.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut stamp = tx.prepare("UPDATE events SET state = ?2 WHERE id = ?1")?;
        while let Some(r) = rows.next()? {
            let Some(event_id) = r.get::<_, Option<i64>>(32)? else {
                continue;
            };
            // A row that cannot be read as a ticket stays unstamped; verify names it.
            let Ok(ticket) = super::engine::sqlite_row(r).and_then(|r| ticket_from_row(&r)) else {
                continue;
            };
            stamp.execute(rusqlite::params![event_id, state_hash(&ticket)])?;
            first_stamped = Some(first_stamped.map_or(event_id, |f| f.min(event_id)));
        }
    }
    let Some(from) = first_stamped else {
        return Ok(());
    };
    let mut previous: String = tx
        .query_row(
            "SELECT hash FROM events WHERE id < ?1 ORDER BY id DESC LIMIT 1",
            [from],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_default();
    let mut stmt = tx.prepare(
        "SELECT id, ticket_id, version, at, actor, kind, payload, state FROM events
         WHERE id >= ?1 ORDER BY id",
    )?;
    let mut rows = stmt.query([from])?;
    let mut update = tx.prepare("UPDATE events SET hash = ?2 WHERE id = ?1")?;
    while let Some(r) = rows.next()? {
        let hash = chain_hash(
            &previous,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            &r.get::<_, String>(4)?,
            &r.get::<_, String>(5)?,
            &r.get::<_, String>(6)?,
            r.get::<_, Option<String>>(7)?.as_deref(),
        );
        update.execute(rusqlite::params![r.get::<_, i64>(0)?, hash])?;
        previous = hash;
    }
    Ok(())
}

/// The newest event's id and hash, as stored (`None` before the first event), on either
/// engine.
pub(crate) fn chain_head_in(tx: &mut dyn Tx) -> Result<Option<ChainHead>, StoreError> {
    tx.query_row(
        &Sql::both("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1"),
        params![],
    )?
    .map(|r| {
        Ok(ChainHead {
            event_id: r.get(0)?,
            hash: r.get(1)?,
        })
    })
    .transpose()
}

impl Store {
    /// Recompute the chain over every event, oldest first; report the first that does not
    /// fit (and everything else [`Store::verify_audit`] checks).
    pub fn verify_events(&mut self) -> Result<VerifyReport, StoreError> {
        self.verify_audit(&[])
    }

    /// The whole audit: the hash chain, the anchors given (each must still be in the chain
    /// with its hash), every ticket row against its events and every finalised morning check
    /// against its log, from one snapshot.
    pub fn verify_audit(&mut self, anchors: &[ChainHead]) -> Result<VerifyReport, StoreError> {
        self.verify_audit_with(anchors, &mut |_, _| {})
    }

    /// [`Store::verify_audit`], calling `progress(items done, items)` (events and ticket
    /// rows) every 10,000 items.
    pub fn verify_audit_with(
        &mut self,
        anchors: &[ChainHead],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<VerifyReport, StoreError> {
        let recorded = super::guard::recorded_head(&self.path);
        self.read_tx(|tx| verify_in(tx, anchors, recorded.as_ref(), progress))
    }

    /// The newest event's id and hash, as stored (`None` before the first event).
    pub fn chain_head(&mut self) -> Result<Option<ChainHead>, StoreError> {
        self.read_tx(chain_head_in)
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::domain::ticket::{Change, Ctx, NewTicket};
    use rusqlite::params;

    #[test]
    fn an_event_edited_with_plain_sql_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("a.db")).unwrap();
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
        let mut store = Store::create(&dir.path().join("b.db")).unwrap();
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

    fn ctx_at(
        org: &crate::domain::org::Organisation,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Ctx<'_> {
        Ctx {
            org,
            actor: "nguyenvanan",
            now,
            by: None,
        }
    }

    fn first_problem(store: &mut Store) -> Option<Problem> {
        store.verify_audit(&[]).unwrap().first_problem
    }

    #[test]
    fn the_state_hash_survives_a_round_trip_through_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("s.db")).unwrap();
        let org = config::embedded().org;
        // Nanoseconds everywhere: the store keeps milliseconds.
        let now = chrono::Utc::now() + chrono::Duration::nanoseconds(123_456);
        let ctx = ctx_at(&org, now);
        let (t, _) = store
            .create_ticket(
                &NewTicket {
                    title: "Lỗi đăng nhập TABMIS".into(),
                    description: "mô tả\ndòng hai".into(),
                    received_at: Some(now - chrono::Duration::nanoseconds(987_654_321)),
                    requester: crate::domain::ticket::Requester {
                        name: Some("Trần Thị Bình".into()),
                        ..Default::default()
                    },
                    ..NewTicket::default()
                },
                ctx,
            )
            .unwrap();
        assert_eq!(state_hash(&t), state_hash(&store.ticket(&t.key).unwrap()));
        let changes = [
            Change::Reply {
                text: "đã nhận".into(),
            },
            Change::Assign {
                to: Some("nguyenvanan".into()),
                group: None,
            },
            Change::Escalate {
                group: None,
                reason: "cần tầng 2".into(),
                external_ref: Some("VND-1".into()),
            },
            Change::Resolve {
                resolution: "đã sửa".into(),
            },
        ];
        for (i, change) in changes.into_iter().enumerate() {
            let ctx = ctx_at(
                &org,
                now + chrono::Duration::nanoseconds(1_000_001 * i as i64),
            );
            let (changed, _) = store.change_ticket(&t.key, None, change, ctx).unwrap();
            let loaded = store.ticket(&t.key).unwrap();
            assert_eq!(
                state_hash(&changed),
                state_hash(&loaded),
                "after change {i}"
            );
            let stored: String = store
                .read(|tx| {
                    Ok(tx.query_row(
                        "SELECT state FROM events ORDER BY id DESC LIMIT 1",
                        [],
                        |r| r.get(0),
                    )?)
                })
                .unwrap();
            assert_eq!(stored, state_hash(&loaded));
        }
        let report = store.verify_audit(&[]).unwrap();
        assert!(report.is_clean(), "{report:?}");
        assert_eq!((report.events, report.tickets), (5, 1));
    }

    #[test]
    fn a_ticket_row_edited_with_plain_sql_is_named_with_its_field() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("r.db")).unwrap();
        let org = config::embedded().org;
        let ctx = ctx_at(&org, chrono::Utc::now());
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
            keys.push(t.key);
        }
        assert_eq!(first_problem(&mut store), None);
        // Plain SQL by someone who also deletes the head recorded beside the file (which
        // would otherwise name the deleted event first: see `a_deleted_newest_event_…`).
        let sql = |store: &mut Store, sql: &str| {
            store
                .write(|tx| {
                    tx.execute_batch(sql)?;
                    Ok(())
                })
                .unwrap();
            let _ = std::fs::remove_file(crate::store::head_path(store.path()));
        };
        sql(
            &mut store,
            "UPDATE tickets SET status = 'closed' WHERE id = 2",
        );
        assert_eq!(
            first_problem(&mut store),
            Some(Problem::StateField {
                ticket: keys[1].clone(),
                version: 1,
                field: "status".into(),
                row: Some("closed".into()),
                events: Some("new".into()),
            })
        );
        sql(
            &mut store,
            "UPDATE tickets SET status = 'new', description = 'khác' WHERE id = 2",
        );
        assert_eq!(
            first_problem(&mut store),
            Some(Problem::StateDiffers {
                ticket: keys[1].clone(),
                version: 1
            })
        );
        sql(
            &mut store,
            "UPDATE tickets SET description = '' WHERE id = 2",
        );
        assert_eq!(first_problem(&mut store), None);
        // A column kept for the queues, derived from the state, is checked against it.
        sql(
            &mut store,
            "UPDATE tickets SET following_group = 'tabmis' WHERE id = 2",
        );
        assert_eq!(
            first_problem(&mut store),
            Some(Problem::StateField {
                ticket: keys[1].clone(),
                version: 1,
                field: "following_group".into(),
                row: Some("tabmis".into()),
                events: None,
            })
        );
        sql(
            &mut store,
            "UPDATE tickets SET following_group = NULL WHERE id = 2",
        );
        assert_eq!(first_problem(&mut store), None);
        // The newest event deleted: the chain is still consistent, the versions are not.
        sql(&mut store, "DELETE FROM events WHERE id = 3");
        assert_eq!(
            first_problem(&mut store),
            Some(Problem::VersionMismatch {
                ticket: keys[2].clone(),
                row_version: 1,
                events: 0,
                newest: 0
            })
        );
    }

    #[test]
    fn a_legacy_file_is_stamped_once_and_then_verified() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("legacy.db");
        let org = config::embedded().org;
        let ctx = ctx_at(&org, chrono::Utc::now());
        let mut keys = Vec::new();
        {
            let mut store = Store::create(&path).unwrap();
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
                    .change_ticket(&t.key, None, Change::Note { text: "n".into() }, ctx)
                    .unwrap();
                keys.push(t.key);
            }
        }
        // Make it a file from before state hashes: no state column, hashes without states.
        let legacy = |path: &std::path::Path, break_it: bool| {
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.execute_batch("ALTER TABLE events DROP COLUMN state")
                .unwrap();
            // And without what later schemas added (8: articles written in hotro; 9: the
            // at-risk time, the resolved-ticket index, requirements; 10: the change register;
            // 11: the SLA outcome; 12: the mail intake, thread ids, blobs and attachments;
            // 13: the outbox; 14: its claims' holder, lease and DATA mark, gone with it).
            conn.execute_batch(
                "DROP TABLE outbox;
                 ALTER TABLE tickets DROP COLUMN sla_outcome;
                 DROP INDEX tickets_by_created_facts;
                 DROP INDEX events_escalated;
                 CREATE INDEX tickets_by_created ON tickets(created_at);
                 DROP INDEX tickets_open_by_risk;
                 DROP INDEX tickets_resolved_by_time;
                 ALTER TABLE tickets DROP COLUMN sla_risk_at;
                 ALTER TABLE tickets DROP COLUMN requirement;
                 DROP TABLE requirement_publications;
                 DROP TABLE changes;
                 DROP TABLE attachments;
                 DROP TABLE blobs;
                 DROP TABLE mail_thread_ids;
                 DROP TABLE mail_messages;
                 DROP TABLE article_revisions;
                 ALTER TABLE articles DROP COLUMN faq;
                 ALTER TABLE articles DROP COLUMN updated_by;
                 ALTER TABLE articles DROP COLUMN published_by;
                 ALTER TABLE articles DROP COLUMN published_at;",
            )
            .unwrap();
            let rows: Vec<(i64, i64, i64, i64, String, String, String)> = conn
                .prepare("SELECT id, ticket_id, version, at, actor, kind, payload FROM events ORDER BY id")
                .unwrap()
                .query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let mut previous = String::new();
            for (id, ticket, version, at, actor, kind, payload) in rows {
                let hash = chain_hash(
                    &previous, ticket, version, at, &actor, &kind, &payload, None,
                );
                conn.execute(
                    "UPDATE events SET hash = ?2 WHERE id = ?1",
                    params![id, hash],
                )
                .unwrap();
                previous = hash;
            }
            if break_it {
                conn.execute("UPDATE events SET actor = 'x' WHERE id = 2", [])
                    .unwrap();
            }
            // The file as it was just before the state-hash migration.
            let before = crate::store::schema::state_hash_migration() - 1;
            assert!(before < crate::store::SCHEMA_VERSION);
            conn.pragma_update(None, "user_version", before).unwrap();
        };
        let copy = dir.path().join("broken.db");
        std::fs::copy(&path, &copy).unwrap();
        legacy(&path, false);
        let mut store = Store::create(&path).unwrap();
        let report = store.verify_audit(&[]).unwrap();
        assert!(report.is_clean(), "{report:?}");
        let stamped: i64 = store
            .read(|tx| {
                Ok(tx.query_row(
                    "SELECT count(*) FROM events WHERE state IS NOT NULL",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(stamped, 3, "the newest event of each ticket");
        // New events chain on; a row edited afterwards is found.
        store
            .change_ticket(&keys[0], None, Change::Note { text: "m".into() }, ctx)
            .unwrap();
        assert!(store.verify_audit(&[]).unwrap().is_clean());
        store
            .write(|tx| {
                tx.execute("UPDATE tickets SET title = 'khác' WHERE id = 3", [])?;
                Ok(())
            })
            .unwrap();
        assert!(matches!(
            first_problem(&mut store),
            Some(Problem::StateField { ref ticket, ref field, .. }) if ticket == &keys[2] && field == "title"
        ));
        // Over a broken chain nothing is stamped: the break stays visible.
        legacy(&copy, true);
        let mut store = Store::create(&copy).unwrap();
        let report = store.verify_audit(&[]).unwrap();
        assert!(
            matches!(report.first_problem, Some(Problem::ChainBroken(ref b)) if b.event_id == 2),
            "{report:?}"
        );
        assert_eq!(
            report.problems, 4,
            "the break and three unverifiable tickets"
        );
    }

    #[test]
    fn an_anchor_finds_a_recomputed_chain() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("a.db")).unwrap();
        let org = config::embedded().org;
        let ctx = ctx_at(&org, chrono::Utc::now());
        let (t, _) = store
            .create_ticket(
                &NewTicket {
                    title: "x".into(),
                    ..NewTicket::default()
                },
                ctx,
            )
            .unwrap();
        store
            .change_ticket(&t.key, None, Change::Note { text: "n".into() }, ctx)
            .unwrap();
        let anchor = store.chain_head().unwrap().unwrap();
        assert_eq!(anchor.to_string().parse::<ChainHead>(), Ok(anchor.clone()));
        assert!(
            store
                .verify_audit(std::slice::from_ref(&anchor))
                .unwrap()
                .is_clean()
        );
        // Rewrite the first event's actor and recompute every hash after it.
        store
            .write(|tx| {
                tx.execute("UPDATE events SET actor = 'ai-do' WHERE id = 1", [])?;
                stamp_free_rechain(tx);
                Ok(())
            })
            .unwrap();
        // The head recorded beside the file names the rewrite at once…
        assert_eq!(
            first_problem(&mut store),
            Some(Problem::ChangesLost {
                event_id: 2,
                newest: Some(2)
            })
        );
        // …unless whoever rewrote the chain also deleted that file.
        std::fs::remove_file(crate::store::head_path(store.path())).unwrap();
        assert_eq!(
            first_problem(&mut store),
            None,
            "consistent again without an anchor"
        );
        assert!(matches!(
            store.verify_audit(&[anchor]).unwrap().first_problem,
            Some(Problem::AnchorMismatch { event_id: 2, .. })
        ));
    }

    /// id, ticket_id, version, at, actor, kind, payload, state.
    type StoredEvent = (i64, i64, i64, i64, String, String, String, Option<String>);

    /// Recompute every hash of the chain from its stored fields, as an attacker would.
    fn stamp_free_rechain(tx: &Transaction<'_>) {
        let rows: Vec<StoredEvent> = tx
            .prepare("SELECT id, ticket_id, version, at, actor, kind, payload, state FROM events ORDER BY id")
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut previous = String::new();
        for (id, ticket, version, at, actor, kind, payload, state) in rows {
            let hash = chain_hash(
                &previous,
                ticket,
                version,
                at,
                &actor,
                &kind,
                &payload,
                state.as_deref(),
            );
            tx.execute(
                "UPDATE events SET hash = ?2 WHERE id = ?1",
                params![id, hash],
            )
            .unwrap();
            previous = hash;
        }
    }

    #[test]
    fn a_finalised_check_edited_with_plain_sql_is_found() {
        use crate::domain::check::{CheckResult, Source};
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("c.db")).unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let now = chrono::Utc::now();
        let record = |system: &str, result| crate::store::CheckRecord {
            system: system.into(),
            result,
            note: String::new(),
            source: Source::Manual,
            detail: String::new(),
        };
        store
            .record_checks(
                date,
                &[
                    record("tabmis", CheckResult::Ok),
                    record("dvc", CheckResult::Down),
                ],
                "nguyenvanan",
                now,
            )
            .unwrap();
        store.finalise_check(date, "nguyenvanan", now).unwrap();
        // An amendment through hotro is fine.
        store
            .record_checks(
                date,
                &[record("dvc", CheckResult::Slow)],
                "nguyenvanan",
                now,
            )
            .unwrap();
        let report = store.verify_audit(&[]).unwrap();
        assert!(report.is_clean(), "{report:?}");
        assert_eq!(report.check_days, 1);
        store
            .write(|tx| {
                tx.execute(
                    "UPDATE check_results SET result = 'down' WHERE system = 'tabmis'",
                    [],
                )?;
                Ok(())
            })
            .unwrap();
        assert_eq!(
            first_problem(&mut store),
            Some(Problem::CheckResult {
                date: "2026-11-23".into(),
                system: "tabmis".into(),
                field: "result".into(),
                now: Some("down".into()),
                expected: Some("ok".into()),
            })
        );
        // The frozen report edited to match is found against the log.
        store
            .write(|tx| {
                tx.execute(
                    "UPDATE check_days SET frozen = replace(frozen, '\"result\":\"ok\"', '\"result\":\"down\"')",
                    [],
                )?;
                Ok(())
            })
            .unwrap();
        assert!(matches!(
            first_problem(&mut store),
            Some(Problem::CheckFrozen { ref system, ref field, .. }) if system == "tabmis" && field == "result"
        ));
    }
}
