//! Sessions: listing them in a view, and terminating them.

use std::sync::Arc;

use super::changes::{About, Actor, Author};
use super::impersonation::ActingAction;
use super::{ApiClient, Caller, SessionService, checked_page, checked_text};
use crate::access::{self, Principal, Scope};
use crate::error::{Error, Result};
use crate::model::{
    self, AccountId, ApplicationId, BulkPreview, BulkProgress, BulkTerminationId, COUNT_CAP,
    ChangeKind, EndReason, EndedFilter, EndedSessionView, MAX_PAGE_SIZE, MAX_SEARCH_CHARS,
    MIN_PLATFORM_SEARCH_CHARS, Page, PageRequest, SessionEnd, SessionFilter, SessionId,
    SessionView, SessionsPage, SessionsView, Timestamp, UserId,
};
use crate::store::{EndedQuery, SessionQuery};

/// How many sessions one page of "my sessions" shows.
pub const MY_SESSIONS_PAGE: u32 = 100;

/// How many sessions one transaction of a bulk termination ends. On SQLite a sign-in waits for
/// the batch in hand (one writer): at a million sessions, while 250,004 ended in 15 s, sign-ins
/// took 38 ms at the median and 94 ms at most. Batches of 500 cut the median to 26 ms but the
/// whole took 24 s (`sessionboard-bench bulk-end`, 2 runs each).
pub const BULK_BATCH: u32 = 1_000;

/// How many sessions a bulk termination's preview shows.
const BULK_SAMPLE: u32 = 5;

/// Where counting what a bulk termination would end stops: beyond any one deployment's live
/// sessions, so the count is exact.
const MAX_BULK_COUNT: u32 = 100_000_000;

impl SessionService {
    /// A page of live sessions in `view`, filtered; the caller's own session is marked.
    pub async fn list_sessions(
        &self,
        caller: &Caller,
        view: SessionsView,
        filter: &SessionFilter,
        page: PageRequest,
        now: Timestamp,
    ) -> Result<Page<SessionView>> {
        let (scope, query) = self.authorised_query(caller, view, filter).await?;
        let mut page = self
            .store
            .list_live_sessions(scope, &query, now, checked_page(page)?)
            .await?;
        page.items = mark_current(page.items, caller);
        Ok(page)
    }

    /// A page of sessions in `view` with the total count (capped at [`COUNT_CAP`]) and the
    /// server's time: what a sessions table shows.
    pub async fn sessions_page(
        &self,
        caller: &Caller,
        view: SessionsView,
        filter: &SessionFilter,
        page: PageRequest,
        now: Timestamp,
    ) -> Result<SessionsPage> {
        let (scope, query) = self.authorised_query(caller, view, filter).await?;
        let mut page = self.page_in_scope(scope, &query, page, now).await?;
        page.items = mark_current(page.items, caller);
        Ok(page)
    }

    /// One page of live sessions within an already authorised scope, with the capped total.
    async fn page_in_scope(
        &self,
        scope: Scope,
        query: &SessionQuery,
        page: PageRequest,
        now: Timestamp,
    ) -> Result<SessionsPage> {
        let listed = self
            .store
            .list_live_sessions(scope, query, now, checked_page(page)?)
            .await?;
        let total = self
            .store
            .count_live_sessions(scope, query, now, COUNT_CAP)
            .await?;
        Ok(SessionsPage {
            items: listed.items,
            next: listed.next,
            total,
            now,
        })
    }

    /// The scope `view` gives the caller, and the filters as the store takes them.
    async fn authorised_query(
        &self,
        caller: &Caller,
        view: SessionsView,
        filter: &SessionFilter,
    ) -> Result<(Scope, SessionQuery)> {
        let principal = self.principal(caller).await?;
        let scope = access::list_scope(&principal, view)?;
        Ok((scope, session_query(scope, filter)?))
    }

    /// The members of an account, for the account view's user filter.
    pub async fn account_members(
        &self,
        caller: &Caller,
        account: AccountId,
    ) -> Result<Vec<(UserId, String)>> {
        access::list_scope(
            &self.principal(caller).await?,
            SessionsView::Account(account),
        )?;
        self.store.list_members(account).await
    }

    /// Registered applications, for the application filter. Any signed-in caller may know
    /// their names.
    pub async fn applications(&self, _caller: &Caller) -> Result<Vec<(ApplicationId, String)>> {
        self.store.list_applications().await
    }

