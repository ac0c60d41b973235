//! Rows as both databases return them, and their conversion to the model.

use crate::model::{
    AccountId, ActingActionKind, ActingActionView, ApiKeyId, ApiKeyName, ApiKeyView, ApplicationId,
    ChangeKind, ChangeView, Device, DeviceKind, EndReason, EndedSessionView, ImpersonationId,
    ImpersonationView, KeyPowers, Location, LoginOutcome, LoginRecordId, LoginRecordView,
    MemberView, PersonView, Role, SessionFlags, SessionId, SessionView, Timestamp, UserId,
};

/// A location split into the columns it is stored in.
pub(crate) struct LocationColumns<'a> {
    pub kind: &'static str,
    pub city: Option<&'a str>,
    pub region: Option<&'a str>,
    pub country_code: Option<&'a str>,
    pub country_name: Option<&'a str>,
}

impl<'a> From<&'a Location> for LocationColumns<'a> {
    fn from(location: &'a Location) -> Self {
        let bare = |kind| Self {
            kind,
            city: None,
            region: None,
            country_code: None,
            country_name: None,
        };
        match location {
            Location::Known {
                city,
                region,
                country_code,
                country_name,
            } => Self {
                kind: "known",
                city: city.as_deref(),
                region: region.as_deref(),
                country_code: country_code.as_deref(),
                country_name: country_name.as_deref(),
            },
            Location::LocalNetwork => bare("local"),
            Location::Unknown => bare("unknown"),
        }
    }
}

fn location(
    kind: &str,
    city: Option<String>,
    region: Option<String>,
    country_code: Option<String>,
    country_name: Option<String>,
) -> Location {
    match kind {
        "known" => Location::Known {
            city,
            region,
            country_code,
            country_name,
        },
        "local" => Location::LocalNetwork,
        _ => Location::Unknown,
    }
}

fn device(
    kind: &str,
    model: Option<String>,
    os: String,
    os_version: Option<String>,
    browser: String,
    browser_version: Option<String>,
) -> Device {
    Device {
        kind: DeviceKind::parse(kind),
        model,
        os,
        os_version,
        browser,
        browser_version,
    }
}

/// The columns of [`SessionRow`], for `SELECT`.
pub const SESSION_COLUMNS: &str = "s.id, s.user_id, u.name AS user_name, s.account_id, \
     a.name AS account_name, app.name AS application, s.ip, s.device_kind, s.device_model, s.os, \
     s.os_version, s.browser, s.browser_version, s.location_kind, s.city, s.region, \
     s.country_code, s.country_name, s.created_at, s.last_active_at, s.flags, s.flag_reasons";

/// The joins [`SESSION_COLUMNS`] needs, after `FROM sessions s`.
pub const SESSION_JOINS: &str = " JOIN users u ON u.id = s.user_id \
     JOIN accounts a ON a.id = s.account_id \
     JOIN applications app ON app.id = s.application_id";

#[derive(sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub account_id: i64,
    pub account_name: String,
    pub application: String,
    pub ip: String,
    pub device_kind: String,
    pub device_model: Option<String>,
    pub os: String,
    pub os_version: Option<String>,
    pub browser: String,
    pub browser_version: Option<String>,
    pub location_kind: String,
    pub city: Option<String>,
    pub region: Option<String>,
    pub country_code: Option<String>,
    pub country_name: Option<String>,
    pub created_at: i64,
    pub last_active_at: i64,
    pub flags: i64,
    pub flag_reasons: String,
}

impl From<SessionRow> for SessionView {
    fn from(row: SessionRow) -> Self {
        SessionView {
            id: SessionId(row.id),
            user_id: UserId(row.user_id),
            user_name: row.user_name,
            account_id: AccountId(row.account_id),
            account_name: row.account_name,
            application: row.application,
            ip: row.ip,
            device: device(
                &row.device_kind,
                row.device_model,
                row.os,
                row.os_version,
                row.browser,
                row.browser_version,
            ),
            location: location(
                &row.location_kind,
                row.city,
                row.region,
                row.country_code,
                row.country_name,
            ),
            created_at: Timestamp(row.created_at),
            last_active_at: Timestamp(row.last_active_at),
            is_current: false,
            flags: SessionFlags::from_bits(row.flags, row.flag_reasons),
        }
    }
}

/// The columns of [`EndedSessionRow`] beyond [`SESSION_COLUMNS`]; `reason` needs
/// [`ENDED_JOINS`] and the two expiries are told apart in SQL (see `sessions::push_reason`).
pub const ENDED_COLUMNS: &str = "COALESCE(s.revoked_at, s.expires_at) AS ended_at, \
     s.revoked_at IS NOT NULL AS terminated, s.ended_reason, \
     COALESCE(eu.name, ek.label) AS ended_by";

