//! Delivering the outbox by SMTP submission (issue 12): lettre's blocking client connection,
//! TLS by rustls (SMTPS, or STARTTLS required or opportunistic), authentication with a
//! password read from a file or the environment. Parsing and the server's answers only;
//! what to send and what becomes of a refusal is [`crate::desk::Desk::send_outbox`]'s.
//!
//! The handover is split around DATA with lettre's [`SmtpConnection`]: connect, EHLO,
//! STARTTLS, AUTH, MAIL FROM and RCPT TO first; only once the server took the envelope is
//! the DATA mark committed (the `handing` callback) and the message sent. Everything before
//! the mark certainly did not deliver the message; a connection lost after DATA began and
//! before the server's answer to the message may have.

use crate::desk::outbox::{Deliver, Undelivered};
use crate::domain::outbox::SmtpSettings;
use crate::store::OutboxMail;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{SmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use std::time::Duration;

/// The environment variable a password may come from when `password_file` is not given.
pub const PASSWORD_ENV: &str = "HOTRO_SMTP_PASSWORD";

/// How long one SMTP step (connecting, each command, the message) may take before the
/// server counts as out of reach: far shorter than a claim's lease
/// ([`crate::domain::outbox::LEASE_MINUTES`]).
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Why the submission server cannot be used: the setting at fault and the fix.
#[derive(Debug, thiserror::Error)]
pub enum SmtpSetupError {
    #[error("[mail.smtp] url {url:?}: {problem}")]
    Url { url: String, problem: String },
    #[error("[mail.smtp] password_file {path}: {problem}")]
    PasswordFile { path: String, problem: String },
    #[error("[mail.smtp] user is set but no password: give password_file or set {PASSWORD_ENV}")]
    NoPassword,
}

/// A connection setting for one pass of the sender: where to connect, how (TLS), as whom.
pub struct SmtpSender {
    /// The session of the last mail handed over, ended (QUIT) only once its outcome is
    /// recorded — before the next mail, or when the sender is dropped — so that waiting for
    /// the server's goodbye does not widen the uncertain window.
    finished: Option<SmtpConnection>,
    host: String,
    port: u16,
    tls: Tls,
    hello: ClientId,
    credentials: Option<Credentials>,
}

impl SmtpSender {
    /// The sender for `[mail.smtp]`: `smtps://host[:465]` (TLS from the start),
    /// `smtp://host[:587]?tls=required|opportunistic` (STARTTLS), `smtp://host[:25]` (no
    /// TLS); a path names the EHLO host. Errors: a URL that is none of those, an unreadable
    /// password file, a user without a password.
    pub fn new(s: &SmtpSettings) -> Result<SmtpSender, SmtpSetupError> {
        let bad = |problem: String| SmtpSetupError::Url {
            url: s.url.clone(),
            problem,
        };
        let url = url::Url::parse(&s.url).map_err(|e| bad(e.to_string()))?;
        let host = url
            .host_str()
            .ok_or_else(|| bad("no host".to_string()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let tls_mode = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.to_string());
        let params = || TlsParameters::new(host.clone()).map_err(|e| bad(e.to_string()));
        let (tls, default_port) = match (url.scheme(), tls_mode.as_deref()) {
            ("smtp", None) => (Tls::None, 25),
            ("smtp", Some("required")) => (Tls::Required(params()?), 587),
            ("smtp", Some("opportunistic")) => (Tls::Opportunistic(params()?), 587),
            ("smtps", _) => (Tls::Wrapper(params()?), 465),
            (scheme, tls) => {
                return Err(bad(format!(
                    "unknown scheme {scheme:?} or tls={}",
                    tls.unwrap_or("")
                )));
            }
        };
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_string()),
        };
        let decode = |v: &str| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|e| bad(e.to_string()))
        };
        let mut credentials = match url.password() {
            Some(p) => Some(Credentials::new(decode(url.username())?, decode(p)?)),
            None => None,
        };
        if let Some(user) = &s.user {
            let password = match &s.password_file {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|e| SmtpSetupError::PasswordFile {
                        path: path.display().to_string(),
                        problem: e.to_string(),
                    })?
                    .trim_end_matches(['\r', '\n'])
                    .to_string(),
                None => std::env::var(PASSWORD_ENV).map_err(|_| SmtpSetupError::NoPassword)?,
            };
            credentials = Some(Credentials::new(user.clone(), password));
        }
        Ok(SmtpSender {
            finished: None,
            port: url.port().unwrap_or(default_port),
            host,
            tls,
            hello,
            credentials,
        })
    }

    /// A session up to the envelope: connected, TLS, logged in, MAIL FROM and RCPT TO
    /// accepted.
    fn envelope(
        &self,
        message: &Message,
        body: &[u8],
    ) -> Result<SmtpConnection, lettre::transport::smtp::Error> {
        let wrapper = match &self.tls {
            Tls::Wrapper(p) => Some(p),
            _ => None,
        };
        let mut conn = SmtpConnection::connect(
            (self.host.as_str(), self.port),
            Some(TIMEOUT),
            &self.hello,
            wrapper,
            None,
        )?;
        let step = |conn: &mut SmtpConnection| -> Result<(), lettre::transport::smtp::Error> {
            match &self.tls {
                Tls::Required(p) => conn.starttls(p, &self.hello)?,
                Tls::Opportunistic(p) if conn.can_starttls() => conn.starttls(p, &self.hello)?,
                _ => {}
            }
            if let Some(c) = &self.credentials {
                conn.auth(DEFAULT_MECHANISMS, c)?;
            }
            let envelope = message.envelope();
            let mut options = Vec::new();
            let non_ascii = envelope
                .to()
                .iter()
                .chain(envelope.from())
                .any(|a| !AsRef::<str>::as_ref(a).is_ascii());
            if non_ascii {
                options.push(MailParameter::SmtpUtfEight);
            }
            if !body.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
                options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
            }
            conn.command(Mail::new(envelope.from().cloned(), options))?;
            for to in envelope.to() {
                conn.command(Rcpt::new(to.clone(), vec![]))?;
            }
            Ok(())
        };
        match step(&mut conn) {
            Ok(()) => Ok(conn),
            Err(e) => {
                conn.abort();
                Err(e)
            }
        }
    }
}

