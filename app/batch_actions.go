package app

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
)

// batchParam is the batch ID in the path; a malformed one is simply not found.
func batchParam(c *fiber.Ctx) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return uuid.Nil, models.ErrNotFound
	}
	return id, nil
}

// fromRow reports whether an htmx action came from the batch's overview row,
// which wants the row back; other callers (the report) are redirected.
func fromRow(c *fiber.Ctx, id uuid.UUID) bool {
	return isHTMX(c) && c.Get("HX-Target") == components.RowID(id.String())
}

// batchView loads the view of one batch of the account.
func (s *Server) batchView(c *fiber.Ctx, accountID, id uuid.UUID) (components.BatchView, error) {
	it, err := models.BatchListItemByID(c.UserContext(), s.db, accountID, id)
	if err != nil {
		return components.BatchView{}, err
	}
	v := s.rowView(it, time.Now())
	if err := s.markWorkerWait(c.UserContext(), &v); err != nil {
		return components.BatchView{}, err
	}
	return v, nil
}

// afterAction answers an action on a batch: its fresh row for the overview,
// its report otherwise.
func (s *Server) afterAction(c *fiber.Ctx, accountID, id uuid.UUID) error {
	if !fromRow(c, id) {
		return redirect(c, "/batches/"+id.String())
	}
	v, err := s.batchView(c, accountID, id)
	if err != nil {
		return err
	}
	return renderComponent(c, components.BatchRow(v))
}
