//! The subcommands. They call the same domain and store functions the console does.

#[macro_use]
pub mod out;
pub mod args;
mod bench;
mod check;
mod db;
mod kb_write;
mod mail;
pub mod progress;
pub mod report;
pub mod req;

use crate::config::{self, Config};
use crate::describe;
use crate::domain::status::Status;
use crate::domain::ticket::{
    Change, Classification, Event, LinkRelation, NewTicket, Requester, Ticket,
};
use crate::i18n::{Catalog, Lang};
use crate::inert::{one_line, sanitize};
use crate::store::{Page, Store, StoreError, TicketFilter};
use anyhow::{Result, anyhow, bail};
use args::{Cli, Command, ConfigCommand, DemoArgs, TextInput, TicketCommand};
use chrono::Utc;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Exit status when a ticket changed since the version the caller expected.
pub const EXIT_CONFLICT: i32 = 3;

/// An error already put into words for the user, with the exit status to use.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    pub message: String,
    pub code: i32,
}

/// A language asked for that hotro has no catalog for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLang {
    /// Where it was asked for: `--lang`.
    pub source: &'static str,
    /// The value given.
    pub value: String,
}

impl UnknownLang {
    /// The refusal in words, in `cat`'s language, with the known languages.
    pub fn message(&self, cat: &Catalog) -> String {
        cat.f(
            "error.unknown_lang",
            &[
                ("source", &self.source),
                ("value", &one_line(&self.value)),
                ("known", &Lang::known_codes()),
            ],
        )
    }
}

/// Pick the language before clap parses anything, so help and errors are localized too:
/// the last `--lang`, else the locale. Any `--lang` hotro has no catalog for is refused
/// (clap would refuse it too, in words of its own).
pub fn lang_from_args(args: &[String]) -> Result<Lang, UnknownLang> {
    // The last --lang wins, as for every other option. Nothing after `--` is an option.
    let mut chosen = None;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let value = if a == "--" {
            break;
        } else if let Some(v) = a.strip_prefix("--lang=") {
            v
        } else if a == "--lang"
            && let Some(v) = it.next()
        {
            v
        } else {
            continue;
        };
        chosen = Some(Lang::from_name(value).ok_or_else(|| UnknownLang {
            source: "--lang",
            value: value.to_string(),
        })?);
    }
    Ok(chosen.unwrap_or_else(Lang::from_env))
}

/// The command definitions with their help texts in `cat`'s language, as `--help` shows them.
fn documented_command(cat: &Catalog) -> clap::Command {
    let mut cmd = args::localize(<Cli as clap::CommandFactory>::command(), cat);
    // Names every subcommand `hotro-ticket-new` and so on, as manual pages are named.
    cmd.build();
    cmd
}

/// `hotro completions SHELL`: the shell's completion script, generated from the command
/// definitions, to standard output.
fn completions(shell: clap_complete::Shell, cat: &Catalog) -> Result<i32> {
    let mut cmd = documented_command(cat);
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "hotro", &mut script);
    out::text(&String::from_utf8_lossy(&script));
    Ok(0)
}

/// `hotro man [COMMAND…]`: the manual page (roff) of hotro, or of the command named by the
/// words (`hotro man ticket new`), to standard output.
fn man_page(path: &[String], cat: &Catalog) -> Result<i32> {
    let cmd = documented_command(cat);
    let mut page = &cmd;
    for (i, word) in path.iter().enumerate() {
        page = page
            .get_subcommands()
            .find(|s| s.get_name() == word && !s.is_hide_set())
            .ok_or_else(|| UserError {
                message: cat.f(
                    "error.unknown_command",
                    &[
                        ("command", &one_line(&path[..=i].join(" "))),
                        (
                            "known",
                            &page
                                .get_subcommands()
                                .filter(|s| !s.is_hide_set())
                                .map(|s| s.get_name())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    ],
                ),
                code: 2,
            })?;
    }
    let mut roff = Vec::new();
    // A subcommand has no version of its own: the page footer names hotro's.
    let page = page.clone().version(env!("CARGO_PKG_VERSION"));
    clap_mangen::Man::new(page).render(&mut roff)?;
    out::text(&String::from_utf8_lossy(&roff));
    Ok(0)
}

/// The default database: `hotro.db` (or `demo.db`) in the user data directory.
pub fn default_db_path(demo: bool) -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "hotro").ok_or_else(|| {
        anyhow!("no home directory: give the database with --db PATH or HOTRO_DB")
    })?;
    Ok(dirs
        .data_dir()
        .join(if demo { "demo.db" } else { "hotro.db" }))
}

struct Env<'a> {
    cli: &'a Cli,
    cat: &'a Catalog,
    /// The configuration in force: the database's once the session is established.
    cfg: Config,
    /// Who acts ([`crate::desk::Session`]); `None` for commands that open no database.
    session: Option<crate::desk::Session>,
}

impl Env<'_> {
    fn db_path(&self) -> Result<PathBuf> {
        db_path_for(self.cli)
    }

    /// The database for this command. Only `hotro init` and the demo database create a
    /// missing file (a mistyped `--db` never makes one); `db check`, `verify`, `anchor` and
    /// `restored` look at the file as it is (a read-only copy, lost changes).
    fn open(&self) -> Result<Store> {
        use crate::store::OpenMode;
        let path = self.db_path()?;
        let mode = match &self.cli.command {
            _ if self.cli.demo => OpenMode::Create,
            Some(Command::Init { .. }) => OpenMode::Create,
            Some(Command::Db(
                args::DbCommand::Check { .. }
                | args::DbCommand::Verify { .. }
                | args::DbCommand::Anchor { .. }
                | args::DbCommand::Restored,
            )) => OpenMode::Inspect,
            _ => OpenMode::Existing,
        };
        let store = match crate::store::Location::of(&path) {
            // A PostgreSQL database is made by `hotro db setup-roles --apply` or the first
            // connection of a role that may create tables: opening it brings the schema up
            // to date in either mode.
            crate::store::Location::Server(url) if !self.cli.demo => Store::open_postgres(&url),
            _ => Store::open_with(&path, mode, crate::store::BUSY_TIMEOUT),
        }
        .map_err(|e| self.store_err(e))?;
        let mut store = store;
        if let Some(session) = &self.session {
            session.prepare(&mut store).map_err(|e| self.desk_err(e))?;
        }
        Ok(store)
    }

    fn store_err(&self, e: StoreError) -> anyhow::Error {
        let code = if matches!(
            e,
            StoreError::Conflict(_) | StoreError::AnnouncementChanged { .. }
        ) {
            EXIT_CONFLICT
        } else {
            1
        };
        UserError {
            message: describe::store_error(self.cat, Some(&self.cfg.org), &e),
            code,
        }
        .into()
    }

    /// The session established for this command.
    fn session(&self) -> Result<&crate::desk::Session> {
        self.session
            .as_ref()
            .ok_or_else(|| anyhow!("internal: no session for this command"))
    }

    /// The acting operator's login (for `--mine` and taking a ticket): the OS account's
    /// operator, or the one an admin acts as.
    fn me(&self) -> Result<String> {
        let session = self.session()?;
        match &session.me {
            Some(op) => Ok(op.login.clone()),
            None => Err(self.desk_err(session.no_operator())),
        }
    }

    /// The store and the application layer over it, for one command.
    fn with_desk<T>(&self, f: impl FnOnce(&mut crate::desk::Desk<'_>) -> Result<T>) -> Result<T> {
        let mut store = self.open()?;
        let session = self.session()?;
        let mut desk = crate::desk::Desk::new(&mut store, session, crate::clock::now());
        f(&mut desk)
    }

    /// An application-layer error in words, with its exit status: 5 for a refusal (role,
    /// identity, configuration), 3 for a conflict, 1 otherwise.
    fn desk_err(&self, e: crate::desk::DeskError) -> anyhow::Error {
        use crate::desk::DeskError;
        match e {
            DeskError::Store(s) => self.store_err(s),
            other => UserError {
                code: if other.is_refusal() {
                    crate::desk::EXIT_REFUSED
                } else {
                    1
                },
                message: describe::desk_error(self.cat, Some(&self.cfg.org), &other),
            }
            .into(),
        }
    }

    fn user(&self, message: String) -> anyhow::Error {
        UserError { message, code: 1 }.into()
    }
}

