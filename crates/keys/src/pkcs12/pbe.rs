//! Password-based encryption schemes of PKCS#12 bags and contents, and their decryption.
//!
//! Two families exist: the PKCS#12 PBEs (`pbeWithSHAAnd...`, key and IV from the PKCS#12
//! KDF with SHA-1) and PBES2 (PBKDF2 + a CBC cipher). Parameters are read and iteration
//! counts charged by [`EncryptionScheme::parse`] before anything runs; [`decrypt`] then
//! runs OpenSSL's KDFs and ciphers. No cipher or KDF is implemented here.
//!
//! Decrypted bytes are returned in wiped buffers and never logged.

use bcder::Mode;
use openssl::hash::MessageDigest;
use openssl::symm::{Cipher, Crypter, Mode as CipherMode};
use zeroize::Zeroizing;

use super::limits::IterationBudget;
use super::password::Candidate;
use crate::asn1::{oid, take_i64, take_octets, take_opt_i64, AlgorithmId};
use crate::ffi::{pkcs12_kdf, Pkcs12KdfPurpose};
use crate::ImportError;

/// A parsed, supported encryption scheme with its parameters.
pub(super) enum EncryptionScheme {
    /// `pbeWithSHAAnd...`: PKCS#12 KDF (SHA-1) for key and IV.
    Pkcs12Pbe {
        cipher: Cipher,
        salt: Vec<u8>,
        iterations: u32,
    },
    /// PBES2: PBKDF2 then a CBC cipher.
    Pbes2 {
        kdf: Pbkdf2Params,
        cipher: Cipher,
        iv: Vec<u8>,
    },
}

/// PBKDF2 parameters (RFC 8018).
pub(super) struct Pbkdf2Params {
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub key_length: Option<usize>,
    pub prf: MessageDigest,
}

/// Decryption failed: wrong password, or damaged ciphertext.
pub(super) struct DecryptFailed;

impl EncryptionScheme {
    /// Reads `algorithm`, refusing unsupported schemes and charging its iteration count.
    pub fn parse(
        algorithm: &AlgorithmId,
        budget: &mut IterationBudget,
    ) -> Result<Self, ImportError> {
        if algorithm.oid == oid::PBES2 {
            return parse_pbes2(&algorithm.params, budget);
        }
        let cipher = pkcs12_pbe_cipher(algorithm)?;
        let (salt, iterations) = Mode::Ber
            .decode(algorithm.params.as_slice(), |cons| {
                cons.take_sequence(|cons| Ok((take_octets(cons)?, take_i64(cons)?)))
            })
            .map_err(|_| ImportError::Pkcs12Malformed)?;
        let iterations = budget.charge(iterations)?;
        Ok(Self::Pkcs12Pbe {
            cipher,
            salt,
            iterations,
        })
    }
}

/// The cipher of a PKCS#12 PBE OID, or the refusal naming an unsupported one.
fn pkcs12_pbe_cipher(algorithm: &AlgorithmId) -> Result<Cipher, ImportError> {
    let unsupported = |name: &str| ImportError::Pkcs12UnsupportedEncryption {
        algorithm: name.to_owned(),
    };
    let oid = &algorithm.oid;
    if *oid == oid::PBE_SHA1_3DES {
        Ok(Cipher::des_ede3_cbc())
    } else if *oid == oid::PBE_SHA1_RC2_128 {
        Ok(Cipher::rc2_cbc())
    } else if *oid == oid::PBE_SHA1_RC2_40 {
        Ok(Cipher::rc2_40_cbc())
    } else if *oid == oid::PBE_SHA1_RC4_128 {
        Err(unsupported("pbeWithSHAAnd128BitRC4"))
    } else if *oid == oid::PBE_SHA1_RC4_40 {
        Err(unsupported("pbeWithSHAAnd40BitRC4"))
    } else if *oid == oid::PBE_SHA1_2DES {
        Err(unsupported("pbeWithSHAAnd2-KeyTripleDES-CBC"))
    } else {
        Err(unsupported(&algorithm.oid_text()))
    }
}

/// `PBES2-params ::= SEQUENCE { keyDerivationFunc AlgId, encryptionScheme AlgId }`
fn parse_pbes2(
    params: &[u8],
    budget: &mut IterationBudget,
) -> Result<EncryptionScheme, ImportError> {
    let (kdf, scheme) = Mode::Ber
        .decode(params, |cons| {
            cons.take_sequence(|cons| {
                Ok((AlgorithmId::take_from(cons)?, AlgorithmId::take_from(cons)?))
            })
        })
        .map_err(|_| ImportError::Pkcs12Malformed)?;
    if kdf.oid != oid::PBKDF2 {
        return Err(ImportError::Pkcs12UnsupportedEncryption {
            algorithm: format!("PBES2 with key derivation {}", kdf.oid_text()),
        });
    }
    let kdf = parse_pbkdf2(&kdf.params, budget)?;
    let cipher = pbes2_cipher(&scheme)?;
    let iv = Mode::Ber
        .decode(scheme.params.as_slice(), take_octets)
        .map_err(|_| ImportError::Pkcs12Malformed)?;
    if iv.len() != cipher.iv_len().unwrap_or(0) {
        return Err(ImportError::Pkcs12Malformed);
    }
    if kdf.key_length.is_some_and(|len| len != cipher.key_len()) {
        return Err(ImportError::Pkcs12Malformed);
    }
    Ok(EncryptionScheme::Pbes2 { kdf, cipher, iv })
}

