-- Schema registry (Confluent-compatible API under /registry).
-- A schema has one global id, shared by every subject version that holds it;
-- `fingerprint` (SHA-256 of Parsing Canonical Form + references) makes
-- registration of one schema race-safe: insert-or-select on a unique key.
CREATE TABLE registry_schemas (
    id BIGINT PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    schema_type TEXT NOT NULL DEFAULT 'AVRO',
    schema_text TEXT NOT NULL,
    canonical TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Named types a schema takes from other subjects' versions, in declared order.
CREATE TABLE registry_references (
    schema_id BIGINT NOT NULL REFERENCES registry_schemas (id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    ref_subject TEXT NOT NULL,
    ref_version BIGINT NOT NULL,
    PRIMARY KEY (schema_id, position)
);

-- One row per subject that ever had a version: registrations lock it first,
-- which serialises them per subject on both backends.
CREATE TABLE registry_subjects (
    subject TEXT PRIMARY KEY,
    writes BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- Versions per subject; soft-deleted ones keep their row with deleted = 1.
CREATE TABLE registry_versions (
    subject TEXT NOT NULL REFERENCES registry_subjects (subject),
    version BIGINT NOT NULL,
    schema_id BIGINT NOT NULL REFERENCES registry_schemas (id),
    deleted BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    created_at TEXT NOT NULL,
    PRIMARY KEY (subject, version)
);

-- Compatibility level and mode: subject '' is the global setting.
CREATE TABLE registry_config (
    subject TEXT PRIMARY KEY,
    compatibility TEXT NOT NULL
);

CREATE TABLE registry_mode (
    subject TEXT PRIMARY KEY,
    mode TEXT NOT NULL CHECK (mode IN ('READWRITE', 'READONLY', 'IMPORT'))
);

CREATE INDEX registry_versions_schema ON registry_versions (schema_id);
CREATE INDEX registry_references_target ON registry_references (ref_subject, ref_version);
