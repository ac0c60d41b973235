//! Lists of live sessions: bounded by scope, narrowed by filters and search, walked in keyset
//! pages either way, counted up to a cap.

use std::cmp::Reverse;

use sessionboard::model::{PageRequest, SessionId};
use sessionboard::store::{NewSession, Scope, SessionQuery, Store};

use crate::common::T0;
use crate::fixture::{
    BY_HAND, DAY, NOW, OBSERVATION, People, Planted, at, ids, listed, people, plant, session,
};

contract!(
    lists_and_counts_reach_only_live_sessions_within_their_scope,
    filters_narrow_a_list_by_user_application_account_and_literal_search_text,
    keyset_pages_walk_every_live_session_exactly_once_newest_or_oldest_first,
    counting_stops_at_the_cap,
);

/// Every page in turn, checking that only full pages say another follows.
async fn walk(store: &dyn Store, scope: Scope, query: &SessionQuery, limit: u32) -> Vec<SessionId> {
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = PageRequest { after, limit };
        let page = store
            .list_live_sessions(scope, query, NOW, page)
            .await
            .unwrap();
        assert!(page.items.len() <= limit as usize);
        seen.extend(page.items.iter().map(|s| s.id));
        let Some(next) = page.next else {
            return seen;
        };
        assert_eq!(page.items.len(), limit as usize, "a short page is the last");
        assert!(seen.len() < 100, "the walk goes round in circles");
        after = Some(next);
    }
}

/// Alice in Acme on the web, Bob in Acme on iOS and in Globex on the web, Carol in Globex on
/// the web, a minute apart in that order; around them, one of Alice's that expired and one she
/// ended, neither of which any list shows.
struct Spread {
    alice: Planted,
    bob_acme: Planted,
    bob_globex: Planted,
    carol: Planted,
}

async fn spread(store: &dyn Store, p: &People) -> Spread {
    let with =
        |search_text: &'static str, new: NewSession<'static>| NewSession { search_text, ..new };
    let alice = with(
        "alice archer linux firefox berlin",
        session(p.alice, p.acme, p.web, at(0)),
    );
    let bob_acme = with(
        "bob baker ios safari london",
        session(p.bob, p.acme, p.ios, at(1)),
    );
    let bob_globex = with(
        "bob baker linux firefox paris",
        session(p.bob, p.globex, p.web, at(2)),
    );
    let carol = with(
        "carol cook windows chrome berlin",
        session(p.carol, p.globex, p.web, at(3)),
    );
    let expired = session(p.alice, p.acme, p.web, T0.minus(DAY));
    plant(store, with("alice archer berlin", expired)).await;
    let ended = plant(
        store,
        with(
            "alice archer berlin",
            session(p.alice, p.acme, p.web, at(4)),
        ),
    )
    .await;
    store
        .terminate_session(ended.id, Scope::All, BY_HAND, at(5))
        .await
        .unwrap();
    Spread {
        alice: plant(store, alice).await,
        bob_acme: plant(store, bob_acme).await,
        bob_globex: plant(store, bob_globex).await,
        carol: plant(store, carol).await,
    }
}

async fn lists_and_counts_reach_only_live_sessions_within_their_scope(store: &dyn Store) {
    let p = people(store).await;
    let s = spread(store, &p).await;
    let everything = SessionQuery::default();
    for (scope, expected) in [
        (Scope::User(p.bob), ids([s.bob_globex, s.bob_acme])),
        (Scope::User(p.alice), ids([s.alice])),
        (Scope::User(p.rita), vec![]),
        (Scope::Account(p.acme), ids([s.bob_acme, s.alice])),
        (Scope::Account(p.globex), ids([s.carol, s.bob_globex])),
        (Scope::Account(p.sales), vec![]),
        (
            Scope::All,
            ids([s.carol, s.bob_globex, s.bob_acme, s.alice]),
        ),
    ] {
        assert_eq!(
            listed(store, scope, &everything, NOW).await,
            expected,
            "{scope:?}"
        );
    }

    // A row says whose session it is and where it comes from.
    let page = PageRequest::default();
    let alices = store
        .list_live_sessions(Scope::User(p.alice), &everything, NOW, page)
        .await
        .unwrap();
    let row = &alices.items[0];
    assert_eq!(
        (row.id, row.user_id, row.account_id),
        (s.alice.id, p.alice, p.acme)
    );
    assert_eq!(row.user_name, "Alice Archer");
    assert_eq!(row.account_name, "Acme");
    assert_eq!(row.application, "Web");
    assert_eq!(row.ip, OBSERVATION.ip.to_string());
    assert_eq!(row.device, *OBSERVATION.device);
    assert_eq!(row.location, OBSERVATION.location);
    assert_eq!((row.created_at, row.last_active_at), (at(0), at(0)));
    assert!(!row.is_current, "the store knows no current session");
}

