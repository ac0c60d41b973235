//! The records kept for security: every sign-in attempt, and every impersonation.

use sessionboard::Error;
use sessionboard::access::SessionOwner;
use sessionboard::model::{
    AccountId, ApplicationId, ImpersonationId, ImpersonationView, LoginOutcome, LoginRecordFilter,
    PageRequest, Timestamp, UserId,
};
use sessionboard::store::{Acting, NewLoginRecord, Scope, Store};

use crate::common::T0;
use crate::fixture::{
    BY_HAND, DAY, OBSERVATION, People, Planted, at, people, plant, serve, session,
};

contract!(
    opening_a_session_writes_it_and_its_login_record_together_or_not_at_all,
    login_records_are_listed_newest_first_within_scope_and_filters,
    the_sign_in_history_outlives_its_purged_session,
    acting_as_someone_marks_the_session_and_a_second_start_is_refused,
    ending_an_impersonation_returns_the_token_hash_once_and_closes_the_record,
    ending_an_acting_session_in_any_way_closes_its_impersonation,
);

/// A sign-in attempt at `at` by `who` (`None`: an email that matched nobody).
fn attempt(
    at: Timestamp,
    who: Option<(UserId, AccountId)>,
    email: &'static str,
    application: ApplicationId,
    outcome: LoginOutcome,
) -> NewLoginRecord<'static> {
    NewLoginRecord {
        at,
        user_id: who.map(|(user, _)| user),
        account_id: who.map(|(_, account)| account),
        email,
        application_id: application,
        observation: &OBSERVATION,
        outcome,
        session_id: None,
    }
}

/// When each listed record happened, newest first (every case's records are minutes apart).
async fn times(store: &dyn Store, scope: Scope, filter: &LoginRecordFilter) -> Vec<Timestamp> {
    let page = store
        .list_login_records(scope, filter, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.next, None);
    page.items.iter().map(|record| record.at).collect()
}

/// The whole impersonation log, newest first.
async fn audit_log(store: &dyn Store) -> Vec<ImpersonationView> {
    let page = store
        .list_impersonations(PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.next, None);
    page.items
}

/// One of Rita's sessions in her own account, acting as `target` in `account` since `at`.
async fn acting_session(
    store: &dyn Store,
    p: &People,
    (target, account): (UserId, AccountId),
    at: Timestamp,
) -> (Planted, ImpersonationId) {
    let reps = plant(store, session(p.rita, p.sales, p.web, at)).await;
    serve(store, p.rita, account).await;
    let (impersonation, token) = store
        .start_impersonation(reps.id, p.rita, target, account, at)
        .await
        .unwrap();
    assert_eq!(token, reps.token, "the acting session's answer changed");
    (reps, impersonation)
}

async fn opening_a_session_writes_it_and_its_login_record_together_or_not_at_all(
    store: &dyn Store,
) {
    let p = people(store).await;
    let alice = Some((p.alice, p.acme));
    let new = session(p.alice, p.acme, p.web, T0);
    let token = new.token_hash;
    let sign_in = attempt(
        T0,
        alice,
        "alice@acme.example",
        p.web,
        LoginOutcome::Success,
    );
    let id = store.open_session(new, sign_in, None).await.unwrap();

    let live = store.live_session_by_token(&token, T0).await.unwrap();
    assert_eq!(live.map(|s| s.id), Some(id));
    let page = store
        .list_login_records(
            Scope::User(p.alice),
            &LoginRecordFilter::default(),
            PageRequest::default(),
        )
        .await
        .unwrap();
    let [record] = page.items.as_slice() else {
        panic!("one sign-in, one record: {:?}", page.items);
    };
    assert_eq!((record.at, record.user_id), (T0, Some(p.alice)));
    assert_eq!(record.user_name.as_deref(), Some("Alice Archer"));
    assert_eq!(record.email, "alice@acme.example");
    assert_eq!(record.account_name.as_deref(), Some("Acme"));
    assert_eq!(record.application, "Web");
    assert_eq!(record.ip, OBSERVATION.ip.to_string());
    assert_eq!(record.device, *OBSERVATION.device);
    assert_eq!(record.location, OBSERVATION.location);
    assert_eq!(record.outcome, LoginOutcome::Success);

    // A record that cannot be written (its application does not exist) takes the session with
    // it: neither is kept.
    let new = session(p.alice, p.acme, p.web, at(1));
    let token = new.token_hash;
    let broken = attempt(
        at(1),
        alice,
        "alice@acme.example",
        ApplicationId(i64::MAX),
        LoginOutcome::Success,
    );
    assert!(store.open_session(new, broken, None).await.is_err());
    assert!(
        store
            .live_session_by_token(&token, at(1))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        times(store, Scope::All, &LoginRecordFilter::default()).await,
        vec![T0]
    );
}

