package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/valyala/fasthttp"

	"github.com/flowbatch/flowbatch/app/upload"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/pages"
)

// HTTPError is an error with the status and the human message a client should
// see. Handlers return it for expected failures; anything else is a 500 whose
// text is logged and never shown.
type HTTPError struct {
	Status int
	Title  string
	Detail string
	// Fields holds one message per invalid input field (API 422 answers).
	Fields map[string]string
	// Headers are added to the response (e.g. Retry-After, WWW-Authenticate).
	Headers map[string]string
	Err     error
}

func (e *HTTPError) Error() string {
	if e.Err != nil {
		return e.Title + ": " + e.Err.Error()
	}
	return e.Title + ": " + e.Detail
}

func (e *HTTPError) Unwrap() error { return e.Err }

// NewHTTPError returns an HTTPError with the standard title of status.
func NewHTTPError(status int, detail string) *HTTPError {
	return &HTTPError{Status: status, Title: http.StatusText(status), Detail: detail}
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	Status   int               `json:"status"`
	Detail   string            `json:"detail,omitempty"`
	Instance string            `json:"instance,omitempty"`
	Errors   map[string]string `json:"errors,omitempty"`
}

// PostgreSQL's answers to text it cannot store: NUL or invalid UTF-8.
const (
	pgCharacterNotInRepertoire = "22021"
	pgUntranslatableCharacter  = "22P05"
)

// classify maps any error to the HTTPError a client sees.
func classify(err error) *HTTPError {
	var he *HTTPError
	if errors.As(err, &he) {
		return he
	}
	var up *upload.Error
	if errors.As(err, &up) {
		return &HTTPError{Status: up.Status, Title: http.StatusText(up.Status), Detail: up.Detail, Err: err}
	}
	var invalid *models.ValidationError
	if errors.As(err, &invalid) {
		return &HTTPError{Status: fiber.StatusUnprocessableEntity, Title: "Invalid input",
			Detail: "Some fields are not valid; see errors.", Fields: invalid.Fields, Err: err}
	}
	var status *models.NotAllowedError
	if errors.As(err, &status) {
		return &HTTPError{Status: fiber.StatusConflict, Title: "Not allowed in this status", Detail: status.Reason(), Err: err}
	}
	var noFailed *models.NoFailedRecordsError
	if errors.As(err, &noFailed) {
		return &HTTPError{Status: fiber.StatusConflict, Title: "Nothing to re-run", Detail: noFailed.Reason(), Err: err}
	}
	var protected *models.ProtectedError
	if errors.As(err, &protected) {
		return &HTTPError{Status: fiber.StatusConflict, Title: "Owned by a batch", Detail: protected.Reason, Err: err}
	}
	var notEmpty *models.FolderNotEmptyError
	if errors.As(err, &notEmpty) {
		return &HTTPError{Status: fiber.StatusConflict, Title: "Folder not empty", Detail: notEmpty.Reason(), Err: err}
	}
	var incomplete *models.IncompleteError
	if errors.As(err, &incomplete) {
		return &HTTPError{Status: fiber.StatusUnprocessableEntity, Title: "Batch incomplete",
			Detail: "The batch cannot run yet. Missing: " + strings.Join(incomplete.Missing, ", ") + ".", Err: err}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == pgCharacterNotInRepertoire || pgErr.Code == pgUntranslatableCharacter) {
		// Input checks refuse NUL and invalid UTF-8 first; this catches what they miss.
		return &HTTPError{Status: fiber.StatusBadRequest, Title: "Bad Request",
			Detail: "Text must be UTF-8 without NUL characters. Correct it and send again.", Err: err}
	}
	var mismatch *models.FormatMismatchError
	if errors.As(err, &mismatch) {
		return &HTTPError{Status: fiber.StatusUnprocessableEntity, Title: "Wrong format", Detail: mismatch.Error(), Err: err}
	}
	if errors.Is(err, models.ErrNotFound) {
		return NewHTTPError(fiber.StatusNotFound, "There is nothing here, or it belongs to another account.")
	}
	if errors.Is(err, models.ErrDuplicate) {
		return NewHTTPError(fiber.StatusConflict, "Something with that name already exists.")
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		detail := fe.Message
		switch fe.Code {
		case fiber.StatusNotFound:
			detail = "There is no page at this address."
		case fiber.StatusRequestEntityTooLarge:
			detail = "The request body is larger than this endpoint accepts."
		case fiber.StatusInternalServerError:
			detail = "Something went wrong on our side; it has been logged."
		}
		return &HTTPError{Status: fe.Code, Title: http.StatusText(fe.Code), Detail: detail, Err: err}
	}
	return &HTTPError{
		Status: fiber.StatusInternalServerError,
		Title:  "Internal Server Error",
		Detail: "Something went wrong on our side; it has been logged.",
		Err:    err,
	}
}

