-- Clusters of the mesh and the append-only audit log.
-- Timestamps are RFC 3339 UTC text on both backends (sortable, portable).
-- Booleans are 0/1 integers: sqlx's Any driver cannot decode SQLite booleans.
CREATE TABLE clusters (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    region TEXT NOT NULL DEFAULT '',
    bootstrap_servers TEXT NOT NULL,
    flavour TEXT NOT NULL,
    in_mesh BIGINT NOT NULL DEFAULT 1 CHECK (in_mesh IN (0, 1)),
    security_protocol TEXT NOT NULL DEFAULT 'PLAINTEXT',
    sasl_mechanism TEXT,
    sasl_username TEXT,
    sasl_password_env TEXT,
    ssl_ca_location TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);

CREATE INDEX audit_log_subject ON audit_log (subject, id);
