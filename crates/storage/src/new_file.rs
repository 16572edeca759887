//! Crash-safe creation of new database files: environments, backups and re-encrypted copies.
//!
//! A new database is built under a hidden partial name in the target's folder, checkpointed,
//! closed, reopened to check it, fsynced, renamed over nothing to the target name and the
//! folder fsynced. A kill at any point leaves either no target at all or a complete one; a
//! partial file left by an interrupted run is removed and rebuilt by the next attempt.
//!
//! This module must never overwrite an existing target and never leave a target behind that
//! has not been verified with the key it was written under.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::connection::{open_keyed, Create};
use crate::error::{Result, StorageError};
use crate::schema::check_is_environment;

/// Suffix of the partial file a new database is built in.
const PARTIAL_SUFFIX: &str = ".keyward-partial";

/// Files SQLite may keep next to a database.
const SIDECAR_SUFFIXES: &[&str] = &["-wal", "-shm", "-journal"];

/// Builds a new database at `target`, keyed with `key`, filled by `fill`.
pub(crate) fn write_new_database(
    target: &Path,
    key: &[u8; 32],
    fill: impl FnOnce(&mut Connection) -> Result<()>,
) -> Result<()> {
    refuse_existing(target)?;
    let partial = partial_path(target)?;
    remove_with_sidecars(&partial)?;
    create_private(&partial)?;

    let built = build(&partial, key, fill).and_then(|()| verify(&partial, key));
    if let Err(error) = built.and_then(|()| publish(&partial, target)) {
        // Best effort: a leftover partial file is removed by the next attempt anyway.
        let _ = remove_with_sidecars(&partial);
        return Err(error);
    }
    tracing::debug!("new database file published");
    Ok(())
}

/// Creates the empty file readable by its owner only; SQLite keeps the mode and gives it to
/// the WAL and journal too.
fn create_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    Ok(())
}

fn refuse_existing(target: &Path) -> Result<()> {
    if target.exists() {
        return Err(StorageError::AlreadyExists {
            path: target.to_path_buf(),
        });
    }
    Ok(())
}

/// `<folder>/.<name>.keyward-partial`, beside the target so the rename stays on one file system.
fn partial_path(target: &Path) -> Result<PathBuf> {
    let name = target
        .file_name()
        .ok_or_else(|| StorageError::NotADatabase {
            reason: "the target path names no file",
        })?;
    let mut partial_name = std::ffi::OsString::from(".");
    partial_name.push(name);
    partial_name.push(PARTIAL_SUFFIX);
    Ok(target.with_file_name(partial_name))
}

fn build(
    partial: &Path,
    key: &[u8; 32],
    fill: impl FnOnce(&mut Connection) -> Result<()>,
) -> Result<()> {
    let mut conn = open_keyed(partial, key, Create::Yes)?;
    fill(&mut conn)?;
    checkpoint_and_close(conn, partial)
}

/// Moves everything from the WAL into the file and closes, so the file alone is complete.
pub(crate) fn checkpoint_and_close(conn: Connection, path: &Path) -> Result<()> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
    if busy != 0 {
        return Err(StorageError::Busy);
    }
    conn.close()
        .map_err(|(_, error)| StorageError::from(error))?;
    if wal_has_frames(path)? {
        return Err(StorageError::Busy);
    }
    Ok(())
}

fn wal_has_frames(path: &Path) -> Result<bool> {
    match fs::metadata(sidecar(path, "-wal")) {
        Ok(meta) => Ok(meta.len() > 0),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Reopens the new file with its key: it must open, be an environment and pass a quick check.
fn verify(partial: &Path, key: &[u8; 32]) -> Result<()> {
    let conn = open_keyed(partial, key, Create::No)?;
    check_is_environment(&conn)?;
    // Every page's HMAC, not `quick_check`: the copy must be complete and decrypt under
    // its key; the consistency of users' own structures (an external-content FTS index,
    // say) is theirs and must never stop a backup or a re-encryption.
    let failures = conn
        .prepare("PRAGMA cipher_integrity_check")?
        .query_map([], |row| row.get::<_, String>(0))?
        .count();
    if failures > 0 {
        return Err(StorageError::NotADatabase {
            reason: "the new copy failed its integrity check",
        });
    }
    checkpoint_and_close(conn, partial)
}

/// fsync the file, rename it into place, fsync the folder.
fn publish(partial: &Path, target: &Path) -> Result<()> {
    File::open(partial)?.sync_all()?;
    refuse_existing(target)?;
    fs::rename(partial, target)?;
    sync_folder(target)?;
    remove_with_sidecars_except_main(partial)
}

/// Makes the rename itself durable.
pub(crate) fn sync_folder(path: &Path) -> Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(folder)?.sync_all()?;
    Ok(())
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Removes `path` and any SQLite sidecar files next to it.
fn remove_with_sidecars(path: &Path) -> Result<()> {
    remove_if_present(path)?;
    remove_with_sidecars_except_main(path)
}

fn remove_with_sidecars_except_main(path: &Path) -> Result<()> {
    for suffix in SIDECAR_SUFFIXES {
        remove_if_present(&sidecar(path, suffix))?;
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_file_sits_hidden_beside_the_target() {
        let partial = partial_path(Path::new("/data/env/backup-1.db")).unwrap();
        assert_eq!(partial, Path::new("/data/env/.backup-1.db.keyward-partial"));
    }

    #[test]
    fn a_failed_build_leaves_neither_target_nor_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t.db");
        let result = write_new_database(&target, &[1; 32], |conn| {
            conn.execute_batch("CREATE TABLE x (v); INSERT INTO x VALUES (randomblob(100000));")?;
            Err(StorageError::Busy)
        });
        assert!(matches!(result, Err(StorageError::Busy)));
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
