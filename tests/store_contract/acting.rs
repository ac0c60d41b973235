//! Accountability for acting as someone: when acting began (for its time limit), ending it
//! once overdue, and the record of what was done while it lasted.

use sessionboard::model::{ActingActionKind, ImpersonationId, PageRequest, SessionId, Timestamp};
use sessionboard::store::{NewActingAction, Store};

use crate::fixture::{at, people, plant, serve, session};

contract!(
    an_acting_session_knows_when_its_acting_began,
    an_overdue_impersonation_ends_only_if_it_is_still_the_one_acting,
    actions_taken_while_acting_are_listed_newest_first_with_both_names,
);

/// When each impersonation in the log ended, by id.
async fn ended(store: &dyn Store) -> Vec<(ImpersonationId, Option<Timestamp>)> {
    let log = store
        .list_impersonations(PageRequest::default())
        .await
        .unwrap();
    log.items.iter().map(|i| (i.id, i.ended_at)).collect()
}

async fn an_acting_session_knows_when_its_acting_began(store: &dyn Store) {
    let p = people(store).await;
    let reps = plant(store, session(p.rita, p.sales, p.web, at(0))).await;
    serve(store, p.rita, p.acme).await;
    store
        .start_impersonation(reps.id, p.rita, p.bob, p.acme, at(3))
        .await
        .unwrap();
    let live = store
        .live_session_by_token(&reps.token, at(4))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.acting.map(|acting| acting.started_at), Some(at(3)));

    store.end_impersonation(reps.id, at(5)).await.unwrap();
    let live = store
        .live_session_by_token(&reps.token, at(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.acting, None);
}

async fn an_overdue_impersonation_ends_only_if_it_is_still_the_one_acting(store: &dyn Store) {
    let p = people(store).await;
    let reps = plant(store, session(p.rita, p.sales, p.web, at(0))).await;
    serve(store, p.rita, p.acme).await;
    let (first, _) = store
        .start_impersonation(reps.id, p.rita, p.bob, p.acme, at(1))
        .await
        .unwrap();
    store.end_impersonation(reps.id, at(2)).await.unwrap();
    serve(store, p.rita, p.globex).await;
    let (second, _) = store
        .start_impersonation(reps.id, p.rita, p.carol, p.globex, at(3))
        .await
        .unwrap();

    // A request that still saw the first one comes late: the second acts on.
    assert_eq!(
        store
            .expire_impersonation(reps.id, first, at(5))
            .await
            .unwrap(),
        None
    );
    let live = store
        .live_session_by_token(&reps.token, at(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        live.acting
            .map(|acting| (acting.impersonation_id, acting.started_at)),
        Some((second, at(3)))
    );
    assert_eq!(
        ended(store).await,
        vec![(second, None), (first, Some(at(2)))]
    );

    // The second, overdue, ends at the time it was due, once.
    assert_eq!(
        store
            .expire_impersonation(reps.id, second, at(6))
            .await
            .unwrap(),
        Some(reps.token)
    );
    let live = store
        .live_session_by_token(&reps.token, at(7))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.acting, None, "back to Rita's own eyes");
    assert_eq!(
        store
            .expire_impersonation(reps.id, second, at(8))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        ended(store).await,
        vec![(second, Some(at(6))), (first, Some(at(2)))]
    );
}

async fn actions_taken_while_acting_are_listed_newest_first_with_both_names(store: &dyn Store) {
    let p = people(store).await;
    let empty = store
        .list_acting_actions(PageRequest::default())
        .await
        .unwrap();
    assert!(empty.items.is_empty());
    for (minute, acting_user, account, kind, detail) in [
        (
            1,
            p.bob,
            p.acme,
            ActingActionKind::TerminatedSessions,
            "terminated session 1",
        ),
        (
            2,
            p.alice,
            p.acme,
            ActingActionKind::ChangedSetting,
            "turned geolocation off for Acme",
        ),
        (
            3,
            p.carol,
            p.globex,
            ActingActionKind::TerminatedSessions,
            "terminated 2 sessions of Carol Cook",
        ),
    ] {
        store
            .insert_acting_action(NewActingAction {
                at: at(minute),
                session_id: SessionId(42),
                representative: p.rita,
                acting_user,
                account,
                kind,
                detail,
            })
            .await
            .unwrap();
    }

    let page = PageRequest {
        after: None,
        limit: 2,
    };
    let newest = store.list_acting_actions(page).await.unwrap();
    let seen: Vec<_> = newest
        .items
        .iter()
        .map(|a| (a.at, a.who(), a.account_name.as_str(), a.kind))
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                at(3),
                "Rita Rep acting as Carol Cook".to_owned(),
                "Globex",
                ActingActionKind::TerminatedSessions
            ),
            (
                at(2),
                "Rita Rep acting as Alice Archer".to_owned(),
                "Acme",
                ActingActionKind::ChangedSetting
            ),
        ]
    );
    assert_eq!(newest.items[1].detail, "turned geolocation off for Acme");
    assert_eq!(newest.items[1].session_id, SessionId(42));
    assert_eq!(newest.items[1].representative_id, p.rita);
    assert_eq!(newest.items[1].acting_user_id, p.alice);
    assert_eq!(newest.items[1].account_id, p.acme);

    let page = PageRequest {
        after: newest.next,
        limit: 2,
    };
    let older = store.list_acting_actions(page).await.unwrap();
    let details: Vec<&str> = older.items.iter().map(|a| a.detail.as_str()).collect();
    assert_eq!(details, vec!["terminated session 1"]);
    assert_eq!(older.next, None);
}
