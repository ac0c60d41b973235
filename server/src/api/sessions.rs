//! Session endpoints: sign a device in, validate its token, log out, list and terminate.

use std::net::IpAddr;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use sessionboard::model::{
    AccountId, ApplicationId, Cursor, LoginOutcome, LoginRecordFilter, MAX_PAGE_SIZE, PageRequest,
    SessionFilter, SessionId, SessionsView, Timestamp, UserId,
};
use sessionboard::service::{Application, SignIn};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Actor, ApiJson, ApiQuery, CallingApp, DeviceSession, ValidatedDevice};
use super::problem::{ApiError, Problem};
use super::wire::{LoginRecordPage, SessionPage, SignedInResponse, Terminated, ValidatedSession};
use crate::state::AppState;

/// Longest user agent accepted in a request (the engine stores at most 512 bytes of it).
const MAX_USER_AGENT_CHARS: usize = 2048;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
    /// The device's own User-Agent, which the application vouches for.
    pub user_agent: String,
    /// The device's IP address, which the application vouches for.
    pub ip: String,
}

/// `POST /api/v1/sessions`: signs a user in on behalf of a device.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions", request_body = SignInRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Signed in", body = SignedInResponse),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Invalid API key or credentials", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    CallingApp(client): CallingApp,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<(StatusCode, Json<SignedInResponse>), ApiError> {
    if request.user_agent.chars().count() > MAX_USER_AGENT_CHARS {
        return Err(ApiError::InvalidRequest(
            "user_agent is too long".to_owned(),
        ));
    }
    let ip: IpAddr =
        request.ip.trim().parse().map_err(|_| {
            ApiError::InvalidRequest("ip is not an IPv4 or IPv6 address".to_owned())
        })?;
    let signed_in = state
        .service
        .sign_in(
            SignIn {
                email: &request.email,
                password: &request.password,
                application: Application::Id(client.application_id),
                ip,
                user_agent: &request.user_agent,
            },
            Timestamp::now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SignedInResponse::from(&signed_in)),
    ))
}

fn parse_view(view: Option<&str>, account: Option<i64>) -> Result<SessionsView, ApiError> {
    let invalid = |what: &str| Err(ApiError::InvalidRequest(what.to_owned()));
    match (view.unwrap_or("mine"), account) {
        ("mine", _) => Ok(SessionsView::Mine),
        ("account", Some(account)) => Ok(SessionsView::Account(AccountId(account))),
        ("account", None) => invalid("view=account needs account=<id>"),
        ("platform", _) => Ok(SessionsView::Platform),
        _ => invalid("view must be mine, account or platform"),
    }
}

fn page_request(after: Option<&str>, limit: Option<u32>) -> Result<PageRequest, ApiError> {
    let after = match after {
        Some(text) => Some(Cursor::parse(text).ok_or_else(|| {
            ApiError::InvalidRequest("after is not a cursor from this API".to_owned())
        })?),
        None => None,
    };
    let limit = limit.unwrap_or(50);
    if limit == 0 || limit > MAX_PAGE_SIZE {
        return Err(ApiError::InvalidRequest(
            "limit must be between 1 and 200".to_owned(),
        ));
    }
    Ok(PageRequest { after, limit })
}

