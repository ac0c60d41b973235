//! Webhooks, end to end on every store: changes queue their events in their own transaction,
//! the real HTTP transport posts them signed to a receiver on loopback, and the receiver
//! checks each signature. A receiver that is down, one that fails for a day, redirects or
//! hangs, two servers sharing one outbox, a change that rolls back, a bulk termination, and
//! endpoints that must be refused.

mod common;
#[path = "common/webhook_receiver.rs"]
mod webhook_receiver;

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use common::{Backend, CHROME_WINDOWS, Database, T0, World, world, world_with_policy};
use serde_json::Value;
use sessionboard::model::{
    DeliveryState, EventType, PageRequest, SessionFilter, SessionsView, Timestamp,
    WebhookDeliveryView, WebhookEndpointId,
};
use sessionboard::service::{
    Actor, Channel, EndpointForm, SessionPolicy, SignIn, WEB_APPLICATION, WebhookPolicy,
};
use sessionboard::webhook::{HttpTransport, Transport};
use sessionboard::{Caller, Error, SessionService};
use webhook_receiver::{Mode, Receiver};

on_every_store!(
    a_committed_change_reaches_every_endpoint_that_wants_it_signed_and_in_order,
    a_change_that_rolls_back_sends_nothing,
    a_receiver_that_was_down_gets_every_event_in_order_with_the_same_ids_once_it_is_back,
    a_delivery_failing_for_a_day_pauses_its_endpoint_until_an_admin_resumes_it,
    redirects_hangs_and_closed_ports_each_say_why_and_are_retried,
    two_servers_sharing_the_database_deliver_each_event_once_and_in_order,
    a_bulk_termination_reports_each_ended_session_and_then_itself,
    endpoints_deliveries_may_not_go_to_are_refused_with_the_reason,
);

fn after(seconds: u64) -> Timestamp {
    T0.plus(Duration::from_secs(seconds))
}

fn transport(timeout: Duration) -> Arc<dyn Transport> {
    Arc::new(HttpTransport::new(WebhookPolicy {
        allow_private_networks: false,
        timeout,
    }))
}

/// Registers `receiver` for `events` (all when empty), of `account` only when given.
async fn register(
    w: &World,
    admin: &Caller,
    receiver: &Receiver,
    events: &[EventType],
    account: Option<&str>,
) -> WebhookEndpointId {
    let events = if events.is_empty() {
        &EventType::ALL[..]
    } else {
        events
    };
    let made = w
        .service
        .add_webhook_endpoint(
            admin,
            EndpointForm {
                url: &receiver.url,
                events,
                account,
                description: "tests",
            },
            T0,
        )
        .await
        .unwrap();
    receiver.set_secret(made.secret.expose());
    made.id
}

/// Delivers at `now` until nothing more is due then; returns how many attempts that took.
async fn deliver_all(
    service: &SessionService,
    transport: &Arc<dyn Transport>,
    now: Timestamp,
) -> usize {
    let mut attempts = 0;
    loop {
        match service.deliver_due_webhooks(transport, now).await.unwrap() {
            0 => return attempts,
            n => attempts += n,
        }
    }
}

/// An endpoint's deliveries, oldest first.
async fn deliveries(
    w: &World,
    admin: &Caller,
    endpoint: WebhookEndpointId,
) -> Vec<WebhookDeliveryView> {
    let page = PageRequest {
        after: None,
        limit: 200,
    };
    let mut items = w
        .service
        .webhook_deliveries(admin, Some(endpoint), page)
        .await
        .unwrap()
        .items;
    items.reverse();
    items
}

async fn failed_sign_in(w: &World, email: &str, now: Timestamp) {
    let refused = w
        .service
        .sign_in(
            SignIn {
                email,
                password: "not the password",
                application: WEB_APPLICATION.into(),
                ip: "81.2.69.142".parse::<IpAddr>().unwrap(),
                user_agent: CHROME_WINDOWS,
                channel: Channel::Web,
            },
            now,
        )
        .await;
    assert!(
        matches!(refused, Err(Error::InvalidCredentials)),
        "{refused:?}"
    );
}

fn actor(caller: &Caller) -> Actor {
    Actor {
        caller: *caller,
        ip: "198.51.100.7".parse().unwrap(),
    }
}

