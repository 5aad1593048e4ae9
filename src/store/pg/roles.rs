//! `hotro db setup-roles`: the organisation's operators and the permission table
//! (domain/permission.rs) as PostgreSQL roles, GRANTs and row-level security (issue 17,
//! Deliver 2).
//!
//! * One group role per hotro role, `hotro_<role>` (NOLOGIN); one LOGIN role per operator,
//!   named by their login (peer authentication maps the OS account of the same name), member
//!   of the groups of their configured roles and of no other hotro group.
//! * Table privileges follow each role's permissions ([`table_grants`]). The key user gets
//!   SELECT only: the key user's writes are limited to requests they recorded themselves,
//!   which a table privilege cannot express (issue 17's remaining work: those writes go
//!   through server functions that check it).
//! * Events are append-only: nobody is granted UPDATE, DELETE or TRUNCATE on `events`, and the
//!   schema's trigger refuses them whoever asks (store/pg/schema.rs). Row-level security on
//!   `events` lets a role insert only events whose `actor` is itself: an operator cannot act
//!   as another. Drafts are each operator's own (row-level security on `operator`).
//!
//! The SQL is idempotent: running it again after the configuration changed brings the roles
//! and grants to the new configuration (memberships of hotro groups not configured any more
//! are revoked). Roles of operators removed from the configuration are not dropped (they may
//! own objects); they lose every hotro group.

use super::{Client, PgError, TABLES};
use crate::domain::org::{Organisation, Role};
use crate::domain::permission::Permission;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The PostgreSQL group role of a hotro role: `hotro_<role>`.
pub fn group_role(role: Role) -> String {
    format!("hotro_{}", role.as_str())
}

/// `name` as a quoted SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `text` as a quoted SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The table privileges a permission needs, beyond SELECT on every table (which every
/// permission implies): `(table, privileges)`. Never UPDATE, DELETE or TRUNCATE on `events`.
fn needs(p: Permission) -> &'static [(&'static str, &'static str)] {
    use Permission::*;
    const TICKET_WRITE: &[(&str, &str)] = &[
        ("tickets", "INSERT, UPDATE"),
        ("events", "INSERT"),
        ("key_sequences", "INSERT, UPDATE"),
        ("attachments", "INSERT"),
        ("blobs", "INSERT"),
        ("outbox", "INSERT"),
        ("mail_thread_ids", "INSERT"),
        ("sla_applied", "INSERT, UPDATE"),
        ("changes", "INSERT"),
        ("requirement_publications", "INSERT"),
    ];
    const ARTICLES: &[(&str, &str)] = &[
        ("articles", "INSERT, UPDATE"),
        ("article_versions", "INSERT"),
        ("article_revisions", "INSERT, UPDATE, DELETE"),
    ];
    const CHECKS: &[(&str, &str)] = &[
        ("check_days", "INSERT, UPDATE"),
        ("check_results", "INSERT, UPDATE"),
        ("check_log", "INSERT"),
    ];
    match p {
        Read | Backup | ActAs => &[],
        CreateTicket | AddToOwn | WorkTickets | ReassignGroups | SlaTick | IntakeMail => {
            TICKET_WRITE
        }
        DraftArticle | PublishArticle | ImportKnowledge => ARTICLES,
        RecordCheck | RunProbes | FinaliseCheck => CHECKS,
        OpenCheckIncident => &[
            ("check_days", "INSERT, UPDATE"),
            ("check_results", "INSERT, UPDATE"),
            ("check_log", "INSERT"),
            ("tickets", "INSERT"),
            ("events", "INSERT"),
            ("key_sequences", "INSERT, UPDATE"),
        ],
        Announce => &[("announcements", "INSERT, UPDATE")],
        ApplyConfig => &[("config_versions", "INSERT")],
        RebuildIndex => &[("search_outbox", "DELETE")],
        FetchMail => &[("mail_messages", "INSERT"), ("mail_thread_ids", "INSERT")],
        SendMail => &[("outbox", "UPDATE")],
    }
}

