//! Administration: each change to the directory made whole with its audit record, or refused
//! whole when it would leave an account without an owner or the platform without an admin;
//! what a change ends (sessions, keys, acting) and what it stops (signing in); set-password
//! links; and the audit log of changes.

use std::cmp::Reverse;
use std::collections::HashSet;

use sessionboard::model::{
    AccountId, AccountView, ApplicationId, ApplicationView, ChangeFilter, ChangeKind, ChangeView,
    ImpersonationId, KeyPowers, LoginOutcome, MemberView, PageRequest, PasswordLinkHolder,
    PersonMembership, PersonView, Role, SessionId, Timestamp, UserId,
};
use sessionboard::store::{
    Applied, ChangeRecord, DirectoryChange, NewLoginRecord, NewUser, Scope, Store,
};
use sessionboard::token::{ApiKeySecret, SessionToken, TokenHash};
use sessionboard::{Error, Result};

use crate::common::T0;
use crate::fixture::{
    OBSERVATION, PASSWORD_HASH, People, Planted, add_user, at, customer, is_live, people, plant,
    session,
};

contract!(
    closing_an_account_ends_its_sessions_and_hides_it_from_every_list_and_membership,
    a_deactivated_person_loses_every_session_and_sign_in_until_reactivated,
    the_last_active_platform_admin_can_be_neither_deactivated_nor_demoted,
    the_last_owner_of_an_account_can_be_neither_removed_nor_demoted,
    removing_one_of_two_owners_ends_their_sessions_in_that_account_only,
    a_membership_is_added_with_a_job_label_and_then_changed_in_place,
    a_taken_email_or_application_name_is_refused_and_nothing_is_written,
    editing_a_person_changes_the_name_and_email_they_sign_in_with,
    a_new_person_has_no_password_and_cannot_sign_in_until_their_link_sets_one,
    a_set_password_link_works_once_and_not_after_it_expires_or_is_replaced,
    setting_a_password_can_end_every_other_session_but_the_one_kept,
    retiring_an_application_revokes_its_keys_ends_its_sessions_and_hides_it,
    an_unassigned_representative_stops_acting_in_that_account_and_no_longer_serves_it,
    a_person_who_stops_being_a_sales_representative_stops_serving_and_acting,
    no_session_opens_for_deactivated_people_removed_members_closed_accounts_or_retired_apps,
    sign_ins_racing_a_change_that_stops_them_leave_no_session_and_never_deadlock,
    changes_to_what_is_gone_or_never_was_are_refused_and_write_nothing,
    accounts_and_people_are_listed_with_their_members_representatives_and_memberships,
    the_change_log_is_newest_first_and_narrowed_by_account_actor_target_and_kind,
    the_change_log_pages_through_changes_made_at_one_moment_without_repeats,
    a_sign_in_whose_checked_password_was_changed_meanwhile_opens_no_session,
    a_password_chosen_now_spends_any_link_handed_out_before,
);

/// The address every change in these cases comes from.
const IP: &str = "192.0.2.7";

/// The audit record the service writes with a change of `kind` made by `actor` at `at`,
/// about nothing yet: callers name the account, person or application it is about.
fn made_by(actor: Option<UserId>, kind: ChangeKind, at: Timestamp) -> ChangeRecord {
    ChangeRecord {
        at,
        actor,
        api_key: None,
        impersonator: None,
        ip: Some(IP.to_owned()),
        kind,
        account: None,
        target_user: None,
        application: None,
        detail: kind.label().to_owned(),
    }
}

/// A platform admin's (Adam's) record of a change to `account`.
fn on_account(p: &People, kind: ChangeKind, account: AccountId, at: Timestamp) -> ChangeRecord {
    ChangeRecord {
        account: Some(account),
        ..made_by(Some(p.adam), kind, at)
    }
}

/// A platform admin's (Adam's) record of a change to `user` (in `account`, for memberships).
fn on_person(
    p: &People,
    kind: ChangeKind,
    (user, account): (UserId, Option<AccountId>),
    at: Timestamp,
) -> ChangeRecord {
    ChangeRecord {
        account,
        target_user: Some(user),
        ..made_by(Some(p.adam), kind, at)
    }
}

async fn close_account(
    store: &dyn Store,
    p: &People,
    account: AccountId,
    at: Timestamp,
) -> Result<Applied> {
    let change = DirectoryChange::CloseAccount { account };
    let record = on_account(p, ChangeKind::AccountClosed, account, at);
    store.apply_change(change, record).await
}

async fn deactivate(store: &dyn Store, p: &People, user: UserId, at: Timestamp) -> Result<Applied> {
    let change = DirectoryChange::Deactivate { user };
    let record = on_person(p, ChangeKind::PersonDeactivated, (user, None), at);
    store.apply_change(change, record).await
}

async fn reactivate(store: &dyn Store, p: &People, user: UserId, at: Timestamp) -> Result<Applied> {
    let change = DirectoryChange::Reactivate { user };
    let record = on_person(p, ChangeKind::PersonReactivated, (user, None), at);
    store.apply_change(change, record).await
}

/// Makes `user` a platform admin and a sales representative, or not, as `(admin, rep)` say.
async fn set_roles(
    store: &dyn Store,
    p: &People,
    user: UserId,
    (is_platform_admin, is_sales_rep): (bool, bool),
    at: Timestamp,
) -> Result<Applied> {
    let change = DirectoryChange::SetPlatformRoles {
        user,
        is_platform_admin,
        is_sales_rep,
    };
    let record = on_person(p, ChangeKind::RolesChanged, (user, None), at);
    store.apply_change(change, record).await
}

/// Adds `user` to `account` or changes their membership there, recorded as the service
/// would: an addition if they were not a member yet.
async fn put_member(
    store: &dyn Store,
    p: &People,
    (user, account): (UserId, AccountId),
    (role, job_label): (Role, &str),
    at: Timestamp,
) -> Result<Applied> {
    let principal = store.principal(user).await.unwrap();
    let kind = match principal {
        Some(principal) if principal.is_member_of(account) => ChangeKind::MembershipChanged,
        _ => ChangeKind::MembershipAdded,
    };
    let change = DirectoryChange::PutMembership {
        user,
        account,
        role,
        job_label,
    };
    let record = on_person(p, kind, (user, Some(account)), at);
    store.apply_change(change, record).await
}

async fn remove_member(
    store: &dyn Store,
    p: &People,
    (user, account): (UserId, AccountId),
    at: Timestamp,
) -> Result<Applied> {
    let change = DirectoryChange::RemoveMembership { user, account };
    let record = on_person(p, ChangeKind::MembershipRemoved, (user, Some(account)), at);
    store.apply_change(change, record).await
}

async fn assign(
    store: &dyn Store,
    p: &People,
    (rep, account): (UserId, AccountId),
    at: Timestamp,
) -> Result<Applied> {
    let change = DirectoryChange::AssignRepresentative { rep, account };
    let kind = ChangeKind::RepresentativeAssigned;
    let record = on_person(p, kind, (rep, Some(account)), at);
    store.apply_change(change, record).await
}

async fn unassign(
    store: &dyn Store,
    p: &People,
    (rep, account): (UserId, AccountId),
    at: Timestamp,
) -> Result<Applied> {
    let change = DirectoryChange::UnassignRepresentative { rep, account };
    let kind = ChangeKind::RepresentativeUnassigned;
    let record = on_person(p, kind, (rep, Some(account)), at);
    store.apply_change(change, record).await
}

