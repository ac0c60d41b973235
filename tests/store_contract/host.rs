//! What a product plugged into Sessionboard relies on: accounts and people by its own ids, and
//! one-time sign-in links.

use sessionboard::Error;
use sessionboard::model::{ChangeKind, KeyPowers, Timestamp};
use sessionboard::store::{
    ChangeRecord, DirectoryChange, ExternalAccount, NewSignInLink, SignInLinkGrant, Store,
};
use sessionboard::token::{ApiKeySecret, SessionToken, TokenHash};

use crate::common::T0;
use crate::fixture::{at, people};

contract!(
    accounts_and_people_are_found_by_the_id_a_product_gave_them,
    an_external_id_names_one_account_and_one_person,
    a_sign_in_link_grants_once_and_only_before_it_expires,
    a_sign_in_link_dies_with_its_keys_trust,
);

fn by_a_key(kind: ChangeKind) -> ChangeRecord {
    ChangeRecord {
        at: T0,
        actor: None,
        api_key: None,
        impersonator: None,
        ip: None,
        kind,
        account: None,
        target_user: None,
        application: None,
        detail: String::new(),
    }
}

async fn create_account(store: &dyn Store, name: &str, external_id: &str) -> Result<i64, Error> {
    let change = DirectoryChange::CreateAccount {
        name,
        external_id: Some(external_id),
    };
    let applied = store
        .apply_change(change, by_a_key(ChangeKind::AccountCreated))
        .await?;
    Ok(applied.created.unwrap())
}

async fn create_person(store: &dyn Store, email: &str, external_id: &str) -> Result<i64, Error> {
    let change = DirectoryChange::CreatePerson {
        email,
        name: "Pat Synced",
        is_platform_admin: false,
        is_sales_rep: false,
        external_id: Some(external_id),
    };
    let applied = store
        .apply_change(change, by_a_key(ChangeKind::PersonCreated))
        .await?;
    Ok(applied.created.unwrap())
}

