//! The command line, declared with clap. Help texts come from the message catalog
//! (`cli.*` ids) through [`localize`], not from doc comments, so they follow the locale.

use crate::i18n::Catalog;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
// A repeated option takes its last value (as `lang_from_args` does for --lang).
#[command(
    name = "hotro",
    version,
    disable_help_subcommand = true,
    args_override_self = true
)]
pub struct Cli {
    #[arg(long, global = true, env = "HOTRO_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long = "as", global = true, env = "HOTRO_AS", value_name = "LOGIN")]
    pub acting: Option<String>,
    // Checked before clap parses (`crate::cli::lang_from_args`, which refuses an unknown
    // language with its own message); the possible values are listed for completions.
    #[arg(
        long,
        global = true,
        value_name = "vi|en|zh",
        value_parser = ["vi", "en", "zh"],
        ignore_case = true,
        hide_possible_values = true
    )]
    pub lang: Option<String>,
    #[arg(long, global = true)]
    pub demo: bool,
    #[arg(long, global = true)]
    pub no_color: bool,
    #[arg(long, global = true, value_name = "keyuser")]
    pub role: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

// Parsed once per process: the size of the enum does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    Init {
        /// Mark the new database as a test database (`HOTRO_NOW` accepted).
        #[arg(long)]
        test: bool,
    },
    Demo(DemoArgs),
    #[command(subcommand)]
    Ticket(TicketCommand),
    #[command(subcommand)]
    Change(ChangeCommand),
    #[command(subcommand)]
    Db(DbCommand),
    #[command(subcommand)]
    Config(ConfigCommand),
    #[command(subcommand)]
    Kb(KbCommand),
    #[command(subcommand)]
    Index(IndexCommand),
    #[command(subcommand)]
    Check(CheckCommand),
    #[command(subcommand)]
    Announce(AnnounceCommand),
    #[command(subcommand)]
    Bench(BenchCommand),
    #[command(subcommand)]
    Calendar(CalendarCommand),
    #[command(subcommand)]
    Report(ReportCommand),
    #[command(subcommand)]
    Sla(SlaCommand),
    #[command(subcommand)]
    Req(ReqCommand),
    #[command(subcommand)]
    Mail(MailCommand),
    /// A completion script for a shell, from these command definitions, to standard output.
    Completions {
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// A manual page (roff) of hotro or of one of its commands, to standard output.
    Man {
        #[arg(value_name = "COMMAND")]
        command: Vec<String>,
    },
}

