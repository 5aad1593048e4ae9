//! Delivering the outbox (issue 12, deliver 5): the mails public replies queued, handed to
//! a [`Deliver`]er (SMTP in the product, [`crate::mail::smtp`]), each outcome recorded.

use super::{Desk, DeskError};
use crate::domain::outbox::{Delivery, next_try};
use crate::domain::permission::Permission;
use crate::store::OutboxMail;
use serde::Serialize;

/// Why a mail did not go: `permanent` when the server refused it for good (5xx, an address
/// it will not take), else worth another try later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undelivered {
    pub permanent: bool,
    pub message: String,
}

/// Something that hands one mail to a mail server.
pub trait Deliver {
    /// Errors: [`Undelivered`], permanent or not.
    fn deliver(&mut self, m: &OutboxMail) -> Result<(), Undelivered>;
}

/// What one pass of the sender did, mail by mail.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SendReport {
    pub sent: Vec<String>,
    /// (Message-ID, error): tried again later.
    pub retry: Vec<(String, String)>,
    /// (Message-ID, error): given up.
    pub failed: Vec<(String, String)>,
}

impl Desk<'_> {
    /// One pass of the sender (`hotro mail send`): up to `limit` mails due now, oldest
    /// first. Each is claimed before it is handed over and settled after, so a sender that
    /// dies in between never sends it twice (it stays `sending`, shown by `mail status`).
    /// Needs `send_mail` (the mail service operator, admins).
    ///
    /// Errors: no operator or no permission; the store. A mail the server refuses is not an
    /// error: it is in the report and on the outbox.
    pub fn send_outbox(
        &mut self,
        via: &mut dyn Deliver,
        limit: usize,
    ) -> Result<SendReport, DeskError> {
        let op = self.session.writer()?;
        self.org().permissions.require(op, Permission::SendMail)?;
        let mut report = SendReport::default();
        // One mail claimed at a time: a sender that dies leaves at most the one it was
        // handing over uncertain.
        for _ in 0..limit {
            let Some(m) = self.store.claim_outbox(self.now, 1)?.pop() else {
                break;
            };
            let id = m.mail.message_id.clone();
            match via.deliver(&m) {
                Ok(()) => {
                    self.store
                        .settle_outbox(m.id, Delivery::Sent, None, None, self.now)?;
                    report.sent.push(id);
                }
                Err(e) => match next_try(m.attempts, self.now).filter(|_| !e.permanent) {
                    Some(at) => {
                        self.store.settle_outbox(
                            m.id,
                            Delivery::Pending,
                            Some(at),
                            Some(&e.message),
                            self.now,
                        )?;
                        report.retry.push((id, e.message));
                    }
                    None => {
                        self.store.settle_outbox(
                            m.id,
                            Delivery::Failed,
                            None,
                            Some(&e.message),
                            self.now,
                        )?;
                        report.failed.push((id, e.message));
                    }
                },
            }
        }
        Ok(report)
    }

    /// Send again a mail whose sender died while handing it over (`hotro mail resend ID`,
    /// after checking it did not arrive): it goes back in the queue, due now. Needs
    /// `send_mail`. Returns whether a mail left `sending` had that Message-ID.
    pub fn resend_mail(&mut self, message_id: &str) -> Result<bool, DeskError> {
        let op = self.session.writer()?;
        self.org().permissions.require(op, Permission::SendMail)?;
        let id = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        Ok(self.store.requeue_outbox(id, self.now)?)
    }

    /// The outbox, newest first (at most `limit`), and how many mails are in each state
    /// (`hotro mail status`). Needs `read`.
    pub fn outbox(&mut self, limit: usize) -> Result<crate::store::OutboxView, DeskError> {
        self.reader()?;
        Ok(self.store.outbox(limit)?)
    }
}