/// Run a parsed command line. Returns the process exit status.
pub fn run(cli: Cli, cat: &Catalog) -> Result<i32> {
    // Which files are in force needs no configuration read (nor a broken one fixed first);
    // completions and manual pages come from the command definitions alone.
    match &cli.command {
        Some(Command::Config(ConfigCommand::Path)) => return config_path(&cli, cat),
        Some(Command::Completions { shell }) => return completions(*shell, cat),
        Some(Command::Man { command }) => return man_page(command, cat),
        _ => {}
    }
    let cfg = config::load(cli.config.as_deref()).map_err(|e| UserError {
        message: describe::config_error(cat, &e),
        code: 1,
    })?;
    let fixed_clock = crate::clock::fixed()
        .map_err(|e| UserError {
            message: cat.f("error.bad_now", &[("value", &e.value)]),
            code: 1,
        })?
        .is_some();
    let mut env = Env {
        cli: &cli,
        cat,
        cfg,
        session: None,
    };
    // Every command that opens the database first establishes who acts, under the
    // configuration applied to it. A mistyped or forbidden --as (or HOTRO_AS) is an error
    // for every such command, reads included.
    // PostgreSQL (issue 17): every command runs on a `postgres://` database through the
    // same store, except those about the SQLite file itself (its backup, accepting a
    // restored file, and the mail benchmark), which say so instead of treating the URL as a
    // file name. `db setup-roles`, `db copy`, and `db verify` / `db anchor` on a server open
    // no store and establish no session (the server's role is who acts).
    let pg_url = cli
        .db
        .as_deref()
        .and_then(Path::to_str)
        .is_some_and(|u| !cli.demo && crate::store::pg::is_postgres_url(u));
    let on_postgres = matches!(
        cli.command,
        Some(Command::Db(
            args::DbCommand::SetupRoles { .. } | args::DbCommand::Copy { .. }
        ))
    ) || (pg_url
        && matches!(
            cli.command,
            Some(Command::Db(
                args::DbCommand::Verify { .. } | args::DbCommand::Anchor { .. }
            ))
        ));
    let file_only = match &cli.command {
        Some(Command::Db(args::DbCommand::Backup { .. })) => Some("db backup"),
        Some(Command::Db(args::DbCommand::Restored)) => Some("db restored"),
        Some(Command::Bench(args::BenchCommand::Mail { .. })) => Some("bench mail"),
        _ => None,
    };
    if let Some(url) = cli.db.as_deref().and_then(Path::to_str)
        && pg_url
        && let Some(command) = file_only
    {
        let target = crate::store::pg::config(url)
            .map(|c| crate::store::pg::describe_target(&c))
            .unwrap_or_else(|_| one_line(url));
        return Err(UserError {
            message: cat.f(
                "error.postgres_file_only",
                &[("target", &target), ("command", &command)],
            ),
            code: 2,
        }
        .into());
    }
    let opens_database = !on_postgres
        && !matches!(
            cli.command,
            Some(Command::Config(
                ConfigCommand::Show { applied: false }
                    | ConfigCommand::Path
                    | ConfigCommand::Check { .. }
            )) | Some(Command::Calendar(_))
        );
    if let Some(Command::Init { test: true }) = &cli.command {
        let mut store = env.open()?;
        store
            .set_purpose(crate::store::Purpose::Test)
            .map_err(|e| env.store_err(e))?;
    }
    if opens_database {
        if cli.demo {
            let mut store = env.open()?;
            if store.purpose().map_err(|e| env.store_err(e))? != crate::store::Purpose::Demo {
                // A new demo database: marked before anything is written, so its clock may be
                // fixed and its demo data is never mistaken for a desk's. A file that is
                // already in use (a live desk behind the demo path) is refused.
                store
                    .set_purpose(crate::store::Purpose::Demo)
                    .map_err(|e| match e {
                        StoreError::PurposeFixed { .. } => env.user(cat.f(
                            "error.demo_not_demo",
                            &[("path", &store.path().display().to_string())],
                        )),
                        other => env.store_err(other),
                    })?;
            }
        }
        let mut store = env.open()?;
        let session = crate::desk::Session::establish(
            &mut store,
            crate::desk::Arrival {
                config: env.cfg.clone(),
                acting: cli.acting.as_deref(),
                role: cli.role.as_deref(),
                fixed_clock,
            },
            crate::clock::now(),
        )
        .map_err(|e| env.desk_err(e))?;
        env.cfg = session.cfg.clone();
        env.session = Some(session);
    }
    let env = env;
    if cli.demo {
        ensure_demo(&env)?;
    }
    let Some(command) = &cli.command else {
        use std::io::IsTerminal;
        #[allow(clippy::disallowed_methods)] // asks, does not write
        let on_terminal = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
        if on_terminal {
            return console(&env);
        }
        // Not on a terminal (a pipe, a script): explain instead of drawing.
        let mut cmd = args::localize(<Cli as clap::CommandFactory>::command(), cat);
        cmd.print_help()?;
        say!();
        if cli.demo {
            say!(
                "{}",
                cat.f("demo.ready", &[("path", &env.db_path()?.display())])
            );
        }
        return Ok(0);
    };
    match command {
        Command::Init { .. } => {
            let store = env.open()?;
            say!(
                "{}",
                cat.f("db.initialised", &[("path", &store.path().display())])
            );
            Ok(0)
        }
        Command::Demo(a) => {
            let mut store = env.open()?;
            crate::desk::Desk::new(&mut store, env.session()?, crate::clock::now())
                .may_fill_demo()
                .map_err(|e| env.desk_err(e))?;
            fill_demo(&env, &mut store, a)?;
            Ok(0)
        }
        Command::Ticket(t) => ticket(&env, t),
        Command::Db(d) => db::db(&env, d),
        Command::Config(c) => config_cmd(&env, c),
        Command::Kb(k) => kb(&env, k),
        Command::Check(c) => check::check_cmd(&env, c),
        Command::Announce(a) => check::announce_cmd(&env, a),
        Command::Calendar(c) => check::calendar_cmd(&env, c),
        Command::Req(r) => req::req_cmd(&env, r),
        Command::Mail(m) => mail::mail_cmd(&env, m),
        Command::Sla(args::SlaCommand::Tick { json }) => {
            let applied = env.with_desk(|d| d.sla_tick().map_err(|e| env.desk_err(e)))?;
            if *json {
                out::json(&applied)?;
            } else {
                for a in &applied {
                    say!(
                        "{}",
                        cat.f(
                            "sla.applied",
                            &[
                                ("ticket", &one_line(&a.ticket)),
                                ("rule", &one_line(&a.rule)),
                                ("clock", &cat.t(&format!("sla.{}", a.clock))),
                                (
                                    "outcome",
                                    &match a.outcome.as_str() {
                                        "applied" | "unchanged" => {
                                            cat.t(&format!("sla.outcome.{}", a.outcome))
                                        }
                                        refused => cat.f(
                                            "sla.outcome.refused",
                                            &[("detail", &one_line(refused))]
                                        ),
                                    },
                                ),
                            ],
                        )
                    );
                }
                say!("{}", cat.f("sla.tick_done", &[("count", &applied.len())]));
            }
            Ok(0)
        }
        // Answered before any configuration or database (above).
        Command::Completions { .. } | Command::Man { .. } => Ok(0),
        Command::Change(args::ChangeCommand::Add(a)) => report::change_add(&env, a),
        Command::Change(args::ChangeCommand::List { period, export }) => {
            report::change_list(&env, period, export)
        }
        Command::Report(args::ReportCommand::Summary {
            period,
            cross,
            export,
        }) => report::summary(&env, period, cross.as_deref(), export),
        Command::Report(args::ReportCommand::UserErrors { period, export }) => {
            report::user_errors(&env, period, export)
        }
        Command::Report(args::ReportCommand::Sla { period, json }) => {
            check::report_sla(&env, period, *json)
        }
        Command::Bench(b) => {
            // Benchmark writers act as every operator in turn, around the application
            // layer: only on a demo or test database, never on a desk.
            let mut store = env.open()?;
            crate::desk::Desk::new(&mut store, env.session()?, crate::clock::now())
                .may_fill_demo()
                .map_err(|e| env.desk_err(e))?;
            drop(store);
            match b {
                args::BenchCommand::Writers { procs, secs, json } => {
                    bench::writers(&env, (*procs).max(1), secs.max(0.1), *json)
                }
                args::BenchCommand::Worker { id, secs, log } => {
                    bench::worker(&env, *id, *secs, log)
                }
                args::BenchCommand::Mail { count, json } => bench::mail(&env, *count, *json),
            }
        }
        Command::Index(args::IndexCommand::Rebuild) => {
            let mut store = env.open()?;
            crate::desk::Desk::new(&mut store, env.session()?, crate::clock::now())
                .may_rebuild_index()
                .map_err(|e| env.desk_err(e))?;
            let mut index = open_index(&env, &mut store)?;
            let started = std::time::Instant::now();
            let n = index
                .rebuild(&mut store, &mut index_progress(&env))
                .map_err(|e| env.user(e.to_string()))?;
            say!(
                "{}",
                cat.f(
                    "index.rebuilt",
                    &[
                        ("count", &n),
                        ("secs", &format!("{:.1}", started.elapsed().as_secs_f64())),
                        ("path", &index.path().display())
                    ]
                )
            );
            Ok(0)
        }
    }
}

