-- +goose Up
-- Webhooks: per account, a URL that receives the batch document when a batch
-- ends. The secret signs every request, so it is stored as it is (an HMAC
-- needs the key itself); it is shown to the account once, at creation.
CREATE TABLE webhooks (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id           uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    url                  text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    description          text NOT NULL DEFAULT '',
    events               jsonb NOT NULL
                         CHECK (jsonb_typeof(events) = 'array' AND jsonb_array_length(events) > 0
                                AND events <@ '["batch.finished", "batch.failed", "batch.cancelled"]'::jsonb),
    secret               text NOT NULL,
    secret_prefix        text NOT NULL,
    -- Deliveries in a row that failed every attempt; reset by a success.
    failed_deliveries    integer NOT NULL DEFAULT 0,
    disabled_at          timestamptz,
    disabled_reason      text NOT NULL DEFAULT '',
    last_delivery_at     timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, id)
);
CREATE INDEX webhooks_account_idx ON webhooks (account_id, created_at);

-- One row per attempt to deliver one event to one webhook. delivery_id is
-- the same for every attempt of a delivery (the Flowbatch-Delivery header).
-- batch_id has no foreign key: a delivery's log outlives its batch.
CREATE TABLE webhook_deliveries (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id    uuid NOT NULL,
    webhook_id    uuid NOT NULL,
    delivery_id   uuid NOT NULL,
    event         text NOT NULL CHECK (event IN ('batch.finished', 'batch.failed', 'batch.cancelled', 'ping')),
    batch_id      uuid,
    attempt       integer NOT NULL CHECK (attempt >= 1),
    status        text NOT NULL CHECK (status IN ('succeeded', 'failed', 'skipped')),
    response_code integer,
    duration_ms   integer NOT NULL DEFAULT 0,
    error         text NOT NULL DEFAULT '',
    next_retry_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (account_id, webhook_id) REFERENCES webhooks (account_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC, id DESC);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
