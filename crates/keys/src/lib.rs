//! Keyward's key material: secrets, key formats, and the key rules K1–K4.
//!
//! - [`secret`]: one wiped, redacted type per kind of secret.
//! - [`inspect`](mod@inspect): the upload entry point; recognises PKCS#12 and `.byok` by
//!   content and applies K1 (RSA-2048), K2 (PKCS#12 policy) and K3 (BYOK policy).
//! - [`generate`](mod@generate): K4, a new RSA-2048 key returned as a PKCS#12 file.
//! - [`kek`]: the key exchange keys `.byok` blobs are wrapped for.
//! - [`identity`]: a key's fingerprint, SHA-256 of its SubjectPublicKeyInfo.
//!
//! Invariants: every cipher and KDF is OpenSSL's (the one FFI call lives in `ffi`); every
//! uploaded structure is parsed before any key derivation runs, with bounded work; no
//! password, private key or decrypted byte is ever logged, formatted or put in an error.
//! This crate does no I/O besides reading a password file when asked to.

mod asn1;
pub mod byok;
pub mod error;
mod ffi;
pub mod generate;
pub mod identity;
pub mod inspect;
pub mod kek;
mod key_policy;
pub mod pkcs12;
mod provider;
pub mod secret;
mod sniff;

pub use byok::{import_byok, ByokKey};
pub use error::{GenerateError, ImportError};
pub use generate::{generate, GeneratedKey, Pkcs12File, Pkcs12Profile, GENERATION_ITERATIONS};
pub use identity::fingerprint;
pub use inspect::{import_key, inspect, ImportedKey, Inspection, KeySummary};
pub use kek::{KekError, KeyExchangeKey, KEK_BITS};
pub use key_policy::REQUIRED_RSA_BITS;
pub use pkcs12::{import_pkcs12, IterationLimits, Pkcs12Key};
pub use secret::{
    DataKey, KekPrivateKey, Password, TenantPrivateKey, DATA_KEY_LEN, MAX_PASSWORD_FILE_BYTES,
};
pub use sniff::{detect_format, KeyFormat};
