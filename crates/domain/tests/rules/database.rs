//! D1–D5 (with L5 on the environments involved).

use keyward_domain::model::{
    Backup, Environment, EnvironmentStatus, EnvironmentType, Protector, TenantRegion,
};
use keyward_domain::rules::database::{
    backup_environment, copy_environment, delete_environment, reset_environment, restore_backup,
};
use keyward_domain::{RefusalCode, RegionName, Rule};

use crate::support::*;

fn backup(w: &World, id: &str) -> Backup {
    w.backups
        .iter()
        .find(|b| b.id.as_str() == id)
        .unwrap()
        .clone()
}

/// An environment like `w`'s `dev` but with another id, tenant, region or protector.
fn other_env(w: &World, id: &str, tenant: &str, region: &str, protector: Protector) -> Environment {
    Environment {
        id: env_id(id),
        scope: TenantRegion {
            tenant: tenant_id(tenant),
            region: RegionName::new(region).unwrap(),
        },
        protector,
        ..w.env("dev").clone()
    }
}

#[test]
fn d1_backup_refused_for_a_locked_environment() {
    let mut w = World::protected();
    w.locked_at(T0);
    let r = backup_environment(w.env("prod"));
    assert_refused(
        r,
        RefusalCode::BackupRefused,
        Rule::D1,
        &["prod", "locked", "unlock"],
    );
}

#[test]
fn d1_any_environment_that_is_not_locked_is_backed_up_under_its_own_protector() {
    let w = World::protected();
    let plan = backup_environment(w.env("prod")).unwrap();
    assert_eq!(plan.protector, tenant_key("k1"));
    assert_eq!(
        backup_environment(w.env("dev")).unwrap().protector,
        Protector::Platform
    );
}

#[test]
fn d2_a_backup_restores_into_its_own_environment() {
    let w = World::protected();
    let t = restore_backup(&backup(&w, "b-prod"), w.env("prod"), w.env("prod")).unwrap();
    assert_eq!(t.target, env_id("prod"));
    assert!(!t.fresh_dek);
}

#[test]
fn d2_a_tenant_protected_backup_restores_into_another_environment_on_the_same_key() {
    let w = World::protected();
    let t = restore_backup(&backup(&w, "b-prod"), w.env("prod"), w.env("sbx")).unwrap();
    assert_eq!(t.protector, tenant_key("k1"));
}

#[test]
fn d2_a_tenant_protected_backup_never_lands_under_another_protector() {
    let w = World::protected();
    let r = restore_backup(&backup(&w, "b-prod"), w.env("prod"), w.env("dev"));
    assert_refused(
        r,
        RefusalCode::RestoreTargetMismatch,
        Rule::D2,
        &["b-prod", "dev"],
    );
}

#[test]
fn d2_a_platform_protected_backup_restores_anywhere_in_the_same_tenant() {
    let w = World::protected();
    let dev = backup(&w, "b-dev");
    let t = restore_backup(&dev, w.env("dev"), w.env("prod")).unwrap();
    assert!(
        t.fresh_dek,
        "platform data landing under a tenant key gets a fresh data key"
    );
    let us = other_env(&w, "us", "contoso", "us-east", Protector::Platform);
    assert!(restore_backup(&dev, w.env("dev"), &us).is_ok());
}

#[test]
fn d2_nothing_is_restored_into_another_tenant() {
    let w = World::protected();
    let theirs = other_env(&w, "theirs", "fabrikam", "eu-west", Protector::Platform);
    let r = restore_backup(&backup(&w, "b-dev"), w.env("dev"), &theirs);
    assert_refused(
        r,
        RefusalCode::RestoreTargetMismatch,
        Rule::D2,
        &["b-dev", "another tenant"],
    );
}

#[test]
fn d2_restore_refused_into_or_from_a_locked_environment() {
    let mut w = World::protected();
    w.locked_at(T0);
    let r = restore_backup(&backup(&w, "b-dev"), w.env("dev"), w.env("prod"));
    assert_refused(r, RefusalCode::EnvironmentLocked, Rule::L5, &["prod"]);
    let r = restore_backup(&backup(&w, "b-sbx"), w.env("sbx"), w.env("dev"));
    assert_refused(r, RefusalCode::EnvironmentLocked, Rule::L5, &["sbx"]);
}

