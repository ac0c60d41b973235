//! The directory: people, accounts, memberships, applications, and what a person may do.

use sessionboard::Error;
use sessionboard::access::Principal;
use sessionboard::model::{AccountId, CustomerUser, Membership, Role, UserId, Viewer};
use sessionboard::store::{NewUser, Store};
use sessionboard::token::SessionToken;

use crate::common::T0;
use crate::fixture::{PASSWORD_HASH, add_user, customer, people};

contract!(
    emails_are_found_whatever_case_they_were_written_in,
    a_second_user_with_the_same_email_already_exists_and_changes_nothing,
    the_home_account_is_the_users_first_account_with_its_geolocation_setting,
    the_geolocation_setting_changes_one_account_and_an_unknown_one_is_reported_missing,
    a_principal_carries_the_users_flags_and_every_membership_with_its_role,
    a_viewer_names_the_account_seen_and_lists_memberships_in_account_order,
    customers_are_found_by_name_or_email_once_per_account_and_never_reps_or_admins,
    percent_and_underscore_in_a_customer_search_match_only_themselves,
    members_are_listed_by_name_and_only_the_accounts_own,
    applications_are_found_by_name_listed_in_order_and_never_named_twice,
    the_directory_is_empty_until_the_first_user,
    a_new_owner_and_their_account_are_written_together,
    a_setup_token_is_taken_once_and_a_new_one_replaces_the_old,
    of_two_requests_taking_one_setup_token_exactly_one_gets_it,
);

async fn emails_are_found_whatever_case_they_were_written_in(store: &dyn Store) {
    let henk = NewUser {
        email: "Henk@Ektek.DE",
        ..customer("", "Henk de Vries")
    };
    let henk = store.insert_user(henk, T0).await.unwrap();

    let found = store
        .credentials_by_email("henk@ektek.de")
        .await
        .unwrap()
        .expect("found by the lower-cased email");
    assert_eq!(found.user_id, henk);
    assert_eq!(found.password_hash, PASSWORD_HASH);
    for stranger in ["henk@ektek.nl", "henk", "ektek.de", ""] {
        assert!(
            store
                .credentials_by_email(stranger)
                .await
                .unwrap()
                .is_none(),
            "{stranger:?} is nobody's email"
        );
    }
}

async fn a_second_user_with_the_same_email_already_exists_and_changes_nothing(store: &dyn Store) {
    let henk = store
        .insert_user(customer("henk@ektek.de", "Henk de Vries"), T0)
        .await
        .unwrap();
    let impostor = NewUser {
        password_hash: "another hash",
        ..customer("HENK@ektek.de", "Someone Else")
    };
    let second = store.insert_user(impostor, T0).await;
    assert!(matches!(second, Err(Error::AlreadyExists(_))), "{second:?}");

    let found = store
        .credentials_by_email("henk@ektek.de")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.user_id, henk);
    assert_eq!(found.password_hash, PASSWORD_HASH);
    assert_eq!(
        store.user_name(henk).await.unwrap().as_deref(),
        Some("Henk de Vries")
    );
    // Another email is still welcome afterwards.
    let other = store
        .insert_user(customer("henk@ektek.nl", "Henk de Vries"), T0)
        .await
        .unwrap();
    assert_ne!(other, henk);

    // A membership, too, exists once: the second keeps neither its role nor a second row.
    let acme = store.insert_account("Acme", true, T0).await.unwrap();
    store
        .insert_membership(henk, acme, Role::Owner, "")
        .await
        .unwrap();
    let again = store
        .insert_membership(henk, acme, Role::Employee, "")
        .await;
    assert!(matches!(again, Err(Error::AlreadyExists(_))), "{again:?}");
    let principal = store.principal(henk).await.unwrap().unwrap();
    assert_eq!(principal.memberships, vec![(acme, Role::Owner)]);
}

async fn the_home_account_is_the_users_first_account_with_its_geolocation_setting(
    store: &dyn Store,
) {
    let p = people(store).await;
    let home = async |email: &str| {
        let credentials = store.credentials_by_email(email).await.unwrap().unwrap();
        credentials.home
    };
    // Bob joined Globex before Acme; Acme is the older account, and that is where he lands.
    let bobs = home("bob@acme.example").await.unwrap();
    assert_eq!(bobs.account_id, p.acme);
    assert!(bobs.store_geolocation);
    let carols = home("carol@globex.example").await.unwrap();
    assert_eq!(carols.account_id, p.globex);
    assert!(!carols.store_geolocation, "Globex stores no geolocation");
    assert!(
        home("adam@platform.example").await.is_none(),
        "Adam belongs to no account"
    );
}

