//! The lock record: what the service issued for a lock request and how far it went.
//!
//! Holds ids, instants and a confirmation text only, never key material.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::KeyId;
use crate::model::TenantRegion;

/// Where a tenant-region's latest lock stands (L1, L3, L6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum LockStage {
    /// A confirmation text was issued; the tenant admin has not confirmed yet.
    Issued,
    /// Confirmed at `requested_at`; the lock job runs, so unlocking is refused (L6).
    Running {
        /// When the confirmed lock was accepted; starts the L6 delay and the L7 retention.
        #[serde(with = "time::serde::rfc3339")]
        requested_at: OffsetDateTime,
    },
    /// The lock job finished.
    Finished {
        /// When the confirmed lock was accepted.
        #[serde(with = "time::serde::rfc3339")]
        requested_at: OffsetDateTime,
    },
}

/// The latest lock of one tenant-region: at most one per tenant-region, replaced when a
/// new confirmation is issued.
///
/// The confirmation text is not a secret: it only proves that the admin read what the
/// service showed for this request, so it may be stored and compared in the clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockRecord {
    /// The tenant-region to lock.
    pub scope: TenantRegion,
    /// The key that was active when the confirmation was issued; L1 requires it still is.
    pub key: KeyId,
    /// The confirmation text the service issued for this request (L1).
    pub confirmation: String,
    /// When the confirmation was issued.
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// Issued, running or finished.
    pub stage: LockStage,
}

impl LockRecord {
    /// When the confirmed lock was accepted, once it was.
    pub fn requested_at(&self) -> Option<OffsetDateTime> {
        match self.stage {
            LockStage::Issued => None,
            LockStage::Running { requested_at } | LockStage::Finished { requested_at } => {
                Some(requested_at)
            }
        }
    }

    /// Whether the lock job is still running (L6).
    pub fn is_running(&self) -> bool {
        matches!(self.stage, LockStage::Running { .. })
    }
}
