pub mod act_as;
pub mod api_keys;
pub mod audit;
pub mod history;
pub mod login;
pub mod sessions;
pub mod settings;
pub mod setup;
