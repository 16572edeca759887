//! Retention (L7): a locked environment not unlocked within the retention period is
//! deleted with its backups. Runs as a job per tenant-region; repeatable.

use keyward_domain::model::{Job, JobKind, JobState, TenantRegion};
use keyward_domain::rules::lock::due_for_deletion;
use keyward_domain::EnvironmentId;

use crate::audit::AuditEntry;
use crate::ops::environment::remove_files;
use crate::region::RegionData;
use crate::{Engine, EngineError};

impl Engine {
    /// L7: records a purge job for every tenant-region with environments due; returns them.
    pub fn start_retention_purge(&self) -> Result<Vec<Job>, EngineError> {
        let now = self.now();
        let due_scopes = self.read(|tx| {
            let mut scopes = Vec::new();
            for tenant in tx.tenants()? {
                for region in &tenant.regions {
                    let scope = crate::ops::scope(&tenant.id, region);
                    let data = RegionData::load(tx, &scope)?;
                    if !due_for_deletion(&data.state(), &self.policy, now).is_empty() {
                        scopes.push(scope);
                    }
                }
            }
            Ok(scopes)
        })?;
        let mut jobs = Vec::new();
        for scope in due_scopes {
            let job = Engine::new_job(JobKind::RetentionPurge, &scope, "", 0, now)?;
            self.read(|tx| Ok(tx.put_job(&job)?))?;
            jobs.push(job);
        }
        Ok(jobs)
    }

    /// Deletes the environments of the job's region that are due, each with its backups.
    pub(crate) fn run_retention_purge(&self, mut job: Job) -> Result<(), EngineError> {
        let scope = job.scope.clone();
        let deleted = self.purge_due(&scope)?;
        job.state = JobState::Succeeded;
        job.done = deleted.len() as u64;
        job.total = job.done;
        job.updated_at = self.now();
        self.read(|tx| Ok(tx.put_job(&job)?))
    }

    /// One transaction per environment, so a crash loses nothing already purged.
    ///
    /// Fix: the next due environment is found before its audited transaction, so each
    /// event names the environment deleted, and a run that finds nothing more to delete
    /// appends no event (it used to append an "allowed" purge of the whole region).
    fn purge_due(&self, scope: &TenantRegion) -> Result<Vec<EnvironmentId>, EngineError> {
        let mut deleted = Vec::new();
        while let Some(next) = self.next_due(scope)? {
            let entry = AuditEntry::new("keyward", Some(&scope.tenant), "environment.purge", &next);
            let due = self.audited(entry, |tx, now| {
                // Re-decided inside the transaction: an unlock may have come in between.
                let region = RegionData::load(tx, scope)?;
                let due = due_for_deletion(&region.state(), &self.policy, now)
                    .into_iter()
                    .find(|d| d.environment == next)
                    .ok_or_else(|| EngineError::Invalid(format!("{next} is no longer due")))?;
                for backup in &due.backups {
                    tx.delete_backup(backup)?;
                }
                tx.delete_environment(&due.environment)?;
                Ok(due)
            })?;
            self.remove_backup_files(&due.backups);
            remove_files(&self.layout.environment_files(&due.environment)?);
            tracing::info!(environment = %due.environment, "locked environment deleted after retention");
            deleted.push(due.environment);
        }
        Ok(deleted)
    }

    /// The first environment of `scope` due for deletion now, if any.
    fn next_due(&self, scope: &TenantRegion) -> Result<Option<EnvironmentId>, EngineError> {
        let now = self.now();
        self.read(|tx| {
            let region = RegionData::load(tx, scope)?;
            let due = due_for_deletion(&region.state(), &self.policy, now);
            Ok(due.into_iter().next().map(|d| d.environment))
        })
    }
}
