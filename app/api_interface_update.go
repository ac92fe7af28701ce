package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiInterfaceUpdate answers PATCH /api/v1/interfaces/{id}: members present
// in the body change; "fields", when present, replaces the whole list.
func (s *Server) apiInterfaceUpdate(c *fiber.Ctx) error {
	in, err := s.interfaceParam(c)
	if err != nil {
		return err
	}
	var body interfaceInput
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	body.apply(in)
	if err := models.SaveInterface(c.UserContext(), s.db, in); err != nil {
		return err
	}
	return c.JSON(s.newInterfaceDoc(in))
}
