//! What the JSON API answers: its own response bodies, documented in the OpenAPI document (and
//! the outcome filter of the sign-in history, which speaks the same words).
//!
//! The engine's view types (`SessionsPage`, `SessionView`, `LoginRecordView`, …) are shaped for
//! the web app and may change with it. The API converts them into the types here, so the UI can
//! change without changing the documented API. Only the engine's identifiers and `Timestamp`
//! (integers on the wire) appear as they are.

use serde::{Deserialize, Serialize};
use sessionboard::model::{
    self, AccountId, ApplicationId, COUNT_CAP, LoginRecordId, SessionId, Timestamp, UserId,
};
use sessionboard::service::{SignedIn, Validated};
use utoipa::ToSchema;

// `SessionPage::total` documents the cap as 1000; change the text there if this fails.
const _: () = assert!(COUNT_CAP == 1_000);

/// A device just signed in.
#[derive(Serialize, ToSchema)]
pub struct SignedInResponse {
    /// The bearer token for the device. Shown once; Sessionboard keeps only its hash.
    pub token: String,
    pub session_id: SessionId,
    pub expires_at: Timestamp,
}

impl From<&SignedIn> for SignedInResponse {
    fn from(signed_in: &SignedIn) -> Self {
        Self {
            token: signed_in.token.as_str().to_owned(),
            session_id: signed_in.session_id,
            expires_at: signed_in.expires_at,
        }
    }
}

/// A live session: whose it is, in which account, and what they may do.
#[derive(Serialize, ToSchema)]
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

