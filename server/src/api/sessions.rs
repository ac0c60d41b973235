//! Session endpoints: sign a device in, validate its token, log out, list and terminate.

use std::net::IpAddr;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sessionboard::model::{
    AccountId, ApplicationId, Cursor, EndReason, EndedFilter, LoginRecordFilter, MAX_PAGE_SIZE,
    MAX_SEARCH_CHARS, PageRequest, SessionFilter, SessionId, SessionsView, Timestamp, UserId,
};
use sessionboard::service::{Application, Channel, PersonRef, SignIn, TrustedSignIn};
use utoipa::{IntoParams, ToSchema};

use super::extract::{
    Actor, ApiJson, ApiPath, ApiQuery, CallingApp, DeviceSession, ValidatedDevice,
};
use super::problem::{ApiError, PROBLEM_JSON, Problem};
use super::wire::{
    DeviceKind, EndedSessionPage, LoginOutcome, LoginRecordPage, SessionPage, SignedInResponse,
    Terminated, ValidatedSession,
};
use crate::export::{self, Exporter};
use crate::state::AppState;

/// Longest user agent accepted in a request (the engine stores at most 512 bytes of it).
const MAX_USER_AGENT_CHARS: usize = 2048;

// The OpenAPI attributes below take literals; change them with these if this fails.
const _: () = assert!(MAX_USER_AGENT_CHARS == 2048);
const _: () = assert!(MAX_PAGE_SIZE == 200);
const _: () = assert!(MAX_SEARCH_CHARS == 100);

/// A password sign-in: the application passes on what the person typed.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordSignIn {
    /// At most 254 bytes (RFC 5321).
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    #[schema(format = Password)]
    pub password: String,
    /// The device's own User-Agent, which the application vouches for.
    #[schema(max_length = 2048)]
    pub user_agent: String,
    /// The device's IP address, IPv4 or IPv6, which the application vouches for.
    #[schema(format = "ip", examples("81.2.69.142"))]
    pub ip: String,
}

/// A sign-in without a password, for a trusted key: the application has authenticated the
/// person itself. Names the person by `external_id` or `email` (one of them), and the account
/// by its `account_external_id`. Only people and accounts a product keeps in step (directory
/// sync) can be named.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustedSignInRequest {
    #[schema(max_length = 128, pattern = r"^[A-Za-z0-9._~:@+-]{1,128}$")]
    pub external_id: Option<String>,
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    #[schema(max_length = 128, pattern = r"^[A-Za-z0-9._~:@+-]{1,128}$")]
    pub account_external_id: String,
    /// The device's own User-Agent, which the application vouches for.
    #[schema(max_length = 2048)]
    pub user_agent: String,
    /// The device's IP address, IPv4 or IPv6, which the application vouches for.
    #[schema(format = "ip", examples("81.2.69.142"))]
    pub ip: String,
}

/// The body of `POST /api/v1/sessions`: with a `password`, a password sign-in; without, a
/// trusted one.
/// (It only describes the body: `sign_in` tells the two apart by `password`, so that a
/// mistake in either is reported as that kind's, not as "matches neither".)
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum SignInRequest {
    Password(PasswordSignIn),
    Trusted(TrustedSignInRequest),
}

/// The person a trusted request names: by exactly one of external id and email.
pub(super) fn person<'a>(
    external_id: Option<&'a str>,
    email: Option<&'a str>,
) -> Result<PersonRef<'a>, ApiError> {
    match (external_id, email) {
        (Some(id), None) => Ok(PersonRef::ExternalId(id)),
        (None, Some(email)) => Ok(PersonRef::Email(email)),
        _ => Err(ApiError::InvalidRequest(
            "name the person by exactly one of external_id and email".to_owned(),
        )),
    }
}

/// The device a request vouches for: its user agent (at most 2,048 characters) and address.
pub(super) fn device(user_agent: &str, ip: &str) -> Result<IpAddr, ApiError> {
    if user_agent.chars().count() > MAX_USER_AGENT_CHARS {
        return Err(ApiError::InvalidRequest(
            "user_agent is too long".to_owned(),
        ));
    }
    ip.trim()
        .parse()
        .map_err(|_| ApiError::InvalidRequest("ip is not an IPv4 or IPv6 address".to_owned()))
}

