package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiBatchList answers GET /api/v1/batches: the account's batches, newest first.
func (s *Server) apiBatchList(c *fiber.Ctx) error {
	status := models.Status(c.Query("status"))
	if status != "" && !status.Valid() {
		return NewHTTPError(fiber.StatusBadRequest, "status must be one of DRAFT, READY, PROCESSING, FINISHED, ERROR.")
	}
	batches, err := models.ListBatches(c.UserContext(), s.db, identity(c).AccountID, models.BatchFilter{Status: status, Limit: 100})
	if err != nil {
		return err
	}
	docs := make([]batchDoc, 0, len(batches))
	for i := range batches {
		docs = append(docs, newBatchDoc(&batches[i]))
	}
	return c.JSON(fiber.Map{"data": docs})
}
