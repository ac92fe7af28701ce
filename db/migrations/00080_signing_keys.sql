-- +goose Up
-- Secret keys shared by every web process, created on first use by the
-- first process that needs one (e.g. "csrf": signs the CSRF cookie, so that
-- no session row is written for a visitor who has not signed in).
CREATE TABLE signing_keys (
    name       text PRIMARY KEY,
    key        bytea NOT NULL CHECK (length(key) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE signing_keys;
