//! The administration area's SQL: changes to the directory, each in one transaction with its
//! audit record, and the lists the admin and Members pages show.
//!
//! A change checks what must hold across rows (an account keeps an owner, the platform an
//! admin) inside its own transaction, after locking the rows that decide it (see
//! [`Dialect::FOR_UPDATE`]), so two admins acting at once cannot break it together. A refused
//! change returns before its commit: dropping the transaction rolls back whatever it wrote.

use std::collections::HashMap;

use async_trait::async_trait;

use super::directory::{insert_account_row, insert_user_row};
use super::rows::{CHANGE_COLUMNS, CHANGE_JOINS, ChangeRow, MemberRow, PERSON_COLUMNS, PersonRow};
use super::{into_page, like_pattern, push_page, sql, token_hashes};
use crate::access::Scope;
use crate::error::{Error, Result};
use crate::model::{
    AccountId, AccountView, ApiKeyId, ApplicationId, ApplicationView, ChangeFilter, ChangeView,
    Cursor, EndReason, EventType, MemberView, Page, PageRequest, PasswordLinkHolder,
    PersonMembership, PersonView, Role, SessionEnd, SessionId, Timestamp, UserId,
};
use crate::store::dialect::{Dialect, Fetch, SqlDb};
use crate::store::statement::{Sql, Value};
use crate::store::{
    AdministrationStore, Applied, ChangeRecord, DirectoryChange, ExternalAccount, NewSignInLink,
    NewUser, SignInLinkGrant,
};
use crate::token::TokenHash;
use crate::webhook::Event;

/// A connection of `D`'s database: inside a change, its transaction's.
type Connection<D> = <<D as Dialect>::Db as sqlx::Database>::Connection;

#[async_trait]
impl<D: Dialect> AdministrationStore for D {
    async fn apply_change(
        &self,
        change: DirectoryChange<'_>,
        mut record: ChangeRecord,
    ) -> Result<Applied> {
        let mut tx = self.writer().begin().await?;
        let effect = make_change::<D>(&mut tx, change, &mut record).await?;
        insert_change_row::<D>(&mut tx, &record, effect.sessions_ended).await?;
        D::announce(&mut tx, &effect.applied.ended).await?;
        tx.commit().await?;
        Ok(effect.applied)
    }

    async fn list_accounts(&self, search: &str, page: PageRequest) -> Result<Page<AccountView>> {
        let mut statement = sql::<D>(
            "SELECT a.id, a.name, a.created_at,
                (SELECT COUNT(*) FROM memberships m WHERE m.account_id = a.id)
             FROM accounts a WHERE a.closed_at IS NULL AND lower(a.name) LIKE ",
        );
        statement
            .bind(like_pattern(&search.to_lowercase()))
            .push(" ESCAPE '\\'");
        push_page(&mut statement, "a.created_at", "a.id", page, false);
        let rows: Vec<(i64, String, i64, i64)> = statement
            .fetch_all(&mut *self.readers().acquire().await?)
            .await?;
        let rows = into_page(rows, page.limit, |&(id, _, created_at, _)| Cursor {
            at: Timestamp(created_at),
            id,
        });
        let ids: Vec<i64> = rows.items.iter().map(|&(id, ..)| id).collect();
        let representatives: Vec<(i64, i64, String)> = fetch_in(
            self,
            sql::<D>(
                "SELECT r.account_id, u.id, u.name FROM rep_assignments r
                 JOIN users u ON u.id = r.rep_user_id WHERE r.account_id IN",
            ),
            &ids,
            " ORDER BY u.name, u.id",
        )
        .await?;
        let mut representatives = grouped(representatives, |(account, rep, name)| {
            (account, (UserId(rep), name))
        });
        let items = rows
            .items
            .into_iter()
            .map(|(id, name, created_at, members)| AccountView {
                id: AccountId(id),
                name,
                created_at: Timestamp(created_at),
                members: count(members),
                representatives: representatives.remove(&id).unwrap_or_default(),
            })
            .collect();
        Ok(Page {
            items,
            next: rows.next,
        })
    }

