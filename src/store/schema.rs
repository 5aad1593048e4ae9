//! The schema, as an ordered list of migrations. Migration N brings `user_version` from N-1
//! to N. Never edit a shipped migration: add the next one.

pub const MIGRATIONS: &[&str] = &[
    // 1: tickets, their events (timeline and audit trail), yearly key sequences, articles.
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE key_sequences (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY,
    key               TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    requester_name    TEXT,
    requester_unit    TEXT,
    requester_phone   TEXT,
    requester_email   TEXT,
    channel           TEXT NOT NULL,
    application       TEXT,
    category          TEXT,
    impact            TEXT NOT NULL,
    urgency           TEXT NOT NULL,
    priority          TEXT NOT NULL,
    tier              INTEGER NOT NULL,
    grp               TEXT NOT NULL,
    assignee          TEXT,
    status            TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    first_response_at INTEGER,
    resolved_at       INTEGER,
    closed_at         INTEGER,
    parent            TEXT REFERENCES tickets(key),
    duplicate_of      TEXT REFERENCES tickets(key),
    resolution        TEXT,
    current_step      TEXT,
    escalation        TEXT NOT NULL DEFAULT '[]',
    following_group   TEXT,
    external_ref      TEXT,
    version           INTEGER NOT NULL CHECK (version >= 1)
);
CREATE INDEX tickets_by_status    ON tickets(status, id);
CREATE INDEX tickets_by_group     ON tickets(grp, status, id);
CREATE INDEX tickets_by_assignee  ON tickets(assignee, status, id);
CREATE INDEX tickets_by_tier      ON tickets(tier, status, id);
CREATE INDEX tickets_by_following ON tickets(following_group, status, id)
    WHERE following_group IS NOT NULL;
CREATE INDEX tickets_by_parent    ON tickets(parent) WHERE parent IS NOT NULL;
CREATE INDEX tickets_by_duplicate ON tickets(duplicate_of) WHERE duplicate_of IS NOT NULL;

CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    version   INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL,
    UNIQUE (ticket_id, version)
);

CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    ref          TEXT NOT NULL UNIQUE,
    lang         TEXT NOT NULL,
    application  TEXT,
    category     TEXT,
    title        TEXT NOT NULL,
    symptom      TEXT NOT NULL DEFAULT '',
    cause        TEXT NOT NULL DEFAULT '',
    resolution   TEXT NOT NULL DEFAULT '',
    tags         TEXT NOT NULL DEFAULT '[]',
    status       TEXT NOT NULL DEFAULT 'published',
    author       TEXT,
    helped_count INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
"#,
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
