//! The one place that authorises and performs actions on sessions.
//!
//! Both faces of Sessionboard — the UI's server functions and the JSON API — call
//! [`SessionService`]; every public method takes who is asking (a [`Caller`], or an
//! [`ApiClient`] for a platform-wide key) and asks `access` what that caller may do. The few
//! entry points that have no caller (the command line, the background purge, seeding,
//! measuring) live on [`Operator`], which only [`start`] hands out, to startup code.
//!
//! One file per use case, each an `impl SessionService` block: `sign_in`, `validation`,
//! `sessions`, `impersonation`, `administration` (settings, API keys), `setup` (the first
//! admin), `accounts` (accounts, members, representatives), `people`, `applications`,
//! `passwords`, `changes` (the audit log of them all), `import` (people from a CSV file),
//! `directory_sync` (a product's accounts and people by its own ids), `trusted` (sign-in
//! without a password, and sign-in links, for a product that keeps its own);
//! `operator` for the operator's handle.

mod accounts;
mod administration;
mod alerts;
mod applications;
mod changes;
mod directory_sync;
mod impersonation;
mod import;
mod notices;
mod operator;
mod passwords;
mod people;
mod sessions;
mod setup;
mod sign_in;
mod trusted;
mod validation;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

pub use crate::limit::Channel;
pub use accounts::{Added, MAX_JOB_LABEL_CHARS, NewMember};
pub use alerts::{ALERT_POLL, REPORT_LINK_LIFETIME, alert_mail, backoff, spawn_alert_sender};
pub use changes::Actor;
pub use directory_sync::{
    AccountState, AccountStatus, MAX_EXTERNAL_ID_CHARS, Outcome, PersonState, PersonStatus,
    SyncedAccount, SyncedMembership, SyncedPerson,
};
pub use import::{BadRow, Counts, ImportError, ImportReport};
pub use operator::Operator;
pub use passwords::PASSWORD_LINK_LIFETIME;
pub use people::PlatformRoles;
pub use sessions::{BULK_BATCH, BulkTermination, MY_SESSIONS_PAGE};
pub use setup::{FirstAdmin, MAX_NAME_CHARS, MIN_PASSWORD_CHARS, NewPerson};
pub use sign_in::{Application, SignIn, SignedIn, WEB_APPLICATION, normalise_email, search_text};
pub use trusted::{
    DEFAULT_LINK_PAGE, LinkSignIn, PersonRef, SIGN_IN_LINK_LIFETIME, SignInLink, TrustedSignIn,
};
pub use validation::Validated;
pub use webhooks::{
    EndpointForm, GIVE_UP_AFTER, WEBHOOK_POLL, WebhookPolicy, judge, spawn_webhook_sender,
};

use crate::access::Principal;
use crate::cache::{CachePolicy, ValidationCache};
use crate::error::{Error, Result};
use crate::limit::{FORGET_IDLE_EVERY, SignInLimiter, SignInLimits, spawn_forgetting};
use crate::model::{
    AccountId, ApiKeyId, ApplicationId, KeyPowers, MAX_PAGE_SIZE, PageRequest, SessionId,
    Timestamp, UserId,
};
use crate::password_queue::{PasswordQueue, PasswordQueuePolicy};
use crate::store::{ApiKeyRecord, Invalidation, Store};
use crate::token::TokenHash;
use crate::track::Tracker;
use validation::CachedSession;

/// How long sessions live, and how often their activity is written down.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    /// A session unused this long expires.
    pub idle_timeout: Duration,
    /// A session expires this long after sign-in, however active.
    pub absolute_lifetime: Duration,
    /// Activity is recorded at most this often per session, so that validating a token is
    /// usually a read, not a write.
    pub touch_interval: Duration,
    pub sign_in_limits: SignInLimits,
    /// How long validation answers may be served from memory (see [`crate::cache`]).
    pub cache: CachePolicy,
    /// A sales representative acts as a customer at most this long; the session's next request
    /// after that is the representative's own again (see `validation.rs`).
    pub impersonation_max: Duration,
    /// How many password checks run at once and wait (see [`crate::password_queue`]).
    pub password_checks: PasswordQueuePolicy,
    /// Whether flagged sign-ins queue an alert mail: an SMTP server is configured and a
    /// sender runs (see `alerts.rs`).
    pub alert_mails: bool,
    /// Where webhooks may be delivered and how long a receiver has (see `webhooks.rs`).
    pub webhooks: WebhookPolicy,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(30 * 24 * 3600),
            absolute_lifetime: Duration::from_secs(90 * 24 * 3600),
            touch_interval: Duration::from_secs(60),
            sign_in_limits: SignInLimits::default(),
            cache: CachePolicy::default(),
            impersonation_max: Duration::from_secs(3600),
            password_checks: PasswordQueuePolicy::default(),
            alert_mails: false,
            webhooks: WebhookPolicy::default(),
        }
    }
}

impl SessionPolicy {
    /// When a session last active at `last_active` expires.
    pub fn expiry(&self, created_at: Timestamp, last_active: Timestamp) -> Timestamp {
        last_active
            .plus(self.idle_timeout)
            .min(created_at.plus(self.absolute_lifetime))
    }
}

