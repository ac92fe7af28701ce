package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/pages"
)

// apiKeyRevoke revokes a key: the next request with it answers 401.
func (s *Server) apiKeyRevoke(c *fiber.Ctx) error {
	id := identity(c)
	keyID, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.RevokeAPIKey(c.UserContext(), s.db, id.AccountID, keyID); err != nil {
		return err
	}
	if !isHTMX(c) {
		return redirect(c, "/api-keys")
	}
	rows, err := s.apiKeyRows(c, id.AccountID)
	if err != nil {
		return err
	}
	return renderComponent(c, pages.APIKeyTable(rows))
}
