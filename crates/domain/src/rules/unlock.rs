//! Undoing a lock: first the key (U1), then each environment (U2), never before the
//! lock job ended and the delay passed (L6). Until the last locked environment is
//! unlocked or deleted, key operations stay frozen (U3, enforced by
//! [`require_not_frozen`](crate::rules::keys::require_not_frozen)).
//!
//! Nothing here unlocks an environment by itself: finishing a key unlock changes the key
//! only, and each environment needs its own call. This module never sees key material:
//! the caller turns the uploaded file into a fingerprint first.
//!
//! Choice where the SPEC is silent: re-installing a locked key is not an activation, so it
//! keeps the key's `activated_at` and opens neither the A3 nor the L2 window; the same key
//! protects the same environments as before the lock, there is no change to roll back.

use time::OffsetDateTime;

use crate::ids::{EnvironmentId, Fingerprint, KeyId};
use crate::model::{Environment, KeyState, LockStage, Protector, TenantKey};
use crate::policy::Policy;
use crate::refusal::{Refusal, RefusalCode};
use crate::rules::activation::require_key_state;
use crate::rules::keys::{require_no_other_usable_key, require_risk_acknowledged, Risk};
use crate::rules::tenant::require_key_operations;
use crate::rules::window::Window;
use crate::rules::{KeyChange, RegionState};

/// L6: `lock_in_progress` while the lock job runs, `unlock_too_soon` until the policy's
/// delay after the lock was requested.
pub fn require_unlock_allowed(
    state: &RegionState<'_>,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<(), Refusal> {
    let Some(record) = state.lock() else {
        return Ok(());
    };
    let requested_at = match record.stage {
        LockStage::Issued => return Ok(()),
        LockStage::Finished { requested_at } => requested_at,
        LockStage::Running { .. } => return Err(lock_in_progress(state)),
    };
    let window = Window {
        action: "unlocking",
        start: requested_at,
        length: policy.unlock_delay(),
        cause: format!("the lock of {} was requested", state.scope()),
        reason: "try again then",
    };
    window.check(RefusalCode::UnlockTooSoon, now)
}

fn lock_in_progress(state: &RegionState<'_>) -> Refusal {
    let message = format!(
        "unlocking is refused while the lock of {} is still running; wait for the lock job \
         to finish",
        state.scope()
    );
    Refusal::new(RefusalCode::LockInProgress, message)
}

/// U1: starts re-installing the locked key whose fingerprint the admin `presented`:
/// `locked` → `installing`.
pub fn begin_key_unlock(
    state: &RegionState<'_>,
    presented: &Fingerprint,
    risk: Risk,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<KeyChange, Refusal> {
    require_key_operations(state)?;
    require_risk_acknowledged(risk, "unlocking a key")?;
    require_unlock_allowed(state, policy, now)?;
    let key = locked_key_with(state, presented)?;
    require_no_other_usable_key(state, &key.id)?;
    Ok(KeyChange::of(key, KeyState::Installing))
}

/// U1: the locked key with the `presented` fingerprint, or `unlock_key_mismatch`.
fn locked_key_with<'a>(
    state: &RegionState<'a>,
    presented: &Fingerprint,
) -> Result<&'a TenantKey, Refusal> {
    let locked: Vec<&TenantKey> = state
        .keys()
        .filter(|k| k.state == KeyState::Locked)
        .collect();
    if let Some(key) = locked.iter().find(|k| k.fingerprint == *presented) {
        return Ok(key);
    }
    let known: Vec<String> = locked
        .iter()
        .map(|k| format!("{} (fingerprint {})", k.id, k.fingerprint.short()))
        .collect();
    let message = if known.is_empty() {
        format!("{} has no locked key to unlock", state.scope())
    } else {
        format!(
            "the presented key (fingerprint {}) is not a locked key of {}: {}; upload the same \
             key that was locked",
            presented.short(),
            state.scope(),
            known.join(", ")
        )
    };
    Err(Refusal::new(RefusalCode::UnlockKeyMismatch, message))
}

/// U1: completes a key unlock once the vault holds the key again: `installing` →
/// `active`. Environments stay locked until unlocked one by one (U2).
pub fn finish_key_unlock(state: &RegionState<'_>, key: &KeyId) -> Result<KeyChange, Refusal> {
    let key = state.key(key)?;
    require_key_state(key, KeyState::Installing, "finishing an unlock")?;
    require_no_other_usable_key(state, &key.id)?;
    Ok(KeyChange::of(key, KeyState::Active))
}

/// U2: one environment coming back online with its data intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentUnlock {
    /// The environment: `locked` → online.
    pub environment: EnvironmentId,
    /// The region's environments still locked afterwards; key operations stay frozen
    /// until this is empty (U3).
    pub still_locked: Vec<EnvironmentId>,
}

/// U2: unlocks one locked `environment`, once its key is active again.
pub fn unlock_environment(
    state: &RegionState<'_>,
    environment: &EnvironmentId,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<EnvironmentUnlock, Refusal> {
    require_key_operations(state)?;
    let env = state.environment(environment)?;
    if !env.is_locked() {
        let message = format!("environment {} is not locked; nothing to unlock", env.id);
        return Err(Refusal::new(RefusalCode::EnvironmentNotLocked, message));
    }
    require_unlock_allowed(state, policy, now)?;
    require_key_active_again(state, env)?;
    let others = state
        .locked_environments()
        .into_iter()
        .filter(|e| e.id != env.id);
    Ok(EnvironmentUnlock {
        environment: env.id.clone(),
        still_locked: others.map(|e| e.id.clone()).collect(),
    })
}

/// U2: `key_still_locked` unless the environment's key is active again.
fn require_key_active_again(state: &RegionState<'_>, env: &Environment) -> Result<(), Refusal> {
    let Protector::TenantKey { key } = &env.protector else {
        return Ok(());
    };
    let active = state.key(key).is_ok_and(|k| k.state == KeyState::Active);
    if active {
        return Ok(());
    }
    let message = format!(
        "environment {} is protected by key {key}, which is not active again yet; unlock key \
         {key} first by uploading the same key",
        env.id
    );
    Err(Refusal::new(RefusalCode::KeyStillLocked, message))
}
