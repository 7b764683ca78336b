-- Provisioning, part two: mesh links and their checkpoints, drift found by
-- reconciliation, and jobs that can stop a link, be cancelled, and say what
-- they found (`outcome`, e.g. "no authorizer: ACLs not enforced").

-- SQLite cannot change a CHECK constraint: the jobs table is rebuilt (nothing
-- references it).
CREATE TABLE provisioning_jobs_next (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER REFERENCES requests (id),
    grant_id INTEGER REFERENCES grants (id),
    kind TEXT NOT NULL CHECK (kind IN ('create_acls', 'create_mirror_link', 'create_topic',
        'register_schema', 'delete_acls', 'stop_mirror_link')),
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    payload_json TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    outcome TEXT,
    next_attempt_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

INSERT INTO provisioning_jobs_next (id, request_id, grant_id, kind, cluster_id, payload_json,
    state, attempts, last_error, next_attempt_at, created_at, updated_at)
SELECT id, request_id, grant_id, kind, cluster_id, payload_json, state, attempts, last_error,
    next_attempt_at, created_at, updated_at FROM provisioning_jobs;

DROP TABLE provisioning_jobs;
ALTER TABLE provisioning_jobs_next RENAME TO provisioning_jobs;
CREATE INDEX provisioning_jobs_queue ON provisioning_jobs (state, next_attempt_at, id);
CREATE INDEX provisioning_jobs_request ON provisioning_jobs (request_id, id);

-- A link mirrors `source_topic` of `source_cluster` as `target_topic` on
-- `target_cluster`. `running` links replicate; the last consumer leaving stops
-- a link (`stopped`, `retire_at` set) and housekeeping deletes the mirror topic
-- after the grace period (`retired`). A built-in link is run by one worker at
-- a time: `runner` holds it until `runner_lease`.
CREATE TABLE mesh_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_name TEXT NOT NULL,
    source_cluster TEXT NOT NULL REFERENCES clusters (id),
    source_topic TEXT NOT NULL,
    target_cluster TEXT NOT NULL REFERENCES clusters (id),
    target_topic TEXT NOT NULL,
    backend TEXT NOT NULL CHECK (backend IN ('builtin', 'cluster_linking', 'mirror_maker')),
    state TEXT NOT NULL CHECK (state IN ('running', 'stopped', 'retired')),
    retire_at TEXT,
    runner TEXT,
    runner_lease TEXT,
    copied INTEGER NOT NULL DEFAULT 0,
    lag INTEGER,
    rate_per_sec INTEGER,
    last_error TEXT,
    status_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (source_cluster, source_topic, target_cluster, target_topic)
);

CREATE INDEX mesh_links_event ON mesh_links (event_name);

-- The next source offset to copy, per partition, written after the batch
-- before it was acknowledged by the target cluster.
CREATE TABLE link_checkpoints (
    link_id INTEGER NOT NULL REFERENCES mesh_links (id),
    partition_id INTEGER NOT NULL,
    next_offset INTEGER NOT NULL,
    PRIMARY KEY (link_id, partition_id)
);

-- What the last reconciliation pass found per cluster (replaced each pass).
CREATE TABLE drift_findings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cluster_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    repaired INTEGER NOT NULL DEFAULT 0 CHECK (repaired IN (0, 1)),
    found_at TEXT NOT NULL
);

CREATE INDEX drift_findings_cluster ON drift_findings (cluster_id);
