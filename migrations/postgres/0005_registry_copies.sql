-- Propagation of the schema registry to clusters' local registries.
-- A cluster may name a local Confluent-compatible registry; the worker copies
-- every live subject version there with the same id and version. What is left
-- to copy is derived (live versions minus copies), so nothing is lost on restart.
ALTER TABLE clusters ADD COLUMN schema_registry_url TEXT;
ALTER TABLE clusters ADD COLUMN schema_registry_username TEXT;
ALTER TABLE clusters ADD COLUMN schema_registry_password_env TEXT;

-- Versions known to be in a cluster's local registry.
CREATE TABLE registry_copies (
    cluster_id TEXT NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    version BIGINT NOT NULL,
    schema_id BIGINT NOT NULL,
    copied_at TEXT NOT NULL,
    PRIMARY KEY (cluster_id, subject, version)
);

-- Per cluster: consecutive failed passes, the last error, and when to try again.
CREATE TABLE registry_copy_status (
    cluster_id TEXT PRIMARY KEY REFERENCES clusters (id) ON DELETE CASCADE,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at TEXT,
    updated_at TEXT NOT NULL
);

CREATE INDEX registry_copies_subject ON registry_copies (subject, version);
