//! The crate's own tables inside an environment database.
//!
//! Files live in two tables under the reserved `_keyward_` prefix that user SQL cannot reach
//! (see [`crate::authorizer`]): one row per file with its size and SHA-256, and its content
//! split into chunk rows of at most [`crate::files::CHUNK_SIZE`] bytes. The file's
//! `application_id` marks it as a Keyward environment so that an arbitrary SQLCipher file
//! keyed with the same bytes is not mistaken for one.
//!
//! This module must never drop or rewrite user tables.

use rusqlite::Connection;

use crate::error::{Result, StorageError};

/// `PRAGMA application_id` of every environment database: "KWEN" in ASCII.
pub(crate) const APPLICATION_ID: i64 = 0x4b57_454e;

/// Creates the internal tables and marks the database as an environment.
pub(crate) fn initialise(conn: &Connection) -> Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID};
         CREATE TABLE IF NOT EXISTS _keyward_files (
             id INTEGER PRIMARY KEY,
             name TEXT NOT NULL UNIQUE,
             size INTEGER NOT NULL,
             sha256 BLOB NOT NULL
         ) STRICT;
         CREATE TABLE IF NOT EXISTS _keyward_file_chunks (
             file_id INTEGER NOT NULL,
             seq INTEGER NOT NULL,
             data BLOB NOT NULL,
             UNIQUE (file_id, seq)
         ) STRICT;"
    ))?;
    Ok(())
}

/// Refuses a keyed database that is not a Keyward environment.
pub(crate) fn check_is_environment(conn: &Connection) -> Result<()> {
    let id: i64 = conn.query_row("PRAGMA application_id", [], |row| row.get(0))?;
    if id == APPLICATION_ID {
        Ok(())
    } else {
        Err(StorageError::NotADatabase {
            reason: "the database opens with this key but is not a Keyward environment",
        })
    }
}