/// The e-mail channel (issue 12).
#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// One pass of the intake (for cron or a systemd timer): every new mail of a Maildir
    /// folder, of the `[mail.imap]` mailbox, or the given `.eml` files.
    #[command(group(clap::ArgGroup::new("source").required(true).args(["maildir", "eml", "imap"])))]
    Fetch {
        #[arg(long, value_name = "DIR")]
        maildir: Option<PathBuf>,
        #[arg(long, value_name = "FILE", num_args = 1..)]
        eml: Vec<PathBuf>,
        #[arg(long)]
        imap: bool,
        #[arg(long)]
        json: bool,
    },
    /// The newest mails taken and what became of each.
    Log {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// One pass of the sender (for cron or a systemd timer): the outbox's mails that are
    /// due, by SMTP to `[mail.smtp]`.
    Send {
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// The long-running intake and sender: a pass over the Maildir whenever mail waits, and
    /// over the outbox when `[mail.smtp]` is set, every few seconds until SIGTERM or
    /// Ctrl-C.
    #[command(group(clap::ArgGroup::new("source").required(true).args(["maildir", "imap"])))]
    Watch {
        #[arg(long, value_name = "DIR")]
        maildir: Option<PathBuf>,
        #[arg(long)]
        imap: bool,
        #[arg(long, default_value_t = 30, value_name = "SECONDS")]
        every: u64,
    },
    /// Put a mail back in the queue: one that failed, or one left uncertain by an interrupted
    /// sender (after checking it did not arrive).
    Resend {
        #[arg(value_name = "MESSAGE-ID")]
        message_id: String,
    },
    /// The outbox: each reply's mail and where it is (pending, sending, sent, failed).
    Status {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

/// Files kept with a ticket (issue 12).
#[derive(Debug, Subcommand)]
pub enum AttachmentCommand {
    /// The ticket's files, by number.
    List {
        key: String,
        #[arg(long)]
        json: bool,
    },
    /// Save file N of the ticket to FILE (an existing file is kept unless --force).
    Save {
        key: String,
        n: i64,
        file: PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// Attach a file to the ticket.
    Add {
        key: String,
        file: PathBuf,
        #[arg(long, value_name = "TYPE")]
        media_type: Option<String>,
        #[command(flatten)]
        guard: Guard,
    },
}

/// Software requirements (issue 16, seed 004).
#[derive(Debug, Subcommand)]
pub enum ReqCommand {
    /// The month's submission window (its first working days) and where a requirement
    /// submitted now would go.
    Window {
        #[arg(long, value_name = "YYYY-MM")]
        month: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The requirements waiting for me: under review at a level I review, or, for the IT
    /// office (the top level's reviewers), refining, confirmed, planned and in development.
    Pending {
        #[arg(long)]
        json: bool,
    },
    /// Every requirement of a month's window with its stage, level and outcome.
    List {
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
        #[arg(long)]
        json: bool,
    },
    /// Decide at my level: forward up, or reject with a reason.
    Decide {
        key: String,
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        forward: bool,
        #[arg(long)]
        reject: bool,
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        guard: Guard,
    },
    /// After refining: adopted (with the owning business office) or not (with a reason).
    Confirm {
        key: String,
        #[arg(
            long,
            conflicts_with = "not_adopted",
            required_unless_present = "not_adopted"
        )]
        adopted: bool,
        #[arg(long)]
        not_adopted: bool,
        #[arg(long, value_name = "OFFICE")]
        owner: Option<String>,
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        guard: Guard,
    },
    /// Rank, estimate and expected release of a confirmed requirement.
    Plan {
        key: String,
        #[arg(long)]
        rank: u32,
        #[arg(long, value_name = "DAYS")]
        effort: u32,
        #[arg(long)]
        release: String,
        #[command(flatten)]
        guard: Guard,
    },
    /// Publish the month's requirements (adopted with expected release, not adopted or
    /// rejected with the reason, merged, pending, kept for the next window), frozen; again:
    /// an amendment.
    Publish {
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
        #[command(flatten)]
        export: ExportArgs,
    },
    /// The month's publication in force (the last amendment), and how many there were.
    Published {
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
        #[command(flatten)]
        export: ExportArgs,
    },
    /// The next development stage: work_order_sent, in_development, in_test, verified.
    Advance {
        key: String,
        #[arg(long, value_name = "STAGE")]
        to: String,
        #[command(flatten)]
        guard: Guard,
    },
}

#[derive(Debug, Subcommand)]
pub enum SlaCommand {
    Tick {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The period's figures beside the previous period's (issue 13).
    Summary {
        #[command(flatten)]
        period: PeriodArgs,
        /// Two dimensions for a cross table: `unit,category`.
        #[arg(long, value_name = "DIM,DIM")]
        cross: Option<String>,
        #[command(flatten)]
        export: ExportArgs,
    },
    /// Requests classified as user-caused in the period, by unit (seed 003).
    UserErrors {
        #[command(flatten)]
        period: PeriodArgs,
        #[command(flatten)]
        export: ExportArgs,
    },
    Sla {
        #[command(flatten)]
        period: PeriodArgs,
        #[arg(long)]
        json: bool,
    },
}

/// The change register (issue 13, seed 003).
#[derive(Debug, Subcommand)]
pub enum ChangeCommand {
    /// Record a change to a production application or its configuration.
    Add(Box<ChangeArgs>),
    /// The changes carried out in a period, as md, csv, xlsx or json.
    List {
        #[command(flatten)]
        period: PeriodArgs,
        #[command(flatten)]
        export: ExportArgs,
    },
}

/// A change for the register.
#[derive(Debug, Args)]
pub struct ChangeArgs {
    #[arg(long = "app", value_name = "APP")]
    pub application: String,
    #[arg(long = "env", default_value = "production", value_name = "ENV")]
    pub environment: String,
    #[arg(long)]
    pub what: String,
    #[arg(long = "ticket", value_name = "KEY")]
    pub tickets: Vec<String>,
    #[arg(long, value_name = "TIME")]
    pub planned: Option<String>,
    #[arg(long, value_name = "TIME")]
    pub done: Option<String>,
    #[arg(long, value_name = "LOGIN")]
    pub approved_by: Option<String>,
    #[arg(long, value_name = "LOGIN")]
    pub carried_out_by: Option<String>,
    #[arg(
        long,
        default_value = "succeeded",
        value_name = "succeeded|failed|rolled_back"
    )]
    pub outcome: String,
    #[arg(long, default_value = "")]
    pub rollback: String,
    #[arg(long)]
    pub json: bool,
}

/// A report's period: one of `--week`, `--month`, `--quarter`, or `--from` with `--to`.
#[derive(Debug, Clone, Args)]
pub struct PeriodArgs {
    #[arg(long, value_name = "YYYY-Www", conflicts_with_all = ["month", "quarter", "from", "to"])]
    pub week: Option<String>,
    #[arg(long, value_name = "YYYY-MM", conflicts_with_all = ["quarter", "from", "to"])]
    pub month: Option<String>,
    #[arg(long, value_name = "YYYY-Qn", conflicts_with_all = ["from", "to"])]
    pub quarter: Option<String>,
    #[arg(long, value_name = "YYYY-MM-DD", requires = "to")]
    pub from: Option<String>,
    #[arg(long, value_name = "YYYY-MM-DD", requires = "from")]
    pub to: Option<String>,
}

/// How a report or list is written: the format, the file, a BOM for CSV.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[arg(long, default_value = "md", value_name = "md|csv|xlsx|json")]
    pub format: String,
    /// The file to write (standard output when absent; required for xlsx).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Start a CSV file with a UTF-8 byte order mark (for spreadsheets that need one).
    #[arg(long)]
    pub bom: bool,
}

/// Working time: due dates and elapsed working time, as the SLA clocks count them.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    Add {
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        #[arg(long, value_name = "BUDGET")]
        budget: String,
        #[arg(long)]
        json: bool,
    },
    Between {
        #[arg(long, value_name = "TIME")]
        from: String,
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// Measurements on a real database file.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    Writers {
        #[arg(long, default_value_t = 8, value_parser = counted(1, MAX_BENCH_PROCS))]
        procs: usize,
        #[arg(long, default_value_t = 10.0, value_parser = seconds)]
        secs: f64,
        #[arg(long)]
        json: bool,
    },
    /// Intake of COUNT generated mails from a Maildir (new requests, replies threaded by
    /// References, auto-replies, some with attachments): mails per second.
    Mail {
        #[arg(long, default_value_t = 10_000, value_parser = counted(1, 1_000_000))]
        count: usize,
        #[arg(long)]
        json: bool,
    },
    /// One writer process of `writers`.
    #[command(hide = true)]
    Worker {
        #[arg(long)]
        id: usize,
        #[arg(long)]
        secs: f64,
        #[arg(long)]
        log: PathBuf,
    },
}

