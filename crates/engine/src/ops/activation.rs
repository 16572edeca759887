//! Activation (A1–A4): a key goes `installing`, every data key of the region protected by
//! the previous key is re-wrapped onto it while environments stay online (A2), then it
//! goes `active` and the previous key `available`.
//!
//! The job's progress is the stored state itself: each batch of environments and backups is
//! re-wrapped in one short transaction that also moves their protectors (the unwrapping
//! happens before it, outside any transaction), so a resumed job simply re-wraps whatever
//! still names another key. Data keys do not change, so requests that
//! hold an open environment never notice.

use keyward_domain::model::TenantRegion;
use keyward_domain::model::{Job, JobKind, JobState, Protector};
use keyward_domain::rules::activation::{begin_activation, finish_activation};
use keyward_domain::rules::keys::Risk;
use keyward_domain::KeyId;
use keyward_store::{DekOwner, Tx, WrappedDek};

use crate::audit::AuditEntry;
use crate::envelope::{self, unwrap};
use crate::region::RegionData;
use crate::{Engine, EngineError};

/// The fewest data keys one re-wrap transaction moves (small regions move in these).
const REWRAP_BATCH: usize = 64;

/// How many batches a large region's re-wrap is cut into.
const REWRAP_BATCHES_PER_REGION: usize = 32;

/// The most data keys one re-wrap transaction moves.
const MAX_REWRAP_BATCH: usize = 1024;

impl Engine {
    /// A1, A3, A4: starts activating `key`; returns the job that re-wraps and finishes.
    pub fn activate_key(
        &self,
        actor: &str,
        scope: &TenantRegion,
        key: &KeyId,
        risk: Risk,
    ) -> Result<Job, EngineError> {
        let entry = AuditEntry::new(actor, Some(&scope.tenant), "key.activate", key);
        self.audited(entry, |tx, now| {
            let region = RegionData::load(tx, scope)?;
            let plan = begin_activation(&region.state(), key, risk, &self.policy, now)?;
            apply_key_change(tx, &region, &plan.key)?;
            let total = (plan.rewrap_environments.len() + plan.rewrap_backups.len()) as u64;
            let job = Engine::new_job(JobKind::Activate, scope, key.as_str(), total, now)?;
            tx.put_job(&job)?;
            Ok(job)
        })
    }

    /// Re-wraps every data key still under another tenant key, then finishes (A1, A2).
    pub(crate) fn run_activation(&self, mut job: Job) -> Result<(), EngineError> {
        let key =
            KeyId::new(job.subject.clone()).map_err(|e| EngineError::Invalid(e.to_string()))?;
        let target = Protector::TenantKey { key: key.clone() };
        let mut done = job.done;
        while let Some(moved) = self.rewrap_batch(&job.scope, &target)? {
            done += moved as u64;
            self.progress(&mut job, done)?;
            self.failpoints.check("activation.after_batch")?;
        }
        let entry = AuditEntry::new(
            "keyward",
            Some(&job.scope.tenant),
            "key.activate.finish",
            &key,
        );
        self.audited(entry, |tx, now| {
            let region = RegionData::load(tx, &job.scope)?;
            let outcome = finish_activation(&region.state(), &key, now)?;
            let mut activated = apply_key_change(tx, &region, &outcome.key)?;
            activated.activated_at = Some(outcome.activated_at);
            tx.put_key(&activated)?;
            if let Some(previous) = &outcome.previous {
                apply_key_change(tx, &region, previous)?;
            }
            job.state = JobState::Succeeded;
            job.total = job.total.max(job.done);
            job.updated_at = now;
            tx.put_job(&job)?;
            Ok(())
        })
    }

