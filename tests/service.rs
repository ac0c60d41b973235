//! The session lifecycle through the service, on every store.

mod common;

on_every_store!(
    sign_in_creates_exactly_one_session_with_device_and_location,
    email_is_case_insensitive_and_surrounding_spaces_are_ignored,
    wrong_password_and_unknown_email_are_the_same_error_and_create_nothing,
    the_list_shows_only_my_live_sessions_newest_first,
    terminating_another_session_signs_that_device_out_at_once,
    the_current_session_cannot_be_terminated_from_the_list,
    someone_elses_session_or_an_unknown_id_is_not_found_and_stays_alive,
    malformed_and_unknown_tokens_are_not_signed_in,
    logging_out_ends_the_current_session,
    sessions_expire_when_idle_and_at_their_absolute_lifetime,
    activity_is_written_at_most_once_a_minute,
    hostile_user_agents_are_stored_truncated_and_unknown_devices_still_sign_in,
    another_applications_key_neither_uses_nor_keeps_alive_a_token,
    the_right_password_of_a_person_without_an_account_gets_the_ordinary_refusal,
    control_characters_in_text_are_refused_before_the_database_sees_them,
);

use std::time::Duration;

use common::{Backend, CHROME_WINDOWS, PASSWORD, SAFARI_IPHONE, T0, world, world_with_policy};
use sessionboard::Error;
use sessionboard::model::{DeviceKind, Location, SessionId};
use sessionboard::service::{Channel, SessionPolicy, SignIn, WEB_APPLICATION};

const MINUTE: Duration = Duration::from_secs(60);

async fn sign_in_creates_exactly_one_session_with_device_and_location(backend: Backend) {
    let w = world(backend).await;
    let signed_in = w
        .sign_in("alice@acme.example", CHROME_WINDOWS, "81.2.69.142", T0)
        .await;
    let alice = w
        .service
        .authenticate(signed_in.token.as_str(), T0)
        .await
        .unwrap();
    assert_eq!(alice.user_id, w.alice);
    assert_eq!(alice.account_id, w.acme);

    let sessions = w.service.list_my_sessions(&alice, T0).await.unwrap();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert_eq!(session.id, signed_in.session_id);
    assert!(session.is_current);
    assert_eq!(session.application, "Web");
    assert_eq!(session.account_name, "Acme");
    assert_eq!(session.ip, "81.2.69.142");
    assert_eq!(session.device.os_label(), "Windows 10");
    assert_eq!(session.device.browser_label(), "Chrome 131.0.0");
    assert_eq!(session.device.kind, DeviceKind::Desktop);
    assert_eq!(session.location.label(), "London, England, United Kingdom");
    assert_eq!(session.created_at, T0);
    assert_eq!(session.last_active_at, T0);
}

async fn email_is_case_insensitive_and_surrounding_spaces_are_ignored(backend: Backend) {
    let w = world(backend).await;
    w.sign_in("  Alice@ACME.example ", CHROME_WINDOWS, "192.0.2.1", T0)
        .await;
}

async fn wrong_password_and_unknown_email_are_the_same_error_and_create_nothing(backend: Backend) {
    let w = world(backend).await;
    for (email, password) in [
        ("alice@acme.example", "wrong"),
        ("nobody@acme.example", PASSWORD),
        ("", PASSWORD),
        ("alice@acme.example", ""),
    ] {
        let result = w
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
            .await;
        assert!(
            matches!(result, Err(Error::InvalidCredentials)),
            "{email}/{password}"
        );
    }
    let signed_in = w
        .sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.1", T0)
        .await;
    let alice = w
        .service
        .authenticate(signed_in.token.as_str(), T0)
        .await
        .unwrap();
    assert_eq!(
        w.service.list_my_sessions(&alice, T0).await.unwrap().len(),
        1
    );
}

