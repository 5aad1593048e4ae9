//! The e-mail channel's rules (issue 12): which mail is noise, which ticket a mail answers,
//! what an attachment may be called, when a sender is sending too much, and the settings
//! of the desk's mailbox. Plain rules over values already parsed from a mail: no MIME, no
//! SQL, no files.
//!
//! Sources: RFC 3834 (`Auto-Submitted`; responders must not answer automatic mail), RFC 3464
//! (delivery status notifications, `multipart/report; report-type=delivery-status`), RFC 2919
//! (`List-Id`), RFC 2369 (`List-Unsubscribe`), the de-facto `Precedence: bulk|list|junk` and
//! `X-Autoreply`/`X-Autorespond` of vacation responders, RFC 5322 (`Message-ID`,
//! `In-Reply-To`, `References`).

use crate::domain::text;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Default largest mail taken, in bytes (20 MB): larger mail is refused whole.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;
/// Default number of mails one sender may open or add to tickets per window.
pub const DEFAULT_RATE_LIMIT: u32 = 20;
/// Default window of the rate limit (one hour).
pub const DEFAULT_RATE_WINDOW_MINUTES: i64 = 60;
/// Longest attachment file name kept, in bytes of UTF-8 (most file systems allow 255).
pub const MAX_FILE_NAME_BYTES: usize = 200;

/// Every outcome of taking a mail, as stored: a ticket opened or answered, or why none was.
pub const OUTCOMES: [&str; 9] = [
    "created",
    "replied",
    "auto_reply",
    "bounce",
    "list",
    "loop",
    "no_sender",
    "rate_limited",
    "too_large",
];

/// A known requester: address → person and unit (`[[mail.senders]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownSender {
    /// The address, lower case.
    pub address: String,
    /// The person's name as the desk writes it.
    pub name: String,
    /// Their unit's code (`[[units]]`), if known.
    pub unit: Option<String>,
    /// Their phone, if known.
    pub phone: Option<String>,
}

/// The desk's mailbox settings (`[mail]` in the configuration). Without a `[mail]` section
/// there is no intake (`intake_operator` is `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailSettings {
    /// The service operator the intake records as (e.g. `hotro-mail`): its events name it.
    pub intake_operator: Option<String>,
    /// Largest mail taken, in bytes; a larger one is refused whole and noted in the intake
    /// log (`hotro mail log`).
    pub max_bytes: u64,
    /// How many mails one sender may turn into tickets or replies within `rate_window`;
    /// more are held back as a probable mail loop.
    pub rate_limit: u32,
    /// The rate limit's window.
    pub rate_window: Duration,
    /// The desk's own addresses, lower case: mail from them is a loop, never a request.
    pub addresses: Vec<String>,
    /// Known requesters.
    pub senders: Vec<KnownSender>,
    /// The channel id mail-born tickets get (`email`).
    pub channel: String,
    /// The address replies are sent from (`[mail] from`; the first own address when absent).
    pub from: Option<String>,
    /// The submission server the outbox is delivered to (`[mail.smtp]`); none: replies wait
    /// in the outbox.
    pub smtp: Option<crate::domain::outbox::SmtpSettings>,
    /// Whether a new request's requester gets an acknowledgement with its key by mail
    /// (`[mail] acknowledge`, off by default).
    pub acknowledge: bool,
    /// The desk's own mail templates (`[mail] templates = "DIR"`), read and checked when the
    /// configuration is loaded: `kind.lang` (`reply.vi`, `ack.zh`, …) → text, replacing the
    /// shipped `assets/mail/<kind>.<lang>.txt`; the others stay as shipped.
    pub templates: std::collections::BTreeMap<String, String>,
    /// The desk's mailbox on an IMAP server (`[mail.imap]`), taken by `hotro mail fetch
    /// --imap` and `hotro mail watch --imap`.
    pub imap: Option<ImapSettings>,
}

/// How the intake talks to the IMAP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ImapSecurity {
    /// TLS from the first byte (`imaps://`, port 993).
    Tls,
    /// A plain connection upgraded by STARTTLS, which the server must offer (`imap://`).
    StartTls,
    /// No TLS (`imap://…?tls=none`): allowed to this host only ([`is_loopback_host`]).
    Plain,
}

