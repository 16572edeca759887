//! [`EnvironmentDb`]: one environment's encrypted database, opened with its data key.
//!
//! An open environment holds three keyed connections to the same file, each behind its own
//! mutex so that a long operation on one does not stall the others (WAL lets them read and
//! write side by side):
//!
//! - **user**: runs environment users' SQL and CSV imports, with the authorizer installed.
//!   Everything a user can make SQLite do (statements, their triggers, views) runs here.
//! - **internal**: files. It has no authorizer, but it only ever touches the internal tables,
//!   on which users can create no triggers, so no user code ever runs on it. Foreign keys
//!   are off here so a user table referencing an internal one cannot block or cascade.
//! - **maintenance**: the source of backups and copies and the target of restores, so a
//!   backup never waits behind a file upload.
//!
//! The data key is used while opening and then forgotten: only SQLCipher's connections keep
//! it. This module must never store the key, and never hand the internal connections out.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::limits::Limit;
use rusqlite::{Connection, InterruptHandle};

use crate::authorizer::{self, Policy};
use crate::connection::{open_keyed, Create};
use crate::error::{Result, StorageError};
use crate::guard::Guard;
use crate::new_file::{checkpoint_and_close, write_new_database};
use crate::schema;

/// The largest single value (text or blob) a statement may make, in bytes: user values and
/// file chunks are far smaller, and a bound stops one statement from exhausting memory.
pub const MAX_VALUE_BYTES: i32 = 16 * 1024 * 1024;

/// One environment's database, open and keyed.
pub struct EnvironmentDb {
    path: PathBuf,
    pub(crate) user: Mutex<Connection>,
    pub(crate) policy: Arc<Policy>,
    pub(crate) internal: Mutex<Connection>,
    pub(crate) maintenance: Mutex<Connection>,
    pub(crate) guard: Arc<Guard>,
    interrupts: Vec<InterruptHandle>,
}

impl std::fmt::Debug for EnvironmentDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvironmentDb")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl EnvironmentDb {
    /// Creates a new, empty environment database at `path`, encrypted with `key`, and opens it.
    ///
    /// The file appears complete or not at all. Refused when `path` already exists.
    pub fn create(path: impl AsRef<Path>, key: &[u8; 32]) -> Result<Self> {
        let path = path.as_ref();
        write_new_database(path, key, |conn| schema::initialise(conn))?;
        tracing::debug!("environment database created");
        Self::open(path, key)
    }

    /// Opens an existing environment database with its data key.
    ///
    /// A wrong key fails with [`StorageError::WrongKey`]; a file that is not an encrypted
    /// Keyward environment fails with [`StorageError::NotADatabase`].
    pub fn open(path: impl AsRef<Path>, key: &[u8; 32]) -> Result<Self> {
        let path = path.as_ref();
        require_file(path)?;

        let mut maintenance = open_keyed(path, key, Create::No)?;
        schema::check_is_environment(&maintenance)?;
        disable_foreign_keys(&maintenance)?;
        let mut internal = open_keyed(path, key, Create::No)?;
        disable_foreign_keys(&internal)?;
        let (mut user, policy) = open_user(path, key)?;
        let guard = Arc::new(Guard::default());
        guard.watch(&mut user, true)?;
        guard.watch(&mut internal, false)?;
        guard.watch(&mut maintenance, false)?;
        for conn in [&user, &internal, &maintenance] {
            conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)?;
        }
        let interrupts = [&user, &internal, &maintenance].map(|c| c.get_interrupt_handle());

        tracing::debug!("environment database opened");
        Ok(EnvironmentDb {
            path: path.to_path_buf(),
            user: Mutex::new(user),
            policy,
            internal: Mutex::new(internal),
            maintenance: Mutex::new(maintenance),
            guard,
            interrupts: interrupts.into(),
        })
    }

    /// Closes the environment for every holder at once: statements running on any of its
    /// connections stop and roll back, and every later call fails with
    /// [`StorageError::Closed`]. The key stays in memory until the last holder drops it.
    pub fn interrupt(&self) {
        self.guard.close(&self.interrupts);
        tracing::debug!("environment database interrupted");
    }

    /// Locks one connection, refusing when the environment was closed.
    pub(crate) fn acquire<'a>(
        &self,
        conn: &'a Mutex<Connection>,
    ) -> Result<MutexGuard<'a, Connection>> {
        if self.guard.is_closed() {
            return Err(StorageError::Closed);
        }
        let locked = lock(conn);
        if self.guard.is_closed() {
            return Err(StorageError::Closed);
        }
        Ok(locked)
    }

    /// Closes the database: the WAL is checkpointed into the file and removed.
    pub fn close(self) -> Result<()> {
        let EnvironmentDb {
            path,
            user,
            internal,
            maintenance,
            ..
        } = self;
        close_one(user)?;
        close_one(internal)?;
        let last = maintenance
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        checkpoint_and_close(last, &path)?;
        tracing::debug!("environment database closed");
        Ok(())
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn require_file(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => Err(StorageError::NotADatabase {
            reason: "the path is not a regular file",
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(StorageError::NotFound {
            path: path.to_path_buf(),
        }),
        Err(error) => Err(error.into()),
    }
}

fn open_user(path: &Path, key: &[u8; 32]) -> Result<(Connection, Arc<Policy>)> {
    let mut user = open_keyed(path, key, Create::No)?;
    let policy = Arc::new(Policy::default());
    authorizer::install(&mut user, Arc::clone(&policy))?;
    Ok((user, policy))
}

fn disable_foreign_keys(conn: &Connection) -> Result<()> {
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    Ok(())
}

fn close_one(conn: Mutex<Connection>) -> Result<()> {
    let conn = conn.into_inner().unwrap_or_else(PoisonError::into_inner);
    conn.close().map_err(|(_, error)| StorageError::from(error))
}

/// Locks one connection; a panic in another thread cannot leave SQLite mid-transaction
/// (rusqlite rolls back on unwind), so a poisoned lock is still safe to use.
pub(crate) fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn an_environment_can_be_shared_between_threads() {
        assert_send_sync::<EnvironmentDb>();
    }
}
