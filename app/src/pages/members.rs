//! An account's members, for its owners and platform admins: who belongs to it, in which role
//! and job, with how many sessions; adding people, changing their role and job label,
//! resetting their password and removing them. The server decides who may do what, and
//! refuses what would leave the account without an owner.

use leptos::ev::SubmitEvent;
use leptos::html::{Dialog, Form, Input, Select};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use sessionboard::model::{AccountId, MemberView, Members, PasswordLink, Role, UserId};

use crate::components::confirm::{ConfirmDialog, Confirmation};
use crate::components::copy_link::CopyLink;
use crate::components::popup::ErrorPopup;
use crate::components::signed_in::{SignedIn, use_viewer};
use crate::error::UiError;
use crate::query;

/// What adding a member did, as the page reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AddedView {
    /// Someone Sessionboard already knew: they sign in as before.
    Existing { name: String },
    /// Someone new, whose set-password link is shown this once.
    New { name: String, link: PasswordLink },
}

#[server(endpoint = "account_members")]
pub async fn account_members(account: AccountId) -> Result<Members, UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .members(&caller, account, now())
        .await
        .map_err(fail)
}

#[server(endpoint = "add_member")]
pub async fn add_member(
    account: AccountId,
    name: String,
    email: String,
    role: String,
    job_label: String,
) -> Result<AddedView, UiError> {
    use crate::ssr::{actor, app_context, fail, now};
    use sessionboard::service::{Added, NewMember};

    let actor = actor().map_err(fail)?;
    let member = NewMember {
        name: &name,
        email: &email,
        role: parse_role(&role).map_err(fail)?,
        job_label: &job_label,
    };
    let added = app_context()?
        .service
        .add_member(&actor, account, member, now())
        .await
        .map_err(fail)?;
    // The name as typed: someone already known keeps their own, which the reloaded table
    // shows.
    let name = name.trim().to_owned();
    Ok(match added {
        Added::Existing(_) => AddedView::Existing { name },
        Added::New(link) => AddedView::New { name, link },
    })
}

#[server(endpoint = "change_member")]
pub async fn change_member(
    account: AccountId,
    user: UserId,
    role: String,
    job_label: String,
) -> Result<(), UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    let role = parse_role(&role).map_err(fail)?;
    app_context()?
        .service
        .change_member(&actor, account, user, role, &job_label, now())
        .await
        .map_err(fail)
}

/// Removes a member; returns how many of their sessions in the account ended.
#[server(endpoint = "remove_member")]
pub async fn remove_member(account: AccountId, user: UserId) -> Result<usize, UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .remove_member(&actor, account, user, now())
        .await
        .map_err(fail)
}

/// Takes a member's password away and returns the set-password link to hand them; with
/// `sign_out` (a ticked checkbox) their sessions end too.
#[server(endpoint = "reset_member_password")]
pub async fn reset_member_password(
    user: UserId,
    sign_out: Option<String>,
) -> Result<PasswordLink, UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    app_context()?
        .service
        .reset_password(&actor, user, sign_out.is_some(), now())
        .await
        .map_err(fail)
}

/// The role a form names, or [`UiError::InvalidInput`].
#[cfg(feature = "ssr")]
fn parse_role(text: &str) -> Result<Role, UiError> {
    Role::parse(text).ok_or_else(|| UiError::InvalidInput("no such role".to_owned()))
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let params = use_params_map();
    view! {
        <SignedIn>
            {move || match query::number(&params.get(), "account") {
                Some(account) => view! { <Members account=AccountId(account) /> }.into_any(),
                None => view! { <main class="page"><h1>"No such account"</h1></main> }.into_any(),
            }}
        </SignedIn>
    }
}