#[test]
fn d3_copy_goes_only_to_an_environment_on_the_same_tenant_key() {
    let w = World::protected();
    let t = copy_environment(w.env("prod"), w.env("sbx")).unwrap();
    assert_eq!(t.target, env_id("sbx"));
    assert!(!t.fresh_dek);
    let r = copy_environment(w.env("prod"), w.env("dev"));
    assert_refused(
        r,
        RefusalCode::CopyTargetMismatch,
        Rule::D3,
        &["prod", "dev"],
    );
}

#[test]
fn d3_a_platform_protected_source_may_go_anywhere_in_the_tenant() {
    let w = World::protected();
    assert!(
        copy_environment(w.env("dev"), w.env("prod"))
            .unwrap()
            .fresh_dek
    );
    let theirs = other_env(&w, "theirs", "fabrikam", "eu-west", Protector::Platform);
    let r = copy_environment(w.env("dev"), &theirs);
    assert_refused(
        r,
        RefusalCode::CopyTargetMismatch,
        Rule::D3,
        &["dev", "another tenant"],
    );
}

#[test]
fn d3_a_support_investigation_environment_must_move_to_the_tenant_key_first() {
    let mut w = World::protected();
    w.add_env(
        "support",
        EnvironmentType::SupportInvestigation,
        Protector::Platform,
    );
    let r = copy_environment(w.env("prod"), w.env("support"));
    let msg = ["support", "prod", "moved to the tenant key"];
    assert_refused(
        r,
        RefusalCode::SupportInvestigationNeedsTenantKey,
        Rule::D3,
        &msg,
    );
    w.env_mut("support").protector = tenant_key("k1");
    assert!(copy_environment(w.env("prod"), w.env("support")).is_ok());
}

#[test]
fn d3_copy_refused_onto_itself_and_for_locked_environments() {
    let mut w = World::protected();
    let r = copy_environment(w.env("prod"), w.env("prod"));
    assert_refused(r, RefusalCode::CopyTargetMismatch, Rule::D3, &["itself"]);
    w.locked_at(T0);
    let r = copy_environment(w.env("prod"), w.env("sbx"));
    assert_refused(r, RefusalCode::EnvironmentLocked, Rule::L5, &["prod"]);
}

#[test]
fn d4_reset_deletes_every_backup_and_returns_to_the_platform_key() {
    let mut w = World::protected();
    w.add_backup("b-prod-2", "prod");
    let plan = reset_environment(&w.state(), &env_id("prod")).unwrap();
    assert_eq!(plan.environment, env_id("prod"));
    assert_eq!(
        plan.backups,
        vec![backup_id("b-prod"), backup_id("b-prod-2")]
    );
    assert_eq!(plan.protector, Protector::Platform);
}

#[test]
fn d4_reset_refused_for_a_locked_environment() {
    let mut w = World::protected();
    w.locked_at(T0);
    let r = reset_environment(&w.state(), &env_id("sbx"));
    assert_refused(r, RefusalCode::EnvironmentLocked, Rule::L5, &["sbx"]);
}

#[test]
fn d5_delete_removes_an_environment_locked_or_not_with_its_backups() {
    let mut w = World::protected();
    let dev = delete_environment(&w.state(), &env_id("dev")).unwrap();
    assert_eq!(dev.backups, vec![backup_id("b-dev")]);
    w.locked_at(T0);
    let prod = delete_environment(&w.state(), &env_id("prod")).unwrap();
    assert_eq!(prod.environment, env_id("prod"));
    assert_eq!(prod.backups, vec![backup_id("b-prod")]);
}

#[test]
fn d5_delete_waits_for_a_running_protector_change() {
    let mut w = World::protected();
    w.env_mut("dev").status = EnvironmentStatus::Offline;
    let r = delete_environment(&w.state(), &env_id("dev"));
    assert_refused(
        r,
        RefusalCode::EnvironmentOffline,
        Rule::E3,
        &["dev", "wait"],
    );
}
