//! The HTTP surface: Leptos pages and server functions, static files, health.

use app::{App, shell};
use axum::Router;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header::{REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use axum::middleware;
use axum::routing::get;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::auth::authenticate;
use crate::state::AppState;

async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.app.service.ready().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "not ready: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// The whole application as one `Router`, so tests can drive it without a socket.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let app_context = state.app.clone();
    let leptos_options = state.leptos_options.clone();
    Router::new()
        // Liveness: the process answers. Readiness: it can reach its database, so a load
        // balancer sends it traffic.
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .merge(crate::api::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(app_context.clone()),
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(SetResponseHeaderLayer::if_not_present(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
