//! Decides whether the PostgreSQL halves of the store tests run, and rebuilds the engine when
//! its migrations change.
//!
//! They run when `TEST_POSTGRES_URL` names a server, and always under CI (where a missing URL
//! must fail them rather than pass them). Otherwise they are compiled as `#[ignore]`d, so a
//! test run without PostgreSQL says "ignored" instead of counting them as passed.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=CI");
    // `sqlx::migrate!` embeds the migration files: a new or changed one must rebuild the crate.
    println!("cargo::rerun-if-changed=migrations");
    if std::env::var_os("TEST_POSTGRES_URL").is_some() || std::env::var_os("CI").is_some() {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}
