//! Setting a password through a one-time set-password link: how new people get their first
//! password, and how anyone gets one after a reset. Signed out, like the sign-in page.

use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use sessionboard::model::PasswordLinkHolder;

use crate::error::UiError;

/// Whom a set-password link is for; [`UiError::Refused`] for a link that is unknown, expired
/// or used.
#[server(endpoint = "password_link_holder")]
pub async fn link_holder(token: String) -> Result<PasswordLinkHolder, UiError> {
    use crate::ssr::{app_context, fail, now};

    app_context()?
        .service
        .password_link_holder(&token, now())
        .await
        .map_err(fail)
}

/// Sets the link holder's password and spends the link. They sign in afterwards, as anyone
/// does: the link opens no session.
#[server(endpoint = "set_password")]
pub async fn set_password(token: String, password: String) -> Result<(), UiError> {
    use crate::ssr::{app_context, client_ip, fail, now};

    let ip = client_ip()?;
    app_context()?
        .service
        .set_password_with_link(&token, &password, ip, now())
        .await
        .map_err(fail)?;
    Ok(())
}

/// A new password typed twice, as both password pages ask for it. The two are compared in
/// the browser: a typo in a password nobody can see would otherwise lock its owner out.
#[derive(Clone, Copy)]
pub struct NewPassword {
    password: NodeRef<Input>,
    repeat: NodeRef<Input>,
    mismatch: RwSignal<bool>,
}

impl Default for NewPassword {
    fn default() -> Self {
        Self {
            password: NodeRef::new(),
            repeat: NodeRef::new(),
            mismatch: RwSignal::new(false),
        }
    }
}

impl NewPassword {
    /// The new password when both fields agree; otherwise `None`, with the mismatch shown and
    /// the cursor in the second field.
    pub fn value(self) -> Option<String> {
        let (Some(password), Some(repeat)) =
            (self.password.get_untracked(), self.repeat.get_untracked())
        else {
            return None;
        };
        let same = password.value() == repeat.value();
        self.mismatch.set(!same);
        if !same {
            let _ = repeat.focus();
            return None;
        }
        Some(password.value())
    }
}

/// The fields of a [`NewPassword`], with the hint and the mismatch message.
#[component]
pub fn NewPasswordFields(
    fields: NewPassword,
    /// The form field the password is posted as (the server function's argument).
    name: &'static str,
) -> impl IntoView {
    view! {
        <label for="new-password">"New password"</label>
        <input
            id="new-password"
            node_ref=fields.password
            type="password"
            name=name
            autocomplete="new-password"
            required
            minlength="12"
            maxlength="1024"
            aria-describedby="new-password-hint"
        />
        <p id="new-password-hint" class="help">
            "At least 12 characters; a few unusual words make a strong password."
        </p>
        <label for="repeat-password">"Repeat the password"</label>
        <input
            id="repeat-password"
            node_ref=fields.repeat
            type="password"
            autocomplete="new-password"
            required
            maxlength="1024"
            aria-invalid=move || fields.mismatch.get().then_some("true")
            on:input=move |_| fields.mismatch.set(false)
        />
        {move || {
            fields.mismatch.get().then(|| {
                view! {
                    <p class="form-error" role="alert">"The two passwords are not the same."</p>
                }
            })
        }}
    }
}

#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.get().get("token").unwrap_or_default();
    let holder = Resource::new(token, link_holder);
    view! {
        <main class="page page-narrow">
            <section class="card sign-in">
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || {
                        holder
                            .get()
                            .map(|result| match result {
                                Ok(holder) => {
                                    view! { <SetPasswordForm token=token() holder /> }.into_any()
                                }
                                // Unknown, expired or used: the server's message says what
                                // to do, and there is nothing to fill in.
                                Err(error) => {
                                    view! {
                                        <h1>"Set your password"</h1>
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

#[component]
fn SetPasswordForm(token: String, holder: PasswordLinkHolder) -> impl IntoView {
    let set = ServerAction::<SetPassword>::new();
    let fields = NewPassword::default();
    let token = StoredValue::new(token);
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if let Some(password) = fields.value() {
            set.dispatch(SetPassword {
                token: token.get_value(),
                password,
            });
        }
    };
    let error = move || {
        set.value().get().and_then(Result::err).map(
            |error: UiError| view! { <p class="form-error" role="alert">{error.message()}</p> },
        )
    };
    let email = holder.email;
    // Without WebAssembly (or before it loads) the form still posts, unchecked.
    let form = move || {
        view! {
            <form class="stack" method="post" action="/api/set_password" on:submit=submit>
                <input type="hidden" name="token" value=token.get_value() />
                // For password managers, which save the new password under this name.
                <label for="set-password-email">"Email"</label>
                <input
                    id="set-password-email"
                    type="email"
                    autocomplete="username"
                    value=email.clone()
                    readonly
                />
                <NewPasswordFields fields name="password" />
                {error}
                <button type="submit" class="button primary" disabled=move || set.pending().get()>
                    "Set password"
                </button>
            </form>
        }
    };
    view! {
        <h1>{format!("Set your password, {}", holder.name)}</h1>
        <Show
            when=move || matches!(set.value().get(), Some(Ok(())))
            fallback=form
        >
            <p class="notice" role="status">"Your password is set."</p>
            <p><a href="/login">"Sign in"</a></p>
        </Show>
    }
}
