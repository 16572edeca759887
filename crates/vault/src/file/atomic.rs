//! Crash-safe file writes and scrubbing deletes for the vault's folder.
//!
//! A write goes to a temporary file in the same folder, is flushed to disk, then linked
//! into place (which fails rather than replace an existing file) and the folder is
//! flushed: after a crash the name holds either nothing or the whole content.
//!
//! A scrubbing delete overwrites the file's bytes with zeros and flushes them before
//! unlinking, so the sealed blob does not survive in the file (SPEC L4). On copy-on-write
//! file systems the old blocks may survive on the device; the docs say so.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use openssl::rand::rand_bytes;

use crate::VaultError;

/// Prefix of temporary files; anything carrying it is debris from an interrupted write.
pub(crate) const TMP_PREFIX: &str = ".tmp-";

/// Writes `bytes` to `dir/name` with mode 0600, never replacing an existing file.
pub(crate) fn write_new(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), VaultError> {
    let target = dir.join(name);
    if target.exists() {
        return Err(VaultError::AlreadyExists(name.to_owned()));
    }
    let tmp = dir.join(format!("{TMP_PREFIX}{name}-{}", random_suffix()?));
    write_synced(&tmp, bytes)?;
    // A hard link shares the temporary file's bytes, so on success the temporary name
    // is only unlinked; on failure its bytes are scrubbed.
    match fs::hard_link(&tmp, &target) {
        Ok(()) => {
            fs::remove_file(&tmp).map_err(VaultError::io(&tmp))?;
            sync_dir(dir)
        }
        Err(e) => {
            scrub(&tmp)?;
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                return Err(VaultError::AlreadyExists(name.to_owned()));
            }
            Err(VaultError::io(&target)(e))
        }
    }
}

/// Overwrites `path` with zeros, flushes, unlinks it and flushes its folder.
/// An absent file is not an error.
pub(crate) fn scrub(path: &Path) -> Result<(), VaultError> {
    let len = match fs::metadata(path) {
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(VaultError::io(path)(e)),
    };
    let mut file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(VaultError::io(path))?;
    let zeros = vec![0u8; usize::try_from(len).unwrap_or(usize::MAX).min(1 << 20)];
    let mut left = len;
    while left > 0 {
        let n = usize::try_from(left).unwrap_or(usize::MAX).min(zeros.len());
        file.write_all(&zeros[..n]).map_err(VaultError::io(path))?;
        left -= n as u64;
    }
    file.sync_all().map_err(VaultError::io(path))?;
    drop(file);
    fs::remove_file(path).map_err(VaultError::io(path))?;
    match path.parent() {
        Some(dir) => sync_dir(dir),
        None => Ok(()),
    }
}

/// Creates `path` (which must not exist) with mode 0600 and flushes `bytes` into it.
pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let mut file: File = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(VaultError::io(path))?;
    file.write_all(bytes).map_err(VaultError::io(path))?;
    file.sync_all().map_err(VaultError::io(path))
}

/// Flushes a folder so that a rename or unlink inside it is durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), VaultError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(VaultError::io(dir))
}

fn random_suffix() -> Result<String, VaultError> {
    let mut bytes = [0u8; 8];
    rand_bytes(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
