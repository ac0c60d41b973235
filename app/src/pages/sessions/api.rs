//! The sessions board's server functions. Each only finds out who is calling and asks the
//! session engine, which decides what that caller may see and end.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use sessionboard::model::{
    ApplicationId, BulkPreview, BulkProgress, BulkTerminationId, Cursor, SessionFilter, SessionId,
    SessionsPage, SessionsView, UserId,
};

use crate::error::UiError;

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
        ..PageRequest::default()
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
    let applications = service.applications(&caller).await.map_err(fail)?;
    Ok(FilterOptions {
        users,
        applications,
    })
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

/// What "End all matching sessions" would end on this board: the count and a sample.
#[server(endpoint = "preview_matching", input = leptos::server_fn::codec::Json)]
pub async fn preview_matching(
    view: SessionsView,
    filter: SessionFilter,
) -> Result<BulkPreview, UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .preview_matching(&caller, view, &filter, now())
        .await
        .map_err(fail)
}

/// Begins ending every session on this board, no more than the `confirmed` count the person
/// saw, and returns at once: the page follows its progress.
#[server(endpoint = "end_matching", input = leptos::server_fn::codec::Json)]
pub async fn end_matching(
    view: SessionsView,
    filter: SessionFilter,
    confirmed: u64,
) -> Result<BulkProgress, UiError> {
    use crate::ssr::{actor, app_context, fail, now};

    let actor = actor().map_err(fail)?;
    let service = app_context()?.service;
    let job = service
        .begin_terminating_matching(&actor, view, &filter, Some(confirmed), now())
        .await
        .map_err(fail)?;
    let progress = job.progress();
    // Runs on its own; the page follows its progress.
    drop(service.spawn_bulk_termination(job));
    Ok(progress)
}

/// How far a bulk termination the caller started has got.
#[server(endpoint = "bulk_progress", input = leptos::server_fn::codec::Json)]
pub async fn follow_bulk_termination(id: BulkTerminationId) -> Result<BulkProgress, UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .bulk_progress(&caller, id, now())
        .await
        .map_err(fail)
}
