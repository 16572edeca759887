//! L7: a locked environment not unlocked within 28 days is deleted with its backups and
//! files, at exactly 28 days and not a second earlier.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use keyward_domain::model::{AuditOutcome, EnvironmentType};
use time::Duration;

#[test]
fn l7_a_locked_environment_is_purged_with_its_backups_at_exactly_28_days() {
    let h = Harness::new();
    let scope = h.tenant("contoso");
    h.upload(&scope, &key_a());
    let locked = h.tenant_environment(&scope, "locked");
    let platform = h.environment(&scope, "platform", EnvironmentType::Sandbox);
    let bystander_scope = h.tenant("globex");
    let bystander = h.environment(&bystander_scope, "other", EnvironmentType::Sandbox);
    h.seed(&locked, "locked");
    let platform_data = h.seed(&platform, "platform");
    let bystander_data = h.seed(&bystander, "bystander");
    let backups = [
        h.engine.backup(ADMIN, &locked).unwrap().id,
        h.engine.backup(ADMIN, &locked).unwrap().id,
    ];
    let platform_backup = h.engine.backup(ADMIN, &platform).unwrap().id;
    h.advance(Duration::hours(72));
    h.lock(&scope, &key_a());
    let files = h.env_files(&locked);
    assert!(!files.is_empty());

    h.advance(Duration::days(28) - Duration::seconds(1));
    assert!(
        h.engine.start_retention_purge().unwrap().is_empty(),
        "purged a second early"
    );
    assert!(h.env(&locked).is_locked());

    h.advance(Duration::seconds(1));
    let jobs = h.engine.start_retention_purge().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].scope, scope);
    let job = h.engine.run_job(&jobs[0].id).unwrap();
    assert_succeeded(&job);
    assert_eq!(job.done, 1);

    assert_code(h.engine.environment(&locked), "not_found");
    for file in files {
        assert!(!file.exists(), "{} survived retention", file.display());
    }
    for backup in &backups {
        assert!(!h.engine.layout().backup_file(backup).exists());
    }
    let gone = |owner: &str| !h.data_keys().iter().any(|r| r.owner == owner);
    assert!(gone(&format!("environment:{locked}")));
    assert!(backups.iter().all(|b| gone(&format!("backup:{b}"))));

    // Nothing else is touched, and a second run finds nothing.
    assert_eq!(h.snapshot(&platform), platform_data);
    assert_eq!(h.snapshot(&bystander), bystander_data);
    assert!(h.engine.layout().backup_file(&platform_backup).exists());
    assert!(h.engine.start_retention_purge().unwrap().is_empty());

    // One audit event per purged environment, naming it.
    let events = h.audit();
    let purges: Vec<_> = events
        .iter()
        .filter(|e| e.action == "environment.purge")
        .collect();
    assert_eq!(purges.len(), 1, "{purges:?}");
    assert_eq!(purges[0].target, locked.as_str());
    assert_eq!(purges[0].outcome, AuditOutcome::Allowed);
    h.assert_audit_verifies();
}
