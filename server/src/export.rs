//! A sessions board's current view as CSV, every page of it, streamed: the board's own keyset
//! pages, fetched one after another while the body is being sent, so that a million rows
//! take the memory of one page. Every page is asked for under the exporter's rights as they
//! are then: someone who loses them halfway (their role, their session, their API key) gets a
//! cut-off download, not the rest.
//!
//! Two doors lead here: `GET /api/v1/sessions` with `Accept: text/csv`, and the boards'
//! *Download CSV* links (`/sessions.csv`, `/accounts/{id}/sessions.csv`,
//! `/admin/sessions.csv`), which carry the board's URL query.

use std::sync::Arc;

use app::ssr::RequestIdentity;
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos_router::params::ParamsMap;
use sessionboard::model::{
    AccountId, MAX_PAGE_SIZE, Page, PageRequest, SessionFilter, SessionView, SessionsView,
    Timestamp,
};
use sessionboard::service::ApiClient;
use sessionboard::{Caller, Error, SessionService};

use crate::state::AppState;

pub const TEXT_CSV: &str = "text/csv; charset=utf-8";

/// The columns, as the others' table has them, split so a spreadsheet can sort and filter.
const HEADER: [&str; 20] = [
    "session_id",
    "user_id",
    "user",
    "account_id",
    "account",
    "application",
    "ip",
    "city",
    "region",
    "country_code",
    "country",
    "device",
    "device_model",
    "os",
    "os_version",
    "browser",
    "browser_version",
    "created_at",
    "last_active_at",
    "flags",
];

/// Whose rights an export runs under.
#[derive(Clone, Copy)]
pub enum Exporter {
    /// A signed-in person, for one of their boards.
    Person(Caller, SessionsView),
    /// A platform-wide API key: every account.
    Key(ApiClient),
}

impl Exporter {
    async fn page(
        self,
        service: &SessionService,
        filter: &SessionFilter,
        after: Option<sessionboard::model::Cursor>,
        now: Timestamp,
    ) -> Result<Page<SessionView>, Error> {
        let page = PageRequest {
            after,
            limit: MAX_PAGE_SIZE,
        };
        match self {
            Self::Person(caller, view) => {
                service
                    .list_sessions_still_signed_in(&caller, view, filter, page, now)
                    .await
            }
            Self::Key(client) => {
                service
                    .platform_list_sessions(&client, filter, page, now)
                    .await
            }
        }
    }
}

/// The export's response: the header and rows, streamed. The first page is read before
/// answering, so that a refusal or a bad filter is an ordinary error, not a broken download.
pub async fn sessions_csv(
    service: Arc<SessionService>,
    exporter: Exporter,
    filter: SessionFilter,
    filename: &str,
) -> Result<Response, Error> {
    let now = Timestamp::now();
    let first = exporter.page(&service, &filter, None, now).await?;
    let mut head = csv_bytes(|writer| writer.write_record(HEADER));
    head.extend(rows(&first.items));
    let pages = futures_util::stream::unfold(first.next, move |next| {
        let (service, filter) = (Arc::clone(&service), filter.clone());
        async move {
            let page = match exporter.page(&service, &filter, Some(next?), now).await {
                Ok(page) => page,
                Err(error) => {
                    // The body is cut off, which the client sees as an incomplete download.
                    tracing::warn!(error = %error.report(), "a CSV export stopped");
                    return Some((Err(error), None));
                }
            };
            Some((Ok(Bytes::from(rows(&page.items))), page.next))
        }
    });
    let body = futures_util::StreamExt::chain(
        futures_util::stream::once(async move { Ok::<_, Error>(Bytes::from(head)) }),
        pages,
    );
    let disposition = format!("attachment; filename=\"{filename}\"");
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static(TEXT_CSV)),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// Whether a request prefers CSV to JSON: `text/csv` with a higher quality than anything that
/// would also take JSON (`application/json`, `application/*`, `*/*`); on a tie, JSON.
pub fn wants_csv(headers: &HeaderMap) -> bool {
    let Some(accept) = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let (mut csv, mut json) = (0.0_f32, 0.0_f32);
    for item in accept.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let kind = parts.next().unwrap_or("").to_ascii_lowercase();
        let quality = parts
            .filter_map(|parameter| parameter.strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        match kind.as_str() {
            "text/csv" => csv = csv.max(quality),
            "application/json" | "application/*" | "*/*" => json = json.max(quality),
            _ => {}
        }
    }
    csv > 0.0 && csv > json
}

fn csv_bytes(write: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> csv::Result<()>) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing into memory fails only on a bug in the csv crate; a row short is then better
    // than a panic in the middle of a download.
    if let Err(error) = write(&mut writer) {
        tracing::error!(%error, "writing a CSV row failed");
    }
    writer.into_inner().unwrap_or_default()
}

