//! PostgreSQL's NOTIFY and LISTEN: the one way processes sharing a database
//! tell each other of changes (new jobs, catalogue changes). On SQLite nothing
//! is sent: its processes share one writer, or poll.

use std::future::Future;

use sqlx::AnyConnection;
use tokio::task::JoinHandle;

use super::{Backend, Db, DbError};

/// Announces `payload` on `channel` to every listening process. Called inside
/// a transaction, PostgreSQL delivers at commit and never for a rollback.
pub async fn announce(
    conn: &mut AnyConnection,
    channel: &str,
    payload: &str,
) -> Result<(), DbError> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// As [`announce`], on a connection of the pool, for a change already committed.
pub async fn announce_committed(db: &Db, channel: &str, payload: &str) -> Result<(), DbError> {
    if db.backend() != Backend::Postgres {
        return Ok(());
    }
    let mut conn = db.pool().acquire().await?;
    announce(&mut conn, channel, payload).await
}

/// What a listener hears.
pub enum Heard {
    /// Listening (again): announcements made while not listening are lost.
    Listening {
        reconnected: bool,
    },
    Message(String),
}

/// On PostgreSQL, calls `on` for every announcement on `channel` by any
/// process (this one included), reconnecting after a lost connection. `None`
/// on SQLite.
pub fn listen<F, Fut>(db: &Db, channel: &'static str, on: F) -> Option<JoinHandle<()>>
where
    F: Fn(Heard) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    if db.backend() != Backend::Postgres {
        return None;
    }
    let url = db.url().to_string();
    Some(tokio::spawn(async move {
        let mut reconnected = false;
        loop {
            match sqlx::postgres::PgListener::connect(&url).await {
                Ok(mut listener) => match listener.listen(channel).await {
                    Ok(()) => {
                        on(Heard::Listening { reconnected }).await;
                        while let Ok(n) = listener.recv().await {
                            on(Heard::Message(n.payload().to_string())).await;
                        }
                        tracing::warn!(channel, "announcements: connection lost; reconnecting");
                    }
                    Err(e) => {
                        tracing::warn!(channel, error = %e, "cannot listen for announcements")
                    }
                },
                Err(e) => {
                    tracing::warn!(channel, error = %e, "cannot connect to listen for announcements")
                }
            }
            reconnected = true;
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
    }))
}
