//! Files (blobs) stored inside the environment's encrypted database.
//!
//! Content is streamed in chunks of [`CHUNK_SIZE`] bytes, one row each, so neither a put nor a
//! get ever holds a whole file in memory. A put runs in one `IMMEDIATE` transaction that
//! removes the previous version of the name and writes the new one: a file over the limit
//! (rule E5), a failing reader or a crash rolls back to the previous version, never to a
//! partial file. A get checks the recorded size and SHA-256 as it streams.
//!
//! Everything here runs on the internal connection (see [`crate::db`]). This module must
//! never log file names or content.

use std::io::{ErrorKind, Read, Write};

use openssl::sha::Sha256;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::db::EnvironmentDb;
use crate::error::{Result, StorageError};

/// Bytes per chunk row.
pub const CHUNK_SIZE: usize = 1024 * 1024;

/// The longest accepted file name, in bytes.
pub const MAX_NAME_BYTES: usize = 255;

/// The default per-file limit of rule E5: 128 MiB.
pub const DEFAULT_FILE_LIMIT_BYTES: u64 = 128 * 1024 * 1024;

/// What is known about a stored file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileMeta {
    /// The file's name in the environment.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of its content, lowercase hex.
    pub sha256: String,
}

impl EnvironmentDb {
    /// Stores the content of `reader` under `name`, replacing any previous file of that name.
    ///
    /// Fails with [`StorageError::FileTooLarge`] as soon as the content exceeds `limit_bytes`;
    /// the previous version, if any, is then left untouched.
    pub fn put_file(&self, name: &str, reader: impl Read, limit_bytes: u64) -> Result<FileMeta> {
        validate_name(name)?;
        let mut conn = self.acquire(&self.internal)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;

        remove_file_rows(&tx, name)?;
        tx.execute(
            "INSERT INTO _keyward_files (name, size, sha256) VALUES (?1, 0, x'')",
            [name],
        )?;
        let file_id = tx.last_insert_rowid();
        let (size, digest) = write_chunks(&tx, file_id, reader, limit_bytes)?;
        tx.execute(
            "UPDATE _keyward_files SET size = ?1, sha256 = ?2 WHERE id = ?3",
            params![to_i64(size)?, digest.as_slice(), file_id],
        )?;
        tx.commit()?;

        tracing::debug!(size, "file stored");
        Ok(meta(name, size, &digest))
    }

    /// Streams the file `name` into `writer` and returns its metadata.
    ///
    /// Fails with [`StorageError::FileCorrupt`] (after writing) if the content does not match
    /// the recorded size and SHA-256.
    pub fn get_file(&self, name: &str, mut writer: impl Write) -> Result<FileMeta> {
        validate_name(name)?;
        let mut conn = self.acquire(&self.internal)?;
        let tx = conn.transaction()?;

        let (file_id, size, digest) = find_file(&tx, name)?.ok_or(StorageError::FileNotFound)?;
        let (read_size, read_digest) = read_chunks(&tx, file_id, &mut writer)?;
        writer.flush().map_err(StorageError::Stream)?;
        tx.commit()?;

        if read_size != size || read_digest.as_slice() != digest.as_slice() {
            return Err(StorageError::FileCorrupt);
        }
        tracing::debug!(size, "file read");
        Ok(meta(name, size, &read_digest))
    }

