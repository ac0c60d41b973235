//! What the server's tests share: the real router over a fresh SQLite file (seeded with the
//! demo world) and the real user-agent regexes, driven without a socket.
#![allow(dead_code)] // each test binary uses a different part

use std::net::SocketAddr;
use std::path::Path;

use app::pages::sessions::api::BoardQuery;
use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::header::{ACCEPT, CONTENT_TYPE, COOKIE, HOST, ORIGIN, SET_COOKIE, USER_AGENT};
use axum::http::{Request, Response, StatusCode, request};
use clap::Parser;
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::startup::build_engine;
use server::{Config, build_state, router};
use sessionboard::model::{SessionFilter, SessionsView};
use sessionboard::seed::DEMO_PASSWORD;
use tower::ServiceExt;

pub const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// The host every test request names in `Host`.
pub const HOST_NAME: &str = "sessionboard.test";

pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub app: Router,
    pub service: std::sync::Arc<sessionboard::SessionService>,
    /// What the command line would do (API keys, the purge).
    pub operator: sessionboard::Operator,
    /// What a browser on one of this server's pages sends as `Origin`: the public URL's origin
    /// when one is configured, else `http://` and [`HOST_NAME`].
    pub origin: String,
}

pub async fn server_with(extra_args: &[&str]) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let database = dir.path().join("sessions.db");
    let regexes = root.join("data/uap-core/regexes.yaml");
    let mut args = vec![
        "sessionboard",
        "--database-url",
        database.to_str().unwrap(),
        "--ua-regexes",
        regexes.to_str().unwrap(),
        "--geoip",
        "",
        // Most tests sign in as demo people; `server_without_demo` turns it off again (the
        // last of a repeated flag wins).
        "--seed-demo",
        "true",
    ];
    args.extend_from_slice(extra_args);
    let config = Config::parse_from(args);
    // Static files come from the test's own directory: one stylesheet, as `cargo leptos`
    // would have built it.
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/sessionboard.css"), "body { margin: 0 }").unwrap();
    let options = LeptosOptions::builder()
        .output_name("sessionboard")
        .site_root(site.to_str().unwrap())
        .build();
    let engine = build_engine(&config).await.expect("server starts");
    let state = build_state(&config, options, &engine).expect("server starts");
    let service = state.service.clone();
    let operator = engine.operator;
    let origin = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{HOST_NAME}"));
    let app = router(state).layer(MockConnectInfo(SocketAddr::from((
        [81, 2, 69, 142],
        50_000,
    ))));
    TestServer {
        dir,
        app,
        service,
        operator,
        origin,
    }
}

pub async fn server() -> TestServer {
    server_with(&[]).await
}

/// A server on an empty database, as in production: no demo world, a first admin to set up.
pub async fn server_without_demo() -> TestServer {
    server_with(&["--seed-demo", "false"]).await
}

pub async fn body_text(response: Response<Body>) -> String {
    let bytes = within_a_minute("a response body", response.into_body().collect())
        .await
        .unwrap()
        .to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Awaits `work`, failing the test with `what` if it takes over a minute: a server that stops
/// answering (a deadlock in a page's rendering) fails its test instead of hanging the suite.
pub async fn within_a_minute<T>(what: &str, work: impl Future<Output = T>) -> T {
    match tokio::time::timeout(std::time::Duration::from_secs(60), work).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: no answer within a minute"),
    }
}

impl TestServer {
    pub async fn send(&self, request: Request<Body>) -> Response<Body> {
        let path = request.uri().to_string();
        within_a_minute(&path, self.app.clone().oneshot(request))
            .await
            .unwrap()
    }

    /// A `POST` as a browser sends it from one of this server's pages: `Host`, and an `Origin`
    /// that is the server's own.
    pub fn post(&self, path: &str) -> request::Builder {
        Request::post(path)
            .header(HOST, HOST_NAME)
            .header(ORIGIN, &self.origin)
            .header(USER_AGENT, CHROME)
    }

    /// Loads a page as a browser does.
    pub async fn page(&self, path: &str, cookie: Option<&str>) -> Response<Body> {
        let mut request = Request::get(path)
            .header(HOST, HOST_NAME)
            .header(ACCEPT, "text/html,*/*;q=0.8");
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    pub async fn call(&self, function: &str, cookie: Option<&str>, form: &str) -> Response<Body> {
        let mut request = self
            .post(&format!("/api/{function}"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        self.send(request.body(Body::from(form.to_owned())).unwrap())
            .await
    }

    /// Signs in and returns the `name=value` pair to send back as a cookie.
    pub async fn sign_in(&self, email: &str) -> String {
        let response = self
            .call(
                "sign_in",
                None,
                &format!("email={email}&password={DEMO_PASSWORD}"),
            )
            .await;
        assert!(response.status().is_success(), "{}", response.status());
        let set_cookie = response
            .headers()
            .get(SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        set_cookie.split(';').next().unwrap().to_owned()
    }

    /// The first page of "my sessions", as the page's own server function returns it: the
    /// sessions on success, the error otherwise.
    pub async fn my_sessions(&self, cookie: &str) -> (StatusCode, serde_json::Value) {
        let query = BoardQuery {
            view: SessionsView::Mine,
            filter: SessionFilter::default(),
            after: None,
        };
        let request = self
            .post("/api/sessions_page")
            .header(CONTENT_TYPE, "application/json")
            .header(COOKIE, cookie)
            .body(Body::from(
                serde_json::json!({ "query": query }).to_string(),
            ))
            .unwrap();
        let response = self.send(request).await;
        let status = response.status();
        let body: serde_json::Value = serde_json::from_str(&body_text(response).await).unwrap();
        match status {
            StatusCode::OK => (status, body["items"].clone()),
            _ => (status, body),
        }
    }

    pub async fn current_session_id(&self, cookie: &str) -> i64 {
        let (_, sessions) = self.my_sessions(cookie).await;
        sessions
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["is_current"] == true)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    }
}
