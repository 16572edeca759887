//! S3: every window follows the policy; none is hard-coded.

use keyward_domain::model::KeyState;
use keyward_domain::rules::activation::begin_activation;
use keyward_domain::rules::lock::{due_for_deletion, issue_lock_confirmation};
use keyward_domain::rules::unlock::require_unlock_allowed;
use keyward_domain::rules::Risk;
use keyward_domain::{Policy, RefusalCode, Rule};
use time::Duration;

use crate::support::*;

fn short_policy() -> Policy {
    Policy {
        activation_cooldown_seconds: 60,
        lock_grace_seconds: 600,
        unlock_delay_seconds: 30,
        locked_retention_seconds: 7 * 86_400,
        ..Policy::default()
    }
}

#[test]
fn s3_activation_cooldown_follows_the_policy() {
    let mut w = World::protected();
    w.policy = short_policy();
    w.key_mut("k1").activated_at = Some(T0);
    w.add_key("k2", 2, KeyState::Available, T0 - Duration::days(1), None);
    let k2 = key_id("k2");
    let r = begin_activation(
        &w.state(),
        &k2,
        Risk::Acknowledged,
        &w.policy,
        T0 + Duration::seconds(59),
    );
    let refusal = assert_refused(r, RefusalCode::ActivationCooldown, Rule::A3, &["1 minute"]);
    assert_eq!(refusal.allowed_from, Some(T0 + Duration::seconds(60)));
    let r = begin_activation(
        &w.state(),
        &k2,
        Risk::Acknowledged,
        &w.policy,
        T0 + Duration::seconds(60),
    );
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn s3_lock_grace_follows_the_policy() {
    let mut w = World::protected();
    w.policy = short_policy();
    w.key_mut("k1").activated_at = Some(T0);
    let r = issue_lock_confirmation(
        &w.state(),
        CONFIRMATION.into(),
        &w.policy,
        T0 + Duration::seconds(599),
    );
    assert_refused(r, RefusalCode::LockTooSoon, Rule::L2, &["10 minutes"]);
    let r = issue_lock_confirmation(
        &w.state(),
        CONFIRMATION.into(),
        &w.policy,
        T0 + Duration::seconds(600),
    );
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn s3_unlock_delay_and_retention_follow_the_policy() {
    let mut w = World::protected();
    w.policy = short_policy();
    w.locked_at(T0);
    let r = require_unlock_allowed(&w.state(), &w.policy, T0 + Duration::seconds(29));
    assert_refused(r, RefusalCode::UnlockTooSoon, Rule::L6, &["30 seconds"]);
    assert!(require_unlock_allowed(&w.state(), &w.policy, T0 + Duration::seconds(30)).is_ok());
    let week = T0 + Duration::days(7);
    assert!(due_for_deletion(&w.state(), &w.policy, week - Duration::seconds(1)).is_empty());
    assert_eq!(due_for_deletion(&w.state(), &w.policy, week).len(), 2);
}
