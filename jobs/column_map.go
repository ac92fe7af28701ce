package jobs

import (
	"bytes"
	"errors"
	"io"

	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/models/colmatch"
)

// Column detection reads the first records of a payload only: at most
// detectRecords records, and no record starting after detectBytes, so a
// 1 GiB input answers as fast as a small one (docs/benchmarks.md).
const (
	detectRecords = 50
	detectBytes   = 1 << 20
)

// ReaderOptionsError tells that an interface's format options cannot be
// used to read its payloads: a fault of the interface, not of the payload.
// Its text is the reader's reason.
type ReaderOptionsError struct{ Err error }

func (e *ReaderOptionsError) Error() string { return e.Err.Error() }

func (e *ReaderOptionsError) Unwrap() error { return e.Err }

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// DetectColumns returns the columns of a payload, with sample values, as
// seen in its first records (CSV header names, JSON keys and nested paths,
// XML element paths and attributes). A payload that is not valid for its
// format within those records gives a *ingest.PayloadError, with the
// columns seen before the fault; unusable options give a *ReaderOptionsError.
func DetectColumns(r io.Reader, opts ingest.Options) ([]colmatch.Column, error) {
	// An auto input whose start proves not to be UTF-8 is read again in the
	// fallback encoding, as the validation pass reads it: from its start
	// when it is held in memory, else from the bytes already read, then the
	// rest.
	if held, ok := r.(heldReader); ok {
		start, err := held.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, err
		}
		cols, err := detectColumns(held, opts)
		if errors.Is(err, ingest.ErrNotUTF8) && opts.Encoding == ingest.EncodingAuto {
			if _, err := held.Seek(start, io.SeekStart); err != nil {
				return nil, err
			}
			opts.Encoding = ingest.AutoFallback
			return detectColumns(held, opts)
		}
		return cols, err
	}
	var head bytes.Buffer
	cols, err := detectColumns(io.TeeReader(r, &head), opts)
	if errors.Is(err, ingest.ErrNotUTF8) && opts.Encoding == ingest.EncodingAuto {
		opts.Encoding = ingest.AutoFallback
		return detectColumns(io.MultiReader(&head, r), opts)
	}
	return cols, err
}

// heldReader is an input held in memory (a *bytes.Reader): it can be read
// again from its start, and says how much of it is left, by which the
// readers size their buffers.
type heldReader interface {
	io.ReadSeeker
	Len() int
}

// sizedReader counts what it reads of a heldReader and still says how much
// is left.
type sizedReader struct {
	*countingReader
	held heldReader
}

func (s sizedReader) Len() int { return s.held.Len() }

func detectColumns(r io.Reader, opts ingest.Options) ([]colmatch.Column, error) {
	cr := &countingReader{r: r}
	var src io.Reader = cr
	if held, ok := r.(heldReader); ok {
		src = sizedReader{cr, held}
	}
	rd, err := ingest.NewReader(src, opts)
	if err != nil {
		return nil, &ReaderOptionsError{Err: err}
	}
	var c colmatch.Collector
	for n := 0; n < detectRecords && (n == 0 || cr.n < detectBytes); n++ {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return c.Columns(), err
		}
		rec.EachValue(c.Add)
	}
	return c.Columns(), nil
}

// MappedFields converts an interface's fields to the engine's under an
// effective column map (colmatch.Resolve): each field reads the column the
// map names, and a field mapped to no column is left out. Preview, "Check
// all records" and the worker all map through it.
func MappedFields(fields models.Fields, effective map[string]string) []ingest.Field {
	out := make([]ingest.Field, 0, len(fields))
	for _, f := range IngestFields(fields) {
		if col, ok := effective[f.Name]; ok {
			if col == "" {
				continue
			}
			f.Source = col
		}
		out = append(out, f)
	}
	return out
}
