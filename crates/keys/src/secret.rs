//! One type per kind of secret: passwords, tenant private keys, data keys, KEK private keys.
//!
//! Invariants every type here keeps:
//! - its memory is wiped when it is dropped (by `zeroize`, or by OpenSSL for keys it owns);
//! - `Debug` prints `REDACTED`, never the bytes (hand-written, never derived);
//! - no `Clone`, `PartialEq` or `Hash`: a secret is not copied or compared by accident;
//! - turning it into plaintext bytes is an explicit method whose name starts with `expose_`
//!   or `to_`, documented as such, so every place that does it can be found with grep.
//!
//! This module must never log, print or format a secret's content.

use std::fmt;
use std::io;
use std::path::Path;

use openssl::pkey::{PKey, Private};
use zeroize::Zeroizing;

/// Size of an environment data key (DEK) in bytes: 256 bits (SPEC section 3).
pub const DATA_KEY_LEN: usize = 32;

/// Writes `REDACTED` for a secret type named `name`.
fn redacted(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    write!(f, "{name}(REDACTED)")
}

/// A password exactly as the user typed it: bytes, verbatim, never trimmed.
///
/// Leading and trailing spaces are part of the password (a real PKCS#12 file uses them).
/// The bytes are usually UTF-8, but nothing here requires it.
pub struct Password(Zeroizing<Vec<u8>>);

/// The longest password file [`Password::read_from_file`] reads.
pub const MAX_PASSWORD_FILE_BYTES: usize = 4096;

impl Password {
    /// Wraps the given bytes verbatim.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(Zeroizing::new(bytes.to_vec()))
    }

    /// Reads a password from a file, as scripts provide it.
    ///
    /// The file's bytes are the password, except that exactly one trailing line end
    /// (`"\n"` or `"\r\n"`) is removed, because editors and `echo` add one. Nothing else is
    /// stripped: spaces, tabs and further line ends are kept. An empty file is the empty
    /// password (which PKCS#12 import then refuses with a clear message).
    /// Files longer than [`MAX_PASSWORD_FILE_BYTES`] are refused, so pointing it at a
    /// device or a huge file fails fast instead of reading forever.
    pub fn read_from_file(path: &Path) -> io::Result<Self> {
        use std::io::Read as _;
        let mut bytes = Zeroizing::new(Vec::new());
        let limit = MAX_PASSWORD_FILE_BYTES as u64 + 1;
        std::fs::File::open(path)?
            .take(limit)
            .read_to_end(&mut bytes)?;
        if bytes.len() > MAX_PASSWORD_FILE_BYTES {
            return Err(io::Error::other(format!(
                "the password file is longer than {MAX_PASSWORD_FILE_BYTES} bytes; is it the \
                 right file?"
            )));
        }
        let keep = strip_one_line_end(&bytes);
        bytes.truncate(keep);
        Ok(Self(bytes))
    }

    /// Whether the password has no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Exposes the password's bytes, for key derivation only.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The length of `bytes` without one trailing `"\n"` or `"\r\n"`.
fn strip_one_line_end(bytes: &[u8]) -> usize {
    if bytes.ends_with(b"\r\n") {
        bytes.len() - 2
    } else if bytes.ends_with(b"\n") {
        bytes.len() - 1
    } else {
        bytes.len()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        redacted(f, "Password")
    }
}

/// A tenant's RSA-2048 private key, held by OpenSSL.
///
/// Wiping: OpenSSL owns the key's memory; when the last reference is freed, `RSA_free`
/// releases the private components (d, p, q, dP, dQ, qInv) with `BN_clear_free`, which
/// overwrites them before freeing. Rust never holds a copy of the components, so dropping
/// this value is enough. Exports ([`TenantPrivateKey::to_pkcs8_der`]) return wiped buffers.
pub struct TenantPrivateKey(PKey<Private>);

impl TenantPrivateKey {
    /// Wraps a key that the caller has already checked against rule K1.
    pub(crate) fn from_checked(key: PKey<Private>) -> Self {
        Self(key)
    }

