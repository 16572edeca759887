//! Key exchange keys (KEK): the RSA keys a tenant's HSM tool wraps a `.byok` blob for.
//!
//! Keyward publishes one KEK per tenant and region (public PEM and its id, the `kid`);
//! the vault stores its private half wrapped, as PKCS#8 DER in a [`KekPrivateKey`].
//! Generated KEKs are RSA-3072: the BYOK specification accepts 2048, 3072 and 4096; 3072
//! gives about 128-bit security (NIST SP 800-57), matching the AES-256 ephemeral keys it
//! transports, while generating and decrypting faster than 4096. Any size is accepted
//! when loading, since the blob's RSA part is as long as the KEK's modulus.
//!
//! This module must never log or format the private half.

use std::fmt;

use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;

use crate::secret::KekPrivateKey;

/// Modulus size of generated KEKs.
pub const KEK_BITS: u32 = 3072;

/// Why a KEK could not be created or loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KekError {
    /// The key material is not an RSA private key.
    #[error("key-exchange key is not an RSA private key in PKCS#8 DER or PEM")]
    InvalidKey,
    /// The key id is empty.
    #[error("key-exchange key id (kid) is empty")]
    EmptyKid,
    /// OpenSSL failed.
    #[error("key-exchange key operation failed in OpenSSL: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
}

/// A KEK: its id and its RSA private key.
pub struct KeyExchangeKey {
    kid: String,
    key: PKey<Private>,
}

impl KeyExchangeKey {
    /// Generates a new RSA-3072 KEK with the given id.
    pub fn generate(kid: impl Into<String>) -> Result<Self, KekError> {
        let kid = checked_kid(kid.into())?;
        let key = PKey::from_rsa(Rsa::generate(KEK_BITS)?)?;
        Ok(Self { kid, key })
    }

    /// Loads a KEK from its private half as PKCS#8 DER (what the vault stores).
    pub fn from_private(kid: impl Into<String>, private: &KekPrivateKey) -> Result<Self, KekError> {
        let kid = checked_kid(kid.into())?;
        let key = PKey::private_key_from_pkcs8(private.expose_pkcs8_der())
            .map_err(|_| KekError::InvalidKey)?;
        Self::checked(kid, key)
    }

    /// Loads a KEK from a PEM private key (PKCS#8 or PKCS#1), for tools and tests.
    pub fn from_pem(kid: impl Into<String>, pem: &[u8]) -> Result<Self, KekError> {
        let kid = checked_kid(kid.into())?;
        let key = PKey::private_key_from_pem(pem).map_err(|_| KekError::InvalidKey)?;
        Self::checked(kid, key)
    }

    fn checked(kid: String, key: PKey<Private>) -> Result<Self, KekError> {
        if key.rsa().is_err() {
            return Err(KekError::InvalidKey);
        }
        Ok(Self { kid, key })
    }

    /// The KEK's id, which a `.byok` blob's `header.kid` must equal.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half as PEM (SubjectPublicKeyInfo), to publish to the tenant.
    pub fn public_key_pem(&self) -> Result<String, KekError> {
        let pem = self.key.public_key_to_pem()?;
        String::from_utf8(pem).map_err(|_| KekError::InvalidKey)
    }

    /// Exports the private half as plaintext PKCS#8 DER, for the vault to wrap at once.
    pub fn export_private(&self) -> Result<KekPrivateKey, KekError> {
        Ok(KekPrivateKey::from_pkcs8_der(
            self.key.private_key_to_pkcs8()?,
        ))
    }

    /// The modulus size in bytes: the length of the blob's RSA-OAEP part.
    pub(crate) fn modulus_len(&self) -> usize {
        self.key.size()
    }

    /// The private key, for RSA-OAEP unwrapping inside this crate only.
    pub(crate) fn pkey(&self) -> &PKey<Private> {
        &self.key
    }
}

fn checked_kid(kid: String) -> Result<String, KekError> {
    if kid.trim().is_empty() {
        return Err(KekError::EmptyKid);
    }
    Ok(kid)
}

impl fmt::Debug for KeyExchangeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyExchangeKey")
            .field("kid", &self.kid)
            .field("key", &"REDACTED")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k3_kek_private_half_round_trips_through_pkcs8() {
        let kek = KeyExchangeKey::generate("kid-1").unwrap();
        assert_eq!(kek.pkey().bits(), KEK_BITS);
        let exported = kek.export_private().unwrap();
        let again = KeyExchangeKey::from_private("kid-1", &exported).unwrap();
        assert_eq!(
            kek.public_key_pem().unwrap(),
            again.public_key_pem().unwrap()
        );
        assert!(format!("{kek:?}").contains("REDACTED"));
    }
}