async fn the_list_shows_only_my_live_sessions_newest_first(backend: Backend) {
    let w = world(backend).await;
    let laptop = w
        .sign_in("alice@acme.example", CHROME_WINDOWS, "81.2.69.142", T0)
        .await;
    let phone = w
        .sign_in(
            "alice@acme.example",
            SAFARI_IPHONE,
            "2001:db8::7",
            T0.plus(MINUTE),
        )
        .await;
    let ended = w
        .sign_in(
            "alice@acme.example",
            SAFARI_IPHONE,
            "192.0.2.9",
            T0.plus(2 * MINUTE),
        )
        .await;
    w.sign_in("bob@acme.example", CHROME_WINDOWS, "81.2.69.142", T0)
        .await;
    w.sign_in("carol@globex.example", CHROME_WINDOWS, "81.2.69.142", T0)
        .await;

    let now = T0.plus(3 * MINUTE);
    let alice = w
        .service
        .authenticate(laptop.token.as_str(), now)
        .await
        .unwrap();
    w.service
        .terminate_session(&alice, ended.session_id, now)
        .await
        .unwrap();

    let sessions = w.service.list_my_sessions(&alice, now).await.unwrap();
    let ids: Vec<SessionId> = sessions.iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![phone.session_id, laptop.session_id]);
    assert!(sessions.iter().all(|s| s.user_id == w.alice));
    let phone_row = &sessions[0];
    assert!(!phone_row.is_current);
    assert_eq!(phone_row.device.kind, DeviceKind::Phone);
    assert_eq!(phone_row.device.os_label(), "iOS 17.6.1");
    assert_eq!(phone_row.location.label(), "Berlin, Germany");
}

async fn terminating_another_session_signs_that_device_out_at_once(backend: Backend) {
    let w = world(backend).await;
    let laptop = w
        .sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.1", T0)
        .await;
    let phone = w
        .sign_in("alice@acme.example", SAFARI_IPHONE, "192.0.2.2", T0)
        .await;
    let alice = w
        .service
        .authenticate(laptop.token.as_str(), T0)
        .await
        .unwrap();

    w.service
        .terminate_session(&alice, phone.session_id, T0)
        .await
        .unwrap();

    let result = w.service.authenticate(phone.token.as_str(), T0).await;
    assert!(matches!(result, Err(Error::Unauthenticated)));
    let remaining = w.service.list_my_sessions(&alice, T0).await.unwrap();
    assert_eq!(remaining.len(), 1);
    assert_eq!(remaining[0].id, laptop.session_id);
    // Terminating it again finds nothing to end.
    let again = w
        .service
        .terminate_session(&alice, phone.session_id, T0)
        .await;
    assert!(matches!(again, Err(Error::SessionNotFound)));
}

async fn the_current_session_cannot_be_terminated_from_the_list(backend: Backend) {
    let w = world(backend).await;
    let laptop = w
        .sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.1", T0)
        .await;
    let alice = w
        .service
        .authenticate(laptop.token.as_str(), T0)
        .await
        .unwrap();

    let result = w
        .service
        .terminate_session(&alice, laptop.session_id, T0)
        .await;

    assert!(matches!(result, Err(Error::CannotTerminateCurrentSession)));
    assert!(
        w.service
            .authenticate(laptop.token.as_str(), T0)
            .await
            .is_ok()
    );
}

async fn someone_elses_session_or_an_unknown_id_is_not_found_and_stays_alive(backend: Backend) {
    let w = world(backend).await;
    // Bob is an employee: his colleague's and a stranger's sessions are out of his reach.
    let bob_signed_in = w
        .sign_in("bob@acme.example", CHROME_WINDOWS, "192.0.2.1", T0)
        .await;
    let alice_signed_in = w
        .sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.2", T0)
        .await;
    let carol_signed_in = w
        .sign_in("carol@globex.example", CHROME_WINDOWS, "192.0.2.3", T0)
        .await;
    let bob = w
        .service
        .authenticate(bob_signed_in.token.as_str(), T0)
        .await
        .unwrap();

    for target in [
        alice_signed_in.session_id,
        carol_signed_in.session_id,
        SessionId(999_999),
        SessionId(-1),
    ] {
        let result = w.service.terminate_session(&bob, target, T0).await;
        assert!(matches!(result, Err(Error::SessionNotFound)), "{target}");
    }
    assert!(
        w.service
            .authenticate(alice_signed_in.token.as_str(), T0)
            .await
            .is_ok()
    );
    assert!(
        w.service
            .authenticate(carol_signed_in.token.as_str(), T0)
            .await
            .is_ok()
    );
}

