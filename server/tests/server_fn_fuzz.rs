//! Random arguments, bodies and content types against every server function the web app has:
//! never a 5xx, never a panic, whoever is signed in. Then the bad inputs the issue names, each
//! with the 4xx it must get.

mod common;

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, HOST, ORIGIN};
use axum::http::{Request, StatusCode};
use common::{TestServer, body_text, server};
use proptest::prelude::*;
use serde_json::{Map, Value};

struct Target {
    runtime: tokio::runtime::Runtime,
    server: TestServer,
    /// Henk (account owner), a sales representative, and the platform admin.
    cookies: Vec<String>,
}

/// One server for all cases: building it (argon2, regexes) per case would dominate the run.
fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let (server, cookies) = runtime.block_on(async {
            let server = server().await;
            let mut cookies = Vec::new();
            for email in [
                "henk@ektek.example",
                "michael.sommer@sessionboard.example",
                "admin@sessionboard.example",
            ] {
                cookies.push(server.sign_in(email).await);
            }
            (server, cookies)
        });
        Target {
            runtime,
            server,
            cookies,
        }
    })
}

/// Every server function, by endpoint. None of them may answer 5xx to any input.
const ENDPOINTS: &[&str] = &[
    "current_viewer",
    "login_history",
    "ended_sessions",
    "audit_log",
    "sessions_page",
    "filter_options",
    "terminate_session",
    "terminate_sessions",
    "terminate_all_other_sessions",
    "preview_matching",
    "end_matching",
    "bulk_progress",
    "find_customers",
    "start_impersonation",
    "end_impersonation",
    "store_geolocation",
    "set_store_geolocation",
    "api_keys",
    "create_api_key",
    "revoke_api_key",
    "sign_in",
    "sign_out",
    "account_members",
    "add_member",
    "change_member",
    "remove_member",
    "reset_member_password",
    "password_link_holder",
    "set_password",
    "report_not_me",
    "alert_mails",
    "set_alert_mails",
    "change_password",
    "admin_accounts",
    "admin_create_account",
    "admin_rename_account",
    "admin_close_account",
    "admin_assign_representative",
    "admin_unassign_representative",
    "admin_people",
    "admin_create_person",
    "admin_edit_person",
    "admin_set_platform_roles",
    "admin_deactivate_person",
    "admin_reactivate_person",
    "admin_reset_password",
    "admin_add_member",
    "admin_remove_member",
    "admin_applications",
    "admin_create_application",
    "admin_rename_application",
    "admin_retire_application",
    "admin_changes",
    "admin_webhooks",
    "admin_create_webhook",
    "admin_delete_webhook",
    "admin_resume_webhook",
    "admin_resend_webhook",
    "sign_in_notices",
    "confirm_sign_in",
    "report_sign_in",
    "show_acting",
    "set_show_acting",
];

/// Sends a same-origin POST (what the page itself would send) and returns status and body.
async fn post(
    server: &TestServer,
    endpoint: &str,
    cookie: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, String) {
    let mut request = Request::post(format!("/api/{endpoint}"))
        .header(HOST, "localhost")
        .header(ORIGIN, "http://localhost");
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = server.send(request.body(Body::from(body)).unwrap()).await;
    let status = response.status();
    (status, body_text(response).await)
}

fn send(endpoint: &str, who: usize, content_type: Option<&str>, body: Vec<u8>) {
    let target = target();
    // Signing out would end the shared sessions that later cases run as.
    let cookie = match endpoint {
        "sign_out" => None,
        _ => target.cookies.get(who).map(String::as_str),
    };
    target.runtime.block_on(async {
        let (status, text) = post(&target.server, endpoint, cookie, content_type, body).await;
        assert!(
            !status.is_server_error(),
            "{endpoint} as #{who} ({content_type:?}): {status} {text}"
        );
    });
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
        // Control characters, NUL above all: PostgreSQL cannot store them.
        "[\u{0}-\u{1f}a-z]{0,12}".prop_map(Value::String),
        "[A-Za-z0-9_-]{0,60}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Mostly the server functions' real argument names, so bodies get past the decoder into the
/// checks behind it.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("query".to_owned()),
        Just("view".to_owned()),
        Just("filter".to_owned()),
        Just("search".to_owned()),
        Just("after".to_owned()),
        Just("ids".to_owned()),
        Just("id".to_owned()),
        Just("user".to_owned()),
        Just("account".to_owned()),
        Just("on".to_owned()),
        Just("email".to_owned()),
        Just("password".to_owned()),
        Just("label".to_owned()),
        Just("application".to_owned()),
        "[a-z_]{1,12}",
    ]
}

