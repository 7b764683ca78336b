-- The event catalogue: teams, the tag taxonomy, events, their tags (event and
-- field level) and where each event is available.
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE tags (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    colour TEXT NOT NULL,
    classification INTEGER NOT NULL DEFAULT 0 CHECK (classification IN (0, 1))
);

CREATE TABLE events (
    name TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    team_id TEXT NOT NULL REFERENCES teams (id),
    domain TEXT NOT NULL,
    lifecycle TEXT NOT NULL CHECK (lifecycle IN ('draft', 'published', 'deprecated', 'retired')),
    home_cluster TEXT NOT NULL REFERENCES clusters (id),
    topic TEXT NOT NULL,
    value_schema TEXT,
    key_schema TEXT,
    messages_per_second DOUBLE PRECISION,
    avg_size_bytes BIGINT,
    sample_json TEXT,
    contacts_json TEXT NOT NULL DEFAULT '[]',
    partitions BIGINT,
    replication BIGINT,
    retention_ms BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (home_cluster, topic)
);

CREATE TABLE event_tags (
    event_name TEXT NOT NULL REFERENCES events (name) ON DELETE CASCADE,
    tag_name TEXT NOT NULL REFERENCES tags (name),
    PRIMARY KEY (event_name, tag_name)
);

CREATE TABLE field_tags (
    event_name TEXT NOT NULL REFERENCES events (name) ON DELETE CASCADE,
    field_path TEXT NOT NULL,
    tag_name TEXT NOT NULL REFERENCES tags (name),
    PRIMARY KEY (event_name, field_path, tag_name)
);

-- Master topic on the home cluster and mirrors elsewhere (filled by provisioning).
CREATE TABLE event_availability (
    event_name TEXT NOT NULL REFERENCES events (name) ON DELETE CASCADE,
    cluster_id TEXT NOT NULL REFERENCES clusters (id),
    topic TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('master', 'mirror')),
    PRIMARY KEY (event_name, cluster_id)
);

CREATE INDEX events_team ON events (team_id);
CREATE INDEX events_updated ON events (updated_at);
