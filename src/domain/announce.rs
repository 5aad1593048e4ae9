//! Incident announcements: when a system is down, users are told what is wrong, what to do
//! meanwhile and when it should be fixed. An announcement may name the incident ticket that
//! tracks the outage; tickets about the same application can be linked to that incident.

use crate::domain::org::Organisation;
use crate::domain::status::Status;
use crate::domain::text::{MAX_TITLE_CHARS, normalize_line};
use crate::domain::ticket::{DomainError, Ticket, check_line, check_text};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    pub id: i64,
    pub title: String,
    /// Application codes from config.
    pub applications: Vec<String>,
    /// What is wrong.
    pub problem: String,
    /// What users should do meanwhile.
    pub guidance: String,
    pub expected_fix: Option<DateTime<Utc>>,
    /// The incident ticket tracking the outage.
    pub incident: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub version: i64,
}

impl Announcement {
    pub fn is_active(&self) -> bool {
        self.resolved_at.is_none()
    }

    pub fn affects(&self, application: &str) -> bool {
        self.applications.iter().any(|a| a == application)
    }
}

/// What an operator types for a new announcement, or the fields of an edit (`None` keeps
/// the current value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnouncementInput {
    pub title: Option<String>,
    pub applications: Option<Vec<String>>,
    pub problem: Option<String>,
    pub guidance: Option<String>,
    /// `Some(None)` clears the expected fix time.
    pub expected_fix: Option<Option<DateTime<Utc>>>,
    pub incident: Option<Option<String>>,
}

/// Check and normalise an input against the organisation; applications are matched to their
/// configured codes case-insensitively. An expected fix time set now must not have passed
/// already (`now`: the time of the change): users would read it as a promise kept or broken
/// (issue 14). Errors: [`DomainError::FixInPast`], and the field checks.
pub fn validate(
    input: &AnnouncementInput,
    org: &Organisation,
    creating: bool,
    now: DateTime<Utc>,
) -> Result<AnnouncementInput, DomainError> {
    if let Some(Some(at)) = input.expected_fix
        && at < now
    {
        return Err(DomainError::FixInPast { at });
    }
    let title = match &input.title {
        Some(t) => Some(check_line("title", t, MAX_TITLE_CHARS)?),
        None if creating => return Err(DomainError::Empty { field: "title" }),
        None => None,
    };
    let applications = match &input.applications {
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for raw in list {
                let raw = normalize_line(raw);
                if raw.is_empty() {
                    continue;
                }
                let Some(app) = org
                    .applications
                    .iter()
                    .find(|a| a.code == raw || a.code.eq_ignore_ascii_case(&raw))
                else {
                    return Err(DomainError::Unknown {
                        what: "application",
                        value: raw,
                    });
                };
                if !out.contains(&app.code) {
                    out.push(app.code.clone());
                }
            }
            Some(out)
        }
        None => None,
    };
    let problem = input
        .problem
        .as_deref()
        .map(|p| check_text("problem", p, false))
        .transpose()?;
    let guidance = input
        .guidance
        .as_deref()
        .map(|g| check_text("guidance", g, false))
        .transpose()?;
    let incident = match &input.incident {
        Some(Some(k)) => {
            let k = normalize_line(k);
            Some((!k.is_empty()).then_some(k))
        }
        other => other.clone(),
    };
    Ok(AnnouncementInput {
        title,
        applications,
        problem,
        guidance,
        expected_fix: input.expected_fix,
        incident,
    })
}

/// The announced incident a ticket about `application` belongs to: the first active
/// announcement that affects the application and names an incident other than the ticket
/// itself. Returns the announcement and the incident's key. One rule for the CLI
/// (`ticket new --link-incident`) and the console (the offer after creating a ticket).
pub fn incident_for<'a>(
    announcements: &'a [Announcement],
    application: &str,
    ticket: &str,
) -> Option<(&'a Announcement, &'a str)> {
    announcements.iter().find_map(|a| {
        let incident = a.incident.as_deref()?;
        (a.is_active() && a.affects(application) && incident != ticket).then_some((a, incident))
    })
}

/// The active announcement whose incident is `key`, which may end when the incident is
/// resolved (issue 14: resolving an announced incident with linked tickets never offered
/// to end it). One rule for the CLI (`ticket resolve --end-announcement`) and the console
/// (the offer after resolving).
pub fn announcement_of_incident<'a>(
    announcements: &'a [Announcement],
    key: &str,
) -> Option<&'a Announcement> {
    announcements
        .iter()
        .find(|a| a.is_active() && a.incident.as_deref() == Some(key))
}

