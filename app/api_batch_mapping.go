package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/models"
)

// headerBatchMapping carries a column map on the batch upload endpoints.
const headerBatchMapping = "X-Batch-Mapping"

// apiBatchMapping answers PUT /api/v1/batches/{id}/mapping: the body, a JSON
// object of field name → column name (null or "" for no column), becomes
// the DRAFT batch's column map (409 in other statuses, 422 naming unknown
// fields or columns). The answer is the columns document.
func (s *Server) apiBatchMapping(c *fiber.Ctx) error {
	id, err := batchIDParam(c)
	if err != nil {
		return err
	}
	cm, err := parseColumnMap(c.Body())
	if err != nil {
		return badBody("The body must be a JSON object of field names to column names (or null for no column).", err)
	}
	ctx, acct := c.UserContext(), identity(c).AccountID
	var m *batchMatching
	_, err = s.batches.SetColumnMap(ctx, acct, id, cm, func(b *models.Batch) error {
		var err error
		if m, err = s.matchBatch(ctx, s.db, b); err != nil {
			return err
		}
		return m.check(cm)
	})
	if err != nil {
		return err
	}
	b, err := models.BatchByID(ctx, s.db, acct, id)
	if err != nil {
		return err
	}
	if m, err = s.matchBatch(ctx, s.db, b); err != nil {
		return err
	}
	return c.JSON(newColumnsDocument(m))
}

// parseColumnMap reads a column map: one JSON object whose values are
// strings or null (no column).
func parseColumnMap(raw []byte) (models.ColumnMap, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var m map[string]*string
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("not an object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	cm := make(models.ColumnMap, len(m))
	for k, v := range m {
		cm[k] = ""
		if v != nil {
			cm[k] = *v
		}
	}
	return cm, nil
}

// checkNewBatchMapping checks the column map a batch was created with
// (X-Batch-Mapping, or v2's part mapping) against its interface and input.
func (s *Server) checkNewBatchMapping(ctx context.Context, tx *gorm.DB, b *models.Batch) error {
	m, err := s.matchBatch(ctx, tx, b)
	if err != nil {
		return err
	}
	return m.check(b.ColumnMap)
}
