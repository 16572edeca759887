//! D1–D5: backup, restore, copy, reset and delete, allowed and refused, through the engine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use keyward_domain::model::{AuditOutcome, EnvironmentType, Protector, TenantRegion};
use keyward_domain::EnvironmentId;
use keyward_engine::Value;
use time::Duration;

/// Tenant `contoso` with key A active: two tenant-protected environments, one
/// platform-protected, one `support_investigation`; tenant `globex` with one environment.
struct Fixture {
    h: Harness,
    scope: TenantRegion,
    t1: EnvironmentId,
    t2: EnvironmentId,
    p1: EnvironmentId,
    si: EnvironmentId,
    other_tenant: EnvironmentId,
    t1_data: Snapshot,
    t2_data: Snapshot,
    p1_data: Snapshot,
}

fn fixture() -> Fixture {
    let h = Harness::new();
    let scope = h.tenant("contoso");
    h.upload(&scope, &key_a());
    let t1 = h.tenant_environment(&scope, "t1");
    let t2 = h.tenant_environment(&scope, "t2");
    let p1 = h.environment(&scope, "p1", EnvironmentType::Developer);
    let si = h.environment(&scope, "si", EnvironmentType::SupportInvestigation);
    let globex = h.tenant("globex");
    let other_tenant = h.environment(&globex, "g1", EnvironmentType::Sandbox);
    let t1_data = h.seed(&t1, "t1");
    let t2_data = h.seed(&t2, "t2");
    let p1_data = h.seed(&p1, "p1");
    h.seed(&si, "si");
    h.seed(&other_tenant, "globex");
    Fixture {
        h,
        scope,
        t1,
        t2,
        p1,
        si,
        other_tenant,
        t1_data,
        t2_data,
        p1_data,
    }
}

#[test]
fn d1_d2_restore_into_the_same_environment_and_into_another_under_the_same_tenant_key() {
    let f = fixture();
    let h = &f.h;
    let backup = h.engine.backup(ADMIN, &f.t1).unwrap();
    assert_eq!(backup.protector, h.env(&f.t1).protector);
    h.sql(&f.t1, "DELETE FROM t WHERE id < 3");
    h.engine.delete_file(ADMIN, &f.t1, "doc.txt").unwrap();

    h.engine.restore(ADMIN, &backup.id, &f.t1).unwrap();
    assert_eq!(h.snapshot(&f.t1), f.t1_data);
    h.engine.restore(ADMIN, &backup.id, &f.t2).unwrap();
    assert_eq!(h.snapshot(&f.t2), f.t1_data);

    // A platform-protected backup may go to any environment of its tenant.
    let platform = h.engine.backup(ADMIN, &f.p1).unwrap();
    assert_eq!(platform.protector, Protector::Platform);
    h.engine.restore(ADMIN, &platform.id, &f.t2).unwrap();
    assert_eq!(h.snapshot(&f.t2), f.p1_data);

    let events = h.audit();
    assert!(audited(
        &events,
        "environment.backup",
        f.t1.as_str(),
        &AuditOutcome::Allowed
    ));
    assert!(audited(
        &events,
        "environment.restore",
        f.t2.as_str(),
        &AuditOutcome::Allowed
    ));
}

#[test]
fn d2_a_tenant_protected_backup_is_refused_into_another_protector_or_tenant() {
    let f = fixture();
    let h = &f.h;
    let backup = h.engine.backup(ADMIN, &f.t1).unwrap();
    let platform = h.engine.backup(ADMIN, &f.p1).unwrap();

    let err = assert_code(
        h.engine.restore(ADMIN, &backup.id, &f.p1),
        "restore_target_mismatch",
    );
    assert_eq!(err.rule().map(|r| r.id()), Some("D2"));
    assert_eq!(h.snapshot(&f.p1), f.p1_data);
    let other = f.other_tenant.clone();
    assert_code(
        h.engine.restore(ADMIN, &backup.id, &other),
        "restore_target_mismatch",
    );
    assert_code(
        h.engine.restore(ADMIN, &platform.id, &other),
        "restore_target_mismatch",
    );
    assert_code(h.engine.copy(ADMIN, &f.p1, &other), "copy_target_mismatch");
    assert_code(h.engine.copy(ADMIN, &f.t1, &f.p1), "copy_target_mismatch");
    assert_eq!(
        h.rows(&other, "SELECT note FROM t WHERE id = 0")[0][0],
        Value::Text("globex row 0".into())
    );

    let events = h.audit();
    let code = refused("restore_target_mismatch");
    assert!(audited(
        &events,
        "environment.restore",
        f.p1.as_str(),
        &code
    ));
    assert!(audited(
        &events,
        "environment.restore",
        other.as_str(),
        &code
    ));
    assert!(audited(
        &events,
        "environment.copy",
        f.p1.as_str(),
        &refused("copy_target_mismatch")
    ));
}

