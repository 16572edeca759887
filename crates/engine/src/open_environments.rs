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
    /// Environments taken offline for a re-encryption whose last requests may still run:
    /// the job waits for them before it copies the data (E3).
    draining: Mutex<HashMap<EnvironmentId, Arc<EnvironmentDb>>>,
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

    /// Parks an environment taken offline until the job that needs it quiet takes it.
    pub(crate) fn park_draining(&self, id: EnvironmentId, db: Arc<EnvironmentDb>) {
        let mut draining = self.draining.lock().unwrap_or_else(PoisonError::into_inner);
        draining.insert(id, db);
    }

    /// Waits until the last request still using the parked `id` has finished, then closes
    /// it; returns at once when nothing is parked (after a restart, say).
    pub(crate) fn wait_drained(&self, id: &EnvironmentId) {
        let parked = {
            let mut draining = self.draining.lock().unwrap_or_else(PoisonError::into_inner);
            draining.remove(id)
        };
        if let Some(db) = parked {
            close_when_released(db);
        }
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

    /// Takes every open environment of `scope` out of the cache and returns them, so the
    /// caller can stop what they run ([`stop_and_close`]).
    pub(crate) fn purge(&mut self, scope: &TenantRegion) -> Vec<Arc<EnvironmentDb>> {
        let ids: Vec<EnvironmentId> = self
            .0
            .iter()
            .filter(|(_, e)| e.scope == *scope)
            .map(|(id, _)| id.clone())
            .collect();
        ids.iter()
            .filter_map(|id| self.0.remove(id))
            .map(|e| e.db)
            .collect()
    }

    /// How many environments are open.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// Waits until every request still holding `db` has dropped it, then closes it
/// (checkpointing its log), so the key inside SQLCipher is wiped before this returns.
/// Requests cannot last long: a user statement stops at its deadline, and a closed
/// environment ([`EnvironmentDb::interrupt`]) stops at once.
pub(crate) fn close_when_released(mut db: Arc<EnvironmentDb>) {
    loop {
        match Arc::try_unwrap(db) {
            Ok(last) => {
                if let Err(e) = last.close() {
                    tracing::warn!(error = %e, "could not close an environment");
                }
                return;
            }
            Err(shared) => {
                db = shared;
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
    }
}

/// L3: stops whatever runs on `db` (it rolls back), then closes it once released.
pub(crate) fn stop_and_close(db: Arc<EnvironmentDb>) {
    db.interrupt();
    close_when_released(db);
}
