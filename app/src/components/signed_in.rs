//! The frame of every signed-in page: loads who is signed in (or sends them to sign in),
//! shows the header and, while a sales representative acts as a customer, the banner.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use sessionboard::model::Viewer;

use crate::components::header::{AppHeader, current_viewer};
use crate::error::UiError;

#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let viewer = Resource::new(|| (), |_| current_viewer());
    let children = StoredValue::new(children);
    view! {
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

/// The signed-in person, inside [`SignedIn`].
pub fn use_viewer() -> Viewer {
    expect_context::<Viewer>()
}
