package app

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiFileList answers GET /api/v1/files?folder=…&sort=…&desc=…&page=…&per_page=…:
// a page of the folder, sub-folders first, as in the file manager.
func (s *Server) apiFileList(c *fiber.Ctx) error {
	q, err := folderQuery(c, 100)
	if err != nil {
		return err
	}
	if models.ValidateFolderPath(q.Folder) != "" {
		return fmt.Errorf("listing %q: %w", q.Folder, models.ErrNotFound)
	}
	l, err := models.ListFolder(c.UserContext(), s.db, identity(c).AccountID, q)
	if err != nil {
		return err
	}
	folders := make([]apiFolderDoc, 0, len(l.Folders))
	for _, f := range l.Folders {
		folders = append(folders, apiFolderDoc{Name: f.Name, Path: f.Path, Files: f.Files, Size: f.Size, BatchID: f.BatchID})
	}
	files := make([]apiFileDoc, 0, len(l.Files))
	for i := range l.Files {
		files = append(files, newAPIFileDoc(&l.Files[i]))
	}
	return c.JSON(fiber.Map{
		"folder": l.Folder, "folders": folders, "data": files,
		"page": q.Page, "per_page": q.PerPage, "pages": l.Pages(),
		"total_folders": l.TotalFolders, "total_files": l.TotalFiles,
	})
}
