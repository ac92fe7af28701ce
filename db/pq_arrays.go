package db

import (
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/lib/pq"
)

// encodePQArrays makes pgx send the lib/pq arrays that River's database/sql
// driver passes for every job it inserts (pq.Array of IDs, args, times,
// kinds, unique keys...) as the slices they hold, in binary. pgx does not
// know the types and would go through their driver.Valuer: a text array
// literal that pgx then parses back, element by element, into the
// parameter's type (docs/benchmarks.md, "Eleventh round"). A value whose
// slice pgx cannot encode for the parameter still goes through the Valuer,
// as before.
func encodePQArrays(m *pgtype.Map) {
	m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{tryWrapPQArrayEncodePlan}, m.TryWrapEncodePlanFuncs...)
}

func tryWrapPQArrayEncodePlan(value any) (pgtype.WrappedEncodePlanNextSetter, any, bool) {
	if slice := pqArraySlice(value); slice != nil {
		return &pqArrayEncodePlan{}, slice, true
	}
	return nil, nil, false
}

// pqArraySlice is the slice a lib/pq array holds, nil for any other value
// (or a nil array, which the Valuer sends as NULL).
func pqArraySlice(value any) any {
	switch a := value.(type) {
	case *pq.BoolArray:
		if a != nil && *a != nil {
			return []bool(*a)
		}
	case *pq.ByteaArray:
		if a != nil && *a != nil {
			return [][]byte(*a)
		}
	case *pq.Float64Array:
		if a != nil && *a != nil {
			return []float64(*a)
		}
	case *pq.Float32Array:
		if a != nil && *a != nil {
			return []float32(*a)
		}
	case *pq.Int64Array:
		if a != nil && *a != nil {
			return []int64(*a)
		}
	case *pq.Int32Array:
		if a != nil && *a != nil {
			return []int32(*a)
		}
	case *pq.StringArray:
		if a != nil && *a != nil {
			return []string(*a)
		}
	case pq.GenericArray:
		return a.A
	}
	return nil
}

// pqArrayEncodePlan encodes a lib/pq array as the slice it holds.
type pqArrayEncodePlan struct{ next pgtype.EncodePlan }

func (p *pqArrayEncodePlan) SetNext(next pgtype.EncodePlan) { p.next = next }

func (p *pqArrayEncodePlan) Encode(value any, buf []byte) ([]byte, error) {
	slice := pqArraySlice(value)
	if slice == nil {
		return nil, nil // NULL, as the Valuer of a nil array
	}
	return p.next.Encode(slice, buf)
}
