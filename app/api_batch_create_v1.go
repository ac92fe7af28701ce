package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/app/upload"
	"github.com/flowbatch/flowbatch/models"
)

// apiBatchCreateV1 answers POST /api/v1/interfaces/{id}/batch: the raw body,
// in the interface's format (JSON, XML or CSV) and up to V1MaxBytes, becomes
// the input of a new batch.
func (s *Server) apiBatchCreateV1(c *fiber.Ctx) error {
	u, err := s.openBatchUpload(c, models.SourceAPIv1)
	if err != nil {
		return err
	}
	if err := checkContentType(c, u.iface.Format); err != nil {
		return err
	}
	room, err := s.uploadRoom(c)
	if err != nil {
		return err
	}
	body, err := upload.Body(c, s.uploadOptions(c))
	if err != nil {
		return err
	}
	obj, err := s.storePayload(c.UserContext(), room.Reader(body), u.iface.Format)
	if err != nil {
		return err
	}
	return s.finishBatchUpload(c, u, obj, room)
}
