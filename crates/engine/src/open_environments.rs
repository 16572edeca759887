//! Open environments: the only place an unwrapped data key lives between requests, inside
//! SQLCipher's keyed connections (SPEC section 3).
//!
//! Entries remember their tenant-region, so a lock can purge the whole region at once
//! (L3). A database, and the key inside it, is closed and wiped when its last holder drops
//! it: the cache hands out `Arc`s, so a request already running finishes its statement,
//! and nothing new can start because the lock commits the environments' `locked` status
//! while holding the cache's lock.
//!
//! Must never: write an entry to disk, or keep an entry of a purged region.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use keyward_domain::model::TenantRegion;
use keyward_domain::EnvironmentId;
use keyward_storage::EnvironmentDb;

/// Open environment databases, each keyed with its DEK inside SQLCipher.
#[derive(Default)]
pub(crate) struct OpenEnvironments {
    inner: Mutex<HashMap<EnvironmentId, Entry>>,
}

struct Entry {
    scope: TenantRegion,
    db: Arc<EnvironmentDb>,
}

/// Exclusive access to the cache: the data path holds it while it checks an
/// environment's status and opens it, the lock while it commits and purges.
pub(crate) struct Guard<'a>(MutexGuard<'a, HashMap<EnvironmentId, Entry>>);

impl OpenEnvironments {
    /// Takes the cache's lock.
    pub(crate) fn guard(&self) -> Guard<'_> {
        Guard(self.inner.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Guard<'_> {
    /// The open database of `id`, if open.
    pub(crate) fn get(&self, id: &EnvironmentId) -> Option<Arc<EnvironmentDb>> {
        self.0.get(id).map(|e| Arc::clone(&e.db))
    }

    /// Keeps `db` open for later requests.
    pub(crate) fn insert(
        &mut self,
        id: EnvironmentId,
        scope: TenantRegion,
        db: Arc<EnvironmentDb>,
    ) {
        self.0.insert(id, Entry { scope, db });
    }

    /// Closes `id` (when the last request using it finishes).
    pub(crate) fn remove(&mut self, id: &EnvironmentId) -> Option<Arc<EnvironmentDb>> {
        self.0.remove(id).map(|e| e.db)
    }

    /// Closes every open environment of `scope`; returns how many.
    pub(crate) fn purge(&mut self, scope: &TenantRegion) -> usize {
        let before = self.0.len();
        self.0.retain(|_, e| e.scope != *scope);
        before - self.0.len()
    }

    /// How many environments are open.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}
