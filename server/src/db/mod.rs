//! The database: one `AnyPool` for SQLite or PostgreSQL. Only this module knows
//! the dialect differences (connection set-up, migrations, error codes).

pub mod channels;
mod error;

use std::time::Duration;

use serde::Serialize;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{Any, Executor, Pool, Transaction};

type AnyPool = Pool<Any>;

pub use error::DbError;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, DbError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            // Only the scheme is shown: the rest may hold a password.
            let scheme = url.split(':').next().unwrap_or_default();
            Err(DbError::UnsupportedUrl(scheme.to_string()))
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

pub type Tx = Transaction<'static, Any>;

#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// Kept for connections outside the pool (PostgreSQL's LISTEN).
    url: std::sync::Arc<str>,
}

/// What `/readyz` reports about the database.
#[derive(Debug, Clone, Serialize)]
pub struct Readiness {
    pub backend: Backend,
    pub reachable: bool,
    pub migrations_applied: usize,
    pub migrations_expected: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Readiness {
    pub fn ok(&self) -> bool {
        self.reachable && self.migrations_applied == self.migrations_expected
    }
}

impl Db {
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(5));
        if backend == Backend::Sqlite {
            options = options.max_connections(8).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(sqlx::raw_sql(
                        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
                         PRAGMA synchronous = NORMAL;",
                    ))
                    .await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(url).await.map_err(DbError::Connect)?;
        if backend == Backend::Sqlite {
            // WAL is a property of the file: set once, it stays.
            sqlx::raw_sql("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(DbError::Connect)?;
        }
        Ok(Db {
            pool,
            backend,
            url: url.into(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads, then writes after
    /// another connection wrote, fails at once with "database is locked"
    /// whatever the busy timeout; an immediate one waits its turn.
    pub async fn begin(&self) -> Result<Tx, DbError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub async fn migrate(&self) -> Result<(), DbError> {
        self.backend
            .migrator()
            .run(&self.pool)
            .await
            .map_err(DbError::Migrate)
    }

    pub async fn readiness(&self) -> Readiness {
        let expected = self.backend.migrator().iter().count();
        let applied: Result<Vec<i64>, sqlx::Error> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_all(&self.pool)
                .await;
        match applied {
            Ok(versions) => Readiness {
                backend: self.backend,
                reachable: true,
                migrations_applied: self
                    .backend
                    .migrator()
                    .iter()
                    .filter(|m| versions.contains(&m.version))
                    .count(),
                migrations_expected: expected,
                error: None,
            },
            Err(e) => {
                // A reachable database that was never migrated has no table yet.
                let reachable = sqlx::query("SELECT 1").execute(&self.pool).await.is_ok();
                Readiness {
                    backend: self.backend,
                    reachable,
                    migrations_applied: 0,
                    migrations_expected: expected,
                    error: Some(if reachable {
                        "migrations have not been applied".to_string()
                    } else {
                        format!("database unreachable: {e}")
                    }),
                }
            }
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Current time as RFC 3339 UTC text, the one timestamp format in the database.
pub fn now() -> String {
    stamp(time::OffsetDateTime::now_utc())
}

/// How every time is stored: fixed-width RFC 3339 UTC with microseconds
/// (`2025-03-01T12:00:00.000000Z`). Unlike variable-precision text (which
/// trims zeros, so `…:00Z` sorted after `…:00.5Z`), its text order is time
/// order, so SQL compares times as text on both databases.
pub fn stamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// `$first, $first+1, …`: `n` numbered parameters for an `IN (…)` list
/// (both databases number them so).
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A 0/1 integer column as a bool (both databases store flags so).
pub fn flag(row: &sqlx::any::AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    use sqlx::Row;
    Ok(row.try_get::<i64, _>(column)? != 0)
}

impl Db {
    /// What a claiming `SELECT` ends with: PostgreSQL skips rows another
    /// transaction is claiming rather than waiting; SQLite's single writer
    /// runs the statement alone and needs nothing.
    pub fn skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }

    /// `column` with the bytes `more` appended. SQLite's `||` answers text
    /// (bytes kept), so its result is cast back to a blob.
    pub fn append_bytes(&self, column: &str, more: &str) -> String {
        match self.backend {
            Backend::Postgres => format!("{column} || {more}"),
            Backend::Sqlite => format!("CAST({column} || {more} AS BLOB)"),
        }
    }

    /// How many writers are worth running at once: `wanted` on PostgreSQL,
    /// at most 4 on SQLite, whose single writer would only make more of them
    /// queue for its lock.
    pub fn writers(&self, wanted: usize) -> usize {
        match self.backend {
            Backend::Sqlite => wanted.clamp(1, 4),
            Backend::Postgres => wanted.max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::format_description::well_known::Rfc3339;
    use time::OffsetDateTime;

    #[test]
    fn stamps_are_fixed_width_utc_and_parse_back() {
        let t = OffsetDateTime::parse("2025-03-01T12:00:05.5+01:00", &Rfc3339).expect("time");
        let s = stamp(t);
        assert_eq!(s, "2025-03-01T11:00:05.500000Z");
        assert_eq!(OffsetDateTime::parse(&s, &Rfc3339).expect("parses"), t);
        let whole = OffsetDateTime::parse("2025-03-01T11:00:05Z", &Rfc3339).expect("time");
        // Variable-precision text sorted `…:05Z` after `…:05.5Z`.
        assert!(stamp(whole) < s);
        assert!(stamp(t) < stamp(t + time::Duration::microseconds(1)));
    }
}
