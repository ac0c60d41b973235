//! The directory area's SQL: people, accounts, memberships, applications, and the first-admin
//! setup token.

use async_trait::async_trait;

use super::rows::ViewerRow;
use super::{like_pattern, sql};
use crate::access::Principal;
use crate::error::{Error, Result};
use crate::model::{
    AccountId, ApplicationId, CustomerUser, Membership, Role, Timestamp, UserId, Viewer,
};
use crate::store::dialect::Dialect;
use crate::store::statement::Value;
use crate::store::{AccountSettings, Credentials, DirectoryStore, NewUser};
use crate::token::TokenHash;

#[async_trait]
impl<D: Dialect> DirectoryStore for D {
    async fn credentials_by_email(&self, email: &str) -> Result<Option<Credentials>> {
        // A deactivated person, or one who has not set a password yet, is as unknown here as
        // an email that matches nobody.
        let row: Option<(i64, String, Option<i64>, Option<bool>)> = sql::<D>(
            // With the home account in the same read ([`Credentials::home`]); `email` is the
            // only such column here, as `D::EMAIL_IS` needs it unqualified.
            "SELECT users.id, users.password_hash, home.id, home.store_geolocation FROM users
             LEFT JOIN accounts home ON home.id = (
                 SELECT a.id FROM memberships m JOIN accounts a ON a.id = m.account_id
                 WHERE a.closed_at IS NULL AND m.user_id = users.id ORDER BY a.id LIMIT 1)
             WHERE users.deactivated_at IS NULL AND users.password_hash <> '' AND ",
        )
        .push(D::EMAIL_IS)
        .bind(email)
        .fetch_optional(&mut *self.readers().acquire().await?)
        .await?;
        Ok(
            row.map(|(id, password_hash, home, store_geolocation)| Credentials {
                user_id: UserId(id),
                password_hash,
                home: home.zip(store_geolocation).map(account_settings),
            }),
        )
    }

    async fn account_settings(&self, account: AccountId) -> Result<Option<AccountSettings>> {
        let row: Option<(i64, bool)> = sql::<D>(
            "SELECT id, store_geolocation FROM accounts WHERE closed_at IS NULL AND id = ",
        )
        .bind(account.0)
        .fetch_optional(&mut *self.readers().acquire().await?)
        .await?;
        Ok(row.map(account_settings))
    }

    async fn set_store_geolocation(&self, account: AccountId, on: bool) -> Result<bool> {
        let mut connection = self.writer().acquire().await?;
        let changed = sql::<D>("UPDATE accounts SET store_geolocation = ")
            .bind(on)
            .push(" WHERE closed_at IS NULL AND id = ")
            .bind(account.0)
            .run(&mut *connection)
            .await?;
        Ok(changed == 1)
    }

    async fn application_by_name(&self, name: &str) -> Result<Option<ApplicationId>> {
        let id: Option<(i64,)> =
            sql::<D>("SELECT id FROM applications WHERE retired_at IS NULL AND name = ")
                .bind(name)
                .fetch_optional(&mut *self.readers().acquire().await?)
                .await?;
        Ok(id.map(|(id,)| ApplicationId(id)))
    }

    async fn principal(&self, user: UserId) -> Result<Option<Principal>> {
        let flags: Option<(bool, bool)> = sql::<D>(
            "SELECT is_platform_admin, is_sales_rep FROM users
             WHERE deactivated_at IS NULL AND id = ",
        )
        .bind(user.0)
        .fetch_optional(&mut *self.readers().acquire().await?)
        .await?;
        let Some((is_platform_admin, is_sales_rep)) = flags else {
            return Ok(None);
        };
        let memberships: Vec<(i64, String)> = sql::<D>(
            "SELECT m.account_id, m.role FROM memberships m
             JOIN accounts a ON a.id = m.account_id
             WHERE a.closed_at IS NULL AND m.user_id = ",
        )
        .bind(user.0)
        .fetch_all(&mut *self.readers().acquire().await?)
        .await?;
        let serves: Vec<(i64,)> = if is_sales_rep {
            sql::<D>(
                "SELECT r.account_id FROM rep_assignments r
                 JOIN accounts a ON a.id = r.account_id
                 WHERE a.closed_at IS NULL AND r.rep_user_id = ",
            )
            .bind(user.0)
            .fetch_all(&mut *self.readers().acquire().await?)
            .await?
        } else {
            Vec::new()
        };
        Ok(Some(Principal {
            user_id: user,
            is_platform_admin,
            is_sales_rep,
            memberships: memberships
                .into_iter()
                .filter_map(|(account, role)| Some((AccountId(account), Role::parse(&role)?)))
                .collect(),
            serves: serves.into_iter().map(|(id,)| AccountId(id)).collect(),
        }))
    }

