//! An account's settings, for its owners: whether new sessions store their location.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use sessionboard::model::AccountId;

use crate::components::signed_in::SignedIn;
use crate::error::UiError;
use crate::query;

#[server(endpoint = "store_geolocation")]
pub async fn store_geolocation(account: AccountId) -> Result<bool, UiError> {
    use crate::ssr::{app_context, caller, fail};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .store_geolocation(&caller, account)
        .await
        .map_err(fail)
}

#[server(endpoint = "set_store_geolocation")]
pub async fn set_store_geolocation(account: AccountId, on: bool) -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .set_store_geolocation(&caller, account, on, now())
        .await
        .map_err(fail)
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let params = use_params_map();
    view! {
        <SignedIn>
            {move || match query::number(&params.get(), "account") {
                Some(account) => view! { <Settings account=AccountId(account) /> }.into_any(),
                None => view! { <main class="page"><h1>"No such account"</h1></main> }.into_any(),
            }}
        </SignedIn>
    }
}

#[component]
fn Settings(account: AccountId) -> impl IntoView {
    let save = ServerAction::<SetStoreGeolocation>::new();
    let current = Resource::new(
        move || save.version().get(),
        move |_| store_geolocation(account),
    );
    let account_name = crate::components::signed_in::use_viewer()
        .memberships
        .iter()
        .find(|m| m.account_id == account)
        .map(|m| m.account_name.clone())
        .unwrap_or_default();
    view! {
        <main class="page page-medium">
            <h1>"Settings"</h1>
            <p class="lede">{account_name}</p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || current.get().map(|result| match result {
                    Ok(on) => view! {
                        <section class="card">
                            <h2>"Activity tracking"</h2>
                            <div class="setting">
                                <input
                                    id="store-geolocation"
                                    type="checkbox"
                                    prop:checked=on
                                    aria-describedby="store-geolocation-help"
                                    on:change=move |event| {
                                        save.dispatch(SetStoreGeolocation { account, on: event_target_checked(&event) });
                                    }
                                />
                                <label for="store-geolocation">"Store geolocation information"</label>
                            </div>
                            <p id="store-geolocation-help" class="help">
                                "When on, each new session records its approximate location (city and country) "
                                "from its IP address. When off, new sessions show “Unknown location”. "
                                "Changing this affects new sessions only: existing sessions keep what they recorded. "
                                "Device, operating system and browser are always recorded."
                            </p>
                            <p class="notice" role="status" aria-live="polite">
                                {move || save.value().get().map(|result| match result {
                                    Ok(()) => "Saved.".to_owned(),
                                    Err(error) => error.message(),
                                })}
                            </p>
                        </section>
                    }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
                })}
            </Transition>
        </main>
    }
}
