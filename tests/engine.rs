//! The engine's other rules on every store: impersonation, sign-in history, the geolocation
//! setting, lists (filters, search, pagination) and purging.

mod common;

use std::time::Duration;

use common::{Backend, CHROME_WINDOWS, PASSWORD, SAFARI_IPHONE, T0, world};
use sessionboard::Error;
use sessionboard::model::{
    Location, LoginOutcome, LoginRecordFilter, PageRequest, SessionFilter, SessionId, SessionsView,
    Timestamp,
};
use sessionboard::service::{Channel, SignIn, WEB_APPLICATION};

on_every_store!(
    a_sales_rep_sees_exactly_what_the_customer_sees_and_is_never_one_of_their_sessions,
    only_sales_reps_impersonate_and_only_customers_in_their_accounts,
    the_audit_log_is_for_platform_admins_only,
    every_sign_in_attempt_lands_in_the_history_and_outlives_its_session,
    sign_in_history_is_filtered_by_date_outcome_and_scoped_by_role,
    the_geolocation_setting_affects_only_new_sessions,
    only_owners_and_admins_change_the_geolocation_setting,
    lists_filter_by_user_application_and_account,
    search_matches_names_emails_devices_browsers_locations_and_ips,
    search_pages_walk_every_match_in_order_both_ways,
    keyset_pages_cover_every_session_exactly_once,
    oversized_or_malformed_list_requests_are_refused,
    the_purge_deletes_only_sessions_long_past_their_end,
    pages_count_every_match_and_reps_find_customers,
);

const MINUTE: Duration = Duration::from_secs(60);
const DAY: Duration = Duration::from_secs(24 * 3600);

async fn a_sales_rep_sees_exactly_what_the_customer_sees_and_is_never_one_of_their_sessions(
    backend: Backend,
) {
    let w = world(backend).await;
    let bobs_laptop = w
        .sign_in("bob@acme.example", CHROME_WINDOWS, "81.2.69.142", T0)
        .await;
    let (rep_session, rita) = w.caller("rita@sales.example", T0).await;

    w.service
        .start_impersonation(&rita, w.bob, w.acme, T0)
        .await
        .unwrap();
    let acting = w
        .service
        .authenticate(rep_session.token.as_str(), T0)
        .await
        .unwrap();
    assert_eq!(acting.user_id, w.bob);
    assert_eq!(acting.account_id, w.acme);
    assert_eq!(acting.impersonator, Some(w.rita));

    // Bob's view, seen by Rita: Bob's one session, none of them "current", Rita's absent.
    let as_bob = w.service.list_my_sessions(&acting, T0).await.unwrap();
    assert_eq!(
        as_bob.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![bobs_laptop.session_id]
    );
    assert!(as_bob.iter().all(|s| !s.is_current));
    let bob = w
        .service
        .authenticate(bobs_laptop.token.as_str(), T0)
        .await
        .unwrap();
    assert_eq!(
        w.service.list_my_sessions(&bob, T0).await.unwrap(),
        as_bob
            .iter()
            .map(|s| {
                let mut s = s.clone();
                s.is_current = true;
                s
            })
            .collect::<Vec<_>>()
    );
    // Alice, Acme's owner, does not see Rita's session among her account's sessions either.
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let acme = w
        .service
        .list_sessions(
            &alice,
            SessionsView::Account(w.acme),
            &SessionFilter::default(),
            PageRequest::default(),
            T0,
        )
        .await
        .unwrap();
    assert!(
        acme.items
            .iter()
            .all(|s| s.user_id != w.rita && s.id != rep_session.session_id)
    );

    let viewer = w.service.viewer(&acting).await.unwrap();
    assert_eq!(viewer.name, "Bob Baker");
    assert_eq!(viewer.account_name, "Acme");
    assert_eq!(
        viewer.impersonator.as_ref().map(|i| i.name.as_str()),
        Some("Rita Rep")
    );

    w.service
        .end_impersonation(&acting, T0.plus(MINUTE))
        .await
        .unwrap();
    let rita_again = w
        .service
        .authenticate(rep_session.token.as_str(), T0)
        .await
        .unwrap();
    assert_eq!(rita_again.user_id, w.rita);
    assert_eq!(rita_again.impersonator, None);
    assert_eq!(
        w.service.viewer(&rita_again).await.unwrap().name,
        "Rita Rep"
    );
    assert!(matches!(
        w.service.end_impersonation(&rita_again, T0).await,
        Err(Error::NotImpersonating)
    ));
}