/// `application/x-www-form-urlencoded`, every byte of every value percent-encoded.
fn form(pairs: &[(String, String)]) -> Vec<u8> {
    pairs
        .iter()
        .map(|(key, value)| {
            let value: String = value.bytes().map(|b| format!("%{b:02X}")).collect();
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn json_bodies_never_break_a_server_function(
        endpoint in prop::sample::select(ENDPOINTS),
        who in 0usize..4,
        body in json_value(),
    ) {
        send(endpoint, who, Some("application/json"), body.to_string().into_bytes());
    }

    #[test]
    fn form_bodies_never_break_a_server_function(
        endpoint in prop::sample::select(ENDPOINTS),
        who in 0usize..4,
        pairs in prop::collection::vec((field_name(), "[\u{0}-\u{7f}]{0,30}"), 0..5),
    ) {
        send(endpoint, who, Some("application/x-www-form-urlencoded"), form(&pairs));
    }

    #[test]
    fn raw_bytes_of_any_content_type_never_break_a_server_function(
        endpoint in prop::sample::select(ENDPOINTS),
        who in 0usize..4,
        content_type in prop::option::of(prop::sample::select(vec![
            "application/json", "application/x-www-form-urlencoded", "text/plain",
            "multipart/form-data", "application/cbor",
        ])),
        body in prop::collection::vec(any::<u8>(), 0..128),
    ) {
        send(endpoint, who, content_type, body);
    }
}

/// What the page would send for "my sessions" with `search` typed into the box.
fn sessions_page_body(search: &str) -> Vec<u8> {
    serde_json::json!({ "query": { "view": { "kind": "mine" }, "filter": { "search": search } } })
        .to_string()
        .into_bytes()
}

#[tokio::test]
async fn bad_input_to_server_functions_gets_a_clear_4xx() {
    let server = server().await;
    let henk = server.sign_in("henk@ektek.example").await;
    let cookie = Some(henk.as_str());
    let json = Some("application/json");

    // The well-formed request works, so the refusals below are about their input alone.
    let (status, text) = post(
        &server,
        "sessions_page",
        cookie,
        json,
        sessions_page_body("a"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");

    let cases: [(&str, &str, Vec<u8>, StatusCode); 5] = [
        (
            "malformed JSON",
            "sessions_page",
            b"{\"query\": ".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a cursor that is not one of ours",
            "audit_log",
            br#"{"after": "not a cursor"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a NUL in the search box",
            "sessions_page",
            sessions_page_body("ber\u{0}lin"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a control character in the search box",
            "sessions_page",
            sessions_page_body("\u{1b}[31m"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a body over the limit",
            "sessions_page",
            sessions_page_body(&"x".repeat(100 * 1024)),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (what, endpoint, body, expected) in cases {
        let (status, text) = post(&server, endpoint, cookie, json, body).await;
        assert_eq!(status, expected, "{what}: {text:.300}");
    }

    // A NUL in a form field of a URL-encoded server function.
    let (status, text) = post(
        &server,
        "find_customers",
        cookie,
        Some("application/x-www-form-urlencoded"),
        b"search=hen%00k".to_vec(),
    )
    .await;
    assert!(status.is_client_error(), "{status} {text}");
}

#[tokio::test]
async fn every_server_function_refuses_a_stranger_with_a_4xx() {
    let server = server().await;
    // No cookie, an empty form: whatever the function, the answer is the caller's fault.
    for endpoint in ENDPOINTS {
        let (status, text) = post(
            &server,
            endpoint,
            None,
            Some("application/x-www-form-urlencoded"),
            Vec::new(),
        )
        .await;
        assert!(
            status.is_client_error() || status.is_success(),
            "{endpoint}: {status} {text}"
        );
    }
}
