//! Building the server from its configuration: database, tracking data, demo world.

use std::sync::Arc;
use std::time::Duration;

use app::ssr::SessionCookie;
use leptos::config::LeptosOptions;
use sessionboard::cache::CachePolicy;
use sessionboard::limit::SignInLimits;
use sessionboard::model::Timestamp;
use sessionboard::seed::{DEMO_PASSWORD, seed_demo_world_if_empty};
use sessionboard::store::{PostgresStore, SqliteStore, Store};
use sessionboard::track::{GeoIp, Tracker, TrustedProxies, UserAgentTracker};
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
    let trusted_proxies =
        TrustedProxies::parse(&config.trusted_proxies).map_err(StartupError::TrustedProxies)?;
    Ok(AppState {
        leptos_options,
        service: engine.operator.service().clone(),
        cookies: SessionCookie {
            secure: config.secure_cookies(),
            max_age: config.absolute_lifetime,
        },
        trusted_proxies: Arc::new(trusted_proxies),
    })
}

/// The session engine, as startup code holds it.
pub struct Engine {
    /// The operator's handle (and through it, the service request handlers get).
    pub operator: Operator,
    /// Whether the database holds the demo world (seeded now or on an earlier start), so
    /// that its sign-in is worth telling.
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
        touch_interval: Duration::from_secs(60),
        sign_in_limits: SignInLimits {
            per_ip_per_minute: config.sign_in_limit_per_ip,
            per_email_per_minute: config.sign_in_limit_per_email,
        },
        cache: CachePolicy {
            ttl: config.validation_cache_ttl,
            capacity: config.validation_cache_size,
        },
    };
    let (_, operator) = sessionboard::service::start(store, Arc::new(tracker), policy);
    let demo_world = config.seed_demo && {
        let seeded = seed_demo_world_if_empty(&operator, Timestamp::now()).await?;
        if seeded {
            tracing::info!("created the demo world (password {DEMO_PASSWORD:?})");
        }
        seeded || has_demo_world(&operator).await?
    };
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
