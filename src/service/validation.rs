//! Validation: turning a presented token or API key into a caller, on every request's path.

use std::sync::Arc;

use super::{ApiClient, Caller, SessionService};
use crate::access;
use crate::error::{Error, Result};
use crate::model::{Impersonator, Timestamp, Viewer};
use crate::store::LiveSession;
use crate::token::{ApiKeySecret, SessionToken, TokenHash};

/// A validated session: the caller, and their name and roles as the JSON API reports them.
#[derive(Clone, Debug)]
pub struct Validated {
    pub caller: Caller,
    pub viewer: Arc<Viewer>,
}

/// What the validation cache keeps per session token.
#[derive(Clone)]
pub(super) struct CachedSession {
    session: LiveSession,
    /// Loaded when first asked for (the JSON API's validation), not by every page request.
    viewer: Option<Arc<Viewer>>,
}

impl SessionService {
    /// Turns a presented token into a caller, or [`Error::Unauthenticated`] for anything that is
    /// not a live session: malformed, unknown, expired or terminated.
    ///
    /// This is on every request's path: usually answered from the validation cache; otherwise
    /// one indexed read. Plus a write at most once per `touch_interval` per session.
    pub async fn authenticate(&self, token_text: &str, now: Timestamp) -> Result<Caller> {
        self.caller(token_text, None, now).await
    }

    /// A device's session as an application presents it: [`Self::authenticate`], and the
    /// token must be good at that application ([`access::may_use_token`]).
    pub async fn authenticate_device(
        &self,
        client: &ApiClient,
        token_text: &str,
        now: Timestamp,
    ) -> Result<Caller> {
        self.caller(token_text, Some(client), now).await
    }

    /// The caller behind a presented token, as [`Self::live_session`] finds it.
    async fn caller(
        &self,
        token_text: &str,
        client: Option<&ApiClient>,
        now: Timestamp,
    ) -> Result<Caller> {
        let token = SessionToken::parse(token_text).ok_or(Error::Unauthenticated)?;
        let (entry, _) = self.live_session(token.hash(), client, now).await?;
        Ok(caller_of(&entry.session))
    }

    /// What the JSON API's validation answers: the device's caller (as
    /// [`Self::authenticate_device`]) with their name and roles. Cached like
    /// [`Self::authenticate`].
    pub async fn validate(
        &self,
        client: &ApiClient,
        token_text: &str,
        now: Timestamp,
    ) -> Result<Validated> {
        let token = SessionToken::parse(token_text).ok_or(Error::Unauthenticated)?;
        let key = token.hash();
        let (entry, ticket) = self.live_session(key, Some(client), now).await?;
        let caller = caller_of(&entry.session);
        let viewer = match &entry.viewer {
            Some(viewer) => viewer.clone(),
            None => {
                let viewer = Arc::new(self.viewer(&caller).await?);
                let with_viewer = CachedSession {
                    session: entry.session.clone(),
                    viewer: Some(viewer.clone()),
                };
                self.sessions.update(ticket, key, Arc::new(with_viewer));
                viewer
            }
        };
        Ok(Validated { caller, viewer })
    }

    /// The live session behind a token hash, from the cache or the database, with its activity
    /// recorded and any overdue acting ended; and the ticket taken before either was read, for re-inserting it changed.
    /// Presented by an application (`client`), the token must be good there
    /// ([`access::may_use_token`]), checked before the activity is recorded: an application
    /// holding another's token cannot keep that session alive.
    async fn live_session(
        &self,
        key: TokenHash,
        client: Option<&ApiClient>,
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
        if let Some(client) = client {
            access::may_use_token(
                entry.session.application_id,
                client.application_id,
                client.powers.platform_wide,
            )?;
        }
        if now
            >= entry
                .session
                .last_active_at
                .plus(self.policy.touch_interval)
        {
            let expires_at = self.policy.expiry(entry.session.created_at, now);
            let live = self
                .store
                .touch_session(entry.session.id, now, expires_at)
                .await?;
            if !live {
                // Ended where this server did not hear of it (another process, a lost
                // notification, a change made in the database): it ends here, now.
                self.sessions.invalidate([&key]);
                return Err(Error::Unauthenticated);
            }
            let mut session = entry.session.clone();
            session.last_active_at = now;
            session.expires_at = expires_at;
            entry = Arc::new(CachedSession {
                session,
                viewer: entry.viewer.clone(),
            });
            self.sessions.update(ticket, key, entry.clone());
        }
        let entry = self.within_acting_limit(entry, now).await?;
        Ok((entry, ticket))
    }

    /// `entry`, or, once its acting has outlasted the policy, the same session in its
    /// representative's own eyes (see `end_overdue_acting`), without the cached viewer, which
    /// was the customer's. Every caller is made from an entry that passed here (in
    /// `live_session`), cached or just read; while the time is not up it costs one comparison.
    async fn within_acting_limit(
        &self,
        entry: Arc<CachedSession>,
        now: Timestamp,
    ) -> Result<Arc<CachedSession>> {
        Ok(match self.end_overdue_acting(&entry.session, now).await? {
            Some(session) => Arc::new(CachedSession {
                session,
                viewer: None,
            }),
            None => entry,
        })
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
            powers: key.powers,
        })
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
