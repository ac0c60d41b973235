//! What the engine's integration tests share: real uap-core regexes, a GeoIP database written
//! by the test itself, and a real SQLite file in a temporary directory.
#![allow(dead_code)] // each test binary uses a different part

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use ipnet::IpNet;
use serde_json::json;

use sessionboard::model::{
    AccountId, ApplicationId, Role, SessionFlags, SessionId, Timestamp, UserId,
};
use sessionboard::model::{ApiKeyId, KeyPowers};
use sessionboard::password::hash_password;
use sessionboard::service::{
    ApiClient, Channel, Operator, SessionPolicy, SessionService, SignIn, SignedIn, WEB_APPLICATION,
};
use sessionboard::store::NewSession;
use sessionboard::store::{NewUser, PostgresStore, SqliteStore, Store};
use sessionboard::token::SessionToken;
use sessionboard::track::{GeoIp, Tracker, UserAgentTracker};

pub const PASSWORD: &str = "correct horse battery staple";
pub const CHROME_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
pub const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1";

/// uap-core's regexes, as `scripts/bootstrap.sh data` fetches them.
pub fn regexes_path() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/uap-core/regexes.yaml");
    assert!(
        path.exists(),
        "{} is missing: run `scripts/bootstrap.sh data` first",
        path.display()
    );
    path
}

/// Writes a GeoIP2-City-shaped database: 81.2.69.0/24 is London, 2001:db8::/32 Berlin.
pub fn write_geoip2_city_db(dir: &Path) -> PathBuf {
    let mut writer = mmdb_writer::Writer::new("GeoIP2-City");
    let london = json!({
        "city": { "names": { "en": "London", "de": "London" } },
        "country": { "iso_code": "GB", "names": { "en": "United Kingdom" } },
        "subdivisions": [ { "iso_code": "ENG", "names": { "en": "England" } } ],
        "location": { "latitude": 51.5142, "longitude": -0.0931, "accuracy_radius": 20 },
    });
    let berlin = json!({
        "city": { "names": { "en": "Berlin" } },
        "country": { "iso_code": "DE", "names": { "en": "Germany" } },
        "location": { "latitude": 52.52, "longitude": 13.405, "accuracy_radius": 20 },
    });
    writer
        .insert("81.2.69.0/24".parse::<IpNet>().unwrap(), &london)
        .unwrap();
    writer
        .insert("2001:db8::/32".parse::<IpNet>().unwrap(), &berlin)
        .unwrap();
    let path = dir.join("GeoIP2-City-Test.mmdb");
    std::fs::write(&path, writer.to_bytes().unwrap()).unwrap();
    path
}

/// Writes a database in the flat `@ip-location-db` layout: 192.0.2.0/24 is Mountain View.
pub fn write_flat_city_db(dir: &Path) -> PathBuf {
    let mut writer = mmdb_writer::Writer::new("city ipv4");
    let record = json!({
        "city": "Mountain View", "country_code": "US", "state1": "California", "state2": "",
        "postcode": "", "latitude": 37.42, "longitude": -122.08, "timezone": "",
    });
    writer
        .insert("192.0.2.0/24".parse::<IpNet>().unwrap(), &record)
        .unwrap();
    let path = dir.join("flat-city-ipv4.mmdb");
    std::fs::write(&path, writer.to_bytes().unwrap()).unwrap();
    path
}

static USER_AGENTS: LazyLock<Arc<UserAgentTracker>> = LazyLock::new(|| {
    Arc::new(UserAgentTracker::from_regexes_file(&regexes_path()).expect("regexes load"))
});

/// The real user-agent parser (built once per test binary) and the test GeoIP databases.
pub fn tracker(dir: &Path) -> Tracker {
    let geoip = GeoIp::open(&[write_geoip2_city_db(dir), write_flat_city_db(dir)]).unwrap();
    Tracker {
        user_agents: Arc::clone(&USER_AGENTS),
        geoip,
    }
}

/// The databases every store test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// A fresh, migrated store of this kind, and where it lives. SQLite: a new file in `dir`.
    /// PostgreSQL: a new schema of its own, so tests can run side by side on one database.
    pub async fn store(self, dir: &Path) -> (Arc<dyn Store>, Database) {
        match self {
            Self::Sqlite => {
                let path = dir.join("sessions.db");
                let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
                store.migrate().await.unwrap();
                (Arc::new(store), Database::Sqlite(path))
            }
            Self::Postgres => {
                let store = postgres_store().await;
                store.migrate().await.unwrap();
                let options = (*store.pool().connect_options()).clone();
                (Arc::new(store), Database::Postgres(Box::new(options)))
            }
        }
    }
}

/// Where a test's data lives, so that a second "server" can open the same database.
#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(Box<sqlx::postgres::PgConnectOptions>),
}

