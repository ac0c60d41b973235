//! For platform admins: the open accounts. Create, rename and close them, and choose the sales
//! representatives who serve them. Their members are on each account's Members page.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use sessionboard::model::{AccountId, AccountView, Page, UserId};

use super::{Feedback, Outcome, Pager, SearchForm, clear, sessions_ended};
use crate::components::confirm::{ConfirmDialog, Confirmation};
use crate::components::signed_in::{SignedIn, use_viewer};
use crate::error::UiError;
use crate::query;

/// One page of accounts, and the sales representatives who could serve them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountsList {
    pub accounts: Page<AccountView>,
    pub representatives: Vec<(UserId, String)>,
}

#[server(endpoint = "admin_accounts")]
pub async fn admin_accounts(
    search: String,
    after: Option<String>,
) -> Result<AccountsList, UiError> {
    use super::page_after;
    use crate::ssr::{app_context, caller, fail};
    use sessionboard::model::{MAX_PAGE_SIZE, PageRequest};

    let caller = caller().map_err(fail)?;
    let service = app_context()?.service;
    let page = page_after(after).map_err(fail)?;
    let accounts = service
        .list_accounts(&caller, &search, page)
        .await
        .map_err(fail)?;
    // One page of people is every representative for now: there are few of them.
    let everyone = PageRequest {
        after: None,
        limit: MAX_PAGE_SIZE,
    };
    let people = service
        .list_people(&caller, "", everyone)
        .await
        .map_err(fail)?;
    let representatives = people
        .items
        .into_iter()
        .filter(|person| person.is_sales_rep && person.deactivated_at.is_none())
        .map(|person| (person.id, person.name))
        .collect();
    Ok(AccountsList {
        accounts,
        representatives,
    })
}

#[server(endpoint = "admin_create_account")]
pub async fn admin_create_account(name: String) -> Result<AccountId, UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .create_account(&actor, &name, now())
        .await
        .map_err(fail)
}

#[server(endpoint = "admin_rename_account")]
pub async fn admin_rename_account(account: AccountId, name: String) -> Result<(), UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .rename_account(&actor, account, &name, now())
        .await
        .map_err(fail)
}

/// Closes an account and returns how many sessions that ended.
#[server(endpoint = "admin_close_account")]
pub async fn admin_close_account(account: AccountId) -> Result<usize, UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .close_account(&actor, account, now())
        .await
        .map_err(fail)
}

#[server(endpoint = "admin_assign_representative")]
pub async fn admin_assign_representative(account: AccountId, rep: UserId) -> Result<(), UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .assign_representative(&actor, rep, account, now())
        .await
        .map_err(fail)
}

#[server(endpoint = "admin_unassign_representative")]
pub async fn admin_unassign_representative(account: AccountId, rep: UserId) -> Result<(), UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .unassign_representative(&actor, rep, account, now())
        .await
        .map_err(fail)
}

/// What a row can do to its account.
#[derive(Clone, Copy)]
struct RowActions {
    rename: ServerAction<AdminRenameAccount>,
    close: ServerAction<AdminCloseAccount>,
    assign: ServerAction<AdminAssignRepresentative>,
    unassign: ServerAction<AdminUnassignRepresentative>,
    confirm: RwSignal<Option<Confirmation>>,
}

impl RowActions {
    /// Asks, then closes the account.
    fn ask_close(self, account: AccountId, name: &str) {
        let close = self.close;
        self.confirm.set(Some(Confirmation {
            question: format!(
                "Close {name}? Every session in it ends at once and it disappears from lists. \
                 Its records stay for the audit log."
            ),
            confirm_label: "Close".to_owned(),
            on_confirm: Callback::new(move |()| {
                close.dispatch(AdminCloseAccount { account });
            }),
        }));
    }
}

#[component]
pub fn AccountsPage() -> impl IntoView {
    view! { <SignedIn><Accounts /></SignedIn> }
}