async fn the_geolocation_setting_changes_one_account_and_an_unknown_one_is_reported_missing(
    store: &dyn Store,
) {
    let p = people(store).await;
    assert!(store.set_store_geolocation(p.acme, false).await.unwrap());
    let acme = store.account_settings(p.acme).await.unwrap().unwrap();
    assert_eq!(acme.account_id, p.acme);
    assert!(!acme.store_geolocation);
    assert!(
        !store
            .credentials_by_email("alice@acme.example")
            .await
            .unwrap()
            .and_then(|credentials| credentials.home)
            .unwrap()
            .store_geolocation,
        "a sign-in reads the new setting"
    );
    let sales = store.account_settings(p.sales).await.unwrap().unwrap();
    assert!(sales.store_geolocation, "other accounts keep theirs");

    assert!(store.set_store_geolocation(p.globex, true).await.unwrap());
    let globex = store.account_settings(p.globex).await.unwrap().unwrap();
    assert!(globex.store_geolocation);

    let unknown = AccountId(i64::MAX);
    assert!(!store.set_store_geolocation(unknown, true).await.unwrap());
    assert!(store.account_settings(unknown).await.unwrap().is_none());
}

async fn a_principal_carries_the_users_flags_and_every_membership_with_its_role(store: &dyn Store) {
    let p = people(store).await;
    let mut bob = store.principal(p.bob).await.unwrap().unwrap();
    bob.memberships.sort_by_key(|(account, _)| *account);
    assert_eq!(
        bob,
        Principal {
            user_id: p.bob,
            is_platform_admin: false,
            is_sales_rep: false,
            memberships: vec![(p.acme, Role::Employee), (p.globex, Role::Owner)],
            serves: vec![],
        }
    );
    let rita = store.principal(p.rita).await.unwrap().unwrap();
    assert!(rita.is_sales_rep && !rita.is_platform_admin);
    assert_eq!(rita.memberships, vec![(p.sales, Role::Owner)]);
    let adam = store.principal(p.adam).await.unwrap().unwrap();
    assert!(adam.is_platform_admin && !adam.is_sales_rep);
    assert!(adam.memberships.is_empty());
    assert_eq!(store.principal(UserId(i64::MAX)).await.unwrap(), None);
}

async fn a_viewer_names_the_account_seen_and_lists_memberships_in_account_order(store: &dyn Store) {
    let p = people(store).await;
    let bob_in_globex = store.viewer(p.bob, p.globex).await.unwrap().unwrap();
    assert_eq!(
        bob_in_globex,
        Viewer {
            user_id: p.bob,
            name: "Bob Baker".to_owned(),
            email: "bob@acme.example".to_owned(),
            account_id: p.globex,
            account_name: "Globex".to_owned(),
            memberships: vec![
                Membership {
                    account_id: p.acme,
                    account_name: "Acme".to_owned(),
                    role: Role::Employee,
                },
                Membership {
                    account_id: p.globex,
                    account_name: "Globex".to_owned(),
                    role: Role::Owner,
                },
            ],
            is_platform_admin: false,
            is_sales_rep: false,
            impersonator: None,
        }
    );
    let rita = store.viewer(p.rita, p.sales).await.unwrap().unwrap();
    assert!(rita.is_sales_rep);
    assert_eq!(rita.account_name, "Sales");
    assert!(
        store
            .viewer(UserId(i64::MAX), p.acme)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .viewer(p.bob, AccountId(i64::MAX))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.user_name(p.carol).await.unwrap().as_deref(),
        Some("Carol Cook")
    );
    assert_eq!(store.user_name(UserId(i64::MAX)).await.unwrap(), None);
}

