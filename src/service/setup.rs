//! The first start: creating the first platform admin through the one-time setup link, and
//! people created by the operator (`sessionboard user create`).
//!
//! A database with nobody in it (and no demo world) cannot be signed in to. When the server
//! starts on one, it opens a setup link ([`super::Operator::open_setup`]): a 256-bit token
//! printed for the operator and kept only as its SHA-256, like a session token, replacing any
//! earlier unused one. Whoever presents it first creates the first platform admin
//! ([`SessionService::complete_setup`]); the store deletes the token in one statement, so of
//! two requests with the same link one wins. Once someone exists, no link is opened and any
//! left over is refused.

use super::sign_in::MAX_EMAIL_BYTES;
use super::{SessionService, WEB_APPLICATION, checked_text, normalise_email};
use crate::error::{Error, Result};
use crate::model::{Timestamp, UserId};
pub use crate::password::MIN_PASSWORD_CHARS;
use crate::password::{check_strength, hash_password};
use crate::store::NewUser;
use crate::token::{SessionToken, TokenHash};

/// Longest name of a person or an account.
pub const MAX_NAME_CHARS: usize = 200;

/// One answer for an unknown, mistyped, replaced or used link, and for one that comes after
/// someone was created another way: there is nothing to tell apart for the person holding it.
const SETUP_NOT_AVAILABLE: &str = "this setup link is not valid or was already used";

/// The first platform admin, as the setup page asks for them.
pub struct FirstAdmin<'a> {
    /// The organisation's account, created for them; they own it.
    pub account: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
}

/// A person the operator creates (`sessionboard user create`).
pub struct NewPerson<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    /// The account they own, created for them. `None`: a personal account in their name.
    pub account: Option<&'a str>,
    /// Sees and manages everything, in every account.
    pub is_platform_admin: bool,
}

/// A person's details after checking: trimmed, the email lower-cased, ready to be written.
struct Person {
    email: String,
    name: String,
    account: String,
    password: String,
    is_platform_admin: bool,
}

impl SessionService {
    /// Whether the first admin is still to be created: nobody exists yet. A probe with no
    /// caller, like [`SessionService::ready`], for the setup page to decide what it shows.
    pub async fn setup_pending(&self) -> Result<bool> {
        self.store.is_empty().await
    }

    /// Creates the first platform admin, owner of a new account, with the setup link's token.
    /// The input is checked before the token is used, so a typing mistake does not spend the
    /// link; a token that is unknown or already used is [`Error::Forbidden`], and changes
    /// nothing.
    pub async fn complete_setup(
        &self,
        token_text: &str,
        admin: FirstAdmin<'_>,
        now: Timestamp,
    ) -> Result<UserId> {
        let person = checked_person(
            admin.email,
            admin.name,
            Some(admin.account),
            admin.password,
            true,
        )?;
        let token = SessionToken::parse(token_text).ok_or(Error::Forbidden(SETUP_NOT_AVAILABLE))?;
        let hash = token.hash();
        // Cheap reads first: once someone exists (a link opened before someone was created on
        // the command line included), or with a wrong token, nothing is hashed or written.
        if !self.store.is_empty().await? || !self.store.has_setup_token(&hash).await? {
            return Err(Error::Forbidden(SETUP_NOT_AVAILABLE));
        }
        // The token is taken in the transaction that writes the admin: a failure or a dropped
        // request leaves the link as it was.
        let user = self
            .write_owner(person, Some(&hash), now)
            .await?
            .ok_or(Error::Forbidden(SETUP_NOT_AVAILABLE))?;
        tracing::info!(
            user = user.0,
            "setup complete: created the first platform admin"
        );
        Ok(user)
    }

    /// Opens the first-admin setup while nobody exists: a new link's token, replacing any
    /// earlier unused one. `None` once someone exists.
    pub(super) async fn open_setup(&self, now: Timestamp) -> Result<Option<SessionToken>> {
        if !self.store.is_empty().await? {
            return Ok(None);
        }
        // Sign-in works (and refuses strangers cleanly) before anyone exists.
        self.ensure_web_application(now).await?;
        let token = SessionToken::generate();
        self.store.replace_setup_token(&token.hash(), now).await?;
        Ok(Some(token))
    }

