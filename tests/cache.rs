//! The validation cache against real databases: a cached session dies with its termination, on
//! the terminating server at once and on other servers through PostgreSQL's LISTEN/NOTIFY (or,
//! without it, within the TTL), and a validation racing a termination cannot resurrect it.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use common::{Backend, CHROME_WINDOWS, Database, T0, world, world_with_policy};
use sessionboard::access::{Principal, SessionOwner};
use sessionboard::cache::CachePolicy;
use sessionboard::model::*;
use sessionboard::service::{SessionPolicy, SessionService};
use sessionboard::store::*;
use sessionboard::token::{ApiKeySecret, TokenHash};
use sessionboard::{Error, Result};
use tokio::sync::{Notify, oneshot};

on_every_store!(
    a_cached_session_is_refused_on_the_next_request_after_termination,
    a_validation_racing_a_termination_cannot_resurrect_the_session,
    another_server_refuses_a_terminated_session,
    a_revoked_api_key_is_refused_at_once,
    starting_to_act_as_someone_shows_on_the_next_validation,
    a_session_ended_unannounced_is_refused_at_its_next_activity_write,
    a_cached_answer_never_outlives_its_ttl_however_often_it_is_used,
);

const LONG: Duration = Duration::from_secs(3600);

fn policy_with_ttl(ttl: Duration) -> SessionPolicy {
    SessionPolicy {
        cache: CachePolicy {
            ttl,
            capacity: 1000,
        },
        ..SessionPolicy::default()
    }
}

/// Waits (up to `limit`) for a service whose store has an invalidation feed to be listening.
async fn until_caching(service: &SessionService) {
    eventually(Duration::from_secs(10), async || service.is_caching()).await;
}

