//! Who may do what, where (S1): roles and scopes of SPEC section 1.
//!
//! [`authorize`] decides from the caller's role, the [`Action`] and its [`Target`] alone;
//! authentication (the bearer token) happened before. Nothing crosses tenants: a role
//! scoped to one tenant or environment is refused everywhere else.
//!
//! The table, and choices where the SPEC is silent:
//! - operator: creates tenants, enables the feature, watches health, views tenant and
//!   environment records, reads audit events and jobs, and creates environments (new ones
//!   are platform-protected and empty). Never reads or writes environment data, never does
//!   a key operation, in any tenant.
//! - tenant admin: everything in its own tenant, data included, except the operator's
//!   service actions (creating tenants, enabling the feature, health).
//! - environment admin: its own environment's administration: view it, apply or return
//!   the tenant key, unlock it, back up, restore, copy, reset, and follow their jobs.
//!   Not its data: that is the environment user's.
//! - environment user: reads and writes its own environment's data, nothing else.
//!
//! Restore and copy touch two environments: authorise the action on both the source and
//! the target. This module must never look at data or key material.

use std::fmt;

use crate::ids::{EnvironmentId, TenantId};
use crate::model::{Principal, Role};
use crate::refusal::{Refusal, RefusalCode};

/// Every operation of the SPEC that a caller can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// Create a tenant.
    CreateTenant,
    /// Enable a tenant's self-managed-key feature.
    EnableFeature,
    /// Read health and metrics.
    ReadHealth,
    /// View a tenant's record and regions.
    ViewTenant,
    /// Read the audit log (S2).
    ReadAudit,
    /// Poll a job.
    ReadJob,
    /// List a tenant's keys: ids, fingerprints, states.
    ViewKeys,
    /// Download the key exchange key for `.byok` uploads (K3).
    ReadKeyExchangeKey,
    /// Generate a key (K4).
    GenerateKey,
    /// Upload a key (K2, K3).
    UploadKey,
    /// Activate a key (A1).
    ActivateKey,
    /// Request and confirm a lock (L1).
    Lock,
    /// Re-install a locked key (U1).
    UnlockKey,
    /// Create an environment (E2).
    CreateEnvironment,
    /// Delete an environment (D5).
    DeleteEnvironment,
    /// View an environment's record: name, type, protector, status.
    ViewEnvironment,
    /// Move an environment to the tenant key (E3).
    ApplyKey,
    /// Move an environment back to the platform key (E4).
    ReturnKey,
    /// Unlock an environment (U2).
    UnlockEnvironment,
    /// Back up an environment (D1).
    Backup,
    /// Restore a backup (D2); authorise on the backup's environment and the target.
    Restore,
    /// Copy an environment (D3); authorise on the source and the target.
    Copy,
    /// Reset an environment (D4).
    Reset,
    /// Read tables and files of an environment.
    ReadData,
    /// Write tables and files of an environment.
    WriteData,
}

impl Action {
    /// Every action, for tables and tests.
    pub const ALL: [Action; 25] = [
        Action::CreateTenant,
        Action::EnableFeature,
        Action::ReadHealth,
        Action::ViewTenant,
        Action::ReadAudit,
        Action::ReadJob,
        Action::ViewKeys,
        Action::ReadKeyExchangeKey,
        Action::GenerateKey,
        Action::UploadKey,
        Action::ActivateKey,
        Action::Lock,
        Action::UnlockKey,
        Action::CreateEnvironment,
        Action::DeleteEnvironment,
        Action::ViewEnvironment,
        Action::ApplyKey,
        Action::ReturnKey,
        Action::UnlockEnvironment,
        Action::Backup,
        Action::Restore,
        Action::Copy,
        Action::Reset,
        Action::ReadData,
        Action::WriteData,
    ];

