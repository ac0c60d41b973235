//! Security headers on every answer: what a browser may load, run, frame and keep.
//!
//! Pages bring their own Content-Security-Policy: Leptos writes a fresh nonce on the inline
//! scripts of each page (the hydration loader, resolved data), and the app's `shell` sends the
//! policy that names it (`app::ssr::send_content_security_policy`). The API documentation page
//! does the same with [`docs_page_policy`]. Everything else gets [`DEFAULT_POLICY`], which lets
//! nothing load or run. A header a handler set itself is never replaced.

use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// For answers that are not pages (JSON, redirects, static files, plain-text errors): nothing
/// may load, run or frame them. A file opened on its own, such as an SVG, stays inert.
const DEFAULT_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// A year, and every subdomain: set only when the public URL is https, so a server reached
/// over plain http (development, a private network) never pins its host to https.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The API documentation page (Swagger UI from `/api/v1/docs/assets`): its own files, its one
/// inline script by `nonce`, and inline styles, which Swagger UI sets as it renders (the page
/// shows no one's data). Its "try it out" calls the API on this origin.
pub fn docs_page_policy(nonce: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
         base-uri 'none'; form-action 'self'"
    )
}

/// Files that are the same for everyone: browsers may keep them. Everything else may carry
/// someone's data or a token (pages, server functions, API answers) and is `no-store`.
fn is_static_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg" || path.starts_with("/api/v1/docs/assets/")
}

pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let static_asset = is_static_asset(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    set_default(headers, X_CONTENT_TYPE_OPTIONS, "nosniff");
    // `frame-ancestors` says the same to browsers that read CSP; this is for those that don't.
    set_default(headers, X_FRAME_OPTIONS, "DENY");
    set_default(headers, REFERRER_POLICY, "same-origin");
    set_default(headers, CONTENT_SECURITY_POLICY, DEFAULT_POLICY);
    if !static_asset {
        // Not even the signed-out pages: a shared computer's back button or a proxy's cache
        // must not show one person's sessions, or a token, to the next.
        set_default(headers, CACHE_CONTROL, "no-store");
    }
    if state.https_public_url() {
        set_default(headers, STRICT_TRANSPORT_SECURITY, HSTS);
    }
    response
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    headers
        .entry(name)
        .or_insert_with(|| HeaderValue::from_static(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_shared_files_may_be_cached() {
        for path in [
            "/pkg/sessionboard.wasm",
            "/pkg/sessionboard.css",
            "/favicon.svg",
            "/api/v1/docs/assets/swagger-ui.css",
        ] {
            assert!(is_static_asset(path), "{path}");
        }
        for path in [
            "/sessions",
            "/login",
            "/api/sessions_page",
            "/api/v1/sessions",
            "/api/v1/docs",
            "/pkg",
        ] {
            assert!(!is_static_asset(path), "{path}");
        }
    }

    #[test]
    fn every_policy_forbids_framing_and_base_changes() {
        for policy in [DEFAULT_POLICY, docs_page_policy("abc").as_str()] {
            assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
            assert!(policy.contains("base-uri 'none'"), "{policy}");
        }
        assert!(docs_page_policy("abc").contains("script-src 'self' 'nonce-abc';"));
    }
}
