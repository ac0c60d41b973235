//! The controls around a sessions table: the count and "Terminate selected" above it, the
//! filters (on the account and platform boards), and the pager below.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::components::{A, Form};
use sessionboard::model::{
    COUNT_CAP, Cursor, DeviceKind, SessionFilter, SessionId, SessionsPage, SessionsView,
};

use super::api::{BoardQuery, load_filter_options};
use crate::query;

#[component]
pub fn Summary(
    page: SessionsPage,
    selected: RwSignal<BTreeSet<SessionId>>,
    on_terminate_selected: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    let total = if page.total >= u64::from(COUNT_CAP) {
        format!("{COUNT_CAP}+ sessions")
    } else if page.total == 1 {
        "1 session".to_owned()
    } else {
        format!("{} sessions", page.total)
    };
    let count = move || selected.with(BTreeSet::len);
    view! {
        <div class="summary">
            <span class="count">{total}</span>
            <button
                type="button"
                class="button danger"
                disabled=move || count() == 0
                on:click=on_terminate_selected
            >
                {move || format!("Terminate selected ({})", count())}
            </button>
        </div>
    }
}

#[component]
pub fn Filters(view: SessionsView, board_query: Memo<BoardQuery>) -> impl IntoView {
    let options = Resource::new(move || view, load_filter_options);
    let current = move || board_query.get().filter;
    let selected_if = |value: Option<i64>, id: i64| value == Some(id);
    view! {
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <label for="filter-q">"Search"</label>
            <input
                id="filter-q"
                type="search"
                name="q"
                maxlength="100"
                placeholder="Name, email, device, browser, place or IP"
                prop:value=move || current().search.unwrap_or_default()
            />
            <Transition>
                {move || options.get().and_then(Result::ok).map(|options| {
                    let users = options.users.clone();
                    view! {
                        {(!users.is_empty()).then(|| view! {
                            <label for="filter-user">"User"</label>
                            <select id="filter-user" name="user">
                                <option value="">"Everyone"</option>
                                {users.into_iter().map(|(id, name)| view! {
                                    <option value=id.0.to_string() selected=move || selected_if(current().user.map(|u| u.0), id.0)>{name}</option>
                                }).collect_view()}
                            </select>
                        })}
                        <label for="filter-app">"Application"</label>
                        <select id="filter-app" name="app">
                            <option value="">"All applications"</option>
                            {options.applications.into_iter().map(|(id, name)| view! {
                                <option value=id.0.to_string() selected=move || selected_if(current().application.map(|a| a.0), id.0)>{name}</option>
                            }).collect_view()}
                        </select>
                    }
                })}
            </Transition>
            <label for="filter-sort">"Sort"</label>
            <select id="filter-sort" name="sort">
                <option value="">"Newest first"</option>
                <option value="oldest" selected=move || current().oldest_first>"Oldest first"</option>
            </select>
            <label for="filter-country">"Country"</label>
            <input
                id="filter-country"
                class="short"
                type="text"
                name="country"
                maxlength="2"
                size="3"
                autocomplete="off"
                placeholder="NL"
                title="A two-letter country code"
                prop:value=move || current().country.unwrap_or_default()
            />
            <label for="filter-device">"Device"</label>
            <select id="filter-device" name="device">
                <option value="">"Any device"</option>
                {DeviceKind::ALL.into_iter().map(|kind| view! {
                    <option value=kind.as_str() selected=move || current().device == Some(kind)>{kind.label()}</option>
                }).collect_view()}
            </select>
            <label for="filter-created-after">"Created from"</label>
            <input
                id="filter-created-after"
                type="date"
                name="created_after"
                prop:value=move || query::day(current().created_after)
            />
            <label for="filter-created-before">"before"</label>
            <input
                id="filter-created-before"
                type="date"
                name="created_before"
                prop:value=move || query::day(current().created_before)
            />
            <label class="inline" title="Sessions whose sign-in stood out: a new device, country or region, or impossible travel">
                <input type="checkbox" name="flagged" value="1" prop:checked=move || current().flagged_only />
                " Flagged only"
            </label>
            {move || current().account.map(|account| view! {
                <input type="hidden" name="account" value=account.0.to_string() />
            })}
            <button type="submit" class="button primary">"Apply"</button>
            {move || {
                let filter = current();
                (filter != SessionFilter::default()).then(|| view! { <A href="?" attr:class="clear">"Clear filters"</A> })
            }}
        </Form>
    }
}

#[component]
pub fn Pager(board_query: Memo<BoardQuery>, next: Option<Cursor>) -> impl IntoView {
    let pairs = move || query::filter_pairs(&board_query.get().filter);
    let first = move || {
        board_query
            .get()
            .after
            .is_some()
            .then(|| view! { <A href=query::to_query(pairs())>"First page"</A> })
    };
    let next_link = next.map(|cursor| {
        let href = move || {
            let mut pairs = pairs();
            pairs.push(("after", cursor.encode()));
            query::to_query(pairs)
        };
        view! { <A href=href>"Next page"</A> }
    });
    view! { <nav class="pager" aria-label="Pages">{first}{next_link}</nav> }
}
