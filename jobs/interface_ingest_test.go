package jobs_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
)

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
		{"csv auto delimiter, single quote, column names without header", models.Interface{Format: models.FormatCSV, CSVDelimiter: "auto", CSVQuote: "'", CSVHeader: false, Fields: fields("column_2", "column_1")},
			"41|'C-1'\n", `{"external_id":"C-1","age":41}`},
		{"csv latin-1", models.Interface{Format: models.FormatCSV, CSVDelimiter: ",", CSVHeader: true, Encoding: "iso-8859-1", Fields: fields("id", "age", "city")},
			"id,age,city\nC-1,41,K\xF6ln\n", `{"external_id":"C-1","age":41,"city":"Köln"}`},
		{"xml attributes and paths", models.Interface{Format: models.FormatXML, RecordElement: "contact", Fields: fields("@id", "age", "address.city", "address.@kind")},
			`<r><contact id="C-1"><age>41</age><address kind="home"><city>Lyon</city></address></contact></r>`,
			`{"external_id":"C-1","age":41,"city":"Lyon","kind":"home"}`},
	}
	for _, tc := range cases {
		in := tc.in
		in.Name = tc.name
		in.Normalize()
		require.Nil(t, in.Check(), tc.name)

		r, err := ingest.NewReader(strings.NewReader(tc.payload), jobs.IngestOptions(&in, in.Format))
		require.NoError(t, err, tc.name)
		m, err := ingest.NewMapper(jobs.IngestFields(in.Fields), "external_id")
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

func TestBatchIngestOptions(t *testing.T) {
	t.Parallel()
	in := &models.Interface{Format: models.FormatCSV, CSVDelimiter: "auto", CSVQuote: `"`, CSVHeader: true, Encoding: "auto"}
	b := &models.Batch{Format: models.FormatCSV}
	require.Equal(t, ingest.Options{Format: ingest.FormatCSV, CSVDelimiter: ingest.DelimiterAuto, CSVQuote: '"', CSVHeader: true, Encoding: ingest.EncodingAuto},
		jobs.BatchIngestOptions(in, b))

	no := false
	b.ReadOptions = models.ReadOptions{Encoding: "utf-16", Delimiter: "\t", Quote: "'", Header: &no, Sheet: "S"}
	require.Equal(t, ingest.Options{Format: ingest.FormatCSV, CSVDelimiter: '\t', CSVQuote: '\'', Encoding: ingest.EncodingUTF16, XLSXSheet: "S"},
		jobs.BatchIngestOptions(in, b))

	b.ReadEncoding = "utf-16be"
	require.Equal(t, ingest.EncodingUTF16BE, jobs.BatchIngestOptions(in, b).Encoding, "the engine's decision beats the settings")
}
