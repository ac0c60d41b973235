//! "Is this me?" flags, through the service: a sign-in is compared with what the store
//! remembers of its person, and the flags stay with the session and its sign-in record.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{Backend, CHROME_WINDOWS, SAFARI_IPHONE, T0, world};
use sessionboard::access::Scope;
use sessionboard::model::{
    LoginRecordFilter, PageRequest, SessionFilter, SessionFlags, SessionId, SessionsView, Timestamp,
};

on_every_store!(
    a_sign_in_is_flagged_against_the_persons_own_history,
    without_stored_locations_only_a_new_device_is_flagged,
    a_flagged_sign_in_asks_the_persons_other_pages_until_answered,
    a_device_unused_for_ninety_days_is_new_again_and_then_known,
);

const LONDON: &str = "81.2.69.142";

/// The flags of each of the person's live sessions, as their own sessions page lists them.
async fn flags_by_session(
    w: &common::World,
    email: &str,
    now: Timestamp,
) -> (sessionboard::Caller, HashMap<SessionId, SessionFlags>) {
    let (_, caller) = w.caller(email, now).await;
    let page = w
        .service
        .sessions_page(
            &caller,
            SessionsView::Mine,
            &SessionFilter::default(),
            PageRequest::default(),
            now,
        )
        .await
        .unwrap();
    let flags = page
        .items
        .into_iter()
        .map(|session| (session.id, session.flags))
        .collect();
    (caller, flags)
}
const BERLIN: &str = "2001:db8::1";

fn after(minutes: u64) -> Timestamp {
    T0.plus(Duration::from_secs(minutes * 60))
}

async fn a_sign_in_is_flagged_against_the_persons_own_history(backend: Backend) {
    let w = world(backend).await;
    let email = "bob@acme.example";
    // Their first sign-in: nothing to compare with.
    let first = w.sign_in(email, CHROME_WINDOWS, LONDON, T0).await;
    // Ten minutes later from Berlin, 930 km away: a new country, and faster than any plane.
    let berlin = w.sign_in(email, CHROME_WINDOWS, BERLIN, after(10)).await;
    // Hours later, a phone in Berlin: a new device, nothing else.
    let phone = w.sign_in(email, SAFARI_IPHONE, BERLIN, after(300)).await;
    // And the usual again: nothing.
    let usual = w.sign_in(email, CHROME_WINDOWS, BERLIN, after(600)).await;

    let (caller, flags) = flags_by_session(&w, email, after(601)).await;
    let flags_of = |id| flags[&id].clone();
    assert_eq!(flags_of(first.session_id), SessionFlags::default());
    let travelled = flags_of(berlin.session_id);
    assert!(
        travelled.new_country && travelled.impossible_travel && !travelled.new_device,
        "{travelled:?}"
    );
    assert_eq!(
        travelled.why,
        "first sign-in from Berlin, Germany; 929 km from the previous sign-in 10 minutes earlier"
    );
    let new_phone = flags_of(phone.session_id);
    assert!(
        new_phone.new_device && !new_phone.new_country && !new_phone.impossible_travel,
        "{new_phone:?}"
    );
    assert_eq!(new_phone.why, "first sign-in with Mobile Safari on iOS");
    assert_eq!(flags_of(usual.session_id), SessionFlags::default());

    // "Flagged only" lists exactly those two, and the session this check signed in with (from
    // the test database's Mountain View, 9,000 km from Berlin a minute later).
    let flagged = w
        .service
        .sessions_page(
            &caller,
            SessionsView::Mine,
            &SessionFilter {
                flagged_only: true,
                ..SessionFilter::default()
            },
            PageRequest::default(),
            after(601),
        )
        .await
        .unwrap();
    let mut ids: Vec<_> = flagged.items.iter().map(|session| session.id).collect();
    ids.sort();
    let mut expected = vec![berlin.session_id, phone.session_id, caller.session_id];
    expected.sort();
    assert_eq!(ids, expected);

    // The sign-in history carries the same flags.
    let records = w
        .operator
        .store()
        .list_login_records(
            Scope::User(w.bob),
            &LoginRecordFilter::default(),
            PageRequest::default(),
        )
        .await
        .unwrap();
    let flagged_records = records.items.iter().filter(|r| r.flags.any()).count();
    assert_eq!(flagged_records, 3);
}