#[component]
fn Members(account: AccountId) -> impl IntoView {
    let account_name = use_viewer()
        .memberships
        .iter()
        .find(|membership| membership.account_id == account)
        .map(|membership| membership.account_name.clone())
        // Platform admins manage accounts they do not belong to.
        .unwrap_or_else(|| format!("Account {account}"));
    let actions = MemberActions::new(account, account_name.clone());
    let members = Resource::new(move || actions.version(), move |_| account_members(account));
    let allowed = move || matches!(members.get(), Some(Ok(_)));
    view! {
        <main class="page">
            <div class="page-title">
                <h1>"Members"</h1>
                <A href=format!("/accounts/{account}/changes")>"Change log"</A>
            </div>
            <p class="notice" role="status" aria-live="polite">{move || actions.notice.get()}</p>
            {move || actions.link.get().map(|(person, link)| view! {
                <section class="card secret" role="status"><CopyLink link person /></section>
            })}
            <Transition fallback=|| view! { <p class="loading">"Loading members…"</p> }>
                {move || members.get().map(|result| match result {
                    Ok(page) => {
                        // The account's own name, from the server: a platform admin may not
                        // belong to it. Read here, inside the one boundary that reads the
                        // members (Leptos' SSR can deadlock when several boundaries read one
                        // resource, leptos-rs/leptos#4673).
                        actions.account_name.set_value(page.account_name.clone());
                        let members = page.members;
                        view! {
                            <p class="lede">{page.account_name}</p>
                            <MembersTable account members actions />
                        }
                            .into_any()
                    }
                    Err(error) => view! {
                        <p class="form-error" role="alert">{error.message()}</p>
                    }.into_any(),
                })}
                // Kept across reloads, so that what is being typed survives other changes.
                <Show when=allowed>
                    <AddMemberForm account actions />
                </Show>
            </Transition>
        </main>
        <MemberDialog
            target=actions.editing
            labelled_by="edit-member-title"
            content=Callback::new(move |member: MemberView| {
                view! { <EditForm member actions /> }.into_any()
            })
        />
        <MemberDialog
            target=actions.resetting
            labelled_by="reset-password-title"
            content=Callback::new(move |member: MemberView| {
                view! { <ResetForm member actions /> }.into_any()
            })
        />
        <ConfirmDialog request=actions.confirm />
        <ErrorPopup message=actions.popup title="The change was not made" />
    }
}

/// The page's state around changing members, and the ways to change them. Each change says
/// what it did in the status line (or, refused, in a popup) and has the table load again.
#[derive(Clone, Copy)]
struct MemberActions {
    account: AccountId,
    account_name: StoredValue<String>,
    /// What the last change did, for the status line.
    notice: RwSignal<Option<String>>,
    /// The last set-password link made here, and whom it is for. It stays until the next
    /// one: it is shown only this once.
    link: RwSignal<Option<(String, PasswordLink)>>,
    /// Why the server refused, for the error popup.
    popup: RwSignal<Option<String>>,
    /// The question the confirmation dialog asks.
    confirm: RwSignal<Option<Confirmation>>,
    /// The member whose role and job label are being edited.
    editing: RwSignal<Option<MemberView>>,
    /// The member whose password is about to be reset.
    resetting: RwSignal<Option<MemberView>>,
    add: ServerAction<AddMember>,
    change: ServerAction<ChangeMember>,
    reset: ServerAction<ResetMemberPassword>,
    remove: ServerAction<RemoveMember>,
    /// Whom the last change, reset and removal were for: their answers name nobody.
    changed: StoredValue<String>,
    reset_for: StoredValue<String>,
    removed: StoredValue<String>,
}

impl MemberActions {
    fn new(account: AccountId, account_name: String) -> Self {
        let actions = Self {
            account,
            account_name: StoredValue::new(account_name),
            notice: RwSignal::new(None),
            link: RwSignal::new(None),
            popup: RwSignal::new(None),
            confirm: RwSignal::new(None),
            editing: RwSignal::new(None),
            resetting: RwSignal::new(None),
            add: ServerAction::new(),
            change: ServerAction::new(),
            reset: ServerAction::new(),
            remove: ServerAction::new(),
            changed: StoredValue::new(String::new()),
            reset_for: StoredValue::new(String::new()),
            removed: StoredValue::new(String::new()),
        };
        actions.report();
        actions
    }

