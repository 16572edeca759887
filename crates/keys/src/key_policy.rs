//! Rule K1 applied to a decrypted private key: RSA (rsaEncryption), exactly 2048 bits.
//!
//! The algorithm is read from the PKCS#8 OID *before* OpenSSL loads the key, so an
//! RSA-PSS-restricted key is named as such instead of being loaded as "RSA". This module
//! sees plaintext private keys; it must never log or copy them.

use bcder::Oid;
use openssl::pkey::PKey;

use crate::asn1::{oid, pkcs8_algorithm};
use crate::{ImportError, TenantPrivateKey};

/// The modulus size SPEC K1 requires.
pub const REQUIRED_RSA_BITS: u32 = 2048;

/// Loads a PKCS#8 PrivateKeyInfo as a tenant key, or says what is wrong with it.
pub(crate) fn tenant_key_from_pkcs8(der: &[u8]) -> Result<TenantPrivateKey, ImportError> {
    let algorithm = pkcs8_algorithm(der).map_err(|_| ImportError::KeyMalformed)?;
    check_algorithm(&algorithm)?;
    let key = PKey::private_key_from_pkcs8(der).map_err(|_| ImportError::KeyMalformed)?;
    let bits = key.bits();
    if bits != REQUIRED_RSA_BITS {
        return Err(ImportError::KeyWrongSize { bits });
    }

    // A key whose parts do not fit together would fail later, at unwrap time.
    let rsa = key.rsa().map_err(|_| ImportError::KeyMalformed)?;
    if !rsa.check_key().unwrap_or(false) {
        return Err(ImportError::KeyMalformed);
    }
    Ok(TenantPrivateKey::from_checked(key))
}

/// Refuses every PKCS#8 algorithm but rsaEncryption, naming what was found.
fn check_algorithm(algorithm: &Oid) -> Result<(), ImportError> {
    if *algorithm == oid::RSA_ENCRYPTION {
        return Ok(());
    }
    if *algorithm == oid::RSASSA_PSS {
        return Err(ImportError::KeyRsaPssRestricted);
    }
    let named = [
        (oid::EC_PUBLIC_KEY, "EC"),
        (oid::DSA, "DSA"),
        (oid::ED25519, "Ed25519"),
        (oid::ED448, "Ed448"),
        (oid::X25519, "X25519"),
        (oid::X448, "X448"),
        (oid::DH, "DH"),
    ];
    let found = named
        .iter()
        .find(|(o, _)| algorithm == o)
        .map(|(_, name)| (*name).to_owned())
        .unwrap_or_else(|| format!("unknown ({algorithm})"));
    Err(ImportError::KeyWrongType { found })
}
