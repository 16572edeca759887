//! The import entry point: one upload in, one verdict out (K1, K2, K3).
//!
//! [`import_key`] recognises the format by content, runs the PKCS#12 or BYOK import and
//! returns the checked key; [`inspect`] does the same but keeps only public facts, for the
//! `keyward key inspect` command and for tests. Neither stores anything. Each call logs at
//! most one info line: format, fingerprint or refusal code, and outcome; never a secret.

use keyward_domain::Fingerprint;
use tracing::info;

use crate::byok::import_byok;
use crate::pkcs12::{import_pkcs12, IterationLimits};
use crate::sniff::{sniff, KeyFormat};
use crate::{ImportError, KeyExchangeKey, Password, TenantPrivateKey};

/// A key that passed every check of its format.
#[derive(Debug)]
pub struct ImportedKey {
    /// The format it came in.
    pub format: KeyFormat,
    /// The RSA-2048 private key.
    pub key: TenantPrivateKey,
    /// Its identity.
    pub fingerprint: Fingerprint,
    /// For PKCS#12, how many certificates the file held.
    pub certificates: Option<usize>,
}

/// The public facts about an accepted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySummary {
    /// The format it came in.
    pub format: KeyFormat,
    /// Its identity.
    pub fingerprint: Fingerprint,
    /// The RSA modulus size (always 2048 once accepted).
    pub modulus_bits: u32,
    /// For PKCS#12, how many certificates the file held.
    pub certificates: Option<usize>,
}

/// The verdict on an upload.
#[derive(Debug)]
pub enum Inspection {
    /// The key would be accepted.
    Accepted(KeySummary),
    /// The upload would be refused, and why.
    Refused(ImportError),
}

impl Inspection {
    /// Whether the key would be accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Self::Accepted(_))
    }

    /// The accepted key's fingerprint.
    pub fn fingerprint(&self) -> Option<Fingerprint> {
        match self {
            Self::Accepted(summary) => Some(summary.fingerprint),
            Self::Refused(_) => None,
        }
    }

    /// The refusal, if any.
    pub fn error(&self) -> Option<&ImportError> {
        match self {
            Self::Accepted(_) => None,
            Self::Refused(error) => Some(error),
        }
    }
}

/// Imports an uploaded key file of either format.
///
/// `password` is needed for PKCS#12 (`None` only finds out whether the file has an empty
/// password); `kek` is this tenant-region's key exchange key, needed for `.byok`.
pub fn import_key(
    bytes: &[u8],
    password: Option<&Password>,
    kek: Option<&KeyExchangeKey>,
    limits: IterationLimits,
) -> Result<ImportedKey, ImportError> {
    let result = sniff(bytes).and_then(|sniffed| match sniffed.format {
        KeyFormat::Pkcs12 => import_pkcs12(&sniffed.bytes, password, limits).map(|k| ImportedKey {
            format: KeyFormat::Pkcs12,
            key: k.key,
            fingerprint: k.fingerprint,
            certificates: Some(k.certificates),
        }),
        KeyFormat::Byok => import_byok(&sniffed.bytes, kek).map(|k| ImportedKey {
            format: KeyFormat::Byok,
            key: k.key,
            fingerprint: k.fingerprint,
            certificates: None,
        }),
    });
    log_outcome(&result);
    result
}

/// The one info line of an import.
fn log_outcome(result: &Result<ImportedKey, ImportError>) {
    match result {
        Ok(imported) => info!(
            format = imported.format.as_str(),
            fingerprint = %imported.fingerprint,
            outcome = "accepted",
            "key import"
        ),
        Err(error) => {
            info!(code = error.code(), rule = %error.rule(), outcome = "refused", "key import")
        }
    }
}

/// Inspects an upload with the default limits and keeps only public facts.
pub fn inspect(
    bytes: &[u8],
    password: Option<&Password>,
    kek: Option<&KeyExchangeKey>,
) -> Inspection {
    match import_key(bytes, password, kek, IterationLimits::default()) {
        Ok(imported) => Inspection::Accepted(KeySummary {
            format: imported.format,
            fingerprint: imported.fingerprint,
            modulus_bits: imported.key.expose_pkey().bits(),
            certificates: imported.certificates,
        }),
        Err(error) => Inspection::Refused(error),
    }
}
