-- +goose Up
-- Rate limits count in fixed windows with one atomic upsert per request
-- (app/rate_limit.go) instead of Fiber's limiter, whose get-then-set let
-- several web processes pass more than the limit. The old table held the
-- limiter's serialized state; its counters last a minute, so none is kept.
DROP TABLE rate_limits;
CREATE UNLOGGED TABLE rate_limits (
    k            text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL,
    expires_at   timestamptz NOT NULL
);

-- +goose Down
DROP TABLE rate_limits;
CREATE UNLOGGED TABLE rate_limits (
    k          text PRIMARY KEY,
    v          bytea NOT NULL,
    expires_at timestamptz
);
