package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/components"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// recordShow is one record's page: its fields, its JSON, its flow and the batch it came from.
func (s *Server) recordShow(c *fiber.Ctx) error {
	id := identity(c)
	recordID, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	r, err := models.RecordByID(ctx, s.db, id.AccountID, recordID)
	if err != nil {
		return err
	}
	flow, err := models.FlowByID(ctx, s.db, id.AccountID, r.FlowID)
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, r.Data, "", "  "); err != nil {
		return err
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &data); err != nil {
		return fmt.Errorf("reading record %s: %w", r.ID, err)
	}
	known, err := models.FlowFieldNames(ctx, s.db, id.AccountID, flow.ID)
	if err != nil {
		return err
	}
	v := pages.RecordView{
		Layout: s.layout(c, id, layouts.SectionFlows, "Record"),
		ID:     r.ID.String(), FlowID: flow.ID.String(), FlowName: flow.Name, Data: pretty.String(),
		CreatedAt: components.Timestamp(r.CreatedAt), UpdatedAt: components.Timestamp(r.UpdatedAt),
		BatchIndex: strconv.FormatInt(r.BatchIndex+1, 10),
	}
	// The key field first, then the flow's fields, then the record's others.
	names := recordFields(known, flow.KeyField, []map[string]json.RawMessage{data})
	if _, ok := data[flow.KeyField]; ok {
		names = append([]string{flow.KeyField}, names...)
	}
	for _, name := range names {
		if val, ok := data[name]; ok && string(val) != "null" {
			v.Fields = append(v.Fields, pages.RecordField{Name: name, Value: jsonText(val)})
		}
	}
	if r.Key != nil {
		v.Key = *r.Key
	}
	if r.BatchID != nil {
		v.BatchID = r.BatchID.String()
		b, err := models.BatchByID(ctx, s.db, id.AccountID, *r.BatchID)
		switch {
		case errors.Is(err, models.ErrNotFound):
			// Deleting a batch keeps its records.
			v.BatchID, v.BatchDeleted = "", true
		case err != nil:
			return err
		default:
			v.BatchName = b.Name
		}
	}
	return renderComponent(c, pages.Record(v))
}
