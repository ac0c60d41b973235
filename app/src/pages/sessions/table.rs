//! The sessions tables. "My sessions" is about devices: every row is the reader, so there is
//! no person column, and the account is there because one person may belong to several. The
//! others' table (an account's or the whole platform's) puts the person first, with links that
//! narrow the board to them. Both share the frame and the row around their own cells.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::components::A;
use sessionboard::model::{Device, SessionFlags, SessionId, SessionView, SessionsView};

use super::title;
use crate::components::ago::Ago;
use crate::components::device_icon::DeviceIcon;
use crate::components::flags::FlagBadges;
use crate::query;

const MY_COLUMNS: &[&str] = &[
    "Device",
    "Browser",
    "Location",
    "IP",
    "Application",
    "Account",
    "Created on",
    "Last active",
];

const OTHERS_COLUMNS: &[&str] = &[
    "User",
    "Account",
    "Application",
    "IP (Location)",
    "Device (Browser)",
    "Created on",
    "Last active",
];

/// The board's table for `view`, or a line saying nothing matched.
#[component]
pub fn SessionsTable(
    view: SessionsView,
    sessions: Vec<SessionView>,
    selected: RwSignal<BTreeSet<SessionId>>,
    terminate: Callback<SessionView>,
) -> impl IntoView {
    if sessions.is_empty() {
        return view! { <p class="empty">"No active sessions match."</p> }.into_any();
    }
    match view {
        SessionsView::Mine => view! { <MySessionsTable sessions selected terminate /> }.into_any(),
        SessionsView::Account(_) | SessionsView::Platform => {
            let caption = title(view);
            // Platform admins see every account, so an account's name narrows the board to it;
            // on one account's board that would change nothing.
            let link_accounts = view == SessionsView::Platform;
            view! { <OthersSessionsTable caption link_accounts sessions selected terminate /> }
                .into_any()
        }
    }
}

/// The reader's own sessions, in all their accounts.
#[component]
fn MySessionsTable(
    sessions: Vec<SessionView>,
    selected: RwSignal<BTreeSet<SessionId>>,
    terminate: Callback<SessionView>,
) -> impl IntoView {
    let selectable = selectable(&sessions);
    let rows = sessions
        .into_iter()
        .map(|session| {
            let cells = view! { <MyCells session=session.clone() /> };
            view! { <SessionRow session selected terminate>{cells}</SessionRow> }
        })
        .collect_view();
    view! {
        <TableFrame caption=title(SessionsView::Mine) columns=MY_COLUMNS selectable selected>
            {rows}
        </TableFrame>
    }
}

/// Other people's sessions: one account's for its owners, every account's for platform admins.
#[component]
fn OthersSessionsTable(
    caption: &'static str,
    /// Whether an account's name is a link that shows only that account's sessions.
    link_accounts: bool,
    sessions: Vec<SessionView>,
    selected: RwSignal<BTreeSet<SessionId>>,
    terminate: Callback<SessionView>,
) -> impl IntoView {
    let selectable = selectable(&sessions);
    let rows = sessions
        .into_iter()
        .map(|session| {
            let cells = view! { <OthersCells session=session.clone() link_accounts /> };
            view! { <SessionRow session selected terminate>{cells}</SessionRow> }
        })
        .collect_view();
    view! {
        <TableFrame caption columns=OTHERS_COLUMNS selectable selected>
            {rows}
        </TableFrame>
    }
}

/// The sessions on a page that can be selected: all but the current one, which the server
/// refuses to end (signing out ends it).
fn selectable(sessions: &[SessionView]) -> Vec<SessionId> {
    sessions
        .iter()
        .filter(|s| !s.is_current)
        .map(|s| s.id)
        .collect()
}

