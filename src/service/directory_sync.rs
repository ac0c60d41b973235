//! Directory sync: a product that keeps its own users puts its accounts, people and
//! memberships into Sessionboard by its own ids (`external_id`), through the API. Every call
//! says the whole state of one thing; calling it again with the same state changes nothing and
//! says so, so a product can sync everything on every start.
//!
//! Changes go through the same [`DirectoryChange`]s, rules and audit log as an admin's (the
//! record names the key that made them). Sessionboard's own staff, platform admins and sales
//! representatives, are out of a product's reach ([`access::may_be_managed_by_application`]).

use super::accounts::{account_name, created, job_label};
use super::changes::{About, Author};
use super::setup::{checked_email, checked_name};
use super::{ApiClient, SessionService};
use crate::access;
use crate::error::{Error, Result};
use crate::model::{AccountId, ChangeKind, PersonView, Role, Timestamp, UserId};
use crate::store::{DirectoryChange, ExternalAccount};

/// Longest external id accepted: room for a UUID, an email or a composite key.
pub const MAX_EXTERNAL_ID_CHARS: usize = 128;

/// What a sync call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    /// The state asked for was already there: nothing was written, not even an audit record.
    Unchanged,
}

impl Outcome {
    fn updated_if(changed: bool) -> Self {
        if changed {
            Self::Updated
        } else {
            Self::Unchanged
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    /// Closed accounts end every session in them and are never reopened.
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonStatus {
    Active,
    /// Cannot sign in; every session of theirs ended when they became so.
    Deactivated,
}

/// An account as a product says it should be.
#[derive(Clone, Copy, Debug)]
pub struct AccountState<'a> {
    pub name: &'a str,
    pub status: AccountStatus,
}

/// A person as a product says they should be.
#[derive(Clone, Copy, Debug)]
pub struct PersonState<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub status: PersonStatus,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncedAccount {
    pub id: AccountId,
    pub name: String,
    pub status: AccountStatus,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncedPerson {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub status: PersonStatus,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncedMembership {
    pub role: Role,
    pub job_label: String,
    pub outcome: Outcome,
}

impl SessionService {
    /// Puts an account by its external id: creates it, renames it or closes it (which ends
    /// every session in it at once). A closed account is not reopened.
    pub async fn sync_account(
        &self,
        client: &ApiClient,
        external_id: &str,
        state: AccountState<'_>,
        now: Timestamp,
    ) -> Result<SyncedAccount> {
        let first = self.put_account(client, external_id, state, now).await;
        let made_meanwhile = async {
            Ok(self
                .store
                .account_by_external_id(external_id)
                .await?
                .is_some())
        };
        once_more_if_raced(first, made_meanwhile, || {
            self.put_account(client, external_id, state, now)
        })
        .await
    }

    async fn put_account(
        &self,
        client: &ApiClient,
        external_id: &str,
        state: AccountState<'_>,
        now: Timestamp,
    ) -> Result<SyncedAccount> {
        access::may_sync_directory(client.powers)?;
        let external_id = checked_external_id(external_id)?;
        let name = account_name(state.name)?;
        let author = Author::Key(client);
        let synced = |id, outcome| SyncedAccount {
            id,
            name: name.clone(),
            status: state.status,
            outcome,
        };
        let Some(account) = self.store.account_by_external_id(external_id).await? else {
            if state.status == AccountStatus::Closed {
                return Err(Error::NotFound("account"));
            }
            let applied = self
                .apply(
                    author,
                    DirectoryChange::CreateAccount {
                        name: &name,
                        external_id: Some(external_id),
                    },
                    ChangeKind::AccountCreated,
                    About::default(),
                    format!("created account “{name}” ({external_id})"),
                    now,
                )
                .await?;
            return Ok(synced(
                AccountId(created(applied.created)?),
                Outcome::Created,
            ));
        };
        let about = About {
            account: Some(account.id),
            ..About::default()
        };
        match (account.closed, state.status) {
            (true, AccountStatus::Closed) => Ok(SyncedAccount {
                name: account.name,
                ..synced(account.id, Outcome::Unchanged)
            }),
            (true, AccountStatus::Active) => Err(Error::Conflict(
                "this account was closed, and closed accounts are not reopened",
            )),
            (false, AccountStatus::Closed) => {
                self.close_synced_account(author, &account, now).await?;
                Ok(SyncedAccount {
                    name: account.name,
                    ..synced(account.id, Outcome::Updated)
                })
            }
            (false, AccountStatus::Active) => {
                let renamed = account.name != name;
                if renamed {
                    self.apply(
                        author,
                        DirectoryChange::RenameAccount {
                            account: account.id,
                            name: &name,
                        },
                        ChangeKind::AccountRenamed,
                        about,
                        format!("renamed account “{}” to “{name}”", account.name),
                        now,
                    )
                    .await?;
                }
                Ok(synced(account.id, Outcome::updated_if(renamed)))
            }
        }
    }

    /// Closes an account by its external id (ending every session in it). Closing a closed
    /// account changes nothing. Returns how many sessions ended.
    pub async fn close_synced(
        &self,
        client: &ApiClient,
        external_id: &str,
        now: Timestamp,
    ) -> Result<usize> {
        access::may_sync_directory(client.powers)?;
        let account = self
            .external_account(checked_external_id(external_id)?)
            .await?;
        if account.closed {
            return Ok(0);
        }
        self.close_synced_account(Author::Key(client), &account, now)
            .await
    }

    async fn close_synced_account(
        &self,
        author: Author<'_>,
        account: &ExternalAccount,
        now: Timestamp,
    ) -> Result<usize> {
        let applied = self
            .apply(
                author,
                DirectoryChange::CloseAccount {
                    account: account.id,
                },
                ChangeKind::AccountClosed,
                About {
                    account: Some(account.id),
                    ..About::default()
                },
                format!("closed account “{}”", account.name),
                now,
            )
            .await?;
        Ok(applied.ended.len())
    }

    /// Puts a person by their external id: creates them (without a password: they sign in
    /// through the product), changes their name or email, deactivates them (every session of
    /// theirs ends at once) or reactivates them. An email that belongs to someone Sessionboard
    /// knows otherwise is refused ([`Error::AlreadyExists`]), never taken over.
    pub async fn sync_person(
        &self,
        client: &ApiClient,
        external_id: &str,
        state: PersonState<'_>,
        now: Timestamp,
    ) -> Result<SyncedPerson> {
        let first = self.put_person(client, external_id, state, now).await;
        let made_meanwhile = async {
            Ok(self
                .store
                .person_by_external_id(external_id)
                .await?
                .is_some())
        };
        once_more_if_raced(first, made_meanwhile, || {
            self.put_person(client, external_id, state, now)
        })
        .await
    }

    async fn put_person(
        &self,
        client: &ApiClient,
        external_id: &str,
        state: PersonState<'_>,
        now: Timestamp,
    ) -> Result<SyncedPerson> {
        access::may_sync_directory(client.powers)?;
        let external_id = checked_external_id(external_id)?;
        let name = checked_name(state.name, "a name is required", "the name is too long")?;
        let email = checked_email(state.email)?;
        let author = Author::Key(client);
        let Some(person) = self.store.person_by_external_id(external_id).await? else {
            if let Some(known) = self.store.person_by_email(&email).await? {
                // Someone Sessionboard knows otherwise (made by an admin, an import, another
                // product) is not taken over by email: the key would gain their sessions,
                // their name and their standing in accounts no product keeps.
                access::may_be_managed_by_application(&known)?;
                return Err(Error::AlreadyExists(
                    "a person with this email whom no product keeps in step (or another product's)",
                ));
            }
            let applied = self
                .apply(
                    author,
                    DirectoryChange::CreatePerson {
                        email: &email,
                        name: &name,
                        is_platform_admin: false,
                        is_sales_rep: false,
                        external_id: Some(external_id),
                    },
                    ChangeKind::PersonCreated,
                    About::default(),
                    format!("created {name} <{email}> ({external_id})"),
                    now,
                )
                .await?;
            let id = UserId(created(applied.created)?);
            if state.status == PersonStatus::Deactivated {
                self.deactivate_synced(author, id, &name, &email, now)
                    .await?;
            }
            return Ok(SyncedPerson {
                id,
                name,
                email,
                status: state.status,
                outcome: Outcome::Created,
            });
        };
        let mut outcome = Outcome::Unchanged;
        access::may_be_managed_by_application(&person)?;
        if person.name != name || person.email != email {
            self.apply(
                author,
                DirectoryChange::EditPerson {
                    user: person.id,
                    name: &name,
                    email: &email,
                },
                ChangeKind::PersonEdited,
                about(person.id),
                format!("{} <{}> → {name} <{email}>", person.name, person.email),
                now,
            )
            .await?;
            outcome = Outcome::Updated;
        }
        match (person.deactivated_at.is_some(), state.status) {
            (false, PersonStatus::Deactivated) => {
                self.deactivate_synced(author, person.id, &name, &email, now)
                    .await?;
                outcome = Outcome::Updated;
            }
            (true, PersonStatus::Active) => {
                self.apply(
                    author,
                    DirectoryChange::Reactivate { user: person.id },
                    ChangeKind::PersonReactivated,
                    about(person.id),
                    format!("reactivated {name} <{email}>"),
                    now,
                )
                .await?;
                outcome = Outcome::Updated;
            }
            _ => {}
        }
        Ok(SyncedPerson {
            id: person.id,
            name,
            email,
            status: state.status,
            outcome,
        })
    }

    /// Deactivates a person by their external id: every session of theirs ends at once.
    /// Deactivating someone already deactivated changes nothing. Returns how many sessions
    /// ended.
    async fn deactivate_synced(
        &self,
        author: Author<'_>,
        user: UserId,
        name: &str,
        email: &str,
        now: Timestamp,
    ) -> Result<usize> {
        let applied = self
            .apply(
                author,
                DirectoryChange::Deactivate { user },
                ChangeKind::PersonDeactivated,
                about(user),
                format!("deactivated {name} <{email}>"),
                now,
            )
            .await?;
        Ok(applied.ended.len())
    }

    /// `DELETE` of a person: deactivates them (their records stay, for the audit log).
    pub async fn remove_synced_person(
        &self,
        client: &ApiClient,
        external_id: &str,
        now: Timestamp,
    ) -> Result<usize> {
        access::may_sync_directory(client.powers)?;
        let person = self
            .external_person(checked_external_id(external_id)?)
            .await?;
        access::may_be_managed_by_application(&person)?;
        if person.deactivated_at.is_some() {
            return Ok(0);
        }
        self.deactivate_synced(
            Author::Key(client),
            person.id,
            &person.name,
            &person.email,
            now,
        )
        .await
    }

    /// Puts a person's membership of an account (both by external id), with role and job
    /// label. The last owner of an account is not demoted ([`Error::LastOwner`]).
    pub async fn sync_membership(
        &self,
        client: &ApiClient,
        (account, person): (&str, &str),
        role: Role,
        job_label: &str,
        now: Timestamp,
    ) -> Result<SyncedMembership> {
        access::may_sync_directory(client.powers)?;
        let account = self.open_external_account(account).await?;
        let person = self.external_person(checked_external_id(person)?).await?;
        access::may_be_managed_by_application(&person)?;
        let job_label = self::job_label(job_label)?;
        let current = self.store.membership(person.id, account.id).await?;
        let (kind, outcome) = match &current {
            None => (ChangeKind::MembershipAdded, Outcome::Created),
            Some((was_role, was_label)) if *was_role == role && *was_label == job_label => {
                return Ok(SyncedMembership {
                    role,
                    job_label,
                    outcome: Outcome::Unchanged,
                });
            }
            Some(_) => (ChangeKind::MembershipChanged, Outcome::Updated),
        };
        self.apply(
            Author::Key(client),
            DirectoryChange::PutMembership {
                user: person.id,
                account: account.id,
                role,
                job_label: &job_label,
            },
            kind,
            About {
                account: Some(account.id),
                user: Some(person.id),
                ..About::default()
            },
            format!(
                "{} in {}: {} “{job_label}”",
                person.name,
                account.name,
                role.as_str()
            ),
            now,
        )
        .await?;
        Ok(SyncedMembership {
            role,
            job_label,
            outcome,
        })
    }

    /// Removes a person from an account (both by external id): their sessions there end at
    /// once. Removing someone who is not a member changes nothing. Returns how many sessions
    /// ended.
    pub async fn remove_synced_membership(
        &self,
        client: &ApiClient,
        (account, person): (&str, &str),
        now: Timestamp,
    ) -> Result<usize> {
        access::may_sync_directory(client.powers)?;
        let account = self.open_external_account(account).await?;
        let person = self.external_person(checked_external_id(person)?).await?;
        access::may_be_managed_by_application(&person)?;
        if self
            .store
            .membership(person.id, account.id)
            .await?
            .is_none()
        {
            return Ok(0);
        }
        let applied = self
            .apply(
                Author::Key(client),
                DirectoryChange::RemoveMembership {
                    user: person.id,
                    account: account.id,
                },
                ChangeKind::MembershipRemoved,
                About {
                    account: Some(account.id),
                    user: Some(person.id),
                    ..About::default()
                },
                format!("removed {} from {}", person.name, account.name),
                now,
            )
            .await?;
        Ok(applied.ended.len())
    }

    /// An account by external id, open or closed, or [`Error::NotFound`].
    pub(super) async fn external_account(&self, external_id: &str) -> Result<ExternalAccount> {
        self.store
            .account_by_external_id(external_id)
            .await?
            .ok_or(Error::NotFound("account"))
    }

    /// An open account by external id, or [`Error::NotFound`].
    pub(super) async fn open_external_account(&self, external_id: &str) -> Result<ExternalAccount> {
        Some(
            self.external_account(checked_external_id(external_id)?)
                .await?,
        )
        .filter(|account| !account.closed)
        .ok_or(Error::NotFound("account"))
    }

    /// A person by external id, or [`Error::NotFound`].
    pub(super) async fn external_person(&self, external_id: &str) -> Result<PersonView> {
        self.store
            .person_by_external_id(external_id)
            .await?
            .ok_or(Error::NotFound("person"))
    }
}

/// A `PUT` that lost a race: another request created the thing between our look and our
/// write (the unique external id said so). Once it exists, the same `PUT` again is an update.
async fn once_more_if_raced<T, F: Future<Output = Result<T>>>(
    first: Result<T>,
    made_meanwhile: impl Future<Output = Result<bool>>,
    again: impl FnOnce() -> F,
) -> Result<T> {
    match first {
        Err(Error::AlreadyExists(_)) if made_meanwhile.await? => again().await,
        result => result,
    }
}

fn about(user: UserId) -> About {
    About {
        user: Some(user),
        ..About::default()
    }
}

/// A product's id for an account or a person: 1 to 128 characters that need no escaping in
/// a URL path (letters, digits and `.`, `_`, `~`, `:`, `@`, `+`, `-`).
pub fn checked_external_id(text: &str) -> Result<&str> {
    if text.is_empty() {
        return Err(Error::InvalidInput("an external id is required"));
    }
    if text.chars().count() > MAX_EXTERNAL_ID_CHARS {
        return Err(Error::InvalidInput(
            "an external id has at most 128 characters",
        ));
    }
    if !text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._~:@+-".contains(c))
    {
        return Err(Error::InvalidInput(
            "an external id may only hold letters, digits and . _ ~ : @ + -",
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_ids_are_the_characters_a_url_path_needs_no_escaping_for() {
        for good in [
            "u1",
            "shop:42",
            "ada@shop.example",
            "a-b_c.d~e+f",
            &"x".repeat(128),
        ] {
            assert_eq!(checked_external_id(good).ok(), Some(good), "{good}");
        }
        for bad in ["", "a/b", "a b", "ä", "a\u{0}b", "a%2Fb", &"x".repeat(129)] {
            assert!(checked_external_id(bad).is_err(), "{bad:?}");
        }
    }
}