    /// Every stored file, ordered by name.
    pub fn list_files(&self) -> Result<Vec<FileMeta>> {
        let conn = self.acquire(&self.internal)?;
        let mut stmt =
            conn.prepare("SELECT name, size, sha256 FROM _keyward_files ORDER BY name")?;
        let rows = stmt.query_map([], |row| {
            let name: String = row.get(0)?;
            let size: i64 = row.get(1)?;
            let digest: Vec<u8> = row.get(2)?;
            Ok(meta(&name, u64::try_from(size).unwrap_or(0), &digest))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Deletes the file `name`; fails with [`StorageError::FileNotFound`] when there is none.
    pub fn delete_file(&self, name: &str) -> Result<()> {
        validate_name(name)?;
        let mut conn = self.acquire(&self.internal)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !remove_file_rows(&tx, name)? {
            return Err(StorageError::FileNotFound);
        }
        tx.commit()?;
        tracing::debug!("file deleted");
        Ok(())
    }
}

/// A name is 1 to 255 bytes of UTF-8 without control characters (NUL included).
pub fn validate_name(name: &str) -> Result<()> {
    let reason = if name.is_empty() {
        "the name is empty"
    } else if name.len() > MAX_NAME_BYTES {
        "the name is longer than 255 bytes"
    } else if name.chars().any(char::is_control) {
        "the name holds a control character such as NUL"
    } else {
        return Ok(());
    };
    Err(StorageError::InvalidFileName { reason })
}

/// Deletes a file's row and chunks; `false` when there was no such file.
fn remove_file_rows(conn: &Connection, name: &str) -> Result<bool> {
    let Some((file_id, _, _)) = find_file(conn, name)? else {
        return Ok(false);
    };
    conn.execute(
        "DELETE FROM _keyward_file_chunks WHERE file_id = ?1",
        [file_id],
    )?;
    conn.execute("DELETE FROM _keyward_files WHERE id = ?1", [file_id])?;
    Ok(true)
}

fn find_file(conn: &Connection, name: &str) -> Result<Option<(i64, u64, Vec<u8>)>> {
    let found = conn
        .query_row(
            "SELECT id, size, sha256 FROM _keyward_files WHERE name = ?1",
            [name],
            |row| Ok((row.get(0)?, row.get::<_, i64>(1)?, row.get(2)?)),
        )
        .optional()?;
    Ok(found.map(|(id, size, digest)| (id, u64::try_from(size).unwrap_or(0), digest)))
}

/// Copies `reader` into chunk rows; fails once more than `limit_bytes` arrived.
fn write_chunks(
    conn: &Connection,
    file_id: i64,
    mut reader: impl Read,
    limit_bytes: u64,
) -> Result<(u64, [u8; 32])> {
    let mut insert =
        conn.prepare("INSERT INTO _keyward_file_chunks (file_id, seq, data) VALUES (?1, ?2, ?3)")?;
    let mut buffer = Zeroizing::new(vec![0u8; CHUNK_SIZE]);
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;

    for seq in 0i64.. {
        let filled = fill(&mut reader, &mut buffer).map_err(StorageError::Stream)?;
        if filled == 0 {
            break;
        }
        size += filled as u64;
        if size > limit_bytes {
            return Err(StorageError::FileTooLarge { limit_bytes });
        }
        let chunk = &buffer[..filled];
        hasher.update(chunk);
        insert.execute(params![file_id, seq, chunk])?;
        if filled < CHUNK_SIZE {
            break;
        }
    }
    Ok((size, hasher.finish()))
}

/// Reads until `buffer` is full or the reader ends; returns how many bytes arrived.
fn fill(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Streams chunk rows in order into `writer`, hashing as it goes.
fn read_chunks(
    conn: &Connection,
    file_id: i64,
    writer: &mut impl Write,
) -> Result<(u64, [u8; 32])> {
    let mut select =
        conn.prepare("SELECT data FROM _keyward_file_chunks WHERE file_id = ?1 ORDER BY seq")?;
    let mut rows = select.query([file_id])?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(row) = rows.next()? {
        let chunk = row
            .get_ref(0)?
            .as_blob()
            .map_err(|_| StorageError::FileCorrupt)?;
        hasher.update(chunk);
        size += chunk.len() as u64;
        writer.write_all(chunk).map_err(StorageError::Stream)?;
    }
    Ok((size, hasher.finish()))
}

fn meta(name: &str, size: u64, digest: &[u8]) -> FileMeta {
    FileMeta {
        name: name.to_owned(),
        size,
        sha256: hex::encode(digest),
    }
}

fn to_i64(size: u64) -> Result<i64> {
    i64::try_from(size).map_err(|_| StorageError::FileTooLarge {
        limit_bytes: i64::MAX as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_short_printable_and_non_empty() {
        assert!(validate_name("report.pdf").is_ok());
        assert!(validate_name("dir/sub file ü.txt").is_ok());
        assert!(validate_name("").is_err());
        assert!(validate_name("a\0b").is_err());
        assert!(validate_name(&"x".repeat(256)).is_err());
    }

    #[test]
    fn fill_gathers_short_reads_into_one_chunk() {
        let data = [7u8; 10];
        let mut reader = std::io::Read::chain(&data[..4], &data[4..]);
        let mut buffer = [0u8; 8];
        assert_eq!(fill(&mut reader, &mut buffer).unwrap(), 8);
        assert_eq!(fill(&mut reader, &mut buffer).unwrap(), 2);
    }
}
