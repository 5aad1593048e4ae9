//! The application layer: every operation the CLI or the console performs, one function
//! each. Each takes the acting operator (a [`Session`]), checks the permission
//! ([`crate::domain::permission`]), applies the domain rule and commits through the store.
//! `src/cli` and `src/ui` keep parsing, presentation and screen state only.
//!
//! Rules decided here once for both front ends (issue 11): which announced incident a new
//! ticket belongs to ([`Desk::create_ticket`]), which linked tickets are resolved with an
//! incident ([`Desk::linked_of`]), an incident ticket only for a failed check
//! ([`Desk::open_check_incident`]), the check day's phase ([`crate::domain::check::phase_on`]),
//! amending a finalised check needs the finalise permission ([`Desk::record_checks`]),
//! drafting an article never overwrites a published one ([`Desk::draft_article`]).
//!
//! Reads (queues, a ticket and its timeline, reports, search) need no permission beyond being
//! able to open the file; the front ends call the store's read functions for them.

/// The OS account of the process.
pub mod identity;
/// The mail intake (issue 12).
pub mod mail;
pub mod outbox;
/// Reports for the leaders (issue 13).
mod reports;

use crate::config::Config;
use crate::domain::check::check_date;
use crate::domain::org::{Operator, Organisation};
use crate::domain::permission::{Permission, Refusal, TicketScope, may_change};
use crate::domain::ticket::{Change, Ctx, DomainError, Event, LinkRelation, NewTicket, Ticket};
use crate::store::{AppliedConfig, CheckRecord, Purpose, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};

/// Exit status of a command refused for want of a role, an identity or the applied
/// configuration.
pub const EXIT_REFUSED: i32 = 5;

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The acting operator lacks the role (or the ticket is outside their group).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Writing needs an operator, and the OS account maps to none (`on_server`: the
    /// PostgreSQL server's role, which names an operator by their login, `os_users` unread).
    #[error("the OS account or server role `{account}` is not an operator")]
    NoOperator { account: String, on_server: bool },
    /// `--as` by someone who is not an admin.
    #[error("acting as `{target}` needs the admin role; `{real}` does not have it")]
    ActAsRefused { real: String, target: String },
    /// `--as` by an admin on PostgreSQL that the server refused: `SET ROLE target` failed
    /// because the admin's role is not a member of the target's (`hotro db setup-roles`
    /// grants admins every non-admin operator's role, never another admin's, and only to
    /// roles it made), or the target has no role on the server yet.
    #[error(
        "the server refused `{real}` acting as `{target}`: `{real}`'s role is not a member of `{target}`'s (`hotro db setup-roles --apply` grants admins every non-admin operator's role)"
    )]
    ServerRefusedActAs { real: String, target: String },
    /// `--as` names no operator of the configuration in force.
    #[error("no operator `{login}`")]
    UnknownOperator { login: String },
    /// This process was started with another configuration than the database's.
    #[error(
        "this process uses another configuration ({source_name}) than the one applied to the database (version {applied}); writes are refused — run `hotro config apply FILE` as an admin, or drop --config"
    )]
    ConfigNotApplied { applied: i64, source_name: String },
    /// `--role` names a role one cannot restrict oneself to.
    #[error(
        "--role {role}: only `key_user` (the key user's rights: read, search, record requests) can be chosen"
    )]
    UnknownRole { role: String },
    /// A desk with records but no applied configuration (made by an earlier hotro).
    #[error(
        "no configuration is applied to this database yet: its owner runs `hotro --config FILE config apply FILE` first"
    )]
    NoConfigApplied,
    /// The first configuration of a desk with records, applied by someone who does not own
    /// the database file.
    #[error("the first configuration of {path} is applied by the owner of the file")]
    FirstConfigByOwner { path: String },
    /// The configuration applied to the database no longer parses.
    #[error("the configuration applied to the database (version {version}) is invalid: {error}")]
    AppliedConfigInvalid {
        version: i64,
        error: crate::config::ConfigError,
    },
    /// `HOTRO_NOW` on a database that is neither a demo nor a test database.
    #[error("HOTRO_NOW is only for demo and test databases; this one is live")]
    FixedClockOnLive,
    /// Demo data asked for on a live desk.
    #[error("demo data goes only into a demo or test database; this one is a live desk")]
    DemoOnLive,
    /// A check result for a day that has not come yet.
    #[error("{date} has not come yet (today is {today}): a check is recorded on its day")]
    CheckInFuture { date: NaiveDate, today: NaiveDate },
    /// An incident ticket for a result that is not a failure.
    #[error("{system} is OK on {date}: an incident is opened only for a failed check")]
    NotFailed { system: String, date: NaiveDate },
    /// An article is drafted only from a solved ticket.
    #[error("ticket {key} is not resolved: an article is drafted from a solution")]
    NotResolved { key: String },
    /// The OS account of the process has no name.
    #[error(transparent)]
    Identity(#[from] identity::IdentityError),
    /// A domain rule refused the operation (an invalid transition, a missing field…).
    #[error(transparent)]
    Domain(DomainError),
    /// The store failed or refused (a conflict, a missing ticket, the disk…).
    #[error(transparent)]
    Store(StoreError),
    /// A report's period cannot be reported on.
    #[error(transparent)]
    Period(#[from] crate::domain::report::PeriodError),
    /// A change for the register is incomplete or names someone or something unknown.
    #[error(transparent)]
    Change(#[from] crate::domain::change::ChangeError),
    /// `hotro mail fetch` on a desk whose configuration has no `[mail]` section.
    #[error("the configuration has no [mail] section naming the intake operator")]
    NoMailIntake,
}

impl From<StoreError> for DeskError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => DeskError::Domain(d),
            other => DeskError::Store(other),
        }
    }
}