async fn a_committed_change_reaches_every_endpoint_that_wants_it_signed_and_in_order(
    backend: Backend,
) {
    let w = world(backend).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let everything = Receiver::start().await;
    let acme_endings = Receiver::start().await;
    let failures = Receiver::start().await;
    let all = register(&w, &adam, &everything, &[], None).await;
    register(
        &w,
        &adam,
        &acme_endings,
        &[EventType::SessionEnded],
        Some("Acme"),
    )
    .await;
    register(&w, &adam, &failures, &[EventType::SignInFailed], None).await;

    let bob = w
        .sign_in("bob@acme.example", CHROME_WINDOWS, "81.2.69.142", after(1))
        .await;
    let carol = w
        .sign_in(
            "carol@globex.example",
            CHROME_WINDOWS,
            "81.2.69.142",
            after(2),
        )
        .await;
    failed_sign_in(&w, "bob@acme.example", after(3)).await;
    w.service
        .terminate_session(&alice, bob.session_id, after(4))
        .await
        .unwrap();
    w.service
        .terminate_session(&adam, carol.session_id, after(5))
        .await
        .unwrap();
    w.service
        .deactivate_person(&actor(&adam), w.dave, after(6))
        .await
        .unwrap();
    w.service
        .remove_member(&actor(&adam), w.acme, w.bob, after(7))
        .await
        .unwrap();

    let transport = transport(Duration::from_secs(5));
    deliver_all(&w.service, &transport, after(8)).await;

    assert_eq!(
        everything.types(),
        [
            "session.created",
            "session.created",
            "sign_in.failed",
            "session.ended",
            "session.ended",
            "person.deactivated",
            "membership.removed",
        ]
    );
    let got = everything.received();
    assert!(
        got.iter().all(|got| got.signed_correctly),
        "every signature checks out"
    );
    assert_eq!(
        got.iter().map(|got| &got.id).collect::<HashSet<_>>().len(),
        got.len()
    );
    let created = &got[0].body;
    assert_eq!(created["data"]["session_id"], bob.session_id.0);
    assert_eq!(created["data"]["user_id"], w.bob.0);
    assert_eq!(created["data"]["account_id"], w.acme.0);
    assert_eq!(created["data"]["browser"]["name"], "Chrome");
    assert_eq!(created["data"]["location"]["city"], "London");
    assert_eq!(created["timestamp"], after(1).to_rfc3339());
    let failed = &got[2].body["data"];
    assert_eq!(failed["email"], "bob@acme.example");
    assert_eq!(failed["outcome"], "invalid_credentials");
    let ended = &got[3].body["data"];
    assert_eq!(ended["session_id"], bob.session_id.0);
    assert_eq!(ended["reason"], "terminated_by_owner");
    assert_eq!(ended["actor"]["user_id"], alice.user_id.0);
    assert_eq!(got[4].body["data"]["reason"], "terminated_by_admin");
    assert_eq!(got[5].body["data"]["user_id"], w.dave.0);
    assert_eq!(got[6].body["data"]["account_id"], w.acme.0);
    assert_eq!(got[6].body["data"]["actor"]["user_id"], adam.user_id.0);

    // Only Acme's ending reaches the Acme endpoint, under the same id as the other copy.
    let acme = acme_endings.received();
    assert_eq!(acme.len(), 1);
    assert_eq!(acme[0].id, got[3].id);
    assert!(acme[0].signed_correctly);
    assert_eq!(failures.types(), ["sign_in.failed"]);

    let recorded = deliveries(&w, &adam, all).await;
    assert_eq!(recorded.len(), 7);
    for delivery in &recorded {
        assert_eq!(delivery.state, DeliveryState::Delivered);
        assert_eq!(delivery.last_status, Some(204));
        assert!(delivery.last_latency_ms.is_some());
    }
}

async fn a_change_that_rolls_back_sends_nothing(backend: Backend) {
    let w = world(backend).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let receiver = Receiver::start().await;
    let endpoint = register(&w, &adam, &receiver, &[], None).await;
    let bob = w
        .sign_in("bob@acme.example", CHROME_WINDOWS, "81.2.69.142", after(1))
        .await;
    let before = deliveries(&w, &adam, endpoint).await.len();

    // The change's last write, its audit record, fails: everything it did rolls back.
    sabotage_the_change_log(&w.database, true).await;
    let refused = w
        .service
        .deactivate_person(&actor(&adam), w.bob, after(2))
        .await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(
        deliveries(&w, &adam, endpoint).await.len(),
        before,
        "nothing queued"
    );
    assert!(w.is_live(bob.session_id, after(3)).await);

    sabotage_the_change_log(&w.database, false).await;
    w.service
        .deactivate_person(&actor(&adam), w.bob, after(4))
        .await
        .unwrap();
    deliver_all(&w.service, &transport(Duration::from_secs(5)), after(5)).await;
    assert_eq!(
        receiver.types(),
        ["session.created", "person.deactivated", "session.ended"]
    );
}

