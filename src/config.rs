//! The configuration file: where it is looked up, how it is parsed, and the checks that turn
//! it into an [`Organisation`]. Every error names the file, the line, the key and what is
//! expected there.

use crate::domain::key::KeyFormat;
use crate::domain::org::{
    Application, Coded, Group, Names, Operator, Organisation, PriorityMatrix, Role, Tier, Unit,
};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The shipped default, embedded so that a fresh machine needs no set-up.
pub const EMBEDDED: &str = include_str!("../config/hotro.toml");

/// Where the configuration in force came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Embedded,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Embedded => f.write_str("<embedded default config>"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub org: Organisation,
    pub source: Source,
    /// The text the configuration was read from: what `hotro config apply` stores in the
    /// database, and what is compared with the configuration applied there.
    pub text: String,
}

impl Config {
    /// SHA-256 of the text (hex): identifies a configuration across processes.
    pub fn digest(&self) -> String {
        digest(&self.text)
    }
}

/// SHA-256 of a configuration text, hex, lower case.
pub fn digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A FIFO, a device or a folder given as the file, or a file over 4 MiB.
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    #[error("{}", describe(.file, *.line, .key.as_deref(), .message))]
    Invalid {
        file: String,
        line: Option<usize>,
        key: Option<String>,
        message: String,
    },
}

fn describe(file: &str, line: Option<usize>, key: Option<&str>, message: &str) -> String {
    let mut place = format!("config error in {file}");
    if let Some(line) = line {
        place.push_str(&format!(", line {line}"));
    }
    if let Some(key) = key {
        place.push_str(&format!(", key `{key}`"));
    }
    format!("{place}: {message}")
}

/// The user config file (`hotro.toml` in the platform's config directory), if there is one.
pub fn user_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "hotro").map(|d| d.config_dir().join("hotro.toml"))
}

/// Find and load the configuration: `--config FILE`, then `HOTRO_CONFIG`, then the user
/// config dir, then the embedded default. An explicitly named file must exist.
pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    match source_in_force(explicit) {
        Source::File(path) => load_file(&path),
        Source::Embedded => parse(EMBEDDED, Source::Embedded),
    }
}

/// Which configuration [`load`] reads, without reading it (`hotro config path`).
pub fn source_in_force(explicit: Option<&Path>) -> Source {
    if let Some(path) = explicit {
        return Source::File(path.to_path_buf());
    }
    if let Some(env) = std::env::var_os("HOTRO_CONFIG").filter(|v| !v.is_empty()) {
        return Source::File(PathBuf::from(env));
    }
    if let Some(user) = user_config_path().filter(|p| p.is_file()) {
        return Source::File(user);
    }
    Source::Embedded
}

pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
    let bytes = crate::input::read_bounded(path, crate::input::CONFIG_LIMIT)?;
    let text = String::from_utf8(bytes).map_err(|e| ConfigError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })?;
    parse(&text, Source::File(path.to_path_buf()))
}

/// The embedded default; it is tested, so failing to parse it is a build defect.
pub fn embedded() -> Config {
    match parse(EMBEDDED, Source::Embedded) {
        Ok(c) => c,
        Err(e) => panic!("the embedded default config is broken: {e}"),
    }
}

// ---- the file's shape -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    organisation: RawOrganisation,
    tiers: Vec<RawTier>,
    groups: Vec<RawGroup>,
    #[serde(default)]
    operators: Vec<RawOperator>,
    applications: Vec<RawApplication>,
    #[serde(default)]
    units: Vec<RawUnit>,
    categories: Vec<RawCoded>,
    kinds: Vec<RawCoded>,
    channels: Vec<RawCoded>,
    priority: RawPriority,
    morning_check: Option<RawCheck>,
    calendar: Option<RawCalendar>,
    sla: Option<RawSla>,
    #[serde(default)]
    procedures: Vec<RawProcedure>,
    /// `[permissions]`: role → the permissions it has (replacing that role's defaults).
    #[serde(default)]
    permissions: std::collections::BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    /// `[search]`: the organisation's own search settings.
    search: Option<RawSearch>,
    /// `[mail]`: the desk's mailbox and the mail intake (issue 12).
    mail: Option<RawMail>,
}

/// `[mail]`: who the intake records as, the largest mail taken, the per-sender rate
/// limit, the desk's own addresses, and the known requesters (`[[mail.senders]]`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMail {
    intake_operator: Spanned<String>,
    /// "20MB", "512KB", "1048576" (bytes).
    max_size: Option<Spanned<String>>,
    rate_limit_per_hour: Option<Spanned<u32>>,
    #[serde(default)]
    addresses: Vec<Spanned<String>>,
    /// The channel mail-born tickets get (default `email`).
    channel: Option<Spanned<String>>,
    #[serde(default)]
    senders: Vec<RawSender>,
    /// The address replies are sent from.
    from: Option<Spanned<String>>,
    /// Acknowledge a new request to its requester by mail.
    #[serde(default)]
    acknowledge: bool,
    /// A folder of the desk's own mail templates (`reply.vi.txt`, `ack.zh.txt`, …).
    templates: Option<Spanned<String>>,
    smtp: Option<RawSmtp>,
    imap: Option<RawImap>,
}

/// `[mail.imap]`: the desk's mailbox on an IMAP server, for the intake.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImap {
    url: Spanned<String>,
    user: Spanned<String>,
    password_file: Option<String>,
    /// A PEM file of certificate authorities trusted beside the public ones.
    ca_file: Option<String>,
    /// The folder taken mails are moved to (else they are flagged seen where they are).
    move_to: Option<Spanned<String>>,
}

