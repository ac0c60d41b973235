//! The audit log of changes to accounts, people, memberships, applications and passwords: who
//! made each, from where, and when. All of it for platform admins (`/admin/changes`, or one
//! account's with `account` in the URL), one account's for its owners
//! (`/accounts/:account/changes`).
//!
//! Every filter is in the URL: `actor` (who made the change), `target` (whom it was about),
//! `kind`, `account` and the page's `after`. A person's name in the table narrows the log to
//! them.

use leptos::prelude::*;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::params::ParamsMap;
use sessionboard::model::{AccountId, ChangeKind, ChangeView, Cursor, Page, UserId};

use super::Pager;
use crate::components::signed_in::{SignedIn, use_viewer};
use crate::error::UiError;
use crate::query;

/// The query parameters that narrow the log; paging keeps them.
const FILTERS: &[&str] = &["account", "actor", "target", "kind"];

#[server(endpoint = "admin_changes")]
pub async fn changes_log(
    account: Option<AccountId>,
    actor: Option<UserId>,
    target: Option<UserId>,
    kind: Option<String>,
    after: Option<String>,
) -> Result<Page<ChangeView>, UiError> {
    use super::page_after;
    use crate::ssr::{app_context, caller, fail};
    use sessionboard::model::ChangeFilter;

    let caller = caller().map_err(fail)?;
    let kind = kind
        .map(|text| {
            ChangeKind::parse(&text).ok_or_else(|| UiError::InvalidInput("unknown kind".to_owned()))
        })
        .transpose()
        .map_err(fail)?;
    let page = page_after(after).map_err(fail)?;
    // The account narrows the scope itself (an owner may read only theirs), not the filter.
    let filter = ChangeFilter {
        actor,
        target,
        kind,
        account: None,
    };
    app_context()?
        .service
        .list_changes(&caller, account, &filter, page)
        .await
        .map_err(fail)
}

/// What the log shows, from the URL (and, on an account's page, its path).
#[derive(Clone, Debug, PartialEq)]
struct ChangesQuery {
    account: Option<AccountId>,
    actor: Option<UserId>,
    target: Option<UserId>,
    kind: Option<String>,
    after: Option<Cursor>,
}

#[component]
pub fn ChangesPage() -> impl IntoView {
    view! { <SignedIn><Changes account=None /></SignedIn> }
}

#[component]
pub fn AccountChangesPage() -> impl IntoView {
    let params = use_params_map();
    view! {
        <SignedIn>
            {move || match query::number(&params.get(), "account") {
                Some(account) => {
                    view! { <Changes account=Some(AccountId(account)) /> }.into_any()
                }
                None => view! { <main class="page"><h1>"No such account"</h1></main> }.into_any(),
            }}
        </SignedIn>
    }
}

/// The log: all of it, or (with `account`) one account's, whose page it is.
#[component]
fn Changes(account: Option<AccountId>) -> impl IntoView {
    let query_map = use_query_map();
    let changes_query = Memo::new(move |_| {
        let params = query_map.get();
        ChangesQuery {
            account: account.or_else(|| query::number(&params, "account").map(AccountId)),
            actor: query::number(&params, "actor").map(UserId),
            target: query::number(&params, "target").map(UserId),
            kind: query::text(&params, "kind"),
            after: query::cursor(&params),
        }
    });
    let log = Resource::new(
        move || changes_query.get(),
        |q| {
            changes_log(
                q.account,
                q.actor,
                q.target,
                q.kind,
                q.after.map(|c| c.encode()),
            )
        },
    );
    let (title, lede) = match account {
        None => (
            "Changes".to_owned(),
            "Every change to accounts, people, memberships, applications and passwords, \
             newest first: who made it, from where, and what it ended.",
        ),
        Some(account) => (
            account_title(account),
            "Every change to this account and its members, newest first: who made it, from \
             where, and what it ended.",
        ),
    };
    // On an account's own page every row is that account's.
    let link_accounts = account.is_none();
    view! {
        <main class="page">
            <h1>{title}</h1>
            <p class="lede">{lede}</p>
            <ChangeFilters own_account=account.is_some() />
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || log.get().map(|result| match result {
                    Ok(page) => {
                        let next = page.next;
                        view! {
                            <ChangesTable changes=page.items params=query_map.get() link_accounts />
                            <Pager keep=FILTERS next />
                        }.into_any()
                    }
                    Err(error) => view! {
                        <p class="form-error" role="alert">{error.message()}</p>
                    }.into_any(),
                })}
            </Transition>
        </main>
    }
}

