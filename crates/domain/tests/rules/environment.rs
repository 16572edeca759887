//! E1–E4.

use keyward_domain::model::{EnvironmentStatus, EnvironmentType, KeyState, Protector, Storage};
use keyward_domain::rules::environment::{
    apply_tenant_key, create_environment, return_to_platform_key, storage_for_new_environment,
    NewEnvironment,
};
use keyward_domain::{RefusalCode, RegionName, Rule};
use time::Duration;

use crate::support::*;

fn new_env(id: &str, region: &str) -> NewEnvironment {
    NewEnvironment {
        id: env_id(id),
        region: RegionName::new(region).unwrap(),
        name: id.to_owned(),
        env_type: EnvironmentType::Sandbox,
    }
}

#[test]
fn e1_environments_created_before_the_feature_was_enabled_use_legacy_storage() {
    let mut w = World::empty();
    let enabled = T0 - Duration::days(90);
    let just_before = enabled - Duration::nanoseconds(1);
    assert_eq!(
        storage_for_new_environment(&w.tenant, just_before),
        Storage::Legacy
    );
    assert_eq!(
        storage_for_new_environment(&w.tenant, enabled),
        Storage::Modern
    );
    assert_eq!(storage_for_new_environment(&w.tenant, T0), Storage::Modern);
    w.tenant.feature_enabled_at = None;
    assert_eq!(storage_for_new_environment(&w.tenant, T0), Storage::Legacy);
}

#[test]
fn e1_a_legacy_environment_can_never_use_a_tenant_key() {
    let mut w = World::protected();
    w.env_mut("dev").storage = Storage::Legacy;
    let r = apply_tenant_key(&w.state(), &env_id("dev"));
    let refusal = assert_refused(r, RefusalCode::LegacyStorage, Rule::E1, &["dev", "legacy"]);
    assert!(refusal.message.contains("never"));
}

#[test]
fn e2_new_environments_are_protected_by_the_platform_key_and_online() {
    let w = World::protected();
    let env = create_environment(&w.tenant, new_env("new", "eu-west"), T0).unwrap();
    assert_eq!(env.protector, Protector::Platform);
    assert_eq!(env.status, EnvironmentStatus::Online);
    assert_eq!(env.storage, Storage::Modern);
    assert_eq!(env.scope, w.scope());
    assert_eq!(env.created_at, T0);
}

#[test]
fn e2_environments_are_created_only_in_the_tenants_regions() {
    let w = World::protected();
    let r = create_environment(&w.tenant, new_env("new", "us-east"), T0);
    assert_refused(
        r,
        RefusalCode::UnknownRegion,
        Rule::Domain,
        &["us-east", "contoso"],
    );
}

#[test]
fn e3_apply_key_moves_the_environment_to_the_active_key_offline_under_a_fresh_dek() {
    let w = World::protected();
    let change = apply_tenant_key(&w.state(), &env_id("dev")).unwrap();
    assert_eq!(change.environment, env_id("dev"));
    assert_eq!(change.from, Protector::Platform);
    assert_eq!(change.to, tenant_key("k1"));
    assert!(change.offline, "E3: offline while re-encrypted");
    assert!(change.fresh_dek);
    assert_eq!(
        change.backups,
        vec![backup_id("b-dev")],
        "backups are re-wrapped"
    );
}

#[test]
fn e3_apply_key_refused_when_it_cannot_apply() {
    let mut w = World::protected();
    let r = apply_tenant_key(&w.state(), &env_id("prod"));
    assert_refused(r, RefusalCode::AlreadyTenantProtected, Rule::E3, &["prod"]);
    w.env_mut("dev").status = EnvironmentStatus::Offline;
    let r = apply_tenant_key(&w.state(), &env_id("dev"));
    assert_refused(
        r,
        RefusalCode::EnvironmentOffline,
        Rule::E3,
        &["dev", "wait"],
    );
    w.env_mut("dev").status = EnvironmentStatus::Online;
    w.key_mut("k1").state = KeyState::Available;
    let r = apply_tenant_key(&w.state(), &env_id("dev"));
    assert_refused(
        r,
        RefusalCode::NoActiveKey,
        Rule::E3,
        &["contoso/eu-west", "upload"],
    );
    let r = apply_tenant_key(&w.state(), &env_id("nope"));
    assert_refused(r, RefusalCode::UnknownEnvironment, Rule::Domain, &["nope"]);
}

#[test]
fn e3_apply_key_refused_while_a_key_is_being_installed() {
    let mut w = World::protected();
    w.add_key("k2", 2, KeyState::Installing, T0, None);
    let r = apply_tenant_key(&w.state(), &env_id("dev"));
    assert_refused(
        r,
        RefusalCode::KeyInstalling,
        Rule::K6,
        &["k2", "applying the tenant key"],
    );
}

#[test]
fn e3_apply_key_refused_for_a_locked_environment() {
    let mut w = World::protected();
    w.env_mut("dev").status = EnvironmentStatus::Locked { since: T0 };
    let r = apply_tenant_key(&w.state(), &env_id("dev"));
    assert_refused(r, RefusalCode::EnvironmentLocked, Rule::L5, &["dev"]);
}

#[test]
fn e4_returning_a_production_environment_requires_its_typed_name() {
    let w = World::protected();
    let prod = env_id("prod");
    for typed in [None, Some("payroll"), Some("Payroll "), Some("prod")] {
        let r = return_to_platform_key(&w.state(), &prod, typed);
        let msg = ["prod", "\"Payroll\"", "production"];
        assert_refused(r, RefusalCode::ConfirmationNameMismatch, Rule::E4, &msg);
    }
    let change = return_to_platform_key(&w.state(), &prod, Some("Payroll")).unwrap();
    assert_eq!(change.from, tenant_key("k1"));
    assert_eq!(change.to, Protector::Platform);
    assert!(
        !change.offline,
        "E4 re-wraps only: the environment stays online"
    );
    assert_eq!(change.backups, vec![backup_id("b-prod")]);
}

#[test]
fn e4_returning_a_non_production_environment_needs_no_name() {
    let w = World::protected();
    let change = return_to_platform_key(&w.state(), &env_id("sbx"), None).unwrap();
    assert_eq!(change.to, Protector::Platform);
}

#[test]
fn e4_return_refused_for_an_environment_already_on_the_platform_key() {
    let w = World::protected();
    let r = return_to_platform_key(&w.state(), &env_id("dev"), Some("dev"));
    assert_refused(r, RefusalCode::AlreadyPlatformProtected, Rule::E4, &["dev"]);
}

#[test]
fn e4_return_refused_for_a_locked_environment() {
    let mut w = World::protected();
    w.locked_at(T0);
    let r = return_to_platform_key(&w.state(), &env_id("sbx"), None);
    assert_refused(
        r,
        RefusalCode::EnvironmentLocked,
        Rule::L5,
        &["sbx", "unlock"],
    );
}
