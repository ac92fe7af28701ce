package app

import (
	"context"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// fileDelete answers POST /files/:id/delete: the file goes, and the browser
// returns to its folder. Batch files are refused with 409.
func (s *Server) fileDelete(c *fiber.Ctx) error {
	f, err := s.deleteFile(c)
	if err != nil {
		return err
	}
	return redirect(c, folderHref(f.Folder))
}

// deleteFile deletes the file named by :id, then its stored content.
func (s *Server) deleteFile(c *fiber.Ctx) (*models.File, error) {
	f, err := s.fileParam(c)
	if err != nil {
		return nil, err
	}
	f, err = models.DeleteFile(c.UserContext(), s.db, identity(c).AccountID, f.ID)
	if err != nil {
		return nil, err
	}
	s.deleteObjects(c, f.StorageKey)
	return f, nil
}

// deleteObjects removes stored content whose rows are gone. A failure leaves
// an unreachable object behind, which is logged rather than shown: the
// person's deletion did happen.
func (s *Server) deleteObjects(c *fiber.Ctx, keys ...string) {
	ctx := context.WithoutCancel(c.UserContext())
	for _, key := range keys {
		if err := s.store.Delete(ctx, key); err != nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "stored object left behind", append(logAttrs(c), slog.String("key", key), slog.Any("error", err))...)
		}
	}
}
