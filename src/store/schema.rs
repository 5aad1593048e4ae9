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
    -- key and title folded (lower case, no marks, đ → d) for the queue filter.
    title_folded      TEXT NOT NULL,
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
    version           INTEGER NOT NULL CHECK (version >= 1),
    -- 1 while the desk still owes work (not resolved, closed or cancelled).
    is_open           INTEGER GENERATED ALWAYS AS (status IN ('new', 'assigned', 'in_progress',
                          'waiting_requester', 'waiting_vendor', 'waiting_approval')) VIRTUAL
);
CREATE INDEX tickets_by_status    ON tickets(status, id);
CREATE INDEX tickets_by_parent    ON tickets(parent) WHERE parent IS NOT NULL;
CREATE INDEX tickets_by_duplicate ON tickets(duplicate_of) WHERE duplicate_of IS NOT NULL;
-- Queue pages are newest first: each index ends in id so a page is a range scan, never a sort.
CREATE INDEX tickets_open               ON tickets(is_open, id);
CREATE INDEX tickets_open_by_group      ON tickets(is_open, grp, id);
CREATE INDEX tickets_open_by_group_user ON tickets(is_open, grp, assignee, id);
CREATE INDEX tickets_open_by_assignee   ON tickets(is_open, assignee, id);
CREATE INDEX tickets_open_by_tier       ON tickets(is_open, tier, id);
CREATE INDEX tickets_open_by_following  ON tickets(is_open, following_group, id)
    WHERE following_group IS NOT NULL;

-- Live queue counts without counting a million rows: kept by triggers in the same
-- transaction as every ticket change. '' stands for "none" so the key has no NULLs.
CREATE TABLE ticket_counts (
    grp             TEXT NOT NULL,
    tier            INTEGER NOT NULL,
    status          TEXT NOT NULL,
    assignee        TEXT NOT NULL,
    following_group TEXT NOT NULL,
    n               INTEGER NOT NULL,
    PRIMARY KEY (grp, tier, status, assignee, following_group)
) WITHOUT ROWID;

