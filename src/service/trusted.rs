//! Sign-in without a password, for a product that keeps its own: a key a platform admin marked
//! trusted opens a session for a person the product has already authenticated, and makes
//! one-time links that open Sessionboard's own pages signed in as them (the product's "Active
//! sessions" menu item).
//!
//! Everything after "who is it" is a password sign-in's: the sign-in budgets, tracking and
//! location, the sign-in record, the token shown once. Refusals write nothing.

use std::net::IpAddr;
use std::time::Duration;

use super::directory_sync::checked_external_id;
use super::setup::checked_email;
use super::sign_in::{WEB_APPLICATION, Who};
use super::{ApiClient, SessionService, SignedIn};
use crate::access;
use crate::error::{Error, Result};
use crate::limit::Channel;
use crate::model::{PersonView, Timestamp};
use crate::store::{AccountSettings, NewSignInLink};
use crate::token::SessionToken;

/// How long a sign-in link works: long enough for a browser to follow a redirect, short
/// enough that a link copied out of a log or a history is already dead.
pub const SIGN_IN_LINK_LIFETIME: Duration = Duration::from_secs(60);

/// Longest page path a sign-in link may land on.
const MAX_PAGE_CHARS: usize = 256;

/// Where a sign-in link lands when the product names no page.
pub const DEFAULT_LINK_PAGE: &str = "/sessions";

/// Whom a product names: by its own id, or by email.
#[derive(Clone, Copy, Debug)]
pub enum PersonRef<'a> {
    ExternalId(&'a str),
    Email(&'a str),
}

/// A sign-in the product vouches for: the person it authenticated, the account they work in
/// (by the product's id for it), and their device.
#[derive(Clone, Copy, Debug)]
pub struct TrustedSignIn<'a> {
    pub person: PersonRef<'a>,
    pub account: &'a str,
    pub ip: IpAddr,
    pub user_agent: &'a str,
}

/// A one-time link into Sessionboard's pages. The token is in `url` only, shown once.
#[derive(Debug)]
pub struct SignInLink {
    pub token: SessionToken,
    pub expires_at: Timestamp,
}

/// What following a sign-in link gives the browser: a web session, and the page to open.
#[derive(Debug)]
pub struct LinkSignIn {
    pub signed_in: SignedIn,
    pub page: String,
}

/// A person and account a trusted key may open a session for.
struct Vouched {
    person: PersonView,
    account: AccountSettings,
}

impl SessionService {
    /// Opens a session for a person the calling application has authenticated itself. The
    /// session belongs to the key's own application: a key cannot open sessions recorded as
    /// another application's.
    pub async fn sign_in_trusted(
        &self,
        client: &ApiClient,
        attempt: TrustedSignIn<'_>,
        now: Timestamp,
    ) -> Result<SignedIn> {
        let Vouched { person, account } = self
            .vouched(client, attempt.person, attempt.account)
            .await?;
        // The same budgets as a password sign-in through this key, spent before any write.
        self.sign_in_limiter
            .spend(Channel::Api(client.key_id), attempt.ip, &person.email)
            .await?;
        let who = Who {
            email: &person.email,
            user_id: person.id,
            checked_hash: None,
        };
        self.open_session(
            who,
            account,
            client.application_id,
            (attempt.ip, attempt.user_agent),
            now,
        )
        .await
    }

