//! Who may see and end what: every role × action × target, on every store.

mod common;

use common::{Backend, T0, World, world};
use sessionboard::model::{PageRequest, SessionFilter, SessionId, SessionsView, UserId};
use sessionboard::{Caller, Error};

on_every_store!(every_role_action_and_target_is_decided_by_the_service);

#[derive(Clone, Copy, Debug)]
enum Actor {
    Employee,
    Owner,
    OtherAccountOwner,
    PlatformAdmin,
    SalesRep,
    SalesRepActingAsEmployee,
    SalesRepActingAsOwner,
    SalesRepServingOnlyGlobex,
}

#[derive(Clone, Copy, Debug)]
enum Action {
    ListMine,
    ListAcme,
    ListPlatform,
    TerminateOwnOther,
    TerminateCurrent,
    TerminateAcmeMember,
    TerminateGlobexMember,
    TerminateAllOthers,
    ActAsAcmeEmployee,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Allowed,
    Forbidden,
    NotFound,
    CurrentRefused,
    AlreadyActing,
}

use Action::*;
use Expect::*;

/// The rules of the product, as a table. Acme: Alice (owner), Bob (employee). Globex: Carol
/// (owner), Dave (employee). Adam is a platform admin; Rita a sales representative serving
/// both accounts, Sam one serving Globex only. The last column is acting as Bob in Acme.
#[rustfmt::skip]
const MATRIX: [(Actor, [Expect; 9]); 8] = [
    //                                  mine      acme        platform    own other   current          acme member   globex member   all others  act as Bob
    (Actor::Employee,                  [Allowed,  Forbidden,  Forbidden,  Allowed,    CurrentRefused,  NotFound,     NotFound,       Allowed,    Forbidden]),
    (Actor::Owner,                     [Allowed,  Allowed,    Forbidden,  Allowed,    CurrentRefused,  Allowed,      NotFound,       Allowed,    Forbidden]),
    (Actor::OtherAccountOwner,         [Allowed,  Forbidden,  Forbidden,  Allowed,    CurrentRefused,  NotFound,     Allowed,        Allowed,    Forbidden]),
    (Actor::PlatformAdmin,             [Allowed,  Allowed,    Allowed,    Allowed,    CurrentRefused,  Allowed,      Allowed,        Allowed,    Forbidden]),
    (Actor::SalesRep,                  [Allowed,  Forbidden,  Forbidden,  Allowed,    CurrentRefused,  NotFound,     NotFound,       Allowed,    Allowed]),
    (Actor::SalesRepActingAsEmployee,  [Allowed,  Forbidden,  Forbidden,  Allowed,    CurrentRefused,  NotFound,     NotFound,       Allowed,    AlreadyActing]),
    (Actor::SalesRepActingAsOwner,     [Allowed,  Allowed,    Forbidden,  Allowed,    CurrentRefused,  Allowed,      NotFound,       Allowed,    AlreadyActing]),
    (Actor::SalesRepServingOnlyGlobex, [Allowed,  Forbidden,  Forbidden,  Allowed,    CurrentRefused,  NotFound,     NotFound,       Allowed,    NotFound]),
];
const ACTIONS: [Action; 9] = [
    ListMine,
    ListAcme,
    ListPlatform,
    TerminateOwnOther,
    TerminateCurrent,
    TerminateAcmeMember,
    TerminateGlobexMember,
    TerminateAllOthers,
    ActAsAcmeEmployee,
];

/// The actor's caller, and the token of the session it comes from.
async fn caller_for(w: &World, actor: Actor) -> (String, Caller) {
    let email = match actor {
        Actor::Employee => "bob@acme.example",
        Actor::Owner => "alice@acme.example",
        Actor::OtherAccountOwner => "carol@globex.example",
        Actor::PlatformAdmin => "adam@platform.example",
        Actor::SalesRep | Actor::SalesRepActingAsEmployee | Actor::SalesRepActingAsOwner => {
            "rita@sales.example"
        }
        Actor::SalesRepServingOnlyGlobex => "sam@sales.example",
    };
    let (signed_in, caller) = w.caller(email, T0).await;
    let acting_as = match actor {
        Actor::SalesRepActingAsEmployee => Some(w.bob),
        Actor::SalesRepActingAsOwner => Some(w.alice),
        _ => None,
    };
    let token = signed_in.token.as_str().to_owned();
    let Some(customer) = acting_as else {
        return (token, caller);
    };
    w.service
        .start_impersonation(&caller, customer, w.acme, T0)
        .await
        .unwrap();
    let caller = w.service.authenticate(&token, T0).await.unwrap();
    (token, caller)
}

