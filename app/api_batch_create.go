package app

import (
	"context"
	"errors"
	"io"
	"mime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/app/batches"
	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/models"
)

// Headers of the batch upload endpoints.
const (
	headerBatchStatus   = "X-Batch-Status"
	headerBatchName     = "X-Batch-Name"
	headerBatchDesigner = "X-Batch-Designer"
)

// batchUpload is what the URL and headers of a batch upload ask for, checked
// before a byte of the body is read.
type batchUpload struct {
	iface *models.Interface
	draft batches.Draft
	run   bool
	// fields are the v2 form fields as sent, for the request's hash.
	fields map[string]string
}

// openBatchUpload checks the interface and the headers of a v1 or v2 upload.
func (s *Server) openBatchUpload(c *fiber.Ctx, source models.Source) (*batchUpload, error) {
	ifaceID, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return nil, models.ErrNotFound
	}
	accountID := identity(c).AccountID
	in, err := models.InterfaceByID(c.UserContext(), s.db, accountID, ifaceID)
	if err != nil {
		return nil, err
	}
	if in.ArchivedAt != nil {
		return nil, NewHTTPError(fiber.StatusNotFound, "This interface is archived; it no longer receives batches.")
	}
	if !in.Scopes.Has(models.ScopeBatch) {
		return nil, NewHTTPError(fiber.StatusForbidden, "This interface does not have the scope batch, so it cannot receive batches. Add the scope on the interface's page.")
	}
	u := &batchUpload{iface: in, draft: batches.Draft{
		Name: strings.TrimSpace(c.Get(headerBatchName)), Format: in.Format,
		InterfaceID: &in.ID, Interface: in, Source: source,
	}}
	switch v := strings.TrimSpace(c.Get(headerBatchStatus)); {
	case v == "":
	case strings.EqualFold(v, string(models.StatusReady)):
		u.run = true
	default:
		return nil, NewHTTPError(fiber.StatusBadRequest, "X-Batch-Status accepts only READY (queue the batch at once); leave it out to keep the batch a DRAFT.")
	}
	if v := c.Get(headerBatchMapping); v != "" {
		if u.draft.ColumnMap, err = parseColumnMap([]byte(v)); err != nil {
			return nil, NewHTTPError(fiber.StatusBadRequest, "X-Batch-Mapping takes a JSON object of field names to column names (or null for no column).")
		}
	}
	if u.draft.Designer, err = parseFlag(c.Get(headerBatchDesigner)); err != nil {
		return nil, NewHTTPError(fiber.StatusBadRequest, "X-Batch-Designer accepts true or false.")
	}
	if u.draft.Name == "" {
		u.draft.Name = defaultBatchName(in.Name, time.Now())
	}
	if err := u.validate(); err != nil {
		return nil, err
	}
	return u, nil
}

// validate checks the draft as the batch service will, and first what only
// raw HTTP input can carry: bytes that are not UTF-8 text, or NUL, which
// PostgreSQL cannot store.
func (u *batchUpload) validate() error {
	errs := map[string]string{}
	for field, v := range map[string]string{"name": u.draft.Name, "description": u.draft.Description} {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			errs[field] = "Send UTF-8 text without NUL characters."
		}
	}
	if len(errs) == 0 {
		errs = u.draft.Validate()
	}
	if len(errs) > 0 {
		return &models.ValidationError{Fields: errs}
	}
	return nil
}

// parseFlag reads a true/false header or form value; empty is false.
func parseFlag(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "false", "0", "no":
		return false, nil
	case "true", "1", "yes":
		return true, nil
	}
	return false, errors.New("not a flag")
}

// defaultBatchName is "<interface name> <UTC time>", within the 120-character limit.
func defaultBatchName(ifaceName string, now time.Time) string {
	stamp := now.UTC().Format("2006-01-02 15:04:05 UTC")
	if r := []rune(ifaceName); len(r) > 120-len(stamp)-1 {
		ifaceName = string(r[:120-len(stamp)-1])
	}
	return ifaceName + " " + stamp
}

