//! Decides whether the PostgreSQL tests (the two-server cluster test) run.
//!
//! It runs when `TEST_POSTGRES_URL` names a server, and always under CI (where a missing URL
//! must fail it rather than pass it). Otherwise it is compiled as `#[ignore]`d, so a
//! test run without PostgreSQL says "ignored" instead of counting it as passed.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=CI");
    if std::env::var_os("TEST_POSTGRES_URL").is_some() || std::env::var_os("CI").is_some() {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}
