//! The first start on an empty database: the setup link that creates the first platform admin,
//! and people created from the command line (`Operator::create_user`), on every store.

mod common;

on_every_store!(
    the_setup_link_creates_the_first_platform_admin_who_owns_their_account,
    a_setup_link_works_once_and_a_second_use_changes_nothing,
    a_wrong_or_replaced_token_is_refused_and_the_current_link_still_works,
    invalid_input_is_refused_before_the_link_is_spent,
    of_two_requests_with_the_same_link_exactly_one_creates_an_admin,
    operator_create_user_creates_a_platform_admin_who_can_sign_in,
    a_link_opened_before_someone_was_created_on_the_command_line_is_refused,
    the_command_line_refuses_a_taken_email_and_a_short_password,
    the_demo_world_can_still_be_seeded_after_a_start_without_it,
);

use std::sync::Arc;

use common::{Backend, CHROME_WINDOWS, T0};
use sessionboard::Error;
use sessionboard::model::{Role, Timestamp, UserId};
use sessionboard::seed::{DEMO_OWNER_EMAIL, DEMO_PASSWORD, seed_demo_world_if_empty};
use sessionboard::service::{
    Channel, FirstAdmin, NewPerson, Operator, SessionPolicy, SessionService, SignIn,
    WEB_APPLICATION,
};
use sessionboard::token::SessionToken;

const ADMIN_PASSWORD: &str = "a long admin password";

/// A service over an empty, migrated store: what a first start finds.
struct FirstStart {
    _dir: tempfile::TempDir,
    service: Arc<SessionService>,
    operator: Operator,
}

async fn first_start(backend: Backend) -> FirstStart {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = backend.store(dir.path()).await;
    let tracker = Arc::new(common::tracker(dir.path()));
    let (service, operator) =
        sessionboard::service::start(store, tracker, SessionPolicy::default());
    FirstStart {
        _dir: dir,
        service,
        operator,
    }
}

fn ada(email: &str) -> FirstAdmin<'_> {
    FirstAdmin {
        account: "Example Ltd",
        name: "Ada Admin",
        email,
        password: ADMIN_PASSWORD,
    }
}

impl FirstStart {
    /// Opens the setup as the server does when it starts, and returns the link's token.
    async fn open_setup(&self) -> SessionToken {
        self.operator
            .open_setup(T0)
            .await
            .unwrap()
            .expect("nobody exists: a setup link")
    }

    async fn sign_in(&self, email: &str, password: &str) -> Result<sessionboard::Caller, Error> {
        let signed_in = self
            .service
            .sign_in(
                SignIn {
                    email,
                    password,
                    application: WEB_APPLICATION.into(),
                    ip: "192.0.2.1".parse().unwrap(),
                    user_agent: CHROME_WINDOWS,
                    channel: Channel::Web,
                },
                T0,
            )
            .await?;
        self.service
            .authenticate(signed_in.token.as_str(), T0)
            .await
    }

    async fn exists(&self, email: &str) -> bool {
        self.operator
            .store()
            .credentials_by_email(email)
            .await
            .unwrap()
            .is_some()
    }
}

async fn the_setup_link_creates_the_first_platform_admin_who_owns_their_account(backend: Backend) {
    let start = first_start(backend).await;
    assert!(start.service.setup_pending().await.unwrap());
    let token = start.open_setup().await;

    let user = start
        .service
        .complete_setup(token.as_str(), ada("Ada@Example.org"), T0)
        .await
        .unwrap();

    let caller = start
        .sign_in("ada@example.org", ADMIN_PASSWORD)
        .await
        .expect("the new admin signs in on the web");
    assert_eq!(caller.user_id, user);
    let viewer = start.service.viewer(&caller).await.unwrap();
    assert!(viewer.is_platform_admin);
    assert!(!viewer.is_sales_rep);
    assert_eq!(viewer.name, "Ada Admin");
    assert_eq!(viewer.account_name, "Example Ltd");
    assert_eq!(viewer.memberships.len(), 1);
    assert_eq!(viewer.memberships[0].role, Role::Owner);
    // Setup is over: no page offers it, and no new link is opened at the next start.
    assert!(!start.service.setup_pending().await.unwrap());
    assert!(start.operator.open_setup(T0).await.unwrap().is_none());
}