    /// Changes each time a change completes: the table's cue to load again.
    fn version(self) -> [usize; 4] {
        [
            self.add.version().get(),
            self.change.version().get(),
            self.reset.version().get(),
            self.remove.version().get(),
        ]
    }

    /// Tells what each change did once the server has answered.
    fn report(self) {
        Effect::new(move |_| match self.add.value().get() {
            Some(Ok(AddedView::New { name, link })) => self.show_link(
                format!("{name} was added. They sign in once they have set a password."),
                name,
                link,
            ),
            Some(Ok(AddedView::Existing { name })) => {
                self.notice
                    .set(Some(format!("{name} was added; they sign in as before.")));
            }
            // Shown beside the form, which keeps what was typed.
            Some(Err(_)) | None => {}
        });
        Effect::new(move |_| match self.change.value().get() {
            Some(Ok(())) => {
                let name = self.changed.get_value();
                self.notice
                    .set(Some(format!("Saved the role and job label of {name}.")));
            }
            Some(Err(error)) => self.refused(error),
            None => {}
        });
        Effect::new(move |_| match self.reset.value().get() {
            Some(Ok(link)) => {
                let name = self.reset_for.get_value();
                self.show_link(format!("The password of {name} was reset."), name, link);
            }
            Some(Err(error)) => self.refused(error),
            None => {}
        });
        Effect::new(move |_| match self.remove.value().get() {
            Some(Ok(ended)) => {
                let name = self.removed.get_value();
                let account = self.account_name.get_value();
                self.notice.set(Some(format!(
                    "{name} was removed from {account}. {}",
                    sessions_ended(ended)
                )));
            }
            Some(Err(error)) => self.refused(error),
            None => {}
        });
    }

    /// The server's refusal, in the popup; the status line no longer tells of an earlier
    /// success as if it were this one's.
    fn refused(self, error: UiError) {
        self.notice.set(None);
        self.popup.set(Some(error.message()));
    }

    fn show_link(self, notice: String, person: String, link: PasswordLink) {
        self.notice.set(Some(notice));
        self.link.set(Some((person, link)));
    }

    fn save(self, member: &MemberView, role: String, job_label: String) {
        self.changed.set_value(member.name.clone());
        self.change.dispatch(ChangeMember {
            account: self.account,
            user: member.user_id,
            role,
            job_label,
        });
    }

    fn reset_password(self, member: &MemberView, sign_out: bool) {
        self.reset_for.set_value(member.name.clone());
        self.reset.dispatch(ResetMemberPassword {
            user: member.user_id,
            sign_out: sign_out.then(|| "on".to_owned()),
        });
    }

    /// Asks, then removes a member from the account.
    fn ask_remove(self, member: &MemberView) {
        let name = member.name.clone();
        let user = member.user_id;
        let account = self.account_name.get_value();
        self.confirm.set(Some(Confirmation {
            question: format!(
                "Remove {name} from {account}? Their sessions in this account end at once."
            ),
            confirm_label: "Remove".to_owned(),
            on_confirm: Callback::new(move |()| {
                self.removed.set_value(name.clone());
                self.remove.dispatch(RemoveMember {
                    account: self.account,
                    user,
                });
            }),
        }));
    }
}

/// "2 of their sessions ended."
fn sessions_ended(ended: usize) -> String {
    match ended {
        0 => "They had no sessions here.".to_owned(),
        1 => "1 of their sessions ended.".to_owned(),
        n => format!("{n} of their sessions ended."),
    }
}

