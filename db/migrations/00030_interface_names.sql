-- +goose Up
-- Interface names are unique per account among live interfaces, as flow names are.
CREATE UNIQUE INDEX interfaces_account_name_key ON interfaces (account_id, lower(name)) WHERE archived_at IS NULL;

-- +goose Down
DROP INDEX interfaces_account_name_key;
