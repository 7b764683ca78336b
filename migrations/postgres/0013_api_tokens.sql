-- API tokens for automation (REST `Authorization: Bearer`, the registry's
-- HTTP Basic). `id` is the public key id (the Basic user name); only a
-- SHA-256 hash of the secret is kept. A personal token acts as `user_id`; an
-- application token (`application_id` set) acts for that application's team,
-- and `user_id` is who created it. Scopes are space-separated words.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    application_id BIGINT REFERENCES applications (id),
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_used_at TEXT,
    last_used_from TEXT,
    revoked_at TEXT
);

CREATE INDEX api_tokens_user ON api_tokens (user_id);
CREATE INDEX api_tokens_application ON api_tokens (application_id);
