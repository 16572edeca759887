//! A1, A2, A3: activating a second key re-wraps every environment and backup of the
//! region onto it while readers, writers and backups keep running without one failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use common::*;
use keyward_domain::model::{AuditOutcome, JobState, KeyState, Protector};
use keyward_domain::EnvironmentId;
use keyward_engine::{Engine, Value};
use time::Duration;

const ENVIRONMENTS: usize = 60;
const BUSY: usize = 4;
const MAX_BACKUPS: usize = 40;

/// Stops the threads when dropped, so a failed assertion cannot leave them running.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Counts the requests of all threads; any failure is kept for the assertion.
#[derive(Default)]
struct Traffic {
    ops: AtomicUsize,
    failures: Mutex<Vec<String>>,
    acknowledged: Mutex<Vec<(usize, i64)>>,
    backups: Mutex<Vec<keyward_domain::BackupId>>,
    stop: AtomicBool,
}

impl Traffic {
    fn record<T>(&self, what: &str, result: Result<T, keyward_engine::EngineError>) -> Option<T> {
        self.ops.fetch_add(1, Ordering::SeqCst);
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                let line = format!("{what}: {} ({error})", error.code());
                self.failures.lock().unwrap().push(line);
                None
            }
        }
    }

    /// Waits until the threads have made `more` further requests.
    fn wait_for(&self, more: usize) {
        let target = self.ops.load(Ordering::SeqCst) + more;
        while self.ops.load(Ordering::SeqCst) < target {
            std::thread::yield_now();
        }
    }
}

fn writer(engine: &Engine, traffic: &Traffic, index: usize, env: &EnvironmentId) {
    let mut seq = 0i64;
    while !traffic.stop.load(Ordering::SeqCst) {
        seq += 1;
        let params = [Value::Integer(seq), Value::Text(format!("w{index}-{seq}"))];
        let sql = "INSERT INTO t (id, note) VALUES (?1, ?2)";
        if traffic
            .record("insert", engine.sql(ADMIN, env, sql, &params))
            .is_some()
        {
            traffic.acknowledged.lock().unwrap().push((index, seq));
        }
    }
}

fn reader(engine: &Engine, traffic: &Traffic, offset: usize, envs: &[EnvironmentId]) {
    let mut i = offset;
    while !traffic.stop.load(Ordering::SeqCst) {
        let env = &envs[i % envs.len()];
        let sql = "SELECT count(*) FROM sqlite_master";
        traffic.record("select", engine.sql(ADMIN, env, sql, &[]));
        let mut out = Vec::new();
        traffic.record("get_file", engine.get_file(ADMIN, env, "doc.txt", &mut out));
        i += 7;
    }
}

fn backer(engine: &Engine, traffic: &Traffic, envs: &[EnvironmentId]) {
    let mut i = 0;
    while !traffic.stop.load(Ordering::SeqCst) && i < MAX_BACKUPS {
        if let Some(b) = traffic.record("backup", engine.backup(ADMIN, &envs[i % envs.len()])) {
            traffic.backups.lock().unwrap().push(b.id);
        }
        i += 1;
    }
}

