//! `delete_acls`: the bindings of a grant taken away, except those another
//! live grant holds by now (one approved after the job was queued): the
//! revocation left out the ones held then, this the ones held since.

use serde::{Deserialize, Serialize};

use super::{create_acls, Job, JobContext, Order, Outcome};
use crate::access::model::AclBinding;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeleteAcls {
    pub grant: i64,
    pub bindings: Vec<AclBinding>,
}

impl Job for DeleteAcls {
    /// Never before the grant's own `create_acls`.
    const ORDER: Order = Order::AfterGrant;

    async fn run(self, ctx: &JobContext, cluster_id: &str) -> Outcome {
        let mut bindings = self.bindings;
        let mut principals: Vec<String> = bindings.iter().map(|b| b.principal.clone()).collect();
        principals.sort_unstable();
        principals.dedup();
        let unreadable = |e: crate::db::DbError| {
            tracing::warn!(error = %e, "cannot read the bindings of other grants");
            "cannot read the bindings of other grants".to_string()
        };
        let mut held = Vec::new();
        {
            let mut conn = ctx.db.pool().acquire().await.map_err(|e| {
                tracing::warn!(error = %e, "cannot read the bindings of other grants");
                "the database is unavailable".to_string()
            })?;
            for principal in &principals {
                let mut of = crate::access::repo::bindings_held_by_others(
                    &mut conn, cluster_id, principal, self.grant,
                )
                .await
                .map_err(unreadable)?;
                held.append(&mut of);
            }
        }
        let before = bindings.len();
        bindings.retain(|b| !held.contains(b));
        let kept = before - bindings.len();
        if bindings.is_empty() {
            return Ok(Some(format!(
                "no ACL binding deleted: other grants hold all {kept}"
            )));
        }
        let done = create_acls::apply(ctx, cluster_id, &bindings, false).await?;
        Ok(match (done, kept) {
            (done, 0) => done,
            (Some(done), kept) => Some(format!("{done}; {kept} kept for other grants")),
            (None, kept) => Some(format!("{kept} kept for other grants")),
        })
    }
}
