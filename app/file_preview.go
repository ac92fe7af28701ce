package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/filepreview"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// filePreview answers GET /files/:id: the file's details, actions and the
// first 256 KB of its content in a readable form.
func (s *Server) filePreview(c *fiber.Ctx) error {
	f, err := s.fileParam(c)
	if err != nil {
		return err
	}
	v, err := s.fileView(c, f)
	if err != nil {
		return err
	}
	return renderComponent(c, pages.FilePreview(*v))
}

// fileParam loads the account's file named by the :id parameter; a
// malformed ID is as unknown as another account's.
func (s *Server) fileParam(c *fiber.Ctx) (*models.File, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return nil, fmt.Errorf("parsing file id: %w", models.ErrNotFound)
	}
	return models.FileByID(c.UserContext(), s.db, identity(c).AccountID, id)
}

func (s *Server) fileView(c *fiber.Ctx, f *models.File) (*pages.FileView, error) {
	ctx := c.UserContext()
	head, err := s.readHead(ctx, f, filepreview.MaxBytes)
	if err != nil {
		return nil, err
	}
	preview := filepreview.Build(f.Name, f.ContentType, f.Size, head)
	if filepreview.IsWorkbook(f.Name, f.ContentType) {
		if preview, err = s.workbookPreview(ctx, f); err != nil {
			return nil, err
		}
	}
	id := f.ID.String()
	v := &pages.FileView{
		Layout:      s.layout(c, identity(c), layouts.SectionFiles, f.Name),
		ID:          id,
		Name:        f.Name,
		Folder:      f.Folder,
		Crumbs:      append(folderCrumbs(f.Folder), pages.Crumb{Name: f.Name}),
		Size:        humanSize(f.Size),
		Type:        f.ContentType,
		SHA256:      f.SHA256,
		Modified:    f.UpdatedAt,
		DownloadURL: "/files/" + id + "/download",
		Rename:      pages.RenameForm{FileID: id, Name: f.Name, CSRF: csrfToken(c)},
		Move:        pages.MoveForm{FileID: id, Folder: f.Folder, CSRF: csrfToken(c)},
		Preview:     preview,
	}
	if f.BatchID != nil {
		v.BatchHref = "/batches/" + f.BatchID.String()
		v.Kind = string(*f.Kind)
	} else {
		if v.Move.Folders, err = models.UserFolders(ctx, s.db, f.AccountID); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// readHead reads up to n bytes from the start of a file's content.
func (s *Server) readHead(ctx context.Context, f *models.File, n int64) ([]byte, error) {
	if f.Size == 0 {
		return nil, nil
	}
	r, err := s.store.OpenRange(ctx, f.StorageKey, 0, min(n, f.Size))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	head, err := io.ReadAll(io.LimitReader(r, n))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", f.StorageKey, err)
	}
	return head, nil
}

// maxWorkbookPreview is the largest workbook the file manager previews: the
// whole file is read to find its first rows.
const maxWorkbookPreview = 64 << 20

// workbookPreview shows the first rows of a workbook's first sheet.
func (s *Server) workbookPreview(ctx context.Context, f *models.File) (filepreview.Preview, error) {
	if f.Size == 0 {
		return filepreview.Preview{Kind: filepreview.KindEmpty}, nil
	}
	if f.Size > maxWorkbookPreview {
		return filepreview.Preview{Kind: filepreview.KindBinary, Note: "Workbooks over 64 MiB are not previewed."}, nil
	}
	r, err := s.store.Open(ctx, f.StorageKey)
	if err != nil {
		return filepreview.Preview{}, err
	}
	defer r.Close()
	sheet, rows, more, err := ingest.XLSXPreview(r, ingest.Options{Format: ingest.FormatXLSX}, filepreview.MaxCSVRows+1)
	var pe *ingest.PayloadError
	if errors.As(err, &pe) {
		return filepreview.Preview{Kind: filepreview.KindBinary, Note: "This workbook cannot be previewed: " + pe.Msg + "."}, nil
	}
	if err != nil {
		return filepreview.Preview{}, err
	}
	return filepreview.Sheet(sheet, rows, more), nil
}
