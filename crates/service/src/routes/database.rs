//! Database operations on an environment (D1–D5): backup, list backups, restore, copy,
//! reset, delete. Restore and copy are authorised on both environments they touch.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use keyward_domain::model::{Backup, Environment};
use keyward_domain::rules::access::Action;
use keyward_domain::BackupId;
use serde::Deserialize;

use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::routes::{authorized_environment, parse_id};
use crate::state::AppState;

/// The body of `POST /environments/{e}/restore`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RestoreBody {
    backup: String,
}

/// The body of `POST /environments/{e}/copy`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CopyBody {
    source: String,
}

/// `DELETE /environments/{e}` (D5).
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let env = authorized_environment(&state, &caller, id, Action::DeleteEnvironment).await?;
    let actor = caller.actor();
    state
        .engine(move |e| e.delete_environment(&actor, &env.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /environments/{e}/backups` (D1).
pub(crate) async fn backup(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Backup>), ApiError> {
    let env = authorized_environment(&state, &caller, id, Action::Backup).await?;
    let actor = caller.actor();
    let backup = state.engine(move |e| e.backup(&actor, &env.id)).await?;
    Ok((StatusCode::CREATED, Json(backup)))
}

/// `GET /environments/{e}/backups`.
pub(crate) async fn backups(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Backup>>, ApiError> {
    let env = authorized_environment(&state, &caller, id, Action::Backup).await?;
    Ok(Json(state.engine(move |e| e.backups(&env.id)).await?))
}

/// `POST /environments/{e}/restore` (D2): authorised on the target and on the
/// environment the backup came from.
pub(crate) async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RestoreBody>,
) -> Result<StatusCode, ApiError> {
    let target = authorized_environment(&state, &caller, id, Action::Restore).await?;
    let backup = backup_record(&state, body.backup).await?;
    let source = backup.environment.to_string();
    authorized_environment(&state, &caller, source, Action::Restore).await?;
    let actor = caller.actor();
    state
        .engine(move |e| e.restore(&actor, &backup.id, &target.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /environments/{e}/copy` (D3): authorised on the source and the target.
pub(crate) async fn copy(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CopyBody>,
) -> Result<StatusCode, ApiError> {
    let target = authorized_environment(&state, &caller, id, Action::Copy).await?;
    let source = authorized_environment(&state, &caller, body.source, Action::Copy).await?;
    let actor = caller.actor();
    state
        .engine(move |e| e.copy(&actor, &source.id, &target.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /environments/{e}/reset` (D4).
pub(crate) async fn reset(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Environment>, ApiError> {
    let env = authorized_environment(&state, &caller, id, Action::Reset).await?;
    let actor = caller.actor();
    Ok(Json(state.engine(move |e| e.reset(&actor, &env.id)).await?))
}

/// A backup's record, or 404; the engine reads backups only by environment.
async fn backup_record(state: &AppState, id: String) -> Result<Backup, ApiError> {
    let id: BackupId = parse_id(id)?;
    let registry = state.registry.clone();
    let found = state
        .blocking(move || {
            let found = registry
                .backup(&id)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            found.ok_or_else(|| {
                let message = format!("backup {id} does not exist; list the backups");
                ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
            })
        })
        .await?;
    Ok(found)
}
