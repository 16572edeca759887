//! The audit log (S2): reading events (operator: all, or one tenant's with `tenant=`;
//! tenant admin: its own tenant's) and verifying the chain (operator).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use keyward_domain::model::{AuditEvent, Role};
use keyward_domain::rules::access::{Action, Target};
use keyward_domain::TenantId;
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::parse_id;
use crate::state::AppState;

/// The most events one page returns.
const MAX_LIMIT: u32 = 1000;

/// The query of `GET /audit`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    #[serde(default)]
    after: u64,
    #[serde(default = "default_limit")]
    limit: u32,
    #[serde(default)]
    tenant: Option<String>,
}

fn default_limit() -> u32 {
    100
}

/// The body of `GET /audit/verify`.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum Verification {
    /// The chain holds.
    Intact {
        /// `true`.
        ok: bool,
        /// Events checked.
        events: u64,
        /// Hash of the newest event.
        head: String,
    },
    /// The chain breaks.
    Broken {
        /// `false`.
        ok: bool,
        /// The first event that does not fit.
        seq: u64,
        /// Why.
        reason: String,
    },
}

/// `GET /audit?after=0&limit=100[&tenant=t]`.
pub(crate) async fn events(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<Vec<AuditEvent>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::invalid(e.body_text()))?;
    let tenant = match query.tenant {
        Some(text) => Some(parse_id::<TenantId>(text)?),
        None => own_tenant(&caller),
    };
    match &tenant {
        Some(tenant) => caller.may(Action::ReadAudit, Target::Tenant(tenant))?,
        None => caller.may(Action::ReadAudit, Target::Service)?,
    }
    let limit = query.limit.min(MAX_LIMIT);
    let events = state
        .engine(move |e| e.audit_events(tenant.as_ref(), query.after, limit))
        .await?;
    Ok(Json(events))
}

/// `GET /audit/verify`.
pub(crate) async fn verify(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Verification>, ApiError> {
    caller.may(Action::ReadAudit, Target::Service)?;
    let verdict = state.engine(|e| e.verify_audit()).await?;
    Ok(Json(match verdict {
        Ok(summary) => Verification::Intact {
            ok: true,
            events: summary.events,
            head: summary.head,
        },
        Err(broken) => Verification::Broken {
            ok: false,
            seq: broken.seq,
            reason: broken.reason,
        },
    }))
}

/// A tenant admin reads its own tenant's events unless it names one.
fn own_tenant(caller: &Caller) -> Option<TenantId> {
    match &caller.principal.role {
        Role::TenantAdmin { tenant } => Some(tenant.clone()),
        _ => None,
    }
}
