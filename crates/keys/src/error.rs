//! Why an uploaded key file was refused: one variant per reason a person can act on.
//!
//! Each variant has a stable snake_case [`ImportError::code`], the SPEC rule it enforces
//! ([`ImportError::rule`]) and a lowercase message that says what was wrong and what to do.
//! Messages may name algorithms, sizes, counts and KEK ids; they must never contain key
//! bytes, passwords or anything decrypted.

use keyward_domain::Rule;

/// A refused key file (rules K1, K2, K3).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The upload has no content.
    #[error("file is empty: upload the PKCS#12 (.pfx/.p12) or .byok file itself")]
    FileEmpty,
    /// A PEM private key or certificate, not a PKCS#12 file.
    #[error(
        "this is a PEM key/certificate, not a PKCS#12 file: export it as .pfx with a password"
    )]
    PemNotPkcs12,
    /// Content that is neither PKCS#12 nor a BYOK blob.
    #[error(
        "file is neither a PKCS#12 (.pfx/.p12) file nor a .byok key-transfer blob: \
         upload one of those"
    )]
    UnrecognizedFormat,

    /// The PKCS#12 structure is truncated or damaged.
    #[error(
        "not a valid/complete PKCS#12 file (it is truncated or damaged): \
         export or download it again"
    )]
    Pkcs12Malformed,
    /// A PKCS#12 file was given without any password.
    #[error("this is a PKCS#12 file and no password was given: supply the file's password")]
    Pkcs12PasswordRequired,
    /// The file opens with an empty password.
    #[error(
        "PKCS#12 file has no password (it opens with an empty password): \
         export it again protected by a strong password"
    )]
    Pkcs12NoPassword,
    /// No integrity check and nothing encrypted.
    #[error(
        "PKCS#12 file is not password-protected (no integrity check, nothing encrypted): \
         export it again with a password"
    )]
    Pkcs12NotPasswordProtected,
    /// The private key sits in a plain key bag.
    #[error(
        "private key is not encrypted inside the PKCS#12 file: \
         export it again with key encryption (for example AES-256)"
    )]
    Pkcs12KeyNotEncrypted,
    /// The password does not open the file.
    #[error("incorrect password for this PKCS#12 file: check the password and try again")]
    Pkcs12IncorrectPassword,
    /// The file's password verifies the file but does not decrypt the key.
    #[error(
        "private key is protected by a different password than the file: \
         export it again with one password for both"
    )]
    Pkcs12KeyPasswordDiffers,
    /// The file's password verifies the file but does not decrypt an encrypted part.
    #[error(
        "part of the PKCS#12 file is protected by a different password than the file: \
         export it again with one password"
    )]
    Pkcs12ContentPasswordDiffers,
    /// An encryption scheme Keyward does not implement.
    #[error("unsupported encryption algorithm {algorithm}: re-export with AES-256 or 3DES")]
    Pkcs12UnsupportedEncryption {
        /// Name or OID of the algorithm.
        algorithm: String,
    },
    /// A MAC scheme Keyward does not implement.
    #[error("unsupported integrity (MAC) algorithm {algorithm}: re-export with HMAC-SHA256")]
    Pkcs12UnsupportedMac {
        /// Name or OID of the algorithm.
        algorithm: String,
    },
    /// Public-key (enveloped) PKCS#12 content.
    #[error(
        "PKCS#12 content encrypted to a certificate (envelopedData) is not supported: \
         export it with password encryption"
    )]
    Pkcs12UnsupportedContent,
    /// An iteration count at or below zero.
    #[error("invalid iteration count {count} in the PKCS#12 file: export it again")]
    Pkcs12InvalidIterationCount {
        /// The count found.
        count: i64,
    },
    /// An iteration count above the per-derivation or per-file limit.
    #[error(
        "iteration count exceeds limit: {what} is {count}, the limit is {limit}; \
         export it again with at most {limit} iterations"
    )]
    Pkcs12IterationLimit {
        /// "one derivation" or "the file in total".
        what: &'static str,
        /// The count found (summed for the whole file).
        count: u64,
        /// The limit it exceeds.
        limit: u64,
    },
    /// No private key in the file.
    #[error(
        "PKCS#12 file contains no private key (only certificates?): \
         export the key pair, not just the certificate"
    )]
    Pkcs12NoPrivateKey,
    /// More than one private key.
    #[error(
        "PKCS#12 file contains {count} private keys; exactly one expected: \
         export only the key to upload"
    )]
    Pkcs12MultiplePrivateKeys {
        /// How many keys were found.
        count: usize,
    },
    /// Certificates are present but none belongs to the key.
    #[error(
        "certificate does not match private key: none of the file's certificates \
         belongs to its key; export the key with its own certificate"
    )]
    Pkcs12CertificateMismatch,

    /// The private key is not RSA (EC, DSA, Ed25519, ...).
    #[error("{found} key found, RSA 2048 required")]
    KeyWrongType {
        /// The key type found.
        found: String,
    },
    /// An RSA key restricted to PSS signatures.
    #[error(
        "RSA-PSS-restricted key found (OID id-RSASSA-PSS): an unrestricted RSA 2048-bit key \
         (rsaEncryption) is required"
    )]
    KeyRsaPssRestricted,
    /// An RSA key of the wrong size.
    #[error("RSA 2048-bit key required, found RSA {bits}")]
    KeyWrongSize {
        /// The modulus size found.
        bits: u32,
    },
    /// The private key's encoding is damaged.
    #[error("the private key is not a valid PKCS#8 key: export it again")]
    KeyMalformed,

    /// A `.byok` upload that is not JSON.
    #[error("not a JSON BYOK blob ({detail}): upload the .byok file your HSM tool produced")]
    ByokNotJson {
        /// What the JSON parser said, without the file's content.
        detail: String,
    },
    /// A member appears twice.
    #[error("BYOK blob has a duplicate member ({detail}): make the blob again")]
    ByokDuplicateMember {
        /// Which member.
        detail: String,
    },
    /// A required member is missing.
    #[error("BYOK blob is missing field {field}: make the blob again")]
    ByokMissingField {
        /// Which member.
        field: &'static str,
    },
    /// `schema_version` is not `1.0.0`.
    #[error("unsupported schema_version {found:?} in BYOK blob: only \"1.0.0\" is supported")]
    ByokUnsupportedSchemaVersion {
        /// The value found.
        found: String,
    },
    /// `header.alg` is not `dir`.
    #[error("unsupported alg {found:?} in BYOK header: the specification requires \"dir\"")]
    ByokUnsupportedAlg {
        /// The value found.
        found: String,
    },
    /// `header.enc` is not `CKM_RSA_AES_KEY_WRAP`.
    #[error(
        "unsupported enc {found:?} in BYOK header: the specification requires \
         \"CKM_RSA_AES_KEY_WRAP\""
    )]
    ByokUnsupportedEnc {
        /// The value found.
        found: String,
    },
    /// The blob names another KEK.
    #[error(
        "this file was made for another key-exchange key (kid mismatch: {found:?}): download \
         this region's KEK ({expected:?}) and make the blob again"
    )]
    ByokKidMismatch {
        /// The kid in the blob.
        found: String,
        /// This region's KEK id.
        expected: String,
    },
    /// No KEK was available to open a `.byok` file.
    #[error("no key-exchange key is available to open this .byok file: create the KEK first")]
    ByokNoKek,
    /// The ciphertext is not base64.
    #[error("ciphertext is not base64url: make the blob again")]
    ByokCiphertextNotBase64,
    /// Unwrapping failed (one message for every cause: no oracle).
    #[error(
        "the key could not be unwrapped with this region's key-exchange key (integrity check \
         failed: the blob is damaged, truncated or made for another KEK): make it again"
    )]
    ByokUnwrapFailed,
    /// The ephemeral key was wrapped with RSA-OAEP-SHA256.
    #[error(
        "wrapped with RSA-OAEP-SHA256; the BYOK specification requires SHA-1: \
         make the blob again with OAEP SHA-1"
    )]
    ByokOaepSha256,
    /// The wrapped key is not a PKCS#8 PrivateKeyInfo.
    #[error(
        "the wrapped key is not PKCS#8 ({found}); the BYOK specification requires a PKCS#8 \
         PrivateKeyInfo: convert it and make the blob again"
    )]
    ByokTargetNotPkcs8 {
        /// What was found instead.
        found: &'static str,
    },
}

