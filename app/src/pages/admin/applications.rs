//! For platform admins: the applications sessions are created for. Create, rename and retire
//! them; their keys are on the API keys page. The web app is how people reach Sessionboard
//! itself, so the server refuses to rename or retire it, and this page shows why.

use leptos::prelude::*;
use sessionboard::model::{ApplicationId, ApplicationView};

use super::{Feedback, Outcome, clear, plural};
use crate::components::confirm::{ConfirmDialog, Confirmation};
use crate::components::signed_in::{SignedIn, use_viewer};
use crate::error::UiError;

#[server(endpoint = "admin_applications")]
pub async fn admin_applications() -> Result<Vec<ApplicationView>, UiError> {
    use crate::ssr::{app_context, caller, fail};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .list_live_applications(&caller)
        .await
        .map_err(fail)
}

#[server(endpoint = "admin_create_application")]
pub async fn admin_create_application(name: String) -> Result<ApplicationId, UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .create_application(&actor, &name, now())
        .await
        .map_err(fail)
}

#[server(endpoint = "admin_rename_application")]
pub async fn admin_rename_application(
    application: ApplicationId,
    name: String,
) -> Result<(), UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .rename_application(&actor, application, &name, now())
        .await
        .map_err(fail)
}

/// Retires an application and returns how many of its sessions and API keys that ended.
#[server(endpoint = "admin_retire_application")]
pub async fn admin_retire_application(application: ApplicationId) -> Result<usize, UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .retire_application(&actor, application, now())
        .await
        .map_err(fail)
}

/// What a row can do to its application.
#[derive(Clone, Copy)]
struct RowActions {
    rename: ServerAction<AdminRenameApplication>,
    retire: ServerAction<AdminRetireApplication>,
    confirm: RwSignal<Option<Confirmation>>,
}

impl RowActions {
    /// Asks, then retires the application.
    fn ask_retire(self, application: ApplicationId, name: &str) {
        let retire = self.retire;
        self.confirm.set(Some(Confirmation {
            question: format!(
                "Retire {name}? Its API keys are revoked and its sessions end at once."
            ),
            confirm_label: "Retire".to_owned(),
            on_confirm: Callback::new(move |()| {
                retire.dispatch(AdminRetireApplication { application });
            }),
        }));
    }
}

#[component]
pub fn ApplicationsPage() -> impl IntoView {
    view! { <SignedIn><Applications /></SignedIn> }
}

#[component]
fn Applications() -> impl IntoView {
    let is_admin = use_viewer().is_platform_admin;
    let outcome = Outcome::new();
    let create = ServerAction::<AdminCreateApplication>::new();
    let actions = RowActions {
        rename: ServerAction::new(),
        retire: ServerAction::new(),
        confirm: RwSignal::new(None),
    };
    let create_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if outcome.show(create.value().get(), |_| "Application created.".to_owned()) {
            clear(create_form);
        }
    });
    Effect::new(move |_| {
        outcome.show(actions.rename.value().get(), |()| {
            "Application renamed.".to_owned()
        });
    });
    Effect::new(move |_| {
        outcome.show(actions.retire.value().get(), |ended| {
            format!(
                "Application retired: {} ended.",
                plural(ended, "session or API key", "sessions and API keys")
            )
        });
    });
    let list = Resource::new(move || outcome.reload.get(), |_| admin_applications());
    view! {
        <main class="page page-medium">
            <h1>"Applications"</h1>
            <p class="lede">
                "What people sign in to: the web app, mobile apps, API clients. Each signs devices "
                "in with its "<a href="/admin/api-keys">"API keys"</a>"."
            </p>
            {is_admin.then(|| view! {
                <ActionForm action=create node_ref=create_form attr:class="filters">
                    <label for="new-application-name">"New application"</label>
                    <input id="new-application-name" name="name" required maxlength="200"
                        autocomplete="off" placeholder="iOS app" />
                    <button type="submit" class="button primary"
                        disabled=move || create.pending().get()>
                        "Create application"
                    </button>
                </ActionForm>
            })}
            <Feedback outcome />
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || list.get().map(|result| match result {
                    Ok(applications) => view! {
                        <ApplicationsTable applications actions />
                    }.into_any(),
                    Err(error) => view! {
                        <p class="form-error" role="alert">{error.message()}</p>
                    }.into_any(),
                })}
            </Transition>
        </main>
        <ConfirmDialog request=actions.confirm />
    }
}

#[component]
fn ApplicationsTable(applications: Vec<ApplicationView>, actions: RowActions) -> impl IntoView {
    if applications.is_empty() {
        return view! { <p class="empty">"No applications."</p> }.into_any();
    }
    let rows = applications
        .into_iter()
        .map(|application| view! { <ApplicationRow application actions /> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="sessions">
                <caption class="visually-hidden">"Applications"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Created (UTC)"</th>
                        <th scope="col">"Live API keys"</th>
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
fn ApplicationRow(application: ApplicationView, actions: RowActions) -> impl IntoView {
    let id = application.id;
    let name = application.name;
    let ask_retire = {
        let name = name.clone();
        move |_| actions.ask_retire(id, &name)
    };
    let rename_id = format!("rename-application-{id}");
    let new_name_label = format!("New name for {name}");
    let rename_label = format!("Rename {name}");
    let current_name = name.clone();
    view! {
        <tr>
            <td data-label="Name"><strong>{name.clone()}</strong></td>
            <td data-label="Created" class="time">
                {application.created_at.to_short_utc_string()}
            </td>
            <td data-label="Live API keys">{application.live_keys.to_string()}</td>
            <td class="actions">
                <div class="row-actions">
                    <ActionForm action=actions.rename attr:class="inline-form">
                        <input type="hidden" name="application" value=id.0.to_string() />
                        <label for=rename_id.clone() class="visually-hidden">
                            {new_name_label}
                        </label>
                        <input id=rename_id name="name" value=current_name required
                            maxlength="200" />
                        <button type="submit" class="button" aria-label=rename_label>
                            "Rename"
                        </button>
                    </ActionForm>
                    <button type="button" class="button danger"
                        aria-label=format!("Retire {name}") on:click=ask_retire>
                        "Retire"
                    </button>
                </div>
            </td>
        </tr>
    }
}