/// What a key user who may record requests (`create_ticket`) is granted beyond SELECT: a new
/// ticket's row, its key and its first event, the acknowledgement mail, an addition to a
/// request of their own (`ticket_additions`, PG migration 5) — never UPDATE on tickets nor
/// anything on others' events (row-level security in [`setup_sql`] admits a key user's
/// event only as a new ticket's `created`, or a note or reply on their own request). Creating writes the row once, its
/// SLA keys included (store/tickets.rs `create_in`).
const KEY_USER_RECORDS: &[(&str, &str)] = &[
    ("tickets", "INSERT"),
    ("events", "INSERT"),
    ("key_sequences", "INSERT, UPDATE"),
    ("outbox", "INSERT"),
    ("mail_thread_ids", "INSERT"),
    // A note, reply or files on their own request (`add_to_own`): the ticket moves through
    // PG migration 5's trigger, which checks the addition, never by UPDATE; files only to
    // their own requests (row-level security on attachments), blobs named by content.
    ("ticket_additions", "INSERT"),
    ("attachments", "INSERT"),
    ("blobs", "INSERT"),
];

/// What each hotro group role is granted, table by table: SELECT on every table for every
/// role, and the write privileges of its permissions ([`needs`]); the key user who may
/// record requests [`KEY_USER_RECORDS`] only. The drafts table is every role's (each sees
/// and writes only its own rows).
pub fn table_grants(
    org: &Organisation,
) -> Vec<(Role, BTreeMap<&'static str, BTreeSet<&'static str>>)> {
    let mut out = Vec::new();
    for role in Role::ALL {
        let mut tables: BTreeMap<&'static str, BTreeSet<&'static str>> = BTreeMap::new();
        for t in TABLES {
            tables.entry(t).or_default().insert("SELECT");
        }
        if role != Role::KeyUser {
            for perm in Permission::ALL {
                if !org.permissions.role_has(role, perm) {
                    continue;
                }
                for (table, privileges) in needs(perm) {
                    let set = tables.entry(table).or_default();
                    set.extend(privileges.split(", "));
                }
            }
        } else if org.permissions.role_has(role, Permission::CreateTicket) {
            for (table, privileges) in KEY_USER_RECORDS {
                tables
                    .entry(table)
                    .or_default()
                    .extend(privileges.split(", "));
            }
        }
        tables
            .entry("drafts")
            .or_default()
            .extend(["INSERT", "UPDATE", "DELETE"]);
        out.push((role, tables));
    }
    out
}