    /// Moves up to one batch of environments and backups onto `target`; returns how many
    /// moved, or `None` when nothing is left under another tenant key.
    ///
    /// Unwrapping with the old key's private half (an RSA private operation per data
    /// key) runs outside any store transaction. Every data request reads the store, so a
    /// batch unwrapped inside one transaction stalled every request of every tenant for
    /// the whole job. The commit is short and re-checks each wrapping: one that changed
    /// meanwhile (reset, deleted) is skipped, and picked up again by the next batch if it
    /// is still stale.
    fn rewrap_batch(
        &self,
        scope: &TenantRegion,
        target: &Protector,
    ) -> Result<Option<usize>, EngineError> {
        let stale = self.read(|tx| stale_data_keys(tx, scope, target))?;
        if stale.is_empty() {
            return Ok(None);
        }
        let deks = envelope::unwrap_many(self.vault.as_ref(), &stale)?;
        let unwrapped: Vec<_> = stale
            .into_iter()
            .zip(deks)
            .map(|((owner, seen), dek)| (owner, seen, dek))
            .collect();
        self.read(|tx| {
            let sealer = envelope::Sealer::new(self.vault.as_ref(), tx, target)?;
            let mut moved = 0;
            for (owner, seen, dek) in &unwrapped {
                if tx.dek(owner)?.as_ref() != Some(seen) {
                    continue;
                }
                sealer.store(tx, owner, dek, seen.generation)?;
                move_record(tx, owner, target)?;
                moved += 1;
            }
            Ok(Some(moved))
        })
    }

    /// Re-wraps one owner's data key under `target`, keeping its file generation.
    pub(crate) fn rewrap(
        &self,
        tx: &mut dyn Tx,
        owner: &DekOwner,
        target: &Protector,
    ) -> Result<(), EngineError> {
        let current = tx
            .dek(owner)?
            .ok_or_else(|| EngineError::not_found("data key", owner.context()))?;
        let dek = unwrap(self.vault.as_ref(), owner, &current)?;
        envelope::store(
            self.vault.as_ref(),
            tx,
            owner,
            target,
            &dek,
            current.generation,
        )
    }
}

/// Up to one batch of environments and backups of `scope` still under another tenant key,
/// each with its stored wrapping.
fn stale_data_keys(
    tx: &mut dyn Tx,
    scope: &TenantRegion,
    target: &Protector,
) -> Result<Vec<(DekOwner, WrappedDek)>, EngineError> {
    let region = RegionData::load(tx, scope)?;
    let stale = |p: &Protector| p.is_tenant() && p != target;
    let envs = region
        .environments
        .iter()
        .filter(|e| stale(&e.protector))
        .map(|e| DekOwner::Environment(e.id.clone()));
    let backups = region
        .backups
        .iter()
        .filter(|b| stale(&b.protector))
        .map(|b| DekOwner::Backup(b.id.clone()));
    let owners: Vec<DekOwner> = envs.chain(backups).collect();
    // Each batch reloads the region, so a large region moves in proportionally larger
    // batches (a fixed number of reloads), a small one in batches of REWRAP_BATCH.
    let batch = (owners.len() / REWRAP_BATCHES_PER_REGION).clamp(REWRAP_BATCH, MAX_REWRAP_BATCH);
    let mut out = Vec::new();
    for owner in owners.into_iter().take(batch) {
        let current = tx
            .dek(&owner)?
            .ok_or_else(|| EngineError::not_found("data key", owner.context()))?;
        out.push((owner, current));
    }
    Ok(out)
}

/// Records that the environment or backup `owner` is now protected by `target`.
fn move_record(tx: &mut dyn Tx, owner: &DekOwner, target: &Protector) -> Result<(), EngineError> {
    match owner {
        DekOwner::Environment(id) => {
            let mut env = tx
                .environment(id)?
                .ok_or_else(|| EngineError::not_found("environment", id))?;
            env.protector = target.clone();
            tx.put_environment(&env)?;
        }
        DekOwner::Backup(id) => {
            let mut backup = tx
                .backup(id)?
                .ok_or_else(|| EngineError::not_found("backup", id))?;
            backup.protector = target.clone();
            tx.put_backup(&backup)?;
        }
    }
    Ok(())
}

/// Applies one key state change the rules decided, checking the snapshot is current.
pub(crate) fn apply_key_change(
    tx: &mut dyn Tx,
    region: &RegionData,
    change: &keyward_domain::rules::KeyChange,
) -> Result<keyward_domain::model::TenantKey, EngineError> {
    let mut key = region
        .keys
        .iter()
        .find(|k| k.id == change.key)
        .cloned()
        .ok_or_else(|| EngineError::not_found("key", &change.key))?;
    if key.state != change.from {
        return Err(EngineError::Invalid(format!(
            "key {} changed state meanwhile; retry",
            key.id
        )));
    }
    key.state = change.to;
    tx.put_key(&key)?;
    Ok(key)
}
