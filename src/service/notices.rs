//! "Was this you?": when a session that stood out starts (see `track::flags`), the person's
//! other pages show it until they answer. *Yes* is remembered; *No* ends that session, noting
//! it was reported.

use super::{Caller, SessionService};
use crate::access::Scope;
use crate::error::{Error, Result};
use crate::model::{EndReason, SessionEnd, SessionId, SessionView, Timestamp, UserId};

impl SessionService {
    /// Ends `user`'s session `session` as reported by them ("no, that wasn't me"), from a page
    /// or from an alert mail's link.
    pub(super) async fn report_not_me(
        &self,
        session: SessionId,
        user: UserId,
        now: Timestamp,
    ) -> Result<()> {
        let end = SessionEnd::by(EndReason::ReportedNotYou, user);
        self.end_session(session, Scope::User(user), end, now).await
    }

    /// The caller's own flagged sessions they have not answered for, except the one asking.
    /// None while a sales representative acts as them: the answer is the person's to give.
    pub async fn sign_in_notices(
        &self,
        caller: &Caller,
        now: Timestamp,
    ) -> Result<Vec<SessionView>> {
        if caller.impersonator.is_some() {
            return Ok(Vec::new());
        }
        self.store
            .unanswered_flagged_sessions(caller.user_id, caller.session_id, now)
            .await
    }

    /// "Yes, that was me": the notice is not shown again.
    pub async fn confirm_sign_in(
        &self,
        caller: &Caller,
        session: SessionId,
        now: Timestamp,
    ) -> Result<()> {
        if caller.impersonator.is_some() {
            return Err(Error::Forbidden("only the person themselves answers this"));
        }
        if self
            .store
            .acknowledge_session(caller.user_id, session, now)
            .await?
        {
            Ok(())
        } else {
            Err(Error::SessionNotFound)
        }
    }

    /// "No, sign it out": ends the session (under the same rules as terminating it from the
    /// list: one's own, never the one asking) and notes that its person reported it.
    pub async fn report_sign_in(
        &self,
        caller: &Caller,
        session: SessionId,
        now: Timestamp,
    ) -> Result<()> {
        if caller.impersonator.is_some() {
            return Err(Error::Forbidden("only the person themselves answers this"));
        }
        let owner = self
            .store
            .live_session_owner(session, now)
            .await?
            .ok_or(Error::SessionNotFound)?;
        // Only the person's own: an owner's or admin's wider reach does not make it theirs to
        // report.
        if owner.user_id != caller.user_id {
            return Err(Error::SessionNotFound);
        }
        if session == caller.session_id {
            return Err(Error::CannotTerminateCurrentSession);
        }
        self.report_not_me(session, caller.user_id, now).await
    }
}