impl From<DomainError> for DeskError {
    fn from(e: DomainError) -> Self {
        DeskError::Domain(e)
    }
}

impl DeskError {
    /// Whether this is a refusal (exit status [`EXIT_REFUSED`]).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            DeskError::Refused(_)
                | DeskError::NoOperator { .. }
                | DeskError::ActAsRefused { .. }
                | DeskError::ServerRefusedActAs { .. }
                | DeskError::ConfigNotApplied { .. }
                | DeskError::NoConfigApplied
                | DeskError::FirstConfigByOwner { .. }
                | DeskError::FixedClockOnLive
        ) || matches!(
            self,
            DeskError::Domain(DomainError::RoleRequired { .. } | DomainError::StepPending { .. })
        )
    }
}

/// Who acts, under which organisation, in this process: established once per command (and
/// once per console) from the OS account and the configuration applied to the database.
#[derive(Debug, Clone)]
pub struct Session {
    /// The configuration in force: the one applied to the database.
    pub cfg: Config,
    /// The acting operator (`None`: the OS account is not an operator; reads only).
    pub me: Option<Operator>,
    /// The real operator when an admin acts as `me` (`--as`).
    pub real: Option<String>,
    /// The OS account of the process; on PostgreSQL the server's role (`current_user`).
    pub account: String,
    /// Whether `account` is the PostgreSQL server's role (who acts there) rather than the
    /// OS account of the process.
    pub on_server: bool,
    /// Set when the process's configuration differs from the applied one: writes refused.
    pub foreign_config: Option<String>,
    /// The applied configuration's version (0: none applied yet).
    pub config_version: i64,
    /// A desk with records and no applied configuration (made by an earlier hotro): read
    /// only until its owner applies one.
    pub unconfigured: bool,
    /// What the database is for.
    pub purpose: Purpose,
    /// On PostgreSQL, the role this session writes as when an operator acts as another
    /// (`SET ROLE`): every connection the session opens takes it ([`Session::prepare`]).
    pub acting_role: Option<String>,
}

/// What a process brings to [`Session::establish`].
pub struct Arrival<'a> {
    /// The configuration the process loaded (`--config`, `HOTRO_CONFIG`, user file, default).
    pub config: Config,
    /// `--as` / `HOTRO_AS`.
    pub acting: Option<&'a str>,
    /// `--role key_user`: act with the key user's rights only (a way to drop rights, never
    /// to gain them).
    pub role: Option<&'a str>,
    /// Whether `HOTRO_NOW` fixes the clock.
    pub fixed_clock: bool,
}

