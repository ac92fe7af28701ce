-- +goose Up
-- The batch overview sorts by name and searches names by any part of them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX batches_account_name_idx ON batches (account_id, lower(name), id);
CREATE INDEX batches_name_trgm_idx ON batches USING gin (lower(name) gin_trgm_ops);

-- +goose Down
DROP INDEX batches_name_trgm_idx;
DROP INDEX batches_account_name_idx;
