//! The JSON API for applications, through the real router: keys, sign-in on behalf of a device,
//! validation, listing, termination, log-out, and problem documents for everything refused.

mod common;

use axum::body::Body;
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, SET_COOKIE};
use axum::http::{Request, StatusCode};
use common::{TestServer, body_text};
use std::sync::LazyLock;

use serde_json::{Value, json};
use sessionboard::model::{KeyPowers, Timestamp};
use sessionboard::seed::DEMO_PASSWORD;
use utoipa::OpenApi;

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1";

struct Api {
    server: TestServer,
    key: String,
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: Value,
}

async fn api() -> Api {
    api_with(&[]).await
}

async fn api_with(args: &[&str]) -> Api {
    let server = common::server_with(args).await;
    let (_, secret) = server
        .operator
        .create_api_key("iOS app", KeyPowers::APPLICATION, "tests", Timestamp::now())
        .await
        .unwrap();
    Api {
        server,
        key: secret.reveal(),
    }
}

impl Api {
    async fn request(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        token: Option<&str>,
        body: Option<String>,
    ) -> Answer {
        // As any HTTP/1.1 client sends it (sign-in links are made for this host).
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, common::HOST_NAME);
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(body) => {
                request = request.header(CONTENT_TYPE, "application/json");
                Body::from(body)
            }
            None => Body::empty(),
        };
        let response = self.server.send(request.body(body).unwrap()).await;
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = body_text(response).await;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        let answer = Answer {
            status,
            content_type,
            body,
        };
        conforms_to_the_document(method, path, &answer);
        answer
    }

    async fn sign_in(&self, email: &str, ip: &str) -> Answer {
        let body =
            json!({ "email": email, "password": DEMO_PASSWORD, "user_agent": IPHONE, "ip": ip });
        self.request(
            "POST",
            "/api/v1/sessions",
            Some(&self.key),
            None,
            Some(body.to_string()),
        )
        .await
    }

    async fn token(&self, email: &str) -> String {
        let answer = self.sign_in(email, "81.2.69.142").await;
        assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
        answer.body["token"].as_str().unwrap().to_owned()
    }
}

static DOCUMENT: LazyLock<Value> =
    LazyLock::new(|| serde_json::to_value(server::api::openapi::ApiDoc::openapi()).unwrap());

/// Every answer from a documented route must be documented: its status listed, its body valid
/// against the schema the OpenAPI document gives for that status and content type.
fn conforms_to_the_document(method: &str, path: &str, answer: &Answer) {
    let path = path.split('?').next().unwrap();
    let matches = |template: &str| {
        let (a, b): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
        a.len() == b.len() && a.iter().zip(&b).all(|(t, p)| t.starts_with('{') || t == p)
    };
    let paths = DOCUMENT["paths"].as_object().unwrap();
    // A literal path ("/sessions/ended") before a template that would also match it.
    let Some((template, item)) = paths
        .get_key_value(path)
        .or_else(|| paths.iter().find(|(t, _)| matches(t)))
    else {
        return; // undocumented routes (e.g. unknown ones) answer 404 problems, checked elsewhere
    };
    let operation = &item[method.to_lowercase()];
    assert!(
        !operation.is_null(),
        "{method} {template} is not documented"
    );
    let response = &operation["responses"][answer.status.as_u16().to_string()];
    assert!(
        !response.is_null(),
        "{method} {template} answered an undocumented {}",
        answer.status
    );
    if answer.body.is_null() {
        assert!(
            response["content"].is_null(),
            "{method} {template}: documented body missing"
        );
        return;
    }
    let schema = &response["content"][answer.content_type.as_str()]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {template} {}: no schema for {}",
        answer.status,
        answer.content_type
    );
    let mut root = schema.clone();
    root["components"] = DOCUMENT["components"].clone();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .expect("the document's schemas are valid JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(&answer.body)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {}: {errors:?}\n{}",
        answer.status,
        answer.body
    );
}

#[tokio::test]
async fn the_document_and_its_browsable_page_are_served() {
    let api = api().await;
    let document = api
        .request("GET", "/api/v1/openapi.json", None, None, None)
        .await;
    assert_eq!(document.status, StatusCode::OK);
    assert_eq!(document.body["openapi"], "3.1.0");
    assert!(document.body["paths"]["/api/v1/session"]["get"].is_object());
    let page = api.request("GET", "/api/v1/docs", None, None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.as_str().unwrap().contains("/api/v1/openapi.json"));
}

