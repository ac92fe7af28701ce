package batches

import (
	"context"
	"fmt"
	"io"

	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
)

// headSize is how much of an input's start is kept to recognise its format.
const headSize = 4 << 10

// HeadRecorder passes a stream through and keeps its first bytes.
type HeadRecorder struct {
	R    io.Reader
	head []byte
}

// Read implements io.Reader.
func (h *HeadRecorder) Read(p []byte) (int, error) {
	n, err := h.R.Read(p)
	if room := headSize - len(h.head); room > 0 {
		h.head = append(h.head, p[:min(n, room)]...)
	}
	return n, err
}

// Head returns the first bytes that went by.
func (h *HeadRecorder) Head() []byte { return h.head }

// CheckFormat refuses an input whose first bytes show another format than
// want: JSON, XML or a workbook where another of them is expected, or text
// where a workbook is. Text that merely fails to be JSON or XML is left to
// the reader, which says where it goes wrong.
func CheckFormat(head []byte, want models.Format) error {
	got := models.Format(ingest.SniffFormat(head))
	if got == want || got == models.FormatCSV && want != models.FormatXLSX {
		return nil
	}
	return &models.FormatMismatchError{Got: got, Want: want}
}

// checkStoredFormat reads the start of a stored object and checks its format.
func (s *Service) checkStoredFormat(ctx context.Context, key string, want models.Format) error {
	r, err := s.Store.Open(ctx, key)
	if err != nil {
		return err
	}
	defer r.Close()
	head := make([]byte, headSize)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return fmt.Errorf("reading the start of %s: %w", key, err)
	}
	return CheckFormat(head[:n], want)
}