/// Makes every insert into the change log fail (a real database error, as a full disk would
/// give), or stops doing so.
async fn sabotage_the_change_log(database: &Database, on: bool) {
    use sqlx::Connection;
    match database {
        Database::Sqlite(path) => {
            let mut connection =
                sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
                    .await
                    .unwrap();
            let statement = if on {
                "CREATE TRIGGER sabotage BEFORE INSERT ON changes \
                 BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
            } else {
                "DROP TRIGGER sabotage"
            };
            sqlx::query(statement)
                .execute(&mut connection)
                .await
                .unwrap();
        }
        Database::Postgres(options) => {
            let mut connection = sqlx::PgConnection::connect_with(options).await.unwrap();
            let statements: &[&str] = if on {
                &[
                    "CREATE FUNCTION sabotage() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$",
                    "CREATE TRIGGER sabotage BEFORE INSERT ON changes \
                     FOR EACH ROW EXECUTE FUNCTION sabotage()",
                ]
            } else {
                &[
                    "DROP TRIGGER sabotage ON changes",
                    "DROP FUNCTION sabotage()",
                ]
            };
            for statement in statements {
                sqlx::query(statement)
                    .execute(&mut connection)
                    .await
                    .unwrap();
            }
        }
    }
}

async fn a_receiver_that_was_down_gets_every_event_in_order_with_the_same_ids_once_it_is_back(
    backend: Backend,
) {
    let w = world(backend).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let receiver = Receiver::start().await;
    let endpoint = register(&w, &adam, &receiver, &[EventType::SessionCreated], None).await;
    receiver.set_mode(Mode::Fail(503));
    for (n, email) in [
        "alice@acme.example",
        "bob@acme.example",
        "carol@globex.example",
    ]
    .into_iter()
    .enumerate()
    {
        w.sign_in(email, CHROME_WINDOWS, "81.2.69.142", after(n as u64))
            .await;
    }
    let transport = transport(Duration::from_secs(5));

    // Only the oldest is tried while it fails: the others wait behind it.
    assert_eq!(deliver_all(&w.service, &transport, after(10)).await, 1);
    let first = deliveries(&w, &adam, endpoint).await;
    assert_eq!(first[0].attempts, 1);
    assert_eq!(first[0].last_status, Some(503));
    assert_eq!(
        first[0].last_error.as_deref(),
        Some("the receiver answered 503")
    );
    assert_eq!(first[0].state, DeliveryState::Waiting);
    assert!(first[1..].iter().all(|delivery| delivery.attempts == 0));
    // Not due again before its backoff (5 s), then retried (and backing off to 10 s).
    assert_eq!(deliver_all(&w.service, &transport, after(14)).await, 0);
    assert_eq!(deliver_all(&w.service, &transport, after(16)).await, 1);
    assert_eq!(deliver_all(&w.service, &transport, after(20)).await, 0);

    receiver.set_mode(Mode::Accept);
    assert_eq!(deliver_all(&w.service, &transport, after(30)).await, 3);
    let got = receiver.received();
    assert_eq!(
        receiver.requests(),
        5,
        "two failed attempts, then three deliveries"
    );
    let ids: Vec<&str> = got.iter().map(|got| got.id.as_str()).collect();
    let queued: Vec<String> = first
        .iter()
        .map(|delivery| delivery.message_id.clone())
        .collect();
    assert_eq!(
        ids, queued,
        "the same ids as queued, in the order they happened"
    );
    let emails: Vec<Value> = got
        .iter()
        .map(|got| got.body["data"]["user_id"].clone())
        .collect();
    assert_eq!(emails, [w.alice.0, w.bob.0, w.carol.0].map(Value::from));
    let done = deliveries(&w, &adam, endpoint).await;
    assert_eq!(done[0].attempts, 3);
    assert!(
        done.iter()
            .all(|delivery| delivery.state == DeliveryState::Delivered)
    );
}

