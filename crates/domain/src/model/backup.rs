use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{BackupId, EnvironmentId};
use crate::model::{Protector, TenantRegion};

/// A point-in-time copy of an environment, encrypted like it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    /// The backup's id.
    pub id: BackupId,
    /// The environment it was taken from.
    pub environment: EnvironmentId,
    /// Owner and region of that environment.
    pub scope: TenantRegion,
    /// What wraps the backup's data key now.
    pub protector: Protector,
    /// When it was taken.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
