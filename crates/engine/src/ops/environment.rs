//! Environments: creation under the platform key (E1, E2), moving onto the tenant key
//! (E3) and back (E4).
//!
//! E3 re-encrypts the data under a fresh data key, so no platform-wrapped key can read
//! what is written afterwards. It writes the next file generation beside the current one,
//! then one transaction switches data key, generation, protector and every backup's
//! wrapping (destroying the platform-wrapped copies); the old generation is deleted last.
//! A crash before the switch leaves the old generation in force and the new one as debris
//! that the resumed job removes; a crash after it leaves only old debris.

use keyward_domain::model::{Environment, EnvironmentStatus, EnvironmentType, Job, JobKind};
use keyward_domain::model::{JobState, Protector, TenantRegion};
use keyward_domain::rules::environment::{
    apply_tenant_key, create_environment, return_to_platform_key, NewEnvironment, ProtectorChange,
};
use keyward_domain::EnvironmentId;
use keyward_keys::DataKey;
use keyward_storage::EnvironmentDb;
use keyward_store::{DekOwner, WrappedDek};

use crate::audit::AuditEntry;
use crate::envelope::{self, unwrap};
use crate::ops::tenant::load_tenant;
use crate::region::RegionData;
use crate::{Engine, EngineError};

impl Engine {
    /// E1, E2: creates an environment, protected by the platform key, with an empty
    /// encrypted database under a fresh data key.
    pub fn create_environment(
        &self,
        actor: &str,
        scope: &TenantRegion,
        name: &str,
        env_type: EnvironmentType,
    ) -> Result<Environment, EngineError> {
        let id = EnvironmentId::new(Engine::new_id("env")?)
            .map_err(|e| EngineError::Invalid(e.to_string()))?;
        let entry = AuditEntry::new(actor, Some(&scope.tenant), "environment.create", &id);
        let dek = DataKey::generate()?;
        let path = self.layout.environment_file(&id, 0);
        let created = self.audited(entry, |tx, now| {
            let tenant = load_tenant(tx, &scope.tenant)?;
            let new = NewEnvironment {
                id: id.clone(),
                region: scope.region.clone(),
                name: name.to_owned(),
                env_type,
            };
            let env = create_environment(&tenant, new, now)?;
            let owner = DekOwner::Environment(id.clone());
            envelope::store(
                self.vault.as_ref(),
                tx,
                &owner,
                &Protector::Platform,
                &dek,
                0,
            )?;
            tx.put_environment(&env)?;
            // The file exists before the record commits; a failed commit removes it.
            EnvironmentDb::create(&path, dek.expose_bytes())?.close()?;
            Ok(env)
        });
        if created.is_err() {
            remove_files(&self.layout.environment_files(&id)?);
        }
        created
    }

    /// An environment by id.
    pub fn environment(&self, id: &EnvironmentId) -> Result<Environment, EngineError> {
        self.read(|tx| {
            tx.environment(id)?
                .ok_or_else(|| EngineError::not_found("environment", id))
        })
    }

    /// Every environment of a tenant-region.
    pub fn environments(&self, scope: &TenantRegion) -> Result<Vec<Environment>, EngineError> {
        self.read(|tx| {
            RegionData::load(tx, scope)?;
            Ok(tx.environments(scope)?)
        })
    }

    /// E3: starts moving `env` onto the region's active tenant key; returns the job.
    pub fn apply_tenant_key(&self, actor: &str, env: &EnvironmentId) -> Result<Job, EngineError> {
        let scope = self.environment(env)?.scope;
        let entry = AuditEntry::new(actor, Some(&scope.tenant), "environment.apply_key", env);
        self.begin_protector_change(entry, &scope, JobKind::ApplyKey, |region| {
            Ok(apply_tenant_key(&region.state(), env)?)
        })
    }

    /// E4: starts returning `env` to the platform key; a production environment needs its
    /// name typed back. Returns the job.
    pub fn return_to_platform_key(
        &self,
        actor: &str,
        env: &EnvironmentId,
        typed_name: Option<&str>,
    ) -> Result<Job, EngineError> {
        let scope = self.environment(env)?.scope;
        let entry = AuditEntry::new(actor, Some(&scope.tenant), "environment.return_key", env);
        self.begin_protector_change(entry, &scope, JobKind::ReturnKey, |region| {
            Ok(return_to_platform_key(&region.state(), env, typed_name)?)
        })
    }

    fn begin_protector_change(
        &self,
        entry: AuditEntry,
        scope: &TenantRegion,
        kind: JobKind,
        decide: impl FnOnce(&RegionData) -> Result<ProtectorChange, EngineError>,
    ) -> Result<Job, EngineError> {
        let mut open = self.open.guard();
        let job = self.audited(entry, |tx, now| {
            let region = RegionData::load(tx, scope)?;
            let change = decide(&region)?;
            let mut env = region.state().environment(&change.environment)?.clone();
            if change.offline {
                env.status = EnvironmentStatus::Offline;
                tx.put_environment(&env)?;
            }
            let total = 1 + change.backups.len() as u64;
            let job = Engine::new_job(kind, scope, change.environment.as_str(), total, now)?;
            tx.put_job(&job)?;
            Ok((job, change))
        })?;
        // Requests already running may finish; the job waits for them before it copies the
        // data, so the request that started the job never waits (nor can abandon it).
        if job.1.offline {
            if let Some(db) = open.remove(&job.1.environment) {
                self.open.park_draining(job.1.environment.clone(), db);
            }
        }
        drop(open);
        Ok(job.0)
    }

