//! The outgoing half of the e-mail channel (issue 12, deliver 5): what a public reply to a
//! requester with an e-mail address becomes — the mail's address, subject, body and
//! Message-ID — and how its delivery is retried. Pure: the store keeps the outbox in the
//! reply's own transaction, a sender delivers it (`hotro mail send`).
//!
//! - The subject carries the ticket key (`Re: [HT-2026-000123] title`), so an answer that
//!   lost its threading headers still finds its ticket ([`crate::domain::mail`]).
//! - The Message-ID is made of the ticket key and the reply event's version, unique and the
//!   same however often the delivery is tried: `<HT-2026-000123.v4@kbnn.example>`.
//! - The body is the reply in the requester's language from the templates of
//!   `assets/mail/reply.<lang>.txt` (Vietnamese unless the request is written in Chinese).
//! - A temporary failure (a 4xx answer, a server that cannot be reached) is tried again
//!   after 1, 2, 4 … minutes, at most an hour apart, [`MAX_ATTEMPTS`] times in all; a
//!   permanent one (a 5xx answer, an address the server refuses) is not tried again.

use crate::domain::org::Organisation;
use crate::domain::ticket::Ticket;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// How many times a mail is tried before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 10;

/// The longest wait between two tries, in minutes.
pub const MAX_RETRY_MINUTES: i64 = 60;

/// The reply templates, by language (`{name}`, `{text}`, `{key}`, `{title}`, `{desk}`).
const TEMPLATES: [(&str, &str); 3] = [
    ("vi", include_str!("../../assets/mail/reply.vi.txt")),
    ("en", include_str!("../../assets/mail/reply.en.txt")),
    ("zh", include_str!("../../assets/mail/reply.zh.txt")),
];

/// The acknowledgement templates, by language (`{name}`, `{key}`, `{title}`, `{desk}`).
const ACK_TEMPLATES: [(&str, &str); 3] = [
    ("vi", include_str!("../../assets/mail/ack.vi.txt")),
    ("en", include_str!("../../assets/mail/ack.en.txt")),
    ("zh", include_str!("../../assets/mail/ack.zh.txt")),
];

/// The templates a desk may override (`[mail] templates = "DIR"`: `reply.vi.txt`,
/// `ack.zh.txt`, … in DIR replace the shipped ones file by file), each with the
/// placeholders it may use.
pub const TEMPLATE_KINDS: [(&str, &[&str]); 2] = [
    ("reply", &["name", "text", "key", "title", "desk"]),
    ("ack", &["name", "key", "title", "desk"]),
];

/// The languages a template exists in.
pub const TEMPLATE_LANGS: [&str; 3] = ["vi", "en", "zh"];

/// The placeholders of template `text` (kind `kind`, see [`TEMPLATE_KINDS`]) that it may
/// not use: each `{word}` (letters, digits, `_`) not among the kind's, in order of first
/// appearance. Empty when the template is usable. Braces around anything else (`{ }`,
/// `{1, 2}`) are text, left as written.
pub fn unknown_placeholders(kind: &str, text: &str) -> Vec<String> {
    let known = TEMPLATE_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[][..], |(_, p)| *p);
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        if let Some(close) = after.find('}') {
            let word = &after[..close];
            if !word.is_empty()
                && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !known.contains(&word)
                && !out.iter().any(|w| w == word)
            {
                out.push(word.to_string());
            }
        }
        rest = after;
    }
    out
}

/// `[mail.smtp]`: where the outbox is delivered. `url`: `smtps://host:465` (TLS from the
/// start), `smtp://host:587?tls=required` (STARTTLS), or `smtp://127.0.0.1:25` (no TLS: a
/// relay on the same host). The password is read from `password_file` or the
/// `HOTRO_SMTP_PASSWORD` environment variable, never from the configuration itself or the
/// command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmtpSettings {
    pub url: String,
    pub user: Option<String>,
    pub password_file: Option<std::path::PathBuf>,
}

/// A mail to send: what the outbox keeps for one public reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutgoingMail {
    pub ticket: String,
    /// The version of the reply event it carries.
    pub version: i64,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Without angle brackets: `HT-2026-000123.v4@kbnn.example`.
    pub message_id: String,
}

/// Where a mail of the outbox is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Waiting for its (next) try.
    Pending,
    /// Claimed by a sender: in its hands while its lease runs; after that either certainly
    /// not handed over (no DATA mark: queued again by itself) or uncertain (see
    /// [`Standing`]).
    Sending,
    Sent,
    /// Given up: a permanent refusal, or [`MAX_ATTEMPTS`] temporary ones.
    Failed,
}

