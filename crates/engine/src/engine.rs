//! The [`Engine`]: one data directory's store, vault and environments, and the plumbing
//! every operation shares (audited transactions, job records, ids).

use std::path::PathBuf;
use std::sync::Arc;

use keyward_domain::model::{Job, JobKind, JobState, TenantRegion};
use keyward_domain::KeyId;
use keyward_domain::{Clock, JobId, Policy, TenantId};
use keyward_keys::IterationLimits;
use keyward_store::{transact, SqliteStore, Tx};
use keyward_vault::{FileVault, ObjectId, ObjectKind, Vault};
use time::OffsetDateTime;

use crate::audit::{outcome_of, AuditEntry};
use crate::failpoint::Failpoints;
use crate::layout::Layout;
use crate::open_environments::OpenEnvironments;
use crate::EngineError;

/// How to open an engine.
pub struct EngineConfig {
    /// The data directory: metadata store, vault, environments, backups.
    pub data_dir: PathBuf,
    /// Windows and limits.
    pub policy: Policy,
    /// The one clock every rule reads.
    pub clock: Arc<dyn Clock>,
    /// Bounds on key-derivation work when importing PKCS#12 files.
    pub iteration_limits: IterationLimits,
}

/// Keyward's operations over one data directory. Share it behind an `Arc`; every method
/// takes `&self` and is safe to call from many threads.
pub struct Engine {
    pub(crate) layout: Layout,
    pub(crate) store: SqliteStore,
    pub(crate) vault: Box<dyn Vault>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) policy: Policy,
    pub(crate) limits: IterationLimits,
    pub(crate) open: OpenEnvironments,
    pub(crate) failpoints: Failpoints,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("data_dir", &self.layout.root())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Opens (creating on first start) the data directory described by `config`.
    pub fn open(config: EngineConfig) -> Result<Self, EngineError> {
        config
            .policy
            .validate()
            .map_err(|e| EngineError::Invalid(e.to_string()))?;
        let layout = Layout::new(config.data_dir);
        layout.ensure()?;
        let vault = FileVault::open(&layout.vault_dir())?;
        let store = SqliteStore::open(&layout.metadata_db())?;
        tracing::info!(data_dir = %layout.root().display(), "engine opened");
        let engine = Self {
            layout,
            store,
            vault: Box::new(vault),
            clock: config.clock,
            policy: config.policy,
            limits: config.iteration_limits,
            open: OpenEnvironments::default(),
            failpoints: Failpoints::default(),
        };
        engine.sweep_orphan_keys()?;
        engine.sweep_copy_debris()?;
        Ok(engine)
    }

    /// Removes transit files of copies a crash interrupted (see `ops::database`).
    fn sweep_copy_debris(&self) -> Result<(), EngineError> {
        for entry in std::fs::read_dir(self.layout.backups_dir())? {
            let path = entry?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.is_some_and(|n| n.starts_with(crate::ops::database::COPY_PREFIX)) {
                tracing::debug!(file = %path.display(), "removing an interrupted copy");
                std::fs::remove_file(&path)?;
            }
        }
        Ok(())
    }

    /// Destroys private keys in the vault that no key record may hold: left by a crash
    /// between sealing a new key and committing its record, or between a lock's commit
    /// and its destruction step. Runs at open, when no operation is in flight.
    fn sweep_orphan_keys(&self) -> Result<(), EngineError> {
        for id in self.vault.list(ObjectKind::TenantKey)? {
            let keep = match KeyId::new(id.clone()) {
                Ok(key) => self
                    .read(|tx| Ok(tx.key(&key)?))?
                    .is_some_and(|k| k.state.has_private_material()),
                Err(_) => false,
            };
            if !keep {
                tracing::info!(key = %id, "destroying a private key no record may hold");
                self.vault
                    .destroy(&ObjectId::new(ObjectKind::TenantKey, &id)?)?;
            }
        }
        Ok(())
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The current instant, from the engine's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The data directory's layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// How many environments are open (their data keys unwrapped in memory).
    pub fn open_environment_count(&self) -> usize {
        self.open.guard().len()
    }

    /// Test hook: makes the next operation reaching `step` stop there as if killed.
    #[doc(hidden)]
    pub fn inject_crash_at(&self, step: Option<&str>) {
        self.failpoints.arm(step);
    }

    /// Runs `body` in one transaction together with its audit event; a refusal or failure
    /// is audited in a transaction of its own after the rollback.
    pub(crate) fn audited<T>(
        &self,
        entry: AuditEntry,
        body: impl FnOnce(&mut dyn Tx, OffsetDateTime) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let now = self.clock.now();
        let result = transact(&self.store, |tx| {
            let value = body(tx, now)?;
            tx.append_audit(entry.event(now, keyward_domain::model::AuditOutcome::Allowed))?;
            Ok(value)
        });
        self.log_outcome(&entry, now, &result);
        result
    }

    /// Audits and returns a refusal found before the transaction.
    pub(crate) fn refuse<T>(
        &self,
        entry: &AuditEntry,
        error: EngineError,
    ) -> Result<T, EngineError> {
        let result = Err(error);
        self.log_outcome(entry, self.now(), &result);
        result
    }

    /// Audits an operation that did its work outside a transaction: the allowed event, or
    /// the refusal, and its log line.
    pub(crate) fn conclude(
        &self,
        entry: &AuditEntry,
        result: Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        if result.is_ok() {
            let event = entry.event(self.now(), keyward_domain::model::AuditOutcome::Allowed);
            self.read(|tx| Ok(tx.append_audit(event)?))?;
        }
        self.log_outcome(entry, self.now(), &result);
        result
    }

    /// Logs the operation's one info line and audits a failure.
    pub(crate) fn log_outcome<T>(
        &self,
        entry: &AuditEntry,
        now: OffsetDateTime,
        result: &Result<T, EngineError>,
    ) {
        let tenant = entry.tenant.as_ref().map(TenantId::as_str).unwrap_or("-");
        let Err(error) = result else {
            tracing::info!(action = entry.action, tenant, target = %entry.target, outcome = "allowed");
            return;
        };
        if error.is_internal() {
            tracing::error!(action = entry.action, tenant, target = %entry.target, error = %error, outcome = "failed");
        } else {
            tracing::info!(action = entry.action, tenant, target = %entry.target, code = error.code(), outcome = "refused");
        }
        let event = entry.event(now, outcome_of(error));
        if let Err(e) = transact(&self.store, |tx| tx.append_audit(event)) {
            tracing::error!(error = %e, "could not append the audit event of a refused operation");
        }
    }

    /// Reads inside a transaction, without an audit event.
    pub(crate) fn read<T>(
        &self,
        body: impl FnOnce(&mut dyn Tx) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        transact(&self.store, body)
    }

    /// A new random id with a readable prefix, e.g. `job-3f9a…`.
    pub(crate) fn new_id(prefix: &str) -> Result<String, EngineError> {
        let mut bytes = [0u8; 10];
        openssl::rand::rand_bytes(&mut bytes)?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(format!("{prefix}-{hex}"))
    }

    /// A pending job record.
    pub(crate) fn new_job(
        kind: JobKind,
        scope: &TenantRegion,
        subject: &str,
        total: u64,
        now: OffsetDateTime,
    ) -> Result<Job, EngineError> {
        Ok(Job {
            id: JobId::new(Self::new_id("job")?)
                .map_err(|e| EngineError::Invalid(e.to_string()))?,
            kind,
            scope: scope.clone(),
            subject: subject.to_owned(),
            state: JobState::Pending,
            done: 0,
            total,
            error: None,
            created_at: now,
            updated_at: now,
        })
    }

    /// A job by id.
    pub fn job(&self, id: &JobId) -> Result<Job, EngineError> {
        self.read(|tx| tx.job(id)?.ok_or_else(|| EngineError::not_found("job", id)))
    }

    /// Records a job's progress.
    pub(crate) fn progress(&self, job: &mut Job, done: u64) -> Result<(), EngineError> {
        job.done = done;
        job.state = JobState::Running;
        job.updated_at = self.clock.now();
        let snapshot = job.clone();
        self.read(|tx| Ok(tx.put_job(&snapshot)?))
    }

    /// Puts the environment of a failed protector change back online, unchanged.
    fn bring_back_online(&self, job: &Job) -> Result<(), EngineError> {
        let Ok(id) = keyward_domain::EnvironmentId::new(job.subject.clone()) else {
            return Ok(());
        };
        self.read(|tx| {
            if let Some(mut env) = tx.environment(&id)? {
                if env.status == keyward_domain::model::EnvironmentStatus::Offline {
                    env.status = keyward_domain::model::EnvironmentStatus::Online;
                    tx.put_environment(&env)?;
                    tracing::info!(environment = %id, job = %job.id, "failed job: environment back online");
                }
            }
            Ok(())
        })
    }

    /// Runs every job that a crash or shutdown left unfinished; returns how many ran.
    pub fn resume_jobs(&self) -> Result<usize, EngineError> {
        let jobs = self.read(|tx| Ok(tx.unfinished_jobs()?))?;
        let count = jobs.len();
        for job in jobs {
            tracing::info!(job = %job.id, kind = ?job.kind, "resuming job");
            if let Err(e) = self.run_job(&job.id) {
                tracing::warn!(job = %job.id, code = e.code(), "resumed job did not finish");
            }
        }
        Ok(count)
    }

    /// Runs (or resumes) a job to its end and returns its final record. Running a
    /// finished job returns it unchanged.
    pub fn run_job(&self, id: &JobId) -> Result<Job, EngineError> {
        let job = self.job(id)?;
        if job.state.is_finished() {
            return Ok(job);
        }
        let outcome = match job.kind {
            JobKind::Activate => self.run_activation(job.clone()),
            JobKind::Lock => self.run_lock(job.clone()),
            JobKind::UnlockKey => self.run_key_unlock(job.clone()),
            JobKind::ApplyKey | JobKind::ReturnKey => self.run_protector_change(job.clone()),
            JobKind::RetentionPurge => self.run_retention_purge(job.clone()),
        };
        match outcome {
            Ok(()) => self.job(id),
            Err(EngineError::InjectedCrash(step)) => Err(EngineError::InjectedCrash(step)),
            Err(error) => {
                self.fail_job(job, &error)?;
                Err(error)
            }
        }
    }

    /// Marks a job failed with a message for a person. A failed E3/E4 job leaves its
    /// environment as it was — its data key, file generation and protector only change in
    /// the job's last transaction — so the environment comes back online with it.
    fn fail_job(&self, mut job: Job, error: &EngineError) -> Result<(), EngineError> {
        if matches!(job.kind, JobKind::ApplyKey | JobKind::ReturnKey) {
            self.bring_back_online(&job)?;
        }
        job.state = JobState::Failed;
        job.error = Some(if error.is_internal() {
            "internal error; see the server log".to_owned()
        } else {
            error.to_string()
        });
        job.updated_at = self.clock.now();
        self.read(|tx| Ok(tx.put_job(&job)?))
    }
}
