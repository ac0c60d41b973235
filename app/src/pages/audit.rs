//! For platform admins: every time a sales representative acted as a customer, and what they
//! did while acting.
//!
//! Two lists on one page, each paged on its own: `after` pages the impersonations, `done_after`
//! the actions; each list's "Older" link keeps the other's place.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use sessionboard::model::{ActingActionView, Cursor, ImpersonationView, Page};

use crate::components::signed_in::SignedIn;
use crate::error::UiError;
use crate::query;

/// The query parameter that pages the list of actions taken while acting.
const ACTIONS_AFTER: &str = "done_after";

#[server(endpoint = "audit_log", input = leptos::server_fn::codec::Json)]
pub async fn audit_log(after: Option<Cursor>) -> Result<Page<ImpersonationView>, UiError> {
    use crate::ssr::{app_context, caller, fail};
    use sessionboard::model::PageRequest;

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .list_impersonations(
            &caller,
            PageRequest {
                after,
                ..PageRequest::default()
            },
        )
        .await
        .map_err(fail)
}

#[server(endpoint = "acting_log", input = leptos::server_fn::codec::Json)]
pub async fn acting_log(after: Option<Cursor>) -> Result<Page<ActingActionView>, UiError> {
    use crate::ssr::{app_context, caller, fail};
    use sessionboard::model::PageRequest;

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .list_acting_actions(
            &caller,
            PageRequest {
                after,
                ..PageRequest::default()
            },
        )
        .await
        .map_err(fail)
}

/// Where the next page of one list (`key`) is, keeping the other list where it is.
fn older_href(params: &ParamsMap, key: &'static str, cursor: Cursor) -> String {
    let keep = ["after", ACTIONS_AFTER]
        .into_iter()
        .filter(|other| *other != key)
        .map(|other| (other, query::text(params, other).unwrap_or_default()));
    query::to_query(keep.chain([(key, cursor.encode())]))
}

#[component]
pub fn AuditPage() -> impl IntoView {
    view! { <SignedIn><Audit /></SignedIn> }
}

#[component]
fn Audit() -> impl IntoView {
    let query_map = use_query_map();
    let after = Memo::new(move |_| query::cursor(&query_map.get()));
    let actions_after = Memo::new(move |_| {
        query::text(&query_map.get(), ACTIONS_AFTER).and_then(|text| Cursor::parse(&text))
    });
    let log = Resource::new(move || after.get(), audit_log);
    let actions = Resource::new(move || actions_after.get(), acting_log);
    view! {
        <main class="page">
            <h1>"Audit log"</h1>
            <p class="lede">"Sales representatives acting as customer users, newest first."</p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || log.get().map(|result| match result {
                    Ok(page) if page.items.is_empty() => view! { <p class="empty">"Nobody has acted as a customer yet."</p> }.into_any(),
                    Ok(page) => {
                        let next = page.next.map(|cursor| view! {
                            <nav class="pager"><A href=older_href(&query_map.get(), "after", cursor)>"Older"</A></nav>
                        });
                        view! {
                            <div class="table-wrap">
                                <table class="sessions">
                                    <caption class="visually-hidden">"Impersonations"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Representative"</th>
                                            <th scope="col">"Acted as"</th>
                                            <th scope="col">"Account"</th>
                                            <th scope="col">"Started (UTC)"</th>
                                            <th scope="col">"Ended (UTC)"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {page.items.into_iter().map(|entry| view! {
                                            <tr>
                                                <td data-label="Representative">{entry.impersonator_name}</td>
                                                <td data-label="Acted as">{entry.target_user_name}</td>
                                                <td data-label="Account">{entry.target_account_name}</td>
                                                <td data-label="Started" class="time">{entry.started_at.to_short_utc_string()}</td>
                                                <td data-label="Ended" class="time">{entry.ended_at.map(|t| t.to_short_utc_string()).unwrap_or_else(|| "still acting".to_owned())}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {next}
                        }.into_any()
                    }
                    Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
                })}
            </Transition>
            <h2>"Done while acting"</h2>
            <p class="lede">"Every session ended and setting changed by a representative acting as a customer, newest first."</p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || actions.get().map(|result| match result {
                    Ok(page) if page.items.is_empty() => view! { <p class="empty">"Nothing has been done while acting yet."</p> }.into_any(),
                    Ok(page) => {
                        let next = page.next.map(|cursor| view! {
                            <nav class="pager"><A href=older_href(&query_map.get(), ACTIONS_AFTER, cursor)>"Older"</A></nav>
                        });
                        view! {
                            <div class="table-wrap">
                                <table class="sessions">
                                    <caption class="visually-hidden">"Actions taken while acting as a customer"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"When (UTC)"</th>
                                            <th scope="col">"Who"</th>
                                            <th scope="col">"Account"</th>
                                            <th scope="col">"What"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {page.items.into_iter().map(|action| {
                                            let who = action.who();
                                            view! {
                                                <tr>
                                                    <td data-label="When" class="time">{action.at.to_short_utc_string()}</td>
                                                    <td data-label="Who">{who}</td>
                                                    <td data-label="Account">{action.account_name}</td>
                                                    <td data-label="What">{action.detail}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {next}
                        }.into_any()
                    }
                    Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
                })}
            </Transition>
        </main>
    }
}
