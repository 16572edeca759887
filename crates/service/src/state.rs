//! The state every handler shares, and [`Service`]: an opened engine with its token
//! registry and job runner, ready to answer requests.

use std::sync::Arc;
use std::time::Duration;

use keyward_domain::model::Role;
use keyward_engine::{Engine, EngineConfig, EngineError};

use crate::auth::{self, IssuedToken};
use crate::error::ApiError;
use crate::jobs::JobRunner;
use crate::registry::Registry;
use crate::server::ServeError;

/// What every handler reaches: the engine, the token registry, the job runner.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) engine: Arc<Engine>,
    pub(crate) registry: Arc<Registry>,
    pub(crate) jobs: JobRunner,
}

impl AppState {
    /// Runs blocking `work` on the blocking pool.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::internal(format!("blocking task ended abnormally: {e}")))?
    }

    /// Runs an engine operation on the blocking pool.
    pub(crate) async fn engine<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Engine) -> Result<T, EngineError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let engine = Arc::clone(&self.engine);
        self.blocking(move || Ok(work(&engine)?)).await
    }
}

/// How often unfinished jobs are queued again (see `Jobs::spawn_resume_sweep`).
const RESUME_SWEEP_SECONDS: u64 = 10;

/// An opened Keyward service: engine, token registry and job runner.
pub struct Service {
    state: AppState,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("engine", &self.state.engine)
            .finish_non_exhaustive()
    }
}

impl Service {
    /// Opens (creating on first start) the engine's data directory and the token
    /// registry; runs at most `job_workers` jobs at once. Blocking.
    pub fn open(config: EngineConfig, job_workers: usize) -> Result<Self, ServeError> {
        let engine = Arc::new(Engine::open(config)?);
        let registry = Arc::new(Registry::open(&engine.layout().metadata_db())?);
        let jobs = JobRunner::new(Arc::clone(&engine), job_workers);
        Ok(Self {
            state: AppState {
                engine,
                registry,
                jobs,
            },
        })
    }

    /// The HTTP router of the whole API, under `/api/v1`.
    pub fn router(&self) -> axum::Router {
        crate::router::router(self.state.clone())
    }

    /// The engine, for tools and tests.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.state.engine
    }

    /// Issues a token as the service itself (the bootstrap operator token, tests).
    /// Blocking.
    pub fn issue_token(&self, label: &str, role: Role) -> Result<IssuedToken, ApiError> {
        let now = self.state.engine.now();
        auth::issue(&self.state.registry, now, "keyward", label, role)
    }

    /// Issues an operator token as the service, handing it to `deliver` before it
    /// becomes valid. Blocking.
    pub(crate) fn issue_operator_token(
        &self,
        deliver: impl FnOnce(&IssuedToken) -> Result<(), ApiError>,
    ) -> Result<IssuedToken, ApiError> {
        let now = self.state.engine.now();
        let role = Role::Operator;
        auth::issue_then(
            &self.state.registry,
            now,
            "keyward",
            "operator",
            role,
            deliver,
        )
    }

    /// Whether an operator token that is not revoked exists. Blocking.
    pub fn has_operator_token(&self) -> Result<bool, ApiError> {
        let tokens = self
            .state
            .registry
            .tokens()
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(tokens
            .iter()
            .any(|t| t.role == Role::Operator && t.revoked_at.is_none()))
    }

    /// Queues every unfinished job now and again every few seconds (call once at start,
    /// inside the runtime).
    pub fn resume_jobs(&self) {
        self.state.jobs.resume(Arc::clone(&self.state.registry));
        let sweep = std::time::Duration::from_secs(RESUME_SWEEP_SECONDS);
        self.state
            .jobs
            .spawn_resume_sweep(Arc::clone(&self.state.registry), sweep);
    }

    /// Starts the periodic L7 retention purge (inside the runtime).
    pub fn start_retention(&self, every: Duration) {
        self.state.jobs.spawn_retention(every);
    }

    /// Stops starting jobs and waits up to `grace` for running ones; returns whether all
    /// finished.
    pub async fn shutdown_jobs(&self, grace: Duration) -> bool {
        self.state.jobs.shutdown(grace).await
    }
}