async fn retire(
    store: &dyn Store,
    p: &People,
    application: ApplicationId,
    at: Timestamp,
) -> Result<Applied> {
    let change = DirectoryChange::RetireApplication { application };
    let record = ChangeRecord {
        application: Some(application),
        ..made_by(Some(p.adam), ChangeKind::ApplicationRetired, at)
    };
    store.apply_change(change, record).await
}

/// A customer without a password, created by Adam.
async fn create_person(
    store: &dyn Store,
    p: &People,
    (email, name): (&str, &str),
    at: Timestamp,
) -> Result<Applied> {
    let change = DirectoryChange::CreatePerson {
        email,
        name,
        is_platform_admin: false,
        is_sales_rep: false,
        external_id: None,
    };
    let record = made_by(Some(p.adam), ChangeKind::PersonCreated, at);
    store.apply_change(change, record).await
}

/// Creates a customer without a password, and returns who they are.
async fn new_person(store: &dyn Store, p: &People, (email, name): (&str, &str)) -> UserId {
    let applied = create_person(store, p, (email, name), at(1)).await.unwrap();
    UserId(applied.created.expect("the new person's id"))
}

/// Makes `token` `user`'s set-password link from `at` until `expires_at`.
async fn issue_link(
    store: &dyn Store,
    p: &People,
    (user, token): (UserId, &TokenHash),
    at: Timestamp,
    expires_at: Timestamp,
) {
    let change = DirectoryChange::IssuePasswordLink {
        user,
        token,
        expires_at,
    };
    let record = on_person(p, ChangeKind::PasswordLinkIssued, (user, None), at);
    store.apply_change(change, record).await.unwrap();
}

/// Follows a set-password link at `at`; nobody is signed in, so the record names no actor.
async fn follow_link(
    store: &dyn Store,
    token: &TokenHash,
    password_hash: &str,
    at: Timestamp,
) -> Result<Applied> {
    let change = DirectoryChange::SetPasswordWithLink {
        token,
        password_hash,
    };
    let record = made_by(None, ChangeKind::PasswordSet, at);
    store.apply_change(change, record).await
}

/// Sets `user`'s password, ending their other sessions (all but `keep`) if `end_sessions`.
async fn set_password(
    store: &dyn Store,
    p: &People,
    (user, password_hash): (UserId, &str),
    (end_sessions, keep): (bool, Option<SessionId>),
    at: Timestamp,
) -> Result<Applied> {
    let change = DirectoryChange::SetPassword {
        user,
        password_hash,
        end_sessions,
        keep,
    };
    let record = on_person(p, ChangeKind::PasswordChanged, (user, None), at);
    store.apply_change(change, record).await
}

/// Opens a session the way a successful sign-in does, with its login record: the new
/// session's token hash, and what the store answered.
async fn sign_in(
    store: &dyn Store,
    (user, account, application): (UserId, AccountId, ApplicationId),
    at: Timestamp,
) -> (TokenHash, Result<SessionId>) {
    let new = session(user, account, application, at);
    let token = new.token_hash;
    let record = NewLoginRecord {
        at,
        user_id: Some(user),
        account_id: Some(account),
        email: "someone@example.org",
        application_id: application,
        observation: &OBSERVATION,
        outcome: LoginOutcome::Success,
        session_id: None,
    };
    (token, store.open_session(new, record, None).await)
}

/// One of Rita's sessions in her own account, acting as `target` in `account` since `at`.
async fn acting(
    store: &dyn Store,
    p: &People,
    (target, account): (UserId, AccountId),
    at: Timestamp,
) -> (Planted, ImpersonationId) {
    let reps = plant(store, session(p.rita, p.sales, p.web, at)).await;
    let (impersonation, _) = store
        .start_impersonation(reps.id, p.rita, target, account, at)
        .await
        .unwrap();
    (reps, impersonation)
}

/// Whose eyes the session sees through at `now`, if it acts as anyone; panics if it ended.
async fn acting_as(store: &dyn Store, reps: &Planted, now: Timestamp) -> Option<UserId> {
    let live = store
        .live_session_by_token(&reps.token, now)
        .await
        .unwrap()
        .expect("the representative's own session lives on");
    live.acting.map(|acting| acting.user_id)
}

fn hashes(tokens: impl IntoIterator<Item = TokenHash>) -> HashSet<TokenHash> {
    tokens.into_iter().collect()
}

/// Whether a token finds a live session at `now`, as validating a request sees it.
async fn is_valid(store: &dyn Store, token: &TokenHash, now: Timestamp) -> bool {
    store
        .live_session_by_token(token, now)
        .await
        .unwrap()
        .is_some()
}

fn fresh_token() -> TokenHash {
    SessionToken::generate().hash()
}

/// The changes in `scope` that pass `filter`, newest first (they fit on one page).
async fn changes(store: &dyn Store, scope: Scope, filter: &ChangeFilter) -> Vec<ChangeView> {
    let page = PageRequest {
        after: None,
        limit: 100,
    };
    let page = store.list_changes(scope, filter, page).await.unwrap();
    assert_eq!(page.next, None, "everything fits on one page");
    page.items
}

/// Every change recorded so far, newest first.
async fn every_change(store: &dyn Store) -> Vec<ChangeView> {
    changes(store, Scope::All, &ChangeFilter::default()).await
}

/// The one change of `kind` recorded so far.
async fn the_change(store: &dyn Store, kind: ChangeKind) -> ChangeView {
    let filter = ChangeFilter {
        kind: Some(kind),
        ..ChangeFilter::default()
    };
    let mut found = changes(store, Scope::All, &filter).await;
    assert_eq!(found.len(), 1, "one {kind:?}: {found:?}");
    found.remove(0)
}

/// A person's memberships as their principal lists them, by account.
async fn memberships(store: &dyn Store, user: UserId) -> Vec<(AccountId, Role)> {
    let mut principal = store
        .principal(user)
        .await
        .unwrap()
        .expect("an active person");
    principal.memberships.sort_by_key(|(account, _)| *account);
    principal.memberships
}

/// The accounts a sales representative serves, as their principal lists them, by id.
async fn serves(store: &dyn Store, rep: UserId) -> Vec<AccountId> {
    let mut principal = store
        .principal(rep)
        .await
        .unwrap()
        .expect("an active person");
    principal.serves.sort();
    principal.serves
}

/// The password hash an email signs in with, if it signs in at all.
async fn signs_in_with(store: &dyn Store, email: &str) -> Option<(UserId, String)> {
    let credentials = store.credentials_by_email(email).await.unwrap()?;
    Some((credentials.user_id, credentials.password_hash))
}

/// Everybody on the people page, by id.
async fn everybody(store: &dyn Store) -> Vec<UserId> {
    let page = PageRequest {
        after: None,
        limit: 100,
    };
    let page = store.list_people("", page).await.unwrap();
    assert_eq!(page.next, None);
    let mut ids: Vec<UserId> = page.items.iter().map(|person| person.id).collect();
    ids.sort();
    ids
}

