package app

import (
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/app/upload"
	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/models"
)

// apiBatchCreateV2 answers POST /api/v2/interfaces/{id}/batch for
// interfaces of every format: multipart/form-data with the payload in the part `file`
// (and optional parts name, description, input_name, output_name, flow_id,
// designer, mapping), or a raw body. The payload streams to storage, gzip-decoded when
// sent with Content-Encoding: gzip, up to V2MaxBytes of decoded bytes.
func (s *Server) apiBatchCreateV2(c *fiber.Ctx) error {
	u, err := s.openBatchUpload(c, models.SourceAPIv2)
	if err != nil {
		return err
	}
	room, err := s.uploadRoom(c)
	if err != nil {
		return err
	}
	opts := s.uploadOptions(c)
	opts.FileField = "file"
	mediaType, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if mediaType != fiber.MIMEMultipartForm {
		if err := checkContentType(c, u.iface.Format); err != nil {
			return err
		}
		body, err := upload.Body(c, opts)
		if err != nil {
			return err
		}
		obj, err := s.storePayload(c.UserContext(), room.Reader(body), u.iface.Format)
		if err != nil {
			return err
		}
		return s.finishBatchUpload(c, u, obj, room)
	}

	ctx := c.UserContext()
	var obj storage.Object
	var fileName string
	fields := map[string]string{}
	err = upload.Read(c, opts, func(p *upload.Part) error {
		switch p.FormName {
		case "file":
			if obj.Key != "" {
				return NewHTTPError(fiber.StatusBadRequest, "Send one part named file.")
			}
			o, err := s.storePayload(ctx, room.Reader(p), u.iface.Format)
			if err != nil {
				return err
			}
			obj, fileName = o, p.FileName
		case "name", "description", "input_name", "output_name", "flow_id", "designer", "mapping":
			v, err := p.Value()
			if err != nil {
				return err
			}
			fields[p.FormName] = v
		default:
			if p.IsFile() {
				return NewHTTPError(fiber.StatusBadRequest,
					"Send the payload in the form part named file (this request has a file in the part \""+p.FormName+"\").")
			}
			// Other fields (tools such as Postman add their own) are ignored.
		}
		return nil
	})
	if err == nil {
		u.fields = fields
		u.fields["file"] = fileName
		err = u.applyFields(fields, fileName)
	}
	if err == nil {
		err = u.validate()
	}
	if err == nil && obj.Key == "" {
		err = &models.ValidationError{Fields: map[string]string{"file": "Attach the payload as the form part named file."}}
	}
	if err != nil {
		if obj.Key != "" {
			s.dropObject(ctx, obj.Key)
		}
		return err
	}
	return s.finishBatchUpload(c, u, obj, room)
}

// applyFields takes the v2 form fields into the draft; a part overrides the
// matching header. Without input_name, the uploaded file's (sanitised) name
// becomes the input's name when it is a valid file name.
func (u *batchUpload) applyFields(fields map[string]string, fileName string) error {
	errs := map[string]string{}
	if v := strings.TrimSpace(fields["name"]); v != "" {
		u.draft.Name = v
	}
	u.draft.Description = fields["description"]
	u.draft.InputName = fields["input_name"]
	u.draft.OutputName = fields["output_name"]
	if v := strings.TrimSpace(fields["flow_id"]); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			errs["flow_id"] = "Use the ID (a UUID) of one of your flows."
		} else {
			u.draft.FlowID = &id
		}
	}
	if v, ok := fields["designer"]; ok {
		d, err := parseFlag(v)
		if err != nil {
			errs["designer"] = "Use true or false."
		}
		u.draft.Designer = d
	}
	if v, ok := fields["mapping"]; ok {
		cm, err := parseColumnMap([]byte(v))
		if err != nil {
			errs["mapping"] = "Send a JSON object of field names to column names (or null for no column)."
		}
		u.draft.ColumnMap = cm
	}
	if u.draft.InputName == "" && fileName != "" {
		probe := u.draft
		probe.InputName = fileName
		if _, bad := probe.Validate()["input_name"]; !bad {
			u.draft.InputName = fileName
		}
	}
	if len(errs) > 0 {
		return &models.ValidationError{Fields: errs}
	}
	return nil
}
