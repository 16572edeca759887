//! Bearer tokens and roles (S1): issuing, checking and revoking `kw_<id>_<secret>` tokens.
//!
//! A token's secret is 32 random bytes; only its SHA-256 is stored, and a presented
//! secret's hash is compared with the stored one in constant time. A revoked or unknown
//! token, or one that does not parse, is `unauthenticated`. The token's label is the
//! caller's name in audit events.
//! Must never: store, log or put in an error the secret or the whole token.

mod caller;
mod token;

pub(crate) use caller::{Caller, PrincipalSlot};
pub use token::{IssuedToken, TokenSecret};

use keyward_domain::model::AuditOutcome;
use keyward_domain::model::{Principal, Role};
use keyward_store::{NewAuditEvent, TokenRecord};
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::registry::Registry;
use token::PresentedToken;

/// Issues a token for `role`, recording `actor` as the issuer in the audit log.
pub(crate) fn issue(
    registry: &Registry,
    now: OffsetDateTime,
    actor: &str,
    label: &str,
    role: Role,
) -> Result<IssuedToken, ApiError> {
    issue_then(registry, now, actor, label, role, |_| Ok(()))
}

/// Issues a token, calling `deliver` with it before its record commits, so a token is
/// never valid without having been delivered (the operator token's file).
pub(crate) fn issue_then(
    registry: &Registry,
    now: OffsetDateTime,
    actor: &str,
    label: &str,
    role: Role,
    deliver: impl FnOnce(&IssuedToken) -> Result<(), ApiError>,
) -> Result<IssuedToken, ApiError> {
    let (issued, hash) = IssuedToken::generate(label, role)?;
    deliver(&issued)?;
    let record = TokenRecord {
        id: issued.id.clone(),
        label: label.to_owned(),
        role: issued.role.clone(),
        created_at: now,
        revoked_at: None,
    };
    let event = token_event(now, actor, &issued.role, "token.issue", &issued.id);
    registry
        .put_token(&record, &hash, event)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    tracing::info!(token_id = %issued.id, label, "token issued");
    Ok(issued)
}

/// The caller a bearer token stands for, or `unauthenticated`.
pub(crate) fn authenticate(registry: &Registry, presented: &str) -> Result<Caller, ApiError> {
    let refused =
        || ApiError::unauthenticated("the bearer token is unknown or revoked; use a valid token");
    let presented = PresentedToken::parse(presented).ok_or_else(refused)?;
    let (record, stored) = registry
        .token(presented.id())
        .map_err(|e| ApiError::internal(e.to_string()))?
        .ok_or_else(refused)?;
    if !presented.matches(&stored) || record.revoked_at.is_some() {
        return Err(refused());
    }
    Ok(Caller {
        principal: Principal {
            name: record.label,
            role: record.role,
        },
        token_id: record.id,
    })
}

/// Marks a token revoked; revoking twice keeps the first instant.
pub(crate) fn revoke(
    registry: &Registry,
    now: OffsetDateTime,
    actor: &str,
    id: &str,
) -> Result<(), ApiError> {
    let (mut record, hash) = registry
        .token(id)
        .map_err(|e| ApiError::internal(e.to_string()))?
        .ok_or_else(|| not_found(id))?;
    record.revoked_at.get_or_insert(now);
    let event = token_event(now, actor, &record.role, "token.revoke", id);
    registry
        .put_token(&record, &hash, event)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    tracing::info!(token_id = %id, "token revoked");
    Ok(())
}

/// The token's record, or `not_found`.
pub(crate) fn token_record(registry: &Registry, id: &str) -> Result<TokenRecord, ApiError> {
    let found = registry
        .token(id)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    found.map(|(record, _)| record).ok_or_else(|| not_found(id))
}

fn not_found(id: &str) -> ApiError {
    let message = format!("token {id} does not exist; list them to find the right id");
    ApiError::new(axum::http::StatusCode::NOT_FOUND, "not_found", message)
}

/// The tenant a role belongs to, if any.
pub(crate) fn role_tenant(role: &Role) -> Option<&keyward_domain::TenantId> {
    match role {
        Role::Operator => None,
        Role::TenantAdmin { tenant }
        | Role::EnvironmentAdmin { tenant, .. }
        | Role::EnvironmentUser { tenant, .. } => Some(tenant),
    }
}

fn token_event(
    now: OffsetDateTime,
    actor: &str,
    role: &Role,
    action: &str,
    id: &str,
) -> NewAuditEvent {
    NewAuditEvent {
        at: now,
        actor: actor.to_owned(),
        tenant: role_tenant(role).cloned(),
        action: action.to_owned(),
        target: format!("token:{id}"),
        outcome: AuditOutcome::Allowed,
    }
}
