//! Administration: changing accounts, people, memberships and applications, each change
//! written together with its audit record, and the lists the admin and Members pages show.

use async_trait::async_trait;

use crate::access::Scope;
use crate::error::Result;
use crate::model::{
    AccountId, AccountView, ApiKeyId, ApplicationId, ApplicationView, ChangeFilter, ChangeKind,
    ChangeView, MemberView, Page, PageRequest, PasswordLinkHolder, PersonView, Role, SessionId,
    Timestamp, UserId,
};
use crate::token::TokenHash;

/// A change to the directory. The store makes it, with its audit record, in one transaction,
/// after checking in that transaction what must hold across rows (an account keeps an owner;
/// the platform keeps an admin), so that two admins acting at once cannot break it together.
#[derive(Clone, Copy, Debug)]
pub enum DirectoryChange<'a> {
    CreateAccount {
        name: &'a str,
        /// The id a product that keeps the directory in step knows it by.
        external_id: Option<&'a str>,
    },
    RenameAccount {
        account: AccountId,
        name: &'a str,
    },
    /// Ends every live session in the account; the account disappears from every list.
    CloseAccount {
        account: AccountId,
    },
    /// Without a password: they set one through a link.
    CreatePerson {
        email: &'a str,
        name: &'a str,
        is_platform_admin: bool,
        is_sales_rep: bool,
        external_id: Option<&'a str>,
    },
    EditPerson {
        user: UserId,
        name: &'a str,
        email: &'a str,
    },
    /// Ends all their live sessions. Refused for the last active platform admin.
    Deactivate {
        user: UserId,
    },
    Reactivate {
        user: UserId,
    },
    /// Refused when it would leave no active platform admin. A person who stops being a
    /// sales representative stops serving their accounts and ends any acting.
    SetPlatformRoles {
        user: UserId,
        is_platform_admin: bool,
        is_sales_rep: bool,
    },
    /// Adds a person to an open account, or changes their role and job label there. Refused
    /// when it would demote the account's last owner.
    PutMembership {
        user: UserId,
        account: AccountId,
        role: Role,
        job_label: &'a str,
    },
    /// Ends their live sessions in that account. Refused for the account's last owner.
    RemoveMembership {
        user: UserId,
        account: AccountId,
    },
    AssignRepresentative {
        rep: UserId,
        account: AccountId,
    },
    /// Also ends the representative's acting as anyone in that account.
    UnassignRepresentative {
        rep: UserId,
        account: AccountId,
    },
    CreateApplication {
        name: &'a str,
    },
    RenameApplication {
        application: ApplicationId,
        name: &'a str,
    },
    /// Revokes its API keys and ends its live sessions.
    RetireApplication {
        application: ApplicationId,
    },
    /// Makes `token` the person's one open set-password link until `expires_at`.
    IssuePasswordLink {
        user: UserId,
        token: &'a TokenHash,
        expires_at: Timestamp,
    },
    /// Takes the link (it must be open and unexpired: [`crate::error::Error::LinkNotValid`])
    /// and sets its person's password.
    SetPasswordWithLink {
        token: &'a TokenHash,
        password_hash: &'a str,
    },
    /// Sets a password (or, with `""`, takes it away until a link is used), and ends the
    /// person's live sessions except `keep` if `end_sessions`.
    SetPassword {
        user: UserId,
        password_hash: &'a str,
        end_sessions: bool,
        keep: Option<SessionId>,
    },
}

/// Who made a change, from where, and what it was, for the audit log.
#[derive(Clone, Debug)]
pub struct ChangeRecord {
    pub at: Timestamp,
    /// `None`: the operator (the command line, an import), or an application's key.
    pub actor: Option<UserId>,
    /// The API key that made the change, when an application made it.
    pub api_key: Option<ApiKeyId>,
    /// The sales representative at the keyboard while acting as `actor`.
    pub impersonator: Option<UserId>,
    pub ip: Option<String>,
    pub kind: ChangeKind,
    /// Filled in by the store for the thing a change creates.
    pub account: Option<AccountId>,
    pub target_user: Option<UserId>,
    pub application: Option<ApplicationId>,
    /// What changed, in words.
    pub detail: String,
}