/// `[mail] templates = "DIR"`: the desk's own templates in DIR (relative to the
/// configuration file's folder), by `kind.lang`. Refused, with the key, its line and the
/// fix: a folder that cannot be read, a `.txt` file that is no template's name (a typo
/// would silently keep the shipped text), a template that cannot be read as UTF-8 text or
/// uses a placeholder its kind does not have.
fn mail_templates(
    c: &Checker<'_>,
    dir: &Spanned<String>,
) -> Result<std::collections::BTreeMap<String, String>, ConfigError> {
    use crate::domain::outbox::{TEMPLATE_KINDS, TEMPLATE_LANGS, unknown_placeholders};
    const KEY: &str = "mail.templates";
    let written = PathBuf::from(dir.get_ref().trim());
    let path = match &c.dir {
        Some(base) if written.is_relative() => base.join(&written),
        _ => written,
    };
    let names = || {
        TEMPLATE_KINDS
            .iter()
            .flat_map(|(k, _)| TEMPLATE_LANGS.iter().map(move |l| format!("{k}.{l}.txt")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let entries = std::fs::read_dir(&path).map_err(|e| ConfigError::Invalid {
        file: c.file.clone(),
        line: Some(c.line_of(dir.span().start)),
        key: Some(KEY.into()),
        message: format!(
            "the folder {} cannot be read ({e}): give a folder holding some of {}",
            path.display(),
            names()
        ),
    })?;
    let mut found = std::collections::BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|e| ConfigError::Invalid {
            file: c.file.clone(),
            line: Some(c.line_of(dir.span().start)),
            key: Some(KEY.into()),
            message: format!("the folder {} cannot be listed ({e})", path.display()),
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".txt") else {
            continue;
        };
        let known = stem.split_once('.').and_then(|(k, l)| {
            let kind = TEMPLATE_KINDS.iter().find(|(kind, _)| *kind == k)?;
            TEMPLATE_LANGS.contains(&l).then_some(kind)
        });
        let Some((kind, placeholders)) = known else {
            return c.error(
                dir.span(),
                KEY,
                format!(
                    "{} is no template's name: rename it to one of {}, or move it out of the folder",
                    entry.path().display(),
                    names()
                ),
            );
        };
        let file = entry.path();
        let text = crate::input::read_bounded(&file, crate::input::CONFIG_LIMIT)
            .map_err(|e| e.to_string())
            .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()));
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                return c.error(
                    dir.span(),
                    KEY,
                    format!(
                        "{} cannot be read as UTF-8 text ({e}): fix the file or remove it \
                         (the shipped template is then used)",
                        file.display()
                    ),
                );
            }
        };
        let unknown = unknown_placeholders(kind, &text);
        if !unknown.is_empty() {
            return c.error(
                dir.span(),
                KEY,
                format!(
                    "{} uses {}, which a {kind} template does not have: use only {}",
                    file.display(),
                    unknown
                        .iter()
                        .map(|u| format!("{{{u}}}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    placeholders
                        .iter()
                        .map(|p| format!("{{{p}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        found.insert(stem.to_string(), text);
    }
    Ok(found)
}

/// `[mail.smtp]`: the submission server of the outbox.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    url: Spanned<String>,
    user: Option<String>,
    password_file: Option<String>,
}

/// `[[mail.senders]]`: a known requester's address, name, unit and phone.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSender {
    address: Spanned<String>,
    name: String,
    unit: Option<Spanned<String>>,
    phone: Option<String>,
}

/// A size as written in the configuration: a number of bytes, or a number with `KB`, `MB`
/// or `GB` (powers of 1024). `None` when it is not one.
fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_uppercase();
    let (num, mult) = if let Some(n) = t.strip_suffix("GB") {
        (n, 1024 * 1024 * 1024)
    } else if let Some(n) = t.strip_suffix("MB") {
        (n, 1024 * 1024)
    } else if let Some(n) = t.strip_suffix("KB") {
        (n, 1024)
    } else if let Some(n) = t.strip_suffix('B') {
        (n, 1)
    } else {
        (t.as_str(), 1)
    };
    num.trim().parse::<u64>().ok()?.checked_mul(mult)
}

fn build_mail(
    c: &Checker<'_>,
    raw: Option<RawMail>,
    all: &RawConfig,
) -> Result<crate::domain::mail::MailSettings, ConfigError> {
    use crate::domain::mail::{KnownSender, MailSettings};
    let Some(m) = raw else {
        return Ok(MailSettings::default());
    };
    let login = m.intake_operator.get_ref();
    if !all.operators.iter().any(|o| o.login.get_ref() == login) {
        return c.error(
            m.intake_operator.span(),
            "mail.intake_operator",
            format!("no operator `{login}`: add it to [[operators]] (with the mail_intake role)"),
        );
    }
    let max_bytes = match &m.max_size {
        None => crate::domain::mail::DEFAULT_MAX_BYTES,
        Some(v) => match parse_size(v.get_ref()) {
            Some(n) if n > 0 => n,
            _ => {
                return c.error(
                    v.span(),
                    "mail.max_size",
                    format!(
                        "`{}` is not a size; write e.g. \"20MB\", \"512KB\" or a number of bytes",
                        v.get_ref()
                    ),
                );
            }
        },
    };
    let rate_limit = match &m.rate_limit_per_hour {
        None => crate::domain::mail::DEFAULT_RATE_LIMIT,
        Some(v) if *v.get_ref() == 0 => {
            return c.error(
                v.span(),
                "mail.rate_limit_per_hour",
                "must be at least 1".to_string(),
            );
        }
        Some(v) => *v.get_ref(),
    };
    let channel = match &m.channel {
        None => "email".to_string(),
        Some(v) => v.get_ref().clone(),
    };
    if !all.channels.iter().any(|ch| *ch.id.get_ref() == channel) {
        let span = m
            .channel
            .as_ref()
            .map(|v| v.span())
            .unwrap_or(m.intake_operator.span());
        return c.error(
            span,
            "mail.channel",
            format!("no channel `{channel}` in [[channels]]"),
        );
    }
    let mut senders = Vec::new();
    for s in m.senders {
        let address = s.address.get_ref().trim().to_lowercase();
        if !address.contains('@') {
            return c.error(
                s.address.span(),
                "mail.senders.address",
                format!("`{}` is not an e-mail address", s.address.get_ref()),
            );
        }
        if let Some(u) = &s.unit
            && !all.units.iter().any(|x| x.code.get_ref() == u.get_ref())
        {
            return c.error(
                u.span(),
                "mail.senders.unit",
                format!("no unit `{}` in [[units]]", u.get_ref()),
            );
        }
        senders.push(KnownSender {
            address,
            name: s.name,
            unit: s.unit.map(Spanned::into_inner),
            phone: s.phone,
        });
    }
    Ok(MailSettings {
        intake_operator: Some(login.clone()),
        max_bytes,
        rate_limit,
        rate_window: chrono::Duration::minutes(crate::domain::mail::DEFAULT_RATE_WINDOW_MINUTES),
        addresses: m
            .addresses
            .iter()
            .map(|a| a.get_ref().trim().to_lowercase())
            .collect(),
        senders,
        channel,
        acknowledge: m.acknowledge,
        templates: match &m.templates {
            Some(dir) => mail_templates(c, dir)?,
            None => std::collections::BTreeMap::new(),
        },
        from: match m.from {
            Some(f) if !f.get_ref().contains('@') => {
                return c.error(
                    f.span(),
                    "mail.from",
                    format!("`{}` is not an e-mail address", f.get_ref()),
                );
            }
            f => f.map(|f| f.into_inner().trim().to_string()),
        },
        smtp: match m.smtp {
            Some(s)
                if !["smtp://", "smtps://"]
                    .iter()
                    .any(|p| s.url.get_ref().starts_with(p)) =>
            {
                return c.error(
                    s.url.span(),
                    "mail.smtp.url",
                    format!(
                        "`{}` is not an SMTP address: write smtps://host:465, \
                         smtp://host:587?tls=required or smtp://127.0.0.1:25",
                        s.url.get_ref()
                    ),
                );
            }
            s => s.map(|s| crate::domain::outbox::SmtpSettings {
                url: s.url.into_inner(),
                user: s.user,
                password_file: s.password_file.map(std::path::PathBuf::from),
            }),
        },
        imap: match m.imap {
            None => None,
            Some(i) => Some(build_imap(c, i)?),
        },
    })
}

/// `[mail.imap]` checked: the URL's scheme, host, port and folder, a folder name IMAP can
/// carry, and a plain connection only to this host.
fn build_imap(
    c: &Checker<'_>,
    i: RawImap,
) -> Result<crate::domain::mail::ImapSettings, ConfigError> {
    use crate::domain::mail::{ImapSecurity, ImapSettings};
    let text = i.url.get_ref().trim();
    let bad = |problem: &str| {
        c.error(
            i.url.span(),
            "mail.imap.url",
            format!(
                "`{text}`: {problem}; write imaps://host/INBOX (TLS, port 993), \
                 imap://host/INBOX (STARTTLS, port 143) or imap://127.0.0.1:1143/INBOX?tls=none \
                 (no TLS: this host only)"
            ),
        )
    };
    let Ok(url) = url::Url::parse(text) else {
        return bad("not a URL");
    };
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return bad("no host");
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let tls_none = url.query_pairs().any(|(k, v)| k == "tls" && v == "none");
    let (security, default_port) = match (url.scheme(), tls_none) {
        ("imaps", false) => (ImapSecurity::Tls, 993),
        ("imap", false) => (ImapSecurity::StartTls, 143),
        ("imap", true) => (ImapSecurity::Plain, 143),
        ("imaps", true) => return bad("imaps:// is always TLS: drop ?tls=none"),
        _ => return bad("not an IMAP address"),
    };
    if security == ImapSecurity::Plain && !crate::domain::mail::is_loopback_host(&host) {
        return bad("a password is never sent unencrypted to another host");
    }
    if let Some((k, _)) = url.query_pairs().find(|(k, _)| k != "tls") {
        return bad(&format!("unknown option `{k}`"));
    }
    let folder = percent_decoded(url.path().trim_start_matches('/'));
    let folder = if folder.is_empty() {
        "INBOX".to_string()
    } else {
        folder
    };
    let imap_name_ok = |f: &str| f.chars().all(|ch| ch.is_ascii_graphic() || ch == ' ');
    if !imap_name_ok(&folder) {
        return bad(&format!(
            "folder `{folder}`: write the folder's IMAP name as the server lists it \
             (modified UTF-7 for letters outside ASCII)"
        ));
    }
    let move_to = match i.move_to {
        Some(f) if f.get_ref().trim().is_empty() || !imap_name_ok(f.get_ref()) => {
            return c.error(
                f.span(),
                "mail.imap.move_to",
                format!(
                    "`{}`: write the folder's IMAP name as the server lists it \
                     (modified UTF-7 for letters outside ASCII)",
                    f.get_ref()
                ),
            );
        }
        f => f.map(|f| f.into_inner().trim().to_string()),
    };
    if i.user.get_ref().trim().is_empty() {
        return c.error(
            i.user.span(),
            "mail.imap.user",
            "empty: write the mailbox's login".to_string(),
        );
    }
    Ok(ImapSettings {
        host,
        port: url.port().unwrap_or(default_port),
        security,
        folder,
        user: i.user.into_inner().trim().to_string(),
        password_file: i.password_file.map(std::path::PathBuf::from),
        ca_file: i.ca_file.map(std::path::PathBuf::from),
        move_to,
    })
}

/// A URL path's `%XX` escapes decoded (invalid UTF-8 replaced).
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `[search]`: `synonyms = [["PM", "phần mềm"], …]`, groups of words or phrases that mean the
/// same, added to the shipped list (`assets/search/synonyms.toml`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSearch {
    #[serde(default)]
    synonyms: Vec<Vec<String>>,
}

/// `[[procedures]]`: one per ticket kind, its steps in order.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProcedure {
    id: Spanned<String>,
    kind: Spanned<String>,
    name: RawNames,
    /// The whole procedure's working-time budget (e.g. "3d"), optional.
    budget: Option<Spanned<String>>,
    steps: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Spanned<String>,
    name: RawNames,
    role: Option<Spanned<String>>,
    budget: Option<Spanned<String>>,
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default)]
    next: Option<Vec<String>>,
    #[serde(default)]
    returns: Vec<String>,
}

/// `[sla]`: first-response and resolution targets per kind and priority.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSla {
    at_risk: Option<Spanned<f64>>,
    pause_in: Option<Vec<Spanned<String>>>,
    auto_close_after: Option<Spanned<String>>,
    #[serde(default)]
    targets: Vec<RawTarget>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    when: Spanned<String>,
    #[serde(default)]
    clock: Option<Spanned<String>>,
    action: Spanned<String>,
    #[serde(default)]
    priorities: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    kind: Option<Spanned<String>>,
    priority: Option<Spanned<String>>,
    first_response: Option<Spanned<String>>,
    resolution: Option<Spanned<String>>,
}

