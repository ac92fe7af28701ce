package app

import (
	"context"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
)

// batchMapping saves the column panel of the overview step as the DRAFT
// batch's column map or, with "Also use this mapping for the interface",
// as the interface's sources (validated like the interface's form), and
// shows the overview step again.
func (s *Server) batchMapping(c *fiber.Ctx) error {
	ctx, acct := c.UserContext(), identity(c).AccountID
	id, err := batchParam(c)
	if err != nil {
		return err
	}
	b, err := models.BatchByID(ctx, s.db, acct, id)
	if err != nil {
		return err
	}
	if !b.Status.Allows(models.ActionEdit) {
		return &models.NotAllowedError{Action: models.ActionEdit, Status: b.Status}
	}
	m, err := s.matchBatch(ctx, s.db, b)
	if err != nil {
		return err
	}
	if m.iface == nil {
		return NewHTTPError(fiber.StatusUnprocessableEntity, "Choose the batch's interface before its columns.")
	}
	cm := models.ColumnMap{}
	for _, f := range m.iface.Fields {
		cm[f.Name] = c.FormValue("col." + f.Name)
	}
	if c.FormValue("to_interface") != "" {
		err = s.mappingToInterface(ctx, b, m, cm)
	} else {
		_, err = s.batches.SetColumnMap(ctx, acct, b.ID, cm, func(locked *models.Batch) error {
			m, err := s.matchBatch(ctx, s.db, locked)
			if err != nil {
				return err
			}
			return m.check(cm)
		})
	}
	var errs map[string]string
	var invalid *models.ValidationError
	if errors.As(err, &invalid) {
		errs, err = map[string]string{"mapping": mappingMessage(invalid, m.iface.Fields)}, nil
		c.Status(formStatus(c))
	}
	if err != nil {
		return err
	}
	url := components.WizardURL(b.ID.String(), components.StepOverview)
	if errs == nil && !isHTMX(c) {
		return c.Redirect(url, fiber.StatusSeeOther)
	}
	if b, err = models.BatchByID(ctx, s.db, acct, id); err != nil {
		return err
	}
	return s.showStep(c, b, components.StepIndex(components.StepOverview), nil, errs)
}

// mappingToInterface makes the chosen columns the interface's sources and
// drops the batch's own map, which the interface now says.
func (s *Server) mappingToInterface(ctx context.Context, b *models.Batch, m *batchMatching, cm models.ColumnMap) error {
	if err := m.check(cm); err != nil {
		return err
	}
	in := *m.iface
	in.Fields = append(models.Fields(nil), m.iface.Fields...)
	for i := range in.Fields {
		in.Fields[i].Source = cm[in.Fields[i].Name]
	}
	if err := models.SaveInterface(ctx, s.db, &in); err != nil {
		return err
	}
	_, err := s.batches.SetColumnMap(ctx, b.AccountID, b.ID, nil, func(*models.Batch) error { return nil })
	return err
}

// fieldRowKey is how interface validation names a field row: fields[2].source.
var fieldRowKey = regexp.MustCompile(`^fields\[(\d+)\]\.`)

// mappingMessage puts a validation error of a column map, or of the
// interface it was saved to, in one sentence naming the fields.
func mappingMessage(v *models.ValidationError, fields models.Fields) string {
	keys := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		name := strings.TrimPrefix(k, "mapping.")
		if sm := fieldRowKey.FindStringSubmatch(k); sm != nil {
			if i, _ := strconv.Atoi(sm[1]); i < len(fields) {
				name = fields[i].Name
			}
		}
		parts = append(parts, name+": "+v.Fields[k])
	}
	return "The columns were not saved. " + strings.Join(parts, " ")
}
