//! Directory sync: a product puts its accounts, people and memberships by its own ids. Each
//! `PUT` states the whole of one thing; `201` when it was created, `200` otherwise, and the
//! body's `outcome` says whether anything changed. A directory key or a platform-wide key.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sessionboard::model::{AccountId, Role, Timestamp, UserId};
use sessionboard::service::{
    AccountState, AccountStatus, MAX_EXTERNAL_ID_CHARS, MAX_JOB_LABEL_CHARS, MAX_NAME_CHARS,
    Outcome, PersonState, PersonStatus,
};
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiPath, CallingApp};
use super::problem::{ApiError, PROBLEM_JSON, Problem};
use crate::state::AppState;

// The OpenAPI attributes below take literals; change them with these if this fails.
const _: () = assert!(MAX_EXTERNAL_ID_CHARS == 128);
const _: () = assert!(MAX_NAME_CHARS == 200);
const _: () = assert!(MAX_JOB_LABEL_CHARS == 100);

/// What a `PUT` did.
#[derive(Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncOutcome {
    Created,
    Updated,
    /// Already so: nothing was written.
    Unchanged,
}

impl From<Outcome> for SyncOutcome {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Created => Self::Created,
            Outcome::Updated => Self::Updated,
            Outcome::Unchanged => Self::Unchanged,
        }
    }
}

/// `201 Created` for what a `PUT` created, `200 OK` for the rest.
fn status_of(outcome: Outcome) -> StatusCode {
    match outcome {
        Outcome::Created => StatusCode::CREATED,
        Outcome::Updated | Outcome::Unchanged => StatusCode::OK,
    }
}

#[derive(Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatusWire {
    #[default]
    Active,
    /// Ends every session in the account at once; a closed account is never reopened.
    Closed,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountPut {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// `active` when left out.
    #[serde(default)]
    pub status: AccountStatusWire,
}

#[derive(Serialize, ToSchema)]
pub struct DirectoryAccount {
    pub id: AccountId,
    pub external_id: String,
    pub name: String,
    pub status: AccountStatusWire,
    pub outcome: SyncOutcome,
}

#[derive(Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonStatusWire {
    #[default]
    Active,
    /// Cannot sign in; every session of theirs ends at once.
    Deactivated,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPut {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// `active` when left out.
    #[serde(default)]
    pub status: PersonStatusWire,
}

#[derive(Serialize, ToSchema)]
pub struct DirectoryPerson {
    pub id: UserId,
    pub external_id: String,
    pub name: String,
    pub email: String,
    pub status: PersonStatusWire,
    pub outcome: SyncOutcome,
}

/// A person's role in an account.
#[derive(Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// Sees and ends the sessions of everyone in the account.
    Owner,
    Employee,
}

impl From<MemberRole> for Role {
    fn from(role: MemberRole) -> Self {
        match role {
            MemberRole::Owner => Role::Owner,
            MemberRole::Employee => Role::Employee,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipPut {
    pub role: MemberRole,
    /// What they do there, e.g. "Purchasing"; empty when left out.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub job_label: String,
}

#[derive(Serialize, ToSchema)]
pub struct DirectoryMembership {
    /// The account's external id.
    pub account: String,
    /// The person's external id.
    pub person: String,
    pub role: MemberRole,
    pub job_label: String,
    pub outcome: SyncOutcome,
}

/// `PUT /api/v1/directory/accounts/{external_id}`
#[utoipa::path(put, path = "/api/v1/directory/accounts/{external_id}", tag = "directory",
    request_body = AccountPut,
    params(("external_id" = String, Path, description = "The product's own id for the account",
        max_length = 128, pattern = r"^[A-Za-z0-9._~:@+-]{1,128}$")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Updated, or already so", body = DirectoryAccount),
        (status = 201, description = "Created", body = DirectoryAccount),
        (status = 400, description = "Malformed request", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 401, description = "Invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 403, description = "The key may not manage the directory", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 404, description = "No such account to close", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 409, description = "Closed (not reopened), or the name is taken",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "Body too large", body = Problem,
            content_type = PROBLEM_JSON),
    ))]
pub async fn put_account(
    State(state): State<AppState>,
    CallingApp(client): CallingApp,
    ApiPath(external_id): ApiPath<String>,
    ApiJson(request): ApiJson<AccountPut>,
) -> Result<(StatusCode, Json<DirectoryAccount>), ApiError> {
    let status = match request.status {
        AccountStatusWire::Active => AccountStatus::Active,
        AccountStatusWire::Closed => AccountStatus::Closed,
    };
    let synced = state
        .service
        .sync_account(
            &client,
            &external_id,
            AccountState {
                name: &request.name,
                status,
            },
            Timestamp::now(),
        )
        .await?;
    Ok((
        status_of(synced.outcome),
        Json(DirectoryAccount {
            id: synced.id,
            external_id,
            name: synced.name,
            status: request.status,
            outcome: synced.outcome.into(),
        }),
    ))
}

/// `DELETE /api/v1/directory/accounts/{external_id}`: closes the account.
#[utoipa::path(delete, path = "/api/v1/directory/accounts/{external_id}", tag = "directory",
    params(("external_id" = String, Path, description = "The product's own id for the account",
        max_length = 128, pattern = r"^[A-Za-z0-9._~:@+-]{1,128}$")),
    security(("api_key" = [])),
    responses(
        (status = 204, description = "Closed: every session in it ended (or it was closed already)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 403, description = "The key may not manage the directory", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 404, description = "No account by that id", body = Problem,
            content_type = PROBLEM_JSON),
    ))]