// contentTypesOf are the Content-Types a raw body of each format may carry;
// the first is the one error messages name.
var contentTypesOf = map[models.Format][]string{
	models.FormatJSON: {"application/json", "text/json", "application/x-ndjson", "application/jsonl"},
	models.FormatXML:  {"application/xml", "text/xml"},
	models.FormatCSV:  {"text/csv", "application/csv"},
	models.FormatXLSX: {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream"},
}

// checkContentType refuses a raw body whose Content-Type does not fit format f.
func checkContentType(c *fiber.Ctx, f models.Format) error {
	mediaType, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	for _, t := range contentTypesOf[f] {
		if mediaType == t {
			return nil
		}
	}
	suffix := map[models.Format]string{models.FormatJSON: "+json", models.FormatXML: "+xml"}[f]
	if suffix != "" && strings.HasPrefix(mediaType, "application/") && strings.HasSuffix(mediaType, suffix) {
		return nil
	}
	return NewHTTPError(fiber.StatusUnsupportedMediaType,
		"This interface reads "+strings.ToUpper(string(f))+": send the body with Content-Type: "+contentTypesOf[f][0]+".")
}

// storePayload streams r into storage (a small payload is kept for the
// transaction that registers it: storage.Store.PutSmall) and refuses a
// payload that is empty or only whitespace, or whose content is of another
// format than f (nothing is left stored then).
func (s *Server) storePayload(ctx context.Context, r io.Reader, f models.Format) (storage.Object, error) {
	head := &batches.HeadRecorder{R: r}
	blank := &blankDetector{r: head}
	obj, err := s.store.PutSmall(ctx, blank, contentTypesOf[f][0])
	if err != nil {
		return storage.Object{}, err
	}
	if !blank.content {
		s.dropObject(ctx, obj.Key)
		return storage.Object{}, noRecords()
	}
	if err := batches.CheckFormat(head.Head(), f); err != nil {
		s.dropObject(ctx, obj.Key)
		return storage.Object{}, err
	}
	return obj, nil
}

func noRecords() error {
	return &HTTPError{Status: fiber.StatusUnprocessableEntity, Title: "No records",
		Detail: "The payload has no records: it is empty or only whitespace."}
}

// dropObject deletes a stored payload that no batch will reference.
func (s *Server) dropObject(ctx context.Context, key string) {
	if err := s.store.Delete(context.WithoutCancel(ctx), key); err != nil {
		s.log.Warn("leaving an unreferenced stored object", "key", key, "error", err)
	}
}

// blankDetector passes a stream through and notes whether anything but
// whitespace went by; it stops looking at the first such byte.
type blankDetector struct {
	r       io.Reader
	content bool
}

func (b *blankDetector) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if !b.content {
		for _, c := range p[:n] {
			if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				b.content = true
				break
			}
		}
	}
	return n, err
}

// finishBatchUpload creates the batch over its stored input and, when the
// client asked for READY, creates it READY and queues it in the same
// transaction, so that a refused request, or a process that dies before
// answering, leaves no batch behind. room is the quota the upload was
// stored under: what it has left after the input says whether the account
// is full, as a quota read at Run would.
func (s *Server) finishBatchUpload(c *fiber.Ctx, u *batchUpload, obj storage.Object, room *quotaLimit) error {
	if err := s.claimIdempotencyKey(c, u.requestHash(c, obj)); err != nil {
		s.dropObject(c.UserContext(), obj.Key)
		return err
	}
	// The checks made in the creating transaction read the input it stores.
	ctx := storage.WithPending(c.UserContext(), obj)
	draft := u.draft
	draft.Ready = u.run
	b, input, err := s.batches.CreateWithInput(ctx, identity(c).AccountID, draft, obj, func(tx *gorm.DB, b *models.Batch, d *batches.Draft) (*models.Batch, error) {
		if d.ColumnMap != nil {
			if err := s.checkNewBatchMapping(ctx, tx, b); err != nil {
				return nil, err
			}
		}
		if !d.Ready {
			return b, nil
		}
		return s.queueUploaded(ctx, tx, b, d, room)
	})
	if err != nil {
		return err
	}
	// A new batch's only file is its input.
	c.Location(s.batchURL(b.ID))
	return s.sendBatchWithFiles(c, fiber.StatusCreated, b, []models.File{*input})
}

// requestHash identifies the upload for its Idempotency-Key: the address,
// the headers and form fields that shape the batch as sent (not the default
// name, which holds the time) and the payload's SHA-256, computed while it
// was stored, so that a retried multipart body with a new boundary is the
// same request.
func (u *batchUpload) requestHash(c *fiber.Ctx, obj storage.Object) []byte {
	mediaType, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	parts := []string{c.Method(), c.Path(), mediaType, c.Get(headerBatchStatus), c.Get(headerBatchName), c.Get(headerBatchDesigner)}
	names := make([]string, 0, len(u.fields))
	for k := range u.fields {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		parts = append(parts, k, u.fields[k])
	}
	return requestHash(append(parts, obj.SHA256)...)
}
