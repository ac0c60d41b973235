//! For platform admins: the API keys applications use for /api/v1 — create (the secret is
//! shown once) and revoke.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use sessionboard::model::{ApiKeyId, ApiKeyView, ApplicationId};

use crate::components::confirm::{ConfirmDialog, Confirmation};
use crate::components::signed_in::SignedIn;
use crate::error::UiError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeysPage {
    pub keys: Vec<ApiKeyView>,
    pub applications: Vec<(ApplicationId, String)>,
}

#[server(endpoint = "api_keys")]
pub async fn api_keys() -> Result<KeysPage, UiError> {
    use crate::ssr::{app_context, caller, fail};

    let caller = caller().map_err(fail)?;
    let service = app_context()?.service;
    let keys = service.list_api_keys(&caller).await.map_err(fail)?;
    let applications = service.applications(&caller).await.map_err(fail)?;
    Ok(KeysPage { keys, applications })
}

/// Creates a key and returns its secret: the only time anyone sees it.
#[server(endpoint = "create_api_key")]
pub async fn create_api_key(
    application: String,
    label: String,
    platform_wide: Option<String>,
    trusted: Option<String>,
    directory: Option<String>,
) -> Result<String, UiError> {
    use crate::ssr::{app_context, caller, fail, now};
    use sessionboard::model::KeyPowers;

    let caller = caller().map_err(fail)?;
    // Unticked checkboxes are not sent at all.
    let powers = KeyPowers {
        platform_wide: platform_wide.is_some(),
        trusted: trusted.is_some(),
        directory: directory.is_some(),
    };
    let (_, secret) = app_context()?
        .service
        .create_api_key(&caller, &application, powers, &label, now())
        .await
        .map_err(fail)?;
    Ok(secret.reveal())
}

#[server(endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: ApiKeyId) -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .revoke_api_key(&caller, id, now())
        .await
        .map_err(fail)
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    view! { <SignedIn><ApiKeys /></SignedIn> }
}

#[component]
fn ApiKeys() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let page = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| api_keys(),
    );
    let confirm = RwSignal::new(None::<Confirmation>);
    view! {
        <main class="page page-medium">
            <h1>"API keys"</h1>
            <p class="lede">
                "Applications send their key as the " <code>"X-Api-Key"</code>
                " header to sign devices in and validate their sessions. See "
                <a href="/api/v1/docs">"the API documentation"</a> "."
            </p>
            {move || create.value().get().map(|result| match result {
                Ok(secret) => view! {
                    <section class="card secret" role="status">
                        <h2>"New key — copy it now"</h2>
                        <p>"This is the only time it is shown; Sessionboard keeps only its hash."</p>
                        <code class="secret-value">{secret}</code>
                    </section>
                }.into_any(),
                Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
            })}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || page.get().map(|result| match result {
                    Ok(page) => {
                        let rows = page.keys.into_iter().map(|key| {
                            let id = key.id;
                            let name = format!("{} key {}", key.application, key.id);
                            let ask = {
                                let name = name.clone();
                                move |_| confirm.set(Some(Confirmation {
                                    question: format!("Revoke the {name}? Requests with it are refused at once."),
                                    confirm_label: "Revoke".to_owned(),
                                    on_confirm: Callback::new(move |()| { revoke.dispatch(RevokeApiKey { id }); }),
                                }))
                            };
                            view! {
                                <tr>
                                    <td data-label="Key">{key.id.to_string()}</td>
                                    <td data-label="Application">{key.application}</td>
                                    <td data-label="Label">{key.label}</td>
                                    <td data-label="May">{key.powers.label()}</td>
                                    <td data-label="Created" class="time">{key.created_at.to_short_utc_string()}</td>
                                    <td class="actions">
                                        {match key.revoked_at {
                                            Some(at) => view! { <span class="sub">{format!("Revoked {}", at.to_short_utc_string())}</span> }.into_any(),
                                            None => view! {
                                                <button type="button" class="button danger" aria-label=format!("Revoke the {name}") on:click=ask>"Revoke"</button>
                                            }.into_any(),
                                        }}
                                    </td>
                                </tr>
                            }
                        }).collect_view();
                        view! {
                            <ActionForm action=create attr:class="filters">
                                <label for="key-application">"Application"</label>
                                <select id="key-application" name="application">
                                    {page.applications.into_iter().map(|(_, name)| view! { <option value=name.clone()>{name.clone()}</option> }).collect_view()}
                                </select>
                                <label for="key-label">"Label"</label>
                                <input id="key-label" name="label" maxlength="200" placeholder="Who or what uses it" />
                                <label class="inline" title="Sees and ends sessions in every account"><input type="checkbox" name="platform_wide" value="on" />" Platform-wide"</label>
                                <label class="inline" title="Signs its application's people in without a password, and makes sign-in links"><input type="checkbox" name="trusted" value="on" />" Trusted sign-in"</label>
                                <label class="inline" title="Keeps accounts, people and memberships in step by the application's own ids"><input type="checkbox" name="directory" value="on" />" Directory"</label>
                                <button type="submit" class="button primary">"Create key"</button>
                            </ActionForm>
                            <div class="table-wrap">
                                <table class="sessions">
                                    <caption class="visually-hidden">"API keys"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Key"</th>
                                            <th scope="col">"Application"</th>
                                            <th scope="col">"Label"</th>
                                            <th scope="col">"May"</th>
                                            <th scope="col">"Created (UTC)"</th>
                                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                        }.into_any()
                    }
                    Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
                })}
            </Transition>
        </main>
        <ConfirmDialog request=confirm />
    }
}
