pub mod admin;
pub mod catalogue;
pub mod clusters;
pub mod discovery;
pub mod event;
pub mod not_found;
pub mod signin;
pub mod upcoming;
