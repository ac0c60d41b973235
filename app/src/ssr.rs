//! Server-side plumbing for server functions: the engine in context, who is calling, cookies.

use std::net::IpAddr;
use std::sync::Arc;

use cookie::{Cookie, SameSite};
use http::HeaderValue;
use http::header::{SET_COOKIE, USER_AGENT};
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use sessionboard::service::Caller;
use sessionboard::{SessionService, model::Timestamp};

use crate::error::UiError;

/// What the server puts into every server function's context.
#[derive(Clone)]
pub struct AppContext {
    pub service: Arc<SessionService>,
    pub cookies: SessionCookie,
}

/// Who made a request, as the server's authentication middleware found out. Inserted into the
/// request's extensions before any page or server function runs.
#[derive(Clone, Copy, Debug)]
pub struct RequestIdentity {
    /// `None` when there was no session cookie or it did not name a live session.
    pub caller: Option<Caller>,
    /// The client's address, after trusted-proxy headers were applied.
    pub client_ip: IpAddr,
}

/// The session cookie's name and attributes.
#[derive(Clone, Copy, Debug)]
pub struct SessionCookie {
    /// Served over TLS: adds `Secure` and uses the `__Host-` prefix, which browsers only accept
    /// from a secure origin, for the whole host and path `/`.
    pub secure: bool,
    /// How long the browser keeps the cookie; the server decides whether it is still valid.
    pub max_age: std::time::Duration,
}

impl SessionCookie {
    pub fn name(&self) -> &'static str {
        if self.secure {
            "__Host-sessionboard"
        } else {
            "sessionboard"
        }
    }

    /// `Set-Cookie` carrying a new session token.
    pub fn set(&self, token: &str) -> String {
        let max_age = cookie::time::Duration::seconds(
            i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX),
        );
        self.build(token).max_age(max_age).build().to_string()
    }

    /// `Set-Cookie` that makes the browser forget the session.
    pub fn clear(&self) -> String {
        self.build("")
            .max_age(cookie::time::Duration::ZERO)
            .build()
            .to_string()
    }

    fn build<'a>(&self, value: &'a str) -> cookie::CookieBuilder<'a> {
        Cookie::build((self.name(), value))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
    }

    /// The session token in a request's `Cookie` headers, if any.
    pub fn read<'h>(&self, headers: impl Iterator<Item = &'h HeaderValue>) -> Option<String> {
        headers
            .filter_map(|value| value.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|cookie| cookie.name() == self.name())
            .map(|cookie| cookie.value().to_owned())
    }
}

pub fn app_context() -> Result<AppContext, UiError> {
    use_context::<AppContext>().ok_or_else(|| {
        tracing::error!("AppContext missing from the server function's context");
        UiError::Internal
    })
}

fn identity() -> Result<RequestIdentity, UiError> {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<RequestIdentity>().copied())
        .ok_or_else(|| {
            tracing::error!("RequestIdentity missing: is the authentication middleware in place?");
            UiError::Internal
        })
}

/// The signed-in caller, or [`UiError::NotSignedIn`].
pub fn caller() -> Result<Caller, UiError> {
    identity()?.caller.ok_or(UiError::NotSignedIn)
}

pub fn client_ip() -> Result<IpAddr, UiError> {
    Ok(identity()?.client_ip)
}

pub fn user_agent() -> String {
    use_context::<Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(USER_AGENT)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

pub fn now() -> Timestamp {
    Timestamp::now()
}

pub fn set_cookie(value: &str) {
    let response = expect_context::<ResponseOptions>();
    if let Ok(value) = HeaderValue::from_str(value) {
        response.append_header(SET_COOKIE, value);
    }
}

/// Maps an engine error for the client and sets the matching HTTP status.
pub fn fail(error: impl Into<UiError>) -> UiError {
    let error = error.into();
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(error.status());
    }
    error
}
