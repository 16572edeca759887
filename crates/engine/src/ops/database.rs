//! Database operations (D1–D5): backup, restore, copy, reset, delete.
//!
//! Each backup has its own fresh data key, wrapped under the protector its environment
//! had when the backup committed, so a backup can be re-wrapped, destroyed or restored on
//! its own. Files are written before the records that name them commit, and removed when
//! the commit fails; a record never names a file that is not complete.

use keyward_domain::model::{Backup, Environment, EnvironmentStatus, Protector};
use keyward_domain::rules::database::{
    backup_environment, copy_environment, delete_environment, reset_environment, restore_backup,
};
use keyward_domain::{BackupId, EnvironmentId};
use keyward_keys::DataKey;
use keyward_storage::EnvironmentDb;
use keyward_store::DekOwner;

use crate::audit::AuditEntry;
use crate::envelope::{self, unwrap};
use crate::ops::environment::remove_files;
use crate::region::RegionData;
use crate::{Engine, EngineError};

/// Prefix of the transit files of copies (D3); one left by a crash is encrypted under a
/// key that no longer exists and is removed when the engine opens.
pub(crate) const COPY_PREFIX: &str = ".copy-";

impl Engine {
    /// D1: a point-in-time backup of an environment that is not locked.
    pub fn backup(&self, actor: &str, env: &EnvironmentId) -> Result<Backup, EngineError> {
        let record = self.environment(env)?;
        let entry = AuditEntry::new(actor, Some(&record.scope.tenant), "environment.backup", env);
        // The L5 gate first, like every other request on the environment: a locked one is
        // refused as `environment_locked` (L5), as restore and copy are, rather than with
        // D1's generic `backup_refused`.
        let db = match self.open_online(env) {
            Ok(db) => db,
            Err(error) => return self.refuse(&entry, error),
        };
        if let Err(error) = backup_environment(&record).map_err(EngineError::from) {
            return self.refuse(&entry, error);
        }
        let id = BackupId::new(Engine::new_id("bkp")?)
            .map_err(|e| EngineError::Invalid(e.to_string()))?;
        let path = self.layout.backup_file(&id);
        let dek = DataKey::generate()?;
        db.backup_to(&path, dek.expose_bytes())?;
        let result = self.audited(entry, |tx, now| {
            let current = tx
                .environment(env)?
                .ok_or_else(|| EngineError::not_found("environment", env))?;
            let plan = backup_environment(&current)?;
            let protector = backup_protector(tx, &current, plan.protector)?;
            let owner = DekOwner::Backup(id.clone());
            envelope::store(self.vault.as_ref(), tx, &owner, &protector, &dek, 0)?;
            let backup = Backup {
                id: id.clone(),
                environment: env.clone(),
                scope: current.scope,
                protector,
                created_at: now,
            };
            tx.put_backup(&backup)?;
            Ok(backup)
        });
        if result.is_err() {
            remove_files(&[path]);
        }
        result
    }

    /// The backups of an environment, oldest first.
    pub fn backups(&self, env: &EnvironmentId) -> Result<Vec<Backup>, EngineError> {
        self.environment(env)?;
        self.read(|tx| Ok(tx.backups(env)?))
    }

    /// D2: restores a backup into its own environment or another allowed one.
    pub fn restore(
        &self,
        actor: &str,
        backup: &BackupId,
        target: &EnvironmentId,
    ) -> Result<(), EngineError> {
        let (record, source, target_env) = self.read(|tx| {
            let record = tx
                .backup(backup)?
                .ok_or_else(|| EngineError::not_found("backup", backup))?;
            let source = need_env(tx.environment(&record.environment)?, &record.environment)?;
            let target_env = need_env(tx.environment(target)?, target)?;
            Ok((record, source, target_env))
        })?;
        let entry = AuditEntry::new(
            actor,
            Some(&target_env.scope.tenant),
            "environment.restore",
            target,
        );
        let checked = restore_backup(&record, &source, &target_env).map_err(EngineError::from);
        let result = checked.and_then(|_| {
            let db = self.open_online(target)?;
            let owner = DekOwner::Backup(record.id.clone());
            let dek = unwrap(self.vault.as_ref(), &owner, &self.current_dek(&owner)?)?;
            db.restore_from(self.layout.backup_file(&record.id), dek.expose_bytes())?;
            Ok(())
        });
        self.conclude(&entry, result)
    }