async fn only_sales_reps_impersonate_and_only_customers_in_their_accounts(backend: Backend) {
    let w = world(backend).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let (_, rita) = w.caller("rita@sales.example", T0).await;
    let (rep_session, rita2) = w.caller("rita@sales.example", T0).await;

    assert!(matches!(
        w.service
            .start_impersonation(&alice, w.bob, w.acme, T0)
            .await,
        Err(Error::Forbidden(_))
    ));
    for (target, account) in [(w.adam, w.acme), (w.rita, w.rita_personal)] {
        assert!(matches!(
            w.service
                .start_impersonation(&rita, target, account, T0)
                .await,
            Err(Error::Forbidden(_))
        ));
    }
    assert!(matches!(
        w.service
            .start_impersonation(&rita, w.bob, w.globex, T0)
            .await,
        Err(Error::UserNotFound)
    ));
    assert!(matches!(
        w.service
            .start_impersonation(&rita, sessionboard::model::UserId(999_999), w.acme, T0)
            .await,
        Err(Error::UserNotFound)
    ));
    // Nested impersonation is refused.
    w.service
        .start_impersonation(&rita2, w.bob, w.acme, T0)
        .await
        .unwrap();
    let acting = w
        .service
        .authenticate(rep_session.token.as_str(), T0)
        .await
        .unwrap();
    assert!(matches!(
        w.service
            .start_impersonation(&acting, w.alice, w.acme, T0)
            .await,
        Err(Error::AlreadyImpersonating)
    ));
}