    async fn account_name(&self, account: AccountId) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sql::<D>("SELECT name FROM accounts WHERE closed_at IS NULL AND id = ")
                .bind(account.0)
                .fetch_optional(&mut *self.readers().acquire().await?)
                .await?;
        Ok(row.map(|(name,)| name))
    }

    async fn account_by_name(&self, name: &str) -> Result<Option<AccountId>> {
        let row: Option<(i64,)> =
            sql::<D>("SELECT id FROM accounts WHERE closed_at IS NULL AND name = ")
                .bind(name)
                .push(" ORDER BY id LIMIT 1")
                .fetch_optional(&mut *self.readers().acquire().await?)
                .await?;
        Ok(row.map(|(id,)| AccountId(id)))
    }

    async fn membership(&self, user: UserId, account: AccountId) -> Result<Option<(Role, String)>> {
        let row: Option<(String, String)> =
            sql::<D>("SELECT role, job_label FROM memberships WHERE user_id = ")
                .bind(user.0)
                .push(" AND account_id = ")
                .bind(account.0)
                .fetch_optional(&mut *self.readers().acquire().await?)
                .await?;
        Ok(row.and_then(|(role, job_label)| Some((Role::parse(&role)?, job_label))))
    }

    async fn list_people(&self, search: &str, page: PageRequest) -> Result<Page<PersonView>> {
        let pattern = like_pattern(&search.to_lowercase());
        let mut statement = sql::<D>("SELECT ");
        statement
            .push(PERSON_COLUMNS)
            .push(" FROM users WHERE (lower(name) LIKE ")
            .bind(pattern.clone())
            .push(" ESCAPE '\\' OR email LIKE ")
            .bind(pattern)
            .push(" ESCAPE '\\')");
        push_page(&mut statement, "created_at", "id", page, false);
        let rows: Vec<PersonRow> = statement
            .fetch_all(&mut *self.readers().acquire().await?)
            .await?;
        let rows = into_page(rows, page.limit, |row| Cursor {
            at: Timestamp(row.created_at),
            id: row.id,
        });
        Ok(Page {
            items: people(self, rows.items).await?,
            next: rows.next,
        })
    }

    async fn person(&self, user: UserId) -> Result<Option<PersonView>> {
        let mut statement = sql::<D>("SELECT ");
        statement
            .push(PERSON_COLUMNS)
            .push(" FROM users WHERE id = ")
            .bind(user.0);
        let row: Option<PersonRow> = statement
            .fetch_optional(&mut *self.readers().acquire().await?)
            .await?;
        Ok(people(self, row.into_iter().collect()).await?.pop())
    }

    async fn person_by_email(&self, email: &str) -> Result<Option<PersonView>> {
        let mut statement = sql::<D>("SELECT ");
        statement
            .push(PERSON_COLUMNS)
            .push(" FROM users WHERE ")
            .push(D::EMAIL_IS)
            .bind(email);
        let row: Option<PersonRow> = statement
            .fetch_optional(&mut *self.readers().acquire().await?)
            .await?;
        Ok(people(self, row.into_iter().collect()).await?.pop())
    }

    async fn list_account_members(
        &self,
        account: AccountId,
        now: Timestamp,
    ) -> Result<Vec<MemberView>> {
        // A closed account has no members to show: the join to it finds none.
        let rows: Vec<MemberRow> = sql::<D>(
            "SELECT u.id AS user_id, u.name, u.email, m.role, m.job_label,
                (SELECT COUNT(*) FROM sessions s
                 WHERE s.user_id = u.id AND s.account_id = m.account_id
                   AND s.revoked_at IS NULL AND s.expires_at > ",
        )
        .bind(now.0)
        .push(
            ") AS live_sessions, u.password_hash <> '' AS has_password,
                u.external_id IS NOT NULL AS synced, u.deactivated_at IS NOT NULL AS deactivated
             FROM memberships m
             JOIN users u ON u.id = m.user_id
             JOIN accounts a ON a.id = m.account_id
             WHERE a.closed_at IS NULL AND m.account_id = ",
        )
        .bind(account.0)
        .push(" ORDER BY u.name, u.id LIMIT 1000")
        .fetch_all(&mut *self.readers().acquire().await?)
        .await?;
        Ok(rows.into_iter().map(MemberView::from).collect())
    }

    async fn list_live_applications(&self) -> Result<Vec<ApplicationView>> {
        let rows: Vec<(i64, String, i64, i64)> = sql::<D>(
            "SELECT p.id, p.name, p.created_at,
                (SELECT COUNT(*) FROM api_keys k
                 WHERE k.application_id = p.id AND k.revoked_at IS NULL)
             FROM applications p WHERE p.retired_at IS NULL ORDER BY p.id LIMIT 1000",
        )
        .fetch_all(&mut *self.readers().acquire().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, created_at, live_keys)| ApplicationView {
                id: ApplicationId(id),
                name,
                created_at: Timestamp(created_at),
                live_keys: count(live_keys),
            })
            .collect())
    }

    async fn password_hash(&self, user: UserId) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sql::<D>("SELECT password_hash FROM users WHERE deactivated_at IS NULL AND id = ")
                .bind(user.0)
                .fetch_optional(&mut *self.readers().acquire().await?)
                .await?;
        Ok(row.map(|(hash,)| hash))
    }

    async fn password_link_holder(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<PasswordLinkHolder>> {
        let row: Option<(String, String)> = sql::<D>(
            "SELECT u.name, u.email FROM password_links l JOIN users u ON u.id = l.user_id
             WHERE u.deactivated_at IS NULL AND l.token_hash = ",
        )
        .bind(token.as_bytes().to_vec())
        .push(" AND l.expires_at > ")
        .bind(now.0)
        .fetch_optional(&mut *self.readers().acquire().await?)
        .await?;
        Ok(row.map(|(name, email)| PasswordLinkHolder { name, email }))
    }

    async fn account_by_external_id(&self, external_id: &str) -> Result<Option<ExternalAccount>> {
        let row: Option<(i64, String, bool)> =
            sql::<D>("SELECT id, name, closed_at IS NOT NULL FROM accounts WHERE external_id = ")
                .bind(external_id)
                .fetch_optional(&mut *self.readers().acquire().await?)
                .await?;
        Ok(row.map(|(id, name, closed)| ExternalAccount {
            id: AccountId(id),
            name,
            closed,
        }))
    }

    async fn person_by_external_id(&self, external_id: &str) -> Result<Option<PersonView>> {
        let mut statement = sql::<D>("SELECT ");
        statement
            .push(PERSON_COLUMNS)
            .push(" FROM users WHERE external_id = ")
            .bind(external_id);
        let row: Option<PersonRow> = statement
            .fetch_optional(&mut *self.readers().acquire().await?)
            .await?;
        Ok(people(self, row.into_iter().collect()).await?.pop())
    }

    async fn insert_sign_in_link(&self, link: NewSignInLink<'_>) -> Result<()> {
        let values: [Value; 7] = [
            link.token.as_bytes().to_vec().into(),
            link.user.0.into(),
            link.account.0.into(),
            link.api_key.0.into(),
            link.page.into(),
            link.created_at.0.into(),
            link.expires_at.0.into(),
        ];
        sql::<D>(
            "INSERT INTO sign_in_links (token_hash, user_id, account_id, api_key_id, page,
                created_at, expires_at)",
        )
        .values(values)
        .run(&mut *self.writer().acquire().await?)
        .await?;
        Ok(())
    }

    async fn take_sign_in_link(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<SignInLinkGrant>> {
        // One statement: of two browsers presenting the same link, only one gets its row. A
        // link of a key revoked or no longer trusted is left for the purge.
        let row: Option<(i64, i64, i64, String, i64)> =
            sql::<D>("DELETE FROM sign_in_links WHERE token_hash = ")
                .bind(token.as_bytes().to_vec())
                .push(
                    " AND api_key_id IN
                        (SELECT id FROM api_keys WHERE revoked_at IS NULL AND trusted)
                     RETURNING user_id, account_id, api_key_id, page, expires_at",
                )
                .fetch_optional(&mut *self.writer().acquire().await?)
                .await?;
        Ok(row
            .filter(|&(_, _, _, _, expires_at)| now.0 < expires_at)
            .map(|(user, account, api_key, page, _)| SignInLinkGrant {
                user: UserId(user),
                account: AccountId(account),
                api_key: ApiKeyId(api_key),
                page,
            }))
    }

    async fn purge_sign_in_links(&self, before: Timestamp) -> Result<u64> {
        let purged = sql::<D>("DELETE FROM sign_in_links WHERE expires_at < ")
            .bind(before.0)
            .run(&mut *self.writer().acquire().await?)
            .await?;
        Ok(purged)
    }

    async fn list_changes(
        &self,
        scope: Scope,
        filter: &ChangeFilter,
        page: PageRequest,
    ) -> Result<Page<ChangeView>> {
        let mut statement = sql::<D>("SELECT ");
        statement
            .push(CHANGE_COLUMNS)
            .push(" FROM changes c")
            .push(CHANGE_JOINS)
            .push(" WHERE 1 = 1");
        match scope {
            Scope::All => {}
            Scope::Account(account) => {
                statement.push(" AND c.account_id = ").bind(account.0);
            }
            // What one person did.
            Scope::User(user) => {
                statement.push(" AND c.actor_id = ").bind(user.0);
            }
        }
        if let Some(actor) = filter.actor {
            statement.push(" AND c.actor_id = ").bind(actor.0);
        }
        if let Some(target) = filter.target {
            statement.push(" AND c.target_user_id = ").bind(target.0);
        }
        if let Some(kind) = filter.kind {
            statement.push(" AND c.kind = ").bind(kind.as_str());
        }
        if let Some(account) = filter.account {
            statement.push(" AND c.account_id = ").bind(account.0);
        }
        push_page(&mut statement, "c.at", "c.id", page, false);
        let rows: Vec<ChangeRow> = statement
            .fetch_all(&mut *self.readers().acquire().await?)
            .await?;
        // Paged on the rows, so a row of a kind this version does not know still moves the
        // cursor along.
        let rows = into_page(rows, page.limit, |row| Cursor {
            at: Timestamp(row.at),
            id: row.id,
        });
        Ok(Page {
            items: rows
                .items
                .into_iter()
                .filter_map(ChangeRow::into_view)
                .collect(),
            next: rows.next,
        })
    }
}