#[component]
fn AddMemberForm(account: AccountId, actions: MemberActions) -> impl IntoView {
    let add = actions.add;
    let form = NodeRef::<Form>::new();
    // Empty again for the next person; after a refusal it keeps what was typed.
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (add.value().get(), form.get_untracked()) {
            form.reset();
        }
    });
    let error = move || {
        add.value().get().and_then(Result::err).map(
            |error: UiError| view! { <p class="form-error" role="alert">{error.message()}</p> },
        )
    };
    view! {
        <section class="card add-member">
            <h2>"Add a member"</h2>
            <ActionForm action=add node_ref=form attr:class="member-form">
                <input type="hidden" name="account" value=account.0.to_string() />
                <div class="field">
                    <label for="member-name">"Name"</label>
                    <input id="member-name" name="name" autocomplete="off" required
                        maxlength="200" />
                </div>
                <div class="field">
                    <label for="member-email">"Email"</label>
                    <input id="member-email" type="email" name="email" autocomplete="off"
                        required maxlength="254" />
                </div>
                <div class="field">
                    <label for="member-role">"Role"</label>
                    <select id="member-role" name="role">{role_options(Role::Employee)}</select>
                </div>
                <div class="field">
                    <label for="member-job-label">"Job label"</label>
                    <input id="member-job-label" name="job_label" maxlength="100"
                        placeholder="Purchasing, Accounting…" />
                </div>
                <button type="submit" class="button primary" disabled=move || add.pending().get()>
                    "Add member"
                </button>
                {error}
            </ActionForm>
            <p class="help">
                "Someone new gets a set-password link for you to hand over; someone who already "
                "signs in to Sessionboard keeps their password."
            </p>
        </section>
    }
}

/// The choice of roles, with `selected` chosen.
fn role_options(selected: Role) -> impl IntoView {
    [Role::Employee, Role::Owner]
        .into_iter()
        .map(|role| {
            view! {
                <option value=role.as_str() selected={role == selected}>{role_label(role)}</option>
            }
        })
        .collect_view()
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Employee => "Employee",
        Role::Owner => "Owner",
    }
}