/// The table around the rows: a checkbox column that selects every selectable session on the
/// page, the table's own columns, and the actions column.
#[component]
fn TableFrame(
    caption: &'static str,
    /// The headers between the checkbox column and the actions column.
    columns: &'static [&'static str],
    selectable: Vec<SessionId>,
    selected: RwSignal<BTreeSet<SessionId>>,
    children: Children,
) -> impl IntoView {
    let all_selected = {
        let selectable = selectable.clone();
        Signal::derive(move || {
            !selectable.is_empty()
                && selected.with(|set| selectable.iter().all(|id| set.contains(id)))
        })
    };
    let toggle_all = move |_| {
        let select = !all_selected.get();
        selected.update(|set| {
            for id in &selectable {
                if select {
                    set.insert(*id);
                } else {
                    set.remove(id);
                }
            }
        });
    };
    view! {
        <div class="table-wrap">
            <table class="sessions">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col" class="select">
                            <input type="checkbox" aria-label="Select all sessions on this page" prop:checked=all_selected on:change=toggle_all />
                        </th>
                        {columns.iter().map(|&h| view! { <th scope="col">{h}</th> }).collect_view()}
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// One session's row around the table's own cells (the children): the selection checkbox
/// first; the times and the terminate button last.
#[component]
fn SessionRow(
    session: SessionView,
    selected: RwSignal<BTreeSet<SessionId>>,
    terminate: Callback<SessionView>,
    children: Children,
) -> impl IntoView {
    let id = session.id;
    let os = session.device.os_label();
    let browser = session.device.browser_label();
    let label = format!(
        "Terminate the session of {} on {os}, {browser}, {}",
        session.user_name, session.ip
    );
    let select_label = format!("Select the session on {os}, {browser}, {}", session.ip);
    let session_for_click = session.clone();
    view! {
        <tr class:current=session.is_current data-session-id=id.to_string()>
            <td class="select">
                {(!session.is_current).then(|| view! {
                    <input
                        type="checkbox"
                        aria-label=select_label
                        prop:checked=move || selected.with(|set| set.contains(&id))
                        on:change=move |_| selected.update(|set| {
                            if !set.remove(&id) {
                                set.insert(id);
                            }
                        })
                    />
                })}
            </td>
            {children()}
            <td data-label="Created on" class="time"><Ago at=session.created_at /></td>
            <td data-label="Last active" class="time"><Ago at=session.last_active_at /></td>
            <td class="actions">
                <button
                    type="button"
                    class="button danger"
                    aria-label=label
                    on:click=move |_| terminate.run(session_for_click.clone())
                >
                    "Terminate"
                </button>
            </td>
        </tr>
    }
}

/// "My sessions" cells: the device, then where and in what it was signed in.
#[component]
fn MyCells(session: SessionView) -> impl IntoView {
    let browser = session.device.browser_label();
    let location = session.location.label();
    view! {
        <td data-label="Device"><DeviceSummary device=session.device is_current=session.is_current flags=session.flags /></td>
        <td data-label="Browser">{browser}</td>
        <td data-label="Location">{location}</td>
        <td data-label="IP"><code>{session.ip}</code></td>
        <td data-label="Application">{session.application}</td>
        <td data-label="Account">{session.account_name}</td>
    }
}

/// The others' table's cells: the person first (a link that shows only their sessions), then
/// account and application, then where from and on what.
#[component]
fn OthersCells(session: SessionView, link_accounts: bool) -> impl IntoView {
    let browser = session.device.browser_label();
    let location = session.location.label();
    let user_href = query::to_query([("user", session.user_id.0.to_string())]);
    let account_href = query::to_query([("account", session.account_id.0.to_string())]);
    let user_name = session.user_name;
    let account_name = session.account_name;
    let account = if link_accounts {
        view! { <A href=account_href attr:title="Show only this account">{account_name}</A> }
            .into_any()
    } else {
        view! { <span>{account_name}</span> }.into_any()
    };
    view! {
        <td data-label="User"><A href=user_href attr:title="Show only this person">{user_name}</A></td>
        <td data-label="Account">{account}</td>
        <td data-label="Application">{session.application}</td>
        <td data-label="IP (Location)"><code>{session.ip}</code><span class="sub">{location}</span></td>
        <td data-label="Device (Browser)">
            <DeviceSummary device=session.device is_current=session.is_current flags=session.flags />
            <span class="sub">{browser}</span>
        </td>
    }
}

/// A device as both tables show it: an icon for its kind, the system, the model if known, a
/// badge on the reader's own, and what made its sign-in stand out.
#[component]
fn DeviceSummary(device: Device, is_current: bool, flags: SessionFlags) -> impl IntoView {
    let os = device.os_label();
    view! {
        <div class="device">
            <DeviceIcon kind=device.kind />
            <div>
                <span class="device-os">{os}</span>
                {device.model.map(|model| view! { <span class="device-model">{model}</span> })}
                {is_current.then(|| view! { <span class="badge">"This device"</span> })}
                {flags.any().then(|| view! { <FlagBadges flags /> })}
            </div>
        </div>
    }
}
