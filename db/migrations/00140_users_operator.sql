-- +goose Up
-- Operators see the job dashboard (/admin/jobs). Granted from the command line only.
ALTER TABLE users ADD COLUMN operator boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE users DROP COLUMN operator;
