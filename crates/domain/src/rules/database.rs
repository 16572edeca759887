//! Database operations: backup, restore, copy, reset, delete (D1–D5, with L5).
//!
//! Decides whether data may move between environments and under which protector it
//! lands. The rule that matters: data protected by a tenant key never lands where that
//! key does not protect it, and data landing under a tenant key from elsewhere gets a
//! fresh data key, for the reason E3 gives (no platform-wrapped copy of the data key may
//! read what is written afterwards).
//!
//! Choices where the SPEC is silent:
//! - Every check about tenants comes first, so a refusal never reveals the state of
//!   another tenant's environment.
//! - Reset (D4) of a locked environment is refused (L5): it would bring the environment
//!   back online without the tenant's key. Delete it or unlock it instead.
//! - Nothing runs on an environment that is offline for a protector change or a reset,
//!   deletion included: its job would find the environment gone. Wait for it instead.
//!
//! This module never reads data or key material; it returns what the job must do.

use crate::ids::{BackupId, EnvironmentId, TenantId};
use crate::model::{Backup, Environment, EnvironmentStatus, EnvironmentType, Protector};
use crate::refusal::{Refusal, RefusalCode};
use crate::rules::environment::{locked, offline};
use crate::rules::RegionState;

/// D1: a backup to take, encrypted like its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupPlan {
    /// The environment backed up.
    pub environment: EnvironmentId,
    /// The protector to record on the backup: the environment's own.
    pub protector: Protector,
}

/// D1: backs up any environment that is not locked (nor offline for a job).
pub fn backup_environment(env: &Environment) -> Result<BackupPlan, Refusal> {
    let why = match env.status {
        EnvironmentStatus::Online => {
            return Ok(BackupPlan {
                environment: env.id.clone(),
                protector: env.protector.clone(),
            })
        }
        EnvironmentStatus::Locked { .. } => "is locked; unlock it with the tenant key first",
        EnvironmentStatus::Offline => "is offline for a protector change or a reset; wait for it",
    };
    let message = format!("environment {} {why} before backing it up", env.id);
    Err(Refusal::new(RefusalCode::BackupRefused, message))
}

/// D2, D3: data moving into `target`, from a backup or another environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataTransfer {
    /// Where the data lands; it keeps its own protector.
    pub target: EnvironmentId,
    /// The target's protector, under which the data lands.
    pub protector: Protector,
    /// Whether the landed data must be re-encrypted under a fresh data key: it comes
    /// from under another protector and lands under a tenant key.
    pub fresh_dek: bool,
}

impl DataTransfer {
    fn into(target: &Environment, from: &Protector) -> Self {
        Self {
            target: target.id.clone(),
            protector: target.protector.clone(),
            fresh_dek: target.protector.is_tenant() && target.protector != *from,
        }
    }
}

/// D2: restores `backup`, taken of `source`, into `target`: the same environment, another
/// one under the same tenant key, or, for a platform-protected backup, any environment of
/// the same tenant.
pub fn restore_backup(
    backup: &Backup,
    source: &Environment,
    target: &Environment,
) -> Result<DataTransfer, Refusal> {
    let code = RefusalCode::RestoreTargetMismatch;
    require_same_tenant(
        code,
        &backup.scope.tenant,
        format!("backup {}", backup.id),
        target,
    )?;
    require_taken_of(backup, source)?;
    require_usable(source)?;
    require_usable(target)?;
    let allowed = target.id == source.id
        || backup.protector == Protector::Platform
        || backup.protector == target.protector;
    if !allowed {
        return Err(protector_mismatch(code, "backup", &backup.id, target));
    }
    Ok(DataTransfer::into(target, &backup.protector))
}

