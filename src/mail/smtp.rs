//! Delivering the outbox by SMTP submission (issue 12): lettre's blocking client, TLS by
//! rustls (SMTPS, or STARTTLS required), authentication with a password read from a file or
//! the environment. Parsing and the server's answers only; what to send and what becomes
//! of a refusal is [`crate::desk::Desk::send_outbox`]'s.

use crate::desk::outbox::{Deliver, Undelivered};
use crate::domain::outbox::SmtpSettings;
use crate::store::OutboxMail;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};

/// The environment variable a password may come from when `password_file` is not given.
pub const PASSWORD_ENV: &str = "HOTRO_SMTP_PASSWORD";

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

/// A connection setting for one pass of the sender.
pub struct SmtpSender {
    transport: SmtpTransport,
}

impl SmtpSender {
    /// The sender for `[mail.smtp]`. Errors: a URL lettre cannot use, an unreadable password
    /// file, a user without a password.
    pub fn new(s: &SmtpSettings) -> Result<SmtpSender, SmtpSetupError> {
        let mut builder = SmtpTransport::from_url(&s.url).map_err(|e| SmtpSetupError::Url {
            url: s.url.clone(),
            problem: e.to_string(),
        })?;
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
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(SmtpSender {
            transport: builder
                .timeout(Some(std::time::Duration::from_secs(30)))
                .build(),
        })
    }
}

impl Deliver for SmtpSender {
    fn deliver(&mut self, m: &OutboxMail) -> Result<(), Undelivered> {
        let permanent = |e: String| Undelivered {
            permanent: true,
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
        self.transport
            .send(&message)
            .map(|_| ())
            .map_err(|e| Undelivered {
                // A 5xx answer is final; a 4xx one or a server out of reach is tried again.
                permanent: e.is_permanent(),
                message: e.to_string(),
            })
    }
}
