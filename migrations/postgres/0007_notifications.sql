-- In-app notifications and outgoing webhooks, derived from the audit log by
-- the notifier, which keeps its place in `notifier_cursor`. Cursor,
-- notifications and webhook deliveries are written in one transaction.

-- The audit log is append-only: the database itself refuses changes.
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

-- The last audit_log id the notifier has handled.
CREATE TABLE notifier_cursor (
    name TEXT PRIMARY KEY,
    audit_id BIGINT NOT NULL
);

INSERT INTO notifier_cursor (name, audit_id) VALUES ('notifications', 0);

CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    user_id TEXT NOT NULL,
    audit_id BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT NOT NULL,
    read_at TEXT,
    UNIQUE (audit_id, user_id)
);

CREATE INDEX notifications_user ON notifications (user_id, id);

CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    -- Name of the environment variable holding the HMAC secret (never the secret).
    secret_env TEXT NOT NULL,
    -- JSON array of actions; empty means every notified action.
    events TEXT NOT NULL DEFAULT '[]',
    active BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Outbox of webhook calls. `next_attempt_at` is fixed-width RFC 3339
-- (milliseconds) so that text order is time order; NULL once delivered or parked.
CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    audit_id BIGINT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error TEXT,
    delivered_at TEXT,
    parked_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (webhook_id, audit_id)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);