    async fn viewer(&self, user: UserId, account: AccountId) -> Result<Option<Viewer>> {
        let row: Option<ViewerRow> = sql::<D>(
            "SELECT u.name, u.email, u.is_platform_admin, u.is_sales_rep, a.name AS account_name
             FROM users u, accounts a WHERE a.closed_at IS NULL AND u.id = ",
        )
        .bind(user.0)
        .push(" AND a.id = ")
        .bind(account.0)
        .fetch_optional(&mut *self.readers().acquire().await?)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let memberships: Vec<(i64, String, String)> = sql::<D>(
            "SELECT m.account_id, a.name, m.role FROM memberships m
             JOIN accounts a ON a.id = m.account_id
             WHERE a.closed_at IS NULL AND m.user_id = ",
        )
        .bind(user.0)
        .push(" ORDER BY a.id")
        .fetch_all(&mut *self.readers().acquire().await?)
        .await?;
        Ok(Some(Viewer {
            user_id: user,
            name: row.name,
            email: row.email,
            account_id: account,
            account_name: row.account_name,
            memberships: memberships
                .into_iter()
                .filter_map(|(id, account_name, role)| {
                    Some(Membership {
                        account_id: AccountId(id),
                        account_name,
                        role: Role::parse(&role)?,
                    })
                })
                .collect(),
            is_platform_admin: row.is_platform_admin,
            is_sales_rep: row.is_sales_rep,
            impersonator: None,
        }))
    }

    async fn user_name(&self, user: UserId) -> Result<Option<String>> {
        let row: Option<(String,)> = sql::<D>("SELECT name FROM users WHERE id = ")
            .bind(user.0)
            .fetch_optional(&mut *self.readers().acquire().await?)
            .await?;
        Ok(row.map(|(name,)| name))
    }

