use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::JobId;
use crate::model::TenantRegion;

/// What a durable job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// A1/A2: install a key and re-wrap every environment and backup onto it.
    Activate,
    /// L3: lock a tenant-region.
    Lock,
    /// U1: re-install a locked key.
    UnlockKey,
    /// E3: move an environment onto the tenant key.
    ApplyKey,
    /// E4: move an environment back to the platform key.
    ReturnKey,
    /// L7: delete locked environments past retention.
    RetentionPurge,
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Recorded, not yet picked up, or resumed after a restart.
    Pending,
    /// Being worked on.
    Running,
    /// Finished successfully.
    Succeeded,
    /// Finished with an error.
    Failed,
}

impl JobState {
    /// Whether the job has finished, one way or the other.
    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed)
    }
}

/// A durable, resumable unit of work with progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The job's id.
    pub id: JobId,
    /// What it does.
    pub kind: JobKind,
    /// The tenant-region it works on.
    pub scope: TenantRegion,
    /// The key or environment it works on (empty for region-wide jobs such as a lock).
    pub subject: String,
    /// Where it stands.
    pub state: JobState,
    /// Items done.
    pub done: u64,
    /// Items in all.
    pub total: u64,
    /// Why it failed, for a person.
    pub error: Option<String>,
    /// When it was requested.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}
