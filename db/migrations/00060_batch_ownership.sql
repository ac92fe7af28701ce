-- +goose Up
-- The slice of work that owns a batch: every chunk commit and the final
-- status require it, so a worker that stalled and was rescued cannot write
-- over the attempt that took its place.
ALTER TABLE batches ADD COLUMN owner uuid;

-- The result segments of the committed chunks, registered in the chunk's
-- transaction: only these are assembled into the result files.
CREATE TABLE batch_segments (
    batch_id uuid NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    start bigint NOT NULL,
    records integer NOT NULL,
    storage_key text NOT NULL,
    PRIMARY KEY (batch_id, start)
);

-- Cancel requests, apart from the batch row so that asking never waits for
-- the row lock of a chunk being committed; the worker copies the request
-- into batches.cancel_requested_at at its next chunk commit.
CREATE TABLE batch_cancel_requests (
    batch_id uuid PRIMARY KEY REFERENCES batches (id) ON DELETE CASCADE,
    requested_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE batch_cancel_requests;
DROP TABLE batch_segments;
ALTER TABLE batches DROP COLUMN owner;