async fn the_audit_log_is_for_platform_admins_only(backend: Backend) {
    let w = world(backend).await;
    let (rep_session, rita) = w.caller("rita@sales.example", T0).await;
    w.service
        .start_impersonation(&rita, w.alice, w.acme, T0)
        .await
        .unwrap();
    let acting = w
        .service
        .authenticate(rep_session.token.as_str(), T0)
        .await
        .unwrap();
    w.service
        .end_impersonation(&acting, T0.plus(MINUTE))
        .await
        .unwrap();
    w.service
        .start_impersonation(&rita, w.bob, w.acme, T0.plus(2 * MINUTE))
        .await
        .unwrap();
    // Logging out while acting ends the impersonation too.
    let acting = w
        .service
        .authenticate(rep_session.token.as_str(), T0)
        .await
        .unwrap();
    w.service
        .sign_out(&acting, T0.plus(3 * MINUTE))
        .await
        .unwrap();

    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let log = w
        .service
        .list_impersonations(&adam, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(log.items.len(), 2);
    assert_eq!(log.items[0].target_user_name, "Bob Baker");
    assert_eq!(log.items[0].ended_at, Some(T0.plus(3 * MINUTE)));
    assert_eq!(log.items[1].target_user_name, "Alice Archer");
    assert_eq!(log.items[1].impersonator_name, "Rita Rep");
    assert_eq!(log.items[1].target_account_name, "Acme");
    assert_eq!(log.items[1].ended_at, Some(T0.plus(MINUTE)));

    for email in ["alice@acme.example", "rita@sales.example"] {
        let (_, caller) = w.caller(email, T0).await;
        assert!(matches!(
            w.service
                .list_impersonations(&caller, PageRequest::default())
                .await,
            Err(Error::Forbidden(_))
        ));
    }
}

async fn every_sign_in_attempt_lands_in_the_history_and_outlives_its_session(backend: Backend) {
    let w = world(backend).await;
    let attempt = |email: &'static str, password: &'static str, at: Timestamp| {
        let service = &w.service;
        async move {
            service
                .sign_in(
                    SignIn {
                        email,
                        password,
                        application: WEB_APPLICATION.into(),
                        ip: "81.2.69.142".parse().unwrap(),
                        user_agent: SAFARI_IPHONE,
                        channel: Channel::Web,
                    },
                    at,
                )
                .await
        }
    };
    assert!(attempt("bob@acme.example", "wrong", T0).await.is_err());
    assert!(
        attempt("nobody@acme.example", PASSWORD, T0.plus(MINUTE))
            .await
            .is_err()
    );
    let signed_in = attempt("bob@acme.example", PASSWORD, T0.plus(2 * MINUTE))
        .await
        .unwrap();
    let bob = w
        .service
        .authenticate(signed_in.token.as_str(), T0.plus(2 * MINUTE))
        .await
        .unwrap();
    w.service.sign_out(&bob, T0.plus(3 * MINUTE)).await.unwrap();

    let (_, adam) = w.caller("adam@platform.example", T0.plus(4 * MINUTE)).await;
    let history = w
        .service
        .list_login_records(
            &adam,
            SessionsView::Platform,
            &LoginRecordFilter::default(),
            PageRequest::default(),
        )
        .await
        .unwrap();
    let rows: Vec<_> = history
        .items
        .iter()
        .map(|r| (r.email.as_str(), r.outcome, r.user_name.as_deref()))
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "adam@platform.example",
                LoginOutcome::Success,
                Some("Adam Admin")
            ),
            ("bob@acme.example", LoginOutcome::Success, Some("Bob Baker")),
            (
                "nobody@acme.example",
                LoginOutcome::InvalidCredentials,
                None
            ),
            (
                "bob@acme.example",
                LoginOutcome::InvalidCredentials,
                Some("Bob Baker")
            ),
        ]
    );
    let failed = &history.items[3];
    assert_eq!(failed.application, "Web");
    assert_eq!(failed.ip, "81.2.69.142");
    assert_eq!(failed.location.label(), "London, England, United Kingdom");
    assert_eq!(failed.device.os_label(), "iOS 17.6.1");
    assert_eq!(failed.account_name.as_deref(), Some("Acme"));
    // The purge removes ended sessions, never the history.
    w.operator
        .purge_expired(T0.plus(DAY), Duration::ZERO)
        .await
        .unwrap();
    let after = w
        .service
        .list_login_records(
            &adam,
            SessionsView::Platform,
            &LoginRecordFilter::default(),
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(after.items.len(), 4);
}

