package app

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/app/batches"
	"github.com/flowbatch/flowbatch/app/upload"
	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/models"
)

// apiBatchRerun answers POST /api/v1/batches/{id}/rerun-failed: a new DRAFT
// batch (201) that re-runs the failed records of an ended batch, linked to it
// by parent_batch_id. Without a body its input is the batch's failed records;
// a raw body in the batch's format (the corrected records, up to V1MaxBytes)
// replaces them. X-Batch-Status: READY queues it at once.
func (s *Server) apiBatchRerun(c *fiber.Ctx) error {
	id, err := batchIDParam(c)
	if err != nil {
		return err
	}
	ctx, acct := c.UserContext(), identity(c).AccountID
	run := false
	switch v := strings.TrimSpace(c.Get(headerBatchStatus)); {
	case v == "":
	case strings.EqualFold(v, string(models.StatusReady)):
		run = true
	default:
		return NewHTTPError(fiber.StatusBadRequest, "X-Batch-Status accepts only READY (queue the batch at once); leave it out to keep the batch a DRAFT.")
	}
	parent, err := models.BatchByID(ctx, s.db, acct, id)
	if err != nil {
		return err
	}
	if parent.FailedCount == 0 || parent.Outcome() == "" {
		return &models.NoFailedRecordsError{Status: parent.Status} // before reading a body that would be thrown away
	}
	var fixed *storage.Object
	sha := ""
	if c.Request().Header.ContentLength() != 0 {
		if err := checkContentType(c, parent.Format); err != nil {
			return err
		}
		if err := s.requireRoom(ctx, acct, max(int64(c.Request().Header.ContentLength()), 0)); err != nil {
			return err
		}
		body, err := upload.Body(c, s.uploadOptions(c))
		if err != nil {
			return err
		}
		obj, err := s.storePayload(ctx, body, parent.Format)
		if err != nil {
			return err
		}
		fixed, sha = &obj, obj.SHA256
	}
	// The same key is the same re-run: of the same batch, with the same
	// corrected records (by their hash) or none, queued or not.
	if err := s.claimIdempotencyKey(c, requestHash(c.Method(), c.Path(), sha, strconv.FormatBool(run))); err != nil {
		if fixed != nil {
			s.dropObject(ctx, fixed.Key)
		}
		return err
	}
	// Queued in the transaction that creates it: refused, or cut short by
	// the process's end, the re-run leaves no batch.
	var then batches.Then
	if run {
		then = func(tx *gorm.DB, b *models.Batch, _ *batches.Draft) (*models.Batch, error) {
			return s.runNew(ctx, tx, b)
		}
	}
	b, err := s.batches.RerunFailed(ctx, acct, id, models.SourceAPIv1, fixed, then)
	if err != nil {
		return err
	}
	return s.sendBatchCreated(c, b)
}
