//! The platform root key file: 32 random bytes, mode 0600, created on first start.
//!
//! Must never: accept a root key file that group or others can read or write, or create
//! one that a crash could leave half-written.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use openssl::rand::rand_bytes;
use zeroize::Zeroizing;

use super::atomic;
use crate::VaultError;

/// The root key's length: AES-256.
const ROOT_KEY_LEN: usize = 32;

/// Loads the root key at `path`, creating it first if it does not exist.
/// Returns the key and whether it was created now.
pub(crate) fn load_or_create(path: &Path) -> Result<(Zeroizing<[u8; 32]>, bool), VaultError> {
    if !path.exists() {
        create(path)?;
        return Ok((load(path)?, true));
    }
    Ok((load(path)?, false))
}

fn create(path: &Path) -> Result<(), VaultError> {
    let mut key = Zeroizing::new([0u8; ROOT_KEY_LEN]);
    rand_bytes(key.as_mut())?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| VaultError::InvalidId(path.display().to_string()))?;
    atomic::write_new(dir, name, key.as_ref())
}

fn load(path: &Path) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let mode = fs::metadata(path)
        .map_err(VaultError::io(path))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(VaultError::RootKeyPermissions {
            path: path.to_owned(),
            mode: mode & 0o777,
        });
    }
    let bytes = Zeroizing::new(fs::read(path).map_err(VaultError::io(path))?);
    let key: [u8; ROOT_KEY_LEN] =
        bytes
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::RootKeyInvalid {
                path: path.to_owned(),
                reason: "it is not exactly 32 bytes long",
            })?;
    Ok(Zeroizing::new(key))
}
