//! The organisation as data: tiers, groups, operators, applications, units, categories,
//! kinds, channels and the priority matrix. Built from the configuration file and validated
//! there; the domain only reads it.

use crate::domain::key::KeyFormat;
use chrono_tz::Tz;
use serde::Serialize;

/// A name in the languages the desk works in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Names {
    pub vi: String,
    pub en: String,
    pub zh: Option<String>,
}

impl Names {
    /// The name for a locale code (`vi`, `en`, `zh`), falling back to English.
    pub fn get(&self, lang: &str) -> &str {
        match lang {
            "vi" => &self.vi,
            "zh" => self.zh.as_deref().unwrap_or(&self.en),
            _ => &self.en,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tier {
    /// 1 = the requester, 2 = provincial IT office … 5 = experts and vendors.
    pub level: u8,
    pub id: String,
    pub name: Names,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub id: String,
    pub name: Names,
    pub tier: u8,
    pub lead: Option<String>,
    pub phone: Option<String>,
    /// A group outside the organisation (vendor); escalations to it carry an external reference.
    pub external: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Operator,
    Lead,
    KeyUser,
    Approver,
    Shift,
    Admin,
    /// The mail intake's service operator (issue 12).
    MailIntake,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Operator,
        Role::Lead,
        Role::KeyUser,
        Role::Approver,
        Role::Shift,
        Role::Admin,
        Role::MailIntake,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Lead => "lead",
            Role::KeyUser => "key_user",
            Role::Approver => "approver",
            Role::Shift => "shift",
            Role::Admin => "admin",
            Role::MailIntake => "mail_intake",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Operator {
    pub login: String,
    pub name: String,
    pub tier: u8,
    pub group: String,
    pub roles: Vec<Role>,
    /// Operating-system accounts that act as this operator when `--as` is not given.
    pub os_users: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Application {
    pub code: String,
    pub name: String,
    /// The group that owns the application (morning-check calls, default routing).
    pub group: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    /// Logins that review software requirements at this unit's level (issue 16, seed 004
    /// article 4); empty: the level is passed through.
    pub reviewers: Vec<String>,
}

/// A coded entry with names: categories, kinds, channels, impact and urgency levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coded {
    pub id: String,
    pub name: Names,
    /// For a category: its tickets are errors caused by users, listed in the user-error
    /// list sent to the provinces (seed 003; `user_caused = true` in `[[categories]]`).
    /// Always false for kinds, channels and levels.
    pub user_caused: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriorityMatrix {
    /// Priority ids, most urgent first (e.g. P1..P4).
    pub levels: Vec<Coded>,
    pub impact: Vec<Coded>,
    pub urgency: Vec<Coded>,
    /// `cells[impact][urgency]` is an index into `levels`.
    pub cells: Vec<Vec<usize>>,
}

impl PriorityMatrix {
    /// The priority id for an impact and urgency id; `None` if either is unknown.
    pub fn priority(&self, impact: &str, urgency: &str) -> Option<&str> {
        let i = self.impact.iter().position(|c| c.id == impact)?;
        let u = self.urgency.iter().position(|c| c.id == urgency)?;
        let level = *self.cells.get(i)?.get(u)?;
        self.levels.get(level).map(|c| c.id.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Organisation {
    pub name: String,
    pub time_zone: Tz,
    pub key_format: KeyFormat,
    pub tiers: Vec<Tier>,
    pub groups: Vec<Group>,
    pub operators: Vec<Operator>,
    pub applications: Vec<Application>,
    pub units: Vec<Unit>,
    pub categories: Vec<Coded>,
    pub kinds: Vec<Coded>,
    pub channels: Vec<Coded>,
    pub priority: PriorityMatrix,
    /// Impact and urgency given to a new ticket when the operator sets none.
    pub default_impact: String,
    pub default_urgency: String,
    /// The tier and group that receive new tickets.
    pub intake_group: String,
    /// The morning readiness check: its window and the systems on the checklist.
    pub check: crate::domain::check::CheckSettings,
    /// Office hours, holidays and make-up days: the clock of every budget and SLA.
    pub calendar: crate::domain::calendar::WorkCalendar,
    /// First-response and resolution targets, counted on `calendar`.
    pub sla: crate::domain::sla::SlaSettings,
    /// One procedure per ticket kind (kinds without one have no steps).
    pub procedures: Vec<crate::domain::procedure::Procedure>,
    /// What each role may do (`[permissions]` over the defaults of issue 11).
    pub permissions: crate::domain::permission::Permissions,
    /// How far back `--received-at` may date a request (`organisation.received_at_limit_days`,
    /// default 7 days).
    pub received_at_limit: chrono::Duration,
    /// `organisation.route_to_application_owner`: a new ticket about an application goes
    /// straight to its owning group of the same tier, the intake following it (issue 14).
    pub route_to_application_owner: bool,
    /// A requirement submitted after its month's window: kept for the next window or
    /// refused (`organisation.requirement_outside_window`, default keep; issue 16).
    pub requirement_outside_window: crate::domain::requirement::OutsideWindow,
    /// The organisation's own synonym groups for the knowledge search (`[search] synonyms`),
    /// added to the shipped ones; each group a list of words or phrases as written.
    pub search_synonyms: Vec<Vec<String>>,
    /// The desk's mailbox and mail intake (`[mail]`, issue 12).
    pub mail: crate::domain::mail::MailSettings,
}

impl Organisation {
    pub fn procedure_for(&self, kind: &str) -> Option<&crate::domain::procedure::Procedure> {
        self.procedures.iter().find(|p| p.kind == kind)
    }

    /// The lead of a group as (name, phone): whom to call when its system fails.
    pub fn group_contact(&self, group: &str) -> (Option<String>, Option<String>) {
        let Some(g) = self.group(group) else {
            return (None, None);
        };
        let name = g.lead.as_deref().map(|login| {
            self.operator(login)
                .map(|op| op.name.clone())
                .unwrap_or_else(|| login.to_string())
        });
        (name, g.phone.clone())
    }
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }
    pub fn tier(&self, level: u8) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.level == level)
    }
    pub fn operator(&self, login: &str) -> Option<&Operator> {
        self.operators.iter().find(|o| o.login == login)
    }
    /// The operator an operating-system account acts as.
    ///
    /// The account listed in an operator's `os_users`; else the operator whose login is the
    /// account's name, if that operator lists no accounts of its own (an operator who lists
    /// accounts is reached only through them).
    pub fn operator_for_os_user(&self, os_user: &str) -> Option<&Operator> {
        self.operators
            .iter()
            .find(|o| o.os_users.iter().any(|u| u == os_user))
            .or_else(|| self.operator(os_user).filter(|o| o.os_users.is_empty()))
    }
    pub fn application(&self, code: &str) -> Option<&Application> {
        self.applications
            .iter()
            .find(|a| a.code.eq_ignore_ascii_case(code))
    }
    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.code == code)
    }
    pub fn category(&self, id: &str) -> Option<&Coded> {
        self.categories.iter().find(|c| c.id == id)
    }
    pub fn kind(&self, id: &str) -> Option<&Coded> {
        self.kinds.iter().find(|c| c.id == id)
    }
    pub fn channel(&self, id: &str) -> Option<&Coded> {
        self.channels.iter().find(|c| c.id == id)
    }
    /// The first group of a tier: where an escalation lands when no group is named.
    pub fn default_group_of_tier(&self, level: u8) -> Option<&Group> {
        self.groups.iter().find(|g| g.tier == level)
    }
    pub fn highest_tier(&self) -> u8 {
        self.tiers.iter().map(|t| t.level).max().unwrap_or(1)
    }
}
