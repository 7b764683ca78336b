-- The access workflow: applications and their Kafka principals, requests to
-- consume, produce or create an event, their approval steps, the grants that
-- final approval writes, and the provisioning jobs (an outbox the worker claims).
-- Ids are integers shown as text; timestamps RFC 3339 UTC text; booleans 0/1.
CREATE TABLE applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id TEXT NOT NULL REFERENCES teams (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (team_id, name)
);

-- One Kafka principal (`User:…`) per application and cluster.
CREATE TABLE application_principals (
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    principal TEXT NOT NULL,
    PRIMARY KEY (application_id, cluster_id)
);

-- `open_key` is set while the request is open (submitted, approved,
-- provisioning, failed, active) and NULL once closed: its unique index refuses
-- a second open request for the same kind, application, event and cluster,
-- even when two arrive at once. New-event proposals keep their form in
-- `proposal_json`; `event_name` is then the proposed name.
CREATE TABLE requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('consume', 'produce', 'new_event')),
    state TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'rejected', 'cancelled',
        'provisioning', 'active', 'failed', 'expired', 'revoked')),
    requester TEXT NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams (id),
    event_name TEXT NOT NULL,
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    topic TEXT NOT NULL,
    application_id INTEGER REFERENCES applications (id),
    group_name TEXT,
    group_is_prefix INTEGER NOT NULL DEFAULT 0 CHECK (group_is_prefix IN (0, 1)),
    purpose TEXT NOT NULL,
    end_date TEXT,
    proposal_json TEXT,
    open_key TEXT UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX requests_requester ON requests (requester, id);
CREATE INDEX requests_team ON requests (team_id, id);
CREATE INDEX requests_state ON requests (state, id);
CREATE INDEX requests_event ON requests (event_name, id);

-- Approval steps: `owner` (the owning team), `data_protection` (PII or
-- confidential events) and `platform` (new events, decided by admins).
CREATE TABLE request_approvals (
    request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    step TEXT NOT NULL CHECK (step IN ('owner', 'data_protection', 'platform')),
    position INTEGER NOT NULL,
    team_id TEXT NOT NULL,
    decided_by TEXT,
    decision TEXT CHECK (decision IN ('approved', 'rejected')),
    comment TEXT,
    decided_at TEXT,
    PRIMARY KEY (request_id, step)
);

CREATE INDEX request_approvals_team ON request_approvals (team_id, decision);

-- What final approval grants: the ACL bindings (JSON) of one application's
-- principal on one cluster, until `expires_at`.
CREATE TABLE grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL UNIQUE REFERENCES requests (id),
    application_id INTEGER NOT NULL REFERENCES applications (id),
    event_name TEXT NOT NULL REFERENCES events (name),
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    principal TEXT NOT NULL,
    topic TEXT NOT NULL,
    bindings_json TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'revoked', 'expired')),
    expiring_notified_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX grants_expiry ON grants (state, expires_at);

-- Outbox of broker work, written in the transaction of the decision that needs
-- it; the provisioning worker claims queued jobs whose `next_attempt_at` passed.
CREATE TABLE provisioning_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER REFERENCES requests (id),
    grant_id INTEGER REFERENCES grants (id),
    kind TEXT NOT NULL CHECK (kind IN ('create_acls', 'create_mirror_link', 'create_topic',
        'register_schema', 'delete_acls')),
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    payload_json TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX provisioning_jobs_queue ON provisioning_jobs (state, next_attempt_at, id);
CREATE INDEX provisioning_jobs_request ON provisioning_jobs (request_id, id);