/// What a change did so far: what its caller learns, and how many sessions it ended, for its
/// audit record. Revoked API keys and stopped acting go into `ended` too (the caches must
/// forget them) but are not sessions ended.
#[derive(Default)]
struct Effect {
    applied: Applied,
    sessions_ended: u64,
}

impl Effect {
    fn created(id: i64) -> Self {
        Self {
            applied: Applied {
                created: Some(id),
                ..Applied::default()
            },
            sessions_ended: 0,
        }
    }

    /// Sessions it ended.
    fn ended(&mut self, hashes: Vec<TokenHash>) {
        self.sessions_ended += hashes.len() as u64;
        self.changed(hashes);
    }

    /// Tokens whose validation answer it changed without ending a session.
    fn changed(&mut self, hashes: Vec<TokenHash>) {
        self.applied.ended.extend(hashes);
    }
}

/// Makes `change` inside the caller's transaction, filling in `record` where the change
/// decides it (what it created; who used a set-password link).
async fn make_change<D: Dialect>(
    connection: &mut Connection<D>,
    change: DirectoryChange<'_>,
    record: &mut ChangeRecord,
) -> Result<Effect> {
    let now = record.at;
    // Sessions a change ends remember the change's author.
    let (actor, key) = (record.actor, record.api_key);
    let ending = move |reason| SessionEnd {
        reason,
        by_user: actor,
        by_key: key,
    };
    match change {
        DirectoryChange::CreateAccount { name, external_id } => {
            let account = insert_account_row::<D>(connection, name, true, now).await?;
            if let Some(external_id) = external_id {
                let what = "an account with this external id";
                set_external_id::<D>(connection, "accounts", account.0, external_id, what).await?;
            }
            record.account = Some(account);
            Ok(Effect::created(account.0))
        }
        DirectoryChange::RenameAccount { account, name } => {
            let renamed = sql::<D>("UPDATE accounts SET name = ")
                .bind(name)
                .push(" WHERE closed_at IS NULL AND id = ")
                .bind(account.0)
                .run(connection)
                .await?;
            touched(renamed, Error::NotFound("account"))?;
            Ok(Effect::default())
        }
        DirectoryChange::CloseAccount { account } => {
            close_account::<D>(connection, account, ending(EndReason::AccountClosed), now).await
        }
        DirectoryChange::CreatePerson {
            email,
            name,
            is_platform_admin,
            is_sales_rep,
            external_id,
        } => {
            // No password until they follow their link (or ever, for people a product signs
            // in): no argon2 string is empty, so none matches.
            let person = NewUser {
                email,
                name,
                password_hash: "",
                is_platform_admin,
                is_sales_rep,
            };
            let user = insert_user_row::<D>(connection, person, now).await?;
            if let Some(external_id) = external_id {
                let what = "a person with this external id";
                set_external_id::<D>(connection, "users", user.0, external_id, what).await?;
            }
            record.target_user = Some(user);
            Ok(Effect::created(user.0))
        }
        DirectoryChange::EditPerson { user, name, email } => {
            let edited = sql::<D>("UPDATE users SET name = ")
                .bind(name)
                .push(", email = ")
                .bind(email.trim().to_lowercase())
                .push(" WHERE id = ")
                .bind(user.0)
                .run(connection)
                .await
                .map_err(Error::unique("a person with this email"))?;
            touched(edited, Error::UserNotFound)?;
            Ok(Effect::default())
        }
        DirectoryChange::Deactivate { user } => {
            deactivate::<D>(connection, user, ending(EndReason::PersonDeactivated), now).await
        }
        DirectoryChange::Reactivate { user } => {
            let reactivated = sql::<D>("UPDATE users SET deactivated_at = NULL WHERE id = ")
                .bind(user.0)
                .run(connection)
                .await?;
            touched(reactivated, Error::UserNotFound)?;
            Ok(Effect::default())
        }
        DirectoryChange::SetPlatformRoles {
            user,
            is_platform_admin,
            is_sales_rep,
        } => set_platform_roles::<D>(connection, user, is_platform_admin, is_sales_rep, now).await,
        DirectoryChange::PutMembership {
            user,
            account,
            role,
            job_label,
        } => put_membership::<D>(connection, user, account, role, job_label).await,
        DirectoryChange::RemoveMembership { user, account } => {
            remove_membership::<D>(
                connection,
                user,
                account,
                ending(EndReason::RemovedFromAccount),
                now,
            )
            .await
        }
        DirectoryChange::AssignRepresentative { rep, account } => {
            assign_representative::<D>(connection, rep, account).await
        }
        DirectoryChange::UnassignRepresentative { rep, account } => {
            unassign_representative::<D>(connection, rep, account, now).await
        }
        DirectoryChange::CreateApplication { name } => {
            let (id,): (i64,) = sql::<D>("INSERT INTO applications (name, created_at)")
                .values([name.into(), now.0.into()])
                .push(" RETURNING id")
                .fetch_one(connection)
                .await
                .map_err(Error::unique("an application with this name"))?;
            record.application = Some(ApplicationId(id));
            Ok(Effect::created(id))
        }
        DirectoryChange::RenameApplication { application, name } => {
            let renamed = sql::<D>("UPDATE applications SET name = ")
                .bind(name)
                .push(" WHERE retired_at IS NULL AND id = ")
                .bind(application.0)
                .run(connection)
                .await
                .map_err(Error::unique("an application with this name"))?;
            touched(renamed, Error::NotFound("application"))?;
            Ok(Effect::default())
        }
        DirectoryChange::RetireApplication { application } => {
            retire_application::<D>(
                connection,
                application,
                ending(EndReason::ApplicationRetired),
                now,
            )
            .await
        }
        DirectoryChange::IssuePasswordLink {
            user,
            token,
            expires_at,
        } => issue_password_link::<D>(connection, user, token, expires_at, now).await,
        DirectoryChange::SetPasswordWithLink {
            token,
            password_hash,
        } => {
            let user = set_password_with_link::<D>(connection, token, password_hash, now).await?;
            // Whoever held the link set their own password.
            record.actor = Some(user);
            record.target_user = Some(user);
            let mut effect = Effect::default();
            effect.applied.user = Some(user);
            Ok(effect)
        }
        DirectoryChange::SetPassword {
            user,
            password_hash,
            end_sessions: end,
            keep,
        } => {
            let set = sql::<D>("UPDATE users SET password_hash = ")
                .bind(password_hash)
                .push(" WHERE id = ")
                .bind(user.0)
                .run(&mut *connection)
                .await?;
            touched(set, Error::UserNotFound)?;
            if !password_hash.is_empty() {
                // A password chosen now outranks any link handed out before: whoever holds
                // one must not be able to override it.
                sql::<D>("DELETE FROM password_links WHERE user_id = ")
                    .bind(user.0)
                    .run(&mut *connection)
                    .await?;
            }
            let mut effect = Effect::default();
            if end {
                let whose = match keep {
                    Some(keep) => Ended::PersonBut(user, keep),
                    None => Ended::Person(user),
                };
                let ended = ending(EndReason::PasswordChanged);
                effect.ended(end_sessions::<D>(connection, whose, ended, now).await?);
            }
            Ok(effect)
        }
    }
}

