-- +goose Up
CREATE TABLE accounts (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_account_idx ON users (account_id);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id      uuid REFERENCES users (id) ON DELETE SET NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    prefix       text NOT NULL,
    key_hash     bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_account_idx ON api_keys (account_id, created_at DESC);

-- Browser sessions (Fiber's session store, also holding the CSRF token).
CREATE TABLE sessions (
    k          text PRIMARY KEY,
    v          bytea NOT NULL,
    expires_at timestamptz
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Rate-limit counters (Fiber's limiter store), shared by every web process.
CREATE UNLOGGED TABLE rate_limits (
    k          text PRIMARY KEY,
    v          bytea NOT NULL,
    expires_at timestamptz
);

-- +goose Down
DROP TABLE rate_limits;
DROP TABLE sessions;
DROP TABLE api_keys;
DROP TABLE users;
DROP TABLE accounts;