impl Delivery {
    /// Every state, in the order of a mail's life.
    pub const ALL: [Delivery; 4] = [
        Delivery::Pending,
        Delivery::Sending,
        Delivery::Sent,
        Delivery::Failed,
    ];

    /// The state's name (stored, and the catalog's `mail.delivery.<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Pending => "pending",
            Delivery::Sending => "sending",
            Delivery::Sent => "sent",
            Delivery::Failed => "failed",
        }
    }

    /// The state of a stored name.
    pub fn parse(s: &str) -> Option<Delivery> {
        Delivery::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// How long a sender holds a claimed mail, in minutes: longer than everything one handover
/// may take (a connection, TLS, login and each SMTP command time out after 30 s each in
/// [`crate::mail::smtp`]). A claim whose lease ran out without reaching the DATA mark was
/// never handed over, so the next pass queues it again by itself ([`standing`]).
pub const LEASE_MINUTES: i64 = 10;

/// When a claim made at `now` runs out.
pub fn lease_until(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::minutes(LEASE_MINUTES)
}

/// Where a mail of the outbox stands as people see it: its stored [`Delivery`], with a mail
/// left `sending` told apart by its claim's lease and DATA mark (schema 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Waiting for its (next) try.
    Pending,
    /// A sender holds it now (its lease runs).
    Sending,
    /// Its sender stopped before the message was handed over (the lease ran out before the
    /// DATA mark): certainly not delivered, the next pass of the sender queues it again.
    Stalled,
    /// Its sender stopped after the message's DATA began, or lost the connection while the
    /// server was taking it: it may have arrived, so it is never sent again by itself; a
    /// person checks and sends it again (`hotro mail resend`, or the console).
    Uncertain,
    Sent,
    /// Given up: a permanent refusal, or [`MAX_ATTEMPTS`] temporary ones.
    Failed,
}

impl Standing {
    /// Every standing, in the order of a mail's life.
    pub const ALL: [Standing; 6] = [
        Standing::Pending,
        Standing::Sending,
        Standing::Stalled,
        Standing::Uncertain,
        Standing::Sent,
        Standing::Failed,
    ];

    /// Its name (the catalog's `mail.delivery.<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Pending => "pending",
            Standing::Sending => "sending",
            Standing::Stalled => "stalled",
            Standing::Uncertain => "uncertain",
            Standing::Sent => "sent",
            Standing::Failed => "failed",
        }
    }

    /// Whether a person may send it again by hand (`hotro mail resend`, the console): it
    /// failed for good, or it may or may not have arrived and no sender holds it.
    pub fn resendable(self) -> bool {
        matches!(self, Standing::Uncertain | Standing::Failed)
    }
}

/// Where a mail stored as `state` stands at `now`: a `sending` mail whose claim's lease
/// (`lease_until`) still runs is in a sender's hands; once it ran out, the mail is
/// [`Standing::Stalled`] when its sender never reached the DATA mark (`data_at`), else
/// [`Standing::Uncertain`]. A claim without a lease (made before schema 14) is uncertain:
/// nothing says how far it got.
pub fn standing(
    state: Delivery,
    lease_until: Option<DateTime<Utc>>,
    data_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Standing {
    match state {
        Delivery::Pending => Standing::Pending,
        Delivery::Sent => Standing::Sent,
        Delivery::Failed => Standing::Failed,
        Delivery::Sending => match lease_until {
            Some(until) if until > now => Standing::Sending,
            Some(_) if data_at.is_none() => Standing::Stalled,
            _ => Standing::Uncertain,
        },
    }
}

/// The language a requester is answered in: Chinese when the request is written in Chinese,
/// else Vietnamese (the desk's working language; Vietnamese is often typed without
/// diacritics, so plain ASCII is no sign of English).
pub fn requester_language(t: &Ticket) -> &'static str {
    let cjk = |s: &str| {
        s.chars()
            .any(|c| matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF))
    };
    if cjk(&t.title) || cjk(&t.description) {
        "zh"
    } else {
        "vi"
    }
}

/// The desk's sending address: `[mail] from`, else its first own address. `None` when the
/// configuration has no mail channel (then nothing is queued).
pub fn sender_address(org: &Organisation) -> Option<&str> {
    org.mail.intake_operator.as_ref()?;
    org.mail
        .from
        .as_deref()
        .or(org.mail.addresses.first().map(String::as_str))
}

/// The mail a public reply `text` (event `version` of ticket `t`) becomes: `None` when the
/// requester has no usable e-mail address or the desk has no sending address.
pub fn reply_mail(
    org: &Organisation,
    t: &Ticket,
    version: i64,
    text: &str,
) -> Option<OutgoingMail> {
    compose(org, t, version, ("reply", &TEMPLATES), text, "Re: ")
}

