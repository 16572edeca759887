//! An engine on a manual clock in a temporary data directory, with tenants, keys and many
//! tenant-protected environments.
//!
//! Environments made through the engine cost a create, an E3 re-encryption job and a backup
//! each (see [`Fixture::engine_environment`]), so thousands of them would take most of the
//! suite's budget before anything is measured. [`Fixture::bulk_environments`] makes the
//! same end state directly: for each environment a fresh data key, a real encrypted file
//! made by `EnvironmentDb::create`, its key wrapped with RSA-OAEP-SHA256 under the tenant
//! key's public half exactly as the engine wraps it (owner id as label), and its records
//! written through the store's own `Tx` on a second connection to the metadata database;
//! the same for one backup each. Files are made on several threads per core; records are written many to
//! a transaction. The engine keeps nothing about environments in memory but the ones it
//! has open, so it sees the new ones at once. Nothing here is measured as part of a figure:
//! setup time is reported on its own.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use keyward_domain::model::{
    Backup, Environment, EnvironmentStatus, EnvironmentType, Protector, Storage, TenantKey,
    TenantRegion,
};
use keyward_domain::rules::keys::Risk;
use keyward_domain::{BackupId, EnvironmentId, KeyId, ManualClock, Policy, RegionName, TenantId};
use keyward_engine::layout::Layout;
use keyward_engine::{Engine, EngineConfig};
use keyward_keys::{DataKey, IterationLimits, Password, Pkcs12Profile};
use keyward_storage::EnvironmentDb;
use keyward_store::{transact, DekOwner, SqliteStore, Tx, WrappedDek};
use openssl::pkey::{PKey, Public};
use time::macros::datetime;

/// The actor of every call.
pub const ACTOR: &str = "bench-admin";

/// The region of every tenant.
pub const REGION: &str = "eu-west";

/// The password of every generated key file.
const PASSWORD: &str = "benchmark key password";

/// Records written per store transaction during bulk setup.
const RECORDS_PER_TX: usize = 500;

/// A tenant key file as its admin holds it.
#[derive(Clone)]
pub struct KeyFile {
    /// The PKCS#12 bytes.
    pub bytes: Vec<u8>,
}

impl KeyFile {
    /// The file's password.
    pub fn password(&self) -> Password {
        Password::from_bytes(PASSWORD.as_bytes())
    }
}

/// An engine over a temporary data directory and the clock it reads.
pub struct Fixture {
    dir: tempfile::TempDir,
    /// The clock every rule reads; move it to pass the A3 and L2 windows.
    pub clock: ManualClock,
    /// The engine.
    pub engine: Engine,
}

/// One environment and its backup, made by [`Fixture::bulk_environments`].
struct Made {
    env: Environment,
    env_dek: WrappedDek,
    backup: Option<(Backup, WrappedDek)>,
}

impl Fixture {
    /// A fresh data directory with the SPEC's default policy.
    pub fn new() -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("keyward-bench-")
            .tempdir()?;
        let clock = ManualClock::new(datetime!(2026-03-01 09:00 UTC));
        let engine = open_engine(dir.path(), &clock)?;
        Ok(Self { dir, clock, engine })
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Closes the engine and opens a new one on the same directory: nothing stays open.
    pub fn reopen(&mut self) -> Result<()> {
        let fresh = open_engine(self.dir.path(), &self.clock)?;
        drop(std::mem::replace(&mut self.engine, fresh));
        Ok(())
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.clock
            .advance(time::Duration::seconds(by.as_secs() as i64 + 1));
    }

    /// A new tenant with one region and the self-managed-key feature on.
    pub fn tenant(&self, name: &str) -> Result<TenantRegion> {
        let tenant = TenantId::new(name)?;
        let region = RegionName::new(REGION)?;
        self.engine
            .create_tenant(ACTOR, tenant.clone(), name, vec![region.clone()])?;
        self.engine.enable_feature(ACTOR, &tenant)?;
        self.clock.advance(time::Duration::minutes(1));
        Ok(TenantRegion { tenant, region })
    }

    /// Generates a key in `scope` (the first of a region arrives active, K5).
    pub fn generate_key(&self, scope: &TenantRegion) -> Result<(TenantKey, KeyFile)> {
        let password = Password::from_bytes(PASSWORD.as_bytes());
        let generated = self.engine.generate_key(
            ACTOR,
            scope,
            &password,
            Pkcs12Profile::Modern,
            Risk::Acknowledged,
        )?;
        let file = KeyFile {
            bytes: generated.pkcs12.into_bytes(),
        };
        Ok((generated.key, file))
    }

    /// One environment through the engine: created (E2), moved onto the active tenant key
    /// (E3, a re-encryption job) when `tenant_key`, and backed up when `backup`.
    pub fn engine_environment(
        &self,
        scope: &TenantRegion,
        name: &str,
        tenant_key: bool,
        backup: bool,
    ) -> Result<EnvironmentId> {
        let env = self
            .engine
            .create_environment(ACTOR, scope, name, EnvironmentType::Sandbox)?
            .id;
        if tenant_key {
            let job = self.engine.apply_tenant_key(ACTOR, &env)?;
            self.engine.run_job(&job.id)?;
        }
        if backup {
            self.engine.backup(ACTOR, &env)?;
        }
        Ok(env)
    }

