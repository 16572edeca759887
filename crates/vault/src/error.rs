//! Vault errors. Messages name files and ids, never secret bytes.

use std::path::PathBuf;

/// What went wrong in the vault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// An object id with characters unsafe for every backend.
    #[error(
        "invalid vault object id {0:?}: use 1 to 128 characters from A-Z, a-z, 0-9, '.', '_', '-'"
    )]
    InvalidId(String),
    /// The root key file can be read by other users.
    #[error(
        "root key file {path} is readable or writable by group or others (mode {mode:o}): \
         run `chmod 600 {path}` and check who could have copied it"
    )]
    RootKeyPermissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The root key file does not hold a root key.
    #[error(
        "root key file {path} is not a Keyward root key ({reason}); restore it from your \
         backup: without it no platform-protected data can be read"
    )]
    RootKeyInvalid {
        /// The file.
        path: PathBuf,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// No secret under this id.
    #[error("vault has no {0}")]
    NotFound(String),
    /// A secret is already stored under this id.
    #[error("vault already holds {0}; secrets are never overwritten")]
    AlreadyExists(String),
    /// A sealed value failed its integrity check: corrupted, moved to another id, or
    /// sealed under another root key.
    #[error("sealed {0} failed its integrity check: it is corrupted or belongs to another id or root key")]
    IntegrityCheckFailed(String),
    /// A file-system operation failed.
    #[error("vault i/o on {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// OpenSSL failed (not an integrity failure).
    #[error("vault cryptography failed: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
}

impl VaultError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| VaultError::Io { path, source }
    }
}
