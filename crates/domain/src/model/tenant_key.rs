use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{Fingerprint, KeyId};
use crate::model::TenantRegion;

/// Where a tenant key's state machine stands (SPEC section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Stored in the vault, usable, not active.
    Available,
    /// Being activated, or re-installed during unlock.
    Installing,
    /// Protects every tenant-protected environment of the region.
    Active,
    /// Private material destroyed by a lock; public part and fingerprint remain.
    Locked,
    /// Destroyed by a lock while available; history only.
    Deleted,
}

impl KeyState {
    /// The state's name as in the SPEC.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Available => "available",
            KeyState::Installing => "installing",
            KeyState::Active => "active",
            KeyState::Locked => "locked",
            KeyState::Deleted => "deleted",
        }
    }

    /// Whether the vault still holds the private half in this state.
    pub fn has_private_material(self) -> bool {
        matches!(
            self,
            KeyState::Available | KeyState::Installing | KeyState::Active
        )
    }
}

impl std::fmt::Display for KeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a key came to Keyward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyOrigin {
    /// Generated inside Keyward (K4).
    Generated,
    /// Uploaded as PKCS#12 (K2).
    Pkcs12,
    /// Uploaded as a `.byok` blob (K3).
    Byok,
}

/// A tenant's RSA key for one region, known by id and fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantKey {
    /// The record's id.
    pub id: KeyId,
    /// Owner and region.
    pub scope: TenantRegion,
    /// SHA-256 of the SubjectPublicKeyInfo.
    pub fingerprint: Fingerprint,
    /// Current state.
    pub state: KeyState,
    /// Generated or uploaded, and how.
    pub origin: KeyOrigin,
    /// When it was generated or uploaded (starts the L2 window).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last became active (starts the A3 and L2 windows).
    #[serde(with = "time::serde::rfc3339::option")]
    pub activated_at: Option<OffsetDateTime>,
}