async fn malformed_and_unknown_tokens_are_not_signed_in(backend: Backend) {
    let w = world(backend).await;
    w.sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.1", T0)
        .await;
    let unknown = sessionboard::token::SessionToken::generate();
    let long = "x".repeat(100_000);
    for token in ["", "garbage", long.as_str(), "\u{0}\u{1}", unknown.as_str()] {
        let result = w.service.authenticate(token, T0).await;
        assert!(matches!(result, Err(Error::Unauthenticated)), "{token:.20}");
    }
}

async fn logging_out_ends_the_current_session(backend: Backend) {
    let w = world(backend).await;
    let laptop = w
        .sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.1", T0)
        .await;
    let alice = w
        .service
        .authenticate(laptop.token.as_str(), T0)
        .await
        .unwrap();
    w.service.sign_out(&alice, T0).await.unwrap();
    assert!(matches!(
        w.service.authenticate(laptop.token.as_str(), T0).await,
        Err(Error::Unauthenticated)
    ));
}

async fn sessions_expire_when_idle_and_at_their_absolute_lifetime(backend: Backend) {
    let policy = SessionPolicy {
        idle_timeout: 10 * MINUTE,
        absolute_lifetime: 25 * MINUTE,
        touch_interval: MINUTE,
        ..SessionPolicy::default()
    };
    let w = world_with_policy(backend, policy).await;
    let idle = w
        .sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.1", T0)
        .await;
    let busy = w
        .sign_in("alice@acme.example", SAFARI_IPHONE, "192.0.2.2", T0)
        .await;

    // Used every 8 minutes, `busy` outlives the idle timeout but not the absolute lifetime.
    for minutes in [8, 16, 24] {
        let now = T0.plus(minutes * MINUTE);
        assert!(
            w.service
                .authenticate(busy.token.as_str(), now)
                .await
                .is_ok(),
            "{minutes}"
        );
    }
    assert!(matches!(
        w.service
            .authenticate(idle.token.as_str(), T0.plus(11 * MINUTE))
            .await,
        Err(Error::Unauthenticated)
    ));
    assert!(matches!(
        w.service
            .authenticate(busy.token.as_str(), T0.plus(26 * MINUTE))
            .await,
        Err(Error::Unauthenticated)
    ));
}

async fn activity_is_written_at_most_once_a_minute(backend: Backend) {
    let w = world(backend).await;
    let laptop = w
        .sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.1", T0)
        .await;
    let seconds = |s: u64| T0.plus(Duration::from_secs(s));

    let alice = w
        .service
        .authenticate(laptop.token.as_str(), seconds(30))
        .await
        .unwrap();
    let listed = w
        .service
        .list_my_sessions(&alice, seconds(30))
        .await
        .unwrap();
    assert_eq!(listed[0].last_active_at, T0, "30 s later: not yet written");

    w.service
        .authenticate(laptop.token.as_str(), seconds(61))
        .await
        .unwrap();
    let listed = w
        .service
        .list_my_sessions(&alice, seconds(61))
        .await
        .unwrap();
    assert_eq!(listed[0].last_active_at, seconds(61));
}

