//! Shared by the benchmarks: a generated database of a given size, made once and cached
//! under `target/bench-data/`, and the size to use.

use chrono::Utc;
use hotro::config;
use hotro::demo::{self, FillOptions};
use hotro::store::Store;
use std::path::PathBuf;

/// `HOTRO_BENCH_PG`: a PostgreSQL database to measure instead of a SQLite file (e.g.
/// `postgresql:///hotro?host=/run/postgresql`, filled by `hotro db copy` from the bench file).
#[allow(dead_code)] // the store bench's; the console and search benches measure files
pub fn bench_pg() -> Option<String> {
    std::env::var("HOTRO_BENCH_PG")
        .ok()
        .filter(|v| !v.is_empty())
}

/// `HOTRO_BENCH_TICKETS` (default 10000; 1000000 for the national-desk figures).
pub fn bench_size() -> usize {
    std::env::var("HOTRO_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// The database to measure: `HOTRO_BENCH_DB` if set (an existing file, e.g. one made with
/// `hotro init --test` and `hotro demo`), else the generated one of `tickets` tickets.
pub fn bench_db(tickets: usize) -> PathBuf {
    if let Some(path) = std::env::var_os("HOTRO_BENCH_DB").filter(|v| !v.is_empty()) {
        return PathBuf::from(path);
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    // The schema's fingerprint: a database cached for an older schema is not reused.
    let schema = hotro::store::schema_fingerprint();
    let path = dir.join(format!("tickets-{tickets}-{schema}.db"));
    let done = dir.join(format!("tickets-{tickets}-{schema}.done"));
    if !done.exists() {
        let _ = std::fs::remove_file(&path);
        let org = config::embedded().org;
        let mut store = Store::create(&path).expect("open bench database");
        let opts = FillOptions {
            tickets,
            articles: tickets / 20,
            seed: 1,
            now: Utc::now(),
        };
        demo::fill(&mut store, &org, &opts, |_| {}).expect("fill bench database");
        std::fs::write(&done, b"ok").expect("mark bench database done");
    }
    path
}
