//! Locking a tenant-region (L1, L2, L3) and retiring what a lock left behind (L7).
//!
//! A lock is three steps: [`issue_lock_confirmation`] records the text the admin must
//! type back; [`request_lock`] checks the presented key and that text (L1) and the grace
//! period (L2), and returns the transition (L3) that the store applies at once; the job
//! then destroys the listed private material and the store records [`finish_lock`].
//!
//! The confirmation text is not a secret, only proof that the admin read what the service
//! showed for this request, so it is compared with plain equality rather than in constant
//! time, and stored in the clear. Refusals never echo the expected text, so that it must
//! be read where the service showed it. This module never sees key material: the caller
//! turns the presented PKCS#12 or `.byok` file into a fingerprint first.
//!
//! Choices where the SPEC is silent:
//! - The confirmation is bound to the key active when it was issued; if another key was
//!   activated since, the admin must request a new one.
//! - A lock is refused while a key is being installed or an environment is offline for a
//!   protector change or reset: those jobs would finish on destroyed key material.

use time::OffsetDateTime;

use crate::ids::{BackupId, EnvironmentId, Fingerprint, KeyId};
use crate::model::{KeyOrigin, KeyState, LockRecord, LockStage, TenantKey};
use crate::policy::Policy;
use crate::refusal::{Refusal, RefusalCode};
use crate::rules::activation::{require_no_protector_change, require_nothing_installing};
use crate::rules::database::EnvironmentDeletion;
use crate::rules::keys::{require_risk_acknowledged, Risk};
use crate::rules::tenant::require_key_operations;
use crate::rules::window::{is_open, window_end, Window};
use crate::rules::{KeyChange, RegionState};

/// L1, L2: the record of a new lock request with the `confirmation` text the service chose,
/// replacing any previous record of the region.
pub fn issue_lock_confirmation(
    state: &RegionState<'_>,
    confirmation: String,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<LockRecord, Refusal> {
    require_key_operations(state)?;
    let active = require_active_key(state)?;
    require_grace_over(state, policy, now)?;
    Ok(LockRecord {
        scope: state.scope(),
        key: active.id.clone(),
        confirmation,
        issued_at: now,
        stage: LockStage::Issued,
    })
}

/// What the tenant admin presents to confirm a lock (L1, K8).
#[derive(Debug, Clone, Copy)]
pub struct LockRequest<'a> {
    /// The fingerprint of the key file the admin presented.
    pub presented: &'a Fingerprint,
    /// The confirmation text the admin typed back.
    pub confirmation: &'a str,
    /// K8.
    pub risk: Risk,
}

/// L3: what a lock changes, applied in one transaction when it is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockPlan {
    /// The region's lock record, now running from `now` (starts L6 and L7).
    pub record: LockRecord,
    /// Environments protected by the tenant key: each becomes `locked` since `now`, and
    /// its unwrapped data key is purged from memory.
    pub environments: Vec<EnvironmentId>,
    /// Backups of those environments, unreadable from now on (L5).
    pub backups: Vec<BackupId>,
    /// Every `active` key → `locked`, every `available` key → `deleted`.
    pub keys: Vec<KeyChange>,
    /// Keys whose private material the lock job destroys in the vault (L3, L4).
    pub destroy_private_material: Vec<KeyId>,
}

/// L1, L2, L3: accepts a confirmed lock and says what it changes, or why not.
pub fn request_lock(
    state: &RegionState<'_>,
    request: &LockRequest<'_>,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<LockPlan, Refusal> {
    require_key_operations(state)?;
    require_risk_acknowledged(request.risk, "locking")?;
    let record = require_issued(state)?;
    let active = require_active_key(state)?;
    require_nothing_installing(state, "locking")?;
    require_presented_key(state, active, request.presented)?;
    require_confirmation(state, record, active, request.confirmation)?;
    require_grace_over(state, policy, now)?;
    require_no_protector_change(state, "locking")?;
    Ok(plan(state, record, now))
}

fn plan(state: &RegionState<'_>, record: &LockRecord, now: OffsetDateTime) -> LockPlan {
    let environments: Vec<EnvironmentId> = state
        .environments()
        .filter(|e| e.protector.is_tenant() && !e.is_locked())
        .map(|e| e.id.clone())
        .collect();
    let backups = environments
        .iter()
        .flat_map(|e| state.backups_of(e))
        .collect();
    let keys: Vec<KeyChange> = state.keys().filter_map(destroyed).collect();
    let destroy_private_material = keys.iter().map(|c| c.key.clone()).collect();
    let requested_at = now;
    LockPlan {
        record: LockRecord {
            stage: LockStage::Running { requested_at },
            ..record.clone()
        },
        environments,
        backups,
        keys,
        destroy_private_material,
    }
}

/// L3: what a lock does to one key: active → locked, available → deleted.
fn destroyed(key: &TenantKey) -> Option<KeyChange> {
    match key.state {
        KeyState::Active => Some(KeyChange::of(key, KeyState::Locked)),
        KeyState::Available => Some(KeyChange::of(key, KeyState::Deleted)),
        KeyState::Installing | KeyState::Locked | KeyState::Deleted => None,
    }
}

