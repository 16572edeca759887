//! Creating environments and moving them between protectors (E1–E4).
//!
//! Decides which storage and protector a new environment gets, and whether an
//! environment may move onto the tenant key (E3) or back to the platform key (E4). The
//! move itself is a job run by the service: this module only describes it.
//!
//! Choices where the SPEC is silent:
//! - E1: an environment created at the very instant the feature was enabled counts as
//!   created after it (modern storage); only strictly earlier ones are legacy.
//! - E4 re-wraps the data key without re-encrypting, so the environment stays online:
//!   the only other holder of the old wrapping is the tenant, who owns the data anyway.
//!   E3 re-encrypts because the other holder there is the platform.
//! - Neither move runs while a key is being installed, or while the environment is
//!   locked (L5) or already offline.

use time::OffsetDateTime;

use crate::ids::{BackupId, EnvironmentId, RegionName};
use crate::model::{
    Environment, EnvironmentStatus, EnvironmentType, Protector, Storage, Tenant, TenantRegion,
};
use crate::refusal::{Refusal, RefusalCode};
use crate::rules::activation::require_nothing_installing;
use crate::rules::tenant::{require_key_operations, require_region};
use crate::rules::RegionState;

/// E1: the storage of an environment created at `now`: legacy before the tenant's feature
/// was enabled (or while it is off), modern from that instant on.
pub fn storage_for_new_environment(tenant: &Tenant, now: OffsetDateTime) -> Storage {
    match tenant.feature_enabled_at {
        Some(enabled_at) if now >= enabled_at => Storage::Modern,
        _ => Storage::Legacy,
    }
}

/// What a caller asks for when creating an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnvironment {
    /// The id the service chose.
    pub id: EnvironmentId,
    /// The tenant's region it lives in.
    pub region: RegionName,
    /// A display name.
    pub name: String,
    /// Its type.
    pub env_type: EnvironmentType,
}

/// E1, E2: the record of a new environment: platform-protected, online, with the storage
/// E1 gives it at `now`.
pub fn create_environment(
    tenant: &Tenant,
    new: NewEnvironment,
    now: OffsetDateTime,
) -> Result<Environment, Refusal> {
    require_region(tenant, &new.region)?;
    Ok(Environment {
        id: new.id,
        scope: TenantRegion {
            tenant: tenant.id.clone(),
            region: new.region,
        },
        name: new.name,
        env_type: new.env_type,
        storage: storage_for_new_environment(tenant, now),
        protector: Protector::Platform,
        status: EnvironmentStatus::Online,
        created_at: now,
    })
}

/// A move of one environment between protectors (E3, E4), run as a job.
///
/// At start the store sets the status to offline if `offline`; when the job is done it
/// sets the protector to `to` and the status to online.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectorChange {
    /// The environment.
    pub environment: EnvironmentId,
    /// Its protector now.
    pub from: Protector,
    /// Its protector when the job is done.
    pub to: Protector,
    /// Whether it is offline while the job runs (E3).
    pub offline: bool,
    /// Whether its data is re-encrypted under a fresh data key (E3), rather than only
    /// its data key re-wrapped.
    pub fresh_dek: bool,
    /// Its backups, re-wrapped under `to`; their `from`-wrapped copies are destroyed.
    pub backups: Vec<BackupId>,
}

/// E3: moves a platform-protected environment onto the region's active tenant key.
pub fn apply_tenant_key(
    state: &RegionState<'_>,
    environment: &EnvironmentId,
) -> Result<ProtectorChange, Refusal> {
    require_key_operations(state)?;
    let env = state.environment(environment)?;
    require_movable(env)?;
    require_modern_storage(env)?;
    if env.protector.is_tenant() {
        let message = format!("environment {} already uses the tenant key", env.id);
        return Err(Refusal::new(RefusalCode::AlreadyTenantProtected, message));
    }
    require_nothing_installing(state, "applying the tenant key")?;
    let key = state.active_key().ok_or_else(|| no_active_key(state))?;
    let to = Protector::TenantKey {
        key: key.id.clone(),
    };
    Ok(change(state, env, to, true))
}

/// E4: moves a tenant-protected environment back to the platform key. A production
/// environment needs its name typed back exactly in `typed_name`.
pub fn return_to_platform_key(
    state: &RegionState<'_>,
    environment: &EnvironmentId,
    typed_name: Option<&str>,
) -> Result<ProtectorChange, Refusal> {
    let env = state.environment(environment)?;
    require_movable(env)?;
    if !env.protector.is_tenant() {
        let message = format!("environment {} already uses the platform key", env.id);
        return Err(Refusal::new(RefusalCode::AlreadyPlatformProtected, message));
    }
    require_nothing_installing(state, "returning to the platform key")?;
    require_typed_name(env, typed_name)?;
    Ok(change(state, env, Protector::Platform, false))
}

fn change(state: &RegionState<'_>, env: &Environment, to: Protector, e3: bool) -> ProtectorChange {
    ProtectorChange {
        environment: env.id.clone(),
        from: env.protector.clone(),
        to,
        offline: e3,
        fresh_dek: e3,
        backups: state.backups_of(&env.id),
    }
}

/// L5 and the offline state: only an online environment changes protector.
fn require_movable(env: &Environment) -> Result<(), Refusal> {
    match env.status {
        EnvironmentStatus::Online => Ok(()),
        EnvironmentStatus::Locked { .. } => Err(locked(env)),
        EnvironmentStatus::Offline => Err(offline(env)),
    }
}

/// E1: `legacy_storage` for an environment created before the feature was enabled.
fn require_modern_storage(env: &Environment) -> Result<(), Refusal> {
    if env.storage == Storage::Modern {
        return Ok(());
    }
    let message = format!(
        "environment {} uses legacy storage, created before self-managed keys were enabled, \
         and can never use a tenant key; copy its data into a newer environment instead",
        env.id
    );
    Err(Refusal::new(RefusalCode::LegacyStorage, message))
}

/// E4: a production environment's name must be typed back exactly.
fn require_typed_name(env: &Environment, typed_name: Option<&str>) -> Result<(), Refusal> {
    if env.env_type != EnvironmentType::Production || typed_name == Some(env.name.as_str()) {
        return Ok(());
    }
    let message = format!(
        "environment {} is a production environment: type its name {:?} exactly to confirm \
         returning it to the platform key",
        env.id, env.name
    );
    Err(Refusal::new(RefusalCode::ConfirmationNameMismatch, message))
}

fn no_active_key(state: &RegionState<'_>) -> Refusal {
    let message = format!(
        "{} has no active key to apply; generate or upload a key first",
        state.scope()
    );
    Refusal::new(RefusalCode::NoActiveKey, message)
}

/// L5: `environment_locked`, naming the environment.
pub(crate) fn locked(env: &Environment) -> Refusal {
    let message = format!(
        "environment {} is locked; unlock it with the tenant key first",
        env.id
    );
    Refusal::new(RefusalCode::EnvironmentLocked, message)
}

/// `environment_offline`, naming the environment.
pub(crate) fn offline(env: &Environment) -> Refusal {
    let message = format!(
        "environment {} is offline while its protector changes or its data is reset; wait \
         for the job to finish",
        env.id
    );
    Refusal::new(RefusalCode::EnvironmentOffline, message)
}
