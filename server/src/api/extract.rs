//! Request parts of the JSON API: bodies, queries and path parameters whose rejections are
//! problem documents, the application's API key, and the device's bearer token.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use sessionboard::model::Timestamp;
use sessionboard::service::{ApiClient, Caller, Validated};

use super::problem::ApiError;
use crate::state::AppState;

/// A JSON body; anything malformed, mistyped or with unknown fields is a 400 problem.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(JsonRejection::BytesRejection(rejection))
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(ApiError::PayloadTooLarge)
            }
            Err(rejection) => Err(ApiError::InvalidRequest(rejection.body_text())),
        }
    }
}

/// A query string, with the same kind of rejection.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(rejection @ QueryRejection::FailedToDeserializeQueryString(_)) => {
                Err(ApiError::InvalidRequest(rejection.body_text()))
            }
            Err(rejection) => Err(ApiError::InvalidRequest(rejection.body_text())),
        }
    }
}

/// Path parameters, with the same kind of rejection: an id that does not even decode (`%FF`)
/// is a 400 problem like any other malformed id, not axum's plain-text answer.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            // The route and the extractor disagree: the code's fault, not the caller's.
            Err(rejection) if rejection.status().is_server_error() => {
                tracing::error!(error = %rejection.body_text(), "API path parameters");
                Err(ApiError::Internal)
            }
            Err(rejection) => Err(ApiError::InvalidRequest(rejection.body_text())),
        }
    }
}

/// The calling application, from `X-Api-Key`.
pub struct CallingApp(pub ApiClient);

impl FromRequestParts<AppState> for CallingApp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = parts
            .headers
            .get("x-api-key")
            .and_then(|value| value.to_str().ok())
            .ok_or(ApiError::InvalidApiKey)?;
        match state.service.authenticate_api_key(key).await {
            Ok(client) => Ok(Self(client)),
            Err(sessionboard::Error::Unauthenticated) => Err(ApiError::InvalidApiKey),
            Err(error) => Err(error.into()),
        }
    }
}

/// The device's bearer token, from `Authorization: Bearer <token>` (not yet checked).
fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthenticated)
}

/// The device's session, from its bearer token, checked against the calling application.
pub struct DeviceSession {
    pub caller: Caller,
    /// Where the request came from (the application's server, as a trusted proxy says): the
    /// change log's "from where" for what the device's person changes.
    pub ip: std::net::IpAddr,
}

impl FromRequestParts<AppState> for DeviceSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let CallingApp(client) = CallingApp::from_request_parts(parts, state).await?;
        let caller = state
            .service
            .authenticate_device(&client, bearer_token(parts)?, Timestamp::now())
            .await?;
        let ip = crate::auth::client_ip(&state.trusted_proxies, &parts.headers, &parts.extensions);
        Ok(Self { caller, ip })
    }
}

/// The device's session with its user's name and roles: what validation answers.
pub struct ValidatedDevice(pub Validated);

impl FromRequestParts<AppState> for ValidatedDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let CallingApp(client) = CallingApp::from_request_parts(parts, state).await?;
        let validated = state
            .service
            .validate(&client, bearer_token(parts)?, Timestamp::now())
            .await?;
        Ok(Self(validated))
    }
}

/// Who an API request acts for: a device's user (bearer token), or, with a platform-wide key
/// and no token, the platform itself.
pub enum Actor {
    User(Caller),
    Platform(ApiClient),
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if parts.headers.contains_key(AUTHORIZATION) {
            let DeviceSession { caller, .. } =
                DeviceSession::from_request_parts(parts, state).await?;
            return Ok(Self::User(caller));
        }
        let CallingApp(client) = CallingApp::from_request_parts(parts, state).await?;
        if client.powers.platform_wide {
            Ok(Self::Platform(client))
        } else {
            Err(ApiError::Unauthenticated)
        }
    }
}
