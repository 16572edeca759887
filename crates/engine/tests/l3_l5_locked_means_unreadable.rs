//! L3–L5, L6, U1, U2: a lock takes the region's tenant-protected environments offline,
//! leaves nothing anywhere that can read them, and the same key brings them back intact.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use keyward_domain::model::{EnvironmentType, KeyState, Protector};
use keyward_domain::EnvironmentId;
use keyward_engine::Value;
use keyward_storage::CsvOptions;
use time::Duration;

/// A region with two tenant-protected environments (one with a backup), one
/// platform-protected environment (with a backup), an active key A and an available key B.
struct Region {
    h: Harness,
    scope: keyward_domain::model::TenantRegion,
    key_a: keyward_domain::model::TenantKey,
    key_b: keyward_domain::model::TenantKey,
    t1: EnvironmentId,
    t2: EnvironmentId,
    p1: EnvironmentId,
    t1_backup: keyward_domain::BackupId,
    p1_backup: keyward_domain::BackupId,
}

fn region() -> Region {
    let h = Harness::new();
    let scope = h.tenant("contoso");
    let key_a = h.upload(&scope, &key_a());
    let key_b = h.upload(&scope, &key_b());
    assert_eq!(key_a.state, KeyState::Active);
    assert_eq!(key_b.state, KeyState::Available);
    let t1 = h.tenant_environment(&scope, "t1");
    let t2 = h.tenant_environment(&scope, "t2");
    let p1 = h.environment(&scope, "p1", EnvironmentType::Developer);
    h.seed(&t1, "tenant one");
    h.seed(&t2, "tenant two");
    h.seed(&p1, "platform one");
    let t1_backup = h.engine.backup(ADMIN, &t1).unwrap().id;
    let p1_backup = h.engine.backup(ADMIN, &p1).unwrap().id;
    // A key exchange key in the vault too: one more private key an attacker could try.
    h.engine.key_exchange_key(ADMIN, &scope).unwrap();
    // L2: no lock within 72 hours of the uploads.
    h.advance(Duration::hours(72));
    Region {
        h,
        scope,
        key_a,
        key_b,
        t1,
        t2,
        p1,
        t1_backup,
        p1_backup,
    }
}

fn csv() -> CsvOptions {
    CsvOptions {
        header: false,
        create_table: false,
    }
}

#[test]
fn l5_every_request_on_a_locked_environment_is_refused_as_environment_locked() {
    let r = region();
    let (h, e) = (&r.h, &r.h.engine);
    r.h.lock(&r.scope, &key_a());
    const LOCKED: &str = "environment_locked";

    let err = assert_code(e.sql(ADMIN, &r.t1, "SELECT * FROM t", &[]), LOCKED);
    assert_eq!(err.rule().map(|r| r.id()), Some("L5"));
    assert_code(
        e.sql(ADMIN, &r.t1, "INSERT INTO t (note) VALUES ('x')", &[]),
        LOCKED,
    );
    assert_code(e.put_file(ADMIN, &r.t1, "new.txt", &b"x"[..]), LOCKED);
    assert_code(e.get_file(ADMIN, &r.t1, "doc.txt", Vec::new()), LOCKED);
    assert_code(e.list_files(ADMIN, &r.t1), LOCKED);
    assert_code(e.delete_file(ADMIN, &r.t1, "doc.txt"), LOCKED);
    assert_code(
        e.import_csv(ADMIN, &r.t1, "t", &b"9,x\n"[..], csv()),
        LOCKED,
    );
    assert_code(e.backup(ADMIN, &r.t1), LOCKED);
    assert_code(e.restore(ADMIN, &r.t1_backup, &r.t1), LOCKED);
    assert_code(e.restore(ADMIN, &r.p1_backup, &r.t1), LOCKED);
    assert_code(e.restore(ADMIN, &r.t1_backup, &r.p1), LOCKED);
    assert_code(e.copy(ADMIN, &r.t1, &r.t2), LOCKED);
    assert_code(e.copy(ADMIN, &r.t1, &r.p1), LOCKED);
    assert_code(e.copy(ADMIN, &r.p1, &r.t1), LOCKED);

    // Refusals are audited with their code (S2).
    let events = h.audit();
    for action in [
        "data.sql",
        "data.file_put",
        "environment.backup",
        "environment.restore",
    ] {
        let target = r.t1.as_str();
        assert!(
            audited(&events, action, target, &refused(LOCKED)),
            "no refused {action} event on {target}"
        );
    }
    h.assert_audit_verifies();
}