fn pbes2_cipher(scheme: &AlgorithmId) -> Result<Cipher, ImportError> {
    let oid = &scheme.oid;
    if *oid == oid::AES_256_CBC {
        Ok(Cipher::aes_256_cbc())
    } else if *oid == oid::AES_192_CBC {
        Ok(Cipher::aes_192_cbc())
    } else if *oid == oid::AES_128_CBC {
        Ok(Cipher::aes_128_cbc())
    } else if *oid == oid::DES_EDE3_CBC {
        Ok(Cipher::des_ede3_cbc())
    } else {
        Err(ImportError::Pkcs12UnsupportedEncryption {
            algorithm: format!("PBES2 with cipher {}", scheme.oid_text()),
        })
    }
}

/// `PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER,
/// keyLength INTEGER OPTIONAL, prf AlgorithmIdentifier DEFAULT hmacWithSHA1 }`
pub(super) fn parse_pbkdf2(
    params: &[u8],
    budget: &mut IterationBudget,
) -> Result<Pbkdf2Params, ImportError> {
    let (salt, iterations, key_length, prf) = Mode::Ber
        .decode(params, |cons| {
            cons.take_sequence(|cons| {
                let salt = take_octets(cons)?;
                let iterations = take_i64(cons)?;
                let key_length = take_opt_i64(cons)?;
                let prf = cons.take_opt_sequence(|cons| {
                    let oid = bcder::Oid::take_from(cons)?;
                    cons.skip_all()?;
                    Ok(oid)
                })?;
                Ok((salt, iterations, key_length, prf))
            })
        })
        .map_err(|_| ImportError::Pkcs12Malformed)?;
    let prf = match prf {
        None => MessageDigest::sha1(),
        Some(oid) => hmac_digest(&oid).ok_or_else(|| ImportError::Pkcs12UnsupportedEncryption {
            algorithm: format!("PBKDF2 with PRF {oid}"),
        })?,
    };
    let key_length = match key_length {
        None => None,
        Some(len) => Some(usize::try_from(len).map_err(|_| ImportError::Pkcs12Malformed)?),
    };
    let iterations = budget.charge(iterations)?;
    Ok(Pbkdf2Params {
        salt,
        iterations,
        key_length,
        prf,
    })
}

/// The digest of an `hmacWithSHA*` PRF OID.
pub(super) fn hmac_digest(prf: &bcder::Oid) -> Option<MessageDigest> {
    let table = [
        (oid::HMAC_SHA1, MessageDigest::sha1()),
        (oid::HMAC_SHA224, MessageDigest::sha224()),
        (oid::HMAC_SHA256, MessageDigest::sha256()),
        (oid::HMAC_SHA384, MessageDigest::sha384()),
        (oid::HMAC_SHA512, MessageDigest::sha512()),
    ];
    table.into_iter().find(|(o, _)| prf == o).map(|(_, md)| md)
}

/// Runs PBKDF2 over the candidate's UTF-8 bytes into a wiped buffer of `len` bytes.
pub(super) fn pbkdf2(
    params: &Pbkdf2Params,
    candidate: &Candidate,
    len: usize,
) -> Result<Zeroizing<Vec<u8>>, DecryptFailed> {
    let mut key = Zeroizing::new(vec![0u8; len]);
    let iterations = params.iterations as usize;
    openssl::pkcs5::pbkdf2_hmac(
        &candidate.utf8,
        &params.salt,
        iterations,
        params.prf,
        &mut key,
    )
    .map_err(|_| DecryptFailed)?;
    Ok(key)
}

/// Decrypts `ciphertext` with `scheme` and one password candidate.
///
/// Success means the CBC padding was valid; callers must still check that the plaintext
/// parses, since a wrong password passes the padding check about once in 256 tries.
pub(super) fn decrypt(
    scheme: &EncryptionScheme,
    candidate: &Candidate,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, DecryptFailed> {
    match scheme {
        EncryptionScheme::Pkcs12Pbe {
            cipher,
            salt,
            iterations,
        } => {
            let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
            let mut iv = Zeroizing::new(vec![0u8; cipher.iv_len().unwrap_or(0)]);
            let sha1 = MessageDigest::sha1();
            let kdf = |purpose, out: &mut [u8]| {
                pkcs12_kdf(&candidate.bmp, salt, purpose, *iterations, sha1, out)
                    .map_err(|_| DecryptFailed)
            };
            kdf(Pkcs12KdfPurpose::Key, &mut key)?;
            kdf(Pkcs12KdfPurpose::Iv, &mut iv)?;
            cbc_decrypt(*cipher, &key, &iv, ciphertext)
        }
        EncryptionScheme::Pbes2 { kdf, cipher, iv } => {
            let key = pbkdf2(kdf, candidate, cipher.key_len())?;
            cbc_decrypt(*cipher, &key, iv, ciphertext)
        }
    }
}

/// Whether trying `candidate` with `scheme` could give anything an earlier candidate of
/// the same password did not.
pub(super) fn worth_trying(scheme: &EncryptionScheme, candidate: &Candidate) -> bool {
    matches!(scheme, EncryptionScheme::Pkcs12Pbe { .. }) || !candidate.repeats_pbkdf2_secret()
}

/// CBC decryption with PKCS#7 padding into a wiped buffer.
fn cbc_decrypt(
    cipher: Cipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, DecryptFailed> {
    let mut crypter =
        Crypter::new(cipher, CipherMode::Decrypt, key, Some(iv)).map_err(|_| DecryptFailed)?;
    let mut out = Zeroizing::new(vec![0u8; data.len() + cipher.block_size()]);
    let mut len = crypter.update(data, &mut out).map_err(|_| DecryptFailed)?;
    len += crypter
        .finalize(&mut out[len..])
        .map_err(|_| DecryptFailed)?;
    out.truncate(len);
    Ok(out)
}