fn assert_problem(answer: &Answer, status: StatusCode, kind: &str) {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert_eq!(answer.content_type, "application/problem+json");
    assert_eq!(
        answer.body["type"],
        format!("/api/v1/problems/{kind}"),
        "{:?}",
        answer.body
    );
    assert_eq!(answer.body["status"], status.as_u16());
    let detail = answer.body["detail"].as_str().unwrap();
    assert!(
        !detail.contains("sqlx") && !detail.contains("panicked"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_device_signs_in_validates_lists_and_logs_out() {
    let api = api().await;
    let signed_in = api.sign_in("marie@ektek.example", "81.2.69.142").await;
    assert_eq!(signed_in.status, StatusCode::CREATED);
    let token = signed_in.body["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 43);

    let valid = api
        .request("GET", "/api/v1/session", Some(&api.key), Some(&token), None)
        .await;
    assert_eq!(valid.status, StatusCode::OK);
    assert_eq!(valid.body["user"]["name"], "Marie Schmidt");
    assert_eq!(valid.body["account"]["name"], "Ektek GmbH");
    assert_eq!(valid.body["roles"]["account_role"], "employee");
    assert_eq!(valid.body["acting_as"], Value::Null);
    assert_eq!(valid.body["session_id"], signed_in.body["session_id"]);

    let list = api
        .request(
            "GET",
            "/api/v1/sessions?limit=2",
            Some(&api.key),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    let newest = &list.body["items"][0];
    assert_eq!(newest["is_current"], true);
    assert_eq!(newest["application"], "iOS app");
    assert_eq!(newest["device"]["os"], "iOS");
    let next = list.body["next"].as_str().unwrap();
    let page_two = api
        .request(
            "GET",
            &format!("/api/v1/sessions?limit=2&after={next}"),
            Some(&api.key),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(page_two.status, StatusCode::OK);
    assert_ne!(page_two.body["items"][0]["id"], newest["id"]);

    let out = api
        .request(
            "DELETE",
            "/api/v1/session",
            Some(&api.key),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = api
        .request("GET", "/api/v1/session", Some(&api.key), Some(&token), None)
        .await;
    assert_problem(&after, StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn terminating_follows_the_same_rules_as_the_web_app() {
    let api = api().await;
    let henk = api.token("henk@ektek.example").await;
    let marie = api.token("marie@ektek.example").await;
    let sven = api.token("sven@nordlicht.example").await;
    let id_of = async |token: &str| {
        let valid = api
            .request("GET", "/api/v1/session", Some(&api.key), Some(token), None)
            .await;
        valid.body["session_id"].as_i64().unwrap()
    };
    let (henk_id, marie_id, sven_id) =
        (id_of(&henk).await, id_of(&marie).await, id_of(&sven).await);

    let own = api
        .request(
            "DELETE",
            &format!("/api/v1/sessions/{henk_id}"),
            Some(&api.key),
            Some(&henk),
            None,
        )
        .await;
    assert_problem(&own, StatusCode::CONFLICT, "current-session");
    let foreign = api
        .request(
            "DELETE",
            &format!("/api/v1/sessions/{sven_id}"),
            Some(&api.key),
            Some(&marie),
            None,
        )
        .await;
    assert_problem(&foreign, StatusCode::NOT_FOUND, "session-not-found");
    let garbage = api
        .request(
            "DELETE",
            "/api/v1/sessions/abc",
            Some(&api.key),
            Some(&marie),
            None,
        )
        .await;
    assert_problem(&garbage, StatusCode::BAD_REQUEST, "invalid-request");
    // Henk owns Ektek: Marie's session is his to end.
    let ended = api
        .request(
            "DELETE",
            &format!("/api/v1/sessions/{marie_id}"),
            Some(&api.key),
            Some(&henk),
            None,
        )
        .await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT);
    let dead = api
        .request("GET", "/api/v1/session", Some(&api.key), Some(&marie), None)
        .await;
    assert_problem(&dead, StatusCode::UNAUTHORIZED, "unauthenticated");
    let alive = api
        .request("GET", "/api/v1/session", Some(&api.key), Some(&sven), None)
        .await;
    assert_eq!(alive.status, StatusCode::OK);
}

#[tokio::test]
async fn keys_and_tokens_are_checked_and_bound_to_their_application() {
    let api = api().await;
    let token = api.token("klaus@ektek.example").await;
    for key in [None, Some("sbk_nonsense"), Some("")] {
        let answer = api
            .request("GET", "/api/v1/session", key, Some(&token), None)
            .await;
        assert_problem(&answer, StatusCode::UNAUTHORIZED, "invalid-api-key");
    }
    for bad_token in ["", "garbage", &"A".repeat(43)] {
        let answer = api
            .request(
                "GET",
                "/api/v1/session",
                Some(&api.key),
                Some(bad_token),
                None,
            )
            .await;
        assert_problem(&answer, StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    // Another application's key does not accept an iOS app session.
    let (_, web_key) = api
        .server
        .operator
        .create_api_key("Public API", KeyPowers::APPLICATION, "", Timestamp::now())
        .await
        .unwrap();
    let other = api
        .request(
            "GET",
            "/api/v1/session",
            Some(&web_key.reveal()),
            Some(&token),
            None,
        )
        .await;
    assert_problem(&other, StatusCode::UNAUTHORIZED, "unauthenticated");
    // A revoked key is refused at once.
    let (id, revoked) = api
        .server
        .operator
        .create_api_key("iOS app", KeyPowers::APPLICATION, "", Timestamp::now())
        .await
        .unwrap();
    api.server
        .operator
        .revoke_api_key(id, Timestamp::now())
        .await
        .unwrap();
    let answer = api
        .request(
            "GET",
            "/api/v1/session",
            Some(&revoked.reveal()),
            Some(&token),
            None,
        )
        .await;
    assert_problem(&answer, StatusCode::UNAUTHORIZED, "invalid-api-key");
}

#[tokio::test]
async fn bad_input_gets_a_problem_document_and_changes_nothing() {
    let api = api().await;
    let cases: Vec<(String, StatusCode, &str)> = vec![
        ("{".to_owned(), StatusCode::BAD_REQUEST, "invalid-request"),
        ("[]".to_owned(), StatusCode::BAD_REQUEST, "invalid-request"),
        (json!({"email": "marie@ektek.example", "password": DEMO_PASSWORD, "user_agent": "x", "ip": "999.1.1.1"}).to_string(), StatusCode::BAD_REQUEST, "invalid-request"),
        (json!({"email": "marie@ektek.example", "password": DEMO_PASSWORD, "user_agent": "x", "ip": "1.2.3.4", "admin": true}).to_string(), StatusCode::BAD_REQUEST, "invalid-request"),
        (json!({"email": 42, "password": DEMO_PASSWORD, "user_agent": "x", "ip": "1.2.3.4"}).to_string(), StatusCode::BAD_REQUEST, "invalid-request"),
        (json!({"email": "marie@ektek.example", "password": DEMO_PASSWORD, "user_agent": "x".repeat(3000), "ip": "1.2.3.4"}).to_string(), StatusCode::BAD_REQUEST, "invalid-request"),
        (json!({"email": "marie@ektek.example", "password": "wrong", "user_agent": "x", "ip": "1.2.3.4"}).to_string(), StatusCode::UNAUTHORIZED, "invalid-credentials"),
        (json!({"email": "x".repeat(20_000), "password": "p", "user_agent": "x", "ip": "1.2.3.4"}).to_string(), StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"),
    ];
    let token = api.token("marie@ektek.example").await;
    let count = async || {
        let list = api
            .request(
                "GET",
                "/api/v1/sessions?limit=200",
                Some(&api.key),
                Some(&token),
                None,
            )
            .await;
        list.body["items"].as_array().unwrap().len()
    };
    let before = count().await;
    for (body, status, kind) in cases {
        let answer = api
            .request(
                "POST",
                "/api/v1/sessions",
                Some(&api.key),
                None,
                Some(body.clone()),
            )
            .await;
        assert_problem(&answer, status, kind);
    }
    assert_eq!(count().await, before, "no session was created");
    for query in [
        "view=nonsense",
        "limit=0",
        "limit=100000",
        "after=bogus",
        "view=account",
        "user=abc",
        "sort=sideways",
        "unknown=1",
    ] {
        let answer = api
            .request(
                "GET",
                &format!("/api/v1/sessions?{query}"),
                Some(&api.key),
                Some(&token),
                None,
            )
            .await;
        assert_problem(&answer, StatusCode::BAD_REQUEST, "invalid-request");
    }
    let forbidden = api
        .request(
            "GET",
            "/api/v1/sessions?view=platform",
            Some(&api.key),
            Some(&token),
            None,
        )
        .await;
    assert_problem(&forbidden, StatusCode::FORBIDDEN, "forbidden");
    let nowhere = api
        .request("GET", "/api/v1/nowhere", Some(&api.key), Some(&token), None)
        .await;
    assert_problem(&nowhere, StatusCode::NOT_FOUND, "no-such-route");
}

#[tokio::test]
async fn a_platform_wide_key_lists_and_ends_sessions_in_every_account() {
    let api = api().await;
    let sven = api.token("sven@nordlicht.example").await;
    let (_, admin) = api
        .server
        .operator
        .create_api_key("Public API", KeyPowers::PLATFORM, "ops", Timestamp::now())
        .await
        .unwrap();
    let admin = admin.reveal();

    let all = api
        .request(
            "GET",
            "/api/v1/sessions?q=nordlicht&limit=200",
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    let items = all.body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|s| s["account_name"] == "Nordlicht Logistik AG"
                || s["user_name"].as_str().unwrap().contains("Henk")),
        "{items:?}"
    );
    let sven_id = items
        .iter()
        .find(|s| {
            s["is_current"] == false
                && s["user_name"] == "Sven Lindqvist"
                && s["application"] == "iOS app"
        })
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let ended = api
        .request(
            "DELETE",
            &format!("/api/v1/sessions/{sven_id}"),
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT);
    let dead = api
        .request("GET", "/api/v1/session", Some(&api.key), Some(&sven), None)
        .await;
    assert_problem(&dead, StatusCode::UNAUTHORIZED, "unauthenticated");
    // Ended sessions say it was this key.
    let ended = api
        .request(
            "GET",
            "/api/v1/sessions/ended?reason=ended_by_application",
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{:?}", ended.body);
    conforms_to_the_document("get", "/api/v1/sessions/ended", &ended);
    let items = ended.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["session"]["id"], sven_id);
    assert_eq!(items[0]["reason"], "ended_by_application");
    assert_eq!(items[0]["ended_by"], "ops");
    assert_eq!(items[0]["why"], "Ended by an application (API key “ops”)");

    // An ordinary application key needs a user's token for the same.
    let refused = api
        .request("GET", "/api/v1/sessions", Some(&api.key), None, None)
        .await;
    assert_problem(&refused, StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn several_or_all_of_a_users_sessions_end_under_the_same_rules() {
    let api = api().await;
    let henk = api.token("henk@ektek.example").await;
    let marie_phone = api.token("marie@ektek.example").await;
    let marie_tablet = api.token("marie@ektek.example").await;
    let klaus = api.token("klaus@ektek.example").await;
    let whoami = async |token: &str| {
        api.request("GET", "/api/v1/session", Some(&api.key), Some(token), None)
            .await
            .body
    };
    let marie = whoami(&marie_phone).await;
    let marie_user = marie["user"]["id"].as_i64().unwrap();
    let klaus_session = whoami(&klaus).await["session_id"].as_i64().unwrap();

    // Marie (an employee) cannot end Klaus's session, in a batch or otherwise.
    let batch = json!({ "ids": [klaus_session] }).to_string();
    let refused = api
        .request(
            "POST",
            "/api/v1/sessions/terminate",
            Some(&api.key),
            Some(&marie_phone),
            Some(batch),
        )
        .await;
    assert_problem(&refused, StatusCode::NOT_FOUND, "session-not-found");
    let klaus_user = whoami(&klaus).await["user"]["id"].as_i64().unwrap();
    let forbidden = api
        .request(
            "DELETE",
            &format!("/api/v1/users/{klaus_user}/sessions"),
            Some(&api.key),
            Some(&marie_phone),
            None,
        )
        .await;
    assert_problem(&forbidden, StatusCode::FORBIDDEN, "forbidden");

    // Marie ends all her others: the tablet goes, the phone making the call stays.
    let mine = api
        .request(
            "DELETE",
            &format!("/api/v1/users/{marie_user}/sessions"),
            Some(&api.key),
            Some(&marie_phone),
            None,
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body["terminated"].as_u64().unwrap() >= 1);
    assert_eq!(
        whoami(&marie_tablet).await["type"],
        "/api/v1/problems/unauthenticated"
    );
    assert_eq!(whoami(&marie_phone).await["user"]["name"], "Marie Schmidt");

    // Henk owns Ektek: he ends all of Marie's, the phone included.
    let owner = api
        .request(
            "DELETE",
            &format!("/api/v1/users/{marie_user}/sessions"),
            Some(&api.key),
            Some(&henk),
            None,
        )
        .await;
    assert_eq!(owner.status, StatusCode::OK);
    assert_eq!(
        whoami(&marie_phone).await["type"],
        "/api/v1/problems/unauthenticated"
    );
    assert_eq!(whoami(&henk).await["user"]["name"], "Henk Becker");
}

#[tokio::test]
async fn sign_in_history_is_readable_through_the_api() {
    let api = api().await;
    let wrong = json!({ "email": "anna@nordlicht.example", "password": "nope", "user_agent": IPHONE, "ip": "2001:db8::5" });
    let refused = api
        .request(
            "POST",
            "/api/v1/sessions",
            Some(&api.key),
            None,
            Some(wrong.to_string()),
        )
        .await;
    assert_problem(&refused, StatusCode::UNAUTHORIZED, "invalid-credentials");
    let anna = api.token("anna@nordlicht.example").await;

    let history = api
        .request(
            "GET",
            "/api/v1/login-records",
            Some(&api.key),
            Some(&anna),
            None,
        )
        .await;
    assert_eq!(history.status, StatusCode::OK);
    let outcomes: Vec<_> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(outcomes, ["success", "invalid_credentials"]);
    assert_eq!(history.body["items"][1]["ip"], "2001:db8::5");
    let failed = api
        .request(
            "GET",
            "/api/v1/login-records?outcome=invalid_credentials",
            Some(&api.key),
            Some(&anna),
            None,
        )
        .await;
    assert_eq!(failed.body["items"].as_array().unwrap().len(), 1);
    let bad = api
        .request(
            "GET",
            "/api/v1/login-records?outcome=maybe",
            Some(&api.key),
            Some(&anna),
            None,
        )
        .await;
    assert_problem(&bad, StatusCode::BAD_REQUEST, "invalid-request");
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_email_and_per_address() {
    let api = api_with(&[
        "--sign-in-limit-per-email",
        "2",
        "--sign-in-limit-per-ip",
        "3",
    ])
    .await;
    let attempt = async |email: &str, ip: &str| {
        let body = json!({ "email": email, "password": "guess", "user_agent": IPHONE, "ip": ip });
        let response = api
            .server
            .send(
                Request::post("/api/v1/sessions")
                    .header("x-api-key", &api.key)
                    .header(CONTENT_TYPE, "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap(),
            )
            .await;
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        (response.status(), retry_after)
    };
    assert_eq!(
        attempt("henk@ektek.example", "192.0.2.1").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        attempt("henk@ektek.example", "192.0.2.2").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, retry_after) = attempt("henk@ektek.example", "192.0.2.3").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let seconds: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&seconds), "{seconds}");
    // Another account from a fresh address is unaffected; one address is limited on its own.
    for n in 0..3 {
        assert_eq!(
            attempt(&format!("user{n}@x.example"), "198.51.100.1")
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt("user9@x.example", "198.51.100.1").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[test]
fn the_document_check_rejects_what_the_document_does_not_describe() {
    let wrong_body = Answer {
        status: StatusCode::OK,
        content_type: "application/json".to_owned(),
        body: json!({ "session_id": "not a number" }),
    };
    let undocumented_status = Answer {
        status: StatusCode::IM_A_TEAPOT,
        content_type: "application/problem+json".to_owned(),
        body: json!({}),
    };
    for answer in [wrong_body, undocumented_status] {
        let checked = std::panic::catch_unwind(|| {
            conforms_to_the_document("GET", "/api/v1/session", &answer)
        });
        assert!(checked.is_err(), "{:?} passed", answer.body);
    }
}

#[tokio::test]
async fn the_api_is_not_the_web_apps_cookie_business() {
    let api = api().await;
    let token = api.token("marie@ektek.example").await;
    // A browser's dead session cookie riding along on an API call: the web app's middleware
    // would answer it by clearing the cookie; the API neither reads nor touches it.
    let request = Request::get("/api/v1/session")
        .header("x-api-key", &api.key)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(COOKIE, "sessionboard=not-a-live-session")
        .body(Body::empty())
        .unwrap();
    let response = api.server.send(request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers().get(SET_COOKIE).is_none(),
        "{:?}",
        response.headers()
    );
}

#[tokio::test]
async fn rotating_the_claimed_address_does_not_escape_the_keys_own_limit() {
    let api = api_with(&["--sign-in-limit-per-api-key", "3"]).await;
    // A fresh address and email each time: only the key's own budget is shared.
    let attempt = async |key: &str, n: u32| {
        let body = json!({
            "email": format!("user{n}@x.example"), "password": "guess", "user_agent": IPHONE,
            "ip": format!("198.51.100.{n}"),
        });
        api.request(
            "POST",
            "/api/v1/sessions",
            Some(key),
            None,
            Some(body.to_string()),
        )
        .await
    };
    for n in 0..3 {
        let refused = attempt(&api.key, n).await;
        assert_problem(&refused, StatusCode::UNAUTHORIZED, "invalid-credentials");
    }
    let limited = attempt(&api.key, 3).await;
    assert_problem(&limited, StatusCode::TOO_MANY_REQUESTS, "rate-limited");
    // Another key has a budget of its own.
    let (_, other) = api
        .server
        .operator
        .create_api_key(
            "iOS app",
            KeyPowers::APPLICATION,
            "another",
            Timestamp::now(),
        )
        .await
        .unwrap();
    let elsewhere = attempt(&other.reveal(), 4).await;
    assert_problem(&elsewhere, StatusCode::UNAUTHORIZED, "invalid-credentials");
}

#[tokio::test]
async fn exhausting_api_attempts_from_an_address_leaves_the_web_sign_in_from_it_working() {
    let api = api_with(&[
        "--sign-in-limit-per-ip",
        "2",
        "--sign-in-limit-per-email",
        "2",
    ])
    .await;
    // The router's test peer (see `server_with`): where the web sign-in below comes from.
    let guess = json!({
        "email": "marie@ektek.example", "password": "guess", "user_agent": IPHONE,
        "ip": "81.2.69.142",
    })
    .to_string();
    let attempt = async || {
        api.request(
            "POST",
            "/api/v1/sessions",
            Some(&api.key),
            None,
            Some(guess.clone()),
        )
        .await
    };
    for _ in 0..2 {
        assert_problem(
            &attempt().await,
            StatusCode::UNAUTHORIZED,
            "invalid-credentials",
        );
    }
    assert_problem(
        &attempt().await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
    );
    // The same person at the same address, in the browser: the key spent only its own
    // budgets for both.
    let cookie = api.server.sign_in("marie@ektek.example").await;
    assert!(!cookie.is_empty());
}

#[tokio::test]
async fn an_email_over_254_bytes_is_a_bad_request_at_both_faces() {
    let api = api_with(&["--sign-in-limit-per-ip", "1"]).await;
    let long = format!("{}@ektek.example", "a".repeat(250));
    let body =
        json!({ "email": long, "password": "guess", "user_agent": IPHONE, "ip": "192.0.2.1" });
    let answer = api
        .request(
            "POST",
            "/api/v1/sessions",
            Some(&api.key),
            None,
            Some(body.to_string()),
        )
        .await;
    assert_problem(&answer, StatusCode::BAD_REQUEST, "invalid-request");
    let web = api
        .server
        .call("sign_in", None, &format!("email={long}&password=guess"))
        .await;
    assert_eq!(web.status(), StatusCode::BAD_REQUEST);
    // Refused before the limits: the address's one attempt a minute is still there, for
    // either face.
    let fine = json!({ "email": "marie@ektek.example", "password": DEMO_PASSWORD,
        "user_agent": IPHONE, "ip": "192.0.2.1" });
    let signed_in = api
        .request(
            "POST",
            "/api/v1/sessions",
            Some(&api.key),
            None,
            Some(fine.to_string()),
        )
        .await;
    assert_eq!(
        signed_in.status,
        StatusCode::CREATED,
        "{:?}",
        signed_in.body
    );
    api.server.sign_in("marie@ektek.example").await;
}

/// A documented operation's parameter, by name.
fn parameter(path: &str, method: &str, name: &str) -> Value {
    DOCUMENT["paths"][path][method]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("{method} {path} has no parameters"))
        .iter()
        .find(|parameter| parameter["name"] == name)
        .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
        .clone()
}

fn enum_values(schema: &Value) -> Vec<&str> {
    schema["enum"]
        .as_array()
        .map(|values| values.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn list_filters_are_documented_as_optional_query_parameters_with_their_bounds() {
    let sessions = [
        "view",
        "account",
        "user",
        "application",
        "q",
        "sort",
        "after",
        "limit",
    ];
    let history = [
        "view", "account", "from", "until", "outcome", "after", "limit",
    ];
    let ended = ["view", "account", "user", "reason", "after", "limit"];
    for (path, names) in [
        ("/api/v1/sessions", &sessions[..]),
        ("/api/v1/login-records", &history[..]),
        ("/api/v1/sessions/ended", &ended[..]),
    ] {
        for name in names {
            let declared = parameter(path, "get", name);
            // A generated client sends only what the document says goes in the query.
            assert_eq!(declared["in"], "query", "{path} {name}");
            assert_eq!(declared["required"], false, "{path} {name}");
        }
        let limit = parameter(path, "get", "limit");
        assert_eq!(limit["schema"]["type"], "integer", "{path}");
        assert_eq!(limit["schema"]["minimum"].as_f64(), Some(1.0), "{path}");
        assert_eq!(limit["schema"]["maximum"].as_f64(), Some(200.0), "{path}");
        let view = parameter(path, "get", "view");
        assert_eq!(
            enum_values(&view["schema"]),
            ["mine", "account", "platform"]
        );
        assert_eq!(
            parameter(path, "get", "account")["schema"]["format"],
            "int64"
        );
    }
    let sort = parameter("/api/v1/sessions", "get", "sort");
    assert_eq!(enum_values(&sort["schema"]), ["newest", "oldest"]);
    let outcome = parameter("/api/v1/login-records", "get", "outcome");
    assert_eq!(
        enum_values(&outcome["schema"]),
        ["success", "invalid_credentials"]
    );
    let id = parameter("/api/v1/sessions/{id}", "delete", "id");
    assert_eq!(id["in"], "path");
    assert_eq!(id["schema"]["format"], "int64");
    for body in ["PasswordSignIn", "TrustedSignInRequest"] {
        let sign_in = &DOCUMENT["components"]["schemas"][body]["properties"];
        assert_eq!(sign_in["ip"]["format"], "ip", "{body}");
    }
    let one_of = &DOCUMENT["components"]["schemas"]["SignInRequest"]["oneOf"];
    assert_eq!(one_of.as_array().map(Vec::len), Some(2), "{one_of}");
}

#[test]
fn every_operation_documents_its_size_limit_and_when_to_retry() {
    for (path, item) in DOCUMENT["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            // Every body passes the same size limit before it is parsed.
            if !operation["requestBody"].is_null() {
                assert!(responses["413"].is_object(), "{method} {path}: no 413");
            }
            for status in ["429", "503"] {
                if responses[status].is_object() {
                    assert_eq!(
                        responses[status]["headers"]["Retry-After"]["schema"]["type"], "integer",
                        "{method} {path} {status}: no Retry-After"
                    );
                }
            }
        }
    }
    let sign_in = &DOCUMENT["paths"]["/api/v1/sessions"]["post"]["responses"];
    assert!(sign_in["429"].is_object() && sign_in["503"].is_object());
}

#[tokio::test]
async fn every_documented_value_of_a_filter_is_one_the_server_accepts() {
    let api = api().await;
    let henk = api.token("henk@ektek.example").await;
    let whoami = api
        .request("GET", "/api/v1/session", Some(&api.key), Some(&henk), None)
        .await;
    let account = whoami.body["account"]["id"].as_i64().unwrap();
    for (path, name) in [
        ("/api/v1/sessions", "view"),
        ("/api/v1/sessions", "sort"),
        ("/api/v1/login-records", "view"),
        ("/api/v1/login-records", "outcome"),
        ("/api/v1/sessions/ended", "view"),
        ("/api/v1/sessions/ended", "reason"),
    ] {
        let schema = parameter(path, "get", name)["schema"].clone();
        let values = enum_values(&schema);
        assert!(!values.is_empty(), "{path} {name}: no enum");
        for value in values {
            let query = format!("{path}?{name}={value}&account={account}");
            let answer = api
                .request("GET", &query, Some(&api.key), Some(&henk), None)
                .await;
            // Henk may not see every account (403), but no documented value is malformed.
            assert_ne!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{query}: {:?}",
                answer.body
            );
        }
    }
}

#[tokio::test]
async fn an_oversized_bulk_termination_is_refused_as_documented() {
    let api = api().await;
    let token = api.token("marie@ektek.example").await;
    let body = json!({ "ids": vec![1; 10_000] }).to_string();
    assert!(body.len() > 16 * 1024);
    let answer = api
        .request(
            "POST",
            "/api/v1/sessions/terminate",
            Some(&api.key),
            Some(&token),
            Some(body),
        )
        .await;
    assert_problem(&answer, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");
}

#[tokio::test]
async fn an_id_that_does_not_even_decode_is_refused_with_a_problem_document() {
    let api = api().await;
    let token = api.token("henk@ektek.example").await;
    // `%FF` is no UTF-8 once decoded: axum's own answer would be plain text.
    for path in ["/api/v1/sessions/%FF", "/api/v1/users/%FF/sessions"] {
        let answer = api
            .request("DELETE", path, Some(&api.key), Some(&token), None)
            .await;
        assert_problem(&answer, StatusCode::BAD_REQUEST, "invalid-request");
    }
}

// A product that keeps its own users and sign-in: directory sync, trusted sign-in, and
// sign-in links into Sessionboard's pages.

const HOST_KEY: KeyPowers = KeyPowers {
    platform_wide: false,
    trusted: true,
    directory: true,
};

/// The test server with a "Corner Shop" application and a trusted directory key for it.
async fn host() -> (Api, String) {
    let api = api().await;
    let now = Timestamp::now();
    api.server
        .operator
        .create_application("Corner Shop", now)
        .await
        .unwrap();
    let (_, secret) = api
        .server
        .operator
        .create_api_key("Corner Shop", HOST_KEY, "host app", now)
        .await
        .unwrap();
    (api, secret.reveal())
}

impl Api {
    async fn put(&self, key: &str, path: &str, body: Value) -> Answer {
        self.request("PUT", path, Some(key), None, Some(body.to_string()))
            .await
    }

    /// Corner Shop with Ada (owner) and Bob (employee), as the host app syncs them.
    async fn sync_corner_shop(&self, key: &str) {
        let shop = json!({ "name": "Corner Shop" });
        let ada = json!({ "name": "Ada Lovelace", "email": "ada@shop.example" });
        let bob = json!({ "name": "Bob Baker", "email": "bob@shop.example" });
        for (path, body) in [
            ("/api/v1/directory/accounts/corner-shop", shop),
            ("/api/v1/directory/people/u1", ada),
            ("/api/v1/directory/people/u2", bob),
            (
                "/api/v1/directory/accounts/corner-shop/members/u1",
                json!({ "role": "owner", "job_label": "Founder" }),
            ),
            (
                "/api/v1/directory/accounts/corner-shop/members/u2",
                json!({ "role": "employee" }),
            ),
        ] {
            let answer = self.put(key, path, body).await;
            assert!(answer.status.is_success(), "{path}: {:?}", answer.body);
        }
    }

    async fn trusted_sign_in(&self, key: &str, body: Value) -> Answer {
        self.request(
            "POST",
            "/api/v1/sessions",
            Some(key),
            None,
            Some(body.to_string()),
        )
        .await
    }

    async fn validate(&self, key: &str, token: &str) -> StatusCode {
        self.request("GET", "/api/v1/session", Some(key), Some(token), None)
            .await
            .status
    }
}

/// How many rows a table of the test server's database holds.
async fn rows(api: &Api, table: &str) -> i64 {
    let database = api.server.dir.path().join("sessions.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", database.display()))
        .await
        .unwrap();
    let (count,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    count
}

fn ada_on(ip: &str) -> Value {
    json!({ "external_id": "u1", "account_external_id": "corner-shop",
            "user_agent": IPHONE, "ip": ip })
}

#[tokio::test]
async fn a_second_identical_put_changes_nothing_and_says_so() {
    let (api, key) = host().await;
    let ada = json!({ "name": "Ada Lovelace", "email": "ada@shop.example" });
    let cases = [
        (
            "/api/v1/directory/accounts/corner-shop",
            json!({ "name": "Corner Shop" }),
        ),
        ("/api/v1/directory/people/u1", ada.clone()),
        (
            "/api/v1/directory/accounts/corner-shop/members/u1",
            json!({ "role": "owner", "job_label": "Founder" }),
        ),
    ];
    for (path, body) in &cases {
        let first = api.put(&key, path, body.clone()).await;
        assert_eq!(
            first.status,
            StatusCode::CREATED,
            "{path}: {:?}",
            first.body
        );
        assert_eq!(first.body["outcome"], "created");
    }
    let records = rows(&api, "changes").await;
    for (path, body) in &cases {
        let again = api.put(&key, path, body.clone()).await;
        assert_eq!(again.status, StatusCode::OK, "{path}: {:?}", again.body);
        assert_eq!(again.body["outcome"], "unchanged", "{path}");
    }
    assert_eq!(
        rows(&api, "changes").await,
        records,
        "an unchanged PUT writes not even an audit record"
    );

    let renamed = api
        .put(
            &key,
            "/api/v1/directory/people/u1",
            json!({ "name": "Ada King", "email": "ada@shop.example" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(renamed.body["outcome"], "updated");
    assert_eq!(renamed.body["name"], "Ada King");
}

#[tokio::test]
async fn a_trusted_key_signs_a_synced_person_in_without_a_password() {
    let (api, key) = host().await;
    api.sync_corner_shop(&key).await;
    let signed_in = api.trusted_sign_in(&key, ada_on("81.2.69.142")).await;
    assert_eq!(
        signed_in.status,
        StatusCode::CREATED,
        "{:?}",
        signed_in.body
    );
    let token = signed_in.body["token"].as_str().unwrap();

    let valid = api
        .request("GET", "/api/v1/session", Some(&key), Some(token), None)
        .await;
    assert_eq!(valid.status, StatusCode::OK);
    assert_eq!(valid.body["user"]["name"], "Ada Lovelace");
    assert_eq!(valid.body["account"]["name"], "Corner Shop");
    assert_eq!(valid.body["roles"]["account_role"], "owner");

    // Tracked like any sign-in: device, location, the product's application.
    let mine = api
        .request("GET", "/api/v1/sessions", Some(&key), Some(token), None)
        .await;
    let session = &mine.body["items"][0];
    assert_eq!(session["application"], "Corner Shop");
    assert_eq!(session["device"]["os"], "iOS");
    assert_eq!(session["ip"], "81.2.69.142");
    assert_eq!(session["device"]["browser"], "Mobile Safari");

    // And it is in the sign-in history, as a success.
    let history = api
        .request(
            "GET",
            "/api/v1/login-records",
            Some(&key),
            Some(token),
            None,
        )
        .await;
    assert_eq!(history.body["items"][0]["outcome"], "success");

    // By email, too.
    let by_email = api
        .trusted_sign_in(
            &key,
            json!({ "email": "Bob@Shop.example", "account_external_id": "corner-shop",
                    "user_agent": IPHONE, "ip": "2.125.160.216" }),
        )
        .await;
    assert_eq!(by_email.status, StatusCode::CREATED, "{:?}", by_email.body);
}

#[tokio::test]
async fn refused_trusted_sign_ins_are_problems_and_write_nothing() {
    let (api, key) = host().await;
    api.sync_corner_shop(&key).await;
    api.put(
        &key,
        "/api/v1/directory/people/u3",
        json!({ "name": "Cleo Gone", "email": "cleo@shop.example", "status": "deactivated" }),
    )
    .await;
    api.put(
        &key,
        "/api/v1/directory/accounts/corner-shop/members/u3",
        json!({ "role": "employee" }),
    )
    .await;
    let records = rows(&api, "login_records").await;

    // api.key belongs to "iOS app" and is not trusted.
    let untrusted = api.trusted_sign_in(&api.key, ada_on("81.2.69.142")).await;
    assert_problem(&untrusted, StatusCode::FORBIDDEN, "forbidden");
    assert!(
        untrusted.body["detail"]
            .as_str()
            .unwrap()
            .contains("not trusted"),
        "{:?}",
        untrusted.body
    );
    let unknown = api
        .trusted_sign_in(
            &key,
            json!({ "external_id": "u404", "account_external_id": "corner-shop",
                    "user_agent": IPHONE, "ip": "81.2.69.142" }),
        )
        .await;
    assert_problem(&unknown, StatusCode::NOT_FOUND, "not-found");
    let deactivated = api
        .trusted_sign_in(
            &key,
            json!({ "external_id": "u3", "account_external_id": "corner-shop",
                    "user_agent": IPHONE, "ip": "81.2.69.142" }),
        )
        .await;
    assert_problem(&deactivated, StatusCode::CONFLICT, "conflict");
    // People made in Sessionboard (here the demo world's Henk, and its platform admin) are out
    // of a key's reach, even when they belong to a synced account.
    for email in ["henk@ektek.example", "admin@sessionboard.example"] {
        let made_here = api
            .trusted_sign_in(
                &key,
                json!({ "email": email, "account_external_id": "corner-shop",
                        "user_agent": IPHONE, "ip": "81.2.69.142" }),
            )
            .await;
        assert_problem(&made_here, StatusCode::NOT_FOUND, "not-found");
    }
    // Nor taken over by a sync with their email.
    let taken_over = api
        .put(
            &key,
            "/api/v1/directory/people/u9",
            json!({ "name": "Henk", "email": "henk@ektek.example" }),
        )
        .await;
    assert_problem(&taken_over, StatusCode::CONFLICT, "conflict");
    let staff = api
        .put(
            &key,
            "/api/v1/directory/people/u9",
            json!({ "name": "Petra", "email": "admin@sessionboard.example" }),
        )
        .await;
    assert_problem(&staff, StatusCode::FORBIDDEN, "forbidden");
    let both = api
        .trusted_sign_in(
            &key,
            json!({ "external_id": "u1", "email": "ada@shop.example",
                    "account_external_id": "corner-shop", "user_agent": IPHONE,
                    "ip": "81.2.69.142" }),
        )
        .await;
    assert_problem(&both, StatusCode::BAD_REQUEST, "invalid-request");
    // A key cannot choose the application its sessions are recorded as.
    let mut as_other_app = ada_on("81.2.69.142");
    as_other_app["application_id"] = json!(1);
    let other_app = api.trusted_sign_in(&key, as_other_app).await;
    assert_problem(&other_app, StatusCode::BAD_REQUEST, "invalid-request");

    assert_eq!(
        rows(&api, "login_records").await,
        records,
        "no refusal was recorded as a sign-in"
    );
}

#[tokio::test]
async fn deleting_or_deactivating_a_person_ends_their_sessions_at_once() {
    let (api, key) = host().await;
    api.sync_corner_shop(&key).await;
    let token = |answer: Answer| answer.body["token"].as_str().unwrap().to_owned();
    let ada = token(api.trusted_sign_in(&key, ada_on("81.2.69.142")).await);
    let bob = token(
        api.trusted_sign_in(
            &key,
            json!({ "external_id": "u2", "account_external_id": "corner-shop",
                    "user_agent": IPHONE, "ip": "81.2.69.142" }),
        )
        .await,
    );
    assert_eq!(api.validate(&key, &ada).await, StatusCode::OK);

    let deleted = api
        .request(
            "DELETE",
            "/api/v1/directory/people/u1",
            Some(&key),
            None,
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(api.validate(&key, &ada).await, StatusCode::UNAUTHORIZED);

    let deactivated = api
        .put(
            &key,
            "/api/v1/directory/people/u2",
            json!({ "name": "Bob Baker", "email": "bob@shop.example", "status": "deactivated" }),
        )
        .await;
    assert_eq!(deactivated.body["outcome"], "updated");
    assert_eq!(api.validate(&key, &bob).await, StatusCode::UNAUTHORIZED);
    let refused = api.trusted_sign_in(&key, ada_on("81.2.69.142")).await;
    assert_problem(&refused, StatusCode::CONFLICT, "conflict");
}

#[tokio::test]
async fn a_sign_in_link_opens_the_sessions_page_once() {
    let (api, key) = host().await;
    api.sync_corner_shop(&key).await;
    let made = api
        .request(
            "POST",
            "/api/v1/sign-in-links",
            Some(&key),
            None,
            Some(json!({ "external_id": "u1", "account_external_id": "corner-shop" }).to_string()),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let url = made.body["url"].as_str().unwrap();
    assert!(
        url.starts_with("http://sessionboard.test/sign-in-link?token="),
        "{url}"
    );
    let path = &url["http://sessionboard.test".len()..];

    let follow = |path: String| {
        let request = Request::get(path).header("user-agent", IPHONE);
        api.server.send(request.body(Body::empty()).unwrap())
    };
    let opened = follow(path.to_owned()).await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    assert_eq!(opened.headers()["location"], "/sessions");
    let cookie = opened.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let (status, sessions) = api.server.my_sessions(&cookie).await;
    assert_eq!(status, StatusCode::OK);
    let current = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|session| session["is_current"] == true)
        .unwrap();
    assert_eq!(current["account_name"], "Corner Shop", "{current}");

    // Used, tampered and unknown links sign nobody in and say so on the sign-in page.
    let mut tampered = path.to_owned();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for path in [
        path.to_owned(),
        tampered,
        "/sign-in-link?token=nope".to_owned(),
        "/sign-in-link".to_owned(),
    ] {
        let refused = follow(path.clone()).await;
        assert_eq!(refused.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(
            refused.headers()["location"],
            "/login?link=invalid",
            "{path}"
        );
        assert!(!refused.headers().contains_key(SET_COOKIE), "{path}");
    }

    // Only for a path on Sessionboard, and only with a trusted key.
    let elsewhere = api
        .request(
            "POST",
            "/api/v1/sign-in-links",
            Some(&key),
            None,
            Some(
                json!({ "external_id": "u1", "account_external_id": "corner-shop",
                         "page": "//evil.example/" })
                .to_string(),
            ),
        )
        .await;
    assert_problem(&elsewhere, StatusCode::BAD_REQUEST, "invalid-request");
    let untrusted = api
        .request(
            "POST",
            "/api/v1/sign-in-links",
            Some(&api.key),
            None,
            Some(json!({ "external_id": "u1", "account_external_id": "corner-shop" }).to_string()),
        )
        .await;
    assert_problem(&untrusted, StatusCode::FORBIDDEN, "forbidden");

    // A link dies with the trust that made it: revoking its key before it is used.
    let (revoked_id, revoked) = api
        .server
        .operator
        .create_api_key("Corner Shop", HOST_KEY, "to revoke", Timestamp::now())
        .await
        .unwrap();
    let made = api
        .request(
            "POST",
            "/api/v1/sign-in-links",
            Some(&revoked.reveal()),
            None,
            Some(json!({ "external_id": "u1", "account_external_id": "corner-shop" }).to_string()),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    api.server
        .operator
        .revoke_api_key(revoked_id, Timestamp::now())
        .await
        .unwrap();
    let url = made.body["url"].as_str().unwrap();
    let refused = follow(url["http://sessionboard.test".len()..].to_owned()).await;
    assert_eq!(refused.headers()["location"], "/login?link=invalid");
}

#[tokio::test]
async fn a_key_without_the_directory_power_cannot_sync() {
    let (api, key) = host().await;
    let (_, trusted_only) = api
        .server
        .operator
        .create_api_key(
            "Corner Shop",
            KeyPowers {
                trusted: true,
                ..KeyPowers::APPLICATION
            },
            "",
            Timestamp::now(),
        )
        .await
        .unwrap();
    for key in [api.key.clone(), trusted_only.reveal()] {
        let refused = api
            .put(
                &key,
                "/api/v1/directory/accounts/corner-shop",
                json!({ "name": "Corner Shop" }),
            )
            .await;
        assert_problem(&refused, StatusCode::FORBIDDEN, "forbidden");
    }
    let bad_id = api
        .put(
            &key,
            "/api/v1/directory/people/a%20b",
            json!({ "name": "A", "email": "a@b.example" }),
        )
        .await;
    assert_problem(&bad_id, StatusCode::BAD_REQUEST, "invalid-request");
}

#[tokio::test]
async fn a_sign_in_on_a_new_device_is_flagged_and_listed_by_the_flagged_filter() {
    let api = api().await;
    // Marie's first sign-in after the demo world's (which left no memory) is never flagged.
    let first = api.token("marie@ektek.example").await;
    let chrome = json!({ "email": "marie@ektek.example", "password": DEMO_PASSWORD,
        "user_agent": common::CHROME, "ip": "81.2.69.142" });
    let flagged = api
        .request(
            "POST",
            "/api/v1/sessions",
            Some(&api.key),
            None,
            Some(chrome.to_string()),
        )
        .await;
    assert_eq!(flagged.status, StatusCode::CREATED);

    let list = api
        .request(
            "GET",
            "/api/v1/sessions?flagged=true",
            Some(&api.key),
            Some(&first),
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.body["items"].as_array().unwrap();
    // The Chrome session is among them (so is the demo world's iPad of Marie's).
    let chrome_session = items
        .iter()
        .find(|session| session["id"] == flagged.body["session_id"])
        .expect("the new device is listed");
    assert_eq!(chrome_session["flags"]["new_device"], true);
    assert_eq!(
        chrome_session["flags"]["why"],
        "first sign-in with Chrome on Windows"
    );
    // Every session listed stood out, and says why.
    assert!(items.iter().all(|session| session["flags"]["why"] != ""));
    let everything = api
        .request(
            "GET",
            "/api/v1/sessions",
            Some(&api.key),
            Some(&first),
            None,
        )
        .await;
    assert!(everything.body["items"].as_array().unwrap().len() > items.len());
}

#[tokio::test]
async fn every_session_a_filter_matches_is_counted_then_ended_but_never_the_callers_own() {
    let api = api().await;
    let henk = api.token("henk@ektek.example").await;
    let marie_phone = api.token("marie@ektek.example").await;
    let marie_tablet = api.token("marie@ektek.example").await;
    let whoami = async |token: &str| {
        api.request("GET", "/api/v1/session", Some(&api.key), Some(token), None)
            .await
            .body
    };
    let marie = whoami(&marie_phone).await["user"]["id"].as_i64().unwrap();
    let ektek = whoami(&henk).await["account"]["id"].as_i64().unwrap();
    let terminate = async |token: &str, body: serde_json::Value| {
        let answer = api
            .request(
                "POST",
                "/api/v1/sessions/terminate",
                Some(&api.key),
                Some(token),
                Some(body.to_string()),
            )
            .await;
        conforms_to_the_document("post", "/api/v1/sessions/terminate", &answer);
        answer
    };
    let maries = json!({ "view": "account", "account": ektek, "user": marie });

    // Henk, Ektek's owner, counts Marie's sessions in Ektek first: ending nothing.
    let counted = terminate(&henk, json!({ "matching": maries, "dry_run": true })).await;
    assert_eq!(counted.status, StatusCode::OK, "{:?}", counted.body);
    let matching = counted.body["matching"].as_u64().unwrap();
    assert!(matching >= 2, "her phone and tablet at least: {matching}");
    assert_eq!(counted.body["terminated"], 0);
    assert_eq!(whoami(&marie_tablet).await["user"]["id"], marie);

    // Then ends exactly those: both of her devices are signed out.
    let ended = terminate(&henk, json!({ "matching": maries })).await;
    assert_eq!(ended.status, StatusCode::OK, "{:?}", ended.body);
    assert_eq!(ended.body["terminated"].as_u64(), Some(matching));
    for device in [&marie_phone, &marie_tablet] {
        assert_eq!(
            whoami(device).await["type"],
            "/api/v1/problems/unauthenticated"
        );
    }

    // Everything in Ektek: never the session Henk asks from.
    let everything = json!({ "matching": { "view": "account", "account": ektek } });
    assert_eq!(terminate(&henk, everything).await.status, StatusCode::OK);
    assert_eq!(whoami(&henk).await["user"]["name"], "Henk Becker");

    // Every account's sessions are a platform admin's to end, not an owner's; and a request
    // says either which sessions or which filter.
    let platform = json!({ "matching": { "view": "platform" }, "dry_run": true });
    assert_problem(
        &terminate(&henk, platform).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    for malformed in [
        json!({}),
        json!({ "ids": [], "matching": {} }),
        json!({ "ids": [], "dry_run": true }),
        json!({ "matching": { "q": "x".repeat(101) } }),
        json!({ "matching": { "country": "Netherlands" } }),
        json!({ "matching": { "device": "toaster" } }),
        json!({ "matching": { "created_after": "yesterday" } }),
    ] {
        assert_problem(
            &terminate(&henk, malformed).await,
            StatusCode::BAD_REQUEST,
            "invalid-request",
        );
    }
}

#[tokio::test]
async fn sessions_are_narrowed_by_country_device_and_creation_time_and_a_bad_country_is_a_400() {
    let api = api().await;
    let henk = api.token("henk@ektek.example").await;
    let list = async |query: &str| {
        let answer = api
            .request(
                "GET",
                &format!("/api/v1/sessions?view=mine&{query}"),
                Some(&api.key),
                Some(&henk),
                None,
            )
            .await;
        conforms_to_the_document("get", "/api/v1/sessions", &answer);
        answer
    };
    let all = list("").await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    let items = all.body["items"].as_array().unwrap().clone();
    assert!(!items.is_empty());
    // Every one of Henk's sessions passes a filter on its own country, kind and time.
    for session in &items {
        let kind = session["device"]["kind"].as_str().unwrap();
        let created = session["created_at"].as_i64().unwrap();
        let narrowed = list(&format!(
            "device={kind}&created_after={created}&created_before={}",
            created + 1
        ))
        .await;
        let ids: Vec<_> = narrowed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].clone())
            .collect();
        assert!(ids.contains(&session["id"]), "{session} in {ids:?}");
    }
    let nowhere = list("country=zz").await;
    assert_eq!(nowhere.status, StatusCode::OK);
    assert_eq!(nowhere.body["items"], json!([]));
    assert_eq!(list("created_before=0").await.body["items"], json!([]));
    assert_problem(
        &list("country=N1").await,
        StatusCode::BAD_REQUEST,
        "invalid-request",
    );
}

#[tokio::test]
async fn a_view_downloads_as_csv_page_after_page_and_an_empty_view_is_only_its_header() {
    use sessionboard::model::{AccountId, ApplicationId, SessionFlags, UserId};
    use sessionboard::store::NewSession;
    use sessionboard::token::SessionToken;

    let api = api().await;
    let henk = api.token("henk@ektek.example").await;
    let me = api
        .request("GET", "/api/v1/session", Some(&api.key), Some(&henk), None)
        .await
        .body;
    let (ektek, henk_id) = (
        me["account"]["id"].as_i64().unwrap(),
        me["user"]["id"].as_i64().unwrap(),
    );
    // More than one page (200) of Henk's sessions in Ektek, planted straight in the store.
    let operator = &api.server.operator;
    let observation = operator.tracker().observe(
        "81.2.69.142".parse().unwrap(),
        "=HYPERLINK(\"http://evil.example\")",
        true,
    );
    let now = Timestamp::now();
    for n in 0..250 {
        let at = Timestamp(now.0 - 60_000 - n);
        operator
            .store()
            .insert_session(NewSession {
                token_hash: SessionToken::generate().hash(),
                user_id: UserId(henk_id),
                account_id: AccountId(ektek),
                application_id: ApplicationId(me["application_id"].as_i64().unwrap()),
                observation: &observation,
                search_text: "planted",
                created_at: at,
                last_active_at: at,
                expires_at: Timestamp(now.0 + 3_600_000),
                flags: &SessionFlags::default(),
                alert: false,
                forgotten: &[],
            })
            .await
            .unwrap();
    }
    let download = async |query: &str| {
        let request = Request::get(format!("/api/v1/sessions?{query}"))
            .header(HOST, common::HOST_NAME)
            .header("x-api-key", &api.key)
            .header(AUTHORIZATION, format!("Bearer {henk}"))
            .header(ACCEPT, "text/csv")
            .body(Body::empty())
            .unwrap();
        let response = api.server.send(request).await;
        let status = response.status();
        let content_type = response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        (status, content_type, body_text(response).await)
    };
    let board = format!("view=account&account={ektek}");

    // `limit` is the JSON list's: the download is the whole view.
    let (status, content_type, text) = download(&format!("{board}&limit=1")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(content_type, "text/csv; charset=utf-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r[column("session_id")].parse().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "no session twice across pages");
    assert!(
        ids.len() >= 251,
        "every planted session and Henk's own: {}",
        ids.len()
    );
    // The same view as JSON, newest first, is the CSV's first rows.
    let first_page = api
        .request(
            "GET",
            &format!("/api/v1/sessions?{board}&limit=200"),
            Some(&api.key),
            Some(&henk),
            None,
        )
        .await;
    let json_ids: Vec<i64> = first_page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids[..200], json_ids[..]);
    for row in &rows {
        let created = &row[column("created_at")];
        assert!(
            created.ends_with('Z') && created.contains('T'),
            "ISO 8601 UTC: {created}"
        );
        // A user agent is the device's to choose: never a formula in a spreadsheet.
        assert!(!row.iter().any(|cell| cell.starts_with('=')), "{row:?}");
    }

    // An empty view is the header alone; a bad filter is refused before anything is sent.
    let (status, _, text) = download(&format!("{board}&country=zz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("session_id,"));
    let (status, content_type, _) = download(&format!("{board}&country=N1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(content_type, "application/problem+json");
    let (status, _, _) = download("view=platform").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an owner is not a platform admin"
    );
}
