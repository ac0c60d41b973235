//! What every request handler shares.

use std::sync::Arc;

use app::ssr::{AppContext, SessionCookie};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sessionboard::SessionService;
use sessionboard::track::TrustedProxies;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The session engine: the JSON API, the probes and the cookie middleware call it here.
    pub service: Arc<SessionService>,
    /// The web app's session cookie.
    pub cookies: SessionCookie,
    pub trusted_proxies: Arc<TrustedProxies>,
    /// The configured public URL's origin (`https://sessions.example.com`), when there is one:
    /// the only origin state-changing requests may come from (`csrf.rs`). Without it, the
    /// origin is taken from each request's `Host`.
    pub public_origin: Option<String>,
}

impl AppState {
    /// Browsers always reach this server over https: HSTS is sent (`headers.rs`).
    pub fn https_public_url(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|origin| origin.starts_with("https://"))
    }

    /// What the pages and server functions find in their Leptos context.
    pub fn app_context(&self) -> AppContext {
        AppContext {
            service: self.service.clone(),
            cookies: self.cookies,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
