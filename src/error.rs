//! The engine's error type: what went wrong, in domain words.
//!
//! Callers (the UI's server functions, the JSON API) map each variant to a message and a status
//! once, at their edge. Whether an error is the caller's business or the operator's is decided
//! here, by [`Error::is_internal`]: internal errors carry detail (and their cause, as
//! [`std::error::Error::source`]) for the log only, and must never be shown to a user.

/// Everything the session engine can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Email or password wrong, or the user unknown. Deliberately one error for all three, so a
    /// sign-in form cannot be used to find out which emails exist.
    #[error("the email or password is wrong")]
    InvalidCredentials,
    /// No session, a malformed or unknown token, or a session that expired or was terminated.
    #[error("not signed in")]
    Unauthenticated,
    /// The session asked for does not exist, or the caller may not see it. One error for both, so
    /// ids of other people's sessions cannot be probed.
    #[error("no such session")]
    SessionNotFound,
    /// A session may not terminate itself through the sessions list: that is what signing out
    /// is for.
    #[error("this is the session you are using; log out instead")]
    CannotTerminateCurrentSession,
    /// The caller's role does not allow this action at all (e.g. an employee asking for the
    /// account owner's view). Distinct from `SessionNotFound`, which hides other people's data.
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    /// A person to act as, or to filter by, does not exist or is out of reach.
    #[error("no such user")]
    UserNotFound,
    /// Impersonation while already impersonating: end the current one first.
    #[error("already acting as another user")]
    AlreadyImpersonating,
    /// Ending an impersonation that is not happening.
    #[error("not acting as another user")]
    NotImpersonating,
    /// Too many sign-in attempts from this address or for this email; try again after the
    /// given number of seconds.
    #[error("too many sign-in attempts; try again in {0} seconds")]
    RateLimited(u64),
    /// The server is at capacity for this kind of work (password checks in a sign-in storm);
    /// try again after the given number of seconds. Refused before it costs memory.
    #[error("the server is busy; try again in {0} seconds")]
    Busy(u64),
    /// Input that can never be valid, e.g. an oversized field.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// Something that must be unique already exists (the database's unique constraint said
    /// so), e.g. a second user with the same email.
    #[error("{0} already exists")]
    AlreadyExists(&'static str),
    /// An account or application that does not exist, or was closed or retired: administration
    /// names things by id, and a stale page or a typed URL may name one that is gone.
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The request is well formed but the directory's state refuses it: a deactivated person
    /// signed in by an application, a closed account asked to be open again, a person who is
    /// not a member of the account named.
    #[error("{0}")]
    Conflict(&'static str),
    /// The change would leave an account without an owner, and so nobody who may manage its
    /// members: make someone else an owner first.
    #[error("an account needs at least one owner; make someone else an owner first")]
    LastOwner,
    /// The change would leave the platform without an active admin, and so nobody who may
    /// manage it: make someone else a platform admin first.
    #[error("the platform needs at least one active admin; make someone else an admin first")]
    LastPlatformAdmin,
    /// A set-password or sign-in link that is unknown, expired, replaced or already used. One
    /// error for all: nothing tells them apart for the person holding it.
    #[error("this link is not valid: it has expired or was already used; ask for a new one")]
    LinkNotValid,
    /// A new password that is too easy to guess, with the reason to show the person.
    #[error("this password is too easy to guess: {0}")]
    WeakPassword(String),
    /// A webhook endpoint's URL that deliveries may not go to, with the reason to show the
    /// admin (not a URL, not https, a private address, a host that does not resolve).
    #[error("webhook URL: {0}")]
    WebhookUrl(String),
    /// A person has no account to sign in to: the directory is inconsistent.
    #[error("this user belongs to no account")]
    NoAccount,
    /// Configuration or tracking data could not be loaded.
    #[error("configuration: {0}")]
    Config(String),
    /// The database failed. Keeps sqlx's error as its source.
    #[error("database")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("migration")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Another internal part failed (hashing, a task that panicked).
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Whether this is the operator's problem rather than the caller's: logged with its cause,
    /// answered with a bare "internal error".
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Self::NoAccount
                | Self::Config(_)
                | Self::Database(_)
                | Self::Migration(_)
                | Self::Internal(_)
        )
    }

    /// The message and its causes, one after another: for the log.
    pub fn report(&self) -> String {
        let mut report = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(error) = cause {
            let text = error.to_string();
            // sqlx's error repeats its database error's message; say it once.
            if !report.ends_with(&text) {
                report.push_str(": ");
                report.push_str(&text);
            }
            cause = error.source();
        }
        report
    }

    /// Turns a unique-constraint violation into [`Error::AlreadyExists`] naming `what`; any
    /// other error stays as it is.
    pub(crate) fn unique(what: &'static str) -> impl FnOnce(Self) -> Self {
        move |error| match &error {
            Self::Database(sqlx::Error::Database(database)) if database.is_unique_violation() => {
                Self::AlreadyExists(what)
            }
            _ => error,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
