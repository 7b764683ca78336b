//! Admins' hands on the queue: retry or cancel a job, audited. A retried
//! job whose request had failed puts the request back to provisioning, so
//! its page shows the job running again rather than a stale failure.

use app::auth::Caller;
use app::error::{AppError, ErrorCode};

use super::queue;
use crate::access::AccessService;
use crate::db::Db;
use crate::errors::internal;

/// Jobs not done yet (queued, running, parked), oldest first; admins only.
pub async fn unfinished_jobs(
    db: &Db,
    caller: Option<Caller>,
) -> Result<Vec<app::access::JobView>, AppError> {
    crate::auth::require_admin(caller)?;
    let mut conn = db.pool().acquire().await.map_err(internal)?;
    Ok(queue::unfinished(&mut conn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(queue::JobRow::view)
        .collect())
}

/// `retry` or `cancel`; refused (409) when the job is in no state for it.
pub async fn act_on_job(
    db: &Db,
    access: &AccessService,
    caller: Option<Caller>,
    id: &str,
    action: &str,
) -> Result<(), AppError> {
    let caller = crate::auth::require_admin(caller)?;
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::new(ErrorCode::NotFound, format!("there is no job `{id}`")))?;
    let before = queue::head(db, id).await.map_err(internal)?;
    let Some((state, kind, request)) = before else {
        return Err(AppError::new(
            ErrorCode::NotFound,
            format!("there is no job {id}"),
        ));
    };
    let changed = match action {
        "retry" => queue::retry(db, id).await,
        "cancel" => queue::cancel(db, id).await,
        other => return Err(AppError::invalid(format!("unknown job action `{other}`"))),
    }
    .map_err(internal)?;
    if !changed {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("job {id} is {state}: it cannot be {action}ed now"),
        ));
    }
    let mut tx = db.begin().await.map_err(internal)?;
    crate::audit::record(
        &mut tx,
        crate::audit::Entry {
            actor: &caller.user_id,
            action: &format!("job.{action}"),
            subject: &format!("job:{id}"),
            before: Some(&serde_json::json!({ "state": state, "kind": kind })),
            after: Some(&serde_json::json!({
                "state": if action == "retry" { "queued" } else { "cancelled" },
                "kind": kind,
            })),
        },
    )
    .await
    .map_err(internal)?;
    let retry = action == "retry";
    if retry {
        super::announce(&mut tx).await.map_err(internal)?;
    }
    tx.commit().await.map_err(internal)?;
    tracing::info!(job = id, actor = %caller.user_id, action, "job {action} by an admin");
    if retry {
        super::wake();
        if let Some(request) = request {
            reopen_failed_request(access, request).await?;
        }
    }
    Ok(())
}

/// A failed request whose job an admin retries is provisioning again
/// (`request.retrying`); the state machine leaves other states as they are.
async fn reopen_failed_request(access: &AccessService, request: i64) -> Result<(), AppError> {
    match access.mark_retrying(&request.to_string()).await {
        Err(crate::access::AccessError::Conflict(_)) => Ok(()),
        other => Ok(other?),
    }
}
