//! The one place that authorises and performs actions on sessions.
//!
//! Both faces of Sessionboard — the UI's server functions and the JSON API — call these methods;
//! no rule about who may see or end what lives anywhere else.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::access::{self, Principal, Scope};
use crate::cache::{CachePolicy, ValidationCache};
use crate::error::{Error, Result};
use crate::limit::{SignInLimiter, SignInLimits};
use crate::model::{
    AccountId, ApiKeyId, ApiKeyView, ApplicationId, COUNT_CAP, CustomerUser, ImpersonationView,
    Impersonator, LoginOutcome, LoginRecordFilter, LoginRecordView, MAX_PAGE_SIZE,
    MAX_SEARCH_CHARS, MIN_PLATFORM_SEARCH_CHARS, Page, PageRequest, SessionFilter, SessionId,
    SessionView, SessionsPage, SessionsView, Timestamp, UserId, Viewer,
};
use crate::password;
use crate::store::{
    ApiKeyRecord, Invalidation, LiveSession, NewLoginRecord, NewSession, SessionQuery, Store,
};
use crate::token::{ApiKeySecret, SessionToken, TokenHash};
use crate::track::{Observation, Tracker};

/// The application a browser sign-in belongs to.
pub const WEB_APPLICATION: &str = "Web";

/// Longest email address accepted (RFC 5321's path limit).
const MAX_EMAIL_BYTES: usize = 254;

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
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(30 * 24 * 3600),
            absolute_lifetime: Duration::from_secs(90 * 24 * 3600),
            touch_interval: Duration::from_secs(60),
            sign_in_limits: SignInLimits::default(),
            cache: CachePolicy::default(),
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

/// A validated session: the caller, and their name and roles as the JSON API reports them.
#[derive(Clone, Debug)]
pub struct Validated {
    pub caller: Caller,
    pub viewer: Arc<Viewer>,
}

/// What the validation cache keeps per session token.
#[derive(Clone)]
struct CachedSession {
    session: LiveSession,
    /// Loaded when first asked for (the JSON API's validation), not by every page request.
    viewer: Option<Arc<Viewer>>,
}

/// An application authenticated by its API key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiClient {
    pub key_id: ApiKeyId,
    pub application_id: ApplicationId,
    /// A platform-wide key: sees and ends sessions in every account.
    pub is_admin: bool,
}

/// Which application a sign-in is for: by name (the browser's "Web") or, for API clients, the
/// id their key belongs to.
#[derive(Clone, Copy, Debug)]
pub enum Application<'a> {
    Named(&'a str),
    Id(ApplicationId),
}

impl<'a> From<&'a str> for Application<'a> {
    fn from(name: &'a str) -> Self {
        Self::Named(name)
    }
}

/// A sign-in attempt, as a device presents it.
pub struct SignIn<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub application: Application<'a>,
    pub ip: IpAddr,
    pub user_agent: &'a str,
}

/// A new session: the token goes to the device once and is never seen again.
#[derive(Debug)]
pub struct SignedIn {
    pub token: SessionToken,
    pub session_id: SessionId,
    pub expires_at: Timestamp,
}

/// Who tried to sign in, from where: what the sign-in history records.
struct Attempt<'a> {
    email: &'a str,
    user_id: Option<UserId>,
    account_id: Option<AccountId>,
    application_id: ApplicationId,
    observation: &'a Observation,
}

/// How many sessions one page of "my sessions" shows.
pub const MY_SESSIONS_PAGE: u32 = 100;

