//! Database errors, with driver codes mapped to domain meaning in one place.

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL scheme `{0}` (expected sqlite:// or postgres://)")]
    UnsupportedUrl(String),
    #[error("cannot connect to the database: {0}")]
    Connect(sqlx::Error),
    #[error("cannot apply database migrations: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    #[error("not found")]
    NotFound,
    #[error("already exists")]
    Conflict,
    #[error("database error: {0}")]
    Query(sqlx::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::Database(d) if is_unique_violation(d.code().as_deref()) => {
                DbError::Conflict
            }
            _ => DbError::Query(e),
        }
    }
}

/// PostgreSQL SQLSTATE 23505; SQLite extended codes 2067 (UNIQUE) and 1555 (PRIMARY KEY).
fn is_unique_violation(code: Option<&str>) -> bool {
    matches!(code, Some("23505") | Some("2067") | Some("1555"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violation_codes_of_both_backends() {
        assert!(is_unique_violation(Some("23505")));
        assert!(is_unique_violation(Some("2067")));
        assert!(!is_unique_violation(Some("23503")));
        assert!(!is_unique_violation(None));
    }
}
