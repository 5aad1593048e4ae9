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
    // The index is kept between runs (beside the database): built when missing or stale, or
    // always with HOTRO_BENCH_REBUILD=1.
    let t = Instant::now();
    if std::env::var_os("HOTRO_BENCH_REBUILD").is_some() {
        let n = index.rebuild(&mut store, &mut |_, _| {}).expect("rebuild");
        println!(
            "index build: {n} documents in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    } else {
        let r = index.sync(&mut store, &mut |_, _| {}).expect("sync");
        println!(
            "index {}: {} changes in {:.1} s",
            if r.rebuilt { "built" } else { "up to date" },
            r.applied,
            t.elapsed().as_secs_f64()
        );
    }
    merge_segments(&path);
    // Reopened: the reader sees the merged segments.
    let index = SearchIndex::open(&path).expect("index");

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
    // The hard evaluation set's queries by kind (questions, abbreviations, Telex/VNI, Chinese,
    // mixed languages, code variants, paraphrases, noisy): measured for speed here, for
    // quality by `cargo test --test kb`.
    let hard = hard_queries();
    let mut queries: Vec<(String, Vec<&str>)> = queries
        .iter()
        .map(|(k, l)| (k.to_string(), l.to_vec()))
        .collect();
    for (kind, list) in &hard {
        queries.push((
            format!("hard {kind}"),
            list.iter().map(String::as_str).collect(),
        ));
    }
    let filters = Filters {
        statuses: vec!["published".into(), "resolved".into(), "closed".into()],
        ..Filters::default()
    };
    println!(
        "{:<22} {:>9} {:>9} {:>9}  (ms, 20 results, {})",
        "query",
        "p50",
        "p95",
        "max",
        path.display()
    );
    let mut everything = Vec::new();
    let mut slowest: Vec<(Duration, &str)> = Vec::new();
    for (kind, list) in &queries {
        let mut times = Vec::new();
        for round in 0..40 {
            for q in list {
                let p = plan(q);
                let t = Instant::now();
                let hits = index.search(&p, &filters, 20).expect("search");
                let took = t.elapsed();
                times.push(took);
                if round == 0 {
                    slowest.push((took, q));
                }
                std::hint::black_box(hits);
            }
        }
        everything.extend(times.iter().copied());
        let (p50, p95, max) = percentiles(times);
        println!("{kind:<22} {p50:>9.2} {p95:>9.2} {max:>9.2}");
    }
    let (p50, p95, max) = percentiles(everything);
    println!("{:<22} {p50:>9.2} {p95:>9.2} {max:>9.2}", "all");
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    // Where a slow query's time goes: median of 9 runs of the whole search, of reading the
    // query (decoding, synonyms) and of the spelling-correction lookup alone.
    let median = |f: &mut dyn FnMut()| {
        let mut t: Vec<Duration> = (0..9)
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed()
            })
            .collect();
        t.sort();
        t[4].as_secs_f64() * 1000.0
    };
    for (took, q) in slowest.iter().take(8) {
        let p = plan(q);
        let whole = median(&mut || {
            std::hint::black_box(index.search(&p, &filters, 20).expect("search"));
        });
        let understood = index.understand(&p);
        let read = median(&mut || {
            std::hint::black_box(index.understand(&p));
        });
        let correct = median(&mut || {
            std::hint::black_box(index.corrected(&understood.plan).expect("correct"));
        });
        println!(
            "  slow: {:>6.2} ms (median {whole:.2}: understand {read:.2}, correct {correct:.2})  {q}",
            took.as_secs_f64() * 1000.0
        );
    }

    // A whole process, as a script or an operator's shell would run it.
    let bin = env!("CARGO_BIN_EXE_hotro");
    let mut times = Vec::new();
    // The same kinds as above: two of each hard kind and four plain queries.
    let mut process_queries: Vec<&str> =
        vec!["dang nhap tabmis", "đối chiếu ttsp", "指标", "may in"];
    for (_, list) in &hard {
        process_queries.extend(list.iter().take(2).map(String::as_str));
    }
    for q in process_queries {
        for _ in 0..5 {
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
        "{:<22} {p50:>9.2} {p95:>9.2} {max:>9.2}  (whole `hotro kb search` process)",
        "process"
    );
}

/// `tests/data/kb-hard-dev-queries.jsonl` grouped by kind, in file order.
fn hard_queries() -> Vec<(String, Vec<String>)> {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/kb-hard-dev-queries.jsonl"
    );
    let text = std::fs::read_to_string(file).expect("read the hard dev queries");
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let (Some(q), Some(kind)) = (v["q"].as_str(), v["kind"].as_str()) else {
            continue;
        };
        match out.iter_mut().find(|(k, _)| k == kind) {
            Some((_, list)) => list.push(q.to_string()),
            None => out.push((kind.to_string(), vec![q.to_string()])),
        }
    }
    out
}

/// The index's segments merged into one, as a freshly built index settles once its merges
/// have run (a rebuild commits many segments; a writer that waits for its merges joins them).
fn merge_segments(db: &std::path::Path) {
    let index = tantivy::Index::open_in_dir(hotro::search::index_dir(db)).expect("open index");
    let ids = index.searchable_segment_ids().expect("segments");
    if ids.len() > 1 {
        let t = Instant::now();
        let mut writer: tantivy::IndexWriter<tantivy::TantivyDocument> = index
            .writer_with_num_threads(1, 64 * 1024 * 1024)
            .expect("writer");
        let n = ids.len();
        writer.merge(&ids).wait().expect("merge");
        writer.wait_merging_threads().expect("merges");
        println!(
            "index: {n} segments merged into one in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
}
