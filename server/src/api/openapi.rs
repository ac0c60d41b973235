//! The API's OpenAPI 3.1 document, generated from the handlers and types above, and the
//! browsable page that renders it (Swagger UI, from npm, served from `data/swagger-ui`).

use axum::Json;
use axum::response::Html;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{directory, links, sessions};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sessionboard API",
        version = "1",
        description = "Sign devices in, validate their tokens, list and end sessions; keep \
            accounts, people and memberships in step with a product's own (`directory`), sign \
            its people in without a password and link them into Sessionboard's pages (with a \
            trusted key). \
            Applications authenticate with `X-Api-Key`; a device's session is \
            `Authorization: Bearer <token>`. Errors are RFC 9457 problem documents \
            (`application/problem+json`); a 429 or 503 says in `Retry-After` when to try again. \
            Identifiers are 64-bit integers; times are milliseconds since the Unix epoch (UTC)."
    ),
    paths(
        sessions::sign_in,
        sessions::validate,
        sessions::sign_out,
        sessions::list,
        sessions::terminate,
        sessions::terminate_many,
        sessions::terminate_user,
        sessions::login_records,
        sessions::ended,
        links::create,
        directory::put_account,
        directory::delete_account,
        directory::put_person,
        directory::delete_person,
        directory::put_membership,
        directory::delete_membership,
    ),
    modifiers(&Security)
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /api/v1/openapi.json`
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// `GET /api/v1/docs`: Swagger UI over the document. Its Content-Security-Policy runs Swagger
/// UI's files and, by a nonce fresh for each answer, the one inline script that starts it.
pub async fn page() -> impl axum::response::IntoResponse {
    let nonce = leptos::nonce::Nonce::new();
    (
        [(
            axum::http::header::CONTENT_SECURITY_POLICY,
            crate::headers::docs_page_policy(&nonce),
        )],
        Html(DOCS_PAGE.replace("{nonce}", &nonce)),
    )
}

/// The docs page, `{nonce}` standing for the answer's nonce.
const DOCS_PAGE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sessionboard API</title>
<link rel="stylesheet" href="/api/v1/docs/assets/swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script>
<script nonce="{nonce}">
window.ui = SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#docs" });
</script>
</body>
</html>"##;