/// Who ended it: a person or an application's key.
pub const ENDED_JOINS: &str = " LEFT JOIN users eu ON eu.id = s.ended_by_user_id \
     LEFT JOIN api_keys ek ON ek.id = s.ended_by_key_id";

#[derive(sqlx::FromRow)]
pub struct EndedSessionRow {
    #[sqlx(flatten)]
    pub session: SessionRow,
    pub ended_at: i64,
    pub terminated: bool,
    pub ended_reason: Option<String>,
    pub ended_by: Option<String>,
    /// Whether it ran out at its absolute lifetime (only meaningful when not terminated).
    pub hit_lifetime: bool,
}

impl From<EndedSessionRow> for EndedSessionView {
    fn from(row: EndedSessionRow) -> Self {
        let reason = match (row.terminated, row.ended_reason.as_deref()) {
            (true, Some(code)) => EndReason::parse(code).unwrap_or(EndReason::Unrecorded),
            (true, None) => EndReason::Unrecorded,
            (false, _) if row.hit_lifetime => EndReason::ExpiredLifetime,
            (false, _) => EndReason::ExpiredIdle,
        };
        EndedSessionView {
            session: row.session.into(),
            ended_at: Timestamp(row.ended_at),
            reason,
            ended_by: row.ended_by,
        }
    }
}

pub const LOGIN_RECORD_COLUMNS: &str = "r.id, r.at, r.user_id, u.name AS user_name, r.email, \
     a.name AS account_name, app.name AS application, r.ip, r.device_kind, r.device_model, r.os, \
     r.os_version, r.browser, r.browser_version, r.location_kind, r.city, r.region, \
     r.country_code, r.country_name, r.outcome, r.flags, r.flag_reasons";

pub const LOGIN_RECORD_JOINS: &str = " LEFT JOIN users u ON u.id = r.user_id \
     LEFT JOIN accounts a ON a.id = r.account_id \
     JOIN applications app ON app.id = r.application_id";

#[derive(sqlx::FromRow)]
pub struct LoginRecordRow {
    pub id: i64,
    pub at: i64,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub email: String,
    pub account_name: Option<String>,
    pub application: String,
    pub ip: String,
    pub device_kind: String,
    pub device_model: Option<String>,
    pub os: String,
    pub os_version: Option<String>,
    pub browser: String,
    pub browser_version: Option<String>,
    pub location_kind: String,
    pub city: Option<String>,
    pub region: Option<String>,
    pub country_code: Option<String>,
    pub country_name: Option<String>,
    pub outcome: String,
    pub flags: i64,
    pub flag_reasons: String,
}

impl From<LoginRecordRow> for LoginRecordView {
    fn from(row: LoginRecordRow) -> Self {
        LoginRecordView {
            id: LoginRecordId(row.id),
            at: Timestamp(row.at),
            user_id: row.user_id.map(UserId),
            user_name: row.user_name,
            email: row.email,
            account_name: row.account_name,
            application: row.application,
            ip: row.ip,
            device: device(
                &row.device_kind,
                row.device_model,
                row.os,
                row.os_version,
                row.browser,
                row.browser_version,
            ),
            location: location(
                &row.location_kind,
                row.city,
                row.region,
                row.country_code,
                row.country_name,
            ),
            outcome: LoginOutcome::parse(&row.outcome).unwrap_or(LoginOutcome::InvalidCredentials),
            flags: SessionFlags::from_bits(row.flags, row.flag_reasons),
        }
    }
}

pub const IMPERSONATION_COLUMNS: &str = "i.id, i.impersonator_id, rep.name AS impersonator_name, \
     i.target_user_id, target.name AS target_user_name, i.target_account_id, \
     a.name AS target_account_name, i.started_at, i.ended_at";

pub const IMPERSONATION_JOINS: &str = " JOIN users rep ON rep.id = i.impersonator_id \
     JOIN users target ON target.id = i.target_user_id \
     JOIN accounts a ON a.id = i.target_account_id";

#[derive(sqlx::FromRow)]
pub struct ImpersonationRow {
    pub id: i64,
    pub impersonator_id: i64,
    pub impersonator_name: String,
    pub target_user_id: i64,
    pub target_user_name: String,
    pub target_account_id: i64,
    pub target_account_name: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
}

