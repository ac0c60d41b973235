//! The machine's ceiling: a do-nothing axum server, run as a process of its own, that the
//! token validation is compared against.

use std::net::SocketAddr;
use std::time::Duration;

use sessionboard_bench::Error;
use sessionboard_bench::loopback::Client;

/// The ceiling: what a do-nothing axum handler serves on this machine, with the same runtime
/// and socket options as the real server.
pub async fn ceiling(port: u16) -> Result<(), Error> {
    use axum::serve::ListenerExt;
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(|| async {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                r#"{"ok":true}"#,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await?
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    axum::serve(listener, app).await?;
    Ok(())
}

/// The ceiling server, in a process of its own like the real one.
pub struct CeilingProcess {
    child: std::process::Child,
    pub address: SocketAddr,
}

impl CeilingProcess {
    pub async fn start(port: u16) -> Result<Self, Error> {
        let child = std::process::Command::new(std::env::current_exe()?)
            .args(["ceiling", "--port", &port.to_string()])
            .spawn()?;
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        for _ in 0..200 {
            if let Ok(mut client) = Client::connect(address).await
                && client.get("/", &[]).await.is_ok()
            {
                return Ok(Self { child, address });
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err("the ceiling server did not start".into())
    }
}

impl Drop for CeilingProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
