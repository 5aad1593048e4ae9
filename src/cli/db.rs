//! `hotro db`: check, back up and verify the database.

use super::args::DbCommand;
use super::{Env, UserError, out};
use crate::describe;
use crate::domain::status::Status;
use crate::i18n::Catalog;
use crate::inert::one_line;
use crate::store::{ChainHead, Problem, VerifyReport};
use anyhow::Result;
use serde::Serialize;
use std::path::Path;

/// Run a `hotro db` subcommand. Returns the process exit status.
pub(super) fn db(env: &Env<'_>, cmd: &DbCommand) -> Result<i32> {
    let cat = env.cat;
    match cmd {
        DbCommand::Check { anchor, out } => {
            let anchors = anchors(env, anchor.as_deref())?;
            let mut store = env.open()?;
            let bar = verify_progress(cat);
            let report = store
                .check_with(&anchors, &mut |d, t| bar.update(d, t))
                .map_err(|e| env.store_err(e))?;
            bar.finish();
            if out.json {
                out::json(&report)?;
            } else {
                say!(
                    "{}",
                    cat.f("db.check.path", &[("path", &report.path.display())])
                );
                let purpose = store.purpose().map_err(|e| env.store_err(e))?;
                let config = env.session()?.config_version;
                say!(
                    "{}",
                    cat.f(
                        "db.check.purpose",
                        &[("purpose", &purpose.as_str()), ("version", &config)]
                    )
                );
                say!(
                    "{}",
                    cat.f(
                        "db.check.schema",
                        &[
                            ("found", &report.schema_version),
                            ("supported", &report.supported_schema_version)
                        ]
                    )
                );
                say!(
                    "{}",
                    cat.f("db.check.journal", &[("mode", &report.journal_mode)])
                );
                // SQLite's own lines name the damaged pages: each on a line of its own.
                let first = report
                    .integrity
                    .first()
                    .map(|l| one_line(l))
                    .unwrap_or_default();
                say!("{}", cat.f("db.check.integrity", &[("result", &first)]));
                for line in report.integrity.iter().skip(1).take(50) {
                    say!("                 {}", one_line(line));
                }
                if report.integrity.len() > 51 {
                    say!(
                        "                 {}",
                        cat.f(
                            "db.check.more_lines",
                            &[("count", &(report.integrity.len() - 51))]
                        )
                    );
                }
                // On PostgreSQL `incomplete` says only that the indexes went unchecked (no
                // amcheck): the counts and the audit were made, and are shown.
                let counted = report.incomplete.is_none()
                    || store.engine() == crate::store::EngineKind::Postgres;
                if let Some(detail) = &report.incomplete {
                    let key = if counted {
                        "db.check.unchecked"
                    } else {
                        "db.check.incomplete"
                    };
                    say!("{}", cat.f(key, &[("detail", &one_line(detail))]));
                }
                if let Some(detail) = &report.known_damage
                    && !report.is_clean()
                {
                    say!(
                        "{}",
                        cat.f(
                            "db.check.known_damage",
                            &[
                                ("detail", &one_line(detail)),
                                ("marker", &crate::store::damage_path(&report.path).display())
                            ]
                        )
                    );
                }
                if counted {
                    say!(
                        "{}",
                        cat.f(
                            "db.check.audit",
                            &[
                                ("fk", &report.foreign_key_violations),
                                ("versions", &report.version_mismatches),
                                ("counts", &report.count_mismatches)
                            ]
                        )
                    );
                    say!(
                        "{}",
                        cat.f(
                            "db.check.counts",
                            &[
                                ("tickets", &report.tickets),
                                ("events", &report.events),
                                ("articles", &report.articles),
                                ("bytes", &report.size_bytes)
                            ]
                        )
                    );
                    for s in &report.by_status {
                        let label = s
                            .status
                            .parse::<Status>()
                            .map(|st| describe::status(cat, st))
                            .unwrap_or_else(|_| one_line(&s.status));
                        say!("  {:<22} {}", label, s.count);
                    }
                    for line in verify_lines(cat, &report.audit, &anchors, false) {
                        say!("{line}");
                    }
                }
                say!(
                    "{}",
                    if report.is_clean() {
                        cat.t("db.check.clean")
                    } else {
                        cat.t("db.check.problems")
                    }
                );
            }
            Ok(if report.is_clean() { 0 } else { 1 })
        }
        DbCommand::Verify { anchor, out } => {
            let anchors = anchors(env, anchor.as_deref())?;
            let server = postgres_db(env);
            let bar = verify_progress(cat);
            let report = match &server {
                Some(url) => pg_verify(env, url, &anchors, &mut |d, t| bar.update(d, t))?,
                None => env
                    .open()?
                    .verify_audit_with(&anchors, &mut |d, t| bar.update(d, t))
                    .map_err(|e| env.store_err(e))?,
            };
            bar.finish();
            if out.json {
                out::json(&report)?;
            } else {
                for line in verify_lines(cat, &report, &anchors, server.is_some()) {
                    say!("{line}");
                }
            }
            Ok(if report.is_clean() { 0 } else { 1 })
        }
        DbCommand::Anchor { out } => {
            let head = match postgres_db(env) {
                Some(url) => {
                    let mut conn = pg_conn(cat, &url)?;
                    crate::store::pg::chain_head(&mut conn).map_err(|e| env.store_err(e))?
                }
                None => env.open()?.chain_head().map_err(|e| env.store_err(e))?,
            };
            let Some(head) = head else {
                return Err(env.user(cat.t("db.anchor.empty")));
            };
            if out.json {
                out::json(&head)?;
            } else {
                say!("{head}");
            }
            Ok(0)
        }
        DbCommand::SetupRoles { apply } => setup_roles(env, *apply),
        DbCommand::Copy { from, to, out } => copy(env, from, to, out.json),
        DbCommand::Restored => {
            let head = env.with_desk(|d| d.accept_restored().map_err(|e| env.desk_err(e)))?;
            match head {
                Some(h) => say!("{}", cat.f("db.restored", &[("head", &h)])),
                None => say!("{}", cat.t("db.restored_empty")),
            }
            Ok(0)
        }
        DbCommand::Backup { file, out } => {
            let mut store = env.open()?;
            crate::desk::Desk::new(&mut store, env.session()?, crate::clock::now())
                .may_backup()
                .map_err(|e| env.desk_err(e))?;
            let started = std::time::Instant::now();
            let bar = super::progress::Progress::new(
                cat,
                "progress.backup",
                super::progress::Unit::Bytes,
                64 << 20,
            );
            let written = store
                .backup(file, &|done, total| bar.update(done, total))
                .map_err(|e| env.store_err(e))?;
            bar.finish();
            let file = written.as_path();
            // `backup` names the copy only once its integrity check said ok.
            let integrity = ["ok"];
            if out.json {
                #[derive(Serialize)]
                struct Backup<'a> {
                    file: &'a Path,
                    integrity: &'a [&'a str],
                    seconds: f64,
                }
                out::json(&Backup {
                    file,
                    integrity: &integrity,
                    seconds: started.elapsed().as_secs_f64(),
                })?;
            } else {
                say!(
                    "{}",
                    cat.f(
                        "db.backup.done",
                        &[
                            ("path", &file.display()),
                            ("integrity", &integrity.join("; "))
                        ]
                    )
                );
            }
            Ok(0)
        }
    }
}

