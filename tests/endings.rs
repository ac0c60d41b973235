//! Why every session ended: each way a session can end leaves its reason and, where a person
//! or an application did it, who; *Ended sessions* shows them within the viewer's scope.

mod common;

use std::net::IpAddr;
use std::time::Duration;

use common::{Backend, PASSWORD, T0, World, world};
use sessionboard::Caller;
use sessionboard::model::{
    EndReason, EndedFilter, EndedSessionView, KeyPowers, PageRequest, SessionId, SessionsView,
    Timestamp,
};
use sessionboard::service::Actor;

on_every_store!(
    every_way_a_session_ends_is_remembered_with_its_reason_and_actor,
    people_owners_and_admins_see_ended_sessions_only_within_their_scope,
    ended_sessions_filter_by_reason_and_page_newest_end_first,
    a_session_that_runs_out_says_whether_it_sat_idle_or_hit_the_limit,
);

const DAY: u64 = 24 * 3600;
const NEW_PASSWORD: &str = "a much longer new passphrase 42";

fn after(minutes: u64) -> Timestamp {
    T0.plus(Duration::from_secs(minutes * 60))
}

fn asking(caller: Caller) -> Actor {
    Actor {
        caller,
        ip: IpAddr::from([127, 0, 0, 1]),
    }
}

async fn ended(
    w: &World,
    caller: &Caller,
    view: SessionsView,
    now: Timestamp,
) -> Vec<EndedSessionView> {
    w.service
        .list_ended_sessions(
            caller,
            view,
            &EndedFilter::default(),
            PageRequest::default(),
            now,
        )
        .await
        .unwrap()
        .items
}

/// (reason, ended by) of `session` as `caller` sees it.
async fn why(
    w: &World,
    caller: &Caller,
    view: SessionsView,
    session: SessionId,
) -> (EndReason, Option<String>) {
    let all = ended(w, caller, view, after(500)).await;
    let found = all
        .into_iter()
        .find(|ended| ended.session.id == session)
        .unwrap_or_else(|| panic!("session {session:?} is not among the ended"));
    (found.reason, found.ended_by)
}

