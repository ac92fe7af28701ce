package app

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
)

// Page sizes of GET /api/v1/batches.
const (
	defaultBatchPage = 50
	maxBatchPage     = 200
)

// batchListDoc is a page of batches and the cursor of the next one.
type batchListDoc struct {
	Data       []models.BatchDocument `json:"data"`
	NextCursor *string                `json:"next_cursor"`
}

// apiBatchList answers GET /api/v1/batches: the account's batches, newest
// first, optionally of one status, a page at a time (?limit=, ?cursor=).
func (s *Server) apiBatchList(c *fiber.Ctx) error {
	q := models.BatchPageQuery{Status: models.Status(c.Query("status")), Limit: defaultBatchPage}
	if q.Status != "" && !q.Status.Valid() {
		return NewHTTPError(fiber.StatusBadRequest, "status must be one of DRAFT, READY, PROCESSING, FINISHED, ERROR.")
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxBatchPage {
			return NewHTTPError(fiber.StatusBadRequest, "limit must be a whole number from 1 to "+strconv.Itoa(maxBatchPage)+".")
		}
		q.Limit = n
	}
	if v := c.Query("cursor"); v != "" {
		cur, err := models.ParseBatchCursor(v)
		if err != nil {
			return NewHTTPError(fiber.StatusBadRequest, "cursor is not valid: pass the next_cursor of the previous page as it is.")
		}
		q.After = &cur
	}
	id := identity(c)
	batches, next, err := models.ListBatchesPage(c.UserContext(), s.db, id.AccountID, q)
	if err != nil {
		return err
	}
	ids := make([]uuid.UUID, len(batches))
	for i := range batches {
		ids[i] = batches[i].ID
	}
	files, err := models.FilesOfBatches(c.UserContext(), s.db, id.AccountID, ids)
	if err != nil {
		return err
	}
	groups, err := models.BatchErrorGroups(c.UserContext(), s.db, id.AccountID, ids, models.ErrorSummaryGroups)
	if err != nil {
		return err
	}
	doc := batchListDoc{Data: make([]models.BatchDocument, 0, len(batches))}
	now := time.Now()
	for i := range batches {
		doc.Data = append(doc.Data, models.NewBatchDocument(&batches[i], files[batches[i].ID], s.cfg.BaseURL, now).WithErrorSummary(groups[batches[i].ID]))
	}
	if next != nil {
		token := next.String()
		doc.NextCursor = &token
	}
	return c.JSON(doc)
}
