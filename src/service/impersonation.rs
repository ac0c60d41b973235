//! Impersonation: a sales representative acting as a customer user, its time limit, and its
//! audit log: when each acting began and ended, and what was done while it lasted.

use super::{Caller, SessionService, checked_page, checked_text};
use crate::access;
use crate::error::{Error, Result};
use crate::model::{
    AccountId, ActingActionKind, ActingActionView, CustomerUser, ImpersonationView,
    MAX_SEARCH_CHARS, Page, PageRequest, SessionId, Timestamp, UserId,
};
use crate::store::{LiveSession, NewActingAction};

/// Something done on someone's data that, done while acting as a customer, goes into the audit
/// log with both names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ActingAction<'a> {
    /// One session ended.
    TerminatedSession(SessionId),
    /// A selection of sessions ended, in the order they were.
    TerminatedSessions(&'a [SessionId]),
    /// `count` of `user`'s sessions ended at once: all their others, or all within reach.
    TerminatedUserSessions { user: UserId, count: u64 },
    /// `count` sessions ended at once because they matched a board's filter.
    TerminatedMatching { count: u64 },
    /// "Store geolocation information" turned on or off for `account`.
    SetStoreGeolocation { account: AccountId, on: bool },
}

impl ActingAction<'_> {
    fn kind(self) -> ActingActionKind {
        match self {
            Self::TerminatedSession(_)
            | Self::TerminatedSessions(_)
            | Self::TerminatedUserSessions { .. }
            | Self::TerminatedMatching { .. } => ActingActionKind::TerminatedSessions,
            Self::SetStoreGeolocation { .. } => ActingActionKind::ChangedSetting,
        }
    }

    /// Whether anything changed (ending none of an empty selection is nothing to record).
    fn changed_anything(self) -> bool {
        match self {
            Self::TerminatedSessions(sessions) => !sessions.is_empty(),
            Self::TerminatedUserSessions { count, .. } | Self::TerminatedMatching { count } => {
                count > 0
            }
            Self::TerminatedSession(_) | Self::SetStoreGeolocation { .. } => true,
        }
    }

    /// What was done, in words, for the audit log. `name` is the name of the user or account
    /// the action concerns, as it is now (the log keeps it as it was then).
    fn describe(self, name: Option<&str>) -> String {
        match self {
            Self::TerminatedSession(id) | Self::TerminatedSessions(&[id]) => {
                format!("terminated session {id}")
            }
            Self::TerminatedSessions(sessions) => {
                let ids: Vec<String> = sessions.iter().map(ToString::to_string).collect();
                format!(
                    "terminated {} sessions ({})",
                    sessions.len(),
                    ids.join(", ")
                )
            }
            Self::TerminatedUserSessions { user, count } => {
                let whose = name.map_or_else(|| format!("user {user}"), str::to_owned);
                let noun = if count == 1 { "session" } else { "sessions" };
                format!("terminated {count} {noun} of {whose}")
            }
            Self::TerminatedMatching { count } => {
                let noun = if count == 1 { "session" } else { "sessions" };
                format!("terminated {count} matching {noun}")
            }
            Self::SetStoreGeolocation { account, on } => {
                let whose = name.map_or_else(|| format!("account {account}"), str::to_owned);
                let state = if on { "on" } else { "off" };
                format!("turned geolocation {state} for {whose}")
            }
        }
    }
}

impl SessionService {
    /// Customer users a sales representative may act as, by name or email.
    pub async fn list_customers(&self, caller: &Caller, search: &str) -> Result<Vec<CustomerUser>> {
        if caller.impersonator.is_some() {
            return Err(Error::AlreadyImpersonating);
        }
        access::may_look_for_customers(&self.principal(caller).await?)?;
        let search = checked_text(search.trim(), MAX_SEARCH_CHARS, "search text is too long")?;
        self.store.list_customers(caller.user_id, search, 50).await
    }

    /// A sales representative starts acting as a customer user in one of that user's accounts.
    pub async fn start_impersonation(
        &self,
        caller: &Caller,
        target_user: UserId,
        target_account: AccountId,
        now: Timestamp,
    ) -> Result<()> {
        if caller.impersonator.is_some() {
            return Err(Error::AlreadyImpersonating);
        }
        let rep = self.principal(caller).await?;
        let target = self
            .store
            .principal(target_user)
            .await?
            .ok_or(Error::UserNotFound)?;
        access::may_impersonate(&rep, &target, target_account)?;
        let (_, changed) = self
            .store
            .start_impersonation(
                caller.session_id,
                caller.user_id,
                target_user,
                target_account,
                now,
            )
            .await?;
        // The session now validates as the customer: its cached answer is stale.
        self.forget(&[changed]);
        Ok(())
    }

    /// Returns the representative to their own session.
    pub async fn end_impersonation(&self, caller: &Caller, now: Timestamp) -> Result<()> {
        if caller.impersonator.is_none() {
            return Err(Error::NotImpersonating);
        }
        if let Some(changed) = self.store.end_impersonation(caller.session_id, now).await? {
            self.forget(&[changed]);
        }
        Ok(())
    }

