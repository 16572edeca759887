//! `/tokens`: issuing, listing and revoking API tokens (S1).
//!
//! The domain's access rules have no actions for tokens, so these checks are here:
//! an operator issues, lists and revokes any token; a tenant admin issues environment
//! admin and environment user tokens for environments of its own tenant, and revokes those
//! and its own token, never another tenant admin's (a rogue admin must not lock the
//! others out during the L2 grace period). Nobody else manages tokens.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use keyward_domain::model::Role;
use keyward_domain::{Refusal, RefusalCode};
use keyward_store::TokenRecord;
use serde::{Deserialize, Serialize};

use crate::auth::{self, role_tenant, Caller};
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::state::AppState;

/// The body of `POST /tokens`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewToken {
    label: String,
    role: Role,
}

/// A token just issued; the only time its secret is shown.
#[derive(Serialize)]
pub(crate) struct IssuedBody {
    id: String,
    token: String,
    label: String,
    role: Role,
}

/// `POST /tokens`.
pub(crate) async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewToken>,
) -> Result<Json<IssuedBody>, ApiError> {
    may_issue(&caller, &body.role)?;
    check_label(&body.label)?;
    check_scope_exists(&state, &body.role).await?;
    let registry = state.registry.clone();
    let now = state.engine.now();
    let actor = caller.actor();
    let issued = state
        .blocking(move || auth::issue(&registry, now, &actor, &body.label, body.role))
        .await?;
    // The one place a token's secret leaves the service: the response to its issuer.
    Ok(Json(IssuedBody {
        token: issued.token.expose().to_owned(),
        id: issued.id,
        label: issued.label,
        role: issued.role,
    }))
}

/// `GET /tokens`.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TokenRecord>>, ApiError> {
    require_operator(&caller)?;
    let registry = state.registry.clone();
    let tokens = state
        .blocking(move || {
            registry
                .tokens()
                .map_err(|e| ApiError::internal(e.to_string()))
        })
        .await?;
    Ok(Json(tokens))
}

/// `DELETE /tokens/{id}`.
pub(crate) async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let registry = state.registry.clone();
    let lookup = id.clone();
    let record = state
        .blocking(move || auth::token_record(&registry, &lookup))
        .await?;
    may_revoke(&caller, &record)?;
    let registry = state.registry.clone();
    let now = state.engine.now();
    let actor = caller.actor();
    state
        .blocking(move || auth::revoke(&registry, now, &actor, &id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn may_issue(caller: &Caller, role: &Role) -> Result<(), ApiError> {
    match (&caller.principal.role, role) {
        (Role::Operator, _) => Ok(()),
        (Role::TenantAdmin { tenant }, Role::EnvironmentAdmin { tenant: t, .. })
        | (Role::TenantAdmin { tenant }, Role::EnvironmentUser { tenant: t, .. })
            if tenant == t =>
        {
            Ok(())
        }
        _ => Err(forbidden(caller, "issue that token")),
    }
}

fn may_revoke(caller: &Caller, record: &TokenRecord) -> Result<(), ApiError> {
    let own_token = caller.token_id == record.id;
    let allowed = match &caller.principal.role {
        Role::Operator => true,
        Role::TenantAdmin { tenant } => {
            own_token
                || (!matches!(record.role, Role::TenantAdmin { .. } | Role::Operator)
                    && role_tenant(&record.role) == Some(tenant))
        }
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(forbidden(caller, "revoke that token"))
    }
}

fn require_operator(caller: &Caller) -> Result<(), ApiError> {
    match caller.principal.role {
        Role::Operator => Ok(()),
        _ => Err(forbidden(caller, "list tokens")),
    }
}

fn forbidden(caller: &Caller, what: &str) -> ApiError {
    let message = format!(
        "{} may not {what}; ask an operator or an admin of that tenant",
        caller.principal.name
    );
    Refusal::new(RefusalCode::Forbidden, message).into()
}

fn check_label(label: &str) -> Result<(), ApiError> {
    let ok = !label.trim().is_empty() && label.len() <= 200 && !label.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "label must be 1 to 200 characters without control characters",
        ))
    }
}

/// The tenant, and the environment within it, that a new role names must exist.
async fn check_scope_exists(state: &AppState, role: &Role) -> Result<(), ApiError> {
    let role = role.clone();
    state
        .engine(move |engine| match &role {
            Role::Operator => Ok(()),
            Role::TenantAdmin { tenant } => engine.tenant(tenant).map(|_| ()),
            Role::EnvironmentAdmin {
                tenant,
                environment,
            }
            | Role::EnvironmentUser {
                tenant,
                environment,
            } => {
                let env = engine.environment(environment)?;
                if &env.scope.tenant == tenant {
                    Ok(())
                } else {
                    Err(keyward_engine::EngineError::Invalid(format!(
                        "environment {environment} does not belong to tenant {tenant}"
                    )))
                }
            }
        })
        .await
}