async fn close_account<D: Dialect>(
    connection: &mut Connection<D>,
    account: AccountId,
    end: SessionEnd,
    now: Timestamp,
) -> Result<Effect> {
    let closed = sql::<D>("UPDATE accounts SET closed_at = ")
        .bind(now.0)
        .push(" WHERE closed_at IS NULL AND id = ")
        .bind(account.0)
        .run(&mut *connection)
        .await?;
    touched(closed, Error::NotFound("account"))?;
    let mut effect = Effect::default();
    effect.ended(end_sessions::<D>(connection, Ended::Account(account), end, now).await?);
    // Representatives acting there from their own accounts' sessions go back to themselves.
    effect.changed(stop_acting::<D>(connection, Stopped::InAccount(account), now).await?);
    Ok(effect)
}

async fn deactivate<D: Dialect>(
    connection: &mut Connection<D>,
    user: UserId,
    end: SessionEnd,
    now: Timestamp,
) -> Result<Effect> {
    let (is_platform_admin, active) = standing::<D>(connection, user).await?;
    if is_platform_admin && active {
        keep_an_admin::<D>(connection, user).await?;
    }
    // The person's row before their link's, in the order using a link takes them too.
    let deactivated = sql::<D>("UPDATE users SET deactivated_at = ")
        .bind(now.0)
        .push(" WHERE deactivated_at IS NULL AND id = ")
        .bind(user.0)
        .run(&mut *connection)
        .await?;
    if deactivated > 0 {
        let kinds = [EventType::PersonDeactivated];
        super::webhooks::enqueue::<D::Db>(connection, &kinds, || {
            vec![Event::person_deactivated(
                user,
                end.by_user,
                end.by_key,
                now,
            )]
        })
        .await?;
    }
    let mut effect = Effect::default();
    effect.ended(end_sessions::<D>(connection, Ended::Person(user), end, now).await?);
    effect.changed(stop_acting::<D>(connection, Stopped::As(user), now).await?);
    // Acting records of theirs that outlived their sessions (expired while acting) close too.
    sql::<D>("UPDATE impersonations SET ended_at = ")
        .bind(now.0)
        .push(" WHERE ended_at IS NULL AND impersonator_id = ")
        .bind(user.0)
        .run(&mut *connection)
        .await?;
    sql::<D>("DELETE FROM password_links WHERE user_id = ")
        .bind(user.0)
        .run(connection)
        .await?;
    Ok(effect)
}