async fn closing_an_account_ends_its_sessions_and_hides_it_from_every_list_and_membership(
    store: &dyn Store,
) {
    let p = people(store).await;
    let in_acme = [
        plant(store, session(p.alice, p.acme, p.web, at(0))).await,
        plant(store, session(p.bob, p.acme, p.ios, at(1))).await,
    ];
    let bob_in_globex = plant(store, session(p.bob, p.globex, p.web, at(2))).await;

    let closed = at(5);
    let applied = close_account(store, &p, p.acme, closed).await.unwrap();
    assert_eq!(hashes(applied.ended), hashes(in_acme.map(|s| s.token)));
    for planted in in_acme {
        assert!(!is_valid(store, &planted.token, closed).await);
    }
    assert!(
        is_valid(store, &bob_in_globex.token, closed).await,
        "sessions in other accounts live on"
    );

    let listed = store
        .list_accounts("", PageRequest::default())
        .await
        .unwrap();
    let listed: HashSet<AccountId> = listed.items.iter().map(|account| account.id).collect();
    assert_eq!(listed, HashSet::from([p.globex, p.sales]));
    assert_eq!(store.account_name(p.acme).await.unwrap(), None);
    assert_eq!(
        store.account_name(p.globex).await.unwrap().as_deref(),
        Some("Globex")
    );
    assert!(memberships(store, p.alice).await.is_empty());
    assert_eq!(
        memberships(store, p.bob).await,
        vec![(p.globex, Role::Owner)]
    );
    let viewer = store.viewer(p.bob, p.globex).await.unwrap().unwrap();
    let seen: Vec<AccountId> = viewer.memberships.iter().map(|m| m.account_id).collect();
    assert_eq!(seen, vec![p.globex]);

    let change = the_change(store, ChangeKind::AccountClosed).await;
    assert_eq!((change.at, change.actor_id), (closed, Some(p.adam)));
    assert_eq!(change.account_id, Some(p.acme));
    assert_eq!(change.sessions_ended, 2);

    // A closed account is gone: closing it again finds nothing, and records nothing.
    let again = close_account(store, &p, p.acme, at(6)).await;
    assert!(matches!(again, Err(Error::NotFound(_))), "{again:?}");
    assert_eq!(every_change(store).await.len(), 1);
}

async fn a_deactivated_person_loses_every_session_and_sign_in_until_reactivated(store: &dyn Store) {
    let p = people(store).await;
    let bobs = [
        plant(store, session(p.bob, p.acme, p.web, at(0))).await,
        plant(store, session(p.bob, p.globex, p.ios, at(1))).await,
    ];
    let alices = plant(store, session(p.alice, p.acme, p.web, at(2))).await;

    let deactivated = at(5);
    let applied = deactivate(store, &p, p.bob, deactivated).await.unwrap();
    assert_eq!(hashes(applied.ended), hashes(bobs.map(|s| s.token)));
    for planted in bobs {
        assert!(!is_valid(store, &planted.token, deactivated).await);
    }
    assert!(
        is_live(store, alices.id, deactivated).await,
        "only Bob's end"
    );
    assert_eq!(signs_in_with(store, "bob@acme.example").await, None);
    assert_eq!(
        store.principal(p.bob).await.unwrap(),
        None,
        "may do nothing"
    );
    let person = store.person(p.bob).await.unwrap().unwrap();
    assert_eq!(person.deactivated_at, Some(deactivated));
    let members = store
        .list_account_members(p.acme, deactivated)
        .await
        .unwrap();
    let bob = members
        .iter()
        .find(|member| member.user_id == p.bob)
        .expect("still listed among Acme's members");
    assert!(bob.deactivated);
    assert_eq!(bob.live_sessions, 0);
    let change = the_change(store, ChangeKind::PersonDeactivated).await;
    assert_eq!(change.target_user_id, Some(p.bob));
    assert_eq!(change.sessions_ended, 2);

    reactivate(store, &p, p.bob, at(6)).await.unwrap();
    assert_eq!(
        signs_in_with(store, "bob@acme.example").await,
        Some((p.bob, PASSWORD_HASH.to_owned())),
        "with the password he had"
    );
    assert_eq!(
        memberships(store, p.bob).await,
        vec![(p.acme, Role::Employee), (p.globex, Role::Owner)]
    );
    let person = store.person(p.bob).await.unwrap().unwrap();
    assert_eq!(person.deactivated_at, None);
    for planted in bobs {
        assert!(
            !is_valid(store, &planted.token, at(6)).await,
            "ended sessions stay ended"
        );
    }
}

async fn the_last_active_platform_admin_can_be_neither_deactivated_nor_demoted(store: &dyn Store) {
    let p = people(store).await;
    let deactivated = deactivate(store, &p, p.adam, at(1)).await;
    assert!(
        matches!(deactivated, Err(Error::LastPlatformAdmin)),
        "{deactivated:?}"
    );
    let demoted = set_roles(store, &p, p.adam, (false, false), at(2)).await;
    assert!(
        matches!(demoted, Err(Error::LastPlatformAdmin)),
        "{demoted:?}"
    );
    assert_eq!(
        signs_in_with(store, "adam@platform.example").await,
        Some((p.adam, PASSWORD_HASH.to_owned()))
    );
    let adam = store.principal(p.adam).await.unwrap().unwrap();
    assert!(adam.is_platform_admin);
    assert!(every_change(store).await.is_empty(), "nothing recorded");

    // A deactivated admin is no admin to fall back on.
    let eve = NewUser {
        is_platform_admin: true,
        ..customer("eve@platform.example", "Eve Admin")
    };
    let eve = add_user(store, eve, &[]).await;
    deactivate(store, &p, eve, at(3)).await.unwrap();
    let deactivated = deactivate(store, &p, p.adam, at(4)).await;
    assert!(
        matches!(deactivated, Err(Error::LastPlatformAdmin)),
        "{deactivated:?}"
    );

    // Once she is back, Adam may go; then she is the last.
    reactivate(store, &p, eve, at(5)).await.unwrap();
    deactivate(store, &p, p.adam, at(6)).await.unwrap();
    assert_eq!(signs_in_with(store, "adam@platform.example").await, None);
    let deactivated = deactivate(store, &p, eve, at(7)).await;
    assert!(
        matches!(deactivated, Err(Error::LastPlatformAdmin)),
        "{deactivated:?}"
    );
    let demoted = set_roles(store, &p, eve, (false, true), at(8)).await;
    assert!(
        matches!(demoted, Err(Error::LastPlatformAdmin)),
        "{demoted:?}"
    );
    assert!(
        store
            .principal(eve)
            .await
            .unwrap()
            .unwrap()
            .is_platform_admin
    );
}

async fn the_last_owner_of_an_account_can_be_neither_removed_nor_demoted(store: &dyn Store) {
    let p = people(store).await;
    let alices = plant(store, session(p.alice, p.acme, p.web, at(0))).await;

    let removed = remove_member(store, &p, (p.alice, p.acme), at(1)).await;
    assert!(matches!(removed, Err(Error::LastOwner)), "{removed:?}");
    let employee = (Role::Employee, "");
    let demoted = put_member(store, &p, (p.alice, p.acme), employee, at(2)).await;
    assert!(matches!(demoted, Err(Error::LastOwner)), "{demoted:?}");

    assert_eq!(
        memberships(store, p.alice).await,
        vec![(p.acme, Role::Owner)]
    );
    assert!(is_live(store, alices.id, at(2)).await);
    assert!(every_change(store).await.is_empty(), "nothing recorded");

    // An employee may leave all the same.
    remove_member(store, &p, (p.bob, p.acme), at(3))
        .await
        .unwrap();
    assert_eq!(
        memberships(store, p.bob).await,
        vec![(p.globex, Role::Owner)]
    );
}

