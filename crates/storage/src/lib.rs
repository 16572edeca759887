//! Keyward's storage engine for one environment.
//!
//! An environment is one SQLCipher database file, encrypted page by page with the
//! environment's 256-bit data key (DEK), that holds both the environment's SQL tables and its
//! files. This crate opens it ([`EnvironmentDb`]), runs environment users' SQL behind an
//! authorizer that refuses whatever would escape the environment, stores files in streamed
//! chunks, imports CSV, and makes backups, restores and re-encrypted copies.
//!
//! What it must never do:
//!
//! - keep the data key anywhere but inside SQLCipher's keyed connections: the key arrives as
//!   `&[u8; 32]` borrowed from the caller's zeroizing type, and its hex form lives only in a
//!   wiped buffer for the duration of one call;
//! - write plaintext user data to disk: database, WAL and copies are all encrypted, and
//!   temporary tables stay in memory;
//! - log key bytes, SQL text, parameters, rows, file names or file content;
//! - leave a half-written database, backup or copy under its final name;
//! - depend on the other Keyward crates: rules about *when* an operation is allowed (locks,
//!   protectors, D1-D5) belong to the caller.

mod authorizer;
mod connection;
mod copy;
mod csv_import;
mod db;
mod error;
mod files;
mod guard;
mod key;
mod lexer;
mod new_file;
mod schema;
mod sql;
mod value;

pub use csv_import::{CsvImportSummary, CsvOptions};
pub use db::{EnvironmentDb, MAX_VALUE_BYTES};
pub use error::{Result, StorageError};
pub use files::{validate_name, FileMeta, CHUNK_SIZE, DEFAULT_FILE_LIMIT_BYTES, MAX_NAME_BYTES};
pub use guard::STATEMENT_TIMEOUT;
pub use sql::QueryResult;
pub use sql::MAX_RESULT_BYTES;
pub use value::Value;
