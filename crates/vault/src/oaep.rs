//! RSA-OAEP with SHA-256 and MGF1-SHA-256: how data keys are wrapped under a tenant key's
//! public half (SPEC section 3), and unwrapped with its private half.
//!
//! Must never: fall back to another padding or hash, or say why a decryption failed
//! (one error for every failure, so the service is no padding oracle).

use openssl::encrypt::{Decrypter, Encrypter};
use openssl::hash::MessageDigest;
use openssl::pkey::{HasPublic, PKey, PKeyRef};
use openssl::rsa::Padding;
use zeroize::Zeroizing;

/// Wraps `plaintext` under `public` with RSA-OAEP-SHA256 and OAEP label `label` (the
/// owner's id): a wrapped key copied to another owner does not unwrap.
pub fn encrypt_sha256<T: HasPublic>(
    public: &PKeyRef<T>,
    label: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>, openssl::error::ErrorStack> {
    let mut enc = Encrypter::new(public)?;
    enc.set_rsa_padding(Padding::PKCS1_OAEP)?;
    enc.set_rsa_oaep_md(MessageDigest::sha256())?;
    enc.set_rsa_mgf1_md(MessageDigest::sha256())?;
    enc.set_rsa_oaep_label(label.as_bytes())?;
    let mut out = vec![0u8; enc.encrypt_len(plaintext)?];
    let n = enc.encrypt(plaintext, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// Unwraps with the private key given as PKCS#8 DER and the same label.
pub(crate) fn decrypt_sha256(
    pkcs8_der: &[u8],
    label: &str,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, openssl::error::ErrorStack> {
    PrivateKey::from_pkcs8(pkcs8_der)?.decrypt(label, ciphertext)
}

/// A private key parsed once for many decryptions; OpenSSL clears its private components
/// when it is dropped.
pub(crate) struct PrivateKey(PKey<openssl::pkey::Private>);

impl PrivateKey {
    /// Parses PKCS#8 DER.
    pub(crate) fn from_pkcs8(der: &[u8]) -> Result<Self, openssl::error::ErrorStack> {
        Ok(Self(PKey::private_key_from_pkcs8(der)?))
    }

    /// RSA-OAEP-SHA256 decryption with `label`.
    pub(crate) fn decrypt(
        &self,
        label: &str,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, openssl::error::ErrorStack> {
        let mut dec = Decrypter::new(&self.0)?;
        dec.set_rsa_padding(Padding::PKCS1_OAEP)?;
        dec.set_rsa_oaep_md(MessageDigest::sha256())?;
        dec.set_rsa_mgf1_md(MessageDigest::sha256())?;
        dec.set_rsa_oaep_label(label.as_bytes())?;
        let mut out = Zeroizing::new(vec![0u8; dec.decrypt_len(ciphertext)?]);
        let n = dec.decrypt(ciphertext, &mut out)?;
        out.truncate(n);
        Ok(out)
    }
}
