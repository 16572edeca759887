//! The operations of the SPEC, one file per family, named by the domain's nouns.
//!
//! | file | operations | rules |
//! |---|---|---|
//! | [`tenant`] | create tenants, enable the feature, key exchange keys | §2, K3 |
//! | [`keys`] | generate and upload tenant keys | K1–K8 |
//! | [`activation`] | activate a key and re-wrap every data key onto it | A1–A4 |
//! | [`lock`] | issue a lock confirmation, lock a tenant-region | L1–L4 |
//! | [`unlock`] | re-install a locked key, unlock environments | L6, U1–U3 |
//! | [`environment`] | create, apply the tenant key, return to the platform key | E1–E4 |
//! | [`data`] | SQL, files and CSV import on an online environment | E5, L5 |
//! | [`database`] | backup, restore, copy, reset, delete | D1–D5 |
//! | [`retention`] | delete locked environments past retention | L7 |
//! | [`audit_log`] | read and verify the audit chain | S2 |

pub mod activation;
pub mod audit_log;
pub mod data;
pub mod database;
pub mod environment;
pub mod keys;
pub mod lock;
pub mod retention;
pub mod tenant;
pub mod unlock;

use keyward_domain::model::TenantRegion;
use keyward_domain::{RegionName, TenantId};

/// Builds a tenant-region from its two names.
pub fn scope(tenant: &TenantId, region: &RegionName) -> TenantRegion {
    TenantRegion {
        tenant: tenant.clone(),
        region: region.clone(),
    }
}