async fn every_way_a_session_ends_is_remembered_with_its_reason_and_actor(backend: Backend) {
    let w = world(backend).await;
    let s = &w.service;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let (_, bob) = w.caller("bob@acme.example", T0).await;
    let everyone = SessionsView::Platform;

    // Signed out, on the device itself.
    let (_, bob_laptop) = w.caller("bob@acme.example", after(1)).await;
    s.sign_out(&bob_laptop, after(2)).await.unwrap();
    // By Bob from another of his sessions, by Alice as Acme's owner, by Adam as an admin.
    let mine = w.plant_session(w.bob, w.acme, after(3)).await;
    s.terminate_session(&bob, mine, after(4)).await.unwrap();
    let owners = w.plant_session(w.bob, w.acme, after(3)).await;
    s.terminate_session(&alice, owners, after(5)).await.unwrap();
    let admins = w.plant_session(w.carol, w.globex, after(3)).await;
    s.terminate_session(&adam, admins, after(6)).await.unwrap();
    // By Rita, acting as Bob.
    let (rita_signed_in, rita) = w.caller("rita@sales.example", after(7)).await;
    s.start_impersonation(&rita, w.bob, w.acme, after(7))
        .await
        .unwrap();
    let as_bob = s
        .authenticate(rita_signed_in.token.as_str(), after(8))
        .await
        .unwrap();
    let reps = w.plant_session(w.bob, w.acme, after(3)).await;
    s.terminate_session(&as_bob, reps, after(9)).await.unwrap();
    // By an application, through its key.
    let (_, secret) = w
        .operator
        .create_api_key("iOS app", KeyPowers::PLATFORM, "help desk", T0)
        .await
        .unwrap();
    let key = s.authenticate_api_key(&secret.reveal()).await.unwrap();
    let apps = w.plant_session(w.carol, w.globex, after(3)).await;
    s.platform_terminate_session(&key, apps, after(10))
        .await
        .unwrap();
    // Reported as not them.
    let reported = w.plant_session(w.bob, w.acme, after(3)).await;
    s.report_sign_in(&bob, reported, after(11)).await.unwrap();
    // Removed from the account; deactivated; account closed; application retired.
    let removed = w.plant_session(w.dave, w.globex, after(3)).await;
    s.remove_member(&asking(adam), w.globex, w.dave, after(12))
        .await
        .unwrap();
    let deactivated = w.plant_session(w.carol, w.globex, after(3)).await;
    s.deactivate_person(&asking(adam), w.carol, after(13))
        .await
        .unwrap();
    let closed = w.plant_session(w.rita, w.rita_personal, after(3)).await;
    s.close_account(&asking(adam), w.rita_personal, after(14))
        .await
        .unwrap();
    let retired = w.plant_session(w.alice, w.acme, after(3)).await; // an iOS session
    s.retire_application(&asking(adam), w.ios, after(15))
        .await
        .unwrap();
    // Bob's password changed, signing out his others.
    let (_, bob_now) = w.caller("bob@acme.example", after(16)).await;
    let others = w.plant_session(w.bob, w.acme, after(3)).await;
    s.change_password(&asking(bob_now), PASSWORD, NEW_PASSWORD, true, after(17))
        .await
        .unwrap();

    let name = |n: &str| Some(n.to_owned());
    let expected = [
        (
            bob_laptop.session_id,
            EndReason::SignedOut,
            name("Bob Baker"),
        ),
        (mine, EndReason::TerminatedByYou, name("Bob Baker")),
        (owners, EndReason::TerminatedByOwner, name("Alice Archer")),
        (admins, EndReason::TerminatedByAdmin, name("Adam Admin")),
        (
            reps,
            EndReason::TerminatedByRepresentative,
            name("Rita Rep"),
        ),
        (apps, EndReason::EndedByApplication, name("help desk")),
        (reported, EndReason::ReportedNotYou, name("Bob Baker")),
        (removed, EndReason::RemovedFromAccount, name("Adam Admin")),
        (
            deactivated,
            EndReason::PersonDeactivated,
            name("Adam Admin"),
        ),
        (closed, EndReason::AccountClosed, name("Adam Admin")),
        (retired, EndReason::ApplicationRetired, name("Adam Admin")),
        (
            bob.session_id,
            EndReason::PasswordChanged,
            name("Bob Baker"),
        ),
        (others, EndReason::PasswordChanged, name("Bob Baker")),
    ];
    for (session, reason, by) in expected {
        assert_eq!(
            why(&w, &adam, everyone, session).await,
            (reason, by),
            "session {session:?}"
        );
    }

    // Bob reads his own: only an owner's name or a key's label is his to know; who else ended
    // a session (an admin, a representative, whoever changed his password) is for admins.
    let (_, bob_again) = w
        .caller_with("bob@acme.example", NEW_PASSWORD, after(18))
        .await;
    let seen = ended(&w, &bob_again, SessionsView::Mine, after(500)).await;
    let named = |id| {
        let ended = seen.iter().find(|e| e.session.id == id).unwrap();
        (ended.ended_by.clone(), ended.why())
    };
    assert_eq!(
        named(reps),
        (None, "Terminated by a sales representative".to_owned())
    );
    assert_eq!(
        named(owners),
        (
            name("Alice Archer"),
            "Terminated by Alice Archer (account owner)".to_owned()
        )
    );
    assert_eq!(named(others), (None, "Password changed".to_owned()));
    // Alice, as Acme's owner, sees the iOS session the admin retired, without his name.
    let acme = ended(&w, &alice, SessionsView::Account(w.acme), after(500)).await;
    let retired_seen = acme.iter().find(|e| e.session.id == retired).unwrap();
    assert_eq!(
        (retired_seen.reason, retired_seen.ended_by.clone()),
        (EndReason::ApplicationRetired, None)
    );
}

