pub mod bell;
pub mod errors;
pub mod layout;
pub mod status;
pub mod tags;
