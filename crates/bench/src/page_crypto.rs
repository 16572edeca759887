//! What SQLCipher does to one page, timed alone with the same OpenSSL: the profile behind the
//! encryption-overhead figure.
//!
//! SQLCipher 4 (as Keyward pins it) encrypts each 4096-byte page with AES-256-CBC under a
//! fresh random IV and appends an HMAC-SHA512 over the ciphertext, IV and page number; a
//! read decrypts and verifies, a write encrypts and MACs. Timing those primitives on a
//! page-sized buffer says how much of a page miss or a page write is cryptography, and what
//! the alternatives (`cipher_hmac_algorithm = HMAC_SHA256`, `cipher_use_hmac = OFF`, larger
//! pages) would save. Like SQLCipher's OpenSSL provider, which fetches the MAC and sets up a
//! context for every page, each call here sets its context up afresh; the bare hashes show
//! how much of an HMAC is that setup.

use std::time::{Duration, Instant};

use anyhow::Result;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use openssl::symm::{Cipher, Crypter, Mode};

/// One primitive's median time on one page.
#[derive(Clone, Debug)]
pub struct Step {
    /// What was timed.
    pub name: &'static str,
    /// Median over the samples.
    pub median: Duration,
}

/// Times each primitive on a `page`-byte buffer, `samples` times; returns medians.
pub fn profile(page: usize, samples: usize) -> Result<Vec<Step>> {
    let data = vec![0x42u8; page];
    let key = [7u8; 32];
    let iv = [9u8; 16];
    let mut out = Vec::new();
    out.push(time("AES-256-CBC decrypt", samples, || {
        cbc(Mode::Decrypt, &key, &iv, &data)
    })?);
    out.push(time("AES-256-CBC encrypt", samples, || {
        cbc(Mode::Encrypt, &key, &iv, &data)
    })?);
    out.push(time("HMAC-SHA512 (SQLCipher 4 default)", samples, || {
        hmac(MessageDigest::sha512(), &key, &data)
    })?);
    out.push(time("HMAC-SHA256", samples, || {
        hmac(MessageDigest::sha256(), &key, &data)
    })?);
    out.push(time("memcpy of the page (reference)", samples, || {
        std::hint::black_box(data.clone());
        Ok(())
    })?);
    Ok(out)
}

fn time(name: &'static str, samples: usize, step: impl Fn() -> Result<()>) -> Result<Step> {
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let start = Instant::now();
        step()?;
        times.push(start.elapsed());
    }
    Ok(Step {
        name,
        median: crate::stats::percentile(&times, 50.0),
    })
}

fn cbc(mode: Mode, key: &[u8], iv: &[u8], data: &[u8]) -> Result<()> {
    let mut crypter = Crypter::new(Cipher::aes_256_cbc(), mode, key, Some(iv))?;
    crypter.pad(false);
    let mut out = vec![0u8; data.len() + 16];
    let n = crypter.update(data, &mut out)?;
    std::hint::black_box(n);
    Ok(())
}

fn hmac(digest: MessageDigest, key: &[u8], data: &[u8]) -> Result<()> {
    let pkey = PKey::hmac(key)?;
    let mut signer = Signer::new(digest, &pkey)?;
    signer.update(data)?;
    std::hint::black_box(signer.sign_to_vec()?);
    Ok(())
}
