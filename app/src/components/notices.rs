//! "Was this you?": every signed-in page shows the person's sessions that stood out when they
//! started (a new device, country, impossible travel) until they answer. *Yes* is remembered;
//! *No, sign it out* ends that session and offers to end all the others and change the
//! password in one step. Asked with each heartbeat, so a notice appears within seconds of the
//! sign-in, and on the next visit when no page was open.

use leptos::prelude::*;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};
use sessionboard::model::SessionId;

use crate::error::UiError;

/// One notice: the session it is about, and what to say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub session: SessionId,
    /// "New sign-in: Firefox on Ubuntu near Porto, PT, 2 minutes ago".
    pub text: String,
}

#[server(endpoint = "sign_in_notices")]
pub async fn sign_in_notices() -> Result<Vec<Notice>, UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    let now = now();
    let sessions = app_context()?
        .service
        .sign_in_notices(&caller, now)
        .await
        .map_err(fail)?;
    Ok(sessions
        .into_iter()
        .map(|session| Notice {
            session: session.id,
            text: format!(
                "New sign-in: {}, {}",
                session.headline(),
                session.created_at.relative_to(now)
            ),
        })
        .collect())
}

#[server(endpoint = "confirm_sign_in")]
pub async fn confirm_sign_in(session: SessionId) -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    app_context()?
        .service
        .confirm_sign_in(&caller().map_err(fail)?, session, now())
        .await
        .map_err(fail)
}

#[server(endpoint = "report_sign_in")]
pub async fn report_sign_in(session: SessionId) -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    app_context()?
        .service
        .report_sign_in(&caller().map_err(fail)?, session, now())
        .await
        .map_err(fail)
}

/// The notices, asked again whenever `tick` moves (the page's heartbeat). Loaded in the
/// browser only: the page itself renders without waiting for them.
#[component]
pub fn SignInNotices(tick: ReadSignal<u32>) -> impl IntoView {
    let confirm = ServerAction::<ConfirmSignIn>::new();
    let report = ServerAction::<ReportSignIn>::new();
    let notices = LocalResource::new(move || {
        tick.track();
        confirm.version().track();
        report.version().track();
        sign_in_notices()
    });
    // Read only once the page is live in the browser: on the server a local resource never
    // resolves, and a boundary waiting for it would hold back the whole page.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let reported = move || report.value().get().is_some_and(|result| result.is_ok());
    let failed = move || {
        [confirm.value().get(), report.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::err)
            .map(|error| view! { <p class="form-error" role="alert">{error.message()}</p> })
    };
    view! {
        <div class="sign-in-notices" aria-live="polite">
            // Its own boundary, so a question in flight never blanks the page around it.
            <Transition fallback=|| ()>
            {move || {
                live.get().then(|| notices.get()).flatten()
                    .and_then(Result::ok)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|notice| {
                        let session = notice.session;
                        view! {
                            <section class="sign-in-notice" data-session-id=session.0.to_string()>
                                <p>
                                    <strong>{notice.text}</strong>
                                    " — Was this you?"
                                </p>
                                <div class="sign-in-notice-actions">
                                    <button
                                        type="button"
                                        class="button"
                                        on:click=move |_| { confirm.dispatch(ConfirmSignIn { session }); }
                                    >
                                        "Yes, it was me"
                                    </button>
                                    <button
                                        type="button"
                                        class="button danger"
                                        on:click=move |_| { report.dispatch(ReportSignIn { session }); }
                                    >
                                        "No, sign it out"
                                    </button>
                                </div>
                            </section>
                        }
                        .into_any()
                    })
                    .collect_view()
            }}
            </Transition>
            {move || reported().then(|| view! {
                <section class="sign-in-notice done" role="status">
                    <p>
                        "Signed out. If it was not you, someone may know your password: "
                        <A href="/account/password">"change it and sign out everywhere else"</A>
                        " in one step."
                    </p>
                </section>
            })}
            {failed}
        </div>
    }
    // Erased: the frame of every page is deep enough already (debug builds render it on a
    // test thread's 2 MiB stack).
    .into_any()
}
