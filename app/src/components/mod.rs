pub mod header;
pub mod popup;
