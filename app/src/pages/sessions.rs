//! "Your sessions": every place the signed-in person is signed in, across all their accounts.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use sessionboard::model::{SessionId, SessionView, Viewer};

use crate::components::device_icon::DeviceIcon;
use crate::components::header::{AppHeader, current_viewer};
use crate::components::popup::ErrorPopup;
use crate::error::UiError;

#[server(endpoint = "list_my_sessions")]
pub async fn list_my_sessions() -> Result<Vec<SessionView>, UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .list_my_sessions(&caller, now())
        .await
        .map_err(fail)
}

/// Ends one of the caller's sessions. The server refuses the current one.
#[server(endpoint = "terminate_session")]
pub async fn terminate_session(id: SessionId) -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .terminate_session(&caller, id, now())
        .await
        .map_err(fail)
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    let viewer = Resource::new(|| (), |_| current_viewer());
    view! {
        <Suspense fallback=|| view! { <main class="page"><p class="loading">"Loading…"</p></main> }>
            {move || {
                viewer
                    .get()
                    .map(|result| match result {
                        Ok(Some(viewer)) => view! { <SignedInSessions viewer /> }.into_any(),
                        Ok(None) | Err(UiError::NotSignedIn) => {
                            view! { <Redirect path="/login" /> }.into_any()
                        }
                        Err(error) => {
                            view! {
                                <main class="page">
                                    <p class="form-error" role="alert">{error.message()}</p>
                                </main>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

#[component]
fn SignedInSessions(viewer: Viewer) -> impl IntoView {
    let terminate = ServerAction::<TerminateSession>::new();
    let sessions = Resource::new(move || terminate.version().get(), |_| list_my_sessions());
    let popup = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let signed_out = RwSignal::new(false);

    Effect::new(move |_| match terminate.value().get() {
        Some(Ok(())) => notice.set(Some("Session terminated.".to_owned())),
        Some(Err(UiError::NotSignedIn)) => signed_out.set(true),
        Some(Err(error)) => popup.set(Some(error.message())),
        None => {}
    });

    view! {
        <AppHeader viewer />
        <main class="page">
            <h1>"Your active sessions"</h1>
            <p class="lede">
                "Every device and application where you are signed in, in all your accounts. "
                "If you don't recognise one, terminate it: that device is signed out at once."
            </p>
            <p class="notice" role="status" aria-live="polite">
                {move || notice.get()}
            </p>
            <Transition fallback=|| view! { <p class="loading">"Loading sessions…"</p> }>
                {move || {
                    sessions
                        .get()
                        .map(|result| match result {
                            Ok(list) => view! { <SessionsTable sessions=list terminate /> }.into_any(),
                            Err(UiError::NotSignedIn) => view! { <Redirect path="/login" /> }.into_any(),
                            Err(error) => {
                                view! { <p class="form-error" role="alert">{error.message()}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
            {move || signed_out.get().then(|| view! { <Redirect path="/login" /> })}
        </main>
        <ErrorPopup message=popup title="This session can't be terminated" />
        <footer class="attribution">
            <a href="https://db-ip.com">"IP Geolocation by DB-IP"</a>
        </footer>
    }
}

#[component]
fn SessionsTable(
    sessions: Vec<SessionView>,
    terminate: ServerAction<TerminateSession>,
) -> impl IntoView {
    if sessions.is_empty() {
        return view! { <p class="empty">"You have no active sessions."</p> }.into_any();
    }
    let rows = sessions
        .into_iter()
        .map(|session| view! { <SessionRow session terminate /> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="sessions">
                <caption class="visually-hidden">"Your active sessions"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Device"</th>
                        <th scope="col">"Browser"</th>
                        <th scope="col">"Location"</th>
                        <th scope="col">"IP"</th>
                        <th scope="col">"Application"</th>
                        <th scope="col">"Account"</th>
                        <th scope="col">"Created on " <abbr title="Coordinated Universal Time">"(UTC)"</abbr></th>
                        <th scope="col">"Last active " <abbr title="Coordinated Universal Time">"(UTC)"</abbr></th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn SessionRow(session: SessionView, terminate: ServerAction<TerminateSession>) -> impl IntoView {
    let id = session.id;
    let os = session.device.os_label();
    let browser = session.device.browser_label();
    let label = format!("Terminate the session on {os}, {browser}, {}", session.ip);
    view! {
        <tr class:current=session.is_current data-session-id=id.to_string()>
            <td data-label="Device">
                <div class="device">
                    <DeviceIcon kind=session.device.kind />
                    <div>
                        <span class="device-os">{os}</span>
                        {session.device.model.map(|model| view! { <span class="device-model">{model}</span> })}
                        {session.is_current.then(|| view! { <span class="badge">"This device"</span> })}
                    </div>
                </div>
            </td>
            <td data-label="Browser">{browser}</td>
            <td data-label="Location">{session.location.label()}</td>
            <td data-label="IP"><code>{session.ip}</code></td>
            <td data-label="Application">{session.application}</td>
            <td data-label="Account">{session.account_name}</td>
            <td data-label="Created on" class="time">
                <time datetime=session.created_at.to_rfc3339()>{session.created_at.to_short_utc_string()}</time>
            </td>
            <td data-label="Last active" class="time">
                <time datetime=session.last_active_at.to_rfc3339()>{session.last_active_at.to_short_utc_string()}</time>
            </td>
            <td class="actions">
                <button
                    type="button"
                    class="button danger"
                    aria-label=label
                    disabled=move || terminate.pending().get()
                    on:click=move |_| {
                        terminate.dispatch(TerminateSession { id });
                    }
                >
                    "Terminate"
                </button>
            </td>
        </tr>
    }
}
