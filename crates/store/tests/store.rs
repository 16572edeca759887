//! The metadata store as its callers see it: transactions, restarts, migrations, audit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use keyward_domain::model::{
    AuditOutcome, Environment, EnvironmentStatus, EnvironmentType, Job, JobKind, JobState,
    KeyOrigin, KeyState, LockRecord, LockStage, Protector, Storage, Tenant, TenantKey,
    TenantRegion,
};
use keyward_domain::{EnvironmentId, Fingerprint, JobId, KeyId, RegionName, TenantId};
use keyward_store::{
    audit, transact, DekOwner, NewAuditEvent, SqliteStore, Store, StoreError, Tx, WrappedDek,
};
use time::macros::datetime;
use time::OffsetDateTime;

const T0: OffsetDateTime = datetime!(2026-12-01 09:00 UTC);

fn scope() -> TenantRegion {
    TenantRegion {
        tenant: TenantId::new("contoso").unwrap(),
        region: RegionName::new("eu-west").unwrap(),
    }
}

fn tenant() -> Tenant {
    Tenant {
        id: scope().tenant,
        name: "Contoso".into(),
        regions: vec![scope().region],
        feature_enabled_at: Some(T0),
    }
}

fn environment(id: &str) -> Environment {
    Environment {
        id: EnvironmentId::new(id).unwrap(),
        scope: scope(),
        name: id.to_uppercase(),
        env_type: EnvironmentType::Production,
        storage: Storage::Modern,
        protector: Protector::Platform,
        status: EnvironmentStatus::Online,
        created_at: T0,
    }
}

fn key(id: &str, state: KeyState) -> TenantKey {
    TenantKey {
        id: KeyId::new(id).unwrap(),
        scope: scope(),
        fingerprint: Fingerprint::from_bytes([1; 32]),
        state,
        origin: KeyOrigin::Generated,
        created_at: T0,
        activated_at: None,
    }
}

fn seed(store: &dyn Store) {
    transact(store, |tx| -> Result<(), StoreError> {
        tx.put_tenant(&tenant())?;
        tx.put_environment(&environment("env-1"))?;
        tx.put_key(&key("k1", KeyState::Active))?;
        tx.put_dek(
            &DekOwner::Environment(EnvironmentId::new("env-1").unwrap()),
            &WrappedDek {
                protector: Protector::Platform,
                wrapped: vec![1, 2, 3],
                generation: 0,
            },
        )
    })
    .unwrap();
}

fn read<T>(store: &dyn Store, f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>) -> T {
    transact(store, f).unwrap()
}

#[test]
fn a_state_change_that_fails_half_way_leaves_nothing_changed() {
    let store = SqliteStore::open_in_memory().unwrap();
    seed(&store);

    let result: Result<(), StoreError> = transact(&store, |tx| {
        let mut env = tx
            .environment(&EnvironmentId::new("env-1").unwrap())?
            .unwrap();
        env.status = EnvironmentStatus::Offline;
        tx.put_environment(&env)?;
        tx.put_key(&key("k2", KeyState::Available))?;
        Err(StoreError::Aborted(
            "simulated failure after two writes".into(),
        ))
    });
    assert!(result.is_err());

    let env = read(&store, |tx| {
        tx.environment(&EnvironmentId::new("env-1").unwrap())
    });
    assert_eq!(env.unwrap().status, EnvironmentStatus::Online);
    assert_eq!(read(&store, |tx| tx.keys(&scope())).len(), 1);
}

#[test]
fn reopening_the_store_after_a_restart_shows_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metadata.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        seed(&store);
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(read(&store, |tx| tx.tenants()), vec![tenant()]);
    assert_eq!(
        read(&store, |tx| tx.environments(&scope())),
        vec![environment("env-1")]
    );
    assert_eq!(
        read(&store, |tx| tx.keys(&scope())),
        vec![key("k1", KeyState::Active)]
    );
    let dek = read(&store, |tx| {
        tx.dek(&DekOwner::Environment(EnvironmentId::new("env-1").unwrap()))
    });
    assert_eq!(dek.unwrap().wrapped, vec![1, 2, 3]);
}

#[test]
fn the_store_file_is_created_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metadata.db");
    drop(SqliteStore::open(&path).unwrap());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn migrations_apply_to_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("new.db")).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        SqliteStore::latest_schema_version()
    );
}

