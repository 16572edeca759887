//! Crash injection: each multi-step job is stopped at a named step as if the process were
//! killed, a new engine opens the same data directory, every environment still holds its
//! committed data, and `resume_jobs` finishes the job to the right final state.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use keyward_domain::model::{EnvironmentStatus, EnvironmentType, JobState, KeyState, Protector};
use keyward_domain::EnvironmentId;
use keyward_engine::EngineError;
use keyward_storage::EnvironmentDb;
use keyward_vault::Vault;
use time::Duration;

fn assert_crashed_at<T: std::fmt::Debug>(result: Result<T, EngineError>, step: &str) {
    match result {
        Err(EngineError::InjectedCrash(at)) => assert_eq!(at, step),
        other => panic!("expected an injected crash at {step}, got {other:?}"),
    }
}

fn key_state(
    h: &Harness,
    scope: &keyward_domain::model::TenantRegion,
    id: &keyward_domain::KeyId,
) -> KeyState {
    let keys = h.engine.keys(scope).unwrap();
    keys.iter().find(|k| &k.id == id).unwrap().state
}

#[test]
fn a2_activation_crashed_after_a_batch_is_finished_by_resume_after_restart() {
    let h = Harness::new();
    let scope = h.tenant("northwind");
    let old = h.upload(&scope, &key_a());
    let new = h.upload(&scope, &key_b());
    let envs: Vec<EnvironmentId> = (0..5)
        .map(|i| h.tenant_environment(&scope, &format!("t{i}")))
        .collect();
    let platform = h.environment(&scope, "p", EnvironmentType::Trial);
    let mut expected = Vec::new();
    for (i, env) in envs.iter().chain([&platform]).enumerate() {
        expected.push(h.seed(env, &format!("env {i}")));
    }
    // 5 environments and 65 backups: more than one re-wrap batch of 64.
    for env in &envs {
        for _ in 0..13 {
            h.engine.backup(ADMIN, env).unwrap();
        }
    }
    h.advance(Duration::hours(24));
    let job = h.engine.activate_key(ADMIN, &scope, &new.id, ACK).unwrap();
    h.engine.inject_crash_at(Some("activation.after_batch"));
    assert_crashed_at(h.engine.run_job(&job.id), "activation.after_batch");

    let tenant_rows: Vec<_> = h
        .data_keys()
        .into_iter()
        .filter(|r| r.protector.is_tenant())
        .collect();
    let moved = tenant_rows
        .iter()
        .filter(|r| r.protector == under(&new))
        .count();
    assert!(
        moved > 0 && moved < tenant_rows.len(),
        "crash left {moved} of {}",
        tenant_rows.len()
    );

    let h = h.crash_and_reopen();
    for (env, snapshot) in envs.iter().chain([&platform]).zip(&expected) {
        assert_eq!(&h.snapshot(env), snapshot, "{env} after the crash");
    }
    assert_eq!(key_state(&h, &scope, &new.id), KeyState::Installing);

    assert_eq!(h.engine.resume_jobs().unwrap(), 1);
    assert_succeeded(&h.engine.job(&job.id).unwrap());
    assert_eq!(key_state(&h, &scope, &new.id), KeyState::Active);
    assert_eq!(key_state(&h, &scope, &old.id), KeyState::Available);
    for row in h
        .data_keys()
        .into_iter()
        .filter(|r| r.owner != format!("environment:{platform}"))
    {
        assert_eq!(row.protector, under(&new), "{}", row.owner);
    }
    for (env, snapshot) in envs.iter().chain([&platform]).zip(&expected) {
        assert_eq!(&h.snapshot(env), snapshot, "{env} after resuming");
    }
    let backup = h.engine.backups(&envs[4]).unwrap().pop().unwrap();
    assert_eq!(backup.protector, under(&new));
    h.sql(&envs[4], "DELETE FROM t");
    h.engine.restore(ADMIN, &backup.id, &envs[4]).unwrap();
    assert_eq!(h.snapshot(&envs[4]), expected[4]);
    h.assert_audit_verifies();
}

