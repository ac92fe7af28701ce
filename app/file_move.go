package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/pages"
)

// fileMove answers POST /files/:id/move (form field folder, "" for the
// root) into another of the user's folders; batch files are refused with 409.
func (s *Server) fileMove(c *fiber.Ctx) error {
	f, err := s.fileParam(c)
	if err != nil {
		return err
	}
	ctx, accountID := c.UserContext(), identity(c).AccountID
	folder := strings.Trim(c.FormValue("folder"), "/")
	_, err = models.MoveFile(ctx, s.db, accountID, f.ID, folder)
	if msg, ok := fieldMessage(err); ok {
		form := pages.MoveForm{FileID: f.ID.String(), Folder: f.Folder, Error: msg, CSRF: csrfToken(c)}
		if form.Folders, err = models.UserFolders(ctx, s.db, accountID); err != nil {
			return err
		}
		return s.fileFormError(c, f, pages.FileMove(form), func(v *pages.FileView) { v.Move = form })
	}
	if err != nil {
		return err
	}
	return redirect(c, "/files/"+f.ID.String())
}
