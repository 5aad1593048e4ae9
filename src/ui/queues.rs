//! The queues an operator watches, their live counts, and the list filter behind each.

use crate::domain::org::{Operator, Organisation};
use crate::domain::status::Status;
use crate::i18n::Catalog;
use crate::store::{CountCell, TicketFilter};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueKind {
    Mine,
    UnassignedInGroup(String),
    Group(String),
    Following(String),
    Waiting(Status),
    ResolvedAwaiting,
    AllOpen,
    Tier(u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub kind: QueueKind,
    pub label: String,
}

/// The operator's queues: their own work first (so keys 1–9 reach it), then every group and
/// tier.
pub fn queues_for(org: &Organisation, me: &Operator, cat: &Catalog) -> Vec<Queue> {
    let lang = cat.lang().code();
    let group_name = |id: &str| {
        org.group(id)
            .map(|g| g.name.get(lang).to_string())
            .unwrap_or_else(|| id.to_string())
    };
    let mut out = vec![
        Queue {
            kind: QueueKind::Mine,
            label: cat.t("queue.mine"),
        },
        Queue {
            kind: QueueKind::UnassignedInGroup(me.group.clone()),
            label: cat.f("queue.unassigned", &[("group", &group_name(&me.group))]),
        },
        Queue {
            kind: QueueKind::Following(me.group.clone()),
            label: cat.t("queue.following"),
        },
        Queue {
            kind: QueueKind::Waiting(Status::WaitingRequester),
            label: cat.t("queue.waiting_requester"),
        },
        Queue {
            kind: QueueKind::Waiting(Status::WaitingVendor),
            label: cat.t("queue.waiting_vendor"),
        },
        Queue {
            kind: QueueKind::Waiting(Status::WaitingApproval),
            label: cat.t("queue.waiting_approval"),
        },
        Queue {
            kind: QueueKind::ResolvedAwaiting,
            label: cat.t("queue.resolved"),
        },
        Queue {
            kind: QueueKind::AllOpen,
            label: cat.t("queue.all_open"),
        },
    ];
    for g in &org.groups {
        out.push(Queue {
            kind: QueueKind::Group(g.id.clone()),
            label: group_name(&g.id),
        });
    }
    for t in &org.tiers {
        out.push(Queue {
            kind: QueueKind::Tier(t.level),
            label: cat.f(
                "queue.tier",
                &[("level", &t.level), ("name", &t.name.get(lang))],
            ),
        });
    }
    out
}

impl Queue {
    pub fn filter(&self, me: &Operator) -> TicketFilter {
        let open = TicketFilter {
            open_only: true,
            ..TicketFilter::default()
        };
        match &self.kind {
            QueueKind::Mine => TicketFilter {
                assignee: Some(me.login.clone()),
                ..open
            },
            QueueKind::UnassignedInGroup(g) => TicketFilter {
                group: Some(g.clone()),
                unassigned: true,
                ..open
            },
            QueueKind::Group(g) => TicketFilter {
                group: Some(g.clone()),
                ..open
            },
            QueueKind::Following(g) => TicketFilter {
                following_group: Some(g.clone()),
                ..open
            },
            QueueKind::Waiting(s) => TicketFilter {
                statuses: vec![*s],
                ..TicketFilter::default()
            },
            QueueKind::ResolvedAwaiting => TicketFilter {
                statuses: vec![Status::Resolved],
                ..TicketFilter::default()
            },
            QueueKind::AllOpen => open,
            QueueKind::Tier(t) => TicketFilter {
                tier: Some(*t),
                ..open
            },
        }
    }

    /// How many tickets the queue holds, from the trigger-kept count cells.
    pub fn count(&self, me: &Operator, cells: &[CountCell]) -> i64 {
        cells
            .iter()
            .filter(|c| match &self.kind {
                QueueKind::Mine => c.status.is_open() && c.assignee.as_deref() == Some(&me.login),
                QueueKind::UnassignedInGroup(g) => {
                    c.status.is_open() && c.assignee.is_none() && &c.group == g
                }
                QueueKind::Group(g) => c.status.is_open() && &c.group == g,
                QueueKind::Following(g) => {
                    c.status.is_open() && c.following_group.as_deref() == Some(g)
                }
                QueueKind::Waiting(s) => c.status == *s,
                QueueKind::ResolvedAwaiting => c.status == Status::Resolved,
                QueueKind::AllOpen => c.status.is_open(),
                QueueKind::Tier(t) => c.status.is_open() && c.tier == *t,
            })
            .map(|c| c.count)
            .sum()
    }
}