async fn login_records_are_listed_newest_first_within_scope_and_filters(store: &dyn Store) {
    use LoginOutcome::{InvalidCredentials as Failure, Success};
    let p = people(store).await;
    let (alice, bob, carol) = (
        Some((p.alice, p.acme)),
        Some((p.bob, p.acme)),
        Some((p.carol, p.globex)),
    );
    for record in [
        attempt(at(0), alice, "alice@acme.example", p.web, Success),
        attempt(at(1), alice, "alice@acme.example", p.web, Failure),
        attempt(at(2), bob, "bob@acme.example", p.ios, Success),
        attempt(at(3), carol, "carol@globex.example", p.web, Success),
        attempt(at(4), None, "nobody@acme.example", p.ios, Failure),
    ] {
        store.insert_login_record(record).await.unwrap();
    }

    let all = LoginRecordFilter::default();
    let only = |outcome| LoginRecordFilter {
        outcome: Some(outcome),
        ..LoginRecordFilter::default()
    };
    let by = |user| LoginRecordFilter {
        user: Some(user),
        ..LoginRecordFilter::default()
    };
    let between = LoginRecordFilter {
        from: Some(at(1)),
        until: Some(at(3)),
        ..LoginRecordFilter::default()
    };
    for (scope, filter, expected) in [
        (Scope::All, &all, vec![at(4), at(3), at(2), at(1), at(0)]),
        (Scope::Account(p.acme), &all, vec![at(2), at(1), at(0)]),
        (Scope::User(p.alice), &all, vec![at(1), at(0)]),
        (Scope::User(p.rita), &all, vec![]),
        (Scope::All, &only(Failure), vec![at(4), at(1)]),
        (Scope::Account(p.acme), &only(Success), vec![at(2), at(0)]),
        // `from` is inclusive, `until` exclusive.
        (Scope::All, &between, vec![at(2), at(1)]),
        (Scope::Account(p.acme), &by(p.bob), vec![at(2)]),
        // A filter never widens the scope.
        (Scope::Account(p.acme), &by(p.carol), vec![]),
    ] {
        let listed = times(store, scope, filter).await;
        assert_eq!(listed, expected, "{scope:?} {filter:?}");
    }

    // An attempt on an email that matched nobody names nobody.
    let page = PageRequest {
        after: None,
        limit: 1,
    };
    let newest = store
        .list_login_records(Scope::All, &LoginRecordFilter::default(), page)
        .await
        .unwrap();
    let nobody = &newest.items[0];
    assert_eq!((nobody.user_id, nobody.user_name.as_deref()), (None, None));
    assert_eq!(nobody.account_name, None);
    assert_eq!(nobody.email, "nobody@acme.example");
    assert_eq!(nobody.application, "iOS app");
    assert_eq!(nobody.outcome, Failure);

    // Pages of two walk all five once, newest first.
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let page = PageRequest { after, limit: 2 };
        let page = store
            .list_login_records(Scope::All, &LoginRecordFilter::default(), page)
            .await
            .unwrap();
        walked.extend(page.items.iter().map(|record| record.at));
        after = page.next;
        if after.is_none() || walked.len() > 10 {
            break;
        }
    }
    assert_eq!(walked, vec![at(4), at(3), at(2), at(1), at(0)]);
}

async fn the_sign_in_history_outlives_its_purged_session(store: &dyn Store) {
    let p = people(store).await;
    let new = session(p.bob, p.acme, p.web, T0);
    let sign_in = attempt(
        T0,
        Some((p.bob, p.acme)),
        "bob@acme.example",
        p.web,
        LoginOutcome::Success,
    );
    let id = store.open_session(new, sign_in, None).await.unwrap();
    store
        .terminate_session(id, Scope::User(p.bob), BY_HAND, at(1))
        .await
        .unwrap();
    assert_eq!(store.purge_sessions(T0.plus(DAY)).await.unwrap(), 1);

    let history = LoginRecordFilter::default();
    assert_eq!(times(store, Scope::User(p.bob), &history).await, vec![T0]);
    assert_eq!(
        times(store, Scope::Account(p.acme), &history).await,
        vec![T0]
    );
}