async fn people_owners_and_admins_see_ended_sessions_only_within_their_scope(backend: Backend) {
    let w = world(backend).await;
    let s = &w.service;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let (_, bob) = w.caller("bob@acme.example", T0).await;
    let (_, carol) = w.caller("carol@globex.example", T0).await;
    let bobs = w.plant_session(w.bob, w.acme, T0).await;
    let alices = w.plant_session(w.alice, w.acme, T0).await;
    let daves = w.plant_session(w.dave, w.globex, T0).await;
    for (caller, session) in [(&bob, bobs), (&alice, alices), (&adam, daves)] {
        s.terminate_session(caller, session, after(1))
            .await
            .unwrap();
    }
    let ids = |ended: Vec<EndedSessionView>| {
        let mut ids: Vec<SessionId> = ended.into_iter().map(|e| e.session.id).collect();
        ids.sort();
        ids
    };
    assert_eq!(
        ids(ended(&w, &bob, SessionsView::Mine, after(2)).await),
        vec![bobs]
    );
    assert_eq!(
        ids(ended(&w, &alice, SessionsView::Account(w.acme), after(2)).await),
        vec![bobs, alices]
    );
    assert_eq!(
        ids(ended(&w, &adam, SessionsView::Platform, after(2)).await),
        vec![bobs, alices, daves]
    );
    // Not Bob's to read Acme's; not Carol's to read Acme's; not Alice's to read everyone's.
    for (caller, view) in [
        (&bob, SessionsView::Account(w.acme)),
        (&carol, SessionsView::Account(w.acme)),
        (&alice, SessionsView::Platform),
    ] {
        let refused = s
            .list_ended_sessions(
                caller,
                view,
                &EndedFilter::default(),
                PageRequest::default(),
                after(2),
            )
            .await;
        assert!(refused.is_err(), "{view:?} was shown: {refused:?}");
    }
    // Live sessions are never among the ended.
    assert!(
        ended(&w, &adam, SessionsView::Platform, after(2))
            .await
            .iter()
            .all(|e| e.session.id != adam.session_id)
    );
}

async fn ended_sessions_filter_by_reason_and_page_newest_end_first(backend: Backend) {
    let w = world(backend).await;
    let s = &w.service;
    let (_, bob) = w.caller("bob@acme.example", T0).await;
    let mut by_bob = Vec::new();
    for minute in 1..=5 {
        let session = w.plant_session(w.bob, w.acme, T0).await;
        s.terminate_session(&bob, session, after(minute))
            .await
            .unwrap();
        by_bob.push(session);
    }
    let reported = w.plant_session(w.bob, w.acme, T0).await;
    s.report_sign_in(&bob, reported, after(6)).await.unwrap();

    let filter = |reason| EndedFilter {
        reason: Some(reason),
        user: None,
    };
    let page = |after_cursor, limit| PageRequest {
        after: after_cursor,
        limit,
    };
    let only_reported = s
        .list_ended_sessions(
            &bob,
            SessionsView::Mine,
            &filter(EndReason::ReportedNotYou),
            page(None, 50),
            after(10),
        )
        .await
        .unwrap();
    assert_eq!(
        only_reported
            .items
            .iter()
            .map(|e| e.session.id)
            .collect::<Vec<_>>(),
        vec![reported]
    );
    // Newest end first, three at a time, with nothing repeated or skipped.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let got = s
            .list_ended_sessions(
                &bob,
                SessionsView::Mine,
                &filter(EndReason::TerminatedByYou),
                page(cursor, 3),
                after(10),
            )
            .await
            .unwrap();
        seen.extend(got.items.iter().map(|e| e.session.id));
        match got.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    by_bob.reverse();
    assert_eq!(seen, by_bob);
}

async fn a_session_that_runs_out_says_whether_it_sat_idle_or_hit_the_limit(backend: Backend) {
    let w = world(backend).await;
    let store = w.operator.store();
    let policy = w.operator.policy();
    let idle = w.plant_session(w.bob, w.acme, T0).await;
    // Used every few weeks: it reaches the 90-day limit instead.
    let busy = w.plant_session(w.bob, w.acme, T0).await;
    for day in [20, 40, 60, 80] {
        let now = T0.plus(Duration::from_secs(day * DAY));
        let expires_at = policy.expiry(T0, now);
        assert!(store.touch_session(busy, now, expires_at).await.unwrap());
    }
    let later = T0.plus(Duration::from_secs(91 * DAY));
    let (_, bob) = w.caller("bob@acme.example", later).await;
    let seen = ended(&w, &bob, SessionsView::Mine, later).await;
    let reason = |id| {
        seen.iter()
            .find(|e| e.session.id == id)
            .map(|e| (e.reason, e.ended_at))
    };
    assert_eq!(
        reason(idle),
        Some((
            EndReason::ExpiredIdle,
            T0.plus(Duration::from_secs(30 * DAY))
        ))
    );
    assert_eq!(
        reason(busy),
        Some((
            EndReason::ExpiredLifetime,
            T0.plus(Duration::from_secs(90 * DAY))
        ))
    );
}
