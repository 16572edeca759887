//! Unlock (L6, U1–U3): first the same key, uploaded again (`locked` → `installing` →
//! `active`), then each environment, one by one and only when asked.
//!
//! The key's record goes `installing` before its private half is sealed in the vault, so
//! a refused upload never leaves a copy of a locked key's private material behind (L4).
//! A crash after that is finished by the job: with the private half in the vault the key
//! goes active; without it, it goes back to `locked` and the admin uploads it again.

use keyward_domain::model::TenantRegion;
use keyward_domain::model::{Environment, EnvironmentStatus, Job, JobKind, JobState, KeyState};
use keyward_domain::rules::keys::Risk;
use keyward_domain::rules::unlock::{begin_key_unlock, finish_key_unlock, unlock_environment};
use keyward_domain::rules::KeyChange;
use keyward_domain::{EnvironmentId, KeyId};
use keyward_keys::Password;

use crate::audit::AuditEntry;
use crate::envelope::tenant_key_object;
use crate::ops::activation::apply_key_change;
use crate::region::RegionData;
use crate::{Engine, EngineError};

impl Engine {
    /// U1, L6: re-installs the locked key of `scope` from its file; returns the job.
    pub fn unlock_key(
        &self,
        actor: &str,
        scope: &TenantRegion,
        key_file: &[u8],
        password: Option<&Password>,
        risk: Risk,
    ) -> Result<Job, EngineError> {
        let entry = AuditEntry::new(actor, Some(&scope.tenant), "key.unlock", scope);
        let imported = match self.import(scope, key_file, password) {
            Ok(imported) => imported,
            Err(error) => return self.refuse(&entry, error),
        };
        let job = self.audited(entry, |tx, now| {
            let region = RegionData::load(tx, scope)?;
            let change = begin_key_unlock(
                &region.state(),
                &imported.fingerprint,
                risk,
                &self.policy,
                now,
            )?;
            apply_key_change(tx, &region, &change)?;
            let job = Engine::new_job(JobKind::UnlockKey, scope, change.key.as_str(), 1, now)?;
            tx.put_job(&job)?;
            Ok(job)
        })?;
        self.failpoints.check("unlock.before_seal")?;
        let object = tenant_key_object(
            &KeyId::new(job.subject.clone()).map_err(|e| EngineError::Invalid(e.to_string()))?,
        )?;
        if !self.vault.contains(&object)? {
            self.vault.store(&object, &imported.key.to_pkcs8_der()?)?;
        }
        Ok(job)
    }

    /// Finishes a key unlock: active when the private half is sealed, else back to locked.
    pub(crate) fn run_key_unlock(&self, mut job: Job) -> Result<(), EngineError> {
        let key =
            KeyId::new(job.subject.clone()).map_err(|e| EngineError::Invalid(e.to_string()))?;
        let sealed = self.vault.contains(&tenant_key_object(&key)?)?;
        let entry = AuditEntry::new(
            "keyward",
            Some(&job.scope.tenant),
            "key.unlock.finish",
            &key,
        );
        let scope = job.scope.clone();
        self.audited(entry, |tx, now| {
            let region = RegionData::load(tx, &scope)?;
            if sealed {
                apply_key_change(tx, &region, &finish_key_unlock(&region.state(), &key)?)?;
                job.state = JobState::Succeeded;
                job.done = 1;
            } else {
                let back = KeyChange {
                    key: key.clone(),
                    from: KeyState::Installing,
                    to: KeyState::Locked,
                };
                apply_key_change(tx, &region, &back)?;
                job.state = JobState::Failed;
                job.error =
                    Some("the key's upload was interrupted; upload the same key again".into());
            }
            job.updated_at = now;
            tx.put_job(&job)?;
            Ok(())
        })
    }

    /// U2: brings one locked environment back online, once its key is active again.
    pub fn unlock_environment(
        &self,
        actor: &str,
        scope: &TenantRegion,
        env: &EnvironmentId,
    ) -> Result<Environment, EngineError> {
        let entry = AuditEntry::new(actor, Some(&scope.tenant), "environment.unlock", env);
        self.audited(entry, |tx, now| {
            let region = RegionData::load(tx, scope)?;
            let unlock = unlock_environment(&region.state(), env, &self.policy, now)?;
            let mut online = region.state().environment(&unlock.environment)?.clone();
            online.status = EnvironmentStatus::Online;
            tx.put_environment(&online)?;
            Ok(online)
        })
    }
}
