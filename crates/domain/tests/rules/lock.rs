//! L1, L2, L3, L6, L7.

use keyward_domain::model::{EnvironmentStatus, KeyOrigin, KeyState, LockStage};
use keyward_domain::rules::lock::{
    due_for_deletion, issue_lock_confirmation, next_deletion_at, request_lock, LockRequest,
};
use keyward_domain::rules::unlock::{begin_key_unlock, require_unlock_allowed};
use keyward_domain::rules::{KeyChange, Risk};
use keyward_domain::{Fingerprint, RefusalCode, Rule};
use time::{Duration, OffsetDateTime};

use crate::support::*;

fn request<'a>(presented: &'a Fingerprint, confirmation: &'a str) -> LockRequest<'a> {
    LockRequest {
        presented,
        confirmation,
        risk: Risk::Acknowledged,
    }
}

/// Issues a confirmation at T0 and requests the lock at `at` with `presented` and `typed`.
fn try_lock(
    w: &World,
    presented: u8,
    typed: &str,
    at: OffsetDateTime,
) -> Result<keyward_domain::rules::lock::LockPlan, keyward_domain::Refusal> {
    let presented = fp(presented);
    request_lock(&w.state(), &request(&presented, typed), &w.policy, at)
}

#[test]
fn l1_lock_refused_when_the_presented_key_is_not_the_active_key() {
    let mut w = World::protected();
    w.issue_lock(T0);
    let r = try_lock(&w, 9, CONFIRMATION, T0);
    let msg = ["k1", &fp(9).short(), &fp(1).short(), "contoso/eu-west"];
    assert_refused(r, RefusalCode::LockKeyMismatch, Rule::L1, &msg);
}

#[test]
fn l1_lock_refused_when_the_confirmation_text_differs() {
    let mut w = World::protected();
    w.issue_lock(T0);
    for typed in ["", "lock contoso/eu-wes", "LOCK CONTOSO/EU-WEST"] {
        let r = try_lock(&w, 1, typed, T0);
        let refusal = assert_refused(
            r,
            RefusalCode::LockConfirmationMismatch,
            Rule::L1,
            &["confirmation", "contoso/eu-west"],
        );
        assert!(
            !refusal.message.contains(CONFIRMATION),
            "never echoes the expected text"
        );
    }
}

#[test]
fn l1_lock_refused_without_an_issued_confirmation() {
    let w = World::protected();
    let r = try_lock(&w, 1, CONFIRMATION, T0);
    assert_refused(
        r,
        RefusalCode::LockConfirmationMismatch,
        Rule::L1,
        &["request a lock"],
    );
}

#[test]
fn l1_lock_refused_when_the_confirmation_was_issued_for_a_previous_key() {
    let mut w = World::protected();
    w.issue_lock(T0);
    w.key_mut("k1").state = KeyState::Available;
    let old = T0 - Duration::days(10);
    w.add_key("k2", 2, KeyState::Active, old, Some(old));
    let r = try_lock(&w, 2, CONFIRMATION, T0);
    let msg = ["k1", "k2", "new lock confirmation"];
    assert_refused(r, RefusalCode::LockConfirmationMismatch, Rule::L1, &msg);
}

#[test]
fn l1_lock_refused_without_an_active_key() {
    let mut w = World::protected();
    w.key_mut("k1").state = KeyState::Available;
    let r = issue_lock_confirmation(&w.state(), CONFIRMATION.into(), &w.policy, T0);
    assert_refused(
        r,
        RefusalCode::LockWithoutActiveKey,
        Rule::L1,
        &["no active key"],
    );
}

#[test]
fn l1_issued_confirmation_is_bound_to_the_active_key_and_not_yet_running() {
    let w = World::protected();
    let record = issue_lock_confirmation(&w.state(), CONFIRMATION.into(), &w.policy, T0);
    let record = record.unwrap();
    assert_eq!(record.key, key_id("k1"));
    assert_eq!(record.stage, LockStage::Issued);
    assert_eq!(record.requested_at(), None);
}

/// The protected world whose latest key event is `k2` arriving by `origin` at T0.
fn with_key_event(origin: KeyOrigin, activated: bool) -> World {
    let mut w = World::protected();
    w.add_key("k2", 2, KeyState::Available, T0, None);
    w.key_mut("k2").origin = origin;
    if activated {
        let long_ago = T0 - Duration::days(20);
        w.key_mut("k2").created_at = long_ago;
        w.key_mut("k2").activated_at = Some(T0);
        w.key_mut("k2").state = KeyState::Active;
        w.key_mut("k1").state = KeyState::Available;
    }
    w
}

