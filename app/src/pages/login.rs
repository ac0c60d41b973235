//! Sign-in with email and password.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::components::header::current_viewer;
use crate::error::UiError;

/// Checks the credentials and, on success, sets the session cookie and goes to the sessions
/// page. Works as a plain form post too, before or without WebAssembly.
#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), UiError> {
    use crate::ssr::{
        app_context, browser_sign_in, fail, now, session_cookie, set_cookie, user_agent,
    };

    let context = app_context()?;
    let cookie = session_cookie()?;
    let now = now();
    let previous = crate::ssr::caller().ok();
    let signed_in = context
        .service
        .sign_in(browser_sign_in(&email, &password, &user_agent())?, now)
        .await
        .map_err(fail)?;
    // Signing in again on this browser replaces its old session rather than leaving it behind,
    // but only once the new one exists: a failed attempt leaves the current session live. The
    // new session stands even if ending the old one fails.
    if let Some(previous) = previous
        && let Err(error) = context.service.sign_out(&previous, now).await
    {
        tracing::warn!(error = %error.report(), "ending the session a sign-in replaces failed");
    }
    set_cookie(&cookie.set(signed_in.token.as_str()));
    leptos_axum::redirect("/sessions");
    Ok(())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let viewer = Resource::new(|| (), |_| current_viewer());
    // A sign-in link from another application that did not work lands here
    // (`server/src/sign_in_link.rs`).
    let query = use_query_map();
    let link_not_valid = move || {
        query.with(|query| query.get("link").as_deref() == Some("invalid")).then(|| view! {
            <p class="form-error" role="alert">
                "This sign-in link is not valid: it was used already, it expired, or it was changed. "
                "Open Active sessions again from the application you came from, or sign in here."
            </p>
        })
    };
    let error = move || {
        sign_in.value().get().and_then(Result::err).map(
            |error: UiError| view! { <p class="form-error" role="alert">{error.message()}</p> },
        )
    };
    view! {
        <main class="page page-narrow">
            <Transition>
                {move || {
                    viewer
                        .get()
                        .and_then(Result::ok)
                        .flatten()
                        .map(|_| view! { <Redirect path="/sessions" /> })
                }}
            </Transition>
            <section class="card sign-in">
                <h1>"Sign in to Sessionboard"</h1>
                <p class="lede">"See every place you are signed in, and end the ones you don't trust."</p>
                {link_not_valid}
                <ActionForm action=sign_in attr:class="stack">
                    <label for="email">"Email"</label>
                    <input id="email" type="email" name="email" autocomplete="username" required maxlength="254" />
                    <label for="password">"Password"</label>
                    <input id="password" type="password" name="password" autocomplete="current-password" required maxlength="1024" />
                    {error}
                    <button type="submit" class="button primary" disabled=move || sign_in.pending().get()>
                        "Sign in"
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
