package app

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/app/batches"
	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/models"
)

// The account storage quota (FLOWBATCH_ACCOUNT_QUOTA; docs/files.md, "Quota").
// Storage used is the account_usage counter, which the files table keeps
// up to date in the transaction of every change.

// accountFull is the 507 answer for an account whose files fill its quota.
func (s *Server) accountFull(used int64) *HTTPError {
	return &HTTPError{Status: fiber.StatusInsufficientStorage, Title: "Storage quota reached",
		Detail: fmt.Sprintf("Your account stores %s of its %s quota. Delete files or batches to make room, then try again.",
			humanSize(used), humanSize(s.cfg.AccountQuota))}
}

// tooLargeForQuota is the 413 answer for an upload that does not fit in what is left.
func (s *Server) tooLargeForQuota(size, left int64) *HTTPError {
	what := "This upload"
	if size > 0 {
		what += " (" + humanSize(size) + ")"
	}
	return &HTTPError{Status: fiber.StatusRequestEntityTooLarge, Title: http.StatusText(http.StatusRequestEntityTooLarge),
		Detail: fmt.Sprintf("%s does not fit in the %s left of your account's %s storage quota. Delete files or batches to make room.",
			what, humanSize(left), humanSize(s.cfg.AccountQuota))}
}

// requireRoom refuses (507) work that would store need more bytes in an
// account that has not that much left, or is full: a clone (its input's
// size), a batch run (results are written later and never cut off, so a
// batch is refused at Run when the account is full).
func (s *Server) requireRoom(ctx context.Context, accountID uuid.UUID, need int64) error {
	return s.requireRoomIn(ctx, s.db, accountID, need)
}

// requireRoomIn is requireRoom reading the account's usage through db, a
// transaction that may have added to it.
func (s *Server) requireRoomIn(ctx context.Context, db *gorm.DB, accountID uuid.UUID, need int64) error {
	used, err := models.StorageUsed(ctx, db, accountID)
	if err != nil {
		return err
	}
	if used >= s.cfg.AccountQuota || need > s.cfg.AccountQuota-used {
		return s.accountFull(used)
	}
	return nil
}

// uploadRoom checks the quota before an upload's body is read: 507 when the
// account is full, 413 when the request's Content-Length alone does not fit
// (a gzip body's decoded size is not known). It returns a quotaLimit that
// the stored bytes must go through, which refuses (413) the byte that
// overflows what is left.
func (s *Server) uploadRoom(c *fiber.Ctx) (*quotaLimit, error) {
	used, err := models.StorageUsed(c.UserContext(), s.db, identity(c).AccountID)
	if err != nil {
		return nil, err
	}
	if used >= s.cfg.AccountQuota {
		return nil, s.accountFull(used)
	}
	left := s.cfg.AccountQuota - used
	if n := int64(c.Request().Header.ContentLength()); n > left && !isGzipBody(c) {
		return nil, s.tooLargeForQuota(n, left)
	}
	return &quotaLimit{left: left, tooLarge: s.tooLargeForQuota(0, left)}, nil
}

func isGzipBody(c *fiber.Ctx) bool {
	return c.Get(fiber.HeaderContentEncoding) != "" && c.Get(fiber.HeaderContentEncoding) != "identity"
}

// quotaLimit counts the bytes one request stores, over all its files.
type quotaLimit struct {
	left     int64
	tooLarge *HTTPError
}

// Reader passes r through, failing with the 413 once the request's files
// together exceed what was left.
func (q *quotaLimit) Reader(r io.Reader) io.Reader { return &quotaReader{r: r, q: q} }

type quotaReader struct {
	r io.Reader
	q *quotaLimit
}

func (qr *quotaReader) Read(p []byte) (int, error) {
	n, err := qr.r.Read(p)
	qr.q.left -= int64(n)
	if qr.q.left < 0 {
		return 0, qr.q.tooLarge
	}
	return n, err
}

// runBatch queues a DRAFT batch (jobs.RunBatch) unless the account is full:
// its result files are written while it runs and are never cut off, so the
// quota is enforced before.
func (s *Server) runBatch(ctx context.Context, accountID, batchID uuid.UUID) (*models.Batch, error) {
	if err := s.requireRoom(ctx, accountID, 0); err != nil {
		return nil, err
	}
	return jobs.RunBatch(ctx, s.db, s.queue, accountID, batchID)
}

// runNew queues, in tx, batch b created by tx, refusing (507) when the
// account, with what tx stored, is full.
func (s *Server) runNew(ctx context.Context, tx *gorm.DB, b *models.Batch) (*models.Batch, error) {
	if err := s.requireRoomIn(ctx, tx, b.AccountID, 0); err != nil {
		return nil, err
	}
	return jobs.RunBatchTx(ctx, tx, s.queue, b.AccountID, b.ID)
}

// queueUploaded queues, in tx, batch b created READY by tx from draft d
// over an upload stored under room, refusing (507) when the upload filled
// the account.
func (s *Server) queueUploaded(ctx context.Context, tx *gorm.DB, b *models.Batch, d *batches.Draft, room *quotaLimit) (*models.Batch, error) {
	if room.left <= 0 {
		return nil, s.accountFull(s.cfg.AccountQuota - room.left)
	}
	return jobs.QueueCreatedTx(ctx, tx, s.queue, b, d.Interface, d.Flow)
}

// cloneBatch copies a batch into a new DRAFT when the account has room for
// another copy of its input.
func (s *Server) cloneBatch(ctx context.Context, accountID, batchID uuid.UUID) (*models.Batch, error) {
	size, err := models.BatchInputSize(ctx, s.db, accountID, batchID)
	if err != nil {
		return nil, err
	}
	if err := s.requireRoom(ctx, accountID, size); err != nil {
		return nil, err
	}
	return s.batches.Clone(ctx, accountID, batchID)
}
