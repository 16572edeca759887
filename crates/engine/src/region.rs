//! A tenant-region's state loaded from the store, as the rules want to read it.

use keyward_domain::model::{Backup, Environment, LockRecord, Tenant, TenantKey, TenantRegion};
use keyward_domain::rules::RegionState;
use keyward_store::Tx;

use crate::EngineError;

/// Everything the rules read about one tenant-region, owned.
pub(crate) struct RegionData {
    pub(crate) scope: TenantRegion,
    pub(crate) tenant: Tenant,
    pub(crate) keys: Vec<TenantKey>,
    pub(crate) environments: Vec<Environment>,
    pub(crate) backups: Vec<Backup>,
    pub(crate) lock: Option<LockRecord>,
}

impl RegionData {
    /// Loads `scope` inside `tx`; a missing tenant is `not_found`.
    pub(crate) fn load(tx: &mut dyn Tx, scope: &TenantRegion) -> Result<Self, EngineError> {
        let tenant = tx
            .tenant(&scope.tenant)?
            .ok_or_else(|| EngineError::not_found("tenant", &scope.tenant))?;
        Ok(Self {
            scope: scope.clone(),
            tenant,
            keys: tx.keys(scope)?,
            environments: tx.environments(scope)?,
            backups: tx.region_backups(scope)?,
            lock: tx.lock(scope)?,
        })
    }

    /// The snapshot the rules take.
    pub(crate) fn state(&self) -> RegionState<'_> {
        RegionState {
            tenant: &self.tenant,
            region: &self.scope.region,
            keys: &self.keys,
            environments: &self.environments,
            backups: &self.backups,
            lock: self.lock.as_ref(),
        }
    }
}
