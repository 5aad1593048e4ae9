//! The mail intake as an operation of the application layer (issue 12).
//!
//! Who acts: the one who runs `hotro mail fetch` needs [`Permission::FetchMail`] (admins, and
//! the intake's own service operator, whose OS account — the one cron runs it under — is in
//! its `os_users`). What is recorded is the configured intake operator's
//! (`[mail] intake_operator`, role `mail_intake`, [`Permission::IntakeMail`]); when someone
//! else ran it, the audit trail names them too (the event's `by`), as for `--as`.

use super::{Desk, DeskError};
use crate::domain::mail::{self as rules, MailClass};
use crate::domain::permission::{Permission, TicketScope, may_change, may_create};
use crate::domain::ticket::{Change, Ctx, NewTicket, Requester};
use crate::mail::InboundMail;
use crate::store::{Attachment, MailAction, MailRecord, MailTaken, StoreError};
use serde::Serialize;

/// What became of one mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailOutcome {
    /// The mail's key.
    pub key: String,
    /// `created`, `replied`, or why no ticket was touched (`auto_reply`, `bounce`, `list`,
    /// `loop`, `no_sender`, `rate_limited`, `too_large`).
    pub outcome: String,
    /// The ticket it opened or answered.
    pub ticket: Option<String>,
    /// Whether it had been taken before (then nothing changed now).
    pub known: bool,
    /// Attachments kept with the ticket.
    pub attachments: usize,
}

impl MailOutcome {
    fn of(record: &MailRecord, known: bool, attachments: usize) -> MailOutcome {
        MailOutcome {
            key: record.key.clone(),
            outcome: record.outcome.clone(),
            ticket: record.ticket.clone(),
            known,
            attachments,
        }
    }
}