#[test]
fn e3_apply_key_crashed_before_the_switch_stays_offline_and_intact_until_resumed() {
    let h = Harness::new();
    let scope = h.tenant("adventureworks");
    let key = h.upload(&scope, &key_a());
    let env = h.environment(&scope, "orders", EnvironmentType::Production);
    let other = h.environment(&scope, "other", EnvironmentType::Sandbox);
    let expected = h.seed(&env, "orders");
    let other_expected = h.seed(&other, "other");
    let backups = [
        h.engine.backup(ADMIN, &env).unwrap().id,
        h.engine.backup(ADMIN, &env).unwrap().id,
    ];
    let env_owner = format!("environment:{env}");
    let old_dek = h.unwrap_platform(&h.data_key(&env_owner));
    let old_file = h.env_file(&env);
    let old_backup_rows: Vec<_> = backups
        .iter()
        .map(|b| h.data_key(&format!("backup:{b}")))
        .collect();

    let job = h.engine.apply_tenant_key(ADMIN, &env).unwrap();
    h.engine
        .inject_crash_at(Some("protector_change.before_switch"));
    assert_crashed_at(h.engine.run_job(&job.id), "protector_change.before_switch");

    let h = h.crash_and_reopen();
    // Offline until the job is resumed; the committed generation is intact.
    assert_eq!(h.env(&env).status, EnvironmentStatus::Offline);
    assert_code(
        h.engine.sql(ADMIN, &env, "SELECT 1", &[]),
        "environment_offline",
    );
    assert_code(h.engine.backup(ADMIN, &env), "environment_offline");
    assert_eq!(h.env_file(&env), old_file);
    assert!(
        h.engine.layout().environment_file(&env, 1).exists(),
        "no debris: crashed too early"
    );
    let db = EnvironmentDb::open(&old_file, &old_dek).unwrap();
    let rows = db
        .execute("SELECT id, note FROM t ORDER BY id", &[])
        .unwrap()
        .rows;
    assert_eq!(rows, expected.rows);
    db.close().unwrap();
    assert_eq!(h.snapshot(&other), other_expected);

    assert_eq!(h.engine.resume_jobs().unwrap(), 1);
    assert_succeeded(&h.engine.job(&job.id).unwrap());
    let moved = h.env(&env);
    assert_eq!(moved.status, EnvironmentStatus::Online);
    assert_eq!(moved.protector, under(&key));
    let row = h.data_key(&env_owner);
    assert_eq!((row.protector.clone(), row.generation), (under(&key), 1));
    // Fresh DEK in a new generation; the old generation's files are gone.
    assert!(!old_file.exists());
    assert_eq!(h.env_files(&env), vec![h.env_file(&env)]);
    assert!(!opens_with(&h.env_file(&env), &old_dek));
    assert_eq!(h.snapshot(&env), expected);
    // Old platform-wrapped backup DEKs are replaced by tenant-wrapped ones.
    let vault = h.vault();
    for (backup, old_row) in backups.iter().zip(&old_backup_rows) {
        let row = h.data_key(&format!("backup:{backup}"));
        assert_eq!(row.protector, under(&key));
        assert_ne!(row.wrapped, old_row.wrapped);
        assert!(vault.unwrap_with_root(&row.owner, &row.wrapped).is_err());
        h.engine.restore(ADMIN, backup, &env).unwrap();
    }
    assert_eq!(h.snapshot(&env), expected);
    h.assert_audit_verifies();
}

