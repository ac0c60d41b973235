//! Accounts and who belongs to them: platform admins create, rename and close accounts and
//! assign sales representatives to them; an account's owners (and platform admins) manage its
//! members on the Members page.

use super::changes::{About, Actor, Author};
use super::setup::{checked_email, checked_name};
use super::{Caller, SessionService, checked_page, checked_text};
use crate::access;
use crate::error::{Error, Result};
use crate::model::{
    AccountId, AccountView, ChangeKind, Members, Page, PageRequest, PasswordLink, Role, Timestamp,
    UserId,
};
use crate::store::DirectoryChange;

/// A member as changing or removing them needs to know them.
struct Member {
    name: String,
    role: Role,
    job_label: String,
}

/// Longest job label ("Purchasing", "Accounting").
pub const MAX_JOB_LABEL_CHARS: usize = 100;

/// What an owner (or admin) types to add someone to an account.
#[derive(Clone, Copy, Debug)]
pub struct NewMember<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub job_label: &'a str,
}

/// What adding a member did: a new person needs their set-password link handed over.
#[derive(Clone, Debug)]
pub enum Added {
    /// Someone Sessionboard already knew; they sign in as before and see the account.
    Existing(UserId),
    /// A new person, who signs in once they have set a password through this link.
    New(PasswordLink),
}

impl SessionService {
    /// Open accounts whose name contains `search`, newest first. Platform admins only.
    pub async fn list_accounts(
        &self,
        caller: &Caller,
        search: &str,
        page: PageRequest,
    ) -> Result<Page<AccountView>> {
        access::may_administer(&self.principal(caller).await?)?;
        let search = checked_text(search.trim(), 200, "the search is too long")?;
        self.store
            .list_accounts(&search.to_lowercase(), checked_page(page)?)
            .await
    }

    pub async fn create_account(
        &self,
        actor: &Actor,
        name: &str,
        now: Timestamp,
    ) -> Result<AccountId> {
        access::may_administer(&self.principal(&actor.caller).await?)?;
        access::may_change_people(actor.is_acting())?;
        self.new_account(Author::Person(actor), name, now).await
    }

    /// Creates an account, once authorised (an admin, or the operator).
    pub(super) async fn new_account(
        &self,
        author: Author<'_>,
        name: &str,
        now: Timestamp,
    ) -> Result<AccountId> {
        let name = account_name(name)?;
        let applied = self
            .apply(
                author,
                DirectoryChange::CreateAccount {
                    name: &name,
                    external_id: None,
                },
                ChangeKind::AccountCreated,
                About::default(),
                format!("created account “{name}”"),
                now,
            )
            .await?;
        created(applied.created).map(AccountId)
    }

    pub async fn rename_account(
        &self,
        actor: &Actor,
        account: AccountId,
        name: &str,
        now: Timestamp,
    ) -> Result<()> {
        access::may_administer(&self.principal(&actor.caller).await?)?;
        access::may_change_people(actor.is_acting())?;
        let name = account_name(name)?;
        let old = self.open_account_name(account).await?;
        self.apply(
            Author::Person(actor),
            DirectoryChange::RenameAccount {
                account,
                name: &name,
            },
            ChangeKind::AccountRenamed,
            About {
                account: Some(account),
                ..About::default()
            },
            format!("renamed “{old}” to “{name}”"),
            now,
        )
        .await?;
        Ok(())
    }

    /// Closes an account: every session in it ends at once, and it disappears from every list
    /// and from its members' accounts. Its records stay, for the audit log. Returns how many
    /// sessions ended.
    pub async fn close_account(
        &self,
        actor: &Actor,
        account: AccountId,
        now: Timestamp,
    ) -> Result<usize> {
        access::may_administer(&self.principal(&actor.caller).await?)?;
        access::may_change_people(actor.is_acting())?;
        let name = self.open_account_name(account).await?;
        let applied = self
            .apply(
                Author::Person(actor),
                DirectoryChange::CloseAccount { account },
                ChangeKind::AccountClosed,
                About {
                    account: Some(account),
                    ..About::default()
                },
                format!("closed account “{name}”"),
                now,
            )
            .await?;
        Ok(applied.ended.len())
    }