    /// The caller's own live sessions across all their accounts, newest first (first page).
    pub async fn list_my_sessions(
        &self,
        caller: &Caller,
        now: Timestamp,
    ) -> Result<Vec<SessionView>> {
        let page = PageRequest {
            after: None,
            limit: MY_SESSIONS_PAGE,
        };
        let page = self
            .list_sessions(
                caller,
                SessionsView::Mine,
                &SessionFilter::default(),
                page,
                now,
            )
            .await?;
        Ok(page.items)
    }

    /// Ends a session the caller may manage: their own (but not the current one), any in an
    /// account they own, or any at all for platform admins. A session out of reach is "not
    /// found", whether it exists or not.
    pub async fn terminate_session(
        &self,
        caller: &Caller,
        target: SessionId,
        now: Timestamp,
    ) -> Result<()> {
        self.terminate_one(caller, target, now).await?;
        self.record_acting(caller, ActingAction::TerminatedSession(target), now)
            .await
    }

    /// [`Self::terminate_session`] without its audit record while acting.
    async fn terminate_one(
        &self,
        caller: &Caller,
        target: SessionId,
        now: Timestamp,
    ) -> Result<()> {
        if target == caller.session_id {
            return Err(Error::CannotTerminateCurrentSession);
        }
        let owner = self
            .store
            .live_session_owner(target, now)
            .await?
            .ok_or(Error::SessionNotFound)?;
        let principal = self.principal(caller).await?;
        let scope = access::termination_scope(&principal, caller.session_id, target, owner)?;
        let end = access::ending(scope, caller.user_id, caller.impersonator);
        self.end_session(target, scope, end, now).await
    }

    /// Ends a session within `scope` and forgets its cached validation: its very next request
    /// here is refused (other servers hear of it through the store).
    pub(super) async fn end_session(
        &self,
        target: SessionId,
        scope: Scope,
        end: SessionEnd,
        now: Timestamp,
    ) -> Result<()> {
        let ended = self
            .store
            .terminate_session(target, scope, end, now)
            .await?
            .ok_or(Error::SessionNotFound)?;
        self.forget(&[ended]);
        Ok(())
    }

    /// Ends several sessions, each under the same rules as [`Self::terminate_session`]; stops at
    /// the first refusal, having ended those before it.
    pub async fn terminate_sessions(
        &self,
        caller: &Caller,
        targets: &[SessionId],
        now: Timestamp,
    ) -> Result<usize> {
        if targets.len() > MAX_PAGE_SIZE as usize {
            return Err(Error::InvalidInput("too many sessions at once"));
        }
        let mut ended = 0;
        let mut refusal = None;
        for target in targets {
            if let Err(error) = self.terminate_one(caller, *target, now).await {
                refusal = Some(error);
                break;
            }
            ended += 1;
        }
        // Those ended before a refusal are ended all the same: one record for them all.
        let done = ActingAction::TerminatedSessions(&targets[..ended]);
        self.record_acting(caller, done, now).await?;
        match refusal {
            Some(error) => Err(error),
            None => Ok(ended),
        }
    }

    /// Ends every session of the caller's but the current one. Returns how many.
    pub async fn terminate_all_other_sessions(
        &self,
        caller: &Caller,
        now: Timestamp,
    ) -> Result<u64> {
        let end = access::ending(
            Scope::User(caller.user_id),
            caller.user_id,
            caller.impersonator,
        );
        let ended = self
            .store
            .terminate_all_except(caller.user_id, caller.session_id, end, now)
            .await?;
        self.forget(&ended);
        let count = ended.len() as u64;
        let done = ActingAction::TerminatedUserSessions {
            user: caller.user_id,
            count,
        };
        self.record_acting(caller, done, now).await?;
        Ok(count)
    }

    /// Ends every session of `user` the caller may manage: all their others for themselves, all
    /// of them in accounts the caller owns, everywhere for platform admins. Never the caller's
    /// current session. Returns how many ended.
    pub async fn terminate_user_sessions(
        &self,
        caller: &Caller,
        user: UserId,
        now: Timestamp,
    ) -> Result<u64> {
        if user == caller.user_id {
            return self.terminate_all_other_sessions(caller, now).await;
        }
        let principal = self.principal(caller).await?;
        let mut ended = 0;
        for scope in access::user_termination_scopes(&principal)? {
            let end = access::ending(scope, caller.user_id, caller.impersonator);
            ended += self
                .end_user_sessions(user, scope, Some(caller.session_id), end, now)
                .await?;
        }
        let done = ActingAction::TerminatedUserSessions { user, count: ended };
        self.record_acting(caller, done, now).await?;
        Ok(ended)
    }