impl Database {
    /// Another connection pool on the same data, as a second server process would open it.
    pub async fn open(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(path) => {
                Arc::new(SqliteStore::open(path.to_str().unwrap()).await.unwrap())
            }
            Self::Postgres(options) => Arc::new(
                PostgresStore::connect_with((**options).clone())
                    .await
                    .unwrap(),
            ),
        }
    }
}

/// A PostgreSQL store in a schema of its own. Schemas left by earlier runs are dropped once
/// they are an hour old; a running test's schema is never that old.
pub async fn postgres_store() -> PostgresStore {
    use sqlx::postgres::PgConnectOptions;
    use std::str::FromStr;
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);

    let url = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL is set");
    let base = PgConnectOptions::from_str(&url).expect("TEST_POSTGRES_URL is a PostgreSQL URL");
    let admin = PostgresStore::connect_with(base.clone())
        .await
        .expect("the PostgreSQL server at TEST_POSTGRES_URL answers");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let stale: Vec<(String,)> =
        sqlx::query_as("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'sb_test_%'")
            .fetch_all(admin.pool())
            .await
            .unwrap();
    for (schema,) in stale {
        let created: u64 = schema
            .split('_')
            .nth(2)
            .and_then(|secs| secs.parse().ok())
            .unwrap_or(0);
        if created + 3600 < now {
            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(admin.pool())
                .await;
        }
    }
    // The trigram extension is database-wide; create it once in `public`, where every test
    // schema's search path finds it. Concurrent creation may race; the loser's error is moot.
    let _ = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        .execute(admin.pool())
        .await;
    let schema = format!(
        "sb_test_{now}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(admin.pool())
        .await
        .unwrap();
    admin.pool().close().await;
    // Named after the schema, so a test can find its own connections in pg_stat_activity.
    PostgresStore::connect_with(
        base.options([("search_path", format!("{schema},public"))])
            .application_name(&schema),
    )
    .await
    .unwrap()
}

/// Generates one `#[tokio::test]` per store for each named `async fn(Backend)`. The
/// PostgreSQL ones are `#[ignore]`d when the build saw no `TEST_POSTGRES_URL` (see
/// `build.rs`); once enabled, a database that does not answer fails them.
#[macro_export]
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                #[cfg_attr(not(postgres_tests), ignore = "TEST_POSTGRES_URL is not set")]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            )*
        }
    };
}

/// A small world: Alice (owner) and Bob in Acme, Carol in Globex, Rita a sales representative
/// and Adam a platform admin.
pub struct World {
    pub dir: tempfile::TempDir,
    pub service: Arc<SessionService>,
    /// What startup code holds: the store and tracker directly, API keys, the purge.
    pub operator: Operator,
    pub database: Database,
    pub acme: AccountId,
    pub globex: AccountId,
    pub rita_personal: AccountId,
    pub web: ApplicationId,
    pub ios: ApplicationId,
    pub alice: UserId,
    pub bob: UserId,
    pub carol: UserId,
    pub rita: UserId,
    /// A sales representative who serves Globex only.
    pub sam: UserId,
    pub adam: UserId,
    pub dave: UserId,
}

pub const T0: Timestamp = Timestamp::from_millis(1_790_000_000_000);

pub async fn world(backend: Backend) -> World {
    world_with_policy(backend, SessionPolicy::default()).await
}

pub async fn world_with_policy(backend: Backend, policy: SessionPolicy) -> World {
    let dir = tempfile::tempdir().unwrap();
    let (store, database) = backend.store(dir.path()).await;
    let acme = store.insert_account("Acme", true, T0).await.unwrap();
    let globex = store.insert_account("Globex", true, T0).await.unwrap();
    let rita_personal = store.insert_account("Rita Rep", true, T0).await.unwrap();
    let platform = store.insert_account("Platform", true, T0).await.unwrap();
    let web = store.insert_application(WEB_APPLICATION, T0).await.unwrap();
    let ios = store.insert_application("iOS app", T0).await.unwrap();
    let hash = hash_password(PASSWORD).unwrap();
    let add_user =
        async |email: &str, name: &str, flags: (bool, bool), account: AccountId, role: Role| {
            let user = store
                .insert_user(
                    NewUser {
                        email,
                        name,
                        password_hash: &hash,
                        is_platform_admin: flags.0,
                        is_sales_rep: flags.1,
                    },
                    T0,
                )
                .await
                .unwrap();
            store
                .insert_membership(user, account, role, "")
                .await
                .unwrap();
            user
        };
    let alice = add_user(
        "alice@acme.example",
        "Alice Archer",
        (false, false),
        acme,
        Role::Owner,
    )
    .await;
    let bob = add_user(
        "bob@acme.example",
        "Bob Baker",
        (false, false),
        acme,
        Role::Employee,
    )
    .await;
    let carol = add_user(
        "carol@globex.example",
        "Carol Cook",
        (false, false),
        globex,
        Role::Owner,
    )
    .await;
    let rita = add_user(
        "rita@sales.example",
        "Rita Rep",
        (false, true),
        rita_personal,
        Role::Owner,
    )
    .await;
    let adam = add_user(
        "adam@platform.example",
        "Adam Admin",
        (true, false),
        platform,
        Role::Owner,
    )
    .await;
    let dave = add_user(
        "dave@globex.example",
        "Dave Dunn",
        (false, false),
        globex,
        Role::Employee,
    )
    .await;
    // Rita serves both customer accounts; Sam, another representative, Globex only.
    for account in [acme, globex] {
        store.insert_rep_assignment(rita, account).await.unwrap();
    }
    let sam = add_user(
        "sam@sales.example",
        "Sam Seller",
        (false, true),
        rita_personal,
        Role::Employee,
    )
    .await;
    store.insert_rep_assignment(sam, globex).await.unwrap();
    let tracker = tracker(dir.path());
    let (service, operator) = sessionboard::service::start(store, Arc::new(tracker), policy);
    World {
        dir,
        service,
        operator,
        database,
        acme,
        globex,
        rita_personal,
        web,
        ios,
        alice,
        bob,
        carol,
        rita,
        sam,
        adam,
        dave,
    }
}

