-- +goose Up
-- Idempotency-Key of batch-creating API requests (app/idempotency.go): the
-- first request with a key claims it (status NULL), records the batch it
-- creates in the batch's own transaction, and stores its answer; requests
-- with the same key get that answer for 24 hours.
CREATE TABLE idempotency_keys (
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    api_key_id   uuid NOT NULL,
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    batch_id     uuid,
    status       integer,
    headers      jsonb,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (account_id, api_key_id, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
