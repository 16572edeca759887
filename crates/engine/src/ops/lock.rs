//! Lock (L1–L4): the tenant admin presents the active key and the confirmation text the
//! service issued; every tenant-protected environment goes `locked`, every usable key of
//! the region loses its private half, and every open environment of the region is closed.
//!
//! Order matters for L4 and L5: one transaction first marks the environments locked and
//! the keys locked or deleted, while holding the open-environment cache, which it then
//! purges, so no request can start on a locked environment; then the job destroys the
//! private keys in the vault (repeatable, so a crash is finished by running it again).

use keyward_domain::model::{EnvironmentStatus, Job, JobKind, JobState, LockRecord, TenantRegion};
use keyward_domain::rules::keys::Risk;
use keyward_domain::rules::lock::{
    finish_lock, issue_lock_confirmation, request_lock, LockRequest,
};
use keyward_keys::Password;

use crate::audit::AuditEntry;
use crate::envelope::tenant_key_object;
use crate::open_environments::stop_and_close;
use crate::ops::activation::apply_key_change;
use crate::region::RegionData;
use crate::{Engine, EngineError};

impl Engine {
    /// L1, L2: issues the confirmation text the admin must send back with the lock.
    pub fn issue_lock_confirmation(
        &self,
        actor: &str,
        scope: &TenantRegion,
    ) -> Result<LockRecord, EngineError> {
        let entry = AuditEntry::new(actor, Some(&scope.tenant), "lock.confirmation", scope);
        let code = Engine::new_id("lock")?;
        let text = format!("LOCK {} {} {}", scope.tenant, scope.region, &code[5..13]);
        self.audited(entry, |tx, now| {
            let region = RegionData::load(tx, scope)?;
            let record = issue_lock_confirmation(&region.state(), text, &self.policy, now)?;
            tx.put_lock(&record)?;
            Ok(record)
        })
    }

    /// L1–L3: locks `scope` with the active key's file and the issued confirmation;
    /// returns the job that destroys the private keys.
    pub fn lock(
        &self,
        actor: &str,
        scope: &TenantRegion,
        key_file: &[u8],
        password: Option<&Password>,
        confirmation: &str,
        risk: Risk,
    ) -> Result<Job, EngineError> {
        let entry = AuditEntry::new(actor, Some(&scope.tenant), "lock", scope);
        let presented = match self.import(scope, key_file, password) {
            Ok(imported) => imported.fingerprint,
            Err(error) => return self.refuse(&entry, error),
        };
        let request = LockRequest {
            presented: &presented,
            confirmation,
            risk,
        };
        let mut open = self.open.guard();
        let job = self.audited(entry, |tx, now| {
            let region = RegionData::load(tx, scope)?;
            let plan = request_lock(&region.state(), &request, &self.policy, now)?;
            // One statement for the whole region: the lock's cost grows with N only as
            // SQLite's own update does.
            let locked = EnvironmentStatus::Locked { since: now };
            tx.set_environment_status(&plan.environments, &locked)?;
            for change in &plan.keys {
                apply_key_change(tx, &region, change)?;
            }
            tx.put_lock(&plan.record)?;
            let total = plan.destroy_private_material.len() as u64;
            let job = Engine::new_job(JobKind::Lock, scope, "", total, now)?;
            tx.put_job(&job)?;
            Ok(job)
        })?;
        let purged = open.purge(scope);
        drop(open);
        let closed = purged.len();
        // L3, L5: statements running on the region's environments stop and roll back; the
        // lock answers only once every data key of the region is out of memory.
        for db in purged {
            stop_and_close(db);
        }
        tracing::info!(tenant = %scope.tenant, region = %scope.region, closed, "lock closed open environments");
        Ok(job)
    }

    /// Destroys the private half of every key of the region that no longer may have one.
    pub(crate) fn run_lock(&self, mut job: Job) -> Result<(), EngineError> {
        let scope = job.scope.clone();
        let keys = self.read(|tx| Ok(tx.keys(&scope)?))?;
        let mut destroyed = 0;
        for key in keys.iter().filter(|k| !k.state.has_private_material()) {
            let object = tenant_key_object(&key.id)?;
            // Keys destroyed by an earlier lock are absent already; count only this one's.
            if self.vault.contains(&object)? {
                self.vault.destroy(&object)?;
                destroyed += 1;
            }
            self.failpoints.check("lock.after_destroy")?;
        }
        let purged = self.open.guard().purge(&scope);
        purged.into_iter().for_each(stop_and_close);
        tracing::debug!(tenant = %scope.tenant, region = %scope.region, destroyed, "lock destroyed private keys");
        let entry = AuditEntry::new("keyward", Some(&scope.tenant), "lock.finish", &scope);
        self.audited(entry, |tx, now| {
            if let Some(record) = tx.lock(&scope)? {
                tx.put_lock(&finish_lock(&record))?;
            }
            job.state = JobState::Succeeded;
            // Success means every key of the plan is destroyed, whichever run did it.
            job.done = job.total;
            job.updated_at = now;
            tx.put_job(&job)?;
            Ok(())
        })
    }
}
