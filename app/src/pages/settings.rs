//! An account's settings, for its owners: whether new sessions store their location, and
//! whether its people see when a sales representative acted as them.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use sessionboard::model::AccountId;

use crate::components::save_status::SaveStatus;
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

#[server(endpoint = "show_acting")]
pub async fn show_acting(account: AccountId) -> Result<bool, UiError> {
    use crate::ssr::{app_context, caller, fail};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .show_acting(&caller, account)
        .await
        .map_err(fail)
}

#[server(endpoint = "set_show_acting")]
pub async fn set_show_acting(account: AccountId, on: bool) -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .set_show_acting(&caller, account, on)
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
    let save_acting = ServerAction::<SetShowActing>::new();
    // Both settings in one resource, read in one boundary (two boundaries reading resources
    // can deadlock the server's rendering, leptos-rs/leptos#4673).
    let current = Resource::new(
        move || (save.version().get(), save_acting.version().get()),
        move |_| async move {
            Ok::<_, UiError>((
                store_geolocation(account).await?,
                show_acting(account).await?,
            ))
        },
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
                    Ok((on, acting_shown)) => view! {
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
                            <SaveStatus result=save.value() />
                        </section>
                        <section class="card">
                            <h2>"Sales representatives"</h2>
                            <div class="setting">
                                <input
                                    id="show-acting"
                                    type="checkbox"
                                    prop:checked=acting_shown
                                    aria-describedby="show-acting-help"
                                    on:change=move |event| {
                                        save_acting.dispatch(SetShowActing { account, on: event_target_checked(&event) });
                                    }
                                />
                                <label for="show-acting">"Show people when a sales representative acted as them"</label>
                            </div>
                            <p id="show-acting-help" class="help">
                                "When on, each person's sign-in history lists when a sales representative acted as them "
                                "(“Markus Bauer (sales representative) acted as you, 10:02–10:17”). It is never shown "
                                "as one of their sessions. Platform admins always see it in the audit log."
                            </p>
                            <SaveStatus result=save_acting.value() />
                        </section>
                    }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
                })}
            </Transition>
        </main>
    }
}
