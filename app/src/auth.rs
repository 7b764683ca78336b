//! Who is calling, as the UI and the server functions see it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Caller {
    pub user_id: String,
    pub admin: bool,
    /// Teams the caller belongs to (owners of their events).
    pub teams: Vec<String>,
}

/// The team whose members give the second approval for personal data.
pub const DATA_PROTECTION_TEAM: &str = "data-protection";

impl Caller {
    /// Owners (members of the owning team) and admins curate an event.
    pub fn can_curate(&self, owning_team: &str) -> bool {
        self.admin || self.teams.iter().any(|t| t == owning_team)
    }

    pub fn is_data_protection(&self) -> bool {
        self.teams.iter().any(|t| t == DATA_PROTECTION_TEAM)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_and_admins_curate_others_do_not() {
        let member = Caller {
            user_id: "a".into(),
            admin: false,
            teams: vec!["crm".into()],
        };
        assert!(member.can_curate("crm"));
        assert!(!member.can_curate("network"));
        let admin = Caller {
            admin: true,
            teams: vec![],
            ..member
        };
        assert!(admin.can_curate("network"));
    }
}
