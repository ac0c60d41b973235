//! Sign-in links: a trusted key asks for a one-time URL that opens Sessionboard's pages signed
//! in as one of its people, so that the product's "Active sessions" menu item leads straight
//! there. The browser side is `crate::sign_in_link`.

use axum::Json;
use axum::extract::State;
use axum::http::header::HOST;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use sessionboard::model::Timestamp;
use utoipa::ToSchema;

use super::extract::{ApiJson, CallingApp};
use super::problem::{ApiError, PROBLEM_JSON, Problem};
use super::sessions::person;
use crate::sign_in_link::LINK_PATH;
use crate::state::AppState;

/// Whom a link signs in, and where it lands. Names the person by `external_id` or `email`
/// (one of them), and the account by its `account_external_id`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInLinkRequest {
    #[schema(max_length = 128, pattern = r"^[A-Za-z0-9._~:@+-]{1,128}$")]
    pub external_id: Option<String>,
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    #[schema(max_length = 128, pattern = r"^[A-Za-z0-9._~:@+-]{1,128}$")]
    pub account_external_id: String,
    /// The page of Sessionboard to open: a path such as `/sessions` (the default) or
    /// `/history`.
    #[schema(max_length = 256, examples("/sessions"))]
    pub page: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SignInLinkResponse {
    /// Send the browser here (a redirect). It works once, until `expires_at`.
    #[schema(format = "uri")]
    pub url: String,
    pub expires_at: Timestamp,
}

/// `POST /api/v1/sign-in-links`
#[utoipa::path(post, path = "/api/v1/sign-in-links", tag = "sessions",
    request_body = SignInLinkRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "A one-time link, valid for about a minute",
            body = SignInLinkResponse),
        (status = 400, description = "Malformed request, or a page that is not a path here",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 403, description = "The key is not trusted, or the person is Sessionboard staff",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such person or account", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 409, description = "The person is deactivated or not a member of the account",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "Body too large", body = Problem,
            content_type = PROBLEM_JSON),
    ))]
pub async fn create(
    State(state): State<AppState>,
    CallingApp(client): CallingApp,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SignInLinkRequest>,
) -> Result<(StatusCode, Json<SignInLinkResponse>), ApiError> {
    let person = person(request.external_id.as_deref(), request.email.as_deref())?;
    let origin = origin(&state, &headers)?;
    let link = state
        .service
        .create_sign_in_link(
            &client,
            (person, &request.account_external_id),
            request.page.as_deref(),
            Timestamp::now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SignInLinkResponse {
            url: format!("{origin}{LINK_PATH}?token={}", link.token.as_str()),
            expires_at: link.expires_at,
        }),
    ))
}

/// Where browsers reach this server: the configured public URL, or else the `Host` the
/// application called (which is only right when it calls the address browsers use: configure
/// `--public-url` when it does not).
fn origin(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(origin) = &state.public_origin {
        return Ok(origin.clone());
    }
    headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .map(|host| format!("http://{host}"))
        .ok_or_else(|| {
            ApiError::InvalidRequest(
                "the request has no usable Host header; configure --public-url".to_owned(),
            )
        })
}
