//! `.byok` import under rule K3: the Azure Key Vault BYOK key-transfer blob.
//!
//! ```text
//! {"schema_version": "1.0.0",
//!  "header": {"kid": KEK id, "alg": "dir", "enc": "CKM_RSA_AES_KEY_WRAP"},
//!  "ciphertext": base64url( RSA-OAEP-SHA1(KEK, ephemeral AES key)
//!                           || AES-KWP(ephemeral key, PKCS#8 target key) ),
//!  "generator": informational}
//! ```
//!
//! The header is checked, including `kid` against this region's KEK, before any
//! cryptography. Every unwrap failure gets one message so the service is no oracle
//! against its own KEK; the one exception is a blob that fully unwraps with OAEP-SHA256,
//! which is named because it cannot be an attack on SHA-1 padding. Plaintext (the
//! ephemeral key and the target key) stays in wiped buffers and is never logged.

use keyward_domain::Fingerprint;
use openssl::cipher::{Cipher, CipherRef};
use openssl::cipher_ctx::{CipherCtx, CipherCtxFlags};
use openssl::encrypt::Decrypter;
use openssl::hash::MessageDigest;
use openssl::rsa::{Padding, Rsa};
use serde::de::IgnoredAny;
use serde::Deserialize;
use tracing::debug;
use zeroize::Zeroizing;

use crate::asn1::pkcs8_algorithm;
use crate::key_policy::tenant_key_from_pkcs8;
use crate::sniff::{decode_base64_text, strip_bom};
use crate::{identity, ImportError, KeyExchangeKey, TenantPrivateKey};

/// The only `schema_version` defined.
const SCHEMA_VERSION: &str = "1.0.0";
/// The only `header.alg` defined.
const ALG: &str = "dir";
/// The only `header.enc` defined.
const ENC: &str = "CKM_RSA_AES_KEY_WRAP";

/// A private key taken from a `.byok` blob that passed every check.
#[derive(Debug)]
pub struct ByokKey {
    /// The RSA-2048 private key.
    pub key: TenantPrivateKey,
    /// Its identity.
    pub fingerprint: Fingerprint,
}