    /// Makes `count` environments of `scope` protected by `key`, each with one backup when
    /// `backups`; see the module docs. Returns their ids.
    pub fn bulk_environments(
        &self,
        scope: &TenantRegion,
        key: &KeyId,
        count: usize,
        backups: bool,
    ) -> Result<Vec<EnvironmentId>> {
        let public = self.public_key(key)?;
        let protector = Protector::TenantKey { key: key.clone() };
        let plan = BulkPlan {
            layout: self.engine.layout().clone(),
            scope,
            protector: &protector,
            public: &public,
            now: self.engine.now(),
            backups,
        };
        let made = make_in_parallel(&plan, count)?;
        let ids = made.iter().map(|m| m.env.id.clone()).collect();
        write_records(&self.engine.layout().metadata_db(), &made)?;
        Ok(ids)
    }

    fn public_key(&self, key: &KeyId) -> Result<PKey<Public>> {
        let store = SqliteStore::open(&self.engine.layout().metadata_db())?;
        let der = transact(&store, |tx| tx.public_key(key))?
            .ok_or_else(|| anyhow!("no public key for {key}"))?;
        Ok(PKey::public_key_from_der(&der)?)
    }
}

/// What every environment of one bulk setup shares.
struct BulkPlan<'a> {
    layout: Layout,
    scope: &'a TenantRegion,
    protector: &'a Protector,
    public: &'a PKey<Public>,
    now: time::OffsetDateTime,
    backups: bool,
}

/// Threads per core making files: creating a file waits on four fsyncs, so more threads
/// than cores keep the disk's queue full.
const SETUP_THREADS_PER_CORE: usize = 4;

/// Makes `count` environments' files and wrapped keys on several threads per core.
fn make_in_parallel(plan: &BulkPlan<'_>, count: usize) -> Result<Vec<Made>> {
    let threads = (SETUP_THREADS_PER_CORE * crate::rsa::cores()).min(count.max(1));
    let run = Arc::new(unique_run_tag()?);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let run = Arc::clone(&run);
                s.spawn(move || -> Result<Vec<Made>> {
                    (t..count)
                        .step_by(threads)
                        .map(|i| make_one(plan, &run, i))
                        .collect()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(count);
        for handle in handles {
            all.extend(
                handle
                    .join()
                    .map_err(|_| anyhow!("a setup thread panicked"))??,
            );
        }
        Ok(all)
    })
}

/// Makes one environment (and its backup): files, data keys, records.
fn make_one(plan: &BulkPlan<'_>, run: &str, i: usize) -> Result<Made> {
    let env_id = EnvironmentId::new(format!("env-{run}-{i:06}"))?;
    let env_owner = DekOwner::Environment(env_id.clone());
    let env_file = plan.layout.environment_file(&env_id, 0);
    let env_dek = new_database(plan, &env_owner, &env_file)?;
    let env = Environment {
        id: env_id.clone(),
        scope: plan.scope.clone(),
        name: format!("bench-{i}"),
        env_type: EnvironmentType::Sandbox,
        storage: Storage::Modern,
        protector: plan.protector.clone(),
        status: EnvironmentStatus::Online,
        created_at: plan.now,
    };
    let backup = if plan.backups {
        let id = BackupId::new(format!("bkp-{run}-{i:06}"))?;
        let owner = DekOwner::Backup(id.clone());
        let file = plan.layout.backup_file(&id);
        let dek = new_database(plan, &owner, &file)?;
        let record = Backup {
            id,
            environment: env_id,
            scope: plan.scope.clone(),
            protector: plan.protector.clone(),
            created_at: plan.now,
        };
        Some((record, dek))
    } else {
        None
    };
    Ok(Made {
        env,
        env_dek,
        backup,
    })
}

/// An empty environment database at `path` under a fresh data key, which is returned
/// wrapped for `owner` the way the engine's envelope wraps it.
fn new_database(plan: &BulkPlan<'_>, owner: &DekOwner, path: &Path) -> Result<WrappedDek> {
    let dek = DataKey::generate()?;
    EnvironmentDb::create(path, dek.expose_bytes())?.close()?;
    let wrapped =
        keyward_vault::wrap_oaep_sha256(plan.public, &owner.context(), dek.expose_bytes())?;
    Ok(WrappedDek {
        protector: plan.protector.clone(),
        wrapped,
        generation: 0,
    })
}

/// Writes every record of `made`, [`RECORDS_PER_TX`] environments per transaction.
fn write_records(metadata: &Path, made: &[Made]) -> Result<()> {
    let store = SqliteStore::open(metadata)?;
    for chunk in made.chunks(RECORDS_PER_TX) {
        transact(&store, |tx: &mut dyn Tx| {
            for m in chunk {
                tx.put_environment(&m.env)?;
                tx.put_dek(&DekOwner::Environment(m.env.id.clone()), &m.env_dek)?;
                if let Some((backup, dek)) = &m.backup {
                    tx.put_backup(backup)?;
                    tx.put_dek(&DekOwner::Backup(backup.id.clone()), dek)?;
                }
            }
            Ok::<_, keyward_store::StoreError>(())
        })
        .context("writing environment records")?;
    }
    Ok(())
}

/// A short random tag, so ids of two bulk setups never collide.
fn unique_run_tag() -> Result<String> {
    let mut bytes = [0u8; 4];
    openssl::rand::rand_bytes(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn open_engine(dir: &Path, clock: &ManualClock) -> Result<Engine> {
    Ok(Engine::open(EngineConfig {
        data_dir: dir.to_path_buf(),
        policy: Policy::default(),
        clock: Arc::new(clock.clone()),
        iteration_limits: IterationLimits::default(),
    })?)
}

/// How long `work` takes, with its result.
pub fn timed<T>(work: impl FnOnce() -> Result<T>) -> Result<(T, Duration)> {
    let start = Instant::now();
    let value = work()?;
    Ok((value, start.elapsed()))
}
