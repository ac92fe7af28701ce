package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/app/upload"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/pages"
)

// uploadForm is step 4 by paste or by picking a file; uploads go to batchInput.
type uploadForm struct {
	Mode    string
	Payload string
	FileID  string
}

// Validate checks the form's shape; the payload itself is checked by reading it.
func (f uploadForm) Validate() map[string]string {
	switch f.Mode {
	case "paste":
		if strings.TrimSpace(f.Payload) == "" {
			return map[string]string{"payload": "Paste the payload first."}
		}
	case "file":
		if _, err := uuid.Parse(f.FileID); err != nil {
			return map[string]string{"file_id": "Choose one of your files."}
		}
	default:
		return map[string]string{"payload": "Upload a file, paste the payload or pick a file."}
	}
	return nil
}

func (s *Server) saveWizardUpload(c *fiber.Ctx, b *models.Batch) (map[string]string, error) {
	f := uploadForm{Mode: c.FormValue("mode"), Payload: c.FormValue("payload"), FileID: c.FormValue("file_id")}
	if errs := f.Validate(); errs != nil {
		return errs, nil
	}
	ctx, acct := c.UserContext(), identity(c).AccountID
	if f.Mode == "file" {
		src, err := models.FileByID(ctx, s.db, acct, uuid.MustParse(f.FileID))
		if err != nil {
			return nil, err
		}
		if err := s.requireRoom(ctx, acct, src.Size); err != nil {
			return nil, err
		}
		_, err = s.batches.SetInputFromFile(ctx, acct, b.ID, src.ID)
		return nil, err
	}
	in, err := s.batchInterface(ctx, b)
	if err != nil {
		return nil, err
	}
	pe, err := checkPayload(strings.NewReader(f.Payload), readerOptions(in, b.Format))
	if err != nil {
		return nil, err
	}
	if pe != nil {
		return map[string]string{"payload": payloadMessage(pe)}, nil
	}
	if err := s.requireRoom(ctx, acct, int64(len(f.Payload))); err != nil {
		return nil, err
	}
	_, err = s.batches.SetInput(ctx, acct, b.ID, strings.NewReader(f.Payload))
	return nil, err
}

// payloadMessage says where a pasted payload is broken, in the editor's terms.
func payloadMessage(pe interface{ Error() string }) string {
	msg := pe.Error()
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// loadUploadChoices fills the current input and the account's files of the batch's format.
func (s *Server) loadUploadChoices(c *fiber.Ctx, b *models.Batch, v *pages.WizardView) error {
	ctx := c.UserContext()
	v.MaxUpload = s.uploadLimit()
	var input models.File
	if err := s.db.WithContext(ctx).Where("account_id = ? AND batch_id = ? AND kind = ?", b.AccountID, b.ID, models.KindInput).Limit(1).Find(&input).Error; err != nil {
		return err
	}
	if input.ID != uuid.Nil {
		v.Input = &pages.InputInfo{Name: input.Name, Size: humanSize(input.Size)}
	}
	files, err := models.ListFilesOfFormat(ctx, s.db, b.AccountID, b.Format)
	if err != nil {
		return err
	}
	for _, f := range files {
		label := f.Name
		if f.Folder != "" {
			label = f.Folder + "/" + f.Name
		}
		v.Files = append(v.Files, pages.Option{ID: f.ID.String(), Label: label + " (" + humanSize(f.Size) + ")"})
	}
	return nil
}

// batchInput streams an uploaded file into the DRAFT batch's input, then
// moves on to the file names step.
func (s *Server) batchInput(c *fiber.Ctx) error {
	acct := identity(c).AccountID
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	room, err := s.uploadRoom(c)
	if err != nil {
		upload.Abandon(c)
		return err
	}
	got := false
	err = upload.Read(c, s.uploadOptions(c), func(p *upload.Part) error {
		if p.FormName != "file" || !p.IsFile() || got {
			return nil
		}
		got = true
		_, err := s.batches.SetInput(c.UserContext(), acct, id, room.Reader(p))
		return err
	})
	if err != nil {
		return err
	}
	if !got {
		return NewHTTPError(fiber.StatusBadRequest, "Choose a file to upload.")
	}
	return redirect(c, components.WizardURL(id.String(), components.StepNames))
}
