//! The vault: where the platform root key lives, and where every private key Keyward
//! holds is kept, wrapped under it (SPEC section 3).
//!
//! The [`Vault`] trait is what the rest of Keyward sees. [`FileVault`] is the embedded
//! default: a root key file plus one sealed file per stored secret. An HSM backend
//! (PKCS#11) implements the same trait with non-extractable objects, which is why the
//! trait offers operations ("unwrap this data key") rather than "give me the key".
//!
//! Invariants:
//! - the root key never leaves this crate, and plaintext secrets leave only as
//!   [`zeroize::Zeroizing`] buffers;
//! - every sealed value is bound to the id it was stored under, so a sealed blob moved to
//!   another id does not open;
//! - [`Vault::destroy`] leaves no copy of the sealed blob in any file the vault writes (L4).
//!
//! Must never: log or put in an error message any byte of a secret or of the root key.

mod aead;
mod error;
mod file;
mod oaep;

pub use error::VaultError;
pub use file::FileVault;
pub use oaep::encrypt_sha256 as wrap_oaep_sha256;

use zeroize::Zeroizing;

/// The kind of secret a vault object holds; part of its id and of its sealing context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A tenant key's private half (PKCS#8 DER).
    TenantKey,
    /// A key exchange key's private half (PKCS#8 DER), for `.byok` uploads (K3).
    KeyExchangeKey,
}

impl ObjectKind {
    fn as_str(self) -> &'static str {
        match self {
            ObjectKind::TenantKey => "tenant-key",
            ObjectKind::KeyExchangeKey => "kek",
        }
    }
}

/// The name of a secret in the vault: its kind and an id chosen by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectId {
    kind: ObjectKind,
    id: String,
}

impl ObjectId {
    /// Names a secret. The id must be 1–128 characters of `[A-Za-z0-9._-]`, so it is a
    /// safe file name in every backend.
    pub fn new(kind: ObjectKind, id: &str) -> Result<Self, VaultError> {
        let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if id.is_empty() || id.len() > 128 || !id.chars().all(safe) || id.starts_with('.') {
            return Err(VaultError::InvalidId(id.to_owned()));
        }
        Ok(Self {
            kind,
            id: id.to_owned(),
        })
    }

    /// The kind of secret.
    pub fn kind(&self) -> ObjectKind {
        self.kind
    }

    /// `kind-id`, used as a file name and as sealing context.
    pub fn qualified(&self) -> String {
        format!("{}-{}", self.kind.as_str(), self.id)
    }
}

/// One decryption's outcome in a batch: the plaintext, or why this one failed.
pub type Unwrapped = Result<Zeroizing<Vec<u8>>, VaultError>;

/// Where Keyward keeps secrets, and what it can do with them.
pub trait Vault: Send + Sync {
    /// Stores `plaintext` under `id`, durably, replacing nothing: storing an id twice is
    /// an error, so a secret is never silently overwritten.
    fn store(&self, id: &ObjectId, plaintext: &[u8]) -> Result<(), VaultError>;

    /// Returns the secret stored under `id`.
    fn load(&self, id: &ObjectId) -> Result<Zeroizing<Vec<u8>>, VaultError>;

    /// The ids of every stored secret of `kind`, for sweeping objects no record names.
    fn list(&self, kind: ObjectKind) -> Result<Vec<String>, VaultError>;

    /// Whether a secret is stored under `id`.
    fn contains(&self, id: &ObjectId) -> Result<bool, VaultError>;

    /// Destroys the secret under `id` so that no file the vault writes keeps a copy.
    /// Destroying an absent id succeeds, so a resumed lock can repeat it.
    fn destroy(&self, id: &ObjectId) -> Result<(), VaultError>;

    /// Decrypts an RSA-OAEP (SHA-256, MGF1-SHA-256) ciphertext made with OAEP label
    /// `label`, with the private key stored under `id`: how a tenant-wrapped data key is
    /// opened. The label binds the wrapped key to its owner (see [`wrap_oaep_sha256`]).
    /// An HSM backend does this inside the HSM; the file backend loads the key for the
    /// duration of the call.
    fn decrypt_oaep_sha256(
        &self,
        id: &ObjectId,
        label: &str,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError>;

    /// [`Vault::decrypt_oaep_sha256`] for many `(label, ciphertext)` pairs under one key,
    /// loading the key once: how an activation re-wraps a batch of data keys. The outer
    /// error is about the key; each inner result is about one ciphertext.
    fn decrypt_oaep_sha256_many(
        &self,
        id: &ObjectId,
        items: &[(&str, &[u8])],
    ) -> Result<Vec<Unwrapped>, VaultError>;

    /// Seals a data key under the root key, bound to `context` (an environment or backup
    /// id): the result opens only with the same context.
    fn wrap_with_root(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, VaultError>;

    /// Opens what [`Vault::wrap_with_root`] sealed with the same `context`.
    fn unwrap_with_root(
        &self,
        context: &str,
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError>;
}
