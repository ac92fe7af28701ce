package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// apiKeyForm is the new API key form as posted.
type apiKeyForm struct {
	Name string
}

// Validate returns a message per invalid field, or nil.
func (f *apiKeyForm) Validate() map[string]string {
	f.Name = strings.TrimSpace(f.Name)
	if msg := models.CheckName(f.Name); msg != "" {
		return map[string]string{"name": msg}
	}
	return nil
}

// apiKeyCreate creates a key and shows it once, in the answer to this request
// only: the key is not stored, only its hash.
func (s *Server) apiKeyCreate(c *fiber.Ctx) error {
	id := identity(c)
	form := apiKeyForm{Name: c.FormValue("name")}
	fv := pages.APIKeyFormView{CSRFToken: csrfToken(c), Name: form.Name, Errors: form.Validate()}
	if fv.Errors == nil {
		var userID = &id.UserID
		_, key, err := models.CreateAPIKey(c.UserContext(), s.db, id.AccountID, userID, form.Name)
		if err != nil {
			return err
		}
		fv.NewKey, fv.NewName, fv.Name = key, form.Name, ""
	} else {
		c.Status(formStatus(c))
	}
	// The key must not be kept by any cache or restored from history.
	c.Set(fiber.HeaderCacheControl, "no-store")
	rows, err := s.apiKeyRows(c, id.AccountID)
	if err != nil {
		return err
	}
	if isHTMX(c) && !isBoosted(c) {
		c.Vary("HX-Request")
		if err := renderComponent(c, pages.APIKeyForm(fv)); err != nil {
			return err
		}
		return renderComponent(c, pages.APIKeyTable(rows))
	}
	v := pages.APIKeysView{Layout: s.layout(c, id, layouts.SectionAPIKeys, "API keys"), Keys: rows, Form: fv}
	return renderComponent(c, pages.APIKeys(v))
}