/// The record to store when the lock job has finished: `running` → `finished`. Any other
/// record is returned unchanged.
pub fn finish_lock(record: &LockRecord) -> LockRecord {
    let stage = match record.stage {
        LockStage::Running { requested_at } => LockStage::Finished { requested_at },
        other => other,
    };
    LockRecord {
        stage,
        ..record.clone()
    }
}

fn require_active_key<'a>(state: &RegionState<'a>) -> Result<&'a TenantKey, Refusal> {
    if let Some(active) = state.active_key() {
        return Ok(active);
    }
    let message = if state.lock_running() {
        format!("a lock of {} is already running", state.scope())
    } else {
        format!("{} has no active key to lock", state.scope())
    };
    Err(Refusal::new(RefusalCode::LockWithoutActiveKey, message))
}

fn require_issued<'a>(state: &RegionState<'a>) -> Result<&'a LockRecord, Refusal> {
    match state.lock() {
        Some(record) if record.stage == LockStage::Issued => Ok(record),
        _ => Err(Refusal::new(
            RefusalCode::LockConfirmationMismatch,
            format!(
                "no lock confirmation is pending for {}; request a lock first and type back \
                 the confirmation text it shows",
                state.scope()
            ),
        )),
    }
}

/// L1: the presented key must be the active key itself.
fn require_presented_key(
    state: &RegionState<'_>,
    active: &TenantKey,
    presented: &Fingerprint,
) -> Result<(), Refusal> {
    if *presented == active.fingerprint {
        return Ok(());
    }
    let message = format!(
        "the presented key (fingerprint {}) is not the active key {} of {} (fingerprint {}); \
         present the active key's file and password",
        presented.short(),
        active.id,
        state.scope(),
        active.fingerprint.short()
    );
    Err(Refusal::new(RefusalCode::LockKeyMismatch, message))
}

/// L1: the confirmation must be the one issued, for the key still active.
fn require_confirmation(
    state: &RegionState<'_>,
    record: &LockRecord,
    active: &TenantKey,
    typed: &str,
) -> Result<(), Refusal> {
    let message = if record.key != active.id {
        format!(
            "the lock confirmation for {} was issued for key {}, but key {} is active now; \
             request a new lock confirmation",
            state.scope(),
            record.key,
            active.id
        )
    } else if typed != record.confirmation {
        format!(
            "the confirmation text does not match the one issued for the lock of {}; type it \
             back exactly as shown",
            state.scope()
        )
    } else {
        return Ok(());
    };
    Err(Refusal::new(RefusalCode::LockConfirmationMismatch, message))
}

/// L2: `lock_too_soon` within the grace period after the region's latest key event.
pub fn require_grace_over(
    state: &RegionState<'_>,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<(), Refusal> {
    let Some((at, cause)) = latest_key_event(state) else {
        return Ok(());
    };
    let window = Window {
        action: "locking",
        start: at,
        length: policy.lock_grace(),
        cause,
        reason: "other admins have this time to roll back a change",
    };
    window.check(RefusalCode::LockTooSoon, now)
}

/// The latest generation, upload or activation in the region, with a phrase naming it.
fn latest_key_event(state: &RegionState<'_>) -> Option<(OffsetDateTime, String)> {
    let events = state.keys().flat_map(|k| {
        let arrived = (
            k.created_at,
            format!("key {} was {}", k.id, arrival(k.origin)),
        );
        let activated = k
            .activated_at
            .map(|at| (at, format!("key {} was activated", k.id)));
        std::iter::once(arrived).chain(activated)
    });
    // On a tie, the later event in a key's life (activation) names the cause.
    events.fold(None, |latest, event| match latest {
        Some(l) if l.0 > event.0 => Some(l),
        _ => Some(event),
    })
}

fn arrival(origin: KeyOrigin) -> &'static str {
    match origin {
        KeyOrigin::Generated => "generated",
        KeyOrigin::Pkcs12 | KeyOrigin::Byok => "uploaded",
    }
}

/// L7: the locked environments due for deletion at `now`: those locked since at least the
/// policy's retention (exactly 28 days by default). Never an unlocked one.
pub fn due_for_deletion(
    state: &RegionState<'_>,
    policy: &Policy,
    now: OffsetDateTime,
) -> Vec<EnvironmentDeletion> {
    let retention = policy.locked_retention();
    let due = |since: OffsetDateTime| !is_open(since, retention, now);
    state
        .environments()
        .filter(|e| e.locked_since().is_some_and(due))
        .map(|e| EnvironmentDeletion {
            environment: e.id.clone(),
            backups: state.backups_of(&e.id),
        })
        .collect()
}

/// L7: when the next locked environment of the region falls due, for scheduling.
pub fn next_deletion_at(state: &RegionState<'_>, policy: &Policy) -> Option<OffsetDateTime> {
    let retention = policy.locked_retention();
    let ends = state.environments().filter_map(|e| e.locked_since());
    ends.map(|since| window_end(since, retention)).min()
}