async fn accounts_and_people_are_found_by_the_id_a_product_gave_them(store: &dyn Store) {
    people(store).await;
    let shop = create_account(store, "Corner Shop", "corner-shop")
        .await
        .unwrap();
    let pat = create_person(store, "pat@shop.example", "u1")
        .await
        .unwrap();

    let account = store.account_by_external_id("corner-shop").await.unwrap();
    assert_eq!(
        account,
        Some(ExternalAccount {
            id: sessionboard::model::AccountId(shop),
            name: "Corner Shop".to_owned(),
            closed: false,
        })
    );
    let person = store.person_by_external_id("u1").await.unwrap().unwrap();
    assert_eq!(person.id.0, pat);
    assert_eq!(person.external_id.as_deref(), Some("u1"));
    assert!(
        !person.has_password,
        "a synced person signs in through the product"
    );
    // Ids are compared exactly, and people made in Sessionboard have none.
    assert_eq!(
        store.account_by_external_id("Corner-Shop").await.unwrap(),
        None
    );
    assert_eq!(store.person_by_external_id("U1").await.unwrap(), None);
    let alice = store
        .person_by_email("alice@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alice.external_id, None);

    let close = DirectoryChange::CloseAccount {
        account: sessionboard::model::AccountId(shop),
    };
    store
        .apply_change(close, by_a_key(ChangeKind::AccountClosed))
        .await
        .unwrap();
    let closed = store.account_by_external_id("corner-shop").await.unwrap();
    assert!(
        closed.unwrap().closed,
        "a closed account is still found, as closed"
    );
}

async fn an_external_id_names_one_account_and_one_person(store: &dyn Store) {
    people(store).await;
    create_account(store, "Corner Shop", "shop").await.unwrap();
    create_person(store, "pat@shop.example", "u1")
        .await
        .unwrap();

    let second_account = create_account(store, "Other Shop", "shop").await;
    assert!(
        matches!(second_account, Err(Error::AlreadyExists(_))),
        "{second_account:?}"
    );
    let second_person = create_person(store, "sam@shop.example", "u1").await;
    assert!(
        matches!(second_person, Err(Error::AlreadyExists(_))),
        "{second_person:?}"
    );
    // Nothing of either refused create stayed behind.
    assert!(store.account_by_name("Other Shop").await.unwrap().is_none());
    assert!(
        store
            .person_by_email("sam@shop.example")
            .await
            .unwrap()
            .is_none()
    );
}

/// A millisecond before `time`.
fn just_before(time: Timestamp) -> Timestamp {
    Timestamp(time.0 - 1)
}

/// A link for Alice in Acme, by a key of `powers`, expiring a minute after `T0`.
async fn link(store: &dyn Store, powers: KeyPowers) -> (TokenHash, sessionboard::model::ApiKeyId) {
    let p = people(store).await;
    let key = store
        .insert_api_key(p.ios, &ApiKeySecret::generate().hash(), powers, "host", T0)
        .await
        .unwrap();
    let token = SessionToken::generate().hash();
    store
        .insert_sign_in_link(NewSignInLink {
            token: &token,
            user: p.alice,
            account: p.acme,
            api_key: key,
            page: "/sessions",
            created_at: T0,
            expires_at: at(1),
        })
        .await
        .unwrap();
    (token, key)
}

const TRUSTED: KeyPowers = KeyPowers {
    platform_wide: false,
    trusted: true,
    directory: false,
};

async fn a_sign_in_link_grants_once_and_only_before_it_expires(store: &dyn Store) {
    let (token, key) = link(store, TRUSTED).await;
    let alice = store
        .person_by_email("alice@acme.example")
        .await
        .unwrap()
        .unwrap();
    let acme = store.account_by_name("Acme").await.unwrap().unwrap();
    let grant = store
        .take_sign_in_link(&token, just_before(at(1)))
        .await
        .unwrap();
    assert_eq!(
        grant,
        Some(SignInLinkGrant {
            user: alice.id,
            account: acme,
            api_key: key,
            page: "/sessions".to_owned(),
        })
    );
    assert_eq!(
        store
            .take_sign_in_link(&token, just_before(at(1)))
            .await
            .unwrap(),
        None,
        "a link works once"
    );

    let (late, _) = {
        let token = SessionToken::generate().hash();
        store
            .insert_sign_in_link(NewSignInLink {
                token: &token,
                user: alice.id,
                account: acme,
                api_key: key,
                page: "/history",
                created_at: T0,
                expires_at: at(1),
            })
            .await
            .unwrap();
        (token, ())
    };
    assert_eq!(
        store.take_sign_in_link(&late, at(1)).await.unwrap(),
        None,
        "an expired link grants nothing"
    );
    let unknown = SessionToken::generate().hash();
    assert_eq!(store.take_sign_in_link(&unknown, T0).await.unwrap(), None);
    assert_eq!(store.purge_sign_in_links(at(2)).await.unwrap(), 0);
}

async fn a_sign_in_link_dies_with_its_keys_trust(store: &dyn Store) {
    let (untrusted_link, _) = link(store, KeyPowers::APPLICATION).await;
    assert_eq!(
        store.take_sign_in_link(&untrusted_link, T0).await.unwrap(),
        None,
        "a key that is not trusted grants nothing"
    );
    let token = SessionToken::generate().hash();
    let p_key = {
        let ios = store.application_by_name("iOS app").await.unwrap().unwrap();
        store
            .insert_api_key(
                ios,
                &ApiKeySecret::generate().hash(),
                TRUSTED,
                "revoked",
                T0,
            )
            .await
            .unwrap()
    };
    let alice = store
        .person_by_email("alice@acme.example")
        .await
        .unwrap()
        .unwrap();
    let acme = store.account_by_name("Acme").await.unwrap().unwrap();
    store
        .insert_sign_in_link(NewSignInLink {
            token: &token,
            user: alice.id,
            account: acme,
            api_key: p_key,
            page: "/sessions",
            created_at: T0,
            expires_at: at(1),
        })
        .await
        .unwrap();
    store.revoke_api_key(p_key, at(1)).await.unwrap();
    assert_eq!(store.take_sign_in_link(&token, at(2)).await.unwrap(), None);
    // Both links are still there until they expire, then the purge takes them.
    assert_eq!(store.purge_sign_in_links(at(2)).await.unwrap(), 2);
}