// errorHandler is the one place where errors become HTTP answers: problem+json
// under /api/, an error page or an htmx flash fragment elsewhere.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	he := classify(err)
	if errors.Is(err, context.Canceled) {
		return nil // the client went away; nobody is listening
	}
	attrs := append([]any{"method", c.Method(), "path", c.Path(), "status", he.Status, "request_id", requestID(c), "error", err}, accountAttr(c)...)
	if he.Status >= 500 && he.Status != fiber.StatusInsufficientStorage { // a full account is the client's to fix
		s.log.Error("request failed", attrs...)
	} else {
		s.log.Warn("request refused", attrs...)
	}
	for k, v := range he.Headers {
		c.Set(k, v)
	}
	c.Status(he.Status)
	if isAPI(c) {
		instance := c.OriginalURL()
		if c.Locals(unreadableKey) != nil {
			instance = "" // the request line was never read
		}
		c.Set(fiber.HeaderContentType, "application/problem+json")
		return c.JSON(problem{
			Type:     "about:blank",
			Title:    he.Title,
			Status:   he.Status,
			Detail:   he.Detail,
			Instance: instance,
			Errors:   he.Fields,
		}, "application/problem+json")
	}
	view := pages.ErrorView{Status: he.Status, Title: he.Title, Detail: he.Detail}
	if id, ok := currentIdentity(c); ok {
		view.SignedIn = true
		view.Layout = s.layout(c, id, "", he.Title)
	} else {
		view.Layout.Title = he.Title
		view.Layout.CSRFToken = csrfToken(c)
	}
	if isHTMX(c) && !isBoosted(c) {
		c.Set("HX-Retarget", "#flash")
		c.Set("HX-Reswap", "innerHTML")
		return renderComponent(c, pages.ErrorFlash(view))
	}
	return renderComponent(c, pages.ErrorPage(view))
}

func isAPI(c *fiber.Ctx) bool {
	if c.Locals(unreadableKey) != nil {
		return true
	}
	return strings.HasPrefix(c.Path(), "/api/") && c.Path() != "/api/docs"
}

// unreadableKey marks a request that the HTTP server refused before any
// route ran (see serverErrorHandler).
const unreadableKey = "flowbatch.unreadable"

// serverErrorHandler answers a request that the HTTP server could not read:
// headers larger than readBufferSize, a malformed request line or header,
// two Content-Length headers, a read timeout. It takes the place of Fiber's
// own, which shows fasthttp's message, and in it a copy of the request, to
// the client. The request line is lost by then, so the answer is problem+json
// whatever the path was.
func (s *Server) serverErrorHandler(fctx *fasthttp.RequestCtx, err error) {
	c := s.app.AcquireCtx(fctx)
	defer s.app.ReleaseCtx(c)
	c.Locals(unreadableKey, true)
	_ = s.errorHandler(c, unreadable(err))
}

// unreadable maps an error of the HTTP server's own reading of a request to
// the HTTPError a client sees.
func unreadable(err error) *HTTPError {
	var small *fasthttp.ErrSmallBuffer
	var netErr net.Error
	switch {
	case errors.As(err, &small):
		return &HTTPError{Status: fiber.StatusRequestHeaderFieldsTooLarge, Title: "Request Header Fields Too Large",
			Detail: "The request line and headers are larger than " + upload.HumanBytes(readBufferSize) + ".", Err: err}
	case errors.As(err, &netErr) && netErr.Timeout():
		return &HTTPError{Status: fiber.StatusRequestTimeout, Title: "Request Timeout",
			Detail: "The request did not arrive within the server's read timeout.", Err: err}
	}
	return &HTTPError{Status: fiber.StatusBadRequest, Title: "Bad Request",
		Detail: "The request could not be read: its request line or a header is malformed (for example a Content-Length that is not a number, or one given twice).", Err: err}
}

// logAttrs is for handlers that log an error they recovered from.
func logAttrs(c *fiber.Ctx) []slog.Attr {
	return []slog.Attr{slog.String("request_id", requestID(c)), slog.String("path", c.Path())}
}
