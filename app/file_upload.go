package app

import (
	"context"
	"fmt"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/app/upload"
	"github.com/flowbatch/flowbatch/models"
)

// fileUpload answers POST /files/upload?folder=…: a multipart body with one
// or more files, sent by static/js/app.js with a progress bar. On success the
// browser reloads the folder.
func (s *Server) fileUpload(c *fiber.Ctx) error {
	files, err := s.storeUploads(c, c.Query("folder"))
	if err != nil {
		return err
	}
	return redirect(c, folderHref(files[0].Folder))
}

// storeUploads streams every file of a multipart request into storage and
// registers them in folder, all or nothing: a refused name, an oversized
// file or a broken body leaves neither rows nor stored objects behind.
func (s *Server) storeUploads(c *fiber.Ctx, folder string) ([]*models.File, error) {
	ctx, accountID := c.UserContext(), identity(c).AccountID
	folder = strings.Trim(folder, "/")
	if msg := models.ValidateUserFolder(folder); msg != "" {
		upload.Abandon(c)
		return nil, uploadRefused("", msg)
	}
	if ok, err := models.FolderExists(ctx, s.db, accountID, folder); err != nil || !ok {
		upload.Abandon(c)
		if err == nil {
			err = fmt.Errorf("uploading into %q: %w", folder, models.ErrNotFound)
		}
		return nil, err
	}
	room, err := s.uploadRoom(c)
	if err != nil {
		upload.Abandon(c)
		return nil, err
	}
	var files []*models.File
	seen := map[string]bool{}
	err = upload.Read(c, s.uploadOptions(c), func(p *upload.Part) error {
		if !p.IsFile() {
			return nil
		}
		// The name as sent: a hostile one is refused, not quietly reduced.
		name := p.RawFileName
		if err := models.CheckNewFile(ctx, s.db, accountID, folder, name); err != nil {
			if msg, ok := fieldMessage(err); ok {
				return uploadRefused(name, msg)
			}
			return err
		}
		if seen[name] {
			return uploadRefused(name, "This upload holds two files of this name.")
		}
		seen[name] = true
		ctype := uploadType(name, p.ContentType)
		obj, err := s.store.Put(ctx, room.Reader(p), ctype)
		if err != nil {
			return err
		}
		files = append(files, &models.File{AccountID: accountID, Folder: folder, Name: name, Size: obj.Size,
			ContentType: ctype, SHA256: obj.SHA256, StorageKey: obj.Key})
		return nil
	})
	if err == nil && len(files) == 0 {
		err = uploadRefused("", "Choose at least one file to upload.")
	}
	if err == nil {
		err = models.CreateUserFiles(ctx, s.db, files)
	}
	if err != nil {
		cleanup := context.WithoutCancel(ctx)
		for _, f := range files {
			_ = s.store.Delete(cleanup, f.StorageKey)
		}
		return nil, s.uploadError(err)
	}
	return files, nil
}

func uploadRefused(name, msg string) *HTTPError {
	detail := msg
	if name != "" {
		detail = fmt.Sprintf("%q: %s", name, msg)
	}
	return &HTTPError{Status: fiber.StatusUnprocessableEntity, Title: "Upload refused", Detail: detail,
		Fields: map[string]string{"file": detail}}
}

// uploadError turns what went wrong in an upload into the answer the client
// sees; refusals from package upload (*upload.Error) are mapped by the error handler.
func (s *Server) uploadError(err error) error {
	if msg, ok := fieldMessage(err); ok {
		he := uploadRefused("", msg)
		he.Err = err
		return he
	}
	return err
}

// uploadTypes are the content types of the formats Flowbatch reads and
// writes, fixed here rather than taken from the machine's MIME tables.
var uploadTypes = map[string]string{
	".json": "application/json", ".csv": "text/csv", ".tsv": "text/tab-separated-values",
	".xml": "application/xml", ".txt": "text/plain", ".log": "application/x-ndjson",
	".ndjson": "application/x-ndjson", ".jsonl": "application/x-ndjson",
	".html": "text/html", ".htm": "text/html", ".svg": "image/svg+xml",
}

// uploadType is the content type recorded for an uploaded file: known
// extensions first, else the type the client sent if it parses, else bytes.
func uploadType(name, sent string) string {
	if t, ok := uploadTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	if mediaType, params, err := mime.ParseMediaType(sent); err == nil && len(sent) <= 200 {
		if t := mime.FormatMediaType(mediaType, params); t != "" {
			return t
		}
	}
	return "application/octet-stream"
}
