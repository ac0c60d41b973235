//! Signing in: checking a password, opening a session, and the login records every attempt
//! leaves (the sign-in history).

use std::net::IpAddr;

use super::SessionService;
use super::{Caller, checked_page};
use crate::access;
use crate::error::{Error, Result};
use crate::limit::{self, Channel};
use crate::model::{
    AccountId, ApplicationId, LoginOutcome, LoginRecordFilter, LoginRecordView, Page, PageRequest,
    SessionId, SessionsView, Timestamp, UserId,
};
use crate::password;
use crate::store::{AccountSettings, Credentials, NewLoginRecord, NewSession, Recall};
use crate::token::SessionToken;
use crate::track::Observation;
use crate::track::flags;

/// The application a browser sign-in belongs to.
pub const WEB_APPLICATION: &str = "Web";

/// Longest email address accepted (RFC 5321's path limit).
pub(super) const MAX_EMAIL_BYTES: usize = 254;

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
    /// Where the attempt came in: the web app and each API key spend from budgets of their
    /// own (see [`crate::limit`]).
    pub channel: Channel,
}

/// A new session: the token goes to the device once and is never seen again.
#[derive(Debug)]
pub struct SignedIn {
    pub token: SessionToken,
    pub session_id: SessionId,
    pub expires_at: Timestamp,
}

/// Whom a successful sign-in is for: their (normalised) email, and the password hash it was
/// checked against, if any.
pub(super) struct Who<'a> {
    pub(super) email: &'a str,
    pub(super) user_id: UserId,
    pub(super) checked_hash: Option<&'a str>,
}

/// Who tried to sign in, from where: what the sign-in history records.
pub(super) struct Attempt<'a> {
    pub(super) email: &'a str,
    pub(super) user_id: Option<UserId>,
    pub(super) account_id: Option<AccountId>,
    pub(super) application_id: ApplicationId,
    pub(super) observation: &'a Observation,
}

impl SessionService {
    /// Checks email and password and, if they match, creates a session in the user's home
    /// account. Every attempt lands in the sign-in history.
    ///
    /// A wrong password and an unknown email are the same [`Error::InvalidCredentials`], and
    /// an unknown email costs the same argon2 work as a wrong password, so neither answer nor
    /// timing reveals which emails exist. (A known user without an account gets the same
    /// refusal; the log says why.) The argon2 work waits its turn in the password queue, and
    /// in a storm is refused with [`Error::Busy`].
    pub async fn sign_in(&self, attempt: SignIn<'_>, now: Timestamp) -> Result<SignedIn> {
        // Before anything else: an oversized email is never copied, hashed or looked up, and
        // one with control characters (which PostgreSQL cannot even store) never reaches it.
        if attempt.email.trim().len() > MAX_EMAIL_BYTES {
            return Err(Error::InvalidInput("the email address is too long"));
        }
        if attempt.email.chars().any(char::is_control) {
            return Err(Error::InvalidInput(
                "the email address has control characters",
            ));
        }
        let email = normalise_email(attempt.email);
        // Before any work: a refused attempt costs no argon2 and writes nothing.
        self.sign_in_limiter
            .spend(attempt.channel, attempt.ip, &email)
            .await?;
        let application_id = self.application_id(attempt.application).await?;
        // An account that keeps failing waits longer each time, also before any argon2 work.
        limit::wait_after_failures(self.store.as_ref(), &email, application_id, attempt.ip, now)
            .await?;
        let known = self.verify_credentials(&email, attempt.password).await?;
        let home = known.as_ref().and_then(|(credentials, _)| credentials.home);
        let (Some((credentials, true)), Some(home)) = (&known, home) else {
            // A known user's account decides whether the attempt's location is kept; attempts
            // on unknown emails belong to no account and are kept whole, as a security record.
            let with_location = home.is_none_or(|home| home.store_geolocation);
            let observation = self
                .tracker
                .observe(attempt.ip, attempt.user_agent, with_location);
            let failure = Attempt {
                email: &email,
                user_id: known.as_ref().map(|(credentials, _)| credentials.user_id),
                account_id: home.map(|home| home.account_id),
                application_id,
                observation: &observation,
            };
            self.record_attempt(failure, LoginOutcome::InvalidCredentials, now)
                .await?;
            if let Some((credentials, true)) = &known {
                // The directory's fault, not the person's; they get the same answer as anyone
                // refused, and the operator the detail.
                tracing::warn!(user = credentials.user_id.0, "{}", Error::NoAccount);
            }
            return Err(Error::InvalidCredentials);
        };

        // The session opens only if the password just checked is still theirs: a reset or
        // change committed meanwhile (the check takes a while) refuses it.
        let who = Who {
            email: &email,
            user_id: credentials.user_id,
            checked_hash: Some(&credentials.password_hash),
        };
        self.open_session(who, home, application_id, device(&attempt), now)
            .await
    }