#[test]
fn l3_platform_protected_environments_keep_working_and_nothing_of_the_region_stays_open() {
    let r = region();
    let h = &r.h;
    h.snapshot(&r.t1);
    h.snapshot(&r.p1);
    assert!(h.engine.open_environment_count() >= 2);

    h.lock(&r.scope, &key_a());
    assert_eq!(
        h.engine.open_environment_count(),
        0,
        "L3: open data keys purged"
    );
    assert!(h.env(&r.t1).is_locked() && h.env(&r.t2).is_locked());
    assert!(!h.env(&r.p1).is_locked());

    let keys = h.engine.keys(&r.scope).unwrap();
    let state_of = |id| keys.iter().find(|k| k.id == id).unwrap().state;
    assert_eq!(state_of(r.key_a.id.clone()), KeyState::Locked);
    assert_eq!(state_of(r.key_b.id.clone()), KeyState::Deleted);

    // The platform-protected environment serves reads, writes, backups and restores.
    h.sql(
        &r.p1,
        "INSERT INTO t (id, note) VALUES (100, 'after the lock')",
    );
    assert_eq!(
        h.rows(&r.p1, "SELECT count(*) FROM t"),
        vec![vec![Value::Integer(6)]]
    );
    let backup = h.engine.backup(ADMIN, &r.p1).unwrap();
    assert_eq!(backup.protector, Protector::Platform);
    h.engine.restore(ADMIN, &r.p1_backup, &r.p1).unwrap();
    assert_eq!(
        h.rows(&r.p1, "SELECT count(*) FROM t"),
        vec![vec![Value::Integer(5)]]
    );
    assert_eq!(h.engine.open_environment_count(), 1);
}

#[test]
fn l4_no_copy_of_the_destroyed_private_keys_remains_in_any_file() {
    let r = region();
    let h = &r.h;
    let sealed_a = std::fs::read(h.sealed_key_path(&r.key_a)).unwrap();
    let sealed_b = std::fs::read(h.sealed_key_path(&r.key_b)).unwrap();
    let der_a = key_a().pkcs8_der();
    let der_b = key_b().pkcs8_der();
    // The scan finds what is there: before the lock, each sealed key is in the vault.
    assert_eq!(files_containing(h.root(), &sealed_a).len(), 1);
    assert_eq!(files_containing(h.root(), &sealed_b).len(), 1);

    h.lock(&r.scope, &key_a());

    assert!(!h.sealed_key_path(&r.key_a).exists());
    assert!(!h.sealed_key_path(&r.key_b).exists());
    let needles: [(&str, &[u8]); 4] = [
        ("sealed key A", &sealed_a),
        ("sealed key B", &sealed_b),
        ("PKCS#8 of key A", &der_a),
        ("PKCS#8 of key B", &der_b),
    ];
    let scanned = assert_absent_everywhere(h.root(), &needles);
    assert!(scanned >= 6, "scanned only {scanned} files");
}

#[test]
fn l4_the_data_directory_and_the_root_key_open_no_locked_environment_or_backup() {
    let r = region();
    let h = &r.h;
    h.lock(&r.scope, &key_a());
    let vault = h.vault();

    // Every data key that anything left in the vault can unwrap: the platform-wrapped ones.
    let mut opened = Vec::new();
    let mut sealed_for_tenant = 0;
    for row in h.data_keys() {
        match try_unwrap_with_everything(&vault, &row) {
            Some(dek) => {
                assert_eq!(
                    row.protector,
                    Protector::Platform,
                    "{} unwrapped",
                    row.owner
                );
                opened.push(dek);
            }
            None => {
                assert!(row.protector.is_tenant(), "{} does not unwrap", row.owner);
                sealed_for_tenant += 1;
            }
        }
    }
    // t1, t2 and t1's backup are wrapped for the tenant key and open with nothing.
    assert_eq!(sealed_for_tenant, 3);

    let mut locked_files = vec![h.engine.layout().backup_file(&r.t1_backup)];
    locked_files.extend(h.env_files(&r.t1));
    locked_files.extend(h.env_files(&r.t2));
    let mut candidates = opened.clone();
    let root_key = std::fs::read(h.root().join("vault/root.key")).unwrap();
    for window in root_key.windows(32).take(64) {
        candidates.push(window.try_into().unwrap());
    }
    for path in locked_files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "db"))
    {
        for dek in &candidates {
            assert!(!opens_with(path, dek), "{} opened", path.display());
        }
    }
    // The platform-protected environment does open with its unwrapped key: the attempt is real.
    let p1_file = h.env_file(&r.p1);
    assert!(opened.iter().any(|dek| opens_with(&p1_file, dek)));
}

