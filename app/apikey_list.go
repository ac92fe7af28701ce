package app

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// apiKeysPage lists the account's API keys with the form to create one.
func (s *Server) apiKeysPage(c *fiber.Ctx) error {
	id := identity(c)
	rows, err := s.apiKeyRows(c, id.AccountID)
	if err != nil {
		return err
	}
	v := pages.APIKeysView{Layout: s.layout(c, id, layouts.SectionAPIKeys, "API keys"), Keys: rows,
		Form: pages.APIKeyFormView{CSRFToken: csrfToken(c)}}
	return renderComponent(c, pages.APIKeys(v))
}

func (s *Server) apiKeyRows(c *fiber.Ctx, accountID uuid.UUID) ([]pages.APIKeyRow, error) {
	keys, err := models.ListAPIKeys(c.UserContext(), s.db, accountID)
	if err != nil {
		return nil, err
	}
	rows := make([]pages.APIKeyRow, 0, len(keys))
	for _, k := range keys {
		row := pages.APIKeyRow{ID: k.ID.String(), Name: k.Name, Prefix: k.Prefix,
			CreatedAt: components.Timestamp(k.CreatedAt), LastUsed: components.MaybeTimestamp(k.LastUsedAt, "never")}
		if k.RevokedAt != nil {
			row.RevokedAt = components.Timestamp(*k.RevokedAt)
		}
		rows = append(rows, row)
	}
	return rows, nil
}