/// The morning readiness check. `--date` is a local date (YYYY-MM-DD); today by default.
#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    Show {
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Record {
        system: String,
        #[arg(value_name = "ok|slow|login_failed|down")]
        result: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Run {
        #[arg(long)]
        auto: bool,
        #[arg(long)]
        json: bool,
    },
    Incident {
        system: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Finalise {
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Report {
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        #[arg(long, default_value = "md", value_name = "md|txt|csv")]
        format: String,
    },
    History {
        #[arg(long, value_name = "YYYY-MM")]
        month: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct AnnounceFields {
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long = "app", value_name = "CODE")]
    pub applications: Vec<String>,
    #[arg(long)]
    pub problem: Option<String>,
    #[arg(long)]
    pub guidance: Option<String>,
    #[arg(long, value_name = "TIME")]
    pub fix_by: Option<String>,
    #[arg(long, value_name = "KEY")]
    pub incident: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AnnounceCommand {
    New {
        #[command(flatten)]
        fields: AnnounceFields,
        #[arg(long)]
        json: bool,
    },
    Edit {
        id: i64,
        #[command(flatten)]
        fields: AnnounceFields,
        #[command(flatten)]
        guard: Guard,
    },
    List {
        #[arg(long)]
        active: bool,
        #[arg(long)]
        json: bool,
    },
    Resolve {
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Options may come before or after the words; `--` ends the options (for a query that
    /// starts with a dash). A negative number (`-7200`) is a word.
    #[command(allow_negative_numbers = true)]
    Search(SearchArgs),
    Show {
        reference: String,
        #[arg(long)]
        json: bool,
    },
    Export,
    /// A draft article from a resolved ticket (as "draft an article" in the console).
    Draft {
        key: String,
    },
    /// A new article: fields as options, or written in `$EDITOR` on a plain template.
    New {
        #[arg(long = "ref", value_name = "REF")]
        reference: Option<String>,
        #[command(flatten)]
        fields: ArticleFields,
        #[arg(long)]
        publish: bool,
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Change an article: fields as options, or in `$EDITOR` on its template.
    Edit {
        reference: String,
        #[command(flatten)]
        fields: ArticleFields,
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    Publish {
        reference: String,
    },
    Retire {
        reference: String,
    },
    Faq {
        #[arg(long)]
        json: bool,
    },
    Eval {
        queries: PathBuf,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        misses: bool,
    },
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query words; quotes, brackets and operators are just text.
    #[arg(required = true, num_args = 1..)]
    pub query: Vec<String>,
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    #[arg(long = "app")]
    pub application: Option<String>,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long = "lang-of", value_name = "vi|en|zh")]
    pub article_lang: Option<String>,
    #[arg(long, value_name = "article|ticket")]
    pub kind: Option<String>,
    #[arg(long = "status", value_name = "STATUS")]
    pub statuses: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

/// An article's fields as options (`kb new`, `kb edit`): each given one replaces the field.
#[derive(Debug, Args, Default)]
pub struct ArticleFields {
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long = "lang-of", value_name = "vi|en|zh")]
    pub article_lang: Option<String>,
    #[arg(long = "app")]
    pub application: Option<String>,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub symptom: Option<String>,
    #[arg(long)]
    pub cause: Option<String>,
    #[arg(long)]
    pub resolution: Option<String>,
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    #[arg(long, conflicts_with = "no_faq")]
    pub faq: bool,
    #[arg(long = "no-faq")]
    pub no_faq: bool,
}

impl ArticleFields {
    /// Whether any field was given (otherwise the article is written in `$EDITOR`).
    pub fn any(&self) -> bool {
        self.title.is_some()
            || self.article_lang.is_some()
            || self.application.is_some()
            || self.category.is_some()
            || self.symptom.is_some()
            || self.cause.is_some()
            || self.resolution.is_some()
            || !self.tags.is_empty()
            || self.faq
            || self.no_faq
    }
}

#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    Rebuild,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, default_value_t = 2000, value_parser = counted(0, MAX_DEMO_TICKETS))]
    pub tickets: usize,
    #[arg(long, default_value_t = 200, value_parser = counted(0, MAX_DEMO_ARTICLES))]
    pub articles: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct Output {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct Guard {
    #[arg(long, value_name = "V")]
    pub expect_version: Option<i64>,
    #[arg(long)]
    pub json: bool,
}

/// Free text given inline, from a file, or from standard input (`--text-file -`).
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct TextInput {
    #[arg(long)]
    pub text: Option<String>,
    #[arg(long, value_name = "FILE")]
    pub text_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TicketCommand {
    New(Box<NewArgs>),
    Show {
        key: String,
        #[command(flatten)]
        out: Output,
    },
    List(ListArgs),
    Reply {
        key: String,
        #[command(flatten)]
        text: TextInput,
        #[arg(long, value_name = "FILE")]
        attach: Vec<PathBuf>,
        #[command(flatten)]
        guard: Guard,
    },
    Note {
        key: String,
        #[command(flatten)]
        text: TextInput,
        #[command(flatten)]
        guard: Guard,
    },
    Assign {
        key: String,
        #[arg(long, value_name = "LOGIN")]
        to: Option<String>,
        #[arg(long, value_name = "GROUP")]
        group: Option<String>,
        #[command(flatten)]
        guard: Guard,
    },
    Edit {
        key: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long, conflicts_with = "description_file")]
        description: Option<String>,
        #[arg(long, value_name = "FILE")]
        description_file: Option<PathBuf>,
        #[arg(long)]
        requester: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        channel: Option<String>,
        #[command(flatten)]
        guard: Guard,
    },
    Classify {
        key: String,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        category: Option<String>,
        #[arg(long = "app")]
        application: Option<String>,
        #[arg(long)]
        impact: Option<String>,
        #[arg(long)]
        urgency: Option<String>,
        #[command(flatten)]
        guard: Guard,
    },
    Status {
        key: String,
        status: String,
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        guard: Guard,
    },
    Escalate {
        key: String,
        #[arg(long)]
        reason: String,
        #[arg(long, value_name = "GROUP")]
        group: Option<String>,
        #[arg(long, value_name = "REF")]
        external_ref: Option<String>,
        #[command(flatten)]
        guard: Guard,
    },
    /// Hand the ticket to another group of its tier; the sending group keeps following it
    /// (unlike `assign --group`, which moves it and follows nothing).
    Transfer {
        key: String,
        #[arg(long, value_name = "GROUP")]
        group: String,
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        guard: Guard,
    },
    Return {
        key: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        guard: Guard,
    },
    Link {
        key: String,
        #[arg(
            long,
            value_name = "KEY",
            conflicts_with = "child_of",
            required_unless_present = "child_of"
        )]
        duplicate_of: Option<String>,
        #[arg(long, value_name = "KEY")]
        child_of: Option<String>,
        #[command(flatten)]
        guard: Guard,
    },
    Resolve {
        key: String,
        #[arg(long)]
        resolution: String,
        #[arg(long)]
        linked: bool,
        /// End the incident's active announcement too (a lead's); without it the command
        /// only says there is one.
        #[arg(long)]
        end_announcement: bool,
        #[command(flatten)]
        guard: Guard,
    },
    Confirm {
        key: String,
        /// How the requester confirmed: a channel id (phone, email, walk-in, …).
        #[arg(long)]
        via: String,
        /// Who confirmed (default: the ticket's requester).
        #[arg(long)]
        by: Option<String>,
        #[command(flatten)]
        guard: Guard,
    },
    Reopen {
        key: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        guard: Guard,
    },
    #[command(subcommand)]
    Attachment(AttachmentCommand),
    Step {
        key: String,
        #[arg(
            long,
            conflicts_with = "return_to",
            required_unless_present = "return_to"
        )]
        complete: bool,
        #[arg(long = "field", value_name = "NAME=VALUE")]
        fields: Vec<String>,
        #[arg(long, value_name = "STEP")]
        to: Option<String>,
        #[arg(long, value_name = "STEP", requires = "reason")]
        return_to: Option<String>,
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        guard: Guard,
    },
    Steps {
        key: String,
        #[command(flatten)]
        out: Output,
    },
    Form {
        key: String,
        #[arg(long, value_name = "request|completion")]
        kind: String,
    },
}

