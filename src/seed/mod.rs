//! The demo world, created in an empty database when the server is asked to (`--seed-demo
//! true`, as `make run` does), so that trying Sessionboard out has something to show.
//!
//! Every demo person's password is [`DEMO_PASSWORD`], printed in the README, and one of them is
//! a platform admin: never for a server others can reach. A server started without it creates
//! its first admin through the setup link instead (`service/setup.rs`). Sessions go through
//! the same tracking (user-agent parsing, GeoIP, the account's geolocation setting) as a real
//! sign-in.

mod data;

use std::net::IpAddr;
use std::time::Duration;

use self::data::{ACCOUNTS, APPLICATIONS, DemoSession, EXPIRED, HOUR, LIVE, TERMINATED, USERS};
use crate::access::Scope;
use crate::error::Result;
use crate::model::{AccountId, ApplicationId, EndReason, SessionEnd, Timestamp, UserId};
use crate::password::hash_password;
use crate::service::{Operator, search_text};
use crate::store::{NewSession, NewUser};
use crate::token::SessionToken;

pub const DEMO_PASSWORD: &str = "sessionboard";

/// The demo account owner, whom the README and the startup message suggest signing in as.
pub const DEMO_OWNER_EMAIL: &str = "henk@ektek.example";

/// Creates the demo world if the database has no users yet. Returns whether it did.
pub async fn seed_demo_world_if_empty(operator: &Operator, now: Timestamp) -> Result<bool> {
    let store = operator.store();
    if !store.is_empty().await? {
        return Ok(false);
    }
    let mut accounts: Vec<AccountId> = Vec::new();
    for name in ACCOUNTS {
        accounts.push(store.insert_account(name, true, now).await?);
    }
    let mut applications: Vec<ApplicationId> = Vec::new();
    for name in APPLICATIONS {
        // A start without the demo world registered "Web" already (see `service/setup.rs`).
        let application = match store.application_by_name(name).await? {
            Some(application) => application,
            None => store.insert_application(name, now).await?,
        };
        applications.push(application);
    }
    // One argon2 hash shared by all demo users: hashing is deliberately slow.
    let password_hash = tokio::task::spawn_blocking(|| hash_password(DEMO_PASSWORD))
        .await
        .map_err(|error| crate::Error::Internal(format!("hashing: {error}")))??;
    let mut users: Vec<UserId> = Vec::new();
    for demo in &USERS {
        let user = store
            .insert_user(
                NewUser {
                    email: demo.email,
                    name: demo.name,
                    // No password yet: an invited person sets one through a link.
                    password_hash: if demo.has_password {
                        &password_hash
                    } else {
                        ""
                    },
                    is_platform_admin: demo.is_platform_admin,
                    is_sales_rep: demo.is_sales_rep,
                },
                now,
            )
            .await?;
        for (account, role, job_label) in demo.memberships {
            store
                .insert_membership(user, accounts[*account], *role, job_label)
                .await?;
        }
        for account in demo.serves {
            store
                .insert_rep_assignment(user, accounts[*account])
                .await?;
        }
        users.push(user);
    }

    let insert = async |demo: &DemoSession| {
        let created_at = now.minus(demo.age);
        let last_active_at = now.minus(demo.idle);
        let ip: IpAddr = demo.ip.parse().expect("demo IPs are valid");
        let observation = operator.tracker().observe(ip, demo.user_agent, true);
        let person = &USERS[demo.user];
        let search = search_text(person.name, person.email, &observation);
        store
            .insert_session(NewSession {
                token_hash: SessionToken::generate().hash(),
                user_id: users[demo.user],
                account_id: accounts[demo.account],
                application_id: applications[demo.application],
                observation: &observation,
                search_text: &search,
                created_at,
                last_active_at,
                expires_at: operator.policy().expiry(created_at, last_active_at),
                flags: &demo.flags(),
                alert: false,
                forgotten: &[],
            })
            .await
    };
    for demo in LIVE.iter().chain(&EXPIRED) {
        insert(demo).await?;
    }
    let terminated = insert(&TERMINATED).await?;
    store
        .terminate_session(
            terminated,
            Scope::User(users[TERMINATED.user]),
            SessionEnd::by(EndReason::TerminatedByYou, users[TERMINATED.user]),
            now.minus(Duration::from_secs(HOUR)),
        )
        .await?;
    Ok(true)
}
