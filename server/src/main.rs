use std::process::ExitCode;

use axum::serve::ListenerExt;
use clap::Parser;
use leptos::config::get_configuration;
use server::config::{ApiKeyAction, Command};
use server::startup::build_service;
use server::{Config, build_state, router};
use sessionboard::model::{ApiKeyId, Timestamp};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    // Bulk seeding runs statements of a minute by design: sqlx's slow-statement warnings would
    // only be noise there.
    let default_filter = match config.command {
        Some(Command::SeedBulk { .. }) => "info,sqlx=error",
        _ => "info,sqlx=warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter)),
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
        Some(Command::SeedBulk {
            accounts,
            users,
            sessions,
        }) => seed_bulk(&config, accounts, users, sessions).await,
        Some(Command::Serve) | None => serve(config).await,
    }
}

async fn api_key(config: &Config, action: ApiKeyAction) -> Result<(), Box<dyn std::error::Error>> {
    let service = build_service(config).await?;
    let now = Timestamp::now();
    match action {
        ApiKeyAction::Create {
            application,
            admin,
            label,
        } => {
            let (id, secret) = service
                .create_api_key(&application, admin, &label, now)
                .await?;
            let scope = if admin { " (platform-wide)" } else { "" };
            println!("Created API key {id} for {application:?}{scope}.");
            println!("Send it as the X-Api-Key header. It is shown only now:");
            println!("{}", secret.reveal());
        }
        ApiKeyAction::Revoke { id } => {
            service.revoke_api_key(ApiKeyId(id), now).await?;
            println!("Revoked API key {id}.");
        }
    }
    Ok(())
}

async fn seed_bulk(
    config: &Config,
    accounts: u32,
    users: u32,
    sessions: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    if accounts == 0 || users < accounts {
        return Err("need at least one account, and at least as many users as accounts".into());
    }
    let started = std::time::Instant::now();
    let store = server::startup::open_store(&config.database_url).await?;
    let password_hash = sessionboard::password::hash_password(sessionboard::seed::DEMO_PASSWORD)?;
    store
        .seed_bulk(&sessionboard::store::BulkPlan {
            accounts,
            users,
            sessions,
            password_hash: &password_hash,
            now: Timestamp::now(),
            spread: std::time::Duration::from_secs(20 * 24 * 3600),
        })
        .await?;
    println!(
        "Seeded {accounts} accounts, {users} users and {sessions} sessions in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let leptos_options = get_configuration(None)?.leptos_options;
    let address = leptos_options.site_addr;
    let state = build_state(&config, leptos_options).await?;
    server::startup::spawn_purge_job(state.app.service.clone(), config.purge_after);
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
    println!("  sign in as henk@ektek.example with password \"sessionboard\" (see README.md)");
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
