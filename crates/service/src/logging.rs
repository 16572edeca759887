//! Logs: the process's `tracing` subscriber, and one info line per request with method,
//! route template, status, duration and the caller's label.
//!
//! Must never: log a body, a header value (tokens travel in one), a query string or the
//! request's concrete path (it may hold a file name, which is user data): only the route
//! template, e.g. `/api/v1/environments/{e}/files/{name}`.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing_subscriber::EnvFilter;

use crate::auth::PrincipalSlot;

/// Installs a stderr subscriber filtered by `filter` (e.g. `info`); a second call is a
/// no-op. Returns an error message when the filter does not parse.
pub fn init_logging(filter: &str) -> Result<(), String> {
    let filter = EnvFilter::try_new(filter).map_err(|e| format!("invalid log filter: {e}"))?;
    // Colours only on a terminal: a log file or journal gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _already_set = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .try_init();
    Ok(())
}

/// Middleware: runs the request and logs its line.
pub(crate) async fn log_request(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let slot = PrincipalSlot::default();
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    tracing::info!(
        method = %method,
        route,
        status = response.status().as_u16(),
        duration_ms = started.elapsed().as_millis() as u64,
        principal = slot.label(),
        "request"
    );
    response
}
