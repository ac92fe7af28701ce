package app

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/models/colmatch"
)

// batchMatching is a batch's input columns beside its interface's fields:
// what the wizard's column panel, the columns API, the mapping checks and
// "Check all records" read.
type batchMatching struct {
	iface    *models.Interface // nil without a usable interface
	keyField string
	// columns are the input's, nil when the batch has no input.
	columns []colmatch.Column
	// payloadErr is a fault met in the input's first records.
	payloadErr *ingest.PayloadError
	proposed   []colmatch.Match
	chosen     models.ColumnMap
	effective  map[string]string
	input      *models.File
}

// matchBatch reads the start of the batch's input and matches its columns
// to the interface's fields, with the batch's own column map: the live
// interface and flow for a draft, the snapshot taken at Run otherwise.
func (s *Server) matchBatch(ctx context.Context, db *gorm.DB, b *models.Batch) (*batchMatching, error) {
	m := &batchMatching{chosen: b.ColumnMap}
	snap, err := models.BatchSnapshotByID(ctx, db, b.AccountID, b.ID)
	if err != nil {
		return nil, err
	}
	if snap != nil {
		// A batch that ran reads through its snapshot, whatever the
		// interface and flow say now.
		m.iface, m.keyField = &snap.Interface, snap.KeyField
	} else if err := s.liveInterface(ctx, b, m); err != nil {
		return nil, err
	}
	var input models.File
	err = db.WithContext(ctx).Where("account_id = ? AND batch_id = ? AND kind = ?", b.AccountID, b.ID, models.KindInput).Take(&input).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
	case err != nil:
		return nil, fmt.Errorf("loading input of batch %s: %w", b.ID, err)
	default:
		m.input = &input
		if err := m.detect(ctx, s, b, input.StorageKey); err != nil {
			return nil, err
		}
	}
	if m.iface != nil {
		fields := m.iface.Fields.MatchFields()
		var names []string
		if m.columns != nil {
			names = colmatch.Names(m.columns)
		}
		m.proposed = colmatch.Propose(fields, names)
		m.effective = colmatch.Resolve(fields, names, b.ColumnMap)
		if snap != nil && snap.Resolved {
			m.effective = snap.ColumnMap
		}
	}
	return m, nil
}

// liveInterface takes the interface and the flow's key field as they are now.
func (s *Server) liveInterface(ctx context.Context, b *models.Batch, m *batchMatching) error {
	in, err := s.batchInterface(ctx, b)
	if err != nil {
		return err
	}
	if in != nil && in.Format == b.Format {
		m.iface = in
	}
	if b.FlowID != nil {
		flow, err := models.FlowByID(ctx, s.db, b.AccountID, *b.FlowID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if flow != nil {
			m.keyField = flow.KeyField
		}
	}
	return nil
}

// detect reads the input's columns with the batch's reader options (its
// interface's under its own read settings).
func (m *batchMatching) detect(ctx context.Context, s *Server, b *models.Batch, key string) error {
	r, err := s.store.Open(ctx, key)
	if err != nil {
		return err
	}
	defer r.Close()
	cols, err := jobs.DetectColumns(r, batchReaderOptions(m.iface, b))
	if errors.As(err, &m.payloadErr) {
		err = nil
	}
	if err != nil {
		return err
	}
	m.columns = cols
	if m.columns == nil {
		m.columns = []colmatch.Column{}
	}
	return nil
}

// names are the input's column names, nil when they are not known.
func (m *batchMatching) names() []string {
	if m.columns == nil {
		return nil
	}
	return colmatch.Names(m.columns)
}

// known reports whether the columns were read, so that "no column" means
// the input has none: an input was found and its first records read.
func (m *batchMatching) known() bool {
	return m.columns != nil && len(m.columns) > 0
}

// unread lists the input's columns that no field reads.
func (m *batchMatching) unread() []string {
	if m.iface == nil || !m.known() {
		return nil
	}
	return colmatch.Unread(m.names(), m.effective)
}

// missingRequired lists the required fields (and the flow's key field) that
// read no column of the input.
func (m *batchMatching) missingRequired() []string {
	if m.iface == nil || !m.known() {
		return nil
	}
	have := map[string]bool{}
	for _, n := range m.names() {
		have[n] = true
	}
	var out []string
	for _, f := range m.iface.Fields {
		if (f.Required || f.Name == m.keyField) && !have[m.effective[f.Name]] {
			out = append(out, f.Name)
		}
	}
	return out
}

// check validates a column map against the interface, key field and columns.
func (m *batchMatching) check(cm models.ColumnMap) error {
	if m.iface == nil {
		return &models.ValidationError{Fields: map[string]string{"mapping": "Choose the batch's interface before its columns."}}
	}
	if errs := models.CheckColumnMap(cm, m.iface.Fields, m.keyField, m.names()); errs != nil {
		return &models.ValidationError{Fields: errs}
	}
	return nil
}

// mappedFields are the engine's fields under the effective map.
func (m *batchMatching) mappedFields() []ingest.Field {
	return jobs.MappedFields(m.iface.Fields, m.effective)
}
