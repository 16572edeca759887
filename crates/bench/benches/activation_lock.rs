//! Figures 3 and 4: activation re-wraps every data key of a region onto a new key, and a
//! lock takes every tenant-protected environment of the region offline.
//!
//! Activation: N tenant-protected environments, each with one backup (2N data keys), are
//! made quickly (`Fixture::bulk_environments`; setup timed on its own, and the engine's
//! own path timed on a few environments for comparison). A second key is generated, the
//! clock moved past A3's 24 hours, and `activate_key` + `run_job` timed. Baseline, in the
//! same run before and after: RSA-2048 private operations per second with one thread per
//! core. Each data key needs exactly one private operation, so data keys re-wrapped per
//! second ÷ that throughput is the share of the machine's RSA capacity the job uses.
//!
//! Lock: at N/10, N/3 and N environments (each size a tenant of its own; the largest is
//! the activated one), the clock moved past L2's 72 hours, some environments opened, then
//! `lock` timed: when it returns, every environment of the region is committed `locked`
//! and purged from memory, which is then checked by reading each one. Baselines in the same
//! run: importing the presented key file (a constant every lock pays), and the bare
//! bookkeeping, one store transaction that reads the region's N environments and writes
//! each back.
//!
//! Run: `cargo bench -p keyward-bench --bench activation_lock`
//! (`KEYWARD_BENCH_FULL=1` for 10,000 environments; `KEYWARD_BENCH_ENVS=n` for any N).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use keyward_bench::fixture::{timed, Fixture, KeyFile, ACTOR};
use keyward_bench::report::{fixed, Table};
use keyward_bench::rsa::{cores, RsaBaseline};
use keyward_bench::settings;
use keyward_bench::stats::{ms, ThreadTimes};
use keyward_bench::worker::{serve_if_worker, Worker};
use keyward_bench::workload::Flavor;
use keyward_domain::model::{JobState, TenantRegion};
use keyward_domain::rules::keys::Risk;
use keyward_domain::EnvironmentId;
use keyward_keys::IterationLimits;
use keyward_store::{transact, SqliteStore};

const BENCH: &str = "activation_lock";

/// Environments made through the engine to show what its own path costs per environment.
const ENGINE_PATH_SAMPLE: usize = 10;

/// Environments opened before a lock, so the lock has open ones to purge.
const OPEN_BEFORE_LOCK: usize = 20;

/// Environments whose refusal is checked by a real read after the lock (each refused read
/// appends an fsync'd audit event, ≈ 15 ms here); every other one is checked by status.
const READ_CHECKS: usize = 200;

/// Imports of the presented key file timed for the constant part of a lock (median).
const IMPORT_SAMPLES: usize = 3;

/// A tenant-region ready to be locked.
struct Region {
    scope: TenantRegion,
    file: KeyFile,
    envs: Vec<EnvironmentId>,
}

fn main() {
    if serve_if_worker() {
        return;
    }
    let fixture = Fixture::new().unwrap();
    let n = settings::environments();
    let rsa = Arc::new(RsaBaseline::new().unwrap());

    let mut setup = setup_table();
    engine_path_sample(&fixture, &mut setup);
    let region = region_with(&fixture, "bench-activate", n, &mut setup);

    let (activation, active_file) = named("kw-activation", || activate(&fixture, &region, &rsa));
    activation.publish(BENCH);
    key_handling_table().publish(BENCH);

    let mut regions = Vec::new();
    for (i, &size) in settings::lock_sizes().iter().enumerate() {
        if size == n {
            continue;
        }
        regions.push(region_with(
            &fixture,
            &format!("bench-lock-{i}"),
            size,
            &mut setup,
        ));
    }
    regions.push(Region {
        file: active_file,
        ..region
    });
    setup.publish(BENCH);
    named("kw-lock", || lock_all(&fixture, &regions)).publish(BENCH);
}

/// Runs `work` on a thread of its own named `name`, so a profile of the whole run can be
/// narrowed to it (`perf report --comms kw-activation`).
fn named<T: Send>(name: &str, work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name(name.into())
            .spawn_scoped(s, work)
            .unwrap()
            .join()
            .unwrap()
    })
}

fn setup_table() -> Table {
    Table::new(
        "Setup (not part of any figure)",
        &["what", "environments", "seconds", "ms per environment"],
    )
}

/// A few environments through the engine's own path: create, E3 job, backup.
fn engine_path_sample(fixture: &Fixture, setup: &mut Table) {
    let scope = fixture.tenant("bench-engine-path").unwrap();
    fixture.generate_key(&scope).unwrap();
    let ((), took) = timed(|| {
        for i in 0..ENGINE_PATH_SAMPLE {
            fixture.engine_environment(&scope, &format!("e{i}"), true, true)?;
        }
        Ok(())
    })
    .unwrap();
    setup_row(
        setup,
        "engine path: create + apply tenant key + backup",
        ENGINE_PATH_SAMPLE,
        took,
    );
}

