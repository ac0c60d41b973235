use std::path::Path;
use std::process::ExitCode;

use axum::serve::ListenerExt;
use clap::Parser;
use leptos::config::get_configuration;
use server::config::{AccountAction, ApiKeyAction, ApplicationAction, Command, UserAction};
use server::startup::{
    base_url, build_engine, demo_world_exposure, open_setup_link, spawn_alert_mails,
    spawn_purge_job, spawn_webhooks,
};
use server::{Config, build_state, router};
use sessionboard::model::{ApiKeyId, KeyPowers, PasswordLink, Timestamp};
use sessionboard::service::{ImportError, NewPerson, Operator, PASSWORD_LINK_LIFETIME};
use tracing_subscriber::EnvFilter;

/// Password checks allocate 19 MiB each on whichever blocking thread runs them; jemalloc gives
/// that memory back after a burst (see `return_freed_memory`), the system allocator kept it.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    return_freed_memory();
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sessionboard: {error}");
            ExitCode::FAILURE
        }
    }
}

/// jemalloc purges freed pages only when the allocating threads come back to it; its background
/// thread does so on a timer (about ten seconds after a burst), so memory returns to the
/// operating system even when the server goes quiet.
fn return_freed_memory() {
    #[cfg(not(target_env = "msvc"))]
    if let Err(error) = tikv_jemalloc_ctl::background_thread::write(true) {
        tracing::warn!(%error, "jemalloc's background thread could not start");
    }
}