    /// The impersonation audit log, newest first. Platform admins only — and never while acting
    /// as someone (the principal is then the customer).
    pub async fn list_impersonations(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<ImpersonationView>> {
        access::may_read_audit_log(&self.principal(caller).await?)?;
        self.store.list_impersonations(checked_page(page)?).await
    }

    /// What representatives did while acting as customers, newest first. The same readers as
    /// [`Self::list_impersonations`].
    pub async fn list_acting_actions(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<ActingActionView>> {
        access::may_read_audit_log(&self.principal(caller).await?)?;
        self.store.list_acting_actions(checked_page(page)?).await
    }

    /// Writes down what `caller` has just done, if they are a representative acting as someone:
    /// both names, the account, what, and when. For anyone acting as themselves, nothing.
    ///
    /// Called right after the action's own transaction committed, not inside it: each action
    /// is a store method with a transaction of its own, shared with callers that never act
    /// (platform-wide API keys, the operator), and carrying an audit row through every one of
    /// them would widen all their signatures for this one caller. The price: a crash between
    /// the two writes loses the row. A failed audit write is the action's error, so the
    /// representative is told, and the operator's log has it.
    pub(super) async fn record_acting(
        &self,
        caller: &Caller,
        action: ActingAction<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let Some(representative) = caller.impersonator else {
            return Ok(());
        };
        if !action.changed_anything() {
            return Ok(());
        }
        let name = match action {
            ActingAction::TerminatedUserSessions { user, .. } => self.store.user_name(user).await?,
            // The acting user may change only accounts they own, so they can see its name.
            ActingAction::SetStoreGeolocation { account, .. } => self
                .store
                .viewer(caller.user_id, account)
                .await?
                .map(|viewer| viewer.account_name),
            ActingAction::TerminatedSession(_)
            | ActingAction::TerminatedSessions(_)
            | ActingAction::TerminatedMatching { .. } => None,
        };
        let detail = action.describe(name.as_deref());
        self.store
            .insert_acting_action(NewActingAction {
                at: now,
                session_id: caller.session_id,
                representative,
                acting_user: caller.user_id,
                account: caller.account_id,
                kind: action.kind(),
                detail: &detail,
            })
            .await
    }

    /// `session` in its representative's own eyes again, if it has been acting for longer than
    /// the policy's `impersonation_max`; `None` while it is not acting or its time is not up,
    /// found by one comparison with what the (cached) session already holds: this is on every
    /// request's path. Only when the time is up does it write: the acting ends as ending it by
    /// hand would, except that the audit record closes when the time was up (when acting
    /// stopped being allowed, however much later the next request came). The cache forgets
    /// the token after that commit.
    pub(super) async fn end_overdue_acting(
        &self,
        session: &LiveSession,
        now: Timestamp,
    ) -> Result<Option<LiveSession>> {
        let Some(acting) = session.acting else {
            return Ok(None);
        };
        let due = acting.started_at.plus(self.policy.impersonation_max);
        if now < due {
            return Ok(None);
        }
        // Nothing changed: the acting ended already (by hand, or by a request on another
        // thread or server a moment ago). Either way this request is the representative's own.
        if let Some(changed) = self
            .store
            .expire_impersonation(session.id, acting.impersonation_id, due)
            .await?
        {
            self.forget(&[changed]);
        }
        let mut own = session.clone();
        own.acting = None;
        Ok(Some(own))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acting_actions_read_as_what_was_done() {
        let one = [SessionId(12)];
        let four = [SessionId(12), SessionId(13), SessionId(14), SessionId(15)];
        for (action, name, expected) in [
            (
                ActingAction::TerminatedSession(SessionId(123)),
                None,
                "terminated session 123",
            ),
            (
                ActingAction::TerminatedSessions(&one),
                None,
                "terminated session 12",
            ),
            (
                ActingAction::TerminatedSessions(&four),
                None,
                "terminated 4 sessions (12, 13, 14, 15)",
            ),
            (
                ActingAction::TerminatedUserSessions {
                    user: UserId(7),
                    count: 3,
                },
                Some("Henk Becker"),
                "terminated 3 sessions of Henk Becker",
            ),
            (
                ActingAction::TerminatedUserSessions {
                    user: UserId(7),
                    count: 1,
                },
                None,
                "terminated 1 session of user 7",
            ),
            (
                ActingAction::SetStoreGeolocation {
                    account: AccountId(2),
                    on: false,
                },
                Some("Ektek GmbH"),
                "turned geolocation off for Ektek GmbH",
            ),
            (
                ActingAction::SetStoreGeolocation {
                    account: AccountId(2),
                    on: true,
                },
                None,
                "turned geolocation on for account 2",
            ),
        ] {
            assert_eq!(action.describe(name), expected, "{action:?}");
        }
    }

    #[test]
    fn only_actions_that_changed_something_are_recorded_and_each_has_its_kind() {
        assert!(!ActingAction::TerminatedSessions(&[]).changed_anything());
        let none = ActingAction::TerminatedUserSessions {
            user: UserId(7),
            count: 0,
        };
        assert!(!none.changed_anything());
        assert!(ActingAction::TerminatedSession(SessionId(1)).changed_anything());
        let setting = ActingAction::SetStoreGeolocation {
            account: AccountId(2),
            on: true,
        };
        assert_eq!(setting.kind(), ActingActionKind::ChangedSetting);
        assert_eq!(none.kind(), ActingActionKind::TerminatedSessions);
    }
}