    /// D3: copies one environment's data over another's.
    pub fn copy(
        &self,
        actor: &str,
        source: &EnvironmentId,
        target: &EnvironmentId,
    ) -> Result<(), EngineError> {
        let source_env = self.environment(source)?;
        let target_env = self.environment(target)?;
        let entry = AuditEntry::new(
            actor,
            Some(&target_env.scope.tenant),
            "environment.copy",
            target,
        );
        let result = copy_environment(&source_env, &target_env)
            .map_err(EngineError::from)
            .and_then(|_| self.copy_data(source, target));
        self.conclude(&entry, result)
    }

    /// Copies through a temporary file under a key that exists only for the copy.
    fn copy_data(&self, source: &EnvironmentId, target: &EnvironmentId) -> Result<(), EngineError> {
        let from = self.open_online(source)?;
        let to = self.open_online(target)?;
        let transit = DataKey::generate()?;
        let path = self
            .layout
            .backups_dir()
            .join(format!("{COPY_PREFIX}{}.db", Engine::new_id("tmp")?));
        let copied = from
            .backup_to(&path, transit.expose_bytes())
            .and_then(|()| to.restore_from(&path, transit.expose_bytes()));
        remove_files(&[path]);
        Ok(copied?)
    }

    /// D4: empties an environment, deletes its backups and returns it to the platform key.
    pub fn reset(&self, actor: &str, env: &EnvironmentId) -> Result<Environment, EngineError> {
        let scope = self.environment(env)?.scope;
        let entry = AuditEntry::new(actor, Some(&scope.tenant), "environment.reset", env);
        let owner = DekOwner::Environment(env.clone());
        let next = self.current_dek(&owner)?.generation + 1;
        let path = self.layout.environment_file(env, next);
        let dek = DataKey::generate()?;
        let mut open = self.open.guard();
        let result = self.audited(entry, |tx, _now| {
            let region = RegionData::load(tx, &scope)?;
            let plan = reset_environment(&region.state(), env)?;
            for backup in &plan.backups {
                tx.delete_backup(backup)?;
            }
            let platform = Protector::Platform;
            envelope::store(self.vault.as_ref(), tx, &owner, &platform, &dek, next)?;
            let mut reset = region.state().environment(env)?.clone();
            reset.protector = plan.protector;
            reset.status = EnvironmentStatus::Online;
            tx.put_environment(&reset)?;
            EnvironmentDb::create(&path, dek.expose_bytes())?.close()?;
            Ok((reset, plan.backups))
        });
        open.remove(env);
        drop(open);
        match result {
            Ok((reset, backups)) => {
                self.remove_backup_files(&backups);
                self.remove_other_generations(env, next)?;
                Ok(reset)
            }
            Err(error) => {
                remove_files(&[path]);
                Err(error)
            }
        }
    }

    /// D5: deletes an environment, locked or not, with its backups.
    pub fn delete_environment(&self, actor: &str, env: &EnvironmentId) -> Result<(), EngineError> {
        let scope = self.environment(env)?.scope;
        let entry = AuditEntry::new(actor, Some(&scope.tenant), "environment.delete", env);
        let mut open = self.open.guard();
        let backups = self.audited(entry, |tx, _now| {
            let region = RegionData::load(tx, &scope)?;
            let plan = delete_environment(&region.state(), env)?;
            for backup in &plan.backups {
                tx.delete_backup(backup)?;
            }
            tx.delete_environment(env)?;
            Ok(plan.backups)
        })?;
        open.remove(env);
        drop(open);
        self.remove_backup_files(&backups);
        remove_files(&self.layout.environment_files(env)?);
        Ok(())
    }

    pub(crate) fn remove_backup_files(&self, backups: &[BackupId]) {
        let paths: Vec<_> = backups.iter().map(|b| self.layout.backup_file(b)).collect();
        remove_files(&paths);
    }
}

/// The protector a new backup's data key is wrapped under: its environment's, except
/// that while a key of the region is installing a tenant-protected backup goes straight
/// to that key, so an activation's re-wrap never has to chase backups made meanwhile (A2).
fn backup_protector(
    tx: &mut dyn keyward_store::Tx,
    env: &Environment,
    planned: Protector,
) -> Result<Protector, EngineError> {
    if !planned.is_tenant() {
        return Ok(planned);
    }
    let installing = tx
        .keys(&env.scope)?
        .into_iter()
        .find(|k| k.state == keyward_domain::model::KeyState::Installing);
    Ok(installing.map_or(planned, |k| Protector::TenantKey { key: k.id }))
}

fn need_env(env: Option<Environment>, id: &EnvironmentId) -> Result<Environment, EngineError> {
    env.ok_or_else(|| EngineError::not_found("environment", id))
}