async fn a_delivery_failing_for_a_day_pauses_its_endpoint_until_an_admin_resumes_it(
    backend: Backend,
) {
    let w = world(backend).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let receiver = Receiver::start().await;
    let endpoint = register(&w, &adam, &receiver, &[EventType::SessionCreated], None).await;
    receiver.set_mode(Mode::Fail(500));
    w.sign_in(
        "alice@acme.example",
        CHROME_WINDOWS,
        "81.2.69.142",
        after(1),
    )
    .await;
    w.sign_in("bob@acme.example", CHROME_WINDOWS, "81.2.69.142", after(2))
        .await;
    let transport = transport(Duration::from_secs(5));
    deliver_all(&w.service, &transport, after(3)).await;
    let day = 24 * 3600;
    deliver_all(&w.service, &transport, after(day + 3)).await;

    let listed = deliveries(&w, &adam, endpoint).await;
    assert_eq!(listed[0].state, DeliveryState::Failed);
    assert_eq!(listed[1].state, DeliveryState::Waiting);
    let endpoints = w.service.webhook_endpoints(&adam).await.unwrap();
    assert!(endpoints[0].failing_since.is_some());
    let reason = endpoints[0].failing_reason.clone().unwrap();
    assert!(
        reason.contains("failed for a day") && reason.contains("answered 500"),
        "{reason}"
    );
    assert_eq!(endpoints[0].waiting, 1);
    // Paused: nothing is tried, however long one waits.
    assert_eq!(deliver_all(&w.service, &transport, after(3 * day)).await, 0);

    receiver.set_mode(Mode::Accept);
    w.service
        .resume_webhook_endpoint(&adam, endpoint, after(3 * day))
        .await
        .unwrap();
    assert_eq!(deliver_all(&w.service, &transport, after(3 * day)).await, 1);
    w.service
        .resend_webhook_delivery(&adam, listed[0].id, after(3 * day))
        .await
        .unwrap();
    assert_eq!(deliver_all(&w.service, &transport, after(3 * day)).await, 1);
    let got: Vec<String> = receiver.received().into_iter().map(|got| got.id).collect();
    assert_eq!(
        got,
        [listed[1].message_id.clone(), listed[0].message_id.clone()]
    );
    // Re-sending what is waiting already is refused.
    w.sign_in(
        "carol@globex.example",
        CHROME_WINDOWS,
        "81.2.69.142",
        after(3 * day),
    )
    .await;
    let waiting = deliveries(&w, &adam, endpoint).await.pop().unwrap();
    let twice = w
        .service
        .resend_webhook_delivery(&adam, waiting.id, after(3 * day))
        .await;
    assert!(matches!(twice, Err(Error::Conflict(_))), "{twice:?}");
}

async fn redirects_hangs_and_closed_ports_each_say_why_and_are_retried(backend: Backend) {
    let w = world(backend).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let transport = transport(Duration::from_millis(500));
    let last_attempt = async |endpoint| deliveries(&w, &adam, endpoint).await.remove(0);

    let redirecting = Receiver::start().await;
    redirecting.set_mode(Mode::Redirect);
    let hanging = Receiver::start().await;
    hanging.set_mode(Mode::Hang);
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        port
    };
    let kinds = [EventType::SignInFailed];
    let redirect = register(&w, &adam, &redirecting, &kinds, None).await;
    let hang = register(&w, &adam, &hanging, &kinds, None).await;
    let gone = w
        .service
        .add_webhook_endpoint(
            &adam,
            EndpointForm {
                url: &format!("http://127.0.0.1:{closed}/hook"),
                events: &kinds,
                account: None,
                description: "",
            },
            T0,
        )
        .await
        .unwrap()
        .id;
    failed_sign_in(&w, "bob@acme.example", after(1)).await;
    // The three endpoints are tried side by side: the hang costs one timeout, not three.
    assert_eq!(deliver_all(&w.service, &transport, after(2)).await, 3);

    let redirected = last_attempt(redirect).await;
    assert_eq!(redirected.last_status, Some(302));
    assert!(
        redirected
            .last_error
            .unwrap()
            .contains("do not follow redirects")
    );
    let hung = last_attempt(hang).await;
    assert_eq!(hung.last_status, None);
    assert_eq!(
        hung.last_error.as_deref(),
        Some("the receiver did not answer within 500 ms")
    );
    let refused = last_attempt(gone).await;
    assert_eq!(refused.last_status, None);
    assert!(refused.last_error.unwrap().starts_with("could not connect"));
    for endpoint in [redirect, hang, gone] {
        assert_eq!(
            last_attempt(endpoint).await.state,
            DeliveryState::Waiting,
            "retried later"
        );
    }
    assert!(redirecting.received().is_empty() && hanging.received().is_empty());
}