    async fn list_customers(
        &self,
        rep: UserId,
        search: &str,
        limit: u32,
    ) -> Result<Vec<CustomerUser>> {
        let pattern = like_pattern(&search.to_lowercase());
        let rows: Vec<(i64, String, String, i64, String)> = sql::<D>(
            "SELECT u.id, u.name, u.email, a.id, a.name FROM rep_assignments r
             JOIN accounts a ON a.id = r.account_id
             JOIN memberships m ON m.account_id = a.id
             JOIN users u ON u.id = m.user_id
             WHERE a.closed_at IS NULL AND u.deactivated_at IS NULL AND r.rep_user_id = ",
        )
        .bind(rep.0)
        .push(" AND u.is_sales_rep = ")
        .bind(false)
        .push(" AND u.is_platform_admin = ")
        .bind(false)
        .push(" AND (lower(u.name) LIKE ")
        .bind(pattern.clone())
        .push(" ESCAPE '\\' OR u.email LIKE ")
        .bind(pattern)
        .push(" ESCAPE '\\') ORDER BY u.name, a.name LIMIT ")
        .bind(i64::from(limit))
        .fetch_all(&mut *self.readers().acquire().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(user, name, email, account, account_name)| CustomerUser {
                user_id: UserId(user),
                name,
                email,
                account_id: AccountId(account),
                account_name,
            })
            .collect())
    }

    async fn list_members(&self, account: AccountId) -> Result<Vec<(UserId, String)>> {
        let rows: Vec<(i64, String)> = sql::<D>(
            "SELECT u.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id
             JOIN accounts a ON a.id = m.account_id
             WHERE a.closed_at IS NULL AND m.account_id = ",
        )
        .bind(account.0)
        .push(" ORDER BY u.name LIMIT 1000")
        .fetch_all(&mut *self.readers().acquire().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| (UserId(id), name))
            .collect())
    }

    async fn list_applications(&self) -> Result<Vec<(ApplicationId, String)>> {
        let rows: Vec<(i64, String)> = sql::<D>(
            "SELECT id, name FROM applications WHERE retired_at IS NULL ORDER BY id LIMIT 1000",
        )
        .fetch_all(&mut *self.readers().acquire().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| (ApplicationId(id), name))
            .collect())
    }

    async fn is_empty(&self) -> Result<bool> {
        let row: Option<(i64,)> = sql::<D>("SELECT id FROM users LIMIT 1")
            .fetch_optional(&mut *self.readers().acquire().await?)
            .await?;
        Ok(row.is_none())
    }

    async fn insert_account(
        &self,
        name: &str,
        store_geolocation: bool,
        now: Timestamp,
    ) -> Result<AccountId> {
        let mut connection = self.writer().acquire().await?;
        insert_account_row::<D>(&mut connection, name, store_geolocation, now).await
    }

    async fn insert_user(&self, user: NewUser<'_>, now: Timestamp) -> Result<UserId> {
        let mut connection = self.writer().acquire().await?;
        insert_user_row::<D>(&mut connection, user, now).await
    }

    async fn insert_owner(
        &self,
        user: NewUser<'_>,
        account: &str,
        setup_token: Option<&TokenHash>,
        now: Timestamp,
    ) -> Result<Option<(UserId, AccountId)>> {
        let mut tx = self.writer().begin().await?;
        if let Some(hash) = setup_token {
            // One statement takes the token: of two transactions deleting the same row, one
            // deletes it and the other waits and then finds nothing (or, on SQLite, the single
            // writer runs them one after the other).
            let taken = sql::<D>("DELETE FROM setup_tokens WHERE token_hash = ")
                .bind(hash.as_bytes().to_vec())
                .run(&mut *tx)
                .await?;
            let someone: Option<(i64,)> = sql::<D>("SELECT id FROM users LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
            if taken != 1 || someone.is_some() {
                // Dropped without commit: rolled back, the token (if any) stays.
                return Ok(None);
            }
        }
        // The user first: a taken email, the likely refusal, then costs no account row.
        let user = insert_user_row::<D>(&mut tx, user, now).await?;
        let account = insert_account_row::<D>(&mut tx, account, true, now).await?;
        insert_membership_row::<D>(&mut tx, user, account, Role::Owner, "").await?;
        tx.commit().await?;
        Ok(Some((user, account)))
    }

    async fn insert_membership(
        &self,
        user: UserId,
        account: AccountId,
        role: Role,
        job_label: &str,
    ) -> Result<()> {
        let mut connection = self.writer().acquire().await?;
        insert_membership_row::<D>(&mut connection, user, account, role, job_label).await
    }

    async fn insert_rep_assignment(&self, rep: UserId, account: AccountId) -> Result<()> {
        let mut connection = self.writer().acquire().await?;
        sql::<D>("INSERT INTO rep_assignments (rep_user_id, account_id)")
            .values([rep.0.into(), account.0.into()])
            .run(&mut *connection)
            .await
            .map_err(Error::unique("this assignment"))?;
        Ok(())
    }

    async fn insert_application(&self, name: &str, now: Timestamp) -> Result<ApplicationId> {
        let mut connection = self.writer().acquire().await?;
        let (id,): (i64,) = sql::<D>("INSERT INTO applications (name, created_at)")
            .values([name.into(), now.0.into()])
            .push(" RETURNING id")
            .fetch_one(&mut *connection)
            .await
            .map_err(Error::unique("an application with this name"))?;
        Ok(ApplicationId(id))
    }

    async fn replace_setup_token(&self, hash: &TokenHash, now: Timestamp) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sql::<D>("DELETE FROM setup_tokens").run(&mut *tx).await?;
        sql::<D>("INSERT INTO setup_tokens (token_hash, created_at)")
            .values([hash.as_bytes().to_vec().into(), now.0.into()])
            .run(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn has_setup_token(&self, hash: &TokenHash) -> Result<bool> {
        let row: Option<(i64,)> =
            sql::<D>("SELECT created_at FROM setup_tokens WHERE token_hash = ")
                .bind(hash.as_bytes().to_vec())
                .fetch_optional(&mut *self.readers().acquire().await?)
                .await?;
        Ok(row.is_some())
    }
}

fn account_settings((id, store_geolocation): (i64, bool)) -> AccountSettings {
    AccountSettings {
        account_id: AccountId(id),
        store_geolocation,
    }
}

pub(super) async fn insert_account_row<D: Dialect>(
    connection: &mut <D::Db as sqlx::Database>::Connection,
    name: &str,
    store_geolocation: bool,
    now: Timestamp,
) -> Result<AccountId> {
    let (id,): (i64,) = sql::<D>("INSERT INTO accounts (name, store_geolocation, created_at)")
        .values([name.into(), store_geolocation.into(), now.0.into()])
        .push(" RETURNING id")
        .fetch_one(connection)
        .await
        .map_err(Error::unique("an account with this name"))?;
    Ok(AccountId(id))
}

pub(super) async fn insert_user_row<D: Dialect>(
    connection: &mut <D::Db as sqlx::Database>::Connection,
    user: NewUser<'_>,
    now: Timestamp,
) -> Result<UserId> {
    let email = user.email.trim().to_lowercase();
    let values: [Value; 6] = [
        email.into(),
        user.name.into(),
        user.password_hash.into(),
        user.is_platform_admin.into(),
        user.is_sales_rep.into(),
        now.0.into(),
    ];
    let (id,): (i64,) = sql::<D>(
        "INSERT INTO users (email, name, password_hash, is_platform_admin, is_sales_rep,
            created_at)",
    )
    .values(values)
    .push(" RETURNING id")
    .fetch_one(connection)
    .await
    .map_err(Error::unique("a person with this email"))?;
    Ok(UserId(id))
}

async fn insert_membership_row<D: Dialect>(
    connection: &mut <D::Db as sqlx::Database>::Connection,
    user: UserId,
    account: AccountId,
    role: Role,
    job_label: &str,
) -> Result<()> {
    sql::<D>("INSERT INTO memberships (user_id, account_id, role, job_label)")
        .values([
            user.0.into(),
            account.0.into(),
            role.as_str().into(),
            job_label.into(),
        ])
        .run(connection)
        .await
        .map_err(Error::unique("this membership"))?;
    Ok(())
}