async fn a_setup_link_works_once_and_a_second_use_changes_nothing(backend: Backend) {
    let start = first_start(backend).await;
    let token = start.open_setup().await;
    start
        .service
        .complete_setup(token.as_str(), ada("ada@example.org"), T0)
        .await
        .unwrap();

    let again = start
        .service
        .complete_setup(token.as_str(), ada("mallory@example.org"), T0)
        .await;

    assert!(matches!(again, Err(Error::Forbidden(_))), "{again:?}");
    assert!(!start.exists("mallory@example.org").await);
    assert!(
        start
            .sign_in("ada@example.org", ADMIN_PASSWORD)
            .await
            .is_ok()
    );
}

async fn a_wrong_or_replaced_token_is_refused_and_the_current_link_still_works(backend: Backend) {
    let start = first_start(backend).await;
    let replaced = start.open_setup().await;
    // A restart opens a new link; the old one may sit in a log and must be dead.
    let current = start.open_setup().await;
    let stranger = SessionToken::generate();
    for wrong in [
        replaced.as_str(),
        stranger.as_str(),
        "",
        "not a token",
        &current.as_str()[1..],
    ] {
        let refused = start
            .service
            .complete_setup(wrong, ada("mallory@example.org"), T0)
            .await;
        assert!(
            matches!(refused, Err(Error::Forbidden(_))),
            "{wrong:?}: {refused:?}"
        );
    }
    assert!(!start.exists("mallory@example.org").await);
    assert!(start.service.setup_pending().await.unwrap());

    start
        .service
        .complete_setup(current.as_str(), ada("ada@example.org"), T0)
        .await
        .expect("the current link still works");
}

async fn invalid_input_is_refused_before_the_link_is_spent(backend: Backend) {
    let start = first_start(backend).await;
    let token = start.open_setup().await;
    let mistakes = [
        FirstAdmin {
            password: "too short",
            ..ada("ada@example.org")
        },
        ada("ada.example.org"),
        FirstAdmin {
            account: "  ",
            ..ada("ada@example.org")
        },
        FirstAdmin {
            name: "Ada\u{0}Admin",
            ..ada("ada@example.org")
        },
    ];
    for mistake in mistakes {
        let refused = start
            .service
            .complete_setup(token.as_str(), mistake, T0)
            .await;
        assert!(
            matches!(
                refused,
                Err(Error::InvalidInput(_) | Error::WeakPassword(_))
            ),
            "{refused:?}"
        );
    }
    assert!(start.service.setup_pending().await.unwrap());

    start
        .service
        .complete_setup(token.as_str(), ada("ada@example.org"), T0)
        .await
        .expect("corrected, the same link works");
}

async fn of_two_requests_with_the_same_link_exactly_one_creates_an_admin(backend: Backend) {
    let start = first_start(backend).await;
    let token = start.open_setup().await;

    let (ada_result, bob_result) = tokio::join!(
        start
            .service
            .complete_setup(token.as_str(), ada("ada@example.org"), T0),
        start
            .service
            .complete_setup(token.as_str(), ada("bob@example.org"), T0),
    );

    let created: Vec<UserId> = [&ada_result, &bob_result]
        .into_iter()
        .filter_map(|result| result.as_ref().ok().copied())
        .collect();
    assert_eq!(created.len(), 1, "{ada_result:?} {bob_result:?}");
    let loser = if ada_result.is_ok() {
        bob_result
    } else {
        ada_result
    };
    assert!(matches!(loser, Err(Error::Forbidden(_))), "{loser:?}");
    let exists = [
        start.exists("ada@example.org").await,
        start.exists("bob@example.org").await,
    ];
    assert_eq!(exists.iter().filter(|exists| **exists).count(), 1);
}