/// The SQL that makes the configured operators and roles PostgreSQL roles with their
/// privileges, without `BEGIN`/`COMMIT` (see [`script`] for the printable form). Needs a
/// role that may create roles and owns the hotro tables (the one that ran the schema).
pub fn setup_sql(org: &Organisation) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "CREATE FUNCTION pg_temp.hotro_role(name text, login boolean) RETURNS void\n\
         LANGUAGE plpgsql AS $$\n\
         BEGIN\n\
         \x20   IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) THEN\n\
         \x20       EXECUTE format('CREATE ROLE %I %s', name,\n\
         \x20                      CASE WHEN login THEN 'LOGIN' ELSE 'NOLOGIN' END);\n\
         \x20   ELSIF login THEN\n\
         \x20       EXECUTE format('ALTER ROLE %I LOGIN', name);\n\
         \x20   END IF;\n\
         END $$;"
    );
    let groups: Vec<String> = Role::ALL.iter().map(|r| group_role(*r)).collect();
    for g in &groups {
        let _ = writeln!(s, "SELECT pg_temp.hotro_role({}, false);", literal(g));
    }
    // Memberships of the configured operators only: whoever else was a member (an operator
    // removed from the configuration) loses it.
    let _ = writeln!(
        s,
        "DO $$\nDECLARE m record;\nBEGIN\n\
         \x20   FOR m IN SELECT r.rolname AS grp, u.rolname AS member\n\
         \x20            FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid\n\
         \x20            JOIN pg_roles u ON u.oid = a.member\n\
         \x20            WHERE r.rolname LIKE 'hotro\\_%' LOOP\n\
         \x20       EXECUTE format('REVOKE %I FROM %I', m.grp, m.member);\n\
         \x20   END LOOP;\nEND $$;"
    );
    for op in &org.operators {
        let _ = writeln!(
            s,
            "SELECT pg_temp.hotro_role({}, true);",
            literal(&op.login)
        );
        let mut roles: Vec<String> = op.roles.iter().map(|r| ident(&group_role(*r))).collect();
        roles.sort();
        roles.dedup();
        if !roles.is_empty() {
            let _ = writeln!(s, "GRANT {} TO {};", roles.join(", "), ident(&op.login));
        }
    }
    // An admin acting as another operator (`--as`) writes as that role (`SET ROLE`), so
    // the server's rules hold for it: each admin is a member of every other operator's role
    // who is not an admin (membership both ways would be circular).
    let may_act_as = |op: &crate::domain::org::Operator| {
        op.roles
            .iter()
            .any(|r| org.permissions.role_has(*r, Permission::ActAs))
    };
    for admin in org.operators.iter().filter(|o| may_act_as(o)) {
        for other in org
            .operators
            .iter()
            .filter(|o| o.login != admin.login && !may_act_as(o))
        {
            let _ = writeln!(
                s,
                "GRANT {} TO {};",
                ident(&other.login),
                ident(&admin.login)
            );
        }
    }
    let everyone = groups
        .iter()
        .map(|g| ident(g))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        s,
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, {everyone};"
    );
    let _ = writeln!(
        s,
        "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC;"
    );
    let _ = writeln!(s, "GRANT USAGE ON SCHEMA public TO {everyone};");
    let _ = writeln!(s, "GRANT SELECT ON hotro_schema TO {everyone};");
    for (role, tables) in table_grants(org) {
        let g = ident(&group_role(role));
        let mut by_privileges: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (table, privileges) in &tables {
            let list: Vec<&str> = ["SELECT", "INSERT", "UPDATE", "DELETE"]
                .into_iter()
                .filter(|p| privileges.contains(p))
                .collect();
            by_privileges
                .entry(list.join(", "))
                .or_default()
                .push(table);
        }
        for (privileges, tables) in by_privileges {
            let _ = writeln!(s, "GRANT {privileges} ON {} TO {g};", tables.join(", "));
        }
    }
    // A key user's event only as a new ticket's first (`created`), or as a note or reply
    // on a request they recorded, its next version (`add_to_own`; PG migration 5 then moves
    // the ticket), unless the same person is also in a group that works tickets.
    let workers: Vec<String> = table_grants(org)
        .into_iter()
        .filter(|(role, tables)| {
            *role != Role::KeyUser && tables.get("events").is_some_and(|p| p.contains("INSERT"))
        })
        .map(|(role, _)| {
            format!(
                "pg_has_role(current_user, {}, 'MEMBER')",
                literal(&group_role(role))
            )
        })
        .collect();
    let _ = writeln!(
        s,
        "DROP POLICY IF EXISTS events_key_user_creates ON events;\n\
         CREATE POLICY events_key_user_creates ON events AS RESTRICTIVE FOR INSERT WITH CHECK (\n\
         \x20   NOT pg_has_role(current_user, {key_user}, 'MEMBER'){others}\n\
         \x20   OR (version = 1 AND kind = 'created')\n\
         \x20   OR (kind IN ('public_reply', 'internal_note', 'attached') AND EXISTS (\n\
         \x20       SELECT 1 FROM tickets t JOIN events c ON c.ticket_id = t.id AND c.version = 1\n\
         \x20       WHERE t.id = events.ticket_id AND c.actor = current_user\n\
         \x20       AND t.version + 1 = events.version)));",
        key_user = literal(&group_role(Role::KeyUser)),
        others = workers
            .iter()
            .map(|w| format!("\n    OR {w}"))
            .collect::<String>()
    );
    // A key user's files only on a request whose first event is theirs, added by them.
    let _ = writeln!(
        s,
        "ALTER TABLE attachments ENABLE ROW LEVEL SECURITY;\n\
         DROP POLICY IF EXISTS attachments_read ON attachments;\n\
         DROP POLICY IF EXISTS attachments_add ON attachments;\n\
         DROP POLICY IF EXISTS attachments_key_user_own ON attachments;\n\
         CREATE POLICY attachments_read ON attachments FOR SELECT USING (true);\n\
         CREATE POLICY attachments_add ON attachments FOR INSERT WITH CHECK (true);\n\
         CREATE POLICY attachments_key_user_own ON attachments AS RESTRICTIVE FOR INSERT WITH CHECK (\n\
         \x20   NOT pg_has_role(current_user, {key_user}, 'MEMBER'){others}\n\
         \x20   OR (added_by = current_user AND EXISTS (\n\
         \x20       SELECT 1 FROM tickets t JOIN events c ON c.ticket_id = t.id AND c.version = 1\n\
         \x20       WHERE t.key = attachments.ticket AND c.actor = current_user)));",
        key_user = literal(&group_role(Role::KeyUser)),
        others = workers
            .iter()
            .map(|w| format!("\n    OR {w}"))
            .collect::<String>()
    );
    let _ = writeln!(
        s,
        "ALTER TABLE events ENABLE ROW LEVEL SECURITY;\n\
         DROP POLICY IF EXISTS events_read ON events;\n\
         DROP POLICY IF EXISTS events_own_actor ON events;\n\
         CREATE POLICY events_read ON events FOR SELECT USING (true);\n\
         CREATE POLICY events_own_actor ON events FOR INSERT WITH CHECK (actor = current_user);\n\
         ALTER TABLE drafts ENABLE ROW LEVEL SECURITY;\n\
         DROP POLICY IF EXISTS drafts_own ON drafts;\n\
         CREATE POLICY drafts_own ON drafts USING (operator = current_user)\n\
         \x20   WITH CHECK (operator = current_user);"
    );
    s
}

