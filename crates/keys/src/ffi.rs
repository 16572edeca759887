//! The one direct call into OpenSSL: the PKCS#12 key-derivation function (RFC 7292 app. B).
//!
//! The `openssl` crate does not expose `PKCS12_key_gen_uni`, and the KDF must never be
//! reimplemented here, so this module declares that single function and wraps it in a
//! safe function. It must never grow into a general FFI layer.
#![allow(unsafe_code)]

use std::os::raw::{c_int, c_uchar};

use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;

extern "C" {
    /// From libcrypto (`<openssl/pkcs12.h>`); linked through `openssl-sys`.
    fn PKCS12_key_gen_uni(
        pass: *mut c_uchar,
        passlen: c_int,
        salt: *mut c_uchar,
        saltlen: c_int,
        id: c_int,
        iter: c_int,
        n: c_int,
        out: *mut c_uchar,
        md_type: *const openssl_sys::EVP_MD,
    ) -> c_int;
}

/// Purpose byte of the PKCS#12 KDF ("ID" in RFC 7292 appendix B.3).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Pkcs12KdfPurpose {
    /// Key material for a cipher.
    Key = 1,
    /// An initialisation vector.
    Iv = 2,
    /// A MAC key.
    Mac = 3,
}

/// Fills `out` with the PKCS#12 KDF of `password` (already BMPString-encoded, terminator
/// included, or empty), `salt` and `iterations` using `digest`.
pub(crate) fn pkcs12_kdf(
    password: &[u8],
    salt: &[u8],
    purpose: Pkcs12KdfPurpose,
    iterations: u32,
    digest: MessageDigest,
    out: &mut [u8],
) -> Result<(), ErrorStack> {
    let too_long = |n: usize| c_int::try_from(n).is_err();
    if too_long(password.len()) || too_long(salt.len()) || too_long(out.len()) {
        return Err(ErrorStack::get());
    }
    let iterations = c_int::try_from(iterations).map_err(|_| ErrorStack::get())?;
    // OpenSSL wants non-null pointers even for empty inputs.
    let mut pass_buf = [0u8; 1];
    let pass_ptr = if password.is_empty() {
        pass_buf.as_mut_ptr()
    } else {
        password.as_ptr().cast_mut()
    };
    let mut salt_buf = [0u8; 1];
    let salt_ptr = if salt.is_empty() {
        salt_buf.as_mut_ptr()
    } else {
        salt.as_ptr().cast_mut()
    };

    // SAFETY: every pointer is valid for the length passed with it (lengths checked to fit
    // `c_int` above), `pass` and `salt` are only read by OpenSSL despite the `*mut` in its
    // old prototype, `out` is writable for `out.len()` bytes, and `digest.as_ptr()` is a
    // static EVP_MD owned by OpenSSL. The function keeps no pointer after it returns.
    let ok = unsafe {
        PKCS12_key_gen_uni(
            pass_ptr,
            password.len() as c_int,
            salt_ptr,
            salt.len() as c_int,
            purpose as c_int,
            iterations,
            out.len() as c_int,
            out.as_mut_ptr(),
            digest.as_ptr(),
        )
    };
    if ok == 1 {
        Ok(())
    } else {
        Err(ErrorStack::get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs12_kdf_matches_a_known_answer() {
        // Password "smeg" (BMPString with terminator), salt 0A58CF64530D823F, ID 1,
        // 1 iteration, SHA-1, 24 bytes: the classic vector from OpenSSL's p12 tests.
        let password = [0, b's', 0, b'm', 0, b'e', 0, b'g', 0, 0];
        let salt = [0x0a, 0x58, 0xcf, 0x64, 0x53, 0x0d, 0x82, 0x3f];
        let mut out = [0u8; 24];
        pkcs12_kdf(
            &password,
            &salt,
            Pkcs12KdfPurpose::Key,
            1,
            MessageDigest::sha1(),
            &mut out,
        )
        .unwrap();
        assert_eq!(
            hex::encode(out),
            "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3"
        );
    }
}
