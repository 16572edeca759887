//! Keyward's domain: the nouns of the SPEC and the rules that govern them.
//!
//! This crate decides; it never acts. Every rule of SPEC section 4 that can be decided
//! from stored state and the current time lives in [`rules`], as a function that takes a
//! snapshot of state, the [`Policy`] and the current instant, and returns either the
//! transition to apply or a typed [`Refusal`].
//!
//! Invariants:
//! - no I/O of any kind (files, network, clock reads): time is passed in, read by callers
//!   through one [`Clock`];
//! - no key material: this crate knows keys by id and fingerprint only.

pub mod clock;
pub mod ids;
pub mod model;
pub mod policy;
pub mod refusal;
pub mod rules;

pub use clock::{Clock, ManualClock, SystemClock};
pub use ids::{BackupId, EnvironmentId, Fingerprint, JobId, KeyId, RegionName, TenantId};
pub use policy::Policy;
pub use refusal::{Refusal, RefusalCode, Rule};
