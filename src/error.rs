//! The engine's error type: what went wrong, in domain words.
//!
//! Callers (the UI's server functions, the JSON API) map each variant to a message and a status;
//! `Internal` carries detail for the log only and must never be shown to a user.

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
    /// A session may not terminate itself through the sessions list: that is what logging out
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
    /// A person has no account to sign in to.
    #[error("this user belongs to no account")]
    NoAccount,
    /// Input that can never be valid, e.g. an oversized field.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// Configuration or tracking data could not be loaded.
    #[error("configuration: {0}")]
    Config(String),
    /// The database or another internal part failed. Logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(format!("database: {error}"))
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        Self::Internal(format!("migration: {error}"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
