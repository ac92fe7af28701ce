-- +goose Up
-- Records that fail mapping are kept per batch, so that a report can group
-- and page them without reading error.log. The engine writes both tables
-- with COPY in each chunk's transaction. batch_errors keeps the first
-- 100,000 failures of a batch (models.MaxStoredErrors); the groups count
-- every failure, one row per chunk and (field, message), with the first
-- indices of the group in that chunk as examples.
CREATE TABLE batch_errors (
    batch_id    uuid NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    batch_index bigint NOT NULL,
    line        integer NOT NULL,
    field       text NOT NULL,
    message     text NOT NULL,
    value       text NOT NULL,
    PRIMARY KEY (batch_id, batch_index)
);
CREATE INDEX batch_errors_field_idx ON batch_errors (batch_id, field, batch_index);

CREATE TABLE batch_error_groups (
    batch_id    uuid NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    chunk_start bigint NOT NULL,
    field       text NOT NULL,
    message     text NOT NULL,
    count       bigint NOT NULL,
    examples    bigint[] NOT NULL,
    PRIMARY KEY (batch_id, chunk_start, field, message)
);

-- A re-run of a batch's failed records points at the batch it re-runs.
ALTER TABLE batches ADD COLUMN parent_batch_id uuid REFERENCES batches (id) ON DELETE SET NULL;
CREATE INDEX batches_parent_idx ON batches (parent_batch_id) WHERE parent_batch_id IS NOT NULL;

-- The overview's "with errors" filter: finished batches with failed records.
CREATE INDEX batches_account_failed_created_idx ON batches (account_id, created_at DESC, id DESC)
    WHERE status = 'FINISHED' AND failed_count > 0;

-- The failed records of a batch, in the input's format.
ALTER TABLE files DROP CONSTRAINT files_kind_check;
ALTER TABLE files ADD CONSTRAINT files_kind_check CHECK (kind IN ('input', 'output', 'process', 'error', 'failed'));

-- +goose Down
ALTER TABLE files DROP CONSTRAINT files_kind_check;
ALTER TABLE files ADD CONSTRAINT files_kind_check CHECK (kind IN ('input', 'output', 'process', 'error'));
DROP INDEX batches_account_failed_created_idx;
ALTER TABLE batches DROP COLUMN parent_batch_id;
DROP TABLE batch_error_groups;
DROP TABLE batch_errors;
