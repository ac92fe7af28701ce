-- +goose Up
-- column_map: the batch's own choice of column per field (field name → column,
-- "" for none), overriding the interface's sources; NULL when never chosen.
-- run_snapshot: the interface, key field and effective column map fixed at
-- Run; the worker processes only from it.
ALTER TABLE batches ADD COLUMN column_map jsonb;
ALTER TABLE batches ADD COLUMN run_snapshot jsonb;

-- +goose Down
ALTER TABLE batches DROP COLUMN run_snapshot;
ALTER TABLE batches DROP COLUMN column_map;
