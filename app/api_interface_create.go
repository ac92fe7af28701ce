package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
)

// apiInterfaceCreate answers POST /api/v1/interfaces: 201 with the interface,
// or 422 with a message per invalid field ("fields[2].type" for field rows).
// Scopes default to ["batch"], the encoding to auto, the CSV delimiter to
// auto (sniffed) with '"' quotes and a header row.
func (s *Server) apiInterfaceCreate(c *fiber.Ctx) error {
	var body interfaceInput
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	in := &models.Interface{AccountID: identity(c).AccountID, Scopes: models.Scopes{models.ScopeBatch},
		Encoding: models.EncodingAuto, CSVDelimiter: models.DelimiterAuto, CSVQuote: `"`, CSVHeader: true}
	body.apply(in)
	if err := models.SaveInterface(c.UserContext(), s.db, in); err != nil {
		return err
	}
	c.Location("/api/v1/interfaces/" + in.ID.String())
	return c.Status(fiber.StatusCreated).JSON(s.newInterfaceDoc(in))
}
