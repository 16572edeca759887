//! The service's own connection to the metadata store: API tokens (S1), and the few reads
//! the engine does not offer (a backup by id, counts for metrics, unfinished jobs).
//!
//! The engine keeps its store private and has no token operations, so the service opens
//! a second connection to the same SQLite file; SQLite serialises the two connections'
//! write transactions. Token changes are audited in the same transaction (S2).
//! Must never: write anything but token records and their audit events.

use std::path::Path;

use keyward_domain::model::{Backup, Job};
use keyward_domain::BackupId;
use keyward_store::{transact, NewAuditEvent, SqliteStore, StoreError, TokenRecord};

/// How many objects the service holds, for `/metrics`.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub(crate) struct Counts {
    pub(crate) tenants: u64,
    pub(crate) environments: u64,
    pub(crate) unfinished_jobs: u64,
}

/// A second connection to the metadata store.
pub(crate) struct Registry {
    store: SqliteStore,
}

impl Registry {
    /// Opens the metadata store that the engine has already created and migrated.
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            store: SqliteStore::open(path)?,
        })
    }

    /// Stores a token record and its secret's hash, with its audit event.
    pub(crate) fn put_token(
        &self,
        record: &TokenRecord,
        hash: &[u8; 32],
        event: NewAuditEvent,
    ) -> Result<(), StoreError> {
        transact(&self.store, |tx| {
            tx.put_token(record, hash)?;
            tx.append_audit(event)?;
            Ok(())
        })
    }

    /// A token record and its hash by public id.
    pub(crate) fn token(&self, id: &str) -> Result<Option<(TokenRecord, [u8; 32])>, StoreError> {
        transact(&self.store, |tx| tx.token(id))
    }

    /// Every token record, oldest first.
    pub(crate) fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        transact(&self.store, |tx| tx.tokens())
    }

    /// A backup record by id.
    pub(crate) fn backup(&self, id: &BackupId) -> Result<Option<Backup>, StoreError> {
        transact(&self.store, |tx| tx.backup(id))
    }

    /// Jobs not yet finished, oldest first.
    pub(crate) fn unfinished_jobs(&self) -> Result<Vec<Job>, StoreError> {
        transact(&self.store, |tx| tx.unfinished_jobs())
    }

    /// Tenants, environments and unfinished jobs, counted.
    pub(crate) fn counts(&self) -> Result<Counts, StoreError> {
        transact(&self.store, |tx| {
            let tenants = tx.tenants()?;
            let mut environments = 0;
            for tenant in &tenants {
                environments += tx.tenant_environments(&tenant.id)?.len() as u64;
            }
            Ok(Counts {
                tenants: tenants.len() as u64,
                environments,
                unfinished_jobs: tx.unfinished_jobs()?.len() as u64,
            })
        })
    }
}
