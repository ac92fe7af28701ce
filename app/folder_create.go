package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/pages"
)

// folderCreate answers POST /folders (form fields folder, the parent, and
// name) and opens the new folder; a refused name re-renders the form.
func (s *Server) folderCreate(c *fiber.Ctx) error {
	parent := strings.Trim(c.FormValue("folder"), "/")
	name := c.FormValue("name")
	path, err := models.CreateFolder(c.UserContext(), s.db, identity(c).AccountID, parent, name)
	if msg, ok := fieldMessage(err); ok {
		form := pages.NewFolderForm{Parent: parent, Name: name, Error: msg, CSRF: csrfToken(c)}
		c.Status(formStatus(c))
		c.Vary("HX-Request")
		if isHTMX(c) && !isBoosted(c) {
			return renderComponent(c, pages.NewFolder(form))
		}
		v, err := s.filesView(c, models.FolderQuery{Folder: parent, PerPage: filesPerPage})
		if err != nil {
			return err
		}
		v.NewFolder = form
		return renderComponent(c, pages.Files(*v))
	}
	if err != nil {
		return err
	}
	return redirect(c, folderHref(path))
}
