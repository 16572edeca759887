//! K5–K8, and the feature switch that comes before every key operation.

use keyward_domain::model::{KeyOrigin, KeyState};
use keyward_domain::rules::activation::begin_activation;
use keyward_domain::rules::keys::{admit_key, may_add_key, NewKey};
use keyward_domain::rules::lock::{request_lock, LockRequest};
use keyward_domain::rules::tenant::enable_feature;
use keyward_domain::rules::unlock::begin_key_unlock;
use keyward_domain::rules::Risk;
use keyward_domain::{RefusalCode, Rule};
use time::Duration;

use crate::support::*;

fn new_key(id: &str, n: u8, origin: KeyOrigin) -> NewKey {
    NewKey {
        id: key_id(id),
        fingerprint: fp(n),
        origin,
    }
}

#[test]
fn k5_first_uploaded_key_of_a_region_arrives_active() {
    let w = World::empty();
    let key = admit_key(
        &w.state(),
        new_key("k1", 1, KeyOrigin::Pkcs12),
        Risk::Acknowledged,
        T0,
    );
    let key = key.unwrap();
    assert_eq!(key.state, KeyState::Active);
    assert_eq!(key.activated_at, Some(T0));
    assert_eq!(key.created_at, T0);
    assert_eq!(key.scope, w.scope());
}

#[test]
fn k5_first_generated_key_of_a_region_arrives_active() {
    let w = World::empty();
    let new = new_key("k1", 1, KeyOrigin::Generated);
    let key = admit_key(&w.state(), new, Risk::Acknowledged, T0).unwrap();
    assert_eq!(key.state, KeyState::Active);
}

#[test]
fn k5_later_keys_arrive_available_and_need_an_explicit_activation() {
    let w = World::protected();
    for origin in [KeyOrigin::Generated, KeyOrigin::Pkcs12, KeyOrigin::Byok] {
        let key = admit_key(&w.state(), new_key("k2", 2, origin), Risk::Acknowledged, T0);
        let key = key.unwrap();
        assert_eq!(key.state, KeyState::Available);
        assert_eq!(key.activated_at, None);
    }
}

#[test]
fn the_same_key_cannot_be_added_twice_to_a_region() {
    let w = World::protected();
    let existing = w.state().active_key().unwrap().clone();
    let again = NewKey {
        id: key_id("k9"),
        fingerprint: existing.fingerprint,
        origin: KeyOrigin::Pkcs12,
    };
    let refusal = admit_key(&w.state(), again, Risk::Acknowledged, T0).unwrap_err();
    assert_eq!(refusal.code, RefusalCode::KeyAlreadyPresent);
    assert!(
        refusal.message.contains(existing.id.as_str()),
        "{}",
        refusal.message
    );
}

#[test]
fn k5_key_after_a_lock_whose_environments_were_all_deleted_arrives_active() {
    let mut w = World::protected();
    w.locked_at(T0);
    w.environments.retain(|e| !e.is_locked());
    let new = new_key("k2", 2, KeyOrigin::Pkcs12);
    let key = admit_key(&w.state(), new, Risk::Acknowledged, T0 + Duration::days(1));
    assert_eq!(key.unwrap().state, KeyState::Active);
}

#[test]
fn k6_activation_refused_while_another_key_is_installing() {
    let mut w = World::protected();
    let long_ago = T0 - Duration::days(10);
    w.add_key("k2", 2, KeyState::Installing, long_ago, None);
    w.add_key("k3", 3, KeyState::Available, long_ago, None);
    let r = begin_activation(&w.state(), &key_id("k3"), Risk::Acknowledged, &w.policy, T0);
    assert_refused(
        r,
        RefusalCode::KeyInstalling,
        Rule::K6,
        &["k2", "contoso/eu-west"],
    );
}

#[test]
fn k6_a_region_never_has_two_usable_keys_after_an_unlock() {
    // A lock that held no environment leaves K7 lifted: a new key arrives active, so the
    // locked one may not come back beside it.
    let mut w = World::empty();
    let long_ago = T0 - Duration::days(30);
    w.add_key("k1", 1, KeyState::Active, long_ago, Some(long_ago));
    w.locked_at(T0);
    w.add_key("k2", 2, KeyState::Active, T0, Some(T0));
    let at = T0 + Duration::hours(2);
    let r = begin_key_unlock(&w.state(), &fp(1), Risk::Acknowledged, &w.policy, at);
    assert_refused(r, RefusalCode::AnotherKeyActive, Rule::K6, &["k2"]);
}

