//! Request bodies: JSON (at most [`JSON_LIMIT`] bytes, with errors in the API's shape) and
//! the secrets and key files that arrive inside JSON.
//!
//! Raw file and CSV bodies do not pass through here: they are streamed (routes/data.rs).

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::Json;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use keyward_keys::Password;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

use crate::error::ApiError;

/// The largest JSON body accepted (1 MiB); key uploads included.
pub(crate) const JSON_LIMIT: usize = 1024 * 1024;

/// A JSON body; malformed → 400 `invalid_request`, too large → 413 `body_too_large`.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

/// A JSON body that may be absent (empty); absent means `T::default()`.
pub(crate) struct OptionalJson<T>(pub(crate) T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::body_too_large(JSON_LIMIT as u64))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(|e| ApiError::invalid(format!("the JSON body is invalid: {e}")))
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::body_too_large(JSON_LIMIT as u64);
    }
    ApiError::invalid(format!(
        "the JSON body is invalid: {}; send Content-Type: application/json",
        rejection.body_text()
    ))
}

/// A password inside a JSON body: wiped on drop, never printed.
pub(crate) struct SecretText(Zeroizing<String>);

impl SecretText {
    /// The password for the key operations.
    pub(crate) fn password(&self) -> Password {
        Password::from_bytes(self.0.as_bytes())
    }
}

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self(Zeroizing::new(String::deserialize(deserializer)?)))
    }
}

/// A key file sent as base64 inside a JSON body, decoded into a wiped buffer.
pub(crate) struct KeyFileBase64(Zeroizing<Vec<u8>>);

impl KeyFileBase64 {
    /// The decoded file.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl<'de> Deserialize<'de> for KeyFileBase64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Zeroizing::new(String::deserialize(deserializer)?);
        let bytes = BASE64
            .decode(text.trim())
            .map_err(|_| serde::de::Error::custom("file_base64 is not valid base64"))?;
        Ok(Self(Zeroizing::new(bytes)))
    }
}