async fn removing_one_of_two_owners_ends_their_sessions_in_that_account_only(store: &dyn Store) {
    // Bob and Carol both own Globex; Bob is also an employee of Acme.
    let p = people(store).await;
    let bob_in_globex = [
        plant(store, session(p.bob, p.globex, p.web, at(0))).await,
        plant(store, session(p.bob, p.globex, p.ios, at(1))).await,
    ];
    let bob_in_acme = plant(store, session(p.bob, p.acme, p.web, at(2))).await;
    let carols = plant(store, session(p.carol, p.globex, p.web, at(3))).await;

    let removed = at(5);
    let applied = remove_member(store, &p, (p.bob, p.globex), removed)
        .await
        .unwrap();
    assert_eq!(
        hashes(applied.ended),
        hashes(bob_in_globex.map(|s| s.token))
    );
    for planted in bob_in_globex {
        assert!(!is_valid(store, &planted.token, removed).await);
    }
    assert!(
        is_live(store, bob_in_acme.id, removed).await,
        "Acme is still his"
    );
    assert!(is_live(store, carols.id, removed).await, "only Bob's end");
    assert_eq!(
        memberships(store, p.bob).await,
        vec![(p.acme, Role::Employee)]
    );
    let members = store.list_account_members(p.globex, removed).await.unwrap();
    let members: Vec<UserId> = members.iter().map(|member| member.user_id).collect();
    assert_eq!(members, vec![p.carol]);
    let change = the_change(store, ChangeKind::MembershipRemoved).await;
    assert_eq!(change.account_id, Some(p.globex));
    assert_eq!(change.target_user_id, Some(p.bob));
    assert_eq!(change.sessions_ended, 2);

    // Now Carol is the last owner.
    let removed = remove_member(store, &p, (p.carol, p.globex), at(6)).await;
    assert!(matches!(removed, Err(Error::LastOwner)), "{removed:?}");
}

async fn a_membership_is_added_with_a_job_label_and_then_changed_in_place(store: &dyn Store) {
    let p = people(store).await;
    let mia = add_user(store, customer("mia@acme.example", "Mia Moss"), &[]).await;
    let member = |members: Vec<MemberView>| {
        members
            .into_iter()
            .find(|member| member.user_id == mia)
            .expect("Mia is listed")
    };
    let mut expected = MemberView {
        user_id: mia,
        name: "Mia Moss".to_owned(),
        email: "mia@acme.example".to_owned(),
        role: Role::Employee,
        job_label: "Purchasing".to_owned(),
        live_sessions: 0,
        has_password: true,
        synced: false,
        deactivated: false,
    };

    let purchasing = (Role::Employee, "Purchasing");
    put_member(store, &p, (mia, p.acme), purchasing, at(1))
        .await
        .unwrap();
    let members = store.list_account_members(p.acme, at(1)).await.unwrap();
    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Alice Archer", "Bob Baker", "Mia Moss"],
        "by name"
    );
    assert_eq!(member(members), expected);
    assert_eq!(
        memberships(store, mia).await,
        vec![(p.acme, Role::Employee)]
    );

    let mias = plant(store, session(mia, p.acme, p.web, at(2))).await;
    let accounting = (Role::Owner, "Accounting");
    put_member(store, &p, (mia, p.acme), accounting, at(3))
        .await
        .unwrap();
    expected.role = Role::Owner;
    expected.job_label = "Accounting".to_owned();
    expected.live_sessions = 1;
    let members = store.list_account_members(p.acme, at(3)).await.unwrap();
    assert_eq!(member(members), expected);
    assert_eq!(
        memberships(store, mia).await,
        vec![(p.acme, Role::Owner)],
        "changed in place, not added twice"
    );
    assert!(
        is_live(store, mias.id, at(3)).await,
        "a new role ends nothing"
    );

    // Mia is a second owner now, so Alice may step down.
    let management = (Role::Employee, "Management");
    put_member(store, &p, (p.alice, p.acme), management, at(4))
        .await
        .unwrap();
    assert_eq!(
        memberships(store, p.alice).await,
        vec![(p.acme, Role::Employee)]
    );

    // Members count only their sessions in this account.
    plant(store, session(p.bob, p.acme, p.web, at(5))).await;
    plant(store, session(p.bob, p.globex, p.web, at(5))).await;
    let members = store.list_account_members(p.acme, at(5)).await.unwrap();
    let bob = members.iter().find(|m| m.user_id == p.bob).unwrap();
    assert_eq!(bob.live_sessions, 1);
    assert_eq!(every_change(store).await.len(), 3);
}

async fn a_taken_email_or_application_name_is_refused_and_nothing_is_written(store: &dyn Store) {
    let p = people(store).await;
    let before = everybody(store).await;

    let created = create_person(store, &p, ("Alice@ACME.example", "Another Alice"), at(1)).await;
    assert!(
        matches!(created, Err(Error::AlreadyExists(_))),
        "{created:?}"
    );
    assert_eq!(everybody(store).await, before, "nobody new");
    let alice = store
        .person_by_email("alice@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((alice.id, alice.name.as_str()), (p.alice, "Alice Archer"));

    let edit = DirectoryChange::EditPerson {
        user: p.bob,
        name: "Robert Baker",
        email: "ALICE@acme.example",
    };
    let record = on_person(&p, ChangeKind::PersonEdited, (p.bob, None), at(2));
    let edited = store.apply_change(edit, record).await;
    assert!(matches!(edited, Err(Error::AlreadyExists(_))), "{edited:?}");
    assert_eq!(
        store.user_name(p.bob).await.unwrap().as_deref(),
        Some("Bob Baker"),
        "the refused edit changed nothing"
    );
    assert_eq!(
        signs_in_with(store, "bob@acme.example").await,
        Some((p.bob, PASSWORD_HASH.to_owned()))
    );

    let create = DirectoryChange::CreateApplication { name: "Web" };
    let record = made_by(Some(p.adam), ChangeKind::ApplicationCreated, at(3));
    let created = store.apply_change(create, record).await;
    assert!(
        matches!(created, Err(Error::AlreadyExists(_))),
        "{created:?}"
    );
    let rename = DirectoryChange::RenameApplication {
        application: p.ios,
        name: "Web",
    };
    let record = ChangeRecord {
        application: Some(p.ios),
        ..made_by(Some(p.adam), ChangeKind::ApplicationRenamed, at(4))
    };
    let renamed = store.apply_change(rename, record).await;
    assert!(
        matches!(renamed, Err(Error::AlreadyExists(_))),
        "{renamed:?}"
    );
    assert_eq!(
        store.application_by_name("iOS app").await.unwrap(),
        Some(p.ios)
    );
    let live = store.list_live_applications().await.unwrap();
    let names: Vec<&str> = live.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["Web", "iOS app"]);

    assert!(every_change(store).await.is_empty(), "nothing recorded");
}

