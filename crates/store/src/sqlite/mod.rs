//! The embedded metadata store: one SQLite file.
//!
//! Durability settings: rollback journal (`journal_mode=DELETE`) with `synchronous=FULL`,
//! so a committed transaction survives a crash and an interrupted one rolls back on the
//! next open; `secure_delete=ON`, so a replaced wrapped key is overwritten in the file,
//! not left on a free page. One connection, behind a mutex: transactions are serial.

mod migrations;
mod tx;

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use rusqlite::{Connection, TransactionBehavior};

use crate::{Store, StoreError, Tx};

/// The metadata store in a SQLite file.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_at_version(path, migrations::latest())
    }

    /// Opens a store that lives only in memory, for tests and tools.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::prepare(Connection::open_in_memory()?, migrations::latest())
    }

    /// Opens the store migrated only up to `version`; lets tests build an older schema.
    #[doc(hidden)]
    pub fn open_at_version(path: &Path, version: i64) -> Result<Self, StoreError> {
        create_private(path)?;
        Self::prepare(Connection::open(path)?, version)
    }

    /// The schema version this build writes.
    pub fn latest_schema_version() -> i64 {
        migrations::latest()
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    fn prepare(mut conn: Connection, version: i64) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "DELETE")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::migrate_to(&mut conn, version)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }
}

/// Creates the database file readable by its owner only, when it does not exist yet.
/// SQLite gives its journal the same permissions as the database file.
fn create_private(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match created {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Io(e)),
    }
}

impl Store for SqliteStore {
    fn run(
        &self,
        body: &mut dyn FnMut(&mut dyn Tx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        // IMMEDIATE takes the write lock up front, so a read-then-write body never fails
        // half-way on a lock upgrade.
        let sql_tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut tx = tx::SqliteTx { tx: &sql_tx };
        body(&mut tx)?;
        sql_tx.commit()?;
        Ok(())
    }
}