impl SmtpSender {
    /// End the last mail's session, if one is open (its outcome is recorded by now).
    fn quit(&mut self) {
        if let Some(mut conn) = self.finished.take() {
            let _ = conn.quit();
        }
    }
}

impl Drop for SmtpSender {
    fn drop(&mut self) {
        self.quit();
    }
}

/// A refusal or failure before the message went: certain not to have delivered it.
fn before_data(e: &lettre::transport::smtp::Error) -> Undelivered {
    Undelivered {
        // A 5xx answer is final; a 4xx one or a server out of reach is tried again.
        permanent: e.is_permanent(),
        uncertain: false,
        message: e.to_string(),
    }
}

/// The DATA phase's text of a message (RFC 5321 4.5.2, as lettre's own codec makes it): a
/// `.` starting a line (after CRLF, or at the very start) is doubled, and CRLF `.` CRLF ends
/// it. Made whole so that it goes to the server in one write: lettre's
/// `SmtpConnection::message` writes the end in a second write on a socket without
/// `TCP_NODELAY`, which then waits for the server's delayed ACK (Nagle) — about 45 ms a mail
/// against a local aiosmtpd, against under 2 ms in one write (measured, benches/README.md).
fn data_block(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 8);
    let (mut after_cr, mut line_start) = (false, true);
    for ch in message.chars() {
        if line_start && ch == '.' {
            out.push('.');
        }
        out.push(ch);
        line_start = after_cr && ch == '\n';
        after_cr = ch == '\r';
    }
    out.push_str("\r\n.\r\n");
    out
}

/// A DATA block sent as one SMTP "command": written whole, then the server's answer read.
struct DataBlock(String);

impl std::fmt::Display for DataBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Deliver for SmtpSender {
    fn deliver(
        &mut self,
        m: &OutboxMail,
        handing: &mut dyn FnMut() -> bool,
    ) -> Result<(), Undelivered> {
        let permanent = |e: String| Undelivered {
            permanent: true,
            uncertain: false,
            message: e,
        };
        let mut b = Message::builder()
            .from(
                m.mail
                    .from
                    .parse()
                    .map_err(|e| permanent(format!("from: {e}")))?,
            )
            .to(m
                .mail
                .to
                .parse()
                .map_err(|e| permanent(format!("to: {e}")))?)
            .subject(m.mail.subject.clone())
            .message_id(Some(format!("<{}>", m.mail.message_id)))
            .header(ContentType::TEXT_PLAIN);
        if let Some(last) = m.references.last() {
            b = b.in_reply_to(format!("<{last}>")).references(
                m.references
                    .iter()
                    .map(|r| format!("<{r}>"))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        let message = b
            .body(m.mail.body.clone())
            .map_err(|e| permanent(e.to_string()))?;
        let body = message.formatted();
        self.quit();
        let mut conn = self
            .envelope(&message, &body)
            .map_err(|e| before_data(&e))?;
        // The DATA mark: from here on the message may reach the server.
        if !handing() {
            conn.abort();
            return Err(Undelivered {
                permanent: false,
                uncertain: false,
                message: "not handed over: the claim on it was no longer this sender's".into(),
            });
        }
        if let Err(e) = conn.command(Data) {
            // Refused, or lost before the server asked for the message: it never went.
            conn.abort();
            return Err(before_data(&e));
        }
        // The message and its end in one write (see `data_block`), when it is text; lettre's
        // own two writes otherwise.
        let sent = match std::str::from_utf8(&body) {
            Ok(text) => conn.command(DataBlock(data_block(text))),
            Err(_) => conn.message(&body),
        };
        match sent {
            Ok(_) => {
                self.finished = Some(conn);
                Ok(())
            }
            // The server answered the message with a refusal: it did not take it.
            Err(e) if e.is_permanent() || e.is_transient() => {
                conn.abort();
                Err(before_data(&e))
            }
            // Lost while the server was taking it: it may have arrived.
            Err(e) => {
                conn.abort();
                Err(Undelivered {
                    permanent: false,
                    uncertain: true,
                    message: e.to_string(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::data_block;

    #[test]
    fn a_data_block_is_dot_stuffed_and_ended() {
        assert_eq!(data_block("a\r\nb\r\n"), "a\r\nb\r\n\r\n.\r\n");
        assert_eq!(
            data_block(".start\r\n.\r\nmid.dle\r\n..two"),
            "..start\r\n..\r\nmid.dle\r\n...two\r\n.\r\n"
        );
        // Only a CRLF starts a line, as lettre's codec has it.
        assert_eq!(data_block("x\n.y"), "x\n.y\r\n.\r\n");
        assert_eq!(
            data_block("Tiếng Việt\r\n.中文"),
            "Tiếng Việt\r\n..中文\r\n.\r\n"
        );
    }
}
