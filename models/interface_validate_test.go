package models_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
)

func TestInterfaceNormalize(t *testing.T) {
	t.Parallel()
	in := &models.Interface{
		Name: "  Orders ", Format: " CSV ", Scopes: models.Scopes{"batch", " batch", "api"},
		CSVDelimiter: `\t`, RecordsPath: "data.items", RecordElement: "order",
		Fields: models.Fields{{Name: " id ", Source: " 1 ", Type: " integer "}},
	}
	in.Normalize()
	require.Equal(t, "Orders", in.Name)
	require.Equal(t, models.FormatCSV, in.Format)
	require.Equal(t, models.Scopes{"batch", "api"}, in.Scopes)
	require.Equal(t, "\t", in.CSVDelimiter)
	require.Empty(t, in.RecordsPath, "JSON option reset")
	require.Empty(t, in.RecordElement, "XML option reset")
	require.Equal(t, models.Field{Name: "id", Source: "1", Type: models.TypeInteger}, in.Fields[0])

	empty := &models.Interface{Format: models.FormatJSON, CSVDelimiter: ";", CSVHeader: false}
	empty.Normalize()
	require.NotNil(t, empty.Scopes)
	require.NotNil(t, empty.Fields)
	require.Equal(t, ",", empty.CSVDelimiter, "CSV options back to their defaults")
	require.True(t, empty.CSVHeader)
}

// TestInterfaceCheckAgreesWithTheEngine reads payloads with interfaces that
// Check accepts: what the pages and the API let through, the engine can read.
func TestInterfaceCheckAgreesWithTheEngine(t *testing.T) {
	t.Parallel()
	fields := func(sources ...string) models.Fields {
		names := []string{"external_id", "age", "city", "kind"}
		types := []models.FieldType{models.TypeString, models.TypeInteger, models.TypeString, models.TypeString}
		out := models.Fields{}
		for i, s := range sources {
			out = append(out, models.Field{Name: names[i], Source: s, Type: types[i], Required: i == 0})
		}
		return out
	}
	cases := []struct {
		name    string
		in      models.Interface
		payload string
		want    string
	}{
		{"json nested path", models.Interface{Format: models.FormatJSON, RecordsPath: "data.items", Fields: fields("id", "age", "address.city")},
			`{"data":{"items":[{"id":"C-1","age":"41","address":{"city":"Lyon"}}]}}`, `{"external_id":"C-1","age":41,"city":"Lyon"}`},
		{"csv header, semicolon", models.Interface{Format: models.FormatCSV, CSVDelimiter: ";", CSVHeader: true, Fields: fields("id", "age")},
			"id;age\nC-1;41\n", `{"external_id":"C-1","age":41}`},
		{"csv tab, no header", models.Interface{Format: models.FormatCSV, CSVDelimiter: `\t`, CSVHeader: false, Fields: fields("2", "1")},
			"41\tC-1\n", `{"external_id":"C-1","age":41}`},
		{"xml attributes and paths", models.Interface{Format: models.FormatXML, RecordElement: "contact", Fields: fields("@id", "age", "address.city", "address.@kind")},
			`<r><contact id="C-1"><age>41</age><address kind="home"><city>Lyon</city></address></contact></r>`,
			`{"external_id":"C-1","age":41,"city":"Lyon","kind":"home"}`},
	}
	for _, tc := range cases {
		in := tc.in
		in.Name = tc.name
		in.Normalize()
		require.Nil(t, in.Check(), tc.name)

		delim, _ := utf8.DecodeRuneInString(in.CSVDelimiter)
		r, err := ingest.NewReader(strings.NewReader(tc.payload), ingest.Options{
			Format: ingest.Format(in.Format), RecordsPath: in.RecordsPath, CSVDelimiter: delim,
			CSVHeader: in.CSVHeader, RecordElement: in.RecordElement,
		})
		require.NoError(t, err, tc.name)
		m, err := ingest.NewMapper(in.IngestFields(), "external_id")
		require.NoError(t, err, tc.name)
		rec, err := r.Next()
		require.NoError(t, err, tc.name)
		doc, key, err := m.Map(nil, rec)
		require.NoError(t, err, tc.name)
		require.JSONEq(t, tc.want, string(doc), tc.name)
		require.Equal(t, "C-1", key)
		_, err = r.Next()
		require.True(t, errors.Is(err, io.EOF), tc.name)
	}
}

func TestFlowCheck(t *testing.T) {
	t.Parallel()
	ok := &models.Flow{Name: "Contacts", KeyField: "external_id"}
	require.Nil(t, ok.Check())
	bad := &models.Flow{Name: "", Description: strings.Repeat("x", 2001), KeyField: "1st"}
	errs := bad.Check()
	require.Equal(t, "Enter a name.", errs["name"])
	require.Equal(t, "Use at most 2000 characters.", errs["description"])
	require.Contains(t, errs["key_field"], "starting with a letter or _")
}
