//! `--impersonation-timeout` reaches the engine's policy (what it does there is tested in the
//! engine's `tests/impersonation_audit.rs`).

mod common;

use std::time::Duration;

use common::{server, server_with};

#[tokio::test]
async fn acting_as_a_customer_lasts_an_hour_unless_the_flag_says_otherwise() {
    let default = server().await;
    assert_eq!(
        default.operator.policy().impersonation_max,
        Duration::from_secs(3600)
    );
    let short = server_with(&["--impersonation-timeout", "15m"]).await;
    assert_eq!(
        short.operator.policy().impersonation_max,
        Duration::from_secs(15 * 60)
    );
}
