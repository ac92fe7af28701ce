-- +goose Up
CREATE TABLE flows (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description text NOT NULL DEFAULT '',
    key_field   text NOT NULL DEFAULT '',
    archived_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX flows_account_name_key ON flows (account_id, lower(name)) WHERE archived_at IS NULL;

CREATE TABLE interfaces (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id     uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description    text NOT NULL DEFAULT '',
    format         text NOT NULL CHECK (format IN ('json', 'xml', 'csv')),
    scopes         jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(scopes) = 'array'),
    flow_id        uuid,
    records_path   text NOT NULL DEFAULT '',
    csv_delimiter  text NOT NULL DEFAULT ',',
    csv_header     boolean NOT NULL DEFAULT true,
    record_element text NOT NULL DEFAULT '',
    fields         jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(fields) = 'array'),
    archived_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, flow_id) REFERENCES flows (account_id, id)
);
CREATE INDEX interfaces_account_idx ON interfaces (account_id, lower(name));

-- +goose Down
DROP TABLE interfaces;
DROP TABLE flows;