/// `[mail.imap]`: where the desk's mailbox is. The password is read from `password_file`
/// or the `HOTRO_IMAP_PASSWORD` environment variable, never from the configuration itself
/// or the command line (issue 12, deliver 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub security: ImapSecurity,
    /// The folder taken from (`INBOX` by default), its IMAP name.
    pub folder: String,
    pub user: String,
    pub password_file: Option<std::path::PathBuf>,
    /// Certificate authorities (PEM) trusted beside the public ones, e.g. a ministry's own.
    pub ca_file: Option<std::path::PathBuf>,
    /// Where a taken mail is moved; `None`: it is flagged `\Seen` and stays, and only
    /// unseen mail is taken.
    pub move_to: Option<String>,
}

/// Whether `host` names this machine (`localhost`, 127.0.0.0/8, `::1`): the only place a
/// password may travel without TLS.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            intake_operator: None,
            max_bytes: DEFAULT_MAX_BYTES,
            rate_limit: DEFAULT_RATE_LIMIT,
            rate_window: Duration::minutes(DEFAULT_RATE_WINDOW_MINUTES),
            addresses: Vec::new(),
            senders: Vec::new(),
            channel: "email".into(),
            from: None,
            smtp: None,
            acknowledge: false,
            templates: std::collections::BTreeMap::new(),
            imap: None,
        }
    }
}

impl MailSettings {
    /// The known requester of an address (compared without case).
    pub fn sender(&self, address: &str) -> Option<&KnownSender> {
        let a = address.trim().to_lowercase();
        self.senders.iter().find(|s| s.address == a)
    }

    /// Whether the address is one of the desk's own.
    pub fn is_own(&self, address: &str) -> bool {
        let a = address.trim().to_lowercase();
        self.addresses.contains(&a)
    }
}

/// The headers that tell automatic mail from a person's, as found in a mail (values as
/// written, already decoded; absent headers `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoiseHeaders {
    /// `Auto-Submitted` (RFC 3834): anything but `no` is automatic mail.
    pub auto_submitted: Option<String>,
    /// `Precedence`: `bulk`, `list`, `junk` (lists) or `auto_reply`.
    pub precedence: Option<String>,
    /// `X-Autoreply` or `X-Autorespond` present (any value).
    pub x_autoreply: bool,
    /// `List-Id` (RFC 2919).
    pub list_id: Option<String>,
    /// `List-Unsubscribe` present (RFC 2369).
    pub list_unsubscribe: bool,
    /// The top-level media type, lower case (`multipart/report`).
    pub content_type: String,
    /// `report-type` of a `multipart/report`, lower case.
    pub report_type: Option<String>,
    /// The sender's address, lower case (empty when the mail has none).
    pub from: String,
    /// `Return-Path: <>`: the null sender of bounces.
    pub null_return_path: bool,
}

/// What kind of mail this is, for the intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailClass {
    /// A person's mail: a request, or a reply to one.
    Normal,
    /// An automatic answer (out of office, vacation, any `Auto-Submitted` other than `no`).
    AutoReply,
    /// A delivery status notification (bounce).
    Bounce,
    /// Mailing-list or bulk traffic.
    List,
    /// Mail from the desk's own address: answering it would loop.
    Loop,
    /// No sender address at all: there is nobody to answer.
    NoSender,
}

impl MailClass {
    /// Stable name (stored as the intake outcome).
    pub fn as_str(self) -> &'static str {
        match self {
            MailClass::Normal => "normal",
            MailClass::AutoReply => "auto_reply",
            MailClass::Bounce => "bounce",
            MailClass::List => "list",
            MailClass::Loop => "loop",
            MailClass::NoSender => "no_sender",
        }
    }
}

/// Classify a mail by its headers (RFC 3834, 3464, 2919, 2369). Bounces first (a DSN is
/// often also `Auto-Submitted: auto-replied`), then automatic answers, then list traffic.
pub fn classify(h: &NoiseHeaders, settings: &MailSettings) -> MailClass {
    let lower = |v: &Option<String>| v.as_deref().map(|s| s.trim().to_ascii_lowercase());
    let from_local = h.from.split('@').next().unwrap_or_default();
    if h.content_type == "multipart/report"
        || h.report_type.as_deref() == Some("delivery-status")
        || (h.null_return_path && matches!(from_local, "mailer-daemon" | "postmaster"))
    {
        return MailClass::Bounce;
    }
    let auto = lower(&h.auto_submitted);
    if h.x_autoreply
        || auto.as_deref().is_some_and(|a| !a.is_empty() && a != "no")
        || matches!(
            lower(&h.precedence).as_deref(),
            Some("auto_reply" | "auto-reply")
        )
    {
        return MailClass::AutoReply;
    }
    if h.list_id.is_some()
        || h.list_unsubscribe
        || matches!(
            lower(&h.precedence).as_deref(),
            Some("bulk" | "list" | "junk")
        )
    {
        return MailClass::List;
    }
    if h.from.is_empty() {
        return MailClass::NoSender;
    }
    if settings.is_own(&h.from) {
        return MailClass::Loop;
    }
    MailClass::Normal
}

