//! A1, A3, A4 (and K6 through activation).

use keyward_domain::model::KeyState;
use keyward_domain::rules::activation::{begin_activation, finish_activation};
use keyward_domain::rules::{KeyChange, Risk};
use keyward_domain::{RefusalCode, Rule};
use time::Duration;

use crate::support::*;

/// The protected world plus `k2`, available, uploaded 10 days before T0.
fn with_second_key() -> World {
    let mut w = World::protected();
    w.add_key("k2", 2, KeyState::Available, T0 - Duration::days(10), None);
    w
}

#[test]
fn a1_activation_moves_the_key_through_installing_to_active_and_demotes_the_previous() {
    let mut w = with_second_key();
    let plan = begin_activation(&w.state(), &key_id("k2"), Risk::Acknowledged, &w.policy, T0);
    let plan = plan.unwrap();
    let installing = KeyChange {
        key: key_id("k2"),
        from: KeyState::Available,
        to: KeyState::Installing,
    };
    assert_eq!(plan.key, installing);
    assert_eq!(plan.previous, Some(key_id("k1")));
    w.apply(&[plan.key]);
    assert_eq!(
        w.key("k1").state,
        KeyState::Active,
        "old key protects until the re-wrap ends"
    );

    let done = finish_activation(&w.state(), &key_id("k2"), T0 + Duration::minutes(5)).unwrap();
    assert_eq!(done.activated_at, T0 + Duration::minutes(5));
    w.apply(&[done.key]);
    w.apply(&done.previous.into_iter().collect::<Vec<_>>());
    assert_eq!(w.key("k2").state, KeyState::Active);
    assert_eq!(w.key("k1").state, KeyState::Available);
}

#[test]
fn a1_activation_lists_every_environment_and_backup_to_rewrap() {
    let w = with_second_key();
    let plan = begin_activation(&w.state(), &key_id("k2"), Risk::Acknowledged, &w.policy, T0);
    let plan = plan.unwrap();
    assert_eq!(
        plan.rewrap_environments,
        vec![env_id("prod"), env_id("sbx")]
    );
    assert_eq!(
        plan.rewrap_backups,
        vec![backup_id("b-prod"), backup_id("b-sbx")]
    );
}

#[test]
fn a1_only_an_available_key_can_be_activated() {
    let w = with_second_key();
    let r = begin_activation(&w.state(), &key_id("k1"), Risk::Acknowledged, &w.policy, T0);
    assert_refused(r, RefusalCode::KeyWrongState, Rule::A1, &["k1", "already"]);
    let r = begin_activation(&w.state(), &key_id("k9"), Risk::Acknowledged, &w.policy, T0);
    assert_refused(r, RefusalCode::UnknownKey, Rule::Domain, &["k9"]);
    let r = finish_activation(&w.state(), &key_id("k2"), T0);
    assert_refused(
        r,
        RefusalCode::KeyWrongState,
        Rule::A1,
        &["k2", "installing"],
    );
}

#[test]
fn a1_k6_a_finished_activation_leaves_exactly_one_active_key() {
    let mut w = with_second_key();
    let plan = begin_activation(&w.state(), &key_id("k2"), Risk::Acknowledged, &w.policy, T0);
    w.apply(&[plan.unwrap().key]);
    let done = finish_activation(&w.state(), &key_id("k2"), T0).unwrap();
    w.apply(&[done.key]);
    w.apply(&done.previous.into_iter().collect::<Vec<_>>());
    let active = w
        .keys
        .iter()
        .filter(|k| k.state == KeyState::Active)
        .count();
    assert_eq!(active, 1);
}

#[test]
fn a3_activation_refused_23h59_after_the_previous_one_and_allowed_at_24h() {
    let mut w = with_second_key();
    w.key_mut("k1").activated_at = Some(T0);
    let early = T0 + Duration::hours(23) + Duration::minutes(59);
    let r = begin_activation(
        &w.state(),
        &key_id("k2"),
        Risk::Acknowledged,
        &w.policy,
        early,
    );
    let refusal = assert_refused(r, RefusalCode::ActivationCooldown, Rule::A3, &["k1"]);
    assert_eq!(refusal.allowed_from, Some(T0 + Duration::hours(24)));
    let last_nanosecond = T0 + Duration::hours(24) - Duration::nanoseconds(1);
    let r = begin_activation(
        &w.state(),
        &key_id("k2"),
        Risk::Acknowledged,
        &w.policy,
        last_nanosecond,
    );
    assert!(r.is_err());
    let on_time = T0 + Duration::hours(24);
    let r = begin_activation(
        &w.state(),
        &key_id("k2"),
        Risk::Acknowledged,
        &w.policy,
        on_time,
    );
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn a3_activation_refusal_says_until_when_and_after_what() {
    let mut w = with_second_key();
    w.key_mut("k1").activated_at = Some(T0);
    let r = begin_activation(&w.state(), &key_id("k2"), Risk::Acknowledged, &w.policy, T0);
    let refusal = assert_refused(r, RefusalCode::ActivationCooldown, Rule::A3, &[]);
    assert!(
        refusal.message.starts_with(
            "activation is refused until 2026-12-02 10:00:00 UTC, 24 hours after key k1 was \
             activated;"
        ),
        "{}",
        refusal.message
    );
}

#[test]
fn a3_the_first_key_arriving_active_starts_the_cooldown() {
    let mut w = with_second_key();
    w.key_mut("k1").activated_at = Some(T0 - Duration::hours(1));
    let r = begin_activation(&w.state(), &key_id("k2"), Risk::Acknowledged, &w.policy, T0);
    let refusal = assert_refused(r, RefusalCode::ActivationCooldown, Rule::A3, &["k1"]);
    assert_eq!(refusal.allowed_from, Some(T0 + Duration::hours(23)));
}

#[test]
fn a4_activation_refusal_names_the_locked_environments() {
    let mut w = with_second_key();
    w.locked_at(T0);
    let at = T0 + Duration::days(5);
    let r = begin_activation(&w.state(), &key_id("k2"), Risk::Acknowledged, &w.policy, at);
    let refusal = assert_refused(
        r,
        RefusalCode::ActivationWhileLocked,
        Rule::A4,
        &["prod, sbx"],
    );
    assert!(refusal
        .message
        .contains("must be unlocked or deleted first"));
    assert!(
        !refusal.message.contains("dev"),
        "platform-protected dev is not locked"
    );
}

#[test]
fn a4_activation_stays_refused_after_the_key_unlock_until_environments_are_unlocked() {
    let mut w = with_second_key();
    w.locked_at(T0);
    w.unlock_key(1, T0 + Duration::hours(1));
    let at = T0 + Duration::days(5);
    let r = begin_activation(&w.state(), &key_id("k2"), Risk::Acknowledged, &w.policy, at);
    assert_refused(
        r,
        RefusalCode::ActivationWhileLocked,
        Rule::A4,
        &["prod", "sbx"],
    );
}
