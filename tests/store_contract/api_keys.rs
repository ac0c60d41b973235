//! API keys: how applications authenticate to the JSON API.

use sessionboard::model::{ApiKeyId, ApiKeyView, KeyPowers};
use sessionboard::store::{ApiKeyRecord, Store};
use sessionboard::token::ApiKeySecret;

use crate::common::T0;
use crate::fixture::{at, people};

contract!(
    a_key_is_found_by_its_hash_with_its_application_and_reach,
    a_revoked_key_is_no_longer_found_and_its_hash_is_returned_once,
    revoking_one_key_leaves_the_others_live,
    keys_are_listed_newest_first_with_their_application_and_revocation,
    a_key_hash_is_stored_once,
);

/// A product's key that signs its people in and keeps the directory in step.
const HOST: KeyPowers = KeyPowers {
    platform_wide: false,
    trusted: true,
    directory: true,
};

async fn a_key_is_found_by_its_hash_with_its_application_and_reach(store: &dyn Store) {
    let p = people(store).await;
    let web_key = ApiKeySecret::generate().hash();
    let admin_key = ApiKeySecret::generate().hash();
    let web = store
        .insert_api_key(p.web, &web_key, HOST, "web back end", T0)
        .await
        .unwrap();
    let admin = store
        .insert_api_key(p.ios, &admin_key, KeyPowers::PLATFORM, "operations", T0)
        .await
        .unwrap();
    assert_ne!(web, admin);

    let found = |id, application_id, powers| {
        Some(ApiKeyRecord {
            id,
            application_id,
            powers,
        })
    };
    assert_eq!(
        store.api_key_by_hash(&web_key).await.unwrap(),
        found(web, p.web, HOST)
    );
    assert_eq!(
        store.api_key_by_hash(&admin_key).await.unwrap(),
        found(admin, p.ios, KeyPowers::PLATFORM),
        "a platform-wide key says so, and is neither trusted nor a directory key by that"
    );
    let stranger = ApiKeySecret::generate().hash();
    assert_eq!(store.api_key_by_hash(&stranger).await.unwrap(), None);
}

async fn a_revoked_key_is_no_longer_found_and_its_hash_is_returned_once(store: &dyn Store) {
    let p = people(store).await;
    let hash = ApiKeySecret::generate().hash();
    let key = store
        .insert_api_key(p.web, &hash, KeyPowers::APPLICATION, "web back end", T0)
        .await
        .unwrap();

    assert_eq!(
        store.revoke_api_key(key, at(1)).await.unwrap(),
        Some(hash),
        "the caller's cache forgets it by this hash"
    );
    assert_eq!(store.api_key_by_hash(&hash).await.unwrap(), None);
    assert_eq!(
        store.revoke_api_key(key, at(2)).await.unwrap(),
        None,
        "revoked once"
    );
    assert_eq!(
        store
            .revoke_api_key(ApiKeyId(i64::MAX), at(2))
            .await
            .unwrap(),
        None,
        "an unknown key is not revoked"
    );
    let listed = store.list_api_keys().await.unwrap();
    assert_eq!(
        listed[0].revoked_at,
        Some(at(1)),
        "the first revocation stands"
    );
}

async fn revoking_one_key_leaves_the_others_live(store: &dyn Store) {
    let p = people(store).await;
    let old = ApiKeySecret::generate().hash();
    let new = ApiKeySecret::generate().hash();
    let old_key = store
        .insert_api_key(p.web, &old, KeyPowers::APPLICATION, "old", T0)
        .await
        .unwrap();
    let new_key = store
        .insert_api_key(p.web, &new, KeyPowers::APPLICATION, "new", at(1))
        .await
        .unwrap();

    assert_eq!(
        store.revoke_api_key(old_key, at(2)).await.unwrap(),
        Some(old)
    );
    let live = store.api_key_by_hash(&new).await.unwrap();
    assert_eq!(live.map(|key| key.id), Some(new_key));
    assert_eq!(store.api_key_by_hash(&old).await.unwrap(), None);
}

async fn keys_are_listed_newest_first_with_their_application_and_revocation(store: &dyn Store) {
    let p = people(store).await;
    assert!(store.list_api_keys().await.unwrap().is_empty());
    let first = store
        .insert_api_key(
            p.web,
            &ApiKeySecret::generate().hash(),
            KeyPowers::APPLICATION,
            "first",
            T0,
        )
        .await
        .unwrap();
    let second = store
        .insert_api_key(
            p.ios,
            &ApiKeySecret::generate().hash(),
            KeyPowers::PLATFORM,
            "second",
            at(1),
        )
        .await
        .unwrap();
    store.revoke_api_key(first, at(2)).await.unwrap();

    assert_eq!(
        store.list_api_keys().await.unwrap(),
        vec![
            ApiKeyView {
                id: second,
                application: "iOS app".to_owned(),
                label: "second".to_owned(),
                powers: KeyPowers::PLATFORM,
                created_at: at(1),
                revoked_at: None,
            },
            ApiKeyView {
                id: first,
                application: "Web".to_owned(),
                label: "first".to_owned(),
                powers: KeyPowers::APPLICATION,
                created_at: T0,
                revoked_at: Some(at(2)),
            },
        ]
    );
}

async fn a_key_hash_is_stored_once(store: &dyn Store) {
    let p = people(store).await;
    let hash = ApiKeySecret::generate().hash();
    let key = store
        .insert_api_key(p.web, &hash, KeyPowers::APPLICATION, "original", T0)
        .await
        .unwrap();
    let copy = store
        .insert_api_key(p.ios, &hash, KeyPowers::PLATFORM, "copy", at(1))
        .await;
    assert!(copy.is_err(), "{copy:?}");

    let found = store.api_key_by_hash(&hash).await.unwrap();
    assert_eq!(
        found,
        Some(ApiKeyRecord {
            id: key,
            application_id: p.web,
            powers: KeyPowers::APPLICATION,
        }),
        "the original stands"
    );
    let labels: Vec<String> = store
        .list_api_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|key| key.label)
        .collect();
    assert_eq!(labels, vec!["original".to_owned()]);
}
