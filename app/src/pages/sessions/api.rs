//! The sessions board's server functions. Each only finds out who is calling and asks the
//! session engine, which decides what that caller may see and end.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use sessionboard::model::{
    ApplicationId, Cursor, SessionFilter, SessionId, SessionsPage, SessionsView, UserId,
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
