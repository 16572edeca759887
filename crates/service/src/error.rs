//! API errors: every refusal as `{code, rule, message, allowed_from}` with the status
//! chosen by the error's variant, never by its text (docs/api.md, "Errors").
//!
//! Internal faults answer 500 `internal_error` with a generic message; their detail is
//! logged at error level here and nowhere else. Client errors are logged at warn by code.
//! Must never: put a fault's detail, a token or a password in a response body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use keyward_domain::{Refusal, RefusalCode};
use keyward_engine::EngineError;
use keyward_keys::GenerateError;
use keyward_storage::StorageError;
use serde::Serialize;
use time::OffsetDateTime;

/// The message every 500 response carries.
const INTERNAL_MESSAGE: &str = "internal error; the server log has the detail";

/// An error as the API answers it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    rule: Option<String>,
    message: String,
    allowed_from: Option<OffsetDateTime>,
    /// A fault's detail, for the log only.
    detail: Option<String>,
}

/// The JSON body of an error response.
#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    rule: Option<&'a str>,
    message: &'a str,
    #[serde(with = "time::serde::rfc3339::option")]
    allowed_from: Option<OffsetDateTime>,
}

impl ApiError {
    /// A client error with a status, code and message, no rule.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            rule: None,
            message: message.into(),
            allowed_from: None,
            detail: None,
        }
    }

    /// A 400 `invalid_request`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    /// A 413 `body_too_large`.
    pub fn body_too_large(limit: u64) -> Self {
        let message = format!("the request body is larger than {limit} bytes; send less");
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", message)
    }

    /// A 401 `unauthenticated` (S1).
    pub fn unauthenticated(message: &str) -> Self {
        Refusal::new(RefusalCode::Unauthenticated, message).into()
    }

    /// A 500 whose `detail` is logged, never sent.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal_error".to_owned(),
            rule: None,
            message: INTERNAL_MESSAGE.to_owned(),
            allowed_from: None,
            detail: Some(detail.into()),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.code
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let status = match refusal.code {
            RefusalCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            RefusalCode::Forbidden => StatusCode::FORBIDDEN,
            _ => StatusCode::CONFLICT,
        };
        Self {
            status,
            code: refusal.code.as_str().to_owned(),
            rule: Some(refusal.rule().id().to_owned()),
            message: refusal.message,
            allowed_from: refusal.allowed_from,
            detail: None,
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> Self {
        let status = match status_of(&error) {
            Some(status) => status,
            None => return Self::internal(error.to_string()),
        };
        if let EngineError::Refused(refusal) = error {
            return refusal.into();
        }
        Self {
            status,
            code: error.code().to_owned(),
            rule: error.rule().map(|r| r.id().to_owned()),
            message: error.to_string(),
            allowed_from: None,
            detail: None,
        }
    }
}

/// The status of an engine error by its variant; `None` for a fault (500).
fn status_of(error: &EngineError) -> Option<StatusCode> {
    if error.is_internal() {
        return None;
    }
    Some(match error {
        EngineError::Refused(_) | EngineError::AlreadyExists { .. } => StatusCode::CONFLICT,
        EngineError::NotFound { .. } => StatusCode::NOT_FOUND,
        EngineError::Generate(GenerateError::Crypto(_)) => return None,
        EngineError::Data(data) => data_status(data),
        _ => StatusCode::BAD_REQUEST,
    })
}

/// The status of a storage refusal: 413 over the file limit, 404 for a missing file, 503
/// while the environment is busy, else 400.
fn data_status(error: &StorageError) -> StatusCode {
    match error {
        StorageError::FileTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        StorageError::FileNotFound => StatusCode::NOT_FOUND,
        StorageError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(detail) = &self.detail {
            tracing::error!(code = %self.code, error = %detail, "request failed");
        } else {
            tracing::warn!(code = %self.code, status = self.status.as_u16(), "request refused");
        }
        let body = ErrorBody {
            code: &self.code,
            rule: self.rule.as_deref(),
            message: &self.message,
            allowed_from: self.allowed_from,
        };
        (self.status, Json(body)).into_response()
    }
}