async fn set_platform_roles<D: Dialect>(
    connection: &mut Connection<D>,
    user: UserId,
    is_platform_admin: bool,
    is_sales_rep: bool,
    now: Timestamp,
) -> Result<Effect> {
    let (was_platform_admin, active) = standing::<D>(connection, user).await?;
    if was_platform_admin && active && !is_platform_admin {
        keep_an_admin::<D>(connection, user).await?;
    }
    sql::<D>("UPDATE users SET is_platform_admin = ")
        .bind(is_platform_admin)
        .push(", is_sales_rep = ")
        .bind(is_sales_rep)
        .push(" WHERE id = ")
        .bind(user.0)
        .run(&mut *connection)
        .await?;
    let mut effect = Effect::default();
    if !is_sales_rep {
        sql::<D>("DELETE FROM rep_assignments WHERE rep_user_id = ")
            .bind(user.0)
            .run(&mut *connection)
            .await?;
        effect.changed(stop_acting::<D>(connection, Stopped::By(user), now).await?);
    }
    if is_platform_admin || is_sales_rep {
        // Nobody may act as an admin or a representative: a representative acting as this
        // person right now would otherwise hold those powers through them.
        effect.changed(stop_acting::<D>(connection, Stopped::As(user), now).await?);
    }
    Ok(effect)
}

async fn put_membership<D: Dialect>(
    connection: &mut Connection<D>,
    user: UserId,
    account: AccountId,
    role: Role,
    job_label: &str,
) -> Result<Effect> {
    open_account::<D>(connection, account, D::FOR_UPDATE).await?;
    person_exists::<D>(connection, user).await?;
    let demotes_owner = role == Role::Employee
        && membership::<D>(connection, user, account).await? == Some((Role::Owner, true));
    if demotes_owner {
        keep_an_owner::<D>(connection, account, user).await?;
    }
    sql::<D>("INSERT INTO memberships (user_id, account_id, role, job_label)")
        .values([
            user.0.into(),
            account.0.into(),
            role.as_str().into(),
            job_label.into(),
        ])
        .push(
            " ON CONFLICT (user_id, account_id)
             DO UPDATE SET role = excluded.role, job_label = excluded.job_label",
        )
        .run(connection)
        .await?;
    Ok(Effect::default())
}

async fn remove_membership<D: Dialect>(
    connection: &mut Connection<D>,
    user: UserId,
    account: AccountId,
    end: SessionEnd,
    now: Timestamp,
) -> Result<Effect> {
    open_account::<D>(connection, account, D::FOR_UPDATE).await?;
    let membership = membership::<D>(connection, user, account)
        .await?
        .ok_or(Error::UserNotFound)?;
    if membership == (Role::Owner, true) {
        keep_an_owner::<D>(connection, account, user).await?;
    }
    sql::<D>("DELETE FROM memberships WHERE user_id = ")
        .bind(user.0)
        .push(" AND account_id = ")
        .bind(account.0)
        .run(&mut *connection)
        .await?;
    let kinds = [EventType::MembershipRemoved];
    super::webhooks::enqueue::<D::Db>(connection, &kinds, || {
        vec![Event::membership_removed(
            user,
            account,
            end.by_user,
            end.by_key,
            now,
        )]
    })
    .await?;
    let mut effect = Effect::default();
    let ended = end_sessions::<D>(connection, Ended::Member(user, account), end, now).await?;
    effect.ended(ended);
    let stopped = stop_acting::<D>(connection, Stopped::AsMember(user, account), now).await?;
    effect.changed(stopped);
    Ok(effect)
}

async fn assign_representative<D: Dialect>(
    connection: &mut Connection<D>,
    rep: UserId,
    account: AccountId,
) -> Result<Effect> {
    // Share-locked, so that taking their sales role away at the same moment waits for this and
    // then removes the new assignment with their others.
    let serving: Option<(i64,)> = sql::<D>("SELECT id FROM users WHERE id = ")
        .bind(rep.0)
        .push(" AND is_sales_rep = ")
        .bind(true)
        .push(" AND deactivated_at IS NULL")
        .push(D::FOR_SHARE)
        .fetch_optional(&mut *connection)
        .await?;
    serving.ok_or(Error::UserNotFound)?;
    open_account::<D>(connection, account, "").await?;
    sql::<D>("INSERT INTO rep_assignments (rep_user_id, account_id)")
        .values([rep.0.into(), account.0.into()])
        .push(" ON CONFLICT DO NOTHING")
        .run(connection)
        .await?;
    Ok(Effect::default())
}

async fn unassign_representative<D: Dialect>(
    connection: &mut Connection<D>,
    rep: UserId,
    account: AccountId,
    now: Timestamp,
) -> Result<Effect> {
    person_exists::<D>(connection, rep).await?;
    open_account::<D>(connection, account, "").await?;
    sql::<D>("DELETE FROM rep_assignments WHERE rep_user_id = ")
        .bind(rep.0)
        .push(" AND account_id = ")
        .bind(account.0)
        .run(&mut *connection)
        .await?;
    let mut effect = Effect::default();
    let stopped = stop_acting::<D>(connection, Stopped::ByIn(rep, account), now).await?;
    effect.changed(stopped);
    Ok(effect)
}

