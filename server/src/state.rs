//! What every request handler shares.

use std::sync::Arc;

use app::ssr::AppContext;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sessionboard::track::TrustedProxies;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub app: AppContext,
    pub trusted_proxies: Arc<TrustedProxies>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