/// The key a mail is known by, so the same mail taken twice is recognised: its Message-ID
/// (angle brackets and surrounding blanks removed) as `mid:…`, or, for a mail without one,
/// `sha256:` and the SHA-256 of its raw bytes (hex).
pub fn message_key(message_id: Option<&str>, raw: &[u8]) -> String {
    match message_id.map(clean_message_id).filter(|m| !m.is_empty()) {
        Some(m) => format!("mid:{m}"),
        None => format!("sha256:{}", sha256_hex(raw)),
    }
}

/// A Message-ID without angle brackets and blanks.
pub fn clean_message_id(raw: &str) -> String {
    raw.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string()
}

/// SHA-256 of bytes, lower-case hex (64 characters).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The ticket a mail answers, if any. The references (`In-Reply-To` then `References`,
/// newest first) that name a message of a ticket come first — they are what the mail
/// program wrote; then a ticket key in the subject. `by_reference` is the ticket of each
/// reference the store knows; `in_subject` the keys of the subject that are tickets.
pub fn thread_target(by_reference: &[String], in_subject: &[String]) -> Option<String> {
    by_reference.first().or_else(|| in_subject.first()).cloned()
}

/// The references of a mail, nearest first: `In-Reply-To`, then `References` from the
/// newest (last) to the oldest, cleaned, without repeats.
pub fn references(in_reply_to: &[String], references: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in in_reply_to.iter().chain(references.iter().rev()) {
        let c = clean_message_id(r);
        if !c.is_empty() && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// A ticket title from a mail subject: reply and forward prefixes (`Re:`, `Fwd:`, `TL:`,
/// `Trả lời:`, `Chuyển tiếp:`, `回复:`, `转发:`, `AW:`, `WG:`…) removed, NFC, one line, at
/// most [`text::MAX_TITLE_CHARS`] characters. An empty subject gives the body's first
/// non-empty line, and failing that the sender's address.
pub fn title_of(subject: &str, body: &str, from: &str) -> String {
    const PREFIXES: [&str; 14] = [
        "re",
        "fw",
        "fwd",
        "tl",
        "trả lời",
        "chuyển tiếp",
        "aw",
        "wg",
        "sv",
        "vs",
        "回复",
        "回覆",
        "转发",
        "答复",
    ];
    let mut s = text::normalize_line(subject).replace(['\n', '\t'], " ");
    loop {
        let trimmed = s.trim_start();
        let lower = trimmed.to_lowercase();
        let cut = PREFIXES.iter().find_map(|p| {
            let rest = lower.strip_prefix(p)?;
            let rest = rest.trim_start();
            let colon = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))?;
            // The same number of bytes from the end in the original (lowercasing these
            // prefixes keeps their length).
            Some(trimmed.len() - colon.len())
        });
        match cut {
            Some(at) if at <= trimmed.len() && trimmed.is_char_boundary(at) => {
                s = trimmed[at..].trim_start().to_string();
            }
            _ => break,
        }
    }
    let mut title = s.trim().to_string();
    if title.is_empty() {
        title = body
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(text::normalize_line)
            .unwrap_or_default();
    }
    if title.is_empty() {
        title = from.to_string();
    }
    if title.is_empty() {
        title = "—".into();
    }
    truncate_chars(&title, text::MAX_TITLE_CHARS)
}

fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => s[..at].to_string(),
        None => s.to_string(),
    }
}

/// A mail body as a ticket's text: NFC (windows-1258 mail composes tones with combining
/// marks), one kind of line ending, trailing blanks and blank lines trimmed, cut to
/// [`text::MAX_TEXT_BYTES`] at a character boundary.
pub fn body_text(raw: &str) -> String {
    let t = text::normalize(raw);
    let t: String = t
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim_matches('\n')
        .to_string();
    if t.len() <= text::MAX_TEXT_BYTES {
        return t;
    }
    let mut end = text::MAX_TEXT_BYTES;
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    t[..end].to_string()
}