/// `POST /api/v1/sessions`: signs a person in on behalf of a device: with their password, or,
/// with a trusted key, without one.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions",
    request_body(content = SignInRequest, description = "A password sign-in, or with a trusted key a sign-in the application vouches for"),
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Signed in", body = SignedInResponse),
        (status = 400, description = "Malformed request", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 401, description = "Invalid API key or credentials", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 403, description = "A sign-in without a password, and the key is not trusted; or the person is Sessionboard staff",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such person or account (sign-in without a password)",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "The person is deactivated or not a member of the account",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "Body too large", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 429, description = "Too many attempts from this address or for this email",
            body = Problem, content_type = PROBLEM_JSON,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
        (status = 503, description = "Too many password checks at once (a sign-in storm)",
            body = Problem, content_type = PROBLEM_JSON,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    CallingApp(client): CallingApp,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<SignedInResponse>), ApiError> {
    let invalid = |error: serde_json::Error| ApiError::InvalidRequest(error.to_string());
    let signed_in = if body.get("password").is_some() {
        let request: PasswordSignIn = serde_json::from_value(body).map_err(invalid)?;
        let ip = device(&request.user_agent, &request.ip)?;
        state
            .service
            .sign_in(
                SignIn {
                    email: &request.email,
                    password: &request.password,
                    application: Application::Id(client.application_id),
                    ip,
                    user_agent: &request.user_agent,
                    channel: Channel::Api(client.key_id),
                },
                Timestamp::now(),
            )
            .await?
    } else {
        let request: TrustedSignInRequest = serde_json::from_value(body).map_err(invalid)?;
        let ip = device(&request.user_agent, &request.ip)?;
        let person = person(request.external_id.as_deref(), request.email.as_deref())?;
        state
            .service
            .sign_in_trusted(
                &client,
                TrustedSignIn {
                    person,
                    account: &request.account_external_id,
                    ip,
                    user_agent: &request.user_agent,
                },
                Timestamp::now(),
            )
            .await?
    };
    Ok((
        StatusCode::CREATED,
        Json(SignedInResponse::from(&signed_in)),
    ))
}

// The query's words as types, so the document lists exactly what the server accepts: anything
// else is refused while the query is parsed.

/// Whose sessions or sign-in attempts a list shows.
#[derive(Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum View {
    #[default]
    Mine,
    Account,
    Platform,
}

/// The order of a sessions list, by when each session started.
#[derive(Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
}

