//! What the cases start from: a small directory written through `DirectoryStore`, one device
//! everybody signs in from, and sessions planted straight into `SessionStore`.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use sessionboard::model::{
    AccountId, ApplicationId, COUNT_CAP, Device, DeviceKind, EndReason, Location, PageRequest,
    Role, SessionEnd, SessionFlags, SessionId, Timestamp, UserId,
};
use sessionboard::store::{NewSession, NewUser, Scope, SessionQuery, Store};
use sessionboard::token::{SessionToken, TokenHash};
use sessionboard::track::Observation;

use crate::common::T0;

pub const MINUTE: Duration = Duration::from_secs(60);
pub const HOUR: Duration = Duration::from_secs(3600);
pub const DAY: Duration = Duration::from_secs(24 * 3600);

/// How long a planted session lives from its creation, unless a case says otherwise.
pub const LIFETIME: Duration = HOUR;

/// Half an hour after `T0`: every session planted at `T0`…`T0 + 29 min` is live now.
pub const NOW: Timestamp = Timestamp::from_millis(T0.as_millis() + 30 * 60_000);

/// Not a real hash: the store keeps it and never looks inside.
pub const PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

/// The device and place every planted session and sign-in comes from.
pub static OBSERVATION: LazyLock<Observation> = LazyLock::new(|| Observation {
    ip: "81.2.69.142".parse().unwrap(),
    user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0".to_owned(),
    device: Arc::new(Device {
        kind: DeviceKind::Desktop,
        model: None,
        os: "Linux".to_owned(),
        os_version: None,
        browser: "Firefox".to_owned(),
        browser_version: Some("131.0".to_owned()),
    }),
    location: Location::Known {
        city: Some("London".to_owned()),
        region: Some("England".to_owned()),
        country_code: Some("GB".to_owned()),
        country_name: Some("United Kingdom".to_owned()),
    },
    coordinates: None,
});

/// Planted sessions stood out from nothing.
pub static NO_FLAGS: SessionFlags = SessionFlags {
    new_device: false,
    new_country: false,
    new_region: false,
    impossible_travel: false,
    why: String::new(),
};

/// Three accounts, two applications and five people.
pub struct People {
    pub acme: AccountId,
    /// Does not store geolocation.
    pub globex: AccountId,
    /// Rita's own account.
    pub sales: AccountId,
    pub web: ApplicationId,
    pub ios: ApplicationId,
    /// "Alice Archer", owner of Acme.
    pub alice: UserId,
    /// "Bob Baker", employee of Acme and owner of Globex (joined Globex first).
    pub bob: UserId,
    /// "Carol Cook", owner of Globex.
    pub carol: UserId,
    /// "Rita Rep", a sales representative, owner of Sales.
    pub rita: UserId,
    /// "Adam Admin", a platform admin, in no account.
    pub adam: UserId,
}

pub async fn people(store: &dyn Store) -> People {
    let acme = store.insert_account("Acme", true, T0).await.unwrap();
    let globex = store.insert_account("Globex", false, T0).await.unwrap();
    let sales = store.insert_account("Sales", true, T0).await.unwrap();
    let web = store.insert_application("Web", T0).await.unwrap();
    let ios = store.insert_application("iOS app", T0).await.unwrap();
    let alice = add_user(
        store,
        customer("alice@acme.example", "Alice Archer"),
        &[(acme, Role::Owner)],
    )
    .await;
    let bob = add_user(
        store,
        customer("bob@acme.example", "Bob Baker"),
        &[(globex, Role::Owner), (acme, Role::Employee)],
    )
    .await;
    let carol = add_user(
        store,
        customer("carol@globex.example", "Carol Cook"),
        &[(globex, Role::Owner)],
    )
    .await;
    let rita = NewUser {
        is_sales_rep: true,
        ..customer("rita@sales.example", "Rita Rep")
    };
    let rita = add_user(store, rita, &[(sales, Role::Owner)]).await;
    let adam = NewUser {
        is_platform_admin: true,
        ..customer("adam@platform.example", "Adam Admin")
    };
    let adam = add_user(store, adam, &[]).await;
    People {
        acme,
        globex,
        sales,
        web,
        ios,
        alice,
        bob,
        carol,
        rita,
        adam,
    }
}