/// D3: copies `source` into `target`: the target must be under the same tenant key, unless
/// the source is platform-protected; a `support_investigation` target must first move to
/// the tenant key.
pub fn copy_environment(
    source: &Environment,
    target: &Environment,
) -> Result<DataTransfer, Refusal> {
    let code = RefusalCode::CopyTargetMismatch;
    let what = format!("environment {}", source.id);
    require_same_tenant(code, &source.scope.tenant, what, target)?;
    if source.id == target.id {
        let message = format!("environment {} cannot be copied onto itself", source.id);
        return Err(Refusal::new(code, message));
    }
    require_usable(source)?;
    require_usable(target)?;
    if source.protector == Protector::Platform || source.protector == target.protector {
        return Ok(DataTransfer::into(target, &source.protector));
    }
    if target.env_type == EnvironmentType::SupportInvestigation {
        return Err(support_investigation(source, target));
    }
    Err(protector_mismatch(code, "environment", &source.id, target))
}

/// D4: what a reset does, as a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetPlan {
    /// The environment: offline while its data is deleted, then online and empty, under
    /// the platform key.
    pub environment: EnvironmentId,
    /// Every backup of it, deleted.
    pub backups: Vec<BackupId>,
    /// The protector afterwards: always the platform key.
    pub protector: Protector,
}

/// D4: resets an environment that is online.
pub fn reset_environment(
    state: &RegionState<'_>,
    environment: &EnvironmentId,
) -> Result<ResetPlan, Refusal> {
    let env = state.environment(environment)?;
    require_usable(env)?;
    Ok(ResetPlan {
        environment: env.id.clone(),
        backups: state.backups_of(&env.id),
        protector: Protector::Platform,
    })
}

/// D5 and L7: an environment deleted with every backup of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentDeletion {
    /// The environment.
    pub environment: EnvironmentId,
    /// Its backups, deleted with it.
    pub backups: Vec<BackupId>,
}

/// D5: deletes an environment, locked or not, with its backups.
pub fn delete_environment(
    state: &RegionState<'_>,
    environment: &EnvironmentId,
) -> Result<EnvironmentDeletion, Refusal> {
    let env = state.environment(environment)?;
    if env.status == EnvironmentStatus::Offline {
        return Err(offline(env));
    }
    Ok(EnvironmentDeletion {
        environment: env.id.clone(),
        backups: state.backups_of(&env.id),
    })
}

/// L5 and the offline state: data moves only from and into an online environment.
fn require_usable(env: &Environment) -> Result<(), Refusal> {
    match env.status {
        EnvironmentStatus::Online => Ok(()),
        EnvironmentStatus::Locked { .. } => Err(locked(env)),
        EnvironmentStatus::Offline => Err(offline(env)),
    }
}

/// D2, D3: nothing crosses tenants. Checked first, so that the refusal says nothing about
/// the other tenant's environment.
fn require_same_tenant(
    code: RefusalCode,
    from: &TenantId,
    what: String,
    target: &Environment,
) -> Result<(), Refusal> {
    if *from == target.scope.tenant {
        return Ok(());
    }
    let message = format!(
        "{what} belongs to tenant {from} and cannot go to environment {} of another tenant",
        target.id
    );
    Err(Refusal::new(code, message))
}

fn require_taken_of(backup: &Backup, source: &Environment) -> Result<(), Refusal> {
    if backup.environment == source.id {
        return Ok(());
    }
    let message = format!(
        "backup {} was taken of environment {}, not {}",
        backup.id, backup.environment, source.id
    );
    Err(Refusal::new(RefusalCode::RestoreTargetMismatch, message))
}

fn protector_mismatch(
    code: RefusalCode,
    kind: &str,
    what: &impl std::fmt::Display,
    target: &Environment,
) -> Refusal {
    let message = format!(
        "{kind} {what} is protected by a tenant key that does not protect environment {}; \
         choose a target under the same tenant key, or move {} to it first",
        target.id, target.id
    );
    Refusal::new(code, message)
}

fn support_investigation(source: &Environment, target: &Environment) -> Refusal {
    let message = format!(
        "support_investigation environment {} must first be moved to the tenant key that \
         protects environment {} before it can receive a copy of it",
        target.id, source.id
    );
    Refusal::new(RefusalCode::SupportInvestigationNeedsTenantKey, message)
}
