package app

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/models"
)

// Idempotency-Key handling of batch-creating POSTs (docs/api.md, "Retrying
// safely").
const (
	headerIdempotencyKey     = "Idempotency-Key"
	headerIdempotentReplayed = "Idempotent-Replayed"
	idempotencyTTL           = 24 * time.Hour
	idempotencyLease         = 5 * time.Minute
	maxIdempotencyKeyLength  = 255
	idempotencyLocal         = "idempotency"
)

// idempotentHeaders are the response headers stored with an answer and sent
// again with it.
var idempotentHeaders = []string{fiber.HeaderLocation, fiber.HeaderContentType}

// idempotentCall is the Idempotency-Key state of one request.
type idempotentCall struct {
	key     models.IdempotencyKey
	claimed bool
	stored  *models.IdempotentRequest
}

// errIdempotentReplay tells idempotent that the request was answered before:
// its stored answer is sent instead of the handler's.
var errIdempotentReplay = errors.New("answered before under this idempotency key")

// idempotent makes a batch-creating POST safe to retry. With an
// Idempotency-Key header, the first request claims the key; the same key with
// the same request within 24 hours gets the first answer again (with
// Idempotent-Replayed: true), with another request 422, and while the first
// is still running 409. A route whose body is streamed (streamedRoutes) hashes
// its request itself once the upload has arrived, by calling
// claimIdempotencyKey; any other route's body is hashed here.
func (s *Server) idempotent(c *fiber.Ctx) error {
	raw := strings.Clone(c.Get(headerIdempotencyKey)) // the create hook keeps it
	if raw == "" {
		return c.Next()
	}
	if !validIdempotencyKey(raw) {
		return NewHTTPError(fiber.StatusBadRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters (letters, digits, punctuation; no spaces). A UUID works well.")
	}
	id := identity(c)
	call := &idempotentCall{key: models.IdempotencyKey{AccountID: id.AccountID, APIKeyID: id.APIKeyID, Key: raw}}
	c.Locals(idempotencyLocal, call)
	var err error
	if streamed(c) == nil {
		err = s.claimIdempotencyKey(c, requestHash(c.Method(), c.Path(), string(c.Body())))
	}
	if err == nil {
		err = c.Next()
	}
	return s.finishIdempotent(c, call, err)
}

// validIdempotencyKey reports whether v is 1 to 255 visible ASCII characters.
func validIdempotencyKey(v string) bool {
	if len(v) > maxIdempotencyKeyLength {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// requestHash is the SHA-256 of the parts that make a request what it is.
func requestHash(parts ...string) []byte {
	h := sha256.New()
	for _, p := range parts {
		_ = binary.Write(h, binary.BigEndian, uint64(len(p)))
		h.Write([]byte(p))
	}
	return h.Sum(nil)
}

// claimIdempotencyKey claims the request's Idempotency-Key (if it has one)
// for the request with hash. Once claimed, the batch the request creates is
// recorded under the key in the batch's own transaction, so a retry after a
// process died between creating the batch and answering gets that batch.
// A key taken by another request is a *HTTPError (422, 409) or
// errIdempotentReplay.
func (s *Server) claimIdempotencyKey(c *fiber.Ctx, hash []byte) error {
	call, ok := c.Locals(idempotencyLocal).(*idempotentCall)
	if !ok {
		return nil
	}
	stored, err := models.ClaimIdempotencyKey(c.UserContext(), s.db, call.key, hash, idempotencyLease, idempotencyTTL)
	if err != nil {
		return err
	}
	switch {
	case stored == nil:
		call.claimed = true
		c.SetUserContext(models.WithBatchCreatedHook(c.UserContext(), func(tx *gorm.DB, b *models.Batch) error {
			return models.RecordIdempotentBatchTx(tx, call.key, b.ID)
		}))
		return nil
	case !stored.SameRequest(hash):
		return NewHTTPError(fiber.StatusUnprocessableEntity, "This Idempotency-Key was used in the last 24 hours for a different request (method, address, headers or body). Send a new key with a new request.")
	case stored.Status != 0 || (stored.BatchID != nil && stored.LeaseOver):
		call.stored = stored
		return errIdempotentReplay
	default:
		return &HTTPError{Status: fiber.StatusConflict, Title: "Request in progress",
			Detail:  "A request with this Idempotency-Key is in progress. Retry once it has finished to get its answer.",
			Headers: map[string]string{fiber.HeaderRetryAfter: "1"}}
	}
}

// finishIdempotent sends a stored answer again, or stores the answer of the
// request that claimed the key. A request that failed or was refused
// releases its key, since it leaves nothing behind.
func (s *Server) finishIdempotent(c *fiber.Ctx, call *idempotentCall, err error) error {
	ctx := context.WithoutCancel(c.UserContext())
	if errors.Is(err, errIdempotentReplay) {
		if err := s.replayAnswer(c, call.stored); err != nil || call.stored.Status != 0 {
			return err
		}
		// The answer made again from the batch is the key's answer from now on.
		call.claimed = true
	}
	if !call.claimed {
		return err
	}
	status := c.Response().StatusCode()
	if call.stored == nil && (err != nil || status < 200 || status > 299) {
		if rerr := models.ReleaseIdempotencyKey(ctx, s.db, call.key); rerr != nil {
			s.log.Warn("keeping a failed request's idempotency key until its lease ends", "error", rerr)
		}
		return err
	}
	headers := map[string]string{}
	for _, h := range idempotentHeaders {
		if v := c.GetRespHeader(h); v != "" {
			headers[h] = v
		}
	}
	if serr := models.SaveIdempotentAnswer(ctx, s.db, call.key, status, headers, slices.Clone(c.Response().Body())); serr != nil {
		// The batch is recorded under the key: a retry is answered from it.
		s.log.Warn("answer not stored under its idempotency key", "error", serr)
	}
	return nil
}

// replayAnswer sends the answer stored under a key. When the first request
// created its batch but died before answering (its lease is over), the
// answer is made again from the batch; an upload that asked for READY (the
// retry is the same request, headers included) whose batch is a DRAFT has
// it queued now: one left by an earlier version, which created and queued
// an upload's batch in two transactions and could die between them.
func (s *Server) replayAnswer(c *fiber.Ctx, stored *models.IdempotentRequest) error {
	c.Set(headerIdempotentReplayed, "true")
	if stored.Status == 0 {
		ctx, accountID := c.UserContext(), identity(c).AccountID
		b, err := models.BatchByID(ctx, s.db, accountID, *stored.BatchID)
		if err != nil {
			return err
		}
		asksReady := strings.EqualFold(strings.TrimSpace(c.Get(headerBatchStatus)), string(models.StatusReady))
		if streamed(c) != nil && asksReady && b.Status == models.StatusDraft {
			if b, err = s.runBatch(ctx, accountID, b.ID); err != nil {
				return err
			}
		}
		return s.sendBatchCreated(c, b)
	}
	for k, v := range stored.Headers {
		c.Set(k, v)
	}
	return c.Status(stored.Status).Send(stored.Body)
}
