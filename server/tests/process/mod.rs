//! The real server binary as a process, for tests that must kill it (SIGKILL) and start it
//! again on the same SQLite file: what survives is only what was committed.
#![allow(dead_code)] // each test binary uses a different part

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary, with this test's database and the demo world, from the workspace (its data
/// files); `env` adds or overrides settings.
pub fn sessionboard(db: &Path, env: &[(&str, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sessionboard"));
    command
        .current_dir(workspace())
        .env(
            "SESSIONBOARD_DATABASE_URL",
            format!("sqlite:{}", db.display()),
        )
        .env("SESSIONBOARD_SEED_DEMO", "true")
        .env("RUST_LOG", "warn");
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// Creates an API key for `application` with the command line; returns its secret.
pub fn api_key(db: &Path, application: &str) -> String {
    let created = sessionboard(db, &[])
        .args([
            "api-key",
            "create",
            "--application",
            application,
            "--label",
            "crash test",
        ])
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    let key = String::from_utf8(created.stdout).unwrap();
    key.lines().last().unwrap().trim().to_owned()
}

pub struct Server {
    child: Child,
    port: u16,
}

impl Server {
    pub fn start(db: &Path, env: &[(&str, String)], log: &Path) -> Self {
        let port = free_port();
        let child = sessionboard(db, env)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("LEPTOS_OUTPUT_NAME", "sessionboard")
            .env("LEPTOS_ENV", "PROD")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap();
        let mut server = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while server.request("GET", "/healthz", None, None).0 != 200 {
            assert!(
                server.child.try_wait().unwrap().is_none(),
                "the server exited: {}",
                std::fs::read_to_string(log).unwrap()
            );
            assert!(Instant::now() < deadline, "the server did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// One HTTP/1.1 request; (status, body). Status 0 when nothing answers.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, String) {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return (0, String::new());
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let body = body.map(Value::to_string).unwrap_or_default();
        let key = key
            .map(|key| format!("X-Api-Key: {key}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{key}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return (0, String::new());
        }
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// SIGKILL: no shutdown, nothing flushed that was not committed.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
