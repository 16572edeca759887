//! E1–E5 through the engine: legacy storage, platform key by default, applying the tenant
//! key under a fresh data key, returning to the platform key, and the file size limit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use keyward_domain::model::{AuditOutcome, EnvironmentStatus, EnvironmentType, Protector, Storage};
use keyward_domain::Policy;
use time::Duration;

#[test]
fn e1_an_environment_created_before_the_feature_was_enabled_never_takes_the_tenant_key() {
    let h = Harness::new();
    let scope = h.tenant_without_feature("contoso");
    let legacy = h.environment(&scope, "old", EnvironmentType::Production);
    h.advance(Duration::seconds(1));
    h.engine.enable_feature(ADMIN, &scope.tenant).unwrap();
    let modern = h.environment(&scope, "new", EnvironmentType::Production);
    assert_eq!(h.env(&legacy).storage, Storage::Legacy);
    assert_eq!(h.env(&modern).storage, Storage::Modern);
    h.upload(&scope, &key_a());

    let err = assert_code(h.engine.apply_tenant_key(ADMIN, &legacy), "legacy_storage");
    assert_eq!(err.rule().map(|r| r.id()), Some("E1"));
    h.apply_key(&modern);

    // Never: not after a reset, not after another key is activated.
    h.engine.reset(ADMIN, &legacy).unwrap();
    assert_code(h.engine.apply_tenant_key(ADMIN, &legacy), "legacy_storage");
    let second = h.upload(&scope, &key_b());
    h.advance(Duration::hours(24));
    let job = h
        .engine
        .activate_key(ADMIN, &scope, &second.id, ACK)
        .unwrap();
    assert_succeeded(&h.engine.run_job(&job.id).unwrap());
    assert_code(h.engine.apply_tenant_key(ADMIN, &legacy), "legacy_storage");
    assert_eq!(h.env(&legacy).protector, Protector::Platform);
    assert_eq!(h.env(&legacy).status, EnvironmentStatus::Online);
    assert!(audited(
        &h.audit(),
        "environment.apply_key",
        legacy.as_str(),
        &refused("legacy_storage")
    ));
}

#[test]
fn e2_e3_apply_key_goes_offline_and_the_old_data_key_no_longer_opens_the_new_generation() {
    let h = Harness::new();
    let scope = h.tenant("contoso");
    let key = h.upload(&scope, &key_a());
    let env = h.environment(&scope, "sales", EnvironmentType::Sandbox);
    assert_eq!(h.env(&env).protector, Protector::Platform, "E2");
    let expected = h.seed(&env, "sales");
    let owner = format!("environment:{env}");
    let old_dek = h.unwrap_platform(&h.data_key(&owner));
    let old_file = h.env_file(&env);
    assert!(
        opens_with(&old_file, &old_dek),
        "the captured key is the real one"
    );

    let job = h.engine.apply_tenant_key(ADMIN, &env).unwrap();
    assert_eq!(h.env(&env).status, EnvironmentStatus::Offline);
    assert_code(
        h.engine.sql(ADMIN, &env, "SELECT 1", &[]),
        "environment_offline",
    );
    assert_succeeded(&h.engine.run_job(&job.id).unwrap());

    let row = h.data_key(&owner);
    assert_eq!(row.protector, under(&key));
    assert_eq!(row.generation, 1);
    let new_file = h.env_file(&env);
    assert_ne!(new_file, old_file);
    assert!(!old_file.exists(), "the old generation is deleted");
    assert!(
        !opens_with(&new_file, &old_dek),
        "E3: the old data key opens the new file"
    );
    assert_eq!(h.snapshot(&env), expected);
    h.sql(
        &env,
        "INSERT INTO t (id, note) VALUES (50, 'written afterwards')",
    );
    assert!(!opens_with(&new_file, &old_dek));

    let events = h.audit();
    assert!(audited(
        &events,
        "environment.apply_key",
        env.as_str(),
        &AuditOutcome::Allowed
    ));
    let finish = "environment.apply_key.finish";
    assert!(audited(
        &events,
        finish,
        env.as_str(),
        &AuditOutcome::Allowed
    ));
}

