//! Acting as a customer is accountable, on every store: what a sales representative does while
//! acting is in the audit log with both names, the impersonation's record names the account
//! chosen, and acting ends by itself after the configured time.

mod common;

on_every_store!(
    terminating_while_acting_records_who_acted_as_whom_and_what,
    changing_a_setting_while_acting_is_recorded,
    what_people_do_as_themselves_is_not_recorded_as_acting,
    only_platform_admins_read_what_was_done_while_acting,
    the_impersonation_audit_names_the_account_chosen,
    acting_ends_by_itself_after_the_configured_time,
);

use std::time::Duration;

use common::{Backend, T0, World, world, world_with_policy};
use sessionboard::model::{
    AccountId, ActingActionKind, ActingActionView, PageRequest, Role, Timestamp, UserId,
};
use sessionboard::service::{SessionPolicy, SignedIn};
use sessionboard::{Caller, Error};

const MINUTE: Duration = Duration::from_secs(60);

/// Rita signs in at `now` and acts as `target` in `account`: her session, and the caller her
/// next request is.
async fn rita_acting_as(
    w: &World,
    target: UserId,
    account: AccountId,
    now: Timestamp,
) -> (SignedIn, Caller) {
    let (session, rita) = w.caller("rita@sales.example", now).await;
    w.service
        .start_impersonation(&rita, target, account, now)
        .await
        .unwrap();
    let acting = w
        .service
        .authenticate(session.token.as_str(), now)
        .await
        .unwrap();
    assert_eq!(acting.impersonator, Some(w.rita));
    (session, acting)
}

/// Everything done while acting, newest first, as a platform admin reads it.
async fn acting_log(w: &World) -> Vec<ActingActionView> {
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let page = w
        .service
        .list_acting_actions(&adam, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.next, None);
    page.items
}

/// When, who, where and what, as the audit page shows an action.
type Line = (Timestamp, String, String, String);

fn summary(log: &[ActingActionView]) -> Vec<Line> {
    log.iter()
        .map(|a| (a.at, a.who(), a.account_name.clone(), a.detail.clone()))
        .collect()
}

fn line(at: Timestamp, who: &str, account: &str, what: &str) -> Line {
    (at, who.to_owned(), account.to_owned(), what.to_owned())
}

async fn terminating_while_acting_records_who_acted_as_whom_and_what(backend: Backend) {
    let w = world(backend).await;
    let mut bobs = Vec::new();
    for _ in 0..5 {
        bobs.push(w.plant_session(w.bob, w.acme, T0).await);
    }
    let (reps, as_bob) = rita_acting_as(&w, w.bob, w.acme, T0).await;

    w.service
        .terminate_session(&as_bob, bobs[0], T0.plus(MINUTE))
        .await
        .unwrap();
    // A selection stops at Rita's own session; the two before it are ended, and recorded.
    let selection = [bobs[1], bobs[2], reps.session_id];
    assert!(matches!(
        w.service
            .terminate_sessions(&as_bob, &selection, T0.plus(2 * MINUTE))
            .await,
        Err(Error::CannotTerminateCurrentSession)
    ));
    assert!(!w.is_live(bobs[2], T0.plus(2 * MINUTE)).await);
    let others = w
        .service
        .terminate_all_other_sessions(&as_bob, T0.plus(3 * MINUTE))
        .await
        .unwrap();
    assert_eq!(others, 2);

    // Acting as Alice, Acme's owner, Rita ends all of Bob's new sessions.
    w.service
        .end_impersonation(&as_bob, T0.plus(4 * MINUTE))
        .await
        .unwrap();
    let newer = [
        w.plant_session(w.bob, w.acme, T0.plus(4 * MINUTE)).await,
        w.plant_session(w.bob, w.acme, T0.plus(4 * MINUTE)).await,
    ];
    let (_, as_alice) = rita_acting_as(&w, w.alice, w.acme, T0.plus(5 * MINUTE)).await;
    let ended = w
        .service
        .terminate_user_sessions(&as_alice, w.bob, T0.plus(6 * MINUTE))
        .await
        .unwrap();
    assert_eq!(ended, 2);
    assert!(!w.is_live(newer[1], T0.plus(6 * MINUTE)).await);

    let log = acting_log(&w).await;
    let rita_as_alice = "Rita Rep acting as Alice Archer";
    let rita_as_bob = "Rita Rep acting as Bob Baker";
    let selection = format!("terminated 2 sessions ({}, {})", bobs[1], bobs[2]);
    let one = format!("terminated session {}", bobs[0]);
    assert_eq!(
        summary(&log),
        vec![
            line(
                T0.plus(6 * MINUTE),
                rita_as_alice,
                "Acme",
                "terminated 2 sessions of Bob Baker"
            ),
            line(
                T0.plus(3 * MINUTE),
                rita_as_bob,
                "Acme",
                "terminated 2 sessions of Bob Baker"
            ),
            line(T0.plus(2 * MINUTE), rita_as_bob, "Acme", &selection),
            line(T0.plus(MINUTE), rita_as_bob, "Acme", &one),
        ]
    );
    for action in &log[1..] {
        assert_eq!(action.session_id, reps.session_id);
        assert_eq!(action.representative_id, w.rita);
        assert_eq!(action.acting_user_id, w.bob);
        assert_eq!(action.account_id, w.acme);
        assert_eq!(action.kind, ActingActionKind::TerminatedSessions);
    }

    // Pages of one walk the same log, newest first.
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let page = PageRequest { after, limit: 1 };
        let page = w.service.list_acting_actions(&adam, page).await.unwrap();
        walked.extend(page.items.iter().map(|a| a.id));
        after = page.next;
        if after.is_none() || walked.len() > 10 {
            break;
        }
    }
    assert_eq!(walked, log.iter().map(|a| a.id).collect::<Vec<_>>());
}