async fn retire_application<D: Dialect>(
    connection: &mut Connection<D>,
    application: ApplicationId,
    end: SessionEnd,
    now: Timestamp,
) -> Result<Effect> {
    let retired = sql::<D>("UPDATE applications SET retired_at = ")
        .bind(now.0)
        .push(" WHERE retired_at IS NULL AND id = ")
        .bind(application.0)
        .run(&mut *connection)
        .await?;
    touched(retired, Error::NotFound("application"))?;
    let keys = sql::<D>("UPDATE api_keys SET revoked_at = ")
        .bind(now.0)
        .push(" WHERE revoked_at IS NULL AND application_id = ")
        .bind(application.0)
        .push(" RETURNING key_hash")
        .fetch_all(&mut *connection)
        .await?;
    let mut effect = Effect::default();
    effect.changed(token_hashes(keys));
    let ended = end_sessions::<D>(connection, Ended::Application(application), end, now).await?;
    effect.ended(ended);
    Ok(effect)
}

async fn issue_password_link<D: Dialect>(
    connection: &mut Connection<D>,
    user: UserId,
    token: &TokenHash,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<Effect> {
    // Locked, so that two links issued at once take turns (the second replaces the first),
    // and a deactivation at the same moment waits and then deletes the new link.
    let active: Option<(i64,)> =
        sql::<D>("SELECT id FROM users WHERE deactivated_at IS NULL AND id = ")
            .bind(user.0)
            .push(D::FOR_UPDATE)
            .fetch_optional(&mut *connection)
            .await?;
    active.ok_or(Error::UserNotFound)?;
    sql::<D>("DELETE FROM password_links WHERE user_id = ")
        .bind(user.0)
        .run(&mut *connection)
        .await?;
    sql::<D>("INSERT INTO password_links (token_hash, user_id, created_at, expires_at)")
        .values([
            token.as_bytes().to_vec().into(),
            user.0.into(),
            now.0.into(),
            expires_at.0.into(),
        ])
        .run(connection)
        .await?;
    Ok(Effect::default())
}

/// Takes the link and sets its person's password; returns who that is.
async fn set_password_with_link<D: Dialect>(
    connection: &mut Connection<D>,
    token: &TokenHash,
    password_hash: &str,
    now: Timestamp,
) -> Result<UserId> {
    let hash = token.as_bytes().to_vec();
    let holder: Option<(i64,)> = sql::<D>("SELECT user_id FROM password_links WHERE token_hash = ")
        .bind(hash.clone())
        .fetch_optional(&mut *connection)
        .await?;
    let (holder,) = holder.ok_or(Error::LinkNotValid)?;
    // The person's row first, then their link, as deactivating them takes the two: two
    // transactions that lock them in opposite orders could deadlock.
    let active: Option<(i64,)> =
        sql::<D>("SELECT id FROM users WHERE deactivated_at IS NULL AND id = ")
            .bind(holder)
            .push(D::FOR_UPDATE)
            .fetch_optional(&mut *connection)
            .await?;
    active.ok_or(Error::LinkNotValid)?;
    // One statement takes the link: of two uses at once, one deletes it and the other finds
    // nothing.
    let taken: Option<(i64,)> = sql::<D>("DELETE FROM password_links WHERE token_hash = ")
        .bind(hash)
        .push(" AND expires_at > ")
        .bind(now.0)
        .push(" RETURNING user_id")
        .fetch_optional(&mut *connection)
        .await?;
    let (user,) = taken.ok_or(Error::LinkNotValid)?;
    sql::<D>("UPDATE users SET password_hash = ")
        .bind(password_hash)
        .push(" WHERE id = ")
        .bind(user)
        .run(connection)
        .await?;
    Ok(UserId(user))
}

/// Writes a change's audit record; returns its id.
pub(super) async fn insert_change_row<D: Dialect>(
    connection: &mut Connection<D>,
    record: &ChangeRecord,
    sessions_ended: u64,
) -> Result<i64> {
    let values: [Value; 11] = [
        record.at.0.into(),
        record.actor.map(|user| user.0).into(),
        record.api_key.map(|key| key.0).into(),
        record.impersonator.map(|user| user.0).into(),
        record.ip.as_deref().into(),
        record.kind.as_str().into(),
        record.account.map(|account| account.0).into(),
        record.target_user.map(|user| user.0).into(),
        record.application.map(|application| application.0).into(),
        record.detail.as_str().into(),
        i64::try_from(sessions_ended).unwrap_or(i64::MAX).into(),
    ];
    let (id,): (i64,) = sql::<D>(
        "INSERT INTO changes (at, actor_id, api_key_id, impersonator_id, ip, kind, account_id,
            target_user_id, application_id, detail, sessions_ended)",
    )
    .values(values)
    .push(" RETURNING id")
    .fetch_one(connection)
    .await?;
    Ok(id)
}

/// Gives a row just created (`table`: `accounts` or `users`) the id a product knows it by;
/// [`Error::AlreadyExists`] naming `what` when another row has it.
async fn set_external_id<D: Dialect>(
    connection: &mut Connection<D>,
    table: &'static str,
    id: i64,
    external_id: &str,
    what: &'static str,
) -> Result<()> {
    sql::<D>("UPDATE ")
        .push(table)
        .push(" SET external_id = ")
        .bind(external_id)
        .push(" WHERE id = ")
        .bind(id)
        .run(connection)
        .await
        .map_err(Error::unique(what))?;
    Ok(())
}