impl World {
    /// A second server on the same database: its own connections and its own cache.
    pub async fn another_server(&self, policy: SessionPolicy) -> Arc<SessionService> {
        let store = self.database.open().await;
        sessionboard::service::start(store, self.operator.tracker().clone(), policy).0
    }

    /// The web application, as an API client presenting its sessions' tokens would be.
    pub fn web_client(&self) -> ApiClient {
        ApiClient {
            key_id: ApiKeyId(0),
            application_id: self.web,
            powers: KeyPowers::APPLICATION,
        }
    }

    pub async fn sign_in(
        &self,
        email: &str,
        user_agent: &str,
        ip: &str,
        now: Timestamp,
    ) -> SignedIn {
        self.sign_in_to(WEB_APPLICATION, email, user_agent, ip, now)
            .await
    }

    pub async fn sign_in_to(
        &self,
        application: &str,
        email: &str,
        user_agent: &str,
        ip: &str,
        now: Timestamp,
    ) -> SignedIn {
        self.service
            .sign_in(
                SignIn {
                    email,
                    password: PASSWORD,
                    application: application.into(),
                    ip: ip.parse::<IpAddr>().unwrap(),
                    user_agent,
                    channel: Channel::Web,
                },
                now,
            )
            .await
            .expect("sign-in succeeds")
    }

    /// Creates a live session for `user` in `account` straight in the store (no password
    /// check), for tests that need many targets.
    pub async fn plant_session(
        &self,
        user: UserId,
        account: AccountId,
        now: Timestamp,
    ) -> SessionId {
        let observation =
            self.operator
                .tracker()
                .observe("81.2.69.142".parse().unwrap(), SAFARI_IPHONE, true);
        self.operator
            .store()
            .insert_session(NewSession {
                token_hash: SessionToken::generate().hash(),
                user_id: user,
                account_id: account,
                application_id: self.ios,
                observation: &observation,
                search_text: "planted",
                created_at: now,
                last_active_at: now,
                expires_at: self.operator.policy().expiry(now, now),
                flags: &SessionFlags::default(),
                alert: false,
                forgotten: &[],
            })
            .await
            .unwrap()
    }

    /// Whether a session is still live.
    pub async fn is_live(&self, session: SessionId, now: Timestamp) -> bool {
        self.operator
            .store()
            .live_session_owner(session, now)
            .await
            .unwrap()
            .is_some()
    }

    /// Signs in and authenticates: the caller a device with this session would be.
    pub async fn caller(&self, email: &str, now: Timestamp) -> (SignedIn, sessionboard::Caller) {
        self.caller_with(email, PASSWORD, now).await
    }

    /// [`Self::caller`] with another password than the world's.
    pub async fn caller_with(
        &self,
        email: &str,
        password: &str,
        now: Timestamp,
    ) -> (SignedIn, sessionboard::Caller) {
        let signed_in = self
            .service
            .sign_in(
                SignIn {
                    email,
                    password,
                    application: WEB_APPLICATION.into(),
                    ip: "192.0.2.1".parse::<IpAddr>().unwrap(),
                    user_agent: CHROME_WINDOWS,
                    channel: Channel::Web,
                },
                now,
            )
            .await
            .expect("sign-in succeeds");
        let caller = self
            .service
            .authenticate(signed_in.token.as_str(), now)
            .await
            .unwrap();
        (signed_in, caller)
    }
}
