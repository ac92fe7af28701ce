package app

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// batchList is the overview: a page of the account's batches.
func (s *Server) batchList(c *fiber.Ctx) error {
	id := identity(c)
	q := models.OverviewQuery{
		Status: models.Status(c.Query("status")),
		Search: c.Query("q"),
		Sort:   c.Query("sort"),
		Page:   c.QueryInt("page", 1),
		Errors: c.Query("errors") == "1",
	}
	q.Normalize()
	now := time.Now()
	ov, err := models.ListOverview(c.UserContext(), s.db, id.AccountID, q)
	if err != nil {
		return err
	}
	v := pages.BatchesView{
		Layout: s.layout(c, id, layouts.SectionBatches, "Batches"),
		Query:  q, Counts: ov.Counts, All: ov.All, Matching: ov.Matching, WithErrors: ov.WithErrors, Pages: ov.Pages, RenderedAt: now,
		Rows: make([]components.BatchView, len(ov.Items)),
	}
	waiting := make([]*components.BatchView, len(ov.Items))
	for i := range ov.Items {
		v.Rows[i] = s.rowView(&ov.Items[i], now)
		waiting[i] = &v.Rows[i]
	}
	if err := s.markWorkerWait(c.UserContext(), waiting...); err != nil {
		return err
	}
	return renderComponent(c, pages.Batches(v))
}

// rowView is the view of a batch's row, report or wizard summary, with
// when retention will delete it.
func (s *Server) rowView(it *models.BatchListItem, now time.Time) components.BatchView {
	v := components.NewBatchView(it, now)
	v.Expires = it.Batch.ExpiresAt(s.cfg.Retention)
	return v
}
