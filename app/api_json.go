package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// decodeJSON reads the request body as one JSON object into v, refusing
// unknown members. Its errors are 400 problems that say what is wrong with
// the body in words, without echoing the decoder's internals.
func decodeJSON(c *fiber.Ctx, v any) error {
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("trailing data")
			return badBody("The body holds more than one JSON value; send one object.", err)
		}
		return nil
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return badBody("The body is empty; send a JSON object.", err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badBody("The body ends in the middle of a JSON value.", err)
	case errors.As(err, &syntax):
		return badBody(fmt.Sprintf("The body is not valid JSON (at byte %d).", syntax.Offset), err)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badBody("The body must be a JSON object.", err)
		}
		return badBody(fmt.Sprintf("The member %s must be %s.", typ.Field, jsonKind(typ.Type.String())), err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badBody(fmt.Sprintf("The member %q is not known here.", name), err)
	case errors.Is(err, errBadUUID):
		return badBody("flow_id must be a UUID or null.", err)
	}
	return badBody("The body could not be read as the expected JSON object.", err)
}

func badBody(detail string, err error) error {
	return &HTTPError{Status: fiber.StatusBadRequest, Title: "Malformed request body", Detail: detail, Err: err}
}

func jsonKind(goType string) string {
	switch {
	case goType == "string" || goType == "*string":
		return "a string"
	case goType == "bool" || goType == "*bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]") || strings.HasPrefix(goType, "*[]") || strings.HasSuffix(goType, "Fields") || strings.HasSuffix(goType, "Scopes"):
		return "an array"
	case strings.Contains(goType, "Field"):
		return "an object"
	}
	return "of another type"
}

var errBadUUID = errors.New("not a UUID")

// optionalUUID is a JSON member that may be absent (keep), null (clear) or a UUID (set).
type optionalUUID struct {
	Set bool
	ID  *uuid.UUID
}

// UnmarshalJSON implements json.Unmarshaler; it is called only for present members.
func (o *optionalUUID) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.ID = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errBadUUID
	}
	if s == "" {
		o.ID = nil
		return nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return errBadUUID
	}
	o.ID = &id
	return nil
}
