//! Session endpoints: sign a device in, validate its token, log out, list and terminate.

use std::net::IpAddr;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sessionboard::model::{
    AccountId, ApplicationId, Cursor, MAX_PAGE_SIZE, PageRequest, SessionFilter, SessionId,
    SessionsPage, SessionsView, Timestamp, UserId,
};
use sessionboard::service::{Application, SignIn};

use super::extract::{ApiJson, ApiQuery, Client, Device};
use super::problem::ApiError;
use crate::state::AppState;

/// Longest user agent accepted in a request (the engine stores at most 512 bytes of it).
const MAX_USER_AGENT_CHARS: usize = 2048;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
    /// The device's own User-Agent, which the application vouches for.
    pub user_agent: String,
    /// The device's IP address, which the application vouches for.
    pub ip: String,
}

#[derive(Serialize)]
pub struct SignedInResponse {
    /// The bearer token for the device. Shown once; Sessionboard keeps only its hash.
    pub token: String,
    pub session_id: SessionId,
    pub expires_at: Timestamp,
}

/// `POST /api/v1/sessions`: signs a user in on behalf of a device.
pub async fn sign_in(
    State(state): State<AppState>,
    Client(client): Client,
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
        .app
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
        Json(SignedInResponse {
            token: signed_in.token.as_str().to_owned(),
            session_id: signed_in.session_id,
            expires_at: signed_in.expires_at,
        }),
    ))
}

#[derive(Serialize)]
pub struct ValidatedSession {
    pub session_id: SessionId,
    pub user: Person,
    pub account: AccountRef,
    pub application_id: ApplicationId,
    pub roles: Roles,
    /// While a sales representative acts as the user: who is really acting.
    pub acting_as: Option<Person>,
    pub expires_at: Timestamp,
}

#[derive(Serialize)]
pub struct Person {
    pub id: UserId,
    pub name: String,
}

#[derive(Serialize)]
pub struct AccountRef {
    pub id: AccountId,
    pub name: String,
}

#[derive(Serialize)]
pub struct Roles {
    /// `owner` or `employee` in this account.
    pub account_role: Option<String>,
    pub platform_admin: bool,
    pub sales_rep: bool,
}

/// `GET /api/v1/session`: is this bearer token a live session, and whose? Records activity
/// (at most once a minute).
pub async fn validate(
    State(state): State<AppState>,
    device: Device,
) -> Result<Json<ValidatedSession>, ApiError> {
    let caller = device.caller;
    let viewer = state.app.service.viewer(&caller).await?;
    let account_role = viewer
        .memberships
        .iter()
        .find(|membership| membership.account_id == caller.account_id)
        .map(|membership| membership.role.as_str().to_owned());
    Ok(Json(ValidatedSession {
        session_id: caller.session_id,
        user: Person {
            id: viewer.user_id,
            name: viewer.name,
        },
        account: AccountRef {
            id: viewer.account_id,
            name: viewer.account_name,
        },
        application_id: caller.application_id,
        roles: Roles {
            account_role,
            platform_admin: viewer.is_platform_admin,
            sales_rep: viewer.is_sales_rep,
        },
        acting_as: viewer.impersonator.map(|rep| Person {
            id: rep.user_id,
            name: rep.name,
        }),
        expires_at: caller.expires_at,
    }))
}

/// `DELETE /api/v1/session`: logs the presented session out.
pub async fn log_out(
    State(state): State<AppState>,
    device: Device,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .service
        .sign_out(&device.caller, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
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
/// as the web app.
pub async fn list(
    State(state): State<AppState>,
    device: Device,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<SessionsPage>, ApiError> {
    let invalid = |what: &str| ApiError::InvalidRequest(what.to_owned());
    let view = match (query.view.as_deref().unwrap_or("mine"), query.account) {
        ("mine", _) => SessionsView::Mine,
        ("account", Some(account)) => SessionsView::Account(AccountId(account)),
        ("account", None) => return Err(invalid("view=account needs account=<id>")),
        ("platform", account) => {
            let _ = account;
            SessionsView::Platform
        }
        _ => return Err(invalid("view must be mine, account or platform")),
    };
    let after = match query.after.as_deref() {
        Some(text) => Some(
            Cursor::parse(text).ok_or_else(|| invalid("after is not a cursor from this API"))?,
        ),
        None => None,
    };
    let limit = query.limit.unwrap_or(50);
    if limit == 0 || limit > MAX_PAGE_SIZE {
        return Err(invalid("limit must be between 1 and 200"));
    }
    let oldest_first = match query.sort.as_deref() {
        None | Some("newest") => false,
        Some("oldest") => true,
        Some(_) => return Err(invalid("sort must be newest or oldest")),
    };
    let filter = SessionFilter {
        user: query.user.map(UserId),
        application: query.application.map(ApplicationId),
        account: if view == SessionsView::Platform {
            query.account.map(AccountId)
        } else {
            None
        },
        search: query.q,
        oldest_first,
    };
    let page = state
        .app
        .service
        .sessions_page(
            &device.caller,
            view,
            &filter,
            PageRequest { after, limit },
            Timestamp::now(),
        )
        .await?;
    Ok(Json(page))
}

/// `DELETE /api/v1/sessions/{id}`: ends one session the token's user may manage. Never the
/// presented session itself: that is `DELETE /api/v1/session`.
pub async fn terminate(
    State(state): State<AppState>,
    device: Device,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::InvalidRequest("the session id is not a number".to_owned()))?;
    state
        .app
        .service
        .terminate_session(&device.caller, SessionId(id), Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
