package ingest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

// namedValue is one call of EachValue's function.
type namedValue struct{ name, text string }

// decodedValues walks a JSON record with encoding/json, the way EachValue
// names and reads its values, as the reference to compare EachValue with.
func decodedValues(raw []byte) []namedValue {
	var out []namedValue
	var walk func(raw []byte, prefix string, depth int)
	walk = func(raw []byte, prefix string, depth int) {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
			return
		}
		for d.More() {
			tok, err := d.Token()
			if err != nil {
				return
			}
			key, _ := tok.(string)
			var v json.RawMessage
			if err := d.Decode(&v); err != nil {
				return
			}
			switch v[0] {
			case '{':
				if depth+1 < 4 {
					walk(v, prefix+key+".", depth+1)
				}
			case '[':
			case '"':
				var s string
				_ = json.Unmarshal(v, &s)
				out = append(out, namedValue{prefix + key, s})
			case 'n':
				out = append(out, namedValue{prefix + key, ""})
			default:
				out = append(out, namedValue{prefix + key, string(v)})
			}
		}
	}
	walk(raw, "", 0)
	return out
}

// eachValues reads the JSON payload and returns, per record, what EachValue
// named and what encoding/json reads there.
func eachValues(t *testing.T, payload string) (got, want [][]namedValue) {
	t.Helper()
	r, err := ingest.NewReader(strings.NewReader(payload), ingest.Options{Format: ingest.FormatJSON})
	require.NoError(t, err)
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return got, want
		}
		if err != nil {
			return got, want
		}
		var vals []namedValue
		rec.EachValue(func(name, text string) { vals = append(vals, namedValue{name, text}) })
		got, want = append(got, vals), append(want, decodedValues(rec.Raw()))
	}
}

func TestEachValueOfJSONRecords(t *testing.T) {
	t.Parallel()
	got, want := eachValues(t, `[
		{"id": 1, "name": "Ada", "ok": true, "none": null, "tags": ["a", {"b": 1}], "n": -1.5e3},
		{ "esc\"aped\\key" : "line\nbreak \u00e9 \ud83d\ude00 \ud800 lone", "slash": "a\/b" },
		{"address": {"city": "Paris", "geo": {"lat": 48.8, "deep": {"deeper": {"deepest": 1}}}}, "after": "x"},
		{},
		{"dup": 1, "dup": 2, "empty": "", "obj": {}},
		"not an object",
		[1, 2]
	]`)
	require.Equal(t, want, got)
	require.Equal(t, []namedValue{
		{"id", "1"}, {"name", "Ada"}, {"ok", "true"}, {"none", ""}, {"n", "-1.5e3"},
	}, got[0])
	require.Equal(t, []namedValue{
		{"address.city", "Paris"}, {"address.geo.lat", "48.8"}, {"after", "x"},
	}, got[2], "nested objects are named by their path, four levels deep at most")
	require.Equal(t, "line\nbreak é 😀 \ufffd lone", got[1][0].text)
}

func FuzzEachValueOfJSONRecords(f *testing.F) {
	for _, s := range []string{
		`[{"a": 1, "b": {"c": "d"}}]`,
		`{"a": "\u00e9\ud83d\ude00", "b": null, "c": [1, {"d": 2}]}`,
		`[{"k\"": {"x": {"y": {"z": {"w": 1}}}}}, {}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		got, want := eachValues(t, payload)
		require.Equal(t, want, got)
	})
}
