pub mod ago;
pub mod confirm;
pub mod copy_link;
pub mod device_icon;
pub mod flags;
pub mod header;
pub mod popup;
pub mod signed_in;