fn outcome<T>(result: &Result<T, Error>) -> Expect {
    match result {
        Ok(_) => Allowed,
        Err(Error::Forbidden(_)) => Forbidden,
        Err(Error::SessionNotFound | Error::UserNotFound) => NotFound,
        Err(Error::AlreadyImpersonating) => AlreadyActing,
        Err(Error::CannotTerminateCurrentSession) => CurrentRefused,
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// Another member of the account than `me`.
fn colleague(me: UserId, first: UserId, second: UserId) -> UserId {
    if me == first { second } else { first }
}

async fn every_role_action_and_target_is_decided_by_the_service(backend: Backend) {
    let w = world(backend).await;
    let mut cases = 0;
    for (actor, expectations) in MATRIX {
        let (token, caller) = caller_for(&w, actor).await;
        let me = caller.user_id;
        for (action, expected) in ACTIONS.into_iter().zip(expectations) {
            cases += 1;
            let context = format!("{actor:?} × {action:?}");
            let page = PageRequest::default();
            let none = SessionFilter::default();
            let actual = match action {
                ListMine | ListAcme | ListPlatform => {
                    let view = match action {
                        ListMine => SessionsView::Mine,
                        ListAcme => SessionsView::Account(w.acme),
                        _ => SessionsView::Platform,
                    };
                    let result = w
                        .service
                        .list_sessions(&caller, view, &none, page, T0)
                        .await;
                    if let Ok(page) = &result {
                        for session in &page.items {
                            match view {
                                SessionsView::Mine => assert_eq!(session.user_id, me, "{context}"),
                                SessionsView::Account(account) => {
                                    assert_eq!(session.account_id, account, "{context}")
                                }
                                SessionsView::Platform => {}
                            }
                        }
                    }
                    outcome(&result)
                }
                TerminateOwnOther
                | TerminateCurrent
                | TerminateAcmeMember
                | TerminateGlobexMember => {
                    let target: SessionId = match action {
                        TerminateOwnOther => w.plant_session(me, w.acme, T0).await,
                        TerminateCurrent => caller.session_id,
                        TerminateAcmeMember => {
                            w.plant_session(colleague(me, w.bob, w.alice), w.acme, T0)
                                .await
                        }
                        _ => {
                            w.plant_session(colleague(me, w.dave, w.carol), w.globex, T0)
                                .await
                        }
                    };
                    let result = w.service.terminate_session(&caller, target, T0).await;
                    // Refused means unchanged; allowed means ended at once.
                    assert_eq!(w.is_live(target, T0).await, result.is_err(), "{context}");
                    outcome(&result)
                }
                TerminateAllOthers => {
                    let mine = w.plant_session(me, w.globex, T0).await;
                    let theirs = w
                        .plant_session(colleague(me, w.bob, w.carol), w.acme, T0)
                        .await;
                    let result = w.service.terminate_all_other_sessions(&caller, T0).await;
                    assert!(
                        !w.is_live(mine, T0).await,
                        "{context}: own other session ended"
                    );
                    assert!(
                        w.is_live(theirs, T0).await,
                        "{context}: others' sessions untouched"
                    );
                    assert!(
                        w.is_live(caller.session_id, T0).await,
                        "{context}: current kept"
                    );
                    outcome(&result)
                }
                ActAsAcmeEmployee => {
                    let result = w
                        .service
                        .start_impersonation(&caller, w.bob, w.acme, T0)
                        .await;
                    // Refused means the session still acts as whom it did (or nobody); allowed
                    // means its next request is Bob's, with the representative behind it.
                    let after = w.service.authenticate(&token, T0).await.unwrap();
                    if result.is_ok() {
                        assert_eq!(after.user_id, w.bob, "{context}");
                        assert_eq!(after.impersonator, Some(me), "{context}");
                    } else {
                        assert_eq!(after, caller, "{context}: unchanged");
                    }
                    outcome(&result)
                }
            };
            assert_eq!(actual, expected, "{context}");
        }
    }
    assert_eq!(cases, 72);
}