#[derive(Serialize, ToSchema)]
pub struct Person {
    pub id: UserId,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct AccountRef {
    pub id: AccountId,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Roles {
    /// `owner` or `employee` in this account.
    pub account_role: Option<String>,
    pub platform_admin: bool,
    pub sales_rep: bool,
}

impl From<&Validated> for ValidatedSession {
    fn from(Validated { caller, viewer }: &Validated) -> Self {
        let account_role = viewer
            .memberships
            .iter()
            .find(|membership| membership.account_id == caller.account_id)
            .map(|membership| membership.role.as_str().to_owned());
        Self {
            session_id: caller.session_id,
            user: Person {
                id: viewer.user_id,
                name: viewer.name.clone(),
            },
            account: AccountRef {
                id: viewer.account_id,
                name: viewer.account_name.clone(),
            },
            application_id: caller.application_id,
            roles: Roles {
                account_role,
                platform_admin: viewer.is_platform_admin,
                sales_rep: viewer.is_sales_rep,
            },
            acting_as: viewer.impersonator.as_ref().map(|rep| Person {
                id: rep.user_id,
                name: rep.name.clone(),
            }),
            expires_at: caller.expires_at,
        }
    }
}

/// How many sessions a request ended.
#[derive(Serialize, ToSchema)]
pub struct Terminated {
    pub terminated: u64,
    /// With `dry_run`: how many sessions match, and would end now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matching: Option<u64>,
}

/// One page of sessions.
#[derive(Serialize, ToSchema)]
pub struct SessionPage {
    pub items: Vec<Session>,
    /// Opaque: pass it back as `after` for the next page. `null` on the last page.
    pub next: Option<String>,
    /// How many sessions match in all; counting stops at 1000.
    pub total: u64,
    /// When the server answered.
    pub now: Timestamp,
}

impl From<&model::SessionsPage> for SessionPage {
    fn from(page: &model::SessionsPage) -> Self {
        Self {
            items: page.items.iter().map(Session::from).collect(),
            next: page.next.map(|cursor| cursor.encode()),
            total: page.total,
            now: page.now,
        }
    }
}

/// One active session.
#[derive(Serialize, ToSchema)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub user_name: String,
    pub account_id: AccountId,
    pub account_name: String,
    /// The name of the application the session was created for.
    pub application: String,
    /// IPv4 or IPv6.
    #[schema(format = "ip")]
    pub ip: String,
    pub device: Device,
    pub location: Location,
    pub created_at: Timestamp,
    pub last_active_at: Timestamp,
    /// The session making this request.
    pub is_current: bool,
    /// What made it stand out from its person's history when it started.
    pub flags: Flags,
}

/// What made a sign-in stand out from its person's own history when it happened, and why,
/// in words.
#[derive(Serialize, ToSchema)]
pub struct Flags {
    /// An OS and browser (and phone model) not used in the last 90 days.
    pub new_device: bool,
    /// A country not signed in from in the last 90 days.
    pub new_country: bool,
    /// A region not signed in from lately, in a known country.
    pub new_region: bool,
    /// Too far from the previous sign-in for the time between them (over 1,000 km/h).
    pub impossible_travel: bool,
    /// e.g. "first sign-in from Lisbon, Portugal"; empty without flags.
    pub why: String,
}

impl From<&model::SessionFlags> for Flags {
    fn from(flags: &model::SessionFlags) -> Self {
        Self {
            new_device: flags.new_device,
            new_country: flags.new_country,
            new_region: flags.new_region,
            impossible_travel: flags.impossible_travel,
            why: flags.why.clone(),
        }
    }
}

impl From<&model::SessionView> for Session {
    fn from(session: &model::SessionView) -> Self {
        Self {
            id: session.id,
            user_id: session.user_id,
            user_name: session.user_name.clone(),
            account_id: session.account_id,
            account_name: session.account_name.clone(),
            application: session.application.clone(),
            ip: session.ip.clone(),
            device: Device::from(&session.device),
            location: Location::from(&session.location),
            created_at: session.created_at,
            last_active_at: session.last_active_at,
            is_current: session.is_current,
            flags: Flags::from(&session.flags),
        }
    }
}

/// One page of ended sessions.
#[derive(Serialize, ToSchema)]
pub struct EndedSessionPage {
    pub items: Vec<EndedSession>,
    /// Opaque: pass it back as `after` for the next page. `null` on the last page.
    pub next: Option<String>,
}

impl From<&model::Page<model::EndedSessionView>> for EndedSessionPage {
    fn from(page: &model::Page<model::EndedSessionView>) -> Self {
        Self {
            items: page.items.iter().map(EndedSession::from).collect(),
            next: page.next.map(|cursor| cursor.encode()),
        }
    }
}

/// A session that ended (kept until the retention purge), with why and by whom.
#[derive(Serialize, ToSchema)]
pub struct EndedSession {
    /// The session as it was (`is_current` is always false).
    pub session: Session,
    pub ended_at: Timestamp,
    pub reason: model::EndReason,
    /// The account owner's name or the API key's label that ended it; `null` when nobody in
    /// particular did, or (a platform admin, a sales representative) for platform admins'
    /// eyes only.
    pub ended_by: Option<String>,
    /// The reason in words, e.g. "Terminated by Marie Schmidt (account owner)".
    pub why: String,
}

impl From<&model::EndedSessionView> for EndedSession {
    fn from(ended: &model::EndedSessionView) -> Self {
        Self {
            session: Session::from(&ended.session),
            ended_at: ended.ended_at,
            reason: ended.reason,
            ended_by: ended.ended_by.clone(),
            why: ended.why(),
        }
    }
}

/// One page of the sign-in history.
#[derive(Serialize, ToSchema)]
pub struct LoginRecordPage {
    pub items: Vec<LoginRecord>,
    /// Opaque: pass it back as `after` for the next page. `null` on the last page.
    pub next: Option<String>,
}

impl From<&model::Page<model::LoginRecordView>> for LoginRecordPage {
    fn from(page: &model::Page<model::LoginRecordView>) -> Self {
        Self {
            items: page.items.iter().map(LoginRecord::from).collect(),
            next: page.next.map(|cursor| cursor.encode()),
        }
    }
}

/// One sign-in attempt.
#[derive(Serialize, ToSchema)]
pub struct LoginRecord {
    pub id: LoginRecordId,
    pub at: Timestamp,
    /// `null` when the email matched nobody.
    pub user_id: Option<UserId>,
    pub user_name: Option<String>,
    pub email: String,
    pub account_name: Option<String>,
    /// The name of the application the attempt was made at.
    pub application: String,
    /// IPv4 or IPv6.
    #[schema(format = "ip")]
    pub ip: String,
    pub device: Device,
    pub location: Location,
    pub outcome: LoginOutcome,
    /// A successful sign-in's flags; all false for a refused one.
    pub flags: Flags,
}

impl From<&model::LoginRecordView> for LoginRecord {
    fn from(record: &model::LoginRecordView) -> Self {
        Self {
            id: record.id,
            at: record.at,
            user_id: record.user_id,
            user_name: record.user_name.clone(),
            email: record.email.clone(),
            account_name: record.account_name.clone(),
            application: record.application.clone(),
            ip: record.ip.clone(),
            device: Device::from(&record.device),
            location: Location::from(&record.location),
            outcome: LoginOutcome::from(record.outcome),
            flags: Flags::from(&record.flags),
        }
    }
}

/// How a sign-in attempt ended.
#[derive(Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoginOutcome {
    Success,
    InvalidCredentials,
}

