//! Knowledge and ticket search over a generated database: index build time, in-process query
//! latency by kind of query (p50 / p95 / max over many runs), and a whole `hotro kb search`
//! process. Prints a table; run with `cargo bench --bench search`
//! (`HOTRO_BENCH_TICKETS=1000000` for the national-desk figure, with tickets/20 articles).
#![allow(clippy::disallowed_macros)] // prints its own table of timings

#[path = "common.rs"]
mod common;

use hotro::domain::search::plan;
use hotro::search::{Filters, SearchIndex};
use hotro::store::Store;
use std::time::{Duration, Instant};

fn percentiles(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| ms(v[((v.len() as f64 * q) as usize).min(v.len() - 1)]);
    (at(0.5), at(0.95), ms(*v.last().unwrap_or(&Duration::ZERO)))
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs it as a test: keep that quick.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let tickets = common::bench_size();
    let path = common::bench_db(tickets);
    let mut store = Store::create(&path).expect("open");
    let mut index = SearchIndex::open(&path).expect("index");
    let t = Instant::now();
    let n = index.rebuild(&mut store, &mut |_, _| {}).expect("rebuild");
    println!(
        "index build: {n} documents in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let queries: &[(&str, &[&str])] = &[
        ("1 word", &["tabmis", "khóa", "mật", "ttsp", "chứng"]),
        (
            "2 words",
            &["dang nhap", "đối chiếu", "hộp thư", "máy in", "chữ ký"],
        ),
        (
            "3 words",
            &[
                "không đăng nhập",
                "lệnh thanh toán treo",
                "doi chieu ttsp",
                "tài khoản bị khóa",
                "báo cáo sai số",
            ],
        ),
        (
            "as you type",
            &[
                "d",
                "da",
                "dan",
                "dang",
                "dang n",
                "dang nh",
                "dang nha",
                "dang nhap t",
                "dang nhap tab",
            ],
        ),
        ("chinese", &["指标", "网络", "密码重置", "预算指标无法导入"]),
        ("code", &["ORA-00054", "ESC/P2", "\"ORA-0101", "01017"]),
        ("typo", &["tabmsi dang nhap", "hom thu dday"]),
    ];
    let filters = Filters {
        statuses: vec!["published".into(), "resolved".into(), "closed".into()],
        ..Filters::default()
    };
    println!(
        "{:<14} {:>9} {:>9} {:>9}  (ms, 20 results, {tickets} tickets)",
        "query", "p50", "p95", "max"
    );
    let mut everything = Vec::new();
    for (kind, list) in queries {
        let mut times = Vec::new();
        for _ in 0..40 {
            for q in *list {
                let p = plan(q);
                let t = Instant::now();
                let hits = index.search(&p, &filters, 20).expect("search");
                times.push(t.elapsed());
                std::hint::black_box(hits);
            }
        }
        everything.extend(times.iter().copied());
        let (p50, p95, max) = percentiles(times);
        println!("{kind:<14} {p50:>9.2} {p95:>9.2} {max:>9.2}");
    }
    let (p50, p95, max) = percentiles(everything);
    println!("{:<14} {p50:>9.2} {p95:>9.2} {max:>9.2}", "all");

    // A whole process, as a script or an operator's shell would run it.
    let bin = env!("CARGO_BIN_EXE_hotro");
    let mut times = Vec::new();
    for q in ["dang nhap tabmis", "đối chiếu ttsp", "指标", "may in"] {
        for _ in 0..10 {
            let t = Instant::now();
            let out = std::process::Command::new(bin)
                .args(["--db", &path.display().to_string(), "kb", "search", q])
                .output()
                .expect("run hotro");
            times.push(t.elapsed());
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let (p50, p95, max) = percentiles(times);
    println!(
        "{:<14} {p50:>9.2} {p95:>9.2} {max:>9.2}  (whole `hotro kb search` process)",
        "process"
    );
}
