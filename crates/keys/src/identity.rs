//! A key's identity: the SHA-256 of its DER SubjectPublicKeyInfo (SPEC section 3).
//!
//! The identity depends on the public key only, never on a certificate or a file format,
//! so the same key delivered as PKCS#12, as `.byok` or with another certificate is
//! recognised as the same key (K2, K3, U1). This module only ever sees public halves.

use keyward_domain::Fingerprint;
use openssl::error::ErrorStack;
use openssl::pkey::{HasPublic, PKeyRef};
use openssl::sha::sha256;

/// The fingerprint of `key`: SHA-256 over its DER SubjectPublicKeyInfo.
pub fn fingerprint<T: HasPublic>(key: &PKeyRef<T>) -> Result<Fingerprint, ErrorStack> {
    let spki = key.public_key_to_der()?;
    Ok(Fingerprint::from_bytes(sha256(&spki)))
}