/// A tenant with a fresh active key and `count` tenant-protected environments with backups.
fn region_with(fixture: &Fixture, name: &str, count: usize, setup: &mut Table) -> Region {
    let scope = fixture.tenant(name).unwrap();
    let (key, file) = fixture.generate_key(&scope).unwrap();
    let (envs, took) = timed(|| fixture.bulk_environments(&scope, &key.id, count, true)).unwrap();
    setup_row(
        setup,
        &format!("bulk: {name} (with one backup each)"),
        count,
        took,
    );
    // The bulk path must give environments the engine can open and read.
    let probe = fixture
        .engine
        .sql(ACTOR, &envs[0], "SELECT 1", &[])
        .unwrap();
    assert_eq!(probe.rows.len(), 1);
    Region { scope, file, envs }
}

fn setup_row(setup: &mut Table, what: &str, count: usize, took: Duration) {
    setup.row(vec![
        what.into(),
        count.to_string(),
        fixed(took.as_secs_f64(), 1),
        fixed(ms(took) / count as f64, 2),
    ]);
}

/// What one activation run measured.
struct Activation {
    envs: usize,
    keys: u64,
    took: Duration,
    thread: ThreadTimes,
    rsa_one: f64,
    rsa_all: f64,
}

/// Figure 3. Returns the table and the new active key's file (for the lock).
fn activate(fixture: &Fixture, region: &Region, rsa: &Arc<RsaBaseline>) -> (Table, KeyFile) {
    let (new_key, file) = fixture.generate_key(&region.scope).unwrap();
    fixture.advance(Duration::from_secs(25 * 3600));
    let before = rsa_rates(rsa);

    let (start, times) = (Instant::now(), ThreadTimes::now());
    let job = fixture
        .engine
        .activate_key(ACTOR, &region.scope, &new_key.id, Risk::Acknowledged)
        .unwrap();
    let job = fixture.engine.run_job(&job.id).unwrap();
    let (took, thread) = (start.elapsed(), ThreadTimes::now().since(times));
    assert_eq!(job.state, JobState::Succeeded);

    let after = rsa_rates(rsa);
    let result = Activation {
        envs: region.envs.len(),
        keys: job.done,
        took,
        thread,
        rsa_one: (before.0 + after.0) / 2.0,
        rsa_all: (before.1 + after.1) / 2.0,
    };
    (activation_table(&result), file)
}

/// The per-data-key steps, timed alone, for the activation profile.
fn key_handling_table() -> Table {
    let samples = if settings::quick() { 20 } else { 500 };
    let mut table = Table::new(
        "Per data key: the steps of a re-wrap, timed alone (medians)",
        &["step", "ms"],
    );
    for (name, took) in keyward_bench::rsa::key_handling_profile(samples).unwrap() {
        table.row(vec![name.into(), fixed(ms(took), 3)]);
    }
    table
}

/// RSA-2048 private operations per second on one thread and on every core.
fn rsa_rates(rsa: &Arc<RsaBaseline>) -> (f64, f64) {
    let time = settings::rsa_throughput_time();
    let one = rsa.ops_per_second(1, time).unwrap();
    let all = rsa.ops_per_second(cores(), time).unwrap();
    (one, all)
}

fn activation_table(a: &Activation) -> Table {
    let keys_per_s = a.keys as f64 / a.took.as_secs_f64();
    let ratio = keys_per_s / a.rsa_all;
    let mut table = Table::new(
        &format!("Activation: {} environments + {} backups", a.envs, a.envs),
        &[
            "data keys",
            "seconds",
            "environments/s",
            "data keys/s",
            "RSA ops/s, 1 thread",
            &format!("RSA ops/s, {} threads", cores()),
            "ratio (all cores)",
            "goal ≥ 0.7",
            "job thread on CPU",
            "waiting for a CPU",
        ],
    );
    table.row(vec![
        a.keys.to_string(),
        fixed(a.took.as_secs_f64(), 2),
        fixed(a.envs as f64 / a.took.as_secs_f64(), 1),
        fixed(keys_per_s, 1),
        fixed(a.rsa_one, 0),
        fixed(a.rsa_all, 0),
        fixed(ratio, 2),
        (if ratio >= 0.7 { "met" } else { "missed" }).into(),
        percent(a.thread.on_cpu, a.took),
        percent(a.thread.waiting_for_cpu, a.took),
    ]);
    table.note(
        "ratio = data keys re-wrapped per second ÷ RSA-2048 private operations per second on \
         all cores (mean of before and after the job); one private operation per data key. \
         The job runs on one thread; the rest of its wall time it was blocked (I/O, fsync).",
    );
    table
}

fn percent(part: Duration, whole: Duration) -> String {
    format!("{:.0} %", 100.0 * part.as_secs_f64() / whole.as_secs_f64())
}

