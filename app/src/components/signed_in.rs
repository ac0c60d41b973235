//! The frame of every signed-in page: loads who is signed in (or sends them to sign in),
//! shows the header, any "was this you?" notices and, while a sales representative acts as a
//! customer, the banner. It keeps asking whether the session still lives, and leaves for the
//! sign-in page once not.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_navigate;
use sessionboard::model::Viewer;

use crate::components::ago::every;
use crate::components::header::{AppHeader, current_viewer};
use crate::components::notices::SignInNotices;
use crate::error::UiError;

/// How often a signed-in page asks whether its session still lives. One ended elsewhere (a
/// removal, a deactivation, a closed account, a password changed on another device) sends
/// the page to sign in within this time.
const HEARTBEAT_MILLIS: u32 = 5_000;

#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let viewer = Resource::new(|| (), |_| current_viewer());
    let tick = RwSignal::new(0_u32);
    heartbeat(tick);
    let children = StoredValue::new(children);
    view! {
        // Above the page rather than inside it: it needs nothing the page loads, and the
        // page's own rendering is deep enough.
        <SignInNotices tick=tick.read_only() />
        <Suspense fallback=|| view! { <main class="page"><p class="loading">"Loading…"</p></main> }>
            {move || {
                viewer
                    .get()
                    .map(|result| match result {
                        Ok(Some(viewer)) => {
                            provide_context(viewer.clone());
                            view! {
                                <AppHeader viewer />
                                {children.read_value()()}
                                <footer class="attribution">
                                    <a href="https://db-ip.com">"IP Geolocation by DB-IP"</a>
                                </footer>
                            }
                                .into_any()
                        }
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

/// Asks the server in the background, in the browser only, and goes to the sign-in page once
/// the session has ended. The viewer shown is not loaded again: that would render the page
/// anew and lose what is being typed.
fn heartbeat(tick: RwSignal<u32>) {
    let navigate = use_navigate();
    // One question at a time: a slow server does not get a pile of them.
    let asking = Rc::new(Cell::new(false));
    every(HEARTBEAT_MILLIS, move || {
        if asking.replace(true) {
            return;
        }
        let asking = Rc::clone(&asking);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let answer = current_viewer().await;
            asking.set(false);
            // The page's other questions (the notices) are asked on the same beat.
            tick.update(|beat| *beat = beat.wrapping_add(1));
            // Not on other errors: an unreachable server has not signed anyone out.
            if matches!(answer, Ok(None) | Err(UiError::NotSignedIn)) {
                navigate("/login", Default::default());
            }
        });
    });
}

/// The signed-in person, inside [`SignedIn`].
pub fn use_viewer() -> Viewer {
    expect_context::<Viewer>()
}
