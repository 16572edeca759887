//! The tenant's feature switch and regions (SPEC section 2).
//!
//! No key operation happens for a tenant whose self-managed-key feature is off, or in a
//! region the tenant does not have. Enabling records the instant once: E1 compares
//! environments' creation with it, so enabling again must never move it.

use time::OffsetDateTime;

use crate::ids::RegionName;
use crate::model::Tenant;
use crate::refusal::{Refusal, RefusalCode};
use crate::rules::RegionState;

/// `feature_not_enabled` unless an operator enabled the tenant's self-managed-key feature.
pub fn require_feature(tenant: &Tenant) -> Result<(), Refusal> {
    if tenant.feature_enabled_at.is_some() {
        return Ok(());
    }
    let message = format!(
        "self-managed keys are not enabled for tenant {}; ask an operator to enable the feature",
        tenant.id
    );
    Err(Refusal::new(RefusalCode::FeatureNotEnabled, message))
}

/// `unknown_region` unless the tenant has `region`.
pub fn require_region(tenant: &Tenant, region: &RegionName) -> Result<(), Refusal> {
    if tenant.has_region(region) {
        return Ok(());
    }
    let message = format!(
        "tenant {} has no region {region}; use one of its regions",
        tenant.id
    );
    Err(Refusal::new(RefusalCode::UnknownRegion, message))
}

/// The checks every key operation starts with: the feature is on and the region exists.
pub fn require_key_operations(state: &RegionState<'_>) -> Result<(), Refusal> {
    require_feature(state.tenant)?;
    require_region(state.tenant, state.region)
}

/// The instant to record as `feature_enabled_at` when an operator enables the feature:
/// `now` the first time, the original instant on any later call (idempotent).
pub fn enable_feature(tenant: &Tenant, now: OffsetDateTime) -> OffsetDateTime {
    tenant.feature_enabled_at.unwrap_or(now)
}
