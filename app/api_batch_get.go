package app

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
)

// apiBatchGet answers GET /api/v1/batches/{id}: the batch report.
func (s *Server) apiBatchGet(c *fiber.Ctx) error {
	id, err := batchIDParam(c)
	if err != nil {
		return err
	}
	b, err := models.BatchByID(c.UserContext(), s.db, identity(c).AccountID, id)
	if err != nil {
		return err
	}
	return s.sendBatch(c, fiber.StatusOK, b)
}

// sendBatch answers with the report of b.
func (s *Server) sendBatch(c *fiber.Ctx, status int, b *models.Batch) error {
	files, err := models.FilesOfBatches(c.UserContext(), s.db, b.AccountID, []uuid.UUID{b.ID})
	if err != nil {
		return err
	}
	return s.sendBatchWithFiles(c, status, b, files[b.ID])
}

// sendBatchWithFiles answers with the report of batch b, whose files are files.
func (s *Server) sendBatchWithFiles(c *fiber.Ctx, status int, b *models.Batch, files []models.File) error {
	var groups map[uuid.UUID][]models.ErrorGroup
	if b.FailedCount > 0 { // the groups of failed records are saved with the count
		var err error
		groups, err = models.BatchErrorGroups(c.UserContext(), s.db, b.AccountID, []uuid.UUID{b.ID}, models.ErrorSummaryGroups)
		if err != nil {
			return err
		}
	}
	return c.Status(status).JSON(models.NewBatchDocument(b, files, s.cfg.BaseURL, time.Now()).WithErrorSummary(groups[b.ID]))
}

// sendBatchCreated answers 201 with the new batch's report and its Location.
func (s *Server) sendBatchCreated(c *fiber.Ctx, b *models.Batch) error {
	c.Location(s.batchURL(b.ID))
	return s.sendBatch(c, fiber.StatusCreated, b)
}

// batchIDParam reads the {id} of a batch route; an ID that is not a UUID
// names no batch, so it is a 404 like any unknown ID.
func batchIDParam(c *fiber.Ctx) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return uuid.Nil, models.ErrNotFound
	}
	return id, nil
}

// batchURL is the absolute URL of a batch's report.
func (s *Server) batchURL(id uuid.UUID) string { return models.BatchURL(s.cfg.BaseURL, id) }
