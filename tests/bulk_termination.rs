//! Ending every session that matches a board's filter: the count first, then exactly those
//! sessions, never the caller's own, only within what the caller may see, in batches.

mod common;

use std::time::Duration;

use common::{Backend, T0, World, world};
use sessionboard::Caller;
use sessionboard::Error;
use sessionboard::model::{
    EndReason, EndedFilter, PageRequest, SessionFilter, SessionId, SessionsView, Timestamp,
};

on_every_store!(
    an_owner_ends_every_matching_session_of_their_account_but_their_own,
    the_count_is_what_ending_them_ends_and_searches_and_flags_narrow_both,
    people_who_may_not_see_a_board_can_neither_count_nor_end_its_sessions,
    an_admin_ending_an_accounts_sessions_from_its_board_is_remembered_as_an_admin,
    more_sessions_than_one_batch_all_end,
);

fn after(minutes: u64) -> Timestamp {
    T0.plus(Duration::from_secs(minutes * 60))
}

fn by_user(user: sessionboard::model::UserId) -> SessionFilter {
    SessionFilter {
        user: Some(user),
        ..SessionFilter::default()
    }
}

async fn count(w: &World, caller: &Caller, view: SessionsView, filter: &SessionFilter) -> u64 {
    w.service
        .count_matching(caller, view, filter, after(10))
        .await
        .unwrap()
}

async fn end(w: &World, caller: &Caller, view: SessionsView, filter: &SessionFilter) -> u64 {
    w.service
        .terminate_matching(caller, view, filter, after(10))
        .await
        .unwrap()
}

/// Why `session` ended, as a platform admin's *Ended sessions* says.
async fn reason(w: &World, admin: &Caller, session: SessionId) -> EndReason {
    let page = w
        .service
        .list_ended_sessions(
            admin,
            SessionsView::Platform,
            &EndedFilter::default(),
            PageRequest::default(),
            after(11),
        )
        .await
        .unwrap();
    page.items
        .into_iter()
        .find(|ended| ended.session.id == session)
        .map(|ended| ended.reason)
        .unwrap_or_else(|| panic!("{session:?} did not end"))
}

async fn an_owner_ends_every_matching_session_of_their_account_but_their_own(backend: Backend) {
    let w = world(backend).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let (bob_laptop, _) = w.caller("bob@acme.example", after(1)).await;
    let bob_phone = w.plant_session(w.bob, w.acme, after(2)).await;
    let bob_elsewhere = w.plant_session(w.bob, w.globex, after(2)).await;
    let carols = w.plant_session(w.carol, w.globex, after(2)).await;
    let alice_tablet = w.plant_session(w.alice, w.acme, after(2)).await;
    let acme = SessionsView::Account(w.acme);

    // Bob's sessions in Acme: his laptop and his phone, not his Globex one.
    assert_eq!(count(&w, &alice, acme, &by_user(w.bob)).await, 2);
    assert_eq!(end(&w, &alice, acme, &by_user(w.bob)).await, 2);
    let refused = w
        .service
        .authenticate(bob_laptop.token.as_str(), after(10))
        .await;
    assert!(refused.is_err(), "Bob's laptop is still signed in");
    assert!(!w.is_live(bob_phone, after(10)).await);
    assert!(
        w.is_live(bob_elsewhere, after(10)).await,
        "another account's"
    );
    assert!(w.is_live(carols, after(10)).await, "another account's");

    // Everything in Acme: only Alice's tablet is left, never the session she asks from.
    assert_eq!(count(&w, &alice, acme, &SessionFilter::default()).await, 1);
    assert_eq!(end(&w, &alice, acme, &SessionFilter::default()).await, 1);
    assert!(!w.is_live(alice_tablet, after(10)).await);
    assert!(
        w.is_live(alice.session_id, after(10)).await,
        "her own session"
    );
    assert_eq!(count(&w, &alice, acme, &SessionFilter::default()).await, 0);

    let (_, adam) = w.caller("adam@platform.example", after(10)).await;
    assert_eq!(
        reason(&w, &adam, bob_phone).await,
        EndReason::TerminatedByOwner
    );
    assert_eq!(
        reason(&w, &adam, alice_tablet).await,
        EndReason::TerminatedByOwner
    );
}