async fn hostile_user_agents_are_stored_truncated_and_unknown_devices_still_sign_in(
    backend: Backend,
) {
    let w = world(backend).await;
    let hostile = format!("Mozilla/5.0 {}", "(((((((((((".repeat(20_000));
    let signed_in = w
        .sign_in("alice@acme.example", &hostile, "192.0.2.1", T0)
        .await;
    let empty = w.sign_in("alice@acme.example", "", "10.0.0.1", T0).await;
    let alice = w
        .service
        .authenticate(signed_in.token.as_str(), T0)
        .await
        .unwrap();
    let sessions = w.service.list_my_sessions(&alice, T0).await.unwrap();
    assert_eq!(sessions.len(), 2);
    let empty_row = sessions.iter().find(|s| s.id == empty.session_id).unwrap();
    assert_eq!(empty_row.device.browser, "Other");
    assert_eq!(empty_row.location, Location::LocalNetwork);
}

async fn another_applications_key_neither_uses_nor_keeps_alive_a_token(backend: Backend) {
    let w = world(backend).await;
    let phone = w
        .sign_in_to(
            "iOS app",
            "alice@acme.example",
            SAFARI_IPHONE,
            "192.0.2.1",
            T0,
        )
        .await;
    let later = T0.plus(2 * MINUTE);
    // The web application's key presenting the iOS app's token: refused, and no activity is
    // recorded, so a leaked token cannot be kept alive from elsewhere.
    assert!(matches!(
        w.service
            .authenticate_device(&w.web_client(), phone.token.as_str(), later)
            .await,
        Err(Error::Unauthenticated)
    ));
    assert!(matches!(
        w.service
            .validate(&w.web_client(), phone.token.as_str(), later)
            .await,
        Err(Error::Unauthenticated)
    ));
    let alice = w
        .service
        .authenticate(phone.token.as_str(), T0)
        .await
        .unwrap();
    let listed = w.service.list_my_sessions(&alice, T0).await.unwrap();
    assert_eq!(listed[0].last_active_at, T0);
}

async fn the_right_password_of_a_person_without_an_account_gets_the_ordinary_refusal(
    backend: Backend,
) {
    let w = world(backend).await;
    let hash = sessionboard::password::hash_password(PASSWORD).unwrap();
    w.operator
        .store()
        .insert_user(
            sessionboard::store::NewUser {
                email: "drifter@acme.example",
                name: "Drifter",
                password_hash: &hash,
                is_platform_admin: false,
                is_sales_rep: false,
            },
            T0,
        )
        .await
        .unwrap();
    let attempt = SignIn {
        email: "drifter@acme.example",
        password: PASSWORD,
        application: WEB_APPLICATION.into(),
        ip: "192.0.2.1".parse().unwrap(),
        user_agent: CHROME_WINDOWS,
        channel: Channel::Web,
    };
    assert!(
        matches!(
            w.service.sign_in(attempt, T0).await,
            Err(Error::InvalidCredentials)
        ),
        "the same answer as a wrong password: nothing to tell, nothing internal"
    );
}

async fn control_characters_in_text_are_refused_before_the_database_sees_them(backend: Backend) {
    use sessionboard::model::{PageRequest, SessionFilter, SessionsView};
    let w = world(backend).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    for search in ["ber\u{0}lin", "\u{1b}[31m", "tab\there"] {
        let filter = SessionFilter {
            search: Some(search.to_owned()),
            ..SessionFilter::default()
        };
        let listed = w
            .service
            .list_sessions(
                &alice,
                SessionsView::Mine,
                &filter,
                PageRequest::default(),
                T0,
            )
            .await;
        assert!(
            matches!(listed, Err(Error::InvalidInput(_))),
            "{search:?}: {listed:?}"
        );
    }
    let attempt = SignIn {
        email: "alice@acme.example\u{0}",
        password: PASSWORD,
        application: WEB_APPLICATION.into(),
        ip: "192.0.2.1".parse().unwrap(),
        user_agent: CHROME_WINDOWS,
        channel: Channel::Web,
    };
    assert!(
        matches!(
            w.service.sign_in(attempt, T0).await,
            Err(Error::InvalidInput(_))
        ),
        "a NUL in an email is refused, not a database error"
    );
}
