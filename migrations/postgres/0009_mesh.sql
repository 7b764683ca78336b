-- Provisioning, part two: mesh links and their checkpoints, drift found by
-- reconciliation, and jobs that can stop a link, be cancelled, and say what
-- they found (`outcome`, e.g. "no authorizer: ACLs not enforced").

ALTER TABLE provisioning_jobs
    DROP CONSTRAINT provisioning_jobs_kind_check,
    DROP CONSTRAINT provisioning_jobs_state_check,
    ADD COLUMN outcome TEXT,
    ADD CONSTRAINT provisioning_jobs_kind_check CHECK (kind IN ('create_acls',
        'create_mirror_link', 'create_topic', 'register_schema', 'delete_acls',
        'stop_mirror_link')),
    ADD CONSTRAINT provisioning_jobs_state_check CHECK (state IN ('queued', 'running', 'done',
        'failed', 'cancelled'));

-- A link mirrors `source_topic` of `source_cluster` as `target_topic` on
-- `target_cluster`. `running` links replicate; the last consumer leaving stops
-- a link (`stopped`, `retire_at` set) and housekeeping deletes the mirror topic
-- after the grace period (`retired`). A built-in link is run by one worker at
-- a time: `runner` holds it until `runner_lease`.
CREATE TABLE mesh_links (
    id BIGSERIAL PRIMARY KEY,
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
    copied BIGINT NOT NULL DEFAULT 0,
    lag BIGINT,
    rate_per_sec BIGINT,
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
    link_id BIGINT NOT NULL REFERENCES mesh_links (id),
    partition_id BIGINT NOT NULL,
    next_offset BIGINT NOT NULL,
    PRIMARY KEY (link_id, partition_id)
);

-- What the last reconciliation pass found per cluster (replaced each pass).
CREATE TABLE drift_findings (
    id BIGSERIAL PRIMARY KEY,
    cluster_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    repaired BIGINT NOT NULL DEFAULT 0 CHECK (repaired IN (0, 1)),
    found_at TEXT NOT NULL
);

CREATE INDEX drift_findings_cluster ON drift_findings (cluster_id);
