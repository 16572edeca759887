//! The storage engine's errors.
//!
//! Every variant has a stable machine-readable [`StorageError::code`] so callers map errors to
//! HTTP statuses and CLI exit codes by variant, never by message text. Messages are lowercase,
//! name the object and say what to do. They never contain key material, and they never
//! contain the contents of rows or files; SQLite's own message for a failing user statement is
//! passed through because it describes the statement, not stored data.

use std::path::PathBuf;

/// A mebibyte, for limit messages.
const MIB: u64 = 1024 * 1024;

/// What went wrong in an environment's storage engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The data key given is not the one this database file was encrypted with.
    #[error("data key does not open this environment; present the environment's own data key")]
    WrongKey,

    /// The file is not an encrypted database at all, or it is damaged beyond the key check.
    #[error("file is not a database or is corrupt: {reason}")]
    NotADatabase {
        /// What was observed, without any file content.
        reason: &'static str,
    },

    /// The path given to `open` or `restore_from` holds no file.
    #[error("no database file at {path}")]
    NotFound {
        /// The missing path.
        path: PathBuf,
    },

    /// A new database file would overwrite an existing one.
    #[error("a file already exists at {path}; choose another path or remove it first")]
    AlreadyExists {
        /// The occupied path.
        path: PathBuf,
    },

    /// A restore named this environment's own database file as the backup.
    #[error("the backup to restore from is this environment's own database file")]
    RestoreFromSelf,

    /// A user statement tried to do something that would escape the environment.
    #[error("statement refused: {what} is not allowed in an environment")]
    StatementRefused {
        /// What was refused, e.g. `ATTACH` or `PRAGMA key`.
        what: String,
    },

    /// A user statement is not valid SQL or failed while running (constraint, type, ...).
    #[error("statement failed: {message}")]
    StatementFailed {
        /// SQLite's description of the failure.
        message: String,
    },

    /// The number of parameters does not match the statement's placeholders.
    #[error("statement expects {expected} parameters but {given} were given")]
    ParameterCount {
        /// Placeholders in the statement.
        expected: usize,
        /// Parameters supplied.
        given: usize,
    },

    /// A stored file would exceed the per-file limit (rule E5).
    #[error("file is larger than the {} limit (E5)", describe_limit(*limit_bytes))]
    FileTooLarge {
        /// The limit that was exceeded, in bytes.
        limit_bytes: u64,
    },

    /// No file of that name is stored in the environment.
    #[error("no file of that name is stored in this environment")]
    FileNotFound,

    /// A file name is empty, too long or holds a control character.
    #[error("invalid file name: {reason}")]
    InvalidFileName {
        /// Which rule the name broke.
        reason: &'static str,
    },

    /// A stored file no longer matches its recorded size or SHA-256.
    #[error("stored file is damaged: its content does not match its recorded digest")]
    FileCorrupt,

    /// A CSV import failed; nothing was imported.
    #[error("csv import failed at line {line}: {reason}; nothing was imported")]
    CsvInvalid {
        /// The 1-based line of the input where the problem was found.
        line: u64,
        /// What was wrong.
        reason: String,
    },

    /// A CSV import's options or target table do not fit together; nothing was imported.
    #[error("csv import refused: {reason}; nothing was imported")]
    CsvRefused {
        /// What was wrong.
        reason: String,
    },

    /// The environment was closed (locked, or moved to a new key) while the request waited
    /// or ran; what it was doing was rolled back.
    #[error(
        "environment was closed while the request ran (locked or re-keyed); nothing was changed"
    )]
    Closed,

    /// A user statement ran longer than allowed and was stopped; nothing was changed.
    #[error("statement stopped after {seconds} s; nothing was changed: narrow it (WHERE, LIMIT) or split the work")]
    StatementTimeout {
        /// The limit.
        seconds: u64,
    },

    /// A statement's result is larger than allowed.
    #[error("result is larger than {} MiB; nothing was returned: add a LIMIT or select fewer columns", limit_bytes / MIB)]
    ResultTooLarge {
        /// The limit.
        limit_bytes: u64,
    },

    /// The database stayed locked by another writer for longer than the busy timeout.
    #[error("environment is busy; retry the operation")]
    Busy,

    /// Reading the caller's input or writing the caller's output failed.
    #[error("stream failed: {0}")]
    Stream(#[source] std::io::Error),

    /// A file-system operation on the database or a copy failed.
    #[error("file system: {0}")]
    Io(#[from] std::io::Error),

    /// The storage engine itself failed.
    #[error("storage engine: {0}")]
    Database(#[source] rusqlite::Error),
}

impl StorageError {
    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        use StorageError::*;
        match self {
            WrongKey => "wrong_data_key",
            NotADatabase { .. } => "not_a_database",
            NotFound { .. } => "database_not_found",
            AlreadyExists { .. } => "database_already_exists",
            RestoreFromSelf => "restore_from_self",
            StatementRefused { .. } => "statement_refused",
            StatementFailed { .. } => "statement_failed",
            ParameterCount { .. } => "parameter_count",
            FileTooLarge { .. } => "file_too_large",
            FileNotFound => "file_not_found",
            InvalidFileName { .. } => "invalid_file_name",
            FileCorrupt => "file_corrupt",
            CsvInvalid { .. } => "csv_invalid",
            CsvRefused { .. } => "csv_refused",
            Busy => "environment_busy",
            Closed => "environment_closed",
            StatementTimeout { .. } => "statement_timeout",
            ResultTooLarge { .. } => "result_too_large",
            Stream(_) => "stream_failed",
            Io(_) => "storage_io",
            Database(_) => "storage_engine",
        }
    }

    /// The specification rule this error enforces, when there is one.
    pub fn rule(&self) -> Option<&'static str> {
        match self {
            StorageError::FileTooLarge { .. } => Some("E5"),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for StorageError {
    fn from(error: rusqlite::Error) -> Self {
        if is_busy(&error) {
            StorageError::Busy
        } else {
            StorageError::Database(error)
        }
    }
}

/// Whether SQLite gave up waiting for a lock.
pub(crate) fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// A limit in MiB when it is a whole number of them, else in bytes.
fn describe_limit(limit_bytes: u64) -> String {
    if limit_bytes >= MIB && limit_bytes.is_multiple_of(MIB) {
        format!("{} MiB", limit_bytes / MIB)
    } else {
        format!("{limit_bytes}-byte")
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_too_large_names_the_limit_in_mib_and_the_rule() {
        let error = StorageError::FileTooLarge {
            limit_bytes: 128 * MIB,
        };
        assert_eq!(
            error.to_string(),
            "file is larger than the 128 MiB limit (E5)"
        );
        assert_eq!(error.rule(), Some("E5"));
    }

    #[test]
    fn codes_are_snake_case() {
        let samples = [
            StorageError::WrongKey,
            StorageError::FileNotFound,
            StorageError::Busy,
            StorageError::NotADatabase { reason: "x" },
        ];
        for error in samples {
            assert!(error
                .code()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }
}