    /// A person created by the operator, owner of a new account, checked as the setup page's
    /// first admin is.
    pub(super) async fn create_user(
        &self,
        person: NewPerson<'_>,
        now: Timestamp,
    ) -> Result<UserId> {
        let person = checked_person(
            person.email,
            person.name,
            person.account,
            person.password,
            person.is_platform_admin,
        )?;
        self.write_owner(person, None, now)
            .await?
            .ok_or(Error::Internal(
                "a person without a setup token is always written".into(),
            ))
    }

    /// Writes a checked person and their account. The one way people are created, from the
    /// setup page (with its token; `None` when the token was not taken) and from the command
    /// line.
    async fn write_owner(
        &self,
        person: Person,
        setup_token: Option<&TokenHash>,
        now: Timestamp,
    ) -> Result<Option<UserId>> {
        let Person {
            email,
            name,
            account,
            password,
            is_platform_admin,
        } = person;
        // Hashing is deliberately slow and memory-hungry: it queues with the sign-ins' checks.
        let password_hash = self
            .passwords
            .run(move || hash_password(&password))
            .await??;
        self.ensure_web_application(now).await?;
        let user = NewUser {
            email: &email,
            name: &name,
            password_hash: &password_hash,
            is_platform_admin,
            is_sales_rep: false,
        };
        let written = self
            .store
            .insert_owner(user, &account, setup_token, now)
            .await?;
        Ok(written.map(|(user, _)| user))
    }

    /// Registers the application browser sign-ins belong to, unless it is there: a database
    /// that never had the demo world lacks it.
    pub(super) async fn ensure_web_application(&self, now: Timestamp) -> Result<()> {
        if self
            .store
            .application_by_name(WEB_APPLICATION)
            .await?
            .is_some()
        {
            return Ok(());
        }
        match self.store.insert_application(WEB_APPLICATION, now).await {
            // Another server (or request) registered it meanwhile: as good.
            Ok(_) | Err(Error::AlreadyExists(_)) => Ok(()),
            Err(error) => Err(error),
        }
    }
}

/// Refuses what can never be a person: checked before anything is used up or written.
fn checked_person(
    email: &str,
    name: &str,
    account: Option<&str>,
    password: &str,
    is_platform_admin: bool,
) -> Result<Person> {
    let email = checked_email(email)?;
    let name = checked_name(name, "a name is required", "the name is too long")?;
    let account = match account {
        Some(account) => checked_name(
            account,
            "an account name is required",
            "the account name is too long",
        )?,
        // A personal account, as sales representatives have.
        None => name.clone(),
    };
    check_strength(password, &[&name, &email])?;
    Ok(Person {
        email,
        name,
        account,
        password: password.to_owned(),
        is_platform_admin,
    })
}

/// An email as sign-in will look it up: trimmed and lower-cased, shaped like an address, and
/// plain ASCII. Internationalised addresses are refused rather than normalised: a Cyrillic
/// "е" in "hеnk@ektek.de" looks like the real Henk's address to whoever reads a list of
/// people, and would be a different person to the database.
pub(super) fn checked_email(email: &str) -> Result<String> {
    let email = normalise_email(email);
    if email.len() > MAX_EMAIL_BYTES {
        return Err(Error::InvalidInput("the email address is too long"));
    }
    checked_text(&email, MAX_EMAIL_BYTES, "the email address is too long")?;
    if !email.is_ascii() {
        return Err(Error::InvalidInput(
            "the email address must be plain ASCII (write an internationalised domain in its xn-- form)",
        ));
    }
    if !is_email_shaped(&email) {
        return Err(Error::InvalidInput("the email address is not valid"));
    }
    Ok(email)
}

/// A trimmed name that is neither empty, too long, nor holds control characters.
pub(super) fn checked_name(
    text: &str,
    missing: &'static str,
    too_long: &'static str,
) -> Result<String> {
    let text = checked_text(text.trim(), MAX_NAME_CHARS, too_long)?;
    if text.is_empty() {
        return Err(Error::InvalidInput(missing));
    }
    Ok(text.to_owned())
}