async fn editing_a_person_changes_the_name_and_email_they_sign_in_with(store: &dyn Store) {
    let p = people(store).await;
    let edit = DirectoryChange::EditPerson {
        user: p.bob,
        name: "Robert Baker",
        email: "robert@acme.example",
    };
    let record = on_person(&p, ChangeKind::PersonEdited, (p.bob, None), at(1));
    store.apply_change(edit, record).await.unwrap();

    assert_eq!(signs_in_with(store, "bob@acme.example").await, None);
    assert_eq!(
        signs_in_with(store, "robert@acme.example").await,
        Some((p.bob, PASSWORD_HASH.to_owned()))
    );
    assert_eq!(
        store.user_name(p.bob).await.unwrap().as_deref(),
        Some("Robert Baker")
    );
    let person = store.person(p.bob).await.unwrap().unwrap();
    assert_eq!(person.email, "robert@acme.example");
    assert_eq!(
        the_change(store, ChangeKind::PersonEdited)
            .await
            .target_user_id,
        Some(p.bob)
    );
}

async fn a_new_person_has_no_password_and_cannot_sign_in_until_their_link_sets_one(
    store: &dyn Store,
) {
    let p = people(store).await;
    let dora = new_person(store, &p, ("dora@acme.example", "Dora Diaz")).await;

    let person = store.person(dora).await.unwrap().unwrap();
    assert_eq!(
        person,
        PersonView {
            id: dora,
            name: "Dora Diaz".to_owned(),
            email: "dora@acme.example".to_owned(),
            is_platform_admin: false,
            is_sales_rep: false,
            deactivated_at: None,
            has_password: false,
            created_at: at(1),
            external_id: None,
            memberships: vec![],
            serves: vec![],
        }
    );
    assert_eq!(
        store.person_by_email("dora@acme.example").await.unwrap(),
        Some(person)
    );
    assert_eq!(signs_in_with(store, "dora@acme.example").await, None);
    assert_eq!(
        store.password_hash(dora).await.unwrap(),
        Some(String::new())
    );
    let created = the_change(store, ChangeKind::PersonCreated).await;
    assert_eq!(
        created.target_user_id,
        Some(dora),
        "the store names whom it created"
    );

    let link = fresh_token();
    issue_link(store, &p, (dora, &link), at(2), at(60)).await;
    assert_eq!(signs_in_with(store, "dora@acme.example").await, None);
    let applied = follow_link(store, &link, PASSWORD_HASH, at(3))
        .await
        .unwrap();
    assert_eq!(applied.user, Some(dora));
    assert_eq!(
        signs_in_with(store, "dora@acme.example").await,
        Some((dora, PASSWORD_HASH.to_owned()))
    );
    assert!(store.person(dora).await.unwrap().unwrap().has_password);
}

async fn a_set_password_link_works_once_and_not_after_it_expires_or_is_replaced(store: &dyn Store) {
    let p = people(store).await;
    let dora = new_person(store, &p, ("dora@acme.example", "Dora Diaz")).await;
    let holder = Some(PasswordLinkHolder {
        name: "Dora Diaz".to_owned(),
        email: "dora@acme.example".to_owned(),
    });
    let holder_of = async |token: &TokenHash, now: Timestamp| {
        store.password_link_holder(token, now).await.unwrap()
    };

    let first = fresh_token();
    issue_link(store, &p, (dora, &first), at(2), at(60)).await;
    assert_eq!(holder_of(&first, at(3)).await, holder);
    assert_eq!(holder_of(&first, at(61)).await, None, "expired by then");
    assert_eq!(
        holder_of(&fresh_token(), at(3)).await,
        None,
        "nobody's link"
    );

    // A new link replaces the old.
    let second = fresh_token();
    issue_link(store, &p, (dora, &second), at(4), at(64)).await;
    assert_eq!(holder_of(&first, at(5)).await, None, "replaced");
    let replaced = follow_link(store, &first, "replaced hash", at(5)).await;
    assert!(matches!(replaced, Err(Error::LinkNotValid)), "{replaced:?}");
    assert_eq!(holder_of(&second, at(5)).await, holder);

    // It works once.
    let applied = follow_link(store, &second, PASSWORD_HASH, at(6))
        .await
        .unwrap();
    assert_eq!(applied.user, Some(dora));
    assert_eq!(holder_of(&second, at(7)).await, None, "used");
    let again = follow_link(store, &second, "second hash", at(7)).await;
    assert!(matches!(again, Err(Error::LinkNotValid)), "{again:?}");

    // An expired link sets nothing.
    let late = fresh_token();
    issue_link(store, &p, (dora, &late), at(10), at(20)).await;
    let expired = follow_link(store, &late, "late hash", at(21)).await;
    assert!(matches!(expired, Err(Error::LinkNotValid)), "{expired:?}");
    let unknown = follow_link(store, &fresh_token(), "unknown hash", at(21)).await;
    assert!(matches!(unknown, Err(Error::LinkNotValid)), "{unknown:?}");

    assert_eq!(
        signs_in_with(store, "dora@acme.example").await,
        Some((dora, PASSWORD_HASH.to_owned())),
        "only the one good use set a password"
    );
    let set = the_change(store, ChangeKind::PasswordSet).await;
    assert_eq!(set.at, at(6), "recorded once, for the one good use");
}

async fn setting_a_password_can_end_every_other_session_but_the_one_kept(store: &dyn Store) {
    let p = people(store).await;
    let kept = plant(store, session(p.bob, p.acme, p.web, at(0))).await;
    let others = [
        plant(store, session(p.bob, p.globex, p.web, at(1))).await,
        plant(store, session(p.bob, p.acme, p.ios, at(2))).await,
    ];
    let alices = plant(store, session(p.alice, p.acme, p.web, at(3))).await;

    let changed = at(5);
    let applied = set_password(
        store,
        &p,
        (p.bob, "new hash"),
        (true, Some(kept.id)),
        changed,
    )
    .await
    .unwrap();
    assert_eq!(hashes(applied.ended), hashes(others.map(|s| s.token)));
    for planted in others {
        assert!(!is_valid(store, &planted.token, changed).await);
    }
    assert!(is_live(store, kept.id, changed).await, "the kept one lives");
    assert!(is_live(store, alices.id, changed).await, "only Bob's end");
    assert_eq!(
        signs_in_with(store, "bob@acme.example").await,
        Some((p.bob, "new hash".to_owned()))
    );
    assert_eq!(
        the_change(store, ChangeKind::PasswordChanged)
            .await
            .sessions_ended,
        2
    );

    // Without ending sessions, only the password changes.
    let applied = set_password(store, &p, (p.bob, "newer hash"), (false, None), at(6))
        .await
        .unwrap();
    assert!(applied.ended.is_empty());
    assert!(is_live(store, kept.id, at(6)).await);

    // Taken away, it signs in no more until a link sets one.
    set_password(store, &p, (p.bob, ""), (false, None), at(7))
        .await
        .unwrap();
    assert_eq!(signs_in_with(store, "bob@acme.example").await, None);
    assert_eq!(
        store.password_hash(p.bob).await.unwrap(),
        Some(String::new())
    );
    assert!(!store.person(p.bob).await.unwrap().unwrap().has_password);

    // Ending sessions with none kept ends them all.
    let applied = set_password(store, &p, (p.bob, "newest hash"), (true, None), at(8))
        .await
        .unwrap();
    assert_eq!(applied.ended, vec![kept.token]);
}

