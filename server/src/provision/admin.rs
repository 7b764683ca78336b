//! Admins' hands on the queue: retry or cancel a job, audited. A retried
//! job whose request had failed puts the request back to provisioning, so
//! its page shows the job running again rather than a stale failure.

use app::auth::Caller;

use super::queue;
use super::ProvisionError;
use crate::access::AccessService;
use crate::db::Db;

/// What an admin may do to a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobAction {
    /// A parked, cancelled or waiting job is due now, with a fresh count.
    Retry,
    /// A queued or parked job is never run (again).
    Cancel,
}

impl JobAction {
    pub fn parse(word: &str) -> Result<JobAction, ProvisionError> {
        match word {
            "retry" => Ok(JobAction::Retry),
            "cancel" => Ok(JobAction::Cancel),
            other => Err(ProvisionError::Invalid(format!(
                "unknown job action `{other}`"
            ))),
        }
    }

    fn word(self) -> &'static str {
        match self {
            JobAction::Retry => "retry",
            JobAction::Cancel => "cancel",
        }
    }
}

/// Jobs not done yet (queued, running, parked), oldest first; admins only.
pub async fn unfinished_jobs(
    db: &Db,
    caller: Option<Caller>,
) -> Result<Vec<app::access::JobView>, ProvisionError> {
    crate::auth::require_admin(caller)?;
    let mut conn = db.pool().acquire().await?;
    Ok(queue::unfinished(&mut conn)
        .await?
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
    action: JobAction,
) -> Result<(), ProvisionError> {
    let caller = crate::auth::require_admin(caller)?;
    let id: i64 = id
        .parse()
        .map_err(|_| ProvisionError::NotFound(format!("there is no job `{id}`")))?;
    let Some((state, kind, request)) = queue::head(db, id).await? else {
        return Err(ProvisionError::NotFound(format!("there is no job {id}")));
    };
    let changed = match action {
        JobAction::Retry => queue::retry(db, id).await?,
        JobAction::Cancel => queue::cancel(db, id).await?,
    };
    let action = action.word();
    if !changed {
        return Err(ProvisionError::Conflict(format!(
            "job {id} is {state}: it cannot be {action}ed now"
        )));
    }
    let mut tx = db.begin().await?;
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
    .await?;
    let retry = action == "retry";
    if retry {
        super::announce(&mut tx).await?;
    }
    tx.commit().await?;
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
async fn reopen_failed_request(access: &AccessService, request: i64) -> Result<(), ProvisionError> {
    match access.mark_retrying(&request.to_string()).await {
        Err(crate::access::AccessError::Conflict(_)) => Ok(()),
        other => Ok(other?),
    }
}