    /// The OpenSSL key, for signing, unwrapping or deriving the public half.
    pub fn expose_pkey(&self) -> &PKey<Private> {
        &self.0
    }

    /// Exports the private key in plaintext PKCS#8 DER, for the vault to wrap at once.
    ///
    /// This is the one way the private key leaves OpenSSL as bytes; the buffer is wiped on
    /// drop. Callers must never log or store it unwrapped.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, openssl::error::ErrorStack> {
        Ok(Zeroizing::new(self.0.private_key_to_pkcs8()?))
    }

    /// Loads a key from PKCS#8 DER that Keyward itself exported, checking rule K1 again.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, crate::ImportError> {
        crate::key_policy::tenant_key_from_pkcs8(der)
    }
}

impl fmt::Debug for TenantPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        redacted(f, "TenantPrivateKey")
    }
}

/// An environment's data key (DEK): 256 random bits, wiped on drop.
pub struct DataKey(Zeroizing<[u8; DATA_KEY_LEN]>);

impl DataKey {
    /// Draws a fresh key from OpenSSL's CSPRNG.
    pub fn generate() -> Result<Self, openssl::error::ErrorStack> {
        let mut bytes = Zeroizing::new([0u8; DATA_KEY_LEN]);
        openssl::rand::rand_bytes(bytes.as_mut())?;
        Ok(Self(bytes))
    }

    /// Wraps key bytes that were just unwrapped; the caller's copy should be wiped too.
    pub fn from_bytes(bytes: [u8; DATA_KEY_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Exposes the key's bytes, for the storage engine and for wrapping only.
    pub fn expose_bytes(&self) -> &[u8; DATA_KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        redacted(f, "DataKey")
    }
}

/// The private half of a key exchange key (KEK), as plaintext PKCS#8 DER.
///
/// This is the form the vault stores (wrapped) and reloads; it is wiped on drop.
pub struct KekPrivateKey(Zeroizing<Vec<u8>>);

impl KekPrivateKey {
    /// Wraps PKCS#8 DER bytes (taken over, so no unwiped copy remains with the caller).
    pub fn from_pkcs8_der(der: Vec<u8>) -> Self {
        Self(Zeroizing::new(der))
    }

    /// Exposes the plaintext PKCS#8 DER, for the vault to wrap at once.
    pub fn expose_pkcs8_der(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for KekPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        redacted(f, "KekPrivateKey")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_of_every_secret_is_redacted() {
        let password = Password::from_bytes(b"hunter2");
        let dek = DataKey::from_bytes([7; DATA_KEY_LEN]);
        let kek = KekPrivateKey::from_pkcs8_der(vec![1, 2, 3]);
        for text in [
            format!("{password:?}"),
            format!("{dek:?}"),
            format!("{kek:?}"),
        ] {
            assert!(text.contains("REDACTED"), "{text}");
            assert!(!text.contains("hunter2") && !text.contains('7'), "{text}");
        }
    }

    #[test]
    fn password_file_loses_exactly_one_line_end_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&[u8], &[u8]); 6] = [
            (b"", b""),
            (b"\n", b""),
            (b"  pw  \n", b"  pw  "),
            (b"pw\r\n", b"pw"),
            (b"pw\n\n", b"pw\n"),
            (b"pw", b"pw"),
        ];
        for (content, expected) in cases {
            let path = dir.path().join("pw");
            std::fs::write(&path, content).unwrap();
            let password = Password::read_from_file(&path).unwrap();
            assert_eq!(password.expose_bytes(), expected);
        }
    }

    #[test]
    fn generated_data_keys_are_256_bits_and_differ() {
        let a = DataKey::generate().unwrap();
        let b = DataKey::generate().unwrap();
        assert_eq!(a.expose_bytes().len(), 32);
        assert_ne!(a.expose_bytes(), b.expose_bytes());
    }
}