#[derive(Debug, Args)]
pub struct NewArgs {
    #[arg(long)]
    pub title: String,
    #[arg(long, conflicts_with = "description_file")]
    pub description: Option<String>,
    #[arg(long, value_name = "FILE")]
    pub description_file: Option<PathBuf>,
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long)]
    pub channel: Option<String>,
    #[arg(long = "app")]
    pub application: Option<String>,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub unit: Option<String>,
    #[arg(long)]
    pub requester: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub impact: Option<String>,
    #[arg(long)]
    pub urgency: Option<String>,
    #[arg(long)]
    pub group: Option<String>,
    #[arg(long = "assign", value_name = "LOGIN")]
    pub assignee: Option<String>,
    #[arg(long)]
    pub link_incident: bool,
    #[arg(long, value_name = "TIME")]
    pub received_at: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long = "status", value_name = "STATUS")]
    pub statuses: Vec<String>,
    #[arg(long)]
    pub open: bool,
    #[arg(long)]
    pub group: Option<String>,
    #[arg(long, value_name = "LOGIN")]
    pub assignee: Option<String>,
    #[arg(long, conflicts_with = "assignee")]
    pub mine: bool,
    #[arg(long)]
    pub unassigned: bool,
    #[arg(long)]
    pub tier: Option<u8>,
    #[arg(long, value_name = "GROUP")]
    pub following: Option<String>,
    #[arg(long = "app")]
    pub application: Option<String>,
    #[arg(long, value_name = "WORDS")]
    pub text: Option<String>,
    #[arg(long)]
    pub oldest_first: bool,
    #[arg(long, conflicts_with = "oldest_first")]
    pub by_due: bool,
    #[arg(long)]
    pub at_risk: bool,
    #[arg(long, value_name = "GROUP")]
    pub notified: Option<String>,
    #[arg(long, default_value_t = 50, value_parser = counted(1, MAX_LIST_LIMIT))]
    pub limit: usize,
    #[arg(long, value_name = "ID")]
    pub before: Option<i64>,
    #[arg(long)]
    pub json: bool,
    /// `text`, `json` (as --json) or `csv` (every field, times in the organisation's zone).
    #[arg(long, value_name = "text|json|csv", conflicts_with = "json")]
    pub format: Option<String>,
    #[arg(long)]
    pub bom: bool,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    Check {
        /// `ID:HASH` as printed by `hotro db anchor` earlier (see `Verify`).
        #[arg(long, value_name = "ID:HASH")]
        anchor: Option<String>,
        #[command(flatten)]
        out: Output,
    },
    Backup {
        file: PathBuf,
        #[command(flatten)]
        out: Output,
    },
    Verify {
        /// `ID:HASH` as printed by `hotro db anchor` earlier: that event must still be in
        /// the chain with that hash.
        #[arg(long, value_name = "ID:HASH")]
        anchor: Option<String>,
        #[command(flatten)]
        out: Output,
    },
    Anchor {
        #[command(flatten)]
        out: Output,
    },
    /// The file was restored from a backup on purpose: its head becomes the one expected.
    Restored,
    /// Print the SQL that makes the configured operators and roles PostgreSQL roles, GRANTs
    /// and row-level security; `--apply` runs it (and the schema) on the `--db postgres://…`
    /// database (issue 17).
    SetupRoles {
        #[arg(long)]
        apply: bool,
    },
    /// Copy a SQLite database with its whole history into an empty PostgreSQL database, or
    /// back into a new SQLite file, verified before it is kept (issue 17).
    Copy {
        #[arg(long, value_name = "FILE.db|postgres://…")]
        from: PathBuf,
        #[arg(long, value_name = "postgres://…|FILE.db")]
        to: String,
        #[command(flatten)]
        out: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    Show {
        /// The configuration applied to the database instead of the built-in default.
        #[arg(long)]
        applied: bool,
    },
    Path,
    Check {
        file: Option<PathBuf>,
    },
    Apply {
        file: PathBuf,
    },
}