async fn sign_in_history_is_filtered_by_date_outcome_and_scoped_by_role(backend: Backend) {
    let w = world(backend).await;
    for (i, email) in [
        "bob@acme.example",
        "alice@acme.example",
        "carol@globex.example",
    ]
    .into_iter()
    .enumerate()
    {
        w.sign_in(email, CHROME_WINDOWS, "192.0.2.1", T0.plus(DAY * i as u32))
            .await;
    }
    let _ = w
        .service
        .sign_in(
            SignIn {
                email: "bob@acme.example",
                password: "wrong",
                application: WEB_APPLICATION.into(),
                ip: "192.0.2.1".parse().unwrap(),
                user_agent: CHROME_WINDOWS,
                channel: Channel::Web,
            },
            T0.plus(DAY * 5),
        )
        .await;
    let at = T0.plus(DAY * 6);
    let (_, bob) = w.caller("bob@acme.example", at).await;
    let (_, alice) = w.caller("alice@acme.example", at).await;
    let all = LoginRecordFilter::default();
    let page = PageRequest::default();

    let mine = w
        .service
        .list_login_records(&bob, SessionsView::Mine, &all, page)
        .await
        .unwrap();
    assert_eq!(mine.items.len(), 3, "Bob: two sign-ins and a failure");
    assert!(mine.items.iter().all(|r| r.user_id == Some(w.bob)));
    let acme = w
        .service
        .list_login_records(&alice, SessionsView::Account(w.acme), &all, page)
        .await
        .unwrap();
    assert_eq!(acme.items.len(), 5);
    assert!(
        acme.items
            .iter()
            .all(|r| r.account_name.as_deref() == Some("Acme"))
    );
    assert!(matches!(
        w.service
            .list_login_records(&bob, SessionsView::Account(w.acme), &all, page)
            .await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        w.service
            .list_login_records(&alice, SessionsView::Platform, &all, page)
            .await,
        Err(Error::Forbidden(_))
    ));

    let failures = LoginRecordFilter {
        outcome: Some(LoginOutcome::InvalidCredentials),
        ..all.clone()
    };
    let failed = w
        .service
        .list_login_records(&alice, SessionsView::Account(w.acme), &failures, page)
        .await
        .unwrap();
    assert_eq!(failed.items.len(), 1);
    let window = LoginRecordFilter {
        from: Some(T0.plus(DAY)),
        until: Some(T0.plus(DAY * 2)),
        ..all.clone()
    };
    let in_window = w
        .service
        .list_login_records(&alice, SessionsView::Account(w.acme), &window, page)
        .await
        .unwrap();
    assert_eq!(
        in_window
            .items
            .iter()
            .map(|r| r.email.as_str())
            .collect::<Vec<_>>(),
        vec!["alice@acme.example"]
    );
    let backwards = LoginRecordFilter {
        from: Some(T0.plus(DAY * 2)),
        until: Some(T0),
        ..all
    };
    assert!(matches!(
        w.service
            .list_login_records(&alice, SessionsView::Mine, &backwards, page)
            .await,
        Err(Error::InvalidInput(_))
    ));
}

async fn the_geolocation_setting_affects_only_new_sessions(backend: Backend) {
    let w = world(backend).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let before = w
        .sign_in("bob@acme.example", CHROME_WINDOWS, "81.2.69.142", T0)
        .await;

    w.service
        .set_store_geolocation(&alice, w.acme, false, T0)
        .await
        .unwrap();
    assert!(!w.service.store_geolocation(&alice, w.acme).await.unwrap());
    let during = w
        .sign_in(
            "bob@acme.example",
            SAFARI_IPHONE,
            "81.2.69.142",
            T0.plus(MINUTE),
        )
        .await;
    w.service
        .set_store_geolocation(&alice, w.acme, true, T0)
        .await
        .unwrap();
    let after = w
        .sign_in(
            "bob@acme.example",
            SAFARI_IPHONE,
            "81.2.69.142",
            T0.plus(2 * MINUTE),
        )
        .await;
    // Globex never turned it off.
    let carol = w
        .sign_in(
            "carol@globex.example",
            SAFARI_IPHONE,
            "81.2.69.142",
            T0.plus(MINUTE),
        )
        .await;

    let bob = w
        .service
        .authenticate(after.token.as_str(), T0.plus(2 * MINUTE))
        .await
        .unwrap();
    let sessions = w
        .service
        .list_my_sessions(&bob, T0.plus(2 * MINUTE))
        .await
        .unwrap();
    let location = |id: SessionId| {
        sessions
            .iter()
            .find(|s| s.id == id)
            .unwrap()
            .location
            .clone()
    };
    let london = "London, England, United Kingdom";
    assert_eq!(
        location(before.session_id).label(),
        london,
        "existing sessions keep theirs"
    );
    assert_eq!(location(during.session_id), Location::Unknown);
    assert_eq!(location(after.session_id).label(), london);
    // Device and browser are recorded whatever the setting.
    let during_row = sessions.iter().find(|s| s.id == during.session_id).unwrap();
    assert_eq!(during_row.device.os_label(), "iOS 17.6.1");
    assert_eq!(during_row.device.browser_label(), "Mobile Safari 17.6");
    let carol = w
        .service
        .authenticate(carol.token.as_str(), T0.plus(MINUTE))
        .await
        .unwrap();
    assert_eq!(
        w.service
            .list_my_sessions(&carol, T0.plus(MINUTE))
            .await
            .unwrap()[0]
            .location
            .label(),
        london
    );
}