    /// How many live sessions in `view` pass `filter`, never counting the caller's current
    /// one: what [`Self::terminate_matching`] would end now.
    pub async fn count_matching(
        &self,
        caller: &Caller,
        view: SessionsView,
        filter: &SessionFilter,
        now: Timestamp,
    ) -> Result<u64> {
        let (_, scope, query) = self.matching(caller, view, filter, now).await?;
        self.count_exactly(scope, &query, now).await
    }

    /// What "End all matching sessions" would end: the exact count and the first few, as the
    /// board lists them.
    pub async fn preview_matching(
        &self,
        caller: &Caller,
        view: SessionsView,
        filter: &SessionFilter,
        now: Timestamp,
    ) -> Result<BulkPreview> {
        let (_, scope, query) = self.matching(caller, view, filter, now).await?;
        let count = self.count_exactly(scope, &query, now).await?;
        let first = PageRequest {
            after: None,
            limit: BULK_SAMPLE,
        };
        let sample = self
            .store
            .list_live_sessions(scope, &query, now, first)
            .await?
            .items;
        Ok(BulkPreview { count, sample })
    }

    /// Ends every live session in `view` that passes `filter`, never the caller's current one:
    /// [`Self::begin_terminating_matching`], then [`Self::run_bulk_termination`]. Returns how
    /// many ended.
    pub async fn terminate_matching(
        self: &Arc<Self>,
        actor: &Actor,
        view: SessionsView,
        filter: &SessionFilter,
        now: Timestamp,
    ) -> Result<u64> {
        let job = self
            .begin_terminating_matching(actor, view, filter, None, now)
            .await?;
        // On a task of its own: a caller that hangs up does not leave it half done.
        self.spawn_bulk_termination(job).await.map_err(|error| {
            Error::Internal(format!("a bulk termination's task failed: {error}"))
        })?
    }

    /// Runs a bulk termination on a task of its own: it runs to its end even if the page that
    /// started it goes away, or the API client that asked hangs up. A failure is also in the
    /// job's progress, where the page that started it reads it.
    pub fn spawn_bulk_termination(
        self: &Arc<Self>,
        job: BulkTermination,
    ) -> tokio::task::JoinHandle<Result<u64>> {
        let service = Arc::clone(self);
        tokio::spawn(async move { service.run_bulk_termination(job).await })
    }

    /// Begins ending every live session in `view` that passes `filter` (the sessions the board
    /// lists), never the caller's current one, nor any signed in after this moment: counts
    /// them, and writes the change log's entry, with the filter in words, and the progress
    /// every server can read. Nothing is ended until the job is run.
    ///
    /// With `at_most`, the count the person confirmed: if more match now, nothing begins
    /// ([`Error::Conflict`]), so that no one ends more sessions than they agreed to.
    pub async fn begin_terminating_matching(
        &self,
        actor: &Actor,
        view: SessionsView,
        filter: &SessionFilter,
        at_most: Option<u64>,
        now: Timestamp,
    ) -> Result<BulkTermination> {
        let caller = actor.caller;
        let (principal, scope, query) = self.matching(&caller, view, filter, now).await?;
        let expected = self.count_exactly(scope, &query, now).await?;
        if at_most.is_some_and(|confirmed| expected > confirmed) {
            return Err(Error::Conflict(
                "more sessions match than were confirmed: look at the count again",
            ));
        }
        let applications = self.store.list_applications().await?;
        let application = filter.application.and_then(|wanted| {
            applications
                .into_iter()
                .find(|(id, _)| *id == wanted)
                .map(|(_, name)| name)
        });
        let detail = describe_matching(filter, &query, application.as_deref(), expected);
        let about = About {
            account: match view {
                SessionsView::Account(account) => Some(account),
                SessionsView::Mine | SessionsView::Platform => query.account,
            },
            user: query.user,
            application: query.application,
        };
        let record = Author::Person(actor).record(ChangeKind::SessionsEnded, about, detail, now);
        let id = self.store.begin_bulk_termination(&record, expected).await?;
        Ok(BulkTermination {
            id,
            expected,
            scope,
            query,
            end: access::bulk_ending(&principal, scope, caller.impersonator),
            caller,
            now,
            began: std::time::Instant::now(),
        })
    }

