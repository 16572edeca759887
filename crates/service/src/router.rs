//! The route table: every endpoint of `docs/api.md`, under `/api/v1`.
//!
//! One macro invocation both registers each route with the router and lists it in
//! [`ROUTES`], from which the OpenAPI document is built, so the document cannot name a
//! route the router lacks or miss one it serves (a test probes the router to keep it so).

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{middleware, Router};

use crate::body::JSON_LIMIT;
use crate::error::ApiError;
use crate::routes::{audit, data, database, environments, jobs, keys, service, tenants, tokens};
use crate::state::AppState;

/// What a route's request body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestBody {
    /// No body.
    None,
    /// A JSON object.
    Json,
    /// A JSON object, or nothing.
    OptionalJson,
    /// Raw bytes, streamed.
    Raw,
}

/// One endpoint: its method (lowercase, as OpenAPI writes it), path under `/api/v1`,
/// success status, request body and a one-line summary naming who may call it.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// `get`, `post`, `put` or `delete`.
    pub method: &'static str,
    /// The path under `/api/v1`, with `{param}` placeholders.
    pub path: &'static str,
    /// The status of a successful answer.
    pub status: u16,
    /// The request body.
    pub body: RequestBody,
    /// What it does, and who may call it.
    pub summary: &'static str,
}

macro_rules! api {
    ($(
        $method:ident $path:literal => $handler:path, $status:literal, $body:ident,
        $summary:literal;
    )*) => {
        /// Every route the API serves, in the order of `docs/api.md`.
        pub const ROUTES: &[Route] = &[$(Route {
            method: stringify!($method),
            path: $path,
            status: $status,
            body: RequestBody::$body,
            summary: $summary,
        },)*];

        fn api_routes() -> Router<AppState> {
            Router::new()$(.route($path, $method($handler)))*
        }
    };
}

api! {
    post "/tokens" => tokens::issue, 200, Json,
        "Issue a token (operator: any role; tenant admin: environment roles of its tenant)";
    get "/tokens" => tokens::list, 200, None,
        "List tokens (operator)";
    delete "/tokens/{id}" => tokens::revoke, 204, None,
        "Revoke a token (operator; tenant admin: environment tokens of its tenant, and its own)";
    get "/health" => service::health, 200, None,
        "Liveness and version (anyone)";
    get "/openapi.json" => service::openapi, 200, None,
        "This document (anyone)";
    get "/metrics" => service::metrics, 200, None,
        "Counts for monitoring (operator)";
    post "/tenants" => tenants::create, 200, Json,
        "Create a tenant (operator)";
    get "/tenants" => tenants::list, 200, None,
        "List tenants (operator)";
    get "/tenants/{t}" => tenants::show, 200, None,
        "A tenant (operator, tenant admin)";
    post "/tenants/{t}/feature" => tenants::enable_feature, 200, None,
        "Enable the self-managed-key feature (operator)";
    get "/tenants/{t}/regions/{r}/kek" => keys::kek, 200, None,
        "The key exchange key for .byok uploads, K3 (tenant admin)";
    get "/tenants/{t}/regions/{r}/keys" => keys::list, 200, None,
        "List keys (tenant admin)";
    post "/tenants/{t}/regions/{r}/keys/generate" => keys::generate, 200, Json,
        "Generate a key, K4 (tenant admin)";
    post "/tenants/{t}/regions/{r}/keys/upload" => keys::upload, 200, Json,
        "Upload a key, K1-K3 (tenant admin)";
    post "/tenants/{t}/regions/{r}/keys/{k}/activate" => keys::activate, 202, Json,
        "Activate a key, A1-A4; returns the job (tenant admin)";
    post "/tenants/{t}/regions/{r}/keys/unlock" => keys::unlock, 202, Json,
        "Re-install the locked key, U1; returns the job (tenant admin)";
    post "/tenants/{t}/regions/{r}/lock/confirmation" => keys::lock_confirmation, 200, None,
        "Issue the lock confirmation text, L1 (tenant admin)";
    post "/tenants/{t}/regions/{r}/lock" => keys::lock, 202, Json,
        "Lock the region, L1-L3; returns the job (tenant admin)";
    post "/tenants/{t}/regions/{r}/environments" => environments::create, 201, Json,
        "Create an environment, E2 (operator, tenant admin)";
    get "/tenants/{t}/regions/{r}/environments" => environments::list, 200, None,
        "List environments (operator, tenant admin)";
    get "/environments/{e}" => environments::show, 200, None,
        "An environment (operator, tenant admin, its environment admin and user)";
    delete "/environments/{e}" => database::delete, 204, None,
        "Delete an environment, D5 (tenant admin)";
    post "/environments/{e}/apply-key" => environments::apply_key, 202, None,
        "Move onto the tenant key, E3; returns the job (tenant admin, environment admin)";
    post "/environments/{e}/return-key" => environments::return_key, 202, OptionalJson,
        "Return to the platform key, E4; returns the job (tenant admin, environment admin)";
    post "/environments/{e}/unlock" => environments::unlock, 200, None,
        "Unlock an environment, U2 (tenant admin, environment admin)";
    post "/environments/{e}/backups" => database::backup, 201, None,
        "Back up, D1 (tenant admin, environment admin)";
    get "/environments/{e}/backups" => database::backups, 200, None,
        "List backups (tenant admin, environment admin)";
    post "/environments/{e}/restore" => database::restore, 204, Json,
        "Restore a backup, D2 (tenant admin, environment admin of both)";
    post "/environments/{e}/copy" => database::copy, 204, Json,
        "Copy another environment over this one, D3 (tenant admin, environment admin of both)";
    post "/environments/{e}/reset" => database::reset, 200, None,
        "Reset, D4 (tenant admin, environment admin)";
    post "/environments/{e}/sql" => data::sql, 200, Json,
        "Run one SQL statement (tenant admin, environment user)";
    get "/environments/{e}/files" => data::list_files, 200, None,
        "List files (tenant admin, environment user)";
    put "/environments/{e}/files/{name}" => data::put_file, 200, Raw,
        "Store a file, streamed, E5 (tenant admin, environment user)";
    get "/environments/{e}/files/{name}" => data::get_file, 200, None,
        "Read a file, streamed (tenant admin, environment user)";
    delete "/environments/{e}/files/{name}" => data::delete_file, 204, None,
        "Delete a file (tenant admin, environment user)";
    post "/environments/{e}/csv/{table}" => data::import_csv, 200, Raw,
        "Import CSV into a table, streamed (tenant admin, environment user)";
    get "/jobs/{id}" => jobs::show, 200, None,
        "A job (operator, tenant admin; environment admin for its environment's jobs)";
    get "/audit" => audit::events, 200, None,
        "Audit events (operator: all; tenant admin: own tenant)";
    get "/audit/verify" => audit::verify, 200, None,
        "Verify the audit chain (operator)";
}

/// The whole router: the API under `/api/v1`, request logging, the JSON body limit, and
/// JSON errors for unknown paths and methods.
pub(crate) fn router(state: AppState) -> Router {
    let api = api_routes()
        .route_layer(middleware::from_fn(crate::logging::log_request))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(JSON_LIMIT));
    Router::new()
        .nest("/api/v1", api)
        .fallback(no_such_route)
        .with_state(state)
}

async fn no_such_route() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_such_route",
        "no such route; see /api/v1/openapi.json",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method; see /api/v1/openapi.json",
    )
}