async fn retiring_an_application_revokes_its_keys_ends_its_sessions_and_hides_it(
    store: &dyn Store,
) {
    let p = people(store).await;
    let ios_key = ApiKeySecret::generate().hash();
    let web_key = ApiKeySecret::generate().hash();
    store
        .insert_api_key(p.ios, &ios_key, KeyPowers::APPLICATION, "iOS back end", T0)
        .await
        .unwrap();
    let web_key_id = store
        .insert_api_key(p.web, &web_key, KeyPowers::APPLICATION, "web back end", T0)
        .await
        .unwrap();
    let on_ios = [
        plant(store, session(p.alice, p.acme, p.ios, at(0))).await,
        plant(store, session(p.carol, p.globex, p.ios, at(1))).await,
    ];
    let on_web = plant(store, session(p.alice, p.acme, p.web, at(2))).await;

    let retired = at(5);
    let applied = retire(store, &p, p.ios, retired).await.unwrap();
    let mut expected = hashes(on_ios.map(|s| s.token));
    expected.insert(ios_key);
    assert_eq!(hashes(applied.ended), expected, "its sessions and its key");

    assert_eq!(store.api_key_by_hash(&ios_key).await.unwrap(), None);
    let web = store.api_key_by_hash(&web_key).await.unwrap();
    assert_eq!(web.map(|key| key.id), Some(web_key_id));
    for planted in on_ios {
        assert!(!is_valid(store, &planted.token, retired).await);
    }
    assert!(
        is_live(store, on_web.id, retired).await,
        "other applications' live on"
    );
    assert_eq!(store.application_by_name("iOS app").await.unwrap(), None);
    assert_eq!(store.application_by_name("Web").await.unwrap(), Some(p.web));
    assert_eq!(
        store.list_live_applications().await.unwrap(),
        vec![ApplicationView {
            id: p.web,
            name: "Web".to_owned(),
            created_at: T0,
            live_keys: 1,
        }]
    );
    let change = the_change(store, ChangeKind::ApplicationRetired).await;
    assert_eq!(change.application_id, Some(p.ios));
    assert_eq!(change.sessions_ended, 2, "sessions, not keys");

    let again = retire(store, &p, p.ios, at(6)).await;
    assert!(matches!(again, Err(Error::NotFound(_))), "{again:?}");
}

async fn an_unassigned_representative_stops_acting_in_that_account_and_no_longer_serves_it(
    store: &dyn Store,
) {
    let p = people(store).await;
    for account in [p.acme, p.globex] {
        assign(store, &p, (p.rita, account), at(0)).await.unwrap();
    }
    assert_eq!(serves(store, p.rita).await, vec![p.acme, p.globex]);
    let (in_acme, acme_acting) = acting(store, &p, (p.bob, p.acme), at(1)).await;
    let (in_globex, _) = acting(store, &p, (p.carol, p.globex), at(2)).await;

    let unassigned = at(5);
    let applied = unassign(store, &p, (p.rita, p.acme), unassigned)
        .await
        .unwrap();
    assert!(
        applied.ended.contains(&in_acme.token),
        "the cache must forget what the acting session validated as"
    );
    assert!(!applied.ended.contains(&in_globex.token));
    assert_eq!(acting_as(store, &in_acme, unassigned).await, None);
    assert_eq!(
        acting_as(store, &in_globex, unassigned).await,
        Some(p.carol),
        "acting in an account she still serves goes on"
    );
    assert_eq!(serves(store, p.rita).await, vec![p.globex]);
    let log = store
        .list_impersonations(PageRequest::default())
        .await
        .unwrap();
    let closed = log.items.iter().find(|i| i.id == acme_acting).unwrap();
    assert_eq!(closed.ended_at, Some(unassigned));
}

async fn a_person_who_stops_being_a_sales_representative_stops_serving_and_acting(
    store: &dyn Store,
) {
    let p = people(store).await;
    assign(store, &p, (p.rita, p.acme), at(0)).await.unwrap();
    let (reps, _) = acting(store, &p, (p.bob, p.acme), at(1)).await;

    let applied = set_roles(store, &p, p.rita, (false, false), at(5))
        .await
        .unwrap();
    assert!(applied.ended.contains(&reps.token), "{applied:?}");
    assert_eq!(acting_as(store, &reps, at(5)).await, None);
    let rita = store.principal(p.rita).await.unwrap().unwrap();
    assert!(!rita.is_sales_rep);
    assert!(!rita.is_platform_admin);
    assert!(rita.serves.is_empty(), "{:?}", rita.serves);
    let person = store.person(p.rita).await.unwrap().unwrap();
    assert!(person.serves.is_empty());
}

async fn no_session_opens_for_deactivated_people_removed_members_closed_accounts_or_retired_apps(
    store: &dyn Store,
) {
    let p = people(store).await;
    let dan = add_user(
        store,
        customer("dan@acme.example", "Dan Dale"),
        &[(p.acme, Role::Employee)],
    )
    .await;
    deactivate(store, &p, dan, at(1)).await.unwrap();
    remove_member(store, &p, (p.bob, p.globex), at(1))
        .await
        .unwrap();
    close_account(store, &p, p.sales, at(1)).await.unwrap();
    retire(store, &p, p.ios, at(1)).await.unwrap();

    for (what, attempt) in [
        ("a deactivated person", (dan, p.acme, p.web)),
        ("a removed member", (p.bob, p.globex, p.web)),
        ("a closed account", (p.rita, p.sales, p.web)),
        ("a retired application", (p.alice, p.acme, p.ios)),
    ] {
        let (token, opened) = sign_in(store, attempt, at(2)).await;
        assert!(
            matches!(opened, Err(Error::InvalidCredentials)),
            "{what}: {opened:?}"
        );
        assert!(
            !is_valid(store, &token, at(2)).await,
            "{what}: a session opened"
        );
    }

    // Everyone else signs in as before.
    for attempt in [(p.alice, p.acme, p.web), (p.bob, p.acme, p.web)] {
        let (token, opened) = sign_in(store, attempt, at(3)).await;
        let live = store.live_session_by_token(&token, at(3)).await.unwrap();
        assert_eq!(live.map(|s| s.id), Some(opened.unwrap()));
    }
}

async fn sign_ins_racing_a_change_that_stops_them_leave_no_session_and_never_deadlock(
    store: &dyn Store,
) {
    let p = people(store).await;
    // Each change with the sign-ins it stops, all at once: every sign-in either commits before
    // the change (which then ends its session) or sees the change and is refused.
    racing(
        store,
        (p.bob, p.globex, p.web),
        remove_member(store, &p, (p.bob, p.globex), at(2)),
    )
    .await;
    racing(
        store,
        (p.rita, p.sales, p.web),
        close_account(store, &p, p.sales, at(2)),
    )
    .await;
    racing(
        store,
        (p.alice, p.acme, p.ios),
        retire(store, &p, p.ios, at(2)),
    )
    .await;
    racing(
        store,
        (p.bob, p.acme, p.web),
        deactivate(store, &p, p.bob, at(2)),
    )
    .await;
}

