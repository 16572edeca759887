use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::TenantId;

/// Whether an audited operation was allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AuditOutcome {
    /// The operation happened.
    Allowed,
    /// A rule refused it, with the stable code.
    Refused {
        /// The refusal code.
        code: String,
    },
    /// It failed for another reason.
    Failed,
}

/// One append-only record of a key or encryption operation (S2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Position in the log, from 1.
    pub seq: u64,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who (a principal's name).
    pub actor: String,
    /// The tenant concerned, if any; tenant admins read their tenant's events.
    pub tenant: Option<TenantId>,
    /// What, e.g. `key.activate`.
    pub action: String,
    /// On what, e.g. a key or environment id.
    pub target: String,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// SHA-256 of the previous event's canonical form, hex; all zeros for the first.
    pub prev_hash: String,
}
