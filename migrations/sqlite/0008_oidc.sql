-- OpenID Connect sign-in.

-- Sign-ins in progress: created by /auth/oidc/start, consumed (deleted) by the
-- callback. The state is stored hashed (it is the lookup key and travels in
-- URLs); the nonce and PKCE verifier are needed in clear to finish the flow.
CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    return_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX oidc_logins_expiry ON oidc_logins (expires_at);

-- Users created on first sign-in from the provider's claims. The user id is
-- bound to one (issuer, subject): another identity claiming the same name is
-- refused. `admin` comes from the provider's groups at each sign-in.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    admin INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
    created_at TEXT NOT NULL,
    last_sign_in_at TEXT NOT NULL,
    UNIQUE (issuer, subject)
);

-- Where a membership comes from: `manual` (admins, configuration, demo) or
-- `oidc` (the provider's groups, replaced at each sign-in).
ALTER TABLE team_members ADD COLUMN source TEXT NOT NULL DEFAULT 'manual';
