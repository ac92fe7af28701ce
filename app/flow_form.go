package app

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
)

// flowForm is the new and edit flow form as posted.
type flowForm struct {
	Name        string
	Description string
	KeyField    string
}

func parseFlowForm(c *fiber.Ctx) *flowForm {
	return &flowForm{Name: c.FormValue("name"), Description: c.FormValue("description"), KeyField: c.FormValue("key_field")}
}

// Flow returns the flow the form describes.
func (f *flowForm) Flow(accountID, id uuid.UUID) *models.Flow {
	flow := &models.Flow{ID: id, AccountID: accountID, Name: f.Name, Description: f.Description, KeyField: f.KeyField}
	flow.Normalize()
	return flow
}

// Validate returns a message per invalid field that needs no database; the
// rules that do (unique name, key field changes) come from models.SaveFlow.
func (f *flowForm) Validate() map[string]string {
	return f.Flow(uuid.Nil, uuid.Nil).Check()
}