async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    match config.command.clone() {
        Some(Command::ApiKey { action }) => api_key(&config, action).await,
        Some(Command::User { action }) => user(&config, action).await,
        Some(Command::Account { action }) => account(&config, action).await,
        Some(Command::Application { action }) => application(&config, action).await,
        Some(Command::Import { file }) => import(&config, &file).await,
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
            trusted,
            directory,
            label,
        } => {
            let powers = KeyPowers {
                platform_wide: admin,
                trusted,
                directory,
            };
            let (id, secret) = operator
                .create_api_key(&application, powers, &label, now)
                .await?;
            println!(
                "Created API key {id} for {application:?} ({}).",
                powers.label()
            );
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

async fn user(config: &Config, action: UserAction) -> Result<(), Box<dyn std::error::Error>> {
    let operator = build_engine(config).await?.operator;
    let now = Timestamp::now();
    match action {
        UserAction::Create {
            email,
            name,
            account,
            platform_admin,
        } => create_user(&operator, &email, &name, account.as_deref(), platform_admin).await?,
        UserAction::Deactivate { email } => {
            let ended = operator.deactivate_user(&email, now).await?;
            println!("Deactivated {email}: they cannot sign in. Sessions ended: {ended}.");
        }
        UserAction::ResetPassword {
            email,
            keep_sessions,
        } => {
            // Before the reset: a link that cannot be printed would be lost.
            let base = link_base(config)?;
            let link = operator.reset_password(&email, !keep_sessions, now).await?;
            let sessions = if keep_sessions {
                "their sessions were kept"
            } else {
                "their sessions ended"
            };
            println!("Reset the password of {email}: the old one no longer works, and {sessions}.");
            print_links(&base, &[(email, link)]);
        }
    }
    Ok(())
}

async fn create_user(
    operator: &Operator,
    email: &str,
    name: &str,
    account: Option<&str>,
    platform_admin: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let password = read_password()?;
    let person = NewPerson {
        email,
        name,
        password: &password,
        account,
        is_platform_admin: platform_admin,
    };
    let id = operator.create_user(person, Timestamp::now()).await?;
    let role = if platform_admin {
        "platform admin"
    } else {
        "account owner"
    };
    println!("Created user {id} ({email}), {role}. They can sign in now.");
    Ok(())
}

async fn account(config: &Config, action: AccountAction) -> Result<(), Box<dyn std::error::Error>> {
    let AccountAction::Create { name } = action;
    let operator = build_engine(config).await?.operator;
    let id = operator.create_account(&name, Timestamp::now()).await?;
    println!("Created account {id}, {:?}.", name.trim());
    Ok(())
}

async fn application(
    config: &Config,
    action: ApplicationAction,
) -> Result<(), Box<dyn std::error::Error>> {
    let ApplicationAction::Create { name } = action;
    let operator = build_engine(config).await?.operator;
    let id = operator.create_application(&name, Timestamp::now()).await?;
    println!("Created application {id}, {:?}.", name.trim());
    Ok(())
}

/// `sessionboard import FILE.csv`: with any bad row, every one goes to stderr and nothing is
/// written.
async fn import(config: &Config, file: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let csv = std::fs::File::open(file)
        .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
    // Worked out before anything is written, so that a configuration error writes nothing.
    let base = link_base(config)?;
    let operator = build_engine(config).await?.operator;
    let report = match operator.import_csv(csv, Timestamp::now()).await {
        Ok(report) => report,
        Err(ImportError::BadRows(rows)) => {
            for row in &rows {
                eprintln!("{}: {row}", file.display());
            }
            return Err(format!("{} bad rows; nothing was imported", rows.len()).into());
        }
        Err(error) => return Err(error.into()),
    };
    println!("accounts: {}", report.accounts);
    println!("people: {}", report.people);
    println!("memberships: {}", report.memberships);
    print_links(&base, &report.links);
    Ok(())
}

/// Where set-password links point: the base `serve` puts in front of the setup link.
fn link_base(config: &Config) -> Result<String, Box<dyn std::error::Error>> {
    let address = get_configuration(None)?.leptos_options.site_addr;
    Ok(base_url(config, address))
}

/// Set-password links for the operator to hand over, one per person: printed, never logged.
fn print_links(base: &str, links: &[(String, PasswordLink)]) {
    let Some(width) = links.iter().map(|(email, _)| email.len()).max() else {
        return;
    };
    let hours = PASSWORD_LINK_LIFETIME.as_secs() / 3600;
    let noun = if links.len() == 1 { "link" } else { "links" };
    println!("Set-password {noun} (valid {hours} hours, shown once):");
    for (email, link) in links {
        println!("{email:width$}  {base}{}", link.path);
    }
}

/// The new person's password: `SESSIONBOARD_PASSWORD` if set, else one line of standard input.
/// Never a flag, which other users of the machine could read in the process list.
fn read_password() -> Result<String, Box<dyn std::error::Error>> {
    use std::io::IsTerminal;
    if let Ok(password) = std::env::var("SESSIONBOARD_PASSWORD") {
        return Ok(password);
    }
    if std::io::stdin().is_terminal() {
        // Without a dependency to hide the typing; piping it in or the variable avoids that.
        eprint!("Password (at least 12 characters; shown as you type): ");
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    if config.public_url.is_none() {
        tracing::warn!(
            "no --public-url (SESSIONBOARD_PUBLIC_URL): forms are accepted from whatever origin \
             each request's Host header names, and the session cookie is Secure only when a \
             trusted proxy says the request came over https; set it when serving people"
        );
    }
    let leptos_options = get_configuration(None)?.leptos_options;
    let address = leptos_options.site_addr;
    let engine = build_engine(&config).await?;
    let state = build_state(&config, leptos_options, &engine)?;
    let demo_world = engine.demo_world;
    let setup_link = open_setup_link(&engine.operator, &base_url(&config, address)).await?;
    spawn_alert_mails(&config, &engine.operator, base_url(&config, address))?;
    spawn_webhooks(&engine.operator);
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
    if let Some(warning) = demo_world_exposure(demo_world, config.public_url.as_deref(), address) {
        tracing::warn!("{warning}");
        println!("  WARNING: {warning}");
    }
    if let Some(link) = setup_link {
        // Printed, not logged: whoever opens it first becomes the platform admin.
        println!("  first start: create the first admin at {link}");
        println!("  (valid until used; or run `sessionboard user create --platform-admin`)");
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