async fn the_count_is_what_ending_them_ends_and_searches_and_flags_narrow_both(backend: Backend) {
    let w = world(backend).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    // Signed in through the web app, and planted (the iOS app, searchable as "planted").
    let (_, _) = w.caller("bob@acme.example", after(1)).await;
    let (_, _) = w.caller("carol@globex.example", after(1)).await;
    for minute in 2..5 {
        w.plant_session(w.dave, w.globex, after(minute)).await;
    }
    let everyone = SessionsView::Platform;
    let planted = SessionFilter {
        search: Some("Planted".to_owned()),
        ..SessionFilter::default()
    };
    let flagged = SessionFilter {
        flagged_only: true,
        ..SessionFilter::default()
    };
    let web = SessionFilter {
        application: Some(w.web),
        ..SessionFilter::default()
    };

    assert_eq!(count(&w, &adam, everyone, &flagged).await, 0);
    assert_eq!(end(&w, &adam, everyone, &flagged).await, 0);
    assert_eq!(count(&w, &adam, everyone, &planted).await, 3);
    assert_eq!(end(&w, &adam, everyone, &planted).await, 3);
    // Bob's and Carol's, not Adam's own (also the web app's).
    assert_eq!(count(&w, &adam, everyone, &web).await, 2);
    assert_eq!(end(&w, &adam, everyone, &web).await, 2);
    assert_eq!(
        count(&w, &adam, everyone, &SessionFilter::default()).await,
        0
    );
    assert!(w.is_live(adam.session_id, after(10)).await);
}

async fn people_who_may_not_see_a_board_can_neither_count_nor_end_its_sessions(backend: Backend) {
    let w = world(backend).await;
    let (_, bob) = w.caller("bob@acme.example", T0).await;
    let (_, carol) = w.caller("carol@globex.example", T0).await;
    let alices = w.plant_session(w.alice, w.acme, after(1)).await;
    let daves = w.plant_session(w.dave, w.globex, after(1)).await;

    for (who, caller, view) in [
        (
            "an employee, their own account's",
            &bob,
            SessionsView::Account(w.acme),
        ),
        (
            "an owner, another account's",
            &carol,
            SessionsView::Account(w.acme),
        ),
        ("an owner, every account's", &carol, SessionsView::Platform),
    ] {
        let filter = SessionFilter::default();
        let counted = w
            .service
            .count_matching(caller, view, &filter, after(10))
            .await;
        assert!(
            matches!(counted, Err(Error::Forbidden(_))),
            "{who}: {counted:?}"
        );
        let ended = w
            .service
            .terminate_matching(caller, view, &filter, after(10))
            .await;
        assert!(
            matches!(ended, Err(Error::Forbidden(_))),
            "{who}: {ended:?}"
        );
    }
    assert!(w.is_live(alices, after(10)).await);
    assert!(w.is_live(daves, after(10)).await);

    // Their own board is theirs: Bob ends his other sessions, not Alice's.
    let bobs = w.plant_session(w.bob, w.acme, after(1)).await;
    assert_eq!(
        end(&w, &bob, SessionsView::Mine, &SessionFilter::default()).await,
        1
    );
    assert!(!w.is_live(bobs, after(10)).await);
    assert!(w.is_live(bob.session_id, after(10)).await);
    assert!(w.is_live(alices, after(10)).await);
}

async fn an_admin_ending_an_accounts_sessions_from_its_board_is_remembered_as_an_admin(
    backend: Backend,
) {
    let w = world(backend).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let daves = w.plant_session(w.dave, w.globex, after(1)).await;
    let globex = SessionsView::Account(w.globex);
    assert_eq!(end(&w, &adam, globex, &SessionFilter::default()).await, 1);
    assert_eq!(reason(&w, &adam, daves).await, EndReason::TerminatedByAdmin);
}

async fn more_sessions_than_one_batch_all_end(backend: Backend) {
    let w = world(backend).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    // A batch is a thousand sessions.
    for n in 0..2_100 {
        w.plant_session(w.bob, w.acme, T0.plus(Duration::from_millis(n)))
            .await;
    }
    let acme = SessionsView::Account(w.acme);
    assert_eq!(
        count(&w, &alice, acme, &SessionFilter::default()).await,
        2_100
    );
    assert_eq!(
        end(&w, &alice, acme, &SessionFilter::default()).await,
        2_100
    );
    assert_eq!(count(&w, &alice, acme, &SessionFilter::default()).await, 0);
    assert!(w.is_live(alice.session_id, after(10)).await);
}
