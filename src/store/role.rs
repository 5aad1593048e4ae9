//! Who the database server says is connected (issue 17, Deliver 2: on PostgreSQL the
//! operator is the server's role, never a claim the caller brings).

use super::engine::{EngineKind, Sql, params};
use super::{Store, StoreError};

impl Store {
    /// Act as operator `login` on PostgreSQL (`SET ROLE`, [`super::PgConn::set_role`]): the
    /// server then checks what is written against that role. Nothing on SQLite. Errors:
    /// [`StoreError::Postgres`] when the connected role is not allowed to.
    pub fn set_role(&mut self, login: &str) -> Result<(), StoreError> {
        self.pg_conn().map_or(Ok(()), |pg| pg.set_role(login))
    }

    /// The server's `current_user` on PostgreSQL (the role the connection authenticated
    /// as: peer authentication maps the OS account, a certificate or a password names it);
    /// `None` on SQLite, where the OS account of the process is who acts.
    pub fn server_role(&mut self) -> Result<Option<String>, StoreError> {
        if self.engine() != EngineKind::Postgres {
            return Ok(None);
        }
        self.read_tx(|tx| {
            tx.query_row(&Sql::both("SELECT current_user::text"), params![])?
                .map(|r| r.get(0))
                .transpose()
        })
    }
}

impl Store {
    /// Where this host keeps the database's search index, as a path the index folder sits
    /// beside ([`crate::search::index_dir`] adds `.search`): the SQLite file itself; for a
    /// PostgreSQL database, `hotro/pg-<db_id>` in this host's cache folder
    /// (`$XDG_CACHE_HOME`, else `~/.cache`), one index per host and database, derived from
    /// the server's search outbox (issue 17, Deliver 4). Errors: the database's id cannot
    /// be read.
    pub fn index_home(&mut self) -> Result<std::path::PathBuf, StoreError> {
        if self.engine() != EngineKind::Postgres {
            return Ok(self.path().to_path_buf());
        }
        let id = self.db_id()?;
        let safe: String = id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache"))
            })
            .unwrap_or_else(std::env::temp_dir);
        Ok(cache.join("hotro").join(format!("pg-{safe}")))
    }
}
