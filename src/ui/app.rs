//! The console's state and its update function: input → action → update → commands.
//! Nothing here touches the terminal or the database: commands are carried out by the
//! runtime (or a test harness) and their results come back as messages.

use crate::describe;
use crate::domain::org::{Operator, Organisation};
use crate::domain::permission::Permission;
use crate::domain::status::Status;
use crate::domain::ticket::{
    Change, Classification, Event, LinkRelation, NewTicket, Requester, Ticket,
};
use crate::i18n::Catalog;
use crate::search::service::Found;
use crate::store::{Conflict, CountCell, Page, TicketFilter, TicketRow};
use crate::ui::keymap::{Action, Context, Keymap};
use crate::ui::queues::{Queue, queues_for};
use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;
use std::collections::BTreeSet;

/// Rows fetched per page; more are fetched when the cursor nears the end.
pub const PAGE: usize = 100;
/// How often the runtime may ask whether another process committed.
pub const POLL_EVERY_MS: i64 = 1000;
/// How often a console applies the SLA rules to its next batch of open tickets (any console
/// may; each rule acts once). `hotro sla tick` from cron does whole passes.
pub const SLA_TICK_EVERY_MS: i64 = 60 * 1000;
/// Open tickets a console looks at per SLA tick: a few tens of milliseconds of work.
pub const SLA_TICK_BATCH: usize = 1000;
/// How often an edited draft is written down (so a crash loses at most this much typing).
pub const DRAFT_EVERY_MS: i64 = 1000;
/// The new-ticket form's draft is kept under no ticket (`""`) with this purpose: one per
/// operator, as a mail program keeps an unsent message.
pub const NEW_TICKET_DRAFT: &str = "new_ticket";

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// The queue counts: the count cells, and a store count for each queue the cells
    /// cannot count (its index in the queue list and its filter).
    LoadCounts {
        direct: Vec<(usize, TicketFilter)>,
    },
    LoadPage {
        generation: u64,
        filter: TicketFilter,
        page: Page,
        append: bool,
        keep: Option<String>,
    },
    LoadPreview(String),
    LoadDetail(String),
    Apply(Vec<Pending>),
    Create(NewTicket),
    PollDataVersion,
    LoadDraft {
        ticket: String,
        purpose: String,
    },
    SaveDraft {
        ticket: String,
        purpose: String,
        text: String,
    },
    DeleteDraft {
        ticket: String,
        purpose: String,
    },
    OpenEditor(String),
    /// Clear the terminal and draw every cell again on the next frame (Ctrl-L): whatever a
    /// terminal left behind (a wide character it drew wider than expected) goes.
    Repaint,
    /// Bring the search index up to date (any process may; the first to get the writer does).
    SyncIndex,
    Search {
        generation: u64,
        query: String,
        filters: crate::search::Filters,
    },
    /// Possible duplicates and matching articles for a new ticket's title.
    FindSimilar {
        generation: u64,
        text: String,
        duplicates: bool,
        /// Also the requirements already submitted (a new requirement; issue 16 Deliver 5).
        requirements: bool,
    },
    /// Make a draft article from a resolved ticket.
    DraftArticle(String),
    /// Put a ticket's failed or uncertain mail back in the outbox (issue 12), through
    /// [`crate::desk::Desk::resend_mail`]; `to` is for the message.
    ResendMail {
        ticket: String,
        message_id: String,
        to: String,
    },
    /// An article's fields to edit (its waiting revision, if any).
    LoadArticleForEdit(String),
    /// Save an article written in `$EDITOR`: a new one, or an edit.
    SaveArticle {
        new: bool,
        input: crate::domain::kb::ArticleInput,
        faq: bool,
    },
    PublishArticle(String),
    RetireArticle(String),
    /// Every draft article (for review), newest first.
    LoadDraftArticles {
        generation: u64,
    },
    LoadAnnouncements,
    CreateAnnouncement(crate::domain::announce::AnnouncementInput),
    ResolveAnnouncement(i64),
    /// Apply the SLA rules to the next batch of open tickets, after this ticket id.
    SlaTick(i64),
    /// SLA clocks of the listed tickets (a page of the queue).
    LoadSla(Vec<String>),
    LoadCheck(chrono::NaiveDate),
    /// The Requirements screen: what waits for the operator and the month's publication.
    LoadRequirements(crate::domain::requirement::Month),
    /// The Reports screen's report of a period, computed off the UI thread; the answer
    /// ([`Loaded::Report`]) carries the generation asked for.
    LoadReport {
        generation: u64,
        period: crate::domain::report::ReportPeriod,
    },
    /// Write a report through the shared exporter to `path` ([`Loaded::ReportWritten`]).
    ExportReport {
        report: Box<crate::domain::report::Report>,
        format: crate::export::Format,
        path: std::path::PathBuf,
    },
    RecordCheck {
        date: chrono::NaiveDate,
        records: Vec<crate::store::CheckRecord>,
    },
    /// Run every probe at once, in the background; the findings come back as a message.
    RunProbes,
    /// Record the probes' results the operator accepted (a result recorded by hand is kept).
    AcceptProbes {
        date: chrono::NaiveDate,
        records: Vec<crate::store::CheckRecord>,
    },
    OpenCheckIncident {
        date: chrono::NaiveDate,
        system: String,
    },
    FinaliseCheck(chrono::NaiveDate),
    /// The morning-check report of a day, as `hotro check report` gives it.
    CheckReport(chrono::NaiveDate),
    LoadCheckHistory {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    },
    /// The open tickets linked to a just-resolved ticket, to offer resolving them too.
    LoadLinked {
        key: String,
        resolution: String,
    },
    ResolveLinked {
        key: String,
        resolution: String,
    },
}

/// One change waiting to be applied: to which ticket, at which version, what.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub key: String,
    pub expect: Option<i64>,
    pub change: Change,
}

/// What the runtime reports back.
#[derive(Debug, Clone)]
pub enum Loaded {
    Counts {
        cells: Vec<CountCell>,
        direct: Vec<(usize, i64)>,
    },
    Page {
        generation: u64,
        rows: Vec<TicketRow>,
        append: bool,
        keep: Option<String>,
        limit: usize,
        /// How many tickets match the typed filter (`None`: no filter, or a further page).
        total: Option<i64>,
    },
    Preview(Box<Ticket>, Vec<Event>),
    /// A ticket open in detail: it, its timeline, and its files and source mail.
    Detail(Box<Ticket>, Vec<Event>, Box<DetailFiles>),
    /// Every change applied; the tickets after them.
    Applied(Vec<(Ticket, Event)>),
    /// Some applied, then one refused because the ticket changed meanwhile.
    Conflict {
        done: Vec<(Ticket, Event)>,
        conflict: Box<Conflict>,
        failed: Pending,
        rest: Vec<Pending>,
    },
    Created(Box<Ticket>),
    Failed {
        done: Vec<(Ticket, Event)>,
        message: String,
    },
    DataVersion(i64),
    Draft {
        ticket: String,
        purpose: String,
        text: Option<String>,
    },
    EditorText(String),
    /// `$EDITOR` (named) could not be started or failed: the text stays where it was.
    EditorFailed(String),
    /// Neither `$VISUAL` nor `$EDITOR` is set and the usual `vi` could not be started: the
    /// operator is told which variable to set; the text stays where it was.
    NoEditor,
    Found {
        generation: u64,
        found: Vec<Found>,
    },
    /// A knowledge search failed: its message, and no results (never the previous query's).
    SearchFailed {
        generation: u64,
        message: String,
    },
    /// What the search index is going through now, for the knowledge screen's note.
    IndexNote(Option<IndexNote>),
    /// A rebuild of the index finished: search again.
    IndexReady,
    Similar {
        generation: u64,
        found: Vec<Found>,
        /// Requirements already submitted like the new one (when asked for).
        requirements: Vec<crate::search::service::SimilarRequirement>,
    },
    ArticleDrafted(String),
    /// A ticket's mail is back in the outbox: the ticket and the mail's address.
    MailResent {
        ticket: String,
        to: String,
    },
    /// The article to edit: its fields and FAQ flag.
    ArticleForEdit(Box<crate::domain::kb::ArticleInput>, bool),
    /// An article was written (`None`: a new one), published or retired: what to say.
    ArticleDone(String),
    Announcements(Vec<crate::domain::announce::Announcement>),
    Sla(Vec<(String, crate::domain::sla::SlaStatus)>),
    /// Where the next batch starts (0: from the beginning again).
    SlaTicked(i64),
    AnnouncementSaved {
        id: i64,
        resolved: bool,
    },
    Check {
        date: chrono::NaiveDate,
        day: Box<crate::domain::check::CheckDay>,
        log: Vec<crate::store::CheckLogEntry>,
    },
    CheckRecorded {
        count: usize,
        amendment: bool,
    },
    ProbesAccepted(crate::desk::ProbesRecorded),
    Probes(Vec<crate::check::ProbeFinding>),
    CheckIncident {
        system: String,
        ticket: Box<Ticket>,
        created: bool,
    },
    CheckFinalised(chrono::NaiveDate),
    /// The morning-check report's text.
    CheckReport(String),
    CheckHistory(Vec<crate::domain::check::CheckDay>),
    /// The Requirements screen's data.
    Requirements(Box<crate::ui::req::RequirementsLoaded>),
    /// The Reports screen's report (or why it could not be made).
    Report(crate::ui::reports::ReportLoaded),
    /// A report was exported to this file.
    ReportWritten(std::path::PathBuf),
    Linked {
        key: String,
        resolution: String,
        linked: Box<crate::desk::Linked>,
    },
    LinkedResolved {
        resolved: Vec<String>,
        left: Vec<String>,
    },
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Tick(DateTime<Utc>),
    Resize {
        width: u16,
        height: u16,
    },
    /// A left click at a screen cell.
    Click {
        column: u16,
        row: u16,
    },
    Loaded(Loaded),
    /// The console ends without a quit key: SIGTERM, SIGHUP (the SSH connection dropped) or
    /// SIGQUIT arrived, or the terminal was lost. Unsent text is kept as drafts exactly as on
    /// quit, and the console quits.
    Terminate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Queues,
    Table,
    Filter,
}

/// The list of tickets of the current queue.
#[derive(Debug, Clone, Default)]
pub struct TicketList {
    pub rows: Vec<TicketRow>,
    pub cursor: usize,
    pub more: bool,
    pub loading: bool,
    pub generation: u64,
    /// How many tickets match the typed filter, when one is typed: the pane's count.
    pub filtered: Option<i64>,
}

impl TicketList {
    pub fn selected(&self) -> Option<&TicketRow> {
        self.rows.get(self.cursor)
    }
}

/// Why the knowledge screen's results may be incomplete for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexNote {
    /// Another process is writing many documents into the index (percent done, when it
    /// says): results come from the last committed index.
    Updating(Option<u8>),
    /// This console is rebuilding the index in the background (missing or damaged).
    Rebuilding(Option<u8>),
}

/// The knowledge screen: search as you type over articles and past tickets.
pub struct Knowledge {
    pub query: String,
    pub results: Vec<Found>,
    /// Shown above the results while the index is being written (by another process or
    /// rebuilt by this one).
    pub index_note: Option<IndexNote>,
    pub cursor: usize,
    pub scroll: usize,
    pub generation: u64,
    /// Opened from this ticket: Enter puts the selected solution into a reply to it.
    pub for_ticket: Option<Target>,
    /// Listing the draft articles to review (Alt-d) instead of past solutions.
    pub drafts: bool,
    /// The selected result is open in full (Enter), scrolled by `scroll`; Esc goes back to
    /// the list.
    pub reading: bool,
}

impl Knowledge {
    /// What the screen searches: past solutions, or the drafts under review.
    pub fn filters(&self) -> crate::search::Filters {
        if self.drafts {
            crate::search::Filters {
                kind: Some("article".into()),
                statuses: vec!["draft".into()],
                ..crate::search::Filters::default()
            }
        } else {
            crate::search::Filters::solutions()
        }
    }

    /// The command that fills the list again (a new generation): the search, or every draft
    /// when reviewing drafts without a query.
    fn reload(&mut self) -> Option<Cmd> {
        self.generation += 1;
        if self.query.is_empty() && self.drafts {
            return Some(Cmd::LoadDraftArticles {
                generation: self.generation,
            });
        }
        Some(Cmd::Search {
            generation: self.generation,
            query: self.query.clone(),
            filters: self.filters(),
        })
    }
}

/// An article handed to `$EDITOR`: which (`None`: a new one) and the text offered, to tell
/// an unchanged text.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleEdit {
    pub reference: Option<String>,
    pub offered: String,
}

/// A ticket's files and, for a mail-born ticket, the mail it came from (issue 12).
#[derive(Debug, Clone, Default)]
pub struct DetailFiles {
    pub attachments: Vec<crate::store::Attachment>,
    pub mail: Option<crate::store::MailRecord>,
    /// The mails of its replies and where each is (issue 12: a failed delivery is seen).
    pub outbox: Vec<crate::store::OutboxMail>,
}

/// A ticket open in detail.
pub struct Detail {
    pub ticket: Ticket,
    pub events: Vec<Event>,
    /// Its files and source mail.
    pub files: DetailFiles,
    pub scroll: usize,
    /// A long description is shown whole (else folded to its first lines).
    pub description_open: bool,
}

/// Lines of a description shown before it is folded ("… N more lines").
pub const DESCRIPTION_FOLD: usize = 8;

/// The assign picker's value of a group (rather than a person's login).
const GROUP_VALUE: &str = "group:";

/// What a text popup is for.
#[derive(Debug, Clone, PartialEq)]
pub enum TextPurpose {
    Reply,
    Note,
    Resolve,
    Escalate {
        group: Option<String>,
        /// The vendor's reference, asked first when the group is external (issue 14).
        external_ref: Option<String>,
    },
    /// The vendor's reference for an escalation to an external group (empty: none yet);
    /// the reason is asked next.
    ExternalRef {
        group: String,
    },
    /// Why the ticket goes to another group of its tier (may be left empty).
    Transfer {
        group: String,
    },
    Return,
    Cancel,
    Reopen,
    LinkTarget(LinkRelation),
    /// A note on a system's morning-check result.
    CheckNote {
        system: String,
        result: crate::domain::check::CheckResult,
    },
    /// What users should do meanwhile: announces a failed system's outage.
    Announce {
        system: String,
    },
    /// The fields of the current procedure step, one "name: value" line each.
    CompleteStep,
    /// Why the current (approval) step sends the request back to `to`.
    ReturnStep {
        to: String,
    },
    /// Why a requirement is rejected at the operator's level.
    ReqReject,
    /// The business office that owns an adopted requirement (may be left empty).
    ReqAdopt,
    /// Why a requirement is not adopted.
    ReqNotAdopt,
    /// A requirement's plan: "RANK EFFORT RELEASE".
    ReqPlan,
}

