-- +goose Up
-- Folders a person created in the file manager, so that they exist while
-- empty. Folders that hold files are also derived from files.folder; the
-- batch/ tree is never stored here.
CREATE TABLE folders (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    path       text NOT NULL CHECK (length(path) BETWEEN 1 AND 1000),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, path)
);
-- Prefix searches (folder LIKE 'a/b/%') for sub-folders and folder deletion.
CREATE INDEX folders_account_path_prefix_idx ON folders (account_id, path text_pattern_ops);
CREATE INDEX files_account_folder_prefix_idx ON files (account_id, folder text_pattern_ops);
-- One index per listing order, so that a page of a large folder is read in
-- order (from the index alone, up to the page's offset) instead of sorting
-- the whole folder.
CREATE INDEX files_folder_name_idx ON files (account_id, folder, lower(name), name, id);
CREATE INDEX files_folder_size_idx ON files (account_id, folder, size, lower(name), name, id);
CREATE INDEX files_folder_date_idx ON files (account_id, folder, updated_at, lower(name), name, id);

-- +goose Down
DROP INDEX files_folder_date_idx;
DROP INDEX files_folder_size_idx;
DROP INDEX files_folder_name_idx;
DROP INDEX files_account_folder_prefix_idx;
DROP TABLE folders;