/// `[calendar]`: office hours, public holidays and make-up working days.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    hours: Option<std::collections::BTreeMap<String, Spanned<Vec<Spanned<String>>>>>,
    makeup_hours: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    holidays: Vec<RawDated>,
    #[serde(default)]
    makeup_days: Vec<RawDated>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDated {
    date: Spanned<toml::value::Datetime>,
    #[allow(dead_code)]
    name: Option<String>,
}

/// `[morning_check]`: the window, the deadline and the systems of seed 003.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    window_start: Option<Spanned<String>>,
    window_end: Option<Spanned<String>>,
    deadline: Option<Spanned<String>>,
    days: Option<Vec<Spanned<String>>>,
    incident: Option<RawIncidentPriorities>,
    #[serde(default)]
    systems: Vec<RawSystem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIncidentPriorities {
    slow: Option<RawLevels>,
    login_failed: Option<RawLevels>,
    down: Option<RawLevels>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevels {
    impact: Spanned<String>,
    urgency: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSystem {
    id: Spanned<String>,
    name: RawNames,
    application: Option<Spanned<String>>,
    group: Spanned<String>,
    probe: Option<Spanned<RawProbe>>,
}

/// One flat table for every kind of probe, so errors can name the exact key (serde's tagged
/// enums lose the line numbers).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProbe {
    kind: Spanned<String>,
    host: Option<String>,
    port: Option<u16>,
    url: Option<String>,
    status: Option<u16>,
    text: Option<String>,
    #[serde(default)]
    insecure_tls: bool,
    program: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    timeout_ms: Option<Spanned<u64>>,
    slow_after_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrganisation {
    name: String,
    time_zone: Spanned<String>,
    ticket_key_format: Spanned<String>,
    intake_group: Spanned<String>,
    default_impact: Spanned<String>,
    default_urgency: Spanned<String>,
    /// How far back `--received-at` may date a request (days; default 7).
    received_at_limit_days: Option<Spanned<u32>>,
    /// A new ticket about an application goes straight to the application's owning group
    /// when it is at the intake's tier (issue 14; default false: the desk routes it).
    #[serde(default)]
    route_to_application_owner: bool,
    /// A requirement submitted after the month's window: `keep` (default) or `refuse`.
    requirement_outside_window: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNames {
    vi: String,
    en: String,
    zh: Option<String>,
}

impl From<RawNames> for Names {
    fn from(r: RawNames) -> Names {
        Names {
            vi: r.vi,
            en: r.en,
            zh: r.zh,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    level: Spanned<u8>,
    id: Spanned<String>,
    name: RawNames,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: Spanned<String>,
    tier: Spanned<u8>,
    name: RawNames,
    lead: Option<Spanned<String>>,
    phone: Option<String>,
    #[serde(default)]
    external: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOperator {
    login: Spanned<String>,
    name: String,
    tier: Spanned<u8>,
    group: Spanned<String>,
    roles: Vec<Spanned<String>>,
    #[serde(default)]
    os_users: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApplication {
    code: Spanned<String>,
    name: String,
    group: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    code: Spanned<String>,
    name: String,
    parent: Option<Spanned<String>>,
    /// Logins reviewing software requirements at this level (issue 16).
    #[serde(default)]
    reviewers: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCoded {
    id: Spanned<String>,
    name: RawNames,
    /// Categories only: tickets of it go on the user-error list (issue 13).
    #[serde(default)]
    user_caused: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriority {
    levels: Vec<RawCoded>,
    impact: Vec<RawCoded>,
    urgency: Vec<RawCoded>,
    matrix: Spanned<Vec<Spanned<Vec<Spanned<String>>>>>,
}

// ---- parsing and checks -----------------------------------------------------------------

struct Checker<'a> {
    text: &'a str,
    file: String,
    /// The folder of the file, which relative paths in it start from (none for the embedded
    /// default: the working directory).
    dir: Option<PathBuf>,
}

impl Checker<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn error<T>(
        &self,
        span: std::ops::Range<usize>,
        key: &str,
        message: String,
    ) -> Result<T, ConfigError> {
        Err(ConfigError::Invalid {
            file: self.file.clone(),
            line: Some(self.line_of(span.start)),
            key: Some(key.to_string()),
            message,
        })
    }

    fn unique<'s>(
        &self,
        key: &str,
        ids: impl Iterator<Item = &'s Spanned<String>>,
    ) -> Result<(), ConfigError> {
        let mut seen = HashSet::new();
        for id in ids {
            if id.get_ref().trim().is_empty() {
                return self.error(id.span(), key, "must not be empty".into());
            }
            if !seen.insert(id.get_ref().as_str()) {
                return self.error(
                    id.span(),
                    key,
                    format!("`{}` is defined twice; ids must be unique", id.get_ref()),
                );
            }
        }
        Ok(())
    }
}

/// Parse and check configuration text. `source` is only used to name the file in errors.
pub fn parse(text: &str, source: Source) -> Result<Config, ConfigError> {
    let file = source.to_string();
    // Paths in the file (`[mail] templates`) are relative to the file's folder.
    let dir = match &source {
        Source::File(path) => path.parent().map(Path::to_path_buf),
        Source::Embedded => None,
    };
    let checker = Checker { text, file, dir };
    let raw = deserialize(&checker)?;
    let org = build(&checker, raw)?;
    Ok(Config {
        org,
        source,
        text: text.to_string(),
    })
}

fn deserialize(c: &Checker<'_>) -> Result<RawConfig, ConfigError> {
    let de = toml::Deserializer::parse(c.text).map_err(|e| ConfigError::Invalid {
        file: c.file.clone(),
        line: e.span().map(|s| c.line_of(s.start)),
        key: None,
        message: format!("not valid TOML: {}", e.message().trim()),
    })?;
    serde_path_to_error::deserialize::<_, RawConfig>(de).map_err(|e| {
        // `Spanned` fields add an internal segment to the path; the key is the one written.
        let path = e
            .path()
            .to_string()
            .replace(".$__serde_spanned_private_value", "");
        let inner = e.into_inner();
        ConfigError::Invalid {
            file: c.file.clone(),
            line: inner.span().map(|s| c.line_of(s.start)),
            key: (path != ".").then_some(path),
            message: inner.message().trim().to_string(),
        }
    })
}

fn coded(list: Vec<RawCoded>) -> Vec<Coded> {
    list.into_iter()
        .map(|r| Coded {
            id: r.id.into_inner(),
            name: r.name.into(),
            user_caused: r.user_caused,
        })
        .collect()
}

fn build(c: &Checker<'_>, mut raw: RawConfig) -> Result<Organisation, ConfigError> {
    let permissions = build_permissions(c, std::mem::take(&mut raw.permissions))?;
    let received_at_limit = chrono::Duration::days(i64::from(
        raw.organisation
            .received_at_limit_days
            .as_ref()
            .map(|d| *d.get_ref())
            .unwrap_or(7),
    ));
    let morning_check = raw.morning_check.take();
    let mail = build_mail(c, raw.mail.take(), &raw)?;
    let sla = build_sla(c, raw.sla.take(), &raw)?;
    let procedures = build_procedures(c, std::mem::take(&mut raw.procedures), &raw)?;
    let calendar = build_calendar(c, raw.calendar.take(), &raw.organisation.time_zone)?;
    let o = &raw.organisation;
    let time_zone: chrono_tz::Tz = match o.time_zone.get_ref().parse() {
        Ok(tz) => tz,
        Err(_) => {
            return c.error(
                o.time_zone.span(),
                "organisation.time_zone",
                format!(
                    "unknown time zone `{}`; expected an IANA name such as \"Asia/Ho_Chi_Minh\"",
                    o.time_zone.get_ref()
                ),
            );
        }
    };
    let requirement_outside_window = match &o.requirement_outside_window {
        None => crate::domain::requirement::OutsideWindow::default(),
        Some(v) => match crate::domain::requirement::OutsideWindow::parse(v.get_ref()) {
            Some(policy) => policy,
            None => {
                return c.error(
                    v.span(),
                    "organisation.requirement_outside_window",
                    format!(
                        "unknown value `{}`; expected one of: {}",
                        v.get_ref(),
                        crate::domain::requirement::OutsideWindow::NAMES.join(", ")
                    ),
                );
            }
        },
    };
    let key_format = match KeyFormat::parse(o.ticket_key_format.get_ref()) {
        Ok(k) => k,
        Err(e) => {
            return c.error(
                o.ticket_key_format.span(),
                "organisation.ticket_key_format",
                format!("{e}; for example \"HT-{{year}}-{{seq:06}}\""),
            );
        }
    };

    // Tiers.
    if raw.tiers.is_empty() {
        return c.error(0..0, "tiers", "at least one tier is needed".into());
    }
    c.unique("tiers.id", raw.tiers.iter().map(|t| &t.id))?;
    let mut levels = HashSet::new();
    for t in &raw.tiers {
        if !levels.insert(*t.level.get_ref()) {
            return c.error(
                t.level.span(),
                "tiers.level",
                format!("level {} is used by two tiers", t.level.get_ref()),
            );
        }
    }

    // Groups.
    c.unique("groups.id", raw.groups.iter().map(|g| &g.id))?;
    for g in &raw.groups {
        if !levels.contains(g.tier.get_ref()) {
            return c.error(
                g.tier.span(),
                "groups.tier",
                format!(
                    "group `{}` names tier {}, which is not defined in [[tiers]]",
                    g.id.get_ref(),
                    g.tier.get_ref()
                ),
            );
        }
    }
    let group_tier = |id: &str| {
        raw.groups
            .iter()
            .find(|g| g.id.get_ref() == id)
            .map(|g| *g.tier.get_ref())
    };
    let group_ids: Vec<String> = raw.groups.iter().map(|g| g.id.get_ref().clone()).collect();
    let known_groups = group_ids.join(", ");

    // Operators.
    c.unique("operators.login", raw.operators.iter().map(|op| &op.login))?;
    for op in &raw.operators {
        let Some(tier) = group_tier(op.group.get_ref()) else {
            return c.error(
                op.group.span(),
                "operators.group",
                format!(
                    "operator `{}` names group `{}`, which is not defined; known groups: {known_groups}",
                    op.login.get_ref(),
                    op.group.get_ref()
                ),
            );
        };
        if tier != *op.tier.get_ref() {
            return c.error(
                op.tier.span(),
                "operators.tier",
                format!(
                    "operator `{}` is at tier {} but group `{}` is at tier {tier}",
                    op.login.get_ref(),
                    op.tier.get_ref(),
                    op.group.get_ref()
                ),
            );
        }
        for role in &op.roles {
            if Role::parse(role.get_ref()).is_none() {
                let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                return c.error(
                    role.span(),
                    "operators.roles",
                    format!(
                        "unknown role `{}`; expected one of {}",
                        role.get_ref(),
                        all.join(", ")
                    ),
                );
            }
        }
    }
    // An OS account acts as exactly one operator.
    let mut accounts: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for op in &raw.operators {
        for account in &op.os_users {
            let login_of_other = raw.operators.iter().find(|o| {
                o.login.get_ref() == account.get_ref() && o.login.get_ref() != op.login.get_ref()
            });
            if let Some(other) = login_of_other {
                return c.error(
                    account.span(),
                    "operators.os_users",
                    format!(
                        "OS account `{}` of operator `{}` is the login of operator `{}`; an account acts as one operator",
                        account.get_ref(),
                        op.login.get_ref(),
                        other.login.get_ref()
                    ),
                );
            }
            if let Some(other) = accounts.insert(account.get_ref(), op.login.get_ref()) {
                return c.error(
                    account.span(),
                    "operators.os_users",
                    format!(
                        "OS account `{}` is listed under operators `{other}` and `{}`; an account acts as one operator",
                        account.get_ref(),
                        op.login.get_ref()
                    ),
                );
            }
        }
    }
    for g in &raw.groups {
        if let Some(lead) = &g.lead
            && !raw
                .operators
                .iter()
                .any(|op| op.login.get_ref() == lead.get_ref())
        {
            return c.error(
                lead.span(),
                "groups.lead",
                format!(
                    "group `{}` names lead `{}`, who is not in [[operators]]",
                    g.id.get_ref(),
                    lead.get_ref()
                ),
            );
        }
    }

    // Applications and units.
    c.unique(
        "applications.code",
        raw.applications.iter().map(|a| &a.code),
    )?;
    for a in &raw.applications {
        if group_tier(a.group.get_ref()).is_none() {
            return c.error(
                a.group.span(),
                "applications.group",
                format!(
                    "application `{}` names group `{}`, which is not defined; known groups: {known_groups}",
                    a.code.get_ref(),
                    a.group.get_ref()
                ),
            );
        }
    }
    c.unique("units.code", raw.units.iter().map(|u| &u.code))?;
    for u in &raw.units {
        if let Some(parent) = &u.parent
            && !raw
                .units
                .iter()
                .any(|p| p.code.get_ref() == parent.get_ref())
        {
            return c.error(
                parent.span(),
                "units.parent",
                format!(
                    "unit `{}` names parent `{}`, which is not a unit",
                    u.code.get_ref(),
                    parent.get_ref()
                ),
            );
        }
        for r in &u.reviewers {
            if !raw
                .operators
                .iter()
                .any(|o| o.login.get_ref() == r.get_ref())
            {
                return c.error(
                    r.span(),
                    "units.reviewers",
                    format!(
                        "unit `{}` names reviewer `{}`, who is not an operator",
                        u.code.get_ref(),
                        r.get_ref()
                    ),
                );
            }
        }
    }

    // Coded lists.
    for (key, list) in [
        ("categories", &raw.categories),
        ("kinds", &raw.kinds),
        ("channels", &raw.channels),
        ("priority.levels", &raw.priority.levels),
        ("priority.impact", &raw.priority.impact),
        ("priority.urgency", &raw.priority.urgency),
    ] {
        if list.is_empty() {
            return c.error(0..0, key, "at least one entry is needed".into());
        }
        c.unique(&format!("{key}.id"), list.iter().map(|e| &e.id))?;
    }

    // Priority matrix: one row per impact, one column per urgency, each a known level.
    let p = &raw.priority;
    let rows = p.matrix.get_ref();
    if rows.len() != p.impact.len() {
        return c.error(
            p.matrix.span(),
            "priority.matrix",
            format!(
                "has {} rows but there are {} impact levels; expected one row per impact level",
                rows.len(),
                p.impact.len()
            ),
        );
    }
    let mut cells = Vec::new();
    for row in rows {
        if row.get_ref().len() != p.urgency.len() {
            return c.error(
                row.span(),
                "priority.matrix",
                format!(
                    "a row has {} entries but there are {} urgency levels; expected one per urgency level",
                    row.get_ref().len(),
                    p.urgency.len()
                ),
            );
        }
        let mut out = Vec::new();
        for cell in row.get_ref() {
            match p
                .levels
                .iter()
                .position(|l| l.id.get_ref() == cell.get_ref())
            {
                Some(i) => out.push(i),
                None => {
                    let all: Vec<&str> = p.levels.iter().map(|l| l.id.get_ref().as_str()).collect();
                    return c.error(
                        cell.span(),
                        "priority.matrix",
                        format!(
                            "unknown priority `{}`; expected one of priority.levels: {}",
                            cell.get_ref(),
                            all.join(", ")
                        ),
                    );
                }
            }
        }
        cells.push(out);
    }

    // Organisation-wide defaults.
    if group_tier(o.intake_group.get_ref()).is_none() {
        return c.error(
            o.intake_group.span(),
            "organisation.intake_group",
            format!(
                "group `{}` is not defined; known groups: {known_groups}",
                o.intake_group.get_ref()
            ),
        );
    }
    for (key, value, levels) in [
        ("organisation.default_impact", &o.default_impact, &p.impact),
        (
            "organisation.default_urgency",
            &o.default_urgency,
            &p.urgency,
        ),
    ] {
        if !levels.iter().any(|l| l.id.get_ref() == value.get_ref()) {
            let all: Vec<&str> = levels.iter().map(|l| l.id.get_ref().as_str()).collect();
            return c.error(
                value.span(),
                key,
                format!(
                    "unknown level `{}`; expected one of {}",
                    value.get_ref(),
                    all.join(", ")
                ),
            );
        }
    }

    let check = build_check(c, morning_check, &raw, group_tier)?;

    let RawConfig {
        organisation,
        tiers,
        groups,
        operators,
        applications,
        units,
        categories,
        kinds,
        channels,
        priority,
        morning_check: _,
        calendar: _,
        sla: _,
        procedures: _,
        permissions: _,
        search,
        mail: _,
    } = raw;
    Ok(Organisation {
        mail,
        search_synonyms: search.map(|s| s.synonyms).unwrap_or_default(),
        name: organisation.name,
        time_zone,
        key_format,
        tiers: tiers
            .into_iter()
            .map(|t| Tier {
                level: t.level.into_inner(),
                id: t.id.into_inner(),
                name: t.name.into(),
            })
            .collect(),
        groups: groups
            .into_iter()
            .map(|g| Group {
                id: g.id.into_inner(),
                name: g.name.into(),
                tier: g.tier.into_inner(),
                lead: g.lead.map(Spanned::into_inner),
                phone: g.phone,
                external: g.external,
            })
            .collect(),
        operators: operators
            .into_iter()
            .map(|op| Operator {
                login: op.login.into_inner(),
                name: op.name,
                tier: op.tier.into_inner(),
                group: op.group.into_inner(),
                roles: op
                    .roles
                    .iter()
                    .filter_map(|r| Role::parse(r.get_ref()))
                    .collect(),
                os_users: op.os_users.into_iter().map(Spanned::into_inner).collect(),
            })
            .collect(),
        applications: applications
            .into_iter()
            .map(|a| Application {
                code: a.code.into_inner(),
                name: a.name,
                group: a.group.into_inner(),
            })
            .collect(),
        units: units
            .into_iter()
            .map(|u| Unit {
                code: u.code.into_inner(),
                name: u.name,
                parent: u.parent.map(Spanned::into_inner),
                reviewers: u.reviewers.into_iter().map(Spanned::into_inner).collect(),
            })
            .collect(),
        categories: coded(categories),
        kinds: coded(kinds),
        channels: coded(channels),
        priority: PriorityMatrix {
            levels: coded(priority.levels),
            impact: coded(priority.impact),
            urgency: coded(priority.urgency),
            cells,
        },
        default_impact: organisation.default_impact.into_inner(),
        default_urgency: organisation.default_urgency.into_inner(),
        intake_group: organisation.intake_group.into_inner(),
        route_to_application_owner: organisation.route_to_application_owner,
        check: crate::domain::check::CheckSettings {
            closed: calendar.holidays().clone(),
            extra_days: calendar.makeup_days().clone(),
            ..check
        },
        calendar,
        sla,
        procedures,
        permissions,
        received_at_limit,
        requirement_outside_window,
    })
}

/// `[permissions]`: each key a role, each value the permissions it has. A role not given
/// keeps its defaults; an unknown role or permission is an error naming the line.
fn build_permissions(
    c: &Checker<'_>,
    raw: std::collections::BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
) -> Result<crate::domain::permission::Permissions, ConfigError> {
    use crate::domain::permission::{Permission, Permissions};
    let mut table = Permissions::default();
    for (role, perms) in raw {
        let Some(r) = Role::parse(role.get_ref()) else {
            let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            return c.error(
                role.span(),
                "permissions",
                format!(
                    "unknown role `{}`; expected one of {}",
                    role.get_ref(),
                    all.join(", ")
                ),
            );
        };
        let mut set = Vec::new();
        for p in &perms {
            match Permission::parse(p.get_ref()) {
                Some(p) => set.push(p),
                None => {
                    let all: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
                    return c.error(
                        p.span(),
                        &format!("permissions.{}", role.get_ref()),
                        format!(
                            "unknown permission `{}`; expected one of {}",
                            p.get_ref(),
                            all.join(", ")
                        ),
                    );
                }
            }
        }
        table.set(r, set);
    }
    Ok(table)
}

fn build_procedures(
    c: &Checker<'_>,
    raw: Vec<RawProcedure>,
    cfg: &RawConfig,
) -> Result<Vec<crate::domain::procedure::Procedure>, ConfigError> {
    use crate::domain::procedure::{Procedure, Step};
    c.unique("procedures.id", raw.iter().map(|p| &p.id))?;
    c.unique("procedures.kind", raw.iter().map(|p| &p.kind))?;
    let mut out = Vec::new();
    for p in raw {
        if !cfg.kinds.iter().any(|k| k.id.get_ref() == p.kind.get_ref()) {
            let all: Vec<&str> = cfg.kinds.iter().map(|k| k.id.get_ref().as_str()).collect();
            return c.error(
                p.kind.span(),
                "procedures.kind",
                format!(
                    "unknown kind `{}`; expected one of {}",
                    p.kind.get_ref(),
                    all.join(", ")
                ),
            );
        }
        let count = p.steps.len();
        let mut steps = Vec::new();
        for (i, s) in p.steps.into_iter().enumerate() {
            let Some(budget_text) = &s.budget else {
                return c.error(
                    s.id.span(),
                    "procedures.steps.budget",
                    format!(
                        "step `{}` of procedure `{}` has no budget; give its working time, e.g. budget = \"0.5d\"",
                        s.id.get_ref(),
                        p.id.get_ref()
                    ),
                );
            };
            let budget = match budget_text.get_ref().parse() {
                Ok(b) => b,
                Err(e) => {
                    return c.error(
                        budget_text.span(),
                        "procedures.steps.budget",
                        format!("{e}"),
                    );
                }
            };
            let role = match &s.role {
                None => None,
                Some(r) => match Role::parse(r.get_ref()) {
                    Some(role) => Some(role),
                    None => {
                        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                        return c.error(
                            r.span(),
                            "procedures.steps.role",
                            format!(
                                "unknown role `{}`; expected one of {}",
                                r.get_ref(),
                                all.join(", ")
                            ),
                        );
                    }
                },
            };
            // Without `next`, a step leads to the one after it (the last one ends).
            let next = s.next.clone().unwrap_or_default();
            steps.push((
                s.id.span(),
                Step {
                    id: s.id.into_inner(),
                    name: s.name.into(),
                    role,
                    budget,
                    requires: s.requires,
                    next,
                    returns: s.returns,
                },
                s.next.is_none(),
                i + 1 < count,
            ));
        }
        let ids: Vec<String> = steps.iter().map(|(_, s, _, _)| s.id.clone()).collect();
        let mut built = Vec::new();
        for (i, (_, mut step, default_next, has_next)) in steps.into_iter().enumerate() {
            if default_next && has_next {
                step.next = vec![ids[i + 1].clone()];
            }
            built.push(step);
        }
        let budget = match &p.budget {
            None => None,
            Some(b) => match b.get_ref().parse() {
                Ok(budget) => Some(budget),
                Err(e) => return c.error(b.span(), "procedures.budget", format!("{e}")),
            },
        };
        let procedure = Procedure {
            id: p.id.get_ref().clone(),
            kind: p.kind.get_ref().clone(),
            name: p.name.into(),
            steps: built,
            budget,
        };
        if let Err(e) = procedure.validate() {
            return c.error(p.id.span(), "procedures", e.to_string());
        }
        out.push(procedure);
    }
    Ok(out)
}

fn build_sla(
    c: &Checker<'_>,
    raw: Option<RawSla>,
    cfg: &RawConfig,
) -> Result<crate::domain::sla::SlaSettings, ConfigError> {
    use crate::domain::sla::{SlaSettings, Target};
    use crate::domain::status::Status;
    let Some(raw) = raw else {
        return Ok(SlaSettings::default());
    };
    let mut out = SlaSettings::default();
    if let Some(r) = &raw.at_risk {
        let v = *r.get_ref();
        if !(0.0..=1.0).contains(&v) || v == 0.0 {
            return c.error(
                r.span(),
                "sla.at_risk",
                format!("{v} is out of range; expected a share of the budget above 0 and at most 1, e.g. 0.75"),
            );
        }
        out.at_risk = v;
    }
    if let Some(list) = &raw.pause_in {
        out.pause_in.clear();
        for s in list {
            match Status::ALL.iter().find(|x| x.as_str() == s.get_ref()) {
                Some(st) => out.pause_in.push(*st),
                None => {
                    let all: Vec<&str> = Status::ALL.iter().map(|x| x.as_str()).collect();
                    return c.error(
                        s.span(),
                        "sla.pause_in",
                        format!(
                            "unknown status `{}`; expected one of {}",
                            s.get_ref(),
                            all.join(", ")
                        ),
                    );
                }
            }
        }
    }
    let budget = |v: &Option<Spanned<String>>,
                  key: &str|
     -> Result<Option<crate::domain::calendar::Budget>, ConfigError> {
        match v {
            None => Ok(None),
            Some(b) => match b.get_ref().parse() {
                Ok(budget) => Ok(Some(budget)),
                Err(e) => c.error(b.span(), key, format!("{e}")),
            },
        }
    };
    out.auto_close_after = budget(&raw.auto_close_after, "sla.auto_close_after")?;
    for t in &raw.targets {
        if let Some(k) = &t.kind
            && !cfg.kinds.iter().any(|x| x.id.get_ref() == k.get_ref())
        {
            let all: Vec<&str> = cfg.kinds.iter().map(|x| x.id.get_ref().as_str()).collect();
            return c.error(
                k.span(),
                "sla.targets.kind",
                format!(
                    "unknown kind `{}`; expected one of {}",
                    k.get_ref(),
                    all.join(", ")
                ),
            );
        }
        if let Some(p) = &t.priority
            && !cfg
                .priority
                .levels
                .iter()
                .any(|x| x.id.get_ref() == p.get_ref())
        {
            let all: Vec<&str> = cfg
                .priority
                .levels
                .iter()
                .map(|x| x.id.get_ref().as_str())
                .collect();
            return c.error(
                p.span(),
                "sla.targets.priority",
                format!(
                    "unknown priority `{}`; expected one of {}",
                    p.get_ref(),
                    all.join(", ")
                ),
            );
        }
        out.targets.push(Target {
            kind: t.kind.as_ref().map(|k| k.get_ref().clone()),
            priority: t.priority.as_ref().map(|p| p.get_ref().clone()),
            first_response: budget(&t.first_response, "sla.targets.first_response")?,
            resolution: budget(&t.resolution, "sla.targets.resolution")?,
        });
    }
    c.unique("sla.rules.id", raw.rules.iter().map(|r| &r.id))?;
    for r in &raw.rules {
        use crate::domain::sla::{Rule, RuleAction, RuleClock, RuleWhen};
        let when = match r.when.get_ref().as_str() {
            "at_risk" => RuleWhen::AtRisk,
            "breached" => RuleWhen::Breached,
            other => {
                return c.error(
                    r.when.span(),
                    "sla.rules.when",
                    format!("unknown `{other}`; expected at_risk or breached"),
                );
            }
        };
        let clock = match r.clock.as_ref().map(|c| c.get_ref().as_str()) {
            None | Some("any") => RuleClock::Any,
            Some("first_response") => RuleClock::FirstResponse,
            Some("resolution") => RuleClock::Resolution,
            Some(other) => {
                return c.error(
                    r.clock.as_ref().map(|c| c.span()).unwrap_or(0..0),
                    "sla.rules.clock",
                    format!("unknown clock `{other}`; expected first_response, resolution or any"),
                );
            }
        };
        let action = match r.action.get_ref().as_str() {
            "notify_lead" => RuleAction::NotifyLead,
            "raise_priority" => RuleAction::RaisePriority,
            "escalate" => RuleAction::Escalate,
            other => {
                return c.error(
                    r.action.span(),
                    "sla.rules.action",
                    format!(
                        "unknown action `{other}`; expected notify_lead, raise_priority or escalate"
                    ),
                );
            }
        };
        for p in &r.priorities {
            if !cfg
                .priority
                .levels
                .iter()
                .any(|x| x.id.get_ref() == p.get_ref())
            {
                return c.error(
                    p.span(),
                    "sla.rules.priorities",
                    format!("unknown priority `{}`", p.get_ref()),
                );
            }
        }
        out.rules.push(Rule {
            id: r.id.get_ref().clone(),
            when,
            clock,
            action,
            priorities: r.priorities.iter().map(|p| p.get_ref().clone()).collect(),
        });
    }
    Ok(out)
}

/// One office period, "07:30-11:30".
fn period(
    c: &Checker<'_>,
    text: &Spanned<String>,
    key: &str,
) -> Result<crate::domain::calendar::Period, ConfigError> {
    let bad = |why: String| {
        c.error(
            text.span(),
            key,
            format!(
                "`{}` {why}; expected HH:MM-HH:MM, for example \"07:30-11:30\"",
                text.get_ref()
            ),
        )
    };
    let Some((a, b)) = text.get_ref().split_once(['-', '–']) else {
        return bad("is not a period".into());
    };
    let parse = |t: &str| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M");
    let (Ok(start), Ok(end)) = (parse(a), parse(b)) else {
        return bad("has a time that is not HH:MM".into());
    };
    crate::domain::calendar::Period::new(start, end).or_else(|e| bad(format!("is invalid ({e})")))
}

fn build_calendar(
    c: &Checker<'_>,
    raw: Option<RawCalendar>,
    tz_text: &Spanned<String>,
) -> Result<crate::domain::calendar::WorkCalendar, ConfigError> {
    use crate::domain::calendar::WorkCalendar;
    let tz: chrono_tz::Tz = tz_text
        .get_ref()
        .parse()
        .unwrap_or(chrono_tz::Asia::Ho_Chi_Minh);
    let Some(raw) = raw else {
        return WorkCalendar::new(
            tz,
            WorkCalendar::vietnam_default_week(),
            Default::default(),
            Default::default(),
        )
        .or_else(|e| c.error(0..0, "calendar", e.to_string()));
    };
    let mut week = match &raw.hours {
        None => WorkCalendar::vietnam_default_week(),
        Some(_) => Default::default(),
    };
    if let Some(hours) = &raw.hours {
        for (day, periods) in hours {
            let Some(w) = weekday(day) else {
                return c.error(
                    periods.span(),
                    &format!("calendar.hours.{day}"),
                    format!(
                        "`{day}` is not a weekday; expected mon, tue, wed, thu, fri, sat or sun"
                    ),
                );
            };
            let key = format!("calendar.hours.{day}");
            let mut list = Vec::new();
            for p in periods.get_ref() {
                list.push(period(c, p, &key)?);
            }
            week[w.num_days_from_monday() as usize] = list;
        }
    }
    let dates = |list: &[RawDated],
                 key: &str|
     -> Result<std::collections::BTreeSet<chrono::NaiveDate>, ConfigError> {
        let mut out = std::collections::BTreeSet::new();
        for d in list {
            let v = d.date.get_ref();
            let date = v.date.filter(|_| v.time.is_none()).and_then(|x| {
                chrono::NaiveDate::from_ymd_opt(
                    i32::from(x.year),
                    u32::from(x.month),
                    u32::from(x.day),
                )
            });
            let Some(date) = date else {
                return c.error(
                    d.date.span(),
                    key,
                    format!("`{v}` is not a date; expected a TOML date such as 2026-01-01"),
                );
            };
            if !out.insert(date) {
                return c.error(d.date.span(), key, format!("{date} is listed twice"));
            }
        }
        Ok(out)
    };
    let holidays = dates(&raw.holidays, "calendar.holidays.date")?;
    let makeup = dates(&raw.makeup_days, "calendar.makeup_days.date")?;
    let cal = WorkCalendar::new(tz, week, holidays, makeup)
        .or_else(|e| c.error(0..0, "calendar", e.to_string()))?;
    match &raw.makeup_hours {
        None => Ok(cal),
        Some(list) => {
            let mut periods = Vec::new();
            for p in list.get_ref() {
                periods.push(period(c, p, "calendar.makeup_hours")?);
            }
            cal.with_makeup_hours(periods)
                .or_else(|e| c.error(list.span(), "calendar.makeup_hours", e.to_string()))
        }
    }
}

const DEFAULT_PROBE_TIMEOUT_MS: u64 = 5_000;
/// A probe may not hold up the morning check for longer than this.
const MAX_PROBE_TIMEOUT_MS: u64 = 120_000;

fn clock_time(
    c: &Checker<'_>,
    value: Option<Spanned<String>>,
    key: &str,
    default: (u32, u32),
) -> Result<chrono::NaiveTime, ConfigError> {
    let fallback = chrono::NaiveTime::from_hms_opt(default.0, default.1, 0).unwrap_or_default();
    let Some(v) = value else {
        return Ok(fallback);
    };
    match chrono::NaiveTime::parse_from_str(v.get_ref().trim(), "%H:%M") {
        Ok(t) => Ok(t),
        Err(_) => c.error(
            v.span(),
            key,
            format!(
                "`{}` is not a time of day; expected HH:MM, for example \"07:30\"",
                v.get_ref()
            ),
        ),
    }
}

fn weekday(s: &str) -> Option<chrono::Weekday> {
    use chrono::Weekday::*;
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "mon" | "monday" => Mon,
        "tue" | "tuesday" => Tue,
        "wed" | "wednesday" => Wed,
        "thu" | "thursday" => Thu,
        "fri" | "friday" => Fri,
        "sat" | "saturday" => Sat,
        "sun" | "sunday" => Sun,
        _ => return None,
    })
}

fn build_check(
    c: &Checker<'_>,
    raw: Option<RawCheck>,
    cfg: &RawConfig,
    group_tier: impl Fn(&str) -> Option<u8>,
) -> Result<crate::domain::check::CheckSettings, ConfigError> {
    use crate::domain::check::{CheckSettings, IncidentLevels, ProbeDef, ProbeTarget, SystemDef};
    let raw = raw.unwrap_or(RawCheck {
        window_start: None,
        window_end: None,
        deadline: None,
        days: None,
        incident: None,
        systems: Vec::new(),
    });
    let window_start = clock_time(c, raw.window_start, "morning_check.window_start", (7, 0))?;
    let window_end_span = raw.window_end.as_ref().map(|v| v.span());
    let window_end = clock_time(c, raw.window_end, "morning_check.window_end", (7, 30))?;
    let deadline_span = raw.deadline.as_ref().map(|v| v.span());
    let deadline = clock_time(c, raw.deadline, "morning_check.deadline", (7, 45))?;
    if window_end <= window_start {
        return c.error(
            window_end_span.unwrap_or(0..0),
            "morning_check.window_end",
            format!("the window ends at {window_end} but starts at {window_start}; the end must come after the start"),
        );
    }
    if deadline < window_end {
        return c.error(
            deadline_span.unwrap_or(0..0),
            "morning_check.deadline",
            format!("the report deadline {deadline} comes before the window ends at {window_end}"),
        );
    }
    let days = match raw.days {
        None => vec![
            chrono::Weekday::Mon,
            chrono::Weekday::Tue,
            chrono::Weekday::Wed,
            chrono::Weekday::Thu,
            chrono::Weekday::Fri,
        ],
        Some(list) => {
            let mut out = Vec::new();
            for d in list {
                match weekday(d.get_ref()) {
                    Some(w) => out.push(w),
                    None => {
                        return c.error(
                            d.span(),
                            "morning_check.days",
                            format!(
                                "`{}` is not a weekday; expected mon, tue, wed, thu, fri, sat or sun",
                                d.get_ref()
                            ),
                        );
                    }
                }
            }
            out
        }
    };

    let levels_of = |raw: Option<RawLevels>,
                     key: &str,
                     default: (&str, &str)|
     -> Result<IncidentLevels, ConfigError> {
        let Some(l) = raw else {
            let pick = |list: &[RawCoded], want: &str| {
                list.iter()
                    .find(|x| x.id.get_ref() == want)
                    .or_else(|| list.first())
                    .map(|x| x.id.get_ref().clone())
                    .unwrap_or_default()
            };
            return Ok(IncidentLevels {
                impact: pick(&cfg.priority.impact, default.0),
                urgency: pick(&cfg.priority.urgency, default.1),
            });
        };
        for (what, value, list) in [
            ("impact", &l.impact, &cfg.priority.impact),
            ("urgency", &l.urgency, &cfg.priority.urgency),
        ] {
            if !list.iter().any(|x| x.id.get_ref() == value.get_ref()) {
                let all: Vec<&str> = list.iter().map(|x| x.id.get_ref().as_str()).collect();
                return c.error(
                    value.span(),
                    &format!("morning_check.incident.{key}.{what}"),
                    format!(
                        "unknown {what} `{}`; expected one of {}",
                        value.get_ref(),
                        all.join(", ")
                    ),
                );
            }
        }
        Ok(IncidentLevels {
            impact: l.impact.into_inner(),
            urgency: l.urgency.into_inner(),
        })
    };
    let (slow, login_failed, down) = match raw.incident {
        Some(i) => (i.slow, i.login_failed, i.down),
        None => (None, None, None),
    };
    let slow = levels_of(slow, "slow", ("medium", "medium"))?;
    let login_failed = levels_of(login_failed, "login_failed", ("medium", "high"))?;
    let down = levels_of(down, "down", ("high", "high"))?;

    c.unique(
        "morning_check.systems.id",
        raw.systems.iter().map(|s| &s.id),
    )?;
    let mut systems = Vec::new();
    for s in raw.systems {
        if group_tier(s.group.get_ref()).is_none() {
            return c.error(
                s.group.span(),
                "morning_check.systems.group",
                format!(
                    "system `{}` names group `{}`, which is not defined in [[groups]]",
                    s.id.get_ref(),
                    s.group.get_ref()
                ),
            );
        }
        if let Some(app) = &s.application {
            let Some(owner) = cfg
                .applications
                .iter()
                .find(|a| a.code.get_ref() == app.get_ref())
            else {
                return c.error(
                    app.span(),
                    "morning_check.systems.application",
                    format!(
                        "system `{}` names application `{}`, which is not in [[applications]]",
                        s.id.get_ref(),
                        app.get_ref()
                    ),
                );
            };
            // The lead to call for a failed system is the one of the group that runs it: one
            // group, not two that can disagree (issue 14: Portal and DMDC named another).
            if owner.group.get_ref() != s.group.get_ref() {
                return c.error(
                    s.group.span(),
                    "morning_check.systems.group",
                    format!(
                        "system `{}` names group `{}`, but its application `{}` is run by `{}`: \
                         set group = \"{}\" (the lead called when it fails is that group's)",
                        s.id.get_ref(),
                        s.group.get_ref(),
                        app.get_ref(),
                        owner.group.get_ref(),
                        owner.group.get_ref()
                    ),
                );
            }
        }
        let probe = match s.probe {
            None => None,
            Some(p) => Some(build_probe(c, s.id.get_ref(), p)?),
        };
        systems.push(SystemDef {
            id: s.id.into_inner(),
            name: s.name.into(),
            application: s.application.map(Spanned::into_inner),
            group: s.group.into_inner(),
            probe,
        });
    }

    fn build_probe(
        c: &Checker<'_>,
        system: &str,
        p: Spanned<RawProbe>,
    ) -> Result<ProbeDef, ConfigError> {
        let span = p.span();
        let p = p.into_inner();
        let key = "morning_check.systems.probe";
        let need = |value: Option<String>, field: &str| -> Result<String, ConfigError> {
            match value.filter(|v| !v.trim().is_empty()) {
                Some(v) => Ok(v),
                None => c.error(
                    span.clone(),
                    &format!("{key}.{field}"),
                    format!(
                        "the {} probe of system `{system}` needs `{field}`",
                        p.kind.get_ref()
                    ),
                ),
            }
        };
        let target = match p.kind.get_ref().as_str() {
            "tcp" => {
                let host = need(p.host.clone(), "host")?;
                let Some(port) = p.port.filter(|p| *p > 0) else {
                    return c.error(
                        span.clone(),
                        &format!("{key}.port"),
                        format!("the tcp probe of system `{system}` needs `port` (1-65535)"),
                    );
                };
                ProbeTarget::Tcp { host, port }
            }
            "http" => {
                let url = need(p.url.clone(), "url")?;
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return c.error(
                        span.clone(),
                        &format!("{key}.url"),
                        format!("`{url}` is not an http:// or https:// address"),
                    );
                }
                ProbeTarget::Http {
                    url,
                    expect_status: p.status.unwrap_or(200),
                    expect_text: p.text.clone().filter(|t| !t.is_empty()),
                    insecure_tls: p.insecure_tls,
                }
            }
            "command" => ProbeTarget::Command {
                program: need(p.program.clone(), "program")?,
                args: p.args.clone(),
            },
            other => {
                return c.error(
                    p.kind.span(),
                    &format!("{key}.kind"),
                    format!("unknown probe kind `{other}`; expected tcp, http or command"),
                );
            }
        };
        let timeout_ms = match &p.timeout_ms {
            None => DEFAULT_PROBE_TIMEOUT_MS,
            Some(t) if *t.get_ref() == 0 || *t.get_ref() > MAX_PROBE_TIMEOUT_MS => {
                return c.error(
                    t.span(),
                    &format!("{key}.timeout_ms"),
                    format!(
                        "{} is out of range; expected 1 to {MAX_PROBE_TIMEOUT_MS} milliseconds",
                        t.get_ref()
                    ),
                );
            }
            Some(t) => *t.get_ref(),
        };
        Ok(ProbeDef {
            target,
            timeout_ms,
            slow_after_ms: p.slow_after_ms,
        })
    }

    Ok(CheckSettings {
        window_start,
        window_end,
        deadline,
        days,
        systems,
        slow,
        login_failed,
        down,
        closed: Default::default(),
        extra_days: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_adds_its_own_search_synonyms() {
        assert!(embedded().org.search_synonyms.is_empty());
        let text = format!(
            "{EMBEDDED}\n[search]\nsynonyms = [[\"PM\", \"phần mềm\"], [\"vb\", \"văn bản\"]]\n"
        );
        let cfg = parse(&text, Source::Embedded).expect("valid with [search]");
        assert_eq!(
            cfg.org.search_synonyms,
            [vec!["PM", "phần mềm"], vec!["vb", "văn bản"]]
        );
        let bad = format!("{EMBEDDED}\n[search]\nsynonym = []\n");
        assert!(
            parse(&bad, Source::Embedded).is_err(),
            "unknown keys are refused"
        );
    }

    /// `[mail]` (issue 12): the shipped settings, and each mistake refused with its key.
    #[test]
    fn the_mail_settings_are_checked() {
        let m = embedded().org.mail;
        assert_eq!(m.intake_operator.as_deref(), Some("hotro-mail"));
        assert_eq!(m.max_bytes, 20 * 1024 * 1024);
        assert_eq!(m.rate_limit, 20);
        assert_eq!(m.channel, "email");
        assert!(m.is_own("HoTro@kbnn.example"));
        assert_eq!(
            m.sender("KeyUser.BaDinh@kbnn.example")
                .and_then(|s| s.unit.as_deref()),
            Some("HN-BD")
        );
        for (from, to, key) in [
            (
                "intake_operator = \"hotro-mail\"",
                "intake_operator = \"nobody\"",
                "mail.intake_operator",
            ),
            (
                "max_size = \"20MB\"",
                "max_size = \"lots\"",
                "mail.max_size",
            ),
            (
                "rate_limit_per_hour = 20",
                "rate_limit_per_hour = 0",
                "mail.rate_limit_per_hour",
            ),
            (
                "unit = \"HN-BD\"",
                "unit = \"NOWHERE\"",
                "mail.senders.unit",
            ),
        ] {
            let text = EMBEDDED.replace(from, to);
            assert_ne!(text, EMBEDDED, "{from}");
            match parse(&text, Source::Embedded) {
                Err(ConfigError::Invalid { key: Some(k), .. }) => assert_eq!(k, key),
                other => panic!("{to}: {other:?}"),
            }
        }
        assert_eq!(parse_size("512KB"), Some(512 * 1024));
        assert_eq!(parse_size("1048576"), Some(1_048_576));
        assert_eq!(parse_size("2 mb"), Some(2 * 1024 * 1024));
        assert_eq!(parse_size("x"), None);
        // [mail.imap]: the URL's forms, and each mistake refused with its key and the fix.
        use crate::domain::mail::ImapSecurity;
        let imap = |section: &str| {
            parse(
                &format!("{EMBEDDED}\n[mail.imap]\n{section}"),
                Source::Embedded,
            )
        };
        let ok = |section: &str| match imap(section) {
            Ok(c) => c.org.mail.imap.expect("[mail.imap] read"),
            Err(e) => panic!("{section}: {e:?}"),
        };
        let i = ok("url = \"imaps://mail.kbnn.example/INBOX\"\nuser = \"hotro\"");
        assert_eq!(
            (i.host.as_str(), i.port, i.security),
            ("mail.kbnn.example", 993, ImapSecurity::Tls)
        );
        assert_eq!((i.folder.as_str(), i.move_to), ("INBOX", None));
        let i = ok(
            "url = \"imap://mail.kbnn.example/Support%20Desk\"\nuser = \"hotro\"\nmove_to = \"Done\"",
        );
        assert_eq!((i.port, i.security), (143, ImapSecurity::StartTls));
        assert_eq!(
            (i.folder.as_str(), i.move_to.as_deref()),
            ("Support Desk", Some("Done"))
        );
        let i = ok("url = \"imap://127.0.0.1:1143?tls=none\"\nuser = \"hotro\"");
        assert_eq!(
            (i.security, i.folder.as_str()),
            (ImapSecurity::Plain, "INBOX")
        );
        for (section, key, says) in [
            (
                "url = \"imap://mail.kbnn.example/INBOX?tls=none\"\nuser = \"x\"",
                "mail.imap.url",
                "never sent unencrypted",
            ),
            (
                "url = \"imaps://h/INBOX?tls=none\"\nuser = \"x\"",
                "mail.imap.url",
                "always TLS",
            ),
            (
                "url = \"pop3://h/\"\nuser = \"x\"",
                "mail.imap.url",
                "not an IMAP address",
            ),
            (
                "url = \"imaps://h/INBOX?idle=yes\"\nuser = \"x\"",
                "mail.imap.url",
                "unknown option",
            ),
            (
                "url = \"nonsense\"\nuser = \"x\"",
                "mail.imap.url",
                "not a URL",
            ),
            (
                "url = \"imaps://h/Th%C6%B0\"\nuser = \"x\"",
                "mail.imap.url",
                "modified UTF-7",
            ),
            (
                "url = \"imaps://h/INBOX\"\nuser = \" \"",
                "mail.imap.user",
                "login",
            ),
            (
                "url = \"imaps://h/INBOX\"\nuser = \"x\"\nmove_to = \"Đã xử lý\"",
                "mail.imap.move_to",
                "modified UTF-7",
            ),
        ] {
            match imap(section) {
                Err(ConfigError::Invalid {
                    key: Some(k),
                    message,
                    ..
                }) => {
                    assert_eq!(k, key, "{section}");
                    assert!(message.contains(says), "{section}: {message}");
                }
                other => panic!("{section}: {other:?}"),
            }
        }
        // Without [mail] there is no intake.
        let start = EMBEDDED.find("\n[mail]").expect("the shipped [mail]");
        let cfg = parse(&EMBEDDED[..start], Source::Embedded).expect("valid without [mail]");
        assert!(cfg.org.mail.intake_operator.is_none());
    }

    /// `[mail] templates = "DIR"` (issue 12): DIR's files, relative to the configuration's
    /// folder, replace the shipped templates one by one; a file with a placeholder its kind
    /// lacks, one that is not UTF-8, one named like no template, or a folder that is not
    /// there is refused at load with the key, the line and the fix.
    #[test]
    fn mail_templates_are_overridden_file_by_file_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("hotro.toml");
        std::fs::create_dir(dir.path().join("mail")).unwrap();
        let text = EMBEDDED.replacen(
            "rate_limit_per_hour = 20",
            "rate_limit_per_hour = 20\ntemplates = \"mail\"",
            1,
        );
        assert_ne!(text, EMBEDDED);
        let line = text
            .lines()
            .position(|l| l.starts_with("templates = "))
            .unwrap()
            + 1;
        std::fs::write(&conf, &text).unwrap();
        std::fs::write(
            dir.path().join("mail/reply.vi.txt"),
            "Kính gửi {name},\n{text}\n-- {desk} ({key})\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("mail/README"), "not a template").unwrap();
        let m = load_file(&conf).unwrap().org.mail;
        assert_eq!(m.templates.keys().collect::<Vec<_>>(), ["reply.vi"]);
        assert!(m.templates["reply.vi"].starts_with("Kính gửi {name},"));
        let refused = |what: &str| match load_file(&conf) {
            Err(ConfigError::Invalid {
                key: Some(k),
                line: Some(l),
                message,
                ..
            }) => {
                assert_eq!(
                    (k.as_str(), l),
                    ("mail.templates", line),
                    "{what}: {message}"
                );
                message
            }
            other => panic!("{what}: {other:?}"),
        };
        // An unknown placeholder: named, with the ones the kind has.
        std::fs::write(dir.path().join("mail/ack.zh.txt"), "{name} {ticket}").unwrap();
        let e = refused("placeholder");
        assert!(
            e.contains("ack.zh.txt") && e.contains("{ticket}") && e.contains("{key}"),
            "{e}"
        );
        // Not UTF-8.
        std::fs::write(dir.path().join("mail/ack.zh.txt"), b"\xff\xfe{name}").unwrap();
        assert!(refused("not UTF-8").contains("UTF-8"));
        std::fs::remove_file(dir.path().join("mail/ack.zh.txt")).unwrap();
        // A name no template has (a typo would keep the shipped text without a word).
        std::fs::write(dir.path().join("mail/reply.vn.txt"), "{name}").unwrap();
        let e = refused("name");
        assert!(
            e.contains("reply.vn.txt") && e.contains("reply.vi.txt"),
            "{e}"
        );
        std::fs::remove_file(dir.path().join("mail/reply.vn.txt")).unwrap();
        // A folder that is not there.
        std::fs::write(
            &conf,
            text.replace("templates = \"mail\"", "templates = \"nowhere\""),
        )
        .unwrap();
        assert!(refused("folder").contains("nowhere"));
    }

    /// Issue 14: the morning check called the lead of a group other than the one running
    /// the application (Portal, DMDC). A system's group must be its application's.
    #[test]
    fn a_check_system_is_run_by_its_applications_group() {
        let org = embedded().org;
        for s in &org.check.systems {
            if let Some(app) = s.application.as_deref().and_then(|a| org.application(a)) {
                assert_eq!(s.group, app.group, "system {}", s.id);
            }
        }
        let bad = EMBEDDED.replacen(
            "application = \"Portal\"\ngroup = \"technical\"",
            "application = \"Portal\"\ngroup = \"workstations\"",
            1,
        );
        assert_ne!(bad, EMBEDDED);
        let err = parse(&bad, Source::Embedded).expect_err("two groups for Portal");
        let text = err.to_string();
        assert!(
            text.contains("morning_check.systems.group")
                && text.contains("set group = \"technical\""),
            "{text}"
        );
    }

    #[test]
    fn embedded_default_is_valid_and_complete() {
        let cfg = embedded();
        let org = &cfg.org;
        assert_eq!(org.tiers.len(), 5);
        let central: Vec<_> = org.groups.iter().filter(|g| g.tier == 3).collect();
        assert_eq!(
            central.len(),
            6,
            "seed 003: six groups at the central department"
        );
        for code in [
            "TABMIS",
            "TCS-TT",
            "TTLKB",
            "TTSP",
            "KTKB-ANQP",
            "QLTS",
            "Portal",
            "Mail",
            "KTNB",
            "THBC-ĐTKB-LAN",
            "DMDC",
            "DVC",
        ] {
            assert!(
                org.application(code).is_some(),
                "missing application {code}"
            );
        }
        for kind in [
            "incident",
            "consultation",
            "service-request",
            "data-repair",
            "configuration",
            "bug",
            "requirement",
        ] {
            assert!(org.kind(kind).is_some(), "missing kind {kind}");
        }
        assert_eq!(org.time_zone, chrono_tz::Asia::Ho_Chi_Minh);
        assert_eq!(org.priority.priority("high", "high"), Some("P1"));
        assert_eq!(org.priority.priority("low", "low"), Some("P4"));
        assert_eq!(org.key_format.format(2026, 123), "HT-2026-000123");
    }

    /// Issue 16 Deliver 2: `requirement_outside_window` is keep (default) or refuse;
    /// anything else is an error naming the key and its line.
    #[test]
    fn requirement_outside_window_is_keep_or_refuse() {
        use crate::domain::requirement::OutsideWindow;
        assert_eq!(
            embedded().org.requirement_outside_window,
            OutsideWindow::Keep
        );
        let with = |value: &str| {
            EMBEDDED.replacen(
                "default_urgency = \"medium\"\n",
                &format!(
                    "default_urgency = \"medium\"\nrequirement_outside_window = \"{value}\"\n"
                ),
                1,
            )
        };
        assert_ne!(with("refuse"), EMBEDDED);
        let cfg = parse(&with("refuse"), Source::Embedded).expect("refuse is valid");
        assert_eq!(cfg.org.requirement_outside_window, OutsideWindow::Refuse);
        let err = parse(&with("drop"), Source::Embedded)
            .expect_err("unknown value")
            .to_string();
        assert!(
            err.contains("organisation.requirement_outside_window")
                && err.contains("line")
                && err.contains("keep, refuse"),
            "{err}"
        );
    }

    #[test]
    fn malformed_procedures_are_config_errors_with_their_place() {
        let base = EMBEDDED;
        let proc_ = |steps: &str| {
            format!(
                "{base}\n[[procedures]]\nid = \"X\"\nkind = \"requirement\"\nname = {{ vi = \"x\", en = \"x\" }}\n{steps}"
            )
        };
        let step = |id: &str, extra: &str| {
            format!(
                "[[procedures.steps]]\nid = \"{id}\"\nname = {{ vi = \"x\", en = \"x\" }}\n{extra}\n"
            )
        };
        for (steps, want) in [
            (
                step("A", "budget = \"1d\"\nnext = [\"Z\"]"),
                "names step `Z`",
            ),
            (
                step("A", "budget = \"1d\"\nnext = []") + &step("B", "budget = \"1d\""),
                "cannot be reached",
            ),
            (step("A", ""), "has no budget"),
            (step("A", "budget = \"soon\""), "budget"),
        ] {
            let err = parse(&proc_(&steps), Source::Embedded)
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{want}: {err}");
            assert!(err.contains("line"), "{err}");
        }
    }
}
