package app

import (
	"mime"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiBatchFile answers GET /api/v1/batches/{id}/files/{kind}: the content of
// one of the batch's files (input, output, process, error), or 404 when the
// batch has no such file (yet).
func (s *Server) apiBatchFile(c *fiber.Ctx) error {
	id, err := batchIDParam(c)
	if err != nil {
		return err
	}
	kind := models.FileKind(c.Params("kind"))
	switch kind {
	case models.KindInput, models.KindOutput, models.KindProcess, models.KindError, models.KindFailed:
	default:
		return NewHTTPError(fiber.StatusNotFound, "kind must be input, output, process, error or failed.")
	}
	ctx := c.UserContext()
	f, err := models.FileOfBatch(ctx, s.db, identity(c).AccountID, id, kind)
	if err != nil {
		return err
	}
	r, err := s.store.Open(ctx, f.StorageKey)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, f.ContentType)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	c.Set("X-Content-SHA256", f.SHA256)
	// fasthttp closes the reader once it is sent.
	return c.SendStream(r, int(f.Size))
}