/// The progress of `db check` / `db verify` (events and ticket rows), from 100,000 on.
fn verify_progress(cat: &Catalog) -> super::progress::Progress {
    super::progress::Progress::new(
        cat,
        "progress.verify",
        super::progress::Unit::Items,
        100_000,
    )
}

/// The `--anchor` given, parsed; a malformed one is bad usage (exit 2).
fn anchors(env: &Env<'_>, anchor: Option<&str>) -> Result<Vec<ChainHead>> {
    match anchor {
        None => Ok(Vec::new()),
        Some(a) => Ok(vec![a.parse::<ChainHead>().map_err(|()| {
            UserError {
                message: env
                    .cat
                    .f("db.verify.bad_anchor", &[("value", &one_line(a))]),
                code: 2,
            }
        })?]),
    }
}

/// What `db verify` (and the audit part of `db check`) prints: the first problem and how
/// many there are, or what was found intact.
/// What `db verify` / `db check` print of an audit: its counts, anchors and head when clean
/// (`on_server`: the head is to be kept outside a PostgreSQL database, not a file), else the
/// first problem and how many there are.
fn verify_lines(
    cat: &Catalog,
    report: &VerifyReport,
    anchors: &[ChainHead],
    on_server: bool,
) -> Vec<String> {
    let Some(first) = &report.first_problem else {
        let mut out = vec![cat.f(
            "db.verify.ok",
            &[
                ("events", &report.events),
                ("tickets", &report.tickets),
                ("days", &report.check_days),
            ],
        )];
        for a in anchors {
            out.push(cat.f("db.verify.anchor_ok", &[("id", &a.event_id)]));
        }
        if let Some(head) = &report.head {
            out.push(if on_server {
                cat.f("db.verify.pg_head", &[("head", head)])
            } else {
                cat.f("db.verify.head", &[("head", head)])
            });
        }
        return out;
    };
    let mut out = vec![one_line(&problem_line(cat, first))];
    if report.problems > 1 {
        out.push(cat.f("db.verify.more", &[("count", &report.problems)]));
    }
    out
}

