//! Errors of the JSON API as RFC 9457 problem documents, each with a stable `type`.
//!
//! Engine errors are mapped here, once. Internal failures are logged with their detail and
//! answered with a bare "internal" problem: no SQL, paths or stack traces reach a client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: no `X-Api-Key`, or not a live key.
    #[error("a valid API key is required in the X-Api-Key header")]
    InvalidApiKey,
    /// 401: no bearer token, or not a live session (expired, terminated, unknown, malformed).
    #[error("the bearer token is not a live session")]
    Unauthenticated,
    /// 401: sign-in refused (one answer for unknown emails and wrong passwords).
    #[error("the email or password is wrong")]
    InvalidCredentials,
    /// 409: a session cannot end itself through the sessions routes; log out instead.
    #[error("this is the session making the request; use DELETE /api/v1/session to log out")]
    CurrentSession,
    /// 404: no such live session, or not one the caller may manage.
    #[error("no such session")]
    SessionNotFound,
    /// 403: the caller's role does not allow this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// 404: no account, person or membership by that id.
    #[error("{0}")]
    NotFound(String),
    /// 409: the directory's state refuses the request (a deactivated person, a closed
    /// account, a person who is not a member, an email or name already taken, the last owner).
    #[error("{0}")]
    Conflict(String),
    /// 400: malformed JSON, unknown fields, wrong types, bad IPs or cursors, oversized values.
    #[error("{0}")]
    InvalidRequest(String),
    /// 404: no such route under /api/v1.
    #[error("no such API route")]
    NoSuchRoute,
    /// 413: the body is larger than the API accepts.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// 429: too many sign-in attempts; `Retry-After` says when to try again.
    #[error("too many sign-in attempts; retry after {0} seconds")]
    RateLimited(u64),
    /// 503: at capacity (a sign-in storm); `Retry-After` says when to try again.
    #[error("the server is busy; retry after {0} seconds")]
    Busy(u64),
    /// 500: logged on the server; nothing more is said.
    #[error("internal error")]
    Internal,
}

/// The media type of every refusal, as answered and as documented.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The problem document (RFC 9457).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable per kind of error: `/api/v1/problems/<slug>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'static str,
    /// The response's status: always a client or server error.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    pub detail: String,
}

impl ApiError {
    /// The status, the stable slug of the `type` URI, and a short title.
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::InvalidApiKey => (
                StatusCode::UNAUTHORIZED,
                "invalid-api-key",
                "Invalid API key",
            ),
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Not a live session",
            ),
            Self::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "Invalid credentials",
            ),
            Self::CurrentSession => (StatusCode::CONFLICT, "current-session", "Current session"),
            Self::SessionNotFound => (
                StatusCode::NOT_FOUND,
                "session-not-found",
                "Session not found",
            ),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            Self::InvalidRequest(_) => (
                StatusCode::BAD_REQUEST,
                "invalid-request",
                "Invalid request",
            ),
            Self::NoSuchRoute => (StatusCode::NOT_FOUND, "no-such-route", "No such route"),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload too large",
            ),
            Self::RateLimited(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
            ),
            Self::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy", "Service busy"),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, slug, title) = self.parts();
        let problem = Problem {
            kind: format!("/api/v1/problems/{slug}"),
            title,
            status: status.as_u16(),
            detail: self.to_string(),
        };
        let mut response = (status, Json(problem)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Self::RateLimited(seconds) | Self::Busy(seconds) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<sessionboard::Error> for ApiError {
    fn from(error: sessionboard::Error) -> Self {
        use sessionboard::Error;
        if error.is_internal() {
            tracing::error!(error = %error.report(), "API request failed");
            return Self::Internal;
        }
        match error {
            Error::InvalidCredentials => Self::InvalidCredentials,
            Error::Unauthenticated => Self::Unauthenticated,
            Error::SessionNotFound | Error::UserNotFound => Self::SessionNotFound,
            Error::CannotTerminateCurrentSession => Self::CurrentSession,
            Error::Forbidden(why) => Self::Forbidden(why.to_owned()),
            Error::InvalidInput(what) => Self::InvalidRequest(what.to_owned()),
            Error::RateLimited(seconds) => Self::RateLimited(seconds),
            Error::Busy(seconds) => Self::Busy(seconds),
            Error::NotFound(_) => Self::NotFound(error.to_string()),
            Error::AlreadyExists(_)
            | Error::Conflict(_)
            | Error::LastOwner
            | Error::LastPlatformAdmin => Self::Conflict(error.to_string()),
            Error::WeakPassword(_) | Error::LinkNotValid | Error::WebhookUrl(_) => {
                Self::InvalidRequest(error.to_string())
            }
            Error::AlreadyImpersonating | Error::NotImpersonating => {
                Self::Forbidden("not available while impersonating".to_owned())
            }
            // `is_internal` above.
            Error::NoAccount
            | Error::Config(_)
            | Error::Database(_)
            | Error::Migration(_)
            | Error::Internal(_) => Self::Internal,
        }
    }
}
