//! The Sessionboard server: configuration, startup and the HTTP router.

pub mod api;
pub mod auth;
pub mod config;
pub mod csrf;
pub mod export;
pub mod headers;
pub mod router;
pub mod sign_in_link;
pub mod startup;
pub mod state;

pub use config::Config;
pub use router::router;
pub use startup::{StartupError, build_state};