/// The acknowledgement a new request's requester gets, with its key (`[mail]
/// acknowledge = true`; off by default): `None` when it is off, or as for [`reply_mail`].
pub fn acknowledgement(org: &Organisation, t: &Ticket) -> Option<OutgoingMail> {
    if !org.mail.acknowledge {
        return None;
    }
    compose(org, t, t.version, ("ack", &ACK_TEMPLATES), "", "")
}

fn compose(
    org: &Organisation,
    t: &Ticket,
    version: i64,
    (kind, shipped): (&str, &[(&str, &str); 3]),
    text: &str,
    prefix: &str,
) -> Option<OutgoingMail> {
    let from = sender_address(org)?;
    let to = t.requester.email.as_deref()?.trim();
    if !plausible_address(to) {
        return None;
    }
    let domain = from.rsplit_once('@').map_or("hotro.invalid", |(_, d)| d);
    let lang = requester_language(t);
    // The desk's own file for this kind and language, else the shipped one.
    let template = org
        .mail
        .templates
        .get(&format!("{kind}.{lang}"))
        .map(String::as_str)
        .or_else(|| shipped.iter().find(|(l, _)| *l == lang).map(|(_, b)| *b))
        .unwrap_or(shipped[0].1);
    let name = t.requester.name.as_deref().unwrap_or(to);
    let body = fill(
        template,
        &[
            ("name", name),
            ("text", text),
            ("key", &t.key),
            ("title", &t.title),
            ("desk", &org.name),
        ],
    );
    Some(OutgoingMail {
        ticket: t.key.clone(),
        version,
        from: from.to_string(),
        to: to.to_string(),
        subject: format!("{prefix}[{}] {}", t.key, one_line(&t.title)),
        body,
        message_id: format!("{}.v{version}@{domain}", t.key),
    })
}

/// When a mail that failed for the `attempts`-th time (1 for the first) is tried again: 1,
/// 2, 4 … minutes later, at most [`MAX_RETRY_MINUTES`]; `None` once [`MAX_ATTEMPTS`] are
/// spent.
pub fn next_try(attempts: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let minutes = 1i64
        .checked_shl((attempts - 1).clamp(0, 20) as u32)
        .unwrap_or(MAX_RETRY_MINUTES)
        .min(MAX_RETRY_MINUTES);
    Some(now + Duration::minutes(minutes.max(1)))
}

/// An address with one `@`, something on both sides and no spaces or angle brackets (the
/// server judges the rest).
fn plausible_address(a: &str) -> bool {
    let mut parts = a.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(l), Some(d), None)
        if !l.is_empty() && d.contains('.') && !a.contains(|c: char| c.is_whitespace() || c == '<' || c == '>'))
}

