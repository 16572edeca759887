//! Keyward's HTTP server: the API of `docs/api.md` over one [`keyward_engine::Engine`].
//!
//! What it is for: turning HTTP requests into engine operations for an authenticated,
//! authorised caller (S1), running the jobs those operations return in the background,
//! and serving the whole thing over TLS or, on loopback only, plain HTTP.
//!
//! Layout: [`config`] resolves settings (flags > environment > file > defaults); `auth`
//! issues and checks bearer tokens; `routes` holds one file per group of endpoints;
//! `error` maps every engine error to a status by its variant; `jobs` runs jobs and the
//! retention purge; `server` binds, serves and shuts down gracefully.
//!
//! Invariants and what it must never do:
//! - every endpoint but health and the OpenAPI document authenticates the caller and asks
//!   `keyward_domain::rules::access::authorize` before touching the engine;
//! - engine calls are blocking and run on tokio's blocking pool, never on a worker thread;
//! - a file body is streamed in and out: a whole file never sits in memory;
//! - never log a token, a password, a key file, SQL text or any request or response body;
//!   a 5xx response carries a generic message, its detail goes to the log only.

mod auth;
mod body;
pub mod config;
mod error;
mod jobs;
mod logging;
mod openapi;
mod operator_token;
mod registry;
mod router;
mod routes;
mod server;
mod state;
mod tls;

pub use auth::{IssuedToken, TokenSecret};
pub use config::{ConfigError, ServiceConfig, Settings};
pub use error::ApiError;
pub use logging::init_logging;
pub use openapi::openapi_document;
pub use router::{RequestBody, Route, ROUTES};
pub use server::{run, serve, serve_until, ServeError};
pub use state::Service;