    /// `rep` serves `account` from now on, and may act as its people.
    pub async fn assign_representative(
        &self,
        actor: &Actor,
        rep: UserId,
        account: AccountId,
        now: Timestamp,
    ) -> Result<()> {
        self.set_assignment(actor, rep, account, true, now).await
    }

    /// `rep` no longer serves `account`; if they are acting as someone there, that ends now.
    pub async fn unassign_representative(
        &self,
        actor: &Actor,
        rep: UserId,
        account: AccountId,
        now: Timestamp,
    ) -> Result<()> {
        self.set_assignment(actor, rep, account, false, now).await
    }

    async fn set_assignment(
        &self,
        actor: &Actor,
        rep: UserId,
        account: AccountId,
        serves: bool,
        now: Timestamp,
    ) -> Result<()> {
        access::may_administer(&self.principal(&actor.caller).await?)?;
        access::may_change_people(actor.is_acting())?;
        let (rep_name, account_name) = self.rep_and_account(rep, account).await?;
        let (change, kind, detail) = if serves {
            (
                DirectoryChange::AssignRepresentative { rep, account },
                ChangeKind::RepresentativeAssigned,
                format!("{rep_name} now serves {account_name}"),
            )
        } else {
            (
                DirectoryChange::UnassignRepresentative { rep, account },
                ChangeKind::RepresentativeUnassigned,
                format!("{rep_name} no longer serves {account_name}"),
            )
        };
        let about = About {
            account: Some(account),
            user: Some(rep),
            ..About::default()
        };
        self.apply(Author::Person(actor), change, kind, about, detail, now)
            .await?;
        Ok(())
    }

    /// An account's members, with their role, job label and live sessions there: for its
    /// owners and platform admins.
    pub async fn members(
        &self,
        caller: &Caller,
        account: AccountId,
        now: Timestamp,
    ) -> Result<Members> {
        access::may_manage_members(&self.principal(caller).await?, account)?;
        Ok(Members {
            account_name: self.open_account_name(account).await?,
            members: self.store.list_account_members(account, now).await?,
        })
    }

    /// Adds a person to an account by name and email: someone Sessionboard knows (by email)
    /// is added as they are; anyone else is created, and gets a set-password link.
    pub async fn add_member(
        &self,
        actor: &Actor,
        account: AccountId,
        member: NewMember<'_>,
        now: Timestamp,
    ) -> Result<Added> {
        let principal = self.principal(&actor.caller).await?;
        access::may_manage_members(&principal, account)?;
        access::may_change_people(actor.is_acting())?;
        let name = checked_name(member.name, "a name is required", "the name is too long")?;
        let email = checked_email(member.email)?;
        let job_label = job_label(member.job_label)?;
        let account_name = self.open_account_name(account).await?;
        let author = Author::Person(actor);
        let (user, name, link) = match self.store.person_by_email(&email).await? {
            Some(person) => {
                access::may_add_existing(&principal, &person)?;
                if self.store.membership(person.id, account).await?.is_some() {
                    return Err(Error::AlreadyExists("a member with this email"));
                }
                (person.id, person.name, None)
            }
            None => {
                let user = self
                    .new_person(author, &name, &email, false, false, now)
                    .await?;
                let link = self
                    .issue_password_link(author, user, Some(account), now)
                    .await?;
                (user, name, Some(link))
            }
        };
        let role = member.role;
        self.apply(
            author,
            DirectoryChange::PutMembership {
                user,
                account,
                role,
                job_label: &job_label,
            },
            ChangeKind::MembershipAdded,
            About {
                account: Some(account),
                user: Some(user),
                ..About::default()
            },
            format!(
                "added {name} to {account_name} as {}{}",
                role.as_str(),
                labelled(&job_label)
            ),
            now,
        )
        .await?;
        Ok(match link {
            Some(link) => Added::New(link),
            None => Added::Existing(user),
        })
    }

