//! One engine, two faces: the web app's server functions and the JSON API call the same
//! service, so a rule changed there shows up in both.

mod common;

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{Request, StatusCode};
use common::{TestServer, body_text, server_with};
use serde_json::json;
use sessionboard::model::{KeyPowers, Timestamp};
use sessionboard::seed::DEMO_PASSWORD;

/// Marie signs in through the web app's server function.
async fn web_sign_in(server: &TestServer) -> StatusCode {
    server
        .call(
            "sign_in",
            None,
            &format!("email=marie@ektek.example&password={DEMO_PASSWORD}"),
        )
        .await
        .status()
}

/// The iOS app's back end's API key.
async fn ios_key(server: &TestServer) -> String {
    let (_, key) = server
        .operator
        .create_api_key("iOS app", KeyPowers::APPLICATION, "", Timestamp::now())
        .await
        .unwrap();
    key.reveal()
}

/// Marie signs in through the JSON API, as the iOS app's back end.
async fn api_sign_in(server: &TestServer, key: &str) -> StatusCode {
    let body = json!({
        "email": "marie@ektek.example", "password": DEMO_PASSWORD,
        "user_agent": "okhttp/4.12.0", "ip": "192.0.2.7",
    });
    let response = server
        .send(
            Request::post("/api/v1/sessions")
                .header("x-api-key", key)
                .header(CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
    let status = response.status();
    let _ = body_text(response).await;
    status
}

#[tokio::test]
async fn a_rule_changed_in_the_service_changes_both_faces() {
    // The service's sign-in rule as shipped: both faces let Marie in.
    let ordinary = server_with(&[]).await;
    assert_eq!(web_sign_in(&ordinary).await, StatusCode::OK);
    let key = ios_key(&ordinary).await;
    assert_eq!(api_sign_in(&ordinary, &key).await, StatusCode::CREATED);

    // The same rule changed in one place, the service (one attempt per email a minute): each
    // face refuses the second attempt, in its own words. (Browser and API attempts spend
    // budgets of their own, so that an API key holder cannot lock people out of the web.)
    let strict = server_with(&["--sign-in-limit-per-email", "1"]).await;
    assert_eq!(web_sign_in(&strict).await, StatusCode::OK);
    assert_eq!(web_sign_in(&strict).await, StatusCode::TOO_MANY_REQUESTS);
    let key = ios_key(&strict).await;
    assert_eq!(api_sign_in(&strict, &key).await, StatusCode::CREATED);
    assert_eq!(
        api_sign_in(&strict, &key).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
