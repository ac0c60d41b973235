pub mod login;
pub mod sessions;