    /// Ends a bulk termination's sessions in batches that each commit on their own, with the
    /// job's progress: a sign-in waits for one batch at most. Every ended device is refused on
    /// its next request, here at once and on other servers as soon as they hear. Returns how
    /// many ended; a failure stops it where it is, and says so in its progress.
    pub async fn run_bulk_termination(&self, job: BulkTermination) -> Result<u64> {
        let mut count = 0;
        let outcome = loop {
            // Each batch ends its sessions, and advances the progress, at its own moment: a
            // page reading the progress sees it move, and a job nobody runs any more stops
            // moving. Which sessions match stays as it was when the job began.
            let batch = self
                .store
                .terminate_matching(job.id, job.scope, &job.query, job.end, job.at(), BULK_BATCH)
                .await;
            let ended = match batch {
                Ok(ended) => ended,
                Err(error) => break Err(error),
            };
            self.forget(&ended);
            count += ended.len() as u64;
            if ended.len() < BULK_BATCH as usize {
                // A short batch may only mean that some of the sessions it took were ended by
                // someone else meanwhile (on PostgreSQL): done when none match any more.
                match self
                    .store
                    .count_live_sessions(job.scope, &job.query, job.at(), 1)
                    .await
                {
                    Ok(0) => break Ok(count),
                    Ok(_) => {}
                    Err(error) => break Err(error),
                }
            }
        };
        let why = outcome.as_ref().err().map(|error| {
            tracing::error!(job = job.id.0, %error, "a bulk termination stopped short");
            "stopped by a server error after ending the sessions counted; start it again to end the rest"
        });
        self.store
            .finish_bulk_termination(job.id, why, job.at())
            .await?;
        let done = ActingAction::TerminatedMatching { count };
        if let Err(error) = self.record_acting(&job.caller, done, job.at()).await {
            // The sessions are ended and the change log says so; only the acting log missed it.
            tracing::error!(job = job.id.0, %error, "recording a representative's bulk termination failed");
        }
        outcome
    }

    /// How far a bulk termination the caller started has got; one whose server stopped
    /// running it says so.
    pub async fn bulk_progress(
        &self,
        caller: &Caller,
        id: BulkTerminationId,
        now: Timestamp,
    ) -> Result<BulkProgress> {
        let mut progress = self
            .store
            .bulk_termination(id, caller.user_id)
            .await?
            .ok_or(Error::NotFound("no such bulk termination of yours"))?;
        if progress.is_stalled(now) {
            progress.error =
                Some("the server running it stopped; start it again to end the rest".to_owned());
        }
        Ok(progress)
    }

    /// How many live sessions in `scope` pass `query`, without the lists' cap: what a bulk
    /// termination shows, confirms and expects.
    async fn count_exactly(
        &self,
        scope: Scope,
        query: &SessionQuery,
        now: Timestamp,
    ) -> Result<u64> {
        self.store
            .count_live_sessions(scope, query, now, MAX_BULK_COUNT)
            .await
    }

    /// The sessions in `view` that a board with `filter` shows, as a bulk termination takes
    /// them: within the caller's powers (refused when the view is not theirs), never their
    /// current session, nor one signed in after `now`.
    async fn matching(
        &self,
        caller: &Caller,
        view: SessionsView,
        filter: &SessionFilter,
        now: Timestamp,
    ) -> Result<(Principal, Scope, SessionQuery)> {
        let principal = self.principal(caller).await?;
        let scope = access::list_scope(&principal, view)?;
        let query = session_query(scope, filter)?;
        // Sessions that begin while it runs (the rightful owner signing in again after the
        // incident) were not in what the person saw and confirmed.
        let begun = now.plus(std::time::Duration::from_millis(1));
        let query = SessionQuery {
            except: Some(caller.session_id),
            created_before: Some(
                query
                    .created_before
                    .map_or(begun, |before| before.min(begun)),
            ),
            ..query
        };
        Ok((principal, scope, query))
    }

    async fn end_user_sessions(
        &self,
        user: UserId,
        scope: Scope,
        keep: Option<SessionId>,
        end: SessionEnd,
        now: Timestamp,
    ) -> Result<u64> {
        let ended = self
            .store
            .terminate_user_sessions(user, scope, keep, end, now)
            .await?;
        self.forget(&ended);
        Ok(ended.len() as u64)
    }

