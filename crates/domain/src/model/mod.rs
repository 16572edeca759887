//! The domain's nouns (SPEC section 2), as plain data.
//!
//! These types are what the metadata store persists and what the rules read. They hold
//! no key material and do no I/O.

mod audit;
mod backup;
mod environment;
mod job;
mod lock;
mod principal;
mod tenant;
mod tenant_key;

pub use audit::{AuditEvent, AuditOutcome};
pub use backup::Backup;
pub use environment::{Environment, EnvironmentStatus, EnvironmentType, Protector, Storage};
pub use job::{Job, JobKind, JobState};
pub use lock::{LockRecord, LockStage};
pub use principal::{Principal, Role};
pub use tenant::{Tenant, TenantRegion};
pub use tenant_key::{KeyOrigin, KeyState, TenantKey};
