//! Store benchmarks over a generated database, cached under `target/bench-data/`.
//! Size: `HOTRO_BENCH_TICKETS` (default 10000; 1000000 for the national-desk figure).
//! Run: `cargo bench --bench store`.

#[path = "common.rs"]
mod common;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use hotro::config;
use hotro::domain::ticket::{Change, Ctx, NewTicket};
use hotro::store::{Page, Store, TicketFilter};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let tickets = common::bench_size();
    let path = common::bench_db(tickets);
    let cfg = config::embedded();
    let org = &cfg.org;
    let mut store = Store::create(&path).expect("open");
    let page = Page {
        limit: 50,
        before: None,
    };

    let queues: Vec<(&str, TicketFilter)> = vec![
        (
            "all_open",
            TicketFilter {
                open_only: true,
                ..TicketFilter::default()
            },
        ),
        (
            "group_open",
            TicketFilter {
                open_only: true,
                group: Some("tabmis".into()),
                ..TicketFilter::default()
            },
        ),
        (
            "mine",
            TicketFilter {
                open_only: true,
                assignee: Some("doquangvinh".into()),
                ..TicketFilter::default()
            },
        ),
        (
            "unassigned_in_group",
            TicketFilter {
                open_only: true,
                unassigned: true,
                group: Some("service-desk".into()),
                ..TicketFilter::default()
            },
        ),
        (
            "following",
            TicketFilter {
                open_only: true,
                following_group: Some("province-it".into()),
                ..TicketFilter::default()
            },
        ),
        (
            "waiting_vendor",
            TicketFilter {
                statuses: vec!["waiting_vendor".parse().expect("status")],
                ..TicketFilter::default()
            },
        ),
    ];
    for (name, filter) in &queues {
        c.bench_function(&format!("{tickets}/queue_page_50/{name}"), |b| {
            b.iter(|| black_box(store.list_tickets(filter, page).expect("list")))
        });
    }

    // The leaders' monthly report (issue 13; goal ≤ 1 s at 1M tickets): last month's figures
    // beside the month before, through the application layer as `hotro report summary`.
    {
        use chrono::Datelike;
        let last_month = Utc::now()
            .with_timezone(&org.time_zone)
            .date_naive()
            .with_day(1)
            .and_then(|d| d.pred_opt())
            .expect("a month before this one");
        let period =
            hotro::domain::report::ReportPeriod::month(&last_month.format("%Y-%m").to_string())
                .expect("month");
        let me = org.operator("nguyenvanan").expect("operator").clone();
        let session = hotro::desk::Session::assume(cfg.clone(), me);
        let mut g = c.benchmark_group(format!("{tickets}/report"));
        g.sample_size(10);
        g.bench_function(format!("month_{}", period.label()), |b| {
            b.iter(|| {
                let mut desk = hotro::desk::Desk::new(&mut store, &session, Utc::now());
                black_box(desk.report(period, None).expect("report"))
            })
        });
        g.finish();
    }

    let keys: Vec<String> = store
        .list_tickets(
            &TicketFilter::default(),
            Page {
                limit: 200,
                before: None,
            },
        )
        .expect("list")
        .into_iter()
        .map(|r| r.key)
        .collect();
    let mut i = 0;
    c.bench_function(&format!("{tickets}/open_ticket_with_timeline"), |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            black_box(store.ticket_with_timeline(&keys[i]).expect("show"))
        })
    });

    // What a queue page needs for its SLA column: 100 tickets, their timelines, the clocks.
    let page_keys: Vec<String> = keys.iter().take(100).cloned().collect();
    c.bench_function(&format!("{tickets}/sla_page_100"), |b| {
        b.iter(|| {
            let now = Utc::now();
            let loaded = store.timelines_of(&page_keys).expect("timelines");
            black_box(
                loaded
                    .iter()
                    .map(|(t, events)| {
                        hotro::domain::sla::compute(t, events, &org.calendar, &org.sla, now)
                    })
                    .collect::<Vec<_>>(),
            )
        })
    });

    let new = NewTicket {
        title: "Không đăng nhập được TABMIS".into(),
        description: "Tài khoản bị khóa sau nhiều lần nhập sai mật khẩu.".into(),
        application: Some("TABMIS".into()),
        ..NewTicket::default()
    };
    c.bench_function(&format!("{tickets}/create_ticket_commit"), |b| {
        b.iter(|| {
            let ctx = Ctx {
                org,
                actor: "nguyenvanan",
                now: Utc::now(),
                by: None,
            };
            black_box(store.create_ticket(&new, ctx).expect("create"))
        })
    });
    c.bench_function(&format!("{tickets}/note_commit"), |b| {
        b.iter(|| {
            let ctx = Ctx {
                org,
                actor: "nguyenvanan",
                now: Utc::now(),
                by: None,
            };
            let change = Change::Note {
                text: "ghi chú".into(),
            };
            black_box(
                store
                    .change_ticket(&keys[0], None, change, ctx)
                    .expect("note"),
            )
        })
    });
}

criterion_group! {
    name = store;
    config = Criterion::default().sample_size(50);
    targets = benches
}
criterion_main!(store);
