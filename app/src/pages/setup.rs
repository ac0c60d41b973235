//! The first start: creating the first platform admin through the one-time link the server
//! printed when it started on an empty database.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::error::UiError;

/// Whether the first admin is still to be created (nobody exists yet).
#[server(endpoint = "setup_pending")]
pub async fn setup_pending() -> Result<bool, UiError> {
    use crate::ssr::{app_context, fail};

    app_context()?.service.setup_pending().await.map_err(fail)
}

/// Creates the first platform admin with the setup link's token, signs them in and goes to the
/// start page. Works as a plain form post too, before or without WebAssembly.
#[server(endpoint = "complete_setup")]
pub async fn complete_setup(
    token: String,
    account: String,
    name: String,
    email: String,
    password: String,
) -> Result<(), UiError> {
    use crate::ssr::{
        app_context, browser_sign_in, fail, now, session_cookie, set_cookie, user_agent,
    };
    use sessionboard::service::FirstAdmin;

    let context = app_context()?;
    let cookie = session_cookie()?;
    let now = now();
    let admin = FirstAdmin {
        account: &account,
        name: &name,
        email: &email,
        password: &password,
    };
    context
        .service
        .complete_setup(&token, admin, now)
        .await
        .map_err(fail)?;
    // Signed in as the sign-in page does it: the same session, cookie and history entry.
    let signed_in = context
        .service
        .sign_in(browser_sign_in(&email, &password, &user_agent())?, now)
        .await;
    match signed_in {
        Ok(signed_in) => {
            set_cookie(&cookie.set(signed_in.token.as_str()));
            leptos_axum::redirect("/");
        }
        // The admin exists and the link is spent: sending them back to the form would only
        // refuse them. The sign-in page can do the rest.
        Err(error) => {
            tracing::warn!(error = %error.report(), "signing in the first admin after setup");
            leptos_axum::redirect("/login");
        }
    }
    Ok(())
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let complete = ServerAction::<CompleteSetup>::new();
    let pending = Resource::new(|| (), |_| setup_pending());
    let query = use_query_map();
    let token = move || query.get().get("token").unwrap_or_default();
    let error = move || {
        complete.value().get().and_then(Result::err).map(
            |error: UiError| view! { <p class="form-error" role="alert">{error.message()}</p> },
        )
    };
    let form = move || {
        view! {
            <p class="lede">
                {"Create the first platform admin: the person who sees every account and \
                  manages Sessionboard."}
            </p>
            <ActionForm action=complete attr:class="stack">
                <input type="hidden" name="token" value=token />
                <label for="setup-account">"Organisation (account name)"</label>
                <input id="setup-account" name="account" autocomplete="organization"
                    required maxlength="200" />
                <label for="setup-name">"Your name"</label>
                <input id="setup-name" name="name" autocomplete="name" required maxlength="200" />
                <label for="setup-email">"Email"</label>
                <input id="setup-email" type="email" name="email" autocomplete="username"
                    required maxlength="254" />
                <label for="setup-password">"Password (at least 12 characters)"</label>
                <input id="setup-password" type="password" name="password"
                    autocomplete="new-password" required minlength="12" maxlength="1024" />
                {error}
                <button type="submit" class="button primary"
                    disabled=move || complete.pending().get()>
                    "Create the admin and sign in"
                </button>
            </ActionForm>
        }
    };
    let no_token = || {
        view! {
            <p>
                {"Open the setup link the server printed when it started: it carries the \
                  one-time token this page needs."}
            </p>
        }
    };
    let done = || {
        view! {
            <p>"Sessionboard is already set up."</p>
            <p><a href="/login">"Sign in"</a></p>
        }
    };
    view! {
        <main class="page page-narrow">
            <section class="card sign-in">
                <h1>"Set up Sessionboard"</h1>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || {
                        pending
                            .get()
                            .map(|result| match result {
                                Ok(true) if token().is_empty() => no_token().into_any(),
                                Ok(true) => form().into_any(),
                                Ok(false) => done().into_any(),
                                Err(error) => {
                                    view! {
                                        <p class="form-error" role="alert">{error.message()}</p>
                                    }
                                        .into_any()
                                }
                            })
                    }}
                </Transition>
            </section>
        </main>
    }
}