/// Set every command's `about` and every argument's `help` from the catalog:
/// `cli.<path>.about` and `cli.<path>.<arg id>`, or `cli.global.<arg id>` for global ones.
/// The most demo tickets one `hotro demo` writes (the benchmarks' 1,000,000 and room to
/// spare): about 2.6 GB and 4 minutes here. A larger number is a typo (issue 18).
pub const MAX_DEMO_TICKETS: u64 = 2_000_000;
/// The most demo articles one `hotro demo` writes.
pub const MAX_DEMO_ARTICLES: u64 = 200_000;
/// The most writer processes `hotro bench writers` starts.
pub const MAX_BENCH_PROCS: u64 = 200;
/// The longest `hotro bench writers` run, in seconds.
pub const MAX_BENCH_SECS: f64 = 3600.0;
/// The most rows one page of `hotro ticket list` holds.
pub const MAX_LIST_LIMIT: u64 = 10_000;

/// A count between `min` and `max`: a negative number or one out of range is refused by
/// clap with the range in the message.
fn counted(min: u64, max: u64) -> clap::builder::RangedI64ValueParser<usize> {
    clap::builder::RangedI64ValueParser::<usize>::new().range(min as i64..=max as i64)
}

/// Seconds for a benchmark run: more than 0, at most [`MAX_BENCH_SECS`].
fn seconds(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(v > 0.0 && v <= MAX_BENCH_SECS) {
        return Err(format!("{v} is not in 0..={MAX_BENCH_SECS} seconds"));
    }
    Ok(v)
}

