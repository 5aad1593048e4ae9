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
    /// How many tickets the queue holds: the cells its [`Queue::filter`] matches (one
    /// definition of membership for the list and its count).
    pub fn count(&self, me: &Operator, cells: &[CountCell]) -> i64 {
        let filter = self.filter(me);
        cells
            .iter()
            .filter(|c| filter.matches_cell(c))
            .map(|c| c.count)
            .sum()
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
                        &q.filter(me),
                        Page {
                            limit: 1000,
                            before: None,
                        },
                    )
                    .expect("list")
                    .len() as i64;
                assert_eq!(q.count(me, &cells), listed, "{login}: {}", q.label);
            }
        }
    }
}