/// The full-screen console for the acting operator. On the demo database an unmapped OS
/// user acts as the first operator of the configuration, so the demo runs anywhere.
fn console(env: &Env<'_>) -> Result<i32> {
    use crate::ui::{app::App, exec::Executor, keymap::Keymap, runtime, view::Theme};
    let org = &env.cfg.org;
    let session = env.session()?;
    let me = session
        .me
        .clone()
        .ok_or_else(|| env.desk_err(session.no_operator()))?;
    let keymap_file = config::user_config_path().map(|p| p.with_file_name("keymap.toml"));
    let keymap = Keymap::load(keymap_file.as_deref()).map_err(|e| env.user(e.to_string()))?;
    let mut store = env.open()?;
    // Bring the search index up to date before the screen takes over, so a long first build
    // (a new or damaged index over a big database) shows its progress instead of freezing
    // the knowledge screen later.
    let index = synced_index(env, &mut store)?;
    let cat = crate::i18n::Catalog::new(env.cat.lang());
    let perms = if session.can_write() {
        org.permissions.grants(&me.roles)
    } else {
        // Another configuration than the database's: reading only.
        [crate::domain::permission::Permission::Read].into()
    };
    let mut app = App::new(cat, org.clone(), me, keymap, crate::clock::now());
    app.set_permissions(perms);
    let color = !env.cli.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut exec = Executor::new(&mut store, session).with_index(index);
    // 0 after a quit; 128 + the signal's number when SIGTERM, SIGHUP or SIGQUIT ended it.
    runtime::run(&mut app, &mut exec, Theme { color })
}

fn ensure_demo(env: &Env<'_>) -> Result<()> {
    let mut store = env.open()?;
    let empty = store
        .list_tickets(
            &TicketFilter::default(),
            Page {
                limit: 1,
                before: None,
            },
        )
        .map_err(|e| env.store_err(e))?
        .is_empty();
    if empty {
        say_err!(
            "{}",
            env.cat
                .f("demo.creating", &[("path", &store.path().display())])
        );
        fill_demo(
            env,
            &mut store,
            &DemoArgs {
                tickets: 2000,
                articles: 200,
                seed: 1,
            },
        )?;
    }
    Ok(())
}

fn fill_demo(env: &Env<'_>, store: &mut Store, a: &DemoArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let total = a.tickets;
    let bar = progress::Progress::new(env.cat, "progress.demo", progress::Unit::Items, 10_000);
    let login = env
        .session()
        .ok()
        .and_then(|s| s.me.as_ref().map(|m| m.login.clone()))
        .unwrap_or_default();
    let _note = store.note_long_write(&login, "demo");
    let counts = crate::demo::fill(
        store,
        &env.cfg.org,
        &crate::demo::FillOptions {
            tickets: a.tickets,
            articles: a.articles,
            seed: a.seed,
            now: crate::clock::now(),
        },
        |done| bar.update(done as u64, total as u64),
    )
    .map_err(|e| env.store_err(e))?;
    bar.finish();
    say!(
        "{}",
        env.cat.f(
            "demo.done",
            &[
                ("tickets", &counts.tickets),
                ("articles", &counts.articles),
                ("secs", &format!("{:.1}", started.elapsed().as_secs_f64())),
                ("path", &store.path().display()),
            ],
        )
    );
    Ok(())
}

fn read_text(env: &Env<'_>, input: &TextInput) -> Result<String> {
    match (&input.text, &input.text_file) {
        (Some(t), _) => Ok(t.clone()),
        (None, Some(path)) => read_file_or_stdin(env, path),
        (None, None) => Ok(String::new()),
    }
}

/// Read a file the user named (or standard input for `-`) within `max` bytes
/// ([`crate::input`]), as words for the user when it cannot be.
fn read_input(env: &Env<'_>, path: &Path, max: u64) -> Result<Vec<u8>> {
    use crate::input::InputError;
    crate::input::read_bounded(path, max).map_err(|e| {
        let shown = one_line(&path.display().to_string());
        env.user(match e {
            InputError::NotAFile { .. } => env.cat.f("error.input_not_a_file", &[("path", &shown)]),
            InputError::TooLong { size, max, .. } => match size {
                Some(size) => env.cat.f(
                    "error.input_too_long",
                    &[("path", &shown), ("size", &size), ("max", &max)],
                ),
                None => env.cat.f("error.input_too_long_stdin", &[("max", &max)]),
            },
            InputError::Io { source, .. } => env
                .cat
                .f("error.read_file", &[("path", &shown), ("detail", &source)]),
        })
    })
}

fn read_file_or_stdin(env: &Env<'_>, path: &Path) -> Result<String> {
    let bytes = read_input(env, path, crate::input::TEXT_LIMIT)?;
    String::from_utf8(bytes).map_err(|e| {
        env.user(env.cat.f(
            "error.not_utf8",
            &[
                ("path", &path.display()),
                ("offset", &e.utf8_error().valid_up_to()),
            ],
        ))
    })
}

#[derive(Serialize)]
struct Changed<'a> {
    ticket: &'a Ticket,
    event: &'a Event,
}

