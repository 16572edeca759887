//! Starting, serving and stopping: [`serve`] runs until SIGINT or SIGTERM; [`run`] is the
//! same for a caller without a tokio runtime (the CLI).
//!
//! Start: check the listen address (plain HTTP only on loopback unless explicitly
//! allowed), open the engine (creating the data directory on first start), make sure an
//! operator token exists, queue unfinished jobs, start the retention purge, listen.
//! Stop: stop accepting, let in-flight requests finish (up to the grace period), stop
//! starting queued jobs and wait (up to the grace period again) for running ones; jobs cut
//! short resume at the next start.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum_server::tls_openssl::OpenSSLAcceptor;
use axum_server::Handle;
use keyward_domain::SystemClock;
use keyward_engine::{EngineConfig, EngineError};
use keyward_keys::IterationLimits;

use crate::config::{ConfigError, ServiceConfig};
use crate::error::ApiError;
use crate::state::Service;
use crate::{operator_token, tls};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// A setting is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The engine could not open the data directory.
    #[error("cannot open the data directory: {0}")]
    Engine(#[from] EngineError),
    /// The token registry could not open the metadata store.
    #[error("cannot open the metadata store: {0}")]
    Store(#[from] keyward_store::StoreError),
    /// The operator token file may be read by others.
    #[error(
        "{0} is readable or writable by group or others: the operator token may have \
         leaked; revoke it, remove the file (or chmod 600 it) and start again"
    )]
    OperatorTokenExposed(PathBuf),
    /// The TLS certificate or key is unusable.
    #[error("cannot use TLS certificate {cert}: {message}")]
    Tls {
        /// The certificate file.
        cert: PathBuf,
        /// What OpenSSL said.
        message: String,
    },
    /// A start-up step failed.
    #[error("start-up failed: {0}")]
    Startup(String),
    /// Binding or serving failed.
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
}

impl From<ApiError> for ServeError {
    fn from(error: ApiError) -> Self {
        ServeError::Startup(format!("{} ({})", error.code(), error.status()))
    }
}

/// Runs the server on a runtime of its own until SIGINT or SIGTERM. Blocking.
pub fn run(config: ServiceConfig) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(serve(config));
    // Jobs still running past the grace period are abandoned; they resume next start.
    runtime.shutdown_timeout(Duration::from_secs(1));
    outcome
}

/// Serves until SIGINT or SIGTERM, printing the address it listens on to stderr.
pub async fn serve(config: ServiceConfig) -> Result<(), ServeError> {
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let announce = move |addr: SocketAddr| eprintln!("keyward: listening on {scheme}://{addr}");
    serve_until(config, shutdown_signal(), announce).await
}

/// Serves until `shutdown` completes; calls `ready` with the bound address once listening.
pub async fn serve_until(
    config: ServiceConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    ready: impl FnOnce(SocketAddr) + Send,
) -> Result<(), ServeError> {
    config.check_exposure()?;
    let tls = config.tls.as_ref().map(tls::openssl_config).transpose()?;
    let service = Arc::new(open(&config).await?);
    let listener = std::net::TcpListener::bind(config.listen)?;
    let addr = listener.local_addr()?;
    service.resume_jobs();
    service.start_retention(config.retention_interval);

    let handle = Handle::new();
    let grace = config.shutdown_grace;
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections; finishing requests");
        stopper.graceful_shutdown(Some(grace));
    });

    let app = service.router().into_make_service();
    let server = axum_server::from_tcp(listener)?.handle(handle);
    tracing::info!(%addr, tls = tls.is_some(), "listening");
    ready(addr);
    match tls {
        Some(tls) => {
            server
                .acceptor(OpenSSLAcceptor::new(tls))
                .serve(app)
                .await?
        }
        None => server.serve(app).await?,
    }
    if !service.shutdown_jobs(grace).await {
        tracing::warn!("jobs still running at shutdown; they resume at the next start");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Opens the engine and makes sure an operator token exists, on the blocking pool.
async fn open(config: &ServiceConfig) -> Result<Service, ServeError> {
    let engine_config = EngineConfig {
        data_dir: config.data_dir.clone(),
        policy: config.policy.clone(),
        clock: Arc::new(SystemClock),
        iteration_limits: IterationLimits::default(),
    };
    let workers = config.job_workers;
    let data_dir = config.data_dir.clone();
    let opened = tokio::task::spawn_blocking(move || {
        let service = Service::open(engine_config, workers)?;
        let written = operator_token::ensure(&service, &data_dir)?;
        Ok::<_, ServeError>((service, written))
    })
    .await
    .map_err(|e| ServeError::Startup(e.to_string()))??;
    if let Some(path) = &opened.1 {
        eprintln!("keyward: operator token written to {}", path.display());
    }
    Ok(opened.0)
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
