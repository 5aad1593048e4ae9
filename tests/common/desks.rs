//! The database a test drives the real binary against (`--db`), on each engine (issue 17):
//! a SQLite file in the test's folder, or a database on a throwaway PostgreSQL cluster of its
//! own ([`super::pg::Cluster`], stopped when dropped). Nothing mocked.
//!
//! [`on_each_engine`] runs a test body once per engine `HOTRO_TEST_ENGINE` selects (as
//! [`super::engines`]: `sqlite`, `postgres`, `both`; unset means both); [`Database::new`]
//! makes the database on the engine of the body running.
#![allow(dead_code, clippy::unwrap_used, clippy::disallowed_macros)]

use super::pg::Cluster;
use std::cell::Cell;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

thread_local! {
    static ENGINE: Cell<Engine> = const { Cell::new(Engine::Sqlite) };
}

/// Run `body` once on each engine `HOTRO_TEST_ENGINE` selects. Without PostgreSQL installed
/// its run fails under `CI=true` (or when asked for explicitly) and is skipped with a notice
/// elsewhere. Outside a body (the tests about the SQLite file itself) the engine is SQLite.
pub fn on_each_engine(body: impl Fn()) {
    let which = std::env::var("HOTRO_TEST_ENGINE").unwrap_or_default();
    let engines: &[Engine] = match which.as_str() {
        "" | "both" => &[Engine::Sqlite, Engine::Postgres],
        "sqlite" => &[Engine::Sqlite],
        "postgres" => &[Engine::Postgres],
        other => panic!("HOTRO_TEST_ENGINE={other}: expected sqlite, postgres or both"),
    };
    for &engine in engines {
        if engine == Engine::Postgres && !Cluster::available() {
            assert_ne!(
                which, "postgres",
                "HOTRO_TEST_ENGINE=postgres: PostgreSQL is not installed (see SKIPPED above)"
            );
            continue;
        }
        eprintln!("---- on {engine:?}");
        ENGINE.with(|e| e.set(engine));
        body();
    }
    ENGINE.with(|e| e.set(Engine::Sqlite));
}

/// One database for `--db`.
pub struct Database {
    /// What `--db` names: the SQLite file, or the PostgreSQL URL (as the superuser
    /// `postgres`, who may act `--as` anyone on a test database).
    pub target: String,
    pub engine: Engine,
    pub cluster: Option<Cluster>,
}

impl Database {
    /// On the engine of the body running: `hotro.db` in `dir` (not created yet), or a new
    /// empty database `hotro` (no schema yet) on a cluster of its own.
    pub fn new(dir: &Path) -> Database {
        let engine = ENGINE.with(Cell::get);
        let (target, cluster) = match engine {
            Engine::Sqlite => (dir.join("hotro.db").display().to_string(), None),
            Engine::Postgres => {
                let cluster = Cluster::start().expect("PostgreSQL checked by on_each_engine");
                (cluster.create_db("hotro"), Some(cluster))
            }
        };
        Database {
            target,
            engine,
            cluster,
        }
    }

    /// The store on this database (another process's connection, for set-up and checks).
    /// The schema must exist (after `hotro init`, or made by this call on SQLite).
    pub fn store(&self) -> hotro::store::Store {
        match self.engine {
            Engine::Sqlite => hotro::store::Store::open(Path::new(&self.target)).unwrap(),
            Engine::Postgres => hotro::store::Store::open_postgres(&self.target).unwrap(),
        }
    }

    /// Each row of `sql` (written for both engines; no parameters), every column read as
    /// text (`NULL` as `None`). Write `CAST(x AS TEXT)` for a column that is not text.
    pub fn text_rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        match &self.cluster {
            None => {
                let c = rusqlite::Connection::open(&self.target).unwrap();
                let mut st = c.prepare(sql).unwrap();
                let n = st.column_count();
                st.query_map([], |r| {
                    (0..n)
                        .map(|i| r.get::<_, Option<String>>(i))
                        .collect::<Result<Vec<_>, _>>()
                })
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap()
            }
            Some(cluster) => cluster
                .superuser("hotro")
                .query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.get::<_, Option<String>>(i))
                        .collect()
                })
                .collect(),
        }
    }

    /// The one integer `sql` answers (`count(*)`, a sum cast to an integer …).
    pub fn scalar(&self, sql: &str) -> i64 {
        match &self.cluster {
            None => rusqlite::Connection::open(&self.target)
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap(),
            Some(cluster) => {
                let row = cluster.superuser("hotro").query_one(sql, &[]).unwrap();
                // count(*) is bigint; other integers may be int4.
                row.try_get::<_, i64>(0)
                    .or_else(|_| row.try_get::<_, i32>(0).map(i64::from))
                    .unwrap()
            }
        }
    }

    /// Run `sql` (statements for both engines) as the file's owner / the superuser, the way
    /// someone with direct access would tamper: on PostgreSQL with triggers off
    /// (`session_replication_role = replica`), so the append-only guard on events does not
    /// stop the forgery a test wants the audit to find.
    pub fn tamper(&self, sql: &str) {
        match &self.cluster {
            None => rusqlite::Connection::open(&self.target)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Some(cluster) => cluster
                .superuser("hotro")
                .batch_execute(&format!(
                    "SET session_replication_role = replica; {sql}; \
                     SET session_replication_role = DEFAULT"
                ))
                .unwrap(),
        }
    }

    /// Run `sql` (statements for both engines) as the owner / superuser, triggers on.
    pub fn execute(&self, sql: &str) {
        match &self.cluster {
            None => rusqlite::Connection::open(&self.target)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Some(cluster) => cluster.superuser("hotro").batch_execute(sql).unwrap(),
        }
    }

    /// Rows in `table`, read with plain SQL beside the store.
    pub fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM {table}");
        match &self.cluster {
            None => rusqlite::Connection::open(&self.target)
                .unwrap()
                .query_row(&sql, [], |r| r.get(0))
                .unwrap(),
            Some(cluster) => cluster
                .superuser("hotro")
                .query_one(&sql, &[])
                .unwrap()
                .get(0),
        }
    }
}
