//! Figure 2: opening an environment cold, through the engine: read its record and wrapped
//! data key, unwrap the key (AES-GCM under the root key for platform-protected, RSA-OAEP in
//! the vault for tenant-protected), open the `EnvironmentDb`, run the first query.
//!
//! The engine keeps an environment open once a request opened it, and offers no way to
//! close one, so each round starts a fresh `Engine` on the same data directory (its opening
//! is not timed): the first request on each environment in that round is a cold open.
//! The OS file cache is warm, as it is for an environment used recently.
//!
//! Baseline, one sample taken right after each open: one RSA-2048 private operation
//! (OpenSSL, key already parsed) plus opening a plain SQLite file with the same settings
//! and running the same first query, in a worker process without SQLCipher's memory
//! security. A breakdown of the tenant-protected path follows, timed piece by piece with
//! the same public pieces the engine uses.
//!
//! Run: `cargo bench -p keyward-bench --bench environment_open`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::{Duration, Instant};

use keyward_bench::fixture::{Fixture, ACTOR};
use keyward_bench::report::{fixed, Table};
use keyward_bench::rsa::RsaBaseline;
use keyward_bench::stats::{ms, percentile};
use keyward_bench::worker::{serve_if_worker, Worker};
use keyward_bench::workload::{self, Flavor};
use keyward_domain::model::Protector;
use keyward_domain::{EnvironmentId, KeyId};
use keyward_engine::layout::Layout;
use keyward_engine::Value;
use keyward_storage::EnvironmentDb;
use keyward_store::{transact, DekOwner, SqliteStore};
use keyward_vault::{FileVault, ObjectId, ObjectKind, Vault};

const BENCH: &str = "environment_open";
const FIRST_QUERY: &str = "SELECT count(*) FROM t";

/// Samples of one kind of open, with the baseline taken beside each.
#[derive(Default)]
struct Samples {
    open: Vec<Duration>,
    baseline: Vec<Duration>,
}

fn main() {
    if serve_if_worker() {
        return;
    }
    let fixture = Fixture::new().unwrap();
    let scope = fixture.tenant("bench-open").unwrap();
    let (key, _) = fixture.generate_key(&scope).unwrap();
    let count = keyward_bench::settings::open_environments();

    let setup = Instant::now();
    let platform: Vec<EnvironmentId> = (0..count)
        .map(|i| {
            fixture
                .engine_environment(&scope, &format!("p{i}"), false, false)
                .unwrap()
        })
        .collect();
    let tenant = fixture
        .bulk_environments(&scope, &key.id, count, false)
        .unwrap();
    for env in platform.iter().chain(&tenant) {
        fill(&fixture, env);
    }
    eprintln!(
        "setup: {count} + {count} environments in {:.1?}",
        setup.elapsed()
    );

    let plain_db = fixture.root().join("baseline-plain.db");
    make_plain_baseline(&plain_db);
    let mut plain = Worker::spawn(Flavor::Plain, &plain_db).unwrap();
    let rsa = RsaBaseline::new().unwrap();

    let mut fixture = fixture;
    let (platform_s, tenant_s) = measure(
        &mut fixture,
        &platform,
        &tenant,
        &rsa,
        &mut plain,
        &plain_db,
    );
    open_table(&platform_s, &tenant_s, count).publish(BENCH);

    // A fresh engine that opened nothing, so the breakdown's opens are cold too.
    fixture.reopen().unwrap();
    breakdown(fixture.root(), &key.id, &tenant, &rsa).publish(BENCH);
}

/// A small table in each environment, so the first query reads a user table.
fn fill(fixture: &Fixture, env: &EnvironmentId) {
    let e = &fixture.engine;
    e.sql(
        ACTOR,
        env,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
        &[],
    )
    .unwrap();
    for i in 0..10 {
        e.sql(
            ACTOR,
            env,
            "INSERT INTO t (v) VALUES (?1)",
            &[Value::Text(format!("v{i}"))],
        )
        .unwrap();
    }
}

fn make_plain_baseline(path: &Path) {
    let conn = workload::open(Flavor::Plain, path, workload::WARM_CACHE_KIB).unwrap();
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, payload BLOB)")
        .unwrap();
    conn.execute_batch("INSERT INTO t (name, payload) VALUES ('a', x'00')")
        .unwrap();
}

