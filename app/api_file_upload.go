package app

import "github.com/gofiber/fiber/v2"

// apiFileUpload answers POST /api/v1/files?folder=…: a multipart/form-data
// body with one or more file parts, streamed to storage. All files are
// stored or none; 201 lists them.
func (s *Server) apiFileUpload(c *fiber.Ctx) error {
	files, err := s.storeUploads(c, c.Query("folder"))
	if err != nil {
		return err
	}
	docs := make([]apiFileDoc, 0, len(files))
	for _, f := range files {
		docs = append(docs, newAPIFileDoc(f))
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"data": docs})
}
