package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiFlowList answers GET /api/v1/flows: the account's flows by name;
// archived ones too with ?archived=true.
func (s *Server) apiFlowList(c *fiber.Ctx) error {
	flows, err := models.ListFlows(c.UserContext(), s.db, identity(c).AccountID, c.QueryBool("archived"))
	if err != nil {
		return err
	}
	docs := make([]flowDoc, 0, len(flows))
	for i := range flows {
		docs = append(docs, newFlowDoc(&flows[i]))
	}
	return c.JSON(fiber.Map{"data": docs})
}

// apiFlowShow answers GET /api/v1/flows/{id}.
func (s *Server) apiFlowShow(c *fiber.Ctx) error {
	f, err := s.flowParam(c)
	if err != nil {
		return err
	}
	return c.JSON(newFlowDoc(f))
}