/// Polls `condition` until it holds; returns how long that took. Fails the test after `limit`.
async fn eventually(limit: Duration, condition: impl AsyncFn() -> bool) -> Duration {
    let start = Instant::now();
    while !condition().await {
        assert!(
            start.elapsed() < limit,
            "condition not met within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    start.elapsed()
}

async fn a_cached_session_is_refused_on_the_next_request_after_termination(backend: Backend) {
    let w = world_with_policy(backend, policy_with_ttl(LONG)).await;
    until_caching(&w.service).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let phone = w
        .sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.9", T0)
        .await;
    // Validate twice: the second answer comes from the cache.
    for _ in 0..2 {
        w.service
            .authenticate(phone.token.as_str(), T0)
            .await
            .unwrap();
    }
    w.service
        .terminate_session(&alice, phone.session_id, T0)
        .await
        .unwrap();
    assert!(matches!(
        w.service.authenticate(phone.token.as_str(), T0).await,
        Err(Error::Unauthenticated)
    ));
    assert!(matches!(
        w.service
            .validate(&w.web_client(), phone.token.as_str(), T0)
            .await,
        Err(Error::Unauthenticated)
    ));
}

async fn a_validation_racing_a_termination_cannot_resurrect_the_session(backend: Backend) {
    let w = world(backend).await;
    let gate = Arc::new(Gate::new(w.database.open().await));
    let (server, _) = sessionboard::service::start(
        gate.clone(),
        w.operator.tracker().clone(),
        policy_with_ttl(LONG),
    );
    until_caching(&server).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let (phone, laptop) = (
        w.sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.9", T0)
            .await,
        w.sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.10", T0)
            .await,
    );

    // Control: an undisturbed validation fills the cache (the second one reads nothing).
    server
        .authenticate(laptop.token.as_str(), T0)
        .await
        .unwrap();
    let reads = gate.reads();
    server
        .authenticate(laptop.token.as_str(), T0)
        .await
        .unwrap();
    assert_eq!(
        gate.reads(),
        reads,
        "the second validation is served from memory"
    );

    // The race: a validation reads the live row, and before it can cache what it read, the
    // session is terminated (committed, and forgotten by this server's cache).
    let (read_done, release) = gate.hold_next_read();
    let racer = server.clone();
    let token = phone.token.as_str().to_owned();
    let validation = tokio::spawn(async move { racer.authenticate(&token, T0).await });
    read_done.await.unwrap();
    server
        .terminate_session(&alice, phone.session_id, T0)
        .await
        .unwrap();
    release.notify_one();
    // It read a live row, so it may answer "live": it overlapped the termination.
    let _ = validation.await.unwrap();

    // But what it read must not outlive the termination.
    let reads = gate.reads();
    assert!(matches!(
        server.authenticate(phone.token.as_str(), T0).await,
        Err(Error::Unauthenticated)
    ));
    assert_eq!(
        gate.reads(),
        reads + 1,
        "the database, not the cache, answered"
    );
}

async fn another_server_refuses_a_terminated_session(backend: Backend) {
    let w = world(backend).await;
    let (_, alice) = w.caller("alice@acme.example", T0).await;
    let phone = w
        .sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.9", T0)
        .await;
    // With PostgreSQL the other server hears of the termination, so a long TTL must not
    // matter. SQLite has nobody to tell: there the TTL is the bound.
    let ttl = match backend {
        Backend::Postgres => LONG,
        Backend::Sqlite => Duration::from_millis(300),
    };
    let other = w.another_server(policy_with_ttl(ttl)).await;
    until_caching(&other).await;
    other.authenticate(phone.token.as_str(), T0).await.unwrap();
    assert!(other.authenticate(phone.token.as_str(), T0).await.is_ok());

    w.service
        .terminate_session(&alice, phone.session_id, T0)
        .await
        .unwrap();
    let took = eventually(Duration::from_secs(10), async || {
        other.authenticate(phone.token.as_str(), T0).await.is_err()
    })
    .await;
    eprintln!("{backend:?}: the other server refused the session after {took:?}");
    if backend == Backend::Postgres {
        // Now lose a termination's news: end a session behind the listeners' backs, then cut
        // the other server's listening connection. It must stop trusting its cache at once.
        let tablet = w
            .sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.11", T0)
            .await;
        other.authenticate(tablet.token.as_str(), T0).await.unwrap();
        let Database::Postgres(options) = &w.database else {
            unreachable!()
        };
        let admin = PostgresStore::connect_with((**options).clone())
            .await
            .unwrap();
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2")
            .bind(T0.0)
            .bind(tablet.session_id.0)
            .execute(admin.pool())
            .await
            .unwrap();
        assert!(
            other.authenticate(tablet.token.as_str(), T0).await.is_ok(),
            "unannounced, the change is not yet seen (the cache answers)"
        );
        let killed: Vec<(bool,)> = sqlx::query_as(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        )
        .bind(sessionboard::store::postgres::listen::listener_name(
            options,
        ))
        .fetch_all(admin.pool())
        .await
        .unwrap();
        assert!(!killed.is_empty(), "found the listeners' connections");
        eventually(Duration::from_secs(10), async || {
            other.authenticate(tablet.token.as_str(), T0).await.is_err()
        })
        .await;
        // And it reconnects and caches again.
        until_caching(&other).await;
    }
}

/// Ends a session in the database without telling any server: what another process, a lost
/// notification or an operator's own UPDATE does.
async fn end_unannounced(database: &Database, session: SessionId) {
    match database {
        Database::Sqlite(path) => {
            let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            sqlx::query("UPDATE sessions SET revoked_at = ? WHERE id = ?")
                .bind(T0.0)
                .bind(session.0)
                .execute(&pool)
                .await
                .unwrap();
        }
        Database::Postgres(options) => {
            let pool = sqlx::PgPool::connect_with((**options).clone())
                .await
                .unwrap();
            sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2")
                .bind(T0.0)
                .bind(session.0)
                .execute(&pool)
                .await
                .unwrap();
        }
    }
}

async fn a_session_ended_unannounced_is_refused_at_its_next_activity_write(backend: Backend) {
    let w = world_with_policy(backend, policy_with_ttl(LONG)).await;
    until_caching(&w.service).await;
    let phone = w
        .sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.9", T0)
        .await;
    let token = phone.token.as_str();
    w.service.authenticate(token, T0).await.unwrap();
    end_unannounced(&w.database, phone.session_id).await;

    let touch_due = T0.plus(SessionPolicy::default().touch_interval);
    assert!(
        matches!(
            w.service.authenticate(token, touch_due).await,
            Err(Error::Unauthenticated)
        ),
        "the activity write finds the session ended and ends it here too"
    );
    assert!(
        w.service.authenticate(token, T0).await.is_err(),
        "and it is gone from the cache"
    );
}

async fn a_cached_answer_never_outlives_its_ttl_however_often_it_is_used(backend: Backend) {
    let ttl = Duration::from_millis(1000);
    let w = world_with_policy(backend, policy_with_ttl(ttl)).await;
    until_caching(&w.service).await;
    let phone = w
        .sign_in("alice@acme.example", CHROME_WINDOWS, "192.0.2.9", T0)
        .await;
    let token = phone.token.as_str();
    w.service.authenticate(token, T0).await.unwrap();
    tokio::time::sleep(ttl * 6 / 10).await;
    // The activity write falls due and succeeds; the entry it puts back keeps its first
    // answer's age.
    let touch_due = T0.plus(SessionPolicy::default().touch_interval);
    w.service.authenticate(token, touch_due).await.unwrap();
    end_unannounced(&w.database, phone.session_id).await;
    tokio::time::sleep(ttl * 5 / 10).await;
    assert!(
        w.service.authenticate(token, touch_due).await.is_err(),
        "{ttl:?} after the session was read, the cache no longer vouches for it"
    );
}

async fn a_revoked_api_key_is_refused_at_once(backend: Backend) {
    let w = world_with_policy(backend, policy_with_ttl(LONG)).await;
    until_caching(&w.service).await;
    let (id, secret): (ApiKeyId, ApiKeySecret) = w
        .operator
        .create_api_key("iOS app", KeyPowers::APPLICATION, "test", T0)
        .await
        .unwrap();
    for _ in 0..2 {
        w.service
            .authenticate_api_key(&secret.reveal())
            .await
            .unwrap();
    }
    w.operator.revoke_api_key(id, T0).await.unwrap();
    assert!(matches!(
        w.service.authenticate_api_key(&secret.reveal()).await,
        Err(Error::Unauthenticated)
    ));
}

async fn starting_to_act_as_someone_shows_on_the_next_validation(backend: Backend) {
    let w = world_with_policy(backend, policy_with_ttl(LONG)).await;
    until_caching(&w.service).await;
    let (signed_in, rita) = w.caller("rita@sales.example", T0).await;
    let token = signed_in.token.as_str();
    let before = w
        .service
        .validate(&w.web_client(), token, T0)
        .await
        .unwrap();
    assert_eq!(before.caller.user_id, w.rita);
    w.service
        .start_impersonation(&rita, w.bob, w.acme, T0)
        .await
        .unwrap();
    let acting = w
        .service
        .validate(&w.web_client(), token, T0)
        .await
        .unwrap();
    assert_eq!(acting.caller.user_id, w.bob);
    assert_eq!(acting.viewer.name, "Bob Baker");
    w.service
        .end_impersonation(&acting.caller, T0)
        .await
        .unwrap();
    let after = w
        .service
        .validate(&w.web_client(), token, T0)
        .await
        .unwrap();
    assert_eq!(after.caller.user_id, w.rita);
    assert_eq!(after.viewer.name, "Rita Rep");
}

/// A real store whose token lookups can be held between reading the row and returning it: the
/// moment a validation has read a live row but not yet cached it.
struct Gate {
    inner: Arc<dyn Store>,
    reads: AtomicUsize,
    hold: std::sync::Mutex<Option<(oneshot::Sender<()>, Arc<Notify>)>>,
}

impl Gate {
    fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            reads: AtomicUsize::new(0),
            hold: std::sync::Mutex::new(None),
        }
    }

    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }

    /// The next token lookup signals once it has read its row, then waits for the release.
    fn hold_next_read(&self) -> (oneshot::Receiver<()>, Arc<Notify>) {
        let (read_done, on_read) = oneshot::channel();
        let release = Arc::new(Notify::new());
        *self.hold.lock().unwrap() = Some((read_done, release.clone()));
        (on_read, release)
    }
}

