//! The engine's errors: a rule's refusal, a bad key file, something missing, or a fault.
//!
//! Every variant has a stable [`EngineError::code`] and, where one applies, the SPEC rule
//! it enforces. Faults (store, vault, storage, OpenSSL) keep their detail for the log but
//! are reported to callers as `internal_error`: their text never reaches a client.

use keyward_domain::{Refusal, Rule};
use keyward_keys::{GenerateError, ImportError};
use keyward_storage::StorageError;
use keyward_store::StoreError;
use keyward_vault::VaultError;

/// What went wrong in an engine operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A SPEC rule said no.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// An uploaded key file was refused (K1–K3).
    #[error(transparent)]
    KeyFile(#[from] ImportError),
    /// A key could not be generated (K4).
    #[error(transparent)]
    Generate(#[from] GenerateError),
    /// The object does not exist.
    #[error("{what} {id} does not exist; list them to find the right id")]
    NotFound {
        /// What kind of object.
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The object exists already.
    #[error("{what} {id} already exists; choose another id")]
    AlreadyExists {
        /// What kind of object.
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The request itself is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The environment's storage refused a user's request (bad SQL, refused statement,
    /// file too large, ...). Its message is safe to show.
    #[error(transparent)]
    Data(StorageError),
    /// The metadata store failed.
    #[error("metadata store: {0}")]
    Store(#[from] StoreError),
    /// The vault failed.
    #[error("vault: {0}")]
    Vault(#[from] VaultError),
    /// An environment's storage failed.
    #[error("environment storage: {0}")]
    Storage(StorageError),
    /// OpenSSL failed.
    #[error("cryptography: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
    /// A file-system operation failed.
    #[error("file system: {0}")]
    Io(#[from] std::io::Error),
    /// A crash injected by a test at a named step.
    #[error("injected crash at {0}")]
    InjectedCrash(&'static str),
}

impl From<StorageError> for EngineError {
    fn from(error: StorageError) -> Self {
        use StorageError::*;
        match error {
            StatementRefused { .. }
            | StatementFailed { .. }
            | ParameterCount { .. }
            | FileTooLarge { .. }
            | FileNotFound
            | InvalidFileName { .. }
            | CsvInvalid { .. }
            | CsvRefused { .. }
            | Busy
            | Stream(_)
            | Closed
            | StatementTimeout { .. }
            | ResultTooLarge { .. } => EngineError::Data(error),
            other => EngineError::Storage(other),
        }
    }
}

impl EngineError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Refused(r) => r.code.as_str(),
            EngineError::KeyFile(e) => e.code(),
            // A failure of OpenSSL while generating is Keyward's fault, not the request's.
            EngineError::Generate(GenerateError::Crypto(_)) => "internal_error",
            EngineError::Generate(e) => e.code(),
            EngineError::NotFound { .. } => "not_found",
            EngineError::AlreadyExists { .. } => "already_exists",
            EngineError::Invalid(_) => "invalid_request",
            EngineError::Data(e) => e.code(),
            _ => "internal_error",
        }
    }

    /// The SPEC rule the error enforces, if any.
    pub fn rule(&self) -> Option<Rule> {
        match self {
            EngineError::Refused(r) => Some(r.rule()),
            EngineError::KeyFile(e) => Some(e.rule()),
            EngineError::Generate(e) => Some(e.rule()),
            EngineError::Data(e) => e.rule().and_then(rule_from_id),
            _ => None,
        }
    }

    /// Whether this is a fault of Keyward or its machine rather than of the request.
    pub fn is_internal(&self) -> bool {
        self.code() == "internal_error"
    }

    pub(crate) fn not_found(what: &'static str, id: impl ToString) -> Self {
        EngineError::NotFound {
            what,
            id: id.to_string(),
        }
    }
}

fn rule_from_id(id: &str) -> Option<Rule> {
    match id {
        "E5" => Some(Rule::E5),
        "L5" => Some(Rule::L5),
        _ => None,
    }
}
