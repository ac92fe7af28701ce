package app

import (
	"errors"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/pages"
)

// fileRename answers POST /files/:id/rename (form field name). Batch files
// are refused with 409; a refused name re-renders the form with its message.
func (s *Server) fileRename(c *fiber.Ctx) error {
	f, err := s.fileParam(c)
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	_, err = models.RenameFile(c.UserContext(), s.db, identity(c).AccountID, f.ID, name)
	if msg, ok := fieldMessage(err); ok {
		form := pages.RenameForm{FileID: f.ID.String(), Name: name, Error: msg, CSRF: csrfToken(c)}
		return s.fileFormError(c, f, pages.FileRename(form), func(v *pages.FileView) { v.Rename = form })
	}
	if err != nil {
		return err
	}
	return redirect(c, "/files/"+f.ID.String())
}

// fieldMessage returns the message of a refused name or folder, if err is one.
func fieldMessage(err error) (string, bool) {
	var invalid *models.ValidationError
	if !errors.As(err, &invalid) {
		return "", false
	}
	for _, k := range []string{"name", "folder"} {
		if msg := invalid.Fields[k]; msg != "" {
			return msg, true
		}
	}
	return "", false
}

// fileFormError answers a refused change of a file: the form alone for an
// htmx swap, or the whole file page with the form's message for a plain post.
func (s *Server) fileFormError(c *fiber.Ctx, f *models.File, fragment templ.Component, set func(*pages.FileView)) error {
	c.Status(formStatus(c))
	c.Vary("HX-Request")
	if isHTMX(c) && !isBoosted(c) {
		return renderComponent(c, fragment)
	}
	v, err := s.fileView(c, f)
	if err != nil {
		return err
	}
	set(v)
	return renderComponent(c, pages.FilePreview(*v))
}
