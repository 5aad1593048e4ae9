//! Store benchmarks over a generated database, cached under `target/bench-data/`.
//! Size: `HOTRO_BENCH_TICKETS` (default 10000; 1000000 for the national-desk figure).
//! Run: `cargo bench --bench store`. With `HOTRO_BENCH_PG=<url>` the same benches run on
//! that PostgreSQL database (filled by `hotro db copy` from the bench file) instead.
//! Besides criterion's estimates, the queue pages and the ticket creation print their
//! p50 / p95 / p99 / max over a timed loop (`HOTRO_BENCH_ROUNDS`, default 1000 reads and
//! 300 commits).
#![allow(clippy::disallowed_macros)] // prints its own table of timings

#[path = "common.rs"]
mod common;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use hotro::config;
use hotro::domain::ticket::{Change, Ctx, NewTicket};
use hotro::store::{Page, Store, TicketFilter};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// p50, p95, p99 and max in ms.
fn percentiles(mut v: Vec<Duration>) -> (f64, f64, f64, f64) {
    v.sort();
    let at = |p: f64| {
        v.get(((v.len() as f64 - 1.0) * p).round() as usize)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    (at(0.5), at(0.95), at(0.99), at(1.0))
}

fn rounds() -> usize {
    std::env::var("HOTRO_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

fn benches(c: &mut Criterion) {
    let size = common::bench_size();
    let (tickets, mut store) = match common::bench_pg() {
        Some(url) => (
            format!("pg-{size}"),
            Store::open_postgres(&url).expect("open PostgreSQL"),
        ),
        None => (
            size.to_string(),
            Store::create(&common::bench_db(size)).expect("open"),
        ),
    };
    let cfg = config::embedded();
    let org = &cfg.org;
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
    // Percentiles (the goal is a p95), one timed call at a time, after a short warm-up.
    let wanted = |name: &str| {
        let args: Vec<String> = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        args.is_empty() || args.iter().any(|a| name.contains(a.as_str()))
    };
    if wanted(&format!("{tickets}/queue_page_50")) {
        println!("{tickets}: queue page of 50, {} calls each (ms)", rounds());
        println!(
            "{:<22} {:>8} {:>8} {:>8} {:>8}",
            "queue", "p50", "p95", "p99", "max"
        );
        for (name, filter) in &queues {
            for _ in 0..20 {
                black_box(store.list_tickets(filter, page).expect("list"));
            }
            let times: Vec<Duration> = (0..rounds())
                .map(|_| {
                    let t = Instant::now();
                    black_box(store.list_tickets(filter, page).expect("list"));
                    t.elapsed()
                })
                .collect();
            let (p50, p95, p99, max) = percentiles(times);
            println!("{name:<22} {p50:>8.3} {p95:>8.3} {p99:>8.3} {max:>8.3}");
        }
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
    if wanted(&format!("{tickets}/create_ticket_commit")) {
        let n = (rounds() * 3 / 10).max(1);
        let times: Vec<Duration> = (0..n)
            .map(|_| {
                let ctx = Ctx {
                    org,
                    actor: "nguyenvanan",
                    now: Utc::now(),
                    by: None,
                };
                let t = Instant::now();
                black_box(store.create_ticket(&new, ctx).expect("create"));
                t.elapsed()
            })
            .collect();
        let (p50, p95, p99, max) = percentiles(times);
        println!(
            "{tickets}: create a ticket (commit), {n} calls (ms): p50 {p50:.3} p95 {p95:.3} \
             p99 {p99:.3} max {max:.3}"
        );
    }
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