/// `GET /api/v1/session`: is this bearer token a live session, and whose? Records activity
/// (at most once a minute).
#[utoipa::path(get, path = "/api/v1/session", tag = "sessions",
    security(("api_key" = [], "bearer" = [])),
    responses(
        (status = 200, description = "A live session", body = ValidatedSession),
        (status = 401, description = "Not a live session, or invalid API key", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn validate(
    ValidatedDevice(validated): ValidatedDevice,
) -> Result<Json<ValidatedSession>, ApiError> {
    Ok(Json(ValidatedSession::from(&validated)))
}

/// `DELETE /api/v1/session`: signs the presented session out ("log out" to its user; the
/// operation keeps its documented id).
#[utoipa::path(delete, path = "/api/v1/session", tag = "sessions", operation_id = "log_out",
    security(("api_key" = [], "bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not a live session, or invalid API key", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sign_out(
    State(state): State<AppState>,
    device: DeviceSession,
) -> Result<StatusCode, ApiError> {
    state
        .service
        .sign_out(&device.caller, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `mine` (default), `account` (with `account`), or `platform`.
    pub view: Option<String>,
    pub account: Option<i64>,
    pub user: Option<i64>,
    pub application: Option<i64>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub after: Option<String>,
    pub limit: Option<u32>,
}

/// `GET /api/v1/sessions`: a page of sessions the token's user may see, under the same rules
/// as the web app; with a platform-wide key and no token, every session.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "sessions", params(ListQuery),
    security(("api_key" = [], "bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "A page of sessions", body = SessionPage),
        (status = 400, description = "Invalid filter or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not a live session, or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The view is not the caller's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<SessionPage>, ApiError> {
    let view = parse_view(query.view.as_deref(), query.account)?;
    let page = page_request(query.after.as_deref(), query.limit)?;
    let oldest_first = match query.sort.as_deref() {
        None | Some("newest") => false,
        Some("oldest") => true,
        Some(_) => {
            return Err(ApiError::InvalidRequest(
                "sort must be newest or oldest".to_owned(),
            ));
        }
    };
    // Which accounts a view may filter by is the engine's rule (`access::account_filter`).
    let filter = SessionFilter {
        user: query.user.map(UserId),
        application: query.application.map(ApplicationId),
        account: query.account.map(AccountId),
        search: query.q,
        oldest_first,
    };
    let service = &state.service;
    let page = match actor {
        Actor::User(caller) => {
            service
                .sessions_page(&caller, view, &filter, page, Timestamp::now())
                .await?
        }
        Actor::Platform(client) => {
            service
                .platform_sessions_page(&client, &filter, page, Timestamp::now())
                .await?
        }
    };
    Ok(Json(SessionPage::from(&page)))
}

/// `DELETE /api/v1/sessions/{id}`: ends one session the token's user may manage. Never the
/// presented session itself: that is `DELETE /api/v1/session`.
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "sessions",
    params(("id" = i64, Path, description = "Session id")),
    security(("api_key" = [], "bearer" = []), ("api_key" = [])),
    responses(
        (status = 204, description = "Terminated"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not a live session, or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session the caller may manage", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The presented session itself: log out instead", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn terminate(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = SessionId(parse_id(&id, "session")?);
    let service = &state.service;
    match actor {
        Actor::User(caller) => {
            service
                .terminate_session(&caller, id, Timestamp::now())
                .await?
        }
        Actor::Platform(client) => {
            service
                .platform_terminate_session(&client, id, Timestamp::now())
                .await?
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

fn parse_id(text: &str, what: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::InvalidRequest(format!("the {what} id is not a number")))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TerminateMany {
    pub ids: Vec<SessionId>,
}

/// `POST /api/v1/sessions/terminate`: ends several sessions, each under the rules of one.
#[utoipa::path(post, path = "/api/v1/sessions/terminate", tag = "sessions", request_body = TerminateMany,
    security(("api_key" = [], "bearer" = [])),
    responses(
        (status = 200, description = "All terminated", body = Terminated),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not a live session, or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "One is not a session the caller may manage (those before it were ended)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "One is the presented session", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn terminate_many(
    State(state): State<AppState>,
    device: DeviceSession,
    ApiJson(request): ApiJson<TerminateMany>,
) -> Result<Json<Terminated>, ApiError> {
    let ended = state
        .service
        .terminate_sessions(&device.caller, &request.ids, Timestamp::now())
        .await?;
    Ok(Json(Terminated {
        terminated: ended as u64,
    }))
}

/// `DELETE /api/v1/users/{id}/sessions`: ends all of a user's sessions the actor may manage
/// (for oneself: all but the presented one).
#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions", tag = "sessions",
    params(("id" = i64, Path, description = "User id")),
    security(("api_key" = [], "bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "How many ended", body = Terminated),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not a live session, or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's to end", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn terminate_user(
    State(state): State<AppState>,
    actor: Actor,
    Path(user): Path<String>,
) -> Result<Json<Terminated>, ApiError> {
    let user = UserId(parse_id(&user, "user")?);
    let service = &state.service;
    let terminated = match actor {
        Actor::User(caller) => {
            service
                .terminate_user_sessions(&caller, user, Timestamp::now())
                .await?
        }
        Actor::Platform(client) => {
            service
                .platform_terminate_user_sessions(&client, user, Timestamp::now())
                .await?
        }
    };
    Ok(Json(Terminated { terminated }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// `mine` (default), `account` (with `account`), or `platform`.
    pub view: Option<String>,
    pub account: Option<i64>,
    /// Milliseconds since the epoch, inclusive.
    pub from: Option<i64>,
    /// Milliseconds since the epoch, exclusive.
    pub until: Option<i64>,
    /// `success` or `invalid_credentials`.
    pub outcome: Option<String>,
    pub after: Option<String>,
    pub limit: Option<u32>,
}

/// `GET /api/v1/login-records`: sign-in history the token's user may read.
#[utoipa::path(get, path = "/api/v1/login-records", tag = "history", params(HistoryQuery),
    security(("api_key" = [], "bearer" = [])),
    responses(
        (status = 200, description = "A page of sign-in attempts", body = LoginRecordPage),
        (status = 400, description = "Invalid filter or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not a live session, or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The view is not the caller's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login_records(
    State(state): State<AppState>,
    device: DeviceSession,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> Result<Json<LoginRecordPage>, ApiError> {
    let invalid = |what: &str| ApiError::InvalidRequest(what.to_owned());
    let view = parse_view(query.view.as_deref(), query.account)?;
    let outcome = match query.outcome.as_deref() {
        None => None,
        Some(text) => Some(
            LoginOutcome::parse(text)
                .ok_or_else(|| invalid("outcome must be success or invalid_credentials"))?,
        ),
    };
    let page = page_request(query.after.as_deref(), query.limit)?;
    let filter = LoginRecordFilter {
        from: query.from.map(Timestamp::from_millis),
        until: query.until.map(Timestamp::from_millis),
        outcome,
        user: None,
    };
    let records = state
        .service
        .list_login_records(&device.caller, view, &filter, page)
        .await?;
    Ok(Json(LoginRecordPage::from(&records)))
}
