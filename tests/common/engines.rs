//! The store on each engine a test runs against (issue 17): SQLite on a real temporary file,
//! PostgreSQL on a real throwaway cluster ([`super::pg::Cluster`]). Nothing mocked.
//!
//! `HOTRO_TEST_ENGINE` selects: `sqlite`, `postgres` or `both`. Unset means both: where
//! PostgreSQL is missing, the PostgreSQL half fails under `CI=true` and is skipped with a
//! notice elsewhere (as tests/postgres.rs does). `postgres` asked for explicitly and missing
//! always fails.
#![allow(dead_code, clippy::unwrap_used, clippy::disallowed_macros)]

use super::pg::Cluster;
use hotro::store::{EngineKind, Store};
use std::path::PathBuf;

/// One engine with a fresh hotro database on it. Dropped in field order: the connection,
/// then the file's folder or the cluster.
pub struct Engine {
    pub db: Store,
    /// The SQLite file, or the PostgreSQL URL.
    pub target: String,
    _dir: Option<tempfile::TempDir>,
    _cluster: Option<Cluster>,
}

impl Engine {
    /// The engine's name, for assertion messages.
    pub fn name(&self) -> &'static str {
        match self.db.engine() {
            EngineKind::Sqlite => "sqlite",
            EngineKind::Postgres => "postgres",
        }
    }

    /// Another connection to the same database (another operator's process).
    pub fn reopen(&self) -> Store {
        connect(self.db.engine(), &self.target)
    }

    /// Run plain SQL on the database outside the store (test set-up only).
    pub fn setup_sql(&self, sql: &str) {
        match self.db.engine() {
            EngineKind::Sqlite => {
                let c = rusqlite::Connection::open(&self.target).unwrap();
                c.execute_batch(sql).unwrap();
            }
            EngineKind::Postgres => {
                let mut c = postgres::Client::connect(&self.target, postgres::NoTls).unwrap();
                c.batch_execute(sql).unwrap();
            }
        }
    }
}

/// A new connection to `target` on `kind` (for threads: an [`Engine`] is not `Sync`).
pub fn connect(kind: EngineKind, target: &str) -> Store {
    match kind {
        EngineKind::Sqlite => Store::open(&PathBuf::from(target)).unwrap(),
        EngineKind::Postgres => Store::open_postgres(target).unwrap(),
    }
}

fn sqlite() -> Engine {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotro.db");
    let store = Store::create(&path).unwrap();
    Engine {
        db: store,
        target: path.to_string_lossy().into_owned(),
        _dir: Some(dir),
        _cluster: None,
    }
}

fn postgres(required: bool) -> Option<Engine> {
    let cluster = match Cluster::start() {
        Some(c) => c,
        None if required => {
            panic!("HOTRO_TEST_ENGINE=postgres: PostgreSQL is not installed (see SKIPPED above)")
        }
        None => return None,
    };
    let url = cluster.create_db("hotro");
    let db = Store::open_postgres(&url).unwrap();
    Some(Engine {
        db,
        target: url,
        _dir: None,
        _cluster: Some(cluster),
    })
}

/// The engines `HOTRO_TEST_ENGINE` selects, each with a new database.
pub fn engines() -> Vec<Engine> {
    let which = std::env::var("HOTRO_TEST_ENGINE").unwrap_or_default();
    match which.as_str() {
        "" | "both" => std::iter::once(sqlite()).chain(postgres(false)).collect(),
        "sqlite" => vec![sqlite()],
        "postgres" => postgres(true).into_iter().collect(),
        other => panic!("HOTRO_TEST_ENGINE={other}: expected sqlite, postgres or both"),
    }
}

/// Run `test` on each engine [`engines`] selects, each with a new database (the engine's
/// name printed first, for the log of a failure).
pub fn each(test: impl Fn(&mut Engine)) {
    let mut all = engines();
    assert!(!all.is_empty());
    for e in &mut all {
        eprintln!("engine: {}", e.name());
        test(e);
    }
}
