//! The web app's authentication middleware: every request to a page, a server function or the
//! fallback learns who sent it (from the session cookie) before anything runs, so a terminated
//! session is signed out on its very next request. The JSON API and the probes are not behind
//! it (see `router.rs`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use app::ssr::RequestIdentity;
use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{COOKIE, FORWARDED, HeaderName, SET_COOKIE};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sessionboard::model::Timestamp;
use sessionboard::track::TrustedProxies;

use crate::state::AppState;

/// Static files the web app's fallback serves: they never need to know the caller. Skipping
/// them keeps the database off the path of every `.wasm` and `.css` download.
fn is_public_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg"
}

/// The client's address: the socket's peer, or what trusted proxies say in `Forwarded` and
/// `X-Forwarded-For`.
pub fn client_ip(
    trusted_proxies: &TrustedProxies,
    headers: &HeaderMap,
    extensions: &Extensions,
) -> IpAddr {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
        // Tests drive the router without a socket and say who the peer is this way.
        .or_else(|| {
            extensions
                .get::<MockConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip())
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let header_values = |name: HeaderName| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect::<Vec<&str>>()
    };
    trusted_proxies.client_ip(
        peer,
        &header_values(FORWARDED),
        &header_values(HeaderName::from_static("x-forwarded-for")),
    )
}

pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if is_public_asset(request.uri().path()) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let client_ip = client_ip(&state.trusted_proxies, headers, request.extensions());

    let cookies = state.cookies;
    let token = cookies.read(headers.get_all(COOKIE).iter());
    let mut stale_cookie = false;
    let caller = match token {
        None => None,
        Some(token) => match state.service.authenticate(&token, Timestamp::now()).await {
            Ok(caller) => Some(caller),
            Err(sessionboard::Error::Unauthenticated) => {
                stale_cookie = true;
                None
            }
            Err(error) => {
                tracing::error!(error = %error.report(), "authenticating a request failed");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Sessionboard is temporarily unavailable. Please try again shortly.",
                )
                    .into_response();
            }
        },
    };
    request
        .extensions_mut()
        .insert(RequestIdentity { caller, client_ip });

    let mut response = next.run(request).await;
    // A cookie naming a dead session is useless; tell the browser to drop it unless the
    // response sets a fresh one (a new sign-in).
    if stale_cookie
        && !response.headers().contains_key(SET_COOKIE)
        && let Ok(clear) = HeaderValue::from_str(&cookies.clear())
    {
        response.headers_mut().append(SET_COOKIE, clear);
    }
    response
}
