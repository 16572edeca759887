use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{RegionName, TenantId};

/// A customer of the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// The tenant's id.
    pub id: TenantId,
    /// A display name.
    pub name: String,
    /// The regions the tenant has environments in.
    pub regions: Vec<RegionName>,
    /// When an operator enabled the self-managed-key feature; `None` while it is off.
    #[serde(with = "time::serde::rfc3339::option")]
    pub feature_enabled_at: Option<OffsetDateTime>,
}

impl Tenant {
    /// Whether the tenant has `region`.
    pub fn has_region(&self, region: &RegionName) -> bool {
        self.regions.contains(region)
    }
}

/// One region of one tenant: the scope of keys, locks and activations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TenantRegion {
    /// The tenant.
    pub tenant: TenantId,
    /// The region.
    pub region: RegionName,
}

impl std::fmt::Display for TenantRegion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.tenant, self.region)
    }
}
