//! AES-256-GCM sealing under the root key, bound to a context string.
//!
//! Layout of a sealed value: `b"KWS1"` ‖ 12-byte random nonce ‖ ciphertext ‖ 16-byte tag.
//! The context (object id or environment id) is the additional authenticated data, so a
//! sealed value opens only under the id it was sealed for.
//!
//! Must never: reuse a nonce with a chosen value, or return plaintext that failed the tag.

use openssl::rand::rand_bytes;
use openssl::symm::{decrypt_aead, encrypt_aead, Cipher};
use zeroize::Zeroizing;

use crate::VaultError;

const MAGIC: &[u8; 4] = b"KWS1";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Seals `plaintext` under `key`, bound to `context`.
pub(crate) fn seal(key: &[u8; 32], context: &str, plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
    let mut nonce = [0u8; NONCE_LEN];
    rand_bytes(&mut nonce)?;
    let mut tag = [0u8; TAG_LEN];
    let aad = aad(context);
    let ciphertext = encrypt_aead(
        Cipher::aes_256_gcm(),
        key,
        Some(&nonce),
        &aad,
        plaintext,
        &mut tag,
    )?;
    let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + ciphertext.len() + TAG_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out.extend_from_slice(&tag);
    Ok(out)
}

/// Opens a value sealed by [`seal`] with the same key and context.
pub(crate) fn open(
    key: &[u8; 32],
    context: &str,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let failed = || VaultError::IntegrityCheckFailed(context.to_owned());
    let body = sealed.strip_prefix(MAGIC.as_slice()).ok_or_else(failed)?;
    if body.len() < NONCE_LEN + TAG_LEN {
        return Err(failed());
    }
    let (nonce, rest) = body.split_at(NONCE_LEN);
    let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
    let aad = aad(context);
    decrypt_aead(
        Cipher::aes_256_gcm(),
        key,
        Some(nonce),
        &aad,
        ciphertext,
        tag,
    )
    .map(Zeroizing::new)
    .map_err(|_| failed())
}

/// Domain-separates the AAD so a vault object and a data key with the same id differ.
fn aad(context: &str) -> Vec<u8> {
    format!("keyward-seal-v1:{context}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_value_opens_only_under_its_context_and_key() {
        let key = [7u8; 32];
        let sealed = seal(&key, "env-a", b"secret").unwrap();
        assert_eq!(open(&key, "env-a", &sealed).unwrap().as_slice(), b"secret");
        assert!(open(&key, "env-b", &sealed).is_err());
        assert!(open(&[8u8; 32], "env-a", &sealed).is_err());
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(open(&key, "env-a", &flipped).is_err());
        assert!(open(&key, "env-a", &sealed[..10]).is_err());
    }
}
