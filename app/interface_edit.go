package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// interfaceEditPage shows the form of an existing interface.
func (s *Server) interfaceEditPage(c *fiber.Ctx) error {
	id := identity(c)
	in, err := s.interfaceParam(c)
	if err != nil {
		return err
	}
	v, err := s.interfaceFormView(c, in, nil)
	if err != nil {
		return err
	}
	v.Layout = s.layout(c, id, layouts.SectionInterfaces, "Edit interface "+in.Name)
	return renderComponent(c, pages.InterfaceFormPage(v))
}

// interfaceUpdate saves an existing interface, or re-renders the form with a message per invalid field.
func (s *Server) interfaceUpdate(c *fiber.Ctx) error {
	interfaceID, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := models.InterfaceByID(c.UserContext(), s.db, identity(c).AccountID, interfaceID); err != nil {
		return err
	}
	return s.saveInterface(c, interfaceID, "Edit interface", func(in *models.Interface) error {
		return models.SaveInterface(c.UserContext(), s.db, in)
	})
}
