//! Building the server from its configuration: database, tracking data, demo world, the
//! first-admin setup link.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use app::ssr::SessionCookie;
use leptos::config::LeptosOptions;
use sessionboard::cache::CachePolicy;
use sessionboard::limit::SignInLimits;
use sessionboard::mail::Mailer;
use sessionboard::model::Timestamp;
use sessionboard::password_queue::PasswordQueuePolicy;
use sessionboard::seed::{DEMO_PASSWORD, seed_demo_world_if_empty};
use sessionboard::service::{WebhookPolicy, spawn_alert_sender, spawn_webhook_sender};
use sessionboard::store::{PostgresStore, SqliteStore, Store};
use sessionboard::track::{GeoIp, Tracker, TrustedProxies, UserAgentTracker};
use sessionboard::webhook::HttpTransport;
use sessionboard::{Operator, SessionPolicy};

use crate::config::Config;
use crate::state::AppState;

/// Why the server could not start. Each says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{}", .0.report())]
    Engine(#[from] sessionboard::Error),
    #[error("invalid --trusted-proxies: {0}")]
    TrustedProxies(String),
    #[error("unsupported database URL {0:?}: use postgres://…, sqlite:… or a file path")]
    UnsupportedDatabase(String),
    #[error(
        "session lifetimes: the idle timeout must be positive and no longer than the absolute lifetime"
    )]
    Lifetimes,
    #[error("{0}")]
    Mail(#[from] sessionboard::mail::MailError),
}

/// Opens and migrates the database the URL names: PostgreSQL for `postgres://` (or
/// `postgresql://`), otherwise SQLite.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>, StartupError> {
    let store: Arc<dyn Store> =
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Arc::new(PostgresStore::connect(url).await?)
        } else if url.contains("://") && !url.starts_with("sqlite:") {
            return Err(StartupError::UnsupportedDatabase(url.to_owned()));
        } else {
            Arc::new(SqliteStore::open(url).await?)
        };
    store.migrate().await?;
    Ok(store)
}

/// Deletes sessions long past their end, once an hour, for as long as the server runs.
pub fn spawn_purge_job(operator: Operator, retention: Duration) {
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            match operator.purge_expired(Timestamp::now(), retention).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "purged sessions past their retention"),
                Err(error) => {
                    tracing::warn!(error = %error.report(), "purging old sessions failed; will retry")
                }
            }
        }
    });
}

/// Sends alert mails through the configured SMTP server, if there is one, with links under
/// `base_url`.
pub fn spawn_alert_mails(
    config: &Config,
    operator: &Operator,
    base_url: String,
) -> Result<(), StartupError> {
    let Some(settings) = config.smtp() else {
        tracing::info!("no --smtp-host: flagged sign-ins show on people's pages, without mail");
        return Ok(());
    };
    let (host, port) = (settings.host.clone(), settings.port);
    let mailer = Mailer::new(settings)?;
    spawn_alert_sender(operator.service().clone(), mailer, base_url);
    tracing::info!(%host, port, "alert mails go through this SMTP server");
    Ok(())
}

/// Delivers webhooks from this server, beside every other server sharing the database.
pub fn spawn_webhooks(operator: &Operator) {
    let service = operator.service().clone();
    let transport = HttpTransport::new(service.webhook_policy());
    spawn_webhook_sender(service, Arc::new(transport));
}

/// Opens the GeoIP databases. A missing or broken file is not fatal: sessions then show
/// "Unknown location", and the log says which file and why.
pub fn open_geoip(config: &Config) -> GeoIp {
    let files = config.geoip_files();
    if files.is_empty() {
        tracing::warn!("no GeoIP database configured: locations will show as unknown");
        return GeoIp::none();
    }
    match GeoIp::open(&files) {
        Ok(geoip) => {
            tracing::info!(files = ?files, "GeoIP databases loaded");
            geoip
        }
        Err(error) => {
            tracing::warn!(%error, "GeoIP unavailable: locations will show as unknown");
            GeoIp::none()
        }
    }
}

/// What request handlers share, around the engine's service.
pub fn build_state(
    config: &Config,
    leptos_options: LeptosOptions,
    engine: &Engine,
) -> Result<AppState, StartupError> {
    let trusted_proxies = TrustedProxies::parse(&config.trusted_proxies)
        .map_err(StartupError::TrustedProxies)?
        .with_header(config.client_ip_header.into());
    Ok(AppState {
        leptos_options,
        service: engine.operator.service().clone(),
        cookies: SessionCookie {
            secure: config.secure_cookies(),
            max_age: config.absolute_lifetime,
        },
        trusted_proxies: Arc::new(trusted_proxies),
        // Already reduced to its origin by `--public-url`'s parser (`csrf::parse_public_url`).
        public_origin: config.public_url.clone(),
    })
}

/// The session engine, as startup code holds it.
pub struct Engine {
    /// The operator's handle (and through it, the service request handlers get).
    pub operator: Operator,
    /// Whether the database holds the demo world (seeded now or on an earlier start, asked
    /// for or not), so that its sign-in is worth telling, and its exposure worth a warning.
    pub demo_world: bool,
}