#[component]
fn Accounts() -> impl IntoView {
    let is_admin = use_viewer().is_platform_admin;
    let query_map = use_query_map();
    let search = Memo::new(move |_| query::text(&query_map.get(), "q").unwrap_or_default());
    let after = Memo::new(move |_| query::cursor(&query_map.get()));
    let outcome = Outcome::new();
    let create = ServerAction::<AdminCreateAccount>::new();
    let actions = RowActions {
        rename: ServerAction::new(),
        close: ServerAction::new(),
        assign: ServerAction::new(),
        unassign: ServerAction::new(),
        confirm: RwSignal::new(None),
    };
    let create_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if outcome.show(create.value().get(), |_| "Account created.".to_owned()) {
            clear(create_form);
        }
    });
    Effect::new(move |_| {
        outcome.show(actions.rename.value().get(), |()| {
            "Account renamed.".to_owned()
        });
    });
    Effect::new(move |_| {
        outcome.show(actions.close.value().get(), |ended| {
            format!("Account closed: {}.", sessions_ended(ended))
        });
    });
    Effect::new(move |_| {
        outcome.show(actions.assign.value().get(), |()| {
            "Representative assigned.".to_owned()
        });
    });
    Effect::new(move |_| {
        outcome.show(actions.unassign.value().get(), |()| {
            "Representative unassigned.".to_owned()
        });
    });
    let list = Resource::new(
        move || (search.get(), after.get(), outcome.reload.get()),
        |(search, after, _)| admin_accounts(search, after.map(|cursor| cursor.encode())),
    );
    view! {
        <main class="page">
            <h1>"Accounts"</h1>
            <p class="lede">
                "Open accounts, newest first. Closing one ends every session in it; its records "
                "stay for the audit log."
            </p>
            {is_admin.then(|| view! {
                <ActionForm action=create node_ref=create_form attr:class="filters">
                    <label for="new-account-name">"New account"</label>
                    <input id="new-account-name" name="name" required maxlength="200"
                        autocomplete="organization" placeholder="Organisation name" />
                    <button type="submit" class="button primary"
                        disabled=move || create.pending().get()>
                        "Create account"
                    </button>
                </ActionForm>
            })}
            <Feedback outcome />
            <SearchForm id="accounts-q" placeholder="Account name" />
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || list.get().map(|result| match result {
                    Ok(page) => {
                        let next = page.accounts.next;
                        view! {
                            <AccountsTable list=page actions />
                            <Pager keep=&["q"] next />
                        }.into_any()
                    }
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
fn AccountsTable(list: AccountsList, actions: RowActions) -> impl IntoView {
    if list.accounts.items.is_empty() {
        return view! { <p class="empty">"No open accounts match."</p> }.into_any();
    }
    let representatives = Arc::new(list.representatives);
    let rows = list
        .accounts
        .items
        .into_iter()
        .map(|account| {
            let representatives = Arc::clone(&representatives);
            view! { <AccountRow account representatives actions /> }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="sessions">
                <caption class="visually-hidden">"Accounts"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Members"</th>
                        <th scope="col">"Created (UTC)"</th>
                        <th scope="col">"Representatives"</th>
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
fn AccountRow(
    account: AccountView,
    /// Every sales representative, to pick from.
    representatives: Arc<Vec<(UserId, String)>>,
    actions: RowActions,
) -> impl IntoView {
    let id = account.id;
    let name = account.name;
    let ask_close = {
        let name = name.clone();
        move |_| actions.ask_close(id, &name)
    };
    let rename_id = format!("rename-account-{id}");
    let new_name_label = format!("New name for {name}");
    let rename_label = format!("Rename {name}");
    let current_name = name.clone();
    view! {
        <tr>
            <td data-label="Name"><strong>{name.clone()}</strong></td>
            <td data-label="Members">{account.members.to_string()}</td>
            <td data-label="Created" class="time">{account.created_at.to_short_utc_string()}</td>
            <td data-label="Representatives">
                <Representatives
                    account=id
                    account_name=name.clone()
                    serving=account.representatives
                    representatives
                    actions
                />
            </td>
            <td class="actions">
                <div class="row-actions">
                    <ActionForm action=actions.rename attr:class="inline-form">
                        <input type="hidden" name="account" value=id.0.to_string() />
                        <label for=rename_id.clone() class="visually-hidden">
                            {new_name_label}
                        </label>
                        <input id=rename_id name="name" value=current_name required
                            maxlength="200" />
                        <button type="submit" class="button" aria-label=rename_label>
                            "Rename"
                        </button>
                    </ActionForm>
                    <a href=format!("/accounts/{id}/members")
                        aria-label=format!("Members of {name}")>"Members"</a>
                    <a href=format!("/accounts/{id}/changes")
                        aria-label=format!("Changes to {name}")>"Changes"</a>
                    <button type="button" class="button danger" aria-label=format!("Close {name}")
                        on:click=ask_close>
                        "Close"
                    </button>
                </div>
            </td>
        </tr>
    }
}

/// Who serves an account, each with a button to stop, and a choice of who else could.
#[component]
fn Representatives(
    account: AccountId,
    account_name: String,
    serving: Vec<(UserId, String)>,
    representatives: Arc<Vec<(UserId, String)>>,
    actions: RowActions,
) -> impl IntoView {
    let candidates: Vec<(UserId, String)> = representatives
        .iter()
        .filter(|(rep, _)| serving.iter().all(|(serves, _)| serves != rep))
        .cloned()
        .collect();
    let assigned = serving
        .into_iter()
        .map(|(rep, rep_name)| {
            let label = format!("Unassign {rep_name} from {account_name}");
            view! {
                <li>
                    <span>{rep_name}</span>
                    <ActionForm action=actions.unassign attr:class="inline-form">
                        <input type="hidden" name="account" value=account.0.to_string() />
                        <input type="hidden" name="rep" value=rep.0.to_string() />
                        <button type="submit" class="button small" aria-label=label>
                            "Unassign"
                        </button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    let select_id = format!("assign-rep-{account}");
    let assign = (!candidates.is_empty()).then(|| {
        view! {
            <ActionForm action=actions.assign attr:class="inline-form">
                <input type="hidden" name="account" value=account.0.to_string() />
                <label for=select_id.clone() class="visually-hidden">
                    {format!("Representative to serve {account_name}")}
                </label>
                <select id=select_id name="rep">
                    {candidates.into_iter().map(|(rep, rep_name)| view! {
                        <option value=rep.0.to_string()>{rep_name}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button small"
                    aria-label=format!("Assign a representative to {account_name}")>
                    "Assign"
                </button>
            </ActionForm>
        }
    });
    let assigned = if assigned.is_empty() {
        view! { <span class="sub">"None"</span> }.into_any()
    } else {
        view! { <ul class="tags">{assigned}</ul> }.into_any()
    };
    view! {
        {assigned}
        {assign}
    }
}