async fn changing_a_setting_while_acting_is_recorded(backend: Backend) {
    let w = world(backend).await;
    let (reps, as_alice) = rita_acting_as(&w, w.alice, w.acme, T0).await;
    w.service
        .set_store_geolocation(&as_alice, w.acme, false, T0.plus(MINUTE))
        .await
        .unwrap();
    assert!(
        !w.service
            .store_geolocation(&as_alice, w.acme)
            .await
            .unwrap()
    );

    let log = acting_log(&w).await;
    assert_eq!(
        summary(&log),
        vec![line(
            T0.plus(MINUTE),
            "Rita Rep acting as Alice Archer",
            "Acme",
            "turned geolocation off for Acme"
        )]
    );
    assert_eq!(log[0].kind, ActingActionKind::ChangedSetting);
    assert_eq!(log[0].session_id, reps.session_id);
}

async fn what_people_do_as_themselves_is_not_recorded_as_acting(backend: Backend) {
    let w = world(backend).await;
    let bobs = [
        w.plant_session(w.bob, w.acme, T0).await,
        w.plant_session(w.bob, w.acme, T0).await,
        w.plant_session(w.bob, w.acme, T0).await,
    ];
    let alices_other = w.plant_session(w.alice, w.acme, T0).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    w.service
        .terminate_session(&alice, bobs[0], T0)
        .await
        .unwrap();
    w.service
        .terminate_sessions(&alice, &[bobs[1]], T0)
        .await
        .unwrap();
    assert_eq!(
        w.service
            .terminate_user_sessions(&alice, w.bob, T0)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        w.service
            .terminate_all_other_sessions(&alice, T0)
            .await
            .unwrap(),
        1
    );
    assert!(!w.is_live(alices_other, T0).await);
    w.service
        .set_store_geolocation(&alice, w.acme, false, T0)
        .await
        .unwrap();

    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let carols = w.plant_session(w.carol, w.globex, T0).await;
    w.service
        .terminate_session(&adam, carols, T0)
        .await
        .unwrap();

    // Rita as herself, before and after acting, is Rita: nothing of hers is "acting".
    let ritas = [
        w.plant_session(w.rita, w.rita_personal, T0).await,
        w.plant_session(w.rita, w.rita_personal, T0).await,
    ];
    let (reps, rita) = w.caller("rita@sales.example", T0).await;
    w.service
        .terminate_session(&rita, ritas[0], T0)
        .await
        .unwrap();
    w.service
        .start_impersonation(&rita, w.bob, w.acme, T0)
        .await
        .unwrap();
    let as_bob = w
        .service
        .authenticate(reps.token.as_str(), T0)
        .await
        .unwrap();
    w.service.end_impersonation(&as_bob, T0).await.unwrap();
    let herself = w
        .service
        .authenticate(reps.token.as_str(), T0)
        .await
        .unwrap();
    assert_eq!(herself.impersonator, None);
    w.service
        .terminate_session(&herself, ritas[1], T0)
        .await
        .unwrap();

    let log = acting_log(&w).await;
    assert!(log.is_empty(), "{log:?}");
}

async fn only_platform_admins_read_what_was_done_while_acting(backend: Backend) {
    let w = world(backend).await;
    let bobs = w.plant_session(w.bob, w.acme, T0).await;
    let (_, as_alice) = rita_acting_as(&w, w.alice, w.acme, T0).await;
    w.service
        .terminate_session(&as_alice, bobs, T0)
        .await
        .unwrap();

    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let (_, rita) = w.caller("rita@sales.example", T0).await;
    let (_, bob) = w.caller("bob@acme.example", T0).await;
    for caller in [&alice, &rita, &bob, &as_alice] {
        assert!(
            matches!(
                w.service
                    .list_acting_actions(caller, PageRequest::default())
                    .await,
                Err(Error::Forbidden(_))
            ),
            "{caller:?}"
        );
    }
    assert_eq!(acting_log(&w).await.len(), 1);
    let oversized = PageRequest {
        after: None,
        limit: 10_000,
    };
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    assert!(matches!(
        w.service.list_acting_actions(&adam, oversized).await,
        Err(Error::InvalidInput(_))
    ));
}

