//! People, as platform admins manage them: create, edit, deactivate and reactivate, and their
//! platform roles. (Memberships are in `accounts.rs`, passwords in `passwords.rs`.)

use super::accounts::created;
use super::changes::{About, Actor, Author};
use super::setup::{checked_email, checked_name};
use super::{Caller, SessionService, checked_page, checked_text};
use crate::access;
use crate::error::{Error, Result};
use crate::model::{
    ChangeKind, Page, PageRequest, PasswordLink, PersonView, Role, Timestamp, UserId,
};
use crate::store::DirectoryChange;

/// Platform roles: what a person may do beyond the accounts they belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlatformRoles {
    /// Sees and manages everything.
    pub platform_admin: bool,
    /// Acts as the people of the accounts they serve.
    pub sales_rep: bool,
}

impl SessionService {
    /// People whose name or email contains `search`, newest first. Platform admins only.
    pub async fn list_people(
        &self,
        caller: &Caller,
        search: &str,
        page: PageRequest,
    ) -> Result<Page<PersonView>> {
        access::may_administer(&self.principal(caller).await?)?;
        let search = checked_text(search.trim(), 200, "the search is too long")?;
        self.store
            .list_people(&search.to_lowercase(), checked_page(page)?)
            .await
    }

    /// Creates a person with the given platform roles and a personal account, and returns the
    /// set-password link to hand them. Platform admins only.
    pub async fn create_person(
        &self,
        actor: &Actor,
        name: &str,
        email: &str,
        roles: PlatformRoles,
        now: Timestamp,
    ) -> Result<PasswordLink> {
        access::may_administer(&self.principal(&actor.caller).await?)?;
        access::may_change_people(actor.is_acting())?;
        let name = checked_name(name, "a name is required", "the name is too long")?;
        let email = checked_email(email)?;
        let author = Author::Person(actor);
        let user = self
            .new_person(
                author,
                &name,
                &email,
                roles.platform_admin,
                roles.sales_rep,
                now,
            )
            .await?;
        // Someone created outside any account needs one to sign in to: a personal account in
        // their name, as `sessionboard user create` gives. Accounts they work in are added
        // afterwards.
        let account = self.new_account(author, &name, now).await?;
        self.apply(
            author,
            DirectoryChange::PutMembership {
                user,
                account,
                role: Role::Owner,
                job_label: "",
            },
            ChangeKind::MembershipAdded,
            About {
                account: Some(account),
                user: Some(user),
                ..About::default()
            },
            format!("{name} owns their personal account"),
            now,
        )
        .await?;
        self.issue_password_link(author, user, None, now).await
    }

    /// Writes a checked new person without a password, once authorised.
    pub(super) async fn new_person(
        &self,
        author: Author<'_>,
        name: &str,
        email: &str,
        is_platform_admin: bool,
        is_sales_rep: bool,
        now: Timestamp,
    ) -> Result<UserId> {
        let applied = self
            .apply(
                author,
                DirectoryChange::CreatePerson {
                    email,
                    name,
                    is_platform_admin,
                    is_sales_rep,
                    external_id: None,
                },
                ChangeKind::PersonCreated,
                About::default(),
                format!(
                    "created {name} <{email}>{}",
                    roles_text(is_platform_admin, is_sales_rep)
                ),
                now,
            )
            .await?;
        created(applied.created).map(UserId)
    }

    /// Changes a person's name and email. Platform admins only.
    pub async fn edit_person(
        &self,
        actor: &Actor,
        user: UserId,
        name: &str,
        email: &str,
        now: Timestamp,
    ) -> Result<()> {
        access::may_administer(&self.principal(&actor.caller).await?)?;
        access::may_change_people(actor.is_acting())?;
        let name = checked_name(name, "a name is required", "the name is too long")?;
        let email = checked_email(email)?;
        let before = self.person(user).await?;
        self.apply(
            Author::Person(actor),
            DirectoryChange::EditPerson {
                user,
                name: &name,
                email: &email,
            },
            ChangeKind::PersonEdited,
            about(user),
            format!("{} <{}> → {name} <{email}>", before.name, before.email),
            now,
        )
        .await?;
        Ok(())
    }