/// The command line parsed: with a bare parser (no help texts, nothing from the catalog),
/// which is all a start needs; only when clap has something to show — help or an error — is
/// the localised command ([`localize`]) built to show it. `--version` prints and exits.
pub fn matches(argv: &[String], cat: &Catalog) -> clap::ArgMatches {
    // `hotro --version` alone (scripts ask it often): answered without building the parser,
    // as clap would answer it.
    if let [_, flag] = argv
        && (flag == "--version" || flag == "-V")
    {
        crate::cli::out::line(&format!("hotro {}", env!("CARGO_PKG_VERSION")));
        std::process::exit(0);
    }
    match parser(<Cli as clap::CommandFactory>::command()).try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayVersion => e.exit(),
        // The same parse again, to show help or the error in the user's language.
        Err(_) => localize(<Cli as clap::CommandFactory>::command(), cat).get_matches_from(argv),
    }
}

/// What [`localize`] sets that changes parsing, without the texts: `--limit -1` is a value to
/// check (and refuse with its range), not an unknown option.
fn parser(mut cmd: clap::Command) -> clap::Command {
    cmd = cmd.allow_negative_numbers(true);
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        cmd = cmd.mut_subcommand(name.as_str(), parser);
    }
    cmd
}

pub fn localize(cmd: clap::Command, cat: &Catalog) -> clap::Command {
    localize_at(cmd, cat, "cli")
}