/// When a request that arrived by mail arrived, for its clocks: the mail's arrival time,
/// kept within what a ticket may be dated (`now - limit ..= now`): a mail dated in the
/// future (a wrong clock) counts from now, one older than the limit from the limit.
pub fn arrival(at: Option<DateTime<Utc>>, now: DateTime<Utc>, limit: Duration) -> DateTime<Utc> {
    match at {
        Some(at) if at > now => now,
        Some(at) if at < now - limit => now - limit,
        Some(at) => at,
        None => now,
    }
}

/// Whether a sender who already sent `recent` mails within the window may send another:
/// false once `limit` is reached (a mail loop, or a flood).
pub fn within_rate(recent: u64, limit: u32) -> bool {
    recent < u64::from(limit)
}

/// Whether a mail of `size` bytes may be taken.
pub fn within_size(size: u64, settings: &MailSettings) -> bool {
    size <= settings.max_bytes
}

/// A file name from a mail, made safe to show and to save: only its last path component
/// (`/` and `\` separate); NFC; control characters (C0, C1, DEL), bidirectional overrides
/// and isolates (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and zero-width
/// characters removed; characters Windows refuses (`<>:"|?*`) replaced by `_`; leading dots
/// and spaces and trailing dots and spaces removed (no hidden files, no `..`); at most
/// [`MAX_FILE_NAME_BYTES`] bytes, the extension kept. `None` when nothing is left: the
/// caller names it (`attachment-N`).
pub fn safe_file_name(raw: &str) -> Option<String> {
    let nfc: String = raw.nfc().collect();
    let last = nfc.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !is_hidden_or_control(*c))
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c => c,
        })
        .collect();
    let cleaned = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' '])
        .to_string();
    if cleaned.is_empty() {
        return None;
    }
    Some(shorten_name(&cleaned, MAX_FILE_NAME_BYTES))
}

fn is_hidden_or_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200B}'..='\u{200F}'
                | '\u{061C}'
                | '\u{FEFF}'
        )
}

/// Cut a name to `max` bytes at a character boundary, keeping a short extension.
fn shorten_name(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if name.len() - dot <= 16 && dot > 0 => (&name[..dot], &name[dot..]),
        _ => (name, ""),
    };
    let mut end = max.saturating_sub(ext.len());
    while end > 0 && !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{}", &stem[..end.min(stem.len())], ext)
}

/// One file kept with a ticket: what the audit trail records of it (the bytes are stored
/// once by their SHA-256).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedFile {
    /// Its number on the ticket, from 1 (`hotro ticket attachment save KEY N`).
    pub n: i64,
    /// The file name, made safe ([`safe_file_name`]).
    pub name: String,
    /// The media type as the mail declared it (`application/pdf`), lower case.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// A media type as stored: lower case, parameters dropped, `application/octet-stream` when