/// What a change did.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    /// The id of what it created (account, person or application).
    pub created: Option<i64>,
    /// The person whose password a link set.
    pub user: Option<UserId>,
    /// Token hashes of the sessions it ended (and of API keys it revoked), for the caches.
    pub ended: Vec<TokenHash>,
}

/// An account as directory sync finds it by its external id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalAccount {
    pub id: AccountId,
    pub name: String,
    pub closed: bool,
}

/// A one-time link into Sessionboard's pages, as it is stored (by its token's hash only).
#[derive(Clone, Copy, Debug)]
pub struct NewSignInLink<'a> {
    pub token: &'a TokenHash,
    pub user: UserId,
    pub account: AccountId,
    pub api_key: ApiKeyId,
    pub page: &'a str,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// What a sign-in link grants when it is used: a web session for this person in this
/// account, landing on `page`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInLinkGrant {
    pub user: UserId,
    pub account: AccountId,
    pub api_key: ApiKeyId,
    pub page: String,
}

#[async_trait]
pub trait AdministrationStore: Send + Sync {
    async fn apply_change(
        &self,
        change: DirectoryChange<'_>,
        record: ChangeRecord,
    ) -> Result<Applied>;

    /// Open accounts whose name contains `search` (lower-cased), newest first.
    async fn list_accounts(&self, search: &str, page: PageRequest) -> Result<Page<AccountView>>;
    /// An open account's name; `None` if it does not exist or was closed.
    async fn account_name(&self, account: AccountId) -> Result<Option<String>>;
    /// The open account with exactly this name (the oldest, if several share it).
    async fn account_by_name(&self, name: &str) -> Result<Option<AccountId>>;
    /// A person's role and job label in an account.
    async fn membership(&self, user: UserId, account: AccountId) -> Result<Option<(Role, String)>>;
    /// People whose name or email contains `search` (lower-cased), newest first.
    async fn list_people(&self, search: &str, page: PageRequest) -> Result<Page<PersonView>>;
    async fn person(&self, user: UserId) -> Result<Option<PersonView>>;
    /// By an already lower-cased email, deactivated people included.
    async fn person_by_email(&self, email: &str) -> Result<Option<PersonView>>;
    /// An open account's members by name (at most 1,000), with their live sessions there.
    async fn list_account_members(
        &self,
        account: AccountId,
        now: Timestamp,
    ) -> Result<Vec<MemberView>>;
    /// Applications not retired, by id (at most 1,000).
    async fn list_live_applications(&self) -> Result<Vec<ApplicationView>>;
    /// An active person's password hash (`""` while they have none).
    async fn password_hash(&self, user: UserId) -> Result<Option<String>>;
    /// Whom an open, unexpired set-password link is for.
    async fn password_link_holder(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<PasswordLinkHolder>>;
    /// An account by the id a product knows it by, open or closed.
    async fn account_by_external_id(&self, external_id: &str) -> Result<Option<ExternalAccount>>;
    /// A person by the id a product knows them by, deactivated or not.
    async fn person_by_external_id(&self, external_id: &str) -> Result<Option<PersonView>>;
    async fn insert_sign_in_link(&self, link: NewSignInLink<'_>) -> Result<()>;
    /// Deletes the link and returns what it grants, if it was there, unexpired, and its key
    /// is still live and trusted: a link works once, even when two browsers present it at
    /// once, and dies with the trust that made it.
    async fn take_sign_in_link(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<SignInLinkGrant>>;
    /// Deletes links that expired before `before`; returns how many.
    async fn purge_sign_in_links(&self, before: Timestamp) -> Result<u64>;
    /// The audit log of changes in `scope` (`All`, or one account's) that pass `filter`,
    /// newest first.
    async fn list_changes(
        &self,
        scope: Scope,
        filter: &ChangeFilter,
        page: PageRequest,
    ) -> Result<Page<ChangeView>>;
}
