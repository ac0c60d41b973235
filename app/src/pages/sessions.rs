//! Sessions tables: "my sessions" for everyone, an account's sessions for its owners, and every
//! session for platform admins. One board serves all three; the server decides what each may
//! see.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::components::{A, Form, Redirect};
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use serde::{Deserialize, Serialize};
use sessionboard::model::{
    AccountId, ApplicationId, COUNT_CAP, Cursor, SessionFilter, SessionId, SessionView,
    SessionsPage, SessionsView, UserId,
};

use crate::components::ago::{Ago, every, provide_clock};
use crate::components::confirm::{ConfirmDialog, Confirmation};
use crate::components::device_icon::DeviceIcon;
use crate::components::popup::ErrorPopup;
use crate::components::signed_in::SignedIn;
use crate::error::UiError;
use crate::query;

/// How often an open sessions page asks the server again: new sessions appear, ended ones go,
/// and a device whose own session was ended elsewhere notices within this time.
const POLL_MILLIS: u32 = 4_000;

/// What a board shows: which view, which filters, which page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoardQuery {
    pub view: SessionsView,
    pub filter: SessionFilter,
    pub after: Option<Cursor>,
}

/// The choices of the filter menus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FilterOptions {
    pub users: Vec<(UserId, String)>,
    pub applications: Vec<(ApplicationId, String)>,
}

#[server(endpoint = "sessions_page", input = leptos::server_fn::codec::Json)]
pub async fn load_sessions_page(query: BoardQuery) -> Result<SessionsPage, UiError> {
    use crate::ssr::{app_context, caller, fail, now};
    use sessionboard::model::PageRequest;

    let caller = caller().map_err(fail)?;
    let page = PageRequest {
        after: query.after,
        limit: 50,
    };
    app_context()?
        .service
        .sessions_page(&caller, query.view, &query.filter, page, now())
        .await
        .map_err(fail)
}

#[server(endpoint = "filter_options", input = leptos::server_fn::codec::Json)]
pub async fn load_filter_options(view: SessionsView) -> Result<FilterOptions, UiError> {
    use crate::ssr::{app_context, caller, fail};

    let caller = caller().map_err(fail)?;
    let service = app_context()?.service;
    let users = match view {
        SessionsView::Account(account) => service
            .account_members(&caller, account)
            .await
            .map_err(fail)?,
        SessionsView::Mine | SessionsView::Platform => Vec::new(),
    };
    let applications = service.applications().await.map_err(fail)?;
    Ok(FilterOptions {
        users,
        applications,
    })
}

/// The caller's own sessions, first page (also the simplest client of the service).
#[server(endpoint = "list_my_sessions")]
pub async fn list_my_sessions() -> Result<Vec<SessionView>, UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .list_my_sessions(&caller, now())
        .await
        .map_err(fail)
}

/// Ends one session. The server refuses the current one.
#[server(endpoint = "terminate_session")]
pub async fn terminate_session(id: SessionId) -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .terminate_session(&caller, id, now())
        .await
        .map_err(fail)
}

/// Ends several sessions, each under the same rules as one.
#[server(endpoint = "terminate_sessions", input = leptos::server_fn::codec::Json)]
pub async fn terminate_sessions(ids: Vec<SessionId>) -> Result<usize, UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .terminate_sessions(&caller, &ids, now())
        .await
        .map_err(fail)
}

/// Ends every session of the caller's but this one.
#[server(endpoint = "terminate_all_other_sessions")]
pub async fn terminate_all_other_sessions() -> Result<u64, UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .terminate_all_other_sessions(&caller, now())
        .await
        .map_err(fail)
}

#[component]
pub fn MySessionsPage() -> impl IntoView {
    view! { <SignedIn><SessionsBoard view=SessionsView::Mine /></SignedIn> }
}

#[component]
pub fn AccountSessionsPage() -> impl IntoView {
    let params = use_params_map();
    view! {
        <SignedIn>
            {move || match query::number(&params.get(), "account") {
                Some(account) => {
                    view! { <SessionsBoard view=SessionsView::Account(AccountId(account)) /> }
                        .into_any()
                }
                None => view! { <main class="page"><h1>"No such account"</h1></main> }.into_any(),
            }}
        </SignedIn>
    }
}

#[component]
pub fn PlatformSessionsPage() -> impl IntoView {
    view! { <SignedIn><SessionsBoard view=SessionsView::Platform /></SignedIn> }
}

fn title(view: SessionsView) -> &'static str {
    match view {
        SessionsView::Mine => "Your active sessions",
        SessionsView::Account(_) => "Account sessions",
        SessionsView::Platform => "All sessions",
    }
}