/// missing or not of the form `type/subtype`.
pub fn media_type(raw: &str) -> String {
    let t = raw
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let ok = t.split_once('/').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/+-.".contains(c))
    });
    if ok {
        t
    } else {
        "application/octet-stream".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> MailSettings {
        MailSettings {
            addresses: vec!["hotro@kbnn.example".into()],
            ..MailSettings::default()
        }
    }

    fn person() -> NoiseHeaders {
        NoiseHeaders {
            content_type: "text/plain".into(),
            from: "an@kbnn.example".into(),
            ..NoiseHeaders::default()
        }
    }

    #[test]
    fn noise_is_told_from_people() {
        let s = settings();
        assert_eq!(classify(&person(), &s), MailClass::Normal);
        let mut h = person();
        h.auto_submitted = Some("auto-replied".into());
        assert_eq!(classify(&h, &s), MailClass::AutoReply);
        h.auto_submitted = Some("no".into());
        assert_eq!(classify(&h, &s), MailClass::Normal);
        let mut h = person();
        h.x_autoreply = true;
        assert_eq!(classify(&h, &s), MailClass::AutoReply);
        let mut h = person();
        h.content_type = "multipart/report".into();
        h.auto_submitted = Some("auto-replied".into());
        assert_eq!(classify(&h, &s), MailClass::Bounce);
        let mut h = person();
        h.from = "mailer-daemon@x.example".into();
        h.null_return_path = true;
        assert_eq!(classify(&h, &s), MailClass::Bounce);
        let mut h = person();
        h.list_id = Some("<tin.kbnn.example>".into());
        assert_eq!(classify(&h, &s), MailClass::List);
        let mut h = person();
        h.precedence = Some("Bulk".into());
        assert_eq!(classify(&h, &s), MailClass::List);
        let mut h = person();
        h.from = "hotro@kbnn.example".into();
        assert_eq!(classify(&h, &s), MailClass::Loop);
        let mut h = person();
        h.from = String::new();
        assert_eq!(classify(&h, &s), MailClass::NoSender);
    }

    #[test]
    fn a_mail_is_known_by_its_id_or_its_bytes() {
        assert_eq!(message_key(Some(" <a@b> "), b"x"), "mid:a@b");
        let k = message_key(None, b"x");
        assert!(k.starts_with("sha256:") && k.len() == 7 + 64);
        assert_eq!(k, message_key(Some("<>"), b"x"));
        assert_ne!(k, message_key(None, b"y"));
    }

    #[test]
    fn references_come_nearest_first() {
        let r = references(
            &["<c@x>".into()],
            &["<a@x>".into(), "<b@x>".into(), "<c@x>".into()],
        );
        assert_eq!(r, vec!["c@x", "b@x", "a@x"]);
        assert_eq!(
            thread_target(&["HT-1".into()], &["HT-2".into()]),
            Some("HT-1".into())
        );
        assert_eq!(thread_target(&[], &["HT-2".into()]), Some("HT-2".into()));
        assert_eq!(thread_target(&[], &[]), None);
    }

    #[test]
    fn titles_lose_reply_prefixes() {
        assert_eq!(title_of("Re: RE: Fwd: Lỗi TABMIS", "", ""), "Lỗi TABMIS");
        assert_eq!(title_of("Trả lời: Lỗi", "", ""), "Lỗi");
        assert_eq!(title_of("回复：无法登录", "", ""), "无法登录");
        assert_eq!(title_of("Reports", "", ""), "Reports");
        assert_eq!(title_of("  ", "\n\n Xin chào \nb", "a@b"), "Xin chào");
        assert_eq!(title_of("", "", "a@b"), "a@b");
        assert_eq!(title_of("", "", ""), "—");
        assert_eq!(title_of(&"x".repeat(400), "", "").chars().count(), 300);
    }

    #[test]
    fn bodies_are_nfc() {
        // "Hòa" with a combining grave (windows-1258 style).
        let decomposed = "Ho\u{0300}a  \r\n\r\n";
        assert_eq!(body_text(decomposed), "Hòa");
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(
            safe_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            safe_file_name("..\\..\\boot.ini").as_deref(),
            Some("boot.ini")
        );
        assert_eq!(safe_file_name("..").as_deref(), None);
        assert_eq!(safe_file_name("").as_deref(), None);
        assert_eq!(safe_file_name("  . ").as_deref(), None);
        assert_eq!(safe_file_name(".bashrc").as_deref(), Some("bashrc"));
        assert_eq!(
            safe_file_name("invoice\u{202E}fdp.exe").as_deref(),
            Some("invoicefdp.exe")
        );
        assert_eq!(
            safe_file_name("a\u{0}b\u{1b}[31mc\u{7f}.txt").as_deref(),
            Some("ab[31mc.txt")
        );
        assert_eq!(safe_file_name("a:b?.txt").as_deref(), Some("a_b_.txt"));
        assert_eq!(
            safe_file_name("Bie\u{0302}\u{0301}n ba\u{0309}n.docx").as_deref(),
            Some("Biến bản.docx")
        );
        let long = format!("{}.pdf", "ệ".repeat(300));
        let s = safe_file_name(&long).expect("a name");
        assert!(s.len() <= MAX_FILE_NAME_BYTES && s.ends_with(".pdf"), "{s}");
    }

    #[test]
    fn rates_sizes_and_arrivals() {
        assert!(within_rate(19, 20));
        assert!(!within_rate(20, 20));
        let s = MailSettings {
            max_bytes: 10,
            ..MailSettings::default()
        };
        assert!(within_size(10, &s) && !within_size(11, &s));
        let now = Utc::now();
        let day = Duration::days(7);
        assert_eq!(arrival(Some(now + Duration::hours(1)), now, day), now);
        assert_eq!(arrival(Some(now - Duration::days(30)), now, day), now - day);
        let at = now - Duration::hours(2);
        assert_eq!(arrival(Some(at), now, day), at);
        assert_eq!(arrival(None, now, day), now);
    }

    #[test]
    fn media_types_are_plain() {
        assert_eq!(media_type("Application/PDF; name=x"), "application/pdf");
        assert_eq!(media_type(""), "application/octet-stream");
        assert_eq!(media_type("text/<script>"), "application/octet-stream");
    }
}