/// Four sign-ins of `attempt` and `change` at the same moment, and what must hold after.
async fn racing(
    store: &dyn Store,
    attempt: (UserId, AccountId, ApplicationId),
    change: impl Future<Output = Result<Applied>>,
) {
    let (first, second, third, fourth, changed) = tokio::join!(
        sign_in(store, attempt, at(2)),
        sign_in(store, attempt, at(2)),
        sign_in(store, attempt, at(2)),
        sign_in(store, attempt, at(2)),
        change,
    );
    changed.unwrap();
    for (token, opened) in [first, second, third, fourth] {
        assert!(
            matches!(opened, Ok(_) | Err(Error::InvalidCredentials)),
            "{attempt:?}: {opened:?}"
        );
        assert!(
            !is_valid(store, &token, at(3)).await,
            "{attempt:?}: a session outlived the change"
        );
    }
}

async fn changes_to_what_is_gone_or_never_was_are_refused_and_write_nothing(store: &dyn Store) {
    let p = people(store).await;
    close_account(store, &p, p.sales, at(1)).await.unwrap();
    retire(store, &p, p.ios, at(1)).await.unwrap();
    let before = every_change(store).await;

    let renamed = |account| DirectoryChange::RenameAccount {
        account,
        name: "Renamed",
    };
    for account in [p.sales, AccountId(i64::MAX)] {
        let record = on_account(&p, ChangeKind::AccountRenamed, account, at(2));
        let refused = store.apply_change(renamed(account), record).await;
        assert!(matches!(refused, Err(Error::NotFound(_))), "{refused:?}");
    }
    let employee = (Role::Employee, "");
    let joined = put_member(store, &p, (p.alice, p.sales), employee, at(2)).await;
    assert!(matches!(joined, Err(Error::NotFound(_))), "{joined:?}");
    let served = assign(store, &p, (p.rita, p.sales), at(2)).await;
    assert!(matches!(served, Err(Error::NotFound(_))), "{served:?}");
    let rename = DirectoryChange::RenameApplication {
        application: p.ios,
        name: "iOS app 2",
    };
    let record = ChangeRecord {
        application: Some(p.ios),
        ..made_by(Some(p.adam), ChangeKind::ApplicationRenamed, at(2))
    };
    let refused = store.apply_change(rename, record).await;
    assert!(matches!(refused, Err(Error::NotFound(_))), "{refused:?}");

    let nobody = UserId(i64::MAX);
    let deactivated = deactivate(store, &p, nobody, at(2)).await;
    assert!(
        matches!(deactivated, Err(Error::UserNotFound)),
        "{deactivated:?}"
    );
    let joined = put_member(store, &p, (nobody, p.acme), employee, at(2)).await;
    assert!(matches!(joined, Err(Error::UserNotFound)), "{joined:?}");

    assert_eq!(every_change(store).await, before, "nothing recorded");
    assert_eq!(store.account_name(p.sales).await.unwrap(), None);
    assert_eq!(
        memberships(store, p.alice).await,
        vec![(p.acme, Role::Owner)]
    );
}

async fn accounts_and_people_are_listed_with_their_members_representatives_and_memberships(
    store: &dyn Store,
) {
    let p = people(store).await;
    assign(store, &p, (p.rita, p.acme), at(1)).await.unwrap();

    let accounts = store
        .list_accounts("", PageRequest::default())
        .await
        .unwrap();
    let acme = accounts.items.iter().find(|a| a.id == p.acme).unwrap();
    assert_eq!(
        acme,
        &AccountView {
            id: p.acme,
            name: "Acme".to_owned(),
            created_at: T0,
            members: 2,
            representatives: vec![(p.rita, "Rita Rep".to_owned())],
        }
    );
    let found = async |search: &str| {
        let page = store
            .list_accounts(search, PageRequest::default())
            .await
            .unwrap();
        page.items.iter().map(|a| a.id).collect::<Vec<_>>()
    };
    assert_eq!(found("glo").await, vec![p.globex]);
    assert!(found("initech").await.is_empty());

    let people_named = async |search: &str| {
        store
            .list_people(search, PageRequest::default())
            .await
            .unwrap()
            .items
    };
    let bakers = people_named("baker").await;
    let [bob] = bakers.as_slice() else {
        panic!("one Baker: {bakers:?}");
    };
    let mut bobs = bob.memberships.clone();
    bobs.sort_by_key(|membership| membership.account_id);
    let membership = |account_id, account_name: &str, role| PersonMembership {
        account_id,
        account_name: account_name.to_owned(),
        role,
        job_label: String::new(),
    };
    assert_eq!(
        bobs,
        vec![
            membership(p.acme, "Acme", Role::Employee),
            membership(p.globex, "Globex", Role::Owner),
        ]
    );
    assert!(bob.has_password && bob.deactivated_at.is_none());
    let sellers = people_named("sales.example").await;
    let [rita] = sellers.as_slice() else {
        panic!("one person at sales.example: {sellers:?}");
    };
    assert_eq!(rita.id, p.rita);
    assert!(rita.is_sales_rep);
    assert_eq!(rita.serves, vec![(p.acme, "Acme".to_owned())]);
    assert_eq!(everybody(store).await.len(), 5);
}

