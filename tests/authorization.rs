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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Allowed,
    Forbidden,
    NotFound,
    CurrentRefused,
}

use Action::*;
use Expect::*;

/// The rules of the product, as a table. Acme: Alice (owner), Bob (employee). Globex: Carol
/// (owner), Dave (employee). Adam is a platform admin; Rita a sales representative.
#[rustfmt::skip]
const MATRIX: [(Actor, [Expect; 8]); 7] = [
    //                                  mine      acme        platform    own other   current          acme member   globex member   all others
    (Actor::Employee,                  [Allowed,  Forbidden,  Forbidden,  Allowed,    CurrentRefused,  NotFound,     NotFound,       Allowed]),
    (Actor::Owner,                     [Allowed,  Allowed,    Forbidden,  Allowed,    CurrentRefused,  Allowed,      NotFound,       Allowed]),
    (Actor::OtherAccountOwner,         [Allowed,  Forbidden,  Forbidden,  Allowed,    CurrentRefused,  NotFound,     Allowed,        Allowed]),
    (Actor::PlatformAdmin,             [Allowed,  Allowed,    Allowed,    Allowed,    CurrentRefused,  Allowed,      Allowed,        Allowed]),
    (Actor::SalesRep,                  [Allowed,  Forbidden,  Forbidden,  Allowed,    CurrentRefused,  NotFound,     NotFound,       Allowed]),
    (Actor::SalesRepActingAsEmployee,  [Allowed,  Forbidden,  Forbidden,  Allowed,    CurrentRefused,  NotFound,     NotFound,       Allowed]),
    (Actor::SalesRepActingAsOwner,     [Allowed,  Allowed,    Forbidden,  Allowed,    CurrentRefused,  Allowed,      NotFound,       Allowed]),
];
const ACTIONS: [Action; 8] = [
    ListMine,
    ListAcme,
    ListPlatform,
    TerminateOwnOther,
    TerminateCurrent,
    TerminateAcmeMember,
    TerminateGlobexMember,
    TerminateAllOthers,
];

async fn caller_for(w: &World, actor: Actor) -> Caller {
    let email = match actor {
        Actor::Employee => "bob@acme.example",
        Actor::Owner => "alice@acme.example",
        Actor::OtherAccountOwner => "carol@globex.example",
        Actor::PlatformAdmin => "adam@platform.example",
        Actor::SalesRep | Actor::SalesRepActingAsEmployee | Actor::SalesRepActingAsOwner => {
            "rita@sales.example"
        }
    };
    let (signed_in, caller) = w.caller(email, T0).await;
    let acting_as = match actor {
        Actor::SalesRepActingAsEmployee => Some(w.bob),
        Actor::SalesRepActingAsOwner => Some(w.alice),
        _ => None,
    };
    let Some(customer) = acting_as else {
        return caller;
    };
    w.service
        .start_impersonation(&caller, customer, w.acme, T0)
        .await
        .unwrap();
    w.service
        .authenticate(signed_in.token.as_str(), T0)
        .await
        .unwrap()
}

fn outcome<T>(result: &Result<T, Error>) -> Expect {
    match result {
        Ok(_) => Allowed,
        Err(Error::Forbidden(_)) => Forbidden,
        Err(Error::SessionNotFound) => NotFound,
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
        let caller = caller_for(&w, actor).await;
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
            };
            assert_eq!(actual, expected, "{context}");
        }
    }
    assert_eq!(cases, 56);
}