async fn operator_create_user_creates_a_platform_admin_who_can_sign_in(backend: Backend) {
    let start = first_start(backend).await;
    let person = NewPerson {
        email: "Root@Example.org",
        name: "Rosa Root",
        password: ADMIN_PASSWORD,
        account: None,
        is_platform_admin: true,
    };

    let user = start.operator.create_user(person, T0).await.unwrap();

    // The Web application did not exist in this empty database; the sign-in needs it.
    let caller = start
        .sign_in("root@example.org", ADMIN_PASSWORD)
        .await
        .expect("the new admin signs in on the web");
    assert_eq!(caller.user_id, user);
    let viewer = start.service.viewer(&caller).await.unwrap();
    assert!(viewer.is_platform_admin);
    assert_eq!(viewer.account_name, "Rosa Root", "a personal account");
    assert_eq!(viewer.memberships[0].role, Role::Owner);
    assert!(!start.service.setup_pending().await.unwrap());
    assert!(start.operator.open_setup(T0).await.unwrap().is_none());

    // Without the flag, an account owner who is no admin.
    let owner = NewPerson {
        email: "olga@customer.example",
        name: "Olga Owner",
        password: ADMIN_PASSWORD,
        account: Some("Customer AG"),
        is_platform_admin: false,
    };
    start.operator.create_user(owner, T0).await.unwrap();
    let olga = start
        .sign_in("olga@customer.example", ADMIN_PASSWORD)
        .await
        .unwrap();
    let viewer = start.service.viewer(&olga).await.unwrap();
    assert!(!viewer.is_platform_admin);
    assert_eq!(viewer.account_name, "Customer AG");
    assert_eq!(viewer.memberships[0].role, Role::Owner);
}

async fn a_link_opened_before_someone_was_created_on_the_command_line_is_refused(backend: Backend) {
    let start = first_start(backend).await;
    let token = start.open_setup().await;
    let root = NewPerson {
        email: "root@example.org",
        name: "Rosa Root",
        password: ADMIN_PASSWORD,
        account: None,
        is_platform_admin: true,
    };
    start.operator.create_user(root, T0).await.unwrap();

    let refused = start
        .service
        .complete_setup(token.as_str(), ada("ada@example.org"), T0)
        .await;

    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    assert!(!start.exists("ada@example.org").await);
}

async fn the_command_line_refuses_a_taken_email_and_a_short_password(backend: Backend) {
    let start = first_start(backend).await;
    let person = |email, password| NewPerson {
        email,
        name: "Rosa Root",
        password,
        account: None,
        is_platform_admin: true,
    };
    start
        .operator
        .create_user(person("root@example.org", ADMIN_PASSWORD), T0)
        .await
        .unwrap();

    let taken = start
        .operator
        .create_user(person("ROOT@example.org", "another long password"), T0)
        .await;
    assert!(matches!(taken, Err(Error::AlreadyExists(_))), "{taken:?}");
    assert!(
        start
            .sign_in("root@example.org", ADMIN_PASSWORD)
            .await
            .is_ok(),
        "the first keeps their password"
    );
    let short = start
        .operator
        .create_user(person("rosa@example.org", "short"), T0)
        .await;
    assert!(matches!(short, Err(Error::WeakPassword(_))), "{short:?}");
    assert!(!start.exists("rosa@example.org").await);
}

async fn the_demo_world_can_still_be_seeded_after_a_start_without_it(backend: Backend) {
    let start = first_start(backend).await;
    // A first start without the demo world opens a link (and registers the Web application).
    start.open_setup().await;

    let now = Timestamp::now();
    assert!(
        seed_demo_world_if_empty(&start.operator, now)
            .await
            .unwrap()
    );

    assert!(start.sign_in(DEMO_OWNER_EMAIL, DEMO_PASSWORD).await.is_ok());
    assert!(start.operator.open_setup(now).await.unwrap().is_none());
}