impl Gate {
    async fn lookup(&self, token: &TokenHash, now: Timestamp) -> Result<Option<LiveSession>> {
        let row = self.inner.live_session_by_token(token, now).await;
        self.reads.fetch_add(1, Ordering::SeqCst);
        let hold = self.hold.lock().unwrap().take();
        if let Some((read_done, release)) = hold {
            let _ = read_done.send(());
            release.notified().await;
        }
        row
    }
}

/// Each store trait, delegated to the real store; `$extra` holds the methods the gate
/// changes. (A macro, so that `async_trait` sees the generated methods.)
macro_rules! delegate {
    ($trait:ident { $($extra:tt)* } $($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        #[async_trait]
        impl $trait for Gate {
            $($extra)*

            $(
                async fn $name(&self, $($arg: $ty),*) -> Result<$ret> {
                    self.inner.$name($($arg),*).await
                }
            )*
        }
    };
}

delegate! {
    Store {
        fn invalidations(&self) -> Option<tokio::sync::mpsc::Receiver<Invalidation>> {
            self.inner.invalidations()
        }
    }
    migrate() -> ();
    ping() -> ();
}

delegate! {
    SessionStore {
        // The token lookup goes through the gate.
        async fn live_session_by_token(
            &self,
            token: &TokenHash,
            now: Timestamp,
        ) -> Result<Option<LiveSession>> {
            self.lookup(token, now).await
        }
    }
    insert_session(session: NewSession<'_>) -> SessionId;
    sign_in_recall(user: UserId, since: Timestamp) -> Option<sessionboard::store::Recall>;
    unanswered_flagged_sessions(user: UserId, except: SessionId, now: Timestamp) -> Vec<SessionView>;
    acknowledge_session(user: UserId, id: SessionId, now: Timestamp) -> bool;
    open_session(
        session: NewSession<'_>,
        record: NewLoginRecord<'_>,
        checked_hash: Option<&str>
    ) -> SessionId;
    live_session_owner(id: SessionId, now: Timestamp) -> Option<SessionOwner>;
    touch_session(id: SessionId, now: Timestamp, expires_at: Timestamp) -> bool;
    list_live_sessions(
        scope: Scope,
        query: &SessionQuery,
        now: Timestamp,
        page: PageRequest
    ) -> Page<SessionView>;
    count_live_sessions(scope: Scope, query: &SessionQuery, now: Timestamp, cap: u32) -> u64;
    terminate_session(
        id: SessionId,
        scope: Scope,
        end: SessionEnd,
        now: Timestamp
    ) -> Option<TokenHash>;
    terminate_all_except(
        user: UserId,
        keep: SessionId,
        end: SessionEnd,
        now: Timestamp
    ) -> Vec<TokenHash>;
    terminate_user_sessions(
        user: UserId,
        scope: Scope,
        keep: Option<SessionId>,
        end: SessionEnd,
        now: Timestamp
    ) -> Vec<TokenHash>;
    begin_bulk_termination(record: &ChangeRecord, expected: u64) -> BulkTerminationId;
    finish_bulk_termination(
        job: BulkTerminationId,
        error: Option<&str>,
        now: Timestamp
    ) -> ();
    bulk_termination(job: BulkTerminationId, started_by: UserId) -> Option<BulkProgress>;
    terminate_matching(
        job: BulkTerminationId,
        scope: Scope,
        query: &SessionQuery,
        end: SessionEnd,
        now: Timestamp,
        batch: u32
    ) -> Vec<TokenHash>;
    list_ended_sessions(
        scope: Scope,
        query: &EndedQuery,
        now: Timestamp,
        page: PageRequest
    ) -> Page<EndedSessionView>;
    purge_sessions(before: Timestamp) -> u64;
}

delegate! {
    AlertStore {}
    claim_alerts(now: Timestamp, lease_until: Timestamp, limit: u32) -> Vec<ClaimedAlert>;
    finish_alert(alert: ClaimedAlert, outcome: AlertOutcome, now: Timestamp) -> ();
    alert_subject(session: SessionId) -> Option<AlertSubject>;
    insert_report_link(
        token: &TokenHash,
        session: SessionId,
        user: UserId,
        expires_at: Timestamp,
        now: Timestamp
    ) -> ();
    take_report_link(token: &TokenHash, now: Timestamp) -> Option<(SessionId, UserId)>;
    alert_mails(user: UserId) -> bool;
    set_alert_mails(user: UserId, on: bool) -> ();
}

delegate! {
    WebhookStore {}
    add_webhook_endpoint(endpoint: EndpointToAdd<'_>) -> WebhookEndpointId;
    list_webhook_endpoints() -> Vec<WebhookEndpointView>;
    delete_webhook_endpoint(endpoint: WebhookEndpointId) -> bool;
    resume_webhook_endpoint(endpoint: WebhookEndpointId, now: Timestamp) -> bool;
    list_webhook_deliveries(
        endpoint: Option<WebhookEndpointId>,
        page: PageRequest
    ) -> Page<WebhookDeliveryView>;
    resend_webhook_delivery(delivery: WebhookDeliveryId, now: Timestamp) -> bool;
    claim_webhook_deliveries(now: Timestamp, lease_until: Timestamp) -> Vec<ClaimedDelivery>;
    finish_webhook_delivery(
        delivery: &ClaimedDelivery,
        attempt: Attempt,
        outcome: DeliveryOutcome
    ) -> ();
}

delegate! {
    DirectoryStore {}
    credentials_by_email(email: &str) -> Option<Credentials>;
    account_settings(account: AccountId) -> Option<AccountSettings>;
    set_store_geolocation(account: AccountId, on: bool) -> bool;
    application_by_name(name: &str) -> Option<ApplicationId>;
    principal(user: UserId) -> Option<Principal>;
    viewer(user: UserId, account: AccountId) -> Option<Viewer>;
    user_name(user: UserId) -> Option<String>;
    list_customers(rep: UserId, search: &str, limit: u32) -> Vec<CustomerUser>;
    list_members(account: AccountId) -> Vec<(UserId, String)>;
    list_applications() -> Vec<(ApplicationId, String)>;
    is_empty() -> bool;
    insert_account(name: &str, store_geolocation: bool, now: Timestamp) -> AccountId;
    insert_user(user: NewUser<'_>, now: Timestamp) -> UserId;
    insert_membership(user: UserId, account: AccountId, role: Role, job_label: &str) -> ();
    insert_rep_assignment(rep: UserId, account: AccountId) -> ();
    insert_application(name: &str, now: Timestamp) -> ApplicationId;
    insert_owner(
        user: NewUser<'_>,
        account: &str,
        setup_token: Option<&TokenHash>,
        now: Timestamp
    ) -> Option<(UserId, AccountId)>;
    replace_setup_token(hash: &TokenHash, now: Timestamp) -> ();
    has_setup_token(hash: &TokenHash) -> bool;
}

delegate! {
    AdministrationStore {}
    apply_change(change: DirectoryChange<'_>, record: ChangeRecord) -> Applied;
    list_accounts(search: &str, page: PageRequest) -> Page<AccountView>;
    account_name(account: AccountId) -> Option<String>;
    account_by_name(name: &str) -> Option<AccountId>;
    membership(user: UserId, account: AccountId) -> Option<(Role, String)>;
    list_people(search: &str, page: PageRequest) -> Page<PersonView>;
    person(user: UserId) -> Option<PersonView>;
    person_by_email(email: &str) -> Option<PersonView>;
    list_account_members(account: AccountId, now: Timestamp) -> Vec<MemberView>;
    list_live_applications() -> Vec<ApplicationView>;
    password_hash(user: UserId) -> Option<String>;
    password_link_holder(token: &TokenHash, now: Timestamp) -> Option<PasswordLinkHolder>;
    list_changes(scope: Scope, filter: &ChangeFilter, page: PageRequest) -> Page<ChangeView>;
    account_by_external_id(external_id: &str) -> Option<ExternalAccount>;
    person_by_external_id(external_id: &str) -> Option<PersonView>;
    insert_sign_in_link(link: NewSignInLink<'_>) -> ();
    take_sign_in_link(token: &TokenHash, now: Timestamp) -> Option<SignInLinkGrant>;
    purge_sign_in_links(before: Timestamp) -> u64;
}

delegate! {
    LimitStore {
        fn shares_sign_in_budgets(&self) -> bool {
            self.inner.shares_sign_in_budgets()
        }
    }
    spend_sign_in_budget(
        bucket: &[u8],
        per_minute: std::num::NonZeroU32
    ) -> Option<Duration>;
    forget_idle_sign_in_budgets() -> u64;
    recent_failures(
        email: &str,
        application: ApplicationId,
        client: std::net::IpAddr,
        since: Timestamp
    ) -> RecentFailures;
}

delegate! {
    AuditStore {}
    insert_login_record(record: NewLoginRecord<'_>) -> ();
    list_login_records(
        scope: Scope,
        filter: &LoginRecordFilter,
        page: PageRequest
    ) -> Page<LoginRecordView>;
    start_impersonation(
        session: SessionId,
        impersonator: UserId,
        target_user: UserId,
        target_account: AccountId,
        now: Timestamp
    ) -> (ImpersonationId, TokenHash);
    end_impersonation(session: SessionId, now: Timestamp) -> Option<TokenHash>;
    list_impersonations(page: PageRequest) -> Page<ImpersonationView>;
    list_acting_on(user: UserId, page: PageRequest) -> Page<ImpersonationView>;
    show_acting(account: AccountId) -> Option<bool>;
    set_show_acting(account: AccountId, on: bool) -> bool;
    expire_impersonation(
        session: SessionId,
        impersonation: ImpersonationId,
        ended_at: Timestamp
    ) -> Option<TokenHash>;
    insert_acting_action(action: NewActingAction<'_>) -> ();
    list_acting_actions(page: PageRequest) -> Page<ActingActionView>;
}

delegate! {
    ApiKeyStore {}
    insert_api_key(
        application: ApplicationId,
        key_hash: &TokenHash,
        powers: KeyPowers,
        label: &str,
        now: Timestamp
    ) -> ApiKeyId;
    api_key_by_hash(key_hash: &TokenHash) -> Option<ApiKeyRecord>;
    revoke_api_key(id: ApiKeyId, now: Timestamp) -> Option<TokenHash>;
    list_api_keys() -> Vec<ApiKeyView>;
}