#[test]
fn e4_returning_a_production_environment_needs_its_name_typed() {
    let h = Harness::new();
    let scope = h.tenant("contoso");
    h.upload(&scope, &key_a());
    let sandbox = h.tenant_environment(&scope, "sandbox");
    let production = h.environment(&scope, "erp-prod", EnvironmentType::Production);
    h.apply_key(&production);
    let expected = h.seed(&production, "erp");

    let e = &h.engine;
    let untyped = e.return_to_platform_key(ADMIN, &production, None);
    let err = assert_code(untyped, "confirmation_name_mismatch");
    assert_eq!(err.rule().map(|r| r.id()), Some("E4"));
    let wrong = e.return_to_platform_key(ADMIN, &production, Some("erp-prod "));
    assert_code(wrong, "confirmation_name_mismatch");
    assert!(h.env(&production).protector.is_tenant());
    assert_eq!(h.env(&production).status, EnvironmentStatus::Online);

    let job = e
        .return_to_platform_key(ADMIN, &production, Some("erp-prod"))
        .unwrap();
    assert_succeeded(&e.run_job(&job.id).unwrap());
    assert_eq!(h.env(&production).protector, Protector::Platform);
    assert_eq!(
        h.data_key(&format!("environment:{production}")).protector,
        Protector::Platform
    );
    assert_eq!(h.snapshot(&production), expected);

    // A sandbox needs no typed name.
    let job = e.return_to_platform_key(ADMIN, &sandbox, None).unwrap();
    assert_succeeded(&e.run_job(&job.id).unwrap());
    let events = h.audit();
    let code = refused("confirmation_name_mismatch");
    assert!(audited(
        &events,
        "environment.return_key",
        production.as_str(),
        &code
    ));
}

#[test]
fn e5_a_file_over_the_policy_limit_is_refused_and_nothing_is_stored() {
    let policy = Policy {
        max_file_bytes: 1024,
        ..Policy::default()
    };
    let h = Harness::with_policy(policy);
    let scope = h.tenant("contoso");
    let env = h.environment(&scope, "files", EnvironmentType::Sandbox);
    h.put(&env, "kept.bin", &[7u8; 1024]);

    let too_big = vec![1u8; 1025];
    let refused_put = h.engine.put_file(ADMIN, &env, "new.bin", &too_big[..]);
    let err = assert_code(refused_put, "file_too_large");
    assert_eq!(err.rule().map(|r| r.id()), Some("E5"));
    let over = h.engine.put_file(ADMIN, &env, "kept.bin", &too_big[..]);
    assert_code(over, "file_too_large");

    let files = h.engine.list_files(ADMIN, &env).unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(h.get(&env, "kept.bin"), vec![7u8; 1024]);
    assert_code(
        h.engine.get_file(ADMIN, &env, "new.bin", Vec::new()),
        "file_not_found",
    );
    let events = h.audit();
    assert!(audited(
        &events,
        "data.file_put",
        env.as_str(),
        &refused("file_too_large")
    ));
}

/// A file upload that sends its first bytes, then waits for a signal before it ends.
struct HeldUpload {
    first: Option<Vec<u8>>,
    started: std::sync::mpsc::Sender<()>,
    release: std::sync::mpsc::Receiver<()>,
}

impl std::io::Read for HeldUpload {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(first) = self.first.take() {
            buf[..first.len()].copy_from_slice(&first);
            self.started.send(()).unwrap();
            return Ok(first.len());
        }
        let _ = self.release.recv();
        Ok(0)
    }
}

#[test]
fn e3_a_write_in_flight_when_apply_key_starts_is_not_lost() {
    let h = Harness::new();
    let scope = h.tenant("contoso");
    h.upload(&scope, &key_a());
    let env = h.environment(&scope, "uploads", EnvironmentType::Sandbox);
    let expected = h.seed(&env, "uploads");
    let (started_tx, started) = std::sync::mpsc::channel();
    let (release, release_rx) = std::sync::mpsc::channel();
    let upload = HeldUpload {
        first: Some(b"acknowledged before the switch".to_vec()),
        started: started_tx,
        release: release_rx,
    };

    std::thread::scope(|s| {
        let writer = s.spawn(|| h.engine.put_file(ADMIN, &env, "in-flight.txt", upload));
        started.recv().unwrap();
        let mover = s.spawn(|| h.apply_key(&env));
        // Give the move every chance to finish while the upload is still running; an
        // engine that waits for running requests first holds it until the release.
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
        while !mover.is_finished() && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        release.send(()).unwrap();
        writer.join().unwrap().unwrap();
        mover.join().unwrap();
    });

    assert!(h.env(&env).protector.is_tenant());
    assert_eq!(
        h.get(&env, "in-flight.txt"),
        b"acknowledged before the switch"
    );
    assert_eq!(
        h.rows(&env, "SELECT id, note FROM t ORDER BY id"),
        expected.rows
    );
}