    /// A page of sessions across all accounts, for a platform-wide API key (no user session).
    pub async fn platform_sessions_page(
        &self,
        client: &ApiClient,
        filter: &SessionFilter,
        page: PageRequest,
        now: Timestamp,
    ) -> Result<SessionsPage> {
        access::may_act_platform_wide(client.powers.platform_wide)?;
        let query = session_query(Scope::All, filter)?;
        self.page_in_scope(Scope::All, &query, page, now).await
    }

    /// A page for a long download: [`Self::list_sessions`], refused once the caller's session
    /// has ended (signed out, terminated, expired) since the download began.
    pub async fn list_sessions_still_signed_in(
        &self,
        caller: &Caller,
        view: SessionsView,
        filter: &SessionFilter,
        page: PageRequest,
        now: Timestamp,
    ) -> Result<Page<SessionView>> {
        self.store
            .live_session_owner(caller.session_id, now)
            .await?
            .ok_or(Error::Unauthenticated)?;
        self.list_sessions(caller, view, filter, page, now).await
    }

    /// A page of sessions across all accounts without the count, for a platform-wide API key,
    /// refused once the key has been revoked (a long download asks page after page).
    pub async fn platform_list_sessions(
        &self,
        client: &ApiClient,
        filter: &SessionFilter,
        page: PageRequest,
        now: Timestamp,
    ) -> Result<Page<SessionView>> {
        access::may_act_platform_wide(client.powers.platform_wide)?;
        let keys = self.store.list_api_keys().await?;
        if !keys
            .iter()
            .any(|key| key.id == client.key_id && key.revoked_at.is_none())
        {
            return Err(Error::Unauthenticated);
        }
        let query = session_query(Scope::All, filter)?;
        self.store
            .list_live_sessions(Scope::All, &query, now, checked_page(page)?)
            .await
    }

    /// Ends any live session, for a platform-wide API key.
    pub async fn platform_terminate_session(
        &self,
        client: &ApiClient,
        target: SessionId,
        now: Timestamp,
    ) -> Result<()> {
        access::may_act_platform_wide(client.powers.platform_wide)?;
        let end = SessionEnd::by_key(client.key_id);
        self.end_session(target, Scope::All, end, now).await
    }

    /// Ends every live session of a user, for a platform-wide API key.
    pub async fn platform_terminate_user_sessions(
        &self,
        client: &ApiClient,
        user: UserId,
        now: Timestamp,
    ) -> Result<u64> {
        access::may_act_platform_wide(client.powers.platform_wide)?;
        let end = SessionEnd::by_key(client.key_id);
        self.end_user_sessions(user, Scope::All, None, end, now)
            .await
    }

    /// *Ended sessions*: sessions in `view` that ended (terminated, or ran out) and are kept
    /// until the retention purge, most recently ended first, each with why and by whom.
    pub async fn list_ended_sessions(
        &self,
        caller: &Caller,
        view: SessionsView,
        filter: &EndedFilter,
        page: PageRequest,
        now: Timestamp,
    ) -> Result<Page<EndedSessionView>> {
        let principal = self.principal(caller).await?;
        let scope = access::list_scope(&principal, view)?;
        self.ended_in_scope(scope, filter, page, now, principal.is_platform_admin)
            .await
    }

    /// *Ended sessions* across all accounts, for a platform-wide API key.
    pub async fn platform_ended_sessions(
        &self,
        client: &ApiClient,
        filter: &EndedFilter,
        page: PageRequest,
        now: Timestamp,
    ) -> Result<Page<EndedSessionView>> {
        access::may_act_platform_wide(client.powers.platform_wide)?;
        self.ended_in_scope(Scope::All, filter, page, now, true)
            .await
    }

    async fn ended_in_scope(
        &self,
        scope: Scope,
        filter: &EndedFilter,
        page: PageRequest,
        now: Timestamp,
        platform_wide: bool,
    ) -> Result<Page<EndedSessionView>> {
        let query = EndedQuery {
            reason: filter.reason,
            user: filter.user,
            lifetime_millis: i64::try_from(self.policy.absolute_lifetime.as_millis())
                .unwrap_or(i64::MAX),
        };
        let mut page = self
            .store
            .list_ended_sessions(scope, &query, now, checked_page(page)?)
            .await?;
        page.items = page
            .items
            .into_iter()
            .map(|ended| ended.seen_by_platform_admin(platform_wide))
            .collect();
        Ok(page)
    }

