//! Who the database server says is connected (issue 17, Deliver 2: on PostgreSQL the
//! operator is the server's role, never a claim the caller brings).

use super::engine::{EngineKind, Sql, params};
use super::{Store, StoreError};

impl Store {
    /// The server's `current_user` on PostgreSQL (the role the connection authenticated
    /// as: peer authentication maps the OS account, a certificate or a password names it);
    /// `None` on SQLite, where the OS account of the process is who acts.
    pub fn server_role(&mut self) -> Result<Option<String>, StoreError> {
        self.read_tx(|tx| {
            if tx.engine() != EngineKind::Postgres {
                return Ok(None);
            }
            tx.query_row(&Sql::both("SELECT current_user::text"), params![])?
                .map(|r| r.get(0))
                .transpose()
        })
    }
}
