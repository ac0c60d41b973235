//! Sessionboard's session engine: what a session is and every rule about it.
//!
//! [`model`] is shared with the browser. Everything else needs the `ssr` feature: the store
//! (SQLite and PostgreSQL), tracking (client IP, user agent, location) and the service that
//! authorises every action. Nothing here knows about HTTP or HTML.

pub mod model;

#[cfg(feature = "ssr")]
pub mod access;
#[cfg(feature = "ssr")]
pub mod cache;
#[cfg(feature = "ssr")]
pub mod error;
#[cfg(feature = "ssr")]
pub mod limit;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod password_queue;
#[cfg(feature = "ssr")]
pub mod seed;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod token;
#[cfg(feature = "ssr")]
pub mod track;
#[cfg(feature = "ssr")]
pub mod webhook;

#[cfg(feature = "ssr")]
pub use error::{Error, Result};
#[cfg(feature = "ssr")]
pub use service::{Caller, Operator, SessionPolicy, SessionService, SignIn, SignedIn, Validated};
