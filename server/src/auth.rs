//! The web app's authentication middleware: every request to a page, a server function or the
//! fallback learns who sent it (from the session cookie) before anything runs, so a terminated
//! session is signed out on its very next request. The JSON API and the probes are not behind
//! it (see `router.rs`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use app::ssr::RequestIdentity;
use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
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

/// The socket's peer: the client itself, or the reverse proxy in front of us.
fn peer_ip(extensions: &Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
        // Tests drive the router without a socket and say who the peer is this way.
        .or_else(|| {
            extensions
                .get::<MockConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip())
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// A header's values in order of appearance (those that are text), by name.
fn values_of<'h>(headers: &'h HeaderMap) -> impl Fn(&str) -> Vec<&'h str> {
    move |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect()
    }
}

/// The client's address: the socket's peer, or what a trusted proxy says in the one header it
/// is configured to set (`--client-ip-header`).
pub fn client_ip(
    trusted_proxies: &TrustedProxies,
    headers: &HeaderMap,
    extensions: &Extensions,
) -> IpAddr {
    trusted_proxies.client_ip(peer_ip(extensions), values_of(headers))
}

/// Whether the request reached the trusted proxy in front of us over https, as that proxy says
/// (`X-Forwarded-Proto`, or `proto=` in `Forwarded` when that is the configured header). False
/// for a request straight from a client, whatever it sends.
pub fn forwarded_https(
    trusted_proxies: &TrustedProxies,
    headers: &HeaderMap,
    extensions: &Extensions,
) -> bool {
    trusted_proxies.forwarded_https(peer_ip(extensions), values_of(headers))
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
    // Decided per request: behind a TLS-terminating proxy the browser was given the `Secure`,
    // `__Host-` cookie, and that is the name to read and to clear.
    let secure = state.cookies.secure
        || forwarded_https(&state.trusted_proxies, headers, request.extensions());

    let cookies = state.cookies.over(secure);
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
    request.extensions_mut().insert(RequestIdentity {
        caller,
        client_ip,
        secure,
    });

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

#[cfg(test)]
mod tests {
    use super::*;
    use sessionboard::track::ClientIpHeader;

    fn from_proxy(pairs: &[(&'static str, &'static str)]) -> (HeaderMap, Extensions) {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        let mut extensions = Extensions::new();
        extensions.insert(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
        (headers, extensions)
    }

    #[test]
    fn only_the_configured_header_names_the_client() {
        let (headers, extensions) = from_proxy(&[
            ("forwarded", "for=6.6.6.6;proto=https"),
            ("x-forwarded-for", "6.6.6.6, 81.2.69.142"),
            ("x-real-ip", "2.125.160.216"),
        ]);
        let trusted = TrustedProxies::parse("127.0.0.1").unwrap();
        let ip = |header| client_ip(&trusted.clone().with_header(header), &headers, &extensions);
        assert_eq!(ip(ClientIpHeader::XForwardedFor).to_string(), "81.2.69.142");
        assert_eq!(ip(ClientIpHeader::XRealIp).to_string(), "2.125.160.216");
        assert_eq!(ip(ClientIpHeader::Forwarded).to_string(), "6.6.6.6");
        let untrusting = TrustedProxies::default();
        assert_eq!(
            client_ip(&untrusting, &headers, &extensions).to_string(),
            "127.0.0.1"
        );
    }

    #[test]
    fn https_is_what_a_trusted_proxy_says_and_nobody_else() {
        let (headers, extensions) = from_proxy(&[("x-forwarded-proto", "https")]);
        let trusted = TrustedProxies::parse("127.0.0.1").unwrap();
        assert!(forwarded_https(&trusted, &headers, &extensions));
        let untrusting = TrustedProxies::default();
        assert!(!forwarded_https(&untrusting, &headers, &extensions));
        let forwarded = trusted.with_header(ClientIpHeader::Forwarded);
        assert!(!forwarded_https(&forwarded, &headers, &extensions));
    }
}
