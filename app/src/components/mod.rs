pub mod device_icon;
pub mod header;
pub mod popup;