impl Desk<'_> {
    /// The intake's service operator, after checking that the acting operator may run the
    /// intake and that the service operator may do what the intake does.
    fn intake_operator(&self) -> Result<(crate::domain::org::Operator, Option<String>), DeskError> {
        let session = self.session;
        let me = session.require(Permission::FetchMail)?;
        let org = self.org();
        let login = org
            .mail
            .intake_operator
            .as_deref()
            .ok_or(DeskError::NoMailIntake)?;
        let intake = org
            .operator(login)
            .cloned()
            .ok_or_else(|| DeskError::UnknownOperator {
                login: login.to_string(),
            })?;
        org.permissions.require(&intake, Permission::IntakeMail)?;
        let by = if me.login != intake.login {
            Some(me.login.clone())
        } else {
            session.real.clone()
        };
        Ok((intake, by))
    }

    /// The newest `limit` mails taken and what became of each (`hotro mail log`): for any
    /// operator who may read tickets. Errors: no operator or no `read` permission; the store.
    pub fn mail_log(&mut self, limit: usize) -> Result<Vec<MailRecord>, DeskError> {
        self.reader()?;
        Ok(self.store.mail_log(limit)?)
    }

    /// The files kept with ticket `key`, by number. Errors: no operator or no `read`
    /// permission; no such ticket; the store.
    pub fn attachments(&mut self, key: &str) -> Result<Vec<Attachment>, DeskError> {
        self.reader()?;
        self.store.ticket(key)?;
        Ok(self.store.attachments_of(key)?)
    }

    /// File `n` of ticket `key` with its bytes. Errors: no operator or no `read`
    /// permission; no such ticket or file; the store.
    pub fn attachment_content(
        &mut self,
        key: &str,
        n: i64,
    ) -> Result<(Attachment, Vec<u8>), DeskError> {
        self.reader()?;
        Ok(self.store.attachment_content(key, n)?)
    }

    /// Whether the acting operator may run the intake (checked before a folder is read).
    pub fn may_fetch_mail(&self) -> Result<(), DeskError> {
        self.intake_operator().map(|_| ())
    }

    /// Take one mail ([`crate::mail::read_file`]): refused whole when over the size limit,
    /// recorded without a ticket when it is automatic or list mail or from the desk itself
    /// ([`rules::classify`]) or when its sender is over the rate limit; otherwise added to
    /// the ticket it answers as the requester's reply ([`rules::thread_target`]: a
    /// Message-ID of the ticket in `In-Reply-To`/`References`, else a ticket key in the
    /// subject; a closed or cancelled ticket gets a new one instead), or a new ticket on the
    /// `email` channel, with the requester filled in from `[[mail.senders]]`. Attachments go
    /// with the ticket. A mail taken before changes nothing.
    pub fn take_mail(&mut self, mail: &InboundMail) -> Result<MailOutcome, DeskError> {
        let (intake, by) = self.intake_operator()?;
        if let Some(known) = self.store.mail_known(&mail.key)? {
            return Ok(MailOutcome::of(&known, true, 0));
        }
        let org = self.org();
        let settings = &org.mail;
        let now = self.now;
        let record = |outcome: &str| MailRecord {
            key: mail.key.clone(),
            message_id: mail.message_id.clone(),
            from: mail.from.clone(),
            from_name: mail.from_name.clone(),
            subject: mail.subject.clone(),
            size: mail.size,
            received_at: mail.arrived.unwrap_or(now),
            taken_at: now,
            taken_by: intake.login.clone(),
            outcome: outcome.to_string(),
            ticket: None,
        };
        let ctx = Ctx {
            org,
            actor: &intake.login,
            now,
            by: by.as_deref(),
        };
        let class = rules::classify(&mail.noise, settings);
        let hold = if mail.too_large || !rules::within_size(mail.size, settings) {
            Some("too_large")
        } else if class != MailClass::Normal {
            Some(class.as_str())
        } else {
            let recent = self
                .store
                .mails_from_since(&mail.from, now - settings.rate_window)?;
            (!rules::within_rate(recent, settings.rate_limit)).then_some("rate_limited")
        };
        let action = match hold {
            Some(_) => MailAction::Record,
            None => match self.thread_of(mail)? {
                Some(key) => {
                    let (ticket, events) = self.store.ticket_with_timeline(&key)?;
                    let change = Change::RequesterReply {
                        text: String::new(),
                        via: settings.channel.clone(),
                        from: None,
                    };
                    let scope = TicketScope {
                        ticket: &ticket,
                        created_by: events.first().map(|e| e.actor.as_str()),
                    };
                    may_change(&org.permissions, org, &intake, scope, &change)?;
                    let text = if mail.body.trim().is_empty() {
                        if mail.subject.trim().is_empty() {
                            "—".to_string()
                        } else {
                            mail.subject.clone()
                        }
                    } else {
                        mail.body.clone()
                    };
                    MailAction::Reply {
                        ticket: key,
                        text,
                        via: settings.channel.clone(),
                        from: Some(mail.from.clone()),
                    }
                }
                None => {
                    let new = self.new_ticket_of(mail);
                    may_create(&org.permissions, org, &intake, &new)?;
                    MailAction::Create(Box::new(new))
                }
            },
        };
        let files = if matches!(action, MailAction::Record) {
            &[][..]
        } else {
            &mail.attachments[..]
        };
        let taken =
            self.store
                .take_mail(&record(hold.unwrap_or("created")), &action, files, ctx)?;
        Ok(match taken {
            MailTaken::Known(r) => MailOutcome::of(&r, true, 0),
            MailTaken::Recorded {
                record,
                attachments,
                ..
            } => MailOutcome::of(&record, false, attachments.len()),
        })
    }

    /// The open ticket a mail answers, if any.
    fn thread_of(&mut self, mail: &InboundMail) -> Result<Option<String>, DeskError> {
        let by_reference = self.store.tickets_of_message_ids(&mail.references)?;
        let mut in_subject = Vec::new();
        for key in self.org().key_format.find_in(&mail.subject) {
            match self.store.ticket(&key) {
                Ok(_) => in_subject.push(key),
                Err(StoreError::TicketNotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let Some(key) = rules::thread_target(&by_reference, &in_subject) else {
            return Ok(None);
        };
        let t = self.store.ticket(&key)?;
        // A closed or cancelled request is not reopened by mail: the mail is a new one.
        Ok((!t.status.is_final()).then_some(key))
    }

    /// The ticket a new request by mail opens.
    fn new_ticket_of(&self, mail: &InboundMail) -> NewTicket {
        let org = self.org();
        let known = org.mail.sender(&mail.from);
        let requester = Requester {
            name: known
                .map(|k| k.name.clone())
                .or_else(|| mail.from_name.clone()),
            unit: known.and_then(|k| k.unit.clone()),
            phone: known.and_then(|k| k.phone.clone()),
            email: (!mail.from.is_empty()).then(|| mail.from.clone()),
        };
        // Whole seconds: the stored time of the ticket is never before its arrival.
        let now = chrono::DateTime::<chrono::Utc>::from_timestamp(self.now.timestamp(), 0)
            .unwrap_or(self.now);
        NewTicket {
            title: rules::title_of(&mail.subject, &mail.body, &mail.from),
            description: mail.body.clone(),
            channel: Some(org.mail.channel.clone()),
            requester,
            received_at: Some(rules::arrival(mail.arrived, now, org.received_at_limit)),
            ..NewTicket::default()
        }
    }

    /// Attach files to a ticket by hand, alone or with a reply or note (`ticket reply
    /// --attach FILE`): one transaction. Needs the right to make the change, or, for files
    /// alone, the right to work the ticket (as a note does). Returns the ticket and the
    /// events written.
    pub fn change_with_files(
        &mut self,
        key: &str,
        expect_version: Option<i64>,
        change: Option<Change>,
        files: &[crate::store::NewAttachment],
    ) -> Result<
        (
            crate::domain::ticket::Ticket,
            Vec<crate::domain::ticket::Event>,
        ),
        DeskError,
    > {
        let session = self.session;
        let op = session.writer()?;
        let org = self.org();
        let (ticket, events) = self.store.ticket_with_timeline(key)?;
        let scope = TicketScope {
            ticket: &ticket,
            created_by: events.first().map(|e| e.actor.as_str()),
        };
        let checked = change.clone().unwrap_or(Change::Note {
            text: String::new(),
        });
        may_change(&org.permissions, org, op, scope, &checked)?;
        Ok(self.store.change_with_files(
            key,
            expect_version,
            change,
            files,
            session.ctx(op, self.now),
        )?)
    }
}
