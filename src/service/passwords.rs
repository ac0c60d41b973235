//! Passwords after the first: set-password links for new people and resets, and changing
//! one's own password.
//!
//! Sessionboard sends no mail. Whoever creates a person or resets a password is shown a
//! one-time link, valid for [`PASSWORD_LINK_LIFETIME`], to hand over however they like; only
//! the link token's SHA-256 is stored, as for session tokens, so a copy of the database opens
//! nothing. Following the link sets the password and spends it.

use std::net::IpAddr;
use std::time::Duration;

use super::SessionService;
use super::changes::{About, Actor, Author};
use super::sign_in::Attempt;
use crate::access;
use crate::error::{Error, Result};
use crate::limit;
use crate::model::{
    AccountId, ChangeKind, LoginOutcome, PasswordLink, PasswordLinkHolder, Timestamp, UserId,
};
use crate::password::{MAX_PASSWORD_BYTES, check_strength, hash_password, verify_password};
use crate::store::DirectoryChange;
use crate::token::SessionToken;

/// How long a set-password link can be used.
pub const PASSWORD_LINK_LIFETIME: Duration = Duration::from_secs(24 * 3600);

impl SessionService {
    /// A new set-password link for `user`, replacing any earlier one, once authorised.
    /// `account`: where the link was asked for, so that the account's log shows it.
    pub(super) async fn issue_password_link(
        &self,
        author: Author<'_>,
        user: UserId,
        account: Option<AccountId>,
        now: Timestamp,
    ) -> Result<PasswordLink> {
        let token = SessionToken::generate();
        let expires_at = now.plus(PASSWORD_LINK_LIFETIME);
        let person = self.person(user).await?;
        self.apply(
            author,
            DirectoryChange::IssuePasswordLink {
                user,
                token: &token.hash(),
                expires_at,
            },
            ChangeKind::PasswordLinkIssued,
            About {
                user: Some(user),
                account,
                ..About::default()
            },
            format!("set-password link for {} <{}>", person.name, person.email),
            now,
        )
        .await?;
        Ok(PasswordLink {
            user_id: user,
            path: format!("/set-password?token={}", token.as_str()),
            expires_at,
        })
    }

    /// Resets someone else's password: the old one stops working, and a new set-password
    /// link is returned to hand over. Their sessions end too unless `end_sessions` is false
    /// (say, a person locked out on one device, still signed in on another). Platform admins,
    /// and owners for people wholly inside accounts they own (see
    /// [`access::may_reset_password`]).
    pub async fn reset_password(
        &self,
        actor: &Actor,
        user: UserId,
        end_sessions: bool,
        now: Timestamp,
    ) -> Result<PasswordLink> {
        let principal = self.principal(&actor.caller).await?;
        access::may_change_people(actor.is_acting())?;
        let target = self
            .store
            .principal(user)
            .await?
            .ok_or(Error::UserNotFound)?;
        access::may_reset_password(&principal, &target)?;
        if user == actor.caller.user_id {
            return Err(Error::Forbidden(
                "to change your own password, use Change password",
            ));
        }
        // An owner's reset belongs in the log of the account they reset it from, where the
        // other owners read it.
        let account = target
            .memberships
            .iter()
            .map(|(account, _)| *account)
            .find(|account| principal.is_owner_of(*account));
        self.forced_reset(Author::Person(actor), user, account, end_sessions, now)
            .await
    }

    /// Takes a person's password away and gives them a new set-password link, once authorised
    /// (an admin or owner, or the operator).
    pub(super) async fn forced_reset(
        &self,
        author: Author<'_>,
        user: UserId,
        account: Option<AccountId>,
        end_sessions: bool,
        now: Timestamp,
    ) -> Result<PasswordLink> {
        let person = self.person(user).await?;
        // The link first: should taking the password away then fail, the person still has
        // the old one, rather than neither.
        let link = self.issue_password_link(author, user, account, now).await?;
        let applied = self
            .apply(
                author,
                DirectoryChange::SetPassword {
                    user,
                    password_hash: "",
                    end_sessions,
                    keep: None,
                },
                ChangeKind::PasswordSet,
                About {
                    user: Some(user),
                    account,
                    ..About::default()
                },
                format!(
                    "reset the password of {} <{}>{}",
                    person.name,
                    person.email,
                    if end_sessions {
                        ""
                    } else {
                        "; their sessions were kept"
                    }
                ),
                now,
            )
            .await?;
        tracing::info!(
            user = user.0,
            sessions_ended = applied.ended.len(),
            "password reset"
        );
        Ok(link)
    }

