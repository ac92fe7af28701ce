package db

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// encodeUUIDs makes pgx send google/uuid's UUID, the type of every ID here,
// as the 16 bytes it is. pgx does not know the type and would go through its
// driver.Valuer: a 36-character string that pgx then parses back into those
// bytes, for every parameter of every statement (docs/benchmarks.md, "Many
// small batches"). So does a *uuid.UUID (an optional ID): pgx would take it
// as the driver.Valuer it also is, fail to encode the Valuer's string as a
// uuid, format that failure as an error and only then parse the string. A
// parameter of another type than uuid (text, say) still goes through the
// Valuer, as before.
func encodeUUIDs(m *pgtype.Map) {
	m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{tryWrapUUIDEncodePlan}, m.TryWrapEncodePlanFuncs...)
}

func tryWrapUUIDEncodePlan(value any) (pgtype.WrappedEncodePlanNextSetter, any, bool) {
	switch value.(type) {
	case uuid.UUID, *uuid.UUID:
		return &uuidEncodePlan{}, pgtype.UUID{}, true
	}
	return nil, nil, false
}

// uuidEncodePlan encodes a uuid.UUID, or what a *uuid.UUID points to (nil is
// NULL), as the pgtype.UUID of the same bytes.
type uuidEncodePlan struct{ next pgtype.EncodePlan }

func (p *uuidEncodePlan) SetNext(next pgtype.EncodePlan) { p.next = next }

func (p *uuidEncodePlan) Encode(value any, buf []byte) ([]byte, error) {
	var id uuid.UUID
	switch v := value.(type) {
	case uuid.UUID:
		id = v
	case *uuid.UUID:
		if v == nil {
			return nil, nil
		}
		id = *v
	}
	return p.next.Encode(pgtype.UUID{Bytes: id, Valid: true}, buf)
}