    /// Signs out: ends the caller's current session (and any impersonation it was doing).
    pub async fn sign_out(&self, caller: &Caller, now: Timestamp) -> Result<()> {
        let owner = caller.impersonator.unwrap_or(caller.user_id);
        let end = SessionEnd::by(EndReason::SignedOut, owner);
        match self
            .end_session(caller.session_id, Scope::User(owner), end, now)
            .await
        {
            // Already ended elsewhere: logging out has nothing left to do.
            Ok(()) | Err(Error::SessionNotFound) => Ok(()),
            Err(error) => Err(error),
        }
    }
}

/// A bulk termination that has begun: its change-log entry and progress exist; running it
/// ends its sessions.
#[derive(Debug)]
pub struct BulkTermination {
    pub id: BulkTerminationId,
    /// How many matched when it began.
    pub expected: u64,
    scope: Scope,
    query: SessionQuery,
    end: SessionEnd,
    caller: Caller,
    /// When it began, on the caller's clock, and on this process's steady one.
    now: Timestamp,
    began: std::time::Instant,
}

impl BulkTermination {
    /// Its progress as it begins: nothing ended yet.
    pub fn progress(&self) -> BulkProgress {
        BulkProgress {
            id: self.id,
            expected: self.expected,
            ended: 0,
            started_at: self.now,
            updated_at: self.now,
            finished_at: None,
            error: None,
        }
    }

    /// The moment now, counted from when it began.
    fn at(&self) -> Timestamp {
        self.now.plus(self.began.elapsed())
    }
}

/// A bulk termination's filter in words, for the change log: "every session of application
/// Web, from NL, on phones, created before 2026-12-01 00:00 UTC (37 matched)".
fn describe_matching(
    filter: &SessionFilter,
    query: &SessionQuery,
    application: Option<&str>,
    expected: u64,
) -> String {
    let mut parts = Vec::new();
    if let Some(user) = query.user {
        parts.push(format!("of person {user}"));
    }
    if let Some(name) = application {
        parts.push(format!("of application {name}"));
    }
    if let Some(country) = &query.country {
        parts.push(format!("from {country}"));
    }
    if let Some(device) = query.device {
        parts.push(format!("on {}", device.label().to_lowercase()));
    }
    if let Some(term) = &query.search {
        parts.push(format!("matching \"{term}\""));
    }
    if query.flagged_only {
        parts.push("flagged".to_owned());
    }
    if let Some(after) = filter.created_after {
        parts.push(format!("created from {}", after.to_utc_string()));
    }
    if let Some(before) = filter.created_before {
        parts.push(format!("created before {}", before.to_utc_string()));
    }
    let noun = if expected == 1 { "session" } else { "sessions" };
    if parts.is_empty() {
        format!("ended every session ({expected} {noun} matched)")
    } else {
        format!(
            "ended every session {} ({expected} {noun} matched)",
            parts.join(", ")
        )
    }
}

fn mark_current(mut sessions: Vec<SessionView>, caller: &Caller) -> Vec<SessionView> {
    for session in &mut sessions {
        session.is_current = session.id == caller.session_id;
    }
    sessions
}

fn session_query(scope: Scope, filter: &SessionFilter) -> Result<SessionQuery> {
    let search = match filter.search.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(term) => {
            let chars = checked_text(term, MAX_SEARCH_CHARS, "search text is too long")?
                .chars()
                .count();
            if scope == Scope::All && chars < MIN_PLATFORM_SEARCH_CHARS {
                return Err(Error::InvalidInput(
                    "searching all accounts needs at least 3 characters",
                ));
            }
            Some(term.to_lowercase())
        }
    };
    Ok(SessionQuery {
        user: filter.user,
        application: filter.application,
        account: access::account_filter(scope, filter.account),
        search,
        oldest_first: filter.oldest_first,
        flagged_only: filter.flagged_only,
        except: None,
        country: filter
            .country
            .as_deref()
            .map(model::country_code)
            .transpose()
            .map_err(Error::InvalidInput)?,
        device: filter.device,
        created_after: filter.created_after,
        created_before: filter.created_before,
    })
}