async fn only_owners_and_admins_change_the_geolocation_setting(backend: Backend) {
    let w = world(backend).await;
    let (_, bob) = w.caller("bob@acme.example", T0).await;
    let (_, carol) = w.caller("carol@globex.example", T0).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    for caller in [&bob, &carol] {
        assert!(matches!(
            w.service
                .set_store_geolocation(caller, w.acme, false, T0)
                .await,
            Err(Error::Forbidden(_))
        ));
    }
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    assert!(
        w.service.store_geolocation(&alice, w.acme).await.unwrap(),
        "unchanged by refusals"
    );
    w.service
        .set_store_geolocation(&adam, w.acme, false, T0)
        .await
        .unwrap();
    assert!(!w.service.store_geolocation(&alice, w.acme).await.unwrap());
}

async fn lists_filter_by_user_application_and_account(backend: Backend) {
    let w = world(backend).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    w.sign_in("bob@acme.example", CHROME_WINDOWS, "192.0.2.1", T0)
        .await;
    w.sign_in_to(
        "iOS app",
        "bob@acme.example",
        SAFARI_IPHONE,
        "192.0.2.2",
        T0,
    )
    .await;
    w.sign_in_to(
        "iOS app",
        "alice@acme.example",
        SAFARI_IPHONE,
        "192.0.2.3",
        T0,
    )
    .await;
    w.sign_in_to(
        "iOS app",
        "carol@globex.example",
        SAFARI_IPHONE,
        "192.0.2.4",
        T0,
    )
    .await;
    let list = async |view, filter: SessionFilter| {
        w.service
            .list_sessions(&adam, view, &filter, PageRequest::default(), T0)
            .await
            .unwrap()
            .items
    };

    let bobs_ios = list(
        SessionsView::Account(w.acme),
        SessionFilter {
            user: Some(w.bob),
            application: Some(w.ios),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(bobs_ios.len(), 1);
    assert_eq!(
        (bobs_ios[0].user_id, bobs_ios[0].application.as_str()),
        (w.bob, "iOS app")
    );
    let ios_everywhere = list(
        SessionsView::Platform,
        SessionFilter {
            application: Some(w.ios),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ios_everywhere.len(), 3);
    let globex = list(
        SessionsView::Platform,
        SessionFilter {
            account: Some(w.globex),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        globex
            .iter()
            .map(|s| s.user_name.as_str())
            .collect::<Vec<_>>(),
        vec!["Carol Cook"]
    );
    // A user filter cannot reach outside the view's scope.
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let carol_via_acme = w
        .service
        .list_sessions(
            &alice,
            SessionsView::Account(w.acme),
            &SessionFilter {
                user: Some(w.carol),
                ..Default::default()
            },
            PageRequest::default(),
            T0,
        )
        .await
        .unwrap();
    assert!(carol_via_acme.items.is_empty());
}

async fn search_matches_names_emails_devices_browsers_locations_and_ips(backend: Backend) {
    let w = world(backend).await;
    w.sign_in("bob@acme.example", CHROME_WINDOWS, "81.2.69.142", T0)
        .await;
    w.sign_in("alice@acme.example", SAFARI_IPHONE, "2001:db8::7", T0)
        .await;
    w.sign_in("carol@globex.example", CHROME_WINDOWS, "192.0.2.50", T0)
        .await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let search = async |caller, view, term: &str| {
        let filter = SessionFilter {
            search: Some(term.to_owned()),
            ..Default::default()
        };
        let mut names: Vec<String> = w
            .service
            .list_sessions(caller, view, &filter, PageRequest::default(), T0)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|s| s.user_name)
            .collect();
        names.dedup();
        names
    };
    let everywhere = SessionsView::Platform;
    assert_eq!(search(&adam, everywhere, "Bob Bak").await, ["Bob Baker"]);
    assert_eq!(
        search(&adam, everywhere, "GLOBEX.example").await,
        ["Carol Cook"]
    );
    assert_eq!(search(&adam, everywhere, "london").await, ["Bob Baker"]);
    assert_eq!(search(&adam, everywhere, "Berlin").await, ["Alice Archer"]);
    assert_eq!(search(&adam, everywhere, "iOS 17").await, ["Alice Archer"]);
    assert_eq!(
        search(&adam, everywhere, "mobile safari").await,
        ["Alice Archer"]
    );
    assert_eq!(
        search(&adam, everywhere, "192.0.2.50").await,
        ["Carol Cook"]
    );
    assert!(
        search(&adam, everywhere, "100%_\\").await.is_empty(),
        "wildcards are literal"
    );
    // Scoped views search within their scope, and short terms work there.
    assert_eq!(
        search(&alice, SessionsView::Account(w.acme), "bo").await,
        ["Bob Baker"]
    );
    assert!(
        search(&alice, SessionsView::Account(w.acme), "Carol")
            .await
            .is_empty()
    );
}

/// Common terms are answered from the newest sessions, rare ones through the text index
/// (see `list_live_sessions`): a walk through the pages must see every match once, in order,
/// whichever path each page took, and the count must agree.
async fn search_pages_walk_every_match_in_order_both_ways(backend: Backend) {
    let w = world(backend).await;
    let mut planted = Vec::new();
    for minute in 0..12 {
        let at = T0.minus(Duration::from_secs(3600)).plus(minute * MINUTE);
        planted.push(w.plant_session(w.bob, w.acme, at).await);
        // Sessions that do not match, interleaved (within the sign-in rate limit).
        if minute % 2 == 0 {
            w.sign_in("bob@acme.example", CHROME_WINDOWS, "81.2.69.142", at)
                .await;
        }
    }
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    for oldest_first in [false, true] {
        let filter = SessionFilter {
            search: Some("PLANTED".to_owned()),
            oldest_first,
            ..Default::default()
        };
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = w
                .service
                .sessions_page(
                    &alice,
                    SessionsView::Account(w.acme),
                    &filter,
                    PageRequest { after, limit: 5 },
                    T0,
                )
                .await
                .unwrap();
            assert_eq!(page.total, 12);
            seen.extend(page.items.iter().map(|s| s.id));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let mut expected = planted.clone();
        if !oldest_first {
            expected.reverse();
        }
        assert_eq!(seen, expected, "oldest first: {oldest_first}");
    }
}

async fn keyset_pages_cover_every_session_exactly_once(backend: Backend) {
    let w = world(backend).await;
    // 23 sessions, several sharing a creation time, so the id breaks ties.
    let mut planted = Vec::new();
    for i in 0..23u32 {
        planted.push(
            w.plant_session(w.bob, w.acme, T0.plus(MINUTE * (i / 3)))
                .await,
        );
    }
    let (_, alice) = w.caller("alice@acme.example", T0.plus(DAY)).await;
    let bobs = SessionFilter {
        user: Some(w.bob),
        ..Default::default()
    };
    let every_page = async |filter: &SessionFilter, limit: u32| {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = w
                .service
                .list_sessions(
                    &alice,
                    SessionsView::Account(w.acme),
                    filter,
                    PageRequest { after, limit },
                    T0.plus(DAY),
                )
                .await
                .unwrap();
            assert!(page.items.len() <= limit as usize);
            seen.extend(page.items.iter().map(|s| s.id));
            match page.next {
                Some(next) => after = Some(next),
                None => return seen,
            }
        }
    };
    let oldest_first = every_page(
        &SessionFilter {
            oldest_first: true,
            ..bobs.clone()
        },
        4,
    )
    .await;
    assert_eq!(oldest_first, planted, "oldest first, no gaps, no repeats");
    planted.reverse();
    assert_eq!(
        every_page(&bobs, 5).await,
        planted,
        "newest first, no gaps, no repeats"
    );
}

async fn oversized_or_malformed_list_requests_are_refused(backend: Backend) {
    let w = world(backend).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let page = PageRequest::default();
    let cases = [
        (
            SessionFilter {
                search: Some("x".repeat(101)),
                ..Default::default()
            },
            page,
        ),
        (
            SessionFilter {
                search: Some("ab".into()),
                ..Default::default()
            },
            page,
        ),
        (
            SessionFilter::default(),
            PageRequest {
                after: None,
                limit: 0,
            },
        ),
        (
            SessionFilter::default(),
            PageRequest {
                after: None,
                limit: 201,
            },
        ),
    ];
    for (filter, page) in cases {
        let result = w
            .service
            .list_sessions(&adam, SessionsView::Platform, &filter, page, T0)
            .await;
        assert!(
            matches!(result, Err(Error::InvalidInput(_))),
            "{filter:?} {page:?}"
        );
    }
    let too_many = vec![SessionId(1); 201];
    assert!(matches!(
        w.service.terminate_sessions(&adam, &too_many, T0).await,
        Err(Error::InvalidInput(_))
    ));
}

async fn the_purge_deletes_only_sessions_long_past_their_end(backend: Backend) {
    let w = world(backend).await;
    let old = w.plant_session(w.bob, w.acme, T0).await;
    let (_, bob) = w.caller("bob@acme.example", T0).await;
    let ended = w.plant_session(w.bob, w.acme, T0).await;
    w.service.terminate_session(&bob, ended, T0).await.unwrap();
    let idle = w.operator.policy().idle_timeout;
    let now = T0.plus(idle).plus(DAY * 10);
    let fresh = w.plant_session(w.bob, w.acme, now).await;

    // A week's grace: the ended session (10 days ago and more) goes, the fresh one stays.
    let purged = w.operator.purge_expired(now, DAY * 7).await.unwrap();
    assert_eq!(
        purged, 3,
        "the old, the ended, and Bob's own expired sign-in"
    );
    assert!(w.is_live(fresh, now).await);
    let _ = old;
}

async fn pages_count_every_match_and_reps_find_customers(backend: Backend) {
    let w = world(backend).await;
    for i in 0..7u32 {
        w.plant_session(w.bob, w.acme, T0.plus(MINUTE * i)).await;
    }
    let (_, alice) = w.caller("alice@acme.example", T0.plus(DAY)).await;
    let page = w
        .service
        .sessions_page(
            &alice,
            SessionsView::Account(w.acme),
            &SessionFilter::default(),
            PageRequest {
                after: None,
                limit: 3,
            },
            T0.plus(DAY),
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.total, 8, "Bob's seven and Alice's own");
    assert_eq!(page.now, T0.plus(DAY));

    let (_, rita) = w.caller("rita@sales.example", T0).await;
    let found = w
        .service
        .list_customers(&rita, "ACME.example")
        .await
        .unwrap();
    let names: Vec<_> = found.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Alice Archer", "Bob Baker"]);
    assert!(
        w.service
            .list_customers(&rita, "adam")
            .await
            .unwrap()
            .is_empty(),
        "admins are not customers"
    );
    assert!(
        w.service
            .list_customers(&rita, "rita")
            .await
            .unwrap()
            .is_empty(),
        "nor are reps"
    );
    assert!(matches!(
        w.service.list_customers(&alice, "bob").await,
        Err(Error::Forbidden(_))
    ));
}
