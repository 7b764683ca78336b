-- Monitoring: series the sampler writes, their points (raw and rolled up),
-- the offset totals rates are computed from, each cluster's sampler state
-- and lease, alert rules and their firings. Points use Unix seconds
-- (integers: compact, and ordered as time is).
CREATE TABLE metric_series (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- The last raw point, for tables and alerts without a range query.
    last_at BIGINT,
    last_value DOUBLE PRECISION,
    -- Sum of end offsets (topics) or committed offsets (groups) at `last_at`,
    -- and when it last moved: a restart computes the next rate from it.
    total BIGINT,
    changed_at BIGINT,
    UNIQUE (kind, cluster_id, subject)
);

-- `step` 0 holds raw samples; 300 and 3600 hold rollups whose `value` is the
-- bucket's average and `lo`/`hi` its extremes, `at` the bucket's start.
CREATE TABLE metric_points (
    series_id BIGINT NOT NULL,
    step BIGINT NOT NULL,
    at BIGINT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    lo DOUBLE PRECISION,
    hi DOUBLE PRECISION,
    PRIMARY KEY (series_id, step, at)
);

CREATE INDEX metric_points_age ON metric_points (step, at);

-- One row per rollup step: every bucket that starts before `done_until` is written.
CREATE TABLE metric_rollups (
    step BIGINT PRIMARY KEY,
    done_until BIGINT NOT NULL
);

-- The sampler of each cluster: who holds it (lease as RFC 3339 text) and
-- how its last pass went.
CREATE TABLE monitoring_clusters (
    cluster_id TEXT PRIMARY KEY,
    runner TEXT,
    runner_lease TEXT,
    last_pass_at TEXT,
    pass_ms BIGINT,
    reachable BIGINT NOT NULL DEFAULT 1 CHECK (reachable IN (0, 1)),
    last_error TEXT,
    passes BIGINT NOT NULL DEFAULT 0,
    failures BIGINT NOT NULL DEFAULT 0
);

-- `rule_key` names what a rule watches (`consumer_lag:grant:7`), so a
-- default rule is created once however often approval runs.
CREATE TABLE alert_rules (
    id BIGSERIAL PRIMARY KEY,
    rule_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    event_name TEXT NOT NULL,
    cluster_id TEXT,
    grant_id BIGINT,
    link_id BIGINT,
    team_id TEXT NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    for_minutes BIGINT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    state TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'pending', 'firing')),
    since TEXT,
    last_value DOUBLE PRECISION,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX alert_rules_event ON alert_rules (event_name);
CREATE INDEX alert_rules_team ON alert_rules (team_id);

CREATE TABLE alerts (
    id BIGSERIAL PRIMARY KEY,
    rule_id BIGINT NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    summary TEXT NOT NULL,
    value DOUBLE PRECISION,
    fired_at TEXT NOT NULL,
    resolved_at TEXT
);

CREATE INDEX alerts_rule ON alerts (rule_id, id);
CREATE INDEX alerts_open ON alerts (resolved_at, id);
