//! The SQL both databases share, written once.
//!
//! `QueryBuilder` writes each database's placeholders (`?` or `$1`), so the statements below
//! are the same text for SQLite and PostgreSQL. What truly differs each store provides itself:
//! migrations, the search index (`push_search`), telling other servers of a change
//! (`announce`, `invalidation_feed`) and the bulk seeder's token hash and index care. The macro only stamps this one
//! implementation onto each store type: sqlx's traits make a plain generic impl unreadable.

macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            async fn migrate(&self) -> $crate::error::Result<()> {
                self.run_migrations().await
            }

            fn invalidations(
                &self,
            ) -> Option<tokio::sync::mpsc::Receiver<$crate::store::Invalidation>> {
                self.invalidation_feed()
            }

            async fn ping(&self) -> $crate::error::Result<()> {
                let _: (i64,) = sqlx::QueryBuilder::<$db>::new("SELECT CAST(1 AS BIGINT)")
                    .build_query_as()
                    .fetch_one(&self.pool)
                    .await?;
                Ok(())
            }

            async fn credentials_by_email(
                &self,
                email: &str,
            ) -> $crate::error::Result<Option<$crate::store::Credentials>> {
                let row: Option<(i64, String)> =
                    sqlx::QueryBuilder::<$db>::new(["SELECT id, password_hash FROM users WHERE ", Self::EMAIL_IS].concat())
                        .push_bind(email)
                        .build_query_as()
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(id, password_hash)| $crate::store::Credentials {
                    user_id: UserId(id),
                    password_hash,
                }))
            }

            async fn home_account(
                &self,
                user: UserId,
            ) -> $crate::error::Result<Option<$crate::store::HomeAccount>> {
                let row: Option<(i64, bool)> = sqlx::QueryBuilder::<$db>::new(
                    "SELECT a.id, a.store_geolocation FROM memberships m
                     JOIN accounts a ON a.id = m.account_id WHERE m.user_id = ",
                )
                .push_bind(user.0)
                .push(" ORDER BY a.id LIMIT 1")
                .build_query_as()
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(id, store_geolocation)| $crate::store::HomeAccount {
                    account_id: AccountId(id),
                    store_geolocation,
                }))
            }

            async fn account_settings(
                &self,
                account: AccountId,
            ) -> $crate::error::Result<Option<$crate::store::HomeAccount>> {
                let row: Option<(i64, bool)> = sqlx::QueryBuilder::<$db>::new(
                    "SELECT id, store_geolocation FROM accounts WHERE id = ",
                )
                .push_bind(account.0)
                .build_query_as()
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(id, store_geolocation)| $crate::store::HomeAccount {
                    account_id: AccountId(id),
                    store_geolocation,
                }))
            }

            async fn application_by_name(
                &self,
                name: &str,
            ) -> $crate::error::Result<Option<ApplicationId>> {
                let id: Option<(i64,)> =
                    sqlx::QueryBuilder::<$db>::new("SELECT id FROM applications WHERE name = ")
                        .push_bind(name)
                        .build_query_as()
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(id.map(|(id,)| ApplicationId(id)))
            }

            async fn principal(
                &self,
                user: UserId,
            ) -> $crate::error::Result<Option<$crate::access::Principal>> {
                let flags: Option<(bool, bool)> = sqlx::QueryBuilder::<$db>::new(
                    "SELECT is_platform_admin, is_sales_rep FROM users WHERE id = ",
                )
                .push_bind(user.0)
                .build_query_as()
                .fetch_optional(&self.pool)
                .await?;
                let Some((is_platform_admin, is_sales_rep)) = flags else {
                    return Ok(None);
                };
                let memberships: Vec<(i64, String)> = sqlx::QueryBuilder::<$db>::new(
                    "SELECT account_id, role FROM memberships WHERE user_id = ",
                )
                .push_bind(user.0)
                .build_query_as()
                .fetch_all(&self.pool)
                .await?;
                Ok(Some($crate::access::Principal {
                    user_id: user,
                    is_platform_admin,
                    is_sales_rep,
                    memberships: memberships
                        .into_iter()
                        .filter_map(|(account, role)| Some((AccountId(account), Role::parse(&role)?)))
                        .collect(),
                }))
            }

            async fn viewer(
                &self,
                user: UserId,
                account: AccountId,
            ) -> $crate::error::Result<Option<$crate::model::Viewer>> {
                let row: Option<(String, String, bool, bool, String)> = sqlx::QueryBuilder::<$db>::new(
                    "SELECT u.name, u.email, u.is_platform_admin, u.is_sales_rep, a.name
                     FROM users u, accounts a WHERE u.id = ",
                )
                .push_bind(user.0)
                .push(" AND a.id = ")
                .push_bind(account.0)
                .build_query_as()
                .fetch_optional(&self.pool)
                .await?;
                let Some((name, email, is_platform_admin, is_sales_rep, account_name)) = row else {
                    return Ok(None);
                };
                let memberships: Vec<(i64, String, String)> = sqlx::QueryBuilder::<$db>::new(
                    "SELECT m.account_id, a.name, m.role FROM memberships m
                     JOIN accounts a ON a.id = m.account_id WHERE m.user_id = ",
                )
                .push_bind(user.0)
                .push(" ORDER BY a.id")
                .build_query_as()
                .fetch_all(&self.pool)
                .await?;
                Ok(Some($crate::model::Viewer {
                    user_id: user,
                    name,
                    email,
                    account_id: account,
                    account_name,
                    memberships: memberships
                        .into_iter()
                        .filter_map(|(id, account_name, role)| {
                            Some($crate::model::Membership {
                                account_id: AccountId(id),
                                account_name,
                                role: Role::parse(&role)?,
                            })
                        })
                        .collect(),
                    is_platform_admin,
                    is_sales_rep,
                    impersonator: None,
                }))
            }

            async fn user_name(&self, user: UserId) -> $crate::error::Result<Option<String>> {
                let row: Option<(String,)> =
                    sqlx::QueryBuilder::<$db>::new("SELECT name FROM users WHERE id = ")
                        .push_bind(user.0)
                        .build_query_as()
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(name,)| name))
            }

            async fn set_store_geolocation(
                &self,
                account: AccountId,
                on: bool,
            ) -> $crate::error::Result<bool> {
                let done = sqlx::QueryBuilder::<$db>::new("UPDATE accounts SET store_geolocation = ")
                    .push_bind(on)
                    .push(" WHERE id = ")
                    .push_bind(account.0)
                    .build()
                    .execute(self.writer())
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_session(
                &self,
                session: $crate::store::NewSession<'_>,
            ) -> $crate::error::Result<SessionId> {
                let mut connection = self.writer().acquire().await?;
                Self::insert_session_row(&mut connection, session).await
            }

            async fn open_session(
                &self,
                session: $crate::store::NewSession<'_>,
                mut sign_in: $crate::store::NewLoginRecord<'_>,
            ) -> $crate::error::Result<SessionId> {
                // One transaction, one commit: a sign-in is one write, not two.
                let mut tx = self.writer().begin().await?;
                let id = Self::insert_session_row(&mut tx, session).await?;
                sign_in.session_id = Some(id);
                Self::insert_login_row(&mut tx, sign_in).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn live_session_by_token(
                &self,
                token: &$crate::token::TokenHash,
                now: Timestamp,
            ) -> $crate::error::Result<Option<$crate::store::LiveSession>> {
                let row: Option<$crate::store::columns::LiveSessionRow> = sqlx::QueryBuilder::<$db>::new(
                    "SELECT id, user_id, account_id, application_id, created_at, last_active_at,
                        expires_at, acting_user_id, acting_account_id, impersonation_id
                     FROM sessions WHERE token_hash = ",
                )
                .push_bind(token.as_bytes().to_vec())
                .push(" AND revoked_at IS NULL AND expires_at > ")
                .push_bind(now.0)
                .build_query_as()
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn live_session_owner(
                &self,
                id: SessionId,
                now: Timestamp,
            ) -> $crate::error::Result<Option<$crate::access::SessionOwner>> {
                let row: Option<(i64, i64)> = sqlx::QueryBuilder::<$db>::new(
                    "SELECT user_id, account_id FROM sessions WHERE id = ",
                )
                .push_bind(id.0)
                .push(" AND revoked_at IS NULL AND expires_at > ")
                .push_bind(now.0)
                .build_query_as()
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(user, account)| $crate::access::SessionOwner {
                    user_id: UserId(user),
                    account_id: AccountId(account),
                }))
            }

            async fn touch_session(
                &self,
                id: SessionId,
                now: Timestamp,
                expires_at: Timestamp,
            ) -> $crate::error::Result<()> {
                sqlx::QueryBuilder::<$db>::new("UPDATE sessions SET last_active_at = ")
                    .push_bind(now.0)
                    .push(", expires_at = ")
                    .push_bind(expires_at.0)
                    .push(" WHERE id = ")
                    .push_bind(id.0)
                    .push(" AND revoked_at IS NULL AND last_active_at < ")
                    .push_bind(now.0)
                    .build()
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            async fn list_live_sessions(
                &self,
                scope: $crate::access::Scope,
                query: &$crate::store::SessionQuery,
                now: Timestamp,
                page: $crate::model::PageRequest,
            ) -> $crate::error::Result<$crate::model::Page<$crate::model::SessionView>> {
                use $crate::store::columns::SessionRow;
                let to_page = |rows: Vec<SessionRow>| {
                    let sessions = rows.into_iter().map($crate::model::SessionView::from).collect();
                    $crate::store::into_page(sessions, page.limit, |s: &$crate::model::SessionView| {
                        $crate::model::Cursor { at: s.created_at, id: s.id.0 }
                    })
                };
                if let Some(term) = &query.search {
                    // A common term ("chrome", "berlin") matches among the newest sessions at
                    // once, but through the text index it means sorting every match. So look
                    // among the next few thousand sessions in list order first: if a full page
                    // matches there, it is exactly the page. Rare terms fall through to the
                    // text index, which finds their few matches directly.
                    let mut sql = sqlx::QueryBuilder::<$db>::new("SELECT ");
                    sql.push($crate::store::columns::SESSION_COLUMNS);
                    Self::push_recent_window(&mut sql, "*", scope, query, now, page.after, $crate::store::SEARCH_WINDOW);
                    sql.push($crate::store::columns::SESSION_JOINS)
                        .push(" WHERE s.search_text LIKE ")
                        .push_bind($crate::store::like_pattern(term))
                        .push(" ESCAPE '\\'");
                    let (_, direction) = Self::order(query.oldest_first);
                    sql.push(format!(" ORDER BY s.created_at {direction}, s.id {direction} LIMIT "))
                        .push_bind(i64::from(page.limit) + 1);
                    let rows: Vec<SessionRow> = sql.build_query_as().fetch_all(&self.pool).await?;
                    if rows.len() > page.limit as usize {
                        return Ok(to_page(rows));
                    }
                }
                let mut sql = Self::list_sessions_sql("", scope, query, now, Some(page));
                let rows: Vec<SessionRow> = sql.build_query_as().fetch_all(&self.pool).await?;
                Ok(to_page(rows))
            }

            async fn count_live_sessions(
                &self,
                scope: $crate::access::Scope,
                query: &$crate::store::SessionQuery,
                now: Timestamp,
                cap: u32,
            ) -> $crate::error::Result<u64> {
                if let Some(term) = &query.search {
                    // As for the page: a common term reaches the cap among the newest
                    // sessions; only then is the text index spared.
                    let window = cap.saturating_mul(10);
                    let mut sql = sqlx::QueryBuilder::<$db>::new(
                        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN s.search_text LIKE ",
                    );
                    sql.push_bind($crate::store::like_pattern(term))
                        .push(" ESCAPE '\\' THEN 1 ELSE 0 END), 0)");
                    Self::push_recent_window(&mut sql, "s.search_text", scope, query, now, None, window);
                    let (seen, matched): (i64, i64) = sql.build_query_as().fetch_one(&self.pool).await?;
                    if matched >= i64::from(cap) || seen < i64::from(window) {
                        return Ok(u64::try_from(matched.min(i64::from(cap))).unwrap_or(0));
                    }
                }
                // Counting stops at `cap`: past that the number is "many", and counting on
                // would make the request proportional to the table.
                let mut sql = Self::list_sessions_sql("SELECT COUNT(*) FROM (", scope, query, now, None);
                sql.push(" LIMIT ").push_bind(i64::from(cap)).push(") AS capped");
                let (count,): (i64,) = sql.build_query_as().fetch_one(&self.pool).await?;
                Ok(u64::try_from(count).unwrap_or(0))
            }

            async fn list_customers(
                &self,
                search: &str,
                limit: u32,
            ) -> $crate::error::Result<Vec<$crate::model::CustomerUser>> {
                let mut sql = sqlx::QueryBuilder::<$db>::new(
                    "SELECT u.id, u.name, u.email, a.id, a.name FROM users u
                     JOIN memberships m ON m.user_id = u.id
                     JOIN accounts a ON a.id = m.account_id
                     WHERE u.is_sales_rep = ",
                );
                sql.push_bind(false)
                    .push(" AND u.is_platform_admin = ")
                    .push_bind(false)
                    .push(" AND (lower(u.name) LIKE ")
                    .push_bind($crate::store::like_pattern(&search.to_lowercase()))
                    .push(" ESCAPE '\\' OR u.email LIKE ")
                    .push_bind($crate::store::like_pattern(&search.to_lowercase()))
                    .push(" ESCAPE '\\') ORDER BY u.name, a.name LIMIT ")
                    .push_bind(i64::from(limit));
                let rows: Vec<(i64, String, String, i64, String)> =
                    sql.build_query_as().fetch_all(&self.pool).await?;
                Ok(rows
                    .into_iter()
                    .map(|(user, name, email, account, account_name)| $crate::model::CustomerUser {
                        user_id: UserId(user),
                        name,
                        email,
                        account_id: AccountId(account),
                        account_name,
                    })
                    .collect())
            }

            async fn list_members(
                &self,
                account: AccountId,
            ) -> $crate::error::Result<Vec<(UserId, String)>> {
                let rows: Vec<(i64, String)> = sqlx::QueryBuilder::<$db>::new(
                    "SELECT u.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id
                     WHERE m.account_id = ",
                )
                .push_bind(account.0)
                .push(" ORDER BY u.name LIMIT 1000")
                .build_query_as()
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(id, name)| (UserId(id), name)).collect())
            }

            async fn list_applications(&self) -> $crate::error::Result<Vec<(ApplicationId, String)>> {
                let rows: Vec<(i64, String)> =
                    sqlx::QueryBuilder::<$db>::new("SELECT id, name FROM applications ORDER BY id LIMIT 1000")
                        .build_query_as()
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(|(id, name)| (ApplicationId(id), name)).collect())
            }

            async fn revoke_session(
                &self,
                id: SessionId,
                scope: $crate::access::Scope,
                now: Timestamp,
            ) -> $crate::error::Result<Option<$crate::token::TokenHash>> {
                let mut tx = self.writer().begin().await?;
                let mut sql = sqlx::QueryBuilder::<$db>::new("UPDATE sessions AS s SET revoked_at = ");
                sql.push_bind(now.0)
                    .push(" WHERE s.id = ")
                    .push_bind(id.0)
                    .push(" AND s.revoked_at IS NULL AND s.expires_at > ")
                    .push_bind(now.0);
                Self::push_scope(&mut sql, "s", scope);
                sql.push(" RETURNING token_hash");
                let revoked = super::token_hashes(sql.build_query_as().fetch_all(&mut *tx).await?);
                if !revoked.is_empty() {
                    // An impersonation ends with the session that was doing it.
                    sqlx::QueryBuilder::<$db>::new("UPDATE impersonations SET ended_at = ")
                        .push_bind(now.0)
                        .push(" WHERE ended_at IS NULL AND session_id = ")
                        .push_bind(id.0)
                        .build()
                        .execute(&mut *tx)
                        .await?;
                }
                Self::announce(&mut *tx, &revoked).await?;
                tx.commit().await?;
                Ok(revoked.first().copied())
            }

            async fn revoke_all_except(
                &self,
                user: UserId,
                keep: SessionId,
                now: Timestamp,
            ) -> $crate::error::Result<Vec<$crate::token::TokenHash>> {
                let mut tx = self.writer().begin().await?;
                let rows = sqlx::QueryBuilder::<$db>::new("UPDATE sessions SET revoked_at = ")
                    .push_bind(now.0)
                    .push(" WHERE user_id = ")
                    .push_bind(user.0)
                    .push(" AND id <> ")
                    .push_bind(keep.0)
                    .push(" AND revoked_at IS NULL AND expires_at > ")
                    .push_bind(now.0)
                    .push(" RETURNING token_hash")
                    .build_query_as()
                    .fetch_all(&mut *tx)
                    .await?;
                let revoked = super::token_hashes(rows);
                sqlx::QueryBuilder::<$db>::new("UPDATE impersonations SET ended_at = ")
                    .push_bind(now.0)
                    .push(" WHERE ended_at IS NULL AND impersonator_id = ")
                    .push_bind(user.0)
                    .push(" AND session_id <> ")
                    .push_bind(keep.0)
                    .build()
                    .execute(&mut *tx)
                    .await?;
                Self::announce(&mut *tx, &revoked).await?;
                tx.commit().await?;
                Ok(revoked)
            }

            async fn revoke_user_sessions(
                &self,
                user: UserId,
                scope: $crate::access::Scope,
                keep: Option<SessionId>,
                now: Timestamp,
            ) -> $crate::error::Result<Vec<$crate::token::TokenHash>> {
                let mut tx = self.writer().begin().await?;
                let mut sql = sqlx::QueryBuilder::<$db>::new("UPDATE sessions AS s SET revoked_at = ");
                sql.push_bind(now.0)
                    .push(" WHERE s.user_id = ")
                    .push_bind(user.0)
                    .push(" AND s.revoked_at IS NULL AND s.expires_at > ")
                    .push_bind(now.0);
                if let Some(keep) = keep {
                    sql.push(" AND s.id <> ").push_bind(keep.0);
                }
                Self::push_scope(&mut sql, "s", scope);
                sql.push(" RETURNING token_hash");
                let revoked = super::token_hashes(sql.build_query_as().fetch_all(&mut *tx).await?);
                sqlx::QueryBuilder::<$db>::new("UPDATE impersonations SET ended_at = ")
                    .push_bind(now.0)
                    .push(" WHERE ended_at IS NULL AND session_id IN (SELECT id FROM sessions WHERE revoked_at = ")
                    .push_bind(now.0)
                    .push(" AND user_id = ")
                    .push_bind(user.0)
                    .push(")")
                    .build()
                    .execute(&mut *tx)
                    .await?;
                Self::announce(&mut *tx, &revoked).await?;
                tx.commit().await?;
                Ok(revoked)
            }

            async fn purge_sessions(&self, before: Timestamp) -> $crate::error::Result<u64> {
                // In batches, so a large purge never holds the write lock for long.
                let mut total = 0;
                loop {
                    let deleted = sqlx::QueryBuilder::<$db>::new(
                        "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < ",
                    )
                    .push_bind(before.0)
                    .push(" OR revoked_at < ")
                    .push_bind(before.0)
                    .push(" LIMIT 5000)")
                    .build()
                    .execute(self.writer())
                    .await?
                    .rows_affected();
                    total += deleted;
                    if deleted < 5000 {
                        return Ok(total);
                    }
                }
            }

            async fn start_impersonation(
                &self,
                session: SessionId,
                impersonator: UserId,
                target_user: UserId,
                target_account: AccountId,
                now: Timestamp,
            ) -> $crate::error::Result<($crate::model::ImpersonationId, $crate::token::TokenHash)> {
                let mut tx = self.writer().begin().await?;
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO impersonations (impersonator_id, session_id, target_user_id,
                        target_account_id, started_at) ",
                );
                insert.push_values([()], |mut row, ()| {
                    row.push_bind(impersonator.0)
                        .push_bind(session.0)
                        .push_bind(target_user.0)
                        .push_bind(target_account.0)
                        .push_bind(now.0);
                });
                insert.push(" RETURNING id");
                let (id,): (i64,) = insert.build_query_as().fetch_one(&mut *tx).await?;
                let rows = sqlx::QueryBuilder::<$db>::new("UPDATE sessions SET acting_user_id = ")
                    .push_bind(target_user.0)
                    .push(", acting_account_id = ")
                    .push_bind(target_account.0)
                    .push(", impersonation_id = ")
                    .push_bind(id)
                    .push(" WHERE id = ")
                    .push_bind(session.0)
                    .push(" AND user_id = ")
                    .push_bind(impersonator.0)
                    .push(" AND revoked_at IS NULL AND acting_user_id IS NULL RETURNING token_hash")
                    .build_query_as()
                    .fetch_all(&mut *tx)
                    .await?;
                let changed = super::token_hashes(rows);
                let Some(&token_hash) = changed.first() else {
                    tx.rollback().await?;
                    return Err($crate::error::Error::AlreadyImpersonating);
                };
                Self::announce(&mut *tx, &changed).await?;
                tx.commit().await?;
                Ok(($crate::model::ImpersonationId(id), token_hash))
            }

            async fn end_impersonation(
                &self,
                session: SessionId,
                now: Timestamp,
            ) -> $crate::error::Result<Option<$crate::token::TokenHash>> {
                let mut tx = self.writer().begin().await?;
                sqlx::QueryBuilder::<$db>::new("UPDATE impersonations SET ended_at = ")
                    .push_bind(now.0)
                    .push(" WHERE ended_at IS NULL AND id = (SELECT impersonation_id FROM sessions WHERE id = ")
                    .push_bind(session.0)
                    .push(")")
                    .build()
                    .execute(&mut *tx)
                    .await?;
                let rows = sqlx::QueryBuilder::<$db>::new(
                    "UPDATE sessions SET acting_user_id = NULL, acting_account_id = NULL,
                        impersonation_id = NULL WHERE acting_user_id IS NOT NULL AND id = ",
                )
                .push_bind(session.0)
                .push(" RETURNING token_hash")
                .build_query_as()
                .fetch_all(&mut *tx)
                .await?;
                let changed = super::token_hashes(rows);
                Self::announce(&mut *tx, &changed).await?;
                tx.commit().await?;
                Ok(changed.first().copied())
            }

            async fn list_impersonations(
                &self,
                page: $crate::model::PageRequest,
            ) -> $crate::error::Result<$crate::model::Page<$crate::model::ImpersonationView>> {
                use $crate::store::columns::{IMPERSONATION_COLUMNS, IMPERSONATION_JOINS, ImpersonationRow};
                let mut sql = sqlx::QueryBuilder::<$db>::new("SELECT ");
                sql.push(IMPERSONATION_COLUMNS)
                    .push(" FROM impersonations i")
                    .push(IMPERSONATION_JOINS)
                    .push(" WHERE 1 = 1");
                Self::push_page(&mut sql, "i.started_at", "i.id", page, false);
                let rows: Vec<ImpersonationRow> = sql.build_query_as().fetch_all(&self.pool).await?;
                let items = rows.into_iter().map($crate::model::ImpersonationView::from).collect();
                Ok($crate::store::into_page(items, page.limit, |i: &$crate::model::ImpersonationView| {
                    $crate::model::Cursor { at: i.started_at, id: i.id.0 }
                }))
            }

            async fn insert_login_record(
                &self,
                record: $crate::store::NewLoginRecord<'_>,
            ) -> $crate::error::Result<()> {
                let mut connection = self.writer().acquire().await?;
                Self::insert_login_row(&mut connection, record).await
            }

            async fn list_login_records(
                &self,
                scope: $crate::access::Scope,
                filter: &$crate::model::LoginRecordFilter,
                page: $crate::model::PageRequest,
            ) -> $crate::error::Result<$crate::model::Page<$crate::model::LoginRecordView>> {
                use $crate::store::columns::{LOGIN_RECORD_COLUMNS, LOGIN_RECORD_JOINS, LoginRecordRow};
                let mut sql = sqlx::QueryBuilder::<$db>::new("SELECT ");
                sql.push(LOGIN_RECORD_COLUMNS)
                    .push(" FROM login_records r")
                    .push(LOGIN_RECORD_JOINS)
                    .push(" WHERE 1 = 1");
                Self::push_scope(&mut sql, "r", scope);
                if let Some(from) = filter.from {
                    sql.push(" AND r.at >= ").push_bind(from.0);
                }
                if let Some(until) = filter.until {
                    sql.push(" AND r.at < ").push_bind(until.0);
                }
                if let Some(outcome) = filter.outcome {
                    sql.push(" AND r.outcome = ").push_bind(outcome.as_str());
                }
                if let Some(user) = filter.user {
                    sql.push(" AND r.user_id = ").push_bind(user.0);
                }
                Self::push_page(&mut sql, "r.at", "r.id", page, false);
                let rows: Vec<LoginRecordRow> = sql.build_query_as().fetch_all(&self.pool).await?;
                let items = rows.into_iter().map($crate::model::LoginRecordView::from).collect();
                Ok($crate::store::into_page(items, page.limit, |r: &$crate::model::LoginRecordView| {
                    $crate::model::Cursor { at: r.at, id: r.id.0 }
                }))
            }

            async fn insert_api_key(
                &self,
                application: ApplicationId,
                key_hash: &$crate::token::TokenHash,
                is_admin: bool,
                label: &str,
                now: Timestamp,
            ) -> $crate::error::Result<$crate::model::ApiKeyId> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO api_keys (application_id, key_hash, is_admin, label, created_at) ",
                );
                query.push_values([()], |mut row, ()| {
                    row.push_bind(application.0)
                        .push_bind(key_hash.as_bytes().to_vec())
                        .push_bind(is_admin)
                        .push_bind(label)
                        .push_bind(now.0);
                });
                query.push(" RETURNING id");
                let (id,): (i64,) = query.build_query_as().fetch_one(self.writer()).await?;
                Ok($crate::model::ApiKeyId(id))
            }

            async fn api_key_by_hash(
                &self,
                key_hash: &$crate::token::TokenHash,
            ) -> $crate::error::Result<Option<$crate::store::ApiKeyRecord>> {
                let row: Option<(i64, i64, bool)> = sqlx::QueryBuilder::<$db>::new(
                    "SELECT id, application_id, is_admin FROM api_keys WHERE revoked_at IS NULL AND key_hash = ",
                )
                .push_bind(key_hash.as_bytes().to_vec())
                .build_query_as()
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(id, application, is_admin)| $crate::store::ApiKeyRecord {
                    id: $crate::model::ApiKeyId(id),
                    application_id: ApplicationId(application),
                    is_admin,
                }))
            }

            async fn revoke_api_key(
                &self,
                id: $crate::model::ApiKeyId,
                now: Timestamp,
            ) -> $crate::error::Result<Option<$crate::token::TokenHash>> {
                let mut tx = self.writer().begin().await?;
                let rows = sqlx::QueryBuilder::<$db>::new("UPDATE api_keys SET revoked_at = ")
                    .push_bind(now.0)
                    .push(" WHERE revoked_at IS NULL AND id = ")
                    .push_bind(id.0)
                    .push(" RETURNING key_hash")
                    .build_query_as()
                    .fetch_all(&mut *tx)
                    .await?;
                let revoked = super::token_hashes(rows);
                Self::announce(&mut *tx, &revoked).await?;
                tx.commit().await?;
                Ok(revoked.first().copied())
            }

            async fn list_api_keys(&self) -> $crate::error::Result<Vec<$crate::model::ApiKeyView>> {
                let rows: Vec<(i64, String, String, bool, i64, Option<i64>)> = sqlx::QueryBuilder::<$db>::new(
                    "SELECT k.id, a.name, k.label, k.is_admin, k.created_at, k.revoked_at
                     FROM api_keys k JOIN applications a ON a.id = k.application_id
                     ORDER BY k.id DESC LIMIT 1000",
                )
                .build_query_as()
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, application, label, is_admin, created_at, revoked_at)| $crate::model::ApiKeyView {
                        id: $crate::model::ApiKeyId(id),
                        application,
                        label,
                        is_admin,
                        created_at: Timestamp(created_at),
                        revoked_at: revoked_at.map(Timestamp),
                    })
                    .collect())
            }

            async fn seed_bulk(
                &self,
                plan: &$crate::store::BulkPlan<'_>,
            ) -> $crate::error::Result<()> {
                if !self.is_empty().await? {
                    return Err($crate::error::Error::InvalidInput(
                        "bulk seeding needs an empty database",
                    ));
                }
                let mut tx = self.writer().begin().await?;
                let most = plan.sessions.max(plan.users).max(plan.accounts);
                // A number series 1..=most, written the same way for both databases.
                let series = |sql: &mut sqlx::QueryBuilder<'_, $db>| {
                    sql.push("WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ")
                        .push_bind(i64::from(most))
                        .push(") ");
                };
                for application in ["Web", "iOS app", "Android app", "Partner API"] {
                    sqlx::QueryBuilder::<$db>::new("INSERT INTO applications (name, created_at) VALUES (")
                        .push_bind(application)
                        .push(", ")
                        .push_bind(plan.now.0)
                        .push(")")
                        .build()
                        .execute(&mut *tx)
                        .await?;
                }
                let mut sql = sqlx::QueryBuilder::<$db>::new("");
                series(&mut sql);
                sql.push("INSERT INTO accounts (name, store_geolocation, created_at) SELECT 'Account ' || n, ")
                    .push_bind(true)
                    .push(", ")
                    .push_bind(plan.now.0)
                    .push(" FROM g WHERE n <= ")
                    .push_bind(i64::from(plan.accounts))
                    .push(" ORDER BY n");
                sql.build().execute(&mut *tx).await?;
                let mut sql = sqlx::QueryBuilder::<$db>::new("");
                series(&mut sql);
                sql.push("INSERT INTO users (email, name, password_hash, created_at) SELECT 'user' || n || '@account' || ((n - 1) % ")
                    .push_bind(i64::from(plan.accounts))
                    .push(" + 1) || '.example', 'User ' || n, ")
                    .push_bind(plan.password_hash)
                    .push(", ")
                    .push_bind(plan.now.0)
                    .push(" FROM g WHERE n <= ")
                    .push_bind(i64::from(plan.users))
                    .push(" ORDER BY n");
                sql.build().execute(&mut *tx).await?;
                let mut sql = sqlx::QueryBuilder::<$db>::new("");
                series(&mut sql);
                sql.push("INSERT INTO memberships (user_id, account_id, role) SELECT n, (n - 1) % ")
                    .push_bind(i64::from(plan.accounts))
                    .push(" + 1, CASE WHEN n <= ")
                    .push_bind(i64::from(plan.accounts))
                    .push(" THEN 'owner' ELSE 'employee' END FROM g WHERE n <= ")
                    .push_bind(i64::from(plan.users));
                sql.build().execute(&mut *tx).await?;

                let set_aside = Self::before_bulk_sessions(&mut *tx).await?;
                let spread = i64::try_from(plan.spread.as_millis()).unwrap_or(i64::MAX).max(1);
                let mut sql = sqlx::QueryBuilder::<$db>::new("");
                series(&mut sql);
                sql.push(
                    ", d(k, kind, model, os, os_version, browser, browser_version, user_agent) AS (VALUES
                        (0, 'desktop', NULL, 'Windows', '10', 'Chrome', '131.0.0', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'),
                        (1, 'desktop', NULL, 'Mac OS X', '14.6', 'Safari', '17.6', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15'),
                        (2, 'phone', 'iPhone', 'iOS', '17.6.1', 'Mobile Safari', '17.6', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1'),
                        (3, 'phone', 'Pixel 8', 'Android', '14', 'Chrome Mobile', '131.0.0', 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36'),
                        (4, 'desktop', NULL, 'Ubuntu', NULL, 'Firefox', '133.0', 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'),
                        (5, 'tablet', 'iPad', 'iOS', '17.6', 'Mobile Safari', '17.6', 'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1')),
                     l(k, kind, city, region, country_code, country_name, ip) AS (VALUES
                        (0, 'known', 'Berlin', 'Land Berlin', 'DE', 'Germany', '2.160.'),
                        (1, 'known', 'Amsterdam', 'North Holland', 'NL', 'Netherlands', '77.60.'),
                        (2, 'known', 'London', 'England', 'GB', 'United Kingdom', '81.2.'),
                        (3, 'known', 'Paris', 'Ile-de-France', 'FR', 'France', '90.84.'),
                        (4, 'known', 'New York', 'New York', 'US', 'United States', '74.125.'),
                        (5, 'known', 'Tokyo', 'Tokyo', 'JP', 'Japan', '126.0.'),
                        (6, 'local', NULL, NULL, NULL, NULL, '192.168.'),
                        (7, 'unknown', NULL, NULL, NULL, NULL, '203.0.')),
                     s(n, u, a, app, created) AS (SELECT n, (n - 1) % ",
                )
                .push_bind(i64::from(plan.users))
                .push(" + 1, ((n - 1) % ")
                .push_bind(i64::from(plan.users))
                .push(") % ")
                .push_bind(i64::from(plan.accounts))
                .push(" + 1, (n / 7) % 4 + 1, ")
                .push_bind(plan.now.0)
                .push(" - (CAST(n AS BIGINT) * 7919) % ")
                .push_bind(spread)
                .push(" FROM g WHERE n <= ")
                .push_bind(i64::from(plan.sessions))
                .push(
                    ")
                    INSERT INTO sessions (token_hash, user_id, account_id, application_id, ip,
                        user_agent, device_kind, device_model, os, os_version, browser,
                        browser_version, location_kind, city, region, country_code, country_name,
                        created_at, last_active_at, expires_at, search_text)
                    SELECT ",
                )
                .push(Self::BULK_TOKEN_HASH)
                .push(
                    ", s.u, s.a, s.app, l.ip || (s.n / 256 % 256) || '.' || (s.n % 256),
                        d.user_agent, d.kind, d.model, d.os, d.os_version, d.browser,
                        d.browser_version, l.kind, l.city, l.region, l.country_code,
                        l.country_name, s.created, s.created, s.created + ",
                )
                .push_bind(spread.saturating_mul(3))
                .push(
                    ", lower('User ' || s.u || ' user' || s.u || '@account' || s.a || '.example '
                        || d.os || ' ' || d.browser || ' ' || COALESCE(l.city, '') || ' '
                        || COALESCE(l.country_name, '') || ' ' || l.ip || (s.n / 256 % 256) || '.' || (s.n % 256))
                    FROM s JOIN d ON d.k = s.n % 6 JOIN l ON l.k = (s.n / 5) % 8",
                );
                sql.build().execute(&mut *tx).await?;
                Self::after_bulk_sessions(&mut *tx, set_aside).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn is_empty(&self) -> $crate::error::Result<bool> {
                let row: Option<(i64,)> =
                    sqlx::QueryBuilder::<$db>::new("SELECT id FROM users LIMIT 1")
                        .build_query_as()
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.is_none())
            }

            async fn insert_account(
                &self,
                name: &str,
                store_geolocation: bool,
                now: Timestamp,
            ) -> $crate::error::Result<AccountId> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO accounts (name, store_geolocation, created_at) ",
                );
                query.push_values([()], |mut row, ()| {
                    row.push_bind(name).push_bind(store_geolocation).push_bind(now.0);
                });
                query.push(" RETURNING id");
                let (id,): (i64,) = query.build_query_as().fetch_one(self.writer()).await?;
                Ok(AccountId(id))
            }

            async fn insert_user(
                &self,
                user: $crate::store::NewUser<'_>,
                now: Timestamp,
            ) -> $crate::error::Result<UserId> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO users (email, name, password_hash, is_platform_admin,
                        is_sales_rep, created_at) ",
                );
                let email = user.email.trim().to_lowercase();
                query.push_values([()], |mut row, ()| {
                    row.push_bind(email.clone())
                        .push_bind(user.name)
                        .push_bind(user.password_hash)
                        .push_bind(user.is_platform_admin)
                        .push_bind(user.is_sales_rep)
                        .push_bind(now.0);
                });
                query.push(" RETURNING id");
                let (id,): (i64,) = query.build_query_as().fetch_one(self.writer()).await?;
                Ok(UserId(id))
            }

            async fn insert_membership(
                &self,
                user: UserId,
                account: AccountId,
                role: Role,
            ) -> $crate::error::Result<()> {
                let mut query =
                    sqlx::QueryBuilder::<$db>::new("INSERT INTO memberships (user_id, account_id, role) ");
                query.push_values([()], |mut row, ()| {
                    row.push_bind(user.0).push_bind(account.0).push_bind(role.as_str());
                });
                query.build().execute(self.writer()).await?;
                Ok(())
            }

            async fn insert_application(
                &self,
                name: &str,
                now: Timestamp,
            ) -> $crate::error::Result<ApplicationId> {
                let mut query =
                    sqlx::QueryBuilder::<$db>::new("INSERT INTO applications (name, created_at) ");
                query.push_values([()], |mut row, ()| {
                    row.push_bind(name).push_bind(now.0);
                });
                query.push(" RETURNING id");
                let (id,): (i64,) = query.build_query_as().fetch_one(self.writer()).await?;
                Ok(ApplicationId(id))
            }
        }

        impl $store {
            async fn insert_session_row(
                connection: &mut <$db as sqlx::Database>::Connection,
                session: $crate::store::NewSession<'_>,
            ) -> $crate::error::Result<SessionId> {
                let observation = session.observation;
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO sessions (token_hash, user_id, account_id, application_id, ip,
                        user_agent, device_kind, device_model, os, os_version, browser,
                        browser_version, location_kind, city, region, country_code, country_name,
                        created_at, last_active_at, expires_at, search_text) ",
                );
                query.push_values([()], |mut row, ()| {
                    row.push_bind(session.token_hash.as_bytes().to_vec())
                        .push_bind(session.user_id.0)
                        .push_bind(session.account_id.0)
                        .push_bind(session.application_id.0);
                    Self::push_observation(&mut row, observation);
                    row.push_bind(session.created_at.0)
                        .push_bind(session.last_active_at.0)
                        .push_bind(session.expires_at.0)
                        .push_bind(session.search_text);
                });
                query.push(" RETURNING id");
                let (id,): (i64,) = query.build_query_as().fetch_one(&mut *connection).await?;
                Ok(SessionId(id))
            }

            async fn insert_login_row(
                connection: &mut <$db as sqlx::Database>::Connection,
                record: $crate::store::NewLoginRecord<'_>,
            ) -> $crate::error::Result<()> {
                let observation = record.observation;
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO login_records (at, user_id, account_id, email, application_id, ip,
                        user_agent, device_kind, device_model, os, os_version, browser,
                        browser_version, location_kind, city, region, country_code, country_name,
                        outcome, session_id) ",
                );
                query.push_values([()], |mut row, ()| {
                    row.push_bind(record.at.0)
                        .push_bind(record.user_id.map(|id| id.0))
                        .push_bind(record.account_id.map(|id| id.0))
                        .push_bind(record.email)
                        .push_bind(record.application_id.0);
                    Self::push_observation(&mut row, observation);
                    row.push_bind(record.outcome.as_str())
                        .push_bind(record.session_id.map(|id| id.0));
                });
                query.build().execute(&mut *connection).await?;
                Ok(())
            }

            /// Binds where a device came from and what it is, for the columns `ip, user_agent,
            /// device_kind, device_model, os, os_version, browser, browser_version,
            /// location_kind, city, region, country_code, country_name` that sessions and sign-in
            /// records both have, in that order.
            fn push_observation(
                row: &mut sqlx::query_builder::Separated<'_, '_, $db, &'static str>,
                observation: &$crate::track::Observation,
            ) {
                let device = &observation.device;
                let location = $crate::store::columns::LocationColumns::from(&observation.location);
                let owned = |text: Option<&str>| text.map(str::to_owned);
                row.push_bind(observation.ip.to_string())
                    .push_bind(observation.user_agent.clone())
                    .push_bind(device.kind.as_str())
                    .push_bind(device.model.clone())
                    .push_bind(device.os.clone())
                    .push_bind(device.os_version.clone())
                    .push_bind(device.browser.clone())
                    .push_bind(device.browser_version.clone())
                    .push_bind(location.kind)
                    .push_bind(owned(location.city))
                    .push_bind(owned(location.region))
                    .push_bind(owned(location.country_code))
                    .push_bind(owned(location.country_name));
            }

            /// `AND <table>.user_id = …` or `AND <table>.account_id = …`: the bound every list
            /// and termination carries.
            fn push_scope(sql: &mut sqlx::QueryBuilder<'_, $db>, table: &str, scope: $crate::access::Scope) {
                match scope {
                    $crate::access::Scope::User(user) => {
                        sql.push(format!(" AND {table}.user_id = ")).push_bind(user.0);
                    }
                    $crate::access::Scope::Account(account) => {
                        sql.push(format!(" AND {table}.account_id = ")).push_bind(account.0);
                    }
                    $crate::access::Scope::All => {}
                }
            }

            /// Keyset pagination: rows after the cursor in (time, id) order, one more than the
            /// page so the caller knows whether another follows.
            fn push_page(
                sql: &mut sqlx::QueryBuilder<'_, $db>,
                time: &str,
                id: &str,
                page: $crate::model::PageRequest,
                ascending: bool,
            ) {
                let (comparison, direction) = Self::order(ascending);
                if let Some(after) = page.after {
                    // `(time, id) < (t, i)`, spelled so that SQLite too turns its first half
                    // into a range on the index (it scans for the row-value form).
                    sql.push(format!(" AND {time} {comparison}= "))
                        .push_bind(after.at.0)
                        .push(format!(" AND ({time} {comparison} "))
                        .push_bind(after.at.0)
                        .push(format!(" OR {id} {comparison} "))
                        .push_bind(after.id)
                        .push(")");
                }
                sql.push(format!(" ORDER BY {time} {direction}, {id} {direction} LIMIT "))
                    .push_bind(i64::from(page.limit) + 1);
            }

            /// The sessions list statement after `prefix` (empty, or the dialect's EXPLAIN),
            /// shared by `list_live_sessions` and `explain_list_sessions`.
            fn list_sessions_sql<'q>(
                prefix: &str,
                scope: $crate::access::Scope,
                query: &'q $crate::store::SessionQuery,
                now: Timestamp,
                page: Option<$crate::model::PageRequest>,
            ) -> sqlx::QueryBuilder<'q, $db> {
                use $crate::store::columns::{SESSION_COLUMNS, SESSION_JOINS};
                let mut sql = sqlx::QueryBuilder::<$db>::new(prefix);
                match page {
                    Some(_) => {
                        sql.push("SELECT ")
                            .push(SESSION_COLUMNS)
                            .push(" FROM sessions s")
                            .push(SESSION_JOINS);
                    }
                    // Counting: the joins add nothing, the filters are all on `s`.
                    None => {
                        sql.push("SELECT 1 FROM sessions s");
                    }
                }
                Self::push_live_filters(&mut sql, scope, query, now);
                if let Some(term) = &query.search {
                    Self::push_search(&mut sql, term);
                }
                let Some(page) = page else {
                    return sql;
                };
                Self::push_page(&mut sql, "s.created_at", "s.id", page, query.oldest_first);
                sql
            }

            /// `WHERE` the session is live, in `scope`, and passes the query's filters (but
            /// not its search).
            fn push_live_filters(
                sql: &mut sqlx::QueryBuilder<'_, $db>,
                scope: $crate::access::Scope,
                query: &$crate::store::SessionQuery,
                now: Timestamp,
            ) {
                sql.push(" WHERE s.revoked_at IS NULL AND s.expires_at > ")
                    .push_bind(now.0);
                Self::push_scope(sql, "s", scope);
                if let Some(user) = query.user {
                    sql.push(" AND s.user_id = ").push_bind(user.0);
                }
                if let Some(application) = query.application {
                    // With a person or an account in the query, their index narrows far more
                    // than an application's: the `+` keeps the planner (SQLite's above all,
                    // which has no statistics) off the application index.
                    let narrower = query.user.is_some()
                        || query.account.is_some()
                        || !matches!(scope, $crate::access::Scope::All);
                    sql.push(if narrower { " AND +s.application_id = " } else { " AND s.application_id = " })
                        .push_bind(application.0);
                }
                if let Some(account) = query.account {
                    sql.push(" AND s.account_id = ").push_bind(account.0);
                }
            }

            /// ` FROM (the next `window` live sessions in list order, after `after`) AS s`,
            /// with `columns` of them.
            fn push_recent_window(
                sql: &mut sqlx::QueryBuilder<'_, $db>,
                columns: &str,
                scope: $crate::access::Scope,
                query: &$crate::store::SessionQuery,
                now: Timestamp,
                after: Option<$crate::model::Cursor>,
                window: u32,
            ) {
                sql.push(format!(" FROM (SELECT {columns} FROM sessions s"));
                Self::push_live_filters(sql, scope, query, now);
                let page = $crate::model::PageRequest { after, limit: window.saturating_sub(1) };
                Self::push_page(sql, "s.created_at", "s.id", page, query.oldest_first);
                sql.push(") AS s");
            }

            fn order(ascending: bool) -> (&'static str, &'static str) {
                if ascending { (">", "ASC") } else { ("<", "DESC") }
            }
        }
    };
}

pub(crate) use impl_store;