impl From<ImpersonationRow> for ImpersonationView {
    fn from(row: ImpersonationRow) -> Self {
        ImpersonationView {
            id: ImpersonationId(row.id),
            impersonator_id: UserId(row.impersonator_id),
            impersonator_name: row.impersonator_name,
            target_user_id: UserId(row.target_user_id),
            target_user_name: row.target_user_name,
            target_account_id: AccountId(row.target_account_id),
            target_account_name: row.target_account_name,
            started_at: Timestamp(row.started_at),
            ended_at: row.ended_at.map(Timestamp),
        }
    }
}

/// The columns of [`ActingActionRow`], for `SELECT … FROM impersonation_actions x`.
pub const ACTING_ACTION_COLUMNS: &str = "x.id, x.at, x.session_id, x.rep_user_id, \
     rep.name AS rep_name, x.acting_user_id, target.name AS acting_user_name, x.account_id, \
     a.name AS account_name, x.kind, x.detail";

pub const ACTING_ACTION_JOINS: &str = " JOIN users rep ON rep.id = x.rep_user_id \
     JOIN users target ON target.id = x.acting_user_id \
     JOIN accounts a ON a.id = x.account_id";

#[derive(sqlx::FromRow)]
pub struct ActingActionRow {
    pub id: i64,
    pub at: i64,
    pub session_id: i64,
    pub rep_user_id: i64,
    pub rep_name: String,
    pub acting_user_id: i64,
    pub acting_user_name: String,
    pub account_id: i64,
    pub account_name: String,
    pub kind: String,
    pub detail: String,
}

impl From<ActingActionRow> for ActingActionView {
    fn from(row: ActingActionRow) -> Self {
        ActingActionView {
            id: row.id,
            at: Timestamp(row.at),
            session_id: SessionId(row.session_id),
            representative_id: UserId(row.rep_user_id),
            representative_name: row.rep_name,
            acting_user_id: UserId(row.acting_user_id),
            acting_user_name: row.acting_user_name,
            account_id: AccountId(row.account_id),
            account_name: row.account_name,
            // The column's CHECK admits only the kinds there are.
            kind: ActingActionKind::parse(&row.kind)
                .unwrap_or(ActingActionKind::TerminatedSessions),
            detail: row.detail,
        }
    }
}

/// The row `live_session_by_token` reads.
#[derive(sqlx::FromRow)]
pub struct LiveSessionRow {
    pub id: i64,
    pub user_id: i64,
    pub account_id: i64,
    pub application_id: i64,
    pub created_at: i64,
    pub last_active_at: i64,
    pub expires_at: i64,
    pub acting_user_id: Option<i64>,
    pub acting_account_id: Option<i64>,
    pub impersonation_id: Option<i64>,
    pub acting_since: Option<i64>,
}

impl From<LiveSessionRow> for crate::store::LiveSession {
    fn from(row: LiveSessionRow) -> Self {
        let acting = match (
            row.acting_user_id,
            row.acting_account_id,
            row.impersonation_id,
        ) {
            (Some(user), Some(account), Some(impersonation)) => Some(crate::store::Acting {
                user_id: UserId(user),
                account_id: AccountId(account),
                impersonation_id: ImpersonationId(impersonation),
                // Set with the other acting columns (migration 0004 dated those before it);
                // should one ever lack it, its acting is long overdue and ends at once.
                started_at: Timestamp(row.acting_since.unwrap_or(0)),
            }),
            _ => None,
        };
        crate::store::LiveSession {
            id: SessionId(row.id),
            user_id: UserId(row.user_id),
            account_id: AccountId(row.account_id),
            application_id: crate::model::ApplicationId(row.application_id),
            created_at: Timestamp(row.created_at),
            last_active_at: Timestamp(row.last_active_at),
            expires_at: Timestamp(row.expires_at),
            acting,
        }
    }
}

/// A person seen in one account: what `viewer` reads before the memberships.
#[derive(sqlx::FromRow)]
pub struct ViewerRow {
    pub name: String,
    pub email: String,
    pub is_platform_admin: bool,
    pub is_sales_rep: bool,
    pub account_name: String,
}

#[derive(sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: i64,
    pub application: String,
    pub label: String,
    pub is_admin: bool,
    pub trusted: bool,
    pub directory: bool,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl From<ApiKeyRow> for ApiKeyView {
    fn from(row: ApiKeyRow) -> Self {
        ApiKeyView {
            id: ApiKeyId(row.id),
            application: row.application,
            label: row.label,
            powers: KeyPowers {
                platform_wide: row.is_admin,
                trusted: row.trusted,
                directory: row.directory,
            },
            created_at: Timestamp(row.created_at),
            revoked_at: row.revoked_at.map(Timestamp),
        }
    }
}

