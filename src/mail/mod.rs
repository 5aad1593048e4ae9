//! Reading mail (issue 12): a raw RFC 5322 message turned into what the intake needs — the
//! sender, subject, text, references, noise headers and attachments — with the `mail-parser`
//! crate (multipart, quoted-printable, base64, RFC 2047 words, the charsets Vietnamese mail
//! uses including windows-1258; HTML-only mail through its HTML-to-text conversion). The
//! rules over these values are in [`crate::domain::mail`]; the Maildir folder in [`maildir`].

/// IMAP mailboxes: connecting, which messages to take, reading and marking them.
pub mod imap;
/// Maildir folders: which messages to take, and marking them taken.
pub mod maildir;
pub mod smtp;
/// VISCII, which `mail-parser` does not decode.
pub mod viscii;

use crate::domain::mail::{self as rules, NoiseHeaders};
use crate::store::NewAttachment;
use chrono::{DateTime, Utc};
use mail_parser::{MessageParser, MimeHeaders};
use std::io::Read;
use std::path::Path;

/// How much of a mail over the size limit is read for its headers, bytes.
const HEADER_PEEK: u64 = 256 * 1024;

/// One mail as the intake sees it.
#[derive(Debug, Clone)]
pub struct InboundMail {
    /// [`rules::message_key`]: `mid:…` or `sha256:…`.
    pub key: String,
    /// The Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// The sender's address, lower case (empty if none).
    pub from: String,
    /// The sender's display name.
    pub from_name: Option<String>,
    /// The subject, decoded (RFC 2047), NFC.
    pub subject: String,
    /// The text ([`rules::body_text`]): the first text part, or the HTML one turned into
    /// text.
    pub body: String,
    /// The headers that tell automatic mail from a person's.
    pub noise: NoiseHeaders,
    /// `In-Reply-To` and `References`, nearest first ([`rules::references`]).
    pub references: Vec<String>,
    /// When it arrived: the newest `Received:` date, else `Date:`.
    pub arrived: Option<DateTime<Utc>>,
    /// Size of the raw mail, bytes.
    pub size: u64,
    /// The attachments, named safely; empty for a mail over the limit.
    pub attachments: Vec<NewAttachment>,
    /// Over the configured size: only its headers were read.
    pub too_large: bool,
}

