//! The store contract: what every [`Store`](sessionboard::store::Store) must do, checked
//! directly on the store traits rather than through the service, one module per area (after
//! Ory Kratos' `session/test/persistence.go`); sessions take two, `sessions` for one session's
//! life and `session_lists` for lists and counts.
//!
//! Each case is an `async fn(&dyn Store)` that starts from an empty, migrated store and uses
//! nothing but the traits, so a new database implementation is checked by this suite alone:
//! add it to `common::Backend`. The service-level scenarios (`tests/service.rs`,
//! `tests/engine.rs`) build on what is pinned down here.

#[path = "../common/mod.rs"]
mod common;
mod fixture;

/// Turns the named contract cases (each an `async fn(&dyn Store)` beside the invocation) into
/// tests on every store: one thin `async fn(Backend)` adapter per case, handing it a fresh
/// store, and `on_every_store!` over the adapters. Tests are named
/// `<area>::every_store::<sqlite|postgres>::<case>`.
macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod every_store {
            $(
                async fn $case(backend: $crate::common::Backend) {
                    let dir = tempfile::tempdir().unwrap();
                    let (store, _database) = backend.store(dir.path()).await;
                    super::$case(&*store).await;
                }
            )*

            $crate::on_every_store!($($case),*);
        }
    };
}

mod acting;
mod administration;
mod api_keys;
mod audit;
mod directory;
mod host;
mod session_lists;
mod sessions;
