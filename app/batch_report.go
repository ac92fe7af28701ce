package app

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// Report limits: the groups shown, those read (for the field filter), and a
// page of failed records.
const (
	reportGroups     = 20
	reportGroupsRead = 1000
	reportErrors     = 50
)

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

// batchErrors is a page of a batch's failed records, optionally of one
// field: the report's error list, paged by keyset.
func (s *Server) batchErrors(c *fiber.Ctx) error {
	acct := identity(c).AccountID
	bid, err := batchParam(c)
	if err != nil {
		return err
	}
	after, err := strconv.ParseInt(c.Query("after", "-1"), 10, 64)
	if err != nil || after < -1 {
		after = -1
	}
	b, err := models.BatchByID(c.UserContext(), s.db, acct, bid)
	if err != nil {
		return err
	}
	groups, err := models.BatchErrorGroups(c.UserContext(), s.db, acct, []uuid.UUID{bid}, reportGroupsRead)
	if err != nil {
		return err
	}
	list, err := s.errorList(c.UserContext(), acct, b, groups[bid], c.Query("field"), after)
	if err != nil {
		return err
	}
	return renderComponent(c, pages.ReportErrorList(list))
}

func (s *Server) reportDetails(ctx context.Context, accountID uuid.UUID, v components.BatchView) (pages.ReportDetails, error) {
	d := pages.ReportDetails{Batch: v}
	bid := uuid.MustParse(v.ID)
	files, err := models.BatchFiles(ctx, s.db, accountID, bid)
	if err != nil {
		return d, err
	}
	for _, f := range files {
		kind := ""
		if f.Kind != nil {
			kind = string(*f.Kind)
		}
		d.Files = append(d.Files, pages.ReportFile{ID: f.ID.String(), Kind: kind, Name: f.Name, Size: humanSize(f.Size)})
		d.CanRerun = d.CanRerun || kind == string(models.KindFailed)
	}
	if d.Columns, err = s.reportColumns(ctx, accountID, bid); err != nil {
		return d, err
	}
	b, err := models.BatchByID(ctx, s.db, accountID, bid)
	if err != nil {
		return d, err
	}
	if b.FlowID != nil && b.ProcessedCount > 0 {
		d.RecordsURL = "/flows/" + b.FlowID.String() + "/records?batch=" + v.ID
	}
	if err := s.reportLinks(ctx, accountID, b, &d); err != nil {
		return d, err
	}
	if b.FailedCount == 0 {
		return d, nil
	}
	groups, err := models.BatchErrorGroups(ctx, s.db, accountID, []uuid.UUID{bid}, reportGroupsRead)
	if err != nil {
		return d, err
	}
	for _, g := range groups[bid] {
		if len(d.Groups) == reportGroups {
			d.MoreGroups++
			continue
		}
		d.Groups = append(d.Groups, pages.NewErrorGroupView(g))
	}
	d.ErrorList, err = s.errorList(ctx, accountID, b, groups[bid], "", -1)
	return d, err
}

// reportLinks fills the batch this one re-runs and the batches re-running it.
func (s *Server) reportLinks(ctx context.Context, accountID uuid.UUID, b *models.Batch, d *pages.ReportDetails) error {
	if b.ParentBatchID != nil {
		p, err := models.BatchByID(ctx, s.db, accountID, *b.ParentBatchID)
		if err != nil {
			return err
		}
		d.Parent = &pages.BatchLink{ID: p.ID.String(), Name: p.Name}
	}
	reruns, err := models.BatchReruns(ctx, s.db, accountID, b.ID)
	if err != nil {
		return err
	}
	for _, r := range reruns {
		d.Reruns = append(d.Reruns, pages.BatchLink{ID: r.ID.String(), Name: r.Name})
	}
	return nil
}

// errorList reads a page of b's failed records after index after, of field
// when it is not "".
func (s *Server) errorList(ctx context.Context, accountID uuid.UUID, b *models.Batch, groups []models.ErrorGroup, field string, after int64) (pages.ErrorListView, error) {
	v := pages.ErrorListView{BatchID: b.ID.String(), Field: field, Paged: after >= 0,
		Stored: min(b.FailedCount, models.MaxStoredErrors), Failed: b.FailedCount}
	seen := map[string]bool{}
	for _, g := range groups {
		if g.Field != "" && !seen[g.Field] {
			seen[g.Field] = true
			v.Fields = append(v.Fields, g.Field)
		}
	}
	page, err := models.ListBatchErrors(ctx, s.db, accountID, b.ID, models.ErrorFilter{Field: field, After: after, Limit: reportErrors})
	if err != nil {
		return v, err
	}
	for _, e := range page.Errors {
		re := pages.ReportError{Index: strconv.FormatInt(e.BatchIndex+1, 10), Field: e.Field, Value: e.Value, Message: e.Message}
		if e.Line > 0 {
			re.Line = strconv.Itoa(e.Line)
		}
		v.Errors = append(v.Errors, re)
	}
	if page.Next >= 0 {
		v.Next = strconv.FormatInt(page.Next, 10)
	}
	return v, nil
}
