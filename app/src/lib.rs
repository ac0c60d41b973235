//! Sessionboard's user interface: the Leptos app rendered on the server and hydrated in the
//! browser. Server functions live next to the components that use them and only call the
//! session engine's service.

// Leptos views are nested types; the admin pages' exceed the compiler's default depth.
#![recursion_limit = "256"]

pub mod components;
pub mod error;
pub mod pages;
pub mod query;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::pages::act_as::ActAsPage;
use crate::pages::admin::{
    AccountChangesPage, AccountsPage, ApplicationsPage, ChangesPage, PeoplePage, WebhooksPage,
};
use crate::pages::api_keys::ApiKeysPage;
use crate::pages::audit::AuditPage;
use crate::pages::history::HistoryPage;
use crate::pages::login::LoginPage;
use crate::pages::members::MembersPage;
use crate::pages::not_me::NotMePage;
use crate::pages::password::PasswordPage;
use crate::pages::sessions::{AccountSessionsPage, MySessionsPage, PlatformSessionsPage};
use crate::pages::set_password::SetPasswordPage;
use crate::pages::settings::SettingsPage;
use crate::pages::setup::SetupPage;

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Every page is rendered through here, the 404 page too, so every page gets its policy.
    #[cfg(feature = "ssr")]
    ssr::send_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: this marks the page as interactive, which end-to-end
    // tests wait for before clicking.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/sessionboard.css" />
        <Title text="Sessionboard" />
        <Router>
            <Routes fallback=|| view! { <main class="page"><h1>"Page not found"</h1></main> }>
                <Route path=path!("/") view=|| view! { <Redirect path="/sessions" /> } />
                // Async: these pages may redirect (signed in / signed out), and a redirect must
                // be decided before the response's status line is sent.
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async />
                <Route path=path!("/set-password") view=SetPasswordPage ssr=SsrMode::Async />
                <Route path=path!("/not-me") view=NotMePage />
                <Route path=path!("/sessions") view=MySessionsPage ssr=SsrMode::Async />
                <Route path=path!("/account/password") view=PasswordPage ssr=SsrMode::Async />
                <Route path=path!("/accounts/:account/sessions") view=AccountSessionsPage ssr=SsrMode::Async />
                <Route path=path!("/accounts/:account/members") view=MembersPage ssr=SsrMode::Async />
                <Route path=path!("/accounts/:account/changes") view=AccountChangesPage ssr=SsrMode::Async />
                <Route path=path!("/accounts/:account/settings") view=SettingsPage ssr=SsrMode::Async />
                <Route path=path!("/history") view=HistoryPage ssr=SsrMode::Async />
                <Route path=path!("/act-as") view=ActAsPage ssr=SsrMode::Async />
                <Route path=path!("/admin/sessions") view=PlatformSessionsPage ssr=SsrMode::Async />
                <Route path=path!("/admin/audit") view=AuditPage ssr=SsrMode::Async />
                <Route path=path!("/admin/api-keys") view=ApiKeysPage ssr=SsrMode::Async />
                <Route path=path!("/admin/accounts") view=AccountsPage ssr=SsrMode::Async />
                <Route path=path!("/admin/people") view=PeoplePage ssr=SsrMode::Async />
                <Route path=path!("/admin/applications") view=ApplicationsPage ssr=SsrMode::Async />
                <Route path=path!("/admin/changes") view=ChangesPage ssr=SsrMode::Async />
                <Route path=path!("/admin/webhooks") view=WebhooksPage ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
