-- +goose Up
-- Bytes stored per account, kept by a trigger in the transaction of every
-- change to files (uploads, batch inputs and results, deletions, cascades),
-- so that the quota check reads one row instead of summing the account's
-- files: the sum took 10 ms at 10,000 files and grows with them
-- (docs/benchmarks.md, "Account storage quota").
CREATE TABLE account_usage (
    account_id uuid PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    bytes      bigint NOT NULL DEFAULT 0
);
INSERT INTO account_usage (account_id, bytes)
SELECT a.id, coalesce((SELECT sum(size) FROM files f WHERE f.account_id = a.id), 0) FROM accounts a;

-- +goose StatementBegin
CREATE FUNCTION files_account_usage() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER files_account_usage AFTER INSERT OR DELETE OR UPDATE OF size, account_id ON files
    FOR EACH ROW EXECUTE FUNCTION files_account_usage();

-- +goose Down
DROP TRIGGER files_account_usage ON files;
DROP FUNCTION files_account_usage();
DROP TABLE account_usage;