/// Rounds of cold opens, platform and tenant interleaved, each followed by a baseline.
fn measure(
    fixture: &mut Fixture,
    platform: &[EnvironmentId],
    tenant: &[EnvironmentId],
    rsa: &RsaBaseline,
    plain: &mut Worker,
    plain_db: &Path,
) -> (Samples, Samples) {
    let (mut p, mut t) = (Samples::default(), Samples::default());
    let open_query = format!("open_query {}", plain_db.display());
    for _ in 0..keyward_bench::settings::open_rounds() {
        fixture.reopen().unwrap();
        // Touch the metadata store once, so the first sample is not its first read.
        fixture.engine.tenants().unwrap();
        for (pe, te) in platform.iter().zip(tenant) {
            for (env, samples) in [(pe, &mut p), (te, &mut t)] {
                samples.open.push(first_query(fixture, env));
                let base = rsa.time_private_op().unwrap() + plain.call(&open_query).unwrap();
                samples.baseline.push(base);
            }
        }
    }
    (p, t)
}

fn first_query(fixture: &Fixture, env: &EnvironmentId) -> Duration {
    let start = Instant::now();
    let result = fixture.engine.sql(ACTOR, env, FIRST_QUERY, &[]).unwrap();
    let elapsed = start.elapsed();
    assert_eq!(result.rows.len(), 1);
    elapsed
}

fn open_table(platform: &Samples, tenant: &Samples, count: usize) -> Table {
    let mut table = Table::new(
        &format!(
            "Cold open through the engine ({} samples per protector)",
            platform.open.len()
        ),
        &[
            "protector",
            "p50 ms",
            "p99 ms",
            "baseline p50 ms",
            "baseline p99 ms",
            "p99 ÷ baseline p99",
            "goal ≤ 1.5",
        ],
    );
    for (name, s) in [("platform", platform), ("tenant", tenant)] {
        let (p99, b99) = (percentile(&s.open, 99.0), percentile(&s.baseline, 99.0));
        let ratio = p99.as_secs_f64() / b99.as_secs_f64();
        table.row(vec![
            name.into(),
            fixed(ms(percentile(&s.open, 50.0)), 3),
            fixed(ms(p99), 3),
            fixed(ms(percentile(&s.baseline, 50.0)), 3),
            fixed(ms(b99), 3),
            fixed(ratio, 2),
            (if ratio <= 1.5 { "met" } else { "missed" }).into(),
        ]);
    }
    table.note(format!(
        "{count} environments per protector, each opened once per round; a fresh engine per \
         round. Baseline = one RSA-2048 private operation + plain SQLite open and first query."
    ));
    table
}

/// The tenant-protected open, piece by piece, with the pieces the engine uses.
fn breakdown(data_dir: &Path, key: &KeyId, envs: &[EnvironmentId], rsa: &RsaBaseline) -> Table {
    let store = SqliteStore::open(&data_dir.join("metadata.db")).unwrap();
    let vault = FileVault::open(&data_dir.join("vault")).unwrap();
    let object = ObjectId::new(ObjectKind::TenantKey, key.as_str()).unwrap();
    let mut parts: [Vec<Duration>; 5] = Default::default();
    for env in envs {
        let owner = DekOwner::Environment(env.clone());
        let (wrapped, t_store) = time(|| transact(&store, |tx| tx.dek(&owner)).unwrap().unwrap());
        assert!(matches!(wrapped.protector, Protector::TenantKey { .. }));
        let (dek, t_unwrap) = time(|| {
            vault
                .decrypt_oaep_sha256(&object, &owner.context(), &wrapped.wrapped)
                .unwrap()
        });
        let bytes: [u8; 32] = dek.as_slice().try_into().unwrap();
        let path = Layout::new(data_dir).environment_file(env, 0);
        let (db, t_open) = time(|| EnvironmentDb::open(&path, &bytes).unwrap());
        let (_, t_query) = time(|| db.execute(FIRST_QUERY, &[]).unwrap());
        db.close().unwrap();
        let t_rsa = rsa.time_private_op().unwrap();
        for (i, t) in [t_store, t_unwrap, t_rsa, t_open, t_query]
            .into_iter()
            .enumerate()
        {
            parts[i].push(t);
        }
    }
    breakdown_table(&parts)
}

fn breakdown_table(parts: &[Vec<Duration>; 5]) -> Table {
    let names = [
        "read wrapped key from the store",
        "vault unwrap (load + unseal + parse PKCS#8 + RSA-OAEP)",
        "  of which the RSA private op alone (baseline, parsed key)",
        "EnvironmentDb::open (3 keyed connections, schema check)",
        "first query through EnvironmentDb::execute",
    ];
    let mut table = Table::new(
        "Where a tenant-protected cold open goes",
        &["step", "p50 ms", "p99 ms"],
    );
    for (name, samples) in names.iter().zip(parts) {
        table.row(vec![
            (*name).into(),
            fixed(ms(percentile(samples, 50.0)), 3),
            fixed(ms(percentile(samples, 99.0)), 3),
        ]);
    }
    table
}

fn time<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = work();
    (value, start.elapsed())
}
