package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiFlowUpdate answers PATCH /api/v1/flows/{id}: members present in the body change.
func (s *Server) apiFlowUpdate(c *fiber.Ctx) error {
	f, err := s.flowParam(c)
	if err != nil {
		return err
	}
	var in flowInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	in.apply(f)
	if err := models.SaveFlow(c.UserContext(), s.db, f); err != nil {
		return err
	}
	return c.JSON(newFlowDoc(f))
}