/// A customer user: neither a sales representative nor an admin.
pub fn customer<'a>(email: &'a str, name: &'a str) -> NewUser<'a> {
    NewUser {
        email,
        name,
        password_hash: PASSWORD_HASH,
        is_platform_admin: false,
        is_sales_rep: false,
    }
}

/// Inserts `user` and their memberships, in the order given.
pub async fn add_user(
    store: &dyn Store,
    user: NewUser<'_>,
    memberships: &[(AccountId, Role)],
) -> UserId {
    let id = store.insert_user(user, T0).await.unwrap();
    for &(account, role) in memberships {
        store
            .insert_membership(id, account, role, "")
            .await
            .unwrap();
    }
    id
}

/// A new session of `user` in `account` with a fresh token, created and last active `at`,
/// live for [`LIFETIME`], with no search text.
pub fn session(
    user: UserId,
    account: AccountId,
    application: ApplicationId,
    at: Timestamp,
) -> NewSession<'static> {
    NewSession {
        token_hash: SessionToken::generate().hash(),
        user_id: user,
        account_id: account,
        application_id: application,
        observation: &OBSERVATION,
        search_text: "",
        created_at: at,
        last_active_at: at,
        expires_at: at.plus(LIFETIME),
        flags: &NO_FLAGS,
        alert: false,
        forgotten: &[],
    }
}

/// A session in the store: its id and the hash of its token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Planted {
    pub id: SessionId,
    pub token: TokenHash,
}

pub async fn plant(store: &dyn Store, session: NewSession<'_>) -> Planted {
    let token = session.token_hash;
    let id = store.insert_session(session).await.unwrap();
    Planted { id, token }
}

/// Whether the session is live at `now`, as deciding who may end it sees it.
pub async fn is_live(store: &dyn Store, session: SessionId, now: Timestamp) -> bool {
    store
        .live_session_owner(session, now)
        .await
        .unwrap()
        .is_some()
}

/// `minutes` after `T0`.
/// How the contract's terminations are remembered, where the reason is not what they test.
pub const BY_HAND: SessionEnd = SessionEnd::because(EndReason::TerminatedByYou);

pub fn at(minutes: u32) -> Timestamp {
    T0.plus(minutes * MINUTE)
}

/// The sessions' ids, in the order given.
pub fn ids<const N: usize>(planted: [Planted; N]) -> Vec<SessionId> {
    planted.iter().map(|p| p.id).collect()
}

/// The ids of a whole sessions list (it fits on one page), after checking that counting finds
/// as many.
pub async fn listed(
    store: &dyn Store,
    scope: Scope,
    query: &SessionQuery,
    now: Timestamp,
) -> Vec<SessionId> {
    let page = PageRequest {
        after: None,
        limit: 100,
    };
    let page = store
        .list_live_sessions(scope, query, now, page)
        .await
        .unwrap();
    assert_eq!(page.next, None, "everything fits on one page");
    let count = store
        .count_live_sessions(scope, query, now, COUNT_CAP)
        .await
        .unwrap();
    assert_eq!(count, page.items.len() as u64, "{scope:?} {query:?}");
    page.items.iter().map(|s| s.id).collect()
}

/// Lets a representative act as `account`'s people: the store, too, refuses acting outside
/// the accounts a representative serves. Serving twice is as good as once.
pub async fn serve(store: &dyn Store, rep: UserId, account: AccountId) {
    match store.insert_rep_assignment(rep, account).await {
        Ok(()) | Err(sessionboard::Error::AlreadyExists(_)) => {}
        Err(error) => panic!("{error:?}"),
    }
}
