//! S2: every key and encryption operation appends an audit event (who, what, when,
//! outcome); refusals carry their code; the chain verifies, also after a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use keyward_domain::model::{AuditOutcome, EnvironmentType, KeyState};
use keyward_domain::rules::keys::Risk;
use keyward_keys::{Password, Pkcs12Profile};
use time::Duration;

#[test]
fn s2_a_key_lifecycle_leaves_one_event_per_operation_and_a_verifiable_chain() {
    let mut h = Harness::new();
    let scope = h.tenant("contoso");
    h.engine.key_exchange_key(ADMIN, &scope).unwrap();
    let unacknowledged = h.engine.generate_key(
        ADMIN,
        &scope,
        &Password::from_bytes(b"Long-Password-1!"),
        Pkcs12Profile::Modern,
        Risk::NotAcknowledged,
    );
    assert_code(unacknowledged, "risk_not_acknowledged");

    h.upload(&scope, &key_a());
    let t1 = h.tenant_environment(&scope, "t1");
    let p1 = h.environment(&scope, "p1", EnvironmentType::Sandbox);
    h.seed(&t1, "t1");
    h.seed(&p1, "p1");
    let backup = h.engine.backup(ADMIN, &t1).unwrap();
    h.engine.restore(ADMIN, &backup.id, &t1).unwrap();
    h.engine.copy(ADMIN, &p1, &t1).unwrap();

    // K4: a generated key, later activated, locked and unlocked with its own file.
    let (generated, file) = h.generate(&scope, "Generated-Pass-1!");
    assert_eq!(generated.state, KeyState::Available);
    h.advance(Duration::hours(24));
    let job = h
        .engine
        .activate_key(ADMIN, &scope, &generated.id, ACK)
        .unwrap();
    assert_succeeded(&h.engine.run_job(&job.id).unwrap());
    assert_code(
        h.engine.issue_lock_confirmation(ADMIN, &scope),
        "lock_too_soon",
    );
    h.advance(Duration::hours(72));
    h.lock(&scope, &file);
    let frozen = h.engine.upload_key(
        ADMIN,
        &scope,
        &key_b().bytes,
        Some(&key_b().password()),
        ACK,
    );
    assert_code(frozen, "key_operations_frozen");
    assert_code(
        h.engine.sql(ADMIN, &t1, "SELECT 1", &[]),
        "environment_locked",
    );
    h.advance(Duration::hours(1));
    h.unlock_key(&scope, &file);
    h.engine.unlock_environment(ADMIN, &scope, &t1).unwrap();
    h.engine.reset(ADMIN, &p1).unwrap();
    h.engine.delete_environment(ADMIN, &p1).unwrap();

    let events = h.audit();
    let allowed = [
        "tenant.create",
        "tenant.enable_feature",
        "kek.create",
        "key.upload",
        "key.generate",
        "environment.create",
        "environment.apply_key",
        "environment.apply_key.finish",
        "environment.backup",
        "environment.restore",
        "environment.copy",
        "key.activate",
        "key.activate.finish",
        "lock.confirmation",
        "lock",
        "lock.finish",
        "key.unlock",
        "key.unlock.finish",
        "environment.unlock",
        "environment.reset",
        "environment.delete",
    ];
    for action in allowed {
        let found = events
            .iter()
            .any(|e| e.action == action && e.outcome == AuditOutcome::Allowed);
        assert!(found, "no allowed {action} event");
    }
    let refusals = [
        ("key.generate", "risk_not_acknowledged"),
        ("lock.confirmation", "lock_too_soon"),
        ("key.upload", "key_operations_frozen"),
        ("data.sql", "environment_locked"),
    ];
    for (action, code) in refusals {
        let found = events
            .iter()
            .any(|e| e.action == action && e.outcome == refused(code));
        assert!(found, "no {action} refused with {code}");
    }
    for event in &events {
        assert!(!event.actor.is_empty(), "{event:?}");
        assert_eq!(event.tenant.as_ref(), Some(&scope.tenant), "{event:?}");
    }
    assert!(events
        .windows(2)
        .all(|w| w[0].seq < w[1].seq && w[0].at <= w[1].at));
    let tenant_only = h
        .engine
        .audit_events(Some(&scope.tenant), 0, 10_000)
        .unwrap();
    assert_eq!(tenant_only.len(), events.len());

    h.assert_audit_verifies();
    h.restart();
    h.assert_audit_verifies();
    assert_eq!(
        h.audit(),
        events,
        "a restart neither adds nor changes events"
    );
}
