package app

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/pages"
)

// interfaceFieldsRow answers the fields editor's Add and Remove buttons: it
// reads the rows being edited, adds an empty row (add=1) or drops row
// number remove, and renders the editor again. Nothing is saved; the form's
// other inputs are ignored.
func (s *Server) interfaceFieldsRow(c *fiber.Ctx) error {
	rows := parseFieldRows(c)
	if c.FormValue("add") != "" {
		if len(rows) >= models.MaxFields {
			return NewHTTPError(fiber.StatusUnprocessableEntity, "An interface has at most 200 fields.")
		}
		rows = append(rows, pages.FieldRow{Type: string(models.TypeString)})
	}
	if r := c.FormValue("remove"); r != "" {
		i, err := strconv.Atoi(r)
		if err != nil || i < 0 || i >= len(rows) {
			return NewHTTPError(fiber.StatusBadRequest, "There is no such field row; reload the page.")
		}
		rows = append(rows[:i], rows[i+1:]...)
	}
	return renderComponent(c, pages.FieldsEditor(fieldsEditorView(rows, nil)))
}