async fn filters_narrow_a_list_by_user_application_account_and_literal_search_text(
    store: &dyn Store,
) {
    let p = people(store).await;
    let s = spread(store, &p).await;
    let query = |user, application, account, search: Option<&str>| SessionQuery {
        user,
        application,
        account,
        search: search.map(str::to_owned),
        ..SessionQuery::default()
    };
    let bob = query(Some(p.bob), None, None, None);
    let ios = query(None, Some(p.ios), None, None);
    let globex = query(None, None, Some(p.globex), None);
    let search = |term| query(None, None, None, Some(term));
    for (scope, filter, expected) in [
        (Scope::All, &bob, ids([s.bob_globex, s.bob_acme])),
        (Scope::Account(p.acme), &bob, ids([s.bob_acme])),
        (Scope::All, &ios, ids([s.bob_acme])),
        (Scope::All, &globex, ids([s.carol, s.bob_globex])),
        // A filter never widens the scope.
        (Scope::Account(p.acme), &globex, vec![]),
        (Scope::User(p.carol), &bob, vec![]),
        // Substrings of the search text, through the index (three letters or more) or not.
        (Scope::All, &search("berlin"), ids([s.carol, s.alice])),
        (Scope::Account(p.acme), &search("berlin"), ids([s.alice])),
        (Scope::All, &search("ok"), ids([s.carol])),
        (
            Scope::All,
            &search("linux firefox"),
            ids([s.bob_globex, s.alice]),
        ),
        (Scope::All, &search("nowhere"), vec![]),
        // `%` and `_` are characters like any other, not wildcards.
        (Scope::All, &search("%"), vec![]),
        (Scope::All, &search("_"), vec![]),
        (Scope::All, &search("b_ker"), vec![]),
        // Everything at once.
        (
            Scope::All,
            &query(Some(p.bob), Some(p.web), Some(p.globex), Some("baker")),
            ids([s.bob_globex]),
        ),
    ] {
        assert_eq!(
            listed(store, scope, filter, NOW).await,
            expected,
            "{scope:?} {filter:?}"
        );
    }
}

async fn keyset_pages_walk_every_live_session_exactly_once_newest_or_oldest_first(
    store: &dyn Store,
) {
    let p = people(store).await;
    // Nine live sessions, two of them created in the same millisecond, alternately Alice's in
    // Acme and Bob's in Globex, two in three of them on Chrome.
    let mut planted = Vec::new();
    for (i, minutes) in [0, 1, 2, 2, 3, 5, 8, 13, 21].into_iter().enumerate() {
        let (user, account) = if i % 2 == 0 {
            (p.alice, p.acme)
        } else {
            (p.bob, p.globex)
        };
        let search_text = if i % 3 == 0 { "firefox" } else { "chrome" };
        let new = session(user, account, p.web, at(minutes));
        let id = plant(store, NewSession { search_text, ..new }).await.id;
        planted.push((at(minutes), id, account, search_text));
    }
    // Among them, an expired one and an ended one, which no page shows.
    let expired = session(p.alice, p.acme, p.web, T0.minus(DAY));
    plant(
        store,
        NewSession {
            search_text: "chrome",
            ..expired
        },
    )
    .await;
    let ended = session(p.alice, p.acme, p.web, at(4));
    let ended = plant(
        store,
        NewSession {
            search_text: "chrome",
            ..ended
        },
    )
    .await;
    store
        .terminate_session(ended.id, Scope::All, BY_HAND, at(22))
        .await
        .unwrap();

    // Newest first: by creation, then by id.
    planted.sort_by_key(|&(created, id, _, _)| Reverse((created, id)));
    for scope in [Scope::All, Scope::Account(p.acme)] {
        for search in [None, Some("chrome")] {
            for oldest_first in [false, true] {
                let mut expected: Vec<SessionId> = planted
                    .iter()
                    .filter(|(_, _, account, text)| {
                        (scope == Scope::All || scope == Scope::Account(*account))
                            && search.is_none_or(|term| *text == term)
                    })
                    .map(|(_, id, _, _)| *id)
                    .collect();
                if oldest_first {
                    expected.reverse();
                }
                let query = SessionQuery {
                    search: search.map(str::to_owned),
                    oldest_first,
                    flagged_only: false,
                    ..SessionQuery::default()
                };
                for limit in [1, 2, 4, 100] {
                    let walked = walk(store, scope, &query, limit).await;
                    assert_eq!(walked, expected, "{scope:?} {query:?}, pages of {limit}");
                }
            }
        }
    }
}

async fn counting_stops_at_the_cap(store: &dyn Store) {
    let p = people(store).await;
    for i in 0..5 {
        let search_text = if i < 4 { "chrome" } else { "firefox" };
        let new = session(p.alice, p.acme, p.web, at(i));
        plant(store, NewSession { search_text, ..new }).await;
    }
    let everything = SessionQuery::default();
    let chrome = SessionQuery {
        search: Some("chrome".to_owned()),
        ..SessionQuery::default()
    };
    for (query, matching) in [(&everything, 5), (&chrome, 4)] {
        for cap in [1, 3, 4, 5, 100] {
            let counted = store.count_live_sessions(Scope::All, query, NOW, cap).await;
            assert_eq!(
                counted.unwrap(),
                matching.min(u64::from(cap)),
                "{query:?}, cap {cap}"
            );
        }
    }
}
