//! The endpoints, one file per group of `docs/api.md`.
//!
//! Every handler does the same steps: authenticate (the [`Caller`] extractor), resolve the
//! target (404 when it does not exist), authorise through the domain's access rules, run
//! the engine operation on the blocking pool, answer. Helpers shared by the groups live
//! here.

pub(crate) mod audit;
pub(crate) mod data;
pub(crate) mod database;
pub(crate) mod environments;
pub(crate) mod jobs;
pub(crate) mod keys;
pub(crate) mod service;
pub(crate) mod tenants;
pub(crate) mod tokens;

use std::fmt::Display;

use keyward_domain::model::{Environment, TenantRegion};
use keyward_domain::rules::access::{Action, Target};
use keyward_domain::{EnvironmentId, RegionName, TenantId};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Parses an id from a path or body, or answers 400.
pub(crate) fn parse_id<T>(text: String) -> Result<T, ApiError>
where
    T: TryFrom<String>,
    T::Error: Display,
{
    T::try_from(text).map_err(|e| ApiError::invalid(e.to_string()))
}

/// The tenant-region named by a path.
pub(crate) fn scope(tenant: String, region: String) -> Result<TenantRegion, ApiError> {
    Ok(TenantRegion {
        tenant: parse_id::<TenantId>(tenant)?,
        region: parse_id::<RegionName>(region)?,
    })
}

/// The environment `id` (404 when missing), once the caller may do `action` on it.
pub(crate) async fn authorized_environment(
    state: &AppState,
    caller: &Caller,
    id: String,
    action: Action,
) -> Result<Environment, ApiError> {
    let env = environment(state, id).await?;
    caller.may(action, environment_target(&env))?;
    Ok(env)
}

/// The environment `id`, or 404.
pub(crate) async fn environment(state: &AppState, id: String) -> Result<Environment, ApiError> {
    let id: EnvironmentId = parse_id(id)?;
    state.engine(move |e| e.environment(&id)).await
}

/// The access-rule target of an environment.
pub(crate) fn environment_target(env: &Environment) -> Target<'_> {
    Target::Environment {
        tenant: &env.scope.tenant,
        environment: &env.id,
    }
}