fn ticket(env: &Env<'_>, cmd: &TicketCommand) -> Result<i32> {
    let cat = env.cat;
    let org = &env.cfg.org;
    match cmd {
        TicketCommand::New(a) => {
            let description = match &a.description_file {
                Some(p) => read_file_or_stdin(env, p)?,
                None => a.description.clone().unwrap_or_default(),
            };
            let new = NewTicket {
                title: a.title.clone(),
                description,
                kind: a.kind.clone(),
                channel: a.channel.clone(),
                requester: Requester {
                    name: a.requester.clone(),
                    unit: a.unit.clone(),
                    phone: a.phone.clone(),
                    email: a.email.clone(),
                },
                application: a.application.clone(),
                category: a.category.clone(),
                impact: a.impact.clone(),
                urgency: a.urgency.clone(),
                group: a.group.clone(),
                assignee: a.assignee.clone(),
                received_at: match &a.received_at {
                    Some(t) => Some(env.time_arg(t, crate::clock::now())?),
                    None => None,
                },
            };
            let created = env.with_desk(|d| {
                d.create_ticket(&new, a.link_incident)
                    .map_err(|e| env.desk_err(e))
            })?;
            let (t, e) = (created.ticket, created.event);
            if let Some((announcement, incident)) = &created.incident
                && !created.linked
                && !a.json
            {
                say_err!(
                    "{}",
                    cat.f(
                        "ticket.incident_hint",
                        &[
                            ("key", &t.key),
                            ("incident", &one_line(incident)),
                            ("id", announcement)
                        ]
                    )
                );
            }
            if a.json {
                out::json(&Changed {
                    ticket: &t,
                    event: &e,
                })?;
            } else {
                say!(
                    "{}",
                    cat.f(
                        "ticket.created",
                        &[("key", &t.key), ("priority", &t.priority)]
                    )
                );
                if let Some(r) = &t.requirement {
                    say!("{}", describe::requirement_summary(cat, r));
                    // The ticket is made: a search that fails is said, not a failure.
                    if let Err(e) = similar_requirements(env, &t) {
                        say_err!("{e:#}");
                    }
                    // Submitted after this month's window: kept for the next, and said so.
                    let cal = &env.cfg.org.calendar;
                    if let Ok(crate::domain::requirement::Placement::NextWindow { month, opens }) =
                        crate::domain::requirement::place(
                            cal,
                            t.created_at,
                            crate::domain::requirement::WINDOW_WORKING_DAYS,
                        )
                    {
                        say!(
                            "{}",
                            cat.f(
                                "req.kept_for_next",
                                &[("month", &month), ("opens", &opens.to_string())]
                            )
                        );
                    }
                }
            }
            Ok(0)
        }
        TicketCommand::Show { key, out } => {
            let mut store = env.open()?;
            let (t, events) = store
                .ticket_with_timeline(key)
                .map_err(|e| env.store_err(e))?;
            // Its children and duplicates (issue 14: a parent did not list them).
            let linked = store.children_of(&t.key).map_err(|e| env.store_err(e))?;
            let keys_where = |dup: bool| -> Vec<&Ticket> {
                linked
                    .iter()
                    .filter(|c| {
                        if dup {
                            c.duplicate_of.as_deref() == Some(t.key.as_str())
                        } else {
                            c.parent.as_deref() == Some(t.key.as_str())
                        }
                    })
                    .collect()
            };
            let (children, duplicates) = (keys_where(false), keys_where(true));
            // Its files and, for a mail-born ticket, the mail it came from (issue 12).
            let attachments = store.attachments_of(&t.key).map_err(|e| env.store_err(e))?;
            let source = store.mail_source(&t.key).map_err(|e| env.store_err(e))?;
            let mails = store
                .outbox_of(&t.key, crate::clock::now())
                .map_err(|e| env.store_err(e))?;
            if out.json {
                #[derive(Serialize)]
                struct Shown<'a> {
                    ticket: &'a Ticket,
                    sla: crate::domain::sla::SlaStatus,
                    children: Vec<&'a str>,
                    duplicates: Vec<&'a str>,
                    attachments: &'a [crate::store::Attachment],
                    #[serde(skip_serializing_if = "Option::is_none")]
                    mail: Option<&'a crate::store::MailRecord>,
                    /// The mails of its replies and where each is (issue 12).
                    mails: &'a [crate::store::OutboxMail],
                    timeline: &'a [Event],
                }
                out::json(&Shown {
                    ticket: &t,
                    sla: sla_of(org, &t, &events),
                    children: children.iter().map(|c| c.key.as_str()).collect(),
                    duplicates: duplicates.iter().map(|c| c.key.as_str()).collect(),
                    attachments: &attachments,
                    mail: source.as_ref(),
                    mails: &mails,
                    timeline: &events,
                })?;
            } else {
                print_ticket(env, &t, &events, &children, &duplicates);
                if let Some(m) = &source {
                    say!(
                        "\n{}",
                        cat.f(
                            "mail.source",
                            &[
                                ("from", &one_line(&m.from)),
                                ("subject", &one_line(&m.subject)),
                            ]
                        )
                    );
                }
                if !attachments.is_empty() {
                    say!("\n{}", cat.t("attachment.heading"));
                    for a in &attachments {
                        say!("{}", mail::attachment_line(env, a));
                    }
                }
                for m in &mails {
                    let tz = org.time_zone;
                    say!(
                        "{}: {}{}  {}",
                        cat.f("field.mail_to", &[("to", &one_line(&m.mail.to))]),
                        cat.t(&format!("mail.delivery.{}", m.standing.as_str())),
                        m.last_error
                            .as_deref()
                            .map(|e| format!(" ({})", one_line(e)))
                            .unwrap_or_default(),
                        m.sent_at
                            .unwrap_or(m.created_at)
                            .with_timezone(&tz)
                            .format("%Y-%m-%d %H:%M")
                    );
                }
            }
            Ok(0)
        }
        TicketCommand::List(a) => {
            let mut statuses = Vec::new();
            for s in &a.statuses {
                statuses.push(s.parse::<Status>().map_err(|_| {
                    env.user(cat.f(
                        "error.unknown_status",
                        &[("value", &one_line(s)), ("known", &status_names())],
                    ))
                })?);
            }
            crate::domain::ticket::check_list_filter(
                &env.cfg.org,
                a.group.as_deref(),
                a.tier,
                a.following.as_deref(),
                a.application.as_deref(),
            )
            .map_err(|e| env.user(describe::domain_error(cat, Some(&env.cfg.org), &e)))?;
            crate::domain::ticket::check_list_filter(
                &env.cfg.org,
                a.notified.as_deref(),
                None,
                None,
                None,
            )
            .map_err(|e| env.user(describe::domain_error(cat, Some(&env.cfg.org), &e)))?;
            let assignee = if a.mine {
                Some(env.me()?)
            } else {
                a.assignee.clone()
            };
            let filter = TicketFilter {
                statuses,
                // The lead's attention list is the console's queue: open tickets still at
                // risk or late that a rule told the lead about.
                open_only: a.open || a.notified.is_some(),
                group: a.group.clone(),
                assignee,
                unassigned: a.unassigned,
                tier: a.tier,
                following_group: a.following.clone(),
                application: a.application.clone(),
                text: a.text.clone(),
                oldest_first: a.oldest_first,
                by_due: a.by_due,
                attention_by: (a.at_risk || a.notified.is_some()).then(crate::clock::now),
                notified_group: a.notified.clone(),
            };
            let mut store = env.open()?;
            let rows = store
                .list_tickets(
                    &filter,
                    Page {
                        limit: a.limit,
                        before: a.before,
                    },
                )
                .map_err(|e| env.store_err(e))?;
            let format = a.format.as_deref().map(str::trim);
            if format == Some("csv") {
                let keys: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
                let mut full = store.timelines_of(&keys).map_err(|e| env.store_err(e))?;
                let order: std::collections::HashMap<&str, usize> = keys
                    .iter()
                    .enumerate()
                    .map(|(i, k)| (k.as_str(), i))
                    .collect();
                full.sort_by_key(|(t, _)| order.get(t.key.as_str()).copied());
                let tickets: Vec<Ticket> = full.into_iter().map(|(t, _)| t).collect();
                let table = report::ticket_table(cat, org.time_zone, &tickets);
                let bytes = crate::export::csv_table(&table, a.bom).map_err(|e| {
                    env.user(cat.f("report.export_failed", &[("error", &e.to_string())]))
                })?;
                out::text(&String::from_utf8_lossy(&bytes));
            } else if let Some(other) = format.filter(|f| !matches!(*f, "text" | "json")) {
                return Err(env.user(cat.f("error.list_format", &[("value", &one_line(other))])));
            } else if a.json || format == Some("json") {
                out::json(&rows)?;
            } else {
                // One line per ticket: every stored field through one_line.
                let field = |v: Option<&str>| one_line(v.unwrap_or("—"));
                for r in &rows {
                    let local = r
                        .created_at
                        .with_timezone(&org.time_zone)
                        .format("%Y-%m-%d %H:%M");
                    say!(
                        "{:<15} {:<3} {:<18} {} {:<14} {:<12} {:<12} {}",
                        field(Some(&r.key)),
                        field(Some(&r.priority)),
                        describe::status(cat, r.status),
                        local,
                        field(r.application.as_deref()),
                        field(Some(&r.group)),
                        field(r.assignee.as_deref()),
                        field(Some(&r.title))
                    );
                }
                if rows.is_empty() {
                    say!("{}", cat.t("ticket.none"));
                }
            }
            Ok(0)
        }
        TicketCommand::Reply {
            key,
            text,
            attach,
            guard,
        } => {
            let text = read_text(env, text)?;
            if attach.is_empty() {
                return change(env, key, guard, Change::Reply { text });
            }
            // The reply and its files in one transaction (issue 12).
            let files = mail::files_from_paths(env, attach)?;
            let (t, events) = env.with_desk(|d| {
                d.change_with_files(
                    key,
                    guard.expect_version,
                    Some(Change::Reply { text }),
                    &files,
                )
                .map_err(|e| env.desk_err(e))
            })?;
            if guard.json {
                #[derive(Serialize)]
                struct ChangedAll<'a> {
                    ticket: &'a Ticket,
                    events: &'a [Event],
                }
                out::json(&ChangedAll {
                    ticket: &t,
                    events: &events,
                })?;
            } else {
                for e in &events {
                    say!(
                        "{}",
                        cat.f(
                            "ticket.changed",
                            &[
                                ("key", &t.key),
                                ("what", &describe::event(cat, org, e)),
                                ("version", &e.version)
                            ],
                        )
                    );
                }
            }
            Ok(0)
        }
        TicketCommand::Note { key, text, guard } => {
            let text = read_text(env, text)?;
            change(env, key, guard, Change::Note { text })
        }
        TicketCommand::Assign {
            key,
            to,
            group,
            guard,
        } => {
            // Neither --to nor --group: the acting operator takes the ticket.
            let to = match (to, group) {
                (None, None) => Some(env.me()?),
                (to, _) => to.clone(),
            };
            change(
                env,
                key,
                guard,
                Change::Assign {
                    to,
                    group: group.clone(),
                },
            )
        }
        TicketCommand::Edit {
            key,
            title,
            description,
            description_file,
            requester,
            phone,
            email,
            unit,
            channel,
            guard,
        } => {
            let description = match description_file {
                Some(p) => Some(read_file_or_stdin(env, p)?),
                None => description.clone(),
            };
            let e = crate::domain::ticket::TicketEdit {
                title: title.clone(),
                description,
                requester: requester.clone(),
                phone: phone.clone(),
                email: email.clone(),
                unit: unit.clone(),
                channel: channel.clone(),
            };
            change(env, key, guard, Change::Edit(Box::new(e)))
        }
        TicketCommand::Classify {
            key,
            kind,
            category,
            application,
            impact,
            urgency,
            guard,
        } => {
            let c = Classification {
                kind: kind.clone(),
                category: category.clone(),
                application: application.clone(),
                impact: impact.clone(),
                urgency: urgency.clone(),
            };
            change(env, key, guard, Change::Classify(c))
        }
        TicketCommand::Status {
            key,
            status,
            reason,
            guard,
        } => {
            let to = status.parse::<Status>().map_err(|_| {
                env.user(cat.f(
                    "error.unknown_status",
                    &[("value", &one_line(status)), ("known", &status_names())],
                ))
            })?;
            change(
                env,
                key,
                guard,
                Change::SetStatus {
                    to,
                    reason: reason.clone(),
                },
            )
        }
        TicketCommand::Escalate {
            key,
            reason,
            group,
            external_ref,
            guard,
        } => change(
            env,
            key,
            guard,
            Change::Escalate {
                group: group.clone(),
                reason: reason.clone(),
                external_ref: external_ref.clone(),
            },
        ),
        TicketCommand::Transfer {
            key,
            group,
            reason,
            guard,
        } => change(
            env,
            key,
            guard,
            Change::Transfer {
                group: group.clone(),
                reason: reason.clone(),
            },
        ),
        TicketCommand::Return { key, reason, guard } => change(
            env,
            key,
            guard,
            Change::Return {
                reason: reason.clone(),
            },
        ),
        TicketCommand::Link {
            key,
            duplicate_of,
            child_of,
            guard,
        } => {
            let (relation, target) = match (duplicate_of, child_of) {
                (Some(t), _) => (LinkRelation::DuplicateOf, t.clone()),
                (None, Some(t)) => (LinkRelation::ChildOf, t.clone()),
                (None, None) => bail!(env.user(cat.t("error.link_needs_target"))),
            };
            change(
                env,
                key,
                guard,
                Change::Link {
                    relation,
                    target,
                    target_ancestors: Vec::new(),
                },
            )
        }
        TicketCommand::Resolve {
            key,
            resolution,
            linked,
            end_announcement,
            guard,
        } => {
            let code = change(
                env,
                key,
                guard,
                Change::Resolve {
                    resolution: resolution.clone(),
                },
            )?;
            resolve_linked(env, key, resolution, *linked, guard.json)?;
            end_incident_announcement(env, key, *end_announcement)?;
            Ok(code)
        }
        TicketCommand::Confirm {
            key,
            via,
            by,
            guard,
        } => change(
            env,
            key,
            guard,
            Change::Confirm {
                by: by.clone(),
                via: via.clone(),
            },
        ),
        TicketCommand::Step {
            key,
            complete: _,
            fields,
            to,
            return_to,
            reason,
            guard,
        } => {
            let c = match return_to {
                Some(to) => Change::ReturnStep {
                    to: to.clone(),
                    reason: reason.clone().unwrap_or_default(),
                },
                None => {
                    let mut map = std::collections::BTreeMap::new();
                    for f in fields {
                        let Some((k, v)) = f.split_once('=') else {
                            return Err(
                                env.user(cat.f("error.bad_field", &[("value", &one_line(f))]))
                            );
                        };
                        map.insert(k.trim().to_string(), v.to_string());
                    }
                    Change::CompleteStep {
                        fields: map,
                        to: to.clone(),
                    }
                }
            };
            change(env, key, guard, c)
        }
        TicketCommand::Form { key, kind } => {
            let Some(kind) = crate::forms::FormKind::parse(kind) else {
                return Err(env.user(cat.f("error.unknown_form", &[("value", &one_line(kind))])));
            };
            let mut store = env.open()?;
            let (t, events) = store
                .ticket_with_timeline(key)
                .map_err(|e| env.store_err(e))?;
            out::text(&crate::forms::render(cat, org, &t, &events, kind));
            Ok(0)
        }
        TicketCommand::Steps { key, out } => {
            let mut store = env.open()?;
            let (t, events) = store
                .ticket_with_timeline(key)
                .map_err(|e| env.store_err(e))?;
            show_steps(env, &t, &events, out.json)
        }
        TicketCommand::Reopen { key, reason, guard } => change(
            env,
            key,
            guard,
            Change::Reopen {
                reason: reason.clone(),
            },
        ),
        TicketCommand::Attachment(a) => mail::attachment_cmd(env, a),
    }
}

