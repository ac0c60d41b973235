//! For platform admins: everyone Sessionboard knows. Create people (with their platform roles)
//! and hand them a set-password link, edit them, deactivate and reactivate them, reset their
//! passwords, and add them to accounts or remove them from one.

use std::sync::Arc;

use leptos::html::Dialog;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use sessionboard::model::{
    AccountId, Page, PasswordLink, PersonMembership, PersonView, Role, UserId,
};

use super::{Feedback, Outcome, Pager, SearchForm, clear, sessions_ended};
use crate::components::confirm::{ConfirmDialog, Confirmation};
use crate::components::copy_link::CopyLink;
use crate::components::signed_in::{SignedIn, use_viewer};
use crate::error::UiError;
use crate::query;

/// Columns of the people table, which an open edit row spans.
const COLUMNS: &str = "7";

/// One page of people, and the accounts they can be added to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeopleList {
    pub people: Page<PersonView>,
    pub accounts: Vec<(AccountId, String)>,
}

/// A set-password link, and whom it is for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssuedLink {
    pub name: String,
    pub link: PasswordLink,
}

#[server(endpoint = "admin_people")]
pub async fn admin_people(search: String, after: Option<String>) -> Result<PeopleList, UiError> {
    use super::page_after;
    use crate::ssr::{app_context, caller, fail};
    use sessionboard::model::{MAX_PAGE_SIZE, PageRequest};

    let caller = caller().map_err(fail)?;
    let service = app_context()?.service;
    let page = page_after(after).map_err(fail)?;
    let people = service
        .list_people(&caller, &search, page)
        .await
        .map_err(fail)?;
    // The newest accounts to choose from; enough until there are hundreds.
    let first = PageRequest {
        after: None,
        limit: MAX_PAGE_SIZE,
    };
    let accounts = service
        .list_accounts(&caller, "", first)
        .await
        .map_err(fail)?
        .items
        .into_iter()
        .map(|account| (account.id, account.name))
        .collect();
    Ok(PeopleList { people, accounts })
}

/// Creates a person, with no account yet, and returns their set-password link.
#[server(endpoint = "admin_create_person")]
pub async fn admin_create_person(
    name: String,
    email: String,
    platform_admin: Option<String>,
    sales_rep: Option<String>,
) -> Result<IssuedLink, UiError> {
    use crate::ssr::{actor, app_context, fail, now};
    use sessionboard::service::PlatformRoles;

    let actor = actor().map_err(fail)?;
    let roles = PlatformRoles {
        platform_admin: platform_admin.is_some(),
        sales_rep: sales_rep.is_some(),
    };
    let link = app_context()?
        .service
        .create_person(&actor, &name, &email, roles, now())
        .await
        .map_err(fail)?;
    Ok(IssuedLink {
        name: name.trim().to_owned(),
        link,
    })
}

#[server(endpoint = "admin_edit_person")]
pub async fn admin_edit_person(user: UserId, name: String, email: String) -> Result<(), UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .edit_person(&actor, user, &name, &email, now())
        .await
        .map_err(fail)
}

/// Sets both platform roles at once: an unticked box takes that role away.
#[server(endpoint = "admin_set_platform_roles")]
pub async fn admin_set_platform_roles(
    user: UserId,
    platform_admin: Option<String>,
    sales_rep: Option<String>,
) -> Result<(), UiError> {
    use crate::ssr::{actor, app_context, fail, now};
    use sessionboard::service::PlatformRoles;

    let actor = actor().map_err(fail)?;
    let roles = PlatformRoles {
        platform_admin: platform_admin.is_some(),
        sales_rep: sales_rep.is_some(),
    };
    app_context()?
        .service
        .set_platform_roles(&actor, user, roles, now())
        .await
        .map_err(fail)
}

/// Deactivates a person and returns how many sessions that ended.
#[server(endpoint = "admin_deactivate_person")]
pub async fn admin_deactivate_person(user: UserId) -> Result<usize, UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .deactivate_person(&actor, user, now())
        .await
        .map_err(fail)
}

