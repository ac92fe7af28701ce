-- +goose Up
-- A READY batch's report asks when a worker last took a batch, of any
-- account (models.LastBatchTaken): the newest started_at, one index step.
CREATE INDEX batches_started_at_idx ON batches (started_at);

-- +goose Down
DROP INDEX batches_started_at_idx;
