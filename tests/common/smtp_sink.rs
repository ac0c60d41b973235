//! The real SMTP server the alert-mail tests send to: `scripts/smtp_sink.py` (aiosmtpd, from
//! the Python test tools `scripts/bootstrap.sh e2e` installs), as a child process that dies
//! with the test. Shared by the engine's and the server's tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

/// The Python with aiosmtpd: `SESSIONBOARD_TEST_PYTHON`, or the test tools' virtualenv.
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("SESSIONBOARD_TEST_PYTHON") {
        return python.into();
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache"));
    let python = cache.join("sessionboard/schemathesis/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `scripts/bootstrap.sh e2e` first (it installs aiosmtpd)",
        python.display()
    );
    python
}

/// A port nothing listens on (a moment ago).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    /// Starts a sink storing what it receives under `dir`, on `port` or a free one.
    pub fn start(dir: &Path, port: Option<u16>) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|dir| dir.join("scripts/smtp_sink.py"))
            .find(|script| script.exists())
            .expect("scripts/smtp_sink.py");
        let mut command = Command::new(python());
        command.arg(script).arg(dir);
        if let Some(port) = port {
            command.arg(port.to_string());
        }
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the SMTP sink");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the SMTP sink did not start: {line:?}"));
        Self {
            child,
            port,
            dir: dir.to_owned(),
        }
    }

    /// The raw messages received so far, in order.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|path| std::fs::read(path).unwrap())
            .collect()
    }

    /// Waits (up to `within`) until `count` messages arrived; returns all there are.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + within;
        loop {
            let messages = self.messages();
            if messages.len() >= count || Instant::now() > deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
