//! Server-side plumbing for server functions and pages: the engine in context, who is calling,
//! cookies, the page's Content-Security-Policy.

use std::net::IpAddr;
use std::sync::Arc;

use cookie::{Cookie, SameSite};
use http::HeaderValue;
use http::header::{CONTENT_SECURITY_POLICY, SET_COOKIE, USER_AGENT};
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
    /// The browser reached us over https: the public URL is https, or a trusted proxy said so.
    /// Its session cookie is then `Secure` and `__Host-` prefixed ([`SessionCookie::over`]).
    pub secure: bool,
}

/// The session cookie's name and attributes.
#[derive(Clone, Copy, Debug)]
pub struct SessionCookie {
    /// Served over TLS: adds `Secure` and uses the `__Host-` prefix, which browsers only accept
    /// from a secure origin, for the whole host and path `/`. At startup: whether the public
    /// URL is https; per request, [`SessionCookie::over`] adds what a trusted proxy says.
    pub secure: bool,
    /// How long the browser keeps the cookie; the server decides whether it is still valid.
    pub max_age: std::time::Duration,
}

impl SessionCookie {
    /// The cookie as the browser of a request that came over https (or not) holds it. The
    /// browser keeps the name it was given, so reading, setting and clearing all go through
    /// this with the same request's `RequestIdentity::secure`. Over https only the `__Host-`
    /// name is read: a cookie without the prefix could have been planted over plain http.
    pub fn over(self, https: bool) -> Self {
        Self {
            secure: self.secure || https,
            ..self
        }
    }

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

/// The session cookie as this request's browser holds it (see [`SessionCookie::over`]).
pub fn session_cookie() -> Result<SessionCookie, UiError> {
    let https = identity()?.secure;
    Ok(app_context()?.cookies.over(https))
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

/// The signed-in caller and their address, for changes the audit log records.
pub fn actor() -> Result<sessionboard::service::Actor, UiError> {
    let identity = identity()?;
    Ok(sessionboard::service::Actor {
        caller: identity.caller.ok_or(UiError::NotSignedIn)?,
        ip: identity.client_ip,
    })
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

/// A password sign-in as this browser makes it: for the web application, from the request's
/// address and user agent, spending the web's sign-in budgets.
pub fn browser_sign_in<'a>(
    email: &'a str,
    password: &'a str,
    user_agent: &'a str,
) -> Result<sessionboard::service::SignIn<'a>, UiError> {
    use sessionboard::service::{Channel, SignIn, WEB_APPLICATION};
    Ok(SignIn {
        email,
        password,
        application: WEB_APPLICATION.into(),
        ip: client_ip()?,
        user_agent,
        channel: Channel::Web,
    })
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

/// Sends the page's Content-Security-Policy. Called by `shell`, so every page has one: it
/// names the nonce Leptos generated for this response and wrote on every inline script it
/// renders (the hydration loader, resolved data), so no other inline script runs.
pub fn send_content_security_policy() {
    let (Some(nonce), Some(response)) =
        (leptos::nonce::use_nonce(), use_context::<ResponseOptions>())
    else {
        // leptos_axum provides both for every page. Without them the server's default policy
        // applies, which lets the page load nothing: broken loudly rather than unprotected.
        tracing::error!("no nonce or ResponseOptions while rendering a page");
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// What a page may load: its own scripts, styles, images and data, the inline scripts with
/// this response's nonce, and WebAssembly (`'wasm-unsafe-eval'` compiles the app; it allows
/// no JavaScript `eval`). No inline styles: the app has none. Nothing may frame it.
fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )
}

/// Maps an engine error for the client and sets the matching HTTP status (and, when the client
/// should come back later, `Retry-After`).
pub fn fail(error: impl Into<UiError>) -> UiError {
    let error = error.into();
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(error.status());
        if let UiError::RateLimited(seconds) | UiError::Busy(seconds) = error {
            response.insert_header(http::header::RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
    error
}
