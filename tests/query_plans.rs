//! Every sessions list is served by an index: no view, filter or search scans the table.

mod common;

use sessionboard::access::Scope;
use sessionboard::model::{AccountId, ApplicationId, UserId};
use sessionboard::store::{SessionQuery, SqliteStore, Store};

fn queries() -> Vec<(Scope, SessionQuery)> {
    let none = SessionQuery::default();
    let search = |term: &str| SessionQuery {
        search: Some(term.to_owned()),
        ..Default::default()
    };
    vec![
        (Scope::User(UserId(1)), none.clone()),
        (Scope::Account(AccountId(1)), none.clone()),
        (Scope::All, none.clone()),
        (
            Scope::Account(AccountId(1)),
            SessionQuery {
                user: Some(UserId(2)),
                application: Some(ApplicationId(1)),
                ..Default::default()
            },
        ),
        (
            Scope::All,
            SessionQuery {
                application: Some(ApplicationId(1)),
                ..Default::default()
            },
        ),
        (
            Scope::All,
            SessionQuery {
                account: Some(AccountId(3)),
                ..Default::default()
            },
        ),
        (Scope::All, search("berlin")),
        (Scope::Account(AccountId(1)), search("be")),
        (Scope::User(UserId(1)), search("iphone")),
    ]
}

#[tokio::test]
async fn sqlite_never_scans_the_sessions_table() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("plans.db").to_str().unwrap())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    for (scope, query) in queries() {
        let plan = store.explain_list_sessions(scope, &query).await.unwrap();
        let context = format!("{scope:?} {query:?}: {plan:#?}");
        println!("{context}");
        // "SCAN s" alone reads the whole table; "SCAN s USING INDEX …" walks an index in page
        // order and stops at the LIMIT; "SEARCH s …" seeks.
        let full_scans: Vec<&String> = plan
            .iter()
            .filter(|step| {
                (*step == "SCAN s" || step.starts_with("SCAN s ")) && !step.contains("INDEX")
            })
            .collect();
        assert!(full_scans.is_empty(), "{context}");
    }
}

#[tokio::test]
#[cfg_attr(not(postgres_tests), ignore = "TEST_POSTGRES_URL is not set")]
async fn postgres_serves_every_list_from_an_index() {
    let store = common::postgres_store().await;
    store.migrate().await.unwrap();
    for (scope, query) in queries() {
        let plan = store.explain_list_sessions(scope, &query).await.unwrap();
        let context = format!("{scope:?} {query:?}: {plan:#?}");
        assert!(
            plan.iter()
                .all(|line| !line.contains("Seq Scan on sessions")),
            "{context}"
        );
    }
}

/// Several servers starting together on one PostgreSQL migrate it once, safely.
#[tokio::test]
#[cfg_attr(not(postgres_tests), ignore = "TEST_POSTGRES_URL is not set")]
async fn postgres_migrations_run_once_when_servers_start_together() {
    let first = common::postgres_store().await;
    // A second pool on the same schema: two "servers".
    let second = sessionboard::store::PostgresStore::connect_with(
        first.pool().connect_options().as_ref().clone(),
    )
    .await
    .unwrap();
    let (a, b) = tokio::join!(first.migrate(), second.migrate());
    a.unwrap();
    b.unwrap();
    let applied: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(first.pool())
        .await
        .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count() as i64;
    assert_eq!(applied.0, files, "each migration applied exactly once");
    first.ping().await.unwrap();
}
