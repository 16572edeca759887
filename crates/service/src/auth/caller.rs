//! The authenticated caller of a request, extracted from its bearer token, and the
//! authorisation check every handler makes through the domain's access rules (S1).

use std::sync::{Arc, OnceLock};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use keyward_domain::model::Principal;
use keyward_domain::rules::access::{authorize, Action, Target};

use crate::error::ApiError;
use crate::state::AppState;

/// The principal making a request: authenticated, not yet authorised for anything.
pub(crate) struct Caller {
    /// Who and with which role.
    pub(crate) principal: Principal,
    /// The public id of the token presented.
    pub(crate) token_id: String,
}

/// Where the request logger finds the caller's label once authentication has run.
#[derive(Clone, Default)]
pub(crate) struct PrincipalSlot(Arc<OnceLock<String>>);

impl PrincipalSlot {
    /// The caller's label, or `-` when the request was not authenticated.
    pub(crate) fn label(&self) -> &str {
        self.0.get().map(String::as_str).unwrap_or("-")
    }
}

impl Caller {
    /// The caller's name for audit events: its token's label and id, so two tokens with
    /// the same label (or a label copying the service's own name) stay apart (S2).
    pub(crate) fn actor(&self) -> String {
        format!("{} [{}]", self.principal.name, self.token_id)
    }

    /// `Ok` if the caller may do `action` on `target`; else 403 `forbidden`.
    pub(crate) fn may(&self, action: Action, target: Target<'_>) -> Result<(), ApiError> {
        Ok(authorize(&self.principal, action, target)?)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        let registry = state.registry.clone();
        let caller = state
            .blocking(move || super::authenticate(&registry, &token))
            .await?;
        if let Some(slot) = parts.extensions.get::<PrincipalSlot>() {
            let _ = slot.0.set(caller.principal.name.clone());
        }
        Ok(caller)
    }
}

/// The token of an `Authorization: Bearer <token>` header, in a wiped buffer.
fn bearer(parts: &Parts) -> Result<zeroize::Zeroizing<String>, ApiError> {
    let missing = || ApiError::unauthenticated("send Authorization: Bearer <token>");
    let value = parts.headers.get(AUTHORIZATION).ok_or_else(missing)?;
    let text = value.to_str().map_err(|_| missing())?;
    let token = text.strip_prefix("Bearer ").ok_or_else(missing)?;
    Ok(zeroize::Zeroizing::new(token.trim().to_owned()))
}