impl Session {
    /// Establish who acts. A new database takes the configuration this process brings as
    /// version 1; a sandbox takes any configuration a process brings; a live desk with
    /// records but none applied stays read-only until its owner applies one.
    ///
    /// Errors: the OS account cannot be named; `--as` by a non-admin (except on a demo or
    /// test database) or naming nobody; `HOTRO_NOW` on a live database; the applied
    /// configuration no longer parses; `--role` other than `key_user`.
    pub fn establish(
        store: &mut Store,
        arrival: Arrival<'_>,
        now: DateTime<Utc>,
    ) -> Result<Session, DeskError> {
        let purpose = store.purpose()?;
        if arrival.fixed_clock && purpose == Purpose::Live {
            return Err(DeskError::FixedClockOnLive);
        }
        // On PostgreSQL the server's role is who acts (its authentication decided it); on
        // SQLite the OS account of the process.
        let server_role = store.server_role()?;
        let account = match &server_role {
            Some(role) => role.clone(),
            None => identity::os_account()?,
        };
        let sandbox = purpose != Purpose::Live;
        // A file opened read-only (a write-protected copy being checked) records nothing.
        let writable = store.accepts_writes();
        let applied = match store.applied_config()? {
            // A sandbox takes whatever configuration a process brings (recorded as a new
            // version): tests and demos try configurations out.
            Some(a) if sandbox && writable && a.digest != arrival.config.digest() => {
                match store.apply_config(&arrival.config.text, "hotro", None, now, false) {
                    Ok(applied) => Some(applied),
                    // On PostgreSQL only the roles that may apply configurations can: for
                    // anyone else the applied one stays in force, and this process's other
                    // configuration makes its writes refused, as on a live desk (the
                    // message says who applies one).
                    Err(StoreError::Postgres { code, .. }) if code == "42501" => Some(a),
                    Err(e) => return Err(e.into()),
                }
            }
            Some(a) => Some(a),
            // A desk that already holds records but no applied configuration (made by an
            // earlier hotro): which file is in force is its owner's decision (`hotro config
            // apply`), not whoever happens to open it first.
            None if !writable || (!sandbox && store.holds_records()?) => None,
            None => Some(store.apply_config(&arrival.config.text, "hotro", None, now, true)?),
        };
        let (foreign, config_version, cfg) = match &applied {
            None => (Some(arrival.config.source.to_string()), 0, arrival.config),
            Some(a) if a.digest == arrival.config.digest() => (None, a.version, arrival.config),
            Some(a) => (
                Some(arrival.config.source.to_string()),
                a.version,
                parse_applied(a)?,
            ),
        };
        let org = &cfg.org;
        let real = match &server_role {
            // `hotro db setup-roles` names each operator's role by their login.
            Some(role) => org.operator(role).cloned(),
            None => org.operator_for_os_user(&account).cloned(),
        };
        let demo = purpose == Purpose::Demo;
        // Demo and test databases are sandboxes, not records: anyone may act as anyone
        // there (their clock may be fixed too). A live desk's purpose cannot be changed.
        let mut acts_as_role = None;
        let (me, by) = match arrival.acting {
            Some(login) => {
                let target =
                    org.operator(login)
                        .cloned()
                        .ok_or_else(|| DeskError::UnknownOperator {
                            login: login.to_string(),
                        })?;
                let allowed = sandbox
                    || real
                        .as_ref()
                        .is_some_and(|r| org.permissions.require(r, Permission::ActAs).is_ok());
                if !allowed {
                    return Err(DeskError::ActAsRefused {
                        real: real
                            .as_ref()
                            .map(|r| r.login.clone())
                            .unwrap_or_else(|| account.clone()),
                        target: login.to_string(),
                    });
                }
                let by = real
                    .as_ref()
                    .filter(|r| r.login != target.login)
                    .map(|r| r.login.clone());
                // On PostgreSQL an operator acting as another writes as that role, and the
                // server decides whether they may (an admin is granted every other
                // operator's role by `hotro db setup-roles`; nobody else is).
                if let (Some(real_login), Some(_)) = (&by, &server_role) {
                    store
                        .set_role(&target.login)
                        .map_err(|_| DeskError::ServerRefusedActAs {
                            real: real_login.clone(),
                            target: target.login.clone(),
                        })?;
                    acts_as_role = Some(target.login.clone());
                }
                (Some(target), by)
            }
            None => match real {
                Some(r) => (Some(r), None),
                // The demo database's convenience: an unmapped account acts as the first
                // operator, so the demo runs anywhere. Only there.
                None if demo => (org.operators.first().cloned(), None),
                None => (None, None),
            },
        };
        let me = match (arrival.role, me) {
            (None, me) => me,
            (Some(r), me) => {
                let role = match r {
                    "keyuser" | "key_user" | "key-user" => crate::domain::org::Role::KeyUser,
                    other => {
                        return Err(DeskError::UnknownRole {
                            role: other.to_string(),
                        });
                    }
                };
                me.map(|mut op| {
                    op.roles = vec![role];
                    op
                })
            }
        };
        Ok(Session {
            me,
            real: by,
            on_server: server_role.is_some(),
            account,
            foreign_config: foreign,
            config_version,
            unconfigured: applied.is_none(),
            purpose,
            cfg,
            acting_role: acts_as_role,
        })
    }

    /// Make a newly opened connection act as this session's operator: on PostgreSQL,
    /// `SET ROLE` when an operator acts as another (the server then checks every write
    /// against that role); nothing otherwise. Errors: the server refused the role.
    pub fn prepare(&self, store: &mut Store) -> Result<(), DeskError> {
        if let Some(role) = &self.acting_role {
            store.set_role(role)?;
        }
        Ok(())
    }

    /// A session for a headless driver (the console's snapshot tests, benchmarks) that
    /// already knows who acts: `me` under `cfg`, on a sandbox database. It reads no OS
    /// account and no database; the permissions of `me` still apply to every operation.
    pub fn assume(cfg: Config, me: Operator) -> Session {
        Session {
            me: Some(me),
            real: None,
            account: String::new(),
            on_server: false,
            foreign_config: None,
            config_version: 0,
            unconfigured: false,
            purpose: Purpose::Test,
            cfg,
            acting_role: None,
        }
    }

    /// The refusal of a write by an account (or server role) that is no operator.
    pub fn no_operator(&self) -> DeskError {
        DeskError::NoOperator {
            account: self.account.clone(),
            on_server: self.on_server,
        }
    }

    /// The organisation in force.
    pub fn org(&self) -> &Organisation {
        &self.cfg.org
    }

    /// Whether the acting operator may do `perm` (false for an unmapped account).
    pub fn may(&self, perm: Permission) -> bool {
        self.me
            .as_ref()
            .is_some_and(|op| self.org().permissions.require(op, perm).is_ok())
    }

    /// Whether the session may write at all (an operator, under the applied configuration).
    pub fn can_write(&self) -> bool {
        self.me.is_some() && self.foreign_config.is_none()
    }