/// `local@domain`, without spaces: enough to catch a mistyped field. Whether the address
/// really receives mail is not ours to know.
fn is_email_shaped(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::password::MAX_PASSWORD_BYTES;

    const PASSWORD: &str = "quiet harbour lantern 72";

    fn person(email: &str, name: &str, account: Option<&str>, password: &str) -> Result<Person> {
        checked_person(email, name, account, password, true)
    }

    #[test]
    fn a_person_is_trimmed_and_their_email_lower_cased() {
        let ada = person(
            " Ada@Example.ORG ",
            "  Ada Admin ",
            Some(" Example Ltd "),
            PASSWORD,
        )
        .unwrap();
        assert_eq!(ada.email, "ada@example.org");
        assert_eq!(ada.name, "Ada Admin");
        assert_eq!(ada.account, "Example Ltd");
        assert_eq!(ada.password, PASSWORD, "a password is taken as typed");
        assert!(ada.is_platform_admin);
    }

    #[test]
    fn without_an_account_name_a_person_gets_a_personal_account() {
        let ada = person("ada@example.org", "Ada Admin", None, PASSWORD).unwrap();
        assert_eq!(ada.account, "Ada Admin");
    }

    #[test]
    fn emails_that_cannot_be_addresses_are_refused() {
        let long = format!("{}@example.org", "a".repeat(250));
        for email in [
            "",
            "ada",
            "@example.org",
            "ada@",
            "ada@@example.org",
            "a@b@example.org",
            "ada lovelace@example.org",
            "ada@.example.org",
            "ada@example.org.",
            "ada\u{0}@example.org",
            long.as_str(),
        ] {
            assert!(
                matches!(
                    person(email, "Ada", None, PASSWORD),
                    Err(Error::InvalidInput(_))
                ),
                "{email:?}"
            );
        }
        assert!(person("a@b", "Ada", None, PASSWORD).is_ok());
    }

    #[test]
    fn names_must_be_there_short_and_free_of_control_characters() {
        let long = "n".repeat(MAX_NAME_CHARS + 1);
        for (name, account) in [
            ("", Some("Example")),
            ("   ", Some("Example")),
            (long.as_str(), Some("Example")),
            ("Ada\nAdmin", Some("Example")),
            ("Ada", Some("")),
            ("Ada", Some(long.as_str())),
            ("Ada", Some("Example\u{7}")),
        ] {
            assert!(
                matches!(
                    person("ada@example.org", name, account, PASSWORD),
                    Err(Error::InvalidInput(_))
                ),
                "{name:?} {account:?}"
            );
        }
        let longest = "n".repeat(MAX_NAME_CHARS);
        assert!(person("ada@example.org", &longest, Some(&longest), PASSWORD).is_ok());
    }

    #[test]
    fn passwords_need_twelve_characters_resist_guessing_and_fit_the_hashing_limit() {
        let short = "eleven char";
        assert_eq!(short.chars().count(), MIN_PASSWORD_CHARS - 1);
        for weak in [short, "", "password1234", "qwertyuiop123"] {
            assert!(
                matches!(
                    person("ada@example.org", "Ada Lovelace", None, weak),
                    Err(Error::WeakPassword(_))
                ),
                "{weak:?}"
            );
        }
        let huge = "p".repeat(MAX_PASSWORD_BYTES + 1);
        assert!(matches!(
            person("ada@example.org", "Ada", None, &huge),
            Err(Error::InvalidInput(_))
        ));
        // Characters, not bytes: twelve unusual characters are enough.
        assert!(person("ada@example.org", "Ada", None, "ümlaut-Ärger-7").is_ok());
        // Up to the hashing limit, in bytes.
        let longest: String = "Vq7#mT2p!xL9wZ"
            .chars()
            .cycle()
            .take(MAX_PASSWORD_BYTES)
            .collect();
        assert!(person("ada@example.org", "Ada", None, &longest).is_ok());
    }
}
