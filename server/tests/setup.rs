//! A first start as in production, through the real router: no demo world unless asked for,
//! and the one-time setup link that creates the first platform admin.

mod common;

use axum::body::Body;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{Response, StatusCode};
use clap::Parser;
use common::{TestServer, body_text, server, server_without_demo};
use server::Config;
use server::startup::open_setup_link;
use sessionboard::seed::DEMO_PASSWORD;
use sessionboard::token::SessionToken;

const BASE_URL: &str = "http://localhost:3000";
const ADMIN_PASSWORD: &str = "a-long-admin-password";

/// Opens the setup as `serve` does when it starts, and returns the printed link's token.
async fn setup_token(server: &TestServer) -> String {
    let link = open_setup_link(&server.operator, BASE_URL)
        .await
        .unwrap()
        .expect("nobody exists: a setup link");
    let prefix = format!("{BASE_URL}/setup?token=");
    assert!(link.starts_with(&prefix), "{link}");
    link[prefix.len()..].to_owned()
}

/// Posts the setup page's form, as the browser does.
async fn complete_setup(server: &TestServer, token: &str, email: &str) -> Response<Body> {
    let form = format!(
        "token={token}&account=Example%20Ltd&name=Ada%20Admin&email={email}\
         &password={ADMIN_PASSWORD}"
    );
    server.call("complete_setup", None, &form).await
}

async fn sign_in(server: &TestServer, email: &str, password: &str) -> Response<Body> {
    server
        .call(
            "sign_in",
            None,
            &format!("email={email}&password={password}"),
        )
        .await
}

/// The `name=value` pair of a response's session cookie.
fn cookie(response: &Response<Body>) -> String {
    let set_cookie = response
        .headers()
        .get(SET_COOKIE)
        .expect("a session cookie")
        .to_str()
        .unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn an_empty_database_without_seed_demo_has_no_demo_people() {
    assert!(
        !Config::parse_from(["sessionboard"]).seed_demo,
        "no demo world unless asked for"
    );
    let server = server_without_demo().await;
    assert!(
        server.service.setup_pending().await.unwrap(),
        "nobody exists"
    );
    setup_token(&server).await;

    let henk = sign_in(&server, "henk@ektek.example", DEMO_PASSWORD).await;

    assert_eq!(henk.status(), StatusCode::UNAUTHORIZED);
    assert!(henk.headers().get(SET_COOKIE).is_none());
    assert_eq!(body_text(henk).await, "\"InvalidCredentials\"");
}

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_who_signs_in_and_sees_the_platform_view() {
    let server = server_without_demo().await;
    let token = setup_token(&server).await;

    let response = complete_setup(&server, &token, "ada@example.org").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get(LOCATION).unwrap(), "/");
    // Signed in at once, as the platform admin.
    let page = server
        .page("/admin/sessions", Some(&cookie(&response)))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = body_text(page).await;
    assert!(html.contains("All sessions"));
    assert!(html.contains("Ada Admin"));
    assert!(html.contains("<tbody>"), "the board, not a refusal");
    assert!(!html.contains("You are not allowed"));
    // And later with the password chosen on the page.
    let again = sign_in(&server, "ada@example.org", ADMIN_PASSWORD).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert!(again.headers().get(SET_COOKIE).is_some());
    assert!(!server.service.setup_pending().await.unwrap());
}

#[tokio::test]
async fn a_second_use_of_the_setup_link_is_refused_and_changes_nothing() {
    let server = server_without_demo().await;
    let token = setup_token(&server).await;
    let first = complete_setup(&server, &token, "ada@example.org").await;
    assert_eq!(first.status(), StatusCode::OK);

    let second = complete_setup(&server, &token, "mallory@example.org").await;

    assert_eq!(second.status(), StatusCode::FORBIDDEN);
    assert!(second.headers().get(SET_COOKIE).is_none());
    assert!(body_text(second).await.contains("Forbidden"));
    let mallory = sign_in(&server, "mallory@example.org", ADMIN_PASSWORD).await;
    assert_eq!(mallory.status(), StatusCode::UNAUTHORIZED);
    let ada = sign_in(&server, "ada@example.org", ADMIN_PASSWORD).await;
    assert_eq!(ada.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_setup_token_is_refused_and_the_link_still_works() {
    let server = server_without_demo().await;
    let token = setup_token(&server).await;
    let stranger = SessionToken::generate();

    for wrong in [stranger.as_str(), "", "garbage", &token[1..]] {
        let refused = complete_setup(&server, wrong, "mallory@example.org").await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{wrong:?}");
        assert!(refused.headers().get(SET_COOKIE).is_none());
    }
    let mallory = sign_in(&server, "mallory@example.org", ADMIN_PASSWORD).await;
    assert_eq!(mallory.status(), StatusCode::UNAUTHORIZED);

    let response = complete_setup(&server, &token, "ada@example.org").await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_setup_page_offers_its_form_only_while_nobody_exists() {
    let server = server_without_demo().await;
    let token = setup_token(&server).await;

    let page = server.page(&format!("/setup?token={token}"), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = body_text(page).await;
    assert!(html.contains("Create the admin and sign in"));
    assert!(html.contains(&token), "the form carries the link's token");
    let without_token = body_text(server.page("/setup", None).await).await;
    assert!(without_token.contains("Open the setup link"));
    assert!(!without_token.contains("Create the admin and sign in"));

    let response = complete_setup(&server, &token, "ada@example.org").await;
    assert_eq!(response.status(), StatusCode::OK);

    let done = body_text(server.page(&format!("/setup?token={token}"), None).await).await;
    assert!(done.contains("already set up"));
    assert!(done.contains("href=\"/login\""));
    assert!(!done.contains("Create the admin and sign in"));
}

#[tokio::test]
async fn with_the_demo_world_there_is_nothing_to_set_up() {
    let server = server().await;
    let link = open_setup_link(&server.operator, BASE_URL).await.unwrap();
    assert_eq!(link, None, "the demo world has its people");
    let page = body_text(server.page("/setup", None).await).await;
    assert!(page.contains("already set up"));
}