    /// A stable dotted name for audit events, e.g. `key.activate`.
    pub fn as_str(self) -> &'static str {
        use Action::*;
        match self {
            CreateTenant => "tenant.create",
            EnableFeature => "tenant.enable_feature",
            ReadHealth => "health.read",
            ViewTenant => "tenant.view",
            ReadAudit => "audit.read",
            ReadJob => "job.read",
            ViewKeys => "key.list",
            ReadKeyExchangeKey => "key.exchange_key",
            GenerateKey => "key.generate",
            UploadKey => "key.upload",
            ActivateKey => "key.activate",
            Lock => "tenant.lock",
            UnlockKey => "key.unlock",
            CreateEnvironment => "env.create",
            DeleteEnvironment => "env.delete",
            ViewEnvironment => "env.view",
            ApplyKey => "env.apply_key",
            ReturnKey => "env.return_key",
            UnlockEnvironment => "env.unlock",
            Backup => "env.backup",
            Restore => "env.restore",
            Copy => "env.copy",
            Reset => "env.reset",
            ReadData => "env.read_data",
            WriteData => "env.write_data",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an action is done on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// The service itself: health, creating tenants.
    Service,
    /// A tenant: its record, keys, lock, audit events, new environments.
    Tenant(&'a TenantId),
    /// One environment of a tenant.
    Environment {
        /// The tenant owning it.
        tenant: &'a TenantId,
        /// The environment.
        environment: &'a EnvironmentId,
    },
}

impl Target<'_> {
    fn tenant(&self) -> Option<&TenantId> {
        match self {
            Target::Service => None,
            Target::Tenant(tenant) | Target::Environment { tenant, .. } => Some(tenant),
        }
    }
}

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Service => f.write_str("the service"),
            Target::Tenant(tenant) => write!(f, "tenant {tenant}"),
            Target::Environment {
                tenant,
                environment,
            } => write!(f, "environment {environment} of tenant {tenant}"),
        }
    }
}

/// S1: `Ok` if `principal`'s role allows `action` on `target`, else `forbidden`.
pub fn authorize(principal: &Principal, action: Action, target: Target<'_>) -> Result<(), Refusal> {
    if role_may(&principal.role, action) && in_scope(&principal.role, target) {
        return Ok(());
    }
    let message = format!(
        "{} ({}) may not do {action} on {target}; ask someone with that role and scope",
        principal.name,
        role_name(&principal.role)
    );
    Err(Refusal::new(RefusalCode::Forbidden, message))
}

/// The roles table, ignoring scope.
fn role_may(role: &Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Operator => matches!(
            action,
            CreateTenant
                | EnableFeature
                | ReadHealth
                | ViewTenant
                | ReadAudit
                | ReadJob
                | CreateEnvironment
                | ViewEnvironment
        ),
        Role::TenantAdmin { .. } => !matches!(action, CreateTenant | EnableFeature | ReadHealth),
        Role::EnvironmentAdmin { .. } => matches!(
            action,
            ViewEnvironment
                | ApplyKey
                | ReturnKey
                | UnlockEnvironment
                | Backup
                | Restore
                | Copy
                | Reset
                | ReadJob
        ),
        Role::EnvironmentUser { .. } => matches!(action, ReadData | WriteData),
    }
}

/// Whether `target` lies within the role's tenant or environment.
fn in_scope(role: &Role, target: Target<'_>) -> bool {
    match role {
        Role::Operator => true,
        Role::TenantAdmin { tenant } => target.tenant() == Some(tenant),
        Role::EnvironmentAdmin {
            tenant,
            environment,
        }
        | Role::EnvironmentUser {
            tenant,
            environment,
        } => {
            target
                == Target::Environment {
                    tenant,
                    environment,
                }
        }
    }
}

fn role_name(role: &Role) -> String {
    match role {
        Role::Operator => "operator".to_owned(),
        Role::TenantAdmin { tenant } => format!("tenant admin of {tenant}"),
        Role::EnvironmentAdmin { environment, .. } => {
            format!("environment admin of {environment}")
        }
        Role::EnvironmentUser { environment, .. } => format!("environment user of {environment}"),
    }
}
