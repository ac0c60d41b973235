//! The UI's error type: what a server function can answer, as the browser receives it.
//!
//! Engine errors are mapped here, once; internal detail is logged on the server and never
//! serialised to the client.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum UiError {
    #[error("You are signed out. Please sign in again.")]
    NotSignedIn,
    #[error("The email or password is wrong.")]
    InvalidCredentials,
    #[error(
        "This is the session you are using right now, so it can't be terminated here. \
         To end it, log out instead."
    )]
    CannotTerminateCurrentSession,
    #[error("That session no longer exists, or it isn't one you can manage.")]
    SessionNotFound,
    #[error("That request was not valid: {0}.")]
    InvalidInput(String),
    #[error("You are not allowed to do that: {0}.")]
    Forbidden(String),
    #[error("That person does not exist, or isn't one you can act as.")]
    UserNotFound,
    #[error("You are already acting as someone. Return to your own account first.")]
    AlreadyImpersonating,
    #[error("You are not acting as anyone.")]
    NotImpersonating,
    /// Something named by id that does not exist (any more): a closed account, a retired
    /// application.
    #[error("That {0} does not exist (any more).")]
    NotFound(String),
    /// A change refused because of what else is true: the last owner, the last admin, a used
    /// link. The message says what to do instead.
    #[error("{0}")]
    Refused(String),
    #[error("Too many sign-in attempts. Please wait {0} seconds and try again.")]
    RateLimited(u64),
    #[error("Sessionboard is very busy right now. Please try again in {0} seconds.")]
    Busy(u64),
    #[error("That request was too large.")]
    TooLarge,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// Transport failures: the server unreachable, an unreadable answer.
    #[error("The server could not be reached. Check your connection and try again.")]
    Transport(ServerFnErrorErr),
}

impl FromServerFnError for UiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            // Arguments the server could not decode are the client's mistake, not a transport
            // failure; say so without echoing parser internals.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                Self::InvalidInput("malformed arguments".to_owned())
            }
            // On the server, a body that could not be read or decoded (malformed JSON, or one
            // over the size limit); in the browser the same variant means an unreadable answer.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(why) => {
                if why.contains("length limit exceeded") {
                    Self::TooLarge
                } else {
                    Self::InvalidInput("malformed arguments".to_owned())
                }
            }
            other => return Self::Transport(other),
        };
        // This runs on the server before the function body, inside the request's context;
        // without setting the status here the framework answers 500.
        #[cfg(feature = "ssr")]
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(error.status());
        }
        error
    }
}

impl UiError {
    pub fn message(&self) -> String {
        self.to_string()
    }
}

#[cfg(feature = "ssr")]
impl From<sessionboard::Error> for UiError {
    fn from(error: sessionboard::Error) -> Self {
        use sessionboard::Error;
        // A user without an account, a missing application, a database failure: the operator
        // needs the detail, the user does not.
        if error.is_internal() {
            tracing::error!(error = %error.report(), "request failed");
            return Self::Internal;
        }
        match error {
            Error::InvalidCredentials => Self::InvalidCredentials,
            Error::Unauthenticated => Self::NotSignedIn,
            Error::SessionNotFound => Self::SessionNotFound,
            Error::CannotTerminateCurrentSession => Self::CannotTerminateCurrentSession,
            Error::InvalidInput(what) => Self::InvalidInput(what.to_owned()),
            Error::AlreadyExists(_) => Self::InvalidInput(error.to_string()),
            Error::Forbidden(why) => Self::Forbidden(why.to_owned()),
            Error::UserNotFound => Self::UserNotFound,
            Error::AlreadyImpersonating => Self::AlreadyImpersonating,
            Error::NotImpersonating => Self::NotImpersonating,
            Error::RateLimited(seconds) => Self::RateLimited(seconds),
            Error::Busy(seconds) => Self::Busy(seconds),
            Error::NotFound(what) => Self::NotFound(what.to_owned()),
            Error::WeakPassword(_) | Error::WebhookUrl(_) => Self::InvalidInput(error.to_string()),
            Error::LastOwner
            | Error::LastPlatformAdmin
            | Error::LinkNotValid
            | Error::Conflict(_) => Self::Refused(capitalised(&error.to_string())),
            // `is_internal` above.
            Error::NoAccount
            | Error::Config(_)
            | Error::Database(_)
            | Error::Migration(_)
            | Error::Internal(_) => Self::Internal,
        }
    }
}

/// "An account needs…" from the engine's "an account needs…".
#[cfg(feature = "ssr")]
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

#[cfg(feature = "ssr")]
impl UiError {
    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            Self::NotSignedIn | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::CannotTerminateCurrentSession => StatusCode::CONFLICT,
            Self::SessionNotFound | Self::UserNotFound | Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Refused(_) => StatusCode::CONFLICT,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::AlreadyImpersonating | Self::NotImpersonating => StatusCode::CONFLICT,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::InvalidInput(_) => StatusCode::BAD_REQUEST,
            Self::Internal | Self::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}
