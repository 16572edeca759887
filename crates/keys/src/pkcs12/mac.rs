//! The PKCS#12 integrity check: classic HMAC (key from the PKCS#12 KDF) or PBMAC1.
//!
//! OpenSSL 3.0 cannot verify PBMAC1 (RFC 9579), so PBMAC1 is verified here from its
//! parts: PBKDF2 over the raw UTF-8 password, then HMAC, both run by OpenSSL. The MAC
//! value is compared in constant time. Keys are wiped; nothing here is logged.

use bcder::Mode;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use zeroize::Zeroizing;

use super::limits::IterationBudget;
use super::password::Candidate;
use super::pbe::{hmac_digest, parse_pbkdf2, pbkdf2, Pbkdf2Params};
use super::structure::MacData;
use crate::asn1::{oid, AlgorithmId};
use crate::ffi::{pkcs12_kdf, Pkcs12KdfPurpose};
use crate::ImportError;

/// A parsed, supported MAC with its parameters and the expected value.
pub(super) enum MacScheme {
    /// HMAC keyed by the PKCS#12 KDF (RFC 7292 appendix B).
    Classic {
        digest: MessageDigest,
        salt: Vec<u8>,
        iterations: u32,
        expected: Vec<u8>,
    },
    /// PBMAC1: HMAC keyed by PBKDF2 (RFC 9579).
    Pbmac1 {
        kdf: Pbkdf2Params,
        hmac: MessageDigest,
        expected: Vec<u8>,
    },
}

impl MacScheme {
    /// Reads the MacData, refusing unsupported algorithms and charging iteration counts.
    pub fn parse(mac: &MacData, budget: &mut IterationBudget) -> Result<Self, ImportError> {
        if mac.algorithm.oid == oid::PBMAC1 {
            return parse_pbmac1(&mac.algorithm.params, &mac.digest, budget);
        }
        let digest =
            digest_of(&mac.algorithm.oid).ok_or_else(|| ImportError::Pkcs12UnsupportedMac {
                algorithm: mac.algorithm.oid_text(),
            })?;
        let iterations = budget.charge(mac.iterations)?;
        Ok(Self::Classic {
            digest,
            salt: mac.salt.clone(),
            iterations,
            expected: mac.digest.clone(),
        })
    }

    /// The algorithm's name, for debug logs.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Classic { .. } => "pkcs12-hmac",
            Self::Pbmac1 { .. } => "pbmac1",
        }
    }

    /// Whether `candidate` produces the expected MAC over `data`.
    pub fn verify(&self, candidate: &Candidate, data: &[u8]) -> bool {
        let computed = match self {
            Self::Classic {
                digest,
                salt,
                iterations,
                ..
            } => classic_key(*digest, salt, *iterations, candidate)
                .and_then(|key| hmac(*digest, &key, data)),
            Self::Pbmac1 { kdf, hmac: md, .. } => {
                let len = kdf.key_length.unwrap_or(md.size());
                pbkdf2(kdf, candidate, len)
                    .ok()
                    .and_then(|key| hmac(*md, &key, data))
            }
        };
        let expected = match self {
            Self::Classic { expected, .. } | Self::Pbmac1 { expected, .. } => expected,
        };
        computed
            .is_some_and(|mac| mac.len() == expected.len() && openssl::memcmp::eq(&mac, expected))
    }
}

/// `PBMAC1-params ::= SEQUENCE { keyDerivationFunc AlgId, messageAuthScheme AlgId }`
fn parse_pbmac1(
    params: &[u8],
    expected: &[u8],
    budget: &mut IterationBudget,
) -> Result<MacScheme, ImportError> {
    let (kdf, scheme) = Mode::Ber
        .decode(params, |cons| {
            cons.take_sequence(|cons| {
                Ok((AlgorithmId::take_from(cons)?, AlgorithmId::take_from(cons)?))
            })
        })
        .map_err(|_| ImportError::Pkcs12Malformed)?;
    let unsupported = |what: &AlgorithmId| ImportError::Pkcs12UnsupportedMac {
        algorithm: format!("PBMAC1 with {}", what.oid_text()),
    };
    if kdf.oid != oid::PBKDF2 {
        return Err(unsupported(&kdf));
    }
    let hmac = hmac_digest(&scheme.oid).ok_or_else(|| unsupported(&scheme))?;
    let kdf = parse_pbkdf2(&kdf.params, budget)?;
    Ok(MacScheme::Pbmac1 {
        kdf,
        hmac,
        expected: expected.to_vec(),
    })
}

/// The digest of a classic MacData DigestInfo algorithm.
fn digest_of(digest: &bcder::Oid) -> Option<MessageDigest> {
    let table = [
        (oid::SHA1, MessageDigest::sha1()),
        (oid::SHA224, MessageDigest::sha224()),
        (oid::SHA256, MessageDigest::sha256()),
        (oid::SHA384, MessageDigest::sha384()),
        (oid::SHA512, MessageDigest::sha512()),
    ];
    table
        .into_iter()
        .find(|(o, _)| digest == o)
        .map(|(_, md)| md)
}

fn classic_key(
    digest: MessageDigest,
    salt: &[u8],
    iterations: u32,
    candidate: &Candidate,
) -> Option<Zeroizing<Vec<u8>>> {
    let mut key = Zeroizing::new(vec![0u8; digest.size()]);
    pkcs12_kdf(
        &candidate.bmp,
        salt,
        Pkcs12KdfPurpose::Mac,
        iterations,
        digest,
        &mut key,
    )
    .ok()?;
    Some(key)
}

fn hmac(digest: MessageDigest, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let key = PKey::hmac(key).ok()?;
    let mut signer = Signer::new(digest, &key).ok()?;
    signer.update(data).ok()?;
    signer.sign_to_vec().ok()
}