    /// Changes a member's role or job label. The last owner cannot be made an employee.
    pub async fn change_member(
        &self,
        actor: &Actor,
        account: AccountId,
        user: UserId,
        role: Role,
        job_label: &str,
        now: Timestamp,
    ) -> Result<()> {
        let principal = self.principal(&actor.caller).await?;
        access::may_manage_members(&principal, account)?;
        access::may_change_people(actor.is_acting())?;
        let job_label = self::job_label(job_label)?;
        let member = self.member(account, user).await?;
        self.apply(
            Author::Person(actor),
            DirectoryChange::PutMembership {
                user,
                account,
                role,
                job_label: &job_label,
            },
            ChangeKind::MembershipChanged,
            About {
                account: Some(account),
                user: Some(user),
                ..About::default()
            },
            format!(
                "{}: role {} → {}, job label “{}” → “{}”",
                member.name,
                member.role.as_str(),
                role.as_str(),
                member.job_label,
                job_label
            ),
            now,
        )
        .await?;
        Ok(())
    }

    /// Removes a member from an account: their sessions in it end at once (their open pages
    /// there sign themselves out). The last owner cannot be removed. Returns how many sessions
    /// ended.
    pub async fn remove_member(
        &self,
        actor: &Actor,
        account: AccountId,
        user: UserId,
        now: Timestamp,
    ) -> Result<usize> {
        let principal = self.principal(&actor.caller).await?;
        access::may_manage_members(&principal, account)?;
        access::may_change_people(actor.is_acting())?;
        let member = self.member(account, user).await?;
        let account_name = self.open_account_name(account).await?;
        let applied = self
            .apply(
                Author::Person(actor),
                DirectoryChange::RemoveMembership { user, account },
                ChangeKind::MembershipRemoved,
                About {
                    account: Some(account),
                    user: Some(user),
                    ..About::default()
                },
                format!("removed {} from {account_name}", member.name),
                now,
            )
            .await?;
        Ok(applied.ended.len())
    }

    /// An open account's name, or [`Error::NotFound`].
    pub(super) async fn open_account_name(&self, account: AccountId) -> Result<String> {
        self.store
            .account_name(account)
            .await?
            .ok_or(Error::NotFound("account"))
    }

    /// A member of `account`, or [`Error::UserNotFound`]: people outside the account are
    /// unknown to its owners.
    async fn member(&self, account: AccountId, user: UserId) -> Result<Member> {
        let (role, job_label) = self
            .store
            .membership(user, account)
            .await?
            .ok_or(Error::UserNotFound)?;
        let name = self.person(user).await?.name;
        Ok(Member {
            name,
            role,
            job_label,
        })
    }

    async fn rep_and_account(&self, rep: UserId, account: AccountId) -> Result<(String, String)> {
        let person = self
            .store
            .person(rep)
            .await?
            .filter(|person| person.is_sales_rep)
            .ok_or(Error::UserNotFound)?;
        Ok((person.name, self.open_account_name(account).await?))
    }
}

pub(super) fn account_name(name: &str) -> Result<String> {
    checked_name(
        name,
        "an account name is required",
        "the account name is too long",
    )
}

/// A trimmed job label, which may be empty.
pub(super) fn job_label(text: &str) -> Result<String> {
    Ok(checked_text(
        text.trim(),
        MAX_JOB_LABEL_CHARS,
        "the job label is too long",
    )?
    .to_owned())
}

/// ", job label “Purchasing”", or nothing for no label.
fn labelled(job_label: &str) -> String {
    if job_label.is_empty() {
        String::new()
    } else {
        format!(", job label “{job_label}”")
    }
}

/// The id a create change must have returned.
pub(super) fn created(id: Option<i64>) -> Result<i64> {
    id.ok_or_else(|| Error::Internal("a create change returned no id".into()))
}