/// The blob as JSON; every member optional so that a missing one gets a precise message.
/// serde's derive refuses duplicate members and ignores unknown ones.
#[derive(Deserialize)]
struct RawBlob {
    schema_version: Option<String>,
    header: Option<RawHeader>,
    ciphertext: Option<String>,
    #[allow(dead_code)] // informational only; read so that a duplicate is refused
    generator: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct RawHeader {
    kid: Option<String>,
    alg: Option<String>,
    enc: Option<String>,
}

/// A blob whose header passed the checks that need no key.
struct Blob {
    kid: String,
    ciphertext: Vec<u8>,
}

/// Imports the RSA-2048 key of a `.byok` blob made for `kek`.
pub fn import_byok(json: &[u8], kek: Option<&KeyExchangeKey>) -> Result<ByokKey, ImportError> {
    let blob = parse_blob(json)?;
    let kek = kek.ok_or(ImportError::ByokNoKek)?;
    if blob.kid != kek.kid() {
        return Err(ImportError::ByokKidMismatch {
            found: blob.kid,
            expected: kek.kid().to_owned(),
        });
    }

    let target = unwrap_target(&blob.ciphertext, kek)?;
    let key = target_key(&target)?;
    let fingerprint =
        identity::fingerprint(key.expose_pkey()).map_err(|_| ImportError::KeyMalformed)?;
    Ok(ByokKey { key, fingerprint })
}

/// Reads the JSON and checks every member that needs no key.
fn parse_blob(json: &[u8]) -> Result<Blob, ImportError> {
    let raw: RawBlob = serde_json::from_slice(strip_bom(json)).map_err(json_error)?;
    let version = raw.schema_version.ok_or(missing("schema_version"))?;
    if version != SCHEMA_VERSION {
        return Err(ImportError::ByokUnsupportedSchemaVersion { found: version });
    }
    let header = raw.header.ok_or(missing("header"))?;
    let alg = header.alg.ok_or(missing("header.alg"))?;
    if alg != ALG {
        return Err(ImportError::ByokUnsupportedAlg { found: alg });
    }
    let enc = header.enc.ok_or(missing("header.enc"))?;
    if enc != ENC {
        return Err(ImportError::ByokUnsupportedEnc { found: enc });
    }
    let kid = header.kid.ok_or(missing("header.kid"))?;
    let text = raw.ciphertext.ok_or(missing("ciphertext"))?;
    let ciphertext =
        decode_base64_text(text.as_bytes()).ok_or(ImportError::ByokCiphertextNotBase64)?;
    debug!(ciphertext_len = ciphertext.len(), "byok header accepted");
    Ok(Blob { kid, ciphertext })
}

fn missing(field: &'static str) -> ImportError {
    ImportError::ByokMissingField { field }
}

/// Maps a JSON error. serde reports duplicates only through its message text, so that
/// text's stable prefix (`duplicate field`) is the one thing matched here.
fn json_error(err: serde_json::Error) -> ImportError {
    let detail = err.to_string();
    if detail.starts_with("duplicate field") {
        ImportError::ByokDuplicateMember { detail }
    } else {
        ImportError::ByokNotJson { detail }
    }
}

/// RSA-OAEP then AES-KWP; one generic error for every failure but a clean OAEP-SHA256.
fn unwrap_target(
    ciphertext: &[u8],
    kek: &KeyExchangeKey,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let rsa_len = kek.modulus_len();
    if ciphertext.len() <= rsa_len {
        return Err(ImportError::ByokUnwrapFailed);
    }
    let (wrapped_key, wrapped_target) = ciphertext.split_at(rsa_len);
    if let Some(ephemeral) = oaep_decrypt(kek, wrapped_key, MessageDigest::sha1()) {
        return kwp_unwrap(&ephemeral, wrapped_target).ok_or(ImportError::ByokUnwrapFailed);
    }

    // Name the SHA-256 mistake only when it fully explains the blob, integrity included.
    let ephemeral = oaep_decrypt(kek, wrapped_key, MessageDigest::sha256())
        .ok_or(ImportError::ByokUnwrapFailed)?;
    kwp_unwrap(&ephemeral, wrapped_target).ok_or(ImportError::ByokUnwrapFailed)?;
    Err(ImportError::ByokOaepSha256)
}

/// RSA-OAEP (hash and MGF1 both `md`, empty label); the result must be an AES key size.
fn oaep_decrypt(
    kek: &KeyExchangeKey,
    wrapped: &[u8],
    md: MessageDigest,
) -> Option<Zeroizing<Vec<u8>>> {
    let mut decrypter = Decrypter::new(kek.pkey()).ok()?;
    decrypter.set_rsa_padding(Padding::PKCS1_OAEP).ok()?;
    decrypter.set_rsa_oaep_md(md).ok()?;
    decrypter.set_rsa_mgf1_md(md).ok()?;
    let mut out = Zeroizing::new(vec![0u8; decrypter.decrypt_len(wrapped).ok()?]);
    let len = decrypter.decrypt(wrapped, &mut out).ok()?;
    out.truncate(len);
    matches!(len, 16 | 24 | 32).then_some(out)
}

/// AES key wrap with padding (RFC 5649) through OpenSSL; `None` on any failure,
/// including the integrity check.
fn kwp_unwrap(key: &[u8], wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let cipher: &CipherRef = match key.len() {
        16 => Cipher::aes_128_wrap_pad(),
        24 => Cipher::aes_192_wrap_pad(),
        32 => Cipher::aes_256_wrap_pad(),
        _ => return None,
    };
    let mut ctx = CipherCtx::new().ok()?;
    ctx.set_flags(CipherCtxFlags::FLAG_WRAP_ALLOW);
    ctx.decrypt_init(Some(cipher), Some(key), None).ok()?;
    let mut out = Zeroizing::new(vec![0u8; wrapped.len() + cipher.block_size()]);
    let mut len = ctx.cipher_update(wrapped, Some(&mut out)).ok()?;
    len += ctx.cipher_final(&mut out[len..]).ok()?;
    out.truncate(len);
    Some(out)
}

/// The target must be a PKCS#8 PrivateKeyInfo, then pass rule K1.
fn target_key(plain: &[u8]) -> Result<TenantPrivateKey, ImportError> {
    if pkcs8_algorithm(plain).is_ok() {
        return tenant_key_from_pkcs8(plain);
    }
    let found = if Rsa::private_key_from_der(plain).is_ok() {
        "a bare PKCS#1 RSAPrivateKey"
    } else {
        "unrecognised data"
    };
    Err(ImportError::ByokTargetNotPkcs8 { found })
}
