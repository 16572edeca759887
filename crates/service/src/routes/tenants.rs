//! `/tenants`: creating tenants, reading them and enabling the feature (operator; a
//! tenant admin may read its own tenant).

use axum::extract::{Path, State};
use axum::Json;
use keyward_domain::model::Tenant;
use keyward_domain::rules::access::{Action, Target};
use keyward_domain::{RegionName, TenantId};
use serde::Deserialize;

use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::routes::parse_id;
use crate::state::AppState;

/// The body of `POST /tenants`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewTenant {
    id: TenantId,
    name: String,
    regions: Vec<RegionName>,
}

/// `POST /tenants`.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewTenant>,
) -> Result<Json<Tenant>, ApiError> {
    caller.may(Action::CreateTenant, Target::Service)?;
    let actor = caller.actor();
    let tenant = state
        .engine(move |e| e.create_tenant(&actor, body.id, &body.name, body.regions))
        .await?;
    Ok(Json(tenant))
}

/// `GET /tenants`.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Tenant>>, ApiError> {
    caller.may(Action::ViewTenant, Target::Service)?;
    Ok(Json(state.engine(|e| e.tenants()).await?))
}

/// `GET /tenants/{t}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(tenant): Path<String>,
) -> Result<Json<Tenant>, ApiError> {
    let tenant: TenantId = parse_id(tenant)?;
    caller.may(Action::ViewTenant, Target::Tenant(&tenant))?;
    Ok(Json(state.engine(move |e| e.tenant(&tenant)).await?))
}

/// `POST /tenants/{t}/feature`.
pub(crate) async fn enable_feature(
    State(state): State<AppState>,
    caller: Caller,
    Path(tenant): Path<String>,
) -> Result<Json<Tenant>, ApiError> {
    let tenant: TenantId = parse_id(tenant)?;
    caller.may(Action::EnableFeature, Target::Tenant(&tenant))?;
    let actor = caller.actor();
    Ok(Json(
        state
            .engine(move |e| e.enable_feature(&actor, &tenant))
            .await?,
    ))
}
