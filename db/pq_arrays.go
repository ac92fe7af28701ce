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
		return sliceOf(a)
	case *pq.ByteaArray:
		return sliceOf(a)
	case *pq.Float64Array:
		return sliceOf(a)
	case *pq.Float32Array:
		return sliceOf(a)
	case *pq.Int64Array:
		return sliceOf(a)
	case *pq.Int32Array:
		return sliceOf(a)
	case *pq.StringArray:
		return sliceOf(a)
	case pq.GenericArray:
		return a.A
	}
	return nil
}

// sliceOf is the plain slice a named slice type holds, nil (no type) for
// a nil pointer or slice.
func sliceOf[S ~[]E, E any](a *S) any {
	if a == nil || *a == nil {
		return nil
	}
	return []E(*a)
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
