//! Plain types shared by the server and the browser.
//!
//! Nothing here depends on a database, a web framework or the server's tracking data, so this
//! module compiles to WebAssembly and the UI renders exactly what the engine returns.
//!
//! One file per topic: `ids` (the id newtypes and [`Timestamp`]), `origin` (device and
//! location), `sessions` (a session and lists of them), `page` (cursors and pages),
//! `directory` (people, accounts, roles), `audit` (sign-in history and impersonations), `endings`
//! (why sessions ended) and `api_keys`. Everything is re-exported here, so paths stay `model::X`.

mod administration;
mod api_keys;
mod audit;
mod directory;
mod endings;
mod ids;
mod origin;
mod page;
mod sessions;
mod webhooks;

pub use administration::{
    AccountView, ApiKeyName, ApplicationView, ChangeFilter, ChangeKind, ChangeView, MemberView,
    Members, PasswordLink, PasswordLinkHolder, PersonMembership, PersonView,
};
pub use api_keys::{ApiKeyView, KeyPowers};
pub use audit::{
    ActingActionKind, ActingActionView, ImpersonationView, LoginOutcome, LoginRecordFilter,
    LoginRecordView,
};
pub use directory::{CustomerUser, Impersonator, Membership, Role, Viewer};
pub use endings::{EndReason, EndedFilter, EndedSessionView, SessionEnd};
pub use ids::{
    AccountId, ApiKeyId, ApplicationId, BulkTerminationId, ImpersonationId, LoginRecordId,
    SessionId, Timestamp, UserId, WebhookDeliveryId, WebhookEndpointId,
};
pub use origin::{Device, DeviceKind, Location};
pub use page::{Cursor, MAX_PAGE_SIZE, Page, PageRequest};
pub use sessions::{
    BULK_CONFIRM_ABOVE, BulkPreview, BulkProgress, COUNT_CAP, MAX_SEARCH_CHARS,
    MIN_PLATFORM_SEARCH_CHARS, SessionFilter, SessionFlags, SessionView, SessionsPage,
    SessionsView, country_code,
};
pub use webhooks::{
    DeliveryState, EventType, NewWebhookEndpoint, WebhookDeliveryView, WebhookEndpointView,
    WebhookSecret,
};