/// [`setup_sql`] in one transaction, for `psql -1f` or `psql < file`: what
/// `hotro db setup-roles` prints. `header` is the comment line put first (the catalog's).
pub fn script(org: &Organisation, header: &str) -> String {
    let mut s = String::new();
    for line in header.lines() {
        let _ = writeln!(s, "-- {line}");
    }
    let _ = writeln!(s, "BEGIN;");
    s.push_str(&setup_sql(org));
    let _ = writeln!(s, "COMMIT;");
    s
}

/// Bring the schema up to date ([`super::migrate`]) and apply [`setup_sql`] in one
/// transaction. Returns the number of operators' roles set up.
///
/// Errors: [`PgError::Server`] (e.g. `42501` when the connected role may not create roles).
pub fn apply(client: &mut Client, org: &Organisation) -> Result<usize, PgError> {
    super::migrate(client)?;
    let mut tx = client.transaction()?;
    tx.batch_execute(&setup_sql(org))?;
    tx.commit()?;
    Ok(org.operators.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EMBEDDED, Source, parse};

    #[test]
    fn no_role_ever_gets_to_change_or_remove_events_and_key_users_only_record_requests() {
        let mut org = parse(EMBEDDED, Source::Embedded).unwrap().org;
        // Even with every permission given to every role.
        for role in Role::ALL {
            org.permissions.set(role, Permission::ALL);
        }
        for (role, tables) in table_grants(&org) {
            let events = &tables["events"];
            assert!(
                !events.contains("UPDATE") && !events.contains("DELETE"),
                "{role:?}: {events:?}"
            );
            if role == Role::KeyUser {
                // Records requests and adds to their own: inserts only, never UPDATE on
                // tickets; nothing else.
                for (table, p) in &tables {
                    let allowed: &[&str] = match *table {
                        "key_sequences" | "drafts" => &["SELECT", "INSERT", "UPDATE", "DELETE"],
                        "tickets" | "events" | "outbox" | "mail_thread_ids" | "attachments"
                        | "blobs" => &["SELECT", "INSERT"],
                        "ticket_additions" => &["INSERT"],
                        _ => &["SELECT"],
                    };
                    assert!(p.iter().all(|x| allowed.contains(x)), "{table}: {p:?}");
                }
                assert!(!tables["tickets"].contains("UPDATE"));
            }
        }
        let sql = setup_sql(&org);
        assert!(!sql.contains("TRUNCATE"));
        for line in sql.lines().filter(|l| l.starts_with("GRANT ")) {
            if line.contains(" ON ") && line.contains("events") {
                let privileges = line.split(" ON ").next().unwrap_or_default();
                assert!(
                    !privileges.contains("UPDATE") && !privileges.contains("DELETE"),
                    "{line}"
                );
            }
        }
    }

    #[test]
    fn names_are_quoted_whatever_the_configuration_says() {
        assert_eq!(ident("hotro-mail"), "\"hotro-mail\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("o'neil"), "'o''neil'");
    }
}