/// `Ok` if a statement touched a row, else `missing`.
fn touched(rows: u64, missing: Error) -> Result<()> {
    if rows == 0 { Err(missing) } else { Ok(()) }
}

/// Whether the person is a platform admin, and whether they are active.
async fn standing<D: Dialect>(
    connection: &mut Connection<D>,
    user: UserId,
) -> Result<(bool, bool)> {
    let row: Option<(bool, bool)> =
        sql::<D>("SELECT is_platform_admin, deactivated_at IS NULL FROM users WHERE id = ")
            .bind(user.0)
            .fetch_optional(connection)
            .await?;
    row.ok_or(Error::UserNotFound)
}

async fn person_exists<D: Dialect>(connection: &mut Connection<D>, user: UserId) -> Result<()> {
    let row: Option<(i64,)> = sql::<D>("SELECT id FROM users WHERE id = ")
        .bind(user.0)
        .fetch_optional(connection)
        .await?;
    row.map(|_| ()).ok_or(Error::UserNotFound)
}

/// Refuses what is not an open account; `lock` is [`Dialect::FOR_UPDATE`] where the change
/// then checks the account's owners, so that changes to them take turns.
async fn open_account<D: Dialect>(
    connection: &mut Connection<D>,
    account: AccountId,
    lock: &str,
) -> Result<()> {
    let row: Option<(i64,)> = sql::<D>("SELECT id FROM accounts WHERE closed_at IS NULL AND id = ")
        .bind(account.0)
        .push(lock)
        .fetch_optional(connection)
        .await?;
    row.map(|_| ()).ok_or(Error::NotFound("account"))
}

/// The person's role in the account, and whether they are active; `None` if not a member.
async fn membership<D: Dialect>(
    connection: &mut Connection<D>,
    user: UserId,
    account: AccountId,
) -> Result<Option<(Role, bool)>> {
    let row: Option<(String, bool)> = sql::<D>(
        "SELECT m.role, u.deactivated_at IS NULL FROM memberships m
         JOIN users u ON u.id = m.user_id WHERE m.user_id = ",
    )
    .bind(user.0)
    .push(" AND m.account_id = ")
    .bind(account.0)
    .fetch_optional(connection)
    .await?;
    Ok(row.and_then(|(role, active)| Some((Role::parse(&role)?, active))))
}

/// Refuses to take the account's last active owner away. The caller has locked the account's
/// row, so two changes to its owners at once take turns and the second counts after the first.
async fn keep_an_owner<D: Dialect>(
    connection: &mut Connection<D>,
    account: AccountId,
    leaving: UserId,
) -> Result<()> {
    let (others,): (i64,) = sql::<D>(
        "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.role = 'owner' AND u.deactivated_at IS NULL AND m.account_id = ",
    )
    .bind(account.0)
    .push(" AND m.user_id <> ")
    .bind(leaving.0)
    .fetch_one(connection)
    .await?;
    if others > 0 {
        Ok(())
    } else {
        Err(Error::LastOwner)
    }
}

/// Refuses to take the last active platform admin away. The active admins' rows stay locked
/// until commit, so two admins demoting or deactivating each other at once take turns, and
/// the second no longer counts the first.
async fn keep_an_admin<D: Dialect>(connection: &mut Connection<D>, leaving: UserId) -> Result<()> {
    let admins: Vec<(i64,)> = sql::<D>("SELECT id FROM users WHERE is_platform_admin = ")
        .bind(true)
        .push(" AND deactivated_at IS NULL")
        .push(D::FOR_UPDATE)
        .fetch_all(connection)
        .await?;
    if admins.iter().any(|&(id,)| id != leaving.0) {
        Ok(())
    } else {
        Err(Error::LastPlatformAdmin)
    }
}

/// Whose live sessions a change ends.
#[derive(Clone, Copy)]
enum Ended {
    Person(UserId),
    /// A person's, but for the one they are using.
    PersonBut(UserId, SessionId),
    /// A person's in one account.
    Member(UserId, AccountId),
    Account(AccountId),
    Application(ApplicationId),
}

impl Ended {
    /// ` AND` the session `s` is one of them.
    fn push<DB: SqlDb>(self, statement: &mut Sql<DB>) {
        match self {
            Self::Person(user) => {
                statement.push(" AND s.user_id = ").bind(user.0);
            }
            Self::PersonBut(user, keep) => {
                statement
                    .push(" AND s.user_id = ")
                    .bind(user.0)
                    .push(" AND s.id <> ")
                    .bind(keep.0);
            }
            Self::Member(user, account) => {
                statement
                    .push(" AND s.user_id = ")
                    .bind(user.0)
                    .push(" AND s.account_id = ")
                    .bind(account.0);
            }
            Self::Account(account) => {
                statement.push(" AND s.account_id = ").bind(account.0);
            }
            Self::Application(application) => {
                statement
                    .push(" AND s.application_id = ")
                    .bind(application.0);
            }
        }
    }
}

/// Which live sessions' acting a change stops. The sessions go on as their own user's.
#[derive(Clone, Copy)]
enum Stopped {
    /// Acting as anyone in the account.
    InAccount(AccountId),
    /// Acting as the person, anywhere.
    As(UserId),
    /// Acting as the person in the account.
    AsMember(UserId, AccountId),
    /// The representative's, acting as anyone.
    By(UserId),
    /// The representative's, acting in the account.
    ByIn(UserId, AccountId),
}

impl Stopped {
    /// ` AND` the acting session `s` is one of them.
    fn push<DB: SqlDb>(self, statement: &mut Sql<DB>) {
        match self {
            Self::InAccount(account) => {
                statement
                    .push(" AND s.acting_account_id = ")
                    .bind(account.0);
            }
            Self::As(user) => {
                statement.push(" AND s.acting_user_id = ").bind(user.0);
            }
            Self::AsMember(user, account) => {
                statement
                    .push(" AND s.acting_user_id = ")
                    .bind(user.0)
                    .push(" AND s.acting_account_id = ")
                    .bind(account.0);
            }
            Self::By(rep) => {
                statement.push(" AND s.user_id = ").bind(rep.0);
            }
            Self::ByIn(rep, account) => {
                statement
                    .push(" AND s.user_id = ")
                    .bind(rep.0)
                    .push(" AND s.acting_account_id = ")
                    .bind(account.0);
            }
        }
    }
}

