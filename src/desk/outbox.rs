//! Delivering the outbox (issue 12, deliver 5): the mails public replies queued, handed to
//! a [`Deliver`]er (SMTP in the product, [`crate::mail::smtp`]), each outcome recorded.
//!
//! A mail's handover is three commits: the claim (held by this process until its lease runs
//! out, [`crate::domain::outbox::LEASE_MINUTES`]), the DATA mark once the server took the
//! envelope, and the outcome. A sender that dies before the DATA mark certainly did not
//! hand the message over: once the lease ran out the next pass queues it again by itself.
//! One that dies after it may have: the mail is uncertain and waits for a person
//! ([`Desk::resend_mail`]).

use super::{Desk, DeskError};
use crate::domain::outbox::{Delivery, lease_until, next_try};
use crate::domain::permission::Permission;
use crate::store::OutboxMail;
use serde::Serialize;

/// Why a mail did not go: `permanent` when the server refused it for good (5xx, an address
/// it will not take), else worth another try later — unless `uncertain`: the connection
/// broke after the message's DATA began and before the server answered, so it may have
/// arrived (it is then neither retried nor failed: a person decides).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undelivered {
    pub permanent: bool,
    pub uncertain: bool,
    pub message: String,
}

/// Something that hands one mail to a mail server.
pub trait Deliver {
    /// Hand `m` over. `handing` must be called once the server accepted the envelope (MAIL
    /// FROM, RCPT TO) and before DATA is sent: it commits the DATA mark and returns whether
    /// the message may go; on `false` (the claim is no longer this sender's, or the mark
    /// could not be recorded) the deliverer ends the session without DATA and returns a
    /// non-permanent [`Undelivered`].
    ///
    /// Errors: [`Undelivered`], permanent, temporary or uncertain.
    fn deliver(
        &mut self,
        m: &OutboxMail,
        handing: &mut dyn FnMut() -> bool,
    ) -> Result<(), Undelivered>;
}

/// What one pass of the sender did, mail by mail.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SendReport {
    /// Message-IDs of the claims whose sender stopped before handing the message over
    /// (lease run out, no DATA mark): queued again, sent in this pass when due.
    pub requeued: Vec<String>,
    pub sent: Vec<String>,
    /// (Message-ID, error): tried again later.
    pub retry: Vec<(String, String)>,
    /// (Message-ID, error): given up.
    pub failed: Vec<(String, String)>,
    /// (Message-ID, error): the connection broke while the server was taking it; it may
    /// have arrived, so it is not sent again by itself.
    pub uncertain: Vec<(String, String)>,
}

impl SendReport {
    /// Whether the pass did nothing at all.
    pub fn idle(&self) -> bool {
        self.requeued.is_empty()
            && self.sent.is_empty()
            && self.retry.is_empty()
            && self.failed.is_empty()
            && self.uncertain.is_empty()
    }
}

/// Who holds this process's claims: `host/pid/token`, the token (the instant of the first
/// claim, in nanoseconds since the epoch, hexadecimal) telling apart a later process that
/// got the same pid.
pub fn claim_holder() -> String {
    static TOKEN: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
    let token = TOKEN.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    });
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    format!("{host}/{}/{token:x}", std::process::id())
}

impl Desk<'_> {
    /// One pass of the sender (`hotro mail send`): first the claims whose sender stopped
    /// before handing the message over are queued again (their lease ran out without the
    /// DATA mark), then up to `limit` mails due now, oldest first, each claimed before the
    /// connection, marked before DATA and settled after. A mail is never sent twice: only a
    /// sender that stopped between the DATA mark and the outcome leaves one uncertain, and
    /// that one waits for a person. Needs `send_mail` (the mail service operator, admins).
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
        // The desk's instant at the start, moved on by the time the pass has taken, so that
        // each claim's lease runs from its own claim even in a long pass.
        let (start, started) = (self.now, std::time::Instant::now());
        let clock =
            move || start + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        let holder = claim_holder();
        let mut report = SendReport {
            requeued: self.store.requeue_stalled(start)?,
            ..SendReport::default()
        };
        // One mail claimed at a time: a sender that dies leaves at most the one it was
        // handing over uncertain.
        for _ in 0..limit {
            let now = clock();
            let Some(m) = self
                .store
                .claim_outbox(now, 1, &holder, lease_until(now))?
                .pop()
            else {
                break;
            };
            let id = m.mail.message_id.clone();
            let store = &mut *self.store;
            let mut mark_error = None;
            let outcome = via.deliver(
                &m,
                &mut || match store.mark_handing(m.id, &holder, clock()) {
                    Ok(ours) => ours,
                    Err(e) => {
                        mark_error = Some(e);
                        false
                    }
                },
            );
            if let Some(e) = mark_error {
                // Not handed over: the claim runs out and the next pass queues it again.
                return Err(e.into());
            }
            let now = clock();
            let settle = |store: &mut crate::store::Store, state, at, error: Option<&str>| {
                store.settle_outbox(m.id, &holder, state, at, error, now)
            };
            // A claim taken back meanwhile (its lease ran out, another sender queued it
            // again) is not settled here: nothing changes and nothing is reported.
            match outcome {
                Ok(()) => {
                    if settle(self.store, Delivery::Sent, None, None)? {
                        report.sent.push(id);
                    }
                }
                Err(e) if e.uncertain => {
                    if settle(self.store, Delivery::Sending, None, Some(&e.message))? {
                        report.uncertain.push((id, e.message));
                    }
                }
                Err(e) => match next_try(m.attempts, now).filter(|_| !e.permanent) {
                    Some(at) => {
                        if settle(self.store, Delivery::Pending, Some(at), Some(&e.message))? {
                            report.retry.push((id, e.message));
                        }
                    }
                    None => {
                        if settle(self.store, Delivery::Failed, None, Some(&e.message))? {
                            report.failed.push((id, e.message));
                        }
                    }
                },
            }
        }
        Ok(report)
    }

    /// Send again by hand a mail that may not have arrived (`hotro mail resend ID`, the
    /// console's resend key): one left uncertain by an interrupted sender, once a person
    /// checked it did not arrive, or one that failed. It goes back in the queue, due now,
    /// its attempts counted afresh. Needs `send_mail`. Returns whether a mail uncertain or
    /// failed had that Message-ID (a pending, sent or held one is left alone).
    pub fn resend_mail(&mut self, message_id: &str) -> Result<bool, DeskError> {
        let op = self.session.writer()?;
        self.org().permissions.require(op, Permission::SendMail)?;
        let id = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        Ok(self.store.requeue_outbox(id, self.now)?)
    }

    /// The outbox, newest first (at most `limit`), and how many mails stand in each way
    /// (`hotro mail status`). Needs `read`.
    pub fn outbox(&mut self, limit: usize) -> Result<crate::store::OutboxView, DeskError> {
        self.reader()?;
        Ok(self.store.outbox(limit, self.now)?)
    }
}