/// "Changes in Acme" for an account the reader owns; platform admins see its name in the rows.
fn account_title(account: AccountId) -> String {
    use_viewer()
        .memberships
        .iter()
        .find(|membership| membership.account_id == account)
        .map(|membership| format!("Changes in {}", membership.account_name))
        .unwrap_or_else(|| "Account changes".to_owned())
}

/// The kind of change to show, keeping the filters set by clicking names.
#[component]
fn ChangeFilters(
    /// On an account's own page the account is in the path, not a filter.
    own_account: bool,
) -> impl IntoView {
    let query_map = use_query_map();
    let text = move |key: &str| query::text(&query_map.get(), key);
    let kept = FILTERS
        .iter()
        .copied()
        .filter(|&key| key != "kind" && !(own_account && key == "account"))
        .map(|key| {
            move || text(key).map(|value| view! { <input type="hidden" name=key value=value /> })
        })
        .collect_view();
    let filtered = move || FILTERS.iter().any(|&key| text(key).is_some());
    view! {
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <label for="changes-kind">"Change"</label>
            <select id="changes-kind" name="kind">
                <option value="">"All changes"</option>
                {ChangeKind::ALL.into_iter().map(|kind| {
                    let is_selected = move || text("kind").as_deref() == Some(kind.as_str());
                    view! {
                        <option value=kind.as_str() selected=is_selected>{kind.label()}</option>
                    }
                }).collect_view()}
            </select>
            {kept}
            <button type="submit" class="button primary">"Apply"</button>
            {move || {
                filtered().then(|| view! { <A href="?" attr:class="clear">"Clear filters"</A> })
            }}
        </Form>
    }
}

/// The log's address with `key` set to `value`, keeping the other filters, from the newest.
fn narrowed(params: &ParamsMap, key: &'static str, value: String) -> String {
    let others = FILTERS
        .iter()
        .copied()
        .filter(|&other| other != key)
        .map(|other| (other, query::text(params, other).unwrap_or_default()));
    query::to_query(others.chain([(key, value)]))
}

#[component]
fn ChangesTable(
    changes: Vec<ChangeView>,
    /// The page's query, which the names' links narrow.
    params: ParamsMap,
    /// Whether an account's name narrows the log to it.
    link_accounts: bool,
) -> impl IntoView {
    if changes.is_empty() {
        return view! { <p class="empty">"No changes match."</p> }.into_any();
    }
    let rows = changes
        .into_iter()
        .map(|change| view! { <ChangeRow change params=params.clone() link_accounts /> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="sessions">
                <caption class="visually-hidden">"Changes"</caption>
                <thead>
                    <tr>
                        <th scope="col">"When (UTC)"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"From IP"</th>
                        <th scope="col">"Change"</th>
                        <th scope="col">"Account"</th>
                        <th scope="col">"Target"</th>
                        <th scope="col">"Detail"</th>
                        <th scope="col">"Sessions ended"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn ChangeRow(change: ChangeView, params: ParamsMap, link_accounts: bool) -> impl IntoView {
    let who = change.who();
    let who = match change.actor_id {
        Some(actor) => {
            let href = narrowed(&params, "actor", actor.0.to_string());
            view! { <A href attr:title="Show only changes made by this person">{who}</A> }
                .into_any()
        }
        None => view! { <span>{who}</span> }.into_any(),
    };
    let account = match (change.account_id, change.account_name) {
        (Some(account), Some(name)) if link_accounts => {
            let href = narrowed(&params, "account", account.0.to_string());
            view! { <A href attr:title="Show only this account's changes">{name}</A> }.into_any()
        }
        (_, name) => view! { <span>{name.unwrap_or_default()}</span> }.into_any(),
    };
    let target = match (change.target_user_id, change.target_user_name) {
        (Some(target), Some(name)) => {
            let href = narrowed(&params, "target", target.0.to_string());
            view! { <A href attr:title="Show only changes about this person">{name}</A> }.into_any()
        }
        (_, name) => view! { <span>{name.unwrap_or_default()}</span> }.into_any(),
    };
    let ip = change.ip.unwrap_or_else(|| "—".to_owned());
    view! {
        <tr>
            <td data-label="When" class="time">{change.at.to_short_utc_string()}</td>
            <td data-label="Who">{who}</td>
            <td data-label="From IP"><code>{ip}</code></td>
            <td data-label="Change">{change.kind.label()}</td>
            <td data-label="Account">{account}</td>
            <td data-label="Target">{target}</td>
            <td data-label="Detail">{change.detail}</td>
            <td data-label="Sessions ended">{change.sessions_ended.to_string()}</td>
        </tr>
    }
}
