//! Changing one's own password: the current one first (a session left open on a shared
//! computer must not be enough to lock its owner out), then the new one twice. Other sessions
//! are signed out too, unless the person unticks that.

use leptos::ev::SubmitEvent;
use leptos::html::{Form, Input};
use leptos::prelude::*;

use crate::components::save_status::SaveStatus;
use crate::components::signed_in::{SignedIn, use_viewer};
use crate::error::UiError;
use crate::pages::set_password::{NewPassword, NewPasswordFields};

/// Changes the caller's password; with `sign_out_others` (a ticked checkbox) their other
/// sessions end at once. Returns how many did.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current: String,
    new: String,
    sign_out_others: Option<String>,
) -> Result<usize, UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .change_password(&actor, &current, &new, sign_out_others.is_some(), now())
        .await
        .map_err(fail)
}

#[component]
pub fn PasswordPage() -> impl IntoView {
    view! { <SignedIn><PasswordForm /></SignedIn> }
}

#[component]
fn PasswordForm() -> impl IntoView {
    // The server refuses this while acting too; the page says so before anyone types.
    if use_viewer().impersonator.is_some() {
        return view! {
            <main class="page page-medium">
                <h1>"Change password"</h1>
                <p class="lede">
                    "While acting as someone you cannot change their password. "
                    "Return to your own account first."
                </p>
            </main>
        }
        .into_any();
    }
    let change = ServerAction::<ChangePassword>::new();
    let form = NodeRef::<Form>::new();
    let current = NodeRef::<Input>::new();
    let sign_out = NodeRef::<Input>::new();
    let fields = NewPassword::default();
    // Passwords do not stay on the screen once they have done their job.
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (change.value().get(), form.get_untracked()) {
            form.reset();
        }
    });
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let (Some(current), Some(sign_out)) = (current.get_untracked(), sign_out.get_untracked())
        else {
            return;
        };
        if let Some(new) = fields.value() {
            change.dispatch(ChangePassword {
                current: current.value(),
                new,
                sign_out_others: sign_out.checked().then(|| "on".to_owned()),
            });
        }
    };
    let error = move || {
        change.value().get().and_then(Result::err).map(
            |error: UiError| view! { <p class="form-error" role="alert">{error.message()}</p> },
        )
    };
    view! {
        <main class="page page-medium">
            <h1>"Change password"</h1>
            <p class="lede">"Your password signs you in to every account you belong to."</p>
            <p class="notice" role="status" aria-live="polite">
                {move || change.value().get().and_then(Result::ok).map(changed)}
            </p>
            <section class="card password-card">
                // Without WebAssembly (or before it loads) the form still posts, unchecked.
                <form
                    node_ref=form
                    class="stack"
                    method="post"
                    action="/api/change_password"
                    on:submit=submit
                >
                    <label for="current-password">"Current password"</label>
                    <input
                        id="current-password"
                        node_ref=current
                        type="password"
                        name="current"
                        autocomplete="current-password"
                        required
                        maxlength="1024"
                    />
                    <NewPasswordFields fields name="new" />
                    <label class="inline">
                        <input
                            node_ref=sign_out
                            type="checkbox"
                            name="sign_out_others"
                            value="on"
                            checked
                        />
                        " Sign out my other sessions"
                    </label>
                    {error}
                    <button
                        type="submit"
                        class="button primary"
                        disabled=move || change.pending().get()
                    >
                        "Change password"
                    </button>
                </form>
            </section>
            <AlertMails />
        </main>
    }
    .into_any()
}

#[server(endpoint = "alert_mails")]
pub async fn alert_mails() -> Result<bool, UiError> {
    use crate::ssr::{app_context, caller, fail};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .alert_mails(&caller)
        .await
        .map_err(fail)
}

#[server(endpoint = "set_alert_mails")]
pub async fn set_alert_mails(on: bool) -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .set_alert_mails(&caller, on)
        .await
        .map_err(fail)
}

/// The person's own choice: an e-mail when a sign-in does not look like them.
#[component]
fn AlertMails() -> impl IntoView {
    let save = ServerAction::<SetAlertMails>::new();
    let current = Resource::new(move || save.version().get(), |_| alert_mails());
    view! {
        <section class="card password-card">
            <h2>"Sign-in alerts"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || current.get().map(|result| match result {
                    Ok(on) => view! {
                        <div class="setting">
                            <input
                                id="alert-mails"
                                type="checkbox"
                                prop:checked=on
                                aria-describedby="alert-mails-help"
                                on:change=move |event| {
                                    save.dispatch(SetAlertMails { on: event_target_checked(&event) });
                                }
                            />
                            <label for="alert-mails">"E-mail me when a sign-in does not look like me"</label>
                        </div>
                        <p id="alert-mails-help" class="help">
                            "A new device, a new country, or travel faster than a plane: the mail says what was "
                            "seen, with a link that signs that session out without signing in. Your pages show "
                            "“Was this you?” either way. Mail is sent only where the server has a mail server set up."
                        </p>
                    }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
                })}
            </Transition>
            <SaveStatus result=save.value() />
        </section>
    }
}

/// "Password changed. 2 other sessions were signed out."
fn changed(ended: usize) -> String {
    match ended {
        0 => "Password changed.".to_owned(),
        1 => "Password changed. 1 other session was signed out.".to_owned(),
        n => format!("Password changed. {n} other sessions were signed out."),
    }
}
