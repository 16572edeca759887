//! U1, U2, U3.

use keyward_domain::model::{EnvironmentStatus, KeyOrigin, KeyState};
use keyward_domain::rules::keys::may_add_key;
use keyward_domain::rules::unlock::{begin_key_unlock, finish_key_unlock, unlock_environment};
use keyward_domain::rules::{KeyChange, Risk};
use keyward_domain::{RefusalCode, Rule};
use time::Duration;

use crate::support::*;

/// The protected world, locked at T0 with the lock job finished.
fn locked() -> World {
    let mut w = World::protected();
    w.locked_at(T0);
    w
}

fn later() -> time::OffsetDateTime {
    T0 + Duration::hours(2)
}

#[test]
fn u1_unlock_refused_for_any_key_but_the_locked_one() {
    let w = locked();
    let r = begin_key_unlock(&w.state(), &fp(7), Risk::Acknowledged, &w.policy, later());
    let msg = [fp(7).short(), fp(1).short(), "k1".into(), "same key".into()];
    let msg: Vec<&str> = msg.iter().map(String::as_str).collect();
    assert_refused(r, RefusalCode::UnlockKeyMismatch, Rule::U1, &msg);
}

#[test]
fn u1_the_same_key_goes_locked_installing_active() {
    let mut w = locked();
    let begin = begin_key_unlock(&w.state(), &fp(1), Risk::Acknowledged, &w.policy, later());
    let begin = begin.unwrap();
    let expected = KeyChange {
        key: key_id("k1"),
        from: KeyState::Locked,
        to: KeyState::Installing,
    };
    assert_eq!(begin, expected);
    w.apply(&[begin]);
    let finish = finish_key_unlock(&w.state(), &key_id("k1")).unwrap();
    assert_eq!(
        (finish.from, finish.to),
        (KeyState::Installing, KeyState::Active)
    );
    w.apply(&[finish]);
    assert_eq!(
        w.key("k1").activated_at,
        Some(T0 - Duration::days(30)),
        "not an activation"
    );
}

#[test]
fn u1_the_same_key_is_recognised_even_if_uploaded_in_another_file() {
    // Identity is the fingerprint, whatever the file format or record origin.
    let mut w = locked();
    w.key_mut("k1").origin = KeyOrigin::Generated;
    let r = begin_key_unlock(&w.state(), &fp(1), Risk::Acknowledged, &w.policy, later());
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn u1_unlock_refused_when_nothing_is_locked() {
    let w = World::protected();
    let r = begin_key_unlock(&w.state(), &fp(1), Risk::Acknowledged, &w.policy, T0);
    assert_refused(
        r,
        RefusalCode::UnlockKeyMismatch,
        Rule::U1,
        &["no locked key"],
    );
}

#[test]
fn u2_unlocking_the_key_unlocks_no_environment() {
    let mut w = locked();
    w.unlock_key(1, later());
    assert!(w.env("prod").is_locked());
    assert!(w.env("sbx").is_locked());
}

#[test]
fn u2_an_environment_unlock_is_refused_until_its_key_is_active_again() {
    let w = locked();
    let r = unlock_environment(&w.state(), &env_id("prod"), &w.policy, later());
    assert_refused(
        r,
        RefusalCode::KeyStillLocked,
        Rule::U2,
        &["prod", "k1", "unlock key"],
    );
}

#[test]
fn u2_environments_come_back_one_at_a_time() {
    let mut w = locked();
    w.unlock_key(1, later());
    let first = unlock_environment(&w.state(), &env_id("prod"), &w.policy, later()).unwrap();
    assert_eq!(first.environment, env_id("prod"));
    assert_eq!(first.still_locked, vec![env_id("sbx")]);
    w.env_mut("prod").status = EnvironmentStatus::Online;
    let second = unlock_environment(&w.state(), &env_id("sbx"), &w.policy, later()).unwrap();
    assert!(second.still_locked.is_empty());
}

#[test]
fn u2_unlocking_an_environment_that_is_not_locked_is_refused() {
    let mut w = locked();
    w.unlock_key(1, later());
    let r = unlock_environment(&w.state(), &env_id("dev"), &w.policy, later());
    assert_refused(r, RefusalCode::EnvironmentNotLocked, Rule::U2, &["dev"]);
}

#[test]
fn u2_environment_unlock_is_held_by_the_l6_delay_too() {
    let mut w = World::protected();
    w.lock_at(T0);
    let r = unlock_environment(&w.state(), &env_id("prod"), &w.policy, later());
    assert_refused(r, RefusalCode::LockInProgress, Rule::L6, &["still running"]);
}

#[test]
fn u3_key_operations_stay_frozen_until_every_locked_environment_is_unlocked_or_deleted() {
    let mut w = locked();
    w.unlock_key(1, later());
    let frozen = |w: &World| may_add_key(&w.state(), Risk::Acknowledged, "uploading a key");
    w.env_mut("prod").status = EnvironmentStatus::Online;
    assert_refused(
        frozen(&w),
        RefusalCode::KeyOperationsFrozen,
        Rule::K7,
        &["sbx"],
    );

    // Deleting the last locked environment lifts K7 as unlocking it would.
    w.environments.retain(|e| e.id.as_str() != "sbx");
    assert!(frozen(&w).is_ok());
}

#[test]
fn u3_unlocking_the_last_environment_lifts_k7() {
    let mut w = locked();
    w.unlock_key(1, later());
    for env in ["prod", "sbx"] {
        unlock_environment(&w.state(), &env_id(env), &w.policy, later()).unwrap();
        w.env_mut(env).status = EnvironmentStatus::Online;
    }
    assert!(may_add_key(&w.state(), Risk::Acknowledged, "uploading a key").is_ok());
}
