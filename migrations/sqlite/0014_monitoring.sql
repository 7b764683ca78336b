-- Monitoring: series the sampler writes, their points (raw and rolled up),
-- the offset totals rates are computed from, each cluster's sampler state
-- and lease, alert rules and their firings. Points use Unix seconds
-- (integers: compact, and ordered as time is).
CREATE TABLE metric_series (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- The last raw point, for tables and alerts without a range query.
    last_at INTEGER,
    last_value REAL,
    -- Sum of end offsets (topics) or committed offsets (groups) at `last_at`,
    -- and when it last moved: a restart computes the next rate from it.
    total INTEGER,
    changed_at INTEGER,
    UNIQUE (kind, cluster_id, subject)
);

-- `step` 0 holds raw samples; 300 and 3600 hold rollups whose `value` is the
-- bucket's average and `lo`/`hi` its extremes, `at` the bucket's start.
CREATE TABLE metric_points (
    series_id INTEGER NOT NULL,
    step INTEGER NOT NULL,
    at INTEGER NOT NULL,
    value REAL NOT NULL,
    lo REAL,
    hi REAL,
    PRIMARY KEY (series_id, step, at)
) WITHOUT ROWID;

CREATE INDEX metric_points_age ON metric_points (step, at);

-- One row per rollup step: every bucket that starts before `done_until` is written.
CREATE TABLE metric_rollups (
    step INTEGER PRIMARY KEY,
    done_until INTEGER NOT NULL
);

-- The sampler of each cluster: who holds it (lease as RFC 3339 text) and
-- how its last pass went.
CREATE TABLE monitoring_clusters (
    cluster_id TEXT PRIMARY KEY,
    runner TEXT,
    runner_lease TEXT,
    last_pass_at TEXT,
    pass_ms INTEGER,
    reachable INTEGER NOT NULL DEFAULT 1 CHECK (reachable IN (0, 1)),
    last_error TEXT,
    passes INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0
);

-- `rule_key` names what a rule watches (`consumer_lag:grant:7`), so a
-- default rule is created once however often approval runs.
CREATE TABLE alert_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    event_name TEXT NOT NULL,
    cluster_id TEXT,
    grant_id INTEGER,
    link_id INTEGER,
    team_id TEXT NOT NULL,
    threshold REAL NOT NULL,
    for_minutes INTEGER NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    state TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'pending', 'firing')),
    since TEXT,
    last_value REAL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX alert_rules_event ON alert_rules (event_name);
CREATE INDEX alert_rules_team ON alert_rules (team_id);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id INTEGER NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    summary TEXT NOT NULL,
    value REAL,
    fired_at TEXT NOT NULL,
    resolved_at TEXT
);

CREATE INDEX alerts_rule ON alerts (rule_id, id);
CREATE INDEX alerts_open ON alerts (resolved_at, id);