async fn two_servers_sharing_the_database_deliver_each_event_once_and_in_order(backend: Backend) {
    let w = world(backend).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let receiver = Receiver::start().await;
    register(&w, &adam, &receiver, &[EventType::SessionEnded], None).await;
    for n in 0..60 {
        w.plant_session(w.bob, w.acme, after(n)).await;
    }
    w.service
        .terminate_user_sessions(&alice, w.bob, after(100))
        .await
        .unwrap();

    let other = w.another_server(SessionPolicy::default()).await;
    let transport = transport(Duration::from_secs(5));
    let (one, two) = tokio::join!(
        deliver_all(&w.service, &transport, after(101)),
        deliver_all(&other, &transport, after(101)),
    );
    assert_eq!(
        one + two,
        60,
        "each delivery attempted once, by one of them"
    );
    let got = receiver.received();
    assert_eq!(got.len(), 60);
    assert_eq!(
        got.iter().map(|got| &got.id).collect::<HashSet<_>>().len(),
        60
    );
    let sessions: Vec<i64> = got
        .iter()
        .map(|got| got.body["data"]["session_id"].as_i64().unwrap())
        .collect();
    let mut sorted = sessions.clone();
    sorted.sort_unstable();
    assert_eq!(
        sessions, sorted,
        "in the order they were queued: ended together, oldest first"
    );
}

