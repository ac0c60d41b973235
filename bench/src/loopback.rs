//! Running Sessionboard server processes on this machine and talking to them over loopback:
//! what the cluster test and the benchmarks share.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use crate::Error;

/// A free TCP port on loopback (free when asked; good enough for a test machine).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A server process, killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub address: SocketAddr,
    pub log: PathBuf,
}

impl ServerProcess {
    /// Starts `binary` on a free port with `--database-url database` and `args`, and waits
    /// until it answers `/readyz`. `root` is the checkout (for the user-agent regexes).
    pub async fn start(
        binary: &Path,
        root: &Path,
        database: &str,
        args: &[&str],
        log: PathBuf,
    ) -> Result<Self, Error> {
        let address = SocketAddr::from(([127, 0, 0, 1], free_port()?));
        let log_file = std::fs::File::create(&log)?;
        let child = Command::new(binary)
            .current_dir(root)
            .args(["--database-url", database])
            .args(args)
            .env("LEPTOS_OUTPUT_NAME", "sessionboard")
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("LEPTOS_SITE_PKG_DIR", "pkg")
            .env("LEPTOS_ENV", "PROD")
            .env("LEPTOS_SITE_ADDR", address.to_string())
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("warn".into()),
            )
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
        let mut server = Self {
            child,
            address,
            log,
        };
        server.wait_ready(Duration::from_secs(60)).await?;
        Ok(server)
    }

    async fn wait_ready(&mut self, limit: Duration) -> Result<(), Error> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                return Err(format!("the server exited ({status}) during startup:\n{log}").into());
            }
            if let Ok(mut client) = Client::connect(self.address).await
                && let Ok((status, _)) = client.get("/readyz", &[]).await
                && status == StatusCode::OK
            {
                return Ok(());
            }
            if start.elapsed() > limit {
                return Err(format!("the server was not ready within {limit:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident and peak resident memory, in bytes, from `/proc` (Linux).
    pub fn memory(&self) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find(|line| line.starts_with(name))?
                .split_whitespace()
                .nth(1)?
                .parse::<u64>()
                .ok()
                .map(|kib| kib * 1024)
        };
        Some((field("VmRSS:")?, field("VmHWM:")?))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One keep-alive HTTP/1.1 connection.
pub struct Client {
    sender: SendRequest<Full<Bytes>>,
    address: SocketAddr,
}

impl Client {
    pub async fn connect(address: SocketAddr) -> Result<Self, Error> {
        let stream = tokio::net::TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Self { sender, address })
    }

    pub async fn get(
        &mut self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<(StatusCode, Bytes), Error> {
        self.send(Method::GET, path, headers, None).await
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        json: Option<&serde_json::Value>,
    ) -> Result<(StatusCode, Bytes), Error> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.address.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match json {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Full::new(Bytes::from(serde_json::to_vec(json)?))
            }
            None => Full::new(Bytes::new()),
        };
        self.sender.ready().await?;
        let response = self.sender.send_request(request.body(body)?).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

/// A session for `email` (password `password`) through `POST /api/v1/sessions`: its token
/// and id.
pub async fn sign_in(
    client: &mut Client,
    api_key: &str,
    email: &str,
    password: &str,
) -> Result<(String, i64), Error> {
    let body = serde_json::json!({
        "email": email,
        "password": password,
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "ip": "81.2.69.142",
    });
    let (status, bytes) = client
        .send(
            Method::POST,
            "/api/v1/sessions",
            &[("x-api-key", api_key)],
            Some(&body),
        )
        .await?;
    if status != StatusCode::CREATED {
        return Err(format!(
            "sign-in failed: {status} {}",
            String::from_utf8_lossy(&bytes)
        )
        .into());
    }
    let answer: serde_json::Value = serde_json::from_slice(&bytes)?;
    let token = answer["token"].as_str().ok_or("no token")?.to_owned();
    let id = answer["session_id"].as_i64().ok_or("no session id")?;
    Ok((token, id))
}

/// Creates (anew) the PostgreSQL schema `schema` in the database at `url`, with the trigram
/// extension it needs; returns the URL that puts a server in it.
pub async fn fresh_postgres_schema(url: &str, schema: &str) -> Result<String, Error> {
    let admin = sqlx::PgPool::connect(url).await?;
    for statement in [
        format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public".to_owned(),
        format!("CREATE SCHEMA {schema}"),
    ] {
        sqlx::query(&statement).execute(&admin).await?;
    }
    admin.close().await;
    let separator = if url.contains('?') { '&' } else { '?' };
    Ok(format!(
        "{url}{separator}options=-c%20search_path%3D{schema},public"
    ))
}

pub async fn drop_postgres_schema(url: &str, schema: &str) -> Result<(), Error> {
    let admin = sqlx::PgPool::connect(url).await?;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .execute(&admin)
        .await?;
    admin.close().await;
    Ok(())
}

/// Creates an API key with the `api-key create` command; returns its secret.
pub fn create_api_key(
    binary: &Path,
    root: &Path,
    database: &str,
    application: &str,
    admin: bool,
) -> Result<String, Error> {
    let mut command = Command::new(binary);
    command
        .current_dir(root)
        .args([
            "--database-url",
            database,
            "--seed-demo",
            "false",
            "--geoip",
            "",
        ])
        .args(["api-key", "create", "--application", application]);
    if admin {
        command.arg("--admin");
    }
    let output = command.output()?;
    if !output.status.success() {
        return Err(format!(
            "api-key create failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    String::from_utf8(output.stdout)?
        .lines()
        .find(|line| line.starts_with("sbk_"))
        .map(str::to_owned)
        .ok_or_else(|| "api-key create printed no key".into())
}

/// How long after one server (`terminator`) confirmed a session's termination another
/// (`observer`, which had it cached) first refused it. Polls back-to-back.
pub async fn revocation_window(
    terminator: &mut Client,
    observer: &mut Client,
    api_key: &str,
    platform_key: &str,
    token: &str,
    session_id: i64,
    limit: Duration,
) -> Result<Duration, Error> {
    let bearer = format!("Bearer {token}");
    let device = [("x-api-key", api_key), ("authorization", bearer.as_str())];
    for _ in 0..2 {
        let (status, _) = observer.get("/api/v1/session", &device).await?;
        if status != StatusCode::OK {
            return Err(format!("the observer refused a live session: {status}").into());
        }
    }
    let (status, _) = terminator
        .send(
            Method::DELETE,
            &format!("/api/v1/sessions/{session_id}"),
            &[("x-api-key", platform_key)],
            None,
        )
        .await?;
    if status != StatusCode::NO_CONTENT {
        return Err(format!("termination failed: {status}").into());
    }
    let confirmed = Instant::now();
    loop {
        let (status, _) = observer.get("/api/v1/session", &device).await?;
        if status == StatusCode::UNAUTHORIZED {
            return Ok(confirmed.elapsed());
        }
        if confirmed.elapsed() > limit {
            return Err(format!("still accepted {limit:?} after the termination").into());
        }
    }
}