/// Who is making a request: established by [`SessionService::authenticate`] and passed to every
/// other method. Holds no secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub session_id: SessionId,
    /// Whose eyes the request sees through: the signed-in user, or, while a sales
    /// representative acts as a customer, that customer.
    pub user_id: UserId,
    pub account_id: AccountId,
    pub application_id: ApplicationId,
    pub expires_at: Timestamp,
    /// The sales representative really at the keyboard, while impersonating.
    pub impersonator: Option<UserId>,
}

/// An application authenticated by its API key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiClient {
    pub key_id: ApiKeyId,
    pub application_id: ApplicationId,
    /// What the key may do beyond its own devices' sessions.
    pub powers: KeyPowers,
}

/// Builds the service and its operator's handle over `store`; call inside a Tokio runtime.
/// Request handlers get the service; only startup code and the command line keep the
/// [`Operator`].
pub fn start(
    store: Arc<dyn Store>,
    tracker: Arc<Tracker>,
    policy: SessionPolicy,
) -> (Arc<SessionService>, Operator) {
    let service = Arc::new(SessionService::new(store, tracker, policy));
    (service.clone(), Operator::new(service))
}

pub struct SessionService {
    store: Arc<dyn Store>,
    tracker: Arc<Tracker>,
    policy: SessionPolicy,
    sign_in_limiter: Arc<SignInLimiter>,
    /// Drops idle sign-in budgets every minute; stopped with the service.
    forgetting: tokio::task::JoinHandle<()>,
    passwords: PasswordQueue,
    sessions: Arc<ValidationCache<TokenHash, Arc<CachedSession>>>,
    api_keys: Arc<ValidationCache<TokenHash, ApiKeyRecord>>,
    /// Applies other servers' changes to the caches; stopped with the service.
    follower: Option<tokio::task::JoinHandle<()>>,
    /// Wakes the alert sender when a sign-in here queued an alert.
    alerts_due: Arc<tokio::sync::Notify>,
}

impl Drop for SessionService {
    fn drop(&mut self) {
        if let Some(follower) = &self.follower {
            follower.abort();
        }
        self.forgetting.abort();
    }
}

impl SessionService {
    /// If the store tells about other servers' changes, the validation cache starts only once
    /// that feed is listening.
    fn new(store: Arc<dyn Store>, tracker: Arc<Tracker>, policy: SessionPolicy) -> Self {
        let feed = store.invalidations();
        let alone = feed.is_none();
        let sessions = Arc::new(ValidationCache::new(policy.cache, alone));
        let api_keys = Arc::new(ValidationCache::new(policy.cache, alone));
        let follower = feed.map(|feed| follow(feed, sessions.clone(), api_keys.clone()));
        let sign_in_limiter = Arc::new(SignInLimiter::new(policy.sign_in_limits, &store));
        let forgetting = spawn_forgetting(sign_in_limiter.clone(), FORGET_IDLE_EVERY);
        Self {
            store,
            tracker,
            sign_in_limiter,
            forgetting,
            passwords: PasswordQueue::new(policy.password_checks),
            policy,
            sessions,
            api_keys,
            follower,
            alerts_due: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Whether validation answers are being served from memory right now (false while the
    /// invalidation feed of a shared database is down).
    pub fn is_caching(&self) -> bool {
        self.sessions.is_enabled()
    }

    /// Forgets cached answers for these tokens or keys: after a change to them committed.
    fn forget(&self, changed: &[TokenHash]) {
        if !changed.is_empty() {
            self.sessions.invalidate(changed);
            self.api_keys.invalidate(changed);
        }
    }

    /// What the caller may do: the roles of the person whose eyes they see through.
    async fn principal(&self, caller: &Caller) -> Result<Principal> {
        self.store
            .principal(caller.user_id)
            .await?
            .ok_or(Error::Unauthenticated)
    }
}

/// Applies the store's news of other servers' changes to the caches, for as long as it comes.
fn follow(
    mut feed: tokio::sync::mpsc::Receiver<Invalidation>,
    sessions: Arc<ValidationCache<TokenHash, Arc<CachedSession>>>,
    api_keys: Arc<ValidationCache<TokenHash, ApiKeyRecord>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(event) = feed.recv().await {
            match event {
                Invalidation::Listening => {
                    sessions.resume();
                    api_keys.resume();
                }
                Invalidation::Lost => {
                    sessions.suspend();
                    api_keys.suspend();
                }
                Invalidation::Tokens(changed) => {
                    sessions.invalidate(&changed);
                    api_keys.invalidate(&changed);
                }
                Invalidation::Everything => {
                    sessions.invalidate_all();
                    api_keys.invalidate_all();
                }
            }
        }
    })
}

/// Free text from a person (a search, a label, an email): refused when longer than `max_chars`
/// or when it holds control characters, which nobody types and PostgreSQL cannot even store
/// (NUL). Refused here, before any database sees it.
fn checked_text<'a>(text: &'a str, max_chars: usize, too_long: &'static str) -> Result<&'a str> {
    if text.chars().any(char::is_control) {
        return Err(Error::InvalidInput(
            "text must not contain control characters",
        ));
    }
    if text.chars().count() > max_chars {
        return Err(Error::InvalidInput(too_long));
    }
    Ok(text)
}

fn checked_page(page: PageRequest) -> Result<PageRequest> {
    if page.limit == 0 || page.limit > MAX_PAGE_SIZE {
        return Err(Error::InvalidInput("page size must be between 1 and 200"));
    }
    Ok(page)
}