/// Why a mail could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Read a mail file: whole when it is within `max_bytes`, else only its first
/// [`HEADER_PEEK`] bytes for the headers (the key of a mail without Message-ID is then the
/// hash of the whole file, read in pieces and never kept).
pub fn read_file(path: &Path, max_bytes: u64) -> Result<InboundMail, ReadError> {
    let io = |source| ReadError::Io {
        path: path.display().to_string(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size <= max_bytes {
        let raw = std::fs::read(path).map_err(io)?;
        return Ok(parse(&raw, max_bytes));
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut head = Vec::new();
    (&mut file)
        .take(HEADER_PEEK)
        .read_to_end(&mut head)
        .map_err(io)?;
    let mut mail = parse_headers_only(&head, size);
    if mail.message_id.is_none() {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(&head);
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let hex: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        mail.key = format!("sha256:{hex}");
    }
    Ok(mail)
}

/// Parse a raw mail. One larger than `max_bytes` keeps its headers only
/// ([`InboundMail::too_large`]). Never fails: what cannot be parsed is empty.
pub fn parse(raw: &[u8], max_bytes: u64) -> InboundMail {
    let size = raw.len() as u64;
    if size > max_bytes {
        let mut m = parse_headers_only(&raw[..raw.len().min(HEADER_PEEK as usize)], size);
        if m.message_id.is_none() {
            m.key = rules::message_key(None, raw);
        }
        return m;
    }
    let parser = MessageParser::default();
    let Some(msg) = parser.parse(raw) else {
        return empty(raw, size);
    };
    let mut mail = headers_of(&msg, size);
    mail.key = rules::message_key(mail.message_id.as_deref(), raw);
    let body = viscii_body(&msg)
        .or_else(|| msg.body_text(0).map(|b| b.into_owned()))
        .unwrap_or_default();
    mail.body = rules::body_text(&body);
    for (i, part) in msg.attachments().enumerate() {
        // A mail forwarded as an attachment is kept as a file too (message/rfc822).
        let data = part.contents().to_vec();
        let media = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_string(),
            })
            .unwrap_or_default();
        let name = part
            .attachment_name()
            .and_then(rules::safe_file_name)
            .unwrap_or_else(|| format!("attachment-{}", i + 1));
        mail.attachments.push(NewAttachment {
            name,
            media_type: rules::media_type(&media),
            data,
        });
    }
    mail
}

/// The first text body decoded from VISCII, when that is its charset (`mail-parser` would
/// read it as UTF-8 and lose the letters): its raw bytes, the transfer encoding undone,
/// decoded by [`viscii::decode`]; HTML turned into text as `mail-parser` does.
fn viscii_body(msg: &mail_parser::Message<'_>) -> Option<String> {
    let part = msg.text_part(0)?;
    let charset = part.content_type()?.attribute("charset")?;
    if !viscii::is_viscii(charset) {
        return None;
    }
    let raw = msg.raw_message();
    let (from, to) = (
        part.raw_body_offset() as usize,
        part.raw_end_offset() as usize,
    );
    let bytes = raw.get(from..to.min(raw.len()))?;
    let decoded = match part
        .content_transfer_encoding()
        .map(|e| e.trim().to_ascii_lowercase())
        .as_deref()
    {
        Some("base64") => mail_parser::decoders::base64::base64_decode(bytes)?,
        Some("quoted-printable") => {
            mail_parser::decoders::quoted_printable::quoted_printable_decode(bytes)?
        }
        _ => bytes.to_vec(),
    };
    let text = viscii::decode(&decoded);
    Some(if part.is_text_html() {
        mail_parser::decoders::html::html_to_text(&text)
    } else {
        text
    })
}

/// A mail over the size limit known by its header alone (`head`, the raw header block) and
/// its whole `size` in bytes, as an IMAP server gives it: without a Message-ID its key is the
/// hash of the header block, which holds the servers' `Received:` lines.
pub fn parse_head(head: &[u8], size: u64) -> InboundMail {
    let mut mail = parse_headers_only(head, size);
    if mail.message_id.is_none() {
        mail.key = rules::message_key(None, head);
    }
    mail
}

fn empty(raw: &[u8], size: u64) -> InboundMail {
    InboundMail {
        key: rules::message_key(None, raw),
        message_id: None,
        from: String::new(),
        from_name: None,
        subject: String::new(),
        body: rules::body_text(&String::from_utf8_lossy(raw)),
        noise: NoiseHeaders::default(),
        references: Vec::new(),
        arrived: None,
        size,
        attachments: Vec::new(),
        too_large: false,
    }
}

fn parse_headers_only(head: &[u8], size: u64) -> InboundMail {
    let parser = MessageParser::default();
    let mut mail = match parser.parse_headers(head) {
        Some(msg) => headers_of(&msg, size),
        None => empty(head, size),
    };
    mail.body = String::new();
    mail.too_large = true;
    if let Some(id) = &mail.message_id {
        mail.key = rules::message_key(Some(id), head);
    }
    mail
}

/// The display name of the first address of a raw `From` header when it is written in
/// VISCII encoded words (`=?VISCII?B?…?= <a@b>`), decoded; `None` otherwise.
fn viscii_display_name(raw: Option<&str>) -> Option<String> {
    let raw = raw?;
    let name = match raw.find('<') {
        Some(open) => &raw[..open],
        None => raw.split(',').next().unwrap_or(raw),
    };
    let name = name.trim().trim_matches('"').trim();
    viscii::decode_header_words(name).map(|n| n.trim().to_string())
}

fn text_list(v: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    match v {
        mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
        mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

fn headers_of(msg: &mail_parser::Message<'_>, size: u64) -> InboundMail {
    let message_id = msg
        .message_id()
        .map(rules::clean_message_id)
        .filter(|m| !m.is_empty());
    let sender = msg.from().and_then(|a| a.first());
    let from = sender
        .and_then(|a| a.address())
        .map(|a| a.trim().to_lowercase())
        .unwrap_or_default();
    // Encoded words in VISCII, which mail-parser reads as UTF-8 (losing the letters), are
    // decoded from the raw header by hotro's own table.
    let from_name = viscii_display_name(msg.header_raw("From"))
        .or_else(|| sender.and_then(|a| a.name()).map(str::to_string))
        .map(|n| crate::domain::text::normalize_line(&n))
        .filter(|n| !n.is_empty());
    let subject = crate::domain::text::normalize_line(
        &msg.header_raw("Subject")
            .and_then(viscii::decode_header_words)
            .unwrap_or_else(|| msg.subject().unwrap_or_default().to_string()),
    );
    let raw = |name: &str| msg.header_raw(name).map(|v| v.trim().to_string());
    let root = msg.root_part();
    let (content_type, report_type) = match root.content_type() {
        Some(ct) => (
            match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
                None => ct.ctype().to_ascii_lowercase(),
            },
            ct.attribute("report-type").map(|r| r.to_ascii_lowercase()),
        ),
        None => ("text/plain".into(), None),
    };
    let noise = NoiseHeaders {
        auto_submitted: raw("Auto-Submitted"),
        precedence: raw("Precedence"),
        x_autoreply: msg.header_raw("X-Autoreply").is_some()
            || msg.header_raw("X-Autorespond").is_some(),
        list_id: raw("List-Id"),
        list_unsubscribe: msg.header_raw("List-Unsubscribe").is_some(),
        content_type,
        report_type,
        from: from.clone(),
        null_return_path: raw("Return-Path").is_some_and(|r| r.replace(' ', "") == "<>"),
    };
    let references = rules::references(&text_list(msg.in_reply_to()), &text_list(msg.references()));
    let stamp = |ts: i64| DateTime::<Utc>::from_timestamp(ts, 0);
    let arrived = msg
        .received()
        .and_then(|r| r.date.as_ref())
        .and_then(|d| stamp(d.to_timestamp()))
        .or_else(|| msg.date().and_then(|d| stamp(d.to_timestamp())));
    InboundMail {
        key: String::new(),
        message_id,
        from,
        from_name,
        subject,
        body: String::new(),
        noise,
        references,
        arrived,
        size,
        attachments: Vec::new(),
        too_large: false,
    }
}