    /// A sign-in without a password, for the [`super::Operator`].
    pub(super) async fn sign_in_verified(
        &self,
        attempt: SignIn<'_>,
        now: Timestamp,
    ) -> Result<SignedIn> {
        let email = normalise_email(attempt.email);
        let application_id = self.application_id(attempt.application).await?;
        let credentials = self
            .store
            .credentials_by_email(&email)
            .await?
            .ok_or(Error::UserNotFound)?;
        let (user_id, home) = (
            credentials.user_id,
            credentials.home.ok_or(Error::NoAccount)?,
        );
        let who = Who {
            email: &email,
            user_id,
            checked_hash: None,
        };
        self.open_session(who, home, application_id, device(&attempt), now)
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
    pub(super) async fn open_session(
        &self,
        who: Who<'_>,
        home: AccountSettings,
        application_id: ApplicationId,
        (ip, user_agent): (IpAddr, &str),
        now: Timestamp,
    ) -> Result<SignedIn> {
        let Who {
            email,
            user_id,
            checked_hash,
        } = who;
        let observation = self.tracker.observe(ip, user_agent, home.store_geolocation);
        let token = SessionToken::generate();
        let expires_at = self.policy.expiry(now, now);
        // Compared with what the store remembers of them (one row), not with their sessions.
        // Nobody found opens no session either (the store's checks refuse it).
        let Recall { name, memory } = self
            .store
            .sign_in_recall(user_id, now.minus(flags::MEMORY))
            .await?
            .unwrap_or_default();
        let flags = flags::flags(
            &memory,
            flags::Origin {
                device: &observation.device,
                location: &observation.location,
                coordinates: observation.coordinates,
                at: now,
            },
        );
        let success = Attempt {
            email,
            user_id: Some(user_id),
            account_id: Some(home.account_id),
            application_id,
            observation: &observation,
        };
        let alert = self.policy.alert_mails;
        let session_id = self
            .store
            .open_session(
                NewSession {
                    token_hash: token.hash(),
                    user_id,
                    account_id: home.account_id,
                    application_id,
                    observation: &observation,
                    search_text: &search_text(&name, email, &observation),
                    created_at: now,
                    last_active_at: now,
                    expires_at,
                    flags: &flags,
                    alert: alert && flags.any(),
                    forgotten: &memory.forgotten,
                },
                login_record(&success, LoginOutcome::Success, now),
                checked_hash,
            )
            .await?;
        if alert && flags.any() {
            // Committed: the sender may take it now rather than at its next look.
            self.alerts_due.notify_one();
        }
        Ok(SignedIn {
            token,
            session_id,
            expires_at,
        })
    }

    /// The user with this email (and their home account) and whether the password is theirs,
    /// or `None` for an unknown email, after the same argon2 work either way.
    async fn verify_credentials(
        &self,
        email: &str,
        password_text: &str,
    ) -> Result<Option<(Credentials, bool)>> {
        if email.is_empty()
            || email.len() > MAX_EMAIL_BYTES
            || password_text.len() > password::MAX_PASSWORD_BYTES
        {
            return Ok(None);
        }
        let credentials = self.store.credentials_by_email(email).await?;
        let password_text = password_text.to_owned();
        self.passwords
            .run(move || match credentials {
                Some(credentials) => {
                    let matches =
                        password::verify_password(&password_text, &credentials.password_hash);
                    Some((credentials, matches))
                }
                None => {
                    password::verify_against_dummy(&password_text);
                    None
                }
            })
            .await
    }

    pub(super) async fn record_attempt(
        &self,
        attempt: Attempt<'_>,
        outcome: LoginOutcome,
        now: Timestamp,
    ) -> Result<()> {
        self.store
            .insert_login_record(login_record(&attempt, outcome, now))
            .await
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

/// The device an attempt came from: its address and user agent.
fn device<'a>(attempt: &SignIn<'a>) -> (IpAddr, &'a str) {
    (attempt.ip, attempt.user_agent)
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