#[component]
fn SessionsBoard(view: SessionsView) -> impl IntoView {
    let query_map = use_query_map();
    let board_query = Memo::new(move |_| {
        let params = query_map.get();
        BoardQuery {
            view,
            filter: query::session_filter(&params),
            after: query::cursor(&params),
        }
    });
    let poll = RwSignal::new(0u32);
    let page = Resource::new(
        move || (board_query.get(), poll.get()),
        |(board_query, _)| load_sessions_page(board_query),
    );
    let navigate = use_navigate();
    // Poll in the background and re-render only when something changed, so a keyboard user's
    // focus and the reader's place survive the quiet polls.
    every(POLL_MILLIS, move || {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let fresh = load_sessions_page(board_query.get_untracked()).await;
            let shown = page.get_untracked();
            match (fresh, shown) {
                (Err(UiError::NotSignedIn), _) => navigate("/login", Default::default()),
                (Ok(fresh), Some(Ok(shown)))
                    if fresh.items == shown.items && fresh.total == shown.total => {}
                _ => poll.update(|n| *n += 1),
            }
        });
    });

    let selected = RwSignal::new(BTreeSet::<SessionId>::new());
    let notice = RwSignal::new(None::<String>);
    let popup = RwSignal::new(None::<String>);
    let confirm = RwSignal::new(None::<Confirmation>);
    let terminate_one = ServerAction::<TerminateSession>::new();
    let terminate_many = ServerAction::<TerminateSessions>::new();
    let terminate_all = ServerAction::<TerminateAllOtherSessions>::new();

    // A device whose session ended elsewhere finds out on its next poll.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Err(UiError::NotSignedIn)) = page.get() {
            navigate("/login", Default::default());
        }
    });
    let after_action = move |result: Option<Result<String, UiError>>| match result {
        Some(Ok(message)) => {
            notice.set(Some(message));
            selected.set(BTreeSet::new());
            poll.update(|n| *n += 1);
        }
        Some(Err(error)) => {
            popup.set(Some(error.message()));
            poll.update(|n| *n += 1);
        }
        None => {}
    };
    Effect::new(move |_| {
        after_action(
            terminate_one
                .value()
                .get()
                .map(|r| r.map(|()| "Session terminated.".to_owned())),
        )
    });
    Effect::new(move |_| {
        after_action(terminate_many.value().get().map(|r| {
            r.map(|n| format!("{n} session{} terminated.", if n == 1 { "" } else { "s" }))
        }))
    });
    Effect::new(move |_| {
        after_action(
            terminate_all
                .value()
                .get()
                .map(|r| r.map(|n| format!("All other sessions terminated ({n})."))),
        )
    });

    let ask_terminate_selected = move |_| {
        let ids: Vec<SessionId> = selected.get_untracked().into_iter().collect();
        let count = ids.len();
        confirm.set(Some(Confirmation {
            question: format!(
                "Terminate {count} selected session{}? Those devices are signed out at once.",
                if count == 1 { "" } else { "s" }
            ),
            confirm_label: "Terminate selected".to_owned(),
            on_confirm: Callback::new(move |()| {
                terminate_many.dispatch(TerminateSessions { ids: ids.clone() });
            }),
        }));
    };
    let ask_terminate_all = move |_| {
        confirm.set(Some(Confirmation {
            question: "Terminate every session except this one? All your other devices and \
                       applications are signed out at once."
                .to_owned(),
            confirm_label: "Terminate all others".to_owned(),
            on_confirm: Callback::new(move |()| {
                terminate_all.dispatch(TerminateAllOtherSessions {});
            }),
        }));
    };
    let terminate = Callback::new(move |session: SessionView| {
        if session.is_current {
            // The server refuses this and says why; the popup shows its answer.
            terminate_one.dispatch(TerminateSession { id: session.id });
            return;
        }
        let id = session.id;
        confirm.set(Some(Confirmation {
            question: format!(
                "Terminate the session on {}, {} ({})? That device is signed out at once.",
                session.device.os_label(),
                session.device.browser_label(),
                session.ip
            ),
            confirm_label: "Terminate".to_owned(),
            on_confirm: Callback::new(move |()| {
                terminate_one.dispatch(TerminateSession { id });
            }),
        }));
    });

    let mine = view == SessionsView::Mine;
    view! {
        <main class="page">
            <div class="page-title">
                <h1>{title(view)}</h1>
                {mine.then(|| view! {
                    <button type="button" class="button danger" on:click=ask_terminate_all>
                        "Terminate all other sessions"
                    </button>
                })}
            </div>
            <p class="lede">
                {if mine {
                    "Every device and application where you are signed in, in all your accounts. \
                     If you don't recognise one, terminate it: that device is signed out at once."
                } else {
                    "Active sessions, newest first. Terminating one signs that device out at once."
                }}
            </p>
            {(!mine).then(|| view! { <Filters view board_query /> })}
            <p class="notice" role="status" aria-live="polite">{move || notice.get()}</p>
            <Transition fallback=|| view! { <p class="loading">"Loading sessions…"</p> }>
                {move || {
                    page.get().map(|result| match result {
                        Ok(page) => {
                            provide_clock(page.now);
                            view! {
                                <Summary page=page.clone() selected on_terminate_selected=ask_terminate_selected />
                                <SessionsTable view sessions=page.items.clone() selected terminate />
                                <Pager board_query next=page.next />
                            }
                                .into_any()
                        }
                        Err(UiError::NotSignedIn) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(error) => {
                            view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any()
                        }
                    })
                }}
            </Transition>
        </main>
        <ConfirmDialog request=confirm />
        <ErrorPopup message=popup title="This session can't be terminated" />
    }
}

