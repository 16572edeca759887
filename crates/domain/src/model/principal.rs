use serde::{Deserialize, Serialize};

use crate::ids::{EnvironmentId, TenantId};

/// A role and the scope it holds (SPEC section 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// Runs the service; never reads a locked environment.
    Operator,
    /// Administers one tenant's keys and environments.
    TenantAdmin {
        /// The tenant.
        tenant: TenantId,
    },
    /// Administers one environment.
    EnvironmentAdmin {
        /// The tenant owning the environment.
        tenant: TenantId,
        /// The environment.
        environment: EnvironmentId,
    },
    /// Reads and writes one environment's data.
    EnvironmentUser {
        /// The tenant owning the environment.
        tenant: TenantId,
        /// The environment.
        environment: EnvironmentId,
    },
}

/// An authenticated caller: a name for the audit log and a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// Who, as recorded in audit events (a token's label, never the token).
    pub name: String,
    /// What they may do.
    pub role: Role,
}
