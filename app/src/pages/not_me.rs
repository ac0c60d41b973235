//! "This wasn't me", from the link in an alert mail: ends the session the mail told about,
//! without signing in. Opening the link changes nothing (mail scanners open links too); the
//! button does.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::error::UiError;

/// Ends the session the link names and spends the link; [`UiError::Refused`] for a link that
/// is unknown, used, expired, or whose session already ended.
#[server(endpoint = "report_not_me")]
pub async fn report_not_me(token: String) -> Result<(), UiError> {
    use crate::ssr::{app_context, fail, now};

    app_context()?
        .service
        .report_with_link(&token, now())
        .await
        .map_err(fail)
}

#[component]
pub fn NotMePage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.get().get("token").unwrap_or_default();
    let report = ServerAction::<ReportNotMe>::new();
    let outcome = move || {
        report.value().get().map(|result| match result {
            Ok(()) => view! {
                <p class="notice" role="status">
                    "Done: that session is signed out. If you did not sign in, change your password now — "
                    <A href="/login">"sign in"</A>
                    " and open Password."
                </p>
            }
            .into_any(),
            Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
        })
    };
    let done = move || matches!(report.value().get(), Some(Ok(())));
    view! {
        <main class="page page-narrow">
            <section class="card sign-in">
                <h1>"This wasn't me"</h1>
                <p>"End the sign-in the alert mail told you about. Whoever is using it is signed out at once; you do not need to sign in."</p>
                <ActionForm action=report attr:class="stack">
                    <input type="hidden" name="token" value=token />
                    <button type="submit" class="button danger" disabled=done>"Sign it out"</button>
                </ActionForm>
                {outcome}
            </section>
        </main>
    }
}
