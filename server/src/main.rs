use std::process::ExitCode;

use axum::serve::ListenerExt;
use clap::Parser;
use leptos::config::get_configuration;
use server::config::{ApiKeyAction, Command};
use server::startup::{build_engine, spawn_purge_job};
use server::{Config, build_state, router};
use sessionboard::model::{ApiKeyId, Timestamp};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sessionboard: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    match config.command.clone() {
        Some(Command::ApiKey { action }) => api_key(&config, action).await,
        Some(Command::Serve) | None => serve(config).await,
    }
}

async fn api_key(config: &Config, action: ApiKeyAction) -> Result<(), Box<dyn std::error::Error>> {
    let operator = build_engine(config).await?.operator;
    let now = Timestamp::now();
    match action {
        ApiKeyAction::Create {
            application,
            admin,
            label,
        } => {
            let (id, secret) = operator
                .create_api_key(&application, admin, &label, now)
                .await?;
            let scope = if admin { " (platform-wide)" } else { "" };
            println!("Created API key {id} for {application:?}{scope}.");
            println!("Send it as the X-Api-Key header. It is shown only now:");
            println!("{}", secret.reveal());
        }
        ApiKeyAction::Revoke { id } => {
            operator.revoke_api_key(ApiKeyId(id), now).await?;
            println!("Revoked API key {id}.");
        }
    }
    Ok(())
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let leptos_options = get_configuration(None)?.leptos_options;
    let address = leptos_options.site_addr;
    let engine = build_engine(&config).await?;
    let state = build_state(&config, leptos_options, &engine)?;
    let demo_world = engine.demo_world;
    spawn_purge_job(engine.operator, config.purge_after);
    let app = router(state);

    // Leptos streams pages in several chunks; without TCP_NODELAY each one waits for the
    // peer's delayed ACK (tens of milliseconds per page).
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| format!("cannot listen on {address}: {error}"))?
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    println!("Sessionboard is running at http://{address}");
    if demo_world {
        println!(
            "  demo world: sign in as {} with password {:?} (see README.md)",
            sessionboard::seed::DEMO_OWNER_EMAIL,
            sessionboard::seed::DEMO_PASSWORD
        );
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
