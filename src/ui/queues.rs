//! The queues an operator watches, their live counts, and the list filter behind each.

use crate::domain::org::{Operator, Organisation, Role};
use crate::domain::status::Status;
use crate::i18n::Catalog;
use crate::store::{CountCell, TicketFilter};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueKind {
    Mine,
    UnassignedInGroup(String),
    Group(String),
    Following(String),
    /// The group's open tickets whose running SLA clock is at risk or breached (issue 14).
    AtRisk(String),
    /// A lead's attention queue: the group's tickets an SLA rule told the lead about
    /// (notify-lead) that are still at risk or breached (issue 14).
    LeadAttention(String),
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
        // Issue 14: the clocks that need attention (key 9), and for a lead what the SLA
        // rules told them about.
        Queue {
            kind: QueueKind::AtRisk(me.group.clone()),
            label: cat.f("queue.at_risk", &[("group", &group_name(&me.group))]),
        },
    ];
    if me.roles.contains(&Role::Lead) {
        out.push(Queue {
            kind: QueueKind::LeadAttention(me.group.clone()),
            label: cat.t("queue.lead_attention"),
        });
    }
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
    /// The list behind the queue as of `now` (the at-risk queues compare clocks with it).
    pub fn filter(&self, me: &Operator, now: DateTime<Utc>) -> TicketFilter {
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
            QueueKind::AtRisk(g) => TicketFilter {
                group: Some(g.clone()),
                attention_by: Some(now),
                by_due: true,
                ..open
            },
            QueueKind::LeadAttention(g) => TicketFilter {
                group: Some(g.clone()),
                attention_by: Some(now),
                notified_group: Some(g.clone()),
                by_due: true,
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

    /// How many tickets the queue holds: the cells its [`Queue::filter`] matches (one
    /// definition of membership for the list and its count). `None` for a queue the cells
    /// cannot count (the at-risk queues depend on time): count its filter in the store.
    pub fn count(&self, me: &Operator, cells: &[CountCell], now: DateTime<Utc>) -> Option<i64> {
        let filter = self.filter(me, now);
        filter.countable_by_cells().then(|| {
            cells
                .iter()
                .filter(|c| filter.matches_cell(c))
                .map(|c| c.count)
                .sum()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::{Change, Ctx, NewTicket};
    use crate::store::{Page, Store};

    /// Every queue's count is the length of its list: membership is defined once.
    #[test]
    fn every_queue_counts_what_it_lists() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::create(&dir.path().join("q.db")).expect("store");
        let cfg = crate::config::embedded();
        let org = &cfg.org;
        let now = chrono::Utc::now();
        let ctx = |actor: &'static str| Ctx {
            org,
            actor,
            now,
            by: None,
        };
        let groups = ["service-desk", "tabmis", "province-it"];
        for i in 0..12usize {
            let new = NewTicket {
                title: format!("Phiếu {i}"),
                group: Some(groups[i % 3].into()),
                assignee: (i % 4 == 0).then(|| "nguyenvanan".to_string()),
                ..NewTicket::default()
            };
            let (t, _) = store
                .create_ticket(&new, ctx("nguyenvanan"))
                .expect("create");
            let change = match i % 5 {
                1 => Some(Change::Escalate {
                    group: None,
                    reason: "cần tuyến trên".into(),
                    external_ref: None,
                }),
                2 => Some(Change::Resolve {
                    resolution: "xong".into(),
                }),
                3 => Some(Change::SetStatus {
                    to: crate::domain::status::Status::WaitingRequester,
                    reason: None,
                }),
                _ => None,
            };
            if let Some(c) = change {
                let _ = store.change_ticket(&t.key, None, c, ctx("nguyenvanan"));
            }
        }
        let cells = store.count_cells().expect("counts");
        let cat = crate::i18n::Catalog::new(crate::i18n::Lang::En);
        for login in ["nguyenvanan", "lethihoa", "tranthimai"] {
            let me = org.operator(login).expect("operator");
            for q in queues_for(org, me, &cat) {
                let listed = store
                    .list_tickets(
                        &q.filter(me, now),
                        Page {
                            limit: 1000,
                            before: None,
                        },
                    )
                    .expect("list")
                    .len() as i64;
                let counted = match q.count(me, &cells, now) {
                    Some(n) => n,
                    None => store.count_tickets(&q.filter(me, now)).expect("count"),
                };
                assert_eq!(counted, listed, "{login}: {}", q.label);
            }
        }
    }
}
