//! The HTTP surface: the web app (Leptos pages and server functions, static files), the JSON
//! API, and the health probes.
//!
//! Only the web app sits behind the cookie middleware and the cross-site check; the API
//! authenticates its callers itself (API key, bearer token) and the probes need no caller.
//! Security headers (`headers.rs`) and tracing wrap everything.

use app::{App, shell};
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::routing::get;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::trace::{DefaultOnFailure, TraceLayer};
use tracing::Level;

use crate::auth::authenticate;
use crate::csrf::refuse_cross_site;
use crate::headers::security_headers;
use crate::state::AppState;

async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.service.ready().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(error = %error.report(), "not ready: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// The largest body a page or server function accepts.
const MAX_WEB_BODY_BYTES: usize = 64 * 1024;

/// The web app: pages, server functions, and the fallback (static files, the 404 page). Each
/// request passes the cross-site check first, then the cookie middleware, which finds out who
/// is calling: a forged request is refused before its cookie is even read.
fn web(state: &AppState) -> Router<AppState> {
    let routes = generate_route_list(App);
    let app_context = state.app_context();
    let leptos_options = state.leptos_options.clone();
    Router::new()
        .route(
            crate::sign_in_link::LINK_PATH,
            get(crate::sign_in_link::follow),
        )
        // A board's view as CSV: the board's path and query, plus `.csv`.
        .route("/sessions.csv", get(crate::export::my_sessions))
        .route(
            "/accounts/{account}/sessions.csv",
            get(crate::export::account_sessions),
        )
        .route("/admin/sessions.csv", get(crate::export::platform_sessions))
        .leptos_routes_with_context(
            state,
            routes,
            move || provide_context(app_context.clone()),
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Server functions read their whole body into memory; none needs more than a few KB.
        // Beyond this the answer is 413 (see `UiError::TooLarge`).
        .layer(DefaultBodyLimit::max(MAX_WEB_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            refuse_cross_site,
        ))
}

/// The whole application as one `Router`, so tests can drive it without a socket.
pub fn router(state: AppState) -> Router {
    Router::new()
        // Liveness: the process answers. Readiness: it can reach its database, so a load
        // balancer sends it traffic.
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .merge(crate::api::router())
        .merge(web(&state))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        // Errors worth an operator's attention are logged where they happen, with their cause;
        // a line per 5xx here would only repeat them, and flood the log in a sign-in storm
        // answered 503.
        .layer(TraceLayer::new_for_http().on_failure(DefaultOnFailure::new().level(Level::DEBUG)))
        .with_state(state)
}