/// A value in a problem line; "—" for none.
fn shown(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".to_string())
}

/// One problem, in words: what (ticket, event, check day and system) and what differs.
fn problem_line(cat: &Catalog, p: &Problem) -> String {
    match p {
        Problem::ChainBroken(b) => cat.f(
            "db.verify.broken",
            &[
                ("id", &b.event_id),
                ("ticket", &b.ticket.clone().unwrap_or_else(|| "—".into())),
                ("version", &b.version),
            ],
        ),
        Problem::ChangesLost { event_id, newest } => cat.f(
            if newest.is_some_and(|n| n >= *event_id) {
                "db.verify.changes_rewritten"
            } else {
                "db.verify.changes_lost"
            },
            &[("id", event_id), ("newest", &newest.unwrap_or_default())],
        ),
        Problem::ConfigChanged { version } => {
            cat.f("db.verify.config_changed", &[("version", version)])
        }
        Problem::AttachmentChanged { ticket, n } => cat.f(
            "db.verify.attachment_changed",
            &[("key", &crate::inert::one_line(ticket)), ("n", n)],
        ),
        Problem::AnchorMissing { event_id } => {
            cat.f("db.verify.anchor_missing", &[("id", event_id)])
        }
        Problem::AnchorMismatch {
            event_id,
            anchored,
            found,
        } => cat.f(
            "db.verify.anchor_mismatch",
            &[("id", event_id), ("anchored", anchored), ("found", found)],
        ),
        Problem::VersionMissing { ticket, version } => cat.f(
            "db.verify.version_missing",
            &[("ticket", ticket), ("version", version)],
        ),
        Problem::VersionMismatch {
            ticket,
            row_version,
            events,
            newest,
        } => cat.f(
            "db.verify.version_mismatch",
            &[
                ("ticket", ticket),
                ("row", row_version),
                ("events", events),
                ("newest", newest),
            ],
        ),
        Problem::NoState {
            ticket,
            event_id,
            version,
        } => cat.f(
            "db.verify.no_state",
            &[("ticket", ticket), ("id", event_id), ("version", version)],
        ),
        Problem::StateField {
            ticket,
            version,
            field,
            row,
            events,
        } => cat.f(
            "db.verify.state_field",
            &[
                ("ticket", ticket),
                ("version", version),
                ("field", field),
                ("row", &shown(row)),
                ("events", &shown(events)),
            ],
        ),
        Problem::StateDiffers { ticket, version } => cat.f(
            "db.verify.state_differs",
            &[("ticket", ticket), ("version", version)],
        ),
        Problem::UnreadableRow { ticket, detail } => cat.f(
            "db.verify.unreadable",
            &[("ticket", ticket), ("detail", detail)],
        ),
        Problem::CheckFrozen {
            date,
            system,
            field,
            frozen,
            log,
        } => cat.f(
            "db.verify.check_frozen",
            &[
                ("date", date),
                ("system", system),
                ("field", field),
                ("frozen", &shown(frozen)),
                ("log", &shown(log)),
            ],
        ),
        Problem::CheckResult {
            date,
            system,
            field,
            now,
            expected,
        } => cat.f(
            "db.verify.check_result",
            &[
                ("date", date),
                ("system", system),
                ("field", field),
                ("now", &shown(now)),
                ("expected", &shown(expected)),
            ],
        ),
    }
}

/// `hotro db setup-roles [--apply]`: the SQL for the configuration in force (printed), or
/// run on the `--db postgres://…` database as the role the connection is (the server decides
/// whether it may create roles: the operator is never a claim).
fn setup_roles(env: &Env<'_>, apply: bool) -> Result<i32> {
    use crate::store::pg;
    let cat = env.cat;
    let org = &env.cfg.org;
    if !apply {
        let header = cat.f(
            "db.roles.header",
            &[("org", &org.name), ("operators", &org.operators.len())],
        );
        out::text(&pg::roles::script(org, &header));
        return Ok(0);
    }
    let url = match env.cli.db.as_deref().and_then(|p| p.to_str()) {
        Some(url) if pg::is_postgres_url(url) => url.to_string(),
        _ => {
            return Err(UserError {
                message: cat.t("db.roles.needs_url"),
                code: 2,
            }
            .into());
        }
    };
    let target = pg::config(&url)
        .map(|c| pg::describe_target(&c))
        .map_err(|e| pg_err(cat, &e))?;
    let mut client = pg::connect(&url).map_err(|e| pg_err(cat, &e))?;
    let n = pg::roles::apply(&mut client, org).map_err(|e| pg_err(cat, &e))?;
    say!(
        "{}",
        cat.f(
            "db.roles.applied",
            &[("operators", &n), ("target", &target)]
        )
    );
    Ok(0)
}