    /// Whom a set-password link is for, for its page; [`Error::LinkNotValid`] for a link that
    /// is unknown, expired or used. No caller: whoever holds the link may ask.
    pub async fn password_link_holder(
        &self,
        token_text: &str,
        now: Timestamp,
    ) -> Result<PasswordLinkHolder> {
        let token = SessionToken::parse(token_text).ok_or(Error::LinkNotValid)?;
        self.store
            .password_link_holder(&token.hash(), now)
            .await?
            .ok_or(Error::LinkNotValid)
    }

    /// Sets a password through a set-password link, which is spent: of two uses of one link,
    /// one sets the password and the other is [`Error::LinkNotValid`]. The password is
    /// checked before the link is spent, so a weak one does not cost the link.
    pub async fn set_password_with_link(
        &self,
        token_text: &str,
        password: &str,
        ip: IpAddr,
        now: Timestamp,
    ) -> Result<UserId> {
        let holder = self.password_link_holder(token_text, now).await?;
        check_strength(password, &[&holder.name, &holder.email])?;
        let token = SessionToken::parse(token_text).ok_or(Error::LinkNotValid)?;
        let password_hash = self.hash(password).await?;
        let applied = self
            .apply(
                Author::Link(ip),
                DirectoryChange::SetPasswordWithLink {
                    token: &token.hash(),
                    password_hash: &password_hash,
                },
                ChangeKind::PasswordSet,
                About::default(),
                format!("{} set a password with their link", holder.name),
                now,
            )
            .await?;
        applied
            .user
            .ok_or_else(|| Error::Internal("a used link named nobody".into()))
    }

    /// Changes the caller's own password. The current one is required (a session left open on
    /// a shared computer must not be enough to lock its owner out); with `sign_out_others`,
    /// every other session of theirs ends at once. Not while acting as someone.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        sign_out_others: bool,
        now: Timestamp,
    ) -> Result<usize> {
        access::may_change_people(actor.is_acting())?;
        let user = actor.caller.user_id;
        let person = self.person(user).await?;
        check_strength(new, &[&person.name, &person.email])?;
        if current.len() > MAX_PASSWORD_BYTES {
            return Err(Error::InvalidInput("the current password is wrong"));
        }
        let stored = self
            .store
            .password_hash(user)
            .await?
            .ok_or(Error::Unauthenticated)?;
        // Guessing the current password from a stolen session meets the same growing wait as
        // guessing it at the sign-in form: a wrong one counts as a failed sign-in.
        let application = actor.caller.application_id;
        limit::wait_after_failures(
            self.store.as_ref(),
            &person.email,
            application,
            actor.ip,
            now,
        )
        .await?;
        let current = current.to_owned();
        let matches = self
            .passwords
            .run(move || verify_password(&current, &stored))
            .await?;
        if !matches {
            let observation = self.tracker.observe(actor.ip, "", false);
            let failure = Attempt {
                email: &person.email,
                user_id: Some(user),
                account_id: Some(actor.caller.account_id),
                application_id: application,
                observation: &observation,
            };
            self.record_attempt(failure, LoginOutcome::InvalidCredentials, now)
                .await?;
            return Err(Error::InvalidInput("the current password is wrong"));
        }
        let password_hash = self.hash(new).await?;
        let applied = self
            .apply(
                Author::Person(actor),
                DirectoryChange::SetPassword {
                    user,
                    password_hash: &password_hash,
                    end_sessions: sign_out_others,
                    keep: Some(actor.caller.session_id),
                },
                ChangeKind::PasswordChanged,
                About {
                    user: Some(user),
                    ..About::default()
                },
                if sign_out_others {
                    "changed their password and signed out their other sessions".to_owned()
                } else {
                    "changed their password".to_owned()
                },
                now,
            )
            .await?;
        Ok(applied.ended.len())
    }

    /// Hashes a new password in the password queue, with the sign-ins' checks: argon2 is
    /// deliberately slow and memory-hungry.
    async fn hash(&self, password: &str) -> Result<String> {
        let password = password.to_owned();
        self.passwords.run(move || hash_password(&password)).await?
    }
}