pub async fn delete_account(
    State(state): State<AppState>,
    CallingApp(client): CallingApp,
    ApiPath(external_id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state
        .service
        .close_synced(&client, &external_id, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/v1/directory/people/{external_id}`
#[utoipa::path(put, path = "/api/v1/directory/people/{external_id}", tag = "directory",
    request_body = PersonPut,
    params(("external_id" = String, Path, description = "The product's own id for the person",
        max_length = 128, pattern = r"^[A-Za-z0-9._~:@+-]{1,128}$")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Updated, or already so", body = DirectoryPerson),
        (status = 201, description = "Created, without a password", body = DirectoryPerson),
        (status = 400, description = "Malformed request", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 401, description = "Invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 403,
            description = "The key may not manage the directory, or the person is Sessionboard staff",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "The person was removed meanwhile", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 409, description = "The email belongs to someone else", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 413, description = "Body too large", body = Problem,
            content_type = PROBLEM_JSON),
    ))]
pub async fn put_person(
    State(state): State<AppState>,
    CallingApp(client): CallingApp,
    ApiPath(external_id): ApiPath<String>,
    ApiJson(request): ApiJson<PersonPut>,
) -> Result<(StatusCode, Json<DirectoryPerson>), ApiError> {
    let status = match request.status {
        PersonStatusWire::Active => PersonStatus::Active,
        PersonStatusWire::Deactivated => PersonStatus::Deactivated,
    };
    let synced = state
        .service
        .sync_person(
            &client,
            &external_id,
            PersonState {
                name: &request.name,
                email: &request.email,
                status,
            },
            Timestamp::now(),
        )
        .await?;
    Ok((
        status_of(synced.outcome),
        Json(DirectoryPerson {
            id: synced.id,
            external_id,
            name: synced.name,
            email: synced.email,
            status: request.status,
            outcome: synced.outcome.into(),
        }),
    ))
}

/// `DELETE /api/v1/directory/people/{external_id}`: deactivates the person.
#[utoipa::path(delete, path = "/api/v1/directory/people/{external_id}", tag = "directory",
    params(("external_id" = String, Path, description = "The product's own id for the person",
        max_length = 128, pattern = r"^[A-Za-z0-9._~:@+-]{1,128}$")),
    security(("api_key" = [])),
    responses(
        (status = 204,
            description = "Deactivated: every session of theirs ended (or they were already)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 403,
            description = "The key may not manage the directory, or the person is Sessionboard staff",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No person by that id", body = Problem,
            content_type = PROBLEM_JSON),
    ))]
pub async fn delete_person(
    State(state): State<AppState>,
    CallingApp(client): CallingApp,
    ApiPath(external_id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state
        .service
        .remove_synced_person(&client, &external_id, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/v1/directory/accounts/{account}/members/{person}`
#[utoipa::path(put, path = "/api/v1/directory/accounts/{account}/members/{person}",
    tag = "directory", request_body = MembershipPut,
    params(
        ("account" = String, Path, description = "The account's external id",
            max_length = 128, pattern = r"^[A-Za-z0-9._~:@+-]{1,128}$"),
        ("person" = String, Path, description = "The person's external id",
            max_length = 128, pattern = r"^[A-Za-z0-9._~:@+-]{1,128}$"),
    ),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Changed, or already so", body = DirectoryMembership),
        (status = 201, description = "Added", body = DirectoryMembership),
        (status = 400, description = "Malformed request", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 401, description = "Invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 403,
            description = "The key may not manage the directory, or the person is Sessionboard staff",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such account or person", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 409, description = "It would leave the account without an owner",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "Body too large", body = Problem,
            content_type = PROBLEM_JSON),
    ))]
pub async fn put_membership(
    State(state): State<AppState>,
    CallingApp(client): CallingApp,
    ApiPath((account, person)): ApiPath<(String, String)>,
    ApiJson(request): ApiJson<MembershipPut>,
) -> Result<(StatusCode, Json<DirectoryMembership>), ApiError> {
    let synced = state
        .service
        .sync_membership(
            &client,
            (&account, &person),
            request.role.into(),
            &request.job_label,
            Timestamp::now(),
        )
        .await?;
    Ok((
        status_of(synced.outcome),
        Json(DirectoryMembership {
            account,
            person,
            role: request.role,
            job_label: synced.job_label,
            outcome: synced.outcome.into(),
        }),
    ))
}

/// `DELETE /api/v1/directory/accounts/{account}/members/{person}`
#[utoipa::path(delete, path = "/api/v1/directory/accounts/{account}/members/{person}",
    tag = "directory",
    params(
        ("account" = String, Path, description = "The account's external id",
            max_length = 128, pattern = r"^[A-Za-z0-9._~:@+-]{1,128}$"),
        ("person" = String, Path, description = "The person's external id",
            max_length = 128, pattern = r"^[A-Za-z0-9._~:@+-]{1,128}$"),
    ),
    security(("api_key" = [])),
    responses(
        (status = 204,
            description = "Removed: their sessions in the account ended (or they were not a member)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "Invalid API key", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 403,
            description = "The key may not manage the directory, or the person is Sessionboard staff",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such account or person", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 409, description = "They are the account's last owner", body = Problem,
            content_type = PROBLEM_JSON),
    ))]
pub async fn delete_membership(
    State(state): State<AppState>,
    CallingApp(client): CallingApp,
    ApiPath((account, person)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .service
        .remove_synced_membership(&client, (&account, &person), Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
