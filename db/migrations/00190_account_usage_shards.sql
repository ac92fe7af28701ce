-- +goose Up
-- The account_usage counter in 16 rows per account instead of one. With one
-- row, every transaction that stores, resizes or deletes a file of an
-- account locked that row until it committed, so the uploads and batch ends
-- of one account took turns, each for as long as its commit took (a WAL
-- flush): 200 batches sent at once by one API client spent most of their
-- time waiting there (docs/benchmarks.md, "Many small batches"). A
-- transaction now adds to the row of its backend (pg_backend_pid() % 16),
-- one row for all its changes, so concurrent transactions rarely share a
-- row and never take two rows in different orders; the storage used is the
-- sum of the account's rows, each of which may be negative.
ALTER TABLE account_usage ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE account_usage DROP CONSTRAINT account_usage_pkey;
ALTER TABLE account_usage ADD PRIMARY KEY (account_id, shard);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION files_account_usage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s smallint := pg_backend_pid() % 16;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.account_id = NEW.account_id THEN
        INSERT INTO account_usage AS u (account_id, shard, bytes) VALUES (NEW.account_id, s, NEW.size - OLD.size)
        ON CONFLICT (account_id, shard) DO UPDATE SET bytes = u.bytes + excluded.bytes;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        -- Not for an account being deleted (its files go by cascade).
        INSERT INTO account_usage AS u (account_id, shard, bytes)
        SELECT OLD.account_id, s, -OLD.size WHERE EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id)
        ON CONFLICT (account_id, shard) DO UPDATE SET bytes = u.bytes + excluded.bytes;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO account_usage AS u (account_id, shard, bytes) VALUES (NEW.account_id, s, NEW.size)
        ON CONFLICT (account_id, shard) DO UPDATE SET bytes = u.bytes + excluded.bytes;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION files_account_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE account_usage SET bytes = bytes - OLD.size WHERE account_id = OLD.account_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO account_usage AS u (account_id, bytes) VALUES (NEW.account_id, NEW.size)
        ON CONFLICT (account_id) DO UPDATE SET bytes = u.bytes + excluded.bytes;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TEMP TABLE account_usage_sum AS SELECT account_id, sum(bytes)::bigint AS bytes FROM account_usage GROUP BY account_id;
DELETE FROM account_usage;
ALTER TABLE account_usage DROP CONSTRAINT account_usage_pkey;
ALTER TABLE account_usage DROP COLUMN shard;
ALTER TABLE account_usage ADD PRIMARY KEY (account_id);
INSERT INTO account_usage (account_id, bytes) SELECT account_id, bytes FROM account_usage_sum;
DROP TABLE account_usage_sum;
