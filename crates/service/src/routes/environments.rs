//! Environments: creating and listing them in a tenant-region, reading one, and moving it
//! between protectors (E3, E4) or out of a lock (U2).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use keyward_domain::model::{Environment, EnvironmentType, Job};
use keyward_domain::rules::access::{Action, Target};
use serde::Deserialize;

use crate::auth::Caller;
use crate::body::{JsonBody, OptionalJson};
use crate::error::ApiError;
use crate::routes::keys::started;
use crate::routes::{authorized_environment, environment, environment_target, scope};
use crate::state::AppState;

/// The body of `POST …/environments`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewEnvironment {
    name: String,
    #[serde(rename = "type")]
    env_type: EnvironmentType,
}

/// The body of `POST /environments/{e}/return-key`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReturnKeyBody {
    #[serde(default)]
    confirm_name: Option<String>,
}

/// `POST /tenants/{t}/regions/{r}/environments`.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path((tenant, region)): Path<(String, String)>,
    JsonBody(body): JsonBody<NewEnvironment>,
) -> Result<(StatusCode, Json<Environment>), ApiError> {
    let scope = scope(tenant, region)?;
    caller.may(Action::CreateEnvironment, Target::Tenant(&scope.tenant))?;
    let actor = caller.actor();
    let env = state
        .engine(move |e| e.create_environment(&actor, &scope, &body.name, body.env_type))
        .await?;
    Ok((StatusCode::CREATED, Json(env)))
}

/// `GET /tenants/{t}/regions/{r}/environments`.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path((tenant, region)): Path<(String, String)>,
) -> Result<Json<Vec<Environment>>, ApiError> {
    let scope = scope(tenant, region)?;
    caller.may(Action::ViewEnvironment, Target::Tenant(&scope.tenant))?;
    Ok(Json(state.engine(move |e| e.environments(&scope)).await?))
}

/// `GET /environments/{e}`: whoever may view the environment, or use its data (an
/// environment user needs to see whether it is online or locked).
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Environment>, ApiError> {
    let env = environment(&state, id).await?;
    let target = environment_target(&env);
    caller
        .may(Action::ViewEnvironment, target)
        .or_else(|_| caller.may(Action::ReadData, target))?;
    Ok(Json(env))
}

/// `POST /environments/{e}/apply-key` (E3).
pub(crate) async fn apply_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    let env = authorized_environment(&state, &caller, id, Action::ApplyKey).await?;
    let actor = caller.actor();
    let job = state
        .engine(move |e| e.apply_tenant_key(&actor, &env.id))
        .await?;
    Ok(started(&state, job))
}

/// `POST /environments/{e}/return-key` (E4).
pub(crate) async fn return_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ReturnKeyBody>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    let env = authorized_environment(&state, &caller, id, Action::ReturnKey).await?;
    let actor = caller.actor();
    let job = state
        .engine(move |e| e.return_to_platform_key(&actor, &env.id, body.confirm_name.as_deref()))
        .await?;
    Ok(started(&state, job))
}

/// `POST /environments/{e}/unlock` (U2).
pub(crate) async fn unlock(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Environment>, ApiError> {
    let env = authorized_environment(&state, &caller, id, Action::UnlockEnvironment).await?;
    let actor = caller.actor();
    let unlocked = state
        .engine(move |e| e.unlock_environment(&actor, &env.scope, &env.id))
        .await?;
    Ok(Json(unlocked))
}
