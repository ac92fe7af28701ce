package app

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
)

// paramID parses a UUID route parameter. A malformed ID names nothing, so it
// is answered as models.ErrNotFound, like another account's ID.
func paramID(c *fiber.Ctx, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params(name))
	if err != nil {
		return uuid.Nil, models.ErrNotFound
	}
	return id, nil
}

// fieldErrors returns the messages of a *models.ValidationError merged into
// errs; any other error is returned as is.
func fieldErrors(errs map[string]string, err error) (map[string]string, error) {
	var invalid *models.ValidationError
	if !errors.As(err, &invalid) {
		return errs, err
	}
	if errs == nil {
		errs = map[string]string{}
	}
	for k, v := range invalid.Fields {
		if _, ok := errs[k]; !ok {
			errs[k] = v
		}
	}
	return errs, nil
}

// inUse turns a refused archive into a 409 naming how many batches hold it.
func inUse(err error) error {
	var busy *models.InUseError
	if errors.As(err, &busy) {
		return &HTTPError{Status: fiber.StatusConflict, Title: "Still in use", Detail: busy.Reason(), Err: err}
	}
	return err
}

// interfaceParam loads the interface named by the route's :id in the
// request's account; an unknown, malformed or foreign ID is models.ErrNotFound.
func (s *Server) interfaceParam(c *fiber.Ctx) (*models.Interface, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	return models.InterfaceByID(c.UserContext(), s.db, identity(c).AccountID, id)
}

// flowParam loads the flow named by the route's :id in the request's account.
func (s *Server) flowParam(c *fiber.Ctx) (*models.Flow, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	return models.FlowByID(c.UserContext(), s.db, identity(c).AccountID, id)
}

// queryNumber reads a whole-number query parameter such as page or per_page:
// absent or empty is def; anything but a whole number from 1 to most is a
// 400 naming the parameter and its range, never a value that overflows an
// offset further down.
func queryNumber(c *fiber.Ctx, name string, def, most int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		return 0, NewHTTPError(fiber.StatusBadRequest, fmt.Sprintf("%s must be a whole number from 1 to %d.", name, most))
	}
	return n, nil
}
