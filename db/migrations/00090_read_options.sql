-- +goose Up
-- How payloads are read: the character encoding (auto = UTF-8, else
-- Windows-1252), the CSV quote character, the XLSX sheet (empty = the first),
-- and XLSX as a format. A batch may override the interface's reading
-- settings (read_options) and keeps the encoding its input was read in
-- (read_encoding, decided over the whole input by the first pass).
ALTER TABLE interfaces
    ADD COLUMN encoding   text NOT NULL DEFAULT 'auto',
    ADD COLUMN csv_quote  text NOT NULL DEFAULT '"',
    ADD COLUMN xlsx_sheet text NOT NULL DEFAULT '',
    DROP CONSTRAINT interfaces_format_check,
    ADD CONSTRAINT interfaces_format_check CHECK (format IN ('json', 'xml', 'csv', 'xlsx'));

ALTER TABLE batches
    ADD COLUMN read_options  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(read_options) = 'object'),
    ADD COLUMN read_encoding text NOT NULL DEFAULT '',
    DROP CONSTRAINT batches_format_check,
    ADD CONSTRAINT batches_format_check CHECK (format IN ('json', 'xml', 'csv', 'xlsx'));

-- +goose Down
ALTER TABLE batches
    DROP COLUMN read_options,
    DROP COLUMN read_encoding,
    DROP CONSTRAINT batches_format_check,
    ADD CONSTRAINT batches_format_check CHECK (format IN ('json', 'xml', 'csv'));

ALTER TABLE interfaces
    DROP COLUMN encoding,
    DROP COLUMN csv_quote,
    DROP COLUMN xlsx_sheet,
    DROP CONSTRAINT interfaces_format_check,
    ADD CONSTRAINT interfaces_format_check CHECK (format IN ('json', 'xml', 'csv'));
