//! Decides whether the PostgreSQL halves of the store tests run.
//!
//! They run when `TEST_POSTGRES_URL` names a server, and always under CI (where a missing URL
//! must fail them rather than pass them). Otherwise they are compiled as `#[ignore]`d, so a
//! test run without PostgreSQL says "ignored" instead of counting them as passed.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=CI");
    if std::env::var_os("TEST_POSTGRES_URL").is_some() || std::env::var_os("CI").is_some() {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}