CREATE TRIGGER tickets_count_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts (grp, tier, status, assignee, following_group, n)
    VALUES (NEW.grp, NEW.tier, NEW.status, coalesce(NEW.assignee, ''),
            coalesce(NEW.following_group, ''), 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tickets_count_update AFTER UPDATE OF grp, tier, status, assignee, following_group
ON tickets
WHEN OLD.grp IS NOT NEW.grp OR OLD.tier IS NOT NEW.tier OR OLD.status IS NOT NEW.status
  OR OLD.assignee IS NOT NEW.assignee OR OLD.following_group IS NOT NEW.following_group
BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE grp = OLD.grp AND tier = OLD.tier AND status = OLD.status
      AND assignee = coalesce(OLD.assignee, '')
      AND following_group = coalesce(OLD.following_group, '');
    INSERT INTO ticket_counts (grp, tier, status, assignee, following_group, n)
    VALUES (NEW.grp, NEW.tier, NEW.status, coalesce(NEW.assignee, ''),
            coalesce(NEW.following_group, ''), 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tickets_count_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE grp = OLD.grp AND tier = OLD.tier AND status = OLD.status
      AND assignee = coalesce(OLD.assignee, '')
      AND following_group = coalesce(OLD.following_group, '');
END;

-- Unsent replies and notes, per operator and ticket, offered again after a crash.
CREATE TABLE drafts (
    operator   TEXT NOT NULL,
    ticket     TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    text       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (operator, ticket, purpose)
) WITHOUT ROWID;

CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    version   INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL,
    -- SHA-256 over this event and the previous event's hash: editing or deleting an event
    -- behind hotro's back breaks the chain, and `hotro db verify` finds where.
    hash      TEXT NOT NULL,
    UNIQUE (ticket_id, version)
);

CREATE TABLE articles (
    id             INTEGER PRIMARY KEY,
    ref            TEXT NOT NULL UNIQUE,
    lang           TEXT NOT NULL,
    application    TEXT,
    category       TEXT,
    title          TEXT NOT NULL,
    symptom        TEXT NOT NULL DEFAULT '',
    cause          TEXT NOT NULL DEFAULT '',
    resolution     TEXT NOT NULL DEFAULT '',
    tags           TEXT NOT NULL DEFAULT '[]',
    status         TEXT NOT NULL DEFAULT 'published',
    author         TEXT,
    helped_count   INTEGER NOT NULL DEFAULT 0,
    linked_tickets TEXT NOT NULL DEFAULT '[]',
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- Earlier versions of an article, kept when it is edited or re-imported.
CREATE TABLE article_versions (
    article_id  INTEGER NOT NULL REFERENCES articles(id),
    version     INTEGER NOT NULL,
    data        TEXT NOT NULL,
    replaced_at INTEGER NOT NULL,
    replaced_by TEXT NOT NULL,
    PRIMARY KEY (article_id, version)
) WITHOUT ROWID;

-- Every change the search index must pick up, in commit order. Written by triggers, so no
-- code path can change searchable text without the index hearing of it.
-- AUTOINCREMENT: ids are never reused after the indexer prunes the table, so "how far the
-- index got" stays meaningful.
CREATE TABLE search_outbox (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ref  TEXT NOT NULL
);

CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO search_outbox (kind, ref) VALUES ('ticket', NEW.key);
END;

CREATE TRIGGER tickets_search_update AFTER UPDATE ON tickets
WHEN OLD.title IS NOT NEW.title OR OLD.description IS NOT NEW.description
  OR OLD.resolution IS NOT NEW.resolution OR OLD.status IS NOT NEW.status
  OR OLD.application IS NOT NEW.application OR OLD.category IS NOT NEW.category
BEGIN
    INSERT INTO search_outbox (kind, ref) VALUES ('ticket', NEW.key);
END;

CREATE TRIGGER articles_search_insert AFTER INSERT ON articles BEGIN
    INSERT INTO search_outbox (kind, ref) VALUES ('article', NEW.ref);
END;

CREATE TRIGGER articles_search_update AFTER UPDATE ON articles BEGIN
    INSERT INTO search_outbox (kind, ref) VALUES ('article', NEW.ref);
END;
"#,
    // 2: the morning readiness check and incident announcements.
    r#"
-- One row per check day (the organisation's local date, YYYY-MM-DD) once anything happened.
CREATE TABLE check_days (
    date         TEXT PRIMARY KEY,
    finalised_at INTEGER,
    finalised_by TEXT,
    -- The results as finalised (JSON): the report as sent, never rewritten.
    frozen       TEXT
) WITHOUT ROWID;

-- The current result per system and day.
CREATE TABLE check_results (
    date       TEXT NOT NULL REFERENCES check_days(date),
    system     TEXT NOT NULL,
    result     TEXT NOT NULL CHECK (result IN ('ok', 'slow', 'login_failed', 'down')),
    note       TEXT NOT NULL DEFAULT '',
    checked_by TEXT NOT NULL,
    checked_at INTEGER NOT NULL,
    source     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    incident   TEXT REFERENCES tickets(key),
    PRIMARY KEY (date, system)
) WITHOUT ROWID;

-- Everything done to a day, in order: results, incidents, finalising, amendments.
CREATE TABLE check_log (
    id        INTEGER PRIMARY KEY,
    date      TEXT NOT NULL,
    system    TEXT,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    result    TEXT,
    previous  TEXT,
    note      TEXT NOT NULL DEFAULT '',
    -- 1 when done after the day was finalised.
    amendment INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX check_log_by_date ON check_log(date, id);

CREATE TABLE announcements (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    applications TEXT NOT NULL DEFAULT '[]',
    problem      TEXT NOT NULL DEFAULT '',
    guidance     TEXT NOT NULL DEFAULT '',
    expected_fix INTEGER,
    incident     TEXT REFERENCES tickets(key),
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    resolved_at  INTEGER,
    resolved_by  TEXT,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX announcements_active ON announcements(id) WHERE resolved_at IS NULL;
"#,
    // 3: SLA figures by the day a request arrived.
    r#"
CREATE INDEX tickets_by_created ON tickets(created_at);
"#,
    // 4: SLA rules applied, once per ticket, rule and clock whoever applies them.
    r#"
CREATE TABLE sla_applied (
    ticket  TEXT NOT NULL REFERENCES tickets(key),
    rule    TEXT NOT NULL,
    clock   TEXT NOT NULL,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    -- 'applied', or why the action changed nothing (e.g. already at the highest tier).
    outcome TEXT NOT NULL,
    PRIMARY KEY (ticket, rule, clock)
) WITHOUT ROWID;
"#,
    // 5: queues sorted by SLA: when the ticket's most urgent running clock runs out (an
    // instant in the past once breached; NULL while nothing runs). Kept by every write and
    // by the SLA tick.
    r#"
ALTER TABLE tickets ADD COLUMN sla_due INTEGER;
CREATE INDEX tickets_open_by_due ON tickets(is_open, coalesce(sla_due, 9223372036854775807), id);
"#,
    // 6: the organisation in force is the database's: every configuration applied, in order
    // (operators, roles, groups, procedures, SLA). The newest row is in force. Each row's
    // hash covers its content and the previous row's hash.
    r#"
CREATE TABLE config_versions (
    version    INTEGER PRIMARY KEY,
    digest     TEXT NOT NULL,
    text       TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    applied_by TEXT NOT NULL,
    -- the real operator when an admin acted as applied_by
    by         TEXT,
    -- what the database was for when this was applied (live, demo, test): covered by the
    -- hash, so a database turned into a sandbox behind hotro's back is found
    purpose    TEXT NOT NULL DEFAULT 'live',
    hash       TEXT NOT NULL
);
"#,
    // 7: tamper evidence for ticket rows: each event records the SHA-256 of its ticket's
    // state right after it (store/audit.rs), covered by the event's chain hash. Events
    // written before have none; opening the file stamps the newest event of every ticket
    // with its row as it is then (`audit::stamp_legacy_states`, run after the SQL).
    r#"
ALTER TABLE events ADD COLUMN state TEXT;
"#,
    // 8: articles written and kept in hotro (issue 19): the FAQ flag, who wrote each version
    // and who published the text in force; a published article's revision waits for review
    // in `article_revisions` while the published text stays in force.
    r#"
ALTER TABLE articles ADD COLUMN faq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN updated_by TEXT;
ALTER TABLE articles ADD COLUMN published_by TEXT;
ALTER TABLE articles ADD COLUMN published_at INTEGER;
CREATE TABLE article_revisions (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    data       TEXT NOT NULL,
    faq        INTEGER NOT NULL,
    author     TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
"#,
    // 9: the breached-and-at-risk and lead-attention queues (issue 14): from when the
    // ticket's most urgent running clock is at risk (kept like sla_due; NULL while nothing
    // runs), and resolved tickets by resolution time for the auto-close. A software
    // requirement's own record, JSON (issue 16; NULL for other tickets).
    r#"
ALTER TABLE tickets ADD COLUMN sla_risk_at INTEGER;
ALTER TABLE tickets ADD COLUMN requirement TEXT;
-- The monthly publication of requirements (issue 16), frozen: a later one is an amendment.
CREATE TABLE requirement_publications (
    month        TEXT NOT NULL,
    version      INTEGER NOT NULL,
    published_at INTEGER NOT NULL,
    published_by TEXT NOT NULL,
    rows         TEXT NOT NULL,
    PRIMARY KEY (month, version)
) WITHOUT ROWID;
CREATE INDEX tickets_open_by_risk ON tickets(is_open, sla_risk_at) WHERE sla_risk_at IS NOT NULL;
CREATE INDEX tickets_resolved_by_time ON tickets(resolved_at, id) WHERE status = 'resolved';
"#,
    // 10: the change register (issue 13, seed 003): every change to the production
    // applications and their configuration, recorded by hand or by a configuration ticket's
    // implementation step (in the step's transaction).
    r#"
CREATE TABLE changes (
    id             INTEGER PRIMARY KEY,
    application    TEXT NOT NULL,
    environment    TEXT NOT NULL,
    what           TEXT NOT NULL,
    -- the tickets it answers: a JSON list of keys
    tickets        TEXT NOT NULL DEFAULT '[]',
    planned_at     INTEGER,
    done_at        INTEGER NOT NULL,
    approved_by    TEXT,
    carried_out_by TEXT NOT NULL,
    outcome        TEXT NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'rolled_back')),
    rollback       TEXT NOT NULL DEFAULT '',
    recorded_at    INTEGER NOT NULL,
    recorded_by    TEXT NOT NULL
);
CREATE INDEX changes_by_done ON changes(done_at);
"#,
    // 11: what became of each ticket's SLA clocks (issue 13), kept like sla_due at every
    // write so that the leaders' report counts targets met without replaying timelines:
    // bit 0 first response has a target, bit 1 it was met, bit 2 resolution has a target,
    // bit 3 it was met; NULL until computed (older tickets: the report computes those).
    // The tickets in play during a report's window are read from an index by arrival that
    // holds every fact the tally needs (no read of the wide ticket rows, descriptions and
    // all), and their escalations through an index of escalated events only.
    r#"
ALTER TABLE tickets ADD COLUMN sla_outcome INTEGER;
DROP INDEX tickets_by_created;
CREATE INDEX tickets_by_created_facts ON tickets(created_at, resolved_at, closed_at, status,
    kind, priority, requester_unit, application, category, channel, grp, tier);
CREATE INDEX events_escalated ON events(ticket_id) WHERE kind = 'escalated';
"#,
    // 12: the e-mail channel (issue 12). Every mail taken, by its key (Message-ID, or the
    // SHA-256 of its bytes when it has none): what became of it, so taking it again changes
    // nothing. The Message-IDs that thread to a ticket — the mails it came from and, with
    // the outbox, the ones the desk sends (`outbound` = 1) — so an answer finds its ticket
    // through In-Reply-To/References. Attachments: each content stored once by SHA-256,
    // kept with a ticket under a number, with who or which mail brought it.
    r#"
CREATE TABLE mail_messages (
    id          INTEGER PRIMARY KEY,
    message_key TEXT NOT NULL UNIQUE,
    message_id  TEXT,
    from_addr   TEXT NOT NULL,
    from_name   TEXT,
    subject     TEXT NOT NULL,
    size        INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    taken_at    INTEGER NOT NULL,
    taken_by    TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('created', 'replied', 'auto_reply', 'bounce',
                    'list', 'loop', 'no_sender', 'rate_limited', 'too_large')),
    ticket      TEXT REFERENCES tickets(key)
);
CREATE INDEX mail_by_sender ON mail_messages(from_addr, taken_at);
CREATE INDEX mail_by_ticket ON mail_messages(ticket) WHERE ticket IS NOT NULL;
CREATE TABLE mail_thread_ids (
    message_id TEXT PRIMARY KEY,
    ticket     TEXT NOT NULL REFERENCES tickets(key),
    outbound   INTEGER NOT NULL DEFAULT 0,
    at         INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size   INTEGER NOT NULL,
    data   BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE attachments (
    id         INTEGER PRIMARY KEY,
    ticket     TEXT NOT NULL REFERENCES tickets(key),
    n          INTEGER NOT NULL,
    sha256     TEXT NOT NULL REFERENCES blobs(sha256),
    size       INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    mail_id    INTEGER REFERENCES mail_messages(id),
    added_by   TEXT NOT NULL,
    added_at   INTEGER NOT NULL,
    UNIQUE (ticket, n)
);
"#,
    // 13: the outbox (issue 12): a public reply's mail, queued in the reply's transaction,
    // delivered by `hotro mail send`; a mail handed to the server is `sending` until the
    // server's answer is recorded, so one that may have gone out is never sent again by
    // itself.
    r#"
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    ticket      TEXT NOT NULL REFERENCES tickets(key),
    version     INTEGER NOT NULL,
    from_addr   TEXT NOT NULL,
    to_addr     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    message_id  TEXT NOT NULL UNIQUE,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
);
CREATE INDEX outbox_due ON outbox(state, next_at);
CREATE INDEX outbox_by_ticket ON outbox(ticket);
"#,
    // 14: who holds a claimed mail and until when (`claimed_by`: host/pid/start of the
    // sender's process; `lease_until`), and the mark its sender commits once the server
    // took the envelope, just before DATA (`data_at`): a claim whose lease ran out without
    // that mark was never handed over and is queued again by itself; one with it may have
    // arrived and waits for a person.
    r#"
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until INTEGER;
ALTER TABLE outbox ADD COLUMN data_at INTEGER;
"#,
];

/// The statement of the migration that brings state hashes (found by its text, so the
/// migration keeps working whatever number it ends up with when branches are merged).
const STATE_HASH_SQL: &str = "ALTER TABLE events ADD COLUMN state TEXT;";

/// The number of the migration that brings state hashes: files older than it get the newest
/// event of each ticket stamped once all migrations ran.
pub fn state_hash_migration() -> i64 {
    MIGRATIONS
        .iter()
        .position(|m| m.contains(STATE_HASH_SQL))
        .map_or(i64::MAX, |i| i as i64 + 1)
}

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
