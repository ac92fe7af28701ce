package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// saveWizardOverview ends the wizard: Save draft returns to the overview, Run
// queues the batch, Test in designer queues it as a designer batch (first 20 records).
func (s *Server) saveWizardOverview(c *fiber.Ctx, b *models.Batch) (map[string]string, error) {
	ctx, acct := c.UserContext(), identity(c).AccountID
	switch c.FormValue("action") {
	case "save":
		return nil, redirect(c, "/")
	case "run", "designer":
		if msg, err := s.runBlocker(c, b); err != nil || msg != "" {
			return map[string]string{"run": msg}, err
		}
		designer := c.FormValue("action") == "designer"
		if designer != b.Designer {
			d := draftOf(b)
			d.Designer = designer
			if _, err := s.batches.Update(ctx, acct, b.ID, d); err != nil {
				return nil, err
			}
		}
		if _, err := s.runBatch(ctx, acct, b.ID); err != nil {
			return nil, err
		}
		return nil, redirect(c, "/batches/"+b.ID.String())
	}
	return nil, NewHTTPError(fiber.StatusBadRequest, "Choose Run, Save draft or Test in designer.")
}

// runBlocker says why the overview step does not offer Run, or "": the
// input cannot be read, or a required field has no column. What is missing
// altogether is RunBatch's to name.
func (s *Server) runBlocker(c *fiber.Ctx, b *models.Batch) (string, error) {
	sum, err := s.summarize(c, b)
	if err != nil {
		return "", err
	}
	if sum.PayloadError != "" {
		return sum.PayloadError + " Run is not possible until the input is fixed.", nil
	}
	if sum.Columns != nil && len(sum.Columns.MissingRequired) > 0 {
		return strings.Join(sum.Columns.RequiredSentences(), " ") + " Choose its column before running.", nil
	}
	return "", nil
}