#[test]
fn l3_lock_crashed_after_destroying_a_key_is_finished_by_resume_after_restart() {
    let h = Harness::new();
    let scope = h.tenant("litware");
    let active = h.upload(&scope, &key_a());
    let available = h.upload(&scope, &key_b());
    let env = h.tenant_environment(&scope, "ledger");
    let platform = h.environment(&scope, "public", EnvironmentType::Default);
    let expected = h.seed(&env, "ledger");
    let platform_expected = h.seed(&platform, "public");
    h.advance(Duration::hours(72));
    let job = h.start_lock(&scope, &key_a());
    h.engine.inject_crash_at(Some("lock.after_destroy"));
    assert_crashed_at(h.engine.run_job(&job.id), "lock.after_destroy");

    let h = h.crash_and_reopen();
    assert!(h.env(&env).is_locked());
    assert_code(
        h.engine.sql(ADMIN, &env, "SELECT 1", &[]),
        "environment_locked",
    );
    assert_eq!(h.snapshot(&platform), platform_expected);
    // L6: no unlock while the lock job has not finished.
    h.advance(Duration::hours(2));
    let key = key_a();
    let early = h
        .engine
        .unlock_key(ADMIN, &scope, &key.bytes, Some(&key.password()), ACK);
    assert_code(early, "lock_in_progress");

    assert_eq!(h.engine.resume_jobs().unwrap(), 1);
    assert_succeeded(&h.engine.job(&job.id).unwrap());
    for key in [&active, &available] {
        assert!(!h.sealed_key_path(key).exists(), "{} still sealed", key.id);
    }
    assert_eq!(key_state(&h, &scope, &active.id), KeyState::Locked);
    assert_eq!(key_state(&h, &scope, &available.id), KeyState::Deleted);

    h.unlock_key(&scope, &key_a());
    h.engine.unlock_environment(ADMIN, &scope, &env).unwrap();
    assert_eq!(h.snapshot(&env), expected);
}

#[test]
fn u1_unlock_crashed_before_sealing_returns_the_key_to_locked_and_a_new_upload_works() {
    let h = Harness::new();
    let scope = h.tenant("tailspin");
    let key = h.upload(&scope, &key_a());
    let env = h.tenant_environment(&scope, "flights");
    let expected = h.seed(&env, "flights");
    h.advance(Duration::hours(72));
    h.lock(&scope, &key_a());
    h.advance(Duration::hours(1));

    h.engine.inject_crash_at(Some("unlock.before_seal"));
    let file = key_a();
    let crashed = h
        .engine
        .unlock_key(ADMIN, &scope, &file.bytes, Some(&file.password()), ACK);
    assert_crashed_at(crashed, "unlock.before_seal");

    let h = h.crash_and_reopen();
    assert_eq!(key_state(&h, &scope, &key.id), KeyState::Installing);
    assert!(!h.sealed_key_path(&key).exists());
    assert_eq!(h.engine.resume_jobs().unwrap(), 1);
    assert_eq!(key_state(&h, &scope, &key.id), KeyState::Locked);
    let jobs_failed = h
        .audit()
        .iter()
        .any(|e| e.action == "key.unlock.finish" && e.target == key.id.as_str());
    assert!(jobs_failed, "the resumed job is audited");
    assert!(h.env(&env).is_locked());

    // The admin uploads the same key again; this time it goes through.
    h.unlock_key(&scope, &key_a());
    assert_eq!(key_state(&h, &scope, &key.id), KeyState::Active);
    h.engine.unlock_environment(ADMIN, &scope, &env).unwrap();
    assert_eq!(h.snapshot(&env), expected);
}

#[test]
fn u1_unlock_interrupted_after_sealing_goes_active_when_resumed() {
    let h = Harness::new();
    let scope = h.tenant("wingtip");
    let key = h.upload(&scope, &key_a());
    let env = h.tenant_environment(&scope, "toys");
    let expected = h.seed(&env, "toys");
    h.advance(Duration::hours(72));
    h.lock(&scope, &key_a());
    h.advance(Duration::hours(1));
    let file = key_a();
    let job = h
        .engine
        .unlock_key(ADMIN, &scope, &file.bytes, Some(&file.password()), ACK)
        .unwrap();

    // Killed before the job ran.
    let h = h.crash_and_reopen();
    assert!(h.sealed_key_path(&key).exists());
    assert_eq!(h.engine.resume_jobs().unwrap(), 1);
    let job = h.engine.job(&job.id).unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(key_state(&h, &scope, &key.id), KeyState::Active);
    h.engine.unlock_environment(ADMIN, &scope, &env).unwrap();
    assert_eq!(h.snapshot(&env), expected);
    assert!(h
        .data_keys()
        .iter()
        .all(|r| r.protector != Protector::Platform));
}
