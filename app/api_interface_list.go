package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiInterfaceList answers GET /api/v1/interfaces: the account's interfaces
// by name; archived ones too with ?archived=true.
func (s *Server) apiInterfaceList(c *fiber.Ctx) error {
	list, err := models.ListInterfaces(c.UserContext(), s.db, identity(c).AccountID, c.QueryBool("archived"))
	if err != nil {
		return err
	}
	docs := make([]interfaceDoc, 0, len(list))
	for i := range list {
		docs = append(docs, s.newInterfaceDoc(&list[i]))
	}
	return c.JSON(fiber.Map{"data": docs})
}

// apiInterfaceShow answers GET /api/v1/interfaces/{id}.
func (s *Server) apiInterfaceShow(c *fiber.Ctx) error {
	in, err := s.interfaceParam(c)
	if err != nil {
		return err
	}
	return c.JSON(s.newInterfaceDoc(in))
}
