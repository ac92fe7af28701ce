package db

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// encodeUUIDs makes pgx send google/uuid's UUID, the type of every ID here,
// as the 16 bytes it is. pgx does not know the type and would go through its
// driver.Valuer: a 36-character string that pgx then parses back into those
// bytes, for every parameter of every statement (docs/benchmarks.md, "Many
// small batches"). A parameter of another type than uuid (text, say) still
// goes through the Valuer, as before.
func encodeUUIDs(m *pgtype.Map) {
	m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{tryWrapUUIDEncodePlan}, m.TryWrapEncodePlanFuncs...)
}

func tryWrapUUIDEncodePlan(value any) (pgtype.WrappedEncodePlanNextSetter, any, bool) {
	if id, ok := value.(uuid.UUID); ok {
		return &uuidEncodePlan{}, pgtype.UUID{Bytes: id, Valid: true}, true
	}
	return nil, nil, false
}

// uuidEncodePlan encodes a uuid.UUID as the pgtype.UUID of the same bytes.
type uuidEncodePlan struct{ next pgtype.EncodePlan }

func (p *uuidEncodePlan) SetNext(next pgtype.EncodePlan) { p.next = next }

func (p *uuidEncodePlan) Encode(value any, buf []byte) ([]byte, error) {
	return p.next.Encode(pgtype.UUID{Bytes: value.(uuid.UUID), Valid: true}, buf)
}