    /// Makes a one-time link, valid for [`SIGN_IN_LINK_LIFETIME`], that opens `page` of
    /// Sessionboard (by default the person's sessions) signed in as the person. Only the
    /// token's hash is stored.
    pub async fn create_sign_in_link(
        &self,
        client: &ApiClient,
        (person, account): (PersonRef<'_>, &str),
        page: Option<&str>,
        now: Timestamp,
    ) -> Result<SignInLink> {
        let page = checked_page_path(page.unwrap_or(DEFAULT_LINK_PAGE))?;
        let Vouched { person, account } = self.vouched(client, person, account).await?;
        let token = SessionToken::generate();
        let expires_at = now.plus(SIGN_IN_LINK_LIFETIME);
        self.store
            .insert_sign_in_link(NewSignInLink {
                token: &token.hash(),
                user: person.id,
                account: account.account_id,
                api_key: client.key_id,
                page,
                created_at: now,
                expires_at,
            })
            .await?;
        Ok(SignInLink { token, expires_at })
    }

    /// Follows a sign-in link from a browser: spends it and opens a web session for its
    /// person, from this device. Unknown, tampered, used and expired links are all
    /// [`Error::LinkNotValid`], as is a link whose person or account stopped being signable-in
    /// meanwhile; none signs anybody in.
    pub async fn use_sign_in_link(
        &self,
        token: &str,
        (ip, user_agent): (IpAddr, &str),
        now: Timestamp,
    ) -> Result<LinkSignIn> {
        let token = SessionToken::parse(token).ok_or(Error::LinkNotValid)?;
        let grant = self
            .store
            .take_sign_in_link(&token.hash(), now)
            .await?
            .ok_or(Error::LinkNotValid)?;
        let person = self
            .store
            .person(grant.user)
            .await?
            .ok_or(Error::LinkNotValid)?;
        let account = self
            .store
            .account_settings(grant.account)
            .await?
            .ok_or(Error::LinkNotValid)?;
        let web = self
            .store
            .application_by_name(WEB_APPLICATION)
            .await?
            .ok_or_else(|| Error::Config(format!("application {WEB_APPLICATION:?} is missing")))?;
        let who = Who {
            email: &person.email,
            user_id: person.id,
            checked_hash: None,
        };
        // The store checks again, in its transaction, that the person is active, a member,
        // and the account open: any of those changed since the link was made refuses it.
        let signed_in = self
            .open_session(who, account, web, (ip, user_agent), now)
            .await
            .map_err(|error| {
                if error.is_internal() {
                    error
                } else {
                    Error::LinkNotValid
                }
            })?;
        Ok(LinkSignIn {
            signed_in,
            page: grant.page,
        })
    }

    /// The person and account a trusted key names, once it is allowed to sign them in: the
    /// key is trusted; the person and the account are ones a product keeps in step (they have
    /// external ids: people and accounts made in Sessionboard are out of any key's reach); the
    /// person is active, not Sessionboard's staff, and a member of the open account.
    async fn vouched(
        &self,
        client: &ApiClient,
        person: PersonRef<'_>,
        account: &str,
    ) -> Result<Vouched> {
        access::may_sign_in_without_password(client.powers)?;
        let person = match person {
            PersonRef::ExternalId(id) => self.external_person(checked_external_id(id)?).await?,
            PersonRef::Email(email) => self
                .store
                .person_by_email(&checked_email(email)?)
                .await?
                .filter(|person| person.external_id.is_some())
                .ok_or(Error::NotFound("person"))?,
        };
        let account = self.open_external_account(account).await?.id;
        let account = self
            .store
            .account_settings(account)
            .await?
            .ok_or(Error::NotFound("account"))?;
        access::may_be_managed_by_application(&person)?;
        if person.deactivated_at.is_some() {
            return Err(Error::Conflict("this person is deactivated"));
        }
        if self
            .store
            .membership(person.id, account.account_id)
            .await?
            .is_none()
        {
            return Err(Error::Conflict(
                "this person is not a member of this account",
            ));
        }
        Ok(Vouched { person, account })
    }
}

/// A page of Sessionboard to land on: a path on this site (`/sessions`, `/history?…`), never
/// another site (`//evil.example`, `https://…`) or anything a browser could read as one.
pub fn checked_page_path(page: &str) -> Result<&str> {
    let on_this_site = page.starts_with('/')
        && !page.starts_with("//")
        && !page.starts_with("/\\")
        && page.chars().count() <= MAX_PAGE_CHARS
        && page.chars().all(|c| c.is_ascii_graphic() && c != '\\');
    if on_this_site {
        Ok(page)
    } else {
        Err(Error::InvalidInput(
            "page must be a path on Sessionboard, such as /sessions",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_link_lands_only_on_a_path_of_this_site() {
        for good in ["/sessions", "/history?outcome=failed", "/account/password"] {
            assert_eq!(checked_page_path(good).ok(), Some(good), "{good}");
        }
        let long = format!("/{}", "a".repeat(256));
        for bad in [
            "",
            "sessions",
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "/a b",
            "/\u{0}",
            "/ä",
            long.as_str(),
        ] {
            assert!(checked_page_path(bad).is_err(), "{bad:?}");
        }
    }
}