#[server(endpoint = "admin_reactivate_person")]
pub async fn admin_reactivate_person(user: UserId) -> Result<(), UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .reactivate_person(&actor, user, now())
        .await
        .map_err(fail)
}

/// Takes a person's password away and returns the link with which they set a new one.
#[server(endpoint = "admin_reset_password")]
pub async fn admin_reset_password(
    user: UserId,
    end_sessions: bool,
) -> Result<PasswordLink, UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .reset_password(&actor, user, end_sessions, now())
        .await
        .map_err(fail)
}

/// Adds a person to an account by their name and email. Someone Sessionboard does not know by
/// that email is created, and their set-password link returned.
#[server(endpoint = "admin_add_member")]
pub async fn admin_add_member(
    account: AccountId,
    name: String,
    email: String,
    role: String,
    job_label: String,
) -> Result<Option<IssuedLink>, UiError> {
    use crate::ssr::{actor, app_context, fail, now};
    use sessionboard::service::{Added, NewMember};

    let actor = actor().map_err(fail)?;
    let role = Role::parse(&role)
        .ok_or_else(|| UiError::InvalidInput("unknown role".to_owned()))
        .map_err(fail)?;
    let member = NewMember {
        name: &name,
        email: &email,
        role,
        job_label: &job_label,
    };
    let added = app_context()?
        .service
        .add_member(&actor, account, member, now())
        .await
        .map_err(fail)?;
    Ok(match added {
        Added::Existing(_) => None,
        Added::New(link) => Some(IssuedLink {
            name: name.trim().to_owned(),
            link,
        }),
    })
}

/// Removes a person from an account and returns how many sessions that ended.
#[server(endpoint = "admin_remove_member")]
pub async fn admin_remove_member(account: AccountId, user: UserId) -> Result<usize, UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .remove_member(&actor, account, user, now())
        .await
        .map_err(fail)
}

/// Whose password the reset dialog asks about.
#[derive(Clone, Debug)]
struct ResetRequest {
    user: UserId,
    name: String,
}

/// What a row can do to its person.
#[derive(Clone, Copy)]
struct RowActions {
    edit: ServerAction<AdminEditPerson>,
    roles: ServerAction<AdminSetPlatformRoles>,
    deactivate: ServerAction<AdminDeactivatePerson>,
    reactivate: ServerAction<AdminReactivatePerson>,
    add: ServerAction<AdminAddMember>,
    remove: ServerAction<AdminRemoveMember>,
    /// The person whose name and email are open for editing.
    editing: RwSignal<Option<UserId>>,
    confirm: RwSignal<Option<Confirmation>>,
    reset: RwSignal<Option<ResetRequest>>,
}

impl RowActions {
    /// Asks, then deactivates the person.
    fn ask_deactivate(self, user: UserId, name: &str) {
        let deactivate = self.deactivate;
        self.confirm.set(Some(Confirmation {
            question: format!(
                "Deactivate {name}? They are signed out everywhere at once and cannot sign in."
            ),
            confirm_label: "Deactivate".to_owned(),
            on_confirm: Callback::new(move |()| {
                deactivate.dispatch(AdminDeactivatePerson { user });
            }),
        }));
    }

    fn toggle_editing(self, user: UserId) {
        self.editing
            .update(|editing| *editing = (*editing != Some(user)).then_some(user));
    }
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    view! { <SignedIn><People /></SignedIn> }
}