fn sessions_view(view: Option<View>, account: Option<i64>) -> Result<SessionsView, ApiError> {
    match (view.unwrap_or_default(), account) {
        (View::Mine, _) => Ok(SessionsView::Mine),
        (View::Account, Some(account)) => Ok(SessionsView::Account(AccountId(account))),
        (View::Account, None) => Err(ApiError::InvalidRequest(
            "view=account needs account=<id>".to_owned(),
        )),
        (View::Platform, _) => Ok(SessionsView::Platform),
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
        (status = 401, description = "Not a live session, or invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
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
        (status = 401, description = "Not a live session, or invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
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

/// The query of `GET /api/v1/sessions`. Every parameter is optional.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Whose sessions: `mine` (the default), one `account`'s (with `account`; its owners and
    /// platform admins), or every account's (`platform`: platform admins). A platform-wide key
    /// without a token sees every account whatever the view.
    #[param(inline)]
    pub view: Option<View>,
    /// The account of `view=account`; with `view=platform` or a platform-wide key, only
    /// sessions in this account.
    pub account: Option<i64>,
    /// Only this person's sessions.
    pub user: Option<i64>,
    /// Only sessions created for this application.
    pub application: Option<i64>,
    /// Free-text search: at most 100 characters, at least 3 when searching every account, no
    /// control characters.
    #[param(max_length = 100, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub q: Option<String>,
    /// `newest` first (the default) or `oldest` first.
    #[param(inline)]
    pub sort: Option<Sort>,
    /// Only sessions that stood out when they started (any of their `flags`).
    pub flagged: Option<bool>,
    /// Only sessions signed in from this country (ISO 3166-1 alpha-2, e.g. `NL`).
    #[param(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    /// Only sessions on this kind of device.
    pub device: Option<DeviceKind>,
    /// Only sessions created at or after this moment (milliseconds since the Unix epoch).
    pub created_after: Option<i64>,
    /// Only sessions created before this moment (milliseconds since the Unix epoch).
    pub created_before: Option<i64>,
    /// The `next` of the previous page.
    #[param(pattern = r"^-?[0-9]{1,19}\.-?[0-9]{1,19}$")]
    pub after: Option<String>,
    /// Sessions per page.
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
}

/// `GET /api/v1/sessions`: a page of sessions the token's user may see, under the same rules
/// as the web app; with a platform-wide key and no token, every session.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "sessions", params(ListQuery),
    security(("api_key" = [], "bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "A page of sessions; with `Accept: text/csv`, every \
            session the filter matches as CSV (a header row, then one row per session, times in \
            ISO 8601 UTC), streamed",
            content((SessionPage = "application/json"), (String = "text/csv; charset=utf-8"))),
        (status = 400, description = "Invalid filter or cursor", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 401, description = "Not a live session, or invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 403, description = "The view is not the caller's", body = Problem,
            content_type = PROBLEM_JSON),
    ))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let page = page_request(query.after.as_deref(), query.limit)?;
    let oldest_first = matches!(query.sort, Some(Sort::Oldest));
    let (view, filter) = Matching::from(query).board()?;
    let filter = SessionFilter {
        oldest_first,
        ..filter
    };
    if export::wants_csv(&headers) {
        // Every page from the first, whatever `after` and `limit` say: the whole view.
        let exporter = match actor {
            Actor::User(caller) => Exporter::Person(caller, view),
            Actor::Platform(client) => Exporter::Key(client),
        };
        let csv = export::sessions_csv(state.service.clone(), exporter, filter, "sessions.csv");
        return Ok(csv.await?);
    }
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
    Ok(Json(SessionPage::from(&page)).into_response())
}

/// `DELETE /api/v1/sessions/{id}`: ends one session the token's user may manage. Never the
/// presented session itself: that is `DELETE /api/v1/session`.
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "sessions",
    params(("id" = i64, Path, description = "Session id")),
    security(("api_key" = [], "bearer" = []), ("api_key" = [])),
    responses(
        (status = 204, description = "Terminated"),
        (status = 400, description = "Malformed id", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 401, description = "Not a live session, or invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 404, description = "No such session the caller may manage", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 409, description = "The presented session itself: log out instead",
            body = Problem, content_type = PROBLEM_JSON),
    ))]
pub async fn terminate(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<String>,
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
    /// These sessions, each under the rules of one: at most 200. Either this or `matching`.
    #[schema(max_items = 200)]
    pub ids: Option<Vec<SessionId>>,
    /// Instead of `ids`: every live session a sessions list with this filter shows, never the
    /// presented one.
    pub matching: Option<Matching>,
    /// With `matching`: only count them, and end nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// The filter of `GET /api/v1/sessions`, for ending every session that passes it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Matching {
    /// Whose sessions: `mine` (the default), one `account`'s (with `account`; its owners and
    /// platform admins), or every account's (`platform`: platform admins).
    #[schema(inline)]
    pub view: Option<View>,
    /// The account of `view=account`; with `view=platform`, only sessions in this account.
    pub account: Option<i64>,
    /// Only this person's sessions.
    pub user: Option<i64>,
    /// Only sessions created for this application.
    pub application: Option<i64>,
    /// Free-text search, as in the list.
    #[schema(max_length = 100, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub q: Option<String>,
    /// Only sessions that stood out when they started.
    pub flagged: Option<bool>,
    /// Only sessions signed in from this country (ISO 3166-1 alpha-2, e.g. `NL`).
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    /// Only sessions on this kind of device.
    pub device: Option<DeviceKind>,
    /// Only sessions created at or after this moment (milliseconds since the Unix epoch).
    pub created_after: Option<i64>,
    /// Only sessions created before this moment (milliseconds since the Unix epoch).
    pub created_before: Option<i64>,
}