/// After an incident is resolved: its active announcement ends with `--end-announcement`
/// (which needs the announce permission); without, the command says there is one and how to
/// end it. Not ended by default: an outage announcement is the lead's to end, and users may
/// still be told to wait while the fix is confirmed. Messages go to stderr (with `--json`
/// stdout carries the ticket's change alone).
fn end_incident_announcement(env: &Env<'_>, key: &str, end: bool) -> Result<()> {
    let cat = env.cat;
    let Some(a) =
        env.with_desk(|d| d.announcement_of_incident(key).map_err(|e| env.desk_err(e)))?
    else {
        return Ok(());
    };
    let title = one_line(&a.title);
    if !end {
        say_err!(
            "{}",
            cat.f(
                "ticket.announcement_hint",
                &[("key", &key), ("id", &a.id), ("title", &title)]
            )
        );
        return Ok(());
    }
    let ended = env.with_desk(|d| d.resolve_announcement(a.id).map_err(|e| env.desk_err(e)))?;
    say_err!("{}", cat.f("announce.resolved", &[("id", &ended.id)]));
    Ok(())
}

/// After a ticket is resolved: with `--linked`, resolve its linked tickets (children and
/// duplicates) that have no open work of their own; without, say how many there are and how.
fn resolve_linked(
    env: &Env<'_>,
    key: &str,
    resolution: &str,
    linked: bool,
    json: bool,
) -> Result<()> {
    let cat = env.cat;
    if !linked {
        let found = env.with_desk(|d| d.linked_of(key).map_err(|e| env.desk_err(e)))?;
        let open = found.with_incident.len() + found.left.len();
        if open > 0 && !json {
            say_err!(
                "{}",
                cat.f("ticket.linked_hint", &[("key", &key), ("count", &open)])
            );
        }
        return Ok(());
    }
    let done = env.with_desk(|d| {
        d.resolve_linked(key, resolution)
            .map_err(|e| env.desk_err(e))
    })?;
    let keys = |list: &[Ticket]| {
        list.iter()
            .map(|t| one_line(&t.key))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // With --json stdout carries the incident's change alone; the summary goes to stderr.
    if done.with_incident.is_empty() && done.left.is_empty() {
        say_err!("{}", cat.f("ticket.linked_none", &[("key", &key)]));
    } else if !done.with_incident.is_empty() {
        say_err!(
            "{}",
            cat.f(
                "ticket.linked_resolved",
                &[
                    ("count", &done.with_incident.len()),
                    ("keys", &keys(&done.with_incident))
                ]
            )
        );
    }
    if !done.left.is_empty() {
        say_err!(
            "{}",
            cat.f(
                "ticket.linked_left",
                &[("count", &done.left.len()), ("keys", &keys(&done.left))]
            )
        );
    }
    Ok(())
}

fn status_names() -> String {
    Status::ALL
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn change(env: &Env<'_>, key: &str, guard: &args::Guard, change: Change) -> Result<i32> {
    let org = &env.cfg.org;
    let (t, e) = env.with_desk(|d| {
        d.change(key, guard.expect_version, change)
            .map_err(|e| env.desk_err(e))
    })?;
    if guard.json {
        out::json(&Changed {
            ticket: &t,
            event: &e,
        })?;
    } else {
        say!(
            "{}",
            env.cat.f(
                "ticket.changed",
                &[
                    ("key", &t.key),
                    ("what", &describe::event(env.cat, org, &e)),
                    ("version", &t.version)
                ],
            )
        );
    }
    Ok(0)
}

/// A ticket in words: its fields, its children and duplicates (each with its status), its
/// clocks, description, resolution and timeline.
fn print_ticket(
    env: &Env<'_>,
    t: &Ticket,
    events: &[Event],
    children: &[&Ticket],
    duplicates: &[&Ticket],
) {
    let cat = env.cat;
    let org = &env.cfg.org;
    let lang = cat.lang().code();
    let local = |d: chrono::DateTime<Utc>| {
        d.with_timezone(&org.time_zone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let linked_list = |list: &[&Ticket]| {
        if list.is_empty() {
            return "—".to_string();
        }
        list.iter()
            .map(|c| format!("{} ({})", c.key, describe::status(cat, c.status)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let named = |list: &[crate::domain::org::Coded], id: &str| {
        list.iter()
            .find(|c| c.id == id)
            .map(|c| c.name.get(lang).to_string())
            .unwrap_or_else(|| id.to_string())
    };
    let group = org
        .group(&t.group)
        .map(|g| g.name.get(lang).to_string())
        .unwrap_or_else(|| t.group.clone());
    let mut rows: Vec<(&str, String)> = vec![
        ("field.key", t.key.clone()),
        ("field.title", t.title.clone()),
        ("field.status", describe::status(cat, t.status)),
        ("field.kind", named(&org.kinds, &t.kind)),
        (
            "field.priority",
            format!(
                "{} ({}: {}, {}: {})",
                t.priority,
                cat.t("field.impact"),
                named(&org.priority.impact, &t.impact),
                cat.t("field.urgency"),
                named(&org.priority.urgency, &t.urgency)
            ),
        ),
        ("field.channel", named(&org.channels, &t.channel)),
        ("field.application", opt(&t.application)),
        (
            "field.category",
            t.category
                .as_deref()
                .map(|c| named(&org.categories, c))
                .unwrap_or_else(|| "—".into()),
        ),
        ("field.requester_name", opt(&t.requester.name)),
        ("field.unit", opt(&t.requester.unit)),
        ("field.phone", opt(&t.requester.phone)),
        ("field.email", opt(&t.requester.email)),
        ("field.tier", t.tier.to_string()),
        ("field.group", group),
        ("field.assignee", opt(&t.assignee)),
        (
            "field.following",
            t.following_group()
                .map(str::to_string)
                .unwrap_or_else(|| "—".into()),
        ),
        ("field.external_reference", opt(&t.external_ref)),
        ("field.created_at", local(t.created_at)),
        (
            "field.first_response_at",
            t.first_response_at.map(local).unwrap_or_else(|| "—".into()),
        ),
        (
            "field.resolved_at",
            t.resolved_at.map(local).unwrap_or_else(|| "—".into()),
        ),
        (
            "field.closed_at",
            t.closed_at.map(local).unwrap_or_else(|| "—".into()),
        ),
        ("field.parent", opt(&t.parent)),
        ("field.duplicate_of", opt(&t.duplicate_of)),
        ("field.children", linked_list(children)),
        ("field.duplicates", linked_list(duplicates)),
        ("field.version", t.version.to_string()),
    ];
    if let Some(r) = &t.requirement {
        rows.push(("field.requirement", describe::requirement_summary(cat, r)));
    }
    // Each value is a field inside a line: one_line, whatever it holds.
    for (label, value) in rows {
        say!("{:<22} {}", cat.t(label), one_line(&value));
    }
    let sla = sla_of(org, t, events);
    for (which, clock) in [
        ("first_response", &sla.first_response),
        ("resolution", &sla.resolution),
    ] {
        if let Some(c) = clock {
            say!("{}", describe::sla_clock(cat, org, which, c));
        }
    }
    say!(
        "\n{}\n{}",
        cat.t("field.description"),
        sanitize(&t.description)
    );
    if let Some(r) = &t.resolution {
        say!("\n{}\n{}", cat.t("field.resolution"), sanitize(r));
    }
    say!("\n{}", cat.t("ticket.timeline"));
    for e in events {
        say!(
            "  v{:<3} {} {:<14} {}",
            e.version,
            local(e.at),
            one_line(&e.actor),
            describe::event(cat, org, e)
        );
    }
}

/// The ticket's procedure: each step with its clock, the current one and what it needs.
fn show_steps(env: &Env<'_>, t: &Ticket, events: &[Event], json: bool) -> Result<i32> {
    let org = &env.cfg.org;
    let cat = env.cat;
    let Some(p) = org.procedure_for(&t.kind) else {
        if json {
            out::json(&serde_json::json!({ "procedure": null }))?;
        } else {
            say!(
                "{}",
                cat.f("procedure.none", &[("kind", &one_line(&t.kind))])
            );
        }
        return Ok(0);
    };
    let clocks = crate::domain::procedure::step_clocks(
        t,
        events,
        p,
        &org.calendar,
        &org.sla,
        crate::clock::now(),
    );
    let overall = crate::domain::procedure::procedure_clock(
        t,
        events,
        p,
        &org.calendar,
        &org.sla,
        crate::clock::now(),
    );
    let current = t.current_step.as_deref().and_then(|s| p.step(s));
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            procedure: &'a str,
            current: Option<&'a str>,
            needs: Vec<&'a str>,
            steps: &'a [crate::domain::procedure::Step],
            clocks: &'a [crate::domain::procedure::StepClock],
            /// The whole procedure's clock, when it has a budget.
            overall: Option<&'a crate::domain::procedure::StepClock>,
        }
        out::json(&Out {
            overall: overall.as_ref(),
            procedure: &p.id,
            current: current.map(|s| s.id.as_str()),
            needs: current
                .map(|s| s.requires.iter().map(String::as_str).collect())
                .unwrap_or_default(),
            steps: &p.steps,
            clocks: &clocks,
        })?;
        return Ok(0);
    }
    let lang = cat.lang().code();
    say!(
        "{}",
        cat.f(
            "procedure.title",
            &[("name", &p.name.get(lang)), ("id", &p.id)]
        )
    );
    if let Some(o) = &overall {
        say!("{}", describe::procedure_overall(cat, o));
    }
    for c in &clocks {
        let Some(step) = p.step(&c.step) else {
            continue;
        };
        let mark = if c.left.is_none() && current.is_some() {
            "▶"
        } else if c.over {
            "!"
        } else {
            "✓"
        };
        let by =
            c.by.as_ref()
                .map(|b| format!(" — {}", one_line(b)))
                .unwrap_or_default();
        say!(
            "{}",
            cat.f(
                "procedure.line",
                &[
                    ("mark", &mark),
                    ("step", &step.id),
                    ("name", &step.name.get(lang)),
                    ("budget", &c.budget),
                    ("used", &describe::working_minutes(cat, c.used_minutes)),
                    ("by", &by),
                ],
            )
        );
    }
    match current {
        Some(s) if !s.requires.is_empty() => say!(
            "{}",
            cat.f(
                "procedure.needs",
                &[("step", &s.id), ("fields", &s.requires.join(", "))]
            )
        ),
        Some(_) => {}
        None => say!("{}", describe::procedure_done(cat, t)),
    }
    Ok(0)
}

/// The ticket's SLA clocks as of now (the one clock).
fn sla_of(
    org: &crate::domain::org::Organisation,
    t: &Ticket,
    events: &[Event],
) -> crate::domain::sla::SlaStatus {
    crate::domain::sla::compute(t, events, &org.calendar, &org.sla, crate::clock::now())
}

fn config_cmd(env: &Env<'_>, cmd: &ConfigCommand) -> Result<i32> {
    match cmd {
        ConfigCommand::Show { applied: false } => {
            out::text(config::EMBEDDED);
            Ok(0)
        }
        ConfigCommand::Show { applied: true } => {
            let mut store = env.open()?;
            let applied = store
                .applied_config()
                .map_err(|e| env.store_err(e))?
                .ok_or_else(|| env.user(env.cat.t("config.none_applied")))?;
            let by = match &applied.by {
                Some(real) => format!("{} ({real})", applied.applied_by),
                None => applied.applied_by.clone(),
            };
            say!(
                "# {}",
                env.cat.f(
                    "config.applied_header",
                    &[
                        ("version", &applied.version),
                        (
                            "at",
                            &applied
                                .applied_at
                                .with_timezone(&env.cfg.org.time_zone)
                                .format("%Y-%m-%d %H:%M")
                        ),
                        ("by", &by),
                        ("digest", &applied.digest),
                    ],
                )
            );
            out::text(&applied.text);
            Ok(0)
        }
        ConfigCommand::Apply { file } => {
            let cfg = config::load_file(file)
                .map_err(|e| env.user(describe::config_error(env.cat, &e)))?;
            let before = env.session()?.config_version;
            let applied = env.with_desk(|d| d.apply_config(&cfg).map_err(|e| env.desk_err(e)))?;
            let id = if applied.version == before {
                "config.already_applied"
            } else {
                "config.applied"
            };
            say!(
                "{}",
                env.cat.f(
                    id,
                    &[("version", &applied.version), ("source", &cfg.source)]
                )
            );
            Ok(0)
        }
        ConfigCommand::Path => config_path(env.cli, env.cat),
        ConfigCommand::Check { file } => {
            let cfg = match file {
                Some(f) => config::load_file(f),
                None => Ok(env.cfg.clone()),
            }
            .map_err(|e| env.user(describe::config_error(env.cat, &e)))?;
            say!("{}", env.cat.f("config.valid", &[("source", &cfg.source)]));
            Ok(0)
        }
    }
}

/// The database of this command line: `--db`, or the default (the demo one with `--demo`).
fn db_path_for(cli: &Cli) -> Result<PathBuf> {
    match &cli.db {
        Some(p) if !cli.demo => Ok(p.clone()),
        _ => default_db_path(cli.demo),
    }
}

/// `hotro config path`: the configuration in force, the user file, the database.
fn config_path(cli: &Cli, cat: &Catalog) -> Result<i32> {
    let source = config::source_in_force(cli.config.as_deref());
    say!("{}", cat.f("config.in_force", &[("source", &source)]));
    if let Some(p) = config::user_config_path() {
        say!("{}", cat.f("config.user_path", &[("path", &p.display())]));
    }
    let db = db_path_for(cli)?;
    say!("{}", cat.f("db.path", &[("path", &db.display())]));
    Ok(0)
}

/// Up to 5 requirements already submitted like a new one (issue 16 Deliver 5), one
/// "similar requirement: KEY title (stage)" line each on standard output.
fn similar_requirements(env: &Env<'_>, t: &Ticket) -> Result<()> {
    let mut store = env.open()?;
    let index = synced_index(env, &mut store)?;
    let text = format!("{} {}", t.title, t.description);
    let found = crate::search::service::similar_requirements(
        &mut store,
        &index,
        &text,
        Some(&t.key),
        crate::search::service::SIMILAR_REQUIREMENTS_SHOWN,
    )
    .map_err(|e| env.user(env.cat.f("error.index", &[("detail", &e)])))?;
    for s in &found {
        say!(
            "{}",
            env.cat.f(
                "req.similar",
                &[
                    ("key", &one_line(&s.key)),
                    ("title", &one_line(&s.title)),
                    ("stage", &describe::requirement_stage(env.cat, s.stage)),
                ]
            )
        );
    }
    Ok(())
}

/// The search index this host keeps for the database ([`Store::index_home`]: beside a
/// SQLite file; in the cache folder for a PostgreSQL database).
fn open_index(env: &Env<'_>, store: &mut Store) -> Result<crate::search::SearchIndex> {
    let home = store.index_home().map_err(|e| env.store_err(e))?;
    let mut index = crate::search::SearchIndex::open(&home)
        .map_err(|e| env.user(env.cat.f("error.index", &[("detail", &e)])))?;
    index.add_synonyms(&env.cfg.org.search_synonyms);
    Ok(index)
}

/// Progress of an index build on standard error, for builds big enough to notice.
/// The progress of an index build: shown from 20,000 documents on.
fn index_progress(env: &Env<'_>) -> impl FnMut(u64, u64) + use<> {
    let p = progress::Progress::new(env.cat, "progress.index", progress::Unit::Items, 20_000);
    move |done, total| p.update(done, total)
}

/// How long a command waits for another process that holds the index writer before it
/// searches the last committed index instead (a rebuild of a large import takes minutes).
const INDEX_PATIENCE: std::time::Duration = std::time::Duration::from_secs(1);

/// The index, brought up to date with everything committed so far — unless another process
/// is writing it for longer than [`INDEX_PATIENCE`]: then the last committed index, with a
/// note on standard error saying so (and how far that process got, when it says).
fn synced_index(env: &Env<'_>, store: &mut Store) -> Result<crate::search::SearchIndex> {
    let mut index = open_index(env, store)?;
    let report = index
        .sync_within(store, &mut index_progress(env), INDEX_PATIENCE)
        .map_err(|e| env.user(env.cat.f("error.index", &[("detail", &e)])))?;
    // Said also when nothing was pending here: a rebuild elsewhere will replace what this
    // search reads.
    let home = store.index_home().map_err(|e| env.store_err(e))?;
    let other = crate::search::activity(&home).filter(|a| a.pid != std::process::id());
    if report.busy || other.is_some() {
        let percent = other.and_then(|a| a.percent());
        let note = match percent {
            Some(p) => env.cat.f("kb.index_busy", &[("percent", &p)]),
            None => env.cat.t("kb.index_busy_started"),
        };
        say_err!("{note}");
    }
    Ok(index)
}

fn kb(env: &Env<'_>, cmd: &args::KbCommand) -> Result<i32> {
    use crate::search::{Filters, service};
    let cat = env.cat;
    match cmd {
        args::KbCommand::Import { file, json } => {
            let bytes = read_input(env, file, crate::input::IMPORT_LIMIT)?;
            let articles = match crate::domain::kb::parse_jsonl(&bytes) {
                Ok(a) => a,
                Err(errors) => {
                    let mut message = cat.f(
                        "kb.import_refused",
                        &[("path", &file.display()), ("count", &errors.len())],
                    );
                    for e in errors.iter().take(20) {
                        message.push_str(&format!(
                            "\n  {}:{}: {}",
                            file.display(),
                            e.line,
                            one_line(&e.message)
                        ));
                    }
                    if errors.len() > 20 {
                        message.push_str(&format!("\n  … {}", errors.len() - 20));
                    }
                    return Err(env.user(message));
                }
            };
            let mut store = env.open()?;
            let bar = progress::Progress::new(cat, "progress.import", progress::Unit::Items, 5_000);
            let (counts, unknown) =
                crate::desk::Desk::new(&mut store, env.session()?, crate::clock::now())
                    .import_articles(&articles, &mut |d, t| bar.update(d, t))
                    .map_err(|e| env.desk_err(e))?;
            bar.finish();
            synced_index(env, &mut store)?;
            if *json {
                #[derive(Serialize)]
                struct Imported<'a> {
                    #[serde(flatten)]
                    counts: &'a crate::store::ImportCounts,
                    unknown: &'a [crate::domain::kb::UnknownReference],
                }
                out::json(&Imported {
                    counts: &counts,
                    unknown: &unknown,
                })?;
            } else {
                for u in unknown.iter().take(20) {
                    say_err!(
                        "{}",
                        cat.f(
                            "kb.unknown_reference",
                            &[
                                ("reference", &one_line(&u.reference)),
                                ("field", &u.field),
                                ("value", &one_line(&u.value))
                            ]
                        )
                    );
                }
                if unknown.len() > 20 {
                    say_err!("  … {}", unknown.len() - 20);
                }
                if !unknown.is_empty() {
                    say_err!("{}", cat.f("kb.unknown_hint", &[("count", &unknown.len())]));
                }
                say!(
                    "{}",
                    cat.f(
                        "kb.imported",
                        &[
                            ("added", &counts.added),
                            ("updated", &counts.updated),
                            ("unchanged", &counts.unchanged),
                            ("path", &file.display())
                        ]
                    )
                );
            }
            Ok(0)
        }
        args::KbCommand::Search(a) => {
            let query = a.query.join(" ");
            let mut store = env.open()?;
            let index = synced_index(env, &mut store)?;
            let statuses = if a.statuses.is_empty() {
                Filters::solutions().statuses
            } else {
                a.statuses.clone()
            };
            let filters = Filters {
                kind: a.kind.clone(),
                application: a.application.clone(),
                category: a.category.clone(),
                lang: a.article_lang.clone(),
                statuses,
            };
            let found = service::find(&mut store, &index, &query, &filters, a.limit.min(1000))
                .map_err(|e| env.user(env.cat.f("error.index", &[("detail", &e)])))?;
            if a.json {
                out::json(&found)?;
            } else {
                for f in &found {
                    let kind = cat.t(&format!("kb.kind_{}", f.kind));
                    // A hit found only through a spelling correction says so.
                    let fuzzy = if f.fuzzy {
                        format!("  {}", cat.t("kb.fuzzy_mark"))
                    } else {
                        String::new()
                    };
                    say!(
                        "{:<16} {:<8} {:>6.2}  {}{}",
                        one_line(&f.reference),
                        kind,
                        f.score,
                        one_line(&f.title),
                        fuzzy
                    );
                    say!("    {}", one_line(&f.snippet_text()));
                }
                if found.is_empty() {
                    say!("{}", cat.t("kb.no_results"));
                }
            }
            Ok(0)
        }
        args::KbCommand::Show { reference, json } => {
            let mut store = env.open()?;
            let article = store.article(reference).map_err(|e| env.store_err(e))?;
            let Some(a) = article else {
                return Err(env.user(cat.f("kb.not_found", &[("ref", &one_line(reference))])));
            };
            let history = store
                .article_history(reference)
                .map_err(|e| env.store_err(e))?;
            let revision = store
                .article_revision(reference)
                .map_err(|e| env.store_err(e))?;
            if *json {
                #[derive(Serialize)]
                struct Shown<'a> {
                    article: &'a crate::domain::kb::Article,
                    earlier_versions: &'a [crate::domain::kb::Article],
                    /// A revision waiting for review.
                    revision: Option<&'a crate::store::ArticleRevision>,
                }
                out::json(&Shown {
                    article: &a,
                    earlier_versions: &history,
                    revision: revision.as_ref(),
                })?;
            } else {
                let tz = env.cfg.org.time_zone;
                say!(
                    "{} · {} · {} · v{}",
                    one_line(&a.reference),
                    one_line(&a.lang),
                    one_line(&a.status),
                    a.version
                );
                say!("{}", one_line(&a.title));
                for (label, text) in [
                    ("kb.symptom", &a.symptom),
                    ("kb.cause", &a.cause),
                    ("kb.resolution", &a.resolution),
                ] {
                    say!("\n{}\n{}", cat.t(label), sanitize(text));
                }
                say!(
                    "\n{}",
                    cat.f(
                        "kb.meta",
                        &[
                            ("app", &one_line(a.application.as_deref().unwrap_or("—"))),
                            ("category", &one_line(a.category.as_deref().unwrap_or("—"))),
                            ("tags", &one_line(&a.tags.join(", "))),
                            (
                                "updated",
                                &a.updated_at.with_timezone(&tz).format("%Y-%m-%d %H:%M")
                            ),
                            ("versions", &history.len()),
                        ]
                    )
                );
                // Who wrote and who published each version, newest first.
                let at = |t: chrono::DateTime<chrono::Utc>| {
                    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
                };
                for v in std::iter::once(&a).chain(history.iter().rev()) {
                    let mut line = format!(
                        "  v{} · {} · {}",
                        v.version,
                        describe::article_status(cat, &v.status),
                        cat.f(
                            "kb.history_by",
                            &[(
                                "by",
                                &one_line(
                                    v.updated_by
                                        .as_deref()
                                        .or(v.author.as_deref())
                                        .unwrap_or("—")
                                )
                            )]
                        )
                    );
                    if let (Some(by), Some(when)) = (&v.published_by, v.published_at) {
                        line.push_str(" · ");
                        line.push_str(&cat.f(
                            "kb.history_published",
                            &[("by", &one_line(by)), ("at", &at(when))],
                        ));
                    }
                    say!("{line}");
                }
                if let Some(r) = &revision {
                    say!(
                        "{}",
                        cat.f(
                            "kb.revision_waiting",
                            &[
                                ("by", &one_line(&r.author)),
                                ("at", &at(r.updated_at)),
                                ("ref", &one_line(&a.reference))
                            ]
                        )
                    );
                }
            }
            Ok(0)
        }
        args::KbCommand::New { .. }
        | args::KbCommand::Edit { .. }
        | args::KbCommand::Publish { .. }
        | args::KbCommand::Retire { .. }
        | args::KbCommand::Faq { .. } => kb_write::run(env, cmd),
        args::KbCommand::Draft { key } => {
            let reference = env.with_desk(|d| d.draft_article(key).map_err(|e| env.desk_err(e)))?;
            let mut store = env.open()?;
            synced_index(env, &mut store)?;
            say!(
                "{}",
                cat.f("flash.article_drafted", &[("ref", &one_line(&reference))])
            );
            Ok(0)
        }
        args::KbCommand::Export => {
            let mut store = env.open()?;
            for a in store.articles().map_err(|e| env.store_err(e))? {
                out::json_line(&a.input())?;
            }
            Ok(0)
        }
        args::KbCommand::Eval {
            queries,
            json,
            misses,
        } => {
            let bytes = read_input(env, queries, crate::input::IMPORT_LIMIT)?;
            let text = String::from_utf8(bytes).map_err(|e| {
                env.user(cat.f(
                    "error.not_utf8",
                    &[
                        ("path", &queries.display()),
                        ("offset", &e.utf8_error().valid_up_to()),
                    ],
                ))
            })?;
            let mut list = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let q: service::EvalQuery = serde_json::from_str(line)
                    .map_err(|e| env.user(format!("{}:{}: {e}", queries.display(), i + 1)))?;
                list.push(q);
            }
            let mut store = env.open()?;
            let index = synced_index(env, &mut store)?;
            let report = service::evaluate(&index, &list).map_err(|e| env.user(e.to_string()))?;
            if *json {
                out::json(&report)?;
            } else {
                say!(
                    "{}",
                    cat.f(
                        "kb.eval_line",
                        &[
                            ("kind", &cat.t("kb.eval_overall")),
                            ("n", &report.overall.queries),
                            ("recall", &format!("{:.3}", report.overall.recall_at_5)),
                            ("mrr", &format!("{:.3}", report.overall.mrr))
                        ]
                    )
                );
                for (kind, s) in &report.by_kind {
                    say!(
                        "{}",
                        cat.f(
                            "kb.eval_line",
                            &[
                                ("kind", kind),
                                ("n", &s.queries),
                                ("recall", &format!("{:.3}", s.recall_at_5)),
                                ("mrr", &format!("{:.3}", s.mrr))
                            ]
                        )
                    );
                }
                if *misses {
                    for m in &report.misses {
                        say!(
                            "  [{}] {:?} → {:?} (expected {:?})",
                            m.kind,
                            m.q,
                            m.got,
                            m.expect
                        );
                    }
                }
            }
            Ok(0)
        }
    }
}
