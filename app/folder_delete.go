package app

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/pages"
)

// folderDelete answers POST /folders/delete (form fields folder and, once
// confirmed, confirm_files). An empty folder goes at once; one holding files
// first answers with a confirmation saying how many files would go, and is
// deleted when the same request comes back with that count.
func (s *Server) folderDelete(c *fiber.Ctx) error {
	ctx, accountID := c.UserContext(), identity(c).AccountID
	folder := strings.Trim(c.FormValue("folder"), "/")
	if models.ValidateFolderPath(folder) != "" {
		return fmt.Errorf("deleting folder %q: %w", folder, models.ErrNotFound)
	}
	confirmed, _ := strconv.ParseInt(c.FormValue("confirm_files"), 10, 64)
	keys, err := models.DeleteFolder(ctx, s.db, accountID, folder, max(confirmed, 0))
	var notEmpty *models.FolderNotEmptyError
	if errors.As(err, &notEmpty) {
		return s.confirmFolderDelete(c, folder, notEmpty)
	}
	if err != nil {
		return err
	}
	s.deleteObjects(c, keys...)
	parent, _ := models.ParentFolder(folder)
	return redirect(c, folderHref(parent))
}

func (s *Server) confirmFolderDelete(c *fiber.Ctx, folder string, e *models.FolderNotEmptyError) error {
	form := pages.FolderDeleteView{Folder: folder, Files: e.Files, Message: e.Reason(), CSRF: csrfToken(c),
		Confirm: true, CancelHref: folderHref(folder)}
	c.Vary("HX-Request")
	if isHTMX(c) && !isBoosted(c) {
		return renderComponent(c, pages.FolderDelete(form))
	}
	v, err := s.filesView(c, models.FolderQuery{Folder: folder, PerPage: filesPerPage})
	if err != nil {
		return err
	}
	v.DeleteForm = form
	return renderComponent(c, pages.Files(*v))
}
