//! Ending every session that matches a board's filter: the count first, then exactly those
//! sessions, never the caller's own, only within what the caller may see, in batches.

mod common;

use std::time::Duration;

use common::{Backend, T0, World, world};
use sessionboard::Caller;
use sessionboard::Error;
use sessionboard::model::{
    ChangeFilter, ChangeKind, DeviceKind, EndReason, EndedFilter, Location, PageRequest,
    SessionFilter, SessionId, SessionsView, Timestamp,
};
use sessionboard::service::Actor;

on_every_store!(
    an_owner_ends_every_matching_session_of_their_account_but_their_own,
    the_count_is_what_ending_them_ends_and_searches_and_flags_narrow_both,
    country_device_and_creation_time_narrow_what_is_counted_and_ended,
    a_country_that_is_not_a_two_letter_code_is_refused_and_nothing_ends,
    people_who_may_not_see_a_board_can_neither_count_nor_end_its_sessions,
    an_admin_ending_an_accounts_sessions_from_its_board_is_remembered_as_an_admin,
    more_sessions_than_one_batch_all_end,
    one_change_log_entry_says_who_ended_what_filter_and_how_many_and_progress_reaches_it,
    nothing_begins_when_more_sessions_match_than_were_confirmed,
    sessions_signed_in_after_it_began_are_not_ended,
    only_the_person_who_started_it_may_follow_its_progress,
    a_long_download_stops_once_the_downloaders_session_has_ended,
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

/// The caller at their keyboard, as the change log records them.
fn actor(caller: &Caller) -> Actor {
    Actor {
        caller: *caller,
        ip: "198.51.100.7".parse().unwrap(),
    }
}

async fn end(w: &World, caller: &Caller, view: SessionsView, filter: &SessionFilter) -> u64 {
    w.service
        .terminate_matching(&actor(caller), view, filter, after(10))
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
            .terminate_matching(&actor(caller), view, &filter, after(10))
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

async fn country_device_and_creation_time_narrow_what_is_counted_and_ended(backend: Backend) {
    let w = world(backend).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    // Web sign-ins: a Windows computer at an address no database places.
    let (bob_laptop, _) = w.caller("bob@acme.example", after(1)).await;
    // Planted: iPhones at a public address the GeoIP data places.
    let early = w.plant_session(w.dave, w.globex, after(2)).await;
    let middle = w.plant_session(w.dave, w.globex, after(4)).await;
    let late = w.plant_session(w.dave, w.globex, after(6)).await;
    let everyone = SessionsView::Platform;
    let listed = w
        .service
        .list_sessions(
            &adam,
            everyone,
            &SessionFilter::default(),
            PageRequest::default(),
            after(10),
        )
        .await
        .unwrap();
    let planted = listed.items.iter().find(|s| s.id == early).unwrap();
    let Location::Known {
        country_code: Some(country),
        ..
    } = &planted.location
    else {
        panic!("the planted address is placed: {:?}", planted.location)
    };
    let filter = |country: Option<&str>, device, from: Option<u64>, before: Option<u64>| {
        SessionFilter {
            // As a person types it: lower case is the same country.
            country: country.map(str::to_lowercase),
            device,
            created_after: from.map(after),
            created_before: before.map(after),
            ..SessionFilter::default()
        }
    };

    assert_eq!(
        count(
            &w,
            &adam,
            everyone,
            &filter(Some(country), None, None, None)
        )
        .await,
        3
    );
    assert_eq!(
        count(&w, &adam, everyone, &filter(Some("ZZ"), None, None, None)).await,
        0
    );
    let phones = filter(None, Some(DeviceKind::Phone), None, None);
    let computers = filter(None, Some(DeviceKind::Desktop), None, None);
    assert_eq!(count(&w, &adam, everyone, &phones).await, 3);
    // Bob's laptop; Adam's own computer is never counted.
    assert_eq!(count(&w, &adam, everyone, &computers).await, 1);
    // From the start of minute 3 up to (not including) minute 6: only the middle one.
    let window = filter(Some(country), Some(DeviceKind::Phone), Some(3), Some(6));
    assert_eq!(count(&w, &adam, everyone, &window).await, 1);
    assert_eq!(end(&w, &adam, everyone, &window).await, 1);
    assert!(!w.is_live(middle, after(10)).await);
    assert!(w.is_live(early, after(10)).await && w.is_live(late, after(10)).await);
    // The list narrows the same way.
    let listed = w
        .service
        .list_sessions(
            &adam,
            everyone,
            &computers,
            PageRequest::default(),
            after(10),
        )
        .await
        .unwrap();
    let ids: Vec<SessionId> = listed.items.iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![bob_laptop.session_id, adam.session_id]);
}

async fn a_country_that_is_not_a_two_letter_code_is_refused_and_nothing_ends(backend: Backend) {
    let w = world(backend).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let daves = w.plant_session(w.dave, w.globex, after(1)).await;
    for country in ["Netherlands", "N", "N1", "ÑL", ""] {
        let filter = SessionFilter {
            country: Some(country.to_owned()),
            ..SessionFilter::default()
        };
        let ended = w
            .service
            .terminate_matching(&actor(&adam), SessionsView::Platform, &filter, after(10))
            .await;
        assert!(
            matches!(ended, Err(Error::InvalidInput(_))),
            "{country:?}: {ended:?}"
        );
    }
    assert!(w.is_live(daves, after(10)).await);
}

/// The change log as a platform admin reads it.
async fn changes(w: &World, admin: &Caller) -> Vec<sessionboard::model::ChangeView> {
    w.service
        .list_changes(
            admin,
            None,
            &ChangeFilter::default(),
            PageRequest::default(),
        )
        .await
        .unwrap()
        .items
}

async fn one_change_log_entry_says_who_ended_what_filter_and_how_many_and_progress_reaches_it(
    backend: Backend,
) {
    let w = world(backend).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    for n in 0..1_500 {
        w.plant_session(w.bob, w.acme, T0.plus(Duration::from_millis(n)))
            .await;
    }
    let acme = SessionsView::Account(w.acme);
    let phones = SessionFilter {
        device: Some(DeviceKind::Phone),
        ..SessionFilter::default()
    };
    let job = w
        .service
        .begin_terminating_matching(&actor(&alice), acme, &phones, Some(1_500), after(10))
        .await
        .unwrap();
    assert_eq!(job.expected, 1_500);
    let begun = w
        .service
        .bulk_progress(&alice, job.id, after(10))
        .await
        .unwrap();
    assert_eq!(
        (begun.expected, begun.ended, begun.finished_at),
        (1_500, 0, None)
    );
    let id = job.id;
    assert_eq!(w.service.run_bulk_termination(job).await.unwrap(), 1_500);
    let done = w
        .service
        .bulk_progress(&alice, id, after(11))
        .await
        .unwrap();
    assert_eq!((done.ended, done.error), (1_500, None));
    assert!(done.finished_at.is_some_and(|at| at >= after(10)));
    assert!(
        done.updated_at >= after(10),
        "each batch moves its progress on"
    );

    let (_, adam) = w.caller("adam@platform.example", after(11)).await;
    let entries: Vec<_> = changes(&w, &adam)
        .await
        .into_iter()
        .filter(|change| change.kind == ChangeKind::SessionsEnded)
        .collect();
    assert_eq!(entries.len(), 1, "one entry for the whole termination");
    let entry = &entries[0];
    assert_eq!(entry.actor_id, Some(alice.user_id));
    assert_eq!(entry.account_id, Some(w.acme));
    assert_eq!(entry.sessions_ended, 1_500);
    assert_eq!(entry.ip.as_deref(), Some("198.51.100.7"));
    assert_eq!(
        entry.detail,
        "ended every session on phone (1500 sessions matched)"
    );
}

async fn nothing_begins_when_more_sessions_match_than_were_confirmed(backend: Backend) {
    let w = world(backend).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let first = w.plant_session(w.bob, w.acme, after(1)).await;
    let second = w.plant_session(w.bob, w.acme, after(2)).await;
    let acme = SessionsView::Account(w.acme);
    let all = SessionFilter::default();
    // She saw one; two match now.
    let begun = w
        .service
        .begin_terminating_matching(&actor(&alice), acme, &all, Some(1), after(10))
        .await;
    assert!(matches!(begun, Err(Error::Conflict(_))), "{begun:?}");
    assert!(w.is_live(first, after(10)).await && w.is_live(second, after(10)).await);
    let (_, adam) = w.caller("adam@platform.example", after(11)).await;
    assert!(
        changes(&w, &adam)
            .await
            .iter()
            .all(|change| change.kind != ChangeKind::SessionsEnded),
        "nothing began, so nothing is logged"
    );
}

async fn sessions_signed_in_after_it_began_are_not_ended(backend: Backend) {
    let w = world(backend).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let before = w.plant_session(w.bob, w.acme, after(1)).await;
    let acme = SessionsView::Account(w.acme);
    let job = w
        .service
        .begin_terminating_matching(&actor(&alice), acme, &by_user(w.bob), None, after(5))
        .await
        .unwrap();
    // Bob signs in again while it runs: that was not in what Alice confirmed.
    let again = w.plant_session(w.bob, w.acme, after(6)).await;
    assert_eq!(w.service.run_bulk_termination(job).await.unwrap(), 1);
    assert!(!w.is_live(before, after(7)).await);
    assert!(w.is_live(again, after(7)).await);
}

async fn only_the_person_who_started_it_may_follow_its_progress(backend: Backend) {
    let w = world(backend).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    w.plant_session(w.bob, w.acme, after(1)).await;
    let job = w
        .service
        .begin_terminating_matching(
            &actor(&alice),
            SessionsView::Account(w.acme),
            &SessionFilter::default(),
            None,
            after(5),
        )
        .await
        .unwrap();
    let someone_elses = w.service.bulk_progress(&adam, job.id, after(5)).await;
    assert!(
        matches!(someone_elses, Err(Error::NotFound(_))),
        "{someone_elses:?}"
    );
    // Never run (its server died): after a minute without a batch it says it stopped.
    let stalled = w
        .service
        .bulk_progress(&alice, job.id, after(7))
        .await
        .unwrap();
    assert!(stalled.finished_at.is_none());
    assert!(stalled.error.unwrap().contains("stopped"));
}

async fn a_long_download_stops_once_the_downloaders_session_has_ended(backend: Backend) {
    let w = world(backend).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let acme = SessionsView::Account(w.acme);
    let all = SessionFilter::default();
    let page = async |now| {
        w.service
            .list_sessions_still_signed_in(&alice, acme, &all, PageRequest::default(), now)
            .await
    };
    assert!(page(after(1)).await.is_ok());
    w.service.sign_out(&alice, after(2)).await.unwrap();
    let next = page(after(3)).await;
    assert!(matches!(next, Err(Error::Unauthenticated)), "{next:?}");
}