#[test]
fn k7_key_upload_refused_while_an_environment_is_locked() {
    let mut w = World::protected();
    w.locked_at(T0);
    let new = new_key("k2", 2, KeyOrigin::Pkcs12);
    let r = admit_key(&w.state(), new, Risk::Acknowledged, T0 + Duration::days(3));
    let refusal = assert_refused(
        r,
        RefusalCode::KeyOperationsFrozen,
        Rule::K7,
        &["prod", "sbx"],
    );
    assert!(refusal.message.starts_with("uploading a key"));
    assert!(refusal.message.contains("unlock or delete"));
}

#[test]
fn k7_key_generation_refused_while_an_environment_is_locked() {
    let mut w = World::protected();
    w.locked_at(T0);
    let r = may_add_key(&w.state(), Risk::Acknowledged, "generating a key");
    assert_refused(
        r,
        RefusalCode::KeyOperationsFrozen,
        Rule::K7,
        &["generating", "prod"],
    );
}

#[test]
fn k7_key_operations_refused_while_the_lock_job_runs_even_with_nothing_locked() {
    let mut w = World::empty();
    let long_ago = T0 - Duration::days(30);
    w.add_key("k1", 1, KeyState::Active, long_ago, Some(long_ago));
    w.lock_at(T0);
    let r = may_add_key(&w.state(), Risk::Acknowledged, "uploading a key");
    assert_refused(
        r,
        RefusalCode::KeyOperationsFrozen,
        Rule::K7,
        &["lock", "running"],
    );
}

#[test]
fn k8_every_mutating_key_operation_needs_the_risk_acknowledged() {
    let mut w = World::protected();
    let long_ago = T0 - Duration::days(10);
    w.add_key("k2", 2, KeyState::Available, long_ago, None);
    let no = Risk::NotAcknowledged;
    let code = RefusalCode::RiskNotAcknowledged;
    let upload = admit_key(&w.state(), new_key("k3", 3, KeyOrigin::Byok), no, T0);
    assert_refused(
        upload,
        code,
        Rule::K8,
        &["uploading a key", "acknowledge_risk"],
    );
    let generate = admit_key(&w.state(), new_key("k3", 3, KeyOrigin::Generated), no, T0);
    assert_refused(generate, code, Rule::K8, &["generating a key", "--yes"]);
    let activate = begin_activation(&w.state(), &key_id("k2"), no, &w.policy, T0);
    assert_refused(activate, code, Rule::K8, &["activating a key"]);
    w.issue_lock(T0);
    let presented = fp(1);
    let request = LockRequest {
        presented: &presented,
        confirmation: CONFIRMATION,
        risk: no,
    };
    let lock = request_lock(&w.state(), &request, &w.policy, T0);
    assert_refused(lock, code, Rule::K8, &["locking"]);
    w.locked_at(T0);
    let unlock = begin_key_unlock(&w.state(), &fp(1), no, &w.policy, T0 + Duration::hours(2));
    assert_refused(unlock, code, Rule::K8, &["unlocking a key"]);
}

#[test]
fn k8_acknowledgement_maps_from_the_api_flag() {
    assert_eq!(Risk::from(true), Risk::Acknowledged);
    assert_eq!(Risk::from(false), Risk::NotAcknowledged);
}

#[test]
fn feature_not_enabled_refuses_key_operations_before_anything_else() {
    let mut w = World::empty();
    w.tenant.feature_enabled_at = None;
    let new = new_key("k1", 1, KeyOrigin::Pkcs12);
    let r = admit_key(&w.state(), new, Risk::NotAcknowledged, T0);
    let refusal = assert_refused(
        r,
        RefusalCode::FeatureNotEnabled,
        Rule::Domain,
        &["contoso"],
    );
    assert!(refusal.message.contains("operator"));
}

#[test]
fn key_operations_refused_in_a_region_the_tenant_does_not_have() {
    let mut w = World::empty();
    w.tenant.regions.clear();
    let r = may_add_key(&w.state(), Risk::Acknowledged, "uploading a key");
    assert_refused(r, RefusalCode::UnknownRegion, Rule::Domain, &["eu-west"]);
}

#[test]
fn feature_enabling_records_the_first_instant_and_never_moves_it() {
    let mut w = World::empty();
    let first = w.tenant.feature_enabled_at.unwrap();
    assert_eq!(
        enable_feature(&w.tenant, T0),
        first,
        "enabling again keeps E1's instant"
    );
    w.tenant.feature_enabled_at = None;
    assert_eq!(enable_feature(&w.tenant, T0), T0);
}