fn assert_grace_edges(mut w: World, cause: &str) {
    let almost = T0 + Duration::hours(71) + Duration::minutes(59);
    let r = issue_lock_confirmation(&w.state(), CONFIRMATION.into(), &w.policy, almost);
    let refusal = assert_refused(r, RefusalCode::LockTooSoon, Rule::L2, &[cause]);
    assert_eq!(refusal.allowed_from, Some(T0 + Duration::hours(72)));

    // The confirmation may have been issued earlier: the request is checked again.
    w.lock = Some(keyward_domain::model::LockRecord {
        scope: w.scope(),
        key: w.state().active_key().unwrap().id.clone(),
        confirmation: CONFIRMATION.into(),
        issued_at: T0,
        stage: LockStage::Issued,
    });
    let active = w.state().active_key().unwrap().fingerprint;
    let r = request_lock(
        &w.state(),
        &request(&active, CONFIRMATION),
        &w.policy,
        almost,
    );
    assert_refused(r, RefusalCode::LockTooSoon, Rule::L2, &[cause]);
    let r = request_lock(
        &w.state(),
        &request(&active, CONFIRMATION),
        &w.policy,
        T0 + Duration::hours(72),
    );
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn l2_lock_refused_71h59_after_an_activation_and_allowed_at_72h() {
    assert_grace_edges(
        with_key_event(KeyOrigin::Pkcs12, true),
        "key k2 was activated",
    );
}

#[test]
fn l2_lock_refused_71h59_after_an_upload_and_allowed_at_72h() {
    assert_grace_edges(
        with_key_event(KeyOrigin::Pkcs12, false),
        "key k2 was uploaded",
    );
    assert_grace_edges(
        with_key_event(KeyOrigin::Byok, false),
        "key k2 was uploaded",
    );
}

#[test]
fn l2_lock_refused_71h59_after_a_generation_and_allowed_at_72h() {
    assert_grace_edges(
        with_key_event(KeyOrigin::Generated, false),
        "key k2 was generated",
    );
}

#[test]
fn l2_lock_refusal_says_until_when_why_and_for_whom() {
    let mut w = World::protected();
    w.key_mut("k1").activated_at = Some(T0 + Duration::days(3) + Duration::hours(3));
    let at = T0 + Duration::days(4);
    let r = issue_lock_confirmation(&w.state(), CONFIRMATION.into(), &w.policy, at);
    let refusal = assert_refused(r, RefusalCode::LockTooSoon, Rule::L2, &[]);
    assert_eq!(
        refusal.message,
        "locking is refused until 2026-12-07 13:00:00 UTC, 72 hours after key k1 was \
         activated; other admins have this time to roll back a change"
    );
}

#[test]
fn l3_lock_takes_tenant_protected_environments_offline_and_destroys_every_usable_key() {
    let mut w = World::protected();
    let old = T0 - Duration::days(20);
    w.add_key("k0", 9, KeyState::Available, old, None);
    w.add_key("kx", 8, KeyState::Deleted, old, None);
    let plan = w.lock_at(T0);
    assert_eq!(plan.environments, vec![env_id("prod"), env_id("sbx")]);
    assert_eq!(plan.backups, vec![backup_id("b-prod"), backup_id("b-sbx")]);
    let to_locked = KeyChange {
        key: key_id("k1"),
        from: KeyState::Active,
        to: KeyState::Locked,
    };
    let to_deleted = KeyChange {
        key: key_id("k0"),
        from: KeyState::Available,
        to: KeyState::Deleted,
    };
    assert_eq!(plan.keys, vec![to_locked, to_deleted]);
    assert_eq!(
        plan.destroy_private_material,
        vec![key_id("k1"), key_id("k0")]
    );
    assert_eq!(plan.record.stage, LockStage::Running { requested_at: T0 });
    assert_eq!(
        w.env("prod").status,
        EnvironmentStatus::Locked { since: T0 }
    );
}

#[test]
fn l3_lock_leaves_platform_protected_environments_alone() {
    let mut w = World::protected();
    let plan = w.lock_at(T0);
    assert!(!plan.environments.contains(&env_id("dev")));
    assert!(!plan.backups.contains(&backup_id("b-dev")));
    assert_eq!(w.env("dev").status, EnvironmentStatus::Online);
}

#[test]
fn l3_lock_refused_while_an_environment_changes_protector() {
    let mut w = World::protected();
    w.issue_lock(T0);
    w.env_mut("dev").status = EnvironmentStatus::Offline;
    let r = try_lock(&w, 1, CONFIRMATION, T0);
    assert_refused(
        r,
        RefusalCode::EnvironmentOffline,
        Rule::E3,
        &["locking", "dev"],
    );
}

#[test]
fn l3_lock_refused_while_a_key_is_being_installed() {
    let mut w = World::protected();
    w.issue_lock(T0);
    w.add_key("k2", 2, KeyState::Installing, T0 - Duration::days(5), None);
    let r = try_lock(&w, 1, CONFIRMATION, T0);
    assert_refused(r, RefusalCode::KeyInstalling, Rule::K6, &["locking", "k2"]);
}

#[test]
fn l3_a_second_lock_is_refused_while_the_first_runs() {
    let mut w = World::protected();
    w.lock_at(T0);
    let r = issue_lock_confirmation(&w.state(), CONFIRMATION.into(), &w.policy, T0);
    assert_refused(
        r,
        RefusalCode::LockWithoutActiveKey,
        Rule::L1,
        &["already running"],
    );
}

#[test]
fn l6_unlock_refused_while_the_lock_job_runs() {
    let mut w = World::protected();
    w.lock_at(T0);
    let later = T0 + Duration::days(1);
    let r = begin_key_unlock(&w.state(), &fp(1), Risk::Acknowledged, &w.policy, later);
    assert_refused(
        r,
        RefusalCode::LockInProgress,
        Rule::L6,
        &["still running", "contoso/eu-west"],
    );
}

#[test]
fn l6_unlock_refused_59_minutes_after_the_lock_and_allowed_at_60() {
    let mut w = World::protected();
    w.locked_at(T0);
    let early = T0 + Duration::minutes(59);
    let r = begin_key_unlock(&w.state(), &fp(1), Risk::Acknowledged, &w.policy, early);
    let refusal = assert_refused(r, RefusalCode::UnlockTooSoon, Rule::L6, &["1 hour"]);
    assert_eq!(refusal.allowed_from, Some(T0 + Duration::hours(1)));
    assert!(refusal.message.contains("2026-12-01 11:00:00 UTC"));
    let r = begin_key_unlock(
        &w.state(),
        &fp(1),
        Risk::Acknowledged,
        &w.policy,
        T0 + Duration::hours(1),
    );
    assert!(r.is_ok(), "{r:?}");
    assert!(require_unlock_allowed(&w.state(), &w.policy, T0 + Duration::hours(1)).is_ok());
}

#[test]
fn l7_a_locked_environment_is_not_due_at_28_days_minus_1s_and_due_at_exactly_28_days() {
    let mut w = World::protected();
    w.locked_at(T0);
    let deadline = T0 + Duration::days(28);
    let before = due_for_deletion(&w.state(), &w.policy, deadline - Duration::seconds(1));
    assert!(before.is_empty(), "{before:?}");
    let due = due_for_deletion(&w.state(), &w.policy, deadline);
    let ids: Vec<_> = due.iter().map(|d| d.environment.clone()).collect();
    assert_eq!(ids, vec![env_id("prod"), env_id("sbx")]);
    assert_eq!(next_deletion_at(&w.state(), &w.policy), Some(deadline));
}

#[test]
fn l7_locked_environments_are_deleted_with_their_backups() {
    let mut w = World::protected();
    w.locked_at(T0);
    let due = due_for_deletion(&w.state(), &w.policy, T0 + Duration::days(30));
    assert_eq!(due[0].backups, vec![backup_id("b-prod")]);
    assert_eq!(due[1].backups, vec![backup_id("b-sbx")]);
}

#[test]
fn l7_an_unlocked_environment_is_never_due() {
    let mut w = World::protected();
    w.locked_at(T0);
    w.env_mut("prod").status = EnvironmentStatus::Online;
    let due = due_for_deletion(&w.state(), &w.policy, T0 + Duration::days(400));
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].environment, env_id("sbx"));
}