    /// The acting operator, if they may write.
    fn writer(&self) -> Result<&Operator, DeskError> {
        if self.unconfigured {
            return Err(DeskError::NoConfigApplied);
        }
        if let Some(source) = &self.foreign_config {
            return Err(DeskError::ConfigNotApplied {
                applied: self.config_version,
                source_name: source.clone(),
            });
        }
        self.me.as_ref().ok_or_else(|| self.no_operator())
    }

    /// The acting operator, if they may write and have `perm`.
    fn require(&self, perm: Permission) -> Result<&Operator, DeskError> {
        let op = self.writer()?;
        self.org().permissions.require(op, perm)?;
        Ok(op)
    }

    fn ctx<'s>(&'s self, op: &'s Operator, now: DateTime<Utc>) -> Ctx<'s> {
        Ctx {
            org: self.org(),
            actor: &op.login,
            now,
            by: self.real.as_deref(),
        }
    }
}

fn parse_applied(applied: &AppliedConfig) -> Result<Config, DeskError> {
    crate::config::parse(
        &applied.text,
        crate::config::Source::File(format!("<applied configuration {}>", applied.version).into()),
    )
    .map_err(|error| DeskError::AppliedConfigInvalid {
        version: applied.version,
        error,
    })
}

/// A new ticket and what it belongs to.
#[derive(Debug)]
pub struct Created {
    /// The ticket as recorded (and linked, if it was).
    pub ticket: Ticket,
    /// Its newest event (`created`, or the link).
    pub event: Event,
    /// The announced incident of the ticket's application (announcement id, incident key),
    /// whether or not the ticket was linked to it.
    pub incident: Option<(i64, String)>,
    /// Whether the ticket was linked to that incident.
    pub linked: bool,
}

/// Linked tickets of an incident: those resolved with it, and those left because they have
/// open work of their own.
#[derive(Debug, Clone, Default)]
pub struct Linked {
    /// Resolved (or to be resolved) with the incident.
    pub with_incident: Vec<Ticket>,
    /// Open linked tickets with work of their own, left to their handlers.
    pub left: Vec<Ticket>,
    /// The active announcement of the incident, which may end with it
    /// ([`crate::domain::announce::announcement_of_incident`]).
    pub announcement: Option<crate::domain::announce::Announcement>,
}

/// What accepting the probes' results did ([`Desk::record_probe_results`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbesRecorded {
    /// Systems whose probe result was recorded.
    pub recorded: Vec<String>,
    /// Systems whose result recorded by hand was kept (the probe's left unrecorded).
    pub kept: Vec<String>,
    /// Whether the day was finalised, so this was an amendment.
    pub amendment: bool,
}

/// The operations, over one store, for one session, at one instant.
pub struct Desk<'a> {
    /// The database.
    pub store: &'a mut Store,
    /// Who acts.
    pub session: &'a Session,
    /// When: every write is stamped with it.
    pub now: DateTime<Utc>,
}

/// The most requirements read at once (a desk records a few hundred a month).
pub const MAX_REQUIREMENTS: usize = 100_000;

/// How many times a change is retried when the ticket changed between the permission check
/// and the write (the caller gave no expected version).
const RETRIES: usize = 5;

