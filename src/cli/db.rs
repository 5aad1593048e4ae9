//! `hotro db`: check, back up and verify the database.

use super::args::DbCommand;
use super::{Env, print_json};
use crate::describe;
use crate::domain::status::Status;
use anyhow::Result;
use serde::Serialize;
use std::path::Path;

/// Run a `hotro db` subcommand. Returns the process exit status.
pub(super) fn db(env: &Env<'_>, cmd: &DbCommand) -> Result<i32> {
    let cat = env.cat;
    match cmd {
        DbCommand::Check { out } => {
            let mut store = env.open()?;
            let report = store.check().map_err(|e| env.store_err(e))?;
            if out.json {
                print_json(&report)?;
            } else {
                println!(
                    "{}",
                    cat.f("db.check.path", &[("path", &report.path.display())])
                );
                println!(
                    "{}",
                    cat.f(
                        "db.check.schema",
                        &[
                            ("found", &report.schema_version),
                            ("supported", &report.supported_schema_version)
                        ]
                    )
                );
                println!(
                    "{}",
                    cat.f("db.check.journal", &[("mode", &report.journal_mode)])
                );
                println!(
                    "{}",
                    cat.f(
                        "db.check.integrity",
                        &[("result", &report.integrity.join("; "))]
                    )
                );
                println!(
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
                println!(
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
                        .unwrap_or_else(|_| s.status.clone());
                    println!("  {:<22} {}", label, s.count);
                }
                println!(
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
        DbCommand::Verify { out } => {
            let mut store = env.open()?;
            let report = store.verify_events().map_err(|e| env.store_err(e))?;
            if out.json {
                print_json(&report)?;
            } else {
                match &report.first_broken {
                    None => println!("{}", cat.f("db.verify.ok", &[("events", &report.events)])),
                    Some(b) => println!(
                        "{}",
                        cat.f(
                            "db.verify.broken",
                            &[
                                ("id", &b.event_id),
                                ("ticket", &b.ticket.clone().unwrap_or_else(|| "—".into())),
                                ("version", &b.version),
                            ],
                        )
                    ),
                }
            }
            Ok(if report.first_broken.is_none() { 0 } else { 1 })
        }
        DbCommand::Backup { file, out } => {
            let mut store = env.open()?;
            let started = std::time::Instant::now();
            let integrity = store.backup(file).map_err(|e| env.store_err(e))?;
            let ok = integrity == ["ok"];
            if out.json {
                #[derive(Serialize)]
                struct Backup<'a> {
                    file: &'a Path,
                    integrity: &'a [String],
                    seconds: f64,
                }
                print_json(&Backup {
                    file,
                    integrity: &integrity,
                    seconds: started.elapsed().as_secs_f64(),
                })?;
            } else {
                println!(
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
            Ok(if ok { 0 } else { 1 })
        }
    }
}