impl From<model::LoginOutcome> for LoginOutcome {
    fn from(outcome: model::LoginOutcome) -> Self {
        match outcome {
            model::LoginOutcome::Success => Self::Success,
            model::LoginOutcome::InvalidCredentials => Self::InvalidCredentials,
        }
    }
}

impl From<LoginOutcome> for model::LoginOutcome {
    fn from(outcome: LoginOutcome) -> Self {
        match outcome {
            LoginOutcome::Success => Self::Success,
            LoginOutcome::InvalidCredentials => Self::InvalidCredentials,
        }
    }
}

/// The device, operating system and browser, judged from the user agent.
#[derive(Serialize, ToSchema)]
pub struct Device {
    pub kind: DeviceKind,
    /// e.g. "iPhone", "Samsung SM-S918B"; `null` for an ordinary computer.
    pub model: Option<String>,
    /// "Other" when not recognised.
    pub os: String,
    pub os_version: Option<String>,
    /// "Other" when not recognised.
    pub browser: String,
    pub browser_version: Option<String>,
}

impl From<&model::Device> for Device {
    fn from(device: &model::Device) -> Self {
        Self {
            kind: DeviceKind::from(device.kind),
            model: device.model.clone(),
            os: device.os.clone(),
            os_version: device.os_version.clone(),
            browser: device.browser.clone(),
            browser_version: device.browser_version.clone(),
        }
    }
}

/// What kind of device, judged from its user agent.
#[derive(Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Desktop,
    Phone,
    Tablet,
    Bot,
    Other,
}

impl From<model::DeviceKind> for DeviceKind {
    fn from(kind: model::DeviceKind) -> Self {
        match kind {
            model::DeviceKind::Desktop => Self::Desktop,
            model::DeviceKind::Phone => Self::Phone,
            model::DeviceKind::Tablet => Self::Tablet,
            model::DeviceKind::Bot => Self::Bot,
            model::DeviceKind::Other => Self::Other,
        }
    }
}

impl From<DeviceKind> for model::DeviceKind {
    fn from(kind: DeviceKind) -> Self {
        match kind {
            DeviceKind::Desktop => Self::Desktop,
            DeviceKind::Phone => Self::Phone,
            DeviceKind::Tablet => Self::Tablet,
            DeviceKind::Bot => Self::Bot,
            DeviceKind::Other => Self::Other,
        }
    }
}

/// Where, approximately, from the IP address.
#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// Found in the GeoIP database.
    Known {
        city: Option<String>,
        region: Option<String>,
        /// ISO 3166-1 alpha-2, e.g. "DE".
        country_code: Option<String>,
        country_name: Option<String>,
    },
    /// A private, loopback or link-local address: no city would be true.
    LocalNetwork,
    /// No database, no match, or the account does not store geolocation.
    Unknown,
}

impl From<&model::Location> for Location {
    fn from(location: &model::Location) -> Self {
        match location {
            model::Location::Known {
                city,
                region,
                country_code,
                country_name,
            } => Self::Known {
                city: city.clone(),
                region: region.clone(),
                country_code: country_code.clone(),
                country_name: country_name.clone(),
            },
            model::Location::LocalNetwork => Self::LocalNetwork,
            model::Location::Unknown => Self::Unknown,
        }
    }
}