async fn the_impersonation_audit_names_the_account_chosen(backend: Backend) {
    let w = world(backend).await;
    // Bob in two accounts: Acme is where his sign-ins land (the lower id), Globex is chosen.
    w.operator
        .store()
        .insert_membership(w.bob, w.globex, Role::Employee, "")
        .await
        .unwrap();
    let bobs_in_acme = w.plant_session(w.bob, w.acme, T0).await;
    let (reps, in_globex) = rita_acting_as(&w, w.bob, w.globex, T0).await;
    assert_eq!(in_globex.account_id, w.globex);
    assert_eq!(
        w.service.viewer(&in_globex).await.unwrap().account_name,
        "Globex"
    );
    w.service
        .terminate_session(&in_globex, bobs_in_acme, T0.plus(MINUTE))
        .await
        .unwrap();

    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let log = w
        .service
        .list_impersonations(&adam, PageRequest::default())
        .await
        .unwrap();
    let [impersonation] = log.items.as_slice() else {
        panic!("one impersonation: {:?}", log.items);
    };
    assert_eq!(impersonation.target_user_id, w.bob);
    assert_eq!(impersonation.target_account_id, w.globex);
    assert_eq!(impersonation.target_account_name, "Globex");
    // What was done there is recorded in the account seen through, too.
    let actions = acting_log(&w).await;
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].account_id, w.globex);
    assert_eq!(actions[0].account_name, "Globex");
    assert_eq!(actions[0].session_id, reps.session_id);
}

async fn acting_ends_by_itself_after_the_configured_time(backend: Backend) {
    let policy = SessionPolicy {
        impersonation_max: 30 * MINUTE,
        ..SessionPolicy::default()
    };
    assert_eq!(SessionPolicy::default().impersonation_max, 60 * MINUTE);
    let w = world_with_policy(backend, policy).await;
    let (reps, _) = rita_acting_as(&w, w.bob, w.acme, T0).await;
    let token = reps.token.as_str();

    let before = w
        .service
        .authenticate(token, T0.plus(29 * MINUTE))
        .await
        .unwrap();
    assert_eq!((before.user_id, before.impersonator), (w.bob, Some(w.rita)));
    let after = w
        .service
        .authenticate(token, T0.plus(31 * MINUTE))
        .await
        .unwrap();
    assert_eq!(
        (after.user_id, after.account_id, after.impersonator),
        (w.rita, w.rita_personal, None)
    );
    // It stays ended: the session itself is Rita's again, not just that one answer.
    let later = w
        .service
        .authenticate(token, T0.plus(32 * MINUTE))
        .await
        .unwrap();
    assert_eq!((later.user_id, later.impersonator), (w.rita, None));
    assert!(matches!(
        w.service
            .end_impersonation(&later, T0.plus(32 * MINUTE))
            .await,
        Err(Error::NotImpersonating)
    ));

    // The audit record closes when the time was up, as ending by hand closes it when asked.
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let log = w
        .service
        .list_impersonations(&adam, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(log.items[0].ended_at, Some(T0.plus(30 * MINUTE)));

    // The API's validation, which keeps the customer's name and roles with its cached answer,
    // answers with the representative's own once the time is up.
    w.service
        .start_impersonation(&later, w.bob, w.acme, T0.plus(40 * MINUTE))
        .await
        .unwrap();
    let client = w.web_client();
    let acting = w
        .service
        .validate(&client, token, T0.plus(41 * MINUTE))
        .await
        .unwrap();
    assert_eq!(acting.viewer.name, "Bob Baker");
    let own = w
        .service
        .validate(&client, token, T0.plus(71 * MINUTE))
        .await
        .unwrap();
    assert_eq!(own.caller.impersonator, None);
    assert_eq!(own.viewer.name, "Rita Rep");
    assert!(own.viewer.impersonator.is_none());
    let log = w
        .service
        .list_impersonations(&adam, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(log.items[0].ended_at, Some(T0.plus(70 * MINUTE)));

    // Nothing is cut short: a fresh impersonation has its full time again.
    w.service
        .start_impersonation(&own.caller, w.bob, w.acme, T0.plus(80 * MINUTE))
        .await
        .unwrap();
    let fresh = w
        .service
        .authenticate(token, T0.plus(109 * MINUTE))
        .await
        .unwrap();
    assert_eq!(fresh.user_id, w.bob);
}