async fn customers_are_found_by_name_or_email_once_per_account_and_never_reps_or_admins(
    store: &dyn Store,
) {
    let p = people(store).await;
    for account in [p.acme, p.globex] {
        store.insert_rep_assignment(p.rita, account).await.unwrap();
    }
    let found = |user_id, name: &str, email: &str, account_id, account_name: &str| CustomerUser {
        user_id,
        name: name.to_owned(),
        email: email.to_owned(),
        account_id,
        account_name: account_name.to_owned(),
    };
    let alice = found(
        p.alice,
        "Alice Archer",
        "alice@acme.example",
        p.acme,
        "Acme",
    );
    let bob_acme = found(p.bob, "Bob Baker", "bob@acme.example", p.acme, "Acme");
    let bob_globex = found(p.bob, "Bob Baker", "bob@acme.example", p.globex, "Globex");
    let carol = found(
        p.carol,
        "Carol Cook",
        "carol@globex.example",
        p.globex,
        "Globex",
    );
    // A platform admin in a customer's account is still no customer.
    store
        .insert_membership(p.adam, p.acme, Role::Employee, "")
        .await
        .unwrap();

    // Every customer, by name and then account; never Rita (a representative) or Adam.
    assert_eq!(
        store.list_customers(p.rita, "", 100).await.unwrap(),
        vec![
            alice.clone(),
            bob_acme.clone(),
            bob_globex.clone(),
            carol.clone()
        ]
    );
    assert!(
        store
            .list_customers(p.rita, "rita", 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_customers(p.rita, "adam", 100)
            .await
            .unwrap()
            .is_empty()
    );
    // By part of the name, in any case, or part of the email.
    assert_eq!(
        store.list_customers(p.rita, "BAKER", 100).await.unwrap(),
        vec![bob_acme.clone(), bob_globex]
    );
    assert_eq!(
        store
            .list_customers(p.rita, "globex.example", 100)
            .await
            .unwrap(),
        vec![carol]
    );
    assert_eq!(
        store.list_customers(p.rita, "acme", 2).await.unwrap(),
        vec![alice.clone(), bob_acme.clone()],
        "at most `limit` rows"
    );

    // A representative who serves only Acme finds only Acme's people.
    let acme_only = add_user(
        store,
        NewUser {
            is_sales_rep: true,
            ..customer("sam@sales.example", "Sam Seller")
        },
        &[],
    )
    .await;
    store
        .insert_rep_assignment(acme_only, p.acme)
        .await
        .unwrap();
    assert_eq!(
        store.list_customers(acme_only, "", 100).await.unwrap(),
        vec![alice, bob_acme]
    );
    let principal = store.principal(acme_only).await.unwrap().unwrap();
    assert_eq!(principal.serves, vec![p.acme]);
    assert!(principal.serves(p.acme) && !principal.serves(p.globex));
}

async fn percent_and_underscore_in_a_customer_search_match_only_themselves(store: &dyn Store) {
    let acme = store.insert_account("Acme", true, T0).await.unwrap();
    let members = [(acme, Role::Employee)];
    let underscore = add_user(store, customer("al_x@acme.example", "Al_x"), &members).await;
    add_user(store, customer("alex@acme.example", "Alex"), &members).await;
    let percent = add_user(store, customer("dana@acme.example", "Dana 100%"), &members).await;
    add_user(store, customer("dora@acme.example", "Dora 1000"), &members).await;
    let rep = NewUser {
        is_sales_rep: true,
        ..customer("sam@sales.example", "Sam Seller")
    };
    let rep = add_user(store, rep, &[]).await;
    store.insert_rep_assignment(rep, acme).await.unwrap();

    let ids = |customers: Vec<CustomerUser>| -> Vec<UserId> {
        customers.into_iter().map(|c| c.user_id).collect()
    };
    assert_eq!(
        ids(store.list_customers(rep, "l_x", 10).await.unwrap()),
        vec![underscore]
    );
    assert_eq!(
        ids(store.list_customers(rep, "0%", 10).await.unwrap()),
        vec![percent]
    );
    assert_eq!(
        ids(store.list_customers(rep, "%", 10).await.unwrap()),
        vec![percent]
    );
    assert!(
        store
            .list_customers(rep, "\\", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn members_are_listed_by_name_and_only_the_accounts_own(store: &dyn Store) {
    let p = people(store).await;
    let mia = add_user(
        store,
        customer("mia@acme.example", "Mia Moss"),
        &[(p.acme, Role::Employee)],
    )
    .await;
    let zoe = add_user(
        store,
        customer("zoe@acme.example", "Zoe Zimmer"),
        &[(p.acme, Role::Owner)],
    )
    .await;
    let eve = add_user(
        store,
        customer("eve@acme.example", "Eve Easton"),
        &[(p.acme, Role::Employee)],
    )
    .await;
    let ids = |members: Vec<(UserId, String)>| -> Vec<UserId> {
        members.into_iter().map(|(id, _)| id).collect()
    };
    assert_eq!(
        ids(store.list_members(p.acme).await.unwrap()),
        vec![p.alice, p.bob, eve, mia, zoe]
    );
    assert_eq!(
        store.list_members(p.globex).await.unwrap(),
        vec![
            (p.bob, "Bob Baker".to_owned()),
            (p.carol, "Carol Cook".to_owned())
        ]
    );
    assert!(
        store
            .list_members(AccountId(i64::MAX))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn applications_are_found_by_name_listed_in_order_and_never_named_twice(store: &dyn Store) {
    let web = store.insert_application("Web", T0).await.unwrap();
    let ios = store.insert_application("iOS app", T0).await.unwrap();
    assert_eq!(store.application_by_name("Web").await.unwrap(), Some(web));
    assert_eq!(
        store.application_by_name("iOS app").await.unwrap(),
        Some(ios)
    );
    assert_eq!(
        store.application_by_name("Android app").await.unwrap(),
        None
    );

    let again = store.insert_application("Web", T0).await;
    assert!(matches!(again, Err(Error::AlreadyExists(_))), "{again:?}");
    assert_eq!(
        store.list_applications().await.unwrap(),
        vec![(web, "Web".to_owned()), (ios, "iOS app".to_owned())]
    );
}

async fn the_directory_is_empty_until_the_first_user(store: &dyn Store) {
    assert!(store.is_empty().await.unwrap());
    let acme = store.insert_account("Acme", true, T0).await.unwrap();
    store.insert_application("Web", T0).await.unwrap();
    assert!(
        store.is_empty().await.unwrap(),
        "accounts and applications are nobody"
    );
    add_user(
        store,
        customer("alice@acme.example", "Alice Archer"),
        &[(acme, Role::Owner)],
    )
    .await;
    assert!(!store.is_empty().await.unwrap());
}

async fn a_new_owner_and_their_account_are_written_together(store: &dyn Store) {
    let ada = NewUser {
        is_platform_admin: true,
        ..customer("Ada@Example.org", "Ada Admin")
    };
    let (ada, account) = store
        .insert_owner(ada, "Example Ltd", None, T0)
        .await
        .unwrap()
        .unwrap();

    let principal = store.principal(ada).await.unwrap().unwrap();
    assert!(principal.is_platform_admin && !principal.is_sales_rep);
    assert_eq!(principal.memberships, vec![(account, Role::Owner)]);
    let credentials = store.credentials_by_email("ada@example.org").await.unwrap();
    let home = credentials.unwrap().home.unwrap();
    assert_eq!(home.account_id, account);
    assert!(
        home.store_geolocation,
        "a new account stores geolocation, as the default"
    );
    let viewer = store.viewer(ada, account).await.unwrap().unwrap();
    assert_eq!(viewer.account_name, "Example Ltd");
    assert_eq!(viewer.email, "ada@example.org", "stored lower-cased");

    // A taken email refuses the whole: no second person, and Ada keeps her one account.
    let again = store
        .insert_owner(
            customer("ADA@example.org", "Impostor"),
            "Other Ltd",
            None,
            T0,
        )
        .await;
    assert!(matches!(again, Err(Error::AlreadyExists(_))), "{again:?}");
    let principal = store.principal(ada).await.unwrap().unwrap();
    assert_eq!(principal.memberships, vec![(account, Role::Owner)]);
    assert_eq!(
        store.user_name(ada).await.unwrap().as_deref(),
        Some("Ada Admin")
    );
}

async fn a_setup_token_is_taken_once_and_a_new_one_replaces_the_old(store: &dyn Store) {
    let admin = |email| NewUser {
        is_platform_admin: true,
        ..customer(email, "Ada Admin")
    };
    let first = SessionToken::generate().hash();
    assert!(!store.has_setup_token(&first).await.unwrap());
    assert_eq!(
        store
            .insert_owner(admin("ada@example.org"), "Example Ltd", Some(&first), T0)
            .await
            .unwrap(),
        None,
        "nothing to take before a token is made"
    );
    store.replace_setup_token(&first, T0).await.unwrap();
    let second = SessionToken::generate().hash();
    store.replace_setup_token(&second, T0).await.unwrap();
    assert!(!store.has_setup_token(&first).await.unwrap(), "replaced");
    assert!(store.has_setup_token(&second).await.unwrap());

    let written = store
        .insert_owner(admin("ada@example.org"), "Example Ltd", Some(&second), T0)
        .await
        .unwrap();
    assert!(written.is_some());
    assert!(!store.has_setup_token(&second).await.unwrap(), "taken");

    // Once someone exists, even a fresh token writes nobody, and the refusal (rolled back)
    // leaves the token where it was.
    let third = SessionToken::generate().hash();
    store.replace_setup_token(&third, T0).await.unwrap();
    let again = store
        .insert_owner(admin("bob@example.org"), "Other Ltd", Some(&third), T0)
        .await
        .unwrap();
    assert_eq!(again, None);
    assert!(store.has_setup_token(&third).await.unwrap());
}

async fn of_two_requests_taking_one_setup_token_exactly_one_gets_it(store: &dyn Store) {
    let token = SessionToken::generate().hash();
    store.replace_setup_token(&token, T0).await.unwrap();
    let (a, b) = tokio::join!(
        store.insert_owner(customer("a@example.org", "A"), "A Ltd", Some(&token), T0),
        store.insert_owner(customer("b@example.org", "B"), "B Ltd", Some(&token), T0)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(
        a.is_some(),
        b.is_some(),
        "exactly one of the two wrote: {a:?} {b:?}"
    );
}