fn rows(sessions: &[SessionView]) -> Vec<u8> {
    csv_bytes(|writer| {
        for session in sessions {
            writer.write_record(record(session))?;
        }
        Ok(())
    })
}

/// One session's row, in [`HEADER`]'s order. Times are ISO 8601 in UTC.
fn record(session: &SessionView) -> [String; 20] {
    let (city, region, country_code, country) = match &session.location {
        sessionboard::model::Location::Known {
            city,
            region,
            country_code,
            country_name,
        } => (
            city.clone(),
            region.clone(),
            country_code.clone(),
            country_name.clone(),
        ),
        sessionboard::model::Location::LocalNetwork => {
            (None, None, None, Some("Local network".to_owned()))
        }
        sessionboard::model::Location::Unknown => (None, None, None, None),
    };
    let device = &session.device;
    let flags = session
        .flags
        .badges()
        .into_iter()
        .map(|(label, _)| label)
        .collect::<Vec<_>>()
        .join("; ");
    [
        session.id.to_string(),
        session.user_id.to_string(),
        cell(&session.user_name),
        session.account_id.to_string(),
        cell(&session.account_name),
        cell(&session.application),
        session.ip.clone(),
        cell(city.as_deref().unwrap_or("")),
        cell(region.as_deref().unwrap_or("")),
        country_code.unwrap_or_default(),
        cell(country.as_deref().unwrap_or("")),
        device.kind.as_str().to_owned(),
        cell(device.model.as_deref().unwrap_or("")),
        cell(&device.os),
        cell(device.os_version.as_deref().unwrap_or("")),
        cell(&device.browser),
        cell(device.browser_version.as_deref().unwrap_or("")),
        session.created_at.to_rfc3339(),
        session.last_active_at.to_rfc3339(),
        flags,
    ]
}

/// Text as a spreadsheet will not run it: a cell starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is a formula to Excel and LibreOffice, and names and device models come from
/// people and user agents (OWASP's "CSV injection"). A leading `'` makes it text.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The board's filter from its URL query, as the board itself reads it.
fn board_filter(query: Option<String>) -> SessionFilter {
    let mut params = ParamsMap::new();
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        params.insert(key.into_owned(), value.into_owned());
    }
    app::query::session_filter(&params)
}

/// `GET /sessions.csv`: the reader's own sessions.
pub async fn my_sessions(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    RawQuery(query): RawQuery,
) -> Response {
    board_csv(
        state,
        identity,
        SessionsView::Mine,
        query,
        "my-sessions.csv",
    )
    .await
}

/// `GET /accounts/{account}/sessions.csv`: an account's board.
pub async fn account_sessions(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Ok(account) = account.parse::<i64>() else {
        return (StatusCode::NOT_FOUND, "No such account.").into_response();
    };
    let filename = format!("account-{account}-sessions.csv");
    let view = SessionsView::Account(AccountId(account));
    board_csv(state, identity, view, query, &filename).await
}

/// `GET /admin/sessions.csv`: every account's board.
pub async fn platform_sessions(
    State(state): State<AppState>,
    Extension(identity): Extension<RequestIdentity>,
    RawQuery(query): RawQuery,
) -> Response {
    board_csv(
        state,
        identity,
        SessionsView::Platform,
        query,
        "all-sessions.csv",
    )
    .await
}

async fn board_csv(
    state: AppState,
    identity: RequestIdentity,
    view: SessionsView,
    query: Option<String>,
    filename: &str,
) -> Response {
    let Some(caller) = identity.caller else {
        return (StatusCode::UNAUTHORIZED, "Sign in to download sessions.").into_response();
    };
    let exporter = Exporter::Person(caller, view);
    match sessions_csv(
        state.service.clone(),
        exporter,
        board_filter(query),
        filename,
    )
    .await
    {
        Ok(response) => response,
        Err(error) => {
            let error = app::error::UiError::from(error);
            (error.status(), error.message()).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(accept: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::ACCEPT,
            HeaderValue::from_str(accept).unwrap(),
        );
        wants_csv(&headers)
    }

    #[test]
    fn csv_is_sent_only_to_a_client_that_prefers_it_to_json() {
        assert!(accepting("text/csv"));
        assert!(accepting("text/csv, */*;q=0.1"));
        assert!(accepting("application/json;q=0.5, text/csv"));
        assert!(!accepting("application/json, text/csv"), "a tie is JSON");
        assert!(!accepting("text/csv;q=0"));
        assert!(!accepting("*/*"));
        assert!(!accepting("application/json"));
        assert!(!accepting("text/html"));
    }
}