#[component]
fn Summary(
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
fn Filters(view: SessionsView, board_query: Memo<BoardQuery>) -> impl IntoView {
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
fn Pager(board_query: Memo<BoardQuery>, next: Option<Cursor>) -> impl IntoView {
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

#[component]
fn SessionsTable(
    view: SessionsView,
    sessions: Vec<SessionView>,
    selected: RwSignal<BTreeSet<SessionId>>,
    terminate: Callback<SessionView>,
) -> impl IntoView {
    if sessions.is_empty() {
        return view! { <p class="empty">"No active sessions match."</p> }.into_any();
    }
    let mine = view == SessionsView::Mine;
    let headers = if mine {
        vec![
            "Device",
            "Browser",
            "Location",
            "IP",
            "Application",
            "Account",
            "Created on",
            "Last active",
        ]
    } else {
        vec![
            "User",
            "Account",
            "Application",
            "IP (Location)",
            "Device (Browser)",
            "Created on",
            "Last active",
        ]
    };
    let page_ids: Vec<SessionId> = sessions
        .iter()
        .filter(|s| !s.is_current)
        .map(|s| s.id)
        .collect();
    let all_selected = {
        let page_ids = page_ids.clone();
        Signal::derive(move || {
            !page_ids.is_empty() && selected.with(|set| page_ids.iter().all(|id| set.contains(id)))
        })
    };
    let toggle_all = move |_| {
        let select = !all_selected.get();
        selected.update(|set| {
            for id in &page_ids {
                if select {
                    set.insert(*id);
                } else {
                    set.remove(id);
                }
            }
        });
    };
    let rows = sessions
        .into_iter()
        .map(|session| view! { <SessionRow view session selected terminate /> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="sessions">
                <caption class="visually-hidden">{title(view)}</caption>
                <thead>
                    <tr>
                        <th scope="col" class="select">
                            <input type="checkbox" aria-label="Select all sessions on this page" prop:checked=all_selected on:change=toggle_all />
                        </th>
                        {headers.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}
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
fn SessionRow(
    view: SessionsView,
    session: SessionView,
    selected: RwSignal<BTreeSet<SessionId>>,
    terminate: Callback<SessionView>,
) -> impl IntoView {
    let id = session.id;
    let os = session.device.os_label();
    let browser = session.device.browser_label();
    let label = format!(
        "Terminate the session of {} on {os}, {browser}, {}",
        session.user_name, session.ip
    );
    let select_label = format!("Select the session on {os}, {browser}, {}", session.ip);
    let device = view! {
        <div class="device">
            <DeviceIcon kind=session.device.kind />
            <div>
                <span class="device-os">{os.clone()}</span>
                {session.device.model.clone().map(|model| view! { <span class="device-model">{model}</span> })}
                {session.is_current.then(|| view! { <span class="badge">"This device"</span> })}
            </div>
        </div>
    };
    let location = session.location.label();
    let cells = if view == SessionsView::Mine {
        view! {
            <td data-label="Device">{device}</td>
            <td data-label="Browser">{browser.clone()}</td>
            <td data-label="Location">{location}</td>
            <td data-label="IP"><code>{session.ip.clone()}</code></td>
            <td data-label="Application">{session.application.clone()}</td>
            <td data-label="Account">{session.account_name.clone()}</td>
        }
        .into_any()
    } else {
        let user_href = query::to_query([("user", session.user_id.0.to_string())]);
        let account_href = query::to_query([("account", session.account_id.0.to_string())]);
        let user_name = session.user_name.clone();
        let account_name = session.account_name.clone();
        let account = if view == SessionsView::Platform {
            view! { <A href=account_href attr:title="Show only this account">{account_name}</A> }
                .into_any()
        } else {
            view! { <span>{account_name}</span> }.into_any()
        };
        view! {
            <td data-label="User"><A href=user_href attr:title="Show only this person">{user_name}</A></td>
            <td data-label="Account">{account}</td>
            <td data-label="Application">{session.application.clone()}</td>
            <td data-label="IP (Location)"><code>{session.ip.clone()}</code><span class="sub">{location}</span></td>
            <td data-label="Device (Browser)">{device}<span class="sub">{browser.clone()}</span></td>
        }
        .into_any()
    };
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
            {cells}
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
