package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiBatchFile answers GET /api/v1/batches/{id}/files/{kind}: the content of
// one of the batch's files (input, output, process, error), sent as the files
// API sends it (ETag, Range), or 404 when the batch has no such file (yet).
func (s *Server) apiBatchFile(c *fiber.Ctx) error {
	id, err := batchIDParam(c)
	if err != nil {
		return err
	}
	kind := models.FileKind(c.Params("kind"))
	switch kind {
	case models.KindInput, models.KindOutput, models.KindProcess, models.KindError:
	default:
		return NewHTTPError(fiber.StatusNotFound, "kind must be input, output, process or error.")
	}
	f, err := models.FileOfBatch(c.UserContext(), s.db, identity(c).AccountID, id, kind)
	if err != nil {
		return err
	}
	return s.sendFile(c, f)
}
