//! The audit log of administration: every change to accounts, people, memberships,
//! applications and passwords is written with who made it, from where, and when, in the
//! same transaction as the change itself (see [`crate::store::AdministrationStore`]).

use std::net::IpAddr;

use super::{ApiClient, Caller, SessionService, checked_page};
use crate::access;
use crate::error::Result;
use crate::model::{
    AccountId, ApplicationId, ChangeFilter, ChangeKind, ChangeView, Page, PageRequest, Timestamp,
    UserId,
};
use crate::store::{Applied, ChangeRecord, DirectoryChange};

/// A person changing something, and the address they asked from: the audit log's "who" and
/// "from where".
#[derive(Clone, Copy, Debug)]
pub struct Actor {
    pub caller: Caller,
    pub ip: IpAddr,
}

impl Actor {
    /// Whether a sales representative is acting as the caller.
    pub(super) fn is_acting(&self) -> bool {
        self.caller.impersonator.is_some()
    }
}

/// Who a change is recorded against: a person, or the operator (the command line, an
/// import), who has no account in Sessionboard.
#[derive(Clone, Copy, Debug)]
pub(super) enum Author<'a> {
    Person(&'a Actor),
    /// Someone following a set-password link, from this address: the store records the
    /// link's person as the actor.
    Link(IpAddr),
    /// An application keeping the directory in step through the API, with this key.
    Key(&'a ApiClient),
    Operator,
}

/// What a change is about, for its audit record.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct About {
    pub account: Option<AccountId>,
    pub user: Option<UserId>,
    pub application: Option<ApplicationId>,
}

impl Author<'_> {
    pub(super) fn record(
        self,
        kind: ChangeKind,
        about: About,
        detail: String,
        now: Timestamp,
    ) -> ChangeRecord {
        let (actor, impersonator, ip) = match self {
            Self::Person(actor) => (
                Some(actor.caller.user_id),
                actor.caller.impersonator,
                Some(actor.ip.to_string()),
            ),
            Self::Link(ip) => (None, None, Some(ip.to_string())),
            Self::Key(_) | Self::Operator => (None, None, None),
        };
        ChangeRecord {
            at: now,
            actor,
            api_key: match self {
                Self::Key(client) => Some(client.key_id),
                _ => None,
            },
            impersonator,
            ip,
            kind,
            account: about.account,
            target_user: about.user,
            application: about.application,
            detail,
        }
    }
}

impl SessionService {
    /// Makes a change with its audit record, then forgets the cached answers of whatever it
    /// ended: those sessions' very next request is refused, as after a termination.
    pub(super) async fn apply(
        &self,
        author: Author<'_>,
        change: DirectoryChange<'_>,
        kind: ChangeKind,
        about: About,
        detail: String,
        now: Timestamp,
    ) -> Result<Applied> {
        let record = author.record(kind, about, detail, now);
        let applied = self.store.apply_change(change, record).await?;
        self.forget(&applied.ended);
        Ok(applied)
    }

    /// The audit log of changes: all of it for platform admins (or one account's, with
    /// `account`), an account's for its owners.
    pub async fn list_changes(
        &self,
        caller: &Caller,
        account: Option<AccountId>,
        filter: &ChangeFilter,
        page: PageRequest,
    ) -> Result<Page<ChangeView>> {
        let principal = self.principal(caller).await?;
        let scope = access::changes_scope(&principal, account.or(filter.account))?;
        self.store
            .list_changes(scope, filter, checked_page(page)?)
            .await
    }
}