async fn a_bulk_termination_reports_each_ended_session_and_then_itself(backend: Backend) {
    let w = world(backend).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let receiver = Receiver::start().await;
    let endpoint = register(&w, &adam, &receiver, &[], Some("Acme")).await;
    for n in 0..1_500 {
        w.plant_session(w.bob, w.acme, after(n)).await;
    }
    let filter = SessionFilter {
        user: Some(w.bob),
        ..SessionFilter::default()
    };
    let ended = w
        .service
        .terminate_matching(
            &actor(&alice),
            SessionsView::Account(w.acme),
            &filter,
            after(2_000),
        )
        .await
        .unwrap();
    assert_eq!(ended, 1_500);

    let endpoints = w.service.webhook_endpoints(&adam).await.unwrap();
    assert_eq!(endpoints[0].waiting, 1_501);
    let newest = w
        .service
        .webhook_deliveries(&adam, Some(endpoint), PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(newest[0].event_type, "bulk_termination.completed");
    assert!(
        newest[1..]
            .iter()
            .all(|delivery| delivery.event_type == "session.ended")
    );

    let started = std::time::Instant::now();
    deliver_all(&w.service, &transport(Duration::from_secs(5)), after(2_001)).await;
    let took = started.elapsed();
    let got = receiver.received();
    assert_eq!(got.len(), 1_501);
    // A figure for the README, not a limit: one endpoint's deliveries go one after another.
    eprintln!("{backend:?}: 1,501 deliveries to one endpoint in {took:.2?}");
    let completed = &got[1_500].body;
    assert_eq!(completed["type"], "bulk_termination.completed");
    assert_eq!(completed["data"]["expected"], 1_500);
    assert_eq!(completed["data"]["ended"], 1_500);
    assert_eq!(completed["data"]["account_id"], w.acme.0);
    assert_eq!(completed["data"]["actor"]["user_id"], alice.user_id.0);
    let filter = completed["data"]["filter"].as_str().unwrap();
    assert!(
        filter.contains(&format!("of person {}", w.bob.0)),
        "{filter}"
    );
}

async fn endpoints_deliveries_may_not_go_to_are_refused_with_the_reason(backend: Backend) {
    let w = world_with_policy(backend, SessionPolicy::default()).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let all = &EventType::ALL[..];
    let add = async |caller: &Caller,
                     url: &str,
                     events: &[EventType],
                     account: Option<&str>,
                     description: &str| {
        w.service
            .add_webhook_endpoint(
                caller,
                EndpointForm {
                    url,
                    events,
                    account,
                    description,
                },
                T0,
            )
            .await
    };
    let says = |result: Result<_, Error>, words: &str| match result {
        Err(error) => assert!(
            error.to_string().contains(words),
            "{error} should say {words:?}"
        ),
        Ok(made) => panic!("{made:?} was accepted; it should say {words:?}"),
    };
    says(add(&adam, "not a url", all, None, "").await, "is not a URL");
    says(
        add(&adam, "http://hooks.example.com/x", all, None, "").await,
        "use https://",
    );
    says(
        add(&adam, "https://10.1.2.3/x", all, None, "").await,
        "private network",
    );
    says(
        add(&adam, "https://169.254.169.254/latest", all, None, "").await,
        "not an address",
    );
    says(
        add(&adam, "https://[fd00::5]/x", all, None, "").await,
        "private network",
    );
    says(
        add(&adam, "https://u:p@hooks.example.com/x", all, None, "").await,
        "no user name",
    );
    says(
        add(&adam, "https://hooks.invalid/x", all, None, "").await,
        "does not resolve",
    );
    says(
        add(&adam, "http://127.0.0.1:9/x", &[], None, "").await,
        "at least one event",
    );
    says(
        add(&adam, "http://127.0.0.1:9/x", all, Some("Nobody Inc"), "").await,
        "no such account",
    );
    says(
        add(&adam, "http://127.0.0.1:9/x", all, None, &"x".repeat(201)).await,
        "at most 200",
    );
    // Only platform admins: an owner hears only through the admins.
    says(
        add(&alice, "http://127.0.0.1:9/x", all, None, "").await,
        "only platform admins",
    );
    let listing = w.service.webhook_endpoints(&alice).await;
    assert!(matches!(listing, Err(Error::Forbidden(_))), "{listing:?}");
    assert!(
        w.service.webhook_endpoints(&adam).await.unwrap().is_empty(),
        "nothing stored"
    );

    // Private networks, when the operator allows them.
    let lan = SessionPolicy {
        webhooks: WebhookPolicy {
            allow_private_networks: true,
            ..WebhookPolicy::default()
        },
        ..SessionPolicy::default()
    };
    let office = world_with_policy(backend, lan).await;
    let (_, admin) = office.caller("adam@platform.example", T0).await;
    let made = office
        .service
        .add_webhook_endpoint(
            &admin,
            EndpointForm {
                url: "https://10.1.2.3/x",
                events: all,
                account: None,
                description: "office",
            },
            T0,
        )
        .await
        .unwrap();
    assert!(made.secret.expose().starts_with("whsec_"));
}

/// The README's verification snippet, run by Python on a real delivery: it accepts it, and
/// refuses the same delivery with one byte of the body changed.
#[tokio::test]
async fn the_readmes_python_snippet_verifies_a_real_delivery() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let snippet = readme
        .split("<!-- verify-snippet -->\n```python\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README has the snippet");
    let w = world(Backend::Sqlite).await;
    let (_, adam) = w.caller("adam@platform.example", T0).await;
    let receiver = Receiver::start().await;
    let secret = {
        let made = w
            .service
            .add_webhook_endpoint(
                &adam,
                EndpointForm {
                    url: &receiver.url,
                    events: &[EventType::SessionCreated],
                    account: None,
                    description: "",
                },
                T0,
            )
            .await
            .unwrap();
        made.secret.expose().to_owned()
    };
    receiver.set_secret(&secret);
    w.sign_in("bob@acme.example", CHROME_WINDOWS, "81.2.69.142", after(1))
        .await;
    // Signed now: the snippet refuses timestamps more than five minutes off.
    deliver_all(
        &w.service,
        &transport(Duration::from_secs(5)),
        Timestamp::now(),
    )
    .await;
    let got = receiver.received().remove(0);
    assert!(got.signed_correctly);

    let delivery = serde_json::json!({
        "secret": secret,
        "headers": {
            "webhook-id": got.id,
            "webhook-timestamp": got.timestamp.to_string(),
            "webhook-signature": got.signature,
        },
        "body": String::from_utf8(got.raw).unwrap(),
    });
    let file = w.dir.path().join("delivery.json");
    std::fs::write(&file, delivery.to_string()).unwrap();
    let script = format!(
        "{snippet}\nimport json, sys\nd = json.load(open(sys.argv[1]))\n\
         print(verify(d['secret'], d['headers'], d['body'].encode()), \
         verify(d['secret'], d['headers'], d['body'].encode().replace(b'Chrome', b'Chromf')))\n"
    );
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        "True False"
    );
}
