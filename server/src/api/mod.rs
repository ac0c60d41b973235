//! The JSON API for applications, under `/api/v1`. Handlers only parse, call the session
//! service (the same methods the web app's server functions call) and map the answer into the
//! API's own wire types ([`wire`]). The API stands beside the web app, not inside it: it reaches
//! the engine through [`AppState::service`], and the web app's cookie middleware does not run
//! for it (an application authenticates with its key and a device's bearer token).

pub mod directory;
mod extract;
pub mod links;
pub mod openapi;
pub mod problem;
mod sessions;
pub mod wire;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, delete, get, post, put};

use crate::state::AppState;

/// Request bodies are small JSON documents; anything larger is refused before parsing.
const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/sessions",
            post(sessions::sign_in).get(sessions::list),
        )
        .route("/api/v1/sessions/{id}", delete(sessions::terminate))
        .route("/api/v1/sessions/terminate", post(sessions::terminate_many))
        .route("/api/v1/sessions/ended", get(sessions::ended))
        .route(
            "/api/v1/users/{id}/sessions",
            delete(sessions::terminate_user),
        )
        .route("/api/v1/login-records", get(sessions::login_records))
        .route(
            "/api/v1/session",
            get(sessions::validate).delete(sessions::sign_out),
        )
        .route("/api/v1/sign-in-links", post(links::create))
        .route(
            "/api/v1/directory/accounts/{external_id}",
            put(directory::put_account).delete(directory::delete_account),
        )
        .route(
            "/api/v1/directory/people/{external_id}",
            put(directory::put_person).delete(directory::delete_person),
        )
        .route(
            "/api/v1/directory/accounts/{account}/members/{person}",
            put(directory::put_membership).delete(directory::delete_membership),
        )
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/docs", get(openapi::page))
        // Swagger UI's own files, fetched from npm by scripts/bootstrap.sh.
        .nest_service(
            "/api/v1/docs/assets",
            tower_http::services::ServeDir::new("data/swagger-ui"),
        )
        .route(
            "/api/v1/{*rest}",
            any(|| async { problem::ApiError::NoSuchRoute }),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
