//! Provisioning jobs on the wire: their kinds and states, shared by the
//! worker (which stores them as these words), the API and the pages.
//!
//! Adding a kind: a variant here, and a file in the server's
//! `provision/jobs/` registered in its `registry!`; the compiler then asks
//! for its label on the request page (`pages/access/steps.rs`).

use crate::words::words;

words! {
    /// What a provisioning job does.
    JobKind {
        /// Creates an event's topic on its home cluster from a template.
        CreateTopic = "create_topic",
        /// Registers a new event's value schema in the portal's registry.
        RegisterSchema = "register_schema",
        /// Creates a grant's ACL bindings.
        CreateAcls = "create_acls",
        /// Deletes a grant's ACL bindings (those no other grant holds).
        DeleteAcls = "delete_acls",
        /// Starts (or reuses) the link mirroring a topic to the job's cluster.
        CreateMirrorLink = "create_mirror_link",
        /// Stops that link when its last consumer left.
        StopMirrorLink = "stop_mirror_link",
    }
}

words! {
    /// Where a job is in its life.
    JobState {
        /// Waiting for a worker (now, or at its next attempt).
        Queued = "queued",
        /// Claimed by a worker under a lease.
        Running = "running",
        Done = "done",
        /// Parked after its last attempt; an admin may retry or cancel it.
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_through_text_and_json() {
        for k in JobKind::ALL {
            assert_eq!(JobKind::parse(k.as_str()), Some(*k));
            assert_eq!(serde_json::to_value(k).expect("json"), k.as_str());
        }
        for s in JobState::ALL {
            assert_eq!(JobState::parse(s.as_str()), Some(*s));
            assert_eq!(serde_json::to_value(s).expect("json"), s.as_str());
        }
        assert_eq!(JobKind::parse("nothing"), None);
    }
}