impl TextPurpose {
    /// Drafts are kept for replies and notes: the texts worth not losing.
    fn draft_name(&self) -> Option<&'static str> {
        match self {
            TextPurpose::Reply => Some("reply"),
            TextPurpose::Note => Some("note"),
            TextPurpose::Resolve => Some("resolution"),
            _ => None,
        }
    }
    pub fn title_id(&self) -> &'static str {
        match self {
            TextPurpose::Reply => "popup.reply",
            TextPurpose::Note => "popup.note",
            TextPurpose::Resolve => "popup.resolve",
            TextPurpose::Escalate { .. } => "popup.escalate_reason",
            TextPurpose::ExternalRef { .. } => "popup.external_ref",
            TextPurpose::Transfer { .. } => "popup.transfer_reason",
            TextPurpose::Return => "popup.return_reason",
            TextPurpose::Cancel => "popup.cancel_reason",
            TextPurpose::Reopen => "popup.reopen_reason",
            TextPurpose::LinkTarget(LinkRelation::DuplicateOf) => "popup.link_duplicate",
            TextPurpose::LinkTarget(LinkRelation::ChildOf) => "popup.link_child",
            TextPurpose::CheckNote { .. } => "popup.check_note",
            TextPurpose::Announce { .. } => "popup.announce_guidance",
            TextPurpose::CompleteStep => "popup.complete_step",
            TextPurpose::ReturnStep { .. } => "popup.return_step",
            TextPurpose::ReqReject => "popup.req_reject",
            TextPurpose::ReqAdopt => "popup.req_adopt",
            TextPurpose::ReqNotAdopt => "popup.req_not_adopt",
            TextPurpose::ReqPlan => "popup.req_plan",
        }
    }
    pub fn single_line(&self) -> bool {
        matches!(
            self,
            TextPurpose::LinkTarget(_)
                | TextPurpose::CheckNote { .. }
                | TextPurpose::ExternalRef { .. }
                | TextPurpose::ReqAdopt
                | TextPurpose::ReqPlan
        )
    }

    /// Whether the text may be left empty: a step that requires nothing, a transfer without
    /// a reason, an escalation whose vendor reference is not known yet.
    fn may_be_empty(&self) -> bool {
        matches!(
            self,
            TextPurpose::CompleteStep
                | TextPurpose::Transfer { .. }
                | TextPurpose::ExternalRef { .. }
                | TextPurpose::ReqAdopt
        )
    }
}

/// A target of an action: a ticket key and the version the operator saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub key: String,
    pub version: i64,
}

pub struct TextPopup {
    pub purpose: TextPurpose,
    pub targets: Vec<Target>,
    pub area: TextArea<'static>,
    pub dirty: bool,
    pub last_saved: Option<DateTime<Utc>>,
}

