//! Authentication middleware: every request learns who sent it before any page or server
//! function runs, so a terminated session is signed out on its very next request.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use app::ssr::RequestIdentity;
use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{COOKIE, FORWARDED, HeaderName, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sessionboard::model::Timestamp;

use crate::state::AppState;

/// Paths that never need to know the caller: static files and probes. Skipping them keeps the
/// database off the path of every `.wasm` and `.css` download.
fn is_public_asset(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/api/v1/docs/assets/")
        || path == "/favicon.svg"
        || path == "/healthz"
        || path == "/readyz"
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
    let extensions = request.extensions();
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
    let client_ip = state.trusted_proxies.client_ip(
        peer,
        &header_values(FORWARDED),
        &header_values(HeaderName::from_static("x-forwarded-for")),
    );

    let cookies = state.app.cookies;
    let token = cookies.read(headers.get_all(COOKIE).iter());
    let mut stale_cookie = false;
    let caller = match token {
        None => None,
        Some(token) => match state
            .app
            .service
            .authenticate(&token, Timestamp::now())
            .await
        {
            Ok(caller) => Some(caller),
            Err(sessionboard::Error::Unauthenticated) => {
                stale_cookie = true;
                None
            }
            Err(error) => {
                tracing::error!(%error, "authenticating a request failed");
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
