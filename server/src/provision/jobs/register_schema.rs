//! `register_schema`: a new event's value schema, registered in the portal's
//! registry as the system (registering the same schema again is a no-op).

use app::auth::Caller;
use serde::{Deserialize, Serialize};

use super::{Job, JobContext, Outcome};
use crate::access::model::SYSTEM;
use crate::registry::model::NewSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterSchema {
    pub event: String,
    pub subject: String,
    pub schema: String,
}

impl Job for RegisterSchema {
    async fn run(self, ctx: &JobContext, _cluster: &str) -> Outcome {
        let system = Caller {
            user_id: SYSTEM.to_string(),
            admin: true,
            teams: Vec::new(),
        };
        let registered = ctx
            .registry
            .register(
                Some(&system),
                &self.subject,
                &NewSchema::avro(self.schema, Vec::new()),
            )
            .await
            .map_err(|e| format!("cannot register the schema under `{}`: {e}", self.subject))?;
        crate::registry::propagation::wake();
        tracing::debug!(
            subject = %self.subject,
            id = registered.id,
            version = registered.version,
            "schema registered"
        );
        Ok(None)
    }
}