impl Matching {
    /// The board this filter describes: its view, and the filter as the engine takes it
    /// (which checks the values and which accounts the view may filter by).
    fn board(self) -> Result<(SessionsView, SessionFilter), ApiError> {
        let view = sessions_view(self.view, self.account)?;
        let filter = SessionFilter {
            user: self.user.map(UserId),
            application: self.application.map(ApplicationId),
            account: self.account.map(AccountId),
            search: self.q,
            oldest_first: false,
            flagged_only: self.flagged.unwrap_or(false),
            country: self.country,
            device: self.device.map(Into::into),
            created_after: self.created_after.map(Timestamp),
            created_before: self.created_before.map(Timestamp),
        };
        Ok((view, filter))
    }
}

/// A list's filter is the one bulk termination takes: one conversion for both.
impl From<ListQuery> for Matching {
    fn from(query: ListQuery) -> Self {
        Self {
            view: query.view,
            account: query.account,
            user: query.user,
            application: query.application,
            q: query.q,
            flagged: query.flagged,
            country: query.country,
            device: query.device,
            created_after: query.created_after,
            created_before: query.created_before,
        }
    }
}

/// `POST /api/v1/sessions/terminate`: ends several sessions, each under the rules of one
/// (`ids`), or every session a sessions list with a filter shows (`matching`), never the
/// presented one; `dry_run` only counts those.
#[utoipa::path(post, path = "/api/v1/sessions/terminate", tag = "sessions",
    request_body = TerminateMany,
    security(("api_key" = [], "bearer" = [])),
    responses(
        (status = 200, description = "How many ended, or with `dry_run` how many would",
            body = Terminated),
        (status = 400,
            description = "Malformed request: more than 200 ids, neither or both of `ids` and \
                `matching`, `dry_run` without `matching`, or an invalid filter",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Not a live session, or invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 403, description = "The view of `matching` is not the caller's",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 404,
            description = "One is not a session the caller may manage (those before it were ended)",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "One is the presented session (those before it were ended)",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "Body too large", body = Problem,
            content_type = PROBLEM_JSON),
    ))]
pub async fn terminate_many(
    State(state): State<AppState>,
    device: DeviceSession,
    ApiJson(request): ApiJson<TerminateMany>,
) -> Result<Json<Terminated>, ApiError> {
    let (service, caller, now) = (&state.service, &device.caller, Timestamp::now());
    match (request.ids, request.matching, request.dry_run) {
        (Some(ids), None, false) => {
            let ended = service.terminate_sessions(caller, &ids, now).await?;
            Ok(Json(Terminated {
                terminated: ended as u64,
                matching: None,
            }))
        }
        (None, Some(matching), dry_run) => {
            let (view, filter) = matching.board()?;
            if dry_run {
                let count = service.count_matching(caller, view, &filter, now).await?;
                return Ok(Json(Terminated {
                    terminated: 0,
                    matching: Some(count),
                }));
            }
            let actor = sessionboard::service::Actor {
                caller: *caller,
                ip: device.ip,
            };
            let terminated = service
                .terminate_matching(&actor, view, &filter, now)
                .await?;
            Ok(Json(Terminated {
                terminated,
                matching: None,
            }))
        }
        _ => Err(ApiError::InvalidRequest(
            "give either `ids` or `matching` (and `dry_run` only with `matching`)".to_owned(),
        )),
    }
}

/// `DELETE /api/v1/users/{id}/sessions`: ends all of a user's sessions the actor may manage
/// (for oneself: all but the presented one).
#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions", tag = "sessions",
    params(("id" = i64, Path, description = "User id")),
    security(("api_key" = [], "bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "How many ended", body = Terminated),
        (status = 400, description = "Malformed id", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 401, description = "Not a live session, or invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 403, description = "Not the caller's to end", body = Problem,
            content_type = PROBLEM_JSON),
    ))]
pub async fn terminate_user(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(user): ApiPath<String>,
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
    Ok(Json(Terminated {
        terminated,
        matching: None,
    }))
}