#[test]
fn a2_no_request_fails_and_every_environment_and_backup_ends_under_the_new_key() {
    let mut h = Harness::new();
    let scope = h.tenant("fabrikam");
    let old = h.upload(&scope, &key_a());
    let new = h.upload(&scope, &key_b());
    let envs: Vec<EnvironmentId> = (0..ENVIRONMENTS)
        .map(|i| h.tenant_environment(&scope, &format!("env-{i}")))
        .collect();
    for env in &envs {
        h.put(env, "doc.txt", b"a file every reader reads");
    }
    for env in &envs[..BUSY] {
        h.sql(env, "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)");
    }
    for env in envs.iter().step_by(3) {
        h.engine.backup(ADMIN, env).unwrap();
    }
    // A3: the first key was activated on upload; the next activation waits 24 hours.
    let early = h.engine.activate_key(ADMIN, &scope, &new.id, ACK);
    assert_code(early, "activation_cooldown");
    h.advance(Duration::hours(24));
    // No environment open yet: readers open them while the job re-wraps their keys.
    h.restart();

    let traffic = Traffic::default();
    let engine = &h.engine;
    std::thread::scope(|s| {
        for (i, env) in envs[..BUSY].iter().enumerate() {
            let traffic = &traffic;
            s.spawn(move || writer(engine, traffic, i, env));
        }
        for offset in 0..2 {
            let (traffic, envs) = (&traffic, &envs);
            s.spawn(move || reader(engine, traffic, offset, envs));
        }
        s.spawn(|| backer(engine, &traffic, &envs[..BUSY]));

        let _stop = StopOnDrop(&traffic.stop);
        traffic.wait_for(50);
        let job = engine.activate_key(ADMIN, &scope, &new.id, ACK).unwrap();
        let before = traffic.ops.load(Ordering::SeqCst);
        let job = engine.run_job(&job.id).unwrap();
        let during = traffic.ops.load(Ordering::SeqCst) - before;
        assert_eq!(job.state, JobState::Succeeded, "{job:?}");
        assert!(during > 0, "no request ran while the job re-wrapped");
        traffic.wait_for(50);
    });

    let failures = traffic.failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} requests failed: {failures:?}",
        failures.len()
    );

    // A1: the new key is active, the previous one available.
    let keys = h.engine.keys(&scope).unwrap();
    let state = |id| keys.iter().find(|k| k.id == id).unwrap().state;
    assert_eq!(state(new.id.clone()), KeyState::Active);
    assert_eq!(state(old.id.clone()), KeyState::Available);

    // Every acknowledged write is there.
    for (i, env) in envs[..BUSY].iter().enumerate() {
        let rows = h.rows(env, "SELECT id FROM t ORDER BY id");
        let stored: Vec<i64> = rows
            .iter()
            .map(|r| match r[0] {
                Value::Integer(v) => v,
                _ => panic!("{r:?}"),
            })
            .collect();
        let acked = traffic.acknowledged.lock().unwrap();
        for (_, seq) in acked.iter().filter(|(w, _)| *w == i) {
            assert!(
                stored.contains(seq),
                "acknowledged write {seq} of writer {i} lost"
            );
        }
    }

    // A2: every environment and backup, including those made during the job, is under
    // the new key, in its record and in its stored wrapping.
    let target = under(&new);
    for env in &envs {
        assert_eq!(h.env(env).protector, target);
        assert_eq!(h.rows(env, "SELECT count(*) FROM sqlite_master").len(), 1);
    }
    let made_during = traffic.backups.lock().unwrap().clone();
    assert!(!made_during.is_empty());
    let mut backups = 0;
    for env in &envs {
        for backup in h.engine.backups(env).unwrap() {
            assert_eq!(backup.protector, target, "backup {}", backup.id);
            backups += 1;
        }
    }
    assert!(backups >= ENVIRONMENTS / 3 + made_during.len());
    for row in h.data_keys() {
        assert_eq!(row.protector, target, "{}", row.owner);
    }
    assert!(h
        .data_keys()
        .iter()
        .all(|r| r.protector != Protector::Platform));

    // A backup made during the job still restores.
    let last = made_during.last().unwrap();
    let owner_env = envs[..BUSY]
        .iter()
        .find(|e| h.engine.backups(e).unwrap().iter().any(|b| &b.id == last))
        .unwrap();
    h.engine.restore(ADMIN, last, owner_env).unwrap();

    let events = h.audit();
    assert!(audited(
        &events,
        "key.activate",
        new.id.as_str(),
        &AuditOutcome::Allowed
    ));
    assert!(audited(
        &events,
        "key.activate",
        new.id.as_str(),
        &refused("activation_cooldown")
    ));
    assert!(audited(
        &events,
        "key.activate.finish",
        new.id.as_str(),
        &AuditOutcome::Allowed
    ));
    h.assert_audit_verifies();
}
