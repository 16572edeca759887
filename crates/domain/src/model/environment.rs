use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{EnvironmentId, KeyId};
use crate::model::TenantRegion;

/// The kind of an environment (SPEC section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // the SPEC's own names
pub enum EnvironmentType {
    Production,
    Sandbox,
    Developer,
    Trial,
    Default,
    SupportInvestigation,
}

impl EnvironmentType {
    /// Every type, in SPEC order.
    pub const ALL: [EnvironmentType; 6] = [
        EnvironmentType::Production,
        EnvironmentType::Sandbox,
        EnvironmentType::Developer,
        EnvironmentType::Trial,
        EnvironmentType::Default,
        EnvironmentType::SupportInvestigation,
    ];

    /// The type's name as in the SPEC.
    pub fn as_str(self) -> &'static str {
        match self {
            EnvironmentType::Production => "production",
            EnvironmentType::Sandbox => "sandbox",
            EnvironmentType::Developer => "developer",
            EnvironmentType::Trial => "trial",
            EnvironmentType::Default => "default",
            EnvironmentType::SupportInvestigation => "support_investigation",
        }
    }

    /// Parses the SPEC name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

impl std::fmt::Display for EnvironmentType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an environment's storage was laid out (E1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Storage {
    /// Created before the tenant's feature was enabled: never uses a tenant key.
    Legacy,
    /// Created after: may use a tenant key.
    Modern,
}

/// What wraps an environment's data key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Protector {
    /// The platform root key.
    Platform,
    /// A tenant key, by record id.
    TenantKey {
        /// The key's record id.
        key: KeyId,
    },
}

impl Protector {
    /// Whether a tenant key protects this.
    pub fn is_tenant(&self) -> bool {
        matches!(self, Protector::TenantKey { .. })
    }
}

/// Whether an environment can serve requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EnvironmentStatus {
    /// Serving reads and writes.
    Online,
    /// Offline while its protector changes (E3, E4) or its data is reset (D4).
    Offline,
    /// Locked by a tenant lock (L3); `since` starts the L7 retention.
    Locked {
        /// When the lock that took it offline was requested.
        #[serde(with = "time::serde::rfc3339")]
        since: OffsetDateTime,
    },
}

/// A customer database in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// The environment's id.
    pub id: EnvironmentId,
    /// Owner and region.
    pub scope: TenantRegion,
    /// A display name; typed back to confirm E4 on production.
    pub name: String,
    /// Its type.
    pub env_type: EnvironmentType,
    /// Legacy or modern storage (E1).
    pub storage: Storage,
    /// What wraps its data key.
    pub protector: Protector,
    /// Online, offline or locked.
    pub status: EnvironmentStatus,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Environment {
    /// Whether a lock holds this environment.
    pub fn is_locked(&self) -> bool {
        matches!(self.status, EnvironmentStatus::Locked { .. })
    }

    /// When the lock holding this environment was requested (starts L7), if it is locked.
    pub fn locked_since(&self) -> Option<OffsetDateTime> {
        match self.status {
            EnvironmentStatus::Locked { since } => Some(since),
            EnvironmentStatus::Online | EnvironmentStatus::Offline => None,
        }
    }
}
