//! The web face, driven through the real router (no socket): cookies, refusals, sign-out of
//! terminated sessions, cross-site requests and security headers, with a real SQLite file and
//! the real user-agent regexes.

mod common;

use axum::body::Body;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, HOST, LOCATION, ORIGIN,
    SET_COOKIE, STRICT_TRANSPORT_SECURITY, USER_AGENT, X_FRAME_OPTIONS,
};
use axum::http::{Request, Response, StatusCode};
use clap::Parser;
use common::{CHROME, HOST_NAME, TestServer, body_text, server, server_with};
use serde_json::Value;
use server::Config;
use server::startup::build_engine;
use sessionboard::model::{KeyPowers, Timestamp};
use sessionboard::seed::DEMO_PASSWORD;

#[tokio::test]
async fn sign_in_sets_an_http_only_lax_cookie_and_creates_exactly_one_session() {
    let server = server().await;
    let (_, before) = server
        .my_sessions(&server.sign_in("marie@ektek.example").await)
        .await;

    let response = server
        .call(
            "sign_in",
            None,
            &format!("email=marie@ektek.example&password={DEMO_PASSWORD}"),
        )
        .await;

    let cookies: Vec<_> = response.headers().get_all(SET_COOKIE).iter().collect();
    assert_eq!(cookies.len(), 1);
    let cookie = cookies[0].to_str().unwrap();
    assert!(cookie.starts_with("sessionboard="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("sessionboard=");
    assert_eq!(token.len(), 43, "256 bits, base64url");

    let (_, after) = server.my_sessions(cookie.split(';').next().unwrap()).await;
    assert_eq!(
        after.as_array().unwrap().len(),
        before.as_array().unwrap().len() + 1
    );
    let newest = &after[0];
    assert_eq!(newest["is_current"], true);
    assert_eq!(newest["application"], "Web");
    assert_eq!(newest["ip"], "81.2.69.142");
    assert_eq!(newest["device"]["browser"], "Chrome");
}

#[tokio::test]
async fn behind_tls_the_cookie_is_secure_and_host_prefixed() {
    let server = server_with(&["--public-url", "https://sessions.example.com"]).await;
    let response = server
        .call(
            "sign_in",
            None,
            &format!("email=marie@ektek.example&password={DEMO_PASSWORD}"),
        )
        .await;
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.starts_with("__Host-sessionboard="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn wrong_credentials_get_one_generic_error_and_no_cookie() {
    let server = server().await;
    for form in [
        "email=marie@ektek.example&password=wrong".to_owned(),
        format!("email=nobody@ektek.example&password={DEMO_PASSWORD}"),
        "email=&password=".to_owned(),
    ] {
        let response = server.call("sign_in", None, &form).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{form}");
        assert!(response.headers().get(SET_COOKIE).is_none());
        assert_eq!(body_text(response).await, "\"InvalidCredentials\"");
    }
}

#[tokio::test]
async fn the_list_contains_only_the_signed_in_users_live_sessions() {
    let server = server().await;
    let cookie = server.sign_in("henk@ektek.example").await;
    let (status, sessions) = server.my_sessions(&cookie).await;
    assert_eq!(status, StatusCode::OK);
    let sessions = sessions.as_array().unwrap();
    // The demo world gives Henk seven live sessions (two expired and one terminated are
    // hidden); this sign-in is the eighth.
    assert_eq!(sessions.len(), 8);
    assert!(sessions.iter().all(|s| s["user_name"] == "Henk Becker"));
    assert_eq!(
        sessions.iter().filter(|s| s["is_current"] == true).count(),
        1
    );
}

#[tokio::test]
async fn a_terminated_sessions_cookie_no_longer_authenticates() {
    let server = server().await;
    let laptop = server.sign_in("klaus@ektek.example").await;
    let phone = server.sign_in("klaus@ektek.example").await;
    let phone_id = server.current_session_id(&phone).await;

    let response = server
        .call(
            "terminate_session",
            Some(&laptop),
            &format!("id={phone_id}"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let (status, body) = server.my_sessions(&phone).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, "NotSignedIn");
    // Its next page load is sent to sign in, and the dead cookie is cleared.
    let page = server.page("/sessions", Some(&phone)).await;
    assert_eq!(page.status(), StatusCode::FOUND);
    assert_eq!(page.headers().get(LOCATION).unwrap(), "/login");
    let clear = page.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        clear.starts_with("sessionboard=;") && clear.contains("Max-Age=0"),
        "{clear}"
    );
    // The laptop is unaffected.
    assert_eq!(server.my_sessions(&laptop).await.0, StatusCode::OK);
}

#[tokio::test]
async fn terminating_the_current_session_is_refused_and_changes_nothing() {
    let server = server().await;
    let cookie = server.sign_in("henk@ektek.example").await;
    let current = server.current_session_id(&cookie).await;

    let response = server
        .call("terminate_session", Some(&cookie), &format!("id={current}"))
        .await;

    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(
        body_text(response).await,
        "\"CannotTerminateCurrentSession\""
    );
    assert_eq!(server.my_sessions(&cookie).await.0, StatusCode::OK);
}

#[tokio::test]
async fn terminating_someone_elses_session_is_refused_and_changes_nothing() {
    let server = server().await;
    // Marie is an employee: neither her account owner's nor another account's sessions are hers.
    let marie = server.sign_in("marie@ektek.example").await;
    let henk = server.sign_in("henk@ektek.example").await;
    let sven = server.sign_in("sven@nordlicht.example").await;
    let henks_session = server.current_session_id(&henk).await;
    let svens_session = server.current_session_id(&sven).await;

    for id in [
        henks_session.to_string(),
        svens_session.to_string(),
        "987654321".to_owned(),
    ] {
        let response = server
            .call("terminate_session", Some(&marie), &format!("id={id}"))
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id}");
        assert_eq!(body_text(response).await, "\"SessionNotFound\"");
    }
    assert_eq!(server.my_sessions(&henk).await.0, StatusCode::OK);
    assert_eq!(server.my_sessions(&sven).await.0, StatusCode::OK);
}

#[tokio::test]
async fn malformed_arguments_are_a_client_error_without_internals() {
    let server = server().await;
    let henk = server.sign_in("henk@ektek.example").await;
    for form in ["id=abc", "id=99999999999999999999999", "", "id[]=1"] {
        let response = server.call("terminate_session", Some(&henk), form).await;
        assert!(
            response.status().is_client_error(),
            "{form}: {}",
            response.status()
        );
        let body = body_text(response).await;
        assert!(
            !body.contains("serde") && !body.contains("panicked"),
            "{form}: {body}"
        );
    }
}

#[tokio::test]
async fn malformed_or_unknown_cookies_are_treated_as_signed_out() {
    let server = server().await;
    let fake = format!("sessionboard={}", "A".repeat(43));
    for cookie in [
        "sessionboard=garbage",
        "sessionboard=",
        fake.as_str(),
        "sessionboard=%00%01",
        "other=1; sessionboard=x; sessionboard=y",
    ] {
        let (status, body) = server.my_sessions(cookie).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{cookie}");
        assert_eq!(body, "NotSignedIn");
        let page = server.page("/sessions", Some(cookie)).await;
        assert_eq!(page.status(), StatusCode::FOUND, "{cookie}");
        assert_eq!(page.headers().get(LOCATION).unwrap(), "/login");
    }
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_the_page_renders() {
    let server = server().await;
    let page = server.page("/sessions", None).await;
    assert_eq!(page.status(), StatusCode::FOUND);
    assert_eq!(page.headers().get(LOCATION).unwrap(), "/login");

    let login = server.page("/login", None).await;
    assert_eq!(login.status(), StatusCode::OK);
    let html = body_text(login).await;
    assert!(html.contains("Sign in to Sessionboard"));
}

#[tokio::test]
async fn the_sessions_page_is_rendered_on_the_server_for_a_signed_in_user() {
    let server = server().await;
    let cookie = server.sign_in("henk@ektek.example").await;
    let page = server.page("/sessions", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = body_text(page).await;
    assert!(html.contains("Your active sessions"));
    assert!(html.contains("This device"));
    assert!(html.contains("Henk Becker"));
    assert!(html.contains("<tbody>"));
}

#[tokio::test]
async fn logging_out_ends_the_session_and_clears_the_cookie() {
    let server = server().await;
    let cookie = server.sign_in("marie@ektek.example").await;
    let response = server.call("sign_out", Some(&cookie), "").await;
    let clear = response
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(clear.contains("Max-Age=0"), "{clear}");
    assert_eq!(
        server.my_sessions(&cookie).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
    let sign_in_from = async |server: &TestServer| {
        let request = server
            .post("/api/sign_in")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-forwarded-for", "6.6.6.6, 2.125.160.216")
            .body(Body::from(format!(
                "email=anna@nordlicht.example&password={DEMO_PASSWORD}"
            )))
            .unwrap();
        let response = server.send(request).await;
        let cookie = response
            .headers()
            .get(SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        let (_, sessions) = server.my_sessions(cookie.split(';').next().unwrap()).await;
        sessions[0]["ip"].as_str().unwrap().to_owned()
    };
    // The test peer is 81.2.69.142 (see `server_with`).
    let untrusting = server().await;
    assert_eq!(sign_in_from(&untrusting).await, "81.2.69.142");
    let behind_proxy = server_with(&["--trusted-proxies", "81.2.69.0/24"]).await;
    assert_eq!(sign_in_from(&behind_proxy).await, "2.125.160.216");
}

#[tokio::test]
async fn a_corrupt_or_missing_geoip_file_still_starts_with_unknown_locations() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.mmdb");
    std::fs::write(&corrupt, b"not a MaxMind database").unwrap();
    let missing = dir.path().join("missing.mmdb");
    for geoip in [corrupt, missing] {
        let server = server_with(&["--geoip", geoip.to_str().unwrap()]).await;
        let cookie = server.sign_in("anna@nordlicht.example").await;
        let (_, sessions) = server.my_sessions(&cookie).await;
        assert_eq!(
            sessions[0]["location"]["kind"],
            "unknown",
            "{}",
            geoip.display()
        );
    }
}

#[tokio::test]
async fn a_bad_database_url_is_a_clear_startup_error() {
    let config = Config::parse_from(["sessionboard", "--database-url", "mysql://localhost/x"]);
    let error = build_engine(&config).await.err().expect("refused");
    assert!(
        error.to_string().contains("unsupported database URL"),
        "{error}"
    );
}

#[tokio::test]
async fn liveness_and_readiness_answer_without_a_session() {
    let server = server().await;
    for path in ["/healthz", "/readyz"] {
        let response = server
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
}

// Cross-site requests.

/// Where forged requests say they come from: another site, an opaque origin, our host over
/// the wrong scheme, a fetch the browser calls cross-site, and nothing at all.
const FORGERIES: &[&[(&str, &str)]] = &[
    &[("origin", "https://evil.example")],
    &[
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ],
    &[("origin", "null")],
    &[("origin", "https://sessionboard.test")],
    &[("sec-fetch-site", "same-site")],
    &[],
];

/// A form post to `function`, saying it comes from wherever `from`'s headers say.
async fn call_from(
    server: &TestServer,
    from: &[(&str, &str)],
    function: &str,
    cookie: Option<&str>,
    form: &str,
) -> Response<Body> {
    let mut request = Request::post(format!("/api/{function}"))
        .header(HOST, HOST_NAME)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(USER_AGENT, CHROME);
    for &(name, value) in from {
        request = request.header(name, value);
    }
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    server
        .send(request.body(Body::from(form.to_owned())).unwrap())
        .await
}

async fn json(response: Response<Body>) -> Value {
    serde_json::from_str(&body_text(response).await).unwrap()
}

/// The account the signed-in person owns (Henk: Ektek).
async fn owned_account(server: &TestServer, cookie: &str) -> i64 {
    let viewer = json(server.call("current_viewer", Some(cookie), "").await).await;
    let memberships = viewer["memberships"].as_array().unwrap();
    let owned = memberships.iter().find(|m| m["role"] == "owner").unwrap();
    owned["account_id"].as_i64().unwrap()
}

async fn stores_geolocation(server: &TestServer, cookie: &str, account: i64) -> bool {
    let response = server
        .call(
            "store_geolocation",
            Some(cookie),
            &format!("account={account}"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await.as_bool().unwrap()
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    let server = server().await;
    let marie = server.sign_in("marie@ektek.example").await;
    let henk = server.sign_in("henk@ektek.example").await;
    let laptop = server.sign_in("klaus@ektek.example").await;
    let phone = server.sign_in("klaus@ektek.example").await;
    let phone_id = server.current_session_id(&phone).await;
    let account = owned_account(&server, &henk).await;
    let geolocation = stores_geolocation(&server, &henk, account).await;
    let maries_sessions = server.my_sessions(&marie).await.1.as_array().unwrap().len();

    for from in FORGERIES {
        let sign_in = format!("email=marie@ektek.example&password={DEMO_PASSWORD}");
        let response = call_from(&server, from, "sign_in", None, &sign_in).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{from:?}");
        assert!(response.headers().get(SET_COOKIE).is_none(), "{from:?}");
        let reason = body_text(response).await;
        assert!(!reason.is_empty() && reason.len() < 100, "{reason}");

        let terminate = format!("id={phone_id}");
        let response = call_from(
            &server,
            from,
            "terminate_session",
            Some(&laptop),
            &terminate,
        );
        assert_eq!(response.await.status(), StatusCode::FORBIDDEN, "{from:?}");

        let flip = format!("account={account}&on={}", !geolocation);
        let response = call_from(&server, from, "set_store_geolocation", Some(&henk), &flip);
        assert_eq!(response.await.status(), StatusCode::FORBIDDEN, "{from:?}");
    }

    let (_, after) = server.my_sessions(&marie).await;
    assert_eq!(
        after.as_array().unwrap().len(),
        maries_sessions,
        "no session was opened"
    );
    assert_eq!(server.my_sessions(&phone).await.0, StatusCode::OK);
    assert_eq!(
        stores_geolocation(&server, &henk, account).await,
        geolocation
    );
}

#[tokio::test]
async fn same_origin_posts_are_accepted_by_origin_or_by_fetch_metadata() {
    let server = server().await;
    let henk = server.sign_in("henk@ektek.example").await;
    let account = owned_account(&server, &henk).await;
    let geolocation = stores_geolocation(&server, &henk, account).await;

    // `call` sends the server's own Origin.
    let flip = format!("account={account}&on={}", !geolocation);
    let response = server
        .call("set_store_geolocation", Some(&henk), &flip)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        stores_geolocation(&server, &henk, account).await,
        !geolocation
    );

    // Without Origin, the browser's own word that the fetch is same-origin.
    let same_origin = [("sec-fetch-site", "same-origin")];
    let sign_in = format!("email=marie@ektek.example&password={DEMO_PASSWORD}");
    let response = call_from(&server, &same_origin, "sign_in", None, &sign_in).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(SET_COOKIE).is_some());
}

#[tokio::test]
async fn the_origin_is_the_public_urls_when_one_is_configured() {
    let server = server_with(&["--public-url", "https://Sessions.Example.com/"]).await;
    assert_eq!(server.origin, "https://sessions.example.com");
    let sign_in = format!("email=marie@ektek.example&password={DEMO_PASSWORD}");
    // The request's own host no longer counts.
    let own_host = [("origin", "http://sessionboard.test")];
    let response = call_from(&server, &own_host, "sign_in", None, &sign_in).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let public = [("origin", "https://sessions.example.com")];
    let response = call_from(&server, &public, "sign_in", None, &sign_in).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn json_server_functions_refuse_other_content_types() {
    let server = server().await;
    let henk = server.sign_in("henk@ektek.example").await;
    let body = r#"{"query":{"view":"mine","filter":{},"after":null}}"#;
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let request = server
            .post("/api/sessions_page")
            .header(CONTENT_TYPE, content_type)
            .header(COOKIE, &henk)
            .body(Body::from(body))
            .unwrap();
        let response = server.send(request).await;
        assert_eq!(
            response.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
    }
    // The same function, as the app calls it.
    assert_eq!(server.my_sessions(&henk).await.0, StatusCode::OK);
}

#[tokio::test]
async fn pages_and_the_json_api_are_not_held_to_the_origin_check() {
    let server = server().await;
    let page = Request::get("/login")
        .header(HOST, HOST_NAME)
        .header(ORIGIN, "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert_eq!(server.send(page).await.status(), StatusCode::OK);

    // An application's back end, which is no browser: the API key is its credential.
    let (_, key) = server
        .operator
        .create_api_key("iOS app", KeyPowers::APPLICATION, "tests", Timestamp::now())
        .await
        .unwrap();
    let body = serde_json::json!({
        "email": "marie@ektek.example", "password": DEMO_PASSWORD,
        "user_agent": "okhttp/4.12.0", "ip": "192.0.2.7",
    });
    let request = Request::post("/api/v1/sessions")
        .header("x-api-key", key.reveal())
        .header(CONTENT_TYPE, "application/json")
        .header(ORIGIN, "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(body.to_string()))
        .unwrap();
    assert_eq!(server.send(request).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn signing_out_without_a_session_sets_no_cookie() {
    let server = server().await;
    let response = server.call("sign_out", None, "").await;
    assert!(
        !response.status().is_server_error(),
        "{}",
        response.status()
    );
    assert!(response.headers().get(SET_COOKIE).is_none());

    // A cookie naming a dead session is cleared once, by the cookie middleware.
    let cookie = server.sign_in("marie@ektek.example").await;
    let signed_out = server.call("sign_out", Some(&cookie), "").await;
    assert!(signed_out.headers().get(SET_COOKIE).is_some());
    let response = server.call("sign_out", Some(&cookie), "").await;
    let cookies: Vec<_> = response.headers().get_all(SET_COOKIE).iter().collect();
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].to_str().unwrap().contains("Max-Age=0"));
}

#[tokio::test]
async fn a_failed_sign_in_leaves_the_current_session_live() {
    let server = server().await;
    let cookie = server.sign_in("marie@ektek.example").await;
    let response = server
        .call(
            "sign_in",
            Some(&cookie),
            "email=marie@ektek.example&password=wrong",
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(server.my_sessions(&cookie).await.0, StatusCode::OK);

    // A successful one replaces it.
    let form = format!("email=marie@ektek.example&password={DEMO_PASSWORD}");
    let response = server.call("sign_in", Some(&cookie), &form).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(SET_COOKIE).is_some());
    assert_eq!(
        server.my_sessions(&cookie).await.0,
        StatusCode::UNAUTHORIZED
    );
}

// Security headers.

/// The nonce a Content-Security-Policy allows scripts by.
fn nonce_of(policy: &str) -> &str {
    let start = policy.find("'nonce-").expect("a nonce") + "'nonce-".len();
    let length = policy[start..].find('\'').unwrap();
    &policy[start..start + length]
}

/// The opening tags of the page's inline scripts (those without `src`).
fn inline_scripts(html: &str) -> Vec<&str> {
    html.match_indices("<script")
        .map(|(at, _)| &html[at..at + html[at..].find('>').unwrap()])
        .filter(|tag| !tag.contains(" src="))
        .collect()
}

/// The page's policy, after checking it allows exactly the page's inline scripts.
async fn checked_policy(response: Response<Body>) -> String {
    let policy = response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    let html = body_text(response).await;
    let nonce = nonce_of(&policy);
    assert!(nonce.len() >= 16, "{policy}");
    let scripts = inline_scripts(&html);
    assert!(
        !scripts.is_empty(),
        "the page hydrates with an inline script"
    );
    for tag in scripts {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "{tag} / {policy}"
        );
    }
    policy
}

#[tokio::test]
async fn pages_carry_a_policy_whose_nonce_is_on_every_inline_script() {
    let server = server().await;
    let henk = server.sign_in("henk@ektek.example").await;
    let mut nonces = Vec::new();
    for (path, cookie) in [("/login", None), ("/sessions", Some(henk.as_str()))] {
        let response = server.page(path, cookie).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()[X_FRAME_OPTIONS], "DENY");
        let policy = checked_policy(response).await;
        for directive in [
            "default-src 'self'",
            "'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
        nonces.push(nonce_of(&policy).to_owned());
    }
    assert_ne!(nonces[0], nonces[1], "a fresh nonce for every page");
}

#[tokio::test]
async fn the_api_docs_page_runs_only_its_own_inline_script() {
    let server = server().await;
    let request = Request::get("/api/v1/docs").body(Body::empty()).unwrap();
    let response = server.send(request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let policy = checked_policy(response).await;
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(
        !policy.contains("script-src 'self' 'unsafe-inline'"),
        "{policy}"
    );
}

#[tokio::test]
async fn other_answers_may_load_nothing_and_never_be_framed() {
    let server = server().await;
    for path in ["/healthz", "/api/v1/openapi.json", "/pkg/sessionboard.css"] {
        let response = server
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let policy = response.headers()[CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(policy.starts_with("default-src 'none'"), "{path}: {policy}");
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        assert_eq!(response.headers()[X_FRAME_OPTIONS], "DENY", "{path}");
    }
}

#[tokio::test]
async fn hsts_is_sent_only_when_the_public_url_is_https() {
    let https = server_with(&["--public-url", "https://sessions.example.com"]).await;
    for path in ["/login", "/healthz"] {
        let response = https.page(path, None).await;
        assert_eq!(
            response.headers()[STRICT_TRANSPORT_SECURITY],
            "max-age=31536000; includeSubDomains",
            "{path}"
        );
    }
    let plain = server().await;
    let http_public = server_with(&["--public-url", "http://sessions.example.com"]).await;
    for server in [plain, http_public] {
        let response = server.page("/login", None).await;
        assert!(response.headers().get(STRICT_TRANSPORT_SECURITY).is_none());
    }
}

#[tokio::test]
async fn signed_in_pages_and_token_answers_are_never_stored_but_assets_may_be() {
    let server = server().await;
    let henk = server.sign_in("henk@ektek.example").await;
    let page = server.page("/sessions", Some(&henk)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[CACHE_CONTROL], "no-store");

    let function = server.call("current_viewer", Some(&henk), "").await;
    assert_eq!(function.status(), StatusCode::OK);
    assert_eq!(function.headers()[CACHE_CONTROL], "no-store");

    let (_, key) = server
        .operator
        .create_api_key("iOS app", KeyPowers::APPLICATION, "tests", Timestamp::now())
        .await
        .unwrap();
    let body = serde_json::json!({
        "email": "marie@ektek.example", "password": DEMO_PASSWORD,
        "user_agent": "okhttp/4.12.0", "ip": "192.0.2.7",
    });
    let request = Request::post("/api/v1/sessions")
        .header("x-api-key", key.reveal())
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let answer = server.send(request).await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    assert_eq!(answer.headers()[CACHE_CONTROL], "no-store");

    let asset = server
        .send(
            Request::get("/pkg/sessionboard.css")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(asset.status(), StatusCode::OK);
    assert!(asset.headers().get(CACHE_CONTROL).is_none());
}

/// Signs Marie in as a browser behind a TLS-terminating proxy does: the proxy says
/// `X-Forwarded-Proto: https`, and the page's origin is https.
async fn sign_in_behind_tls(server: &TestServer, origin: &str) -> String {
    let request = Request::post("/api/sign_in")
        .header(HOST, HOST_NAME)
        .header(ORIGIN, origin)
        .header("x-forwarded-proto", "https")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(USER_AGENT, CHROME)
        .body(Body::from(format!(
            "email=marie@ektek.example&password={DEMO_PASSWORD}"
        )))
        .unwrap();
    let response = server.send(request).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.headers()[SET_COOKIE].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_trusted_proxy_saying_https_gets_the_secure_host_prefixed_cookie() {
    // The test peer is 81.2.69.142 (see `server_with`).
    let server = server_with(&["--trusted-proxies", "81.2.69.0/24"]).await;
    let cookie = sign_in_behind_tls(&server, "https://sessionboard.test").await;
    assert!(cookie.starts_with("__Host-sessionboard="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    let cookie = cookie.split(';').next().unwrap();

    // Read under the name the browser got, on requests that come the same way.
    let over_tls = |path: &str| {
        Request::get(path)
            .header(HOST, HOST_NAME)
            .header("x-forwarded-proto", "https")
            .header(COOKIE, cookie)
            .body(Body::empty())
            .unwrap()
    };
    let page = server.send(over_tls("/sessions")).await;
    assert_eq!(page.status(), StatusCode::OK);
    // Over plain http that cookie is not the session's: a browser would not have sent it.
    let plain = server.page("/sessions", Some(cookie)).await;
    assert_eq!(plain.status(), StatusCode::FOUND);

    // Signing out clears the same name.
    let sign_out = Request::post("/api/sign_out")
        .header(HOST, HOST_NAME)
        .header(ORIGIN, "https://sessionboard.test")
        .header("x-forwarded-proto", "https")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let response = server.send(sign_out).await;
    let clear = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(clear.starts_with("__Host-sessionboard=;"), "{clear}");
    assert!(
        clear.contains("Secure") && clear.contains("Max-Age=0"),
        "{clear}"
    );
}

#[tokio::test]
async fn an_untrusted_peer_saying_https_gets_the_plain_cookie() {
    let server = server().await;
    // Not believed: the request came over plain http, from http://sessionboard.test.
    let cookie = sign_in_behind_tls(&server, "http://sessionboard.test").await;
    assert!(cookie.starts_with("sessionboard="), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn a_board_downloads_as_csv_for_those_who_may_see_it_and_for_nobody_else() {
    let server = server().await;
    let henk = server.sign_in("henk@ektek.example").await;
    let marie = server.sign_in("marie@ektek.example").await;
    let ektek = owned_account(&server, &henk).await;
    let download = |path: String, cookie: Option<String>| {
        let server = &server;
        async move {
            let response = server.page(&path, cookie.as_deref()).await;
            let status = response.status();
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (status, content_type, body_text(response).await)
        }
    };
    let board = format!("/accounts/{ektek}/sessions.csv");

    // The owner gets the board as it is filtered: Marie's sessions only.
    let (status, content_type, text) =
        download(format!("{board}?q=marie"), Some(henk.clone())).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(content_type, "text/csv; charset=utf-8");
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("session_id,user_id,user,")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|row| row.contains(",Marie Schmidt,")),
        "{rows:?}"
    );

    // An employee, a stranger, and someone asking for every account get no rows.
    let (status, _, text) = download(board.clone(), Some(marie)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!text.contains("Henk Becker"));
    let (status, _, _) = download(board, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = download("/admin/sessions.csv".to_owned(), Some(henk.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A filter the engine refuses is a clear 400, not a half-written file.
    let (status, _, text) = download(
        format!("/accounts/{ektek}/sessions.csv?country=N1"),
        Some(henk),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("two-letter"), "{text}");
}