async fn the_change_log_is_newest_first_and_narrowed_by_account_actor_target_and_kind(
    store: &dyn Store,
) {
    let p = people(store).await;
    let adam = |kind, minute| made_by(Some(p.adam), kind, at(minute));

    let create = DirectoryChange::CreateAccount {
        name: "Initech",
        external_id: None,
    };
    let applied = store
        .apply_change(create, adam(ChangeKind::AccountCreated, 1))
        .await
        .unwrap();
    let initech = AccountId(applied.created.expect("the new account's id"));
    let rename = DirectoryChange::RenameAccount {
        account: p.acme,
        name: "Acme Ltd",
    };
    let record_rename = ChangeRecord {
        account: Some(p.acme),
        ..adam(ChangeKind::AccountRenamed, 2)
    };
    store.apply_change(rename, record_rename).await.unwrap();
    let add_carol = DirectoryChange::PutMembership {
        user: p.carol,
        account: p.acme,
        role: Role::Employee,
        job_label: "Purchasing",
    };
    let by_alice = ChangeRecord {
        account: Some(p.acme),
        target_user: Some(p.carol),
        ..made_by(Some(p.alice), ChangeKind::MembershipAdded, at(3))
    };
    store.apply_change(add_carol, by_alice).await.unwrap();
    let add_alice = DirectoryChange::PutMembership {
        user: p.alice,
        account: p.globex,
        role: Role::Employee,
        job_label: "",
    };
    let rita_as_carol = ChangeRecord {
        impersonator: Some(p.rita),
        account: Some(p.globex),
        target_user: Some(p.alice),
        detail: "role employee".to_owned(),
        ..made_by(Some(p.carol), ChangeKind::MembershipAdded, at(4))
    };
    store.apply_change(add_alice, rita_as_carol).await.unwrap();
    let create = DirectoryChange::CreatePerson {
        email: "dora@acme.example",
        name: "Dora Diaz",
        is_platform_admin: false,
        is_sales_rep: false,
        external_id: None,
    };
    let by_operator = made_by(None, ChangeKind::PersonCreated, at(5));
    let applied = store.apply_change(create, by_operator).await.unwrap();
    let dora = UserId(applied.created.expect("the new person's id"));
    deactivate(store, &p, p.bob, at(6)).await.unwrap();

    let times = |log: Vec<ChangeView>| log.iter().map(|c| c.at).collect::<Vec<_>>();
    let all = ChangeFilter::default();
    let by = |actor| ChangeFilter {
        actor: Some(actor),
        ..ChangeFilter::default()
    };
    let to = |target| ChangeFilter {
        target: Some(target),
        ..ChangeFilter::default()
    };
    let only = |kind| ChangeFilter {
        kind: Some(kind),
        ..ChangeFilter::default()
    };
    let in_account = |account| ChangeFilter {
        account: Some(account),
        ..ChangeFilter::default()
    };
    let minutes = |list: &[u32]| list.iter().map(|&m| at(m)).collect::<Vec<_>>();
    for (scope, filter, expected) in [
        (Scope::All, &all, minutes(&[6, 5, 4, 3, 2, 1])),
        (Scope::Account(p.acme), &all, minutes(&[3, 2])),
        (Scope::Account(p.globex), &all, minutes(&[4])),
        (Scope::Account(initech), &all, minutes(&[1])),
        (Scope::Account(p.sales), &all, minutes(&[])),
        (Scope::All, &by(p.adam), minutes(&[6, 2, 1])),
        (Scope::All, &by(p.carol), minutes(&[4])),
        (Scope::All, &to(p.alice), minutes(&[4])),
        (Scope::All, &to(dora), minutes(&[5])),
        (
            Scope::All,
            &only(ChangeKind::MembershipAdded),
            minutes(&[4, 3]),
        ),
        (Scope::All, &in_account(p.globex), minutes(&[4])),
        (Scope::Account(p.acme), &to(p.carol), minutes(&[3])),
        // A filter never widens the scope.
        (Scope::Account(p.acme), &to(p.alice), minutes(&[])),
        (Scope::Account(p.acme), &in_account(p.globex), minutes(&[])),
        (
            Scope::Account(p.acme),
            &only(ChangeKind::AccountCreated),
            minutes(&[]),
        ),
    ] {
        let listed = times(changes(store, scope, filter).await);
        assert_eq!(listed, expected, "{scope:?} {filter:?}");
    }

    // A row names who did what to whom, where.
    let log = every_change(store).await;
    let row = &log[2];
    assert_eq!(row.kind, ChangeKind::MembershipAdded);
    assert_eq!(row.who(), "Rita Rep acting as Carol Cook");
    assert_eq!(row.actor_id, Some(p.carol));
    assert_eq!(row.ip.as_deref(), Some(IP));
    assert_eq!(
        (row.account_id, row.account_name.as_deref()),
        (Some(p.globex), Some("Globex"))
    );
    assert_eq!(
        (row.target_user_id, row.target_user_name.as_deref()),
        (Some(p.alice), Some("Alice Archer"))
    );
    assert_eq!(row.detail, "role employee");
    assert_eq!(row.sessions_ended, 0);
    let created = &log[1];
    assert_eq!(
        (created.actor_id, created.who()),
        (None, "the command line".to_owned())
    );
    assert_eq!(
        log[5].account_id,
        Some(initech),
        "the store names what it created"
    );
    assert_eq!(
        store.account_name(initech).await.unwrap().as_deref(),
        Some("Initech")
    );
    assert_eq!(
        store.account_name(p.acme).await.unwrap().as_deref(),
        Some("Acme Ltd")
    );

    // Pages of four walk the six once, newest first.
    let ids: Vec<i64> = log.iter().map(|change| change.id).collect();
    assert_eq!(walk(store, 4).await, ids);
}

async fn the_change_log_pages_through_changes_made_at_one_moment_without_repeats(
    store: &dyn Store,
) {
    let p = people(store).await;
    for name in ["One", "Two", "Three", "Four", "Five"] {
        let create = DirectoryChange::CreateAccount {
            name,
            external_id: None,
        };
        let record = made_by(Some(p.adam), ChangeKind::AccountCreated, at(1));
        store.apply_change(create, record).await.unwrap();
    }
    let log = every_change(store).await;
    let ids: Vec<i64> = log.iter().map(|change| change.id).collect();
    let mut newest_first = ids.clone();
    newest_first.sort_by_key(|id| Reverse(*id));
    assert_eq!(ids, newest_first, "the later of one moment first");
    let distinct: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), 5);
    for limit in [1, 2, 3] {
        assert_eq!(walk(store, limit).await, ids, "pages of {limit}");
    }
}

/// The ids of the whole change log, a page of `limit` at a time, checking that only full
/// pages say another follows.
async fn walk(store: &dyn Store, limit: u32) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = PageRequest { after, limit };
        let page = store
            .list_changes(Scope::All, &ChangeFilter::default(), page)
            .await
            .unwrap();
        assert!(page.items.len() <= limit as usize);
        seen.extend(page.items.iter().map(|change| change.id));
        let Some(next) = page.next else {
            return seen;
        };
        assert_eq!(page.items.len(), limit as usize, "a short page is the last");
        assert!(seen.len() < 100, "the walk goes round in circles");
        after = Some(next);
    }
}

async fn a_sign_in_whose_checked_password_was_changed_meanwhile_opens_no_session(
    store: &dyn Store,
) {
    let p = people(store).await;
    let checked = store
        .password_hash(p.bob)
        .await
        .unwrap()
        .expect("Bob has a password");
    // An admin resets Bob's password while his sign-in's argon2 check is running.
    set_password(store, &p, (p.bob, ""), (true, None), at(1))
        .await
        .unwrap();
    let new = session(p.bob, p.acme, p.web, at(2));
    let token = new.token_hash;
    let record = NewLoginRecord {
        at: at(2),
        user_id: Some(p.bob),
        account_id: Some(p.acme),
        email: "bob@acme.example",
        application_id: p.web,
        observation: &OBSERVATION,
        outcome: LoginOutcome::Success,
        session_id: None,
    };
    let opened = store.open_session(new, record, Some(&checked)).await;
    assert!(
        matches!(opened, Err(Error::InvalidCredentials)),
        "{opened:?}"
    );
    assert!(
        store
            .live_session_by_token(&token, at(3))
            .await
            .unwrap()
            .is_none()
    );
    // With the password it has now, it opens.
    set_password(store, &p, (p.bob, PASSWORD_HASH), (false, None), at(4))
        .await
        .unwrap();
    let (_, reopened) = sign_in(store, (p.bob, p.acme, p.web), at(5)).await;
    assert!(reopened.is_ok(), "{reopened:?}");
}

async fn a_password_chosen_now_spends_any_link_handed_out_before(store: &dyn Store) {
    let p = people(store).await;
    let token = SessionToken::generate().hash();
    issue_link(store, &p, (p.bob, &token), at(1), at(1_000)).await;
    set_password(store, &p, (p.bob, PASSWORD_HASH), (false, None), at(2))
        .await
        .unwrap();
    assert_eq!(
        store.password_link_holder(&token, at(3)).await.unwrap(),
        None
    );
    let used = follow_link(store, &token, "another hash", at(3)).await;
    assert!(matches!(used, Err(Error::LinkNotValid)), "{used:?}");
    assert_eq!(
        store.password_hash(p.bob).await.unwrap().as_deref(),
        Some(PASSWORD_HASH)
    );
}
