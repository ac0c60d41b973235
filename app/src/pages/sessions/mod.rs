//! Sessions tables: "my sessions" for everyone, an account's sessions for its owners, and every
//! session for platform admins. One board serves all three; the server decides what each may
//! see.

pub mod api;
mod controls;
mod end_matching;
mod table;
mod terminate;

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use sessionboard::model::{AccountId, SessionsView};

use self::api::{BoardQuery, load_sessions_page};
use self::controls::{Filters, Pager, Summary};
use self::end_matching::EndMatching;
use self::table::SessionsTable;
use self::terminate::Terminations;
use crate::components::ago::{every, provide_clock};
use crate::components::confirm::ConfirmDialog;
use crate::components::popup::ErrorPopup;
use crate::components::signed_in::SignedIn;
use crate::error::UiError;
use crate::query;

/// How often an open sessions page asks the server again: new sessions appear, ended ones go,
/// and a device whose own session was ended elsewhere notices within this time.
const POLL_MILLIS: u32 = 4_000;

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

/// The board's current view as CSV: its path and filter, plus `.csv` (`server/src/export.rs`).
fn csv_href(view: SessionsView, board_query: &BoardQuery) -> String {
    let path = match view {
        SessionsView::Mine => "/sessions.csv".to_owned(),
        SessionsView::Account(account) => format!("/accounts/{account}/sessions.csv"),
        SessionsView::Platform => "/admin/sessions.csv".to_owned(),
    };
    format!(
        "{path}{}",
        query::to_query(query::filter_pairs(&board_query.filter))
    )
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

    let actions = Terminations::new(poll);
    // A device whose session ended elsewhere finds out on its next poll.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Err(UiError::NotSignedIn)) = page.get() {
            navigate("/login", Default::default());
        }
    });
    let ask_terminate_selected = move |_| actions.ask_terminate_selected();
    let ask_terminate_all = move |_| actions.ask_terminate_all();

    let mine = view == SessionsView::Mine;
    view! {
        <main class="page">
            <div class="page-title">
                <h1>{title(view)}</h1>
                {if mine {
                    view! {
                        <button type="button" class="button danger" on:click=ask_terminate_all>
                            "Terminate all other sessions"
                        </button>
                    }
                        .into_any()
                } else {
                    view! {
                        <div class="title-actions">
                            <a class="button" href=move || csv_href(view, &board_query.get()) download rel="external">
                                "Download CSV"
                            </a>
                            <EndMatching view board_query reload=poll />
                        </div>
                    }
                        .into_any()
                }}
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
            <p class="notice" role="status" aria-live="polite">{move || actions.notice.get()}</p>
            <Transition fallback=|| view! { <p class="loading">"Loading sessions…"</p> }>
                {move || {
                    page.get().map(|result| match result {
                        Ok(page) => {
                            provide_clock(page.now);
                            view! {
                                <Summary page=page.clone() selected=actions.selected on_terminate_selected=ask_terminate_selected />
                                <SessionsTable view sessions=page.items.clone() selected=actions.selected terminate=actions.terminate />
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
        <ConfirmDialog request=actions.confirm />
        <ErrorPopup message=actions.popup title="This session can't be terminated" />
    }
}
