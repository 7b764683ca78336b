pub mod admin;
pub mod clusters;
pub mod not_found;
pub mod overview;
pub mod upcoming;