/// The query of `GET /api/v1/sessions/ended`. Every parameter is optional.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EndedQuery {
    /// Whose ended sessions: `mine` (the default), one `account`'s (with `account`; its owners
    /// and platform admins), or every account's (`platform`: platform admins). A
    /// platform-wide key without a token sees every account whatever the view.
    #[param(inline)]
    pub view: Option<View>,
    /// The account of `view=account`.
    pub account: Option<i64>,
    /// Only this person's.
    pub user: Option<i64>,
    /// Only those that ended so.
    #[param(inline)]
    pub reason: Option<EndReason>,
    /// The `next` of the previous page.
    #[param(pattern = r"^-?[0-9]{1,19}\.-?[0-9]{1,19}$")]
    pub after: Option<String>,
    /// Sessions per page.
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
}

/// `GET /api/v1/sessions/ended`: sessions that ended (terminated or ran out, until the
/// retention purge), most recently ended first, each with why and by whom, under the same
/// rules as the sign-in history's *Ended sessions*.
#[utoipa::path(get, path = "/api/v1/sessions/ended", tag = "history", params(EndedQuery),
    security(("api_key" = [], "bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "A page of ended sessions", body = EndedSessionPage),
        (status = 400, description = "Invalid filter or cursor", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 401, description = "Not a live session, or invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 403, description = "The view is not the caller's", body = Problem,
            content_type = PROBLEM_JSON),
    ))]
pub async fn ended(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(query): ApiQuery<EndedQuery>,
) -> Result<Json<EndedSessionPage>, ApiError> {
    let view = sessions_view(query.view, query.account)?;
    let page = page_request(query.after.as_deref(), query.limit)?;
    let filter = EndedFilter {
        reason: query.reason,
        user: query.user.map(UserId),
    };
    let service = &state.service;
    let ended = match actor {
        Actor::User(caller) => {
            service
                .list_ended_sessions(&caller, view, &filter, page, Timestamp::now())
                .await?
        }
        Actor::Platform(client) => {
            service
                .platform_ended_sessions(&client, &filter, page, Timestamp::now())
                .await?
        }
    };
    Ok(Json(EndedSessionPage::from(&ended)))
}

/// The query of `GET /api/v1/login-records`. Every parameter is optional.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// Whose attempts: `mine` (the default), one `account`'s (with `account`; its owners and
    /// platform admins), or every account's (`platform`: platform admins).
    #[param(inline)]
    pub view: Option<View>,
    /// The account of `view=account`.
    pub account: Option<i64>,
    /// Milliseconds since the Unix epoch, inclusive.
    pub from: Option<i64>,
    /// Milliseconds since the Unix epoch, exclusive; after `from`.
    pub until: Option<i64>,
    /// Only attempts that ended so.
    #[param(inline)]
    pub outcome: Option<LoginOutcome>,
    /// The `next` of the previous page.
    #[param(pattern = r"^-?[0-9]{1,19}\.-?[0-9]{1,19}$")]
    pub after: Option<String>,
    /// Attempts per page.
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
}

/// `GET /api/v1/login-records`: sign-in history the token's user may read.
#[utoipa::path(get, path = "/api/v1/login-records", tag = "history", params(HistoryQuery),
    security(("api_key" = [], "bearer" = [])),
    responses(
        (status = 200, description = "A page of sign-in attempts", body = LoginRecordPage),
        (status = 400, description = "Invalid filter or cursor", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 401, description = "Not a live session, or invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 403, description = "The view is not the caller's", body = Problem,
            content_type = PROBLEM_JSON),
    ))]
pub async fn login_records(
    State(state): State<AppState>,
    device: DeviceSession,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> Result<Json<LoginRecordPage>, ApiError> {
    let view = sessions_view(query.view, query.account)?;
    let page = page_request(query.after.as_deref(), query.limit)?;
    let filter = LoginRecordFilter {
        from: query.from.map(Timestamp::from_millis),
        until: query.until.map(Timestamp::from_millis),
        outcome: query.outcome.map(Into::into),
        user: None,
    };
    let records = state
        .service
        .list_login_records(&device.caller, view, &filter, page)
        .await?;
    Ok(Json(LoginRecordPage::from(&records)))
}
