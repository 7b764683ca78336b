-- Expired sessions are purged at each sign-in (DELETE … WHERE expires_at <= now).
CREATE INDEX sessions_expiry ON sessions (expires_at);