/// Figure 4, at every size.
fn lock_all(fixture: &Fixture, regions: &[Region]) -> Table {
    let mut table = Table::new(
        "Lock: from the request until every environment refuses reads",
        &[
            "environments",
            "lock() ms",
            "key file import ms",
            "lock − import ms",
            "bookkeeping baseline ms",
            "(lock − import) ÷ bookkeeping",
            "bookkeeping, no memory security ms",
            "check ms",
            "job ms",
            "goal < 1 s at 10,000",
        ],
    );
    fixture.advance(Duration::from_secs(73 * 3600));
    let scratch = fixture.root().join("plain-worker.db");
    let mut plain = Worker::spawn(Flavor::Plain, &scratch).unwrap();
    for region in regions {
        let mut row = lock_one(fixture, region);
        let command = format!(
            "bookkeeping {} {} {}",
            fixture.engine.layout().metadata_db().display(),
            region.scope.tenant,
            region.scope.region
        );
        row.insert(6, fixed(ms(plain.call(&command).unwrap()), 1));
        table.row(row);
    }
    table.note(
        "lock() returns after the transaction that marks every environment locked and the purge \
         of the open ones: from then on every read is refused ('check ms': every status, \
         plus real reads of the open ones and a spread sample of 200). \
         'job ms' is the job that then destroys the private keys. Key file import is the \
         PKCS#12 check of the presented key (PBKDF2, constant); bookkeeping is one store \
         transaction reading and rewriting the N environment records, in this process \
         (where SQLCipher's process-wide memory security is on, as in the server) and, \
         after the lock, in a worker process where it never was.",
    );
    table
}

fn lock_one(fixture: &Fixture, region: &Region) -> Vec<String> {
    let engine = &fixture.engine;
    for env in region.envs.iter().take(OPEN_BEFORE_LOCK) {
        engine.sql(ACTOR, env, "SELECT 1", &[]).unwrap();
    }
    let bookkeeping = bookkeeping_baseline(fixture, &region.scope);
    let import = import_time(&region.file);
    let confirmation = engine
        .issue_lock_confirmation(ACTOR, &region.scope)
        .unwrap()
        .confirmation;

    let start = Instant::now();
    let job = engine
        .lock(
            ACTOR,
            &region.scope,
            &region.file.bytes,
            Some(&region.file.password()),
            &confirmation,
            Risk::Acknowledged,
        )
        .unwrap();
    let lock = start.elapsed();

    let ((), check) = timed(|| {
        all_refuse(fixture, region);
        Ok(())
    })
    .unwrap();
    let (_, job_time) = timed(|| Ok(engine.run_job(&job.id)?)).unwrap();
    lock_row(
        region.envs.len(),
        lock,
        import,
        bookkeeping,
        check,
        job_time,
    )
}

fn lock_row(
    n: usize,
    lock: Duration,
    import: Duration,
    bookkeeping: Duration,
    check: Duration,
    job: Duration,
) -> Vec<String> {
    let own = lock.saturating_sub(import);
    let goal = if n >= 10_000 {
        if lock < Duration::from_secs(1) {
            "met"
        } else {
            "missed"
        }
    } else {
        "n/a (N < 10,000)"
    };
    vec![
        n.to_string(),
        fixed(ms(lock), 1),
        fixed(ms(import), 1),
        fixed(ms(own), 1),
        fixed(ms(bookkeeping), 1),
        fixed(own.as_secs_f64() / bookkeeping.as_secs_f64(), 2),
        fixed(ms(check), 1),
        fixed(ms(job), 1),
        goal.into(),
    ]
}

/// Every environment is committed `locked`, which is what makes the data path refuse it
/// (L5); a spread sample, the open ones first, is also read and must be refused.
fn all_refuse(fixture: &Fixture, region: &Region) {
    let records = fixture.engine.environments(&region.scope).unwrap();
    assert_eq!(records.len(), region.envs.len());
    assert!(records.iter().all(|e| e.is_locked()));
    let step = (region.envs.len() / READ_CHECKS).max(1);
    let opened = region.envs.iter().take(OPEN_BEFORE_LOCK);
    for env in opened.chain(region.envs.iter().step_by(step)) {
        let error = fixture.engine.sql(ACTOR, env, "SELECT 1", &[]).unwrap_err();
        assert_eq!(error.code(), "environment_locked", "{env}");
    }
}

/// Importing the presented key file, as the lock does first (median of a few).
fn import_time(file: &KeyFile) -> Duration {
    let mut samples: Vec<Duration> = (0..IMPORT_SAMPLES)
        .map(|_| {
            let start = Instant::now();
            let limits = IterationLimits::default();
            keyward_keys::import_key(&file.bytes, Some(&file.password()), None, limits).unwrap();
            start.elapsed()
        })
        .collect();
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// One transaction reading the region's environments and writing each back unchanged.
fn bookkeeping_baseline(fixture: &Fixture, scope: &TenantRegion) -> Duration {
    let store = SqliteStore::open(&fixture.engine.layout().metadata_db()).unwrap();
    let start = Instant::now();
    transact(&store, |tx| {
        for env in tx.environments(scope)? {
            tx.put_environment(&env)?;
        }
        Ok::<_, keyward_store::StoreError>(())
    })
    .unwrap();
    start.elapsed()
}
