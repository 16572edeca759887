//! A tenant-region's keys (tenant admin of the tenant): the key exchange key (K3), listing,
//! generating (K4), uploading (K1–K3), activating (A1–A4), the lock (L1–L3) and the key's
//! unlock (U1). Activation, lock and unlock answer 202 with a job that runs in the
//! background.
//!
//! Passwords and key files arrive in JSON and live in wiped buffers until the engine has
//! used them; they are never logged.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use keyward_domain::model::{Job, LockRecord, TenantKey, TenantRegion};
use keyward_domain::rules::access::{Action, Target};
use keyward_domain::KeyId;
use keyward_keys::Pkcs12Profile;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::auth::Caller;
use crate::body::{JsonBody, KeyFileBase64, SecretText};
use crate::error::ApiError;
use crate::routes::{parse_id, scope};
use crate::state::AppState;

/// The key exchange key as the API shows it.
#[derive(Serialize)]
pub(crate) struct KekBody {
    kid: String,
    public_pem: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

/// The body of `POST …/keys/generate`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GenerateBody {
    password: SecretText,
    #[serde(default)]
    profile: Profile,
    #[serde(default)]
    acknowledge_risk: bool,
}

/// The PKCS#12 profile of a generated key.
#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Profile {
    /// PBES2 / AES-256 / SHA-256 (the default).
    #[default]
    Modern,
    /// 3DES / SHA-1, for old consumers.
    Legacy,
}

/// A generated key and the only copy of its PKCS#12 file.
#[derive(Serialize)]
pub(crate) struct GeneratedBody {
    key: TenantKey,
    pkcs12_base64: String,
}

/// The body of upload and unlock: a key file and its password.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyFileBody {
    file_base64: KeyFileBase64,
    #[serde(default)]
    password: Option<SecretText>,
    #[serde(default)]
    acknowledge_risk: bool,
}

/// The body of activate.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RiskBody {
    #[serde(default)]
    acknowledge_risk: bool,
}

/// The body of a lock.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LockBody {
    file_base64: KeyFileBase64,
    #[serde(default)]
    password: Option<SecretText>,
    confirmation: String,
    #[serde(default)]
    acknowledge_risk: bool,
}

/// The lock confirmation as the API shows it.
#[derive(Serialize)]
pub(crate) struct ConfirmationBody {
    confirmation: String,
    #[serde(with = "time::serde::rfc3339")]
    issued_at: OffsetDateTime,
    key: KeyId,
}

/// The region of the path, once the caller may do `action` on its tenant.
fn authorized_scope(
    caller: &Caller,
    (tenant, region): (String, String),
    action: Action,
) -> Result<TenantRegion, ApiError> {
    let scope = scope(tenant, region)?;
    caller.may(action, Target::Tenant(&scope.tenant))?;
    Ok(scope)
}

/// `GET …/kek`.
pub(crate) async fn kek(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<(String, String)>,
) -> Result<Json<KekBody>, ApiError> {
    let scope = authorized_scope(&caller, path, Action::ReadKeyExchangeKey)?;
    let actor = caller.actor();
    let record = state
        .engine(move |e| e.key_exchange_key(&actor, &scope))
        .await?;
    Ok(Json(KekBody {
        kid: record.kid,
        public_pem: record.public_pem,
        created_at: record.created_at,
    }))
}

/// `GET …/keys`.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<(String, String)>,
) -> Result<Json<Vec<TenantKey>>, ApiError> {
    let scope = authorized_scope(&caller, path, Action::ViewKeys)?;
    Ok(Json(state.engine(move |e| e.keys(&scope)).await?))
}

/// `POST …/keys/generate`.
pub(crate) async fn generate(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<(String, String)>,
    JsonBody(body): JsonBody<GenerateBody>,
) -> Result<Json<GeneratedBody>, ApiError> {
    let scope = authorized_scope(&caller, path, Action::GenerateKey)?;
    let actor = caller.actor();
    let profile = match body.profile {
        Profile::Modern => Pkcs12Profile::Modern,
        Profile::Legacy => Pkcs12Profile::Legacy,
    };
    let generated = state
        .engine(move |e| {
            let password = body.password.password();
            e.generate_key(
                &actor,
                &scope,
                &password,
                profile,
                body.acknowledge_risk.into(),
            )
        })
        .await?;
    Ok(Json(GeneratedBody {
        key: generated.key,
        pkcs12_base64: BASE64.encode(generated.pkcs12.as_bytes()),
    }))
}

/// `POST …/keys/upload`.
pub(crate) async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<(String, String)>,
    JsonBody(body): JsonBody<KeyFileBody>,
) -> Result<Json<TenantKey>, ApiError> {
    let scope = authorized_scope(&caller, path, Action::UploadKey)?;
    let actor = caller.actor();
    let key = state
        .engine(move |e| {
            let password = body.password.as_ref().map(SecretText::password);
            let risk = body.acknowledge_risk.into();
            e.upload_key(
                &actor,
                &scope,
                body.file_base64.bytes(),
                password.as_ref(),
                risk,
            )
        })
        .await?;
    Ok(Json(key))
}

/// `POST …/keys/{k}/activate`.
pub(crate) async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    Path((tenant, region, key)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<RiskBody>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    let scope = authorized_scope(&caller, (tenant, region), Action::ActivateKey)?;
    let key: KeyId = parse_id(key)?;
    let actor = caller.actor();
    let risk = body.acknowledge_risk.into();
    let job = state
        .engine(move |e| e.activate_key(&actor, &scope, &key, risk))
        .await?;
    Ok(started(&state, job))
}

/// `POST …/keys/unlock`.
pub(crate) async fn unlock(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<(String, String)>,
    JsonBody(body): JsonBody<KeyFileBody>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    let scope = authorized_scope(&caller, path, Action::UnlockKey)?;
    let actor = caller.actor();
    let job = state
        .engine(move |e| {
            let password = body.password.as_ref().map(SecretText::password);
            let risk = body.acknowledge_risk.into();
            e.unlock_key(
                &actor,
                &scope,
                body.file_base64.bytes(),
                password.as_ref(),
                risk,
            )
        })
        .await?;
    Ok(started(&state, job))
}

/// `POST …/lock/confirmation`.
pub(crate) async fn lock_confirmation(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<(String, String)>,
) -> Result<Json<ConfirmationBody>, ApiError> {
    let scope = authorized_scope(&caller, path, Action::Lock)?;
    let actor = caller.actor();
    let record: LockRecord = state
        .engine(move |e| e.issue_lock_confirmation(&actor, &scope))
        .await?;
    Ok(Json(ConfirmationBody {
        confirmation: record.confirmation,
        issued_at: record.issued_at,
        key: record.key,
    }))
}

/// `POST …/lock`.
pub(crate) async fn lock(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<(String, String)>,
    JsonBody(body): JsonBody<LockBody>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    let scope = authorized_scope(&caller, path, Action::Lock)?;
    let actor = caller.actor();
    let job = state
        .engine(move |e| {
            let password = body.password.as_ref().map(SecretText::password);
            let file = body.file_base64.bytes();
            let risk = body.acknowledge_risk.into();
            e.lock(
                &actor,
                &scope,
                file,
                password.as_ref(),
                &body.confirmation,
                risk,
            )
        })
        .await?;
    Ok(started(&state, job))
}

/// Starts `job` in the background and answers 202 with its record.
pub(crate) fn started(state: &AppState, job: Job) -> (StatusCode, Json<Job>) {
    state.jobs.start(job.id.clone());
    (StatusCode::ACCEPTED, Json(job))
}
