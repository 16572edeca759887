//! Service endpoints: health (anyone), the OpenAPI document (anyone), metrics (operator).

use axum::extract::State;
use axum::Json;
use keyward_domain::rules::access::{Action, Target};
use serde::Serialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// The body of `GET /health`.
#[derive(Serialize)]
pub(crate) struct Health {
    status: &'static str,
    version: &'static str,
}

/// The body of `GET /metrics`.
#[derive(Serialize)]
pub(crate) struct Metrics {
    tenants: u64,
    environments: u64,
    open_environments: u64,
    unfinished_jobs: u64,
}

/// `GET /health`: no authentication, no store access.
pub(crate) async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// `GET /openapi.json`.
pub(crate) async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::openapi_document())
}

/// `GET /metrics`.
pub(crate) async fn metrics(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Metrics>, ApiError> {
    caller.may(Action::ReadHealth, Target::Service)?;
    let registry = state.registry.clone();
    let counts = state
        .blocking(move || {
            registry
                .counts()
                .map_err(|e| ApiError::internal(e.to_string()))
        })
        .await?;
    Ok(Json(Metrics {
        tenants: counts.tenants,
        environments: counts.environments,
        open_environments: state.engine.open_environment_count() as u64,
        unfinished_jobs: counts.unfinished_jobs,
    }))
}
