//! Random bodies, queries, ids and tokens against every API endpoint: never a 5xx, never a
//! panic, and every refusal is a problem document.

mod common;

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use axum::http::{Method, Request};
use common::{TestServer, body_text, server};
use proptest::prelude::*;
use serde_json::{Map, Value};
use sessionboard::model::{KeyPowers, Timestamp};
use sessionboard::service::{Application, Channel, SignIn};

struct Target {
    runtime: tokio::runtime::Runtime,
    server: TestServer,
    key: String,
    token: String,
}

/// A key with every power a product plugging Sessionboard in has, so that requests get past
/// the key's check to everything behind it.
const HOST_KEY: KeyPowers = KeyPowers {
    platform_wide: false,
    trusted: true,
    directory: true,
};

/// One server for all cases: building it (argon2, regexes) per case would dominate the run.
fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let (server, key, token) = runtime.block_on(async {
            let server = server().await;
            let (_, key) = server
                .operator
                .create_api_key("iOS app", HOST_KEY, "fuzz", Timestamp::now())
                .await
                .unwrap();
            let signed_in = server
                .service
                .sign_in(
                    SignIn {
                        email: "henk@ektek.example",
                        password: sessionboard::seed::DEMO_PASSWORD,
                        application: Application::Named("iOS app"),
                        ip: "192.0.2.1".parse().unwrap(),
                        user_agent: "fuzz",
                        channel: Channel::Web,
                    },
                    Timestamp::now(),
                )
                .await
                .unwrap();
            (server, key.reveal(), signed_in.token.as_str().to_owned())
        });
        Target {
            runtime,
            server,
            key,
            token,
        }
    })
}

fn send(method: Method, path: &str, token: Option<&str>, body: Option<Vec<u8>>) {
    let target = target();
    let mut request = Request::builder()
        .method(method.clone())
        .uri(path)
        .header(HOST, common::HOST_NAME)
        .header("x-api-key", &target.key);
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some(bytes) => {
            request = request.header(CONTENT_TYPE, "application/json");
            Body::from(bytes)
        }
        None => Body::empty(),
    };
    let Ok(request) = request.body(body) else {
        return; // not even a valid HTTP request: nothing to send
    };
    target.runtime.block_on(async {
        let response = target.server.send(request).await;
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or("").to_owned());
        let text = body_text(response).await;
        assert!(
            !status.is_server_error(),
            "{method} {path}: {status} {text}"
        );
        if status.is_client_error() {
            assert_eq!(
                content_type.as_deref(),
                Some("application/problem+json"),
                "{method} {path}: {text}"
            );
        }
    });
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        ".{0,40}".prop_map(Value::String),
        "[0-9a-f:.]{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Mostly the real field names, so bodies get past the parser into the checks behind it.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("email".to_owned()),
        Just("password".to_owned()),
        Just("user_agent".to_owned()),
        Just("ip".to_owned()),
        Just("ids".to_owned()),
        "[a-z_]{1,12}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("view"),
        Just("account"),
        Just("user"),
        Just("application"),
        Just("q"),
        Just("sort"),
        Just("after"),
        Just("limit"),
        Just("from"),
        Just("until"),
        Just("outcome"),
        Just("x"),
    ];
    prop::collection::vec((key, "[ -~]{0,24}"), 0..5).prop_map(|pairs| {
        let mut query = form_urlencoded_pairs(&pairs);
        query.insert(0, '?');
        query
    })
}

/// Objects with the fields the directory, trusted sign-in and sign-in links read, holding
/// anything: deeper than random JSON gets, since most of it fails on the first field.
fn host_body() -> impl Strategy<Value = Value> {
    let anything = prop_oneof![
        "[ -~]{0,40}".prop_map(Value::from),
        "\\PC{0,300}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(Value::Null),
        prop_oneof![
            Just("active"),
            Just("closed"),
            Just("deactivated"),
            Just("owner"),
            Just("employee"),
            Just("/sessions"),
            Just("//evil.example"),
            Just("81.2.69.142"),
            Just("fuzz@host.example"),
        ]
        .prop_map(Value::from),
    ];
    let fields = prop::sample::subsequence(
        vec![
            "name",
            "email",
            "status",
            "role",
            "job_label",
            "external_id",
            "account_external_id",
            "account_id",
            "page",
            "user_agent",
            "ip",
        ],
        0..=11,
    );
    (fields, prop::collection::vec(anything, 11)).prop_map(|(fields, values)| {
        Value::Object(
            fields
                .into_iter()
                .zip(values)
                .map(|(field, value)| (field.to_owned(), value))
                .collect(),
        )
    })
}

fn form_urlencoded_pairs(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.bytes().map(|b| format!("%{b:02X}")).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn sign_in_bodies_never_break_the_server(body in json_value(), raw in prop::collection::vec(any::<u8>(), 0..64)) {
        send(Method::POST, "/api/v1/sessions", None, Some(body.to_string().into_bytes()));
        send(Method::POST, "/api/v1/sessions", None, Some(raw));
    }

    #[test]
    fn bulk_termination_bodies_never_break_the_server(body in json_value()) {
        send(Method::POST, "/api/v1/sessions/terminate", Some(&target().token), Some(body.to_string().into_bytes()));
    }

    #[test]
    fn list_and_history_queries_never_break_the_server(query in query()) {
        send(Method::GET, &format!("/api/v1/sessions{query}"), Some(&target().token), None);
        send(Method::GET, &format!("/api/v1/login-records{query}"), Some(&target().token), None);
    }

    #[test]
    fn directory_sync_never_breaks_the_server(body in prop_oneof![host_body(), json_value()], id in "[ -~]{0,30}") {
        let id: String = id.bytes().map(|b| format!("%{b:02X}")).collect();
        let body = body.to_string().into_bytes();
        for path in [
            format!("/api/v1/directory/accounts/{id}"),
            format!("/api/v1/directory/people/{id}"),
            format!("/api/v1/directory/accounts/{id}/members/{id}"),
        ] {
            send(Method::PUT, &path, None, Some(body.clone()));
            send(Method::DELETE, &path, None, None);
        }
    }

    #[test]
    fn trusted_sign_ins_and_sign_in_links_never_break_the_server(body in host_body()) {
        let body = body.to_string().into_bytes();
        send(Method::POST, "/api/v1/sessions", None, Some(body.clone()));
        send(Method::POST, "/api/v1/sign-in-links", None, Some(body));
    }

    #[test]
    fn ids_and_tokens_never_break_the_server(id in "[ -~]{0,30}", token in "[ -~]{0,80}") {
        let id: String = id.bytes().map(|b| format!("%{b:02X}")).collect();
        send(Method::DELETE, &format!("/api/v1/sessions/{id}"), Some(&target().token), None);
        send(Method::DELETE, &format!("/api/v1/users/{id}/sessions"), Some(&token), None);
        send(Method::GET, "/api/v1/session", Some(&token), None);
    }
}