fn localize_at(mut cmd: clap::Command, cat: &Catalog, path: &str) -> clap::Command {
    // `--limit -1` is a value to check (and refuse with the range), not an unknown option.
    cmd = cmd
        .about(cat.t(&format!("{path}.about")))
        .allow_negative_numbers(true);
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().as_str().to_string())
        .collect();
    for id in ids {
        let own = format!("{path}.{id}");
        let global = format!("cli.global.{id}");
        let text = if cat.has(&own) {
            cat.t(&own)
        } else {
            cat.t(&global)
        };
        cmd = cmd.mut_arg(id.as_str(), |a| a.help(text));
    }
    // clap's own -h/--help and -V/--version, with the catalog's words instead of clap's
    // English ("Print help"): in --help, completions and manual pages.
    cmd = cmd.disable_help_flag(true).arg(
        clap::Arg::new("help")
            .short('h')
            .long("help")
            .action(clap::ArgAction::Help)
            .help(cat.t("cli.global.help")),
    );
    if path == "cli" {
        cmd = cmd.disable_version_flag(true).arg(
            clap::Arg::new("version")
                .short('V')
                .long("version")
                .action(clap::ArgAction::Version)
                .help(cat.t("cli.global.version")),
        );
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        let sub_path = format!("{path}.{name}");
        cmd = cmd.mut_subcommand(name.as_str(), |s| localize_at(s, cat, &sub_path));
    }
    cmd
}

/// The catalog ids [`localize`] looks up for one command and its subcommands, as
/// alternatives: an argument's own `cli.<path>.<id>` or the shared `cli.global.<id>`.
pub fn required_ids(cmd: &clap::Command, path: &str, out: &mut Vec<Vec<String>>) {
    out.push(vec![format!("{path}.about")]);
    for a in cmd.get_arguments() {
        let id = a.get_id().as_str();
        if id == "help" || id == "version" {
            continue;
        }
        out.push(vec![format!("{path}.{id}"), format!("cli.global.{id}")]);
    }
    for s in cmd.get_subcommands() {
        required_ids(s, &format!("{path}.{}", s.get_name()), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn every_command_and_argument_has_help_in_every_language() {
        let mut ids = Vec::new();
        required_ids(&<Cli as clap::CommandFactory>::command(), "cli", &mut ids);
        for lang in Lang::ALL {
            let cat = Catalog::new(lang);
            let missing: Vec<&String> = ids
                .iter()
                .filter(|alts| !alts.iter().any(|id| cat.has(id)))
                .filter_map(|alts| alts.first())
                .collect();
            assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
        }
    }
}
