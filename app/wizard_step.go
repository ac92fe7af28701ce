package app

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/app/batches"
	"github.com/flowbatch/flowbatch/app/upload"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// wizardStepSaver saves one step's form and returns the messages to show
// next to its fields (nil when saved).
type wizardStepSaver func(s *Server, c *fiber.Ctx, b *models.Batch) (map[string]string, error)

var wizardSavers = map[string]wizardStepSaver{
	components.StepInformation: (*Server).saveWizardInformation,
	components.StepFormat:      (*Server).saveWizardFormat,
	components.StepInterface:   (*Server).saveWizardInterface,
	components.StepUpload:      (*Server).saveWizardUpload,
	components.StepNames:       (*Server).saveWizardNames,
	components.StepOverview:    (*Server).saveWizardOverview,
}

// wizardNew shows step 1 of a new batch.
func (s *Server) wizardNew(c *fiber.Ctx) error {
	v := s.wizardShell(c, nil, 0)
	v.Values = map[string]string{}
	return render(c, pages.Wizard(v), pages.WizardBody(v))
}

// wizardStep shows a step of a batch's wizard: editable for a DRAFT, read-only otherwise.
func (s *Server) wizardStep(c *fiber.Ctx) error {
	b, step, err := s.wizardTarget(c)
	if err != nil {
		return err
	}
	return s.showStep(c, b, step, nil, nil)
}

// wizardSave saves a step and shows the next one, or the same one with its messages.
func (s *Server) wizardSave(c *fiber.Ctx) error {
	b, step, err := s.wizardTarget(c)
	if err != nil {
		return err
	}
	if !b.Status.Allows(models.ActionEdit) {
		return &models.NotAllowedError{Action: models.ActionEdit, Status: b.Status}
	}
	return s.saveStep(c, b, step)
}

// wizardCreate saves step 1 of a new batch as a DRAFT.
func (s *Server) wizardCreate(c *fiber.Ctx) error {
	return s.saveStep(c, nil, 0)
}

func (s *Server) saveStep(c *fiber.Ctx, b *models.Batch, step int) error {
	slug := components.WizardSteps[step].Slug
	fields, err := wizardSavers[slug](s, c, b)
	var invalid *models.ValidationError
	if errors.As(err, &invalid) {
		fields, err = invalid.Fields, nil
	}
	if err != nil || c.Response().StatusCode() == fiber.StatusSeeOther || len(c.Response().Header.Peek("HX-Redirect")) > 0 {
		return err // failed, or the step already answered with a redirect
	}
	if fields != nil {
		c.Status(formStatus(c))
		return s.showStep(c, b, step, submitted(c), fields)
	}
	if b == nil {
		return nil // saveWizardInformation created the batch and redirected
	}
	if b, err = models.BatchByID(c.UserContext(), s.db, b.AccountID, b.ID); err != nil {
		return err
	}
	next := min(step+1, len(components.WizardSteps)-1)
	url := components.WizardURL(b.ID.String(), components.WizardSteps[next].Slug)
	if !isHTMX(c) {
		return c.Redirect(url, fiber.StatusSeeOther)
	}
	c.Set("HX-Push-Url", url)
	return s.showStep(c, b, next, nil, nil)
}

// submitted is the posted form, re-shown beside its messages.
func submitted(c *fiber.Ctx) map[string]string {
	vals := map[string]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) { vals[string(k)] = string(v) })
	return vals
}

// wizardTarget loads the batch and step named by the path.
func (s *Server) wizardTarget(c *fiber.Ctx) (*models.Batch, int, error) {
	id, err := batchParam(c)
	if err != nil {
		return nil, 0, err
	}
	step := components.StepIndex(c.Params("step"))
	if step < 0 {
		return nil, 0, fiber.ErrNotFound
	}
	b, err := models.BatchByID(c.UserContext(), s.db, identity(c).AccountID, id)
	if err != nil {
		return nil, 0, err
	}
	return b, step, nil
}

// wizardShell is the part of every step's view that does not depend on the step.
func (s *Server) wizardShell(c *fiber.Ctx, b *models.Batch, step int) pages.WizardView {
	id := identity(c)
	v := pages.WizardView{Step: step, Layout: s.layout(c, id, layouts.SectionBatches, "New batch"), Errors: map[string]string{}}
	if b != nil {
		v.BatchID, v.Name, v.Status, v.Format = b.ID.String(), b.Name, b.Status, b.Format
		v.ReadOnly = !b.Status.Allows(models.ActionEdit)
		v.Layout.Title = components.WizardSteps[step].Label + " · " + b.Name
	}
	return v
}

// showStep renders a step with the batch's saved values, overridden by values when given.
func (s *Server) showStep(c *fiber.Ctx, b *models.Batch, step int, values, errs map[string]string) error {
	v := s.wizardShell(c, b, step)
	if b == nil {
		v.Values = values
	} else {
		var err error
		if v, err = s.loadStep(c, b, v); err != nil {
			return err
		}
		for k, val := range values {
			v.Values[k] = val
		}
	}
	if errs != nil {
		v.Errors = errs
	}
	return render(c, pages.Wizard(v), pages.WizardBody(v))
}

// loadStep fills what a step shows from the batch and the account.
func (s *Server) loadStep(c *fiber.Ctx, b *models.Batch, v pages.WizardView) (pages.WizardView, error) {
	v.Values = map[string]string{
		"name": b.Name, "description": b.Description, "format": string(b.Format),
		"interface_id": uuidString(b.InterfaceID), "flow_id": uuidString(b.FlowID),
		"input_name": b.InputName, "output_name": b.OutputName, "default_input": b.DefaultInputName(),
	}
	var err error
	switch components.WizardSteps[v.Step].Slug {
	case components.StepInterface:
		err = s.loadInterfaceChoices(c, b, &v)
	case components.StepUpload:
		err = s.loadUploadChoices(c, b, &v)
	case components.StepOverview:
		v.Summary, err = s.summarize(c, b)
	}
	return v, err
}

func uuidString(id *uuid.UUID) string {
	if id == nil {
		return ""
	}
	return id.String()
}

// parseUUIDField reads an optional UUID form field; a malformed one is reported as msg.
func parseUUIDField(c *fiber.Ctx, name, msg string, errs map[string]string) *uuid.UUID {
	raw := strings.TrimSpace(c.FormValue(name))
	if raw == "" {
		return nil
	}
	id, err := uuid.Parse(raw)
	if err != nil {
		errs[name] = msg
		return nil
	}
	return &id
}

// draftOf is a batch's current settings, to be changed by one step.
func draftOf(b *models.Batch) batches.Draft {
	return batches.Draft{
		Name: b.Name, Description: b.Description, Format: b.Format, InterfaceID: b.InterfaceID,
		FlowID: b.FlowID, Source: b.Source, Designer: b.Designer, InputName: b.InputName, OutputName: b.OutputName,
	}
}

// uploadLimit is the largest input the wizard's upload accepts.
func (s *Server) uploadLimit() string { return upload.HumanBytes(s.cfg.V2MaxBytes) }
