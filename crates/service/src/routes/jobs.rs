//! `GET /jobs/{id}`: polling a job. Operators and the tenant's admins see every job of the
//! tenant; an environment admin sees the jobs of its environment (apply-key, return-key).

use axum::extract::{Path, State};
use axum::Json;
use keyward_domain::model::{Job, JobKind};
use keyward_domain::rules::access::{Action, Target};
use keyward_domain::{EnvironmentId, JobId};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::parse_id;
use crate::state::AppState;

/// `GET /jobs/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Job>, ApiError> {
    let id: JobId = parse_id(id)?;
    let job = state.engine(move |e| e.job(&id)).await?;
    let environment = job_environment(&job);
    let target = match &environment {
        Some(environment) => Target::Environment {
            tenant: &job.scope.tenant,
            environment,
        },
        None => Target::Tenant(&job.scope.tenant),
    };
    caller.may(Action::ReadJob, target)?;
    Ok(Json(job))
}

/// The environment a job works on, for the jobs that work on one.
fn job_environment(job: &Job) -> Option<EnvironmentId> {
    match job.kind {
        JobKind::ApplyKey | JobKind::ReturnKey => EnvironmentId::new(job.subject.clone()).ok(),
        _ => None,
    }
}