#[test]
fn u1_u2_the_same_key_after_the_l6_delay_brings_every_row_and_file_back() {
    let r = region();
    let h = &r.h;
    let before_t1 = h.snapshot(&r.t1);
    let before_t2 = h.snapshot(&r.t2);
    h.lock(&r.scope, &key_a());

    // L6: not before one hour after the lock request.
    let upload = |key: &KeyFile| {
        h.engine
            .unlock_key(ADMIN, &r.scope, &key.bytes, Some(&key.password()), ACK)
    };
    h.advance(Duration::minutes(59));
    assert_code(upload(&key_a()), "unlock_too_soon");
    h.advance(Duration::minutes(1));
    // U1: any other key is refused.
    assert_code(upload(&key_b()), "unlock_key_mismatch");
    h.unlock_key(&r.scope, &key_a());
    let keys = h.engine.keys(&r.scope).unwrap();
    assert_eq!(
        keys.iter().find(|k| k.id == r.key_a.id).unwrap().state,
        KeyState::Active
    );

    // U2: environments stay locked until unlocked, one by one.
    assert_code(
        h.engine.sql(ADMIN, &r.t1, "SELECT 1", &[]),
        "environment_locked",
    );
    h.engine.unlock_environment(ADMIN, &r.scope, &r.t1).unwrap();
    assert_eq!(h.snapshot(&r.t1), before_t1);
    assert_code(
        h.engine.sql(ADMIN, &r.t2, "SELECT 1", &[]),
        "environment_locked",
    );
    h.engine.unlock_environment(ADMIN, &r.scope, &r.t2).unwrap();
    assert_eq!(h.snapshot(&r.t2), before_t2);

    // The backup made before the lock restores too.
    h.sql(&r.t1, "DELETE FROM t");
    h.engine.restore(ADMIN, &r.t1_backup, &r.t1).unwrap();
    assert_eq!(h.snapshot(&r.t1), before_t1);

    let events = h.audit();
    for action in ["lock", "lock.finish", "key.unlock", "key.unlock.finish"] {
        assert!(
            events.iter().any(|e| e.action == action),
            "no {action} event"
        );
    }
    assert!(audited(
        &events,
        "environment.unlock",
        r.t2.as_str(),
        &keyward_domain::model::AuditOutcome::Allowed
    ));
    h.assert_audit_verifies();
}

#[test]
fn l3_a_statement_running_when_the_lock_lands_stops_and_commits_nothing() {
    let r = region();
    r.h.sql(&r.t1, "CREATE TABLE late (n INTEGER)");
    let code = std::thread::scope(|s| {
        // Whether the lock lands before the statement starts or while it runs, the
        // statement must not commit after the lock, nor run on for its billions of rows.
        let long = s.spawn(|| {
            r.h.engine.sql(
                ADMIN,
                &r.t1,
                "INSERT INTO late WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 \
                 FROM c LIMIT 3000000000) SELECT count(*) FROM c",
                &[],
            )
        });
        let job = r.h.lock(&r.scope, &key_a());
        assert_succeeded(&job);
        long.join().unwrap().unwrap_err().code()
    });
    assert!(
        code == "environment_locked",
        "the running statement ended with {code}"
    );
    assert_eq!(r.h.engine.open_environment_count(), 0);

    r.h.advance(Duration::hours(1));
    r.h.unlock_key(&r.scope, &key_a());
    r.h.engine
        .unlock_environment(ADMIN, &r.scope, &r.t1)
        .unwrap();
    assert!(r.h.rows(&r.t1, "SELECT n FROM late").is_empty());
}
