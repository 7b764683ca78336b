//! Registry errors and their Confluent error codes: the one place that decides
//! the HTTP status and `error_code` of each.

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("Subject '{0}' not found.")]
    SubjectNotFound(String),
    #[error("Version {0} not found.")]
    VersionNotFound(String),
    #[error("Schema not found")]
    SchemaNotFound,
    #[error("Schema {0} not found")]
    SchemaIdNotFound(i64),
    #[error("Subject '{0}' was soft deleted. Set permanent=true to delete permanently")]
    SubjectSoftDeleted(String),
    #[error("Subject '{0}' was not deleted first before being permanently deleted")]
    SubjectNotSoftDeleted(String),
    #[error(
        "Subject '{0}' Version {1} was soft deleted. Set permanent=true to delete permanently"
    )]
    VersionSoftDeleted(String, i32),
    #[error("Subject '{0}' Version {1} was not deleted first before being permanently deleted")]
    VersionNotSoftDeleted(String, i32),
    #[error("Subject '{0}' does not have subject-level compatibility configured")]
    SubjectConfigNotFound(String),
    #[error("Subject '{0}' does not have subject-level mode configured")]
    SubjectModeNotFound(String),
    /// The message lists each violation with the version it conflicts with.
    #[error("{0}")]
    Incompatible(String),
    #[error("{0}")]
    InvalidSchema(String),
    #[error(
        "The specified version '{0}' is not a valid version id. \
         Allowed values are between [1, 2^31-1] and the string \"latest\""
    )]
    InvalidVersion(String),
    #[error(
        "Invalid compatibility level. Valid values are none, backward, forward, full, \
         backward_transitive, forward_transitive, and full_transitive"
    )]
    InvalidCompatibility,
    #[error("Invalid mode. Valid values are READWRITE, READONLY and IMPORT.")]
    InvalidMode,
    #[error("{0}")]
    NotPermitted(String),
    #[error("One or more references exist to the schema {{subject={0},version={1}}}.")]
    ReferenceExists(String, i32),
    /// The message names the subject and what is wrong with it.
    #[error("{0}")]
    InvalidSubject(String),
    #[error("Schema is larger than {limit} bytes ({size} bytes); nothing was stored.")]
    SchemaTooLarge { size: usize, limit: usize },
    #[error("{0}")]
    BadRequest(String),
    #[error("HTTP 404 Not Found")]
    NoSuchEndpoint,
    #[error("HTTP 405 Method Not Allowed")]
    MethodNotAllowed,
    #[error("Request body is too large (at most {0} bytes)")]
    PayloadTooLarge(usize),
    #[error(
        "Unsupported content type {0}: send application/vnd.schemaregistry.v1+json, \
         application/vnd.schemaregistry+json or application/json"
    )]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("Error in the backend data store")]
    Store(#[source] DbError),
}

impl From<DbError> for RegistryError {
    fn from(e: DbError) -> Self {
        RegistryError::Store(e)
    }
}

impl From<sqlx::Error> for RegistryError {
    fn from(e: sqlx::Error) -> Self {
        RegistryError::Store(e.into())
    }
}

impl RegistryError {
    /// Confluent's `error_code`: the HTTP status followed by two digits, or the
    /// bare status for generic errors.
    pub fn error_code(&self) -> u32 {
        use RegistryError::*;
        match self {
            SubjectNotFound(_) => 40401,
            VersionNotFound(_) => 40402,
            SchemaNotFound | SchemaIdNotFound(_) => 40403,
            SubjectSoftDeleted(_) => 40404,
            SubjectNotSoftDeleted(_) => 40405,
            VersionSoftDeleted(..) => 40406,
            VersionNotSoftDeleted(..) => 40407,
            SubjectConfigNotFound(_) => 40408,
            SubjectModeNotFound(_) => 40409,
            // Confluent ≥ 7 says 40901; older clients and docs know 409.
            Incompatible(_) => 409,
            InvalidSchema(_) => 42201,
            InvalidVersion(_) => 42202,
            InvalidCompatibility => 42203,
            InvalidMode => 42204,
            NotPermitted(_) => 42205,
            ReferenceExists(..) => 42206,
            InvalidSubject(_) => 42208,
            SchemaTooLarge { .. } => 42209,
            BadRequest(_) => 400,
            NoSuchEndpoint => 404,
            MethodNotAllowed => 405,
            PayloadTooLarge(_) => 413,
            UnsupportedMediaType(_) => 415,
            Unauthenticated(_) => 40101,
            Forbidden(_) => 40301,
            Store(_) => 50001,
        }
    }

    pub fn http_status(&self) -> u16 {
        match self.error_code() {
            code @ 100..=599 => code as u16,
            code => (code / 100) as u16,
        }
    }

    /// The message for the caller; a store error never shows its cause.
    pub fn public_message(&self) -> String {
        self.to_string()
    }

    pub fn is_conflict(&self) -> bool {
        matches!(self, RegistryError::Store(DbError::Conflict))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_codes() {
        assert_eq!(
            RegistryError::SubjectNotFound("s".into()).http_status(),
            404
        );
        assert_eq!(RegistryError::Incompatible("x".into()).http_status(), 409);
        assert_eq!(RegistryError::InvalidSchema("x".into()).http_status(), 422);
        assert_eq!(RegistryError::BadRequest("x".into()).http_status(), 400);
        assert_eq!(RegistryError::Forbidden("x".into()).http_status(), 403);
        assert_eq!(
            RegistryError::Unauthenticated("x".into()).http_status(),
            401
        );
        let store = RegistryError::Store(DbError::NotFound);
        assert_eq!((store.http_status(), store.error_code()), (500, 50001));
        assert!(!store.public_message().contains("not found"));
    }
}