#[component]
fn MembersTable(
    account: AccountId,
    members: Vec<MemberView>,
    actions: MemberActions,
) -> impl IntoView {
    let rows = members
        .into_iter()
        .map(|member| view! { <MemberRow account member actions /> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="sessions members">
                <caption class="visually-hidden">"Members"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Member"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Job label"</th>
                        <th scope="col">"Active sessions"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn MemberRow(account: AccountId, member: MemberView, actions: MemberActions) -> impl IntoView {
    let name = member.name.clone();
    let edit = {
        let member = member.clone();
        move |_| actions.editing.set(Some(member.clone()))
    };
    let reset = {
        let member = member.clone();
        move |_| actions.resetting.set(Some(member.clone()))
    };
    let remove = {
        let member = member.clone();
        move |_| actions.ask_remove(&member)
    };
    view! {
        <tr>
            <td data-label="Member">
                <span class="member-name">{member.name.clone()}</span>
                <span class="sub">{member.email.clone()}</span>
            </td>
            <td data-label="Role">{role_label(member.role)}</td>
            <td data-label="Job label">{member.job_label.clone()}</td>
            <td data-label="Active sessions">{sessions_link(account, &member)}</td>
            <td data-label="Status">{status(&member)}</td>
            <td class="actions">
                <div class="row-actions">
                    <button type="button" class="button" aria-label=format!("Edit {name}")
                        on:click=edit>"Edit"</button>
                    <button type="button" class="button"
                        aria-label=format!("Reset password of {name}") on:click=reset>
                        "Reset password"
                    </button>
                    <button type="button" class="button danger" aria-label=format!("Remove {name}")
                        on:click=remove>"Remove"</button>
                </div>
            </td>
        </tr>
    }
}

/// The member's live sessions here, linked to the account's board narrowed to them.
fn sessions_link(account: AccountId, member: &MemberView) -> AnyView {
    let count = member.live_sessions;
    if count == 0 {
        return "0".into_any();
    }
    let href = format!("/accounts/{account}/sessions?user={}", member.user_id);
    let whose = format!(
        " active session{} of {}",
        if count == 1 { "" } else { "s" },
        member.name
    );
    view! { <A href=href>{count.to_string()}<span class="visually-hidden">{whose}</span></A> }
        .into_any()
}

fn status(member: &MemberView) -> &'static str {
    if member.deactivated {
        "Deactivated"
    } else if member.synced && !member.has_password {
        "Active — signs in through its product"
    } else if !member.has_password {
        "Invited — no password yet"
    } else {
        "Active"
    }
}

/// A modal `<dialog>`, open while `target` names a member, that works like the confirmation
/// dialog: focus moves in, Escape cancels, focus returns to the button that opened it. Its
/// content is made for that member as it opens.
#[component]
fn MemberDialog(
    target: RwSignal<Option<MemberView>>,
    /// The id of the content's heading.
    labelled_by: &'static str,
    content: Callback<MemberView, AnyView>,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    Effect::new(move |_| {
        let Some(dialog) = dialog.get() else {
            return;
        };
        if target.with(Option::is_some) {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
        } else if dialog.open() {
            dialog.close();
        }
    });
    view! {
        <dialog
            node_ref=dialog
            class="popup"
            aria-labelledby=labelled_by
            on:close=move |_| target.set(None)
        >
            {move || target.get().map(|member| content.run(member))}
        </dialog>
    }
}

#[component]
fn EditForm(member: MemberView, actions: MemberActions) -> impl IntoView {
    let role = NodeRef::<Select>::new();
    let job_label = NodeRef::<Input>::new();
    let title = format!("Role and job label of {}", member.name);
    let (current_role, current_label) = (member.role, member.job_label.clone());
    let save = move |event: SubmitEvent| {
        event.prevent_default();
        let (Some(role), Some(job_label)) = (role.get_untracked(), job_label.get_untracked())
        else {
            return;
        };
        actions.save(&member, role.value(), job_label.value());
        actions.editing.set(None);
    };
    view! {
        <h2 id="edit-member-title">{title}</h2>
        <form class="stack" on:submit=save>
            <label for="edit-member-role">"Role"</label>
            <select id="edit-member-role" node_ref=role>{role_options(current_role)}</select>
            <label for="edit-member-job-label">"Job label"</label>
            <input id="edit-member-job-label" node_ref=job_label value=current_label
                maxlength="100" placeholder="Purchasing, Accounting…" />
            <div class="dialog-buttons">
                <button type="button" class="button" on:click=move |_| actions.editing.set(None)>
                    "Cancel"
                </button>
                <button type="submit" class="button primary">"Save"</button>
            </div>
        </form>
    }
}

#[component]
fn ResetForm(member: MemberView, actions: MemberActions) -> impl IntoView {
    let sign_out = NodeRef::<Input>::new();
    let title = format!("Reset the password of {}?", member.name);
    let reset = move |event: SubmitEvent| {
        event.prevent_default();
        // Ending their sessions is the safe default; only an unticked box keeps them.
        let sign_out = sign_out.get_untracked().is_none_or(|input| input.checked());
        actions.reset_password(&member, sign_out);
        actions.resetting.set(None);
    };
    view! {
        <h2 id="reset-password-title">{title}</h2>
        <p>
            "Their current password stops working at once. You get a one-time link to hand "
            "them, with which they set a new one."
        </p>
        <form class="stack" on:submit=reset>
            <label class="inline">
                <input node_ref=sign_out type="checkbox" checked />
                " Also sign them out everywhere"
            </label>
            <div class="dialog-buttons">
                <button
                    type="button"
                    class="button"
                    on:click=move |_| actions.resetting.set(None)
                >
                    "Cancel"
                </button>
                <button type="submit" class="button danger-solid">"Reset password"</button>
            </div>
        </form>
    }
}