#[test]
fn migrations_apply_to_the_previous_schema_and_keep_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let previous = SqliteStore::latest_schema_version() - 1;
    {
        let old = SqliteStore::open_at_version(&path, previous).unwrap();
        assert_eq!(old.schema_version().unwrap(), previous);
        seed(&old);
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        SqliteStore::latest_schema_version()
    );
    assert_eq!(read(&store, |tx| tx.environments(&scope())).len(), 1);
    let job = Job {
        id: JobId::new("job-1").unwrap(),
        kind: JobKind::Activate,
        scope: scope(),
        subject: "k2".into(),
        state: JobState::Running,
        done: 1,
        total: 3,
        error: None,
        created_at: T0,
        updated_at: T0,
    };
    read(&store, |tx| tx.put_job(&job));
    assert_eq!(read(&store, |tx| tx.unfinished_jobs()), vec![job]);
}

#[test]
fn a_store_written_by_a_newer_keyward_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(
        None,
        "user_version",
        SqliteStore::latest_schema_version() + 1,
    )
    .unwrap();
    drop(conn);
    match SqliteStore::open(&path) {
        Err(StoreError::SchemaTooNew { .. }) => {}
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn the_latest_lock_record_of_a_tenant_region_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metadata.db");
    let lock = LockRecord {
        scope: scope(),
        key: KeyId::new("k1").unwrap(),
        confirmation: "lock contoso/eu-west 4f2a".into(),
        issued_at: T0,
        stage: LockStage::Running { requested_at: T0 },
    };
    {
        let store = SqliteStore::open(&path).unwrap();
        seed(&store);
        read(&store, |tx| tx.put_lock(&lock));
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(read(&store, |tx| tx.lock(&scope())), Some(lock));
}

#[test]
fn a_tenant_keys_public_half_and_a_data_keys_generation_are_kept() {
    let store = SqliteStore::open_in_memory().unwrap();
    seed(&store);
    let k1 = KeyId::new("k1").unwrap();
    read(&store, |tx| tx.put_public_key(&k1, b"spki"));
    assert_eq!(
        read(&store, |tx| tx.public_key(&k1)),
        Some(b"spki".to_vec())
    );
    let owner = DekOwner::Environment(EnvironmentId::new("env-1").unwrap());
    let next = WrappedDek {
        protector: Protector::TenantKey { key: k1 },
        wrapped: vec![4],
        generation: 1,
    };
    read(&store, |tx| tx.put_dek(&owner, &next));
    assert_eq!(read(&store, |tx| tx.dek(&owner)), Some(next));
}

#[test]
fn tokens_are_kept_by_id_with_their_hash_and_revocation() {
    use keyward_domain::model::Role;
    use keyward_store::TokenRecord;
    let store = SqliteStore::open_in_memory().unwrap();
    let mut token = TokenRecord {
        id: "tok-1".into(),
        label: "alice@contoso".into(),
        role: Role::TenantAdmin {
            tenant: scope().tenant,
        },
        created_at: T0,
        revoked_at: None,
    };
    read(&store, |tx| tx.put_token(&token, &[7; 32]));
    token.revoked_at = Some(T0);
    read(&store, |tx| tx.put_token(&token, &[7; 32]));
    assert_eq!(
        read(&store, |tx| tx.token("tok-1")),
        Some((token.clone(), [7; 32]))
    );
    assert_eq!(read(&store, |tx| tx.tokens()), vec![token]);
    assert_eq!(read(&store, |tx| tx.token("tok-2")), None);
}

#[test]
fn backups_are_found_by_environment_and_by_tenant_region() {
    use keyward_domain::model::Backup;
    use keyward_domain::BackupId;
    let store = SqliteStore::open_in_memory().unwrap();
    seed(&store);
    let backup = Backup {
        id: BackupId::new("b1").unwrap(),
        environment: EnvironmentId::new("env-1").unwrap(),
        scope: scope(),
        protector: Protector::Platform,
        created_at: T0,
    };
    read(&store, |tx| tx.put_backup(&backup));
    let env = EnvironmentId::new("env-1").unwrap();
    assert_eq!(read(&store, |tx| tx.backups(&env)), vec![backup.clone()]);
    assert_eq!(read(&store, |tx| tx.region_backups(&scope())), vec![backup]);
    let other = TenantRegion {
        tenant: scope().tenant,
        region: RegionName::new("us-east").unwrap(),
    };
    assert!(read(&store, |tx| tx.region_backups(&other)).is_empty());
}

#[test]
fn many_environments_change_status_in_one_statement_and_read_back_whole() {
    let store = SqliteStore::open_in_memory().unwrap();
    seed(&store);
    read(&store, |tx| tx.put_environment(&environment("env-2")));
    read(&store, |tx| tx.put_environment(&environment("env-3")));
    let locked = EnvironmentStatus::Locked { since: T0 };
    let ids = [
        EnvironmentId::new("env-1").unwrap(),
        EnvironmentId::new("env-3").unwrap(),
    ];
    assert_eq!(
        read(&store, |tx| tx.set_environment_status(&ids, &locked)),
        2
    );
    let statuses: Vec<_> = read(&store, |tx| tx.environments(&scope()))
        .into_iter()
        .map(|e| (e.id.to_string(), e.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("env-1".to_owned(), locked),
            ("env-2".to_owned(), EnvironmentStatus::Online),
            ("env-3".to_owned(), locked),
        ]
    );
}

#[test]
fn records_keep_creation_order_when_replaced() {
    let store = SqliteStore::open_in_memory().unwrap();
    seed(&store);
    read(&store, |tx| tx.put_environment(&environment("env-2")));
    let mut first = environment("env-1");
    first.status = EnvironmentStatus::Locked { since: T0 };
    read(&store, |tx| tx.put_environment(&first));
    let ids: Vec<_> = read(&store, |tx| tx.environments(&scope()))
        .into_iter()
        .map(|e| e.id.to_string())
        .collect();
    assert_eq!(ids, ["env-1", "env-2"]);
}

#[test]
fn deleting_an_environment_removes_its_wrapped_data_key() {
    let store = SqliteStore::open_in_memory().unwrap();
    seed(&store);
    let id = EnvironmentId::new("env-1").unwrap();
    assert!(read(&store, |tx| tx.delete_environment(&id)));
    assert!(read(&store, |tx| tx.dek(&DekOwner::Environment(id.clone()))).is_none());
    assert!(!read(&store, |tx| tx.delete_environment(&id)));
}

fn audit_event(n: u32, tenant: Option<&str>) -> NewAuditEvent {
    NewAuditEvent {
        at: T0,
        actor: "admin@contoso".into(),
        tenant: tenant.map(|t| TenantId::new(t).unwrap()),
        action: "key.activate".into(),
        target: format!("k{n}"),
        outcome: AuditOutcome::Allowed,
    }
}

#[test]
fn s2_audit_events_chain_and_verify() {
    let store = SqliteStore::open_in_memory().unwrap();
    for n in 0..5 {
        let tenant = if n % 2 == 0 {
            Some("contoso")
        } else {
            Some("fabrikam")
        };
        read(&store, |tx| tx.append_audit(audit_event(n, tenant)));
    }
    let all = read(&store, |tx| tx.audit_events(None, 0, 100));
    let summary = audit::verify(&all).unwrap();
    assert_eq!(summary.events, 5);
    assert_eq!(summary.head, audit::event_hash(&all[4]));

    let contoso = TenantId::new("contoso").unwrap();
    let mine = read(&store, |tx| tx.audit_events(Some(&contoso), 0, 100));
    assert_eq!(mine.len(), 3);
    assert!(mine.iter().all(|e| e.tenant.as_ref() == Some(&contoso)));
}

#[test]
fn s2_audit_verify_names_the_event_where_an_edit_or_deletion_breaks_the_chain() {
    let store = SqliteStore::open_in_memory().unwrap();
    for n in 0..4 {
        read(&store, |tx| tx.append_audit(audit_event(n, None)));
    }
    let all = read(&store, |tx| tx.audit_events(None, 0, 100));

    let mut edited = all.clone();
    edited[1].outcome = AuditOutcome::Refused {
        code: "forged".into(),
    };
    assert_eq!(audit::verify(&edited).unwrap_err().seq, 3);

    let mut removed = all.clone();
    removed.remove(2);
    assert_eq!(audit::verify(&removed).unwrap_err().seq, 4);
}

#[test]
fn s2_audit_log_refuses_updates_and_deletes_at_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metadata.db");
    let store = SqliteStore::open(&path).unwrap();
    read(&store, |tx| tx.append_audit(audit_event(0, None)));
    drop(store);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let err = conn.execute("DELETE FROM audit_events", []).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = conn
        .execute("UPDATE audit_events SET hash = 'x'", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}
