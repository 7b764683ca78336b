-- The claim's order rules look for earlier unfinished jobs of the same
-- cluster (link jobs) or grant (delete_acls); without these, each such
-- candidate scanned the whole queue.
CREATE INDEX provisioning_jobs_cluster_kind ON provisioning_jobs (cluster_id, kind, id);
CREATE INDEX provisioning_jobs_grant ON provisioning_jobs (grant_id, id);