async fn acting_as_someone_marks_the_session_and_a_second_start_is_refused(store: &dyn Store) {
    let p = people(store).await;
    let started = at(1);
    let (reps, impersonation) = acting_session(store, &p, (p.bob, p.acme), started).await;

    let live = store
        .live_session_by_token(&reps.token, started)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        live.user_id, p.rita,
        "the session stays the representative's"
    );
    let acting = Acting {
        user_id: p.bob,
        account_id: p.acme,
        impersonation_id: impersonation,
        started_at: started,
    };
    assert_eq!(live.acting, Some(acting));
    let owner = store.live_session_owner(reps.id, started).await.unwrap();
    let rita = SessionOwner {
        user_id: p.rita,
        account_id: p.sales,
    };
    assert_eq!(owner, Some(rita), "Rita's to end, not Bob's");
    let log = audit_log(store).await;
    assert_eq!(
        log,
        vec![ImpersonationView {
            id: impersonation,
            impersonator_id: p.rita,
            impersonator_name: "Rita Rep".to_owned(),
            target_user_id: p.bob,
            target_user_name: "Bob Baker".to_owned(),
            target_account_id: p.acme,
            target_account_name: "Acme".to_owned(),
            started_at: started,
            ended_at: None,
        }]
    );

    serve(store, p.rita, p.globex).await;

    let again = store
        .start_impersonation(reps.id, p.rita, p.carol, p.globex, at(2))
        .await;
    assert!(
        matches!(again, Err(Error::AlreadyImpersonating)),
        "{again:?}"
    );
    let live = store
        .live_session_by_token(&reps.token, at(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.acting, Some(acting), "still acting as Bob");
    assert_eq!(audit_log(store).await, log, "and no second record");
}

async fn ending_an_impersonation_returns_the_token_hash_once_and_closes_the_record(
    store: &dyn Store,
) {
    let p = people(store).await;
    let (reps, first) = acting_session(store, &p, (p.bob, p.acme), at(1)).await;
    let idle = plant(store, session(p.rita, p.sales, p.web, at(1))).await;
    assert_eq!(
        store.end_impersonation(idle.id, at(2)).await.unwrap(),
        None,
        "not acting"
    );

    let ended = at(5);
    assert_eq!(
        store.end_impersonation(reps.id, ended).await.unwrap(),
        Some(reps.token)
    );
    let live = store
        .live_session_by_token(&reps.token, ended)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.acting, None, "back to Rita's own eyes");
    assert_eq!(store.end_impersonation(reps.id, at(6)).await.unwrap(), None);
    assert_eq!(
        audit_log(store).await[0].ended_at,
        Some(ended),
        "closed once"
    );

    // The session may act again; the log lists the newest first, a page at a time.
    serve(store, p.rita, p.globex).await;
    let (second, _) = store
        .start_impersonation(reps.id, p.rita, p.carol, p.globex, at(10))
        .await
        .unwrap();
    let page = PageRequest {
        after: None,
        limit: 1,
    };
    let newest = store.list_impersonations(page).await.unwrap();
    let summary = |log: &[ImpersonationView]| -> Vec<(ImpersonationId, Option<Timestamp>)> {
        log.iter().map(|i| (i.id, i.ended_at)).collect()
    };
    assert_eq!(summary(&newest.items[..]), vec![(second, None)]);
    assert!(newest.next.is_some());
    let page = PageRequest {
        after: newest.next,
        limit: 1,
    };
    let older = store.list_impersonations(page).await.unwrap();
    assert_eq!(summary(&older.items[..]), vec![(first, Some(ended))]);
    assert_eq!(older.next, None);
}

async fn ending_an_acting_session_in_any_way_closes_its_impersonation(store: &dyn Store) {
    let p = people(store).await;
    let (one, first) = acting_session(store, &p, (p.alice, p.acme), at(0)).await;
    let (two, second) = acting_session(store, &p, (p.bob, p.acme), at(1)).await;
    let (kept, third) = acting_session(store, &p, (p.carol, p.globex), at(2)).await;
    let ended_at = async |id: ImpersonationId| {
        let log = audit_log(store).await;
        log.iter()
            .find(|i| i.id == id)
            .expect("in the log")
            .ended_at
    };

    let ended = store
        .terminate_session(one.id, Scope::User(p.rita), BY_HAND, at(10))
        .await;
    assert_eq!(ended.unwrap(), Some(one.token));
    assert_eq!(ended_at(first).await, Some(at(10)));
    assert_eq!(ended_at(second).await, None, "the others act on");

    let ended = store
        .terminate_all_except(p.rita, kept.id, BY_HAND, at(11))
        .await;
    assert_eq!(ended.unwrap(), vec![two.token]);
    assert_eq!(ended_at(first).await, Some(at(10)), "closed once");
    assert_eq!(ended_at(second).await, Some(at(11)));
    assert_eq!(ended_at(third).await, None, "the kept session acts on");

    let ended = store
        .terminate_user_sessions(p.rita, Scope::All, None, BY_HAND, at(12))
        .await;
    assert_eq!(ended.unwrap(), vec![kept.token]);
    assert_eq!(ended_at(third).await, Some(at(12)));
}
