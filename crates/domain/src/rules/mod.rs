//! The rules of SPEC section 4, decided in one place.
//!
//! Every rule that can be decided from stored state and the current time is a pure
//! function here: it takes a snapshot ([`RegionState`], or the few objects a database
//! operation involves), the [`Policy`](crate::Policy) when a window applies, and the
//! current instant, and returns either the transition to apply or a typed
//! [`Refusal`]. The caller applies the transition in one store transaction and runs any
//! work it describes (re-wrapping, destroying key material) as a job.
//!
//! These functions never read a clock, touch storage or see key material: the instant is
//! passed in, keys are known by id and fingerprint only.
//!
//! Time windows are half-open: a window of length `w` opened at `t` refuses while
//! `now < t + w` and allows from `t + w` exactly (see [`window`]).
//!
//! One file per rule family, named by the domain's nouns: [`tenant`] (the feature
//! switch), [`keys`] (K5–K8), [`activation`] (A1, A3, A4), [`environment`] (E1–E4),
//! [`lock`] (L1–L3, L7), [`unlock`] (L6, U1–U3), [`database`] (D1–D5) and [`access`]
//! (S1).

use crate::ids::{BackupId, EnvironmentId, KeyId, RegionName};
use crate::model::{
    Backup, Environment, EnvironmentStatus, KeyState, LockRecord, Protector, Tenant, TenantKey,
    TenantRegion,
};
use crate::refusal::{Refusal, RefusalCode};

pub mod access;
pub mod activation;
pub mod database;
pub mod environment;
pub mod keys;
pub mod lock;
pub mod tenant;
pub mod unlock;
pub mod window;

pub use keys::Risk;

/// One key's move in its state machine, for the store to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChange {
    /// The key record.
    pub key: KeyId,
    /// The state it must be in now; the store may check it to catch a stale snapshot.
    pub from: KeyState,
    /// The state it moves to.
    pub to: KeyState,
}

impl KeyChange {
    fn of(key: &TenantKey, to: KeyState) -> Self {
        Self {
            key: key.id.clone(),
            from: key.state,
            to,
        }
    }
}

/// A snapshot of one tenant-region: what every key, lock and environment rule reads.
///
/// The slices may hold objects of other regions or tenants; the rules skip them, so a
/// caller can pass a tenant's whole inventory.
#[derive(Debug, Clone, Copy)]
pub struct RegionState<'a> {
    /// The tenant.
    pub tenant: &'a Tenant,
    /// The region.
    pub region: &'a RegionName,
    /// The region's key records, in every state.
    pub keys: &'a [TenantKey],
    /// The region's environments.
    pub environments: &'a [Environment],
    /// The backups of those environments.
    pub backups: &'a [Backup],
    /// The region's latest lock, if any was ever issued.
    pub lock: Option<&'a LockRecord>,
}

impl<'a> RegionState<'a> {
    /// The tenant-region this snapshot describes.
    pub fn scope(&self) -> TenantRegion {
        TenantRegion {
            tenant: self.tenant.id.clone(),
            region: self.region.clone(),
        }
    }

    fn holds(&self, scope: &TenantRegion) -> bool {
        scope.tenant == self.tenant.id && scope.region == *self.region
    }

    /// The region's keys.
    pub fn keys(&self) -> impl Iterator<Item = &'a TenantKey> + '_ {
        self.keys.iter().filter(|k| self.holds(&k.scope))
    }

    /// The region's environments.
    pub fn environments(&self) -> impl Iterator<Item = &'a Environment> + '_ {
        self.environments.iter().filter(|e| self.holds(&e.scope))
    }

    /// The region's backups.
    pub fn backups(&self) -> impl Iterator<Item = &'a Backup> + '_ {
        self.backups.iter().filter(|b| self.holds(&b.scope))
    }

    /// The region's lock record, if it belongs to this region.
    pub fn lock(&self) -> Option<&'a LockRecord> {
        self.lock.filter(|l| self.holds(&l.scope))
    }

    /// The key in `state`, if any (K6 keeps `active` and `installing` unique).
    pub fn key_in(&self, state: KeyState) -> Option<&'a TenantKey> {
        self.keys().find(|k| k.state == state)
    }

    /// The active key, if any.
    pub fn active_key(&self) -> Option<&'a TenantKey> {
        self.key_in(KeyState::Active)
    }

    /// The key with `id`, or an `unknown_key` refusal.
    pub fn key(&self, id: &KeyId) -> Result<&'a TenantKey, Refusal> {
        self.keys().find(|k| k.id == *id).ok_or_else(|| {
            let message = format!("{} has no key {id}; list the keys and retry", self.scope());
            Refusal::new(RefusalCode::UnknownKey, message)
        })
    }

    /// The environment with `id`, or an `unknown_environment` refusal.
    pub fn environment(&self, id: &EnvironmentId) -> Result<&'a Environment, Refusal> {
        self.environments().find(|e| e.id == *id).ok_or_else(|| {
            let message = format!(
                "{} has no environment {id}; list the environments and retry",
                self.scope()
            );
            Refusal::new(RefusalCode::UnknownEnvironment, message)
        })
    }

    /// The environments a lock holds (K7, A4, U3).
    pub fn locked_environments(&self) -> Vec<&'a Environment> {
        self.environments().filter(|e| e.is_locked()).collect()
    }

    /// The environments offline for a protector change or a reset.
    pub fn offline_environments(&self) -> Vec<&'a Environment> {
        let offline = |e: &&Environment| e.status == EnvironmentStatus::Offline;
        self.environments().filter(offline).collect()
    }

    /// The environments whose data key `protector` wraps.
    pub fn protected_by(&self, protector: &Protector) -> Vec<EnvironmentId> {
        let by = |e: &&Environment| e.protector == *protector;
        self.environments()
            .filter(by)
            .map(|e| e.id.clone())
            .collect()
    }

    /// The backups whose data key `protector` wraps.
    pub fn backups_protected_by(&self, protector: &Protector) -> Vec<BackupId> {
        let by = |b: &&Backup| b.protector == *protector;
        self.backups().filter(by).map(|b| b.id.clone()).collect()
    }

    /// The backups taken of `environment`.
    pub fn backups_of(&self, environment: &EnvironmentId) -> Vec<BackupId> {
        let of = |b: &&Backup| b.environment == *environment;
        self.backups().filter(of).map(|b| b.id.clone()).collect()
    }

    /// Whether a lock job of this region is running.
    pub fn lock_running(&self) -> bool {
        self.lock().is_some_and(LockRecord::is_running)
    }
}

/// The ids of `environments`, comma-separated, for messages.
fn list_ids(environments: &[&Environment]) -> String {
    let ids: Vec<&str> = environments.iter().map(|e| e.id.as_str()).collect();
    ids.join(", ")
}