/// Whether an open ticket linked to an incident is resolved together with it: it has no
/// open work of its own ([`follows_incident`]) and no procedure step pending (a step is not
/// done by resolving around it). One rule for the preview and the resolve.
pub fn resolves_with_incident(t: &Ticket, org: &crate::domain::org::Organisation) -> bool {
    follows_incident(t) && crate::domain::ticket::pending_step(t, org).is_none()
}

/// Whether a ticket linked to an incident may be resolved together with it. A ticket with
/// its own open work is left alone: someone is working on it (in progress), it waits on
/// somebody, or it was escalated and is being followed; its own handler closes it.
pub fn follows_incident(t: &Ticket) -> bool {
    matches!(t.status, Status::New | Status::Assigned) && t.following_group().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Organisation {
        crate::config::embedded().org
    }

    /// Issue 14: the announcement that ends with an incident is the active one naming it.
    #[test]
    fn an_incident_has_the_active_announcement_that_names_it() {
        let at = chrono::Utc::now();
        let a = |id: i64, incident: &str, resolved: bool| Announcement {
            id,
            title: format!("#{id}"),
            applications: vec!["TABMIS".into()],
            problem: String::new(),
            guidance: String::new(),
            expected_fix: None,
            incident: Some(incident.into()),
            created_by: "x".into(),
            created_at: at,
            updated_by: "x".into(),
            updated_at: at,
            resolved_at: resolved.then_some(at),
            resolved_by: None,
            version: 1,
        };
        let list = [a(1, "HT-1", true), a(2, "HT-2", false), a(3, "HT-1", false)];
        assert_eq!(
            announcement_of_incident(&list, "HT-1").map(|a| a.id),
            Some(3)
        );
        assert_eq!(announcement_of_incident(&list, "HT-9"), None);
    }

    /// Issue 14: an expected fix time in the past was accepted.
    #[test]
    fn an_expected_fix_time_must_not_have_passed() {
        let org = org();
        let now = Utc::now();
        let mut input = AnnouncementInput {
            title: Some("TABMIS chậm".into()),
            applications: Some(vec!["TABMIS".into()]),
            expected_fix: Some(Some(now - chrono::TimeDelta::hours(1))),
            ..AnnouncementInput::default()
        };
        assert!(matches!(
            validate(&input, &org, true, now),
            Err(DomainError::FixInPast { .. })
        ));
        input.expected_fix = Some(Some(now + chrono::TimeDelta::hours(2)));
        assert!(validate(&input, &org, true, now).is_ok());
        // Clearing it is always allowed.
        input.expected_fix = Some(None);
        assert!(validate(&input, &org, false, now).is_ok());
    }

    #[test]
    fn a_new_announcement_needs_a_title_and_known_applications() {
        let org = org();
        let empty = AnnouncementInput::default();
        assert_eq!(
            validate(&empty, &org, true, Utc::now()),
            Err(DomainError::Empty { field: "title" })
        );
        let input = AnnouncementInput {
            title: Some("  TABMIS không đăng nhập được ".into()),
            applications: Some(vec!["tabmis".into(), "TABMIS".into(), " ".into()]),
            ..AnnouncementInput::default()
        };
        let ok = validate(&input, &org, true, Utc::now()).unwrap();
        assert_eq!(ok.title.as_deref(), Some("TABMIS không đăng nhập được"));
        assert_eq!(ok.applications, Some(vec!["TABMIS".to_string()]));
        let bad = AnnouncementInput {
            title: Some("x".into()),
            applications: Some(vec!["NOPE".into()]),
            ..AnnouncementInput::default()
        };
        assert!(matches!(
            validate(&bad, &org, true, Utc::now()),
            Err(DomainError::Unknown {
                what: "application",
                ..
            })
        ));
    }

    #[test]
    fn an_edit_may_leave_the_title_alone_and_clear_the_incident() {
        let input = AnnouncementInput {
            incident: Some(Some("  ".into())),
            ..AnnouncementInput::default()
        };
        let ok = validate(&input, &org(), false, Utc::now()).unwrap();
        assert_eq!(ok.title, None);
        assert_eq!(ok.incident, Some(None));
    }
}
