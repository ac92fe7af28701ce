package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiFlowCreate answers POST /api/v1/flows: 201 with the flow, or 422 with a message per invalid field.
func (s *Server) apiFlowCreate(c *fiber.Ctx) error {
	var in flowInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	f := &models.Flow{AccountID: identity(c).AccountID}
	in.apply(f)
	if err := models.SaveFlow(c.UserContext(), s.db, f); err != nil {
		return err
	}
	c.Location("/api/v1/flows/" + f.ID.String())
	return c.Status(fiber.StatusCreated).JSON(newFlowDoc(f))
}
