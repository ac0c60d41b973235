//! Sessions: finding one by its token, recording activity, ending and purging.

use std::collections::HashSet;
use std::time::Duration;

use sessionboard::access::SessionOwner;
use sessionboard::model::{PageRequest, SessionId, Timestamp};
use sessionboard::store::{NewSession, Scope, SessionQuery, Store};
use sessionboard::token::{SessionToken, TokenHash};

use crate::common::T0;
use crate::fixture::{
    BY_HAND, DAY, HOUR, LIFETIME, MINUTE, NOW, at, ids, is_live, listed, people, plant, session,
};

contract!(
    a_live_session_is_found_by_its_token_hash_until_it_expires,
    a_terminated_session_is_no_longer_found_by_its_token_nor_revived_by_activity,
    activity_moves_expiry_forward_and_a_late_write_never_moves_it_back,
    ending_a_session_outside_its_scope_ends_nothing,
    ending_all_but_one_keeps_exactly_the_kept_session,
    ending_someones_sessions_honours_the_scope_and_the_kept_session,
    purging_deletes_only_sessions_that_ended_or_expired_before_the_cutoff,
);

fn hashes(tokens: impl IntoIterator<Item = TokenHash>) -> HashSet<TokenHash> {
    tokens.into_iter().collect()
}

async fn a_live_session_is_found_by_its_token_hash_until_it_expires(store: &dyn Store) {
    let p = people(store).await;
    let planted = plant(store, session(p.bob, p.globex, p.ios, T0)).await;
    let expiry = T0.plus(LIFETIME);

    let live = store
        .live_session_by_token(&planted.token, T0.plus(MINUTE))
        .await
        .unwrap()
        .expect("found by its token hash");
    assert_eq!(live.id, planted.id);
    assert_eq!(
        (live.user_id, live.account_id, live.application_id),
        (p.bob, p.globex, p.ios)
    );
    assert_eq!(
        (live.created_at, live.last_active_at, live.expires_at),
        (T0, T0, expiry)
    );
    assert_eq!(live.acting, None);
    assert_eq!(
        store.live_session_owner(planted.id, T0).await.unwrap(),
        Some(SessionOwner {
            user_id: p.bob,
            account_id: p.globex
        })
    );

    let last_moment = expiry.minus(Duration::from_millis(1));
    let found = |now: Timestamp| store.live_session_by_token(&planted.token, now);
    assert!(found(last_moment).await.unwrap().is_some());
    assert!(found(expiry).await.unwrap().is_none(), "gone at its expiry");
    assert!(!is_live(store, planted.id, expiry).await);

    let stranger = SessionToken::generate().hash();
    assert!(
        store
            .live_session_by_token(&stranger, T0)
            .await
            .unwrap()
            .is_none()
    );
    assert!(!is_live(store, SessionId(i64::MAX), T0).await);
}

async fn a_terminated_session_is_no_longer_found_by_its_token_nor_revived_by_activity(
    store: &dyn Store,
) {
    let p = people(store).await;
    let planted = plant(store, session(p.alice, p.acme, p.web, T0)).await;
    let ended = at(1);
    let scope = Scope::User(p.alice);
    assert_eq!(
        store
            .terminate_session(planted.id, scope, BY_HAND, ended)
            .await
            .unwrap(),
        Some(planted.token)
    );
    let found = |now: Timestamp| store.live_session_by_token(&planted.token, now);
    assert!(found(ended).await.unwrap().is_none());
    assert!(!is_live(store, planted.id, ended).await);
    assert!(
        listed(store, scope, &SessionQuery::default(), ended)
            .await
            .is_empty()
    );

    let again = store
        .terminate_session(planted.id, Scope::All, BY_HAND, at(2))
        .await;
    assert_eq!(
        again.unwrap(),
        None,
        "ending it twice reports nothing to forget"
    );
    let live = store
        .touch_session(planted.id, at(3), at(3).plus(LIFETIME))
        .await
        .unwrap();
    assert!(!live, "a touch tells that the session has ended");
    assert!(
        found(at(3)).await.unwrap().is_none(),
        "activity does not revive it"
    );
}

