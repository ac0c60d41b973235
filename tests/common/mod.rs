//! What the engine's integration tests share: real uap-core regexes, a GeoIP database written
//! by the test itself, and a real SQLite file in a temporary directory.
#![allow(dead_code)] // each test binary uses a different part

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use ipnet::IpNet;
use serde_json::json;

use sessionboard::model::{AccountId, ApplicationId, Timestamp, UserId};
use sessionboard::password::hash_password;
use sessionboard::service::{SessionPolicy, SessionService, SignIn, SignedIn, WEB_APPLICATION};
use sessionboard::store::{NewUser, Role, SqliteStore, Store};
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
    });
    let berlin = json!({
        "city": { "names": { "en": "Berlin" } },
        "country": { "iso_code": "DE", "names": { "en": "Germany" } },
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

/// A small world in a fresh SQLite file: Alice and Bob in Acme, Carol in Globex.
pub struct World {
    pub dir: tempfile::TempDir,
    pub service: SessionService,
    pub acme: AccountId,
    pub globex: AccountId,
    pub web: ApplicationId,
    pub alice: UserId,
    pub bob: UserId,
    pub carol: UserId,
}

pub const T0: Timestamp = Timestamp::from_millis(1_790_000_000_000);

pub async fn world() -> World {
    world_with_policy(SessionPolicy::default()).await
}

pub async fn world_with_policy(policy: SessionPolicy) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sessions.db").to_str().unwrap())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let acme = store.insert_account("Acme", true, T0).await.unwrap();
    let globex = store.insert_account("Globex", true, T0).await.unwrap();
    let web = store.insert_application(WEB_APPLICATION, T0).await.unwrap();
    let hash = hash_password(PASSWORD).unwrap();
    let add_user = async |email: &str, name: &str, account: AccountId| {
        let user = store
            .insert_user(
                NewUser {
                    email,
                    name,
                    password_hash: &hash,
                    is_platform_admin: false,
                    is_sales_rep: false,
                },
                T0,
            )
            .await
            .unwrap();
        store
            .insert_membership(user, account, Role::Employee)
            .await
            .unwrap();
        user
    };
    let alice = add_user("alice@acme.example", "Alice Archer", acme).await;
    let bob = add_user("bob@acme.example", "Bob Baker", acme).await;
    let carol = add_user("carol@globex.example", "Carol Cook", globex).await;
    let tracker = tracker(dir.path());
    let service = SessionService::new(Arc::new(store), Arc::new(tracker), policy);
    World {
        dir,
        service,
        acme,
        globex,
        web,
        alice,
        bob,
        carol,
    }
}

impl World {
    pub async fn sign_in(
        &self,
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
                    application: WEB_APPLICATION,
                    ip: ip.parse::<IpAddr>().unwrap(),
                    user_agent,
                },
                now,
            )
            .await
            .expect("sign-in succeeds")
    }
}