pub struct SessionService {
    store: Arc<dyn Store>,
    tracker: Arc<Tracker>,
    policy: SessionPolicy,
    sign_in_limiter: SignInLimiter,
    sessions: Arc<ValidationCache<TokenHash, Arc<CachedSession>>>,
    api_keys: Arc<ValidationCache<TokenHash, ApiKeyRecord>>,
    /// Applies other servers' changes to the caches; stopped with the service.
    follower: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for SessionService {
    fn drop(&mut self) {
        if let Some(follower) = &self.follower {
            follower.abort();
        }
    }
}

impl SessionService {
    /// The service over `store`; call inside a Tokio runtime. If the store tells about other
    /// servers' changes, the validation cache starts only once that feed is listening.
    pub fn new(store: Arc<dyn Store>, tracker: Arc<Tracker>, policy: SessionPolicy) -> Self {
        let feed = store.invalidations();
        let alone = feed.is_none();
        let sessions = Arc::new(ValidationCache::new(policy.cache, alone));
        let api_keys = Arc::new(ValidationCache::new(policy.cache, alone));
        let follower = feed.map(|feed| follow(feed, sessions.clone(), api_keys.clone()));
        Self {
            store,
            tracker,
            sign_in_limiter: SignInLimiter::new(policy.sign_in_limits),
            policy,
            sessions,
            api_keys,
            follower,
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

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn tracker(&self) -> &Arc<Tracker> {
        &self.tracker
    }

    pub fn policy(&self) -> SessionPolicy {
        self.policy
    }

    /// Checks email and password and, if they match, creates a session in the user's home
    /// account. Every attempt lands in the sign-in history.
    ///
    /// Every failure is the same [`Error::InvalidCredentials`], and an unknown email costs the
    /// same argon2 work as a wrong password, so neither answer nor timing reveals which emails
    /// exist.
    pub async fn sign_in(&self, attempt: SignIn<'_>, now: Timestamp) -> Result<SignedIn> {
        let email = normalise_email(attempt.email);
        // Before any work: a refused attempt costs no argon2 and writes nothing.
        self.sign_in_limiter
            .check(attempt.ip, &email)
            .map_err(|wait| Error::RateLimited(wait.as_secs().max(1)))?;
        let application_id = self.application_id(attempt.application).await?;
        let known = self.verify_credentials(&email, attempt.password).await?;
        let home = match known {
            Some((user, _)) => self.store.home_account(user).await?,
            None => None,
        };
        let (Some((user_id, true)), Some(home)) = (known, home) else {
            // A known user's account decides whether the attempt's location is kept; attempts
            // on unknown emails belong to no account and are kept whole, as a security record.
            let with_location = home.is_none_or(|home| home.store_geolocation);
            let observation = self
                .tracker
                .observe(attempt.ip, attempt.user_agent, with_location);
            let failure = Attempt {
                email: &email,
                user_id: known.map(|(user, _)| user),
                account_id: home.map(|home| home.account_id),
                application_id,
                observation: &observation,
            };
            self.record_attempt(failure, LoginOutcome::InvalidCredentials, now)
                .await?;
            return Err(match known {
                Some((_, true)) => Error::NoAccount,
                _ => Error::InvalidCredentials,
            });
        };

        self.open_session(&email, user_id, home, application_id, &attempt, now)
            .await
    }

    /// Signs in someone whose identity the caller has already established, without a
    /// password: for single sign-on integrations and for measuring what a sign-in costs
    /// besides the password hash. Never reachable over HTTP.
    pub async fn sign_in_verified(&self, attempt: SignIn<'_>, now: Timestamp) -> Result<SignedIn> {
        let email = normalise_email(attempt.email);
        let application_id = self.application_id(attempt.application).await?;
        let user_id = self
            .store
            .credentials_by_email(&email)
            .await?
            .ok_or(Error::UserNotFound)?
            .user_id;
        let home = self
            .store
            .home_account(user_id)
            .await?
            .ok_or(Error::NoAccount)?;
        self.open_session(&email, user_id, home, application_id, &attempt, now)
            .await
    }

    async fn application_id(&self, application: Application<'_>) -> Result<ApplicationId> {
        match application {
            Application::Id(id) => Ok(id),
            Application::Named(name) => self
                .store
                .application_by_name(name)
                .await?
                .ok_or_else(|| Error::Config(format!("application {name:?} is not registered"))),
        }
    }

    /// Creates the session of a sign-in that succeeded, and records it in the history.
    async fn open_session(
        &self,
        email: &str,
        user_id: UserId,
        home: crate::store::HomeAccount,
        application_id: ApplicationId,
        attempt: &SignIn<'_>,
        now: Timestamp,
    ) -> Result<SignedIn> {
        let observation =
            self.tracker
                .observe(attempt.ip, attempt.user_agent, home.store_geolocation);
        let token = SessionToken::generate();
        let expires_at = self.policy.expiry(now, now);
        let user_name = self.store.user_name(user_id).await?.unwrap_or_default();
        let success = Attempt {
            email,
            user_id: Some(user_id),
            account_id: Some(home.account_id),
            application_id,
            observation: &observation,
        };
        let session_id = self
            .store
            .open_session(
                NewSession {
                    token_hash: token.hash(),
                    user_id,
                    account_id: home.account_id,
                    application_id,
                    observation: &observation,
                    search_text: &search_text(&user_name, email, &observation),
                    created_at: now,
                    last_active_at: now,
                    expires_at,
                },
                login_record(&success, LoginOutcome::Success, now),
            )
            .await?;
        Ok(SignedIn {
            token,
            session_id,
            expires_at,
        })
    }

    /// The user with this email and whether the password is theirs, or `None` for an unknown
    /// email, after the same argon2 work either way.
    async fn verify_credentials(
        &self,
        email: &str,
        password_text: &str,
    ) -> Result<Option<(UserId, bool)>> {
        if email.is_empty()
            || email.len() > MAX_EMAIL_BYTES
            || password_text.len() > password::MAX_PASSWORD_BYTES
        {
            return Ok(None);
        }
        let credentials = self.store.credentials_by_email(email).await?;
        let password_text = password_text.to_owned();
        let matches = tokio::task::spawn_blocking(move || match &credentials {
            Some(credentials) => Some((
                credentials.user_id,
                password::verify_password(&password_text, &credentials.password_hash),
            )),
            None => {
                password::verify_against_dummy(&password_text);
                None
            }
        })
        .await
        .map_err(|error| Error::Internal(format!("password check: {error}")))?;
        Ok(matches)
    }

    async fn record_attempt(
        &self,
        attempt: Attempt<'_>,
        outcome: LoginOutcome,
        now: Timestamp,
    ) -> Result<()> {
        self.store
            .insert_login_record(login_record(&attempt, outcome, now))
            .await
    }

    /// Turns a presented token into a caller, or [`Error::Unauthenticated`] for anything that is
    /// not a live session: malformed, unknown, expired or terminated.
    ///
    /// This is on every request's path: usually answered from the validation cache; otherwise
    /// one indexed read. Plus a write at most once per `touch_interval` per session.
    pub async fn authenticate(&self, token_text: &str, now: Timestamp) -> Result<Caller> {
        let token = SessionToken::parse(token_text).ok_or(Error::Unauthenticated)?;
        let (entry, _) = self.live_session(token.hash(), now).await?;
        Ok(caller_of(&entry.session))
    }

    /// What the JSON API's validation answers: the caller with their name and roles. Cached
    /// like [`Self::authenticate`].
    pub async fn validate(&self, token_text: &str, now: Timestamp) -> Result<Validated> {
        let token = SessionToken::parse(token_text).ok_or(Error::Unauthenticated)?;
        let key = token.hash();
        let (entry, ticket) = self.live_session(key, now).await?;
        let caller = caller_of(&entry.session);
        let viewer = match &entry.viewer {
            Some(viewer) => viewer.clone(),
            None => {
                let viewer = Arc::new(self.viewer(&caller).await?);
                let with_viewer = CachedSession {
                    session: entry.session.clone(),
                    viewer: Some(viewer.clone()),
                };
                self.sessions.insert(ticket, key, Arc::new(with_viewer));
                viewer
            }
        };
        Ok(Validated { caller, viewer })
    }

    /// The live session behind a token hash, from the cache or the database, with its activity
    /// recorded; and the ticket taken before either was read, for re-inserting it changed.
    async fn live_session(
        &self,
        key: TokenHash,
        now: Timestamp,
    ) -> Result<(Arc<CachedSession>, crate::cache::Ticket)> {
        // Before reading anything: an invalidation after this point refuses our inserts, so a
        // row read just before a termination committed cannot be cached past it.
        let ticket = self.sessions.ticket();
        let mut entry = match self
            .sessions
            .get(&key)
            .filter(|entry| now < entry.session.expires_at)
        {
            Some(entry) => entry,
            None => {
                let session = self
                    .store
                    .live_session_by_token(&key, now)
                    .await?
                    .ok_or(Error::Unauthenticated)?;
                let entry = Arc::new(CachedSession {
                    session,
                    viewer: None,
                });
                self.sessions.insert(ticket, key, entry.clone());
                entry
            }
        };
        if now
            >= entry
                .session
                .last_active_at
                .plus(self.policy.touch_interval)
        {
            let expires_at = self.policy.expiry(entry.session.created_at, now);
            self.store
                .touch_session(entry.session.id, now, expires_at)
                .await?;
            let mut session = entry.session.clone();
            session.last_active_at = now;
            session.expires_at = expires_at;
            entry = Arc::new(CachedSession {
                session,
                viewer: entry.viewer.clone(),
            });
            self.sessions.insert(ticket, key, entry.clone());
        }
        Ok((entry, ticket))
    }

    /// What the caller may do: the roles of the person whose eyes they see through.
    async fn principal(&self, caller: &Caller) -> Result<Principal> {
        self.store
            .principal(caller.user_id)
            .await?
            .ok_or(Error::Unauthenticated)
    }

    /// Name, account and roles of the signed-in person, and who is really acting.
    pub async fn viewer(&self, caller: &Caller) -> Result<Viewer> {
        let mut viewer = self
            .store
            .viewer(caller.user_id, caller.account_id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        if let Some(rep) = caller.impersonator {
            viewer.impersonator = Some(Impersonator {
                user_id: rep,
                name: self.store.user_name(rep).await?.unwrap_or_default(),
            });
        }
        Ok(viewer)
    }

    /// A page of live sessions in `view`, filtered; the caller's own session is marked.
    pub async fn list_sessions(
        &self,
        caller: &Caller,
        view: SessionsView,
        filter: &SessionFilter,
        page: PageRequest,
        now: Timestamp,
    ) -> Result<Page<SessionView>> {
        let (scope, query) = self.authorised_query(caller, view, filter).await?;
        let mut page = self
            .store
            .list_live_sessions(scope, &query, now, checked_page(page)?)
            .await?;
        page.items = mark_current(page.items, caller);
        Ok(page)
    }

    /// A page of sessions in `view` with the total count (capped at [`COUNT_CAP`]) and the
    /// server's time: what a sessions table shows.
    pub async fn sessions_page(
        &self,
        caller: &Caller,
        view: SessionsView,
        filter: &SessionFilter,
        page: PageRequest,
        now: Timestamp,
    ) -> Result<SessionsPage> {
        let (scope, query) = self.authorised_query(caller, view, filter).await?;
        let mut page = self.page_in_scope(scope, &query, page, now).await?;
        page.items = mark_current(page.items, caller);
        Ok(page)
    }

    /// One page of live sessions within an already authorised scope, with the capped total.
    async fn page_in_scope(
        &self,
        scope: Scope,
        query: &SessionQuery,
        page: PageRequest,
        now: Timestamp,
    ) -> Result<SessionsPage> {
        let listed = self
            .store
            .list_live_sessions(scope, query, now, checked_page(page)?)
            .await?;
        let total = self
            .store
            .count_live_sessions(scope, query, now, COUNT_CAP)
            .await?;
        Ok(SessionsPage {
            items: listed.items,
            next: listed.next,
            total,
            now,
        })
    }

    /// The scope `view` gives the caller, and the filters as the store takes them.
    async fn authorised_query(
        &self,
        caller: &Caller,
        view: SessionsView,
        filter: &SessionFilter,
    ) -> Result<(Scope, SessionQuery)> {
        let principal = self.principal(caller).await?;
        let scope = access::list_scope(&principal, view)?;
        Ok((scope, session_query(scope, filter)?))
    }

    /// The members of an account, for the account view's user filter.
    pub async fn account_members(
        &self,
        caller: &Caller,
        account: AccountId,
    ) -> Result<Vec<(UserId, String)>> {
        access::list_scope(
            &self.principal(caller).await?,
            SessionsView::Account(account),
        )?;
        self.store.list_members(account).await
    }

    /// Registered applications, for the application filter.
    pub async fn applications(&self) -> Result<Vec<(ApplicationId, String)>> {
        self.store.list_applications().await
    }

    /// Customer users a sales representative may act as, by name or email.
    pub async fn list_customers(&self, caller: &Caller, search: &str) -> Result<Vec<CustomerUser>> {
        if caller.impersonator.is_some() {
            return Err(Error::AlreadyImpersonating);
        }
        if !self.principal(caller).await?.is_sales_rep {
            return Err(Error::Forbidden(
                "only sales representatives act as customers",
            ));
        }
        let search = search.trim();
        if search.chars().count() > MAX_SEARCH_CHARS {
            return Err(Error::InvalidInput("search text is too long"));
        }
        self.store.list_customers(search, 50).await
    }

    /// The caller's own live sessions across all their accounts, newest first (first page).
    pub async fn list_my_sessions(
        &self,
        caller: &Caller,
        now: Timestamp,
    ) -> Result<Vec<SessionView>> {
        let page = PageRequest {
            after: None,
            limit: MY_SESSIONS_PAGE,
        };
        let page = self
            .list_sessions(
                caller,
                SessionsView::Mine,
                &SessionFilter::default(),
                page,
                now,
            )
            .await?;
        Ok(page.items)
    }

    /// Ends a session the caller may manage: their own (but not the current one), any in an
    /// account they own, or any at all for platform admins. A session out of reach is "not
    /// found", whether it exists or not.
    pub async fn terminate_session(
        &self,
        caller: &Caller,
        target: SessionId,
        now: Timestamp,
    ) -> Result<()> {
        if target == caller.session_id {
            return Err(Error::CannotTerminateCurrentSession);
        }
        let owner = self
            .store
            .live_session_owner(target, now)
            .await?
            .ok_or(Error::SessionNotFound)?;
        let principal = self.principal(caller).await?;
        let scope = access::termination_scope(&principal, caller.session_id, target, owner)?;
        self.end_session(target, scope, now).await
    }

    /// Ends a session within `scope` and forgets its cached validation: its very next request
    /// here is refused (other servers hear of it through the store).
    async fn end_session(&self, target: SessionId, scope: Scope, now: Timestamp) -> Result<()> {
        let ended = self
            .store
            .revoke_session(target, scope, now)
            .await?
            .ok_or(Error::SessionNotFound)?;
        self.forget(&[ended]);
        Ok(())
    }

    /// Ends several sessions, each under the same rules as [`Self::terminate_session`]; stops at
    /// the first refusal, having ended those before it.
    pub async fn terminate_sessions(
        &self,
        caller: &Caller,
        targets: &[SessionId],
        now: Timestamp,
    ) -> Result<usize> {
        if targets.len() > MAX_PAGE_SIZE as usize {
            return Err(Error::InvalidInput("too many sessions at once"));
        }
        for target in targets {
            self.terminate_session(caller, *target, now).await?;
        }
        Ok(targets.len())
    }

    /// Ends every session of the caller's but the current one. Returns how many.
    pub async fn terminate_all_other_sessions(
        &self,
        caller: &Caller,
        now: Timestamp,
    ) -> Result<u64> {
        let ended = self
            .store
            .revoke_all_except(caller.user_id, caller.session_id, now)
            .await?;
        self.forget(&ended);
        Ok(ended.len() as u64)
    }

    /// Ends every session of `user` the caller may manage: all their others for themselves, all
    /// of them in accounts the caller owns, everywhere for platform admins. Never the caller's
    /// current session. Returns how many ended.
    pub async fn terminate_user_sessions(
        &self,
        caller: &Caller,
        user: UserId,
        now: Timestamp,
    ) -> Result<u64> {
        if user == caller.user_id {
            return self.terminate_all_other_sessions(caller, now).await;
        }
        let principal = self.principal(caller).await?;
        let owns_any = principal
            .memberships
            .iter()
            .any(|(_, role)| *role == crate::model::Role::Owner);
        if !principal.is_platform_admin && !owns_any {
            return Err(Error::Forbidden(
                "only account owners and admins end other people's sessions",
            ));
        }
        let mut ended = 0;
        if principal.is_platform_admin {
            ended += self
                .end_user_sessions(user, Scope::All, Some(caller.session_id), now)
                .await?;
        } else {
            for (account, role) in &principal.memberships {
                if *role == crate::model::Role::Owner {
                    ended += self
                        .end_user_sessions(
                            user,
                            Scope::Account(*account),
                            Some(caller.session_id),
                            now,
                        )
                        .await?;
                }
            }
        }
        Ok(ended)
    }

    async fn end_user_sessions(
        &self,
        user: UserId,
        scope: Scope,
        keep: Option<SessionId>,
        now: Timestamp,
    ) -> Result<u64> {
        let ended = self
            .store
            .revoke_user_sessions(user, scope, keep, now)
            .await?;
        self.forget(&ended);
        Ok(ended.len() as u64)
    }

    /// A page of sessions across all accounts, for a platform-wide API key (no user session).
    pub async fn platform_sessions_page(
        &self,
        client: &ApiClient,
        filter: &SessionFilter,
        page: PageRequest,
        now: Timestamp,
    ) -> Result<SessionsPage> {
        access::may_act_platform_wide(client.is_admin)?;
        let query = session_query(Scope::All, filter)?;
        self.page_in_scope(Scope::All, &query, page, now).await
    }

    /// Ends any live session, for a platform-wide API key.
    pub async fn platform_terminate_session(
        &self,
        client: &ApiClient,
        target: SessionId,
        now: Timestamp,
    ) -> Result<()> {
        access::may_act_platform_wide(client.is_admin)?;
        self.end_session(target, Scope::All, now).await
    }

    /// Ends every live session of a user, for a platform-wide API key.
    pub async fn platform_terminate_user_sessions(
        &self,
        client: &ApiClient,
        user: UserId,
        now: Timestamp,
    ) -> Result<u64> {
        access::may_act_platform_wide(client.is_admin)?;
        self.end_user_sessions(user, Scope::All, None, now).await
    }

    /// Logs out: ends the caller's current session (and any impersonation it was doing).
    pub async fn sign_out(&self, caller: &Caller, now: Timestamp) -> Result<()> {
        let owner = caller.impersonator.unwrap_or(caller.user_id);
        match self
            .end_session(caller.session_id, Scope::User(owner), now)
            .await
        {
            // Already ended elsewhere: logging out has nothing left to do.
            Ok(()) | Err(Error::SessionNotFound) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// A sales representative starts acting as a customer user in one of that user's accounts.
    pub async fn start_impersonation(
        &self,
        caller: &Caller,
        target_user: UserId,
        target_account: AccountId,
        now: Timestamp,
    ) -> Result<()> {
        if caller.impersonator.is_some() {
            return Err(Error::AlreadyImpersonating);
        }
        let rep = self.principal(caller).await?;
        let target = self
            .store
            .principal(target_user)
            .await?
            .ok_or(Error::UserNotFound)?;
        access::may_impersonate(&rep, &target, target_account)?;
        let (_, changed) = self
            .store
            .start_impersonation(
                caller.session_id,
                caller.user_id,
                target_user,
                target_account,
                now,
            )
            .await?;
        // The session now validates as the customer: its cached answer is stale.
        self.forget(&[changed]);
        Ok(())
    }

    /// Returns the representative to their own session.
    pub async fn end_impersonation(&self, caller: &Caller, now: Timestamp) -> Result<()> {
        if caller.impersonator.is_none() {
            return Err(Error::NotImpersonating);
        }
        if let Some(changed) = self.store.end_impersonation(caller.session_id, now).await? {
            self.forget(&[changed]);
        }
        Ok(())
    }

    /// The impersonation audit log, newest first. Platform admins only — and never while acting
    /// as someone (the principal is then the customer).
    pub async fn list_impersonations(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<ImpersonationView>> {
        access::may_read_audit_log(&self.principal(caller).await?)?;
        self.store.list_impersonations(checked_page(page)?).await
    }

    /// Sign-in history in `view`, newest first.
    pub async fn list_login_records(
        &self,
        caller: &Caller,
        view: SessionsView,
        filter: &LoginRecordFilter,
        page: PageRequest,
    ) -> Result<Page<LoginRecordView>> {
        let principal = self.principal(caller).await?;
        let scope = access::list_scope(&principal, view)?;
        if let (Some(from), Some(until)) = (filter.from, filter.until)
            && from >= until
        {
            return Err(Error::InvalidInput("the date range ends before it starts"));
        }
        self.store
            .list_login_records(scope, filter, checked_page(page)?)
            .await
    }

    /// Turns "store geolocation information" on or off for an account. Only sessions created
    /// afterwards are affected: existing ones keep what they recorded.
    pub async fn set_store_geolocation(
        &self,
        caller: &Caller,
        account: AccountId,
        on: bool,
    ) -> Result<()> {
        access::may_manage_account(&self.principal(caller).await?, account)?;
        if self.store.set_store_geolocation(account, on).await? {
            Ok(())
        } else {
            Err(Error::Forbidden("no such account"))
        }
    }

    /// Whether an account stores geolocation (for its settings page).
    pub async fn store_geolocation(&self, caller: &Caller, account: AccountId) -> Result<bool> {
        access::may_manage_account(&self.principal(caller).await?, account)?;
        Ok(self
            .store
            .account_settings(account)
            .await?
            .is_some_and(|settings| settings.store_geolocation))
    }

    /// Creates an API key for a registered application. The secret is returned once and never
    /// stored. An operator's action (the `api-key` command), not a request's.
    pub async fn create_api_key(
        &self,
        application: &str,
        is_admin: bool,
        label: &str,
        now: Timestamp,
    ) -> Result<(ApiKeyId, ApiKeySecret)> {
        let application_id = self
            .store
            .application_by_name(application)
            .await?
            .ok_or(Error::InvalidInput("no application by that name"))?;
        let secret = ApiKeySecret::generate();
        let id = self
            .store
            .insert_api_key(application_id, &secret.hash(), is_admin, label, now)
            .await?;
        Ok((id, secret))
    }

    /// Revokes an API key: its application's next request is refused.
    pub async fn revoke_api_key(&self, id: ApiKeyId, now: Timestamp) -> Result<()> {
        let revoked = self
            .store
            .revoke_api_key(id, now)
            .await?
            .ok_or(Error::InvalidInput("no live API key with that id"))?;
        self.forget(&[revoked]);
        Ok(())
    }

    /// API keys for the admin page. Platform admins only.
    pub async fn list_api_keys(&self, caller: &Caller) -> Result<Vec<ApiKeyView>> {
        access::may_manage_api_keys(&self.principal(caller).await?)?;
        self.store.list_api_keys().await
    }

    /// Creates a key from the admin page. Platform admins only; the secret is shown once.
    pub async fn create_api_key_as(
        &self,
        caller: &Caller,
        application: &str,
        is_admin: bool,
        label: &str,
        now: Timestamp,
    ) -> Result<(ApiKeyId, ApiKeySecret)> {
        access::may_manage_api_keys(&self.principal(caller).await?)?;
        if label.chars().count() > 200 {
            return Err(Error::InvalidInput("the label is too long"));
        }
        self.create_api_key(application, is_admin, label, now).await
    }

    /// Revokes a key from the admin page. Platform admins only.
    pub async fn revoke_api_key_as(
        &self,
        caller: &Caller,
        id: ApiKeyId,
        now: Timestamp,
    ) -> Result<()> {
        access::may_manage_api_keys(&self.principal(caller).await?)?;
        self.revoke_api_key(id, now).await
    }

    /// The application behind a presented API key, or [`Error::Unauthenticated`].
    pub async fn authenticate_api_key(&self, secret: &str) -> Result<ApiClient> {
        let secret = ApiKeySecret::parse(secret).ok_or(Error::Unauthenticated)?;
        let hash = secret.hash();
        let ticket = self.api_keys.ticket();
        let key = match self.api_keys.get(&hash) {
            Some(key) => key,
            None => {
                let key = self
                    .store
                    .api_key_by_hash(&hash)
                    .await?
                    .ok_or(Error::Unauthenticated)?;
                self.api_keys.insert(ticket, hash, key);
                key
            }
        };
        Ok(ApiClient {
            key_id: key.id,
            application_id: key.application_id,
            is_admin: key.is_admin,
        })
    }

    /// Whether this server can serve requests: its database answers.
    pub async fn ready(&self) -> Result<()> {
        self.store.ping().await
    }

    /// Deletes sessions that expired or ended more than `retention` ago. For the background
    /// job; returns how many rows went.
    pub async fn purge_expired(&self, now: Timestamp, retention: Duration) -> Result<u64> {
        self.sign_in_limiter.forget_idle();
        self.store.purge_sessions(now.minus(retention)).await
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

/// The sign-in history's record of an attempt (a successful one gets its session's id from
/// the store).
fn login_record<'a>(
    attempt: &Attempt<'a>,
    outcome: LoginOutcome,
    now: Timestamp,
) -> NewLoginRecord<'a> {
    NewLoginRecord {
        at: now,
        user_id: attempt.user_id,
        account_id: attempt.account_id,
        email: &attempt.email[..attempt.email.floor_char_boundary(MAX_EMAIL_BYTES)],
        application_id: attempt.application_id,
        observation: attempt.observation,
        outcome,
        session_id: None,
    }
}

fn caller_of(session: &LiveSession) -> Caller {
    match session.acting {
        Some(acting) => Caller {
            session_id: session.id,
            user_id: acting.user_id,
            account_id: acting.account_id,
            application_id: session.application_id,
            expires_at: session.expires_at,
            impersonator: Some(session.user_id),
        },
        None => Caller {
            session_id: session.id,
            user_id: session.user_id,
            account_id: session.account_id,
            application_id: session.application_id,
            expires_at: session.expires_at,
            impersonator: None,
        },
    }
}

/// Lower-cased, trimmed: emails are stored and compared this way.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The text the search box matches for a session.
pub fn search_text(user_name: &str, email: &str, observation: &Observation) -> String {
    let device = &observation.device;
    format!(
        "{user_name} {email} {} {} {} {} {}",
        device.os_label(),
        device.browser_label(),
        device.model.as_deref().unwrap_or(""),
        observation.location.label(),
        observation.ip,
    )
    .to_lowercase()
}

fn mark_current(mut sessions: Vec<SessionView>, caller: &Caller) -> Vec<SessionView> {
    for session in &mut sessions {
        session.is_current = session.id == caller.session_id;
    }
    sessions
}

fn checked_page(page: PageRequest) -> Result<PageRequest> {
    if page.limit == 0 || page.limit > MAX_PAGE_SIZE {
        return Err(Error::InvalidInput("page size must be between 1 and 200"));
    }
    Ok(page)
}

fn session_query(scope: Scope, filter: &SessionFilter) -> Result<SessionQuery> {
    let search = match filter.search.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(term) => {
            let chars = term.chars().count();
            if chars > MAX_SEARCH_CHARS {
                return Err(Error::InvalidInput("search text is too long"));
            }
            if scope == Scope::All && chars < MIN_PLATFORM_SEARCH_CHARS {
                return Err(Error::InvalidInput(
                    "searching all accounts needs at least 3 characters",
                ));
            }
            Some(term.to_lowercase())
        }
    };
    Ok(SessionQuery {
        user: filter.user,
        application: filter.application,
        account: filter.account,
        search,
        oldest_first: filter.oldest_first,
    })
}