/// ` WHERE` the session `s` is live at `now`.
fn push_live<DB: SqlDb>(statement: &mut Sql<DB>, now: Timestamp) {
    statement
        .push(" WHERE s.revoked_at IS NULL AND s.expires_at > ")
        .bind(now.0);
}

/// Ends the live sessions `whose`, and closes the audit records of any acting they were
/// doing; returns their token hashes.
async fn end_sessions<D: Dialect>(
    connection: &mut Connection<D>,
    whose: Ended,
    end: SessionEnd,
    now: Timestamp,
) -> Result<Vec<TokenHash>> {
    // First, while the sessions still look live.
    let mut close = sql::<D>("UPDATE impersonations SET ended_at = ");
    close
        .bind(now.0)
        .push(" WHERE ended_at IS NULL AND session_id IN (SELECT s.id FROM sessions s");
    push_live(&mut close, now);
    whose.push(&mut close);
    close.push(")").run(&mut *connection).await?;
    let mut statement = sql::<D>("UPDATE sessions AS s SET ");
    super::sessions::push_end(&mut statement, end, now);
    push_live(&mut statement, now);
    whose.push(&mut statement);
    statement.push(super::webhooks::ENDED_RETURNING);
    let rows = statement.fetch_all(&mut *connection).await?;
    super::webhooks::sessions_ended::<D::Db>(connection, rows, end, now).await
}

/// Returns the live sessions in `acting` to their own users and closes the audit records of
/// that acting; returns their token hashes.
async fn stop_acting<D: Dialect>(
    connection: &mut Connection<D>,
    acting: Stopped,
    now: Timestamp,
) -> Result<Vec<TokenHash>> {
    let mut close = sql::<D>("UPDATE impersonations SET ended_at = ");
    close
        .bind(now.0)
        .push(" WHERE ended_at IS NULL AND id IN (SELECT s.impersonation_id FROM sessions s");
    push_live(&mut close, now);
    close.push(" AND s.acting_user_id IS NOT NULL");
    acting.push(&mut close);
    close.push(")").run(&mut *connection).await?;
    let mut unmark = sql::<D>(
        "UPDATE sessions AS s SET acting_user_id = NULL, acting_account_id = NULL,
            impersonation_id = NULL, acting_since = NULL",
    );
    push_live(&mut unmark, now);
    unmark.push(" AND s.acting_user_id IS NOT NULL");
    acting.push(&mut unmark);
    unmark.push(" RETURNING token_hash");
    Ok(token_hashes(unmark.fetch_all(connection).await?))
}

/// People as administration shows them: `rows`, each with their memberships in open accounts
/// and the open accounts they serve (two reads for the whole page, not two per person).
async fn people<D: Dialect>(store: &D, rows: Vec<PersonRow>) -> Result<Vec<PersonView>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let memberships: Vec<(i64, i64, String, String, String)> = fetch_in(
        store,
        sql::<D>(
            "SELECT m.user_id, a.id, a.name, m.role, m.job_label FROM memberships m
             JOIN accounts a ON a.id = m.account_id
             WHERE a.closed_at IS NULL AND m.user_id IN",
        ),
        &ids,
        " ORDER BY a.name, a.id",
    )
    .await?;
    let serves: Vec<(i64, i64, String)> = fetch_in(
        store,
        sql::<D>(
            "SELECT r.rep_user_id, a.id, a.name FROM rep_assignments r
             JOIN accounts a ON a.id = r.account_id
             WHERE a.closed_at IS NULL AND r.rep_user_id IN",
        ),
        &ids,
        " ORDER BY a.name, a.id",
    )
    .await?;
    let mut memberships = grouped(memberships, |(user, account, name, role, job_label)| {
        // The column's CHECK admits only the roles there are.
        let role = Role::parse(&role).unwrap_or(Role::Employee);
        let membership = PersonMembership {
            account_id: AccountId(account),
            account_name: name,
            role,
            job_label,
        };
        (user, membership)
    });
    let mut serves = grouped(serves, |(rep, account, name)| {
        (rep, (AccountId(account), name))
    });
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            PersonView {
                memberships: memberships.remove(&id).unwrap_or_default(),
                serves: serves.remove(&id).unwrap_or_default(),
                ..PersonView::from(row)
            }
        })
        .collect())
}

/// The rows of `statement` followed by ` (ids…)` and `tail`, read with one of `store`'s
/// readers; none, without asking, when there are no ids (`IN ()` is not SQL).
async fn fetch_in<D: Dialect, T>(
    store: &D,
    mut statement: Sql<D::Db>,
    ids: &[i64],
    tail: &str,
) -> Result<Vec<T>>
where
    D::Db: Fetch<T>,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    statement.push(" (");
    for (i, &id) in ids.iter().enumerate() {
        if i > 0 {
            statement.push(", ");
        }
        statement.bind(id);
    }
    statement
        .push(")")
        .push(tail)
        .fetch_all(&mut *store.readers().acquire().await?)
        .await
}

/// `rows` as lists by key, in the order read.
fn grouped<R, V>(rows: Vec<R>, split: impl Fn(R) -> (i64, V)) -> HashMap<i64, Vec<V>> {
    let mut groups: HashMap<i64, Vec<V>> = HashMap::new();
    for row in rows {
        let (key, value) = split(row);
        groups.entry(key).or_default().push(value);
    }
    groups
}

/// A count as the database gives it (never negative).
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