#[test]
fn d3_a_support_investigation_environment_receives_a_copy_only_under_the_tenant_key() {
    let f = fixture();
    let h = &f.h;
    let refused_copy = h.engine.copy(ADMIN, &f.t1, &f.si);
    let err = assert_code(refused_copy, "support_investigation_needs_tenant_key");
    assert_eq!(err.rule().map(|r| r.id()), Some("D3"));
    assert_eq!(
        h.rows(&f.si, "SELECT note FROM t WHERE id = 0")[0][0],
        Value::Text("si row 0".into())
    );

    h.apply_key(&f.si);
    h.engine.copy(ADMIN, &f.t1, &f.si).unwrap();
    assert_eq!(h.snapshot(&f.si), f.t1_data);
    // A platform-protected source may go anywhere in the tenant.
    h.engine.copy(ADMIN, &f.p1, &f.t2).unwrap();
    assert_eq!(h.snapshot(&f.t2), f.p1_data);
    assert_eq!(h.snapshot(&f.t1), f.t1_data, "the source is unchanged");

    let events = h.audit();
    let code = refused("support_investigation_needs_tenant_key");
    assert!(audited(&events, "environment.copy", f.si.as_str(), &code));
    assert!(audited(
        &events,
        "environment.copy",
        f.si.as_str(),
        &AuditOutcome::Allowed
    ));
    // No transit file is left behind.
    let leftovers: Vec<_> = all_files(&h.root().join("backups"))
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".copy")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn d4_reset_deletes_data_and_backups_and_returns_to_the_platform_key() {
    let f = fixture();
    let h = &f.h;
    let backups = [
        h.engine.backup(ADMIN, &f.t1).unwrap(),
        h.engine.backup(ADMIN, &f.t1).unwrap(),
    ];
    let old_files = h.env_files(&f.t1);

    let reset = h.engine.reset(ADMIN, &f.t1).unwrap();
    assert_eq!(reset.protector, Protector::Platform);
    assert_eq!(h.env(&f.t1).protector, Protector::Platform);
    assert!(h.engine.backups(&f.t1).unwrap().is_empty());
    for backup in &backups {
        assert!(!h.engine.layout().backup_file(&backup.id).exists());
        assert!(!h
            .data_keys()
            .iter()
            .any(|r| r.owner == format!("backup:{}", backup.id)));
        assert_code(h.engine.restore(ADMIN, &backup.id, &f.t1), "not_found");
    }
    for file in old_files {
        assert!(!file.exists(), "{} survived the reset", file.display());
    }
    assert_eq!(
        h.data_key(&format!("environment:{}", f.t1)).protector,
        Protector::Platform
    );
    assert!(h.engine.list_files(ADMIN, &f.t1).unwrap().is_empty());
    assert_code(
        h.engine.sql(ADMIN, &f.t1, "SELECT * FROM t", &[]),
        "statement_failed",
    );
    h.sql(&f.t1, "CREATE TABLE fresh (x)");
    assert!(audited(
        &h.audit(),
        "environment.reset",
        f.t1.as_str(),
        &AuditOutcome::Allowed
    ));
    assert_eq!(
        h.snapshot(&f.t2),
        f.t2_data,
        "other environments are untouched"
    );
}

#[test]
fn d1_d5_a_locked_environment_refuses_backup_and_can_be_deleted_with_its_files() {
    let f = fixture();
    let h = &f.h;
    let backup = h.engine.backup(ADMIN, &f.t1).unwrap();
    h.advance(Duration::hours(72));
    h.lock(&f.scope, &key_a());

    assert_code(h.engine.backup(ADMIN, &f.t1), "environment_locked");
    assert_code(h.engine.reset(ADMIN, &f.t1), "environment_locked");
    let files = h.env_files(&f.t1);
    assert!(!files.is_empty());

    h.engine.delete_environment(ADMIN, &f.t1).unwrap();
    assert_code(h.engine.environment(&f.t1), "not_found");
    for file in files {
        assert!(!file.exists(), "{} survived the delete", file.display());
    }
    assert!(!h.engine.layout().backup_file(&backup.id).exists());
    let owners = [
        format!("environment:{}", f.t1),
        format!("backup:{}", backup.id),
    ];
    assert!(!h.data_keys().iter().any(|r| owners.contains(&r.owner)));
    // An unlocked environment is deleted the same way.
    h.engine.delete_environment(ADMIN, &f.p1).unwrap();
    assert!(h.env_files(&f.p1).is_empty());

    let events = h.audit();
    assert!(audited(
        &events,
        "environment.backup",
        f.t1.as_str(),
        &refused("environment_locked")
    ));
    assert!(audited(
        &events,
        "environment.delete",
        f.t1.as_str(),
        &AuditOutcome::Allowed
    ));
    h.assert_audit_verifies();
}

#[test]
fn d3_a_copy_interrupted_by_a_crash_leaves_no_transit_file_after_a_restart() {
    let mut h = Harness::new();
    let debris = h.root().join("backups/.copy-tmp-interrupted.db");
    std::fs::write(&debris, b"encrypted under a key that is gone").unwrap();
    h.restart();
    assert!(!debris.exists());
}
