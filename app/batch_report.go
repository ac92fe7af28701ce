package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// reportErrors is how many lines of the error file the report shows.
const reportErrors = 50

// batchReport is a batch's report page.
func (s *Server) batchReport(c *fiber.Ctx) error {
	id := identity(c)
	bid, err := batchParam(c)
	if err != nil {
		return err
	}
	v, err := s.batchView(c, id.AccountID, bid)
	if err != nil {
		return err
	}
	d, err := s.reportDetails(c.UserContext(), id.AccountID, v)
	if err != nil {
		return err
	}
	return renderComponent(c, pages.BatchReport(pages.ReportView{Layout: s.layout(c, id, layouts.SectionBatches, v.Name), Batch: v, Details: d}))
}

// batchDetails is the report's status-dependent part, reloaded live.
func (s *Server) batchDetails(c *fiber.Ctx) error {
	acct := identity(c).AccountID
	bid, err := batchParam(c)
	if err != nil {
		return err
	}
	v, err := s.batchView(c, acct, bid)
	if err != nil {
		return err
	}
	d, err := s.reportDetails(c.UserContext(), acct, v)
	if err != nil {
		return err
	}
	return renderComponent(c, pages.ReportDetailsPart(d))
}

func (s *Server) reportDetails(ctx context.Context, accountID uuid.UUID, v components.BatchView) (pages.ReportDetails, error) {
	d := pages.ReportDetails{Batch: v}
	files, err := models.BatchFiles(ctx, s.db, accountID, uuid.MustParse(v.ID))
	if err != nil {
		return d, err
	}
	for _, f := range files {
		kind := ""
		if f.Kind != nil {
			kind = string(*f.Kind)
		}
		d.Files = append(d.Files, pages.ReportFile{ID: f.ID.String(), Kind: kind, Name: f.Name, Size: humanSize(f.Size)})
		if kind == string(models.KindError) {
			d.Errors, d.ErrorsTotal = s.readErrors(ctx, f.StorageKey)
		}
	}
	d.Columns, err = s.reportColumns(ctx, accountID, uuid.MustParse(v.ID))
	return d, err
}

// errorLine is one entry of a batch's error file.
type errorLine struct {
	Index   *int64 `json:"index"`
	Line    *int64 `json:"line"`
	Offset  *int64 `json:"offset"`
	Field   string `json:"field"`
	Value   any    `json:"value"`
	Message string `json:"message"`
	Error   string `json:"error"`
}

// readErrors reads the first reportErrors lines of an error file; a file that
// cannot be read shows no errors rather than failing the report.
func (s *Server) readErrors(ctx context.Context, key string) ([]pages.ReportError, bool) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r, err := s.store.Open(ctx, key)
	if err != nil {
		s.log.Warn("reading an error file", "key", key, "error", err)
		return nil, false
	}
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []pages.ReportError
	for sc.Scan() {
		if len(out) == reportErrors {
			return out, true
		}
		var e errorLine
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		re := pages.ReportError{Field: e.Field, Message: e.Message}
		if re.Message == "" {
			re.Message = e.Error
		}
		if e.Index != nil {
			re.Index = strconv.FormatInt(*e.Index+1, 10)
		}
		switch {
		case e.Line != nil && *e.Line > 0:
			re.Line = strconv.FormatInt(*e.Line, 10)
		case e.Offset != nil:
			re.Line = "byte " + strconv.FormatInt(*e.Offset, 10)
		}
		if e.Value != nil {
			if str, ok := e.Value.(string); ok {
				re.Value = str
			} else if b, err := json.Marshal(e.Value); err == nil {
				re.Value = string(b)
			}
		}
		out = append(out, re)
	}
	if err := sc.Err(); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Warn("reading an error file", "key", key, "error", err)
	}
	return out, false
}