    /// Carries out an E3 or E4 job to its end.
    pub(crate) fn run_protector_change(&self, job: Job) -> Result<(), EngineError> {
        let env_id = EnvironmentId::new(job.subject.clone())
            .map_err(|e| EngineError::Invalid(e.to_string()))?;
        self.open.wait_drained(&env_id);
        let env = self.environment(&env_id)?;
        let target = match job.kind {
            JobKind::ApplyKey => self.active_protector(&job.scope)?,
            _ => Protector::Platform,
        };
        let fresh = job.kind == JobKind::ApplyKey;
        let next = if fresh {
            Some(self.reencrypt_next_generation(&env)?)
        } else {
            None
        };
        self.failpoints.check("protector_change.before_switch")?;
        self.switch_protector(job, &env, &target, next)
    }

    /// The region's active tenant key as a protector.
    fn active_protector(&self, scope: &TenantRegion) -> Result<Protector, EngineError> {
        self.read(|tx| {
            let region = RegionData::load(tx, scope)?;
            let key = region.state().active_key().map(|k| k.id.clone());
            key.map(|key| Protector::TenantKey { key })
                .ok_or_else(|| EngineError::Invalid(format!("{scope} has no active key any more")))
        })
    }

    /// Writes the environment's next generation under a fresh data key; returns the key
    /// and the generation. Debris of an interrupted earlier attempt is removed first.
    fn reencrypt_next_generation(&self, env: &Environment) -> Result<(DataKey, u32), EngineError> {
        let owner = DekOwner::Environment(env.id.clone());
        let current = self.current_dek(&owner)?;
        let next = current.generation + 1;
        self.remove_other_generations(&env.id, current.generation)?;
        let old_key = unwrap(self.vault.as_ref(), &owner, &current)?;
        let fresh = DataKey::generate()?;
        let db = EnvironmentDb::open(
            self.layout.environment_file(&env.id, current.generation),
            old_key.expose_bytes(),
        )?;
        db.reencrypt_to(
            self.layout.environment_file(&env.id, next),
            fresh.expose_bytes(),
        )?;
        db.close()?;
        Ok((fresh, next))
    }

    /// One transaction: new wrapping (and generation), every backup re-wrapped, the
    /// environment online under `target`, the job done. Then old generations go.
    fn switch_protector(
        &self,
        mut job: Job,
        env: &Environment,
        target: &Protector,
        next: Option<(DataKey, u32)>,
    ) -> Result<(), EngineError> {
        let owner = DekOwner::Environment(env.id.clone());
        let action = if next.is_some() {
            "environment.apply_key.finish"
        } else {
            "environment.return_key.finish"
        };
        let entry = AuditEntry::new("keyward", Some(&env.scope.tenant), action, &env.id);
        let generation = self.audited(entry, |tx, now| {
            let generation = match &next {
                Some((dek, generation)) => {
                    envelope::store(self.vault.as_ref(), tx, &owner, target, dek, *generation)?;
                    *generation
                }
                None => {
                    self.rewrap(tx, &owner, target)?;
                    current_generation(tx, &owner)?
                }
            };
            for mut backup in tx.backups(&env.id)? {
                self.rewrap(tx, &DekOwner::Backup(backup.id.clone()), target)?;
                backup.protector = target.clone();
                tx.put_backup(&backup)?;
            }
            let mut moved = tx
                .environment(&env.id)?
                .ok_or_else(|| EngineError::not_found("environment", &env.id))?;
            moved.protector = target.clone();
            moved.status = EnvironmentStatus::Online;
            tx.put_environment(&moved)?;
            job.state = JobState::Succeeded;
            job.done = job.total;
            job.updated_at = now;
            tx.put_job(&job)?;
            Ok(generation)
        })?;
        self.open.guard().remove(&env.id);
        self.remove_other_generations(&env.id, generation)
    }

    /// The stored wrapping of an owner's data key.
    pub(crate) fn current_dek(&self, owner: &DekOwner) -> Result<WrappedDek, EngineError> {
        self.read(|tx| {
            tx.dek(owner)?
                .ok_or_else(|| EngineError::not_found("data key", owner.context()))
        })
    }

    /// Deletes every file of `env` that is not generation `keep`.
    pub(crate) fn remove_other_generations(
        &self,
        env: &EnvironmentId,
        keep: u32,
    ) -> Result<(), EngineError> {
        let keep_path = self.layout.environment_file(env, keep);
        let keep_name = keep_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stale: Vec<_> = self
            .layout
            .environment_files(env)?
            .into_iter()
            .filter(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                !name.starts_with(&keep_name)
            })
            .collect();
        remove_files(&stale);
        Ok(())
    }
}

fn current_generation(
    tx: &mut dyn keyward_store::Tx,
    owner: &DekOwner,
) -> Result<u32, EngineError> {
    Ok(tx.dek(owner)?.map(|d| d.generation).unwrap_or(0))
}

/// Removes files, logging (not failing on) those already gone.
pub(crate) fn remove_files(paths: &[std::path::PathBuf]) {
    for path in paths {
        if let Err(e) = std::fs::remove_file(path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(file = %path.display(), error = %e, "could not remove file");
            }
        }
    }
}