/// The session engine as the configuration describes it: the database (migrated, and seeded
/// with the demo world when empty and asked to), tracking data, lifetimes.
pub async fn build_engine(config: &Config) -> Result<Engine, StartupError> {
    if config.idle_timeout.is_zero() || config.idle_timeout > config.absolute_lifetime {
        return Err(StartupError::Lifetimes);
    }
    let store = open_store(&config.database_url).await?;
    let user_agents = UserAgentTracker::from_regexes_file(&config.ua_regexes)?;
    let tracker = Tracker {
        user_agents: Arc::new(user_agents),
        geoip: open_geoip(config),
    };
    let policy = SessionPolicy {
        idle_timeout: config.idle_timeout,
        absolute_lifetime: config.absolute_lifetime,
        impersonation_max: config.impersonation_timeout,
        touch_interval: Duration::from_secs(60),
        sign_in_limits: SignInLimits {
            per_ip_per_minute: config.sign_in_limit_per_ip,
            per_email_per_minute: config.sign_in_limit_per_email,
            per_api_key_per_minute: config.sign_in_limit_per_api_key,
        },
        cache: CachePolicy {
            ttl: config.validation_cache_ttl,
            capacity: config.validation_cache_size,
        },
        // One argon2 check per core at a time; see `sessionboard::password_queue`.
        password_checks: PasswordQueuePolicy::default(),
        // `serve` starts the sender (`spawn_alert_mails`) whenever this is on.
        alert_mails: config.smtp().is_some(),
        webhooks: WebhookPolicy {
            allow_private_networks: config.webhooks_allow_private,
            timeout: config.webhook_timeout,
        },
    };
    let (_, operator) = sessionboard::service::start(store, Arc::new(tracker), policy);
    let seeded = config.seed_demo && seed_demo_world_if_empty(&operator, Timestamp::now()).await?;
    if seeded {
        tracing::info!("created the demo world (password {DEMO_PASSWORD:?})");
    }
    // Looked for even when not asked for: a database seeded on an earlier start (the demo
    // world once came by default) still has its public password, and that is worth a warning.
    let demo_world = seeded || has_demo_world(&operator).await?;
    Ok(Engine {
        operator,
        demo_world,
    })
}

async fn has_demo_world(operator: &Operator) -> Result<bool, StartupError> {
    let henk = operator
        .store()
        .credentials_by_email(sessionboard::seed::DEMO_OWNER_EMAIL)
        .await?;
    Ok(henk.is_some())
}

/// Where people reach this server: the public URL, or else the address it listens on.
pub fn base_url(config: &Config, address: SocketAddr) -> String {
    let url = match &config.public_url {
        Some(url) => url.clone(),
        None => format!("http://{address}"),
    };
    url.trim_end_matches('/').to_owned()
}

/// The first-admin setup link, `<base_url>/setup?token=…`, while nobody exists yet; it
/// replaces the link of any earlier start. For the operator's eyes: printed once, never
/// logged. `None` once someone exists.
pub async fn open_setup_link(
    operator: &Operator,
    base_url: &str,
) -> Result<Option<String>, StartupError> {
    let token = operator.open_setup(Timestamp::now()).await?;
    Ok(token.map(|token| format!("{base_url}/setup?token={}", token.as_str())))
}

/// A warning when the demo world, whose password the README prints, can be reached from other
/// machines: its public URL, or without one its listening address, is not loopback.
pub fn demo_world_exposure(
    demo_world: bool,
    public_url: Option<&str>,
    address: SocketAddr,
) -> Option<String> {
    let exposed = match public_url {
        Some(url) => !is_loopback_url(url),
        None => !address.ip().is_loopback(),
    };
    (demo_world && exposed).then(|| {
        let reach = public_url.map_or_else(|| format!("http://{address}"), str::to_owned);
        format!(
            "the demo world is in this database and the server is reachable at {reach}: its \
             people's password is public (README.md), and one of them is a platform admin. \
             Use a fresh database without --seed-demo for anything but trying it out."
        )
    })
}

/// Whether a URL's host is this machine only: `localhost` or a loopback address.
fn is_loopback_url(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOPBACK: &str = "127.0.0.1:3000";
    const EVERYWHERE: &str = "0.0.0.0:3000";

    fn address(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_demo_world_is_a_warning_only_where_others_can_reach_it() {
        for url in [
            "http://127.0.0.1:3000",
            "http://localhost",
            "http://LOCALHOST:8080/",
            "http://[::1]:3000/sessions",
            "http://127.0.0.2",
        ] {
            assert_eq!(
                demo_world_exposure(true, Some(url), address(EVERYWHERE)),
                None,
                "{url}: the public URL decides, not the listening address"
            );
        }
        for url in [
            "https://sessions.example.com",
            "http://localhost.example.com",
            "http://localhost@example.com",
            "http://10.0.0.5:3000",
            "http://[2001:db8::1]:3000",
            "sessions.example.com",
        ] {
            let warning = demo_world_exposure(true, Some(url), address(LOOPBACK));
            assert!(warning.is_some_and(|text| text.contains(url)), "{url}");
        }
        // Without a public URL, the listening address decides.
        assert_eq!(demo_world_exposure(true, None, address(LOOPBACK)), None);
        assert_eq!(demo_world_exposure(true, None, address("[::1]:3000")), None);
        assert!(demo_world_exposure(true, None, address(EVERYWHERE)).is_some());
        assert!(demo_world_exposure(true, None, address("[::]:3000")).is_some());
        // No demo world, nothing to warn about.
        assert_eq!(demo_world_exposure(false, None, address(EVERYWHERE)), None);
        let public = Some("https://sessions.example.com");
        assert_eq!(
            demo_world_exposure(false, public, address(EVERYWHERE)),
            None
        );
    }
}
