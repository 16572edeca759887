//! The metadata store: everything Keyward knows about tenants, keys, environments,
//! backups, jobs and audit events, with every state change inside one transaction.
//!
//! The rest of Keyward sees two traits: [`Store`], which runs a transaction, and [`Tx`],
//! the narrow set of reads and writes a transaction offers. [`SqliteStore`] is the embedded
//! default; a PostgreSQL store implements the same traits and nothing above changes.
//!
//! Invariants:
//! - a transaction either commits whole or leaves nothing changed;
//! - the audit log is append-only: [`Tx`] offers no way to edit or delete an event, and
//!   each event carries the hash of the previous one ([`audit`]);
//! - wrapped data keys are stored only wrapped; this crate never sees a plaintext key.
//!
//! Must never: decide a rule (that is `keyward-domain`'s job) or log a wrapped key.

pub mod audit;
mod error;
mod sqlite;
mod tx;

pub use error::StoreError;
pub use sqlite::SqliteStore;
pub use tx::{transact, DekOwner, KekRecord, NewAuditEvent, Store, TokenRecord, Tx, WrappedDek};
