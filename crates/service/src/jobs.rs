//! Background work: the jobs that activate, lock, unlock-key, apply-key and return-key
//! return, the jobs a restart finds unfinished, and the periodic L7 retention purge.
//!
//! Jobs run on the blocking pool, at most `job_workers` at a time; the rest queue. A job id
//! is queued at most once, so a resumed job never runs twice at the same time. Jobs are
//! durable and resumable in the engine: a shutdown stops queued jobs from starting and
//! waits (up to the grace period) for running ones; whatever is cut short is finished by
//! the next start. Must never: run engine work on an async worker thread.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use keyward_domain::JobId;
use keyward_engine::Engine;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::registry::Registry;

/// Runs jobs in the background.
#[derive(Clone)]
pub(crate) struct JobRunner {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Arc<Engine>,
    tracker: TaskTracker,
    stop: CancellationToken,
    permits: Arc<Semaphore>,
    queued: Mutex<HashSet<JobId>>,
}

impl JobRunner {
    /// A runner for `engine` that runs at most `workers` jobs at once.
    pub(crate) fn new(engine: Arc<Engine>, workers: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                engine,
                tracker: TaskTracker::new(),
                stop: CancellationToken::new(),
                permits: Arc::new(Semaphore::new(workers.max(1))),
                queued: Mutex::new(HashSet::new()),
            }),
        }
    }

    /// Queues job `id` to run to its end, unless it is queued or running already.
    pub(crate) fn start(&self, id: JobId) {
        if !self.claim(&id) {
            return;
        }
        let this = self.clone();
        self.inner.tracker.spawn(async move {
            let permit = tokio::select! {
                permit = Arc::clone(&this.inner.permits).acquire_owned() => permit.ok(),
                () = this.inner.stop.cancelled() => None,
            };
            if let Some(permit) = permit {
                let engine = Arc::clone(&this.inner.engine);
                let job = id.clone();
                let ran = tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    run_one(&engine, &job);
                });
                if let Err(e) = ran.await {
                    tracing::error!(job = %id, error = %e, "job task ended abnormally");
                }
            }
            this.release(&id);
        });
    }

    /// Queues every job that a crash or shutdown left unfinished.
    pub(crate) fn resume(&self, registry: Arc<Registry>) {
        let this = self.clone();
        self.inner.tracker.spawn(async move {
            match tokio::task::spawn_blocking(move || registry.unfinished_jobs()).await {
                Ok(Ok(jobs)) => {
                    tracing::info!(count = jobs.len(), "resuming unfinished jobs");
                    jobs.into_iter().for_each(|job| this.start(job.id));
                }
                Ok(Err(e)) => tracing::error!(error = %e, "could not list unfinished jobs"),
                Err(e) => tracing::error!(error = %e, "listing unfinished jobs ended abnormally"),
            }
        });
    }

    /// Queues unfinished jobs again every `every`, until shutdown: a job whose request
    /// ended before it was queued (a client that hung up) still runs. Queuing is at most
    /// once per job, so a job already queued or running is left alone.
    pub(crate) fn spawn_resume_sweep(&self, registry: Arc<Registry>, every: Duration) {
        let this = self.clone();
        self.inner.tracker.spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await;
            loop {
                tokio::select! {
                    () = this.inner.stop.cancelled() => break,
                    _ = ticker.tick() => this.resume(Arc::clone(&registry)),
                }
            }
        });
    }

    /// Runs the L7 retention purge now and then every `every`, until shutdown.
    pub(crate) fn spawn_retention(&self, every: Duration) {
        let this = self.clone();
        self.inner.tracker.spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = this.inner.stop.cancelled() => break,
                    _ = ticker.tick() => this.purge_once().await,
                }
            }
        });
    }

    /// Records purge jobs for every region with environments due, and queues them.
    async fn purge_once(&self) {
        let engine = Arc::clone(&self.inner.engine);
        match tokio::task::spawn_blocking(move || engine.start_retention_purge()).await {
            Ok(Ok(jobs)) => jobs.into_iter().for_each(|job| self.start(job.id)),
            Ok(Err(e)) => tracing::error!(code = e.code(), error = %e, "retention purge failed"),
            Err(e) => tracing::error!(error = %e, "retention purge ended abnormally"),
        }
    }

    /// Stops queued jobs from starting and waits up to `grace` for running ones; returns
    /// whether they all finished.
    pub(crate) async fn shutdown(&self, grace: Duration) -> bool {
        self.inner.stop.cancel();
        self.inner.tracker.close();
        tokio::time::timeout(grace, self.inner.tracker.wait())
            .await
            .is_ok()
    }

    fn claim(&self, id: &JobId) -> bool {
        let mut queued = self
            .inner
            .queued
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        queued.insert(id.clone())
    }

    fn release(&self, id: &JobId) {
        let mut queued = self
            .inner
            .queued
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        queued.remove(id);
    }
}

/// Runs one job to its end and logs how it ended.
fn run_one(engine: &Engine, id: &JobId) {
    match engine.run_job(id) {
        Ok(job) => tracing::info!(job = %id, kind = ?job.kind, state = ?job.state, "job ended"),
        Err(e) if e.is_internal() => tracing::error!(job = %id, error = %e, "job failed"),
        Err(e) => tracing::warn!(job = %id, code = e.code(), "job refused"),
    }
}