#[component]
fn People() -> impl IntoView {
    let is_admin = use_viewer().is_platform_admin;
    let query_map = use_query_map();
    let search = Memo::new(move |_| query::text(&query_map.get(), "q").unwrap_or_default());
    let after = Memo::new(move |_| query::cursor(&query_map.get()));
    let outcome = Outcome::new();
    let create = ServerAction::<AdminCreatePerson>::new();
    let reset = ServerAction::<AdminResetPassword>::new();
    let actions = RowActions {
        edit: ServerAction::new(),
        roles: ServerAction::new(),
        deactivate: ServerAction::new(),
        reactivate: ServerAction::new(),
        add: ServerAction::new(),
        remove: ServerAction::new(),
        editing: RwSignal::new(None),
        confirm: RwSignal::new(None),
        reset: RwSignal::new(None),
    };
    // The last set-password link issued, shown until the next: it is never shown again.
    let issued = RwSignal::new(None::<IssuedLink>);
    // Whose password is being reset, for the link's heading.
    let reset_for = RwSignal::new(String::new());
    let create_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        let created = outcome.show(create.value().get(), |link| {
            issued.set(Some(link));
            "Person created. Hand them their set-password link.".to_owned()
        });
        if created {
            clear(create_form);
        }
    });
    Effect::new(move |_| {
        outcome.show(reset.value().get(), |link| {
            let name = reset_for.get_untracked();
            issued.set(Some(IssuedLink { name, link }));
            "Password reset. Hand them their set-password link.".to_owned()
        });
    });
    Effect::new(move |_| {
        if outcome.show(actions.edit.value().get(), |()| "Saved.".to_owned()) {
            actions.editing.set(None);
        }
    });
    Effect::new(move |_| {
        outcome.show(actions.roles.value().get(), |()| {
            "Platform roles saved.".to_owned()
        });
    });
    Effect::new(move |_| {
        outcome.show(actions.deactivate.value().get(), |ended| {
            format!("Deactivated: {}.", sessions_ended(ended))
        });
    });
    Effect::new(move |_| {
        outcome.show(actions.reactivate.value().get(), |()| {
            "Reactivated.".to_owned()
        });
    });
    Effect::new(move |_| {
        outcome.show(actions.add.value().get(), |new_person| {
            if let Some(new_person) = new_person {
                issued.set(Some(new_person));
            }
            "Added to the account.".to_owned()
        });
    });
    Effect::new(move |_| {
        outcome.show(actions.remove.value().get(), |ended| {
            format!("Removed from the account: {}.", sessions_ended(ended))
        });
    });
    let on_reset = Callback::new(move |(request, end_sessions): (ResetRequest, bool)| {
        reset_for.set(request.name);
        reset.dispatch(AdminResetPassword {
            user: request.user,
            end_sessions,
        });
    });
    let list = Resource::new(
        move || (search.get(), after.get(), outcome.reload.get()),
        |(search, after, _)| admin_people(search, after.map(|cursor| cursor.encode())),
    );
    view! {
        <main class="page">
            <h1>"People"</h1>
            <p class="lede">
                "Everyone Sessionboard knows, newest first. It sends no mail: a new person, or "
                "one whose password was reset, gets a set-password link for you to hand over."
            </p>
            {is_admin.then(|| view! { <CreatePersonForm create form=create_form /> })}
            {move || issued.get().map(|IssuedLink { name, link }| view! {
                <section class="card secret" role="status">
                    <CopyLink link person=name />
                </section>
            })}
            <Feedback outcome />
            <SearchForm id="people-q" placeholder="Name or email" />
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || list.get().map(|result| match result {
                    Ok(page) => {
                        let next = page.people.next;
                        view! {
                            <PeopleTable list=page actions />
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
        <ResetDialog request=actions.reset on_reset />
    }
}

#[component]
fn CreatePersonForm(
    create: ServerAction<AdminCreatePerson>,
    form: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    view! {
        <ActionForm action=create node_ref=form attr:class="filters">
            <label for="new-person-name">"Name"</label>
            <input id="new-person-name" name="name" required maxlength="200"
                autocomplete="off" />
            <label for="new-person-email">"Email"</label>
            <input id="new-person-email" type="email" name="email" required maxlength="254"
                autocomplete="off" />
            <label class="inline">
                <input type="checkbox" name="platform_admin" value="on" />" Platform admin"
            </label>
            <label class="inline">
                <input type="checkbox" name="sales_rep" value="on" />" Sales representative"
            </label>
            <button type="submit" class="button primary" disabled=move || create.pending().get()>
                "Create person"
            </button>
        </ActionForm>
    }
}

#[component]
fn PeopleTable(list: PeopleList, actions: RowActions) -> impl IntoView {
    if list.people.items.is_empty() {
        return view! { <p class="empty">"Nobody matches."</p> }.into_any();
    }
    let accounts = Arc::new(list.accounts);
    let rows = list
        .people
        .items
        .into_iter()
        .map(|person| {
            let accounts = Arc::clone(&accounts);
            view! { <PersonRow person accounts actions /> }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="sessions">
                <caption class="visually-hidden">"People"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Platform roles"</th>
                        <th scope="col">"Memberships"</th>
                        <th scope="col">"Serves"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// "Active", "Deactivated" or "Invited (no password)", and its class.
fn status(person: &PersonView) -> (&'static str, &'static str) {
    if person.deactivated_at.is_some() {
        ("Deactivated", "outcome failed")
    } else if person.external_id.is_some() && !person.has_password {
        ("Active (signs in through its product)", "outcome ok")
    } else if !person.has_password {
        ("Invited (no password)", "outcome")
    } else {
        ("Active", "outcome ok")
    }
}

/// The accounts a representative serves, or a dash.
fn serves(person: &PersonView) -> String {
    if person.serves.is_empty() {
        return "—".to_owned();
    }
    person
        .serves
        .iter()
        .map(|(_, account)| account.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One person's row and, while it is open, the row that edits their name and email.
#[component]
fn PersonRow(
    person: PersonView,
    /// Every account, to add them to.
    accounts: Arc<Vec<(AccountId, String)>>,
    actions: RowActions,
) -> impl IntoView {
    let id = person.id;
    let (status, status_class) = status(&person);
    let serves = serves(&person);
    let name = person.name;
    let email = person.email;
    let is_editing = move || actions.editing.get() == Some(id);
    let edit_row = {
        let (name, email) = (name.clone(), email.clone());
        move || {
            is_editing().then(|| {
                view! { <EditRow user=id name=name.clone() email=email.clone() actions /> }
            })
        }
    };
    view! {
        <tr>
            <td data-label="Name"><strong>{name.clone()}</strong></td>
            <td data-label="Email">
                {email.clone()}
                {person.external_id.map(|id| view! { <br /><span class="sub">"Synced as " <code>{id}</code></span> })}
            </td>
            <td data-label="Platform roles">
                <RolesForm
                    user=id
                    name=name.clone()
                    is_platform_admin=person.is_platform_admin
                    is_sales_rep=person.is_sales_rep
                    actions
                />
            </td>
            <td data-label="Memberships">
                <Memberships
                    user=id
                    name=name.clone()
                    email=email.clone()
                    memberships=person.memberships
                    accounts
                    actions
                />
            </td>
            <td data-label="Serves">{serves}</td>
            <td data-label="Status"><span class=status_class>{status}</span></td>
            <td class="actions">
                <PersonActions
                    user=id
                    name
                    deactivated=person.deactivated_at.is_some()
                    actions
                />
            </td>
        </tr>
        {edit_row}
    }
}

/// Edit, reset the password, and deactivate (or reactivate).
#[component]
fn PersonActions(
    user: UserId,
    name: String,
    deactivated: bool,
    actions: RowActions,
) -> impl IntoView {
    let expanded = move || (actions.editing.get() == Some(user)).to_string();
    let ask_reset = {
        let name = name.clone();
        move |_| {
            actions.reset.set(Some(ResetRequest {
                user,
                name: name.clone(),
            }))
        }
    };
    let activity = if deactivated {
        let reactivate_label = format!("Reactivate {name}");
        view! {
            <ActionForm action=actions.reactivate attr:class="inline-form">
                <input type="hidden" name="user" value=user.0.to_string() />
                <button type="submit" class="button" aria-label=reactivate_label>
                    "Reactivate"
                </button>
            </ActionForm>
        }
        .into_any()
    } else {
        let ask_deactivate = {
            let name = name.clone();
            move |_| actions.ask_deactivate(user, &name)
        };
        view! {
            <button type="button" class="button danger" aria-label=format!("Deactivate {name}")
                on:click=ask_deactivate>
                "Deactivate"
            </button>
        }
        .into_any()
    };
    view! {
        <div class="row-actions">
            <button type="button" class="button" aria-label=format!("Edit {name}")
                aria-expanded=expanded on:click=move |_| actions.toggle_editing(user)>
                "Edit"
            </button>
            <button type="button" class="button" aria-label=format!("Reset password of {name}")
                on:click=ask_reset>
                "Reset password"
            </button>
            {activity}
        </div>
    }
}

/// The row under a person's that changes their name and email.
#[component]
fn EditRow(user: UserId, name: String, email: String, actions: RowActions) -> impl IntoView {
    let name_input = NodeRef::<leptos::html::Input>::new();
    // Opening the row moves focus into it, where the keyboard user wanted to go.
    name_input.on_load(|input| {
        let _ = input.focus();
    });
    let name_id = format!("edit-name-{user}");
    let email_id = format!("edit-email-{user}");
    view! {
        <tr class="editing">
            <td colspan=COLUMNS>
                <ActionForm action=actions.edit attr:class="inline-form">
                    <input type="hidden" name="user" value=user.0.to_string() />
                    <label for=name_id.clone()>"Name"</label>
                    <input id=name_id node_ref=name_input name="name" value=name required
                        maxlength="200" autocomplete="off" />
                    <label for=email_id.clone()>"Email"</label>
                    <input id=email_id type="email" name="email" value=email required
                        maxlength="254" autocomplete="off" />
                    <button type="submit" class="button primary">"Save"</button>
                    <button type="button" class="button"
                        on:click=move |_| actions.editing.set(None)>
                        "Cancel"
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
}

/// The two platform roles as boxes to tick, saved together.
#[component]
fn RolesForm(
    user: UserId,
    name: String,
    is_platform_admin: bool,
    is_sales_rep: bool,
    actions: RowActions,
) -> impl IntoView {
    view! {
        <ActionForm action=actions.roles attr:class="inline-form">
            <input type="hidden" name="user" value=user.0.to_string() />
            <label class="inline">
                <input type="checkbox" name="platform_admin" value="on"
                    checked=is_platform_admin />
                " Platform admin"
            </label>
            <label class="inline">
                <input type="checkbox" name="sales_rep" value="on" checked=is_sales_rep />
                " Sales representative"
            </label>
            <button type="submit" class="button small"
                aria-label=format!("Save the platform roles of {name}")>
                "Save"
            </button>
        </ActionForm>
    }
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Owner => "Owner",
        Role::Employee => "Employee",
    }
}

/// "Acme: Owner, Purchasing".
fn membership_label(membership: &PersonMembership) -> String {
    let role = role_label(membership.role);
    if membership.job_label.is_empty() {
        format!("{}: {role}", membership.account_name)
    } else {
        format!(
            "{}: {role}, {}",
            membership.account_name, membership.job_label
        )
    }
}

/// A person's accounts, each with a button to remove them, and a form to add them to another.
#[component]
fn Memberships(
    user: UserId,
    name: String,
    email: String,
    memberships: Vec<PersonMembership>,
    accounts: Arc<Vec<(AccountId, String)>>,
    actions: RowActions,
) -> impl IntoView {
    let others: Vec<(AccountId, String)> = accounts
        .iter()
        .filter(|(account, _)| memberships.iter().all(|m| m.account_id != *account))
        .cloned()
        .collect();
    let current = memberships
        .into_iter()
        .map(|membership| {
            let label = format!("Remove {name} from {}", membership.account_name);
            view! {
                <li>
                    <span>{membership_label(&membership)}</span>
                    <ActionForm action=actions.remove attr:class="inline-form">
                        <input type="hidden" name="account"
                            value=membership.account_id.0.to_string() />
                        <input type="hidden" name="user" value=user.0.to_string() />
                        <button type="submit" class="button danger small" aria-label=label>
                            "Remove"
                        </button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    let add = (!others.is_empty())
        .then(|| view! { <AddToAccount user name email accounts=others actions /> });
    let current = if current.is_empty() {
        view! { <span class="sub">"No account"</span> }.into_any()
    } else {
        view! { <ul class="tags">{current}</ul> }.into_any()
    };
    view! {
        {current}
        {add}
    }
}

/// Adds an existing person to an account, as the account's Members page would.
#[component]
fn AddToAccount(
    user: UserId,
    name: String,
    email: String,
    accounts: Vec<(AccountId, String)>,
    actions: RowActions,
) -> impl IntoView {
    let account_id = format!("add-account-{user}");
    let role_id = format!("add-role-{user}");
    let job_id = format!("add-job-{user}");
    view! {
        <ActionForm action=actions.add attr:class="inline-form">
            <input type="hidden" name="name" value=name.clone() />
            <input type="hidden" name="email" value=email />
            <label for=account_id.clone() class="visually-hidden">
                {format!("Account to add {name} to")}
            </label>
            <select id=account_id name="account">
                {accounts.into_iter().map(|(account, account_name)| view! {
                    <option value=account.0.to_string()>{account_name}</option>
                }).collect_view()}
            </select>
            <label for=role_id.clone() class="visually-hidden">"Role"</label>
            <select id=role_id name="role">
                <option value=Role::Employee.as_str()>{role_label(Role::Employee)}</option>
                <option value=Role::Owner.as_str()>{role_label(Role::Owner)}</option>
            </select>
            <label for=job_id.clone() class="visually-hidden">"Job label"</label>
            <input id=job_id name="job_label" maxlength="100" placeholder="Job label" />
            <button type="submit" class="button small">"Add to account"</button>
        </ActionForm>
    }
}

/// Asks before a password reset, with whether to sign the person out everywhere too (the
/// default: a reset usually means someone else may know the password).
#[component]
fn ResetDialog(
    request: RwSignal<Option<ResetRequest>>,
    on_reset: Callback<(ResetRequest, bool)>,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    let end_sessions = RwSignal::new(true);
    Effect::new(move |_| {
        let Some(dialog) = dialog.get() else {
            return;
        };
        if request.with(Option::is_some) {
            if !dialog.open() {
                end_sessions.set(true);
                let _ = dialog.show_modal();
            }
        } else if dialog.open() {
            dialog.close();
        }
    });
    let confirm = move |_| {
        if let Some(request_now) = request.get_untracked() {
            request.set(None);
            on_reset.run((request_now, end_sessions.get_untracked()));
        }
    };
    let question = move || {
        request.with(|r| {
            r.as_ref().map(|r| {
                format!(
                    "Reset the password of {}? Their current password stops working, and you \
                     get a set-password link to hand them.",
                    r.name
                )
            })
        })
    };
    view! {
        <dialog
            node_ref=dialog
            class="popup"
            aria-labelledby="reset-title"
            on:close=move |_| request.set(None)
        >
            <h2 id="reset-title">"Reset password?"</h2>
            <p>{question}</p>
            <label class="inline">
                <input
                    type="checkbox"
                    prop:checked=end_sessions
                    on:change=move |event| end_sessions.set(event_target_checked(&event))
                />
                " Also sign them out everywhere"
            </label>
            <div class="dialog-buttons">
                <button type="button" class="button" on:click=move |_| request.set(None)>
                    "Cancel"
                </button>
                <button type="button" class="button danger-solid" on:click=confirm>
                    "Reset password"
                </button>
            </div>
        </dialog>
    }
}