impl<'a> Desk<'a> {
    /// The operations for `session` over `store`, stamped `now`.
    pub fn new(store: &'a mut Store, session: &'a Session, now: DateTime<Utc>) -> Desk<'a> {
        Desk {
            store,
            session,
            now,
        }
    }

    fn org(&self) -> &'a Organisation {
        self.session.org()
    }

    // ---- tickets ------------------------------------------------------------------------

    /// Record a request (`create_ticket`). A ticket about an application with an announced
    /// outage belongs to its incident: with `link_incident` it is linked as its child.
    pub fn create_ticket(
        &mut self,
        new: &NewTicket,
        link_incident: bool,
    ) -> Result<Created, DeskError> {
        let session = self.session;
        let op = session.writer()?;
        crate::domain::permission::may_create(&self.org().permissions, self.org(), op, new)?;
        let ctx = session.ctx(op, self.now);
        let (mut ticket, mut event) = self.store.create_ticket(new, ctx)?;
        let incident = self.incident_for(&ticket)?;
        let mut linked = false;
        if link_incident && let Some((_, key)) = &incident {
            (ticket, event) = self.store.change_ticket(
                &ticket.key,
                Some(ticket.version),
                Change::Link {
                    relation: LinkRelation::ChildOf,
                    target: key.clone(),
                    target_ancestors: Vec::new(),
                },
                ctx,
            )?;
            linked = true;
        }
        // Straight to the application's owning group when the desk routes that way: a
        // transfer by the creator, so the intake group follows it (issue 14).
        if let Some(owner) = crate::domain::ticket::owner_route(self.org(), new, &ticket) {
            (ticket, event) = self.store.change_ticket(
                &ticket.key,
                Some(ticket.version),
                Change::Transfer {
                    group: owner,
                    reason: None,
                },
                ctx,
            )?;
        }
        Ok(Created {
            ticket,
            event,
            incident,
            linked,
        })
    }

    /// The announced incident a ticket belongs to
    /// ([`crate::domain::announce::incident_for`]): (announcement id, incident key).
    pub fn incident_for(&mut self, ticket: &Ticket) -> Result<Option<(i64, String)>, DeskError> {
        let Some(app) = ticket.application.as_deref() else {
            return Ok(None);
        };
        let active = self.store.announcements(true)?;
        Ok(
            crate::domain::announce::incident_for(&active, app, &ticket.key)
                .map(|(a, k)| (a.id, k.to_string())),
        )
    }

    /// Change a ticket, if the acting operator may ([`may_change`]). With `expect_version`
    /// a ticket changed since is a conflict; without, a change that races another is
    /// checked again on the new version.
    pub fn change(
        &mut self,
        key: &str,
        expect_version: Option<i64>,
        change: Change,
    ) -> Result<(Ticket, Event), DeskError> {
        let session = self.session;
        let op = session.writer()?;
        let org = self.org();
        let mut tries = 0;
        loop {
            let (ticket, events) = self.store.ticket_with_timeline(key)?;
            let scope = TicketScope {
                ticket: &ticket,
                created_by: events.first().map(|e| e.actor.as_str()),
            };
            may_change(&org.permissions, org, op, scope, &change)?;
            let expect = expect_version.or(Some(ticket.version));
            match self
                .store
                .change_ticket(key, expect, change.clone(), session.ctx(op, self.now))
            {
                Err(StoreError::Conflict(_)) if expect_version.is_none() && tries < RETRIES => {
                    tries += 1;
                }
                other => return Ok(other?),
            }
        }
    }

    /// The linked (child) tickets of an incident that would be resolved with it, and those
    /// left alone because they have open work of their own.
    pub fn linked_of(&mut self, key: &str) -> Result<Linked, DeskError> {
        let mut out = Linked {
            announcement: self.announcement_of_incident(key)?,
            ..Linked::default()
        };
        for child in self.store.children_of(key)? {
            if !child.status.is_open() {
                continue;
            }
            if crate::domain::announce::resolves_with_incident(&child, self.org()) {
                out.with_incident.push(child);
            } else {
                out.left.push(child);
            }
        }
        Ok(out)
    }

    /// Resolve an incident's linked tickets with it (those without open work of their own).
    /// Needs the right to work the incident itself.
    pub fn resolve_linked(&mut self, key: &str, resolution: &str) -> Result<Linked, DeskError> {
        let session = self.session;
        let op = session.writer()?;
        let org = self.org();
        let (ticket, events) = self.store.ticket_with_timeline(key)?;
        let change = Change::Resolve {
            resolution: resolution.to_string(),
        };
        let scope = TicketScope {
            ticket: &ticket,
            created_by: events.first().map(|e| e.actor.as_str()),
        };
        may_change(&org.permissions, org, op, scope, &change)?;
        let (with_incident, left) =
            self.store
                .resolve_linked(key, resolution, session.ctx(op, self.now))?;
        Ok(Linked {
            with_incident,
            left,
            announcement: self.announcement_of_incident(key)?,
        })
    }

    /// The active announcement whose incident is `key`, if any (anyone may read).
    pub fn announcement_of_incident(
        &mut self,
        key: &str,
    ) -> Result<Option<crate::domain::announce::Announcement>, DeskError> {
        let active = self.store.announcements(true)?;
        Ok(crate::domain::announce::announcement_of_incident(&active, key).cloned())
    }

    /// A ticket and its timeline (anyone may read).
    pub fn ticket_with_timeline(&mut self, key: &str) -> Result<(Ticket, Vec<Event>), DeskError> {
        Ok(self.store.ticket_with_timeline(key)?)
    }

    /// Draft a knowledge article from a resolved ticket: its title, its description as the
    /// symptom, its resolution; `KB-{key}` as the reference. A published article of that
    /// reference is never overwritten by a draft.
    pub fn draft_article(&mut self, key: &str) -> Result<String, DeskError> {
        let session = self.session;
        let op = session.require(Permission::DraftArticle)?;
        let t = self.store.ticket(key)?;
        if !matches!(
            t.status,
            crate::domain::status::Status::Resolved | crate::domain::status::Status::Closed
        ) {
            return Err(DeskError::NotResolved { key: t.key });
        }
        let reference = format!("KB-{}", t.key);
        let zh = t.title.chars().any(crate::domain::search::is_cjk);
        let input = crate::domain::kb::ArticleInput {
            reference,
            lang: if zh { "zh".into() } else { "vi".into() },
            application: t.application.clone(),
            category: t.category.clone(),
            title: t.title.clone(),
            symptom: t.description.clone(),
            cause: String::new(),
            resolution: t.resolution.clone().unwrap_or_default(),
            tags: Vec::new(),
            status: Some("draft".into()),
            author: Some(op.login.clone()),
        };
        let input = input
            .cleaned()
            .map_err(|e| StoreError::bad_value(e.to_string()))?;
        // Drafting again never overwrites what was published: a published article gets the
        // new text as a revision waiting for review (issue 19).
        match self.store.article(&input.reference)? {
            None => self
                .store
                .create_article(&input, false, &op.login, self.now)?,
            Some(existing) => {
                self.store
                    .edit_article(&input, existing.faq, &op.login, self.now)?;
            }
        }
        Ok(input.reference)
    }

    /// A new article written by the acting operator (`hotro kb new`, the console's knowledge
    /// screen): a draft, or published at once when `publish` (which needs
    /// [`Permission::PublishArticle`]). An empty ref gets the next free `KB-NNNNN`. Returns
    /// the ref. Needs [`Permission::DraftArticle`].
    pub fn new_article(
        &mut self,
        input: &crate::domain::kb::ArticleInput,
        faq: bool,
        publish: bool,
    ) -> Result<String, DeskError> {
        let op = self.session.require(Permission::DraftArticle)?;
        if publish {
            self.session.require(Permission::PublishArticle)?;
        }
        let mut input = input.clone();
        if input.reference.trim().is_empty() {
            // Checked first, so that a refused article takes no number.
            input
                .cleaned_unnamed()
                .map_err(|e| StoreError::bad_value(e.to_string()))?;
            input.reference = self.store.free_article_ref()?;
        }
        input.status = Some(if publish { "published" } else { "draft" }.into());
        input.author = Some(op.login.clone());
        let input = input
            .cleaned()
            .map_err(|e| StoreError::bad_value(e.to_string()))?;
        self.store
            .create_article(&input, faq, &op.login, self.now)?;
        Ok(input.reference)
    }

    /// Change an article's text and FAQ flag (`hotro kb edit`, the console): a draft in place,
    /// a published one as a revision waiting for review. Needs [`Permission::DraftArticle`].
    pub fn edit_article(
        &mut self,
        input: &crate::domain::kb::ArticleInput,
        faq: bool,
    ) -> Result<crate::domain::kb::EditMode, DeskError> {
        let op = self.session.require(Permission::DraftArticle)?;
        let input = input
            .cleaned()
            .map_err(|e| StoreError::bad_value(e.to_string()))?;
        Ok(self.store.edit_article(&input, faq, &op.login, self.now)?)
    }

    /// Publish an article (a draft, or a published one's waiting revision). Needs
    /// [`Permission::PublishArticle`] (leads, admins).
    pub fn publish_article(
        &mut self,
        reference: &str,
    ) -> Result<crate::domain::kb::PublishStep, DeskError> {
        let op = self.session.require(Permission::PublishArticle)?;
        Ok(self.store.publish_article(reference, &op.login, self.now)?)
    }

    /// Retire an article: no longer searched; its history is kept. Needs
    /// [`Permission::PublishArticle`].
    pub fn retire_article(&mut self, reference: &str) -> Result<(), DeskError> {
        let op = self.session.require(Permission::PublishArticle)?;
        Ok(self.store.retire_article(reference, &op.login, self.now)?)
    }

    /// Import knowledge articles (admin), all or nothing.
    /// Import articles (all or nothing). Returns the counts and the applications and
    /// categories the configuration does not know: they are imported as given (nothing in
    /// the file is lost) and reported, so the importer can correct the file or add them to
    /// the configuration (issue 18).
    pub fn import_articles(
        &mut self,
        articles: &[crate::domain::kb::ArticleInput],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<
        (
            crate::store::ImportCounts,
            Vec<crate::domain::kb::UnknownReference>,
        ),
        DeskError,
    > {
        let op = self.session.require(Permission::ImportKnowledge)?;
        let unknown = crate::domain::kb::unknown_references(articles, &self.session.cfg.org);
        let _note = self.store.note_long_write(&op.login, "kb import");
        let counts = self
            .store
            .import_articles_with(articles, &op.login, self.now, progress)?;
        Ok((counts, unknown))
    }

    // ---- the morning check ---------------------------------------------------------------

    /// The morning-check report of `date` as of now, in `cat`'s language (`hotro check
    /// report` and the console's report view): the day and its amendments, and — except in
    /// CSV, whose every line is a record — the audit chain's head as the report is produced,
    /// so a later rewrite of the chain can be shown against it (`hotro db verify --anchor`).
    pub fn check_report(
        &mut self,
        cat: &crate::i18n::Catalog,
        date: NaiveDate,
        format: crate::check::report::Format,
    ) -> Result<String, DeskError> {
        let org = self.session.org();
        let day = self.store.check_day(date)?;
        let log = self.store.check_log(date)?;
        let head = self.store.chain_head()?;
        let mut text = crate::check::report::render(cat, org, date, &day, &log, self.now, format);
        if !matches!(format, crate::check::report::Format::Csv) {
            let line = match &head {
                Some(h) => cat.f("report.chain_head", &[("head", h)]),
                None => cat.t("report.chain_head_none"),
            };
            text.push_str(&format!("\n{line}\n"));
        }
        Ok(text)
    }

    /// Today's date of the check in the organisation's zone.
    pub fn check_today(&self) -> NaiveDate {
        check_date(self.now, self.org().time_zone)
    }

    /// Record morning-check results (shift). After the day is finalised a change is an
    /// amendment, which needs the finalise permission (leads). Returns whether it was one.
    pub fn record_checks(
        &mut self,
        date: NaiveDate,
        records: &[CheckRecord],
    ) -> Result<bool, DeskError> {
        let session = self.session;
        let op = session.require(Permission::RecordCheck)?;
        let today = self.check_today();
        if date > today {
            return Err(DeskError::CheckInFuture { date, today });
        }
        // Whether it is an amendment is decided inside the store's transaction (a lead may
        // finalise meanwhile); only those who may finalise may amend.
        let refusal = session.require(Permission::FinaliseCheck).err();
        let recorded =
            self.store
                .record_checks_as(date, records, &op.login, self.now, refusal.is_none());
        match (recorded, refusal) {
            (Err(StoreError::AlreadyFinalised { .. }), Some(refusal)) => Err(refusal),
            (other, _) => Ok(other?),
        }
    }

    /// Record the probes' results the operator accepted (the console's `y`): a system whose
    /// result was recorded by hand keeps it ([`crate::domain::check::probe_may_replace`]).
    /// Returns whether it was an amendment, and the systems kept as recorded by hand.
    pub fn record_probe_results(
        &mut self,
        date: NaiveDate,
        records: &[CheckRecord],
    ) -> Result<ProbesRecorded, DeskError> {
        self.session.require(Permission::RecordCheck)?;
        let day = self.store.check_day(date)?;
        let (take, kept): (Vec<CheckRecord>, Vec<CheckRecord>) = records
            .iter()
            .cloned()
            .partition(|r| crate::domain::check::probe_may_replace(day.entry(&r.system)));
        let amendment = if take.is_empty() {
            false
        } else {
            self.record_checks(date, &take)?
        };
        Ok(ProbesRecorded {
            recorded: take.into_iter().map(|r| r.system).collect(),
            kept: kept.into_iter().map(|r| r.system).collect(),
            amendment,
        })
    }

    /// Whether the acting operator may run the probes.
    pub fn may_run_probes(&self) -> Result<(), DeskError> {
        self.session.require(Permission::RunProbes).map(|_| ())
    }

    /// Open the incident ticket of a failed check (once; a second call returns the same
    /// ticket, with `None`). A result that is not a failure gets none.
    pub fn open_check_incident(
        &mut self,
        cat: &crate::i18n::Catalog,
        date: NaiveDate,
        system: &str,
    ) -> Result<(Ticket, Option<Event>), DeskError> {
        let session = self.session;
        let op = session.require(Permission::OpenCheckIncident)?;
        let org = self.org();
        let day = self.store.check_day(date)?;
        let Some(entry) = day.entry(system) else {
            return Err(StoreError::NotChecked {
                date: date.to_string(),
                system: system.to_string(),
            }
            .into());
        };
        if !entry.result.warrants_incident() {
            return Err(DeskError::NotFailed {
                system: system.to_string(),
                date,
            });
        }
        let new = crate::check::incident_ticket(cat, org, date, entry);
        Ok(self
            .store
            .open_check_incident(date, system, &new, session.ctx(op, self.now))?)
    }

    /// Finalise the day's check (leads).
    pub fn finalise_check(
        &mut self,
        date: NaiveDate,
    ) -> Result<crate::domain::check::CheckDay, DeskError> {
        let op = self.session.require(Permission::FinaliseCheck)?;
        let today = self.check_today();
        if date > today {
            return Err(DeskError::CheckInFuture { date, today });
        }
        Ok(self.store.finalise_check(date, &op.login, self.now)?)
    }

    // ---- announcements -------------------------------------------------------------------

    /// Announce an outage (leads).
    pub fn create_announcement(
        &mut self,
        input: &crate::domain::announce::AnnouncementInput,
    ) -> Result<crate::domain::announce::Announcement, DeskError> {
        let op = self.session.require(Permission::Announce)?;
        let input = crate::domain::announce::validate(input, self.org(), true, self.now)?;
        Ok(self
            .store
            .create_announcement(&input, &op.login, self.now)?)
    }

    /// Change an announcement (leads).
    pub fn edit_announcement(
        &mut self,
        id: i64,
        expect_version: Option<i64>,
        input: &crate::domain::announce::AnnouncementInput,
    ) -> Result<crate::domain::announce::Announcement, DeskError> {
        let op = self.session.require(Permission::Announce)?;
        let input = crate::domain::announce::validate(input, self.org(), false, self.now)?;
        Ok(self
            .store
            .edit_announcement(id, expect_version, &input, &op.login, self.now)?)
    }

    /// End an announcement (leads).
    pub fn resolve_announcement(
        &mut self,
        id: i64,
    ) -> Result<crate::domain::announce::Announcement, DeskError> {
        let op = self.session.require(Permission::Announce)?;
        Ok(self.store.resolve_announcement(id, &op.login, self.now)?)
    }

    // ---- software requirements (issue 16) ------------------------------------------------

    /// Every requirement, oldest first (at most [`MAX_REQUIREMENTS`]).
    pub fn requirements(&mut self) -> Result<Vec<Ticket>, DeskError> {
        Ok(self.store.requirement_tickets(MAX_REQUIREMENTS)?)
    }

    /// The requirements of one month's window, oldest first.
    pub fn requirements_of_month(
        &mut self,
        month: crate::domain::requirement::Month,
    ) -> Result<Vec<Ticket>, DeskError> {
        Ok(self
            .requirements()?
            .into_iter()
            .filter(|t| t.requirement.as_ref().is_some_and(|r| r.window == month))
            .collect())
    }

    /// The requirements waiting for the acting operator
    /// ([`crate::domain::requirement::waits_for`]).
    pub fn requirements_pending(&mut self) -> Result<Vec<Ticket>, DeskError> {
        let org = self.org();
        let login = self.session.writer()?.login.clone();
        Ok(self
            .requirements()?
            .into_iter()
            .filter(|t| {
                t.requirement.as_ref().is_some_and(|r| {
                    crate::domain::requirement::waits_for(
                        org,
                        t.requirement_unit().as_deref(),
                        r,
                        &login,
                    )
                })
            })
            .collect())
    }

    /// Publish the month's requirements (seed 004, article 6): every requirement of its
    /// window with its outcome, and those kept for the next window, frozen; publishing again
    /// is an amendment. Only the IT office (the top units' reviewers) publishes.
    pub fn publish_requirements(
        &mut self,
        month: crate::domain::requirement::Month,
    ) -> Result<crate::store::Publication, DeskError> {
        let org = self.org();
        let op = self.session.writer()?;
        let office = crate::domain::requirement::office_reviewers(org, None);
        if !office.contains(&op.login) {
            return Err(DomainError::from(
                crate::domain::requirement::RequirementError::NotReviewer {
                    level: org
                        .units
                        .iter()
                        .filter(|u| u.parent.is_none())
                        .map(|u| u.code.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                    reviewers: office,
                },
            )
            .into());
        }
        let login = op.login.clone();
        let all = self.requirements()?;
        let rows = crate::domain::requirement::publication_rows(&all, month, org.time_zone);
        Ok(self
            .store
            .publish_requirements(month, &rows, self.now, &login)?)
    }

    /// The month's publications, oldest first (the last is in force).
    pub fn requirement_publications(
        &mut self,
        month: crate::domain::requirement::Month,
    ) -> Result<Vec<crate::store::Publication>, DeskError> {
        Ok(self.store.requirement_publications(month)?)
    }

    // ---- SLA, configuration, maintenance -------------------------------------------------

    /// Apply the SLA rules to one bounded batch of open tickets (see [`crate::rules`]).
    pub fn sla_tick_batch(
        &mut self,
        after_id: i64,
        limit: usize,
    ) -> Result<(Vec<crate::rules::Applied>, Option<i64>), DeskError> {
        self.session.require(Permission::SlaTick)?;
        Ok(crate::rules::tick_batch(
            self.store,
            self.org(),
            self.now,
            after_id,
            limit,
        )?)
    }

    /// Apply the SLA rules to every open ticket.
    pub fn sla_tick(&mut self) -> Result<Vec<crate::rules::Applied>, DeskError> {
        self.session.require(Permission::SlaTick)?;
        Ok(crate::rules::tick(self.store, self.org(), self.now)?)
    }

    /// Apply a configuration to the database (admin): it is in force for every process from
    /// now on. The text must parse. Returns the configuration in force (the same version if
    /// the text was already applied).
    pub fn apply_config(&mut self, cfg: &Config) -> Result<AppliedConfig, DeskError> {
        let session = self.session;
        if session.unconfigured {
            // The first configuration of a desk that holds records: its owner (the account
            // that owns the database file, or root) applies it, as an admin of that file.
            let path = self.store.path();
            if !identity::owns(path) {
                return Err(DeskError::FirstConfigByOwner {
                    path: path.display().to_string(),
                });
            }
            let op = cfg
                .org
                .operator_for_os_user(&session.account)
                .ok_or_else(|| session.no_operator())?;
            cfg.org.permissions.require(op, Permission::ApplyConfig)?;
            return Ok(self
                .store
                .apply_config(&cfg.text, &op.login, None, self.now, false)?);
        }
        // Applying is how a foreign configuration becomes the database's: only the role
        // under the configuration in force counts.
        let op = session.me.as_ref().ok_or_else(|| session.no_operator())?;
        session
            .org()
            .permissions
            .require(op, Permission::ApplyConfig)?;
        Ok(self.store.apply_config(
            &cfg.text,
            &op.login,
            session.real.as_deref(),
            self.now,
            false,
        )?)
    }

    /// Whether demo data may be added: only to a demo or test database, never to a desk
    /// whose tickets are real (their events would name real operators).
    pub fn may_fill_demo(&self) -> Result<(), DeskError> {
        if self.session.purpose == Purpose::Live {
            return Err(DeskError::DemoOnLive);
        }
        Ok(())
    }

    /// Whether the acting operator may back up the database (admin).
    pub fn may_backup(&self) -> Result<(), DeskError> {
        self.session.require(Permission::Backup).map(|_| ())
    }

    /// Accept the database file as it is now after a restore from a backup: the chain head
    /// recorded beside it (which the restored file may not reach) is replaced by the file's
    /// own, so writes are allowed again. Needs [`Permission::Backup`] (admin). Returns the
    /// head now expected (`None` for a file without events).
    pub fn accept_restored(&mut self) -> Result<Option<crate::store::ChainHead>, DeskError> {
        self.session.require(Permission::Backup)?;
        Ok(self.store.accept_head()?)
    }

    /// Whether the acting operator may rebuild the search index (admin).
    pub fn may_rebuild_index(&self) -> Result<(), DeskError> {
        self.session.require(Permission::RebuildIndex).map(|_| ())
    }
}
