//! The demo world a first start shows.

mod common;

use std::sync::Arc;

use sessionboard::model::Timestamp;
use sessionboard::seed::{DEMO_PASSWORD, seed_demo_world_if_empty};
use sessionboard::service::{Channel, SessionPolicy, SignIn, WEB_APPLICATION};
use sessionboard::store::{SqliteStore, Store};

#[tokio::test]
async fn the_demo_world_is_seeded_once_and_lists_only_live_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("demo.db").to_str().unwrap())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let (service, operator) = sessionboard::service::start(
        Arc::new(store),
        Arc::new(common::tracker(dir.path())),
        SessionPolicy::default(),
    );
    let now = Timestamp::from_millis(1_795_000_000_000);

    assert!(seed_demo_world_if_empty(&operator, now).await.unwrap());
    assert!(
        !seed_demo_world_if_empty(&operator, now).await.unwrap(),
        "second start"
    );

    let henk = service
        .sign_in(
            SignIn {
                email: "henk@ektek.example",
                password: DEMO_PASSWORD,
                application: WEB_APPLICATION.into(),
                ip: "192.0.2.10".parse().unwrap(),
                user_agent: common::CHROME_WINDOWS,
                channel: Channel::Web,
            },
            now,
        )
        .await
        .unwrap();
    let caller = service
        .authenticate(henk.token.as_str(), now)
        .await
        .unwrap();
    let sessions = service.list_my_sessions(&caller, now).await.unwrap();
    // Seven seeded live sessions plus this one; the two expired and one terminated are hidden.
    assert_eq!(sessions.len(), 8);
    assert!(sessions.iter().all(|s| s.user_name == "Henk Becker"));
    let accounts: std::collections::BTreeSet<_> =
        sessions.iter().map(|s| s.account_name.as_str()).collect();
    assert_eq!(
        accounts.into_iter().collect::<Vec<_>>(),
        vec!["Ektek GmbH", "Nordlicht Logistik AG"]
    );
    let applications: std::collections::BTreeSet<_> =
        sessions.iter().map(|s| s.application.as_str()).collect();
    assert_eq!(applications.len(), 4, "{applications:?}");
}
