-- +goose Up
-- The content of small files (storage keys "db/…", at most
-- storage.InlineMaxBytes): a small batch's uploaded input and its result
-- files are written by the transaction that registers them, instead of as
-- objects of the bucket, each created and flushed to disk on its own
-- (docs/files.md, "Small files in the database"). A content row lives as
-- long as the file row holding its key: it goes with the row (the foreign
-- key's cascade, or the trigger below when the row is given another key),
-- and the deferred check refuses, at commit, content that no file row holds.
CREATE TABLE file_contents (
    key  text PRIMARY KEY REFERENCES files (storage_key) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    data bytea NOT NULL
);
-- Stored as it is: compressing it would cost the CPU this table saves.
ALTER TABLE file_contents ALTER COLUMN data SET STORAGE EXTERNAL;

-- +goose StatementBegin
CREATE FUNCTION file_contents_rekeyed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM file_contents WHERE key = OLD.storage_key;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER files_content_rekeyed AFTER UPDATE OF storage_key ON files
    FOR EACH ROW WHEN (OLD.storage_key <> NEW.storage_key AND OLD.storage_key LIKE 'db/%')
    EXECUTE FUNCTION file_contents_rekeyed();

-- +goose Down
DROP TRIGGER files_content_rekeyed ON files;
DROP FUNCTION file_contents_rekeyed();
DROP TABLE file_contents;
