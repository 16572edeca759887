//! Backups, restores and re-encrypted copies, through SQLite's online backup API.
//!
//! A copy is taken from the maintenance connection in a single backup step: that is one read
//! transaction, so the copy is a consistent point in time, and under WAL other connections
//! keep reading and writing while it runs. The destination is a new file keyed with the key
//! the caller gives; SQLCipher decrypts each page under the source key and encrypts it again
//! under the destination key, so the result is a re-encryption, not a byte copy. New files are
//! placed crash-safely by [`crate::new_file`].
//!
//! Which key protects a backup, and whether a restore is allowed (rules D1-D3, L5), is the
//! caller's decision. This module must never write a target in place, and never log keys.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::Connection;

use crate::connection::{open_keyed, Create};
use crate::db::EnvironmentDb;
use crate::error::{Result, StorageError};
use crate::new_file::write_new_database;
use crate::schema::check_is_environment;

/// Give up on a copy that stays blocked by other connections for this long.
const COPY_TIMEOUT: Duration = Duration::from_secs(60);

/// Pause between retries of a blocked copy step.
const RETRY_PAUSE: Duration = Duration::from_millis(20);

impl EnvironmentDb {
    /// Writes a point-in-time backup of this environment to the new file `path`, encrypted
    /// with `key`, while readers and writers continue.
    pub fn backup_to(&self, path: impl AsRef<Path>, key: &[u8; 32]) -> Result<()> {
        let source = self.acquire(&self.maintenance)?;
        write_new_database(path.as_ref(), key, |dest| copy_pages(&source, dest))?;
        tracing::debug!("backup written");
        Ok(())
    }

    /// Writes a copy of this environment to the new file `new_path`, encrypted under
    /// `new_key` (rule E3). The current key does not open the copy.
    ///
    /// Writes that land after the copy started are not in it: callers that switch the
    /// environment over to the copy keep it offline meanwhile.
    pub fn reencrypt_to(&self, new_path: impl AsRef<Path>, new_key: &[u8; 32]) -> Result<()> {
        let source = self.acquire(&self.maintenance)?;
        write_new_database(new_path.as_ref(), new_key, |dest| copy_pages(&source, dest))?;
        tracing::debug!("re-encrypted copy written");
        Ok(())
    }

    /// Replaces this environment's tables and files with those of the backup at
    /// `backup_path`, which opens with `backup_key`. Atomic: a crash leaves either the old or
    /// the restored contents.
    pub fn restore_from(&self, backup_path: impl AsRef<Path>, backup_key: &[u8; 32]) -> Result<()> {
        let backup_path = backup_path.as_ref();
        if !backup_path.is_file() {
            return Err(StorageError::NotFound {
                path: backup_path.to_path_buf(),
            });
        }
        if std::fs::canonicalize(backup_path)? == std::fs::canonicalize(self.path())? {
            return Err(StorageError::RestoreFromSelf);
        }
        let source = open_keyed(backup_path, backup_key, Create::No)?;
        check_is_environment(&source)?;

        let mut dest = self.acquire(&self.maintenance)?;
        copy_pages(&source, &mut dest)?;
        check_is_environment(&dest)?;
        drop(dest);
        source
            .close()
            .map_err(|(_, error)| StorageError::from(error))?;
        tracing::debug!("environment restored from backup");
        Ok(())
    }
}

/// Copies every page of `source` into `dest` in one step, retrying while either is locked.
fn copy_pages(source: &Connection, dest: &mut Connection) -> Result<()> {
    let backup = Backup::new(source, dest)?;
    let deadline = Instant::now() + COPY_TIMEOUT;
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => continue,
            _ if Instant::now() >= deadline => return Err(StorageError::Busy),
            _ => thread::sleep(RETRY_PAUSE),
        }
    }
}
