-- +goose Up
CREATE TABLE batches (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description     text NOT NULL DEFAULT '',
    format          text NOT NULL CHECK (format IN ('json', 'xml', 'csv')),
    interface_id    uuid,
    flow_id         uuid,
    status          text NOT NULL DEFAULT 'DRAFT'
                    CHECK (status IN ('DRAFT', 'READY', 'PROCESSING', 'FINISHED', 'ERROR')),
    source          text NOT NULL CHECK (source IN ('ui', 'api_v1', 'api_v2')),
    designer        boolean NOT NULL DEFAULT false,
    input_name      text NOT NULL DEFAULT '',
    output_name     text NOT NULL DEFAULT '',
    total_count     bigint NOT NULL DEFAULT 0,
    processed_count bigint NOT NULL DEFAULT 0,
    inserted_count  bigint NOT NULL DEFAULT 0,
    updated_count   bigint NOT NULL DEFAULT 0,
    failed_count    bigint NOT NULL DEFAULT 0,
    error_message   text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    ready_at        timestamptz,
    started_at      timestamptz,
    finished_at     timestamptz,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, interface_id) REFERENCES interfaces (account_id, id),
    FOREIGN KEY (account_id, flow_id) REFERENCES flows (account_id, id)
);
CREATE INDEX batches_account_created_idx ON batches (account_id, created_at DESC, id DESC);
CREATE INDEX batches_account_status_created_idx ON batches (account_id, status, created_at DESC, id DESC);

-- Records are the hot table: the ingest path writes them with COPY, so they
-- carry only the indexes their reads need. batch_id has no foreign key on
-- purpose: deleting a batch keeps the records it inserted.
CREATE TABLE records (
    id          uuid PRIMARY KEY,
    account_id  uuid NOT NULL,
    flow_id     uuid NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    batch_id    uuid,
    batch_index bigint NOT NULL,
    key         text,
    data        jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX records_flow_id_idx ON records (flow_id, id DESC);
CREATE UNIQUE INDEX records_flow_key_key ON records (flow_id, key) WHERE key IS NOT NULL;

CREATE TABLE files (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    folder       text NOT NULL DEFAULT '',
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    size         bigint NOT NULL DEFAULT 0,
    content_type text NOT NULL DEFAULT 'application/octet-stream',
    sha256       text NOT NULL DEFAULT '',
    storage_key  text NOT NULL UNIQUE,
    batch_id     uuid,
    kind         text CHECK (kind IN ('input', 'output', 'process', 'error')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, folder, name),
    FOREIGN KEY (account_id, batch_id) REFERENCES batches (account_id, id) ON DELETE CASCADE,
    CHECK ((batch_id IS NULL) = (kind IS NULL))
);
CREATE UNIQUE INDEX files_batch_kind_key ON files (batch_id, kind) WHERE batch_id IS NOT NULL;

-- +goose Down
DROP TABLE files;
DROP TABLE records;
DROP TABLE batches;
