package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/views/components"
)

// batchDelete removes a DRAFT, FINISHED or ERROR batch and its files.
func (s *Server) batchDelete(c *fiber.Ctx) error {
	acct := identity(c).AccountID
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	if err := s.batches.Delete(c.UserContext(), acct, id); err != nil {
		return err
	}
	toast(c, toastSuccess, "Batch deleted, with its files.")
	if fromRow(c, id) {
		return renderComponent(c, components.RemovedRow(id.String()))
	}
	return redirect(c, "/")
}
