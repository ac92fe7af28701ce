// Package ingest reads the records of a batch payload (JSON, CSV or XML) one at a
// time and maps each through the fields of an interface into a JSON document.
//
// A worker opens the payload as an io.Reader, calls NewReader with the
// interface's format options and NewMapper with its fields, then loops:
//
//	for {
//		rec, err := r.Next()
//		if errors.Is(err, io.EOF) {
//			break
//		}
//		if err != nil {
//			return err // a *PayloadError: the payload is unusable
//		}
//		buf, key, err = m.Map(buf[:0], rec)
//		if err != nil {
//			// a *FieldError: report the record and skip it
//		}
//	}
//
// Memory is bounded by one record, never by the payload: a record larger than
// Options.MaxRecordSize (DefaultMaxRecordSize, 16 MiB, when zero) is a
// *PayloadError. Values around the records (other keys of a JSON document, text
// outside XML record elements) are streamed past without being kept; in XML, a
// single token there (a text run, a tag, a comment) larger than the limit fails
// like a record, as do the names of the elements open there, together.
//
// # Errors
//
// Next returns a *PayloadError when the payload is not valid for its format, with
// the byte offset, the line and the index of the record being read. A payload
// without any record is a *PayloadError "no records found", returned by Next in
// place of io.EOF. The reader stops at the first such error and returns it again
// on every later call. Other errors of Next come from the underlying io.Reader.
//
// Map returns a *FieldError when a record cannot be mapped: a value of the wrong
// type, a required value missing, a record that is not a JSON object, a CSV row
// with a wrong number of columns. Such a record is to be skipped; the reader goes on.
//
// # JSON
//
// The records are the elements of a top-level array; or, with RecordsPath, of the
// array at that dotted path through nested objects ("data.items"); or, when the
// document starts with '{' and RecordsPath is "", a sequence of objects separated
// by whitespace (NDJSON: one object per line, blank lines ignored). The whole
// document is validated, including what follows the records. A UTF-8 byte order
// mark is skipped. An element that is not an object is a FieldError for that
// record, not a payload error. Sources are member names or dotted paths into
// nested objects ("address.city"); a member whose name contains the dots is
// preferred. When a name occurs twice in an object, the last one wins.
// Strings are checked for UTF-8 when mapped, not when read, so that a stray byte
// fails one record rather than the batch.
//
// # CSV
//
// RFC 4180: quoted fields may hold delimiters, doubled quotes and line breaks;
// lines end in LF or CRLF; a UTF-8 byte order mark is skipped; the delimiter is
// one character (',' by default). A quote inside an unquoted field, or a quoted
// field left open, is a payload error. With a header row, sources are column
// names (surrounding spaces ignored; the first of duplicate names wins); without
// one, sources are 1-based column numbers. A row whose column count differs from
// the header's (or, without a header, the first row's) fails as a FieldError.
// Record.Offset is where the reader started reading the row.
//
// # XML
//
// Each element whose local name is RecordElement, at any depth, is a record
// (elements of that name inside a record are ordinary children). Sources are
// child element names, dotted paths of nested elements ("address.city"), and
// attributes as "@name" for the record element or "address.@kind" for a child.
// Only elements without child elements have a value (their text, CDATA included);
// the last of repeated elements wins. A DOCTYPE (or any other "<!" declaration)
// is refused ("DTD not allowed"), as are entity references other than the five
// predefined ones (character references such as "&#233;" are fine). Only UTF-8 is accepted: an XML declaration may
// name "UTF-8" or "utf8" (any case), or "US-ASCII"/"ASCII", a subset of it.
// The package reads XML with a tokenizer of its own that accepts exactly what
// encoding/xml does (Strict, RawToken); docs/engine.md lists what that implies
// and where the errors differ.
//
// # Types
//
// Values are mapped as follows; surrounding spaces are ignored for every type but
// string. A value that is absent, null or empty is missing: a missing required
// field fails the record ("required field missing"), a missing optional field is
// left out of the document.
//
//   - string: JSON strings, and the text of JSON numbers and booleans; objects and
//     arrays are refused. Values with a NUL character or invalid UTF-8 are refused.
//   - integer: an optional sign and decimal digits within int64 ("1.0" and "1e3"
//     are refused); written without leading zeros.
//   - number: a JSON number is kept as written; other decimal text ("+1.5", ".5",
//     "007") is normalised; values beyond the float64 range, NaN and infinities
//     are refused.
//   - boolean: true/false, yes/no, 1/0, in any case.
//   - date: YYYY-MM-DD, a real calendar date from year 1 to 9999.
//   - datetime: RFC 3339 with a time zone ('T' or a space between date and time),
//     written in UTC with the fraction of the second kept, as
//     "2024-01-31T12:45:00.5Z".
//
// The key, when the mapper has a key field, is that field's mapped value as text;
// a record whose key is missing fails ("key field external_id is empty").
package ingest