impl ImportError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        use ImportError::*;
        match self {
            FileEmpty => "file_empty",
            PemNotPkcs12 => "pem_not_pkcs12",
            UnrecognizedFormat => "unrecognized_format",
            Pkcs12Malformed => "pkcs12_malformed",
            Pkcs12PasswordRequired => "pkcs12_password_required",
            Pkcs12NoPassword => "pkcs12_no_password",
            Pkcs12NotPasswordProtected => "pkcs12_not_password_protected",
            Pkcs12KeyNotEncrypted => "pkcs12_key_not_encrypted",
            Pkcs12IncorrectPassword => "pkcs12_incorrect_password",
            Pkcs12KeyPasswordDiffers => "pkcs12_key_password_differs",
            Pkcs12ContentPasswordDiffers => "pkcs12_content_password_differs",
            Pkcs12UnsupportedEncryption { .. } => "pkcs12_unsupported_encryption",
            Pkcs12UnsupportedMac { .. } => "pkcs12_unsupported_mac",
            Pkcs12UnsupportedContent => "pkcs12_unsupported_content",
            Pkcs12InvalidIterationCount { .. } => "pkcs12_invalid_iteration_count",
            Pkcs12IterationLimit { .. } => "pkcs12_iteration_limit",
            Pkcs12NoPrivateKey => "pkcs12_no_private_key",
            Pkcs12MultiplePrivateKeys { .. } => "pkcs12_multiple_private_keys",
            Pkcs12CertificateMismatch => "pkcs12_certificate_mismatch",
            KeyWrongType { .. } => "key_wrong_type",
            KeyRsaPssRestricted => "key_rsa_pss_restricted",
            KeyWrongSize { .. } => "key_wrong_size",
            KeyMalformed => "key_malformed",
            ByokNotJson { .. } => "byok_not_json",
            ByokDuplicateMember { .. } => "byok_duplicate_member",
            ByokMissingField { .. } => "byok_missing_field",
            ByokUnsupportedSchemaVersion { .. } => "byok_unsupported_schema_version",
            ByokUnsupportedAlg { .. } => "byok_unsupported_alg",
            ByokUnsupportedEnc { .. } => "byok_unsupported_enc",
            ByokKidMismatch { .. } => "byok_kid_mismatch",
            ByokNoKek => "byok_no_kek",
            ByokCiphertextNotBase64 => "byok_ciphertext_not_base64",
            ByokUnwrapFailed => "byok_unwrap_failed",
            ByokOaepSha256 => "byok_oaep_sha256",
            ByokTargetNotPkcs8 { .. } => "byok_target_not_pkcs8",
        }
    }

    /// The SPEC rule this refusal enforces: K1 for the key itself, K3 for `.byok`
    /// transport, K2 for PKCS#12 and for telling formats apart.
    pub fn rule(&self) -> Rule {
        use ImportError::*;
        match self {
            KeyWrongType { .. } | KeyRsaPssRestricted | KeyWrongSize { .. } | KeyMalformed => {
                Rule::K1
            }
            ByokNotJson { .. }
            | ByokDuplicateMember { .. }
            | ByokMissingField { .. }
            | ByokUnsupportedSchemaVersion { .. }
            | ByokUnsupportedAlg { .. }
            | ByokUnsupportedEnc { .. }
            | ByokKidMismatch { .. }
            | ByokNoKek
            | ByokCiphertextNotBase64
            | ByokUnwrapFailed
            | ByokOaepSha256
            | ByokTargetNotPkcs8 { .. } => Rule::K3,
            _ => Rule::K2,
        }
    }
}

/// Why a key could not be generated (K4).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// The password is empty.
    #[error("password is empty: choose a non-empty password to protect the key file")]
    EmptyPassword,
    /// The password is shorter than [`crate::generate::MIN_PASSWORD_CHARS`].
    #[error(
        "password is too short ({found} characters): use at least {min}; the file and its \
         password are the only way to unlock after a lock, so choose a long passphrase"
    )]
    PasswordTooShort {
        /// Characters given.
        found: usize,
        /// Characters required.
        min: usize,
    },
    /// The password cannot be given to OpenSSL's PKCS#12 writer.
    #[error("password must be UTF-8 text without NUL characters: choose another password")]
    UnusablePassword,
    /// OpenSSL failed (out of memory, no entropy, ...).
    #[error("key generation failed in OpenSSL: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
}

impl GenerateError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyPassword => "generate_empty_password",
            Self::PasswordTooShort { .. } => "generate_password_too_short",
            Self::UnusablePassword => "generate_unusable_password",
            Self::Crypto(_) => "generate_crypto_failure",
        }
    }

    /// The SPEC rule: K4.
    pub fn rule(&self) -> Rule {
        Rule::K4
    }
}
