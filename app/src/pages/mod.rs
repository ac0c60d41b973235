pub mod act_as;
pub mod audit;
pub mod history;
pub mod login;
pub mod sessions;
pub mod settings;
