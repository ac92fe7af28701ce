package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/models/colmatch"
	"github.com/flowbatch/flowbatch/views/pages"
)

// reportColumns lists the column each field reads: from the snapshot taken
// at Run (the effective map once the worker resolved it), or for a draft
// with its own column map, from that map and the interface. Nil otherwise.
func (s *Server) reportColumns(ctx context.Context, accountID, batchID uuid.UUID) ([]pages.ReportColumn, error) {
	snap, err := models.BatchSnapshotByID(ctx, s.db, accountID, batchID)
	if err != nil {
		return nil, err
	}
	var fields models.Fields
	var cm models.ColumnMap
	if snap != nil {
		fields, cm = snap.Interface.Fields, snap.ColumnMap
	} else {
		b, err := models.BatchByID(ctx, s.db, accountID, batchID)
		if err != nil {
			return nil, err
		}
		in, err := s.batchInterface(ctx, b)
		if err != nil || in == nil || b.ColumnMap == nil {
			return nil, err
		}
		fields, cm = in.Fields, b.ColumnMap
	}
	effective := colmatch.Resolve(fields.MatchFields(), nil, cm)
	out := make([]pages.ReportColumn, len(fields))
	for i, f := range fields {
		out[i] = pages.ReportColumn{Field: f.Name, Column: effective[f.Name]}
	}
	return out, nil
}