async fn activity_moves_expiry_forward_and_a_late_write_never_moves_it_back(store: &dyn Store) {
    let p = people(store).await;
    let planted = plant(store, session(p.alice, p.acme, p.web, T0)).await;
    let active = at(30);
    store
        .touch_session(planted.id, active, active.plus(LIFETIME))
        .await
        .unwrap();

    let past_first_expiry = T0.plus(LIFETIME).plus(MINUTE);
    let check = async |what: &str| {
        let live = store
            .live_session_by_token(&planted.token, past_first_expiry)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{what}: kept alive by its activity"));
        assert_eq!(live.last_active_at, active, "{what}");
        assert_eq!(live.expires_at, active.plus(LIFETIME), "{what}");
        assert_eq!(live.created_at, T0, "{what}");
    };
    check("after the touch").await;
    // Another server's write of an earlier moment arrives late, then one of the same moment.
    let live = store
        .touch_session(planted.id, at(10), at(10).plus(LIFETIME))
        .await
        .unwrap();
    assert!(live, "a late touch still finds the session live");
    check("after a late touch").await;
    store
        .touch_session(planted.id, active, active.plus(DAY))
        .await
        .unwrap();
    check("after a repeated touch").await;

    let page = store
        .list_live_sessions(
            Scope::All,
            &SessionQuery::default(),
            active,
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(page.items[0].last_active_at, active, "lists show it too");
}

async fn ending_a_session_outside_its_scope_ends_nothing(store: &dyn Store) {
    let p = people(store).await;
    let bobs = plant(store, session(p.bob, p.acme, p.web, T0)).await;
    for wrong in [Scope::User(p.alice), Scope::Account(p.globex)] {
        let ended = store
            .terminate_session(bobs.id, wrong, BY_HAND, NOW)
            .await
            .unwrap();
        assert_eq!(ended, None, "{wrong:?}");
        assert!(is_live(store, bobs.id, NOW).await, "{wrong:?} ended it");
    }
    for right in [Scope::User(p.bob), Scope::Account(p.acme), Scope::All] {
        let other = plant(store, session(p.bob, p.acme, p.web, T0)).await;
        let ended = store
            .terminate_session(other.id, right, BY_HAND, NOW)
            .await
            .unwrap();
        assert_eq!(ended, Some(other.token), "{right:?}");
        assert!(
            !is_live(store, other.id, NOW).await,
            "{right:?} left it live"
        );
    }
    // An expired session, or an id that never was, ends nothing either.
    let expired = plant(store, session(p.bob, p.acme, p.web, T0.minus(DAY))).await;
    assert_eq!(
        store
            .terminate_session(expired.id, Scope::All, BY_HAND, NOW)
            .await
            .unwrap(),
        None
    );
    let never = SessionId(i64::MAX);
    assert_eq!(
        store
            .terminate_session(never, Scope::All, BY_HAND, NOW)
            .await
            .unwrap(),
        None
    );
    assert!(is_live(store, bobs.id, NOW).await);
}

async fn ending_all_but_one_keeps_exactly_the_kept_session(store: &dyn Store) {
    let p = people(store).await;
    let kept = plant(store, session(p.bob, p.acme, p.web, at(0))).await;
    let others = [
        plant(store, session(p.bob, p.globex, p.web, at(1))).await,
        plant(store, session(p.bob, p.acme, p.ios, at(2))).await,
    ];
    let carols = plant(store, session(p.carol, p.globex, p.web, at(3))).await;

    let ended = store
        .terminate_all_except(p.bob, kept.id, BY_HAND, NOW)
        .await
        .unwrap();
    assert_eq!(hashes(ended), hashes(others.map(|s| s.token)));
    assert!(is_live(store, kept.id, NOW).await, "the kept one lives");
    assert!(is_live(store, carols.id, NOW).await, "other people's live");
    for other in others {
        assert!(!is_live(store, other.id, NOW).await);
    }
    let again = store
        .terminate_all_except(p.bob, kept.id, BY_HAND, NOW)
        .await
        .unwrap();
    assert!(again.is_empty(), "nothing ends twice");
}

async fn ending_someones_sessions_honours_the_scope_and_the_kept_session(store: &dyn Store) {
    let p = people(store).await;
    let in_acme = plant(store, session(p.bob, p.acme, p.web, at(0))).await;
    let also_in_acme = plant(store, session(p.bob, p.acme, p.ios, at(1))).await;
    let in_globex = plant(store, session(p.bob, p.globex, p.web, at(2))).await;
    let alices = plant(store, session(p.alice, p.acme, p.web, at(3))).await;

    for elsewhere in [Scope::User(p.alice), Scope::Account(p.sales)] {
        let ended = store
            .terminate_user_sessions(p.bob, elsewhere, None, BY_HAND, NOW)
            .await;
        assert!(
            ended.unwrap().is_empty(),
            "{elsewhere:?} reaches none of Bob's"
        );
    }
    let acme = Scope::Account(p.acme);
    let ended = store
        .terminate_user_sessions(p.bob, acme, Some(in_acme.id), BY_HAND, NOW)
        .await;
    assert_eq!(ended.unwrap(), vec![also_in_acme.token]);
    let bobs = listed(store, Scope::User(p.bob), &SessionQuery::default(), NOW).await;
    assert_eq!(bobs, ids([in_globex, in_acme]));

    let ended = store
        .terminate_user_sessions(p.bob, Scope::All, None, BY_HAND, NOW)
        .await;
    assert_eq!(
        hashes(ended.unwrap()),
        hashes([in_acme.token, in_globex.token])
    );
    assert!(
        listed(store, Scope::User(p.bob), &SessionQuery::default(), NOW)
            .await
            .is_empty()
    );
    assert!(is_live(store, alices.id, NOW).await, "only Bob's end");
}

async fn purging_deletes_only_sessions_that_ended_or_expired_before_the_cutoff(store: &dyn Store) {
    let p = people(store).await;
    let cutoff = T0.minus(DAY);
    // Every one of these was created three days ago.
    let old = |expires_at: Timestamp| NewSession {
        expires_at,
        ..session(p.alice, p.acme, p.web, T0.minus(3 * DAY))
    };
    let ended_at = async |ended: Timestamp| {
        let planted = plant(store, old(T0.plus(DAY))).await;
        let token = store
            .terminate_session(planted.id, Scope::All, BY_HAND, ended)
            .await;
        assert_eq!(token.unwrap(), Some(planted.token));
    };
    // Before the cutoff: expired, and ended.
    plant(store, old(cutoff.minus(HOUR))).await;
    ended_at(cutoff.minus(HOUR)).await;
    // Expired at the cutoff exactly, and after it; ended after it; live.
    plant(store, old(cutoff)).await;
    plant(store, old(T0.minus(HOUR))).await;
    ended_at(T0.minus(HOUR)).await;
    let live = plant(store, session(p.alice, p.acme, p.web, T0)).await;

    assert_eq!(store.purge_sessions(cutoff).await.unwrap(), 2);
    assert_eq!(
        store.purge_sessions(cutoff).await.unwrap(),
        0,
        "purged once"
    );
    assert_eq!(store.purge_sessions(T0).await.unwrap(), 3);
    assert_eq!(store.purge_sessions(T0).await.unwrap(), 0);
    assert!(is_live(store, live.id, T0).await, "the live one stays");
    let found = store.live_session_by_token(&live.token, T0).await.unwrap();
    assert_eq!(found.map(|s| s.id), Some(live.id));
}