async fn without_stored_locations_only_a_new_device_is_flagged(backend: Backend) {
    let w = world(backend).await;
    let store = w.operator.store();
    store.set_store_geolocation(w.acme, false).await.unwrap();
    let email = "bob@acme.example";
    w.sign_in(email, CHROME_WINDOWS, LONDON, T0).await;
    let abroad = w.sign_in(email, CHROME_WINDOWS, BERLIN, after(10)).await;
    let phone = w.sign_in(email, SAFARI_IPHONE, BERLIN, after(20)).await;
    let (_, flags) = flags_by_session(&w, email, after(21)).await;
    let flags_of = |id| flags[&id].clone();
    assert_eq!(
        flags_of(abroad.session_id),
        SessionFlags::default(),
        "no place, no travel"
    );
    let new_phone = flags_of(phone.session_id);
    assert!(
        new_phone.new_device && !new_phone.new_country,
        "{new_phone:?}"
    );
}

async fn a_device_unused_for_ninety_days_is_new_again_and_then_known(backend: Backend) {
    let w = world(backend).await;
    let email = "bob@acme.example";
    let day = |days: u64, minutes: u64| after(days * 24 * 60 + minutes);
    w.sign_in(email, CHROME_WINDOWS, LONDON, T0).await;
    let phone = w.sign_in(email, SAFARI_IPHONE, LONDON, after(1)).await;
    let (_, early) = flags_by_session(&w, email, after(2)).await;
    assert!(early[&phone.session_id].new_device);
    // Ninety-one days on, both are forgotten: the laptop is new again, and remembered anew by
    // the very sign-in that forgets its old entry.
    let back = w.sign_in(email, CHROME_WINDOWS, LONDON, day(91, 0)).await;
    let again = w.sign_in(email, CHROME_WINDOWS, LONDON, day(91, 60)).await;
    let phone_back = w.sign_in(email, SAFARI_IPHONE, LONDON, day(91, 120)).await;

    let (_, flags) = flags_by_session(&w, email, day(91, 121)).await;
    assert!(
        flags[&back.session_id].new_device,
        "{:?}",
        flags[&back.session_id]
    );
    assert_eq!(flags[&again.session_id], SessionFlags::default());
    assert!(flags[&phone_back.session_id].new_device);
    assert!(
        !flags[&phone_back.session_id].new_country,
        "London is known again since the laptop's sign-in"
    );
}

async fn a_flagged_sign_in_asks_the_persons_other_pages_until_answered(backend: Backend) {
    let w = world(backend).await;
    let email = "bob@acme.example";
    let home = w.sign_in(email, CHROME_WINDOWS, LONDON, T0).await;
    let home = w
        .service
        .authenticate(home.token.as_str(), T0)
        .await
        .unwrap();
    let berlin = w.sign_in(email, CHROME_WINDOWS, BERLIN, after(10)).await;
    let now = after(11);

    let notices = w.service.sign_in_notices(&home, now).await.unwrap();
    let ids: Vec<_> = notices.iter().map(|session| session.id).collect();
    assert_eq!(ids, vec![berlin.session_id]);
    // Not on the flagged session's own pages.
    let there = w
        .service
        .authenticate(berlin.token.as_str(), now)
        .await
        .unwrap();
    assert!(
        w.service
            .sign_in_notices(&there, now)
            .await
            .unwrap()
            .is_empty()
    );

    // "Yes, it was me" is remembered.
    w.service
        .confirm_sign_in(&home, berlin.session_id, now)
        .await
        .unwrap();
    assert!(
        w.service
            .sign_in_notices(&home, now)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(w.is_live(berlin.session_id, now).await);

    // "No, sign it out" ends it at once.
    let phone = w.sign_in(email, SAFARI_IPHONE, BERLIN, after(20)).await;
    let now = after(21);
    assert_eq!(
        w.service.sign_in_notices(&home, now).await.unwrap().len(),
        1
    );
    // Only one's own: the account's owner may end Bob's sessions, but not answer for him.
    let (_, alice) = w.caller("alice@acme.example", now).await;
    let not_hers = w
        .service
        .report_sign_in(&alice, phone.session_id, now)
        .await;
    assert!(
        matches!(not_hers, Err(sessionboard::Error::SessionNotFound)),
        "{not_hers:?}"
    );
    let not_yet = w.service.report_sign_in(&home, home.session_id, now).await;
    assert!(
        not_yet.is_err(),
        "the page asking is not reported from itself"
    );
    w.service
        .report_sign_in(&home, phone.session_id, now)
        .await
        .unwrap();
    assert!(!w.is_live(phone.session_id, now).await);
    assert!(
        w.service
            .sign_in_notices(&home, now)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        w.service
            .authenticate(phone.token.as_str(), now)
            .await
            .is_err(),
        "the reported device is signed out at its next request"
    );
}
