//! Key generation under rule K4: a new RSA-2048 key, returned once as a PKCS#12 file.
//!
//! The file carries the key and a self-signed certificate naming it as a Keyward tenant
//! key (valid about ten years; nothing checks it, but many tools refuse a PKCS#12 without
//! one). The modern profile is PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC with an
//! HMAC-SHA256 MAC; the legacy profile is pbeWithSHAAnd3-KeyTripleDES-CBC with a SHA-1 MAC,
//! for old consumers. Both use [`GENERATION_ITERATIONS`], which Keyward's own import
//! limits accept.
//!
//! Known limitation: OpenSSL's `PKCS12_create` takes the password as a C string, and the
//! `openssl` crate copies it into a `CString` that is freed without being wiped.
//!
//! This module must never log the password or the key.

use keyward_domain::Fingerprint;
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::BasicConstraints;
use openssl::x509::{X509Name, X509};
use tracing::info;

use crate::key_policy::REQUIRED_RSA_BITS;
use crate::{identity, GenerateError, Password, TenantPrivateKey};

/// PBKDF2 / PKCS#12-KDF iterations for key, certificate and MAC of generated files.
///
/// 600,000 is OWASP's PBKDF2-HMAC-SHA256 level; with three derivations per file it stays
/// within the default import limits (1,000,000 each, 3,000,000 per file).
pub const GENERATION_ITERATIONS: u32 = 600_000;

/// Validity of the self-signed certificate, in days (about ten years).
const CERTIFICATE_DAYS: u32 = 3650;

/// The encryption profile of a generated PKCS#12 file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pkcs12Profile {
    /// PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC; HMAC-SHA256 MAC (the default, SPEC K4).
    #[default]
    Modern,
    /// pbeWithSHAAnd3-KeyTripleDES-CBC; HMAC-SHA1 MAC, for old consumers.
    Legacy,
}

impl Pkcs12Profile {
    /// The profile's name in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Modern => "modern",
            Self::Legacy => "legacy",
        }
    }
}

/// A PKCS#12 file's bytes: encrypted under the admin's password, so not itself a secret
/// in memory, but handed to the admin once and never stored by Keyward.
#[derive(Clone)]
pub struct Pkcs12File(Vec<u8>);

impl Pkcs12File {
    /// The DER bytes of the file.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Takes the DER bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl std::fmt::Debug for Pkcs12File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pkcs12File({} bytes)", self.0.len())
    }
}

/// The shortest password a generated key's PKCS#12 file may have, in characters: the file
/// is the tenant's only way back after a lock, so a guessable password defeats the lock.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// What [`generate`] returns.
#[derive(Debug)]
pub struct GeneratedKey {
    /// The new private key, for the vault.
    pub key: TenantPrivateKey,
    /// The key in a password-protected PKCS#12 file, for the admin.
    pub pkcs12: Pkcs12File,
    /// The key's identity.
    pub fingerprint: Fingerprint,
}

/// Generates an RSA-2048 key and its PKCS#12 file protected by `password` (non-empty).
pub fn generate(
    password: &Password,
    profile: Pkcs12Profile,
) -> Result<GeneratedKey, GenerateError> {
    if password.is_empty() {
        return Err(GenerateError::EmptyPassword);
    }
    let text = std::str::from_utf8(password.expose_bytes())
        .ok()
        .filter(|text| !text.contains('\0'))
        .ok_or(GenerateError::UnusablePassword)?;
    let found = text.chars().count();
    if found < MIN_PASSWORD_CHARS {
        return Err(GenerateError::PasswordTooShort {
            found,
            min: MIN_PASSWORD_CHARS,
        });
    }

    let key = PKey::from_rsa(Rsa::generate(REQUIRED_RSA_BITS)?)?;
    let fingerprint = identity::fingerprint(&key)?;
    let certificate = self_signed_certificate(&key, &fingerprint)?;
    let pkcs12 = build_pkcs12(&key, &certificate, text, profile)?;
    info!(
        fingerprint = %fingerprint,
        profile = profile.as_str(),
        outcome = "generated",
        "tenant key generated"
    );
    Ok(GeneratedKey {
        key: TenantPrivateKey::from_checked(key),
        pkcs12: Pkcs12File(pkcs12),
        fingerprint,
    })
}

/// A self-signed X.509 v3 certificate naming the key as a Keyward tenant key.
fn self_signed_certificate(
    key: &PKey<Private>,
    fingerprint: &Fingerprint,
) -> Result<X509, ErrorStack> {
    let mut name = X509Name::builder()?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "Keyward")?;
    let common_name = format!("Keyward tenant key {}", fingerprint.short());
    name.append_entry_by_nid(Nid::COMMONNAME, &common_name)?;
    let name = name.build();

    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = Asn1Integer::from_bn(&serial)?;
    let not_before = Asn1Time::days_from_now(0)?;
    let not_after = Asn1Time::days_from_now(CERTIFICATE_DAYS)?;

    let mut builder = X509::builder()?;
    builder.set_version(2)?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(&name)?;
    builder.set_issuer_name(&name)?;
    builder.set_pubkey(key)?;
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    builder.append_extension(BasicConstraints::new().critical().build()?)?;
    builder.sign(key, MessageDigest::sha256())?;
    Ok(builder.build())
}

/// Packs key and certificate with the profile's algorithms.
fn build_pkcs12(
    key: &PKey<Private>,
    certificate: &X509,
    password: &str,
    profile: Pkcs12Profile,
) -> Result<Vec<u8>, ErrorStack> {
    let (cipher, mac) = match profile {
        Pkcs12Profile::Modern => (Nid::AES_256_CBC, MessageDigest::sha256()),
        Pkcs12Profile::Legacy => (
            Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC,
            MessageDigest::sha1(),
        ),
    };
    let mut builder = Pkcs12::builder();
    builder
        .name("Keyward tenant key")
        .pkey(key)
        .cert(certificate)
        .key_algorithm(cipher)
        .cert_algorithm(cipher)
        .key_iter(GENERATION_ITERATIONS)
        .mac_iter(GENERATION_ITERATIONS)
        .mac_md(mac);
    builder.build2(password)?.to_der()
}