    /// Deactivates a person: they cannot sign in, and every session of theirs ends at once
    /// (their open pages sign themselves out). The last active platform admin cannot be
    /// deactivated. Returns how many sessions ended.
    pub async fn deactivate_person(
        &self,
        actor: &Actor,
        user: UserId,
        now: Timestamp,
    ) -> Result<usize> {
        access::may_administer(&self.principal(&actor.caller).await?)?;
        access::may_change_people(actor.is_acting())?;
        self.end_person(Author::Person(actor), user, now).await
    }

    /// Deactivates a person, once authorised (an admin, or the operator).
    pub(super) async fn end_person(
        &self,
        author: Author<'_>,
        user: UserId,
        now: Timestamp,
    ) -> Result<usize> {
        let person = self.person(user).await?;
        let applied = self
            .apply(
                author,
                DirectoryChange::Deactivate { user },
                ChangeKind::PersonDeactivated,
                about(user),
                format!("deactivated {} <{}>", person.name, person.email),
                now,
            )
            .await?;
        Ok(applied.ended.len())
    }

    /// Lets a deactivated person sign in again, with the password they had.
    pub async fn reactivate_person(
        &self,
        actor: &Actor,
        user: UserId,
        now: Timestamp,
    ) -> Result<()> {
        access::may_administer(&self.principal(&actor.caller).await?)?;
        access::may_change_people(actor.is_acting())?;
        let person = self.person(user).await?;
        self.apply(
            Author::Person(actor),
            DirectoryChange::Reactivate { user },
            ChangeKind::PersonReactivated,
            about(user),
            format!("reactivated {} <{}>", person.name, person.email),
            now,
        )
        .await?;
        Ok(())
    }

    /// Makes a person a platform admin and/or sales representative, or neither. The last
    /// active platform admin keeps the role; a person who stops being a representative stops
    /// serving their accounts.
    pub async fn set_platform_roles(
        &self,
        actor: &Actor,
        user: UserId,
        roles: PlatformRoles,
        now: Timestamp,
    ) -> Result<()> {
        access::may_administer(&self.principal(&actor.caller).await?)?;
        access::may_change_people(actor.is_acting())?;
        let person = self.person(user).await?;
        self.apply(
            Author::Person(actor),
            DirectoryChange::SetPlatformRoles {
                user,
                is_platform_admin: roles.platform_admin,
                is_sales_rep: roles.sales_rep,
            },
            ChangeKind::RolesChanged,
            about(user),
            format!(
                "{}:{} →{}",
                person.name,
                or_none(roles_text(person.is_platform_admin, person.is_sales_rep)),
                or_none(roles_text(roles.platform_admin, roles.sales_rep)),
            ),
            now,
        )
        .await?;
        Ok(())
    }

    /// Anyone, by id, or [`Error::UserNotFound`].
    pub(super) async fn person(&self, user: UserId) -> Result<PersonView> {
        self.store.person(user).await?.ok_or(Error::UserNotFound)
    }
}

fn about(user: UserId) -> About {
    About {
        user: Some(user),
        ..About::default()
    }
}

/// " (platform admin, sales representative)", or nothing.
fn roles_text(is_platform_admin: bool, is_sales_rep: bool) -> String {
    match (is_platform_admin, is_sales_rep) {
        (true, true) => " (platform admin, sales representative)".to_owned(),
        (true, false) => " (platform admin)".to_owned(),
        (false, true) => " (sales representative)".to_owned(),
        (false, false) => String::new(),
    }
}

fn or_none(text: String) -> String {
    if text.is_empty() {
        " (no platform role)".to_owned()
    } else {
        text
    }
}
