//! `create_acls`: a grant's ACL bindings on its cluster. A broker without an
//! authorizer is not a failure: the grant keeps the bindings it would need.

use serde::{Deserialize, Serialize};

use super::{Job, JobContext, Outcome};
use crate::access::model::AclBinding;
use crate::kafka::acls::{self, AclOutcome};

/// What an ACL job says when the broker has no authorizer.
pub const NO_AUTHORIZER: &str = "no authorizer: ACLs not enforced (bindings recorded)";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateAcls {
    pub grant: i64,
    pub bindings: Vec<AclBinding>,
}

impl Job for CreateAcls {
    async fn run(self, ctx: &JobContext, cluster: &str) -> Outcome {
        apply(ctx, cluster, &self.bindings, true).await
    }
}

/// Creates or deletes exactly these bindings.
pub(super) async fn apply(
    ctx: &JobContext,
    cluster_id: &str,
    bindings: &[AclBinding],
    create: bool,
) -> Outcome {
    let conn = crate::clusters::connection_of(&ctx.db, cluster_id).await?;
    let verb = if create { "create" } else { "delete" };
    let no_authorizer = if create {
        acls::create_acls(&conn, bindings, ctx.kafka_timeout)
            .await
            .map(|o| matches!(o, AclOutcome::NoAuthorizer))
    } else {
        acls::delete_acls(&conn, bindings, ctx.kafka_timeout)
            .await
            .map(|o| matches!(o, AclOutcome::NoAuthorizer))
    }
    .map_err(|e| format!("cannot {verb} ACLs on cluster `{cluster_id}`: {e}"))?;
    Ok(Some(if no_authorizer {
        NO_AUTHORIZER.to_string()
    } else {
        format!("{} ACL bindings {verb}d", bindings.len())
    }))
}
