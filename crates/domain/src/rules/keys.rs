//! Admitting a new tenant key (K5, K7, K8) and the one-active-key invariant (K6).
//!
//! Decides whether a key may be generated or uploaded now and in which state it arrives.
//! It never sees the key itself: the caller parses or generates it (crate `keys`), then
//! hands over only its id, fingerprint and origin.
//!
//! Choices where the SPEC is silent:
//! - K5 "first key" means the region has no key that still holds private material
//!   (`available`, `installing` or `active`). So after a lock whose environments were all
//!   deleted, the next key is again activated on arrival: there is nothing to re-wrap.
//! - K7 also holds while a lock job runs, even if it locked no environment: keys are
//!   being destroyed and a new one must not race with that.
//! - K8 covers every operation that changes a key's state: generate, upload, activate,
//!   lock and unlock. Moving one environment (E3, E4) is not a key operation.

use time::OffsetDateTime;

use crate::ids::{Fingerprint, KeyId};
use crate::model::{KeyOrigin, KeyState, TenantKey};
use crate::refusal::{Refusal, RefusalCode};
use crate::rules::tenant::require_key_operations;
use crate::rules::{list_ids, RegionState};

/// K8: whether the caller acknowledged the self-managed-key risk (`acknowledge_risk`
/// in the API, a prompt or `--yes` in the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Risk {
    /// The caller acknowledged it.
    Acknowledged,
    /// The caller did not.
    NotAcknowledged,
}

impl From<bool> for Risk {
    fn from(acknowledge_risk: bool) -> Self {
        if acknowledge_risk {
            Risk::Acknowledged
        } else {
            Risk::NotAcknowledged
        }
    }
}

/// K8: `risk_not_acknowledged` unless `risk` was acknowledged. `operation` names what was
/// asked, as a gerund: "generating a key".
pub fn require_risk_acknowledged(risk: Risk, operation: &str) -> Result<(), Refusal> {
    if risk == Risk::Acknowledged {
        return Ok(());
    }
    let message = format!(
        "{operation} needs an explicit acknowledgement of the self-managed-key risk: if the \
         key and its password are lost after a lock, the data cannot be recovered; send \
         acknowledge_risk: true (or answer the prompt, or pass --yes)"
    );
    Err(Refusal::new(RefusalCode::RiskNotAcknowledged, message))
}

/// K7 (and U3): `key_operations_frozen` while any environment of the region is locked or
/// a lock job runs. `operation` is a gerund: "uploading a key".
pub fn require_not_frozen(state: &RegionState<'_>, operation: &str) -> Result<(), Refusal> {
    let locked = state.locked_environments();
    let scope = state.scope();
    let message = if !locked.is_empty() {
        format!(
            "{operation} is refused while environments of {scope} are locked ({}); unlock or \
             delete them first",
            list_ids(&locked)
        )
    } else if state.lock_running() {
        format!(
            "{operation} is refused while the lock of {scope} is still running; wait for it \
             to finish"
        )
    } else {
        return Ok(());
    };
    Err(Refusal::new(RefusalCode::KeyOperationsFrozen, message))
}

/// The checks before generating or uploading a key (feature, region, K8, K7). The service
/// calls this before the costly work, then [`admit_key`] with the result.
pub fn may_add_key(state: &RegionState<'_>, risk: Risk, operation: &str) -> Result<(), Refusal> {
    require_key_operations(state)?;
    require_risk_acknowledged(risk, operation)?;
    require_not_frozen(state, operation)
}

/// What a generated or uploaded key is known by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    /// The record id the service chose.
    pub id: KeyId,
    /// SHA-256 of its SubjectPublicKeyInfo.
    pub fingerprint: Fingerprint,
    /// Generated, or uploaded and how.
    pub origin: KeyOrigin,
}

/// K5: the record to store for a new key, `active` if it is the region's first usable
/// key, else `available`; or why it may not be added now (see [`may_add_key`]).
pub fn admit_key(
    state: &RegionState<'_>,
    key: NewKey,
    risk: Risk,
    now: OffsetDateTime,
) -> Result<TenantKey, Refusal> {
    may_add_key(state, risk, adding(key.origin))?;
    require_new_fingerprint(state, &key.fingerprint)?;
    let first = !state.keys().any(|k| k.state.has_private_material());
    let (key_state, activated_at) = if first {
        (KeyState::Active, Some(now))
    } else {
        (KeyState::Available, None)
    };
    Ok(TenantKey {
        id: key.id,
        scope: state.scope(),
        fingerprint: key.fingerprint,
        state: key_state,
        origin: key.origin,
        created_at: now,
        activated_at,
    })
}

/// A key is known by its fingerprint (SPEC section 3): the same key twice in a region
/// would be two records for one key, and activating one would "rotate" to itself.
fn require_new_fingerprint(
    state: &RegionState<'_>,
    fingerprint: &Fingerprint,
) -> Result<(), Refusal> {
    let Some(existing) = state
        .keys()
        .find(|k| k.fingerprint == *fingerprint && k.state.has_private_material())
    else {
        return Ok(());
    };
    let message = format!(
        "{} already holds this key as {} ({}, fingerprint {}); activate that one instead \
         of uploading it again",
        state.scope(),
        existing.id,
        existing.state,
        fingerprint.short()
    );
    Err(Refusal::new(RefusalCode::KeyAlreadyPresent, message))
}

fn adding(origin: KeyOrigin) -> &'static str {
    match origin {
        KeyOrigin::Generated => "generating a key",
        KeyOrigin::Pkcs12 | KeyOrigin::Byok => "uploading a key",
    }
}

/// K6: `another_key_active` if a key other than `except` is `active` or `installing`.
/// Every rule that makes a key active checks this first.
pub fn require_no_other_usable_key(state: &RegionState<'_>, except: &KeyId) -> Result<(), Refusal> {
    let busy = |k: &&TenantKey| {
        k.id != *except && matches!(k.state, KeyState::Active | KeyState::Installing)
    };
    let Some(other) = state.keys().find(busy) else {
        return Ok(());
    };
    let message = format!(
        "key {} is already {} in {}; a region has at most one active key",
        other.id,
        other.state,
        state.scope()
    );
    Err(Refusal::new(RefusalCode::AnotherKeyActive, message))
}