/// Header text on one line (a title with a line break would end the header).
fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `{name}` placeholders replaced, each once per occurrence, in one pass (a value holding
/// `{text}` is not expanded again).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if values.iter().any(|(n, _)| *n == name) => {
                let value = values.iter().find(|(n, _)| *n == name).map_or("", |v| v.1);
                out.push_str(value);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ticket(title: &str, email: Option<&str>) -> Ticket {
        let org = crate::config::embedded().org;
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap();
        let new = crate::domain::ticket::NewTicket {
            title: title.into(),
            requester: crate::domain::ticket::Requester {
                name: Some("Phan Thị Thu".into()),
                email: email.map(str::to_string),
                ..Default::default()
            },
            ..Default::default()
        };
        let ctx = crate::domain::ticket::Ctx {
            org: &org,
            actor: "nguyenvanan",
            now,
            by: None,
        };
        let (mut t, _) = crate::domain::ticket::create(&new, ctx).unwrap();
        t.key = "HT-2026-000123".into();
        t
    }

    #[test]
    fn a_reply_becomes_a_mail_with_the_key_in_subject_and_message_id() {
        let org = crate::config::embedded().org;
        let t = ticket(
            "Không in được\nchứng từ",
            Some("keyuser.badinh@kbnn.example"),
        );
        let m = reply_mail(&org, &t, 4, "Đã xử lý {key} xong.").unwrap();
        assert_eq!(m.to, "keyuser.badinh@kbnn.example");
        assert_eq!(m.subject, "Re: [HT-2026-000123] Không in được chứng từ");
        assert_eq!(m.message_id, "HT-2026-000123.v4@kbnn.example");
        assert!(m.body.starts_with("Kính gửi Phan Thị Thu,"), "{}", m.body);
        // The operator's text is not expanded as a template.
        assert!(m.body.contains("Đã xử lý {key} xong."), "{}", m.body);
        assert!(m.body.contains("Mã yêu cầu: HT-2026-000123"), "{}", m.body);
        // Chinese requests are answered in Chinese.
        let zh = ticket("打印失败", Some("a@b.example"));
        assert!(
            reply_mail(&org, &zh, 2, "好")
                .unwrap()
                .body
                .contains("您好")
        );
        // No address, or one that cannot be an address: nothing to send.
        assert!(reply_mail(&org, &ticket("x", None), 2, "t").is_none());
        assert!(reply_mail(&org, &ticket("x", Some("a b@c.example")), 2, "t").is_none());
        assert!(reply_mail(&org, &ticket("x", Some("a@b@c.example")), 2, "t").is_none());
    }

    #[test]
    fn an_acknowledgement_goes_only_when_configured() {
        let mut org = crate::config::embedded().org;
        let t = ticket(
            "Không in được chứng từ",
            Some("keyuser.badinh@kbnn.example"),
        );
        assert!(acknowledgement(&org, &t).is_none(), "off by default");
        org.mail.acknowledge = true;
        let m = acknowledgement(&org, &t).unwrap();
        assert_eq!(m.subject, "[HT-2026-000123] Không in được chứng từ");
        assert_eq!(m.message_id, "HT-2026-000123.v1@kbnn.example");
        assert!(m.body.contains("đã tiếp nhận yêu cầu"), "{}", m.body);
    }

    #[test]
    fn an_overriding_template_is_used_for_its_kind_and_language_only() {
        let mut org = crate::config::embedded().org;
        org.mail
            .templates
            .insert("reply.vi".into(), "Chào {name}: {text} ({key})\n".into());
        let t = ticket("Không in được", Some("keyuser.badinh@kbnn.example"));
        let m = reply_mail(&org, &t, 4, "Xong.").unwrap();
        assert_eq!(m.body, "Chào Phan Thị Thu: Xong. (HT-2026-000123)\n");
        // The acknowledgement and the Chinese reply keep the shipped text.
        org.mail.acknowledge = true;
        assert!(
            acknowledgement(&org, &t)
                .unwrap()
                .body
                .contains("đã tiếp nhận")
        );
        let zh = ticket("打印失败", Some("a@b.example"));
        assert!(
            reply_mail(&org, &zh, 2, "好")
                .unwrap()
                .body
                .contains("您好")
        );
    }

    #[test]
    fn unknown_placeholders_are_found() {
        assert!(unknown_placeholders("reply", "{name} {text} {key} {title} {desk}").is_empty());
        assert_eq!(unknown_placeholders("ack", "{name} {text}"), ["text"]);
        assert_eq!(
            unknown_placeholders("reply", "{nmae} {nmae} { } {1, 2} {ticket_no}"),
            ["nmae", "ticket_no"]
        );
        // The shipped templates use only their own.
        for (l, body) in TEMPLATES {
            assert!(unknown_placeholders("reply", body).is_empty(), "reply.{l}");
        }
        for (l, body) in ACK_TEMPLATES {
            assert!(unknown_placeholders("ack", body).is_empty(), "ack.{l}");
        }
    }

    #[test]
    fn retries_back_off_to_an_hour_then_stop() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap();
        let wait = |n| next_try(n, now).map(|t| (t - now).num_minutes());
        assert_eq!(wait(1), Some(1));
        assert_eq!(wait(2), Some(2));
        assert_eq!(wait(4), Some(8));
        assert_eq!(wait(7), Some(60));
        assert_eq!(wait(MAX_ATTEMPTS - 1), Some(60));
        assert_eq!(wait(MAX_ATTEMPTS), None);
    }

    #[test]
    fn a_claim_is_stalled_or_uncertain_by_its_lease_and_data_mark() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap();
        let lease = Some(lease_until(now));
        let data = Some(now);
        let s = |lease, data, at| standing(Delivery::Sending, lease, data, at);
        assert_eq!(s(lease, None, now), Standing::Sending);
        assert_eq!(s(lease, data, now), Standing::Sending);
        let later = now + Duration::minutes(LEASE_MINUTES);
        assert_eq!(s(lease, None, later), Standing::Stalled);
        assert_eq!(s(lease, data, later), Standing::Uncertain);
        // A claim from before leases: nothing says how far it got.
        assert_eq!(s(None, None, later), Standing::Uncertain);
        assert_eq!(standing(Delivery::Sent, lease, data, later), Standing::Sent);
        assert!(Standing::Uncertain.resendable() && Standing::Failed.resendable());
        assert!(!Standing::Stalled.resendable() && !Standing::Sending.resendable());
    }

    #[test]
    fn delivery_states_round_trip() {
        for d in Delivery::ALL {
            assert_eq!(Delivery::parse(d.as_str()), Some(d));
        }
        assert_eq!(Delivery::parse("lost"), None);
    }
}