/// `hotro db copy --from FILE.db --to postgres://…`, or the way back
/// (`--from postgres://… --to FILE.db`).
fn copy(env: &Env<'_>, from: &Path, to: &str, json: bool) -> Result<i32> {
    use crate::store::pg;
    let cat = env.cat;
    let from_url = from.to_str().filter(|f| pg::is_postgres_url(f));
    let (url, back) = match (from_url, pg::is_postgres_url(to)) {
        (None, true) => (to.to_string(), false),
        (Some(url), false) => (url.to_string(), true),
        _ => {
            return Err(UserError {
                message: cat.t("db.copy.one_of_each"),
                code: 2,
            }
            .into());
        }
    };
    let target = pg::config(&url)
        .map(|c| pg::describe_target(&c))
        .map_err(|e| pg_err(cat, &e))?;
    let mut client = pg::connect(&url).map_err(|e| pg_err(cat, &e))?;
    let report = if back {
        pg::copy::copy_to_sqlite(&mut client, Path::new(to))
    } else {
        pg::copy::copy_from_sqlite(from, &mut client)
    }
    .map_err(|e| pg_err(cat, &e))?;
    if json {
        out::json(&report)?;
        return Ok(0);
    }
    for (table, rows) in &report.tables {
        say!(
            "{}",
            cat.f("db.copy.table", &[("table", table), ("rows", rows)])
        );
    }
    let head = report
        .chain
        .head
        .as_ref()
        .map(|h| h.to_string())
        .unwrap_or_else(|| "-".to_string());
    say!(
        "{}",
        cat.f(
            if back {
                "db.copy.done_back"
            } else {
                "db.copy.done"
            },
            &[
                (
                    "path",
                    &if back {
                        to.to_string()
                    } else {
                        from.display().to_string()
                    }
                ),
                ("target", &target),
                ("tables", &report.tables.len()),
                ("events", &report.chain.events),
                ("head", &head)
            ]
        )
    );
    Ok(0)
}

/// A PostgreSQL error in the catalog's words (exit status 1).
fn pg_err(cat: &Catalog, e: &crate::store::pg::PgError) -> anyhow::Error {
    UserError {
        message: describe::pg_error(cat, e),
        code: 1,
    }
    .into()
}

/// The PostgreSQL database of `--db` (or `HOTRO_DB`), when it names one.
fn postgres_db(env: &Env<'_>) -> Option<String> {
    env.cli
        .db
        .as_deref()
        .and_then(Path::to_str)
        .filter(|u| !env.cli.demo && crate::store::pg::is_postgres_url(u))
        .map(str::to_string)
}

/// A connection to the PostgreSQL database `url` holding this build's hotro schema.
fn pg_client(cat: &Catalog, url: &str) -> Result<postgres::Client> {
    use crate::store::pg;
    let mut client = pg::connect(url).map_err(|e| pg_err(cat, &e))?;
    let found = pg::schema_version(&mut client).map_err(|e| pg_err(cat, &e))?;
    if found != pg::PG_SCHEMA_VERSION {
        let target = pg::config(url)
            .map(|c| pg::describe_target(&c))
            .unwrap_or_default();
        let e = if found > pg::PG_SCHEMA_VERSION {
            pg::PgError::NewerSchema {
                found,
                supported: pg::PG_SCHEMA_VERSION,
            }
        } else {
            pg::PgError::SourceVersion {
                path: target,
                found,
                needed: pg::PG_SCHEMA_VERSION,
            }
        };
        return Err(pg_err(cat, &e));
    }
    Ok(client)
}

/// `hotro db verify --db postgres://…`: the store's whole audit on the server's rows
/// ([`crate::store::pg::verify_audit`]: the chain, the anchors given, every ticket row against
/// its state hash and versions, finalised morning checks, configurations, attachments), the
/// same report as on a file. The schema must be this build's (never migrated by a verify).
fn pg_verify(
    env: &Env<'_>,
    url: &str,
    anchors: &[ChainHead],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport> {
    let mut conn = pg_conn(env.cat, url)?;
    crate::store::pg::verify_audit(&mut conn, anchors, progress).map_err(|e| env.store_err(e))
}

/// The store's connection to the PostgreSQL database `url`, whose schema must be this
/// build's ([`pg_client`] refuses another; at this build's, opening migrates nothing).
fn pg_conn(cat: &Catalog, url: &str) -> Result<crate::store::PgConn> {
    drop(pg_client(cat, url)?);
    crate::store::PgConn::open(url).map_err(|e| pg_err(cat, &e))
}
