//! Who may see and end what: every role × action × target, on every store.

mod common;

use common::{Backend, T0, World, world};
use sessionboard::model::{
    AccountId, ApplicationId, ChangeFilter, EventType, KeyPowers, PageRequest, Role, SessionFilter,
    SessionId, SessionsView, UserId,
};
use sessionboard::password::hash_password;
use sessionboard::service::{
    AccountState, AccountStatus, Actor as Asking, ApiClient, EndpointForm, NewMember, PersonRef,
    PersonState, PersonStatus, PlatformRoles, TrustedSignIn,
};
use sessionboard::store::NewUser;
use sessionboard::{Caller, Error};

on_every_store!(
    every_role_action_and_target_is_decided_by_the_service,
    every_role_and_administration_action_is_decided_by_the_service,
    every_key_kind_and_host_operation_is_decided_by_the_service
);

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
    /// The directory's state refuses it (e.g. an email someone else has).
    Conflict,
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
        Err(Error::NotFound(_)) => NotFound,
        Err(Error::AlreadyExists(_) | Error::Conflict(_)) => Conflict,
        _ => session_outcome(result),
    }
}

fn session_outcome<T>(result: &Result<T, Error>) -> Expect {
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

#[derive(Clone, Copy, Debug)]
enum AdminAction {
    SeeAcmeMembers,
    AddAcmeMember,
    ChangeAcmeMember,
    RemoveAcmeMember,
    ResetAcmeEmployeePassword,
    ReadAcmeChanges,
    ReadAllChanges,
    ChangeOwnPassword,
    CreateAccount,
    CloseAccount,
    DeactivatePerson,
    SetPlatformRoles,
    RetireApplication,
    AssignRepresentative,
    AddWebhookEndpoint,
    ReadWebhookDeliveries,
}

use AdminAction::*;

/// Who may manage whom, as a table, in the world above. The "Acme" actions are on a person
/// (or a new one) in Acme alone, made for each case; the platform actions on an account, a
/// person or an application made for each case. Acting representatives see an owner's
/// Members page and change log, but change nobody: that stays with the person themselves.
/// Webhook endpoints hear about every account: platform admins' alone.
#[rustfmt::skip]
const ADMIN_MATRIX: [(Actor, [Expect; 16]); 8] = [
    //                                  members    add        change     remove     reset      acme log   all log    own pw     +account   close      deactivate roles      retire app assign rep +webhook   deliveries
    (Actor::Employee,                  [Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Allowed,   Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    (Actor::Owner,                     [Allowed,   Allowed,   Allowed,   Allowed,   Allowed,   Allowed,   Forbidden, Allowed,   Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    (Actor::OtherAccountOwner,         [Forbidden, Forbidden, Forbidden, Forbidden, NotFound,  Forbidden, Forbidden, Allowed,   Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    (Actor::PlatformAdmin,             [Allowed,   Allowed,   Allowed,   Allowed,   Allowed,   Allowed,   Allowed,   Allowed,   Allowed,   Allowed,   Allowed,   Allowed,   Allowed,   Allowed,   Allowed,   Allowed]),
    (Actor::SalesRep,                  [Forbidden, Forbidden, Forbidden, Forbidden, NotFound,  Forbidden, Forbidden, Allowed,   Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    (Actor::SalesRepActingAsEmployee,  [Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    (Actor::SalesRepActingAsOwner,     [Allowed,   Forbidden, Forbidden, Forbidden, Forbidden, Allowed,   Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
    (Actor::SalesRepServingOnlyGlobex, [Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Allowed,   Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]),
];
const ADMIN_ACTIONS: [AdminAction; 16] = [
    SeeAcmeMembers,
    AddAcmeMember,
    ChangeAcmeMember,
    RemoveAcmeMember,
    ResetAcmeEmployeePassword,
    ReadAcmeChanges,
    ReadAllChanges,
    ChangeOwnPassword,
    CreateAccount,
    CloseAccount,
    DeactivatePerson,
    SetPlatformRoles,
    RetireApplication,
    AssignRepresentative,
    AddWebhookEndpoint,
    ReadWebhookDeliveries,
];

/// What one case works on, made fresh for it so that no case sees another's doing.
struct Targets {
    /// A person in Acme alone, with a password and a live session there.
    member: UserId,
    member_session: SessionId,
    account: AccountId,
    application: ApplicationId,
    /// A person in the new account, with a live session there.
    person: UserId,
}

async fn targets(w: &World, case: usize, password_hash: &str) -> Targets {
    let store = w.operator.store();
    let new_user = async |email: String, name: String, account: AccountId| {
        let user = store
            .insert_user(
                NewUser {
                    email: &email,
                    name: &name,
                    password_hash,
                    is_platform_admin: false,
                    is_sales_rep: false,
                },
                T0,
            )
            .await
            .unwrap();
        store
            .insert_membership(user, account, Role::Employee, "")
            .await
            .unwrap();
        user
    };
    let member = new_user(
        format!("member{case}@acme.example"),
        format!("Member {case}"),
        w.acme,
    )
    .await;
    let account = store
        .insert_account(&format!("Case {case}"), true, T0)
        .await
        .unwrap();
    let person = new_user(
        format!("person{case}@case.example"),
        format!("Person {case}"),
        account,
    )
    .await;
    let application = store
        .insert_application(&format!("App {case}"), T0)
        .await
        .unwrap();
    Targets {
        member,
        member_session: w.plant_session(member, w.acme, T0).await,
        account,
        application,
        person,
    }
}

/// Everything an administration action could change, as text: equal before and after a
/// refusal, different after an allowed change.
async fn snapshot(w: &World, me: UserId, t: &Targets, case: usize) -> String {
    let store = w.operator.store();
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        store.membership(t.member, w.acme).await.unwrap(),
        store.password_hash(t.member).await.unwrap(),
        w.is_live(t.member_session, T0).await,
        store
            .person_by_email(&format!("new{case}@acme.example"))
            .await
            .unwrap()
            .map(|person| person.id),
        store.password_hash(me).await.unwrap(),
        store.account_by_name(&format!("New {case}")).await.unwrap(),
        store.account_name(t.account).await.unwrap(),
        store.principal(t.person).await.unwrap(),
        store
            .list_live_applications()
            .await
            .unwrap()
            .iter()
            .any(|app| app.id == t.application),
        store.principal(w.sam).await.unwrap().map(|sam| sam.serves),
        store
            .list_changes(
                sessionboard::access::Scope::All,
                &ChangeFilter::default(),
                PageRequest::default(),
            )
            .await
            .unwrap()
            .items
            .len(),
        store.list_webhook_endpoints().await.unwrap().len(),
    )
}

async fn every_role_and_administration_action_is_decided_by_the_service(backend: Backend) {
    let w = world(backend).await;
    let password_hash = hash_password(common::PASSWORD).unwrap();
    let mut cases = 0;
    for (actor, expectations) in ADMIN_MATRIX {
        let (_, caller) = caller_for(&w, actor).await;
        let me = caller.user_id;
        let asking = Asking {
            caller,
            ip: "192.0.2.1".parse().unwrap(),
        };
        for (action, expected) in ADMIN_ACTIONS.into_iter().zip(expectations) {
            cases += 1;
            let context = format!("{actor:?} × {action:?}");
            let t = targets(&w, cases, &password_hash).await;
            let before = snapshot(&w, me, &t, cases).await;
            let s = &w.service;
            let changes = |account| async move {
                s.list_changes(
                    &caller,
                    account,
                    &ChangeFilter::default(),
                    PageRequest::default(),
                )
                .await
            };
            let (actual, writes) = match action {
                SeeAcmeMembers => {
                    let result = s.members(&caller, w.acme, T0).await;
                    if let Ok(members) = &result {
                        assert!(
                            members.members.iter().any(|m| m.user_id == t.member),
                            "{context}"
                        );
                    }
                    (outcome(&result), false)
                }
                AddAcmeMember => {
                    let email = format!("new{cases}@acme.example");
                    let member = NewMember {
                        name: "New Person",
                        email: &email,
                        role: Role::Employee,
                        job_label: "Purchasing",
                    };
                    (
                        outcome(&s.add_member(&asking, w.acme, member, T0).await),
                        true,
                    )
                }
                ChangeAcmeMember => {
                    let result = s
                        .change_member(&asking, w.acme, t.member, Role::Owner, "Accounting", T0)
                        .await;
                    (outcome(&result), true)
                }
                RemoveAcmeMember => {
                    let result = s.remove_member(&asking, w.acme, t.member, T0).await;
                    (outcome(&result), true)
                }
                ResetAcmeEmployeePassword => {
                    let result = s.reset_password(&asking, t.member, true, T0).await;
                    (outcome(&result), true)
                }
                ReadAcmeChanges => {
                    let result = changes(Some(w.acme)).await;
                    if let Ok(page) = &result {
                        for change in &page.items {
                            assert_eq!(change.account_id, Some(w.acme), "{context}");
                        }
                    }
                    (outcome(&result), false)
                }
                ReadAllChanges => (outcome(&changes(None).await), false),
                ChangeOwnPassword => {
                    // The same password again, so later rows still sign in with it; a new
                    // salt shows that it was written.
                    let result = s
                        .change_password(&asking, common::PASSWORD, common::PASSWORD, false, T0)
                        .await;
                    (outcome(&result), true)
                }
                CreateAccount => {
                    let result = s.create_account(&asking, &format!("New {cases}"), T0).await;
                    (outcome(&result), true)
                }
                CloseAccount => (
                    outcome(&s.close_account(&asking, t.account, T0).await),
                    true,
                ),
                DeactivatePerson => {
                    let result = s.deactivate_person(&asking, t.person, T0).await;
                    (outcome(&result), true)
                }
                SetPlatformRoles => {
                    let roles = PlatformRoles {
                        platform_admin: false,
                        sales_rep: true,
                    };
                    let result = s.set_platform_roles(&asking, t.person, roles, T0).await;
                    (outcome(&result), true)
                }
                RetireApplication => {
                    let result = s.retire_application(&asking, t.application, T0).await;
                    (outcome(&result), true)
                }
                AssignRepresentative => {
                    let result = s.assign_representative(&asking, w.sam, t.account, T0).await;
                    (outcome(&result), true)
                }
                AddWebhookEndpoint => {
                    let form = EndpointForm {
                        url: "http://127.0.0.1:9/hook",
                        events: &EventType::ALL,
                        account: None,
                        description: "",
                    };
                    let result = s.add_webhook_endpoint(&caller, form, T0).await;
                    (outcome(&result), true)
                }
                ReadWebhookDeliveries => {
                    let result = s
                        .webhook_deliveries(&caller, None, PageRequest::default())
                        .await;
                    (outcome(&result), false)
                }
            };
            let after = snapshot(&w, me, &t, cases).await;
            if actual == Allowed && writes {
                assert_ne!(before, after, "{context}: the change was made");
            } else {
                assert_eq!(before, after, "{context}: nothing changed");
            }
            assert_eq!(actual, expected, "{context}");
        }
    }
    assert_eq!(cases, 128);
}

/// What an application's key may do to the directory and to sign-in without a password, by
/// the powers a platform admin gave it. Every key belongs to "iOS app".
#[derive(Clone, Copy, Debug)]
enum KeyKind {
    Application,
    Trusted,
    Directory,
    PlatformWide,
}

impl KeyKind {
    fn powers(self) -> KeyPowers {
        let none = KeyPowers::APPLICATION;
        match self {
            Self::Application => none,
            Self::Trusted => KeyPowers {
                trusted: true,
                ..none
            },
            Self::Directory => KeyPowers {
                directory: true,
                ..none
            },
            Self::PlatformWide => KeyPowers::PLATFORM,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum KeyAction {
    PutNewAccount,
    PutNewPerson,
    PutMembership,
    DeletePerson,
    SignInTrusted,
    MakeSignInLink,
    TrustedSignInOfStaff,
    PutStaffByEmail,
    SignInPersonMadeHere,
    PutPersonMadeHereByEmail,
}

use KeyAction::*;

/// The rules for keys, as a table. Every case has an account and a person a product keeps in
/// step (synced by another key), the person signed in on a phone. The last four columns reach
/// past what a product keeps: Sessionboard's staff (Adam, a platform admin) and people made in
/// Sessionboard itself (Bob of Acme), whom no key signs in, edits or takes over by email.
#[rustfmt::skip]
const KEY_MATRIX: [(KeyKind, [Expect; 10]); 4] = [
    //                       new account  new person  membership  delete person  sign in    link       sign in Adam  sync Adam  sign in Bob  sync Bob
    (KeyKind::Application,  [Forbidden,   Forbidden,  Forbidden,  Forbidden,     Forbidden, Forbidden, Forbidden,    Forbidden, Forbidden,   Forbidden]),
    (KeyKind::Trusted,      [Forbidden,   Forbidden,  Forbidden,  Forbidden,     Allowed,   Allowed,   NotFound,     Forbidden, NotFound,    Forbidden]),
    (KeyKind::Directory,    [Allowed,     Allowed,    Allowed,    Allowed,       Forbidden, Forbidden, Forbidden,    Forbidden, Forbidden,   Conflict]),
    (KeyKind::PlatformWide, [Allowed,     Allowed,    Allowed,    Allowed,       Forbidden, Forbidden, Forbidden,    Forbidden, Forbidden,   Conflict]),
];
const KEY_ACTIONS: [KeyAction; 10] = [
    PutNewAccount,
    PutNewPerson,
    PutMembership,
    DeletePerson,
    SignInTrusted,
    MakeSignInLink,
    TrustedSignInOfStaff,
    PutStaffByEmail,
    SignInPersonMadeHere,
    PutPersonMadeHereByEmail,
];

/// A key of `powers` for "iOS app", as the API would see it.
async fn key(w: &World, powers: KeyPowers) -> ApiClient {
    let (_, secret) = w
        .operator
        .create_api_key("iOS app", powers, "matrix", T0)
        .await
        .unwrap();
    w.service
        .authenticate_api_key(&secret.reveal())
        .await
        .unwrap()
}

/// Everything a key's action could change, as text.
async fn key_snapshot(w: &World, case: usize, session: SessionId) -> String {
    let store = w.operator.store();
    let person = store
        .person_by_external_id(&format!("p{case}"))
        .await
        .unwrap();
    let account = store
        .account_by_external_id(&format!("a{case}"))
        .await
        .unwrap();
    let membership = match (&person, &account) {
        (Some(person), Some(account)) => store.membership(person.id, account.id).await.unwrap(),
        _ => None,
    };
    let history = match &person {
        Some(person) => store
            .list_login_records(
                sessionboard::access::Scope::User(person.id),
                &Default::default(),
                PageRequest::default(),
            )
            .await
            .unwrap()
            .items
            .len(),
        None => 0,
    };
    format!(
        "{person:?} {account:?} {membership:?} {:?} {:?} {:?} {history} {:?} {:?} {:?}",
        store
            .person_by_external_id(&format!("new{case}"))
            .await
            .unwrap(),
        store
            .account_by_external_id(&format!("new{case}"))
            .await
            .unwrap(),
        w.is_live(session, T0).await,
        store
            .person_by_email("adam@platform.example")
            .await
            .unwrap(),
        store.person_by_email("bob@acme.example").await.unwrap(),
        store
            .list_changes(
                sessionboard::access::Scope::All,
                &ChangeFilter::default(),
                PageRequest::default(),
            )
            .await
            .unwrap()
            .items
            .first()
            .map(|change| change.id),
    )
}

async fn every_key_kind_and_host_operation_is_decided_by_the_service(backend: Backend) {
    let w = world(backend).await;
    let s = &w.service;
    // What sets each case up: a key with every power a product needs.
    let setup = key(
        &w,
        KeyPowers {
            platform_wide: false,
            trusted: true,
            directory: true,
        },
    )
    .await;
    // Each case signs in from addresses of its own, so the sign-in budgets per address (the
    // same as for passwords) never decide a case.
    let device = |ip: String| (ip.parse().unwrap(), "Mozilla/5.0 (iPhone)");
    let mut cases = 0;
    for (kind, expectations) in KEY_MATRIX {
        let client = key(&w, kind.powers()).await;
        for (action, expected) in KEY_ACTIONS.into_iter().zip(expectations) {
            cases += 1;
            let context = format!("{kind:?} × {action:?}");
            // Account a{case} with person p{case} in it, signed in on a phone.
            let (account, person) = (format!("a{cases}"), format!("p{cases}"));
            let email = format!("p{cases}@host.example");
            s.sync_account(
                &setup,
                &account,
                AccountState {
                    name: &account,
                    status: AccountStatus::Active,
                },
                T0,
            )
            .await
            .unwrap();
            let active = PersonState {
                name: "Pat",
                email: &email,
                status: PersonStatus::Active,
            };
            s.sync_person(&setup, &person, active, T0).await.unwrap();
            s.sync_membership(&setup, (&account, &person), Role::Employee, "", T0)
                .await
                .unwrap();
            let named = (PersonRef::ExternalId(&person), account.as_str());
            // Bob of Acme, made in Sessionboard, belongs to the synced account too: only his
            // not being kept in step by a product keeps him out of a key's reach.
            let store = w.operator.store();
            let synced = store
                .account_by_external_id(&account)
                .await
                .unwrap()
                .unwrap();
            store
                .insert_membership(w.bob, synced.id, Role::Employee, "")
                .await
                .unwrap();
            let (ip, user_agent) = device(format!("198.51.100.{cases}"));
            let phone = TrustedSignIn {
                person: named.0,
                account: named.1,
                ip,
                user_agent,
            };
            let phone = s
                .sign_in_trusted(&setup, phone, T0)
                .await
                .unwrap()
                .session_id;

            let before = key_snapshot(&w, cases, phone).await;
            let new_id = format!("new{cases}");
            let actual = match action {
                PutNewAccount => {
                    let state = AccountState {
                        name: &new_id,
                        status: AccountStatus::Active,
                    };
                    outcome(&s.sync_account(&client, &new_id, state, T0).await)
                }
                PutNewPerson => {
                    let email = format!("{new_id}@host.example");
                    let state = PersonState {
                        name: "Neu",
                        email: &email,
                        status: PersonStatus::Active,
                    };
                    outcome(&s.sync_person(&client, &new_id, state, T0).await)
                }
                PutMembership => outcome(
                    &s.sync_membership(&client, (&account, &person), Role::Owner, "Lead", T0)
                        .await,
                ),
                DeletePerson => {
                    let result = s.remove_synced_person(&client, &person, T0).await;
                    if result.is_ok() {
                        assert!(
                            !w.is_live(phone, T0).await,
                            "{context}: their session ended"
                        );
                    }
                    outcome(&result)
                }
                SignInTrusted => {
                    let (ip, user_agent) = device(format!("203.0.113.{cases}"));
                    let attempt = TrustedSignIn {
                        person: named.0,
                        account: named.1,
                        ip,
                        user_agent,
                    };
                    let result = s.sign_in_trusted(&client, attempt, T0).await;
                    if let Ok(signed_in) = &result {
                        // Recorded as the key's own application, whatever it might wish.
                        let validated = s.validate(&client, signed_in.token.as_str(), T0).await;
                        assert_eq!(validated.unwrap().caller.application_id, w.ios, "{context}");
                        assert!(
                            s.validate(&w.web_client(), signed_in.token.as_str(), T0)
                                .await
                                .is_err(),
                            "{context}: another application's key cannot use it"
                        );
                    }
                    outcome(&result)
                }
                MakeSignInLink => {
                    let result = s.create_sign_in_link(&client, named, None, T0).await;
                    if let Ok(link) = &result {
                        let used = s
                            .use_sign_in_link(
                                link.token.as_str(),
                                device(format!("203.0.113.{cases}")),
                                T0,
                            )
                            .await
                            .unwrap();
                        assert_eq!(used.page, "/sessions", "{context}");
                    }
                    outcome(&result)
                }
                TrustedSignInOfStaff => {
                    let (ip, user_agent) = device(format!("203.0.113.{cases}"));
                    let attempt = TrustedSignIn {
                        person: PersonRef::Email("adam@platform.example"),
                        account: &account,
                        ip,
                        user_agent,
                    };
                    outcome(&s.sign_in_trusted(&client, attempt, T0).await)
                }
                SignInPersonMadeHere => {
                    let (ip, user_agent) = device(format!("203.0.113.{cases}"));
                    let attempt = TrustedSignIn {
                        person: PersonRef::Email("bob@acme.example"),
                        account: &account,
                        ip,
                        user_agent,
                    };
                    outcome(&s.sign_in_trusted(&client, attempt, T0).await)
                }
                PutPersonMadeHereByEmail => {
                    let state = PersonState {
                        name: "Bob Taken",
                        email: "bob@acme.example",
                        status: PersonStatus::Deactivated,
                    };
                    outcome(&s.sync_person(&client, &new_id, state, T0).await)
                }
                PutStaffByEmail => {
                    let state = PersonState {
                        name: "Adam Taken",
                        email: "adam@platform.example",
                        status: PersonStatus::Deactivated,
                    };
                    outcome(&s.sync_person(&client, &new_id, state, T0).await)
                }
            };
            let after = key_snapshot(&w, cases, phone).await;
            if actual == Allowed {
                assert_ne!(before, after, "{context}: it was done");
            } else {
                assert_eq!(before, after, "{context}: nothing changed");
            }
            assert_eq!(actual, expected, "{context}");
        }
    }
    assert_eq!(cases, 40);
}