/// The columns of [`PersonRow`], for `SELECT … FROM users`: unqualified, so that the
/// dialect's email comparison may follow.
pub const PERSON_COLUMNS: &str = "id, name, email, is_platform_admin, is_sales_rep, \
     deactivated_at, password_hash <> '' AS has_password, created_at, external_id";

/// A person as administration lists them; their memberships are read apart.
#[derive(sqlx::FromRow)]
pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub is_platform_admin: bool,
    pub is_sales_rep: bool,
    pub deactivated_at: Option<i64>,
    pub has_password: bool,
    pub created_at: i64,
    pub external_id: Option<String>,
}

impl From<PersonRow> for PersonView {
    /// Without memberships or accounts served: those come from their own reads.
    fn from(row: PersonRow) -> Self {
        PersonView {
            id: UserId(row.id),
            name: row.name,
            email: row.email,
            is_platform_admin: row.is_platform_admin,
            is_sales_rep: row.is_sales_rep,
            deactivated_at: row.deactivated_at.map(Timestamp),
            has_password: row.has_password,
            created_at: Timestamp(row.created_at),
            external_id: row.external_id,
            memberships: Vec::new(),
            serves: Vec::new(),
        }
    }
}

/// A member of an account, as its Members page lists them.
#[derive(sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub job_label: String,
    pub live_sessions: i64,
    pub has_password: bool,
    pub synced: bool,
    pub deactivated: bool,
}

impl From<MemberRow> for MemberView {
    fn from(row: MemberRow) -> Self {
        MemberView {
            user_id: UserId(row.user_id),
            name: row.name,
            email: row.email,
            // The column's CHECK admits only the roles there are.
            role: Role::parse(&row.role).unwrap_or(Role::Employee),
            job_label: row.job_label,
            live_sessions: u64::try_from(row.live_sessions).unwrap_or(0),
            has_password: row.has_password,
            synced: row.synced,
            deactivated: row.deactivated,
        }
    }
}

/// The columns of [`ChangeRow`], for `SELECT … FROM changes c`.
pub const CHANGE_COLUMNS: &str = "c.id, c.at, c.actor_id, actor.name AS actor_name, \
     rep.name AS impersonator_name, c.ip, c.kind, c.account_id, a.name AS account_name, \
     c.target_user_id, target.name AS target_user_name, c.application_id, c.detail, \
     c.sessions_ended, key_app.name AS key_application, k.label AS key_label";

/// Outer joins: a change outlives the people and accounts it names.
pub const CHANGE_JOINS: &str = " LEFT JOIN users actor ON actor.id = c.actor_id \
     LEFT JOIN users rep ON rep.id = c.impersonator_id \
     LEFT JOIN accounts a ON a.id = c.account_id \
     LEFT JOIN users target ON target.id = c.target_user_id \
     LEFT JOIN api_keys k ON k.id = c.api_key_id \
     LEFT JOIN applications key_app ON key_app.id = k.application_id";

#[derive(sqlx::FromRow)]
pub struct ChangeRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub impersonator_name: Option<String>,
    pub ip: Option<String>,
    pub kind: String,
    pub account_id: Option<i64>,
    pub account_name: Option<String>,
    pub target_user_id: Option<i64>,
    pub target_user_name: Option<String>,
    pub application_id: Option<i64>,
    pub detail: String,
    pub sessions_ended: i64,
    pub key_application: Option<String>,
    pub key_label: Option<String>,
}

impl ChangeRow {
    /// `None` for a kind this version does not know (the column has no CHECK: a newer server
    /// sharing the database may write kinds added after this one).
    pub fn into_view(self) -> Option<ChangeView> {
        Some(ChangeView {
            id: self.id,
            at: Timestamp(self.at),
            actor_id: self.actor_id.map(UserId),
            actor_name: self.actor_name,
            impersonator_name: self.impersonator_name,
            ip: self.ip,
            kind: ChangeKind::parse(&self.kind)?,
            account_id: self.account_id.map(AccountId),
            account_name: self.account_name,
            target_user_id: self.target_user_id.map(UserId),
            target_user_name: self.target_user_name,
            application_id: self.application_id.map(ApplicationId),
            detail: self.detail,
            sessions_ended: u64::try_from(self.sessions_ended).unwrap_or(0),
            api_key: self.key_application.map(|application| ApiKeyName {
                application,
                label: self.key_label.unwrap_or_default(),
            }),
        })
    }
}

/// A person's name and their `sign_in_memory` row, if any: when and where they last signed
/// in, and what they were seen with.
pub type RecallRow = (
    String,
    Option<i64>,
    Option<f64>,
    Option<f64>,
    Option<i64>,
    Option<String>,
);