impl TextPopup {
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PickPurpose {
    ReturnStep,
    Assign,
    Status,
    EscalateGroup,
    /// Another group of the ticket's tier ([`Change::Transfer`]).
    TransferGroup,
    LinkRelation,
    Palette,
    /// How the requester confirmed the resolution (a channel), before closing.
    ConfirmVia,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PickItem {
    pub label: String,
    pub value: String,
}

pub struct Picker {
    pub purpose: PickPurpose,
    pub targets: Vec<Target>,
    pub items: Vec<PickItem>,
    pub query: String,
    /// Indices into `items` that match the query, best first.
    pub shown: Vec<usize>,
    pub selected: usize,
}

impl Picker {
    fn new(purpose: PickPurpose, targets: Vec<Target>, items: Vec<PickItem>) -> Picker {
        let shown = (0..items.len()).collect();
        Picker {
            purpose,
            targets,
            items,
            query: String::new(),
            shown,
            selected: 0,
        }
    }

    /// Fuzzy-match the query against labels and values (diacritics optional).
    fn refilter(&mut self) {
        self.shown = fuzzy_rank(
            &self.query,
            self.items
                .iter()
                .map(|i| format!("{} {}", i.label, i.value)),
        );
        self.selected = 0;
    }

    pub fn current(&self) -> Option<&PickItem> {
        self.shown
            .get(self.selected)
            .and_then(|&i| self.items.get(i))
    }
}

/// Rank candidates by nucleo's fuzzy score over folded text; all of them, in order, for an
/// empty query.
pub fn fuzzy_rank(query: &str, candidates: impl Iterator<Item = String>) -> Vec<usize> {
    use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
    use nucleo_matcher::{Config, Matcher, Utf32Str};
    let folded: Vec<String> = candidates.map(|c| crate::domain::text::fold(&c)).collect();
    let query = crate::domain::text::fold(query);
    if query.trim().is_empty() {
        return (0..folded.len()).collect();
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::new(
        &query,
        CaseMatching::Ignore,
        Normalization::Smart,
        AtomKind::Fuzzy,
    );
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize)> = folded
        .iter()
        .enumerate()
        .filter_map(|(i, text)| {
            pattern
                .score(Utf32Str::new(text, &mut buf), &mut matcher)
                .map(|s| (s, i))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}

pub struct ConfirmPopup {
    pub lines: Vec<String>,
    pub pending: Vec<Pending>,
    /// Commands to run on "yes" besides applying `pending`.
    pub after: Vec<Cmd>,
    /// A further question asked after this one is answered, yes or no (resolving an
    /// incident: its linked tickets, then its announcement).
    pub next: Option<Box<ConfirmPopup>>,
}

pub struct ConflictPopup {
    /// The changes made meanwhile, then the choices: the view keeps the last line (the
    /// choices) in sight however long the changes are.
    pub lines: Vec<String>,
    pub retry: Vec<Pending>,
    /// The text the operator typed, kept so nothing is lost.
    pub text: Option<TextPopup>,
}

/// One field of the classification form, cycled with ←/→.
pub struct ChoiceField {
    pub label_id: &'static str,
    pub options: Vec<PickItem>,
    pub selected: usize,
    /// Typed letters jump to the best fuzzy match.
    pub query: String,
}

impl ChoiceField {
    pub fn value(&self) -> Option<&str> {
        self.options
            .get(self.selected)
            .map(|o| o.value.as_str())
            .filter(|v| !v.is_empty())
    }
    pub(crate) fn cycle(&mut self, forward: bool) {
        let n = self.options.len().max(1);
        self.selected = if forward {
            (self.selected + 1) % n
        } else {
            (self.selected + n - 1) % n
        };
        self.query.clear();
    }
    pub(crate) fn type_char(&mut self, c: char) {
        self.query.push(c);
        let ranked = fuzzy_rank(
            &self.query,
            self.options
                .iter()
                .map(|o| format!("{} {}", o.label, o.value)),
        );
        if let Some(&best) = ranked.first() {
            self.selected = best;
        }
    }
}

pub struct ClassifyForm {
    pub targets: Vec<Target>,
    pub fields: Vec<ChoiceField>,
    pub focus: usize,
}

/// The new-ticket form: text fields and choices.
pub struct NewTicketForm {
    pub title: TextArea<'static>,
    pub description: TextArea<'static>,
    pub requester: TextArea<'static>,
    pub phone: TextArea<'static>,
    pub choices: Vec<ChoiceField>,
    /// 0 title, 1 description, 2 requester, 3 phone, then the choices.
    pub focus: usize,
    /// Open tickets and articles that look like this one, found as the title is typed.
    pub similar: Vec<Found>,
    /// Requirements already submitted like this one (kind requirement only; issue 16).
    pub similar_requirements: Vec<crate::search::service::SimilarRequirement>,
    pub similar_generation: u64,
    /// The text the last similarity search was for.
    pub similar_for: String,
    /// Typed into since the draft was last written down.
    pub dirty: bool,
    pub last_saved: Option<DateTime<Utc>>,
}

/// The form as kept in the drafts table: its texts, and the choices by label id.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct FormDraft {
    title: String,
    description: String,
    requester: String,
    phone: String,
    choices: std::collections::BTreeMap<String, String>,
}

impl NewTicketForm {
    pub const TEXT_FIELDS: usize = 4;
    pub fn field_count(&self) -> usize {
        Self::TEXT_FIELDS + self.choices.len()
    }
    pub fn has_text(&self) -> bool {
        [&self.title, &self.description, &self.requester, &self.phone]
            .iter()
            .any(|t| t.lines().iter().any(|l| !l.trim().is_empty()))
    }
    fn choice(&self, label_id: &str) -> Option<String> {
        self.choices
            .iter()
            .find(|c| c.label_id == label_id)
            .and_then(|c| c.value().map(str::to_string))
    }

    /// The form as draft text (JSON): what `restore_draft` reads back.
    pub fn draft_text(&self) -> String {
        let draft = FormDraft {
            title: self.title.lines().join("\n"),
            description: self.description.lines().join("\n"),
            requester: self.requester.lines().join("\n"),
            phone: self.phone.lines().join("\n"),
            choices: self
                .choices
                .iter()
                .filter_map(|c| {
                    c.options
                        .get(c.selected)
                        .map(|o| (c.label_id.to_string(), o.value.clone()))
                })
                .collect(),
        };
        serde_json::to_string(&draft).unwrap_or_default()
    }

    /// Fill the form from a draft written by `draft_text`; false (and the form untouched)
    /// if the text is not such a draft. Choices whose value no longer exists keep theirs.
    pub fn restore_draft(&mut self, text: &str) -> bool {
        let Ok(draft) = serde_json::from_str::<FormDraft>(text) else {
            return false;
        };
        let fill = |area: &mut TextArea<'static>, text: &str, wrap: bool| {
            if !text.is_empty() {
                let mut restored = text_area(text);
                if !wrap {
                    restored.set_wrap_mode(ratatui_textarea::WrapMode::None);
                }
                *area = restored;
            }
        };
        fill(&mut self.title, &draft.title, false);
        fill(&mut self.description, &draft.description, true);
        fill(&mut self.requester, &draft.requester, false);
        fill(&mut self.phone, &draft.phone, false);
        for c in &mut self.choices {
            if let Some(i) = draft
                .choices
                .get(c.label_id)
                .and_then(|v| c.options.iter().position(|o| &o.value == v))
            {
                c.selected = i;
            }
        }
        true
    }
}

pub enum Popup {
    Help {
        scroll: usize,
    },
    Text(TextPopup),
    Picker(Picker),
    Confirm(ConfirmPopup),
    Conflict(ConflictPopup),
    Classify(ClassifyForm),
    NewTicket(Box<NewTicketForm>),
    /// Correct a saved ticket's title, description, requester, phone, e-mail, unit, channel.
    EditTicket(Box<crate::ui::edit::EditForm>),
    /// Quit while text is unsaved: asks first, and gives the text back on "no".
    QuitConfirm(Option<Box<Popup>>),
    /// Esc in a new-ticket form with something typed: keep it as a draft (`n` opens it
    /// again), discard it, or go back to the form.
    LeaveForm(Box<NewTicketForm>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
}

pub struct App {
    /// An article being written in `$EDITOR` (from the knowledge screen).
    pub article_edit: Option<ArticleEdit>,
    pub cat: Catalog,
    pub org: Organisation,
    pub me: Operator,
    pub keymap: Keymap,
    pub queues: Vec<Queue>,
    pub counts: Vec<i64>,
    pub queue: usize,
    pub focus: Focus,
    pub list: TicketList,
    pub oldest_first: bool,
    /// Most urgent SLA first (the third place of the sort key's cycle).
    pub by_due: bool,
    pub filter: String,
    /// Tickets marked for a bulk action, with the version last seen: kept across queues.
    pub marked: std::collections::BTreeMap<String, i64>,
    pub preview: Option<(Ticket, Vec<Event>)>,
    pub detail: Option<Detail>,
    pub knowledge: Option<Knowledge>,
    /// The morning check screen, when open.
    pub check: Option<crate::ui::check::CheckScreen>,
    /// The Requirements screen, when open.
    pub requirements: Option<crate::ui::req::RequirementsScreen>,
    /// The Reports screen, when open.
    pub reports: Option<crate::ui::reports::ReportsScreen>,
    /// Where the Reports screen writes its exports (the current directory unless set).
    pub export_dir: std::path::PathBuf,
    /// SLA clocks of the tickets in the list, by key.
    pub sla: std::collections::HashMap<String, crate::domain::sla::SlaStatus>,
    /// Active announcements: the banner every screen shows.
    pub announcements: Vec<crate::domain::announce::Announcement>,
    pub popup: Option<Popup>,
    pub flash: Option<Flash>,
    pub now: DateTime<Utc>,
    pub quit: bool,
    /// Rows of the ticket table visible on screen (for PgUp/PgDn); set by the view size.
    pub visible_rows: usize,
    pub data_version: Option<i64>,
    last_poll: Option<DateTime<Utc>>,
    last_sla_tick: Option<DateTime<Utc>>,
    /// When the queues that depend on time (at risk, lead attention) were last counted.
    last_time_counts: Option<DateTime<Utc>>,
    sla_cursor: i64,
    /// Not allowed to work tickets (a key user): the badge in the title bar says so.
    pub read_only: bool,
    /// What the operator may do ([`crate::domain::permission`]): hints and the palette list
    /// only these actions, and others are refused with the role they need.
    pub perms: BTreeSet<Permission>,
    /// Whether some procedure step names one of my roles (an approver's B5): step actions
    /// stay offered to such roles whatever else they may do. Set with the permissions.
    step_role: bool,
    /// Text whose change is being confirmed or saved; handed back on a conflict or error.
    pending_text: Option<TextPopup>,
    /// The terminal size, for mapping mouse clicks to what is drawn there.
    pub size: ratatui::layout::Rect,
}

impl App {
    pub fn new(
        cat: Catalog,
        org: Organisation,
        me: Operator,
        keymap: Keymap,
        now: DateTime<Utc>,
    ) -> App {
        let queues = queues_for(&org, &me, &cat);
        let counts = vec![0; queues.len()];
        App {
            cat,
            org,
            me,
            keymap,
            queues,
            counts,
            queue: 0,
            focus: Focus::Table,
            list: TicketList::default(),
            oldest_first: false,
            by_due: false,
            filter: String::new(),
            marked: std::collections::BTreeMap::new(),
            preview: None,
            detail: None,
            knowledge: None,
            article_edit: None,
            check: None,
            requirements: None,
            reports: None,
            export_dir: std::path::PathBuf::from("."),
            sla: std::collections::HashMap::new(),
            announcements: Vec::new(),
            popup: None,
            flash: None,
            now,
            quit: false,
            visible_rows: 20,
            data_version: None,
            last_poll: None,
            last_sla_tick: None,
            last_time_counts: None,
            sla_cursor: 0,
            read_only: false,
            perms: Permission::ALL.into_iter().collect(),
            step_role: false,
            pending_text: None,
            size: ratatui::layout::Rect::new(0, 0, 120, 40),
        }
    }

    /// Limit the console to what the operator may do (from the session's permissions).
    pub fn set_permissions(&mut self, perms: BTreeSet<Permission>) {
        self.read_only = !perms.contains(&Permission::WorkTickets);
        self.perms = perms;
        self.step_role = self
            .org
            .procedures
            .iter()
            .flat_map(|p| &p.steps)
            .filter_map(|s| s.role)
            .any(|r| self.me.roles.contains(&r));
    }

    /// The permissions of which an action needs one, if it changes anything (see
    /// [`crate::domain::permission`]); the application layer decides again on every write.
    fn action_needs(&self, action: Action) -> &'static [Permission] {
        match action {
            Action::New => &[Permission::CreateTicket],
            Action::Reply | Action::Note => &[Permission::WorkTickets, Permission::AddToOwn],
            Action::Take
            | Action::Assign
            | Action::Classify
            | Action::EditTicket
            | Action::Status
            | Action::Escalate
            | Action::Transfer
            | Action::ReturnDown
            | Action::Link
            | Action::Resolve
            | Action::Confirm
            | Action::Reopen
            | Action::CompleteStep
            | Action::ReturnStep => &[Permission::WorkTickets],
            Action::DraftArticle | Action::NewArticle | Action::EditArticle => {
                &[Permission::DraftArticle]
            }
            Action::PublishArticle | Action::RetireArticle | Action::ReviewDrafts => {
                &[Permission::PublishArticle]
            }
            Action::CheckOk
            | Action::CheckSlow
            | Action::CheckLoginFailed
            | Action::CheckDown
            | Action::CheckNote
            | Action::AcceptProbes => &[Permission::RecordCheck],
            Action::RunProbes => &[Permission::RunProbes],
            Action::CheckIncident => &[Permission::OpenCheckIncident],
            Action::Finalise => &[Permission::FinaliseCheck],
            Action::Announce => &[Permission::Announce],
            Action::ResendMail => &[Permission::SendMail],
            _ => &[],
        }
    }

    /// Whether the operator may use an action: hints and the palette show only these.
    /// Procedure steps that name a role (approval) are open to that role too.
    pub fn action_allowed(&self, action: Action) -> bool {
        let needs = self.action_needs(action);
        needs.is_empty()
            || needs.iter().any(|p| self.perms.contains(p))
            || (matches!(action, Action::CompleteStep | Action::ReturnStep) && self.step_role)
    }

    /// The mail of the ticket open in detail that a person may send again (failed, or
    /// uncertain: see [`crate::domain::outbox::Standing::resendable`]), the newest first.
    pub fn resendable_mail(&self) -> Option<&crate::store::OutboxMail> {
        self.detail
            .as_ref()?
            .files
            .outbox
            .iter()
            .rev()
            .find(|m| m.standing.resendable())
    }

    /// Whether the screen offers an action now as far as the ticket's mail goes: resending
    /// only with a mail to resend (hints show only what is possible).
    pub fn mail_offers(&self, action: Action) -> bool {
        action != Action::ResendMail || self.resendable_mail().is_some()
    }

    /// Ask before putting the ticket's failed or uncertain mail back in the outbox: an
    /// uncertain one may have arrived.
    fn resend_mail(&mut self) -> Vec<Cmd> {
        let Some(m) = self.resendable_mail() else {
            self.warn(self.cat.t("flash.no_mail_to_resend"));
            return Vec::new();
        };
        let to = crate::inert::one_line(&m.mail.to);
        let state = self
            .cat
            .t(&format!("mail.delivery.{}", m.standing.as_str()));
        let cmd = Cmd::ResendMail {
            ticket: m.mail.ticket.clone(),
            message_id: m.mail.message_id.clone(),
            to: to.clone(),
        };
        let mut lines = vec![
            self.cat
                .f("confirm.resend_mail", &[("to", &to), ("state", &state)]),
        ];
        if let Some(e) = &m.last_error {
            lines.push(format!("  {}", crate::inert::one_line(e)));
        }
        self.popup = Some(Popup::Confirm(ConfirmPopup {
            lines,
            pending: Vec::new(),
            after: vec![cmd],
            next: None,
        }));
        Vec::new()
    }

    /// Refuse an action the operator may not use, naming the role it needs.
    fn refuse_action(&mut self, action: Action) {
        let perms = &self.org.permissions;
        let mut roles: Vec<&str> = self
            .action_needs(action)
            .iter()
            .flat_map(|p| perms.roles_with(*p))
            .map(|r| r.as_str())
            .collect();
        roles.sort_unstable();
        roles.dedup();
        let text = if roles.is_empty() {
            self.cat.t("flash.needs_no_role")
        } else {
            self.cat
                .f("flash.needs_role", &[("roles", &roles.join(" | "))])
        };
        self.warn(text);
    }

    /// The commands to run when the console starts.
    pub fn start(&mut self) -> Vec<Cmd> {
        let mut cmds = vec![
            self.load_counts(),
            Cmd::PollDataVersion,
            Cmd::LoadAnnouncements,
        ];
        cmds.extend(self.reload_list(None));
        cmds
    }

    /// The key contexts in force, narrowest first.
    pub fn contexts(&self) -> Vec<Context> {
        match &self.popup {
            Some(Popup::Text(_)) | Some(Popup::NewTicket(_)) | Some(Popup::EditTicket(_)) => {
                vec![Context::Editor]
            }
            Some(Popup::Picker(_)) | Some(Popup::Classify(_)) => vec![Context::Picker],
            Some(Popup::Confirm(_))
            | Some(Popup::Conflict(_))
            | Some(Popup::QuitConfirm(_))
            | Some(Popup::LeaveForm(_)) => vec![Context::Confirm],
            Some(Popup::Help { .. }) => vec![Context::Detail, Context::Global],
            None if self.reports.is_some() => vec![Context::Reports, Context::Global],
            None if self.requirements.is_some() => vec![Context::Requirements, Context::Global],
            None if self.check.is_some() => vec![Context::Check, Context::Global],
            None if self.knowledge.is_some() => vec![Context::Knowledge, Context::Global],
            None if self.detail.is_some() => vec![Context::Detail, Context::Global],
            None => vec![Context::Queue, Context::Global],
        }
    }

    /// Load every queue's count: the cells, and the store's count of each queue that
    /// depends on time.
    fn load_counts(&self) -> Cmd {
        let direct = self
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| (i, q.filter(&self.me, self.now)))
            .filter(|(_, f)| !f.countable_by_cells())
            .collect();
        Cmd::LoadCounts { direct }
    }

    pub fn current_filter(&self) -> TicketFilter {
        let mut f = self
            .queues
            .get(self.queue)
            .map(|q| q.filter(&self.me, self.now))
            .unwrap_or_default();
        if !self.filter.trim().is_empty() {
            f.text = Some(self.filter.clone());
        }
        f.oldest_first = self.oldest_first;
        f.by_due = self.by_due;
        f
    }

    /// Reload the list from the top, keeping the cursor on `keep` if it is still there.
    fn reload_list(&mut self, keep: Option<String>) -> Vec<Cmd> {
        self.list.generation += 1;
        self.list.loading = true;
        let limit = self.list.rows.len().max(PAGE);
        vec![Cmd::LoadPage {
            generation: self.list.generation,
            filter: self.current_filter(),
            page: Page {
                limit,
                before: None,
            },
            append: false,
            keep,
        }]
    }

    fn load_more_if_near_end(&mut self) -> Vec<Cmd> {
        let near_end = self.list.cursor + self.visible_rows.max(10) >= self.list.rows.len();
        if !(near_end && self.list.more && !self.list.loading) {
            return Vec::new();
        }
        self.list.loading = true;
        vec![Cmd::LoadPage {
            generation: self.list.generation,
            filter: self.current_filter(),
            page: Page {
                limit: PAGE,
                before: self.list.rows.last().map(|r| r.id),
            },
            append: true,
            keep: None,
        }]
    }

    fn selected_key(&self) -> Option<String> {
        self.list.selected().map(|r| r.key.clone())
    }

    fn preview_cmd(&mut self) -> Vec<Cmd> {
        match self.selected_key() {
            Some(k) => vec![Cmd::LoadPreview(k)],
            None => {
                self.preview = None;
                Vec::new()
            }
        }
    }

    /// Tickets an action applies to: the marked ones, else the one open in detail, else the
    /// one under the cursor.
    fn targets(&self) -> Vec<Target> {
        if let Some(d) = &self.detail {
            return vec![Target {
                key: d.ticket.key.clone(),
                version: d.ticket.version,
            }];
        }
        if !self.marked.is_empty() {
            // Marked in any queue: at the version seen last.
            return self
                .marked
                .iter()
                .map(|(key, version)| Target {
                    key: key.clone(),
                    version: *version,
                })
                .collect();
        }
        self.list
            .selected()
            .map(|r| {
                vec![Target {
                    key: r.key.clone(),
                    version: r.version,
                }]
            })
            .unwrap_or_default()
    }

    /// The ticket the operator is looking at (detail, else preview), for choices that depend
    /// on its state.
    pub(crate) fn focused_ticket(&self) -> Option<&Ticket> {
        if let Some(d) = &self.detail {
            return Some(&d.ticket);
        }
        self.preview
            .as_ref()
            .map(|(t, _)| t)
            .filter(|t| Some(&t.key) == self.list.selected().map(|r| &r.key))
    }

    pub(crate) fn say(&mut self, text: String) {
        self.flash = Some(Flash { text, error: false });
    }

    pub(crate) fn warn(&mut self, text: String) {
        self.flash = Some(Flash { text, error: true });
    }

    /// Whether quitting now would lose typed text.
    pub fn has_unsaved_text(&self) -> bool {
        match &self.popup {
            Some(Popup::Text(t)) => !t.text().trim().is_empty(),
            Some(Popup::NewTicket(f)) | Some(Popup::LeaveForm(f)) => f.has_text(),
            Some(Popup::EditTicket(f)) => f.changed(),
            Some(Popup::Conflict(c)) => {
                c.text.as_ref().is_some_and(|t| !t.text().trim().is_empty())
            }
            _ => false,
        }
    }

    /// The commands that keep every unsent text as a draft (replies, notes, resolutions and
    /// the new-ticket form): on quit, on a signal, when the terminal is lost.
    pub fn keep_drafts(&self) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        if let Some(p) = &self.popup {
            popup_drafts(p, &mut cmds);
        }
        if let Some(t) = &self.pending_text {
            cmds.extend(text_draft(t));
        }
        cmds
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Terminate => {
                self.quit = true;
                self.keep_drafts()
            }
            Msg::Key(key) => self.on_key(key),
            Msg::Paste(text) => self.on_paste(&text),
            Msg::Tick(now) => self.on_tick(now),
            Msg::Click { column, row } => self.on_click(column, row),
            Msg::Resize { width, height } => {
                self.size = ratatui::layout::Rect::new(0, 0, width, height);
                self.visible_rows = usize::from(height.saturating_sub(14)).max(3);
                Vec::new()
            }
            Msg::Loaded(l) => self.on_loaded(l),
        }
    }

    /// A click selects a queue or a ticket; clicking the selected ticket opens it.
    fn on_click(&mut self, column: u16, row: u16) -> Vec<Cmd> {
        // Clicks map to the main screen's panes; other screens and popups are worked by keys.
        if self.popup.is_some()
            || self.detail.is_some()
            || self.knowledge.is_some()
            || self.check.is_some()
            || self.requirements.is_some()
            || self.reports.is_some()
        {
            return Vec::new();
        }
        match crate::ui::layout::hit(self, self.size, column, row) {
            crate::ui::layout::Hit::Queue(i) => {
                self.focus = Focus::Queues;
                if i == self.queue {
                    Vec::new()
                } else {
                    self.select_queue(i)
                }
            }
            crate::ui::layout::Hit::Ticket(i) => {
                let was = self.list.cursor;
                self.focus = Focus::Table;
                self.list.cursor = i;
                if i == was {
                    return self.run_action(Action::Open, None);
                }
                let mut cmds = self.load_more_if_near_end();
                cmds.extend(self.preview_cmd());
                cmds
            }
            crate::ui::layout::Hit::Nothing => Vec::new(),
        }
    }

    fn on_tick(&mut self, now: DateTime<Utc>) -> Vec<Cmd> {
        self.now = now;
        let mut cmds = Vec::new();
        let due = self
            .last_poll
            .is_none_or(|t| (now - t).num_milliseconds() >= POLL_EVERY_MS);
        if due {
            self.last_poll = Some(now);
            cmds.push(Cmd::PollDataVersion);
        }
        let sla_due = self
            .last_sla_tick
            .is_none_or(|t| (now - t).num_milliseconds() >= SLA_TICK_EVERY_MS);
        if sla_due && self.perms.contains(&Permission::SlaTick) {
            self.last_sla_tick = Some(now);
            cmds.push(Cmd::SlaTick(self.sla_cursor));
        }
        // A clock turns "at risk" with time alone, no write announcing it: the queues that
        // depend on time are counted (and the one shown reloaded) once a minute.
        let recount = self
            .last_time_counts
            .is_none_or(|t| (now - t).num_milliseconds() >= SLA_TICK_EVERY_MS);
        if recount {
            self.last_time_counts = Some(now);
            if self
                .queues
                .iter()
                .any(|q| !q.filter(&self.me, now).countable_by_cells())
            {
                cmds.push(self.load_counts());
            }
            if self.current_filter().attention_by.is_some() && self.detail.is_none() {
                let keep = self.selected_key();
                cmds.extend(self.reload_list(keep));
            }
        }
        if let Some(Popup::Text(t)) = &mut self.popup {
            let save_due = t
                .last_saved
                .is_none_or(|s| (now - s).num_milliseconds() >= DRAFT_EVERY_MS);
            if t.dirty
                && save_due
                && let (Some(purpose), Some(target)) = (t.purpose.draft_name(), t.targets.first())
            {
                t.dirty = false;
                t.last_saved = Some(now);
                cmds.push(Cmd::SaveDraft {
                    ticket: target.key.clone(),
                    purpose: purpose.to_string(),
                    text: t.text(),
                });
            }
        }
        if let Some(Popup::NewTicket(f)) = &mut self.popup {
            let save_due = f
                .last_saved
                .is_none_or(|s| (now - s).num_milliseconds() >= DRAFT_EVERY_MS);
            if f.dirty && save_due {
                f.dirty = false;
                f.last_saved = Some(now);
                cmds.push(form_draft(f));
            }
        }
        cmds
    }

    fn on_paste(&mut self, text: &str) -> Vec<Cmd> {
        // Pasted text is untrusted: no escape sequences or controls get into a field.
        let text = crate::inert::sanitize(&crate::domain::text::normalize(text));
        match &mut self.popup {
            Some(Popup::Text(t)) => {
                let text = if t.purpose.single_line() {
                    text.replace('\n', " ")
                } else {
                    text
                };
                t.area.insert_str(text);
                t.dirty = true;
            }
            Some(Popup::EditTicket(f)) => App::paste_into_edit(f, text),
            Some(Popup::NewTicket(f)) => {
                let one_line = text.replace('\n', " ");
                f.dirty = true;
                match f.focus {
                    0 => {
                        f.title.insert_str(one_line);
                    }
                    1 => {
                        f.description.insert_str(text);
                    }
                    2 => {
                        f.requester.insert_str(one_line);
                    }
                    3 => {
                        f.phone.insert_str(one_line);
                    }
                    _ => {}
                }
            }
            Some(Popup::Picker(p)) => {
                p.query.push_str(&text.replace('\n', " "));
                p.refilter();
            }
            None if self.focus == Focus::Filter => {
                self.filter.push_str(&text.replace('\n', " "));
                return self.reload_list(None);
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        if key.kind == ratatui::crossterm::event::KeyEventKind::Release {
            return Vec::new();
        }
        self.flash = None;
        // Text entry owns the keyboard except for the editor keys.
        if self.popup.is_some() {
            return self.on_popup_key(key);
        }
        if self.focus == Focus::Filter {
            return self.on_filter_key(key);
        }
        if self.knowledge.is_some()
            && let Some(cmds) = self.on_knowledge_text(key)
        {
            return cmds;
        }
        let Some(action) = self.keymap.lookup(&self.contexts(), &key) else {
            return Vec::new();
        };
        let digit = match key.code {
            KeyCode::Char(c) => c.to_digit(10),
            _ => None,
        };
        self.run_action(action, digit)
    }

    fn on_filter_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        match key.code {
            KeyCode::Esc => {
                self.focus = Focus::Table;
                self.filter.clear();
                self.reload_list(self.selected_key())
            }
            KeyCode::Enter | KeyCode::Down | KeyCode::Tab => {
                self.focus = Focus::Table;
                Vec::new()
            }
            KeyCode::Backspace => {
                self.filter.pop();
                self.reload_list(None)
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.filter.push(c);
                self.reload_list(None)
            }
            _ => Vec::new(),
        }
    }

    /// Run an action: from a key, or chosen in the palette.
    pub fn run_action(&mut self, action: Action, digit: Option<u32>) -> Vec<Cmd> {
        if !self.action_allowed(action) {
            self.refuse_action(action);
            return Vec::new();
        }
        // Another screen opened from this one (the palette) takes its place.
        if matches!(
            action,
            Action::MorningCheck | Action::Requirements | Action::Knowledge | Action::Reports
        ) {
            self.reports = None;
        }
        match action {
            Action::Quit | Action::ForceQuit => {
                if self.has_unsaved_text() {
                    let previous = self.popup.take().map(Box::new);
                    self.popup = Some(Popup::QuitConfirm(previous));
                    Vec::new()
                } else {
                    // A text waiting on a confirmation is kept too.
                    self.quit = true;
                    self.keep_drafts()
                }
            }
            Action::Help => {
                self.popup = Some(Popup::Help { scroll: 0 });
                Vec::new()
            }
            Action::Palette => {
                self.open_palette();
                Vec::new()
            }
            Action::Back => {
                if self.reports.take().is_some() {
                    return Vec::new();
                }
                if self.requirements.take().is_some() {
                    return Vec::new();
                }
                if let Some(c) = &mut self.check {
                    if c.report.take().is_none() && c.history.take().is_none() {
                        self.check = None;
                    }
                    return Vec::new();
                }
                if let Some(k) = &mut self.knowledge {
                    if k.reading {
                        k.reading = false;
                        k.scroll = 0;
                    } else {
                        self.knowledge = None;
                    }
                    return Vec::new();
                }
                if self.detail.take().is_some() {
                    return self.preview_cmd();
                }
                if !self.marked.is_empty() {
                    self.marked.clear();
                    return Vec::new();
                }
                if !self.filter.is_empty() {
                    self.filter.clear();
                    return self.reload_list(self.selected_key());
                }
                Vec::new()
            }
            Action::FocusNext | Action::FocusPrev if self.reports.is_some() => {
                self.reports_action(action)
            }
            Action::FocusNext | Action::FocusPrev => {
                if self.detail.is_none() {
                    self.focus = match self.focus {
                        Focus::Queues => Focus::Table,
                        _ => Focus::Queues,
                    };
                }
                Vec::new()
            }
            // Ctrl-L: the data again, and the whole screen drawn anew (the runtime clears it).
            Action::Refresh => {
                let mut cmds = self.refresh_all();
                // The report again only when asked: it may take seconds, and other
                // processes' commits (which refresh the rest) come every few seconds.
                if self.reports.is_some() {
                    cmds.extend(self.compute_report());
                }
                cmds.push(Cmd::Repaint);
                cmds
            }
            Action::Down
            | Action::Up
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp
                if self.reports.is_some() =>
            {
                self.reports_action(action)
            }
            Action::Down
            | Action::Up
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp
                if self.requirements.is_some() || self.check.is_some() =>
            {
                if self.requirements.is_some() {
                    self.move_requirement_cursor(action);
                } else {
                    self.move_check_cursor(action);
                }
                Vec::new()
            }
            Action::Down
            | Action::Up
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp => self.move_cursor(action),
            Action::MorningCheck => self.open_check(),
            Action::Requirements => self.open_requirements(),
            Action::Reports => self.open_reports(),
            Action::PrevPeriod
            | Action::NextPeriod
            | Action::PeriodKind
            | Action::Breakdown
            | Action::ExportReport
            | Action::ExportFormat => self.reports_action(action),
            Action::PrevMonth | Action::NextMonth => self.requirements_month(action),
            Action::ReqForward
            | Action::ReqReject
            | Action::ReqAdopt
            | Action::ReqNotAdopt
            | Action::ReqPlan
            | Action::ReqAdvance => self.requirement_action(action),
            Action::CheckOk
            | Action::CheckSlow
            | Action::CheckLoginFailed
            | Action::CheckDown
            | Action::CheckNote
            | Action::RunProbes
            | Action::AcceptProbes
            | Action::CheckIncident
            | Action::Finalise
            | Action::Announce
            | Action::CheckReport
            | Action::History => self.check_action(action),
            Action::QueueN => {
                let n = digit.unwrap_or(1).max(1) as usize - 1;
                self.select_queue(n)
            }
            Action::Open if self.knowledge.is_some() => self.use_knowledge_result(),
            Action::Open => {
                if self.focus == Focus::Queues {
                    self.focus = Focus::Table;
                    return Vec::new();
                }
                match self.selected_key() {
                    Some(k) => vec![Cmd::LoadDetail(k)],
                    None => Vec::new(),
                }
            }
            Action::Filter => {
                self.focus = Focus::Filter;
                Vec::new()
            }
            Action::Sort => {
                // newest first → oldest first → most urgent SLA first → newest first
                let (oldest, due, msg) = match (self.oldest_first, self.by_due) {
                    (false, false) => (true, false, "flash.oldest_first"),
                    (true, false) => (false, true, "flash.by_due"),
                    _ => (false, false, "flash.newest_first"),
                };
                self.oldest_first = oldest;
                self.by_due = due;
                self.say(self.cat.t(msg));
                // A new order starts at its first row (oldest first opens on the oldest).
                self.list.rows.clear();
                self.list.cursor = 0;
                self.preview = None;
                self.reload_list(None)
            }
            Action::Mark => {
                if let Some(r) = self.list.selected() {
                    let (key, version) = (r.key.clone(), r.version);
                    if self.marked.remove(&key).is_none() {
                        self.marked.insert(key, version);
                    }
                    let _ = self.move_cursor(Action::Down);
                }
                self.preview_cmd()
            }
            Action::New => {
                self.popup = Some(Popup::NewTicket(Box::new(self.new_ticket_form())));
                // A form left with Esc (or by a signal) comes back as it was.
                vec![Cmd::LoadDraft {
                    ticket: String::new(),
                    purpose: NEW_TICKET_DRAFT.into(),
                }]
            }
            Action::Knowledge => self.open_knowledge(),
            Action::ResendMail => self.resend_mail(),
            Action::ToggleDescription => {
                if let Some(d) = &mut self.detail {
                    d.description_open = !d.description_open;
                }
                Vec::new()
            }
            Action::NewArticle
            | Action::EditArticle
            | Action::PublishArticle
            | Action::RetireArticle => self.article_action(action),
            Action::ReviewDrafts => match &mut self.knowledge {
                Some(k) => {
                    k.drafts = !k.drafts;
                    k.results.clear();
                    k.cursor = 0;
                    k.scroll = 0;
                    k.reload().into_iter().collect()
                }
                None => Vec::new(),
            },
            // The application layer decides (a solved ticket, never over a published article).
            Action::DraftArticle => match self.focused_ticket() {
                Some(t) => vec![Cmd::DraftArticle(t.key.clone())],
                None => self.nothing_selected(),
            },
            Action::Reply => self.open_text(TextPurpose::Reply),
            Action::Note => self.open_text(TextPurpose::Note),
            Action::Resolve => self.open_text(TextPurpose::Resolve),
            Action::CompleteStep => self.open_complete_step(),
            Action::ReturnStep => self.open_picker(PickPurpose::ReturnStep),
            Action::Reopen => self.open_text(TextPurpose::Reopen),
            Action::ReturnDown => self.open_text(TextPurpose::Return),
            Action::Take => {
                let targets = self.targets();
                if targets.is_empty() {
                    return self.nothing_selected();
                }
                let pending: Vec<Pending> = targets
                    .into_iter()
                    .map(|t| Pending {
                        key: t.key,
                        expect: Some(t.version),
                        change: Change::Assign {
                            to: Some(self.me.login.clone()),
                            group: None,
                        },
                    })
                    .collect();
                self.apply_or_confirm(pending, pending_is_bulk)
            }
            Action::Assign => self.open_picker(PickPurpose::Assign),
            Action::Status => self.open_picker(PickPurpose::Status),
            Action::Escalate => self.open_picker(PickPurpose::EscalateGroup),
            Action::Transfer => self.open_picker(PickPurpose::TransferGroup),
            Action::EditTicket => self.open_edit_form(),
            Action::Link => self.open_picker(PickPurpose::LinkRelation),
            Action::Classify => {
                let targets = self.targets();
                if targets.is_empty() {
                    return self.nothing_selected();
                }
                self.popup = Some(Popup::Classify(self.classify_form(targets)));
                Vec::new()
            }
            Action::Confirm => self.open_picker(PickPurpose::ConfirmVia),
            Action::Submit
            | Action::Cancel
            | Action::ExternalEditor
            | Action::Yes
            | Action::No
            | Action::Discard => Vec::new(),
        }
    }

    /// Open the knowledge screen; from a ticket, seeded with what the ticket says.
    fn open_knowledge(&mut self) -> Vec<Cmd> {
        let ticket = self.focused_ticket().cloned();
        let for_ticket = ticket.as_ref().map(|t| Target {
            key: t.key.clone(),
            version: t.version,
        });
        let mut k = Knowledge {
            query: String::new(),
            results: Vec::new(),
            index_note: None,
            cursor: 0,
            scroll: 0,
            generation: 0,
            for_ticket,
            drafts: false,
            reading: false,
        };
        let mut cmds = vec![Cmd::SyncIndex];
        if let Some(t) = ticket {
            k.generation += 1;
            // More like this ticket; typing replaces it with an ordinary search.
            cmds.push(Cmd::FindSimilar {
                generation: k.generation,
                text: format!("{} {}", t.title, t.description),
                duplicates: false,
                requirements: false,
            });
        }
        self.knowledge = Some(k);
        cmds
    }

    /// Writing and keeping articles from the knowledge screen (issue 19): a new one or the
    /// selected one in `$EDITOR` on the plain template; publishing and retiring the selected
    /// one. The application layer decides who may and what an edit of a published article
    /// does.
    fn article_action(&mut self, action: Action) -> Vec<Cmd> {
        if self.knowledge.is_none() {
            return Vec::new();
        }
        if action == Action::NewArticle {
            let blank = crate::domain::kb::ArticleInput::blank("", self.cat.lang().code());
            return self.edit_article_text(None, crate::domain::kb::template(&blank, false));
        }
        let selected = self
            .knowledge
            .as_ref()
            .and_then(|k| k.results.get(k.cursor))
            .filter(|f| f.kind == "article")
            .map(|f| f.reference.clone());
        let Some(reference) = selected else {
            self.warn(self.cat.t("flash.not_an_article"));
            return Vec::new();
        };
        match action {
            Action::EditArticle => vec![Cmd::LoadArticleForEdit(reference)],
            Action::PublishArticle => vec![Cmd::PublishArticle(reference)],
            _ => vec![Cmd::RetireArticle(reference)],
        }
    }

    /// Open `$EDITOR` on an article's template (`reference` `None`: a new article).
    fn edit_article_text(&mut self, reference: Option<String>, text: String) -> Vec<Cmd> {
        self.article_edit = Some(ArticleEdit {
            reference,
            offered: text.clone(),
        });
        vec![Cmd::OpenEditor(text)]
    }

    /// The article text back from `$EDITOR`: saved, or (a mistake) the editor opens again
    /// with the text and the mistake on top, so nothing typed is lost; unchanged text saves
    /// nothing.
    fn article_written(&mut self, edit: ArticleEdit, text: String) -> Vec<Cmd> {
        if text == edit.offered {
            self.say(self.cat.t("flash.article_unchanged"));
            return Vec::new();
        }
        let reference = edit.reference.clone().unwrap_or_default();
        match crate::domain::kb::parse_template(&reference, &text) {
            Ok((input, faq)) => vec![Cmd::SaveArticle {
                new: edit.reference.is_none(),
                input,
                faq,
            }],
            Err(e) => {
                let problem = crate::describe::template_problem(&self.cat, &e.problem);
                let note = self.cat.f(
                    "flash.article_template",
                    &[("problem", &problem), ("line", &e.line)],
                );
                self.warn(note.clone());
                // Comment lines ("# …") are ignored when the template is read.
                let body: String = text
                    .lines()
                    .filter(|l| !l.starts_with("# !"))
                    .map(|l| format!("{l}\n"))
                    .collect();
                self.edit_article_text(
                    edit.reference,
                    format!("# ! {}\n{body}", crate::inert::one_line(&note)),
                )
            }
        }
    }

    /// Letters typed in the knowledge screen are the query. `None` when the key is not text.
    fn on_knowledge_text(&mut self, key: KeyEvent) -> Option<Vec<Cmd>> {
        let k = self.knowledge.as_mut()?;
        // An article open in full is read, not typed into.
        if k.reading {
            return None;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL)
            || key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char(c) if !ctrl => k.query.push(c),
            KeyCode::Backspace => {
                k.query.pop();
            }
            // Ctrl-U clears the query, as in a shell's line editor.
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                k.query.clear();
                k.results.clear();
            }
            _ => return None,
        }
        k.cursor = 0;
        k.scroll = 0;
        Some(k.reload().into_iter().collect())
    }

    /// Run the knowledge screen's query again (the index changed under it).
    fn search_again(&mut self) -> Vec<Cmd> {
        let Some(k) = &mut self.knowledge else {
            return Vec::new();
        };
        if k.query.is_empty() && !k.drafts {
            return Vec::new();
        }
        k.reload().into_iter().collect()
    }

    /// Enter on a result: from a ticket, by one who may reply, reply with that solution;
    /// otherwise open it in full to read (Esc back to the list).
    fn use_knowledge_result(&mut self) -> Vec<Cmd> {
        let may_reply = self.action_allowed(Action::Reply);
        let Some(k) = &mut self.knowledge else {
            return Vec::new();
        };
        if k.reading || k.results.get(k.cursor).is_none() {
            return Vec::new();
        }
        let (Some(target), Some(found), true) =
            (k.for_ticket.clone(), k.results.get(k.cursor), may_reply)
        else {
            k.reading = true;
            k.scroll = 0;
            return Vec::new();
        };
        let text = found.resolution.clone();
        self.knowledge = None;
        let area = text_area(&text);
        self.popup = Some(Popup::Text(TextPopup {
            purpose: TextPurpose::Reply,
            targets: vec![target],
            area,
            dirty: true,
            last_saved: None,
        }));
        Vec::new()
    }

    pub(crate) fn nothing_selected(&mut self) -> Vec<Cmd> {
        self.warn(self.cat.t("flash.nothing_selected"));
        Vec::new()
    }

    pub(crate) fn refresh_all(&mut self) -> Vec<Cmd> {
        let mut cmds = vec![self.load_counts(), Cmd::LoadAnnouncements];
        if let Some(c) = &self.check {
            cmds.push(Cmd::LoadCheck(c.date()));
        }
        if let Some(r) = &self.requirements {
            cmds.push(Cmd::LoadRequirements(r.month));
        }

        cmds.extend(self.reload_list(self.selected_key()));
        if let Some(d) = &self.detail {
            cmds.push(Cmd::LoadDetail(d.ticket.key.clone()));
        }
        cmds
    }

    fn select_queue(&mut self, n: usize) -> Vec<Cmd> {
        if n >= self.queues.len() {
            return Vec::new();
        }
        self.queue = n;
        self.detail = None;
        self.list.rows.clear();
        self.list.cursor = 0;
        self.preview = None;
        self.reload_list(None)
    }

    fn move_cursor(&mut self, action: Action) -> Vec<Cmd> {
        if let Some(k) = &mut self.knowledge {
            let last = k.results.len().saturating_sub(1);
            if k.reading {
                let page = self.visible_rows.max(1);
                k.scroll = match action {
                    Action::Down => k.scroll + 1,
                    Action::Up => k.scroll.saturating_sub(1),
                    Action::PageDown => k.scroll + page,
                    Action::PageUp => k.scroll.saturating_sub(page),
                    Action::Top => 0,
                    Action::Bottom => usize::MAX / 2,
                    _ => k.scroll,
                };
                return Vec::new();
            }
            match action {
                Action::Down => {
                    k.cursor = (k.cursor + 1).min(last);
                    k.scroll = 0;
                }
                Action::Up => {
                    k.cursor = k.cursor.saturating_sub(1);
                    k.scroll = 0;
                }
                Action::PageDown => k.scroll += self.visible_rows.max(1),
                Action::PageUp => k.scroll = k.scroll.saturating_sub(self.visible_rows.max(1)),
                Action::Top => k.cursor = 0,
                Action::Bottom => k.cursor = last,
                _ => {}
            }
            return Vec::new();
        }
        if let Some(d) = &mut self.detail {
            let step = self.visible_rows.max(1);
            d.scroll = match action {
                Action::Down => d.scroll + 1,
                Action::Up => d.scroll.saturating_sub(1),
                Action::Top => 0,
                Action::Bottom => usize::MAX / 2,
                Action::PageDown => d.scroll + step,
                Action::PageUp => d.scroll.saturating_sub(step),
                _ => d.scroll,
            };
            return Vec::new();
        }
        if self.focus == Focus::Queues {
            let n = self.queues.len();
            let next = match action {
                Action::Down => (self.queue + 1).min(n.saturating_sub(1)),
                Action::Up => self.queue.saturating_sub(1),
                Action::Top => 0,
                Action::Bottom => n.saturating_sub(1),
                _ => self.queue,
            };
            if next != self.queue {
                let cmds = self.select_queue(next);
                self.focus = Focus::Queues;
                return cmds;
            }
            return Vec::new();
        }
        let len = self.list.rows.len();
        if len == 0 {
            return Vec::new();
        }
        let page = self.visible_rows.max(1);
        let before = self.list.cursor;
        self.list.cursor = match action {
            Action::Down => (before + 1).min(len - 1),
            Action::Up => before.saturating_sub(1),
            Action::Top => 0,
            Action::Bottom => len - 1,
            Action::PageDown => (before + page).min(len - 1),
            Action::PageUp => before.saturating_sub(page),
            _ => before,
        };
        let mut cmds = self.load_more_if_near_end();
        if self.list.cursor != before {
            cmds.extend(self.preview_cmd());
        }
        cmds
    }

    fn open_palette(&mut self) {
        let items = Action::ALL
            .iter()
            .filter(|a| {
                !matches!(
                    a,
                    Action::Submit
                        | Action::Cancel
                        | Action::Yes
                        | Action::No
                        | Action::Discard
                        | Action::ExternalEditor
                        | Action::QueueN
                ) && self.action_allowed(**a)
            })
            .map(|a| {
                let key = self
                    .keymap
                    .key_for(&[Context::Queue, Context::Detail, Context::Global], *a)
                    .map(|k| format!("  [{}]", k.label()))
                    .unwrap_or_default();
                PickItem {
                    label: format!("{}{key}", self.cat.t(&format!("action.{}", a.name()))),
                    value: a.name().to_string(),
                }
            })
            .collect();
        self.popup = Some(Popup::Picker(Picker::new(
            PickPurpose::Palette,
            Vec::new(),
            items,
        )));
    }

    fn open_text(&mut self, purpose: TextPurpose) -> Vec<Cmd> {
        let targets = self.targets();
        if targets.is_empty() {
            return self.nothing_selected();
        }
        let mut area = TextArea::default();
        area.set_placeholder_text(self.cat.t("popup.placeholder"));
        area.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        let mut cmds = Vec::new();
        if let (Some(purpose), [target]) = (purpose.draft_name(), targets.as_slice()) {
            cmds.push(Cmd::LoadDraft {
                ticket: target.key.clone(),
                purpose: purpose.to_string(),
            });
        }
        self.popup = Some(Popup::Text(TextPopup {
            purpose,
            targets,
            area,
            dirty: false,
            last_saved: None,
        }));
        cmds
    }

    fn open_picker(&mut self, purpose: PickPurpose) -> Vec<Cmd> {
        let targets = self.targets();
        if targets.is_empty() {
            return self.nothing_selected();
        }
        let lang = self.cat.lang().code();
        let items: Vec<PickItem> =
            match purpose {
                // People, then groups: a ticket may go to a group without a person.
                PickPurpose::Assign => self
                    .org
                    .operators
                    .iter()
                    .map(|o| {
                        let group = self
                            .org
                            .group(&o.group)
                            .map(|g| g.name.get(lang))
                            .unwrap_or(&o.group);
                        PickItem {
                            label: format!("{} ({}) — {group}", o.name, o.login),
                            value: o.login.clone(),
                        }
                    })
                    .chain(self.org.groups.iter().filter(|g| !g.external).map(|g| {
                        PickItem {
                            label: self
                                .cat
                                .f("popup.assign_group", &[("name", &g.name.get(lang))]),
                            value: format!("{GROUP_VALUE}{}", g.id),
                        }
                    }))
                    .collect(),
                PickPurpose::TransferGroup => {
                    let here = self.focused_ticket().map(|t| (t.tier, t.group.clone()));
                    self.org
                        .groups
                        .iter()
                        .filter(|g| {
                            here.as_ref()
                                .is_some_and(|(tier, id)| g.tier == *tier && &g.id != id)
                        })
                        .map(|g| PickItem {
                            label: self.cat.f(
                                "popup.group_at_tier",
                                &[("name", &g.name.get(lang)), ("tier", &g.tier)],
                            ),
                            value: g.id.clone(),
                        })
                        .collect()
                }
                PickPurpose::Status => {
                    let from = self.focused_ticket().map(|t| t.status);
                    Status::ALL
                        .iter()
                        // Resolved through `resolve`, closed through the requester's
                        // confirmation (issue 14): neither is a plain status change.
                        .filter(|s| !matches!(s, Status::Resolved | Status::New | Status::Closed))
                        .filter(|s| from.is_none_or(|f| f.can_become(**s)))
                        .map(|s| PickItem {
                            label: describe::status(&self.cat, *s),
                            value: s.as_str().to_string(),
                        })
                        .collect()
                }
                PickPurpose::ConfirmVia => self
                    .org
                    .channels
                    .iter()
                    .map(|c| PickItem {
                        label: c.name.get(lang).to_string(),
                        value: c.id.clone(),
                    })
                    .collect(),
                PickPurpose::EscalateGroup => {
                    let tier = self.focused_ticket().map(|t| t.tier).unwrap_or(0);
                    let mut items = vec![PickItem {
                        label: self.cat.t("popup.next_tier"),
                        value: String::new(),
                    }];
                    items.extend(self.org.groups.iter().filter(|g| g.tier > tier).map(|g| {
                        PickItem {
                            label: self.cat.f(
                                "popup.group_at_tier",
                                &[("name", &g.name.get(lang)), ("tier", &g.tier)],
                            ),
                            value: g.id.clone(),
                        }
                    }));
                    items
                }
                PickPurpose::LinkRelation => vec![
                    PickItem {
                        label: self.cat.t("popup.relation_duplicate"),
                        value: "duplicate_of".into(),
                    },
                    PickItem {
                        label: self.cat.t("popup.relation_child"),
                        value: "child_of".into(),
                    },
                ],
                PickPurpose::ReturnStep => self
                    .current_step()
                    .map(|(p, step)| {
                        step.returns
                            .iter()
                            .filter_map(|id| p.step(id))
                            .map(|s| PickItem {
                                label: format!("{} {}", s.id, s.name.get(lang)),
                                value: s.id.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                PickPurpose::Palette => Vec::new(),
            };
        if purpose == PickPurpose::TransferGroup && items.is_empty() {
            self.warn(self.cat.t("flash.no_same_tier_group"));
            return Vec::new();
        }
        self.popup = Some(Popup::Picker(Picker::new(purpose, targets, items)));
        Vec::new()
    }

    fn classify_form(&self, targets: Vec<Target>) -> ClassifyForm {
        let lang = self.cat.lang().code();
        let t = self.focused_ticket();
        let mut apps: Vec<PickItem> = vec![PickItem {
            label: "—".into(),
            value: String::new(),
        }];
        apps.extend(self.org.applications.iter().map(|a| PickItem {
            label: a.code.clone(),
            value: a.code.clone(),
        }));
        let app_sel = t
            .and_then(|t| t.application.as_deref())
            .and_then(|v| apps.iter().position(|o| o.value == v))
            .unwrap_or(0);
        let fields = vec![
            coded_choice(
                &self.org.kinds,
                "field.kind",
                t.map(|t| t.kind.as_str()),
                false,
                lang,
            ),
            coded_choice(
                &self.org.categories,
                "field.category",
                t.and_then(|t| t.category.as_deref()),
                true,
                lang,
            ),
            ChoiceField {
                label_id: "field.application",
                options: apps,
                selected: app_sel,
                query: String::new(),
            },
            coded_choice(
                &self.org.priority.impact,
                "field.impact",
                t.map(|t| t.impact.as_str()),
                false,
                lang,
            ),
            coded_choice(
                &self.org.priority.urgency,
                "field.urgency",
                t.map(|t| t.urgency.as_str()),
                false,
                lang,
            ),
        ];
        ClassifyForm {
            targets,
            fields,
            focus: 0,
        }
    }

    /// The priority the classification form would give, shown live.
    /// The focused ticket's procedure and current step.
    pub fn current_step(
        &self,
    ) -> Option<(
        &crate::domain::procedure::Procedure,
        &crate::domain::procedure::Step,
    )> {
        let t = self.focused_ticket()?;
        let p = self.org.procedure_for(&t.kind)?;
        let step = p.step(t.current_step.as_deref()?)?;
        Some((p, step))
    }

    /// The complete-step popup: one "name: " line per field the step requires, and a `to:`
    /// line when the step may lead to more than one next step.
    fn open_complete_step(&mut self) -> Vec<Cmd> {
        let Some((_, step)) = self.current_step() else {
            self.warn(self.cat.t("flash.no_step"));
            return Vec::new();
        };
        let mut lines: Vec<String> = step.requires.iter().map(|f| format!("{f}: ")).collect();
        if step.next.len() > 1 {
            lines.push(format!("to: {}", step.next.join(" | ")));
        }
        let targets = self.targets();
        if targets.is_empty() {
            return self.nothing_selected();
        }
        let mut area = TextArea::from(if lines.is_empty() {
            vec![String::new()]
        } else {
            lines
        });
        area.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        self.popup = Some(Popup::Text(TextPopup {
            purpose: TextPurpose::CompleteStep,
            targets,
            area,
            dirty: false,
            last_saved: None,
        }));
        Vec::new()
    }

    pub fn classify_priority(&self, form: &ClassifyForm) -> Option<String> {
        let impact = form.fields.get(3)?.value()?;
        let urgency = form.fields.get(4)?.value()?;
        self.org
            .priority
            .priority(impact, urgency)
            .map(str::to_string)
    }

    fn new_ticket_form(&self) -> NewTicketForm {
        let lang = self.cat.lang().code();
        let line = |placeholder: String| {
            let mut t = TextArea::default();
            t.set_placeholder_text(placeholder);
            t
        };
        let mut description = TextArea::default();
        description.set_placeholder_text(self.cat.t("popup.placeholder"));
        description.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        let blank = || PickItem {
            label: "—".into(),
            value: String::new(),
        };
        let mut apps = vec![blank()];
        apps.extend(self.org.applications.iter().map(|a| PickItem {
            label: format!("{} — {}", a.code, a.name),
            value: a.code.clone(),
        }));
        let mut units = vec![blank()];
        units.extend(self.org.units.iter().map(|u| PickItem {
            label: format!("{} — {}", u.code, u.name),
            value: u.code.clone(),
        }));
        let groups: Vec<PickItem> = self
            .org
            .groups
            .iter()
            .map(|g| PickItem {
                label: g.name.get(lang).to_string(),
                value: g.id.clone(),
            })
            .collect();
        let group_sel = groups
            .iter()
            .position(|g| {
                g.value == crate::domain::ticket::intake_group_for(&self.org, &self.me.login)
            })
            .unwrap_or(0);
        NewTicketForm {
            title: line(self.cat.t("field.title")),
            description,
            requester: line(self.cat.t("field.requester_name")),
            phone: line(self.cat.t("field.phone")),
            choices: vec![
                coded_choice(&self.org.kinds, "field.kind", None, false, lang),
                coded_choice(&self.org.channels, "field.channel", None, false, lang),
                ChoiceField {
                    label_id: "field.application",
                    options: apps,
                    selected: 0,
                    query: String::new(),
                },
                coded_choice(&self.org.categories, "field.category", None, true, lang),
                ChoiceField {
                    label_id: "field.unit",
                    options: units,
                    selected: 0,
                    query: String::new(),
                },
                coded_choice(
                    &self.org.priority.impact,
                    "field.impact",
                    Some(&self.org.default_impact),
                    false,
                    lang,
                ),
                coded_choice(
                    &self.org.priority.urgency,
                    "field.urgency",
                    Some(&self.org.default_urgency),
                    false,
                    lang,
                ),
                ChoiceField {
                    label_id: "field.group",
                    options: groups,
                    selected: group_sel,
                    query: String::new(),
                },
            ],
            focus: 0,
            similar: Vec::new(),
            similar_requirements: Vec::new(),
            similar_generation: 0,
            similar_for: String::new(),
            dirty: false,
            last_saved: None,
        }
    }

    /// Single, reversible-enough changes go straight through; bulk and hard-to-undo ones
    /// pass the one confirmation path.
    fn apply_or_confirm(
        &mut self,
        pending: Vec<Pending>,
        needs_confirm: fn(&[Pending]) -> bool,
    ) -> Vec<Cmd> {
        if needs_confirm(&pending) {
            self.confirm(pending)
        } else {
            vec![Cmd::Apply(pending)]
        }
    }

    fn confirm(&mut self, pending: Vec<Pending>) -> Vec<Cmd> {
        let mut lines = vec![self.cat.f("confirm.header", &[("count", &pending.len())])];
        for p in &pending {
            lines.push(format!("  {}: {}", p.key, self.describe_change(&p.change)));
        }
        self.popup = Some(Popup::Confirm(ConfirmPopup {
            lines,
            pending,
            after: Vec::new(),
            next: None,
        }));
        Vec::new()
    }

    fn describe_change(&self, change: &Change) -> String {
        let cat = &self.cat;
        let lang = cat.lang().code();
        let group = |g: &Option<String>| {
            g.as_deref()
                .and_then(|id| self.org.group(id))
                .map(|g| g.name.get(lang).to_string())
                .unwrap_or_else(|| cat.t("popup.next_tier"))
        };
        match change {
            Change::Edit(_) => cat.t("action.edit_ticket"),
            Change::Reply { .. } => cat.t("action.reply"),
            Change::Note { .. } => cat.t("action.note"),
            Change::RequesterReply { .. } => cat.t("action.requester_reply"),
            Change::Attach { .. } => cat.t("action.attach"),
            Change::SlaEscalate { clock } => cat.f(
                "sla.escalate_reason",
                &[("clock", &cat.t(&format!("sla.{clock}")))],
            ),
            Change::SlaNotice { clock } => cat.f(
                "sla.notify_lead",
                &[
                    ("clock", &cat.t(&format!("sla.{clock}"))),
                    ("lead", &"—"),
                    ("phone", &"—"),
                ],
            ),
            Change::Assign { to, group: g } => cat.f(
                "confirm.assign",
                &[
                    ("to", &to.clone().unwrap_or_else(|| "—".into())),
                    ("group", &group(g)),
                ],
            ),
            Change::Classify(_) => cat.t("action.classify"),
            Change::SetStatus { to, .. } => {
                cat.f("confirm.status", &[("status", &describe::status(cat, *to))])
            }
            Change::Escalate {
                group: g,
                reason,
                external_ref,
            } => match external_ref {
                Some(r) => cat.f(
                    "confirm.escalate_vendor",
                    &[("group", &group(g)), ("ref", r), ("reason", reason)],
                ),
                None => cat.f(
                    "confirm.escalate",
                    &[("group", &group(g)), ("reason", reason)],
                ),
            },
            Change::Transfer { group: g, reason } => cat.f(
                "confirm.transfer",
                &[
                    ("group", &group(&Some(g.clone()))),
                    ("reason", &reason.clone().unwrap_or_else(|| "—".into())),
                ],
            ),
            Change::Return { reason } => cat.f("confirm.return", &[("reason", reason)]),
            Change::Link {
                relation, target, ..
            } => match relation {
                LinkRelation::DuplicateOf => cat.f("event.linked_duplicate", &[("target", target)]),
                LinkRelation::ChildOf => cat.f("event.linked_child", &[("target", target)]),
            },
            Change::Resolve { resolution } => {
                cat.f("event.resolved", &[("resolution", resolution)])
            }
            Change::Confirm { via, .. } => cat.f(
                "confirm.requester_confirmed",
                &[(
                    "via",
                    &self
                        .org
                        .channel(via)
                        .map(|c| c.name.get(lang).to_string())
                        .unwrap_or_else(|| via.clone()),
                )],
            ),
            Change::AutoClose { after } => cat.f("event.auto_closed", &[("after", after)]),
            Change::Requirement(_) => cat.t("action.requirement"),
            Change::Reopen { reason } => cat.f("event.reopened", &[("reason", reason)]),
            Change::CompleteStep { .. } => cat.t("action.complete_step"),
            Change::ReturnStep { to, reason } => {
                cat.f("confirm.return_step", &[("to", to), ("reason", reason)])
            }
        }
    }

    fn on_popup_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        // Ctrl-C works everywhere, but never throws typed text away without asking.
        if !matches!(self.popup, Some(Popup::QuitConfirm(_)))
            && self.keymap.lookup(&[Context::Global], &key) == Some(Action::ForceQuit)
        {
            return self.run_action(Action::Quit, None);
        }
        let contexts = self.contexts();
        let action = self.keymap.lookup(&contexts, &key);
        let Some(popup) = self.popup.take() else {
            return Vec::new();
        };
        match popup {
            Popup::Help { scroll } => {
                // Scrolling stops with the last line at the bottom of the overlay.
                let last = crate::ui::layout::help_max_scroll(self, self.size);
                let page = usize::from(
                    crate::ui::layout::inner(crate::ui::layout::help_area(self.size)).height,
                )
                .saturating_sub(1)
                .max(1);
                let scroll = scroll.min(last);
                let to = match action {
                    Some(Action::Down) => Some(scroll + 1),
                    Some(Action::Up) => Some(scroll.saturating_sub(1)),
                    Some(Action::PageDown) => Some(scroll + page),
                    Some(Action::PageUp) => Some(scroll.saturating_sub(page)),
                    Some(Action::Top) => Some(0),
                    Some(Action::Bottom) => Some(last),
                    Some(Action::Quit) | Some(Action::Back) | Some(Action::Help) => None,
                    Some(Action::ForceQuit) => {
                        self.quit = true;
                        None
                    }
                    _ => Some(scroll),
                };
                if let Some(to) = to {
                    self.popup = Some(Popup::Help {
                        scroll: to.min(last),
                    });
                }
                Vec::new()
            }
            Popup::QuitConfirm(previous) => match action {
                Some(Action::Yes) => {
                    // Replies, notes, resolutions and the new-ticket form are kept as drafts.
                    self.popup = previous.map(|p| *p);
                    self.quit = true;
                    self.keep_drafts()
                }
                _ => {
                    self.popup = previous.map(|p| *p);
                    self.say(self.cat.t("flash.quit_cancelled"));
                    Vec::new()
                }
            },
            Popup::LeaveForm(f) => match action {
                Some(Action::Yes) => {
                    self.say(self.cat.t("flash.form_kept"));
                    vec![form_draft(&f)]
                }
                Some(Action::Discard) => {
                    self.say(self.cat.t("flash.form_discarded"));
                    vec![Cmd::DeleteDraft {
                        ticket: String::new(),
                        purpose: NEW_TICKET_DRAFT.into(),
                    }]
                }
                Some(Action::No) => {
                    self.popup = Some(Popup::NewTicket(f));
                    Vec::new()
                }
                _ => {
                    self.popup = Some(Popup::LeaveForm(f));
                    Vec::new()
                }
            },
            Popup::Confirm(c) => match action {
                Some(Action::Yes) => {
                    let mut cmds = Vec::new();
                    if !c.pending.is_empty() {
                        cmds.push(Cmd::Apply(c.pending));
                    }
                    cmds.extend(c.after);
                    self.popup = c.next.map(|n| Popup::Confirm(*n));
                    cmds
                }
                Some(Action::No) if c.next.is_some() => {
                    self.popup = c.next.map(|n| Popup::Confirm(*n));
                    Vec::new()
                }
                Some(Action::No) => {
                    // Back to the text that led here, if any, so nothing typed is lost.
                    match self.pending_text.take() {
                        Some(t) => self.popup = Some(Popup::Text(t)),
                        None => self.say(self.cat.t("flash.cancelled")),
                    }
                    Vec::new()
                }
                _ => {
                    self.popup = Some(Popup::Confirm(c));
                    Vec::new()
                }
            },
            Popup::Conflict(c) => match (action, key.code) {
                (Some(Action::Yes), _) => {
                    // The text goes on waiting for the save: once applied its draft is
                    // deleted (else `r` would offer it again and it could be sent twice);
                    // another conflict or an error hands it back.
                    self.pending_text = c.text;
                    vec![Cmd::Apply(c.retry)]
                }
                (_, KeyCode::Char('e')) if c.text.is_some() => {
                    self.popup = c.text.map(Popup::Text);
                    Vec::new()
                }
                (Some(Action::No), _) => {
                    let mut cmds = Vec::new();
                    if let Some(t) = &c.text
                        && let (Some(purpose), Some(target)) =
                            (t.purpose.draft_name(), t.targets.first())
                    {
                        cmds.push(Cmd::SaveDraft {
                            ticket: target.key.clone(),
                            purpose: purpose.into(),
                            text: t.text(),
                        });
                        self.say(self.cat.t("flash.draft_kept"));
                    }
                    cmds.extend(self.refresh_all());
                    cmds
                }
                _ => {
                    self.popup = Some(Popup::Conflict(c));
                    Vec::new()
                }
            },
            Popup::Text(t) => self.on_text_key(t, key, action),
            Popup::Picker(p) => self.on_picker_key(p, key, action),
            Popup::Classify(f) => self.on_classify_key(f, key, action),
            Popup::NewTicket(f) => self.on_new_ticket_key(f, key, action),
            Popup::EditTicket(f) => self.on_edit_key(f, key, action),
        }
    }

    fn on_text_key(&mut self, mut t: TextPopup, key: KeyEvent, action: Option<Action>) -> Vec<Cmd> {
        match action {
            Some(Action::Cancel) => {
                let mut cmds = Vec::new();
                if let (Some(purpose), Some(target)) = (t.purpose.draft_name(), t.targets.first())
                    && !t.text().trim().is_empty()
                {
                    cmds.push(Cmd::SaveDraft {
                        ticket: target.key.clone(),
                        purpose: purpose.into(),
                        text: t.text(),
                    });
                    self.say(self.cat.t("flash.draft_kept"));
                }
                cmds
            }
            Some(Action::ExternalEditor) => {
                let text = t.text();
                self.popup = Some(Popup::Text(t));
                vec![Cmd::OpenEditor(text)]
            }
            Some(Action::Submit) => self.submit_text(t),
            _ => {
                if key.code == KeyCode::Enter && t.purpose.single_line() {
                    return self.submit_text(t);
                }
                if t.area.input(key) {
                    t.dirty = true;
                }
                self.popup = Some(Popup::Text(t));
                Vec::new()
            }
        }
    }

    fn submit_text(&mut self, t: TextPopup) -> Vec<Cmd> {
        let text = crate::domain::text::normalize(&t.text());
        // A step that requires nothing is completed with nothing typed.
        if text.trim().is_empty() && !t.purpose.may_be_empty() {
            self.warn(self.cat.t("flash.empty_text"));
            self.popup = Some(Popup::Text(t));
            return Vec::new();
        }
        if let TextPurpose::CheckNote { system, result } = &t.purpose {
            return self.record_check(system.clone(), *result, text.trim().to_string());
        }
        if let TextPurpose::Announce { system } = &t.purpose {
            return self.announce_outage(system.clone(), text.trim().to_string());
        }
        if matches!(
            t.purpose,
            TextPurpose::ReqReject
                | TextPurpose::ReqAdopt
                | TextPurpose::ReqNotAdopt
                | TextPurpose::ReqPlan
        ) {
            let Some(change) = App::requirement_text_change(&t.purpose, &text) else {
                self.warn(self.cat.t("flash.req_plan_format"));
                self.popup = Some(Popup::Text(t));
                return Vec::new();
            };
            let pending = t
                .targets
                .iter()
                .map(|target| Pending {
                    key: target.key.clone(),
                    expect: Some(target.version),
                    change: change.clone(),
                })
                .collect();
            self.pending_text = Some(t);
            return vec![Cmd::Apply(pending)];
        }
        if let TextPurpose::ExternalRef { group } = &t.purpose {
            let external_ref = Some(text.trim().to_string()).filter(|r| !r.is_empty());
            let purpose = TextPurpose::Escalate {
                group: Some(group.clone()),
                external_ref,
            };
            return self.open_text_for(purpose, t.targets);
        }
        let change = |purpose: &TextPurpose| match purpose {
            TextPurpose::Reply => Change::Reply { text: text.clone() },
            TextPurpose::Note => Change::Note { text: text.clone() },
            TextPurpose::Resolve => Change::Resolve {
                resolution: text.clone(),
            },
            TextPurpose::Escalate {
                group,
                external_ref,
            } => Change::Escalate {
                group: group.clone(),
                reason: text.clone(),
                external_ref: external_ref.clone(),
            },
            TextPurpose::Transfer { group } => Change::Transfer {
                group: group.clone(),
                reason: Some(text.trim().to_string()).filter(|r| !r.is_empty()),
            },
            TextPurpose::Return => Change::Return {
                reason: text.clone(),
            },
            TextPurpose::Cancel => Change::SetStatus {
                to: Status::Cancelled,
                reason: Some(text.clone()),
            },
            TextPurpose::Reopen => Change::Reopen {
                reason: text.clone(),
            },
            TextPurpose::LinkTarget(relation) => Change::Link {
                relation: *relation,
                target: text.trim().to_string(),
                target_ancestors: Vec::new(),
            },
            TextPurpose::CompleteStep => {
                let (fields, to) = parse_step_fields(&text);
                Change::CompleteStep { fields, to }
            }
            TextPurpose::ReturnStep { to } => Change::ReturnStep {
                to: to.clone(),
                reason: text.clone(),
            },
            // Handled above: none is a ticket change of its own.
            TextPurpose::CheckNote { .. }
            | TextPurpose::Announce { .. }
            | TextPurpose::ExternalRef { .. }
            | TextPurpose::ReqReject
            | TextPurpose::ReqAdopt
            | TextPurpose::ReqNotAdopt
            | TextPurpose::ReqPlan => Change::Note { text: text.clone() },
        };
        let pending: Vec<Pending> = t
            .targets
            .iter()
            .map(|target| Pending {
                key: target.key.clone(),
                expect: Some(target.version),
                change: change(&t.purpose),
            })
            .collect();
        let hard = matches!(
            t.purpose,
            TextPurpose::ReturnStep { .. }
                | TextPurpose::Escalate { .. }
                | TextPurpose::Transfer { .. }
                | TextPurpose::Return
                | TextPurpose::Cancel
                | TextPurpose::Resolve
                | TextPurpose::LinkTarget(_)
        ) || pending.len() > 1;
        // Keep the typed text until the change is saved: a conflict hands it back.
        self.pending_text = Some(t);
        if hard {
            self.confirm(pending)
        } else {
            vec![Cmd::Apply(pending)]
        }
    }

    fn on_picker_key(&mut self, mut p: Picker, key: KeyEvent, action: Option<Action>) -> Vec<Cmd> {
        match action {
            Some(Action::Cancel) => return Vec::new(),
            Some(Action::Down) => {
                p.selected = (p.selected + 1).min(p.shown.len().saturating_sub(1));
            }
            Some(Action::Up) => p.selected = p.selected.saturating_sub(1),
            Some(Action::Submit) => return self.pick(p),
            _ => match key.code {
                KeyCode::Backspace => {
                    p.query.pop();
                    p.refilter();
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    p.query.push(c);
                    p.refilter();
                }
                _ => {}
            },
        }
        self.popup = Some(Popup::Picker(p));
        Vec::new()
    }

    fn pick(&mut self, p: Picker) -> Vec<Cmd> {
        let Some(item) = p.current().cloned() else {
            self.popup = Some(Popup::Picker(p));
            return Vec::new();
        };
        let targets = p.targets;
        let per_target = |change: Change| -> Vec<Pending> {
            targets
                .iter()
                .map(|t| Pending {
                    key: t.key.clone(),
                    expect: Some(t.version),
                    change: change.clone(),
                })
                .collect()
        };
        match p.purpose {
            PickPurpose::Palette => match Action::from_name(&item.value) {
                Some(a) => self.run_action(a, None),
                None => Vec::new(),
            },
            PickPurpose::Assign => {
                let change = match item.value.strip_prefix(GROUP_VALUE) {
                    Some(group) => Change::Assign {
                        to: None,
                        group: Some(group.to_string()),
                    },
                    None => Change::Assign {
                        to: Some(item.value),
                        group: None,
                    },
                };
                let pending = per_target(change);
                self.apply_or_confirm(pending, pending_is_bulk)
            }
            PickPurpose::Status => {
                let Ok(to) = item.value.parse::<Status>() else {
                    return Vec::new();
                };
                if to == Status::Cancelled {
                    self.popup = None;
                    return self.open_text_for(TextPurpose::Cancel, targets);
                }
                let pending = per_target(Change::SetStatus { to, reason: None });
                self.apply_or_confirm(pending, pending_is_bulk)
            }
            PickPurpose::ConfirmVia => {
                // Closing is never undone by a key: always asked.
                let pending = per_target(Change::Confirm {
                    by: None,
                    via: item.value,
                });
                self.confirm(pending)
            }
            PickPurpose::ReturnStep => {
                self.open_text_for(TextPurpose::ReturnStep { to: item.value }, targets)
            }
            PickPurpose::EscalateGroup => {
                let group = (!item.value.is_empty()).then_some(item.value);
                // A vendor has a reference of its own for the case: asked first.
                match group {
                    Some(g) if self.org.group(&g).is_some_and(|g| g.external) => {
                        self.open_text_for(TextPurpose::ExternalRef { group: g }, targets)
                    }
                    group => self.open_text_for(
                        TextPurpose::Escalate {
                            group,
                            external_ref: None,
                        },
                        targets,
                    ),
                }
            }
            PickPurpose::TransferGroup => {
                self.open_text_for(TextPurpose::Transfer { group: item.value }, targets)
            }
            PickPurpose::LinkRelation => {
                let relation = if item.value == "child_of" {
                    LinkRelation::ChildOf
                } else {
                    LinkRelation::DuplicateOf
                };
                self.open_text_for(TextPurpose::LinkTarget(relation), targets)
            }
        }
    }

    pub(crate) fn open_text_for(&mut self, purpose: TextPurpose, targets: Vec<Target>) -> Vec<Cmd> {
        let mut area = TextArea::default();
        area.set_placeholder_text(self.cat.t(if purpose.single_line() {
            "popup.placeholder_key"
        } else {
            "popup.placeholder"
        }));
        area.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        self.popup = Some(Popup::Text(TextPopup {
            purpose,
            targets,
            area,
            dirty: false,
            last_saved: None,
        }));
        Vec::new()
    }

    fn on_classify_key(
        &mut self,
        mut f: ClassifyForm,
        key: KeyEvent,
        action: Option<Action>,
    ) -> Vec<Cmd> {
        match (action, key.code) {
            (Some(Action::Cancel), _) => return Vec::new(),
            (Some(Action::Submit), _) => {
                let value = |i: usize| f.fields.get(i).and_then(|c| c.value().map(str::to_string));
                let c = Classification {
                    kind: value(0),
                    category: value(1),
                    application: value(2),
                    impact: value(3),
                    urgency: value(4),
                };
                let pending: Vec<Pending> = f
                    .targets
                    .iter()
                    .map(|t| Pending {
                        key: t.key.clone(),
                        expect: Some(t.version),
                        change: Change::Classify(c.clone()),
                    })
                    .collect();
                return self.apply_or_confirm(pending, pending_is_bulk);
            }
            (Some(Action::Down), _) | (_, KeyCode::Tab) => {
                f.focus = (f.focus + 1) % f.fields.len().max(1)
            }
            (Some(Action::Up), _) | (_, KeyCode::BackTab) => {
                f.focus = (f.focus + f.fields.len().max(1) - 1) % f.fields.len().max(1)
            }
            (_, KeyCode::Right) => {
                if let Some(c) = f.fields.get_mut(f.focus) {
                    c.cycle(true)
                }
            }
            (_, KeyCode::Left) => {
                if let Some(c) = f.fields.get_mut(f.focus) {
                    c.cycle(false)
                }
            }
            (_, KeyCode::Backspace) => {
                if let Some(c) = f.fields.get_mut(f.focus) {
                    c.query.pop();
                }
            }
            (_, KeyCode::Char(ch)) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                if let Some(c) = f.fields.get_mut(f.focus) {
                    c.type_char(ch)
                }
            }
            _ => {}
        }
        self.popup = Some(Popup::Classify(f));
        Vec::new()
    }

    fn on_new_ticket_key(
        &mut self,
        mut f: Box<NewTicketForm>,
        key: KeyEvent,
        action: Option<Action>,
    ) -> Vec<Cmd> {
        match (action, key.code) {
            (Some(Action::Cancel), _) => {
                // Esc on a choice being searched ends only the search.
                if let Some(c) = f
                    .focus
                    .checked_sub(NewTicketForm::TEXT_FIELDS)
                    .and_then(|i| f.choices.get_mut(i))
                    && !c.query.is_empty()
                {
                    c.query.clear();
                    self.popup = Some(Popup::NewTicket(f));
                    return Vec::new();
                }
                // Nothing typed: nothing to lose (and no draft left behind).
                if !f.has_text() {
                    return vec![Cmd::DeleteDraft {
                        ticket: String::new(),
                        purpose: NEW_TICKET_DRAFT.into(),
                    }];
                }
                // Never thrown away with one key: ask (keep as draft is the default).
                self.popup = Some(Popup::LeaveForm(f));
                return Vec::new();
            }
            (Some(Action::ExternalEditor), _) => {
                // The long text of the form is written in $EDITOR.
                f.focus = 1;
                let text = f.description.lines().join("\n");
                self.popup = Some(Popup::NewTicket(f));
                return vec![Cmd::OpenEditor(text)];
            }
            (Some(Action::Submit), _) => {
                let line = |t: &TextArea<'static>| t.lines().join(" ").trim().to_string();
                let opt = |s: String| (!s.is_empty()).then_some(s);
                let new = NewTicket {
                    title: line(&f.title),
                    description: f.description.lines().join("\n"),
                    kind: f.choice("field.kind"),
                    channel: f.choice("field.channel"),
                    requester: Requester {
                        name: opt(line(&f.requester)),
                        unit: f.choice("field.unit"),
                        phone: opt(line(&f.phone)),
                        email: None,
                    },
                    application: f.choice("field.application"),
                    category: f.choice("field.category"),
                    impact: f.choice("field.impact"),
                    urgency: f.choice("field.urgency"),
                    group: f.choice("field.group"),
                    assignee: None,
                    received_at: None,
                };
                if new.title.is_empty() {
                    self.warn(self.cat.t("flash.title_required"));
                    f.focus = 0;
                    self.popup = Some(Popup::NewTicket(f));
                    return Vec::new();
                }
                self.popup = Some(Popup::NewTicket(f));
                return vec![Cmd::Create(new)];
            }
            (_, KeyCode::Tab) => f.focus = (f.focus + 1) % f.field_count(),
            (_, KeyCode::BackTab) => f.focus = (f.focus + f.field_count() - 1) % f.field_count(),
            _ => {
                f.dirty = true;
                let i = f.focus;
                match i {
                    0 | 2 | 3 => {
                        if key.code == KeyCode::Enter {
                            f.focus += 1;
                        } else {
                            let area = match i {
                                0 => &mut f.title,
                                2 => &mut f.requester,
                                _ => &mut f.phone,
                            };
                            area.input(key);
                        }
                    }
                    1 => {
                        f.description.input(key);
                    }
                    _ => {
                        if let Some(c) = f.choices.get_mut(i - NewTicketForm::TEXT_FIELDS) {
                            match key.code {
                                KeyCode::Right | KeyCode::Down => c.cycle(true),
                                KeyCode::Left | KeyCode::Up => c.cycle(false),
                                KeyCode::Backspace => {
                                    c.query.pop();
                                }
                                KeyCode::Enter => f.focus = (f.focus + 1) % f.field_count(),
                                KeyCode::Char(ch)
                                    if !key.modifiers.contains(KeyModifiers::CONTROL) =>
                                {
                                    c.type_char(ch)
                                }
                                _ => {}
                            }
                        }
                    }
                }
            }
        }
        // Look for duplicates and articles as the title (and description) take shape.
        let text = format!(
            "{} {}",
            f.title.lines().join(" "),
            f.description.lines().join(" ")
        );
        let text = text.trim().to_string();
        // A requirement also looks among the requirements already submitted: choosing the
        // kind searches again.
        let requirements =
            f.choice("field.kind").as_deref() == Some(crate::domain::ticket::REQUIREMENT_KIND);
        let wanted = format!("{requirements} {text}");
        let mut cmds = Vec::new();
        if wanted != f.similar_for && text.chars().count() >= 4 {
            f.similar_for = wanted;
            f.similar_generation += 1;
            if !requirements {
                f.similar_requirements.clear();
            }
            cmds.push(Cmd::FindSimilar {
                generation: f.similar_generation,
                text,
                duplicates: true,
                requirements,
            });
        }
        self.popup = Some(Popup::NewTicket(f));
        cmds
    }

    fn on_loaded(&mut self, loaded: Loaded) -> Vec<Cmd> {
        match loaded {
            Loaded::Requirements(r) => {
                self.on_requirements_loaded(*r);
                Vec::new()
            }
            Loaded::Report(r) => {
                self.on_report_loaded(r);
                Vec::new()
            }
            Loaded::ReportWritten(path) => {
                let path = crate::inert::one_line(&path.display().to_string());
                self.say(self.cat.f("report.written", &[("path", &path)]));
                Vec::new()
            }
            Loaded::Counts { cells, direct } => {
                self.counts = self
                    .queues
                    .iter()
                    .enumerate()
                    .map(|(i, q)| {
                        q.count(&self.me, &cells, self.now).unwrap_or_else(|| {
                            direct.iter().find(|(j, _)| *j == i).map_or(0, |(_, n)| *n)
                        })
                    })
                    .collect();
                Vec::new()
            }
            Loaded::Page {
                generation,
                rows,
                append,
                keep,
                limit,
                total,
            } => {
                if generation != self.list.generation {
                    return Vec::new(); // an answer for a list no longer shown
                }
                self.list.loading = false;
                if !append {
                    self.list.filtered = total;
                }
                self.list.more = rows.len() >= limit;
                let page_keys: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
                let before_key = self.selected_key();
                if append {
                    self.list.rows.extend(rows);
                } else {
                    self.list.rows = rows;
                    let wanted = keep.or(before_key.clone());
                    self.list.cursor = wanted
                        .and_then(|k| self.list.rows.iter().position(|r| r.key == k))
                        .unwrap_or_else(|| {
                            self.list.cursor.min(self.list.rows.len().saturating_sub(1))
                        });
                }
                // Marks belong to tickets, not to the list shown: they stay when the queue or
                // the filter changes, and follow the version now shown.
                for r in &self.list.rows {
                    if let Some(v) = self.marked.get_mut(&r.key) {
                        *v = r.version;
                    }
                }
                let mut cmds = Vec::new();
                if !append {
                    self.sla.clear();
                }
                if !page_keys.is_empty() {
                    cmds.push(Cmd::LoadSla(page_keys));
                }
                if self.selected_key() != before_key || self.preview.is_none() || !append {
                    cmds.extend(self.preview_cmd());
                }
                cmds
            }
            Loaded::Preview(t, events) => {
                if Some(&t.key) == self.list.selected().map(|r| &r.key) {
                    self.preview = Some((*t, events));
                }
                Vec::new()
            }
            Loaded::Detail(t, events, files) => {
                let (scroll, description_open) = self
                    .detail
                    .as_ref()
                    .filter(|d| d.ticket.key == t.key)
                    .map(|d| (d.scroll, d.description_open))
                    .unwrap_or((0, false));
                self.detail = Some(Detail {
                    ticket: *t,
                    events,
                    files: *files,
                    scroll,
                    description_open,
                });
                Vec::new()
            }
            Loaded::Applied(done) => {
                self.after_saved(&done);
                let linked = self.linked_offer_cmds(&done);
                if let Some(t) = self.pending_text.take()
                    && let (Some(purpose), Some(target)) =
                        (t.purpose.draft_name(), t.targets.first())
                {
                    return [
                        vec![Cmd::DeleteDraft {
                            ticket: target.key.clone(),
                            purpose: purpose.into(),
                        }],
                        self.refresh_all(),
                        linked,
                    ]
                    .concat();
                }
                [self.refresh_all(), linked].concat()
            }
            Loaded::Conflict {
                done,
                conflict,
                failed,
                rest,
            } => {
                self.after_saved(&done);
                // The console's words: keys, not the command line's `--expect-version`.
                let text = format!(
                    "{}\n{}",
                    describe::conflict_changes(&self.cat, &self.org, &conflict),
                    self.cat.t("conflict.nothing_saved")
                );
                let mut retry = vec![Pending {
                    expect: Some(conflict.current),
                    ..failed
                }];
                retry.extend(rest);
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                lines.push(String::new());
                let kept = self.pending_text.take().map(|mut t| {
                    for target in t.targets.iter_mut() {
                        if target.key == conflict.key {
                            target.version = conflict.current;
                        }
                    }
                    t
                });
                lines.push(self.cat.t(if kept.is_some() {
                    "conflict.choices_text"
                } else {
                    "conflict.choices"
                }));
                self.popup = Some(Popup::Conflict(ConflictPopup {
                    lines,
                    retry,
                    text: kept,
                }));
                let mut cmds = vec![self.load_counts()];
                cmds.extend(self.reload_list(self.selected_key()));
                cmds
            }
            Loaded::Created(t) => {
                self.popup = None;
                self.say(self.cat.f(
                    "ticket.created",
                    &[("key", &t.key), ("priority", &t.priority)],
                ));
                self.offer_incident_link(&t);
                // Created: the form's draft has done its work.
                let mut cmds = vec![Cmd::DeleteDraft {
                    ticket: String::new(),
                    purpose: NEW_TICKET_DRAFT.into(),
                }];
                cmds.extend(self.refresh_all());
                // The operator goes on working the request just recorded: it opens.
                self.knowledge = None;
                cmds.push(Cmd::LoadDetail(t.key.clone()));
                cmds
            }
            Loaded::Failed { done, message } => {
                self.after_saved(&done);
                if let Some(t) = self.pending_text.take() {
                    self.popup = Some(Popup::Text(t));
                }
                self.warn(message);
                if done.is_empty() {
                    Vec::new()
                } else {
                    self.refresh_all()
                }
            }
            Loaded::DataVersion(v) => {
                let changed = self.data_version.is_some_and(|old| old != v);
                self.data_version = Some(v);
                if !changed {
                    return Vec::new();
                }
                // Another process committed: show it, and help keep the search index current
                // (whoever gets the index writer first applies the change).
                let mut cmds = self.refresh_all();
                cmds.push(Cmd::SyncIndex);
                if let Some(k) = &mut self.knowledge
                    && !k.query.is_empty()
                {
                    k.generation += 1;
                    cmds.push(Cmd::Search {
                        generation: k.generation,
                        query: k.query.clone(),
                        filters: k.filters(),
                    });
                }
                cmds
            }
            Loaded::Draft {
                ticket,
                purpose,
                text,
            } => {
                if let (Some(Popup::NewTicket(f)), Some(text)) = (&mut self.popup, &text)
                    && ticket.is_empty()
                    && purpose == NEW_TICKET_DRAFT
                    && !f.has_text()
                    && f.restore_draft(text)
                {
                    self.say(self.cat.t("flash.form_restored"));
                    return Vec::new();
                }
                if let (Some(Popup::Text(t)), Some(text)) = (&mut self.popup, text) {
                    let same = t.targets.first().map(|x| x.key.as_str()) == Some(ticket.as_str())
                        && t.purpose.draft_name() == Some(purpose.as_str());
                    if same && t.text().is_empty() {
                        t.area = text_area(&text);
                        self.flash = Some(Flash {
                            text: self.cat.t("flash.draft_restored"),
                            error: false,
                        });
                    }
                }
                Vec::new()
            }
            Loaded::Found { generation, found } => {
                if let Some(k) = &mut self.knowledge
                    && k.generation == generation
                {
                    k.results = found;
                    k.cursor = 0;
                    k.scroll = 0;
                }
                Vec::new()
            }
            Loaded::SearchFailed {
                generation,
                message,
            } => {
                if let Some(k) = &mut self.knowledge
                    && k.generation == generation
                {
                    k.results.clear();
                    k.cursor = 0;
                    k.scroll = 0;
                }
                self.warn(message);
                Vec::new()
            }
            Loaded::IndexNote(note) => {
                let Some(k) = &mut self.knowledge else {
                    return Vec::new();
                };
                let was = std::mem::replace(&mut k.index_note, note);
                // Another process finished writing: what it committed is searchable now.
                if matches!(was, Some(IndexNote::Updating(_))) && note.is_none() {
                    return self.search_again();
                }
                Vec::new()
            }
            Loaded::IndexReady => {
                if let Some(k) = &mut self.knowledge {
                    k.index_note = None;
                }
                self.search_again()
            }
            Loaded::Similar {
                generation,
                found,
                requirements,
            } => {
                if let Some(k) = &mut self.knowledge
                    && k.generation == generation
                {
                    k.results = found.clone();
                    k.cursor = 0;
                }
                if let Some(Popup::NewTicket(f)) = &mut self.popup
                    && f.similar_generation == generation
                {
                    f.similar = found;
                    f.similar_requirements = requirements;
                }
                Vec::new()
            }
            Loaded::Sla(list) => {
                self.sla.extend(list);
                Vec::new()
            }
            // What the rules changed reaches this console like any other commit.
            Loaded::SlaTicked(next) => {
                self.sla_cursor = next;
                Vec::new()
            }
            Loaded::AnnouncementSaved { id, resolved } => {
                let msg = if resolved {
                    "announce.resolved"
                } else {
                    "announce.created"
                };
                self.say(self.cat.f(msg, &[("id", &id)]));
                vec![Cmd::LoadAnnouncements]
            }
            other @ (Loaded::Announcements(_)
            | Loaded::Check { .. }
            | Loaded::CheckRecorded { .. }
            | Loaded::ProbesAccepted(_)
            | Loaded::Probes(_)
            | Loaded::CheckIncident { .. }
            | Loaded::CheckFinalised(_)
            | Loaded::CheckReport(_)
            | Loaded::CheckHistory(_)
            | Loaded::Linked { .. }
            | Loaded::LinkedResolved { .. }) => self.on_check_loaded(other),
            Loaded::MailResent { ticket, to } => {
                self.say(self.cat.f("flash.mail_resent", &[("to", &to)]));
                match &self.detail {
                    Some(d) if d.ticket.key == ticket => vec![Cmd::LoadDetail(ticket)],
                    _ => Vec::new(),
                }
            }
            Loaded::ArticleDrafted(reference) => {
                self.say(self.cat.f("flash.article_drafted", &[("ref", &reference)]));
                Vec::new()
            }
            Loaded::ArticleForEdit(input, faq) => {
                let reference = input.reference.clone();
                self.edit_article_text(Some(reference), crate::domain::kb::template(&input, faq))
            }
            Loaded::ArticleDone(message) => {
                self.say(message);
                // The results change with it (a new or published article appears, a retired
                // one goes).
                match &mut self.knowledge {
                    Some(k) => k.reload().into_iter().collect(),
                    None => Vec::new(),
                }
            }
            Loaded::EditorFailed(editor) => {
                self.article_edit = None;
                self.warn(self.cat.f("flash.editor_failed", &[("editor", &editor)]));
                Vec::new()
            }
            Loaded::NoEditor => {
                self.article_edit = None;
                self.warn(self.cat.t("flash.no_editor"));
                Vec::new()
            }
            Loaded::EditorText(text) if self.article_edit.is_some() => {
                match self.article_edit.take() {
                    Some(edit) => self.article_written(edit, text),
                    None => Vec::new(),
                }
            }
            Loaded::EditorText(text) => {
                match &mut self.popup {
                    Some(Popup::Text(t)) => {
                        t.area = text_area(&text);
                        t.dirty = true;
                    }
                    Some(Popup::NewTicket(f)) => {
                        f.description = text_area(&text);
                        f.dirty = true;
                    }
                    Some(Popup::EditTicket(f)) => {
                        if let Some(d) = f.texts.get_mut(crate::ui::edit::DESCRIPTION) {
                            *d = text_area(&text);
                        }
                    }
                    _ => {}
                }
                Vec::new()
            }
        }
    }

    fn after_saved(&mut self, done: &[(Ticket, Event)]) {
        if done.is_empty() {
            return;
        }
        self.marked.clear();
        let keys: Vec<&str> = done.iter().map(|(t, _)| t.key.as_str()).collect();
        let what = done
            .last()
            .map(|(_, e)| describe::event(&self.cat, &self.org, e))
            .unwrap_or_default();
        self.say(self.cat.f(
            "flash.saved",
            &[("keys", &keys.join(", ")), ("what", &what)],
        ));
        if let Some(d) = &mut self.detail
            && let Some((t, _)) = done.iter().find(|(t, _)| t.key == d.ticket.key)
        {
            d.ticket = t.clone();
        }
    }
}

/// A choice among coded entries (kinds, categories, levels…) in the operator's language,
/// with "—" first when the field may stay empty, starting at `current`.
pub(crate) fn coded_choice(
    list: &[crate::domain::org::Coded],
    label_id: &'static str,
    current: Option<&str>,
    blank: bool,
    lang: &str,
) -> ChoiceField {
    let mut options = Vec::new();
    if blank {
        options.push(PickItem {
            label: "—".into(),
            value: String::new(),
        });
    }
    options.extend(list.iter().map(|c| PickItem {
        label: c.name.get(lang).to_string(),
        value: c.id.clone(),
    }));
    let selected = current
        .and_then(|v| options.iter().position(|o| o.value == v))
        .unwrap_or(0);
    ChoiceField {
        label_id,
        options,
        selected,
        query: String::new(),
    }
}

/// The command that keeps a text popup's text as its draft, if it has a draft kind (reply,
/// note, resolution), one ticket and something typed.
fn text_draft(t: &TextPopup) -> Option<Cmd> {
    let (Some(purpose), [target]) = (t.purpose.draft_name(), t.targets.as_slice()) else {
        return None;
    };
    let text = t.text();
    (!text.trim().is_empty()).then(|| Cmd::SaveDraft {
        ticket: target.key.clone(),
        purpose: purpose.into(),
        text,
    })
}

/// The command that keeps the new-ticket form as its draft.
fn form_draft(f: &NewTicketForm) -> Cmd {
    Cmd::SaveDraft {
        ticket: String::new(),
        purpose: NEW_TICKET_DRAFT.into(),
        text: if f.has_text() {
            f.draft_text()
        } else {
            String::new() // an empty draft is deleted
        },
    }
}

/// The drafts a popup holds: its text, the text kept by a conflict, the form, or what is
/// under a quit question.
fn popup_drafts(p: &Popup, out: &mut Vec<Cmd>) {
    match p {
        Popup::Text(t) => out.extend(text_draft(t)),
        Popup::Conflict(c) => out.extend(c.text.as_ref().and_then(text_draft)),
        Popup::NewTicket(f) | Popup::LeaveForm(f) if f.has_text() => out.push(form_draft(f)),
        Popup::QuitConfirm(Some(previous)) => popup_drafts(previous, out),
        _ => {}
    }
}

/// "name: value" lines of the complete-step popup; a `to:` line chooses the next step.
fn parse_step_fields(text: &str) -> (std::collections::BTreeMap<String, String>, Option<String>) {
    let mut fields = std::collections::BTreeMap::new();
    let mut to = None;
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k == "to" || k == "→" {
            to = (!v.is_empty()).then(|| v.to_string());
        } else if !k.is_empty() && !v.is_empty() {
            fields.insert(k.to_string(), v.to_string());
        }
    }
    (fields, to)
}

/// A text area holding `text`, wrapped, with the cursor after its end: typing goes on from
/// where the text stops (a restored draft, a solution put into a reply, text back from
/// `$EDITOR`), never in front of it (issue 15).
fn text_area(text: &str) -> TextArea<'static> {
    let mut area = TextArea::from(text.lines().map(str::to_string).collect::<Vec<_>>());
    area.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
    area.move_cursor(ratatui_textarea::CursorMove::Bottom);
    area.move_cursor(ratatui_textarea::CursorMove::End);
    area
}

/// More than one ticket at once always asks first.
fn pending_is_bulk(p: &[Pending]) -> bool {
    p.len() > 1
}
