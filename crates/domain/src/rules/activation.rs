//! Activating a key (A1, A3, A4, with K6, K7 and K8).
//!
//! Activation is two steps, so that a crash between them is resumable: [`begin_activation`]
//! moves the key `available` → `installing` and lists what the job must re-wrap (A2);
//! [`finish_activation`] moves it to `active` and the previous active key to `available`.
//! The previous key stays active while the job runs, because it still protects the
//! environments not yet re-wrapped.
//!
//! This module never re-wraps anything itself and never sees key material.

use time::OffsetDateTime;

use crate::ids::{BackupId, EnvironmentId, KeyId};
use crate::model::{KeyState, Protector, TenantKey};
use crate::policy::Policy;
use crate::refusal::{Refusal, RefusalCode};
use crate::rules::keys::{require_not_frozen, require_risk_acknowledged, Risk};
use crate::rules::tenant::require_key_operations;
use crate::rules::window::Window;
use crate::rules::{list_ids, KeyChange, RegionState};

/// What to apply when an activation starts (A1), and the job's work list (A2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationPlan {
    /// The key, `available` → `installing`.
    pub key: KeyChange,
    /// The key active now, if any; it stays active until [`finish_activation`].
    pub previous: Option<KeyId>,
    /// Environments whose data key the job re-wraps under the new key; they stay online.
    pub rewrap_environments: Vec<EnvironmentId>,
    /// Backups whose data key the job re-wraps under the new key.
    pub rewrap_backups: Vec<BackupId>,
}

/// What to apply when the re-wrap job is done (A1, K6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationOutcome {
    /// The key, `installing` → `active`.
    pub key: KeyChange,
    /// The instant to record as the key's `activated_at` (starts A3 and L2).
    pub activated_at: OffsetDateTime,
    /// The previous active key, `active` → `available`.
    pub previous: Option<KeyChange>,
}

/// A1, A3, A4: starts activating `key`, or says why not.
pub fn begin_activation(
    state: &RegionState<'_>,
    key: &KeyId,
    risk: Risk,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<ActivationPlan, Refusal> {
    require_key_operations(state)?;
    require_risk_acknowledged(risk, "activating a key")?;
    require_no_locked_environment(state)?;
    let key = state.key(key)?;
    require_available(state, key)?;
    require_nothing_installing(state, "activation")?;
    require_no_protector_change(state, "activation")?;
    require_cooldown_over(state, policy, now)?;
    Ok(plan(state, key))
}

fn plan(state: &RegionState<'_>, key: &TenantKey) -> ActivationPlan {
    let previous = state.active_key().map(|k| k.id.clone());
    let old = previous.clone().map(|key| Protector::TenantKey { key });
    ActivationPlan {
        key: KeyChange::of(key, KeyState::Installing),
        previous,
        rewrap_environments: old
            .as_ref()
            .map_or_else(Vec::new, |p| state.protected_by(p)),
        rewrap_backups: old
            .as_ref()
            .map_or_else(Vec::new, |p| state.backups_protected_by(p)),
    }
}

/// A1, K6: completes the activation of `key` once the job has re-wrapped everything.
pub fn finish_activation(
    state: &RegionState<'_>,
    key: &KeyId,
    now: OffsetDateTime,
) -> Result<ActivationOutcome, Refusal> {
    let key = state.key(key)?;
    require_key_state(key, KeyState::Installing, "finishing an activation")?;
    let previous = state
        .active_key()
        .map(|k| KeyChange::of(k, KeyState::Available));
    Ok(ActivationOutcome {
        key: KeyChange::of(key, KeyState::Active),
        activated_at: now,
        previous,
    })
}

/// A4: `activation_while_locked`, naming the locked environments; K7 while a lock runs.
fn require_no_locked_environment(state: &RegionState<'_>) -> Result<(), Refusal> {
    let locked = state.locked_environments();
    if locked.is_empty() {
        return require_not_frozen(state, "activating a key");
    }
    let message = format!(
        "activation is refused while environments of {} are locked ({}); they must be \
         unlocked or deleted first",
        state.scope(),
        list_ids(&locked)
    );
    Err(Refusal::new(RefusalCode::ActivationWhileLocked, message))
}

fn require_available(state: &RegionState<'_>, key: &TenantKey) -> Result<(), Refusal> {
    if key.state == KeyState::Active {
        let message = format!(
            "key {} is already the active key of {}",
            key.id,
            state.scope()
        );
        return Err(Refusal::new(RefusalCode::KeyWrongState, message));
    }
    require_key_state(key, KeyState::Available, "activating it")
}

/// `key_wrong_state` unless `key` is in `wanted`; `operation` is a gerund.
pub(crate) fn require_key_state(
    key: &TenantKey,
    wanted: KeyState,
    operation: &str,
) -> Result<(), Refusal> {
    if key.state == wanted {
        return Ok(());
    }
    let message = format!(
        "key {} is {}; {operation} needs it {wanted}",
        key.id, key.state
    );
    Err(Refusal::new(RefusalCode::KeyWrongState, message))
}

/// K6: `key_installing` while another key is being installed; `action` is a noun.
pub(crate) fn require_nothing_installing(
    state: &RegionState<'_>,
    action: &str,
) -> Result<(), Refusal> {
    let Some(installing) = state.key_in(KeyState::Installing) else {
        return Ok(());
    };
    let message = format!(
        "{action} is refused while key {} of {} is being installed; wait for its job to finish",
        installing.id,
        state.scope()
    );
    Err(Refusal::new(RefusalCode::KeyInstalling, message))
}

/// `environment_offline` while an environment of the region changes protector or is reset:
/// its job would finish on a key that no longer protects the region.
pub(crate) fn require_no_protector_change(
    state: &RegionState<'_>,
    action: &str,
) -> Result<(), Refusal> {
    let offline = state.offline_environments();
    if offline.is_empty() {
        return Ok(());
    }
    let message = format!(
        "{action} is refused while environments of {} are offline for a protector change or a \
         reset ({}); wait for their jobs to finish",
        state.scope(),
        list_ids(&offline)
    );
    Err(Refusal::new(RefusalCode::EnvironmentOffline, message))
}

/// A3: `activation_cooldown` within the policy's window after the region's last activation.
fn require_cooldown_over(
    state: &RegionState<'_>,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<(), Refusal> {
    let last = state
        .keys()
        .filter_map(|k| k.activated_at.map(|at| (at, k)))
        .max_by_key(|(at, _)| *at);
    let Some((at, key)) = last else {
        return Ok(());
    };
    let window = Window {
        action: "activation",
        start: at,
        length: policy.activation_cooldown(),
        cause: format!("key {} was activated", key.id),
        reason: "a region allows one activation in that time, so each can be reviewed",
    };
    window.check(RefusalCode::ActivationCooldown, now)
}
