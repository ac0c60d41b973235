//! Following a sign-in link in a browser: `GET /sign-in-link?token=…` spends the link, sets the
//! session cookie and sends the browser on to the link's page. A link that is unknown,
//! tampered, used or expired signs nobody in and lands on the sign-in page, which says so.
//!
//! It runs behind the cookie middleware (for the client's address, whether it came over https,
//! and a session this browser already holds) like the pages, but it is plain axum: it answers
//! with a redirect and a cookie, never a page.

use app::ssr::RequestIdentity;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, extract::rejection::QueryRejection};
use serde::Deserialize;
use sessionboard::model::Timestamp;

use crate::state::AppState;

/// Where sign-in links point.
pub const LINK_PATH: &str = "/sign-in-link";

/// Where a link that does not work sends the browser.
const NOT_VALID: &str = "/login?link=invalid";

#[derive(Deserialize)]
pub struct LinkQuery {
    token: String,
}

pub async fn follow(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    headers: HeaderMap,
    query: Result<Query<LinkQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(LinkQuery { token })) = query else {
        return see_other(NOT_VALID, None);
    };
    let user_agent = headers
        .get(USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let now = Timestamp::now();
    let service = &state.service;
    match service
        .use_sign_in_link(&token, (identity.client_ip, user_agent), now)
        .await
    {
        Ok(link) => {
            // This browser's earlier session is replaced, not left behind, as at a sign-in.
            if let Some(previous) = identity.caller
                && let Err(error) = service.sign_out(&previous, now).await
            {
                tracing::warn!(error = %error.report(), "ending the session a sign-in link replaces failed");
            }
            let cookie = state
                .cookies
                .over(identity.secure)
                .set(link.signed_in.token.as_str());
            see_other(&link.page, Some(cookie))
        }
        Err(error) if error.is_internal() => {
            tracing::error!(error = %error.report(), "following a sign-in link failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Sessionboard is temporarily unavailable. Please try again shortly.",
            )
                .into_response()
        }
        Err(_) => see_other(NOT_VALID, None),
    }
}

/// `303 See Other` to `location` (a path on this site, checked when the link was made).
fn see_other(location: &str, cookie: Option<String>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    match HeaderValue::from_str(location) {
        Ok(location) => headers.insert(LOCATION, location),
        Err(_) => headers.insert(LOCATION, HeaderValue::from_static(NOT_VALID)),
    };
    if let Some(cookie) = cookie.and_then(|cookie| HeaderValue::from_str(&cookie).ok()) {
        headers.insert(SET_COOKIE, cookie);
    }
    response
}
