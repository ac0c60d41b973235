//! The one place that authorises and performs actions on sessions.
//!
//! Both faces of Sessionboard — the UI's server functions and the JSON API — call these methods;
//! no rule about who may see or end what lives anywhere else.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::model::{AccountId, SessionId, SessionView, Timestamp, UserId, Viewer};
use crate::password;
use crate::store::{NewSession, PageRequest, Scope, Store};
use crate::token::SessionToken;
use crate::track::Tracker;

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
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(30 * 24 * 3600),
            absolute_lifetime: Duration::from_secs(90 * 24 * 3600),
            touch_interval: Duration::from_secs(60),
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
    pub user_id: UserId,
    pub account_id: AccountId,
}

/// A sign-in attempt, as a device presents it.
pub struct SignIn<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub application: &'a str,
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

/// How many sessions one page of "my sessions" shows.
pub const MY_SESSIONS_PAGE: u32 = 100;

pub struct SessionService {
    store: Arc<dyn Store>,
    tracker: Arc<Tracker>,
    policy: SessionPolicy,
}

impl SessionService {
    pub fn new(store: Arc<dyn Store>, tracker: Arc<Tracker>, policy: SessionPolicy) -> Self {
        Self {
            store,
            tracker,
            policy,
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

    /// Checks email and password and, if they match, creates a session.
    ///
    /// Every failure is the same [`Error::InvalidCredentials`], and an unknown email costs the
    /// same argon2 work as a wrong password, so neither answer nor timing reveals which emails
    /// exist.
    pub async fn sign_in(&self, attempt: SignIn<'_>, now: Timestamp) -> Result<SignedIn> {
        let email = attempt.email.trim();
        if email.is_empty() || email.len() > MAX_EMAIL_BYTES {
            return Err(Error::InvalidCredentials);
        }
        if attempt.password.len() > password::MAX_PASSWORD_BYTES {
            return Err(Error::InvalidCredentials);
        }
        let credentials = self.store.credentials_by_email(email).await?;
        let password_text = attempt.password.to_owned();
        let user_id = match credentials {
            Some(credentials) => {
                let hash = credentials.password_hash;
                let matches = tokio::task::spawn_blocking(move || {
                    password::verify_password(&password_text, &hash)
                })
                .await
                .map_err(|error| Error::Internal(format!("password check: {error}")))?;
                if !matches {
                    return Err(Error::InvalidCredentials);
                }
                credentials.user_id
            }
            None => {
                tokio::task::spawn_blocking(move || password::verify_against_dummy(&password_text))
                    .await
                    .map_err(|error| Error::Internal(format!("password check: {error}")))?;
                return Err(Error::InvalidCredentials);
            }
        };

        let home = self
            .store
            .home_account(user_id)
            .await?
            .ok_or(Error::NoAccount)?;
        let application_id = self
            .store
            .application_by_name(attempt.application)
            .await?
            .ok_or_else(|| {
                Error::Config(format!(
                    "application {:?} is not registered",
                    attempt.application
                ))
            })?;
        let observation =
            self.tracker
                .observe(attempt.ip, attempt.user_agent, home.store_geolocation);
        let token = SessionToken::generate();
        let expires_at = self.policy.expiry(now, now);
        let session_id = self
            .store
            .insert_session(NewSession {
                token_hash: token.hash(),
                user_id,
                account_id: home.account_id,
                application_id,
                observation: &observation,
                created_at: now,
                last_active_at: now,
                expires_at,
            })
            .await?;
        Ok(SignedIn {
            token,
            session_id,
            expires_at,
        })
    }

    /// Turns a presented token into a caller, or [`Error::Unauthenticated`] for anything that is
    /// not a live session: malformed, unknown, expired or terminated.
    ///
    /// This is on every request's path: one indexed read, plus a write at most once per
    /// `touch_interval` per session.
    pub async fn authenticate(&self, token_text: &str, now: Timestamp) -> Result<Caller> {
        let token = SessionToken::parse(token_text).ok_or(Error::Unauthenticated)?;
        let session = self
            .store
            .live_session_by_token(&token.hash(), now)
            .await?
            .ok_or(Error::Unauthenticated)?;
        if now >= session.last_active_at.plus(self.policy.touch_interval) {
            let expires_at = self.policy.expiry(session.created_at, now);
            self.store
                .touch_session(session.id, now, expires_at)
                .await?;
        }
        Ok(Caller {
            session_id: session.id,
            user_id: session.user_id,
            account_id: session.account_id,
        })
    }

    /// Name and account of the signed-in person.
    pub async fn viewer(&self, caller: &Caller) -> Result<Viewer> {
        self.store
            .viewer(caller.user_id, caller.account_id)
            .await?
            .ok_or(Error::Unauthenticated)
    }

    /// The caller's own live sessions across all their accounts, newest first, with the one
    /// they are using marked.
    pub async fn list_my_sessions(
        &self,
        caller: &Caller,
        now: Timestamp,
    ) -> Result<Vec<SessionView>> {
        let page = self
            .store
            .list_live_sessions(
                Scope::User(caller.user_id),
                now,
                PageRequest {
                    after: None,
                    limit: MY_SESSIONS_PAGE,
                },
            )
            .await?;
        Ok(page
            .sessions
            .into_iter()
            .map(|mut session| {
                session.is_current = session.id == caller.session_id;
                session
            })
            .collect())
    }

    /// Ends one of the caller's other sessions. The current session is refused (log out
    /// instead); a session the caller may not see is "not found", whether it exists or not.
    pub async fn terminate_session(
        &self,
        caller: &Caller,
        target: SessionId,
        now: Timestamp,
    ) -> Result<()> {
        if target == caller.session_id {
            return Err(Error::CannotTerminateCurrentSession);
        }
        if self
            .store
            .revoke_session(target, Scope::User(caller.user_id), now)
            .await?
        {
            Ok(())
        } else {
            Err(Error::SessionNotFound)
        }
    }

    /// Logs out: ends the caller's current session.
    pub async fn sign_out(&self, caller: &Caller, now: Timestamp) -> Result<()> {
        self.store
            .revoke_session(caller.session_id, Scope::User(caller.user_id), now)
            .await?;
        Ok(())
    }
}
