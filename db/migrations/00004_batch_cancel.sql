-- +goose Up
-- A cancel request is recorded here; the worker sees it at its next chunk boundary.
ALTER TABLE batches ADD COLUMN cancel_requested_at timestamptz;

-- +goose Down
ALTER TABLE batches DROP COLUMN cancel_requested_at;
